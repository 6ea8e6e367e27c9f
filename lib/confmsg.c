/*
 * Configuration over imsg.  The parent sends fixed-size structs only;
 * the receiving child builds a new struct pvconf and swaps it in
 * atomically on IMSG_RECONF_END.
 */

#include "compat.h"

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
}

static void
compose(struct imsgev *iev, int type, const void *data, size_t len)
{
	if (imsg_compose_event(iev, type, 0, 0, -1, data, len) == -1)
		fatal("%s: imsg_compose type %d", __func__, type);
}

/*
 * Send conf to one child: listen only to a listener; the key only to
 * the exporter (role); every device to the decoder, the dialled ones to
 * the connector (a listener without sockets).
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
	if (role == ROLE_EXPORTER && conf->havepubkey)
		compose(iev, IMSG_RECONF_PUBKEY, conf->pubkey,
		    sizeof(conf->pubkey));
	for (i = 0; i < conf->ndevices; i++)
		if (role == ROLE_DECODER || (connector &&
		    conf->devices[i].client.family != 0))
			compose(iev, IMSG_RECONF_DEVICE, &conf->devices[i],
			    sizeof(conf->devices[i]));
	compose(iev, IMSG_RECONF_END, NULL, 0);
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
	case IMSG_RECONF_END:
		if (nconf == NULL)
			fatalx("%s: IMSG_RECONF_END without CONF", who);
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
