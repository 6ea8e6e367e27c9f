/*
 * libFuzzer target: the E3/DC RSCP session (proto/e3dc_rscp.c) as an
 * E3/DC would drive it.  The first input byte picks the shape:
 *
 *  - even: the rest is ciphertext, fed through the framer in reads of
 *    varying size, with the timer firing now and then;
 *  - odd: the rest is cut into pieces that the fuzzer's E3/DC makes
 *    well-formed frames of and encrypts on its chain, so the values
 *    reach the session in every phase (authentication, identity and
 *    system info, polls with their battery, module, string and meter
 *    containers); a piece of one byte fires the timer instead.  A
 *    piece's length is a byte, or 0xff and two more (little-endian,
 *    up to PIECE_MAX), for answers as long as a full poll's.
 *
 * regress/fuzz/seeds/fuzz_e3dc_session/ holds sessions of the odd
 * kind: authentication, the system info and full polls, which the
 * fuzzer mutates from.
 *
 * The pvout checks what the session does: every request is whole
 * blocks that decrypt on the E3/DC's chain to a good frame; a dump is
 * a run of the ciphertext the E3/DC sent (the IV block before it
 * included), never plaintext or a request, with a reason; records pack
 * and unpack.
 *
 * Needs every proto/ file.
 */

#define _GNU_SOURCE		/* memmem */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "record.h"
#include "fuzzlib.h"
#include "rijndael.h"
#include "rscp.h"

#define BLOCK		32
#define STREAM_MAX	(1 << 20)
#define FUZZ_PASSWORD	"fuzz-password"
#define PIECE_MAX	2048

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 out_reply(struct pvctx *, const uint8_t *, size_t);
static void	 out_record(struct pvctx *, const struct record *);
static void	 out_dump(struct pvctx *, const uint8_t *, size_t,
		    const char *);
static void	 out_close(struct pvctx *);
static void	 out_timer(struct pvctx *, unsigned int);
static void	 out_claim(struct pvctx *, const char *);
static void	 send_e3dc(struct pvctx *, const uint8_t *, size_t);
static int	 within(const uint8_t *, size_t, const uint8_t *, size_t);

static const struct pvout	fuzzout = {
	out_reply, out_record, out_dump, out_close, out_timer, NULL,
	out_claim, fuzz_admit, NULL
};

static struct rijndael	 e3dc;		/* the E3/DC's key */
static uint8_t		 e3dc_txiv[BLOCK], e3dc_rxiv[BLOCK];
/* everything the E3/DC sent, after the initial IV */
static uint8_t		 stream[BLOCK + STREAM_MAX];
static size_t		 streamlen;
static unsigned int	 timer;
static int		 closed;

/* does hay hold needle? */
static int
within(const uint8_t *hay, size_t haylen, const uint8_t *needle, size_t n)
{
	return (memmem(hay, haylen, needle, n) != NULL);
}

static void
out_reply(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	static uint8_t	 pt[4096];
	const char	*why;
	size_t		 flen;
	struct rscp_frame fr;

	(void)ctx;
	if (len == 0 || len % BLOCK != 0 || len > sizeof(pt))
		abort();
	rijndael_cbc_decrypt(&e3dc, e3dc_rxiv, buf, pt, len);
	if (rscp_header(pt, len, &flen, &why) == -1 || flen > len ||
	    len - flen >= BLOCK || rscp_frame(pt, flen, &fr, &why) == -1)
		abort();
}

static void
out_record(struct pvctx *ctx, const struct record *rec)
{
	static uint8_t		wire[PVGATE_IMSG_PAYLOAD];
	static struct record	back;
	size_t			n;

	(void)ctx;
	if (rec->proto != PROTO_E3DC_RSCP || rec->device[0] == '\0')
		abort();
	if ((n = record_pack(rec, wire, sizeof(wire))) == 0 ||
	    record_unpack(&back, wire, n) == -1 ||
	    back.nmetrics != rec->nmetrics)
		abort();
}

static void
out_dump(struct pvctx *ctx, const uint8_t *buf, size_t len,
    const char *reason)
{
	(void)ctx;
	fuzz_check_reason(reason);
	/* what the E3/DC sent, as it sent it: no plaintext, no request */
	if (len > 0 && !within(stream, BLOCK + streamlen, buf, len))
		abort();
}

static void
out_close(struct pvctx *ctx)
{
	(void)ctx;
	closed = 1;
}

static void
out_timer(struct pvctx *ctx, unsigned int msec)
{
	(void)ctx;
	timer = msec;
}

static void
out_claim(struct pvctx *ctx, const char *name)
{
	(void)ctx;
	if (name == NULL || name[0] == '\0')
		abort();
}

/* bytes from the E3/DC, through the framer as the connector cuts them */
static void
send_e3dc(struct pvctx *ctx, const uint8_t *ct, size_t n)
{
	static uint8_t	 buf[8192];
	static size_t	 len;
	const char	*why;
	size_t		 fn, take;
	int		 v;

	if (ctx == NULL) {
		len = 0;
		return;
	}
	if (n > STREAM_MAX - streamlen)
		return;
	memcpy(stream + BLOCK + streamlen, ct, n);
	streamlen += n;
	while (n > 0) {
		take = n < sizeof(buf) - len ? n : sizeof(buf) - len;
		memcpy(buf + len, ct, take);
		len += take;
		ct += take;
		n -= take;
		for (;;) {
			fn = 0;
			v = e3dc_frame(buf, len, sizeof(buf), &fn, &why);
			if (v == FRAME_MORE)
				break;
			if (v != FRAME_OK || fn == 0 || fn > len ||
			    fn % BLOCK != 0)
				abort();
			e3dc_decode(ctx, buf, fn);
			memmove(buf, buf + fn, len - fn);
			len -= fn;
		}
		if (len >= BLOCK)
			abort();
	}
}

static void
tick(struct pvctx *ctx)
{
	if (timer == 0)
		return;
	timer = 0;
	ctx->now += 7;
	e3dc_tick(ctx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t		 state[16384];
	static uint8_t		 frame[RSCP_HDRLEN + PIECE_MAX + BLOCK];
	struct pv_protoconf	 conf;
	struct pv_deviceconf	 dev;
	struct pv_secret	 sec;
	struct pvctx		 ctx;
	struct rscp_builder	 b;
	uint8_t			 key[BLOCK];
	size_t			 n, k, padded;
	int			 mode;

	if (size == 0 || e3dc_statesize() > sizeof(state))
		return (0);
	mode = data[0] & 1;
	data++;
	size--;

	memset(key, 0xff, sizeof(key));
	memcpy(key, "fuzzkey", 7);
	(void)rijndael_setkey(&e3dc, key, sizeof(key), BLOCK);
	memset(e3dc_txiv, 0xff, BLOCK);
	memset(e3dc_rxiv, 0xff, BLOCK);
	memset(stream, 0xff, BLOCK);
	streamlen = 0;
	send_e3dc(NULL, NULL, 0);
	timer = 0;
	closed = 0;

	memset(state, 0, e3dc_statesize());
	memset(&conf, 0, sizeof(conf));
	conf.proto = PROTO_E3DC_RSCP;
	memset(&dev, 0, sizeof(dev));
	memcpy(dev.name, "e3dc", 5);
	dev.proto = PROTO_E3DC_RSCP;
	dev.interval = 5;
	memset(&sec, 0, sizeof(sec));
	sec.proto = PROTO_E3DC_RSCP;
	memcpy(sec.key, "fuzzkey", 8);
	memcpy(sec.user, "fuzz", 5);
	memcpy(sec.password, FUZZ_PASSWORD, sizeof(FUZZ_PASSWORD));
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = &conf;
	ctx.state = state;
	ctx.now = 1700000000;
	ctx.peer = "192.0.2.30:5033";
	ctx.dev = &dev;
	ctx.secret = &sec;
	ctx.out = &fuzzout;
	e3dc_open(&ctx);

	while (size > 0 && !closed) {
		/* a length byte (or 0xff and two), then that many bytes */
		n = data[0];
		data++;
		size--;
		if (n == 0xff && mode == 1 && size >= 2) {
			n = (size_t)data[0] | (size_t)data[1] << 8;
			if (n > PIECE_MAX)
				n = PIECE_MAX;
			data += 2;
			size -= 2;
		}
		if (n > size)
			n = size;
		if (mode == 0) {
			send_e3dc(&ctx, data, n);
			if (n % 5 == 1)
				tick(&ctx);
		} else if (n == 1) {
			tick(&ctx);
		} else {
			rscp_build(&b, frame, sizeof(frame));
			memcpy(frame + RSCP_HDRLEN, data, n);
			b.len += n;
			k = rscp_seal(&b, ctx.now, 0);
			padded = (k + BLOCK - 1) / BLOCK * BLOCK;
			memset(frame + k, 0, padded - k);
			rijndael_cbc_encrypt(&e3dc, e3dc_txiv, frame, frame,
			    padded);
			send_e3dc(&ctx, frame, padded);
		}
		data += n;
		size -= n;
	}
	e3dc_gone(&ctx);
	return (0);
}
