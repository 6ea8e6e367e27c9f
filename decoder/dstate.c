/*
 * Protocol state of the decoder's connections, in memory only while it
 * is worth it.  A state is allocated (zeroed) when an event first needs
 * it.  Once a connection has been quiet for a while, a state of
 * DSTATE_PACK bytes or more is packed: its runs of zeros are left out,
 * or it is freed if it is all zeros, as that of most idle connections
 * is: hoymiles keeps 30 KB for the upload it merges, zero between
 * uploads, APsystems 10 KB for local polls that an ECU pushing its data
 * never uses; four fifths of tsun-gen3's 400 bytes are zeros.  The next
 * event gets the whole state back, so the protocol never sees the
 * difference.
 *
 * A large state (DSTATE_LAZY bytes or more) has its own mapping while
 * it is whole, so that packing it gives its pages back to the system,
 * not to the heap.  A state smaller than DSTATE_PACK is never packed:
 * it is the connection's own, in the connection's allocation
 * (dstate_inline()), no second allocation, no second header.
 *
 * Quiet means DSTATE_IDLE seconds (whole seconds: 1 to 2) without an
 * event.  A connection whose next event comes within that time again
 * after its state was packed (a device that speaks every second or
 * two) would have its state packed and made whole over and over: each
 * time it does, its quiet time doubles, up to DSTATE_LEVELS steps.
 *
 * The quiet connections are found with a list per quiet time, in order
 * of last use, and a timer that runs only while a list has entries: an
 * idle decoder wakes up once or twice after its last event, then never.
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
#define DSTATE_LEVELS	4	/* 2, 4, 8, 16 s */
#define DSTATE_GAP	4	/* zeros that end a packed run */

TAILQ_HEAD(dstate_list, dstate);
static struct dstate_list	 lru[DSTATE_LEVELS];
static struct event		 ev_cut;
static time_t			 cut_at;	/* 0: not armed */

static void	*dstate_room(struct dstate *, size_t);
static void	 dstate_release(struct dstate *);
static size_t	 dstate_pack(const uint8_t *, size_t, uint8_t *);
static size_t	 dstate_unpack(const struct dstate *, uint8_t *, size_t);
static void	 dstate_cut(struct dstate *);
static void	 dstate_arm(time_t, time_t);
static void	 dstate_sweep(int, short, void *);
static time_t	 dstate_now(void);

#define DSTATE_QUIET(s)	((time_t)DSTATE_IDLE << (s)->level)

static time_t
dstate_now(void)
{
	struct timespec	ts;

	imsgev_clock(&ts);
	return (ts.tv_sec);
}

/*
 * Room for a whole state: a large one gets its own mapping, zeroed by
 * the system and given back whole when the state is packed, so that no
 * page stays behind for the small allocations around it.  calloc() if
 * there is none.
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
	if (s->p != NULL || size >= DSTATE_PACK)
		fatalx("%s: state of %zu bytes", __func__, size);
	s->p = p;
	s->len = size;
	s->room = DSTATE_INLINE;
}

/*
 * Packed, a state is runs of bytes that are not all zeros, each after
 * two uint16_t: the zeros before it and its length.  The zeros after
 * the last run are left out.  Returns the packed length; writes the
 * runs to out unless it is NULL.
 */
static size_t
dstate_pack(const uint8_t *p, size_t len, uint8_t *out)
{
	uint16_t	 hdr[2];
	size_t		 i = 0, n = 0, start, end, j, zeros;

	while (i < len) {
		for (start = i; start < len && p[start] == 0 &&
		    start - i < UINT16_MAX; start++)
			;
		if (start == len)
			break;
		end = start;
		zeros = 0;
		for (j = start; j < len && j - start < UINT16_MAX; j++) {
			if (p[j] != 0) {
				end = j + 1;
				zeros = 0;
			} else if (++zeros == DSTATE_GAP)
				break;
		}
		hdr[0] = start - i;
		hdr[1] = end - start;
		if (out != NULL) {
			memcpy(out + n, hdr, sizeof(hdr));
			memcpy(out + n + sizeof(hdr), p + start, end - start);
		}
		n += sizeof(hdr) + end - start;
		i = end;
	}
	return (n);
}

/*
 * A packed state's runs into p, len bytes that are zeros; returns the
 * end of the last run.
 */
static size_t
dstate_unpack(const struct dstate *s, uint8_t *p, size_t len)
{
	const uint8_t	*pk = s->p;
	uint16_t	 hdr[2];
	size_t		 i = 0, off = 0;

	while (i < s->len) {
		if (s->len - i < sizeof(hdr))
			fatalx("%s: truncated run", __func__);
		memcpy(hdr, pk + i, sizeof(hdr));
		i += sizeof(hdr);
		off += hdr[0];
		if (hdr[1] > len || off > len - hdr[1] || hdr[1] > s->len - i)
			fatalx("%s: run past the state", __func__);
		memcpy(p + off, pk + i, hdr[1]);
		off += hdr[1];
		i += hdr[1];
	}
	return (off);
}

/* the whole state of size bytes, allocated or unpacked if need be */
void *
dstate_get(struct dstate *s, size_t size)
{
	uint8_t	*p;

	if (size == 0)
		size = 1;
	if (size > UINT32_MAX || s->busy == UINT8_MAX)
		fatalx("%s: state of %zu bytes, %u events", __func__, size,
		    s->busy);
	if (s->p == NULL) {
		s->p = dstate_room(s, size);
		s->len = size;
	} else if (s->room == DSTATE_PACKED) {
		p = dstate_room(s, size);
		(void)dstate_unpack(s, p, size);
		freezero(s->p, s->len);
		s->p = p;
		s->len = size;
		/* back within its quiet time of being packed: wait longer */
		if (dstate_now() - s->used < 2 * DSTATE_QUIET(s) &&
		    s->level < DSTATE_LEVELS - 1) {
			if (s->listed)
				TAILQ_REMOVE(&lru[s->level], s, entry);
			s->listed = 0;
			s->level++;
		}
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
	static int	 ready;
	int		 i;

	if (!ready) {
		for (i = 0; i < DSTATE_LEVELS; i++)
			TAILQ_INIT(&lru[i]);
		ready = 1;
	}
	if (s->busy > 0)
		s->busy--;
	if (s->busy > 0 || size < DSTATE_PACK)
		return;
	s->used = dstate_now();
	if (s->listed)
		TAILQ_REMOVE(&lru[s->level], s, entry);
	TAILQ_INSERT_TAIL(&lru[s->level], s, entry);
	s->listed = 1;
	dstate_arm(s->used + DSTATE_QUIET(s), s->used);
}

/*
 * The state to look at, not to change (a command's speaks hook over
 * every connection): no allocation for it.  NULL if it is all zeros;
 * a packed state is lent whole in a scratch copy.
 */
void *
dstate_peek(const struct dstate *s, size_t size)
{
	static uint8_t	*scratch;
	static size_t	 scratchlen, dirty;
	uint8_t		*p;

	if (s->p == NULL)
		return (NULL);
	if (s->room != DSTATE_PACKED)
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
	dirty = dstate_unpack(s, scratch, size);
	return (scratch);
}

/* the connection is gone: its state with it */
void
dstate_free(struct dstate *s)
{
	if (s->listed)
		TAILQ_REMOVE(&lru[s->level], s, entry);
	s->listed = 0;
	dstate_release(s);
}

/* a quiet state: freed if all zeros, packed if that saves a quarter */
static void
dstate_cut(struct dstate *s)
{
	size_t	 n;
	uint8_t	*p;

	n = dstate_pack(s->p, s->len, NULL);
	if (n == 0) {
		dstate_release(s);
		return;
	}
	if (n > s->len - s->len / 4 || (p = malloc(n)) == NULL)
		return;
	(void)dstate_pack(s->p, s->len, p);
	dstate_release(s);
	s->p = p;
	s->len = n;
	s->room = DSTATE_PACKED;
}

/* the sweep runs at when, if it would not run sooner */
static void
dstate_arm(time_t when, time_t now)
{
	struct timeval	tv;

	if (cut_at != 0 && cut_at <= when)
		return;
	if (!event_initialized(&ev_cut))
		evtimer_set(&ev_cut, dstate_sweep, NULL);
	timerclear(&tv);
	tv.tv_sec = when > now ? when - now : 1;
	evtimer_add(&ev_cut, &tv);
	cut_at = when;
}

/* pack the states of the connections that have been quiet long enough */
static void
dstate_sweep(int fd, short event, void *arg)
{
	struct dstate	*s;
	time_t		 now = dstate_now(), next = 0;
	int		 i;

	(void)fd;
	(void)event;
	(void)arg;
	cut_at = 0;
	for (i = 0; i < DSTATE_LEVELS; i++) {
		while ((s = TAILQ_FIRST(&lru[i])) != NULL &&
		    now - s->used >= DSTATE_QUIET(s)) {
			TAILQ_REMOVE(&lru[i], s, entry);
			s->listed = 0;
			if (s->p != NULL && s->busy == 0 &&
			    s->room != DSTATE_PACKED)
				dstate_cut(s);
		}
		if (s != NULL && (next == 0 ||
		    s->used + DSTATE_QUIET(s) < next))
			next = s->used + DSTATE_QUIET(s);
	}
	if (next != 0)
		dstate_arm(next, now);
}
