/*
 * Owner commands for TSUN inverters: GEN3 (tsun-gen3, frames 0x70/0x77)
 * and GEN3PLUS (solarman-v5, 0x4510/0x1510).  Both carry Modbus RTU;
 * GEN3PLUS also AT commands.  What tsun-gen3-proxy sends, in our own
 * code:
 *
 *	power_limit PERCENT	write register 0x202c, the output
 *				coefficient (1024 = 100 %), function 6
 *	modbus_read REG [N]	read N holding registers (function 3)
 *	modbus_write REG VALUE	write one register (function 6)
 *	at TEXT			(GEN3PLUS) frame type 1, 0x0002, 12 zero
 *				bytes, the text and a CR; judged against the
 *				device's at_block, then at_allow prefixes
 *
 * A write is answered by the inverter's echo of the request; a read by
 * the registers; an AT command by the logger's text ("+ok").  Modbus
 * exceptions and other statuses are device errors.  GEN3 frames carry
 * no sequence: a command goes out only while no poll is, and holds the
 * polls until it is answered.  GEN3PLUS answers carry the sequence
 * byte of the request.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "modbus.h"
#include "cmd.h"

#define TSUN_TIMEOUT_G3		15000	/* ms, as the proxy waits */
#define TSUN_TIMEOUT_V5		8000
#define TSUN_REG_LIMIT		0x202c	/* output coefficient */
#define TSUN_COEFF_FULL		1024	/* = 100 % */
#define MB_WRITE		0x06
#define MB_EXCEPTION		0x80
#define MB_EXCLEN		5

/* Solarman V5 frame offsets (solarman_v5.c has the frame) */
#define SM_HDRLEN		11
#define SM_TRAILLEN		2
#define SM_CTRL			3
#define SM_SEQ			5
#define SM_FTYPE		11
#define SM_STATUS		12
#define SM_BODY			25	/* after type, status, 12 bytes */
#define SM_CMD_RSP		0x1510
#define SM_CMD_INTERIM		0x0510
#define SM_FTYPE_AT		0x01
#define SM_FTYPE_MODBUS		0x02
#define SM_AT_SENSOR		0x0002
#define SM_RSP_OK		0x01
#define SM_SET_TITAN		0x1097
#define SM_SET_DCU		0x3026

static int	tsun_check(const struct pv_deviceconf *, struct pv_cmd *,
		    char *, size_t);
static int	tsun_rtu(const struct pv_cmd *, uint8_t *);
static int	gen3_send(struct pvctx *, struct pv_cmd *, char *, size_t);
static int	solarman_send(struct pvctx *, struct pv_cmd *, char *, size_t);
static void	tsun_answer(struct pvctx *, const struct pv_cmd *,
		    const uint8_t *, size_t);
static void	tsun_registers(char *, size_t, uint16_t, const uint8_t *,
		    uint16_t);

static const struct cmd_def	gen3_cmds[] = {
	{ CMD_POWER_LIMIT, "P", CMD_HA_NUMBER, "Power limit", 0, 100, "%",
	    M_POWER_LIMIT, NULL },
	{ CMD_MODBUS_READ, "Rn", CMD_HA_NONE, NULL, 0, 0, NULL, 0, NULL },
	{ CMD_MODBUS_WRITE, "RV", CMD_HA_NONE, NULL, 0, 0, NULL, 0, NULL }
};

static const struct cmd_def	solarman_cmds[] = {
	{ CMD_POWER_LIMIT, "P", CMD_HA_NUMBER, "Power limit", 0, 100, "%",
	    M_POWER_LIMIT, NULL },
	{ CMD_MODBUS_READ, "Rn", CMD_HA_NONE, NULL, 0, 0, NULL, 0, NULL },
	{ CMD_MODBUS_WRITE, "RV", CMD_HA_NONE, NULL, 0, 0, NULL, 0, NULL },
	{ CMD_AT, "T", CMD_HA_NONE, NULL, 0, 0, NULL, 0, NULL }
};

const struct cmd_proto	gen3_cmdproto = {
	PROTO_TSUN_GEN3, TSUN_TIMEOUT_G3, gen3_cmds,
	sizeof(gen3_cmds) / sizeof(gen3_cmds[0]), tsun_check, gen3_speaks,
	gen3_send
};

const struct cmd_proto	solarman_cmdproto = {
	PROTO_SOLARMAN_V5, TSUN_TIMEOUT_V5, solarman_cmds,
	sizeof(solarman_cmds) / sizeof(solarman_cmds[0]), tsun_check,
	solarman_speaks, solarman_send
};

/* AT: a command line, blocked or not allowed by the device's lists */
static int
tsun_check(const struct pv_deviceconf *dev, struct pv_cmd *cmd, char *why,
    size_t whylen)
{
	if (cmd->id != CMD_AT)
		return (0);
	if (strncasecmp(cmd->text, "AT+", 3) != 0) {
		(void)snprintf(why, whylen, "at %s: not an AT+ command",
		    cmd->text);
		return (-1);
	}
	if (cmd_prefix_match(dev->at_block, cmd->text)) {
		(void)snprintf(why, whylen, "at %s: blocked (at_block %s)",
		    cmd->text, dev->at_block);
		return (-1);
	}
	if (!cmd_prefix_match(dev->at_allow, cmd->text)) {
		(void)snprintf(why, whylen, "at %s: not allowed (at_allow %s)",
		    cmd->text, dev->at_allow[0] != '\0' ? dev->at_allow :
		    "empty");
		return (-1);
	}
	return (0);
}

/* the RTU request of a Modbus command, MB_REQLEN bytes */
static int
tsun_rtu(const struct pv_cmd *cmd, uint8_t *rtu)
{
	uint16_t	reg, v;

	switch (cmd->id) {
	case CMD_MODBUS_READ:
		modbus_request(rtu, MB_ADDR, cmd->arg[0], cmd->nargs > 1 ?
		    cmd->arg[1] : 1);
		return (0);
	case CMD_POWER_LIMIT:
		reg = TSUN_REG_LIMIT;
		/* per mille to 1024ths, rounded */
		v = (cmd->arg[0] * TSUN_COEFF_FULL + 500) / 1000;
		break;
	case CMD_MODBUS_WRITE:
		reg = cmd->arg[0];
		v = cmd->arg[1];
		break;
	default:
		return (-1);
	}
	modbus_rtu(rtu, MB_ADDR, MB_WRITE, reg, v);
	return (0);
}

static int
gen3_send(struct pvctx *ctx, struct pv_cmd *cmd, char *why, size_t whylen)
{
	if (tsun_rtu(cmd, cmd->sent) == -1) {
		(void)snprintf(why, whylen, "%s: not a GEN3 command",
		    cmd_name(cmd->id));
		return (CMD_FAILED);
	}
	cmd->sentlen = MB_REQLEN;
	switch (gen3_send_cmd(ctx, cmd->sent, cmd->sentlen)) {
	case 0:
		return (CMD_SENT);
	case 1:
		return (CMD_LATER);
	}
	(void)snprintf(why, whylen, "the stick has not said who it is yet");
	return (CMD_FAILED);
}

static int
solarman_send(struct pvctx *ctx, struct pv_cmd *cmd, char *why,
    size_t whylen)
{
	uint8_t	body[CMD_TEXTLEN + 1], seq;
	size_t	n;
	int	set, rv;

	if (cmd->id == CMD_AT) {
		n = strlen(cmd->text);
		memcpy(body, cmd->text, n);
		body[n++] = '\r';
		rv = solarman_send_cmd(ctx, SM_FTYPE_AT, SM_AT_SENSOR, body,
		    n, &seq);
	} else {
		set = solarman_sensor(ctx);
		if (cmd->id == CMD_POWER_LIMIT && (set == SM_SET_TITAN ||
		    set == SM_SET_DCU)) {
			(void)snprintf(why, whylen, "power_limit: the register "
			    "is known for sensor list 0x02b0, not 0x%04x",
			    set);
			return (CMD_FAILED);
		}
		(void)tsun_rtu(cmd, cmd->sent);
		cmd->sentlen = MB_REQLEN;
		rv = solarman_send_cmd(ctx, SM_FTYPE_MODBUS, -1, cmd->sent,
		    cmd->sentlen, &seq);
	}
	if (rv == 1)
		return (CMD_LATER);
	if (rv == -1) {
		(void)snprintf(why, whylen, "the logger's serial is not "
		    "known yet");
		return (CMD_FAILED);
	}
	cmd->key = seq;
	return (CMD_SENT);
}

/* "0x3008=0x4010 0x3009=0x08d3 ...", as far as it goes */
static void
tsun_registers(char *dst, size_t len, uint16_t reg, const uint8_t *data,
    uint16_t n)
{
	char		w[20];
	uint16_t	i;

	dst[0] = '\0';
	for (i = 0; i < n; i++) {
		(void)snprintf(w, sizeof(w), "%s0x%04x=0x%04x", i ? " " : "",
		    (uint16_t)(reg + i), pv_be16(data + 2 * i));
		if (strlcat(dst, w, len) >= len)
			break;
	}
}

/*
 * The RTU answer to a Modbus command: an exception, the echo of a
 * write, or the registers read.
 */
static void
tsun_answer(struct pvctx *ctx, const struct pv_cmd *cmd, const uint8_t *rtu,
    size_t len)
{
	const uint8_t	*data;
	char		 why[PV_REASONLEN], regs[PV_CMD_TEXTLEN];
	uint16_t	 crc;

	if (len > 0 && rtu[0] == 0xff) {
		rtu++;		/* the stray byte some loggers send */
		len--;
	}
	if (len == MB_EXCLEN && (rtu[1] & MB_EXCEPTION) &&
	    (crc = pv_crc16_modbus(rtu, 3)) == pv_le16(rtu + 3)) {
		pv_cmd_done(ctx, CMD_RES_DEVICE_ERROR, "Modbus exception %u",
		    rtu[2]);
		return;
	}
	if (cmd->sent[1] == MB_WRITE) {
		if (len == cmd->sentlen && memcmp(rtu, cmd->sent, len) == 0)
			pv_cmd_done(ctx, CMD_RES_OK, "written: 0x%04x=0x%04x",
			    pv_be16(rtu + 2), pv_be16(rtu + 4));
		else
			pv_cmd_done(ctx, CMD_RES_DEVICE_ERROR, "not the echo "
			    "of the write (%zu bytes)", len);
		return;
	}
	if (modbus_check(rtu, len, MB_ADDR, pv_be16(cmd->sent + 4), &data,
	    why, sizeof(why)) == -1) {
		pv_cmd_done(ctx, CMD_RES_DEVICE_ERROR, "%s", why);
		return;
	}
	tsun_registers(regs, sizeof(regs), pv_be16(cmd->sent + 2), data,
	    pv_be16(cmd->sent + 4));
	pv_cmd_done(ctx, CMD_RES_OK, "%s", regs);
}

/*
 * GEN3: the RTU frame of a 0x77 or 0x87 answer, while a command is in
 * flight.  Its function (or exception) says whether it is ours.
 */
int
gen3_cmd_answer(struct pvctx *ctx, const uint8_t *rtu, size_t len)
{
	const struct pv_cmd	*cmd = ctx->cmd;

	if (cmd == NULL || cmd->sentlen != MB_REQLEN || len < 2 ||
	    (rtu[1] & ~MB_EXCEPTION) != cmd->sent[1])
		return (0);
	tsun_answer(ctx, cmd, rtu, len);
	return (1);
}

/*
 * GEN3PLUS: a whole 0x1510 or 0x0510 frame (checksum checked) while a
 * command is in flight; ours if it carries the request's sequence.
 * The interim answer to an AT command is taken, and the final one
 * awaited.
 */
int
solarman_cmd_answer(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	const struct pv_cmd	*cmd = ctx->cmd;
	char			 text[PV_CMD_TEXTLEN];
	size_t			 end = len - SM_TRAILLEN;
	uint8_t			 want;

	if (cmd == NULL || len < SM_HDRLEN + SM_TRAILLEN ||
	    buf[SM_SEQ] != (cmd->key & 0xff))
		return (0);
	if (pv_le16(buf + SM_CTRL) == SM_CMD_INTERIM)
		return (1);
	if (pv_le16(buf + SM_CTRL) != SM_CMD_RSP)
		return (0);
	want = cmd->id == CMD_AT ? SM_FTYPE_AT : SM_FTYPE_MODBUS;
	if (end < SM_BODY)
		pv_cmd_done(ctx, CMD_RES_DEVICE_ERROR, "answer of %zu bytes",
		    len);
	else if (buf[SM_FTYPE] != want)
		pv_cmd_done(ctx, CMD_RES_DEVICE_ERROR, "answer of frame type "
		    "0x%02x", buf[SM_FTYPE]);
	else if (buf[SM_STATUS] != SM_RSP_OK)
		pv_cmd_done(ctx, CMD_RES_DEVICE_ERROR, "status 0x%02x",
		    buf[SM_STATUS]);
	else if (cmd->id == CMD_AT) {
		/* without the line end the logger may put after it */
		while (end > SM_BODY && (buf[end - 1] == '\r' ||
		    buf[end - 1] == '\n'))
			end--;
		pv_text(text, sizeof(text), buf + SM_BODY, end - SM_BODY);
		pv_cmd_done(ctx, CMD_RES_OK, "%s", text);
	} else
		tsun_answer(ctx, cmd, buf + SM_BODY, end - SM_BODY);
	return (1);
}
