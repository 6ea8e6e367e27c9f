/*
 * loggersim: a simulated Solarman V5 logger in client mode, for the
 * end-to-end tests.  Like a logger's port 8899 it listens on loopback,
 * sends nothing of its own, and answers Modbus read requests (0x4510,
 * frame type 2) with 0x1510 responses from a register image of a
 * TSOL-MS2000 (the 0x3000 block of capture 35, max power 2000 W at
 * 0x2007, power limit 100 % at 0x202c), or with -t of a TSUN Titan
 * (TSOL-MX3000D, sensor list 0x1097: status 1 at 0x1100, the 0x1200
 * block of capture 43, two PV inputs at 0x1300 whose energies add up to
 * capture 43's, maximum power 3000 W at 0x1437).  Other registers get
 * Modbus exception 2.  Every second response carries the stray 0xff
 * byte some loggers put before the RTU frame.
 *
 *	loggersim [-t] [-l label] -p port -s serial [-w seconds] answers ...
 *
 * Each argument is one connection to accept: answer that many requests,
 * then fall silent (the known stall) until the gateway hangs up; the
 * last connection is closed by us once its answers are given.  Each
 * request is checked: frame, checksum, serial, frame type, RTU CRC,
 * function 3, and sequence (ours echoed, the gateway's counting up).
 *
 * Lines "ok - ..." or "not ok - ..."; the exit status is the number of
 * failures (at most 100).
 */

#include "compat.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"
#include "modbus.h"
#include "simlib.h"

#define MAXFRAME	1024

/* the 48 registers from 0x3000 of capture 35 */
static const uint8_t	regs3000[96] = {
	0x00, 0x01, 0x12, 0x02, 0x12, 0x12, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x40, 0x20, 0x08, 0xc8, 0x00, 0x0d, 0x13, 0x87,
	0x00, 0x39, 0x00, 0x00, 0x02, 0x58, 0x01, 0x29,
	0x01, 0x3b, 0x00, 0x27, 0x00, 0x6c, 0x01, 0x44,
	0x00, 0x20, 0x00, 0x58, 0x01, 0x42, 0x00, 0x29,
	0x00, 0x73, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x03, 0xbc, 0xe1, 0x00, 0x00,
	0x00, 0x01, 0x5a, 0xce, 0x00, 0x00, 0x00, 0x01,
	0x28, 0x99, 0x00, 0x00, 0x00, 0x01, 0x60, 0x7b,
	0x00, 0x00, 0x00, 0x00, 0x06, 0x16, 0x02, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};

/* the Titan's 0x1200 block: capture 43, registers that are not 0 */
static const uint16_t	titan1200[][2] = {
	{ 0x1200, 2440 }, { 0x1201, 140 }, { 0x1202, 3420 },
	{ 0x1209, 4997 }, { 0x1210, 3000 }, { 0x1212, 69 }, { 0x1214, 1259 },
	{ 0x1216, 943 }, { 0x1217, 61 }, { 0x1218, 81 }
};

/* its PV inputs: V x0.1, A x0.01, W x0.1, today and total (u32) x0.01 */
static const uint16_t	titan1300[][7] = {
	{ 352, 485, 1707, 0, 39, 0, 700 },
	{ 348, 472, 1643, 0, 30, 0, 559 }
};

static const char	 titan_serial[] = "Y0012345678A0001";

static struct sim_conn	 c = SIM_CONN_INIT;
static int		 titan;
static uint32_t		 serial;
static int		 nanswers;
static uint8_t		 lastseq6;

static int	 titan_value(uint16_t, uint16_t *);
static int	 reg_value(uint16_t, uint16_t *);
static int	 next_frame(int, size_t *);
static void	 respond(const uint8_t *, size_t);
static void	 serve(int, int);

/* the Titan's register image; 0 if there is no such register */
static int
titan_value(uint16_t reg, uint16_t *v)
{
	size_t	i, n;

	*v = 0;
	if (reg >= 0x1000 && reg < 0x1008)
		*v = (uint16_t)titan_serial[2 * (reg - 0x1000)] << 8 |
		    (uint8_t)titan_serial[2 * (reg - 0x1000) + 1];
	else if (reg == 0x1100)
		*v = 1;
	else if (reg == 0x1437)
		*v = 3000;
	else if (reg >= 0x1200 && reg < 0x1230) {
		n = sizeof(titan1200) / sizeof(titan1200[0]);
		for (i = 0; i < n; i++)
			if (titan1200[i][0] == reg)
				*v = titan1200[i][1];
	} else if (reg >= 0x1302 && reg < 0x1302 + 7 * 2)
		*v = titan1300[(reg - 0x1302) / 7][(reg - 0x1302) % 7];
	return ((reg >= 0x1000 && reg < 0x1010) ||
	    (reg >= 0x1100 && reg < 0x1110) || (reg >= 0x1200 &&
	    reg < 0x1230) || (reg >= 0x1300 && reg < 0x1330) ||
	    (reg >= 0x1400 && reg < 0x1438));
}

/* the register image; 0 if there is no such register */
static int
reg_value(uint16_t reg, uint16_t *v)
{
	if (titan)
		return (titan_value(reg, v));
	if (reg >= 0x3000 && reg < 0x3030) {
		*v = pv_be16(regs3000 + 2 * (reg - 0x3000));
		return (1);
	}
	if (reg >= 0x2000 && reg < 0x2060) {
		*v = reg == 0x2007 ? 2000 : reg == 0x202c ? 1024 : 0;
		return (1);
	}
	return (0);
}

/* a whole frame in c.buf within ms: 1, none: 0, closed: -1 */
static int
next_frame(int ms, size_t *n)
{
	const char	*why;
	int		 r;

	for (;;) {
		if (c.len > 0) {
			switch (solarman_frame(c.buf, c.len, MAXFRAME, n,
			    &why)) {
			case FRAME_OK:
				return (1);
			case FRAME_MORE:
				break;
			default:
				sim_result(0, NULL, "garbage from the "
				    "gateway: %s", why);
				c.len = 0;
				return (-1);
			}
		}
		if ((r = sim_fill(&c, ms)) <= 0)
			return (r);
	}
}

/* check a request, answer it */
static void
respond(const uint8_t *f, size_t n)
{
	uint8_t		 out[MAXFRAME], sum = 0;
	const uint8_t	*rtu = f + 26;
	uint16_t	 reg, cnt, v, crc;
	size_t		 i, o, rl;
	int		 ok = 1, prefix;

	for (i = 1; i < n - 2; i++)
		sum += f[i];
	if (n != 36 || pv_le16(f + 3) != 0x4510 || f[n - 2] != sum ||
	    pv_le32(f + 7) != serial || f[11] != 0x02 ||
	    pv_crc16_modbus(rtu, 6) != pv_le16(rtu + 6) || rtu[0] != MB_ADDR ||
	    rtu[1] != MB_READ) {
		sim_result(0, NULL, "not a read request I understand "
		    "(%zu bytes)", n);
		return;
	}
	if (nanswers == 0 && (f[5] != 0x01 || f[6] != 0x00))
		sim_result(0, NULL, "first request with seq %02x %02x, "
		    "not 01 00", f[5], f[6]);
	if (nanswers > 0 && f[6] != lastseq6)
		sim_result(0, NULL, "sequence byte 6 is %02x, I sent %02x",
		    f[6], lastseq6);
	reg = pv_be16(rtu + 2);
	cnt = pv_be16(rtu + 4);

	prefix = nanswers++ % 2 == 1;
	memset(out, 0, sizeof(out));
	out[0] = 0xa5;
	pv_put_le16(out + 3, 0x1510);
	out[5] = f[5];
	out[6] = lastseq6 = (uint8_t)(f[6] + 1);
	pv_put_le32(out + 7, serial);
	out[11] = 0x02;
	out[12] = 0x01;
	pv_put_le32(out + 13, (uint32_t)time(NULL));
	o = 25;
	if (prefix)
		out[o++] = 0xff;
	rl = o;
	out[o++] = MB_ADDR;
	for (i = 0; i < cnt && ok; i++)
		ok = reg_value(reg + i, &v);
	if (!ok || cnt == 0 || cnt > MB_MAXREGS) {
		out[o++] = MB_READ | 0x80;
		out[o++] = 2;
	} else {
		out[o++] = MB_READ;
		out[o++] = 2 * cnt;
		for (i = 0; i < cnt; i++) {
			(void)reg_value(reg + i, &v);
			out[o++] = v >> 8;
			out[o++] = v & 0xff;
		}
	}
	crc = pv_crc16_modbus(out + rl, o - rl);
	out[o++] = crc & 0xff;
	out[o++] = crc >> 8;
	pv_put_le16(out + 1, o - 11);
	for (sum = 0, i = 1; i < o; i++)
		sum += out[i];
	out[o++] = sum;
	out[o++] = 0x15;
	sim_send_all(c.fd, out, o);
	sim_result(1, NULL, "read %u from 0x%04x (sensor 0x%04x, seq %02x "
	    "%02x): %s%s", cnt, reg, pv_le16(f + 12), f[5], f[6],
	    ok ? "answered" : "exception 2", prefix ? ", 0xff first" : "");
}

/* one connection: answer, then stall until the gateway hangs up */
static void
serve(int answers, int last)
{
	struct timespec	t0, t1;
	size_t		n;
	int		r, i;

	for (i = 0; i < answers; i++) {
		if ((r = next_frame(30000, &n)) != 1) {
			sim_result(0, NULL, "request %d of %d: %s", i + 1,
			    answers, r == 0 ? "none" : "connection closed");
			return;
		}
		respond(c.buf, n);
		sim_consume(&c, n);
	}
	if (last) {
		sim_result(1, NULL, "%d answered, hanging up", answers);
		return;
	}
	sim_result(1, NULL, "%d answered; silent from now on", answers);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; (r = next_frame(30000, &n)) == 1; i++)
		sim_consume(&c, n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	sim_result(r == -1, NULL, "the gateway gave up on the silence: %d "
	    "requests unanswered, closed after %lld s", i,
	    (long long)(t1.tv_sec - t0.tv_sec));
}

int
main(int argc, char *argv[])
{
	const char		*errstr;
	int			 ch, ls, s, port = 0, i, wait = 30;

	sim_label = "loggersim";
	while ((ch = getopt(argc, argv, "l:p:s:tw:")) != -1) {
		switch (ch) {
		case 't':
			titan = 1;
			break;
		case 'l':
			sim_label = optarg;
			break;
		case 'p':
			port = sim_port(optarg);
			break;
		case 's':
			serial = strtonum(optarg, 1, UINT32_MAX, &errstr);
			if (errstr != NULL)
				errx(100, "serial %s: %s", optarg, errstr);
			break;
		case 'w':
			wait = strtonum(optarg, 1, 3600, &errstr);
			if (errstr != NULL)
				errx(100, "wait %s: %s", optarg, errstr);
			break;
		default:
			fprintf(stderr, "usage: loggersim [-t] [-l label] -p "
			    "port -s serial [-w seconds] answers ...\n");
			return (100);
		}
	}
	if (port == 0 || serial == 0 || optind == argc)
		errx(100, "port, serial and connections needed");

	ls = sim_listen("127.0.0.1", port);
	printf("listening\n");
	fflush(stdout);

	for (i = optind; i < argc; i++) {
		if ((s = sim_accept(ls, wait * 1000)) == -1) {
			sim_result(0, NULL, "connection %d: not dialled "
			    "within %d s",
			    i - optind + 1, wait);
			break;
		}
		sim_open(&c, s);
		sim_result(1, NULL, "connection %d dialled", i - optind + 1);
		nanswers = 0;
		serve(atoi(argv[i]), i == argc - 1);
		sim_hangup(&c);
	}
	close(ls);
	return (sim_status());
}
