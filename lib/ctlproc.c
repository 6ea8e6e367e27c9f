/*
 * Answering the control socket, for every process: who it is, and the
 * messages an answer is made of (see ctl.h).
 */

#include "compat.h"

#include <sys/resource.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "imsgev.h"
#include "log.h"

static struct {
	int		 role;
	char		 name[32];
	int64_t		 start;		/* UTC */
	struct timespec	 mono;		/* the same moment */
	int		 statm;		/* /proc/self/statm, -1: none */
	long		 pagesize;
} self = { .statm = -1 };

/*
 * Before the chroot: the start time, and where it exists the file
 * that tells how much memory this process holds now (read again
 * through the open descriptor, under any sandbox).
 */
void
ctl_procinit(int role, const char *name)
{
	self.role = role;
	strlcpy(self.name, name, sizeof(self.name));
	self.start = time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &self.mono);
	self.pagesize = sysconf(_SC_PAGESIZE);
	if (self.statm == -1)
		self.statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
}

/* resident bytes now, 0 when this system does not say */
static uint64_t
ctl_rss(void)
{
	char			 buf[128];
	unsigned long long	 size, res;
	ssize_t			 n;

	if (self.statm == -1 || lseek(self.statm, 0, SEEK_SET) == -1 ||
	    (n = read(self.statm, buf, sizeof(buf) - 1)) <= 0)
		return (0);
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &size, &res) != 2 || self.pagesize <= 0)
		return (0);
	return (res * (uint64_t)self.pagesize);
}

void
ctl_proc(struct imsgev *iev, uint32_t peerid)
{
	struct ctl_proc	 p;
	struct rusage	 ru;
	struct timespec	 now;

	memset(&p, 0, sizeof(p));
	clock_gettime(CLOCK_MONOTONIC, &now);
	p.start = self.start;
	p.uptime = now.tv_sec - self.mono.tv_sec;
	p.rss = ctl_rss();
	/* KiB on Linux and the BSDs */
	if (getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss > 0)
		p.maxrss = (uint64_t)ru.ru_maxrss * 1024;
	/* counted another way, and later: never below what is there now */
	if (p.maxrss < p.rss)
		p.maxrss = p.rss;
	p.pid = getpid();
	p.role = self.role;
	strlcpy(p.name, self.name, sizeof(p.name));
	ctl_answer(iev, peerid, IMSG_CTL_PROC, &p, sizeof(p));
}

/* a request that carries nothing: its id, the answer's peerid */
uint32_t
ctl_request(struct imsg *imsg, const char *who)
{
	if (imsg_get_len(imsg) != 0)
		fatalx("%s: request %u wrong length: %zu", who,
		    imsg_get_type(imsg), imsg_get_len(imsg));
	return (imsg_get_id(imsg));
}

/* figures of one row: ids and values, the same labels */
void
ctl_counters_send(struct imsgev *iev, uint32_t peerid,
    const struct ctl_figure *f, size_t n, uint16_t proto, uint16_t port)
{
	size_t	i;

	for (i = 0; i < n; i++)
		ctl_counter(iev, peerid, f[i].id, proto, port, NULL,
		    f[i].value);
}

void
ctl_counter(struct imsgev *iev, uint32_t peerid, int id, uint16_t proto,
    uint16_t port, const char *reason, uint64_t value)
{
	struct ctl_counter	c;

	memset(&c, 0, sizeof(c));
	c.value = value;
	c.id = id;
	c.proto = proto;
	c.port = port;
	if (reason != NULL)
		strlcpy(c.reason, reason, sizeof(c.reason));
	ctl_answer(iev, peerid, IMSG_CTL_COUNTER, &c, sizeof(c));
}

/* one message of an answer; the event is armed once, by ctl_end() */
void
ctl_answer(struct imsgev *iev, uint32_t peerid, uint32_t type,
    const void *data, size_t len)
{
	if (imsg_compose(&iev->ibuf, type, peerid, 0, -1, data, len) == -1)
		fatal("%s: imsg_compose", __func__);
}

void
ctl_end(struct imsgev *iev, uint32_t peerid)
{
	if (imsg_compose_event(iev, IMSG_CTL_END, peerid, 0, -1, NULL,
	    0) == -1)
		fatal("%s: imsg_compose", __func__);
}
