/*
 * apssim: a simulated APsystems ECU for the end-to-end tests.  It
 * connects to a port on loopback and runs a script of steps:
 *
 *	load:FILE	make a hex file the current message
 *	fleet:N:TIME	make the tests' N-inverter data record at TIME
 *			(YYYYMMDDhhmmss) the current message
 *	send:SIZE:MS	send the current message in writes of SIZE bytes,
 *			MS milliseconds apart (0: all at once)
 *	cut:N		send the first N bytes of the current message
 *	reply		read the data reply the ECU needs, "101" and the
 *			current record's time, within 10 s of the last byte
 *	expect:FILE	read exactly the bytes of a hex file, within 10 s
 *	lines:FILE	write the JSON lines the gateway must print for the
 *			current fleet record, one per device (times read in
 *			the local time zone, TZ)
 *	silence:MS	nothing may arrive for MS milliseconds
 *	closed:MS	the gateway must close the connection within MS
 *	sleep:MS	wait
 *	reconnect	close, connect again
 *
 * Every checking step prints "ok - ..." or "not ok - ..."; the exit
 * status is the number of failed steps (at most 100).
 */

#include "compat.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../decoder/apsystems_ecu_gen.h"
#include "simlib.h"

#define REPLY_MS	10000	/* the ECU-R waits this long */
#define MSGMAX		65536
#define FLEETMAX	200

static struct sim_conn	 conn = SIM_CONN_INIT;
static const char	*host = "127.0.0.1";
static int		 port;
static char		 peer[64];
static uint8_t		 msg[MSGMAX];
static size_t		 msglen;
static struct timespec	 lastsent;
static struct gen_inv	 fleet[FLEETMAX];
static struct gen_ecu	 fleet_ecu;
static int		 nfleet;

static void	 do_connect(void);
static void	 send_msg(size_t, size_t, int);
static int	 read_exact(uint8_t *, size_t, int);
static void	 expect(const char *, const uint8_t *, size_t);
static void	 dec(char *, size_t, long, int);
static void	 metric(FILE *, int *, const char *, long, int);
static void	 lines(const char *);
static long	 msecs(const char *);

static void
do_connect(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);

	sim_open(&conn, sim_connect(host, NULL, port));
	if (getsockname(conn.fd, (struct sockaddr *)&sin, &len) == -1)
		err(100, "getsockname");
	(void)snprintf(peer, sizeof(peer), "127.0.0.1:%u",
	    ntohs(sin.sin_port));
}

/* the first n bytes of the message, in writes of size, ms apart */
static void
send_msg(size_t n, size_t size, int ms)
{
	const uint8_t	*p = msg;
	size_t		 chunk;

	if (size == 0)
		size = n;
	while (n > 0) {
		chunk = n < size ? n : size;
		sim_send_all(conn.fd, p, chunk);
		p += chunk;
		n -= chunk;
		if (n > 0 && ms > 0)
			usleep(ms * 1000);
	}
	clock_gettime(CLOCK_MONOTONIC, &lastsent);
}

/* n bytes by ms after the last send: n, or what came before it ended */
static int
read_exact(uint8_t *buf, size_t n, int ms)
{
	struct pollfd	pfd;
	ssize_t		r;
	size_t		got = 0;
	long		left;

	while (got < n) {
		if ((left = ms - sim_msec_since(&lastsent)) <= 0)
			break;
		pfd.fd = conn.fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) <= 0)
			break;
		if ((r = read(conn.fd, buf + got, n - got)) <= 0)
			break;
		got += r;
	}
	return ((int)got);
}

static void
expect(const char *step, const uint8_t *want, size_t n)
{
	uint8_t	got[MSGMAX];
	int	r;
	size_t	i;

	r = read_exact(got, n, REPLY_MS);
	if ((size_t)r != n) {
		sim_result(0, step, "%d of %zu bytes in %d ms", r, n, REPLY_MS);
		return;
	}
	for (i = 0; i < n; i++)
		if (got[i] != want[i]) {
			sim_result(0, step, "byte %zu is %02x, want %02x", i,
			    got[i], want[i]);
			return;
		}
	sim_result(1, step, "byte-exact, %zu bytes %ld ms after the last sent",
	    n, sim_msec_since(&lastsent));
}

/* raw / 10^d as the gateway prints it: exact, no trailing zeros */
static void
dec(char *buf, size_t len, long raw, int d)
{
	long	p = 1, ip, fp;
	int	i;
	char	frac[32];

	for (i = 0; i < d; i++)
		p *= 10;
	ip = (raw < 0 ? -raw : raw) / p;
	fp = (raw < 0 ? -raw : raw) % p;
	if (fp == 0) {
		(void)snprintf(buf, len, "%s%ld", raw < 0 ? "-" : "", ip);
		return;
	}
	(void)snprintf(frac, sizeof(frac), "%0*ld", d, fp);
	for (i = d; i > 0 && frac[i - 1] == '0'; i--)
		frac[i - 1] = '\0';
	(void)snprintf(buf, len, "%s%ld.%s", raw < 0 ? "-" : "", ip, frac);
}

static void
metric(FILE *fp, int *first, const char *name, long raw, int d)
{
	char	v[64];

	dec(v, sizeof(v), raw, d);
	fprintf(fp, "%s\"%s\":%s", *first ? "" : ",", name, v);
	*first = 0;
}

/*
 * The lines the gateway prints for the fleet record: the ECU first,
 * then every inverter, metrics in the decoder's order.
 */
static void
lines(const char *path)
{
	const struct gen_inv	*v;
	const struct gen_ch	*c;
	FILE			*fp;
	struct tm		 tm;
	time_t			 t;
	char			 ts[32], name[32];
	const char		*model;
	long			 energy, total = 0, act, react;
	int			 i, k, first, yc, yc1000;

	if (nfleet == 0)
		errx(100, "lines: no fleet record");
	memset(&tm, 0, sizeof(tm));
	if (sscanf(fleet_ecu.time, "%4d%2d%2d%2d%2d%2d", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	    &tm.tm_sec) != 6)
		errx(100, "lines: bad time");
	tm.tm_year -= 1900;
	tm.tm_mon--;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	if ((fp = fopen(path, "w")) == NULL)
		err(100, "%s", path);

	for (i = 0; i < nfleet; i++)
		for (k = 0; k < fleet[i].nch; k++)
			total += fleet[i].ch[k].energy;
	fprintf(fp, "{\"time\":\"%s\",\"kind\":\"measurement\","
	    "\"protocol\":\"apsystems-ecu\",\"device\":\"%s\",\"peer\":\"%s\","
	    "\"metrics\":{", ts, fleet_ecu.id, peer);
	first = 1;
	metric(fp, &first, "ac_power", fleet_ecu.power, 0);
	metric(fp, &first, "energy_total", fleet_ecu.lifetime, 1);
	metric(fp, &first, "inverters", nfleet, 0);
	metric(fp, &first, "energy_interval", total, 6);
	fprintf(fp, "},\"attributes\":{\"model\":\"ECU-B\"}}\n");

	for (i = 0; i < nfleet; i++) {
		v = &fleet[i];
		yc1000 = strcmp(v->type, "04") == 0;
		yc = strcmp(v->type, "03") == 0 || strcmp(v->type, "05") == 0;
		fprintf(fp, "{\"time\":\"%s\",\"kind\":\"measurement\","
		    "\"protocol\":\"apsystems-ecu\",\"device\":\"%s\","
		    "\"via\":\"%s\",\"peer\":\"%s\",\"metrics\":{", ts, v->uid,
		    fleet_ecu.id, peer);
		first = 1;
		energy = act = react = 0;
		if (yc1000)
			metric(fp, &first, "dc_voltage", v->dcv, 1);
		else
			metric(fp, &first, "ac_voltage", v->gridv, 0);
		metric(fp, &first, "ac_frequency", v->freq, 1);
		metric(fp, &first, "temperature", v->temp, 0);
		if (!yc1000) {
			metric(fp, &first, "reactive_power", v->reactive, 2);
			metric(fp, &first, "ac_power", v->active,
			    strcmp(v->type, "08") == 0 ? 1 : 2);
		}
		for (k = 0; k < v->nch; k++) {
			c = &v->ch[k];
			if (yc1000 && k < 3) {
				(void)snprintf(name, sizeof(name),
				    "ac_l%d_voltage", k + 1);
				metric(fp, &first, name, c->gridv, 0);
				(void)snprintf(name, sizeof(name), "ac_l%d_power",
				    k + 1);
				metric(fp, &first, name, c->active, 2);
				act += c->active;
				react += c->reactive;
			}
			if (!yc1000) {
				(void)snprintf(name, sizeof(name),
				    "pv%d_voltage", k + 1);
				metric(fp, &first, name, c->dcv, 1);
			}
			(void)snprintf(name, sizeof(name), "pv%d_current",
			    k + 1);
			metric(fp, &first, name, c->dca, 1);
			(void)snprintf(name, sizeof(name), "pv%d_power", k + 1);
			metric(fp, &first, name, c->power, 2);
			(void)snprintf(name, sizeof(name),
			    "pv%d_energy_interval", k + 1);
			metric(fp, &first, name, c->energy, 6);
			energy += c->energy;
		}
		if (yc1000) {
			metric(fp, &first, "ac_power", act, 2);
			metric(fp, &first, "reactive_power", react, 2);
		}
		if (yc)
			metric(fp, &first, "status", v->ch[0].status |
			    (v->nch > 1 ? v->ch[1].status << 11 : 0), 0);
		metric(fp, &first, "energy_interval", energy, 6);
		fprintf(fp, "}");
		if ((model = gen_model(v)) != NULL)
			fprintf(fp, ",\"attributes\":{\"model\":\"%s\"}",
			    model);
		fprintf(fp, "}\n");
	}
	if (fclose(fp) == EOF)
		err(100, "%s", path);
	sim_result(1, "lines", "%d devices", nfleet + 1);
}

static long
msecs(const char *s)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(s, 0, 600000, &errstr);
	if (errstr != NULL)
		errx(100, "%s: %s", s, errstr);
	return ((long)n);
}

int
main(int argc, char *argv[])
{
	uint8_t		 want[MSGMAX];
	const char	*errstr;
	char		*arg, *val, *a2, *a3;
	size_t		 n;
	int		 ch, i;

	sim_label = "apssim";
	while ((ch = getopt(argc, argv, "h:l:p:")) != -1) {
		switch (ch) {
		case 'h':
			host = optarg;
			break;
		case 'l':
			sim_label = optarg;
			break;
		case 'p':
			port = sim_port(optarg);
			break;
		default:
			fprintf(stderr, "usage: apssim [-h host] [-l label] "
			    "-p port step ...\n");
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
		a2 = val != NULL ? strchr(val, ':') : NULL;
		if (a2 != NULL)
			*a2++ = '\0';
		a3 = a2 != NULL ? strchr(a2, ':') : NULL;
		if (a3 != NULL)
			*a3++ = '\0';
		if (strcmp(arg, "load") == 0 && val != NULL)
			msglen = sim_load_hex(val, msg, sizeof(msg));
		else if (strcmp(arg, "fleet") == 0 && a2 != NULL) {
			nfleet = (int)strtonum(val, 1, FLEETMAX, &errstr);
			if (errstr != NULL || strlen(a2) != 14)
				errx(100, "fleet:%s:%s", val, a2);
			gen_fleet(fleet, nfleet);
			gen_fleet_ecu(&fleet_ecu, fleet, nfleet, a2);
			if ((msglen = gen_record((char *)msg, sizeof(msg),
			    &fleet_ecu, fleet, nfleet, NULL)) == 0)
				errx(100, "fleet record too long");
		} else if (strcmp(arg, "send") == 0 && a2 != NULL)
			send_msg(msglen, (size_t)msecs(val), (int)msecs(a2));
		else if (strcmp(arg, "cut") == 0 && val != NULL) {
			n = (size_t)msecs(val);
			send_msg(n < msglen ? n : msglen, 0, 0);
		} else if (strcmp(arg, "reply") == 0) {
			if (msglen < 74)
				errx(100, "reply: no data record loaded");
			memcpy(want, "101", 3);
			memcpy(want + 3, msg + 60, 14);
			expect("reply 101", want, 17);
		} else if (strcmp(arg, "expect") == 0 && val != NULL) {
			n = sim_load_hex(val, want, sizeof(want));
			expect(sim_base(val), want, n);
		} else if (strcmp(arg, "lines") == 0 && val != NULL)
			lines(val);
		else if (strcmp(arg, "silence") == 0 && val != NULL)
			sim_silence(&conn, (int)msecs(val));
		else if (strcmp(arg, "closed") == 0 && val != NULL)
			sim_closed(&conn, (int)msecs(val));
		else if (strcmp(arg, "sleep") == 0 && val != NULL)
			usleep(msecs(val) * 1000);
		else if (strcmp(arg, "reconnect") == 0)
			do_connect();
		else
			errx(100, "unknown step %s", arg);
	}
	sim_hangup(&conn);
	return (sim_status());
}
