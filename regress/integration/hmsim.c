/*
 * hmsim: a simulated Hoymiles DTU for the end-to-end tests, built on
 * our hoymiles.proto.  Two modes.
 *
 * As a DTU talking to its cloud (the gateway), it connects to
 * 127.0.0.1:port and runs a script given as arguments:
 *
 *	heartbeat:SEQ	send 0x2202, expect 0x2302 with SEQ and our clock
 *	devdata:SEQ	send 0x2201 (two inverters), expect 0x2301
 *	upload:SEQ	send a RealDataNew in two packages (SEQ, SEQ+1),
 *			expect 0x230C for each, echoing its index
 *	empty:CMD:SEQ	send CMD (hex, a 0x22xx) with an empty payload,
 *			expect its 0x23xx with SEQ and our clock
 *	junk:CMD:SEQ	the same with a payload that is no protobuf
 *	send:FILE	send the bytes of a hex file
 *	expect:CMD:SEQ	read one frame: command CMD (hex), sequence SEQ
 *	silence:MS	nothing may arrive for MS milliseconds
 *	sleep:MS	wait
 *
 * Every answer is checked: "HM", length, CRC, command, sequence, and
 * its time fields: time within 2 s of now, offset the local zone's at
 * that time, ymd_hms the local time (the gateway runs in our TZ).
 *
 * As a DTU in local mode (-s), it listens on 127.0.0.1:port and
 * answers each 0xA311 with package cp of a two-package RealDataNew
 * (after 300 ms), checking the request the same way.  It hangs up the
 * first connection after -x answered requests (a DTU drops connections
 * at will), and stops after -n requests or when it has waited -w
 * seconds for one.  It fails when a request arrives while an answer is
 * still owed, or when a new poll on a connection comes sooner than -i
 * seconds after the last answer.  With -k it also takes that many
 * owners' commands (0xA305, 0x2305) and answers each at once, 0xA205
 * or 0x2205 with the same sequence and error code 0; every command is
 * one line, "command 0xa305 seq N action A dev_kind K package_nub P
 * tid=time|TID mi_to_sn S... data DATA", its time checked like the
 * polls' (a command that came first wins when -e names an error code
 * for it: the first command is answered with that code).  It answers
 * 0xA309 GetConfig with 0xA209 carrying its power limit in tenths of a
 * percent (field 5: 1000 at first, then what the last power limit
 * command that it took set), one line "config: 0xa309 seq N, limit L"
 * each, the request's clock checked too.
 *
 * Every step prints "ok - ..." or "not ok - ..."; the exit status is
 * the number of failed steps (at most 100).
 */

#include "compat.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <protobuf-c/protobuf-c.h>

#include "proto.h"
#include "hoymiles.pb-c.h"
#include "simlib.h"

#define TIMEOUT_MS	3000
#define DTU_SN		"4143A0987654"
#define INV_A		0x116412340001LL
#define INV_B		0x116412340002LL
#define ANSWER_DELAY_MS	300	/* before answering a request */

static struct sim_conn	 c = SIM_CONN_INIT;
static int		 port;
static int		 commands;	/* taken */
static int		 firsterr;	/* -e: the first command's answer */
static int		 limit = 1000;	/* power limit, 0.1 % */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
send_msg(uint16_t cmd, uint16_t seq, const ProtobufCMessage *m)
{
	uint8_t	buf[4096];
	size_t	n;

	if ((n = protobuf_c_message_get_packed_size(m)) > sizeof(buf) - 10)
		errx(100, "message too big");
	(void)protobuf_c_message_pack(m, buf + 10);
	buf[0] = 'H';
	buf[1] = 'M';
	put16(buf + 2, cmd);
	put16(buf + 4, seq);
	put16(buf + 6, pv_crc16_modbus(buf + 10, n));
	put16(buf + 8, (uint16_t)(n + 10));
	sim_send_all(c.fd, buf, n + 10);
}

/*
 * The next frame into f (payload at f + 10), checked and consumed.
 * 0, or -1 after saying why.
 */
static int
next_frame(const char *step, uint8_t *f, size_t fmax, size_t *flen,
    int ms)
{
	const char	*why;
	size_t		 n;
	int		 r;

	for (;;) {
		if (c.len > 0 && hoymiles_frame(c.buf, c.len, sizeof(c.buf), &n,
		    &why) == FRAME_OK)
			break;
		if ((r = sim_fill(&c, ms)) <= 0) {
			if (ms > TIMEOUT_MS && r == 0)
				return (-2);	/* a server waiting: quiet */
			sim_result(0, step, r == 0 ? "no frame" :
			    "connection closed");
			return (-1);
		}
	}
	if (n > fmax || n != pv_be16(c.buf + 8) ||
	    pv_be16(c.buf + 6) != pv_crc16_modbus(c.buf + 10, n - 10)) {
		sim_result(0, step, "bad frame of %zu bytes", n);
		c.len = 0;
		return (-1);
	}
	memcpy(f, c.buf, n);
	*flen = n;
	sim_consume(&c, n);
	return (0);
}

/* time fields as a DTU needs them; NULL if right, else what is wrong */
static const char *
bad_clock(int32_t t, int32_t offset, const char *ymd_hms)
{
	static char	why[128];
	struct tm	tm;
	time_t		tt = t;
	char		want[32];
	long		skew = (long)t - (long)time(NULL);

	if (skew < -2 || skew > 2) {
		(void)snprintf(why, sizeof(why), "time off by %ld s", skew);
		return (why);
	}
	(void)localtime_r(&tt, &tm);
	(void)strftime(want, sizeof(want), "%Y-%m-%d %H:%M:%S", &tm);
	if (offset != tm.tm_gmtoff || ymd_hms == NULL ||
	    strcmp(ymd_hms, want) != 0) {
		(void)snprintf(why, sizeof(why), "offset %d \"%s\", want "
		    "%ld \"%s\"", offset, ymd_hms ? ymd_hms : "",
		    (long)tm.tm_gmtoff, want);
		return (why);
	}
	return (NULL);
}

/* the answer to a frame: command and sequence; 0 or -1 */
static int
answer(const char *step, uint16_t cmd, uint16_t seq, uint8_t *f,
    size_t *flen)
{
	if (next_frame(step, f, 4096, flen, TIMEOUT_MS) != 0)
		return (-1);
	if (pv_be16(f + 2) != cmd || pv_be16(f + 4) != seq) {
		sim_result(0, step, "command 0x%04x seq %u, want 0x%04x seq %u",
		    pv_be16(f + 2), pv_be16(f + 4), cmd, seq);
		return (-1);
	}
	return (0);
}

static void
heartbeat(uint16_t seq)
{
	Hm__HeartbeatFromDtu	 hb;
	Hm__HeartbeatToDtu	*r;
	uint8_t			 f[4096];
	size_t			 n;
	const char		*why;

	hm__heartbeat_from_dtu__init(&hb);
	hb.offset = 3600;
	hb.time = (int32_t)time(NULL);
	hb.csq = -61;
	hb.dtu_sn = DTU_SN;
	send_msg(0x2202, seq, &hb.base);
	if (answer("heartbeat", 0x2302, seq, f, &n) == -1)
		return;
	if ((r = hm__heartbeat_to_dtu__unpack(NULL, n - 10, f + 10)) ==
	    NULL) {
		sim_result(0, "heartbeat", "reply does not unpack");
		return;
	}
	why = bad_clock(r->time, r->offset, r->ymd_hms);
	if (why != NULL)
		sim_result(0, "heartbeat", "%s", why);
	else
		sim_result(1, "heartbeat", "0x2302 seq %u, %s", seq,
		    r->ymd_hms);
	hm__heartbeat_to_dtu__free_unpacked(r, NULL);
}

static void
devdata(uint16_t seq)
{
	Hm__DevDataFromDtu	 m;
	Hm__DtuInfo		 d;
	Hm__InverterInfo	 inv[2], *ip[2] = { &inv[0], &inv[1] };
	Hm__DevDataToDtu	*r;
	uint8_t			 f[4096];
	size_t			 n;
	const char		*why;
	int			 i;

	hm__dtu_info__init(&d);
	d.sw_version = 0x108;
	d.wifi_version = "2.1.21_hm";
	for (i = 0; i < 2; i++) {
		hm__inverter_info__init(&inv[i]);
		inv[i].sn = i == 0 ? INV_A : INV_B;
		inv[i].sw_version = 10020 + i;
		inv[i].hw_part_number = 0x10214201;
	}
	hm__dev_data_from_dtu__init(&m);
	m.dtu_sn = DTU_SN;
	m.time = (int32_t)time(NULL);
	m.inverter_count = 2;
	m.panel_count = 4;
	m.package_count = 1;
	m.dtu = &d;
	m.n_inverters = 2;
	m.inverters = ip;
	send_msg(0x2201, seq, &m.base);
	if (answer("devdata", 0x2301, seq, f, &n) == -1)
		return;
	if ((r = hm__dev_data_to_dtu__unpack(NULL, n - 10, f + 10)) ==
	    NULL) {
		sim_result(0, "devdata", "reply does not unpack");
		return;
	}
	why = bad_clock(r->time, r->offset, r->ymd_hms);
	if (why == NULL && (r->package_idx != 0 || r->err_code != 0))
		why = "package or error code";
	sim_result(why == NULL, "devdata", "%s", why ? why : "0x2301");
	hm__dev_data_to_dtu__free_unpacked(r, NULL);
}

/* package cp of the two-package upload the tests look for */
static void
realdata(Hm__RealDataNewFromDtu *m, int32_t cp, int32_t t)
{
	static Hm__Sgs	 s[2];
	static Hm__Sgs	*sp[2] = { &s[0], &s[1] };
	static Hm__Pv	 pv[4];
	static Hm__Pv	*pvp[4] = { &pv[0], &pv[1], &pv[2], &pv[3] };
	int		 i;

	for (i = 0; i < 2; i++) {
		hm__sgs__init(&s[i]);
		s[i].sn = i == 0 ? INV_A : INV_B;
		s[i].voltage = 2423 + i;
		s[i].frequency = 5001;
		s[i].power = i == 0 ? 8508 : 16206;
		s[i].reactive = -3;
		s[i].current = i == 0 ? 351 : 668;
		s[i].pf = 1000;
		s[i].temperature = 287 + i;
		s[i].link_status = 1;
	}
	for (i = 0; i < 4; i++) {
		hm__pv__init(&pv[i]);
		pv[i].sn = i < 2 ? INV_A : INV_B;
		pv[i].port = 1 + i % 2;
		pv[i].voltage = 392 + i;
		pv[i].current = 1085;
		pv[i].power = 4254 + i;
		pv[i].energy_total = 1234567 + i;
		pv[i].energy_today = 1500 + i;
	}
	hm__real_data_new_from_dtu__init(m);
	m->dtu_sn = DTU_SN;
	m->time = t;
	m->ap = 2;
	m->cp = cp;
	m->version = 1;
	if (cp == 0) {
		m->n_sgs = 2;
		m->sgs = sp;
		m->n_pv = 2;
		m->pv = pvp;
	} else {
		m->n_pv = 2;
		m->pv = pvp + 2;
		m->dtu_power = 24714;
		m->dtu_energy_today = 6006;
	}
}

static void
upload(uint16_t seq)
{
	Hm__RealDataNewFromDtu	 m;
	Hm__PackageToDtu	*r;
	uint8_t			 f[4096];
	size_t			 n;
	const char		*why;
	int32_t			 cp, t = (int32_t)time(NULL) - 60;
	time_t			 tt = t;
	struct tm		 tm;
	char			 iso[32];

	(void)strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ",
	    gmtime_r(&tt, &tm));

	for (cp = 0; cp < 2; cp++) {
		realdata(&m, cp, t);
		send_msg(0x220c, seq + cp, &m.base);
		if (answer("upload", 0x230c, seq + cp, f, &n) == -1)
			return;
		if ((r = hm__package_to_dtu__unpack(NULL, n - 10, f + 10)) ==
		    NULL) {
			sim_result(0, "upload", "ack does not unpack");
			return;
		}
		why = bad_clock(r->time, r->offset, r->ymd_hms);
		if (why == NULL && (r->package_idx != cp || r->err_code != 0))
			why = "package index or error code";
		if (why != NULL)
			sim_result(0, "upload", "%s", why);
		else
			sim_result(1, "upload", "0x230c package %d, "
			    "sample time %s", cp, iso);
		hm__package_to_dtu__free_unpacked(r, NULL);
	}
}

/* the time fields of any ack: all three, or only the time */
static const char *
ack_clock(uint16_t cmd, const uint8_t *p, size_t n)
{
	Hm__PackageToDtu		*pk;
	Hm__HeartbeatToDtu		*hb;
	Hm__DevDataToDtu		*dd;
	Hm__CommandStatusToDtu		*cs;
	Hm__DevConfigReportToDtu	*cr;
	const char			*why = "reply does not unpack";

	switch (cmd) {
	case 0x2302:
		if ((hb = hm__heartbeat_to_dtu__unpack(NULL, n, p)) == NULL)
			break;
		why = bad_clock(hb->time, hb->offset, hb->ymd_hms);
		hm__heartbeat_to_dtu__free_unpacked(hb, NULL);
		break;
	case 0x2301:
		if ((dd = hm__dev_data_to_dtu__unpack(NULL, n, p)) == NULL)
			break;
		why = bad_clock(dd->time, dd->offset, dd->ymd_hms);
		hm__dev_data_to_dtu__free_unpacked(dd, NULL);
		break;
	case 0x2306:
		if ((cs = hm__command_status_to_dtu__unpack(NULL, n, p)) ==
		    NULL)
			break;
		why = labs((long)cs->time - (long)time(NULL)) > 2 ?
		    "time" : NULL;
		hm__command_status_to_dtu__free_unpacked(cs, NULL);
		break;
	case 0x230e:
		if ((cr = hm__dev_config_report_to_dtu__unpack(NULL, n, p)) ==
		    NULL)
			break;
		why = labs((long)cr->time - (long)time(NULL)) > 2 ? "time" :
		    strcmp(cr->dtu_sn, DTU_SN) != 0 ? "DTU serial" : NULL;
		hm__dev_config_report_to_dtu__free_unpacked(cr, NULL);
		break;
	default:
		if ((pk = hm__package_to_dtu__unpack(NULL, n, p)) == NULL)
			break;
		why = bad_clock(pk->time, pk->offset, pk->ymd_hms);
		if (why == NULL && (pk->package_idx != 0 || pk->err_code != 0))
			why = "package index or error code";
		hm__package_to_dtu__free_unpacked(pk, NULL);
		break;
	}
	return (why);
}

/* a frame whose payload the gateway cannot use, and its ack */
static void
unusable(const char *step, const char *arg, int junk)
{
	uint8_t		 f[4096];
	size_t		 n, plen = junk ? 24 : 0;
	unsigned long	 cmd, seq;
	char		*end;
	const char	*why;

	cmd = strtoul(arg, &end, 16);
	if (*end != ':' || (cmd >> 8) != 0x22)
		errx(100, "%s:CMD:SEQ with a 0x22xx command", step);
	seq = strtoul(end + 1, NULL, 10);
	f[0] = 'H';
	f[1] = 'M';
	put16(f + 2, (uint16_t)cmd);
	put16(f + 4, (uint16_t)seq);
	memset(f + 10, 0xff, plen);
	put16(f + 6, pv_crc16_modbus(f + 10, plen));
	put16(f + 8, (uint16_t)(plen + 10));
	sim_send_all(c.fd, f, plen + 10);
	if (answer(step, cmd + 0x100, seq, f, &n) == -1)
		return;
	if ((why = ack_clock(cmd + 0x100, f + 10, n - 10)) != NULL)
		sim_result(0, step, "0x%04lx: %s", cmd + 0x100, why);
	else
		sim_result(1, step, "0x%04lx seq %lu for 0x%04lx", cmd + 0x100,
		    seq, cmd);
}

static void
expect(const char *arg)
{
	uint8_t		 f[4096];
	size_t		 n;
	unsigned long	 cmd, seq;
	char		*end;

	cmd = strtoul(arg, &end, 16);
	if (*end != ':')
		errx(100, "expect:CMD:SEQ");
	seq = strtoul(end + 1, NULL, 10);
	if (answer("expect", cmd, seq, f, &n) == 0)
		sim_result(1, "expect", "0x%04lx seq %lu", cmd, seq);
}

static void
dtu(int argc, char *argv[])
{
	uint8_t			 buf[65536];
	char			*arg, *val;
	size_t			 n;
	int			 i;

	sim_open(&c, sim_connect("127.0.0.1", NULL, port));
	for (i = 0; i < argc; i++) {
		arg = argv[i];
		if ((val = strchr(arg, ':')) == NULL)
			errx(100, "step %s without an argument", arg);
		*val++ = '\0';
		if (strcmp(arg, "heartbeat") == 0)
			heartbeat((uint16_t)atoi(val));
		else if (strcmp(arg, "devdata") == 0)
			devdata((uint16_t)atoi(val));
		else if (strcmp(arg, "upload") == 0)
			upload((uint16_t)atoi(val));
		else if (strcmp(arg, "empty") == 0 ||
		    strcmp(arg, "junk") == 0)
			unusable(arg, val, arg[0] == 'j');
		else if (strcmp(arg, "send") == 0) {
			n = sim_load_hex(val, buf, sizeof(buf));
			sim_send_all(c.fd, buf, n);
		} else if (strcmp(arg, "expect") == 0)
			expect(val);
		else if (strcmp(arg, "silence") == 0)
			sim_silence(&c, atoi(val));
		else if (strcmp(arg, "sleep") == 0)
			usleep(atoi(val) * 1000);
		else
			errx(100, "unknown step %s", arg);
	}
	sim_hangup(&c);
}

/* an owner's command: said as one line, answered at once; 1 */
static int
command(const uint8_t *f, size_t n)
{
	Hm__CommandToDtu	*m;
	Hm__CommandFromDtu	 a;
	char			 sns[128], w[20], data[64];
	size_t			 i;
	long			 skew;
	int			 lim;

	if ((m = hm__command_to_dtu__unpack(NULL, n - 10, f + 10)) == NULL) {
		sim_result(0, "command", "0x%04x does not unpack",
		    pv_be16(f + 2));
		return (-1);
	}
	sns[0] = '\0';
	for (i = 0; i < m->n_mi_to_sn; i++) {
		(void)snprintf(w, sizeof(w), " %012llX",
		    (unsigned long long)m->mi_to_sn[i]);
		(void)strlcat(sns, w, sizeof(sns));
	}
	pv_text(data, sizeof(data), (const uint8_t *)(m->data ? m->data : ""),
	    m->data ? strlen(m->data) : 0);
	skew = (long)m->tid - (long)time(NULL);
	sim_result(skew >= -2 && skew <= 2 && (m->time == 0 ||
	    m->time == m->tid), "command", "0x%04x seq %u action %d dev_kind "
	    "%d package_nub %d tid=%s mi_to_sn%s data %s", pv_be16(f + 2),
	    pv_be16(f + 4), m->action, m->dev_kind, m->package_nub,
	    skew >= -2 && skew <= 2 ? "time" : "wrong", sns[0] ? sns : " -",
	    data[0] ? data : "-");
	hm__command_from_dtu__init(&a);
	a.dtu_sn = DTU_SN;
	a.time = (int32_t)time(NULL);
	a.action = m->action;
	a.tid = m->tid;
	a.err_code = commands++ == 0 ? firsterr : 0;
	if (m->action == 8 && a.err_code == 0 && m->data != NULL &&
	    sscanf(m->data, "A:%d,", &lim) == 1)
		limit = lim;
	hm__command_to_dtu__free_unpacked(m, NULL);
	send_msg(pv_be16(f + 2) - 0x0100, pv_be16(f + 4), &a.base);
	return (1);
}

/* 0xA309: the configuration, with the power limit; 1 */
static int
config(const uint8_t *f, size_t n)
{
	Hm__GetConfigToDtu	*q;
	Hm__GetConfigFromDtu	 a;
	struct tm		 tm;
	time_t			 now = time(NULL);
	long			 skew;
	int			 ok;

	if ((q = hm__get_config_to_dtu__unpack(NULL, n - 10, f + 10)) ==
	    NULL) {
		sim_result(0, "config", "0xa309 does not unpack");
		return (-1);
	}
	(void)localtime_r(&now, &tm);
	skew = (long)q->time - (long)now;
	ok = skew >= -2 && skew <= 2 && q->offset == tm.tm_gmtoff;
	sim_result(ok, "config", "0xa309 seq %u, limit %d%s", pv_be16(f + 4),
	    limit, ok ? "" : " (its clock is wrong)");
	hm__get_config_to_dtu__free_unpacked(q, NULL);
	hm__get_config_from_dtu__init(&a);
	a.offset = tm.tm_gmtoff;
	a.time = (int32_t)now;
	a.limit_case = HM__GET_CONFIG_FROM_DTU__LIMIT_LIMIT_POWER_MYPOWER;
	a.limit_power_mypower = limit;
	a.dtu_sn = DTU_SN;
	send_msg(0xa209, pv_be16(f + 4), &a.base);
	return (1);
}

/*
 * One request of a poller: check it, and answer after a while, during
 * which no other request may come.  0 answered, -1 failed, -2 nothing
 * came within wait_ms.
 */
static int	 command(const uint8_t *, size_t);
static int	 config(const uint8_t *, size_t);

static int
serve_one(int wait_ms, int *cp, uint16_t *seq)
{
	Hm__RealDataNewFromDtu	 m;
	Hm__PackageToDtu	*q;
	uint8_t			 f[4096];
	size_t			 n;
	const char		*why;
	int			 r;

	if ((r = next_frame("request", f, sizeof(f), &n, wait_ms)) != 0)
		return (r);
	*seq = pv_be16(f + 4);
	if (pv_be16(f + 2) == 0xa305 || pv_be16(f + 2) == 0x2305)
		return (command(f, n));
	if (pv_be16(f + 2) == 0xa309)
		return (config(f, n));
	if (pv_be16(f + 2) != 0xa311 || (q = hm__package_to_dtu__unpack(NULL,
	    n - 10, f + 10)) == NULL) {
		sim_result(0, "request", "command 0x%04x", pv_be16(f + 2));
		return (-1);
	}
	why = bad_clock(q->time, q->offset, q->ymd_hms);
	*cp = q->package_idx;
	hm__package_to_dtu__free_unpacked(q, NULL);
	if (why != NULL || *cp < 0 || *cp > 1) {
		sim_result(0, "request", "%s", why ? why : "package index");
		return (-1);
	}
	/* a second request while this one is unanswered is a failure */
	if (sim_fill(&c, ANSWER_DELAY_MS) != 0 || c.len != 0) {
		sim_result(0, "request", "another request before the answer");
		return (-1);
	}
	realdata(&m, *cp, (int32_t)time(NULL) - 5);
	send_msg(0xa211, *seq, &m.base);
	return (0);
}

/*
 * Serve want requests.  The first connection is hung up after hangup
 * answers (0: never); on a connection, a new poll (package 0 after
 * the first request) must come ivl seconds or more after the last
 * answer.
 */
static void
server(int want, int wantcmd, int wait_s, int hangup, int ivl)
{
	struct timespec		 last = { 0, 0 }, now;
	uint16_t		 seq;
	int			 ls, s, answered = 0, conns = 0, cp, r, rv;
	long			 gap;

	ls = sim_listen("127.0.0.1", port);
	while (answered < want || commands < wantcmd) {
		if ((s = sim_accept(ls, wait_s * 1000)) == -1) {
			sim_result(0, "accept", "no connection in %d s",
			    wait_s);
			break;
		}
		sim_open(&c, s);
		sim_result(1, "accept", "connection %d", ++conns);
		for (r = 0; answered < want || commands < wantcmd; r++) {
			if (conns == 1 && hangup > 0 && r == hangup)
				break;
			if ((rv = serve_one(wait_s * 1000, &cp, &seq)) == 1) {
				r--;
				continue;
			}
			if (rv != 0)
				break;
			clock_gettime(CLOCK_MONOTONIC, &now);
			answered++;
			if (r > 0 && cp == 0) {
				gap = now.tv_sec - last.tv_sec;
				sim_result(gap >= ivl - 1, "request", "0xa311 "
				    "seq %u package 0, a new poll %ld s after "
				    "the last", seq, gap);
			} else
				sim_result(1, "request", "0xa311 seq %u "
				    "package %d answered", seq, cp);
			last = now;
		}
		sim_hangup(&c);
		if (conns == 1 && hangup > 0 && r == hangup)
			sim_result(1, "hangup", "after %d requests", r);
	}
	close(ls);
	sim_result(answered >= want, "served", "%d of %d requests", answered,
	    want);
	if (wantcmd > 0)
		sim_result(commands == wantcmd, "commands", "%d of %d",
		    commands, wantcmd);
}

int
main(int argc, char *argv[])
{
	const char	*errstr;
	int		 ch, serve = 0, want = 4, wait_s = 10, hangup = 0;
	int		 ivl = 0, wantcmd = 0;

	sim_label = "hmsim";
	while ((ch = getopt(argc, argv, "e:i:k:l:n:p:sw:x:")) != -1) {
		switch (ch) {
		case 'e':
			firsterr = strtonum(optarg, 0, 255, &errstr);
			if (errstr != NULL)
				errx(100, "-e %s: %s", optarg, errstr);
			break;
		case 'k':
			wantcmd = strtonum(optarg, 0, 100, &errstr);
			if (errstr != NULL)
				errx(100, "-k %s: %s", optarg, errstr);
			break;
		case 'i':
			ivl = strtonum(optarg, 0, 86400, &errstr);
			if (errstr != NULL)
				errx(100, "-i %s: %s", optarg, errstr);
			break;
		case 'x':
			hangup = strtonum(optarg, 0, 1000, &errstr);
			if (errstr != NULL)
				errx(100, "-x %s: %s", optarg, errstr);
			break;
		case 'l':
			sim_label = optarg;
			break;
		case 'n':
			want = strtonum(optarg, 1, 1000, &errstr);
			if (errstr != NULL)
				errx(100, "-n %s: %s", optarg, errstr);
			break;
		case 'p':
			port = sim_port(optarg);
			break;
		case 's':
			serve = 1;
			break;
		case 'w':
			wait_s = strtonum(optarg, 1, 3600, &errstr);
			if (errstr != NULL)
				errx(100, "-w %s: %s", optarg, errstr);
			break;
		default:
			fprintf(stderr, "usage: hmsim [-l label] -p port "
			    "step ...\n       hmsim -s [-e error] [-i interval] "
			    "[-k commands] [-l label] [-n requests] [-w seconds] "
			    "[-x hangup] -p port\n");
			return (100);
		}
	}
	if (port == 0)
		errx(100, "no port");
	if (serve)
		server(want, wantcmd, wait_s, hangup, ivl);
	else
		dtu(argc - optind, argv + optind);
	return (sim_status());
}
