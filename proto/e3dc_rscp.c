/*
 * E3/DC RSCP, client side: the gateway dials an E3/DC S10 on port 5033,
 * authenticates with the owner's portal user and password, and polls
 * its power values on that one connection.  Everything on the wire is
 * Rijndael-256 in CBC mode under the RSCP key, one chain per direction
 * that starts at 32 x 0xff when the connection does and runs on across
 * frames; each frame is zero-padded to whole blocks.
 *
 * The listener side (the connector) cannot decrypt: its framer passes
 * whole cipher blocks as they come, and the decoder here keeps the
 * receive chain, finds the frames in it and answers with encrypted
 * requests.  The secrets reach the decoder only (ctx->secret).
 *
 * Session: authentication request, answered by the user level (0:
 * refused); then, once per connection, the identity and the static
 * system info in one frame (serial number, software release, installed
 * PV peak power and battery capacity, how many battery modules and PV
 * strings there are); then every interval one frame with everything
 * else: the power values python-e3dc's poll() reads, the EMS status,
 * the battery and each of its modules, each PV string and the grid
 * meter's phases.  Tags and containers are those of E3/DC's tag list
 * as python-e3dc, rscp2mqtt and easy-rscp carry it.  A refusal is
 * retried on the same connection with a doubling delay; a wrong key
 * shows as a connection closed without an answer (what the E3/DC
 * does) or as an answer that does not decrypt.  Both are logged,
 * distinctly.
 *
 * Every length and the nesting depth of an answer are checked before
 * any of it is read (rscp_frame()); each container is then read only
 * where the request put it, and a value only by its type and length on
 * the wire.  Values in containers that were not asked for (the E3/DC
 * answers a module's info with some thirty) are passed over; at the
 * top, an unexpected tag is dumped.
 *
 * Dumps carry ciphertext only: the 32-byte receive IV the frame was
 * chained from, then the frame's blocks, so that whoever holds the key
 * can decrypt a dump alone.  What the gateway sends is never dumped.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "rijndael.h"
#include "rscp.h"
#include "cmd.h"

#define E3DC_BLOCK		32
#define E3DC_MAXFRAME		16384	/* largest frame, padded */
#define E3DC_REQMAX		1024	/* largest request, padded */
#define E3DC_INTERVAL		5000	/* ms, by default */
#define E3DC_TIMEOUT		10000	/* ms, for an answer */
#define E3DC_RETRY_MIN		2000	/* ms, after a refusal */
#define E3DC_RETRY_MAX		300000
#define E3DC_MAXMISSED		2	/* unanswered: reconnect */
#define E3DC_FLOAT_DECIMALS	2
#define E3DC_MAXDCB		16	/* battery modules polled */
#define E3DC_MAXSTRINGS		8	/* PV strings polled */
/* 9999-12-31T23:59:59Z: the last time a record takes */
#define E3DC_TIME_MAX		253402300799LL

/* tags: authentication, identity */
#define TAG_REQ_AUTH		0x00000001
#define TAG_AUTH_USER		0x00000002
#define TAG_AUTH_PASSWORD	0x00000003
#define TAG_AUTH		0x00800001	/* user level */
#define TAG_GENERAL_ERROR	0x00ffffff
#define TAG_REQ_SERIAL		0x0a000001
#define TAG_REQ_SW_RELEASE	0x0a000019
#define TAG_REQ_UTC_TIME	0x0a00000f
/* the static system info: EMS_REQ_INSTALLED_PEAK_POWER, _GET_SYS_SPECS */
#define TAG_REQ_PEAK_POWER	0x01000013
#define TAG_REQ_SYS_SPECS	0x01000097
#define TAG_SYS_SPECS		0x01800098	/* its answer, one number on */
#define TAG_SYS_SPEC		0x01000099	/* inside: no response bit */
#define TAG_SYS_SPEC_NAME	0x0100009b
#define TAG_SYS_SPEC_VALUE_INT	0x0100009c
#define SPEC_BAT_CAPACITY	"installedBatteryCapacity"	/* Wh */
/* EMS status */
#define TAG_REQ_EMS_STATUS	0x01000040	/* a bit field */
/* the power settings the owner's commands set (e3dc_cmd.c) */
#define TAG_REQ_POWER_SETTINGS	0x0100008b
#define TAG_POWER_SETTINGS	0x0180008b
#define TAG_REQ_EP_STATUS	0x01000073	/* emergency power, a code */
#define EMS_CHARGE_LOCKED	0x01
#define EMS_DISCHARGE_LOCKED	0x02
/* battery: a request container with an index, answered in BAT_DATA */
#define TAG_BAT_REQ_DATA	0x03040000
#define TAG_BAT_INDEX		0x03040001
#define TAG_BAT_DATA		0x03840000
#define TAG_BAT_REQ_DCB_COUNT	0x0300000d
#define TAG_BAT_DCB_COUNT	0x0380000d
#define TAG_BAT_FCC		0x03800010	/* full charge capacity, Ah */
#define TAG_BAT_DESIGN_CAPACITY	0x03800045	/* Ah */
#define TAG_BAT_REQ_DCB_TEMPS	0x03000018	/* UInt16 module index */
#define TAG_BAT_DCB_TEMPS	0x03800018
#define TAG_BAT_DCB_TEMP	0x03800019	/* one sensor */
#define TAG_BAT_REQ_DCB_INFO	0x03000042	/* UInt16 module index */
#define TAG_BAT_DCB_INFO	0x03800042
#define TAG_BAT_DCB_INDEX	0x03800100
#define TAG_BAT_DCB_SOH		0x03800109
/* PV inverter: per string containers of PVI_INDEX and PVI_VALUE */
#define TAG_PVI_REQ_DATA	0x02040000
#define TAG_PVI_INDEX		0x02040001
#define TAG_PVI_VALUE		0x02040005
#define TAG_PVI_DATA		0x02840000
#define TAG_PVI_REQ_STRINGS	0x02000090	/* PVI_REQ_USED_STRING_COUNT */
#define TAG_PVI_STRINGS		0x02800090
/* power meter */
#define TAG_PM_REQ_DATA		0x05040000
#define TAG_PM_INDEX		0x05040001
#define TAG_PM_DATA		0x05840000

#define ANSWER(tag)		((tag) | RSCP_TAG_RESPONSE)
#define REQUEST(tag)		((tag) & ~RSCP_TAG_RESPONSE)

enum e3dc_phase {
	PH_NONE,	/* not opened */
	PH_AUTH,	/* authentication sent */
	PH_REFUSED,	/* refused: waiting to try again */
	PH_IDENT,	/* identity and system info asked */
	PH_POLL,	/* poll sent */
	PH_WAIT,	/* between polls */
	PH_CMD,		/* an owner's command sent (e3dc_cmd.c) */
	PH_DEAD		/* given up: closing, input ignored */
};

/*
 * A value the session asks for and where its answer goes.  Top level
 * polls (e3dc_polls) name the request tag; values inside containers
 * name the answer tag, the request being the same without the
 * response bit.
 */
struct e3dc_val {
	uint32_t	 tag;
	int		 metric;	/* M_NONE: read by its own code */
	int		 index;		/* of an indexed metric, or 0 */
	int		 negate;	/* to the vocabulary's sign */
	const char	*name;
};

/* what a poll asks at the top, in this order */
static const struct e3dc_val e3dc_polls[] = {
	{ TAG_REQ_UTC_TIME, M_NONE, 0, 0, "INFO_UTC_TIME" },
	{ 0x01000008, M_BATTERY_SOC, 0, 0, "EMS_BAT_SOC" },
	{ 0x01000001, M_SOLAR_POWER, 0, 0, "EMS_POWER_PV" },
	/* negative while the additional source produces */
	{ 0x01000005, M_ADDITIONAL_POWER, 0, 1, "EMS_POWER_ADD" },
	/* positive while charging */
	{ 0x01000002, M_BATTERY_POWER, 0, 1, "EMS_POWER_BAT" },
	{ 0x01000003, M_HOUSE_POWER, 0, 0, "EMS_POWER_HOME" },
	/* positive while importing, as ours */
	{ 0x01000004, M_GRID_POWER, 0, 0, "EMS_POWER_GRID" },
	{ 0x0100001f, M_WALLBOX_POWER, 0, 0, "EMS_POWER_WB_ALL" },
	{ 0x01000007, M_SELF_CONSUMPTION, 0, 0, "EMS_SELF_CONSUMPTION" },
	{ 0x01000006, M_AUTARKY, 0, 0, "EMS_AUTARKY" },
	/* bit 0: charging locked, bit 1: discharging locked */
	{ TAG_REQ_EMS_STATUS, M_NONE, 0, 0, "EMS_STATUS" },
	/*
	 * 0 not possible, 1 active, 2 not active, 3 not available,
	 * 4 switch in island state
	 */
	{ TAG_REQ_EP_STATUS, M_EMERGENCY_POWER, 0, 0,
	    "EMS_EMERGENCY_POWER_STATUS" }
};

/*
 * In EMS_GET_POWER_SETTINGS, as python-e3dc's get_power_settings()
 * reads it: the tags of EMS_REQ_SET_POWER_SETTINGS, without the
 * response bit.  Asked only where the [device] allows the commands
 * that set them, for Home Assistant's switch to show the setting.
 */
static const struct e3dc_val e3dc_settings[] = {
	{ 0x01000100, M_POWER_LIMITS_USED, 0, 0, "EMS_POWER_LIMITS_USED" },
	{ 0x01000101, M_MAX_CHARGE_POWER, 0, 0, "EMS_MAX_CHARGE_POWER" },
	{ 0x01000102, M_MAX_DISCHARGE_POWER, 0, 0, "EMS_MAX_DISCHARGE_POWER" },
	{ 0x01000103, M_DISCHARGE_START_POWER, 0, 0,
	    "EMS_DISCHARGE_START_POWER" },
	{ 0x01000105, M_WEATHER_CHARGE, 0, 0,
	    "EMS_WEATHER_REGULATED_CHARGE_ENABLED" }
};

/* in BAT_DATA, answer tags */
static const struct e3dc_val e3dc_bat[] = {
	{ 0x03800002, M_BATTERY_VOLTAGE, 0, 0, "BAT_MODULE_VOLTAGE" },
	/*
	 * The E3/DC documents no sign for it; it is the current whose
	 * power EMS_POWER_BAT is, positive while charging (a current
	 * and its power share the sign at a positive voltage).  Turned
	 * round, and held against battery_power (e3dc_signs()).
	 */
	{ 0x03800003, M_BATTERY_CURRENT, 0, 1, "BAT_CURRENT" },
	{ 0x03800008, M_BATTERY_CYCLES, 0, 0, "BAT_CHARGE_CYCLES" },
	{ TAG_BAT_FCC, M_NONE, 0, 0, "BAT_FCC" },
	{ TAG_BAT_DESIGN_CAPACITY, M_NONE, 0, 0, "BAT_DESIGN_CAPACITY" }
};

/* one container of PVI_INDEX and PVI_VALUE per string, answer tags */
static const struct e3dc_val e3dc_pvi[] = {
	{ 0x028dc001, M_PV_POWER, 0, 0, "PVI_DC_POWER" },
	{ 0x028dc002, M_PV_VOLTAGE, 0, 0, "PVI_DC_VOLTAGE" },
	{ 0x028dc003, M_PV_CURRENT, 0, 0, "PVI_DC_CURRENT" }
};

/* in PM_DATA, answer tags; the grid meter counts import positive */
static const struct e3dc_val e3dc_pm[] = {
	{ 0x05800001, M_GRID_L_POWER, 1, 0, "PM_POWER_L1" },
	{ 0x05800002, M_GRID_L_POWER, 2, 0, "PM_POWER_L2" },
	{ 0x05800003, M_GRID_L_POWER, 3, 0, "PM_POWER_L3" },
	{ 0x05800011, M_GRID_L_VOLTAGE, 1, 0, "PM_VOLTAGE_L1" },
	{ 0x05800012, M_GRID_L_VOLTAGE, 2, 0, "PM_VOLTAGE_L2" },
	{ 0x05800013, M_GRID_L_VOLTAGE, 3, 0, "PM_VOLTAGE_L3" }
};

/*
 * The model, and the index of its grid power meter, from the serial
 * number's first digits after the prefix ("S10-"), as python-e3dc
 * tells them apart.
 */
static const struct e3dc_model {
	const char	*digits;
	const char	*model;
	int		 pm;
} e3dc_models[] = {
	{ "4", "S10 E", 0 },
	{ "72", "S10 E", 0 },
	{ "74", "S10 E Compact", 0 },
	{ "5", "S10 Mini", 6 },
	{ "6", "Quattroporte", 6 },
	{ "70", "S10 E Pro", 0 },
	{ "75", "S10 E Pro Compact", 0 },
	{ "8", "S10 X", 0 }
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define NPOLLS		NITEMS(e3dc_polls)

/* errors said once per connection: a poll's index, or these */
enum e3dc_report {
	REP_BAT = 16,	/* after every e3dc_polls[] index */
	REP_DCB,
	REP_PVI,
	REP_PM,
	REP_SIGN,
	REP_SETTINGS,
	REP_MAX
};

struct e3dc_state {
	struct rijndael	 cipher;
	uint8_t		 txiv[E3DC_BLOCK];
	/* the receive IV, then the ciphertext not yet taken */
	uint8_t		 rx[E3DC_BLOCK + E3DC_MAXFRAME];
	size_t		 rxlen;		/* after the IV */
	uint8_t		 pt[E3DC_MAXFRAME];
	char		 device[RECORD_IDLEN];
	int		 phase;
	unsigned int	 interval;	/* ms */
	unsigned int	 timeout;	/* ms */
	unsigned int	 retry;		/* next refusal's wait, ms */
	unsigned int	 missed;	/* requests not answered in time */
	uint32_t	 reported;	/* values whose error was dumped */
	/* what the identity answer said is there */
	int		 battery;	/* BAT_DATA answered */
	unsigned int	 ndcb;		/* battery modules */
	unsigned int	 nstrings;	/* PV strings */
	uint16_t	 pm;		/* the grid power meter's index */
	int		 serial;	/* device is the serial number */
};

/* one answer being read into a record */
struct e3dc_ans {
	struct e3dc_state	*st;
	struct record		 rec;
	char			 why[PV_REASONLEN];
	double			 fcc, design;	/* Ah; < 0: not there */
	unsigned int		 dcbinfo, dcbtemps; /* containers seen */
};

static void	e3dc_send(struct pvctx *, struct e3dc_state *,
		    struct rscp_builder *);
static void	e3dc_auth(struct pvctx *, struct e3dc_state *);
static void	e3dc_ask_ident(struct pvctx *, struct e3dc_state *);
static void	e3dc_ask_poll(struct pvctx *, struct e3dc_state *);
static void	e3dc_die(struct pvctx *, struct e3dc_state *);
static void	e3dc_refused(struct pvctx *, struct e3dc_state *,
		    const char *);
static int	e3dc_frames(struct pvctx *, struct e3dc_state *);
static void	e3dc_frame_at(struct pvctx *, struct e3dc_state *, size_t,
		    size_t);
static void	e3dc_answer(struct pvctx *, struct e3dc_state *, size_t,
		    const struct rscp_frame *);
static void	e3dc_authanswer(struct pvctx *, struct e3dc_state *,
		    size_t, const struct rscp_frame *);
static void	e3dc_ident(struct pvctx *, struct e3dc_state *, size_t,
		    const struct rscp_frame *);
static int	e3dc_ident_value(struct pvctx *, struct e3dc_state *,
		    struct record *, char *, const struct rscp_value *);
static void	e3dc_specs(struct record *, const struct rscp_value *);
static unsigned int e3dc_count(struct pvctx *, const struct rscp_value *,
		    uint32_t, unsigned int, const char *);
static void	e3dc_model(struct e3dc_state *, struct record *);
static void	e3dc_poll(struct pvctx *, struct e3dc_state *, size_t,
		    const struct rscp_frame *);
static void	e3dc_top(struct e3dc_ans *, const struct rscp_value *);
static void	e3dc_status(struct e3dc_ans *, const struct rscp_value *);
static int	e3dc_settings_wanted(struct pvctx *, const struct e3dc_state *);
static void	e3dc_power_settings(struct e3dc_ans *,
		    const struct rscp_value *);
static void	e3dc_battery(struct e3dc_ans *, const struct rscp_value *);
static void	e3dc_dcb_info(struct e3dc_ans *, const struct rscp_value *);
static void	e3dc_dcb_temps(struct e3dc_ans *, const struct rscp_value *);
static int	e3dc_hottest(struct e3dc_ans *, const struct rscp_value *,
		    double *, int *);
static int	e3dc_dcb_index(struct e3dc_ans *, const struct rscp_value *,
		    unsigned int, const char *);
static void	e3dc_strings(struct e3dc_ans *, const struct rscp_value *);
static void	e3dc_string(struct e3dc_ans *, const struct e3dc_val *,
		    const struct rscp_value *);
static void	e3dc_meter(struct e3dc_ans *, const struct rscp_value *);
static int	e3dc_container(struct e3dc_ans *, const struct rscp_value *,
		    int, const char *, struct rscp_iter *);
static const struct e3dc_val *e3dc_find(const struct e3dc_val *, size_t,
		    uint32_t);
static void	e3dc_value(struct e3dc_ans *, const struct e3dc_val *, int,
		    const struct rscp_value *);
static void	e3dc_signs(struct e3dc_ans *);
static void	e3dc_why(struct e3dc_ans *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static int	e3dc_said(struct e3dc_ans *, int);
static int	e3dc_number(struct record *, int, int, int,
		    const struct rscp_value *);
static int	e3dc_double(const struct rscp_value *, double *);
static int	e3dc_bits(const struct rscp_value *, int64_t *);
static void	e3dc_put_double(struct record *, int, int, double);
static int	e3dc_denied(const struct rscp_frame *);
static void	e3dc_text(char *, size_t, const struct rscp_value *);

size_t
e3dc_statesize(void)
{
	return (sizeof(struct e3dc_state));
}

/*
 * Whole cipher blocks, as many as there are (up to max): where a frame
 * ends is only known after decryption, which is the decoder's.
 */
int
e3dc_frame(const uint8_t *buf, size_t len, size_t max, size_t *n,
    const char **why)
{
	size_t	take;

	(void)buf;
	if (max < E3DC_BLOCK) {
		*why = "maximum frame shorter than a cipher block";
		return (FRAME_CLOSE);
	}
	take = len < max ? len : max;
	take -= take % E3DC_BLOCK;
	if (take == 0)
		return (FRAME_MORE);
	*n = take;
	return (FRAME_OK);
}

/* the connection is up: key, chains, and the authentication request */
void
e3dc_open(struct pvctx *ctx)
{
	struct e3dc_state	*st = ctx->state;
	const struct pv_secret	*sec = ctx->secret;
	uint8_t			 key[E3DC_BLOCK];
	size_t			 n;

	if (st == NULL)
		return;
	if (ctx->dev == NULL) {
		pv_log(ctx, "not a connection the gateway dialled: closed");
		e3dc_die(ctx, st);
		return;
	}
	if (sec == NULL || sec->key[0] == '\0' || sec->user[0] == '\0') {
		pv_log(ctx, "no rscp_key and user: nothing to authenticate "
		    "with");
		e3dc_die(ctx, st);
		return;
	}
	/* the RSCP key: at most 32 bytes, padded with 0xff */
	memset(key, 0xff, sizeof(key));
	n = strnlen(sec->key, sizeof(sec->key));
	memcpy(key, sec->key, n < sizeof(key) ? n : sizeof(key));
	(void)rijndael_setkey(&st->cipher, key, sizeof(key), E3DC_BLOCK);
	explicit_bzero(key, sizeof(key));
	memset(st->txiv, 0xff, E3DC_BLOCK);
	memset(st->rx, 0xff, E3DC_BLOCK);
	st->rxlen = 0;

	(void)snprintf(st->device, sizeof(st->device), "%s", ctx->dev->name);
	st->interval = ctx->dev->interval > 0 ?
	    ctx->dev->interval * 1000 : E3DC_INTERVAL;
	st->timeout = ctx->dev->timeout > 0 ? ctx->dev->timeout :
	    E3DC_TIMEOUT;
	st->retry = E3DC_RETRY_MIN;
	e3dc_auth(ctx, st);
}

void
e3dc_tick(struct pvctx *ctx)
{
	struct e3dc_state	*st = ctx->state;

	if (st == NULL)
		return;
	switch (st->phase) {
	case PH_AUTH:
		pv_log(ctx, "no answer to authentication within %u ms: "
		    "wrong rscp_key?", st->timeout);
		e3dc_die(ctx, st);
		break;
	case PH_REFUSED:
		e3dc_auth(ctx, st);
		break;
	case PH_IDENT:
	case PH_POLL:
	case PH_CMD:
		if (++st->missed >= E3DC_MAXMISSED) {
			pv_log(ctx, "%u requests not answered within %u ms: "
			    "reconnecting", st->missed, st->timeout);
			e3dc_die(ctx, st);
		} else if (st->phase == PH_IDENT)
			e3dc_ask_ident(ctx, st);
		else
			e3dc_ask_poll(ctx, st);
		break;
	case PH_WAIT:
		e3dc_ask_poll(ctx, st);
		break;
	case PH_DEAD:
		pv_close(ctx);
		break;
	}
}

/* closed by either side: say what a close during authentication means */
void
e3dc_gone(struct pvctx *ctx)
{
	struct e3dc_state	*st = ctx->state;

	if (st == NULL)
		return;
	if (st->phase == PH_AUTH)
		pv_log(ctx, "connection closed before the answer to "
		    "authentication: wrong rscp_key?");
	explicit_bzero(st, sizeof(*st));
}

void
e3dc_decode(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	struct e3dc_state	*st = ctx->state;
	size_t			 take;

	if (st == NULL || st->phase == PH_NONE) {
		pv_dump(ctx, buf, len, "bytes before the session began");
		if (st != NULL)
			e3dc_die(ctx, st);
		return;
	}
	while (len > 0 && st->phase != PH_DEAD) {
		take = E3DC_MAXFRAME - st->rxlen;
		if (take > len)
			take = len;
		if (take == 0) {
			/* cannot be: a full buffer always holds a frame */
			pv_dump(ctx, buf, len, "receive buffer full");
			e3dc_die(ctx, st);
			return;
		}
		memcpy(st->rx + E3DC_BLOCK + st->rxlen, buf, take);
		st->rxlen += take;
		buf += take;
		len -= take;
		if (e3dc_frames(ctx, st) == -1)
			return;
	}
	if (len > 0)
		pv_dump(ctx, buf, len, "after the session ended");
}

/* given up on this connection: nothing more is read or sent */
static void
e3dc_die(struct pvctx *ctx, struct e3dc_state *st)
{
	st->phase = PH_DEAD;
	pv_timer(ctx, 0);
	pv_close(ctx);
}

/* pad, encrypt on the send chain, send; the request is wiped */
static void
e3dc_send(struct pvctx *ctx, struct e3dc_state *st, struct rscp_builder *b)
{
	size_t	len, padded;

	if ((len = rscp_seal(b, ctx->now, 0)) == 0) {
		/* our own requests always fit */
		pv_log(ctx, "request does not fit: closed");
		e3dc_die(ctx, st);
		return;
	}
	padded = (len + E3DC_BLOCK - 1) / E3DC_BLOCK * E3DC_BLOCK;
	memset(b->buf + len, 0, padded - len);
	rijndael_cbc_encrypt(&st->cipher, st->txiv, b->buf, b->buf, padded);
	pv_reply(ctx, b->buf, padded);
	pv_timer(ctx, st->timeout);
}

static void
e3dc_auth(struct pvctx *ctx, struct e3dc_state *st)
{
	struct rscp_builder	b;
	uint8_t			req[E3DC_REQMAX];

	if (ctx->secret == NULL) {
		pv_log(ctx, "the secrets are gone: closed");
		e3dc_die(ctx, st);
		return;
	}
	rscp_build(&b, req, sizeof(req));
	rscp_open(&b, TAG_REQ_AUTH);
	rscp_put_string(&b, TAG_AUTH_USER, ctx->secret->user);
	rscp_put_string(&b, TAG_AUTH_PASSWORD, ctx->secret->password);
	rscp_close(&b);
	st->phase = PH_AUTH;
	e3dc_send(ctx, st, &b);
	explicit_bzero(req, sizeof(req));
}

/*
 * Once per connection: the identity and the static system info, and
 * how many battery modules and PV strings there are to poll.
 */
static void
e3dc_ask_ident(struct pvctx *ctx, struct e3dc_state *st)
{
	struct rscp_builder	b;
	uint8_t			req[E3DC_REQMAX];

	rscp_build(&b, req, sizeof(req));
	rscp_put(&b, TAG_REQ_SERIAL, RSCP_NONE, NULL, 0);
	rscp_put(&b, TAG_REQ_SW_RELEASE, RSCP_NONE, NULL, 0);
	rscp_put(&b, TAG_REQ_PEAK_POWER, RSCP_NONE, NULL, 0);
	rscp_put(&b, TAG_REQ_SYS_SPECS, RSCP_NONE, NULL, 0);
	rscp_open(&b, TAG_BAT_REQ_DATA);
	rscp_put_u16(&b, TAG_BAT_INDEX, 0);
	rscp_put(&b, TAG_BAT_REQ_DCB_COUNT, RSCP_NONE, NULL, 0);
	rscp_close(&b);
	rscp_open(&b, TAG_PVI_REQ_DATA);
	rscp_put_u16(&b, TAG_PVI_INDEX, 0);
	rscp_put(&b, TAG_PVI_REQ_STRINGS, RSCP_NONE, NULL, 0);
	rscp_close(&b);
	st->phase = PH_IDENT;
	e3dc_send(ctx, st, &b);
}

/*
 * Every interval, in one frame: the fast values at the top, then the
 * battery with each of its modules, the PV strings and the grid
 * meter's phases, each in the container of its namespace.
 */
static void
e3dc_ask_poll(struct pvctx *ctx, struct e3dc_state *st)
{
	struct rscp_builder	b;
	uint8_t			req[E3DC_REQMAX];
	size_t			i, k;

	rscp_build(&b, req, sizeof(req));
	for (i = 0; i < NPOLLS; i++)
		rscp_put(&b, e3dc_polls[i].tag, RSCP_NONE, NULL, 0);
	if (e3dc_settings_wanted(ctx, st))
		rscp_put(&b, TAG_REQ_POWER_SETTINGS, RSCP_NONE, NULL, 0);
	if (st->battery) {
		rscp_open(&b, TAG_BAT_REQ_DATA);
		rscp_put_u16(&b, TAG_BAT_INDEX, 0);
		for (i = 0; i < NITEMS(e3dc_bat); i++)
			rscp_put(&b, REQUEST(e3dc_bat[i].tag), RSCP_NONE,
			    NULL, 0);
		for (i = 0; i < st->ndcb; i++) {
			rscp_put_u16(&b, TAG_BAT_REQ_DCB_INFO, i);
			rscp_put_u16(&b, TAG_BAT_REQ_DCB_TEMPS, i);
		}
		rscp_close(&b);
	}
	if (st->nstrings > 0) {
		rscp_open(&b, TAG_PVI_REQ_DATA);
		rscp_put_u16(&b, TAG_PVI_INDEX, 0);
		for (i = 0; i < st->nstrings; i++)
			for (k = 0; k < NITEMS(e3dc_pvi); k++)
				rscp_put_u16(&b, REQUEST(e3dc_pvi[k].tag),
				    i);
		rscp_close(&b);
	}
	rscp_open(&b, TAG_PM_REQ_DATA);
	rscp_put_u16(&b, TAG_PM_INDEX, st->pm);
	for (i = 0; i < NITEMS(e3dc_pm); i++)
		rscp_put(&b, REQUEST(e3dc_pm[i].tag), RSCP_NONE, NULL, 0);
	rscp_close(&b);
	st->phase = PH_POLL;
	e3dc_send(ctx, st, &b);
}

/*
 * Wrong user or password, or access denied later: try again on this
 * connection after a wait that doubles each time, up to 5 minutes.
 */
static void
e3dc_refused(struct pvctx *ctx, struct e3dc_state *st, const char *what)
{
	pv_log(ctx, "%s: wrong user or password; trying again in %u s",
	    what, st->retry / 1000);
	st->phase = PH_REFUSED;
	pv_timer(ctx, st->retry);
	st->retry = st->retry > E3DC_RETRY_MAX / 2 ? E3DC_RETRY_MAX :
	    st->retry * 2;
}

/*
 * The frames in the receive buffer, one by one: the first block gives
 * the length, and a frame is decrypted once all its blocks are there.
 * -1 when the stream can no longer be followed.
 */
static int
e3dc_frames(struct pvctx *ctx, struct e3dc_state *st)
{
	uint8_t		 iv[E3DC_BLOCK], first[E3DC_BLOCK];
	const char	*why;
	size_t		 flen, padded;

	while (st->rxlen >= E3DC_BLOCK && st->phase != PH_DEAD) {
		memcpy(iv, st->rx, E3DC_BLOCK);
		rijndael_cbc_decrypt(&st->cipher, iv, st->rx + E3DC_BLOCK,
		    first, E3DC_BLOCK);
		if (rscp_header(first, sizeof(first), &flen, &why) == -1) {
			pv_dump(ctx, st->rx, E3DC_BLOCK + st->rxlen,
			    "does not decrypt to a frame (%s)%s", why,
			    st->phase == PH_AUTH ? ": wrong rscp_key?" : "");
			if (st->phase == PH_AUTH)
				pv_log(ctx, "the answer to authentication "
				    "does not decrypt: wrong rscp_key?");
			e3dc_die(ctx, st);
			return (-1);
		}
		padded = (flen + E3DC_BLOCK - 1) / E3DC_BLOCK * E3DC_BLOCK;
		if (padded > E3DC_MAXFRAME) {
			pv_dump(ctx, st->rx, E3DC_BLOCK + st->rxlen,
			    "frame of %zu bytes, more than %d", flen,
			    E3DC_MAXFRAME);
			e3dc_die(ctx, st);
			return (-1);
		}
		if (st->rxlen < padded)
			break;
		memcpy(iv, st->rx, E3DC_BLOCK);
		rijndael_cbc_decrypt(&st->cipher, iv, st->rx + E3DC_BLOCK,
		    st->pt, padded);
		e3dc_frame_at(ctx, st, flen, padded);
		/* the frame's last block is the next IV */
		memmove(st->rx, st->rx + padded,
		    E3DC_BLOCK + st->rxlen - padded);
		st->rxlen -= padded;
	}
	explicit_bzero(first, sizeof(first));
	return (0);
}

/* one decrypted frame in st->pt; its ciphertext is st->rx + E3DC_BLOCK */
static void
e3dc_frame_at(struct pvctx *ctx, struct e3dc_state *st, size_t flen,
    size_t padded)
{
	struct rscp_frame	 fr;
	const char		*why;
	size_t			 i;

	if (rscp_frame(st->pt, flen, &fr, &why) == -1) {
		pv_dump(ctx, st->rx, E3DC_BLOCK + padded, "%s", why);
		return;
	}
	for (i = flen; i < padded; i++)
		if (st->pt[i] != 0)
			break;
	if (i < padded)
		pv_dump(ctx, st->rx, E3DC_BLOCK + padded,
		    "padding is not zero");
	e3dc_answer(ctx, st, E3DC_BLOCK + padded, &fr);
	explicit_bzero(st->pt, padded);
}

/* an answer, to whatever was asked; dumplen: IV and frame in st->rx */
static void
e3dc_answer(struct pvctx *ctx, struct e3dc_state *st, size_t dumplen,
    const struct rscp_frame *fr)
{
	switch (st->phase) {
	case PH_AUTH:
		e3dc_authanswer(ctx, st, dumplen, fr);
		return;
	case PH_IDENT:
	case PH_POLL:
		if (e3dc_denied(fr)) {
			e3dc_refused(ctx, st, "access denied");
			return;
		}
		st->missed = 0;
		if (st->phase == PH_IDENT)
			e3dc_ident(ctx, st, dumplen, fr);
		else
			e3dc_poll(ctx, st, dumplen, fr);
		return;
	case PH_CMD:
		/* the command's answer, in time for it or not */
		st->missed = 0;
		if (!e3dc_cmd_answer(ctx, fr))
			pv_dump(ctx, st->rx, dumplen, "answer to a command no "
			    "longer awaited");
		st->phase = PH_WAIT;
		pv_timer(ctx, st->interval);
		return;
	default:
		pv_dump(ctx, st->rx, dumplen, "frame while nothing was asked");
		return;
	}
}

/* an ACCESS_DENIED error anywhere at the top: authenticate again */
static int
e3dc_denied(const struct rscp_frame *fr)
{
	struct rscp_iter	it;
	struct rscp_value	v;
	uint32_t		code;

	rscp_iter_init(&it, fr->data, fr->datalen);
	while (rscp_next(&it, &v) == 1)
		if (rscp_errcode(&v, &code) == 0 &&
		    code == RSCP_ERR_ACCESS_DENIED)
			return (1);
	return (0);
}

static void
e3dc_authanswer(struct pvctx *ctx, struct e3dc_state *st, size_t dumplen,
    const struct rscp_frame *fr)
{
	struct rscp_iter	it;
	struct rscp_value	v;
	char			what[64];
	uint32_t		code;
	int64_t			level;

	rscp_iter_init(&it, fr->data, fr->datalen);
	while (rscp_next(&it, &v) == 1) {
		if (v.tag != TAG_AUTH)
			continue;
		if (rscp_errcode(&v, &code) == 0) {
			(void)snprintf(what, sizeof(what), "authentication "
			    "answered %s", rscp_errname(code));
			e3dc_refused(ctx, st, what);
			return;
		}
		if (rscp_int(&v, &level) == -1) {
			pv_dump(ctx, st->rx, dumplen, "user level of type "
			    "0x%02x, %zu bytes", v.type, v.len);
			e3dc_die(ctx, st);
			return;
		}
		if (level <= 0) {
			e3dc_refused(ctx, st,
			    "authentication refused (user level 0)");
			return;
		}
		e3dc_ask_ident(ctx, st);
		return;
	}
	if (e3dc_denied(fr)) {
		e3dc_refused(ctx, st, "authentication answered ACCESS_DENIED");
		return;
	}
	pv_dump(ctx, st->rx, dumplen, "answer to authentication without "
	    "a user level");
	e3dc_die(ctx, st);
}

/* printable text of a CString, for names and attributes */
static void
e3dc_text(char *dst, size_t dstlen, const struct rscp_value *v)
{
	size_t	i, n = 0;

	for (i = 0; i < v->len && n + 1 < dstlen; i++) {
		if (v->data[i] == '\0')
			break;
		dst[n++] = v->data[i] >= 0x20 && v->data[i] < 0x7f ?
		    (char)v->data[i] : '?';
	}
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

/*
 * The identity and system info: the device record (serial number,
 * model, release; installed PV peak power and battery capacity), what
 * the polls will ask for, then the first poll.
 */
static void
e3dc_ident(struct pvctx *ctx, struct e3dc_state *st, size_t dumplen,
    const struct rscp_frame *fr)
{
	struct record		rec;
	struct rscp_iter	it;
	struct rscp_value	v;
	char			release[RECORD_ATTRLEN];
	int			other = 0;

	release[0] = '\0';
	record_init(&rec, REC_DEVICE, PROTO_E3DC_RSCP, ctx->now);
	st->battery = 0;
	st->ndcb = st->nstrings = 0;
	rscp_iter_init(&it, fr->data, fr->datalen);
	while (rscp_next(&it, &v) == 1)
		if (e3dc_ident_value(ctx, st, &rec, release, &v) == -1)
			other++;
	if (other > 0)
		pv_dump(ctx, st->rx, dumplen, "%d unexpected values in the "
		    "answer to the identity request", other);
	pv_claim(ctx, st->device);
	(void)snprintf(rec.device, sizeof(rec.device), "%s", st->device);
	e3dc_model(st, &rec);
	if (release[0] != '\0')
		record_attr(&rec, A_FIRMWARE, release);
	pv_record(ctx, &rec);
	e3dc_ask_poll(ctx, st);
}

/* one value of the identity answer; -1 if it is none of its own */
static int
e3dc_ident_value(struct pvctx *ctx, struct e3dc_state *st,
    struct record *rec, char *release, const struct rscp_value *v)
{
	char	text[RECORD_ATTRLEN];

	if (v->type == RSCP_ERROR)
		return (0);	/* not known: the name stays, or none */
	switch (v->tag) {
	case ANSWER(TAG_REQ_SERIAL):
		if (v->type != RSCP_CSTRING)
			return (-1);
		e3dc_text(text, sizeof(text), v);
		if (text[0] != '\0') {
			(void)snprintf(st->device, sizeof(st->device), "%s",
			    text);
			st->serial = 1;
		}
		return (0);
	case ANSWER(TAG_REQ_SW_RELEASE):
		if (v->type != RSCP_CSTRING)
			return (-1);
		e3dc_text(release, RECORD_ATTRLEN, v);
		return (0);
	case ANSWER(TAG_REQ_PEAK_POWER):
		return (e3dc_number(rec, M_PV_PEAK_POWER, 0, 0, v));
	case TAG_SYS_SPECS:
		if (v->type != RSCP_CONTAINER)
			return (-1);
		e3dc_specs(rec, v);
		return (0);
	case TAG_BAT_DATA:
		st->battery = v->type == RSCP_CONTAINER;
		st->ndcb = e3dc_count(ctx, v, TAG_BAT_DCB_COUNT, E3DC_MAXDCB,
		    "battery modules");
		return (st->battery ? 0 : -1);
	case TAG_PVI_DATA:
		st->nstrings = e3dc_count(ctx, v, TAG_PVI_STRINGS,
		    E3DC_MAXSTRINGS, "PV strings");
		return (v->type == RSCP_CONTAINER ? 0 : -1);
	default:
		return (-1);
	}
}

/*
 * EMS_GET_SYS_SPECS: containers of index, name and value; the one
 * named installedBatteryCapacity holds Wh.
 */
static void
e3dc_specs(struct record *rec, const struct rscp_value *v)
{
	struct rscp_iter	it, in;
	struct rscp_value	spec, w;
	char			name[sizeof(SPEC_BAT_CAPACITY) + 1];
	int64_t			value = 0;
	int			have;

	rscp_iter_init(&it, v->data, v->len);
	while (rscp_next(&it, &spec) == 1) {
		if (spec.tag != TAG_SYS_SPEC || rscp_enter(&spec, &in) == -1)
			continue;
		name[0] = '\0';
		have = 0;
		while (rscp_next(&in, &w) == 1) {
			if (w.tag == TAG_SYS_SPEC_NAME &&
			    w.type == RSCP_CSTRING)
				e3dc_text(name, sizeof(name), &w);
			else if (w.tag == TAG_SYS_SPEC_VALUE_INT &&
			    rscp_int(&w, &value) == 0)
				have = 1;
		}
		/* Wh, as kWh with three decimals */
		if (have && strcmp(name, SPEC_BAT_CAPACITY) == 0 &&
		    value >= 0)
			record_metric(rec, M_BATTERY_CAPACITY, 0, value, 3);
	}
}

/* a count in an index container, at most max (a log line if more) */
static unsigned int
e3dc_count(struct pvctx *ctx, const struct rscp_value *v, uint32_t tag,
    unsigned int max, const char *what)
{
	struct rscp_iter	it;
	struct rscp_value	w;
	int64_t			n;

	if (rscp_enter(v, &it) == -1)
		return (0);
	while (rscp_next(&it, &w) == 1) {
		if (w.tag != tag || rscp_int(&w, &n) == -1 || n <= 0)
			continue;
		if (n > max) {
			pv_log(ctx, "%lld %s: polling the first %u",
			    (long long)n, what, max);
			return (max);
		}
		return ((unsigned int)n);
	}
	return (0);
}

/* model and serial number attributes; the grid meter to poll */
static void
e3dc_model(struct e3dc_state *st, struct record *rec)
{
	const struct e3dc_model	*m, *best = NULL;
	const char		*digits = st->device;
	size_t			 i, n;

	/* "S10-", "Q10-", "P10-", "H20-" */
	if (!(digits[0] >= '0' && digits[0] <= '9') && strlen(digits) > 4)
		digits += 4;
	for (i = 0; i < NITEMS(e3dc_models); i++) {
		m = &e3dc_models[i];
		n = strlen(m->digits);
		if (strncmp(digits, m->digits, n) == 0 &&
		    (best == NULL || n > strlen(best->digits)))
			best = m;
	}
	st->pm = best != NULL ? best->pm : 0;
	if (best != NULL)
		record_attr(rec, A_MODEL, best->model);
	if (st->serial)
		record_attr(rec, A_SERIAL, st->device);
}

/* the poll's answer: one measurement record, then wait for the next */
static void
e3dc_poll(struct pvctx *ctx, struct e3dc_state *st, size_t dumplen,
    const struct rscp_frame *fr)
{
	struct e3dc_ans		 a;
	struct rscp_iter	 it;
	struct rscp_value	 v;

	memset(&a, 0, sizeof(a));
	a.st = st;
	a.fcc = a.design = -1;
	record_init(&a.rec, REC_MEASUREMENT, PROTO_E3DC_RSCP, ctx->now);
	(void)snprintf(a.rec.device, sizeof(a.rec.device), "%s", st->device);
	rscp_iter_init(&it, fr->data, fr->datalen);
	while (rscp_next(&it, &v) == 1)
		e3dc_top(&a, &v);
	/* a health beyond 1000 % is no capacity pair: said, not put */
	if (a.fcc >= 0 && a.design > 0 && a.fcc <= 10 * a.design)
		e3dc_put_double(&a.rec, M_BATTERY_SOH, 0,
		    100 * a.fcc / a.design);
	else if (a.fcc >= 0 && a.design > 0)
		e3dc_why(&a, "BAT_FCC %g of BAT_DESIGN_CAPACITY %g", a.fcc,
		    a.design);
	e3dc_signs(&a);
	if (a.rec.nmetrics > 0)
		pv_record(ctx, &a.rec);
	else
		e3dc_why(&a, "no values in the answer to the poll");
	if (a.why[0] != '\0')
		pv_dump(ctx, st->rx, dumplen, "%s", a.why);
	st->retry = E3DC_RETRY_MIN;
	st->phase = PH_WAIT;
	pv_timer(ctx, st->interval);
}

/*
 * An owner's command (e3dc_cmd.c), sent between two polls: 0 sent, 1
 * not now (a request is out), -1 the session is not up and will not
 * come up on this connection.
 */
int
e3dc_send_cmd(struct pvctx *ctx, struct rscp_builder *b)
{
	struct e3dc_state	*st = ctx->state;

	if (st == NULL || st->phase == PH_NONE || st->phase == PH_DEAD ||
	    st->phase == PH_REFUSED)
		return (-1);
	if (st->phase != PH_WAIT)
		return (1);
	st->phase = PH_CMD;
	e3dc_send(ctx, st, b);
	return (0);
}

/* does this connection reach the device: as dialled, or its serial */
int
e3dc_speaks(struct pvctx *ctx, const char *name)
{
	struct e3dc_state	*st = ctx->state;

	if (st == NULL || st->phase == PH_NONE || st->phase == PH_DEAD)
		return (0);
	return ((ctx->dev != NULL && strcmp(ctx->dev->name, name) == 0) ||
	    strcmp(st->device, name) == 0);
}

/* a value at the top of the poll's answer */
static void
e3dc_top(struct e3dc_ans *a, const struct rscp_value *v)
{
	const struct e3dc_val	*p;
	uint32_t		 code;
	int64_t			 sec;
	uint32_t		 nsec;
	size_t			 i;

	switch (v->tag) {
	case TAG_BAT_DATA:
		e3dc_battery(a, v);
		return;
	case TAG_PVI_DATA:
		e3dc_strings(a, v);
		return;
	case TAG_PM_DATA:
		e3dc_meter(a, v);
		return;
	case TAG_POWER_SETTINGS:
		e3dc_power_settings(a, v);
		return;
	}
	for (i = 0; i < NPOLLS; i++)
		if (v->tag == ANSWER(e3dc_polls[i].tag))
			break;
	if (i == NPOLLS) {
		e3dc_why(a, "unexpected tag 0x%08x", v->tag);
		return;
	}
	p = &e3dc_polls[i];
	if (rscp_errcode(v, &code) == 0) {
		/* a missing wallbox, say: said once */
		if (e3dc_said(a, i))
			e3dc_why(a, "%s answered %s", p->name,
			    rscp_errname(code));
	} else if (p->tag == TAG_REQ_EMS_STATUS)
		e3dc_status(a, v);
	else if (p->metric != M_NONE)
		e3dc_value(a, p, 0, v);
	else if (rscp_timestamp(v, &sec, &nsec) == -1)
		e3dc_why(a, "%s: type 0x%02x, %zu bytes", p->name, v->type,
		    v->len);
	else if (sec > 0 && sec <= E3DC_TIME_MAX)
		a->rec.time = sec;
	else	/* the receive time stays */
		e3dc_why(a, "%s: %lld s, out of range", p->name,
		    (long long)sec);
}

/* does the unit's [device] allow a command that a setting shows */
static int
e3dc_settings_wanted(struct pvctx *ctx, const struct e3dc_state *st)
{
	const struct pv_deviceconf	*dev;

	if (st->device[0] == '\0' || (dev = pv_device(ctx, st->device)) ==
	    NULL)
		return (0);
	return ((dev->allow & (CMD_BIT(CMD_POWER_LIMITS) |
	    CMD_BIT(CMD_WEATHER_CHARGE))) != 0);
}

/* EMS_GET_POWER_SETTINGS: the settings into the record */
static void
e3dc_power_settings(struct e3dc_ans *a, const struct rscp_value *v)
{
	const struct e3dc_val	*p;
	struct rscp_iter	 it;
	struct rscp_value	 w;

	if (e3dc_container(a, v, REP_SETTINGS, "EMS_GET_POWER_SETTINGS",
	    &it) == -1)
		return;
	while (rscp_next(&it, &w) == 1)
		if ((p = e3dc_find(e3dc_settings, NITEMS(e3dc_settings),
		    w.tag)) != NULL)
			e3dc_value(a, p, 0, &w);
}

/* EMS_STATUS: documented UChar8, seen as UInt32 (or a bit field) */
static void
e3dc_status(struct e3dc_ans *a, const struct rscp_value *v)
{
	int64_t	bits;

	if (rscp_int(v, &bits) == -1 && e3dc_bits(v, &bits) == -1) {
		e3dc_why(a, "EMS_STATUS: type 0x%02x, %zu bytes, not a "
		    "bit field", v->type, v->len);
		return;
	}
	record_metric(&a->rec, M_BATTERY_CHARGE_LOCKED, 0,
	    (bits & EMS_CHARGE_LOCKED) != 0, 0);
	record_metric(&a->rec, M_BATTERY_DISCHARGE_LOCKED, 0,
	    (bits & EMS_DISCHARGE_LOCKED) != 0, 0);
}

/*
 * BAT_DATA: the battery's own values, then a DCB_INFO and a
 * DCB_ALL_CELL_TEMPERATURES container for each module asked.
 */
static void
e3dc_battery(struct e3dc_ans *a, const struct rscp_value *v)
{
	const struct e3dc_val	*p;
	struct rscp_iter	 it;
	struct rscp_value	 w;
	double			 d;

	if (e3dc_container(a, v, REP_BAT, "BAT_DATA", &it) == -1)
		return;
	while (rscp_next(&it, &w) == 1) {
		if (w.tag == TAG_BAT_DCB_INFO)
			e3dc_dcb_info(a, &w);
		else if (w.tag == TAG_BAT_DCB_TEMPS)
			e3dc_dcb_temps(a, &w);
		else if ((p = e3dc_find(e3dc_bat, NITEMS(e3dc_bat),
		    w.tag)) == NULL)
			continue;	/* BAT_INDEX, or more than asked */
		else if (p->metric != M_NONE)
			e3dc_value(a, p, 0, &w);
		else if (e3dc_double(&w, &d) == -1 || !(d >= 0))
			e3dc_why(a, "%s: type 0x%02x, %zu bytes, not a "
			    "capacity", p->name, w.type, w.len);
		else if (w.tag == TAG_BAT_FCC)
			a->fcc = d;
		else
			a->design = d;
	}
}

/* a module's info: its index and, where the E3/DC has one, its SOH */
static void
e3dc_dcb_info(struct e3dc_ans *a, const struct rscp_value *v)
{
	struct rscp_iter	it;
	struct rscp_value	w;
	double			soh = -1;
	int			dcb;

	if (e3dc_container(a, v, REP_DCB, "BAT_DCB_INFO", &it) == -1)
		return;
	if ((dcb = e3dc_dcb_index(a, v, a->dcbinfo++, "BAT_DCB_INFO")) == -1)
		return;
	while (rscp_next(&it, &w) == 1)
		if (w.tag == TAG_BAT_DCB_SOH && (e3dc_double(&w, &soh) == -1 ||
		    !(soh >= 0 && soh <= 1000))) {
			e3dc_why(a, "BAT_DCB_SOH: type 0x%02x, %zu bytes",
			    w.type, w.len);
			return;
		}
	if (soh >= 0)
		e3dc_put_double(&a->rec, M_BATTERY_MODULE_SOH, dcb + 1, soh);
}

/*
 * A module's sensors: cell temperatures in a BAT_DATA container (or
 * right inside); the hottest is the module's temperature.  A module
 * without sensors gives none.
 */
static void
e3dc_dcb_temps(struct e3dc_ans *a, const struct rscp_value *v)
{
	struct rscp_iter	it, in;
	struct rscp_value	w, t;
	double			max = 0;
	int			dcb, n = 0;

	if (e3dc_container(a, v, REP_DCB, "BAT_DCB_ALL_CELL_TEMPERATURES",
	    &it) == -1)
		return;
	if ((dcb = e3dc_dcb_index(a, v, a->dcbtemps++,
	    "BAT_DCB_ALL_CELL_TEMPERATURES")) == -1)
		return;
	while (rscp_next(&it, &w) == 1) {
		if (w.tag == TAG_BAT_DCB_TEMP) {
			if (e3dc_hottest(a, &w, &max, &n) == -1)
				return;
			continue;
		}
		if (w.tag != TAG_BAT_DATA || rscp_enter(&w, &in) == -1)
			continue;
		while (rscp_next(&in, &t) == 1)
			if (t.tag == TAG_BAT_DCB_TEMP &&
			    e3dc_hottest(a, &t, &max, &n) == -1)
				return;
	}
	if (n > 0)
		e3dc_put_double(&a->rec, M_BATTERY_MODULE_TEMPERATURE, dcb + 1,
		    max);
}

/* one sensor's temperature, into the hottest of n so far */
static int
e3dc_hottest(struct e3dc_ans *a, const struct rscp_value *t, double *max,
    int *n)
{
	double	d;

	if (e3dc_double(t, &d) == -1 || !(d > -100 && d < 200)) {
		e3dc_why(a, "BAT_DCB_CELL_TEMPERATURE: type 0x%02x, %zu "
		    "bytes", t->type, t->len);
		return (-1);
	}
	if ((*n)++ == 0 || d > *max)
		*max = d;
	return (0);
}

/*
 * The module a container speaks of: its BAT_DCB_INDEX, or, without
 * one, its place among the containers of its kind (asked in order);
 * -1 if it is not a module that was asked.
 */
static int
e3dc_dcb_index(struct e3dc_ans *a, const struct rscp_value *v,
    unsigned int nth, const char *name)
{
	struct rscp_iter	it;
	struct rscp_value	w;
	int64_t			i = nth;

	rscp_iter_init(&it, v->data, v->len);
	while (rscp_next(&it, &w) == 1)
		if (w.tag == TAG_BAT_DCB_INDEX && rscp_int(&w, &i) == -1) {
			e3dc_why(a, "%s: BAT_DCB_INDEX of type 0x%02x", name,
			    w.type);
			return (-1);
		}
	if (i < 0 || i >= a->st->ndcb) {
		e3dc_why(a, "%s of module %lld, %u asked", name, (long long)i,
		    a->st->ndcb);
		return (-1);
	}
	return ((int)i);
}

/* PVI_DATA: one container of index and value per string and value */
static void
e3dc_strings(struct e3dc_ans *a, const struct rscp_value *v)
{
	const struct e3dc_val	*p;
	struct rscp_iter	 it;
	struct rscp_value	 w;

	if (e3dc_container(a, v, REP_PVI, "PVI_DATA", &it) == -1)
		return;
	while (rscp_next(&it, &w) == 1)
		if ((p = e3dc_find(e3dc_pvi, NITEMS(e3dc_pvi), w.tag)) != NULL)
			e3dc_string(a, p, &w);
}

/* PVI_DC_POWER and its kin: { PVI_INDEX string, PVI_VALUE } */
static void
e3dc_string(struct e3dc_ans *a, const struct e3dc_val *p,
    const struct rscp_value *v)
{
	struct rscp_iter	 it;
	struct rscp_value	 w, value;
	int64_t			 s = -1;

	if (e3dc_container(a, v, REP_PVI, p->name, &it) == -1)
		return;
	value.data = NULL;
	while (rscp_next(&it, &w) == 1) {
		if (w.tag == TAG_PVI_INDEX && rscp_int(&w, &s) == -1)
			s = -1;
		else if (w.tag == TAG_PVI_VALUE)
			value = w;
	}
	if (s < 0 || s >= a->st->nstrings || value.data == NULL) {
		e3dc_why(a, "%s without a value for a string asked", p->name);
		return;
	}
	e3dc_value(a, p, (int)s + 1, &value);
}

/* PM_DATA: the grid meter's phases */
static void
e3dc_meter(struct e3dc_ans *a, const struct rscp_value *v)
{
	const struct e3dc_val	*p;
	struct rscp_iter	 it;
	struct rscp_value	 w;

	if (e3dc_container(a, v, REP_PM, "PM_DATA", &it) == -1)
		return;
	while (rscp_next(&it, &w) == 1)
		if ((p = e3dc_find(e3dc_pm, NITEMS(e3dc_pm), w.tag)) != NULL)
			e3dc_value(a, p, p->index, &w);
}

/*
 * Into a container of the answer: an error instead (no battery, a
 * module gone) is dumped once per kind, any other type always.
 */
static int
e3dc_container(struct e3dc_ans *a, const struct rscp_value *v, int rep,
    const char *name, struct rscp_iter *it)
{
	uint32_t	code;

	if (rscp_errcode(v, &code) == 0) {
		if (e3dc_said(a, rep))
			e3dc_why(a, "%s answered %s", name,
			    rscp_errname(code));
		return (-1);
	}
	if (rscp_enter(v, it) == -1) {
		e3dc_why(a, "%s: type 0x%02x, %zu bytes, not a container",
		    name, v->type, v->len);
		return (-1);
	}
	return (0);
}

static const struct e3dc_val *
e3dc_find(const struct e3dc_val *vals, size_t n, uint32_t tag)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (vals[i].tag == tag)
			return (&vals[i]);
	return (NULL);
}

/* a value into the record, or why not */
static void
e3dc_value(struct e3dc_ans *a, const struct e3dc_val *p, int index,
    const struct rscp_value *v)
{
	uint32_t	code;

	if (rscp_errcode(v, &code) == 0)
		e3dc_why(a, "%s answered %s", p->name, rscp_errname(code));
	else if (e3dc_number(&a->rec, p->metric, index, p->negate, v) == -1)
		e3dc_why(a, "%s: type 0x%02x, %zu bytes, not a number",
		    p->name, v->type, v->len);
}

/*
 * Battery power and current, both turned to positive while
 * discharging, must agree; if a real E3/DC signed its current the
 * other way round, the dump says so (once).
 */
static void
e3dc_signs(struct e3dc_ans *a)
{
	const struct metric	*p, *c;
	int64_t			 amps;
	int			 k;

	p = record_find(&a->rec, M_BATTERY_POWER, 0);
	c = record_find(&a->rec, M_BATTERY_CURRENT, 0);
	if (p == NULL || c == NULL || p->decimals != 0)
		return;
	amps = c->raw;
	for (k = 0; k < c->decimals; k++)
		amps /= 10;
	/* beyond noise: 100 W and 1 A */
	if (((p->raw >= 100 && amps <= -1) || (p->raw <= -100 && amps >= 1)) &&
	    e3dc_said(a, REP_SIGN))
		e3dc_why(a, "battery power %lld W and current %lld A of "
		    "opposite signs", (long long)p->raw, (long long)amps);
}

/* the first reason a frame was not fully accounted for */
static void
e3dc_why(struct e3dc_ans *a, const char *fmt, ...)
{
	va_list	ap;

	if (a->why[0] != '\0')
		return;
	va_start(ap, fmt);
	if (vsnprintf(a->why, sizeof(a->why), fmt, ap) < 0)
		a->why[0] = '\0';
	va_end(ap);
}

/* may what is said once per connection be said in this frame? */
static int
e3dc_said(struct e3dc_ans *a, int rep)
{
	if ((a->st->reported & (1U << rep)) != 0 || a->why[0] != '\0')
		return (0);
	a->st->reported |= 1U << rep;
	return (1);
}

/*
 * A number as the vocabulary wants it: integers as they are, floats
 * to E3DC_FLOAT_DECIMALS places; -1 if the value is no number.
 */
static int
e3dc_number(struct record *rec, int id, int index, int negate,
    const struct rscp_value *v)
{
	int64_t	i;
	double	d;

	if (rscp_int(v, &i) == 0) {
		if (negate) {
			if (i == INT64_MIN)
				return (-1);
			i = -i;
		}
		record_metric(rec, id, index, i, 0);
		return (0);
	}
	if (rscp_float(v, &d) == -1 || !(d > -1e12 && d < 1e12))
		return (-1);
	e3dc_put_double(rec, id, index, negate ? -d : d);
	return (0);
}

/* an integer or a float, for values the session computes with */
static int
e3dc_double(const struct rscp_value *v, double *d)
{
	int64_t	i;

	if (rscp_int(v, &i) == 0) {
		*d = (double)i;
		return (0);
	}
	if (rscp_float(v, d) == -1 || !(*d > -1e12 && *d < 1e12))
		return (-1);
	return (0);
}

/* a bit field of one to four bytes, little-endian */
static int
e3dc_bits(const struct rscp_value *v, int64_t *bits)
{
	size_t	i;

	if (v->type != RSCP_BITFIELD || v->len < 1 || v->len > 4)
		return (-1);
	*bits = 0;
	for (i = 0; i < v->len; i++)
		*bits |= (int64_t)v->data[i] << (8 * i);
	return (0);
}

/* d (within +-1e12) to E3DC_FLOAT_DECIMALS places */
static void
e3dc_put_double(struct record *rec, int id, int index, double d)
{
	int64_t	i;

	d *= 100;	/* 10^E3DC_FLOAT_DECIMALS */
	i = (int64_t)(d < 0 ? d - 0.5 : d + 0.5);
	record_metric(rec, id, index, i, E3DC_FLOAT_DECIMALS);
}
