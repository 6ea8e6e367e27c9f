/*
 * Owners' commands: the parsing of their text (cmd.c, each protocol's
 * table), allow and AT prefix lists, and every frame the protocols
 * build for them, byte for byte, with the answers they take.  The
 * frames are the captures of regress/vectors (argv[1]: its directory)
 * where the reference implementations were recorded sending them, and
 * hex worked out by hand from their code otherwise.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "cmd.h"

#define DEFAULT_DIR	"regress/vectors"
#define V5_SERIAL	"Y17E7A0F010B013E"
#define V5_LOGGER	"2070233889"
#define G3_COLLECTOR	"R170000000000001"
#define HM_DTU		"4143A0987654"
#define HM_INVERTER	"116412340001"

static const char	*base;
static char		 dir[1024];

static void	 use(const char *);
static void	 device(struct pv_deviceconf *, int, const char *,
		    const char *);
static int	 parse(struct pv_deviceconf *, const char *, const char *,
		    struct pv_cmd *, char *, size_t);
static void	 want_last(struct conn *, int, const char *);
static void	 want_done(struct conn *, int, int, const char *);
static struct conn *v5_up(struct pv_deviceconf *, const char *);
static struct conn *hm_up(struct pv_deviceconf *, const char *,
		    const char *);
static int	 go(struct conn *, struct pv_cmd *);
static void	 test_parse(void);
static void	 test_refusals(void);
static void	 test_lists(void);
static void	 test_solarman(void);
static void	 test_solarman_answers(void);
static void	 test_gen3(void);
static void	 test_hoymiles(void);
static void	 test_hoymiles_answers(void);

static void
use(const char *sub)
{
	(void)snprintf(dir, sizeof(dir), "%s/%s", base, sub);
	vecdir = dir;
}

/* a [device] of the protocol allowing the commands of list */
static void
device(struct pv_deviceconf *d, int proto, const char *name,
    const char *list)
{
	char	why[256];

	memset(d, 0, sizeof(*d));
	(void)snprintf(d->name, sizeof(d->name), "%s", name);
	d->proto = proto;
	(void)snprintf(d->at_allow, sizeof(d->at_allow), "AT+");
	(void)snprintf(d->at_block, sizeof(d->at_block),
	    "AT+UPURL, AT+SUPDATE");
	if (cmd_allow(proto, list, &d->allow, why, sizeof(why)) == -1)
		check(0, "allow %s: %s", list, why);
}

static int
parse(struct pv_deviceconf *d, const char *name, const char *arg,
    struct pv_cmd *cmd, char *why, size_t whylen)
{
	why[0] = '\0';
	return (cmd_parse(d, name, arg, 0, cmd, why, whylen));
}

/* n replies, the last of them the hex */
static void
want_last(struct conn *c, int n, const char *hex)
{
	struct vec	v;

	if (vec_hex(&v, hex) == -1)
		return;
	want_reply(c, n, v.b, v.len);
}

/* n answers taken, the last with result and (part of) detail */
static void
want_done(struct conn *c, int n, int result, const char *detail)
{
	check(c->ncmds == n, "%d answers taken, want %d", c->ncmds, n);
	if (n == 0 || failing())
		return;
	check(c->cmdresult == result, "result %s, want %s (%s)",
	    cmd_result_name(c->cmdresult), cmd_result_name(result),
	    c->cmddetail);
	check(detail == NULL || strstr(c->cmddetail, detail) != NULL,
	    "detail \"%s\", want \"%s\"", c->cmddetail, detail);
}

static void
test_parse(void)
{
	static const struct {
		int		 proto;
		const char	*name, *arg;
		int		 id;
		const char	*argtext;
		int64_t		 a0, a1;
	} ok[] = {
		{ PROTO_SOLARMAN_V5, "power_limit", "50", CMD_POWER_LIMIT,
		    "50", 500, 0 },
		{ PROTO_SOLARMAN_V5, "power_limit", "33.3", CMD_POWER_LIMIT,
		    "33.3", 333, 0 },
		{ PROTO_SOLARMAN_V5, "power_limit", " 100% ", CMD_POWER_LIMIT,
		    "100", 1000, 0 },
		{ PROTO_SOLARMAN_V5, "power_limit", "0.0", CMD_POWER_LIMIT,
		    "0", 0, 0 },
		{ PROTO_SOLARMAN_V5, "modbus_read", "0x3008 20",
		    CMD_MODBUS_READ, "0x3008 20", 0x3008, 20 },
		{ PROTO_SOLARMAN_V5, "modbus_read", "12296", CMD_MODBUS_READ,
		    "0x3008", 0x3008, 0 },
		{ PROTO_TSUN_GEN3, "modbus_write", "8200 0", CMD_MODBUS_WRITE,
		    "0x2008 0x0000", 0x2008, 0 },
		{ PROTO_SOLARMAN_V5, "at", "AT+TIME=214028,1,60,120", CMD_AT,
		    "AT+TIME=214028,1,60,120", 0, 0 },
		{ PROTO_HOYMILES, "inverter_on", "", CMD_INVERTER_ON, "", 0,
		    0 },
		{ PROTO_HOYMILES, "inverter_off", "116412340001",
		    CMD_INVERTER_OFF, "116412340001", 0x116412340001LL, 0 },
		{ PROTO_HOYMILES, "inverter", "ON", CMD_INVERTER_ON, "", 0,
		    0 },
		{ PROTO_HOYMILES, "inverter", "OFF", CMD_INVERTER_OFF, "", 0,
		    0 },
		{ PROTO_HOYMILES, "reboot", "PRESS", CMD_REBOOT, "", 0, 0 },
		{ PROTO_HOYMILES, "reboot", "", CMD_REBOOT, "", 0, 0 },
		{ PROTO_E3DC_RSCP, "power_limits", "on 3000 4000",
		    CMD_POWER_LIMITS, "on 3000 4000", 1, 3000 },
		{ PROTO_E3DC_RSCP, "power_limits", "off", CMD_POWER_LIMITS,
		    "off", 0, 0 },
		{ PROTO_E3DC_RSCP, "weather_regulated_charge", "ON",
		    CMD_WEATHER_CHARGE, "on", 1, 0 },
		{ PROTO_E3DC_RSCP, "smart_switch", "3 off", CMD_SMART_SWITCH,
		    "3 off", 3, 0 }
	};
	struct pv_deviceconf	d;
	struct pv_cmd		cmd;
	char			why[PV_CMD_TEXTLEN];
	size_t			i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		device(&d, ok[i].proto, "dev", "");
		if (parse(&d, ok[i].name, ok[i].arg, &cmd, why,
		    sizeof(why)) == -1)
			check(0, "refused: %s", why);
		else {
			check(cmd.id == ok[i].id, "command %s",
			    cmd_name(cmd.id));
			check(strcmp(cmd.argtext, ok[i].argtext) == 0,
			    "argument \"%s\", want \"%s\"", cmd.argtext,
			    ok[i].argtext);
			check(cmd.arg[0] == ok[i].a0 && (ok[i].a1 == 0 ||
			    cmd.arg[1] == ok[i].a1), "arguments %lld %lld",
			    (long long)cmd.arg[0], (long long)cmd.arg[1]);
			check(strcmp(cmd.target, "dev") == 0, "target %s",
			    cmd.target);
		}
		result("parse %s: %s \"%s\"", proto_byid(ok[i].proto)->name,
		    ok[i].name, ok[i].arg);
	}
}

static void
test_refusals(void)
{
	static const struct {
		int		 proto;
		const char	*name, *arg, *why;
	} bad[] = {
		{ PROTO_SOLARMAN_V5, "power_limit", "150",
		    "power_limit 150: not a percentage" },
		{ PROTO_SOLARMAN_V5, "power_limit", "-1",
		    "power_limit -1: not a percentage" },
		{ PROTO_SOLARMAN_V5, "power_limit", "50.55", "not a" },
		{ PROTO_SOLARMAN_V5, "power_limit", "1e2", "not a" },
		{ PROTO_SOLARMAN_V5, "power_limit", "", "needs a percentage" },
		{ PROTO_SOLARMAN_V5, "power_limit", "50 60",
		    "too many arguments" },
		{ PROTO_SOLARMAN_V5, "modbus_read", "0x10000",
		    "not a register" },
		{ PROTO_SOLARMAN_V5, "modbus_read", "1 126",
		    "not a register count" },
		{ PROTO_SOLARMAN_V5, "modbus_read", "1 0",
		    "not a register count" },
		{ PROTO_SOLARMAN_V5, "modbus_write", "0x2008", "needs a value" },
		{ PROTO_SOLARMAN_V5, "at", "AT+UPURL=http://x", "blocked" },
		{ PROTO_SOLARMAN_V5, "at", "at+supdate", "blocked" },
		{ PROTO_SOLARMAN_V5, "at", "ATZ", "not an AT+ command" },
		{ PROTO_SOLARMAN_V5, "at", "", "needs a text" },
		{ PROTO_SOLARMAN_V5, "at", "AT+TIME\r", "not printable" },
		{ PROTO_TSUN_GEN3, "at", "AT+TIME", "no such command" },
		{ PROTO_SOLARMAN_V5, "reboot", "", "no such command" },
		{ PROTO_HOYMILES, "inverter", "maybe", "not on or off" },
		{ PROTO_HOYMILES, "inverter_on", "1164123400", "not a serial" },
		{ PROTO_HOYMILES, "reboot", "now", "not PRESS" },
		{ PROTO_E3DC_RSCP, "power_limits", "on 3000",
		    "needs the maximum charge and discharge" },
		{ PROTO_E3DC_RSCP, "power_limits", "off 3000", "takes no" },
		{ PROTO_E3DC_RSCP, "smart_switch", "70000 on",
		    "not an index" },
		{ PROTO_ALPHAESS, "power_limit", "50", "has no commands" }
	};
	struct pv_deviceconf	d;
	struct pv_cmd		cmd;
	char			why[PV_CMD_TEXTLEN];
	size_t			i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&d, 0, sizeof(d));
		if (cmd_proto(bad[i].proto) != NULL)
			device(&d, bad[i].proto, "dev", "");
		d.proto = bad[i].proto;
		if (parse(&d, bad[i].name, bad[i].arg, &cmd, why,
		    sizeof(why)) == 0)
			check(0, "taken as %s %s", cmd_name(cmd.id),
			    cmd.argtext);
		else
			check(strstr(why, bad[i].why) != NULL, "why \"%s\"",
			    why);
		result("refused %s: %s \"%s\"", proto_byid(bad[i].proto)->name,
		    bad[i].name, bad[i].arg);
	}
	device(&d, PROTO_SOLARMAN_V5, "dev", "at");
	check(cmd_parse(&d, "at", "AT+TIME", 1, &cmd, why, sizeof(why)) ==
	    -1 && strstr(why, "too long") != NULL, "truncated: %s", why);
	result("refused: a text that did not arrive whole");
	(void)snprintf(d.at_allow, sizeof(d.at_allow), "AT+TIME, AT+Q");
	check(parse(&d, "at", "AT+WEBU", &cmd, why, sizeof(why)) == -1 &&
	    strstr(why, "not allowed (at_allow AT+TIME, AT+Q)") != NULL,
	    "AT+WEBU: %s", why);
	check(parse(&d, "at", "AT+Q=1", &cmd, why, sizeof(why)) == 0,
	    "AT+Q=1: %s", why);
	result("at: only what at_allow begins with");
}

static void
test_lists(void)
{
	char		why[256], text[256];
	uint32_t	m = 0;

	check(cmd_allow(PROTO_SOLARMAN_V5, "power_limit, at modbus_read,",
	    &m, why, sizeof(why)) == 0 && m == (CMD_BIT(CMD_POWER_LIMIT) |
	    CMD_BIT(CMD_AT) | CMD_BIT(CMD_MODBUS_READ)), "mask %x: %s", m,
	    why);
	check(cmd_allow_text(m, text, sizeof(text)) == 0 &&
	    strcmp(text, "power_limit, modbus_read, at") == 0, "text %s",
	    text);
	result("allow: names to bits and back");
	check(cmd_allow(PROTO_HOYMILES, "power_limit, at", &m, why,
	    sizeof(why)) == -1 && strcmp(why, "at: not a command of "
	    "hoymiles (it has power_limit, inverter_on, inverter_off, "
	    "reboot)") == 0, "why %s", why);
	result("allow: a name the protocol does not have");
	check(cmd_allow(PROTO_APSYSTEMS_ECU, "reboot", &m, why,
	    sizeof(why)) == -1 && strstr(why, "has no commands") != NULL,
	    "why %s", why);
	result("allow: a protocol without commands");
	check(cmd_prefixes("AT+Z,  at+upurl AT+WEBU", text, sizeof(text),
	    why, sizeof(why)) == 0 && strcmp(text,
	    "AT+Z, at+upurl, AT+WEBU") == 0, "prefixes %s", text);
	check(cmd_prefixes("AT+Z, Z", text, sizeof(text), why,
	    sizeof(why)) == -1 && strstr(why, "begins with AT") != NULL,
	    "why %s", why);
	check(cmd_prefix_match("AT+Z, at+upurl", "AT+UPURL=x") &&
	    !cmd_prefix_match("AT+Z, at+upurl", "AT+TIME") &&
	    !cmd_prefix_match("", "AT+TIME"), "matching");
	result("AT prefix lists");
	check(cmd_name_match("e3dc-rscp", "e3dc-rscp") &&
	    cmd_name_match("S10.12", "S10_12") &&
	    !cmd_name_match("S10-12", "S10_12") &&
	    !cmd_name_match("S10.12", "S10_1"), "names");
	result("device names as MQTT topic levels carry them");
}

/* a GEN3PLUS logger that has said who it is and what it measures */
static struct conn *
v5_up(struct pv_deviceconf *d, const char *list)
{
	struct conn	*c;
	struct vec	 v;

	use("solarman-v5");
	c = conn_open(PROTO_SOLARMAN_V5, 0);
	if (vec_load(&v, "01") == 0)
		feed(c, v.b, v.len);
	if (vec_load(&v, "08") == 0)
		feed(c, v.b, v.len);
	device(d, PROTO_SOLARMAN_V5, V5_SERIAL, list);
	conn_clear(c);
	return (c);
}

/* send cmd on the connection as the decoder does; the send hook's word */
static int
go(struct conn *c, struct pv_cmd *cmd)
{
	const struct cmd_proto	*cp = cmd_proto(c->proto->id);
	char			 why[PV_CMD_TEXTLEN];
	int			 rv;

	why[0] = '\0';
	rv = cp->send(&c->ctx, cmd, why, sizeof(why));
	if (rv == CMD_SENT)
		c->ctx.cmd = cmd;
	else if (rv == CMD_FAILED)
		check(0, "send failed: %s", why);
	return (rv);
}

static void
test_solarman(void)
{
	struct pv_deviceconf	 d;
	struct pv_cmd		 cmd;
	struct conn		*c;
	struct vec		 v;
	char			 why[PV_CMD_TEXTLEN];

	c = v5_up(&d, "modbus_write, at, power_limit, modbus_read");
	check(solarman_speaks(&c->ctx, V5_SERIAL) &&
	    solarman_speaks(&c->ctx, V5_LOGGER) &&
	    !solarman_speaks(&c->ctx, "Y170000000000002"), "speaks");
	if (parse(&d, "modbus_write", "0x2008 0", &cmd, why, sizeof(why)) ==
	    0 && go(c, &cmd) == CMD_SENT && vec_load(&v, "30") == 0)
		want_reply(c, 1, v.b, v.len);
	result("solarman-v5 modbus_write 0x2008 0: vector 30 (the proxy's)");

	c = v5_up(&d, "at");
	if (parse(&d, "at", "AT+TIME=214028,1,60,120", &cmd, why,
	    sizeof(why)) == 0 && go(c, &cmd) == CMD_SENT &&
	    vec_load(&v, "26") == 0)
		want_reply(c, 1, v.b, v.len);
	result("solarman-v5 at AT+TIME=214028,1,60,120: vector 26");

	c = v5_up(&d, "power_limit");
	if (parse(&d, "power_limit", "50", &cmd, why, sizeof(why)) == 0 &&
	    go(c, &cmd) == CMD_SENT)
		want_last(c, 1, "a5 17 00 10 45 03 02 21 43 65 7b 02 b0 02 00"
		    " 00 00 00 00 00 00 00 00 00 00 00 01 06 20 2c 02 00 42 a3"
		    " a3 15");
	result("solarman-v5 power_limit 50: write 0x202c = 512");

	c = v5_up(&d, "modbus_read");
	if (parse(&d, "modbus_read", "0x3008 20", &cmd, why, sizeof(why)) ==
	    0 && go(c, &cmd) == CMD_SENT)
		want_last(c, 1, "a5 17 00 10 45 03 02 21 43 65 7b 02 b0 02 00"
		    " 00 00 00 00 00 00 00 00 00 00 00 01 03 30 08 00 14 cb 07"
		    " 8b 15");
	result("solarman-v5 modbus_read 0x3008 20");
}

static void
test_solarman_answers(void)
{
	struct pv_deviceconf	 d;
	struct pv_cmd		 cmd;
	struct conn		*c;
	struct vec		 v;
	char			 why[PV_CMD_TEXTLEN];

	c = v5_up(&d, "at");
	if (parse(&d, "at", "AT+TIME=214028,1,60,120", &cmd, why,
	    sizeof(why)) == 0 && go(c, &cmd) == CMD_SENT) {
		if (vec_load(&v, "29") == 0)
			feed(c, v.b, v.len);
		want_done(c, 0, 0, NULL);
		if (vec_load(&v, "28") == 0)
			feed(c, v.b, v.len);
		want_done(c, 1, CMD_RES_OK, "+ok");
		want_dump(c, 0, NULL);
	}
	result("solarman-v5 at: the interim answer waits, vector 28 is +ok");

	c = v5_up(&d, "modbus_read");
	if (parse(&d, "modbus_read", "0x3008 20", &cmd, why, sizeof(why)) ==
	    0 && go(c, &cmd) == CMD_SENT && vec_load(&v, "34") == 0) {
		feed(c, v.b, v.len);
		want_done(c, 1, CMD_RES_OK, "0x3008=0x4010 0x3009=0x08d8");
	}
	result("solarman-v5 modbus_read 0x3008 20: vector 34's registers");

	c = v5_up(&d, "at");
	if (parse(&d, "at", "AT+TIME=214028,1,60,120", &cmd, why,
	    sizeof(why)) == 0 && go(c, &cmd) == CMD_SENT &&
	    vec_load(&v, "28") == 0) {
		v.b[5] = 0x07;		/* another request's */
		v.b[v.len - 2] += 4;
		feed(c, v.b, v.len);
		want_done(c, 0, 0, NULL);
		want_dump(c, 1, "unexpected command response 0x1510");
		v.b[5] = 0x03;
		v.b[12] = 0x00;		/* status 0 */
		v.b[v.len - 2] -= 5;
		feed(c, v.b, v.len);
		want_done(c, 1, CMD_RES_DEVICE_ERROR, "status 0x00");
	}
	result("solarman-v5: an answer of another sequence is not ours, "
	    "status 0 a device error");
}

static void
test_gen3(void)
{
	struct pv_deviceconf	 d;
	struct pv_cmd		 cmd;
	struct conn		*c;
	struct vec		 v;
	char			 why[PV_CMD_TEXTLEN];

	use("tsun-gen3");
	c = conn_open(PROTO_TSUN_GEN3, 0);
	if (vec_load(&v, "01") == 0)
		feed(c, v.b, v.len);
	device(&d, PROTO_TSUN_GEN3, G3_COLLECTOR, "modbus_write, "
	    "power_limit");
	check(gen3_speaks(&c->ctx, G3_COLLECTOR), "speaks");
	if (parse(&d, "power_limit", "50", &cmd, why, sizeof(why)) == 0)
		check(gen3_cmdproto.send(&c->ctx, &cmd, why, sizeof(why)) ==
		    CMD_LATER, "sent before the link is up");
	result("tsun-gen3: nothing before the heartbeat");

	if (vec_load(&v, "15") == 0)
		feed(c, v.b, v.len);
	conn_clear(c);
	if (parse(&d, "modbus_write", "0x2008 0", &cmd, why, sizeof(why)) ==
	    0 && go(c, &cmd) == CMD_SENT && vec_load(&v, "38") == 0)
		want_reply(c, 1, v.b, v.len);
	result("tsun-gen3 modbus_write 0x2008 0: vector 38 (the proxy's)");
	if (vec_load(&v, "40") == 0)
		feed(c, v.b, v.len);
	want_done(c, 1, CMD_RES_OK, "written: 0x2008=0x0000");
	want_dump(c, 0, NULL);
	result("tsun-gen3: vector 40, the echo, is ok");

	c->ctx.cmd = NULL;
	conn_clear(c);
	if (parse(&d, "power_limit", "50", &cmd, why, sizeof(why)) == 0 &&
	    go(c, &cmd) == CMD_SENT)
		want_last(c, 1, "00 00 00 20 10 52 31 37 30 30 30 30 30 30 30 30"
		    " 30 30 30 30 31 70 77 00 01 a3 28 08 01 06 20 2c 02 00 42"
		    " a3");
	result("tsun-gen3 power_limit 50: write 0x202c = 512");
	/* exception 2: function 0x86, address 1 */
	if (vec_hex(&v, "00 00 00 1d 10 52 31 37 30 30 30 30 30 30 30 30 30"
	    " 30 30 30 31 91 77 17 18 19 1a 05 01 86 02 c3 a1") == 0)
		feed(c, v.b, v.len);
	want_done(c, 1, CMD_RES_DEVICE_ERROR, "Modbus exception 2");
	result("tsun-gen3: a Modbus exception is a device error");
}

/* a DTU the gateway dialled, not polling: commands go out at once */
static struct pv_deviceconf	hm_dtu;

static struct conn *
hm_up(struct pv_deviceconf *d, const char *name, const char *list)
{
	struct pv_deviceconf	*dtu = &hm_dtu;
	struct conn		*c;

	c = conn_open(PROTO_HOYMILES, 0);
	memset(dtu, 0, sizeof(*dtu));
	(void)snprintf(dtu->name, sizeof(dtu->name), "%s", HM_DTU);
	dtu->proto = PROTO_HOYMILES;
	c->ctx.dev = dtu;
	conn_up(c);
	device(d, PROTO_HOYMILES, name, list);
	return (c);
}

static void
test_hoymiles(void)
{
	struct pv_deviceconf	 d;
	struct pv_cmd		 cmd;
	struct conn		*c;
	char			 why[PV_CMD_TEXTLEN];

	c = hm_up(&d, HM_DTU, "power_limit, inverter_off, reboot");
	if (parse(&d, "power_limit", "50", &cmd, why, sizeof(why)) == 0 &&
	    go(c, &cmd) == CMD_SENT)
		want_last(c, 1, "48 4d a3 05 00 01 d5 1c 00 2a 08 8d e0 e0 b0 06"
		    " 10 08 20 01 30 8d e0 e0 b0 06 3a 0e 41 3a 35 30 30 2c 42 3a"
		    " 30 2c 43 3a 30 0d");
	result("hoymiles power_limit 50: 0xA305 action 8 \"A:500,B:0,C:0\\r\"");

	c = hm_up(&d, HM_DTU, "inverter_off");
	if (parse(&d, "inverter_off", HM_INVERTER, &cmd, why,
	    sizeof(why)) == 0 && go(c, &cmd) == CMD_SENT)
		want_last(c, 1, "48 4d 23 05 00 01 be a4 00 1f 10 07 18 01 20 01"
		    " 30 8d e0 e0 b0 06 4a 07 81 80 d0 91 c1 ac 04");
	result("hoymiles inverter_off SERIAL: 0x2305 action 7, mi_to_sn packed");

	c = hm_up(&d, HM_DTU, "reboot");
	if (parse(&d, "reboot", "PRESS", &cmd, why, sizeof(why)) == 0 &&
	    go(c, &cmd) == CMD_SENT)
		want_last(c, 1, "48 4d 23 05 00 01 c1 84 00 14 10 01 20 01 30 8d"
		    " e0 e0 b0 06");
	result("hoymiles reboot: 0x2305 action 1");

	c = hm_up(&d, HM_DTU, "inverter_on");
	if (parse(&d, "inverter_on", "", &cmd, why, sizeof(why)) == 0)
		check(hoymiles_cmdproto.send(&c->ctx, &cmd, why,
		    sizeof(why)) == CMD_FAILED && strstr(why,
		    "needs the inverter's serial") != NULL, "why %s", why);
	want_reply(c, 0, NULL, 0);
	result("hoymiles inverter_on for the DTU needs the inverter");

	c = hm_up(&d, HM_INVERTER, "inverter_on");
	c->ctx.dev = NULL;
	check(!hoymiles_speaks(&c->ctx, HM_INVERTER), "speaks undialled");
	result("hoymiles: only the connection the gateway dialled");
}

static void
test_hoymiles_answers(void)
{
	struct pv_deviceconf	 d;
	struct pv_cmd		 cmd;
	struct conn		*c;
	struct vec		 v;
	char			 why[PV_CMD_TEXTLEN];

	c = hm_up(&d, HM_DTU, "power_limit");
	if (parse(&d, "power_limit", "50", &cmd, why, sizeof(why)) == 0 &&
	    go(c, &cmd) == CMD_SENT && vec_hex(&v, "48 4d a2 05 00 01 9c 52"
	    " 00 20 0a 0c 34 31 34 33 41 30 39 38 37 36 35 34 10 8d e0 e0"
	    " b0 06 18 08") == 0) {
		feed(c, v.b, v.len);
		want_done(c, 1, CMD_RES_OK, "accepted, action 8");
	}
	result("hoymiles: 0xA205 with the sequence is the answer");

	c = hm_up(&d, HM_DTU, "power_limit");
	if (parse(&d, "power_limit", "50", &cmd, why, sizeof(why)) == 0 &&
	    go(c, &cmd) == CMD_SENT && vec_hex(&v, "48 4d a2 05 00 01 08 63"
	    " 00 22 0a 0c 34 31 34 33 41 30 39 38 37 36 35 34 10 8d e0 e0"
	    " b0 06 18 08 28 03") == 0) {
		v.b[5] = 2;		/* another sequence: not ours */
		feed(c, v.b, v.len);
		want_done(c, 0, 0, NULL);
		v.b[5] = 1;
		feed(c, v.b, v.len);
		want_done(c, 1, CMD_RES_DEVICE_ERROR, "error code 3");
	}
	result("hoymiles: an error code is a device error");

	/* polled, power_limit allowed: its answer, then 0xA309 at once */
	c = hm_up(&d, HM_DTU, "power_limit, reboot");
	hm_dtu.interval = 60;
	hm_dtu.allow = d.allow;
	if (parse(&d, "power_limit", "50", &cmd, why, sizeof(why)) == 0 &&
	    go(c, &cmd) == CMD_SENT && vec_hex(&v, "48 4d a2 05 00 01 9c 52"
	    " 00 20 0a 0c 34 31 34 33 41 30 39 38 37 36 35 34 10 8d e0 e0"
	    " b0 06 18 08") == 0) {
		feed(c, v.b, v.len);
		want_done(c, 1, CMD_RES_OK, "accepted, action 8");
		want_reply(c, 2, NULL, 0);
		check(c->nreplies == 2 && c->reply[1][2] == 0xa3 &&
		    c->reply[1][3] == 0x09 && c->reply[1][5] == 2 &&
		    c->timer == 10000, "not 0xA309 seq 2 with its timeout");
	}
	c->ctx.cmd = NULL;
	conn_clear(c);
	if (parse(&d, "reboot", "PRESS", &cmd, why, sizeof(why)) == 0)
		check(go(c, &cmd) == CMD_LATER && c->nreplies == 0,
		    "a command while 0xA309 is out is not later");
	result("hoymiles power_limit answered: the limit read back (0xA309), "
	    "the next command waits for it");
}

int
main(int argc, char *argv[])
{
	base = argc > 1 ? argv[1] : DEFAULT_DIR;
	set_tz(TEST_TZ);
	test_parse();
	test_refusals();
	test_lists();
	test_solarman();
	test_solarman_answers();
	test_gen3();
	test_hoymiles();
	test_hoymiles_answers();
	return (finish());
}
