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

#define FRAME_LIMIT	16368
#define FUZZ_NOW	1712861197

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 out_reply(struct pvctx *, const uint8_t *, size_t);
static void	 out_record(struct pvctx *, const struct record *);
static void	 out_dump(struct pvctx *, const uint8_t *, size_t,
		    const char *);
static void	 out_close(struct pvctx *);
static void	 printable(const char *, size_t, int);
static void	 run(const uint8_t *, size_t, size_t);
static void	 whole(const uint8_t *, size_t);
static void	 block(const uint8_t *, size_t, uint8_t, uint32_t);

static const struct pvout	fuzzout = {
	out_reply, out_record, out_dump, out_close, NULL, NULL, NULL
};

static const uint8_t	*cur;
static size_t		 curlen;
static int		 nreplies;

static void
printable(const char *s, size_t size, int nonempty)
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
	size_t	idlen = cur[4];

	(void)ctx;
	if (++nreplies > 1 || len < 7 + idlen)
		abort();
	if (pv_be32(buf) + 4 != len || buf[4] != idlen ||
	    memcmp(buf + 5, cur + 5, idlen) != 0)
		abort();
	if (buf[5 + idlen] != 0x91 && buf[5 + idlen] != 0x99)
		abort();
	if (buf[6 + idlen] != cur[6 + idlen] || buf[6 + idlen] == 0x13)
		abort();
}

static void
out_record(struct pvctx *ctx, const struct record *rec)
{
	static uint8_t		wire[PVGATE_IMSG_PAYLOAD];
	static struct record	back;
	size_t			i, n;

	(void)ctx;
	if (rec->proto != PROTO_TSUN_GEN3)
		abort();
	printable(rec->device, sizeof(rec->device), 1);
	printable(rec->via, sizeof(rec->via), 0);
	for (i = 0; i < rec->nattrs && i < RECORD_MAX_ATTRS; i++)
		printable(rec->attrs[i].value, sizeof(rec->attrs[i].value), 0);
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
	printable(reason, PV_REASONLEN, 1);
}

static void
out_close(struct pvctx *ctx)
{
	(void)ctx;
	abort();
}

/* one connection: the input in reads of chunk bytes (0: all at once) */
static void
run(const uint8_t *data, size_t size, size_t chunk)
{
	static uint8_t		 buf[FRAME_LIMIT];
	static uint64_t		 state[512];
	struct pv_protoconf	 conf;
	struct pvctx		 ctx;
	const char		*why;
	uint8_t			*frame;
	size_t			 len = 0, take, n;
	int			 v;

	if (gen3_statesize() > sizeof(state))
		abort();
	memset(state, 0, sizeof(state));
	memset(&conf, 0, sizeof(conf));
	conf.proto = PROTO_TSUN_GEN3;
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
			v = gen3_frame(buf, len, sizeof(buf), &n, &why);
			if (v == FRAME_MORE)
				break;
			if (v == FRAME_CLOSE)
				return;
			if (n < 1 || n > len)
				abort();
			if (v == FRAME_OK) {
				/* exactly n bytes, so ASan sees an overread */
				if ((frame = malloc(n)) == NULL)
					abort();
				memcpy(frame, buf, n);
				cur = frame;
				curlen = n;
				nreplies = 0;
				gen3_decode(&ctx, frame, n);
				free(frame);
			}
			memmove(buf, buf + n, len - n);
			len -= n;
			if (len == 0)
				break;
		}
		if (len == sizeof(buf))
			abort();
	}
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
