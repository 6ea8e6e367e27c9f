/*
 * One entry per protocol the benchmark can drive.  File names are
 * relative to regress/vectors/.  The floor's replies are built here
 * from the request's bytes and a clock, as a cloud that answers
 * without decoding would; pvgated's decoder builds its own, and the
 * benchmark checks that the two agree byte for byte.
 */

#include <err.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "hoymiles.pb-c.h"
#include "regress/decoder/apsystems_ecu_gen.h"

static int	sm_reply_ok(const uint8_t *, size_t, const uint8_t *, size_t,
		    time_t);
static size_t	sm_answer(const uint8_t *, size_t, uint8_t *, size_t,
		    time_t);
static void	g3_vary(uint8_t *, size_t, unsigned int, unsigned int);
static void	ae_vary(uint8_t *, size_t, unsigned int, unsigned int);
static void	hm_vary(uint8_t *, size_t, unsigned int, unsigned int);
static size_t	g3_answer(const uint8_t *, size_t, uint8_t *, size_t,
		    time_t);
static size_t	ae_answer(const uint8_t *, size_t, uint8_t *, size_t,
		    time_t);
static size_t	aps_make(uint8_t *, size_t);
static int	aps_rframe(const uint8_t *, size_t, size_t, size_t *,
		    const char **);
static size_t	aps_answer(const uint8_t *, size_t, uint8_t *, size_t,
		    time_t);
static size_t	hm_make(uint8_t *, size_t);
static size_t	hm_answer(const uint8_t *, size_t, uint8_t *, size_t,
		    time_t);

const struct bench_proto bench_protos[] = {
	{
		.name = "solarman-v5",
		.request = "solarman-v5/08-data-ind-4210-02b0.hex",
		.reply = "solarman-v5/09-data-rsp-1210.hex",
		.parts = 1,
		.records = 1,
		.churn = 1,
		.samples = {
			"solarman-v5/01-device-ind-4110.hex",
			"solarman-v5/08-data-ind-4210-02b0.hex",
			"solarman-v5/10-data-ind-4210-ftype81.hex",
			"solarman-v5/19-sync-start-ind-4310.hex",
			"solarman-v5/22-sync-end-ind-4810.hex",
			"solarman-v5/24-heartbeat-ind-4710.hex",
			NULL
		},
		.frame = solarman_frame,
		.reply_ok = sm_reply_ok,
		.answer = sm_answer,
		.conf = "heartbeat_interval = 60\n"
	},
	{
		.name = "tsun-gen3",
		.request = "tsun-gen3/27-inverter-data-ind.hex",
		.reply = "tsun-gen3/26-inverter-data-rsp.hex",
		.parts = 1,
		.records = 1,
		.samples = {
			"tsun-gen3/01-contact-info-ind.hex",
			"tsun-gen3/15-heartbeat-ind.hex",
			"tsun-gen3/20-collector-data-ind.hex",
			"tsun-gen3/24-inverter-info-ind.hex",
			"tsun-gen3/27-inverter-data-ind.hex",
			"tsun-gen3/32-inverter-data-ind-ms3000.hex",
			NULL
		},
		.frame = gen3_frame,
		.vary = g3_vary,
		.answer = g3_answer,
		.conf = ""
	},
	{
		.name = "apsystems-ecu",
		.make = aps_make,
		.reply = "apsystems-ecu/03-ema-reply-to-01-own-ts.hex",
		.parts = 1,
		.records = 41,
		.churn = 1,
		.samples = {
			"apsystems-ecu/01-aps18-data-record-ecu-r-2inv.hex",
			NULL
		},
		.frame = apsystems_frame,
		.rframe = aps_rframe,
		.answer = aps_answer,
		.conf = ""
	},
	{
		.name = "alphaess",
		.request = "alphaess/12-status-push-1-1-16-battery.hex",
		.reply = "alphaess/13-status-ok-1-2-16-server.hex",
		.parts = 1,
		.records = 1,
		.samples = {
			"alphaess/01-empty-1-1-0-battery.hex",
			"alphaess/03-login-1-1-2-battery.hex",
			"alphaess/05-eventlog-1-1-9-battery.hex",
			"alphaess/12-status-push-1-1-16-battery.hex",
			NULL
		},
		.frame = alphaess_frame,
		.vary = ae_vary,
		.answer = ae_answer,
		.conf = ""
	},
	{
		.name = "hoymiles",
		.make = hm_make,
		.parts = 2,
		.records = 3,
		.samples = {
			"hoymiles/07-dtu-to-cloud-2202-heartbeat-derived.hex",
			"hoymiles/09-dtu-to-cloud-220c-realdatanew-derived.hex",
			NULL
		},
		.frame = hoymiles_frame,
		.vary = hm_vary,
		.answer = hm_answer,
		.conf = ""
	},
	{ .name = NULL }
};

const struct bench_proto *
bench_proto(const char *name)
{
	const struct bench_proto	*bp;

	for (bp = bench_protos; bp->name != NULL; bp++)
		if (strcmp(bp->name, name) == 0)
			return (bp);
	return (NULL);
}

/*
 * The second now, from the clock pvgated's listener reads (time(3) may
 * be a coarser clock): the replies of both servers carry it.
 */
time_t
bench_now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return (time(NULL));
	return (ts.tv_sec);
}

/* lowercase hex, any white space between bytes */
size_t
bench_loadhex(const char *path, uint8_t *buf, size_t max)
{
	FILE		*fp;
	unsigned int	 b;
	size_t		 n = 0;
	int		 c;

	if ((fp = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	for (;;) {
		while ((c = fgetc(fp)) == ' ' || c == '\n' || c == '\r' ||
		    c == '\t')
			;
		if (c == EOF)
			break;
		ungetc(c, fp);
		if (fscanf(fp, "%2x", &b) != 1)
			errx(1, "%s: not hex", path);
		if (n == max)
			errx(1, "%s: longer than %zu bytes", path, max);
		buf[n++] = b;
	}
	fclose(fp);
	if (n == 0)
		errx(1, "%s: empty", path);
	return (n);
}

/*
 * Every old in buf becomes the serial of device dev: old with its last
 * digits replaced by dev's number.
 */
static void
bench_serial(uint8_t *buf, size_t len, const char *old, unsigned int dev)
{
	char		 new[64];
	uint8_t		*p = buf;
	size_t		 olen = strlen(old), left = len;

	if (olen < 7 || olen >= sizeof(new))
		errx(1, "serial %s: not 7 to 63 characters", old);
	(void)snprintf(new, sizeof(new), "%.*s%06u", (int)olen - 6, old,
	    dev % 1000000);
	while ((p = memmem(p, left, old, olen)) != NULL) {
		memcpy(p, new, olen);
		p += olen;
		left = len - (p - buf);
	}
}

/*
 * Solarman V5 (spec B.3): the 23-byte ack.  Bytes 13..16 are the
 * cloud's clock and byte 21 the checksum over it; everything else must
 * be the captured reply's.
 */
#define SM_ACKLEN	23
#define SM_TIME		13

static uint8_t
sm_sum(const uint8_t *buf, size_t len)
{
	size_t	i;
	uint8_t	sum = 0;

	for (i = 1; i < len - 2; i++)
		sum += buf[i];
	return (sum);
}

static int
sm_reply_ok(const uint8_t *got, size_t len, const uint8_t *want,
    size_t wantlen, time_t now)
{
	long	skew;

	if (len != wantlen || len != SM_ACKLEN)
		return (0);
	if (memcmp(got, want, SM_TIME) != 0 ||
	    memcmp(got + SM_TIME + 4, want + SM_TIME + 4,
	    len - SM_TIME - 4 - 2) != 0 || got[len - 1] != want[len - 1])
		return (0);
	if (sm_sum(got, len) != got[len - 2])
		return (0);
	skew = (long)pv_le32(got + SM_TIME) - (long)now;
	return (skew >= -5 && skew <= 5);
}

/*
 * The floor's ack: the indications pvgated acks, no checksum test, no
 * decoding.  Control code minus 0x3000, server sequence byte plus one,
 * device sequence byte and logger serial copied, frame type copied,
 * "accepted", our clock, heartbeat 60 s.
 */
static size_t
sm_answer(const uint8_t *req, size_t len, uint8_t *out, size_t max,
    time_t now)
{
	uint16_t	ctrl;

	if (len < 14 || max < SM_ACKLEN)
		return (0);
	ctrl = pv_le16(req + 3);
	switch (ctrl) {
	case 0x4110:
	case 0x4210:
	case 0x4310:
	case 0x4710:
	case 0x4810:
		break;
	default:
		return (0);
	}
	out[0] = 0xa5;
	pv_put_le16(out + 1, 10);
	pv_put_le16(out + 3, ctrl - 0x3000);
	out[5] = (uint8_t)(req[5] + 1);
	out[6] = req[6];
	memcpy(out + 7, req + 7, 4);
	out[11] = req[11];
	out[12] = 0x01;
	pv_put_le32(out + SM_TIME, (uint32_t)now);
	pv_put_le32(out + 17, 60);
	out[21] = sm_sum(out, SM_ACKLEN);
	out[22] = 0x15;
	return (SM_ACKLEN);
}

/*
 * TSUN GEN3 (the vectors' notes): u32 length of the rest, id length,
 * id, control, message id, payload.  Contact info is answered with
 * 0x91 and data 0x01, a heartbeat with 0x99 and 0x02, collector and
 * inverter data with 0x99 and 0x01; nothing else.
 */
/* the stick's serial, in the header and the payload */
static void
g3_vary(uint8_t *buf, size_t len, unsigned int dev, unsigned int n)
{
	(void)n;
	bench_serial(buf, len, "R170000000000001", dev);
}

static size_t
g3_answer(const uint8_t *req, size_t len, uint8_t *out, size_t max,
    time_t now)
{
	size_t	idlen, hdr;
	uint8_t	ctrl, msg, ack, code;

	(void)now;
	if (len < 5 || (idlen = req[4]) > 17 || len < 7 + idlen)
		return (0);
	hdr = 5 + idlen;
	ctrl = req[hdr];
	msg = req[hdr + 1];
	if (ctrl != 0x91 || max < hdr + 3)
		return (0);
	switch (msg) {
	case 0x00:
		ack = 0x91;
		code = 0x01;
		break;
	case 0x99:
		if (len - hdr - 2 != 9)
			return (0);
		ack = 0x99;
		code = 0x02;
		break;
	case 0x04:
	case 0x71:
		ack = 0x99;
		code = 0x01;
		break;
	default:
		return (0);
	}
	memcpy(out, req, hdr);
	out[0] = out[1] = out[2] = 0;
	out[3] = (uint8_t)(hdr + 3 - 4);
	out[hdr] = ack;
	out[hdr + 1] = msg;
	out[hdr + 2] = code;
	return (hdr + 3);
}

/*
 * AlphaESS: every request of the battery gets the response flag, its
 * command, and {"Status":"Success"}, CRC-16/MODBUS big-endian.
 */
#define AE_SUCCESS	"{\"Status\":\"Success\"}"
#define AE_SUCCESSLEN	(sizeof(AE_SUCCESS) - 1)
#define AE_REPLYLEN	(7 + AE_SUCCESSLEN + 2)

/*
 * The battery's serial, and its clock one second on for each push: the
 * decoder drops a sample it has just had.  Then the CRC again.
 */
#define AE_TIME		"\"Time\":\""
#define AE_TIMEFMT	"%Y/%m/%d %H:%M:%S"

static void
ae_vary(uint8_t *buf, size_t len, unsigned int dev, unsigned int n)
{
	struct tm	 tm;
	time_t		 t;
	uint8_t		*p;
	char		 s[32];
	uint16_t	 crc;
	size_t		 off;

	if (len < 9)
		return;
	bench_serial(buf, len, "ALXXXXXXXXXXXXX", dev);
	if ((p = memmem(buf, len, AE_TIME, strlen(AE_TIME))) == NULL ||
	    (off = p - buf + strlen(AE_TIME)) + 19 > len)
		return;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 2021 - 1900;
	tm.tm_mon = 2;
	tm.tm_mday = 24;
	tm.tm_hour = 10;
	t = timegm(&tm) + n;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(s, sizeof(s), AE_TIMEFMT, &tm) != 19)
		return;
	memcpy(buf + off, s, 19);
	crc = pv_crc16_modbus(buf, len - 2);
	buf[len - 2] = crc >> 8;
	buf[len - 1] = crc & 0xff;
}

static size_t
ae_answer(const uint8_t *req, size_t len, uint8_t *out, size_t max,
    time_t now)
{
	uint16_t	crc;

	(void)now;
	if (len < 9 || max < AE_REPLYLEN || req[1] != 0x01 || req[2] == 8)
		return (0);
	out[0] = 0x01;
	out[1] = 0x02;
	out[2] = req[2];
	out[3] = out[4] = out[5] = 0;
	out[6] = AE_SUCCESSLEN;
	memcpy(out + 7, AE_SUCCESS, AE_SUCCESSLEN);
	crc = pv_crc16_modbus(out, AE_REPLYLEN - 2);
	out[AE_REPLYLEN - 2] = crc >> 8;
	out[AE_REPLYLEN - 1] = crc & 0xff;
	return (AE_REPLYLEN);
}

/*
 * APsystems ECU: the load is a 40-inverter record, about 4.4 KB, of
 * every inverter type in turn (the tests' fleet).  The answer to a
 * data record is "1" (stored), "01" (one timestamp) and the record's
 * own time.
 */
#define APS_FLEET	40
#define APS_REC_TIME	60
#define APS_TIMELEN	14
#define APS_REC_HEAD	86

static size_t
aps_make(uint8_t *buf, size_t max)
{
	struct gen_inv	inv[APS_FLEET];
	struct gen_ecu	ecu;

	gen_fleet(inv, APS_FLEET);
	gen_fleet_ecu(&ecu, inv, APS_FLEET, "20240206112214");
	return (gen_record((char *)buf, max, &ecu, inv, APS_FLEET, NULL));
}

/* the cloud's replies: "1", a two-digit count, that many times */
static int
aps_rframe(const uint8_t *buf, size_t len, size_t max, size_t *n,
    const char **why)
{
	size_t	want;

	(void)max;
	if (len < 3)
		return (FRAME_MORE);
	if (buf[0] != '1' || buf[1] < '0' || buf[1] > '9' || buf[2] < '0' ||
	    buf[2] > '9') {
		*why = "not an ECU reply";
		return (FRAME_CLOSE);
	}
	want = 3 + APS_TIMELEN * ((buf[1] - '0') * 10 + buf[2] - '0');
	if (len < want)
		return (FRAME_MORE);
	*n = want;
	return (FRAME_OK);
}

static size_t
aps_answer(const uint8_t *req, size_t len, uint8_t *out, size_t max,
    time_t now)
{
	(void)now;
	if (len < APS_REC_HEAD || memcmp(req, "APS18", 5) != 0 ||
	    max < 3 + APS_TIMELEN)
		return (0);
	memcpy(out, "101", 3);
	memcpy(out + 3, req + APS_REC_TIME, APS_TIMELEN);
	return (3 + APS_TIMELEN);
}

/*
 * Hoymiles: "HM", command, sequence, CRC-16/MODBUS of the protobuf
 * payload, total length, all big-endian.  The load is one RealDataNew
 * upload in two packages (two inverters' grid data and two ports in
 * the first, two ports and the DTU's totals in the second); the cloud
 * acks each with 0x230c, the package index and its clock.
 */
#define HM_HDRLEN	10
#define HM_DTU		"4143A0123456"

static void
hm_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* frame m as command cmd; its length, 0 if it does not fit */
static size_t
hm_pack(uint8_t *out, size_t max, uint16_t cmd, uint16_t seq,
    const ProtobufCMessage *m)
{
	size_t	n;

	if ((n = protobuf_c_message_get_packed_size(m)) > max ||
	    max - n < HM_HDRLEN)
		return (0);
	(void)protobuf_c_message_pack(m, out + HM_HDRLEN);
	out[0] = 'H';
	out[1] = 'M';
	hm_put16(out + 2, cmd);
	hm_put16(out + 4, seq);
	hm_put16(out + 6, pv_crc16_modbus(out + HM_HDRLEN, n));
	hm_put16(out + 8, (uint16_t)(HM_HDRLEN + n));
	return (HM_HDRLEN + n);
}

static void
hm_package(Hm__RealDataNewFromDtu *m, Hm__Sgs **sp, Hm__Pv **pvp,
    int32_t cp, int32_t t)
{
	hm__real_data_new_from_dtu__init(m);
	m->dtu_sn = HM_DTU;
	m->time = t;
	m->ap = 2;
	m->cp = cp;
	m->version = 1;
	m->n_pv = 2;
	m->pv = pvp + 2 * cp;
	if (cp == 0) {
		m->n_sgs = 2;
		m->sgs = sp;
	} else {
		m->dtu_power = 5912;
		m->dtu_energy_today = 3006;
	}
}

static size_t
hm_make(uint8_t *buf, size_t max)
{
	Hm__RealDataNewFromDtu	 m;
	Hm__Sgs			 s[2], *sp[2] = { &s[0], &s[1] };
	Hm__Pv			 pv[4];
	Hm__Pv			*pvp[4] = { &pv[0], &pv[1], &pv[2], &pv[3] };
	int32_t			 t = (int32_t)bench_now() - 60;
	size_t			 n, off = 0;
	int			 i;

	for (i = 0; i < 2; i++) {
		hm__sgs__init(&s[i]);
		s[i].sn = 0x116412340001LL + i;
		s[i].voltage = 2301 + i;
		s[i].frequency = 5000;
		s[i].power = 2800 + 156 * i;
		s[i].reactive = 1;
		s[i].current = 100 + 7 * i;
		s[i].pf = 999;
		s[i].temperature = 189 + i;
		s[i].link_status = 1;
	}
	for (i = 0; i < 4; i++) {
		hm__pv__init(&pv[i]);
		pv[i].sn = 0x116412340001LL + i / 2;
		pv[i].port = 1 + i % 2;
		pv[i].voltage = 370 + i;
		pv[i].current = 30 + i;
		pv[i].power = 1500 + 10 * i;
		pv[i].energy_total = 2949 + i;
		pv[i].energy_today = 83 + i;
	}
	for (i = 0; i < 2; i++) {
		hm_package(&m, sp, pvp, i, t);
		if ((n = hm_pack(buf + off, max - off, 0x220c, 0x0100 + i,
		    &m.base)) == 0)
			return (0);
		off += n;
	}
	return (off);
}

/* the DTU's serial in both packages, and their CRCs */
static void
hm_vary(uint8_t *buf, size_t len, unsigned int dev, unsigned int n)
{
	size_t	off, flen;

	(void)n;
	bench_serial(buf, len, HM_DTU, dev);
	for (off = 0; len - off >= HM_HDRLEN; off += flen) {
		flen = pv_be16(buf + off + 8);
		if (flen < HM_HDRLEN || flen > len - off)
			return;
		hm_put16(buf + off + 6, pv_crc16_modbus(buf + off + HM_HDRLEN,
		    flen - HM_HDRLEN));
	}
}

/* the varint of top-level field num of a protobuf message, or 0 */
static uint64_t
hm_field(const uint8_t *p, size_t len, unsigned int num)
{
	uint64_t	key, v;
	size_t		off = 0;

	while (off < len) {
		if (hm_varint(p, len, &off, &key) == -1)
			return (0);
		switch (key & 7) {
		case 0:
			if (hm_varint(p, len, &off, &v) == -1)
				return (0);
			if (key >> 3 == num)
				return (v);
			break;
		case 1:
		case 5:
			if (len - off < ((key & 7) == 1 ? 8u : 4u))
				return (0);
			off += (key & 7) == 1 ? 8 : 4;
			break;
		case 2:
			if (hm_varint(p, len, &off, &v) == -1 ||
			    v > len - off)
				return (0);
			off += v;
			break;
		default:
			return (0);
		}
	}
	return (0);
}

/* a real-time upload's ack and the heartbeat's reply; nothing else */
static size_t
hm_answer(const uint8_t *req, size_t len, uint8_t *out, size_t max,
    time_t now)
{
	Hm__PackageToDtu	 a;
	Hm__HeartbeatToDtu	 h;
	struct tm		 tm;
	char			 ymd[32];
	uint16_t		 cmd, seq;
	int32_t			 offset;

	if (len < HM_HDRLEN || req[0] != 'H' || req[1] != 'M')
		return (0);
	cmd = pv_be16(req + 2);
	seq = pv_be16(req + 4);
	if (localtime_r(&now, &tm) == NULL)
		return (0);
	offset = (int32_t)tm.tm_gmtoff;
	if (strftime(ymd, sizeof(ymd), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return (0);
	switch (cmd) {
	case 0x220c:
		hm__package_to_dtu__init(&a);
		a.ymd_hms = ymd;
		a.package_idx = (int32_t)hm_field(req + HM_HDRLEN,
		    len - HM_HDRLEN, 4);
		a.offset = offset;
		a.time = (int32_t)now;
		return (hm_pack(out, max, cmd + 0x100, seq, &a.base));
	case 0x2202:
		hm__heartbeat_to_dtu__init(&h);
		h.offset = offset;
		h.time = (int32_t)now;
		h.ymd_hms = ymd;
		return (hm_pack(out, max, cmd + 0x100, seq, &h.base));
	default:
		return (0);
	}
}
