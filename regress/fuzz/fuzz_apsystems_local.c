/*
 * libFuzzer target: the APsystems ECU's local-port poll
 * (proto/apsystems_local.c) as a dialled ECU drives it, connection
 * after connection, the state carried over by the hangups as the
 * decoder carries it.  The first input byte picks the shape, the
 * second the size of the reads and the timeout; the rest is pieces:
 *
 *  - even: a piece, its length in 2 bytes, is what the ECU sends on
 *    one connection, through the framer;
 *  - odd: a piece, its length in 1 byte, becomes the body of a
 *    well-formed answer to the query just asked (head, length and
 *    "END" put right; for an even length the ECU id or status it
 *    starts with too), so that the values reach the parsers.  A piece
 *    of 0 bytes fires the timer, one of 1 byte is the ECU closing the
 *    connection.
 *
 * The pvout checks what the poll does: at most one query per
 * connection, right when it opens, exactly one of the three with the
 * device's id; at most one hangup per connection, none but after its
 * exchange, waiting 1 s to an interval; never a plain close; records
 * of the ECU or via it that pack and unpack; dumps of the frame being
 * decoded, with a reason.
 *
 * Needs every proto/ file.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "record.h"
#include "fuzzlib.h"

#define ECU		"216000123400"
#define IVL		60
#define ANSWER_MAX	(13 + 255 + 4)

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 out_reply(struct pvctx *, const uint8_t *, size_t);
static void	 out_record(struct pvctx *, const struct record *);
static void	 out_timer(struct pvctx *, unsigned int);
static void	 out_hangup(struct pvctx *, unsigned int);
static void	 quiet(const char *);
static void	 next_conn(struct pvctx *, int);
static void	 piece(struct pvctx *, const uint8_t *, size_t);
static void	 stream(struct pvctx *, const uint8_t *, size_t, size_t);

static const struct pvout	fuzzout = {
	out_reply, out_record, fuzz_out_dump, fuzz_no_close, out_timer, NULL,
	NULL, fuzz_admit, out_hangup
};
static const struct fuzz_conn	aps = {
	apsystems_frame, apsystems_decode, NULL, 0
};

static uint64_t			 state[16384 / sizeof(uint64_t)];
static struct pv_deviceconf	 dev;
static char			 asked[5];	/* this connection's query */
static int			 replies, hangups;
static unsigned int		 redial, timer;

static void
quiet(const char *line)
{
	(void)line;
}

static void
out_reply(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	/* one query, when the connection opens, of the three */
	if (fuzz_cur != NULL || ++replies > 1 || hangups > 0)
		abort();
	if (len == 17 && memcmp(buf, "APS1100160001END\n", 17) == 0)
		memcpy(asked, "0001", 5);
	else if (len == 29 && memcmp(buf, "APS110028", 9) == 0 &&
	    (memcmp(buf + 9, "0002", 4) == 0 ||
	    memcmp(buf + 9, "0030", 4) == 0) &&
	    memcmp(buf + 13, ECU, 12) == 0 &&
	    memcmp(buf + 25, "END\n", 4) == 0) {
		memcpy(asked, buf + 9, 4);
		asked[4] = '\0';
	} else
		abort();
}

static void
out_record(struct pvctx *ctx, const struct record *rec)
{
	fuzz_check_record(rec, PROTO_APSYSTEMS_ECU);
	if (strcmp(rec->device, ECU) == 0 ? rec->via[0] != '\0' :
	    strcmp(rec->via, ECU) != 0)
		abort();
	(void)ctx;
}

static void
out_timer(struct pvctx *ctx, unsigned int msec)
{
	(void)ctx;
	timer = msec;
}

static void
out_hangup(struct pvctx *ctx, unsigned int msec)
{
	(void)ctx;
	if (++hangups > 1 || msec < 1000 || msec > IVL * 1000)
		abort();
	redial = msec;
}

/*
 * The connection ends (closed: the ECU did it); the next one opens
 * when the connector would dial it, with the state kept if there was a
 * hangup, zeroed if not.
 */
static void
next_conn(struct pvctx *ctx, int closed)
{
	if (closed || hangups > 0) {
		fuzz_cur = NULL;
		timer = 0;
		apsystems_gone(ctx);
		if (hangups == 0)
			memset(state, 0, sizeof(state));
		ctx->now += hangups > 0 ? redial / 1000 : 1;
		ctx->conn++;
	}
	replies = hangups = 0;
	asked[0] = '\0';
	apsystems_open(ctx);
}

/* a piece of the odd shape: an event, or the body of an answer */
static void
piece(struct pvctx *ctx, const uint8_t *p, size_t n)
{
	uint8_t		 a[ANSWER_MAX];
	char		 len[8];
	const char	*cmd = asked[0] != '\0' ? asked : "0001";

	if (n == 0) {
		if (timer != 0) {
			timer = 0;
			apsystems_tick(ctx);
		}
		return;
	}
	if (n == 1) {
		next_conn(ctx, 1);
		return;
	}
	memcpy(a, "APS11", 5);
	(void)snprintf(len, sizeof(len), "%04zu", 13 + n + 3);
	memcpy(a + 5, len, 4);
	memcpy(a + 9, cmd, 4);
	memcpy(a + 13, p, n);
	if (n % 2 == 0 && strcmp(cmd, "0001") == 0 && n >= 12)
		memcpy(a + 13, ECU, 12);
	else if (n % 2 == 0 && strcmp(cmd, "0002") == 0 && n >= 4)
		memcpy(a + 13, "0001", 4);
	else if (n % 2 == 0 && n >= 2)
		memcpy(a + 13, "00", 2);
	memcpy(a + 13 + n, "END\n", 4);
	(void)fuzz_feed(&aps, ctx, a, 13 + n + 4, 0);
}

/* a piece of the even shape: one connection's bytes */
static void
stream(struct pvctx *ctx, const uint8_t *p, size_t n, size_t chunk)
{
	(void)fuzz_feed(&aps, ctx, p, n, chunk);
	next_conn(ctx, hangups == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pv_protoconf	conf;
	struct pvctx		ctx;
	size_t			chunk, n;
	int			odd;

	if (size < 2)
		return (0);
	odd = data[0] % 2;
	chunk = data[1] / 4;
	pv_log_hook(quiet);
	fuzz_ctx(&ctx, &conf, PROTO_APSYSTEMS_ECU, state, sizeof(state),
	    apsystems_statesize(), &fuzzout);
	memset(&dev, 0, sizeof(dev));
	(void)snprintf(dev.name, sizeof(dev.name), "%s", ECU);
	dev.proto = PROTO_APSYSTEMS_ECU;
	dev.interval = IVL;
	dev.timeout = data[1] % 2 ? 0 : 3000;
	ctx.dev = &dev;
	timer = 0;
	next_conn(&ctx, 0);
	for (data += 2, size -= 2; size > 0; data += n, size -= n) {
		if (!odd && size >= 2) {
			n = (size_t)data[0] << 8 | data[1];
			data += 2;
			size -= 2;
			n = n < size ? n : size;
			stream(&ctx, data, n, chunk);
			continue;
		}
		n = data[0] < size - 1 ? data[0] : size - 1;
		data++;
		size--;
		if (hangups > 0)
			next_conn(&ctx, 0);
		piece(&ctx, data, n);
	}
	return (0);
}
