/*
 * Configuration over imsg.  The parent sends fixed-size structs only;
 * the receiving child builds a new struct pvconf and swaps it in
 * atomically on IMSG_RECONF_END.
 */

#include "compat.h"

#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include "confmsg.h"
#include "imsgev.h"
#include "log.h"

void
config_defaults(struct pvconf *conf)
{
	memset(conf, 0, sizeof(*conf));
	strlcpy(conf->gate.user, PVGATE_USER, sizeof(conf->gate.user));
	strlcpy(conf->gate.chroot, _PATH_PVGATE_CHROOT,
	    sizeof(conf->gate.chroot));
	strlcpy(conf->gate.state_dir, _PATH_PVGATE_STATE,
	    sizeof(conf->gate.state_dir));
	conf->gate.idle_timeout = 400;
	conf->gate.max_connections = 1024;
	conf->gate.max_per_address = 32;
	conf->gate.max_frame = 8192;
	conf->gate.out_stdout = 1;
	conf->gate.out_syslog = 0;
	conf->gate.out_dump = 1;
	strlcpy(conf->mqtt.client_id, "pvgated",
	    sizeof(conf->mqtt.client_id));
	strlcpy(conf->mqtt.topic_prefix, "pvgated",
	    sizeof(conf->mqtt.topic_prefix));
	strlcpy(conf->mqtt.discovery_prefix, "homeassistant",
	    sizeof(conf->mqtt.discovery_prefix));
	conf->mqtt.spool_size = 16 * 1024 * 1024;
	conf->mqtt.keepalive = 60;
	conf->mqtt.discovery = 1;
	conf->mqtt.retain = 1;
}

/* wipe the secrets in a configuration and free what it holds */
void
config_clear(struct pvconf *conf)
{
	if (conf->mqtt_ca != NULL)
		freezero(conf->mqtt_ca, conf->mqtt.calen);
	explicit_bzero(conf, sizeof(*conf));
}

static void
compose(struct imsgev *iev, int type, const void *data, size_t len)
{
	if (imsg_compose_event(iev, type, 0, 0, -1, data, len) == -1)
		fatal("%s: imsg_compose type %d", __func__, type);
}

/* [mqtt] and the CA file in pieces that fit a message */
static void
config_send_mqtt(struct imsgev *iev, const struct pvconf *conf)
{
	size_t	off, n;

	compose(iev, IMSG_RECONF_MQTT, &conf->mqtt, sizeof(conf->mqtt));
	for (off = 0; off < conf->mqtt.calen; off += n) {
		n = conf->mqtt.calen - off;
		if (n > PVGATE_IMSG_PAYLOAD)
			n = PVGATE_IMSG_PAYLOAD;
		compose(iev, IMSG_RECONF_MQTT_CA, conf->mqtt_ca + off, n);
	}
}

/*
 * A listener's allow_from: its protocol's list if that has one, else
 * the one of [gateway] (none: any address).
 */
static void
config_send_allow(struct imsgev *iev, const struct pvconf *conf, int proto)
{
	int	i, own = 0;

	for (i = 0; i < conf->nallow; i++)
		if (conf->allow[i].proto == proto)
			own = 1;
	for (i = 0; i < conf->nallow; i++)
		if (conf->allow[i].proto == (own ? proto : PROTO_NONE))
			compose(iev, IMSG_RECONF_ALLOW, &conf->allow[i],
			    sizeof(conf->allow[i]));
}

/*
 * Send conf to one child: listen only to a listener; the key only to
 * the exporter (role); every device to the decoder, the dialled ones to
 * the connector (a listener without sockets); the allow_from list that
 * applies to a listener to it alone.
 */
void
config_send(struct imsgev *iev, const struct pvconf *conf,
    const struct pv_listenconf *listen, int role)
{
	int	i, connector = listen != NULL && listen->nsockets == 0;

	compose(iev, IMSG_RECONF_CONF, &conf->gate, sizeof(conf->gate));
	for (i = 1; i < PROTO_MAX; i++)
		if (conf->proto[i].proto != PROTO_NONE)
			compose(iev, IMSG_RECONF_PROTO, &conf->proto[i],
			    sizeof(conf->proto[i]));
	if (listen != NULL)
		compose(iev, IMSG_RECONF_LISTEN, listen, sizeof(*listen));
	if (listen != NULL && !connector)
		config_send_allow(iev, conf, listen->proto);
	if (role == ROLE_EXPORTER && conf->havepubkey)
		compose(iev, IMSG_RECONF_PUBKEY, conf->pubkey,
		    sizeof(conf->pubkey));
	/* secrets to the decoder alone; pvgated wipes them once sent */
	for (i = 1; i < PROTO_MAX && role == ROLE_DECODER; i++)
		if (conf->secret[i].proto != PROTO_NONE)
			compose(iev, IMSG_RECONF_SECRET, &conf->secret[i],
			    sizeof(conf->secret[i]));
	for (i = 0; i < conf->ndevices; i++)
		if (role == ROLE_DECODER || (connector &&
		    conf->devices[i].client.family != 0))
			compose(iev, IMSG_RECONF_DEVICE, &conf->devices[i],
			    sizeof(conf->devices[i]));
	if (role == ROLE_EXPORTER && conf->mqtt.enabled)
		config_send_mqtt(iev, conf);
	compose(iev, IMSG_RECONF_END, NULL, 0);
}

static void
config_receive_mqtt(struct pvconf *nconf, struct imsg *imsg, const char *who)
{
	struct pv_mqttconf	*m = &nconf->mqtt;
	size_t			 len = imsg_get_len(imsg);

	if (imsg_get_type(imsg) == IMSG_RECONF_MQTT) {
		if (m->enabled || imsg_get_data(imsg, m, sizeof(*m)) == -1)
			fatalx("%s: IMSG_RECONF_MQTT wrong length or repeated: "
			    "%zu", who, len);
		m->host[sizeof(m->host) - 1] = '\0';
		m->client_id[sizeof(m->client_id) - 1] = '\0';
		m->user[sizeof(m->user) - 1] = '\0';
		m->password[sizeof(m->password) - 1] = '\0';
		m->topic_prefix[sizeof(m->topic_prefix) - 1] = '\0';
		m->discovery_prefix[sizeof(m->discovery_prefix) - 1] = '\0';
		if (!m->enabled || m->calen > PV_MQTT_CAMAX)
			fatalx("%s: IMSG_RECONF_MQTT: bad contents", who);
		if (m->calen > 0 && (nconf->mqtt_ca = malloc(m->calen)) ==
		    NULL)
			fatal(NULL);
		return;
	}
	if (!m->enabled || len == 0 || len > m->calen - nconf->mqtt_cagot)
		fatalx("%s: IMSG_RECONF_MQTT_CA unexpected: %zu bytes", who,
		    len);
	if (imsg_get_data(imsg, nconf->mqtt_ca + nconf->mqtt_cagot, len) ==
	    -1)
		fatalx("%s: IMSG_RECONF_MQTT_CA wrong length: %zu", who, len);
	nconf->mqtt_cagot += len;
}

/* a network from pvgated is what pv_cidr_parse() makes, or a bug */
static void
config_allow_check(const struct pv_cidr *c, const char *who)
{
	if (c->proto >= PROTO_MAX ||
	    (c->family == AF_INET && c->prefix > 32) ||
	    (c->family == AF_INET6 && c->prefix > 128) ||
	    (c->family != AF_INET && c->family != AF_INET6))
		fatalx("%s: IMSG_RECONF_ALLOW: bad network", who);
}

/*
 * Feed one IMSG_RECONF_* message.  Returns the new configuration on
 * IMSG_RECONF_END (the caller owns it), NULL otherwise.
 */
struct pvconf *
config_receive(struct imsg *imsg, const char *who)
{
	static struct pvconf	*nconf;
	struct pvconf		*done;
	struct pv_protoconf	 pc;
	struct pv_deviceconf	*dc;
	struct pv_secret	 sec;

	switch (imsg_get_type(imsg)) {
	case IMSG_RECONF_CONF:
		if (nconf != NULL)
			fatalx("%s: IMSG_RECONF_CONF already in progress",
			    who);
		if ((nconf = calloc(1, sizeof(*nconf))) == NULL)
			fatal(NULL);
		if (imsg_get_data(imsg, &nconf->gate,
		    sizeof(nconf->gate)) == -1)
			fatalx("%s: IMSG_RECONF_CONF wrong length: %zu", who,
			    imsg_get_len(imsg));
		nconf->gate.user[sizeof(nconf->gate.user) - 1] = '\0';
		nconf->gate.chroot[sizeof(nconf->gate.chroot) - 1] = '\0';
		nconf->gate.state_dir[sizeof(nconf->gate.state_dir) - 1] =
		    '\0';
		return NULL;
	case IMSG_RECONF_PROTO:
		if (nconf == NULL)
			fatalx("%s: IMSG_RECONF_PROTO without CONF", who);
		if (imsg_get_data(imsg, &pc, sizeof(pc)) == -1)
			fatalx("%s: IMSG_RECONF_PROTO wrong length: %zu", who,
			    imsg_get_len(imsg));
		if (pc.proto == PROTO_NONE || pc.proto >= PROTO_MAX)
			fatalx("%s: IMSG_RECONF_PROTO bad protocol %u", who,
			    pc.proto);
		nconf->proto[pc.proto] = pc;
		return NULL;
	case IMSG_RECONF_LISTEN:
		if (nconf == NULL)
			fatalx("%s: IMSG_RECONF_LISTEN without CONF", who);
		if (imsg_get_data(imsg, &nconf->listen,
		    sizeof(nconf->listen)) == -1)
			fatalx("%s: IMSG_RECONF_LISTEN wrong length: %zu",
			    who, imsg_get_len(imsg));
		return NULL;
	case IMSG_RECONF_PUBKEY:
		if (nconf == NULL)
			fatalx("%s: IMSG_RECONF_PUBKEY without CONF", who);
		if (imsg_get_data(imsg, nconf->pubkey,
		    sizeof(nconf->pubkey)) == -1)
			fatalx("%s: IMSG_RECONF_PUBKEY wrong length: %zu",
			    who, imsg_get_len(imsg));
		nconf->havepubkey = 1;
		return NULL;
	case IMSG_RECONF_DEVICE:
		if (nconf == NULL)
			fatalx("%s: IMSG_RECONF_DEVICE without CONF", who);
		if (nconf->ndevices >= PVGATE_MAX_DEVICES)
			fatalx("%s: too many devices", who);
		dc = &nconf->devices[nconf->ndevices];
		if (imsg_get_data(imsg, dc, sizeof(*dc)) == -1)
			fatalx("%s: IMSG_RECONF_DEVICE wrong length: %zu",
			    who, imsg_get_len(imsg));
		dc->name[sizeof(dc->name) - 1] = '\0';
		if (dc->proto >= PROTO_MAX)
			fatalx("%s: IMSG_RECONF_DEVICE bad protocol %u", who,
			    dc->proto);
		nconf->ndevices++;
		return NULL;
	case IMSG_RECONF_ALLOW:
		if (nconf == NULL)
			fatalx("%s: IMSG_RECONF_ALLOW without CONF", who);
		if (nconf->nallow >= PVGATE_MAX_ALLOW)
			fatalx("%s: too many allow_from networks", who);
		if (imsg_get_data(imsg, &nconf->allow[nconf->nallow],
		    sizeof(nconf->allow[0])) == -1)
			fatalx("%s: IMSG_RECONF_ALLOW wrong length: %zu", who,
			    imsg_get_len(imsg));
		config_allow_check(&nconf->allow[nconf->nallow++], who);
		return NULL;
	case IMSG_RECONF_SECRET:
		if (nconf == NULL)
			fatalx("%s: IMSG_RECONF_SECRET without CONF", who);
		if (imsg_get_data(imsg, &sec, sizeof(sec)) == -1)
			fatalx("%s: IMSG_RECONF_SECRET wrong length: %zu",
			    who, imsg_get_len(imsg));
		if (sec.proto == PROTO_NONE || sec.proto >= PROTO_MAX)
			fatalx("%s: IMSG_RECONF_SECRET bad protocol %u", who,
			    sec.proto);
		sec.key[sizeof(sec.key) - 1] = '\0';
		sec.user[sizeof(sec.user) - 1] = '\0';
		sec.password[sizeof(sec.password) - 1] = '\0';
		nconf->secret[sec.proto] = sec;
		explicit_bzero(&sec, sizeof(sec));
		return NULL;
	case IMSG_RECONF_MQTT:
	case IMSG_RECONF_MQTT_CA:
		if (nconf == NULL)
			fatalx("%s: IMSG_RECONF_MQTT without CONF", who);
		config_receive_mqtt(nconf, imsg, who);
		return NULL;
	case IMSG_RECONF_END:
		if (nconf == NULL)
			fatalx("%s: IMSG_RECONF_END without CONF", who);
		if (nconf->mqtt_cagot != nconf->mqtt.calen)
			fatalx("%s: CA file short: %zu of %u bytes", who,
			    nconf->mqtt_cagot, nconf->mqtt.calen);
		done = nconf;
		nconf = NULL;
		return done;
	default:
		fatalx("%s: %s: unexpected type %u", who, __func__,
		    imsg_get_type(imsg));
	}
}

/* the [device] section of that name, if any */
const struct pv_deviceconf *
config_device(const struct pvconf *conf, const char *name)
{
	int	i;

	for (i = 0; i < conf->ndevices; i++)
		if (strcmp(conf->devices[i].name, name) == 0)
			return &conf->devices[i];
	return NULL;
}
