/*
 * The command firewall's registry, its kinds, and what the protocols'
 * judges share: the verdict helpers and the Modbus RTU request reader.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "alphaess.h"
#include "cloud.h"

/* a reply deadline, ms: the devices' own timeouts, with room to spare */
#define DEADLINE_FAST	3000	/* loggers and sticks: the cloud says 1 s */
#define DEADLINE_SLOW	5000	/* the ECU waits 10 s, the others longer */

static const char *const kind_names[CK_MAX] = {
	[CK_UNPARSED] =		"unparsed",
	[CK_UNKNOWN] =		"unknown",
	[CK_ACK] =		"ack",
	[CK_READ] =		"read",
	[CK_FIRMWARE] =		"firmware",
	[CK_AT_WRITE] =		"at_write",
	[CK_MODBUS_WRITE] =	"modbus_write",
	[CK_CONFIG] =		"config",
	[CK_GRID_PROFILE] =	"grid_profile",
	[CK_CONTROL] =		"control"
};

static const struct cloud_proto	cloud_protos[] = {
	{ PROTO_SOLARMAN_V5, DEADLINE_FAST, CK_BIT(CK_FIRMWARE) |
	    CK_BIT(CK_AT_WRITE) | CK_BIT(CK_MODBUS_WRITE) |
	    CK_BIT(CK_CONTROL), solarman_frame, solarman_cloud_key,
	    solarman_cloud_judge, NULL },
	{ PROTO_TSUN_GEN3, DEADLINE_FAST, CK_BIT(CK_FIRMWARE) |
	    CK_BIT(CK_MODBUS_WRITE), gen3_frame, gen3_cloud_key,
	    gen3_cloud_judge, NULL },
	{ PROTO_APSYSTEMS_ECU, DEADLINE_SLOW, CK_BIT(CK_FIRMWARE) |
	    CK_BIT(CK_CONFIG) | CK_BIT(CK_GRID_PROFILE) | CK_BIT(CK_CONTROL),
	    apsystems_cloud_frame, apsystems_cloud_key,
	    apsystems_cloud_judge, NULL },
	{ PROTO_ALPHAESS, DEADLINE_SLOW, CK_BIT(CK_FIRMWARE) |
	    CK_BIT(CK_CONFIG) | CK_BIT(CK_CONTROL), alphaess_frame,
	    alphaess_cloud_key, alphaess_cloud_judge, ae_mask_keys },
	{ PROTO_HOYMILES, DEADLINE_SLOW, CK_BIT(CK_FIRMWARE) |
	    CK_BIT(CK_CONFIG) | CK_BIT(CK_GRID_PROFILE) | CK_BIT(CK_CONTROL),
	    hoymiles_frame, hoymiles_cloud_key, hoymiles_cloud_judge, NULL }
};

#define NCLOUDS	(sizeof(cloud_protos) / sizeof(cloud_protos[0]))

/* the relay of a protocol, NULL where it has none */
const struct cloud_proto *
cloud_byid(unsigned int id)
{
	size_t	i;

	for (i = 0; i < NCLOUDS; i++)
		if (cloud_protos[i].id == id)
			return (&cloud_protos[i]);
	return (NULL);
}

const char *
cloud_kind_name(int kind)
{
	if (kind < 0 || kind >= CK_MAX)
		return ("unknown");
	return (kind_names[kind]);
}

int
cloud_kind_byname(const char *name)
{
	int	i;

	for (i = 0; i < CK_MAX; i++)
		if (strcmp(kind_names[i], name) == 0)
			return (i);
	return (-1);
}

/* does a frame of this verdict reach the device, with these allowed? */
int
cloud_passes(const struct cloud_verdict *v, uint32_t allow)
{
	switch (v->kind) {
	case CK_ACK:
	case CK_READ:
		return (1);
	case CK_UNPARSED:
	case CK_UNKNOWN:
		return (0);
	default:
		return (v->kind > 0 && v->kind < CK_MAX &&
		    (allow & CK_BIT(v->kind)) != 0);
	}
}

static void
cloud_vwhat(struct cloud_verdict *v, const char *fmt, va_list ap)
{
	if (vsnprintf(v->what, sizeof(v->what), fmt, ap) < 0)
		v->what[0] = '\0';
}

/* a frame the cloud starts with */
void
cloud_set(struct cloud_verdict *v, int kind, const char *fmt, ...)
{
	va_list	ap;

	v->kind = kind;
	v->reply = 0;
	v->key = 0;
	va_start(ap, fmt);
	cloud_vwhat(v, fmt, ap);
	va_end(ap);
}

/* a frame that answers the device's frame of this key */
void
cloud_reply(struct cloud_verdict *v, uint32_t key, int kind,
    const char *fmt, ...)
{
	va_list	ap;

	v->kind = kind;
	v->reply = 1;
	v->key = key;
	va_start(ap, fmt);
	cloud_vwhat(v, fmt, ap);
	va_end(ap);
}

#define RTU_READLEN	8	/* address, function, register, count, CRC */
#define RTU_MULTI	7	/* address .. byte count */

/*
 * A Modbus RTU request as a cloud sends it inside its own frame: its
 * CRC checked, its length exact for its function.  Returns the kind
 * (CK_READ, CK_MODBUS_WRITE, CK_UNKNOWN or CK_UNPARSED) and says what
 * it is.
 */
int
cloud_rtu(const uint8_t *p, size_t len, struct cloud_verdict *v)
{
	unsigned int	fc, reg;

	if (len < 4 || pv_crc16_modbus(p, len - 2) != pv_le16(p + len - 2)) {
		cloud_set(v, CK_UNPARSED, "Modbus request of %zu bytes with "
		    "a bad CRC", len);
		return (v->kind);
	}
	fc = p[1];
	reg = pv_be16(p + 2);
	switch (fc) {
	case 0x01:
	case 0x02:
	case 0x03:
	case 0x04:
		if (len != RTU_READLEN)
			break;
		cloud_set(v, CK_READ, "Modbus read fc %u of %u registers "
		    "from 0x%04x", fc, pv_be16(p + 4), reg);
		return (v->kind);
	case 0x05:
	case 0x06:
		if (len != RTU_READLEN)
			break;
		cloud_set(v, CK_MODBUS_WRITE, "Modbus write fc %u of 0x%04x "
		    "to register 0x%04x", fc, pv_be16(p + 4), reg);
		return (v->kind);
	case 0x0f:
	case 0x10:
		if (len < RTU_MULTI + 2 || len != RTU_MULTI + p[6] + 2U)
			break;
		cloud_set(v, CK_MODBUS_WRITE, "Modbus write fc %u of %u "
		    "registers from 0x%04x", fc, pv_be16(p + 4), reg);
		return (v->kind);
	case 0x17:
		cloud_set(v, CK_MODBUS_WRITE, "Modbus read and write fc %u",
		    fc);
		return (v->kind);
	default:
		cloud_set(v, CK_UNKNOWN, "Modbus request fc %u", fc);
		return (v->kind);
	}
	cloud_set(v, CK_UNPARSED, "Modbus fc %u request of %zu bytes", fc,
	    len);
	return (v->kind);
}
