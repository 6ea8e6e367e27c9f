/*
 * The configuration file: INI, parsed with inih, only in pvgated.
 * Every error names the file and, where there is one, the line.
 */

#include "compat.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cloud.h"
#include "keyfile.h"
#include "log.h"
#include "pvgated.h"
#include "util.h"

#define ZONEINFO	"/usr/share/zoneinfo"
#define E3DC_DEVICE	"e3dc-rscp"	/* the device [e3dc-rscp] dials */
#define E3DC_PORT	5033
#define E3DC_INTERVAL	5
#define APS_INTERVAL	60	/* the ECU's local server: at least */
#define APS_IDLEN	12	/* an ECU id: digits */

struct parse {
	struct parentconf	*conf;
	const char		*file;
	int			 resolve;	/* look up names, check files */
	FILE			*fp;
	char			*err;
	size_t			 errlen;
	int			 failed;
	int			 lineno;	/* read so far */
	int			 failline;	/* failed in reader() */
	char			 section[64];
};

static int	 setnum(struct parse *, const char *, const char *,
		    long long, long long, uint32_t *);
static int	 setbool(struct parse *, const char *, const char *,
		    const char *, const char *, uint8_t *);
static int	 setlisten(struct parse *, int, const char *);
static int	 setallow(struct parse *, int, const char *);
static int	 addaddr(struct parse *, int, const char *, const char *);
static int	 device_key(struct parse *, const char *, const char *,
		    const char *);
static int	 e3dc_key(struct parse *, const char *, const char *);
static int	 device_interval(struct parse *, const struct pv_deviceconf *);
static int	 device_ecu(struct parse *, const struct pv_deviceconf *);
static int	 handler(void *, const char *, const char *, const char *);
static int	 mqtt_key(struct parse *, const char *, const char *);
static int	 setresolver(struct parse *, const char *);
static int	 cloud_key(struct parse *, const struct proto *, const char *,
		    const char *);
static int	 mqtt_check(struct parentconf *, const char *, char *, size_t);
static void	 mqtt_print(FILE *, const struct parentconf *);

/* the first error wins; inih reports its line */
static int
fail(struct parse *p, const char *fmt, ...)
{
	va_list	ap;

	if (p->failed)
		return 0;
	p->failed = 1;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return 0;
}

static int
setnum(struct parse *p, const char *name, const char *value,
    long long min, long long max, uint32_t *out)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(value, min, max, &errstr);
	if (errstr != NULL)
		return fail(p, "%s %s: %s (%lld..%lld)", name, value, errstr,
		    min, max);
	*out = (uint32_t)n;
	return 1;
}

static int
setbool(struct parse *p, const char *name, const char *value,
    const char *yes, const char *no, uint8_t *out)
{
	if (strcmp(value, yes) == 0)
		*out = 1;
	else if (strcmp(value, no) == 0)
		*out = 0;
	else
		return fail(p, "%s must be %s or %s, not \"%s\"", name, yes,
		    no, value);
	return 1;
}

static int
setpath(struct parse *p, const char *name, const char *value, char *out,
    size_t len)
{
	if (value[0] != '/')
		return fail(p, "%s must be an absolute path: %s", name,
		    value);
	if (strlcpy(out, value, len) >= len)
		return fail(p, "%s too long", name);
	return 1;
}

static struct listen_port *
port_get(struct parse *p, int proto, uint16_t port)
{
	struct parentconf	*conf = p->conf;
	struct listen_port	*lp;
	int			 i;

	for (i = 0; i < conf->nports; i++) {
		lp = &conf->ports[i];
		if (lp->port != port)
			continue;
		if (lp->proto != proto) {
			fail(p, "port %u is already used by %s", port,
			    proto_byid(lp->proto)->name);
			return NULL;
		}
		return lp;
	}
	if (conf->nports >= PVGATE_MAX_LISTENERS) {
		fail(p, "too many listening ports (at most %d)",
		    PVGATE_MAX_LISTENERS);
		return NULL;
	}
	lp = &conf->ports[conf->nports++];
	memset(lp, 0, sizeof(*lp));
	lp->proto = proto;
	lp->port = port;
	return lp;
}

static int
addaddr(struct parse *p, int proto, const char *host, const char *serv)
{
	struct addrinfo		 hints, *res, *ai;
	struct listen_port	*lp;
	const char		*errstr;
	long long		 port;
	int			 error, i;

	port = strtonum(serv, 1, 65535, &errstr);
	if (errstr != NULL)
		return fail(p, "port %s: %s", serv, errstr);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	if ((error = getaddrinfo(host, serv, &hints, &res)) == EAI_NONAME)
		return fail(p, "address %s: not an IP address or *", host);
	if (error != 0)
		return fail(p, "address %s: %s", host ? host : "*",
		    gai_strerror(error));
	if ((lp = port_get(p, proto, (uint16_t)port)) == NULL) {
		freeaddrinfo(res);
		return 0;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		for (i = 0; i < lp->nsock; i++)
			if (memcmp(&lp->ss[i], ai->ai_addr,
			    ai->ai_addrlen) == 0)
				break;
		if (i < lp->nsock)
			continue;
		if (lp->nsock >= PVGATE_MAX_SOCKETS) {
			freeaddrinfo(res);
			return fail(p, "too many addresses for port %lld",
			    port);
		}
		memcpy(&lp->ss[lp->nsock++], ai->ai_addr, ai->ai_addrlen);
	}
	freeaddrinfo(res);
	return 1;
}

/* "*:10000, 127.0.0.1:7779, [::1]:10000" */
static int
setlisten(struct parse *p, int proto, const char *value)
{
	char	 buf[512], *s, *item, *host, *port;

	if (strlcpy(buf, value, sizeof(buf)) >= sizeof(buf))
		return fail(p, "listen: list too long");
	s = buf;
	while ((item = strsep(&s, ",")) != NULL) {
		item += strspn(item, " \t");
		item[strcspn(item, " \t")] = '\0';
		if (*item == '\0')
			return fail(p, "listen: empty address");
		if (*item == '[') {
			host = item + 1;
			if ((port = strchr(host, ']')) == NULL ||
			    port[1] != ':')
				return fail(p, "listen %s: want [ADDR]:PORT",
				    item);
			*port = '\0';
			port += 2;
		} else {
			if ((port = strrchr(item, ':')) == NULL)
				return fail(p, "listen %s: want ADDR:PORT",
				    item);
			*port++ = '\0';
			host = item;
		}
		if (strcmp(host, "*") == 0)
			host = NULL;
		if (!addaddr(p, proto, host, port))
			return 0;
	}
	if (strlcat(p->conf->listen_text[proto], *p->conf->
	    listen_text[proto] ? ", " : "", sizeof(p->conf->listen_text[0]))
	    >= sizeof(p->conf->listen_text[0]) ||
	    strlcat(p->conf->listen_text[proto], value,
	    sizeof(p->conf->listen_text[0])) >=
	    sizeof(p->conf->listen_text[0]))
		return fail(p, "listen: list too long");
	return 1;
}

/*
 * allow_from = 192.168.1.0/24, fd00::/8: the source addresses a
 * section's listeners serve ([gateway]: every listener without a list
 * of its own).  Repeated keys add to the list.
 */
static int
setallow(struct parse *p, int proto, const char *value)
{
	struct pvconf	*c = &p->conf->c;
	char		 buf[512], err[256], *s, *item;
	char		*text = p->conf->allow_text[proto];
	size_t		 len = sizeof(p->conf->allow_text[0]);

	if (strlcpy(buf, value, sizeof(buf)) >= sizeof(buf))
		return fail(p, "allow_from: list too long");
	s = buf;
	while ((item = strsep(&s, ",")) != NULL) {
		item += strspn(item, " \t");
		item[strcspn(item, " \t")] = '\0';
		if (*item == '\0')
			return fail(p, "allow_from: empty network");
		if (c->nallow >= PVGATE_MAX_ALLOW)
			return fail(p, "allow_from: too many networks (at "
			    "most %d in all)", PVGATE_MAX_ALLOW);
		if (pv_cidr_parse(item, &c->allow[c->nallow], err,
		    sizeof(err)) == -1)
			return fail(p, "allow_from %s", err);
		c->allow[c->nallow++].proto = proto;
	}
	if (strlcat(text, *text ? ", " : "", len) >= len ||
	    strlcat(text, value, len) >= len)
		return fail(p, "allow_from: list too long");
	return 1;
}

/* a zone of the time zone database, e.g. Europe/Berlin */
static int
settimezone(struct parse *p, const char *value)
{
	char	path[PATH_MAX];
	size_t	len = strlen(value);

	if (len == 0 || value[0] == '/' || strstr(value, "..") != NULL ||
	    strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789/_+-") != len)
		return fail(p, "timezone %s: not a zone name like "
		    "Europe/Berlin", value);
	if (strlcpy(p->conf->timezone, value, sizeof(p->conf->timezone)) >=
	    sizeof(p->conf->timezone))
		return fail(p, "timezone %s: too long", value);
	(void)snprintf(path, sizeof(path), "%s/%s", ZONEINFO, value);
	if (p->resolve && access(path, R_OK) == -1)
		return fail(p, "timezone %s: %s: %s", value, path,
		    strerror(errno));
	return 1;
}

static int
gateway_key(struct parse *p, const char *name, const char *value)
{
	struct pv_gateconf	*g = &p->conf->c.gate;

	if (strcmp(name, "user") == 0) {
		if (strlcpy(g->user, value, sizeof(g->user)) >=
		    sizeof(g->user))
			return fail(p, "user name too long");
		return 1;
	}
	if (strcmp(name, "chroot") == 0)
		return setpath(p, name, value, g->chroot, sizeof(g->chroot));
	if (strcmp(name, "state_dir") == 0)
		return setpath(p, name, value, g->state_dir,
		    sizeof(g->state_dir));
	if (strcmp(name, "idle_timeout") == 0)
		return setnum(p, name, value, 1, 86400, &g->idle_timeout);
	if (strcmp(name, "max_connections") == 0)
		return setnum(p, name, value, 1, 1000000,
		    &g->max_connections);
	if (strcmp(name, "max_per_address") == 0)
		return setnum(p, name, value, 1, 1000000,
		    &g->max_per_address);
	if (strcmp(name, "max_frame") == 0)
		return setnum(p, name, value, 64,
		    PVGATE_IMSG_PAYLOAD - sizeof(struct pv_frame),
		    &g->max_frame);
	if (strcmp(name, "timezone") == 0)
		return settimezone(p, value);
	if (strcmp(name, "accept") == 0)
		return setbool(p, name, value, "known", "any",
		    &g->accept_known);
	if (strcmp(name, "allow_from") == 0)
		return setallow(p, PROTO_NONE, value);
	if (strcmp(name, "resolver") == 0)
		return setresolver(p, value);
	return fail(p, "unknown key %s in [gateway]", name);
}

static int
export_key(struct parse *p, const char *name, const char *value)
{
	struct parentconf	*conf = p->conf;
	struct pv_gateconf	*g = &conf->c.gate;
	char			 err[256];

	if (strcmp(name, "stdout") == 0)
		return setbool(p, name, value, "json", "off", &g->out_stdout);
	if (strcmp(name, "syslog") == 0)
		return setbool(p, name, value, "on", "off", &g->out_syslog);
	if (strcmp(name, "dump") == 0)
		return setbool(p, name, value, "on", "off", &g->out_dump);
	if (strcmp(name, "dump_pubkey") == 0) {
		if (!setpath(p, name, value, conf->dump_pubkey,
		    sizeof(conf->dump_pubkey)))
			return 0;
		if (keyfile_read(value, conf->c.pubkey,
		    sizeof(conf->c.pubkey), 0, err, sizeof(err)) == -1)
			return fail(p, "dump_pubkey: %s", err);
		conf->c.havepubkey = 1;
		g->dump_sealed = 1;
		return 1;
	}
	return fail(p, "unknown key %s in [export]", name);
}

static int
proto_key(struct parse *p, const struct proto *pr, const char *name,
    const char *value)
{
	struct pv_protoconf	*pc = &p->conf->c.proto[pr->id];

	if (pr->id == PROTO_E3DC_RSCP)
		return e3dc_key(p, name, value);
	if (strcmp(name, "listen") == 0)
		return setlisten(p, pr->id, value);
	if (strcmp(name, "allow_from") == 0)
		return setallow(p, pr->id, value);
	if (pr->id == PROTO_SOLARMAN_V5 &&
	    strcmp(name, "heartbeat_interval") == 0)
		return setnum(p, name, value, 1, 3600,
		    &pc->heartbeat_interval);
	if (pr->id == PROTO_CAPTURE && strcmp(name, "limit") == 0)
		return setnum(p, name, value, 1, 1024 * 1024 * 1024,
		    &pc->capture_limit);
	if (cloud_byid(pr->id) != NULL && strncmp(name, "cloud", 5) == 0)
		return cloud_key(p, pr, name, value);
	return fail(p, "unknown key %s in [%s]", name, pr->name);
}

static struct pv_deviceconf *
device_get(struct parse *p, const char *name)
{
	struct pvconf		*c = &p->conf->c;
	struct pv_deviceconf	*dc;
	size_t			 len = strlen(name);
	int			 i;

	for (i = 0; i < c->ndevices; i++)
		if (strcmp(c->devices[i].name, name) == 0)
			return &c->devices[i];
	if (len == 0 || len >= sizeof(dc->name) || strspn(name,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") != len) {
		fail(p, "[device %s]: a device name is its serial: letters, "
		    "digits, '.', '_', '-', at most %zu", name,
		    sizeof(dc->name) - 1);
		return NULL;
	}
	if (c->ndevices >= PVGATE_MAX_DEVICES) {
		fail(p, "too many [device] sections (at most %d)",
		    PVGATE_MAX_DEVICES);
		return NULL;
	}
	dc = &c->devices[c->ndevices++];
	memset(dc, 0, sizeof(*dc));
	strlcpy(dc->name, name, sizeof(dc->name));
	return dc;
}

/*
 * HOST:PORT or [HOST]:PORT of key, split in buf (len bytes): *host and
 * *port point into it.
 */
static int
hostport(struct parse *p, const char *key, const char *value, char *buf,
    size_t len, char **host, char **port)
{
	const char	*errstr;

	if (strlcpy(buf, value, len) >= len)
		return fail(p, "%s %s: too long", key, value);
	if (buf[0] == '[') {
		*host = buf + 1;
		if ((*port = strchr(*host, ']')) == NULL || (*port)[1] != ':')
			return fail(p, "%s %s: want [ADDR]:PORT", key, value);
		**port = '\0';
		*port += 2;
	} else {
		if ((*port = strrchr(buf, ':')) == NULL)
			return fail(p, "%s %s: want HOST:PORT", key, value);
		*(*port)++ = '\0';
		*host = buf;
	}
	if (**host == '\0')
		return fail(p, "%s %s: no host", key, value);
	(void)strtonum(*port, 1, 65535, &errstr);
	if (errstr != NULL)
		return fail(p, "%s %s: port %s", key, value, errstr);
	return 1;
}

/* HOST:PORT or [HOST]:PORT; the name is looked up here, once */
static int
setclient(struct parse *p, struct pv_deviceconf *dc, char *text,
    const char *value)
{
	struct addrinfo	 hints, *res;
	char		 buf[256], *host, *port;
	int		 error;

	if (!hostport(p, "client", value, buf, sizeof(buf), &host, &port))
		return 0;
	strlcpy(text, value, sizeof(p->conf->client_text[0]));
	/* a reload keeps the addresses looked up at start */
	if (!p->resolve)
		return 1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((error = getaddrinfo(host, port, &hints, &res)) != 0)
		return fail(p, "client %s: %s", value, gai_strerror(error));
	pv_addr_set(&dc->client, res->ai_addr);
	freeaddrinfo(res);
	return 1;
}

/*
 * The cloud relay: cloud = HOST:PORT (looked up once at start, by
 * config_resolve), cloud_allow = KIND, ... and cloud_timeout = MS.
 */
static int
setcloud(struct parse *p, const struct proto *pr, const char *value)
{
	char	buf[256], *host, *port;
	size_t	n = strlen(value);

	/* without a port: the one the device came to, [v6] in brackets */
	if (n == 0 || (value[0] == '[' ? value[n - 1] != ']' :
	    strchr(value, ':') != NULL)) {
		if (!hostport(p, "cloud", value, buf, sizeof(buf), &host,
		    &port))
			return 0;
	} else if (n >= sizeof(p->conf->cloud_text[0]) || n <= 2)
		return fail(p, "cloud %s: want HOST[:PORT]", value);
	strlcpy(p->conf->cloud_text[pr->id], value,
	    sizeof(p->conf->cloud_text[0]));
	return 1;
}

static int
setcloudallow(struct parse *p, const struct proto *pr, const char *value)
{
	const struct cloud_proto	*cp = cloud_byid(pr->id);
	char				 buf[256], *s, *item, names[160];
	uint32_t			*allow = &p->conf->c.proto[pr->id].
					    cloud_allow;
	int				 k;

	if (strlcpy(buf, value, sizeof(buf)) >= sizeof(buf))
		return fail(p, "cloud_allow: list too long");
	*allow = 0;
	if (buf[strspn(buf, " \t")] == '\0')
		return 1;	/* "cloud_allow =": nothing */
	s = buf;
	while ((item = strsep(&s, ",")) != NULL) {
		item += strspn(item, " \t");
		item[strcspn(item, " \t")] = '\0';
		k = cloud_kind_byname(item);
		if (k < 0 || (cp->allowable & CK_BIT(k)) == 0) {
			cloud_names(cp->allowable, names, sizeof(names));
			return fail(p, "cloud_allow %s: not a kind of cloud "
			    "frame %s may let through (%s)", item, pr->name,
			    names);
		}
		*allow |= CK_BIT(k);
	}
	return 1;
}

static int
cloud_key(struct parse *p, const struct proto *pr, const char *name,
    const char *value)
{
	struct pv_protoconf	*pc = &p->conf->c.proto[pr->id];

	if (strcmp(name, "cloud") == 0)
		return setcloud(p, pr, value);
	if (strcmp(name, "cloud_allow") == 0)
		return setcloudallow(p, pr, value);
	if (strcmp(name, "cloud_timeout") == 0)
		return setnum(p, name, value, 100, 60000, &pc->cloud_timeout);
	return fail(p, "unknown key %s in [%s]", name, pr->name);
}

/* ADDR, ADDR:PORT or [ADDR]:PORT, numeric; port 53 if none */
static int
setresolver(struct parse *p, const char *value)
{
	struct parentconf	*conf = p->conf;
	struct addrinfo		 hints, *res;
	char			 buf[64], *host = buf, *port = "53";
	const char		*colon = strchr(value, ':');
	int			 error;

	/* [ADDR]:PORT; or one colon: IPv4 and a port; else an address */
	if (value[0] == '[' || (colon != NULL && colon == strrchr(value,
	    ':'))) {
		if (!hostport(p, "resolver", value, buf, sizeof(buf), &host,
		    &port))
			return 0;
	} else if (strlcpy(buf, value, sizeof(buf)) >= sizeof(buf))
		return fail(p, "resolver %s: too long", value);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((error = getaddrinfo(host, port, &hints, &res)) != 0)
		return fail(p, "resolver %s: not an IP address (%s)", value,
		    gai_strerror(error));
	pv_addr_set(&conf->resolver, res->ai_addr);
	freeaddrinfo(res);
	strlcpy(conf->resolver_text, value, sizeof(conf->resolver_text));
	return 1;
}

/*
 * hoymiles: a DTU hangs when polled too often; so does an APsystems
 * ECU's local server (whichever key is last)
 */
static int
device_interval(struct parse *p, const struct pv_deviceconf *dc)
{
	if (dc->proto == PROTO_HOYMILES && dc->interval > 0 &&
	    dc->interval < 30)
		return fail(p, "interval %u: a Hoymiles DTU needs 30 s or "
		    "more between polls", dc->interval);
	if (dc->proto == PROTO_APSYSTEMS_ECU && dc->interval > 0 &&
	    dc->interval < APS_INTERVAL)
		return fail(p, "interval %u: an APsystems ECU's local server "
		    "needs %d s or more between polls", dc->interval,
		    APS_INTERVAL);
	return 1;
}

/* a dialled ECU is asked by its id: the section's name */
static int
device_ecu(struct parse *p, const struct pv_deviceconf *dc)
{
	if (dc->proto != PROTO_APSYSTEMS_ECU ||
	    p->conf->client_text[dc - p->conf->c.devices][0] == '\0')
		return 1;
	if (strlen(dc->name) != APS_IDLEN ||
	    strspn(dc->name, "0123456789") != APS_IDLEN)
		return fail(p, "[device %s]: a dialled APsystems ECU is "
		    "named by its %d-digit ECU id", dc->name, APS_IDLEN);
	return 1;
}

static int
device_key(struct parse *p, const char *dev, const char *name,
    const char *value)
{
	struct pv_deviceconf	*dc;
	const struct proto	*pr;
	char			*end;
	unsigned long		 ul;

	if ((dc = device_get(p, dev)) == NULL)
		return 0;
	if (strcmp(name, "protocol") == 0) {
		if ((pr = proto_byname(value)) == NULL)
			return fail(p, "protocol %s: unknown", value);
		dc->proto = pr->id;
		return device_interval(p, dc) && device_ecu(p, dc);
	}
	if (strcmp(name, "client") == 0)
		return setclient(p, dc, p->conf->client_text[dc -
		    p->conf->c.devices], value) && device_ecu(p, dc);
	if (strcmp(name, "logger") == 0)
		return setnum(p, name, value, 1, UINT32_MAX, &dc->logger);
	if (strcmp(name, "interval") == 0)
		return setnum(p, name, value, 0, 86400, &dc->interval) &&
		    device_interval(p, dc);
	if (strcmp(name, "timeout") == 0)
		return setnum(p, name, value, 100, 600000, &dc->timeout);
	if (strcmp(name, "sensor") == 0) {
		errno = 0;
		ul = strtoul(value, &end, 16);
		if (strncmp(value, "0x", 2) != 0 || end == value + 2 ||
		    *end != '\0' || errno != 0 || ul > 0xffff)
			return fail(p, "sensor %s: want a sensor list like "
			    "0x02b0", value);
		dc->sensor = ul;
		return 1;
	}
	return fail(p, "unknown key %s in [device %s]", name, dev);
}

/*
 * [e3dc-rscp]: the E3/DC is dialled as the device "e3dc-rscp" (the
 * gateway learns its serial when it is connected); the secrets file is
 * read at start only, as root, and must be root's alone.
 */
static struct pv_deviceconf *
e3dc_device(struct parse *p)
{
	struct pv_deviceconf	*dc;

	if ((dc = device_get(p, E3DC_DEVICE)) == NULL)
		return NULL;
	if (dc->proto == PROTO_NONE) {
		dc->proto = PROTO_E3DC_RSCP;
		dc->interval = E3DC_INTERVAL;
	}
	return dc;
}

static int
e3dc_key(struct parse *p, const char *name, const char *value)
{
	struct pv_deviceconf	*dc;
	char			 hostport[256], err[256];
	size_t			 n;

	if (strcmp(name, "secrets") == 0) {
		if (!setpath(p, name, value, p->conf->secrets_file,
		    sizeof(p->conf->secrets_file)))
			return 0;
		/* a reload (not root any more) keeps what start read */
		if (!p->resolve)
			return 1;
		if (secrets_read(value, &p->conf->c.secret[PROTO_E3DC_RSCP],
		    err, sizeof(err)) == -1)
			return fail(p, "secrets %s", err);
		p->conf->c.secret[PROTO_E3DC_RSCP].proto = PROTO_E3DC_RSCP;
		return 1;
	}
	if ((dc = e3dc_device(p)) == NULL)
		return 0;
	if (strcmp(name, "connect") == 0) {
		/* the port may be left out: 5033 */
		if ((n = strlen(value)) == 0)
			return fail(p, "connect: no address");
		if ((value[0] == '[' && value[n - 1] == ']') ||
		    (value[0] != '[' && strchr(value, ':') == NULL))
			(void)snprintf(hostport, sizeof(hostport), "%s:%u",
			    value, E3DC_PORT);
		else
			(void)snprintf(hostport, sizeof(hostport), "%s",
			    value);
		return setclient(p, dc, p->conf->client_text[dc -
		    p->conf->c.devices], hostport);
	}
	if (strcmp(name, "interval") == 0)
		return setnum(p, name, value, 1, 86400, &dc->interval);
	if (strcmp(name, "listen") == 0)
		return fail(p, "listen: e3dc-rscp is dialled: connect = "
		    "HOST[:PORT]");
	return fail(p, "unknown key %s in [e3dc-rscp]", name);
}

/* a protocol is on once its section is there, with keys or without */
static void
proto_on(struct parse *p, const struct proto *pr)
{
	struct pv_protoconf	*pc = &p->conf->c.proto[pr->id];

	if (pc->proto != PROTO_NONE)
		return;
	pc->proto = pr->id;
	pc->heartbeat_interval = 60;
	pc->capture_limit = 1024 * 1024;
	if (cloud_byid(pr->id) != NULL)
		pc->cloud_timeout = cloud_byid(pr->id)->deadline;
}

/*
 * inih's line reader.  inih tells the handler about keys only, so a
 * protocol section without keys (it takes the defaults) is seen here.
 */
static char *
reader(char *str, int num, void *arg)
{
	struct parse		*p = arg;
	const struct proto	*pr;
	char			 name[64], *s, *e;

	if (fgets(str, num, p->fp) == NULL)
		return NULL;
	p->lineno++;
	s = str + strspn(str, " \t");
	if (*s == '[' && (e = strchr(s + 1, ']')) != NULL &&
	    (size_t)(e - s - 1) < sizeof(name)) {
		memcpy(name, s + 1, e - s - 1);
		name[e - s - 1] = '\0';
		if ((pr = proto_byname(name)) != NULL)
			proto_on(p, pr);
		/* [device SERIAL] alone names a device (accept = known) */
		if (strncmp(name, "device ", 7) == 0 && !p->failed &&
		    device_get(p, name + 7) == NULL)
			p->failline = p->lineno;
	}
	return str;
}

static int
handler(void *arg, const char *section, const char *name, const char *value)
{
	struct parse		*p = arg;
	const struct proto	*pr;

	if (p->failed)
		return 1;	/* report the first error only */
	if (strcmp(section, "gateway") == 0)
		return gateway_key(p, name, value);
	if (strcmp(section, "export") == 0)
		return export_key(p, name, value);
	if ((pr = proto_byname(section)) != NULL) {
		proto_on(p, pr);
		return proto_key(p, pr, name, value);
	}
	if (strcmp(section, "mqtt") == 0)
		return mqtt_key(p, name, value);
	if (strncmp(section, "device ", 7) == 0)
		return device_key(p, section + 7, name, value);
	return fail(p, "unknown section [%s]", section);
}

/* is any device dialled (with that protocol, or any: 0)? */
static int
dialled(const struct parentconf *conf, int proto)
{
	int	i;

	for (i = 0; i < conf->c.ndevices; i++)
		if (conf->client_text[i][0] != '\0' && (proto == 0 ||
		    conf->c.devices[i].proto == proto))
			return 1;
	return 0;
}

int
config_dialled(const struct parentconf *conf)
{
	return dialled(conf, 0);
}

static int
config_check(const char *file, struct parentconf *conf, char *err,
    size_t errlen)
{
	const struct pv_deviceconf	*dc;
	int				 i;

	for (i = 0; i < conf->c.ndevices; i++) {
		dc = &conf->c.devices[i];
		if (conf->client_text[i][0] != '\0' && dc->proto == 0) {
			snprintf(err, errlen, "%s: [device %s]: client needs "
			    "a protocol", file, dc->name);
			return -1;
		}
		if (conf->client_text[i][0] != '\0' &&
		    dc->proto == PROTO_HOYMILES && dc->interval == 0) {
			snprintf(err, errlen, "%s: [device %s]: a dialled "
			    "Hoymiles DTU needs an interval", file, dc->name);
			return -1;
		}
		if (conf->client_text[i][0] != '\0' &&
		    dc->proto == PROTO_APSYSTEMS_ECU && dc->interval == 0) {
			snprintf(err, errlen, "%s: [device %s]: a dialled "
			    "APsystems ECU needs an interval (%d s or more)",
			    file, dc->name, APS_INTERVAL);
			return -1;
		}
		/* solarman-v5: a logger ignores frames without its serial */
		if (conf->client_text[i][0] != '\0' &&
		    dc->proto == PROTO_SOLARMAN_V5 && dc->logger == 0) {
			snprintf(err, errlen, "%s: [device %s]: a solarman-v5 "
			    "client needs the logger's serial (logger)", file,
			    dc->name);
			return -1;
		}
		if (dc->proto != 0 &&
		    conf->c.proto[dc->proto].proto == PROTO_NONE) {
			snprintf(err, errlen, "%s: [device %s]: protocol %s "
			    "is off (no [%s] section)", file, dc->name,
			    proto_byid(dc->proto)->name,
			    proto_byid(dc->proto)->name);
			return -1;
		}
	}
	for (i = 1; i < PROTO_MAX; i++) {
		if (conf->c.proto[i].proto == PROTO_NONE)
			continue;
		if (cloud_check(conf, i, file, err, errlen) == -1)
			return -1;
		if (conf->listen_text[i][0] == '\0' && !dialled(conf, i)) {
			snprintf(err, errlen, "%s: [%s] has no listen "
			    "address and no device is dialled with it", file,
			    proto_byid(i)->name);
			return -1;
		}
	}
	if (conf->c.gate.accept_known && conf->c.ndevices == 0) {
		snprintf(err, errlen, "%s: accept = known, but no [device] "
		    "section names a device: every device would be refused",
		    file);
		return -1;
	}
	if (conf->nports == 0 && !dialled(conf, 0)) {
		snprintf(err, errlen, "%s: no protocol section with a listen "
		    "address and no device to dial: nothing to do", file);
		return -1;
	}
	return 0;
}

/*
 * Parse file into conf.  With resolve, host names are looked up and
 * files checked (at start, as root); a reload in the sandbox does not.
 */
int
config_parse(const char *file, struct parentconf *conf, int resolve,
    char *err, size_t errlen)
{
	struct parse	 p;
	int		 line;

	memset(conf, 0, sizeof(*conf));
	config_defaults(&conf->c);
	memset(&p, 0, sizeof(p));
	p.conf = conf;
	p.file = file;
	p.resolve = resolve;
	p.err = err;
	p.errlen = errlen;

	if ((p.fp = fopen(file, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	line = ini_parse_stream(reader, &p, handler, &p);
	fclose(p.fp);
	if (line == -2) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -1;
	}
	if (line == 0 && p.failline > 0)
		line = p.failline;
	if (line > 0) {
		char	msg[512];

		if (p.failed)
			strlcpy(msg, err, sizeof(msg));
		else
			strlcpy(msg, "syntax error", sizeof(msg));
		snprintf(err, errlen, "%s:%d: %s", file, line, msg);
		return -1;
	}
	if (conf->c.proto[PROTO_E3DC_RSCP].proto != PROTO_NONE &&
	    (conf->secrets_file[0] == '\0' ||
	    !dialled(conf, PROTO_E3DC_RSCP))) {
		snprintf(err, errlen, "%s: [e3dc-rscp] needs connect = "
		    "HOST[:PORT] and secrets = FILE", file);
		return -1;
	}
	if (config_check(file, conf, err, errlen) == -1)
		return -1;
	return mqtt_check(conf, file, err, errlen);
}

static void
device_print(FILE *fp, const struct parentconf *conf, int i)
{
	const struct pv_deviceconf	*dc = &conf->c.devices[i];

	fprintf(fp, "\n[device %s]\n", dc->name);
	if (dc->proto != 0)
		fprintf(fp, "protocol = %s\n", proto_byid(dc->proto)->name);
	if (conf->client_text[i][0] != '\0')
		fprintf(fp, "client = %s\n", conf->client_text[i]);
	if (dc->logger != 0)
		fprintf(fp, "logger = %u\n", dc->logger);
	if (dc->interval != 0)
		fprintf(fp, "interval = %u\n", dc->interval);
	if (dc->timeout != 0)
		fprintf(fp, "timeout = %u\n", dc->timeout);
	if (dc->sensor != 0)
		fprintf(fp, "sensor = 0x%04x\n", dc->sensor);
}

/* the effective configuration, in a form that parses again */
void
config_print(FILE *fp, const struct parentconf *conf)
{
	const struct pv_gateconf	*g = &conf->c.gate;
	const struct pv_protoconf	*pc;
	int				 i;

	fprintf(fp, "[gateway]\n");
	fprintf(fp, "user = %s\nchroot = %s\nstate_dir = %s\n", g->user,
	    g->chroot, g->state_dir);
	fprintf(fp, "idle_timeout = %u\nmax_connections = %u\n"
	    "max_per_address = %u\nmax_frame = %u\n", g->idle_timeout,
	    g->max_connections, g->max_per_address, g->max_frame);
	if (conf->timezone[0] != '\0')
		fprintf(fp, "timezone = %s\n", conf->timezone);
	fprintf(fp, "accept = %s\n", g->accept_known ? "known" : "any");
	if (conf->allow_text[PROTO_NONE][0] != '\0')
		fprintf(fp, "allow_from = %s\n",
		    conf->allow_text[PROTO_NONE]);
	if (conf->resolver_text[0] != '\0')
		fprintf(fp, "resolver = %s\n", conf->resolver_text);
	fprintf(fp, "\n[export]\n");
	fprintf(fp, "stdout = %s\nsyslog = %s\ndump = %s\n",
	    g->out_stdout ? "json" : "off", g->out_syslog ? "on" : "off",
	    g->out_dump ? "on" : "off");
	if (conf->dump_pubkey[0] != '\0')
		fprintf(fp, "dump_pubkey = %s\n", conf->dump_pubkey);
	for (i = 1; i < PROTO_MAX; i++) {
		pc = &conf->c.proto[i];
		if (pc->proto == PROTO_NONE)
			continue;
		fprintf(fp, "\n[%s]\n", proto_byid(i)->name);
		if (conf->listen_text[i][0] != '\0')
			fprintf(fp, "listen = %s\n", conf->listen_text[i]);
		if (conf->allow_text[i][0] != '\0')
			fprintf(fp, "allow_from = %s\n", conf->allow_text[i]);
		if (i == PROTO_SOLARMAN_V5)
			fprintf(fp, "heartbeat_interval = %u\n",
			    pc->heartbeat_interval);
		if (i == PROTO_CAPTURE)
			fprintf(fp, "limit = %u\n", pc->capture_limit);
		cloud_print(fp, conf, i);
		/* the device it dials is printed as a [device] */
		if (i == PROTO_E3DC_RSCP)
			fprintf(fp, "secrets = %s\n", conf->secrets_file);
	}
	for (i = 0; i < conf->c.ndevices; i++)
		device_print(fp, conf, i);
	mqtt_print(fp, conf);
}

/*
 * [mqtt]: the broker, its credentials, the topics and the spool.  The
 * password and CA files are read here, by pvgated; the exporter only
 * gets their contents.
 */

/* "16M": bytes, with an optional K, M or G (powers of 1024) */
static int
setsize(struct parse *p, const char *name, const char *value,
    long long min, long long max, uint64_t *out)
{
	char		 num[32];
	const char	*errstr;
	long long	 n, mult = 1;
	size_t		 len;

	len = strlen(value);
	if (len == 0 || len >= sizeof(num))
		return fail(p, "%s %s: not a size", name, value);
	memcpy(num, value, len + 1);
	switch (num[len - 1]) {
	case 'k':
	case 'K':
		mult = 1024;
		break;
	case 'm':
	case 'M':
		mult = 1024 * 1024;
		break;
	case 'g':
	case 'G':
		mult = 1024 * 1024 * 1024;
		break;
	}
	if (mult != 1)
		num[len - 1] = '\0';
	n = strtonum(num, 1, max / mult, &errstr);
	if (errstr != NULL || n * mult < min)
		return fail(p, "%s %s: %s (%lldK..%lldM)", name, value,
		    errstr != NULL ? errstr : "too small", min / 1024,
		    max / (1024 * 1024));
	*out = (uint64_t)(n * mult);
	return 1;
}

/* a string of printable characters (any byte from 0x80 up, too) */
static int
settext(struct parse *p, const char *name, const char *value, char *out,
    size_t len, int spaces)
{
	const unsigned char	*c;

	if (*value == '\0')
		return fail(p, "%s is empty", name);
	for (c = (const unsigned char *)value; *c != '\0'; c++)
		if (*c < 0x20 || *c == 0x7f || (*c == ' ' && !spaces))
			return fail(p, "%s: control character or space in "
			    "\"%s\"", name, value);
	if (strlcpy(out, value, len) >= len)
		return fail(p, "%s too long (at most %zu bytes)", name,
		    len - 1);
	return 1;
}

/* an MQTT topic prefix: levels of printable ASCII without wildcards */
static int
settopic(struct parse *p, const char *name, const char *value, char *out,
    size_t len)
{
	const char	*c;

	if (!settext(p, name, value, out, len, 0))
		return 0;
	for (c = value; *c != '\0'; c++)
		if ((unsigned char)*c >= 0x7f || *c == '+' || *c == '#' ||
		    (*c == '/' && (c == value || c[1] == '/' || c[1] == '\0')))
			return fail(p, "%s \"%s\": a topic without wildcards "
			    "or empty levels", name, value);
	return 1;
}

/*
 * Read a whole file of at most max bytes into a new buffer.  A secret
 * file must not be readable by others nor writable by its group.
 */
static int
readfile(struct parse *p, const char *name, const char *path, size_t max,
    int secret, uint8_t **out, size_t *outlen)
{
	struct stat	 st;
	uint8_t		*buf;
	size_t		 n = 0;
	ssize_t		 r;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return fail(p, "%s %s: %s", name, path, strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(p, "%s %s: not a regular file", name, path);
	}
	if (secret && (st.st_mode & (S_IRWXO | S_IWGRP)) != 0) {
		close(fd);
		return fail(p, "%s %s: readable by others or writable by its "
		    "group (mode %04o)", name, path,
		    (unsigned int)(st.st_mode & 07777));
	}
	if (st.st_size > (off_t)max) {
		close(fd);
		return fail(p, "%s %s: longer than %zu bytes", name, path,
		    max);
	}
	if ((buf = calloc(1, max + 1)) == NULL)
		fatal(NULL);
	while (n <= max && (r = read(fd, buf + n, max + 1 - n)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			freezero(buf, max + 1);
			close(fd);
			return fail(p, "%s %s: %s", name, path,
			    strerror(errno));
		}
		n += r;
	}
	close(fd);
	if (n > max) {
		freezero(buf, max + 1);
		return fail(p, "%s %s: longer than %zu bytes", name, path,
		    max);
	}
	*out = buf;
	*outlen = n;
	return 1;
}

/* the password is the file's first line */
static int
mqtt_password_file(struct parse *p, const char *value)
{
	struct parentconf	*conf = p->conf;
	struct pv_mqttconf	*m = &conf->c.mqtt;
	uint8_t			*buf;
	size_t			 n, len, max = sizeof(m->password) + 1;
	int			 ok;

	if (!setpath(p, "password_file", value, conf->mqtt_password_file,
	    sizeof(conf->mqtt_password_file)))
		return 0;
	if (!readfile(p, "password_file", value, max, 1, &buf, &n))
		return 0;
	for (len = 0; len < n && buf[len] != '\n' && buf[len] != '\r' &&
	    buf[len] != '\0'; len++)
		;
	if (len < n && buf[len] == '\0')
		ok = fail(p, "password_file %s: NUL in the password", value);
	else {
		buf[len] = '\0';
		ok = settext(p, "password_file", (char *)buf, m->password,
		    sizeof(m->password), 1);
	}
	freezero(buf, max + 1);
	m->haspassword = ok;
	return ok;
}

static int
mqtt_ca_file(struct parse *p, const char *value)
{
	struct parentconf	*conf = p->conf;
	uint8_t			*buf;
	size_t			 n;

	if (!setpath(p, "ca_file", value, conf->mqtt_ca_file,
	    sizeof(conf->mqtt_ca_file)))
		return 0;
	if (!readfile(p, "ca_file", value, PV_MQTT_CAMAX, 0, &buf, &n))
		return 0;
	if (strstr((char *)buf, "-----BEGIN CERTIFICATE-----") == NULL) {
		free(buf);
		return fail(p, "ca_file %s: no PEM certificate", value);
	}
	free(conf->c.mqtt_ca);
	conf->c.mqtt_ca = buf;
	conf->c.mqtt.calen = n;
	return 1;
}

static int
mqtt_key(struct parse *p, const char *name, const char *value)
{
	struct parentconf	*conf = p->conf;
	struct pv_mqttconf	*m = &conf->c.mqtt;
	uint32_t		 n = 0;

	m->enabled = 1;
	if (strcmp(name, "host") == 0)
		return settext(p, name, value, m->host, sizeof(m->host), 0);
	if (strcmp(name, "port") == 0) {
		if (!setnum(p, name, value, 1, 65535, &n))
			return 0;
		conf->mqtt_port = n;
		return 1;
	}
	if (strcmp(name, "user") == 0)
		return settext(p, name, value, m->user, sizeof(m->user), 1);
	if (strcmp(name, "password") == 0 || strcmp(name, "password_file") ==
	    0) {
		if (m->haspassword)
			return fail(p, "password given twice");
		if (strcmp(name, "password_file") == 0)
			return mqtt_password_file(p, value);
		m->haspassword = 1;
		return settext(p, name, value, m->password,
		    sizeof(m->password), 1);
	}
	if (strcmp(name, "client_id") == 0)
		return settext(p, name, value, m->client_id,
		    sizeof(m->client_id), 0);
	if (strcmp(name, "tls") == 0)
		return setbool(p, name, value, "on", "off", &m->tls);
	if (strcmp(name, "ca_file") == 0)
		return mqtt_ca_file(p, value);
	if (strcmp(name, "topic_prefix") == 0)
		return settopic(p, name, value, m->topic_prefix,
		    sizeof(m->topic_prefix));
	if (strcmp(name, "discovery_prefix") == 0)
		return settopic(p, name, value, m->discovery_prefix,
		    sizeof(m->discovery_prefix));
	if (strcmp(name, "discovery") == 0)
		return setbool(p, name, value, "on", "off", &m->discovery);
	if (strcmp(name, "retain") == 0)
		return setbool(p, name, value, "on", "off", &m->retain);
	if (strcmp(name, "keepalive") == 0)
		return setnum(p, name, value, 5, 3600, &m->keepalive);
	if (strcmp(name, "spool_size") == 0)
		return setsize(p, name, value, 64 * 1024,
		    1024LL * 1024 * 1024, &m->spool_size);
	return fail(p, "unknown key %s in [mqtt]", name);
}

/* what needs the whole section */
static int
mqtt_check(struct parentconf *conf, const char *file, char *err,
    size_t errlen)
{
	struct pv_mqttconf	*m = &conf->c.mqtt;

	if (!m->enabled)
		return 0;
	if (m->host[0] == '\0') {
		snprintf(err, errlen, "%s: [mqtt] has no host", file);
		return -1;
	}
	if (m->tls && conf->mqtt_ca_file[0] == '\0') {
		snprintf(err, errlen, "%s: [mqtt] tls = on needs ca_file",
		    file);
		return -1;
	}
	if (!m->tls && conf->mqtt_ca_file[0] != '\0') {
		snprintf(err, errlen, "%s: [mqtt] ca_file needs tls = on",
		    file);
		return -1;
	}
	if (conf->mqtt_port == 0)
		conf->mqtt_port = m->tls ? 8883 : 1883;
	return 0;
}

/*
 * The broker's address, looked up once at startup: the exporter
 * connects by address, and after startup pvgated may not look up names.
 */
int
config_resolve(struct parentconf *conf, const char *file, char *err,
    size_t errlen)
{
	struct pv_mqttconf	*m = &conf->c.mqtt;
	struct addrinfo		 hints, *res;
	char			 port[8];
	int			 error;

	if (cloud_resolve(conf, file, err, errlen) == -1)
		return -1;
	if (!m->enabled)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", conf->mqtt_port);
	if ((error = getaddrinfo(m->host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: [mqtt] host %s: %s", file, m->host,
		    gai_strerror(error));
		return -1;
	}
	pv_addr_set(&m->broker, res->ai_addr);
	freeaddrinfo(res);
	return 0;
}

/* a change that waits for a restart, to the list told on a reload */
void
config_later(char *later, size_t len, const char *what)
{
	if (later[0] != '\0')
		strlcat(later, ", ", len);
	strlcat(later, what, len);
}

/*
 * On SIGHUP pvgated cannot look up names, and the exporter's sandbox
 * was made with or without the network: keep what only a restart can
 * change.
 */
void
config_reload_mqtt(const struct parentconf *old, struct parentconf *new,
    char *later, size_t len)
{
	struct pv_mqttconf	*m = &new->c.mqtt;
	const struct pv_mqttconf *o = &old->c.mqtt;

	if (m->enabled != o->enabled) {
		config_later(later, len, "[mqtt] added or removed");
		free(new->c.mqtt_ca);
		new->c.mqtt_ca = NULL;
		memset(m, 0, sizeof(*m));
		if (!o->enabled)
			return;
		*m = *o;
		if (o->calen > 0) {
			if ((new->c.mqtt_ca = malloc(o->calen)) == NULL)
				fatal(NULL);
			memcpy(new->c.mqtt_ca, old->c.mqtt_ca, o->calen);
		}
		return;
	}
	if (!m->enabled)
		return;
	if (strcmp(m->host, o->host) != 0) {
		config_later(later, len, "the [mqtt] host");
		strlcpy(m->host, o->host, sizeof(m->host));
	}
	m->broker = o->broker;
	m->broker.port = new->mqtt_port;
}

void
config_free(struct parentconf *conf)
{
	config_clear(&conf->c);
	free(conf);
}

/* the password itself is never printed */
static void
mqtt_print(FILE *fp, const struct parentconf *conf)
{
	const struct pv_mqttconf	*m = &conf->c.mqtt;
	uint64_t			 size = m->spool_size;
	const char			*unit = "";

	if (!m->enabled)
		return;
	fprintf(fp, "\n[mqtt]\nhost = %s\nport = %u\n", m->host,
	    conf->mqtt_port);
	if (m->user[0] != '\0')
		fprintf(fp, "user = %s\n", m->user);
	if (conf->mqtt_password_file[0] != '\0')
		fprintf(fp, "password_file = %s\n", conf->mqtt_password_file);
	else if (m->haspassword)
		fprintf(fp, "; password = (set, not shown)\n");
	fprintf(fp, "client_id = %s\ntls = %s\n", m->client_id,
	    m->tls ? "on" : "off");
	if (conf->mqtt_ca_file[0] != '\0')
		fprintf(fp, "ca_file = %s\n", conf->mqtt_ca_file);
	if (size % (1024 * 1024 * 1024) == 0) {
		size /= 1024 * 1024 * 1024;
		unit = "G";
	} else if (size % (1024 * 1024) == 0) {
		size /= 1024 * 1024;
		unit = "M";
	} else if (size % 1024 == 0) {
		size /= 1024;
		unit = "K";
	}
	fprintf(fp, "topic_prefix = %s\ndiscovery_prefix = %s\n"
	    "discovery = %s\nretain = %s\nkeepalive = %u\n"
	    "spool_size = %llu%s\n", m->topic_prefix, m->discovery_prefix,
	    m->discovery ? "on" : "off", m->retain ? "on" : "off",
	    m->keepalive, (unsigned long long)size, unit);
}
