/*
 * Device connections: accept, read, frame, write replies, limits.
 */

#include "compat.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#ifdef HAVE_SO_ORIGINAL_DST
#include <linux/netfilter_ipv4.h>
#endif

#include <errno.h>
#include <event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"
#include "util.h"

#define ACCEPT_BATCH	64
#define OUT_MAX		65536	/* unsent reply bytes per connection */
#define IN_MIN		512	/* a partial frame's first buffer */
#define TRIM_MIN	64	/* connections gone: trim the heap */
#define TALLY_PERIOD	10	/* seconds */
#define CHUNK_MAX	(PVGATE_IMSG_PAYLOAD - sizeof(struct pv_frame))

static uint8_t	scratch[65536];

static int	conn_cmp(struct conn *, struct conn *);
static int	peer_cmp(struct peer_count *, struct peer_count *);
static void	conn_read(int, short, void *);
static void	conn_write(int, short, void *);
static size_t	conn_frames(struct conn *, const uint8_t *, size_t, int *);
static void	conn_send(struct conn *, int, const uint8_t *, size_t,
		    const char *, const struct timespec *);
static void	conn_leftover(struct conn *, const char *);
static void	conn_grow(struct conn *, size_t);
static int	conn_evict(void);
static void	conn_noread(struct conn *);
static void	conn_trim(int, short, void *);
static const struct timeval *conn_idle(const struct event *);

RB_GENERATE(conn_tree, conn, entry, conn_cmp);
RB_GENERATE(peer_tree, peer_count, entry, peer_cmp);

static int
conn_cmp(struct conn *a, struct conn *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}

static int
peer_cmp(struct peer_count *a, struct peer_count *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* say it once per interval, not once per event */
static int
ratelimit(time_t *last)
{
	time_t	now = pv_monotime();

	if (now - *last < 10 && *last != 0)
		return 0;
	*last = now;
	return 1;
}

/*
 * Refusals and closes the listener decides on, counted: the first of
 * an interval is said with its details, the rest in one line once the
 * interval is over.
 */
enum tally_kind { T_FULL, T_PEER, T_EVICT, T_NOREAD, T_MAX };
static struct tally {
	const char	*what;
	uint64_t	 n, said;
	time_t		 last;
} tallies[T_MAX] = {
	{ "connections refused (max_connections)", 0, 0, 0 },
	{ "connections refused (max_per_address)", 0, 0, 0 },
	{ "connections without a frame closed for room (max_connections)",
	    0, 0, 0 },
	{ "connections closed: their replies were not read", 0, 0, 0 },
};
static struct event	ev_tally;
static int		tally_armed;

static void
tally_report(int fd, short event, void *arg)
{
	struct tally	*ty;
	time_t		 now = pv_monotime();

	(void)fd;
	(void)event;
	(void)arg;
	tally_armed = 0;
	for (ty = tallies; ty < tallies + T_MAX; ty++) {
		if (ty->n == ty->said)
			continue;
		log_warnx("%llu more %s in the last %d s",
		    (unsigned long long)(ty->n - ty->said), ty->what,
		    TALLY_PERIOD);
		ty->said = ty->n;
		ty->last = now;
	}
}

/* count one of kind; 1 if it is to be said now, with its details */
static int
tally(enum tally_kind kind)
{
	struct tally	*ty = &tallies[kind];
	struct timeval	 tv = { TALLY_PERIOD, 0 };
	time_t		 now = pv_monotime();

	ty->n++;
	if (ty->last == 0 || now - ty->last >= TALLY_PERIOD) {
		/* the last period's rest, if its timer has not said it */
		if (ty->n - 1 > ty->said)
			log_warnx("%llu more %s in the last %d s",
			    (unsigned long long)(ty->n - 1 - ty->said),
			    ty->what, TALLY_PERIOD);
		ty->last = now;
		ty->said = ty->n;
		return 1;
	}
	if (!tally_armed) {
		evtimer_set(&ev_tally, tally_report, NULL);
		evtimer_add(&ev_tally, &tv);
		tally_armed = 1;
	}
	return 0;
}

static void
accept_resume(int fd, short event, void *arg)
{
	int	i;

	(void)fd;
	(void)event;
	(void)arg;
	if (env->draining)
		return;
	for (i = 0; i < env->nsock; i++)
		event_add(&env->ev_accept[i], NULL);
	env->accepting = 1;
}

/* out of descriptors: stop accepting for a second */
static void
accept_pause(void)
{
	static time_t	last;
	struct timeval	tv = { 1, 0 };
	int		i;

	if (ratelimit(&last))
		log_warnx("out of descriptors: not accepting for a second");
	for (i = 0; i < env->nsock; i++)
		event_del(&env->ev_accept[i]);
	env->accepting = 0;
	evtimer_set(&env->ev_pause, accept_resume, NULL);
	evtimer_add(&env->ev_pause, &tv);
}

/*
 * A listening socket, before its first accept: the address it is bound
 * to, if it is one address (then every connection it accepts has that
 * one: there is no IP_TRANSPARENT on it), and TCP_NODELAY, which the
 * connections it accepts may inherit (Linux and OpenBSD copy it).
 */
void
conn_listen(struct lsock *ls, int fd)
{
	static const uint8_t	 any[sizeof(ls->addr.addr)];
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	int			 on = 1;

	memset(ls, 0, sizeof(*ls));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		pv_addr_set(&ls->addr, (struct sockaddr *)&ss);
		if (memcmp(ls->addr.addr, any, sizeof(any)) == 0)
			ls->addr.family = 0;
	}
	ls->nodelay = NODELAY_UNKNOWN;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1)
		ls->nodelay = NODELAY_SET;
}

/*
 * Replies go out as soon as they are written.  The first connection a
 * socket accepts tells whether they inherit TCP_NODELAY; only if not
 * is it set on each.
 */
static void
conn_nodelay(int fd, struct lsock *ls)
{
	socklen_t	len;
	int		on;

	if (ls->nodelay == NODELAY_UNKNOWN) {
		on = 0;
		len = sizeof(on);
		if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) == 0 &&
		    on != 0)
			ls->nodelay = NODELAY_INHERITED;
		else
			ls->nodelay = NODELAY_SET;
	}
	on = 1;
	if (ls->nodelay == NODELAY_SET)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on));
}

/*
 * Where the device meant to go: the original destination after a
 * REDIRECT (that one is asked of every connection, any socket may have
 * been the target of one), else the connection's own address, which is
 * the socket's if it is bound to one.
 */
static void
conn_dst(int fd, struct conn *c, const struct lsock *ls)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);

#ifdef HAVE_SO_ORIGINAL_DST
	if (c->peer.family == AF_INET &&
	    getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &ss, &len) == 0) {
		pv_addr_set(&c->dst, (struct sockaddr *)&ss);
		return;
	}
	len = sizeof(ss);
	if (c->peer.family == AF_INET6 &&
	    getsockopt(fd, SOL_IPV6, SO_ORIGINAL_DST, &ss, &len) == 0) {
		pv_addr_set(&c->dst, (struct sockaddr *)&ss);
		return;
	}
	len = sizeof(ss);
#endif
	if (ls->addr.family != 0) {
		c->dst = ls->addr;
		return;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		pv_addr_set(&c->dst, (struct sockaddr *)&ss);
}

static struct peer_count *
peer_get(const struct pv_addr *a)
{
	struct peer_count	 key, *pc;

	memset(&key, 0, sizeof(key));
	key.family = a->family;
	memcpy(key.addr, a->addr, sizeof(key.addr));
	if ((pc = RB_FIND(peer_tree, &env->peers, &key)) != NULL)
		return pc;
	if ((pc = calloc(1, sizeof(*pc))) == NULL)
		fatal(NULL);
	*pc = key;
	RB_INSERT(peer_tree, &env->peers, pc);
	return pc;
}

static void
peer_put(struct peer_count *pc)
{
	if (--pc->n == 0) {
		RB_REMOVE(peer_tree, &env->peers, pc);
		free(pc);
	}
}

/* no allow_from: every address; else one of its networks */
static int
conn_allowed(const struct pv_addr *peer)
{
	const struct pvconf	*conf = env->conf;
	int			 i;

	if (conf->nallow == 0)
		return 1;
	for (i = 0; i < conf->nallow; i++)
		if (pv_cidr_match(&conf->allow[i], peer))
			return 1;
	return 0;
}

static void
conn_new(int fd, const struct sockaddr_storage *ss, struct lsock *ls)
{
	static time_t		 last_addr;
	static uint64_t		 said_addr;
	struct pv_gateconf	*g = &env->conf->gate;
	struct pv_addr		 peer;
	struct peer_count	*pc;
	struct conn		*c;
	char			 buf[64];

	pv_addr_set(&peer, (const struct sockaddr *)ss);
	if (!conn_allowed(&peer)) {
		/* closed before a byte is read */
		env->stats.refused[REFUSE_ALLOW_FROM]++;
		if (ratelimit(&last_addr)) {
			pv_addr_str(&peer, buf, sizeof(buf));
			log_warnx("%s is not in allow_from: refused (%llu "
			    "refused since the last report)", buf,
			    (unsigned long long)(env->stats.refused[REFUSE_ALLOW_FROM] -
			    said_addr));
			said_addr = env->stats.refused[REFUSE_ALLOW_FROM];
		}
		close(fd);
		return;
	}
	if (env->nconns >= g->max_connections && conn_evict() == -1) {
		env->stats.refused[REFUSE_MAX_CONNECTIONS]++;
		if (tally(T_FULL))
			log_warnx("%u connections: refusing more "
			    "(max_connections)", env->nconns);
		close(fd);
		return;
	}
	pc = peer_get(&peer);
	if (pc->n >= g->max_per_address) {
		env->stats.refused[REFUSE_MAX_PER_ADDRESS]++;
		if (tally(T_PEER)) {
			pv_addr_str(&peer, buf, sizeof(buf));
			log_warnx("%s has %u connections: refusing more "
			    "(max_per_address)", buf, pc->n);
		}
		close(fd);
		return;
	}
	pc->n++;
	conn_nodelay(fd, ls);
	c = conn_add(fd, &peer, env->proto, NULL);
	c->pc = pc;
	conn_dst(fd, c, ls);
	if (log_getverbose() > 1) {
		pv_addr_str(&peer, buf, sizeof(buf));
		log_debug("connection %llx from %s",
		    (unsigned long long)c->id, buf);
	}
	/*
	 * A device speaks first, often before it is accepted: its frame
	 * is read now, in the pass that accepted it, and goes to the
	 * decoder with whatever else the pass sends (the close of the
	 * connection before it), not one pass later on its own.
	 */
	if (!env->paused)
		conn_read(fd, EV_READ, c);
}

/*
 * The idle timeout every connection's read event has: one of
 * libevent's common timeouts, a queue in which each event is put back
 * at the tail when it runs, so that 19,000 connections cost no heap
 * of timeouts (8 bytes each, and log n steps whenever one reads).
 * The plain timeout if libevent has no room for another (a reload
 * that changes idle_timeout makes one more).
 */
static const struct timeval *
conn_idle(const struct event *ev)
{
	static const struct timeval	*common;
	static struct timeval		 tv;

	if (common == NULL || tv.tv_sec != env->conf->gate.idle_timeout) {
		tv.tv_sec = env->conf->gate.idle_timeout;
		tv.tv_usec = 0;
		common = event_base_init_common_timeout(event_get_base(ev),
		    &tv);
	}
	return (common != NULL ? common : &tv);
}

/* a connection, accepted or dialled, from now on read and framed */
struct conn *
conn_add(int fd, const struct pv_addr *peer, const struct proto *proto,
    struct target *t)
{
	struct timespec	 now;
	struct conn	*c;
	int		 on = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal(NULL);
	c->fd = fd;
	c->peer = *peer;
	c->dst = *peer;
	c->proto = proto;
	c->target = t;
	c->id = ((uint64_t)env->instance << 32) | ++env->next_id;
	imsgev_clock(&now);
	c->start = now.tv_sec;
	env->stats.accepted++;
	/* an accepted one has it from its listening socket */
	if (t != NULL)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on));
	RB_INSERT(conn_tree, &env->conns, c);
	if (t == NULL) {
		TAILQ_INSERT_TAIL(&env->unframed, c, unframed_entry);
		c->unframed = 1;
	}
	if (++env->nconns > env->trim_peak)
		env->trim_peak = env->nconns;
	event_set(&c->ev, fd, EV_READ | EV_PERSIST, conn_read, c);
	event_add(&c->ev, conn_idle(&c->ev));
	return c;
}

void
conn_accept(int fd, short event, void *arg)
{
	struct sockaddr_storage	 ss;
	struct lsock		*ls = arg;
	socklen_t		 len;
	int			 i, s;

	(void)event;
	for (i = 0; i < ACCEPT_BATCH; i++) {
		len = sizeof(ss);
		s = accept4(fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (s == -1) {
			switch (errno) {
			case EINTR:
			case ECONNABORTED:
				continue;
			case EAGAIN:
#if EWOULDBLOCK != EAGAIN
			case EWOULDBLOCK:
#endif
				return;
			case EMFILE:
			case ENFILE:
				accept_pause();
				return;
			default:
				log_warn("accept");
				return;
			}
		}
		conn_new(s, &ss, ls);
	}
}

static void
conn_read(int fd, short event, void *arg)
{
	struct conn	*c = arg;
	const uint8_t	*data;
	size_t		 max = env->conf->gate.max_frame, total, used, left;
	ssize_t		 n;
	int		 closed = 0;

	if (event & EV_TIMEOUT) {
		conn_leftover(c, "truncated frame: idle timeout");
		conn_close(c, CLOSE_IDLE, "idle timeout");
		return;
	}
	if (env->paused) {
		/* backpressure: read it once the decoder caught up */
		event_del(&c->ev);
		TAILQ_INSERT_TAIL(&env->parked, c, park);
		c->parked = 1;
		return;
	}
	if (c->in != NULL) {
		if (c->inlen == c->incap)
			conn_grow(c, c->incap * 2);
		n = read(fd, c->in + c->inlen, c->incap - c->inlen);
		data = c->in;
		total = c->inlen + (n > 0 ? n : 0);
	} else {
		n = read(fd, scratch, sizeof(scratch));
		data = scratch;
		total = n > 0 ? n : 0;
	}
	if (n == 0) {
		conn_leftover(c, "truncated frame: closed by peer");
		conn_close(c, CLOSE_PEER, "closed by peer");
		return;
	}
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		conn_leftover(c, "truncated frame: read error");
		conn_close(c, CLOSE_ERROR, strerror(errno));
		return;
	}

	env->stats.bytes += n;
	c->rxbytes += n;
	used = conn_frames(c, data, total, &closed);
	if (closed)
		return;
	left = total - used;
	if (left == 0) {
		free(c->in);
		c->in = NULL;
		c->inlen = 0;
		return;
	}
	if (left >= max) {
		/* a framer that waits for more than max: never fill up */
		conn_send(c, IMSG_GARBAGE, data + used, left,
		    "frame exceeds max_frame", NULL);
		conn_close(c, CLOSE_MAX_FRAME, "frame exceeds max_frame");
		return;
	}
	if (data == c->in)
		memmove(c->in, c->in + used, left);
	else {
		conn_grow(c, left);
		memcpy(c->in, data + used, left);
	}
	c->inlen = left;
}

/*
 * Room for a partial frame of want bytes, at most max_frame: a buffer
 * as large as the frame so far, not as large as any frame may be, so
 * that a byte from each of many connections costs little.
 */
static void
conn_grow(struct conn *c, size_t want)
{
	size_t	 max = env->conf->gate.max_frame;
	uint8_t	*p;

	if (want < IN_MIN)
		want = IN_MIN;
	if (want > max)
		want = max;
	if (c->in != NULL && want <= c->incap)
		return;
	if ((p = realloc(c->in, want)) == NULL)
		fatal(NULL);
	c->in = p;
	c->incap = want;
}

/* the start of a frame that will never be complete: dump it */
static void
conn_leftover(struct conn *c, const char *why)
{
	if (c->in != NULL && c->inlen > 0)
		conn_send(c, IMSG_GARBAGE, c->in, c->inlen, why, NULL);
}

/* cut frames off data; returns the bytes used */
static size_t
conn_frames(struct conn *c, const uint8_t *data, size_t total, int *closed)
{
	struct timespec	 now;
	const char	*why;
	size_t		 off = 0, n, max = env->conf->gate.max_frame;

	imsgev_clock(&now);
	while (off < total) {
		n = 0;
		why = NULL;
		switch (c->proto->frame(data + off, total - off, max, &n,
		    &why)) {
		case FRAME_MORE:
			return off;
		case FRAME_OK:
			if (n == 0 || n > total - off || n > max)
				fatalx("%s framer: bad frame length %zu",
				    c->proto->name, n);
			conn_send(c, IMSG_FRAME, data + off, n, NULL, &now);
			env->stats.frames++;
			c->frames++;
			c->gotframe = 1;
			if (c->unframed) {
				TAILQ_REMOVE(&env->unframed, c,
				    unframed_entry);
				c->unframed = 0;
			}
			off += n;
			break;
		case FRAME_SKIP:
			if (n == 0 || n > total - off)
				fatalx("%s framer: bad skip length %zu",
				    c->proto->name, n);
			conn_send(c, IMSG_GARBAGE, data + off, n, why, &now);
			off += n;
			break;
		case FRAME_CLOSE:
			conn_send(c, IMSG_GARBAGE, data + off, total - off,
			    why, &now);
			conn_close(c, CLOSE_FRAMING,
			    why ? why : "framing error");
			*closed = 1;
			return total;
		default:
			fatalx("%s framer: bad verdict", c->proto->name);
		}
	}
	listener_backpressure();
	return off;
}

/* a frame, or skipped bytes in chunks the imsg channel can carry */
static void
conn_send(struct conn *c, int type, const uint8_t *data, size_t len,
    const char *why, const struct timespec *ts)
{
	struct pv_frame	 f;
	struct iovec	 iov[2];
	struct timespec	 now;
	size_t		 n;

	if (ts == NULL) {
		imsgev_clock(&now);
		ts = &now;
	}
	memset(&f, 0, sizeof(f));
	f.conn = c->id;
	f.rx_sec = ts->tv_sec;
	f.rx_nsec = ts->tv_nsec;
	f.proto = c->proto->id;
	f.listen_port = c->target != NULL ? c->peer.port :
	    env->conf->listen.port;
	f.peer = c->peer;
	f.dst = c->dst;
	if (why != NULL)
		strlcpy(f.reason, why, sizeof(f.reason));
	if (type == IMSG_GARBAGE)
		env->stats.garbage++;
	do {
		n = len < CHUNK_MAX ? len : CHUNK_MAX;
		iov[0].iov_base = &f;
		iov[0].iov_len = sizeof(f);
		iov[1].iov_base = (void *)(uintptr_t)data;
		iov[1].iov_len = n;
		if (imsg_composev(&env->iev_decoder.ibuf, type, 0, 0, -1, iov,
		    2) == -1)
			fatal("%s: imsg_composev", __func__);
		data += n;
		len -= n;
	} while (len > 0);
	imsg_event_add(&env->iev_decoder);
}

static void
conn_write(int fd, short event, void *arg)
{
	struct conn	*c = arg;
	ssize_t		 n;

	(void)event;
	n = write(fd, c->out, c->outlen);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		conn_close(c, CLOSE_ERROR, strerror(errno));
		return;
	}
	memmove(c->out, c->out + n, c->outlen - n);
	c->outlen -= n;
	if (c->outlen > 0)
		return;
	free(c->out);
	c->out = NULL;
	event_del(c->wev);
	free(c->wev);
	c->wev = NULL;
	if (c->closing)
		conn_close(c, CLOSE_DECODER, "closed by decoder");
}

static struct conn *
conn_byid(uint64_t id)
{
	struct conn	key;

	key.id = id;
	return RB_FIND(conn_tree, &env->conns, &key);
}

/* more than OUT_MAX bytes of replies wait: the device does not read */
static void
conn_noread(struct conn *c)
{
	char	buf[64];

	if (tally(T_NOREAD)) {
		pv_addr_str(&c->peer, buf, sizeof(buf));
		log_warnx("%s does not read its replies: closed (%d bytes "
		    "unsent)", buf, OUT_MAX);
	}
	conn_close(c, CLOSE_REPLIES, "device does not read its replies");
}

/*
 * Bytes for c: written now if nothing waits before them, else queued
 * behind what does.  -1 if that closed c.
 */
static int
conn_out(struct conn *c, const uint8_t *buf, size_t len)
{
	ssize_t	n = 0;

	if (c->outlen == 0 && len > 0) {
		if ((n = write(c->fd, buf, len)) == -1) {
			if (errno != EAGAIN && errno != EINTR) {
				conn_close(c, CLOSE_ERROR, strerror(errno));
				return -1;
			}
			n = 0;
		}
		buf += n;
		len -= n;
	}
	if (len == 0)
		return 0;
	if (c->outlen + len > OUT_MAX) {
		conn_noread(c);
		return -1;
	}
	if ((c->out = realloc(c->out, c->outlen + len)) == NULL)
		fatal(NULL);
	memcpy(c->out + c->outlen, buf, len);
	c->outlen += len;
	if (c->wev == NULL) {
		if ((c->wev = calloc(1, sizeof(*c->wev))) == NULL)
			fatal(NULL);
		event_set(c->wev, c->fd, EV_WRITE | EV_PERSIST, conn_write, c);
		event_add(c->wev, NULL);
	}
	return 0;
}

/*
 * Replies to one connection that follow each other in what was read
 * from the decoder (a hoymiles DTU's upload comes in two packages, each
 * answered) go out in one write: gathered here until a reply for
 * another connection, any other message from the decoder, or the end
 * of what was read (conn_reply_flush()).  Never later than the loop
 * pass that read them.
 */
static struct conn	*gather_c;
static size_t		 gather_len;
static uint8_t		 gather[16384];

/* write what was gathered; -1 if that closed its connection */
int
conn_reply_flush(void)
{
	struct conn	*c = gather_c;
	size_t		 len = gather_len;

	gather_c = NULL;
	gather_len = 0;
	if (c == NULL || len == 0)
		return 0;
	return conn_out(c, gather, len);
}

/* the decoder's answer to a frame */
void
conn_reply(uint64_t id, uint32_t flags, const uint8_t *buf, size_t len)
{
	struct conn	*c;

	if ((c = gather_c) == NULL || c->id != id) {
		(void)conn_reply_flush();
		c = conn_byid(id);
	}
	if (c == NULL) {
		env->stats.replies_lost++;
		log_debug("reply for closed connection %llx",
		    (unsigned long long)id);
		return;
	}
	if (len > 0) {
		env->stats.replies++;
		env->stats.reply_bytes += len;
		c->txbytes += len;
		if (c->outlen > 0 || len > sizeof(gather)) {
			/* blocked, or too big to gather: behind the rest */
			if (conn_reply_flush() == -1 ||
			    conn_out(c, buf, len) == -1)
				return;
		} else {
			if (gather_len + len > sizeof(gather) &&
			    conn_reply_flush() == -1)
				return;
			memcpy(gather + gather_len, buf, len);
			gather_len += len;
			gather_c = c;
		}
	}
	if (flags & PV_REPLY_CLOSE) {
		if (conn_reply_flush() == -1)
			return;
		c->closing = 1;
		if (c->outlen == 0)
			conn_close(c, CLOSE_DECODER, "closed by decoder");
	}
}

/*
 * The decoder closes a connection, or hangs up a dialled one that has
 * done its exchange: that one is dialled again when the decoder says,
 * even if it had closed already.
 */
void
conn_kill(const struct pv_reply *r)
{
	struct conn	*c;
	int		 hangup = r->flags & PV_REPLY_REDIAL;

	if ((c = conn_byid(r->conn)) == NULL) {
		if (hangup)
			connector_redial(r->conn, r->redial);
		return;
	}
	if (hangup && c->target != NULL) {
		connector_hangup(c->target, r->redial);
		conn_close(c, CLOSE_HANGUP, "hung up by decoder");
		return;
	}
	conn_close(c, CLOSE_DECODER, "closed by decoder");
}

void
conn_close(struct conn *c, int reason, const char *why)
{
	struct pv_conn_close	cc;

	env->stats.closed[reason]++;
	if (c == gather_c) {
		/* its replies die with it */
		gather_c = NULL;
		gather_len = 0;
	}
	memset(&cc, 0, sizeof(cc));
	cc.conn = c->id;
	strlcpy(cc.reason, why, sizeof(cc.reason));
	if (imsg_compose_event(&env->iev_decoder, IMSG_CONN_CLOSE, 0, 0, -1,
	    &cc, sizeof(cc)) == -1)
		fatal("%s: imsg_compose", __func__);
	if (log_getverbose() > 1)
		log_debug("connection %llx closed: %s",
		    (unsigned long long)c->id, why);
	event_del(&c->ev);
	if (c->parked)
		TAILQ_REMOVE(&env->parked, c, park);
	if (c->unframed)
		TAILQ_REMOVE(&env->unframed, c, unframed_entry);
	if (c->wev != NULL) {
		event_del(c->wev);
		free(c->wev);
	}
	close(c->fd);
	if (c->pc != NULL)
		peer_put(c->pc);
	RB_REMOVE(conn_tree, &env->conns, c);
	env->nconns--;
	if (c->target != NULL)
		connector_closed(c->target, why);
	free(c->in);
	free(c->out);
	free(c);
	if (env->trim_peak - env->nconns >= TRIM_MIN ||
	    (env->nconns == 0 && env->trim_peak > 0))
		conn_trim_soon();
}

/* memory was freed in bulk: the heap is trimmed in a second, once */
void
conn_trim_soon(void)
{
	struct timeval	tv = { 1, 0 };

	if (env->trim_armed)
		return;
	evtimer_set(&env->ev_trim, conn_trim, NULL);
	evtimer_add(&env->ev_trim, &tv);
	env->trim_armed = 1;
}

/* a burst of connections is gone: their memory goes back too */
static void
conn_trim(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	pv_heap_trim();
	env->trim_armed = 0;
	env->trim_peak = env->nconns;
}

/*
 * max_connections reached: make room by closing the connection that
 * has waited longest without sending a whole frame; -1 if every one
 * has sent one.  Devices that talk keep their place, whoever holds
 * sockets open without talking loses it.
 */
static int
conn_evict(void)
{
	struct conn	*c;

	if ((c = TAILQ_FIRST(&env->unframed)) == NULL)
		return -1;
	if (tally(T_EVICT))
		log_warnx("%u connections: closing the oldest without a "
		    "frame (max_connections)", env->nconns);
	conn_close(c, CLOSE_ROOM, "no frame yet, room needed (max_connections)");
	return 0;
}

void
conn_pause_all(void)
{
	struct conn	*c;

	RB_FOREACH(c, conn_tree, &env->conns)
		event_del(&c->ev);
}

/*
 * The connections parked while paused had bytes waiting: read them,
 * first parked first, and put them back in the loop.  If that fills
 * the queue again, the rest stay parked, costing nothing until the
 * next resume.
 */
void
conn_resume_all(void)
{
	struct conn	*c;

	while (!env->paused && (c = TAILQ_FIRST(&env->parked)) != NULL) {
		TAILQ_REMOVE(&env->parked, c, park);
		c->parked = 0;
		event_add(&c->ev, conn_idle(&c->ev));
		conn_read(c->fd, EV_READ, c);
	}
}

/* last chance for queued replies; sockets are non-blocking */
void
conn_flush_all(void)
{
	struct conn	*c;

	RB_FOREACH(c, conn_tree, &env->conns)
		if (c->outlen > 0 && write(c->fd, c->out, c->outlen) == -1)
			log_debug("connection %llx: last reply lost",
			    (unsigned long long)c->id);
}

void
conn_close_all(int reason, const char *why)
{
	struct conn	*c, *next;

	RB_FOREACH_SAFE(c, conn_tree, &env->conns, next)
		conn_close(c, reason, why);
}
