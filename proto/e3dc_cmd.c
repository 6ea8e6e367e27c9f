/*
 * Owner commands for an E3/DC S10, on the RSCP connection the gateway
 * polls, with the tags and value types python-e3dc uses:
 *
 *	power_limits on CHARGE DISCHARGE [START]
 *		EMS_REQ_SET_POWER_SETTINGS { EMS_POWER_LIMITS_USED Bool 1,
 *		EMS_MAX_DISCHARGE_POWER UInt32, EMS_MAX_CHARGE_POWER UInt32,
 *		EMS_DISCHARGE_START_POWER UInt32 }, watts
 *	power_limits off
 *		EMS_REQ_SET_POWER_SETTINGS { EMS_POWER_LIMITS_USED Bool 0 }
 *	weather_regulated_charge on | off
 *		EMS_REQ_SET_POWER_SETTINGS {
 *		EMS_WEATHER_REGULATED_CHARGE_ENABLED UChar8 1 | 0 }
 *	smart_switch ID on | off
 *		HA_REQ_COMMAND_ACTUATOR { HA_DATAPOINT_INDEX UInt16 ID,
 *		HA_REQ_COMMAND CString "on" | "off" }
 *
 * EMS_SET_POWER_SETTINGS answers with a Char8 per setting: 0 done,
 * 1 done with a value the unit changed, -1 refused; HA_COMMAND_ACTUATOR
 * with a Bool.  An RSCP error value is a device error.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "rscp.h"
#include "cmd.h"

#define E3C_TIMEOUT		10000	/* ms */
#define E3C_REQMAX		256

#define TAG_SET_POWER_SETTINGS	0x0100008c
#define TAG_LIMITS_USED		0x01000100
#define TAG_MAX_CHARGE		0x01000101
#define TAG_MAX_DISCHARGE	0x01000102
#define TAG_DISCHARGE_START	0x01000103
#define TAG_WEATHER_CHARGE	0x01000105
#define TAG_COMMAND_ACTUATOR	0x09000040
#define TAG_REQ_COMMAND		0x09000041
#define TAG_DATAPOINT_INDEX	0x09800003
#define TAG_GENERAL_ERROR	0x00ffffff

static int	e3dc_check(const struct pv_deviceconf *, struct pv_cmd *,
		    char *, size_t);
static int	e3dc_send(struct pvctx *, struct pv_cmd *, char *, size_t);
static void	e3c_u32(struct rscp_builder *, uint32_t, int64_t);
static void	e3c_settings(struct pvctx *, const struct rscp_value *);
static void	e3c_actuator(struct pvctx *, const struct rscp_value *);

static const struct cmd_def	e3dc_cmds[] = {
	{ CMD_POWER_LIMITS, "Owww", CMD_HA_NONE, NULL, 0, 0, NULL, 0, NULL },
	/* its state: EMS_GET_POWER_SETTINGS, polled (e3dc_rscp.c) */
	{ CMD_WEATHER_CHARGE, "O", CMD_HA_SWITCH, "Weather regulated charge",
	    0, 0, NULL, M_WEATHER_CHARGE, NULL },
	{ CMD_SMART_SWITCH, "IO", CMD_HA_NONE, NULL, 0, 0, NULL, 0, NULL }
};

const struct cmd_proto	e3dc_cmdproto = {
	PROTO_E3DC_RSCP, E3C_TIMEOUT, e3dc_cmds,
	sizeof(e3dc_cmds) / sizeof(e3dc_cmds[0]), e3dc_check, e3dc_speaks,
	e3dc_send
};

/* power_limits: on with two or three watts, off with none */
static int
e3dc_check(const struct pv_deviceconf *dev, struct pv_cmd *cmd, char *why,
    size_t whylen)
{
	(void)dev;
	if (cmd->id != CMD_POWER_LIMITS)
		return (0);
	if (cmd->arg[0] == 1 && cmd->nargs < 3) {
		(void)snprintf(why, whylen, "power_limits on needs the "
		    "maximum charge and discharge power, in W");
		return (-1);
	}
	if (cmd->arg[0] == 0 && cmd->nargs > 1) {
		(void)snprintf(why, whylen, "power_limits off takes no "
		    "watts");
		return (-1);
	}
	return (0);
}

static void
e3c_u32(struct rscp_builder *b, uint32_t tag, int64_t v)
{
	uint8_t	le[4];

	pv_put_le32(le, (uint32_t)v);
	rscp_put(b, tag, RSCP_UINT32, le, sizeof(le));
}

static int
e3dc_send(struct pvctx *ctx, struct pv_cmd *cmd, char *why, size_t whylen)
{
	struct rscp_builder	b;
	uint8_t			req[E3C_REQMAX], v8, le[2];

	rscp_build(&b, req, sizeof(req));
	switch (cmd->id) {
	case CMD_POWER_LIMITS:
		cmd->key = TAG_SET_POWER_SETTINGS;
		rscp_open(&b, TAG_SET_POWER_SETTINGS);
		v8 = cmd->arg[0] != 0;
		rscp_put(&b, TAG_LIMITS_USED, RSCP_BOOL, &v8, 1);
		if (v8) {
			e3c_u32(&b, TAG_MAX_DISCHARGE, cmd->arg[2]);
			e3c_u32(&b, TAG_MAX_CHARGE, cmd->arg[1]);
			if (cmd->nargs > 3)
				e3c_u32(&b, TAG_DISCHARGE_START, cmd->arg[3]);
		}
		rscp_close(&b);
		break;
	case CMD_WEATHER_CHARGE:
		cmd->key = TAG_SET_POWER_SETTINGS;
		rscp_open(&b, TAG_SET_POWER_SETTINGS);
		v8 = cmd->arg[0] != 0;
		rscp_put(&b, TAG_WEATHER_CHARGE, RSCP_UCHAR8, &v8, 1);
		rscp_close(&b);
		break;
	case CMD_SMART_SWITCH:
		cmd->key = TAG_COMMAND_ACTUATOR;
		rscp_open(&b, TAG_COMMAND_ACTUATOR);
		pv_put_le16(le, (uint16_t)cmd->arg[0]);
		rscp_put(&b, TAG_DATAPOINT_INDEX, RSCP_UINT16, le, sizeof(le));
		rscp_put_string(&b, TAG_REQ_COMMAND, cmd->arg[1] ? "on" :
		    "off");
		rscp_close(&b);
		break;
	default:
		(void)snprintf(why, whylen, "%s: not an E3/DC command",
		    cmd_name(cmd->id));
		return (CMD_FAILED);
	}
	switch (e3dc_send_cmd(ctx, &b)) {
	case 0:
		return (CMD_SENT);
	case 1:
		return (CMD_LATER);
	}
	(void)snprintf(why, whylen, "the RSCP session is not up");
	return (CMD_FAILED);
}

/* EMS_SET_POWER_SETTINGS: every setting's Char8 */
static void
e3c_settings(struct pvctx *ctx, const struct rscp_value *c)
{
	struct rscp_iter	it;
	struct rscp_value	v;
	int64_t			r;
	int			changed = 0;

	if (rscp_enter(c, &it) == -1) {
		pv_cmd_done(ctx, CMD_RES_DEVICE_ERROR, "EMS_SET_POWER_SETTINGS "
		    "of type 0x%02x", c->type);
		return;
	}
	while (rscp_next(&it, &v) == 1) {
		if (rscp_int(&v, &r) == -1 || r < 0) {
			pv_cmd_done(ctx, CMD_RES_DEVICE_ERROR, "setting "
			    "0x%08x refused", v.tag);
			return;
		}
		if (r > 0)
			changed++;
	}
	if (changed > 0)
		pv_cmd_done(ctx, CMD_RES_OK, "done; %d value%s adjusted by "
		    "the E3/DC", changed, changed > 1 ? "s" : "");
	else
		pv_cmd_done(ctx, CMD_RES_OK, "done");
}

static void
e3c_actuator(struct pvctx *ctx, const struct rscp_value *v)
{
	int64_t	r;

	if (rscp_int(v, &r) == -1)
		pv_cmd_done(ctx, CMD_RES_DEVICE_ERROR, "HA_COMMAND_ACTUATOR "
		    "of type 0x%02x", v->type);
	else if (r == 0)
		pv_cmd_done(ctx, CMD_RES_DEVICE_ERROR, "the switch did not "
		    "change");
	else
		pv_cmd_done(ctx, CMD_RES_OK, "switched");
}

/*
 * The frame that answers the command frame (the session sends nothing
 * else meanwhile): its value with the request's tag and the response
 * bit.  Always taken.
 */
int
e3dc_cmd_answer(struct pvctx *ctx, const struct rscp_frame *fr)
{
	const struct pv_cmd	*cmd = ctx->cmd;
	struct rscp_iter	 it;
	struct rscp_value	 v;
	uint32_t		 code;

	if (cmd == NULL)
		return (0);
	rscp_iter_init(&it, fr->data, fr->datalen);
	while (rscp_next(&it, &v) == 1) {
		if ((v.tag | RSCP_TAG_RESPONSE) !=
		    (cmd->key | RSCP_TAG_RESPONSE) &&
		    v.tag != TAG_GENERAL_ERROR)
			continue;
		if (rscp_errcode(&v, &code) == 0)
			pv_cmd_done(ctx, CMD_RES_DEVICE_ERROR, "%s",
			    rscp_errname(code));
		else if (cmd->key == TAG_COMMAND_ACTUATOR)
			e3c_actuator(ctx, &v);
		else
			e3c_settings(ctx, &v);
		return (1);
	}
	pv_cmd_done(ctx, CMD_RES_DEVICE_ERROR, "no answer to 0x%08x in the "
	    "frame", cmd->key);
	return (1);
}
