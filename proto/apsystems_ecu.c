/*
 * APsystems ECU (ECU-R, ECU-B, ECU-C, ECU-3) to its EMA cloud: we are
 * the cloud.  The ECU uploads one real-time record per connection on
 * port 8995 or 8996 and polls for commands on port 8997; everything is
 * ASCII text.
 *
 * Frame:
 *
 *	0	"APS"
 *	3	2 digits, the message generation: 18 data, 13 control, 15 status
 *	5	5 characters, the length L of the frame up to and including
 *		its last character before the line feed; leading 'A's pad it
 *		("AA302", "00051")
 *	10	command: "AAAA" data record, "A101" poll, "A123" status
 *	14	3 reserved characters and a flag (1: sent by the ECU unasked)
 *	18	body
 *	L	'\n', not counted in the length
 *
 * Data record (APS18, command AAAA), the ECU's head, offsets in
 * characters, every field zero-padded decimal:
 *
 *	18	ECU id, 12
 *	30	system power, 10, W (firmware of 2017: W x 100)
 *	40	energy of the interval, 10; left 0 by current firmware
 *	50	lifetime energy, 10, kWh x 10
 *	60	time of the poll, 14, YYYYMMDDhhmmss, the ECU's local time
 *	74	number of inverter records, 3
 *	77	time zone flag, 1; 78 backlog flags, 5
 *	83	"END"
 *	86	inverter records, each ending in "END"
 *
 * Inverter record: UID (12 digits), a 2-digit type code, then the
 * type's fields (see the layouts at aps_ds3, aps_yc and aps_yc1000).
 *
 * The cloud answers a record with "1", a 2-digit count and that many
 * 14-digit times of records it has stored; we confirm the record's own
 * time, so that nothing is left waiting on the ECU for the night job,
 * whose query ("APS13AAA22" + ECU id) we answer with "100": nothing
 * stored that the ECU did not hear about already.  The command poll
 * (A101) gets command A100, "no more commands".
 *
 * Generations 11 and 12 are the answers of the ECU's local port 8899,
 * which the gateway polls itself (apsystems_local.c): their length
 * field has 4 digits, not 5.  The framer cuts both; a dialled
 * connection's frames go to apsystems_local_decode().
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pvgate.h"
#include "proto.h"

#define APS_MAGIC		"APS"
#define APS_MAGICLEN		3
#define APS_VERSION		3	/* 2 digits */
#define APS_LENOFF		5
#define APS_LENLEN		5
#define APS_LENEND		10	/* the shortest frame ends here */
#define APS_LOCAL_LENLEN	4	/* APS11, APS12: the local port's */
#define APS_CMD			10	/* 4 characters */
#define APS_CMDLEN		4
#define APS_FLAG		17
#define APS_IDLEN		12
#define APS_TIMELEN		14
#define APS_END			"END"
#define APS_ENDLEN		3
#define APS_LF			'\n'

/* data record */
#define REC_ECU			18
#define REC_POWER		30
#define REC_ENERGY		40
#define REC_LIFETIME		50
#define REC_TIME		60
#define REC_COUNT		74
#define REC_ZONE		77
#define REC_FLAGS		78
#define REC_END			83
#define REC_HEADLEN		86
#define REC_FIELDLEN		10	/* power and energy fields */
#define REC_COUNTLEN		3
#define REC_FLAGSLEN		5
#define REC_ADD			"ADD"	/* lost-data section after the last */

/* the answer to a record: "1", count, times */
#define REPLY_STORED		'1'
#define REPLY_DATALEN		(1 + 2 + APS_TIMELEN)
#define REPLY_NOTHING		"100"

/* the night job's query: "APS13AAA22" + ECU id */
#define QUERY_LEN		(APS_LENEND + APS_IDLEN)

/* port 8997: poll A101, its answer A100 (51 characters, no line feed) */
#define POLL_LEN		51
#define POLL_ECU		18
#define POLL_CMD2		30	/* "A101" again */
#define POLL_TIME		34
#define POLL_END		48
#define POLL_REPLY		"APS13AAA51A101AAA0"
#define POLL_NOCMD		"A100"

/* port 8997: inverter status A123 (APS15), acked with 38 characters */
#define STATUS_ECU		18
#define STATUS_COUNT		30	/* 4 */
#define STATUS_TIME		34
#define STATUS_END		48
#define STATUS_MINLEN		51
#define STATUS_REPLY		"APS1300038A123AAA0101"
#define STATUS_REPLYLEN		38

/* inverter records */
#define INV_UIDLEN		12
#define INV_TYPE		12
#define INV_TYPELEN		2
#define INV_HEADLEN		(INV_UIDLEN + INV_TYPELEN)
#define INV_TEMP_OFFSET		100	/* degrees C + 100 */
#define INV_STATUSBITS		11	/* per channel of a YC250/YC500 */

/* 9999-12-31T23:59:59Z, the last time a record may carry */
#define APS_TIME_MAX		253402300799LL

enum aps_family {
	FAM_DS3,	/* YC600, DS3, QS1: channels 1.. */
	FAM_YC,		/* YC250, YC500: channels A, B with status bits */
	FAM_YC1000	/* YC1000, QT2: three phases, four inputs */
};

struct aps_layout {
	char		 type[INV_TYPELEN + 1];
	size_t		 len;		/* characters before "END" */
	int		 family;
	int		 nch;
	int		 acdecimals;	/* active power: W x 10^n */
};

/*
 * The QS1 record's active power reads 01457 for 155 W of DC input:
 * only W x 10 (145.7 W) gives the 94 % efficiency that the YC600 of
 * the same capture shows (32.90 W from 35 W).
 */
static const struct aps_layout	layouts[] = {
	{ "07", 45 + 2 * 20, FAM_DS3, 2, 2 },
	{ "08", 45 + 4 * 20, FAM_DS3, 4, 1 },
	{ "03", 41 + 2 * 31, FAM_YC, 2, 2 },
	{ "05", 41 + 1 * 31, FAM_YC, 1, 2 },
	{ "04", 27 + 3 * 34 + 15, FAM_YC1000, 4, 2 }
};

/* model by the first digits of an id */
struct aps_model {
	const char	*prefix;
	const char	*model;
};

static const struct aps_model	ecu_models[] = {
	{ "2160", "ECU-R" },
	{ "2162", "ECU-R Pro" },
	{ "2163", "ECU-B" },
	{ "215", "ECU-C" },
	{ "2040", "ECU-GA" }
};

static const struct aps_model	inverter_models[] = {
	{ "403", "YC500" }, { "404", "YC500" },
	{ "406", "YC600/DS3" }, { "407", "YC600/DS3" },
	{ "408", "YC600/DS3" }, { "409", "YC600/DS3" },
	{ "703", "YC600/DS3" }, { "704", "YC600/DS3" },
	{ "706", "YC600/DS3" },
	{ "801", "QS1" }, { "802", "QS1" }, { "805", "QS1" }, { "806", "QS1" },
	{ "501", "YC1000/QT2" }, { "502", "YC1000/QT2" },
	{ "503", "YC1000/QT2" }, { "504", "YC1000/QT2" }
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* reading the fields of one inverter record in order */
struct aps_rd {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
	size_t		 bad;		/* first bad field + 1, 0: none */
};

/* one pass over the inverter records of a data record */
struct aps_walk {
	struct pvctx	*ctx;
	const char	*ecu;
	int64_t		 when;
	int		 emit;		/* second pass: send the records */
	int		 decoded;
	int		 failed;
	int64_t		 power;		/* sum of channel power, W x 100 */
	int64_t		 energy;	/* sum of channel energy, kWh x 10^6 */
	int		 nproblems;
	char		 problem[PV_REASONLEN];
};

static size_t	aps_resync(const uint8_t *, size_t);
static int	aps_local(const uint8_t *);
static int	aps_lengthn(const uint8_t *, size_t, size_t *);
static void	aps_text(char *, size_t, const uint8_t *, size_t);
static const char *aps_model(const struct aps_model *, size_t, const char *);
static const char *aps_head(const uint8_t *, size_t);
static void	aps_problem(struct aps_walk *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static void	aps_data(struct pvctx *, const uint8_t *, size_t);
static size_t	aps_findend(const uint8_t *, size_t, size_t);
static void	aps_walk(struct aps_walk *, const uint8_t *, size_t, int);
static void	aps_inverter(struct aps_walk *, const uint8_t *, size_t, int);
static void	aps_metric(struct record *, int, int, int64_t, int);
static int64_t	rd_num(struct aps_rd *, size_t);
static void	rd_mark(struct aps_rd *, int);
static int64_t	rd_temp(struct aps_rd *);
static void	aps_ds3(struct aps_rd *, struct record *,
		    const struct aps_layout *, int64_t *, int64_t *);
static void	aps_yc(struct aps_rd *, struct record *,
		    const struct aps_layout *, int64_t *, int64_t *);
static void	aps_yc1000(struct aps_rd *, struct record *, int64_t *,
		    int64_t *);
static void	aps_crosscheck(struct aps_walk *, int64_t, struct record *);
static int	aps_admit(struct pvctx *, const uint8_t *, size_t, size_t);
static void	aps_query(struct pvctx *, const uint8_t *, size_t);
static void	aps_poll(struct pvctx *, const uint8_t *, size_t);
static void	aps_status(struct pvctx *, const uint8_t *, size_t);

/* every message to the cloud stands alone: the state is the poll's */
size_t
apsystems_statesize(void)
{
	return (apsystems_local_statesize());
}

/*
 * The first offset after 0 where "APS" (or the start of it, at the
 * end of the buffer) begins; len if there is none.
 */
static size_t
aps_resync(const uint8_t *buf, size_t len)
{
	size_t	k, n;

	for (k = 1; k < len; k++) {
		n = len - k < APS_MAGICLEN ? len - k : APS_MAGICLEN;
		if (memcmp(buf + k, APS_MAGIC, n) == 0)
			return (k);
	}
	return (len);
}

/* "APS11" or "APS12", an answer of the local port (5 bytes there) */
static int
aps_local(const uint8_t *p)
{
	return (p[3] == '1' && (p[4] == '1' || p[4] == '2'));
}

/* the 5-character length of the cloud's messages (also theirs) */
int
aps_length(const uint8_t *p, size_t *len)
{
	return (aps_lengthn(p, APS_LENLEN, len));
}

/* the length field of n characters: 'A's, then digits */
static int
aps_lengthn(const uint8_t *p, size_t n, size_t *len)
{
	size_t	i = 0, v = 0;

	while (i < n && p[i] == 'A')
		i++;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return (-1);
		v = v * 10 + (p[i] - '0');
	}
	*len = v;
	return (0);
}

/*
 * Bounds only.  A buffer that does not start with "APS" is skipped up
 * to the next "APS"; so is a frame whose length field is not a number.
 * A frame is its length in characters and the line feed after them.
 *
 * The "exceeds maximum" reason lives in a static buffer: the listener
 * uses it before it calls the framer again.
 */
int
apsystems_frame(const uint8_t *buf, size_t len, size_t max, size_t *n,
    const char **why)
{
	static char	toobig[PV_REASONLEN];
	size_t		flen, lenlen;

	if (len == 0)
		return (FRAME_MORE);
	if (memcmp(buf, APS_MAGIC, len < APS_MAGICLEN ? len :
	    APS_MAGICLEN) != 0) {
		*n = aps_resync(buf, len);
		*why = "no APS header";
		return (FRAME_SKIP);
	}
	if (len < APS_LENOFF)
		return (FRAME_MORE);
	lenlen = aps_local(buf) ? APS_LOCAL_LENLEN : APS_LENLEN;
	if (len < APS_LENOFF + lenlen)
		return (FRAME_MORE);
	if (aps_lengthn(buf + APS_LENOFF, lenlen, &flen) == -1) {
		*n = aps_resync(buf, len);
		*why = "bad length field";
		return (FRAME_SKIP);
	}
	if (flen < APS_LENOFF + lenlen) {
		*n = aps_resync(buf, len);
		*why = "length field shorter than the header";
		return (FRAME_SKIP);
	}
	if (flen + 1 > max) {
		(void)snprintf(toobig, sizeof(toobig),
		    "frame length %zu exceeds maximum %zu", flen + 1, max);
		*why = toobig;
		return (FRAME_CLOSE);
	}
	if (len < flen + 1)
		return (FRAME_MORE);
	if (buf[flen] != APS_LF) {
		*n = flen;
		*why = "no line feed after the frame";
		return (FRAME_SKIP);
	}
	*n = flen + 1;
	return (FRAME_OK);
}

void
apsystems_decode(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	char	ver[3], cmd[APS_CMDLEN + 1];
	size_t	flen;

	if (ctx->dev != NULL) {
		/* a dialled ECU: the local port's answers */
		apsystems_local_decode(ctx, buf, len);
		return;
	}
	if (len > APS_LENOFF && memcmp(buf, APS_MAGIC, APS_MAGICLEN) == 0 &&
	    aps_local(buf)) {
		pv_dump(ctx, buf, len, "APS%c%c: the local port's, not the "
		    "cloud's", buf[3], buf[4]);
		return;
	}
	if (len < APS_LENEND + 1 || memcmp(buf, APS_MAGIC, APS_MAGICLEN) != 0 ||
	    aps_length(buf + APS_LENOFF, &flen) == -1 ||
	    flen + 1 != len || buf[flen] != APS_LF) {
		pv_dump(ctx, buf, len, "malformed frame of %zu bytes", len);
		return;
	}
	if (memcmp(buf, "APS18", 5) == 0 && flen >= APS_CMD + APS_CMDLEN &&
	    memcmp(buf + APS_CMD, "AAAA", APS_CMDLEN) == 0) {
		aps_data(ctx, buf, flen);
		return;
	}
	if (memcmp(buf, "APS13", 5) == 0 && flen == QUERY_LEN &&
	    aps_digits(buf + APS_LENEND, APS_IDLEN)) {
		aps_query(ctx, buf, len);
		return;
	}
	if (memcmp(buf, "APS13", 5) == 0 && flen >= APS_CMD + APS_CMDLEN &&
	    memcmp(buf + APS_CMD, "A101", APS_CMDLEN) == 0) {
		aps_poll(ctx, buf, len);
		return;
	}
	if (memcmp(buf, "APS15", 5) == 0 && flen >= APS_CMD + APS_CMDLEN &&
	    memcmp(buf + APS_CMD, "A123", APS_CMDLEN) == 0) {
		aps_status(ctx, buf, len);
		return;
	}

	aps_text(ver, sizeof(ver), buf + APS_VERSION, 2);
	if (flen < APS_CMD + APS_CMDLEN) {
		pv_dump(ctx, buf, len, "APS%s message of %zu bytes not "
		    "decoded", ver, len);
		return;
	}
	aps_text(cmd, sizeof(cmd), buf + APS_CMD, APS_CMDLEN);
	pv_dump(ctx, buf, len, "APS%s message, command %s, not decoded", ver,
	    cmd);
}

/* n decimal digits?  (also apsystems_local.c's and the relay's) */
int
aps_digits(const uint8_t *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return (0);
	return (1);
}

/* n <= 18 digits, checked by the caller */
int64_t
aps_num(const uint8_t *p, size_t n)
{
	int64_t	v = 0;
	size_t	i;

	for (i = 0; i < n; i++)
		v = v * 10 + (p[i] - '0');
	return (v);
}

/* characters from the wire, made printable, for a reason or an id */
static void
aps_text(char *dst, size_t dstlen, const uint8_t *src, size_t n)
{
	size_t	i;

	if (dstlen == 0)
		return;
	for (i = 0; i < n && i < dstlen - 1; i++)
		dst[i] = (src[i] > 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[i] = '\0';
}

static const char *
aps_model(const struct aps_model *t, size_t n, const char *id)
{
	const char	*p, *q;
	size_t		 i;

	/* a prefix match, most tried entries failing at their first char */
	for (i = 0; i < n; i++) {
		for (p = t[i].prefix, q = id; *p != '\0' && *p == *q; p++, q++)
			;
		if (*p == '\0')
			return (t[i].model);
	}
	return (NULL);
}

/* the model of an ECU or an inverter by its id, or NULL */
const char *
apsystems_model(const char *id, int inverter)
{
	if (inverter)
		return (aps_model(inverter_models, NELEM(inverter_models),
		    id));
	return (aps_model(ecu_models, NELEM(ecu_models), id));
}

/*
 * YYYYMMDDhhmmss, digits checked by the caller, as the gateway's local
 * time (the ECU's, when both are in the same zone).  A date that does
 * not exist is refused.
 *
 * Not mktime(): without TZ, glibc's mktime() opens /etc/localtime
 * again every time, which the decoder's sandbox forbids.  timegm()
 * reads the fields as UTC; the zone's offset then comes from
 * localtime_r(), twice, since it may change in between.
 */
int
apsystems_time(const uint8_t *p, int64_t *when)
{
	struct tm	want, tm;
	time_t		local, t;
	int64_t		off;
	int		i;

	memset(&want, 0, sizeof(want));
	want.tm_year = (int)aps_num(p, 4) - 1900;
	want.tm_mon = (int)aps_num(p + 4, 2) - 1;
	want.tm_mday = (int)aps_num(p + 6, 2);
	want.tm_hour = (int)aps_num(p + 8, 2);
	want.tm_min = (int)aps_num(p + 10, 2);
	want.tm_sec = (int)aps_num(p + 12, 2);
	if (want.tm_year < 70 || want.tm_mon < 0 || want.tm_mon > 11 ||
	    want.tm_mday < 1 || want.tm_mday > 31 || want.tm_hour > 23 ||
	    want.tm_min > 59 || want.tm_sec > 59)
		return (-1);
	tm = want;
	if ((local = timegm(&tm)) == (time_t)-1 || tm.tm_mon != want.tm_mon ||
	    tm.tm_mday != want.tm_mday)
		return (-1);
	t = local;
	for (i = 0; i < 2; i++) {
		if (localtime_r(&t, &tm) == NULL)
			return (-1);
		off = (int64_t)timegm(&tm) - (int64_t)t;
		t = (time_t)((int64_t)local - off);
	}
	if ((int64_t)t < 0 || (int64_t)t > APS_TIME_MAX)
		return (-1);
	*when = (int64_t)t;
	return (0);
}

/* what is wrong with the head of a data record of flen characters */
static const char *
aps_head(const uint8_t *buf, size_t flen)
{
	if (flen < REC_HEADLEN)
		return ("data record shorter than its head");
	if (!aps_digits(buf + REC_ECU, APS_IDLEN))
		return ("bad ECU id");
	if (!aps_digits(buf + REC_POWER, 3 * REC_FIELDLEN))
		return ("bad power or energy field");
	if (!aps_digits(buf + REC_TIME, APS_TIMELEN))
		return ("bad record time");
	if (!aps_digits(buf + REC_COUNT, REC_COUNTLEN))
		return ("bad inverter count");
	if (!aps_digits(buf + REC_ZONE, 1 + REC_FLAGSLEN))
		return ("bad flags");
	if (memcmp(buf + REC_END, APS_END, APS_ENDLEN) != 0)
		return ("no END after the head");
	return (NULL);
}

/* the first problem of a record is kept, the others counted */
static void
aps_problem(struct aps_walk *w, const char *fmt, ...)
{
	va_list	ap;

	if (w->emit)
		return;
	if (w->nproblems++ > 0)
		return;
	va_start(ap, fmt);
	if (vsnprintf(w->problem, sizeof(w->problem), fmt, ap) < 0)
		w->problem[0] = '\0';
	va_end(ap);
}

/*
 * A data record.  The head alone decides the answer: once it is sound
 * the record is confirmed, whatever its inverter records hold, since
 * the gateway has kept it (as records or as a dump) and the ECU would
 * otherwise send it again and again.
 */
static void
aps_data(struct pvctx *ctx, const uint8_t *buf, size_t flen)
{
	struct aps_walk	 w;
	struct record	 rec;
	char		 ecu[APS_IDLEN + 1];
	uint8_t		 reply[REPLY_DATALEN];
	const char	*bad, *model;
	size_t		 len = flen + 1;
	int64_t		 when;
	int		 count;

	if ((bad = aps_head(buf, flen)) != NULL) {
		pv_dump(ctx, buf, len, "%s", bad);
		return;
	}
	if (aps_admit(ctx, buf, len, REC_ECU) == -1)
		return;
	reply[0] = REPLY_STORED;
	reply[1] = '0';
	reply[2] = '1';
	memcpy(reply + 3, buf + REC_TIME, APS_TIMELEN);
	pv_reply(ctx, reply, sizeof(reply));

	if (apsystems_time(buf + REC_TIME, &when) == -1) {
		pv_dump(ctx, buf, len, "record time %.14s is no date",
		    (const char *)buf + REC_TIME);
		return;
	}
	aps_text(ecu, sizeof(ecu), buf + REC_ECU, APS_IDLEN);
	count = (int)aps_num(buf + REC_COUNT, REC_COUNTLEN);

	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.ecu = ecu;
	w.when = when;
	aps_walk(&w, buf, flen, count);

	record_init(&rec, REC_MEASUREMENT, PROTO_APSYSTEMS_ECU, when);
	(void)snprintf(rec.device, sizeof(rec.device), "%s", ecu);
	aps_crosscheck(&w, aps_num(buf + REC_POWER, REC_FIELDLEN), &rec);
	record_metric(&rec, M_ENERGY_TOTAL, 0,
	    aps_num(buf + REC_LIFETIME, REC_FIELDLEN), 1);
	record_metric(&rec, M_INVERTERS, 0, count, 0);
	/* the head's own interval energy is 0 on current firmware */
	if (w.failed == 0 && w.decoded == count)
		record_metric(&rec, M_ENERGY_INTERVAL, 0, w.energy, 6);
	if ((model = apsystems_model(ecu, 0)) != NULL)
		record_attr(&rec, A_MODEL, model);
	pv_record(ctx, &rec);

	w.emit = 1;
	aps_walk(&w, buf, flen, count);

	if (w.nproblems > 1)
		pv_dump(ctx, buf, len, "%s (and %d more)", w.problem,
		    w.nproblems - 1);
	else if (w.nproblems == 1)
		pv_dump(ctx, buf, len, "%s", w.problem);
}

/*
 * The system power against the sum of the channels.  Current firmware
 * sends whole watts, that of 2017 W x 100 (exactly the sum then);
 * either may be off by less than a watt of rounding.  The check needs
 * every inverter decoded.
 */
static void
aps_crosscheck(struct aps_walk *w, int64_t sys, struct record *rec)
{
	int64_t	d;

	if (w->failed > 0 || w->decoded == 0) {
		record_metric(rec, M_AC_POWER, 0, sys, 0);
		return;
	}
	d = sys * 100 - w->power;
	if (d > -100 && d < 100) {
		record_metric(rec, M_AC_POWER, 0, sys, 0);
		return;
	}
	d = sys - w->power;
	if (d > -100 && d < 100) {
		record_metric(rec, M_AC_POWER, 0, sys, 2);
		return;
	}
	record_metric(rec, M_AC_POWER, 0, sys, 0);
	aps_problem(w, "system power %lld W, channels %lld.%02lld W",
	    (long long)sys, (long long)(w->power / 100),
	    (long long)(w->power % 100));
}

/*
 * Where the next "END" from p starts; flen if there is none.  memchr()
 * finds the candidates: an 'E' is rare among the digits of a record.
 */
static size_t
aps_findend(const uint8_t *buf, size_t p, size_t flen)
{
	const uint8_t	*e;

	while (p <= flen && flen - p >= APS_ENDLEN) {
		if ((e = memchr(buf + p, APS_END[0],
		    flen - p - APS_ENDLEN + 1)) == NULL)
			break;
		p = e - buf;
		if (memcmp(buf + p, APS_END, APS_ENDLEN) == 0)
			return (p);
		p++;
	}
	return (flen);
}

/* the inverter records from REC_HEADLEN, and what follows them */
static void
aps_walk(struct aps_walk *w, const uint8_t *buf, size_t flen, int count)
{
	size_t	p = REC_HEADLEN, end;
	int	i;

	for (i = 0; i < count; i++) {
		if (p >= flen) {
			aps_problem(w, "%d of %d inverter records", i, count);
			w->failed += count - i;
			return;
		}
		if ((end = aps_findend(buf, p, flen)) == flen) {
			aps_problem(w, "inverter record %d has no END",
			    i + 1);
			w->failed += count - i;
			return;
		}
		aps_inverter(w, buf + p, end - p, i + 1);
		p = end + APS_ENDLEN;
	}
	if (p < flen) {
		if (flen - p >= APS_ENDLEN &&
		    memcmp(buf + p, REC_ADD, APS_ENDLEN) == 0)
			aps_problem(w, "lost-data section not decoded");
		else {
			/* maybe inverters the count left out: no totals */
			aps_problem(w, "%zu characters after %d inverter "
			    "records", flen - p, count);
			w->failed++;
		}
	}
}

static void
aps_inverter(struct aps_walk *w, const uint8_t *r, size_t rlen, int n)
{
	struct record			 rec;
	struct aps_rd			 rd;
	const struct aps_layout		*lay = NULL;
	const char			*model;
	char				 uid[INV_UIDLEN + 1];
	char				 type[INV_TYPELEN + 1];
	int64_t				 power = 0, energy = 0;
	size_t				 i;

	if (rlen < INV_HEADLEN || !aps_digits(r, INV_UIDLEN)) {
		aps_problem(w, "inverter record %d: no UID", n);
		w->failed++;
		return;
	}
	aps_text(uid, sizeof(uid), r, INV_UIDLEN);
	aps_text(type, sizeof(type), r + INV_TYPE, INV_TYPELEN);
	for (i = 0; i < NELEM(layouts); i++)
		if (memcmp(r + INV_TYPE, layouts[i].type, INV_TYPELEN) == 0)
			lay = &layouts[i];
	if (lay == NULL) {
		aps_problem(w, "inverter %s: type %s not decoded", uid, type);
		w->failed++;
		return;
	}
	if (rlen != lay->len) {
		aps_problem(w, "inverter %s: type %s record of %zu "
		    "characters, want %zu", uid, type, rlen, lay->len);
		w->failed++;
		return;
	}

	/* the first pass only sums and checks: no record to build */
	if (w->emit) {
		record_init(&rec, REC_MEASUREMENT, PROTO_APSYSTEMS_ECU,
		    w->when);
		(void)strlcpy(rec.device, uid, sizeof(rec.device));
		(void)strlcpy(rec.via, w->ecu, sizeof(rec.via));
	}
	memset(&rd, 0, sizeof(rd));
	rd.p = r;
	rd.len = rlen;
	rd.off = INV_HEADLEN;
	switch (lay->family) {
	case FAM_DS3:
		aps_ds3(&rd, w->emit ? &rec : NULL, lay, &power, &energy);
		break;
	case FAM_YC:
		aps_yc(&rd, w->emit ? &rec : NULL, lay, &power, &energy);
		break;
	default:
		aps_yc1000(&rd, w->emit ? &rec : NULL, &power, &energy);
		break;
	}
	if (rd.bad != 0 || rd.off != rlen) {
		aps_problem(w, "inverter %s: bad field at character %zu", uid,
		    rd.bad != 0 ? rd.bad - 1 : rd.off);
		w->failed++;
		return;
	}
	w->decoded++;
	w->power += power;
	w->energy += energy;
	if (!w->emit)
		return;
	record_metric(&rec, M_ENERGY_INTERVAL, 0, energy, 6);
	if ((model = apsystems_model(uid, 1)) != NULL)
		record_attr(&rec, A_MODEL, model);
	pv_record(w->ctx, &rec);
}

/* a metric of the record, if there is one (the second pass) */
static void
aps_metric(struct record *rec, int id, int index, int64_t raw, int decimals)
{
	if (rec != NULL)
		(void)record_metric(rec, id, index, raw, decimals);
}

/* n digits; a bad field reads 0 and is remembered */
static int64_t
rd_num(struct aps_rd *rd, size_t n)
{
	const uint8_t	*p = rd->p + rd->off;
	int64_t		 v = 0;
	size_t		 i;
	unsigned int	 d;

	/* checked and read in one pass: 40 inverters have ~25 each */
	for (i = 0; i < n && i < rd->len - rd->off; i++) {
		if ((d = p[i] - '0') > 9)
			break;
		v = v * 10 + d;
	}
	if (i < n) {
		if (rd->bad == 0)
			rd->bad = rd->off + 1;
		rd->off = n > rd->len - rd->off ? rd->len : rd->off + n;
		return (0);
	}
	rd->off += n;
	return (v);
}

/* one fixed character: a channel's marker */
static void
rd_mark(struct aps_rd *rd, int c)
{
	if (rd->off >= rd->len || rd->p[rd->off] != c) {
		if (rd->bad == 0)
			rd->bad = rd->off + 1;
	}
	if (rd->off < rd->len)
		rd->off++;
}

/*
 * The YC250/YC500 temperature, 3 characters: "125", "A25" 25, "AA5"
 * 5, "AB5" -5, "B12" -12 degrees C.
 */
static int64_t
rd_temp(struct aps_rd *rd)
{
	const uint8_t	*p = rd->p + rd->off;
	size_t		 at = rd->off;

	if (rd->len - rd->off < 3) {
		rd->off = rd->len;
		if (rd->bad == 0)
			rd->bad = at + 1;
		return (0);
	}
	rd->off += 3;
	if (p[0] == 'A' && p[1] == 'A' && aps_digits(p + 2, 1))
		return (aps_num(p + 2, 1));
	if (p[0] == 'A' && p[1] == 'B' && aps_digits(p + 2, 1))
		return (-aps_num(p + 2, 1));
	if (p[0] == 'A' && aps_digits(p + 1, 2))
		return (aps_num(p + 1, 2));
	if (p[0] == 'B' && aps_digits(p + 1, 2))
		return (-aps_num(p + 1, 2));
	if (aps_digits(p, 3))
		return (aps_num(p, 3));
	if (rd->bad == 0)
		rd->bad = at + 1;
	return (0);
}

/*
 * Types 07 (YC600, DS3: 2 channels) and 08 (QS1: 4 channels), after
 * UID and type:
 *
 *	grid V 3, frequency 5 (Hz x 10), temperature 3 (degrees C + 100),
 *	reactive power 5 (var x 100), active power 5 (W x 100; QS1 x 10),
 *	energy 10 (not used: 0 in captures)
 *	per channel: its number 1, DC V 5 (x 10), DC A 3 (x 10),
 *	    energy of the interval 6 (kWh x 10^6), DC power 5 (W x 100)
 */
static void
aps_ds3(struct aps_rd *rd, struct record *rec, const struct aps_layout *lay,
    int64_t *power, int64_t *energy)
{
	int64_t	v, a, e, p;
	int	k;

	aps_metric(rec, M_AC_VOLTAGE, 0, rd_num(rd, 3), 0);
	aps_metric(rec, M_AC_FREQUENCY, 0, rd_num(rd, 5), 1);
	aps_metric(rec, M_TEMPERATURE, 0, rd_num(rd, 3) - INV_TEMP_OFFSET,
	    0);
	aps_metric(rec, M_REACTIVE_POWER, 0, rd_num(rd, 5), 2);
	aps_metric(rec, M_AC_POWER, 0, rd_num(rd, 5), lay->acdecimals);
	(void)rd_num(rd, 10);
	for (k = 0; k < lay->nch; k++) {
		rd_mark(rd, '1' + k);
		v = rd_num(rd, 5);
		a = rd_num(rd, 3);
		e = rd_num(rd, 6);
		p = rd_num(rd, 5);
		aps_metric(rec, M_PV_VOLTAGE, k + 1, v, 1);
		aps_metric(rec, M_PV_CURRENT, k + 1, a, 1);
		aps_metric(rec, M_PV_POWER, k + 1, p, 2);
		aps_metric(rec, M_PV_ENERGY_INTERVAL, k + 1, e, 6);
		*power += p;
		*energy += e;
	}
}

/*
 * Types 05 (YC250: channel A) and 03 (YC500: channels A, B):
 *
 *	grid V 3, frequency 5 (Hz x 10), temperature 3 (rd_temp),
 *	reactive power 5 (var x 100), active power 5 (W x 100),
 *	energy 6 (not used)
 *	per channel: its letter, DC V 5 (x 10), DC A 3 (x 10), energy of
 *	    the interval 6 (kWh x 10^6), DC power 5 (W x 100), 11 status
 *	    bits ('0'/'1'); status is A's bits, B's above them
 */
static void
aps_yc(struct aps_rd *rd, struct record *rec, const struct aps_layout *lay,
    int64_t *power, int64_t *energy)
{
	int64_t	v, a, e, p, status = 0;
	size_t	i;
	int	k;

	aps_metric(rec, M_AC_VOLTAGE, 0, rd_num(rd, 3), 0);
	aps_metric(rec, M_AC_FREQUENCY, 0, rd_num(rd, 5), 1);
	aps_metric(rec, M_TEMPERATURE, 0, rd_temp(rd), 0);
	aps_metric(rec, M_REACTIVE_POWER, 0, rd_num(rd, 5), 2);
	aps_metric(rec, M_AC_POWER, 0, rd_num(rd, 5), lay->acdecimals);
	(void)rd_num(rd, 6);
	for (k = 0; k < lay->nch; k++) {
		rd_mark(rd, 'A' + k);
		v = rd_num(rd, 5);
		a = rd_num(rd, 3);
		e = rd_num(rd, 6);
		p = rd_num(rd, 5);
		for (i = 0; i < INV_STATUSBITS; i++) {
			if (rd->off < rd->len && rd->p[rd->off] == '1')
				status |= (int64_t)1 << (k * INV_STATUSBITS +
				    INV_STATUSBITS - 1 - i);
			else if (rd->off >= rd->len || rd->p[rd->off] != '0') {
				if (rd->bad == 0)
					rd->bad = rd->off + 1;
			}
			if (rd->off < rd->len)
				rd->off++;
		}
		aps_metric(rec, M_PV_VOLTAGE, k + 1, v, 1);
		aps_metric(rec, M_PV_CURRENT, k + 1, a, 1);
		aps_metric(rec, M_PV_POWER, k + 1, p, 2);
		aps_metric(rec, M_PV_ENERGY_INTERVAL, k + 1, e, 6);
		*power += p;
		*energy += e;
	}
	aps_metric(rec, M_STATUS, 0, status, 0);
}

/*
 * Type 04 (YC1000, QT2), three phases and four DC inputs:
 *
 *	DC V 5 (x 10, one for all inputs), frequency 5 (Hz x 10),
 *	temperature 3 (degrees C + 100)
 *	phases 1..3: its number, DC A of input n 3 (x 10), grid V of
 *	    phase n 3, reactive power 5 (var x 100), active power 5
 *	    (W x 100), energy of the phase 6 (not used), energy of input n
 *	    6 (kWh x 10^6), DC power of input n 5 (W x 100)
 *	'4', DC A 3, energy 6, DC power 5 of input 4
 */
static void
aps_yc1000(struct aps_rd *rd, struct record *rec, int64_t *power,
    int64_t *energy)
{
	int64_t	a, e, p, act, react = 0, active = 0;
	int	k;

	aps_metric(rec, M_DC_VOLTAGE, 0, rd_num(rd, 5), 1);
	aps_metric(rec, M_AC_FREQUENCY, 0, rd_num(rd, 5), 1);
	aps_metric(rec, M_TEMPERATURE, 0, rd_num(rd, 3) - INV_TEMP_OFFSET,
	    0);
	for (k = 0; k < 4; k++) {
		rd_mark(rd, '1' + k);
		a = rd_num(rd, 3);
		if (k < 3) {
			aps_metric(rec, M_AC_L_VOLTAGE, k + 1,
			    rd_num(rd, 3), 0);
			react += rd_num(rd, 5);
			act = rd_num(rd, 5);
			aps_metric(rec, M_AC_L_POWER, k + 1, act, 2);
			active += act;
			(void)rd_num(rd, 6);
		}
		e = rd_num(rd, 6);
		p = rd_num(rd, 5);
		aps_metric(rec, M_PV_CURRENT, k + 1, a, 1);
		aps_metric(rec, M_PV_POWER, k + 1, p, 2);
		aps_metric(rec, M_PV_ENERGY_INTERVAL, k + 1, e, 6);
		*power += p;
		*energy += e;
	}
	aps_metric(rec, M_AC_POWER, 0, active, 2);
	aps_metric(rec, M_REACTIVE_POWER, 0, react, 2);
}

/*
 * Every message names its ECU (12 digits at off, checked by the
 * caller): may it be served (accept = known)?
 */
static int
aps_admit(struct pvctx *ctx, const uint8_t *buf, size_t len, size_t off)
{
	char	ecu[APS_IDLEN + 1];

	aps_text(ecu, sizeof(ecu), buf + off, APS_IDLEN);
	if (pv_admit(ctx, ecu))
		return (0);
	pv_dump(ctx, buf, len, "unknown device %s", ecu);
	return (-1);
}

/* the night job asks which pending records we stored: none it missed */
static void
aps_query(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	if (aps_admit(ctx, buf, len, APS_LENEND) == -1)
		return;
	pv_reply(ctx, (const uint8_t *)REPLY_NOTHING,
	    sizeof(REPLY_NOTHING) - 1);
}

/* port 8997, A101 "any commands?": A100, "none" */
static void
aps_poll(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	uint8_t	reply[POLL_LEN];
	size_t	flen = len - 1, off;

	if (flen != POLL_LEN || buf[APS_FLAG] != '0' ||
	    !aps_digits(buf + POLL_ECU, APS_IDLEN) ||
	    memcmp(buf + POLL_CMD2, "A101", APS_CMDLEN) != 0 ||
	    !aps_digits(buf + POLL_TIME, APS_TIMELEN) ||
	    memcmp(buf + POLL_END, APS_END, APS_ENDLEN) != 0) {
		pv_dump(ctx, buf, len, "malformed A101 poll");
		return;
	}
	if (aps_admit(ctx, buf, len, POLL_ECU) == -1)
		return;
	off = sizeof(POLL_REPLY) - 1;
	memcpy(reply, POLL_REPLY, off);
	memcpy(reply + off, buf + POLL_ECU, APS_IDLEN);
	off += APS_IDLEN;
	memcpy(reply + off, POLL_NOCMD, APS_CMDLEN);
	off += APS_CMDLEN;
	memset(reply + off, '0', APS_TIMELEN);
	off += APS_TIMELEN;
	memcpy(reply + off, APS_END, APS_ENDLEN);
	pv_reply(ctx, reply, sizeof(reply));
}

/*
 * port 8997, A123 inverter status: stored (flag 1, one time: the
 * message's own); the status blocks are kept as a dump, for nobody has
 * decoded them yet.
 */
static void
aps_status(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	uint8_t	reply[STATUS_REPLYLEN];
	size_t	flen = len - 1, off;

	if (flen < STATUS_MINLEN || buf[APS_FLAG] != '1' ||
	    !aps_digits(buf + STATUS_ECU, APS_IDLEN + 4 + APS_TIMELEN) ||
	    memcmp(buf + STATUS_END, APS_END, APS_ENDLEN) != 0) {
		pv_dump(ctx, buf, len, "malformed A123 status");
		return;
	}
	if (aps_admit(ctx, buf, len, STATUS_ECU) == -1)
		return;
	off = sizeof(STATUS_REPLY) - 1;
	memcpy(reply, STATUS_REPLY, off);
	memcpy(reply + off, buf + STATUS_TIME, APS_TIMELEN);
	off += APS_TIMELEN;
	memcpy(reply + off, APS_END, APS_ENDLEN);
	pv_reply(ctx, reply, sizeof(reply));
	pv_dump(ctx, buf, len, "A123 inverter status not decoded");
}
