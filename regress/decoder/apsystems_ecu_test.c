/*
 * The APsystems ECU framer and decoder fed the vectors in
 * regress/vectors/apsystems-ecu (or the directory given as argv[1])
 * and records built by apsystems_ecu_gen.c, through the harness
 * (harness.c).  Times are read as Central European time.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "apsystems_ecu_gen.h"

#define DEFAULT_DIR	"regress/vectors/apsystems-ecu"

#define ECU		"216000064136"
#define INV1		"408000111178"
#define INV2		"806000011223"
#define T01		1707214934	/* 2024-02-06 11:22:14 CET */
#define T01_SUMMER	1720254134	/* 2024-07-06 10:22:14 CEST */

#define FLEET		40
#define FLEET_TIME	"20240206112214"
#define RECBUF		16384

/* offsets in vector 01 */
#define V01_POWER	30
#define V01_TIME	60
#define V01_INV1	86
#define V01_INV2	(86 + 85 + 3)
#define V01_CH1_POWER	(86 + 45 + 1 + 5 + 3 + 6)

static void	 aps_fix(uint8_t *, size_t);
static void	 check_01(struct conn *, int64_t);
static void	 check_inv(const struct record *, const struct gen_inv *,
		    const char *, int64_t);
static void	 check_fleet(struct conn *, const struct gen_ecu *,
		    const struct gen_inv *, int, int64_t);
static void	 want_data_reply(struct conn *, const uint8_t *);
static int	 rec_same(const struct record *, const struct record *);

static struct gen_inv	 fleet[FLEET];
static char		 recbuf[RECBUF];
static struct record	 ref[MAX_RECORDS];

/* the length field of a frame of n bytes (line feed included) */
static void
aps_fix(uint8_t *b, size_t n)
{
	char	len[8];
	int	i;

	(void)snprintf(len, sizeof(len), "%5zu", n - 1);
	for (i = 0; i < 5; i++)
		b[5 + i] = len[i] == ' ' ? 'A' : len[i];
}

/*
 * The same record: the same wire form, which is canonical (a record
 * is not cleared beyond what it holds, so its bytes may differ).
 */
static int
rec_same(const struct record *a, const struct record *b)
{
	static uint8_t	 wa[RECORD_BATCH_MAX], wb[RECORD_BATCH_MAX];
	size_t		 na, nb;

	na = record_pack(a, wa, sizeof(wa));
	nb = record_pack(b, wb, sizeof(wb));
	return (na != 0 && na == nb && memcmp(wa, wb, na) == 0);
}

/* "101" and the record's own time */
static void
want_data_reply(struct conn *c, const uint8_t *frame)
{
	uint8_t	want[17];

	memcpy(want, "101", 3);
	memcpy(want + 3, frame + V01_TIME, 14);
	want_reply(c, 1, want, sizeof(want));
}

/* ------------------------------------------------------------------ */

static void
test_registry(void)
{
	const struct proto	*p, *q;

	p = proto_byname("apsystems-ecu");
	q = proto_byid(PROTO_APSYSTEMS_ECU);
	check(p != NULL && p == q, "apsystems-ecu not found by name and id");
	if (p != NULL) {
		check(strcmp(p->name, "apsystems-ecu") == 0, "name %s",
		    p->name);
		check(p->port == 8995, "port %u", p->port);
		check(p->statesize == apsystems_statesize(), "statesize %zu",
		    p->statesize);
		check(p->frame == apsystems_frame &&
		    p->decode == apsystems_decode, "functions");
		/* the events are the local port's poll (apsystems_local.c) */
		check(p->open == apsystems_open &&
		    p->tick == apsystems_tick && p->gone == apsystems_gone,
		    "events");
	}
	result("registry apsystems-ecu");
}

/* every vector through framer and decoder on a fresh connection */
enum { V_FRAME, V_SKIP, V_WAIT };

struct vcase {
	const char	*id;
	int		 kind;
	const char	*reply;		/* the exact reply vector, or text */
	int		 records;
	const char	*name;
};

static const struct vcase	vcases[] = {
	{ "01", V_FRAME, "03", 3, "data record, ECU-R, 2 inverters" },
	{ "02", V_SKIP, NULL, 0, "EMA's reply is no frame" },
	{ "03", V_SKIP, NULL, 0, "our reply is no frame" },
	{ "04", V_FRAME, "=100", 0, "stored-records query: 100" },
	{ "05", V_SKIP, NULL, 0, "EMA's reply is no frame" },
	{ "06", V_FRAME, "08", 0, "A101 poll, ECU-R length 00051" },
	{ "07", V_FRAME, "08", 0, "A101 poll, ECU-3 length AAA51" },
	{ "08", V_WAIT, NULL, 0, "A100 has no line feed: more wanted" },
};

static void
test_vectors(void)
{
	static struct vec	 v, r;
	const struct vcase	*vc;
	struct conn		*c;
	size_t			 i;

	for (i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++) {
		vc = &vcases[i];
		if (vec_load(&v, vc->id) == -1) {
			result("vector %s", vc->id);
			continue;
		}
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len);
		check(c->badverdict == 0 && !c->dead, "framer verdict");
		switch (vc->kind) {
		case V_FRAME:
			check(c->nframes == 1 && c->nskips == 0 && c->len == 0,
			    "%d frames, %d skips, %zu left", c->nframes,
			    c->nskips, c->len);
			if (vc->reply[0] == '=')
				want_reply(c, 1, (const uint8_t *)vc->reply + 1,
				    strlen(vc->reply + 1));
			else if (vec_load(&r, vc->reply) == 0)
				want_reply(c, 1, r.b, r.len);
			break;
		case V_SKIP:
			check(c->nframes == 0 && c->nskips == 1 &&
			    c->skipn[0] == v.len &&
			    strcmp(c->skipwhy[0], "no APS header") == 0,
			    "%d frames, %d skips of %zu \"%s\"", c->nframes,
			    c->nskips, c->skipn[0], c->skipwhy[0]);
			want_reply(c, 0, NULL, 0);
			break;
		case V_WAIT:
			check(c->nframes == 0 && c->nskips == 0 &&
			    c->len == v.len, "%d frames, %d skips, %zu held",
			    c->nframes, c->nskips, c->len);
			want_reply(c, 0, NULL, 0);
			break;
		}
		want_dump(c, 0, NULL);
		check(c->nrecords == vc->records, "%d records, want %d",
		    c->nrecords, vc->records);
		check(c->ncloses == 0, "closed");
		result("vector %s: %s", vc->id, vc->name);
	}

	/* EMA confirms the previous record; we confirm the record itself */
	if (vec_load(&v, "01") == 0 && vec_load(&r, "02") == 0) {
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len);
		check(c->nreplies == 1 && (c->replylen[0] != r.len ||
		    memcmp(c->reply[0], r.b, r.len) != 0),
		    "the reply is EMA's, 02");
		check(r.len == 17 && memcmp(r.b, "10120240206111714", 17) == 0,
		    "02 is not 101 + time - 5 min");
	}
	result("vector 01: not EMA's reply 02 (the record before)");

	/* 05 is the shape of our data reply with two times */
	if (vec_load(&r, "05") == 0 && vec_load(&v, "03") == 0)
		check(r.len == 3 + 2 * 14 && r.b[0] == '1' &&
		    memcmp(r.b + 1, "02", 2) == 0 &&
		    memcmp(r.b + 17, v.b + 3, 14) == 0,
		    "05 is not 1, 02, a time and 03's time");
	result("vector 05: the reply shape, 1 NN T1 .. Tn");
}

/* vector 01 as the manifest decodes it, at time t */
static void
check_01(struct conn *c, int64_t t)
{
	const struct record	*r;

	check(c->nrecords == 3, "%d records", c->nrecords);
	if ((r = want_record(c, ECU)) != NULL) {
		check(r->kind == REC_MEASUREMENT, "kind %d", r->kind);
		check(r->proto == PROTO_APSYSTEMS_ECU, "proto %d", r->proto);
		check(r->time == t, "ECU time %lld", (long long)r->time);
		check(r->via[0] == '\0', "ECU via %s", r->via);
		check(strcmp(r->peer, TEST_PEER) == 0, "peer %s", r->peer);
		want_metric(r, M_AC_POWER, 0, 190, 0);
		want_metric(r, M_ENERGY_TOTAL, 0, 21279, 1);
		want_metric(r, M_INVERTERS, 0, 2, 0);
		/* 1.409 + 1.419 + 2.309 + 3.070 + 3.569 + 3.437 Wh */
		want_metric(r, M_ENERGY_INTERVAL, 0, 15213, 6);
		check(r->nmetrics == 4, "ECU: %u metrics", r->nmetrics);
		want_attr(r, A_MODEL, "ECU-R");
	}
	if ((r = want_record(c, INV1)) != NULL) {
		check(r->kind == REC_MEASUREMENT, "kind %d", r->kind);
		check(strcmp(r->via, ECU) == 0, "via %s", r->via);
		check(r->time == t, "time %lld", (long long)r->time);
		check(strcmp(r->peer, TEST_PEER) == 0, "peer %s", r->peer);
		want_metric(r, M_AC_VOLTAGE, 0, 228, 0);
		want_metric(r, M_AC_FREQUENCY, 0, 500, 1);
		want_metric(r, M_TEMPERATURE, 0, 13, 0);
		want_metric(r, M_REACTIVE_POWER, 0, 0, 2);
		want_metric(r, M_AC_POWER, 0, 3290, 2);
		want_metric(r, M_PV_VOLTAGE, 1, 338, 1);
		want_metric(r, M_PV_CURRENT, 1, 5, 1);
		want_metric(r, M_PV_POWER, 1, 1700, 2);
		want_metric(r, M_PV_ENERGY_INTERVAL, 1, 1409, 6);
		want_metric(r, M_PV_VOLTAGE, 2, 339, 1);
		want_metric(r, M_PV_CURRENT, 2, 5, 1);
		want_metric(r, M_PV_POWER, 2, 1800, 2);
		want_metric(r, M_PV_ENERGY_INTERVAL, 2, 1419, 6);
		want_metric(r, M_ENERGY_INTERVAL, 0, 2828, 6);
		check(r->nmetrics == 14, "%s: %u metrics", INV1, r->nmetrics);
		want_attr(r, A_MODEL, "YC600/DS3");
	}
	if ((r = want_record(c, INV2)) != NULL) {
		check(strcmp(r->via, ECU) == 0, "via %s", r->via);
		check(r->time == t, "time %lld", (long long)r->time);
		want_metric(r, M_AC_VOLTAGE, 0, 228, 0);
		want_metric(r, M_AC_FREQUENCY, 0, 500, 1);
		want_metric(r, M_TEMPERATURE, 0, 15, 0);
		want_metric(r, M_REACTIVE_POWER, 0, 0, 2);
		/* 01457: W x 10 for a QS1 */
		want_metric(r, M_AC_POWER, 0, 1457, 1);
		want_metric(r, M_PV_VOLTAGE, 1, 311, 1);
		want_metric(r, M_PV_CURRENT, 1, 10, 1);
		want_metric(r, M_PV_POWER, 1, 2900, 2);
		want_metric(r, M_PV_ENERGY_INTERVAL, 1, 2309, 6);
		want_metric(r, M_PV_VOLTAGE, 2, 342, 1);
		want_metric(r, M_PV_CURRENT, 2, 12, 1);
		want_metric(r, M_PV_POWER, 2, 3800, 2);
		want_metric(r, M_PV_ENERGY_INTERVAL, 2, 3070, 6);
		want_metric(r, M_PV_VOLTAGE, 3, 334, 1);
		want_metric(r, M_PV_CURRENT, 3, 14, 1);
		want_metric(r, M_PV_POWER, 3, 4500, 2);
		want_metric(r, M_PV_ENERGY_INTERVAL, 3, 3569, 6);
		want_metric(r, M_PV_VOLTAGE, 4, 329, 1);
		want_metric(r, M_PV_CURRENT, 4, 14, 1);
		want_metric(r, M_PV_POWER, 4, 4300, 2);
		want_metric(r, M_PV_ENERGY_INTERVAL, 4, 3437, 6);
		want_metric(r, M_ENERGY_INTERVAL, 0, 12385, 6);
		check(r->nmetrics == 22, "%s: %u metrics", INV2, r->nmetrics);
		want_attr(r, A_MODEL, "QS1");
	}
}

static void
test_01(void)
{
	static struct vec	 v;
	static const struct {
		const char	*ts;
		int64_t		 t;	/* -1: no date */
	} times[] = {
		{ "20240331013000", 1711845000 },	/* CET */
		{ "20240331033000", 1711848600 },	/* CEST */
		{ "20241027013000", 1729985400 },	/* CEST */
		{ "20241027033000", 1729996200 },	/* CET */
		{ "20000229120000", 951822000 },
		{ "19700101013000", 1800 },
		{ "19700101003000", -1 },		/* before 1970 UTC */
		{ "20230229120000", -1 },
		{ "20241301120000", -1 },
		{ "20240100120000", -1 },
		{ "20240101240000", -1 },
		{ "20240101126000", -1 },
		{ "19691231235959", -1 },
	};
	struct conn		*c;
	const struct metric	*m;
	char			 text[32];
	size_t			 i;

	if (vec_load(&v, "01") == 0) {
		check(v.len == 303 && v.b[302] == '\n', "length %zu", v.len);
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len);
		check_01(c, T01);
		/* the ECU record comes first */
		check(c->nrecords > 0 && strcmp(c->rec[0].device, ECU) == 0,
		    "first record is not the ECU's");
		want_dump(c, 0, NULL);
		/* the vocabulary prints the values as the manifest has them */
		if (c->nrecords == 3 && (m = record_find(&c->rec[1],
		    M_PV_ENERGY_INTERVAL, 1)) != NULL) {
			(void)metric_value(m, text, sizeof(text));
			check(strcmp(text, "0.001409") == 0, "pv1 energy %s",
			    text);
		}
		if (c->nrecords == 3 && (m = record_find(&c->rec[2],
		    M_AC_POWER, 0)) != NULL) {
			(void)metric_value(m, text, sizeof(text));
			check(strcmp(text, "145.7") == 0, "QS1 power %s", text);
		}
	}
	result("01 decoded as the manifest: ECU, DS3 and QS1");

	/* the same record in summer time */
	if (vec_load(&v, "01") == 0) {
		memcpy(v.b + V01_TIME, "20240706102214", 14);
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len);
		check_01(c, T01_SUMMER);
		want_data_reply(c, v.b);
		want_dump(c, 0, NULL);
	}
	result("01 in July: local summer time to UTC");

	/* around the clock changes of 2024, and other corners */
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		if (vec_load(&v, "01") == -1)
			break;
		memcpy(v.b + V01_TIME, times[i].ts, 14);
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len);
		want_data_reply(c, v.b);
		if (times[i].t < 0) {
			check(c->nrecords == 0 && c->ndumps == 1,
			    "%s: %d records, %d dumps", times[i].ts,
			    c->nrecords, c->ndumps);
			continue;
		}
		check(c->nrecords == 3 && c->ndumps == 0 &&
		    c->rec[0].time == times[i].t, "%s: %d records, time %lld",
		    times[i].ts, c->nrecords, c->nrecords > 0 ?
		    (long long)c->rec[0].time : 0LL);
	}
	result("record times: clock changes, leap day, 1970, no date");

	/* a date that does not exist: answered, dumped, no records */
	if (vec_load(&v, "01") == 0) {
		memcpy(v.b + V01_TIME, "20240230112214", 14);
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len);
		want_data_reply(c, v.b);
		want_dump(c, 1, "record time 20240230112214 is no date");
		check(c->nrecords == 0, "%d records", c->nrecords);
		check(c->ndumps == 1 && c->dumplen[0] == v.len &&
		    memcmp(c->dump[0], v.b, v.len) == 0,
		    "dump is not the frame");
	}
	result("01 with 30 February: confirmed, dumped, no records");
}

/* the builder against the capture, so that the fleet tests mean it */
static void
test_builder(void)
{
	static struct vec	v;
	struct gen_ecu		e;
	struct gen_inv		inv[2];
	size_t			n;

	memset(&e, 0, sizeof(e));
	memset(inv, 0, sizeof(inv));
	(void)snprintf(e.id, sizeof(e.id), "%s", ECU);
	e.power = 190;
	e.energy = 0;
	e.lifetime = 21279;
	(void)snprintf(e.time, sizeof(e.time), "20240206112214");
	(void)snprintf(e.flags, sizeof(e.flags), "000000");

	(void)snprintf(inv[0].uid, sizeof(inv[0].uid), "%s", INV1);
	(void)snprintf(inv[0].type, sizeof(inv[0].type), "07");
	inv[0].gridv = 228;
	inv[0].freq = 500;
	inv[0].temp = 13;
	inv[0].active = 3290;
	inv[0].nch = 2;
	inv[0].ch[0] = (struct gen_ch){ 338, 5, 1409, 1700, 0, 0, 0, 0, 0 };
	inv[0].ch[1] = (struct gen_ch){ 339, 5, 1419, 1800, 0, 0, 0, 0, 0 };

	(void)snprintf(inv[1].uid, sizeof(inv[1].uid), "%s", INV2);
	(void)snprintf(inv[1].type, sizeof(inv[1].type), "08");
	inv[1].gridv = 228;
	inv[1].freq = 500;
	inv[1].temp = 15;
	inv[1].active = 1457;
	inv[1].nch = 4;
	inv[1].ch[0] = (struct gen_ch){ 311, 10, 2309, 2900, 0, 0, 0, 0, 0 };
	inv[1].ch[1] = (struct gen_ch){ 342, 12, 3070, 3800, 0, 0, 0, 0, 0 };
	inv[1].ch[2] = (struct gen_ch){ 334, 14, 3569, 4500, 0, 0, 0, 0, 0 };
	inv[1].ch[3] = (struct gen_ch){ 329, 14, 3437, 4300, 0, 0, 0, 0, 0 };

	n = gen_record(recbuf, sizeof(recbuf), &e, inv, 2, NULL);
	if (vec_load(&v, "01") == 0)
		check(n == v.len && memcmp(recbuf, v.b, n) == 0,
		    "built %zu bytes, not vector 01", n);
	result("builder: the manifest's values make vector 01 byte for byte");
}

static void
check_inv(const struct record *r, const struct gen_inv *v, const char *ecu,
    int64_t t)
{
	int64_t	energy = 0, active = 0, react = 0;
	int	k, yc1000 = strcmp(v->type, "04") == 0;
	int	yc = strcmp(v->type, "03") == 0 || strcmp(v->type, "05") == 0;
	long	status = 0;

	check(r->kind == REC_MEASUREMENT && r->proto == PROTO_APSYSTEMS_ECU,
	    "%s: kind %d proto %d", v->uid, r->kind, r->proto);
	check(strcmp(r->via, ecu) == 0, "%s: via %s", v->uid, r->via);
	check(r->time == t, "%s: time %lld", v->uid, (long long)r->time);
	if (yc1000)
		want_metric(r, M_DC_VOLTAGE, 0, v->dcv, 1);
	else {
		want_metric(r, M_AC_VOLTAGE, 0, v->gridv, 0);
		want_metric(r, M_REACTIVE_POWER, 0, v->reactive, 2);
		want_metric(r, M_AC_POWER, 0, v->active,
		    strcmp(v->type, "08") == 0 ? 1 : 2);
	}
	want_metric(r, M_AC_FREQUENCY, 0, v->freq, 1);
	want_metric(r, M_TEMPERATURE, 0, v->temp, 0);
	for (k = 0; k < v->nch; k++) {
		if (!yc1000)
			want_metric(r, M_PV_VOLTAGE, k + 1, v->ch[k].dcv, 1);
		else
			want_absent(r, M_PV_VOLTAGE, k + 1);
		want_metric(r, M_PV_CURRENT, k + 1, v->ch[k].dca, 1);
		want_metric(r, M_PV_POWER, k + 1, v->ch[k].power, 2);
		want_metric(r, M_PV_ENERGY_INTERVAL, k + 1, v->ch[k].energy,
		    6);
		energy += v->ch[k].energy;
		status |= v->ch[k].status << (11 * k);
		if (yc1000 && k < 3) {
			want_metric(r, M_AC_L_VOLTAGE, k + 1, v->ch[k].gridv,
			    0);
			want_metric(r, M_AC_L_POWER, k + 1, v->ch[k].active,
			    2);
			active += v->ch[k].active;
			react += v->ch[k].reactive;
		}
	}
	want_absent(r, M_PV_POWER, v->nch + 1);
	want_metric(r, M_ENERGY_INTERVAL, 0, energy, 6);
	if (yc1000) {
		want_metric(r, M_AC_POWER, 0, active, 2);
		want_metric(r, M_REACTIVE_POWER, 0, react, 2);
		want_absent(r, M_AC_VOLTAGE, 0);
		check(r->nmetrics == 24, "%s: %u metrics", v->uid,
		    r->nmetrics);
	} else if (yc) {
		want_metric(r, M_STATUS, 0, status, 0);
		check(r->nmetrics == 7 + 4 * v->nch, "%s: %u metrics",
		    v->uid, r->nmetrics);
	} else {
		want_absent(r, M_STATUS, 0);
		check(r->nmetrics == 6 + 4 * v->nch, "%s: %u metrics",
		    v->uid, r->nmetrics);
	}
	want_attr(r, A_MODEL, gen_model(v));
}

/* the ECU's record and one record per inverter, in order */
static void
check_fleet(struct conn *c, const struct gen_ecu *e,
    const struct gen_inv *inv, int n, int64_t t)
{
	const struct record	*r;
	int64_t			 energy = 0;
	int			 i, k;

	check(c->nrecords == n + 1, "%d records, want %d", c->nrecords,
	    n + 1);
	if (c->nrecords != n + 1)
		return;
	r = &c->rec[0];
	check(strcmp(r->device, e->id) == 0 && r->via[0] == '\0',
	    "ECU record %s via %s", r->device, r->via);
	check(r->time == t, "ECU time %lld", (long long)r->time);
	for (i = 0; i < n; i++)
		for (k = 0; k < inv[i].nch; k++)
			energy += inv[i].ch[k].energy;
	want_metric(r, M_AC_POWER, 0, e->power, 0);
	want_metric(r, M_ENERGY_TOTAL, 0, e->lifetime, 1);
	want_metric(r, M_INVERTERS, 0, n, 0);
	want_metric(r, M_ENERGY_INTERVAL, 0, energy, 6);
	want_attr(r, A_MODEL, "ECU-B");
	for (i = 0; i < n && !failing(); i++) {
		r = &c->rec[i + 1];
		check(strcmp(r->device, inv[i].uid) == 0,
		    "record %d is %s, want %s", i + 1, r->device, inv[i].uid);
		check_inv(r, &inv[i], e->id, t);
	}
}

static void
test_fleet(void)
{
	struct gen_ecu	 e;
	struct conn	*c;
	size_t		 n, i;
	int		 types[5] = { 0 };

	gen_fleet(fleet, FLEET);
	gen_fleet_ecu(&e, fleet, FLEET, FLEET_TIME);
	n = gen_record(recbuf, sizeof(recbuf), &e, fleet, FLEET, NULL);
	check(n > 4000 && n < TEST_MAXFRAME, "record of %zu bytes", n);
	check(memcmp(recbuf + 5, "A", 1) == 0 && recbuf[6] != 'A',
	    "length field %.5s", recbuf + 5);
	for (i = 0; i < FLEET; i++)
		types[i % 5]++;
	check(types[0] == 8 && types[4] == 8, "fleet mix");

	c = conn_open(PROTO_APSYSTEMS_ECU, 0);
	feed(c, (uint8_t *)recbuf, n);
	check(c->nframes == 1 && c->nskips == 0 && c->len == 0,
	    "%d frames, %d skips, %zu left", c->nframes, c->nskips, c->len);
	want_data_reply(c, (const uint8_t *)recbuf);
	want_dump(c, 0, NULL);
	check_fleet(c, &e, fleet, FLEET, T01);
	result("40 inverters (DS3, QS1, YC500, YC250, YC1000) in one record "
	    "of %zu bytes", n);
}

/* the 40-inverter record in two reads, cut at every byte boundary */
static void
test_split(void)
{
	struct gen_ecu	 e;
	struct conn	*c;
	size_t		 n, s, bad = 0;
	uint8_t		 reply[REPLY_KEEP];
	size_t		 replylen = 0;
	int		 i, nref = 0;

	gen_fleet(fleet, FLEET);
	gen_fleet_ecu(&e, fleet, FLEET, FLEET_TIME);
	n = gen_record(recbuf, sizeof(recbuf), &e, fleet, FLEET, NULL);
	c = conn_open(PROTO_APSYSTEMS_ECU, 0);
	feed(c, (uint8_t *)recbuf, n);
	if (c->nreplies == 1 && c->nrecords <= MAX_RECORDS) {
		replylen = c->replylen[0];
		memcpy(reply, c->reply[0], replylen);
		nref = c->nrecords;
		memcpy(ref, c->rec, sizeof(ref[0]) * nref);
	}
	check(nref == FLEET + 1, "%d reference records", nref);

	for (s = 1; s < n && !failing(); s++) {
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, (uint8_t *)recbuf, s);
		check(c->nframes == 0 && c->nreplies == 0 &&
		    c->nrecords == 0 && c->ndumps == 0 && c->nskips == 0,
		    "split at %zu: output after the first part", s);
		feed(c, (uint8_t *)recbuf + s, n - s);
		check(c->nframes == 1 && c->nskips == 0 && c->len == 0 &&
		    c->ndumps == 0 && c->badverdict == 0 && !c->dead,
		    "split at %zu: %d frames, %d skips, %d dumps", s,
		    c->nframes, c->nskips, c->ndumps);
		check(c->nreplies == 1 && c->replylen[0] == replylen &&
		    memcmp(c->reply[0], reply, replylen) == 0,
		    "split at %zu: reply", s);
		check(c->nrecords == nref, "split at %zu: %d records", s,
		    c->nrecords);
		for (i = 0; i < nref && i < c->nrecords && !failing(); i++)
			check(rec_same(&c->rec[i], &ref[i]),
			    "split at %zu: record %d differs", s, i);
		if (failing())
			bad = s;
	}
	result("40 inverters split in two at each of %zu boundaries%s", n - 1,
	    bad ? " (first failure above)" : "");

	/* one byte per read, the way a slow link might deliver it */
	c = conn_open(PROTO_APSYSTEMS_ECU, 0);
	for (s = 0; s < n; s++)
		feed(c, (uint8_t *)recbuf + s, 1);
	check(c->nframes == 1 && c->nreplies == 1 && c->nrecords == nref &&
	    c->ndumps == 0, "%d frames %d replies %d records %d dumps",
	    c->nframes, c->nreplies, c->nrecords, c->ndumps);
	for (i = 0; i < nref && i < c->nrecords; i++)
		check(rec_same(&c->rec[i], &ref[i]),
		    "record %d differs", i);
	result("40 inverters one byte per read");

	/* ECU-R style: 1000-byte sends, then the next record right after */
	c = conn_open(PROTO_APSYSTEMS_ECU, 0);
	for (s = 0; s < n; s += 1000)
		feed(c, (uint8_t *)recbuf + s, n - s < 1000 ? n - s : 1000);
	feed(c, (uint8_t *)recbuf, n);
	check(c->nframes == 2 && c->nreplies == 2 &&
	    c->nrecords == 2 * nref && c->ndumps == 0,
	    "%d frames %d replies %d records %d dumps", c->nframes,
	    c->nreplies, c->nrecords, c->ndumps);
	result("40 inverters in 1000-byte chunks, twice on one connection");
}

/* the system power against the sum of the channels */
static void
test_crosscheck(void)
{
	static struct vec	 v;
	struct conn		*c;
	size_t			 i;
	struct {
		const char	*power;
		const char	*ch1;	/* inverter 1, channel 1: W x 100 */
		int64_t		 raw;
		int		 decimals;
		const char	*dump;
		const char	*name;
	} cases[] = {
		{ "0000000190", "01700", 190, 0, NULL, "190 W = 190.00 W" },
		{ "0000000191", "01700", 191, 0,
		    "system power 191 W, channels 190.00 W", "191 W" },
		{ "0000000189", "01700", 189, 0,
		    "system power 189 W, channels 190.00 W", "189 W" },
		{ "0000019000", "01700", 19000, 2, NULL,
		    "19000: W x 100 of 2017 firmware" },
		{ "0000019100", "01700", 19100, 0,
		    "system power 19100 W, channels 190.00 W",
		    "19100 is neither" },
		{ "0000000190", "01740", 190, 0, NULL,
		    "190 W for 190.40 W: rounding" },
		{ "0000000191", "01740", 191, 0, NULL,
		    "191 W for 190.40 W: rounding" },
		{ "0000000189", "01740", 189, 0,
		    "system power 189 W, channels 190.40 W",
		    "189 W for 190.40 W" },
		{ "0000000000", "01700", 0, 0,
		    "system power 0 W, channels 190.00 W", "0 W" },
	};

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (vec_load(&v, "01") == -1) {
			result("cross-check %s", cases[i].name);
			continue;
		}
		memcpy(v.b + V01_POWER, cases[i].power, 10);
		memcpy(v.b + V01_CH1_POWER, cases[i].ch1, 5);
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len);
		want_data_reply(c, v.b);
		check(c->nrecords == 3, "%d records", c->nrecords);
		if (c->nrecords > 0)
			want_metric(&c->rec[0], M_AC_POWER, 0, cases[i].raw,
			    cases[i].decimals);
		want_dump(c, cases[i].dump ? 1 : 0, cases[i].dump);
		result("cross-check %s%s", cases[i].name,
		    cases[i].dump ? ": dumped" : "");
	}
}

/* a record cut short, its length field put right */
static void
test_truncated(void)
{
	static struct vec	 v;
	struct conn		*c;
	const struct record	*r;
	size_t			 cut;

	/* after the first inverter: the second is missing */
	if (vec_load(&v, "01") == 0) {
		cut = V01_INV2;
		v.b[cut] = '\n';
		aps_fix(v.b, cut + 1);
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, cut + 1);
		want_data_reply(c, v.b);
		want_dump(c, 1, "1 of 2 inverter records");
		check(c->nrecords == 2, "%d records", c->nrecords);
		if ((r = want_record(c, ECU)) != NULL) {
			want_metric(r, M_AC_POWER, 0, 190, 0);
			want_absent(r, M_ENERGY_INTERVAL, 0);
		}
		if ((r = want_record(c, INV1)) != NULL)
			want_metric(r, M_PV_POWER, 2, 1800, 2);
		check(c->ndumps == 1 && c->dumplen[0] == cut + 1,
		    "dump of %zu bytes", c->dumplen[0]);
	}
	result("truncated after inverter 1 of 2: dumped, the rest decoded");

	/* inside the second inverter: no END */
	if (vec_load(&v, "01") == 0) {
		cut = V01_INV2 + 60;
		v.b[cut] = '\n';
		aps_fix(v.b, cut + 1);
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, cut + 1);
		want_data_reply(c, v.b);
		want_dump(c, 1, "inverter record 2 has no END");
		check(c->nrecords == 2, "%d records", c->nrecords);
	}
	result("truncated inside inverter 2: dumped");

	/* the END of the second inverter, short by 5 characters */
	if (vec_load(&v, "01") == 0) {
		memmove(v.b + V01_INV2 + 120, v.b + V01_INV2 + 125, 4);
		aps_fix(v.b, v.len - 5);
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len - 5);
		want_data_reply(c, v.b);
		want_dump(c, 1, "inverter " INV2 ": type 08 record of 120 "
		    "characters, want 125");
		check(c->nrecords == 2, "%d records", c->nrecords);
	}
	result("inverter 2 five characters short: dumped");

	/* inside the head: not even answered */
	if (vec_load(&v, "01") == 0) {
		cut = 70;
		v.b[cut] = '\n';
		aps_fix(v.b, cut + 1);
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, cut + 1);
		want_reply(c, 0, NULL, 0);
		want_dump(c, 1, "data record shorter than its head");
		check(c->nrecords == 0, "%d records", c->nrecords);
	}
	result("truncated inside the head: dumped, not answered");

	/* fewer bytes than the length field says: the framer waits */
	if (vec_load(&v, "01") == 0) {
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len - 1);
		check(c->nframes == 0 && c->nskips == 0 &&
		    c->len == v.len - 1 && c->nreplies == 0,
		    "%d frames, %zu held", c->nframes, c->len);
	}
	result("one byte short: held, waiting for the rest");
}

static void
test_malformed(void)
{
	static struct vec	 v;
	struct conn		*c;
	const struct record	*r;

	/* a letter in inverter 1's grid voltage */
	if (vec_load(&v, "01") == 0) {
		v.b[V01_INV1 + 15] = 'X';
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len);
		want_data_reply(c, v.b);
		want_dump(c, 1, "inverter " INV1 ": bad field at character 14");
		check(c->nrecords == 2 && want_record(c, INV2) != NULL,
		    "%d records", c->nrecords);
		if ((r = want_record(c, ECU)) != NULL)
			want_absent(r, M_ENERGY_INTERVAL, 0);
	}
	result("bad digit in inverter 1: dumped, inverter 2 decoded");

	/* channel 2 of inverter 1 marked 3 */
	if (vec_load(&v, "01") == 0) {
		v.b[V01_INV1 + 65] = '3';
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len);
		want_dump(c, 1, "inverter " INV1 ": bad field at character 65");
	}
	result("wrong channel marker: dumped");

	/* an unknown type code */
	if (vec_load(&v, "01") == 0) {
		memcpy(v.b + V01_INV2 + 12, "09", 2);
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len);
		want_data_reply(c, v.b);
		want_dump(c, 1, "inverter " INV2 ": type 09 not decoded");
		check(c->nrecords == 2, "%d records", c->nrecords);
	}
	result("inverter type 09: dumped, the others decoded");

	/* two problems: the first named, the other counted */
	if (vec_load(&v, "01") == 0) {
		memcpy(v.b + V01_INV1 + 12, "99", 2);
		memcpy(v.b + V01_INV2 + 12, "98", 2);
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len);
		want_dump(c, 1, "inverter " INV1 ": type 99 not decoded "
		    "(and 1 more)");
		check(c->nrecords == 1, "%d records", c->nrecords);
	}
	result("two unknown types: one dump naming the first");

	/* a letter in the ECU id: no answer, no records */
	if (vec_load(&v, "01") == 0) {
		v.b[20] = 'x';
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len);
		want_reply(c, 0, NULL, 0);
		want_dump(c, 1, "bad ECU id");
		check(c->nrecords == 0, "%d records", c->nrecords);
	}
	result("bad ECU id: dumped, not answered");

	/* count 3 for 2 inverters, count 1 for 2 */
	if (vec_load(&v, "01") == 0) {
		memcpy(v.b + 74, "003", 3);
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len);
		want_dump(c, 1, "2 of 3 inverter records");
		check(c->nrecords == 3, "%d records", c->nrecords);
		memcpy(v.b + 74, "001", 3);
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len);
		want_dump(c, 1, "128 characters after 1 inverter records");
		check(c->nrecords == 2, "%d records", c->nrecords);
	}
	result("wrong inverter count: dumped");

	/* no END after the head */
	if (vec_load(&v, "01") == 0) {
		memcpy(v.b + 83, "ENX", 3);
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len);
		want_reply(c, 0, NULL, 0);
		want_dump(c, 1, "no END after the head");
	}
	result("head without END: dumped, not answered");
}

/* the lost-data section some firmware appends, and other messages */
static void
test_other(void)
{
	static struct vec	 v;
	struct gen_ecu		 e;
	struct conn		*c;
	char			 msg[256];
	static const uint8_t	 ack[] =
	    "APS1300038A123AAA010120240206112214END";
	size_t			 n;

	gen_fleet(fleet, 5);
	gen_fleet_ecu(&e, fleet, 5, FLEET_TIME);
	n = gen_record(recbuf, sizeof(recbuf), &e, fleet, 5,
	    "ADD20240206111714001UND408000000001UNDEND");
	c = conn_open(PROTO_APSYSTEMS_ECU, 0);
	feed(c, (uint8_t *)recbuf, n);
	want_data_reply(c, (const uint8_t *)recbuf);
	want_dump(c, 1, "lost-data section not decoded");
	check_fleet(c, &e, fleet, 5, T01);
	result("lost-data section after the inverters: decoded, dumped");

	/* a fill-up message: command 0001 */
	n = (size_t)snprintf(msg, sizeof(msg), "APS18AAAAA0001AAA1%s"
	    "ENDADD20240206111714000END\n", ECU);
	aps_fix((uint8_t *)msg, n);
	c = conn_open(PROTO_APSYSTEMS_ECU, 0);
	feed(c, (uint8_t *)msg, n);
	want_reply(c, 0, NULL, 0);
	want_dump(c, 1, "APS18 message, command 0001, not decoded");
	result("fill-up message 0001: dumped, not answered");

	/* A123 inverter status on 8997: acked with its time, dumped */
	n = (size_t)snprintf(msg, sizeof(msg), "APS15AAAAAA123AAA1%s0001"
	    "20240206112214END%s0000000000000000END\n", ECU, INV1);
	aps_fix((uint8_t *)msg, n);
	c = conn_open(PROTO_APSYSTEMS_ECU, 0);
	feed(c, (uint8_t *)msg, n);
	want_reply(c, 1, ack, sizeof(ack) - 1);
	want_dump(c, 1, "A123 inverter status not decoded");
	check(sizeof(ack) - 1 == 38 && memcmp(ack + 5, "00038", 5) == 0,
	    "ack length");
	result("A123 status: acked with its own time, dumped");

	/* the night's A123 query: not answered */
	n = (size_t)snprintf(msg, sizeof(msg), "APS13AAA51A123AAA0%s"
	    "000000000000000000END\n", ECU);
	c = conn_open(PROTO_APSYSTEMS_ECU, 0);
	feed(c, (uint8_t *)msg, n);
	want_reply(c, 0, NULL, 0);
	want_dump(c, 1, "APS13 message, command A123, not decoded");
	result("A123 status query: dumped, not answered");

	/* an A101 poll one character long */
	if (vec_load(&v, "06") == 0) {
		memmove(v.b + 49, v.b + 48, 4);
		v.b[48] = '0';
		aps_fix(v.b, v.len + 1);
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len + 1);
		want_reply(c, 0, NULL, 0);
		want_dump(c, 1, "malformed A101 poll");
	}
	result("A101 poll of 52 characters: dumped, not answered");

	/* the query with a letter in the id */
	if (vec_load(&v, "04") == 0) {
		v.b[12] = 'Z';
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len);
		want_reply(c, 0, NULL, 0);
		want_dump(c, 1, "APS13 message, command 21Z0, not decoded");
	}
	result("query with a bad id: dumped, not answered");

	/* binary junk in the command: printable in the reason */
	n = (size_t)snprintf(msg, sizeof(msg), "APS77AAA15\001\"\377A1\n");
	c = conn_open(PROTO_APSYSTEMS_ECU, 0);
	feed(c, (uint8_t *)msg, n);
	want_dump(c, 1, "APS77 message, command ?\"?A, not decoded");
	result("unknown message: dumped with a printable reason");
}

/* YC250 temperatures and a YC1000 by hand */
static void
test_types(void)
{
	struct gen_ecu		 e;
	struct gen_inv		 inv[5];
	struct conn		*c;
	static const long	 temps[5] = { -12, -5, 5, 25, 125 };
	static const char	*codes[5] = { "B12", "AB5", "AA5", "A25",
				    "125" };
	int			 i;
	size_t			 n;

	for (i = 0; i < 5; i++) {
		gen_fleet(&inv[i], 1);
		memcpy(inv[i].type, "05", 3);
		(void)snprintf(inv[i].uid, sizeof(inv[i].uid), "2020000000%02d",
		    11 + i);
		inv[i].nch = 1;
		inv[i].ch[0].status = 0x400 >> i;
		inv[i].temp = temps[i];
	}
	gen_fleet_ecu(&e, inv, 5, FLEET_TIME);
	n = gen_record(recbuf, sizeof(recbuf), &e, inv, 5, NULL);
	for (i = 0; i < 5; i++)
		check(memmem(recbuf, n, codes[i], 3) != NULL, "no %s",
		    codes[i]);
	c = conn_open(PROTO_APSYSTEMS_ECU, 0);
	feed(c, (uint8_t *)recbuf, n);
	want_dump(c, 0, NULL);
	check_fleet(c, &e, inv, 5, T01);
	result("YC250 temperatures B12 AB5 AA5 A25 125 and status bits");

	/* a bad temperature code */
	memcpy(memmem(recbuf, n, "AB5", 3), "BA5", 3);
	c = conn_open(PROTO_APSYSTEMS_ECU, 0);
	feed(c, (uint8_t *)recbuf, n);
	want_dump(c, 1, "inverter 202000000012: bad field at character 22");
	check(c->nrecords == 5, "%d records", c->nrecords);
	result("YC250 temperature BA5: dumped");

	/* a status bit that is not 0 or 1 */
	n = gen_record(recbuf, sizeof(recbuf), &e, inv, 5, NULL);
	recbuf[86 + 71] = '2';
	c = conn_open(PROTO_APSYSTEMS_ECU, 0);
	feed(c, (uint8_t *)recbuf, n);
	want_dump(c, 1, "inverter 202000000011: bad field at character 71");
	result("YC250 status bit 2: dumped");
}

/* framer corners */
static void
test_framer(void)
{
	static struct vec	 v;
	struct conn		*c;
	const char		*why;
	uint8_t			 big[32];
	size_t			 n;
	int			 rv;

	if (vec_load(&v, "01") == 0) {
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, (const uint8_t *)"xyzA", 4);
		feed(c, (const uint8_t *)"P", 1);
		check(c->nskips == 1 && c->skipn[0] == 3 &&
		    strcmp(c->skipwhy[0], "no APS header") == 0 && c->len == 2,
		    "%d skips of %zu, %zu held", c->nskips, c->skipn[0],
		    c->len);
		feed(c, v.b + 2, v.len - 2);
		check(c->nframes == 1 && c->nrecords == 3 && c->ndumps == 0,
		    "%d frames, %d records", c->nframes, c->nrecords);
	}
	result("junk before a frame: skipped up to APS, split in the magic");

	if (vec_load(&v, "01") == 0) {
		memcpy(v.b + 5, "A3A02", 5);
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len);
		check(c->nframes == 0 && c->nskips == 1 &&
		    c->skipn[0] == v.len &&
		    strcmp(c->skipwhy[0], "bad length field") == 0,
		    "%d frames, %d skips \"%s\"", c->nframes, c->nskips,
		    c->skipwhy[0]);
	}
	result("length field A3A02: skipped");

	/* the length counts one character too few */
	if (vec_load(&v, "01") == 0) {
		memcpy(v.b + 5, "AA301", 5);
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		feed(c, v.b, v.len);
		check(c->nskips == 2 && c->skipn[0] == 301 &&
		    strcmp(c->skipwhy[0], "no line feed after the frame")
		    == 0 && strcmp(c->skipwhy[1], "no APS header") == 0,
		    "%d skips: %zu \"%s\"", c->nskips, c->skipn[0],
		    c->skipwhy[0]);
		check(c->nframes == 0 && c->nreplies == 0, "%d frames",
		    c->nframes);
	}
	result("length one short: no line feed, skipped, resynchronised");

	memcpy(big, "APS18A9999AAAAAAA1", 18);
	n = 0;
	why = NULL;
	rv = apsystems_frame(big, 18, 8192, &n, &why);
	check(rv == FRAME_CLOSE && why != NULL &&
	    strcmp(why, "frame length 10000 exceeds maximum 8192") == 0,
	    "verdict %d \"%s\"", rv, why ? why : "");
	result("length 9999 over max_frame 8192: closed");

	memcpy(big, "APS18AAAA9AAAAAAA1", 18);
	rv = apsystems_frame(big, 18, 8192, &n, &why);
	check(rv == FRAME_SKIP && n == 18 &&
	    strcmp(why, "length field shorter than the header") == 0,
	    "verdict %d n %zu", rv, n);
	result("length 9: skipped");

	rv = apsystems_frame((const uint8_t *)"APS1", 4, 8192, &n, &why);
	check(rv == FRAME_MORE, "verdict %d", rv);
	rv = apsystems_frame((const uint8_t *)"AX", 2, 8192, &n, &why);
	check(rv == FRAME_SKIP && n == 2, "verdict %d n %zu", rv, n);
	rv = apsystems_frame((const uint8_t *)"\nAPS", 4, 8192, &n, &why);
	check(rv == FRAME_SKIP && n == 1, "verdict %d n %zu", rv, n);
	result("short buffers");
}


/* accept = known: every message names its ECU */
static void
test_accept(void)
{
	static const char	*ids[] = { "01", "04", "06" };
	static struct vec	 v;
	struct conn		*c;
	size_t			 i;
	int			 known;

	accept_known = 1;
	for (known = 0; known < 2; known++) {
		memset(devices, 0, sizeof(devices));
		ndevices = 0;
		if (known) {
			strlcpy(devices[0].name, ECU, sizeof(devices[0].name));
			ndevices = 1;
		}
		for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			if (vec_load(&v, ids[i]) == -1) {
				result("accept: vector %s", ids[i]);
				continue;
			}
			c = conn_open(PROTO_APSYSTEMS_ECU, 0);
			feed(c, v.b, v.len);
			check(c->nadmits == 1, "%d admits", c->nadmits);
			if (known)
				want_reply(c, 1, NULL, 0);
			else {
				want_reply(c, 0, NULL, 0);
				want_dump(c, 1, "unknown device " ECU);
				want_dump_of(c, v.b, v.len);
				check(c->nrecords == 0, "%d records",
				    c->nrecords);
			}
			result("accept = known: %s ECU, vector %s", known ?
			    "known" : "unknown", ids[i]);
		}
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
	test_vectors();
	test_01();
	test_builder();
	test_fleet();
	test_split();
	test_crosscheck();
	test_truncated();
	test_malformed();
	test_other();
	test_types();
	test_framer();
	test_accept();
	return (finish());
}
