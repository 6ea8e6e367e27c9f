/*
 * The Hoymiles framer and decoder: the vectors in regress/vectors/
 * hoymiles (or the directory given as argv[1]), and frames built here
 * with protobuf-c from our own hoymiles.proto, through the harness
 * (harness.c).  Replies are compared byte for byte where a vector has
 * them, and always decoded back.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <protobuf-c/protobuf-c.h>

#include "harness.h"
#include "cmd.h"
#include "hoymiles.pb-c.h"

#define DEFAULT_DIR	"regress/vectors/hoymiles"

#define DTU		"4143A0123456"
#define INV		0x141212345678LL
#define INV_SN		"141212345678"
#define T0		1704110400	/* 2024-01-01T12:00:00Z */
#define T_SUMMER	1719835200	/* 2024-07-01T12:00:00Z */

/* a reply taken apart */
struct reply {
	uint16_t	cmd;
	uint16_t	seq;
	const uint8_t	*payload;
	size_t		plen;
};

static struct vec	v, ref;

/* ------------------------------------------------------------------ */
/* helpers */

static void
put16(uint8_t *p, uint16_t x)
{
	p[0] = x >> 8;
	p[1] = x & 0xff;
}

/* a frame around a packed message (NULL: empty payload) */
static void
frame(struct vec *out, uint16_t cmd, uint16_t seq, const ProtobufCMessage *m)
{
	size_t	n = 0;

	if (m != NULL) {
		n = protobuf_c_message_get_packed_size(m);
		if (n + 10 > sizeof(out->b)) {
			check(0, "test frame too big");
			out->len = 0;
			return;
		}
		(void)protobuf_c_message_pack(m, out->b + 10);
	}
	out->b[0] = 'H';
	out->b[1] = 'M';
	put16(out->b + 2, cmd);
	put16(out->b + 4, seq);
	put16(out->b + 6, pv_crc16_modbus(out->b + 10, n));
	put16(out->b + 8, (uint16_t)(n + 10));
	out->len = n + 10;
}

/* a frame around raw payload bytes */
static void
frame_raw(struct vec *out, uint16_t cmd, uint16_t seq, const uint8_t *p,
    size_t n)
{
	memcpy(out->b + 10, p, n);
	out->b[0] = 'H';
	out->b[1] = 'M';
	put16(out->b + 2, cmd);
	put16(out->b + 4, seq);
	put16(out->b + 6, pv_crc16_modbus(out->b + 10, n));
	put16(out->b + 8, (uint16_t)(n + 10));
	out->len = n + 10;
}

/* reply i of the connection, header checked; -1 if it is not there */
static int
reply_get(struct conn *c, int i, struct reply *r)
{
	const uint8_t	*b;
	size_t		 len;

	if (i >= c->nreplies || i >= MAX_REPLIES) {
		check(0, "no reply %d (%d replies)", i, c->nreplies);
		return (-1);
	}
	b = c->reply[i];
	len = c->replylen[i];
	if (len < 10 || len > REPLY_KEEP || b[0] != 'H' || b[1] != 'M' ||
	    pv_be16(b + 8) != len) {
		check(0, "reply %d malformed (%zu bytes)", i, len);
		return (-1);
	}
	r->cmd = pv_be16(b + 2);
	r->seq = pv_be16(b + 4);
	r->payload = b + 10;
	r->plen = len - 10;
	check(pv_be16(b + 6) == pv_crc16_modbus(b + 10, len - 10),
	    "reply %d: bad CRC", i);
	return (0);
}

/* the last reply decoded as one of the to-DTU messages with time fields */
static Hm__PackageToDtu *
reply_package(struct conn *c, uint16_t cmd, uint16_t seq)
{
	struct reply		 r;
	Hm__PackageToDtu	*m;

	if (reply_get(c, c->nreplies - 1, &r) == -1)
		return (NULL);
	check(r.cmd == cmd, "reply command 0x%04x, want 0x%04x", r.cmd, cmd);
	check(r.seq == seq, "reply sequence %u, want %u", r.seq, seq);
	if ((m = hm__package_to_dtu__unpack(NULL, r.plen, r.payload)) == NULL)
		check(0, "reply does not unpack");
	return (m);
}

/* local time of t in the test zone, as a DTU wants it */
static void
ymd(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	(void)localtime_r(&t, &tm);
	(void)strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

/* the time fields of an ack: now, the zone's offset, local time */
static void
want_clock(int32_t time, int32_t offset, const char *text, time_t now,
    int32_t want_offset)
{
	char	want[32];

	ymd(now, want, sizeof(want));
	check(time == (int32_t)now, "time %d, want %lld", time,
	    (long long)now);
	check(offset == want_offset, "offset %d, want %d", offset,
	    want_offset);
	check(text != NULL && strcmp(text, want) == 0,
	    "ymd_hms \"%s\", want \"%s\"", text ? text : "", want);
}

/* a varint field of a protobuf payload, the test's own reader */
static int
field(const uint8_t *p, size_t len, unsigned int want, uint64_t *val,
    const uint8_t **bytes, size_t *blen)
{
	size_t		off = 0;
	uint64_t	tag, x;
	int		k, shift;

	while (off < len) {
		for (tag = 0, shift = 0, k = 0; k < 10 && off < len; k++) {
			tag |= (uint64_t)(p[off] & 0x7f) << shift;
			shift += 7;
			if ((p[off++] & 0x80) == 0)
				break;
		}
		if ((tag & 7) == 0 || (tag & 7) == 2) {
			for (x = 0, shift = 0, k = 0; k < 10 && off < len;
			    k++) {
				x |= (uint64_t)(p[off] & 0x7f) << shift;
				shift += 7;
				if ((p[off++] & 0x80) == 0)
					break;
			}
		} else
			return (-1);
		if ((tag & 7) == 2) {
			if (x > len - off)
				return (-1);
			if (tag >> 3 == want) {
				*bytes = p + off;
				*blen = (size_t)x;
				return (0);
			}
			off += (size_t)x;
		} else if (tag >> 3 == want) {
			*val = x;
			return (0);
		}
	}
	return (-1);
}

static void
want_field(const uint8_t *p, size_t len, unsigned int f, uint64_t want)
{
	const uint8_t	*b;
	uint64_t	 x = 0;
	size_t		 bl;

	check(field(p, len, f, &x, &b, &bl) == 0, "field %u missing", f);
	check(x == want, "field %u = %llu, want %llu", f,
	    (unsigned long long)x, (unsigned long long)want);
}

static void
want_sfield(const uint8_t *p, size_t len, unsigned int f, const char *want)
{
	const uint8_t	*b = NULL;
	uint64_t	 x;
	size_t		 bl = 0;

	check(field(p, len, f, &x, &b, &bl) == 0, "field %u missing", f);
	check(b != NULL && bl == strlen(want) && memcmp(b, want, bl) == 0,
	    "field %u = \"%.*s\", want \"%s\"", f, (int)bl,
	    b ? (const char *)b : "", want);
}

/* the record of device name, or NULL */
static const struct record *
rec_of(struct conn *c, const char *name)
{
	int	i;

	for (i = 0; i < c->nrecords && i < MAX_RECORDS; i++)
		if (strcmp(c->rec[i].device, name) == 0)
			return (&c->rec[i]);
	check(0, "no record of %s", name);
	return (NULL);
}

static struct conn *
cloud(time_t now)
{
	struct conn	*c;

	c = conn_open(PROTO_HOYMILES, 0);
	c->ctx.now = now;
	conn_up(c);
	return (c);
}

static struct conn *
poller(unsigned int interval, unsigned int timeout, time_t now)
{
	struct conn	*c;

	memset(devices, 0, sizeof(devices));
	(void)snprintf(devices[0].name, sizeof(devices[0].name), "%s", DTU);
	devices[0].proto = PROTO_HOYMILES;
	devices[0].client.family = 2;
	devices[0].interval = interval;
	devices[0].timeout = timeout;
	ndevices = 1;
	c = conn_open(PROTO_HOYMILES, 0);
	c->ctx.dev = &devices[0];
	c->ctx.now = now;
	conn_up(c);
	return (c);
}

/* ------------------------------------------------------------------ */

static void
test_registry(void)
{
	const struct proto	*p, *q;

	p = proto_byname("hoymiles");
	q = proto_byid(PROTO_HOYMILES);
	check(p != NULL && p == q, "hoymiles not found by name and id");
	if (p != NULL) {
		check(p->port == 10081, "port %u", p->port);
		check(p->statesize == hoymiles_statesize() &&
		    p->statesize > 0 && p->statesize <= STATE_MAX,
		    "statesize %zu", p->statesize);
		check(p->frame == hoymiles_frame &&
		    p->decode == hoymiles_decode && p->open == hoymiles_open &&
		    p->tick == hoymiles_tick && p->gone == hoymiles_gone,
		    "functions");
	}
	result("registry hoymiles");
}

static void
test_crc(void)
{
	static const struct {
		const char	*id;
		size_t		 hdr;
		uint16_t	 crc;
	} vc[] = {
		{ "01", 10, 0x4049 }, { "02", 24, 0xfaf3 },
		{ "03", 24, 0x8db0 }, { "05", 10, 0xffff },
		{ "06", 10, 0x4dd1 }, { "07", 10, 0xdb6e },
		{ "08", 10, 0x4769 }, { "09", 10, 0xdb4b },
		{ "10", 10, 0x4709 }, { "11", 10, 0xf485 },
		{ "12", 10, 0x4331 }
	};
	size_t	i;

	check(pv_crc16_modbus((const uint8_t *)"123456789", 9) == 0x4b37,
	    "check value 0x%04x", pv_crc16_modbus((const uint8_t *)
	    "123456789", 9));
	check(pv_crc16_modbus(NULL, 0) == 0xffff, "empty");
	result("CRC-16/MODBUS check value");

	for (i = 0; i < sizeof(vc) / sizeof(vc[0]); i++) {
		if (vec_load(&v, vc[i].id) == 0) {
			check(v.len >= vc[i].hdr && pv_be16(v.b + 8) == v.len,
			    "length field %u, %zu bytes", pv_be16(v.b + 8),
			    v.len);
			check(pv_be16(v.b + 6) == vc[i].crc, "CRC field 0x%04x",
			    pv_be16(v.b + 6));
			check(pv_crc16_modbus(v.b + vc[i].hdr, v.len -
			    vc[i].hdr) == vc[i].crc, "computed 0x%04x",
			    pv_crc16_modbus(v.b + vc[i].hdr, v.len -
			    vc[i].hdr));
		}
		result("vector %s CRC 0x%04x", vc[i].id, vc[i].crc);
	}
}

/* the framer: whole, byte by byte, several per read, garbage, limits */
static void
test_framer(void)
{
	static struct vec	 a, b;
	static uint8_t		 buf[4 * VEC_MAX];
	struct conn		*c;
	size_t			 i, n;
	const char		*why;

	if (vec_load(&a, "07") == 0 && vec_load(&b, "09") == 0) {
		c = cloud(T0);
		for (i = 0; i < a.len; i++)
			feed(c, a.b + i, 1);
		check(c->nframes == 1 && c->nskips == 0 && c->len == 0,
		    "%d frames %d skips %zu left", c->nframes, c->nskips,
		    c->len);
		want_reply(c, 1, NULL, 0);
	}
	result("framer: a frame byte by byte");

	c = cloud(T0);
	memcpy(buf, a.b, a.len);
	memcpy(buf + a.len, b.b, b.len);
	memcpy(buf + a.len + b.len, a.b, a.len);
	n = 2 * a.len + b.len;
	feed(c, buf, 5);
	feed(c, buf + 5, n - 5 - 3);
	check(c->nframes == 2, "%d frames before the end", c->nframes);
	feed(c, buf + n - 3, 3);
	check(c->nframes == 3 && c->nskips == 0 && c->len == 0 &&
	    c->badverdict == 0, "%d frames %d skips", c->nframes, c->nskips);
	want_reply(c, 3, NULL, 0);
	result("framer: three frames in two reads, split inside frames");

	c = cloud(T0);
	memcpy(buf, "xyzHxH", 6);
	memcpy(buf + 6, a.b, a.len);
	feed(c, buf, 6 + a.len);
	check(c->nskips == 1 && c->skipn[0] == 6 &&
	    strcmp(c->skipwhy[0], "no HM magic") == 0,
	    "%d skips: %zu \"%s\"", c->nskips, c->skipn[0], c->skipwhy[0]);
	check(c->nframes == 1 && c->len == 0, "%d frames", c->nframes);
	want_reply(c, 1, NULL, 0);
	result("framer: resynchronises on HM");

	/* a lone H at the end is kept: it may be the start of a frame */
	n = 0;
	why = NULL;
	check(hoymiles_frame((const uint8_t *)"abH", 3, 100, &n, &why) ==
	    FRAME_SKIP && n == 2, "n %zu", n);
	check(hoymiles_frame((const uint8_t *)"HM\x22\x02", 4, 100, &n,
	    &why) == FRAME_MORE, "short header");
	memcpy(buf, "HM\x22\x02\x00\x01\xff\xff\x00\x09", 10);
	check(hoymiles_frame(buf, 10, 100, &n, &why) == FRAME_SKIP &&
	    n == 2 && strcmp(why, "frame length below the header size") == 0,
	    "length 9");
	memcpy(buf, "HM\x22\x02\x00\x01\xff\xff\x00\x65", 10);
	check(hoymiles_frame(buf, 10, 100, &n, &why) == FRAME_CLOSE &&
	    strcmp(why, "frame length 101 exceeds maximum 100") == 0,
	    "oversize: %s", why ? why : "");
	check(hoymiles_frame(buf, 10, 101, &n, &why) == FRAME_MORE,
	    "at the maximum");
	result("framer: partial magic, short length, maximum");
}

/* frames an app sends a DTU: not ours to answer, and what they hold */
static void
test_app_vectors(void)
{
	static const struct {
		const char	*id;
		const char	*reason;
	} vc[] = {
		{ "01", "unexpected command 0xa315" },
		{ "02", "unexpected command 0xdb01" },
		{ "03", "unexpected command 0xc302" },
		{ "05", "unexpected command 0xa303" },
		{ "06", "unexpected command 0xa311" },
		{ "08", "unexpected command 0x2302" },
		{ "10", "unexpected command 0x230c" },
		{ "12", "unexpected command 0x2301" }
	};
	struct conn	*c;
	size_t		 i;

	for (i = 0; i < sizeof(vc) / sizeof(vc[0]); i++) {
		if (vec_load(&v, vc[i].id) == 0) {
			c = cloud(T0);
			feed(c, v.b, v.len);
			check(c->nframes == 1 && c->len == 0, "not one frame");
			want_reply(c, 0, NULL, 0);
			want_dump(c, 1, vc[i].reason);
			check(c->dumplen[0] == v.len, "dump is not the frame");
			check(c->nrecords == 0, "records");
		}
		result("vector %s on a cloud connection: %s", vc[i].id,
		    vc[i].reason);
	}

	if (vec_load(&v, "01") == 0) {
		check(pv_be16(v.b + 4) == 9 && v.len == 20, "seq, length");
		want_field(v.b + 10, v.len - 10, 2, 28800);
		want_field(v.b + 10, v.len - 10, 3, 1695657656);
	}
	result("vector 01: offset 28800, time 1695657656");
	if (vec_load(&v, "02") == 0) {
		check(v.len == 34 && pv_be16(v.b + 10) == 0x000e &&
		    pv_be16(v.b + 22) == 0x00ff, "extended header");
		want_field(v.b + 24, v.len - 24, 2, 1751395778);
		want_field(v.b + 24, v.len - 24, 3, 28800);
	}
	result("vector 02: extended header, time and offset");
	if (vec_load(&v, "03") == 0) {
		check(v.len == 55 && pv_be16(v.b + 10) == 0x000e &&
		    pv_be32(v.b + 12) == 0x4301 && pv_be32(v.b + 16) ==
		    0x22480861 && pv_be16(v.b + 20) == 0 &&
		    pv_be16(v.b + 22) == 1, "serial 430122480861, number 1");
		want_field(v.b + 24, v.len - 24, 1, 1751395778);
		want_sfield(v.b + 24, v.len - 24, 2, "2025-07-01 20:49:38");
		want_field(v.b + 24, v.len - 24, 3, 28800);
	}
	result("vector 03: extended header, time fields");
	if (vec_load(&v, "05") == 0)
		check(v.len == 10 && pv_be16(v.b + 6) == 0xffff,
		    "empty body");
	result("vector 05: empty body, CRC 0xffff");
}

/* 04 is a payload only: its fields, and framed it is not for us */
static void
test_gwinfo(void)
{
	static struct vec	 f;
	struct conn		*c;
	const uint8_t		*b, *p;
	size_t			 bl, pl;
	uint64_t		 x;

	if (vec_load(&v, "04") == -1) {
		result("vector 04");
		return;
	}
	want_field(v.b, v.len, 1, 73672149174369ULL);
	check(73672149174369ULL == 0x430122480861ULL, "serial");
	want_field(v.b, v.len, 2, 1751395763);
	want_field(v.b, v.len, 3, 1);
	if (field(v.b, v.len, 5, &x, &p, &pl) == 0) {
		want_field(p, pl, 1, 1);
		want_field(p, pl, 2, 4105);
		want_field(p, pl, 3, 45313);
		want_field(p, pl, 4, 1);
		want_sfield(p, pl, 5, "2.3.0.0-dev");
		want_field(p, pl, 9, 21);
	} else
		check(0, "no GWInfoMO");
	if (field(v.b, v.len, 6, &x, &b, &bl) == 0) {
		want_field(b, bl, 1, 0x214322440207ULL);
		want_field(b, bl, 2, 6);
		want_field(b, bl, 3, 1);
	} else
		check(0, "no DevInfoMO");
	result("vector 04: GWInfo fields");

	/* in an extended 0xDA01 frame */
	memcpy(f.b + 24, v.b, v.len);
	memcpy(f.b, "HM\xda\x01\x00\x01", 6);
	put16(f.b + 6, pv_crc16_modbus(v.b, v.len));
	put16(f.b + 8, (uint16_t)(v.len + 24));
	memcpy(f.b + 10, "\x00\x0e\x00\x00\x43\x01\x22\x48\x08\x61\x00\x00"
	    "\x00\x01", 14);
	f.len = v.len + 24;
	c = cloud(T0);
	feed(c, f.b, f.len);
	want_reply(c, 0, NULL, 0);
	want_dump(c, 1, "unexpected command 0xda01");
	result("vector 04 framed as 0xDA01: dumped, not answered");
}

/* the cloud exchanges of 07/08, 09/10, 11/12: byte for byte */
static void
test_cloud_vectors(void)
{
	struct conn		*c;
	struct reply		 r;
	Hm__HeartbeatToDtu	*hb;
	Hm__DevDataToDtu	*dd;
	Hm__PackageToDtu	*pk;

	c = cloud(T0 + 1);
	if (vec_load(&v, "07") == 0 && vec_load(&ref, "08") == 0) {
		feed(c, v.b, v.len);
		want_reply(c, 1, ref.b, ref.len);
		want_dump(c, 0, NULL);
		check(c->nrecords == 0, "records");
		check(c->nclaims == 1 && strcmp(c->claim, DTU) == 0,
		    "claimed %d: %s", c->nclaims, c->claim);
		if (reply_get(c, 0, &r) == 0) {
			check(r.cmd == 0x2302 && r.seq == 0x1234, "header");
			hb = hm__heartbeat_to_dtu__unpack(NULL, r.plen,
			    r.payload);
			check(hb != NULL, "does not unpack");
			if (hb != NULL) {
				want_clock(hb->time, hb->offset, hb->ymd_hms,
				    T0 + 1, 3600);
				check(strcmp(hb->ymd_hms,
				    "2024-01-01 13:00:01") == 0, "ymd_hms");
				hm__heartbeat_to_dtu__free_unpacked(hb, NULL);
			}
		}
		/* the same DTU again: no second claim */
		feed(c, v.b, v.len);
		check(c->nclaims == 1, "claimed again");
	}
	result("vector 07 heartbeat: reply 08, seq 0x1234, claims " DTU);

	c = cloud(T0 + 2);
	if (vec_load(&v, "09") == 0 && vec_load(&ref, "10") == 0) {
		feed(c, v.b, v.len);
		want_reply(c, 1, ref.b, ref.len);
		want_dump(c, 0, NULL);
		pk = reply_package(c, 0x230c, 0x1235);
		if (pk != NULL) {
			want_clock(pk->time, pk->offset, pk->ymd_hms, T0 + 2,
			    3600);
			check(pk->package_idx == 0 && pk->err_code == 0,
			    "package %d err %d", pk->package_idx,
			    pk->err_code);
			hm__package_to_dtu__free_unpacked(pk, NULL);
		}
	}
	result("vector 09 RealDataNew: reply 10, seq 0x1235");

	c = cloud(T0 + 3);
	if (vec_load(&v, "11") == 0 && vec_load(&ref, "12") == 0) {
		feed(c, v.b, v.len);
		want_reply(c, 1, ref.b, ref.len);
		want_dump(c, 0, NULL);
		if (reply_get(c, 0, &r) == 0) {
			check(r.cmd == 0x2301 && r.seq == 0x1236, "header");
			dd = hm__dev_data_to_dtu__unpack(NULL, r.plen,
			    r.payload);
			check(dd != NULL, "does not unpack");
			if (dd != NULL) {
				want_clock(dd->time, dd->offset, dd->ymd_hms,
				    T0 + 3, 3600);
				check(dd->package_idx == 0 &&
				    dd->err_code == 0, "package, err");
				hm__dev_data_to_dtu__free_unpacked(dd, NULL);
			}
		}
	}
	result("vector 11 DevData: reply 12, seq 0x1236");
}

/* 09: the inverter, its two ports and the DTU's totals */
static void
test_realdatanew_values(void)
{
	struct conn		*c;
	const struct record	*r;

	c = cloud(T0 + 2);
	if (vec_load(&v, "09") == -1) {
		result("vector 09 values");
		return;
	}
	feed(c, v.b, v.len);
	check(c->nrecords == 2, "%d records", c->nrecords);
	if ((r = rec_of(c, INV_SN)) != NULL) {
		check(r->kind == REC_MEASUREMENT && r->proto ==
		    PROTO_HOYMILES, "kind, proto");
		check(r->time == T0, "time %lld", (long long)r->time);
		check(strcmp(r->via, DTU) == 0, "via %s", r->via);
		check(strcmp(r->peer, TEST_PEER) == 0, "peer %s", r->peer);
		want_metric(r, M_AC_VOLTAGE, 0, 2300, 1);
		want_metric(r, M_AC_FREQUENCY, 0, 5000, 2);
		want_metric(r, M_AC_POWER, 0, 2800, 1);
		want_metric(r, M_REACTIVE_POWER, 0, 1, 1);
		want_metric(r, M_AC_CURRENT, 0, 100, 2);
		want_metric(r, M_POWER_FACTOR, 0, 999, 1);
		want_metric(r, M_TEMPERATURE, 0, 189, 1);
		want_metric(r, M_LINK_STATUS, 0, 1, 0);
		want_metric(r, M_PV_VOLTAGE, 1, 370, 1);
		want_metric(r, M_PV_CURRENT, 1, 30, 2);
		want_metric(r, M_PV_POWER, 1, 150, 1);
		want_metric(r, M_PV_ENERGY_TOTAL, 1, 2949, 3);
		want_metric(r, M_PV_ENERGY_TODAY, 1, 83, 3);
		want_metric(r, M_PV_VOLTAGE, 2, 370, 1);
		want_metric(r, M_PV_CURRENT, 2, 30, 2);
		want_metric(r, M_PV_POWER, 2, 150, 1);
		want_metric(r, M_PV_ENERGY_TOTAL, 2, 2949, 3);
		want_metric(r, M_PV_ENERGY_TODAY, 2, 82, 3);
		want_metric(r, M_ENERGY_TODAY, 0, 165, 3);
		want_metric(r, M_ENERGY_TOTAL, 0, 5898, 3);
		want_absent(r, M_PV_VOLTAGE, 3);
		check(r->nmetrics == 20, "%u metrics", r->nmetrics);
	}
	if ((r = rec_of(c, DTU)) != NULL) {
		check(r->via[0] == '\0', "via %s", r->via);
		check(r->time == T0, "time");
		want_metric(r, M_AC_POWER, 0, 300, 1);
		want_metric(r, M_ENERGY_TODAY, 0, 165, 3);
		check(r->nmetrics == 2, "%u metrics", r->nmetrics);
	}
	result("vector 09: inverter " INV_SN " via " DTU ", ports, totals");
}

static void
test_devdata_values(void)
{
	struct conn		*c;
	const struct record	*r;

	c = cloud(T0 + 3);
	if (vec_load(&v, "11") == -1) {
		result("vector 11 values");
		return;
	}
	feed(c, v.b, v.len);
	check(c->nrecords == 2, "%d records", c->nrecords);
	if ((r = rec_of(c, DTU)) != NULL) {
		check(r->kind == REC_DEVICE && r->time == T0 + 3, "kind");
		want_attr(r, A_FIRMWARE, "2.1.21_hm");
	}
	if ((r = rec_of(c, INV_SN)) != NULL) {
		check(r->kind == REC_DEVICE, "kind");
		check(strcmp(r->via, DTU) == 0, "via");
		want_attr(r, A_FIRMWARE, "10008");
		want_attr(r, A_HARDWARE, "10214201");
	}
	result("vector 11: device records of the DTU and the inverter");
}

/* the clock in summer: the offset follows daylight saving time */
static void
test_summer(void)
{
	static struct vec	 f;
	Hm__HeartbeatFromDtu	 hb;
	Hm__HeartbeatToDtu	*r;
	struct reply		 rp;
	struct conn		*c;

	hm__heartbeat_from_dtu__init(&hb);
	hb.offset = 7200;
	hb.time = T_SUMMER;
	hb.csq = -55;
	hb.dtu_sn = DTU;
	frame(&f, 0x2202, 0xffff, &hb.base);
	c = cloud(T_SUMMER + 5);
	feed(c, f.b, f.len);
	want_reply(c, 1, NULL, 0);
	if (reply_get(c, 0, &rp) == 0) {
		check(rp.cmd == 0x2302 && rp.seq == 0xffff, "header");
		if ((r = hm__heartbeat_to_dtu__unpack(NULL, rp.plen,
		    rp.payload)) != NULL) {
			want_clock(r->time, r->offset, r->ymd_hms,
			    T_SUMMER + 5, 7200);
			check(strcmp(r->ymd_hms, "2024-07-01 14:00:05") == 0,
			    "ymd_hms %s", r->ymd_hms);
			hm__heartbeat_to_dtu__free_unpacked(r, NULL);
		} else
			check(0, "does not unpack");
	}
	result("heartbeat in July: offset 7200, local 14:00:05");
}

/* ------------------------------------------------------------------ */
/* uploads built here */

#define INV_A	0x116412340001LL
#define INV_B	0x116412340002LL

static void
sgs_init(Hm__Sgs *s, int64_t sn, int32_t p)
{
	hm__sgs__init(s);
	s->sn = sn;
	s->voltage = 2301;
	s->frequency = 4999;
	s->power = p;
	s->reactive = -12;
	s->current = 321;
	s->pf = 1000;
	s->temperature = -55;
	s->link_status = 1;
}

static void
pv_init(Hm__Pv *pv, int64_t sn, int32_t port, int32_t p)
{
	hm__pv__init(pv);
	pv->sn = sn;
	pv->port = port;
	pv->voltage = 392;
	pv->current = 1085;
	pv->power = p;
	pv->energy_total = 1000000 + port;
	pv->energy_today = 500 + port;
}

/* a two-package upload: A and B's grid and A's ports, then B's ports */
static void
test_two_packages(void)
{
	static struct vec	 f0, f1;
	Hm__RealDataNewFromDtu	 m;
	Hm__Sgs			 s[2], *sp[2] = { &s[0], &s[1] };
	Hm__Pv			 pv[4], *pvp[4] = { &pv[0], &pv[1], &pv[2],
				    &pv[3] };
	Hm__PackageToDtu	*a;
	struct conn		*c;
	const struct record	*r;

	sgs_init(&s[0], INV_A, 4254);
	sgs_init(&s[1], INV_B, 16206);
	pv_init(&pv[0], INV_A, 1, 4254);
	pv_init(&pv[1], INV_A, 2, 0);
	pv_init(&pv[2], INV_B, 1, 8000);
	pv_init(&pv[3], INV_B, 2, 8206);

	hm__real_data_new_from_dtu__init(&m);
	m.dtu_sn = DTU;
	m.time = T0;
	m.ap = 2;
	m.cp = 0;
	m.n_sgs = 2;
	m.sgs = sp;
	m.n_pv = 2;
	m.pv = pvp;
	frame(&f0, 0x220c, 7, &m.base);
	m.cp = 1;
	m.n_sgs = 0;
	m.pv = pvp + 2;
	m.dtu_power = 20460;
	m.dtu_energy_today = 2014;
	frame(&f1, 0x220c, 8, &m.base);

	c = cloud(T0 + 30);
	feed(c, f0.b, f0.len);
	check(c->nrecords == 0, "records after the first package");
	if ((a = reply_package(c, 0x230c, 7)) != NULL) {
		check(a->package_idx == 0, "package %d", a->package_idx);
		hm__package_to_dtu__free_unpacked(a, NULL);
	}
	feed(c, f1.b, f1.len);
	want_reply(c, 2, NULL, 0);
	want_dump(c, 0, NULL);
	if ((a = reply_package(c, 0x230c, 8)) != NULL) {
		check(a->package_idx == 1, "package %d", a->package_idx);
		want_clock(a->time, a->offset, a->ymd_hms, T0 + 30, 3600);
		hm__package_to_dtu__free_unpacked(a, NULL);
	}
	check(c->nrecords == 3, "%d records", c->nrecords);
	if ((r = rec_of(c, "116412340001")) != NULL) {
		want_metric(r, M_AC_POWER, 0, 4254, 1);
		want_metric(r, M_REACTIVE_POWER, 0, -12, 1);
		want_metric(r, M_TEMPERATURE, 0, -55, 1);
		want_metric(r, M_PV_POWER, 1, 4254, 1);
		want_metric(r, M_PV_POWER, 2, 0, 1);
		want_metric(r, M_ENERGY_TOTAL, 0, 2000003, 3);
	}
	if ((r = rec_of(c, "116412340002")) != NULL) {
		check(r->time == T0 && strcmp(r->via, DTU) == 0, "time, via");
		want_metric(r, M_AC_POWER, 0, 16206, 1);
		want_metric(r, M_AC_VOLTAGE, 0, 2301, 1);
		want_metric(r, M_AC_CURRENT, 0, 321, 2);
		want_metric(r, M_PV_VOLTAGE, 1, 392, 1);
		want_metric(r, M_PV_CURRENT, 1, 1085, 2);
		want_metric(r, M_PV_POWER, 1, 8000, 1);
		want_metric(r, M_PV_POWER, 2, 8206, 1);
		want_metric(r, M_PV_ENERGY_TODAY, 2, 502, 3);
		want_metric(r, M_ENERGY_TODAY, 0, 1003, 3);
	}
	if ((r = rec_of(c, DTU)) != NULL) {
		want_metric(r, M_AC_POWER, 0, 20460, 1);
		want_metric(r, M_ENERGY_TODAY, 0, 2014, 3);
	}
	result("two packages merged: records once both are in");

	/* package 0 alone, then a new upload: the first goes out as is */
	c = cloud(T0 + 30);
	feed(c, f0.b, f0.len);
	m.time = T0 + 900;
	m.cp = 0;
	m.ap = 1;
	frame(&f1, 0x220c, 9, &m.base);
	feed(c, f1.b, f1.len);
	check(c->nrecords == 3 + 2, "%d records", c->nrecords);
	if (c->nrecords == 5) {
		check(strcmp(c->rec[0].device, "116412340001") == 0 &&
		    c->rec[0].time == T0, "first: the incomplete upload");
		want_absent(&c->rec[1], M_PV_POWER, 1);
		check(c->rec[3].time == T0 + 900, "then the new one");
	}
	result("an incomplete upload is exported when the next begins");

	/* packages stamped apart are one upload; a repeat is not a new one */
	c = cloud(T0 + 30);
	m.ap = 2;
	m.cp = 0;
	m.time = T0;
	frame(&f0, 0x220c, 11, &m.base);
	feed(c, f0.b, f0.len);
	feed(c, f0.b, f0.len);
	check(c->nrecords == 0, "%d records after a repeat", c->nrecords);
	m.cp = 1;
	m.time = T0 + 1;
	frame(&f1, 0x220c, 12, &m.base);
	feed(c, f1.b, f1.len);
	/* B's ports in both packages, and the totals */
	check(c->nrecords == 2 && c->rec[0].time == T0, "%d records, time %lld",
	    c->nrecords, (long long)c->rec[0].time);
	want_reply(c, 3, NULL, 0);
	result("packages of one upload stamped apart merge; a repeat too");

	/* the same index with another time: the next upload */
	c = cloud(T0 + 30);
	m.cp = 0;
	m.time = T0;
	frame(&f0, 0x220c, 13, &m.base);
	feed(c, f0.b, f0.len);
	m.time = T0 + 300;
	frame(&f0, 0x220c, 14, &m.base);
	feed(c, f0.b, f0.len);
	check(c->nrecords == 2 && c->rec[0].time == T0, "%d records",
	    c->nrecords);
	result("package 0 again with another time: a new upload");

	c = cloud(T0 + 30);
	m.time = T0;
	m.ap = 2;
	frame(&f0, 0x220c, 7, &m.base);
	feed(c, f0.b, f0.len);
	check(c->nrecords == 0, "records before gone");
	conn_gone(c);
	check(c->nrecords == 2, "%d records after gone", c->nrecords);
	result("an incomplete upload is exported when the DTU goes");

	/* package index beyond the count: acked, dumped, nothing merged */
	c = cloud(T0 + 30);
	m.cp = 5;
	frame(&f0, 0x220d, 10, &m.base);
	feed(c, f0.b, f0.len);
	want_reply(c, 1, NULL, 0);
	want_dump(c, 1, "0x220d: package 5 of 2 out of range");
	check(c->nrecords == 0, "records");
	result("package 5 of 2: acked and dumped");
}

/* the old layout, the same layout sent as 0x2203, history */
static void
test_old_layout(void)
{
	static struct vec	 f;
	Hm__RealDataFromDtu	 m;
	Hm__Panel		 p[2], *pp[2] = { &p[0], &p[1] };
	Hm__RealDataNewFromDtu	 n;
	Hm__Pv			 pv, *pvp = &pv;
	Hm__PackageToDtu	*a;
	struct conn		*c;
	const struct record	*r;
	int			 i;

	for (i = 0; i < 2; i++) {
		hm__panel__init(&p[i]);
		p[i].sn = 0x106612345678LL;
		p[i].port = i + 1;
		p[i].voltage = 301 + i;
		p[i].current = 150;
		p[i].power = 451;
		p[i].energy_total = 7000 + i;
		p[i].grid_voltage = 2288;
		p[i].grid_frequency = 5002;
		p[i].grid_power = 880;
		p[i].grid_current = 385;
		p[i].grid_pf = 995;
		p[i].temperature = 312;
		p[i].link_status = 1;
		p[i].energy = 99;
	}
	hm__real_data_from_dtu__init(&m);
	m.dtu_sn = DTU;
	m.time = T0;
	m.device_count = 1;
	m.panel_count = 2;
	m.package_count = 1;
	m.csq = -70;
	m.n_panels = 2;
	m.panels = pp;
	m.version = 3;
	frame(&f, 0x2203, 0x42, &m.base);
	c = cloud(T0 + 10);
	feed(c, f.b, f.len);
	want_dump(c, 0, NULL);
	if ((a = reply_package(c, 0x2303, 0x42)) != NULL) {
		want_clock(a->time, a->offset, a->ymd_hms, T0 + 10, 3600);
		hm__package_to_dtu__free_unpacked(a, NULL);
	}
	check(c->nrecords == 1, "%d records", c->nrecords);
	if ((r = rec_of(c, "106612345678")) != NULL) {
		want_metric(r, M_AC_VOLTAGE, 0, 2288, 1);
		want_metric(r, M_AC_FREQUENCY, 0, 5002, 2);
		want_metric(r, M_AC_POWER, 0, 880, 1);
		want_metric(r, M_AC_CURRENT, 0, 385, 2);
		want_metric(r, M_POWER_FACTOR, 0, 995, 1);
		want_metric(r, M_TEMPERATURE, 0, 312, 1);
		want_metric(r, M_PV_VOLTAGE, 2, 302, 1);
		want_metric(r, M_PV_ENERGY_TOTAL, 2, 7001, 3);
		want_metric(r, M_ENERGY_TOTAL, 0, 14001, 3);
		want_absent(r, M_PV_ENERGY_TODAY, 1);
		want_absent(r, M_ENERGY_TODAY, 0);
	}
	result("0x2203 old layout: grid side from the port entries");

	/* history (0x2204), package 1 of 2 then 0 of 2 */
	c = cloud(T0 + 10);
	m.package_count = 2;
	m.package_idx = 1;
	m.n_panels = 1;
	m.panels = pp + 1;
	frame(&f, 0x2204, 0x43, &m.base);
	feed(c, f.b, f.len);
	if ((a = reply_package(c, 0x2304, 0x43)) != NULL) {
		check(a->package_idx == 1, "package %d", a->package_idx);
		hm__package_to_dtu__free_unpacked(a, NULL);
	}
	m.package_idx = 0;
	m.panels = pp;
	frame(&f, 0x2204, 0x44, &m.base);
	feed(c, f.b, f.len);
	check(c->nrecords == 1, "%d records", c->nrecords);
	if (c->nrecords == 1) {
		want_metric(&c->rec[0], M_PV_VOLTAGE, 1, 301, 1);
		want_metric(&c->rec[0], M_PV_VOLTAGE, 2, 302, 1);
	}
	result("0x2204 history in two packages, out of order");

	/* RealDataNew content under 0x2203: decoded by content */
	hm__real_data_new_from_dtu__init(&n);
	pv_init(&pv, INV_A, 1, 1234);
	n.dtu_sn = DTU;
	n.time = T0;
	n.n_pv = 1;
	n.pv = &pvp;
	n.dtu_power = 1234;
	frame(&f, 0x2203, 0x45, &n.base);
	c = cloud(T0 + 10);
	feed(c, f.b, f.len);
	want_dump(c, 0, NULL);
	check(c->nrecords == 2, "%d records", c->nrecords);
	if ((r = rec_of(c, "116412340001")) != NULL)
		want_metric(r, M_PV_ENERGY_TODAY, 1, 501, 3);
	result("0x2203 carrying the RealDataNew layout");
}

/* three-phase inverters and meters */
static void
test_tgs_meter(void)
{
	static struct vec	 f;
	Hm__RealDataNewFromDtu	 m;
	Hm__Tgs			 t, *tp = &t;
	Hm__Meter		 mt, *mtp = &mt;
	struct conn		*c;
	const struct record	*r;

	hm__tgs__init(&t);
	t.sn = 0x133312345678LL;
	t.voltage_a = 2301;
	t.voltage_b = 2302;
	t.voltage_c = 2303;
	t.voltage_ab = 3985;
	t.voltage_bc = 3986;
	t.voltage_ca = 3987;
	t.frequency = 5001;
	t.power = 15000;
	t.reactive = 20;
	t.current_a = 217;
	t.current_b = 218;
	t.current_c = 219;
	t.pf = 998;
	t.temperature = 401;
	t.link_status = 1;
	hm__meter__init(&mt);
	mt.device_kind = 5;
	mt.sn = 0x10c012931030LL;
	mt.power = -123;
	mt.power_a = -41;
	mt.power_b = -42;
	mt.power_c = -40;
	mt.pf = 970;
	mt.export_total = 123456;
	mt.export_b = 40000;
	mt.import_total = 654321;
	mt.import_c = 20000;
	mt.voltage_a = 23012;
	mt.current_c = 1234;
	mt.pf_b = 960;
	mt.fault = 2;
	hm__real_data_new_from_dtu__init(&m);
	m.dtu_sn = DTU;
	m.time = T0;
	m.n_tgs = 1;
	m.tgs = &tp;
	m.n_meters = 1;
	m.meters = &mtp;
	frame(&f, 0x220c, 1, &m.base);
	c = cloud(T0 + 10);
	feed(c, f.b, f.len);
	check(c->nrecords == 3, "%d records", c->nrecords);
	if ((r = rec_of(c, "133312345678")) != NULL) {
		want_metric(r, M_AC_L_VOLTAGE, 1, 2301, 1);
		want_metric(r, M_AC_L_VOLTAGE, 3, 2303, 1);
		want_metric(r, M_AC_LINE_VOLTAGE, 1, 3985, 1);
		want_metric(r, M_AC_LINE_VOLTAGE, 3, 3987, 1);
		want_metric(r, M_AC_L_CURRENT, 2, 218, 2);
		want_metric(r, M_AC_FREQUENCY, 0, 5001, 2);
		want_metric(r, M_AC_POWER, 0, 15000, 1);
		want_metric(r, M_POWER_FACTOR, 0, 998, 1);
		want_metric(r, M_TEMPERATURE, 0, 401, 1);
		want_absent(r, M_AC_VOLTAGE, 0);
		want_absent(r, M_ENERGY_TOTAL, 0);
	}
	result("three-phase inverter: phase and line voltages, currents");
	if ((r = rec_of(c, "10C012931030")) != NULL) {
		check(strcmp(r->via, DTU) == 0, "via");
		want_metric(r, M_AC_POWER, 0, -1230, 0);
		want_metric(r, M_AC_L_POWER, 2, -420, 0);
		want_metric(r, M_POWER_FACTOR, 0, 970, 1);
		want_metric(r, M_GRID_EXPORT_TOTAL, 0, 123456, 2);
		want_metric(r, M_GRID_L_EXPORT_TOTAL, 2, 40000, 2);
		want_metric(r, M_GRID_IMPORT_TOTAL, 0, 654321, 2);
		want_metric(r, M_GRID_L_IMPORT_TOTAL, 3, 20000, 2);
		want_metric(r, M_AC_L_VOLTAGE, 1, 23012, 2);
		want_metric(r, M_AC_L_CURRENT, 3, 1234, 2);
		want_metric(r, M_AC_L_POWER_FACTOR, 2, 960, 1);
		want_metric(r, M_FAULT, 0, 2, 0);
	}
	result("meter: powers in 10 W, energies in 10 Wh, V and A");
}

/* the other DTU-initiated frames: each its ack, then a dump */
static void
test_other_acks(void)
{
	static struct vec	 f;
	Hm__CommandStatusFromDtu	 cs;
	Hm__CommandStatusToDtu		*csr;
	Hm__PackageFromDtu		 pk;
	Hm__PackageToDtu		*a;
	Hm__DevConfigReportFromDtu	 cr;
	Hm__DevConfigReportToDtu	*crr;
	struct reply			 r;
	struct conn			*c;
	static const uint8_t		 extra[] = { 0x2a, 0x03, 'a', 'b',
					    'c', 0x30, 0x07 };

	hm__command_status_from_dtu__init(&cs);
	cs.dtu_sn = DTU;
	cs.time = T0;
	cs.action = 8;
	cs.package_count = 3;
	cs.package_idx = 2;
	cs.tid = 1234567890123LL;
	frame(&f, 0x2206, 0x300, &cs.base);
	c = cloud(T0 + 1);
	feed(c, f.b, f.len);
	want_reply(c, 1, NULL, 0);
	want_dump(c, 1, "0x2206: acknowledged, payload not decoded");
	if (reply_get(c, 0, &r) == 0) {
		check(r.cmd == 0x2306 && r.seq == 0x300, "header");
		if ((csr = hm__command_status_to_dtu__unpack(NULL, r.plen,
		    r.payload)) != NULL) {
			check(csr->time == T0 + 1 && csr->action == 8 &&
			    csr->package_idx == 2 && csr->tid ==
			    1234567890123LL && csr->err_code == 0, "fields");
			hm__command_status_to_dtu__free_unpacked(csr, NULL);
		} else
			check(0, "does not unpack");
	}
	result("0x2206 command status: 0x2306 echoes action, package, tid");

	hm__package_from_dtu__init(&pk);
	pk.dtu_sn = DTU;
	pk.time = T0;
	pk.package_count = 4;
	pk.package_idx = 3;
	frame(&f, 0x220b, 0x301, &pk.base);
	/* unknown fields after the known ones are skipped */
	memcpy(f.b + f.len, extra, sizeof(extra));
	frame_raw(&f, 0x220b, 0x301, f.b + 10, f.len - 10 + sizeof(extra));
	c = cloud(T0 + 1);
	feed(c, f.b, f.len);
	want_dump(c, 1, "0x220b: acknowledged, payload not decoded");
	if ((a = reply_package(c, 0x230b, 0x301)) != NULL) {
		check(a->package_idx == 3 && a->err_code == 0, "package");
		want_clock(a->time, a->offset, a->ymd_hms, T0 + 1, 3600);
		hm__package_to_dtu__free_unpacked(a, NULL);
	}
	result("0x220b alarms with unknown fields: 0x230b, package 3");

	frame(&f, 0x220a, 0x302, &pk.base);
	c = cloud(T0 + 1);
	feed(c, f.b, f.len);
	want_dump(c, 1, "0x220a: acknowledged, payload not decoded");
	if ((a = reply_package(c, 0x230a, 0x302)) != NULL) {
		check(a->package_idx == 3, "package");
		hm__package_to_dtu__free_unpacked(a, NULL);
	}
	result("0x220a wave: 0x230a");

	hm__dev_config_report_from_dtu__init(&cr);
	cr.time = T0;
	cr.tid = 77;
	cr.rule_id = 5;
	cr.dtu_sn = DTU;
	cr.dev_sn = INV_SN;
	cr.package_count = 1;
	cr.rule_type = 1;
	frame(&f, 0x220e, 0x303, &cr.base);
	c = cloud(T0 + 1);
	feed(c, f.b, f.len);
	want_dump(c, 1, "0x220e: acknowledged, payload not decoded");
	if (reply_get(c, 0, &r) == 0) {
		check(r.cmd == 0x230e && r.seq == 0x303, "header");
		if ((crr = hm__dev_config_report_to_dtu__unpack(NULL, r.plen,
		    r.payload)) != NULL) {
			check(crr->time == T0 + 1 && crr->tid == 77 &&
			    strcmp(crr->dtu_sn, DTU) == 0 &&
			    strcmp(crr->dev_sn, INV_SN) == 0 &&
			    crr->package_idx == 0 && crr->rule_type == 1,
			    "fields");
			hm__dev_config_report_to_dtu__free_unpacked(crr, NULL);
		} else
			check(0, "does not unpack");
	}
	result("0x220e configuration report: 0x230e echoes it");

	/* commands and configuration are the cloud's: never from a DTU */
	frame(&f, 0x2205, 0x304, &pk.base);
	c = cloud(T0 + 1);
	feed(c, f.b, f.len);
	want_reply(c, 0, NULL, 0);
	want_dump(c, 1, "unexpected command 0x2205");
	frame(&f, 0x2305, 0x305, &pk.base);
	feed(c, f.b, f.len);
	want_reply(c, 0, NULL, 0);
	want_dump(c, 2, "unexpected command 0x2305");
	result("0x2205, 0x2305: dumped, not answered");
}

/*
 * Every frame a DTU starts gets its ack, with its sequence number,
 * whatever the payload: empty, without a serial, with fields we do not
 * know, with a known field of another wire type, or no protobuf at
 * all.  Where the ack echoes a package index, and where it has its
 * time, by field number.
 */
static const struct upcase {
	uint16_t	 cmd;
	unsigned int	 count;		/* the frame's package count field */
	unsigned int	 pkg;		/* its package index field, 0: none */
	unsigned int	 rpkg;		/* the ack's package index field */
	unsigned int	 rtime;		/* the ack's time field */
	int		 undecoded;	/* acked, dumped as not decoded */
	const char	*msg;		/* what the frame unpacks as */
} upcases[] = {
	{ 0x2201, 5, 6, 3, 5, 0, "DevDataFromDtu" },
	{ 0x2202, 0, 0, 0, 2, 0, "HeartbeatFromDtu" },
	{ 0x2203, 5, 6, 2, 5, 0, "RealDataFromDtu" },
	{ 0x2204, 5, 6, 2, 5, 0, "RealDataFromDtu" },
	{ 0x2206, 4, 5, 3, 1, 1, "CommandStatusFromDtu" },
	{ 0x220a, 3, 4, 2, 5, 1, "PackageFromDtu" },
	{ 0x220b, 3, 4, 2, 5, 1, "PackageFromDtu" },
	{ 0x220c, 3, 4, 2, 5, 0, "RealDataNewFromDtu" },
	{ 0x220d, 3, 4, 2, 5, 0, "RealDataNewFromDtu" },
	{ 0x220e, 10, 11, 5, 1, 1, "DevConfigReportFromDtu" }
};

enum upkind { UP_EMPTY, UP_UNKNOWN_DTU, UP_NO_SERIAL, UP_WIRETYPE, UP_JUNK };

static const char	*upnames[] = {
	"empty payload, the DTU known from its heartbeat",
	"empty payload, no DTU known on the connection",
	"no serial, unknown fields",
	"a known field of another wire type",
	"no protobuf at all"
};

static size_t
put_varint(uint8_t *p, uint64_t x)
{
	size_t	n = 0;

	while (x >= 0x80) {
		p[n++] = (x & 0x7f) | 0x80;
		x >>= 7;
	}
	p[n++] = (uint8_t)x;
	return (n);
}

/* a varint field of a payload, 0 when it is absent */
static uint64_t
field_or0(const uint8_t *p, size_t len, unsigned int f)
{
	const uint8_t	*b;
	uint64_t	 x = 0;
	size_t		 bl;

	if (field(p, len, f, &x, &b, &bl) == -1)
		return (0);
	return (x);
}

/* the payload of one case: package 2 of 4 where the frame has them */
static size_t
up_payload(const struct upcase *u, int kind, uint8_t *p)
{
	static const uint8_t	unknown[] = {
		0xd0, 0x05, 0x05,			/* 90: varint */
		0xda, 0x05, 0x03, 'x', 'y', 'z',	/* 91: bytes */
		0xe5, 0x05, 1, 2, 3, 4,			/* 92: fixed32 */
		0xe9, 0x05, 1, 2, 3, 4, 5, 6, 7, 8	/* 93: fixed64 */
	};
	size_t			n = 0;

	if (kind == UP_EMPTY || kind == UP_UNKNOWN_DTU)
		return (0);
	if (kind == UP_JUNK) {
		memset(p, 0xff, 24);
		return (24);
	}
	if (u->count != 0) {
		n += put_varint(p + n, u->count << 3);
		p[n++] = 4;
		n += put_varint(p + n, u->pkg << 3);
		p[n++] = 2;
	}
	if (kind == UP_NO_SERIAL) {
		p[n++] = 2 << 3;		/* 2: a number in all */
		p[n++] = 7;
		memcpy(p + n, unknown, sizeof(unknown));
		return (n + sizeof(unknown));
	}
	p[n++] = 2 << 3 | 2;			/* 2 as bytes */
	p[n++] = 2;
	p[n++] = 'a';
	p[n++] = 'b';
	return (n);
}

static void
up_check(struct conn *c, const struct upcase *u, int kind, uint16_t seq)
{
	struct reply	r;
	uint64_t	pkg;
	char		want[PV_REASONLEN];

	want_reply(c, 1, NULL, 0);
	if (reply_get(c, 0, &r) == 0) {
		check(r.cmd == u->cmd + 0x100 && r.seq == seq, "ack 0x%04x "
		    "seq %u", r.cmd, r.seq);
		check(field_or0(r.payload, r.plen, u->rtime) == T0 + 1,
		    "ack time");
		pkg = u->rpkg == 0 ? 0 : field_or0(r.payload, r.plen, u->rpkg);
		check(pkg == (u->rpkg != 0 && (kind == UP_NO_SERIAL ||
		    kind == UP_WIRETYPE) ? 2 : 0), "ack package %llu",
		    (unsigned long long)pkg);
		if (u->cmd == 0x220e && kind == UP_EMPTY)
			want_sfield(r.payload, r.plen, 3, DTU);
	}
	want[0] = '\0';
	if (kind == UP_UNKNOWN_DTU)
		(void)snprintf(want, sizeof(want), "0x%04x: no DTU serial, "
		    "and no earlier frame on the connection named one",
		    u->cmd);
	else if (kind == UP_WIRETYPE || kind == UP_JUNK)
		(void)snprintf(want, sizeof(want), "0x%04x: payload is not a "
		    "%s message (encrypted?)", u->cmd, u->msg);
	else if (kind == UP_NO_SERIAL && u->undecoded)
		(void)snprintf(want, sizeof(want), "0x%04x: acknowledged, "
		    "payload not decoded", u->cmd);
	want_dump(c, want[0] != '\0', want[0] != '\0' ? want : NULL);
	/* nothing to export: empty, unreadable, or package 2 of 4 */
	check(c->nrecords == 0, "%d records", c->nrecords);
	if (kind == UP_UNKNOWN_DTU)
		check(c->nclaims == 0, "claimed %s", c->claim);
	else
		check(c->nclaims == 0 && strcmp(c->claim, DTU) == 0,
		    "the DTU's claim kept");
}

static void
test_every_upload(void)
{
	static struct vec	 f;
	static uint8_t		 p[256];
	const struct upcase	*u;
	struct conn		*c;
	size_t			 i, n;
	int			 kind;
	uint16_t		 seq;

	for (i = 0; i < sizeof(upcases) / sizeof(upcases[0]); i++) {
		u = &upcases[i];
		for (kind = UP_EMPTY; kind <= UP_JUNK; kind++) {
			c = cloud(T0 + 1);
			if (kind != UP_UNKNOWN_DTU && vec_load(&v, "07") == 0)
				feed(c, v.b, v.len);
			conn_clear(c);
			n = up_payload(u, kind, p);
			seq = 0x4000 + i * 8 + kind;
			frame_raw(&f, u->cmd, seq, p, n);
			feed(c, f.b, f.len);
			up_check(c, u, kind, seq);
			result("0x%04x, %s: 0x%04x, same sequence", u->cmd,
			    upnames[kind], u->cmd + 0x100);
		}
	}
}

/* a frame without the DTU's serial speaks for the connection's DTU */
static void
test_known_dtu(void)
{
	static struct vec	 f;
	Hm__RealDataNewFromDtu	 m;
	Hm__Sgs			 s, *sp = &s;
	Hm__DevConfigReportFromDtu cr;
	const struct record	*r;
	struct conn		*c;

	hm__real_data_new_from_dtu__init(&m);
	m.time = T0;
	sgs_init(&s, INV, 2800);
	m.n_sgs = 1;
	m.sgs = &sp;
	frame(&f, 0x220c, 0x600, &m.base);
	c = cloud(T0 + 1);
	if (vec_load(&v, "07") == 0)
		feed(c, v.b, v.len);
	conn_clear(c);
	feed(c, f.b, f.len);
	want_reply(c, 1, NULL, 0);
	want_dump(c, 0, NULL);
	if ((r = rec_of(c, INV_SN)) != NULL) {
		check(strcmp(r->via, DTU) == 0, "via %s", r->via);
		want_metric(r, M_AC_POWER, 0, 2800, 1);
	}
	check(rec_of(c, DTU) != NULL, "the DTU's totals record");
	result("0x220c without a serial: inverter via the heartbeat's DTU");

	/* the serial of a DTU that came as a poller's answer */
	c = poller(60, 0, T0);
	m.ap = 1;
	frame(&f, 0xa211, 1, &m.base);
	feed(c, f.b, f.len);
	want_dump(c, 0, NULL);
	if ((r = rec_of(c, INV_SN)) != NULL)
		check(strcmp(r->via, DTU) == 0, "via %s", r->via);
	check(c->nclaims == 0, "a poller claims nothing");
	result("0xa211 without a serial: the dialled DTU's");

	/* a configuration report with a device serial that is no text */
	hm__dev_config_report_from_dtu__init(&cr);
	cr.tid = 9;
	cr.dtu_sn = DTU;
	cr.dev_sn = "\x01\x02";
	frame(&f, 0x220e, 0x601, &cr.base);
	c = cloud(T0 + 1);
	feed(c, f.b, f.len);
	want_reply(c, 1, NULL, 0);
	want_dump(c, 1, "0x220e: acknowledged, device serial not printable");
	result("0x220e with a device serial that is not text: answered, "
	    "dumped");
}

/* ------------------------------------------------------------------ */
/* accept = known */

#define STRANGER	"4143A0999999"

/* known: only DTU; or nobody at all */
static void
known_devices(int dtu)
{
	memset(devices, 0, sizeof(devices));
	ndevices = 0;
	if (dtu) {
		(void)snprintf(devices[0].name, sizeof(devices[0].name), "%s",
		    DTU);
		devices[0].proto = PROTO_HOYMILES;
		ndevices = 1;
	}
}

/* a payload of one string field: the serial where cmd keeps it */
static void
sn_frame(struct vec *f, uint16_t cmd, uint16_t seq, const char *sn,
    size_t snlen)
{
	uint8_t		p[64];
	unsigned int	field;

	field = cmd == 0x2202 ? 4 : cmd == 0x220e ? 6 : 1;
	p[0] = field << 3 | 2;
	p[1] = (uint8_t)snlen;
	memcpy(p + 2, sn, snlen);
	frame_raw(f, cmd, seq, p, snlen + 2);
}

/* refused: not a byte back, every frame dumped, nothing kept */
static void
want_refused(struct conn *c, int frames, const char *sn)
{
	char	why[PV_REASONLEN];

	(void)snprintf(why, sizeof(why), "unknown device %s", sn);
	want_reply(c, 0, NULL, 0);
	want_dump(c, frames, why);
	check(c->refused && c->nrecords == 0 && c->nclaims == 0,
	    "refused %d, %d records, %d claims", c->refused, c->nrecords,
	    c->nclaims);
	check(strcmp(c->admit, sn) == 0, "admit \"%s\"", c->admit);
}

/* every frame a DTU starts names its serial in its own field */
static void
test_accept_commands(void)
{
	static struct vec	 f;
	struct conn		*c;
	size_t			 i;
	uint16_t		 cmd;

	for (i = 0; i < sizeof(upcases) / sizeof(upcases[0]); i++) {
		cmd = upcases[i].cmd;
		known_devices(1);
		c = cloud(T0 + 1);
		sn_frame(&f, cmd, 0x700 + i, STRANGER, strlen(STRANGER));
		feed(c, f.b, f.len);
		want_refused(c, 1, STRANGER);
		want_dump_of(c, f.b, f.len);
		c = cloud(T0 + 1);
		sn_frame(&f, cmd, 0x780 + i, DTU, strlen(DTU));
		feed(c, f.b, f.len);
		want_reply(c, 1, NULL, 0);
		check(!c->refused && strcmp(c->claim, DTU) == 0 &&
		    strcmp(c->admit, DTU) == 0, "refused %d, claim \"%s\"",
		    c->refused, c->claim);
		result("accept = known: 0x%04x of an unknown DTU refused "
		    "unanswered, of a known one answered", cmd);
	}
}

/* a connection: heartbeat, upload, empty alarms */
static void
test_accept_session(void)
{
	static struct vec	 hb, up, al;
	struct conn		*c;
	int			 known;

	if (vec_load(&hb, "07") == -1 || vec_load(&up, "09") == -1) {
		result("accept = known: vectors");
		return;
	}
	frame(&al, 0x220b, 0x800, NULL);
	for (known = 1; known >= 0; known--) {
		known_devices(known);
		c = cloud(T0 + 1);
		feed(c, hb.b, hb.len);
		feed(c, up.b, up.len);
		feed(c, al.b, al.len);
		if (known) {
			want_reply(c, 3, NULL, 0);
			want_dump(c, 0, NULL);
			check(!c->refused && rec_of(c, INV_SN) != NULL,
			    "refused %d", c->refused);
		} else {
			want_refused(c, 3, DTU);
			want_dump_of(c, hb.b, hb.len);
		}
		result("accept = known: %s DTU's heartbeat, upload and "
		    "empty alarms %s", known ? "a known" : "an unknown",
		    known ? "answered, recorded" : "dumped, unanswered");
	}
}

/* what the serial is, as the unpacking reads it */
static void
test_accept_serials(void)
{
	static struct vec	 f;
	static const char	 nul[] = STRANGER "\0" DTU;
	Hm__HeartbeatFromDtu	 hb;
	struct conn		*c;
	uint8_t			 p[64];
	size_t			 n;

	known_devices(1);
	/* a known DTU's connection, then a frame of another */
	c = cloud(T0 + 1);
	sn_frame(&f, 0x2202, 1, DTU, strlen(DTU));
	feed(c, f.b, f.len);
	conn_clear(c);
	sn_frame(&f, 0x220c, 2, STRANGER, strlen(STRANGER));
	feed(c, f.b, f.len);
	want_reply(c, 0, NULL, 0);
	want_dump(c, 1, "unknown device " STRANGER);
	check(c->refused, "not refused");
	result("accept = known: a known DTU's connection speaking for an "
	    "unknown one is refused");

	/* text up to a NUL byte, and the last of a repeated field */
	c = cloud(T0 + 1);
	sn_frame(&f, 0x2202, 3, nul, sizeof(nul) - 1);
	feed(c, f.b, f.len);
	want_refused(c, 1, STRANGER);
	c = cloud(T0 + 1);
	sn_frame(&f, 0x220c, 4, DTU, strlen(DTU));
	n = f.len - 10;
	memcpy(p, f.b + 10, n);
	p[n++] = 1 << 3 | 2;
	p[n++] = strlen(STRANGER);
	memcpy(p + n, STRANGER, strlen(STRANGER));
	frame_raw(&f, 0x220c, 4, p, n + strlen(STRANGER));
	feed(c, f.b, f.len);
	want_refused(c, 1, STRANGER);
	result("accept = known: the serial is the text before a NUL, the "
	    "last of a repeated field");

	/* a frame that names nobody has nobody to refuse */
	known_devices(0);
	c = cloud(T0 + 1);
	hm__heartbeat_from_dtu__init(&hb);
	hb.time = 5;
	frame(&f, 0x2202, 5, &hb.base);
	feed(c, f.b, f.len);
	want_reply(c, 1, NULL, 0);
	check(c->nadmits == 0 && !c->refused, "%d admits", c->nadmits);
	result("accept = known: a heartbeat without a serial answered, "
	    "nobody admitted");

	/* accept = any: the same serial asked about, and served */
	accept_known = 0;
	c = cloud(T0 + 1);
	sn_frame(&f, 0x2202, 6, STRANGER, strlen(STRANGER));
	feed(c, f.b, f.len);
	want_reply(c, 1, NULL, 0);
	check(strcmp(c->admit, STRANGER) == 0 && !c->refused &&
	    strcmp(c->claim, STRANGER) == 0, "admit \"%s\"", c->admit);
	result("accept = any: an unknown DTU served");
	accept_known = 1;
}

static void
test_accept(void)
{
	accept_known = 1;
	test_accept_commands();
	test_accept_session();
	test_accept_serials();
	accept_known = 0;
	known_devices(0);
}

/* frames that must not be decoded */
static void
test_bad(void)
{
	static struct vec	 f;
	static uint8_t		 junk[64];
	Hm__HeartbeatFromDtu	 hb;
	struct conn		*c;

	if (vec_load(&v, "07") == 0) {
		v.b[v.len - 1] ^= 1;
		c = cloud(T0);
		feed(c, v.b, v.len);
		want_reply(c, 0, NULL, 0);
		want_dump(c, 1, "0x2202: bad CRC 0xdb6e, computed 0x1baf");
	}
	result("bad CRC: dumped, not answered");

	/* ciphertext with its GCM tag after the frame */
	memset(junk, 0xa7, sizeof(junk));
	frame_raw(&f, 0x220c, 0x500, junk, 48);
	memset(f.b + f.len, 0x5c, 16);
	f.len += 16;
	c = cloud(T0);
	feed(c, f.b, f.len);
	check(c->nframes == 1 && c->nskips == 0 && c->len == 0,
	    "%d frames %d skips", c->nframes, c->nskips);
	want_reply(c, 0, NULL, 0);
	want_dump(c, 1, "0x220c: encrypted payload (an AES-GCM tag follows "
	    "the frame)");
	check(c->dumplen[0] == f.len, "dump without the tag");
	/* the same followed by a plain frame */
	if (vec_load(&v, "07") == 0) {
		memcpy(f.b + f.len, v.b, v.len);
		c = cloud(T0 + 1);
		feed(c, f.b, f.len + v.len);
		check(c->nframes == 2, "%d frames", c->nframes);
		want_reply(c, 1, NULL, 0);
		want_dump(c, 1, NULL);
	}
	result("encrypted frame with its tag: dumped whole, not answered");

	/* ciphertext that came without its tag: not protobuf */
	c = cloud(T0);
	frame_raw(&f, 0x220c, 0x501, junk, 48);
	feed(c, f.b, f.len);
	want_reply(c, 1, NULL, 0);
	want_dump(c, 1, "0x220c: payload is not a RealDataNewFromDtu message "
	    "(encrypted?)");
	/* protobuf by chance, but no serial in it */
	hm__heartbeat_from_dtu__init(&hb);
	hb.time = 5;
	hb.dtu_sn = "\x01\x02\x03";
	frame(&f, 0x2202, 0x502, &hb.base);
	feed(c, f.b, f.len);
	want_reply(c, 2, NULL, 0);
	want_dump(c, 2, "0x2202: no printable DTU serial (encrypted "
	    "payload?)");
	hb.dtu_sn = "";
	frame(&f, 0x2202, 0x503, &hb.base);
	feed(c, f.b, f.len);
	want_reply(c, 3, NULL, 0);
	want_dump(c, 3, "0x2202: no DTU serial, and no earlier frame on the "
	    "connection named one");
	check(c->nrecords == 0 && c->nclaims == 0, "records or claims");
	result("not protobuf, or no serial: answered, dumped, nothing "
	    "claimed");

	/* length field and frame size disagree (decoder's own check) */
	c = cloud(T0);
	frame_raw(&f, 0x2202, 1, junk, 4);
	put16(f.b + 8, 13);
	hoymiles_decode(&c->ctx, f.b, f.len);
	want_dump(c, 1, "0x2202: length field 13 in a frame of 14 bytes");
	hoymiles_decode(&c->ctx, (const uint8_t *)"HM\x22", 3);
	want_dump(c, 2, "malformed frame of 3 bytes");
	result("decoder: malformed frames");
}

/* a frame that needs more than the arena, an upload beyond the bounds */
static void
test_bounds(void)
{
	static struct vec	 f;
	static uint8_t		 p[VEC_MAX];
	static Hm__Sgs		 s[130];
	static Hm__Sgs		*sp[130];
	Hm__RealDataNewFromDtu	 m;
	Hm__PackageToDtu	*a;
	struct conn		*c;
	size_t			 n = 0;
	int			 i;

	/* the serial, package 3 of 5, then 8000 empty PV entries */
	p[n++] = 0x0a;
	p[n++] = 12;
	memcpy(p + n, DTU, 12);
	n += 12;
	memcpy(p + n, "\x18\x05\x20\x03", 4);
	n += 4;
	while (n + 2 <= 16000) {
		p[n++] = 0x5a;
		p[n++] = 0;
	}
	frame_raw(&f, 0x220c, 1, p, n);
	c = cloud(T0);
	feed(c, f.b, f.len);
	want_dump(c, 1, "0x220c: RealDataNewFromDtu needs more than 262144 "
	    "bytes to unpack");
	if ((a = reply_package(c, 0x230c, 1)) != NULL) {
		check(a->package_idx == 3, "package %d", a->package_idx);
		hm__package_to_dtu__free_unpacked(a, NULL);
	}
	check(c->nrecords == 0, "records");
	result("a frame beyond the unpacking arena: acked (package 3), "
	    "dumped");

	/* the arena is reset: the next frame decodes */
	if (vec_load(&v, "09") == 0) {
		feed(c, v.b, v.len);
		want_reply(c, 2, NULL, 0);
		check(c->nrecords == 2, "%d records", c->nrecords);
	}
	result("the frame after it decodes");

	for (i = 0; i < 130; i++) {
		sgs_init(&s[i], 0x116400000000LL + i + 1, i);
		sp[i] = &s[i];
	}
	s[0].sn = 0;
	hm__real_data_new_from_dtu__init(&m);
	m.dtu_sn = DTU;
	m.time = T0;
	m.n_sgs = 130;
	m.sgs = sp;
	frame(&f, 0x220c, 2, &m.base);
	c = cloud(T0);
	feed(c, f.b, f.len);
	want_reply(c, 1, NULL, 0);
	want_dump(c, 1, "0x220c: 2 entries left out, the first for an entry "
	    "without a serial");
	check(c->nrecords == 128 + 1, "%d records", c->nrecords);
	result("129 inverters and one without a serial: 128 kept, dumped");
}

/* a DTU whose clock was never set: receive time instead */
static void
test_unset_clock(void)
{
	static struct vec	 f;
	Hm__RealDataNewFromDtu	 m;
	Hm__Sgs			 s, *sp = &s;
	struct conn		*c;

	sgs_init(&s, INV_A, 10);
	hm__real_data_new_from_dtu__init(&m);
	m.dtu_sn = DTU;
	m.time = 4242;
	m.n_sgs = 1;
	m.sgs = &sp;
	frame(&f, 0x220c, 3, &m.base);
	c = cloud(T0 + 77);
	feed(c, f.b, f.len);
	check(c->nrecords == 2 && c->rec[0].time == T0 + 77 &&
	    c->rec[1].time == T0 + 77, "time %lld",
	    (long long)c->rec[0].time);
	result("a DTU clock before 2020: records at receive time");
}

/* ------------------------------------------------------------------ */
/* local polling */


/* the DTU's answer: RealDataNew package cp of ap */
static void
answer(struct vec *f, uint16_t seq, int32_t ap, int32_t cp)
{
	Hm__RealDataNewFromDtu	 m;
	Hm__Sgs			 s, *sp = &s;
	Hm__Pv			 pv, *pvp = &pv;

	hm__real_data_new_from_dtu__init(&m);
	m.dtu_sn = DTU;
	m.time = T0;
	m.ap = ap;
	m.cp = cp;
	sgs_init(&s, INV_A + cp, 100 + cp);
	pv_init(&pv, INV_A + cp, 1, 100 + cp);
	m.n_sgs = 1;
	m.sgs = &sp;
	m.n_pv = 1;
	m.pv = &pvp;
	m.dtu_power = 500;
	frame(f, 0xa211, seq, &m.base);
}

/* an answer with nothing but its package, stamped t */
static void
bare(struct vec *f, uint16_t seq, int32_t t, int32_t ap, int32_t cp)
{
	Hm__RealDataNewFromDtu	 m;

	hm__real_data_new_from_dtu__init(&m);
	m.dtu_sn = DTU;
	m.time = t;
	m.ap = ap;
	m.cp = cp;
	frame(f, 0xa211, seq, &m.base);
}

static void
test_poll(void)
{
	static struct vec	 f;
	Hm__PackageToDtu	*q;
	struct conn		*c;
	int			 i;

	c = poller(60, 0, T0 - 70);
	check(c->nclaims == 0, "a poller claims nothing");
	if ((q = reply_package(c, 0xa311, 1)) != NULL) {
		check(q->package_idx == 0, "package %d", q->package_idx);
		want_clock(q->time, q->offset, q->ymd_hms, T0 - 70, 3600);
		hm__package_to_dtu__free_unpacked(q, NULL);
	}
	check(c->timer == 10000, "response timeout %u", c->timer);
	answer(&f, 1, 1, 0);
	c->ctx.now = T0 - 69;
	feed(c, f.b, f.len);
	want_reply(c, 1, NULL, 0);
	want_dump(c, 0, NULL);
	check(c->nrecords == 2, "%d records", c->nrecords);
	check(c->timer == 60000, "interval timer %u", c->timer);
	c->ctx.now = T0;
	conn_tick(c);
	if (vec_load(&v, "06") == 0)
		want_reply(c, 2, v.b, v.len);
	result("poll: 0xA311 at open, answer, interval; 2nd request is 06");

	/* two packages: never two requests at once */
	c = poller(45, 2000, T0);
	answer(&f, 1, 2, 0);
	feed(c, f.b, f.len);
	want_reply(c, 2, NULL, 0);
	if ((q = reply_package(c, 0xa311, 2)) != NULL) {
		check(q->package_idx == 1, "package %d", q->package_idx);
		hm__package_to_dtu__free_unpacked(q, NULL);
	}
	check(c->nrecords == 0 && c->timer == 2000, "records %d timer %u",
	    c->nrecords, c->timer);
	/* an answer to no request of ours is not taken */
	answer(&f, 1, 2, 1);
	feed(c, f.b, f.len);
	want_dump(c, 1, "0xa211: answer with sequence 1 to no request of "
	    "ours");
	want_reply(c, 2, NULL, 0);
	answer(&f, 2, 2, 1);
	feed(c, f.b, f.len);
	want_reply(c, 2, NULL, 0);
	check(c->nrecords == 3, "%d records", c->nrecords);
	check(c->timer == 45000, "interval %u", c->timer);
	/* nothing more arrives uninvited */
	answer(&f, 2, 2, 1);
	feed(c, f.b, f.len);
	want_dump(c, 2, NULL);
	result("poll: two packages, one request at a time, then the interval");

	/* a DTU that stamps each answer: still one upload per poll */
	c = poller(60, 0, T0);
	answer(&f, 1, 2, 0);
	feed(c, f.b, f.len);
	bare(&f, 2, T0 + 1, 2, 1);
	feed(c, f.b, f.len);
	want_reply(c, 2, NULL, 0);
	check(c->nrecords == 2 && c->timer == 60000, "%d records, timer %u",
	    c->nrecords, c->timer);
	result("poll: answers stamped apart make one upload");

	/* a DTU that answers package 0 whatever is asked: bounded */
	c = poller(60, 0, T0);
	for (i = 0; i < 10 && c->timer != 60000; i++) {
		c->ctx.now = T0 + i;
		bare(&f, (uint16_t)(i + 1), T0 + i, 2, 0);
		feed(c, f.b, f.len);
	}
	check(c->nreplies == 6 && c->timer == 60000, "%d requests, timer %u",
	    c->nreplies, c->timer);
	result("poll: a DTU stuck on package 0 gets 2 x 2 + 2 requests");

	/* silence: asked again, then the connection closed */
	c = poller(30, 0, T0);
	conn_tick(c);
	want_reply(c, 2, NULL, 0);
	check(c->ncloses == 0, "closed after one timeout");
	if ((q = reply_package(c, 0xa311, 2)) != NULL) {
		check(q->package_idx == 0, "package");
		hm__package_to_dtu__free_unpacked(q, NULL);
	}
	conn_tick(c);
	want_reply(c, 2, NULL, 0);
	check(c->ncloses == 1, "%d closes", c->ncloses);
	result("poll: a second timeout closes the connection");

	/* an interval below 30 s is taken as 30 s; 0 polls nothing */
	c = poller(5, 0, T0);
	answer(&f, 1, 1, 0);
	feed(c, f.b, f.len);
	check(c->timer == 30000, "timer %u", c->timer);
	c = poller(0, 0, T0);
	want_reply(c, 0, NULL, 0);
	check(c->timer == 0, "timer %u", c->timer);
	result("poll: interval at least 30 s; 0 asks nothing");

	/* cloud frames on a polling connection, answers on a cloud one */
	c = poller(60, 0, T0);
	if (vec_load(&v, "07") == 0) {
		feed(c, v.b, v.len);
		want_reply(c, 1, NULL, 0);
		want_dump(c, 1, "unexpected command 0x2202");
	}
	c = cloud(T0);
	answer(&f, 1, 1, 0);
	feed(c, f.b, f.len);
	want_reply(c, 0, NULL, 0);
	want_dump(c, 1, "unexpected command 0xa211");
	result("poll: each role takes only its own commands");
}

/* protobuf by hand: a varint, a varint field, a length-delimited one */
static size_t
pb_raw(uint8_t *p, uint64_t val)
{
	size_t	n = 0;

	for (; val >= 0x80; val >>= 7)
		p[n++] = (uint8_t)(val | 0x80);
	p[n++] = (uint8_t)val;
	return (n);
}

static size_t
pb_varint(uint8_t *p, uint64_t tag, uint64_t val)
{
	size_t	n;

	n = pb_raw(p, tag << 3);
	return (n + pb_raw(p + n, val));
}

static size_t
pb_string(uint8_t *p, uint64_t tag, const char *s)
{
	size_t	n;

	n = pb_raw(p, tag << 3 | 2);
	n += pb_raw(p + n, strlen(s));
	memcpy(p + n, s, strlen(s));
	return (n + strlen(s));
}

/*
 * The DTU's 0xA209 as hoymiles-wifi's GetConfigReqDTO lays it out:
 * offset 1, time 2, limit_power_mypower 5 (tenths of a percent; -1:
 * left out), wifi_ssid 16, wifi_passward 17, dtu_sn 20, dtu_ap_pass 62
 */
static void
getconfig(struct vec *f, uint16_t seq, int32_t limit)
{
	uint8_t	p[256];
	size_t	n = 0;

	n += pb_varint(p + n, 1, 3600);
	n += pb_varint(p + n, 2, T0);
	n += pb_varint(p + n, 4, 0);
	if (limit >= 0)
		n += pb_varint(p + n, 5, (uint64_t)limit);
	n += pb_varint(p + n, 12, 10081);
	n += pb_string(p + n, 16, "home-wifi");
	n += pb_string(p + n, 17, "wifi-Secret-1");
	n += pb_string(p + n, 20, DTU);
	n += pb_string(p + n, 62, "ap-Secret-2");
	frame_raw(f, 0xa209, seq, p, n);
}

/* the last reply is 0xA309 with seq, our clock in fields 1 and 2 */
static void
want_getconfig(struct conn *c, uint16_t seq, time_t now)
{
	struct reply	r;

	if (reply_get(c, c->nreplies - 1, &r) == -1)
		return;
	check(r.cmd == 0xa309 && r.seq == seq, "reply 0x%04x seq %u, want "
	    "0xa309 seq %u", r.cmd, r.seq, seq);
	want_field(r.payload, r.plen, 1, 3600);
	want_field(r.payload, r.plen, 2, (uint64_t)now);
}

/* the DTU's power limit, where the [device] allows power_limit */
static void
test_getconfig(void)
{
	static struct vec	 f;
	struct conn		*c;
	int			 i;

	c = poller(60, 0, T0);
	devices[0].allow = CMD_BIT(CMD_POWER_LIMIT);
	answer(&f, 1, 1, 0);
	feed(c, f.b, f.len);
	check(c->nrecords == 2, "%d records of the poll", c->nrecords);
	want_reply(c, 2, NULL, 0);
	want_getconfig(c, 2, T0);
	check(c->timer == 10000, "response timeout %u", c->timer);
	getconfig(&f, 2, 500);
	c->ctx.now = T0 + 1;
	feed(c, f.b, f.len);
	want_dump(c, 0, NULL);
	check(c->nrecords == 3, "%d records", c->nrecords);
	if (c->nrecords == 3) {
		check(c->rec[2].kind == REC_MEASUREMENT &&
		    strcmp(c->rec[2].device, DTU) == 0 &&
		    c->rec[2].via[0] == '\0' && c->rec[2].time == T0 &&
		    c->rec[2].nmetrics == 1 && c->rec[2].nattrs == 0,
		    "the DTU's record: %s, %d metrics, %d attributes",
		    c->rec[2].device, c->rec[2].nmetrics, c->rec[2].nattrs);
		want_metric(&c->rec[2], M_POWER_LIMIT, 0, 500, 1);
	}
	check(c->timer == 60000, "interval %u", c->timer);
	result("getconfig: after the poll 0xA309, field 5 in 0.1 %%: "
	    "power_limit 50 %%, then the interval");

	/* unasked: dumped; the next cycle asks once again */
	getconfig(&f, 2, 500);
	feed(c, f.b, f.len);
	want_dump(c, 1, "0xa209: answer with sequence 2 to no request of "
	    "ours");
	c->ctx.now = T0 + 60;
	conn_tick(c);
	want_reply(c, 3, NULL, 0);
	answer(&f, 3, 1, 0);
	feed(c, f.b, f.len);
	want_reply(c, 4, NULL, 0);
	want_getconfig(c, 4, T0 + 60);
	getconfig(&f, 4, 1000);
	feed(c, f.b, f.len);
	check(c->nrecords == 6, "%d records", c->nrecords);
	if (c->nrecords == 6)
		want_metric(&c->rec[5], M_POWER_LIMIT, 0, 1000, 1);
	want_reply(c, 4, NULL, 0);
	check(c->timer == 60000, "interval %u", c->timer);
	result("getconfig: once a cycle, an answer unasked dumped");

	/* left out, or out of range: no power limit; the polls go on */
	c = poller(60, 0, T0);
	devices[0].allow = CMD_BIT(CMD_POWER_LIMIT);
	answer(&f, 1, 1, 0);
	feed(c, f.b, f.len);
	getconfig(&f, 2, -1);
	feed(c, f.b, f.len);
	check(c->nrecords == 2 && c->ndumps == 0 && c->timer == 60000,
	    "left out: %d records, %d dumps, timer %u", c->nrecords,
	    c->ndumps, c->timer);
	conn_tick(c);
	answer(&f, 3, 1, 0);
	feed(c, f.b, f.len);
	getconfig(&f, 4, 1001);
	feed(c, f.b, f.len);
	want_dump(c, 1, "0xa209: power limit 1001, not 0 to 100.0 %");
	check(c->nrecords == 4 && c->timer == 60000, "1001: %d records, "
	    "timer %u", c->nrecords, c->timer);
	for (i = 0; i < c->nrecords; i++)
		check(record_find(&c->rec[i], M_POWER_LIMIT, 0) == NULL,
		    "record %d has a power limit", i);
	result("getconfig: a limit left out or above 100 %% is none");

	/* a DTU that never answers it: no redial, the interval */
	c = poller(60, 0, T0);
	devices[0].allow = CMD_BIT(CMD_POWER_LIMIT);
	answer(&f, 1, 1, 0);
	feed(c, f.b, f.len);
	for (i = 0; i < 3; i++) {
		conn_tick(c);		/* the 0xA309 unanswered */
		check(c->timer == 60000 && c->ncloses == 0, "silent %d: "
		    "timer %u, %d closes", i, c->timer, c->ncloses);
		conn_tick(c);		/* the interval is over */
		answer(&f, (uint16_t)(2 * i + 3), 1, 0);
		feed(c, f.b, f.len);
		want_getconfig(c, (uint16_t)(2 * i + 4), T0);
	}
	check(c->ncloses == 0, "%d closes", c->ncloses);
	result("getconfig: unanswered, the polls go on without a redial");

	/* not allowed: never asked */
	c = poller(60, 0, T0);
	devices[0].allow = CMD_BIT(CMD_REBOOT);
	answer(&f, 1, 1, 0);
	feed(c, f.b, f.len);
	want_reply(c, 1, NULL, 0);
	check(c->timer == 60000, "interval %u", c->timer);
	result("getconfig: not asked where power_limit is not allowed");
}

int
main(int argc, char *argv[])
{
	vecdir = argc > 1 ? argv[1] : DEFAULT_DIR;
	set_tz(TEST_TZ);

	test_registry();
	test_crc();
	test_framer();
	test_app_vectors();
	test_gwinfo();
	test_cloud_vectors();
	test_realdatanew_values();
	test_devdata_values();
	test_summer();
	test_two_packages();
	test_old_layout();
	test_tgs_meter();
	test_other_acks();
	test_every_upload();
	test_known_dtu();
	test_accept();
	test_bad();
	test_bounds();
	test_unset_clock();
	test_poll();
	test_getconfig();
	return (finish());
}
