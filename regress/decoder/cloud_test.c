/*
 * The cloud relay's command firewall (proto/cloud.c and
 * proto/<protocol>_cloud.c), judged on the frames the vectors hold of
 * real clouds and on frames built here from the specs; the keys that
 * pair a device's frame with the cloud's answer; the cloud framers;
 * and the DNS question and answer reader of parent/dns.c.
 *
 *	cloud_test VECTORDIR	(regress/vectors)
 */

#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "cloud.h"
#include "regress/integration/cloudframe.h"
#include "parent/pvgated.h"

static char	dir[1024];
static const char *top;

static void
vdir(const char *proto)
{
	(void)snprintf(dir, sizeof(dir), "%s/%s", top, proto);
	vecdir = dir;
}

/* judge vector id of proto: kind, reply or not, passes with allow */
static void
judge_vec(int proto, const char *id, int kind, int reply, uint32_t allow,
    int passes)
{
	const struct cloud_proto	*cp = cloud_byid(proto);
	struct cloud_verdict		 v;
	struct vec			 f;

	memset(&v, 0, sizeof(v));
	if (vec_load(&f, id) == 0) {
		cp->judge(f.b, f.len, &v);
		check(v.kind == kind, "kind %s, want %s (%s)",
		    cloud_kind_name(v.kind), cloud_kind_name(kind), v.what);
		check(v.reply == reply, "reply %d, want %d", v.reply, reply);
		check(cloud_passes(&v, allow) == passes, "passes %d with "
		    "allow 0x%x", !passes, allow);
	}
	result("%s %s: %s%s", proto_byid(proto)->name, id,
	    cloud_kind_name(kind), passes ? ", relayed" : ", blocked");
}

/* judge bytes; and the verdict's text must hold what */
static void
judge_buf(int proto, const char *name, const uint8_t *b, size_t n, int kind,
    const char *what)
{
	const struct cloud_proto	*cp = cloud_byid(proto);
	struct cloud_verdict		 v;

	memset(&v, 0, sizeof(v));
	cp->judge(b, n, &v);
	check(v.kind == kind, "kind %s, want %s (%s)", cloud_kind_name(v.kind),
	    cloud_kind_name(kind), v.what);
	check(what == NULL || strstr(v.what, what) != NULL, "what \"%s\", "
	    "want \"%s\"", v.what, what);
	check(cloud_passes(&v, 0) == (kind == CK_ACK || kind == CK_READ),
	    "passes without cloud_allow");
	result("%s %s: %s", proto_byid(proto)->name, name,
	    cloud_kind_name(kind));
}

/* the key of device frame id equals the key of cloud answer id2 */
static void
key_pair(int proto, const char *id, const char *id2)
{
	const struct cloud_proto	*cp = cloud_byid(proto);
	struct cloud_verdict		 v;
	struct vec			 d, a;
	uint32_t			 k = 0;

	memset(&v, 0, sizeof(v));
	if (vec_load(&d, id) == 0 && vec_load(&a, id2) == 0) {
		k = cp->key(d.b, d.len);
		cp->judge(a.b, a.len, &v);
		check(k != 0, "device frame without a key");
		check(v.reply && v.key == k, "answer key 0x%x, device 0x%x",
		    v.key, k);
	}
	result("%s: %s is answered by %s (key 0x%x)", proto_byid(proto)->name,
	    id, id2, k);
}

/* an AT command in a Solarman V5 0x4510, frame type 1 */
static void
at_cmd(const char *name, const char *at, int kind, const char *what)
{
	uint8_t	f[256];

	judge_buf(PROTO_SOLARMAN_V5, name, f, cf_solarman_cmd(f, 1, at,
	    strlen(at)), kind, what);
}

static void
test_solarman(void)
{
	uint8_t	f[256], rtu[16];
	uint32_t all = CK_BIT(CK_FIRMWARE) | CK_BIT(CK_AT_WRITE) |
	    CK_BIT(CK_MODBUS_WRITE) | CK_BIT(CK_CONTROL);

	vdir("solarman-v5");
	judge_vec(PROTO_SOLARMAN_V5, "02", CK_ACK, 1, 0, 1);
	judge_vec(PROTO_SOLARMAN_V5, "25", CK_ACK, 1, 0, 1);
	judge_vec(PROTO_SOLARMAN_V5, "26", CK_AT_WRITE, 0, 0, 0);
	judge_vec(PROTO_SOLARMAN_V5, "26", CK_AT_WRITE, 0,
	    CK_BIT(CK_AT_WRITE), 1);
	judge_vec(PROTO_SOLARMAN_V5, "27", CK_AT_WRITE, 0, 0, 0);
	judge_vec(PROTO_SOLARMAN_V5, "30", CK_MODBUS_WRITE, 0, 0, 0);
	judge_vec(PROTO_SOLARMAN_V5, "30", CK_MODBUS_WRITE, 0,
	    CK_BIT(CK_MODBUS_WRITE), 1);
	judge_vec(PROTO_SOLARMAN_V5, "32", CK_CONTROL, 0, 0, 0);
	judge_vec(PROTO_SOLARMAN_V5, "33", CK_UNPARSED, 0, all, 0);
	judge_vec(PROTO_SOLARMAN_V5, "41", CK_UNKNOWN, 0, all, 0);
	judge_vec(PROTO_SOLARMAN_V5, "51", CK_READ, 0, 0, 1);
	judge_vec(PROTO_SOLARMAN_V5, "07", CK_UNPARSED, 0, all, 0);
	judge_vec(PROTO_SOLARMAN_V5, "18", CK_UNKNOWN, 0, all, 0);
	judge_vec(PROTO_SOLARMAN_V5, "81", CK_UNPARSED, 0, all, 0);
	at_cmd("AT+UPURL", "AT+UPURL=http://fw.example/a.bin,1\r",
	    CK_FIRMWARE, "AT+UPURL=http://fw.example/a.bin");
	at_cmd("AT+SUPDATE", "at+supdate\r", CK_FIRMWARE, "at+supdate");
	at_cmd("AT+Z", "AT+Z\r", CK_AT_WRITE, "AT+Z");
	at_cmd("AT+WEBVER?", "AT+WEBVER?\r\n", CK_READ, NULL);
	at_cmd("AT?=1 is no query", "AT+X?=1\r", CK_AT_WRITE, NULL);
	at_cmd("AT with a control byte", "AT+X\x01?\r", CK_UNPARSED, NULL);
	at_cmd("not AT", "ZZ\r", CK_UNPARSED, NULL);
	memcpy(rtu, "\x01\x10\x20\x08\x00\x01\x02\x00\x64", 9);
	pv_put_le16(rtu + 9, pv_crc16_modbus(rtu, 9));
	judge_buf(PROTO_SOLARMAN_V5, "Modbus fc 16", f,
	    cf_solarman_cmd(f, 2, rtu, 11), CK_MODBUS_WRITE, "fc 16");
	rtu[6] = 3;
	pv_put_le16(rtu + 9, pv_crc16_modbus(rtu, 9));
	judge_buf(PROTO_SOLARMAN_V5, "Modbus fc 16, byte count wrong", f,
	    cf_solarman_cmd(f, 2, rtu, 11), CK_UNPARSED, NULL);
	key_pair(PROTO_SOLARMAN_V5, "01", "02");
	key_pair(PROTO_SOLARMAN_V5, "24", "25");
	key_pair(PROTO_SOLARMAN_V5, "08", "09");
	key_pair(PROTO_SOLARMAN_V5, "22", "23");
}

static void
test_gen3(void)
{
	uint32_t all = CK_BIT(CK_FIRMWARE) | CK_BIT(CK_MODBUS_WRITE);

	vdir("tsun-gen3");
	judge_vec(PROTO_TSUN_GEN3, "02", CK_ACK, 1, 0, 1);
	judge_vec(PROTO_TSUN_GEN3, "11", CK_ACK, 1, 0, 1);
	judge_vec(PROTO_TSUN_GEN3, "12", CK_ACK, 1, 0, 1);
	judge_vec(PROTO_TSUN_GEN3, "17", CK_ACK, 1, 0, 1);
	judge_vec(PROTO_TSUN_GEN3, "22", CK_ACK, 1, 0, 1);
	judge_vec(PROTO_TSUN_GEN3, "26", CK_ACK, 1, 0, 1);
	judge_vec(PROTO_TSUN_GEN3, "13", CK_UNKNOWN, 1, all, 0);
	judge_vec(PROTO_TSUN_GEN3, "35", CK_FIRMWARE, 0, 0, 0);
	judge_vec(PROTO_TSUN_GEN3, "35", CK_FIRMWARE, 0, CK_BIT(CK_FIRMWARE),
	    1);
	judge_vec(PROTO_TSUN_GEN3, "37", CK_FIRMWARE, 0, 0, 0);
	judge_vec(PROTO_TSUN_GEN3, "38", CK_MODBUS_WRITE, 0, 0, 0);
	judge_vec(PROTO_TSUN_GEN3, "39", CK_UNPARSED, 0, all, 0);
	judge_vec(PROTO_TSUN_GEN3, "44", CK_READ, 0, 0, 1);
	judge_vec(PROTO_TSUN_GEN3, "45", CK_READ, 0, 0, 1);
	judge_vec(PROTO_TSUN_GEN3, "34", CK_UNKNOWN, 0, all, 0);
	judge_vec(PROTO_TSUN_GEN3, "09", CK_UNKNOWN, 1, all, 0);
	key_pair(PROTO_TSUN_GEN3, "01", "02");
	key_pair(PROTO_TSUN_GEN3, "10", "12");
	key_pair(PROTO_TSUN_GEN3, "15", "17");
	key_pair(PROTO_TSUN_GEN3, "20", "22");
	key_pair(PROTO_TSUN_GEN3, "27", "26");
}

static void
test_alphaess(void)
{
	uint8_t	f[512];

	vdir("alphaess");
	judge_vec(PROTO_ALPHAESS, "02", CK_ACK, 1, 0, 1);
	judge_vec(PROTO_ALPHAESS, "04", CK_ACK, 1, 0, 1);
	judge_vec(PROTO_ALPHAESS, "13", CK_ACK, 1, 0, 1);
	judge_vec(PROTO_ALPHAESS, "07", CK_READ, 0, 0, 1);
	judge_vec(PROTO_ALPHAESS, "14", CK_CONFIG, 0, 0, 0);
	judge_vec(PROTO_ALPHAESS, "14", CK_CONFIG, 0, CK_BIT(CK_CONFIG), 1);
	judge_buf(PROTO_ALPHAESS, "the configuration answer", f, cf_alphaess(f,
	    2, 3, "{\"Status\":\"Success\",\"GridCharge\":true,"
	    "\"BatHighCap\":\"95\"}"), CK_CONFIG, "2 settings");
	judge_buf(PROTO_ALPHAESS, "a status answer with more keys", f,
	    cf_alphaess(f, 2, 16, "{\"Status\":\"Success\",\"X\":\"1\"}"),
	    CK_UNKNOWN, NULL);
	judge_buf(PROTO_ALPHAESS, "an answer with blanks", f, cf_alphaess(f, 2,
	    16, "{\"Status\": \"Success\"}"), CK_ACK, NULL);
	judge_buf(PROTO_ALPHAESS, "an empty answer", f, cf_alphaess(f, 2, 0,
	    ""), CK_UNPARSED, NULL);
	judge_buf(PROTO_ALPHAESS, "broken JSON", f, cf_alphaess(f, 2, 0,
	    "{\"Status\":\"Succ"), CK_UNPARSED, NULL);
	judge_buf(PROTO_ALPHAESS, "a firmware command", f, cf_alphaess(f, 1, 8,
	    "{\"CmdIndex\":\"1\",\"Command\":\"FirmwareUpdate\"}"),
	    CK_FIRMWARE, "FirmwareUpdate");
	judge_buf(PROTO_ALPHAESS, "an upgrade command", f, cf_alphaess(f, 1, 8,
	    "{\"CmdIndex\":\"1\",\"Command\":\"EmsUpGrade\"}"), CK_FIRMWARE,
	    NULL);
	judge_buf(PROTO_ALPHAESS, "SyncTime", f, cf_alphaess(f, 1, 8,
	    "{\"CmdIndex\":\"1\",\"Command\":\"SyncTime\"}"), CK_CONFIG, NULL);
	judge_buf(PROTO_ALPHAESS, "another command", f, cf_alphaess(f, 1, 8,
	    "{\"CmdIndex\":\"1\",\"Command\":\"Restart\"}"), CK_CONTROL, NULL);
	judge_buf(PROTO_ALPHAESS, "two commands in one", f, cf_alphaess(f, 1, 8,
	    "{\"Command\":\"Resume\",\"Command\":\"SetConfig\"}"), CK_UNPARSED,
	    NULL);
	judge_buf(PROTO_ALPHAESS, "a request that is no command", f,
	    cf_alphaess(f, 1, 16, "{}"), CK_UNKNOWN, NULL);
	f[cf_alphaess(f, 2, 0, "{\"Status\":\"Success\"}") - 1] ^= 1;
	judge_buf(PROTO_ALPHAESS, "a bad CRC", f, 29, CK_UNPARSED, NULL);
	key_pair(PROTO_ALPHAESS, "01", "02");
	key_pair(PROTO_ALPHAESS, "03", "04");
	key_pair(PROTO_ALPHAESS, "12", "13");
}

/* an APS message as EMA sends it, length field filled in */
static size_t
aps_msg(uint8_t *f, const char *fmt)
{
	char	len[24];
	size_t	n = strlen(fmt);

	memcpy(f, fmt, n);
	(void)snprintf(len, sizeof(len), "%05zu", n % 100000);
	memcpy(f + 5, len, 5);
	return (n);
}

static void
test_apsystems(void)
{
	uint8_t	f[256];
	size_t	n;

	vdir("apsystems-ecu");
	judge_vec(PROTO_APSYSTEMS_ECU, "02", CK_ACK, 1, 0, 1);
	judge_vec(PROTO_APSYSTEMS_ECU, "03", CK_ACK, 1, 0, 1);
	judge_vec(PROTO_APSYSTEMS_ECU, "05", CK_ACK, 1, 0, 1);
	judge_vec(PROTO_APSYSTEMS_ECU, "08", CK_ACK, 1, 0, 1);
	judge_buf(PROTO_APSYSTEMS_ECU, "A136, the firmware flag", f,
	    aps_msg(f, "APS13xxxxxA101AAA0216000064136A13620240206112214END"),
	    CK_FIRMWARE, "A136");
	judge_buf(PROTO_APSYSTEMS_ECU, "A107, the ECU's server", f,
	    aps_msg(f, "APS13xxxxxA101AAA0216000064136A10720240206112214END"),
	    CK_CONFIG, NULL);
	judge_buf(PROTO_APSYSTEMS_ECU, "A125, the grid environment", f,
	    aps_msg(f, "APS13xxxxxA101AAA0216000064136A12520240206112214END"),
	    CK_GRID_PROFILE, NULL);
	judge_buf(PROTO_APSYSTEMS_ECU, "A111, on and off", f,
	    aps_msg(f, "APS13xxxxxA101AAA0216000064136A11120240206112214END"),
	    CK_CONTROL, NULL);
	judge_buf(PROTO_APSYSTEMS_ECU, "A102, report the inverters", f,
	    aps_msg(f, "APS13xxxxxA101AAA0216000064136A10220240206112214END"),
	    CK_READ, NULL);
	judge_buf(PROTO_APSYSTEMS_ECU, "A199, nobody knows", f,
	    aps_msg(f, "APS13xxxxxA101AAA0216000064136A19920240206112214END"),
	    CK_UNKNOWN, NULL);
	judge_buf(PROTO_APSYSTEMS_ECU, "a command, not wrapped", f,
	    aps_msg(f, "APS13xxxxxA103AAA0216000064136END"), CK_CONFIG, NULL);
	judge_buf(PROTO_APSYSTEMS_ECU, "the answer to A123", f,
	    aps_msg(f, "APS13xxxxxA123AAA010120240206112214END"), CK_ACK,
	    NULL);
	judge_buf(PROTO_APSYSTEMS_ECU, "A123 answered with more", f,
	    aps_msg(f, "APS13xxxxxA123AAA010120240206112214ENDA136"),
	    CK_UNKNOWN, NULL);
	n = aps_msg(f, "APS13xxxxxA101AAA0216000064136A10020240206112214END");
	f[8] = '9';
	judge_buf(PROTO_APSYSTEMS_ECU, "a wrong length field", f, n,
	    CK_UNPARSED, NULL);
	judge_buf(PROTO_APSYSTEMS_ECU, "a short answer", f, aps_msg(f,
	    "1012024020611"), CK_UNPARSED, NULL);
	memcpy(f, "102202402061117142024020611", 27);
	judge_buf(PROTO_APSYSTEMS_ECU, "two timestamps, one missing", f, 27,
	    CK_UNPARSED, NULL);
	key_pair(PROTO_APSYSTEMS_ECU, "01", "02");
	key_pair(PROTO_APSYSTEMS_ECU, "04", "05");
	key_pair(PROTO_APSYSTEMS_ECU, "06", "08");
}

static void
hm_action(uint16_t cmd, unsigned int action, int kind)
{
	uint8_t	f[64], pl[8] = { 0x08, 0x01, 0x10 };
	char	name[32];
	size_t	n = 3;

	if (action < 128)
		pl[n++] = action;
	else {
		pl[n++] = (action & 0x7f) | 0x80;
		pl[n++] = action >> 7;
	}
	(void)snprintf(name, sizeof(name), "0x%04x action %u", cmd, action);
	judge_buf(PROTO_HOYMILES, name, f, cf_hoymiles(f, cmd, 7, pl, n), kind,
	    NULL);
}

static void
test_hoymiles(void)
{
	static const struct {
		uint16_t	 cmd;
		const char	*name;
		int		 kind;
	} cmds[] = {
		{ 0xa31d, "0xA31D OTA", CK_FIRMWARE },
		{ 0xa31c, "0xA31C firmware", CK_FIRMWARE },
		{ 0x2308, "0x2308 DevConfigPut", CK_GRID_PROFILE },
		{ 0xa310, "0xA310 SetConfig", CK_CONFIG },
		{ 0x2307, "0x2307 DevConfigFetch", CK_READ },
		{ 0xdb01, "0xDB01 from a cloud", CK_UNKNOWN }
	};
	static const uint8_t	 one[] = { 0x08, 0x01 };
	static const uint8_t	 bad[] = { 0x0a, 0x05, 0x01 };
	uint8_t			 f[64];
	size_t			 i;

	vdir("hoymiles");
	judge_vec(PROTO_HOYMILES, "08", CK_ACK, 1, 0, 1);
	judge_vec(PROTO_HOYMILES, "10", CK_ACK, 1, 0, 1);
	judge_vec(PROTO_HOYMILES, "12", CK_ACK, 1, 0, 1);
	judge_vec(PROTO_HOYMILES, "06", CK_READ, 0, 0, 1);
	judge_vec(PROTO_HOYMILES, "05", CK_READ, 0, 0, 1);
	hm_action(0x2305, 2, CK_FIRMWARE);
	hm_action(0x2305, 15, CK_FIRMWARE);
	hm_action(0xa305, 4112, CK_FIRMWARE);
	hm_action(0x2305, 8, CK_CONTROL);
	hm_action(0x2305, 14, CK_GRID_PROFILE);
	hm_action(0x2305, 20, CK_CONFIG);
	hm_action(0x2305, 50, CK_READ);
	hm_action(0x2305, 99, CK_UNKNOWN);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		judge_buf(PROTO_HOYMILES, cmds[i].name, f, cf_hoymiles(f,
		    cmds[i].cmd, 7, one, 2), cmds[i].kind, NULL);
	judge_buf(PROTO_HOYMILES, "a field that runs past the end", f,
	    cf_hoymiles(f, 0x2302, 7, bad, sizeof(bad)), CK_UNPARSED, NULL);
	cf_hoymiles(f, 0x2302, 7, one, 2);
	f[11] ^= 1;
	judge_buf(PROTO_HOYMILES, "a bad CRC", f, 12, CK_UNPARSED, NULL);
	key_pair(PROTO_HOYMILES, "07", "08");
	key_pair(PROTO_HOYMILES, "09", "10");
	key_pair(PROTO_HOYMILES, "11", "12");
}

/* the cloud framers: one frame at a time, garbage skipped */
static void
test_framers(void)
{
	const struct cloud_proto	*cp = cloud_byid(PROTO_APSYSTEMS_ECU);
	const char			*why;
	const char			*s = "10120240206111714\nAPS1300051"
					    "A101AAA0216000064136A1000000000"
					    "0000000END?";
	size_t				 n, len = strlen(s);
	int				 v;

	v = cp->frame((const uint8_t *)s, len, 8192, &n, &why);
	check(v == FRAME_OK && n == 17, "first: %d, %zu", v, n);
	v = cp->frame((const uint8_t *)s + 17, len - 17, 8192, &n, &why);
	check(v == FRAME_OK && n == 1, "line end: %d, %zu", v, n);
	v = cp->frame((const uint8_t *)s + 18, len - 18, 8192, &n, &why);
	check(v == FRAME_OK && n == 51, "message: %d, %zu", v, n);
	v = cp->frame((const uint8_t *)s + 69, len - 69, 8192, &n, &why);
	check(v == FRAME_SKIP && n == 1, "garbage: %d, %zu", v, n);
	v = cp->frame((const uint8_t *)s + 18, 7, 8192, &n, &why);
	check(v == FRAME_MORE, "a part of the header: %d", v);
	v = cp->frame((const uint8_t *)"199", 3, 100, &n, &why);
	check(v == FRAME_CLOSE, "99 timestamps above max_frame: %d", v);
	result("apsystems-ecu: the cloud's stream framed");
	check(cloud_byid(PROTO_CAPTURE) == NULL &&
	    cloud_byid(PROTO_E3DC_RSCP) == NULL, "a relay where none is");
	check(cloud_kind_byname("firmware") == CK_FIRMWARE &&
	    cloud_kind_byname("nonsense") == -1, "kind names");
	result("no relay for capture and e3dc-rscp; kind names");
}

static void
test_dns(void)
{
	uint8_t		 q[512], a[512], addr[16];
	const char	*why = NULL;
	size_t		 qlen, n;

	qlen = dns_query(q, sizeof(q), "iot.talent-monitoring.com.", 0x1234,
	    DNS_TYPE_A);
	check(qlen == 12 + 27 + 4 && q[12] == 3 && memcmp(q + 13, "iot", 3) ==
	    0 && q[16] == 17 && q[qlen - 5] == 0, "question of %zu bytes",
	    qlen);
	/* the answer: a CNAME, then the A record, names compressed */
	memcpy(a, q, qlen);
	a[2] = 0x81;
	a[3] = 0x80;
	a[7] = 2;
	n = qlen;
	memcpy(a + n, "\xc0\x0c\x00\x05\x00\x01\x00\x00\x00\x3c\x00\x06"
	    "\x03" "cdn\xc0\x10", 18);
	n += 18;
	memcpy(a + n, "\xc0\x27\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04"
	    "\xc0\x00\x02\x50", 16);
	n += 16;
	check(dns_answer(a, n, q, qlen, DNS_TYPE_A, addr, &why) == 1 &&
	    memcmp(addr, "\xc0\x00\x02\x50", 4) == 0, "no address: %s",
	    why);
	check(dns_answer(a, n - 1, q, qlen, DNS_TYPE_A, addr, &why) == -1,
	    "a record cut short is taken");
	a[n - 5] = 5;
	check(dns_answer(a, n, q, qlen, DNS_TYPE_A, addr, &why) == -1,
	    "an A record of 5 bytes is taken");
	a[n - 5] = 4;
	a[1] ^= 1;
	check(dns_answer(a, n, q, qlen, DNS_TYPE_A, addr, &why) == -1,
	    "an answer to another question is taken");
	a[1] ^= 1;
	a[3] = 0x83;
	check(dns_answer(a, n, q, qlen, DNS_TYPE_A, addr, &why) == 0,
	    "no such name is an address");
	a[3] = 0x80;
	a[2] |= 0x02;
	check(dns_answer(a, n, q, qlen, DNS_TYPE_A, addr, &why) == -1,
	    "a truncated answer is taken");
	check(dns_query(q, sizeof(q), "a..b", 1, DNS_TYPE_A) == 0 &&
	    dns_query(q, sizeof(q), "", 1, DNS_TYPE_A) == 0,
	    "an empty label makes a question");
	result("DNS: question, answer, and answers refused");
}

int
main(int argc, char *argv[])
{
	if (argc != 2) {
		fprintf(stderr, "usage: cloud_test vectordir\n");
		return (2);
	}
	top = argv[1];
	test_solarman();
	test_gen3();
	test_alphaess();
	test_apsystems();
	test_hoymiles();
	test_framers();
	test_dns();
	return (finish());
}
