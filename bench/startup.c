/*
 * startup: how long pvgated, with every protocol of the bench table
 * configured, takes from exec to serving every port.  A port counts
 * once a device's first frame on it is answered: pvgated binds its
 * ports before its listeners run, so a connect alone proves nothing
 * (the kernel queues it), but a reply means the listener accepted, the
 * decoder decoded and the reply came back.  Each run starts a fresh
 * pvgated on fresh ports and stops it with SIGTERM.
 *
 *	startup [-n runs] [-V dir] -d dir -x pvgated
 *
 * dir holds the configuration, the state directory (dir/state, made by
 * the caller) and pvgated's log (dir/startup.log).  It prints "startup.run.N ms" for each run, then "startup.min",
 * "startup.median" and "startup.max" (ms).
 */

#include "compat.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAXP		16
#define RUNS_MAX	100
#define WAIT_SECS	10	/* a port that never answers: give up */
#define NSEC		1000000000LL

struct port {
	const struct bench_proto	*bp;
	uint8_t				 req[BENCH_MAXFRAME];
	size_t				 len;	/* its first frame */
	int				 port;
	int				 fd;
	int				 done;
};

static struct port	ports[MAXP];
static int		nports;

static __dead void	usage(void);
static int64_t		now_ns(void);
static void		load(const char *);
static int		free_port(void);
static void		conf_write(const char *, const char *);
static int64_t		run(const char *, const char *, const char *,
			    const char *);
static int		port_step(struct port *, short);
static int		cmp64(const void *, const void *);

static __dead void
usage(void)
{
	extern char	*__progname;

	fprintf(stderr, "usage: %s [-n runs] [-V dir] -d dir -x pvgated\n",
	    __progname);
	exit(1);
}

int
main(int argc, char *argv[])
{
	const char	*errstr, *dir = NULL, *exe = NULL;
	const char	*vecdir = "regress/vectors";
	char		 conf[PATH_MAX], sock[PATH_MAX], log[PATH_MAX];
	int64_t		 ms[RUNS_MAX];
	int		 ch, i, runs = 5;

	while ((ch = getopt(argc, argv, "d:n:V:x:")) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'n':
			runs = strtonum(optarg, 1, RUNS_MAX, &errstr);
			if (errstr != NULL)
				errx(1, "runs %s: %s", optarg, errstr);
			break;
		case 'V':
			vecdir = optarg;
			break;
		case 'x':
			exe = optarg;
			break;
		default:
			usage();
		}
	}
	if (dir == NULL || exe == NULL || argc != optind)
		usage();
	signal(SIGPIPE, SIG_IGN);
	load(vecdir);
	snprintf(conf, sizeof(conf), "%s/startup.conf", dir);
	snprintf(sock, sizeof(sock), "%s/startup.sock", dir);
	snprintf(log, sizeof(log), "%s/startup.log", dir);
	for (i = 0; i < runs; i++) {
		conf_write(conf, dir);
		ms[i] = run(exe, conf, sock, log);
		printf("startup.run.%d %.1f\n", i + 1, ms[i] / 1e6);
		fflush(stdout);
	}
	qsort(ms, runs, sizeof(ms[0]), cmp64);
	printf("startup.ports %d\n", nports);
	printf("startup.min %.1f\nstartup.median %.1f\nstartup.max %.1f\n",
	    ms[0] / 1e6, ms[runs / 2] / 1e6, ms[runs - 1] / 1e6);
	return (0);
}

static int64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * NSEC + ts.tv_nsec);
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

/* every protocol's first frame: the one its device sends under load */
static void
load(const char *vecdir)
{
	const struct bench_proto	*bp;
	struct port			*p;
	char				 path[PATH_MAX];
	const char			*why;
	size_t				 n;

	for (bp = bench_protos; bp->name != NULL; bp++) {
		if (nports == MAXP)
			errx(1, "more than %d protocols", MAXP);
		p = &ports[nports++];
		p->bp = bp;
		if (bp->make != NULL)
			n = bp->make(p->req, sizeof(p->req));
		else {
			snprintf(path, sizeof(path), "%s/%s", vecdir,
			    bp->request);
			n = bench_loadhex(path, p->req, sizeof(p->req));
		}
		p->len = 0;
		if (n == 0 || bp->frame(p->req, n, sizeof(p->req), &p->len,
		    &why) != FRAME_OK)
			errx(1, "%s: the request is no frame", bp->name);
	}
}

/* a port nothing listens on now (pvgated binds it a moment later) */
static int
free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			s, port;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1)
		err(1, "bind");
	port = ntohs(sin.sin_port);
	close(s);
	return (port);
}

/* as bench.sh configures pvgated, every protocol on its own port */
static void
conf_write(const char *path, const char *dir)
{
	struct rlimit	 rl;
	FILE		*fp;
	int		 i;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(1, "getrlimit");
	if ((fp = fopen(path, "w")) == NULL)
		err(1, "%s", path);
	fprintf(fp, "[gateway]\nuser = _pvgated\nchroot = /var/empty\n"
	    "state_dir = %s/state\nidle_timeout = 600\n"
	    "max_connections = %llu\nmax_frame = 8192\ntimezone = UTC\n\n"
	    "[export]\nstdout = json\ndump = on\n\n", dir,
	    (unsigned long long)(rl.rlim_max == RLIM_INFINITY ? 1048576 :
	    rl.rlim_max));
	for (i = 0; i < nports; i++) {
		ports[i].port = free_port();
		fprintf(fp, "[%s]\nlisten = 127.0.0.1:%d\n%s\n",
		    ports[i].bp->name, ports[i].port, ports[i].bp->conf);
	}
	if (fclose(fp) == EOF)
		err(1, "%s", path);
}

/*
 * One step of a port's device: connect (refused until pvgated has
 * bound it), send the frame, wait for bytes back.  1 once answered.
 */
static int
port_step(struct port *p, short revents)
{
	struct sockaddr_in	sin;
	uint8_t			buf[BENCH_MAXFRAME];
	ssize_t			n;

	if (p->fd == -1) {
		if ((p->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			err(1, "socket");
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons(p->port);
		if (connect(p->fd, (struct sockaddr *)&sin,
		    sizeof(sin)) == -1) {
			if (errno != ECONNREFUSED)
				err(1, "connect to %d", p->port);
			close(p->fd);
			p->fd = -1;
			return (0);
		}
		if (write(p->fd, p->req, p->len) != (ssize_t)p->len)
			err(1, "%s: write", p->bp->name);
		return (0);
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return (0);
	if ((n = read(p->fd, buf, sizeof(buf))) <= 0)
		errx(1, "%s: no reply (%s)", p->bp->name,
		    n == 0 ? "closed" : strerror(errno));
	close(p->fd);
	p->fd = -1;
	return (1);
}

/* exec to the last port's first reply, in ns; pvgated's log to log */
static int64_t
run(const char *exe, const char *conf, const char *sock, const char *log)
{
	struct pollfd	 pfd[MAXP];
	int64_t		 start, end;
	pid_t		 pid;
	int		 i, left, null, logfd, status;

	for (i = 0; i < nports; i++) {
		ports[i].fd = -1;
		ports[i].done = 0;
	}
	left = nports;
	start = now_ns();
	switch (pid = fork()) {
	case -1:
		err(1, "fork");
	case 0:
		if ((null = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(null, STDIN_FILENO) == -1 ||
		    dup2(null, STDOUT_FILENO) == -1)
			err(1, "/dev/null");
		if ((logfd = open(log, O_WRONLY | O_CREAT | O_APPEND,
		    0644)) == -1 || dup2(logfd, STDERR_FILENO) == -1)
			err(1, "%s", log);
		execl(exe, exe, "-d", "-s", sock, "-f", conf, (char *)NULL);
		err(1, "%s", exe);
	}
	while (left > 0) {
		if (now_ns() - start > WAIT_SECS * NSEC)
			errx(1, "pvgated did not answer on every port in "
			    "%d s", WAIT_SECS);
		if (waitpid(pid, &status, WNOHANG) == pid)
			errx(1, "pvgated exited before answering, status %d",
			    status);
		for (i = 0; i < nports; i++) {
			if (!ports[i].done && ports[i].fd == -1)
				(void)port_step(&ports[i], 0);
			pfd[i].fd = ports[i].done ? -1 : ports[i].fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		/* a refused connect: try again in a millisecond */
		if (poll(pfd, nports, 1) == -1 && errno != EINTR)
			err(1, "poll");
		for (i = 0; i < nports; i++)
			if (pfd[i].fd != -1 && pfd[i].revents != 0 &&
			    port_step(&ports[i], pfd[i].revents)) {
				ports[i].done = 1;
				left--;
			}
	}
	end = now_ns();
	if (kill(pid, SIGTERM) == -1)
		err(1, "kill");
	if (waitpid(pid, &status, 0) == -1)
		err(1, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		errx(1, "pvgated exited with status %d", status);
	return (end - start);
}
