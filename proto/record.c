/*
 * Records: building them, naming and printing their values exactly,
 * and the wire form between the decoder and the exporter.
 *
 * Wire form, all integers big-endian:
 *
 *	u8  version (RECORD_WIRE_VERSION)
 *	u8  kind
 *	u16 proto
 *	i64 time
 *	str device, str via, str peer
 *	u16 nmetrics
 *	u16 nattrs
 *	nmetrics x { u16 id, u8 index, u8 decimals, i64 raw }
 *	nattrs x { u16 id, str value }
 *
 * where str is a u8 length counting the terminating NUL, then that
 * many bytes, the last one NUL and no other.  An attribute value has
 * up to RECORD_VALUELEN - 1 characters, and all of a record's values
 * with their NULs fit its text (RECORD_TEXTLEN).  The form is
 * canonical: a record packs to exactly one byte string.
 * record_unpack() is the exporter's defence against a compromised
 * decoder, so it checks everything and refuses trailing bytes.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "record.h"

#define RECORD_WIRE_VERSION	1
#define RECORD_MAX_DECIMALS	9
/* 9999-12-31T23:59:59Z: the last time with a four digit year */
#define RECORD_TIME_MAX		253402300799LL
#define MINIMUM(a, b)		(((a) < (b)) ? (a) : (b))

struct rbuf {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
};

static int	 metric_valid(int, int, int);
static int	 attr_valid(int);
static int	 record_check(const struct record *);
static void	 record_droptext(struct record *, size_t);
static uint8_t	*wr_u16(uint8_t *, uint16_t);
static uint8_t	*wr_i64(uint8_t *, int64_t);
static uint8_t	*wr_str(uint8_t *, const char *, size_t);
static int	 get_u8(struct rbuf *, uint8_t *);
static int	 get_u16(struct rbuf *, uint16_t *);
static int	 get_i64(struct rbuf *, int64_t *);
static int	 get_str(struct rbuf *, char *, size_t);

/*
 * An empty record.  Only what comes before the metrics is cleared:
 * the metrics, attributes and text are written as they are added, and
 * nothing reads beyond the counts (a record is 3 KB, and a frame of an
 * ECU makes dozens).
 */
void
record_init(struct record *rec, int kind, uint16_t proto, int64_t time)
{
	memset(rec, 0, offsetof(struct record, metrics));
	rec->kind = kind;
	rec->proto = proto;
	rec->time = time;
}

static int
metric_valid(int id, int index, int decimals)
{
	if (id <= M_NONE || id >= M_MAX)
		return (0);
	if (decimals < 0 || decimals > RECORD_MAX_DECIMALS)
		return (0);
	if (metric_defs[id].indexed)
		return (index >= 1 && index <= UINT8_MAX);
	return (index == 0);
}

static int
attr_valid(int id)
{
	return (id > A_NONE && id < A_MAX);
}

/*
 * Add a metric, or replace the value of the same metric added before,
 * so that a record never names one twice.  Indexed metrics count from
 * 1 (pv1_voltage); the others take index 0.
 */
int
record_metric(struct record *rec, int id, int index, int64_t raw,
    int decimals)
{
	struct metric	*m;
	size_t		 i;

	if (!metric_valid(id, index, decimals))
		return (-1);
	/* a record has dozens of metrics, added in order: scan only
	 * if this one may be among them */
	for (i = 0; index < rec->mtop[id] &&
	    i < rec->nmetrics && i < RECORD_MAX_METRICS; i++) {
		m = &rec->metrics[i];
		if (m->id == id && m->index == index) {
			m->raw = raw;
			m->decimals = decimals;
			return (0);
		}
	}
	if (rec->nmetrics >= RECORD_MAX_METRICS)
		return (-1);
	if (index >= rec->mtop[id])
		rec->mtop[id] = index + 1;
	m = &rec->metrics[rec->nmetrics++];
	m->id = id;
	m->index = index;
	m->decimals = decimals;
	m->raw = raw;
	return (0);
}

/* take attribute i's value out of the record's text */
static void
record_droptext(struct record *rec, size_t i)
{
	size_t	 off = rec->attrs[i].off, len, j;

	len = strlen(rec->text + off) + 1;
	memmove(rec->text + off, rec->text + off + len,
	    rec->textlen - off - len);
	rec->textlen -= len;
	for (j = 0; j < rec->nattrs && j < RECORD_MAX_ATTRS; j++)
		if (j != i && rec->attrs[j].off > off)
			rec->attrs[j].off -= len;
}

/*
 * Add or replace an attribute.  A value is cut to RECORD_VALUELEN - 1
 * characters, and to the room left in the record's text; then -1.
 */
int
record_attr(struct record *rec, int id, const char *value)
{
	struct record_attr	*a = NULL;
	char			 v[RECORD_VALUELEN];
	size_t			 i, n, room;
	int			 rv = 0;

	if (!attr_valid(id) || value == NULL)
		return (-1);
	/* a copy: value may be one of this record's own */
	if (strlcpy(v, value, sizeof(v)) >= sizeof(v))
		rv = -1;
	for (i = 0; i < rec->nattrs && i < RECORD_MAX_ATTRS; i++)
		if (rec->attrs[i].id == id) {
			a = &rec->attrs[i];
			record_droptext(rec, i);
			break;
		}
	room = RECORD_TEXTLEN - rec->textlen;
	if (a == NULL) {
		if (rec->nattrs >= RECORD_MAX_ATTRS || room == 0)
			return (-1);
		a = &rec->attrs[rec->nattrs++];
		a->id = id;
	}
	/* room > 0: a value dropped left its NUL's byte at least */
	if ((n = strlen(v)) >= room) {
		n = room - 1;
		rv = -1;
	}
	memcpy(rec->text + rec->textlen, v, n);
	rec->text[rec->textlen + n] = '\0';
	a->off = rec->textlen;
	rec->textlen += n + 1;
	return (rv);
}

const char *
record_kind_name(int kind)
{
	switch (kind) {
	case REC_MEASUREMENT:
		return ("measurement");
	case REC_DEVICE:
		return ("device");
	case REC_EVENT:
		return ("event");
	}
	return ("unknown");
}

const struct metric *
record_find(const struct record *rec, int id, int index)
{
	size_t	 i;

	for (i = 0; i < rec->nmetrics && i < RECORD_MAX_METRICS; i++)
		if (rec->metrics[i].id == id && rec->metrics[i].index == index)
			return (&rec->metrics[i]);
	return (NULL);
}

const char *
record_findattr(const struct record *rec, int id)
{
	size_t	 i;

	for (i = 0; i < rec->nattrs && i < RECORD_MAX_ATTRS; i++)
		if (rec->attrs[i].id == id)
			return (rec->text + rec->attrs[i].off);
	return (NULL);
}

/* the value of attribute i, which the record has */
const char *
record_attrvalue(const struct record *rec, size_t i)
{
	return (rec->text + rec->attrs[i].off);
}

/*
 * The table's names measured once: the text before an indexed name's
 * %u (all of the name when not indexed) and after it, each kept
 * NUL-padded to NAME_PAD bytes, so that metric_name() copies it as one
 * block of fixed size rather than byte by byte.  A name the split does
 * not describe (no %u, or more than one), or with a part of NAME_PAD
 * bytes or more, is slow: written character by character.
 */
#define NAME_PAD	32
static struct {
	char		 pre[NAME_PAD];
	char		 post[NAME_PAD];
	uint8_t		 prelen;
	uint8_t		 postlen;
	uint8_t		 slow;
} names[M_MAX];
static int	 name_measured;

static void	 metric_measure(void);

static void
metric_measure(void)
{
	const char	*name, *u;
	size_t		 i, n, pre, post;

	for (i = 0; i < M_MAX; i++) {
		name = metric_defs[i].name;
		n = strlen(name);
		u = metric_defs[i].indexed ? strstr(name, "%u") : NULL;
		if (metric_defs[i].indexed && (u == NULL ||
		    strchr(u + 2, '%') != NULL)) {
			names[i].slow = 1;
			continue;
		}
		pre = u != NULL ? (size_t)(u - name) : n;
		post = u != NULL ? n - pre - 2 : 0;
		if (pre >= NAME_PAD || post >= NAME_PAD) {
			names[i].slow = 1;
			continue;
		}
		memcpy(names[i].pre, name, pre);
		if (u != NULL)
			memcpy(names[i].post, u + 2, post);
		names[i].prelen = pre;
		names[i].postlen = post;
	}
	name_measured = 1;
}

/*
 * Write the metric's name, e.g. "pv2_voltage", into buf.  Returns its
 * length, or -1 if the metric is invalid or buf too small.  This runs
 * for every value the exporter writes: no printf, no strlen.  The
 * bytes of buf after the NUL may be written too.
 */
int
metric_name(const struct metric *m, char *buf, size_t len)
{
	const struct metric_def	*def;
	const char		*p;
	char			 digits[4];
	size_t			 n = 0, nd, i, pre, post;
	unsigned int		 v;
	int			 whole;

	if (!metric_valid(m->id, m->index, m->decimals) || len == 0)
		return (-1);
	if (!name_measured)
		metric_measure();
	def = &metric_defs[m->id];
	nd = 0;
	if (def->indexed) {
		v = m->index;
		do {
			digits[nd++] = '0' + v % 10;
			v /= 10;
		} while (v != 0);
	}
	if (!names[m->id].slow) {
		pre = names[m->id].prelen;
		post = names[m->id].postlen;
		n = pre + nd + post;
		if (n >= len)
			return (-1);
		/* whole blocks if they fit: what lies past n is overwritten */
		whole = pre + nd + NAME_PAD <= len;
		memcpy(buf, names[m->id].pre, whole ? NAME_PAD : pre);
		for (i = 0; i < nd; i++)
			buf[pre + i] = digits[nd - 1 - i];
		memcpy(buf + pre + nd, names[m->id].post,
		    whole ? NAME_PAD : post);
		buf[n] = '\0';
		return ((int)n);
	}
	/* the index in place of each %u */
	for (p = def->name; *p != '\0'; p++) {
		if (def->indexed && p[0] == '%' && p[1] == 'u') {
			if (n + nd >= len)
				return (-1);
			for (i = 0; i < nd; i++)
				buf[n++] = digits[nd - 1 - i];
			p++;
			continue;
		}
		if (n + 1 >= len)
			return (-1);
		buf[n++] = *p;
	}
	buf[n] = '\0';
	return ((int)n);
}

/*
 * Write raw / 10^decimals as exact decimal text into buf, without
 * trailing fractional zeros: 2248/1 "224.8", 2260/1 "226", 5/2 "0.05",
 * -10268/4 "-1.0268".  Returns the length, or -1 if the metric is
 * invalid or buf too small.  The length is known from the digits, so
 * the text goes into buf once (this runs for every value exported).
 */
int
metric_value(const struct metric *m, char *buf, size_t len)
{
	static const char	 pairs[] =
	    "00010203040506070809101112131415161718192021222324"
	    "25262728293031323334353637383940414243444546474849"
	    "50515253545556575859606162636465666768697071727374"
	    "75767778798081828384858687888990919293949596979899";
	char		 digits[24], *p;
	uint64_t	 v, r;
	size_t		 nd, skip, d, i, n, ni;

	if (m->decimals > RECORD_MAX_DECIMALS)
		return (-1);
	d = m->decimals;
	/* magnitude; well defined for INT64_MIN too */
	if (m->raw < 0)
		v = (uint64_t)0 - (uint64_t)m->raw;
	else
		v = (uint64_t)m->raw;
	if (v == 0)
		d = 0;

	/* digits, least significant first, two per division */
	nd = 0;
	while (v >= 100) {
		r = (v % 100) * 2;
		v /= 100;
		digits[nd++] = pairs[r + 1];
		digits[nd++] = pairs[r];
	}
	if (v >= 10) {
		digits[nd++] = pairs[v * 2 + 1];
		digits[nd++] = pairs[v * 2];
	} else
		digits[nd++] = '0' + v;

	/* drop trailing fractional zeros; the top digit is never 0 */
	skip = 0;
	while (d > 0 && digits[skip] == '0') {
		skip++;
		d--;
	}

	/* sign, integer part (at least "0"), point and fraction */
	ni = nd > skip + d ? nd - skip - d : 1;
	n = (m->raw < 0) + ni + (d > 0 ? 1 + d : 0);
	if (n >= len)
		return (-1);
	p = buf;
	if (m->raw < 0)
		*p++ = '-';
	if (nd > skip + d) {
		for (i = nd; i > skip + d; i--)
			*p++ = digits[i - 1];
	} else
		*p++ = '0';
	if (d > 0) {
		*p++ = '.';
		for (i = skip + d; i > skip; i--)
			*p++ = i - 1 < nd ? digits[i - 1] : '0';
	}
	*p = '\0';
	return ((int)n);
}

/*
 * Everything about a record except its strings.  Metrics of one id are
 * chained (first[id], next[i]: position + 1, 0 ends), so a duplicate is
 * looked for among the few of the same id, not among all of them.
 * Only the heads of the ids the record has are cleared (and read): a
 * record has a dozen metrics, the table a hundred ids.
 */
static int
record_check(const struct record *rec)
{
	const struct metric	*m;
	uint16_t		 first[M_MAX], next[RECORD_MAX_METRICS];
	size_t			 i, j, off;

	if (rec->kind != REC_MEASUREMENT && rec->kind != REC_DEVICE &&
	    rec->kind != REC_EVENT)
		return (-1);
	/* an event may be about a device of no known protocol */
	if ((rec->proto == PROTO_NONE && rec->kind != REC_EVENT) ||
	    rec->proto >= PROTO_MAX)
		return (-1);
	if (rec->time < 0 || rec->time > RECORD_TIME_MAX)
		return (-1);
	if (rec->nmetrics > RECORD_MAX_METRICS ||
	    rec->nattrs > RECORD_MAX_ATTRS)
		return (-1);
	for (i = 0; i < rec->nmetrics; i++) {
		m = &rec->metrics[i];
		if (!metric_valid(m->id, m->index, m->decimals))
			return (-1);
		first[m->id] = 0;
	}
	for (i = 0; i < rec->nmetrics; i++) {
		m = &rec->metrics[i];
		for (j = first[m->id]; j != 0; j = next[j - 1])
			if (rec->metrics[j - 1].index == m->index)
				return (-1);
		next[i] = first[m->id];
		first[m->id] = i + 1;
	}
	if (rec->textlen > RECORD_TEXTLEN)
		return (-1);
	for (i = 0; i < rec->nattrs; i++) {
		if (!attr_valid(rec->attrs[i].id))
			return (-1);
		/* its value: in the text, NUL-terminated, not too long */
		off = rec->attrs[i].off;
		if (off >= rec->textlen || memchr(rec->text + off, '\0',
		    MINIMUM(rec->textlen - off, RECORD_VALUELEN)) == NULL)
			return (-1);
		for (j = 0; j < i; j++)
			if (rec->attrs[j].id == rec->attrs[i].id)
				return (-1);
	}
	return (0);
}

/* the stores behind record_pack(), which checked the room first */
static uint8_t *
wr_u16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
	return (p + 2);
}

static uint8_t *
wr_i64(uint8_t *p, int64_t v)
{
	uint64_t	 u = (uint64_t)v;

	p[0] = u >> 56;
	p[1] = u >> 48;
	p[2] = u >> 40;
	p[3] = u >> 32;
	p[4] = u >> 24;
	p[5] = u >> 16;
	p[6] = u >> 8;
	p[7] = u;
	return (p + 8);
}

/* a str of n characters (record_pack() measured it) */
static uint8_t *
wr_str(uint8_t *p, const char *s, size_t n)
{
	*p++ = n + 1;
	memcpy(p, s, n);
	p[n] = '\0';
	return (p + n + 1);
}

/*
 * Pack rec into buf.  Returns the length, or 0 if buf is too small or
 * the record would not unpack.  The length is known before the first
 * byte goes out: one check of the room, then plain stores.
 */
size_t
record_pack(const struct record *rec, uint8_t *buf, size_t len)
{
	const struct metric	*m;
	uint8_t			*p = buf;
	size_t			 dlen, vlen, plen, alen[RECORD_MAX_ATTRS];
	size_t			 i, need;

	if (record_check(rec) == -1)
		return (0);
	/* a field of size cap need not hold a NUL: cap - 1 at most */
	dlen = strnlen(rec->device, sizeof(rec->device) - 1);
	vlen = strnlen(rec->via, sizeof(rec->via) - 1);
	plen = strnlen(rec->peer, sizeof(rec->peer) - 1);
	need = 1 + 1 + 2 + 8 + (1 + dlen + 1) + (1 + vlen + 1) +
	    (1 + plen + 1) + 2 + 2 + rec->nmetrics * (2 + 1 + 1 + 8);
	for (i = 0; i < rec->nattrs; i++) {
		alen[i] = strnlen(record_attrvalue(rec, i),
		    RECORD_VALUELEN - 1);
		need += 2 + 1 + alen[i] + 1;
	}
	if (need > len)
		return (0);

	*p++ = RECORD_WIRE_VERSION;
	*p++ = rec->kind;
	p = wr_u16(p, rec->proto);
	p = wr_i64(p, rec->time);
	p = wr_str(p, rec->device, dlen);
	p = wr_str(p, rec->via, vlen);
	p = wr_str(p, rec->peer, plen);
	p = wr_u16(p, rec->nmetrics);
	p = wr_u16(p, rec->nattrs);
	for (i = 0; i < rec->nmetrics; i++) {
		m = &rec->metrics[i];
		p = wr_u16(p, m->id);
		*p++ = m->index;
		*p++ = m->decimals;
		p = wr_i64(p, m->raw);
	}
	for (i = 0; i < rec->nattrs; i++) {
		p = wr_u16(p, rec->attrs[i].id);
		p = wr_str(p, record_attrvalue(rec, i), alen[i]);
	}
	return (p - buf);
}

static int
get_u8(struct rbuf *r, uint8_t *v)
{
	if (r->len - r->off < 1)
		return (-1);
	*v = r->p[r->off++];
	return (0);
}

static int
get_u16(struct rbuf *r, uint16_t *v)
{
	if (r->len - r->off < 2)
		return (-1);
	*v = (uint16_t)r->p[r->off] << 8 | r->p[r->off + 1];
	r->off += 2;
	return (0);
}

static int
get_i64(struct rbuf *r, int64_t *v)
{
	uint64_t	 u = 0;
	int		 i;

	if (r->len - r->off < 8)
		return (-1);
	for (i = 0; i < 8; i++)
		u = u << 8 | r->p[r->off + i];
	r->off += 8;
	*v = (int64_t)u;
	return (0);
}

/* a string of at most cap bytes with its NUL, and no NUL inside */
static int
get_str(struct rbuf *r, char *dst, size_t cap)
{
	const uint8_t	*s;
	uint8_t		 n;

	if (get_u8(r, &n) == -1 || n == 0 || n > cap)
		return (-1);
	if (r->len - r->off < n)
		return (-1);
	s = r->p + r->off;
	if (s[n - 1] != '\0' || memchr(s, '\0', n - 1) != NULL)
		return (-1);
	memcpy(dst, s, n);
	r->off += n;
	return (0);
}

/*
 * Append rec to the batch of len bytes in buf (room for max).  Returns
 * the batch's new length, or len if the record does not fit or is
 * invalid.
 */
size_t
record_batch_add(const struct record *rec, uint8_t *buf, size_t len,
    size_t max)
{
	size_t	 n;

	if (max > RECORD_BATCH_MAX)
		max = RECORD_BATCH_MAX;
	if (len > max || max - len < 3)
		return (len);
	if ((n = record_pack(rec, buf + len + 2, max - len - 2)) == 0)
		return (len);
	buf[len] = n >> 8;
	buf[len + 1] = n & 0xff;
	return (len + 2 + n);
}

/*
 * The next record of the batch buf, from *off on, into rec; its wire
 * form in *wire and *wirelen.  Returns 1 and moves *off past it, 0 at
 * the batch's end, -1 if the batch is malformed (then rec is zeroed).
 * An empty batch is malformed: a sender has no reason to send one.
 */
int
record_batch_next(struct record *rec, const uint8_t *buf, size_t len,
    size_t *off, const uint8_t **wire, size_t *wirelen)
{
	size_t	 n;

	if (len == 0 || len > RECORD_BATCH_MAX || *off > len) {
		memset(rec, 0, sizeof(*rec));
		return (-1);
	}
	if (*off == len)
		return (0);
	if (len - *off < 2) {
		memset(rec, 0, sizeof(*rec));
		return (-1);
	}
	n = (size_t)buf[*off] << 8 | buf[*off + 1];
	if (n > len - *off - 2 ||
	    record_unpack(rec, buf + *off + 2, n) == -1) {
		memset(rec, 0, sizeof(*rec));
		return (-1);
	}
	*wire = buf + *off + 2;
	*wirelen = n;
	*off += 2 + n;
	return (1);
}

/*
 * Unpack buf into rec and check all of it.  Returns 0, or -1 with rec
 * zeroed if anything is out of place.  Only what comes before the
 * metrics is cleared first: the metrics, attributes and text are
 * written as far as the record has them, and nothing reads beyond.
 */
int
record_unpack(struct record *rec, const uint8_t *buf, size_t len)
{
	struct rbuf	 r;
	struct metric	*m;
	const uint8_t	*p;
	uint8_t		 version;
	size_t		 i;

	memset(rec, 0, offsetof(struct record, metrics));
	r.p = buf;
	r.len = len;
	r.off = 0;

	if (get_u8(&r, &version) == -1 || version != RECORD_WIRE_VERSION ||
	    get_u8(&r, &rec->kind) == -1 ||
	    get_u16(&r, &rec->proto) == -1 ||
	    get_i64(&r, &rec->time) == -1 ||
	    get_str(&r, rec->device, sizeof(rec->device)) == -1 ||
	    get_str(&r, rec->via, sizeof(rec->via)) == -1 ||
	    get_str(&r, rec->peer, sizeof(rec->peer)) == -1 ||
	    get_u16(&r, &rec->nmetrics) == -1 ||
	    get_u16(&r, &rec->nattrs) == -1 ||
	    rec->nmetrics > RECORD_MAX_METRICS ||
	    rec->nattrs > RECORD_MAX_ATTRS)
		goto bad;
	/* the metrics are of fixed size: one check for all of them */
	if ((r.len - r.off) / 12 < rec->nmetrics)
		goto bad;
	for (i = 0; i < rec->nmetrics; i++) {
		m = &rec->metrics[i];
		p = r.p + r.off;
		m->id = pv_be16(p);
		m->index = p[2];
		m->decimals = p[3];
		m->raw = (int64_t)((uint64_t)pv_be32(p + 4) << 32 |
		    pv_be32(p + 8));
		r.off += 12;
		if (m->id < M_MAX && m->index >= rec->mtop[m->id])
			rec->mtop[m->id] = m->index + 1;
	}
	for (i = 0; i < rec->nattrs; i++) {
		rec->attrs[i].off = rec->textlen;
		if (get_u16(&r, &rec->attrs[i].id) == -1 ||
		    get_str(&r, rec->text + rec->textlen,
		    MINIMUM(RECORD_VALUELEN, RECORD_TEXTLEN - rec->textlen)) ==
		    -1)
			goto bad;
		rec->textlen += strlen(rec->text + rec->textlen) + 1;
	}
	if (r.off != r.len || record_check(rec) == -1)
		goto bad;
	return (0);

 bad:
	memset(rec, 0, sizeof(*rec));
	return (-1);
}
