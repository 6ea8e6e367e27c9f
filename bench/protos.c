/*
 * One entry per protocol the benchmark can drive.  File names are
 * relative to regress/vectors/.
 */

#include <err.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

static int	sm_reply_ok(const uint8_t *, size_t, const uint8_t *, size_t,
		    time_t);
static size_t	sm_answer(const uint8_t *, size_t, uint8_t *, size_t,
		    time_t);

const struct bench_proto bench_protos[] = {
	{
		"solarman-v5",
		"solarman-v5/08-data-ind-4210-02b0.hex",
		"solarman-v5/09-data-rsp-1210.hex",
		1,
		{
			"solarman-v5/01-device-ind-4110.hex",
			"solarman-v5/08-data-ind-4210-02b0.hex",
			"solarman-v5/10-data-ind-4210-ftype81.hex",
			"solarman-v5/19-sync-start-ind-4310.hex",
			"solarman-v5/22-sync-end-ind-4810.hex",
			"solarman-v5/24-heartbeat-ind-4710.hex",
			NULL
		},
		solarman_frame,
		sm_reply_ok,
		sm_answer,
		"heartbeat_interval = 60\n"
	},
	{ NULL, NULL, NULL, 0, { NULL }, NULL, NULL, NULL, NULL }
};

const struct bench_proto *
bench_proto(const char *name)
{
	const struct bench_proto	*bp;

	for (bp = bench_protos; bp->name != NULL; bp++)
		if (strcmp(bp->name, name) == 0)
			return (bp);
	return (NULL);
}

/* lowercase hex, any white space between bytes */
size_t
bench_loadhex(const char *path, uint8_t *buf, size_t max)
{
	FILE		*fp;
	unsigned int	 b;
	size_t		 n = 0;
	int		 c;

	if ((fp = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	for (;;) {
		while ((c = fgetc(fp)) == ' ' || c == '\n' || c == '\r' ||
		    c == '\t')
			;
		if (c == EOF)
			break;
		ungetc(c, fp);
		if (fscanf(fp, "%2x", &b) != 1)
			errx(1, "%s: not hex", path);
		if (n == max)
			errx(1, "%s: longer than %zu bytes", path, max);
		buf[n++] = b;
	}
	fclose(fp);
	if (n == 0)
		errx(1, "%s: empty", path);
	return (n);
}

/*
 * Solarman V5 (spec B.3): the 23-byte ack.  Bytes 13..16 are the
 * cloud's clock and byte 21 the checksum over it; everything else must
 * be the captured reply's.
 */
#define SM_ACKLEN	23
#define SM_TIME		13

static uint8_t
sm_sum(const uint8_t *buf, size_t len)
{
	size_t	i;
	uint8_t	sum = 0;

	for (i = 1; i < len - 2; i++)
		sum += buf[i];
	return (sum);
}

static int
sm_reply_ok(const uint8_t *got, size_t len, const uint8_t *want,
    size_t wantlen, time_t now)
{
	long	skew;

	if (len != wantlen || len != SM_ACKLEN)
		return (0);
	if (memcmp(got, want, SM_TIME) != 0 ||
	    memcmp(got + SM_TIME + 4, want + SM_TIME + 4,
	    len - SM_TIME - 4 - 2) != 0 || got[len - 1] != want[len - 1])
		return (0);
	if (sm_sum(got, len) != got[len - 2])
		return (0);
	skew = (long)pv_le32(got + SM_TIME) - (long)now;
	return (skew >= -5 && skew <= 5);
}

/*
 * The floor's ack: the indications pvgated acks, no checksum test, no
 * decoding.  Control code minus 0x3000, server sequence byte plus one,
 * device sequence byte and logger serial copied, frame type copied,
 * "accepted", our clock, heartbeat 60 s.
 */
static size_t
sm_answer(const uint8_t *req, size_t len, uint8_t *out, size_t max,
    time_t now)
{
	uint16_t	ctrl;

	if (len < 14 || max < SM_ACKLEN)
		return (0);
	ctrl = pv_le16(req + 3);
	switch (ctrl) {
	case 0x4110:
	case 0x4210:
	case 0x4310:
	case 0x4710:
	case 0x4810:
		break;
	default:
		return (0);
	}
	out[0] = 0xa5;
	pv_put_le16(out + 1, 10);
	pv_put_le16(out + 3, ctrl - 0x3000);
	out[5] = (uint8_t)(req[5] + 1);
	out[6] = req[6];
	memcpy(out + 7, req + 7, 4);
	out[11] = req[11];
	out[12] = 0x01;
	pv_put_le32(out + SM_TIME, (uint32_t)now);
	pv_put_le32(out + 17, 60);
	out[21] = sm_sum(out, SM_ACKLEN);
	out[22] = 0x15;
	return (SM_ACKLEN);
}
