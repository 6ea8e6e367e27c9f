/*
 * logrecv PATH OUT SECONDS: bind a unix datagram socket at PATH (as
 * syslogd does at /dev/log) and append every datagram received within
 * SECONDS to OUT, one per line.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct sockaddr_un	 sun;
	struct pollfd		 pfd;
	char			 buf[65536];
	FILE			*out;
	time_t			 end;
	ssize_t			 n;
	int			 s;

	if (argc != 4)
		errx(2, "usage: logrecv path out seconds");
	if ((s = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1)
		err(1, "socket");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, argv[1], sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(1, "path too long");
	unlink(argv[1]);
	if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(1, "bind %s", argv[1]);
	if ((out = fopen(argv[2], "a")) == NULL)
		err(1, "%s", argv[2]);
	setvbuf(out, NULL, _IOLBF, 0);
	end = time(NULL) + atoi(argv[3]);
	pfd.fd = s;
	pfd.events = POLLIN;
	while (time(NULL) < end) {
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		if ((n = recv(s, buf, sizeof(buf) - 1, 0)) <= 0)
			continue;
		buf[n] = '\0';
		fprintf(out, "%s\n", buf);
	}
	unlink(argv[1]);
	return 0;
}
