/*
 * The configuration as children see it, and its transfer over imsg:
 * IMSG_RECONF_CONF, per-item messages, IMSG_RECONF_END.
 */

#ifndef CONFMSG_H
#define CONFMSG_H

#include <sodium.h>

#include "pvgate.h"
#include "proto.h"

struct pvconf {
	struct pv_gateconf	gate;
	struct pv_protoconf	proto[PROTO_MAX];	/* .proto 0: off */
	struct pv_listenconf	listen;			/* listener only */
	uint8_t			pubkey[crypto_box_PUBLICKEYBYTES];
	int			havepubkey;
	struct pv_deviceconf	devices[PVGATE_MAX_DEVICES];
	int			ndevices;
	struct pv_secret	secret[PROTO_MAX];	/* .proto 0: none */
	struct pv_cidr		allow[PVGATE_MAX_ALLOW];	/* allow_from */
	int			nallow;
	struct pv_mqttconf	mqtt;			/* exporter, parent */
	uint8_t			*mqtt_ca;		/* mqtt.calen bytes */
	size_t			mqtt_cagot;		/* received so far */
};

struct imsgev;
struct imsg;

void	 config_defaults(struct pvconf *);
void	 config_send(struct imsgev *, const struct pvconf *,
	    const struct pv_listenconf *, int);
struct pvconf *config_receive(struct imsg *, const char *);
const struct pv_deviceconf *config_device(const struct pvconf *,
	    const char *);
void	 config_clear(struct pvconf *);

#endif /* CONFMSG_H */
