/*
 * Unit tests of records (proto/record.c, proto/metrics.c), the
 * exporter's formatters and files (exporter/), and key files
 * (lib/keyfile.c).  One line per case: "ok - name" or
 * "not ok - name: detail"; exit 1 if any failed.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "pvgate.h"
#include "proto.h"
#include "record.h"
#include "exporter/exporter.h"
#include "keyfile.h"

#ifndef nitems
#define nitems(_a)	(sizeof((_a)) / sizeof((_a)[0]))
#endif

/* 2024-04-11T18:46:37Z */
#define T_EXAMPLE	1712861197

static const char example_json[] =
    "{\"time\":\"2024-04-11T18:46:37Z\",\"kind\":\"measurement\","
    "\"protocol\":\"solarman-v5\",\"device\":\"Y17E7A0F010B013E\","
    "\"via\":\"2000000000\",\"peer\":\"192.0.2.10:51512\","
    "\"metrics\":{\"ac_power\":812.3,\"ac_voltage\":231.2},"
    "\"attributes\":{\"model\":\"TSOL-MS800\"}}\n";

static char	 detail[1024];
static char	 tmpdir[PATH_MAX];

#define EXPECT(cond, ...) do {						\
	if (!(cond))							\
		return (why(__VA_ARGS__));				\
} while (0)

typedef const char *(*test_fn)(void);

static const char *why(const char *, ...)
		    __attribute__((__format__ (printf, 1, 2)));
static void	 example(struct record *);
static size_t	 example_pack(uint8_t *, size_t);
static int	 all_printable(const char *, size_t);
static void	 rmtree(const char *);
static const char *t_metric_table(void);
static const char *t_metric_value(void);
static const char *t_metric_name(void);
static const char *t_record_build(void);
static const char *t_json_example(void);
static const char *t_json_hostile(void);
static const char *t_json_attrs(void);
static const char *t_json_event(void);
static const char *t_json_small(void);
static const char *t_json_worst(void);
static const char *t_batch(void);
static const char *t_pack_roundtrip(void);
static const char *t_pack_refuse(void);
static const char *t_unpack_truncated(void);
static const char *t_unpack_trailing(void);
static const char *t_unpack_counts(void);
static const char *t_unpack_strings(void);
static const char *t_unpack_text(void);
static const char *t_unpack_fields(void);
static const char *t_syslog_record(void);
static const char *t_syslog_quoting(void);
static const char *t_syslog_send(void);
static const char *t_syslog_open(void);
static const char *t_dump_line(void);
static const char *t_dump_line_v6(void);
static const char *t_dump_line_hostile(void);
static const char *t_dump_write(void);
static const char *t_dump_write_refuse(void);
static const char *t_seal(void);
static const char *t_seal_refuse(void);
static const char *t_keyfile(void);
static const char *t_keyfile_perms(void);
static const char *t_keyfile_bad(void);

static const struct {
	const char	*name;
	test_fn		 fn;
} tests[] = {
	{ "metric table", t_metric_table },
	{ "metric_value edge cases", t_metric_value },
	{ "metric_name", t_metric_name },
	{ "record building", t_record_build },
	{ "json_record design example", t_json_example },
	{ "json_record hostile strings, no via, no attributes",
	    t_json_hostile },
	{ "json_record hostile attributes", t_json_attrs },
	{ "json_record of an event", t_json_event },
	{ "json_record small buffers", t_json_small },
	{ "json_record worst case fits", t_json_worst },
	{ "record batches (IMSG_RECORD)", t_batch },
	{ "record_pack round trip", t_pack_roundtrip },
	{ "record_pack refuses", t_pack_refuse },
	{ "record_unpack truncated", t_unpack_truncated },
	{ "record_unpack trailing bytes", t_unpack_trailing },
	{ "record_unpack bad counts", t_unpack_counts },
	{ "record_unpack bad strings", t_unpack_strings },
	{ "record_unpack long values, the record's text", t_unpack_text },
	{ "record_unpack bad fields", t_unpack_fields },
	{ "syslog_record", t_syslog_record },
	{ "syslog_record quoting", t_syslog_quoting },
	{ "syslog_send over socketpair", t_syslog_send },
	{ "syslog_open", t_syslog_open },
	{ "dump_line", t_dump_line },
	{ "dump_line IPv6 and no peer", t_dump_line_v6 },
	{ "dump_line hostile reason", t_dump_line_hostile },
	{ "dump_write and date rollover", t_dump_write },
	{ "dump_write refuses partial lines", t_dump_write_refuse },
	{ "dump_seal and dump_unseal", t_seal },
	{ "dump_unseal refuses", t_seal_refuse },
	{ "keyfile write and read", t_keyfile },
	{ "keyfile permissions", t_keyfile_perms },
	{ "keyfile malformed", t_keyfile_bad }
};

/* the detail of a failure, cut to fit one line */
static const char *
why(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return (detail);
}

static void
example(struct record *r)
{
	record_init(r, REC_MEASUREMENT, PROTO_SOLARMAN_V5, T_EXAMPLE);
	strlcpy(r->device, "Y17E7A0F010B013E", sizeof(r->device));
	strlcpy(r->via, "2000000000", sizeof(r->via));
	strlcpy(r->peer, "192.0.2.10:51512", sizeof(r->peer));
	record_metric(r, M_AC_POWER, 0, 8123, 1);
	record_metric(r, M_AC_VOLTAGE, 0, 2312, 1);
	record_attr(r, A_MODEL, "TSOL-MS800");
}

/*
 * A small packed record with known offsets: device "D", via "",
 * peer "P", metrics ac_power and pv1_voltage, attribute model "M".
 *   0 version  1 kind  2 proto  4 time  12 device  15 via  17 peer
 *   20 nmetrics  22 nattrs  24 metric[0]  36 metric[1]  48 attr[0]
 *   (48 id, 50 length, 51 "M", 52 NUL), 53 end
 */
static size_t
example_pack(uint8_t *buf, size_t len)
{
	struct record	 r;

	record_init(&r, REC_MEASUREMENT, PROTO_SOLARMAN_V5, T_EXAMPLE);
	strlcpy(r.device, "D", sizeof(r.device));
	strlcpy(r.peer, "P", sizeof(r.peer));
	record_metric(&r, M_AC_POWER, 0, 8123, 1);
	record_metric(&r, M_PV_VOLTAGE, 1, 3000, 1);
	record_attr(&r, A_MODEL, "M");
	return (record_pack(&r, buf, len));
}

static int
all_printable(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return (0);
	return (1);
}

static const char *
t_metric_table(void)
{
	const struct metric_def	*d;
	int			 i;

	for (i = M_NONE + 1; i < M_MAX; i++) {
		d = &metric_defs[i];
		EXPECT(d->name != NULL && d->unit != NULL, "metric %d empty",
		    i);
		EXPECT((strstr(d->name, "%u") != NULL) == (d->indexed != 0),
		    "%s: indexed %d", d->name, d->indexed);
		EXPECT(d->state_class == NULL ||
		    strcmp(d->state_class, "measurement") == 0 ||
		    strcmp(d->state_class, "total_increasing") == 0,
		    "%s: state_class %s", d->name, d->state_class);
		/* out_json.c writes names without escaping them */
		EXPECT(strspn(d->name, "abcdefghijklmnopqrstuvwxyz0123456789_%")
		    == strlen(d->name), "%s: not plain [a-z0-9_]", d->name);
		if (d->device_class != NULL &&
		    strcmp(d->device_class, "energy") == 0)
			EXPECT(d->state_class != NULL &&
			    strcmp(d->state_class, "total_increasing") == 0,
			    "%s: energy is not total_increasing", d->name);
	}
	EXPECT(strcmp(metric_defs[M_PV_ENERGY_TOTAL].name,
	    "pv%u_energy_total") == 0, "pv energy total name");
	EXPECT(strcmp(metric_defs[M_TEMPERATURE].unit, "\302\260C") == 0,
	    "temperature unit");
	EXPECT(metric_defs[M_SIGNAL].device_class == NULL,
	    "signal is %%, not signal_strength");
	for (i = A_NONE + 1; i < A_MAX; i++)
		EXPECT(attr_names[i] != NULL, "attribute %d unnamed", i);
	EXPECT(strcmp(attr_names[A_SENSOR_LIST], "sensor_list") == 0,
	    "sensor_list");
	return (NULL);
}

static const char *
t_metric_value(void)
{
	static const struct {
		int64_t		 raw;
		int		 decimals;
		const char	*text;
	} v[] = {
		{ 2248, 1, "224.8" },
		{ -10268, 4, "-1.0268" },
		{ 2260, 1, "226" },
		{ 5, 2, "0.05" },
		{ -5, 2, "-0.05" },
		{ 0, 0, "0" },
		{ 0, 9, "0" },
		{ 100, 2, "1" },
		{ 1000, 0, "1000" },
		{ 1200, 3, "1.2" },
		{ 1, 9, "0.000000001" },
		{ -1000000000, 9, "-1" },
		{ INT64_MAX, 0, "9223372036854775807" },
		{ INT64_MIN, 0, "-9223372036854775808" },
		{ INT64_MIN, 9, "-9223372036.854775808" },
		{ INT64_MAX, 9, "9223372036.854775807" },
		{ INT64_MIN + 8, 3, "-9223372036854775.8" }
	};
	struct metric	 m;
	char		 buf[64];
	size_t		 i;
	int		 n;

	memset(&m, 0, sizeof(m));
	m.id = M_AC_POWER;
	for (i = 0; i < nitems(v); i++) {
		m.raw = v[i].raw;
		m.decimals = v[i].decimals;
		n = metric_value(&m, buf, sizeof(buf));
		EXPECT(n >= 0 && strcmp(buf, v[i].text) == 0 &&
		    (size_t)n == strlen(v[i].text), "%lld/%d: got %d \"%s\", "
		    "want \"%s\"", (long long)v[i].raw, v[i].decimals, n,
		    n >= 0 ? buf : "", v[i].text);
	}
	m.raw = 1;
	m.decimals = 10;
	EXPECT(metric_value(&m, buf, sizeof(buf)) == -1, "decimals 10");
	m.raw = 2248;
	m.decimals = 1;
	EXPECT(metric_value(&m, buf, 5) == -1, "no room for the NUL");
	EXPECT(metric_value(&m, buf, 6) == 5, "exact fit");
	EXPECT(metric_value(&m, buf, 0) == -1, "empty buffer");
	return (NULL);
}

static const char *
t_metric_name(void)
{
	struct metric	 m;
	char		 buf[32];

	memset(&m, 0, sizeof(m));
	m.id = M_PV_VOLTAGE;
	m.index = 2;
	EXPECT(metric_name(&m, buf, sizeof(buf)) == 11 &&
	    strcmp(buf, "pv2_voltage") == 0, "pv2_voltage: %s", buf);
	m.id = M_CELL_TEMPERATURE;
	m.index = 255;
	EXPECT(metric_name(&m, buf, sizeof(buf)) > 0 &&
	    strcmp(buf, "cell255_temperature") == 0, "cell255: %s", buf);
	m.id = M_AC_POWER;
	m.index = 0;
	EXPECT(metric_name(&m, buf, sizeof(buf)) == 8 &&
	    strcmp(buf, "ac_power") == 0, "ac_power: %s", buf);
	EXPECT(metric_name(&m, buf, 8) == -1, "truncation");
	m.index = 1;
	EXPECT(metric_name(&m, buf, sizeof(buf)) == -1, "index on ac_power");
	m.id = M_PV_POWER;
	m.index = 0;
	EXPECT(metric_name(&m, buf, sizeof(buf)) == -1, "pv0");
	m.id = M_MAX;
	EXPECT(metric_name(&m, buf, sizeof(buf)) == -1, "M_MAX");
	m.id = M_NONE;
	EXPECT(metric_name(&m, buf, sizeof(buf)) == -1, "M_NONE");
	return (NULL);
}

static const char *
t_record_build(void)
{
	static struct record	 r;
	const struct metric	*m;
	char			 big[400];
	int			 i;

	record_init(&r, REC_DEVICE, PROTO_CAPTURE, 42);
	EXPECT(r.kind == REC_DEVICE && r.proto == PROTO_CAPTURE &&
	    r.time == 42 && r.nmetrics == 0 && r.nattrs == 0, "init");
	EXPECT(record_metric(&r, M_NONE, 0, 1, 0) == -1, "M_NONE");
	EXPECT(record_metric(&r, M_MAX, 0, 1, 0) == -1, "M_MAX");
	EXPECT(record_metric(&r, -1, 0, 1, 0) == -1, "-1");
	EXPECT(record_metric(&r, M_AC_POWER, 0, 1, 10) == -1, "decimals");
	EXPECT(record_metric(&r, M_AC_POWER, 0, 1, -1) == -1, "decimals<0");
	EXPECT(record_metric(&r, M_AC_POWER, 1, 1, 0) == -1, "index");
	EXPECT(record_metric(&r, M_PV_POWER, 0, 1, 0) == -1, "pv0");
	EXPECT(record_metric(&r, M_PV_POWER, 256, 1, 0) == -1, "pv256");
	EXPECT(r.nmetrics == 0, "bad metrics were added");

	EXPECT(record_metric(&r, M_PV_POWER, 1, 100, 0) == 0, "pv1");
	EXPECT(record_metric(&r, M_PV_POWER, 2, 200, 0) == 0, "pv2");
	EXPECT(record_metric(&r, M_PV_POWER, 1, 150, 1) == 0, "pv1 again");
	EXPECT(r.nmetrics == 2, "a metric was added twice");
	m = record_find(&r, M_PV_POWER, 1);
	EXPECT(m != NULL && m->raw == 150 && m->decimals == 1, "replaced");
	EXPECT(record_find(&r, M_PV_POWER, 3) == NULL, "found pv3");

	for (i = 1; r.nmetrics < RECORD_MAX_METRICS; i++)
		EXPECT(record_metric(&r, M_CELL_VOLTAGE, i, i, 3) == 0,
		    "cell %d", i);
	EXPECT(record_metric(&r, M_AC_POWER, 0, 1, 0) == -1, "full");
	EXPECT(record_metric(&r, M_PV_POWER, 2, 7, 0) == 0,
	    "replace in a full record");

	EXPECT(record_attr(&r, A_NONE, "x") == -1, "A_NONE");
	EXPECT(record_attr(&r, A_MAX, "x") == -1, "A_MAX");
	EXPECT(record_attr(&r, A_MODEL, NULL) == -1, "NULL value");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	EXPECT(record_attr(&r, A_MODEL, big) == -1, "too long a value");
	EXPECT(strlen(record_findattr(&r, A_MODEL)) == RECORD_VALUELEN - 1,
	    "not cut to %d", RECORD_VALUELEN - 1);
	big[RECORD_VALUELEN - 1] = '\0';
	EXPECT(record_attr(&r, A_REASON, big) == 0 &&
	    strcmp(record_findattr(&r, A_REASON), big) == 0,
	    "a value of %d characters, whole", RECORD_VALUELEN - 1);
	EXPECT(record_attr(&r, A_MODEL, "m2") == 0 && r.nattrs == 2 &&
	    strcmp(record_findattr(&r, A_MODEL), "m2") == 0 &&
	    strcmp(record_findattr(&r, A_REASON), big) == 0, "replace");
	EXPECT(record_attr(&r, A_REASON, "r") == 0 && r.textlen == 5,
	    "a shorter value frees the text: %u", r.textlen);
	/* the text fills: three long values fit, the fourth is cut */
	EXPECT(record_attr(&r, A_EVENT, big) == 0 &&
	    record_attr(&r, A_COMMAND, big) == 0 &&
	    record_attr(&r, A_SOURCE, big) == 0, "three long values");
	EXPECT(record_attr(&r, A_RESULT, big) == -1 &&
	    strlen(record_findattr(&r, A_RESULT)) == RECORD_TEXTLEN - 5 -
	    3 * RECORD_VALUELEN - 1 && r.textlen == RECORD_TEXTLEN,
	    "cut to the room left: %zu",
	    strlen(record_findattr(&r, A_RESULT)));
	EXPECT(record_attr(&r, A_SSID, "s") == -1 &&
	    record_findattr(&r, A_SSID) == NULL, "no room at all");
	EXPECT(record_attr(&r, A_EVENT, "e") == 0 &&
	    strcmp(record_findattr(&r, A_EVENT), "e") == 0 &&
	    strcmp(record_findattr(&r, A_COMMAND), big) == 0 &&
	    strcmp(record_findattr(&r, A_MODEL), "m2") == 0 &&
	    record_attr(&r, A_SSID, "s") == 0, "replaced in a full text");
	record_init(&r, REC_DEVICE, PROTO_SOLARMAN_V5, 0);
	EXPECT(record_findattr(&r, A_SSID) == NULL, "found ssid");
	for (i = A_NONE + 1; i < A_MAX; i++)
		EXPECT(record_attr(&r, i, "v") == 0, "attr %d", i);
	EXPECT(r.nattrs == A_MAX - 1, "nattrs %d", r.nattrs);
	/* more slots than names: fill them by hand */
	while (r.nattrs < RECORD_MAX_ATTRS)
		r.attrs[r.nattrs++].id = A_MODEL;
	r.attrs[A_SSID - 1].id = A_MODEL;
	EXPECT(record_attr(&r, A_SSID, "x") == -1, "added to a full record");
	return (NULL);
}

static const char *
t_json_example(void)
{
	struct record	 r;
	char		 buf[JSON_RECORD_MAX];
	size_t		 n;

	example(&r);
	n = json_record(&r, buf, sizeof(buf));
	EXPECT(n == strlen(example_json) && strcmp(buf, example_json) == 0,
	    "got %zu: %s", n, buf);
	return (NULL);
}

static const char *
t_json_hostile(void)
{
	static const char	 want[] =
	    "{\"time\":\"1970-01-01T00:00:00Z\",\"kind\":\"device\","
	    "\"protocol\":\"capture\","
	    "\"device\":\"a\\\"b\\\\c\\u0001\\n\\u007f\\u00ff\\u00c3\\u00a9\","
	    "\"peer\":\"[2001:db8::1]:5\",\"metrics\":{\"pv2_voltage\":312.5,"
	    "\"cell16_temperature\":-0.5,\"energy_total\":12345}}\n";
	struct record		 r;
	char			 buf[JSON_RECORD_MAX];
	size_t			 n;

	record_init(&r, REC_DEVICE, PROTO_CAPTURE, 0);
	strlcpy(r.device, "a\"b\\c\001\n\177\377\303\251", sizeof(r.device));
	strlcpy(r.peer, "[2001:db8::1]:5", sizeof(r.peer));
	record_metric(&r, M_PV_VOLTAGE, 2, 3125, 1);
	record_metric(&r, M_CELL_TEMPERATURE, 16, -5, 1);
	record_metric(&r, M_ENERGY_TOTAL, 0, 1234500, 2);
	n = json_record(&r, buf, sizeof(buf));
	EXPECT(n == strlen(want) && strcmp(buf, want) == 0, "got %s", buf);
	return (NULL);
}

/* an event: a blocked cloud frame, its kind, why, how many so far */
static const char *
t_json_event(void)
{
	static const char	 want[] =
	    "{\"time\":\"2024-04-11T18:46:37Z\",\"kind\":\"event\","
	    "\"protocol\":\"tsun-gen3\",\"device\":\"R170000000000001\","
	    "\"peer\":\"192.0.2.10:51512\",\"metrics\":{\"count\":3},"
	    "\"attributes\":{\"event\":\"cloud_blocked\","
	    "\"command\":\"firmware\",\"reason\":\"OTA update\"}}\n";
	struct record		 r, u;
	char			 buf[JSON_RECORD_MAX];
	uint8_t			 packed[4096];
	size_t			 n;

	record_init(&r, REC_EVENT, PROTO_TSUN_GEN3, T_EXAMPLE);
	strlcpy(r.device, "R170000000000001", sizeof(r.device));
	strlcpy(r.peer, "192.0.2.10:51512", sizeof(r.peer));
	record_attr(&r, A_EVENT, "cloud_blocked");
	record_attr(&r, A_COMMAND, "firmware");
	record_attr(&r, A_REASON, "OTA update");
	record_metric(&r, M_COUNT, 0, 3, 0);
	n = record_pack(&r, packed, sizeof(packed));
	EXPECT(n > 0 && record_unpack(&u, packed, n) == 0 &&
	    u.kind == REC_EVENT, "does not pack and unpack");
	n = json_record(&u, buf, sizeof(buf));
	EXPECT(n == strlen(want) && strcmp(buf, want) == 0, "got %s", buf);
	return (NULL);
}

static const char *
t_json_attrs(void)
{
	static const char	 want[] =
	    "{\"time\":\"2024-04-11T18:46:37Z\",\"kind\":\"device\","
	    "\"protocol\":\"solarman-v5\",\"device\":\"\",\"via\":\"v\","
	    "\"peer\":\"\",\"metrics\":{},\"attributes\":{"
	    "\"ssid\":\"my \\\"wifi\\\"\\t\\r\\u001b[2J\","
	    "\"firmware\":\"\\\\\\u0080\"}}\n";
	struct record		 r;
	char			 buf[JSON_RECORD_MAX];
	size_t			 n;

	record_init(&r, REC_DEVICE, PROTO_SOLARMAN_V5, T_EXAMPLE);
	strlcpy(r.via, "v", sizeof(r.via));
	record_attr(&r, A_SSID, "my \"wifi\"\t\r\033[2J");
	record_attr(&r, A_FIRMWARE, "\\\200");
	n = json_record(&r, buf, sizeof(buf));
	EXPECT(n == strlen(want) && strcmp(buf, want) == 0, "got %s", buf);

	/* a record whose strings fill their arrays without a NUL */
	memset(r.device, 'd', sizeof(r.device));
	memset(r.text, 's', sizeof(r.text));
	n = json_record(&r, buf, sizeof(buf));
	EXPECT(n > 0 && strstr(buf, "\"device\":\"dddd") != NULL &&
	    strlen(buf) == n, "unterminated strings: %s", buf);
	return (NULL);
}

static const char *
t_json_small(void)
{
	struct record	 r;
	char		 buf[512];
	size_t		 len, need, n;

	example(&r);
	need = strlen(example_json);
	for (len = 0; len <= need + 1; len++) {
		memset(buf, '#', sizeof(buf));
		n = json_record(&r, buf, len);
		if (len <= need)
			EXPECT(n == 0, "len %zu: returned %zu", len, n);
		else
			EXPECT(n == need, "len %zu: returned %zu", len, n);
		EXPECT(buf[len] == '#', "len %zu: wrote past the end", len);
	}
	n = syslog_record(&r, buf, sizeof(buf));
	EXPECT(n > 0, "syslog_record");
	need = n;
	for (len = 0; len <= need + 1; len++) {
		memset(buf, '#', sizeof(buf));
		n = syslog_record(&r, buf, len);
		EXPECT(n == (len <= need ? 0 : need), "syslog len %zu: %zu",
		    len, n);
		EXPECT(buf[len] == '#', "syslog len %zu: past the end", len);
	}
	r.time = INT64_MAX;
	EXPECT(json_record(&r, buf, sizeof(buf)) == 0, "time INT64_MAX");
	return (NULL);
}

static const char *
t_json_worst(void)
{
	static struct record	 r;
	static char		 buf[JSON_RECORD_MAX];
	static uint8_t		 packed[PVGATE_IMSG_PAYLOAD];
	static struct record	 back;
	size_t			 n, i, len;

	record_init(&r, REC_MEASUREMENT, PROTO_SOLARMAN_V5, 253402300799LL);
	memset(r.device, 0xff, sizeof(r.device) - 1);
	memset(r.via, 0xff, sizeof(r.via) - 1);
	memset(r.peer, 0xff, sizeof(r.peer) - 1);
	for (i = 0; i < RECORD_MAX_METRICS; i++)
		EXPECT(record_metric(&r, M_CELL_TEMPERATURE, 160 + i,
		    INT64_MIN, 9) == 0, "metric %zu", i);
	/* three values of the longest, the others share what is left */
	for (i = 0; i < RECORD_MAX_ATTRS; i++) {
		len = i < 3 ? RECORD_VALUELEN - 1 : (RECORD_TEXTLEN - 3 *
		    RECORD_VALUELEN) / (RECORD_MAX_ATTRS - 3) - 1;
		r.attrs[i].id = A_SENSOR_LIST;
		r.attrs[i].off = r.textlen;
		memset(r.text + r.textlen, 0x01, len);
		r.textlen += len + 1;
	}
	r.nattrs = RECORD_MAX_ATTRS;
	n = json_record(&r, buf, sizeof(buf));
	EXPECT(n > 0, "does not fit JSON_RECORD_MAX");
	EXPECT(all_printable(buf, n - 1) && buf[n - 1] == '\n',
	    "not printable ASCII");
	n = syslog_record(&r, buf, SYSLOG_RECORD_MAX);
	EXPECT(n > 0, "does not fit SYSLOG_RECORD_MAX");
	EXPECT(all_printable(buf, n), "syslog not printable ASCII");

	/* duplicate attributes do not pack; distinct ones fill the wire */
	EXPECT(record_pack(&r, packed, sizeof(packed)) == 0,
	    "duplicate attributes packed");
	r.nattrs = A_MAX - 1;
	for (i = 0; i < r.nattrs; i++)
		r.attrs[i].id = A_NONE + 1 + i;
	r.textlen = r.attrs[r.nattrs].off;
	memset(r.text + r.textlen, 0, RECORD_TEXTLEN - r.textlen);
	memset(&r.attrs[r.nattrs], 0, sizeof(r.attrs[0]) *
	    (RECORD_MAX_ATTRS - r.nattrs));
	n = record_pack(&r, packed, sizeof(packed));
	EXPECT(n > 0 && n <= PVGATE_IMSG_PAYLOAD, "pack: %zu", n);
	EXPECT(record_unpack(&back, packed, n) == 0, "unpack");
	EXPECT(memcmp(&r, &back, sizeof(r)) == 0, "differs");
	/* and it goes into an IMSG_RECORD batch on its own */
	EXPECT(record_batch_add(&r, packed, 0, sizeof(packed)) == n + 2,
	    "the largest record does not fit a batch of %d",
	    RECORD_BATCH_MAX);
	return (NULL);
}

static const char *
t_batch(void)
{
	static struct record	 r, back;
	static uint8_t		 b[RECORD_BATCH_MAX + 8];
	const uint8_t		*w;
	size_t			 len, one, off, wlen;
	int			 n;

	example(&r);
	one = record_batch_add(&r, b, 0, sizeof(b));
	EXPECT(one > 2, "first record");
	len = record_batch_add(&r, b, one, sizeof(b));
	EXPECT(len == 2 * one, "second record: %zu", len);
	for (off = 0, n = 0; record_batch_next(&back, b, len, &off, &w,
	    &wlen) == 1; n++)
		EXPECT(memcmp(&r, &back, sizeof(r)) == 0 &&
		    wlen == one - 2 && w == b + n * one + 2, "record %d", n);
	EXPECT(n == 2 && off == len, "%d records, at %zu", n, off);
	/* full: the batch stays as it was */
	while ((off = record_batch_add(&r, b, len, sizeof(b))) != len)
		len = off;
	EXPECT(len <= RECORD_BATCH_MAX && len + one > RECORD_BATCH_MAX,
	    "full at %zu", len);
	off = 0;
	EXPECT(record_batch_next(&back, b, 0, &off, &w, &wlen) == -1,
	    "empty batch taken");
	off = 0;
	EXPECT(record_batch_next(&back, b, one - 1, &off, &w, &wlen) == -1,
	    "truncated record taken");
	off = 0;
	EXPECT(record_batch_next(&back, b, one + 1, &off, &w, &wlen) == 1 &&
	    record_batch_next(&back, b, one + 1, &off, &w, &wlen) == -1,
	    "a lone length byte taken");
	b[0]++;
	off = 0;
	EXPECT(record_batch_next(&back, b, one, &off, &w, &wlen) == -1 &&
	    back.nmetrics == 0, "a length past the batch taken");
	b[0]--;
	b[1]--;
	off = 0;
	EXPECT(record_batch_next(&back, b, one, &off, &w, &wlen) == -1,
	    "a short length taken");
	return (NULL);
}

static const char *
t_pack_roundtrip(void)
{
	struct record	 r, back;
	uint8_t		 buf[4096], again[4096];
	size_t		 n, m;

	example(&r);
	record_metric(&r, M_PV_ENERGY_TOTAL, 4, INT64_MIN, 9);
	record_metric(&r, M_BATTERY_POWER, 0, -1, 0);
	record_attr(&r, A_SSID, "\001\377 x");
	n = record_pack(&r, buf, sizeof(buf));
	EXPECT(n > 0, "pack failed");
	EXPECT(buf[0] == 1 && buf[1] == REC_MEASUREMENT && buf[2] == 0 &&
	    buf[3] == PROTO_SOLARMAN_V5, "header bytes");
	EXPECT(record_unpack(&back, buf, n) == 0, "unpack failed");
	/* all a record holds: its bytes beyond the counts are not cleared */
	EXPECT(memcmp(&r, &back, offsetof(struct record, metrics)) == 0 &&
	    memcmp(r.metrics, back.metrics, r.nmetrics *
	    sizeof(r.metrics[0])) == 0 &&
	    memcmp(r.attrs, back.attrs, r.nattrs * sizeof(r.attrs[0])) == 0 &&
	    memcmp(r.text, back.text, r.textlen) == 0, "records differ");
	m = record_pack(&back, again, sizeof(again));
	EXPECT(m == n && memcmp(buf, again, n) == 0, "not canonical");
	EXPECT(record_pack(&r, buf, n - 1) == 0, "packed into n - 1");
	EXPECT(record_pack(&r, buf, n) == n, "exact fit");

	n = example_pack(buf, sizeof(buf));
	EXPECT(n == 53, "small pack is %zu bytes", n);
	return (NULL);
}

static const char *
t_pack_refuse(void)
{
	struct record	 r;
	uint8_t		 buf[4096];

	example(&r);
	r.kind = REC_EVENT + 1;
	EXPECT(record_pack(&r, buf, sizeof(buf)) == 0, "kind");
	example(&r);
	r.proto = PROTO_MAX;
	EXPECT(record_pack(&r, buf, sizeof(buf)) == 0, "proto");
	example(&r);
	r.nmetrics = RECORD_MAX_METRICS + 1;
	EXPECT(record_pack(&r, buf, sizeof(buf)) == 0, "nmetrics");
	example(&r);
	r.metrics[1] = r.metrics[0];
	EXPECT(record_pack(&r, buf, sizeof(buf)) == 0, "duplicate");
	example(&r);
	r.time = -1;
	EXPECT(record_pack(&r, buf, sizeof(buf)) == 0, "time");
	return (NULL);
}

static const char *
t_unpack_truncated(void)
{
	struct record	 r;
	uint8_t		 buf[4096];
	size_t		 n, i;

	example(&r);
	n = record_pack(&r, buf, sizeof(buf));
	for (i = 0; i < n; i++)
		EXPECT(record_unpack(&r, buf, i) == -1, "prefix %zu of %zu",
		    i, n);
	EXPECT(record_unpack(&r, NULL, 0) == -1, "empty");
	return (NULL);
}

static const char *
t_unpack_trailing(void)
{
	struct record	 r;
	uint8_t		 buf[256];
	size_t		 n;

	n = example_pack(buf, sizeof(buf));
	EXPECT(record_unpack(&r, buf, n) == 0, "valid pack refused");
	buf[n] = 0;
	EXPECT(record_unpack(&r, buf, n + 1) == -1, "one trailing byte");
	EXPECT(r.nmetrics == 0 && r.device[0] == '\0', "not zeroed");
	return (NULL);
}

static const char *
t_unpack_counts(void)
{
	struct record	 r;
	uint8_t		 buf[256], b[256];
	size_t		 n;

	n = example_pack(buf, sizeof(buf));
	memcpy(b, buf, n);
	b[21] = 3;		/* nmetrics 3, only 2 follow */
	EXPECT(record_unpack(&r, b, n) == -1, "nmetrics 3");
	memcpy(b, buf, n);
	b[21] = 1;		/* nmetrics 1: the rest misparses */
	EXPECT(record_unpack(&r, b, n) == -1, "nmetrics 1");
	memcpy(b, buf, n);
	b[20] = 0xff;
	EXPECT(record_unpack(&r, b, n) == -1, "nmetrics 0xff02");
	memcpy(b, buf, n);
	b[21] = RECORD_MAX_METRICS + 1;
	EXPECT(record_unpack(&r, b, n) == -1, "nmetrics 97");
	memcpy(b, buf, n);
	b[23] = 2;
	EXPECT(record_unpack(&r, b, n) == -1, "nattrs 2");
	memcpy(b, buf, n);
	b[23] = RECORD_MAX_ATTRS + 1;
	EXPECT(record_unpack(&r, b, n) == -1, "nattrs 17");
	memcpy(b, buf, n);
	b[23] = 0;
	EXPECT(record_unpack(&r, b, n) == -1, "nattrs 0 with an attr");
	EXPECT(record_unpack(&r, b, 48) == 0, "nattrs 0, cut at 48");
	return (NULL);
}

static const char *
t_unpack_strings(void)
{
	struct record	 r;
	uint8_t		 buf[256], b[256];
	size_t		 n;

	n = example_pack(buf, sizeof(buf));
	memcpy(b, buf, n);
	b[14] = 'x';		/* device "D" without its NUL */
	EXPECT(record_unpack(&r, b, n) == -1, "missing NUL");
	memcpy(b, buf, n);
	b[13] = '\0';		/* device with a NUL inside */
	EXPECT(record_unpack(&r, b, n) == -1, "embedded NUL");
	memcpy(b, buf, n);
	b[15] = 0;		/* via of length 0: no NUL at all */
	EXPECT(record_unpack(&r, b, n) == -1, "length 0");
	memcpy(b, buf, n);
	b[52] = 'y';		/* attribute value without its NUL */
	EXPECT(record_unpack(&r, b, n) == -1, "attr missing NUL");
	memcpy(b, buf, n);
	b[12] = 0xff;		/* device longer than the buffer */
	EXPECT(record_unpack(&r, b, n) == -1, "device length 255");

	/* a device of 64 bytes with its NUL does not fit */
	memset(b, 0, sizeof(b));
	memcpy(b, buf, 12);
	b[12] = RECORD_IDLEN + 1;
	memset(b + 13, 'd', RECORD_IDLEN);
	memcpy(b + 13 + RECORD_IDLEN + 1, buf + 15, n - 15);
	EXPECT(record_unpack(&r, b, n - 2 + RECORD_IDLEN + 1) == -1,
	    "device length 65");
	b[12] = RECORD_IDLEN;
	b[13 + RECORD_IDLEN - 1] = '\0';
	memmove(b + 13 + RECORD_IDLEN, b + 13 + RECORD_IDLEN + 1, n - 15);
	EXPECT(record_unpack(&r, b, n - 2 + RECORD_IDLEN) == 0 &&
	    strlen(r.device) == RECORD_IDLEN - 1, "device length 64");
	return (NULL);
}

/*
 * Values of 254 characters come through whole, as long as all of the
 * record's fit its text; one more is refused.
 */
static const char *
t_unpack_text(void)
{
	static struct record	 r, back;
	static uint8_t		 buf[4096], b[4096];
	char			 v[RECORD_VALUELEN];
	size_t			 n;
	int			 i;

	record_init(&r, REC_EVENT, PROTO_SOLARMAN_V5, T_EXAMPLE);
	strlcpy(r.device, "D", sizeof(r.device));
	memset(v, 'v', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	for (i = 0; i < 4; i++)
		EXPECT(record_attr(&r, A_EVENT + i, v) == 0, "attr %d", i);
	EXPECT(record_attr(&r, A_RESULT, "x") == 0, "the short one");
	n = record_pack(&r, buf, sizeof(buf));
	EXPECT(n > 0 && record_unpack(&back, buf, n) == 0 &&
	    strcmp(record_findattr(&back, A_SOURCE), v) == 0 &&
	    strcmp(record_findattr(&back, A_RESULT), "x") == 0 &&
	    back.textlen == RECORD_TEXTLEN - 2, "four of 254: whole");
	/* the short one made long: more than the text holds */
	memcpy(b, buf, n - 3);
	b[n - 3] = RECORD_VALUELEN;
	memset(b + n - 2, 'w', RECORD_VALUELEN - 1);
	b[n - 3 + RECORD_VALUELEN] = '\0';
	EXPECT(record_unpack(&back, b, n - 2 + RECORD_VALUELEN) == -1,
	    "five of 254 unpacked");
	return (NULL);
}

static const char *
t_unpack_fields(void)
{
	static const struct {
		size_t		 off;
		uint8_t		 val;
		const char	*what;
	} bad[] = {
		{ 0, 2, "version 2" },
		{ 0, 0, "version 0" },
		{ 1, REC_EVENT + 1, "kind 3" },
		{ 3, PROTO_NONE, "proto none" },
		{ 3, PROTO_MAX, "proto max" },
		{ 2, 1, "proto 256" },
		{ 4, 0x80, "negative time" },
		{ 6, 0x01, "time after 9999" },
		{ 25, M_NONE, "metric id 0" },
		{ 25, M_MAX, "metric id M_MAX" },
		{ 24, 1, "metric id 256" },
		{ 26, 1, "index on ac_power" },
		{ 38, 0, "pv0_voltage" },
		{ 27, 10, "decimals 10" },
		{ 27, 0xff, "decimals 255" },
		{ 49, A_NONE, "attribute id 0" },
		{ 49, A_MAX, "attribute id A_MAX" },
		{ 48, 1, "attribute id 256" }
	};
	struct record	 r;
	uint8_t		 buf[256], b[256];
	size_t		 n, i;

	n = example_pack(buf, sizeof(buf));
	EXPECT(buf[25] == M_AC_POWER && buf[37] == M_PV_VOLTAGE &&
	    buf[38] == 1 && buf[49] == A_MODEL, "layout changed");
	for (i = 0; i < nitems(bad); i++) {
		memcpy(b, buf, n);
		b[bad[i].off] = bad[i].val;
		EXPECT(record_unpack(&r, b, n) == -1, "%s", bad[i].what);
	}
	memcpy(b, buf, n);
	b[37] = M_AC_POWER;
	b[38] = 0;
	EXPECT(record_unpack(&r, b, n) == -1, "duplicate metric");
	memcpy(b, buf, n);
	b[51] = 'x';
	EXPECT(record_unpack(&r, b, n) == 0, "attribute \"x\" refused");
	/* the same metric id with another index is fine */
	memcpy(b, buf, n);
	b[37] = M_PV_POWER;
	EXPECT(record_unpack(&r, b, n) == 0, "pv1_power refused");
	memcpy(b, buf, n);
	b[27] = 9;
	EXPECT(record_unpack(&r, b, n) == 0, "decimals 9 refused");
	return (NULL);
}

static const char *
t_syslog_record(void)
{
	static const char	 want[] =
	    "kind=measurement protocol=solarman-v5 device=Y17E7A0F010B013E "
	    "via=2000000000 peer=192.0.2.10:51512 time=2024-04-11T18:46:37Z "
	    "ac_power=812.3 ac_voltage=231.2 model=TSOL-MS800";
	struct record		 r;
	char			 buf[SYSLOG_RECORD_MAX];
	size_t			 n;

	example(&r);
	n = syslog_record(&r, buf, sizeof(buf));
	EXPECT(n == strlen(want) && strcmp(buf, want) == 0, "got %s", buf);
	return (NULL);
}

static const char *
t_syslog_quoting(void)
{
	static const char	 want[] =
	    "kind=device protocol=capture device=\"\" "
	    "peer=a\\\\b\\x01\\xff time=1970-01-01T00:00:10Z "
	    "pv3_current=-0.25 ssid=\"my \\\"net\\\"\" "
	    "firmware=\"a=b\\x0a\"";
	struct record		 r;
	char			 buf[SYSLOG_RECORD_MAX];
	size_t			 n;

	record_init(&r, REC_DEVICE, PROTO_CAPTURE, 10);
	strlcpy(r.peer, "a\\b\001\377", sizeof(r.peer));
	record_metric(&r, M_PV_CURRENT, 3, -25, 2);
	record_attr(&r, A_SSID, "my \"net\"");
	record_attr(&r, A_FIRMWARE, "a=b\n");
	n = syslog_record(&r, buf, sizeof(buf));
	EXPECT(n == strlen(want) && strcmp(buf, want) == 0, "got %s", buf);
	return (NULL);
}

static const char *
t_syslog_send(void)
{
	static const char	*mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
				    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
				    "Dec" };
	char			 buf[512], want[64];
	ssize_t			 n;
	size_t			 i;
	int			 sv[2], ok;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == -1)
		EXPECT(0, "socketpair: %s", strerror(errno));
	ok = syslog_send(sv[0], 30, "pvtest", "kind=device a=b") == 0;
	n = recv(sv[1], buf, sizeof(buf) - 1, MSG_DONTWAIT);
	EXPECT(syslog_send(sv[0], 192, "pvtest", "x") == -1, "pri 192");
	EXPECT(syslog_send(sv[0], 30, NULL, "x") == -1, "NULL tag");
	close(sv[0]);
	close(sv[1]);
	EXPECT(ok, "syslog_send: %s", strerror(errno));
	EXPECT(n > 0, "recv: %s", strerror(errno));
	buf[n] = '\0';

	/* "<30>Apr 11 18:46:37 pvtest[123]: kind=device a=b" */
	EXPECT(strncmp(buf, "<30>", 4) == 0, "priority: %s", buf);
	for (i = 0; i < nitems(mon); i++)
		if (strncmp(buf + 4, mon[i], 3) == 0)
			break;
	EXPECT(i < nitems(mon), "month: %s", buf);
	EXPECT(n > 19 && buf[7] == ' ' && (buf[8] == ' ' ||
	    (buf[8] >= '1' && buf[8] <= '3')) && buf[9] >= '0' &&
	    buf[9] <= '9' && buf[10] == ' ' && buf[13] == ':' &&
	    buf[16] == ':' && buf[19] == ' ', "timestamp: %s", buf);
	snprintf(want, sizeof(want), " pvtest[%ld]: kind=device a=b",
	    (long)getpid());
	EXPECT(strcmp(buf + 19, want) == 0, "tail: %s", buf);
	return (NULL);
}

static const char *
t_syslog_open(void)
{
	struct sockaddr_un	 sun;
	char			 path[PATH_MAX], buf[256], lng[200];
	ssize_t			 n;
	int			 srv, fd;

	EXPECT((size_t)snprintf(path, sizeof(path), "%s/log", tmpdir) <
	    sizeof(path), "path too long");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	srv = socket(AF_UNIX, SOCK_DGRAM, 0);
	EXPECT(srv != -1 && bind(srv, (struct sockaddr *)&sun,
	    sizeof(sun)) == 0, "bind %s: %s", path, strerror(errno));
	fd = syslog_open(path);
	if (fd == -1) {
		close(srv);
		EXPECT(0, "syslog_open: %s", strerror(errno));
	}
	EXPECT(fcntl(fd, F_GETFD) & FD_CLOEXEC, "not close-on-exec");
	EXPECT(syslog_send(fd, 13, "t", "hello") == 0, "send: %s",
	    strerror(errno));
	n = recv(srv, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	close(fd);
	close(srv);
	unlink(path);
	EXPECT(n > 0, "recv: %s", strerror(errno));
	buf[n] = '\0';
	EXPECT(strncmp(buf, "<13>", 4) == 0 && strstr(buf, "]: hello") !=
	    NULL, "got %s", buf);

	EXPECT((size_t)snprintf(path, sizeof(path), "%s/nonexistent",
	    tmpdir) < sizeof(path), "path too long");
	EXPECT(syslog_open(path) == -1, "opened %s", path);
	memset(lng, 'l', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	EXPECT(syslog_open(lng) == -1 && errno == ENAMETOOLONG, "long path");
	return (NULL);
}

static const char *
t_dump_line(void)
{
	static const char	 want[] =
	    "{\"time\":\"2024-04-11T18:46:37Z\",\"protocol\":\"solarman-v5\","
	    "\"port\":10000,\"peer\":\"192.0.2.10:51512\","
	    "\"dst\":\"192.0.2.1:10000\","
	    "\"conn\":4294967298,\"reason\":\"bad checksum\","
	    "\"bytes\":\"a5017f00ff\"}\n";
	static const uint8_t	 bytes[] = { 0xa5, 0x01, 0x7f, 0x00, 0xff };
	struct pv_dump		 d;
	char			 buf[512];
	size_t			 n, len;

	memset(&d, 0, sizeof(d));
	d.time = T_EXAMPLE;
	d.nsec = 123;
	d.proto = PROTO_SOLARMAN_V5;
	d.listen_port = 10000;
	d.conn = (1ULL << 32) | 2;
	d.peer.family = AF_INET;
	d.peer.port = 51512;
	memcpy(d.peer.addr, "\300\000\002\012", 4);
	d.dst.family = AF_INET;
	d.dst.port = 10000;
	memcpy(d.dst.addr, "\300\000\002\001", 4);
	strlcpy(d.reason, "bad checksum", sizeof(d.reason));
	n = dump_line(&d, bytes, sizeof(bytes), buf, sizeof(buf));
	EXPECT(n == strlen(want) && strcmp(buf, want) == 0, "got %s", buf);
	for (len = 0; len <= n; len++) {
		memset(buf, '#', sizeof(buf));
		EXPECT(dump_line(&d, bytes, sizeof(bytes), buf, len) == 0,
		    "fits in %zu", len);
		EXPECT(buf[len] == '#', "len %zu: wrote past the end", len);
	}
	EXPECT(dump_line(&d, bytes, sizeof(bytes), buf, n + 1) == n,
	    "exact fit");
	return (NULL);
}

static const char *
t_dump_line_v6(void)
{
	static const char	 want6[] =
	    "{\"time\":\"1970-01-01T00:01:00Z\",\"protocol\":\"capture\","
	    "\"port\":7779,\"peer\":\"[2001:db8::1]:65535\","
	    "\"conn\":0,\"reason\":\"capture\",\"bytes\":\"\"}\n";
	static const char	 want0[] =
	    "{\"time\":\"1970-01-01T00:01:00Z\",\"protocol\":\"unknown\","
	    "\"port\":7779,\"peer\":\"\","
	    "\"conn\":0,\"reason\":\"capture\",\"bytes\":\"\"}\n";
	struct pv_dump		 d;
	char			 buf[512];
	size_t			 n;

	memset(&d, 0, sizeof(d));
	d.time = 60;
	d.proto = PROTO_CAPTURE;
	d.listen_port = 7779;
	d.peer.family = AF_INET6;
	d.peer.port = 65535;
	memcpy(d.peer.addr, "\040\001\015\270\0\0\0\0\0\0\0\0\0\0\0\001",
	    16);
	strlcpy(d.reason, "capture", sizeof(d.reason));
	n = dump_line(&d, NULL, 0, buf, sizeof(buf));
	EXPECT(n == strlen(want6) && strcmp(buf, want6) == 0, "got %s", buf);
	d.peer.family = 0;
	d.proto = PROTO_MAX;
	n = dump_line(&d, NULL, 0, buf, sizeof(buf));
	EXPECT(n == strlen(want0) && strcmp(buf, want0) == 0, "got %s", buf);
	return (NULL);
}

static const char *
t_dump_line_hostile(void)
{
	struct pv_dump	 d;
	static char	 buf[DUMP_LINE_MAX];
	static uint8_t	 bytes[PVGATE_IMSG_PAYLOAD];
	char		 want[PV_REASONLEN + 16];
	size_t		 n;

	memset(&d, 0, sizeof(d));
	d.time = T_EXAMPLE;
	d.proto = PROTO_CAPTURE;
	/* a reason filling its array without a NUL */
	memset(d.reason, 'r', sizeof(d.reason));
	n = dump_line(&d, NULL, 0, buf, sizeof(buf));
	snprintf(want, sizeof(want), "\"reason\":\"%.*s\",", PV_REASONLEN,
	    d.reason);
	EXPECT(n > 0 && strstr(buf, want) != NULL, "got %s", buf);
	d.reason[0] = '"';
	d.reason[1] = '\n';
	d.reason[2] = (char)0xe9;
	d.reason[3] = '\0';
	n = dump_line(&d, NULL, 0, buf, sizeof(buf));
	EXPECT(n > 0 && strstr(buf, "\"reason\":\"\\\"\\u000a\\u00e9\",") !=
	    NULL, "got %s", buf);

	/* the largest dump fits DUMP_LINE_MAX, even with a nasty reason */
	memset(d.reason, 0x01, sizeof(d.reason));
	memset(bytes, 0xab, sizeof(bytes));
	n = dump_line(&d, bytes, sizeof(bytes), buf, sizeof(buf));
	EXPECT(n > 0 && all_printable(buf, n - 1), "largest dump");
	return (NULL);
}

static const char *
t_dump_write(void)
{
	static const char	 l1[] = "{\"a\":1}\n", l2[] = "{\"b\":2}\n",
				 l3[] = "{\"c\":3}\n";
	struct dumpfile		 df;
	struct stat		 st;
	char			 buf[256];
	ssize_t			 n;
	int			 fd;
	/* 2024-04-11T23:59:59Z, then a second later */
	time_t			 t = 1712879999;

	if (mkdir("dump", 0750) == -1)
		EXPECT(0, "mkdir dump: %s", strerror(errno));
	dump_init(&df);
	EXPECT(dump_write(&df, t, l1, strlen(l1)) == 0, "write 1: %s",
	    strerror(errno));
	EXPECT(dump_write(&df, t, l2, strlen(l2)) == 0, "write 2: %s",
	    strerror(errno));
	fd = df.fd;
	EXPECT(dump_write(&df, t + 1, l3, strlen(l3)) == 0, "write 3: %s",
	    strerror(errno));
	EXPECT(df.fd != -1 && df.day == 20240412, "day %d", df.day);
	EXPECT(fcntl(fd, F_GETFD) == -1 || fd == df.fd,
	    "old file left open");
	dump_close(&df);
	EXPECT(df.fd == -1, "dump_close");

	fd = open("dump/2024-04-11.jsonl", O_RDONLY);
	EXPECT(fd != -1, "2024-04-11.jsonl: %s", strerror(errno));
	EXPECT(fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0640,
	    "mode %o", (unsigned int)(st.st_mode & 0777));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	EXPECT(n == (ssize_t)(strlen(l1) + strlen(l2)), "day 1: %zd", n);
	buf[n] = '\0';
	EXPECT(strncmp(buf, l1, strlen(l1)) == 0 &&
	    strcmp(buf + strlen(l1), l2) == 0, "day 1: %s", buf);

	fd = open("dump/2024-04-12.jsonl", O_RDONLY);
	EXPECT(fd != -1, "2024-04-12.jsonl: %s", strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	EXPECT(n == (ssize_t)strlen(l3), "day 2: %zd", n);
	buf[n] = '\0';
	EXPECT(strcmp(buf, l3) == 0, "day 2: %s", buf);

	/* reopening appends */
	dump_init(&df);
	EXPECT(dump_write(&df, t + 2, l1, strlen(l1)) == 0, "append");
	dump_close(&df);
	EXPECT(stat("dump/2024-04-12.jsonl", &st) == 0 &&
	    st.st_size == (off_t)(strlen(l3) + strlen(l1)), "not appended");
	return (NULL);
}

static const char *
t_dump_write_refuse(void)
{
	struct dumpfile	 df;
	struct stat	 st;

	dump_init(&df);
	EXPECT(dump_write(&df, 0, "{}", 2) == -1 && errno == EINVAL,
	    "line without newline");
	EXPECT(dump_write(&df, 0, "{}\n{}\n", 6) == -1, "two lines");
	EXPECT(dump_write(&df, 0, "", 0) == -1, "empty");
	EXPECT(stat("dump/1970-01-01.jsonl", &st) == -1,
	    "file created for a refused line");
	EXPECT(rename("dump", "dump.away") == 0, "rename");
	EXPECT(dump_write(&df, 0, "{}\n", 3) == -1, "no dump directory");
	EXPECT(rename("dump.away", "dump") == 0, "rename back");
	dump_close(&df);
	return (NULL);
}

static const char *
t_seal(void)
{
	static const char	 line[] = "{\"time\":\"x\",\"bytes\":\"00\"}\n";
	static const char	 b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789+/=";
	static char		 sealed[DUMP_SEALED_MAX];
	static char		 plain[DUMP_LINE_MAX + 1];
	static char		 big[DUMP_LINE_MAX + 1];
	uint8_t			 pk[crypto_box_PUBLICKEYBYTES];
	uint8_t			 sk[crypto_box_SECRETKEYBYTES];
	size_t			 i;
	int			 n, m;

	crypto_box_keypair(pk, sk);
	n = dump_seal(pk, line, strlen(line), sealed, sizeof(sealed));
	EXPECT(n > 0 && (size_t)n == strlen(sealed) && sealed[n - 1] == '\n',
	    "seal: %d", n);
	for (i = 0; i < (size_t)n - 1; i++)
		EXPECT(strchr(b64, sealed[i]) != NULL, "not base64: %s",
		    sealed);
	m = dump_unseal(pk, sk, sealed, n, plain, sizeof(plain));
	EXPECT(m == (int)strlen(line) - 1 &&
	    strncmp(plain, line, m) == 0 && plain[m] == '\0',
	    "unseal: %d %s", m, m > 0 ? plain : "");
	/* without its newline too */
	m = dump_unseal(pk, sk, sealed, n - 1, plain, sizeof(plain));
	EXPECT(m == (int)strlen(line) - 1, "unseal without newline");
	EXPECT(dump_unseal(pk, sk, sealed, n, plain, m) == -1,
	    "no room for the NUL");

	/* the largest line seals into DUMP_SEALED_MAX */
	memset(big, 'x', DUMP_LINE_MAX);
	n = dump_seal(pk, big, DUMP_LINE_MAX, sealed, sizeof(sealed));
	EXPECT(n > 0, "largest line");
	m = dump_unseal(pk, sk, sealed, n, plain, sizeof(plain));
	EXPECT(m == DUMP_LINE_MAX, "largest line: %d", m);
	EXPECT(dump_seal(pk, big, DUMP_LINE_MAX + 1, sealed,
	    sizeof(sealed)) == -1, "too long");
	EXPECT(dump_seal(pk, line, strlen(line), sealed, 40) == -1,
	    "small output");
	sodium_memzero(sk, sizeof(sk));
	return (NULL);
}

static const char *
t_seal_refuse(void)
{
	static const char	 line[] = "{\"a\":1}\n";
	char			 sealed[512], plain[512];
	uint8_t			 pk[crypto_box_PUBLICKEYBYTES];
	uint8_t			 sk[crypto_box_SECRETKEYBYTES];
	uint8_t			 pk2[crypto_box_PUBLICKEYBYTES];
	uint8_t			 sk2[crypto_box_SECRETKEYBYTES];
	int			 n;

	crypto_box_keypair(pk, sk);
	crypto_box_keypair(pk2, sk2);
	n = dump_seal(pk, line, strlen(line), sealed, sizeof(sealed));
	EXPECT(n > 0, "seal");
	EXPECT(dump_unseal(pk2, sk2, sealed, n, plain, sizeof(plain)) == -1,
	    "opened with another key");
	sealed[10] = sealed[10] == 'A' ? 'B' : 'A';
	EXPECT(dump_unseal(pk, sk, sealed, n, plain, sizeof(plain)) == -1,
	    "opened a tampered line");
	EXPECT(dump_unseal(pk, sk, "{\"a\":1}", 7, plain, sizeof(plain)) ==
	    -1, "opened JSON");
	EXPECT(dump_unseal(pk, sk, "AAAA", 4, plain, sizeof(plain)) == -1,
	    "opened a short line");
	EXPECT(dump_unseal(pk, sk, "", 0, plain, sizeof(plain)) == -1,
	    "opened nothing");
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(sk2, sizeof(sk2));
	return (NULL);
}

static const char *
t_keyfile(void)
{
	uint8_t		 pk[crypto_box_PUBLICKEYBYTES];
	uint8_t		 sk[crypto_box_SECRETKEYBYTES];
	uint8_t		 k[crypto_box_SECRETKEYBYTES];
	char		 err[512];
	struct stat	 st;

	crypto_box_keypair(pk, sk);
	EXPECT(keyfile_write("k.sec", sk, sizeof(sk), 0600) == 0,
	    "write k.sec: %s", strerror(errno));
	EXPECT(keyfile_write("k.pub", pk, sizeof(pk), 0644) == 0,
	    "write k.pub: %s", strerror(errno));
	EXPECT(stat("k.sec", &st) == 0 && (st.st_mode & 0777) == 0600,
	    "k.sec mode %o", (unsigned int)(st.st_mode & 0777));
	EXPECT(stat("k.pub", &st) == 0 && st.st_size == 45,
	    "k.pub is %lld bytes", (long long)st.st_size);
	EXPECT(keyfile_write("k.sec", pk, sizeof(pk), 0600) == -1 &&
	    errno == EEXIST, "overwrote k.sec");
	EXPECT(keyfile_read("k.sec", k, sizeof(sk), 1, err,
	    sizeof(err)) == 0 && memcmp(k, sk, sizeof(sk)) == 0,
	    "read k.sec: %s", err);
	EXPECT(keyfile_read("k.pub", k, sizeof(pk), 0, err,
	    sizeof(err)) == 0 && memcmp(k, pk, sizeof(pk)) == 0,
	    "read k.pub: %s", err);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(k, sizeof(k));
	return (NULL);
}

static const char *
t_keyfile_perms(void)
{
	uint8_t		 k[crypto_box_PUBLICKEYBYTES];
	char		 err[512];

	EXPECT(chmod("k.sec", 0640) == 0, "chmod");
	EXPECT(keyfile_read("k.sec", k, sizeof(k), 1, err, sizeof(err)) ==
	    -1, "read a group-readable secret key");
	EXPECT(strstr(err, "k.sec") != NULL && strstr(err, "group") != NULL,
	    "err: %s", err);
	EXPECT(chmod("k.sec", 0604) == 0, "chmod");
	EXPECT(keyfile_read("k.sec", k, sizeof(k), 1, err, sizeof(err)) ==
	    -1, "read an other-readable secret key");
	EXPECT(chmod("k.sec", 0600) == 0, "chmod");
	EXPECT(keyfile_read("k.sec", k, sizeof(k), 1, err, sizeof(err)) ==
	    0, "0600 refused: %s", err);
	EXPECT(chmod("k.pub", 0666) == 0, "chmod");
	EXPECT(keyfile_read("k.pub", k, sizeof(k), 0, err, sizeof(err)) ==
	    -1 && strstr(err, "k.pub") != NULL, "world-writable public key");
	EXPECT(chmod("k.pub", 0644) == 0, "chmod");
	EXPECT(keyfile_read("nonexistent", k, sizeof(k), 0, err,
	    sizeof(err)) == -1 && strstr(err, "nonexistent") != NULL,
	    "err: %s", err);
	EXPECT(keyfile_read(".", k, sizeof(k), 0, err, sizeof(err)) == -1,
	    "read a directory");
	sodium_memzero(k, sizeof(k));
	return (NULL);
}

static const char *
t_keyfile_bad(void)
{
	static const char	*bad[] = {
		"",
		"\n",
		"not base64!\n",
		"AAAA\n",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nx\n",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",
		" AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
	};
	uint8_t			 k[32];
	char			 err[512], name[32];
	size_t			 i;
	int			 fd;

	for (i = 0; i < nitems(bad); i++) {
		snprintf(name, sizeof(name), "bad%zu", i);
		fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		EXPECT(fd != -1 && write(fd, bad[i], strlen(bad[i])) ==
		    (ssize_t)strlen(bad[i]), "write %s", name);
		close(fd);
		memset(k, 0x55, sizeof(k));
		EXPECT(keyfile_read(name, k, sizeof(k), 1, err,
		    sizeof(err)) == -1, "accepted %s", name);
		EXPECT(strstr(err, name) != NULL, "err: %s", err);
		EXPECT(k[0] == 0 && k[31] == 0, "key not wiped");
	}
	fd = open("good", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	EXPECT(fd != -1 && write(fd, bad[4], 45) == 45, "write good");
	close(fd);
	EXPECT(keyfile_read("good", k, sizeof(k), 1, err, sizeof(err)) ==
	    0 && k[0] == 0 && k[31] == 31, "good: %s", err);
	return (NULL);
}

/* remove the files the tests made, then the directory */
static void
rmtree(const char *dir)
{
	static const char	*files[] = {
		"dump/2024-04-11.jsonl", "dump/2024-04-12.jsonl",
		"k.sec", "k.pub", "good", "bad0", "bad1", "bad2", "bad3",
		"bad4", "bad5", "bad6", "log"
	};
	size_t			 i;

	for (i = 0; i < nitems(files); i++)
		unlink(files[i]);
	rmdir("dump");
	rmdir("dump.away");
	if (chdir("/") == 0)
		rmdir(dir);
}

int
main(void)
{
	const char	*tmp, *why;
	size_t		 i;
	int		 failed = 0, n;

	if (sodium_init() == -1) {
		printf("not ok - sodium_init\n");
		return (1);
	}
	setenv("TZ", "UTC", 1);
	tzset();
	umask(022);
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	/* mkdtemp(3) replaces the trailing Xs */
	n = snprintf(tmpdir, sizeof(tmpdir), "%s/export_test.", tmp);
	if (n > 0 && (size_t)n + 9 <= sizeof(tmpdir)) {
		memset(tmpdir + n, 'X', 8);
		tmpdir[n + 8] = '\0';
	}
	if (mkdtemp(tmpdir) == NULL || chdir(tmpdir) == -1) {
		printf("not ok - temporary directory %s: %s\n", tmpdir,
		    strerror(errno));
		return (1);
	}

	for (i = 0; i < nitems(tests); i++) {
		why = tests[i].fn();
		if (why == NULL)
			printf("ok - %s\n", tests[i].name);
		else {
			printf("not ok - %s: %s\n", tests[i].name, why);
			failed++;
		}
	}
	rmtree(tmpdir);
	return (failed != 0);
}
