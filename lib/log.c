/*
 * Logging for every pvgated process.
 */

#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"
#include "pvgate.h"

#define LOG_LINEMAX	1024

static int		 debug;
static int		 verbose;
static const char	*procname;
static struct imsgbuf	*channel;	/* children: the parent channel */
static void		(*kick)(void);	/* arm the channel for writing */

void
log_init(int n_debug, int facility)
{
	debug = n_debug;
	log_procinit(getprogname());
	if (!debug)
		openlog(getprogname(), LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_procinit(const char *name)
{
	if (name != NULL)
		procname = name;
}

void
log_setverbose(int v)
{
	verbose = v;
}

int
log_getverbose(void)
{
	return verbose;
}

/*
 * From now on, hand lines to pvgated on ibuf.  fn, if set, arms the
 * channel's write event; without it each line is flushed at once.
 */
void
log_setchannel(struct imsgbuf *ibuf, void (*fn)(void))
{
	channel = ibuf;
	kick = fn;
}

/* write one finished line where this process's lines go */
void
log_line(int pri, const char *line)
{
	struct iovec	 iov[2];
	int		 saved = errno;

	if (channel != NULL) {
		iov[0].iov_base = &pri;
		iov[0].iov_len = sizeof(pri);
		iov[1].iov_base = (void *)(uintptr_t)line;
		iov[1].iov_len = strlen(line) + 1;
		if (imsg_composev(channel, IMSG_LOG, 0, 0, -1, iov, 2) != -1) {
			if (kick != NULL)
				kick();
			else
				(void)imsgbuf_flush(channel);
		}
	} else if (debug) {
		fprintf(stderr, "%s\n", line);
		fflush(stderr);
	} else
		syslog(pri, "%s", line);
	errno = saved;
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char	line[LOG_LINEMAX];
	int	n = 0;

	if (channel != NULL && procname != NULL)
		n = snprintf(line, sizeof(line), "%s: ", procname);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	log_line(pri, line);
}

void
logit(int pri, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

static void
vlog_errno(int pri, int code, const char *fmt, va_list ap)
{
	char	msg[LOG_LINEMAX];

	if (fmt == NULL)
		logit(pri, "%s", strerror(code));
	else {
		vsnprintf(msg, sizeof(msg), fmt, ap);
		logit(pri, "%s: %s", msg, strerror(code));
	}
}

void
log_warn(const char *emsg, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, emsg);
	vlog_errno(LOG_ERR, saved, emsg, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *emsg, ...)
{
	va_list	ap;

	va_start(ap, emsg);
	vlog(LOG_ERR, emsg, ap);
	va_end(ap);
}

void
log_info(const char *emsg, ...)
{
	va_list	ap;

	va_start(ap, emsg);
	vlog(LOG_INFO, emsg, ap);
	va_end(ap);
}

void
log_debug(const char *emsg, ...)
{
	va_list	ap;

	if (verbose) {
		va_start(ap, emsg);
		vlog(LOG_DEBUG, emsg, ap);
		va_end(ap);
	}
}

static __attribute__((__noreturn__)) void
vfatalc(int code, const char *emsg, va_list ap)
{
	char	msg[LOG_LINEMAX];

	if (emsg != NULL)
		vsnprintf(msg, sizeof(msg), emsg, ap);
	else
		msg[0] = '\0';
	if (code != 0 && emsg != NULL)
		logit(LOG_CRIT, "fatal: %s: %s", msg, strerror(code));
	else if (code != 0)
		logit(LOG_CRIT, "fatal: %s", strerror(code));
	else
		logit(LOG_CRIT, "fatal: %s", msg);
	if (channel != NULL)
		(void)imsgbuf_flush(channel);
	exit(1);
}

void
fatal(const char *emsg, ...)
{
	va_list	ap;
	int	code = errno;

	va_start(ap, emsg);
	vfatalc(code, emsg, ap);
}

void
fatalx(const char *emsg, ...)
{
	va_list	ap;

	va_start(ap, emsg);
	vfatalc(0, emsg, ap);
}
