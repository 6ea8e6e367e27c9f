/*
 * floor: the least a server can do and still answer like pvgated.  One
 * process, epoll, no privilege separation, no decoding: it cuts the
 * byte stream with the protocol's framer and writes the reply the
 * bench table builds for each frame.  What pvgated costs is measured
 * against this.  Linux only (epoll), as is the rest of make bench.
 */

#include "compat.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define NEVENTS		256
#define OUT_MAX		65536

struct fconn {
	int		 fd;
	uint8_t		*in;		/* a partial frame, if any */
	size_t		 inlen;
	uint8_t		*out;		/* unsent replies, if any */
	size_t		 outlen;
};

static const struct bench_proto	*bp;
static int			 ep;
static uint8_t			 scratch[65536];
static uint8_t			 replies[65536];

static __dead void	usage(void);
static void		floor_accept(int);
static void		floor_read(struct fconn *);
static int		floor_write(struct fconn *);
static size_t		floor_frames(struct fconn *, const uint8_t *,
			    size_t, int *);
static void		floor_send(struct fconn *, const uint8_t *, size_t);
static void		floor_close(struct fconn *);

static __dead void
usage(void)
{
	extern char	*__progname;

	fprintf(stderr, "usage: %s [-P protocol] -p port\n", __progname);
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct epoll_event	 evs[NEVENTS], ev;
	struct sockaddr_in	 sin;
	struct rlimit		 rl;
	const char		*errstr, *proto = "solarman-v5";
	int			 ch, i, n, s, on = 1, port = 0;

	while ((ch = getopt(argc, argv, "P:p:")) != -1) {
		switch (ch) {
		case 'P':
			proto = optarg;
			break;
		case 'p':
			port = strtonum(optarg, 1, 65535, &errstr);
			if (errstr != NULL)
				errx(1, "port %s: %s", optarg, errstr);
			break;
		default:
			usage();
		}
	}
	if (port == 0 || argc != optind)
		usage();
	if ((bp = bench_proto(proto)) == NULL)
		errx(1, "no bench entry for protocol %s", proto);

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);

	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		err(1, "socket");
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(1, "bind 127.0.0.1:%d", port);
	/* the backlog pvgated's parent uses */
	if (listen(s, 511) == -1)
		err(1, "listen");
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		err(1, "epoll_create1");
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) == -1)
		err(1, "epoll_ctl");

	for (;;) {
		if ((n = epoll_wait(ep, evs, NEVENTS, -1)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "epoll_wait");
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL)
				floor_accept(s);
			else if ((evs[i].events & EPOLLOUT) &&
			    floor_write(evs[i].data.ptr) == -1)
				continue;
			else if (evs[i].events & ~EPOLLOUT)
				floor_read(evs[i].data.ptr);
		}
	}
}

static void
floor_accept(int s)
{
	struct epoll_event	 ev;
	struct fconn		*c;
	int			 fd, on = 1;

	for (;;) {
		fd = accept4(s, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				warn("accept");
			return;
		}
		/* as the listener does */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on));
		if ((c = calloc(1, sizeof(*c))) == NULL)
			err(1, NULL);
		c->fd = fd;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
			err(1, "epoll_ctl");
	}
}

static void
floor_read(struct fconn *c)
{
	const uint8_t	*data;
	size_t		 total, used, left;
	ssize_t		 n;
	int		 closed = 0;

	if (c->in != NULL) {
		n = read(c->fd, c->in + c->inlen, BENCH_MAXFRAME - c->inlen);
		data = c->in;
		total = c->inlen + (n > 0 ? n : 0);
	} else {
		n = read(c->fd, scratch, sizeof(scratch));
		data = scratch;
		total = n > 0 ? n : 0;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		floor_close(c);
		return;
	}
	used = floor_frames(c, data, total, &closed);
	if (closed)
		return;
	left = total - used;
	if (left == 0) {
		free(c->in);
		c->in = NULL;
		c->inlen = 0;
		return;
	}
	if (left >= BENCH_MAXFRAME) {
		floor_close(c);
		return;
	}
	if (data == c->in)
		memmove(c->in, c->in + used, left);
	else {
		if ((c->in = malloc(BENCH_MAXFRAME)) == NULL)
			err(1, NULL);
		memcpy(c->in, data + used, left);
	}
	c->inlen = left;
}

/* answer every whole frame; one write for all of them */
static size_t
floor_frames(struct fconn *c, const uint8_t *data, size_t total,
    int *closed)
{
	const char	*why;
	time_t		 now = bench_now();
	size_t		 off = 0, n, rlen = 0;

	while (off < total) {
		n = 0;
		switch (bp->frame(data + off, total - off, BENCH_MAXFRAME,
		    &n, &why)) {
		case FRAME_MORE:
			goto out;
		case FRAME_OK:
			if (sizeof(replies) - rlen < BENCH_MAXFRAME) {
				floor_send(c, replies, rlen);
				rlen = 0;
			}
			rlen += bp->answer(data + off, n, replies + rlen,
			    sizeof(replies) - rlen, now);
			off += n;
			break;
		case FRAME_SKIP:
			off += n;
			break;
		default:
			floor_close(c);
			*closed = 1;
			return (total);
		}
	}
 out:
	if (rlen > 0)
		floor_send(c, replies, rlen);
	return (off);
}

static void
floor_send(struct fconn *c, const uint8_t *buf, size_t len)
{
	struct epoll_event	ev;
	ssize_t			n = 0;

	if (c->outlen == 0 && (n = write(c->fd, buf, len)) == -1) {
		if (errno != EAGAIN && errno != EINTR)
			return;
		n = 0;
	}
	buf += n;
	len -= n;
	if (len == 0)
		return;
	if (c->outlen + len > OUT_MAX)
		errx(1, "a client does not read its replies");
	if ((c->out = realloc(c->out, c->outlen + len)) == NULL)
		err(1, NULL);
	memcpy(c->out + c->outlen, buf, len);
	c->outlen += len;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.ptr = c;
	(void)epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* -1 if the connection is gone */
static int
floor_write(struct fconn *c)
{
	struct epoll_event	ev;
	ssize_t			n;

	if ((n = write(c->fd, c->out, c->outlen)) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return (0);
		floor_close(c);
		return (-1);
	}
	memmove(c->out, c->out + n, c->outlen - n);
	c->outlen -= n;
	if (c->outlen > 0)
		return (0);
	free(c->out);
	c->out = NULL;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	(void)epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
	return (0);
}

static void
floor_close(struct fconn *c)
{
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}
