/*
 * gen3sim: a simulated TSUN GEN3 WiFi stick for the end-to-end tests.
 * It connects to a port on loopback (from -b source, if given) and runs
 * a script given as
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

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"
#include "simlib.h"

#define WAIT_MS		3000
#define POLL_MS		30000

static struct sim_conn	 c = SIM_CONN_INIT;
static const char	*source;	/* -b: local address */

static int	 next_frame(int, size_t *);
static void	 expect(const char *, const char *, int);
static void	 expect_time(void);
static int64_t	 local_ms(void);

/* one whole frame at the start of c.buf; 1 with its size, else 0/-1 */
static int
next_frame(int ms, size_t *n)
{
	const char	*why;
	int		 r;

	for (;;) {
		if (c.len > 0 && gen3_frame(c.buf, c.len, sizeof(c.buf), n,
		    &why) == FRAME_OK)
			return (1);
		if ((r = sim_fill(&c, ms)) <= 0)
			return (r);
	}
}

static void
expect(const char *step, const char *path, int ms)
{
	uint8_t	want[4096];
	size_t	wlen, n, i;
	int	r;

	wlen = sim_load_hex(path, want, sizeof(want));
	if ((r = next_frame(ms, &n)) != 1) {
		sim_result(0, step, "%s: %s", sim_base(path), r == 0 ?
		    "nothing" : "connection closed");
		return;
	}
	if (n != wlen)
		sim_result(0, step, "%s: %zu bytes, expected %zu",
		    sim_base(path), n, wlen);
	else {
		for (i = 0; i < n && c.buf[i] == want[i]; i++)
			;
		if (i < n)
			sim_result(0, step, "%s: byte %zu is %02x, want %02x",
			    sim_base(path), i, c.buf[i], want[i]);
		else
			sim_result(1, step, "%s byte-exact", sim_base(path));
	}
	sim_consume(&c, n);
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
		sim_result(0, "time", "%s", r == 0 ? "no answer" :
		    "connection closed");
		return;
	}
	/* 4 length, 1 id length, id, 91, 22, 8 bytes */
	if (n < 15 || n != 5 + (size_t)c.buf[4] + 2 + 8 ||
	    c.buf[5 + c.buf[4]] != 0x91 || c.buf[6 + c.buf[4]] != 0x22) {
		sim_result(0, "time", "not a get-time answer (%zu bytes)", n);
		sim_consume(&c, n);
		return;
	}
	for (ms = 0, i = 0; i < 8; i++)
		ms = ms << 8 | c.buf[n - 8 + i];
	skew = ms - local_ms();
	if (skew < -2000 || skew > 2000)
		sim_result(0, "time", "off by %lld ms", (long long)skew);
	else
		sim_result(1, "time", "local time, %+lld ms", (long long)skew);
	sim_consume(&c, n);
}

int
main(int argc, char *argv[])
{
	static uint8_t	 buf[65536];
	const char	*errstr;
	char		*arg, *val, *colon;
	size_t		 n, off, chunk;
	int		 ch, i, port = 0;

	sim_label = "gen3sim";
	while ((ch = getopt(argc, argv, "b:l:p:")) != -1) {
		switch (ch) {
		case 'b':
			source = optarg;
			break;
		case 'l':
			sim_label = optarg;
			break;
		case 'p':
			port = sim_port(optarg);
			break;
		default:
			fprintf(stderr, "usage: gen3sim [-b source] [-l label] -p port "
			    "step ...\n");
			return (100);
		}
	}
	if (port == 0)
		errx(100, "no port");
	sim_open(&c, sim_connect("127.0.0.1", source, port));
	for (i = optind; i < argc; i++) {
		arg = argv[i];
		if ((val = strchr(arg, ':')) != NULL)
			*val++ = '\0';
		if (strcmp(arg, "send") == 0 && val != NULL) {
			n = sim_load_hex(val, buf, sizeof(buf));
			sim_send_all(c.fd, buf, n);
		} else if (strcmp(arg, "split") == 0 && val != NULL &&
		    (colon = strrchr(val, ':')) != NULL) {
			*colon++ = '\0';
			chunk = strtonum(colon, 1, 65536, &errstr);
			if (errstr != NULL)
				errx(100, "split %s: %s", colon, errstr);
			n = sim_load_hex(val, buf, sizeof(buf));
			for (off = 0; off < n; off += chunk) {
				sim_send_all(c.fd, buf + off, n - off < chunk ?
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
