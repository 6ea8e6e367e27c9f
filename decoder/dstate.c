/*
 * Protocol state of the decoder's connections, in memory only while it
 * is worth it.  A state is allocated (zeroed) when an event first needs
 * it.  Once a connection has been quiet for DSTATE_IDLE seconds, a
 * large state (DSTATE_LAZY bytes or more) is cut after its last
 * non-zero byte, or freed if it is all zeros, as that of most idle
 * connections is: hoymiles keeps 30 KB for the upload it merges, zero
 * between uploads, APsystems 10 KB for local polls that an ECU pushing
 * its data never uses.  The next event gets the whole state back, the
 * cut part zeros again, so the protocol never sees the difference.
 *
 * A large state has its own mapping while it is whole, so that cutting
 * it gives its pages back to the system, not to the heap.  A small one
 * is the connection's own, in the connection's allocation
 * (dstate_inline()): no second allocation, no second header.
 *
 * The quiet connections are found with a list in order of last use and
 * a timer that runs only while the list has entries: an idle decoder
 * wakes up once or twice after its last event, then never.
 */

#include "compat.h"

#include <sys/queue.h>
#include <sys/mman.h>

#include <event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decoder.h"
#include "imsgev.h"
#include "log.h"

#define DSTATE_IDLE	2	/* s quiet, whole seconds (1 to 2) */

static TAILQ_HEAD(, dstate)	 lru = TAILQ_HEAD_INITIALIZER(lru);
static struct event		 ev_cut;
static int			 cut_armed;

static void	*dstate_room(struct dstate *, size_t);
static void	 dstate_release(struct dstate *);
static void	 dstate_arm(time_t);
static void	 dstate_sweep(int, short, void *);
static size_t	 dstate_used(const void *, size_t);
static time_t	 dstate_now(void);

static time_t
dstate_now(void)
{
	struct timespec	ts;

	imsgev_clock(&ts);
	return (ts.tv_sec);
}

/*
 * Room for a large state: its own mapping, zeroed by the system and
 * given back whole when the state is cut, so that no page stays behind
 * for the small allocations around it.  calloc() if there is none.
 */
static void *
dstate_room(struct dstate *s, size_t size)
{
	void	*p;

	if (size >= DSTATE_LAZY && (p = mmap(NULL, size, PROT_READ |
	    PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0)) != MAP_FAILED) {
		s->room = DSTATE_MAPPED;
		return (p);
	}
	if ((p = calloc(1, size)) == NULL)
		fatal("%s", __func__);
	s->room = DSTATE_HEAP;
	return (p);
}

static void
dstate_release(struct dstate *s)
{
	if (s->p == NULL)
		return;
	/* unmapped pages are gone, to be zeroed before any reuse */
	switch (s->room) {
	case DSTATE_MAPPED:
		if (munmap(s->p, s->len) == -1)
			fatal("%s: munmap", __func__);
		break;
	case DSTATE_INLINE:
		/* the connection frees it */
		explicit_bzero(s->p, s->len);
		break;
	default:
		freezero(s->p, s->len);
		break;
	}
	s->p = NULL;
	s->len = 0;
	s->room = DSTATE_HEAP;
}

/* the state is p, size bytes of zeros that the connection holds */
void
dstate_inline(struct dstate *s, void *p, size_t size)
{
	if (s->p != NULL || size >= DSTATE_LAZY)
		fatalx("%s: state of %zu bytes", __func__, size);
	s->p = p;
	s->len = size;
	s->room = DSTATE_INLINE;
}

/* the whole state of size bytes, allocated or made whole if need be */
void *
dstate_get(struct dstate *s, size_t size)
{
	uint8_t	*p;

	if (size == 0)
		size = 1;
	if (size > UINT32_MAX || s->busy == UINT16_MAX)
		fatalx("%s: state of %zu bytes, %u events", __func__, size,
		    s->busy);
	if (s->p == NULL) {
		s->p = dstate_room(s, size);
		s->len = size;
	} else if (s->len < size) {
		/* a cut state: its prefix, then zeros */
		p = s->p;
		s->p = dstate_room(s, size);
		memcpy(s->p, p, s->len);
		freezero(p, s->len);
		s->len = size;
	}
	s->busy++;
	return (s->p);
}

/*
 * The event that dstate_get() began is over.  Events nest (a command
 * sent while a frame is decoded): the outermost end counts as the use.
 */
void
dstate_done(struct dstate *s, size_t size)
{
	if (s->busy > 0)
		s->busy--;
	if (s->busy > 0 || size < DSTATE_LAZY)
		return;
	s->used = dstate_now();
	if (s->listed)
		TAILQ_REMOVE(&lru, s, entry);
	TAILQ_INSERT_TAIL(&lru, s, entry);
	s->listed = 1;
	dstate_arm(DSTATE_IDLE);
}

/*
 * The state to look at, not to change (a command's speaks hook over
 * every connection): no allocation for it.  NULL if it is all zeros;
 * a cut state is lent whole in a scratch copy, its tail zeros.
 */
void *
dstate_peek(const struct dstate *s, size_t size)
{
	static uint8_t	*scratch;
	static size_t	 scratchlen, dirty;
	uint8_t		*p;

	if (s->p == NULL)
		return (NULL);
	if (s->len >= size)
		return (s->p);
	if (scratchlen < size) {
		if ((p = realloc(scratch, size)) == NULL)
			fatal("%s", __func__);
		scratch = p;
		scratchlen = size;
		dirty = size;
	}
	/* what the last copy left; the rest was zeroed before it */
	memset(scratch, 0, dirty);
	memcpy(scratch, s->p, s->len);
	dirty = s->len;
	return (scratch);
}

/* the connection is gone: its state with it */
void
dstate_free(struct dstate *s)
{
	if (s->listed)
		TAILQ_REMOVE(&lru, s, entry);
	s->listed = 0;
	dstate_release(s);
}

/* the bytes up to the last non-zero one, in whole words */
static size_t
dstate_used(const void *p, size_t len)
{
	const uint64_t	*w = p;
	const uint8_t	*b = p;
	size_t		 n = len;

	while (n % sizeof(*w) != 0 && n > 0 && b[n - 1] == 0)
		n--;
	if (n % sizeof(*w) != 0)
		return (n);
	while (n > 0 && w[n / sizeof(*w) - 1] == 0)
		n -= sizeof(*w);
	return (n);
}

static void
dstate_arm(time_t secs)
{
	struct timeval	tv;

	if (cut_armed)
		return;
	if (!event_initialized(&ev_cut))
		evtimer_set(&ev_cut, dstate_sweep, NULL);
	tv.tv_sec = secs;
	tv.tv_usec = 0;
	evtimer_add(&ev_cut, &tv);
	cut_armed = 1;
}

/* cut the states of the connections that have been quiet long enough */
static void
dstate_sweep(int fd, short event, void *arg)
{
	struct dstate	*s;
	time_t		 now = dstate_now();
	size_t		 n;
	uint8_t		*p;

	(void)fd;
	(void)event;
	(void)arg;
	cut_armed = 0;
	while ((s = TAILQ_FIRST(&lru)) != NULL &&
	    now - s->used >= DSTATE_IDLE) {
		TAILQ_REMOVE(&lru, s, entry);
		s->listed = 0;
		if (s->p == NULL)
			continue;
		n = dstate_used(s->p, s->len);
		if (n == 0) {
			dstate_release(s);
			continue;
		}
		if (s->len - n < DSTATE_LAZY / 2)
			continue;
		/* the prefix on the heap, the rest zeros to come back */
		if ((p = malloc(n)) == NULL)
			continue;
		memcpy(p, s->p, n);
		dstate_release(s);
		s->p = p;
		s->len = n;
		s->room = DSTATE_HEAP;
	}
	if (s != NULL)
		dstate_arm(s->used + DSTATE_IDLE - now > 0 ?
		    s->used + DSTATE_IDLE - now : 1);
}
