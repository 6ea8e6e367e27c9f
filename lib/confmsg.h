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
};

struct imsgev;
struct imsg;

void	 config_defaults(struct pvconf *);
void	 config_send(struct imsgev *, const struct pvconf *,
	    const struct pv_listenconf *, int);
struct pvconf *config_receive(struct imsg *, const char *);
const struct pv_deviceconf *config_device(const struct pvconf *,
	    const char *);

#endif /* CONFMSG_H */
