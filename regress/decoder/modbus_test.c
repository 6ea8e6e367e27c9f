/*
 * Modbus inside the TSUN protocols (modbus.c): CRC, requests, response
 * checks and the register map against the captured frames, then the
 * polling schedule through the GEN3 and Solarman V5 decoders: server
 * mode on a listened-on connection, and client mode on a dialled one
 * (sensor-list detection, redial when the logger falls silent).
 *
 * argv[1] is the directory holding tsun-gen3/ and solarman-v5/
 * (default regress/vectors).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "modbus.h"

#define DEFAULT_DIR	"regress/vectors"

#define COLLECTOR	"R170000000000001"
#define INVERTER	"T170000000000001"
#define LOGGER		"2070233889"
#define LOGGER_N	2070233889U
#define LOGGER_DCU_N	2070233888U

/* where the RTU frame starts in the vectors */
#define G3_RTU77	(23 + 5)	/* GEN3 0x77: 4 bytes, length */
#define G3_RTU87	(23 + 6)	/* GEN3 0x87: 4 bytes, 0, length */
#define SM_RTU_REQ	26		/* V5 0x4510 */
#define SM_RTU_RSP	25		/* V5 0x1510 */

static char	 g3dir[1024], smdir[1024];

static int	 g3vec(struct vec *, const char *);
static int	 smvec(struct vec *, const char *);
static void	 setdev(const char *, uint32_t, uint32_t, uint32_t,
		    uint32_t);
static void	 test_v5_titan(void);
static void	 sm_req(struct vec *, uint8_t, uint8_t, uint32_t, uint16_t,
		    uint8_t, uint16_t, uint16_t);

static int
g3vec(struct vec *v, const char *id)
{
	vecdir = g3dir;
	return (vec_load(v, id));
}

static int
smvec(struct vec *v, const char *id)
{
	vecdir = smdir;
	return (vec_load(v, id));
}

/* the one [device] section pv_device() finds */
static void
setdev(const char *name, uint32_t logger, uint32_t interval,
    uint32_t sensor, uint32_t timeout)
{
	memset(devices, 0, sizeof(devices));
	(void)snprintf(devices[0].name, sizeof(devices[0].name), "%s", name);
	devices[0].logger = logger;
	devices[0].interval = interval;
	devices[0].sensor = sensor;
	devices[0].timeout = timeout;
	ndevices = 1;
}

/* a Solarman V5 read request as B.5 lays it out */
static void
sm_req(struct vec *v, uint8_t s5, uint8_t s6, uint32_t logger,
    uint16_t sensor, uint8_t addr, uint16_t reg, uint16_t n)
{
	uint8_t	sum = 0;
	size_t	i;

	memset(v->b, 0, 36);
	v->b[0] = 0xa5;
	v->b[1] = 23;
	v->b[3] = 0x10;
	v->b[4] = 0x45;
	v->b[5] = s5;
	v->b[6] = s6;
	for (i = 0; i < 4; i++)
		v->b[7 + i] = (logger >> (8 * i)) & 0xff;
	v->b[11] = 0x02;
	v->b[12] = sensor & 0xff;
	v->b[13] = sensor >> 8;
	modbus_request(v->b + SM_RTU_REQ, addr, reg, n);
	for (i = 1; i < 34; i++)
		sum += v->b[i];
	v->b[34] = sum;
	v->b[35] = 0x15;
	v->len = 36;
}

/* ------------------------------------------------------------------ */

static void
test_crc(void)
{
	static struct vec	 v;
	static const struct {
		int		 g3;
		const char	*id;
		size_t		 off;
		int		 good;
	} t[] = {
		{ 1, "38", G3_RTU77, 1 }, { 1, "39", G3_RTU77, 0 },
		{ 1, "44", G3_RTU77, 1 }, { 1, "45", G3_RTU77, 1 },
		{ 1, "46", G3_RTU77, 1 }, { 0, "30", SM_RTU_REQ, 1 },
		{ 0, "31", SM_RTU_REQ, 1 },
		{ 0, "33", SM_RTU_REQ, 0 }, { 0, "51", SM_RTU_REQ, 1 },
		{ 0, "53", SM_RTU_REQ, 1 }, { 0, "54", SM_RTU_REQ, 1 },
		{ 0, "58", SM_RTU_REQ, 1 }, { 0, "59", SM_RTU_REQ, 1 },
	};
	size_t			 i;
	uint16_t		 crc;
	int			 good;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if ((t[i].g3 ? g3vec(&v, t[i].id) : smvec(&v, t[i].id)) ==
		    -1 || v.len < t[i].off + MB_REQLEN) {
			result("CRC of %s", t[i].id);
			continue;
		}
		crc = pv_crc16_modbus(v.b + t[i].off, 6);
		good = v.b[t[i].off + 6] == (crc & 0xff) &&
		    v.b[t[i].off + 7] == crc >> 8;
		check(good == t[i].good, "CRC %04x, frame says %02x%02x", crc,
		    v.b[t[i].off + 6], v.b[t[i].off + 7]);
		result("CRC of %s %s vector %s", t[i].good ? "good" : "bad",
		    t[i].g3 ? "GEN3" : "V5", t[i].id);
	}
	check(pv_crc16_modbus((const uint8_t *)"123456789", 9) == 0x4b37,
	    "check value %04x",
	    pv_crc16_modbus((const uint8_t *)"123456789", 9));
	result("CRC-16/MODBUS check value 0x4b37");
}

static void
test_request(void)
{
	static struct vec	 v;
	static const struct {
		int		 g3;
		const char	*id;
		uint8_t		 addr;
		uint16_t	 reg, n;
	} t[] = {
		{ 1, "44", 1, 0x3000, 48 }, { 1, "45", 1, 0x2000, 96 },
		{ 1, "46", 1, 0x4560, 20 }, { 0, "53", 1, 0xffc0, 20 },
		{ 0, "54", 2, 0x0000, 20 }, { 0, "58", 1, 0x1000, 16 },
		{ 0, "59", 1, 0x0000, 45 },
	};
	uint8_t			 rtu[MB_REQLEN];
	size_t			 i, off;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		off = t[i].g3 ? G3_RTU77 : SM_RTU_REQ;
		if ((t[i].g3 ? g3vec(&v, t[i].id) : smvec(&v, t[i].id)) ==
		    -1 || v.len < off + MB_REQLEN) {
			result("request %s", t[i].id);
			continue;
		}
		modbus_request(rtu, t[i].addr, t[i].reg, t[i].n);
		check(memcmp(rtu, v.b + off, MB_REQLEN) == 0,
		    "%02x%02x%02x%02x%02x%02x%02x%02x", rtu[0], rtu[1], rtu[2],
		    rtu[3], rtu[4], rtu[5], rtu[6], rtu[7]);
		result("request: server %u, %u registers from 0x%04x, as in "
		    "%s", t[i].addr, t[i].n, t[i].reg, t[i].id);
	}
}

static void
test_check(void)
{
	static struct vec	 v;
	static const struct {
		int		 g3;
		const char	*id;
		size_t		 off;
		uint8_t		 addr;
		uint16_t	 n;
		const char	*why;		/* NULL: good */
	} t[] = {
		{ 0, "34", SM_RTU_RSP, 1, 20, NULL },
		{ 0, "35", SM_RTU_RSP, 1, 48, NULL },
		{ 0, "36", SM_RTU_RSP, 1, 20, "function 0x04, asked 0x03" },
		{ 0, "37", SM_RTU_RSP, 1, 16, NULL },
		{ 0, "38", SM_RTU_RSP, 1, 48,
		    "RTU frame of 2 bytes: CRC error" },
		{ 0, "39", SM_RTU_RSP, 1, 20,
		    "response from server 2, asked 1" },
		{ 0, "39", SM_RTU_RSP, 2, 20, NULL },
		{ 0, "43", SM_RTU_RSP, 1, 48, NULL },
		{ 0, "44", SM_RTU_RSP, 1, 45, NULL },
		{ 0, "34", SM_RTU_RSP, 1, 48,
		    "40 data bytes, asked 48 registers" },
		{ 1, "40", G3_RTU77, 1, 1, "function 0x06, asked 0x03" },
		{ 1, "42", G3_RTU77, 1, 20, NULL },
		{ 1, "43", G3_RTU77, 1, 20, NULL },
		{ 1, "47", G3_RTU87, 1, 48, NULL },
	};
	const uint8_t		*data;
	char			 why[PV_REASONLEN];
	uint8_t			 b[300];
	size_t			 i, len;
	int			 r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if ((t[i].g3 ? g3vec(&v, t[i].id) : smvec(&v, t[i].id)) ==
		    -1) {
			result("response %s", t[i].id);
			continue;
		}
		len = v.len - t[i].off - (t[i].g3 ? 0 : 2);
		why[0] = '\0';
		data = NULL;
		r = modbus_check(v.b + t[i].off, len, t[i].addr, t[i].n, &data,
		    why, sizeof(why));
		if (t[i].why == NULL)
			check(r == 0 && data != NULL && data[-1] == 2 *
			    t[i].n, "%d: %s", r, why);
		else
			check(r == -1 && strcmp(why, t[i].why) == 0,
			    "%d: \"%s\"", r, why);
		result("response %s %s to server %u, %u registers: %s",
		    t[i].g3 ? "GEN3" : "V5", t[i].id, t[i].addr, t[i].n,
		    t[i].why ? t[i].why : "good");
	}

	/* exception, trailing bytes, a flipped bit */
	memcpy(b, "\x01\x83\x02", 3);
	r = pv_crc16_modbus(b, 3);
	b[3] = r & 0xff;
	b[4] = r >> 8;
	r = modbus_check(b, 5, 1, 48, &data, why, sizeof(why));
	check(r == -1 && strcmp(why, "Modbus exception 2") == 0, "%s", why);
	result("response: exception 2");

	if (smvec(&v, "34") == 0) {
		len = v.len - SM_RTU_RSP - 2;
		memcpy(b, v.b + SM_RTU_RSP, len);
		b[len] = 0;
		r = modbus_check(b, len + 1, 1, 20, &data, why, sizeof(why));
		check(r == -1 && strcmp(why, "1 bytes after the RTU frame") ==
		    0, "%s", why);
		b[10] ^= 0x01;
		r = modbus_check(b, len, 1, 20, &data, why, sizeof(why));
		check(r == -1 && strncmp(why, "RTU CRC 6c68, want ", 19) == 0 &&
		    strcmp(why + 19, "6c68") != 0, "%s", why);
		/* two stray bytes are one too many */
		b[0] = 0xff;
		b[1] = 0xff;
		memcpy(b + 2, v.b + SM_RTU_RSP, len);
		r = modbus_check(b, len + 2, 1, 20, &data, why, sizeof(why));
		check(r == -1, "two 0xff accepted");
		r = modbus_check(b + 1, len + 1, 1, 20, &data, why,
		    sizeof(why));
		check(r == 0, "one 0xff refused: %s", why);
	}
	result("response: trailing byte, bad CRC, the 0xff prefix");
}

/* ------------------------------------------------------------------ */

static void
test_decode(void)
{
	static struct vec	 v;
	static struct record	 rec;
	const uint8_t		*data;
	char			 why[PV_REASONLEN];
	uint8_t			 blk[192];
	int			 n;

	/* V5 34: 20 registers from 0x3008 */
	if (smvec(&v, "34") == 0 && modbus_check(v.b + SM_RTU_RSP,
	    v.len - SM_RTU_RSP - 2, 1, 20, &data, why, sizeof(why)) == 0) {
		record_init(&rec, REC_MEASUREMENT, PROTO_SOLARMAN_V5, 0);
		n = modbus_decode(&rec, 0x3008, data, 20, 0);
		want_attr(&rec, A_FIRMWARE, "V4.0.10");
		want_metric(&rec, M_AC_VOLTAGE, 0, 2264, 1);
		want_metric(&rec, M_AC_CURRENT, 0, 0, 2);
		want_metric(&rec, M_AC_FREQUENCY, 0, 4999, 2);
		want_metric(&rec, M_TEMPERATURE, 0, 9, 0);
		want_metric(&rec, M_RATED_POWER, 0, 600, 0);
		want_metric(&rec, M_AC_POWER, 0, 0, 1);
		want_metric(&rec, M_PV_VOLTAGE, 1, 339, 1);
		want_metric(&rec, M_PV_CURRENT, 1, 2, 2);
		want_metric(&rec, M_PV_VOLTAGE, 2, 338, 1);
		want_metric(&rec, M_PV_CURRENT, 2, 2, 2);
		want_metric(&rec, M_PV_VOLTAGE, 3, 339, 1);
		want_metric(&rec, M_PV_CURRENT, 3, 3, 2);
		want_metric(&rec, M_PV_VOLTAGE, 4, 4, 1);
		want_metric(&rec, M_PV_CURRENT, 4, 1, 2);
		want_absent(&rec, M_STATUS, 0);
		want_absent(&rec, M_ENERGY_TOTAL, 0);
		check(n == 19 && rec.nmetrics == 18, "%d values, %u metrics",
		    n, rec.nmetrics);
	} else
		check(0, "vector 34");
	result("decode V5 34: V4.0.10, 226.4 V, 49.99 Hz, 9 C, 19 values");

	/* V5 35: 48 from 0x3000 behind the 0xff */
	if (smvec(&v, "35") == 0 && modbus_check(v.b + SM_RTU_RSP,
	    v.len - SM_RTU_RSP - 2, 1, 48, &data, why, sizeof(why)) == 0) {
		record_init(&rec, REC_MEASUREMENT, PROTO_SOLARMAN_V5, 0);
		(void)modbus_decode(&rec, 0x3000, data, 48, 0);
		want_metric(&rec, M_STATUS, 0, 1, 0);
		want_metric(&rec, M_ALARM, 0, 0, 0);
		want_attr(&rec, A_FIRMWARE, "V4.0.20");
		want_metric(&rec, M_AC_VOLTAGE, 0, 2248, 1);
		want_metric(&rec, M_AC_CURRENT, 0, 13, 2);
		want_metric(&rec, M_TEMPERATURE, 0, 17, 0);
		want_metric(&rec, M_AC_POWER, 0, 297, 1);
		want_metric(&rec, M_PV_POWER, 3, 115, 1);
		want_metric(&rec, M_ENERGY_TODAY, 0, 0, 2);
		want_metric(&rec, M_ENERGY_TOTAL, 0, 244961, 2);
		want_metric(&rec, M_PV_ENERGY_TOTAL, 1, 88782, 2);
		want_metric(&rec, M_PV_ENERGY_TOTAL, 4, 1558, 2);
		check(rec.nmetrics == 31, "%u metrics", rec.nmetrics);

		/* a two-input inverter: no third and fourth */
		record_init(&rec, REC_MEASUREMENT, PROTO_SOLARMAN_V5, 0);
		(void)modbus_decode(&rec, 0x3000, data, 48, 2);
		want_metric(&rec, M_PV_POWER, 2, 88, 1);
		want_absent(&rec, M_PV_VOLTAGE, 3);
		want_absent(&rec, M_PV_ENERGY_TOTAL, 4);
		check(rec.nmetrics == 21, "%u metrics", rec.nmetrics);
	} else
		check(0, "vector 35");
	result("decode V5 35: block 0x3000, 2449.61 kWh; two inputs only");

	/* GEN3 42 and 43: 20 from 0x3008; 47: 48 from 0x3000 (0x87) */
	if (g3vec(&v, "42") == 0 && modbus_check(v.b + G3_RTU77,
	    v.len - G3_RTU77, 1, 20, &data, why, sizeof(why)) == 0) {
		record_init(&rec, REC_MEASUREMENT, PROTO_TSUN_GEN3, 0);
		n = modbus_decode(&rec, 0x3008, data, 20, 0);
		want_attr(&rec, A_FIRMWARE, "V5.1.09");
		want_metric(&rec, M_RATED_POWER, 0, 300, 0);
		want_metric(&rec, M_AC_VOLTAGE, 0, 2259, 1);
		want_metric(&rec, M_AC_CURRENT, 0, 41, 2);
		want_metric(&rec, M_AC_FREQUENCY, 0, 4999, 2);
		want_metric(&rec, M_AC_POWER, 0, 948, 1);
		want_metric(&rec, M_TEMPERATURE, 0, 22, 0);
		want_metric(&rec, M_PV_VOLTAGE, 1, 8, 1);
		want_metric(&rec, M_PV_CURRENT, 1, 0, 2);
		want_metric(&rec, M_PV_POWER, 1, 0, 1);
		want_metric(&rec, M_PV_VOLTAGE, 2, 345, 1);
		want_metric(&rec, M_PV_CURRENT, 2, 289, 2);
		want_metric(&rec, M_PV_POWER, 2, 998, 1);
		want_metric(&rec, M_PV_POWER, 4, 0, 1);
		check(n == 19, "%d values", n);
	} else
		check(0, "vector 42");
	result("decode GEN3 42: V5.1.09, 225.9 V 0.41 A 94.8 W, pv2 99.8 W");

	if (g3vec(&v, "43") == 0 && modbus_check(v.b + G3_RTU77,
	    v.len - G3_RTU77, 1, 20, &data, why, sizeof(why)) == 0) {
		record_init(&rec, REC_MEASUREMENT, PROTO_TSUN_GEN3, 0);
		(void)modbus_decode(&rec, 0x3008, data, 20, 0);
		want_attr(&rec, A_FIRMWARE, "V5.1.0E");
		want_metric(&rec, M_AC_VOLTAGE, 0, 2259, 1);
	} else
		check(0, "vector 43");
	result("decode GEN3 43: the last version digit is hex, V5.1.0E");

	if (g3vec(&v, "47") == 0 && modbus_check(v.b + G3_RTU87,
	    v.len - G3_RTU87, 1, 48, &data, why, sizeof(why)) == 0) {
		record_init(&rec, REC_MEASUREMENT, PROTO_TSUN_GEN3, 0);
		(void)modbus_decode(&rec, 0x3000, data, 48, 2);
		want_metric(&rec, M_STATUS, 0, 1, 0);
		want_attr(&rec, A_FIRMWARE, "V5.1.09");
		want_metric(&rec, M_AC_VOLTAGE, 0, 2327, 1);
		want_metric(&rec, M_AC_CURRENT, 0, 23, 2);
		want_metric(&rec, M_AC_FREQUENCY, 0, 5000, 2);
		want_metric(&rec, M_TEMPERATURE, 0, 24, 0);
		want_metric(&rec, M_RATED_POWER, 0, 600, 0);
		want_metric(&rec, M_AC_POWER, 0, 547, 1);
		want_metric(&rec, M_PV_VOLTAGE, 1, 7, 1);
		want_metric(&rec, M_PV_VOLTAGE, 2, 335, 1);
		want_metric(&rec, M_PV_CURRENT, 2, 171, 2);
		want_metric(&rec, M_PV_POWER, 2, 576, 1);
		want_absent(&rec, M_PV_VOLTAGE, 3);
	} else
		check(0, "vector 47");
	result("decode GEN3 47 (0x87): 232.7 V, 54.7 W, pv2 57.6 W");

	/* Titan: 48 from 0x1200, and the serial at 0x1000 */
	if (smvec(&v, "43") == 0 && modbus_check(v.b + SM_RTU_RSP,
	    v.len - SM_RTU_RSP - 2, 1, 48, &data, why, sizeof(why)) == 0) {
		record_init(&rec, REC_MEASUREMENT, PROTO_SOLARMAN_V5, 0);
		(void)modbus_decode(&rec, 0x1200, data, 48, 0);
		want_metric(&rec, M_AC_VOLTAGE, 0, 2440, 1);
		want_metric(&rec, M_AC_CURRENT, 0, 140, 2);
		want_metric(&rec, M_AC_POWER, 0, 3420, 1);
		want_metric(&rec, M_AC_FREQUENCY, 0, 4997, 2);
		want_metric(&rec, M_RATED_POWER, 0, 3000, 0);
		want_metric(&rec, M_ENERGY_TODAY, 0, 69, 2);
		want_metric(&rec, M_ENERGY_TOTAL, 0, 1259, 2);
		want_metric(&rec, M_TEMPERATURE, 0, 41, 0);
		/* the manifest's insulation RX 9.43 and RY 0.61 MOhm */
		want_metric(&rec, M_INSULATION_RX, 0, 943, 2);
		want_metric(&rec, M_INSULATION_RY, 0, 61, 2);
		check(rec.nmetrics == 10, "%u metrics", rec.nmetrics);
	} else
		check(0, "vector 43");
	result("decode V5 43 (Titan 0x1200): 244.0 V 1.40 A 342.0 W, 41 C, "
	    "insulation 9.43 and 0.61 MOhm");

	if (smvec(&v, "37") == 0 && modbus_check(v.b + SM_RTU_RSP,
	    v.len - SM_RTU_RSP - 2, 1, 16, &data, why, sizeof(why)) == 0) {
		record_init(&rec, REC_MEASUREMENT, PROTO_SOLARMAN_V5, 0);
		(void)modbus_decode(&rec, 0x1000, data, 16, 0);
		want_attr(&rec, A_SERIAL, "Y170000000000002");
		check(rec.nmetrics == 0 && rec.nattrs == 1, "%u %u",
		    rec.nmetrics, rec.nattrs);
	} else
		check(0, "vector 37");
	result("decode V5 37 (Titan 0x1000): serial Y170000000000002");

	/* DCU: 45 from 0x0000 */
	if (smvec(&v, "44") == 0 && modbus_check(v.b + SM_RTU_RSP,
	    v.len - SM_RTU_RSP - 2, 1, 45, &data, why, sizeof(why)) == 0) {
		record_init(&rec, REC_MEASUREMENT, PROTO_SOLARMAN_V5, 0);
		(void)modbus_decode(&rec, 0x0000, data, 45, 0);
		want_attr(&rec, A_SERIAL, "4101240701490314");
		want_attr(&rec, A_MODEL, "TSOL-DC1000");
		want_metric(&rec, M_PV_VOLTAGE, 1, 50, 2);
		want_metric(&rec, M_PV_CURRENT, 1, 0, 2);
		want_metric(&rec, M_PV_POWER, 1, 0, 4);
		want_metric(&rec, M_PV_POWER, 2, 0, 4);
		want_metric(&rec, M_BATTERY_CHARGE_TOTAL, 0, 4219, 2);
		want_metric(&rec, M_BATTERY_VOLTAGE, 0, 5275, 2);
		/*
		 * The register says -2.59 A, the reference -136.6225 W:
		 * discharging, and ours are positive then, both.
		 */
		want_metric(&rec, M_BATTERY_CURRENT, 0, 259, 2);
		want_metric(&rec, M_BATTERY_SOC, 0, 9512, 2);
		want_metric(&rec, M_BATTERY_POWER, 0, 1366225, 4);
		want_metric(&rec, M_OUTPUT_VOLTAGE, 0, 3988, 2);
		want_metric(&rec, M_OUTPUT_CURRENT, 0, 330, 2);
		want_metric(&rec, M_OUTPUT_POWER, 0, 1316040, 4);
		want_metric(&rec, M_CELL_VOLTAGE, 1, 3297, 3);
		want_metric(&rec, M_CELL_VOLTAGE, 16, 3295, 3);
		want_metric(&rec, M_CELL_TEMPERATURE, 3, 19, 0);
		want_metric(&rec, M_TEMPERATURE, 0, 21, 0);
		want_metric(&rec, M_ALARM, 0, 0, 0);
		check(rec.nmetrics == 35, "%u metrics", rec.nmetrics);
	} else
		check(0, "vector 44");
	result("decode V5 44 (DCU): battery 2.59 A, 136.6225 W out, output "
	    "131.604 W");

	/* settings block 0x2000: maximum power, power limit 50 % */
	memset(blk, 0, sizeof(blk));
	blk[2 * 7] = 0x03;
	blk[2 * 7 + 1] = 0x20;
	blk[2 * 0x2c] = 0x02;
	record_init(&rec, REC_MEASUREMENT, PROTO_TSUN_GEN3, 0);
	n = modbus_decode(&rec, 0x2000, blk, 96, 0);
	want_metric(&rec, M_MAX_POWER, 0, 800, 0);
	want_metric(&rec, M_POWER_LIMIT, 0, 5000, 2);
	check(n == 2 && rec.nmetrics == 2, "%d values", n);
	/* a block that cuts a two-register value: left out */
	record_init(&rec, REC_MEASUREMENT, PROTO_TSUN_GEN3, 0);
	n = modbus_decode(&rec, 0x301e, blk, 2, 0);
	check(n == 1 && record_find(&rec, M_PV_ENERGY_TODAY, 1) != NULL &&
	    record_find(&rec, M_ENERGY_TOTAL, 0) == NULL, "%d values", n);
	result("decode 0x2000: 800 W maximum, 50 %% limit; halves left out");
}

/* ------------------------------------------------------------------ */

/* GEN3: a stick with a [device] section, polled every 60 s */
static void
test_gen3_poll(void)
{
	static struct vec	 hb, hbrsp, rsp, req, slow, t, data, echo;
	struct conn		*c;

	if (g3vec(&hb, "15") == -1 || g3vec(&hbrsp, "17") == -1 ||
	    g3vec(&rsp, "47") == -1 || g3vec(&req, "44") == -1 ||
	    g3vec(&slow, "45") == -1 || g3vec(&t, "10") == -1 ||
	    g3vec(&data, "27") == -1 || g3vec(&echo, "40") == -1) {
		result("GEN3 polling vectors");
		return;
	}
	setdev(COLLECTOR, 0, 60, 0, 0);
	c = conn_open(PROTO_TSUN_GEN3, 0);
	feed(c, hb.b, hb.len);
	want_reply(c, 1, hbrsp.b, hbrsp.len);
	check(c->timer == 40000, "first poll in %u ms", c->timer);
	result("GEN3 poll: first round 40 s after the heartbeat ack");

	conn_tick(c);
	want_reply(c, 2, req.b, req.len);
	check(c->timer == 15000, "timeout %u", c->timer);
	result("GEN3 poll: 48 registers from 0x3000 (vector 44)");

	feed(c, rsp.b, rsp.len);
	want_dump(c, 0, NULL);
	check(c->nrecords == 1, "%d records", c->nrecords);
	if (c->nrecords == 1) {
		check(c->rec[0].time == TEST_NOW && strcmp(c->rec[0].device,
		    COLLECTOR) == 0, "time %lld device %s",
		    (long long)c->rec[0].time, c->rec[0].device);
		want_metric(&c->rec[0], M_AC_POWER, 0, 547, 1);
	}
	check(c->timer == MB_PACE_MS, "pace %u", c->timer);
	want_reply(c, 2, NULL, 0);
	result("GEN3 poll: 0x87 response decoded, then a quiet second");

	conn_tick(c);
	want_reply(c, 3, slow.b, slow.len);
	conn_tick(c);
	want_reply(c, 4, slow.b, slow.len);
	check(c->timer == 15000, "timeout %u", c->timer);
	conn_tick(c);
	want_reply(c, 4, NULL, 0);
	check(c->timer == 60000 && c->ncloses == 0, "next round in %u ms",
	    c->timer);
	result("GEN3 poll: slow block 0x2000 (vector 45), one retransmit, "
	    "then the next round");

	/* the round after: 0x3000 only */
	c->ctx.now += 60;
	conn_tick(c);
	want_reply(c, 5, req.b, req.len);
	feed(c, rsp.b, rsp.len);
	check(c->nrecords == 2 && c->timer == 60000, "%d records, timer %u",
	    c->nrecords, c->timer);
	result("GEN3 poll: the next round, 0x3000 only");

	/* a time request makes the link busy: nothing goes out */
	feed(c, t.b, t.len);
	want_reply(c, 6, NULL, 0);
	c->ctx.now += 60;
	conn_tick(c);
	want_reply(c, 6, NULL, 0);
	check(c->timer == 0, "timer %u", c->timer);
	feed(c, hb.b, hb.len);
	want_reply(c, 7, hbrsp.b, hbrsp.len);
	check(c->timer == MB_PACE_MS, "timer %u", c->timer);
	conn_tick(c);
	want_reply(c, 8, req.b, req.len);
	result("GEN3 poll: held while the stick reports, sent after the "
	    "heartbeat");

	/* ... also the retransmit */
	feed(c, t.b, t.len);
	conn_tick(c);
	want_reply(c, 9, NULL, 0);
	feed(c, data.b, data.len);
	check(c->timer == MB_PACE_MS, "timer %u", c->timer);
	conn_tick(c);
	want_reply(c, 11, req.b, req.len);
	feed(c, rsp.b, rsp.len);
	want_dump(c, 0, NULL);
	result("GEN3 poll: the retransmit also waits for the link");

	/* bad answers: dumped, the request is over */
	c->ctx.now += 60;
	conn_tick(c);
	feed(c, echo.b, echo.len);
	want_dump(c, 1, "Modbus response: function 0x06, asked 0x03");
	check(c->timer == 60000, "timer %u", c->timer);
	feed(c, rsp.b, rsp.len);
	want_dump(c, 2, "Modbus response without a request");
	result("GEN3 poll: a wrong answer ends the request; a late one is "
	    "dumped");

	c->ctx.now += 60;
	conn_tick(c);
	rsp.b[23 + 5] = 0x64;
	feed(c, rsp.b, rsp.len);
	rsp.b[23 + 5] = 0x65;
	want_dump(c, 3, "Modbus response: length byte 100, 101 bytes follow");
	result("GEN3 poll: a wrong length byte");
}

static void
test_gen3_config(void)
{
	static struct vec	 hb, info, data, req;
	struct conn		*c;

	if (g3vec(&hb, "15") == -1 || g3vec(&info, "24") == -1 ||
	    g3vec(&data, "27") == -1 || g3vec(&req, "44") == -1) {
		result("GEN3 vectors");
		return;
	}
	ndevices = 0;
	c = conn_open(PROTO_TSUN_GEN3, 0);
	feed(c, hb.b, hb.len);
	feed(c, data.b, data.len);
	check(c->ntimers == 0 && c->timer == 0, "%d timers", c->ntimers);
	result("GEN3 poll: off without a [device] section");

	setdev(COLLECTOR, 0, 0, 0, 0);
	c = conn_open(PROTO_TSUN_GEN3, 0);
	feed(c, hb.b, hb.len);
	check(c->ntimers == 0, "%d timers", c->ntimers);
	result("GEN3 poll: off with interval 0");

	/* named by the inverter's serial; 5 s; 2 s timeout */
	setdev(INVERTER, 0, 5, 0, 2000);
	c = conn_open(PROTO_TSUN_GEN3, 0);
	feed(c, hb.b, hb.len);
	check(c->ntimers == 0, "polling before the serial is known");
	feed(c, info.b, info.len);
	feed(c, data.b, data.len);
	check(c->timer == 5000, "first in %u", c->timer);
	conn_tick(c);
	check(c->nreplies == 4 && c->replylen[3] == req.len &&
	    memcmp(c->reply[3], req.b, req.len) == 0, "%d replies",
	    c->nreplies);
	check(c->timer == 2000, "timeout %u", c->timer);
	conn_tick(c);
	conn_tick(c);
	check(c->timer == 5000 && c->ncloses == 0, "timer %u", c->timer);
	result("GEN3 poll: by inverter serial, interval 5 s, timeout 2 s");
}

/* Solarman V5 server mode: the logger of the captures */
static void
test_v5_poll(void)
{
	static struct vec	 hb, hbrsp, p1, p2, r35, r40, r42, r29, r36,
				 r50, want, dev, data;
	struct conn		*c;
	const struct record	*r;

	if (smvec(&hb, "24") == -1 || smvec(&hbrsp, "25") == -1 ||
	    smvec(&p1, "51") == -1 || smvec(&p2, "52") == -1 ||
	    smvec(&r35, "35") == -1 || smvec(&r40, "40") == -1 ||
	    smvec(&r42, "42") == -1 || smvec(&r29, "29") == -1 ||
	    smvec(&r36, "36") == -1 || smvec(&dev, "45") == -1 ||
	    smvec(&r50, "50") == -1 ||
	    smvec(&data, "08") == -1) {
		result("V5 polling vectors");
		return;
	}
	setdev(LOGGER, 0, 60, 0, 0);
	c = conn_open(PROTO_SOLARMAN_V5, 0);
	feed(c, hb.b, hb.len);
	want_reply(c, 1, hbrsp.b, hbrsp.len);
	check(c->timer == 40000, "first in %u", c->timer);
	conn_tick(c);
	want_reply(c, 2, p1.b, p1.len);
	check(c->timer == 8000, "timeout %u", c->timer);
	conn_tick(c);
	want_reply(c, 3, p2.b, p2.len);
	result("V5 poll: after the heartbeat, vectors 51 and 52 "
	    "(retransmit)");

	feed(c, r40.b, r40.len);
	want_dump(c, 1, "command response with status 0x00");
	feed(c, r42.b, r42.len);
	want_dump(c, 2, "command response of frame type 0x03");
	feed(c, r29.b, r29.len);
	want_dump(c, 3, "unexpected command response 0x0510");
	feed(c, r50.b, r50.len);
	want_dump(c, 4, "command response of frame type 0x05");
	check(c->nrecords == 0 && c->timer == 8000, "timer %u", c->timer);
	result("V5 poll: status 0, frame types 3 and 5, interim: still "
	    "waiting");

	feed(c, r35.b, r35.len);
	want_dump(c, 4, NULL);
	check(c->nrecords == 1, "%d records", c->nrecords);
	if (c->nrecords == 1) {
		r = &c->rec[0];
		check(strcmp(r->device, LOGGER) == 0 && r->via[0] == '\0',
		    "device %s via %s", r->device, r->via);
		want_metric(r, M_AC_VOLTAGE, 0, 2248, 1);
		want_metric(r, M_ENERGY_TOTAL, 0, 244961, 2);
		check(r->time == TEST_NOW, "time %lld", (long long)r->time);
	}
	check(c->timer == MB_PACE_MS, "pace %u", c->timer);
	result("V5 poll: the 0xff-prefixed response decoded");

	/* 35 came with seq 03 03: the slow block follows as 04 03 */
	conn_tick(c);
	sm_req(&want, 0x04, 0x03, LOGGER_N, MB_SET_MS, 1, 0x2000, 96);
	want_reply(c, 4, want.b, want.len);
	feed(c, r36.b, r36.len);
	want_dump(c, 5, "Modbus response: function 0x04, asked 0x03");
	check(c->timer == 60000, "next round in %u", c->timer);
	result("V5 poll: slow block 0x2000 (seq 04 03), refused answer");

	/* the sensor list the logger announced; the inverter's name */
	setdev(LOGGER, 0, 60, 0, 0);
	c = conn_open(PROTO_SOLARMAN_V5, 0);
	feed(c, data.b, data.len);
	conn_tick(c);
	feed(c, r35.b, r35.len);
	if (c->nrecords == 2) {
		r = &c->rec[1];
		check(strcmp(r->device, "Y17E7A0F010B013E") == 0 &&
		    strcmp(r->via, LOGGER) == 0, "device %s via %s",
		    r->device, r->via);
		/* the 0x4210 said 2000 W: four inputs */
		want_metric(r, M_PV_CURRENT, 4, 1, 2);
	} else
		check(0, "%d records", c->nrecords);
	result("V5 poll: after a 0x4210, named by the inverter serial");

	setdev("2070233888", 0, 30, 0, 0);
	c = conn_open(PROTO_SOLARMAN_V5, 0);
	feed(c, dev.b, dev.len);
	hb.b[7] = 0x20;		/* the DCU's logger; fix the checksum */
	hb.b[hb.len - 2]--;
	feed(c, hb.b, hb.len);
	hb.b[7] = 0x21;
	hb.b[hb.len - 2]++;
	check(c->timer == 30000, "first in %u", c->timer);
	conn_tick(c);
	sm_req(&want, 0x12, 0x84, LOGGER_DCU_N, MB_SET_DCU, 1, 0x0000, 45);
	want_reply(c, 3, want.b, want.len);
	result("V5 poll: sensor list 0x3026 from the 0x4110, 45 from 0x0000");
}

/*
 * Server mode, a TSUN Titan: its 0x4210 (vector 85, sensor list 0x1097,
 * no public layout) is dumped, but names the inverter and the list, so
 * a [device] for the inverter's serial has its registers polled before
 * the logger's device information ever came.
 */
static void
test_v5_titan(void)
{
	static struct vec	 data, r43, want;
	struct conn		*c;
	const struct record	*r;

	if (smvec(&data, "85") == -1 || smvec(&r43, "43") == -1) {
		result("V5 Titan vectors");
		return;
	}
	setdev("Y0019348081B0023", 0, 60, 0, 0);
	c = conn_open(PROTO_SOLARMAN_V5, 0);
	feed(c, data.b, data.len);
	want_reply(c, 1, NULL, 0);
	want_dump(c, 1, "sensor list 0x1097 (TSUN Titan, TSOL-MX): no public "
	    "0x4210 layout; poll it over Modbus");
	check(c->timer == 40000, "first in %u", c->timer);
	conn_tick(c);
	/* 85 came with seq 01 02, its ack was 02 02 */
	sm_req(&want, 0x03, 0x02, 0x80000000U, MB_SET_TITAN, 1, 0x1100, 16);
	want_reply(c, 2, want.b, want.len);
	result("V5 poll: a Titan's 0x4210 alone: 0x1100 for sensor list "
	    "0x1097");

	feed(c, r43.b, r43.len);
	want_dump(c, 2, "Modbus response: 96 data bytes, asked 16 registers");
	conn_tick(c);
	sm_req(&want, 0xa9, 0xac, LOGGER_N, MB_SET_TITAN, 1, 0x1200, 48);
	want_reply(c, 3, want.b, want.len);
	feed(c, r43.b, r43.len);
	check(c->nrecords == 1, "%d records", c->nrecords);
	if (c->nrecords == 1) {
		r = &c->rec[0];
		check(strcmp(r->device, "Y0019348081B0023") == 0, "device %s",
		    r->device);
		want_metric(r, M_AC_VOLTAGE, 0, 2440, 1);
		want_metric(r, M_INSULATION_RX, 0, 943, 2);
	}
	result("V5 poll: the Titan's 0x1200 (vector 43) under its serial");
}

/* client mode: dialled, polled at once, redialled when silent */
static void
test_client(void)
{
	static struct vec	 p1, p2, p3, det, dcu, r37, r38, r43, r44,
				 want;
	struct conn		*c;
	const struct record	*r;
	int			 i;

	if (smvec(&p1, "55") == -1 || smvec(&p2, "56") == -1 ||
	    smvec(&p3, "57") == -1 || smvec(&det, "58") == -1 ||
	    smvec(&dcu, "59") == -1 || smvec(&r37, "37") == -1 ||
	    smvec(&r38, "38") == -1 || smvec(&r43, "43") == -1 ||
	    smvec(&r44, "44") == -1) {
		result("client mode vectors");
		return;
	}

	setdev("Y170000000000001", LOGGER_N, 30, MB_SET_MS, 0);
	c = conn_open(PROTO_SOLARMAN_V5, 0);
	c->ctx.dev = &devices[0];
	conn_up(c);
	want_reply(c, 1, p1.b, p1.len);
	check(c->timer == 8000, "timeout %u", c->timer);
	conn_tick(c);
	want_reply(c, 2, p2.b, p2.len);
	conn_tick(c);
	want_reply(c, 2, NULL, 0);
	check(c->timer == 30000 && c->ncloses == 0, "timer %u", c->timer);
	c->ctx.now += 30;
	conn_tick(c);
	want_reply(c, 3, p3.b, p3.len);
	result("client: vectors 55, 56, 57 from a logger that says nothing");

	conn_tick(c);
	want_reply(c, 4, NULL, 0);
	conn_tick(c);
	check(c->ncloses == 1 && c->timer == 0, "%d closes, timer %u",
	    c->ncloses, c->timer);
	want_reply(c, 4, NULL, 0);
	result("client: two silent rounds close the connection for a redial");

	/* no sensor list configured: detect it */
	setdev("Y170000000000002", LOGGER_N, 30, 0, 0);
	c = conn_open(PROTO_SOLARMAN_V5, 0);
	c->ctx.dev = &devices[0];
	conn_up(c);
	want_reply(c, 1, p1.b, p1.len);
	feed(c, r38.b, r38.len);
	want_dump(c, 1, "Modbus response: RTU frame of 2 bytes: CRC error");
	check(c->timer == MB_PACE_MS, "pace %u", c->timer);
	conn_tick(c);
	want_reply(c, 2, det.b, det.len);
	result("client: detection, 0x02b0 fails, 0x1097 next (vector 58)");

	feed(c, r37.b, r37.len);
	check(c->nrecords == 1, "%d records", c->nrecords);
	if (c->nrecords == 1) {
		r = &c->rec[0];
		check(strcmp(r->device, "Y170000000000002") == 0 &&
		    strcmp(r->via, LOGGER) == 0, "device %s via %s",
		    r->device, r->via);
		want_attr(r, A_SERIAL, "Y170000000000002");
	}
	conn_tick(c);
	sm_req(&want, 0x04, 0x03, LOGGER_N, MB_SET_TITAN, 1, 0x1100, 16);
	want_reply(c, 3, want.b, want.len);
	feed(c, r43.b, r43.len);
	want_dump(c, 2, "Modbus response: 96 data bytes, asked 16 "
	    "registers");
	conn_tick(c);
	sm_req(&want, 0xa9, 0xac, LOGGER_N, MB_SET_TITAN, 1, 0x1200, 48);
	want_reply(c, 4, want.b, want.len);
	feed(c, r43.b, r43.len);
	check(c->nrecords == 2, "%d records", c->nrecords);
	if (c->nrecords == 2)
		want_metric(&c->rec[1], M_AC_POWER, 0, 3420, 1);
	result("client: 0x1097 found (vector 37), its round polled");

	/* a logger that never answers: detection, twice, then redial */
	c = conn_open(PROTO_SOLARMAN_V5, 0);
	c->ctx.dev = &devices[0];
	conn_up(c);
	for (i = 0; i < 40 && c->ncloses == 0 && c->timer != 0; i++)
		conn_tick(c);
	check(c->ncloses == 1 && c->nreplies == 12, "%d closes, %d sent",
	    c->ncloses, c->nreplies);
	result("client: silent through two detections, then closed");

	setdev("4101240701490314", LOGGER_DCU_N, 30, MB_SET_DCU, 0);
	c = conn_open(PROTO_SOLARMAN_V5, 0);
	c->ctx.dev = &devices[0];
	conn_up(c);
	want_reply(c, 1, dcu.b, dcu.len);
	feed(c, r44.b, r44.len);
	check(c->nrecords == 1 && c->timer == 30000, "%d records, timer %u",
	    c->nrecords, c->timer);
	if (c->nrecords == 1) {
		r = &c->rec[0];
		check(strcmp(r->device, "4101240701490314") == 0 &&
		    strcmp(r->via, "2070233888") == 0, "device %s via %s",
		    r->device, r->via);
		want_metric(r, M_BATTERY_SOC, 0, 9512, 2);
		want_attr(r, A_MODEL, "TSOL-DC1000");
	}
	result("client: DCU battery, vector 59, values of 44");

	setdev("Y170000000000001", 0, 30, MB_SET_MS, 0);
	c = conn_open(PROTO_SOLARMAN_V5, 0);
	c->ctx.dev = &devices[0];
	conn_up(c);
	check(c->nreplies == 0 && c->ntimers == 0, "%d sent", c->nreplies);
	result("client: no logger serial, nothing sent");
}

int
main(int argc, char *argv[])
{
	const char	*dir = argc > 1 ? argv[1] : DEFAULT_DIR;

	(void)snprintf(g3dir, sizeof(g3dir), "%s/tsun-gen3", dir);
	(void)snprintf(smdir, sizeof(smdir), "%s/solarman-v5", dir);
	set_tz(TEST_TZ);

	test_crc();
	test_request();
	test_check();
	test_decode();
	test_gen3_poll();
	test_gen3_config();
	test_v5_poll();
	test_v5_titan();
	test_client();

	return (finish());
}
