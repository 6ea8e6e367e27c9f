/*
 * libFuzzer target: the capture protocol on one connection.  The first
 * two input bytes are the capture limit (big-endian, 0 = none), the
 * third the read size; the rest is the traffic.  Checks: every chunk is
 * one frame, never a reply or record, dumps are pieces of the input
 * and together never exceed the limit, one close exactly when the
 * limit is reached and nothing after it.
 *
 * Needs every proto/ file.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "record.h"
#include "fuzzlib.h"

#define FRAME_LIMIT	16368

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 out_reply(struct pvctx *, const uint8_t *, size_t);
static void	 out_record(struct pvctx *, const struct record *);
static void	 out_dump(struct pvctx *, const uint8_t *, size_t,
		    const char *);
static void	 out_close(struct pvctx *);

static const struct pvout	fuzzout = {
	out_reply, out_record, out_dump, out_close, NULL, NULL, NULL,
	fuzz_admit, NULL
};

static const uint8_t	*cur;
static size_t		 curlen;
static uint64_t		 dumped;
static int		 closed;

static void
out_reply(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	abort();
}

static void
out_record(struct pvctx *ctx, const struct record *rec)
{
	(void)ctx;
	(void)rec;
	abort();
}

static void
out_dump(struct pvctx *ctx, const uint8_t *buf, size_t len,
    const char *reason)
{
	uint32_t	limit = ctx->conf->capture_limit;

	if (closed || buf != cur || len > curlen)
		abort();
	fuzz_check_reason(reason);
	dumped += len;
	if (limit != 0 && dumped > limit)
		abort();
}

static void
out_close(struct pvctx *ctx)
{
	uint32_t	limit = ctx->conf->capture_limit;

	if (closed || limit == 0 || dumped != limit)
		abort();
	closed = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t		 state[8];
	struct pv_protoconf	 conf;
	struct pvctx		 ctx;
	const char		*why;
	size_t			 chunk, take, n;
	int			 v;

	if (size < 3 || capture_statesize() > sizeof(state))
		return (0);
	memset(state, 0, sizeof(state));
	memset(&conf, 0, sizeof(conf));
	conf.proto = PROTO_CAPTURE;
	conf.capture_limit = data[0] << 8 | data[1];
	chunk = data[2] + 1;
	data += 3;
	size -= 3;
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = &conf;
	ctx.state = state;
	ctx.now = 1712861197;
	ctx.out = &fuzzout;
	dumped = 0;
	closed = 0;

	while (size > 0 && !closed) {
		take = chunk < size ? chunk : size;
		n = 0;
		v = capture_frame(data, take, FRAME_LIMIT, &n, &why);
		if (v != FRAME_OK || n != take)
			abort();
		cur = data;
		curlen = n;
		capture_decode(&ctx, data, n);
		if (conf.capture_limit != 0 && !closed &&
		    dumped >= conf.capture_limit)
			abort();
		data += n;
		size -= n;
	}
	if (conf.capture_limit == 0 && closed)
		abort();
	return (0);
}
