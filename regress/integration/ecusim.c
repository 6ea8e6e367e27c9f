/*
 * ecusim: an APsystems ECU's local server (port 8899) for the
 * end-to-end tests.  It listens on 127.0.0.1:port and serves -n poll
 * cycles of the gateway, each three connections with one query each:
 * system information, real-time data, signal strength.  It answers
 * with the tests' fleet (apsystems_local_gen.c), -d ms after the query.
 *
 * What it checks, one "ok - ..." or "not ok - ..." line each:
 *
 *	- each query, byte for byte, and that it is the one the cycle
 *	  wants next: one query per connection, nothing after it;
 *	- that no second connection waits while one is served;
 *	- that the gateway closes each connection once its answer came;
 *	- that the queries of a cycle come at least 800 ms apart (the
 *	  gateway's pause is 1 s), and a cycle no sooner than -i seconds
 *	  after the last one began (and within 15 s more).
 *
 * -c C:Q	in cycle C, close the connection right after answering
 *		query Q (before the gateway hangs up)
 * -x C:Q	in cycle C, close the connection on query Q without an
 *		answer; the cycle is over, and for -q seconds after it no
 *		connection may come (the next is due at the interval)
 *
 * The exit status is the number of failed steps (at most 100).
 */

#include "compat.h"

#include <err.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../decoder/apsystems_local_gen.h"
#include "simlib.h"

#define QUERY_MS	5000	/* for a query, once connected */
#define CLOSE_MS	3000	/* for the gateway's close */
#define GAP_MIN_MS	800
#define LATE_S		15

static const char	*cmds[] = { "0001", "0002", "0030" };
static struct sim_conn	 conn = SIM_CONN_INIT;
static struct lgen_ecu	 ecu;
static struct lgen_inv	 fleet[LGEN_FLEET];
static int		 ls = -1;
static int		 delay_ms = 200;
static int		 close_c, close_q, drop_c, drop_q, quiet_s = 5;

static void	 pair(const char *, int *, int *);
static long	 optnum(int, const char *, long, long);
static int	 serve(int, int, int, struct timespec *, struct timespec *);
static void	 cycles_run(int, long);
static void	 query(int, int);
static void	 reply(int);
static void	 closed_by_gateway(int, int);
static void	 alone(int, int);

static void
pair(const char *s, int *c, int *q)
{
	if (sscanf(s, "%d:%d", c, q) != 2 || *q < 1 || *q > 3)
		errx(100, "want CYCLE:QUERY, not %s", s);
}

/* the number argument of option -ch */
static long
optnum(int ch, const char *s, long min, long max)
{
	const char	*errstr;
	long		 n;

	n = (long)strtonum(s, min, max, &errstr);
	if (errstr != NULL)
		errx(100, "-%c %s: %s", ch, s, errstr);
	return (n);
}

/* no other connection waits on the listening socket */
static void
alone(int cycle, int q)
{
	struct pollfd	pfd;

	pfd.fd = ls;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) > 0)
		sim_result(0, "one at a time", "cycle %d query %d: a second "
		    "connection waits", cycle, q);
}

/* the query must be cmds[q - 1], whole, and alone */
static void
query(int cycle, int q)
{
	char		 want[64];
	size_t		 n;
	int		 r = 1;

	n = lgen_query(want, sizeof(want), cmds[q - 1], ecu.id);
	while (conn.len < n && (r = sim_fill(&conn, QUERY_MS)) == 1)
		;
	if (conn.len >= n && memcmp(conn.buf, want, n) == 0) {
		sim_consume(&conn, n);
		if (conn.len == 0 && sim_fill(&conn, 100) == 0 &&
		    conn.len == 0)
			sim_result(1, "query", "cycle %d, %d of 3: %.*s",
			    cycle, q, (int)n - 1, want);
		else
			sim_result(0, "query", "cycle %d, %d of 3: %zu bytes "
			    "more", cycle, q, conn.len);
	} else
		sim_result(0, "query", "cycle %d, %d of 3: want %.*s, got "
		    "%zu bytes%s", cycle, q, (int)n - 1, want, conn.len,
		    r == -1 ? ", then closed" : "");
	conn.len = 0;
}

static void
reply(int q)
{
	static uint8_t	b[LGEN_MAX];
	size_t		n;

	if (q == 1)
		n = lgen_info(b, sizeof(b), &ecu);
	else if (q == 2)
		n = lgen_data(b, sizeof(b), ecu.time, fleet, LGEN_FLEET);
	else
		n = lgen_signal(b, sizeof(b), fleet, LGEN_FLEET);
	if (n == 0)
		errx(100, "answer %d too long", q);
	usleep(delay_ms * 1000);
	sim_send_all(conn.fd, b, n);
}

/* after the answer nothing more, and the gateway hangs up */
static void
closed_by_gateway(int cycle, int q)
{
	int	r = sim_fill(&conn, CLOSE_MS);

	sim_result(r == -1 && conn.len == 0, "closed", "cycle %d, %d of 3: "
	    "%s", cycle, q, r == -1 && conn.len == 0 ? "by the gateway after "
	    "the answer" : r == 0 ? "still open" : "bytes after the query");
}

/*
 * Query q of a cycle on a connection accepted within wait seconds (at
 * is when), last the end of the exchange before; 0 when the cycle goes
 * on, 1 when it is over, -1 when no connection came.
 */
static int
serve(int cycle, int q, int wait, struct timespec *at, struct timespec *last)
{
	int	fd;

	if ((fd = sim_accept(ls, wait * 1000)) == -1) {
		sim_result(0, "connection", "none for cycle %d, query %d "
		    "within %d s", cycle, q, wait);
		return (-1);
	}
	clock_gettime(CLOCK_MONOTONIC, at);
	if (q > 1) {
		sim_result(sim_msec_since(last) >= GAP_MIN_MS, "pause",
		    "cycle %d, %ld ms before query %d", cycle,
		    sim_msec_since(last), q);
	}
	sim_open(&conn, fd);
	query(cycle, q);
	alone(cycle, q);
	if (cycle == drop_c && q == drop_q) {
		sim_hangup(&conn);
		sim_result(1, "dropped", "cycle %d, %d of 3, unanswered",
		    cycle, q);
		return (1);
	}
	reply(q);
	if (cycle == close_c && q == close_q) {
		sim_hangup(&conn);
		sim_result(1, "closed", "cycle %d, %d of 3: by the ECU right "
		    "after its answer", cycle, q);
	} else
		closed_by_gateway(cycle, q);
	sim_hangup(&conn);
	clock_gettime(CLOCK_MONOTONIC, last);
	return (q == 3);
}

/* n cycles of an interval of ivl s */
static void
cycles_run(int n, long ivl)
{
	struct timespec	 at, begun, last;
	long		 since;
	int		 cycle, q, r = 0, fd;

	for (cycle = 1; cycle <= n && r != -1; cycle++) {
		for (q = 1, r = 0; q <= 3 && r == 0; q++) {
			r = serve(cycle, q, q > 1 ? 10 : (int)ivl + LATE_S +
			    10, &at, &last);
			if (r == -1 || q > 1)
				continue;
			if (cycle > 1) {
				since = sim_msec_since(&begun) / 1000;
				sim_result(since >= ivl - 1 &&
				    since <= ivl + LATE_S, "interval", "cycle "
				    "%d began %ld s after cycle %d (interval "
				    "%ld s)", cycle, since, cycle - 1, ivl);
			}
			begun = at;
		}
		if (r != -1 && cycle == drop_c) {
			fd = sim_accept(ls, quiet_s * 1000);
			sim_result(fd == -1, "no hasty redial", "%s within "
			    "%d s after the dropped query", fd == -1 ?
			    "nothing" : "a connection", quiet_s);
			if (fd != -1)
				close(fd);
		}
	}
	sim_result(r != -1, "served", "%d cycles", n);
}

int
main(int argc, char *argv[])
{
	long		 ivl = 60;
	int		 ch, cycles = 1, port = 0;

	sim_label = "ecusim";
	lgen_fleet(&ecu, fleet);
	while ((ch = getopt(argc, argv, "c:d:e:i:l:n:p:q:x:")) != -1) {
		switch (ch) {
		case 'c':
			pair(optarg, &close_c, &close_q);
			break;
		case 'd':
			delay_ms = (int)optnum(ch, optarg, 0, 5000);
			break;
		case 'e':
			if (strlen(optarg) != 12)
				errx(100, "-e %s: an ECU id has 12 digits",
				    optarg);
			(void)snprintf(ecu.id, sizeof(ecu.id), "%s", optarg);
			break;
		case 'i':
			ivl = optnum(ch, optarg, 1, 3600);
			break;
		case 'l':
			sim_label = optarg;
			break;
		case 'n':
			cycles = (int)optnum(ch, optarg, 1, 10);
			break;
		case 'p':
			port = sim_port(optarg);
			break;
		case 'q':
			quiet_s = (int)optnum(ch, optarg, 1, 60);
			break;
		case 'x':
			pair(optarg, &drop_c, &drop_q);
			break;
		default:
			fprintf(stderr, "usage: ecusim [-c cycle:query] "
			    "[-d ms] [-e ecuid] [-i interval] [-l label] "
			    "[-n cycles] [-q seconds] [-x cycle:query] "
			    "-p port\n");
			return (100);
		}
	}
	if (port == 0)
		errx(100, "no port");
	ls = sim_listen("127.0.0.1", port);
	printf("# ecusim: listening on 127.0.0.1:%d\n", port);
	fflush(stdout);
	cycles_run(cycles, ivl);
	close(ls);
	return (sim_status());
}
