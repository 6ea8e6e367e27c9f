/*
 * libFuzzer target: the APsystems ECU framer and decoder on one
 * connection, fed the input once as a single read and once in small
 * reads, then once made into a well-formed frame of its own length
 * ("APS", length field, line feed put right), and once more as the
 * body of a data record (APS18, command AAAA), so that the fuzzer
 * reaches the inverter records.  The pvout checks what the decoder
 * produces:
 *
 *  - at most one reply per frame, and only the ones the protocol has:
 *    "101" with the data record's own time, "100" to the stored-records
 *    query, the 51-character A100 to an A101 poll with its ECU id, the
 *    38-character ack of an A123 status with its time;
 *  - records the exporter will accept: record_pack() succeeds and
 *    record_unpack() gives the same record back; device set, all text
 *    printable, an inverter's via the record's ECU id;
 *  - dumps of the frame itself with a non-empty reason;
 *  - never a close.
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

#define FRAME_LIMIT	16368
#define FUZZ_NOW	1712861197

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 out_reply(struct pvctx *, const uint8_t *, size_t);
static void	 out_record(struct pvctx *, const struct record *);
static void	 out_dump(struct pvctx *, const uint8_t *, size_t,
		    const char *);
static void	 out_close(struct pvctx *);
static void	 check_text(const char *, size_t, int);
static void	 run(const uint8_t *, size_t, size_t);
static void	 whole(const uint8_t *, size_t);
static void	 data_record(const uint8_t *, size_t);

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
	(void)ctx;
	if (++nreplies > 1 || curlen < 11)
		abort();
	if (len == 17) {
		/* a data record's own time */
		if (curlen < 87 || memcmp(cur, "APS18", 5) != 0 ||
		    memcmp(cur + 10, "AAAA", 4) != 0 ||
		    memcmp(buf, "101", 3) != 0 ||
		    memcmp(buf + 3, cur + 60, 14) != 0)
			abort();
	} else if (len == 3) {
		if (memcmp(buf, "100", 3) != 0 || curlen != 23 ||
		    memcmp(cur, "APS13", 5) != 0)
			abort();
	} else if (len == 51) {
		if (curlen != 52 || memcmp(cur + 10, "A101", 4) != 0 ||
		    memcmp(buf, "APS13AAA51A101AAA0", 18) != 0 ||
		    memcmp(buf + 18, cur + 18, 12) != 0 ||
		    memcmp(buf + 30, "A10000000000000000END", 21) != 0)
			abort();
	} else if (len == 38) {
		if (curlen < 52 || memcmp(cur, "APS15", 5) != 0 ||
		    memcmp(buf, "APS1300038A123AAA0101", 21) != 0 ||
		    memcmp(buf + 21, cur + 34, 14) != 0 ||
		    memcmp(buf + 35, "END", 3) != 0)
			abort();
	} else
		abort();
}

static void
out_record(struct pvctx *ctx, const struct record *rec)
{
	static uint8_t		wire[PVGATE_IMSG_PAYLOAD];
	static struct record	back;
	size_t			i, n;

	(void)ctx;
	if (rec->proto != PROTO_APSYSTEMS_ECU || curlen < 87)
		abort();
	check_text(rec->device, sizeof(rec->device), 1);
	check_text(rec->via, sizeof(rec->via), 0);
	check_text(rec->peer, sizeof(rec->peer), 0);
	if (rec->via[0] != '\0' && (strlen(rec->via) != 12 ||
	    memcmp(rec->via, cur + 18, 12) != 0))
		abort();
	if (rec->via[0] == '\0' && (strlen(rec->device) != 12 ||
	    memcmp(rec->device, cur + 18, 12) != 0))
		abort();
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

/* one connection: the input in reads of chunk bytes (0: all at once) */
static void
run(const uint8_t *data, size_t size, size_t chunk)
{
	static uint8_t		 buf[FRAME_LIMIT];
	static uint64_t		 state[8];
	struct pv_protoconf	 conf;
	struct pvctx		 ctx;
	const char		*why;
	uint8_t			*frame;
	size_t			 len = 0, take, n;
	int			 v;

	if (apsystems_statesize() > sizeof(state))
		abort();
	memset(state, 0, sizeof(state));
	memset(&conf, 0, sizeof(conf));
	conf.proto = PROTO_APSYSTEMS_ECU;
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
			v = apsystems_frame(buf, len, sizeof(buf), &n, &why);
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
				cur = frame;
				curlen = n;
				nreplies = 0;
				apsystems_decode(&ctx, frame, n);
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

/* the input with "APS", its length and a line feed put right */
static void
whole(const uint8_t *data, size_t size)
{
	uint8_t	*frame;
	char	 len[8];
	int	 i;

	if (size < 11 || size > FRAME_LIMIT)
		return;
	if ((frame = malloc(size)) == NULL)
		abort();
	memcpy(frame, data, size);
	memcpy(frame, "APS", 3);
	(void)snprintf(len, sizeof(len), "%05zu", size - 1);
	for (i = 0; i < 5; i++)
		frame[5 + i] = len[i];
	frame[size - 1] = '\n';
	run(frame, size, 0);
	free(frame);
}

/*
 * The input as the body of a data record, after an 18-character head
 * (a seed that is a whole frame gives its own body).
 */
static void
data_record(const uint8_t *data, size_t size)
{
	uint8_t	*frame;
	char	 len[8];
	size_t	 n;
	int	 i;

	if (size >= 18 && memcmp(data, "APS", 3) == 0) {
		data += 18;
		size -= 18;
		if (size > 0 && data[size - 1] == '\n')
			size--;
	}
	n = 18 + size + 1;
	if (n > FRAME_LIMIT)
		return;
	if ((frame = malloc(n)) == NULL)
		abort();
	memcpy(frame, "APS18AAAAAAAAAAAA1", 18);
	memcpy(frame + 18, data, size);
	(void)snprintf(len, sizeof(len), "%5zu", n - 1);
	for (i = 0; i < 5; i++)
		frame[5 + i] = len[i] == ' ' ? 'A' : len[i];
	frame[n - 1] = '\n';
	run(frame, n, 0);
	free(frame);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, 0);
	run(data, size, 1 + size % 13);
	whole(data, size);
	data_record(data, size);
	return (0);
}
