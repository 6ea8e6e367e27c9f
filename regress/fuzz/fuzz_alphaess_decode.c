/*
 * libFuzzer target: the AlphaESS framer and decoder on one connection,
 * fed the input once as a single read and once in small reads, then
 * once made into a well-formed frame of its own length.  A frame with a
 * wrong CRC is decoded a second time with the CRC put right, so the
 * fuzzer reaches the body decoders.  The pvout checks what the decoder
 * produces:
 *
 *  - at most one reply per frame, only to a request with a good CRC
 *    that is not the cloud's command 8, and that reply is exactly
 *    01 02 <command> 00000014 {"Status":"Success"} <CRC>;
 *  - records the exporter will accept: record_pack() succeeds and
 *    record_unpack() gives the same record back; device set, all text
 *    printable;
 *  - dumps of the frame's length with a non-empty reason, in which no
 *    "password" key is followed by anything but a masked value;
 *  - never a close.
 *
 * Needs every proto/ file.
 */

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "record.h"
#include "fuzzlib.h"

#define FRAME_LIMIT	FUZZ_FRAME_LIMIT
#define SUCCESS		"{\"Status\":\"Success\"}"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 out_reply(struct pvctx *, const uint8_t *, size_t);
static void	 out_record(struct pvctx *, const struct record *);
static void	 out_dump(struct pvctx *, const uint8_t *, size_t,
		    const char *);
static void	 out_claim(struct pvctx *, const char *);
static void	 check_masked(const uint8_t *, size_t);
static int	 fixcrc(uint8_t *, size_t);
static void	 run(const uint8_t *, size_t, size_t);
static void	 whole(const uint8_t *, size_t);

static const struct pvout	fuzzout = {
	out_reply, out_record, out_dump, fuzz_no_close, NULL, NULL,
	out_claim, fuzz_admit, NULL
};
static const struct fuzz_conn	alphaess = {
	alphaess_frame, alphaess_decode, fixcrc, 1
};

/* "password" (any case) then ":" then "..." must hold only '*' */
static void
check_masked(const uint8_t *p, size_t n)
{
	static const char	key[] = "\"password\":\"";
	size_t			i, k, klen = sizeof(key) - 1;

	for (i = 0; i + klen <= n; i++) {
		for (k = 0; k < klen; k++)
			if (tolower(p[i + k]) != key[k])
				break;
		if (k < klen)
			continue;
		for (k = i + klen; k < n && p[k] != '"'; k++)
			if (p[k] != '*')
				abort();
	}
}

static void
out_reply(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	uint16_t	crc;

	(void)ctx;
	if (++fuzz_nreplies > 1 || fuzz_curlen < 9 || len != 29)
		abort();
	if (fuzz_cur[0] != 0x01 || fuzz_cur[1] != 0x01 || fuzz_cur[2] == 8)
		abort();
	crc = pv_crc16_modbus(fuzz_cur, fuzz_curlen - 2);
	if (pv_be16(fuzz_cur + fuzz_curlen - 2) != crc)
		abort();
	if (buf[0] != 0x01 || buf[1] != 0x02 || buf[2] != fuzz_cur[2] ||
	    pv_be32(buf + 3) != 20 || memcmp(buf + 7, SUCCESS, 20) != 0 ||
	    pv_be16(buf + 27) != pv_crc16_modbus(buf, 27))
		abort();
}

static void
out_record(struct pvctx *ctx, const struct record *rec)
{
	(void)ctx;
	fuzz_check_record(rec, PROTO_ALPHAESS);
}

static void
out_dump(struct pvctx *ctx, const uint8_t *buf, size_t len,
    const char *reason)
{
	(void)ctx;
	if (len != fuzz_curlen)
		abort();
	fuzz_check_reason(reason);
	check_masked(buf, len);
}

static void
out_claim(struct pvctx *ctx, const char *name)
{
	(void)ctx;
	fuzz_check_text(name, PV_NAMELEN, 1);
}

/* set the CRC of a frame; 1 if it was wrong */
static int
fixcrc(uint8_t *frame, size_t n)
{
	uint16_t	crc;

	crc = pv_crc16_modbus(frame, n - 2);
	if (pv_be16(frame + n - 2) == crc)
		return (0);
	frame[n - 2] = crc >> 8;
	frame[n - 1] = crc & 0xff;
	return (1);
}

/* one connection: the input in reads of chunk bytes (0: all at once) */
static void
run(const uint8_t *data, size_t size, size_t chunk)
{
	static uint64_t		 state[256];
	struct pv_protoconf	 conf;
	struct pvctx		 ctx;

	fuzz_ctx(&ctx, &conf, PROTO_ALPHAESS, state, sizeof(state),
	    alphaess_statesize(), &fuzzout);
	(void)fuzz_feed(&alphaess, &ctx, data, size, chunk);
}

/*
 * The input made one well-formed request: start, direction, length
 * and CRC put right, the command kept, so every body reaches the
 * decoders.
 */
static void
whole(const uint8_t *data, size_t size)
{
	uint8_t		*frame;
	size_t		 L;

	if (size < 9 || size > FRAME_LIMIT)
		return;
	if ((frame = malloc(size)) == NULL)
		abort();
	memcpy(frame, data, size);
	L = size - 9;
	frame[0] = 0x01;
	frame[1] = 0x01;
	frame[3] = (L >> 24) & 0xff;
	frame[4] = (L >> 16) & 0xff;
	frame[5] = (L >> 8) & 0xff;
	frame[6] = L & 0xff;
	(void)fixcrc(frame, size);
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
