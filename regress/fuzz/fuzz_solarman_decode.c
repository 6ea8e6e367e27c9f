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

#define FRAME_LIMIT	16368
#define FUZZ_NOW	1712861197
#define FUZZ_HB		60

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 out_reply(struct pvctx *, const uint8_t *, size_t);
static void	 out_record(struct pvctx *, const struct record *);
static void	 out_dump(struct pvctx *, const uint8_t *, size_t,
		    const char *);
static void	 out_close(struct pvctx *);
static void	 check_text(const char *, size_t, int);
static void	 decode(struct pvctx *, const uint8_t *, size_t);
static int	 fixsum(uint8_t *, size_t);
static void	 run(const uint8_t *, size_t, size_t);
static void	 whole(const uint8_t *, size_t);

static const struct pvout	fuzzout = {
	out_reply, out_record, out_dump, out_close, NULL, NULL, NULL
};

/* the frame being decoded */
static const uint8_t	*cur;
static size_t		 curlen;
static int		 nreplies;

static void
check_text(const char *s, size_t size, int nonempty)
{
	size_t	i;

	for (i = 0; i < size && s[i] != '\0'; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			abort();
	if (i == size || (nonempty && i == 0))
		abort();
}

static void
out_reply(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	uint16_t	ctrl;
	uint8_t		sum = 0;
	size_t		i;

	if (++nreplies > 1 || len != 23 || curlen < 14)
		abort();
	ctrl = cur[3] | cur[4] << 8;
	if (ctrl != 0x4110 && ctrl != 0x4210 && ctrl != 0x4310 &&
	    ctrl != 0x4710 && ctrl != 0x4810)
		abort();
	for (i = 1; i < 21; i++)
		sum += buf[i];
	if (buf[0] != 0xa5 || buf[1] != 10 || buf[2] != 0 ||
	    (buf[3] | buf[4] << 8) != ctrl - 0x3000 ||
	    buf[5] != (uint8_t)(cur[5] + 1) || buf[6] != cur[6] ||
	    memcmp(buf + 7, cur + 7, 4) != 0 || buf[11] != cur[11] ||
	    buf[12] != 1 || pv_le32(buf + 13) != (uint32_t)ctx->now ||
	    pv_le32(buf + 17) != FUZZ_HB || buf[21] != sum || buf[22] != 0x15)
		abort();
}

static void
out_record(struct pvctx *ctx, const struct record *rec)
{
	static uint8_t		wire[PVGATE_IMSG_PAYLOAD];
	static struct record	back;
	size_t			i, n;

	(void)ctx;
	if (rec->proto != PROTO_SOLARMAN_V5)
		abort();
	check_text(rec->device, sizeof(rec->device), 1);
	check_text(rec->via, sizeof(rec->via), 0);
	check_text(rec->peer, sizeof(rec->peer), 0);
	for (i = 0; i < rec->nattrs && i < RECORD_MAX_ATTRS; i++)
		check_text(rec->attrs[i].value, sizeof(rec->attrs[i].value),
		    0);

	if ((n = record_pack(rec, wire, sizeof(wire))) == 0)
		abort();
	if (record_unpack(&back, wire, n) == -1)
		abort();
	if (back.nmetrics != rec->nmetrics || back.nattrs != rec->nattrs ||
	    back.time != rec->time || strcmp(back.device, rec->device) != 0)
		abort();
	for (i = 0; i < rec->nmetrics; i++)
		if (back.metrics[i].raw != rec->metrics[i].raw)
			abort();
}

static void
out_dump(struct pvctx *ctx, const uint8_t *buf, size_t len,
    const char *reason)
{
	(void)ctx;
	if (buf != cur || len != curlen)
		abort();
	if (reason == NULL || reason[0] == '\0' ||
	    strlen(reason) >= PV_REASONLEN)
		abort();
	check_text(reason, PV_REASONLEN, 1);
}

static void
out_close(struct pvctx *ctx)
{
	(void)ctx;
	abort();
}

static void
decode(struct pvctx *ctx, const uint8_t *frame, size_t n)
{
	cur = frame;
	curlen = n;
	nreplies = 0;
	solarman_decode(ctx, frame, n);
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
	static uint8_t		 buf[FRAME_LIMIT];
	static uint64_t		 state[64];
	struct pv_protoconf	 conf;
	struct pvctx		 ctx;
	const char		*why;
	uint8_t			*frame;
	size_t			 len = 0, take, n;
	int			 v;

	if (solarman_statesize() > sizeof(state))
		abort();
	memset(state, 0, sizeof(state));
	memset(&conf, 0, sizeof(conf));
	conf.proto = PROTO_SOLARMAN_V5;
	conf.heartbeat_interval = FUZZ_HB;
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = &conf;
	ctx.state = state;
	ctx.now = FUZZ_NOW;
	ctx.peer = "192.0.2.10:51512";
	ctx.out = &fuzzout;

	while (size > 0) {
		take = chunk == 0 || chunk > size ? size : chunk;
		if (take > sizeof(buf) - len)
			take = sizeof(buf) - len;
		memcpy(buf + len, data, take);
		len += take;
		data += take;
		size -= take;
		for (;;) {
			n = 0;
			v = solarman_frame(buf, len, sizeof(buf), &n, &why);
			if (v == FRAME_MORE)
				break;
			if (v == FRAME_CLOSE)
				return;
			if (n < 1 || n > len)
				abort();
			if (v == FRAME_OK) {
				/* exactly n bytes, so ASan sees any overread */
				if ((frame = malloc(n)) == NULL)
					abort();
				memcpy(frame, buf, n);
				decode(&ctx, frame, n);
				/*
				 * A blind fuzzer rarely gets the checksum
				 * right: decode a corrected copy as well.
				 */
				if (fixsum(frame, n))
					decode(&ctx, frame, n);
				free(frame);
			}
			memmove(buf, buf + n, len - n);
			len -= n;
			if (len == 0)
				break;
		}
		/* a full buffer the framer still wants more for is a bug */
		if (len == sizeof(buf))
			abort();
	}
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
