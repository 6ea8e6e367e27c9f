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

#define FRAME_LIMIT	16368
#define FUZZ_NOW	1712861197
#define SUCCESS		"{\"Status\":\"Success\"}"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 out_reply(struct pvctx *, const uint8_t *, size_t);
static void	 out_record(struct pvctx *, const struct record *);
static void	 out_dump(struct pvctx *, const uint8_t *, size_t,
		    const char *);
static void	 out_close(struct pvctx *);
static void	 out_claim(struct pvctx *, const char *);
static void	 check_text(const char *, size_t, int);
static void	 check_masked(const uint8_t *, size_t);
static void	 decode(struct pvctx *, const uint8_t *, size_t);
static int	 fixcrc(uint8_t *, size_t);
static void	 run(const uint8_t *, size_t, size_t);
static void	 whole(const uint8_t *, size_t);

static const struct pvout	fuzzout = {
	out_reply, out_record, out_dump, out_close, NULL, NULL, out_claim
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
	if (++nreplies > 1 || curlen < 9 || len != 29)
		abort();
	if (cur[0] != 0x01 || cur[1] != 0x01 || cur[2] == 8)
		abort();
	crc = alphaess_crc(cur, curlen - 2);
	if (pv_be16(cur + curlen - 2) != crc)
		abort();
	if (buf[0] != 0x01 || buf[1] != 0x02 || buf[2] != cur[2] ||
	    pv_be32(buf + 3) != 20 || memcmp(buf + 7, SUCCESS, 20) != 0 ||
	    pv_be16(buf + 27) != alphaess_crc(buf, 27))
		abort();
}

static void
out_record(struct pvctx *ctx, const struct record *rec)
{
	static uint8_t		wire[PVGATE_IMSG_PAYLOAD];
	static struct record	back;
	size_t			i, n;

	(void)ctx;
	if (rec->proto != PROTO_ALPHAESS)
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
	if (len != curlen)
		abort();
	if (reason == NULL || reason[0] == '\0' ||
	    strlen(reason) >= PV_REASONLEN)
		abort();
	check_text(reason, PV_REASONLEN, 1);
	check_masked(buf, len);
}

static void
out_close(struct pvctx *ctx)
{
	(void)ctx;
	abort();
}

static void
out_claim(struct pvctx *ctx, const char *name)
{
	(void)ctx;
	check_text(name, PV_NAMELEN, 1);
}

static void
decode(struct pvctx *ctx, const uint8_t *frame, size_t n)
{
	cur = frame;
	curlen = n;
	nreplies = 0;
	alphaess_decode(ctx, frame, n);
}

/* set the CRC of a frame; 1 if it was wrong */
static int
fixcrc(uint8_t *frame, size_t n)
{
	uint16_t	crc;

	crc = alphaess_crc(frame, n - 2);
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
	static uint8_t		 buf[FRAME_LIMIT];
	static uint64_t		 state[256];
	struct pv_protoconf	 conf;
	struct pvctx		 ctx;
	const char		*why;
	uint8_t			*frame;
	size_t			 len = 0, take, n;
	int			 v;

	if (alphaess_statesize() > sizeof(state))
		abort();
	memset(state, 0, sizeof(state));
	memset(&conf, 0, sizeof(conf));
	conf.proto = PROTO_ALPHAESS;
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
			v = alphaess_frame(buf, len, sizeof(buf), &n, &why);
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
				/* a blind fuzzer rarely gets the CRC right */
				if (fixcrc(frame, n))
					decode(&ctx, frame, n);
				free(frame);
			}
			memmove(buf, buf + n, len - n);
			len -= n;
			if (len == 0)
				break;
			ctx.now++;
		}
		/* a full buffer the framer still wants more for is a bug */
		if (len == sizeof(buf))
			abort();
	}
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
