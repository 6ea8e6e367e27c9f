/*
 * A cloud's address, asked of one DNS server (the [gateway] resolver),
 * not the system's: the owner's DNS that sends the devices to the
 * gateway would send the gateway to itself.  One question over UDP,
 * an A record, then an AAAA record; the answer's every length and
 * offset checked before use.  No library: the C library asks the
 * servers of resolv.conf only, and c-ares would be a dependency for
 * two packets at start.
 */

#include "compat.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "pvgated.h"
#include "util.h"

#define DNS_HDRLEN	12
#define DNS_MAXMSG	512	/* over UDP, without EDNS */
#define DNS_MAXNAME	255
#define DNS_MAXLABEL	63
#define DNS_CLASS_IN	1
#define DNS_FLAG_QR	0x8000
#define DNS_FLAG_TC	0x0200
#define DNS_FLAG_RD	0x0100
#define DNS_OPCODE	0x7800
#define DNS_RCODE	0x000f
#define DNS_TRIES	3
#define DNS_WAIT	2000	/* ms for an answer, per try */

static int	dns_skipname(const uint8_t *, size_t, size_t *);
static int	dns_ask(int, const uint8_t *, size_t, uint16_t, uint8_t *,
		    char *, size_t);

/*
 * The question for name: header, name, type, class IN.  Returns its
 * length, or 0 if name is no host name (empty, a label above 63
 * characters, longer than 255 in all).
 */
size_t
dns_query(uint8_t *buf, size_t len, const char *name, uint16_t id,
    uint16_t type)
{
	size_t	off = DNS_HDRLEN, n, total = strlen(name);
	const char *dot;

	if (total > 0 && name[total - 1] == '.')
		total--;
	if (total == 0 || total > DNS_MAXNAME - 2 ||
	    len < DNS_HDRLEN + total + 2 + 4)
		return (0);
	memset(buf, 0, DNS_HDRLEN);
	buf[0] = id >> 8;
	buf[1] = id & 0xff;
	buf[2] = DNS_FLAG_RD >> 8;
	buf[5] = 1;		/* one question */
	while (total > 0) {
		dot = memchr(name, '.', total);
		n = dot != NULL ? (size_t)(dot - name) : total;
		if (n == 0 || n > DNS_MAXLABEL)
			return (0);
		buf[off++] = n;
		memcpy(buf + off, name, n);
		off += n;
		name += n;
		total -= n;
		if (dot != NULL) {
			name++;
			total--;
		}
	}
	buf[off++] = 0;
	buf[off++] = type >> 8;
	buf[off++] = type & 0xff;
	buf[off++] = 0;
	buf[off++] = DNS_CLASS_IN;
	return (off);
}

/* a name at *off (labels, maybe ending in a pointer), skipped */
static int
dns_skipname(const uint8_t *p, size_t len, size_t *off)
{
	size_t	n, total = 0;

	for (;;) {
		if (*off >= len)
			return (-1);
		n = p[*off];
		if ((n & 0xc0) == 0xc0) {
			if (len - *off < 2)
				return (-1);
			*off += 2;
			return (0);
		}
		if ((n & 0xc0) != 0)
			return (-1);
		(*off)++;
		if (n == 0)
			return (0);
		if ((total += n + 1) > DNS_MAXNAME || n > len - *off)
			return (-1);
		*off += n;
	}
}

/*
 * The answer to question q (qlen bytes as sent, its id and type):
 * the first record of that type in the answer section, its address
 * (4 or 16 bytes) to addr.  Returns 1 if there is one, 0 if the name
 * has none of that type, -1 with *why if the answer is bad.
 */
int
dns_answer(const uint8_t *p, size_t len, const uint8_t *q, size_t qlen,
    uint16_t type, uint8_t *addr, const char **why)
{
	size_t		off, rdlen, want = type == DNS_TYPE_A ? 4 : 16;
	uint16_t	flags, ancount, i, rtype, rclass;

	*why = "answer shorter than its question";
	if (len < qlen || qlen < DNS_HDRLEN + 5)
		return (-1);
	flags = pv_be16(p + 2);
	*why = "not the answer to our question";
	if (memcmp(p, q, 2) != 0 || (flags & DNS_FLAG_QR) == 0 ||
	    (flags & DNS_OPCODE) != 0 || pv_be16(p + 4) != 1 ||
	    strncasecmp((const char *)p + DNS_HDRLEN,
	    (const char *)q + DNS_HDRLEN, qlen - DNS_HDRLEN - 4) != 0 ||
	    memcmp(p + qlen - 4, q + qlen - 4, 4) != 0)
		return (-1);
	*why = "truncated answer";
	if (flags & DNS_FLAG_TC)
		return (-1);
	if ((flags & DNS_RCODE) == 3)		/* NXDOMAIN */
		return (0);
	*why = "the server failed";
	if ((flags & DNS_RCODE) != 0)
		return (-1);
	ancount = pv_be16(p + 6);
	off = qlen;
	*why = "malformed answer record";
	for (i = 0; i < ancount; i++) {
		if (dns_skipname(p, len, &off) == -1 || len - off < 10)
			return (-1);
		rtype = pv_be16(p + off);
		rclass = pv_be16(p + off + 2);
		rdlen = pv_be16(p + off + 8);
		off += 10;
		if (rdlen > len - off)
			return (-1);
		if (rtype == type && rclass == DNS_CLASS_IN) {
			if (rdlen != want)
				return (-1);
			memcpy(addr, p + off, want);
			return (1);
		}
		off += rdlen;
	}
	return (0);
}

/* one question of type, asked up to DNS_TRIES times */
static int
dns_ask(int s, const uint8_t *q, size_t qlen, uint16_t type, uint8_t *addr,
    char *err, size_t errlen)
{
	struct pollfd	 pfd;
	uint8_t		 a[DNS_MAXMSG];
	const char	*why = "no answer";
	ssize_t		 n;
	int		 try, r;

	for (try = 0; try < DNS_TRIES; try++) {
		if (send(s, q, qlen, 0) == -1) {
			snprintf(err, errlen, "%s", strerror(errno));
			return (-1);
		}
		pfd.fd = s;
		pfd.events = POLLIN;
		while ((r = poll(&pfd, 1, DNS_WAIT)) == 1) {
			if ((n = recv(s, a, sizeof(a), 0)) == -1) {
				why = strerror(errno);
				break;
			}
			if ((r = dns_answer(a, n, q, qlen, type, addr,
			    &why)) >= 0)
				return (r);
			/* someone else's datagram, or garbage: wait on */
		}
	}
	snprintf(err, errlen, "%s", why);
	return (-1);
}

/*
 * Look name up at server: its IPv4 address, else its IPv6 one, with
 * port into *out.  -1 with a reason in err.
 */
int
dns_resolve(const struct pv_addr *server, const char *name, uint16_t port,
    struct pv_addr *out, char *err, size_t errlen)
{
	struct sockaddr_storage	 ss;
	uint8_t			 q[DNS_MAXMSG], addr[16];
	uint16_t		 id, types[2] = { DNS_TYPE_A, DNS_TYPE_AAAA };
	size_t			 qlen;
	socklen_t		 sslen;
	int			 s, i, r = 0;

	sslen = pv_addr_sockaddr(server, &ss);
	if ((s = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(s, (struct sockaddr *)&ss, sslen) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		if (s != -1)
			close(s);
		return (-1);
	}
	for (i = 0; i < 2 && r == 0; i++) {
		arc4random_buf(&id, sizeof(id));
		if ((qlen = dns_query(q, sizeof(q), name, id, types[i])) ==
		    0) {
			snprintf(err, errlen, "not a host name");
			close(s);
			return (-1);
		}
		r = dns_ask(s, q, qlen, types[i], addr, err, errlen);
	}
	close(s);
	if (r == -1)
		return (-1);
	if (r == 0) {
		snprintf(err, errlen, "no address");
		return (-1);
	}
	memset(out, 0, sizeof(*out));
	out->family = types[i - 1] == DNS_TYPE_A ? AF_INET : AF_INET6;
	memcpy(out->addr, addr, types[i - 1] == DNS_TYPE_A ? 4 : 16);
	out->port = port;
	return (0);
}
