/*
 * pvgated: the parent.  As root it reads the configuration, binds the
 * listening ports, spawns one listener per port, the decoder and the
 * exporter, hands them their configuration, then drops to the
 * unprivileged user and supervises: any child that dies takes the
 * whole gateway down with it.
 */

#include "compat.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <event.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "proc.h"
#include "pvgated.h"
#include "sandbox.h"

#define SHUTDOWN_WAIT	10	/* seconds for an orderly shutdown */

struct child {
	int		 role;
	int		 port;		/* listener: index into ports */
	pid_t		 pid;
	struct imsgev	 iev;
	char		 name[32];	/* "listener 10000" */
};

static struct parentconf	*conf;
static const char		*conffile = _PATH_PVGATE_CONF;
static const char		*ctlsock = _PATH_PVGATE_SOCKET;
static struct child		 children[PVGATE_MAX_LISTENERS + 3];
static int			 nchildren;
static int			 shutting_down;
static int			 exitcode;
static struct event		 ev_shutdown_timer;

static __dead void	usage(void);
static void		parent_sig(int, short, void *);
static void		parent_dispatch_child(int, short, void *);
static void		parent_reap(void);
static void		parent_kill_all(void);
static void		parent_shutdown(void);
static void		parent_shutdown_timeout(int, short, void *);
static void		parent_send_config(struct child *);
static void		spawn_all(const char *, int, int);
static int		devices_equal(const struct parentconf *,
			    const struct parentconf *);

static __dead void
usage(void)
{
	extern char	*__progname;

	fprintf(stderr, "usage: %s [-dnVv] [-f file] [-s socket]\n",
	    __progname);
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct event	 ev_sigint, ev_sigterm, ev_sighup, ev_sigchld;
	struct passwd	*pw;
	const char	*argv0 = argv[0], *rfiles[4];
	char		 errbuf[1024];
	int		 ch, debug = 0, noaction = 0, verbose = 0, i, ctlfd;

	proc_title_init(argc, argv);

	log_init(1, LOG_DAEMON);	/* log to stderr until daemonized */

	while ((ch = getopt(argc, argv, "df:ns:Vv")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			conffile = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 's':
			ctlsock = optarg;
			break;
		case 'V':
			parent_version(stdout);
			exit(0);
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0)
		usage();

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		err(1, NULL);
	if (config_parse(conffile, conf, 1, errbuf, sizeof(errbuf)) == -1 ||
	    config_resolve(conf, conffile, errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s", errbuf);
	if (noaction) {
		config_print(stdout, conf);
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}

	if (geteuid() != 0)
		errx(1, "need root privileges");
	if ((pw = getpwnam(conf->c.gate.user)) == NULL)
		errx(1, "unknown user %s", conf->c.gate.user);

	log_init(debug, LOG_DAEMON);
	log_setverbose(verbose);
	if (!debug && daemon(1, 0) == -1)
		fatal("daemon");
	ctl_procinit(ROLE_PARENT, "parent");

	parent_statedir(conf, pw->pw_uid, pw->pw_gid);
	for (i = 0; i < conf->nports; i++)
		if (parent_bind(&conf->ports[i]) <= 0)
			fatalx("cannot listen on port %u for %s",
			    conf->ports[i].port,
			    proto_byid(conf->ports[i].proto)->name);
	/* root and the user's group only */
	ctlfd = control_init(ctlsock, pw->pw_gid);

	event_init();
	signal_set(&ev_sigint, SIGINT, parent_sig, NULL);
	signal_set(&ev_sigterm, SIGTERM, parent_sig, NULL);
	signal_set(&ev_sighup, SIGHUP, parent_sig, NULL);
	signal_set(&ev_sigchld, SIGCHLD, parent_sig, NULL);
	signal_add(&ev_sigint, NULL);
	signal_add(&ev_sigterm, NULL);
	signal_add(&ev_sighup, NULL);
	signal_add(&ev_sigchld, NULL);
	signal(SIGPIPE, SIG_IGN);
	control_listen();

	spawn_all(argv0, debug, verbose);
	for (i = 0; i < nchildren; i++) {
		imsgev_hello(&children[i].iev, ROLE_PARENT);
		parent_send_config(&children[i]);
	}
	/* the decoder has the secrets (queued, wiped when written) */
	explicit_bzero(conf->c.secret, sizeof(conf->c.secret));

	/* children hold everything privileged now */
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		fatal("can't drop privileges");
	setproctitle("parent");
	/* what SIGHUP reads again */
	rfiles[0] = conffile;
	rfiles[1] = conf->dump_pubkey[0] != '\0' ? conf->dump_pubkey : NULL;
	rfiles[2] = conf->mqtt_password_file[0] != '\0' ?
	    conf->mqtt_password_file : NULL;
	rfiles[3] = conf->mqtt_ca_file[0] != '\0' ? conf->mqtt_ca_file : NULL;
	sandbox_parent(rfiles, nitems(rfiles), ctlfd);

	log_info("started: %d listener%s%s", conf->nports,
	    conf->nports == 1 ? "" : "s",
	    config_dialled(conf) || config_relayed(conf) ?
	    " and a connector" : "");
	event_dispatch();
	/* NOTREACHED: the parent leaves through parent_reap() */
	return 1;
}

static void
child_args(char **av, int *ac, const char *path, int debug, int verbose)
{
	int	i;

	av[(*ac)++] = (char *)(uintptr_t)path;
	if (debug)
		av[(*ac)++] = "-d";
	for (i = 0; i < verbose && i < 3; i++)
		av[(*ac)++] = "-v";
}

static struct child *
child_new(int role, const char *name)
{
	struct child	*c;

	if (nchildren >= (int)nitems(children))
		fatalx("too many children");
	c = &children[nchildren++];
	memset(c, 0, sizeof(*c));
	c->role = role;
	c->port = -1;
	strlcpy(c->name, name, sizeof(c->name));
	return c;
}

static int
socketpair_nb(int sp[2])
{
	return socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, sp);
}

/*
 * Every channel is created here, so data between children never
 * crosses pvgated.  fds[] lists a child's descriptors from 3 upwards.
 */
static void
spawn_all(const char *argv0, int debug, int verbose)
{
	struct pv_gateconf	*g = &conf->c.gate;
	struct listen_port	*lp;
	struct child		*c;
	char			 path[PATH_MAX], inst[16], nbuf[16], pbuf[16];
	char			*av[16];
	int			 fds[PVGATE_MAX_LISTENERS + 5];
	int			 ld[PVGATE_MAX_LISTENERS + 1][2], de[2], pc[2];
	int			 i, j, ac, nports = conf->nports, nchan;

	/*
	 * The connector, if any, is the decoder's last listener channel:
	 * it dials the devices of [device] sections and the clouds.
	 */
	nchan = nports + (config_dialled(conf) || config_relayed(conf) ?
	    1 : 0);
	if (socketpair_nb(de) == -1)
		fatal("socketpair");
	for (i = 0; i < nchan; i++)
		if (socketpair_nb(ld[i]) == -1)
			fatal("socketpair");

	/* exporter: 3 parent, 4 decoder */
	if (proc_path(argv0, PVGATE_EXPORTER, path, sizeof(path)) == -1)
		fatalx("cannot find %s", PVGATE_EXPORTER);
	c = child_new(ROLE_EXPORTER, "exporter");
	if (socketpair_nb(pc) == -1)
		fatal("socketpair");
	ac = 0;
	child_args(av, &ac, path, debug, verbose);
	av[ac++] = "-r";
	av[ac++] = g->state_dir;
	av[ac++] = "-u";
	av[ac++] = g->user;
	if (g->out_syslog)
		av[ac++] = "-s";
	if (conf->c.mqtt.enabled)
		av[ac++] = "-m";
	av[ac] = NULL;
	fds[0] = pc[1];
	fds[1] = de[1];
	c->pid = proc_spawn(path, av, fds, 2, debug);
	close(pc[1]);
	close(de[1]);
	imsgev_init(&c->iev, pc[0], parent_dispatch_child, c);

	/* decoder: 3 parent, 4 exporter, 5.. listeners */
	if (proc_path(argv0, PVGATE_DECODER, path, sizeof(path)) == -1)
		fatalx("cannot find %s", PVGATE_DECODER);
	c = child_new(ROLE_DECODER, "decoder");
	if (socketpair_nb(pc) == -1)
		fatal("socketpair");
	ac = 0;
	child_args(av, &ac, path, debug, verbose);
	snprintf(nbuf, sizeof(nbuf), "%d", nchan);
	av[ac++] = "-n";
	av[ac++] = nbuf;
	av[ac++] = "-r";
	av[ac++] = g->chroot;
	av[ac++] = "-u";
	av[ac++] = g->user;
	if (conf->timezone[0] != '\0') {
		av[ac++] = "-z";
		av[ac++] = conf->timezone;
	}
	if (config_relayed(conf))
		av[ac++] = "-R";
	av[ac] = NULL;
	fds[0] = pc[1];
	fds[1] = de[0];
	for (i = 0; i < nchan; i++)
		fds[2 + i] = ld[i][1];
	c->pid = proc_spawn(path, av, fds, 2 + nchan, debug);
	close(pc[1]);
	close(de[0]);
	for (i = 0; i < nchan; i++)
		close(ld[i][1]);
	imsgev_init(&c->iev, pc[0], parent_dispatch_child, c);

	/* listeners: 3 parent, 4 decoder, 5.. listening sockets */
	if (proc_path(argv0, PVGATE_LISTENER, path, sizeof(path)) == -1)
		fatalx("cannot find %s", PVGATE_LISTENER);
	for (i = 0; i < nports; i++) {
		lp = &conf->ports[i];
		snprintf(nbuf, sizeof(nbuf), "listener %u", lp->port);
		c = child_new(ROLE_LISTENER, nbuf);
		c->port = i;
		if (socketpair_nb(pc) == -1)
			fatal("socketpair");
		ac = 0;
		child_args(av, &ac, path, debug, verbose);
		snprintf(inst, sizeof(inst), "%d", i);
		snprintf(nbuf, sizeof(nbuf), "%d", lp->nsock);
		snprintf(pbuf, sizeof(pbuf), "%u", lp->port);
		av[ac++] = "-I";
		av[ac++] = inst;
		av[ac++] = "-n";
		av[ac++] = nbuf;
		av[ac++] = "-p";
		av[ac++] = pbuf;
		av[ac++] = "-r";
		av[ac++] = g->chroot;
		av[ac++] = "-u";
		av[ac++] = g->user;
		av[ac] = NULL;
		fds[0] = pc[1];
		fds[1] = ld[i][0];
		for (j = 0; j < lp->nsock; j++)
			fds[2 + j] = lp->fd[j];
		c->pid = proc_spawn(path, av, fds, 2 + lp->nsock, debug);
		close(pc[1]);
		close(ld[i][0]);
		for (j = 0; j < lp->nsock; j++)
			close(lp->fd[j]);
		imsgev_init(&c->iev, pc[0], parent_dispatch_child, c);
	}
	if (nchan == nports)
		return;

	/* the connector: 3 parent, 4 decoder; it dials, nothing bound */
	c = child_new(ROLE_LISTENER, "connector");
	c->port = nports;
	if (socketpair_nb(pc) == -1)
		fatal("socketpair");
	ac = 0;
	child_args(av, &ac, path, debug, verbose);
	snprintf(inst, sizeof(inst), "%d", nports);
	av[ac++] = "-c";
	av[ac++] = "-I";
	av[ac++] = inst;
	av[ac++] = "-r";
	av[ac++] = g->chroot;
	av[ac++] = "-u";
	av[ac++] = g->user;
	av[ac] = NULL;
	fds[0] = pc[1];
	fds[1] = ld[nports][0];
	c->pid = proc_spawn(path, av, fds, 2, debug);
	close(pc[1]);
	close(ld[nports][0]);
	imsgev_init(&c->iev, pc[0], parent_dispatch_child, c);
}

static void
parent_send_config(struct child *c)
{
	struct pv_listenconf	 lc;
	struct listen_port	*lp;

	if (c->role != ROLE_LISTENER) {
		config_send(&c->iev, &conf->c, NULL, c->role);
		return;
	}
	memset(&lc, 0, sizeof(lc));
	if (c->port == conf->nports) {
		/* the connector */
		lc.instance = c->port;
		config_send(&c->iev, &conf->c, &lc, c->role);
		return;
	}
	lp = &conf->ports[c->port];
	lc.proto = lp->proto;
	lc.port = lp->port;
	lc.instance = c->port;
	lc.nsockets = lp->nsock;
	config_send(&c->iev, &conf->c, &lc, c->role);
}

static void
parent_sig(int sig, short event, void *arg)
{
	(void)event;
	(void)arg;
	switch (sig) {
	case SIGINT:
	case SIGTERM:
		parent_shutdown();
		break;
	case SIGHUP:
		(void)parent_reload(NULL, 0);
		break;
	case SIGCHLD:
		parent_reap();
		break;
	}
}

static struct child *
child_bypid(pid_t pid)
{
	int	i;

	for (i = 0; i < nchildren; i++)
		if (children[i].pid == pid)
			return &children[i];
	return NULL;
}

static int
children_alive(void)
{
	int	i, n = 0;

	for (i = 0; i < nchildren; i++)
		if (children[i].pid != 0)
			n++;
	return n;
}

/*
 * A child that ends outside an orderly shutdown ends the gateway: the
 * others are killed and pvgated exits non-zero, so the service manager
 * restarts everything clean.
 */
static void
parent_reap(void)
{
	struct child	*c;
	pid_t		 pid;
	int		 status, clean;

	while ((pid = waitpid(WAIT_ANY, &status, WNOHANG)) > 0) {
		if ((c = child_bypid(pid)) == NULL)
			continue;
		c->pid = 0;
		clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (shutting_down && clean) {
			log_debug("%s exited", c->name);
			continue;
		}
		if (WIFSIGNALED(status))
			log_warnx("lost child: %s killed by signal %d (%s)",
			    c->name, WTERMSIG(status),
			    strsignal(WTERMSIG(status)));
		else if (WIFEXITED(status))
			log_warnx("lost child: %s exited with status %d",
			    c->name, WEXITSTATUS(status));
		exitcode = 1;
		if (!shutting_down)
			parent_kill_all();
	}
	if (children_alive() == 0) {
		if (exitcode == 0)
			log_info("terminated");
		else
			log_warnx("terminated after a child's failure");
		exit(exitcode);
	}
}

static void
parent_kill_all(void)
{
	int	i;

	shutting_down = 1;
	for (i = 0; i < nchildren; i++)
		if (children[i].pid != 0)
			(void)kill(children[i].pid, SIGKILL);
}

/*
 * Orderly: listeners stop accepting and hand over what they have; the
 * decoder drains and tells the exporter, which flushes; each exits 0.
 */
static void
parent_shutdown(void)
{
	struct timeval	tv = { SHUTDOWN_WAIT, 0 };
	int		i;

	if (shutting_down)
		return;
	shutting_down = 1;
	log_info("shutting down");
	for (i = 0; i < nchildren; i++)
		if (children[i].role == ROLE_LISTENER && children[i].pid != 0)
			imsg_compose_event(&children[i].iev,
			    IMSG_CTL_SHUTDOWN, 0, 0, -1, NULL, 0);
	evtimer_set(&ev_shutdown_timer, parent_shutdown_timeout, NULL);
	evtimer_add(&ev_shutdown_timer, &tv);
}

static void
parent_shutdown_timeout(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	log_warnx("children did not finish within %d seconds", SHUTDOWN_WAIT);
	exitcode = 1;
	parent_kill_all();
}

static int
ports_equal(const struct parentconf *a, const struct parentconf *b)
{
	int	i;

	if (a->nports != b->nports)
		return 0;
	for (i = 0; i < a->nports; i++)
		if (a->ports[i].proto != b->ports[i].proto ||
		    a->ports[i].port != b->ports[i].port)
			return 0;
	return 1;
}

/* the same [device] sections, as written (addresses are not looked up
 * again) */
static int
devices_equal(const struct parentconf *a, const struct parentconf *b)
{
	const struct pv_deviceconf	*x, *y;
	int				 i;

	if (a->c.ndevices != b->c.ndevices)
		return 0;
	for (i = 0; i < a->c.ndevices; i++) {
		x = &a->c.devices[i];
		y = &b->c.devices[i];
		if (strcmp(x->name, y->name) != 0 || x->proto != y->proto ||
		    x->logger != y->logger || x->interval != y->interval ||
		    x->sensor != y->sensor || x->timeout != y->timeout ||
		    strcmp(a->client_text[i], b->client_text[i]) != 0)
			return 0;
	}
	return 1;
}

/*
 * What needs root (ports, user, directories) or was read once at start
 * stays as it is in nconf; what changed of it is noted in later.
 */
static void
reload_keep(const struct parentconf *o, struct parentconf *n, char *later,
    size_t len)
{
	struct pv_gateconf	*g = &n->c.gate;
	const struct pv_gateconf *og = &o->c.gate;
	int			 i, sections = 0;

	if (!ports_equal(o, n))
		config_later(later, len, "ports");
	if (strcmp(og->user, g->user) != 0)
		config_later(later, len, "user");
	if (strcmp(og->chroot, g->chroot) != 0 ||
	    strcmp(og->state_dir, g->state_dir) != 0)
		config_later(later, len, "directories");
	if (og->out_syslog != g->out_syslog)
		config_later(later, len, "syslog");
	/* listeners hold partial frames in buffers of max_frame bytes */
	if (og->max_frame != g->max_frame)
		config_later(later, len, "max_frame");
	memcpy(n->ports, o->ports, sizeof(n->ports));
	n->nports = o->nports;
	g->max_frame = og->max_frame;
	g->out_syslog = og->out_syslog;
	strlcpy(g->user, og->user, sizeof(g->user));
	strlcpy(g->chroot, og->chroot, sizeof(g->chroot));
	strlcpy(g->state_dir, og->state_dir, sizeof(g->state_dir));
	for (i = 1; i < PROTO_MAX; i++)
		if ((o->c.proto[i].proto == PROTO_NONE) !=
		    (n->c.proto[i].proto == PROTO_NONE)) {
			n->c.proto[i] = o->c.proto[i];
			sections = 1;
		}
	if (sections)
		config_later(later, len, "protocol sections added or removed");
	/* devices were looked up at start, the time zone read by the
	 * decoder before its sandbox, secrets read as root */
	if (!devices_equal(o, n))
		config_later(later, len, "[device] sections");
	if (strcmp(o->timezone, n->timezone) != 0)
		config_later(later, len, "the time zone");
	if (strcmp(o->secrets_file, n->secrets_file) != 0)
		config_later(later, len, "secrets");
	memcpy(n->c.devices, o->c.devices, sizeof(n->c.devices));
	n->c.ndevices = o->c.ndevices;
	memcpy(n->client_text, o->client_text, sizeof(n->client_text));
	strlcpy(n->timezone, o->timezone, sizeof(n->timezone));
}

/*
 * SIGHUP or pvgatectl reload: parse again; on error keep the running
 * configuration.  The parent no longer has root: what reload_keep()
 * keeps takes effect at the next restart, the rest now.  msg, if not
 * NULL, gets what the caller is told.  Returns CTL_OK, CTL_FAILED
 * (nothing changed) or CTL_PARTIAL (something waits for a restart).
 */
int
parent_reload(char *msg, size_t len)
{
	struct parentconf	*nconf;
	char			 err[1024], later[512], dummy[1];
	int			 i;

	if (msg == NULL) {
		msg = dummy;
		len = sizeof(dummy);
	}
	if ((nconf = calloc(1, sizeof(*nconf))) == NULL)
		fatal(NULL);
	if (config_parse(conffile, nconf, 0, err, sizeof(err)) == -1) {
		log_warnx("configuration reload failed, keeping the old "
		    "one: %s", err);
		(void)snprintf(msg, len, "configuration reload failed, "
		    "keeping the old one: %s", err);
		config_free(nconf);
		return CTL_FAILED;
	}
	later[0] = '\0';
	config_reload_mqtt(conf, nconf, later, sizeof(later));
	config_reload_cloud(conf, nconf, later, sizeof(later));
	reload_keep(conf, nconf, later, sizeof(later));
	config_free(conf);
	conf = nconf;
	for (i = 0; i < nchildren; i++)
		if (children[i].pid != 0)
			parent_send_config(&children[i]);
	log_info("configuration reloaded");
	if (later[0] == '\0') {
		(void)snprintf(msg, len, "configuration reloaded");
		return CTL_OK;
	}
	log_warnx("%s take effect only when pvgated is restarted", later);
	(void)snprintf(msg, len, "configuration reloaded, but %s take effect "
	    "only when pvgated is restarted", later);
	return CTL_PARTIAL;
}

/* a control request for the children of the roles named */
int
parent_forward(int roles, uint32_t type, uint32_t id, struct imsg *imsg)
{
	struct ibuf	ibuf;
	int		i, n = 0;

	if (imsg_get_ibuf(imsg, &ibuf) == -1)
		fatalx("%s: imsg_get_ibuf", __func__);
	for (i = 0; i < nchildren; i++) {
		if (children[i].pid == 0 || !(roles & (1 << children[i].role)))
			continue;
		if (imsg_compose_event(&children[i].iev, type, id, 0, -1,
		    ibuf_data(&ibuf), ibuf_size(&ibuf)) == -1)
			fatal("%s: imsg_compose", __func__);
		n++;
	}
	return n;
}

int
parent_stopping(void)
{
	return shutting_down;
}

static void
parent_log(struct child *c, struct imsg *imsg)
{
	struct ibuf	ibuf;
	char		line[1100];
	int		pri;

	if (imsg_get_ibuf(imsg, &ibuf) == -1 ||
	    ibuf_get(&ibuf, &pri, sizeof(pri)) == -1 ||
	    ibuf_size(&ibuf) == 0 || ibuf_size(&ibuf) > sizeof(line))
		fatalx("%s: IMSG_LOG from %s wrong length: %zu", __func__,
		    c->name, imsg_get_len(imsg));
	memcpy(line, ibuf_data(&ibuf), ibuf_size(&ibuf));
	line[ibuf_size(&ibuf) - 1] = '\0';
	log_line(pri & LOG_PRIMASK, line);
}

static void
parent_dispatch_child(int fd, short event, void *bula)
{
	struct imsgev	*iev = bula;
	struct child	*c = iev->data;
	struct imsg	 imsg;
	int		 shut;

	(void)fd;
	shut = imsgev_read(iev, event, __func__);
	for (;;) {
		if (imsgev_get(iev, &imsg, c->role, c->name) == 0)
			break;
		switch (imsg_get_type(&imsg)) {
		case IMSG_LOG:
			parent_log(c, &imsg);
			break;
		default:
			/* the answers to control requests */
			if (control_relay(&imsg, c->name) == -1)
				fatalx("%s: unexpected message %u from %s",
				    __func__, imsg_get_type(&imsg), c->name);
		}
		imsg_free(&imsg);
	}
	if (!shut)
		imsg_event_add(iev);
	else {
		/* this child is gone; SIGCHLD tells why */
		event_del(&iev->ev);
	}
}
