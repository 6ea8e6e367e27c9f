/*
 * capture: accept anything, answer nothing, keep every byte (up to
 * capture_limit bytes per connection) for analysis.
 */

#include <stddef.h>
#include <stdint.h>

#include "pvgate.h"
#include "proto.h"

struct capture_state {
	uint64_t	dumped;		/* bytes dumped on this connection */
	int		full;		/* limit reached, connection closed */
};

size_t
capture_statesize(void)
{
	return (sizeof(struct capture_state));
}

/* Every chunk the listener has buffered is one frame. */
int
capture_frame(const uint8_t *buf, size_t len, size_t max, size_t *n,
    const char **why)
{
	(void)buf;
	(void)why;

	if (len == 0)
		return (FRAME_MORE);
	*n = (max > 0 && len > max) ? max : len;
	return (FRAME_OK);
}

/*
 * Dump each chunk.  capture_limit 0 means no limit; otherwise the
 * chunk that reaches the limit is cut there, dumped with a reason
 * that says so, and the connection is closed.
 */
void
capture_decode(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	struct capture_state	*st = ctx->state;
	uint64_t		 limit, room;

	if (st->full || len == 0)
		return;
	limit = ctx->conf != NULL ? ctx->conf->capture_limit : 0;
	if (limit == 0 || st->dumped + len < limit) {
		st->dumped += len;
		pv_dump(ctx, buf, len, "capture");
		return;
	}

	/* a reload may have lowered the limit below what was dumped */
	room = st->dumped < limit ? limit - st->dumped : 0;
	st->dumped += room;
	st->full = 1;
	pv_dump(ctx, buf, (size_t)room,
	    "capture limit of %llu bytes reached, closing",
	    (unsigned long long)limit);
	pv_close(ctx);
}
