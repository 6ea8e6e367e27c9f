/*
 * The relay connector: the connector dials a vendor's cloud when the
 * decoder asks (IMSG_RELAY_DIAL), one connection per device
 * connection.  It says IMSG_RELAY_UP with the new connection's id, or
 * IMSG_RELAY_FAIL; from then on the upstream connection is a
 * connection like the others, framed with the protocol's framer for
 * the cloud's side (cloud.c).  It never dials again by itself: when
 * and whether to is the decoder's call.
 */

#include "compat.h"

#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <event.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cloud.h"
#include "listener.h"
#include "log.h"
#include "util.h"

/* the protocols as the cloud's side is framed */
static struct proto	upstream[PROTO_MAX];
/* the dials under way */
static TAILQ_HEAD(, target) dialling = TAILQ_HEAD_INITIALIZER(dialling);

static void	relay_done(int, short, void *);
static void	relay_failed(struct target *, const char *);
static void	relay_say(int, const struct target *, const char *);

static const struct proto *
relay_proto(unsigned int id)
{
	const struct proto		*pr;
	const struct cloud_proto	*cp;

	if (id >= PROTO_MAX || (pr = proto_byid(id)) == NULL ||
	    (cp = cloud_byid(id)) == NULL)
		return (NULL);
	if (upstream[id].name == NULL) {
		upstream[id] = *pr;
		upstream[id].frame = cp->frame;
	}
	return (&upstream[id]);
}

/* the decoder wants a device connection relayed */
void
relay_dial(const struct pv_relay *r)
{
	const struct pv_protoconf	*pc;
	struct target			*t;
	struct timeval			 tv;

	if (r->proto >= PROTO_MAX ||
	    (pc = &env->conf->proto[r->proto])->cloud.family == 0)
		fatalx("%s: protocol %u has no cloud", __func__, r->proto);
	if ((t = calloc(1, sizeof(*t))) == NULL)
		fatal(NULL);
	t->relay = 1;
	t->tag = r->tag;
	t->fd = -1;
	if ((t->proto = relay_proto(r->proto)) == NULL)
		fatalx("%s: protocol %u has no relay", __func__, r->proto);
	t->dev.client = pc->cloud;
	t->dev.client.port = r->port;
	strlcpy(t->dev.name, "cloud", sizeof(t->dev.name));
	if (env->draining) {
		relay_failed(t, "shutting down");
		return;
	}
	tv.tv_sec = pc->cloud_timeout / 1000;
	tv.tv_usec = (pc->cloud_timeout % 1000) * 1000;
	if (target_connect(t, relay_done, &tv) == -1) {
		relay_failed(t, strerror(errno));
		return;
	}
	TAILQ_INSERT_TAIL(&dialling, t, entry);
	t->queued = 1;
}

static void
relay_done(int fd, short event, void *arg)
{
	struct target	*t = arg;
	const char	*why;

	if ((why = target_connected(fd, event)) != NULL) {
		relay_failed(t, why);
		return;
	}
	TAILQ_REMOVE(&dialling, t, entry);
	t->queued = 0;
	t->c = conn_add(fd, &t->dev.client, t->proto, t);
	t->fd = -1;
	relay_say(IMSG_RELAY_UP, t, NULL);
}

static void
relay_say(int type, const struct target *t, const char *why)
{
	struct pv_relay	r;

	memset(&r, 0, sizeof(r));
	r.tag = t->tag;
	r.conn = t->c != NULL ? t->c->id : 0;
	r.proto = t->proto->id;
	r.port = t->dev.client.port;
	if (why != NULL)
		strlcpy(r.reason, why, sizeof(r.reason));
	if (imsg_compose_event(&env->iev_decoder, type, 0, 0, -1, &r,
	    sizeof(r)) == -1)
		fatal("%s: imsg_compose", __func__);
}

static void
relay_failed(struct target *t, const char *why)
{
	if (t->queued)
		TAILQ_REMOVE(&dialling, t, entry);
	if (t->fd != -1)
		close(t->fd);
	relay_say(IMSG_RELAY_FAIL, t, why);
	free(t);
}

/* conn_close() of an upstream connection: the decoder has been told */
void
relay_closed(struct target *t)
{
	free(t);
}

/* shutdown: the dials under way are given up */
void
relay_stop(void)
{
	struct target	*t;

	while ((t = TAILQ_FIRST(&dialling)) != NULL) {
		event_del(&t->ev);
		relay_failed(t, "shutting down");
	}
}
