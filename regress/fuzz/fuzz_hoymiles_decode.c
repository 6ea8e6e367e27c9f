/*
 * libFuzzer target: the Hoymiles framer and decoder on one connection,
 * once as the cloud a DTU came to and once as a poller that dialled
 * the DTU, fed the input as a single read and in small reads, then
 * once made into a well-formed frame of its own length.  A frame with
 * a wrong CRC is decoded a second time with the CRC put right, so the
 * fuzzer reaches the protobuf decoding.  Connection events (timer,
 * gone) follow the frames.  The pvout checks what the decoder makes:
 *
 *  - replies: at most one per frame, a well-formed frame with a right
 *    CRC; as the cloud only 0x23xx for a 0x22xx, with its sequence
 *    number, never 0x2305, 0x2307 or 0x2308; as a poller only 0xA311;
 *  - records the exporter will accept: record_pack() succeeds and
 *    record_unpack() gives the same record back; device set, all text
 *    printable;
 *  - dumps of the frame itself with a non-empty reason;
 *  - a close only from the poller's timer.
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
static void	 out_close(struct pvctx *);
static void	 out_timer(struct pvctx *, unsigned int);
static void	 out_claim(struct pvctx *, const char *);
static int	 fixcrc(uint8_t *, size_t);
static void	 run(const uint8_t *, size_t, size_t, int);
static void	 whole(const uint8_t *, size_t);

static const struct pvout	fuzzout = {
	out_reply, fuzz_out_record, fuzz_out_dump, out_close, out_timer, NULL,
	out_claim, fuzz_admit, NULL
};
static const struct fuzz_conn	hoymiles = {
	hoymiles_frame, hoymiles_decode, fixcrc, 0
};

static int		 dialled;
static int		 ticking;

static void
out_reply(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	uint16_t	cmd;

	(void)ctx;
	if (++fuzz_nreplies > 1 || len < 10 || buf[0] != 'H' || buf[1] != 'M' ||
	    pv_be16(buf + 8) != len ||
	    pv_be16(buf + 6) != pv_crc16_modbus(buf + 10, len - 10))
		abort();
	cmd = pv_be16(buf + 2);
	if (dialled) {
		if (cmd != 0xa311)
			abort();
		return;
	}
	if (fuzz_cur == NULL || fuzz_curlen < 10 || (cmd >> 8) != 0x23 ||
	    cmd != pv_be16(fuzz_cur + 2) + 0x100 ||
	    pv_be16(buf + 4) != pv_be16(fuzz_cur + 4))
		abort();
	if (cmd == 0x2305 || cmd == 0x2307 || cmd == 0x2308)
		abort();
}

static void
out_close(struct pvctx *ctx)
{
	(void)ctx;
	if (!dialled || !ticking)
		abort();
}

static void
out_timer(struct pvctx *ctx, unsigned int msec)
{
	(void)ctx;
	if (!dialled || msec == 0)
		abort();
}

static void
out_claim(struct pvctx *ctx, const char *name)
{
	(void)ctx;
	if (dialled)
		abort();
	fuzz_check_text(name, PV_NAMELEN, 1);
}

/* set the CRC of a plain frame; 1 if it was wrong */
static int
fixcrc(uint8_t *frame, size_t n)
{
	uint16_t	crc;

	if (n < 10 || pv_be16(frame + 8) != n)
		return (0);
	crc = pv_crc16_modbus(frame + 10, n - 10);
	if (pv_be16(frame + 6) == crc)
		return (0);
	frame[6] = crc >> 8;
	frame[7] = crc & 0xff;
	return (1);
}

/*
 * One connection: the input in reads of chunk bytes (0: all at once),
 * as the cloud or as a poller, then the timer twice and the end.
 */
static void
run(const uint8_t *data, size_t size, size_t chunk, int poll)
{
	static uint64_t			 state[65536 / sizeof(uint64_t)];
	static struct pv_deviceconf	 dev;
	struct pv_protoconf		 conf;
	struct pvctx			 ctx;
	int				 i;

	fuzz_ctx(&ctx, &conf, PROTO_HOYMILES, state, sizeof(state),
	    hoymiles_statesize(), &fuzzout);
	memset(&dev, 0, sizeof(dev));
	strlcpy(dev.name, "4143A0123456", sizeof(dev.name));
	dev.proto = PROTO_HOYMILES;
	dev.interval = 60;
	ctx.dev = poll ? &dev : NULL;
	dialled = poll;

	fuzz_nreplies = 0;
	hoymiles_open(&ctx);
	(void)fuzz_feed(&hoymiles, &ctx, data, size, chunk);
	ticking = 1;
	for (i = 0; i < 2; i++) {
		fuzz_nreplies = 0;
		hoymiles_tick(&ctx);
	}
	ticking = 0;
	hoymiles_gone(&ctx);
}

/* the input made one well-formed frame: magic, length and CRC right */
static void
whole(const uint8_t *data, size_t size)
{
	uint8_t		*frame;

	if (size < 10 || size > FRAME_LIMIT)
		return;
	if ((frame = malloc(size)) == NULL)
		abort();
	memcpy(frame, data, size);
	frame[0] = 'H';
	frame[1] = 'M';
	frame[8] = size >> 8;
	frame[9] = size & 0xff;
	(void)fixcrc(frame, size);
	run(frame, size, 0, 0);
	run(frame, size, 0, 1);
	free(frame);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, 0, 0);
	run(data, size, 1 + size % 13, 0);
	run(data, size, 0, 1);
	whole(data, size);
	return (0);
}
