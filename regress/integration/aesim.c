/*
 * aesim: a simulated AlphaESS battery for the end-to-end tests.  It
 * connects to a port on loopback and runs a script given as arguments:
 *
 *	login:USER:PASS	send a login
 *	push:SKEW	send a status push (the values of the captured one)
 *			whose Time is our local clock minus SKEW seconds
 *	send:FILE	send the frame in a hex file
 *	raw:CMD:BODY	send a request of command CMD with body BODY
 *	again		send the last frame built here once more
 *	garbage:N	send N bytes that are not a frame
 *	ok:CMD		read one frame: it must be the cloud's answer,
 *			01 02 CMD {"Status":"Success"}, its CRC right
 *	expect:FILE	read one frame: it must equal the hex file
 *	badcrc		the next frame goes out with its CRC broken
 *	oversize:LEN	send a header announcing a body of LEN bytes
 *	hold		keep what is sent until flush, then write it at once
 *	flush
 *	split:N		write the next frame N bytes at a time, 20 ms apart
 *	silence:MS	nothing may arrive for MS milliseconds
 *	closed:MS	the gateway must close the connection within MS
 *	sleep:MS	wait
 *
 * Frames are built here with a CRC of our own, not the gateway's.
 * Every step that checks prints "ok - ..." or "not ok - ..."; the exit
 * status is the number of failed steps (at most 100).
 */

#include "compat.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "simlib.h"

#define TIMEOUT_MS	3000
#define MAXFRAME	65536
#define SUCCESS		"{\"Status\":\"Success\"}"
/* the battery's serial as the vectors carry it (see their MANIFEST) */
#define SN		"ALXXXXXXXXXXXXX"

static struct sim_conn	 c = SIM_CONN_INIT;
static int		 breakcrc;
static int		 holding;
static size_t		 splitn;
static uint8_t		 hbuf[MAXFRAME];
static size_t		 hlen;
static uint8_t		 last[MAXFRAME];
static size_t		 lastlen;

static uint16_t	 crc16(const uint8_t *, size_t);
static size_t	 frame(uint8_t *, int, int, const char *, size_t);
static void	 send_frame(uint8_t *, size_t);
static int	 read_frame(size_t *);
static void	 expect_ok(int);
static void	 expect_file(const char *);
static void	 push(long);
static void	 login(char *);

/* CRC-16/MODBUS */
static uint16_t
crc16(const uint8_t *p, size_t len)
{
	uint16_t	crc = 0xffff;
	int		b;

	while (len-- > 0) {
		crc ^= *p++;
		for (b = 0; b < 8; b++)
			crc = (crc >> 1) ^ ((crc & 1) ? 0xa001 : 0);
	}
	return (crc);
}

/* a frame into out (MAXFRAME bytes); its length */
static size_t
frame(uint8_t *out, int f2, int cmd, const char *body, size_t blen)
{
	uint16_t	crc;

	if (blen > MAXFRAME - 9)
		errx(100, "body too long");
	out[0] = 0x01;
	out[1] = f2;
	out[2] = cmd;
	out[3] = blen >> 24;
	out[4] = blen >> 16;
	out[5] = blen >> 8;
	out[6] = blen;
	memcpy(out + 7, body, blen);
	crc = crc16(out, blen + 7);
	out[blen + 7] = crc >> 8;
	out[blen + 8] = crc & 0xff;
	return (blen + 9);
}

/* a frame out, as the modifiers say: broken CRC, held, split */
static void
send_frame(uint8_t *buf, size_t len)
{
	size_t	n;

	if (buf != last) {
		memcpy(last, buf, len);
		lastlen = len;
	}
	if (breakcrc && len > 0) {
		buf[len - 1] ^= 0x5a;
		breakcrc = 0;
	}
	if (holding) {
		if (len > sizeof(hbuf) - hlen)
			errx(100, "hold: too much");
		memcpy(hbuf + hlen, buf, len);
		hlen += len;
		return;
	}
	if (splitn == 0) {
		sim_send_all(c.fd, buf, len);
		return;
	}
	while (len > 0) {
		n = len < splitn ? len : splitn;
		sim_send_all(c.fd, buf, n);
		buf += n;
		len -= n;
		usleep(20000);
	}
	splitn = 0;
}

/* one whole frame at the start of c.buf: 1 and its length, or 0 / -1 */
static int
read_frame(size_t *n)
{
	uint32_t	blen;
	int		r;

	for (;;) {
		if (c.len >= 7) {
			blen = (uint32_t)c.buf[3] << 24 | c.buf[4] << 16 |
			    c.buf[5] << 8 | c.buf[6];
			if (blen > sizeof(c.buf) - 9)
				return (-1);
			if (c.len >= blen + 9) {
				*n = blen + 9;
				return (1);
			}
		}
		if ((r = sim_fill(&c, TIMEOUT_MS)) <= 0)
			return (r);
	}
}

static void
expect_ok(int cmd)
{
	uint8_t	want[64];
	char	step[32];
	size_t	n, wlen;
	int	r;

	(void)snprintf(step, sizeof(step), "answer to command %d", cmd);
	wlen = frame(want, 2, cmd, SUCCESS, strlen(SUCCESS));
	if ((r = read_frame(&n)) <= 0) {
		sim_result(0, step, r == 0 ? "no reply" : "connection closed");
		return;
	}
	if (n != wlen || memcmp(c.buf, want, wlen) != 0)
		sim_result(0, step, "%zu bytes, not the Success frame", n);
	else
		sim_result(1, step, "byte-exact, CRC %02x%02x", want[wlen - 2],
		    want[wlen - 1]);
	sim_consume(&c, n);
}

static void
expect_file(const char *path)
{
	static uint8_t	 want[MAXFRAME];
	const char	*b = sim_base(path);
	size_t		 n, wlen;
	int		 r;

	wlen = sim_load_hex(path, want, sizeof(want));
	if ((r = read_frame(&n)) <= 0) {
		sim_result(0, b, r == 0 ? "no reply" : "connection closed");
		return;
	}
	if (n != wlen || memcmp(c.buf, want, wlen) != 0)
		sim_result(0, b, "%zu bytes, differs", n);
	else
		sim_result(1, b, "byte-exact");
	sim_consume(&c, n);
}

/* the captured push's values, our clock minus skew on its face */
static void
push(long skew)
{
	static uint8_t	out[MAXFRAME];
	struct tm	tm;
	time_t		t = time(NULL) - skew;
	char		body[1024], when[32];
	int		n;

	if (localtime_r(&t, &tm) == NULL)
		err(100, "localtime_r");
	strftime(when, sizeof(when), "%Y/%m/%d %H:%M:%S", &tm);
	n = snprintf(body, sizeof(body), "{\"Time\":\"%s\",\"SN\":"
	    "\"" SN "\",\"Ppv1\":\"1250\",\"Ppv2\":\"1240\","
	    "\"PrealL1\":\"1630\",\"PrealL2\":\"0.0\",\"PrealL3\":\"0.0\","
	    "\"PmeterL1\":\"0\",\"PmeterL2\":\"0\",\"PmeterL3\":\"0\","
	    "\"PmeterDC\":\"1065\",\"Pbat\":\"-688.8960\",\"Sva\":\"1613\","
	    "\"VarAC\":\"-559\",\"VarDC\":\"-10\",\"SOC\":\"33.2\"}", when);
	if (n < 0 || (size_t)n >= sizeof(body))
		errx(100, "push body");
	send_frame(out, frame(out, 1, 16, body, n));
}

static void
login(char *val)
{
	static uint8_t	 out[MAXFRAME];
	char		 body[512], *pass;
	int		 n;

	if ((pass = strchr(val, ':')) == NULL)
		errx(100, "login:USER:PASS");
	*pass++ = '\0';
	n = snprintf(body, sizeof(body), "{\"UserName\":\"%s\",\"Password\":"
	    "\"%s\",\"CompanyName\":\"AlphaESS\"}", val, pass);
	if (n < 0 || (size_t)n >= sizeof(body))
		errx(100, "login body");
	send_frame(out, frame(out, 1, 2, body, n));
}

int
main(int argc, char *argv[])
{
	static uint8_t	 buf[MAXFRAME];
	const char	*errstr;
	char		*arg, *val;
	size_t		 n;
	long long	 v;
	int		 ch, i, port = 0;

	sim_label = "aesim";
	while ((ch = getopt(argc, argv, "l:p:")) != -1) {
		switch (ch) {
		case 'l':
			sim_label = optarg;
			break;
		case 'p':
			port = sim_port(optarg);
			break;
		default:
			fprintf(stderr, "usage: aesim [-l label] -p port "
			    "step ...\n");
			return (100);
		}
	}
	if (port == 0)
		errx(100, "no port");
	sim_open(&c, sim_connect("127.0.0.1", NULL, port));
	for (i = optind; i < argc; i++) {
		arg = argv[i];
		if ((val = strchr(arg, ':')) != NULL)
			*val++ = '\0';
		if (strcmp(arg, "login") == 0 && val != NULL)
			login(val);
		else if (strcmp(arg, "push") == 0 && val != NULL) {
			v = strtonum(val, -86400 * 365, 86400 * 365, &errstr);
			if (errstr != NULL)
				errx(100, "push %s: %s", val, errstr);
			push((long)v);
		} else if (strcmp(arg, "raw") == 0 && val != NULL &&
		    strchr(val, ':') != NULL) {
			n = frame(buf, 1, atoi(val), strchr(val, ':') + 1,
			    strlen(strchr(val, ':') + 1));
			send_frame(buf, n);
		} else if (strcmp(arg, "again") == 0 && lastlen > 0)
			send_frame(last, lastlen);
		else if (strcmp(arg, "garbage") == 0 && val != NULL) {
			n = strtonum(val, 1, sizeof(buf), &errstr);
			if (errstr != NULL)
				errx(100, "garbage %s: %s", val, errstr);
			memset(buf, 'x', n);
			sim_send_all(c.fd, buf, n);
		} else if (strcmp(arg, "send") == 0 && val != NULL) {
			n = sim_load_hex(val, buf, sizeof(buf));
			send_frame(buf, n);
		} else if (strcmp(arg, "ok") == 0 && val != NULL)
			expect_ok(atoi(val));
		else if (strcmp(arg, "expect") == 0 && val != NULL)
			expect_file(val);
		else if (strcmp(arg, "badcrc") == 0)
			breakcrc = 1;
		else if (strcmp(arg, "oversize") == 0 && val != NULL) {
			v = strtonum(val, 0, UINT32_MAX, &errstr);
			if (errstr != NULL)
				errx(100, "oversize %s: %s", val, errstr);
			buf[0] = 0x01;
			buf[1] = 0x01;
			buf[2] = 16;
			buf[3] = v >> 24;
			buf[4] = v >> 16;
			buf[5] = v >> 8;
			buf[6] = v;
			memset(buf + 7, '{', 64);
			sim_send_all(c.fd, buf, 7 + 64);
		} else if (strcmp(arg, "hold") == 0)
			holding = 1;
		else if (strcmp(arg, "flush") == 0) {
			holding = 0;
			sim_send_all(c.fd, hbuf, hlen);
			hlen = 0;
		} else if (strcmp(arg, "split") == 0 && val != NULL) {
			splitn = strtonum(val, 1, 1000, &errstr);
			if (errstr != NULL)
				errx(100, "split %s: %s", val, errstr);
		} else if (strcmp(arg, "silence") == 0 && val != NULL)
			sim_silence(&c, atoi(val));
		else if (strcmp(arg, "closed") == 0 && val != NULL)
			sim_closed(&c, atoi(val));
		else if (strcmp(arg, "sleep") == 0 && val != NULL)
			usleep(atoi(val) * 1000);
		else
			errx(100, "unknown step %s", arg);
	}
	sim_hangup(&c);
	return (sim_status());
}
