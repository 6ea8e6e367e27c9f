/*
 * The cloud relay's part of the configuration: each protocol's cloud,
 * looked up once at start (through [gateway] resolver when it is set);
 * the check that no cloud is the gateway itself; printing; reloading.
 *
 * The loop: the owner's DNS answers the devices' cloud names with the
 * gateway's address.  Asked with the system's resolver, pvgated would
 * get the same answer and relay every device to itself.  A cloud that
 * comes out as one of the addresses the gateway listens on (the same
 * port, and the same address or a wildcard over a local one) is
 * refused, naming [gateway] resolver as the way out.
 */

#include "compat.h"

#include <sys/socket.h>
#include <netinet/in.h>

#include <ifaddrs.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "cloud.h"
#include "log.h"
#include "pvgated.h"
#include "util.h"

static int	cloud_lookup(const struct parentconf *, const char *,
		    struct pv_addr *, char *, size_t);
static int	addr_local(const struct pv_addr *);
static int	addr_self(const struct parentconf *, const struct pv_addr *,
		    int);

/* HOST:PORT or [HOST]:PORT (config.c has checked it) to an address */
static int
cloud_lookup(const struct parentconf *conf, const char *text,
    struct pv_addr *out, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res;
	char		 buf[256], *host = buf, *port;
	const char	*errstr;
	int		 error, numeric;

	strlcpy(buf, text, sizeof(buf));
	if (buf[0] == '[') {
		host = buf + 1;
		port = strchr(host, ']');
		*port++ = '\0';
		port = *port == ':' ? port + 1 : "0";
	} else if ((port = strrchr(buf, ':')) != NULL)
		*port++ = '\0';
	else
		port = "0";
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	numeric = getaddrinfo(host, port, &hints, &res) == 0;
	if (!numeric && conf->resolver.family != 0)
		return dns_resolve(&conf->resolver, host, strtonum(port, 0,
		    65535, &errstr), out, err, errlen);
	if (!numeric) {
		hints.ai_flags = AI_NUMERICSERV;
		if ((error = getaddrinfo(host, port, &hints, &res)) != 0) {
			snprintf(err, errlen, "%s", gai_strerror(error));
			return -1;
		}
	}
	pv_addr_set(out, res->ai_addr);
	freeaddrinfo(res);
	return 0;
}

/* a loopback address, or one of an interface of this host */
static int
addr_local(const struct pv_addr *a)
{
	static const uint8_t	 v6loop[16] = { [15] = 1 };
	struct ifaddrs		*ifa, *i;
	struct pv_addr		 b;
	int			 found = 0;

	if ((a->family == AF_INET && a->addr[0] == 127) ||
	    (a->family == AF_INET6 && memcmp(a->addr, v6loop, 16) == 0))
		return 1;
	if (getifaddrs(&ifa) == -1)
		return 0;
	for (i = ifa; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr == NULL || (i->ifa_addr->sa_family != AF_INET &&
		    i->ifa_addr->sa_family != AF_INET6))
			continue;
		pv_addr_set(&b, i->ifa_addr);
		found = b.family == a->family &&
		    memcmp(b.addr, a->addr, sizeof(b.addr)) == 0;
	}
	freeifaddrs(ifa);
	return found;
}

/*
 * Is a one of the gateway's own listening addresses?  Port 0: the
 * ports of the protocol's listeners, which its devices are relayed to.
 */
static int
addr_self(const struct parentconf *conf, const struct pv_addr *a, int proto)
{
	static const uint8_t		 any[16];
	const struct listen_port	*lp;
	struct pv_addr			 l;
	int				 i, j;

	for (i = 0; i < conf->nports; i++) {
		lp = &conf->ports[i];
		if (a->port != 0 ? lp->port != a->port : lp->proto != proto)
			continue;
		for (j = 0; j < lp->nsock; j++) {
			pv_addr_set(&l, (const struct sockaddr *)&lp->ss[j]);
			if (memcmp(l.addr, any, sizeof(any)) == 0 &&
			    addr_local(a))
				return 1;
			if (l.family == a->family &&
			    memcmp(l.addr, a->addr, sizeof(l.addr)) == 0)
				return 1;
		}
	}
	return 0;
}

/* what needs the whole file: a cloud is for devices that come to us */
int
cloud_check(const struct parentconf *conf, int i, const char *file,
    char *err, size_t errlen)
{
	if (conf->cloud_text[i][0] == '\0' &&
	    conf->c.proto[i].cloud_allow != 0) {
		snprintf(err, errlen, "%s: [%s] cloud_allow without cloud",
		    file, proto_byid(i)->name);
		return -1;
	}
	if (conf->cloud_text[i][0] != '\0' &&
	    conf->listen_text[i][0] == '\0') {
		snprintf(err, errlen, "%s: [%s] cloud needs a listen address: "
		    "the relay is for devices that connect to the gateway",
		    file, proto_byid(i)->name);
		return -1;
	}
	return 0;
}

/* at start (and with -n): every cloud's address, once */
int
cloud_resolve(struct parentconf *conf, const char *file, char *err,
    size_t errlen)
{
	struct pv_addr	 a;
	char		 why[256], text[64];
	int		 i;

	for (i = 1; i < PROTO_MAX; i++) {
		if (conf->cloud_text[i][0] == '\0')
			continue;
		if (cloud_lookup(conf, conf->cloud_text[i], &a, why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "%s: [%s] cloud %s: %s%s%s", file,
			    proto_byid(i)->name, conf->cloud_text[i], why,
			    conf->resolver.family != 0 ? " (asked " : "",
			    conf->resolver.family != 0 ? "the resolver)" : "");
			return -1;
		}
		if (addr_self(conf, &a, i)) {
			pv_addr_str(&a, text, sizeof(text));
			/* without a port: no ":0" */
			if (a.port == 0)
				text[strlen(text) - 2] = '\0';
			snprintf(err, errlen, "%s: [%s] cloud %s is %s, where "
			    "the gateway listens itself: the DNS that sends the "
			    "devices here answered for the gateway too; set "
			    "[gateway] resolver to a server with the real "
			    "address", file, proto_byid(i)->name,
			    conf->cloud_text[i], text);
			return -1;
		}
		conf->c.proto[i].cloud = a;
	}
	return 0;
}

/* "firmware, at_write" */
void
cloud_names(uint32_t mask, char *buf, size_t len)
{
	int	k;

	buf[0] = '\0';
	for (k = 0; k < CK_MAX; k++) {
		if ((mask & CK_BIT(k)) == 0)
			continue;
		if (buf[0] != '\0')
			strlcat(buf, ", ", len);
		strlcat(buf, cloud_kind_name(k), len);
	}
}

void
cloud_print(FILE *fp, const struct parentconf *conf, int i)
{
	const struct pv_protoconf	*pc = &conf->c.proto[i];
	char				 names[160];

	if (conf->cloud_text[i][0] == '\0')
		return;
	fprintf(fp, "cloud = %s\n", conf->cloud_text[i]);
	if (pc->cloud_allow != 0) {
		cloud_names(pc->cloud_allow, names, sizeof(names));
		fprintf(fp, "cloud_allow = %s\n", names);
	}
	fprintf(fp, "cloud_timeout = %u\n", pc->cloud_timeout);
}

/*
 * SIGHUP: pvgated may not look names up any more, and whether a
 * connector runs was decided at start.  The clouds stay; what is
 * allowed through and the deadline change.
 */
void
config_reload_cloud(const struct parentconf *old, struct parentconf *new,
    char *later, size_t len)
{
	char	what[64];
	int	i;

	if (strcmp(old->resolver_text, new->resolver_text) != 0)
		config_later(later, len, "[gateway] resolver");
	strlcpy(new->resolver_text, old->resolver_text,
	    sizeof(new->resolver_text));
	new->resolver = old->resolver;
	for (i = 1; i < PROTO_MAX; i++) {
		if (strcmp(old->cloud_text[i], new->cloud_text[i]) != 0) {
			(void)snprintf(what, sizeof(what), "[%s] cloud",
			    proto_byid(i)->name);
			config_later(later, len, what);
		}
		strlcpy(new->cloud_text[i], old->cloud_text[i],
		    sizeof(new->cloud_text[i]));
		new->c.proto[i].cloud = old->c.proto[i].cloud;
	}
}

/* does any protocol relay to its cloud? */
int
config_relayed(const struct parentconf *conf)
{
	int	i;

	for (i = 1; i < PROTO_MAX; i++)
		if (conf->cloud_text[i][0] != '\0')
			return 1;
	return 0;
}
