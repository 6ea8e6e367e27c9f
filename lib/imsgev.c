/*
 * libevent glue for imsg channels: arming, composing, and the read and
 * write halves every dispatch function starts with.
 */

#include "compat.h"

#include <errno.h>
#include <event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imsgev.h"
#include "log.h"
#include "pvgate.h"

/*
 * Inside imsgev_loop(), what a pass of the event loop composes is
 * written once the pass is over, every channel in one write, instead
 * of asking for a writable event (two epoll_ctl and one more wakeup).
 * A channel asks for EV_WRITE only when its peer's buffer is full.  A
 * channel in the loop lives as long as the process (pending[] points
 * at it until the pass is over).
 */
#define IMSGEV_PENDING	(PVGATE_MAX_LISTENERS + 8)

static struct imsgev	*pending[IMSGEV_PENDING];
static int		 npending;
static int		 deferring;
/* composes what a pass gathered (a batch) before it is written */
static void		(*beforeflush)(void);

/* the wall clock, read once a pass */
static struct timespec	 pass_now;
static int		 pass_clock;

static void	imsgev_arm(struct imsgev *);
static void	imsgev_flush(void);

void
imsgev_init(struct imsgev *iev, int fd, void (*handler)(int, short, void *),
    void *data)
{
	memset(iev, 0, sizeof(*iev));
	if (imsgbuf_init(&iev->ibuf, fd) == -1)
		fatal("%s: imsgbuf_init", __func__);
	imsgev_start(iev, handler, data);
}

/* arm a channel whose imsgbuf is already set up */
void
imsgev_start(struct imsgev *iev, void (*handler)(int, short, void *),
    void *data)
{
	int	fd = iev->ibuf.fd;

	iev->handler = handler;
	iev->data = data;
	iev->events = EV_READ;
	event_set(&iev->ev, fd, iev->events | EV_PERSIST, handler, iev);
	event_add(&iev->ev, NULL);
}

/*
 * Arm the channel after messages were composed: at the end of the pass
 * inside imsgev_loop(), at once outside it.
 */
void
imsg_event_add(struct imsgev *iev)
{
	if (deferring && npending < IMSGEV_PENDING) {
		if (!iev->pending) {
			iev->pending = 1;
			pending[npending++] = iev;
		}
		return;
	}
	if (iev->arm != NULL)
		iev->arm(iev);
	else
		imsgev_arm(iev);
}

/*
 * Read always; write while something is queued.  The event persists,
 * and re-arming costs two epoll_ctl calls, so it only happens when the
 * wanted events change.
 */
static void
imsgev_arm(struct imsgev *iev)
{
	short	events = EV_READ;

	if (imsgbuf_queuelen(&iev->ibuf) > 0)
		events |= EV_WRITE;
	if (events == iev->events &&
	    event_pending(&iev->ev, EV_READ | EV_WRITE, NULL))
		return;
	iev->events = events;
	event_del(&iev->ev);
	event_set(&iev->ev, iev->ibuf.fd, iev->events | EV_PERSIST,
	    iev->handler, iev);
	event_add(&iev->ev, NULL);
}

/* the end of a pass: write what it queued, then arm */
static void
imsgev_flush(void)
{
	struct imsgev	*iev;
	int		 i;

	/* still deferring: what it composes joins this pass's writes */
	if (beforeflush != NULL)
		beforeflush();
	deferring = 0;
	pass_clock = 0;
	for (i = 0; i < npending; i++) {
		iev = pending[i];
		iev->pending = 0;
		if (imsgbuf_queuelen(&iev->ibuf) > 0 &&
		    imsgbuf_write(&iev->ibuf) == -1 && errno != EPIPE)
			fatal("%s: imsgbuf_write", __func__);
		/* a closed peer is its read handler's to notice */
		imsg_event_add(iev);
	}
	npending = 0;
}

/*
 * The event loop, one pass at a time, with the messages of each pass
 * written at its end: never on a timer, never later than the pass that
 * composed them.  Then after(), if given: a write that emptied a queue
 * wakes no handler, so backpressure is judged again there.
 */
void
imsgev_loop(void (*after)(void))
{
	for (;;) {
		deferring = 1;
		if (event_loop(EVLOOP_ONCE) != 0)
			break;
		imsgev_flush();
		if (after != NULL)
			after();
	}
	imsgev_flush();
}

/* fn runs at the end of every pass, before its messages are written */
void
imsgev_beforeflush(void (*fn)(void))
{
	beforeflush = fn;
}

/*
 * The wall clock: inside imsgev_loop() read once a pass, when first
 * asked, so that every frame of the pass has the same receive time.
 */
void
imsgev_clock(struct timespec *ts)
{
	if (!deferring || !pass_clock) {
		clock_gettime(CLOCK_REALTIME, &pass_now);
		pass_clock = deferring;
	}
	*ts = pass_now;
}

void
imsgw_push(struct imsgw *q, uint32_t weight)
{
	uint32_t	*nw;
	size_t		 i, ncap;

	if (q->n == q->cap) {
		/* grow, oldest first again; backpressure bounds it */
		ncap = q->cap == 0 ? 256 : q->cap * 2;
		if ((nw = reallocarray(NULL, ncap, sizeof(*nw))) == NULL)
			fatal("%s", __func__);
		for (i = 0; i < q->n; i++)
			nw[i] = q->w[(q->head + i) % q->cap];
		free(q->w);
		q->w = nw;
		q->cap = ncap;
		q->head = 0;
	}
	q->w[(q->head + q->n) % q->cap] = weight;
	q->n++;
	q->total += weight;
}

/* the weight of what is still queued on ibuf */
uint64_t
imsgw_queued(struct imsgw *q, struct imsgbuf *ibuf)
{
	uint32_t	 left = imsgbuf_queuelen(ibuf);

	while (q->n > left) {
		q->total -= q->w[q->head];
		q->head = (q->head + 1) % q->cap;
		q->n--;
	}
	return (q->total);
}

int
imsg_compose_event(struct imsgev *iev, uint32_t type, uint32_t peerid,
    pid_t pid, int fd, const void *data, size_t datalen)
{
	int	ret;

	if ((ret = imsg_compose(&iev->ibuf, type, peerid, pid, fd, data,
	    datalen)) != -1)
		imsg_event_add(iev);
	return ret;
}

int
imsg_composev_event(struct imsgev *iev, uint32_t type, uint32_t peerid,
    const struct iovec *iov, int iovcnt)
{
	int	ret;

	if ((ret = imsg_composev(&iev->ibuf, type, peerid, 0, -1, iov,
	    iovcnt)) != -1)
		imsg_event_add(iev);
	return ret;
}

/*
 * The I/O half of a dispatch function.  Returns 1 when the peer is
 * gone (the caller sets shut), 0 otherwise.
 */
int
imsgev_read(struct imsgev *iev, short event, const char *who)
{
	int	n;

	if (event & EV_READ) {
		if ((n = imsgbuf_read(&iev->ibuf)) == -1)
			fatal("%s: imsgbuf_read", who);
		if (n == 0)
			return 1;
	}
	if (event & EV_WRITE) {
		if (imsgbuf_write(&iev->ibuf) == -1) {
			if (errno == EPIPE)
				return 1;
			fatal("%s: imsgbuf_write", who);
		}
	}
	return 0;
}

/* the first message on every channel */
void
imsgev_hello(struct imsgev *iev, int role)
{
	struct pv_hello	hello;

	memset(&hello, 0, sizeof(hello));
	hello.version = PVGATE_IMSG_VERSION;
	hello.role = role;
	if (imsg_compose_event(iev, IMSG_HELLO, 0, 0, -1, &hello,
	    sizeof(hello)) == -1)
		fatal("%s: imsg_compose", __func__);
}

static void
imsgev_hello_check(struct imsg *imsg, int role, const char *who)
{
	struct pv_hello	hello;

	if (imsg_get_type(imsg) != IMSG_HELLO)
		fatalx("%s: first message is %u, not IMSG_HELLO", who,
		    imsg_get_type(imsg));
	if (imsg_get_data(imsg, &hello, sizeof(hello)) == -1)
		fatalx("%s: IMSG_HELLO wrong length: %zu", who,
		    imsg_get_len(imsg));
	if (hello.version != PVGATE_IMSG_VERSION)
		fatalx("%s: peer speaks version %u, we speak %u: mixed builds?",
		    who, hello.version, PVGATE_IMSG_VERSION);
	if (hello.role != (uint32_t)role)
		fatalx("%s: peer says it is role %u, expected %d", who,
		    hello.role, role);
}

/*
 * The next message for the dispatch loop: 1, or 0 when there is none.
 * The peer's first message must be its IMSG_HELLO, naming role; that
 * one is checked and consumed here.
 */
int
imsgev_get(struct imsgev *iev, struct imsg *imsg, int role, const char *who)
{
	ssize_t	n;

	for (;;) {
		if ((n = imsg_get(&iev->ibuf, imsg)) == -1)
			fatal("%s: imsg_get", who);
		if (n == 0)
			return 0;
		if (iev->hello)
			return 1;
		imsgev_hello_check(imsg, role, who);
		iev->hello = 1;
		imsg_free(imsg);
	}
}
