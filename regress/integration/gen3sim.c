/*
 * gen3sim: a simulated TSUN GEN3 WiFi stick for the end-to-end tests.
 * It connects to a port on loopback and runs a script given as
 * arguments:
 *
 *	send:FILE	send the bytes of a hex file
 *	split:FILE:N	send them in reads of N bytes, 20 ms apart
 *	expect:FILE	read one GEN3 frame; it must equal the hex file
 *	time		read one frame: a get-time answer carrying the
 *			local time of this process (TZ), within 2 s
 *	poll:FILE	read one frame: a Modbus request equal to the hex
 *			file, within 30 s
 *	silence:MS	nothing may arrive for MS milliseconds
 *	closed:MS	the gateway must close the connection within MS
 *	sleep:MS	wait
 *
 * Every step prints "ok - ..." or "not ok - ..."; the exit status is
 * the number of failed steps (at most 100).
 */

#include "compat.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"

#define WAIT_MS		3000
#define POLL_MS		30000

static int		 sock = -1;
static int		 port;
static const char	*label = "gen3sim";
static int		 failed;
static uint8_t		 rbuf[65536];
static size_t		 rlen;

static void	 say(int, const char *, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static size_t	 load_hex(const char *, uint8_t *, size_t);
static void	 dial(void);
static void	 send_all(const uint8_t *, size_t);
static int	 fill(int);
static int	 next_frame(int, size_t *);
static void	 consume(size_t);
static const char *base(const char *);
static void	 expect(const char *, const char *, int);
static void	 expect_time(void);
static void	 silence(int);
static void	 closed(int);
static int64_t	 local_ms(void);

static void
say(int ok, const char *step, const char *fmt, ...)
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
	return (n);
}

static void
dial(void)
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

/* one whole frame at the start of rbuf; 1 with its size, else 0/-1 */
static int
next_frame(int ms, size_t *n)
{
	const char	*why;
	int		 r;

	for (;;) {
		if (rlen > 0 && gen3_frame(rbuf, rlen, sizeof(rbuf), n,
		    &why) == FRAME_OK)
			return (1);
		if ((r = fill(ms)) <= 0)
			return (r);
	}
}

static void
consume(size_t n)
{
	memmove(rbuf, rbuf + n, rlen - n);
	rlen -= n;
}

static const char *
base(const char *path)
{
	const char	*p = strrchr(path, '/');

	return (p != NULL ? p + 1 : path);
}

static void
expect(const char *step, const char *path, int ms)
{
	uint8_t	want[4096];
	size_t	wlen, n, i;
	int	r;

	wlen = load_hex(path, want, sizeof(want));
	if ((r = next_frame(ms, &n)) != 1) {
		say(0, step, "%s: %s", base(path), r == 0 ? "nothing" :
		    "connection closed");
		return;
	}
	if (n != wlen)
		say(0, step, "%s: %zu bytes, expected %zu", base(path), n,
		    wlen);
	else {
		for (i = 0; i < n && rbuf[i] == want[i]; i++)
			;
		if (i < n)
			say(0, step, "%s: byte %zu is %02x, want %02x",
			    base(path), i, rbuf[i], want[i]);
		else
			say(1, step, "%s byte-exact", base(path));
	}
	consume(n);
}

/*
 * Local wall-clock milliseconds, written as if UTC: worked out here
 * from the zone's offset, not the way the decoder does it.
 */
static int64_t
local_ms(void)
{
	struct tm	tm;
	time_t		now = time(NULL);

	if (localtime_r(&now, &tm) == NULL)
		err(100, "localtime");
	return (((int64_t)now + tm.tm_gmtoff) * 1000);
}

static void
expect_time(void)
{
	size_t		n;
	int64_t		ms, skew;
	int		r, i;

	if ((r = next_frame(WAIT_MS, &n)) != 1) {
		say(0, "time", "%s", r == 0 ? "no answer" :
		    "connection closed");
		return;
	}
	/* 4 length, 1 id length, id, 91, 22, 8 bytes */
	if (n < 15 || n != 5 + (size_t)rbuf[4] + 2 + 8 ||
	    rbuf[5 + rbuf[4]] != 0x91 || rbuf[6 + rbuf[4]] != 0x22) {
		say(0, "time", "not a get-time answer (%zu bytes)", n);
		consume(n);
		return;
	}
	for (ms = 0, i = 0; i < 8; i++)
		ms = ms << 8 | rbuf[n - 8 + i];
	skew = ms - local_ms();
	if (skew < -2000 || skew > 2000)
		say(0, "time", "off by %lld ms", (long long)skew);
	else
		say(1, "time", "local time, %+lld ms", (long long)skew);
	consume(n);
}

static void
silence(int ms)
{
	int	r = fill(ms);

	if (r == 0 && rlen == 0)
		say(1, "silence", NULL);
	else
		say(0, "silence", r == -1 ? "connection closed" :
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
			say(1, "closed", NULL);
			return;
		}
		if (r == 0)
			break;
		rlen = 0;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = ms - ((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000);
	}
	say(0, "closed", "still open after %d ms", ms);
}

int
main(int argc, char *argv[])
{
	static uint8_t	 buf[65536];
	const char	*errstr;
	char		*arg, *val, *colon;
	size_t		 n, off, chunk;
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
			fprintf(stderr, "usage: gen3sim [-l label] -p port "
			    "step ...\n");
			return (100);
		}
	}
	if (port == 0)
		errx(100, "no port");
	dial();
	for (i = optind; i < argc; i++) {
		arg = argv[i];
		if ((val = strchr(arg, ':')) != NULL)
			*val++ = '\0';
		if (strcmp(arg, "send") == 0 && val != NULL) {
			n = load_hex(val, buf, sizeof(buf));
			send_all(buf, n);
		} else if (strcmp(arg, "split") == 0 && val != NULL &&
		    (colon = strrchr(val, ':')) != NULL) {
			*colon++ = '\0';
			chunk = strtonum(colon, 1, 65536, &errstr);
			if (errstr != NULL)
				errx(100, "split %s: %s", colon, errstr);
			n = load_hex(val, buf, sizeof(buf));
			for (off = 0; off < n; off += chunk) {
				send_all(buf + off, n - off < chunk ?
				    n - off : chunk);
				usleep(20000);
			}
		} else if (strcmp(arg, "expect") == 0 && val != NULL)
			expect("expect", val, WAIT_MS);
		else if (strcmp(arg, "poll") == 0 && val != NULL)
			expect("poll", val, POLL_MS);
		else if (strcmp(arg, "time") == 0)
			expect_time();
		else if (strcmp(arg, "silence") == 0 && val != NULL)
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
