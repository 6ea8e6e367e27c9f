/*
 * A listener's answers to the control socket: its port, its
 * connections, its counters (see ctl.h).
 */

#include "compat.h"

#include <event.h>
#include <string.h>

#include "ctl.h"
#include "listener.h"
#include "log.h"

static const char *const close_names[CLOSE_MAX] = {
	"peer", "idle_timeout", "max_frame", "framing", "decoder",
	"unread_replies", "error", "shutdown", "no_frame_room", "hangup"
};

static const char *const refuse_names[REFUSE_MAX] = {
	"max_connections", "max_per_address", "allow_from"
};

static void	listener_ctl_status(uint32_t);
static void	listener_ctl_conns(uint32_t);
static void	listener_ctl_counters(uint32_t);

void
listener_ctl(struct imsg *imsg)
{
	uint32_t	id = ctl_request(imsg, __func__);

	switch (imsg_get_type(imsg)) {
	case IMSG_CTL_STATUS:
		ctl_proc(&env->iev_parent, id);
		listener_ctl_status(id);
		break;
	case IMSG_CTL_CONNECTIONS:
		listener_ctl_conns(id);
		break;
	case IMSG_CTL_COUNTERS:
		ctl_proc(&env->iev_parent, id);
		listener_ctl_counters(id);
		break;
	}
	ctl_end(&env->iev_parent, id);
}

static void
listener_ctl_status(uint32_t id)
{
	struct ctl_listener	l;

	if (env->connector) {
		connector_ctl(&env->iev_parent, id);
		return;
	}
	memset(&l, 0, sizeof(l));
	l.proto = env->proto->id;
	l.port = env->conf->listen.port;
	l.nsock = env->nsock;
	l.conns = env->nconns;
	l.max_connections = env->conf->gate.max_connections;
	l.max_per_address = env->conf->gate.max_per_address;
	l.accepting = env->accepting;
	l.paused = env->paused;
	l.draining = env->draining;
	ctl_answer(&env->iev_parent, id, IMSG_CTL_LISTENER, &l, sizeof(l));
}

static void
listener_ctl_conns(uint32_t id)
{
	struct ctl_conn	 cc;
	struct conn	*c;

	RB_FOREACH(c, conn_tree, &env->conns) {
		memset(&cc, 0, sizeof(cc));
		cc.id = c->id;
		cc.start = c->start;
		cc.rxbytes = c->rxbytes;
		cc.txbytes = c->txbytes;
		cc.frames = c->frames;
		cc.peer = c->peer;
		cc.dst = c->dst;
		cc.proto = c->proto->id;
		cc.port = env->connector ? 0 : env->conf->listen.port;
		ctl_answer(&env->iev_parent, id, IMSG_CTL_CONN, &cc,
		    sizeof(cc));
	}
}

/* the connector counts for all it dials: no port, no protocol */
static void
listener_ctl_counters(uint32_t id)
{
	struct imsgev		*iev = &env->iev_parent;
	const struct ctl_figure	 f[] = {
		{ CTR_LISTENER_CONNECTIONS, env->nconns },
		{ CTR_LISTENER_ACCEPTED, env->stats.accepted },
		{ CTR_LISTENER_FRAMES, env->stats.frames },
		{ CTR_LISTENER_BYTES, env->stats.bytes },
		{ CTR_LISTENER_GARBAGE, env->stats.garbage },
		{ CTR_LISTENER_REPLIES, env->stats.replies },
		{ CTR_LISTENER_REPLY_BYTES, env->stats.reply_bytes },
		{ CTR_LISTENER_REPLIES_LOST, env->stats.replies_lost },
		{ CTR_LISTENER_PAUSES, env->stats.pauses },
	};
	uint16_t		 pr = env->connector ? 0 : env->proto->id;
	uint16_t		 port = env->connector ? 0 :
				    env->conf->listen.port;
	int			 i;

	ctl_counters_send(iev, id, f, nitems(f), pr, port);
	for (i = 0; i < REFUSE_MAX; i++)
		ctl_counter(iev, id, CTR_LISTENER_REFUSED, pr, port,
		    refuse_names[i], env->stats.refused[i]);
	for (i = 0; i < CLOSE_MAX; i++)
		ctl_counter(iev, id, CTR_LISTENER_CLOSED, pr, port,
		    close_names[i], env->stats.closed[i]);
}
