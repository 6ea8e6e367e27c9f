/*
 * Spawning children (fork+exec, descriptors at exec time on fixed
 * numbers) and the privilege drop every child performs.
 */

#include "compat.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <paths.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proc.h"
#include "pvgate.h"

/* where a child's program is: subdir is its directory in the tree */
static int
exe_dir(const char *argv0, char *dir, size_t len)
{
	char	 buf[PATH_MAX], *p;
	ssize_t	 n;

	if ((n = readlink("/proc/self/exe", buf, sizeof(buf) - 1)) > 0)
		buf[n] = '\0';
	else if (strchr(argv0, '/') == NULL ||
	    realpath(argv0, buf) == NULL)
		return -1;
	if ((p = strrchr(buf, '/')) == NULL)
		return -1;
	*p = '\0';
	if (strlcpy(dir, buf, len) >= len)
		return -1;
	return 0;
}

/*
 * The path of a child program: next to pvgated in the build tree
 * (../listener/pvgate-listener seen from parent/pvgated), else in
 * libexec.
 */
int
proc_path(const char *argv0, const char *name, char *path, size_t len)
{
	char		 dir[PATH_MAX];
	const char	*sub;
	int		 n;

	if (strcmp(name, PVGATE_LISTENER) == 0)
		sub = "listener";
	else if (strcmp(name, PVGATE_DECODER) == 0)
		sub = "decoder";
	else
		sub = "exporter";
	if (exe_dir(argv0, dir, sizeof(dir)) == 0) {
		n = snprintf(path, len, "%s/../%s/%s", dir, sub, name);
		if (n > 0 && (size_t)n < len && access(path, X_OK) == 0)
			return 0;
	}
	n = snprintf(path, len, "%s/%s", PVGATE_LIBEXEC, name);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return access(path, X_OK);
}

/*
 * fork+exec path with fds[i] on descriptor 3 + i.  stdout is inherited
 * (the exporter writes its JSON lines there); stdin and, unless debug,
 * stderr point to /dev/null.
 */
pid_t
proc_spawn(const char *path, char *const argv[], const int *fds, int nfds,
    int debug)
{
	int	 moved[PVGATE_MAX_LISTENERS + 8];
	int	 i, nullfd;
	pid_t	 pid;

	if (nfds > (int)nitems(moved))
		fatalx("%s: too many descriptors: %d", __func__, nfds);
	switch (pid = fork()) {
	case -1:
		fatal("%s: fork", __func__);
	case 0:
		break;
	default:
		return pid;
	}

	/* child: from here on only async-signal-safe calls, then exec */
	if (setsid() == -1)
		_exit(127);
	for (i = 0; i < nfds; i++)
		if ((moved[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 64)) == -1)
			_exit(127);
	for (i = 0; i < nfds; i++)
		if (dup2(moved[i], 3 + i) == -1)
			_exit(127);
	if ((nullfd = open(_PATH_DEVNULL, O_RDWR)) == -1)
		_exit(127);
	if (dup2(nullfd, STDIN_FILENO) == -1)
		_exit(127);
	if (!debug && dup2(nullfd, STDERR_FILENO) == -1)
		_exit(127);
	execv(path, argv);
	_exit(127);
}

/*
 * Step 2 and 3 of every child's startup: limits, chroot, user.  nofile
 * is the descriptor limit the role needs; fsize allows writing files.
 */
void
proc_privdrop(const char *user, const char *root, rlim_t nofile, int fsize)
{
	struct passwd	*pw;
	struct rlimit	 rl;

	if ((pw = getpwnam(user)) == NULL)
		fatalx("unknown user %s", user);

	rl.rlim_cur = rl.rlim_max = 0;
	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		fatal("%s: setrlimit RLIMIT_CORE", __func__);
#ifndef SANDBOX_SANITIZER
	if (!fsize && setrlimit(RLIMIT_FSIZE, &rl) == -1)
		fatal("%s: setrlimit RLIMIT_FSIZE", __func__);
#else
	/* a sanitizer's report goes to stderr, a file in the tests */
	(void)fsize;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("%s: getrlimit RLIMIT_NOFILE", __func__);
	if (nofile < rl.rlim_max || rl.rlim_max == RLIM_INFINITY)
		rl.rlim_max = nofile;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("%s: setrlimit RLIMIT_NOFILE %llu", __func__,
		    (unsigned long long)nofile);

	if (chroot(root) == -1)
		fatal("%s: chroot %s", __func__, root);
	if (chdir("/") == -1)
		fatal("%s: chdir /", __func__);

	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		fatal("can't drop privileges");

	/* no more processes for this user from here */
	rl.rlim_cur = rl.rlim_max = 0;
	if (setrlimit(RLIMIT_NPROC, &rl) == -1)
		fatal("%s: setrlimit RLIMIT_NPROC", __func__);
}

/* first thing in main(): setproctitle() may then reuse argv's memory */
void
proc_title_init(int argc, char *argv[])
{
#ifdef HAVE_SETPROCTITLE_INIT
	extern char	**environ;

	setproctitle_init(argc, argv, environ);
#else
	(void)argc;
	(void)argv;
#endif
}
