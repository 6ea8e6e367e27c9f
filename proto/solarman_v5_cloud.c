/*
 * Solarman V5, the cloud's side (see solarman_v5.c for the frame).
 * What a cloud sends a logger: acknowledgements of its indications
 * (0x1110 .. 0x1810, ten payload bytes) and commands in 0x4510: AT
 * commands (frame type 1), Modbus RTU requests (2) and the DCU
 * battery's power command (5).
 *
 * AT+UPURL and AT+SUPDATE start a firmware update; any other AT
 * command with an argument ("AT+TIME=...") sets something, one without
 * either argument or '?' does something (AT+Z reboots).  "AT+X?" asks.
 */

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "pvgate.h"
#include "proto.h"
#include "cloud.h"

#define SMC_START	0xa5
#define SMC_END		0x15
#define SMC_HDRLEN	11
#define SMC_MINLEN	13
#define SMC_FTYPE	11
#define SMC_ACKLEN	10	/* an acknowledgement's payload */
#define SMC_CMD		0x4510
#define SMC_CMDHDR	15	/* frame type, sensor list, 12 bytes */
#define SMC_RSP_OFFSET	0x3000
#define SMC_FT_AT	0x01
#define SMC_FT_MODBUS	0x02
#define SMC_FT_DCU	0x05
#define SMC_ATMAX	64	/* of an AT command, shown */

static int	smc_indication(uint16_t);
static void	smc_at(const uint8_t *, size_t, struct cloud_verdict *);
static void	smc_command(const uint8_t *, size_t, struct cloud_verdict *);

/* 0x4110, 0x4210, 0x4310, 0x4710, 0x4810: what the cloud acks */
static int
smc_indication(uint16_t ctrl)
{
	return (ctrl == 0x4110 || ctrl == 0x4210 || ctrl == 0x4310 ||
	    ctrl == 0x4710 || ctrl == 0x4810);
}

/* the answer to an indication has its control code less 0x3000 */
uint32_t
solarman_cloud_key(const uint8_t *buf, size_t len)
{
	uint16_t	ctrl;

	if (len < SMC_MINLEN || buf[0] != SMC_START)
		return (0);
	ctrl = pv_le16(buf + 3);
	return (smc_indication(ctrl) ? ctrl - SMC_RSP_OFFSET : 0);
}

void
solarman_cloud_judge(const uint8_t *buf, size_t len, struct cloud_verdict *v)
{
	size_t		i, plen;
	uint16_t	ctrl;
	uint8_t		sum = 0;

	if (len < SMC_MINLEN || buf[0] != SMC_START ||
	    buf[len - 1] != SMC_END ||
	    (size_t)pv_le16(buf + 1) + SMC_MINLEN != len) {
		cloud_set(v, CK_UNPARSED, "malformed frame of %zu bytes",
		    len);
		return;
	}
	for (i = 1; i < len - 2; i++)
		sum += buf[i];
	if (sum != buf[len - 2]) {
		cloud_set(v, CK_UNPARSED, "bad checksum");
		return;
	}
	ctrl = pv_le16(buf + 3);
	plen = len - SMC_MINLEN;
	if (smc_indication(ctrl + SMC_RSP_OFFSET)) {
		if (plen == SMC_ACKLEN)
			cloud_reply(v, ctrl, CK_ACK, "acknowledgement 0x%04x",
			    ctrl);
		else
			cloud_reply(v, ctrl, CK_UNKNOWN, "0x%04x with a "
			    "payload of %zu bytes", ctrl, plen);
		return;
	}
	if (ctrl == SMC_CMD) {
		smc_command(buf, len, v);
		return;
	}
	cloud_set(v, CK_UNKNOWN, "control code 0x%04x", ctrl);
}

/* 0x4510: frame type, sensor list, 12 bytes, then the command */
static void
smc_command(const uint8_t *buf, size_t len, struct cloud_verdict *v)
{
	const uint8_t	*cmd = buf + SMC_HDRLEN + SMC_CMDHDR;
	size_t		 plen = len - SMC_MINLEN;

	if (plen < SMC_CMDHDR) {
		cloud_set(v, CK_UNPARSED, "command of %zu bytes", plen);
		return;
	}
	switch (buf[SMC_FTYPE]) {
	case SMC_FT_AT:
		smc_at(cmd, plen - SMC_CMDHDR, v);
		break;
	case SMC_FT_MODBUS:
		(void)cloud_rtu(cmd, plen - SMC_CMDHDR, v);
		break;
	case SMC_FT_DCU:
		cloud_set(v, CK_CONTROL, "DCU power command");
		break;
	default:
		cloud_set(v, CK_UNKNOWN, "command of frame type 0x%02x",
		    buf[SMC_FTYPE]);
		break;
	}
}

/* "AT...", printable, ending in CR (or CR LF) */
static void
smc_at(const uint8_t *p, size_t n, struct cloud_verdict *v)
{
	char	text[SMC_ATMAX + 1];
	size_t	i, end = n;

	while (end > 0 && (p[end - 1] == '\r' || p[end - 1] == '\n'))
		end--;
	if (end < 2 || (p[0] != 'A' && p[0] != 'a') ||
	    (p[1] != 'T' && p[1] != 't')) {
		cloud_set(v, CK_UNPARSED, "AT command without AT");
		return;
	}
	for (i = 0; i < end; i++)
		if (!isprint(p[i])) {
			cloud_set(v, CK_UNPARSED, "AT command with byte 0x%02x",
			    p[i]);
			return;
		}
	pv_text(text, sizeof(text), p, end);
	if (strncasecmp(text, "AT+UPURL", 8) == 0 ||
	    strncasecmp(text, "AT+SUPDATE", 10) == 0)
		cloud_set(v, CK_FIRMWARE, "%s", text);
	else if (memchr(p, '=', end) != NULL)
		cloud_set(v, CK_AT_WRITE, "%s", text);
	else if (end == 2 || (p[end - 1] == '?' && memchr(p, '?', end) ==
	    p + end - 1))
		cloud_set(v, CK_READ, "%s", text);
	else
		cloud_set(v, CK_AT_WRITE, "%s", text);
}
