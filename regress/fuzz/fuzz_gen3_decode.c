/*
 * libFuzzer target: the TSUN GEN3 framer and decoder on one
 * connection.  The input goes in once as it is (in one read and in
 * small reads), once made a well-formed frame of its own length, and
 * once as the element list of a data block of each known kind, so that
 * the fuzzer reaches the list parser without having to find the
 * header.  The pvout checks what the decoder produces:
 *
 *  - at most one reply per frame: a well-formed GEN3 frame to the same
 *    id, control 0x91 or 0x99, the same message type, never OTA;
 *  - records the exporter takes: record_pack() and record_unpack()
 *    give the record back; device set, all text printable;
 *  - dumps of the frame itself with a reason;
 *  - never a close.
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

#define FRAME_LIMIT	FUZZ_FRAME_LIMIT

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 out_reply(struct pvctx *, const uint8_t *, size_t);
static void	 run(const uint8_t *, size_t, size_t);
static void	 whole(const uint8_t *, size_t);
static void	 block(const uint8_t *, size_t, uint8_t, uint32_t);

static const struct pvout	fuzzout = {
	out_reply, fuzz_out_record, fuzz_out_dump, fuzz_no_close, NULL, NULL,
	NULL, fuzz_admit, NULL
};
static const struct fuzz_conn	gen3 = {
	gen3_frame, gen3_decode, NULL, 0
};

static void
out_reply(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	size_t	idlen = fuzz_cur[4];

	(void)ctx;
	if (++fuzz_nreplies > 1 || len < 7 + idlen)
		abort();
	if (pv_be32(buf) + 4 != len || buf[4] != idlen ||
	    memcmp(buf + 5, fuzz_cur + 5, idlen) != 0)
		abort();
	if (buf[5 + idlen] != 0x91 && buf[5 + idlen] != 0x99)
		abort();
	if (buf[6 + idlen] != fuzz_cur[6 + idlen] || buf[6 + idlen] == 0x13)
		abort();
}

/* one connection: the input in reads of chunk bytes (0: all at once) */
static void
run(const uint8_t *data, size_t size, size_t chunk)
{
	static uint64_t		 state[512];
	struct pv_protoconf	 conf;
	struct pvctx		 ctx;

	fuzz_ctx(&ctx, &conf, PROTO_TSUN_GEN3, state, sizeof(state),
	    gen3_statesize(), &fuzzout);
	(void)fuzz_feed(&gen3, &ctx, data, size, chunk);
}

/* the input with its length and id length put right */
static void
whole(const uint8_t *data, size_t size)
{
	uint8_t	*f;

	if (size < 7 || size > FRAME_LIMIT)
		return;
	if ((f = malloc(size)) == NULL)
		abort();
	memcpy(f, data, size);
	f[0] = (size - 4) >> 24;
	f[1] = ((size - 4) >> 16) & 0xff;
	f[2] = ((size - 4) >> 8) & 0xff;
	f[3] = (size - 4) & 0xff;
	f[4] %= 18;
	if ((size_t)f[4] + 7 > size)
		f[4] = 0;
	run(f, size, 0);
	free(f);
}

/* the input as the element list (count first) of a data block */
static void
block(const uint8_t *data, size_t size, uint8_t msg, uint32_t dataid)
{
	static const uint8_t	id[16] = "R170000000000001";
	uint8_t			*f;
	size_t			 n, off = 0;
	int			 i;

	n = 4 + 1 + 16 + 2 + 4 + 1 + 16 + 1 + 8 + size;
	if (n > FRAME_LIMIT)
		return;
	if ((f = malloc(n)) == NULL)
		abort();
	for (i = 3; i >= 0; i--)
		f[off++] = ((n - 4) >> (8 * i)) & 0xff;
	f[off++] = 16;
	memcpy(f + off, id, 16);
	off += 16;
	f[off++] = 0x91;
	f[off++] = msg;
	for (i = 3; i >= 0; i--)
		f[off++] = (dataid >> (8 * i)) & 0xff;
	f[off++] = 16;
	memcpy(f + off, id, 16);
	off += 16;
	f[off++] = 0x01;
	/* 2024-04-11 20:46:37 local */
	memcpy(f + off, "\x00\x00\x01\x8e\xcf\x5e\x3a\x48", 8);
	off += 8;
	memcpy(f + off, data, size);
	run(f, n, 0);
	free(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, 0);
	run(data, size, 1 + size % 13);
	whole(data, size);
	block(data, size, 0x71, 0x0e100000);
	block(data, size, 0x04, 0x01900001);
	block(data, size, 0x04, 0x01900000);
	return (0);
}
