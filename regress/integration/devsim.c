/*
 * devsim: a simulated device for the cloud relay's end-to-end tests,
 * of any protocol that connects to the gateway.  It connects to the
 * gateway and runs a script; what it sends and receives goes to the
 * log, one frame a line ("sent <hex>", "recv <hex>"), framed as the
 * cloud's side is (cloud.c).  Whose answer an answer is, the cloud's
 * (cloudsim) or the gateway's own, it tells by the marks of
 * cloudmark.h.
 *
 *	devsim -p protocol -P port -o log [-h host] [-s source] step ...
 *
 * From -s, a loopback address of its own (127.0.0.2 ...), it is a
 * device on another host.
 *
 *	cloud:FILE:MS	send a hex file; the cloud's answer must come
 *			within MS
 *	own:FILE:MS	send it; the gateway's own answer must come
 *			within MS
 *	until:FILE:MS	send it every half second until the cloud
 *			answers, for at most MS
 *	send:FILE	send it
 *	collect:MS	read for MS
 *	reconnect	close and connect again
 *
 * Every step prints "ok - ..." or "not ok - ..."; the exit status is
 * the number of failed steps.
 */

#include "compat.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"
#include "cloud.h"
#include "cloudframe.h"
#include "cloudmark.h"
#include "simlib.h"

#define FRAMEMAX	16384

static struct sim_conn			 c = SIM_CONN_INIT;
static const struct proto		*pr;
static const struct cloud_proto		*cp;
static FILE				*logfp;
static const char			*host = "127.0.0.1";
static const char			*source;
static int				 port;

/* is this answer the simulated cloud's? */
static int
marked(const uint8_t *p, size_t n)
{
	uint8_t	ms[8], sec[5];
	int	i;

	switch (pr->id) {
	case PROTO_SOLARMAN_V5:
		return (n == 23 && pv_le32(p + 17) == MARK_HEARTBEAT);
	case PROTO_TSUN_GEN3:
		for (i = 0; i < 8; i++)
			ms[i] = (MARK_MS >> (56 - 8 * i)) & 0xff;
		return (n >= 8 && memcmp(p + n - 8, ms, 8) == 0);
	case PROTO_ALPHAESS:
		return (n == 9 + strlen(MARK_JSON) &&
		    memcmp(p + 7, MARK_JSON, strlen(MARK_JSON)) == 0);
	case PROTO_HOYMILES:
		for (i = 0; i < 5; i++)
			sec[i] = ((MARK_SEC >> (7 * i)) & 0x7f) |
			    (i < 4 ? 0x80 : 0);
		return (memmem(p, n, sec, sizeof(sec)) != NULL);
	case PROTO_APSYSTEMS_ECU:
		return (memmem(p, n, MARK_TS, strlen(MARK_TS)) != NULL);
	}
	return (0);
}

static void
do_send(const char *path)
{
	uint8_t	buf[FRAMEMAX];
	size_t	n;

	n = sim_load_hex(path, buf, sizeof(buf));
	sim_send_all(c.fd, buf, n);
	cf_log(logfp, "sent", buf, n);
}

/*
 * Frames until one is an answer or ms pass: 1 the cloud's, 0 the
 * gateway's, -1 none.  Everything read is logged.
 */
static int
next_answer(int ms, long *took)
{
	struct cloud_verdict	 v;
	struct timespec		 t0;
	const char		*why;
	size_t			 n;
	int			 r, left;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		n = 0;
		r = cp->frame(c.buf, c.len, sizeof(c.buf), &n, &why);
		if (r == FRAME_OK) {
			cf_log(logfp, "recv", c.buf, n);
			memset(&v, 0, sizeof(v));
			cp->judge(c.buf, n, &v);
			r = marked(c.buf, n);
			sim_consume(&c, n);
			if (v.reply) {
				*took = sim_msec_since(&t0);
				return (r);
			}
			continue;
		}
		if (r != FRAME_MORE) {
			cf_log(logfp, "garbage", c.buf, c.len);
			sim_consume(&c, c.len);
		}
		left = ms - (int)sim_msec_since(&t0);
		if (left <= 0 || sim_fill(&c, left) != 1)
			return (-1);
	}
}

static void
do_answer(const char *path, int ms, int cloud)
{
	long	took = 0;
	int	r;

	do_send(path);
	r = next_answer(ms, &took);
	if (r == -1)
		sim_result(0, cloud ? "cloud" : "own", "%s: no answer within "
		    "%d ms", sim_base(path), ms);
	else if (r != cloud)
		sim_result(0, cloud ? "cloud" : "own", "%s: the %s answered",
		    sim_base(path), r ? "cloud" : "gateway");
	else
		sim_result(1, cloud ? "cloud" : "own", "%s: answered after "
		    "%ld ms", sim_base(path), took);
}

static void
do_until(const char *path, int ms)
{
	struct timespec	t0;
	long		took;
	int		r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (sim_msec_since(&t0) < ms) {
		do_send(path);
		if ((r = next_answer(500, &took)) == 1) {
			sim_result(1, "until", "%s: the cloud answers again "
			    "after %ld ms", sim_base(path),
			    sim_msec_since(&t0));
			return;
		}
		if (r == 0)
			usleep(500 * 1000);
	}
	sim_result(0, "until", "%s: the cloud did not answer within %d ms",
	    sim_base(path), ms);
}

static void
do_collect(int ms)
{
	long	took;

	while (next_answer(ms, &took) != -1)
		;
	sim_result(1, "collect", "%d ms", ms);
}

int
main(int argc, char *argv[])
{
	char	*arg, *val, *ms;
	int	 ch, i;

	while ((ch = getopt(argc, argv, "h:o:P:p:s:")) != -1) {
		switch (ch) {
		case 'h':
			host = optarg;
			break;
		case 'o':
			if ((logfp = fopen(optarg, "a")) == NULL)
				err(100, "%s", optarg);
			break;
		case 'P':
			port = sim_port(optarg);
			break;
		case 'p':
			if ((pr = proto_byname(optarg)) == NULL ||
			    (cp = cloud_byid(pr->id)) == NULL)
				errx(100, "no relay for %s", optarg);
			sim_label = pr->name;
			break;
		case 's':
			source = optarg;
			break;
		default:
			errx(100, "usage: devsim -p protocol -P port -o log "
			    "[-h host] [-s source] step ...");
		}
	}
	if (pr == NULL || logfp == NULL || port == 0)
		errx(100, "usage: devsim -p protocol -P port -o log "
		    "[-h host] [-s source] step ...");
	sim_open(&c, sim_connect(host, source, port));
	for (i = optind; i < argc; i++) {
		arg = argv[i];
		val = strchr(arg, ':');
		if (val != NULL)
			*val++ = '\0';
		ms = val != NULL ? strrchr(val, ':') : NULL;
		if (ms != NULL)
			*ms++ = '\0';
		if (strcmp(arg, "cloud") == 0 && ms != NULL)
			do_answer(val, atoi(ms), 1);
		else if (strcmp(arg, "own") == 0 && ms != NULL)
			do_answer(val, atoi(ms), 0);
		else if (strcmp(arg, "until") == 0 && ms != NULL)
			do_until(val, atoi(ms));
		else if (strcmp(arg, "send") == 0 && val != NULL)
			do_send(val);
		else if (strcmp(arg, "collect") == 0 && val != NULL)
			do_collect(atoi(val));
		else if (strcmp(arg, "reconnect") == 0) {
			sim_hangup(&c);
			sim_open(&c, sim_connect(host, source, port));
		} else
			errx(100, "unknown step %s", argv[i]);
	}
	return (sim_status());
}
