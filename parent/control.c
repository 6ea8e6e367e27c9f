/*
 * The control socket.  pvgated creates it as root, before it drops
 * privileges: owned by root, group of the unprivileged user, mode
 * 0660, so that only root and members of that group can connect.  It
 * then accepts on it as the unprivileged user.  Requests and answers
 * are imsg; how a request travels is in ctl.h.  Nothing a client sends
 * can stop the gateway: a client that breaks the rules is dropped.
 */

#include "compat.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <event.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "pvgated.h"

#define CTL_MAX_CLIENTS	32
#define CTL_QUEUE_MAX	262144	/* messages queued to one client */
#define CTL_REQUEST_MAX	1024	/* bytes of a request */

#define ROLEBIT(r)	(1 << (r))
#define ALLROLES	(ROLEBIT(ROLE_LISTENER) | ROLEBIT(ROLE_DECODER) | \
			    ROLEBIT(ROLE_EXPORTER))

struct ctl_client {
	TAILQ_ENTRY(ctl_client)	 entry;
	struct imsgev		 iev;
	uint32_t		 id;
	int			 pending;	/* children yet to answer */
	int			 closing;	/* once the queue is written */
};

static void	control_reload(struct ctl_client *, struct imsg *);
static void	control_self(struct ctl_client *, struct imsg *);

/*
 * What each request is: who answers it (pvgated's own part, then the
 * children of the roles named), and how many bytes it may carry, which
 * are passed on as they are.
 */
static const struct ctl_request {
	uint32_t	 type;
	int		 roles;
	size_t		 maxlen;
	void		(*self)(struct ctl_client *, struct imsg *);
} requests[] = {
	{ IMSG_CTL_STATUS, ALLROLES, 0, control_self },
	{ IMSG_CTL_DEVICES, ROLEBIT(ROLE_DECODER), 0, NULL },
	{ IMSG_CTL_CONNECTIONS, ROLEBIT(ROLE_LISTENER) |
	    ROLEBIT(ROLE_DECODER), 0, NULL },
	{ IMSG_CTL_COUNTERS, ALLROLES, 0, control_self },
	{ IMSG_CTL_RELOAD, 0, 0, control_reload },
};

static TAILQ_HEAD(, ctl_client)	 clients = TAILQ_HEAD_INITIALIZER(clients);
static struct event		 ev_accept, ev_pause;
static int			 ctl_fd = -1;
static int			 nclients;
static uint32_t			 next_id;

static void	control_accept(int, short, void *);
static void	control_dispatch(int, short, void *);
static void	control_request(struct ctl_client *, struct imsg *);
static void	control_close(struct ctl_client *);
static void	control_error(struct ctl_client *, const char *);

/*
 * As root: a fresh socket at path.  One that a running pvgated still
 * answers on is left alone, and so is anything that is not a socket.
 */
int
control_init(const char *path, gid_t gid)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	mode_t			 old;
	int			 fd, s;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		fatalx("control socket %s: path too long", path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			fatalx("control socket %s: exists and is not a socket",
			    path);
		if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
		    -1)
			fatal("%s: socket", __func__);
		if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			fatalx("control socket %s is in use: is pvgated "
			    "running already? (-s names another)", path);
		close(s);
		if (unlink(path) == -1)
			fatal("control socket %s: unlink", path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("%s: socket", __func__);
	old = umask(S_IXUSR | S_IXGRP | S_IRWXO);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("control socket %s: bind", path);
	umask(old);
	if (chown(path, 0, gid) == -1 ||
	    chmod(path, S_IRUSR | S_IWUSR | S_IRGRP | S_IWGRP) == -1) {
		(void)unlink(path);
		fatal("control socket %s: chown/chmod", path);
	}
	if (listen(fd, 16) == -1)
		fatal("control socket %s: listen", path);
	ctl_fd = fd;
	return fd;
}

/* once the event loop exists */
void
control_listen(void)
{
	event_set(&ev_accept, ctl_fd, EV_READ | EV_PERSIST, control_accept,
	    NULL);
	event_add(&ev_accept, NULL);
	evtimer_set(&ev_pause, control_accept, NULL);
}

static void
control_accept(int fd, short event, void *arg)
{
	struct timeval		 tv = { 1, 0 };
	struct ctl_client	*cl;
	int			 s;

	(void)fd;
	(void)arg;
	if (event & EV_TIMEOUT) {
		event_add(&ev_accept, NULL);
		return;
	}
	if ((s = accept4(ctl_fd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == -1) {
		if (errno == EMFILE || errno == ENFILE) {
			/* out of descriptors: try again in a second */
			log_warn("control socket: accept");
			event_del(&ev_accept);
			evtimer_add(&ev_pause, &tv);
		} else if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("control socket: accept");
		return;
	}
	if (nclients >= CTL_MAX_CLIENTS) {
		log_warnx("control socket: %d clients, refusing more",
		    nclients);
		close(s);
		return;
	}
	if ((cl = calloc(1, sizeof(*cl))) == NULL)
		fatal(NULL);
	cl->id = ++next_id;
	imsgev_init(&cl->iev, s, control_dispatch, cl);
	TAILQ_INSERT_TAIL(&clients, cl, entry);
	nclients++;
	imsgev_hello(&cl->iev, ROLE_PARENT);
}

static void
control_close(struct ctl_client *cl)
{
	event_del(&cl->iev.ev);
	imsgbuf_clear(&cl->iev.ibuf);
	close(cl->iev.ibuf.fd);
	TAILQ_REMOVE(&clients, cl, entry);
	nclients--;
	free(cl);
}

static void
control_dispatch(int fd, short event, void *bula)
{
	struct imsgev		*iev = bula;
	struct ctl_client	*cl = iev->data;
	struct imsg		 imsg;
	ssize_t			 n;

	(void)fd;
	if (event & EV_READ) {
		if ((n = imsgbuf_read(&iev->ibuf)) == -1 || n == 0) {
			control_close(cl);
			return;
		}
	}
	if (event & EV_WRITE) {
		if (imsgbuf_write(&iev->ibuf) == -1) {
			control_close(cl);
			return;
		}
		if (cl->closing && imsgbuf_queuelen(&iev->ibuf) == 0) {
			control_close(cl);
			return;
		}
	}
	while (!cl->closing) {
		if ((n = imsg_get(&iev->ibuf, &imsg)) == -1) {
			control_close(cl);
			return;
		}
		if (n == 0)
			break;
		control_request(cl, &imsg);
		imsg_free(&imsg);
	}
	imsg_event_add(iev);
}

/* the client's IMSG_HELLO: its build, or an answer why not */
static int
control_hello(struct ctl_client *cl, struct imsg *imsg)
{
	struct pv_hello	hello;

	if (imsg_get_type(imsg) != IMSG_HELLO ||
	    imsg_get_data(imsg, &hello, sizeof(hello)) == -1 ||
	    hello.role != ROLE_CTL) {
		control_error(cl, "expected IMSG_HELLO from pvgatectl");
		return -1;
	}
	if (hello.version != PVGATE_IMSG_VERSION) {
		control_error(cl, "pvgatectl and pvgated are from different "
		    "builds");
		return -1;
	}
	cl->iev.hello = 1;
	return 0;
}

static void
control_request(struct ctl_client *cl, struct imsg *imsg)
{
	const struct ctl_request	*rq = NULL;
	size_t				 i, len = imsg_get_len(imsg);

	if (!cl->iev.hello) {
		(void)control_hello(cl, imsg);
		return;
	}
	for (i = 0; i < nitems(requests); i++)
		if (requests[i].type == imsg_get_type(imsg))
			rq = &requests[i];
	if (rq == NULL) {
		control_error(cl, "unknown request");
		return;
	}
	if (len > rq->maxlen || len > CTL_REQUEST_MAX) {
		control_error(cl, "request too long");
		return;
	}
	if (cl->pending > 0) {
		control_error(cl, "one request at a time");
		return;
	}
	if (parent_stopping()) {
		control_error(cl, "pvgated is shutting down");
		return;
	}
	if (rq->self != NULL)
		rq->self(cl, imsg);
	if (rq->roles != 0)
		cl->pending = parent_forward(rq->roles, imsg_get_type(imsg),
		    cl->id, imsg);
	if (cl->pending == 0)
		ctl_end(&cl->iev, 0);
}

/* a request that ends the conversation: say why, hang up */
static void
control_error(struct ctl_client *cl, const char *why)
{
	struct ctl_result	r;

	memset(&r, 0, sizeof(r));
	r.status = CTL_FAILED;
	strlcpy(r.text, why, sizeof(r.text));
	ctl_answer(&cl->iev, 0, IMSG_CTL_RESULT, &r, sizeof(r));
	ctl_end(&cl->iev, 0);
	cl->closing = 1;
}

/* pvgated's own part of status and counters */
static void
control_self(struct ctl_client *cl, struct imsg *imsg)
{
	(void)imsg;
	ctl_proc(&cl->iev, 0);
}

static void
control_reload(struct ctl_client *cl, struct imsg *imsg)
{
	struct ctl_result	r;

	(void)imsg;
	memset(&r, 0, sizeof(r));
	r.status = parent_reload(r.text, sizeof(r.text));
	ctl_answer(&cl->iev, 0, IMSG_CTL_RESULT, &r, sizeof(r));
}

static struct ctl_client *
control_byid(uint32_t id)
{
	struct ctl_client	*cl;

	TAILQ_FOREACH(cl, &clients, entry)
		if (cl->id == id)
			return cl;
	return NULL;
}

/*
 * A child's answer: to the client that asked, if it is still there.
 * Returns -1 if imsg is no answer at all.
 */
int
control_relay(struct imsg *imsg, const char *who)
{
	struct ctl_client	*cl;
	struct ibuf		 ibuf;
	uint32_t		 type = imsg_get_type(imsg);
	size_t			 want = ctl_answer_size(type);

	if (type != IMSG_CTL_END && want == 0)
		return -1;
	if (imsg_get_len(imsg) != want)
		fatalx("%s: answer %u from %s wrong length: %zu", __func__,
		    type, who, imsg_get_len(imsg));
	if ((cl = control_byid(imsg_get_id(imsg))) == NULL || cl->closing)
		return 0;
	if (type == IMSG_CTL_END) {
		if (cl->pending <= 0)
			fatalx("%s: IMSG_CTL_END from %s unasked", __func__,
			    who);
		if (--cl->pending == 0)
			ctl_end(&cl->iev, 0);
		return 0;
	}
	if (imsg_get_ibuf(imsg, &ibuf) == -1)
		fatalx("%s: imsg_get_ibuf", __func__);
	if (imsgbuf_queuelen(&cl->iev.ibuf) > CTL_QUEUE_MAX) {
		log_warnx("control socket: client does not read its answers");
		control_close(cl);
		return 0;
	}
	if (imsg_compose_event(&cl->iev, type, 0, 0, -1, ibuf_data(&ibuf),
	    ibuf_size(&ibuf)) == -1)
		fatal("%s: imsg_compose", __func__);
	return 0;
}
