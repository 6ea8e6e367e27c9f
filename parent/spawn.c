/*
 * What pvgated does as root before any child runs: listening sockets and
 * the state directory.
 */

#include "compat.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pvgated.h"
#include "util.h"

static const char *
sa_str(const struct sockaddr_storage *ss)
{
	static char	buf[80];
	struct pv_addr	a;

	pv_addr_set(&a, (const struct sockaddr *)ss);
	if (pv_addr_str(&a, buf, sizeof(buf)) == -1)
		strlcpy(buf, "?", sizeof(buf));
	return buf;
}

/*
 * Bind and listen on every address of one port.  A wildcard IPv6
 * socket is IPv6 only, so that it can sit next to the IPv4 one.
 * Returns the number of sockets bound, or -1.
 */
int
parent_bind(struct listen_port *lp)
{
	struct sockaddr_storage	*ss;
	socklen_t		 len;
	int			 i, fd, on = 1, n = 0;

	for (i = 0; i < lp->nsock; i++) {
		ss = &lp->ss[i];
		lp->fd[i] = -1;
		len = ss->ss_family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
		if ((fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1) {
			if (ss->ss_family == AF_INET6 &&
			    errno == EAFNOSUPPORT) {
				log_warnx("no IPv6 here: not listening on %s",
				    sa_str(ss));
				continue;
			}
			log_warn("socket for %s", sa_str(ss));
			return -1;
		}
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
		    sizeof(on)) == -1)
			fatal("%s: setsockopt SO_REUSEADDR", __func__);
		if (ss->ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
		    IPV6_V6ONLY, &on, sizeof(on)) == -1)
			fatal("%s: setsockopt IPV6_V6ONLY", __func__);
		if (bind(fd, (struct sockaddr *)ss, len) == -1) {
			log_warn("bind %s (%s)", sa_str(ss),
			    proto_byid(lp->proto)->name);
			close(fd);
			return -1;
		}
		if (listen(fd, 511) == -1) {
			log_warn("listen %s", sa_str(ss));
			close(fd);
			return -1;
		}
		lp->fd[n] = fd;
		if (n != i)
			lp->ss[n] = *ss;
		n++;
	}
	lp->nsock = n;
	return n;
}

static void
mkdir_owned(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	struct stat	st;

	if (mkdir(path, mode) == -1 && errno != EEXIST)
		fatal("mkdir %s", path);
	if (lstat(path, &st) == -1)
		fatal("stat %s", path);
	if (!S_ISDIR(st.st_mode))
		fatalx("%s is not a directory", path);
	if ((st.st_uid != uid || st.st_gid != gid) &&
	    chown(path, uid, gid) == -1)
		fatal("chown %s", path);
}

/*
 * The state directory is the exporter's root; it is owned by root so
 * the exporter cannot replace it, and dump/ (and spool/ with MQTT)
 * inside belong to the user.
 */
void
parent_statedir(const struct parentconf *conf, uid_t uid, gid_t gid)
{
	char		path[PATH_MAX];
	struct stat	st;
	int		n;

	mkdir_owned(conf->c.gate.state_dir, 0755, 0, gid);
	n = snprintf(path, sizeof(path), "%s/dump", conf->c.gate.state_dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		fatalx("state_dir too long");
	mkdir_owned(path, 0750, uid, gid);
	if (conf->c.mqtt.enabled) {
		/* the MQTT spool: records the broker has not taken yet */
		n = snprintf(path, sizeof(path), "%s/spool",
		    conf->c.gate.state_dir);
		if (n < 0 || (size_t)n >= sizeof(path))
			fatalx("state_dir too long");
		mkdir_owned(path, 0750, uid, gid);
	}
	if (stat(conf->c.gate.chroot, &st) == -1)
		fatal("chroot directory %s", conf->c.gate.chroot);
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
		fatalx("chroot directory %s must be a directory owned by "
		    "root and writable only by root", conf->c.gate.chroot);
}
