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

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS	3000
#define MAXFRAME	65536
#define SUCCESS		"{\"Status\":\"Success\"}"

static int		 sock = -1;
static int		 port;
static const char	*label = "aesim";
static int		 failed;
static int		 breakcrc;
static int		 holding;
static size_t		 splitn;
static uint8_t		 rbuf[MAXFRAME];
static size_t		 rlen;
static uint8_t		 hbuf[MAXFRAME];
static size_t		 hlen;
static uint8_t		 last[MAXFRAME];
static size_t		 lastlen;

static void	 result(int, const char *, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static uint16_t	 crc16(const uint8_t *, size_t);
static size_t	 frame(uint8_t *, int, int, const char *, size_t);
static size_t	 load_hex(const char *, uint8_t *, size_t);
static void	 do_connect(void);
static void	 send_all(const uint8_t *, size_t);
static void	 send_frame(uint8_t *, size_t);
static int	 fill(int);
static int	 read_frame(size_t *);
static void	 consume(size_t);
static void	 expect_ok(int);
static void	 expect_file(const char *);
static void	 silence(int);
static void	 closed(int);
static void	 push(long);
static void	 login(char *);

static void
result(int ok, const char *step, const char *fmt, ...)
{
	va_list	ap;

	printf("%s - %s: %s", ok ? "ok" : "not ok", label, step);
	if (fmt != NULL) {
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
	fflush(stdout);
	if (!ok)
		failed++;
}

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

static size_t
load_hex(const char *path, uint8_t *buf, size_t max)
{
	FILE		*fp;
	unsigned int	 b;
	size_t		 n = 0;
	int		 c;

	if ((fp = fopen(path, "r")) == NULL)
		err(100, "%s", path);
	for (;;) {
		while ((c = fgetc(fp)) == ' ' || c == '\n' || c == '\r' ||
		    c == '\t')
			;
		if (c == EOF)
			break;
		ungetc(c, fp);
		if (fscanf(fp, "%2x", &b) != 1)
			errx(100, "%s: not hex", path);
		if (n == max)
			errx(100, "%s: too long", path);
		buf[n++] = b;
	}
	fclose(fp);
	return (n);
}

static void
do_connect(void)
{
	struct sockaddr_in	sin;

	if ((sock = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(100, "socket");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(sock, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(100, "connect 127.0.0.1:%d", port);
}

static void
send_all(const uint8_t *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(sock, buf, len)) == -1)
			err(100, "write");
		buf += n;
		len -= n;
	}
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
		send_all(buf, len);
		return;
	}
	while (len > 0) {
		n = len < splitn ? len : splitn;
		send_all(buf, n);
		buf += n;
		len -= n;
		usleep(20000);
	}
	splitn = 0;
}

/* wait up to ms for bytes; 1 data, 0 timeout, -1 closed */
static int
fill(int ms)
{
	struct pollfd	pfd;
	ssize_t		n;

	pfd.fd = sock;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, ms) <= 0)
		return (0);
	n = read(sock, rbuf + rlen, sizeof(rbuf) - rlen);
	if (n <= 0)
		return (-1);
	rlen += n;
	return (1);
}

/* one whole frame at the start of rbuf: 1 and its length, or 0 / -1 */
static int
read_frame(size_t *n)
{
	uint32_t	blen;
	int		r;

	for (;;) {
		if (rlen >= 7) {
			blen = (uint32_t)rbuf[3] << 24 | rbuf[4] << 16 |
			    rbuf[5] << 8 | rbuf[6];
			if (blen > sizeof(rbuf) - 9)
				return (-1);
			if (rlen >= blen + 9) {
				*n = blen + 9;
				return (1);
			}
		}
		if ((r = fill(TIMEOUT_MS)) <= 0)
			return (r);
	}
}

static void
consume(size_t n)
{
	memmove(rbuf, rbuf + n, rlen - n);
	rlen -= n;
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
		result(0, step, r == 0 ? "no reply" : "connection closed");
		return;
	}
	if (n != wlen || memcmp(rbuf, want, wlen) != 0)
		result(0, step, "%zu bytes, not the Success frame", n);
	else
		result(1, step, "byte-exact, CRC %02x%02x", want[wlen - 2],
		    want[wlen - 1]);
	consume(n);
}

static void
expect_file(const char *path)
{
	static uint8_t	 want[MAXFRAME];
	const char	*b = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t		 n, wlen;
	int		 r;

	wlen = load_hex(path, want, sizeof(want));
	if ((r = read_frame(&n)) <= 0) {
		result(0, b, r == 0 ? "no reply" : "connection closed");
		return;
	}
	if (n != wlen || memcmp(rbuf, want, wlen) != 0)
		result(0, b, "%zu bytes, differs", n);
	else
		result(1, b, "byte-exact");
	consume(n);
}

static void
silence(int ms)
{
	int	r = fill(ms);

	if (r == 0 && rlen == 0)
		result(1, "silence", NULL);
	else
		result(0, "silence", r == -1 ? "connection closed" :
		    "%zu unexpected bytes", rlen);
	rlen = 0;
}

static void
closed(int ms)
{
	struct timespec	t0, t1;
	int		r, left = ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (left > 0) {
		if ((r = fill(left)) == -1) {
			result(1, "closed", NULL);
			return;
		}
		if (r == 0)
			break;
		rlen = 0;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = ms - ((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000);
	}
	result(0, "closed", "still open after %d ms", ms);
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
	    "\"ALXXXXXXXXXXXXX\",\"Ppv1\":\"1250\",\"Ppv2\":\"1240\","
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
	int		 ch, i;

	while ((ch = getopt(argc, argv, "l:p:")) != -1) {
		switch (ch) {
		case 'l':
			label = optarg;
			break;
		case 'p':
			port = strtonum(optarg, 1, 65535, &errstr);
			if (errstr != NULL)
				errx(100, "port %s: %s", optarg, errstr);
			break;
		default:
			fprintf(stderr, "usage: aesim [-l label] -p port "
			    "step ...\n");
			return (100);
		}
	}
	if (port == 0)
		errx(100, "no port");
	do_connect();
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
			send_all(buf, n);
		} else if (strcmp(arg, "send") == 0 && val != NULL) {
			n = load_hex(val, buf, sizeof(buf));
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
			send_all(buf, 7 + 64);
		} else if (strcmp(arg, "hold") == 0)
			holding = 1;
		else if (strcmp(arg, "flush") == 0) {
			holding = 0;
			send_all(hbuf, hlen);
			hlen = 0;
		} else if (strcmp(arg, "split") == 0 && val != NULL) {
			splitn = strtonum(val, 1, 1000, &errstr);
			if (errstr != NULL)
				errx(100, "split %s: %s", val, errstr);
		} else if (strcmp(arg, "silence") == 0 && val != NULL)
			silence(atoi(val));
		else if (strcmp(arg, "closed") == 0 && val != NULL)
			closed(atoi(val));
		else if (strcmp(arg, "sleep") == 0 && val != NULL)
			usleep(atoi(val) * 1000);
		else
			errx(100, "unknown step %s", arg);
	}
	close(sock);
	return (failed > 100 ? 100 : failed);
}
