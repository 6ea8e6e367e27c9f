/*
 * APsystems ECU, local port 8899: the gateway asks the ECU itself, as
 * the Home Assistant integrations do, for what its cloud upload lacks
 * (signal strength, and temperature and grid values of every inverter
 * on every firmware).  [device ECUID] with protocol = apsystems-ecu,
 * client = ADDRESS:8899 and an interval.
 *
 * The ECU's local server is fragile: one query at a time, one query
 * per connection.  A cycle, every interval seconds from its start, is
 * three connections, each closed by us once its answer came
 * (pv_hangup(), which also carries this state over to the next
 * connection), the next one dialled APL_GAP_MS later:
 *
 *	"APS1100160001END\n"		system information
 *	"APS1100280002" ECUID "END\n"	real-time data of the inverters
 *	"APS1100280030" ECUID "END\n"	their ZigBee signal strength
 *
 * A query unanswered within the timeout (timeout =, else
 * APL_TIMEOUT_MS), a bad answer, or a connection the ECU closes before
 * answering ends the cycle early: what came is exported, the next cycle
 * starts on time.
 *
 * An answer is binary between an ASCII head and tail; numbers are big
 * endian, ids and times packed decimal (BCD):
 *
 *	0	"APS"
 *	3	"11" or "12"
 *	5	4 digits, the length L: the bytes up to and including "END"
 *	9	4 digits, the command answered
 *	13	the body
 *	L - 3	"END"
 *	L	'\n', not counted
 *
 * System information (0001), after the head:
 *
 *	13	ECU id, 12 ASCII digits
 *	25	layout, 2 ASCII digits: "01" (ECU-R, ECU-B) or "02" (ECU-C)
 *	27	lifetime energy, 4, kWh x 10
 *	31	power now, 4, W
 *	35	energy today, 4, kWh x 100
 *   layout 01:
 *	39	time of the last data, 7, BCD YYYYMMDDhhmmss (ECU local time)
 *	46	inverters registered, 2; 48 of them online, 2; 50 2 more
 *	52	firmware version's length n, 3 ASCII digits; 55 the version
 *	55 + n	time zone's length m, 3 ASCII digits, then the zone
 *   layout 02:
 *	39	inverters registered, 2; 41 online, 2; 43 6 more
 *	49	firmware version's length n, 3 ASCII digits; 52 the version
 *   then more (MAC addresses) up to "END"
 *
 * Real-time data (0002):
 *
 *	13	"00": the ECU id of the query matched
 *	15	"01": the layout below
 *	17	inverters, 2
 *	19	time of the data, 7, BCD
 *	26	one entry per inverter: UID 6 (BCD), online 1 (0, 1), type 2
 *		(ASCII digits), then by type, all 2 bytes each:
 *		frequency (Hz x 10), temperature (degrees C + 100), and the
 *		channels' power (W) and AC voltage (V) in the type's order
 *		(types[] below); type "00" has nothing after the type
 *
 * Signal (0030):
 *
 *	13	"00"
 *	15	per inverter: UID 6 (BCD), strength 1 (0 to 255)
 *
 * Every count and length is checked against the answer's own length:
 * an answer whose entries do not end exactly at its "END" is dumped
 * whole and none of its values are used.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pvgate.h"
#include "proto.h"

#define APL_LENOFF		5
#define APL_LENLEN		4
#define APL_CMD			9
#define APL_CMDLEN		4
#define APL_BODY		13
#define APL_TAIL		"END\n"
#define APL_TAILLEN		4
#define APL_MAX			10000	/* 9999 and the line feed */
#define APL_IDLEN		12

#define APL_GAP_MS		1000	/* between the queries of a cycle */
#define APL_TIMEOUT_MS		10000	/* for an answer */
#define APL_IVL_MIN		60	/* seconds, as the configuration */

/* system information */
#define INFO_ECU		13
#define INFO_LAYOUT		25
#define INFO_LIFETIME		27
#define INFO_POWER		31
#define INFO_TODAY		35
#define INFO1_TIME		39
#define INFO1_REG		46
#define INFO1_ONLINE		48
#define INFO1_FW		52
#define INFO2_REG		39
#define INFO2_ONLINE		41
#define INFO2_FW		49
#define INFO_LENLEN		3	/* of the firmware and zone lengths */

/* real-time data */
#define DATA_STATUS		13
#define DATA_LAYOUT		15
#define DATA_COUNT		17
#define DATA_TIME		19
#define DATA_FIRST		26
#define INV_ONLINE		6
#define INV_TYPE		7
#define INV_FREQ		9
#define INV_TEMP		11
#define INV_VALUES		13
#define INV_HEADLEN		9	/* UID, online, type */
#define INV_TEMP_OFFSET		100
#define UIDLEN			6	/* BCD bytes */
#define TIMELEN			7

/* signal */
#define SIG_STATUS		13
#define SIG_FIRST		15
#define SIG_ENTRY		(UIDLEN + 1)

enum apl_step {
	APL_IDLE,	/* between cycles */
	APL_INFO,
	APL_DATA,
	APL_SIGNAL
};

static const struct {
	const char	*cmd;
	const char	*name;
} queries[] = {
	[APL_INFO] =	{ "0001", "system information" },
	[APL_DATA] =	{ "0002", "real-time data" },
	[APL_SIGNAL] =	{ "0030", "signal strength" }
};

/*
 * An inverter type's values after frequency and temperature, 2 bytes
 * each: P the next channel's power, V the next AC voltage, '-' a
 * voltage the channel repeats (both channels of a YC600 report the
 * same grid).  One V is the inverter's ac_voltage, three are phases.
 */
static const struct {
	char		 code[3];
	const char	*values;
} types[] = {
	{ "01", "PVP-" },	/* YC600, DS3 */
	{ "04", "PVP-" },	/* DS3-L, DS3-H */
	{ "02", "PVPVPVP" },	/* YC1000: three phases, four inputs */
	{ "05", "PVPVPVP" },	/* QT2 */
	{ "03", "PVPPP" },	/* QS1 */
	{ "00", NULL }		/* nothing reported */
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* per device, from one connection to the next (pv_hangup()) */
struct apl_state {
	int		 step;		/* the query of the cycle */
	int		 asked;		/* sent on this connection */
	int64_t		 due;		/* when the next cycle starts */
	int64_t		 datarx;	/* when the data came */
	size_t		 datalen;	/* 0: none waiting for signals */
	uint8_t		 data[APL_MAX];
};

/* one pass over the entries of a real-time data answer */
struct apl_walk {
	struct pvctx	*ctx;
	const uint8_t	*buf;
	size_t		 end;		/* where "END" starts */
	const uint8_t	*sig;		/* the signal answer, or NULL */
	size_t		 sigend;
	const char	*ecu;
	int64_t		 when;
	int		 emit;
	char		 problem[PV_REASONLEN];
};

static const char *apl_answer(const uint8_t *, size_t, const char *);
static int	 apl_bcd(const uint8_t *, size_t, char *);
static int	 apl_when(const uint8_t *, int64_t, int64_t *);
static unsigned int apl_wait(const struct pvctx *,
		    const struct apl_state *);
static void	 apl_ask(struct pvctx *, struct apl_state *);
static void	 apl_end(struct pvctx *, struct apl_state *);
static int	 apl_info(struct pvctx *, const uint8_t *, size_t);
static const char *apl_info_check(const struct pvctx *, const uint8_t *,
		    size_t, size_t *);
static int	 apl_data(struct pvctx *, struct apl_state *,
		    const uint8_t *, size_t);
static void	 apl_signal(struct pvctx *, struct apl_state *,
		    const uint8_t *, size_t);
static void	 apl_emit(struct pvctx *, struct apl_state *,
		    const uint8_t *, size_t);
static void	 apl_walk_init(struct apl_walk *, struct pvctx *,
		    const uint8_t *, size_t);
static int	 apl_walk(struct apl_walk *);
static int	 apl_entry(struct apl_walk *, size_t, size_t *);
static void	 apl_inverter(struct apl_walk *, const uint8_t *,
		    const char *, const char *);
static int	 apl_strength(const struct apl_walk *, const uint8_t *);

size_t
apsystems_local_statesize(void)
{
	return (sizeof(struct apl_state));
}

/*
 * What is wrong with an answer of len bytes to command cmd; NULL when
 * its head and tail are sound.
 */
static const char *
apl_answer(const uint8_t *buf, size_t len, const char *cmd)
{
	if (len < APL_BODY + APL_TAILLEN || memcmp(buf, "APS1", 4) != 0 ||
	    (buf[4] != '1' && buf[4] != '2'))
		return ("not an answer of the local port");
	if (!aps_digits(buf + APL_LENOFF, APL_LENLEN) ||
	    (size_t)aps_num(buf + APL_LENOFF, APL_LENLEN) + 1 != len)
		return ("length field is not the answer's length");
	if (memcmp(buf + len - APL_TAILLEN, APL_TAIL, APL_TAILLEN) != 0)
		return ("no END before the line feed");
	if (memcmp(buf + APL_CMD, cmd, APL_CMDLEN) != 0)
		return ("answer to another command than the query's");
	return (NULL);
}

/* n BCD bytes as 2n digits and a NUL; -1 if a nibble is no digit */
static int
apl_bcd(const uint8_t *p, size_t n, char *out)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if ((p[i] >> 4) > 9 || (p[i] & 0x0f) > 9)
			return (-1);
		out[2 * i] = '0' + (p[i] >> 4);
		out[2 * i + 1] = '0' + (p[i] & 0x0f);
	}
	out[2 * n] = '\0';
	return (0);
}

/*
 * A BCD time as UTC, read in the gateway's local time zone (as the
 * cloud records' are); all zeros, no time yet: rx.  -1 if no date.
 */
static int
apl_when(const uint8_t *p, int64_t rx, int64_t *when)
{
	char	digits[2 * TIMELEN + 1];

	if (apl_bcd(p, TIMELEN, digits) == -1)
		return (-1);
	if (strspn(digits, "0") == 2 * TIMELEN) {
		*when = rx;
		return (0);
	}
	return (apsystems_time((const uint8_t *)digits, when));
}

/* seconds from one cycle's start to the next */
static unsigned int
apl_interval(const struct pvctx *ctx)
{
	return (ctx->dev->interval < APL_IVL_MIN ? APL_IVL_MIN :
	    ctx->dev->interval);
}

/* until the next cycle is due: at least the gap, at most an interval */
static unsigned int
apl_wait(const struct pvctx *ctx, const struct apl_state *st)
{
	int64_t	left = st->due - (int64_t)ctx->now;

	if (left * 1000 < APL_GAP_MS)
		return (APL_GAP_MS);
	if (left > (int64_t)apl_interval(ctx))
		left = apl_interval(ctx);
	return ((unsigned int)left * 1000);
}

/*
 * A connection to the ECU is up: the next query of the cycle, or of a
 * new cycle once the last one's interval is over.
 */
void
apsystems_open(struct pvctx *ctx)
{
	struct apl_state	*st = ctx->state;

	if (st == NULL || ctx->dev == NULL)
		return;		/* an ECU that came to the cloud */
	st->asked = 0;
	if (st->step == APL_IDLE) {
		if (st->due > (int64_t)ctx->now) {
			/* dialled before the interval is over */
			pv_hangup(ctx, apl_wait(ctx, st));
			return;
		}
		st->due = (int64_t)ctx->now + apl_interval(ctx);
		st->datalen = 0;
		st->step = APL_INFO;
	}
	apl_ask(ctx, st);
}

static void
apl_ask(struct pvctx *ctx, struct apl_state *st)
{
	char		 q[64];
	const char	*ecu = ctx->dev->name;
	int		 n;

	if (st->step == APL_INFO)
		n = snprintf(q, sizeof(q), "APS110016%sEND\n",
		    queries[APL_INFO].cmd);
	else if (strlen(ecu) == APL_IDLEN &&
	    aps_digits((const uint8_t *)ecu, APL_IDLEN))
		n = snprintf(q, sizeof(q), "APS110028%s%sEND\n",
		    queries[st->step].cmd, ecu);
	else {
		pv_log(ctx, "%s: an ECU id has 12 digits", ecu);
		apl_end(ctx, st);
		return;
	}
	if (n < 0 || (size_t)n >= sizeof(q))
		return;
	pv_reply(ctx, (const uint8_t *)q, (size_t)n);
	st->asked = 1;
	pv_timer(ctx, ctx->dev->timeout > 0 ? ctx->dev->timeout :
	    APL_TIMEOUT_MS);
}

/*
 * The cycle is over, early or not: what is left goes out without
 * signals, and the next cycle is dialled when it is due.
 */
static void
apl_end(struct pvctx *ctx, struct apl_state *st)
{
	if (st->datalen > 0)
		apl_emit(ctx, st, NULL, 0);
	st->datalen = 0;
	st->step = APL_IDLE;
	st->asked = 0;
	pv_timer(ctx, 0);
	pv_hangup(ctx, apl_wait(ctx, st));
}

void
apsystems_tick(struct pvctx *ctx)
{
	struct apl_state	*st = ctx->state;

	if (st == NULL || ctx->dev == NULL || !st->asked)
		return;
	pv_log(ctx, "%s: no answer to the %s query within %u ms",
	    ctx->dev->name, queries[st->step].name, ctx->dev->timeout > 0 ?
	    ctx->dev->timeout : APL_TIMEOUT_MS);
	apl_end(ctx, st);
}

/* the ECU closed the connection before its answer */
void
apsystems_gone(struct pvctx *ctx)
{
	struct apl_state	*st = ctx->state;

	if (st == NULL || ctx->dev == NULL || !st->asked)
		return;
	pv_log(ctx, "%s: connection closed before the answer to the %s "
	    "query", ctx->dev->name, queries[st->step].name);
	apl_end(ctx, st);
}

/* an answer of a dialled ECU */
void
apsystems_local_decode(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	struct apl_state	*st = ctx->state;
	const char		*bad;
	int			 more = 0;

	if (st == NULL || !st->asked || st->step == APL_IDLE) {
		pv_dump(ctx, buf, len, "answer to no query");
		return;
	}
	if ((bad = apl_answer(buf, len, queries[st->step].cmd)) != NULL) {
		pv_dump(ctx, buf, len, "%s: %s", queries[st->step].name, bad);
		apl_end(ctx, st);
		return;
	}
	st->asked = 0;
	pv_timer(ctx, 0);
	switch (st->step) {
	case APL_INFO:
		more = apl_info(ctx, buf, len);
		break;
	case APL_DATA:
		more = apl_data(ctx, st, buf, len);
		break;
	default:
		apl_signal(ctx, st, buf, len);
		break;
	}
	if (!more) {
		apl_end(ctx, st);
		return;
	}
	st->step++;
	pv_hangup(ctx, APL_GAP_MS);
}

/*
 * What is wrong with a system information answer; NULL if nothing,
 * with the offset of the firmware version's length in *fw.
 */
static const char *
apl_info_check(const struct pvctx *ctx, const uint8_t *buf, size_t len,
    size_t *fw)
{
	size_t	end = len - APL_TAILLEN, n, m;

	if (end < INFO2_FW + INFO_LENLEN)
		return ("system information too short");
	if (!aps_digits(buf + INFO_ECU, APL_IDLEN))
		return ("system information: bad ECU id");
	if (strlen(ctx->dev->name) != APL_IDLEN ||
	    memcmp(buf + INFO_ECU, ctx->dev->name, APL_IDLEN) != 0)
		return ("system information of another ECU");
	if (memcmp(buf + INFO_LAYOUT, "02", 2) == 0)
		*fw = INFO2_FW;
	else if (memcmp(buf + INFO_LAYOUT, "01", 2) == 0 &&
	    end >= INFO1_FW + INFO_LENLEN)
		*fw = INFO1_FW;
	else if (memcmp(buf + INFO_LAYOUT, "01", 2) == 0)
		return ("system information too short");
	else
		return ("system information layout not decoded");
	if (!aps_digits(buf + *fw, INFO_LENLEN))
		return ("system information: bad firmware length");
	n = (size_t)aps_num(buf + *fw, INFO_LENLEN);
	if (n > end - *fw - INFO_LENLEN)
		return ("system information: firmware beyond the END");
	if (*fw == INFO2_FW)
		return (NULL);
	/* the time zone follows the version */
	m = *fw + INFO_LENLEN + n;
	if (end - m < INFO_LENLEN || !aps_digits(buf + m, INFO_LENLEN) ||
	    (size_t)aps_num(buf + m, INFO_LENLEN) > end - m - INFO_LENLEN)
		return ("system information: bad time zone field");
	return (NULL);
}

/* the ECU's record; 0 when the cycle cannot go on */
static int
apl_info(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	struct record	 rec;
	char		 fw[RECORD_ATTRLEN];
	const char	*bad, *model, *ecu = ctx->dev->name;
	size_t		 fwoff = 0, reg, online;
	int64_t		 when = ctx->now;

	if ((bad = apl_info_check(ctx, buf, len, &fwoff)) != NULL) {
		pv_dump(ctx, buf, len, "%s", bad);
		return (0);
	}
	if (fwoff == INFO1_FW) {
		reg = pv_be16(buf + INFO1_REG);
		online = pv_be16(buf + INFO1_ONLINE);
		if (apl_when(buf + INFO1_TIME, ctx->now, &when) == -1) {
			pv_dump(ctx, buf, len, "system information: time "
			    "of the last data is no date");
			return (0);
		}
	} else {
		reg = pv_be16(buf + INFO2_REG);
		online = pv_be16(buf + INFO2_ONLINE);
	}
	if (online > reg) {
		pv_dump(ctx, buf, len, "system information: %zu of %zu "
		    "inverters online", online, reg);
		return (0);
	}
	record_init(&rec, REC_MEASUREMENT, PROTO_APSYSTEMS_ECU, when);
	(void)snprintf(rec.device, sizeof(rec.device), "%s", ecu);
	record_metric(&rec, M_AC_POWER, 0, pv_be32(buf + INFO_POWER), 0);
	record_metric(&rec, M_ENERGY_TODAY, 0, pv_be32(buf + INFO_TODAY), 2);
	record_metric(&rec, M_ENERGY_TOTAL, 0, pv_be32(buf + INFO_LIFETIME),
	    1);
	record_metric(&rec, M_INVERTERS_REGISTERED, 0, (int64_t)reg, 0);
	record_metric(&rec, M_INVERTERS_ONLINE, 0, (int64_t)online, 0);
	if ((model = apsystems_model(ecu, 0)) != NULL)
		record_attr(&rec, A_MODEL, model);
	pv_text(fw, sizeof(fw), buf + fwoff + INFO_LENLEN,
	    (size_t)aps_num(buf + fwoff, INFO_LENLEN));
	if (fw[0] != '\0')
		record_attr(&rec, A_FIRMWARE, fw);
	pv_record(ctx, &rec);
	return (1);
}

/*
 * The real-time data: checked whole now, kept until the signals come;
 * 0 when it is bad (dumped) and the cycle ends.
 */
static int
apl_data(struct pvctx *ctx, struct apl_state *st, const uint8_t *buf,
    size_t len)
{
	struct apl_walk	w;

	apl_walk_init(&w, ctx, buf, len);
	if (apl_walk(&w) == -1) {
		pv_dump(ctx, buf, len, "real-time data: %s", w.problem);
		return (0);
	}
	if (len > sizeof(st->data)) {
		pv_dump(ctx, buf, len, "real-time data: longer than %zu",
		    sizeof(st->data));
		return (0);
	}
	memcpy(st->data, buf, len);
	st->datalen = len;
	st->datarx = ctx->now;
	return (1);
}

/* the signals: the inverters' records go out, with them if they are good */
static void
apl_signal(struct pvctx *ctx, struct apl_state *st, const uint8_t *buf,
    size_t len)
{
	char	uid[2 * UIDLEN + 1];
	size_t	end = len - APL_TAILLEN, p;

	if (memcmp(buf + SIG_STATUS, "00", 2) != 0) {
		pv_dump(ctx, buf, len, "signal strength: status is not 00");
		return;
	}
	if (end < SIG_FIRST || (end - SIG_FIRST) % SIG_ENTRY != 0) {
		pv_dump(ctx, buf, len, "signal strength: length is no whole "
		    "number of entries");
		return;
	}
	for (p = SIG_FIRST; p < end; p += SIG_ENTRY)
		if (apl_bcd(buf + p, UIDLEN, uid) == -1) {
			pv_dump(ctx, buf, len, "signal strength: entry %zu: "
			    "UID is not BCD", (p - SIG_FIRST) / SIG_ENTRY + 1);
			return;
		}
	apl_emit(ctx, st, buf, end);
	st->datalen = 0;
}

/* every inverter's record from the kept data, with the signals if any */
static void
apl_emit(struct pvctx *ctx, struct apl_state *st, const uint8_t *sig,
    size_t sigend)
{
	struct apl_walk	w;

	apl_walk_init(&w, ctx, st->data, st->datalen);
	w.sig = sig;
	w.sigend = sigend;
	w.when = st->datarx;
	w.emit = 1;
	(void)apl_walk(&w);
}

/* a walk over the real-time data answer buf of len bytes */
static void
apl_walk_init(struct apl_walk *w, struct pvctx *ctx, const uint8_t *buf,
    size_t len)
{
	memset(w, 0, sizeof(*w));
	w->ctx = ctx;
	w->buf = buf;
	w->end = len - APL_TAILLEN;
	w->ecu = ctx->dev->name;
}

/*
 * The entries of a real-time data answer (st->data, or one just come,
 * checked by apl_answer()).  Emitting, the records go out.  -1 and
 * w->problem if the answer is not sound.
 */
static int
apl_walk(struct apl_walk *w)
{
	const uint8_t	*b = w->buf;
	size_t		 p = DATA_FIRST, count, i;
	int64_t		 rx = w->when;
	unsigned char	 st[5];

	if (w->end < DATA_FIRST) {
		(void)snprintf(w->problem, sizeof(w->problem), "shorter "
		    "than its head");
		return (-1);
	}
	if (memcmp(b + DATA_STATUS, "00", 2) != 0 ||
	    memcmp(b + DATA_LAYOUT, "01", 2) != 0) {
		for (i = 0; i < 4; i++) {
			st[i] = b[DATA_STATUS + i];
			if (st[i] <= 0x20 || st[i] >= 0x7f)
				st[i] = '?';
		}
		st[4] = '\0';
		(void)snprintf(w->problem, sizeof(w->problem), "status %s, "
		    "want 0001", (char *)st);
		return (-1);
	}
	if (apl_when(b + DATA_TIME, rx, &w->when) == -1) {
		(void)snprintf(w->problem, sizeof(w->problem), "time is no "
		    "date");
		return (-1);
	}
	count = pv_be16(b + DATA_COUNT);
	for (i = 0; i < count; i++)
		if (apl_entry(w, i + 1, &p) == -1)
			return (-1);
	if (p != w->end) {
		(void)snprintf(w->problem, sizeof(w->problem), "%zu bytes "
		    "after %zu inverters", w->end - p, count);
		return (-1);
	}
	return (0);
}

/* entry n at *p: checked, emitted if asked, *p moved past it */
static int
apl_entry(struct apl_walk *w, size_t n, size_t *p)
{
	const uint8_t	*e = w->buf + *p;
	const char	*values = NULL;
	char		 uid[2 * UIDLEN + 1];
	size_t		 i, elen = INV_HEADLEN;

	if (w->end - *p < INV_HEADLEN) {
		(void)snprintf(w->problem, sizeof(w->problem), "inverter "
		    "%zu of the count starts at the END", n);
		return (-1);
	}
	if (apl_bcd(e, UIDLEN, uid) == -1 || e[INV_ONLINE] > 1) {
		(void)snprintf(w->problem, sizeof(w->problem), "inverter "
		    "%zu: bad UID or online flag", n);
		return (-1);
	}
	for (i = 0; i < NELEM(types); i++)
		if (memcmp(e + INV_TYPE, types[i].code, 2) == 0)
			break;
	if (i == NELEM(types)) {
		(void)snprintf(w->problem, sizeof(w->problem), "inverter "
		    "%s: type %02x%02x not decoded", uid, e[INV_TYPE],
		    e[INV_TYPE + 1]);
		return (-1);
	}
	if ((values = types[i].values) != NULL)
		elen = INV_VALUES + 2 * strlen(values);
	if (w->end - *p < elen) {
		(void)snprintf(w->problem, sizeof(w->problem), "inverter "
		    "%s: entry goes beyond the END", uid);
		return (-1);
	}
	/* an ECU may list itself (type 00): it has its own record */
	if (w->emit && strcmp(uid, w->ecu) != 0)
		apl_inverter(w, e, uid, values);
	*p += elen;
	return (0);
}

/* one inverter's record; values: its type's (NULL: none) */
static void
apl_inverter(struct apl_walk *w, const uint8_t *e, const char *uid,
    const char *values)
{
	struct record	 rec;
	const uint8_t	*v = e + INV_VALUES;
	const char	*model, *c;
	int		 ch = 0, nv = 0, phase = 0, s;

	record_init(&rec, REC_MEASUREMENT, PROTO_APSYSTEMS_ECU, w->when);
	(void)snprintf(rec.device, sizeof(rec.device), "%s", uid);
	(void)snprintf(rec.via, sizeof(rec.via), "%s", w->ecu);
	record_metric(&rec, M_ONLINE, 0, e[INV_ONLINE], 0);
	if (e[INV_ONLINE] && values != NULL) {
		record_metric(&rec, M_AC_FREQUENCY, 0, pv_be16(e + INV_FREQ),
		    1);
		record_metric(&rec, M_TEMPERATURE, 0,
		    (int64_t)pv_be16(e + INV_TEMP) - INV_TEMP_OFFSET, 0);
		for (c = values; *c != '\0'; c++)
			nv += *c == 'V';
		for (c = values; *c != '\0'; c++, v += 2) {
			if (*c == 'P')
				record_metric(&rec, M_PV_POWER, ++ch,
				    pv_be16(v), 0);
			else if (*c == 'V' && nv == 1)
				record_metric(&rec, M_AC_VOLTAGE, 0,
				    pv_be16(v), 0);
			else if (*c == 'V')
				record_metric(&rec, M_AC_L_VOLTAGE, ++phase,
				    pv_be16(v), 0);
		}
		if ((s = apl_strength(w, e)) >= 0)
			record_metric(&rec, M_SIGNAL, 0, s, 0);
	}
	if ((model = apsystems_model(uid, 1)) != NULL)
		record_attr(&rec, A_MODEL, model);
	pv_record(w->ctx, &rec);
}

/* the inverter's signal, 0 to 255 as %, truncated; -1 if none */
static int
apl_strength(const struct apl_walk *w, const uint8_t *e)
{
	size_t	p;

	if (w->sig == NULL)
		return (-1);
	for (p = SIG_FIRST; p + SIG_ENTRY <= w->sigend; p += SIG_ENTRY)
		if (memcmp(w->sig + p, e, UIDLEN) == 0)
			return (w->sig[p + UIDLEN] * 100 / 255);
	return (-1);
}
