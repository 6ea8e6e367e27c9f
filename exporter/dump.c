/*
 * Unknown traffic: one JSON line per frame under dump/YYYY-MM-DD.jsonl,
 * optionally sealed with crypto_box_seal() and written as base64.
 *
 * Strings are escaped as in records except that '\n', '\r' and '\t'
 * are \u000a, \u000d and \u0009.  pvgatectl links this file with
 * outbuf.c, which holds the writer, escaper and time formatter, but
 * without out_json.c.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "pvgate.h"
#include "proto.h"
#include "util.h"
#include "exporter.h"

#define DUMP_DIR	"dump"

static int	 dump_open(struct dumpfile *, const struct tm *);
static int	 dump_writeall(int, const char *, size_t);

/*
 * One dump as one JSON line, '\n' included, NUL-terminated.  Returns
 * the length without the NUL, or 0 if buf is too small or the dump's
 * time cannot be written.
 */
size_t
dump_line(const struct pv_dump *d, const uint8_t *bytes, size_t n,
    char *buf, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	struct outbuf		 o;
	const struct proto	*p;
	char			 tmp[96];
	size_t			 i;

	if (len == 0 || json_time(d->time, tmp, sizeof(tmp)) == -1)
		return (0);
	outbuf_init(&o, buf, len);

	outbuf_str(&o, "{\"time\":\"");
	outbuf_str(&o, tmp);
	outbuf_mem(&o, "\"", 1);
	p = proto_byid(d->proto);
	outbuf_str(&o, ",\"protocol\":");
	outbuf_json(&o, p != NULL && p->name != NULL ? p->name : "unknown",
	    PV_NAMELEN, 0);
	snprintf(tmp, sizeof(tmp), ",\"port\":%u,\"peer\":",
	    (unsigned int)d->listen_port);
	outbuf_str(&o, tmp);
	/* "" for no peer, where pv_addr_str() fails */
	if (pv_addr_str(&d->peer, tmp, sizeof(tmp)) == -1)
		tmp[0] = '\0';
	outbuf_json(&o, tmp, sizeof(tmp), 0);
	/* where the device meant to go, when known */
	if (pv_addr_str(&d->dst, tmp, sizeof(tmp)) == 0) {
		outbuf_str(&o, ",\"dst\":");
		outbuf_json(&o, tmp, sizeof(tmp), 0);
	}
	snprintf(tmp, sizeof(tmp), ",\"conn\":%llu,\"reason\":",
	    (unsigned long long)d->conn);
	outbuf_str(&o, tmp);
	/* from the decoder: need not be NUL-terminated */
	outbuf_json(&o, d->reason, sizeof(d->reason), 0);
	outbuf_str(&o, ",\"bytes\":\"");
	for (i = 0; i < n && !o.full; i++) {
		tmp[0] = hex[bytes[i] >> 4];
		tmp[1] = hex[bytes[i] & 0xf];
		outbuf_mem(&o, tmp, 2);
	}
	outbuf_str(&o, "\"}\n");
	return (outbuf_end(&o));
}

void
dump_init(struct dumpfile *df)
{
	df->fd = -1;
	df->day = 0;
	df->torn = 0;
}

void
dump_close(struct dumpfile *df)
{
	if (df->fd != -1)
		close(df->fd);
	dump_init(df);
}

/* open dump/YYYY-MM-DD.jsonl for the day in tm, closing the old one */
static int
dump_open(struct dumpfile *df, const struct tm *tm)
{
	char	 path[64];
	int	 fd;

	snprintf(path, sizeof(path), DUMP_DIR "/%04d-%02d-%02d.jsonl",
	    tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1)
		return (-1);
	dump_close(df);
	df->fd = fd;
	df->day = (tm->tm_year + 1900) * 10000 + (tm->tm_mon + 1) * 100 +
	    tm->tm_mday;
	return (0);
}

/* all of p, or -1 with errno set */
static int
dump_writeall(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += w;
		n -= w;
	}
	return (0);
}

/*
 * Append one whole line (ending in its only '\n') to the dump file of
 * t's UTC date, relative to the current directory.  A write that
 * fails half way (the disk full) is cut off again, so that no reader
 * finds half a line; if even that fails, the next line starts on a
 * fresh one.  Returns 0, or -1 with errno set.
 */
int
dump_write(struct dumpfile *df, time_t t, const char *line, size_t n)
{
	struct tm	 tm;
	off_t		 end;
	int		 day, save;

	if (n == 0 || line[n - 1] != '\n' ||
	    memchr(line, '\n', n - 1) != NULL) {
		errno = EINVAL;
		return (-1);
	}
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900) {
		errno = EINVAL;
		return (-1);
	}
	day = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
	    tm.tm_mday;
	if ((df->fd == -1 || df->day != day) && dump_open(df, &tm) == -1)
		return (-1);
	if (df->torn) {
		if (dump_writeall(df->fd, "\n", 1) == -1)
			return (-1);
		df->torn = 0;
	}
	if ((end = lseek(df->fd, 0, SEEK_END)) == -1)
		return (-1);
	if (dump_writeall(df->fd, line, n) == -1) {
		/* the disk is full: what went out of the line goes again */
		save = errno;
		if (ftruncate(df->fd, end) == -1 ||
		    lseek(df->fd, end, SEEK_SET) == -1)
			df->torn = 1;
		errno = save;
		return (-1);
	}
	return (0);
}

/*
 * Seal a dump line (its '\n' is not sealed) for the holder of the
 * secret key matching pk, and write it as base64 plus '\n' into out,
 * NUL-terminated.  Returns the length without the NUL, or -1.
 */
int
dump_seal(const uint8_t pk[crypto_box_PUBLICKEYBYTES], const char *line,
    size_t n, char *out, size_t outlen)
{
	uint8_t		 ct[DUMP_LINE_MAX + crypto_box_SEALBYTES];
	size_t		 ctlen, b64len;

	if (n > 0 && line[n - 1] == '\n')
		n--;
	if (n > DUMP_LINE_MAX)
		return (-1);
	ctlen = n + crypto_box_SEALBYTES;
	b64len = sodium_base64_ENCODED_LEN(ctlen,
	    sodium_base64_VARIANT_ORIGINAL);
	if (outlen < b64len + 1)
		return (-1);
	if (crypto_box_seal(ct, (const uint8_t *)line, n, pk) != 0)
		return (-1);
	sodium_bin2base64(out, outlen, ct, ctlen,
	    sodium_base64_VARIANT_ORIGINAL);
	b64len = strlen(out);
	out[b64len++] = '\n';
	out[b64len] = '\0';
	return ((int)b64len);
}

/*
 * Open a sealed line (base64, a trailing newline is ignored) into out,
 * NUL-terminated, without a newline.  Returns the length, or -1 if it
 * is not base64 or does not open with this key pair.
 */
int
dump_unseal(const uint8_t pk[crypto_box_PUBLICKEYBYTES],
    const uint8_t sk[crypto_box_SECRETKEYBYTES], const char *b64, size_t n,
    char *out, size_t outlen)
{
	uint8_t		 ct[DUMP_LINE_MAX + crypto_box_SEALBYTES];
	const char	*end;
	size_t		 ctlen;

	while (n > 0 && (b64[n - 1] == '\n' || b64[n - 1] == '\r'))
		n--;
	if (sodium_base642bin(ct, sizeof(ct), b64, n, NULL, &ctlen, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || end != b64 + n)
		return (-1);
	if (ctlen < crypto_box_SEALBYTES ||
	    ctlen - crypto_box_SEALBYTES >= outlen)
		return (-1);
	if (crypto_box_seal_open((uint8_t *)out, ct, ctlen, pk, sk) != 0)
		return (-1);
	out[ctlen - crypto_box_SEALBYTES] = '\0';
	return ((int)(ctlen - crypto_box_SEALBYTES));
}
