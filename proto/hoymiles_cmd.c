/*
 * Owner commands for Hoymiles DTUs, on the local connection the
 * gateway polls (a [device] with client and interval), framed and
 * filled in the way hoymiles-wifi does:
 *
 *	power_limit PERCENT	0xA305, action 8 (limit power), package 1,
 *				tid and time now, data "A:<per mille>,B:0,
 *				C:0\r"; for an inverter behind the DTU its
 *				serial in mi_to_sn, for the DTU none (all)
 *	inverter_on [SERIAL]	0x2305, action 6 (start), device kind 1,
 *	inverter_off [SERIAL]	action 7 (shut down), package 1, tid now,
 *				the inverter's serial in mi_to_sn
 *	reboot			0x2305, action 1 (DTU reboot), package 1
 *
 * The DTU answers with the same sequence, 0xA205 or 0x2205 carrying an
 * error code (0: done).  The limit in force is the DTU's configuration
 * (0xA309, field 5, per mille), which the poller reads after each poll
 * cycle and each power_limit; the inverters' on or off is in no
 * message, so the switch shows what was last sent.  Home Assistant's switch sends ON or OFF to
 * "inverter", which is inverter_on or inverter_off.  The DTU speaks of
 * per mille: a limit in watts would need the inverter's rated power,
 * which no message of the protocol carries.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "pvgate.h"
#include "proto.h"
#include "cmd.h"
#include "hoymiles.pb-c.h"

#define HMC_TIMEOUT		10000	/* ms */
#define HMC_APP_COMMAND		0xa305
#define HMC_CLOUD_COMMAND	0x2305
#define HMC_ANSWER		0x0100	/* 0xA305 -> 0xA205 */
#define HMC_ACT_DTU_REBOOT	1
#define HMC_ACT_MI_START	6
#define HMC_ACT_MI_SHUTDOWN	7
#define HMC_ACT_LIMIT_POWER	8
#define HMC_DEV_DTU		1
#define HMC_SERIALLEN		12

static int	hoymiles_send(struct pvctx *, struct pv_cmd *, char *, size_t);
static int	hmc_serial(const char *, int64_t *);

static const struct cmd_def	hoymiles_cmds[] = {
	/* its value: the DTU's limit, read with 0xA309 (hoymiles.c) */
	{ CMD_POWER_LIMIT, "P", CMD_HA_NUMBER, "Power limit", 0, 100, "%",
	    M_POWER_LIMIT, NULL },
	/* the pair's first is on */
	{ CMD_INVERTER_ON, "s", CMD_HA_SWITCH, "Inverter", 0, 0, NULL, 0,
	    "inverter" },
	{ CMD_INVERTER_OFF, "s", CMD_HA_SWITCH, "Inverter", 0, 0, NULL, 0,
	    "inverter" },
	{ CMD_REBOOT, "b", CMD_HA_BUTTON, "Reboot", 0, 0, NULL, 0, NULL }
};

const struct cmd_proto	hoymiles_cmdproto = {
	PROTO_HOYMILES, HMC_TIMEOUT, hoymiles_cmds,
	sizeof(hoymiles_cmds) / sizeof(hoymiles_cmds[0]), NULL,
	hoymiles_speaks, hoymiles_send
};

/* an inverter's serial as printed: 12 hex digits, the number */
static int
hmc_serial(const char *s, int64_t *sn)
{
	char	*end;

	if (strlen(s) != HMC_SERIALLEN ||
	    strspn(s, "0123456789abcdefABCDEF") != HMC_SERIALLEN)
		return (-1);
	*sn = (int64_t)strtoull(s, &end, 16);
	return (*end == '\0' ? 0 : -1);
}

static int
hoymiles_send(struct pvctx *ctx, struct pv_cmd *cmd, char *why,
    size_t whylen)
{
	Hm__CommandToDtu	 m;
	char			 data[32];
	int64_t			 sn;
	uint16_t		 code, seq;
	int			 have;

	hm__command_to_dtu__init(&m);
	/* for an inverter behind the DTU, not for the DTU itself */
	have = ctx->dev != NULL && strcmp(ctx->dev->name, cmd->target) != 0 &&
	    hmc_serial(cmd->target, &sn) == 0;
	m.package_nub = 1;
	m.tid = ctx->now;
	code = HMC_CLOUD_COMMAND;
	switch (cmd->id) {
	case CMD_POWER_LIMIT:
		(void)snprintf(data, sizeof(data), "A:%lld,B:0,C:0\r",
		    (long long)cmd->arg[0]);
		m.time = ctx->now;
		m.action = HMC_ACT_LIMIT_POWER;
		m.data = data;
		code = HMC_APP_COMMAND;
		break;
	case CMD_INVERTER_ON:
	case CMD_INVERTER_OFF:
		if (cmd->nargs > 0) {
			sn = cmd->arg[0];	/* the one it names */
			have = 1;
		}
		if (!have) {
			(void)snprintf(why, whylen, "%s needs the inverter's "
			    "serial", cmd_name(cmd->id));
			return (CMD_FAILED);
		}
		m.action = cmd->id == CMD_INVERTER_ON ? HMC_ACT_MI_START :
		    HMC_ACT_MI_SHUTDOWN;
		m.dev_kind = HMC_DEV_DTU;
		break;
	case CMD_REBOOT:
		if (have) {
			(void)snprintf(why, whylen, "reboot restarts the DTU: "
			    "ask the DTU's device");
			return (CMD_FAILED);
		}
		have = 0;
		m.action = HMC_ACT_DTU_REBOOT;
		break;
	default:
		(void)snprintf(why, whylen, "%s: not a Hoymiles command",
		    cmd_name(cmd->id));
		return (CMD_FAILED);
	}
	if (have) {
		m.n_mi_to_sn = 1;
		m.mi_to_sn = &sn;
	}
	switch (hoymiles_send_cmd(ctx, code, &m.base, &seq)) {
	case 0:
		cmd->key = (uint32_t)code << 16 | seq;
		return (CMD_SENT);
	case 1:
		return (CMD_LATER);
	}
	(void)snprintf(why, whylen, "not the DTU's local connection");
	return (CMD_FAILED);
}

/*
 * A frame on the poller's connection while a command is in flight: the
 * answer if its command and sequence are the request's.
 */
int
hoymiles_cmd_answer(struct pvctx *ctx, uint16_t code, uint16_t seq,
    const uint8_t *payload, size_t plen)
{
	const struct pv_cmd	*cmd = ctx->cmd;
	Hm__CommandFromDtu	*m;

	if (cmd == NULL || code != (cmd->key >> 16) - HMC_ANSWER ||
	    seq != (cmd->key & 0xffff))
		return (0);
	if ((m = hm__command_from_dtu__unpack(NULL, plen, payload)) == NULL) {
		pv_cmd_done(ctx, CMD_RES_DEVICE_ERROR, "0x%04x: the answer "
		    "does not unpack", code);
		return (1);
	}
	if (m->err_code != 0)
		pv_cmd_done(ctx, CMD_RES_DEVICE_ERROR, "error code %d, action "
		    "%d", m->err_code, m->action);
	else
		pv_cmd_done(ctx, CMD_RES_OK, "accepted, action %d",
		    m->action);
	hm__command_from_dtu__free_unpacked(m, NULL);
	return (1);
}
