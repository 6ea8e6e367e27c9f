/*
 * Owners' commands, in the decoder: the only place that judges them.
 * A command comes as text (IMSG_COMMAND) from the exporter (MQTT) or
 * from pvgated (pvgatectl); the channel, not the message, says which.
 *
 * It is refused unless a [device] of that name allows it and its
 * argument parses within range (cmd.c and the protocol's table); one
 * command per device is in flight at a time, and at most command_rate
 * a minute go out.  A device that is not connected, or whose link is
 * busy, is waited for command_wait seconds, then the command is
 * refused; nothing queues longer.  Once the frame is out, the
 * device's answer (through the protocol's pv_cmd_done()) or the
 * timeout ends it.  Every command, whatever its end, becomes a record
 * of kind event for every sink and a log line (refusals: at most
 * REFUSAL_BURST lines every REFUSAL_PERIOD seconds), and a command of
 * pvgatectl's the IMSG_CTL_RESULT that answers its request.
 */

#include "compat.h"

#include <sys/queue.h>

#include <event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "confmsg.h"
#include "cmd.h"
#include "decoder.h"
#include "log.h"

#define RETRY_MS	500	/* while waiting for the device */
#define RATE_WINDOW	60	/* s: command_rate is per minute */
#define RATE_MAX	60
#define RATE_DEFAULT	6
#define REFUSAL_BURST	10
#define REFUSAL_PERIOD	10	/* s */

enum {
	CS_IDLE,
	CS_WAIT,		/* for the device, or its link */
	CS_SENT			/* for the answer */
};

/* one [device]'s commands */
struct cmdstate {
	TAILQ_ENTRY(cmdstate)	 entry;
	char			 device[PV_NAMELEN];
	int			 phase;
	int			 source;
	uint64_t		 id;		/* the sender's */
	uint64_t		 conn;		/* CS_SENT: where it went */
	char			 peer[64];
	struct pv_cmd		 cmd;
	struct timespec		 start;
	struct timespec		 sentat;	/* CS_SENT: when it went */
	uint32_t		 wait;		/* CS_WAIT: ms from start */
	struct event		 ev;
	time_t			 sent[RATE_MAX];	/* ring of send times */
	unsigned int		 next;
};

static TAILQ_HEAD(, cmdstate)	states = TAILQ_HEAD_INITIALIZER(states);

static const struct pv_deviceconf *cmd_device(const char *);
static struct cmdstate	*cs_get(const char *);
static void	 cs_try(struct cmdstate *);
static void	 cs_timer(int, short, void *);
static void	 cs_arm(struct cmdstate *, unsigned int);
static int	 cs_rate(struct cmdstate *, const struct pv_deviceconf *,
		    time_t);
static void	 cs_finish(struct cmdstate *, int, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static void	 refuse(const struct pv_command *, int,
		    const struct pv_deviceconf *, const char *, ...)
		    __attribute__((__format__ (printf, 4, 5)));
static void	 event_out(int, const char *, const char *, const char *,
		    const char *, int, const char *, uint32_t, uint64_t);
static void	 safe_text(char *, size_t, const char *);
static uint32_t	 since(const struct timespec *);

/* the [device] of that name, as sent or as a topic level has it */
static const struct pv_deviceconf *
cmd_device(const char *name)
{
	const struct pvconf	*conf = decoder_conf();
	int			 i;

	if (conf == NULL || name[0] == '\0')
		return (NULL);
	for (i = 0; i < conf->ndevices; i++)
		if (strcmp(conf->devices[i].name, name) == 0)
			return (&conf->devices[i]);
	for (i = 0; i < conf->ndevices; i++)
		if (cmd_name_match(conf->devices[i].name, name))
			return (&conf->devices[i]);
	return (NULL);
}

static struct cmdstate *
cs_get(const char *device)
{
	struct cmdstate	*cs;

	TAILQ_FOREACH(cs, &states, entry)
		if (strcmp(cs->device, device) == 0)
			return (cs);
	if ((cs = calloc(1, sizeof(*cs))) == NULL)
		fatal(NULL);
	(void)strlcpy(cs->device, device, sizeof(cs->device));
	evtimer_set(&cs->ev, cs_timer, cs);
	TAILQ_INSERT_TAIL(&states, cs, entry);
	return (cs);
}

/* IMSG_COMMAND from the exporter (MQTT), IMSG_CTL_SEND from pvgated */
void
command_receive(struct imsg *imsg, int source)
{
	struct pv_command		 c;
	const struct pv_deviceconf	*dev;
	struct cmdstate			*cs;
	struct pv_cmd			 cmd;
	char				 why[PV_CMD_TEXTLEN], list[256];

	if (imsg_get_data(imsg, &c, sizeof(c)) == -1)
		fatalx("%s: IMSG_COMMAND wrong length: %zu", __func__,
		    imsg_get_len(imsg));
	/* pvgatectl's request is answered by its peerid */
	if (source == CMD_SRC_CTL)
		c.id = imsg_get_id(imsg);
	c.device[sizeof(c.device) - 1] = '\0';
	c.command[sizeof(c.command) - 1] = '\0';
	c.arg[sizeof(c.arg) - 1] = '\0';
	if ((dev = cmd_device(c.device)) == NULL) {
		refuse(&c, source, NULL, "no [device] of that name");
		return;
	}
	if (dev->allow == 0) {
		refuse(&c, source, dev, "nothing is allowed (allow is empty)");
		return;
	}
	if (cmd_parse(dev, c.command, c.arg, c.flags & PV_CMD_TRUNCATED,
	    &cmd, why, sizeof(why)) == -1) {
		refuse(&c, source, dev, "%s", why);
		return;
	}
	if ((dev->allow & CMD_BIT(cmd.id)) == 0) {
		(void)cmd_allow_text(dev->allow, list, sizeof(list));
		refuse(&c, source, dev, "%s is not allowed (allow = %s)",
		    cmd_name(cmd.id), list);
		return;
	}
	cs = cs_get(dev->name);
	if (cs->phase != CS_IDLE) {
		refuse(&c, source, dev, "busy: %s is in flight",
		    cmd_name(cs->cmd.id));
		return;
	}
	if (cs_rate(cs, dev, time(NULL)) == -1) {
		refuse(&c, source, dev, "more than %u commands a minute",
		    dev->command_rate > 0 ? dev->command_rate :
		    RATE_DEFAULT);
		return;
	}
	cs->cmd = cmd;
	cs->source = source;
	cs->id = c.id;
	cs->peer[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &cs->start);
	cs->wait = dev->command_wait * 1000;
	cs->phase = CS_WAIT;
	cs_try(cs);
}

/* how many went out in the last minute: -1 if another is one too many */
static int
cs_rate(struct cmdstate *cs, const struct pv_deviceconf *dev, time_t now)
{
	unsigned int	rate, i, n = 0;

	rate = dev->command_rate > 0 ? dev->command_rate : RATE_DEFAULT;
	if (rate > RATE_MAX)
		rate = RATE_MAX;
	for (i = 0; i < RATE_MAX; i++)
		if (cs->sent[i] != 0 && now - cs->sent[i] < RATE_WINDOW)
			n++;
	return (n >= rate ? -1 : 0);
}

/* find the device, send, or wait a little more */
static void
cs_try(struct cmdstate *cs)
{
	const struct pv_deviceconf	*dev;
	const struct cmd_proto		*cp;
	struct dconn			*dc;
	char				 why[PV_CMD_TEXTLEN];
	time_t				 now = time(NULL);

	if ((dev = cmd_device(cs->device)) == NULL ||
	    (cp = cmd_proto(dev->proto)) == NULL) {
		cs_finish(cs, CMD_RES_REFUSED, "the device's section is gone");
		return;
	}
	if ((dc = decoder_reaching(dev)) == NULL) {
		if (since(&cs->start) >= cs->wait)
			cs_finish(cs, CMD_RES_REFUSED, "not connected (waited "
			    "%u s)", cs->wait / 1000);
		else
			cs_arm(cs, RETRY_MS);
		return;
	}
	(void)strlcpy(cs->peer, decoder_conn_peer(dc), sizeof(cs->peer));
	switch (decoder_send_cmd(dc, &cs->cmd, why, sizeof(why))) {
	case CMD_SENT:
		cs->phase = CS_SENT;
		cs->conn = decoder_conn_id(dc);
		clock_gettime(CLOCK_MONOTONIC, &cs->sentat);
		cs->sent[cs->next++ % RATE_MAX] = now;
		cs_arm(cs, dev->timeout > 0 ? dev->timeout : cp->timeout);
		break;
	case CMD_LATER:
		if (since(&cs->start) >= cs->wait)
			cs_finish(cs, CMD_RES_REFUSED, "the device stayed busy");
		else
			cs_arm(cs, RETRY_MS);
		break;
	default:
		cs_finish(cs, CMD_RES_REFUSED, "%s", why);
		break;
	}
}

static void
cs_arm(struct cmdstate *cs, unsigned int ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_del(&cs->ev);
	evtimer_add(&cs->ev, &tv);
}

static void
cs_timer(int fd, short event, void *arg)
{
	struct cmdstate			*cs = arg;
	const struct pv_deviceconf	*dev;
	const struct cmd_proto		*cp;
	unsigned int			 ms = 0;
	uint32_t			 gone;

	(void)fd;
	(void)event;
	if (cs->phase == CS_WAIT) {
		cs_try(cs);
		return;
	}
	if (cs->phase != CS_SENT)
		return;
	if ((dev = cmd_device(cs->device)) != NULL &&
	    (cp = cmd_proto(dev->proto)) != NULL)
		ms = dev->timeout > 0 ? dev->timeout : cp->timeout;
	/*
	 * libevent counts the timeout from the time it cached when the
	 * loop pass began, before the command went out: it may fire a
	 * few ms early.  A timeout is never declared before its time.
	 */
	if ((gone = since(&cs->sentat)) < ms) {
		cs_arm(cs, ms - gone);
		return;
	}
	cs_finish(cs, CMD_RES_TIMEOUT, "no answer within %u ms", ms);
}

/* the protocol saw the device's answer to cmd */
void
command_answer(struct pv_cmd *cmd, int result, const char *detail)
{
	struct cmdstate	*cs;

	TAILQ_FOREACH(cs, &states, entry)
		if (&cs->cmd == cmd && cs->phase == CS_SENT) {
			cs_finish(cs, result, "%s", detail);
			return;
		}
}

/* the connection cmd went out on has closed: no answer will come */
void
command_conn_gone(struct pv_cmd *cmd)
{
	struct cmdstate	*cs;

	TAILQ_FOREACH(cs, &states, entry)
		if (&cs->cmd == cmd && cs->phase == CS_SENT) {
			cs_finish(cs, CMD_RES_TIMEOUT, "the connection closed "
			    "before an answer");
			return;
		}
}

/* the command's end: the connection freed of it, the event, the log */
static void
cs_finish(struct cmdstate *cs, int result, const char *fmt, ...)
{
	struct dconn	*dc;
	char		 detail[PV_CMD_TEXTLEN];
	va_list		 ap;

	va_start(ap, fmt);
	if (vsnprintf(detail, sizeof(detail), fmt, ap) < 0)
		detail[0] = '\0';
	va_end(ap);
	evtimer_del(&cs->ev);
	if (cs->phase == CS_SENT && (dc = decoder_conn_byid(cs->conn)) !=
	    NULL)
		decoder_release_cmd(dc);
	cs->phase = CS_IDLE;
	event_out(cs->source, cs->device, cmd_name(cs->cmd.id),
	    cs->cmd.argtext, cs->peer, result, detail, since(&cs->start),
	    cs->id);
}

/* a command refused before anything was sent */
static void
refuse(const struct pv_command *c, int source,
    const struct pv_deviceconf *dev, const char *fmt, ...)
{
	char	why[PV_CMD_TEXTLEN], name[PV_CMD_NAMELEN];
	char	arg[CMD_TEXTLEN], device[PV_NAMELEN];
	va_list	ap;

	va_start(ap, fmt);
	if (vsnprintf(why, sizeof(why), fmt, ap) < 0)
		why[0] = '\0';
	va_end(ap);
	safe_text(name, sizeof(name), c->command);
	safe_text(arg, sizeof(arg), c->arg);
	safe_text(device, sizeof(device), dev != NULL ? dev->name :
	    c->device);
	event_out(source, device, name, arg, "", CMD_RES_REFUSED, why, 0,
	    c->id);
}

/* what came from outside, as a record may carry it */
static void
safe_text(char *dst, size_t len, const char *src)
{
	pv_text(dst, len, (const uint8_t *)src, strlen(src));
}

static uint32_t
since(const struct timespec *t0)
{
	struct timespec	now;
	int64_t		ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (int64_t)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
	return (ms < 0 ? 0 : ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms);
}

/*
 * The record of kind event, the log line, and for pvgatectl the
 * result.  Refusals are logged at most REFUSAL_BURST times every
 * REFUSAL_PERIOD seconds; their events all go out.
 */
static void
event_out(int source, const char *device, const char *command,
    const char *arg, const char *peer, int result, const char *detail,
    uint32_t latency, uint64_t id)
{
	static time_t			 start;
	static unsigned int		 said, quiet;
	const struct pv_deviceconf	*dev = cmd_device(device);
	struct record			 rec;
	time_t				 now = time(NULL);

	record_init(&rec, REC_EVENT, dev != NULL ? dev->proto : PROTO_NONE,
	    now);
	(void)strlcpy(rec.device, device[0] != '\0' ? device : "unknown",
	    sizeof(rec.device));
	(void)strlcpy(rec.peer, peer, sizeof(rec.peer));
	(void)record_attr(&rec, A_EVENT, "command");
	(void)record_attr(&rec, A_SOURCE, source == CMD_SRC_CTL ? "ctl" :
	    "mqtt");
	(void)record_attr(&rec, A_COMMAND, command);
	if (arg[0] != '\0')
		(void)record_attr(&rec, A_ARGUMENT, arg);
	(void)record_attr(&rec, A_RESULT, cmd_result_name(result));
	if (detail[0] != '\0')
		(void)record_attr(&rec, A_REASON, detail);
	(void)record_metric(&rec, M_LATENCY, 0, latency, 0);
	decoder_record(&rec);

	if (result != CMD_RES_REFUSED)
		log_info("command %s %s for %s from %s: %s: %s (%u ms)",
		    command, arg, device, source == CMD_SRC_CTL ? "ctl" :
		    "mqtt", cmd_result_name(result), detail, latency);
	else {
		if (now - start >= REFUSAL_PERIOD) {
			if (quiet > 0)
				log_warnx("%u more commands refused in the "
				    "last %d s", quiet, REFUSAL_PERIOD);
			start = now;
			said = quiet = 0;
		}
		if (said++ < REFUSAL_BURST)
			log_warnx("command %s %s for %s from %s refused: %s",
			    command, arg, device, source == CMD_SRC_CTL ?
			    "ctl" : "mqtt", detail);
		else
			quiet++;
	}
	if (source == CMD_SRC_CTL)
		decoder_result((uint32_t)id, result, latency, detail);
}
