/*
 * pvsim: a simulated device for the end-to-end tests.  It connects to
 * a port on loopback (or, with -L, listens on it for the gateway's
 * connector to dial) and runs a script given as arguments:
 *
 *	accept:MS	(-L) hang up if connected, then the gateway must
 *			connect within MS; says how long it took
 *	hangup		close the connection
 *	send:FILE	send the bytes of a hex file
 *	garbage:N	send N bytes that are not a frame
 *	expect:FILE	read one Solarman V5 frame and compare it with the
 *			hex file; the time field must be within 2 s of now
 *			(it is compared as the file's, checksum recomputed)
 *	silence:MS	nothing may arrive for MS milliseconds
 *	closed:MS	the gateway must close the connection within MS
 *	refused:MS	... and send nothing before it does
 *	sleep:MS	wait
 *	reconnect	close and connect again
 *	flood:FILE:N	send a hex file N times without reading
 *	replies:N	read N Solarman V5 frames, within 30 s
 *	command:FILE	read one frame within 30 s, an owner's command:
 *			it must equal the hex file, byte for byte
 *	echo		answer that command (a Modbus write) as an
 *			inverter does: 0x1510, frame type 2, status 1,
 *			the RTU request echoed
 *	await:FILE	wait up to 30 s for FILE to exist (the test's
 *			sign that the gateway has done something)
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

#include "proto.h"
#include "simlib.h"

#define TIMEOUT_MS	3000
#define COMMAND_MS	30000
#define RSP_HDR		25	/* 0x1510 up to the RTU frame */

static struct sim_conn	 c = SIM_CONN_INIT;
static int		 lsock = -1;	/* -L: listening */
static const char	*host = "127.0.0.1";
static const char	*source;	/* local address to connect from */
static int		 port;
static uint8_t		 last[1024];	/* the last command: command: */
static size_t		 lastlen;

static void
do_connect(void)
{
	sim_open(&c, sim_connect(host, source, port));
}

static void
do_accept(int ms)
{
	struct timespec	t0;
	int		s;

	if (lsock == -1)
		errx(100, "accept without -L");
	sim_hangup(&c);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((s = sim_accept(lsock, ms)) == -1) {
		sim_result(0, "accept", "no connection within %d ms", ms);
		return;
	}
	sim_open(&c, s);
	sim_result(1, "accept", "after %ld ms", sim_msec_since(&t0));
}

static void
expect_frame(const char *path)
{
	uint8_t		 want[4096];
	const char	*why;
	size_t		 wlen, n, i;
	uint32_t	 t;
	uint8_t		 sum;
	long		 skew;
	int		 r;

	wlen = sim_load_hex(path, want, sizeof(want));
	for (;;) {
		if (c.len > 0 && solarman_frame(c.buf, c.len, sizeof(c.buf),
		    &n, &why) == FRAME_OK)
			break;
		if ((r = sim_fill(&c, TIMEOUT_MS)) <= 0) {
			sim_result(0, sim_base(path), r == 0 ? "no reply" :
			    "connection closed");
			return;
		}
	}
	if (n != wlen) {
		sim_result(0, sim_base(path), "%zu bytes, expected %zu", n,
		    wlen);
		goto consume;
	}
	/* the reply's time is now, the file's is fixed */
	t = pv_le32(c.buf + 13);
	skew = (long)t - (long)time(NULL);
	if (skew < -2 || skew > 2) {
		sim_result(0, sim_base(path), "time off by %ld s", skew);
		goto consume;
	}
	for (sum = 0, i = 1; i < n - 2; i++)
		sum += c.buf[i];
	if (sum != c.buf[n - 2]) {
		sim_result(0, sim_base(path), "bad checksum %02x, want %02x",
		    c.buf[n - 2],
		    sum);
		goto consume;
	}
	memcpy(c.buf + 13, want + 13, 4);
	for (i = 0; i < n; i++) {
		if (i == n - 2)
			continue;
		if (c.buf[i] != want[i]) {
			sim_result(0, sim_base(path), "byte %zu is %02x, "
			    "want %02x", i, c.buf[i], want[i]);
			goto consume;
		}
	}
	sim_result(1, sim_base(path), "byte-exact, time %+ld s", skew);
 consume:
	sim_consume(&c, n);
}

static void
command(const char *path)
{
	const char	*why;
	size_t		 n;
	int		 r;

	for (;;) {
		if (c.len > 0 && solarman_frame(c.buf, c.len, sizeof(c.buf),
		    &n, &why) == FRAME_OK)
			break;
		if ((r = sim_fill(&c, COMMAND_MS)) <= 0) {
			sim_result(0, "command", "%s: %s", sim_base(path),
			    r == 0 ? "nothing came" : "connection closed");
			return;
		}
	}
	(void)sim_match("command", path, c.buf, n);
	lastlen = n < sizeof(last) ? n : 0;
	memcpy(last, c.buf, lastlen);
	sim_consume(&c, n);
}

/* wait for the test to create a file */
static void
await(const char *path)
{
	struct timespec	t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (access(path, F_OK) == -1) {
		if (sim_msec_since(&t0) >= COMMAND_MS) {
			sim_result(0, "await", "%s: not there within %d ms",
			    sim_base(path), COMMAND_MS);
			return;
		}
		usleep(50 * 1000);
	}
	sim_result(1, "await", "%s", sim_base(path));
}

/* the inverter's answer to a Modbus write: its request, echoed */
static void
echo(void)
{
	uint8_t	f[1024];
	size_t	rtu, n, i;
	uint8_t	sum;

	/* 0x4510: header, type, sensor list, 12 zero bytes, RTU, trailer */
	if (lastlen < 11 + 15 + 8 + 2 || last[3] != 0x10 || last[4] != 0x45) {
		sim_result(0, "echo", "no command to answer");
		return;
	}
	rtu = lastlen - 11 - 15 - 2;
	n = RSP_HDR + rtu + 2;
	memset(f, 0, sizeof(f));
	f[0] = 0xa5;
	pv_put_le16(f + 1, n - 13);
	f[3] = 0x10;
	f[4] = 0x15;
	f[5] = last[5];
	f[6] = (uint8_t)(last[6] + 1);
	memcpy(f + 7, last + 7, 4);
	f[11] = last[11];
	f[12] = 0x01;
	pv_put_le32(f + 13, (uint32_t)time(NULL));
	pv_put_le32(f + 17, 60);
	memcpy(f + RSP_HDR, last + 11 + 15, rtu);
	for (sum = 0, i = 1; i < n - 2; i++)
		sum += f[i];
	f[n - 2] = sum;
	f[n - 1] = 0x15;
	sim_send_all(c.fd, f, n);
	sim_result(1, "echo", "%zu bytes", n);
}

static void
replies(int want)
{
	const char	*why;
	size_t		 n;
	int		 got = 0, r;

	while (got < want) {
		if (c.len > 0 && solarman_frame(c.buf, c.len, sizeof(c.buf),
		    &n, &why) == FRAME_OK) {
			sim_consume(&c, n);
			got++;
			continue;
		}
		if ((r = sim_fill(&c, 30000)) <= 0)
			break;
	}
	sim_result(got == want, "replies", "%d of %d", got, want);
}

int
main(int argc, char *argv[])
{
	uint8_t		 buf[65536];
	const char	*errstr;
	char		*arg, *val;
	size_t		 n;
	int		 ch, i, count;

	sim_label = "pvsim";
	while ((ch = getopt(argc, argv, "b:h:Ll:p:")) != -1) {
		switch (ch) {
		case 'b':
			source = optarg;
			break;
		case 'h':
			host = optarg;
			break;
		case 'L':
			lsock = 0;
			break;
		case 'l':
			sim_label = optarg;
			break;
		case 'p':
			port = sim_port(optarg);
			break;
		default:
			fprintf(stderr, "usage: pvsim [-L] [-b source] [-h host] "
			    "[-l label] -p port step ...\n");
			return 100;
		}
	}
	if (port == 0)
		errx(100, "no port");
	if (lsock == 0)
		lsock = sim_listen(host, port);
	else
		do_connect();
	for (i = optind; i < argc; i++) {
		arg = argv[i];
		if ((val = strchr(arg, ':')) != NULL)
			*val++ = '\0';
		if (strcmp(arg, "send") == 0 && val != NULL) {
			n = sim_load_hex(val, buf, sizeof(buf));
			sim_send_all(c.fd, buf, n);
		} else if (strcmp(arg, "flood") == 0 && val != NULL &&
		    strchr(val, ':') != NULL) {
			count = atoi(strrchr(val, ':') + 1);
			*strrchr(val, ':') = '\0';
			n = sim_load_hex(val, buf, sizeof(buf));
			while (count-- > 0)
				sim_send_all(c.fd, buf, n);
		} else if (strcmp(arg, "replies") == 0 && val != NULL)
			replies(atoi(val));
		else if (strcmp(arg, "garbage") == 0 && val != NULL) {
			n = strtonum(val, 1, sizeof(buf), &errstr);
			if (errstr != NULL)
				errx(100, "garbage %s: %s", val, errstr);
			memset(buf, 'x', n);
			sim_send_all(c.fd, buf, n);
		} else if (strcmp(arg, "expect") == 0 && val != NULL)
			expect_frame(val);
		else if (strcmp(arg, "command") == 0 && val != NULL)
			command(val);
		else if (strcmp(arg, "echo") == 0)
			echo();
		else if (strcmp(arg, "await") == 0 && val != NULL)
			await(val);
		else if (strcmp(arg, "silence") == 0 && val != NULL)
			sim_silence(&c, atoi(val));
		else if (strcmp(arg, "closed") == 0 && val != NULL)
			sim_closed(&c, atoi(val));
		else if (strcmp(arg, "refused") == 0 && val != NULL)
			sim_refused(&c, atoi(val));
		else if (strcmp(arg, "sleep") == 0 && val != NULL)
			usleep(atoi(val) * 1000);
		else if (strcmp(arg, "reconnect") == 0)
			do_connect();
		else if (strcmp(arg, "accept") == 0 && val != NULL)
			do_accept(atoi(val));
		else if (strcmp(arg, "hangup") == 0)
			sim_hangup(&c);
		else
			errx(100, "unknown step %s", arg);
	}
	sim_hangup(&c);
	if (lsock != -1)
		close(lsock);
	return (sim_status());
}
