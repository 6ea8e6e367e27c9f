/*
 * simlib: the pieces the simulated devices share (see simlib.h).
 * Fatal setup errors exit with status 100, which the tests read as
 * "the simulator broke", never as a count of failed steps.
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

#include "simlib.h"

const char	*sim_label = "sim";
int		 sim_failed;

static void	 sim_addr(struct sockaddr_in *, const char *, int);

/* the worst wait from a request's last byte to a reply's last byte */
static struct timespec	 sim_sent;
static long		 sim_worst = -1;

/*
 * "ok - label: step: text" or "not ok - ..."; step and text may each
 * be NULL.  A line that is not ok counts as a failure.
 */
void
sim_result(int ok, const char *step, const char *fmt, ...)
{
	va_list	ap;

	printf("%s - %s", ok ? "ok" : "not ok", sim_label);
	if (step != NULL)
		printf(": %s", step);
	if (fmt != NULL) {
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
	fflush(stdout);
	if (!ok)
		sim_failed++;
}

/*
 * The exit status: failed steps, at most 100.  With SIM_LATENCY set
 * in the environment, a last line says the worst reply latency.
 */
int
sim_status(void)
{
	if (getenv("SIM_LATENCY") != NULL && sim_worst >= 0)
		printf("# %s: worst reply latency %ld ms\n", sim_label,
		    sim_worst);
	return (sim_failed > 100 ? 100 : sim_failed);
}

/* the bytes of a file of hex pairs, white space anywhere between */
size_t
sim_load_hex(const char *path, uint8_t *buf, size_t max)
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

/* a string of hex digits as bytes: how many, 0 if it is not hex */
size_t
sim_unhex(const char *hex, uint8_t *buf, size_t max)
{
	unsigned int	 b;
	size_t		 n;

	for (n = 0; hex[2 * n] != '\0'; n++) {
		if (n == max || hex[2 * n + 1] == '\0' ||
		    sscanf(hex + 2 * n, "%2x", &b) != 1)
			return (0);
		buf[n] = b;
	}
	return (n);
}

/* the last component of a path */
const char *
sim_base(const char *path)
{
	const char	*p = strrchr(path, '/');

	return (p != NULL ? p + 1 : path);
}

/* a port number argument */
int
sim_port(const char *s)
{
	const char	*errstr;
	int		 port;

	port = strtonum(s, 1, 65535, &errstr);
	if (errstr != NULL)
		errx(100, "port %s: %s", s, errstr);
	return (port);
}

static void
sim_addr(struct sockaddr_in *sin, const char *host, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		errx(100, "bad address %s", host);
}

/* a connected socket to host:port, from source if not NULL */
int
sim_connect(const char *host, const char *source, int port)
{
	struct sockaddr_in	sin;
	int			s;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(100, "socket");
	if (source != NULL) {
		sim_addr(&sin, source, 0);
		if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			err(100, "bind %s", source);
	}
	sim_addr(&sin, host, port);
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(100, "connect %s:%d", host, port);
	return (s);
}

/* a listening socket on host:port */
int
sim_listen(const char *host, int port)
{
	struct sockaddr_in	sin;
	int			s, on = 1;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(100, "socket");
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	sim_addr(&sin, host, port);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(100, "bind %s:%d", host, port);
	if (listen(s, 4) == -1)
		err(100, "listen %s:%d", host, port);
	return (s);
}

/* a connection on ls within ms (-1: wait for ever); -1 if none came */
int
sim_accept(int ls, int ms)
{
	struct pollfd	pfd;
	int		s;

	pfd.fd = ls;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, ms) <= 0)
		return (-1);
	if ((s = accept(ls, NULL, NULL)) == -1)
		err(100, "accept");
	return (s);
}

void
sim_send_all(int fd, const uint8_t *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1)
			err(100, "write");
		buf += n;
		len -= n;
	}
	clock_gettime(CLOCK_MONOTONIC, &sim_sent);
}

/* c on socket fd (-1: none), its buffer empty; closes the old one */
void
sim_open(struct sim_conn *c, int fd)
{
	if (c->fd != -1 && c->fd != fd)
		close(c->fd);
	c->fd = fd;
	c->len = 0;
}

void
sim_hangup(struct sim_conn *c)
{
	sim_open(c, -1);
}

/* wait up to ms for bytes; 1 data, 0 timeout, -1 closed */
int
sim_fill(struct sim_conn *c, int ms)
{
	struct pollfd	pfd;
	ssize_t		n;

	pfd.fd = c->fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, ms) <= 0)
		return (0);
	n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	if (n <= 0)
		return (-1);
	c->len += n;
	if (sim_sent.tv_sec != 0 && sim_msec_since(&sim_sent) > sim_worst)
		sim_worst = sim_msec_since(&sim_sent);
	return (1);
}

/* drop the first n bytes of the buffer */
void
sim_consume(struct sim_conn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

/* step "silence": nothing may arrive for ms */
void
sim_silence(struct sim_conn *c, int ms)
{
	int	r = sim_fill(c, ms);

	if (r == 0 && c->len == 0)
		sim_result(1, "silence", NULL);
	else
		sim_result(0, "silence", r == -1 ? "connection closed" :
		    "%zu unexpected bytes", c->len);
	c->len = 0;
}

/* step "closed": the peer must close within ms; bytes before it pass */
void
sim_closed(struct sim_conn *c, int ms)
{
	struct timespec	t0;
	int		r, left = ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (left > 0) {
		if ((r = sim_fill(c, left)) == -1) {
			sim_result(1, "closed", NULL);
			return;
		}
		if (r == 0)
			break;
		c->len = 0;
		left = ms - (int)sim_msec_since(&t0);
	}
	sim_result(0, "closed", "still open after %d ms", ms);
}

/*
 * step "refused": the peer must close within ms without a byte (a
 * refused device or address)
 */
void
sim_refused(struct sim_conn *c, int ms)
{
	int	r = sim_fill(c, ms);

	if (r == -1 && c->len == 0)
		sim_result(1, "refused", NULL);
	else if (r == 0 && c->len == 0)
		sim_result(0, "refused", "still open after %d ms", ms);
	else
		sim_result(0, "refused", "%zu bytes came back", c->len);
	c->len = 0;
}

/* milliseconds on the monotonic clock since t0 */
long
sim_msec_since(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

/*
 * Is the frame got[0 .. n) the hex file's, byte for byte?  Says so as
 * the step's result line; 1 if it is.
 */
int
sim_match(const char *step, const char *path, const uint8_t *got, size_t n)
{
	static uint8_t	want[SIM_BUFLEN];
	size_t		wlen, i;

	wlen = sim_load_hex(path, want, sizeof(want));
	if (n != wlen) {
		sim_result(0, step, "%s: %zu bytes, expected %zu",
		    sim_base(path), n, wlen);
		return (0);
	}
	for (i = 0; i < n && got[i] == want[i]; i++)
		;
	if (i < n) {
		sim_result(0, step, "%s: byte %zu is %02x, want %02x",
		    sim_base(path), i, got[i], want[i]);
		return (0);
	}
	sim_result(1, step, "%s byte-exact", sim_base(path));
	return (1);
}
