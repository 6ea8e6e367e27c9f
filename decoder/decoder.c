/*
 * pvgate-decoder: the only process that parses what devices send.  No
 * file system, no network: "stdio" on the descriptors it was born with.
 * For each frame it runs the protocol's decoder and sends the reply to
 * the listener, records and dumps to the exporter.
 *
 * A protocol's state lives as long as its connection, except when the
 * protocol hangs up a dialled connection (pv_hangup()): then the state
 * is kept, by device, until the connector's next connection to that
 * device takes it over.  A state of 128 bytes or more is packed while its
 * connection is quiet (dstate.c).
 */

#include "compat.h"

#include <sys/queue.h>
#include <sys/tree.h>

#include <err.h>
#include <errno.h>
#include <event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "confmsg.h"
#include "ctl.h"
#include "decoder.h"
#include "imsgev.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"
#include "util.h"

/* backpressure, in records (and dumps) queued towards the exporter */
#define QUEUE_HIGH	1024
#define QUEUE_LOW	256

struct lchan {
	struct imsgev	 iev;
	int		 done;
};

#if PVGATE_MAX_DEVICES > INT8_MAX
#error "struct dconn's dev cannot index conf->devices"
#endif

/* "[2001:db8::1]:51512" at its longest, and its NUL */
#define PEER_STRLEN	(1 + INET6_ADDRSTRLEN + 2 + 5)

/* names that few connections have, allocated when one is given */
struct dnames {
	char			 device[PV_NAMELEN]; /* dialled: its name */
	char			 admitted[PV_NAMELEN];	/* accept = known */
};

/*
 * Per-connection decoder state, kept small: an idle connection costs
 * this (and its protocol's state) for as long as it is open.  A state
 * smaller than DSTATE_PACK lives right after it, in one allocation,
 * and after that the peer's address as text, as long as it is.
 */
struct dconn {
	RB_ENTRY(dconn)		 entry;
	uint64_t		 id;
	struct lchan		*l;		/* the channel it comes on */
	const struct proto	*pr;
	struct dnames		*names;		/* NULL: none */
	struct event		*timer;		/* once pv_timer() was called */
	struct pv_cmd		*cmd;		/* an owner's, in flight */
	struct relay		*relay;		/* to its cloud, if any */
	const char		*peername;	/* "192.0.2.10:51512" */
	struct dcount		 cnt;		/* for pvgatectl */
	struct dstate		 state;		/* the protocol's */
	/* the last frame's header, for dumps between frames */
	int64_t			 rx_sec;
	int32_t			 rx_nsec;
	uint16_t		 listen_port;
	int8_t			 dev;		/* dialled: conf->devices[] */
	uint8_t			 hungup:1;	/* pv_hangup(): keep state */
	uint8_t			 refused:1;	/* unknown device: closing */
	struct pv_addr		 peer;
	struct pv_addr		 dst;
	char			 claim[PV_NAMELEN];
	uint64_t		 inline_state[];
};

RB_HEAD(dconn_tree, dconn);

/* a dialled device's protocol state between two connections */
struct dkeep {
	TAILQ_ENTRY(dkeep)	 entry;
	char			 device[PV_NAMELEN];
	const struct proto	*pr;
	uint64_t		 state[];
};

/* what the pvout functions need to know about the frame at hand */
struct current {
	struct lchan		*l;
	const struct pv_frame	*f;		/* NULL between frames */
	struct dconn		*dc;
};

/* a kind of log line a flood must not flood the log with */
#define DUMP_LOG_BURST	10	/* lines of a kind */
#define DUMP_LOG_PERIOD	10	/* per so many seconds */
static struct pvconf	*conf;
static struct imsgev	 iev_parent;
static struct imsgev	 iev_exporter;
static struct lchan	*listeners;
static int		 nlisteners;
static int		 ndone;
static int		 paused;
static struct dconn_tree conns = RB_INITIALIZER(&conns);
static TAILQ_HEAD(, dkeep) kept = TAILQ_HEAD_INITIALIZER(kept);
static uint8_t		 batch[RECORD_BATCH_MAX];
static size_t		 batchlen;
static uint32_t		 batchn;		/* records in batch */
static struct imsgw	 exportq;	/* records per queued message */

static __dead void	usage(void);
static void		zone_log(void);
static void		decoder_log(const char *);
int			dconn_cmp(struct dconn *, struct dconn *);
static void		decoder_dispatch_parent(int, short, void *);
static void		decoder_dispatch_listener(int, short, void *);
static void		decoder_dispatch_exporter(int, short, void *);
static void		decoder_configure(struct pvconf *);
static void		decoder_frame(struct lchan *, struct imsg *, int);
static void		decoder_conn_close(struct imsg *);
static void		decoder_listener_done(struct lchan *);
static void		out_reply(struct pvctx *, const uint8_t *, size_t);
static void		out_record(struct pvctx *, const struct record *);
static void		decoder_batch(void);
static void		out_dump(struct pvctx *, const uint8_t *, size_t,
			    const char *);
static void		out_close(struct pvctx *);
static void		out_timer(struct pvctx *, unsigned int);
static const struct pv_deviceconf *out_device(struct pvctx *, const char *);
static void		out_claim(struct pvctx *, const char *);
static void		burst_report(int, short, void *);
static void		out_command(struct pvctx *, int, const char *);
static int		out_admit(struct pvctx *, const char *);
static void		out_hangup(struct pvctx *, unsigned int);
static void		kill_send(struct lchan *, uint64_t, uint32_t,
			    uint32_t);
static struct dnames	*dconn_names(struct dconn *);
static struct pv_frame	*dconn_frame(const struct dconn *, struct pv_frame *);
static void		dconn_done(struct dconn *);
static void		dconn_view(struct dconn *, struct current *,
			    struct pvctx *, time_t);
static void		dkeep_put(struct dconn *);
static void		dkeep_take(struct dconn *);
static void		decoder_conn_open(struct lchan *, struct imsg *);
static void		dconn_tick(int, short, void *);
static void		log_kick(void);
static void		lchan_arm(struct imsgev *);
static void		decoder_backpressure(void);

RB_PROTOTYPE(dconn_tree, dconn, entry, dconn_cmp);
RB_GENERATE(dconn_tree, dconn, entry, dconn_cmp);

static const struct pvout decoder_out = {
	out_reply, out_record, out_dump, out_close, out_timer, out_device,
	out_claim, out_admit, out_hangup, out_command
};

static __dead void
usage(void)
{
	extern char	*__progname;

	fprintf(stderr, "usage: %s [-dRv] -n listeners -r root -u user "
	    "[-z timezone]\n", __progname);
	exit(1);
}

int
main(int argc, char *argv[])
{
	const char	*errstr, *root = NULL, *user = NULL, *zone = NULL;
	char		 tz[160];
	int		 ch, debug = 0, verbose = 0, relay = 0;

	proc_title_init(argc, argv);

	while ((ch = getopt(argc, argv, "dn:Rr:u:vz:")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'R':
			relay = 1;
			break;
		case 'n':
			nlisteners = strtonum(optarg, 1, PVGATE_MAX_LISTENERS,
			    &errstr);
			if (errstr != NULL)
				errx(1, "listeners %s: %s", optarg, errstr);
			break;
		case 'r':
			root = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'z':
			zone = optarg;
			break;
		default:
			usage();
		}
	}
	if (nlisteners == 0 || root == NULL || user == NULL)
		usage();

	/*
	 * Local time (devices that want the wall clock) from here on
	 * without files: the zone is read now, before the chroot, and TZ
	 * stays set so that the C library never looks again.
	 */
	if (zone != NULL)
		(void)snprintf(tz, sizeof(tz), "%s", zone);
	else if (getenv("TZ") != NULL && *getenv("TZ") != '\0')
		(void)snprintf(tz, sizeof(tz), "%s", getenv("TZ"));
	else
		(void)snprintf(tz, sizeof(tz), ":/etc/localtime");
	if (setenv("TZ", tz, 1) == -1)
		err(1, "setenv");
	tzset();

	log_init(debug, LOG_DAEMON);
	log_setverbose(verbose);
	log_procinit("decoder");
	setproctitle("decoder");
	if (imsgbuf_init(&iev_parent.ibuf, PVGATE_FD_PARENT) == -1)
		fatal("imsgbuf_init");
	log_setchannel(&iev_parent.ibuf, NULL);

	closefrom(PVGATE_FD_LISTENERS + nlisteners);
	ctl_procinit(ROLE_DECODER, "decoder");
	proc_privdrop(user, root, PVGATE_FD_LISTENERS + nlisteners + 8, 0);

	event_init();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	imsgev_start(&iev_parent, decoder_dispatch_parent, NULL);
	log_setchannel(&iev_parent.ibuf, log_kick);
	imsgev_init(&iev_exporter, PVGATE_FD_EXPORTER,
	    decoder_dispatch_exporter, NULL);
	if ((listeners = calloc(nlisteners, sizeof(*listeners))) == NULL)
		fatal(NULL);
	/* -R: the last channel is the connector, and it dials clouds */
	if (relay)
		relay_init(&listeners[nlisteners - 1]);

	sandbox_decoder();

	imsgev_hello(&iev_parent, ROLE_DECODER);
	imsgev_hello(&iev_exporter, ROLE_DECODER);
	zone_log();
	pv_log_hook(decoder_log);
	imsgev_beforeflush(decoder_batch);
	imsgev_loop(decoder_backpressure);
	return 0;
}

static void
log_kick(void)
{
	imsg_event_add(&iev_parent);
}

/* pv_log(): what a protocol has to say without a frame to dump */
static void
decoder_log(const char *line)
{
	log_warnx("%s", line);
}

/* what local time is, as the sandboxed decoder sees it */
static void
zone_log(void)
{
	struct tm	tm;
	time_t		now = time(NULL);

	if (localtime_r(&now, &tm) == NULL)
		fatalx("localtime_r failed");
	log_debug("local time zone %s, UTC%+ld s", tm.tm_zone,
	    (long)tm.tm_gmtoff);
}

int
dconn_cmp(struct dconn *a, struct dconn *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}

static void
decoder_dispatch_parent(int fd, short event, void *bula)
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
		case IMSG_RECONF_DEVICE:
		case IMSG_RECONF_SECRET:
		case IMSG_RECONF_END:
			if ((nconf = config_receive(&imsg, __func__)) != NULL)
				decoder_configure(nconf);
			break;
		case IMSG_CTL_SEND:
			if (conf == NULL)
				fatalx("%s: IMSG_CTL_SEND before the "
				    "configuration", __func__);
			command_receive(&imsg, CMD_SRC_CTL);
			break;
		case IMSG_CTL_STATUS:
		case IMSG_CTL_DEVICES:
		case IMSG_CTL_CONNECTIONS:
		case IMSG_CTL_COUNTERS:
			decoder_ctl(iev, conf, &imsg);
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
		/* pvgated is gone: so are we */
		exit(0);
	}
}

/* listeners are read only once there is a configuration */
static void
decoder_configure(struct pvconf *nconf)
{
	int	i, first = conf == NULL;

	/* secrets come once, at start: a reload keeps them */
	for (i = 0; !first && i < PROTO_MAX; i++)
		if (nconf->secret[i].proto == PROTO_NONE)
			nconf->secret[i] = conf->secret[i];
	if (conf != NULL)
		freezero(conf, sizeof(*conf));
	conf = nconf;
	relay_configure(conf);
	if (!first)
		return;
	for (i = 0; i < nlisteners; i++) {
		imsgev_init(&listeners[i].iev, PVGATE_FD_LISTENERS + i,
		    decoder_dispatch_listener, &listeners[i]);
		listeners[i].iev.arm = lchan_arm;
		imsgev_hello(&listeners[i].iev, ROLE_DECODER);
	}
}

static void
decoder_dispatch_listener(int fd, short event, void *bula)
{
	struct imsgev	*iev = bula;
	struct lchan	*l = iev->data;
	struct imsg	 imsg;
	int		 shut;

	(void)fd;
	shut = imsgev_read(iev, event, __func__);
	for (;;) {
		if (imsgev_get(iev, &imsg, ROLE_LISTENER, __func__) == 0)
			break;
		switch (imsg_get_type(&imsg)) {
		case IMSG_FRAME:
			decoder_frame(l, &imsg, 0);
			break;
		case IMSG_GARBAGE:
			decoder_frame(l, &imsg, 1);
			break;
		case IMSG_CONN_CLOSE:
			decoder_conn_close(&imsg);
			break;
		case IMSG_CONN_OPEN:
			decoder_conn_open(l, &imsg);
			break;
		case IMSG_RELAY_UP:
		case IMSG_RELAY_FAIL:
			relay_answer(&imsg, imsg_get_type(&imsg) ==
			    IMSG_RELAY_UP);
			break;
		case IMSG_LISTENER_DONE:
			decoder_listener_done(l);
			break;
		default:
			fatalx("%s: unexpected message %u", __func__,
			    imsg_get_type(&imsg));
		}
		imsg_free(&imsg);
	}
	if (shut) {
		/* a listener that leaves without saying so has died */
		if (!l->done)
			fatalx("listener %ld channel closed",
			    (long)(l - listeners));
		event_del(&iev->ev);
		return;
	}
	imsg_event_add(&l->iev);
	decoder_backpressure();
}

static void
decoder_dispatch_exporter(int fd, short event, void *bula)
{
	struct imsgev	*iev = &iev_exporter;
	struct imsg	 imsg;
	int		 shut;

	(void)fd;
	(void)bula;
	shut = imsgev_read(iev, event, __func__);
	for (;;) {
		if (imsgev_get(iev, &imsg, ROLE_EXPORTER, __func__) == 0)
			break;
		/* the exporter passes commands from MQTT, nothing else */
		switch (imsg_get_type(&imsg)) {
		case IMSG_COMMAND:
			command_receive(&imsg, CMD_SRC_MQTT);
			break;
		default:
			fatalx("%s: unexpected message %u", __func__,
			    imsg_get_type(&imsg));
		}
		imsg_free(&imsg);
	}
	if (shut)
		fatalx("exporter channel closed");
	imsg_event_add(iev);
	decoder_backpressure();
}

/*
 * A listener channel is read unless the exporter is behind, and written
 * while replies are queued.
 */
static void
lchan_arm(struct imsgev *iev)
{
	short		 events = 0;

	if (!paused)
		events |= EV_READ;
	if (imsgbuf_queuelen(&iev->ibuf) > 0)
		events |= EV_WRITE;
	if (events == iev->events &&
	    event_pending(&iev->ev, EV_READ | EV_WRITE, NULL))
		return;
	event_del(&iev->ev);
	iev->events = events;
	if (events == 0)
		return;
	event_set(&iev->ev, iev->ibuf.fd, events | EV_PERSIST, iev->handler,
	    iev);
	event_add(&iev->ev, NULL);
}

/*
 * Stop taking frames while the exporter is behind: the listeners then
 * see their own queues grow and stop reading devices.
 */
static void
decoder_backpressure(void)
{
	uint64_t	q = imsgw_queued(&exportq, &iev_exporter.ibuf);
	int		i;

	if (!paused && q > QUEUE_HIGH) {
		/* a pass's records are written at its end: are they still
		 * there once written? */
		if (imsgbuf_write(&iev_exporter.ibuf) == -1 && errno != EPIPE)
			fatal("%s: imsgbuf_write", __func__);
		q = imsgw_queued(&exportq, &iev_exporter.ibuf);
	}
	if (!paused && q > QUEUE_HIGH) {
		paused = 1;
		log_debug("exporter behind (%llu queued): pausing",
		    (unsigned long long)q);
	} else if (paused && q < QUEUE_LOW) {
		paused = 0;
		log_debug("exporter caught up: resuming");
	} else
		return;
	for (i = 0; i < nlisteners; i++)
		if (!listeners[i].done && listeners[i].iev.handler != NULL)
			imsg_event_add(&listeners[i].iev);
}

static struct dconn *
dconn_new(struct lchan *l, uint64_t id, const struct proto *pr,
    const struct pv_addr *peer)
{
	struct dconn	*dc;
	char		 name[PEER_STRLEN], *p;
	size_t		 inl = pr->statesize < DSTATE_PACK ? pr->statesize : 0;
	size_t		 namelen;

	(void)pv_addr_str(peer, name, sizeof(name));
	namelen = strlen(name) + 1;
	if ((dc = calloc(1, sizeof(*dc) + inl + namelen)) == NULL)
		fatal(NULL);
	p = (char *)dc->inline_state + inl;
	memcpy(p, name, namelen);
	dc->peername = p;
	dc->id = id;
	dc->l = l;
	dc->pr = pr;
	dc->dev = -1;
	if (inl > 0)
		dstate_inline(&dc->state, dc->inline_state, inl);
	pstats[pr->id].conns++;
	if (RB_INSERT(dconn_tree, &conns, dc) != NULL)
		fatalx("%s: connection %llx twice", __func__,
		    (unsigned long long)id);
	return dc;
}

static void
dconn_free(struct dconn *dc)
{
	if (dc->cmd != NULL)
		command_conn_gone(dc->cmd);
	relay_free(dc->relay);
	RB_REMOVE(dconn_tree, &conns, dc);
	seen_gone(&dc->cnt);
	if (dc->timer != NULL) {
		evtimer_del(dc->timer);
		free(dc->timer);
	}
	dstate_free(&dc->state);
	free(dc->names);
	free(dc);
}

/* the connection's names, allocated on first use */
static struct dnames *
dconn_names(struct dconn *dc)
{
	if (dc->names == NULL &&
	    (dc->names = calloc(1, sizeof(*dc->names))) == NULL)
		fatal(NULL);
	return (dc->names);
}

/* the last frame's header, as the listener sent it, for a dump */
static struct pv_frame *
dconn_frame(const struct dconn *dc, struct pv_frame *f)
{
	memset(f, 0, sizeof(*f));
	f->conn = dc->id;
	f->rx_sec = dc->rx_sec;
	f->rx_nsec = dc->rx_nsec;
	f->proto = dc->pr->id;
	f->listen_port = dc->listen_port;
	f->peer = dc->peer;
	f->dst = dc->dst;
	return (f);
}

/* the event that dconn_ctx() began is over (the state may be packed) */
static void
dconn_done(struct dconn *dc)
{
	dstate_done(&dc->state, dc->pr->statesize);
}

/*
 * The world for the protocol, while it handles one event, which
 * dconn_done() ends.
 */
static void
dconn_ctx(struct dconn *dc, struct current *cur, struct pvctx *ctx,
    time_t now)
{
	dconn_view(dc, cur, ctx, now);
	ctx->state = dstate_get(&dc->state, dc->pr->statesize);
}

/* the same without the state: ctx->state is NULL */
static void
dconn_view(struct dconn *dc, struct current *cur, struct pvctx *ctx,
    time_t now)
{
	cur->l = dc->l;
	cur->f = NULL;
	cur->dc = dc;
	memset(ctx, 0, sizeof(*ctx));
	ctx->conf = &conf->proto[dc->pr->id];
	ctx->conn = dc->id;
	ctx->now = now;
	ctx->peer = dc->peername;
	if (dc->dev >= 0 && dc->dev < conf->ndevices)
		ctx->dev = &conf->devices[dc->dev];
	if (conf->secret[dc->pr->id].proto != PROTO_NONE)
		ctx->secret = &conf->secret[dc->pr->id];
	ctx->out = &decoder_out;
	ctx->arg = cur;
	ctx->cmd = dc->cmd;
}

static const struct proto *
frame_proto(unsigned int id)
{
	const struct proto	*pr;

	if (id >= PROTO_MAX || conf->proto[id].proto == PROTO_NONE ||
	    (pr = proto_byid(id)) == NULL)
		fatalx("frame for protocol %u, which is off", id);
	return pr;
}

static void
decoder_frame(struct lchan *l, struct imsg *imsg, int garbage)
{
	struct pv_frame		 f;
	struct ibuf		 ibuf;
	struct current		 cur;
	struct pvctx		 ctx;
	struct dconn		 key, *dc;
	const struct proto	*pr;
	int			 fresh = 0;

	if (imsg_get_ibuf(imsg, &ibuf) == -1 ||
	    ibuf_get(&ibuf, &f, sizeof(f)) == -1)
		fatalx("%s: IMSG_FRAME wrong length: %zu", __func__,
		    imsg_get_len(imsg));
	f.reason[sizeof(f.reason) - 1] = '\0';
	pr = frame_proto(f.proto);
	if (relay_upstream(l, &f, ibuf_data(&ibuf), ibuf_size(&ibuf),
	    garbage))
		return;
	key.id = f.conn;
	if (garbage) {
		pstats[pr->id].garbage++;
		if ((dc = RB_FIND(dconn_tree, &conns, &key)) != NULL) {
			dc->cnt.t.errors++;
			dc->cnt.t.dumps++;
		}
		decoder_dump(&f, ibuf_data(&ibuf), ibuf_size(&ibuf),
		    f.reason[0] ? f.reason : "framing error");
		return;
	}

	if ((dc = RB_FIND(dconn_tree, &conns, &key)) == NULL) {
		dc = dconn_new(l, f.conn, pr, &f.peer);
		dc->relay = relay_new(l, f.conn, pr, dc->claim,
		    dc->peername);
		fresh = 1;
	}
	if (dc->pr != pr)
		fatalx("%s: connection %llx changed protocol", __func__,
		    (unsigned long long)f.conn);
	dc->rx_sec = f.rx_sec;
	dc->rx_nsec = f.rx_nsec;
	dc->listen_port = f.listen_port;
	dc->peer = f.peer;
	dc->dst = f.dst;
	pstats[pr->id].frames++;
	pstats[pr->id].bytes += ibuf_size(&ibuf);
	dc->cnt.t.frames++;
	dc->cnt.t.last = f.rx_sec;
	dconn_ctx(dc, &cur, &ctx, f.rx_sec);
	cur.f = &f;
	if (fresh && pr->open != NULL)
		pr->open(&ctx);
	if (dc->relay != NULL && !dc->refused)
		relay_device_begin(dc->relay, &f, ibuf_data(&ibuf),
		    ibuf_size(&ibuf));
	pr->decode(&ctx, ibuf_data(&ibuf), ibuf_size(&ibuf));
	if (dc->relay != NULL)
		relay_device_end(dc->relay);
	/* accept = known refused it: nothing goes to its cloud either */
	if (dc->refused && dc->relay != NULL) {
		relay_free(dc->relay);
		dc->relay = NULL;
	}
	dconn_done(dc);
}

/* a connector's connection is up: the protocol may speak first */
static void
decoder_conn_open(struct lchan *l, struct imsg *imsg)
{
	struct pv_conn_open	 co;
	struct current		 cur;
	struct pvctx		 ctx;
	struct dconn		*dc;
	const struct proto	*pr;
	int			 i;

	if (imsg_get_data(imsg, &co, sizeof(co)) == -1)
		fatalx("%s: IMSG_CONN_OPEN wrong length: %zu", __func__,
		    imsg_get_len(imsg));
	co.device[sizeof(co.device) - 1] = '\0';
	pr = frame_proto(co.proto);
	dc = dconn_new(l, co.conn, pr, &co.peer);
	for (i = 0; i < conf->ndevices; i++)
		if (strcmp(conf->devices[i].name, co.device) == 0)
			dc->dev = i;
	if (dc->dev == -1)
		fatalx("%s: connection to unknown device %s", __func__,
		    co.device);
	strlcpy(dconn_names(dc)->device, co.device,
	    sizeof(dc->names->device));
	dkeep_take(dc);
	dc->listen_port = co.peer.port;
	dc->peer = co.peer;
	dc->dst = co.peer;
	dc->rx_sec = time(NULL);
	dconn_ctx(dc, &cur, &ctx, dc->rx_sec);
	if (pr->open != NULL)
		pr->open(&ctx);
	dconn_done(dc);
}

static void
decoder_conn_close(struct imsg *imsg)
{
	struct pv_conn_close	 cc;
	struct current		 cur;
	struct pvctx		 ctx;
	struct dconn		 key, *dc;

	if (imsg_get_data(imsg, &cc, sizeof(cc)) == -1)
		fatalx("%s: IMSG_CONN_CLOSE wrong length: %zu", __func__,
		    imsg_get_len(imsg));
	cc.reason[sizeof(cc.reason) - 1] = '\0';
	if (relay_closed(cc.conn, cc.reason))
		return;
	key.id = cc.conn;
	if ((dc = RB_FIND(dconn_tree, &conns, &key)) == NULL)
		return;
	if (dc->pr->gone != NULL) {
		dc->rx_sec = time(NULL);
		dconn_ctx(dc, &cur, &ctx, dc->rx_sec);
		dc->pr->gone(&ctx);
	}
	if (dc->hungup && dc->names != NULL &&
	    dc->names->device[0] != '\0')
		dkeep_put(dc);
	dconn_free(dc);
}

/* the state of a hung-up connection, for the device's next one */
static void
dkeep_put(struct dconn *dc)
{
	struct dkeep	*k, *next;
	void		*state;

	TAILQ_FOREACH_SAFE(k, &kept, entry, next) {
		if (k->pr == dc->pr &&
		    strcmp(k->device, dc->names->device) == 0) {
			TAILQ_REMOVE(&kept, k, entry);
			freezero(k, sizeof(*k) + k->pr->statesize);
		}
	}
	if ((k = calloc(1, sizeof(*k) + dc->pr->statesize)) == NULL)
		fatal(NULL);
	strlcpy(k->device, dc->names->device, sizeof(k->device));
	k->pr = dc->pr;
	/* a packed state, whole */
	if ((state = dstate_peek(&dc->state, dc->pr->statesize)) != NULL)
		memcpy(k->state, state, dc->pr->statesize);
	TAILQ_INSERT_TAIL(&kept, k, entry);
}

/* a new connection to a device goes on where the hung-up one stopped */
static void
dkeep_take(struct dconn *dc)
{
	struct dkeep	*k;

	TAILQ_FOREACH(k, &kept, entry) {
		if (k->pr == dc->pr &&
		    strcmp(k->device, dc->names->device) == 0) {
			memcpy(dstate_get(&dc->state, dc->pr->statesize),
			    k->state, dc->pr->statesize);
			dconn_done(dc);
			TAILQ_REMOVE(&kept, k, entry);
			freezero(k, sizeof(*k) + k->pr->statesize);
			return;
		}
	}
}

/* the timer a protocol armed has expired */
static void
dconn_tick(int fd, short event, void *arg)
{
	struct dconn	*dc = arg;
	struct current	 cur;
	struct pvctx	 ctx;

	(void)fd;
	(void)event;
	dc->rx_sec = time(NULL);
	dconn_ctx(dc, &cur, &ctx, dc->rx_sec);
	if (dc->pr->tick != NULL)
		dc->pr->tick(&ctx);
	dconn_done(dc);
}

/*
 * Everything this listener sent before IMSG_LISTENER_DONE has been
 * decoded and its replies queued; once every listener is through, the
 * exporter gets the last records and then IMSG_EXPORT_DONE.
 */
static void
decoder_listener_done(struct lchan *l)
{
	if (l->done)
		fatalx("%s: listener done twice", __func__);
	l->done = 1;
	if (imsg_compose(&l->iev.ibuf, IMSG_DECODER_DONE, 0, 0, -1, NULL,
	    0) == -1)
		fatal("%s: imsg_compose", __func__);
	imsg_event_add(&l->iev);
	if (++ndone < nlisteners)
		return;
	decoder_batch();
	if (imsg_compose(&iev_exporter.ibuf, IMSG_EXPORT_DONE, 0, 0, -1,
	    NULL, 0) == -1)
		fatal("%s: imsg_compose", __func__);
	if (imsgbuf_flush(&iev_exporter.ibuf) == -1)
		fatal("%s: flush to exporter", __func__);
	for (l = listeners; l < listeners + nlisteners; l++)
		(void)imsgbuf_flush(&l->iev.ibuf);
	log_debug("drained");
	(void)imsgbuf_flush(&iev_parent.ibuf);
	exit(0);
}

/* bytes to send on connection conn of listener l */
void
decoder_send(struct lchan *l, uint64_t conn, const uint8_t *buf, size_t len)
{
	struct pv_reply	 r;
	struct iovec	 iov[2];

	memset(&r, 0, sizeof(r));
	r.conn = conn;
	iov[0].iov_base = &r;
	iov[0].iov_len = sizeof(r);
	iov[1].iov_base = (void *)(uintptr_t)buf;
	iov[1].iov_len = len;
	if (imsg_composev(&l->iev.ibuf, IMSG_REPLY, 0, 0, -1, iov, 2) == -1)
		fatal("%s: imsg_composev", __func__);
	imsg_event_add(&l->iev);
}

/* a message to listener l */
void
decoder_compose(struct lchan *l, int type, const void *data, size_t len)
{
	if (imsg_compose(&l->iev.ibuf, type, 0, 0, -1, data, len) == -1)
		fatal("%s: imsg_compose", __func__);
	imsg_event_add(&l->iev);
}

/* while the cloud relay holds the answers, they are kept */
static void
out_reply(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	struct current	*cur = ctx->arg;

	if (cur->dc != NULL && cur->dc->refused)
		return;
	pstats[cur->dc->pr->id].replies++;
	cur->dc->cnt.t.replies++;
	if (cur->dc != NULL && relay_hold(cur->dc->relay, buf, len))
		return;
	decoder_send(cur->l, ctx->conn, buf, len);
}

/*
 * Records go to the exporter in batches: one IMSG_RECORD (one malloc,
 * one header) for the records of a pass, up to RECORD_BATCH_MAX bytes.
 * The batch is composed before anything else goes to the exporter and
 * at the end of every pass, so it never waits for a later one.
 */
void
decoder_record(const struct record *rec)
{
	size_t	n;

	n = record_batch_add(rec, batch, batchlen, sizeof(batch));
	if (n == batchlen && batchlen > 0) {
		decoder_batch();
		n = record_batch_add(rec, batch, 0, sizeof(batch));
	}
	if (n == batchlen)
		fatalx("%s: record does not pack", __func__);
	batchlen = n;
	batchn++;
	imsg_event_add(&iev_exporter);
}

/* compose the batch of records, if there is one */
static void
decoder_batch(void)
{
	if (batchlen == 0)
		return;
	if (imsg_compose_event(&iev_exporter, IMSG_RECORD, 0, 0, -1, batch,
	    batchlen) == -1)
		fatal("%s: imsg_compose", __func__);
	imsgw_push(&exportq, batchn);
	batchlen = 0;
	batchn = 0;
}

/* pv_record() has filled in the peer */
static void
out_record(struct pvctx *ctx, const struct record *rec)
{
	struct current	*cur = ctx->arg;

	if (cur->dc != NULL && cur->dc->refused)
		return;
	pstats[cur->dc->pr->id].records++;
	seen_record(&cur->dc->cnt, rec, cur->dc->peername, ctx->now);
	decoder_record(rec);
}

static void
out_dump(struct pvctx *ctx, const uint8_t *buf, size_t len,
    const char *reason)
{
	struct current	*cur = ctx->arg;
	struct pv_frame	 f;

	cur->dc->cnt.t.dumps++;
	/* between frames (a timer, a command), the last one's header */
	decoder_dump(cur->f != NULL ? cur->f : dconn_frame(cur->dc, &f), buf,
	    len, reason);
}

/* IMSG_CONN_KILL: close a connection, or hang up (PV_REPLY_REDIAL) */
static void
kill_send(struct lchan *l, uint64_t conn, uint32_t flags, uint32_t redial)
{
	struct pv_reply	 r;

	memset(&r, 0, sizeof(r));
	r.conn = conn;
	r.flags = flags;
	r.redial = redial;
	if (imsg_compose(&l->iev.ibuf, IMSG_CONN_KILL, 0, 0, -1, &r,
	    sizeof(r)) == -1)
		fatal("%s: imsg_compose", __func__);
	imsg_event_add(&l->iev);
}

static void
out_close(struct pvctx *ctx)
{
	struct current	*cur = ctx->arg;

	if (cur->dc != NULL)
		relay_flush(cur->dc->relay);
	kill_send(cur->l, ctx->conn, PV_REPLY_CLOSE, 0);
}

/*
 * The exchange on a dialled connection is over: the connector dials
 * again in msec, and the state waits for that connection.  Sent after
 * the connection closed (from gone), it still moves the next dial.
 */
static void
out_hangup(struct pvctx *ctx, unsigned int msec)
{
	struct current	*cur = ctx->arg;

	if (cur->dc->dev < 0) {
		out_close(ctx);
		return;
	}
	cur->dc->hungup = 1;
	kill_send(cur->l, ctx->conn, PV_REPLY_CLOSE | PV_REPLY_REDIAL, msec);
}

static void
out_timer(struct pvctx *ctx, unsigned int msec)
{
	struct current	*cur = ctx->arg;
	struct dconn	*dc = cur->dc;
	struct timeval	 tv;

	if (dc->timer == NULL) {
		if (msec == 0)
			return;
		if ((dc->timer = calloc(1, sizeof(*dc->timer))) == NULL)
			fatal(NULL);
		evtimer_set(dc->timer, dconn_tick, dc);
	}
	evtimer_del(dc->timer);
	if (msec == 0)
		return;
	tv.tv_sec = msec / 1000;
	tv.tv_usec = (msec % 1000) * 1000;
	evtimer_add(dc->timer, &tv);
}

static const struct pv_deviceconf *
out_device(struct pvctx *ctx, const char *name)
{
	(void)ctx;
	return config_device(conf, name);
}

/*
 * A line a flood must not flood the log with: at most DUMP_LOG_BURST
 * of a kind per DUMP_LOG_PERIOD seconds, then how many were not said,
 * at the period's end (a timer: the count is said even if no more of
 * the kind come).  Returns 1 if this one may be said.
 */
int
burst_say(struct burst *b)
{
	struct timeval	tv;
	time_t		now = pv_monotime();

	if (now - b->start >= DUMP_LOG_PERIOD || b->start == 0) {
		if (b->ev != NULL)
			evtimer_del(b->ev);
		burst_report(-1, 0, b);
		b->start = now;
	}
	if (b->said++ < DUMP_LOG_BURST)
		return (1);
	if (b->quiet++ == 0) {
		if (b->ev == NULL && (b->ev = calloc(1, sizeof(*b->ev))) ==
		    NULL)
			fatal(NULL);
		evtimer_set(b->ev, burst_report, b);
		timerclear(&tv);
		if (b->start + DUMP_LOG_PERIOD > now)
			tv.tv_sec = b->start + DUMP_LOG_PERIOD - now;
		evtimer_add(b->ev, &tv);
	}
	return (0);
}

/* a burst's period is over: what was not said, counted */
static void
burst_report(int fd, short event, void *arg)
{
	struct burst	*b = arg;

	(void)fd;
	(void)event;
	if (b->quiet > 0)
		log_warnx("%u more %s in the last %d s", b->quiet, b->what,
		    DUMP_LOG_PERIOD);
	b->start = 0;
	b->said = b->quiet = 0;
}

/*
 * One device, one connection: when a device speaks on a new
 * connection, the old one (a dead link the device gave up on) goes.
 * Said in the log, but not once per connection of a flood that names
 * one device over and over.
 */
static void
out_claim(struct pvctx *ctx, const char *name)
{
	static struct burst	 b = { "devices back on a new connection",
				    0, 0, 0, NULL };
	struct current		*cur = ctx->arg;
	struct dconn		*dc = cur->dc, *o;

	if (strcmp(dc->claim, name) == 0)
		return;
	strlcpy(dc->claim, name, sizeof(dc->claim));
	seen_claim(&dc->cnt, dc->pr->id, name, dc->peername, ctx->now);
	RB_FOREACH(o, dconn_tree, &conns) {
		if (o == dc || o->pr != dc->pr ||
		    strcmp(o->claim, dc->claim) != 0)
			continue;
		if (burst_say(&b))
			log_info("%s %s is back on a new connection: closing "
			    "the old one from %s", dc->pr->name, name,
			    o->peername);
		o->claim[0] = '\0';
		kill_send(o->l, o->id, PV_REPLY_CLOSE, 0);
	}
}

/*
 * accept = known: a device is known by a [device NAME] section, or as
 * the logger = of one (a collector that names only itself).
 */
static int
device_known(const char *name)
{
	const char	*errstr;
	long long	 serial;
	int		 i;

	if (config_device(conf, name) != NULL)
		return 1;
	serial = strtonum(name, 1, UINT32_MAX, &errstr);
	for (i = 0; errstr == NULL && i < conf->ndevices; i++)
		if (conf->devices[i].logger == serial)
			return 1;
	return 0;
}

/*
 * Refusals are said once per device per REFUSE_LOG_PERIOD seconds,
 * with the count of what was not said; a bounded table of the last
 * devices refused, the oldest entry taken for a new one.
 */
#define REFUSE_LOG_PERIOD	10
#define REFUSE_SLOTS		32

static void
refuse_log(const struct dconn *dc, const char *name, time_t now)
{
	static struct {
		char		name[PV_NAMELEN];
		uint16_t	proto;
		time_t		last;
		uint64_t	quiet;
	}		 slot[REFUSE_SLOTS];
	int		 i, old = 0;

	for (i = 0; i < REFUSE_SLOTS; i++) {
		if (slot[i].proto == dc->pr->id &&
		    strcmp(slot[i].name, name) == 0)
			break;
		if (slot[i].last < slot[old].last)
			old = i;
	}
	if (i == REFUSE_SLOTS) {
		i = old;
		strlcpy(slot[i].name, name, sizeof(slot[i].name));
		slot[i].proto = dc->pr->id;
		slot[i].last = 0;
		slot[i].quiet = 0;
	}
	if (now - slot[i].last < REFUSE_LOG_PERIOD) {
		slot[i].quiet++;
		return;
	}
	log_warnx("%s device %s from %s refused: no [device %s] (accept = "
	    "known); %llu more refused since it was last said",
	    dc->pr->name, name, dc->peername, name,
	    (unsigned long long)slot[i].quiet);
	slot[i].last = now;
	slot[i].quiet = 0;
}

/*
 * May this connection's device be served?  With accept = known, the
 * first frame that names an unknown device ends the connection: the
 * protocol dumps it, nothing more goes out, the listener closes it.
 */
static int
out_admit(struct pvctx *ctx, const char *name)
{
	struct current	*cur = ctx->arg;
	struct dconn	*dc = cur->dc;

	if (!conf->gate.accept_known)
		return 1;
	if (dc->refused)
		return 0;
	if (dc->dev >= 0 || (dc->names != NULL &&
	    strcmp(dc->names->admitted, name) == 0))
		return 1;
	if (device_known(name)) {
		strlcpy(dconn_names(dc)->admitted, name,
		    sizeof(dc->names->admitted));
		return 1;
	}
	dc->refused = 1;
	pstats[dc->pr->id].refused++;
	seen_refused(dc->pr->id, name, dc->peername, ctx->now);
	refuse_log(dc, name, ctx->now);
	kill_send(dc->l, dc->id, PV_REPLY_CLOSE, 0);
	return 0;
}

/*
 * Bad frames are logged, but a flood of them must not flood the log:
 * at most DUMP_LOG_BURST lines per DUMP_LOG_PERIOD seconds, then a
 * count of what was not said.
 */
static void
dump_log(const struct pv_frame *f, size_t len, const char *reason)
{
	static struct burst	 b = { "frames dumped", 0, 0, 0, NULL };
	char			 peer[64];

	if (f->proto == PROTO_CAPTURE)
		return;		/* dumping everything is its job */
	if (!burst_say(&b))
		return;
	pv_addr_str(&f->peer, peer, sizeof(peer));
	log_warnx("%s frame of %zu bytes from %s dumped: %s",
	    proto_byid(f->proto)->name, len, peer, reason);
}

void
decoder_dump(const struct pv_frame *f, const uint8_t *buf, size_t len,
    const char *reason)
{
	struct pv_dump	d;
	struct iovec	iov[2];

	dump_log(f, len, reason);
	if (f->proto < PROTO_MAX)
		pstats[f->proto].dumps++;
	memset(&d, 0, sizeof(d));
	d.time = f->rx_sec;
	d.nsec = f->rx_nsec;
	d.proto = f->proto;
	d.listen_port = f->listen_port;
	d.conn = f->conn;
	d.peer = f->peer;
	d.dst = f->dst;
	strlcpy(d.reason, reason, sizeof(d.reason));
	if (len > PVGATE_IMSG_PAYLOAD - sizeof(d))
		len = PVGATE_IMSG_PAYLOAD - sizeof(d);
	iov[0].iov_base = &d;
	iov[0].iov_len = sizeof(d);
	iov[1].iov_base = (void *)(uintptr_t)buf;
	iov[1].iov_len = len;
	/* the records before the dump go before it */
	decoder_batch();
	if (imsg_composev_event(&iev_exporter, IMSG_DUMP, 0, iov, 2) == -1)
		fatal("%s: imsg_composev", __func__);
	imsgw_push(&exportq, 1);
}

/* the protocol has the device's answer to the command in flight here */
static void
out_command(struct pvctx *ctx, int result, const char *detail)
{
	struct current	*cur = ctx->arg;

	if (cur->dc->cmd != NULL)
		command_answer(cur->dc->cmd, result, detail);
}

/*
 * What command.c needs of connections.  Every byte towards a device
 * leaves through out_reply() on the connection's listener channel:
 * replies, polls, and the owners' commands that decoder_send_cmd()
 * has the protocol build.
 */
const struct pvconf *
decoder_conf(void)
{
	return (conf);
}

/* the connection that speaks for the device, its protocol's newest */
struct dconn *
decoder_reaching(const struct pv_deviceconf *dev)
{
	const struct cmd_proto	*cp = cmd_proto(dev->proto);
	struct dconn		*dc, *found = NULL;
	struct current		 cur;
	struct pvctx		 ctx;

	if (cp == NULL)
		return (NULL);
	RB_FOREACH(dc, dconn_tree, &conns) {
		if (dc->pr->id != dev->proto)
			continue;
		/* a look at every connection's state, no allocation */
		dconn_view(dc, &cur, &ctx, time(NULL));
		ctx.state = dstate_peek(&dc->state, dc->pr->statesize);
		if (strcmp(dc->claim, dev->name) == 0 ||
		    cp->speaks(&ctx, dev->name))
			found = dc;
	}
	return (found);
}

struct dconn *
decoder_conn_byid(uint64_t id)
{
	struct dconn	key;

	key.id = id;
	return (RB_FIND(dconn_tree, &conns, &key));
}

uint64_t
decoder_conn_id(const struct dconn *dc)
{
	return (dc->id);
}

const char *
decoder_conn_peer(const struct dconn *dc)
{
	return (dc->peername);
}

/*
 * The protocol builds the command's frame on this connection; once it
 * is out, the connection carries it until decoder_release_cmd().  One
 * command at a time on a connection.
 */
int
decoder_send_cmd(struct dconn *dc, struct pv_cmd *cmd, char *why,
    size_t whylen)
{
	const struct cmd_proto	*cp = cmd_proto(dc->pr->id);
	struct current		 cur;
	struct pvctx		 ctx;
	int			 rv;

	if (cp == NULL) {
		(void)snprintf(why, whylen, "%s has no commands",
		    dc->pr->name);
		return (CMD_FAILED);
	}
	if (dc->cmd != NULL)
		return (CMD_LATER);
	dc->rx_sec = time(NULL);
	dconn_ctx(dc, &cur, &ctx, dc->rx_sec);
	if ((rv = cp->send(&ctx, cmd, why, whylen)) == CMD_SENT)
		dc->cmd = cmd;
	dconn_done(dc);
	return (rv);
}

void
decoder_release_cmd(struct dconn *dc)
{
	dc->cmd = NULL;
}

/*
 * How a command of pvgatectl's ended: the answer to its request (id),
 * "ok: +ok (312 ms)", "refused: ...", relayed by pvgated.
 */
void
decoder_result(uint32_t id, int result, uint32_t latency,
    const char *detail)
{
	struct ctl_result	r;

	memset(&r, 0, sizeof(r));
	r.status = result == CMD_RES_OK ? CTL_OK : CTL_FAILED;
	(void)snprintf(r.text, sizeof(r.text), "%s%s%s (%u ms)",
	    cmd_result_name(result), detail[0] != '\0' ? ": " : "", detail,
	    latency);
	ctl_answer(&iev_parent, id, IMSG_CTL_RESULT, &r, sizeof(r));
	ctl_end(&iev_parent, id);
}

/* pvgatectl: every live connection's counts */
void
decoder_conns(void (*fn)(uint64_t, struct dcount *, void *), void *arg)
{
	struct dconn	*dc;

	RB_FOREACH(dc, dconn_tree, &conns)
		fn(dc->id, &dc->cnt, arg);
}
