/*
 * Records as syslog lines of key=value pairs, and a minimal RFC 3164
 * sender on a socket connected before chroot.
 *
 * A value is double-quoted when it is empty or holds a space, a quote
 * or '='; inside, '"' is written \".  Backslash is always \\ and every
 * byte that is not printable ASCII is \xHH, so a line never carries
 * control codes or bytes from 0x80 up.  The line is written with
 * outbuf.c's bounded writer.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"
#include "record.h"
#include "exporter.h"

static void	 sout_value(struct outbuf *, const char *, size_t);
static void	 sout_pair(struct outbuf *, const char *, const char *,
		    size_t);

/* s, at most max bytes of it, quoted and escaped as needed */
static void
sout_value(struct outbuf *o, const char *s, size_t max)
{
	static const char	 hex[] = "0123456789abcdef";
	char			 e[4];
	size_t			 i, n;
	unsigned char		 c;
	int			 quote;

	n = strnlen(s, max);
	quote = n == 0;
	for (i = 0; i < n && !quote; i++)
		quote = s[i] == ' ' || s[i] == '"' || s[i] == '=';
	if (quote)
		outbuf_mem(o, "\"", 1);
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = c;
			outbuf_mem(o, e, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			e[0] = '\\';
			e[1] = 'x';
			e[2] = hex[c >> 4];
			e[3] = hex[c & 0xf];
			outbuf_mem(o, e, 4);
		} else
			outbuf_mem(o, s + i, 1);
	}
	if (quote)
		outbuf_mem(o, "\"", 1);
}

/* " key=value", without the space for the first pair */
static void
sout_pair(struct outbuf *o, const char *key, const char *value, size_t max)
{
	if (o->off > 0)
		outbuf_mem(o, " ", 1);
	outbuf_str(o, key);
	outbuf_mem(o, "=", 1);
	sout_value(o, value, max);
}

/*
 * One record as one line (no newline), NUL-terminated.  Returns the
 * length without the NUL, or 0 if buf is too small or the time cannot
 * be written.
 */
size_t
syslog_record(const struct record *rec, char *buf, size_t len)
{
	struct outbuf		 o;
	const struct proto	*p;
	const struct metric	*m;
	const struct record_attr *a;
	const char		*kind;
	char			 ts[32], name[64], value[64];
	size_t			 i;

	if (len == 0 || json_time(rec->time, ts, sizeof(ts)) == -1)
		return (0);
	kind = record_kind_name(rec->kind);
	p = proto_byid(rec->proto);

	outbuf_init(&o, buf, len);
	sout_pair(&o, "kind", kind, SIZE_MAX);
	sout_pair(&o, "protocol", p != NULL && p->name != NULL ? p->name :
	    "unknown", PV_NAMELEN);
	sout_pair(&o, "device", rec->device, sizeof(rec->device));
	if (rec->via[0] != '\0')
		sout_pair(&o, "via", rec->via, sizeof(rec->via));
	sout_pair(&o, "peer", rec->peer, sizeof(rec->peer));
	sout_pair(&o, "time", ts, sizeof(ts));
	for (i = 0; i < rec->nmetrics && i < RECORD_MAX_METRICS; i++) {
		m = &rec->metrics[i];
		if (metric_name(m, name, sizeof(name)) == -1 ||
		    metric_value(m, value, sizeof(value)) == -1)
			continue;
		sout_pair(&o, name, value, sizeof(value));
	}
	for (i = 0; i < rec->nattrs && i < RECORD_MAX_ATTRS; i++) {
		a = &rec->attrs[i];
		if (a->id <= A_NONE || a->id >= A_MAX)
			continue;
		sout_pair(&o, attr_names[a->id], record_attrvalue(rec, i),
		    RECORD_VALUELEN);
	}
	return (outbuf_end(&o));
}

/*
 * A datagram socket connected to the syslog socket at path, opened
 * before chroot.  It is close-on-exec: whoever hands it to a child
 * must dup2() it onto the child's descriptor number.
 */
int
syslog_open(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, serrno;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		serrno = errno;
		close(fd);
		errno = serrno;
		return (-1);
	}
	return (fd);
}

/*
 * Send "<PRI>Mmm dd hh:mm:ss tag[pid]: msg" without blocking.
 * Returns 0, or -1 with errno set.
 */
int
syslog_send(int fd, int pri, const char *tag, const char *msg)
{
	static const char	*mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
				    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
				    "Dec" };
	struct msghdr		 mh;
	struct iovec		 iov[2];
	struct tm		 tm;
	time_t			 now;
	char			 hdr[96];
	int			 n;

	if (fd < 0 || pri < 0 || pri > 191 || tag == NULL || msg == NULL) {
		errno = EINVAL;
		return (-1);
	}
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL)
		return (-1);
	n = snprintf(hdr, sizeof(hdr), "<%d>%s %2d %02d:%02d:%02d %.32s[%ld]: ",
	    pri, mon[tm.tm_mon % 12], tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, tag, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(hdr)) {
		errno = EINVAL;
		return (-1);
	}

	iov[0].iov_base = hdr;
	iov[0].iov_len = n;
	iov[1].iov_base = (void *)(uintptr_t)msg;
	iov[1].iov_len = strlen(msg);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	if (sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) == -1)
		return (-1);
	return (0);
}
