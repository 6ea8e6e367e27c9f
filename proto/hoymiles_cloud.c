/*
 * Hoymiles, the cloud's side (see hoymiles.c for the frame).  What the
 * data server sends a DTU: the answers to its uploads (0x2301 ..
 * 0x230E, the DTU's command with 0x0100 more and its sequence) and
 * commands: 0x2305 Command, with an action; 0x2307 DevConfigFetch, a
 * read; 0x2308 DevConfigPut, the grid profile.  The app's commands may
 * come the same way (0xA3xx): 0xA310 SetConfig, 0xA31C and 0xA31D the
 * firmware, the rest reads of data, configuration and history.
 *
 * The actions, as hoymiles-wifi lists them: 2, 15, 4102 and 4112 are
 * upgrades; 4, 41, 46, 50, 53, 54, 4099, 4100 and 8199 collect data;
 * 14 and 38 the grid profile; the settings (anti-theft, reflux, CT,
 * Wi-Fi, the server's name and port, APN, RS-485, power factor ...);
 * the rest switch, limit, reboot or reset.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "cloud.h"

#define HMC_HDRLEN	10
#define HMC_REPLY	0x0100
#define HMC_ACTION	2	/* field of the Command */
#define HMC_MAXFIELDS	256

struct hmc_code {
	uint32_t	code;
	int		kind;
};

static const struct hmc_code	hmc_cmds[] = {
	{ 0x2301, CK_ACK }, { 0x2302, CK_ACK }, { 0x2303, CK_ACK },
	{ 0x2304, CK_ACK }, { 0x2306, CK_ACK }, { 0x230a, CK_ACK },
	{ 0x230b, CK_ACK }, { 0x230c, CK_ACK }, { 0x230d, CK_ACK },
	{ 0x230e, CK_ACK },
	{ 0x2307, CK_READ }, { 0xa307, CK_READ },
	{ 0x2308, CK_GRID_PROFILE }, { 0xa308, CK_GRID_PROFILE },
	{ 0xa301, CK_READ }, { 0xa302, CK_READ }, { 0xa303, CK_READ },
	{ 0xa304, CK_READ }, { 0xa306, CK_READ }, { 0xa309, CK_READ },
	{ 0xa311, CK_READ }, { 0xa314, CK_READ }, { 0xa315, CK_READ },
	{ 0xa316, CK_READ },
	{ 0xa310, CK_CONFIG },
	{ 0xa31c, CK_FIRMWARE }, { 0xa31d, CK_FIRMWARE }
};

static const struct hmc_code	hmc_actions[] = {
	{ 2, CK_FIRMWARE }, { 15, CK_FIRMWARE }, { 4102, CK_FIRMWARE },
	{ 4112, CK_FIRMWARE },
	{ 4, CK_READ }, { 41, CK_READ }, { 46, CK_READ }, { 50, CK_READ },
	{ 53, CK_READ }, { 54, CK_READ }, { 4099, CK_READ },
	{ 4100, CK_READ }, { 8199, CK_READ },
	{ 14, CK_GRID_PROFILE }, { 38, CK_GRID_PROFILE },
	{ 5, CK_CONFIG }, { 9, CK_CONFIG }, { 11, CK_CONFIG },
	{ 19, CK_CONFIG }, { 20, CK_CONFIG }, { 21, CK_CONFIG },
	{ 22, CK_CONFIG }, { 36, CK_CONFIG }, { 37, CK_CONFIG },
	{ 39, CK_CONFIG }, { 40, CK_CONFIG }, { 43, CK_CONFIG },
	{ 47, CK_CONFIG }, { 48, CK_CONFIG }, { 49, CK_CONFIG },
	{ 1, CK_CONTROL }, { 3, CK_CONTROL }, { 6, CK_CONTROL },
	{ 7, CK_CONTROL }, { 8, CK_CONTROL }, { 10, CK_CONTROL },
	{ 12, CK_CONTROL }, { 13, CK_CONTROL }, { 16, CK_CONTROL },
	{ 17, CK_CONTROL }, { 18, CK_CONTROL }, { 33, CK_CONTROL },
	{ 42, CK_CONTROL }, { 4096, CK_CONTROL }, { 4097, CK_CONTROL },
	{ 4098, CK_CONTROL }, { 4101, CK_CONTROL }, { 8193, CK_CONTROL },
	{ 8194, CK_CONTROL }, { 8195, CK_CONTROL }, { 8196, CK_CONTROL },
	{ 8197, CK_CONTROL }, { 8198, CK_CONTROL }, { 8200, CK_CONTROL },
	{ 8208, CK_CONTROL }, { 8224, CK_CONTROL }, { 8225, CK_CONTROL }
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int	hmc_lookup(const struct hmc_code *, size_t, uint32_t);
static int	hmc_walk(const uint8_t *, size_t, uint64_t *);

static int
hmc_lookup(const struct hmc_code *t, size_t n, uint32_t code)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (t[i].code == code)
			return (t[i].kind);
	return (-1);
}

/*
 * Is the payload protobuf, every field's length within it?  The value
 * of field HMC_ACTION, if it is a number, goes to *action.
 */
static int
hmc_walk(const uint8_t *p, size_t len, uint64_t *action)
{
	size_t		off = 0;
	uint64_t	tag, v;
	int		n;

	*action = 0;
	for (n = 0; off < len; n++) {
		if (n >= HMC_MAXFIELDS || hm_varint(p, len, &off, &tag) == -1 ||
		    (tag >> 3) == 0)
			return (-1);
		switch (tag & 7) {
		case 0:
			if (hm_varint(p, len, &off, &v) == -1)
				return (-1);
			if ((tag >> 3) == HMC_ACTION)
				*action = v;
			continue;
		case 1:
			v = 8;
			break;
		case 2:
			if (hm_varint(p, len, &off, &v) == -1)
				return (-1);
			break;
		case 5:
			v = 4;
			break;
		default:
			return (-1);
		}
		if (v > len - off)
			return (-1);
		off += (size_t)v;
	}
	return (0);
}

/* the DTU's uploads (0x22xx) are answered by 0x23xx */
uint32_t
hoymiles_cloud_key(const uint8_t *buf, size_t len)
{
	uint16_t	cmd;

	if (len < HMC_HDRLEN || buf[0] != 'H' || buf[1] != 'M')
		return (0);
	cmd = pv_be16(buf + 2);
	if ((cmd >> 8) != 0x22)
		return (0);
	return (cmd + HMC_REPLY);
}

void
hoymiles_cloud_judge(const uint8_t *buf, size_t len, struct cloud_verdict *v)
{
	uint64_t	action;
	uint16_t	cmd;
	int		kind;

	if (len < HMC_HDRLEN || buf[0] != 'H' || buf[1] != 'M' ||
	    pv_be16(buf + 8) != len) {
		cloud_set(v, CK_UNPARSED, "malformed frame of %zu bytes",
		    len);
		return;
	}
	cmd = pv_be16(buf + 2);
	if (pv_crc16_modbus(buf + HMC_HDRLEN, len - HMC_HDRLEN) !=
	    pv_be16(buf + 6) ||
	    hmc_walk(buf + HMC_HDRLEN, len - HMC_HDRLEN, &action) == -1) {
		cloud_set(v, CK_UNPARSED, "0x%04x: bad CRC or not protobuf",
		    cmd);
		return;
	}
	if (cmd == 0x2305 || cmd == 0xa305) {
		if ((kind = hmc_lookup(hmc_actions, NELEM(hmc_actions),
		    action > UINT32_MAX ? 0 : (uint32_t)action)) == -1)
			kind = CK_UNKNOWN;
		cloud_set(v, kind, "0x%04x command, action %llu", cmd,
		    (unsigned long long)action);
		return;
	}
	if ((kind = hmc_lookup(hmc_cmds, NELEM(hmc_cmds), cmd)) == -1)
		cloud_set(v, CK_UNKNOWN, "command 0x%04x", cmd);
	else if (kind == CK_ACK)
		cloud_reply(v, cmd, kind, "answer 0x%04x", cmd);
	else
		cloud_set(v, kind, "command 0x%04x", cmd);
}
