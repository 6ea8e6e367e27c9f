/*
 * The one bounded writer behind JSON records, syslog lines and dump
 * lines, with the JSON string escaper and time formatter they share.
 * Every string may come from a hostile device, so everything that is
 * not printable ASCII is escaped: the output is always valid JSON,
 * valid UTF-8 and free of terminal control codes.  Control characters,
 * DEL and bytes from 0x80 up become \u0000..\u00ff, one per byte.
 *
 * pvgatectl links this file with dump.c but without out_json.c, and
 * the fuzz targets link it too: only libc here.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "exporter.h"

static size_t	 json_escbyte(unsigned char, char *, int);
static int	 json_plain(char);

/*
 * The escaped form of one byte into e (at least 7 bytes); its length.
 * '\n', '\r' and '\t' are written \n, \r and \t with JSON_SHORTESC,
 * else like any other control character.
 */
static size_t
json_escbyte(unsigned char c, char *e, int flags)
{
	static const char	 hex[] = "0123456789abcdef";

	switch (c) {
	case '"':
	case '\\':
		e[0] = '\\';
		e[1] = c;
		return (2);
	case '\n':
	case '\r':
	case '\t':
		if (!(flags & JSON_SHORTESC))
			break;
		e[0] = '\\';
		e[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
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

/* printable ASCII that needs no escape; NUL is not */
static int
json_plain(char c)
{
	return (c >= 0x20 && c < 0x7f && c != '"' && c != '\\');
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

/* an empty output over buf; len 0 makes every append overflow */
void
outbuf_init(struct outbuf *o, char *buf, size_t len)
{
	o->buf = buf;
	o->len = len;
	o->off = 0;
	o->full = 0;
}

/* all n bytes of p, or nothing and full set if they and a NUL won't fit */
void
outbuf_mem(struct outbuf *o, const char *p, size_t n)
{
	if (o->full || n >= o->len - o->off) {
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->off, p, n);
	o->off += n;
}

/*
 * Where the next bytes go, if n of them and a NUL fit; else NULL (and
 * the output is as it was).  outbuf_grow() then adds those written.
 */
char *
outbuf_tail(struct outbuf *o, size_t n)
{
	if (o->full || n >= o->len - o->off)
		return (NULL);
	return (o->buf + o->off);
}

/* n bytes written at outbuf_tail(), which had room for them */
void
outbuf_grow(struct outbuf *o, size_t n)
{
	o->off += n;
}

void
outbuf_str(struct outbuf *o, const char *s)
{
	outbuf_mem(o, s, strlen(s));
}

/*
 * s, at most max bytes of it (it need not be NUL-terminated), as a
 * quoted and escaped JSON string; flags as for json_escbyte().
 */
void
outbuf_json(struct outbuf *o, const char *s, size_t max, int flags)
{
	char	 e[8];
	size_t	 i, k, run;

	outbuf_mem(o, "\"", 1);
	i = 0;
	while (i < max && s[i] != '\0') {
		/* bytes that stand for themselves go in one copy */
		for (run = i; run < max && json_plain(s[run]); run++)
			;
		if (run > i) {
			outbuf_mem(o, s + i, run - i);
			i = run;
		} else {
			k = json_escbyte((unsigned char)s[i], e, flags);
			outbuf_mem(o, e, k);
			i++;
		}
	}
	outbuf_mem(o, "\"", 1);
}

/*
 * NUL-terminate the output.  Returns its length without the NUL, or 0
 * if anything did not fit.
 */
size_t
outbuf_end(struct outbuf *o)
{
	if (o->full || o->off >= o->len)
		return (0);
	o->buf[o->off] = '\0';
	return (o->off);
}
