/*
 * sbtest ROLE CALL: load ROLE's sandbox, then make CALL.  The script
 * around it expects forbidden calls to kill the process with SIGSYS
 * and the call "allowed" (ordinary stdio work) to exit 0.
 */

#include "compat.h"

#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LANDLOCK
#include <linux/landlock.h>
#include <sys/syscall.h>
#endif

#include "log.h"
#include "sandbox.h"

/* a listening unix socket, its name already gone */
static int
unix_listener(const char *name)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "/tmp/sbtest.%s.%d",
	    name, (int)getpid());
	(void)unlink(sun.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 1) == -1)
		err(3, "%s", sun.sun_path);
	(void)unlink(sun.sun_path);
	return fd;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin;
	struct sockaddr_un sun;
	struct timespec	 ts;
	char		*nargv[] = { "/bin/true", NULL };
	const char	*files[] = { "/etc/hostname", NULL };
	void		*p;
	int		 fd, ctlfd = -1, otherfd = -1, sv[2];

	if (argc != 3)
		errx(2, "usage: sbtest parent|listener|connector|decoder|"
		    "exporter|exporter-mqtt call");
	log_init(1, LOG_DAEMON);
	if (strcmp(argv[1], "landlock") == 0) {
#ifdef HAVE_LANDLOCK
		printf("%ld\n", syscall(SYS_landlock_create_ruleset, NULL, 0,
		    LANDLOCK_CREATE_RULESET_VERSION));
#else
		printf("0\n");
#endif
		return 0;
	}
	if (strcmp(argv[1], "parent") == 0) {
		/* the control socket, and one that is not */
		ctlfd = unix_listener("ctl");
		otherfd = unix_listener("other");
		sandbox_parent(files, nitems(files), ctlfd);
	}
	else if (strcmp(argv[1], "listener") == 0)
		sandbox_listener();
	else if (strcmp(argv[1], "connector") == 0)
		sandbox_connector();
	else if (strcmp(argv[1], "decoder") == 0)
		sandbox_decoder();
	else if (strcmp(argv[1], "exporter") == 0)
		sandbox_exporter(0);
	else if (strcmp(argv[1], "exporter-mqtt") == 0)
		sandbox_exporter(1);
	else
		errx(2, "unknown role %s", argv[1]);

	if (strcmp(argv[2], "allowed") == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		if ((p = malloc(1 << 20)) == NULL)
			return 3;
		memset(p, 1, 1 << 20);
		free(p);
		printf("still alive\n");
		return 0;
	}
	if (strcmp(argv[2], "open") == 0)
		fd = open("/etc/hostname", O_RDONLY);
	else if (strcmp(argv[2], "openother") == 0)
		fd = open("/etc/passwd", O_RDONLY);
	else if (strcmp(argv[2], "openw") == 0)
		fd = open("/tmp/sbtest", O_WRONLY | O_CREAT, 0600);
	else if (strcmp(argv[2], "socket") == 0)
		fd = socket(AF_INET, SOCK_STREAM, 0);
	else if (strcmp(argv[2], "socketunix") == 0)
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
	else if (strcmp(argv[2], "connect") == 0 ||
	    strcmp(argv[2], "bind") == 0) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(1);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			err(3, "socket");
		if (strcmp(argv[2], "bind") == 0)
			fd = bind(fd, (struct sockaddr *)&sin, sizeof(sin));
		else
			fd = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	}
	else if (strcmp(argv[2], "listen") == 0) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			err(3, "socket");
		fd = listen(fd, 5);
	} else if (strcmp(argv[2], "socketpair") == 0)
		fd = socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	else if (strcmp(argv[2], "ptrace") == 0)
		fd = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	else if (strcmp(argv[2], "setuid") == 0)
		fd = setuid(0);
	else if (strcmp(argv[2], "setresuid") == 0)
		fd = setresuid(0, 0, 0);
	else if (strcmp(argv[2], "mount") == 0)
		fd = mount("none", "/mnt", "tmpfs", 0, NULL);
	else if (strcmp(argv[2], "bindunix") == 0) {
		/* an abstract name: nothing left behind if it were allowed */
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		strlcpy(sun.sun_path + 1, "sbtest", sizeof(sun.sun_path) - 1);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
			err(3, "socket");
		fd = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	}
	else if (strcmp(argv[2], "accept") == 0)
		fd = accept4(ctlfd, NULL, NULL, SOCK_NONBLOCK);
	else if (strcmp(argv[2], "acceptother") == 0)
		fd = accept4(otherfd, NULL, NULL, SOCK_NONBLOCK);
	else if (strcmp(argv[2], "execve") == 0)
		fd = execv(nargv[0], nargv);
	else if (strcmp(argv[2], "fork") == 0)
		fd = fork();
	else
		errx(2, "unknown call %s", argv[2]);
	printf("%s returned %d: not killed\n", argv[2], fd);
	return 0;
}
