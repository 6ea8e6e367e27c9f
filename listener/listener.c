/*
 * pvgate-listener: one per listening port.  Chrooted, unprivileged,
 * sandboxed to "stdio inet".  It frames the devices' byte streams with
 * the protocol's framer and is otherwise a dumb pipe: frames go to the
 * decoder, replies come back and are written out.
 */

#include "compat.h"

#include <sys/resource.h>

#include <err.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "listener.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"

/* backpressure, in messages queued towards the decoder */
#define QUEUE_HIGH	1024
#define QUEUE_LOW	256
/* descriptors made known to libevent, at most, and in one loop pass */
#define RESERVE_MAX	4096
#define RESERVE_STEP	256
#define RESERVE_DELAY	1	/* seconds after the start */

struct listener	*env;

static __dead void	usage(void);
static void		listener_dispatch_parent(int, short, void *);
static void		listener_dispatch_decoder(int, short, void *);
static void		listener_configure(struct pvconf *);
static void		listener_drain(void);
static void		listener_reserve(uint32_t);
static void		listener_reserve_step(int, short, void *);
static void		listener_reserved(int, short, void *);
static void		listener_done(void);
static void		log_kick(void);

static __dead void
usage(void)
{
	extern char	*__progname;

	fprintf(stderr, "usage: %s [-dv] -I instance -n sockets -p port "
	    "-r root -u user\n"
	    "       %s -c [-dv] -I instance -r root -u user\n", __progname,
	    __progname);
	exit(1);
}

int
main(int argc, char *argv[])
{
	const char	*errstr, *root = NULL, *user = NULL;
	char		 name[32];
	int		 ch, debug = 0, verbose = 0, i, port = 0;

	proc_title_init(argc, argv);

	if ((env = calloc(1, sizeof(*env))) == NULL)
		err(1, NULL);
	while ((ch = getopt(argc, argv, "cdI:n:p:r:u:v")) != -1) {
		switch (ch) {
		case 'c':
			env->connector = 1;
			break;
		case 'd':
			debug = 1;
			break;
		case 'I':
			env->instance = strtonum(optarg, 0,
			    PVGATE_MAX_LISTENERS - 1, &errstr);
			if (errstr != NULL)
				errx(1, "instance %s: %s", optarg, errstr);
			break;
		case 'n':
			env->nsock = strtonum(optarg, 1, PVGATE_MAX_SOCKETS,
			    &errstr);
			if (errstr != NULL)
				errx(1, "sockets %s: %s", optarg, errstr);
			break;
		case 'p':
			port = strtonum(optarg, 1, 65535, &errstr);
			if (errstr != NULL)
				errx(1, "port %s: %s", optarg, errstr);
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
		default:
			usage();
		}
	}
	if (root == NULL || user == NULL)
		usage();
	if (!env->connector && (env->nsock == 0 || port == 0))
		usage();
	if (env->connector && (env->nsock != 0 || port != 0))
		usage();

	/* 1: logging through pvgated from the first line */
	log_init(debug, LOG_DAEMON);
	log_setverbose(verbose);
	if (env->connector)
		snprintf(name, sizeof(name), "connector");
	else
		snprintf(name, sizeof(name), "listener %d", port);
	log_procinit(name);
	setproctitle("%s", name);
	if (imsgbuf_init(&env->iev_parent.ibuf, PVGATE_FD_PARENT) == -1)
		fatal("imsgbuf_init");
	log_setchannel(&env->iev_parent.ibuf, NULL);

	/* 2, 3: descriptors, limits, chroot, user */
	closefrom(PVGATE_FD_SOCKETS + env->nsock);
	for (i = 0; i < env->nsock; i++)
		env->sock[i] = PVGATE_FD_SOCKETS + i;
	ctl_procinit(ROLE_LISTENER, name);
	proc_privdrop(user, root, RLIM_INFINITY, 0);

	/* 4: events; stopping is pvgated's call, not a signal's */
	event_init();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	imsgev_start(&env->iev_parent, listener_dispatch_parent, NULL);
	log_setchannel(&env->iev_parent.ibuf, log_kick);
	imsgev_init(&env->iev_decoder, PVGATE_FD_PEER,
	    listener_dispatch_decoder, NULL);
	RB_INIT(&env->conns);
	TAILQ_INIT(&env->parked);
	TAILQ_INIT(&env->unframed);
	RB_INIT(&env->peers);

	/* 5: nothing from the network before this */
	if (env->connector)
		sandbox_connector();
	else
		sandbox_listener();

	imsgev_hello(&env->iev_parent, ROLE_LISTENER);
	imsgev_hello(&env->iev_decoder, ROLE_LISTENER);
	imsgev_loop(listener_backpressure);
	return 0;
}

static void
log_kick(void)
{
	imsg_event_add(&env->iev_parent);
}

static void
listener_dispatch_parent(int fd, short event, void *bula)
{
	struct imsgev	*iev = &env->iev_parent;
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
		case IMSG_RECONF_LISTEN:
		case IMSG_RECONF_DEVICE:
		case IMSG_RECONF_ALLOW:
		case IMSG_RECONF_END:
			if ((nconf = config_receive(&imsg, __func__)) != NULL)
				listener_configure(nconf);
			break;
		case IMSG_CTL_SHUTDOWN:
			listener_drain();
			break;
		case IMSG_CTL_STATUS:
		case IMSG_CTL_CONNECTIONS:
		case IMSG_CTL_COUNTERS:
			listener_ctl(&imsg);
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

static void
listener_dispatch_decoder(int fd, short event, void *bula)
{
	struct imsgev	*iev = &env->iev_decoder;
	struct imsg	 imsg;
	struct ibuf	 ibuf;
	struct pv_reply	 r;
	struct pv_relay	 rl;
	int		 shut;

	(void)fd;
	(void)bula;
	shut = imsgev_read(iev, event, __func__);
	for (;;) {
		if (imsgev_get(iev, &imsg, ROLE_DECODER, __func__) == 0)
			break;
		/* gathered replies go before anything else happens */
		if (imsg_get_type(&imsg) != IMSG_REPLY)
			(void)conn_reply_flush();
		switch (imsg_get_type(&imsg)) {
		case IMSG_REPLY:
			if (imsg_get_ibuf(&imsg, &ibuf) == -1 ||
			    ibuf_get(&ibuf, &r, sizeof(r)) == -1)
				fatalx("%s: IMSG_REPLY wrong length: %zu",
				    __func__, imsg_get_len(&imsg));
			conn_reply(r.conn, r.flags, ibuf_data(&ibuf),
			    ibuf_size(&ibuf));
			break;
		case IMSG_CONN_KILL:
			if (imsg_get_data(&imsg, &r, sizeof(r)) == -1)
				fatalx("%s: IMSG_CONN_KILL wrong length: %zu",
				    __func__, imsg_get_len(&imsg));
			conn_kill(&r);
			break;
		case IMSG_RELAY_DIAL:
			if (!env->connector ||
			    imsg_get_data(&imsg, &rl, sizeof(rl)) == -1)
				fatalx("%s: IMSG_RELAY_DIAL wrong length or "
				    "not a connector: %zu", __func__,
				    imsg_get_len(&imsg));
			relay_dial(&rl);
			break;
		case IMSG_DECODER_DONE:
			listener_done();
			break;
		default:
			fatalx("%s: unexpected message %u", __func__,
			    imsg_get_type(&imsg));
		}
		imsg_free(&imsg);
	}
	(void)conn_reply_flush();
	if (shut)
		fatalx("decoder channel closed");
	imsg_event_add(iev);
	listener_backpressure();
}

static void
listener_configure(struct pvconf *nconf)
{
	int	i;

	listener_reserve(nconf->gate.max_connections);
	if (env->conf == NULL && env->connector) {
		env->conf = nconf;
		connector_start(nconf);
		return;
	}
	if (env->conf == NULL) {
		if ((env->proto = proto_byid(nconf->listen.proto)) == NULL)
			fatalx("%s: unknown protocol %u", __func__,
			    nconf->listen.proto);
		if (nconf->listen.nsockets != (uint32_t)env->nsock)
			fatalx("%s: %u sockets configured, %d received",
			    __func__, nconf->listen.nsockets, env->nsock);
		env->conf = nconf;
		for (i = 0; i < env->nsock; i++) {
			conn_listen(&env->lsock[i], env->sock[i]);
			event_set(&env->ev_accept[i], env->sock[i],
			    EV_READ | EV_PERSIST, conn_accept, &env->lsock[i]);
			event_add(&env->ev_accept[i], NULL);
		}
		env->accepting = 1;
		log_info("accepting %s connections", env->proto->name);
		return;
	}
	/* reload: the port, the protocol and max_frame (the size of the
	 * partial-frame buffers already allocated) stay */
	nconf->listen = env->conf->listen;
	nconf->gate.max_frame = env->conf->gate.max_frame;
	free(env->conf);
	env->conf = nconf;
}

/*
 * libevent keeps a small entry for every descriptor number it has
 * seen, for good.  Made one by one as connections come and go, those
 * entries end up scattered among the connections' buffers, and every
 * heap page one of them sits on stays resident once the connections
 * are gone: after a burst of a thousand connections the listener stayed
 * a third above its baseline.  Made together, for as many descriptors
 * as max_connections allows (up to RESERVE_MAX), they sit together.
 * Four syscalls each (dup, epoll_ctl twice, close): thousands of them
 * held every listener's first accept back by tens of milliseconds, and
 * made while the other processes start they still took the CPU the
 * others needed to start.  So they are made a second after the start,
 * RESERVE_STEP at a time, one step per loop pass: a device is served
 * meanwhile, its descriptor's entry made by libevent as before.
 */
static void
listener_reserve(uint32_t n)
{
	struct timeval	tv = { env->reserve_want == 0 ? RESERVE_DELAY : 0,
			    0 };

	if (n > RESERVE_MAX)
		n = RESERVE_MAX;
	if (n <= env->reserve_want)
		return;
	env->reserve_want = n;
	if (!evtimer_initialized(&env->ev_reserve))
		evtimer_set(&env->ev_reserve, listener_reserve_step, NULL);
	if (!evtimer_pending(&env->ev_reserve, NULL))
		evtimer_add(&env->ev_reserve, &tv);
}

/*
 * One step: the next descriptor numbers, from where the last step
 * stopped (F_DUPFD: a connection may hold the lowest free one now).
 * Each is closed before the step returns, so no accept ever finds the
 * limit taken by a reservation.
 */
static void
listener_reserve_step(int fd, short event, void *arg)
{
	struct timeval	 tv = { 0, 0 };
	struct event	 ev;
	int		 fds[RESERVE_STEP];
	uint32_t	 i, got;

	(void)fd;
	(void)event;
	(void)arg;
	for (got = 0; got < RESERVE_STEP &&
	    env->reserved < env->reserve_want; got++) {
		if ((fds[got] = fcntl(PVGATE_FD_PARENT, F_DUPFD,
		    env->reserve_next)) == -1) {
			/* the descriptor limit: as many as it allows */
			env->reserve_want = env->reserved;
			break;
		}
		event_set(&ev, fds[got], EV_READ, listener_reserved, NULL);
		if (event_add(&ev, NULL) == -1)
			fatal("%s: event_add", __func__);
		event_del(&ev);
		env->reserve_next = fds[got] + 1;
		env->reserved++;
	}
	for (i = 0; i < got; i++)
		close(fds[i]);
	if (env->reserved < env->reserve_want && !env->draining)
		evtimer_add(&env->ev_reserve, &tv);
	else
		log_debug("%u descriptors made known to libevent",
		    env->reserved);
}

static void
listener_reserved(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	fatalx("%s: a reserved descriptor's event ran", __func__);
}

/*
 * Stop reading the devices while the decoder is behind; resume when it
 * has caught up.  The queue never grows much beyond QUEUE_HIGH.  A
 * pause costs nothing up front: a connection is taken out of the loop
 * (parked) only when it has something to read while paused, so pausing
 * among many connections does not touch every one of them.
 */
void
listener_backpressure(void)
{
	uint32_t	q = imsgbuf_queuelen(&env->iev_decoder.ibuf);

	if (!env->paused && q > QUEUE_HIGH) {
		/* one round of reads queues that much: is it still there
		 * once written? */
		if (imsgbuf_write(&env->iev_decoder.ibuf) == -1 &&
		    errno != EPIPE)
			fatal("%s: imsgbuf_write", __func__);
		imsg_event_add(&env->iev_decoder);
		q = imsgbuf_queuelen(&env->iev_decoder.ibuf);
	}
	if (!env->paused && q > QUEUE_HIGH) {
		env->paused = 1;
		env->stats.pauses++;
		log_debug("decoder behind (%u queued): pausing reads", q);
	} else if (env->paused && q < QUEUE_LOW && !env->draining) {
		env->paused = 0;
		conn_resume_all();
		log_debug("decoder caught up: resuming reads");
	}
	/*
	 * The frames of a burst are written: their buffers lie between
	 * the connections that stay, where the heap cannot shrink.
	 */
	if (q > env->qpeak)
		env->qpeak = q;
	if (q == 0 && env->qpeak >= QUEUE_LOW) {
		env->qpeak = 0;
		conn_trim_soon();
	}
}

/* pvgated asked us to stop: no more accepting, no more reading */
static void
listener_drain(void)
{
	int	i;

	if (env->draining)
		return;
	env->draining = 1;
	if (env->connector)
		connector_stop();
	for (i = 0; i < env->nsock; i++) {
		if (env->accepting)
			event_del(&env->ev_accept[i]);
		close(env->sock[i]);
	}
	env->accepting = 0;
	if (evtimer_initialized(&env->ev_pause))
		evtimer_del(&env->ev_pause);
	if (evtimer_initialized(&env->ev_reserve))
		evtimer_del(&env->ev_reserve);
	conn_pause_all();
	if (imsg_compose_event(&env->iev_decoder, IMSG_LISTENER_DONE, 0, 0,
	    -1, NULL, 0) == -1)
		fatal("%s: imsg_compose", __func__);
}

/* the decoder answered everything we sent: write the last replies */
static void
listener_done(void)
{
	if (!env->draining)
		fatalx("%s: IMSG_DECODER_DONE while running", __func__);
	conn_flush_all();
	conn_close_all(CLOSE_SHUTDOWN, "shutdown");
	log_debug("done: %llu frames", (unsigned long long)env->stats.frames);
	imsgbuf_flush(&env->iev_parent.ibuf);
	exit(0);
}
