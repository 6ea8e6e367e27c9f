/*
 * The connector: pvgate-listener in dialling mode, for devices the
 * gateway must reach itself.  It dials the addresses pvgated looked
 * up, says IMSG_CONN_OPEN to the decoder when a connection is up (the
 * decoder then speaks first), and otherwise is the same dumb pipe as a
 * listener.  A connection that fails or ends is dialled again after a
 * backoff: 1 s, doubling up to BACKOFF_MAX, and back to 1 s once the
 * device has sent a frame.
 *
 * Some devices want one exchange per connection.  For them the decoder
 * hangs up (IMSG_CONN_KILL with PV_REPLY_REDIAL): the connection is
 * closed and the device dialled again when the decoder said, without
 * backoff; such planned dials are logged at debug level only.  A
 * hangup for a connection the device closed first moves the wait for
 * the next dial the same way.
 */

#include "compat.h"

#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "listener.h"
#include "log.h"
#include "util.h"

#define BACKOFF_MAX	300	/* seconds */
#define CONNECT_WAIT	10	/* seconds for a connect to complete */

static struct target	*targets;
static int		 ntargets;

static void	dial(int, short, void *);
static void	dial_done(int, short, void *);
static void	dial_failed(struct target *, const char *);
static void	dial_later(struct target *);
static void	dial_after(struct target *, unsigned int);
static void	dial_state(struct target *, int);

void
connector_start(const struct pvconf *conf)
{
	const struct pv_deviceconf	*dc;
	struct target			*t;
	int				 i;

	for (i = 0; i < conf->ndevices; i++)
		if (conf->devices[i].client.family != 0)
			ntargets++;
	for (i = 0; i < PROTO_MAX && ntargets == 0; i++)
		if (conf->proto[i].cloud.family != 0)
			return;		/* clouds only, when asked */
	if (ntargets == 0)
		fatalx("%s: nothing to dial", __func__);
	if ((targets = calloc(ntargets, sizeof(*targets))) == NULL)
		fatal(NULL);
	t = targets;
	for (i = 0; i < conf->ndevices; i++) {
		dc = &conf->devices[i];
		if (dc->client.family == 0)
			continue;
		t->dev = *dc;
		if ((t->proto = proto_byid(dc->proto)) == NULL)
			fatalx("%s: device %s: unknown protocol %u", __func__,
			    dc->name, dc->proto);
		t->fd = -1;
		t->backoff = 1;
		dial(-1, 0, t);
		t++;
	}
}

static void
dial(int fd, short event, void *arg)
{
	struct target		*t = arg;
	struct timeval		 tv = { CONNECT_WAIT, 0 };

	(void)fd;
	(void)event;
	if (env->draining)
		return;
	dial_state(t, DIAL_CONNECTING);
	if (target_connect(t, dial_done, &tv) == -1)
		dial_failed(t, strerror(errno));
}

/*
 * Connect to t->dev.client without waiting; cb runs once that is done
 * or tv has passed.  -1 (errno set) if it failed at once.
 */
int
target_connect(struct target *t, void (*cb)(int, short, void *),
    const struct timeval *tv)
{
	struct sockaddr_storage	ss;
	socklen_t		len;

	len = pv_addr_sockaddr(&t->dev.client, &ss);
	if ((t->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(t->fd, (struct sockaddr *)&ss, len) == -1 &&
	    errno != EINPROGRESS)
		return -1;
	/* done or not, writable says so */
	event_set(&t->ev, t->fd, EV_WRITE, cb, t);
	event_add(&t->ev, tv);
	return 0;
}

/* in target_connect()'s callback: NULL if connected, else why not */
const char *
target_connected(int fd, short event)
{
	socklen_t	len = sizeof(int);
	int		error = 0;

	if (event & EV_TIMEOUT)
		return "connection timed out";
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == -1)
		error = errno;
	return error != 0 ? strerror(error) : NULL;
}

static void
dial_done(int fd, short event, void *arg)
{
	struct target		*t = arg;
	struct pv_conn_open	 co;
	char			 buf[64];
	const char		*why;

	if ((why = target_connected(fd, event)) != NULL) {
		dial_failed(t, why);
		return;
	}
	t->c = conn_add(fd, &t->dev.client, t->proto, t);
	t->fd = -1;
	dial_state(t, DIAL_CONNECTED);
	t->failures = 0;
	pv_addr_str(&t->dev.client, buf, sizeof(buf));
	if (t->planned)
		log_debug("%s %s: connected to %s", t->proto->name,
		    t->dev.name, buf);
	else
		log_info("%s %s: connected to %s", t->proto->name,
		    t->dev.name, buf);

	memset(&co, 0, sizeof(co));
	co.conn = t->c->id;
	co.proto = t->proto->id;
	co.peer = t->dev.client;
	strlcpy(co.device, t->dev.name, sizeof(co.device));
	if (imsg_compose_event(&env->iev_decoder, IMSG_CONN_OPEN, 0, 0, -1,
	    &co, sizeof(co)) == -1)
		fatal("%s: imsg_compose", __func__);
}

static void
dial_failed(struct target *t, const char *why)
{
	char	buf[64];

	if (t->fd != -1) {
		close(t->fd);
		t->fd = -1;
	}
	strlcpy(t->error, why, sizeof(t->error));
	t->failures++;
	t->planned = 0;
	pv_addr_str(&t->dev.client, buf, sizeof(buf));
	log_warnx("%s %s: cannot connect to %s: %s; again in %u s",
	    t->proto->name, t->dev.name, buf, why, t->backoff);
	dial_later(t);
}

static void
dial_later(struct target *t)
{
	dial_after(t, t->backoff * 1000);
	t->backoff = t->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX :
	    t->backoff * 2;
}

static void
dial_after(struct target *t, unsigned int msec)
{
	struct timeval	tv;

	if (env->draining)
		return;
	dial_state(t, DIAL_WAITING);
	t->next = t->since + (msec + 999) / 1000;
	tv.tv_sec = msec / 1000;
	tv.tv_usec = (msec % 1000) * 1000;
	if (event_initialized(&t->ev))
		event_del(&t->ev);
	evtimer_set(&t->ev, dial, t);
	evtimer_add(&t->ev, &tv);
}

/* the decoder hung up t's connection: dial again in msec */
void
connector_hangup(struct target *t, unsigned int msec)
{
	t->hangup = 1;
	t->redial = msec;
}

/*
 * A hangup for a connection that had closed before it came: if the
 * device still waits for its next dial, that dial comes in msec.
 */
void
connector_redial(uint64_t conn, unsigned int msec)
{
	struct target	*t;

	for (t = targets; t < targets + ntargets; t++) {
		if (t->last != conn || t->c != NULL || t->fd != -1)
			continue;
		log_debug("%s %s: hung up after it closed; again in %u ms",
		    t->proto->name, t->dev.name, msec);
		t->backoff = 1;
		t->planned = 1;
		dial_after(t, msec);
		return;
	}
}

/* conn_close() of a dialled connection */
void
connector_closed(struct target *t, const char *why)
{
	if (t->relay) {
		relay_closed(t);
		return;
	}
	if (t->c != NULL && t->c->gotframe)
		t->backoff = 1;
	if (t->c != NULL)
		t->last = t->c->id;
	t->c = NULL;
	t->planned = t->hangup;
	if (env->draining)
		return;
	if (t->hangup) {
		t->hangup = 0;
		t->backoff = 1;
		log_debug("%s %s: hung up; again in %u ms", t->proto->name,
		    t->dev.name, t->redial);
		dial_after(t, t->redial);
		return;
	}
	strlcpy(t->error, why, sizeof(t->error));
	log_info("%s %s: connection closed (%s); again in %u s",
	    t->proto->name, t->dev.name, why, t->backoff);
	dial_later(t);
}

/* shutdown: no more dialling; open connections are closed later */
void
connector_stop(void)
{
	struct target	*t;
	int		 i;

	relay_stop();
	/* by index: a connector of clouds only has no targets (NULL) */
	for (i = 0; i < ntargets; i++) {
		t = &targets[i];
		if (event_initialized(&t->ev))
			event_del(&t->ev);
		if (t->fd != -1) {
			close(t->fd);
			t->fd = -1;
		}
	}
}

static void
dial_state(struct target *t, int state)
{
	t->state = state;
	t->since = time(NULL);
	t->next = 0;
}

/* pvgatectl status: every device this connector dials */
void
connector_ctl(struct imsgev *iev, uint32_t id)
{
	struct ctl_connector	 cc;
	struct target		*t;
	int			 i;

	for (i = 0; i < ntargets; i++) {
		t = &targets[i];
		memset(&cc, 0, sizeof(cc));
		cc.since = t->since;
		cc.next = t->next;
		cc.addr = t->dev.client;
		cc.failures = t->failures;
		cc.proto = t->proto->id;
		cc.state = t->state;
		strlcpy(cc.device, t->dev.name, sizeof(cc.device));
		strlcpy(cc.error, t->error, sizeof(cc.error));
		ctl_answer(iev, id, IMSG_CTL_CONNECTOR, &cc, sizeof(cc));
	}
}
