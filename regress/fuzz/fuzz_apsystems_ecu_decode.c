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
#include "fuzzlib.h"

#define FRAME_LIMIT	FUZZ_FRAME_LIMIT

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 out_reply(struct pvctx *, const uint8_t *, size_t);
static void	 out_record(struct pvctx *, const struct record *);
static void	 run(const uint8_t *, size_t, size_t);
static void	 whole(const uint8_t *, size_t);
static void	 data_record(const uint8_t *, size_t);

static const struct pvout	fuzzout = {
	out_reply, out_record, fuzz_out_dump, fuzz_no_close, NULL, NULL, NULL,
	fuzz_admit, NULL
};
static const struct fuzz_conn	aps = {
	apsystems_frame, apsystems_decode, NULL, 0
};


static void
out_reply(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	if (++fuzz_nreplies > 1 || fuzz_curlen < 11)
		abort();
	if (len == 17) {
		/* a data record's own time */
		if (fuzz_curlen < 87 || memcmp(fuzz_cur, "APS18", 5) != 0 ||
		    memcmp(fuzz_cur + 10, "AAAA", 4) != 0 ||
		    memcmp(buf, "101", 3) != 0 ||
		    memcmp(buf + 3, fuzz_cur + 60, 14) != 0)
			abort();
	} else if (len == 3) {
		if (memcmp(buf, "100", 3) != 0 || fuzz_curlen != 23 ||
		    memcmp(fuzz_cur, "APS13", 5) != 0)
			abort();
	} else if (len == 51) {
		if (fuzz_curlen != 52 ||
		    memcmp(fuzz_cur + 10, "A101", 4) != 0 ||
		    memcmp(buf, "APS13AAA51A101AAA0", 18) != 0 ||
		    memcmp(buf + 18, fuzz_cur + 18, 12) != 0 ||
		    memcmp(buf + 30, "A10000000000000000END", 21) != 0)
			abort();
	} else if (len == 38) {
		if (fuzz_curlen < 52 || memcmp(fuzz_cur, "APS15", 5) != 0 ||
		    memcmp(buf, "APS1300038A123AAA0101", 21) != 0 ||
		    memcmp(buf + 21, fuzz_cur + 34, 14) != 0 ||
		    memcmp(buf + 35, "END", 3) != 0)
			abort();
	} else
		abort();
}

static void
out_record(struct pvctx *ctx, const struct record *rec)
{
	(void)ctx;
	if (fuzz_curlen < 87)
		abort();
	fuzz_check_record(rec, PROTO_APSYSTEMS_ECU);
	if (rec->via[0] != '\0' && (strlen(rec->via) != 12 ||
	    memcmp(rec->via, fuzz_cur + 18, 12) != 0))
		abort();
	if (rec->via[0] == '\0' && (strlen(rec->device) != 12 ||
	    memcmp(rec->device, fuzz_cur + 18, 12) != 0))
		abort();
}

/* one connection: the input in reads of chunk bytes (0: all at once) */
static void
run(const uint8_t *data, size_t size, size_t chunk)
{
	/* the state is the local port's poll's, unused here */
	static uint64_t		 state[16384 / sizeof(uint64_t)];
	struct pv_protoconf	 conf;
	struct pvctx		 ctx;

	fuzz_ctx(&ctx, &conf, PROTO_APSYSTEMS_ECU, state, sizeof(state),
	    apsystems_statesize(), &fuzzout);
	(void)fuzz_feed(&aps, &ctx, data, size, chunk);
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
