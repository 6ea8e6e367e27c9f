/*
 * pvgate-exporter: chrooted into the state directory, it writes records
 * to the configured sinks (JSON lines on stdout, syslog, MQTT through
 * spool/) and frames nobody could account for to dump/YYYY-MM-DD.jsonl,
 * sealed when a public key is configured.
 */

#include "compat.h"

#include <err.h>
#include <errno.h>
#include <event.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "confmsg.h"
#include "ctl.h"
#include "exporter.h"
#include "imsgev.h"
#include "log.h"
#include "mqtt.h"
#include "proc.h"
#include "sandbox.h"
#include "util.h"

#define OUTBUF_SIZE	65536

static struct pvconf	*conf;
static struct imsgev	 iev_parent;
static struct imsgev	 iev_decoder;
static struct dumpfile	 dumpf;
static int		 syslog_fd = -1;
static int		 mqtt_on;
static struct record	 rec;
static char		 line[DUMP_LINE_MAX];
static char		 sealed[DUMP_SEALED_MAX];
static char		 outbuf[OUTBUF_SIZE];
static size_t		 outlen;
static uint64_t		 outlines;	/* records in outbuf */
static int		 stdout_closed;	/* by its reader */
static struct {
	uint64_t	 records;
	uint64_t	 to_stdout;	/* written */
	uint64_t	 syslog;
	uint64_t	 dumps;
	uint64_t	 dumps_written;
	uint64_t	 lost_stdout;
	uint64_t	 lost_syslog;
	uint64_t	 lost_dump;
} stats;

static __dead void	usage(void);
static void		exporter_dispatch_parent(int, short, void *);
static void		exporter_dispatch_decoder(int, short, void *);
static void		exporter_configure(struct pvconf *);
static void		exporter_record(struct imsg *);
static void		exporter_syslog(void);
static void		exporter_dump(struct imsg *);
static void		exporter_done(void);
static void		stdout_record(void);
static void		stdout_flush(void);
static void		stdout_gone(void);
static void		log_kick(void);
static void		exporter_command(const struct pv_command *);
static void		exporter_ctl(struct imsg *);
static void		exporter_ctl_counters(uint32_t, const struct ctl_mqtt *,
			    const uint64_t[3]);

static __dead void
usage(void)
{
	extern char	*__progname;

	fprintf(stderr, "usage: %s [-dmsv] -r root -u user\n", __progname);
	exit(1);
}

int
main(int argc, char *argv[])
{
	const char	*root = NULL, *user = NULL;
	int		 ch, debug = 0, verbose = 0, use_syslog = 0;

	proc_title_init(argc, argv);

	while ((ch = getopt(argc, argv, "dmr:su:v")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'm':
			mqtt_on = 1;
			break;
		case 'r':
			root = optarg;
			break;
		case 's':
			use_syslog = 1;
			break;
		case 'u':
			user = optarg;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (root == NULL || user == NULL)
		usage();

	log_init(debug, LOG_DAEMON);
	log_setverbose(verbose);
	log_procinit("exporter");
	setproctitle("exporter");
	if (imsgbuf_init(&iev_parent.ibuf, PVGATE_FD_PARENT) == -1)
		fatal("imsgbuf_init");
	log_setchannel(&iev_parent.ibuf, NULL);
	if (sodium_init() == -1)
		fatalx("sodium_init failed");

	closefrom(PVGATE_FD_PEER + 1);
	/* the chroot has no /dev/log: connect now, send later */
	if (use_syslog && (syslog_fd = syslog_open("/dev/log")) == -1)
		log_warn("syslog: /dev/log");
	dump_init(&dumpf);
	if (mqtt_on) {
		mqtt_init();
		mqtt_command_hook(exporter_command);
	}
	ctl_procinit(ROLE_EXPORTER, "exporter");
	proc_privdrop(user, root, 64, 1);
	/* the sandbox leaves no way to open it later */
	if (mqtt_on)
		mqtt_spool_open(MQTT_SPOOL);

	event_init();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	imsgev_start(&iev_parent, exporter_dispatch_parent, NULL);
	log_setchannel(&iev_parent.ibuf, log_kick);

	sandbox_exporter(mqtt_on);

	imsgev_hello(&iev_parent, ROLE_EXPORTER);
	imsgev_loop(NULL);
	return 0;
}

static void
log_kick(void)
{
	imsg_event_add(&iev_parent);
}

static void
exporter_dispatch_parent(int fd, short event, void *bula)
{
	struct imsgev	*iev = &iev_parent;
	struct imsg	 imsg;
	struct pvconf	*nconf;
	int		 shut;

	(void)fd;
	(void)bula;
	shut = imsgev_read(iev, event, __func__);
	for (;;) {
		if (imsgev_get(iev, &imsg, ROLE_PARENT, __func__) == 0)
			break;
		switch (imsg_get_type(&imsg)) {
		case IMSG_RECONF_CONF:
		case IMSG_RECONF_PROTO:
		case IMSG_RECONF_PUBKEY:
		case IMSG_RECONF_MQTT:
		case IMSG_RECONF_MQTT_CA:
		case IMSG_RECONF_DEVICE:
		case IMSG_RECONF_END:
			if ((nconf = config_receive(&imsg, __func__)) != NULL)
				exporter_configure(nconf);
			break;
		case IMSG_CTL_STATUS:
		case IMSG_CTL_COUNTERS:
			exporter_ctl(&imsg);
			break;
		default:
			fatalx("%s: unexpected message %u", __func__,
			    imsg_get_type(&imsg));
		}
		imsg_free(&imsg);
	}
	if (!shut)
		imsg_event_add(iev);
	else {
		/* pvgated is gone: keep what we have, then go */
		stdout_flush();
		mqtt_shutdown();
		exit(0);
	}
}

/* the decoder is read only once there is a configuration */
static void
exporter_configure(struct pvconf *nconf)
{
	int	first = conf == NULL;

	if (nconf->mqtt.enabled != mqtt_on)
		fatalx("%s: MQTT configured %s -m", __func__,
		    mqtt_on ? "off with" : "on without");
	if (conf != NULL)
		config_clear(conf);
	free(conf);
	conf = nconf;
	if (mqtt_on)
		mqtt_configure(conf);
	if (!first)
		return;
	imsgev_init(&iev_decoder, PVGATE_FD_PEER, exporter_dispatch_decoder,
	    NULL);
	imsgev_hello(&iev_decoder, ROLE_EXPORTER);
}

static void
exporter_dispatch_decoder(int fd, short event, void *bula)
{
	struct imsgev	*iev = &iev_decoder;
	struct imsg	 imsg;
	int		 shut;

	(void)fd;
	(void)bula;
	shut = imsgev_read(iev, event, __func__);
	for (;;) {
		if (imsgev_get(iev, &imsg, ROLE_DECODER, __func__) == 0)
			break;
		switch (imsg_get_type(&imsg)) {
		case IMSG_RECORD:
			exporter_record(&imsg);
			break;
		case IMSG_DUMP:
			exporter_dump(&imsg);
			break;
		case IMSG_EXPORT_DONE:
			exporter_done();
			break;
		default:
			fatalx("%s: unexpected message %u", __func__,
			    imsg_get_type(&imsg));
		}
		imsg_free(&imsg);
	}
	/* one write per batch of records, not one per record */
	stdout_flush();
	if (shut)
		fatalx("decoder channel closed");
	imsg_event_add(iev);
}

/* IMSG_RECORD: a batch of records, every one checked (record.c) */
static void
exporter_record(struct imsg *imsg)
{
	struct ibuf	 ibuf;
	const uint8_t	*wire;
	size_t		 off = 0, wlen;
	int		 r;

	if (imsg_get_ibuf(imsg, &ibuf) == -1)
		fatalx("%s: malformed IMSG_RECORD", __func__);
	while ((r = record_batch_next(&rec, ibuf_data(&ibuf),
	    ibuf_size(&ibuf), &off, &wire, &wlen)) == 1) {
		stats.records++;
		if (conf->gate.out_stdout && !stdout_closed)
			stdout_record();
		if (syslog_fd != -1 && conf->gate.out_syslog)
			exporter_syslog();
		if (mqtt_on)
			mqtt_record(wire, wlen);
	}
	if (r == -1)
		fatalx("%s: malformed IMSG_RECORD, %zu bytes at %zu",
		    __func__, imsg_get_len(imsg), off);
}

static void
exporter_syslog(void)
{
	if (syslog_record(&rec, line, sizeof(line)) == 0)
		fatalx("%s: record does not fit a line", __func__);
	if (syslog_send(syslog_fd, LOG_DAEMON | LOG_INFO, "pvgated",
	    line) == -1)
		stats.lost_syslog++;
	else
		stats.syslog++;
}

static void
exporter_dump(struct imsg *imsg)
{
	static time_t	 last;
	struct pv_dump	 d;
	struct ibuf	 ibuf;
	size_t		 n;
	time_t		 now;

	if (imsg_get_ibuf(imsg, &ibuf) == -1 ||
	    ibuf_get(&ibuf, &d, sizeof(d)) == -1)
		fatalx("%s: IMSG_DUMP wrong length: %zu", __func__,
		    imsg_get_len(imsg));
	d.reason[sizeof(d.reason) - 1] = '\0';
	stats.dumps++;
	if (!conf->gate.out_dump)
		return;
	if ((n = dump_line(&d, ibuf_data(&ibuf), ibuf_size(&ibuf), line,
	    sizeof(line))) == 0)
		fatalx("%s: dump does not fit a line", __func__);
	if (conf->havepubkey) {
		if (dump_seal(conf->pubkey, line, n, sealed,
		    sizeof(sealed)) == -1)
			fatalx("%s: sealing failed", __func__);
		if (dump_write(&dumpf, d.time, sealed, strlen(sealed)) == 0) {
			stats.dumps_written++;
			return;
		}
	} else if (dump_write(&dumpf, d.time, line, n) == 0) {
		stats.dumps_written++;
		return;
	}
	stats.lost_dump++;
	now = pv_monotime();
	if (now - last >= 10) {
		last = now;
		log_warn("dump: cannot write; %llu lost so far",
		    (unsigned long long)stats.lost_dump);
	}
}

/* the decoder has sent everything: flush and go */
static void
exporter_done(void)
{
	stdout_flush();
	dump_close(&dumpf);
	mqtt_shutdown();
	log_debug("done: %llu records, %llu dumps, %llu lost",
	    (unsigned long long)stats.records,
	    (unsigned long long)stats.dumps,
	    (unsigned long long)(stats.lost_stdout + stats.lost_syslog +
	    stats.lost_dump));
	(void)imsgbuf_flush(&iev_parent.ibuf);
	exit(0);
}

/*
 * The record's JSON line, written right behind the lines before it: if
 * it does not fit there, they go out and it is written again.
 */
static void
stdout_record(void)
{
	size_t	 n;

	if ((n = json_record(&rec, outbuf + outlen,
	    sizeof(outbuf) - outlen)) == 0) {
		stdout_flush();
		if ((n = json_record(&rec, outbuf, sizeof(outbuf))) == 0)
			fatalx("%s: record does not fit a line", __func__);
	}
	outlen += n;
	outlines++;
}

/* stdout is blocking: a slow reader slows the pipeline, loses nothing */
static void
stdout_flush(void)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < outlen) {
		if ((n = write(STDOUT_FILENO, outbuf + off, outlen - off)) ==
		    -1) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				stdout_gone();
			else
				log_warn("stdout");
			/* the lines not wholly written */
			stats.lost_stdout += outlines;
			outlines = 0;
			break;
		}
		off += n;
	}
	stats.to_stdout += outlines;
	outlines = 0;
	outlen = 0;
}

/* a command from MQTT: to the decoder, which alone judges it */
static void
exporter_command(const struct pv_command *c)
{
	if (conf == NULL)
		return;
	if (imsg_compose_event(&iev_decoder, IMSG_COMMAND, 0, 0, -1, c,
	    sizeof(*c)) == -1)
		fatal("%s: imsg_compose", __func__);
}

/*
 * The reader of stdout went away (pvgated | head -1).  With records
 * going elsewhere too, carry on without stdout; with nowhere else to
 * go, there is nothing left to do: say so and stop.
 */
static void
stdout_gone(void)
{
	if (stdout_closed)
		return;
	if ((syslog_fd != -1 && conf->gate.out_syslog) || mqtt_on) {
		log_warnx("stdout closed by its reader: records go on to %s "
		    "only", mqtt_on ? "MQTT" : "syslog");
		stdout_closed = 1;
		return;
	}
	fatalx("stdout closed by its reader, and records go nowhere else: "
	    "stopping");
}

/* pvgatectl status and counters */
static void
exporter_ctl(struct imsg *imsg)
{
	struct imsgev	*iev = &iev_parent;
	struct ctl_mqtt	 cm;
	uint32_t	 id = ctl_request(imsg, __func__);
	uint64_t	 figs[3];	/* sent, dropped, lost */

	/* what is still in the buffer is written first */
	stdout_flush();
	ctl_proc(iev, id);
	mqtt_ctl(&cm, &figs[0], &figs[1], &figs[2]);
	if (imsg_get_type(imsg) == IMSG_CTL_STATUS)
		ctl_answer(iev, id, IMSG_CTL_MQTT, &cm, sizeof(cm));
	else
		exporter_ctl_counters(id, &cm, figs);
	ctl_end(iev, id);
}

static void
exporter_ctl_counters(uint32_t id, const struct ctl_mqtt *cm,
    const uint64_t figs[3])
{
	struct imsgev		*iev = &iev_parent;
	const struct ctl_figure	 f[] = {
		{ CTR_EXPORTER_RECORDS, stats.records },
		{ CTR_EXPORTER_STDOUT, stats.to_stdout },
		{ CTR_EXPORTER_SYSLOG, stats.syslog },
		{ CTR_EXPORTER_DUMPS, stats.dumps },
		{ CTR_EXPORTER_DUMPS_WRITTEN, stats.dumps_written },
		{ CTR_EXPORTER_MQTT_SENT, figs[0] },
		{ CTR_EXPORTER_MQTT_DROPPED, figs[1] },
		{ CTR_EXPORTER_MQTT_CONNECTED, cm->connected },
		{ CTR_EXPORTER_MQTT_SPOOL_BYTES, cm->spool_bytes },
		{ CTR_EXPORTER_MQTT_SPOOL_RECORDS, cm->spool_records },
	};

	ctl_counters_send(iev, id, f, nitems(f), 0, 0);
	ctl_counter(iev, id, CTR_EXPORTER_LOST, 0, 0, "stdout",
	    stats.lost_stdout);
	ctl_counter(iev, id, CTR_EXPORTER_LOST, 0, 0, "syslog",
	    stats.lost_syslog);
	ctl_counter(iev, id, CTR_EXPORTER_LOST, 0, 0, "dump", stats.lost_dump);
	ctl_counter(iev, id, CTR_EXPORTER_LOST, 0, 0, "mqtt", figs[2]);
}
