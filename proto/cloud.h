/*
 * The cloud relay's command firewall.  For every protocol whose devices
 * connect to us, a framer for the byte stream its vendor's cloud sends
 * back, and a judge that says what one cloud frame is.  Like the
 * protocols, pure functions over byte buffers.
 *
 * A cloud frame reaches the device only when its kind is an answer or
 * a read, or the protocol's cloud_allow names its kind; a frame that
 * does not parse, or parses into something we do not know, never does.
 */

#ifndef CLOUD_H
#define CLOUD_H

#include <stddef.h>
#include <stdint.h>

#include "pvgate.h"
#include "proto.h"

enum cloud_kind {
	CK_UNPARSED,		/* not a frame of the protocol */
	CK_UNKNOWN,		/* a frame, but none we know */
	CK_ACK,			/* the answer to what the device sent */
	CK_READ,		/* asks the device for data */
	CK_FIRMWARE,		/* a firmware update */
	CK_AT_WRITE,		/* an AT command that sets or does something */
	CK_MODBUS_WRITE,	/* a Modbus register write */
	CK_CONFIG,		/* settings: SetConfig, configuration answers */
	CK_GRID_PROFILE,	/* the grid profile */
	CK_CONTROL,		/* on/off, reboot, power limit, other actions */
	CK_MAX
};

#define CK_BIT(k)	(1U << (k))

/* what a judge says about one cloud frame */
struct cloud_verdict {
	int		 kind;		/* enum cloud_kind */
	int		 reply;		/* it answers a frame of the device */
	uint32_t	 key;		/* which one: see cloud_proto.key */
	char		 what[PV_REASONLEN];	/* for dumps and events */
};

struct cloud_proto {
	uint16_t	 id;		/* enum pv_proto */
	unsigned int	 deadline;	/* default reply deadline, ms */
	uint32_t	 allowable;	/* the kinds cloud_allow may name */
	framer_fn	 frame;		/* the cloud's stream */
	/* a device frame: the key of the cloud's answer to it, 0: none */
	uint32_t	 (*key)(const uint8_t *, size_t);
	void		 (*judge)(const uint8_t *, size_t,
			    struct cloud_verdict *);
	/* what a dump must not show, masked in place: how much; or NULL */
	size_t		 (*mask)(uint8_t *, size_t);
};

const struct cloud_proto *cloud_byid(unsigned int);
const char	*cloud_kind_name(int);
int		 cloud_kind_byname(const char *);
int		 cloud_passes(const struct cloud_verdict *, uint32_t);
void		 cloud_set(struct cloud_verdict *, int, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
void		 cloud_reply(struct cloud_verdict *, uint32_t, int,
		    const char *, ...)
		    __attribute__((__format__ (printf, 4, 5)));
int		 cloud_rtu(const uint8_t *, size_t, struct cloud_verdict *);

/* per protocol: the cloud side of each (<protocol>_cloud.c) */
uint32_t	 solarman_cloud_key(const uint8_t *, size_t);
void		 solarman_cloud_judge(const uint8_t *, size_t,
		    struct cloud_verdict *);
uint32_t	 gen3_cloud_key(const uint8_t *, size_t);
void		 gen3_cloud_judge(const uint8_t *, size_t,
		    struct cloud_verdict *);
uint32_t	 alphaess_cloud_key(const uint8_t *, size_t);
void		 alphaess_cloud_judge(const uint8_t *, size_t,
		    struct cloud_verdict *);
int		 apsystems_cloud_frame(const uint8_t *, size_t, size_t,
		    size_t *, const char **);
uint32_t	 apsystems_cloud_key(const uint8_t *, size_t);
void		 apsystems_cloud_judge(const uint8_t *, size_t,
		    struct cloud_verdict *);
uint32_t	 hoymiles_cloud_key(const uint8_t *, size_t);
void		 hoymiles_cloud_judge(const uint8_t *, size_t,
		    struct cloud_verdict *);

#endif /* CLOUD_H */
