/*
 * lib/util.c: allow_from networks, IPv4 and IPv6: what parses, what is
 * refused and why, and which addresses a network holds (an IPv4 peer
 * on a dual-stack socket arrives as ::ffff:a.b.c.d and is matched as
 * IPv4).
 */

#include "compat.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "pvgate.h"
#include "util.h"

static int	failed;

static void
result(int ok, const char *what, const char *detail)
{
	printf("%s - cidr: %s%s%s\n", ok ? "ok" : "not ok", what,
	    ok ? "" : ": ", ok ? "" : detail);
	if (!ok)
		failed++;
}

/* the peer as the listener sees it, after accept */
static void
peer(struct pv_addr *a, const char *text)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, text, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		pv_addr_set(a, (struct sockaddr *)&sin);
	} else if (inet_pton(AF_INET6, text, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		pv_addr_set(a, (struct sockaddr *)&sin6);
	} else
		memset(a, 0, sizeof(*a));
}

static void
parses(const char *text, const char *printed)
{
	struct pv_cidr	c;
	char		err[256], buf[64], what[128];

	(void)snprintf(what, sizeof(what), "%s parses as %s", text, printed);
	if (pv_cidr_parse(text, &c, err, sizeof(err)) == -1) {
		result(0, what, err);
		return;
	}
	pv_cidr_str(&c, buf, sizeof(buf));
	result(strcmp(buf, printed) == 0, what, buf);
}

static void
refused(const char *text, const char *why)
{
	struct pv_cidr	c;
	char		err[256], what[128];

	(void)snprintf(what, sizeof(what), "%s refused", text);
	if (pv_cidr_parse(text, &c, err, sizeof(err)) == 0) {
		result(0, what, "parsed");
		return;
	}
	result(strcmp(err, why) == 0, what, err);
}

static void
holds(const char *net, const char *addr, int want)
{
	struct pv_cidr	c;
	struct pv_addr	a;
	char		err[256], what[128];

	(void)snprintf(what, sizeof(what), "%s %s %s", net, want ? "holds" :
	    "does not hold", addr);
	if (pv_cidr_parse(net, &c, err, sizeof(err)) == -1) {
		result(0, what, err);
		return;
	}
	peer(&a, addr);
	result(pv_cidr_match(&c, &a) == want, what, "wrong");
}

int
main(void)
{
	parses("192.168.1.0/24", "192.168.1.0/24");
	parses("10.0.0.7", "10.0.0.7/32");
	parses("0.0.0.0/0", "0.0.0.0/0");
	parses("fd00::/8", "fd00::/8");
	parses("::1", "::1/128");
	parses("2001:db8:0:8000::/49", "2001:db8:0:8000::/49");
	refused("192.168.1.5/24",
	    "192.168.1.5/24: host bits set (the network is 192.168.1.0/24)");
	refused("10.1.2.3/9",
	    "10.1.2.3/9: host bits set (the network is 10.0.0.0/9)");
	refused("fd00::1/64",
	    "fd00::1/64: host bits set (the network is fd00::/64)");
	refused("192.168.1/24", "192.168.1: not an IPv4 or IPv6 address");
	refused("10.0.0.0/33", "10.0.0.0/33: prefix length 33: too large "
	    "(0..32)");
	refused("::/129", "::/129: prefix length 129: too large (0..128)");
	refused("10.0.0.0/x", "10.0.0.0/x: prefix length x: invalid "
	    "(0..32)");
	refused("host.example", "host.example: not an IPv4 or IPv6 address");
	holds("192.168.1.0/24", "192.168.1.200", 1);
	holds("192.168.1.0/24", "192.168.2.1", 0);
	holds("10.0.0.0/9", "10.127.255.255", 1);
	holds("10.0.0.0/9", "10.128.0.0", 0);
	holds("127.0.0.1", "127.0.0.1", 1);
	holds("127.0.0.1", "127.0.0.2", 0);
	holds("0.0.0.0/0", "203.0.113.9", 1);
	holds("0.0.0.0/0", "2001:db8::1", 0);
	holds("192.168.1.0/24", "::ffff:192.168.1.7", 1);
	holds("fd00::/8", "fd12:3456::1", 1);
	holds("fd00::/8", "fe80::1", 0);
	holds("2001:db8:0:8000::/49", "2001:db8:0:ffff::1", 1);
	holds("2001:db8:0:8000::/49", "2001:db8:0:7fff::1", 0);
	holds("::1", "::1", 1);
	holds("::1", "127.0.0.1", 0);
	printf("%d failed\n", failed);
	return (failed != 0);
}
