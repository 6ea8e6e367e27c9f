/*
 * AlphaESS storage, server mode: the battery's EMS connects to us as
 * if we were www.alphaess.com on port 7777.  We answer every request
 * it sends the way the cloud did, and decode its 10-second status
 * push, its minute history (CSV) and its detailed record.
 *
 * Frame (both directions, integers big-endian):
 *
 *	0	0x01
 *	1	0x01 request or push, 0x02 response
 *	2	command; a response repeats the request's
 *	3	u32 body length L, may be 0
 *	7	body, L bytes: compact JSON, or CSV for command 12
 *	7+L	u16 CRC-16/MODBUS over bytes 0 .. 6+L, high byte first
 *
 * JSON bodies are flat objects whose numbers are strings.  They are
 * read with the small bounded scanner below rather than a library:
 * the ones packaged for Debian allocate per value, the header-only
 * ones are not packaged, and all we need is one pass over key/value
 * pairs with every length checked, which is about a hundred lines.
 *
 * The login carries the account's password in clear.  It is never
 * copied out of the frame, and every dump goes through ae_dump(),
 * which masks it (and the owner's personal data) first.
 */

#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pvgate.h"
#include "proto.h"
#include "alphaess.h"

#define AE_SOF			0x01
#define AE_REQUEST		0x01
#define AE_RESPONSE		0x02
#define AE_HDRLEN		7
#define AE_CRCLEN		2
#define AE_MINLEN		(AE_HDRLEN + AE_CRCLEN)
#define AE_BODY			AE_HDRLEN

/* commands */
#define AE_CMD_KEEPALIVE	0
#define AE_CMD_LOGIN		2
#define AE_CMD_SERIAL		3
#define AE_CMD_CONFIG		4
#define AE_CMD_DETAIL		5
#define AE_CMD_SERVER		8	/* the cloud's commands */
#define AE_CMD_EVENT		9
#define AE_CMD_HISTORY		12
#define AE_CMD_STATUS		16

#define AE_SUCCESS		"{\"Status\":\"Success\"}"
#define AE_SUCCESSLEN		(sizeof(AE_SUCCESS) - 1)
#define AE_REPLYLEN		(AE_MINLEN + AE_SUCCESSLEN)

#define AE_SNLEN		40	/* longest serial we accept */
#define AE_JSON_DEPTH		8	/* nesting the scanner skips over */
#define AE_KEYLEN		40	/* longest key the masker looks at */
#define AE_MAXCOLS		128	/* CSV history columns */
#define AE_MAXDIGITS		12	/* digits of a number */
#define AE_MAXDEC		6	/* decimals of a number */
#define AE_YEAR_MIN		2000
#define AE_YEAR_MAX		2099
#define AE_KW			3	/* decimals: kW to W */

/* exact decimal numbers: raw / 10^dec */
struct ae_dec {
	int64_t		raw;
	int		dec;
};

/* the values that derived metrics are summed from */
enum {
	P_NONE, P_PV1, P_PV2, P_GRID1, P_GRID2, P_GRID3, P_AC1, P_AC2,
	P_AC3, P_PVMETER, P_MAX
};

#define P_BIT(p)	(1U << (p))
#define P_GRID		(P_BIT(P_GRID1) | P_BIT(P_GRID2) | P_BIT(P_GRID3))
#define P_AC		(P_BIT(P_AC1) | P_BIT(P_AC2) | P_BIT(P_AC3))

/*
 * The battery's names, shared by the status push, the detailed record
 * and the CSV history columns, and what they become.  Signs are the
 * battery's and already ours: Pbat > 0 discharges, Pmeter > 0 imports.
 */
struct ae_field {
	const char	*key;
	int		 metric;
	int		 index;
	int		 part;
};

static const struct ae_field	ae_fields[] = {
	{ "Ppv1", M_PV_POWER, 1, P_PV1 },
	{ "Ppv2", M_PV_POWER, 2, P_PV2 },
	{ "Upv1", M_PV_VOLTAGE, 1, P_NONE },
	{ "Upv2", M_PV_VOLTAGE, 2, P_NONE },
	{ "Vpv1", M_PV_VOLTAGE, 1, P_NONE },
	{ "Vpv2", M_PV_VOLTAGE, 2, P_NONE },
	{ "PrealL1", M_AC_L_POWER, 1, P_AC1 },
	{ "PrealL2", M_AC_L_POWER, 2, P_AC2 },
	{ "PrealL3", M_AC_L_POWER, 3, P_AC3 },
	{ "PmeterL1", M_GRID_L_POWER, 1, P_GRID1 },
	{ "PmeterL2", M_GRID_L_POWER, 2, P_GRID2 },
	{ "PmeterL3", M_GRID_L_POWER, 3, P_GRID3 },
	{ "PmeterDC", M_PV_METER_POWER, 0, P_PVMETER },
	{ "Pbat", M_BATTERY_POWER, 0, P_NONE },
	{ "Sva", M_APPARENT_POWER, 0, P_NONE },
	{ "VarAC", M_REACTIVE_POWER, 0, P_NONE },
	{ "VarDC", M_DC_REACTIVE_POWER, 0, P_NONE },
	{ "SOC", M_BATTERY_SOC, 0, P_NONE },
	{ "BatV", M_BATTERY_VOLTAGE, 0, P_NONE },
	{ "BatC", M_BATTERY_CURRENT, 0, P_NONE },
	{ "Ua", M_AC_L_VOLTAGE, 1, P_NONE },
	{ "Ub", M_AC_L_VOLTAGE, 2, P_NONE },
	{ "Uc", M_AC_L_VOLTAGE, 3, P_NONE },
	{ "Fac", M_AC_FREQUENCY, 0, P_NONE },
	{ "Ubus", M_BUS_VOLTAGE, 0, P_NONE },
	{ "Tinv", M_TEMPERATURE, 0, P_NONE },
	{ "InvWorkMode", M_STATUS, 0, P_NONE },
	{ "EpvTotal", M_SOLAR_ENERGY_TOTAL, 0, P_NONE },
	{ "Einput", M_GRID_IMPORT_TOTAL, 0, P_NONE },
	{ "Eoutput", M_GRID_EXPORT_TOTAL, 0, P_NONE },
	{ "Echarge", M_BATTERY_CHARGE_TOTAL, 0, P_NONE },
	{ "EDischarge", M_BATTERY_DISCHARGE_TOTAL, 0, P_NONE },
	{ "EGridCharge", M_BATTERY_GRID_CHARGE_TOTAL, 0, P_NONE },
	{ "ErrInv", M_FAULT, 0, P_NONE },
	{ "WarInv", M_ALARM, 0, P_NONE }
};

#define AE_NFIELDS	(sizeof(ae_fields) / sizeof(ae_fields[0]))

/* CSV column kinds beyond the field table */
#define AE_COL_NONE	-1
#define AE_COL_DATE	-2
#define AE_COL_TIME	-3
#define AE_COL_SN	-4

/*
 * Keys whose values a dump never shows (a prefix, any case): the
 * login's password and the owner's data in the configuration.
 */
static const char	*ae_secrets[] = {
	"password", "address", "zipcode", "phonenumber", "license",
	"wifisn", "invsn", "batterysn"
};

#define AE_NSECRETS	(sizeof(ae_secrets) / sizeof(ae_secrets[0]))

struct ae_clock {
	int	year, mon, day, hour, min, sec;
};

/* one sample being decoded: a status push, detailed record or CSV row */
struct ae_row {
	struct record	 rec;
	struct ae_dec	 part[P_MAX];
	unsigned int	 have;		/* P_BIT()s */
	struct ae_clock	 clock;
	int		 have_date, have_time;
	struct ae_str	 sn;
	const char	*bad;		/* the first key with a bad value */
	int		 nunknown;	/* keys not in the table */
};

struct alphaess_state {
	int64_t		offset;		/* UTC - battery clock read as UTC */
	int64_t		skew;		/* UTC - battery clock, local zone */
	int64_t		last;		/* battery clock of the last push */
	char		sn[AE_SNLEN + 1];
	uint8_t		have_offset;
	uint8_t		have_last;
	uint8_t		told_keys;	/* unknown status keys dumped */
	uint8_t		refused;	/* unknown battery (accept = known) */
};

static void	ae_reply(struct pvctx *, uint8_t);
static void	ae_dump(struct pvctx *, const uint8_t *, size_t, const char *,
		    ...) __attribute__((__format__ (printf, 4, 5)));
static size_t	ae_mask_login(uint8_t *, size_t);
static void	ae_mask_value(uint8_t *, size_t, size_t);
static int	aj_fail(struct ae_json *, const char *);
static void	aj_ws(struct ae_json *);
static int	aj_end(struct ae_json *);
static int	aj_string(struct ae_json *, struct ae_str *);
static int	aj_nested(struct ae_json *, struct ae_str *);
static int	aj_token(struct ae_json *, struct ae_str *, int *);
static int	ae_number(const struct ae_str *, struct ae_dec *);
static void	ae_scale(struct ae_dec *, int);
static void	ae_add(struct ae_dec *, const struct ae_dec *);
static int	ae_digits(const uint8_t *, int);
static int	ae_date(const struct ae_str *, struct ae_clock *);
static int	ae_time(const struct ae_str *, struct ae_clock *);
static int	ae_datetime(const struct ae_str *, struct ae_clock *);
static int64_t	ae_naive(int, int, int, int, int, int);
static int64_t	ae_local(int64_t);
static int	ae_serial(const struct ae_str *);
static int	ae_learn(struct pvctx *, struct alphaess_state *,
		    const struct ae_str *, const uint8_t *, size_t);
static int	ae_lookup(const struct ae_str *);
static void	ae_row_init(struct ae_row *);
static void	ae_row_field(struct ae_row *, int, const struct ae_str *);
static void	ae_row_pair(struct ae_row *, const struct ae_str *,
		    const struct ae_str *, int);
static const char *ae_row_finish(struct ae_row *, struct alphaess_state *,
		    int64_t);
static void	ae_login(struct pvctx *, struct alphaess_state *,
		    const uint8_t *, size_t);
static void	ae_serialreq(struct pvctx *, struct alphaess_state *,
		    const uint8_t *, size_t);
static void	ae_config(struct pvctx *, struct alphaess_state *,
		    const uint8_t *, size_t);
static void	ae_sample(struct pvctx *, struct alphaess_state *,
		    const uint8_t *, size_t, int);
static void	ae_event(struct pvctx *, const uint8_t *, size_t);
static void	ae_history(struct pvctx *, struct alphaess_state *,
		    const uint8_t *, size_t);
static int	ae_history_row(struct pvctx *, struct alphaess_state *,
		    const int16_t *, size_t, const uint8_t *, size_t, char *,
		    size_t);

size_t
alphaess_statesize(void)
{
	return (sizeof(struct alphaess_state));
}

/*
 * Length field and bounds only; the decoder checks the CRC.  Bytes
 * that cannot start a frame (0x01, then 0x01 or 0x02) are skipped up
 * to the next place that could, so a frame after garbage in the same
 * read is still found; a TLS handshake from newer firmware ends up
 * skipped and dumped.  A length beyond the maximum closes the
 * connection: nothing after it can be trusted to be in step.
 */
int
alphaess_frame(const uint8_t *buf, size_t len, size_t max, size_t *n,
    const char **why)
{
	static char	toobig[PV_REASONLEN];
	size_t		i;
	uint32_t	blen;

	if (len == 0)
		return (FRAME_MORE);
	if (buf[0] != AE_SOF ||
	    (len > 1 && buf[1] != AE_REQUEST && buf[1] != AE_RESPONSE)) {
		for (i = 1; i < len; i++)
			if (buf[i] == AE_SOF && (i + 1 == len ||
			    buf[i + 1] == AE_REQUEST ||
			    buf[i + 1] == AE_RESPONSE))
				break;
		*n = i;
		*why = buf[0] != AE_SOF ? "bad start byte" :
		    "bad direction byte";
		return (FRAME_SKIP);
	}
	if (len < AE_HDRLEN)
		return (FRAME_MORE);

	blen = pv_be32(buf + 3);
	if (max < AE_MINLEN || blen > max - AE_MINLEN) {
		(void)snprintf(toobig, sizeof(toobig),
		    "frame length %llu exceeds maximum %zu",
		    (unsigned long long)blen + AE_MINLEN, max);
		*why = toobig;
		return (FRAME_CLOSE);
	}
	if (len < (size_t)blen + AE_MINLEN)
		return (FRAME_MORE);
	*n = (size_t)blen + AE_MINLEN;
	return (FRAME_OK);
}

void
alphaess_decode(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	struct alphaess_state	 scratch, *st = ctx->state;
	uint16_t		 crc;
	uint8_t			 cmd;

	if (st == NULL) {
		memset(&scratch, 0, sizeof(scratch));
		st = &scratch;
	}
	if (len < AE_MINLEN || buf[0] != AE_SOF ||
	    (buf[1] != AE_REQUEST && buf[1] != AE_RESPONSE) ||
	    (size_t)pv_be32(buf + 3) != len - AE_MINLEN) {
		ae_dump(ctx, buf, len, "malformed frame of %zu bytes", len);
		return;
	}
	crc = pv_crc16_modbus(buf, len - AE_CRCLEN);
	if (pv_be16(buf + len - AE_CRCLEN) != crc) {
		ae_dump(ctx, buf, len, "bad CRC 0x%04x, computed 0x%04x",
		    pv_be16(buf + len - AE_CRCLEN), crc);
		return;
	}

	cmd = buf[2];
	if (buf[1] == AE_RESPONSE) {
		/* we never ask the battery anything */
		ae_dump(ctx, buf, len, "unexpected response to command %u",
		    cmd);
		return;
	}
	if (cmd == AE_CMD_SERVER) {
		ae_dump(ctx, buf, len, "cloud command %u from the device, "
		    "not answered", cmd);
		return;
	}

	/* a connection that named its battery names it on every frame */
	if (st->sn[0] != '\0' && !pv_admit(ctx, st->sn)) {
		ae_dump(ctx, buf, len, "unknown device %s", st->sn);
		return;
	}

	switch (cmd) {
	case AE_CMD_KEEPALIVE:
		if (len != AE_MINLEN)
			ae_dump(ctx, buf, len, "keep-alive with a body of "
			    "%zu bytes", len - AE_MINLEN);
		break;
	case AE_CMD_LOGIN:
		ae_login(ctx, st, buf, len);
		break;
	case AE_CMD_SERIAL:
		ae_serialreq(ctx, st, buf, len);
		break;
	case AE_CMD_CONFIG:
		ae_config(ctx, st, buf, len);
		break;
	case AE_CMD_DETAIL:
	case AE_CMD_STATUS:
		ae_sample(ctx, st, buf, len, cmd);
		break;
	case AE_CMD_EVENT:
		ae_event(ctx, buf, len);
		break;
	case AE_CMD_HISTORY:
		ae_history(ctx, st, buf, len);
		break;
	default:
		ae_dump(ctx, buf, len, "unknown command %u, answered Success",
		    cmd);
		break;
	}
	/*
	 * Every request is answered, as the cloud does, once its body has
	 * said which battery it is from (accept = known).
	 */
	if (!st->refused)
		ae_reply(ctx, cmd);
}

/* the cloud's answer: response flag, same command, Success */
static void
ae_reply(struct pvctx *ctx, uint8_t cmd)
{
	uint8_t		r[AE_REPLYLEN];
	uint16_t	crc;

	r[0] = AE_SOF;
	r[1] = AE_RESPONSE;
	r[2] = cmd;
	r[3] = r[4] = r[5] = 0;
	r[6] = AE_SUCCESSLEN;
	memcpy(r + AE_BODY, AE_SUCCESS, AE_SUCCESSLEN);
	crc = pv_crc16_modbus(r, AE_REPLYLEN - AE_CRCLEN);
	r[AE_REPLYLEN - 2] = crc >> 8;
	r[AE_REPLYLEN - 1] = crc & 0xff;
	pv_reply(ctx, r, sizeof(r));
}

/*
 * Dump a frame, its secrets masked: a login keeps only its user and
 * company name, any other frame loses the values of the keys in
 * ae_secrets.  Masking is always done, sealed dumps or not: the
 * decoder does not know, and a reason or log line never shows values.
 */
static void
ae_dump(struct pvctx *ctx, const uint8_t *buf, size_t len, const char *fmt,
    ...)
{
	uint8_t		copy[PVGATE_IMSG_PAYLOAD];
	char		reason[PV_REASONLEN];
	va_list		ap;
	size_t		n, masked;

	va_start(ap, fmt);
	if (vsnprintf(reason, sizeof(reason), fmt, ap) < 0)
		reason[0] = '\0';
	va_end(ap);

	n = len < sizeof(copy) ? len : sizeof(copy);
	memcpy(copy, buf, n);
	masked = ae_mask_keys(copy, n);
	if (n > AE_MINLEN && copy[1] == AE_REQUEST && copy[2] == AE_CMD_LOGIN)
		masked += ae_mask_login(copy, n);
	if (masked > 0)
		pv_dump(ctx, copy, n, "%s (masked)", reason);
	else
		pv_dump(ctx, copy, n, "%s", reason);
}

/*
 * Mask the value after every "key": whose key starts with one of
 * ae_secrets, wherever it is in the bytes, JSON or not.  Returns the
 * number of values masked.
 */
size_t
ae_mask_keys(uint8_t *p, size_t n)
{
	size_t	i, j, k, s, klen, masked = 0;
	int	match;

	for (i = 0; i < n; i++) {
		if (p[i] != '"')
			continue;
		for (j = i + 1; j < n && j - i <= AE_KEYLEN && p[j] != '"'; j++)
			;
		if (j >= n || p[j] != '"')
			continue;
		klen = j - i - 1;
		match = 0;
		for (s = 0; s < AE_NSECRETS && !match; s++) {
			if (klen < strlen(ae_secrets[s]))
				continue;
			match = 1;
			for (k = 0; k < strlen(ae_secrets[s]); k++)
				if (tolower(p[i + 1 + k]) != ae_secrets[s][k])
					match = 0;
		}
		if (!match)
			continue;
		for (k = j + 1; k < n && (p[k] == ' ' || p[k] == '\t'); k++)
			;
		if (k >= n || p[k] != ':')
			continue;
		ae_mask_value(p, n, k + 1);
		masked++;
	}
	return (masked);
}

/*
 * A login: every value but the user and company name is masked; if the
 * body is not a JSON object, all of it.
 */
static size_t
ae_mask_login(uint8_t *p, size_t n)
{
	struct ae_json	j;
	struct ae_str	k, v;
	size_t		i, masked = 0;
	int		type, r;

	aj_init(&j, p + AE_BODY, n - AE_MINLEN);
	while ((r = aj_next(&j, &k, &v, &type)) == 1) {
		if (ae_is(&k, "UserName") || ae_is(&k, "CompanyName"))
			continue;
		for (i = 0; i < v.len; i++)
			p[(size_t)(v.p - p) + i] = '*';
		masked++;
	}
	if (r == -1) {
		memset(p + AE_BODY, '*', n - AE_MINLEN);
		masked++;
	}
	return (masked);
}

/*
 * Mask the value starting at p[k] (after blanks): a string keeps its
 * quotes; a token, object or array is masked whole, up to the comma or
 * bracket that ends it.
 */
static void
ae_mask_value(uint8_t *p, size_t n, size_t k)
{
	int	depth = 0, instr = 0;

	while (k < n && (p[k] == ' ' || p[k] == '\t'))
		k++;
	if (k < n && p[k] == '"') {
		for (k++; k < n && p[k] != '"'; k++) {
			if (p[k] == '\\' && k + 1 < n)
				p[k++] = '*';
			p[k] = '*';
		}
		return;
	}
	for (; k < n; k++) {
		if (instr) {
			if (p[k] == '\\' && k + 1 < n)
				p[k++] = '*';
			else if (p[k] == '"')
				instr = 0;
		} else if (p[k] == '"')
			instr = 1;
		else if (p[k] == '{' || p[k] == '[')
			depth++;
		else if (p[k] == '}' || p[k] == ']' || p[k] == ',') {
			if (depth == 0)
				return;
			if (p[k] != ',')
				depth--;
		}
		p[k] = '*';
	}
}

/* ------------------------------------------------------------------ */
/* the JSON scanner: one flat object, pairs in order, nothing copied */

void
aj_init(struct ae_json *j, const uint8_t *p, size_t len)
{
	memset(j, 0, sizeof(*j));
	j->p = p;
	j->len = len;
	j->state = AJ_START;
}

static int
aj_fail(struct ae_json *j, const char *why)
{
	if (j->err == NULL)
		j->err = why;
	j->state = AJ_DONE;
	return (-1);
}

static void
aj_ws(struct ae_json *j)
{
	while (j->off < j->len && (j->p[j->off] == ' ' ||
	    j->p[j->off] == '\t' || j->p[j->off] == '\r' ||
	    j->p[j->off] == '\n'))
		j->off++;
}

/* the object is closed: only blanks may follow */
static int
aj_end(struct ae_json *j)
{
	j->off++;
	aj_ws(j);
	if (j->off != j->len)
		return (aj_fail(j, "bytes after the object"));
	j->state = AJ_DONE;
	return (0);
}

/*
 * The next key and value: 1, 0 at the end of the object, -1 on an
 * error (j->err says which).  A string value is given without its
 * quotes and escapes are left as they are.
 */
int
aj_next(struct ae_json *j, struct ae_str *key, struct ae_str *val,
    int *type)
{
	uint8_t	c;

	if (j->err != NULL)
		return (-1);
	if (j->state == AJ_DONE)
		return (0);
	aj_ws(j);
	if (j->state == AJ_START) {
		if (j->off >= j->len || j->p[j->off] != '{')
			return (aj_fail(j, "not a JSON object"));
		j->off++;
		j->state = AJ_PAIRS;
		aj_ws(j);
		if (j->off < j->len && j->p[j->off] == '}')
			return (aj_end(j));
	} else {
		if (j->off >= j->len)
			return (aj_fail(j, "unterminated object"));
		if (j->p[j->off] == '}')
			return (aj_end(j));
		if (j->p[j->off] != ',')
			return (aj_fail(j, "expected , or }"));
		j->off++;
		aj_ws(j);
	}

	if (aj_string(j, key) == -1)
		return (-1);
	aj_ws(j);
	if (j->off >= j->len || j->p[j->off] != ':')
		return (aj_fail(j, "expected :"));
	j->off++;
	aj_ws(j);
	if (j->off >= j->len)
		return (aj_fail(j, "missing value"));
	c = j->p[j->off];
	if (c == '"') {
		*type = AJ_STRING;
		return (aj_string(j, val) == -1 ? -1 : 1);
	}
	if (c == '{' || c == '[') {
		*type = AJ_NESTED;
		return (aj_nested(j, val) == -1 ? -1 : 1);
	}
	return (aj_token(j, val, type) == -1 ? -1 : 1);
}

/* a string at j->off; escapes are checked, not decoded */
static int
aj_string(struct ae_json *j, struct ae_str *s)
{
	size_t	i, k;
	uint8_t	c;

	if (j->off >= j->len || j->p[j->off] != '"')
		return (aj_fail(j, "expected a string"));
	for (i = j->off + 1; i < j->len; i++) {
		c = j->p[i];
		if (c == '"') {
			s->p = j->p + j->off + 1;
			s->len = i - j->off - 1;
			j->off = i + 1;
			return (0);
		}
		if (c < 0x20)
			return (aj_fail(j, "control character in a string"));
		if (c != '\\')
			continue;
		if (i + 1 >= j->len)
			break;
		c = j->p[++i];
		if (c == 'u') {
			if (j->len - i <= 4)
				break;
			for (k = 1; k <= 4; k++)
				if (!isxdigit(j->p[i + k]))
					return (aj_fail(j, "bad \\u escape"));
			i += 4;
		} else if (strchr("\"\\/bfnrt", c) == NULL || c == '\0')
			return (aj_fail(j, "bad escape"));
	}
	return (aj_fail(j, "unterminated string"));
}

/* an object or array value, skipped to its end, at most AE_JSON_DEPTH */
static int
aj_nested(struct ae_json *j, struct ae_str *s)
{
	struct ae_str	tmp;
	size_t		start = j->off;
	int		depth = 0;
	uint8_t		c;

	while (j->off < j->len) {
		c = j->p[j->off];
		if (c == '"') {
			if (aj_string(j, &tmp) == -1)
				return (-1);
			continue;
		}
		j->off++;
		if (c == '{' || c == '[') {
			if (++depth > AE_JSON_DEPTH)
				return (aj_fail(j, "nested too deep"));
		} else if (c == '}' || c == ']') {
			if (--depth == 0) {
				s->p = j->p + start;
				s->len = j->off - start;
				return (0);
			}
		}
	}
	return (aj_fail(j, "unterminated value"));
}

/* a number or true, false, null */
static int
aj_token(struct ae_json *j, struct ae_str *s, int *type)
{
	size_t	i;
	uint8_t	c;

	for (i = j->off; i < j->len; i++) {
		c = j->p[i];
		if (!isalnum(c) && c != '-' && c != '+' && c != '.')
			break;
	}
	if (i == j->off)
		return (aj_fail(j, "bad value"));
	s->p = j->p + j->off;
	s->len = i - j->off;
	j->off = i;
	if (s->p[0] == '-' || isdigit(s->p[0]))
		*type = AJ_NUMBER;
	else if (ae_is(s, "true") || ae_is(s, "false") || ae_is(s, "null"))
		*type = AJ_LITERAL;
	else
		return (aj_fail(j, "bad literal"));
	return (0);
}

int
ae_is(const struct ae_str *s, const char *lit)
{
	size_t	n = strlen(lit);

	return (s->len == n && memcmp(s->p, lit, n) == 0);
}

/* ------------------------------------------------------------------ */
/* values */

/*
 * "-688.8960" is -6888960 / 10^4.  At most AE_MAXDIGITS digits and
 * AE_MAXDEC decimals, so that sums of a few scaled values cannot
 * overflow.
 */
static int
ae_number(const struct ae_str *s, struct ae_dec *d)
{
	size_t	i = 0;
	int	neg = 0, ndig = 0, dot = 0;

	d->raw = 0;
	d->dec = 0;
	if (s->len > 0 && s->p[0] == '-') {
		neg = 1;
		i++;
	}
	for (; i < s->len; i++) {
		if (s->p[i] == '.' && !dot && ndig > 0) {
			dot = 1;
			continue;
		}
		if (!isdigit(s->p[i]) || ++ndig > AE_MAXDIGITS)
			return (-1);
		if (dot && ++d->dec > AE_MAXDEC)
			return (-1);
		d->raw = d->raw * 10 + (s->p[i] - '0');
	}
	if (ndig == 0 || (dot && d->dec == 0))
		return (-1);
	if (neg)
		d->raw = -d->raw;
	return (0);
}

static void
ae_scale(struct ae_dec *d, int dec)
{
	while (d->dec < dec) {
		d->raw *= 10;
		d->dec++;
	}
}

static void
ae_add(struct ae_dec *acc, const struct ae_dec *v)
{
	struct ae_dec	w = *v;

	ae_scale(acc, w.dec);
	ae_scale(&w, acc->dec);
	acc->raw += w.raw;
}

/* n decimal digits at p, or -1 */
static int
ae_digits(const uint8_t *p, int n)
{
	int	v = 0;

	while (n-- > 0) {
		if (!isdigit(*p))
			return (-1);
		v = v * 10 + (*p++ - '0');
	}
	return (v);
}

/* YYYY/MM/DD */
static int
ae_date(const struct ae_str *s, struct ae_clock *c)
{
	static const int	mdays[] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (s->len != 10 || s->p[4] != '/' || s->p[7] != '/')
		return (-1);
	c->year = ae_digits(s->p, 4);
	c->mon = ae_digits(s->p + 5, 2);
	c->day = ae_digits(s->p + 8, 2);
	if (c->year < AE_YEAR_MIN || c->year > AE_YEAR_MAX ||
	    c->mon < 1 || c->mon > 12 || c->day < 1 ||
	    c->day > mdays[c->mon - 1])
		return (-1);
	if (c->mon == 2 && c->day == 29 && c->year % 4 != 0)
		return (-1);	/* 2000 was a leap year; 2100 is out */
	return (0);
}

/* hh:mm:ss */
static int
ae_time(const struct ae_str *s, struct ae_clock *c)
{
	if (s->len != 8 || s->p[2] != ':' || s->p[5] != ':')
		return (-1);
	c->hour = ae_digits(s->p, 2);
	c->min = ae_digits(s->p + 3, 2);
	c->sec = ae_digits(s->p + 6, 2);
	if (c->hour < 0 || c->hour > 23 || c->min < 0 || c->min > 59 ||
	    c->sec < 0 || c->sec > 59)
		return (-1);
	return (0);
}

/* YYYY/MM/DD hh:mm:ss */
static int
ae_datetime(const struct ae_str *s, struct ae_clock *c)
{
	struct ae_str	d, t;

	if (s->len != 19 || s->p[10] != ' ')
		return (-1);
	d.p = s->p;
	d.len = 10;
	t.p = s->p + 11;
	t.len = 8;
	if (ae_date(&d, c) == -1 || ae_time(&t, c) == -1)
		return (-1);
	return (0);
}

/* a calendar time read as UTC, in seconds since the epoch */
static int64_t
ae_naive(int year, int mon, int day, int hour, int min, int sec)
{
	int64_t	y = year, era, yoe, doy, doe, days;

	/* days from 1970-01-01, counting March as the first month */
	y -= mon <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * 146097 + doe - 719468;
	return (days * 86400 + hour * 3600 + min * 60 + sec);
}

/*
 * A calendar time read in the local zone (the decoder's TZ), as UTC.
 * Only localtime_r() is used: mktime() may look at the zone file
 * again, which the sandbox forbids.  Twice round finds the zone
 * offset in force at that time, also next to a DST change.
 */
static int64_t
ae_local(int64_t naive)
{
	struct tm	tm;
	time_t		t = (time_t)naive;
	int64_t		off;
	int		i;

	for (i = 0; i < 2; i++) {
		if (localtime_r(&t, &tm) == NULL)
			return (naive);
		off = ae_naive(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec) - (int64_t)t;
		t = (time_t)(naive - off);
	}
	return ((int64_t)t);
}

/* a serial number: letters, digits, - _ . only */
static int
ae_serial(const struct ae_str *s)
{
	size_t	i;

	if (s->len == 0 || s->len > AE_SNLEN)
		return (-1);
	for (i = 0; i < s->len; i++)
		if (!isalnum(s->p[i]) && s->p[i] != '-' && s->p[i] != '_' &&
		    s->p[i] != '.')
			return (-1);
	return (0);
}

/*
 * The connection speaks for this battery (checked by ae_serial); -1
 * when it is refused (accept = known): the frame is dumped, and
 * nothing is answered.
 */
static int
ae_learn(struct pvctx *ctx, struct alphaess_state *st, const struct ae_str *s,
    const uint8_t *buf, size_t len)
{
	char	sn[AE_SNLEN + 1];
	int	changed;

	memcpy(sn, s->p, s->len);
	sn[s->len] = '\0';
	changed = strcmp(st->sn, sn) != 0;
	memcpy(st->sn, sn, sizeof(st->sn));
	if (!pv_admit(ctx, st->sn)) {
		st->refused = 1;
		ae_dump(ctx, buf, len, "unknown device %s", st->sn);
		return (-1);
	}
	if (changed)
		pv_claim(ctx, st->sn);
	return (0);
}

static int
ae_lookup(const struct ae_str *key)
{
	size_t	i;

	for (i = 0; i < AE_NFIELDS; i++)
		if (ae_is(key, ae_fields[i].key))
			return ((int)i);
	return (-1);
}

/* ------------------------------------------------------------------ */
/* samples: one record from table fields, a clock and a serial */

static void
ae_row_init(struct ae_row *row)
{
	memset(row, 0, sizeof(*row));
	record_init(&row->rec, REC_MEASUREMENT, PROTO_ALPHAESS, 0);
}

/* the value of table field f */
static void
ae_row_field(struct ae_row *row, int f, const struct ae_str *val)
{
	const struct ae_field	*fd = &ae_fields[f];
	struct ae_dec		 d;

	if (ae_number(val, &d) == -1) {
		if (row->bad == NULL)
			row->bad = fd->key;
		return;
	}
	record_metric(&row->rec, fd->metric, fd->index, d.raw, d.dec);
	if (fd->part != P_NONE) {
		row->part[fd->part] = d;
		row->have |= P_BIT(fd->part);
	}
}

/* one JSON pair of a status push or detailed record */
static void
ae_row_pair(struct ae_row *row, const struct ae_str *key,
    const struct ae_str *val, int type)
{
	int	f;

	if (ae_is(key, "Time")) {
		row->have_date = row->have_time = type == AJ_STRING &&
		    ae_datetime(val, &row->clock) == 0;
		if (!row->have_time && row->bad == NULL)
			row->bad = "Time";
	} else if (ae_is(key, "SN")) {
		if (type == AJ_STRING && ae_serial(val) == 0)
			row->sn = *val;
		else if (row->bad == NULL)
			row->bad = "SN";
	} else if ((f = ae_lookup(key)) != -1) {
		if (type == AJ_STRING || type == AJ_NUMBER)
			ae_row_field(row, f, val);
		else if (row->bad == NULL)
			row->bad = ae_fields[f].key;
	} else
		row->nunknown++;
}

/*
 * Derived values (solar, grid, AC and house power), the device and the
 * time; NULL if the row makes a record, else what it lacks.
 *
 * The house takes what the inverter puts out, what the grid gives and
 * what a PV inverter behind the second meter makes: PrealL + PmeterL +
 * PmeterDC.  The spec's DC-side sum (Ppv1 + Ppv2 + PmeterL1 + Pbat,
 * alphaess-to-mqtt's) comes out negative on the captured history rows,
 * where the AC side gives 641 W and 636 W.
 */
static const char *
ae_row_finish(struct ae_row *row, struct alphaess_state *st, int64_t when)
{
	static const struct {
		int	metric, from, to;
	}		 sums[] = {
		{ M_SOLAR_POWER, P_PV1, P_PV2 },
		{ M_GRID_POWER, P_GRID1, P_GRID3 },
		{ M_AC_POWER, P_AC1, P_AC3 }
	};
	struct ae_dec	 sum, house;
	size_t		 i;
	int		 p, have;

	if (row->rec.nmetrics == 0)
		return ("no values");
	if (row->sn.len > 0) {
		memcpy(row->rec.device, row->sn.p, row->sn.len);
		row->rec.device[row->sn.len] = '\0';
	} else if (st->sn[0] != '\0')
		strlcpy(row->rec.device, st->sn, sizeof(row->rec.device));
	else
		return ("no serial number");
	row->rec.time = when;

	memset(&house, 0, sizeof(house));
	for (i = 0; i < sizeof(sums) / sizeof(sums[0]); i++) {
		memset(&sum, 0, sizeof(sum));
		have = 0;
		for (p = sums[i].from; p <= sums[i].to; p++) {
			if (row->have & P_BIT(p)) {
				ae_add(&sum, &row->part[p]);
				have = 1;
			}
		}
		if (!have)
			continue;
		record_metric(&row->rec, sums[i].metric, 0, sum.raw, sum.dec);
		if (sums[i].metric != M_SOLAR_POWER)
			ae_add(&house, &sum);
	}
	if ((row->have & P_GRID) && (row->have & P_AC)) {
		if (row->have & P_BIT(P_PVMETER))
			ae_add(&house, &row->part[P_PVMETER]);
		record_metric(&row->rec, M_HOUSE_POWER, 0, house.raw,
		    house.dec);
	}
	return (NULL);
}

/* ------------------------------------------------------------------ */
/* the commands */

/* {"UserName":SN,"Password":…,"CompanyName":…}: any login is accepted */
static void
ae_login(struct pvctx *ctx, struct alphaess_state *st, const uint8_t *buf,
    size_t len)
{
	struct ae_json	j;
	struct ae_str	k, v, sn = { NULL, 0 };
	int		type, r;

	aj_init(&j, buf + AE_BODY, len - AE_MINLEN);
	while ((r = aj_next(&j, &k, &v, &type)) == 1)
		if (ae_is(&k, "UserName") && type == AJ_STRING)
			sn = v;
	if (r == -1) {
		ae_dump(ctx, buf, len, "login: %s", j.err);
		return;
	}
	if (sn.p == NULL || ae_serial(&sn) == -1) {
		ae_dump(ctx, buf, len, "login without a valid UserName");
		return;
	}
	(void)ae_learn(ctx, st, &sn, buf, len);
}

/* {"SN":SN}: the battery asks for its settings; Success keeps them */
static void
ae_serialreq(struct pvctx *ctx, struct alphaess_state *st,
    const uint8_t *buf, size_t len)
{
	struct ae_json	j;
	struct ae_str	k, v, sn = { NULL, 0 };
	int		type, r, other = 0;

	aj_init(&j, buf + AE_BODY, len - AE_MINLEN);
	while ((r = aj_next(&j, &k, &v, &type)) == 1) {
		if (ae_is(&k, "SN") && type == AJ_STRING)
			sn = v;
		else
			other++;
	}
	if (r == -1) {
		ae_dump(ctx, buf, len, "serial request: %s", j.err);
		return;
	}
	if (sn.p == NULL || ae_serial(&sn) == -1 || other > 0) {
		ae_dump(ctx, buf, len, "serial request not understood");
		return;
	}
	(void)ae_learn(ctx, st, &sn, buf, len);
}

/*
 * The battery's own configuration: mostly settings and the owner's
 * data, which stay here.  The inverter model and its power become a
 * device record.
 */
static void
ae_config(struct pvctx *ctx, struct alphaess_state *st, const uint8_t *buf,
    size_t len)
{
	struct record	 rec;
	struct ae_json	 j;
	struct ae_str	 k, v, sn = { NULL, 0 }, model = { NULL, 0 };
	struct ae_dec	 d;
	char		 text[RECORD_ATTRLEN];
	size_t		 i;
	int		 type, r, power = 0;

	memset(&d, 0, sizeof(d));
	aj_init(&j, buf + AE_BODY, len - AE_MINLEN);
	while ((r = aj_next(&j, &k, &v, &type)) == 1) {
		if (ae_is(&k, "SN") && type == AJ_STRING && ae_serial(&v) == 0)
			sn = v;
		else if (ae_is(&k, "Minv") && type == AJ_STRING)
			model = v;
		else if (ae_is(&k, "Poinv") && (type == AJ_STRING ||
		    type == AJ_NUMBER) && ae_number(&v, &d) == 0)
			power = 1;
	}
	if (r == -1) {
		ae_dump(ctx, buf, len, "configuration: %s", j.err);
		return;
	}
	if (sn.p != NULL && ae_learn(ctx, st, &sn, buf, len) == -1)
		return;
	if (st->sn[0] == '\0' || (model.len == 0 && !power))
		return;

	record_init(&rec, REC_DEVICE, PROTO_ALPHAESS, ctx->now);
	strlcpy(rec.device, st->sn, sizeof(rec.device));
	if (model.len > 0) {
		for (i = 0; i < model.len && i < sizeof(text) - 1; i++)
			text[i] = model.p[i] >= 0x20 && model.p[i] < 0x7f ?
			    (char)model.p[i] : '?';
		text[i] = '\0';
		record_attr(&rec, A_MODEL, text);
	}
	if (power) {
		/* kW to W */
		if (d.dec >= AE_KW)
			d.dec -= AE_KW;
		else {
			ae_scale(&d, AE_KW);
			d.dec = 0;
		}
		record_metric(&rec, M_RATED_POWER, 0, d.raw, d.dec);
	}
	pv_record(ctx, &rec);
}

/*
 * The status push (every 10 s) or the detailed record.  The battery's
 * clock is its own, set by the cloud and drifting without it: the
 * first push of a connection fixes the offset to our clock, and every
 * sample after it is moved by that offset.  Before it, the clock is
 * read in the local zone.  A push repeating the last one's time is
 * answered but not exported again.
 */
static void
ae_sample(struct pvctx *ctx, struct alphaess_state *st, const uint8_t *buf,
    size_t len, int cmd)
{
	struct ae_row	 row;
	struct ae_json	 j;
	struct ae_str	 k, v;
	const char	*what = cmd == AE_CMD_STATUS ? "status push" :
			    "detailed record", *lack;
	int64_t		 naive, when;
	int		 type, r;

	ae_row_init(&row);
	aj_init(&j, buf + AE_BODY, len - AE_MINLEN);
	while ((r = aj_next(&j, &k, &v, &type)) == 1)
		ae_row_pair(&row, &k, &v, type);
	if (r == -1) {
		ae_dump(ctx, buf, len, "%s: %s", what, j.err);
		return;
	}
	if (!row.have_date || !row.have_time) {
		ae_dump(ctx, buf, len, "%s without a valid Time", what);
		return;
	}
	naive = ae_naive(row.clock.year, row.clock.mon, row.clock.day,
	    row.clock.hour, row.clock.min, row.clock.sec);

	if (cmd == AE_CMD_STATUS) {
		if (!st->have_offset) {
			st->offset = ctx->now - naive;
			st->skew = ctx->now - ae_local(naive);
			st->have_offset = 1;
		}
		if (st->have_last && st->last == naive)
			return;		/* the same sample again */
		st->last = naive;
		st->have_last = 1;
	}
	if (row.sn.len > 0 && ae_learn(ctx, st, &row.sn, buf, len) == -1)
		return;
	when = st->have_offset ? naive + st->offset : ae_local(naive);

	if ((lack = ae_row_finish(&row, st, when)) != NULL) {
		if (row.bad != NULL)
			ae_dump(ctx, buf, len, "%s: bad value for %s", what,
			    row.bad);
		else
			ae_dump(ctx, buf, len, "%s: %s", what, lack);
		return;
	}
	if (cmd == AE_CMD_STATUS)
		record_metric(&row.rec, M_CLOCK_OFFSET, 0, st->skew, 0);
	pv_record(ctx, &row.rec);

	if (row.bad != NULL)
		ae_dump(ctx, buf, len, "%s: bad value for %s", what, row.bad);
	else if (cmd == AE_CMD_DETAIL)
		ae_dump(ctx, buf, len, "detailed record (command 5 is "
		    "inferred), %d keys not decoded", row.nunknown);
	else if (row.nunknown > 0 && !st->told_keys) {
		st->told_keys = 1;
		ae_dump(ctx, buf, len, "status push with %d keys not "
		    "decoded (said once per connection)", row.nunknown);
	}
}

/*
 * {"MsgType":"EventLog","MsgContent":"yy/mm/dd hh:mm:ss code;…",…},
 * also "System" and "Socket": codes without a meaning we know, so
 * answered and dumped for the record.
 */
static void
ae_event(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	struct ae_json	 j;
	struct ae_str	 k, v;
	const char	*type_name = NULL;
	int		 type, r;

	aj_init(&j, buf + AE_BODY, len - AE_MINLEN);
	while ((r = aj_next(&j, &k, &v, &type)) == 1) {
		if (!ae_is(&k, "MsgType") || type != AJ_STRING)
			continue;
		if (ae_is(&v, "EventLog"))
			type_name = "EventLog";
		else if (ae_is(&v, "System"))
			type_name = "System";
		else if (ae_is(&v, "Socket"))
			type_name = "Socket";
		else
			type_name = "unknown";
	}
	if (r == -1)
		ae_dump(ctx, buf, len, "event message: %s", j.err);
	else if (type_name == NULL)
		ae_dump(ctx, buf, len, "event message without a MsgType");
	else
		ae_dump(ctx, buf, len, "%s message not decoded", type_name);
}

/*
 * CSV history: a header line naming the columns, then one line per
 * minute, each its own record with its own time.  Lines end in \n
 * (\r\n is taken too); the last may lack it.
 */
static void
ae_history(struct pvctx *ctx, struct alphaess_state *st, const uint8_t *buf,
    size_t len)
{
	int16_t		 col[AE_MAXCOLS];
	char		 why[PV_REASONLEN];
	const uint8_t	*body = buf + AE_BODY, *line;
	size_t		 blen = len - AE_MINLEN, off, end, ncols = 0, start;
	size_t		 llen, i;
	struct ae_str	 name;
	int		 need = 0, nrows = 0, nbad = 0;

	/* the header */
	for (end = 0; end < blen && body[end] != '\n'; end++)
		;
	llen = end > 0 && body[end - 1] == '\r' ? end - 1 : end;
	for (start = 0, i = 0; i <= llen; i++) {
		if (i < llen && body[i] != ',')
			continue;
		if (ncols == AE_MAXCOLS) {
			ae_dump(ctx, buf, len, "history: more than %d columns",
			    AE_MAXCOLS);
			return;
		}
		name.p = body + start;
		name.len = i - start;
		if (ae_is(&name, "Date")) {
			col[ncols] = AE_COL_DATE;
			need |= 1;
		} else if (ae_is(&name, "Time")) {
			col[ncols] = AE_COL_TIME;
			need |= 2;
		} else if (ae_is(&name, "SN"))
			col[ncols] = AE_COL_SN;
		else
			col[ncols] = (int16_t)ae_lookup(&name);
		ncols++;
		start = i + 1;
	}
	if (need != 3) {
		ae_dump(ctx, buf, len, "history: no Date and Time columns");
		return;
	}

	/* the rows */
	why[0] = '\0';
	for (off = end + 1; off < blen; off = end + 1) {
		for (end = off; end < blen && body[end] != '\n'; end++)
			;
		line = body + off;
		llen = end - off;
		if (llen > 0 && line[llen - 1] == '\r')
			llen--;
		if (llen == 0)
			continue;
		nrows++;
		if (ae_history_row(ctx, st, col, ncols, line, llen,
		    nbad == 0 ? why : NULL, sizeof(why)) == -1)
			nbad++;
	}
	if (nrows == 0)
		ae_dump(ctx, buf, len, "history without rows");
	else if (nbad > 0)
		ae_dump(ctx, buf, len, "history: %d of %d rows bad, first: %s",
		    nbad, nrows, why);
}

/*
 * One CSV line: its record, and 0 if it was whole; -1 (and why, if
 * why is set) if something was wrong with it.  A line with the right
 * columns and a valid time gives its record even if a value is bad.
 */
static int
ae_history_row(struct pvctx *ctx, struct alphaess_state *st,
    const int16_t *col, size_t ncols, const uint8_t *line, size_t llen,
    char *why, size_t whylen)
{
	struct ae_row	 row;
	struct ae_str	 v;
	const char	*bad = NULL, *lack;
	size_t		 i, start, n = 0;
	int64_t		 naive;

	ae_row_init(&row);
	for (start = 0, i = 0; i <= llen && n <= ncols; i++) {
		if (i < llen && line[i] != ',')
			continue;
		v.p = line + start;
		v.len = i - start;
		start = i + 1;
		if (n++ == ncols)
			break;
		switch (col[n - 1]) {
		case AE_COL_NONE:
			break;
		case AE_COL_DATE:
			row.have_date = ae_date(&v, &row.clock) == 0;
			break;
		case AE_COL_TIME:
			row.have_time = ae_time(&v, &row.clock) == 0;
			break;
		case AE_COL_SN:
			if (ae_serial(&v) == 0)
				row.sn = v;
			else
				bad = "bad SN";
			break;
		default:
			ae_row_field(&row, col[n - 1], &v);
			break;
		}
	}

	if (n != ncols)
		bad = "column count differs from the header";
	else if (!row.have_date || !row.have_time)
		bad = "bad Date or Time";
	else {
		naive = ae_naive(row.clock.year, row.clock.mon, row.clock.day,
		    row.clock.hour, row.clock.min, row.clock.sec);
		if ((lack = ae_row_finish(&row, st, st->have_offset ?
		    naive + st->offset : ae_local(naive))) == NULL)
			pv_record(ctx, &row.rec);
		else if (bad == NULL)
			bad = lack;
	}
	if (bad == NULL && row.bad == NULL)
		return (0);
	if (why != NULL) {
		if (bad != NULL)
			(void)snprintf(why, whylen, "%s", bad);
		else
			(void)snprintf(why, whylen, "bad value for %s",
			    row.bad);
	}
	return (-1);
}
