/*
 * TSUN GEN3 ("Talent"), server mode: the WiFi stick of a TSUN GEN3
 * micro-inverter (MS300 .. MS800, MS3000) connects to us as if we were
 * logger.talent-monitoring.com on port 5005.  We answer what it sends
 * exactly as the cloud does, and decode the collector's and the
 * inverter's data blocks.
 *
 * Frame (integers big-endian, no checksum, no markers):
 *
 *	0	s32 length of the rest of the frame
 *	4	u8 id length (16; up to 17 accepted)
 *	5	id: the collector's serial, ASCII
 *	5+n	u8 control: 0x91 indication, 0x99 response, 0x70 request
 *	6+n	u8 message type
 *	7+n	payload
 *
 * With a [device] section (named by the stick's or the inverter's
 * serial) that sets an interval, the inverter is also polled over
 * Modbus (modbus.c): requests 0x70/0x77, responses 0x91/0x77 or 0x87.
 * They go out only while the link is up, from the first heartbeat or
 * inverter data acked until the next time request.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pvgate.h"
#include "proto.h"
#include "modbus.h"
#include "cmd.h"

#define G3_LENLEN		4
#define G3_MINHDR		5	/* length and id length */
#define G3_MAXID		17
#define G3_FIXED		3	/* id length, control, message type */

#define G3_CTRL_IND		0x91
#define G3_CTRL_RSP		0x99
#define G3_CTRL_REQ		0x70

#define G3_MSG_CONTACT		0x00
#define G3_MSG_INVERTER		0x04
#define G3_MSG_OTA		0x13
#define G3_MSG_TIME		0x22
#define G3_MSG_COLLECTOR	0x71
#define G3_MSG_MODBUS		0x77
#define G3_MSG_MODBUS2		0x87
#define G3_MSG_HEARTBEAT	0x99

#define G3_ACK_DATA		0x01	/* contact info, data blocks */
#define G3_ACK_HEARTBEAT	0x02
#define G3_HEARTBEAT_LEN	9	/* 01, then the stick's ms clock */
#define G3_TIMELEN		8
#define G3_TIMEOUT		15000	/* Modbus response timeout, ms */
/* before every RTU frame */
#define G3_MB_MAGIC		"\x00\x01\xa3\x28"
#define G3_MB_MAGICLEN		4
#define G3_REPLYMAX		(G3_LENLEN + 1 + G3_MAXID + 2 + 32)

/* data block: payload offsets after the block's own id (n bytes) */
#define G3_DATA_ID		0	/* u32 data id */
#define G3_DATA_IDLEN		4	/* u8 n, then the id */
#define G3_DATA_FIXED		(4 + 1 + 1 + 8 + 4)
#define G3_DATA_TS(n)		(6 + (n))	/* s64 ms, local time */
#define G3_DATA_COUNT(n)	(14 + (n))	/* u32 elements */

#define G3_ID_COLLECTOR		0x0e100000
#define G3_ID_MS		0x01900001	/* MS300 .. MS800 */
#define G3_ID_MS3000		0x01900000

/* element types */
#define G3_T_STRING		0x54	/* 'T': u8 length, ASCII */
#define G3_T_INT16		0x53	/* 'S' */
#define G3_T_INT32		0x49	/* 'I' */
#define G3_T_INT64		0x4c	/* 'L' */
#define G3_T_FLOAT		0x46	/* 'F': IEEE 754 single */
#define G3_T_BYTE		0x42	/* 'B' */
#define G3_T_NONE		0x41	/* 'A': no value */
#define G3_T_END		0x00	/* no value, ends the list */

#define G3_FLOAT_DECIMALS	2	/* values come in 0.01 steps */
#define G3_FLOAT_MAX		1e12
/* 9999-12-31T23:59:59Z, the last time a record may carry */
#define G3_TIME_MAX		253402300799LL
#define G3_NPV_MS		4
#define G3_NPV_MS3000		4
#define G3_MS3000_MAXPOWER	3000

/* what an element of a data block is */
enum {
	G3_METRIC,		/* a metric of the vocabulary */
	G3_ATTR,		/* an attribute */
	G3_SERIAL,		/* the inverter's serial */
	G3_INPUTS		/* the number of PV inputs */
};

/* how its value is scaled */
#define G3_F_MINUTES		0x01	/* minutes, given in seconds */
#define G3_F_COEFF		0x02	/* 1024 = 100 % */
#define G3_F_POSITIVE		0x04	/* -1 and such mean "none" */

/* a map is sorted by address (g3_elements walks it once), 0 ends it */
struct g3_map {
	uint32_t	addr;
	uint8_t		what;
	uint8_t		flags;
	uint16_t	id;		/* metric or attribute */
	uint8_t		index;
};

static const struct g3_map	g3_collector[] = {
	{ 0x00092ba8, G3_ATTR, 0, A_FIRMWARE, 0 },
	{ 0x00092f90, G3_ATTR, 0, A_MODEL, 0 },
	{ 0x00094ae8, G3_ATTR, 0, A_MAC, 0 },
	{ 0x000c3500, G3_METRIC, 0, M_SIGNAL, 0 },
	{ 0x000cf850, G3_METRIC, 0, M_DATA_INTERVAL, 0 },
	{ 0x000d0020, G3_METRIC, G3_F_MINUTES, M_COLLECT_INTERVAL, 0 },
	{ 0, 0, 0, 0, 0 }
};

/* data id 0x01900001: MS300, MS350, MS400, MS600, MS700, MS800 */
static const struct g3_map	g3_ms[] = {
	{ 0x0000001e, G3_ATTR, 0, A_FIRMWARE, 0 },
	{ 0x00000028, G3_SERIAL, 0, 0, 0 },
	{ 0x00000032, G3_ATTR, 0, A_MODEL, 0 },
	{ 0x00000064, G3_METRIC, 0, M_STATUS, 0 },
	{ 0x00000190, G3_METRIC, 0, M_ALARM, 0 },
	{ 0x000001f4, G3_METRIC, 0, M_FAULT, 0 },
	{ 0x000003e8, G3_METRIC, 0, M_AC_VOLTAGE, 0 },
	{ 0x0000044c, G3_METRIC, 0, M_AC_CURRENT, 0 },
	{ 0x000004b0, G3_METRIC, 0, M_AC_FREQUENCY, 0 },
	{ 0x00000514, G3_METRIC, 0, M_TEMPERATURE, 0 },
	{ 0x000005dc, G3_METRIC, 0, M_RATED_POWER, 0 },
	{ 0x00000640, G3_METRIC, 0, M_AC_POWER, 0 },
	{ 0x000006a4, G3_METRIC, 0, M_PV_VOLTAGE, 1 },
	{ 0x00000708, G3_METRIC, 0, M_PV_CURRENT, 1 },
	{ 0x0000076c, G3_METRIC, 0, M_PV_POWER, 1 },
	{ 0x000007d0, G3_METRIC, 0, M_PV_VOLTAGE, 2 },
	{ 0x00000834, G3_METRIC, 0, M_PV_CURRENT, 2 },
	{ 0x00000898, G3_METRIC, 0, M_PV_POWER, 2 },
	{ 0x000008fc, G3_METRIC, 0, M_PV_VOLTAGE, 3 },
	{ 0x00000960, G3_METRIC, 0, M_PV_CURRENT, 3 },
	{ 0x000009c4, G3_METRIC, 0, M_PV_POWER, 3 },
	{ 0x00000a28, G3_METRIC, 0, M_PV_VOLTAGE, 4 },
	{ 0x00000a8c, G3_METRIC, 0, M_PV_CURRENT, 4 },
	{ 0x00000af0, G3_METRIC, 0, M_PV_POWER, 4 },
	{ 0x00000b54, G3_METRIC, 0, M_ENERGY_TODAY, 0 },
	{ 0x00000bb8, G3_METRIC, 0, M_ENERGY_TOTAL, 0 },
	{ 0x00000c1c, G3_METRIC, 0, M_PV_ENERGY_TODAY, 1 },
	{ 0x00000c80, G3_METRIC, 0, M_PV_ENERGY_TOTAL, 1 },
	{ 0x00000ce4, G3_METRIC, 0, M_PV_ENERGY_TODAY, 2 },
	{ 0x00000d48, G3_METRIC, 0, M_PV_ENERGY_TOTAL, 2 },
	{ 0x00000dac, G3_METRIC, 0, M_PV_ENERGY_TODAY, 3 },
	{ 0x00000e10, G3_METRIC, 0, M_PV_ENERGY_TOTAL, 3 },
	{ 0x00000e74, G3_METRIC, 0, M_PV_ENERGY_TODAY, 4 },
	{ 0x00000ed8, G3_METRIC, 0, M_PV_ENERGY_TOTAL, 4 },
	{ 0x0000125c, G3_METRIC, G3_F_POSITIVE, M_MAX_POWER, 0 },
	{ 0x00003200, G3_METRIC, G3_F_COEFF, M_POWER_LIMIT, 0 },
	{ 0x00013880, G3_INPUTS, 0, 0, 0 },
	{ 0, 0, 0, 0, 0 }
};

/* data id 0x01900000: MS3000, a layout of its own */
static const struct g3_map	g3_ms3000[] = {
	{ 0x0000001e, G3_ATTR, 0, A_FIRMWARE, 0 },
	{ 0x00000046, G3_SERIAL, 0, 0, 0 },
	{ 0x0000005a, G3_ATTR, 0, A_MODEL, 0 },
	{ 0x00000064, G3_METRIC, 0, M_STATUS, 0 },
	{ 0x00000190, G3_METRIC, 0, M_ALARM, 0 },
	{ 0x000001f4, G3_METRIC, 0, M_FAULT, 0 },
	{ 0x00000514, G3_METRIC, 0, M_AC_VOLTAGE, 0 },
	{ 0x00000578, G3_METRIC, 0, M_AC_CURRENT, 0 },
	{ 0x00000640, G3_METRIC, 0, M_AC_FREQUENCY, 0 },
	{ 0x00000834, G3_METRIC, G3_F_POSITIVE, M_MAX_POWER, 0 },
	{ 0x00000898, G3_METRIC, 0, M_AC_POWER, 0 },
	{ 0x000008fc, G3_METRIC, 0, M_ENERGY_TODAY, 0 },
	{ 0x00000960, G3_METRIC, 0, M_ENERGY_TOTAL, 0 },
	{ 0x00001324, G3_METRIC, 0, M_PV_VOLTAGE, 1 },
	{ 0x00001388, G3_METRIC, 0, M_PV_CURRENT, 1 },
	{ 0x000013ec, G3_METRIC, 0, M_PV_POWER, 1 },
	{ 0x000015e0, G3_METRIC, 0, M_PV_VOLTAGE, 2 },
	{ 0x00001644, G3_METRIC, 0, M_PV_CURRENT, 2 },
	{ 0x000016a8, G3_METRIC, 0, M_PV_POWER, 2 },
	{ 0x0000189c, G3_METRIC, 0, M_PV_VOLTAGE, 3 },
	{ 0x00001900, G3_METRIC, 0, M_PV_CURRENT, 3 },
	{ 0x00001964, G3_METRIC, 0, M_PV_POWER, 3 },
	{ 0x00001e78, G3_METRIC, 0, M_PV_VOLTAGE, 4 },
	{ 0x00001edc, G3_METRIC, 0, M_PV_CURRENT, 4 },
	{ 0x00001f40, G3_METRIC, 0, M_PV_POWER, 4 },
	{ 0, 0, 0, 0, 0 }
};

/*
 * Each map strictly ascending by address, as g3_elements() walks it:
 * an entry out of order would never match.  For the regress test.
 */
int
gen3_maps_sorted(void)
{
	static const struct g3_map	*maps[] = { g3_collector, g3_ms,
					    g3_ms3000 };
	const struct g3_map		*m;
	size_t				 i;

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		for (m = maps[i]; m->addr != 0; m++)
			if (m[1].addr != 0 && m[1].addr <= m->addr)
				return (0);
	return (1);
}

/* energy counters kept monotonic per connection */
#define G3_NENERGY		(2 + 2 * G3_NPV_MS)

struct g3_energy {
	int64_t		raw;		/* x 10^decimals */
	int64_t		day;		/* local day of the sample */
	uint8_t		decimals;
	uint8_t		set;
};

struct gen3_state {
	struct mb_poll	 poll;
	uint8_t		 id[G3_MAXID];	/* for our requests */
	uint8_t		 idlen;
	char		 collector[G3_MAXID + 1];	/* text */
	char		 inverter[RECORD_IDLEN];	/* from the info */
	int64_t		 last;		/* newest sample time */
	struct g3_energy energy[G3_NENERGY];
	uint32_t	 ota;		/* OTA frames seen */
	uint8_t		 npv;		/* PV inputs, 0: unknown */
	uint8_t		 up;		/* Modbus may go out (g3_link) */
};

/* one frame, cut up */
struct g3_frame {
	const uint8_t	*raw;
	size_t		 len;
	const uint8_t	*id;
	size_t		 idlen;
	char		 name[G3_MAXID + 1];
	uint8_t		 ctrl;
	uint8_t		 msg;
	const uint8_t	*p;		/* payload */
	size_t		 plen;
};

/* a data block being parsed */
struct g3_block {
	struct record	 rec;
	const struct g3_map *map;
	char		 serial[RECORD_IDLEN];
	int		 npv;
	int		 inverter;
};

static int	g3_cut(const uint8_t *, size_t, struct g3_frame *);
static void	g3_send(struct pvctx *, const uint8_t *, size_t, uint8_t,
		    uint8_t, const uint8_t *, size_t);
static void	g3_ack(struct pvctx *, const struct g3_frame *, uint8_t,
		    uint8_t);
static void	g3_contact(struct pvctx *, const struct g3_frame *);
static void	g3_time(struct pvctx *, struct gen3_state *,
		    const struct g3_frame *);
static void	g3_heartbeat(struct pvctx *, struct gen3_state *,
		    const struct g3_frame *);
static void	g3_data(struct pvctx *, struct gen3_state *,
		    const struct g3_frame *);
static int	g3_elements(struct pvctx *, const struct g3_frame *,
		    struct g3_block *, const uint8_t *, size_t, uint32_t);
static void	g3_value(struct g3_block *, const struct g3_map *, int,
		    int64_t, double, const uint8_t *, size_t);
static void	g3_finish(struct pvctx *, struct gen3_state *,
		    const struct g3_frame *, struct g3_block *);
static void	g3_names(const struct gen3_state *, struct record *);
static void	g3_keep_inputs(struct record *, int);
static void	g3_energy(struct gen3_state *, struct record *);
static int	g3_energy_slot(const struct metric *);
static void	g3_drop(struct record *, size_t);
static int64_t	g3_days(int64_t, int, int);
static int64_t	g3_local(const struct tm *);
static int	g3_localday(int64_t, int64_t *);
static int	g3_utc(int64_t, int64_t *);
static void	g3_link(struct pvctx *, struct gen3_state *, int);
static void	g3_request(struct pvctx *, const uint8_t *, size_t,
		    uint16_t);
static void	g3_modbus(struct pvctx *, struct gen3_state *,
		    const struct g3_frame *);

size_t
gen3_statesize(void)
{
	return (sizeof(struct gen3_state));
}

/*
 * Length fields and bounds only.  An id longer than 17 bytes, or a
 * length that cannot even hold the header, means we are not at a
 * frame: like the reference implementation, drop everything buffered
 * and start again with the next bytes.  Several frames in one read and
 * a frame split over reads need nothing special.
 *
 * The reasons with numbers live in a static buffer: the listener uses
 * them before it calls the framer again.
 */
int
gen3_frame(const uint8_t *buf, size_t len, size_t max, size_t *n,
    const char **why)
{
	static char	reason[PV_REASONLEN];
	int32_t		rest;
	size_t		flen;
	unsigned int	idlen;

	if (len < G3_MINHDR)
		return (FRAME_MORE);
	rest = (int32_t)pv_be32(buf);
	idlen = buf[G3_LENLEN];
	if (idlen > G3_MAXID) {
		(void)snprintf(reason, sizeof(reason),
		    "id length %u above %d", idlen, G3_MAXID);
		*n = len;
		*why = reason;
		return (FRAME_SKIP);
	}
	if (rest < (int32_t)(idlen + G3_FIXED)) {
		(void)snprintf(reason, sizeof(reason),
		    "length %ld too short for an id of %u",
		    (long)rest, idlen);
		*n = len;
		*why = reason;
		return (FRAME_SKIP);
	}
	flen = (size_t)rest + G3_LENLEN;
	if (flen > max) {
		(void)snprintf(reason, sizeof(reason),
		    "frame length %zu exceeds maximum %zu", flen, max);
		*why = reason;
		return (FRAME_CLOSE);
	}
	if (len < flen)
		return (FRAME_MORE);
	*n = flen;
	return (FRAME_OK);
}

void
gen3_decode(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	struct gen3_state	 scratch, *st = ctx->state;
	struct g3_frame		 f;

	if (st == NULL) {
		memset(&scratch, 0, sizeof(scratch));
		st = &scratch;
	}
	if (g3_cut(buf, len, &f) == -1) {
		pv_dump(ctx, buf, len, "malformed frame of %zu bytes", len);
		return;
	}
	if (!pv_admit(ctx, f.name)) {
		pv_dump(ctx, buf, len, "unknown device %s", f.name);
		return;
	}
	if (strcmp(st->collector, f.name) != 0) {
		(void)strlcpy(st->collector, f.name, sizeof(st->collector));
		pv_claim(ctx, f.name);
	}
	memcpy(st->id, f.id, f.idlen);
	st->idlen = f.idlen;

	if (f.msg == G3_MSG_OTA) {
		/* never sent by us, never answered, always kept */
		st->ota++;
		pv_dump(ctx, buf, len, "firmware update frame (control "
		    "0x%02x), %u on this connection", f.ctrl, st->ota);
		return;
	}
	if (f.ctrl != G3_CTRL_IND) {
		pv_dump(ctx, buf, len, "unknown control 0x%02x for message "
		    "0x%02x", f.ctrl, f.msg);
		return;
	}

	switch (f.msg) {
	case G3_MSG_CONTACT:
		g3_contact(ctx, &f);
		break;
	case G3_MSG_TIME:
		g3_time(ctx, st, &f);
		break;
	case G3_MSG_HEARTBEAT:
		g3_heartbeat(ctx, st, &f);
		break;
	case G3_MSG_COLLECTOR:
	case G3_MSG_INVERTER:
		g3_ack(ctx, &f, G3_CTRL_RSP, G3_ACK_DATA);
		g3_data(ctx, st, &f);
		if (f.msg == G3_MSG_INVERTER)
			g3_link(ctx, st, 1);
		break;
	case G3_MSG_MODBUS:
	case G3_MSG_MODBUS2:
		g3_modbus(ctx, st, &f);
		break;
	default:
		pv_dump(ctx, buf, len, "unknown message 0x%02x", f.msg);
		break;
	}
}

/* the header's fields; -1 if the frame is not what the framer passes */
static int
g3_cut(const uint8_t *buf, size_t len, struct g3_frame *f)
{
	size_t	rest;

	if (len < G3_MINHDR)
		return (-1);
	rest = pv_be32(buf);
	if (rest != len - G3_LENLEN)
		return (-1);
	f->raw = buf;
	f->len = len;
	f->idlen = buf[G3_LENLEN];
	if (f->idlen > G3_MAXID || rest < f->idlen + G3_FIXED)
		return (-1);
	f->id = buf + G3_MINHDR;
	pv_text(f->name, sizeof(f->name), f->id, f->idlen);
	f->ctrl = f->id[f->idlen];
	f->msg = f->id[f->idlen + 1];
	f->p = f->id + f->idlen + 2;
	f->plen = len - (size_t)(f->p - buf);
	return (0);
}

/* a frame of ours, to the collector with this id */
static void
g3_send(struct pvctx *ctx, const uint8_t *id, size_t idlen, uint8_t ctrl,
    uint8_t msg, const uint8_t *p, size_t plen)
{
	uint8_t	out[G3_REPLYMAX];
	size_t	n;

	if (idlen > G3_MAXID || plen > sizeof(out) - G3_MINHDR - G3_MAXID - 2)
		return;
	n = G3_MINHDR + idlen + 2 + plen;
	out[0] = (n - G3_LENLEN) >> 24;
	out[1] = ((n - G3_LENLEN) >> 16) & 0xff;
	out[2] = ((n - G3_LENLEN) >> 8) & 0xff;
	out[3] = (n - G3_LENLEN) & 0xff;
	out[4] = idlen;
	memcpy(out + G3_MINHDR, id, idlen);
	out[G3_MINHDR + idlen] = ctrl;
	out[G3_MINHDR + idlen + 1] = msg;
	if (plen > 0)
		memcpy(out + G3_MINHDR + idlen + 2, p, plen);
	pv_reply(ctx, out, n);
}

/* the one-byte answer to contact info, heartbeats and data */
static void
g3_ack(struct pvctx *ctx, const struct g3_frame *f, uint8_t ctrl,
    uint8_t code)
{
	g3_send(ctx, f->id, f->idlen, ctrl, f->msg, &code, 1);
}

/*
 * Contact info: the name and e-mail address the stick was registered
 * with, two Pascal strings.  They are nobody's business here; the
 * stick only needs its answer, malformed or not.
 */
static void
g3_contact(struct pvctx *ctx, const struct g3_frame *f)
{
	size_t	name, mail;

	g3_ack(ctx, f, G3_CTRL_IND, G3_ACK_DATA);
	if (f->plen >= 1) {
		name = f->p[0];
		if (1 + name < f->plen) {
			mail = f->p[1 + name];
			if (2 + name + mail == f->plen)
				return;
		}
	}
	pv_dump(ctx, f->raw, f->len, "contact info: malformed strings");
}

/*
 * The stick asks for the time and sets its clock from our answer: the
 * local wall-clock time in milliseconds, written as if it were UTC.
 * Until its next heartbeat or data the inverter is busy reporting:
 * no Modbus then.
 */
static void
g3_time(struct pvctx *ctx, struct gen3_state *st, const struct g3_frame *f)
{
	struct tm	tm;
	time_t		now = ctx->now;
	int64_t		local;
	uint64_t	ms;
	uint8_t		p[G3_TIMELEN];
	int		i;

	if (f->plen != 0) {
		pv_dump(ctx, f->raw, f->len, "time frame with a %zu-byte "
		    "payload", f->plen);
		return;
	}
	g3_link(ctx, st, 0);
	if (localtime_r(&now, &tm) == NULL) {
		pv_dump(ctx, f->raw, f->len, "no local time for %lld",
		    (long long)ctx->now);
		return;
	}
	local = g3_local(&tm);
	ms = (uint64_t)local * 1000;
	for (i = 0; i < G3_TIMELEN; i++)
		p[i] = (ms >> (8 * (G3_TIMELEN - 1 - i))) & 0xff;
	g3_send(ctx, f->id, f->idlen, G3_CTRL_IND, G3_MSG_TIME, p, sizeof(p));
}

/* only a heartbeat with its code byte and clock is acked */
static void
g3_heartbeat(struct pvctx *ctx, struct gen3_state *st,
    const struct g3_frame *f)
{
	if (f->plen != G3_HEARTBEAT_LEN) {
		pv_dump(ctx, f->raw, f->len, "heartbeat with a %zu-byte "
		    "payload", f->plen);
		return;
	}
	g3_ack(ctx, f, G3_CTRL_RSP, G3_ACK_HEARTBEAT);
	g3_link(ctx, st, 1);
}

/*
 * A data block (collector 0x71, inverter 0x04): data id, the block's
 * own id, a constant, the sample time, then a list of elements.  The
 * caller has acked it.
 */
static void
g3_data(struct pvctx *ctx, struct gen3_state *st, const struct g3_frame *f)
{
	struct g3_block		 b;
	const uint8_t		*p = f->p;
	uint32_t		 dataid, count;
	int64_t			 ms, when;
	size_t			 n;

	if (f->plen < G3_DATA_FIXED ||
	    f->plen < G3_DATA_FIXED + (size_t)p[G3_DATA_IDLEN]) {
		pv_dump(ctx, f->raw, f->len, "data block too short: %zu "
		    "bytes", f->plen);
		return;
	}
	n = p[G3_DATA_IDLEN];
	dataid = pv_be32(p + G3_DATA_ID);
	ms = (int64_t)((uint64_t)pv_be32(p + G3_DATA_TS(n)) << 32 |
	    pv_be32(p + G3_DATA_TS(n) + 4));
	count = pv_be32(p + G3_DATA_COUNT(n));

	memset(&b, 0, sizeof(b));
	switch (dataid) {
	case G3_ID_COLLECTOR:
		b.map = g3_collector;
		break;
	case G3_ID_MS:
		b.map = g3_ms;
		b.inverter = 1;
		break;
	case G3_ID_MS3000:
		b.map = g3_ms3000;
		b.inverter = 1;
		b.npv = G3_NPV_MS3000;
		break;
	default:
		pv_dump(ctx, f->raw, f->len, "unknown data id 0x%08x",
		    dataid);
		return;
	}

	/* the stick's clock runs on the local time we gave it */
	if (g3_utc(ms, &when) == -1) {
		when = ctx->now;
		pv_dump(ctx, f->raw, f->len, "implausible sample time %lld ms",
		    (long long)ms);
	}
	record_init(&b.rec, REC_MEASUREMENT, PROTO_TSUN_GEN3, when);
	(void)g3_elements(ctx, f, &b, p + G3_DATA_FIXED + n,
	    f->plen - G3_DATA_FIXED - n, count);
	g3_finish(ctx, st, f, &b);
}

/*
 * The element list: u32 address, u8 type, value.  An unknown type
 * leaves no way to find the next element: stop there, keep what came
 * before, dump the frame.
 */
static int
g3_elements(struct pvctx *ctx, const struct g3_frame *f, struct g3_block *b,
    const uint8_t *p, size_t len, uint32_t count)
{
	const struct g3_map	*m = b->map;
	size_t			 off = 0, vlen;
	uint32_t		 i, addr, bits, last = 0;
	int64_t			 v = 0;
	double			 d = 0;
	float			 fl;
	uint8_t			 type;
	int			 isfloat;

	for (i = 0; i < count; i++) {
		if (len - off < 5) {
			pv_dump(ctx, f->raw, f->len, "data block ends after "
			    "%u of %u elements", i, count);
			return (-1);
		}
		addr = pv_be32(p + off);
		type = p[off + 4];
		off += 5;
		isfloat = 0;
		switch (type) {
		case G3_T_END:
			return (0);
		case G3_T_NONE:
			continue;
		case G3_T_STRING:
			vlen = len - off >= 1 ? 1 + (size_t)p[off] : 1;
			break;
		case G3_T_BYTE:
			vlen = 1;
			break;
		case G3_T_INT16:
			vlen = 2;
			break;
		case G3_T_INT32:
		case G3_T_FLOAT:
			vlen = 4;
			break;
		case G3_T_INT64:
			vlen = 8;
			break;
		default:
			pv_dump(ctx, f->raw, f->len, "element %u of %u at "
			    "0x%08x: unknown type 0x%02x", i + 1, count, addr,
			    type);
			return (-1);
		}
		if (len - off < vlen) {
			pv_dump(ctx, f->raw, f->len, "data block ends inside "
			    "element %u of %u", i + 1, count);
			return (-1);
		}
		switch (type) {
		case G3_T_BYTE:
			v = p[off];
			break;
		case G3_T_INT16:
			v = (int16_t)pv_be16(p + off);
			break;
		case G3_T_INT32:
			v = (int32_t)pv_be32(p + off);
			break;
		case G3_T_INT64:
			v = (int64_t)((uint64_t)pv_be32(p + off) << 32 |
			    pv_be32(p + off + 4));
			break;
		case G3_T_FLOAT:
			bits = pv_be32(p + off);
			memcpy(&fl, &bits, sizeof(fl));
			d = fl;
			isfloat = 1;
			break;
		}
		/*
		 * The map is sorted and the elements come in address
		 * order: walk on from the last element's place, back to
		 * the start only when an address comes out of order.
		 */
		if (addr < last)
			m = b->map;
		last = addr;
		while (m->addr != 0 && m->addr < addr)
			m++;
		if (m->addr != 0 && m->addr == addr) {
			if (type == G3_T_STRING)
				g3_value(b, m, 0, 0, 0, p + off + 1, vlen - 1);
			else
				g3_value(b, m, isfloat, v, d, NULL, 0);
		}
		off += vlen;
	}
	if (off != len) {
		pv_dump(ctx, f->raw, f->len, "%zu bytes after the last "
		    "element", len - off);
		return (-1);
	}
	return (0);
}

/* one known element into the record being built */
static void
g3_value(struct g3_block *b, const struct g3_map *m, int isfloat,
    int64_t v, double d, const uint8_t *s, size_t slen)
{
	char	text[RECORD_ATTRLEN];
	int	decimals = 0;

	if (m->what == G3_ATTR || m->what == G3_SERIAL) {
		if (s == NULL)
			return;
		if (m->what == G3_SERIAL)
			pv_text(b->serial, sizeof(b->serial), s, slen);
		else {
			pv_text(text, sizeof(text), s, slen);
			record_attr(&b->rec, m->id, text);
		}
		return;
	}
	if (s != NULL)
		return;		/* a string where a number belongs */
	if (isfloat) {
		/* NaN fails both comparisons */
		if (!(d < G3_FLOAT_MAX && d > -G3_FLOAT_MAX))
			return;
		decimals = G3_FLOAT_DECIMALS;
		v = (int64_t)(d * 100 + (d < 0 ? -0.5 : 0.5));
	}
	if (m->what == G3_INPUTS) {
		if (!isfloat && v > 0 && v <= UINT8_MAX)
			b->npv = (int)v;
		return;
	}
	if ((m->flags & G3_F_POSITIVE) && v < 0)
		return;
	/* a value too large to scale is no measurement */
	if (m->flags & G3_F_MINUTES) {
		if (v > INT64_MAX / 60 || v < INT64_MIN / 60)
			return;
		v *= 60;
	}
	if (m->flags & G3_F_COEFF) {
		if (v > INT64_MAX / 10000 - 1 || v < INT64_MIN / 10000 + 1)
			return;
		/* percent, two decimals: raw x 100 / 1024 */
		v = (v * 10000 + (v < 0 ? -512 : 512)) / 1024;
		decimals += 2;
	}
	record_metric(&b->rec, m->id, m->index, v, decimals);
}

/*
 * The record of a parsed block.  Collector blocks describe the stick;
 * inverter blocks measure, unless all they carry is identity (the
 * separate frame with model, version and serial).  The inverter is
 * named by its serial once that has been seen on this connection, the
 * stick being the way it came.
 */
static void
g3_finish(struct pvctx *ctx, struct gen3_state *st, const struct g3_frame *f,
    struct g3_block *b)
{
	struct record	*rec = &b->rec;
	const struct metric *m;
	char		 model[RECORD_ATTRLEN];

	if (b->serial[0] != '\0')
		(void)strlcpy(st->inverter, b->serial, sizeof(st->inverter));
	if (b->inverter && b->npv > 0)
		st->npv = b->npv;

	if (!b->inverter) {
		rec->kind = REC_DEVICE;
		(void)strlcpy(rec->device, f->name, sizeof(rec->device));
	} else {
		g3_names(st, rec);
		if (b->map == g3_ms3000 &&
		    record_findattr(rec, A_MODEL) == NULL &&
		    (m = record_find(rec, M_MAX_POWER, 0)) != NULL &&
		    m->raw == G3_MS3000_MAXPOWER) {
			(void)snprintf(model, sizeof(model), "TSOL-MS%d",
			    G3_MS3000_MAXPOWER);
			record_attr(rec, A_MODEL, model);
		}
		g3_keep_inputs(rec, st->npv);
		g3_energy(st, rec);
		if (rec->nmetrics == 0)
			rec->kind = REC_DEVICE;
	}
	if (rec->device[0] == '\0' || (rec->nmetrics == 0 && rec->nattrs == 0))
		return;
	pv_record(ctx, rec);
}

/* the inverter by its serial once known, through the stick */
static void
g3_names(const struct gen3_state *st, struct record *rec)
{
	if (st->inverter[0] != '\0') {
		(void)strlcpy(rec->device, st->inverter, sizeof(rec->device));
		(void)strlcpy(rec->via, st->collector, sizeof(rec->via));
	} else {
		(void)strlcpy(rec->device, st->collector, sizeof(rec->device));
		rec->via[0] = '\0';
	}
}

/* drop the values of PV inputs the inverter does not have */
static void
g3_keep_inputs(struct record *rec, int npv)
{
	size_t	i;

	if (npv <= 0)
		return;
	for (i = rec->nmetrics; i > 0; i--)
		if (metric_defs[rec->metrics[i - 1].id].indexed &&
		    rec->metrics[i - 1].index > npv)
			g3_drop(rec, i - 1);
}

static void
g3_drop(struct record *rec, size_t i)
{
	memmove(&rec->metrics[i], &rec->metrics[i + 1],
	    (rec->nmetrics - i - 1) * sizeof(rec->metrics[0]));
	rec->nmetrics--;
}

/* which energy counter a metric is, -1 if none */
static int
g3_energy_slot(const struct metric *m)
{
	switch (m->id) {
	case M_ENERGY_TODAY:
		return (0);
	case M_ENERGY_TOTAL:
		return (1);
	case M_PV_ENERGY_TODAY:
	case M_PV_ENERGY_TOTAL:
		if (m->index < 1 || m->index > G3_NPV_MS)
			return (-1);
		return (2 + 2 * (m->index - 1) +
		    (m->id == M_PV_ENERGY_TOTAL));
	}
	return (-1);
}

/*
 * Energy counters only go up.  A stick that has just restarted
 * reports zeros, and a counter that falls back and climbs again makes
 * a meter reset out of nothing.  So a value of 0 or less is left out,
 * and so is one below the last value of a newer-or-equal sample on
 * this connection; a daily counter may start again on a new local
 * day.  Samples older than the newest one (a stick replaying what it
 * buffered during an outage) are exported as they are.
 */
static void
g3_energy(struct gen3_state *st, struct record *rec)
{
	struct g3_energy	*e;
	const struct metric	*m;
	int64_t			 day, v, last;
	size_t			 i;
	int			 slot, newer, today, k;

	newer = rec->time >= st->last;
	if (g3_localday(rec->time, &day) == -1)
		day = rec->time / 86400;
	for (i = rec->nmetrics; i > 0; i--) {
		m = &rec->metrics[i - 1];
		if ((slot = g3_energy_slot(m)) == -1)
			continue;
		if (m->raw <= 0) {
			g3_drop(rec, i - 1);
			continue;
		}
		if (!newer)
			continue;
		e = &st->energy[slot];
		today = m->id == M_ENERGY_TODAY || m->id == M_PV_ENERGY_TODAY;
		if (e->set && !(today && e->day != day)) {
			/* compare at the finer of the two scales */
			v = m->raw;
			last = e->raw;
			for (k = m->decimals; k < e->decimals; k++)
				v *= 10;
			for (k = e->decimals; k < m->decimals; k++)
				last *= 10;
			if (v < last) {
				g3_drop(rec, i - 1);
				continue;
			}
		}
		e->raw = m->raw;
		e->decimals = m->decimals;
		e->day = day;
		e->set = 1;
	}
	if (newer)
		st->last = rec->time;
}

/* days from 1970-01-01 to a date of the proleptic Gregorian calendar */
static int64_t
g3_days(int64_t year, int month, int mday)
{
	int64_t	era, yoe, doy, doe;

	/* count years from March, so that February ends the year */
	if (month <= 2)
		year--;
	era = (year >= 0 ? year : year - 399) / 400;
	yoe = year - era * 400;
	doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + mday - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

/* the local calendar day of a UTC time, as a day number */
static int
g3_localday(int64_t t, int64_t *day)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	if (localtime_r(&tt, &tm) == NULL)
		return (-1);
	*day = g3_days((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return (0);
}

/* local wall-clock fields as seconds, as if they were UTC */
static int64_t
g3_local(const struct tm *tm)
{
	return (g3_days((int64_t)tm->tm_year + 1900, tm->tm_mon + 1,
	    tm->tm_mday) * 86400 + tm->tm_hour * 3600 + tm->tm_min * 60 +
	    tm->tm_sec);
}

/*
 * A stick's time (local wall-clock milliseconds written as if UTC) as
 * UTC seconds: the local time less the zone's offset at that moment,
 * found by asking twice, since the offset may change in between.  In
 * the hour a daylight-saving change repeats, this is the later of the
 * two.  Not mktime(): where TZ is unset, it looks for the zone file
 * again, which the decoder's sandbox forbids.  -1 if the time makes no
 * sense.
 */
static int
g3_utc(int64_t ms, int64_t *utc)
{
	struct tm	tm;
	time_t		tt;
	int64_t		local, t;
	int		i;

	if (ms < 0 || ms / 1000 > G3_TIME_MAX)
		return (-1);
	local = t = ms / 1000;
	for (i = 0; i < 2; i++) {
		tt = (time_t)t;
		if (localtime_r(&tt, &tm) == NULL)
			return (-1);
		t = local - (g3_local(&tm) - t);
	}
	if (t < 0 || t > G3_TIME_MAX)
		return (-1);
	*utc = t;
	return (0);
}

/*
 * The link is up (heartbeat or inverter data acked) or busy (the
 * stick asked for the time and is about to report).  The first time it
 * comes up, a [device] section for the inverter or the stick may turn
 * polling on.
 */
static void
g3_link(struct pvctx *ctx, struct gen3_state *st, int up)
{
	const struct pv_deviceconf	*dev = NULL;

	st->up = up != 0;
	if (up && st->poll.interval == 0) {
		if (st->inverter[0] != '\0')
			dev = pv_device(ctx, st->inverter);
		if (dev == NULL)
			dev = pv_device(ctx, st->collector);
		if (dev == NULL || dev->interval == 0)
			return;
		modbus_poll_init(&st->poll, dev->interval, dev->timeout > 0 ?
		    dev->timeout : G3_TIMEOUT, MB_SET_MS, 0);
	}
	modbus_link(ctx, &st->poll, up, g3_request);
}

/* a Modbus request: 0x70/0x77, a constant, the RTU frame's length, it */
static void
g3_request(struct pvctx *ctx, const uint8_t *rtu, size_t len, uint16_t set)
{
	struct gen3_state	*st = ctx->state;
	uint8_t			 p[G3_MB_MAGICLEN + 1 + MB_REQLEN];

	(void)set;
	if (st == NULL || len != MB_REQLEN)
		return;
	memcpy(p, G3_MB_MAGIC, G3_MB_MAGICLEN);
	p[G3_MB_MAGICLEN] = len;
	memcpy(p + G3_MB_MAGICLEN + 1, rtu, len);
	g3_send(ctx, st->id, st->idlen, G3_CTRL_REQ, G3_MSG_MODBUS, p,
	    sizeof(p));
}

/* an owner's command in flight holds the polls: no sequence tells */
void
gen3_tick(struct pvctx *ctx)
{
	struct gen3_state	*st = ctx->state;

	if (st != NULL && ctx->cmd != NULL) {
		pv_timer(ctx, MB_PACE_MS);
		return;
	}
	if (st != NULL)
		modbus_tick(ctx, &st->poll, g3_request);
}

/*
 * An owner's command (tsun_cmd.c), one RTU request: 0 sent, 1 not now
 * (the inverter is reporting, or a poll is out), -1 the stick's id is
 * not known yet.
 */
int
gen3_send_cmd(struct pvctx *ctx, const uint8_t *rtu, size_t len)
{
	struct gen3_state	*st = ctx->state;

	if (st == NULL || st->idlen == 0 || len != MB_REQLEN)
		return (-1);
	if (!st->up || modbus_waiting(&st->poll))
		return (1);
	g3_request(ctx, rtu, len, 0);
	return (0);
}

/* does this connection reach the device: the stick or its inverter */
int
gen3_speaks(struct pvctx *ctx, const char *name)
{
	struct gen3_state	*st = ctx->state;

	if (st == NULL || st->idlen == 0)
		return (0);
	return (strcmp(st->collector, name) == 0 ||
	    (st->inverter[0] != '\0' && strcmp(st->inverter, name) == 0));
}

/*
 * A Modbus response, never acked: 0x77 carries four bytes, the RTU
 * frame's length and the frame; 0x87 (newer firmware) four bytes, a
 * zero, the length and the frame.
 */
static void
g3_modbus(struct pvctx *ctx, struct gen3_state *st, const struct g3_frame *f)
{
	struct record	 rec;
	char		 why[PV_REASONLEN];
	size_t		 off;

	off = f->msg == G3_MSG_MODBUS ? G3_MB_MAGICLEN : G3_MB_MAGICLEN + 1;
	if (ctx->cmd != NULL && f->plen >= off + 1 &&
	    f->p[off] == f->plen - off - 1 &&
	    gen3_cmd_answer(ctx, f->p + off + 1, f->plen - off - 1))
		return;
	if (!modbus_waiting(&st->poll)) {
		pv_dump(ctx, f->raw, f->len,
		    "Modbus response without a request");
		return;
	}
	if (f->plen < off + 1 || f->p[off] != f->plen - off - 1) {
		modbus_reject(ctx, &st->poll);
		pv_dump(ctx, f->raw, f->len, "Modbus response: length byte "
		    "%d, %zu bytes follow", f->plen > off ? f->p[off] : -1,
		    f->plen > off ? f->plen - off - 1 : 0);
		return;
	}
	record_init(&rec, REC_MEASUREMENT, PROTO_TSUN_GEN3, ctx->now);
	g3_names(st, &rec);
	switch (modbus_answer(ctx, &st->poll, f->p + off + 1,
	    f->plen - off - 1, &rec, st->npv, why, sizeof(why))) {
	case MB_ANSWER_OK:
		g3_energy(st, &rec);
		if (rec.nmetrics > 0 || rec.nattrs > 0)
			pv_record(ctx, &rec);
		break;
	case MB_ANSWER_BAD:
		pv_dump(ctx, f->raw, f->len, "Modbus response: %s", why);
		break;
	}
}
