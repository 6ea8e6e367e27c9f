/*
 * libFuzzer target: Modbus (modbus.c) on its own and as the GEN3 and
 * Solarman V5 decoders run it.
 *
 * First the input as an RTU response to a request chosen by its first
 * bytes: modbus_check() and, if it passes, modbus_decode() into a
 * record that must pack.  Then the input as a script of events on a
 * polled connection of each kind (GEN3, V5 listened on, V5 dialled):
 * timer expiries, the link going busy and up, time passing, and
 * responses made of the input's bytes.  The pvout checks the schedule:
 *
 *  - requests go out only from a timer expiry or the open of a dialled
 *    connection, never while a frame is decoded (pacing), and each is
 *    a well-formed request frame of its protocol;
 *  - the timer is armed after every event while the link is up,
 *    unless the connection was closed (only a dialled one may be);
 *  - records pack; dumps are of the frame decoded.
 *
 * Needs every proto/ file.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "modbus.h"
#include "record.h"
#include "fuzzlib.h"

#define ID		"R170000000000001"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 out_reply(struct pvctx *, const uint8_t *, size_t);
static void	 out_record(struct pvctx *, const struct record *);
static void	 out_dump(struct pvctx *, const uint8_t *, size_t,
		    const char *);
static void	 out_close(struct pvctx *);
static void	 out_timer(struct pvctx *, unsigned int);
static const struct pv_deviceconf *out_device(struct pvctx *,
		    const char *);
static void	 rtu_alone(const uint8_t *, size_t);
static void	 script(const uint8_t *, size_t, int);
static void	 frame(int, const uint8_t *, size_t, uint8_t);

static const struct pvout	fuzzout = {
	out_reply, out_record, out_dump, out_close, out_timer, out_device,
	NULL, fuzz_admit, NULL
};

enum { K_GEN3, K_SERVER, K_CLIENT };

static struct pv_deviceconf	 dev;
static struct pvctx		 fctx;
static int			 kind;
static int			 linkup;
static int			 sending;	/* a send is allowed now */
static int			 closed;
static unsigned int		 timer;
static uint8_t			 fbuf[4096];

static void
out_reply(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	if (kind == K_GEN3) {
		/* acks come from decoding; requests only when sending */
		if (len < 7 + 16 || pv_be32(buf) + 4 != len)
			abort();
		if (buf[21] == 0x70) {
			if (!sending || buf[22] != 0x77 || len != 36 ||
			    pv_crc16_modbus(buf + 28, 6) != pv_le16(buf + 34))
				abort();
		} else if (buf[21] != 0x91 && buf[21] != 0x99)
			abort();
		return;
	}
	if (len < 13 || buf[0] != 0xa5 || buf[len - 1] != 0x15)
		abort();
	if (pv_le16(buf + 3) == 0x4510) {
		if (!sending || len != 36 || buf[11] != 0x02 ||
		    pv_crc16_modbus(buf + 26, 6) != pv_le16(buf + 32))
			abort();
	} else if (len != 23)
		abort();
}

static void
out_record(struct pvctx *ctx, const struct record *rec)
{
	static uint8_t	wire[PVGATE_IMSG_PAYLOAD];

	(void)ctx;
	if (rec->device[0] == '\0' ||
	    record_pack(rec, wire, sizeof(wire)) == 0)
		abort();
}

static void
out_dump(struct pvctx *ctx, const uint8_t *buf, size_t len,
    const char *reason)
{
	(void)ctx;
	fuzz_check_dump(buf, len, reason);
}

static void
out_close(struct pvctx *ctx)
{
	(void)ctx;
	if (kind != K_CLIENT)
		abort();
	closed = 1;
}

static void
out_timer(struct pvctx *ctx, unsigned int msec)
{
	(void)ctx;
	timer = msec;
}

static const struct pv_deviceconf *
out_device(struct pvctx *ctx, const char *name)
{
	(void)ctx;
	(void)name;
	return (&dev);
}

static void
rtu_alone(const uint8_t *data, size_t size)
{
	static struct record	 rec;
	static uint8_t		 wire[PVGATE_IMSG_PAYLOAD];
	const uint8_t		*regs;
	char			 why[PV_REASONLEN];
	uint16_t		 reg, n;

	if (size < 3)
		return;
	reg = pv_be16(data);
	n = 1 + data[2] % MB_MAXREGS;
	if (modbus_check(data + 3, size - 3, MB_ADDR, n, &regs, why,
	    sizeof(why)) == -1) {
		if (why[0] == '\0')
			abort();
		return;
	}
	record_init(&rec, REC_MEASUREMENT, PROTO_SOLARMAN_V5, FUZZ_NOW);
	(void)strlcpy(rec.device, "x", sizeof(rec.device));
	(void)modbus_decode(&rec, reg, regs, n, data[0] % 8);
	if (record_pack(&rec, wire, sizeof(wire)) == 0)
		abort();
}

/* a frame of the connection's protocol around bytes, decoded */
static void
frame(int what, const uint8_t *p, size_t plen, uint8_t seq)
{
	size_t			 n, i;
	uint8_t			 sum = 0;

	if (kind == K_GEN3) {
		/* what: 0 Modbus response, 1 get time, 2 heartbeat */
		static const uint8_t	hb[9] = { 1, 0, 0, 1, 0x89, 0xc6,
					    0x53, 0x4d, 0x80 };
		const uint8_t		*q = p;
		uint8_t			 msg = 0x77;

		if (what == 1) {
			msg = 0x22;
			plen = 0;
			linkup = 0;
		} else if (what == 2) {
			linkup = 1;
			msg = 0x99;
			q = hb;
			plen = sizeof(hb);
		} else if (plen > 0 && (p[0] & 1))
			msg = 0x87;
		n = 4 + 1 + 16 + 2 + plen;
		fbuf[0] = fbuf[1] = 0;
		fbuf[2] = (n - 4) >> 8;
		fbuf[3] = (n - 4) & 0xff;
		fbuf[4] = 16;
		memcpy(fbuf + 5, ID, 16);
		fbuf[21] = 0x91;
		fbuf[22] = msg;
		if (plen > 0)
			memcpy(fbuf + 23, q, plen);
	} else {
		/* what: 0 Modbus response, else heartbeat */
		if (what != 0) {
			plen = 1;
			linkup = 1;
		}
		n = 13 + plen;
		fbuf[0] = 0xa5;
		fbuf[1] = plen & 0xff;
		fbuf[2] = plen >> 8;
		fbuf[3] = 0x10;
		fbuf[4] = what == 0 ? 0x15 : 0x47;
		fbuf[5] = seq;
		fbuf[6] = seq ^ 0x5a;
		memcpy(fbuf + 7, "\x21\x43\x65\x7b", 4);
		if (what == 0)
			memcpy(fbuf + 11, p, plen);
		else
			fbuf[11] = 0;
		for (i = 1; i < n - 2; i++)
			sum += fbuf[i];
		fbuf[n - 2] = sum;
		fbuf[n - 1] = 0x15;
	}
	fuzz_cur = fbuf;
	fuzz_curlen = n;
	if (kind == K_GEN3)
		gen3_decode(&fctx, fbuf, n);
	else
		solarman_decode(&fctx, fbuf, n);
}

static void
script(const uint8_t *data, size_t size, int k)
{
	static uint64_t		 state[512];
	struct pv_protoconf	 conf;
	size_t			 i, take;
	uint8_t			 op;

	if (gen3_statesize() > sizeof(state) ||
	    solarman_statesize() > sizeof(state))
		abort();
	kind = k;
	closed = 0;
	timer = 0;
	linkup = k == K_CLIENT;
	memset(state, 0, sizeof(state));
	memset(&conf, 0, sizeof(conf));
	conf.proto = k == K_GEN3 ? PROTO_TSUN_GEN3 : PROTO_SOLARMAN_V5;
	conf.heartbeat_interval = 60;
	memset(&dev, 0, sizeof(dev));
	(void)strlcpy(dev.name, "Y17E7A0F010B013E", sizeof(dev.name));
	dev.logger = 2070233889U;
	dev.interval = 1 + (size > 0 ? data[0] % 90 : 0);
	dev.sensor = size > 1 ? (data[1] & 3) == 0 ? 0 : (data[1] & 3) ==
	    1 ? MB_SET_TITAN : (data[1] & 3) == 2 ? MB_SET_DCU : MB_SET_MS : 0;
	memset(&fctx, 0, sizeof(fctx));
	fctx.conf = &conf;
	fctx.state = state;
	fctx.now = FUZZ_NOW;
	fctx.peer = "192.0.2.10:51512";
	fctx.out = &fuzzout;

	if (k == K_CLIENT) {
		fctx.dev = &dev;
		sending = 1;
		solarman_open(&fctx);
		sending = 0;
		fctx.dev = NULL;
		if (timer == 0)
			abort();
	} else
		frame(2, NULL, 0, 0);

	for (i = 2; i < size && !closed; i++) {
		op = data[i];
		switch (op & 3) {
		case 0:
			if (timer == 0)
				break;
			timer = 0;
			sending = 1;
			if (k == K_GEN3)
				gen3_tick(&fctx);
			else
				solarman_tick(&fctx);
			sending = 0;
			break;
		case 1:
			take = op >> 2;
			if (take > size - i - 1)
				take = size - i - 1;
			frame(0, data + i + 1, take, op);
			i += take;
			break;
		case 2:
			frame(1 + (op >> 7), NULL, 0, op);
			break;
		case 3:
			fctx.now += op >> 2;
			break;
		}
		/* a polled connection whose link is up has its timer set */
		if (linkup && !closed && timer == 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rtu_alone(data, size);
	script(data, size, K_GEN3);
	script(data, size, K_SERVER);
	script(data, size, K_CLIENT);
	return (0);
}
