/*
 * The TSUN GEN3 framer and decoder fed the captured frames in
 * regress/vectors/tsun-gen3 (or the directory given as argv[1]),
 * through the harness (harness.c).
 *
 * The captures were made with the clock at 1691239744 UTC in a zone
 * two hours ahead; the tests run in CET/CEST, which was two hours
 * ahead then too.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define DEFAULT_DIR	"regress/vectors/tsun-gen3"

#define COLLECTOR	"R170000000000001"
#define INVERTER	"T170000000000001"
#define CAPTURE_NOW	1691239744	/* the captures' UTC clock */
#define HOUR		3600

/* where the elements start in a data frame with 16-byte ids */
#define TLV_OFF		(4 + 1 + 16 + 2 + 4 + 1 + 16 + 1 + 8 + 4)
#define TS_OFF		(4 + 1 + 16 + 2 + 4 + 1 + 16 + 1)

static struct conn	*fresh(void);
static void		 frame(struct vec *, uint8_t, uint8_t, const char *,
			    const uint8_t *, size_t);
static void		 wrap(struct vec *, uint8_t, uint32_t, int64_t,
			    const struct vec *);
static size_t		 element(const struct vec *, uint32_t);
static void		 put_f32(struct vec *, uint32_t, float);
static void		 put_ts(struct vec *, int64_t);
static void		 time_reply(struct vec *, int64_t);
static int		 load(struct vec *, const char *);

static struct conn *
fresh(void)
{
	struct conn	*c;

	c = conn_open(PROTO_TSUN_GEN3, 0);
	c->ctx.now = CAPTURE_NOW;
	return (c);
}

static int
load(struct vec *v, const char *id)
{
	return (vec_load(v, id));
}

/* a frame: length, id, control, message, payload */
static void
frame(struct vec *v, uint8_t ctrl, uint8_t msg, const char *id,
    const uint8_t *p, size_t plen)
{
	size_t	idlen = strlen(id), n;

	n = 5 + idlen + 2 + plen;
	v->b[0] = (n - 4) >> 24;
	v->b[1] = ((n - 4) >> 16) & 0xff;
	v->b[2] = ((n - 4) >> 8) & 0xff;
	v->b[3] = (n - 4) & 0xff;
	v->b[4] = idlen;
	memcpy(v->b + 5, id, idlen);
	v->b[5 + idlen] = ctrl;
	v->b[6 + idlen] = msg;
	memcpy(v->b + 7 + idlen, p, plen);
	v->len = n;
}

/* an element list (from its count on) made a data frame */
static void
wrap(struct vec *out, uint8_t msg, uint32_t dataid, int64_t ms,
    const struct vec *tlv)
{
	static uint8_t	p[VEC_MAX];
	size_t		n = 0;
	int		i;

	for (i = 3; i >= 0; i--)
		p[n++] = (dataid >> (8 * i)) & 0xff;
	p[n++] = 16;
	memcpy(p + n, COLLECTOR, 16);
	n += 16;
	p[n++] = 0x01;
	for (i = 7; i >= 0; i--)
		p[n++] = ((uint64_t)ms >> (8 * i)) & 0xff;
	memcpy(p + n, tlv->b, tlv->len);
	n += tlv->len;
	frame(out, 0x91, msg, COLLECTOR, p, n);
}

/* the offset of an element's value in a data frame, 0 if not there */
static size_t
element(const struct vec *v, uint32_t addr)
{
	size_t		off = TLV_OFF;
	uint32_t	a;
	uint8_t		t;

	while (off + 5 <= v->len) {
		a = pv_be32(v->b + off);
		t = v->b[off + 4];
		off += 5;
		if (a == addr)
			return (off);
		switch (t) {
		case 0x54:
			off += 1 + v->b[off];
			break;
		case 0x53:
			off += 2;
			break;
		case 0x49:
		case 0x46:
			off += 4;
			break;
		case 0x4c:
			off += 8;
			break;
		case 0x42:
			off += 1;
			break;
		case 0x41:
			break;
		default:
			return (0);
		}
	}
	return (0);
}

static void
put_f32(struct vec *v, uint32_t addr, float f)
{
	uint32_t	bits;
	size_t		off;

	if ((off = element(v, addr)) == 0 || v->b[off - 1] != 0x46) {
		check(0, "no float element 0x%x", addr);
		return;
	}
	memcpy(&bits, &f, sizeof(bits));
	v->b[off] = bits >> 24;
	v->b[off + 1] = (bits >> 16) & 0xff;
	v->b[off + 2] = (bits >> 8) & 0xff;
	v->b[off + 3] = bits & 0xff;
}

static void
put_ts(struct vec *v, int64_t ms)
{
	int	i;

	for (i = 0; i < 8; i++)
		v->b[TS_OFF + i] = ((uint64_t)ms >> (8 * (7 - i))) & 0xff;
}

/* the get-time answer carrying this many local milliseconds */
static void
time_reply(struct vec *v, int64_t ms)
{
	uint8_t	p[8];
	int	i;

	for (i = 0; i < 8; i++)
		p[i] = ((uint64_t)ms >> (8 * (7 - i))) & 0xff;
	frame(v, 0x91, 0x22, COLLECTOR, p, sizeof(p));
}

/* ------------------------------------------------------------------ */

static void
test_registry(void)
{
	const struct proto	*p, *q;

	p = proto_byname("tsun-gen3");
	q = proto_byid(PROTO_TSUN_GEN3);
	check(p != NULL && p == q, "tsun-gen3 not found by name and id");
	if (p != NULL) {
		check(p->id == PROTO_TSUN_GEN3, "id %u", p->id);
		check(p->port == 5005, "port %u", p->port);
		check(p->statesize == gen3_statesize() && p->statesize > 0,
		    "statesize %zu", p->statesize);
		check(p->frame == gen3_frame && p->decode == gen3_decode,
		    "functions");
	}
	result("registry tsun-gen3");
}

/* every frame vector on a fresh connection */
struct vcase {
	const char	*id;
	const char	*reply;		/* the exact reply vector */
	const char	*reason;	/* the one dump, NULL: none */
	int		 records;
};

static const struct vcase	vcases[] = {
	{ "01", "02", NULL, 0 },
	{ "02", "02", "contact info: malformed strings", 0 },
	{ "03", "02", NULL, 0 },
	{ "05", "02", "contact info: malformed strings", 0 },
	{ "07", "07", "contact info: malformed strings", 0 },
	{ "08", "07", NULL, 0 },
	{ "09", NULL, "unknown control 0x93 for message 0x00", 0 },
	{ "10", "11", NULL, 0 },
	{ "11", NULL, "time frame with a 8-byte payload", 0 },
	{ "12", NULL, "time frame with a 8-byte payload", 0 },
	{ "13", NULL, "time frame with a 4-byte payload", 0 },
	{ "14", NULL, "unknown control 0x94 for message 0x22", 0 },
	{ "15", "17", NULL, 0 },
	{ "16", "17", NULL, 0 },
	{ "17", NULL, "unknown control 0x99 for message 0x99", 0 },
	{ "18", NULL, "unknown control 0x70 for message 0x99", 0 },
	{ "19", NULL, "heartbeat with a 8-byte payload", 0 },
	{ "20", "22", NULL, 1 },
	{ "21", "22", NULL, 1 },
	{ "22", NULL, "unknown control 0x99 for message 0x71", 0 },
	{ "23", NULL, "unknown control 0x92 for message 0x71", 0 },
	{ "24", "26", NULL, 1 },
	{ "25", "26", NULL, 1 },
	{ "26", NULL, "unknown control 0x99 for message 0x04", 0 },
	{ "27", "26", NULL, 1 },
	{ "28", "26", NULL, 1 },
	{ "29", "26", "element 158 of 163 at 0x0000000a: unknown type 0x08",
	    1 },
	{ "30", "26", NULL, 1 },
	{ "31", NULL, "unknown control 0x92 for message 0x04", 0 },
	{ "32", "26", NULL, 1 },
	{ "33", "22", NULL, 1 },
	{ "34", NULL, "unknown message 0x17", 0 },
	{ "35", NULL, "firmware update frame (control 0x70), 1 on this "
	    "connection", 0 },
	{ "36", NULL, "firmware update frame (control 0x91), 1 on this "
	    "connection", 0 },
	{ "37", NULL, "firmware update frame (control 0x99), 1 on this "
	    "connection", 0 },
	{ "38", NULL, "unknown control 0x70 for message 0x77", 0 },
	{ "39", NULL, "unknown control 0x70 for message 0x77", 0 },
	{ "40", NULL, "Modbus response without a request", 0 },
	{ "41", NULL, "unknown control 0x99 for message 0x77", 0 },
	{ "42", NULL, "Modbus response without a request", 0 },
	{ "43", NULL, "Modbus response without a request", 0 },
	{ "44", NULL, "unknown control 0x70 for message 0x77", 0 },
	{ "45", NULL, "unknown control 0x70 for message 0x77", 0 },
	{ "46", NULL, "unknown control 0x70 for message 0x77", 0 },
	{ "47", NULL, "Modbus response without a request", 0 },
};

static void
test_vectors(void)
{
	static struct vec	 v, ref;
	const struct vcase	*vc;
	struct conn		*c;
	size_t			 i;

	for (i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++) {
		vc = &vcases[i];
		if (load(&v, vc->id) == -1) {
			result("vector %s", vc->id);
			continue;
		}
		c = fresh();
		feed(c, v.b, v.len);
		check(c->badverdict == 0, "framer broke its contract");
		check(c->len == 0 && !c->dead, "bytes left or closed");
		check(c->nframes == 1 && c->nskips == 0, "%d frames, %d skips",
		    c->nframes, c->nskips);
		if (vc->reply != NULL && load(&ref, vc->reply) == 0)
			want_reply(c, 1, ref.b, ref.len);
		else
			want_reply(c, 0, NULL, 0);
		want_dump(c, vc->reason != NULL, vc->reason);
		want_dump_of(c, v.b, v.len);
		check(c->nrecords == vc->records, "%d records, want %d",
		    c->nrecords, vc->records);
		check(c->ncloses == 0, "closed");
		check(c->nclaims == 1 && strlen(c->claim) == v.b[4] &&
		    memcmp(c->claim, v.b + 5, v.b[4]) == 0,
		    "claims %d, \"%s\"", c->nclaims, c->claim);
		result("vector %s%s%s", vc->id, vc->reply ? " reply " : "",
		    vc->reply ? vc->reply : "");
	}
}

/* 04: a 17-byte id is still a frame, answered with the same id */
static void
test_long_id(void)
{
	static struct vec	 v, want;
	struct conn		*c;
	const uint8_t		 one = 0x01;

	if (load(&v, "04") == -1) {
		result("vector 04: 17-byte id");
		return;
	}
	c = fresh();
	feed(c, v.b, v.len);
	frame(&want, 0x91, 0x00, "R1700000000000011", &one, 1);
	check(c->nframes == 1 && c->nskips == 0, "%d frames", c->nframes);
	want_reply(c, 1, want.b, want.len);
	want_dump(c, 0, NULL);
	check(strcmp(c->claim, "R1700000000000011") == 0, "claim %s",
	    c->claim);
	result("vector 04: 17-byte id answered with it");

	/* 18 bytes: not a frame, everything buffered goes */
	v.b[4] = 18;
	c = fresh();
	feed(c, v.b, v.len);
	check(c->nframes == 0 && c->nskips == 1 && c->skipn[0] == v.len,
	    "%d frames, %d skips of %zu", c->nframes, c->nskips,
	    c->skipn[0]);
	check(strcmp(c->skipwhy[0], "id length 18 above 17") == 0, "why %s",
	    c->skipwhy[0]);
	want_reply(c, 0, NULL, 0);
	result("18-byte id: the buffer is dropped");
}

static void
test_framer(void)
{
	static struct vec	 v, a, b;
	struct conn		*c;
	const char		*why;
	size_t			 n, i;
	int			 r;

	if (load(&v, "01") == -1) {
		result("framer");
		return;
	}
	for (i = 0; i < v.len; i++) {
		n = 0;
		r = gen3_frame(v.b, i, TEST_MAXFRAME, &n, &why);
		if (r != FRAME_MORE) {
			check(0, "%zu bytes: verdict %d", i, r);
			break;
		}
	}
	r = gen3_frame(v.b, v.len, TEST_MAXFRAME, &n, &why);
	check(r == FRAME_OK && n == v.len, "whole: %d %zu", r, n);
	r = gen3_frame(v.b, v.len, v.len - 1, &n, &why);
	check(r == FRAME_CLOSE && strcmp(why, "frame length 48 exceeds "
	    "maximum 47") == 0, "too big: %d", r);
	result("framer: one byte at a time, then the frame");

	memcpy(a.b, v.b, v.len);
	a.b[3] = 0x12;		/* 18: not even the header's 19 */
	r = gen3_frame(a.b, v.len, TEST_MAXFRAME, &n, &why);
	check(r == FRAME_SKIP && n == v.len && strcmp(why, "length 18 too "
	    "short for an id of 16") == 0, "short: %d %zu", r, n);
	a.b[0] = 0x80;		/* negative */
	r = gen3_frame(a.b, v.len, TEST_MAXFRAME, &n, &why);
	check(r == FRAME_SKIP && n == v.len, "negative: %d %zu", r, n);
	a.b[0] = 0x7f;		/* 2 GB */
	r = gen3_frame(a.b, v.len, TEST_MAXFRAME, &n, &why);
	check(r == FRAME_CLOSE, "huge: %d", r);
	result("framer: impossible lengths");

	/* a frame split over two reads, then two frames in one (06) */
	c = fresh();
	feed(c, v.b, 10);
	check(c->nframes == 0 && c->len == 10, "after 10 bytes");
	feed(c, v.b + 10, v.len - 10);
	check(c->nframes == 1 && c->len == 0, "after the rest");
	if (load(&b, "02") == 0)
		want_reply(c, 1, b.b, b.len);
	result("framer: a frame split over reads");

	if (load(&v, "06") == 0) {
		c = fresh();
		feed(c, v.b, v.len);
		check(c->nframes == 2 && c->len == 0, "%d frames",
		    c->nframes);
		if (load(&a, "02") == 0 && load(&b, "07") == 0) {
			want_reply(c, 2, b.b, b.len);
			check(c->replylen[0] == a.len && memcmp(c->reply[0],
			    a.b, a.len) == 0, "first reply is not 02");
		}
		want_dump(c, 0, NULL);
		check(c->nclaims == 2 && strcmp(c->claim,
		    "R170000000000002") == 0, "claims %d %s", c->nclaims,
		    c->claim);
	}
	result("vector 06: two frames in one read, answered in order");
}

/* 48-50: what a lossy link leaves in the receive buffer */
static void
test_broken_streams(void)
{
	static struct vec	 v, ack;
	struct conn		*c;

	load(&ack, "26");
	if (load(&v, "48") == 0) {
		c = fresh();
		feed(c, v.b, v.len);
		check(c->nframes == 1 && c->nskips == 0 && c->len == 0,
		    "%d frames %d skips %zu left", c->nframes, c->nskips,
		    c->len);
		want_reply(c, 1, ack.b, ack.len);
		want_dump(c, 1, NULL);
		check(c->ndumps == 1 && strstr(c->reason[0],
		    "unknown type") != NULL, "reason %s", c->reason[0]);
		check(c->nrecords == 1, "%d records", c->nrecords);
		if (c->nrecords == 1) {
			/* what came before the break is good */
			want_metric(&c->rec[0], M_STATUS, 0, 1, 0);
		}
	}
	result("vector 48: overwritten frame acked, values up to the break");

	if (load(&v, "49") == 0) {
		c = fresh();
		feed(c, v.b, v.len);
		check(c->nframes == 1 && c->nskips == 1, "%d frames %d skips",
		    c->nframes, c->nskips);
		check(c->skipn[0] == v.len - 1286 && strcmp(c->skipwhy[0],
		    "id length 245 above 17") == 0, "skip %zu \"%s\"",
		    c->skipn[0], c->skipwhy[0]);
		check(c->len == 0, "%zu left", c->len);
		want_reply(c, 1, ack.b, ack.len);
		check(c->ndumps == 1 && strstr(c->reason[0],
		    "unknown type") != NULL, "dumps %d", c->ndumps);
	}
	result("vector 49: broken frame, then the garbage dropped");

	if (load(&v, "50") == 0) {
		c = fresh();
		feed(c, v.b, v.len);
		check(c->nframes == 1 && c->nskips == 0 && c->len == 7,
		    "%d frames %d skips %zu left", c->nframes, c->nskips,
		    c->len);
		want_reply(c, 0, NULL, 0);
		want_dump(c, 1, "Modbus response without a request");
	}
	result("vector 50: one frame, the next header's start kept");
}

/* ------------------------------------------------------------------ */

static void
want_collector(const struct record *r, int64_t t, const char *fw,
    int signal)
{
	check(r->kind == REC_DEVICE, "kind %d", r->kind);
	check(r->proto == PROTO_TSUN_GEN3, "proto %d", r->proto);
	check(r->time == t, "time %lld, want %lld", (long long)r->time,
	    (long long)t);
	check(strcmp(r->device, COLLECTOR) == 0, "device %s", r->device);
	check(r->via[0] == '\0', "via %s", r->via);
	check(strcmp(r->peer, TEST_PEER) == 0, "peer %s", r->peer);
	want_metric(r, M_SIGNAL, 0, signal, 0);
	want_metric(r, M_COLLECT_INTERVAL, 0, 60, 0);
	want_metric(r, M_DATA_INTERVAL, 0, 300, 0);
	check(r->nmetrics == 3, "%u metrics", r->nmetrics);
	want_attr(r, A_FIRMWARE, fw);
	want_attr(r, A_MODEL, "RSW-1-10001");
	check(r->nattrs == 2, "%u attributes", r->nattrs);
}

static void
test_collector(void)
{
	static struct vec	 v, tlv;
	struct conn		*c;

	if (load(&v, "20") == 0) {
		c = fresh();
		feed(c, v.b, v.len);
		if (c->nrecords == 1)
			want_collector(&c->rec[0], 1691250546 - 2 * HOUR,
			    "RSW_400_V1.00.06", 100);
		else
			check(0, "%d records", c->nrecords);
	}
	result("vector 20: collector RSW_400_V1.00.06, signal 100 %%, "
	    "sample time from the frame");

	if (load(&v, "33") == 0) {
		c = fresh();
		feed(c, v.b, v.len);
		if (c->nrecords == 1)
			want_collector(&c->rec[0], 1739870575 - HOUR,
			    "RSW_400_V2.01.13", 98);
		else
			check(0, "%d records", c->nrecords);
	}
	result("vector 33: MS3000 collector, winter time");

	if (load(&tlv, "60") == 0) {
		wrap(&v, 0x71, 0x0e100000, 1691250546000LL, &tlv);
		c = fresh();
		feed(c, v.b, v.len);
		want_dump(c, 0, NULL);
		if (c->nrecords == 1)
			want_collector(&c->rec[0], 1691250546 - 2 * HOUR,
			    "RSW_400_V1.00.20", 16);
		else
			check(0, "%d records", c->nrecords);
	}
	result("vector 60: collector firmware V1.00.20, signal 16 %%");
}

/* 27: MS600, two inputs */
static void
want_ms600(const struct record *r)
{
	want_metric(r, M_STATUS, 0, 1, 0);
	want_metric(r, M_ALARM, 0, 0, 0);
	want_metric(r, M_FAULT, 0, 0, 0);
	want_metric(r, M_AC_VOLTAGE, 0, 22540, 2);
	want_metric(r, M_AC_CURRENT, 0, 46, 2);
	want_metric(r, M_AC_FREQUENCY, 0, 5002, 2);
	want_metric(r, M_AC_POWER, 0, 10570, 2);
	want_metric(r, M_TEMPERATURE, 0, 23, 0);
	want_metric(r, M_RATED_POWER, 0, 600, 0);
	want_metric(r, M_PV_VOLTAGE, 1, 3360, 2);
	want_metric(r, M_PV_CURRENT, 1, 191, 2);
	want_metric(r, M_PV_POWER, 1, 6450, 2);
	want_metric(r, M_PV_VOLTAGE, 2, 3350, 2);
	want_metric(r, M_PV_CURRENT, 2, 136, 2);
	want_metric(r, M_PV_POWER, 2, 4570, 2);
	want_metric(r, M_ENERGY_TODAY, 0, 170, 2);
	want_metric(r, M_ENERGY_TOTAL, 0, 1736, 2);
	want_metric(r, M_PV_ENERGY_TODAY, 1, 108, 2);
	want_metric(r, M_PV_ENERGY_TOTAL, 1, 974, 2);
	want_metric(r, M_PV_ENERGY_TODAY, 2, 62, 2);
	want_metric(r, M_PV_ENERGY_TOTAL, 2, 762, 2);
	want_metric(r, M_POWER_LIMIT, 0, 10000, 2);
	/* two inputs: the zeros of the third and fourth are not theirs */
	want_absent(r, M_PV_VOLTAGE, 3);
	want_absent(r, M_PV_POWER, 4);
	want_absent(r, M_PV_ENERGY_TOTAL, 3);
	/* -1: small models have no maximum */
	want_absent(r, M_MAX_POWER, 0);
	check(r->nmetrics == 22, "%u metrics", r->nmetrics);
}

static void
test_inverter(void)
{
	static struct vec	 info, data;
	struct conn		*c;
	const struct record	*r;

	if (load(&info, "24") == -1 || load(&data, "27") == -1) {
		result("vectors 24 and 27");
		return;
	}
	c = fresh();
	feed(c, info.b, info.len);
	feed(c, data.b, data.len);
	check(c->nrecords == 2, "%d records", c->nrecords);
	want_dump(c, 0, NULL);
	if (c->nrecords >= 1) {
		r = &c->rec[0];
		check(r->kind == REC_DEVICE, "kind %d", r->kind);
		check(strcmp(r->device, INVERTER) == 0 &&
		    strcmp(r->via, COLLECTOR) == 0, "device %s via %s",
		    r->device, r->via);
		check(r->time == 1691250549 - 2 * HOUR, "time %lld",
		    (long long)r->time);
		want_attr(r, A_MODEL, "TSOL-MS600");
		want_attr(r, A_FIRMWARE, "V5.0.11");
		check(r->nmetrics == 0 && r->nattrs == 2, "%u metrics, %u "
		    "attributes", r->nmetrics, r->nattrs);
	}
	result("vector 24: inverter TSOL-MS600, V5.0.11, serial "
	    INVERTER);

	if (c->nrecords >= 2) {
		r = &c->rec[1];
		check(r->kind == REC_MEASUREMENT, "kind %d", r->kind);
		check(strcmp(r->device, INVERTER) == 0 &&
		    strcmp(r->via, COLLECTOR) == 0, "device %s via %s",
		    r->device, r->via);
		/* the MANIFEST's grid timestamp */
		check(r->time == 1691243349, "time %lld", (long long)r->time);
		want_ms600(r);
		check(r->nattrs == 0, "%u attributes", r->nattrs);
	}
	result("vector 27 after 24: MS600 values, named by its serial");

	c = fresh();
	feed(c, data.b, data.len);
	if (c->nrecords == 1) {
		r = &c->rec[0];
		check(strcmp(r->device, COLLECTOR) == 0 && r->via[0] == '\0',
		    "device %s via %s", r->device, r->via);
		want_ms600(r);
	} else
		check(0, "%d records", c->nrecords);
	result("vector 27 alone: named by the collector");
}

static void
test_inverter_more(void)
{
	static struct vec	 v, tlv;
	struct conn		*c;
	const struct record	*r;

	if (load(&v, "30") == 0) {
		c = fresh();
		feed(c, v.b, v.len);
		if (c->nrecords == 1) {
			r = &c->rec[0];
			want_metric(r, M_STATUS, 0, 1, 0);
			want_metric(r, M_AC_POWER, 0, 50, 2);
			check(r->time == 1718814075 - 2 * HOUR, "time %lld",
			    (long long)r->time);
		} else
			check(0, "%d records", c->nrecords);
	}
	result("vector 30: output 0.5 W");

	/* the replay of February 2023: exported, at its own time */
	if (load(&v, "29") == 0) {
		c = fresh();
		feed(c, v.b, v.len);
		if (c->nrecords == 1) {
			r = &c->rec[0];
			check(r->time == 1677593012 - HOUR, "time %lld",
			    (long long)r->time);
			want_metric(r, M_AC_POWER, 0, 50660, 2);
			want_metric(r, M_AC_VOLTAGE, 0, 22980, 2);
			want_metric(r, M_ENERGY_TOTAL, 0, 46942, 2);
			want_metric(r, M_RATED_POWER, 0, 800, 0);
			want_metric(r, M_PV_POWER, 2, 26340, 2);
		} else
			check(0, "%d records", c->nrecords);
	}
	result("vector 29: replayed frame at its own old time, 506.6 W");

	if (load(&v, "32") == 0) {
		c = fresh();
		feed(c, v.b, v.len);
		want_dump(c, 0, NULL);
		if (c->nrecords == 1) {
			r = &c->rec[0];
			check(r->time == 1739866976, "time %lld",
			    (long long)r->time);
			want_attr(r, A_MODEL, "TSOL-MS3000");
			want_metric(r, M_MAX_POWER, 0, 3000, 0);
			want_metric(r, M_AC_VOLTAGE, 0, 23850, 2);
			want_metric(r, M_AC_CURRENT, 0, 5, 2);
			want_metric(r, M_AC_FREQUENCY, 0, 5000, 2);
			want_metric(r, M_AC_POWER, 0, 0, 2);
			want_metric(r, M_ENERGY_TOTAL, 0, 2986, 2);
			want_absent(r, M_ENERGY_TODAY, 0);
			want_metric(r, M_PV_VOLTAGE, 1, 7860, 2);
			want_metric(r, M_PV_VOLTAGE, 2, 5810, 2);
			want_metric(r, M_PV_VOLTAGE, 3, 5880, 2);
			want_metric(r, M_PV_VOLTAGE, 4, 1740, 2);
			want_metric(r, M_PV_CURRENT, 4, 2, 2);
			want_metric(r, M_PV_POWER, 4, 30, 2);
			want_metric(r, M_PV_CURRENT, 1, 0, 2);
			want_metric(r, M_ALARM, 0, 0, 0);
			want_metric(r, M_FAULT, 0, 0, 0);
			want_absent(r, M_PV_VOLTAGE, 5);
			want_absent(r, M_RATED_POWER, 0);
		} else
			check(0, "%d records", c->nrecords);
	}
	result("vector 32: TSOL-MS3000, its own layout");

	/* 28: new element types; alarm and fault 0, no status */
	if (load(&v, "28") == 0) {
		c = fresh();
		feed(c, v.b, v.len);
		want_dump(c, 0, NULL);
		if (c->nrecords == 1) {
			r = &c->rec[0];
			want_metric(r, M_ALARM, 0, 0, 0);
			want_metric(r, M_FAULT, 0, 0, 0);
			want_absent(r, M_STATUS, 0);
			check(r->nmetrics == 2, "%u metrics", r->nmetrics);
			check(r->time == 1718814075 - 2 * HOUR, "time %lld",
			    (long long)r->time);
		} else
			check(0, "%d records", c->nrecords);
	}
	result("vector 28: types 'A' and 'B' parse; alarm and fault 0");

	if (load(&tlv, "61") == 0) {
		wrap(&v, 0x04, 0x01900001, 1691250549000LL, &tlv);
		c = fresh();
		feed(c, v.b, v.len);
		want_dump(c, 1, "element 2 of 6 at 0x00000014: unknown type "
		    "0x64");
		check(c->nrecords == 0, "%d records", c->nrecords);
		check(c->nreplies == 1, "not acked");
	}
	result("vector 61: invalid type ends the parse with a dump");
}

/* 62 after 27: a night frame after a restart; energies must not fall */
static void
test_energy(void)
{
	static struct vec	 v27, tlv, v62, v;
	struct conn		*c;
	const struct record	*r;

	if (load(&v27, "27") == -1 || load(&tlv, "62") == -1) {
		result("vectors 27, 62");
		return;
	}
	wrap(&v62, 0x04, 0x01900001, 1691250849000LL, &tlv);

	c = fresh();
	feed(c, v62.b, v62.len);
	if (c->nrecords == 1) {
		r = &c->rec[0];
		want_absent(r, M_ENERGY_TODAY, 0);
		want_absent(r, M_ENERGY_TOTAL, 0);
		want_absent(r, M_PV_ENERGY_TODAY, 1);
		want_absent(r, M_PV_ENERGY_TOTAL, 2);
		want_metric(r, M_PV_POWER, 1, 0, 2);
		want_metric(r, M_TEMPERATURE, 0, 0, 0);
	} else
		check(0, "%d records", c->nrecords);
	result("vector 62 alone: no energy values at all");

	c = fresh();
	feed(c, v27.b, v27.len);
	feed(c, v62.b, v62.len);
	if (c->nrecords == 2) {
		r = &c->rec[1];
		want_absent(r, M_ENERGY_TODAY, 0);
		want_absent(r, M_ENERGY_TOTAL, 0);
		want_absent(r, M_PV_ENERGY_TOTAL, 1);
		want_metric(r, M_PV_POWER, 1, 0, 2);
		want_metric(r, M_PV_POWER, 2, 0, 2);
		want_metric(r, M_PV_VOLTAGE, 1, 3360, 2);
		want_metric(r, M_PV_CURRENT, 2, 136, 2);
		want_metric(r, M_TEMPERATURE, 0, 0, 0);
	} else
		check(0, "%d records", c->nrecords);
	result("vector 62 after 27: powers 0, energies left out");

	/* a lower total later the same day is left out, a higher kept */
	memcpy(&v, &v27, sizeof(v));
	put_ts(&v, 1691250849000LL);
	put_f32(&v, 0xbb8, 17.0f);
	put_f32(&v, 0xb54, 1.8f);
	feed(c, v.b, v.len);
	if (c->nrecords == 3) {
		r = &c->rec[2];
		want_absent(r, M_ENERGY_TOTAL, 0);
		want_metric(r, M_ENERGY_TODAY, 0, 180, 2);
		want_metric(r, M_PV_ENERGY_TOTAL, 1, 974, 2);
	} else
		check(0, "%d records", c->nrecords);
	result("energy: a falling total is left out");

	/* the next morning: daily counters start again, totals may not */
	put_ts(&v, 1691250849000LL + 86400000LL);
	put_f32(&v, 0xb54, 0.1f);
	put_f32(&v, 0xbb8, 17.5f);
	feed(c, v.b, v.len);
	if (c->nrecords == 4) {
		r = &c->rec[3];
		want_metric(r, M_ENERGY_TODAY, 0, 10, 2);
		want_metric(r, M_ENERGY_TOTAL, 0, 1750, 2);
	} else
		check(0, "%d records", c->nrecords);
	result("energy: the daily counter restarts on a new day");

	/* a replay from before: exported as it is */
	put_ts(&v, 1691250549000LL - 3600000LL);
	put_f32(&v, 0xbb8, 16.0f);
	feed(c, v.b, v.len);
	if (c->nrecords == 5) {
		r = &c->rec[4];
		want_metric(r, M_ENERGY_TOTAL, 0, 1600, 2);
		check(r->time == 1691243349 - HOUR, "time %lld",
		    (long long)r->time);
	} else
		check(0, "%d records", c->nrecords);
	result("energy: an older sample keeps its own values");
}

/* ------------------------------------------------------------------ */

/* get time: local wall-clock milliseconds, across the changes */
static void
test_time(void)
{
	static struct vec	 req, want, ref;
	struct conn		*c;
	static const struct {
		int64_t		 now;
		int64_t		 offset;
		const char	*what;
	} t[] = {
		{ 1711846799, HOUR, "2024-03-31 01:59:59 CET" },
		{ 1711846800, 2 * HOUR, "2024-03-31 03:00:00 CEST" },
		{ 1729990799, 2 * HOUR, "2024-10-27 02:59:59 CEST" },
		{ 1729990800, HOUR, "2024-10-27 02:00:00 CET" },
		{ 1704067200, HOUR, "2024-01-01 01:00:00 CET" },
	};
	size_t			 i;

	if (load(&req, "10") == -1 || load(&ref, "11") == -1) {
		result("vectors 10, 11");
		return;
	}
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		c = fresh();
		c->ctx.now = t[i].now;
		feed(c, req.b, req.len);
		time_reply(&want, (t[i].now + t[i].offset) * 1000);
		want_reply(c, 1, want.b, want.len);
		result("get time at %s", t[i].what);
	}

	set_tz("UTC0");
	c = fresh();
	feed(c, req.b, req.len);
	time_reply(&want, (int64_t)CAPTURE_NOW * 1000);
	want_reply(c, 1, want.b, want.len);
	/* and the capture's reply is two hours off in UTC */
	check(want.len != ref.len || memcmp(want.b, ref.b, ref.len) != 0,
	    "UTC gives the CEST answer");
	result("get time in UTC");

	set_tz(TEST_TZ);
	c = fresh();
	feed(c, req.b, req.len);
	want_reply(c, 1, ref.b, ref.len);
	result("get time in CEST is the capture's reply 11");
}

/* sample times: the stick's local time back to UTC */
static void
test_sample_time(void)
{
	static struct vec	 tlv, v;
	struct conn		*c;
	static const struct {
		int64_t		 local;
		int64_t		 utc;
		const char	*what;
	} t[] = {
		{ 1711850399, 1711846799, "2024-03-31 01:59:59 CET" },
		{ 1711854000, 1711846800, "2024-03-31 03:00:00 CEST" },
		{ 1729994399, 1729987199, "2024-10-27 01:59:59 CEST" },
		{ 1730001600, 1729998000, "2024-10-27 04:00:00 CET" },
		{ 1709168400, 1709164800, "2024-02-29 01:00:00 CET" },
		{ 3600, 0, "1970-01-01 01:00:00 CET" },
	};
	size_t			 i;

	if (load(&tlv, "60") == -1) {
		result("vector 60");
		return;
	}
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		wrap(&v, 0x71, 0x0e100000, t[i].local * 1000 + 999, &tlv);
		c = fresh();
		feed(c, v.b, v.len);
		check(c->nrecords == 1 && c->rec[0].time == t[i].utc,
		    "%d records, time %lld, want %lld", c->nrecords,
		    c->nrecords ? (long long)c->rec[0].time : 0LL,
		    (long long)t[i].utc);
		result("sample time %s", t[i].what);
	}

	/* the hour that happens twice: either of its two instants */
	wrap(&v, 0x71, 0x0e100000, 1729996200000LL, &tlv);
	c = fresh();
	feed(c, v.b, v.len);
	check(c->nrecords == 1 && (c->rec[0].time == 1729989000 ||
	    c->rec[0].time == 1729992600), "time %lld",
	    c->nrecords ? (long long)c->rec[0].time : 0LL);
	result("sample time 2024-10-27 02:30:00, twice that day");

	/* nonsense: receive time, and a dump */
	wrap(&v, 0x71, 0x0e100000, -5, &tlv);
	c = fresh();
	feed(c, v.b, v.len);
	check(c->nrecords == 1 && c->rec[0].time == CAPTURE_NOW,
	    "%d records", c->nrecords);
	want_dump(c, 1, "implausible sample time -5 ms");
	wrap(&v, 0x71, 0x0e100000, INT64_MAX, &tlv);
	feed(c, v.b, v.len);
	check(c->nrecords == 2 && c->rec[1].time == CAPTURE_NOW,
	    "%d records", c->nrecords);
	result("implausible sample times: receive time and a dump");
}

/* ------------------------------------------------------------------ */

static void
test_ota(void)
{
	static struct vec	 req, ack;
	struct conn		*c;

	if (load(&req, "35") == -1 || load(&ack, "36") == -1) {
		result("vectors 35, 36");
		return;
	}
	c = fresh();
	feed(c, req.b, req.len);
	feed(c, ack.b, ack.len);
	feed(c, ack.b, ack.len);
	want_reply(c, 0, NULL, 0);
	want_dump(c, 3, "firmware update frame (control 0x91), 3 on this "
	    "connection");
	result("OTA frames: never answered, dumped and counted");
}

/* short and odd payloads: a dump, never a crash or a read past */
static void
test_short(void)
{
	static struct vec	 v, w;
	struct conn		*c;
	uint8_t			 p[64];
	size_t			 n;

	if (load(&v, "27") == -1) {
		result("vector 27");
		return;
	}
	/* cut the element list anywhere: acked, dumped */
	for (n = TLV_OFF - 23; n < v.len - 23; n += 97) {
		frame(&w, 0x91, 0x04, COLLECTOR, v.b + 23, n);
		c = fresh();
		feed(c, w.b, w.len);
		check(c->nreplies == 1 && c->ndumps == 1, "payload %zu: %d "
		    "replies %d dumps", n, c->nreplies, c->ndumps);
		if (failing())
			break;
	}
	result("data blocks cut short: acked and dumped");

	memset(p, 0, sizeof(p));
	for (n = 0; n < 18; n++) {
		frame(&w, 0x91, 0x71, COLLECTOR, p, n);
		c = fresh();
		feed(c, w.b, w.len);
		check(c->nreplies == 1 && c->ndumps == 1 &&
		    c->nrecords == 0, "payload %zu", n);
	}
	result("data block headers cut short");

	/* a block id longer than the payload */
	memcpy(p, "\x01\x90\x00\x01\xff", 5);
	frame(&w, 0x91, 0x04, COLLECTOR, p, 40);
	c = fresh();
	feed(c, w.b, w.len);
	want_dump(c, 1, "data block too short: 40 bytes");
	result("data block id longer than the frame");

	/* an unknown data id */
	memcpy(p, "\x01\x02\x03\x04\x00", 5);
	frame(&w, 0x91, 0x04, COLLECTOR, p, 18);
	c = fresh();
	feed(c, w.b, w.len);
	want_dump(c, 1, "unknown data id 0x01020304");
	check(c->nreplies == 1, "not acked");
	result("unknown data id: acked and dumped");

	/* an id of length 0 and a zero-length payload */
	frame(&w, 0x91, 0x22, "", p, 0);
	c = fresh();
	feed(c, w.b, w.len);
	check(c->nframes == 1 && c->nreplies == 1 && c->replylen[0] == 15,
	    "%d frames %d replies", c->nframes, c->nreplies);
	result("empty id");
}


/* accept = known: the stick named in every frame, or nothing back */
static void
test_accept(void)
{
	static struct vec	 v;
	struct conn		*c;
	int			 known;

	if (vec_load(&v, "01") == -1) {
		result("accept: vector 01");
		return;
	}
	accept_known = 1;
	for (known = 0; known < 2; known++) {
		memset(devices, 0, sizeof(devices));
		strlcpy(devices[0].name, known ? COLLECTOR : INVERTER,
		    sizeof(devices[0].name));
		ndevices = 1;
		c = conn_open(PROTO_TSUN_GEN3, 0);
		feed(c, v.b, v.len);
		feed(c, v.b, v.len);
		check(strcmp(c->admit, COLLECTOR) == 0, "admit \"%s\"",
		    c->admit);
		if (known) {
			want_reply(c, 2, NULL, 0);
			check(!c->refused && c->nclaims == 1, "refused %d, "
			    "claims %d", c->refused, c->nclaims);
		} else {
			want_reply(c, 0, NULL, 0);
			want_dump(c, 2, "unknown device " COLLECTOR);
			want_dump_of(c, v.b, v.len);
			check(c->nrecords == 0 && c->nclaims == 0,
			    "%d records, %d claims", c->nrecords, c->nclaims);
		}
		result("accept = known: %s stick", known ? "known" :
		    "unknown");
	}
	accept_known = 0;
	memset(devices, 0, sizeof(devices));
	ndevices = 0;
}

int
main(int argc, char *argv[])
{
	vecdir = argc > 1 ? argv[1] : DEFAULT_DIR;
	set_tz(TEST_TZ);

	test_registry();
	check(gen3_maps_sorted(), "a map out of order");
	result("element maps sorted by address");
	test_framer();
	test_long_id();
	test_vectors();
	test_broken_streams();
	test_collector();
	test_inverter();
	test_inverter_more();
	test_energy();
	test_time();
	test_sample_time();
	test_ota();
	test_short();
	test_accept();

	return (finish());
}
