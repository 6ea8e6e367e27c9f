/*
 * decsim: the real pvgate-decoder alone, with this program at the
 * other end of each of its channels: pvgated (fd 3), the exporter
 * (fd 4) and one listener (fd 5).  It proves that the decoder, and
 * only the decoder, judges owners' commands: a compromised exporter or
 * pvgated that sends commands straight over imsg gets refusals, and
 * not one byte goes to the device, unless the [device] allows the
 * command and its argument is in range.
 *
 *	decsim -D decoder -V vectors
 *
 * The device is the GEN3PLUS inverter of the solarman-v5 vectors
 * (4110 and 4210 from the listener), allowing at and power_limit.
 * Lines "ok - ..." or "not ok - ..."; the exit status is the number of
 * failures (at most 100).  Needs root (the decoder drops privileges).
 */

#include "compat.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <err.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvgate.h"
#include "proto.h"
#include "record.h"
#include "ctl.h"
#include "cmd.h"
#include "simlib.h"

#define WAIT_MS		3000
#define QUIET_MS	1000
#define DEVICE		"Y17E7A0F010B013E"
#define CONN		((1ULL << 32) | 1)
#define VEC_TIME	1712861197	/* in the vectors' replies */

enum { CH_PARENT, CH_EXPORTER, CH_LISTENER, NCH };

static struct imsgbuf	 ch[NCH];
static const char	*vecdir;
static struct record	 rec;

static void	 put(int, uint32_t, uint32_t, const void *, size_t);
static int	 get(int, struct imsg *, int);
static void	 hello(int, int);
static void	 configure(void);
static void	 frame(const char *);
static void	 command(int, const char *, const char *, const char *, int);
static int	 next_event(void);
static int	 event(int, const char *, const char *);
static int	 quiet(int, int);
static pid_t	 spawn(const char *);
static int	 from_decoder(int, struct imsg *);
static void	 want_hello(int, const char *);
static void	 want_reply(const char *, const char *);
static void	 want_ctl(int, const char *, const char *);

static void
put(int c, uint32_t type, uint32_t id, const void *data, size_t len)
{
	if (imsg_compose(&ch[c], type, id, 0, -1, data, len) == -1 ||
	    imsgbuf_flush(&ch[c]) == -1)
		err(100, "imsg to channel %d", c);
}

/* the next message on channel c within ms: 1, or 0 */
static int
get(int c, struct imsg *imsg, int ms)
{
	struct pollfd	pfd;
	ssize_t		n;

	for (;;) {
		if ((n = imsg_get(&ch[c], imsg)) == -1)
			err(100, "imsg_get");
		if (n > 0)
			return (1);
		pfd.fd = ch[c].fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, ms) <= 0)
			return (0);
		if ((n = imsgbuf_read(&ch[c])) == -1)
			err(100, "imsgbuf_read");
		if (n == 0)
			errx(100, "the decoder closed channel %d", c);
	}
}

static void
hello(int c, int role)
{
	struct pv_hello	h;

	memset(&h, 0, sizeof(h));
	h.version = PVGATE_IMSG_VERSION;
	h.role = role;
	put(c, IMSG_HELLO, 0, &h, sizeof(h));
}

/* [solarman-v5], and the inverter allowing at and power_limit */
static void
configure(void)
{
	struct pv_gateconf	g;
	struct pv_protoconf	p;
	struct pv_deviceconf	d;
	char			why[256];

	memset(&g, 0, sizeof(g));
	(void)strlcpy(g.user, PVGATE_USER, sizeof(g.user));
	(void)strlcpy(g.chroot, _PATH_PVGATE_CHROOT, sizeof(g.chroot));
	g.idle_timeout = 60;
	g.max_frame = 8192;
	memset(&p, 0, sizeof(p));
	p.proto = PROTO_SOLARMAN_V5;
	p.heartbeat_interval = 60;
	memset(&d, 0, sizeof(d));
	(void)strlcpy(d.name, DEVICE, sizeof(d.name));
	d.proto = PROTO_SOLARMAN_V5;
	d.command_rate = 6;
	d.command_wait = 1;
	(void)strlcpy(d.at_allow, "AT+", sizeof(d.at_allow));
	(void)strlcpy(d.at_block, "AT+UPURL, AT+SUPDATE", sizeof(d.at_block));
	if (cmd_allow(PROTO_SOLARMAN_V5, "at, power_limit", &d.allow, why,
	    sizeof(why)) == -1)
		errx(100, "allow: %s", why);
	put(CH_PARENT, IMSG_RECONF_CONF, 0, &g, sizeof(g));
	put(CH_PARENT, IMSG_RECONF_PROTO, 0, &p, sizeof(p));
	put(CH_PARENT, IMSG_RECONF_DEVICE, 0, &d, sizeof(d));
	put(CH_PARENT, IMSG_RECONF_END, 0, NULL, 0);
}

/* a frame from the device, as the listener passes it */
static void
frame(const char *name)
{
	static uint8_t	buf[8192];
	struct pv_frame	f;
	char		path[1024];
	size_t		n;

	(void)snprintf(path, sizeof(path), "%s/%s", vecdir, name);
	n = sim_load_hex(path, buf + sizeof(f), sizeof(buf) - sizeof(f));
	memset(&f, 0, sizeof(f));
	f.conn = CONN;
	f.rx_sec = VEC_TIME;	/* the replies then are the vectors' */
	f.proto = PROTO_SOLARMAN_V5;
	f.listen_port = 10000;
	f.peer.family = AF_INET;
	f.peer.port = 51512;
	memcpy(buf, &f, sizeof(f));
	put(CH_LISTENER, IMSG_FRAME, 0, buf, sizeof(f) + n);
}

/* a command straight from channel c (the exporter or pvgated) */
static void
command(int c, const char *device, const char *name, const char *arg,
    int flags)
{
	struct pv_command	cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.source = c == CH_PARENT ? CMD_SRC_CTL : CMD_SRC_MQTT;
	cmd.flags = flags;
	(void)strlcpy(cmd.device, device, sizeof(cmd.device));
	(void)strlcpy(cmd.command, name, sizeof(cmd.command));
	(void)strlcpy(cmd.arg, arg, sizeof(cmd.arg));
	put(c, c == CH_PARENT ? IMSG_CTL_SEND : IMSG_COMMAND, 7, &cmd,
	    sizeof(cmd));
}

/* the batch of records being read, what is left of it from evoff on */
static uint8_t	 evbuf[RECORD_BATCH_MAX];
static size_t	 evlen, evoff;

/* the next event record from the exporter's channel into rec: 1 if so */
static int
next_event(void)
{
	struct imsg	 imsg;
	struct ibuf	 ib;
	const uint8_t	*w;
	size_t		 wlen;

	for (;;) {
		while (evoff < evlen && record_batch_next(&rec, evbuf, evlen,
		    &evoff, &w, &wlen) == 1)
			if (rec.kind == REC_EVENT)
				return (1);
		evlen = evoff = 0;
		if (!get(CH_EXPORTER, &imsg, WAIT_MS))
			return (0);
		if (imsg_get_type(&imsg) == IMSG_RECORD &&
		    imsg_get_ibuf(&imsg, &ib) == 0 &&
		    ibuf_size(&ib) <= sizeof(evbuf)) {
			memcpy(evbuf, ibuf_data(&ib), ibuf_size(&ib));
			evlen = ibuf_size(&ib);
		}
		imsg_free(&imsg);
	}
}

/*
 * The next event record on the exporter's channel has this result and
 * a detail that contains detail.  1 if so.
 */
static int
event(int result, const char *detail, const char *step)
{
	const char	*r, *d;

	if (!next_event()) {
		sim_result(0, step, "no event");
		return (0);
	}
	r = record_findattr(&rec, A_RESULT);
	d = record_findattr(&rec, A_REASON);
	sim_result(r != NULL && strcmp(r, cmd_result_name(result)) == 0 &&
	    d != NULL && strstr(d, detail) != NULL, step, "event %s: %s",
	    r ? r : "-", d ? d : "-");
	return (1);
}

/* nothing on channel c for ms (what came is skipped): 1 if so */
static int
quiet(int c, int ms)
{
	struct imsg	imsg;
	int		n = 0;

	while (get(c, &imsg, ms)) {
		if (imsg_get_type(&imsg) == IMSG_REPLY)
			n++;
		imsg_free(&imsg);
	}
	return (n == 0);
}

static pid_t
spawn(const char *decoder)
{
	int	sp[NCH][2], i;
	pid_t	pid;

	for (i = 0; i < NCH; i++)
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp[i]) == -1)
			err(100, "socketpair");
	if ((pid = fork()) == -1)
		err(100, "fork");
	if (pid == 0) {
		for (i = 0; i < NCH; i++)
			if (dup2(sp[i][1], PVGATE_FD_PARENT + i) == -1)
				err(100, "dup2");
		execl(decoder, "pvgate-decoder", "-d", "-n", "1", "-r",
		    _PATH_PVGATE_CHROOT, "-u", PVGATE_USER, (char *)NULL);
		err(100, "%s", decoder);
	}
	for (i = 0; i < NCH; i++) {
		close(sp[i][1]);
		if (imsgbuf_init(&ch[i], sp[i][0]) == -1)
			err(100, "imsgbuf_init");
	}
	return (pid);
}

/* the next message from pvgated's side that is not a log line */
static int
from_decoder(int c, struct imsg *imsg)
{
	while (get(c, imsg, WAIT_MS)) {
		if (imsg_get_type(imsg) != IMSG_LOG)
			return (1);
		imsg_free(imsg);
	}
	return (0);
}

static void
want_hello(int c, const char *who)
{
	struct imsg	imsg;

	if (!from_decoder(c, &imsg))
		errx(100, "no hello on the %s channel", who);
	if (imsg_get_type(&imsg) != IMSG_HELLO)
		errx(100, "%s channel: message %u first", who,
		    imsg_get_type(&imsg));
	imsg_free(&imsg);
}

/* the decoder's next reply to the device: the hex file's bytes */
static void
want_reply(const char *name, const char *step)
{
	struct imsg	imsg;
	struct ibuf	ib;
	struct pv_reply	r;
	char		path[1024];

	(void)snprintf(path, sizeof(path), "%s/%s", vecdir, name);
	if (!get(CH_LISTENER, &imsg, WAIT_MS)) {
		sim_result(0, step, "no reply");
		return;
	}
	if (imsg_get_type(&imsg) != IMSG_REPLY ||
	    imsg_get_ibuf(&imsg, &ib) == -1 || ibuf_get(&ib, &r, sizeof(r)) ==
	    -1 || r.conn != CONN)
		sim_result(0, step, "message %u", imsg_get_type(&imsg));
	else
		(void)sim_match(step, path, ibuf_data(&ib), ibuf_size(&ib));
	imsg_free(&imsg);
}

/* pvgatectl's answer, relayed to pvgated: status and text */
static void
want_ctl(int status, const char *text, const char *step)
{
	struct imsg		imsg;
	struct ctl_result	r;
	int			ok = 0;

	if (from_decoder(CH_PARENT, &imsg)) {
		ok = imsg_get_type(&imsg) == IMSG_CTL_RESULT &&
		    imsg_get_id(&imsg) == 7 &&
		    imsg_get_data(&imsg, &r, sizeof(r)) == 0 &&
		    r.status == status && strstr(r.text, text) != NULL;
		imsg_free(&imsg);
	}
	if (ok && from_decoder(CH_PARENT, &imsg)) {
		ok = imsg_get_type(&imsg) == IMSG_CTL_END &&
		    imsg_get_id(&imsg) == 7;
		imsg_free(&imsg);
	}
	sim_result(ok, step, "%s", ok ? r.text : "no IMSG_CTL_RESULT, _END");
}

int
main(int argc, char *argv[])
{
	const char	*decoder = NULL;
	pid_t		 pid;
	int		 ch_, status;

	sim_label = "decsim";
	while ((ch_ = getopt(argc, argv, "D:V:")) != -1) {
		switch (ch_) {
		case 'D':
			decoder = optarg;
			break;
		case 'V':
			vecdir = optarg;
			break;
		default:
			fprintf(stderr, "usage: decsim -D decoder -V vectors\n");
			return (100);
		}
	}
	if (decoder == NULL || vecdir == NULL)
		errx(100, "-D and -V needed");
	signal(SIGPIPE, SIG_IGN);
	pid = spawn(decoder);
	hello(CH_PARENT, ROLE_PARENT);
	hello(CH_EXPORTER, ROLE_EXPORTER);
	want_hello(CH_PARENT, "parent");
	want_hello(CH_EXPORTER, "exporter");
	configure();
	want_hello(CH_LISTENER, "listener");
	hello(CH_LISTENER, ROLE_LISTENER);

	frame("01-device-ind-4110.hex");
	want_reply("02-device-rsp-1110.hex", "the logger's 4110 acked");
	frame("08-data-ind-4210-02b0.hex");
	want_reply("09-data-rsp-1210.hex", "the inverter's 4210 acked");

	command(CH_EXPORTER, DEVICE, "modbus_write", "0x2008 0", 0);
	event(CMD_RES_REFUSED, "modbus_write is not allowed (allow = "
	    "power_limit, at)", "exporter: a command not allowed");
	command(CH_EXPORTER, DEVICE, "power_limit", "150", 0);
	event(CMD_RES_REFUSED, "power_limit 150: not a percentage",
	    "exporter: a power limit of 150 %");
	command(CH_EXPORTER, DEVICE, "power_limit", "-1", 0);
	event(CMD_RES_REFUSED, "power_limit -1: not a percentage",
	    "exporter: a power limit of -1 %");
	command(CH_EXPORTER, DEVICE, "at", "AT+UPURL=http://x/fw.bin", 0);
	event(CMD_RES_REFUSED, "blocked (at_block", "exporter: a firmware "
	    "update by AT");
	command(CH_EXPORTER, "Y170000000000099", "at", "AT+TIME", 0);
	event(CMD_RES_REFUSED, "no [device] of that name", "exporter: a "
	    "device without a section");
	command(CH_EXPORTER, DEVICE, "at", "AT+TIME", PV_CMD_TRUNCATED);
	event(CMD_RES_REFUSED, "argument too long", "exporter: a text that "
	    "did not fit");
	command(CH_PARENT, DEVICE, "modbus_write", "0x2008 0", 0);
	want_ctl(CTL_FAILED, "refused: modbus_write is not allowed",
	    "pvgated: a command not allowed, answered");
	event(CMD_RES_REFUSED, "is not allowed", "pvgated: its event");
	sim_result(quiet(CH_LISTENER, QUIET_MS), "refused commands",
	    "not one byte to the device");

	command(CH_EXPORTER, DEVICE, "at", "AT+TIME=214028,1,60,120", 0);
	want_reply("26-at-cmd-4510.hex", "an allowed command: vector 26");
	frame("28-at-rsp-1510.hex");
	event(CMD_RES_OK, "+ok", "the device's answer: ok");

	/* the listener leaves as at a shutdown: the decoder drains, exits */
	put(CH_LISTENER, IMSG_LISTENER_DONE, 0, NULL, 0);
	if (waitpid(pid, &status, 0) == -1)
		err(100, "waitpid");
	sim_result(WIFEXITED(status) && WEXITSTATUS(status) == 0, "decoder",
	    "exit status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return (sim_status());
}
