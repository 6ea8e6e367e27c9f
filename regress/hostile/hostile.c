/*
 * hostile: attack waves against a running pvgated over loopback, for
 * regress/hostile/run.sh.  One wave per run, spread over the targets
 * (PROTO:PORT[:FILE], the FILE a frame in hex that the protocol
 * answers), every connection from an address of its own range
 * (-s FIRST, -a COUNT addresses) so that per-address limits apply as
 * they would to a network full of strangers.  Epoll, non-blocking,
 * thousands of sockets at once (-c).
 *
 *	random	   -n connections of random bytes (1 to 2048, one in
 *		   four starting with the protocol's magic), each closed
 *		   after -d ms, half of them with a reset
 *	slowloris  -n connections at once, each sending the start of a
 *		   frame one byte every -i ms for -d ms
 *	maxlen	   -n connections at once, each announcing a frame of
 *		   the largest length (-m, the gateway's max_frame) and
 *		   sending all of it but its last byte, held -d ms
 *	noread	   -n connections that send FILE as fast as the gateway
 *		   takes it and never read a reply (a 4 KiB receive
 *		   buffer); the gateway must close them within -d ms
 *	halfopen   -n connections sending half a frame, then half of
 *		   them shut down their sending side (the gateway must
 *		   close within -d ms), half reset
 *	flood	   -n connections at once, held -d ms: more than the
 *		   gateway takes; counts those it closes unasked
 *
 * The result is one line of "key=value" words on stdout.
 */

#include "compat.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "regress/integration/simlib.h"

#define MAXTARGETS	16
#define MAXFILE		4096
#define RANDMAX		2048
#define NEVENTS		256
#define RCVBUF_NOREAD	4096

enum wave { W_RANDOM, W_SLOWLORIS, W_MAXLEN, W_NOREAD, W_HALFOPEN,
	W_FLOOD };
static const char *const wave_names[] = { "random", "slowloris", "maxlen",
	"noread", "halfopen", "flood", NULL };

struct target {
	const char	*proto;
	int		 port;
	uint8_t		 file[MAXFILE];	/* a frame it answers, if any */
	size_t		 filelen;
	uint8_t		*hdr;		/* the largest frame, but one byte */
	size_t		 hdrlen;
};

enum cstate { C_FREE, C_CONNECTING, C_OPEN, C_DONE };

struct hconn {
	int		 fd;
	enum cstate	 state;
	struct target	*t;
	long long	 deadline;	/* ms, monotonic */
	long long	 next;		/* ms: next slow byte */
	size_t		 off;		/* bytes of hdr or file sent */
	int		 gone;		/* the gateway closed it */
};

static struct target	 targets[MAXTARGETS];
static int		 ntargets;
static struct hconn	*conns;
static int		 nconns, ep;
static enum wave	 wave;
static long		 hold_ms = 1000, interval_ms = 2000;
static size_t		 max_frame = 4096;
static struct in_addr	 src_first;
static unsigned int	 src_count = 1;

static struct {
	unsigned long	 made, failed, closed, refused, reset, bytes;
} st;

static __dead void	 usage(void);
static long long	 now_ms(void);
static void		 target_parse(struct target *, char *);
static void		 hdr_build(struct target *);
static int		 conn_open(struct hconn *, int);
static void		 conn_end(struct hconn *, int);
static void		 conn_event(struct hconn *, uint32_t);
static void		 conn_watch(struct hconn *, uint32_t);
static void		 conn_tick(struct hconn *, long long);
static void		 conn_send(struct hconn *);
static void		 run(int, int);

static __dead void
usage(void)
{
	fprintf(stderr, "usage: hostile -w wave [-a count] [-c concurrent] "
	    "[-d ms] [-i ms] [-m max_frame]\n"
	    "               [-n connections] [-s address] "
	    "proto:port[:file] ...\n");
	exit(2);
}

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
target_parse(struct target *t, char *arg)
{
	const char	*errstr;
	char		*port, *file;

	if ((port = strchr(arg, ':')) == NULL)
		usage();
	*port++ = '\0';
	if ((file = strchr(port, ':')) != NULL)
		*file++ = '\0';
	t->proto = arg;
	t->port = strtonum(port, 1, 65535, &errstr);
	if (errstr != NULL)
		errx(2, "port %s: %s", port, errstr);
	if (file != NULL)
		t->filelen = sim_load_hex(file, t->file, sizeof(t->file));
	hdr_build(t);
}

/*
 * The start of a frame of the largest length the gateway takes, in
 * every protocol's own framing: its length field says max_frame bytes
 * in all, and all of them but the last follow.
 */
static void
hdr_build(struct target *t)
{
	size_t	 m = max_frame, i;
	uint8_t	*h;

	if (m < 64 || m > 65535)
		errx(2, "max_frame %zu out of range", m);
	if ((h = malloc(m)) == NULL)
		err(1, NULL);
	for (i = 0; i < m; i++)
		h[i] = '0' + i % 10;
	if (strcmp(t->proto, "solarman-v5") == 0) {
		h[0] = 0xa5;
		h[1] = (m - 13) & 0xff;
		h[2] = (m - 13) >> 8;
		h[3] = 0x10;
		h[4] = 0x42;
	} else if (strcmp(t->proto, "tsun-gen3") == 0) {
		h[0] = (m - 4) >> 24;
		h[1] = (m - 4) >> 16;
		h[2] = (m - 4) >> 8;
		h[3] = (m - 4) & 0xff;
		h[4] = 16;
		memcpy(h + 5, "R170000000000001", 16);
		h[21] = 0x91;
		h[22] = 0x04;
	} else if (strcmp(t->proto, "apsystems-ecu") == 0) {
		/* the length field counts all but the line feed */
		memcpy(h, "APS18", 5);
		snprintf((char *)h + 5, 6, "%05zu", m - 1);
		h[10] = '0';
	} else if (strcmp(t->proto, "alphaess") == 0) {
		h[0] = 0x01;
		h[1] = 0x01;
		h[2] = 16;
		h[3] = 0;
		h[4] = 0;
		h[5] = (m - 9) >> 8;
		h[6] = (m - 9) & 0xff;
	} else if (strcmp(t->proto, "hoymiles") == 0) {
		memcpy(h, "HM\x22\x02\x00\x01\x00\x00", 8);
		h[8] = m >> 8;
		h[9] = m & 0xff;
	} else if (strcmp(t->proto, "capture") != 0)
		errx(2, "unknown protocol %s", t->proto);
	t->hdr = h;
	t->hdrlen = m - 1;
}

/* c: the i-th connection of the wave; -1 if none could be made */
static int
conn_open(struct hconn *c, int i)
{
	struct sockaddr_in	 sin;
	struct epoll_event	 ev;
	int			 s, on = 1, rcv = RCVBUF_NOREAD;

	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1) {
		st.failed++;
		return (-1);
	}
	(void)setsockopt(s, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on,
	    sizeof(on));
	if (wave == W_NOREAD)
		(void)setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(ntohl(src_first.s_addr) +
	    (uint32_t)(i % src_count));
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(1, "bind %s", inet_ntoa(sin.sin_addr));
	c->t = &targets[i % ntargets];
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(c->t->port);
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS) {
		close(s);
		st.failed++;
		return (-1);
	}
	c->fd = s;
	c->state = C_CONNECTING;
	c->off = 0;
	c->gone = 0;
	c->deadline = now_ms() + hold_ms + 5000;	/* to connect */
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
	ev.data.ptr = c;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) == -1)
		err(1, "epoll_ctl");
	return (0);
}

static void
conn_watch(struct hconn *c, uint32_t events)
{
	struct epoll_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = c;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) == -1)
		err(1, "epoll_ctl");
}

/* our side closes; reset: with a RST instead of a FIN */
static void
conn_end(struct hconn *c, int reset)
{
	struct linger	l = { 1, 0 };

	if (reset) {
		(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		st.reset++;
	}
	close(c->fd);
	c->fd = -1;
	c->state = C_DONE;
}

/* what this wave sends once connected */
static void
conn_send(struct hconn *c)
{
	uint8_t		 buf[RANDMAX];
	struct target	*t = c->t;
	ssize_t		 n = 0;
	size_t		 len, i;

	switch (wave) {
	case W_RANDOM:
		len = 1 + arc4random_uniform(RANDMAX);
		for (i = 0; i < len; i++)
			buf[i] = arc4random();
		if (arc4random_uniform(4) == 0)
			memcpy(buf, t->hdr, len < 3 ? len : 3);
		n = write(c->fd, buf, len);
		break;
	case W_SLOWLORIS:
		if (c->off < t->hdrlen)
			n = write(c->fd, t->hdr + c->off, 1);
		c->next = now_ms() + interval_ms;
		break;
	case W_MAXLEN:
		n = write(c->fd, t->hdr + c->off, t->hdrlen - c->off);
		break;
	case W_HALFOPEN:
		n = write(c->fd, t->hdr, t->hdrlen / 2);
		break;
	case W_NOREAD:
		if (t->filelen == 0)
			errx(2, "%s: noread needs a frame file", t->proto);
		while ((n = write(c->fd, t->file + c->off,
		    t->filelen - c->off)) > 0) {
			st.bytes += n;
			c->off = (c->off + n) % t->filelen;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR) {
			c->gone = 1;
			st.closed++;
			conn_end(c, 0);
		}
		return;
	case W_FLOOD:
		return;
	}
	if (n > 0) {
		st.bytes += n;
		c->off += n;
	}
}

static void
conn_event(struct hconn *c, uint32_t events)
{
	uint8_t		buf[4096];
	ssize_t		n;
	int		e = 0;
	socklen_t	len = sizeof(e);

	if (c->state == C_CONNECTING) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1 ||
		    e != 0) {
			st.failed++;
			conn_end(c, 0);
			return;
		}
		st.made++;
		c->state = C_OPEN;
		c->deadline = now_ms() + hold_ms;
		if (wave != W_NOREAD)
			conn_watch(c, EPOLLIN | EPOLLRDHUP);
		conn_send(c);
		if (c->state != C_OPEN)
			return;
		if (wave == W_HALFOPEN && (c - conns) % 2 == 1) {
			conn_end(c, 1);
			return;
		}
		if (wave == W_HALFOPEN)
			(void)shutdown(c->fd, SHUT_WR);
	} else if (wave == W_NOREAD && (events & EPOLLOUT))
		conn_send(c);
	if (c->state != C_OPEN)
		return;
	if (wave != W_NOREAD && (events & EPOLLIN)) {
		while ((n = read(c->fd, buf, sizeof(buf))) > 0)
			;
		if (n == 0 || (n == -1 && errno != EAGAIN)) {
			c->gone = 1;
			st.closed++;
			conn_end(c, 0);
			return;
		}
	}
	if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		c->gone = 1;
		st.closed++;
		conn_end(c, 0);
	}
}

static void
conn_tick(struct hconn *c, long long now)
{
	if (c->state != C_OPEN && c->state != C_CONNECTING)
		return;
	if (now >= c->deadline) {
		if (c->state == C_CONNECTING)
			st.failed++;
		conn_end(c, wave == W_RANDOM && (c - conns) % 2 == 0);
		return;
	}
	if (wave == W_SLOWLORIS && c->state == C_OPEN && now >= c->next)
		conn_send(c);
}

/*
 * total connections, at most concurrent at once; the flood and the
 * held waves open them all before any is let go.
 */
static void
run(int total, int concurrent)
{
	struct epoll_event	 evs[NEVENTS];
	long long		 now;
	int			 opened = 0, live, i, n;

	for (;;) {
		live = 0;
		now = now_ms();
		for (i = 0; i < nconns; i++) {
			conn_tick(&conns[i], now);
			if (conns[i].state == C_OPEN ||
			    conns[i].state == C_CONNECTING)
				live++;
			else if (opened < total && live < concurrent &&
			    conn_open(&conns[i], opened++) == 0)
				live++;
		}
		if (live == 0 && opened >= total)
			break;
		n = epoll_wait(ep, evs, NEVENTS, 10);
		for (i = 0; i < n; i++)
			conn_event(evs[i].data.ptr, evs[i].events);
	}
	/* the gateway's refusals: closed unasked right after connecting */
	if (wave == W_FLOOD)
		st.refused = st.closed;
}

int
main(int argc, char *argv[])
{
	struct rlimit	 rl;
	const char	*errstr;
	int		 ch, i, total = 100, concurrent = 0;

	inet_pton(AF_INET, "127.1.0.1", &src_first);
	while ((ch = getopt(argc, argv, "a:c:d:i:m:n:s:w:")) != -1) {
		switch (ch) {
		case 'a':
			src_count = strtonum(optarg, 1, 65536, &errstr);
			if (errstr != NULL)
				errx(2, "-a %s: %s", optarg, errstr);
			break;
		case 'c':
			concurrent = strtonum(optarg, 1, 19000, &errstr);
			if (errstr != NULL)
				errx(2, "-c %s: %s", optarg, errstr);
			break;
		case 'd':
			hold_ms = strtonum(optarg, 1, 3600000, &errstr);
			if (errstr != NULL)
				errx(2, "-d %s: %s", optarg, errstr);
			break;
		case 'i':
			interval_ms = strtonum(optarg, 1, 600000, &errstr);
			if (errstr != NULL)
				errx(2, "-i %s: %s", optarg, errstr);
			break;
		case 'm':
			max_frame = strtonum(optarg, 64, 65535, &errstr);
			if (errstr != NULL)
				errx(2, "-m %s: %s", optarg, errstr);
			break;
		case 'n':
			total = strtonum(optarg, 1, 1000000, &errstr);
			if (errstr != NULL)
				errx(2, "-n %s: %s", optarg, errstr);
			break;
		case 's':
			if (inet_pton(AF_INET, optarg, &src_first) != 1)
				errx(2, "-s %s: not an address", optarg);
			break;
		case 'w':
			for (i = 0; wave_names[i] != NULL; i++)
				if (strcmp(optarg, wave_names[i]) == 0)
					break;
			if (wave_names[i] == NULL)
				usage();
			wave = i;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > MAXTARGETS)
		usage();
	for (i = 0; i < argc; i++)
		target_parse(&targets[ntargets++], argv[i]);
	if (concurrent == 0 || wave != W_RANDOM)
		concurrent = total < 19000 ? total : 19000;
	nconns = concurrent;
	if ((conns = calloc(nconns, sizeof(*conns))) == NULL)
		err(1, NULL);
	rl.rlim_cur = rl.rlim_max = nconns + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(1, "setrlimit %d descriptors", nconns + 64);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		err(1, "epoll_create1");
	signal(SIGPIPE, SIG_IGN);
	run(total, concurrent);
	printf("wave=%s made=%lu failed=%lu closed_by_gateway=%lu "
	    "refused=%lu reset=%lu bytes=%lu\n", wave_names[wave], st.made,
	    st.failed, st.closed, st.refused, st.reset, st.bytes);
	return (0);
}
