/*
 * The Solarman V5 and capture framers and decoders fed the captured
 * frames in regress/vectors/solarman-v5 (or the directory given as
 * argv[1]), through the harness (harness.c).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define DEFAULT_DIR	"regress/vectors/solarman-v5"

/* the inverter logger of the test captures */
#define LOGGER		"2070233889"
#define LOGGER_DCU	"2070233888"

static void	build_ack(const uint8_t *, uint8_t *);
static uint8_t	sum(const uint8_t *, size_t, size_t);
static void	wrap(struct vec *, const uint8_t *, size_t, uint16_t,
		    uint8_t, uint8_t, uint32_t);
static void	refix(struct vec *, size_t);

static uint8_t
sum(const uint8_t *p, size_t from, size_t to)
{
	uint8_t	s = 0;

	while (from < to)
		s += p[from++];
	return (s);
}

/* the ack the spec (B.3) prescribes for an indication */
static void
build_ack(const uint8_t *ind, uint8_t *ack)
{
	uint16_t	ctrl = ind[3] | ind[4] << 8;
	uint32_t	t = TEST_NOW;

	ack[0] = 0xa5;
	ack[1] = 10;
	ack[2] = 0;
	ctrl -= 0x3000;
	ack[3] = ctrl & 0xff;
	ack[4] = ctrl >> 8;
	ack[5] = (uint8_t)(ind[5] + 1);
	ack[6] = ind[6];
	memcpy(ack + 7, ind + 7, 4);
	ack[11] = ind[11];
	ack[12] = 1;
	ack[13] = t & 0xff;
	ack[14] = (t >> 8) & 0xff;
	ack[15] = (t >> 16) & 0xff;
	ack[16] = t >> 24;
	ack[17] = TEST_HB;
	ack[18] = ack[19] = ack[20] = 0;
	ack[21] = sum(ack, 1, 21);
	ack[22] = 0x15;
}

/* a body vector (11 placeholder bytes, payload) made a frame */
static void
wrap(struct vec *out, const uint8_t *body, size_t len, uint16_t ctrl,
    uint8_t s5, uint8_t s6, uint32_t serial)
{
	memcpy(out->b, body, len);
	out->b[0] = 0xa5;
	out->b[3] = ctrl & 0xff;
	out->b[4] = ctrl >> 8;
	out->b[5] = s5;
	out->b[6] = s6;
	out->b[7] = serial & 0xff;
	out->b[8] = (serial >> 8) & 0xff;
	out->b[9] = (serial >> 16) & 0xff;
	out->b[10] = serial >> 24;
	refix(out, len);
}

/* cut or extend a frame to header + payload of hlen bytes, fix it up */
static void
refix(struct vec *v, size_t hlen)
{
	size_t	L = hlen - 11;

	v->b[1] = L & 0xff;
	v->b[2] = L >> 8;
	v->b[hlen] = sum(v->b, 1, hlen);
	v->b[hlen + 1] = 0x15;
	v->len = hlen + 2;
}

/* ------------------------------------------------------------------ */

static void
test_registry(void)
{
	const struct proto	*p, *q;

	p = proto_byname("solarman-v5");
	q = proto_byid(PROTO_SOLARMAN_V5);
	check(p != NULL && p == q, "solarman-v5 not found by name and id");
	if (p != NULL) {
		check(strcmp(p->name, "solarman-v5") == 0, "name %s", p->name);
		check(p->id == PROTO_SOLARMAN_V5, "id %u", p->id);
		check(p->port == 10000, "port %u", p->port);
		check(p->statesize == solarman_statesize() &&
		    p->statesize > 0, "statesize %zu", p->statesize);
		check(p->frame == solarman_frame &&
		    p->decode == solarman_decode, "functions");
	}
	result("registry solarman-v5");

	p = proto_byname("capture");
	q = proto_byid(PROTO_CAPTURE);
	check(p != NULL && p == q, "capture not found by name and id");
	if (p != NULL) {
		check(p->id == PROTO_CAPTURE, "id %u", p->id);
		check(p->port == 0, "port %u", p->port);
		check(p->statesize == capture_statesize() &&
		    p->statesize > 0, "statesize %zu", p->statesize);
		check(p->frame == capture_frame &&
		    p->decode == capture_decode, "functions");
	}
	result("registry capture");

	check(proto_byid(PROTO_NONE) == NULL, "PROTO_NONE found");
	check(proto_byid(PROTO_MAX) == NULL, "PROTO_MAX found");
	check(proto_byname("tsun-gen3x") == NULL, "unknown name found");
	check(proto_byname("") == NULL, "empty name found");
	result("registry unknown protocols");
}

static void
test_bytes(void)
{
	const uint8_t	p[4] = { 0x12, 0x34, 0x56, 0x78 };
	uint8_t		q[4];

	check(pv_le16(p) == 0x3412, "le16 %04x", pv_le16(p));
	check(pv_be16(p) == 0x1234, "be16 %04x", pv_be16(p));
	check(pv_le32(p) == 0x78563412, "le32 %08x", pv_le32(p));
	check(pv_be32(p) == 0x12345678, "be32 %08x", pv_be32(p));
	pv_put_le16(q, 0xbeef);
	check(q[0] == 0xef && q[1] == 0xbe, "put_le16");
	pv_put_le32(q, 0xdeadbeef);
	check(q[0] == 0xef && q[1] == 0xbe && q[2] == 0xad && q[3] == 0xde,
	    "put_le32");
	q[0] = q[1] = q[2] = q[3] = 0xff;
	check(pv_be32(q) == 0xffffffffU && pv_le32(q) == 0xffffffffU,
	    "high bit");
	result("byte helpers");
}

/* every frame vector through framer and decoder on a fresh connection */
enum { V_ACK, V_NOACK, V_SKIP };

struct vcase {
	const char	*id;
	int		 kind;
	const char	*reason;	/* dump or skip reason, NULL: none */
	int		 records;
	const char	*ref;		/* the exact reply vector */
};

static const struct vcase	vcases[] = {
	{ "01", V_ACK, NULL, 1, "02" },
	{ "02", V_NOACK, "unknown control code 0x1110", 0, NULL },
	{ "03", V_ACK, NULL, 1, "04" },
	{ "04", V_NOACK, "unknown control code 0x1110", 0, NULL },
	{ "05", V_SKIP, "bad start byte", 0, NULL },
	{ "06", V_SKIP, "bad end byte", 0, NULL },
	{ "07", V_NOACK, "bad checksum", 0, NULL },
	{ "08", V_ACK, NULL, 1, "09" },
	{ "09", V_NOACK, "unknown control code 0x1210", 0, NULL },
	{ "10", V_ACK, "historic frame without a known time offset", 1,
	    "11" },
	{ "11", V_NOACK, "unknown control code 0x1210", 0, NULL },
	{ "12", V_ACK, NULL, 1, NULL },
	{ "13", V_ACK, NULL, 1, NULL },
	{ "14", V_ACK, NULL, 1, NULL },
	{ "15", V_ACK, NULL, 1, NULL },
	{ "16", V_ACK, NULL, 1, NULL },
	{ "17", V_ACK, NULL, 1, NULL },
	{ "18", V_NOACK, "unknown control code 0x5110", 0, NULL },
	{ "19", V_ACK, "0x4310 payload not decoded", 0, "20" },
	{ "20", V_NOACK, "unknown control code 0x1310", 0, NULL },
	{ "21", V_ACK, "0x4310 payload not decoded", 0, NULL },
	{ "22", V_ACK, "0x4810 payload not decoded", 0, "23" },
	{ "23", V_NOACK, "unknown control code 0x1810", 0, NULL },
	{ "24", V_ACK, NULL, 0, "25" },
	{ "25", V_NOACK, "unknown control code 0x1710", 0, NULL },
	{ "26", V_NOACK, "unexpected command 0x4510", 0, NULL },
	{ "27", V_NOACK, "unexpected command 0x4510", 0, NULL },
	{ "28", V_NOACK, "unexpected command response 0x1510", 0, NULL },
	{ "29", V_NOACK, "unexpected command response 0x0510", 0, NULL },
	{ "30", V_NOACK, "unexpected command 0x4510", 0, NULL },
	{ "31", V_NOACK, "unexpected command 0x4510", 0, NULL },
	{ "32", V_NOACK, "unexpected command 0x4510", 0, NULL },
	{ "33", V_NOACK, "unexpected command 0x4510", 0, NULL },
	{ "34", V_NOACK, "unexpected command response 0x1510", 0, NULL },
	{ "35", V_NOACK, "unexpected command response 0x1510", 0, NULL },
	{ "36", V_NOACK, "unexpected command response 0x1510", 0, NULL },
	{ "37", V_NOACK, "unexpected command response 0x1510", 0, NULL },
	{ "38", V_NOACK, "unexpected command response 0x1510", 0, NULL },
	{ "39", V_NOACK, "unexpected command response 0x1510", 0, NULL },
	{ "40", V_NOACK, "unexpected command response 0x1510", 0, NULL },
	{ "41", V_NOACK, "unexpected command 0x4510", 0, NULL },
	{ "42", V_NOACK, "unexpected command response 0x1510", 0, NULL },
	{ "43", V_NOACK, "unexpected command response 0x1510", 0, NULL },
	{ "44", V_NOACK, "unexpected command response 0x1510", 0, NULL },
	{ "45", V_ACK, NULL, 1, "46" },
	{ "46", V_NOACK, "unknown control code 0x1110", 0, NULL },
	{ "47", V_ACK, NULL, 1, "48" },
	{ "48", V_NOACK, "unknown control code 0x1210", 0, NULL },
	{ "49", V_NOACK, "unexpected command 0x4510", 0, NULL },
	{ "50", V_NOACK, "unexpected command response 0x1510", 0, NULL },
	{ "51", V_NOACK, "unexpected command 0x4510", 0, NULL },
	{ "52", V_NOACK, "unexpected command 0x4510", 0, NULL },
	{ "53", V_NOACK, "unexpected command 0x4510", 0, NULL },
	{ "54", V_NOACK, "unexpected command 0x4510", 0, NULL },
	{ "55", V_NOACK, "unexpected command 0x4510", 0, NULL },
	{ "56", V_NOACK, "unexpected command 0x4510", 0, NULL },
	{ "57", V_NOACK, "unexpected command 0x4510", 0, NULL },
	{ "58", V_NOACK, "unexpected command 0x4510", 0, NULL },
	{ "59", V_NOACK, "unexpected command 0x4510", 0, NULL },
	{ "60", V_ACK, NULL, 1, NULL },
	{ "61", V_ACK, NULL, 1, NULL },
	{ "62", V_NOACK, "unknown control code 0x1210", 0, NULL },
	{ "63", V_ACK, NULL, 0, NULL },
	{ "80", V_NOACK, "bad checksum", 0, NULL },
	{ "81", V_NOACK, "bad checksum", 0, NULL },
	{ "82", V_NOACK, "unknown control code 0x1110", 0, NULL },
	{ "83", V_SKIP, "bad start byte", 0, NULL },
	{ "84", V_ACK, NULL, 1, NULL },
	{ "85", V_ACK, "sensor list 0x1097 (TSUN Titan, TSOL-MX): no public "
	    "0x4210 layout; poll it over Modbus", 0, NULL },
	{ "86", V_NOACK, "unknown control code 0x1110", 0, NULL },
};

static void
test_vectors(void)
{
	static struct vec	 v, ref;
	const struct vcase	*vc;
	struct conn		*c;
	uint8_t			 ack[23];
	size_t			 i;

	for (i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++) {
		vc = &vcases[i];
		if (vec_load(&v, vc->id) == -1) {
			result("vector %s", vc->id);
			continue;
		}
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->badverdict == 0, "framer broke its contract");
		check(c->len == 0 && !c->dead, "bytes left or closed");
		switch (vc->kind) {
		case V_SKIP:
			check(c->nframes == 0, "%d frames", c->nframes);
			check(c->nskips == 1 && c->skipn[0] == v.len &&
			    strcmp(c->skipwhy[0], vc->reason) == 0,
			    "%d skips, first %zu bytes \"%s\"", c->nskips,
			    c->skipn[0], c->skipwhy[0]);
			want_reply(c, 0, NULL, 0);
			want_dump(c, 0, NULL);
			break;
		case V_NOACK:
			check(c->nframes == 1 && c->nskips == 0,
			    "%d frames, %d skips", c->nframes, c->nskips);
			want_reply(c, 0, NULL, 0);
			want_dump(c, 1, vc->reason);
			break;
		case V_ACK:
			check(c->nframes == 1 && c->nskips == 0,
			    "%d frames, %d skips", c->nframes, c->nskips);
			build_ack(v.b, ack);
			want_reply(c, 1, ack, sizeof(ack));
			want_dump(c, vc->reason ? 1 : 0, vc->reason);
			if (vc->ref != NULL && vec_load(&ref, vc->ref) == 0)
				want_reply(c, 1, ref.b, ref.len);
			break;
		}
		/* a dump carries the whole frame */
		want_dump_of(c, v.b, v.len);
		check(c->nrecords == vc->records, "%d records, want %d",
		    c->nrecords, vc->records);
		check(c->ncloses == 0, "closed");
		result("vector %s%s%s", vc->id, vc->ref ? " reply " : "",
		    vc->ref ? vc->ref : "");
	}
}

/* the device record of 01 and of body 70 */
static void
check_device_02b0(const struct record *r, int64_t t)
{
	check(r->kind == REC_DEVICE, "kind %d", r->kind);
	check(r->proto == PROTO_SOLARMAN_V5, "proto %d", r->proto);
	check(r->time == t, "time %lld", (long long)r->time);
	check(strcmp(r->device, LOGGER) == 0, "device %s", r->device);
	check(r->via[0] == '\0', "via %s", r->via);
	check(strcmp(r->peer, TEST_PEER) == 0, "peer %s", r->peer);
	want_metric(r, M_SIGNAL, 0, 100, 0);
	want_metric(r, M_DATA_INTERVAL, 0, 300, 0);
	want_metric(r, M_COLLECT_INTERVAL, 0, 60, 0);
	want_metric(r, M_HEARTBEAT_INTERVAL, 0, 120, 0);
	check(r->nmetrics == 4, "%u metrics", r->nmetrics);
	want_attr(r, A_MODEL, "LSW5BLE_17_02B0_1.05");
	want_attr(r, A_FIRMWARE, "V1.1.00.0B");
	want_attr(r, A_MAC, "40:2a:8f:4f:51:54");
	want_attr(r, A_IP, "192.168.80.49");
	want_attr(r, A_SSID, "Allius-Home");
	want_attr(r, A_SENSOR_LIST, "02b0");
}

static void
test_device(void)
{
	static struct vec	 v, body;
	struct conn		*c;
	const struct record	*r;

	if (vec_load(&v, "01") == 0) {
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->nrecords == 1, "%d records", c->nrecords);
		if (c->nrecords == 1)
			check_device_02b0(&c->rec[0], TEST_NOW);
	}
	result("01 device record");

	if (vec_load(&body, "70") == 0) {
		check(body.len == 223, "body length %zu", body.len);
		wrap(&v, body.b, body.len, 0x4110, 0x07, 0x08,
		    2070233889U);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		c->ctx.now = 1700000000;
		feed(c, v.b, v.len);
		check(c->nreplies == 1, "%d replies", c->nreplies);
		check(c->nrecords == 1, "%d records", c->nrecords);
		if (c->nrecords == 1)
			check_device_02b0(&c->rec[0], 1700000000);
		/* the ack carries the receive time */
		check(c->reply[0][13] == 0x00 && c->reply[0][14] == 0xf1 &&
		    c->reply[0][15] == 0x53 && c->reply[0][16] == 0x65 &&
		    c->reply[0][5] == 0x08 && c->reply[0][6] == 0x08,
		    "ack time or sequence");
	}
	result("70 body as 0x4110: device record");

	if (vec_load(&v, "45") == 0) {
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->nrecords == 1, "%d records", c->nrecords);
		r = &c->rec[0];
		if (c->nrecords == 1) {
			check(strcmp(r->device, LOGGER_DCU) == 0, "device %s",
			    r->device);
			want_attr(r, A_SENSOR_LIST, "3026");
			want_attr(r, A_MODEL,
			    "LSW5_01_3026_NS_05_01.00.00.00");
			want_attr(r, A_MAC, "d4:27:87:12:ad:c0");
			want_attr(r, A_IP, "192.168.9.14");
			want_attr(r, A_SSID, "zuhause");
			want_metric(r, M_SIGNAL, 0, 92, 0);
			want_metric(r, M_DATA_INTERVAL, 0, 300, 0);
		}
	}
	result("45 DCU device record, sensor list 3026");

	if (vec_load(&v, "84") == 0) {
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->nrecords == 1, "%d records", c->nrecords);
		r = &c->rec[0];
		if (c->nrecords == 1) {
			check(strcmp(r->device, "2147483648") == 0,
			    "device %s", r->device);
			want_attr(r, A_SENSOR_LIST, "1097");
			want_attr(r, A_MODEL,
			    "LSW5_01_1097_SS_05_00.00.00.08");
			want_attr(r, A_FIRMWARE, "V1.0.01");
		}
	}
	result("84 Titan device record, sensor list 1097");
}

/*
 * Body 71 as asserted by the reference tests; frame 08 carries the same
 * registers.
 */
static void
check_ms600(const struct record *r)
{
	check(r->kind == REC_MEASUREMENT, "kind %d", r->kind);
	check(r->proto == PROTO_SOLARMAN_V5, "proto %d", r->proto);
	check(strcmp(r->via, LOGGER) == 0, "via %s", r->via);
	check(strcmp(r->peer, TEST_PEER) == 0, "peer %s", r->peer);
	want_metric(r, M_STATUS, 0, 1, 0);
	want_metric(r, M_ALARM, 0, 0, 0);
	want_metric(r, M_FAULT, 0, 0, 0);
	want_metric(r, M_AC_VOLTAGE, 0, 2248, 1);
	want_metric(r, M_AC_CURRENT, 0, 73, 2);
	want_metric(r, M_AC_FREQUENCY, 0, 5005, 2);
	want_metric(r, M_TEMPERATURE, 0, 14, 0);
	want_metric(r, M_RATED_POWER, 0, 600, 0);
	want_metric(r, M_MAX_POWER, 0, 2000, 0);
	want_metric(r, M_AC_POWER, 0, 1658, 1);
	want_metric(r, M_PV_VOLTAGE, 1, 353, 1);
	want_metric(r, M_PV_CURRENT, 1, 168, 2);
	want_metric(r, M_PV_POWER, 1, 596, 1);
	want_metric(r, M_PV_ENERGY_TODAY, 1, 4, 2);
	want_metric(r, M_PV_ENERGY_TOTAL, 1, 3076, 2);
	want_metric(r, M_PV_VOLTAGE, 2, 346, 1);
	want_metric(r, M_PV_CURRENT, 2, 138, 2);
	want_metric(r, M_PV_POWER, 2, 484, 1);
	want_metric(r, M_PV_ENERGY_TODAY, 2, 3, 2);
	want_metric(r, M_PV_ENERGY_TOTAL, 2, 2791, 2);
	want_metric(r, M_PV_VOLTAGE, 3, 346, 1);
	want_metric(r, M_PV_CURRENT, 3, 189, 2);
	want_metric(r, M_PV_POWER, 3, 655, 1);
	want_metric(r, M_PV_ENERGY_TODAY, 3, 5, 2);
	want_metric(r, M_PV_ENERGY_TOTAL, 3, 3189, 2);
	want_metric(r, M_PV_VOLTAGE, 4, 17, 1);
	want_metric(r, M_PV_CURRENT, 4, 1, 2);
	want_metric(r, M_PV_POWER, 4, 0, 1);
	want_metric(r, M_PV_ENERGY_TODAY, 4, 0, 2);
	want_metric(r, M_PV_ENERGY_TOTAL, 4, 1558, 2);
	want_absent(r, M_PV_VOLTAGE, 5);
	want_metric(r, M_ENERGY_TODAY, 0, 11, 2);
	want_metric(r, M_ENERGY_TOTAL, 0, 10136, 2);
	check(r->nmetrics == 32, "%u metrics, want 32", r->nmetrics);
	want_attr(r, A_MODEL, "TSOL-MS2000(600)");
	want_attr(r, A_FIRMWARE, "V4.0.10");
}

/* offset 14 + offset 22 of frame 08: 0x3224c8bc + 0x33e447a0 */
#define T08	(0x3224c8bcLL + 0x33e447a0LL)

static void
test_ms(void)
{
	static struct vec	 v, v10, body;
	struct conn		*c;
	char			 text[64];
	const struct metric	*m;

	if (vec_load(&v, "08") == 0) {
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->nrecords == 1, "%d records", c->nrecords);
		want_dump(c, 0, NULL);
		if (c->nrecords == 1) {
			check_ms600(&c->rec[0]);
			check(strcmp(c->rec[0].device, "Y17E7A0F010B013E") ==
			    0, "device %s", c->rec[0].device);
			check(c->rec[0].time == T08, "time %lld, want %lld",
			    (long long)c->rec[0].time, T08);
			m = record_find(&c->rec[0], M_AC_VOLTAGE, 0);
			check(m != NULL && metric_value(m, text,
			    sizeof(text)) >= 0 && strcmp(text, "224.8") == 0,
			    "ac_voltage does not print as 224.8");
		}
	}
	result("08 values equal body 71, time offset 0x33e447a0");

	if (vec_load(&body, "71") == 0) {
		wrap(&v, body.b, body.len, 0x4210, 0x01, 0x02, 2070233889U);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->nreplies == 1, "%d replies", c->nreplies);
		check(c->nrecords == 1, "%d records", c->nrecords);
		if (c->nrecords == 1) {
			check_ms600(&c->rec[0]);
			check(strcmp(c->rec[0].device, "Y17E00000000000E") ==
			    0, "device %s", c->rec[0].device);
		}
	}
	result("71 body as 0x4210: values");

	/* historic after live: the offset of the live frame */
	if (vec_load(&v, "08") == 0 && vec_load(&v10, "10") == 0) {
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		feed(c, v10.b, v10.len);
		check(c->nreplies == 2, "%d replies", c->nreplies);
		check(c->nrecords == 2, "%d records", c->nrecords);
		want_dump(c, 0, NULL);
		if (c->nrecords == 2) {
			check(c->rec[1].time == T08, "time %lld, want %lld",
			    (long long)c->rec[1].time, T08);
			check_ms600(&c->rec[1]);
		}
	}
	result("10 after 08: historic frame timed by the live offset");

	/* historic first: receive time and a dump */
	if (vec_load(&v10, "10") == 0) {
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v10.b, v10.len);
		check(c->nrecords == 1, "%d records", c->nrecords);
		if (c->nrecords == 1)
			check(c->rec[0].time == TEST_NOW, "time %lld",
			    (long long)c->rec[0].time);
		want_dump(c, 1, "historic frame without a known time offset");
	}
	result("10 alone: receive time, dumped");
}

struct mscase {
	const char	*id;
	const char	*model;
	int		 rated, maxpower, inputs;
};

static const struct mscase	mscases[] = {
	{ "08", "TSOL-MS2000(600)", 600, 2000, 4 },
	{ "12", "TSOL-MS1600", 1600, 1600, 4 },
	{ "13", "TSOL-MS1800", 1800, 1800, 4 },
	{ "14", "TSOL-MS2000", 2000, 2000, 4 },
	{ "15", "TSOL-MS800", 800, 800, 2 },
	{ "16", "TSOL-MS900", 900, 900, 2 },
	{ "17", "TSOL-MX900", 900, 900, 2 },
};

static void
test_models(void)
{
	static struct vec	 v;
	const struct mscase	*mc;
	struct conn		*c;
	const struct record	*r;
	size_t			 i;

	for (i = 0; i < sizeof(mscases) / sizeof(mscases[0]); i++) {
		mc = &mscases[i];
		if (vec_load(&v, mc->id) == 0) {
			c = conn_open(PROTO_SOLARMAN_V5, 0);
			feed(c, v.b, v.len);
			check(c->nrecords == 1, "%d records", c->nrecords);
			r = &c->rec[0];
			if (c->nrecords == 1) {
				want_attr(r, A_MODEL, mc->model);
				want_metric(r, M_RATED_POWER, 0, mc->rated, 0);
				want_metric(r, M_MAX_POWER, 0, mc->maxpower, 0);
				check(record_find(r, M_PV_VOLTAGE,
				    mc->inputs) != NULL &&
				    record_find(r, M_PV_POWER,
				    mc->inputs) != NULL &&
				    record_find(r, M_PV_ENERGY_TOTAL,
				    mc->inputs) != NULL, "pv%d missing",
				    mc->inputs);
				want_absent(r, M_PV_VOLTAGE, mc->inputs + 1);
				want_absent(r, M_PV_ENERGY_TODAY,
				    mc->inputs + 1);
			}
		}
		result("%s model %s, rated %d, max %d, %d inputs", mc->id,
		    mc->model, mc->rated, mc->maxpower, mc->inputs);
	}
}

/* 08 with other powers and serial: the derivation rules of B.4 */
static void
one_model(const char *serial, int rated, int maxpower, const char *model,
    int inputs)
{
	static struct vec	 v;
	struct conn		*c;
	const struct record	*r;

	if (vec_load(&v, "08") != 0)
		return;
	memcpy(v.b + 0x20, serial, 16);
	v.b[0xdc] = rated >> 8;
	v.b[0xdd] = rated & 0xff;
	v.b[0x126] = maxpower >> 8;
	v.b[0x127] = maxpower & 0xff;
	refix(&v, v.len - 2);
	c = conn_open(PROTO_SOLARMAN_V5, 0);
	feed(c, v.b, v.len);
	check(c->nrecords == 1, "%d records", c->nrecords);
	if (c->nrecords != 1)
		return;
	r = &c->rec[0];
	want_attr(r, A_MODEL, model);
	check(strcmp(r->device, serial) == 0, "device %s", r->device);
	check(record_find(r, M_PV_VOLTAGE, inputs) != NULL, "pv%d missing",
	    inputs);
	want_absent(r, M_PV_VOLTAGE, inputs + 1);
}

static void
test_model_rules(void)
{
	one_model("Y17E7A0F010B013E", 800, 3000, "TSOL-MS3000(800)", 4);
	result("model rule: 3000 rated 800, 6 inputs capped at 4");
	one_model("Y00E7A0F010B013E", 3000, 3000, "TSOL-MX3000D", 4);
	result("model rule: Titan 3000 is MX3000D");
	one_model("Y47E7A0F010B013E", 800, 2000, "TSOL-MS2000(800)", 4);
	result("model rule: 2000 rated 800");
	one_model("Y17E7A0F010B013E", 400, 400, "TSOL-MS400", 1);
	result("model rule: 400 has one input");
	one_model("Y17E7A0F010B013E", 2250, 2250, "TSOL-MS2250", 4);
	result("model rule: 2250 has four inputs");
	one_model("Y17E7A0F010B013E", 0, 0, NULL, 2);
	result("model rule: max power 0 names no model");
}

/* DSP version nibbles, serial text hygiene */
static void
test_text(void)
{
	static struct vec	 v;
	struct conn		*c;

	if (vec_load(&v, "08") == 0) {
		v.b[0xd0] = 0x51;
		v.b[0xd1] = 0x2b;
		memcpy(v.b + 0x20, "Y17\001\3777A0F010B0  ", 16);
		refix(&v, v.len - 2);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->nrecords == 1, "%d records", c->nrecords);
		if (c->nrecords == 1) {
			want_attr(&c->rec[0], A_FIRMWARE, "V5.1.2B");
			check(strcmp(c->rec[0].device, "Y17??7A0F010B0") == 0,
			    "device \"%s\"", c->rec[0].device);
		}
	}
	result("DSP version 0x512b is V5.1.2B; serial made printable");

	if (vec_load(&v, "08") == 0) {
		memset(v.b + 0x20, 0, 16);
		refix(&v, v.len - 2);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->nrecords == 1, "%d records", c->nrecords);
		if (c->nrecords == 1)
			check(strcmp(c->rec[0].device, LOGGER) == 0 &&
			    c->rec[0].via[0] == '\0', "device %s via %s",
			    c->rec[0].device, c->rec[0].via);
	}
	result("0x4210 without an inverter serial: the logger measured");
}

/* body 72, frame 47 */
static const int	cells72[16] = {
	3209, 3209, 3209, 3210, 3209, 3209, 3210, 3209,
	3209, 3210, 3210, 3209, 3209, 3209, 3209, 3208
};

static void
check_dcu(const struct record *r, int pv1a)
{
	int	i;

	check(r->kind == REC_MEASUREMENT, "kind %d", r->kind);
	check(strcmp(r->device, "4101240701490314") == 0, "device %s",
	    r->device);
	check(strcmp(r->via, LOGGER_DCU) == 0, "via %s", r->via);
	want_attr(r, A_MODEL, "TSOL-DC1000");
	want_metric(r, M_PV_VOLTAGE, 1, 3386, 2);
	want_metric(r, M_PV_CURRENT, 1, pv1a, 2);
	want_metric(r, M_PV_POWER, 1, 3386LL * pv1a, 4);
	want_metric(r, M_PV_VOLTAGE, 2, 3372, 2);
	want_metric(r, M_PV_CURRENT, 2, 0, 2);
	want_metric(r, M_PV_POWER, 2, 0, 4);
	want_absent(r, M_PV_VOLTAGE, 3);
	want_metric(r, M_BATTERY_CHARGE_TOTAL, 0, 2080, 2);
	want_metric(r, M_BATTERY_VOLTAGE, 0, 5134, 2);
	/*
	 * The manifest: -0.02 A, -1.0268 W, state 0 (discharging).  Ours
	 * are positive while discharging, current and power alike.
	 */
	want_metric(r, M_BATTERY_CURRENT, 0, 2, 2);
	want_metric(r, M_BATTERY_SOC, 0, 1000, 2);
	want_metric(r, M_BATTERY_POWER, 0, 10268, 4);
	for (i = 0; i < 16; i++)
		want_metric(r, M_CELL_VOLTAGE, i + 1, cells72[i], 3);
	want_absent(r, M_CELL_VOLTAGE, 17);
	for (i = 0; i < 3; i++)
		want_metric(r, M_CELL_TEMPERATURE, i + 1, 15, 0);
	want_absent(r, M_CELL_TEMPERATURE, 4);
	want_metric(r, M_OUTPUT_VOLTAGE, 0, 14, 2);
	want_metric(r, M_OUTPUT_CURRENT, 0, 0, 2);
	want_metric(r, M_OUTPUT_POWER, 0, 0, 4);
	want_metric(r, M_TEMPERATURE, 0, 15, 0);
	want_metric(r, M_ALARM, 0, 0, 0);
	want_absent(r, M_RATED_POWER, 0);
	check(r->nmetrics == 35, "%u metrics, want 35", r->nmetrics);
}

static void
test_dcu(void)
{
	static struct vec	 v, body;
	struct conn		*c;
	const struct record	*r;
	const struct metric	*m;
	char			 text[64];
	int			 i;

	if (vec_load(&v, "47") == 0) {
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->nrecords == 1, "%d records", c->nrecords);
		want_dump(c, 0, NULL);
		if (c->nrecords == 1) {
			check_dcu(&c->rec[0], 0);
			check(c->rec[0].time == 0x322ddec7LL + 0x35791784LL,
			    "time %lld", (long long)c->rec[0].time);
		}
	}
	result("47 DCU1000 values, model TSOL-DC1000");

	if (vec_load(&body, "72") == 0) {
		wrap(&v, body.b, body.len, 0x4210, 0x92, 0x02, 2070233888U);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->nreplies == 1, "%d replies", c->nreplies);
		check(c->nrecords == 1, "%d records", c->nrecords);
		want_dump(c, 0, NULL);
		r = &c->rec[0];
		if (c->nrecords == 1) {
			check_dcu(r, 112);
			m = record_find(r, M_BATTERY_POWER, 0);
			check(m != NULL && metric_value(m, text,
			    sizeof(text)) >= 0 && strcmp(text, "1.0268") == 0,
			    "battery_power does not print as 1.0268");
			m = record_find(r, M_PV_POWER, 1);
			check(m != NULL && metric_value(m, text,
			    sizeof(text)) >= 0 && strcmp(text, "37.9232") == 0,
			    "pv1_power does not print as 37.9232");
			/* the manifest's 3.21 V, to two places */
			for (i = 0; i < 16; i++) {
				m = record_find(r, M_CELL_VOLTAGE, i + 1);
				check(m != NULL && (m->raw + 5) / 10 == 321,
				    "cell%d not 3.21 V", i + 1);
			}
		}
	}
	result("72 body as 0x4210: battery values, current and power "
	    "positive discharging");

	if (vec_load(&body, "73") == 0) {
		wrap(&v, body.b, body.len, 0x4210, 0x92, 0x02, 2070233888U);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->nrecords == 1, "%d records", c->nrecords);
		want_dump(c, 0, NULL);
		r = &c->rec[0];
		if (c->nrecords == 1) {
			want_metric(r, M_BATTERY_VOLTAGE, 0, 256, 2);
			want_metric(r, M_BATTERY_CURRENT, 0, 0, 2);
			want_metric(r, M_BATTERY_POWER, 0, 0, 4);
			want_metric(r, M_OUTPUT_VOLTAGE, 0, 3086, 2);
			want_metric(r, M_OUTPUT_CURRENT, 0, 256, 2);
			want_metric(r, M_OUTPUT_POWER, 0, 790016, 4);
		}
	}
	result("73 body: output 30.86 V 2.56 A 79.0016 W");

	if (vec_load(&body, "74") == 0) {
		check(body.len == 110, "body length %zu", body.len);
		wrap(&v, body.b, body.len, 0x4210, 0x92, 0x02, 2070233888U);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->nreplies == 1, "%d replies", c->nreplies);
		check(c->nrecords == 1, "%d records", c->nrecords);
		want_dump(c, 1, "short 0x3026 payload");
		r = &c->rec[0];
		if (c->nrecords == 1) {
			/*
			 * The manifest: 7.66 A, 393.2644 W, state 2
			 * (charging); ours negative, both
			 */
			want_metric(r, M_BATTERY_CURRENT, 0, -766, 2);
			want_metric(r, M_BATTERY_POWER, 0, -3932644, 4);
			want_metric(r, M_CELL_VOLTAGE, 16, 3208, 3);
			want_metric(r, M_CELL_TEMPERATURE, 3, 15, 0);
			want_metric(r, M_OUTPUT_VOLTAGE, 0, 14, 2);
			want_absent(r, M_OUTPUT_CURRENT, 0);
			want_absent(r, M_OUTPUT_POWER, 0);
			want_absent(r, M_TEMPERATURE, 0);
			want_absent(r, M_ALARM, 0);
			want_attr(r, A_MODEL, "TSOL-DC1000");
		}
	}
	result("74 truncated body: fields past the end absent, dumped; "
	    "charging current and power negative");

	if (vec_load(&body, "75") == 0) {
		wrap(&v, body.b, body.len, 0x4210, 0x01, 0x02, 2070233889U);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->nreplies == 1, "%d replies", c->nreplies);
		check(c->nrecords == 0, "%d records", c->nrecords);
		want_dump(c, 1, "sensor list 0x1097 (TSUN Titan, TSOL-MX): no "
		    "public 0x4210 layout; poll it over Modbus");
	}
	result("75 body, sensor list 0x1097: acked, dumped naming the list");
}

/* every payload length of a frame: always acked, never out of bounds */
static void
truncations(const char *id, size_t recfrom, const char *reasonfmt)
{
	static struct vec	 v, t;
	struct conn		*c;
	uint8_t			 ack[23];
	char			 want[PV_REASONLEN];
	size_t			 L, full;

	if (vec_load(&v, id) != 0)
		return;
	full = v.len - 13;
	for (L = 1; L <= full && !failing(); L++) {
		memcpy(t.b, v.b, 11 + L);
		refix(&t, 11 + L);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, t.b, t.len);
		build_ack(t.b, ack);
		want_reply(c, 1, ack, sizeof(ack));
		if (L >= recfrom) {
			check(c->nrecords == 1, "L %zu: %d records", L,
			    c->nrecords);
			continue;
		}
		check(c->nrecords == 0, "L %zu: %d records", L, c->nrecords);
		if (reasonfmt != NULL && L >= 5) {
			(void)snprintf(want, sizeof(want), reasonfmt, L);
			want_dump(c, 1, want);
		}
	}
}

static void
test_short(void)
{
	static struct vec	 v;
	struct conn		*c;

	truncations("01", 212, "0x4110 payload too short: %zu bytes");
	result("01 cut to every length: acked, record only when complete");
	truncations("08", 0x128 - 11, NULL);
	result("08 cut to every length: acked, record from 0x128 bytes");
	truncations("47", 0x30 - 11, NULL);
	result("47 cut to every length: acked, record from the serial on");

	if (vec_load(&v, "08") == 0) {
		refix(&v, 0x127);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->nreplies == 1 && c->nrecords == 0,
		    "%d replies, %d records", c->nreplies, c->nrecords);
		want_dump(c, 1, "0x4210 payload too short for sensor list "
		    "0x02b0: 284 bytes");
	}
	result("0x02b0 payload one byte short: dump names the length");

	if (vec_load(&v, "08") == 0) {
		refix(&v, 0x2f);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->nreplies == 1 && c->nrecords == 0,
		    "%d replies, %d records", c->nreplies, c->nrecords);
		want_dump(c, 1, "0x4210 payload too short: 36 bytes");
	}
	result("0x4210 header short: dump names the length");

	if (vec_load(&v, "47") == 0) {
		refix(&v, 0x70);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->nrecords == 1, "%d records", c->nrecords);
		want_dump(c, 1, "short 0x3026 payload");
		if (c->nrecords == 1) {
			want_metric(&c->rec[0], M_OUTPUT_CURRENT, 0, 0, 2);
			want_metric(&c->rec[0], M_OUTPUT_POWER, 0, 0, 4);
			want_absent(&c->rec[0], M_TEMPERATURE, 0);
			want_absent(&c->rec[0], M_ALARM, 0);
		}
	}
	result("0x3026 payload ending after the output current");

	if (vec_load(&v, "47") == 0) {
		refix(&v, 0x75);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->nrecords == 1, "%d records", c->nrecords);
		want_dump(c, 1, "short 0x3026 payload");
		if (c->nrecords == 1) {
			want_metric(&c->rec[0], M_TEMPERATURE, 0, 15, 0);
			want_absent(&c->rec[0], M_ALARM, 0);
		}
	}
	result("0x3026 payload ending inside the alarm field");

	/* a heartbeat without its frame type byte cannot be acked */
	if (vec_load(&v, "24") == 0) {
		refix(&v, 11);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->nframes == 1, "%d frames", c->nframes);
		want_reply(c, 0, NULL, 0);
		want_dump(c, 1, "0x4710 without a frame type");
	}
	result("0x4710 with an empty payload: no ack, dumped");

	if (vec_load(&v, "08") == 0) {
		v.b[11] = 0x02;
		refix(&v, v.len - 2);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		check(c->nreplies == 1 && c->nrecords == 0,
		    "%d replies, %d records", c->nreplies, c->nrecords);
		check(c->nreplies == 1 && c->reply[0][11] == 0x02,
		    "frame type not copied");
		want_dump(c, 1, "0x4210 frame type 0x02 not decoded");
	}
	result("0x4210 of an unknown frame type: acked, dumped");
}

static void
test_framer(void)
{
	static struct vec	 v;
	const char		*why;
	size_t			 n, k;
	int			 r;

	if (vec_load(&v, "01") != 0) {
		result("framer");
		return;
	}
	for (k = 1; k < v.len && !failing(); k++) {
		n = 0;
		r = solarman_frame(v.b, k, TEST_MAXFRAME, &n, &why);
		check(r == FRAME_MORE, "%zu bytes: verdict %d", k, r);
	}
	n = 0;
	r = solarman_frame(v.b, v.len, TEST_MAXFRAME, &n, &why);
	check(r == FRAME_OK && n == 225, "whole: verdict %d n %zu", r, n);
	n = 0;
	r = solarman_frame(v.b, 0, TEST_MAXFRAME, &n, &why);
	check(r == FRAME_MORE, "empty: verdict %d", r);
	result("framer: more until 13+L bytes, then one frame");

	why = NULL;
	r = solarman_frame(v.b, 11, 224, &n, &why);
	check(r == FRAME_CLOSE && why != NULL && strcmp(why,
	    "frame length 225 exceeds maximum 224") == 0,
	    "verdict %d why %s", r, why ? why : "(null)");
	r = solarman_frame(v.b, v.len, 225, &n, &why);
	check(r == FRAME_OK && n == 225, "at the maximum: verdict %d", r);
	result("framer: frame over the maximum closes at the header");

	why = NULL;
	n = 0;
	r = solarman_frame((const uint8_t *)"\x47", 1, TEST_MAXFRAME, &n,
	    &why);
	check(r == FRAME_SKIP && n == 1 && why != NULL &&
	    strcmp(why, "bad start byte") == 0, "verdict %d n %zu", r, n);
	result("framer: a wrong first byte is skipped at once");

	v.b[v.len - 2] ^= 0x55;
	n = 0;
	r = solarman_frame(v.b, v.len, TEST_MAXFRAME, &n, &why);
	check(r == FRAME_OK && n == v.len, "verdict %d", r);
	result("framer: checksum left to the decoder");
}

/* replies expected for 01 08 24 47, in that order */
static const char	*chain[] = { "01", "08", "24", "47" };
static const char	*chainref[] = { "02", "09", "25", "48" };
#define NCHAIN	4

static int
load_chain(struct vec *all, struct vec *refs)
{
	static struct vec	v;
	int			i;

	all->len = 0;
	for (i = 0; i < NCHAIN; i++) {
		if (vec_load(&v, chain[i]) != 0 ||
		    vec_load(&refs[i], chainref[i]) != 0)
			return (-1);
		memcpy(all->b + all->len, v.b, v.len);
		all->len += v.len;
	}
	return (0);
}

static void
want_chain(struct conn *c, struct vec *refs)
{
	int	i;

	check(c->nreplies == NCHAIN, "%d replies", c->nreplies);
	check(c->nskips == 0 && c->badverdict == 0 && c->len == 0,
	    "skips or leftovers");
	check(c->nrecords == 3, "%d records", c->nrecords);
	want_dump(c, 0, NULL);
	for (i = 0; i < NCHAIN && i < c->nreplies; i++)
		check(c->replylen[i] == refs[i].len && memcmp(c->reply[i],
		    refs[i].b, refs[i].len) == 0, "reply %d differs", i);
}

static void
test_stream(void)
{
	static struct vec	 all, refs[NCHAIN], v, r;
	struct conn		*c;
	size_t			 k;

	if (load_chain(&all, refs) == 0) {
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, all.b, all.len);
		want_chain(c, refs);
	}
	result("several frames in one buffer");

	if (load_chain(&all, refs) == 0) {
		for (k = 1; k < all.len && !failing(); k++) {
			c = conn_open(PROTO_SOLARMAN_V5, 0);
			feed(c, all.b, k);
			feed(c, all.b + k, all.len - k);
			want_chain(c, refs);
			if (failing())
				check(0, "split at %zu", k);
		}
	}
	result("frames split at every byte boundary");

	if (load_chain(&all, refs) == 0) {
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		for (k = 0; k < all.len; k++)
			feed(c, all.b + k, 1);
		want_chain(c, refs);
	}
	result("frames fed one byte at a time");

	/* 05: the whole buffer goes, with the good frame behind it */
	if (vec_load(&v, "05") == 0 && vec_load(&r, "01") == 0) {
		memcpy(all.b, v.b, v.len);
		memcpy(all.b + v.len, r.b, r.len);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, all.b, v.len + r.len);
		check(c->nskips == 1 && c->skipn[0] == v.len + r.len &&
		    strcmp(c->skipwhy[0], "bad start byte") == 0,
		    "%d skips, %zu bytes", c->nskips, c->skipn[0]);
		want_reply(c, 0, NULL, 0);
		/* the next read starts clean */
		feed(c, r.b, r.len);
		check(c->nreplies == 1, "next read: %d replies", c->nreplies);
	}
	result("05 bad start byte: buffer discarded, next read decoded");

	if (vec_load(&v, "83") == 0 && vec_load(&r, "01") == 0) {
		memcpy(all.b, v.b, v.len);
		memcpy(all.b + v.len, r.b, r.len);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, all.b, v.len + r.len);
		check(c->nskips == 1 && c->nframes == 0, "%d skips %d frames",
		    c->nskips, c->nframes);
		want_reply(c, 0, NULL, 0);
		want_dump(c, 0, NULL);
	}
	result("83 start byte 0x47: no answer");

	/* 06: only that frame goes when an 0xa5 frame follows */
	if (vec_load(&v, "06") == 0 && vec_load(&r, "01") == 0 &&
	    vec_load(&refs[0], "02") == 0) {
		memcpy(all.b, v.b, v.len);
		memcpy(all.b + v.len, r.b, r.len);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, all.b, v.len + r.len);
		check(c->nskips == 1 && c->skipn[0] == v.len &&
		    strcmp(c->skipwhy[0], "bad end byte") == 0,
		    "%d skips, first %zu", c->nskips, c->skipn[0]);
		want_reply(c, 1, refs[0].b, refs[0].len);

		/* ... and the rest goes when it does not start with a5 */
		memcpy(all.b + v.len, "xyz", 3);
		memcpy(all.b + v.len + 3, r.b, r.len);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, all.b, v.len + 3 + r.len);
		check(c->nskips == 2 && c->skipn[0] == v.len &&
		    c->skipn[1] == 3 + r.len &&
		    strcmp(c->skipwhy[1], "bad start byte") == 0,
		    "%d skips", c->nskips);
		want_reply(c, 0, NULL, 0);
	}
	result("06 bad end byte: frame dropped, resync only on 0xa5");

	/* 07: dropped by the decoder, the next frame is answered */
	if (vec_load(&v, "07") == 0 && vec_load(&r, "01") == 0 &&
	    vec_load(&refs[0], "02") == 0) {
		memcpy(all.b, v.b, v.len);
		memcpy(all.b + v.len, r.b, r.len);
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, all.b, v.len + r.len);
		check(c->nframes == 2 && c->nskips == 0, "%d frames",
		    c->nframes);
		want_reply(c, 1, refs[0].b, refs[0].len);
		want_dump(c, 1, "bad checksum");
		check(c->nrecords == 1, "%d records", c->nrecords);
	}
	result("07 bad checksum: frame dropped, next frame processed");

	/* an indication whose payload is altered fails the checksum */
	if (vec_load(&v, "08") == 0) {
		v.b[0xd3] ^= 0x01;
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v.b, v.len);
		want_reply(c, 0, NULL, 0);
		want_dump(c, 1, "bad checksum");
		check(c->nrecords == 0, "%d records", c->nrecords);
	}
	result("altered payload byte: bad checksum, nothing else");
}

static void
test_heartbeat_conf(void)
{
	static struct vec	 v;
	struct conn		*c;

	if (vec_load(&v, "24") == 0) {
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		c->conf.heartbeat_interval = 0x01020304;
		c->ctx.now = 0x0a0b0c0d;
		feed(c, v.b, v.len);
		check(c->nreplies == 1, "%d replies", c->nreplies);
		check(c->reply[0][13] == 0x0d && c->reply[0][16] == 0x0a &&
		    c->reply[0][17] == 0x04 && c->reply[0][20] == 0x01,
		    "time or heartbeat not little-endian from ctx/conf");
		check(c->reply[0][21] == sum(c->reply[0], 1, 21),
		    "checksum");
	}
	result("ack takes time and heartbeat from the context");
}

static void
test_capture(void)
{
	struct conn	*c;
	uint8_t		 b[1000];
	const char	*why = NULL;
	size_t		 n = 0;
	int		 r;

	memset(b, 'x', sizeof(b));
	r = capture_frame(b, 0, TEST_MAXFRAME, &n, &why);
	check(r == FRAME_MORE, "empty: %d", r);
	r = capture_frame(b, 7, TEST_MAXFRAME, &n, &why);
	check(r == FRAME_OK && n == 7, "7 bytes: %d %zu", r, n);
	r = capture_frame(b, sizeof(b), TEST_MAXFRAME, &n, &why);
	check(r == FRAME_OK && n == sizeof(b), "1000 bytes: %d %zu", r, n);
	result("capture framer: every chunk is a frame");

	c = conn_open(PROTO_CAPTURE, 10);
	feed(c, b, 6);
	check(c->ndumps == 1 && c->dumplen[0] == 6 &&
	    strcmp(c->reason[0], "capture") == 0, "first chunk");
	feed(c, b, 6);
	check(c->ndumps == 2 && c->dumplen[1] == 4 &&
	    strstr(c->reason[1], "limit") != NULL, "second chunk: %d dumps,"
	    " %zu bytes", c->ndumps, c->dumplen[1]);
	check(c->ncloses == 1, "%d closes", c->ncloses);
	feed(c, b, 6);
	check(c->ndumps == 2 && c->ncloses == 1, "after the limit");
	want_reply(c, 0, NULL, 0);
	check(c->nrecords == 0, "records");
	result("capture: limit cuts the dump and closes");

	c = conn_open(PROTO_CAPTURE, 12);
	feed(c, b, 6);
	feed(c, b, 6);
	check(c->ndumps == 2 && c->dumplen[1] == 6 && c->ncloses == 1,
	    "%d dumps %d closes", c->ndumps, c->ncloses);
	result("capture: reaching the limit exactly closes");

	c = conn_open(PROTO_CAPTURE, 0);
	feed(c, b, sizeof(b));
	feed(c, b, sizeof(b));
	feed(c, b, sizeof(b));
	check(c->ndumps == 3 && c->ncloses == 0 && c->dumplen[2] == 1000,
	    "%d dumps %d closes", c->ndumps, c->ncloses);
	want_reply(c, 0, NULL, 0);
	result("capture: limit 0 keeps everything");
}


/*
 * accept = known: a logger is known by a [device] of its serial, or
 * as the logger = of one; an unknown one gets nothing back, its frames
 * are dumped with the reason, and the connection goes.
 */
static void
test_accept(void)
{
	static const char	*names[] = { NULL, LOGGER, "Y17E7A0F010B013E" };
	static struct vec	 v01, v08;
	struct conn		*c;
	char			 why[64];
	size_t			 i;

	if (vec_load(&v01, "01") == -1 || vec_load(&v08, "08") == -1) {
		result("accept: vectors");
		return;
	}
	(void)snprintf(why, sizeof(why), "unknown device %s", LOGGER);
	accept_known = 1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		memset(devices, 0, sizeof(devices));
		ndevices = 0;
		if (names[i] != NULL) {
			strlcpy(devices[0].name, names[i],
			    sizeof(devices[0].name));
			if (i == 2)
				devices[0].logger = 2070233889;
			ndevices = 1;
		}
		c = conn_open(PROTO_SOLARMAN_V5, 0);
		feed(c, v01.b, v01.len);
		feed(c, v08.b, v08.len);
		check(c->nadmits >= 1 && strcmp(c->admit, LOGGER) == 0,
		    "admit %d \"%s\"", c->nadmits, c->admit);
		if (names[i] == NULL) {
			want_reply(c, 0, NULL, 0);
			want_dump(c, 2, why);
			want_dump_of(c, v01.b, v01.len);
			check(c->nrecords == 0, "%d records", c->nrecords);
			check(c->refused, "not refused");
		} else {
			want_reply(c, 2, NULL, 0);
			want_dump(c, 0, NULL);
			check(c->nrecords > 0 && !c->refused, "%d records, "
			    "refused %d", c->nrecords, c->refused);
		}
		result("accept = known: logger %s", names[i] == NULL ?
		    "unknown" : i == 1 ? "named" : "as logger =");
	}
	accept_known = 0;
	memset(devices, 0, sizeof(devices));
	ndevices = 0;
}

int
main(int argc, char *argv[])
{
	vecdir = argc > 1 ? argv[1] : DEFAULT_DIR;

	test_registry();
	test_bytes();
	test_framer();
	test_vectors();
	test_device();
	test_ms();
	test_models();
	test_model_rules();
	test_text();
	test_dcu();
	test_short();
	test_stream();
	test_heartbeat_conf();
	test_capture();
	test_accept();

	return (finish());
}
