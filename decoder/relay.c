/*
 * The cloud relay, in the decoder: for every device connection of a
 * protocol with a cloud, one upstream connection that the connector
 * dials.  What the device sends goes upstream unchanged and in order,
 * and is decoded as ever; the answer the protocol gives meanwhile is
 * held back.  What the cloud sends is judged by the protocol's
 * firewall (cloud.c): what passes goes to the device, and a cloud
 * answer discards the held answer of the same key; what is blocked is
 * dumped, counted and exported as an event, and the held answer goes
 * to the device in its place.
 *
 * A held answer that the cloud has not matched within cloud_timeout,
 * a dial that fails, an upstream connection that closes with answers
 * outstanding: the cloud is lost.  The held answers go to the device,
 * late but within the deadline, and the protocol's cloud is tried
 * again after a backoff (1 s, doubling to BACKOFF_MAX), meanwhile the
 * gateway answers alone.  The cloud is back once it sends a frame that
 * parses.  Both switches are logged once, counted and exported.
 *
 * A connection that sends faster than a cloud answers (more than
 * RELAY_MAXHELD answers outstanding, RELAY_QUEUEMAX bytes while its
 * upstream is dialled) is a flood, not the cloud's fault: that
 * connection alone is relayed no more and gets the gateway's answers,
 * the other devices keep their cloud.
 *
 * Nor is a stranger's silence the cloud's fault: a cloud leaves
 * unanswered (or closes on) the frames of a device it does not know.
 * So an answer that does not come, or a close with answers outstanding,
 * loses the cloud only for a connection the cloud has answered, or of a
 * device (by its name, else its address) the cloud has answered since
 * the gateway started: one of the RELAY_KNOWN last it answered.  Any
 * other connection alone is relayed no more.  Until the cloud has
 * answered anyone, nothing tells a stranger from a device, and a
 * silence loses the cloud as ever.
 */

#include "compat.h"

#include <sys/queue.h>
#include <sys/tree.h>

#include <event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud.h"
#include "decoder.h"
#include "imsgev.h"
#include "log.h"
#include "util.h"

#define BACKOFF_MAX	300		/* seconds */
#define RELAY_MAXHELD	32		/* answers held per connection */
#define RELAY_QUEUEMAX	(64 * 1024)	/* device bytes while dialling */
#define RELAY_KNOWN	64		/* devices the cloud answered */

enum { R_NONE, R_DIALLING, R_UP };

/* an answer of ours, held until the cloud's comes */
struct held {
	TAILQ_ENTRY(held)	 entry;
	uint32_t		 key;
	struct timespec		 due;	/* CLOCK_MONOTONIC */
	size_t			 len;
	uint8_t			*buf;
};

struct relay {
	RB_ENTRY(relay)		 by_up;
	RB_ENTRY(relay)		 by_tag;
	uint64_t		 dev;	/* the device connection */
	uint64_t		 up;	/* the upstream one, while R_UP */
	uint64_t		 tag;	/* of the dial, while R_DIALLING */
	struct lchan		*l;	/* the device's listener */
	const struct cloud_proto *cp;
	uint16_t		 proto;
	int			 state;
	const char		*claim;	/* the device's name, once known */
	const char		*peer;
	TAILQ_HEAD(, held)	 held;
	int			 nheld;
	struct held		*cur;	/* answers to the frame at hand */
	int			 holding;
	uint32_t		 curkey;
	uint8_t			*queue;	/* device bytes, while dialling */
	size_t			 qlen;
	struct event		 timer;	/* the first held answer's due */
	int			 alone;	/* relayed no more: a flood */
	int			 answered; /* the cloud has answered it */
};

/* an upstream connection let go, until the connector says it is gone */
struct gone {
	RB_ENTRY(gone)		 entry;
	uint64_t		 id;
};

/* a protocol's cloud */
struct cloud {
	int			 lost;
	time_t			 retry;		/* not before */
	unsigned int		 backoff;	/* seconds */
	uint64_t		 relayed, blocked, losses, returns;
	/* the devices it answered, the last RELAY_KNOWN: a ring */
	char			 known[RELAY_KNOWN][PV_NAMELEN];
	int			 nknown, nextknown;
};

RB_HEAD(relay_up, relay);
RB_HEAD(relay_tag, relay);
RB_HEAD(relay_gone, gone);

int	relay_up_cmp(struct relay *, struct relay *);
int	relay_tag_cmp(struct relay *, struct relay *);
int	relay_gone_cmp(struct gone *, struct gone *);

RB_PROTOTYPE(relay_up, relay, by_up, relay_up_cmp);
RB_PROTOTYPE(relay_tag, relay, by_tag, relay_tag_cmp);
RB_PROTOTYPE(relay_gone, gone, entry, relay_gone_cmp);
RB_GENERATE(relay_up, relay, by_up, relay_up_cmp);
RB_GENERATE(relay_tag, relay, by_tag, relay_tag_cmp);
RB_GENERATE(relay_gone, gone, entry, relay_gone_cmp);

static struct lchan		*connector;
static const struct pvconf	*conf;
static struct relay_up		 ups = RB_INITIALIZER(&ups);
static struct relay_tag		 tags = RB_INITIALIZER(&tags);
static struct relay_gone	 gones = RB_INITIALIZER(&gones);
static struct cloud		 clouds[PROTO_MAX];
static uint64_t			 next_tag;

static void	relay_dial(struct relay *, uint16_t);
static void	relay_lose(struct relay *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static void	relay_letgo(struct relay *);
static void	relay_end(struct relay *, char *, size_t, const char *,
		    va_list) __attribute__((__format__ (printf, 4, 0)));
static void	relay_alone(struct relay *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static void	relay_unanswered(struct relay *, const char *);
static void	relay_name(const struct relay *, char *, size_t);
static int	relay_known(const struct relay *);
static void	relay_answered(struct relay *);
static void	relay_arm(struct relay *);
static void	relay_due(int, short, void *);
static void	relay_back(struct relay *);
static void	relay_judge(struct relay *, const struct pv_frame *,
		    const uint8_t *, size_t);
static void	relay_block(struct relay *, const struct pv_frame *,
		    const uint8_t *, size_t, const struct cloud_verdict *);
static void	relay_event(const struct relay *, const char *, const char *,
		    const char *, uint64_t);
static struct held *relay_match(struct relay *, const struct cloud_verdict *);
static void	held_free(struct relay *, struct held *, int);

int
relay_up_cmp(struct relay *a, struct relay *b)
{
	return (a->up < b->up ? -1 : a->up > b->up);
}

int
relay_tag_cmp(struct relay *a, struct relay *b)
{
	return (a->tag < b->tag ? -1 : a->tag > b->tag);
}

int
relay_gone_cmp(struct gone *a, struct gone *b)
{
	return (a->id < b->id ? -1 : a->id > b->id);
}

/* the connector's channel: it dials the clouds */
void
relay_init(struct lchan *l)
{
	int	i;

	connector = l;
	for (i = 0; i < PROTO_MAX; i++)
		clouds[i].backoff = 1;
}

void
relay_configure(const struct pvconf *nconf)
{
	conf = nconf;
}

/* a new device connection: relayed if its protocol has a cloud */
struct relay *
relay_new(struct lchan *l, uint64_t dev, const struct proto *pr,
    const char *claim, const char *peer)
{
	const struct cloud_proto	*cp;
	struct relay			*r;

	if (connector == NULL || conf == NULL ||
	    conf->proto[pr->id].cloud.family == 0 ||
	    (cp = cloud_byid(pr->id)) == NULL)
		return (NULL);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatal(NULL);
	r->dev = dev;
	r->l = l;
	r->cp = cp;
	r->proto = pr->id;
	r->claim = claim;
	r->peer = peer;
	TAILQ_INIT(&r->held);
	evtimer_set(&r->timer, relay_due, r);
	return (r);
}

/* the device connection is gone: so is its upstream */
void
relay_free(struct relay *r)
{
	struct held	*h;

	if (r == NULL)
		return;
	while ((h = TAILQ_FIRST(&r->held)) != NULL)
		held_free(r, h, 0);
	free(r->cur != NULL ? r->cur->buf : NULL);
	free(r->cur);
	relay_letgo(r);
	evtimer_del(&r->timer);
	free(r);
}

/* dial the cloud at port, or at the cloud's own if it has one */
static void
relay_dial(struct relay *r, uint16_t port)
{
	struct pv_relay	rl;

	memset(&rl, 0, sizeof(rl));
	r->tag = ++next_tag;
	rl.tag = r->tag;
	rl.proto = r->proto;
	rl.port = conf->proto[r->proto].cloud.port != 0 ?
	    conf->proto[r->proto].cloud.port : port;
	r->state = R_DIALLING;
	RB_INSERT(relay_tag, &tags, r);
	decoder_compose(connector, IMSG_RELAY_DIAL, &rl, sizeof(rl));
}

/*
 * A frame of the device, before the protocol decodes it: upstream, or
 * queued while the cloud is dialled, and the protocol's answers to it
 * held.  A connection without an upstream dials one, if its cloud may
 * be tried; while the cloud is lost the answers are the gateway's.
 */
void
relay_device_begin(struct relay *r, const struct pv_frame *f,
    const uint8_t *buf, size_t len)
{
	struct cloud	*c = &clouds[r->proto];

	if (r->state == R_NONE && !r->alone &&
	    (!c->lost || time(NULL) >= c->retry))
		relay_dial(r, f->listen_port);
	r->holding = r->state != R_NONE;
	r->curkey = r->cp->key(buf, len);
	if (r->state == R_UP)
		decoder_send(connector, r->up, buf, len);
	else if (r->state == R_DIALLING) {
		if (r->qlen + len > RELAY_QUEUEMAX) {
			relay_alone(r, "%zu bytes sent while its cloud was "
			    "dialled", r->qlen + len);
			r->holding = 0;
			return;
		}
		if ((r->queue = realloc(r->queue, r->qlen + len)) == NULL)
			fatal(NULL);
		memcpy(r->queue + r->qlen, buf, len);
		r->qlen += len;
	}
}

/* an answer of the protocol while it decodes: held, if holding */
int
relay_hold(struct relay *r, const uint8_t *buf, size_t len)
{
	struct held	*h;

	if (r == NULL || !r->holding)
		return (0);
	if ((h = r->cur) == NULL) {
		if ((h = r->cur = calloc(1, sizeof(*h))) == NULL)
			fatal(NULL);
		h->key = r->curkey;
	}
	if ((h->buf = realloc(h->buf, h->len + len)) == NULL)
		fatal(NULL);
	memcpy(h->buf + h->len, buf, len);
	h->len += len;
	return (1);
}

/* the frame is decoded: what the protocol answered waits its due */
void
relay_device_end(struct relay *r)
{
	struct held	*h = r->cur;
	unsigned int	 ms = conf->proto[r->proto].cloud_timeout;

	r->holding = 0;
	r->cur = NULL;
	if (h == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &h->due);
	h->due.tv_sec += ms / 1000;
	h->due.tv_nsec += (long)(ms % 1000) * 1000000;
	if (h->due.tv_nsec >= 1000000000) {
		h->due.tv_sec++;
		h->due.tv_nsec -= 1000000000;
	}
	TAILQ_INSERT_TAIL(&r->held, h, entry);
	if (++r->nheld > RELAY_MAXHELD) {
		relay_alone(r, "%d answers outstanding", r->nheld);
		return;
	}
	relay_arm(r);
}

/* a held answer leaves: to the device (send), or discarded */
static void
held_free(struct relay *r, struct held *h, int send)
{
	TAILQ_REMOVE(&r->held, h, entry);
	r->nheld--;
	if (send)
		decoder_send(r->l, r->dev, h->buf, h->len);
	free(h->buf);
	free(h);
}

/* the device's connection closes on our side: its answers go first */
void
relay_flush(struct relay *r)
{
	struct held	*h;

	if (r == NULL)
		return;
	while ((h = TAILQ_FIRST(&r->held)) != NULL)
		held_free(r, h, 1);
	evtimer_del(&r->timer);
}

/* the timer for the first held answer's due */
static void
relay_arm(struct relay *r)
{
	struct held	*h;
	struct timespec	 now, d;
	struct timeval	 tv;

	evtimer_del(&r->timer);
	if ((h = TAILQ_FIRST(&r->held)) == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	d.tv_sec = h->due.tv_sec - now.tv_sec;
	d.tv_nsec = h->due.tv_nsec - now.tv_nsec;
	if (d.tv_nsec < 0) {
		d.tv_sec--;
		d.tv_nsec += 1000000000;
	}
	if (d.tv_sec < 0)
		d.tv_sec = d.tv_nsec = 0;
	tv.tv_sec = d.tv_sec;
	tv.tv_usec = d.tv_nsec / 1000;
	evtimer_add(&r->timer, &tv);
}

static void
relay_due(int fd, short event, void *arg)
{
	struct relay	*r = arg;
	char		 why[PV_REASONLEN];

	(void)fd;
	(void)event;
	(void)snprintf(why, sizeof(why), "no answer within %u ms",
	    conf->proto[r->proto].cloud_timeout);
	relay_unanswered(r, why);
}

/* the upstream connection, or the dial, is let go */
static void
relay_letgo(struct relay *r)
{
	struct gone	*g;
	struct pv_reply	 k;

	if (r->state == R_DIALLING)
		RB_REMOVE(relay_tag, &tags, r);
	if (r->state == R_UP) {
		RB_REMOVE(relay_up, &ups, r);
		memset(&k, 0, sizeof(k));
		k.conn = r->up;
		k.flags = PV_REPLY_CLOSE;
		decoder_compose(connector, IMSG_CONN_KILL, &k, sizeof(k));
		if ((g = calloc(1, sizeof(*g))) == NULL)
			fatal(NULL);
		g->id = r->up;
		if (RB_INSERT(relay_gone, &gones, g) != NULL)
			free(g);
	}
	free(r->queue);
	r->queue = NULL;
	r->qlen = 0;
	r->state = R_NONE;
	r->up = r->tag = 0;
}

/*
 * This connection's relaying ends, for the reason fmt says (into why):
 * its held answers go to it now and its upstream goes.
 */
static void
relay_end(struct relay *r, char *why, size_t len, const char *fmt,
    va_list ap)
{
	if (vsnprintf(why, len, fmt, ap) < 0)
		why[0] = '\0';
	relay_flush(r);
	relay_letgo(r);
}

/*
 * This connection floods its cloud, or its cloud does not know it: it
 * alone is relayed no more, its held answers go to it now and its
 * upstream goes; the protocol's cloud stays as it is.  Said in bursts:
 * a flood of such connections must not flood the log.
 */
static void
relay_alone(struct relay *r, const char *fmt, ...)
{
	static struct burst	 b = { "connections relayed no more", 0, 0, 0,
				    NULL };
	char			 why[PV_REASONLEN];
	va_list			 ap;

	va_start(ap, fmt);
	relay_end(r, why, sizeof(why), fmt, ap);
	va_end(ap);
	r->alone = 1;
	if (burst_say(&b))
		log_warnx("%s: %s relayed no more (%s): the gateway "
		    "answers it", proto_byid(r->proto)->name,
		    r->peer != NULL ? r->peer : "a connection", why);
}

/*
 * The cloud left this connection's frame unanswered, or closed on it:
 * lost, if it answered this connection or its device before (or no one
 * yet); else a stranger to it, relayed no more.
 */
static void
relay_unanswered(struct relay *r, const char *why)
{
	if (r->answered || relay_known(r) || clouds[r->proto].nknown == 0)
		relay_lose(r, "%s", why);
	else
		relay_alone(r, "its cloud never answered it: %s", why);
}

/* who the cloud answers: the device's name, else the peer's address */
static void
relay_name(const struct relay *r, char *buf, size_t len)
{
	char	*colon;

	if (r->claim != NULL && r->claim[0] != '\0') {
		strlcpy(buf, r->claim, len);
		return;
	}
	strlcpy(buf, r->peer != NULL ? r->peer : "", len);
	if ((colon = strrchr(buf, ':')) != NULL)
		*colon = '\0';		/* the port goes */
}

/* has the cloud answered this connection's device before? */
static int
relay_known(const struct relay *r)
{
	const struct cloud	*c = &clouds[r->proto];
	char			 name[PV_NAMELEN];
	int			 i;

	relay_name(r, name, sizeof(name));
	for (i = 0; i < c->nknown; i++)
		if (strcmp(c->known[i], name) == 0)
			return (1);
	return (0);
}

/* the cloud answers this connection: it, and its device, are known */
static void
relay_answered(struct relay *r)
{
	struct cloud	*c = &clouds[r->proto];

	if (r->answered)
		return;
	r->answered = 1;
	if (relay_known(r))
		return;
	relay_name(r, c->known[c->nextknown], sizeof(c->known[0]));
	c->nextknown = (c->nextknown + 1) % RELAY_KNOWN;
	if (c->nknown < RELAY_KNOWN)
		c->nknown++;
}

/*
 * The cloud is lost for this connection: the held answers go to the
 * device now, the upstream goes, and the protocol's cloud is tried
 * again after the backoff.  Said once, when it was not lost before.
 */
static void
relay_lose(struct relay *r, const char *fmt, ...)
{
	struct cloud	*c = &clouds[r->proto];
	char		 why[PV_REASONLEN], addr[64];
	va_list		 ap;

	va_start(ap, fmt);
	relay_end(r, why, sizeof(why), fmt, ap);
	va_end(ap);
	c->retry = time(NULL) + c->backoff;
	if (!c->lost) {
		c->lost = 1;
		c->losses++;
		pv_addr_str(&conf->proto[r->proto].cloud, addr, sizeof(addr));
		log_warnx("%s: cloud %s lost (%s): the gateway answers the "
		    "devices, and dials again in %u s", proto_byid(r->proto)->
		    name, addr, why, c->backoff);
		relay_event(r, "cloud_lost", NULL, why, c->losses);
	} else
		log_debug("%s: cloud still lost (%s), again in %u s",
		    proto_byid(r->proto)->name, why, c->backoff);
	c->backoff = c->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX :
	    c->backoff * 2;
}

/* the cloud sent a frame that parses: it is there */
static void
relay_back(struct relay *r)
{
	struct cloud	*c = &clouds[r->proto];
	char		 addr[64];

	c->backoff = 1;
	if (!c->lost)
		return;
	c->lost = 0;
	c->returns++;
	pv_addr_str(&conf->proto[r->proto].cloud, addr, sizeof(addr));
	log_info("%s: cloud %s is back: relaying", proto_byid(r->proto)->name,
	    addr);
	relay_event(r, "cloud_back", NULL, "the cloud answers again",
	    c->returns);
}

/* for pvgatectl: relayed, blocked, lost, back (which 0 .. 3) */
uint64_t
relay_count(int proto, int which)
{
	const struct cloud	*c;

	if (proto <= 0 || proto >= PROTO_MAX)
		return (0);
	c = &clouds[proto];
	switch (which) {
	case 0:
		return (c->relayed);
	case 1:
		return (c->blocked);
	case 2:
		return (c->losses);
	default:
		return (c->returns);
	}
}

/* the connector's answer to a dial */
void
relay_answer(struct imsg *imsg, int up)
{
	struct pv_relay	 rl;
	struct relay	 key, *r;
	struct pv_reply	 k;

	if (imsg_get_data(imsg, &rl, sizeof(rl)) == -1)
		fatalx("%s: IMSG_RELAY_%s wrong length: %zu", __func__,
		    up ? "UP" : "FAIL", imsg_get_len(imsg));
	rl.reason[sizeof(rl.reason) - 1] = '\0';
	key.tag = rl.tag;
	if ((r = RB_FIND(relay_tag, &tags, &key)) == NULL) {
		/* given up meanwhile: let the connection go */
		if (up) {
			memset(&k, 0, sizeof(k));
			k.conn = rl.conn;
			k.flags = PV_REPLY_CLOSE;
			decoder_compose(connector, IMSG_CONN_KILL, &k,
			    sizeof(k));
		}
		return;
	}
	if (!up) {
		relay_lose(r, "%s", rl.reason);
		return;
	}
	RB_REMOVE(relay_tag, &tags, r);
	r->tag = 0;
	r->up = rl.conn;
	r->state = R_UP;
	if (RB_INSERT(relay_up, &ups, r) != NULL)
		fatalx("%s: upstream %llx twice", __func__,
		    (unsigned long long)rl.conn);
	if (r->qlen > 0)
		decoder_send(connector, r->up, r->queue, r->qlen);
	free(r->queue);
	r->queue = NULL;
	r->qlen = 0;
}

/*
 * A frame (or skipped bytes) from the connector: 1 if it came on an
 * upstream connection, and is dealt with here.
 */
int
relay_upstream(struct lchan *l, const struct pv_frame *f,
    const uint8_t *buf, size_t len, int garbage)
{
	struct relay		 key, *r;
	struct gone		 gkey;
	struct cloud_verdict	 v;

	if (l != connector)
		return (0);
	key.up = f->conn;
	if ((r = RB_FIND(relay_up, &ups, &key)) == NULL) {
		gkey.id = f->conn;
		if (RB_FIND(relay_gone, &gones, &gkey) == NULL)
			return (0);
		decoder_dump(f, buf, len, "cloud frame after the cloud was "
		    "let go, not relayed");
		return (1);
	}
	if (garbage) {
		memset(&v, 0, sizeof(v));
		cloud_set(&v, CK_UNPARSED, "%s", f->reason[0] != '\0' ?
		    f->reason : "framing error");
		relay_block(r, f, buf, len, &v);
		return (1);
	}
	relay_judge(r, f, buf, len);
	return (1);
}

/* the held answer a cloud's answer stands for: the first of its key */
static struct held *
relay_match(struct relay *r, const struct cloud_verdict *v)
{
	struct held	*h;

	if (!v->reply)
		return (NULL);
	TAILQ_FOREACH(h, &r->held, entry)
		if (h->key == v->key)
			return (h);
	return (NULL);
}

static void
relay_judge(struct relay *r, const struct pv_frame *f, const uint8_t *buf,
    size_t len)
{
	struct cloud_verdict	 v;
	struct held		*h;

	memset(&v, 0, sizeof(v));
	r->cp->judge(buf, len, &v);
	if (!cloud_passes(&v, conf->proto[r->proto].cloud_allow)) {
		relay_block(r, f, buf, len, &v);
		return;
	}
	relay_back(r);
	relay_answered(r);
	clouds[r->proto].relayed++;
	if ((h = relay_match(r, &v)) != NULL)
		held_free(r, h, 0);
	decoder_send(r->l, r->dev, buf, len);
	relay_arm(r);
}

/*
 * A blocked frame: dumped with the reason, counted, an event.  If it
 * was the cloud's answer, the device gets ours instead.
 */
static void
relay_block(struct relay *r, const struct pv_frame *f, const uint8_t *buf,
    size_t len, const struct cloud_verdict *v)
{
	static uint8_t	 copy[PVGATE_IMSG_PAYLOAD];
	struct cloud	*c = &clouds[r->proto];
	struct held	*h;
	char		 reason[PV_REASONLEN];
	size_t		 n = len < sizeof(copy) ? len : sizeof(copy);

	if (v->kind != CK_UNPARSED) {
		relay_back(r);
		relay_answered(r);
	}
	c->blocked++;
	/* what does not fit is cut: the dump has the whole frame */
	memcpy(copy, buf, n);
	if (snprintf(reason, sizeof(reason), "cloud frame blocked (%s)%s: %s",
	    cloud_kind_name(v->kind), r->cp->mask != NULL &&
	    r->cp->mask(copy, n) > 0 ? " (masked)" : "", v->what) < 0)
		reason[0] = '\0';
	decoder_dump(f, copy, n, reason);
	relay_event(r, "cloud_blocked", cloud_kind_name(v->kind), v->what,
	    c->blocked);
	if ((h = relay_match(r, v)) != NULL)
		held_free(r, h, 1);
	relay_arm(r);
}

/* an event record: what, of which kind, why, the how-manieth */
static void
relay_event(const struct relay *r, const char *what, const char *kind,
    const char *why, uint64_t count)
{
	struct record	rec;

	record_init(&rec, REC_EVENT, r->proto, time(NULL));
	strlcpy(rec.device, r->claim != NULL && r->claim[0] != '\0' ?
	    r->claim : r->peer, sizeof(rec.device));
	strlcpy(rec.peer, r->peer, sizeof(rec.peer));
	record_attr(&rec, A_EVENT, what);
	if (kind != NULL)
		record_attr(&rec, A_COMMAND, kind);
	record_attr(&rec, A_REASON, why);
	record_metric(&rec, M_COUNT, 0, (int64_t)count, 0);
	decoder_record(&rec);
}

/*
 * A connection of the connector closed: 1 if it was an upstream one.
 * Closed with answers outstanding, the cloud is lost (or, a stranger
 * to it, this connection is relayed no more); without, the next frame
 * of the device dials again.
 */
int
relay_closed(uint64_t id, const char *why)
{
	struct relay	 key, *r;
	struct gone	 gkey, *g;
	char		 reason[PV_REASONLEN];

	gkey.id = id;
	if ((g = RB_FIND(relay_gone, &gones, &gkey)) != NULL) {
		RB_REMOVE(relay_gone, &gones, g);
		free(g);
		return (1);
	}
	key.up = id;
	if ((r = RB_FIND(relay_up, &ups, &key)) == NULL)
		return (0);
	RB_REMOVE(relay_up, &ups, r);
	r->state = R_NONE;
	r->up = 0;
	if (r->nheld > 0) {
		(void)snprintf(reason, sizeof(reason), "closed by the cloud: %s",
		    why);
		relay_unanswered(r, reason);
	}
	return (1);
}
