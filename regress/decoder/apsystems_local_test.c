/*
 * The APsystems ECU's local port (proto/apsystems_local.c) through the
 * harness (harness.c): answers captured from real ECUs (vectors 11 to
 * 17 in regress/vectors/apsystems-ecu, or the directory of argv[1];
 * their sources are in its MANIFEST.md) and answers built byte by byte
 * from values (apsystems_local_gen.c).  The poll's cycle is played as
 * the decoder and connector play it: one query per connection, the
 * state carried over by pv_hangup().  Times are read as Central
 * European time.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "apsystems_local_gen.h"

#define DEFAULT_DIR	"regress/vectors/apsystems-ecu"
#define IVL		300
#define GAP_MS		1000
#define TIMEOUT_MS	10000
#define T_FLEET		1712861100	/* 2024-04-11 20:45:00 CEST */

static struct lgen_ecu	 ecu;
static struct lgen_inv	 fleet[LGEN_FLEET];
static uint8_t		 ans[LGEN_MAX];
static char		 logline[512];
static int		 nlogs;

static struct conn	*start(const char *, unsigned int);
static void		 want_query(struct conn *, const char *);
static void		 answer(struct conn *, const uint8_t *, size_t);
static void		 to_step(struct conn *, int);

static void
logged(const char *line)
{
	(void)snprintf(logline, sizeof(logline), "%s", line);
	nlogs++;
}

/* a dialled connection to the ECU named ecuid, opened */
static struct conn *
start(const char *ecuid, unsigned int timeout)
{
	struct conn	*c;

	memset(devices, 0, sizeof(devices));
	(void)snprintf(devices[0].name, sizeof(devices[0].name), "%s",
	    ecuid);
	devices[0].proto = PROTO_APSYSTEMS_ECU;
	devices[0].interval = IVL;
	devices[0].timeout = timeout;
	ndevices = 1;
	c = conn_open(PROTO_APSYSTEMS_ECU, 0);
	c->ctx.dev = &devices[0];
	c->ctx.peer = "192.0.2.30:8899";
	nlogs = 0;
	logline[0] = '\0';
	conn_up(c);
	return (c);
}

/* the one reply so far is the query for cmd */
static void
want_query(struct conn *c, const char *cmd)
{
	char	q[64];
	size_t	n;

	n = lgen_query(q, sizeof(q), cmd, c->ctx.dev->name);
	want_reply(c, 1, (const uint8_t *)q, n);
	check(c->timer == (c->ctx.dev->timeout > 0 ? c->ctx.dev->timeout :
	    TIMEOUT_MS), "timer %u after query %s", c->timer, cmd);
	check(c->nhangups == 0, "hung up while asking %s", cmd);
}

static void
answer(struct conn *c, const uint8_t *b, size_t n)
{
	feed(c, b, n);
	check(c->nframes == 1 && c->nskips == 0, "%d frames, %d skips",
	    c->nframes, c->nskips);
}

/* the fleet's cycle up to the query of step (1 info, 2 data, 3 signal) */
static void
to_step(struct conn *c, int step)
{
	size_t	n;

	if (step > 1) {
		n = lgen_info(ans, sizeof(ans), &ecu);
		answer(c, ans, n);
		conn_reopen(c);
		conn_up(c);
	}
	if (step > 2) {
		n = lgen_data(ans, sizeof(ans), ecu.time, fleet, LGEN_FLEET);
		answer(c, ans, n);
		conn_reopen(c);
		conn_up(c);
	}
}

/* ------------------------------------------------------------------ */

static void
test_registry(void)
{
	const struct proto	*p = proto_byid(PROTO_APSYSTEMS_ECU);

	check(p != NULL && p->open == apsystems_open &&
	    p->tick == apsystems_tick && p->gone == apsystems_gone,
	    "events");
	check(p != NULL && p->statesize == apsystems_local_statesize() &&
	    p->statesize > LGEN_MAX && p->statesize <= STATE_MAX,
	    "statesize %zu", p != NULL ? p->statesize : 0);
	result("registry: the poll's events and state");
}

/* the fleet's cycle: three connections, one query each, and records */
static void
test_cycle(void)
{
	struct conn	*c = start(ecu.id, 0);
	size_t		 n;

	want_query(c, "0001");
	n = lgen_info(ans, sizeof(ans), &ecu);
	answer(c, ans, n);
	check(c->nrecords == 1 && c->nhangups == 1 && c->redial == GAP_MS &&
	    c->timer == 0 && c->ndumps == 0, "after the information: %d "
	    "records, %d hangups (%u ms), timer %u, %d dumps", c->nrecords,
	    c->nhangups, c->redial, c->timer, c->ndumps);
	conn_reopen(c);
	conn_up(c);
	want_query(c, "0002");
	n = lgen_data(ans, sizeof(ans), ecu.time, fleet, LGEN_FLEET);
	answer(c, ans, n);
	check(c->nrecords == 0 && c->nhangups == 1 && c->redial == GAP_MS,
	    "after the data: %d records, %d hangups (%u ms)", c->nrecords,
	    c->nhangups, c->redial);
	conn_reopen(c);
	conn_up(c);
	want_query(c, "0030");
	n = lgen_signal(ans, sizeof(ans), fleet, LGEN_FLEET);
	answer(c, ans, n);
	check(c->nrecords == LGEN_FLEET && c->nhangups == 1 &&
	    c->redial == IVL * 1000 && c->ndumps == 0, "after the signals: "
	    "%d records, %d hangups (%u ms), %d dumps", c->nrecords,
	    c->nhangups, c->redial, c->ndumps);
	result("cycle: information, data, signals; one query per "
	    "connection, the next cycle in the interval");

	/* dialled early (the ECU hung up on us first): no query */
	conn_reopen(c);
	c->ctx.now = TEST_NOW + 100;
	conn_up(c);
	check(c->nreplies == 0 && c->nhangups == 1 &&
	    c->redial == (IVL - 100) * 1000, "early: %d replies, %d hangups "
	    "(%u ms)", c->nreplies, c->nhangups, c->redial);
	result("cycle: dialled before the interval is over, hung up unasked");

	conn_reopen(c);
	c->ctx.now = TEST_NOW + IVL;
	conn_up(c);
	want_query(c, "0001");
	result("cycle: the next cycle starts with the information again");
}

static void
test_cycle_records(void)
{
	const struct record	*r;
	struct conn		*c = start(ecu.id, 0);

	to_step(c, 1);
	answer(c, ans, lgen_info(ans, sizeof(ans), &ecu));
	if ((r = want_record(c, ecu.id)) != NULL) {
		check(r->time == T_FLEET && r->via[0] == '\0' &&
		    strcmp(r->peer, "192.0.2.30:8899") == 0 &&
		    r->proto == PROTO_APSYSTEMS_ECU, "head");
		want_metric(r, M_AC_POWER, 0, 2434, 0);
		want_metric(r, M_ENERGY_TODAY, 0, 1234, 2);
		want_metric(r, M_ENERGY_TOTAL, 0, 212790, 1);
		want_metric(r, M_INVERTERS_REGISTERED, 0, LGEN_FLEET, 0);
		want_metric(r, M_INVERTERS_ONLINE, 0, 5, 0);
		want_attr(r, A_MODEL, "ECU-R");
		want_attr(r, A_FIRMWARE, "ECU_R_1.3.2");
		check(r->nmetrics == 5, "%d metrics", r->nmetrics);
	}
	result("cycle: the ECU's record (layout 01, APS11)");
}

/* what each inverter type of the fleet gives */
static void
test_fleet_records(void)
{
	const struct record	*r;
	struct conn		*c = start(ecu.id, 0);

	to_step(c, 3);
	answer(c, ans, lgen_signal(ans, sizeof(ans), fleet, LGEN_FLEET));
	if ((r = want_record(c, "408000123401")) != NULL) {
		check(r->time == T_FLEET && strcmp(r->via, ecu.id) == 0,
		    "time %lld via %s", (long long)r->time, r->via);
		want_metric(r, M_ONLINE, 0, 1, 0);
		want_metric(r, M_AC_FREQUENCY, 0, 500, 1);
		want_metric(r, M_TEMPERATURE, 0, 38, 0);
		want_metric(r, M_PV_POWER, 1, 180, 0);
		want_metric(r, M_PV_POWER, 2, 175, 0);
		want_metric(r, M_AC_VOLTAGE, 0, 231, 0);
		want_metric(r, M_SIGNAL, 0, 200 * 100 / 255, 0);
		want_attr(r, A_MODEL, "YC600/DS3");
		check(r->nmetrics == 7, "%d metrics", r->nmetrics);
	}
	result("fleet: YC600 (type 01): 2 channels, one grid voltage");
	if ((r = want_record(c, "704000123402")) != NULL) {
		want_metric(r, M_AC_FREQUENCY, 0, 499, 1);
		want_metric(r, M_PV_POWER, 2, 305, 0);
		want_metric(r, M_AC_VOLTAGE, 0, 232, 0);
		want_metric(r, M_SIGNAL, 0, 100, 0);
		check(r->nmetrics == 7, "%d metrics", r->nmetrics);
	}
	result("fleet: DS3-L (type 04), signal 255 = 100 %%");
	if ((r = want_record(c, "501000123403")) != NULL) {
		want_metric(r, M_TEMPERATURE, 0, 45, 0);
		want_metric(r, M_PV_POWER, 1, 210, 0);
		want_metric(r, M_PV_POWER, 4, 201, 0);
		want_metric(r, M_AC_L_VOLTAGE, 1, 236, 0);
		want_metric(r, M_AC_L_VOLTAGE, 2, 238, 0);
		want_metric(r, M_AC_L_VOLTAGE, 3, 234, 0);
		want_absent(r, M_AC_VOLTAGE, 0);
		want_metric(r, M_SIGNAL, 0, 58, 0);
		want_attr(r, A_MODEL, "YC1000/QT2");
		check(r->nmetrics == 11, "%d metrics", r->nmetrics);
	}
	result("fleet: YC1000 (type 02): 4 inputs, 3 phases");
	if ((r = want_record(c, "502000123404")) != NULL) {
		want_metric(r, M_PV_POWER, 3, 208, 0);
		want_metric(r, M_AC_L_VOLTAGE, 3, 233, 0);
		want_metric(r, M_SIGNAL, 0, 0, 0);
	}
	result("fleet: QT2 (type 05), signal 0");
	if ((r = want_record(c, "801000123405")) != NULL) {
		want_metric(r, M_PV_POWER, 1, 120, 0);
		want_metric(r, M_PV_POWER, 2, 118, 0);
		want_metric(r, M_PV_POWER, 3, 122, 0);
		want_metric(r, M_PV_POWER, 4, 119, 0);
		want_metric(r, M_AC_VOLTAGE, 0, 229, 0);
		want_metric(r, M_SIGNAL, 0, 38, 0);
		want_attr(r, A_MODEL, "QS1");
		check(r->nmetrics == 9, "%d metrics", r->nmetrics);
	}
	result("fleet: QS1 (type 03): 4 channels, one grid voltage");
	if ((r = want_record(c, "806000123406")) != NULL) {
		want_metric(r, M_ONLINE, 0, 0, 0);
		check(r->nmetrics == 1, "%d metrics", r->nmetrics);
	}
	if ((r = want_record(c, "409000123407")) != NULL) {
		want_metric(r, M_ONLINE, 0, 0, 0);
		check(r->nmetrics == 1, "%d metrics", r->nmetrics);
	}
	result("fleet: offline (type 00, and type 01 with online 0): online "
	    "0 alone");
}

static void
test_info_layout2(void)
{
	const struct record	*r;
	struct lgen_ecu		 c2 = ecu;
	struct conn		*c;

	(void)snprintf(c2.id, sizeof(c2.id), "215000003925");
	c2.layout = 2;
	(void)snprintf(c2.gen, sizeof(c2.gen), "12");
	(void)snprintf(c2.firmware, sizeof(c2.firmware), "C1.2.19B");
	c = start(c2.id, 0);
	answer(c, ans, lgen_info(ans, sizeof(ans), &c2));
	if ((r = want_record(c, c2.id)) != NULL) {
		check(r->time == TEST_NOW, "time %lld: not the receive time",
		    (long long)r->time);
		want_metric(r, M_INVERTERS_REGISTERED, 0, LGEN_FLEET, 0);
		want_metric(r, M_INVERTERS_ONLINE, 0, 5, 0);
		want_metric(r, M_AC_POWER, 0, 2434, 0);
		want_attr(r, A_MODEL, "ECU-C");
		want_attr(r, A_FIRMWARE, "C1.2.19B");
	}
	check(c->nhangups == 1 && c->redial == GAP_MS, "hangups %d",
	    c->nhangups);
	result("information layout 02 (ECU-C, APS12): no time, counts at 39");
}

/* ------------------------------------------------------------------ */

static void
test_captured_info(void)
{
	static struct vec	 v;
	const struct record	*r;
	struct conn		*c;

	if (vec_load(&v, "11") == 0) {
		c = start("216200069349", 0);
		answer(c, v.b, v.len);
		if ((r = want_record(c, "216200069349")) != NULL) {
			check(r->time == 1663611967, "time %lld",
			    (long long)r->time);
			want_metric(r, M_ENERGY_TOTAL, 0, 893, 1);
			want_metric(r, M_AC_POWER, 0, 0, 0);
			want_metric(r, M_ENERGY_TODAY, 0, 982, 2);
			want_metric(r, M_INVERTERS_REGISTERED, 0, 8, 0);
			want_metric(r, M_INVERTERS_ONLINE, 0, 0, 0);
			want_attr(r, A_MODEL, "ECU-R Pro");
			want_attr(r, A_FIRMWARE, "ECU_R_PRO_2.0.7A");
		}
		want_dump(c, 0, NULL);
	}
	result("captured 11: ECU-R Pro at night, 89.3 kWh, 8 inverters, none "
	    "online");
	if (vec_load(&v, "16") == 0) {
		c = start("216200014656", 0);
		answer(c, v.b, v.len);
		if ((r = want_record(c, "216200014656")) != NULL) {
			check(r->time == 1761912767, "time %lld",
			    (long long)r->time);
			want_metric(r, M_ENERGY_TOTAL, 0, 392047, 1);
			want_metric(r, M_AC_POWER, 0, 1224, 0);
			want_metric(r, M_ENERGY_TODAY, 0, 937, 2);
			want_metric(r, M_INVERTERS_REGISTERED, 0, 11, 0);
			want_metric(r, M_INVERTERS_ONLINE, 0, 10, 0);
			want_attr(r, A_FIRMWARE, "ECU_R_PRO_2.1.27");
		}
		want_dump(c, 0, NULL);
	}
	result("captured 16: ECU-R Pro, 1224 W, 39204.7 kWh, 10 of 11 online");
	if (vec_load(&v, "11") == 0) {
		c = start("216200014656", 0);
		answer(c, v.b, v.len);
		want_dump(c, 1, "system information of another ECU");
		check(c->nrecords == 0 && c->nhangups == 1 &&
		    c->redial == IVL * 1000, "%d records, redial %u",
		    c->nrecords, c->redial);
	}
	result("captured 11, but another ECU dialled: dumped, cycle over");
}

/*
 * ECU ecuid's data answer of vector id, then the signals of vector sig
 * or none (the query times out)
 */
static struct conn *
captured_data(const char *ecuid, const char *id, const char *sig)
{
	static struct vec	 v;
	struct lgen_ecu		 e = ecu;
	struct conn		*c;

	(void)snprintf(e.id, sizeof(e.id), "%s", ecuid);
	c = start(ecuid, 0);
	answer(c, ans, lgen_info(ans, sizeof(ans), &e));
	conn_reopen(c);
	conn_up(c);
	if (vec_load(&v, id) == -1)
		return (c);
	answer(c, v.b, v.len);
	check(c->ndumps == 0 && c->nhangups == 1, "data: %d dumps%s%s",
	    c->ndumps, c->ndumps ? ": " : "", c->ndumps ? c->reason[0] : "");
	conn_reopen(c);
	conn_up(c);
	if (sig == NULL) {
		conn_tick(c);
		return (c);
	}
	if (vec_load(&v, sig) == 0)
		answer(c, v.b, v.len);
	return (c);
}

static void
test_captured_ds3(void)
{
	const struct record	*r;
	struct conn		*c = captured_data("216200069349", "12", "13");
	int			 i;

	check(c->nrecords == 8 && c->ndumps == 0, "%d records, %d dumps",
	    c->nrecords, c->ndumps);
	for (i = 0; i < c->nrecords && i < MAX_RECORDS; i++) {
		r = &c->rec[i];
		check(r->time == 1663619285, "time %lld", (long long)r->time);
		want_metric(r, M_ONLINE, 0, 0, 0);
		check(r->nmetrics == 1, "%s: %d metrics", r->device,
		    r->nmetrics);
		want_attr(r, A_MODEL, "YC600/DS3");
	}
	if (c->nrecords > 4)
		check(strcmp(c->rec[0].device, "704000037390") == 0 &&
		    strcmp(c->rec[4].device, "704000038131") == 0,
		    "devices %s, %s", c->rec[0].device, c->rec[4].device);
	result("captured 12 and 13: 8 DS3 offline at night: online 0, no "
	    "signal");
}

static void
test_captured_qs1(void)
{
	const struct record	*r;
	struct conn		*c = captured_data(ecu.id, "14", NULL);

	check(c->nrecords == 9, "%d records", c->nrecords);
	if ((r = want_record(c, "802000142216")) != NULL) {
		check(r->time == 1651302819, "time %lld", (long long)r->time);
		want_metric(r, M_ONLINE, 0, 1, 0);
		want_metric(r, M_AC_FREQUENCY, 0, 500, 1);
		want_metric(r, M_TEMPERATURE, 0, 24, 0);
		want_metric(r, M_AC_VOLTAGE, 0, 241, 0);
		want_metric(r, M_PV_POWER, 1, 142, 0);
		want_metric(r, M_PV_POWER, 2, 101, 0);
		want_metric(r, M_PV_POWER, 3, 284, 0);
		want_metric(r, M_PV_POWER, 4, 287, 0);
		want_absent(r, M_SIGNAL, 0);
		want_attr(r, A_MODEL, "QS1");
	}
	if ((r = want_record(c, "806000009733")) != NULL)
		check(r->nmetrics == 1, "806000009733: %d metrics",
		    r->nmetrics);
	check(strstr(logline, "no answer to the signal strength query") !=
	    NULL, "log: %s", logline);
	result("captured 14: 5 QS1 online, 4 without values; signals timed "
	    "out: records without them");
}

static void
test_captured_yc600(void)
{
	const struct record	*r;
	struct conn		*c = captured_data("216000020769", "15", NULL);

	check(c->nrecords == 14, "%d records: the ECU's own entry too?",
	    c->nrecords);
	if ((r = want_record(c, "409000094213")) != NULL) {
		check(r->time == 1655383971, "time %lld", (long long)r->time);
		want_metric(r, M_AC_FREQUENCY, 0, 600, 1);
		want_metric(r, M_TEMPERATURE, 0, 43, 0);
		want_metric(r, M_AC_VOLTAGE, 0, 243, 0);
		want_metric(r, M_PV_POWER, 1, 194, 0);
		want_metric(r, M_PV_POWER, 2, 47, 0);
	}
	if ((r = want_record(c, "409000088935")) != NULL)
		want_metric(r, M_AC_FREQUENCY, 0, 599, 1);
	if ((r = want_record(c, "409000088998")) != NULL) {
		want_metric(r, M_ONLINE, 0, 0, 0);
		check(r->nmetrics == 1, "%d metrics", r->nmetrics);
	}
	result("captured 15: 13 YC600 at 60 Hz and one offline; the ECU "
	    "listing itself gets no inverter record");
}

static void
test_captured_yc1000(void)
{
	const struct record	*r;
	struct conn		*c = captured_data("215000003925", "17", NULL);

	check(c->nrecords == 11, "%d records", c->nrecords);
	if ((r = want_record(c, "502000006223")) != NULL) {
		check(r->time == 1618405685, "time %lld", (long long)r->time);
		want_metric(r, M_AC_FREQUENCY, 0, 501, 1);
		want_metric(r, M_TEMPERATURE, 0, 40, 0);
		want_metric(r, M_AC_L_VOLTAGE, 1, 236, 0);
		want_metric(r, M_AC_L_VOLTAGE, 2, 238, 0);
		want_metric(r, M_AC_L_VOLTAGE, 3, 234, 0);
		want_metric(r, M_PV_POWER, 1, 258, 0);
		want_metric(r, M_PV_POWER, 4, 253, 0);
	}
	if ((r = want_record(c, "502000008541")) != NULL)
		want_metric(r, M_PV_POWER, 3, 227, 0);
	result("captured 17: ECU-C, 11 YC1000 on three phases");
}

/* ------------------------------------------------------------------ */

/* one bad answer at step: dumped with reason, the cycle ends there */
static void
bad_answer(int step, const uint8_t *b, size_t n, const char *reason,
    int records, const char *name)
{
	struct conn	*c = start(ecu.id, 0);

	to_step(c, step);
	feed(c, b, n);
	want_dump(c, 1, reason);
	want_dump_of(c, b, n);
	check(c->nrecords == records, "%d records, want %d", c->nrecords,
	    records);
	check(c->nhangups == 1 && c->redial == IVL * 1000 && c->timer == 0,
	    "%d hangups (%u ms), timer %u", c->nhangups, c->redial,
	    c->timer);
	conn_reopen(c);
	c->ctx.now = TEST_NOW + IVL;
	conn_up(c);
	want_query(c, "0001");
	result("bad: %s", name);
}

/* a copy of the answer n bytes long with the length field put right */
static size_t
relen(uint8_t *b, size_t n)
{
	char	len[8];

	(void)snprintf(len, sizeof(len), "%04zu", n - 1);
	memcpy(b + 5, len, 4);
	memcpy(b + n - 4, "END\n", 4);
	return (n);
}

static void
test_bad_head(void)
{
	uint8_t	b[LGEN_MAX];
	size_t	n;

	n = lgen_info(b, sizeof(b), &ecu);
	memcpy(b + 9, "0002", 4);
	bad_answer(1, b, n, "system information: answer to another command "
	    "than the query's", 0, "answer to another command");
	n = lgen_info(b, sizeof(b), &ecu);
	memcpy(b + n - 4, "ENX", 3);
	bad_answer(1, b, n, "system information: no END before the line "
	    "feed", 0, "no END");
	n = lgen_info(b, sizeof(b), &ecu);
	memcpy(b + 25, "03", 2);
	bad_answer(1, b, n, "system information layout not decoded", 0,
	    "information layout 03");
	n = lgen_info(b, sizeof(b), &ecu);
	memcpy(b + 52, "999", 3);
	bad_answer(1, b, n, "system information: firmware beyond the END",
	    0, "firmware length beyond the END");
	n = lgen_info(b, sizeof(b), &ecu);
	b[55 + strlen(ecu.firmware)] = '9';
	bad_answer(1, b, n, "system information: bad time zone field", 0,
	    "time zone length beyond the END");
	n = lgen_info(b, sizeof(b), &ecu);
	b[49] = 8;
	bad_answer(1, b, n, "system information: 8 of 7 inverters online",
	    0, "more inverters online than registered");
	n = lgen_info(b, sizeof(b), &ecu);
	b[41] = 0x13;
	bad_answer(1, b, n, "system information: time of the last data is "
	    "no date", 0, "month 13");
	n = lgen_info(b, sizeof(b), &ecu);
	b[53] = 'x';
	bad_answer(1, b, n, "system information: bad firmware length", 0,
	    "a letter in the firmware length");
	n = relen(b, 56);
	bad_answer(1, b, n, "system information too short", 0,
	    "information of layout 01 that ends at the firmware length");
}

static void
test_bad_data(void)
{
	uint8_t	b[LGEN_MAX];
	size_t	n;

	n = lgen_data(b, sizeof(b), ecu.time, fleet, LGEN_FLEET);
	memcpy(b + 13, "01", 2);
	bad_answer(2, b, n, "real-time data: status 0101, want 0001", 0,
	    "data status 01");
	n = lgen_data(b, sizeof(b), ecu.time, fleet, LGEN_FLEET);
	b[18]++;
	bad_answer(2, b, n, "real-time data: inverter 8 of the count starts "
	    "at the END", 0, "count one too many");
	n = lgen_data(b, sizeof(b), ecu.time, fleet, LGEN_FLEET);
	b[18]--;
	bad_answer(2, b, n, "real-time data: 21 bytes after 6 inverters", 0,
	    "count one too few");
	n = lgen_data(b, sizeof(b), ecu.time, fleet, LGEN_FLEET);
	memcpy(b + 26 + 7, "06", 2);
	bad_answer(2, b, n, "real-time data: inverter 408000123401: type "
	    "3036 not decoded", 0, "an inverter type nobody knows");
	n = lgen_data(b, sizeof(b), ecu.time, fleet, LGEN_FLEET);
	b[26] = 0xa0;
	bad_answer(2, b, n, "real-time data: inverter 1: bad UID or online "
	    "flag", 0, "UID not BCD");
	n = lgen_data(b, sizeof(b), ecu.time, fleet, LGEN_FLEET);
	b[26 + 6] = 2;
	bad_answer(2, b, n, "real-time data: inverter 1: bad UID or online "
	    "flag", 0, "online flag 2");
	n = lgen_data(b, sizeof(b), ecu.time, fleet, 1);
	n = relen(b, n - 2);
	bad_answer(2, b, n, "real-time data: inverter 408000123401: entry "
	    "goes beyond the END", 0, "last entry cut short");
	n = lgen_data(b, sizeof(b), ecu.time, fleet, LGEN_FLEET);
	b[21] = 0x99;
	bad_answer(2, b, n, "real-time data: time is no date", 0,
	    "data time month 99");
	n = relen(b, 25);
	bad_answer(2, b, n, "real-time data: shorter than its head", 0,
	    "data shorter than its head");
}

static void
test_bad_signal(void)
{
	uint8_t	b[LGEN_MAX];
	size_t	n;

	n = lgen_signal(b, sizeof(b), fleet, LGEN_FLEET);
	n = relen(b, n - 1);
	bad_answer(3, b, n, "signal strength: length is no whole number of "
	    "entries", LGEN_FLEET, "signal answer a byte short: records "
	    "without signals");
	n = lgen_signal(b, sizeof(b), fleet, LGEN_FLEET);
	memcpy(b + 13, "01", 2);
	bad_answer(3, b, n, "signal strength: status is not 00",
	    LGEN_FLEET, "signal status 01");
	n = lgen_signal(b, sizeof(b), fleet, LGEN_FLEET);
	b[15 + 7] = 0xfa;
	bad_answer(3, b, n, "signal strength: entry 2: UID is not BCD",
	    LGEN_FLEET, "signal UID not BCD");
}

static void
test_signal_missing(void)
{
	const struct record	*r;
	struct lgen_inv		 f[LGEN_FLEET];
	struct conn		*c = start(ecu.id, 0);

	memcpy(f, fleet, sizeof(f));
	f[0].strength = -1;
	to_step(c, 3);
	answer(c, ans, lgen_signal(ans, sizeof(ans), f, LGEN_FLEET));
	if ((r = want_record(c, "408000123401")) != NULL)
		want_absent(r, M_SIGNAL, 0);
	if ((r = want_record(c, "704000123402")) != NULL)
		want_metric(r, M_SIGNAL, 0, 100, 0);
	want_dump(c, 0, NULL);
	result("signals: an inverter missing from them has none, the others "
	    "theirs (matched by UID, not by place)");
}

/* ------------------------------------------------------------------ */

static void
test_timeout(void)
{
	struct conn	*c;
	int		 step;

	for (step = 1; step <= 3; step++) {
		c = start(ecu.id, 2500);
		to_step(c, step);
		conn_clear(c);
		check(c->timer == 2500, "timer %u", c->timer);
		conn_tick(c);
		check(c->nhangups == 1 && c->redial == IVL * 1000,
		    "%d hangups (%u ms)", c->nhangups, c->redial);
		check(c->nrecords == (step == 3 ? LGEN_FLEET : 0),
		    "%d records", c->nrecords);
		check(nlogs == 1 && strstr(logline, "within 2500 ms") != NULL,
		    "log: %s", logline);
		c->proto->tick(&c->ctx);
		check(c->nhangups == 1 && c->nreplies == 0, "a second tick "
		    "did something");
		result("timeout at query %d: logged, cycle over%s", step,
		    step == 3 ? ", the data's records without signals" : "");
	}
}

static void
test_gone(void)
{
	struct conn	*c;
	int		 step;

	for (step = 1; step <= 3; step++) {
		c = start(ecu.id, 0);
		to_step(c, step);
		conn_clear(c);
		conn_gone(c);
		check(c->nhangups == 1 && c->redial == IVL * 1000,
		    "%d hangups (%u ms)", c->nhangups, c->redial);
		check(c->nrecords == (step == 3 ? LGEN_FLEET : 0),
		    "%d records", c->nrecords);
		check(nlogs == 1 && strstr(logline, "connection closed before "
		    "the answer") != NULL, "log: %s", logline);
		conn_reopen(c);
		c->ctx.now = TEST_NOW + IVL;
		conn_up(c);
		want_query(c, "0001");
		result("the ECU closes before answering query %d: logged, "
		    "next cycle on time", step);
	}
	c = start(ecu.id, 0);
	answer(c, ans, lgen_info(ans, sizeof(ans), &ecu));
	conn_clear(c);
	conn_gone(c);
	check(c->nhangups == 0 && nlogs == 0, "gone after the answer: %d "
	    "hangups, %d logs", c->nhangups, nlogs);
	result("the ECU closes after its answer: nothing more to do");
}

static void
test_unasked(void)
{
	struct conn	*c = start(ecu.id, 0);
	size_t		 n;

	n = lgen_info(ans, sizeof(ans), &ecu);
	answer(c, ans, n);
	conn_clear(c);
	feed(c, ans, n);
	want_dump(c, 1, "answer to no query");
	check(c->nrecords == 0 && c->nhangups == 0, "%d records",
	    c->nrecords);
	result("a second answer on the connection: dumped, nothing else");

	/* a cloud frame (its own framing) on the local port */
	c = start(ecu.id, 0);
	c->proto->decode(&c->ctx, (const uint8_t *)"APS18AA021AAAAAAA1"
	    "END\n", 22);
	want_dump(c, 1, "system information: not an answer of the local "
	    "port");
	check(c->nhangups == 1 && c->redial == IVL * 1000, "%d hangups",
	    c->nhangups);
	result("a cloud frame on the local port: dumped, cycle over");

	/* a cloud connection: the local port's answers are no uploads */
	c = conn_open(PROTO_APSYSTEMS_ECU, 0);
	conn_up(c);
	feed(c, ans, n);
	check(c->nreplies == 0 && c->nrecords == 0 && c->nhangups == 0,
	    "cloud: replies %d", c->nreplies);
	want_dump(c, 1, "APS11: the local port's, not the cloud's");
	result("an APS11 answer on a cloud port: dumped");
}

static void
test_framer(void)
{
	static struct vec	 v;
	const char		*why;
	const char		*ids[] = { "11", "12", "13", "14", "15", "16",
				    "17" };
	struct conn		*c;
	size_t			 i, k, fn;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		if (vec_load(&v, ids[i]) == -1)
			continue;
		c = conn_open(PROTO_APSYSTEMS_ECU, 0);
		for (k = 0; k < v.len; k++)
			feed(c, v.b + k, 1);
		check(c->nframes == 1 && c->nskips == 0 && c->len == 0,
		    "%s: %d frames, %d skips", ids[i], c->nframes, c->nskips);
		fn = 0;
		check(apsystems_frame(v.b, v.len - 1, TEST_MAXFRAME, &fn,
		    &why) == FRAME_MORE, "%s: one byte short", ids[i]);
		check(apsystems_frame(v.b, v.len, v.len - 1, &fn, &why) ==
		    FRAME_CLOSE, "%s: beyond max_frame", ids[i]);
	}
	result("framer: every captured answer one frame, byte by byte");
	memcpy(ans, "APS11003X0001END\n", 17);
	check(apsystems_frame(ans, 17, TEST_MAXFRAME, &fn, &why) ==
	    FRAME_SKIP && strcmp(why, "bad length field") == 0,
	    "a letter in the length");
	memcpy(ans, "APS110008", 9);
	check(apsystems_frame(ans, 9, TEST_MAXFRAME, &fn, &why) ==
	    FRAME_SKIP && strcmp(why, "length field shorter than the header")
	    == 0, "length 8");
	memcpy(ans, "APS1100160001ENDX", 17);
	check(apsystems_frame(ans, 17, TEST_MAXFRAME, &fn, &why) ==
	    FRAME_SKIP && fn == 16 && strcmp(why, "no line feed after the "
	    "frame") == 0, "no line feed");
	memcpy(ans, "APS1100160001END\n", 17);
	check(apsystems_frame(ans, 8, TEST_MAXFRAME, &fn, &why) ==
	    FRAME_MORE && apsystems_frame(ans, 17, TEST_MAXFRAME, &fn,
	    &why) == FRAME_OK && fn == 17, "the 4-digit length");
	result("framer: APS11/APS12 lengths have 4 digits, checked");
}

int
main(int argc, char *argv[])
{
	vecdir = argc > 1 ? argv[1] : DEFAULT_DIR;
	set_tz(TEST_TZ);
	pv_log_hook(logged);
	lgen_fleet(&ecu, fleet);

	test_registry();
	test_cycle();
	test_cycle_records();
	test_fleet_records();
	test_info_layout2();
	test_captured_info();
	test_captured_ds3();
	test_captured_qs1();
	test_captured_yc600();
	test_captured_yc1000();
	test_bad_head();
	test_bad_data();
	test_bad_signal();
	test_signal_missing();
	test_timeout();
	test_gone();
	test_unasked();
	test_framer();
	return (finish());
}
