/*
 * Records as JSON lines.  Every string may come from a hostile device,
 * so everything that is not printable ASCII is escaped: the output is
 * always valid JSON, valid UTF-8 and free of terminal control codes.
 * Bytes from 0x80 up become \u0080..\u00ff, one per byte.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proto.h"
#include "record.h"
#include "exporter.h"

/* an output cursor over the caller's buffer, NUL always fits */
struct jout {
	char	*buf;
	size_t	 len;
	size_t	 off;
	int	 full;
};

static size_t	 json_escbyte(unsigned char, char *);
static void	 jout_mem(struct jout *, const char *, size_t);
static void	 jout_str(struct jout *, const char *);
static void	 jout_quoted(struct jout *, const char *, size_t);
static void	 jout_metrics(struct jout *, const struct record *);
static void	 jout_attrs(struct jout *, const struct record *);

/* The escaped form of one byte into e (at least 7 bytes); its length. */
static size_t
json_escbyte(unsigned char c, char *e)
{
	static const char	 hex[] = "0123456789abcdef";

	switch (c) {
	case '"':
	case '\\':
		e[0] = '\\';
		e[1] = c;
		return (2);
	case '\n':
		memcpy(e, "\\n", 2);
		return (2);
	case '\r':
		memcpy(e, "\\r", 2);
		return (2);
	case '\t':
		memcpy(e, "\\t", 2);
		return (2);
	}
	if (c < 0x20 || c >= 0x7f) {
		memcpy(e, "\\u00", 4);
		e[4] = hex[c >> 4];
		e[5] = hex[c & 0xf];
		return (6);
	}
	e[0] = c;
	return (1);
}

/*
 * Escape s for use inside a JSON string (without the quotes).  Like
 * strlcpy(): buf is always NUL-terminated when len > 0, only whole
 * escapes are written, and the return value is the length of the whole
 * escaped string, so truncation happened if it is >= len.
 */
size_t
json_escape(const char *s, char *buf, size_t len)
{
	char	 e[8];
	size_t	 k, total = 0, off = 0;
	int	 stop = 0;

	for (; *s != '\0'; s++) {
		k = json_escbyte((unsigned char)*s, e);
		if (!stop && off + k < len) {
			memcpy(buf + off, e, k);
			off += k;
		} else
			stop = 1;
		total += k;
	}
	if (len > 0)
		buf[off] = '\0';
	return (total);
}

/*
 * ISO 8601 UTC, "2024-04-11T18:46:37Z".  Returns the length, or -1 if
 * the time has no four digit year or buf is too small.
 */
int
json_time(int64_t t, char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;
	int		 n;

	if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL ||
	    tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return (-1);
	n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	if (n < 0 || (size_t)n >= len)
		return (-1);
	return (n);
}

static void
jout_mem(struct jout *o, const char *p, size_t n)
{
	if (o->full || n >= o->len - o->off) {
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->off, p, n);
	o->off += n;
}

static void
jout_str(struct jout *o, const char *s)
{
	jout_mem(o, s, strlen(s));
}

/* s, at most max bytes of it, as a quoted and escaped JSON string */
static void
jout_quoted(struct jout *o, const char *s, size_t max)
{
	char	 e[8];
	size_t	 i, k;

	jout_mem(o, "\"", 1);
	for (i = 0; i < max && s[i] != '\0'; i++) {
		k = json_escbyte((unsigned char)s[i], e);
		jout_mem(o, e, k);
	}
	jout_mem(o, "\"", 1);
}

static void
jout_metrics(struct jout *o, const struct record *rec)
{
	char	 name[64], value[64];
	size_t	 i, n;
	int	 first = 1;

	n = rec->nmetrics;
	if (n > RECORD_MAX_METRICS)
		n = RECORD_MAX_METRICS;
	jout_str(o, ",\"metrics\":{");
	for (i = 0; i < n; i++) {
		/* an invalid metric cannot come out of record_unpack() */
		if (metric_name(&rec->metrics[i], name, sizeof(name)) == -1 ||
		    metric_value(&rec->metrics[i], value, sizeof(value)) == -1)
			continue;
		if (!first)
			jout_mem(o, ",", 1);
		first = 0;
		jout_quoted(o, name, sizeof(name));
		jout_mem(o, ":", 1);
		jout_str(o, value);
	}
	jout_mem(o, "}", 1);
}

static void
jout_attrs(struct jout *o, const struct record *rec)
{
	const struct record_attr	*a;
	size_t				 i, n;
	int				 first = 1;

	n = rec->nattrs;
	if (n > RECORD_MAX_ATTRS)
		n = RECORD_MAX_ATTRS;
	for (i = 0; i < n; i++) {
		a = &rec->attrs[i];
		if (a->id <= A_NONE || a->id >= A_MAX)
			continue;
		jout_str(o, first ? ",\"attributes\":{" : ",");
		first = 0;
		jout_quoted(o, attr_names[a->id], RECORD_ATTRLEN);
		jout_mem(o, ":", 1);
		jout_quoted(o, a->value, sizeof(a->value));
	}
	if (!first)
		jout_mem(o, "}", 1);
}

/*
 * One record as one JSON line, '\n' included, NUL-terminated.  Returns
 * the length without the NUL, or 0 if buf is too small or the time
 * cannot be written.
 */
size_t
json_record(const struct record *rec, char *buf, size_t len)
{
	struct jout		 o;
	const struct proto	*p;
	const char		*kind, *pname;
	char			 ts[32];

	if (len == 0 || json_time(rec->time, ts, sizeof(ts)) == -1)
		return (0);
	switch (rec->kind) {
	case REC_MEASUREMENT:
		kind = "measurement";
		break;
	case REC_DEVICE:
		kind = "device";
		break;
	default:
		kind = "unknown";
		break;
	}
	p = proto_byid(rec->proto);
	pname = p != NULL && p->name != NULL ? p->name : "unknown";

	o.buf = buf;
	o.len = len;
	o.off = 0;
	o.full = 0;
	jout_str(&o, "{\"time\":\"");
	jout_str(&o, ts);
	jout_str(&o, "\",\"kind\":\"");
	jout_str(&o, kind);
	jout_str(&o, "\",\"protocol\":");
	jout_quoted(&o, pname, PV_NAMELEN);
	jout_str(&o, ",\"device\":");
	jout_quoted(&o, rec->device, sizeof(rec->device));
	if (rec->via[0] != '\0') {
		jout_str(&o, ",\"via\":");
		jout_quoted(&o, rec->via, sizeof(rec->via));
	}
	jout_str(&o, ",\"peer\":");
	jout_quoted(&o, rec->peer, sizeof(rec->peer));
	jout_metrics(&o, rec);
	jout_attrs(&o, rec);
	jout_str(&o, "}\n");
	if (o.full)
		return (0);
	buf[o.off] = '\0';
	return (o.off);
}
