/*
 * Small helpers shared by the processes.
 */

#include "compat.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pvgate.h"
#include "util.h"

/*
 * Seconds on a clock that never jumps, for intervals: how long since
 * the last warning, when to try again.  time(3) would stop them for an
 * hour when the wall clock is set back an hour.
 */
time_t
pv_monotime(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return ts.tv_sec;
}

/*
 * Give the heap's free pages back to the system.  glibc keeps what a
 * burst of connections freed (their buffers interleave with what stays,
 * so the heap cannot shrink from its top); OpenBSD's malloc returns
 * pages by itself.
 */
void
pv_heap_trim(void)
{
#ifdef HAVE_MALLOC_TRIM
	(void)malloc_trim(0);
#endif
}

void
pv_addr_set(struct pv_addr *a, const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	memset(a, 0, sizeof(*a));
	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		a->family = AF_INET;
		a->port = ntohs(sin->sin_port);
		memcpy(a->addr, &sin->sin_addr, 4);
		break;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			a->family = AF_INET;
			memcpy(a->addr, &sin6->sin6_addr.s6_addr[12], 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->addr, &sin6->sin6_addr, 16);
		}
		a->port = ntohs(sin6->sin6_port);
		break;
	}
}

/* "192.0.2.10:51512", "[2001:db8::1]:51512", or "" when unknown */
int
pv_addr_str(const struct pv_addr *a, char *buf, size_t len)
{
	char	host[INET6_ADDRSTRLEN];
	int	n;

	switch (a->family) {
	case AF_INET:
		if (inet_ntop(AF_INET, a->addr, host, sizeof(host)) == NULL)
			break;
		n = snprintf(buf, len, "%s:%u", host, a->port);
		return (n < 0 || (size_t)n >= len) ? -1 : 0;
	case AF_INET6:
		if (inet_ntop(AF_INET6, a->addr, host, sizeof(host)) == NULL)
			break;
		n = snprintf(buf, len, "[%s]:%u", host, a->port);
		return (n < 0 || (size_t)n >= len) ? -1 : 0;
	}
	if (len > 0)
		buf[0] = '\0';
	return -1;
}

/* the other way round; 0 when a has no address */
socklen_t
pv_addr_sockaddr(const struct pv_addr *a, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;

	memset(ss, 0, sizeof(*ss));
	switch (a->family) {
	case AF_INET:
		sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		memcpy(&sin->sin_addr, a->addr, 4);
		return sizeof(*sin);
	case AF_INET6:
		sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		memcpy(&sin6->sin6_addr, a->addr, 16);
		return sizeof(*sin6);
	}
	return 0;
}

/*
 * "192.168.1.0/24", "fd00::/8", or one address (all its bits).  Host
 * bits set are an error: "192.168.1.5/24" is a typo of a network.
 * Returns 0, or -1 with the reason in err.
 */
int
pv_cidr_parse(const char *text, struct pv_cidr *c, char *err, size_t errlen)
{
	char		 buf[INET6_ADDRSTRLEN + 8], *slash;
	const char	*errstr;
	unsigned int	 max, i, bits;
	uint8_t		 mask;

	memset(c, 0, sizeof(*c));
	if (strlcpy(buf, text, sizeof(buf)) >= sizeof(buf)) {
		snprintf(err, errlen, "%s: too long for a network", text);
		return -1;
	}
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, c->addr) == 1) {
		c->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
		c->family = AF_INET6;
		max = 128;
	} else {
		snprintf(err, errlen, "%s: not an IPv4 or IPv6 address", buf);
		return -1;
	}
	bits = max;
	if (slash != NULL) {
		bits = strtonum(slash, 0, max, &errstr);
		if (errstr != NULL) {
			snprintf(err, errlen, "%s: prefix length %s: %s "
			    "(0..%u)", text, slash, errstr, max);
			return -1;
		}
	}
	c->prefix = bits;
	for (i = 0; i < max / 8; i++) {
		mask = bits >= (i + 1) * 8 ? 0xff : bits <= i * 8 ? 0 :
		    (uint8_t)(0xff << (8 - (bits - i * 8)));
		if ((c->addr[i] & ~mask) != 0) {
			c->addr[i] &= mask;
			for (i++; i < max / 8; i++)
				c->addr[i] = 0;
			pv_cidr_str(c, buf, sizeof(buf));
			snprintf(err, errlen, "%s: host bits set (the "
			    "network is %s)", text, buf);
			return -1;
		}
	}
	return 0;
}

/* is a in the network? */
int
pv_cidr_match(const struct pv_cidr *c, const struct pv_addr *a)
{
	unsigned int	full = c->prefix / 8, rest = c->prefix % 8;
	uint8_t		mask;

	if (a->family != c->family)
		return 0;
	if (memcmp(a->addr, c->addr, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a->addr[full] & mask) == c->addr[full];
}

/* "192.168.1.0/24" */
int
pv_cidr_str(const struct pv_cidr *c, char *buf, size_t len)
{
	char	host[INET6_ADDRSTRLEN];
	int	n;

	if (inet_ntop(c->family, c->addr, host, sizeof(host)) == NULL) {
		if (len > 0)
			buf[0] = '\0';
		return -1;
	}
	n = snprintf(buf, len, "%s/%u", host, c->prefix);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}
