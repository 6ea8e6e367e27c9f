/*
 * Copyright (c) 2025 The pvgated authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * Conformance tests for the imsg API (imsg-api.md §10), run against our
 * compat/ on Linux and against libutil on OpenBSD.  Everything happens
 * in-process over socketpair(AF_UNIX, SOCK_STREAM).  One output line per
 * case: "ok - name" or "not ok - name: detail"; exit 1 if any failed.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN	1
#endif
#endif

#define MAX_PAYLOAD	(MAX_IMSGSIZE - IMSG_HEADER_SIZE)
#define FD_MARK		0x80000000U

struct chan {
	int		 sv[2];
	struct imsgbuf	 a;		/* sender, on sv[0] */
	struct imsgbuf	 b;		/* receiver, on sv[1] */
	int		 up;
};

struct tcase {
	const char	*name;
	int		(*fn)(void);
};

static char	 detail[512];
static int	 initial_fds;

#define CHECK(e) do {							\
	if (!(e)) {							\
		failed(__LINE__, #e);					\
		goto fail;						\
	}								\
} while (0)

static void	 failed(int, const char *);
static int	 chan_open(struct chan *, int, int);
static void	 chan_close(struct chan *);
static int	 recv_msg(struct imsgbuf *, struct imsg *);
static int	 raw_hdr(int, uint32_t, uint32_t, uint32_t, uint32_t);
static void	 fill(unsigned char *, size_t, unsigned int);
static int	 count_fds(void);
static int	 lowest_free_fd(void);
static int	 fd_is_open(int);
static int	 mkpipe(int *);
static int	 pipe_eof(int);
static int	 pipe_carries(int, int);
static int	 fdpass_case(int, int);

static void
failed(int line, const char *expr)
{
	snprintf(detail, sizeof(detail), "line %d: %s (errno %d: %s)",
	    line, expr, errno, strerror(errno));
}

static int
chan_open(struct chan *c, int fdpass_a, int fdpass_b)
{
	memset(c, 0, sizeof(*c));
	c->sv[0] = c->sv[1] = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    c->sv) == -1)
		return -1;
	if (imsgbuf_init(&c->a, c->sv[0]) == -1) {
		close(c->sv[0]);
		close(c->sv[1]);
		return -1;
	}
	if (imsgbuf_init(&c->b, c->sv[1]) == -1) {
		imsgbuf_clear(&c->a);
		close(c->sv[0]);
		close(c->sv[1]);
		return -1;
	}
	if (fdpass_a)
		imsgbuf_allow_fdpass(&c->a);
	if (fdpass_b)
		imsgbuf_allow_fdpass(&c->b);
	c->up = 1;
	return 0;
}

static void
chan_close(struct chan *c)
{
	if (!c->up)
		return;
	imsgbuf_clear(&c->a);
	imsgbuf_clear(&c->b);
	if (c->sv[0] != -1)
		close(c->sv[0]);
	if (c->sv[1] != -1)
		close(c->sv[1]);
	c->up = 0;
}

/* Next message on ib, reading when none is queued: 1, 0 none/EOF, -1. */
static int
recv_msg(struct imsgbuf *ib, struct imsg *imsg)
{
	int		 i, n;

	for (i = 0; i < 64; i++) {
		if ((n = imsgbuf_get(ib, imsg)) != 0)
			return n;
		if ((n = imsgbuf_read(ib)) != 1)
			return n == 0 ? 0 : -1;
	}
	return 0;
}

/* Write a hand-made header, bypassing the library. */
static int
raw_hdr(int fd, uint32_t type, uint32_t len, uint32_t id, uint32_t pid)
{
	struct imsg_hdr	 hdr;

	hdr.type = type;
	hdr.len = len;
	hdr.peerid = id;
	hdr.pid = pid;
	if (write(fd, &hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr))
		return -1;
	return 0;
}

static void
fill(unsigned char *p, size_t len, unsigned int seed)
{
	size_t		 i;

	for (i = 0; i < len; i++)
		p[i] = (seed + i * 7) & 0xff;
}

static int
fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

/* A pipe, both ends non-blocking and close-on-exec. */
static int
mkpipe(int *p)
{
	int		 i;

	if (pipe(p) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		if (fcntl(p[i], F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(p[i], F_SETFD, FD_CLOEXEC) == -1) {
			close(p[0]);
			close(p[1]);
			p[0] = p[1] = -1;
			return -1;
		}
	}
	return 0;
}

static int
count_fds(void)
{
	int		 fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fd_is_open(fd))
			n++;
	return n;
}

static int
lowest_free_fd(void)
{
	int		 fd;

	for (fd = 0; fd < 1024; fd++)
		if (!fd_is_open(fd))
			return fd;
	return -1;
}

/* Non-blocking pipe read end: 1 if every write end is closed. */
static int
pipe_eof(int rfd)
{
	char		 c;

	return read(rfd, &c, 1) == 0;
}

/* 1 if a byte written to wfd comes out of the pipe read end rfd. */
static int
pipe_carries(int wfd, int rfd)
{
	char		 c = 'x', r = 0;

	if (write(wfd, &c, 1) != 1)
		return 0;
	return read(rfd, &r, 1) == 1 && r == 'x';
}

static int
t_wire_format(void)
{
	struct chan	 c;
	unsigned char	 raw[64];
	uint32_t	 v;

	CHECK(chan_open(&c, 0, 0) == 0);
	CHECK(IMSG_HEADER_SIZE == 16);
	CHECK(imsg_compose(&c.a, 0x01020304, 0xa0b0c0d0, 777, -1, "abc",
	    3) == 1);
	CHECK(imsgbuf_flush(&c.a) == 0);
	CHECK(read(c.sv[1], raw, sizeof(raw)) == 19);
	memcpy(&v, raw + 0, 4);
	CHECK(v == 0x01020304);
	memcpy(&v, raw + 4, 4);
	CHECK(v == 19);
	memcpy(&v, raw + 8, 4);
	CHECK(v == 0xa0b0c0d0);
	memcpy(&v, raw + 12, 4);
	CHECK(v == 777);
	CHECK(memcmp(raw + 16, "abc", 3) == 0);
	chan_close(&c);
	return 0;
 fail:
	chan_close(&c);
	return -1;
}

static int
t_header_roundtrip(void)
{
	struct chan	 c;
	struct imsg	 m;
	char		 out[5];

	memset(&m, 0, sizeof(m));
	CHECK(chan_open(&c, 0, 0) == 0);
	CHECK(imsg_compose(&c.a, 0xfffffffe, 0xffffffff, 0x7fffffff, -1,
	    "hello", 5) == 1);
	CHECK(imsg_compose(&c.a, 0, 0, 0, -1, "x", 1) == 1);
	CHECK(imsgbuf_flush(&c.a) == 0);

	CHECK(recv_msg(&c.b, &m) == 1);
	CHECK(imsg_get_type(&m) == 0xfffffffe);
	CHECK(m.hdr.type == 0xfffffffe);
	CHECK(imsg_get_id(&m) == 0xffffffff);
	CHECK(m.hdr.peerid == 0xffffffff);
	CHECK(imsg_get_pid(&m) == 0x7fffffff);
	CHECK(m.hdr.len == IMSG_HEADER_SIZE + 5);
	CHECK(imsg_get_len(&m) == 5);
	CHECK(m.data != NULL && memcmp(m.data, "hello", 5) == 0);
	CHECK(imsg_get_data(&m, out, sizeof(out)) == 0);
	CHECK(memcmp(out, "hello", 5) == 0);
	CHECK(imsg_get_fd(&m) == -1);
	imsg_free(&m);

	/* pid 0 means "mine", cached at imsgbuf_init() */
	CHECK(recv_msg(&c.b, &m) == 1);
	CHECK(imsg_get_type(&m) == 0 && imsg_get_id(&m) == 0);
	CHECK(imsg_get_pid(&m) == getpid());
	imsg_free(&m);
	CHECK(imsgbuf_get(&c.b, &m) == 0);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	chan_close(&c);
	return -1;
}

static int
payload_case(size_t len)
{
	struct chan	 c;
	struct imsg	 m;
	unsigned char	*p = NULL;

	memset(&m, 0, sizeof(m));
	CHECK(chan_open(&c, 0, 0) == 0);
	CHECK((p = malloc(len + 1)) != NULL);
	fill(p, len, len);
	CHECK(imsg_compose(&c.a, 42, 1, 0, -1, len ? p : NULL, len) == 1);
	CHECK(imsgbuf_queuelen(&c.a) == 1);
	CHECK(imsgbuf_flush(&c.a) == 0);
	CHECK(recv_msg(&c.b, &m) == 1);
	CHECK(imsg_get_type(&m) == 42);
	CHECK(m.hdr.len == IMSG_HEADER_SIZE + len);
	CHECK(imsg_get_len(&m) == len);
	if (len == 0) {
		CHECK(m.data == NULL);
		CHECK(imsg_get_data(&m, p, 1) == -1 && errno == EBADMSG);
	} else {
		CHECK(m.data != NULL && memcmp(m.data, p, len) == 0);
		memset(p, 0, len);
		CHECK(imsg_get_data(&m, p, len) == 0);
		CHECK(memcmp(m.data, p, len) == 0);
	}
	imsg_free(&m);
	CHECK(imsgbuf_get(&c.b, &m) == 0);
	free(p);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	free(p);
	chan_close(&c);
	return -1;
}

static int
t_payload_0(void)
{
	return payload_case(0);
}

static int
t_payload_1(void)
{
	return payload_case(1);
}

static int
t_payload_max(void)
{
	return payload_case(MAX_PAYLOAD);
}

static int
t_payload_max_plus_1(void)
{
	struct chan	 c;
	struct ibuf	*msg;
	struct iovec	 iov[2];
	unsigned char	*p = NULL;

	CHECK(chan_open(&c, 0, 0) == 0);
	CHECK((p = calloc(1, MAX_PAYLOAD + 1)) != NULL);
	errno = 0;
	CHECK(imsg_compose(&c.a, 1, 0, 0, -1, p, MAX_PAYLOAD + 1) == -1);
	CHECK(errno == ERANGE);
	errno = 0;
	CHECK(imsg_create(&c.a, 1, 0, 0, MAX_PAYLOAD + 1) == NULL);
	CHECK(errno == ERANGE);
	iov[0].iov_base = p;
	iov[0].iov_len = MAX_PAYLOAD;
	iov[1].iov_base = p;
	iov[1].iov_len = 1;
	errno = 0;
	CHECK(imsg_composev(&c.a, 1, 0, 0, -1, iov, 2) == -1);
	CHECK(errno == ERANGE);
	CHECK(imsgbuf_queuelen(&c.a) == 0);

	/* growing a message past the limit fails (and frees it) */
	CHECK((msg = imsg_create(&c.a, 1, 0, 0, 16)) != NULL);
	CHECK(imsg_add(msg, p, MAX_PAYLOAD) == MAX_PAYLOAD);
	CHECK(imsg_add(msg, p, 1) == -1);
	CHECK(imsgbuf_queuelen(&c.a) == 0);
	free(p);
	chan_close(&c);
	return 0;
 fail:
	free(p);
	chan_close(&c);
	return -1;
}

static int
t_maxsize_raised(void)
{
	struct chan	 c, d;
	struct imsg	 m;
	unsigned char	*p = NULL;
	size_t		 len = 40000;

	memset(&m, 0, sizeof(m));
	memset(&d, 0, sizeof(d));
	CHECK(chan_open(&c, 0, 0) == 0);
	CHECK(chan_open(&d, 0, 0) == 0);
	CHECK((p = malloc(len)) != NULL);
	fill(p, len, 3);

	CHECK(imsgbuf_set_maxsize(&c.a, 65536) == 0);
	CHECK(imsgbuf_set_maxsize(&c.b, 65536) == 0);
	CHECK(imsg_compose(&c.a, 5, 0, 0, -1, p, len) == 1);
	CHECK(imsg_compose(&c.a, 5, 0, 0, -1, p, 65537) == -1);
	CHECK(errno == ERANGE);
	CHECK(imsgbuf_flush(&c.a) == 0);
	CHECK(recv_msg(&c.b, &m) == 1);
	CHECK(imsg_get_len(&m) == len && memcmp(m.data, p, len) == 0);
	imsg_free(&m);

	/* the receiver enforces its own limit */
	CHECK(imsgbuf_set_maxsize(&d.a, 65536) == 0);
	CHECK(imsg_compose(&d.a, 5, 0, 0, -1, p, len) == 1);
	CHECK(imsgbuf_flush(&d.a) == 0);
	errno = 0;
	CHECK(imsgbuf_read(&d.b) == -1 && errno == ERANGE);

	/* the total must fit in 31 bits */
	CHECK(imsgbuf_set_maxsize(&c.a, UINT32_MAX) == -1);
	CHECK(errno == ERANGE || errno == EINVAL);
	CHECK(imsgbuf_set_maxsize(&c.a, 0x7fffffff) == -1);
	CHECK(errno == ERANGE || errno == EINVAL);
	free(p);
	chan_close(&c);
	chan_close(&d);
	return 0;
 fail:
	imsg_free(&m);
	free(p);
	chan_close(&c);
	chan_close(&d);
	return -1;
}

/* The stream arrives one byte per read; messages appear when complete. */
static int
t_byte_at_a_time(void)
{
	struct chan	 c;
	struct imsg	 m;
	unsigned char	 raw[1024], pay[300];
	size_t		 sizes[3] = { 0, 5, 300 }, end[3], total = 0, i;
	int		 next = 0, n;

	memset(&m, 0, sizeof(m));
	CHECK(chan_open(&c, 0, 0) == 0);
	for (i = 0; i < 3; i++) {
		fill(pay, sizes[i], i);
		CHECK(imsg_compose(&c.a, 100 + i, i, 0, -1, pay,
		    sizes[i]) == 1);
		total += IMSG_HEADER_SIZE + sizes[i];
		end[i] = total;
	}
	CHECK(imsgbuf_flush(&c.a) == 0);
	CHECK(read(c.sv[1], raw, sizeof(raw)) == (ssize_t)total);

	for (i = 0; i < total; i++) {
		CHECK(write(c.sv[0], raw + i, 1) == 1);
		CHECK(imsgbuf_read(&c.b) == 1);
		n = imsgbuf_get(&c.b, &m);
		if (i + 1 != end[next]) {
			CHECK(n == 0);
			continue;
		}
		CHECK(n == 1);
		CHECK(imsg_get_type(&m) == 100 + (uint32_t)next);
		CHECK(imsg_get_id(&m) == (uint32_t)next);
		CHECK(imsg_get_len(&m) == sizes[next]);
		fill(pay, sizes[next], next);
		CHECK(sizes[next] == 0 ||
		    memcmp(m.data, pay, sizes[next]) == 0);
		imsg_free(&m);
		next++;
	}
	CHECK(next == 3);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	chan_close(&c);
	return -1;
}

/* 1000 messages leave in one write and arrive in one read. */
static int
t_many_small_one_read(void)
{
	struct chan	 c;
	struct imsg	 m;
	uint64_t	 i, v;

	memset(&m, 0, sizeof(m));
	CHECK(chan_open(&c, 0, 0) == 0);
	for (i = 0; i < 1000; i++)
		CHECK(imsg_compose(&c.a, 7, i, 0, -1, &i, sizeof(i)) == 1);
	CHECK(imsgbuf_queuelen(&c.a) == 1000);
	CHECK(imsgbuf_write(&c.a) == 0);
	CHECK(imsgbuf_queuelen(&c.a) == 0);
	CHECK(imsgbuf_read(&c.b) == 1);
	for (i = 0; i < 1000; i++) {
		CHECK(imsgbuf_get(&c.b, &m) == 1);
		CHECK(imsg_get_id(&m) == i);
		CHECK(imsg_get_data(&m, &v, sizeof(v)) == 0 && v == i);
		imsg_free(&m);
	}
	CHECK(imsgbuf_get(&c.b, &m) == 0);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	chan_close(&c);
	return -1;
}

/*
 * Send an fd with fd passing allowed on the sender (sa) and/or the
 * receiver (sb).  It arrives only if both allow it; otherwise it is
 * dropped without leaking anywhere.  Either way the sender's copy is
 * closed once written.
 */
static int
fdpass_case(int sa, int sb)
{
	struct chan	 c;
	struct imsg	 m;
	int		 p[2] = { -1, -1 }, fd = -1, before;

	memset(&m, 0, sizeof(m));
	CHECK(chan_open(&c, sa, sb) == 0);
	CHECK(mkpipe(p) == 0);
	CHECK(imsg_compose(&c.a, 1, 2, 0, p[1], "fd", 2) == 1);
	CHECK(imsgbuf_flush(&c.a) == 0);
	CHECK(!fd_is_open(p[1]));
	p[1] = -1;

	before = count_fds();
	CHECK(recv_msg(&c.b, &m) == 1);
	CHECK(imsg_get_type(&m) == 1 && imsg_get_len(&m) == 2);
	CHECK(memcmp(m.data, "fd", 2) == 0);
	fd = imsg_get_fd(&m);
	if (sa && sb) {
		CHECK(fd >= 0);
		CHECK(imsg_get_fd(&m) == -1);
		CHECK(pipe_carries(fd, p[0]));
#ifndef HAVE_IMSG
		CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
#endif
		close(fd);
		fd = -1;
	} else {
		CHECK(fd == -1);
		CHECK(count_fds() == before);
	}
	imsg_free(&m);
	CHECK(pipe_eof(p[0]));
	close(p[0]);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	if (fd != -1)
		close(fd);
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	chan_close(&c);
	return -1;
}

static int
t_fdpass_on_on(void)
{
	return fdpass_case(1, 1);
}

static int
t_fdpass_off_sender(void)
{
	return fdpass_case(0, 1);
}

static int
t_fdpass_off_receiver(void)
{
	return fdpass_case(1, 0);
}

static int
t_fdpass_off_off(void)
{
	return fdpass_case(0, 0);
}

/* Each fd starts its own write and lands on its own message. */
static int
t_fd_per_message(void)
{
	struct chan	 c;
	struct imsg	 m;
	int		 p[3][2], i, fd, want[4] = { 0, -1, 1, 2 };

	memset(&m, 0, sizeof(m));
	for (i = 0; i < 3; i++)
		p[i][0] = p[i][1] = -1;
	CHECK(chan_open(&c, 1, 1) == 0);
	for (i = 0; i < 3; i++)
		CHECK(mkpipe(p[i]) == 0);
	CHECK(imsg_compose(&c.a, 0, 0, 0, p[0][1], NULL, 0) == 1);
	CHECK(imsg_compose(&c.a, 1, 0, 0, -1, NULL, 0) == 1);
	CHECK(imsg_compose(&c.a, 2, 0, 0, p[1][1], NULL, 0) == 1);
	CHECK(imsg_compose(&c.a, 3, 0, 0, p[2][1], NULL, 0) == 1);
	for (i = 0; i < 3; i++)
		p[i][1] = -1;
	CHECK(imsgbuf_queuelen(&c.a) == 4);
	CHECK(imsgbuf_write(&c.a) == 0);
	CHECK(imsgbuf_queuelen(&c.a) == 2);
	CHECK(imsgbuf_write(&c.a) == 0);
	CHECK(imsgbuf_queuelen(&c.a) == 1);
	CHECK(imsgbuf_write(&c.a) == 0);
	CHECK(imsgbuf_queuelen(&c.a) == 0);

	for (i = 0; i < 4; i++) {
		CHECK(recv_msg(&c.b, &m) == 1);
		CHECK(imsg_get_type(&m) == (uint32_t)i);
		fd = imsg_get_fd(&m);
		imsg_free(&m);
		if (want[i] == -1) {
			CHECK(fd == -1);
			continue;
		}
		CHECK(fd >= 0);
		CHECK(pipe_carries(fd, p[want[i]][0]));
		close(fd);
	}
	for (i = 0; i < 3; i++) {
		CHECK(pipe_eof(p[i][0]));
		close(p[i][0]);
		p[i][0] = -1;
	}
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	for (i = 0; i < 3; i++) {
		if (p[i][0] != -1)
			close(p[i][0]);
		if (p[i][1] != -1)
			close(p[i][1]);
	}
	chan_close(&c);
	return -1;
}

/*
 * Message A (no fd) is cut after split bytes and its first part read;
 * then the rest of A and B (with an fd) arrive.  The fd must go to B.
 */
static int
fd_after_partial(size_t split)
{
	struct chan	 c;
	struct imsg	 m;
	struct imsg_hdr	 hdr;
	unsigned char	 raw[IMSG_HEADER_SIZE + 100];
	int		 p[2] = { -1, -1 }, fd;

	memset(&m, 0, sizeof(m));
	CHECK(chan_open(&c, 1, 1) == 0);
	CHECK(mkpipe(p) == 0);
	hdr.type = 10;
	hdr.len = sizeof(raw);
	hdr.peerid = 0;
	hdr.pid = 1;
	memcpy(raw, &hdr, sizeof(hdr));
	fill(raw + sizeof(hdr), sizeof(raw) - sizeof(hdr), 9);

	CHECK(write(c.sv[0], raw, split) == (ssize_t)split);
	CHECK(imsgbuf_read(&c.b) == 1);
	CHECK(imsgbuf_get(&c.b, &m) == 0);
	CHECK(write(c.sv[0], raw + split, sizeof(raw) - split) ==
	    (ssize_t)(sizeof(raw) - split));
	CHECK(imsg_compose(&c.a, 11, 0, 0, p[1], "B", 1) == 1);
	p[1] = -1;
	CHECK(imsgbuf_flush(&c.a) == 0);

	CHECK(recv_msg(&c.b, &m) == 1);
	CHECK(imsg_get_type(&m) == 10);
	CHECK(imsg_get_len(&m) == 100);
	CHECK(memcmp(m.data, raw + sizeof(hdr), 100) == 0);
	CHECK(imsg_get_fd(&m) == -1);
	imsg_free(&m);
	CHECK(recv_msg(&c.b, &m) == 1);
	CHECK(imsg_get_type(&m) == 11);
	CHECK((fd = imsg_get_fd(&m)) >= 0);
	imsg_free(&m);
	CHECK(pipe_carries(fd, p[0]));
	close(fd);
	close(p[0]);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	chan_close(&c);
	return -1;
}

static int
t_fd_after_partial_payload(void)
{
	return fd_after_partial(IMSG_HEADER_SIZE + 50);
}

static int
t_fd_after_partial_header(void)
{
	return fd_after_partial(10);
}

/*
 * A message with an fd that does not fit the socket in one go: the fd
 * leaves with the first part (and the sender's copy is closed then),
 * the rest follows, and the receiver ends up with exactly one fd.
 */
static int
t_fd_message_partial_write(void)
{
	struct chan	 c;
	struct imsg	 m;
	unsigned char	*p = NULL;
	int		 pp[2] = { -1, -1 }, sz = 4096, fd = -1, got = 0, i;
	int		 before, wfd = -1, early = 0;

	memset(&m, 0, sizeof(m));
	CHECK(chan_open(&c, 1, 1) == 0);
	CHECK(mkpipe(pp) == 0);
	CHECK(setsockopt(c.sv[0], SOL_SOCKET, SO_SNDBUF, &sz,
	    sizeof(sz)) == 0);
	CHECK((p = malloc(MAX_PAYLOAD)) != NULL);
	fill(p, MAX_PAYLOAD, 77);
	/* a high number the receiver will not get, so it is not reused */
	CHECK((wfd = dup2(pp[1], 900)) == 900);
	close(pp[1]);
	pp[1] = -1;
	for (i = 0; i < 3; i++)
		CHECK(imsg_compose(&c.a, i, 0, 0, i == 1 ? wfd : -1, p,
		    MAX_PAYLOAD) == 1);
	before = count_fds();
	for (i = 0; i < 10000 && got < 3; i++) {
		CHECK(imsgbuf_write(&c.a) == 0);
		/* message 1 partly sent: its fd left with the first part */
		if (imsgbuf_queuelen(&c.a) == 2 && !fd_is_open(wfd))
			early = 1;
		CHECK(imsgbuf_read(&c.b) == 1);
		while (imsgbuf_get(&c.b, &m) == 1) {
			CHECK(imsg_get_type(&m) == (uint32_t)got);
			CHECK(imsg_get_len(&m) == MAX_PAYLOAD);
			CHECK(memcmp(m.data, p, MAX_PAYLOAD) == 0);
			if (got == 1)
				CHECK((fd = imsg_get_fd(&m)) >= 0);
			else
				CHECK(imsg_get_fd(&m) == -1);
			imsg_free(&m);
			got++;
		}
	}
	CHECK(got == 3);
	CHECK(early);
	CHECK(!fd_is_open(wfd));
	CHECK(count_fds() == before);	/* wfd gone, fd here */
	CHECK(pipe_carries(fd, pp[0]));
	close(fd);
	fd = -1;
	CHECK(pipe_eof(pp[0]));
	close(pp[0]);
	free(p);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	if (fd != -1)
		close(fd);
	if (pp[0] != -1)
		close(pp[0]);
	if (pp[1] != -1)
		close(pp[1]);
	free(p);
	chan_close(&c);
	return -1;
}

/*
 * The read buffer fills up 10 bytes into the header of a message that
 * carries an fd, so the fd arrives with an incomplete header.  Our
 * compat keeps the fd for that header; libutil may drop it.  Either
 * way nothing leaks and the messages themselves are intact.
 */
static int
t_fd_header_split_across_reads(void)
{
	struct chan	 c;
	struct imsg	 m;
	unsigned char	*p = NULL;
	size_t		 lens[4] = { MAX_PAYLOAD, MAX_PAYLOAD, MAX_PAYLOAD, 0 };
	size_t		 before_b;
	int		 pp[2] = { -1, -1 }, fd = -1, got = 0, i, nfds;

	memset(&m, 0, sizeof(m));
	/* four messages end 10 bytes short of a full read buffer */
	before_b = 3 * MAX_IMSGSIZE;
	lens[3] = IBUF_READ_SIZE - 10 - before_b - IMSG_HEADER_SIZE;
	CHECK(chan_open(&c, 1, 1) == 0);
	CHECK(mkpipe(pp) == 0);
	CHECK((p = malloc(MAX_PAYLOAD)) != NULL);
	fill(p, MAX_PAYLOAD, 5);
	for (i = 0; i < 4; i++)
		CHECK(imsg_compose(&c.a, i, 0, 0, -1, p, lens[i]) == 1);
	CHECK(imsgbuf_flush(&c.a) == 0);
	CHECK(imsg_compose(&c.a, 4, 0, 0, pp[1], "B", 1) == 1);
	pp[1] = -1;
	CHECK(imsgbuf_flush(&c.a) == 0);

	nfds = count_fds();
	CHECK(imsgbuf_read(&c.b) == 1);
	for (i = 0; i < 10 && got < 5; i++) {
		while (imsgbuf_get(&c.b, &m) == 1) {
			CHECK(imsg_get_type(&m) == (uint32_t)got);
			if (got < 4) {
				CHECK(imsg_get_len(&m) == lens[got]);
				CHECK(memcmp(m.data, p, lens[got]) == 0);
				CHECK(imsg_get_fd(&m) == -1);
			} else {
				CHECK(imsg_get_len(&m) == 1);
				fd = imsg_get_fd(&m);
			}
			imsg_free(&m);
			got++;
		}
		if (got < 5)
			CHECK(imsgbuf_read(&c.b) == 1);
	}
	CHECK(got == 5);
#ifndef HAVE_IMSG
	CHECK(fd >= 0);
#endif
	if (fd >= 0) {
		CHECK(pipe_carries(fd, pp[0]));
		close(fd);
		fd = -1;
	}
	CHECK(count_fds() == nfds);
	CHECK(pipe_eof(pp[0]));
	close(pp[0]);
	free(p);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	if (fd != -1)
		close(fd);
	if (pp[0] != -1)
		close(pp[0]);
	if (pp[1] != -1)
		close(pp[1]);
	free(p);
	chan_close(&c);
	return -1;
}

/*
 * A peer that breaks the one-fd-per-write rule and sends three fds with
 * one message.  The message gets one of them; the others are closed
 * (whether the kernel or the library drops them) and nothing leaks.
 */
static int
t_fd_extra_fds_closed(void)
{
	struct chan	 c;
	struct imsg	 m;
	struct imsg_hdr	 hdr;
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(3 * sizeof(int))];
	} cbuf;
	int		 p[3][2], fds[3], i, fd = -1, before, carried = 0;
	char		 ch;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < 3; i++)
		p[i][0] = p[i][1] = -1;
	CHECK(chan_open(&c, 1, 1) == 0);
	for (i = 0; i < 3; i++) {
		CHECK(mkpipe(p[i]) == 0);
		fds[i] = p[i][1];
	}
	hdr.type = 8;
	hdr.len = IMSG_HEADER_SIZE | FD_MARK;
	hdr.peerid = 0;
	hdr.pid = 0;
	iov.iov_base = &hdr;
	iov.iov_len = sizeof(hdr);
	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = CMSG_SPACE(sizeof(fds));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cmsg), fds, sizeof(fds));
	CHECK(sendmsg(c.sv[0], &msg, 0) == (ssize_t)sizeof(hdr));
	for (i = 0; i < 3; i++) {
		close(p[i][1]);
		p[i][1] = -1;
	}

	before = count_fds();
	CHECK(recv_msg(&c.b, &m) == 1);
	CHECK(imsg_get_type(&m) == 8);
	CHECK((fd = imsg_get_fd(&m)) >= 0);
	imsg_free(&m);
	CHECK(count_fds() == before + 1);
	CHECK(write(fd, "x", 1) == 1);
	for (i = 0; i < 3; i++) {
		if (read(p[i][0], &ch, 1) == 1)
			carried++;
	}
	CHECK(carried == 1);
	close(fd);
	fd = -1;
	for (i = 0; i < 3; i++) {
		CHECK(pipe_eof(p[i][0]));
		close(p[i][0]);
		p[i][0] = -1;
	}
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	if (fd != -1)
		close(fd);
	for (i = 0; i < 3; i++) {
		if (p[i][0] != -1)
			close(p[i][0]);
		if (p[i][1] != -1)
			close(p[i][1]);
	}
	chan_close(&c);
	return -1;
}

/* A header that announces an fd that never came: message, no fd. */
static int
t_fd_mark_without_fd(void)
{
	struct chan	 c;
	struct imsg	 m;

	memset(&m, 0, sizeof(m));
	CHECK(chan_open(&c, 1, 1) == 0);
	CHECK(raw_hdr(c.sv[0], 3, IMSG_HEADER_SIZE | FD_MARK, 4, 5) == 0);
	CHECK(recv_msg(&c.b, &m) == 1);
	CHECK(imsg_get_type(&m) == 3 && imsg_get_id(&m) == 4);
	CHECK(m.hdr.len == IMSG_HEADER_SIZE);
	CHECK(imsg_get_len(&m) == 0);
	CHECK(imsg_get_fd(&m) == -1);
	imsg_free(&m);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	chan_close(&c);
	return -1;
}

static int
t_unclaimed_fd_closed(void)
{
	struct chan	 c;
	struct imsg	 m;
	int		 p[2] = { -1, -1 }, lowfd;

	memset(&m, 0, sizeof(m));
	CHECK(chan_open(&c, 1, 1) == 0);
	CHECK(mkpipe(p) == 0);
	CHECK(imsg_compose(&c.a, 1, 0, 0, p[1], NULL, 0) == 1);
	p[1] = -1;
	CHECK(imsgbuf_flush(&c.a) == 0);
	lowfd = lowest_free_fd();
	CHECK(lowfd >= 0 && !fd_is_open(lowfd));
	CHECK(recv_msg(&c.b, &m) == 1);
	CHECK(fd_is_open(lowfd));
	imsg_free(&m);
	errno = 0;
	CHECK(fcntl(lowfd, F_GETFD) == -1 && errno == EBADF);
	CHECK(pipe_eof(p[0]));
	close(p[0]);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	chan_close(&c);
	return -1;
}

static int
t_eof(void)
{
	struct chan	 c;
	struct imsg	 m;

	memset(&m, 0, sizeof(m));
	CHECK(chan_open(&c, 0, 0) == 0);
	CHECK(imsgbuf_read(&c.b) == 1);		/* EAGAIN is not an error */
	CHECK(imsgbuf_get(&c.b, &m) == 0);
	CHECK(imsg_compose(&c.a, 1, 0, 0, -1, "x", 1) == 1);
	CHECK(imsgbuf_flush(&c.a) == 0);
	CHECK(write(c.sv[0], "part", 4) == 4);
	close(c.sv[0]);
	c.sv[0] = -1;
	CHECK(imsgbuf_read(&c.b) == 1);
	CHECK(imsgbuf_get(&c.b, &m) == 1);
	imsg_free(&m);
	CHECK(imsgbuf_get(&c.b, &m) == 0);
	CHECK(imsgbuf_read(&c.b) == 0);
	CHECK(imsgbuf_read(&c.b) == 0);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	chan_close(&c);
	return -1;
}

/* Runs in a child with SIGPIPE at its default action. */
static int
epipe_child(void)
{
	struct chan	 c;

	signal(SIGPIPE, SIG_DFL);
	CHECK(chan_open(&c, 0, 0) == 0);
	close(c.sv[1]);
	c.sv[1] = -1;
	CHECK(imsg_compose(&c.a, 1, 0, 0, -1, "x", 1) == 1);
	errno = 0;
	CHECK(imsgbuf_write(&c.a) == -1 && errno == EPIPE);
	errno = 0;
	CHECK(imsgbuf_flush(&c.a) == -1 && errno == EPIPE);
	imsgbuf_allow_fdpass(&c.a);
	errno = 0;
	CHECK(imsgbuf_write(&c.a) == -1 && errno == EPIPE);
	chan_close(&c);
	return 0;
 fail:
	chan_close(&c);
	return -1;
}

static int
t_write_epipe(void)
{
	pid_t		 pid;
	int		 status;

	fflush(stdout);
	CHECK((pid = fork()) != -1);
	if (pid == 0) {
		if (epipe_child() == -1) {
			fprintf(stderr, "epipe child: %s\n", detail);
			exit(1);
		}
		exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	if (WIFSIGNALED(status)) {
		snprintf(detail, sizeof(detail), "child killed by signal %d",
		    WTERMSIG(status));
		return -1;
	}
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return 0;
 fail:
	return -1;
}

static int
t_queuelen(void)
{
	struct chan	 c;
	struct ibuf	*msg, *pl;
	struct iovec	 iov[2];

	CHECK(chan_open(&c, 0, 0) == 0);
	CHECK(imsgbuf_queuelen(&c.a) == 0);
	CHECK(imsg_compose(&c.a, 1, 0, 0, -1, "a", 1) == 1);
	CHECK(imsg_compose(&c.a, 1, 0, 0, -1, NULL, 0) == 1);
	CHECK(imsg_compose(&c.a, 1, 0, 0, -1, "b", 1) == 1);
	CHECK(imsgbuf_queuelen(&c.a) == 3);
	CHECK((msg = imsg_create(&c.a, 2, 0, 0, 4)) != NULL);
	CHECK(imsgbuf_queuelen(&c.a) == 3);
	CHECK(imsg_add(msg, "abcd", 4) == 4);
	imsg_close(&c.a, msg);
	CHECK(imsgbuf_queuelen(&c.a) == 4);
	CHECK((pl = ibuf_open(8)) != NULL);
	CHECK(ibuf_add(pl, "payload!", 8) == 0);
	CHECK(imsg_compose_ibuf(&c.a, 3, 0, 0, pl) == 1);
	CHECK(imsgbuf_queuelen(&c.a) == 6);
	iov[0].iov_base = "ab";
	iov[0].iov_len = 2;
	iov[1].iov_base = "cd";
	iov[1].iov_len = 2;
	CHECK(imsg_composev(&c.a, 4, 0, 0, -1, iov, 2) == 1);
	CHECK(imsgbuf_queuelen(&c.a) == 7);
	CHECK(imsg_compose(&c.a, 1, 0, 0, -1, "", MAX_PAYLOAD + 1) == -1);
	CHECK(imsgbuf_queuelen(&c.a) == 7);
	CHECK(imsgbuf_write(&c.a) == 0);
	CHECK(imsgbuf_queuelen(&c.a) == 0);
	CHECK(imsgbuf_write(&c.a) == 0);
	chan_close(&c);
	return 0;
 fail:
	chan_close(&c);
	return -1;
}

/* Writes cut short by a full socket resume where they stopped. */
static int
t_partial_write_resumes(void)
{
	struct chan	 c;
	struct imsg	 m;
	unsigned char	*p = NULL;
	int		 sz = 4096, got = 0, partial = 0, i;

	memset(&m, 0, sizeof(m));
	CHECK(chan_open(&c, 0, 0) == 0);
	CHECK(setsockopt(c.sv[0], SOL_SOCKET, SO_SNDBUF, &sz,
	    sizeof(sz)) == 0);
	CHECK((p = malloc(MAX_PAYLOAD)) != NULL);
	for (i = 0; i < 8; i++) {
		fill(p, MAX_PAYLOAD, i);
		CHECK(imsg_compose(&c.a, i, 0, 0, -1, p, MAX_PAYLOAD) == 1);
	}
	for (i = 0; i < 10000 && got < 8; i++) {
		CHECK(imsgbuf_write(&c.a) == 0);
		if (imsgbuf_queuelen(&c.a) > 0 && i == 0) {
			partial = 1;
			/* the socket is full now: EAGAIN, not an error */
			CHECK(imsgbuf_write(&c.a) == 0);
		}
		CHECK(imsgbuf_read(&c.b) == 1);
		while (imsgbuf_get(&c.b, &m) == 1) {
			CHECK(imsg_get_type(&m) == (uint32_t)got);
			fill(p, MAX_PAYLOAD, got);
			CHECK(imsg_get_len(&m) == MAX_PAYLOAD);
			CHECK(memcmp(m.data, p, MAX_PAYLOAD) == 0);
			imsg_free(&m);
			got++;
		}
	}
	CHECK(partial);
	CHECK(got == 8);
	CHECK(imsgbuf_queuelen(&c.a) == 0);
	free(p);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	free(p);
	chan_close(&c);
	return -1;
}

static int
t_forward_drops_fd(void)
{
	struct chan	 c, d;
	struct imsg	 m, f;
	char		 buf[16];
	int		 p[2] = { -1, -1 }, fd = -1, i;

	memset(&m, 0, sizeof(m));
	memset(&f, 0, sizeof(f));
	memset(&d, 0, sizeof(d));
	CHECK(chan_open(&c, 1, 1) == 0);
	CHECK(chan_open(&d, 1, 1) == 0);
	CHECK(mkpipe(p) == 0);
	CHECK(imsg_compose(&c.a, 9, 10, 11, p[1], "forward-me", 10) == 1);
	p[1] = -1;
	CHECK(imsgbuf_flush(&c.a) == 0);
	CHECK(recv_msg(&c.b, &m) == 1);

	CHECK(imsg_forward(&d.a, &m) == 1);
	CHECK(imsg_get_buf(&m, buf, 3) == 0);	/* partly read */
	CHECK(imsg_forward(&d.a, &m) == 1);
	CHECK(imsgbuf_queuelen(&d.a) == 2);
	CHECK(imsgbuf_flush(&d.a) == 0);
	for (i = 0; i < 2; i++) {
		CHECK(recv_msg(&d.b, &f) == 1);
		CHECK(imsg_get_type(&f) == 9 && imsg_get_id(&f) == 10);
		CHECK(imsg_get_pid(&f) == 11);
		CHECK(imsg_get_len(&f) == 10);
		CHECK(memcmp(f.data, "forward-me", 10) == 0);
		CHECK(imsg_get_fd(&f) == -1);
		imsg_free(&f);
	}
	/* the original still holds its fd */
	CHECK((fd = imsg_get_fd(&m)) >= 0);
	CHECK(pipe_carries(fd, p[0]));
	close(fd);
	imsg_free(&m);
	close(p[0]);
	chan_close(&c);
	chan_close(&d);
	return 0;
 fail:
	imsg_free(&m);
	imsg_free(&f);
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	chan_close(&c);
	chan_close(&d);
	return -1;
}

static int
t_get_data_exact(void)
{
	struct chan	 c;
	struct imsg	 m;
	uint64_t	 v = 0x1122334455667788ULL, out = 0;
	unsigned char	 big[16];

	memset(&m, 0, sizeof(m));
	CHECK(chan_open(&c, 0, 0) == 0);
	CHECK(imsg_compose(&c.a, 1, 0, 0, -1, &v, sizeof(v)) == 1);
	CHECK(imsgbuf_flush(&c.a) == 0);
	CHECK(recv_msg(&c.b, &m) == 1);
	errno = 0;
	CHECK(imsg_get_data(&m, &out, 4) == -1 && errno == EBADMSG);
	errno = 0;
	CHECK(imsg_get_data(&m, big, 9) == -1 && errno == EBADMSG);
	errno = 0;
	CHECK(imsg_get_data(&m, big, 0) == -1 && errno == EINVAL);
	CHECK(out == 0);
	CHECK(imsg_get_len(&m) == sizeof(v));
	CHECK(imsg_get_data(&m, &out, sizeof(out)) == 0);
	CHECK(out == v);
	imsg_free(&m);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	chan_close(&c);
	return -1;
}

static int
t_get_strbuf_nul(void)
{
	struct chan	 c;
	struct imsg	 m;
	char		 s[16];

	memset(&m, 0, sizeof(m));
	CHECK(chan_open(&c, 0, 0) == 0);
	CHECK(imsg_compose(&c.a, 1, 0, 0, -1, "hello", 6) == 1);
	CHECK(imsg_compose(&c.a, 2, 0, 0, -1, "hello!", 6) == 1);
	CHECK(imsg_compose(&c.a, 3, 0, 0, -1, "ab\0cd", 6) == 1);
	CHECK(imsgbuf_flush(&c.a) == 0);

	CHECK(recv_msg(&c.b, &m) == 1);
	CHECK(imsg_get_strbuf(&m, s, 6) == 0 && strcmp(s, "hello") == 0);
	imsg_free(&m);

	CHECK(recv_msg(&c.b, &m) == 1);
	memset(s, 'z', sizeof(s));
	errno = 0;
	CHECK(imsg_get_strbuf(&m, s, 6) == -1 && errno == EOVERFLOW);
	CHECK(s[5] == '\0' && strcmp(s, "hello") == 0);
	imsg_free(&m);

	CHECK(recv_msg(&c.b, &m) == 1);
	errno = 0;
	CHECK(imsg_get_strbuf(&m, s, 8) == -1 && errno == EBADMSG);
	CHECK(imsg_get_strbuf(&m, s, 3) == 0 && strcmp(s, "ab") == 0);
	CHECK(imsg_get_strbuf(&m, s, 3) == 0 && strcmp(s, "cd") == 0);
	CHECK(imsg_get_len(&m) == 0);
	imsg_free(&m);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	chan_close(&c);
	return -1;
}

static int
t_get_buf_len(void)
{
	struct chan	 c;
	struct imsg	 m;
	char		 s[16];

	memset(&m, 0, sizeof(m));
	CHECK(chan_open(&c, 0, 0) == 0);
	CHECK(imsg_compose(&c.a, 1, 0, 0, -1, "0123456789ab", 12) == 1);
	CHECK(imsgbuf_flush(&c.a) == 0);
	CHECK(recv_msg(&c.b, &m) == 1);
	CHECK(imsg_get_len(&m) == 12);
	CHECK(imsg_get_buf(&m, s, 4) == 0 && memcmp(s, "0123", 4) == 0);
	CHECK(imsg_get_len(&m) == 8);
	errno = 0;
	CHECK(imsg_get_buf(&m, s, 9) == -1 && errno == EBADMSG);
	CHECK(imsg_get_len(&m) == 8);
	CHECK(imsg_get_buf(&m, s, 8) == 0 && memcmp(s, "456789ab", 8) == 0);
	CHECK(imsg_get_len(&m) == 0);
	errno = 0;
	CHECK(imsg_get_buf(&m, s, 1) == -1 && errno == EBADMSG);
	imsg_free(&m);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	chan_close(&c);
	return -1;
}

static int
t_get_ibuf(void)
{
	struct chan	 c;
	struct imsg	 m;
	struct ibuf	*msg, view;
	uint16_t	 v16;
	uint32_t	 v32, h32;
	uint8_t		 v8;

	memset(&m, 0, sizeof(m));
	CHECK(chan_open(&c, 0, 0) == 0);
	CHECK((msg = imsg_create(&c.a, 6, 0, 0, 10)) != NULL);
	CHECK(ibuf_add_n16(msg, 0xbeef) == 0);
	CHECK(ibuf_add_n32(msg, 0xcafef00d) == 0);
	CHECK(ibuf_add_h32(msg, 0x01020304) == 0);
	imsg_close(&c.a, msg);
	CHECK(imsgbuf_flush(&c.a) == 0);
	CHECK(recv_msg(&c.b, &m) == 1);
	CHECK(imsg_get_len(&m) == 10);
	CHECK(imsg_get_ibuf(&m, &view) == 0);
	CHECK(ibuf_size(&view) == 10);
	CHECK(ibuf_get_n16(&view, &v16) == 0 && v16 == 0xbeef);
	CHECK(ibuf_get_n32(&view, &v32) == 0 && v32 == 0xcafef00d);
	CHECK(ibuf_get_h32(&view, &h32) == 0 && h32 == 0x01020304);
	errno = 0;
	CHECK(ibuf_get_n8(&view, &v8) == -1 && errno == EBADMSG);
	imsg_free(&m);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	chan_close(&c);
	return -1;
}

/*
 * Headers no honest peer sends: the read fails with ERANGE before any
 * payload is allocated.  Run in a child whose data segment is capped,
 * so that allocating the announced 2 GiB would fail with ENOMEM.
 */
static int
hostile_child(void)
{
	struct chan	 c;
	uint32_t	 lens[] = { 0x7fffffff, 0xffffffff, 0x7ffffff0,
			    MAX_IMSGSIZE + 1, IMSG_HEADER_SIZE - 1, 0,
			    FD_MARK };
	size_t		 i = 0;
	int		 fdp;
#ifndef UNDER_ASAN
	struct rlimit	 rl;

	rl.rlim_cur = rl.rlim_max = 256 * 1024 * 1024;
	CHECK(setrlimit(RLIMIT_DATA, &rl) == 0);
#endif

	memset(&c, 0, sizeof(c));
	for (i = 0; i < nitems(lens) * 2; i++) {
		fdp = i >= nitems(lens);
		CHECK(chan_open(&c, fdp, fdp) == 0);
		CHECK(raw_hdr(c.sv[0], 1, lens[i % nitems(lens)], 0, 0) == 0);
		errno = 0;
		CHECK(imsgbuf_read(&c.b) == -1);
		CHECK(errno == ERANGE);
		chan_close(&c);
	}

	/* exactly the limit is fine: the reader waits for the payload */
	CHECK(chan_open(&c, 0, 0) == 0);
	CHECK(raw_hdr(c.sv[0], 1, MAX_IMSGSIZE, 0, 0) == 0);
	CHECK(imsgbuf_read(&c.b) == 1);
	chan_close(&c);
	return 0;
 fail:
	snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
	    " [len case %zu]", i);
	chan_close(&c);
	return -1;
}

static int
t_hostile_header(void)
{
	pid_t		 pid;
	int		 status;

	fflush(stdout);
	CHECK((pid = fork()) != -1);
	if (pid == 0) {
		if (hostile_child() == -1) {
			fprintf(stderr, "hostile child: %s\n", detail);
			exit(1);
		}
		exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	if (WIFSIGNALED(status)) {
		snprintf(detail, sizeof(detail), "child killed by signal %d",
		    WTERMSIG(status));
		return -1;
	}
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return 0;
 fail:
	return -1;
}

static int
t_compose_variants(void)
{
	struct chan	 c;
	struct imsg	 m;
	struct ibuf	*msg, *pl = NULL;
	struct iovec	 iov[3];
	int		 p[2] = { -1, -1 }, q[2] = { -1, -1 }, fd;

	memset(&m, 0, sizeof(m));
	CHECK(chan_open(&c, 1, 1) == 0);
	CHECK(mkpipe(p) == 0);
	CHECK(mkpipe(q) == 0);

	iov[0].iov_base = "one";
	iov[0].iov_len = 3;
	iov[1].iov_base = "";
	iov[1].iov_len = 0;
	iov[2].iov_base = "two";
	iov[2].iov_len = 3;
	CHECK(imsg_composev(&c.a, 1, 0, 0, -1, iov, 3) == 1);

	CHECK((pl = ibuf_dynamic(2, 64)) != NULL);
	CHECK(ibuf_add(pl, "from an ibuf", 12) == 0);
	ibuf_fd_set(pl, q[1]);		/* never travels with a payload */
	q[1] = -1;
	CHECK(imsg_compose_ibuf(&c.a, 2, 0, 0, pl) == 1);
	pl = NULL;

	CHECK((msg = imsg_create(&c.a, 3, 0, 0, 0)) != NULL);
	CHECK(imsg_add(msg, "built", 5) == 5);
	ibuf_fd_set(msg, p[1]);
	p[1] = -1;
	imsg_close(&c.a, msg);
	CHECK(imsgbuf_flush(&c.a) == 0);

	CHECK(imsg_get(&c.b, &m) == 0);
	CHECK(imsgbuf_read(&c.b) == 1);
	CHECK(imsg_get(&c.b, &m) == IMSG_HEADER_SIZE + 6);
	CHECK(memcmp(m.data, "onetwo", 6) == 0);
	imsg_free(&m);
	CHECK(recv_msg(&c.b, &m) == 1);
	CHECK(imsg_get_type(&m) == 2 && imsg_get_len(&m) == 12);
	CHECK(memcmp(m.data, "from an ibuf", 12) == 0);
	CHECK(imsg_get_fd(&m) == -1);
	imsg_free(&m);
	CHECK(recv_msg(&c.b, &m) == 1);
	CHECK(imsg_get_type(&m) == 3 && imsg_get_len(&m) == 5);
	CHECK((fd = imsg_get_fd(&m)) >= 0);
	imsg_free(&m);
	CHECK(pipe_carries(fd, p[0]));
	close(fd);
	CHECK(pipe_eof(q[0]));
	close(p[0]);
	close(q[0]);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	ibuf_free(pl);
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	if (q[0] != -1)
		close(q[0]);
	if (q[1] != -1)
		close(q[1]);
	chan_close(&c);
	return -1;
}

static int
t_imsg_set_maxsize(void)
{
	struct chan	 c;
	struct ibuf	*msg;

	CHECK(chan_open(&c, 0, 0) == 0);
	CHECK((msg = imsg_create(&c.a, 1, 0, 0, 0)) != NULL);
	CHECK(imsg_set_maxsize(msg, 4) == 0);
	CHECK(imsg_add(msg, "abcd", 4) == 4);
	CHECK(imsg_add(msg, "e", 1) == -1);	/* frees msg */
	CHECK(imsgbuf_queuelen(&c.a) == 0);
	chan_close(&c);
	return 0;
 fail:
	chan_close(&c);
	return -1;
}

static int
t_imsg_ibufq(void)
{
	struct chan		 c;
	struct imsg		 m;
	struct ibufqueue	*q = NULL;
	char			 s[4];

	memset(&m, 0, sizeof(m));
	CHECK(chan_open(&c, 0, 0) == 0);
	CHECK((q = ibufq_new()) != NULL);
	CHECK(imsg_compose(&c.a, 1, 0, 0, -1, "abc", 3) == 1);
	CHECK(imsg_compose(&c.a, 2, 0, 0, -1, "def", 3) == 1);
	CHECK(imsgbuf_flush(&c.a) == 0);
	CHECK(recv_msg(&c.b, &m) == 1);
	CHECK(imsg_get_buf(&m, s, 2) == 0);
	imsg_ibufq_push(q, &m);
	CHECK(recv_msg(&c.b, &m) == 1);
	imsg_ibufq_push(q, &m);
	CHECK(ibufq_queuelen(q) == 2);

	CHECK(imsg_ibufq_pop(q, &m) == 1);
	CHECK(imsg_get_type(&m) == 1 && imsg_get_len(&m) == 3);
	CHECK(memcmp(m.data, "abc", 3) == 0);
	imsg_free(&m);
	CHECK(imsg_ibufq_pop(q, &m) == 1);
	CHECK(imsg_get_type(&m) == 2 && imsg_get_len(&m) == 3);
	imsg_free(&m);
	CHECK(imsg_ibufq_pop(q, &m) == 0);
	ibufq_free(q);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	ibufq_free(q);
	chan_close(&c);
	return -1;
}

/* imsgbuf_clear drops queued and partial data and fds, not the socket. */
static int
t_clear(void)
{
	struct chan	 c;
	struct imsg	 m;
	int		 p[2] = { -1, -1 };

	memset(&m, 0, sizeof(m));
	CHECK(chan_open(&c, 1, 1) == 0);
	CHECK(mkpipe(p) == 0);
	CHECK(imsg_compose(&c.a, 1, 0, 0, -1, "in", 2) == 1);
	CHECK(imsgbuf_flush(&c.a) == 0);
	CHECK(write(c.sv[0], "partial", 7) == 7);
	CHECK(imsgbuf_read(&c.b) == 1);
	CHECK(imsg_compose(&c.a, 1, 0, 0, p[1], "out", 3) == 1);
	p[1] = -1;
	CHECK(imsgbuf_queuelen(&c.a) == 1);
	imsgbuf_clear(&c.a);
	imsgbuf_clear(&c.b);
	CHECK(pipe_eof(p[0]));
	CHECK(fd_is_open(c.sv[0]) && fd_is_open(c.sv[1]));

	/* re-initialised, the channel works again */
	CHECK(imsgbuf_init(&c.a, c.sv[0]) == 0);
	CHECK(imsgbuf_init(&c.b, c.sv[1]) == 0);
	CHECK(imsg_compose(&c.a, 7, 0, 0, -1, NULL, 0) == 1);
	CHECK(imsgbuf_flush(&c.a) == 0);
	CHECK(recv_msg(&c.b, &m) == 1 && imsg_get_type(&m) == 7);
	imsg_free(&m);
	close(p[0]);
	chan_close(&c);
	return 0;
 fail:
	imsg_free(&m);
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	chan_close(&c);
	return -1;
}

static int
t_ibuf_network_order(void)
{
	struct ibuf	*b;
	const unsigned char want[] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc,
	    0xde, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };

	CHECK((b = ibuf_dynamic(0, 64)) != NULL);
	CHECK(ibuf_add_n8(b, 0x12) == 0);
	CHECK(ibuf_add_n16(b, 0x3456) == 0);
	CHECK(ibuf_add_n32(b, 0x789abcde) == 0);
	CHECK(ibuf_add_n64(b, 0x0102030405060708ULL) == 0);
	CHECK(ibuf_size(b) == sizeof(want));
	CHECK(memcmp(ibuf_data(b), want, sizeof(want)) == 0);
	errno = 0;
	CHECK(ibuf_add_n8(b, 0x100) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(ibuf_add_n16(b, 0x10000) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(ibuf_add_n32(b, 0x100000000ULL) == -1 && errno == EINVAL);
	CHECK(ibuf_size(b) == sizeof(want));
	ibuf_free(b);
	return 0;
 fail:
	return -1;
}

static int
t_ibuf_host_order(void)
{
	struct ibuf	*b;
	uint16_t	 v16 = 0x1234;
	uint32_t	 v32 = 0x56789abc;
	uint64_t	 v64 = 0x0123456789abcdefULL;
	unsigned char	 want[14];

	memcpy(want, &v16, 2);
	memcpy(want + 2, &v32, 4);
	memcpy(want + 6, &v64, 8);
	CHECK((b = ibuf_open(14)) != NULL);
	CHECK(ibuf_add_h16(b, v16) == 0);
	CHECK(ibuf_add_h32(b, v32) == 0);
	CHECK(ibuf_add_h64(b, v64) == 0);
	CHECK(memcmp(ibuf_data(b), want, sizeof(want)) == 0);
	errno = 0;
	CHECK(ibuf_add_h16(b, 0x10000) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(ibuf_add_h32(b, 0x100000000ULL) == -1 && errno == EINVAL);
	ibuf_free(b);
	return 0;
 fail:
	return -1;
}

static int
t_ibuf_getters(void)
{
	struct ibuf	 b;
	unsigned char	 raw[] = { 0xab, 0x12, 0x34, 0x01, 0x02, 0x03, 0x04,
	    0, 0, 0, 0, 0x11, 0x22, 0x33 };
	uint8_t		 v8;
	uint16_t	 v16;
	uint32_t	 v32, h32, want;
	uint64_t	 v64;

	memcpy(&want, raw + 7, 4);
	ibuf_from_buffer(&b, raw, sizeof(raw));
	CHECK(ibuf_size(&b) == sizeof(raw));
	CHECK(ibuf_get_n8(&b, &v8) == 0 && v8 == 0xab);
	CHECK(ibuf_get_n16(&b, &v16) == 0 && v16 == 0x1234);
	CHECK(ibuf_get_n32(&b, &v32) == 0 && v32 == 0x01020304);
	CHECK(ibuf_get_h32(&b, &h32) == 0 && h32 == want);
	CHECK(ibuf_size(&b) == 3);

	/* short data: EBADMSG and nothing consumed */
	errno = 0;
	CHECK(ibuf_get_n32(&b, &v32) == -1 && errno == EBADMSG);
	errno = 0;
	CHECK(ibuf_get_h32(&b, &v32) == -1 && errno == EBADMSG);
	errno = 0;
	CHECK(ibuf_get_n64(&b, &v64) == -1 && errno == EBADMSG);
	errno = 0;
	CHECK(ibuf_skip(&b, 4) == -1 && errno == EBADMSG);
	CHECK(ibuf_size(&b) == 3);
	CHECK(ibuf_get_n16(&b, &v16) == 0 && v16 == 0x1122);
	errno = 0;
	CHECK(ibuf_get_n16(&b, &v16) == -1 && errno == EBADMSG);
	CHECK(ibuf_get_h16(&b, &v16) == -1 && errno == EBADMSG);
	CHECK(ibuf_skip(&b, 1) == 0 && ibuf_size(&b) == 0);

	ibuf_rewind(&b);
	CHECK(ibuf_size(&b) == sizeof(raw));
	CHECK(ibuf_skip(&b, 3) == 0);
	CHECK(ibuf_get_n64(&b, &v64) == 0);
	CHECK(v64 == 0x0102030400000000ULL);
	return 0;
 fail:
	return -1;
}

static int
t_ibuf_setters(void)
{
	struct ibuf	*b;
	unsigned char	*d;
	uint16_t	 h16 = 0x7788;

	CHECK((b = ibuf_open(8)) != NULL);
	CHECK(ibuf_add_zero(b, 8) == 0);
	CHECK(ibuf_set_n16(b, 0, 0xabcd) == 0);
	CHECK(ibuf_set_n32(b, 2, 0x11223344) == 0);
	CHECK(ibuf_set_h16(b, 6, h16) == 0);
	d = ibuf_data(b);
	CHECK(d[0] == 0xab && d[1] == 0xcd);
	CHECK(d[2] == 0x11 && d[3] == 0x22 && d[4] == 0x33 && d[5] == 0x44);
	CHECK(memcmp(d + 6, &h16, 2) == 0);
	CHECK(ibuf_set_n8(b, 7, 0x99) == 0 && d[7] == 0x99);
	CHECK(ibuf_set_h32(b, 4, 0) == 0);
	CHECK(d[4] == 0 && d[7] == 0);

	/* only written bytes can be overwritten */
	errno = 0;
	CHECK(ibuf_set_n32(b, 6, 1) == -1 && errno == ERANGE);
	errno = 0;
	CHECK(ibuf_set_n16(b, 8, 1) == -1 && errno == ERANGE);
	errno = 0;
	CHECK(ibuf_set_n16(b, 0, 0x10000) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(ibuf_set_n8(b, 0, 0x100) == -1 && errno == EINVAL);
	CHECK(ibuf_seek(b, 4, 4) == d + 4);
	errno = 0;
	CHECK(ibuf_seek(b, 5, 4) == NULL && errno == ERANGE);
	CHECK(ibuf_set(b, 1, "xy", 2) == 0 && memcmp(d + 1, "xy", 2) == 0);
	ibuf_free(b);
	return 0;
 fail:
	return -1;
}

static int
t_ibuf_limits(void)
{
	struct ibuf	*b = NULL;
	unsigned char	*r;
	size_t		 i;

	CHECK((b = ibuf_open(4)) != NULL);
	CHECK(ibuf_left(b) == 4);
	CHECK(ibuf_add(b, "abcd", 4) == 0);
	CHECK(ibuf_left(b) == 0);
	errno = 0;
	CHECK(ibuf_add(b, "e", 1) == -1 && errno == ERANGE);
	CHECK(ibuf_size(b) == 4);
	ibuf_free(b);

	CHECK((b = ibuf_dynamic(2, 100)) != NULL);
	for (i = 0; i < 100; i++)
		CHECK(ibuf_add_n8(b, i) == 0);
	CHECK(ibuf_size(b) == 100 && ibuf_left(b) == 0);
	errno = 0;
	CHECK(ibuf_add_n8(b, 0) == -1 && errno == ERANGE);
	for (i = 0; i < 100; i++)
		CHECK(((unsigned char *)ibuf_data(b))[i] == i);
	CHECK(ibuf_truncate(b, 10) == 0 && ibuf_size(b) == 10);
	CHECK(ibuf_truncate(b, 20) == 0 && ibuf_size(b) == 20);
	CHECK(((unsigned char *)ibuf_data(b))[15] == 0);
	CHECK((r = ibuf_reserve(b, 5)) != NULL);
	CHECK(r[0] == 0 && r[4] == 0 && ibuf_size(b) == 25);
	errno = 0;
	CHECK(ibuf_reserve(b, 76) == NULL && errno == ERANGE);
	ibuf_free(b);
	b = NULL;

	errno = 0;
	CHECK(ibuf_dynamic(10, 5) == NULL && errno == EINVAL);
	errno = 0;
	CHECK(ibuf_dynamic(0, 0) == NULL && errno == EINVAL);
	return 0;
 fail:
	ibuf_free(b);
	return -1;
}

static int
t_ibuf_strings(void)
{
	struct ibuf	*b = NULL;
	char		 s[8], *str = NULL;

	CHECK((b = ibuf_dynamic(0, 64)) != NULL);
	CHECK(ibuf_add_strbuf(b, "abc", 8) == 0);
	CHECK(ibuf_size(b) == 8);
	CHECK(memcmp(ibuf_data(b), "abc\0\0\0\0\0", 8) == 0);
	errno = 0;
	CHECK(ibuf_add_strbuf(b, "abcdefgh", 8) == -1 && errno == EOVERFLOW);
	CHECK(ibuf_size(b) == 8);
	CHECK(ibuf_add(b, "xyzw", 4) == 0);
	CHECK(ibuf_get_strbuf(b, s, sizeof(s)) == 0 && strcmp(s, "abc") == 0);
	CHECK((str = ibuf_get_string(b, 3)) != NULL);
	CHECK(strcmp(str, "xyz") == 0);
	errno = 0;
	CHECK(ibuf_get_string(b, 2) == NULL && errno == EBADMSG);
	CHECK(ibuf_size(b) == 1);
	free(str);
	ibuf_free(b);
	return 0;
 fail:
	free(str);
	ibuf_free(b);
	return -1;
}

static int
t_ibuf_views(void)
{
	struct ibuf	*b = NULL, v, w;
	char		 raw[] = "0123456789";

	ibuf_from_buffer(&v, raw, 10);
	CHECK(ibuf_size(&v) == 10 && ibuf_data(&v) == raw);
	CHECK(ibuf_left(&v) == 0);
	CHECK(ibuf_get_ibuf(&v, 4, &w) == 0);
	CHECK(ibuf_size(&w) == 4 && ibuf_data(&w) == raw);
	CHECK(ibuf_size(&v) == 6);
	errno = 0;
	CHECK(ibuf_get_ibuf(&v, 7, &w) == -1 && errno == EBADMSG);
	ibuf_from_ibuf(&w, &v);
	CHECK(ibuf_size(&w) == 6 && ibuf_data(&w) == raw + 4);
	CHECK((b = ibuf_open(6)) != NULL);
	CHECK(ibuf_add_ibuf(b, &w) == 0);
	CHECK(memcmp(ibuf_data(b), "456789", 6) == 0);
	ibuf_free(b);
	return 0;
 fail:
	ibuf_free(b);
	return -1;
}

static int
t_ibuf_fd(void)
{
	struct ibuf	*b = NULL;
	int		 p[2] = { -1, -1 }, q[2] = { -1, -1 }, fd;

	CHECK(mkpipe(p) == 0);
	CHECK(mkpipe(q) == 0);
	CHECK((b = ibuf_open(1)) != NULL);
	CHECK(!ibuf_fd_avail(b));
	CHECK(ibuf_fd_get(b) == -1);
	ibuf_fd_set(b, p[1]);
	CHECK(ibuf_fd_avail(b));
	CHECK((fd = ibuf_fd_get(b)) == p[1]);
	CHECK(!ibuf_fd_avail(b));
	ibuf_fd_set(b, p[1]);
	ibuf_fd_set(b, q[1]);		/* replaces and closes p[1] */
	p[1] = -1;
	CHECK(pipe_eof(p[0]));
	errno = EDOM;
	ibuf_free(b);			/* closes q[1] */
	b = NULL;
	q[1] = -1;
	CHECK(errno == EDOM);
	CHECK(pipe_eof(q[0]));
	errno = EDOM;
	ibuf_free(NULL);
	CHECK(errno == EDOM);
	close(p[0]);
	close(q[0]);
	return 0;
 fail:
	ibuf_free(b);
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	if (q[0] != -1)
		close(q[0]);
	if (q[1] != -1)
		close(q[1]);
	return -1;
}

static int
t_ibufq(void)
{
	struct ibufqueue	*q = NULL, *r = NULL;
	struct ibuf		*b;
	int			 i;

	CHECK((q = ibufq_new()) != NULL);
	CHECK((r = ibufq_new()) != NULL);
	for (i = 0; i < 3; i++) {
		CHECK((b = ibuf_open(1)) != NULL);
		CHECK(ibuf_add_n8(b, i) == 0);
		ibufq_push(i < 2 ? q : r, b);
	}
	CHECK(ibufq_queuelen(q) == 2 && ibufq_queuelen(r) == 1);
	ibufq_concat(q, r);
	CHECK(ibufq_queuelen(q) == 3 && ibufq_queuelen(r) == 0);
	CHECK((b = ibufq_pop(q)) != NULL);
	CHECK(*(unsigned char *)ibuf_data(b) == 0);
	ibuf_free(b);
	CHECK(ibufq_queuelen(q) == 2);
	ibufq_flush(q);
	CHECK(ibufq_queuelen(q) == 0 && ibufq_pop(q) == NULL);
	ibufq_free(q);
	ibufq_free(r);
	return 0;
 fail:
	ibufq_free(q);
	ibufq_free(r);
	return -1;
}

static int
t_no_fd_leaks(void)
{
	CHECK(count_fds() == initial_fds);
	return 0;
 fail:
	return -1;
}

static const struct tcase cases[] = {
	{ "wire_format", t_wire_format },
	{ "header_roundtrip", t_header_roundtrip },
	{ "payload_0", t_payload_0 },
	{ "payload_1", t_payload_1 },
	{ "payload_max", t_payload_max },
	{ "payload_max_plus_1_erange", t_payload_max_plus_1 },
	{ "maxsize_raised_both_ends", t_maxsize_raised },
	{ "reassembly_byte_at_a_time", t_byte_at_a_time },
	{ "many_small_one_read", t_many_small_one_read },
	{ "fdpass_on_on", t_fdpass_on_on },
	{ "fdpass_off_sender", t_fdpass_off_sender },
	{ "fdpass_off_receiver", t_fdpass_off_receiver },
	{ "fdpass_off_off", t_fdpass_off_off },
	{ "fd_one_per_write", t_fd_per_message },
	{ "fd_after_partial_payload", t_fd_after_partial_payload },
	{ "fd_after_partial_header", t_fd_after_partial_header },
	{ "fd_header_split_across_reads", t_fd_header_split_across_reads },
	{ "fd_message_partial_write", t_fd_message_partial_write },
	{ "fd_extra_fds_closed", t_fd_extra_fds_closed },
	{ "fd_mark_without_fd", t_fd_mark_without_fd },
	{ "unclaimed_fd_closed_by_imsg_free", t_unclaimed_fd_closed },
	{ "eof_returns_0", t_eof },
	{ "write_closed_peer_epipe", t_write_epipe },
	{ "queuelen_accounting", t_queuelen },
	{ "partial_write_resumes", t_partial_write_resumes },
	{ "forward_drops_fd", t_forward_drops_fd },
	{ "get_data_exact_size", t_get_data_exact },
	{ "get_strbuf_nul", t_get_strbuf_nul },
	{ "get_buf_and_len", t_get_buf_len },
	{ "get_ibuf_typed_getters", t_get_ibuf },
	{ "hostile_header_erange", t_hostile_header },
	{ "compose_variants", t_compose_variants },
	{ "imsg_set_maxsize", t_imsg_set_maxsize },
	{ "imsg_ibufq_push_pop", t_imsg_ibufq },
	{ "imsgbuf_clear", t_clear },
	{ "ibuf_network_order", t_ibuf_network_order },
	{ "ibuf_host_order", t_ibuf_host_order },
	{ "ibuf_getters_short_data", t_ibuf_getters },
	{ "ibuf_setters", t_ibuf_setters },
	{ "ibuf_limits", t_ibuf_limits },
	{ "ibuf_strings", t_ibuf_strings },
	{ "ibuf_views", t_ibuf_views },
	{ "ibuf_fd", t_ibuf_fd },
	{ "ibufq", t_ibufq },
	{ "no_fd_leaks", t_no_fd_leaks },
};

int
main(void)
{
	size_t		 i;
	int		 nfail = 0;

	initial_fds = count_fds();
	for (i = 0; i < nitems(cases); i++) {
		detail[0] = '\0';
		if (cases[i].fn() == 0)
			printf("ok - %s\n", cases[i].name);
		else {
			printf("not ok - %s: %s\n", cases[i].name, detail);
			nfail++;
		}
		fflush(stdout);
	}
	return nfail > 0 ? 1 : 0;
}
