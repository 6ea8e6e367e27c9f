/*
 * loadgen: plays many devices over loopback against pvgated (-p, named
 * by -N) and the floor server (-F), with real frames from the bench
 * table (bench.h), and prints what it measured as "key value" lines for
 * bench.sh, each key starting with the server's name.
 *
 * In order, each step optional:
 *
 *	compare	 send every sample frame to both servers; their replies
 *		 must be byte for byte the same
 *	idle	 hold N connections that each said hello once (one frame,
 *		 one reply); memory per connection, then CPU time and
 *		 wakeups over a quiet window
 *	closed	 N connections, each sending a frame as soon as the
 *		 reply to the previous one is in; frames/s end to end
 *	open	 a fixed rate, the same for both sides: half the slower
 *		 one's best closed-loop rate (and a rate given with -R),
 *		 spread over the connections; reply latency percentiles
 *	churn	 N clients, each opening a connection, sending one
 *		 request, reading its reply and closing, over and over,
 *		 as an APsystems ECU does for every record (protocols
 *		 whose entry says churn); connections/s, CPU per
 *		 connection, descriptors and memory before and after
 *
 * Every step runs on one server right after the other, so that a ratio
 * compares the two on the same machine at nearly the same time.  End
 * to end means the reply arrived and, with -x, the record was exported:
 * -x names the exporter's stdout (a FIFO), whose JSON lines are counted
 * here.  A server's processes (-G, -H: the pid and its children) are
 * measured from /proc/PID/stat, status and schedstat.
 */

#include "compat.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define RING		8	/* requests in flight per connection */
#define RBUF		2048	/* reply bytes held per connection */
#define CONNECTING_MAX	256	/* connects in flight */
#define HIST_N		(1024 + 30 * 512)	/* latency buckets */
#define MAXPROCS	16
#define DRAIN_SECS	15
#define NSEC		1000000000LL
#define CHURN_ADDRS	60000	/* source addresses churn dials from */
#define REPLY_SECS	60	/* the oldest clock a reply may carry */

enum mode { M_HELLO, M_CLOSED, M_OPEN, M_QUIET, M_CHURN };
enum cstate { C_FREE, C_CONNECTING, C_UP, C_DEAD };

struct lconn {
	struct event	 ev;
	int		 fd;
	int		 state;
	unsigned int	 out;		/* requests not all answered */
	unsigned int	 got;		/* replies to the oldest, so far */
	unsigned int	 head;		/* oldest of sent[] */
	unsigned int	 dev;		/* the device it plays */
	unsigned int	 nsent;		/* requests sent */
	int64_t		 opened;	/* churn: when it was dialled */
	int64_t		 sent[RING];	/* send times, ns */
	time_t		 sentsec[RING];	/* and on the wall clock */
	unsigned int	 reqn[RING];	/* their numbers */
	size_t		 rlen;
	uint8_t		 rbuf[RBUF];
};

/* a phase's starting point */
struct sample {
	long long	 ticks[MAXPROCS];
	long long	 slices[MAXPROCS];	/* times run, schedstat */
	uint64_t	 sent;
	uint64_t	 replies;
	uint64_t	 records;
	double		 self;
};

struct proc {
	char		 name[16];
	pid_t		 pid;
	long long	 ticks;		/* utime + stime */
	long long	 ns;		/* schedstat: on CPU */
	long long	 slices;	/* schedstat: times run */
};

static const struct bench_proto	*bp;
static uint8_t			 req[BENCH_MAXFRAME];
static size_t			 reqlen;
static size_t			 partoff[BENCH_MAXPART];
static size_t			 partlen[BENCH_MAXPART];
static unsigned int		 parts;
static framer_fn		 rframe;

/* the replies the floor's builder makes of each part, by second */
struct expect {
	time_t		 t;
	size_t		 len[BENCH_MAXPART];
	uint8_t		 b[BENCH_MAXPART][BENCH_MAXFRAME];
};
static struct expect		 expect[3];
static const char		*vecdir = "regress/vectors";

static struct lconn		*conns;
static int			 maxconns, nconns, nconnecting, nwant;
static int			 hello;
static int			 mode;
static int64_t			 deadline;
/* churn: connections done, and the next source address */
static uint64_t			 churned;
static unsigned int		 churn_addr;

/* the records on -x; extra are the compare samples', not the load's */
static int			 recfd = -1;
static uint64_t			 extra;
static uint64_t			 records;
static int64_t			 last_record;
static char			 recline[65536];
static size_t			 reclen;
static char			 recmatch[128];

/*
 * A server under test: pvgated or the floor.  Each phase runs on one
 * and then on the other, alternating which goes first, so that both
 * see the same machine.
 */
struct side {
	const char		*name;		/* prefix of its keys */
	struct sockaddr_in	 addr;
	pid_t			 pid;
	int			 hasrec;	/* records come on -x */
	struct proc		 procs[MAXPROCS];
	int			 nprocs;
	double			 peak;		/* best frames/s */
	struct {
		uint64_t	 sent;
		uint64_t	 replies;
		uint64_t	 bad;
		uint64_t	 dead;
		uint64_t	 refused;
		uint64_t	 awaiting;
		int64_t		 last_reply;
	}			 st;
};

static struct side		 sides[2];
static int			 nsides;
static struct side		*cur;		/* being measured */

static uint32_t			*hist;
static uint64_t			 hist_n;
static int64_t			 hist_max;

static struct event		 ev_tick, ev_pace, ev_rec;
static int64_t			 pace_start;
static double			 pace_rate;
static uint64_t			 pace_sent, pace_skipped;
static int			 pace_next;

static __dead void	usage(void);
static int64_t		now_ns(void);
static void		out(const char *, ...)
			    __attribute__((__format__ (printf, 1, 2)));
static void		conn_start(struct lconn *, int);
static void		conn_connected(int, short, void *);
static void		conn_read(int, short, void *);
static void		conn_send(struct lconn *, int64_t);
static void		conn_reply(struct lconn *, const uint8_t *, size_t,
			    int64_t);
static void		conn_dead(struct lconn *);
static void		pool_fill(void);
static int		pool_resize(int, int);
static int		pool_up(void);
static void		rec_read(int, short, void *);
static void		tick(int, short, void *);
static void		pace(int, short, void *);
static int		run_until(int (*)(void), double);
static void		procs_find(pid_t);
static void		procs_sample(void);
static long long	proc_kib(pid_t, const char *);
static void		hist_add(int64_t);
static double		hist_pct(double);
static int		number(const char *, long long, long long);
static void		setup(const char *);
static void		request_load(void);
static const struct expect *expect_at(time_t);
static int		reply_good(const struct lconn *, const uint8_t *,
			    size_t);
static const uint8_t	*request_of(const struct lconn *, unsigned int);
static unsigned int	inflight(const struct lconn *);
static uint64_t		records_of(uint64_t);
static struct side	*side_add(const char *, int, pid_t, int);
static void		closed_all(const char *, double);
static void		target_wait(void);
static void		summary(void);
static int		dial(const struct side *);
static void		compare(const struct side *, const struct side *);
static long long	target_nofile(void);
static void		phase_idle(const char *, double);
static double		self_cpu(void);
static double		phase_closed(int, double);
static void		sample_take(struct sample *);
static double		closed_report(int, int64_t, const struct sample *);
static void		phase_open(const char *, int, double, double);
static void		churn_all(const char *, double);
static double		phase_churn(int, double);
static void		churn_next(struct lconn *, int64_t);
static int		proc_fds(pid_t);

static __dead void
usage(void)
{
	extern char	*__progname;

	fprintf(stderr, "usage: %s -l\n"
	    "       %s [-w] [-C counts] [-c counts] [-F port] [-G pid] "
	    "[-H pid]\n\t[-I seconds] [-i counts] [-N name] "
	    "[-O connections] [-o seconds]\n\t[-P protocol] [-R rate] "
	    "[-r rate] [-T seconds] [-t seconds] [-V dir]\n\t[-x file] "
	    "-p port\n",
	    __progname, __progname);
	exit(1);
}

static int64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * NSEC + ts.tv_nsec);
}

static void
out(const char *fmt, ...)
{
	va_list	ap;

	if (cur != NULL)
		printf("%s.", cur->name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

int
main(int argc, char *argv[])
{
	struct side	*floor = NULL, *gw;
	const char	*proto = "solarman-v5", *closed = NULL;
	const char	*idle = NULL, *recpath = NULL, *name = "target";
	double		 tsecs = 3, osecs = 5, isecs = 10, rate = 0;
	double		 csecs = 3;
	const char	*churn = NULL;
	double		 frate = 0, half;
	int		 ch, i, port = 0, fport = 0, oconns = 1000;
	int		 wconf = 0;
	pid_t		 gpid = 0, fpid = 0;

	while ((ch = getopt(argc, argv,
	    "C:c:F:G:H:I:i:lN:O:o:P:p:R:r:T:t:V:wx:")) != -1) {
		switch (ch) {
		case 'C':
			churn = optarg;
			break;
		case 'c':
			closed = optarg;
			break;
		case 'F':
			fport = number(optarg, 1, 65535);
			break;
		case 'G':
			gpid = number(optarg, 1, INT_MAX);
			break;
		case 'H':
			fpid = number(optarg, 1, INT_MAX);
			break;
		case 'I':
			isecs = strtod(optarg, NULL);
			break;
		case 'i':
			idle = optarg;
			break;
		case 'l':
			/* the protocols the benchmark knows */
			for (bp = bench_protos; bp->name != NULL; bp++)
				printf("%s\n", bp->name);
			return (0);
		case 'N':
			name = optarg;
			break;
		case 'O':
			oconns = number(optarg, 0, 1000000);
			break;
		case 'o':
			osecs = strtod(optarg, NULL);
			break;
		case 'P':
			proto = optarg;
			break;
		case 'p':
			port = number(optarg, 1, 65535);
			break;
		case 'R':
			frate = strtod(optarg, NULL);
			break;
		case 'r':
			rate = strtod(optarg, NULL);
			break;
		case 'T':
			csecs = strtod(optarg, NULL);
			break;
		case 't':
			tsecs = strtod(optarg, NULL);
			break;
		case 'V':
			vecdir = optarg;
			break;
		case 'w':
			wconf = 1;
			break;
		case 'x':
			recpath = optarg;
			break;
		default:
			usage();
		}
	}
	if (port == 0 || argc != optind)
		usage();
	if ((bp = bench_proto(proto)) == NULL)
		errx(1, "no bench entry for protocol %s", proto);
	if (wconf) {
		/* the protocol's section of the gateway's configuration */
		printf("[%s]\nlisten = 127.0.0.1:%d\n%s", bp->name, port,
		    bp->conf);
		return (0);
	}
	setup(recpath);

	/* the floor first, if there is one */
	if (fport != 0)
		floor = side_add("floor", fport, fpid, 0);
	gw = side_add(name, port, gpid, recpath != NULL);
	cur = NULL;
	out("protocol %s", bp->name);
	out("request %s %zu", bp->request != NULL ? bp->request : "built",
	    reqlen);
	out("parts %u", parts);
	if (floor != NULL) {
		compare(gw, floor);
		/* the samples' records are not the load's */
		run_until(NULL, 1);
		extra = records - records_of(gw->st.sent);
	}

	for (i = 0; idle != NULL && i < nsides; i++) {
		cur = &sides[i];
		phase_idle(idle, isecs);
	}
	if (closed != NULL)
		closed_all(closed, tsecs);
	/*
	 * Both sides at one rate, half the slower one's peak (pvgated's),
	 * so that their latencies compare at the same load.
	 */
	half = 0;
	for (i = 0; i < nsides; i++)
		if (sides[i].peak > 0 && (half == 0 || sides[i].peak / 2 <
		    half))
			half = sides[i].peak / 2;
	for (i = 0; oconns > 0 && osecs > 0 && i < nsides; i++) {
		cur = &sides[i];
		if (rate > 0 || half > 0)
			phase_open("open", oconns, rate > 0 ? rate : half,
			    osecs);
	}
	for (i = 0; oconns > 0 && osecs > 0 && frate > 0 && i < nsides;
	    i++) {
		/* the other one first, this time */
		cur = &sides[(i + 1) % nsides];
		phase_open("fixed", oconns, frate, osecs);
	}
	if (churn != NULL && bp->churn)
		churn_all(churn, csecs);
	for (i = 0; i < nsides; i++) {
		cur = &sides[i];
		pool_resize(0, 0);
		summary();
	}
	return (0);
}

static int
number(const char *s, long long min, long long max)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(s, min, max, &errstr);
	if (errstr != NULL)
		errx(1, "%s: %s", s, errstr);
	return ((int)n);
}

/* vectors, descriptor limit, buffers, events, the records' FIFO */
static void
setup(const char *recpath)
{
	struct rlimit	 rl;

	request_load();
	snprintf(recmatch, sizeof(recmatch),
	    "\"kind\":\"measurement\",\"protocol\":\"%s\"", bp->name);

	/* every device is a descriptor */
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(1, "getrlimit");
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(1, "setrlimit RLIMIT_NOFILE");
	maxconns = rl.rlim_cur > 64 ? (int)rl.rlim_cur - 64 : 0;
	if ((conns = calloc(maxconns, sizeof(*conns))) == NULL ||
	    (hist = calloc(HIST_N, sizeof(*hist))) == NULL)
		err(1, NULL);
	signal(SIGPIPE, SIG_IGN);

	event_init();
	evtimer_set(&ev_tick, tick, NULL);
	if (recpath == NULL)
		return;
	/* opening the FIFO lets the gateway start */
	if ((recfd = open(recpath, O_RDONLY)) == -1)
		err(1, "%s", recpath);
#ifdef F_SETPIPE_SZ
	/* room for a burst of records while we are busy elsewhere */
	(void)fcntl(recfd, F_SETPIPE_SZ, 1024 * 1024);
#endif
	event_set(&ev_rec, recfd, EV_READ | EV_PERSIST, rec_read, NULL);
	event_add(&ev_rec, NULL);
}

/*
 * The request: its file or what the table builds, cut into its parts;
 * the floor's builder must make the captured reply of the first part.
 */
static void
request_load(void)
{
	uint8_t		 want[BENCH_MAXFRAME], got[BENCH_MAXFRAME];
	char		 path[PATH_MAX];
	const char	*why;
	size_t		 off, n, wantlen, gotlen;
	time_t		 now = bench_now();

	if (bp->make != NULL)
		reqlen = bp->make(req, sizeof(req));
	else {
		snprintf(path, sizeof(path), "%s/%s", vecdir, bp->request);
		reqlen = bench_loadhex(path, req, sizeof(req));
	}
	if (reqlen == 0)
		errx(1, "%s: no request", bp->name);
	rframe = bp->rframe != NULL ? bp->rframe : bp->frame;
	for (off = 0; off < reqlen; off += n) {
		n = 0;
		if (parts == BENCH_MAXPART || bp->frame(req + off,
		    reqlen - off, sizeof(req), &n, &why) != FRAME_OK)
			errx(1, "%s: the request is not %d whole frames",
			    bp->name, bp->parts);
		partoff[parts] = off;
		partlen[parts++] = n;
	}
	if ((int)parts != bp->parts)
		errx(1, "%s: the request has %u frames, not %d", bp->name,
		    parts, bp->parts);
	if (bp->reply == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s", vecdir, bp->reply);
	wantlen = bench_loadhex(path, want, sizeof(want));
	gotlen = bp->answer(req, partlen[0], got, sizeof(got), now);
	if (bp->reply_ok != NULL ? !bp->reply_ok(got, gotlen, want, wantlen,
	    now) : gotlen != wantlen || memcmp(got, want, wantlen) != 0)
		errx(1, "%s: the floor's reply is not %s", bp->name,
		    bp->reply);
}

/* the reply to part k at second t, built once a second */
static const struct expect *
expect_at(time_t t)
{
	struct expect	*e = &expect[t % 3];
	unsigned int	 k;

	if (e->t == t)
		return (e);
	e->t = t;
	for (k = 0; k < parts; k++)
		e->len[k] = bp->answer(req + partoff[k], partlen[k],
		    e->b[k], sizeof(e->b[k]), t);
	return (e);
}

/* request n of c's device */
static const uint8_t *
request_of(const struct lconn *c, unsigned int n)
{
	static uint8_t	buf[BENCH_MAXFRAME];

	if (bp->vary == NULL)
		return (req);
	memcpy(buf, req, reqlen);
	bp->vary(buf, reqlen, c->dev, n);
	return (buf);
}

/*
 * 1 if buf is the reply to the next part of c's oldest request, byte
 * for byte as the floor's builder makes it at a second from the one
 * before the request was sent to the one after now (time() reads a
 * clock that lags others by up to a tick; under load a reply may wait
 * seconds to be read)
 */
static int
reply_good(const struct lconn *c, const uint8_t *buf, size_t len)
{
	const struct expect	*e;
	const uint8_t		*q;
	uint8_t			 a[BENCH_MAXFRAME];
	time_t			 now = bench_now(), t, from;
	unsigned int		 k = c->got;

	from = c->sentsec[c->head] - 1;
	if (from < now - REPLY_SECS)
		from = now - REPLY_SECS;
	if (bp->vary == NULL) {
		for (t = now + 1; t >= from; t--) {
			e = expect_at(t);
			if (e->len[k] == len &&
			    memcmp(e->b[k], buf, len) == 0)
				return (1);
		}
		return (0);
	}
	q = request_of(c, c->reqn[c->head]);
	for (t = now + 1; t >= from; t--)
		if (bp->answer(q + partoff[k], partlen[k], a, sizeof(a),
		    t) == len && memcmp(a, buf, len) == 0)
			return (1);
	return (0);
}

/* a server to measure: up, answering, its processes found */
static struct side *
side_add(const char *name, int port, pid_t pid, int hasrec)
{
	struct side	*sd = &sides[nsides++];

	sd->name = name;
	sd->addr.sin_family = AF_INET;
	sd->addr.sin_port = htons(port);
	sd->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sd->pid = pid;
	sd->hasrec = hasrec;
	cur = sd;
	target_wait();
	if (pid != 0)
		procs_find(pid);
	return (sd);
}

/*
 * The closed loop at every count on every side, one side right after
 * the other, taking turns at going first.
 */
static void
closed_all(const char *list, double secs)
{
	char	 buf[256], *s, *item;
	double	 fps;
	int	 i, k = 0, n;

	if (strlcpy(buf, list, sizeof(buf)) >= sizeof(buf))
		errx(1, "list too long");
	for (s = buf; (item = strsep(&s, ",")) != NULL; k++) {
		n = number(item, 1, maxconns);
		for (i = 0; i < nsides; i++) {
			cur = &sides[(i + k) % nsides];
			if ((fps = phase_closed(n, secs)) > cur->peak)
				cur->peak = fps;
		}
	}
}

/* the target is up when it accepts and answers, within 10 s */
static void
target_wait(void)
{
	int	i;

	for (i = 0; i < 100; i++) {
		if (pool_resize(1, 1) == 0 && pool_up() == 1 &&
		    cur->st.replies == parts)
			break;
		pool_resize(0, 0);
		run_until(NULL, 0.1);
	}
	if (i == 100)
		errx(1, "%s on 127.0.0.1:%d does not answer", cur->name,
		    ntohs(cur->addr.sin_port));
	pool_resize(0, 0);
	cur->st.refused = 0;
}

/* totals; extra records are the compare samples' */
static void
summary(void)
{
	int	i;

	/* after-effects of closing, then the high-water marks */
	run_until(NULL, 0.5);
	for (i = 0; i < cur->nprocs; i++)
		out("hwm.%s %lld", cur->procs[i].name,
		    proc_kib(cur->procs[i].pid, "VmHWM:"));
	out("sent %llu", (unsigned long long)cur->st.sent);
	out("replies %llu", (unsigned long long)cur->st.replies);
	out("unanswered %llu",
	    (unsigned long long)(cur->st.sent - cur->st.replies));
	out("bad %llu", (unsigned long long)cur->st.bad);
	out("dropped %llu", (unsigned long long)cur->st.dead);
	out("refused %llu", (unsigned long long)cur->st.refused);
	if (cur->hasrec) {
		out("records %llu", (unsigned long long)records);
		out("lost %lld", (long long)records_of(cur->st.sent) -
		    (long long)(records - extra));
	}
}

/*
 * Connections.  Each comes from its own address, 127.1.x.y, as devices
 * do; that also keeps the local ports from running out.
 */
static void
conn_start(struct lconn *c, int i)
{
	struct sockaddr_in	src;
	int			on = 1, buf;

	memset(c, 0, sizeof(*c));
	c->dev = i;
	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		err(1, "socket");
#ifdef IP_BIND_ADDRESS_NO_PORT
	(void)setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on,
	    sizeof(on));
#endif
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	/* room for every request in flight: a write is never short */
	if (reqlen * RING > 16384) {
		buf = reqlen * RING * 2;
		(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &buf,
		    sizeof(buf));
	}
	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(0x7f010000 | (i / 250) << 8 |
	    (i % 250 + 1));
	if (bind(c->fd, (struct sockaddr *)&src, sizeof(src)) == -1)
		err(1, "bind 127.1.%d.%d", i / 250, i % 250 + 1);
	if (connect(c->fd, (struct sockaddr *)&cur->addr,
	    sizeof(cur->addr)) ==
	    -1 && errno != EINPROGRESS)
		err(1, "connect");
	c->state = C_CONNECTING;
	c->opened = now_ns();
	nconnecting++;
	event_set(&c->ev, c->fd, EV_WRITE, conn_connected, c);
	event_add(&c->ev, NULL);
}

static void
conn_connected(int fd, short event, void *arg)
{
	struct lconn	*c = arg;
	socklen_t	 len = sizeof(int);
	int		 e = 0;

	(void)event;
	nconnecting--;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1 || e != 0) {
		cur->st.refused++;
		if (mode == M_CHURN) {
			c->state = C_UP;	/* as churn_next wants it */
			churn_next(c, now_ns());
			return;
		}
		close(c->fd);
		c->state = C_DEAD;
		pool_fill();
		return;
	}
	c->state = C_UP;
	event_set(&c->ev, c->fd, EV_READ | EV_PERSIST, conn_read, c);
	event_add(&c->ev, NULL);
	if (hello || mode == M_CHURN)
		conn_send(c, now_ns());
	pool_fill();
}

static void
conn_send(struct lconn *c, int64_t now)
{
	ssize_t	n;

	if (c->out >= RING)
		errx(1, "%u requests in flight on one connection", c->out);
	/* a few small frames always fit the socket buffer */
	if ((n = write(c->fd, request_of(c, c->nsent), reqlen)) !=
	    (ssize_t)reqlen) {
		if (n == -1 && (errno == ECONNRESET || errno == EPIPE)) {
			conn_dead(c);
			return;
		}
		errx(1, "short write (%zd of %zu bytes)", n, reqlen);
	}
	c->sent[(c->head + c->out) % RING] = now;
	c->sentsec[(c->head + c->out) % RING] = bench_now();
	c->reqn[(c->head + c->out) % RING] = c->nsent++;
	c->out++;
	cur->st.sent += parts;
	cur->st.awaiting += parts;
}

/* replies still to come on c */
static unsigned int
inflight(const struct lconn *c)
{
	return (c->out * parts - c->got);
}

/* the records that so many frames sent should give */
static uint64_t
records_of(uint64_t frames)
{
	return (frames / parts * bp->records);
}

static void
conn_read(int fd, short event, void *arg)
{
	struct lconn	*c = arg;
	const char	*why;
	size_t		 off = 0, n;
	ssize_t		 r;
	int64_t		 now;

	(void)event;
	if ((r = read(fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen)) ==
	    -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		conn_dead(c);
		return;
	}
	now = now_ns();
	c->rlen += r;
	while (off < c->rlen) {
		n = 0;
		switch (rframe(c->rbuf + off, c->rlen - off, RBUF, &n,
		    &why)) {
		case FRAME_MORE:
			goto more;
		case FRAME_OK:
			conn_reply(c, c->rbuf + off, n, now);
			if (c->state != C_UP)
				return;		/* churn: closed */
			off += n;
			break;
		default:
			cur->st.bad++;
			off = c->rlen;
			break;
		}
	}
 more:
	if (c->state != C_UP)
		return;
	if (off > 0 && off < c->rlen)
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
	if (c->rlen == sizeof(c->rbuf)) {
		cur->st.bad++;
		c->rlen = 0;
	}
}

static void
conn_reply(struct lconn *c, const uint8_t *buf, size_t len, int64_t now)
{
	if (c->out == 0) {
		cur->st.bad++;
		return;
	}
	if (!reply_good(c, buf, len))
		cur->st.bad++;
	cur->st.replies++;
	cur->st.awaiting--;
	cur->st.last_reply = now;
	if (++c->got < parts)
		return;
	/* the request's last reply: its latency */
	c->got = 0;
	if (mode == M_OPEN || mode == M_CLOSED)
		hist_add(now - c->sent[c->head]);
	c->head = (c->head + 1) % RING;
	c->out--;
	if (mode == M_CHURN) {
		hist_add(now - c->opened);
		churned++;
		churn_next(c, now);
		return;
	}
	if (mode == M_CLOSED && now < deadline)
		conn_send(c, now);
}

/* the target closed it, or reset it */
static void
conn_dead(struct lconn *c)
{
	event_del(&c->ev);
	close(c->fd);
	cur->st.awaiting -= inflight(c);
	c->out = c->got = 0;
	c->state = C_DEAD;
	cur->st.dead++;
}

static void
pool_fill(void)
{
	while (nconns < nwant && nconnecting < CONNECTING_MAX) {
		conn_start(&conns[nconns], nconns);
		nconns++;
	}
}

static int
pool_ready(void)
{
	return (nconns == nwant && nconnecting == 0 && cur->st.awaiting == 0);
}

/*
 * Hold exactly n connections (n < nconns closes the newest); with
 * greeting, each new one sends one frame and waits for the reply.
 * Returns -1 if they are not all up within 60 s.
 */
static int
pool_resize(int n, int greeting)
{
	static struct side	*owner;
	struct lconn		*c;
	int			 keep = n;

	if (n > maxconns)
		errx(1, "%d connections: the descriptor limit allows %d",
		    n, maxconns);
	/* connections are to one server: another one starts afresh */
	if (owner != cur)
		keep = 0;
	while (nconns > keep) {
		c = &conns[--nconns];
		if (c->state == C_UP || c->state == C_CONNECTING) {
			event_del(&c->ev);
			close(c->fd);
			owner->st.awaiting -= inflight(c);
		}
		if (c->state == C_CONNECTING)
			nconnecting--;
		c->state = C_FREE;
	}
	owner = cur;
	hello = greeting;
	mode = M_HELLO;
	nwant = n;
	pool_fill();
	return (run_until(pool_ready, 60));
}

static int
pool_up(void)
{
	int	i, n = 0;

	for (i = 0; i < nconns; i++)
		if (conns[i].state == C_UP)
			n++;
	return (n);
}

/* the exporter's JSON lines: count the records of our protocol */
static void
rec_read(int fd, short event, void *arg)
{
	char	*p, *nl;
	size_t	 len;
	ssize_t	 n;
	int	 got = 0;

	(void)event;
	(void)arg;
	if ((n = read(fd, recline + reclen, sizeof(recline) - reclen)) ==
	    -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		event_del(&ev_rec);
		return;
	}
	reclen += n;
	p = recline;
	/* time, kind, protocol lead every line: look near the start */
	while ((nl = memchr(p, '\n', reclen - (p - recline))) != NULL) {
		len = nl - p < 128 ? nl - p : 128;
		if (memmem(p, len, recmatch, strlen(recmatch)) != NULL) {
			records++;
			got = 1;
		}
		p = nl + 1;
	}
	if (got)
		last_record = now_ns();
	reclen -= p - recline;
	memmove(recline, p, reclen);
	if (reclen == sizeof(recline))
		errx(1, "exporter line longer than %zu bytes",
		    sizeof(recline));
}

static void
tick(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
}

/* run the event loop until cond() holds (NULL: never), at most secs */
static int
run_until(int (*cond)(void), double secs)
{
	struct timeval	tv = { 0, 10000 };
	int64_t		end = now_ns() + (int64_t)(secs * NSEC);

	while (cond == NULL || !cond()) {
		if (now_ns() >= end)
			return (cond == NULL ? 0 : -1);
		evtimer_add(&ev_tick, &tv);
		event_loop(EVLOOP_ONCE);
	}
	return (0);
}

/*
 * The target's processes: pid and its children, named by program.
 */
static void
procs_find(pid_t pid)
{
	struct dirent	*de;
	struct proc	*pr;
	DIR		*d;
	FILE		*fp;
	char		 path[64], buf[512], comm[32], *p;
	long		 ppid;
	pid_t		 p2;

	cur->nprocs = 0;
	if ((d = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(d)) != NULL && cur->nprocs < MAXPROCS) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		p2 = atoi(de->d_name);
		snprintf(path, sizeof(path), "/proc/%d/stat", p2);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), fp) == NULL ||
		    (p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 2, "%*c %ld", &ppid) != 1) {
			fclose(fp);
			continue;
		}
		fclose(fp);
		if (p2 != pid && ppid != pid)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", p2);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		if (fgets(comm, sizeof(comm), fp) == NULL)
			comm[0] = '\0';
		fclose(fp);
		comm[strcspn(comm, "\n")] = '\0';
		if (strncmp(comm, "pvgate-", 7) == 0)
			memmove(comm, comm + 7, strlen(comm + 7) + 1);
		if (strcmp(comm, "listene") == 0)
			strlcpy(comm, "listener", sizeof(comm));
		else if (strcmp(comm, "exporte") == 0)
			strlcpy(comm, "exporter", sizeof(comm));
		else if (strcmp(comm, "pvgated") == 0)
			strlcpy(comm, "parent", sizeof(comm));
		pr = &cur->procs[cur->nprocs++];
		strlcpy(pr->name, comm, sizeof(pr->name));
		pr->pid = p2;
	}
	closedir(d);
}

static void
procs_sample(void)
{
	struct proc	*pr;
	FILE		*fp;
	char		 path[64], buf[1024], *p;
	long long	 ut, stt;
	int		 i;

	for (i = 0; i < cur->nprocs; i++) {
		pr = &cur->procs[i];
		pr->ticks = pr->ns = pr->slices = -1;
		snprintf(path, sizeof(path), "/proc/%d/stat", pr->pid);
		if ((fp = fopen(path, "r")) != NULL) {
			if (fgets(buf, sizeof(buf), fp) != NULL &&
			    (p = strrchr(buf, ')')) != NULL &&
			    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u "
			    "%*u %*u %*u %lld %lld", &ut, &stt) == 2)
				pr->ticks = ut + stt;
			fclose(fp);
		}
		snprintf(path, sizeof(path), "/proc/%d/schedstat", pr->pid);
		if ((fp = fopen(path, "r")) != NULL) {
			if (fscanf(fp, "%lld %*s %lld", &pr->ns,
			    &pr->slices) != 2)
				pr->ns = pr->slices = -1;
			fclose(fp);
		}
	}
}

/* a "VmRSS:" style line of /proc/PID/status, in KiB */
static long long
proc_kib(pid_t pid, const char *key)
{
	FILE		*fp;
	char		 path[64], buf[256];
	long long	 v = -1;
	size_t		 klen = strlen(key);

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(buf, sizeof(buf), fp) != NULL)
		if (strncmp(buf, key, klen) == 0) {
			v = strtoll(buf + klen, NULL, 10);
			break;
		}
	fclose(fp);
	return (v);
}

/*
 * Latency histogram in microseconds: exact below 1024, then 512
 * buckets per power of two (0.2 %), up to hours.
 */
static int
hist_bucket(uint64_t us)
{
	int	e = 0;

	while ((us >> e) >= 1024)
		e++;
	if (e == 0)
		return ((int)us);
	return (1024 + (e - 1) * 512 + (int)((us >> e) - 512));
}

/* the largest value in bucket i, us */
static uint64_t
hist_value(int i)
{
	int	e;

	if (i < 1024)
		return (i);
	e = (i - 1024) / 512 + 1;
	return (((uint64_t)((i - 1024) % 512 + 512 + 1) << e) - 1);
}

static void
hist_reset(void)
{
	memset(hist, 0, HIST_N * sizeof(*hist));
	hist_n = 0;
	hist_max = 0;
}

static void
hist_add(int64_t ns)
{
	int	i;

	if (ns < 0)
		ns = 0;
	if (ns > hist_max)
		hist_max = ns;
	hist_n++;
	if ((i = hist_bucket(ns / 1000)) >= HIST_N)
		i = HIST_N - 1;
	hist[i]++;
}

/* the latency below which a fraction q of the replies came, in ms */
static double
hist_pct(double q)
{
	uint64_t	need, sum = 0;
	int		i;

	if (hist_n == 0)
		return (-1);
	need = (uint64_t)(q * hist_n + 0.5);
	if (need == 0)
		need = 1;
	for (i = 0; i < HIST_N; i++) {
		sum += hist[i];
		if (sum >= need)
			break;
	}
	/* the bucket's top, or the largest value seen if that is less */
	if (i < HIST_N && (int64_t)(hist_value(i) + 1) * 1000 < hist_max)
		return ((hist_value(i) + 1) / 1000.0);
	return (hist_max / 1e6);
}

/*
 * One blocking connection for compare(); returns the nrep replies to
 * one request, their length, or 0 if they did not all come within 3 s.
 */
static size_t
ask(int fd, const uint8_t *q, size_t qlen, int nrep, uint8_t *r,
    size_t rmax)
{
	struct pollfd	 pfd;
	const char	*why;
	size_t		 have = 0, done = 0, n;
	ssize_t		 k;

	if (write(fd, q, qlen) != (ssize_t)qlen)
		err(1, "compare: write");
	for (;;) {
		n = 0;
		while (nrep > 0 && have > done && rframe(r + done,
		    have - done, rmax, &n, &why) == FRAME_OK) {
			done += n;
			nrep--;
		}
		if (nrep == 0)
			return (done);
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 3000) <= 0 ||
		    (k = read(fd, r + have, rmax - have)) <= 0)
			return (0);
		have += k;
	}
}

static int
dial(const struct side *sd)
{
	int	fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (const struct sockaddr *)&sd->addr,
	    sizeof(sd->addr)) == -1)
		err(1, "connect %s", sd->name);
	return (fd);
}

/*
 * One request to the target and to the floor, one after the other:
 * both replies must be the same bytes.  They carry the clock, so a
 * pair that straddles a second is asked again.  A side that did not
 * answer within ask()'s 3 s may still send that answer later, where
 * the next ask() would take it for its own: that side is dialled
 * again.  1 if they agree.
 */
static int
compare_one(const struct side *gw, const struct side *floor, int *tfd,
    int *ffd, const char *name, const uint8_t *q, size_t qlen, int nrep)
{
	uint8_t		 a[BENCH_MAXFRAME], b[BENCH_MAXFRAME];
	size_t		 alen, blen, k;
	time_t		 t0;
	int		 try;

	for (try = 0; try < 3; try++) {
		t0 = bench_now();
		alen = ask(*tfd, q, qlen, nrep, a, sizeof(a));
		blen = ask(*ffd, q, qlen, nrep, b, sizeof(b));
		if (alen == 0) {
			close(*tfd);
			*tfd = dial(gw);
		}
		if (blen == 0) {
			close(*ffd);
			*ffd = dial(floor);
		}
		if (alen > 0 && blen > 0 && bench_now() == t0)
			break;
	}
	if (alen > 0 && alen == blen && memcmp(a, b, alen) == 0) {
		out("compare.%s identical %zu", name, alen);
		return (1);
	}
	/* the floor is the first side, the target the second */
	out("compare.%s differ", name);
	fprintf(stderr, "%s: %s", name, sides[1].name);
	for (k = 0; k < alen; k++)
		fprintf(stderr, " %02x", a[k]);
	fprintf(stderr, "\n%s: %s", name, sides[0].name);
	for (k = 0; k < blen; k++)
		fprintf(stderr, " %02x", b[k]);
	fprintf(stderr, "\n");
	return (0);
}

/* every sample, then the load's request, to both servers */
static void
compare(const struct side *gw, const struct side *floor)
{
	uint8_t		 q[BENCH_MAXFRAME];
	char		 path[PATH_MAX];
	const char	*name;
	size_t		 qlen, i;
	int		 tfd, ffd, same = 0, n = 0;

	tfd = dial(gw);
	ffd = dial(floor);
	for (i = 0; i < BENCH_MAXSAMPLE && bp->samples[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", vecdir, bp->samples[i]);
		qlen = bench_loadhex(path, q, sizeof(q));
		name = strrchr(bp->samples[i], '/');
		name = name != NULL ? name + 1 : bp->samples[i];
		n++;
		same += compare_one(gw, floor, &tfd, &ffd, name, q, qlen, 1);
	}
	n++;
	same += compare_one(gw, floor, &tfd, &ffd, "request", req, reqlen,
	    parts);
	close(tfd);
	close(ffd);
	out("compare %d/%d", same, n);
}

static uint64_t	rec_want;

static int
drained(void)
{
	return (cur->st.awaiting == 0 && nconnecting == 0 &&
	    (!cur->hasrec || records >= rec_want));
}

static int
records_in(void)
{
	return (!cur->hasrec || records >= rec_want);
}

/* the descriptors the target's listening process may hold */
static long long
target_nofile(void)
{
	FILE		*fp;
	char		 path[64], line[256];
	long long	 n, lim = maxconns;
	int		 i;

	for (i = 0; i < cur->nprocs; i++) {
		/* the decoder and exporter hold no device's socket */
		if (strcmp(cur->procs[i].name, "decoder") == 0 ||
		    strcmp(cur->procs[i].name, "exporter") == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/limits",
		    cur->procs[i].pid);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), fp) != NULL)
			if (strncmp(line, "Max open files", 14) == 0 &&
			    sscanf(line + 14, "%lld", &n) == 1 && n < lim)
				lim = n;
		fclose(fp);
	}
	return (lim);
}

/*
 * Idle connections: memory per connection at each count, then CPU and
 * wakeups over a quiet window with the largest count held.  "max" is
 * what the descriptor limits of both sides allow, in thousands.
 */
static void
phase_idle(const char *list, double secs)
{
	const char	*errstr;
	char		 buf[256], *s, *item;
	long long	 base[MAXPROCS], slices[MAXPROCS], kib;
	int		 i, n, held = 0;

	for (i = 0; i < cur->nprocs; i++)
		base[i] = proc_kib(cur->procs[i].pid, "VmRSS:");
	if (strlcpy(buf, list, sizeof(buf)) >= sizeof(buf))
		errx(1, "list too long");
	for (s = buf; (item = strsep(&s, ",")) != NULL; ) {
		if (strcmp(item, "max") == 0)
			n = (target_nofile() - 512) / 1000 * 1000;
		else if ((n = strtonum(item, 1, maxconns, &errstr)) == 0)
			errx(1, "connections %s: %s", item, errstr);
		rec_want = records + records_of((uint64_t)(n - nconns) *
		    parts);
		if (pool_resize(n, 1) == -1)
			warnx("idle: %d connections not all up", n);
		run_until(records_in, DRAIN_SECS);
		/* let the target finish what the last hello started; its
		 * decoder cuts the state of a connection quiet for 1-2 s */
		run_until(NULL, 3);
		held = pool_up();
		out("idle.%d.held %d", n, held);
		for (i = 0; i < cur->nprocs; i++) {
			kib = proc_kib(cur->procs[i].pid, "VmRSS:");
			out("idle.%d.kib.%s %lld", n, cur->procs[i].name, kib);
			if (held > 0)
				out("idle.%d.perconn.%s %lld", n,
				    cur->procs[i].name,
				    (kib - base[i]) * 1024 / held);
		}
	}

	/* quiet: nothing is sent; what does the target do? */
	mode = M_QUIET;
	procs_sample();
	for (i = 0; i < cur->nprocs; i++) {
		base[i] = cur->procs[i].ns;
		slices[i] = cur->procs[i].slices;
	}
	run_until(NULL, secs);
	procs_sample();
	out("idle.secs %.1f", secs);
	out("idle.conns %d", held);
	for (i = 0; i < cur->nprocs; i++) {
		out("idle.cpu_ms.%s %.3f", cur->procs[i].name,
		    (cur->procs[i].ns - base[i]) / 1e6);
		out("idle.wakeups.%s %lld", cur->procs[i].name,
		    cur->procs[i].slices - slices[i]);
	}
	pool_resize(0, 0);
	run_until(NULL, 1);
}

/* our own CPU time, s */
static double
self_cpu(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return (0);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
}

/* closed loop on n connections for secs; returns frames/s */
static double
phase_closed(int n, double secs)
{
	struct sample	 t0;
	int64_t		 start;
	int		 i;

	if (pool_resize(n, 0) == -1)
		warnx("closed: %d connections not all up", n);
	procs_sample();
	sample_take(&t0);
	hist_reset();
	start = now_ns();
	deadline = start + (int64_t)(secs * NSEC);
	mode = M_CLOSED;
	for (i = 0; i < nconns; i++)
		if (conns[i].state == C_UP)
			conn_send(&conns[i], start);
	run_until(NULL, secs);
	rec_want = t0.records + records_of(cur->st.sent - t0.sent);
	if (run_until(drained, DRAIN_SECS) == -1)
		warnx("closed %d: not drained", n);
	procs_sample();
	mode = M_QUIET;
	return (closed_report(n, start, &t0));
}

/* where a phase started from */
static void
sample_take(struct sample *t)
{
	int	i;

	for (i = 0; i < cur->nprocs; i++) {
		t->ticks[i] = cur->procs[i].ticks;
		t->slices[i] = cur->procs[i].slices;
	}
	t->sent = cur->st.sent;
	t->replies = cur->st.replies;
	t->records = records;
	t->self = self_cpu();
}

/* frames/s end to end, and CPU per 1,000 frames of every process */
static double
closed_report(int n, int64_t start, const struct sample *t0)
{
	struct proc	*pr;
	uint64_t	 frames = cur->st.replies - t0->replies;
	int64_t		 end = cur->st.last_reply;
	double		 el, fps, k, cpu, total = 0;
	int		 i;

	if (cur->hasrec && last_record > end)
		end = last_record;
	el = (end - start) / 1e9;
	fps = el > 0 ? frames / el : 0;
	k = frames > 0 ? 1000.0 / frames : 0;
	out("closed.%d.conns %d", n, pool_up());
	out("closed.%d.frames %llu", n, (unsigned long long)frames);
	out("closed.%d.secs %.3f", n, el);
	out("closed.%d.fps %.0f", n, fps);
	out("closed.%d.p50 %.3f", n, hist_pct(0.5));
	out("closed.%d.p99 %.3f", n, hist_pct(0.99));
	if (cur->hasrec) {
		out("closed.%d.records %llu", n,
		    (unsigned long long)(records - t0->records));
		out("closed.%d.lost %lld", n,
		    (long long)records_of(cur->st.sent - t0->sent) -
		    (long long)(records - t0->records));
	}
	for (i = 0; i < cur->nprocs; i++) {
		pr = &cur->procs[i];
		cpu = (double)(pr->ticks - t0->ticks[i]) /
		    sysconf(_SC_CLK_TCK);
		total += cpu;
		out("closed.%d.cpu.%s %.4f", n, pr->name, cpu * k);
		out("closed.%d.wakeups.%s %.3f", n, pr->name,
		    (pr->slices - t0->slices[i]) * k / 1000);
	}
	out("closed.%d.cpu.total %.4f", n, total * k);
	out("closed.%d.cpu.loadgen %.4f", n, (self_cpu() - t0->self) * k);
	return (fps);
}

/* open loop: rate frames/s over the connections, for secs */
static void
pace(int fd, short event, void *arg)
{
	struct lconn	*c = NULL;
	int64_t		 now = now_ns();
	uint64_t	 due;
	int		 tries;

	(void)fd;
	(void)event;
	(void)arg;
	if (nconns == 0)
		return;
	due = (uint64_t)((now - pace_start) / 1e9 * pace_rate);
	while (pace_sent + pace_skipped < due) {
		for (tries = 0; tries < nconns; tries++) {
			c = &conns[pace_next];
			pace_next = (pace_next + 1) % nconns;
			if (c->state == C_UP && c->out < RING)
				break;
		}
		if (tries == nconns) {
			pace_skipped += parts;
			continue;
		}
		conn_send(c, now);
		pace_sent += parts;
	}
}

static void
phase_open(const char *key, int n, double rate, double secs)
{
	struct timeval	 tv = { 0, 1000 };
	uint64_t	 sent0, rep0, rec0;
	int64_t		 start, end;
	double		 el;

	if (pool_resize(n, 0) == -1)
		warnx("%s: %d connections not all up", key, n);
	sent0 = cur->st.sent;
	rep0 = cur->st.replies;
	rec0 = records;
	hist_reset();
	mode = M_OPEN;
	pace_rate = rate;
	pace_sent = pace_skipped = 0;
	pace_next = 0;
	start = pace_start = now_ns();
	event_set(&ev_pace, -1, EV_PERSIST, pace, NULL);
	evtimer_add(&ev_pace, &tv);
	run_until(NULL, secs);
	evtimer_del(&ev_pace);
	rec_want = rec0 + records_of(cur->st.sent - sent0);
	if (run_until(drained, DRAIN_SECS) == -1)
		warnx("%s: not drained", key);
	mode = M_QUIET;
	end = cur->st.last_reply;
	if (cur->hasrec && last_record > end)
		end = last_record;
	el = (end - start) / 1e9;
	out("%s.conns %d", key, pool_up());
	out("%s.rate %.0f", key, rate);
	out("%s.fps %.0f", key, el > 0 ? (cur->st.replies - rep0) / el : 0);
	out("%s.skipped %llu", key, (unsigned long long)pace_skipped);
	out("%s.p50 %.3f", key, hist_pct(0.5));
	out("%s.p99 %.3f", key, hist_pct(0.99));
	out("%s.p999 %.3f", key, hist_pct(0.999));
	out("%s.max %.3f", key, hist_max / 1e6);
	if (cur->hasrec)
		out("%s.lost %lld", key, (long long)records_of(cur->st.sent -
		    sent0) - (long long)(records - rec0));
}

/*
 * Churn: close c, whose request is answered, and before the deadline
 * dial again from the next source address (spreading the TIME_WAIT of
 * our side over many addresses, as many ECUs would).
 */
static void
churn_next(struct lconn *c, int64_t now)
{
	event_del(&c->ev);
	close(c->fd);
	cur->st.awaiting -= inflight(c);
	c->state = C_FREE;
	if (now >= deadline)
		return;
	conn_start(c, churn_addr);
	churn_addr = (churn_addr + 1) % CHURN_ADDRS;
}

/* the descriptors a process holds */
static int
proc_fds(pid_t pid)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[64];
	int		 n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return (n);
}

static int
churn_done(void)
{
	return (nconnecting == 0 && cur->st.awaiting == 0 && pool_up() == 0 &&
	    (!cur->hasrec || records >= rec_want));
}

/*
 * Every count of clients on every side, taking turns at going first,
 * with each side's descriptors and memory before the first and after
 * the last.
 */
static void
churn_all(const char *list, double secs)
{
	char		 buf[256], *s, *item;
	long long	 kib0[MAXPROCS];
	int		 fds0[MAXPROCS];
	uint64_t	 total[2] = { 0, 0 };
	int		 i, j, k = 0, n;

	if (strlcpy(buf, list, sizeof(buf)) >= sizeof(buf))
		errx(1, "list too long");
	for (i = 0; i < nsides; i++) {
		cur = &sides[i];
		pool_resize(0, 0);
	}
	for (s = buf; (item = strsep(&s, ",")) != NULL; k++) {
		n = number(item, 1, CONNECTING_MAX);
		for (i = 0; i < nsides; i++) {
			cur = &sides[(i + k) % nsides];
			if (k == 0)
				for (j = 0; j < cur->nprocs; j++) {
					fds0[j] = proc_fds(cur->procs[j].pid);
					kib0[j] = proc_kib(cur->procs[j].pid,
					    "VmRSS:");
					out("churn.before.fds.%s %d",
					    cur->procs[j].name, fds0[j]);
					out("churn.before.kib.%s %lld",
					    cur->procs[j].name, kib0[j]);
				}
			phase_churn(n, secs);
			total[(i + k) % nsides] += churned;
		}
	}
	for (i = 0; i < nsides; i++) {
		cur = &sides[i];
		/* what closing left behind settles first */
		run_until(NULL, 0.5);
		out("churn.total %llu", (unsigned long long)total[i]);
		for (j = 0; j < cur->nprocs; j++) {
			out("churn.after.fds.%s %d", cur->procs[j].name,
			    proc_fds(cur->procs[j].pid));
			out("churn.after.kib.%s %lld", cur->procs[j].name,
			    proc_kib(cur->procs[j].pid, "VmRSS:"));
		}
	}
}

/* n clients churning for secs; returns connections/s */
static double
phase_churn(int n, double secs)
{
	struct proc	*pr;
	struct sample	 t0;
	int64_t		 start, end;
	uint64_t	 refused0 = cur->st.refused;
	double		 el, cps, k, cpu, total = 0;
	int		 i;

	pool_resize(0, 0);
	procs_sample();
	sample_take(&t0);
	hist_reset();
	churned = 0;
	start = now_ns();
	deadline = start + (int64_t)(secs * NSEC);
	mode = M_CHURN;
	nwant = n;
	pool_fill();
	run_until(NULL, secs);
	rec_want = t0.records + records_of(cur->st.sent - t0.sent);
	if (run_until(churn_done, DRAIN_SECS) == -1)
		warnx("churn %d: not drained", n);
	procs_sample();
	mode = M_QUIET;
	nconns = nwant = 0;
	end = cur->st.last_reply;
	if (cur->hasrec && last_record > end)
		end = last_record;
	el = (end - start) / 1e9;
	cps = el > 0 ? churned / el : 0;
	k = churned > 0 ? 1000.0 / churned : 0;
	out("churn.%d.conns %llu", n, (unsigned long long)churned);
	out("churn.%d.secs %.3f", n, el);
	out("churn.%d.cps %.0f", n, cps);
	out("churn.%d.refused %llu", n,
	    (unsigned long long)(cur->st.refused - refused0));
	out("churn.%d.p50 %.3f", n, hist_pct(0.5));
	out("churn.%d.p99 %.3f", n, hist_pct(0.99));
	if (cur->hasrec)
		out("churn.%d.lost %lld", n,
		    (long long)records_of(cur->st.sent - t0.sent) -
		    (long long)(records - t0.records));
	for (i = 0; i < cur->nprocs; i++) {
		pr = &cur->procs[i];
		cpu = (double)(pr->ticks - t0.ticks[i]) / sysconf(_SC_CLK_TCK);
		total += cpu;
		out("churn.%d.cpu.%s %.4f", n, pr->name, cpu * k);
		out("churn.%d.wakeups.%s %.3f", n, pr->name,
		    (pr->slices - t0.slices[i]) * k / 1000);
	}
	out("churn.%d.cpu.total %.4f", n, total * k);
	return (cps);
}
