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
 *	sleep:MS	wait
 *	reconnect	close and connect again
 *	flood:FILE:N	send a hex file N times without reading
 *	replies:N	read N Solarman V5 frames, within 30 s
 *
 * Every step prints "ok - ..." or "not ok - ..."; the exit status is
 * the number of failed steps (at most 100).
 */

#include "compat.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"

#define TIMEOUT_MS	3000

static int		 sock = -1;
static int		 lsock = -1;	/* -L: listening */
static const char	*host = "127.0.0.1";
static const char	*source;	/* local address to connect from */
static int		 port;
static const char	*label = "pvsim";
static int		 failed;
static uint8_t		 rbuf[65536];
static size_t		 rlen;

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
	return n;
}

static void
do_connect(void)
{
	struct sockaddr_in	sin;

	if (sock != -1)
		close(sock);
	rlen = 0;
	if ((sock = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(100, "socket");
	memset(&sin, 0, sizeof(sin));
	if (source != NULL) {
		sin.sin_family = AF_INET;
		if (inet_pton(AF_INET, source, &sin.sin_addr) != 1)
			errx(100, "bad address %s", source);
		if (bind(sock, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			err(100, "bind %s", source);
	}
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		errx(100, "bad address %s", host);
	if (connect(sock, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(100, "connect %s:%d", host, port);
}

/* -L: listen on host:port */
static void
do_listen(void)
{
	struct sockaddr_in	sin;
	int			on = 1;

	if ((lsock = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(100, "socket");
	(void)setsockopt(lsock, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		errx(100, "bad address %s", host);
	if (bind(lsock, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(100, "bind %s:%d", host, port);
	if (listen(lsock, 4) == -1)
		err(100, "listen");
}

static long
msec_since(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
do_accept(int ms)
{
	struct pollfd	pfd;
	struct timespec	t0;
	long		took;

	if (lsock == -1)
		errx(100, "accept without -L");
	if (sock != -1)
		close(sock);
	sock = -1;
	rlen = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pfd.fd = lsock;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, ms) != 1) {
		result(0, "accept", "no connection within %d ms", ms);
		return;
	}
	if ((sock = accept(lsock, NULL, NULL)) == -1)
		err(100, "accept");
	took = msec_since(&t0);
	result(1, "accept", "after %ld ms", took);
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

/* wait up to ms for bytes; 1 data, 0 timeout, -1 closed */
static int
fill(int ms)
{
	struct pollfd	pfd;
	ssize_t		n;

	pfd.fd = sock;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	n = read(sock, rbuf + rlen, sizeof(rbuf) - rlen);
	if (n <= 0)
		return -1;
	rlen += n;
	return 1;
}

static const char *
base(const char *path)
{
	const char	*p = strrchr(path, '/');

	return p != NULL ? p + 1 : path;
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

	wlen = load_hex(path, want, sizeof(want));
	for (;;) {
		if (rlen > 0 && solarman_frame(rbuf, rlen, sizeof(rbuf), &n,
		    &why) == FRAME_OK)
			break;
		if ((r = fill(TIMEOUT_MS)) <= 0) {
			result(0, base(path), r == 0 ? "no reply" :
			    "connection closed");
			return;
		}
	}
	if (n != wlen) {
		result(0, base(path), "%zu bytes, expected %zu", n, wlen);
		goto consume;
	}
	/* the reply's time is now, the file's is fixed */
	t = rbuf[13] | rbuf[14] << 8 | rbuf[15] << 16 | (uint32_t)rbuf[16]
	    << 24;
	skew = (long)t - (long)time(NULL);
	if (skew < -2 || skew > 2) {
		result(0, base(path), "time off by %ld s", skew);
		goto consume;
	}
	for (sum = 0, i = 1; i < n - 2; i++)
		sum += rbuf[i];
	if (sum != rbuf[n - 2]) {
		result(0, base(path), "bad checksum %02x, want %02x",
		    rbuf[n - 2],
		    sum);
		goto consume;
	}
	memcpy(rbuf + 13, want + 13, 4);
	for (i = 0; i < n; i++) {
		if (i == n - 2)
			continue;
		if (rbuf[i] != want[i]) {
			result(0, base(path), "byte %zu is %02x, want %02x", i,
			    rbuf[i], want[i]);
			goto consume;
		}
	}
	result(1, base(path), "byte-exact, time %+ld s", skew);
 consume:
	memmove(rbuf, rbuf + n, rlen - n);
	rlen -= n;
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
		rlen = 0;	/* bytes before the close are not the point */
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = ms - ((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000);
	}
	result(0, "closed", "still open after %d ms", ms);
}

static void
replies(int want)
{
	const char	*why;
	size_t		 n;
	int		 got = 0, r;

	while (got < want) {
		if (rlen > 0 && solarman_frame(rbuf, rlen, sizeof(rbuf), &n,
		    &why) == FRAME_OK) {
			memmove(rbuf, rbuf + n, rlen - n);
			rlen -= n;
			got++;
			continue;
		}
		if ((r = fill(30000)) <= 0)
			break;
	}
	result(got == want, "replies", "%d of %d", got, want);
}

int
main(int argc, char *argv[])
{
	uint8_t		 buf[65536];
	const char	*errstr;
	char		*arg, *val;
	size_t		 n;
	int		 ch, i, count;

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
			label = optarg;
			break;
		case 'p':
			port = strtonum(optarg, 1, 65535, &errstr);
			if (errstr != NULL)
				errx(100, "port %s: %s", optarg, errstr);
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
		do_listen();
	else
		do_connect();
	for (i = optind; i < argc; i++) {
		arg = argv[i];
		if ((val = strchr(arg, ':')) != NULL)
			*val++ = '\0';
		if (strcmp(arg, "send") == 0 && val != NULL) {
			n = load_hex(val, buf, sizeof(buf));
			send_all(buf, n);
		} else if (strcmp(arg, "flood") == 0 && val != NULL &&
		    strchr(val, ':') != NULL) {
			count = atoi(strrchr(val, ':') + 1);
			*strrchr(val, ':') = '\0';
			n = load_hex(val, buf, sizeof(buf));
			while (count-- > 0)
				send_all(buf, n);
		} else if (strcmp(arg, "replies") == 0 && val != NULL)
			replies(atoi(val));
		else if (strcmp(arg, "garbage") == 0 && val != NULL) {
			n = strtonum(val, 1, sizeof(buf), &errstr);
			if (errstr != NULL)
				errx(100, "garbage %s: %s", val, errstr);
			memset(buf, 'x', n);
			send_all(buf, n);
		} else if (strcmp(arg, "expect") == 0 && val != NULL)
			expect_frame(val);
		else if (strcmp(arg, "silence") == 0 && val != NULL)
			silence(atoi(val));
		else if (strcmp(arg, "closed") == 0 && val != NULL)
			closed(atoi(val));
		else if (strcmp(arg, "sleep") == 0 && val != NULL)
			usleep(atoi(val) * 1000);
		else if (strcmp(arg, "reconnect") == 0)
			do_connect();
		else if (strcmp(arg, "accept") == 0 && val != NULL)
			do_accept(atoi(val));
		else if (strcmp(arg, "hangup") == 0) {
			if (sock != -1)
				close(sock);
			sock = -1;
		}
		else
			errx(100, "unknown step %s", arg);
	}
	if (sock != -1)
		close(sock);
	if (lsock != -1)
		close(lsock);
	return failed > 100 ? 100 : failed;
}
