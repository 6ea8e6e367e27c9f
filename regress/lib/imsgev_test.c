/*
 * lib/imsgev.c: every channel starts with the peer's IMSG_HELLO, which
 * imsgev_get() checks and consumes; anything else first, another
 * version or another role ends the process.
 */

#include "compat.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsgev.h"
#include "log.h"
#include "pvgate.h"

static int	failed;

static void
result(int ok, const char *name)
{
	printf("%s - imsgev: %s\n", ok ? "ok" : "not ok", name);
	if (!ok)
		failed++;
}

static void
send_hello(struct imsgbuf *ib, uint32_t version, uint32_t role)
{
	struct pv_hello	h;

	memset(&h, 0, sizeof(h));
	h.version = version;
	h.role = role;
	if (imsg_compose(ib, IMSG_HELLO, 0, 0, -1, &h, sizeof(h)) == -1)
		abort();
}

/*
 * The peer sends hello (or not) and then IMSG_LOG; the child returns
 * 0 when imsgev_get() hands it exactly that IMSG_LOG, and dies by
 * fatalx (status 1) otherwise.
 */
static int
run(int hello, uint32_t version, uint32_t role)
{
	struct imsgev	iev;
	struct imsgbuf	peer;
	struct imsg	imsg;
	int		sp[2], status, got;
	pid_t		pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1)
		abort();
	if (imsgbuf_init(&peer, sp[1]) == -1)
		abort();
	if (hello)
		send_hello(&peer, version, role);
	if (imsg_compose(&peer, IMSG_LOG, 0, 0, -1, "x", 1) == -1 ||
	    imsgbuf_flush(&peer) == -1)
		abort();
	fflush(stdout);
	if ((pid = fork()) == 0) {
		event_init();
		memset(&iev, 0, sizeof(iev));
		if (imsgbuf_init(&iev.ibuf, sp[0]) == -1 ||
		    imsgbuf_read(&iev.ibuf) != 1)
			_exit(3);
		got = imsgev_get(&iev, &imsg, ROLE_DECODER, "test");
		_exit(got == 1 && imsg_get_type(&imsg) == IMSG_LOG &&
		    imsgev_get(&iev, &imsg, ROLE_DECODER, "test") == 0 ? 0 : 2);
	}
	waitpid(pid, &status, 0);
	imsgbuf_clear(&peer);
	close(sp[0]);
	close(sp[1]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

int
main(void)
{
	log_init(1, LOG_DAEMON);
	result(run(1, PVGATE_IMSG_VERSION, ROLE_DECODER) == 0,
	    "hello is consumed, the next message handed over");
	result(run(0, 0, 0) == 1, "a first message other than hello is fatal");
	result(run(1, PVGATE_IMSG_VERSION + 1, ROLE_DECODER) == 1,
	    "another version is fatal");
	result(run(1, PVGATE_IMSG_VERSION, ROLE_LISTENER) == 1,
	    "another role is fatal");
	return failed != 0;
}
