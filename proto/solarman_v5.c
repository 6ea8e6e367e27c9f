/*
 * Solarman V5, server mode: a data logger (TSUN GEN3PLUS, Deye, Sofar,
 * IGEN) connects to us as if we were its cloud on port 10000.  We ack
 * what it sends, exactly as the cloud does, and decode the device
 * information (0x4110) and real-time data (0x4210) it carries.
 *
 * Frame (header fields little-endian):
 *
 *	0	0xa5
 *	1	u16 payload length L
 *	3	u16 control code
 *	5	sequence byte (server side), 6 sequence byte (device side)
 *	7	u32 logger serial
 *	11	payload, L bytes; byte 11 is the frame type
 *	11+L	checksum: sum of bytes 1 .. 10+L, modulo 256
 *	12+L	0x15
 *
 * Offsets in the payload layouts below count from the frame start.
 *
 * Modbus (modbus.c) travels in 0x4510 requests (frame type 2, sensor
 * list, 12 zero bytes, the RTU frame) and 0x1510 responses (frame type
 * 2, status 1, 12 bytes, the RTU frame).  A logger with a [device]
 * section that sets an interval is polled once its link is up (a
 * heartbeat or data acked).  In client mode a connector has dialled
 * the logger (port 8899, for firmware that cannot be redirected); it
 * sends nothing of its own there, so we ask at once and then every
 * interval, and have it dialled again when it falls silent.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "modbus.h"

#define SM_START		0xa5
#define SM_END			0x15
#define SM_HDRLEN		11
#define SM_TRAILLEN		2
#define SM_MINLEN		(SM_HDRLEN + SM_TRAILLEN)
#define SM_FTYPE		11	/* first payload byte */

/* control codes */
#define SM_IND_DEVICE		0x4110
#define SM_IND_DATA		0x4210
#define SM_IND_SYNC		0x4310
#define SM_IND_HEARTBEAT	0x4710
#define SM_IND_SYNCEND		0x4810
#define SM_CMD			0x4510
#define SM_CMD_RSP		0x1510
#define SM_CMD_INTERIM		0x0510
#define SM_RSP_OFFSET		0x3000	/* response = indication - this */

/* our acknowledgement: 10-byte payload */
#define SM_ACKPAYLOAD		10
#define SM_ACKLEN		(SM_MINLEN + SM_ACKPAYLOAD)
#define SM_ACK_ACCEPTED		0x01
#define SM_DEF_HEARTBEAT	60

/* Modbus in 0x4510 / 0x1510 */
#define SM_FTYPE_MODBUS		0x02
#define SM_CMD_HDRLEN		15	/* type, sensor list, 12 zeros */
#define SM_RSP_STATUS		12
#define SM_RSP_RTU		25	/* frame type, status, 12 bytes */
#define SM_RSP_OK		0x01
#define SM_TIMEOUT		8000	/* response timeout, ms */
#define SM_CLIENT_INTERVAL	30	/* client mode default, seconds */

/* 0x4110 device information */
#define SM_DEV_DATAIVL		0x18	/* u8, minutes */
#define SM_DEV_COLLECTIVL	0x19	/* u8, seconds */
#define SM_DEV_HBIVL		0x1a	/* u8, seconds */
#define SM_DEV_SIGNAL		0x1c	/* u8, percent */
#define SM_DEV_MODEL		0x1e	/* 40 bytes */
#define SM_DEV_MAC		0x46	/* 6 bytes */
#define SM_DEV_IP		0x4c	/* 16 bytes */
#define SM_DEV_SENSOR		0x5f	/* u16 LE */
#define SM_DEV_FIRMWARE		0x64	/* 40 bytes */
#define SM_DEV_SSID		0xb7	/* 40 bytes */
#define SM_DEV_STRLEN		40
#define SM_DEV_IPLEN		16
#define SM_DEV_END		(SM_DEV_SSID + SM_DEV_STRLEN)

/* 0x4210 real-time data, header common to every sensor list */
#define SM_DATA_SENSOR		12	/* u16 LE */
#define SM_DATA_TOTAL		14	/* u32 LE */
#define SM_DATA_OFFSET		22	/* u32 LE */
#define SM_DATA_SERIAL		0x20	/* 16 ASCII */
#define SM_DATA_SERIALLEN	16
#define SM_DATA_HDREND		(SM_DATA_SERIAL + SM_DATA_SERIALLEN)
#define SM_FTYPE_LIVE		0x01
#define SM_FTYPE_HISTORIC	0x81

#define SM_SENSOR_MS		0x02b0	/* TSOL-MS600 .. MS2000 */
#define SM_SENSOR_DCU		0x3026	/* DCU1000 battery */
#define SM_SENSOR_TITAN		0x1097	/* TSOL-MX ("Y00"): Modbus only */

/* sensor list 0x02b0: big-endian registers, Modbus 0x3000 then 0x2000 */
#define MS_STATUS		0xc0
#define MS_ALARM		0xc6
#define MS_FAULT		0xc8
#define MS_VERSION		0xd0
#define MS_GRID_V		0xd2	/* x0.1 */
#define MS_GRID_A		0xd4	/* x0.01 */
#define MS_GRID_HZ		0xd6	/* x0.01 */
#define MS_TEMP			0xd8	/* raw - 40 */
#define MS_RATED		0xdc
#define MS_OUTPUT		0xde	/* x0.1 */
#define MS_PV			0xe0	/* V x0.1, A x0.01, W x0.1 */
#define MS_PV_STEP		6
#define MS_ENERGY_TODAY		0xf8	/* x0.01 */
#define MS_ENERGY_TOTAL		0xfa	/* u32, x0.01 */
#define MS_PV_ENERGY		0xfe	/* u16 today, u32 total, x0.01 */
#define MS_PV_ENERGY_STEP	6
#define MS_MAXPOWER		0x126
#define MS_END			(MS_MAXPOWER + 2)
#define MS_NPV			4	/* inputs the layout has room for */
#define MS_TEMP_OFFSET		40

/* sensor list 0x3026: big-endian registers */
#define DCU_PV			0x30	/* V, A x0.01; PV2 at +4 */
#define DCU_CHARGE_TOTAL	0x38	/* u32, kWh x0.01 */
#define DCU_BATT_V		0x40	/* signed x0.01 */
#define DCU_BATT_A		0x42	/* signed x0.01, < 0 discharging */
#define DCU_SOC			0x44	/* x0.01 % */
#define DCU_CELL_V		0x46	/* 16 x u16, x0.001 */
#define DCU_NCELLS		16
#define DCU_CELL_T		0x66	/* 3 x signed, degrees C */
#define DCU_NCELLTEMPS		3
#define DCU_OUT_V		0x6c	/* signed x0.01 */
#define DCU_OUT_A		0x6e	/* signed x0.01 */
#define DCU_TEMP		0x72	/* controller, signed */
#define DCU_ALARM		0x74
#define DCU_END			0x7a	/* after the HW and SW versions */
#define DCU_MODEL		"TSOL-DC1000"

struct solarman_state {
	struct mb_poll	poll;
	uint32_t	time_offset;	/* from the last live 0x4210 */
	uint32_t	logger;		/* serial in our requests */
	uint16_t	sensor_list;	/* from the last 0x4110 */
	uint16_t	maxpower;	/* 0x4210 or register 0x2007 */
	uint16_t	rated;		/* 0x4210 or register 0x300e */
	uint8_t		have_offset;
	uint8_t		have_sensor_list;
	uint8_t		seq5;		/* our counter, last used */
	uint8_t		seq6;		/* the logger's, last */
	uint8_t		client;		/* we dialled it */
	char		inverter[RECORD_IDLEN];	/* from 0x4210 */
	char		device[PV_NAMELEN];	/* client: [device] */
};

static int	sm_admit(struct pvctx *, const uint8_t *, size_t);
static uint8_t	sm_checksum(const uint8_t *, size_t);
static void	sm_ack(struct pvctx *, const uint8_t *);
static void	sm_ids(struct record *, const uint8_t *, int);
static void	sm_device(struct pvctx *, struct solarman_state *,
		    const uint8_t *, size_t);
static void	sm_data(struct pvctx *, struct solarman_state *,
		    const uint8_t *, size_t);
static int	sm_inputs(unsigned int);
static void	sm_model(char *, size_t, const char *, unsigned int,
		    unsigned int);
static void	sm_link(struct pvctx *, struct solarman_state *, int);
static void	sm_request(struct pvctx *, const uint8_t *, size_t,
		    uint16_t);
static void	sm_response(struct pvctx *, struct solarman_state *,
		    const uint8_t *, size_t);
static void	sm_polled(struct solarman_state *, struct record *);
static void	sm_ms(struct record *, const uint8_t *);
static void	sm_dcu(struct record *, const uint8_t *, size_t);

size_t
solarman_statesize(void)
{
	return (sizeof(struct solarman_state));
}

/*
 * Length fields and bounds only; the decoder checks the checksum.
 * A buffer that does not start with 0xa5 is dropped whole, also after
 * a frame with a bad end byte was skipped: that is the resync rule of
 * the reference implementation.  The start byte is judged as soon as
 * it is there, so a short tail after a bad frame goes at once instead
 * of waiting for the next read to be dropped with it.
 *
 * The "exceeds maximum" reason lives in a static buffer: the listener
 * uses it before it calls the framer again.
 */
int
solarman_frame(const uint8_t *buf, size_t len, size_t max, size_t *n,
    const char **why)
{
	static char	toobig[PV_REASONLEN];
	size_t		flen;

	if (len == 0)
		return (FRAME_MORE);
	if (buf[0] != SM_START) {
		*n = len;
		*why = "bad start byte";
		return (FRAME_SKIP);
	}
	if (len < SM_HDRLEN)
		return (FRAME_MORE);

	flen = (size_t)pv_le16(buf + 1) + SM_MINLEN;
	if (flen > max) {
		(void)snprintf(toobig, sizeof(toobig),
		    "frame length %zu exceeds maximum %zu", flen, max);
		*why = toobig;
		return (FRAME_CLOSE);
	}
	if (len < flen)
		return (FRAME_MORE);
	*n = flen;
	if (buf[flen - 1] != SM_END) {
		*why = "bad end byte";
		return (FRAME_SKIP);
	}
	return (FRAME_OK);
}

void
solarman_decode(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	struct solarman_state	 scratch, *st = ctx->state;
	uint16_t		 ctrl;

	if (st == NULL) {
		memset(&scratch, 0, sizeof(scratch));
		st = &scratch;
	}
	if (len < SM_MINLEN || buf[0] != SM_START || buf[len - 1] != SM_END ||
	    (size_t)pv_le16(buf + 1) + SM_MINLEN != len) {
		pv_dump(ctx, buf, len, "malformed frame of %zu bytes", len);
		return;
	}
	if (sm_checksum(buf, len) != buf[len - 2]) {
		pv_dump(ctx, buf, len, "bad checksum");
		return;
	}

	if (!st->client && sm_admit(ctx, buf, len) == -1)
		return;

	/* our next frame follows the counters of the last one seen */
	st->seq5 = buf[5];
	st->seq6 = buf[6];
	if (!st->client)
		st->logger = pv_le32(buf + 7);

	ctrl = pv_le16(buf + 3);
	switch (ctrl) {
	case SM_IND_DEVICE:
	case SM_IND_DATA:
	case SM_IND_SYNC:
	case SM_IND_HEARTBEAT:
	case SM_IND_SYNCEND:
		break;
	case SM_CMD_RSP:
		sm_response(ctx, st, buf, len);
		return;
	case SM_CMD_INTERIM:
		pv_dump(ctx, buf, len, "unexpected command response 0x%04x",
		    ctrl);
		return;
	case SM_CMD:
		pv_dump(ctx, buf, len, "unexpected command 0x%04x", ctrl);
		return;
	default:
		pv_dump(ctx, buf, len, "unknown control code 0x%04x", ctrl);
		return;
	}

	/* every indication is acked; the ack copies its frame type */
	if (len == SM_MINLEN) {
		pv_dump(ctx, buf, len, "0x%04x without a frame type", ctrl);
		return;
	}
	sm_ack(ctx, buf);
	st->seq5 = (uint8_t)(buf[5] + 1);

	switch (ctrl) {
	case SM_IND_DEVICE:
		sm_device(ctx, st, buf, len);
		break;
	case SM_IND_DATA:
		sm_data(ctx, st, buf, len);
		sm_link(ctx, st, 1);
		break;
	case SM_IND_SYNC:
	case SM_IND_SYNCEND:
		pv_dump(ctx, buf, len, "0x%04x payload not decoded", ctrl);
		break;
	case SM_IND_HEARTBEAT:
		sm_link(ctx, st, 1);
		break;
	}
}

/* every frame names its logger: may it be served (accept = known)? */
static int
sm_admit(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	char	name[16];

	(void)snprintf(name, sizeof(name), "%u", pv_le32(buf + 7));
	if (pv_admit(ctx, name))
		return (0);
	pv_dump(ctx, buf, len, "unknown device %s", name);
	return (-1);
}

/* sum of bytes 1 .. len - 3 (start byte and trailer excluded) */
static uint8_t
sm_checksum(const uint8_t *buf, size_t len)
{
	size_t	i;
	uint8_t	sum = 0;

	for (i = 1; i < len - SM_TRAILLEN; i++)
		sum += buf[i];
	return (sum);
}

/* the cloud's answer: 23 bytes, carrying our time and heartbeat */
static void
sm_ack(struct pvctx *ctx, const uint8_t *ind)
{
	uint8_t		ack[SM_ACKLEN];
	uint32_t	hb = SM_DEF_HEARTBEAT;

	if (ctx->conf != NULL)
		hb = ctx->conf->heartbeat_interval;

	ack[0] = SM_START;
	pv_put_le16(ack + 1, SM_ACKPAYLOAD);
	pv_put_le16(ack + 3, pv_le16(ind + 3) - SM_RSP_OFFSET);
	ack[5] = (uint8_t)(ind[5] + 1);
	ack[6] = ind[6];
	memcpy(ack + 7, ind + 7, 4);
	ack[SM_FTYPE] = ind[SM_FTYPE];
	ack[12] = SM_ACK_ACCEPTED;
	pv_put_le32(ack + 13, (uint32_t)ctx->now);
	pv_put_le32(ack + 17, hb);
	ack[SM_ACKLEN - 2] = sm_checksum(ack, sizeof(ack));
	ack[SM_ACKLEN - 1] = SM_END;
	pv_reply(ctx, ack, sizeof(ack));
}

/*
 * device and via of a record: the logger itself, or the inverter
 * (serial in the 0x4210 header) seen through the logger.
 */
static void
sm_ids(struct record *rec, const uint8_t *buf, int inverter)
{
	char		logger[16];

	(void)snprintf(logger, sizeof(logger), "%u",
	    (unsigned int)pv_le32(buf + 7));
	rec->device[0] = rec->via[0] = '\0';
	if (inverter)
		pv_text(rec->device, sizeof(rec->device),
		    buf + SM_DATA_SERIAL, SM_DATA_SERIALLEN);
	if (rec->device[0] == '\0')
		(void)snprintf(rec->device, sizeof(rec->device), "%s", logger);
	else
		(void)snprintf(rec->via, sizeof(rec->via), "%s", logger);
}

static void
sm_device(struct pvctx *ctx, struct solarman_state *st, const uint8_t *buf,
    size_t len)
{
	struct record	 rec;
	char		 text[RECORD_ATTRLEN];
	const uint8_t	*mac;
	size_t		 end = len - SM_TRAILLEN;

	if (end < SM_DEV_END) {
		pv_dump(ctx, buf, len, "0x4110 payload too short: %zu bytes",
		    end - SM_HDRLEN);
		return;
	}
	st->sensor_list = pv_le16(buf + SM_DEV_SENSOR);
	st->have_sensor_list = 1;

	record_init(&rec, REC_DEVICE, PROTO_SOLARMAN_V5, ctx->now);
	sm_ids(&rec, buf, 0);
	record_metric(&rec, M_SIGNAL, 0, buf[SM_DEV_SIGNAL], 0);
	record_metric(&rec, M_DATA_INTERVAL, 0, buf[SM_DEV_DATAIVL] * 60, 0);
	record_metric(&rec, M_COLLECT_INTERVAL, 0, buf[SM_DEV_COLLECTIVL], 0);
	record_metric(&rec, M_HEARTBEAT_INTERVAL, 0, buf[SM_DEV_HBIVL], 0);

	pv_text(text, sizeof(text), buf + SM_DEV_MODEL, SM_DEV_STRLEN);
	record_attr(&rec, A_MODEL, text);
	pv_text(text, sizeof(text), buf + SM_DEV_FIRMWARE, SM_DEV_STRLEN);
	record_attr(&rec, A_FIRMWARE, text);
	mac = buf + SM_DEV_MAC;
	(void)snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x",
	    mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	record_attr(&rec, A_MAC, text);
	pv_text(text, sizeof(text), buf + SM_DEV_IP, SM_DEV_IPLEN);
	record_attr(&rec, A_IP, text);
	pv_text(text, sizeof(text), buf + SM_DEV_SSID, SM_DEV_STRLEN);
	record_attr(&rec, A_SSID, text);
	(void)snprintf(text, sizeof(text), "%04x", st->sensor_list);
	record_attr(&rec, A_SENSOR_LIST, text);
	pv_record(ctx, &rec);
}

static void
sm_data(struct pvctx *ctx, struct solarman_state *st, const uint8_t *buf,
    size_t len)
{
	struct record	rec;
	size_t		end = len - SM_TRAILLEN;
	int64_t		when;
	uint16_t	sensor;
	int		guessed = 0;

	if (end < SM_DATA_HDREND) {
		pv_dump(ctx, buf, len, "0x4210 payload too short: %zu bytes",
		    end - SM_HDRLEN);
		return;
	}

	/* sample time; only live frames carry a usable offset */
	switch (buf[SM_FTYPE]) {
	case SM_FTYPE_LIVE:
		st->time_offset = pv_le32(buf + SM_DATA_OFFSET);
		st->have_offset = 1;
		when = (int64_t)pv_le32(buf + SM_DATA_TOTAL) + st->time_offset;
		break;
	case SM_FTYPE_HISTORIC:
		if (st->have_offset) {
			when = (int64_t)pv_le32(buf + SM_DATA_TOTAL) +
			    st->time_offset;
		} else {
			when = ctx->now;
			guessed = 1;
		}
		break;
	default:
		pv_dump(ctx, buf, len, "0x4210 frame type 0x%02x not decoded",
		    buf[SM_FTYPE]);
		return;
	}

	/*
	 * The header names the inverter and its sensor list whatever the
	 * layout after it: a Modbus poll reads the list's registers and
	 * names its records after the inverter, even for a list whose
	 * 0x4210 layout we cannot decode.
	 */
	sensor = pv_le16(buf + SM_DATA_SENSOR);
	st->sensor_list = sensor;
	st->have_sensor_list = 1;
	record_init(&rec, REC_MEASUREMENT, PROTO_SOLARMAN_V5, when);
	sm_ids(&rec, buf, 1);
	if (rec.via[0] != '\0')
		(void)strlcpy(st->inverter, rec.device, sizeof(st->inverter));
	if (sensor == SM_SENSOR_TITAN) {
		pv_dump(ctx, buf, len, "sensor list 0x%04x (TSUN Titan, "
		    "TSOL-MX): no public 0x4210 layout; poll it over Modbus",
		    sensor);
		return;
	}
	if (sensor != SM_SENSOR_MS && sensor != SM_SENSOR_DCU) {
		pv_dump(ctx, buf, len, "sensor list 0x%04x not decoded",
		    sensor);
		return;
	}
	if (sensor == SM_SENSOR_MS && end < MS_END) {
		pv_dump(ctx, buf, len, "0x4210 payload too short for sensor "
		    "list 0x%04x: %zu bytes", sensor, end - SM_HDRLEN);
		return;
	}

	if (sensor == SM_SENSOR_MS) {
		sm_ms(&rec, buf);
		st->maxpower = pv_be16(buf + MS_MAXPOWER);
		st->rated = pv_be16(buf + MS_RATED);
	} else
		sm_dcu(&rec, buf, end);
	pv_record(ctx, &rec);

	if (guessed)
		pv_dump(ctx, buf, len,
		    "historic frame without a known time offset");
	if (sensor == SM_SENSOR_DCU && end < DCU_END)
		pv_dump(ctx, buf, len, "short 0x3026 payload");
}

/* number of PV inputs, from the maximum power of the known models */
static int
sm_inputs(unsigned int maxpower)
{
	switch (maxpower) {
	case 2400:
	case 2500:
	case 2700:
	case 3000:
	case 3300:
		return (6);
	case 1600:
	case 1800:
	case 2000:
	case 2250:
		return (4);
	case 300:
	case 350:
	case 400:
	case 450:
	case 500:
		return (1);
	default:
		return (2);
	}
}

/*
 * "TSOL-MS<max>", "MX" for the Titan family (serial "Y00..."), "D"
 * after a 3000 W Titan, and the rated power in parentheses where a
 * model is sold throttled.
 */
static void
sm_model(char *dst, size_t dstlen, const char *serial, unsigned int maxpower,
    unsigned int rated)
{
	int	 mx, suffix;

	mx = strncmp(serial, "Y00", 3) == 0;
	suffix = (maxpower == 3000 && rated == 800) ||
	    (maxpower == 2000 && (rated == 600 || rated == 800));
	if (suffix)
		(void)snprintf(dst, dstlen, "TSOL-%s%u%s(%u)", mx ? "MX" : "MS",
		    maxpower, mx && maxpower == 3000 ? "D" : "", rated);
	else
		(void)snprintf(dst, dstlen, "TSOL-%s%u%s", mx ? "MX" : "MS",
		    maxpower, mx && maxpower == 3000 ? "D" : "");
}

/* sensor list 0x02b0; the caller checked that buf holds MS_END bytes */
static void
sm_ms(struct record *rec, const uint8_t *buf)
{
	char		text[RECORD_ATTRLEN], serial[SM_DATA_SERIALLEN + 1];
	unsigned int	maxpower, rated, v;
	int		i, npv;
	size_t		off;

	maxpower = pv_be16(buf + MS_MAXPOWER);
	rated = pv_be16(buf + MS_RATED);

	record_metric(rec, M_STATUS, 0, pv_be16(buf + MS_STATUS), 0);
	record_metric(rec, M_AC_VOLTAGE, 0, pv_be16(buf + MS_GRID_V), 1);
	record_metric(rec, M_AC_CURRENT, 0, pv_be16(buf + MS_GRID_A), 2);
	record_metric(rec, M_AC_FREQUENCY, 0, pv_be16(buf + MS_GRID_HZ), 2);
	record_metric(rec, M_TEMPERATURE, 0,
	    (int64_t)pv_be16(buf + MS_TEMP) - MS_TEMP_OFFSET, 0);
	record_metric(rec, M_RATED_POWER, 0, rated, 0);
	record_metric(rec, M_MAX_POWER, 0, maxpower, 0);
	record_metric(rec, M_AC_POWER, 0, pv_be16(buf + MS_OUTPUT), 1);

	npv = sm_inputs(maxpower);
	if (npv > MS_NPV)
		npv = MS_NPV;
	for (i = 0; i < npv; i++) {
		off = MS_PV + (size_t)i * MS_PV_STEP;
		record_metric(rec, M_PV_VOLTAGE, i + 1, pv_be16(buf + off), 1);
		record_metric(rec, M_PV_CURRENT, i + 1,
		    pv_be16(buf + off + 2), 2);
		record_metric(rec, M_PV_POWER, i + 1,
		    pv_be16(buf + off + 4), 1);
		off = MS_PV_ENERGY + (size_t)i * MS_PV_ENERGY_STEP;
		record_metric(rec, M_PV_ENERGY_TODAY, i + 1,
		    pv_be16(buf + off), 2);
		record_metric(rec, M_PV_ENERGY_TOTAL, i + 1,
		    pv_be32(buf + off + 2), 2);
	}
	record_metric(rec, M_ENERGY_TODAY, 0,
	    pv_be16(buf + MS_ENERGY_TODAY), 2);
	record_metric(rec, M_ENERGY_TOTAL, 0,
	    pv_be32(buf + MS_ENERGY_TOTAL), 2);
	record_metric(rec, M_ALARM, 0, pv_be16(buf + MS_ALARM), 0);
	record_metric(rec, M_FAULT, 0, pv_be16(buf + MS_FAULT), 0);

	/* the emulated frames of the reference proxy carry 0: no model */
	if (maxpower != 0) {
		pv_text(serial, sizeof(serial), buf + SM_DATA_SERIAL,
		    SM_DATA_SERIALLEN);
		sm_model(text, sizeof(text), serial, maxpower, rated);
		record_attr(rec, A_MODEL, text);
	}
	/* DSP version: nibbles a.b.c.d read "Va.b.cD", the last in hex */
	v = pv_be16(buf + MS_VERSION);
	(void)snprintf(text, sizeof(text), "V%u.%u.%u%X", v >> 12,
	    (v >> 8) & 0xf, (v >> 4) & 0xf, v & 0xf);
	record_attr(rec, A_FIRMWARE, text);
}

#define DCU_HAVE(off, n)	((size_t)(off) + (n) <= end)
#define DCU_S16(off)		((int64_t)(int16_t)pv_be16(buf + (off)))

/*
 * sensor list 0x3026; end is the end of the payload, at least
 * SM_DATA_HDREND.  Fields past the end are left out.
 */
static void
sm_dcu(struct record *rec, const uint8_t *buf, size_t end)
{
	int64_t	v, a;
	size_t	off;
	int	i;

	for (i = 0; i < 2; i++) {
		off = DCU_PV + (size_t)i * 4;
		if (DCU_HAVE(off, 2))
			record_metric(rec, M_PV_VOLTAGE, i + 1,
			    pv_be16(buf + off), 2);
		if (DCU_HAVE(off + 2, 2))
			record_metric(rec, M_PV_CURRENT, i + 1,
			    pv_be16(buf + off + 2), 2);
		if (DCU_HAVE(off, 4)) {
			v = pv_be16(buf + off);
			a = pv_be16(buf + off + 2);
			record_metric(rec, M_PV_POWER, i + 1, v * a, 4);
		}
	}
	if (DCU_HAVE(DCU_CHARGE_TOTAL, 4))
		record_metric(rec, M_BATTERY_CHARGE_TOTAL, 0,
		    pv_be32(buf + DCU_CHARGE_TOTAL), 2);
	if (DCU_HAVE(DCU_BATT_V, 2))
		record_metric(rec, M_BATTERY_VOLTAGE, 0,
		    DCU_S16(DCU_BATT_V), 2);
	/*
	 * Ours are positive while discharging, current and power; the
	 * frame's current is negative then.
	 */
	if (DCU_HAVE(DCU_BATT_A, 2))
		record_metric(rec, M_BATTERY_CURRENT, 0,
		    -DCU_S16(DCU_BATT_A), 2);
	if (DCU_HAVE(DCU_SOC, 2))
		record_metric(rec, M_BATTERY_SOC, 0, pv_be16(buf + DCU_SOC), 2);
	if (DCU_HAVE(DCU_BATT_V, 4))
		record_metric(rec, M_BATTERY_POWER, 0,
		    -(DCU_S16(DCU_BATT_V) * DCU_S16(DCU_BATT_A)), 4);

	for (i = 0; i < DCU_NCELLS; i++) {
		off = DCU_CELL_V + (size_t)i * 2;
		if (DCU_HAVE(off, 2))
			record_metric(rec, M_CELL_VOLTAGE, i + 1,
			    pv_be16(buf + off), 3);
	}
	for (i = 0; i < DCU_NCELLTEMPS; i++) {
		off = DCU_CELL_T + (size_t)i * 2;
		if (DCU_HAVE(off, 2))
			record_metric(rec, M_CELL_TEMPERATURE, i + 1,
			    DCU_S16(off), 0);
	}

	if (DCU_HAVE(DCU_OUT_V, 2))
		record_metric(rec, M_OUTPUT_VOLTAGE, 0, DCU_S16(DCU_OUT_V), 2);
	if (DCU_HAVE(DCU_OUT_A, 2))
		record_metric(rec, M_OUTPUT_CURRENT, 0, DCU_S16(DCU_OUT_A), 2);
	if (DCU_HAVE(DCU_OUT_V, 4))
		record_metric(rec, M_OUTPUT_POWER, 0,
		    DCU_S16(DCU_OUT_V) * DCU_S16(DCU_OUT_A), 4);
	if (DCU_HAVE(DCU_TEMP, 2))
		record_metric(rec, M_TEMPERATURE, 0, DCU_S16(DCU_TEMP), 0);
	if (DCU_HAVE(DCU_ALARM, 2))
		record_metric(rec, M_ALARM, 0, pv_be16(buf + DCU_ALARM), 0);

	record_attr(rec, A_MODEL, DCU_MODEL);
}

/* ------------------------------------------------------------------ */

/*
 * A connection is up.  Dialled (ctx->dev set): client mode, with the
 * logger serial and settings of the [device] section; polling starts
 * at once.  Without a logger serial the logger would ignore us.
 */
void
solarman_open(struct pvctx *ctx)
{
	struct solarman_state		*st = ctx->state;
	const struct pv_deviceconf	*dev = ctx->dev;

	if (st == NULL || dev == NULL)
		return;
	st->client = 1;
	st->logger = dev->logger;
	(void)strlcpy(st->device, dev->name, sizeof(st->device));
	if (dev->logger == 0)
		return;
	modbus_poll_init(&st->poll, dev->interval > 0 ? dev->interval :
	    SM_CLIENT_INTERVAL, dev->timeout > 0 ? dev->timeout : SM_TIMEOUT,
	    dev->sensor, 1);
	modbus_link(ctx, &st->poll, 1, sm_request);
}

void
solarman_tick(struct pvctx *ctx)
{
	struct solarman_state	*st = ctx->state;

	if (st != NULL)
		modbus_tick(ctx, &st->poll, sm_request);
}

/*
 * Server mode: the link is up.  The first time, a [device] section
 * for the inverter or the logger may turn polling on, for its sensor
 * list, or the one the logger announced, or 0x02b0.
 */
static void
sm_link(struct pvctx *ctx, struct solarman_state *st, int up)
{
	const struct pv_deviceconf	*dev = NULL;
	char				 name[16];
	uint16_t			 set;

	if (st->client)
		return;
	if (up && st->poll.interval == 0) {
		if (st->inverter[0] != '\0')
			dev = pv_device(ctx, st->inverter);
		if (dev == NULL) {
			(void)snprintf(name, sizeof(name), "%u", st->logger);
			dev = pv_device(ctx, name);
		}
		if (dev == NULL || dev->interval == 0)
			return;
		if (dev->sensor != 0)
			set = dev->sensor;
		else if (st->have_sensor_list)
			set = st->sensor_list;
		else
			set = MB_SET_MS;
		modbus_poll_init(&st->poll, dev->interval, dev->timeout > 0 ?
		    dev->timeout : SM_TIMEOUT, set, 0);
	}
	modbus_link(ctx, &st->poll, up, sm_request);
}

/* a Modbus request: 0x4510, frame type 2, the sensor list, 12 zeros */
static void
sm_request(struct pvctx *ctx, const uint8_t *rtu, size_t len, uint16_t set)
{
	struct solarman_state	*st = ctx->state;
	uint8_t			 f[SM_MINLEN + SM_CMD_HDRLEN +
				    MB_REQLEN];
	size_t			 n = SM_MINLEN + SM_CMD_HDRLEN + len;

	if (st == NULL || len != MB_REQLEN)
		return;
	memset(f, 0, sizeof(f));
	f[0] = SM_START;
	pv_put_le16(f + 1, SM_CMD_HDRLEN + len);
	pv_put_le16(f + 3, SM_CMD);
	f[5] = ++st->seq5;
	f[6] = st->seq6;
	pv_put_le32(f + 7, st->logger);
	f[SM_FTYPE] = SM_FTYPE_MODBUS;
	pv_put_le16(f + SM_FTYPE + 1, set);
	memcpy(f + SM_HDRLEN + SM_CMD_HDRLEN, rtu, len);
	f[n - 2] = sm_checksum(f, n);
	f[n - 1] = SM_END;
	pv_reply(ctx, f, n);
}

/*
 * A command response.  Only a Modbus one (frame type 2, status 1) to
 * the request in flight is taken; the others are dumped and the
 * request stays in flight.
 */
static void
sm_response(struct pvctx *ctx, struct solarman_state *st, const uint8_t *buf,
    size_t len)
{
	struct record	rec;
	char		why[PV_REASONLEN];
	size_t		end = len - SM_TRAILLEN;

	if (!modbus_waiting(&st->poll)) {
		pv_dump(ctx, buf, len, "unexpected command response 0x%04x",
		    SM_CMD_RSP);
		return;
	}
	if (end < SM_RSP_RTU) {
		pv_dump(ctx, buf, len, "0x1510 payload too short: %zu bytes",
		    end - SM_HDRLEN);
		return;
	}
	if (buf[SM_FTYPE] != SM_FTYPE_MODBUS) {
		pv_dump(ctx, buf, len, "command response of frame type "
		    "0x%02x", buf[SM_FTYPE]);
		return;
	}
	if (buf[SM_RSP_STATUS] != SM_RSP_OK) {
		pv_dump(ctx, buf, len, "command response with status 0x%02x",
		    buf[SM_RSP_STATUS]);
		return;
	}

	record_init(&rec, REC_MEASUREMENT, PROTO_SOLARMAN_V5, ctx->now);
	(void)snprintf(rec.via, sizeof(rec.via), "%u", st->logger);
	if (st->client)
		(void)strlcpy(rec.device, st->device, sizeof(rec.device));
	else if (st->inverter[0] != '\0')
		(void)strlcpy(rec.device, st->inverter, sizeof(rec.device));
	if (rec.device[0] == '\0' || strcmp(rec.device, rec.via) == 0) {
		(void)strlcpy(rec.device, rec.via, sizeof(rec.device));
		rec.via[0] = '\0';
	}
	switch (modbus_answer(ctx, &st->poll, buf + SM_RSP_RTU,
	    end - SM_RSP_RTU, &rec, st->maxpower > 0 ?
	    sm_inputs(st->maxpower) : 0, why, sizeof(why))) {
	case MB_ANSWER_OK:
		sm_polled(st, &rec);
		if (rec.nmetrics > 0 || rec.nattrs > 0)
			pv_record(ctx, &rec);
		break;
	case MB_ANSWER_BAD:
		pv_dump(ctx, buf, len, "Modbus response: %s", why);
		break;
	}
}

/*
 * What polled registers tell about the model (TSOL-MS and MX): the
 * maximum and rated power, as in 0x4210 frames.
 */
static void
sm_polled(struct solarman_state *st, struct record *rec)
{
	const struct metric	*m;
	char			 text[RECORD_ATTRLEN];

	if ((m = record_find(rec, M_RATED_POWER, 0)) != NULL &&
	    m->raw >= 0 && m->raw <= UINT16_MAX)
		st->rated = m->raw;
	if ((m = record_find(rec, M_MAX_POWER, 0)) == NULL ||
	    m->raw <= 0 || m->raw > UINT16_MAX)
		return;
	st->maxpower = m->raw;
	if ((st->poll.set == MB_SET_MS || st->poll.set == MB_SET_TITAN) &&
	    st->rated > 0) {
		sm_model(text, sizeof(text), rec->via[0] != '\0' ?
		    rec->device : "", st->maxpower, st->rated);
		record_attr(rec, A_MODEL, text);
	}
}
