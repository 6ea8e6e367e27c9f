/*
 * Modbus RTU inside the TSUN cloud protocols, shared by tsun_gen3.c
 * and solarman_v5.c: CRC-16/MODBUS, read requests, checks of the
 * responses, the holding-register map of the TSUN inverters and the
 * DCU battery, and the polling schedule.
 *
 * A read request is "addr 03 reg_hi reg_lo n_hi n_lo crc_lo crc_hi";
 * the response "addr 03 bytecount data crc_lo crc_hi", or an exception
 * "addr 83 code crc_lo crc_hi".  Register values are big-endian.
 *
 * The schedule keeps one request in flight.  It sends a round of
 * blocks every interval, one block at a time, each after a quiet
 * second once the last response came in; a request unanswered within
 * the timeout goes out once more, then the round is given up.  Nothing
 * is sent while the protocol says its link is busy.  A dialled logger
 * that leaves two rounds in a row unanswered has its connection
 * closed, to be dialled again.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "modbus.h"

#define MB_EXCEPTION		0x80
#define MB_READ_INPUT		0x04
#define MB_PREFIX		0xff	/* a stray byte some loggers add */
#define MB_MAXFAILED		2	/* silent rounds before a redial */

/* how a register's value is read */
enum {
	MB_U16,			/* unsigned */
	MB_S16,			/* signed */
	MB_NEG16,		/* signed, the other way round */
	MB_U32,			/* two registers, high first */
	MB_TEMP,		/* degrees C + 40 */
	MB_COEFF,		/* 1024 = 100 % */
	MB_VERSION,		/* nibbles a.b.c.d: "Va.b.cD" */
	MB_TEXT			/* ASCII, two characters a register */
};

struct mb_reg {
	uint16_t	reg;
	uint8_t		words;
	uint8_t		how;
	uint16_t	id;		/* metric, or attribute for text */
	uint8_t		index;		/* of the first */
	uint8_t		decimals;
	uint8_t		repeat;		/* this many, index up */
	uint8_t		stride;		/* registers apart */
};

static const struct mb_reg	mb_regs[] = {
	/* DCU1000 battery, 0x0000 .. 0x002c */
	{ 0x0000, 8, MB_TEXT, A_SERIAL, 0, 0, 1, 0 },
	{ 0x0008, 1, MB_U16, M_PV_VOLTAGE, 1, 2, 2, 2 },
	{ 0x0009, 1, MB_U16, M_PV_CURRENT, 1, 2, 2, 2 },
	{ 0x000c, 2, MB_U32, M_BATTERY_CHARGE_TOTAL, 0, 2, 1, 0 },
	{ 0x0010, 1, MB_S16, M_BATTERY_VOLTAGE, 0, 2, 1, 0 },
	/* the DCU counts charging positive, we discharging */
	{ 0x0011, 1, MB_NEG16, M_BATTERY_CURRENT, 0, 2, 1, 0 },
	{ 0x0012, 1, MB_U16, M_BATTERY_SOC, 0, 2, 1, 0 },
	{ 0x0013, 1, MB_U16, M_CELL_VOLTAGE, 1, 3, 16, 1 },
	{ 0x0023, 1, MB_S16, M_CELL_TEMPERATURE, 1, 0, 3, 1 },
	{ 0x0026, 1, MB_S16, M_OUTPUT_VOLTAGE, 0, 2, 1, 0 },
	{ 0x0027, 1, MB_S16, M_OUTPUT_CURRENT, 0, 2, 1, 0 },
	{ 0x0029, 1, MB_S16, M_TEMPERATURE, 0, 0, 1, 0 },
	{ 0x002a, 1, MB_U16, M_ALARM, 0, 0, 1, 0 },

	/* Titan (TSOL-MX, sensor list 0x1097) */
	{ 0x1000, 8, MB_TEXT, A_SERIAL, 0, 0, 1, 0 },
	{ 0x1100, 1, MB_U16, M_STATUS, 0, 0, 1, 0 },
	{ 0x1200, 1, MB_U16, M_AC_VOLTAGE, 0, 1, 1, 0 },
	{ 0x1201, 1, MB_U16, M_AC_CURRENT, 0, 2, 1, 0 },
	{ 0x1202, 1, MB_U16, M_AC_POWER, 0, 1, 1, 0 },
	{ 0x1209, 1, MB_U16, M_AC_FREQUENCY, 0, 2, 1, 0 },
	{ 0x1210, 1, MB_U16, M_RATED_POWER, 0, 0, 1, 0 },
	{ 0x1212, 1, MB_U16, M_ENERGY_TODAY, 0, 2, 1, 0 },
	{ 0x1213, 2, MB_U32, M_ENERGY_TOTAL, 0, 2, 1, 0 },
	{ 0x1216, 1, MB_U16, M_INSULATION_RX, 0, 2, 1, 0 },
	{ 0x1217, 1, MB_U16, M_INSULATION_RY, 0, 2, 1, 0 },
	{ 0x1218, 1, MB_TEMP, M_TEMPERATURE, 0, 0, 1, 0 },
	{ 0x1302, 1, MB_U16, M_PV_VOLTAGE, 1, 1, 6, 7 },
	{ 0x1303, 1, MB_U16, M_PV_CURRENT, 1, 2, 6, 7 },
	{ 0x1304, 1, MB_U16, M_PV_POWER, 1, 1, 6, 7 },
	{ 0x1305, 2, MB_U32, M_PV_ENERGY_TODAY, 1, 2, 6, 7 },
	{ 0x1307, 2, MB_U32, M_PV_ENERGY_TOTAL, 1, 2, 6, 7 },
	{ 0x1437, 1, MB_U16, M_MAX_POWER, 0, 0, 1, 0 },

	/* TSOL-MS and GEN3, settings block 0x2000 */
	{ 0x2007, 1, MB_U16, M_MAX_POWER, 0, 0, 1, 0 },
	{ 0x202c, 1, MB_COEFF, M_POWER_LIMIT, 0, 2, 1, 0 },

	/* TSOL-MS and GEN3, measurement block 0x3000 */
	{ 0x3000, 1, MB_U16, M_STATUS, 0, 0, 1, 0 },
	{ 0x3003, 1, MB_U16, M_ALARM, 0, 0, 1, 0 },
	{ 0x3004, 1, MB_U16, M_FAULT, 0, 0, 1, 0 },
	{ 0x3008, 1, MB_VERSION, A_FIRMWARE, 0, 0, 1, 0 },
	{ 0x3009, 1, MB_U16, M_AC_VOLTAGE, 0, 1, 1, 0 },
	{ 0x300a, 1, MB_U16, M_AC_CURRENT, 0, 2, 1, 0 },
	{ 0x300b, 1, MB_U16, M_AC_FREQUENCY, 0, 2, 1, 0 },
	{ 0x300c, 1, MB_TEMP, M_TEMPERATURE, 0, 0, 1, 0 },
	{ 0x300e, 1, MB_U16, M_RATED_POWER, 0, 0, 1, 0 },
	{ 0x300f, 1, MB_U16, M_AC_POWER, 0, 1, 1, 0 },
	{ 0x3010, 1, MB_U16, M_PV_VOLTAGE, 1, 1, 4, 3 },
	{ 0x3011, 1, MB_U16, M_PV_CURRENT, 1, 2, 4, 3 },
	{ 0x3012, 1, MB_U16, M_PV_POWER, 1, 1, 4, 3 },
	{ 0x301c, 1, MB_U16, M_ENERGY_TODAY, 0, 2, 1, 0 },
	{ 0x301d, 2, MB_U32, M_ENERGY_TOTAL, 0, 2, 1, 0 },
	{ 0x301f, 1, MB_U16, M_PV_ENERGY_TODAY, 1, 2, 4, 3 },
	{ 0x3020, 2, MB_U32, M_PV_ENERGY_TOTAL, 1, 2, 4, 3 },
};

#define MB_NREGS	(sizeof(mb_regs) / sizeof(mb_regs[0]))

/* the DCU's products: power = volts x amperes */
#define DCU_PV_V	0x0008	/* PV2 two registers on */
#define DCU_BATT_V	0x0010
#define DCU_BATT_A	0x0011
#define DCU_OUT_V	0x0026
#define DCU_OUT_A	0x0027
#define DCU_END		0x002d
#define DCU_MODEL	"TSOL-DC1000"

/* the rounds of each register set */
static const struct mb_block	ms_fast[] = { { 0x3000, 48 } };
static const struct mb_block	ms_slow[] = { { 0x2000, 96 } };
static const struct mb_block	titan_fast[] = {
	{ 0x1100, 16 }, { 0x1200, 48 }, { 0x1300, 48 }
};
static const struct mb_block	titan_slow[] = {
	{ 0x1000, 16 }, { 0x1400, 56 }
};
static const struct mb_block	dcu_fast[] = { { 0x0000, 45 } };

struct mb_set {
	uint16_t		 set;
	const struct mb_block	*fast;
	size_t			 nfast;
	const struct mb_block	*slow;
	size_t			 nslow;
};

static const struct mb_set	mb_sets[] = {
	{ MB_SET_MS, ms_fast, 1, ms_slow, 1 },
	{ MB_SET_TITAN, titan_fast, 3, titan_slow, 2 },
	{ MB_SET_DCU, dcu_fast, 1, NULL, 0 },
};

/* detection: the first block of each set that answers tells it */
static const struct {
	uint16_t	set;
	struct mb_block	block;
} mb_candidates[] = {
	{ MB_SET_MS, { 0x3000, 48 } },
	{ MB_SET_TITAN, { 0x1000, 16 } },
	{ MB_SET_DCU, { 0x0000, 45 } },
};

#define MB_NCANDIDATES	(sizeof(mb_candidates) / sizeof(mb_candidates[0]))

enum {
	MB_OFF,			/* not polling */
	MB_IDLE,		/* waiting for the link to come up */
	MB_SLEEP,		/* the timer says when to send */
	MB_WAIT,		/* a request is out; the timer is its timeout */
	MB_DUE,			/* a send is due, the link is busy */
	MB_DONE			/* closed for silence */
};

static int64_t	mb_value(const uint8_t *, const struct mb_reg *);
static int	mb_one(struct record *, const struct mb_reg *, int,
		    const uint8_t *);
static int	mb_dcu(struct record *, uint16_t, const uint8_t *, uint16_t,
		    int);
static const struct mb_set *mb_findset(uint16_t);
static int	mb_pick(const struct mb_poll *, struct mb_block *,
		    uint16_t *);
static void	mb_send(struct pvctx *, struct mb_poll *, mb_send_fn);
static void	mb_next(struct pvctx *, struct mb_poll *, mb_send_fn);
static void	mb_continue(struct pvctx *, struct mb_poll *);
static void	mb_advance(struct pvctx *, struct mb_poll *);
static void	mb_end_round(struct pvctx *, struct mb_poll *);

/* "read n holding registers from reg" for server addr: MB_REQLEN bytes */
void
modbus_request(uint8_t *out, uint8_t addr, uint16_t reg, uint16_t n)
{
	uint16_t	crc;

	out[0] = addr;
	out[1] = MB_READ;
	out[2] = reg >> 8;
	out[3] = reg & 0xff;
	out[4] = n >> 8;
	out[5] = n & 0xff;
	crc = pv_crc16_modbus(out, 6);
	out[6] = crc & 0xff;
	out[7] = crc >> 8;
}

/*
 * Is this the response to "read n registers" from server addr?  On 0
 * *data points at its 2n bytes; on -1 why says what is wrong.  A frame
 * shorter than its byte count announces counts as a CRC error, and one
 * 0xff before the frame is skipped (some loggers send it).
 */
int
modbus_check(const uint8_t *rtu, size_t len, uint8_t addr, uint16_t n,
    const uint8_t **data, char *why, size_t whylen)
{
	size_t		flen;
	uint16_t	crc;

	if (len > 0 && rtu[0] == MB_PREFIX && addr != MB_PREFIX) {
		rtu++;
		len--;
	}
	if (len < 5) {
		(void)snprintf(why, whylen, "RTU frame of %zu bytes: CRC "
		    "error", len);
		return (-1);
	}
	/* the frame's length follows from its function */
	if (rtu[1] & MB_EXCEPTION)
		flen = 5;
	else if (rtu[1] == MB_READ || rtu[1] == MB_READ_INPUT)
		flen = 5 + (size_t)rtu[2];
	else
		flen = len;
	if (len < flen) {
		(void)snprintf(why, whylen, "RTU frame of %zu bytes, %zu "
		    "announced: CRC error", len, flen);
		return (-1);
	}
	if (len > flen) {
		(void)snprintf(why, whylen, "%zu bytes after the RTU frame",
		    len - flen);
		return (-1);
	}
	crc = pv_crc16_modbus(rtu, flen - 2);
	if (rtu[flen - 2] != (crc & 0xff) || rtu[flen - 1] != crc >> 8) {
		(void)snprintf(why, whylen, "RTU CRC %02x%02x, want %02x%02x",
		    rtu[flen - 2], rtu[flen - 1], crc & 0xff, crc >> 8);
		return (-1);
	}
	if (rtu[0] != addr) {
		(void)snprintf(why, whylen, "response from server %u, asked "
		    "%u", rtu[0], addr);
		return (-1);
	}
	if (rtu[1] == (MB_READ | MB_EXCEPTION)) {
		(void)snprintf(why, whylen, "Modbus exception %u", rtu[2]);
		return (-1);
	}
	if (rtu[1] != MB_READ) {
		(void)snprintf(why, whylen, "function 0x%02x, asked 0x%02x",
		    rtu[1], MB_READ);
		return (-1);
	}
	if (rtu[2] != 2 * (size_t)n) {
		(void)snprintf(why, whylen, "%u data bytes, asked %u "
		    "registers", rtu[2], n);
		return (-1);
	}
	*data = rtu + 3;
	return (0);
}

static int64_t
mb_value(const uint8_t *p, const struct mb_reg *r)
{
	switch (r->how) {
	case MB_S16:
		return ((int16_t)pv_be16(p));
	case MB_NEG16:
		return (-(int64_t)(int16_t)pv_be16(p));
	case MB_U32:
		return (pv_be32(p));
	default:
		return (pv_be16(p));
	}
}

/* one value of the map, at p; 1 if something was added */
static int
mb_one(struct record *rec, const struct mb_reg *r, int index,
    const uint8_t *p)
{
	char	text[RECORD_ATTRLEN];
	int64_t	v;

	switch (r->how) {
	case MB_TEXT:
		pv_text(text, sizeof(text), p, 2 * (size_t)r->words);
		if (text[0] == '\0')
			return (0);
		return (record_attr(rec, r->id, text) == 0);
	case MB_VERSION:
		v = pv_be16(p);
		(void)snprintf(text, sizeof(text), "V%u.%u.%u%X",
		    (unsigned int)(v >> 12), (unsigned int)(v >> 8) & 0xf,
		    (unsigned int)(v >> 4) & 0xf, (unsigned int)v & 0xf);
		return (record_attr(rec, r->id, text) == 0);
	case MB_TEMP:
		v = mb_value(p, r) - 40;
		break;
	case MB_COEFF:
		/* percent with two decimals: raw x 10000 / 1024, rounded */
		v = (mb_value(p, r) * 10000 + 512) / 1024;
		break;
	default:
		v = mb_value(p, r);
		break;
	}
	return (record_metric(rec, r->id, index, v, r->decimals) == 0);
}

/*
 * The values of n registers from reg into the record: every mapped
 * value that lies wholly inside the block.  PV inputs above npv are
 * left out (npv 0: unknown, all of them).  Returns how many values were
 * added.
 */
int
modbus_decode(struct record *rec, uint16_t reg, const uint8_t *data,
    uint16_t n, int npv)
{
	const struct mb_reg	*r;
	uint32_t		 at, end = (uint32_t)reg + n;
	size_t			 i;
	int			 k, added = 0, indexed;

	for (i = 0; i < MB_NREGS; i++) {
		r = &mb_regs[i];
		indexed = r->how != MB_TEXT && r->how != MB_VERSION &&
		    metric_defs[r->id].indexed;
		for (k = 0; k < r->repeat; k++) {
			at = (uint32_t)r->reg + (uint32_t)k * r->stride;
			if (at < reg || at + r->words > end)
				continue;
			if (indexed && npv > 0 && (r->id == M_PV_VOLTAGE ||
			    r->id == M_PV_CURRENT || r->id == M_PV_POWER ||
			    r->id == M_PV_ENERGY_TODAY ||
			    r->id == M_PV_ENERGY_TOTAL) && r->index + k > npv)
				continue;
			added += mb_one(rec, r, indexed ? r->index + k : 0,
			    data + 2 * (at - reg));
		}
	}
	added += mb_dcu(rec, reg, data, n, npv);
	return (added);
}

#define DCU_IN(x, w)	((x) >= reg && (uint32_t)(x) + (w) <= end)
#define DCU_S16(x)	((int64_t)(int16_t)pv_be16(data + 2 * ((x) - reg)))

/*
 * What the DCU does not say but its values give: the power of each PV
 * input, of the battery (positive: discharging, the register's current is
 * negative then) and of the output.
 */
static int
mb_dcu(struct record *rec, uint16_t reg, const uint8_t *data, uint16_t n,
    int npv)
{
	uint32_t	end = (uint32_t)reg + n;
	int		i, added = 0;

	if (reg >= DCU_END)
		return (0);
	for (i = 0; i < 2 && (npv == 0 || i < npv); i++) {
		if (DCU_IN(DCU_PV_V + 2 * i, 2))
			added += record_metric(rec, M_PV_POWER, i + 1,
			    (int64_t)pv_be16(data + 2 * (DCU_PV_V + 2 * i -
			    reg)) * pv_be16(data + 2 * (DCU_PV_V + 2 * i + 1 -
			    reg)), 4) == 0;
	}
	if (DCU_IN(DCU_BATT_V, 2))
		added += record_metric(rec, M_BATTERY_POWER, 0,
		    -(DCU_S16(DCU_BATT_V) * DCU_S16(DCU_BATT_A)), 4) == 0;
	if (DCU_IN(DCU_OUT_V, 2))
		added += record_metric(rec, M_OUTPUT_POWER, 0,
		    DCU_S16(DCU_OUT_V) * DCU_S16(DCU_OUT_A), 4) == 0;
	if (added > 0)
		(void)record_attr(rec, A_MODEL, DCU_MODEL);
	return (added);
}

/* ------------------------------------------------------------------ */

static const struct mb_set *
mb_findset(uint16_t set)
{
	size_t	i;

	for (i = 0; i < sizeof(mb_sets) / sizeof(mb_sets[0]); i++)
		if (mb_sets[i].set == set)
			return (&mb_sets[i]);
	return (NULL);
}

/*
 * Polling off (interval 0) or every interval seconds; a response
 * timeout in ms; the register set, 0 (or one we do not know) to detect
 * it; client: the gateway dialled the device.
 */
void
modbus_poll_init(struct mb_poll *p, uint32_t interval, uint32_t timeout,
    uint16_t set, int client)
{
	memset(p, 0, sizeof(*p));
	if (interval == 0)
		return;
	if (interval > 86400)
		interval = 86400;
	p->interval = interval * 1000;
	p->timeout = timeout > 0 ? timeout : 1;
	p->set = mb_findset(set) != NULL ? set : 0;
	p->detect = p->set == 0;
	p->client = client != 0;
	p->phase = MB_IDLE;
}

/* the block to send at this step of the round, and its set */
static int
mb_pick(const struct mb_poll *p, struct mb_block *b, uint16_t *set)
{
	const struct mb_set	*s;
	size_t			 i = p->step;

	if (p->detect) {
		if (i >= MB_NCANDIDATES)
			return (0);
		*b = mb_candidates[i].block;
		*set = mb_candidates[i].set;
		return (1);
	}
	if ((s = mb_findset(p->set)) == NULL)
		return (0);
	*set = s->set;
	if (i < s->nfast) {
		*b = s->fast[i];
		return (1);
	}
	i -= s->nfast;
	if (p->round % MB_SLOW_EVERY == 0 && i < s->nslow) {
		*b = s->slow[i];
		return (1);
	}
	return (0);
}

/* (again) the request in flight */
static void
mb_send(struct pvctx *ctx, struct mb_poll *p, mb_send_fn send)
{
	uint8_t	rtu[MB_REQLEN];

	modbus_request(rtu, MB_ADDR, p->req.reg, p->req.n);
	p->sent++;
	p->retry = 0;
	p->phase = MB_WAIT;
	pv_timer(ctx, p->timeout);
	send(ctx, rtu, sizeof(rtu), p->reqset);
}

/* the next request of the round */
static void
mb_next(struct pvctx *ctx, struct mb_poll *p, mb_send_fn send)
{
	if (!mb_pick(p, &p->req, &p->reqset)) {
		mb_end_round(ctx, p);
		return;
	}
	if (p->step == 0)
		p->started = ctx->now;
	p->sent = 0;
	mb_send(ctx, p, send);
}

/* after a quiet second, the block at this step, or the next round */
static void
mb_continue(struct pvctx *ctx, struct mb_poll *p)
{
	struct mb_block	b;
	uint16_t	set;

	p->sent = 0;
	p->retry = 0;
	if (mb_pick(p, &b, &set)) {
		p->phase = MB_SLEEP;
		pv_timer(ctx, MB_PACE_MS);
	} else
		mb_end_round(ctx, p);
}

/* this request is over, answered or not: the next one */
static void
mb_advance(struct pvctx *ctx, struct mb_poll *p)
{
	p->step++;
	mb_continue(ctx, p);
}

/*
 * The round is over: the next one an interval after this one began.
 * A dialled device that left rounds unanswered is dialled again.
 */
static void
mb_end_round(struct pvctx *ctx, struct mb_poll *p)
{
	int64_t		elapsed;
	uint32_t	wait;

	if (p->answered)
		p->failed = 0;
	else if (++p->failed >= MB_MAXFAILED && p->client) {
		p->phase = MB_DONE;
		pv_timer(ctx, 0);
		pv_close(ctx);
		return;
	}
	p->round++;
	p->step = 0;
	p->sent = 0;
	p->retry = 0;
	p->answered = 0;
	elapsed = ctx->now - p->started;
	if (elapsed < 0 || elapsed > 86400)
		elapsed = 0;
	wait = p->interval > elapsed * 1000 ?
	    p->interval - (uint32_t)(elapsed * 1000) : 0;
	if (wait < MB_PACE_MS)
		wait = MB_PACE_MS;
	p->phase = MB_SLEEP;
	pv_timer(ctx, wait);
}

/*
 * The link is up (requests may go out) or busy.  The first time it
 * comes up, the first round is due after MB_FIRST_MS (or one interval,
 * if that is shorter); a dialled device is asked at once.
 */
void
modbus_link(struct pvctx *ctx, struct mb_poll *p, int up, mb_send_fn send)
{
	if (p->phase == MB_OFF || p->phase == MB_DONE)
		return;
	p->up = up != 0;
	if (!p->up)
		return;
	switch (p->phase) {
	case MB_IDLE:
		if (p->client) {
			p->step = 0;
			mb_next(ctx, p, send);
		} else {
			p->phase = MB_SLEEP;
			pv_timer(ctx, p->interval < MB_FIRST_MS ?
			    p->interval : MB_FIRST_MS);
		}
		break;
	case MB_DUE:
		p->phase = MB_SLEEP;
		pv_timer(ctx, MB_PACE_MS);
		break;
	}
}

/* the timer expired */
void
modbus_tick(struct pvctx *ctx, struct mb_poll *p, mb_send_fn send)
{
	switch (p->phase) {
	case MB_WAIT:
		if (p->sent < 2) {
			/* one retransmit, when the link allows */
			if (p->up)
				mb_send(ctx, p, send);
			else {
				p->retry = 1;
				p->phase = MB_DUE;
			}
			return;
		}
		/* given up: another candidate, or the round is over */
		if (p->detect)
			mb_advance(ctx, p);
		else
			mb_end_round(ctx, p);
		break;
	case MB_SLEEP:
		if (!p->up)
			p->phase = MB_DUE;
		else if (p->retry)
			mb_send(ctx, p, send);
		else
			mb_next(ctx, p, send);
		break;
	}
}

/* is a request out, so that a response is expected? */
int
modbus_waiting(const struct mb_poll *p)
{
	return (p->phase == MB_WAIT || p->retry);
}

/*
 * A response came: if it answers the request in flight, decode it into
 * the record.  Either way the request is over and the next one is sent
 * after a quiet second.  A detected set stays.
 */
int
modbus_answer(struct pvctx *ctx, struct mb_poll *p, const uint8_t *rtu,
    size_t len, struct record *rec, int npv, char *why, size_t whylen)
{
	const struct mb_set	*s;
	const uint8_t		*data;

	if (!modbus_waiting(p))
		return (MB_ANSWER_UNEXPECTED);
	p->answered = 1;
	if (modbus_check(rtu, len, MB_ADDR, p->req.n, &data, why,
	    whylen) == -1) {
		mb_advance(ctx, p);
		return (MB_ANSWER_BAD);
	}
	p->failed = 0;
	(void)modbus_decode(rec, p->req.reg, data, p->req.n, npv);
	if (p->detect) {
		/* the rest of this round for the set found */
		p->detect = 0;
		p->set = p->reqset;
		s = mb_findset(p->set);
		p->step = s != NULL && s->nfast > 0 &&
		    s->fast[0].reg == p->req.reg &&
		    s->fast[0].n == p->req.n ? 1 : 0;
		mb_continue(ctx, p);
	} else
		mb_advance(ctx, p);
	return (MB_ANSWER_OK);
}

/* a response the protocol found unusable before its RTU frame */
void
modbus_reject(struct pvctx *ctx, struct mb_poll *p)
{
	if (!modbus_waiting(p))
		return;
	p->answered = 1;
	mb_advance(ctx, p);
}
