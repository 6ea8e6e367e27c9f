/*
 * libFuzzer target: the Solarman V5 framer and decoder on one
 * connection, fed the input once as a single read and once in small
 * reads, then once made into a well-formed frame of its own length.  A
 * frame with a wrong checksum is decoded a second time with the
 * checksum put right, so the fuzzer reaches the payload decoders.
 * The pvout checks what the decoder produces:
 *
 *  - at most one reply per frame, only to an indication, and that reply
 *    is a well-formed 23-byte ack of it;
 *  - records the exporter will accept: record_pack() succeeds and
 *    record_unpack() gives the same record back; device set, all text
 *    printable;
 *  - dumps of the frame itself with a non-empty reason;
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
#define FUZZ_HB		60

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 out_reply(struct pvctx *, const uint8_t *, size_t);
static int	 fixsum(uint8_t *, size_t);
static void	 run(const uint8_t *, size_t, size_t);
static void	 whole(const uint8_t *, size_t);

static const struct pvout	fuzzout = {
	out_reply, fuzz_out_record, fuzz_out_dump, fuzz_no_close, NULL, NULL,
	NULL, fuzz_admit, NULL
};
static const struct fuzz_conn	solarman = {
	solarman_frame, solarman_decode, fixsum, 0
};

static void
out_reply(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	uint16_t	ctrl;
	uint8_t		sum = 0;
	size_t		i;

	if (++fuzz_nreplies > 1 || len != 23 || fuzz_curlen < 14)
		abort();
	ctrl = fuzz_cur[3] | fuzz_cur[4] << 8;
	if (ctrl != 0x4110 && ctrl != 0x4210 && ctrl != 0x4310 &&
	    ctrl != 0x4710 && ctrl != 0x4810)
		abort();
	for (i = 1; i < 21; i++)
		sum += buf[i];
	if (buf[0] != 0xa5 || buf[1] != 10 || buf[2] != 0 ||
	    (buf[3] | buf[4] << 8) != ctrl - 0x3000 ||
	    buf[5] != (uint8_t)(fuzz_cur[5] + 1) || buf[6] != fuzz_cur[6] ||
	    memcmp(buf + 7, fuzz_cur + 7, 4) != 0 || buf[11] != fuzz_cur[11] ||
	    buf[12] != 1 || pv_le32(buf + 13) != (uint32_t)ctx->now ||
	    pv_le32(buf + 17) != FUZZ_HB || buf[21] != sum || buf[22] != 0x15)
		abort();
}

/* set the checksum of a frame; 1 if it was wrong */
static int
fixsum(uint8_t *frame, size_t n)
{
	uint8_t	sum = 0;
	size_t	i;

	for (i = 1; i < n - 2; i++)
		sum += frame[i];
	if (frame[n - 2] == sum)
		return (0);
	frame[n - 2] = sum;
	return (1);
}

/* one connection: the input in reads of chunk bytes (0: all at once) */
static void
run(const uint8_t *data, size_t size, size_t chunk)
{
	static uint64_t		 state[64];
	struct pv_protoconf	 conf;
	struct pvctx		 ctx;

	fuzz_ctx(&ctx, &conf, PROTO_SOLARMAN_V5, state, sizeof(state),
	    solarman_statesize(), &fuzzout);
	conf.heartbeat_interval = FUZZ_HB;
	(void)fuzz_feed(&solarman, &ctx, data, size, chunk);
}

/*
 * The input made one well-formed frame: start, length, checksum and end
 * put right, so every payload length reaches the decoders.
 */
static void
whole(const uint8_t *data, size_t size)
{
	uint8_t		*frame;
	size_t		 L;

	if (size < 13 || size > FRAME_LIMIT)
		return;
	if ((frame = malloc(size)) == NULL)
		abort();
	memcpy(frame, data, size);
	L = size - 13;
	frame[0] = 0xa5;
	frame[1] = L & 0xff;
	frame[2] = L >> 8;
	frame[size - 1] = 0x15;
	(void)fixsum(frame, size);
	run(frame, size, 0);
	free(frame);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, 0);
	run(data, size, 1 + size % 13);
	whole(data, size);
	return (0);
}
