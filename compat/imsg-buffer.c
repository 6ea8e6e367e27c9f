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
 * Buffers (struct ibuf), buffer queues and the framed stream reader and
 * gathering writer underneath imsg.
 *
 * Memory layout: an ibuf and its initial storage come from one
 * allocation, the storage right behind the struct.  Only when a dynamic
 * buffer outgrows that storage does it move to a separate allocation.
 * So composing or receiving a message costs one malloc and one free.
 *
 * An ibuf made by ibuf_from_buffer() describes somebody else's memory; it
 * is recognised by IBUF_FD_VIEW in the fd field.  It can be read and
 * overwritten in place but never grows, is never freed and never holds a
 * descriptor.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat/imsg.h"

#ifndef IOV_MAX
#define IOV_MAX		1024
#endif

#define IBUF_FD_VIEW	(-2)

struct ibufqueue {
	TAILQ_HEAD(, ibuf)	 bufs;
	uint32_t		 queued;
};

struct msgbuf {
	struct ibufqueue	 bufs;		/* output, oldest first */
	struct ibufqueue	 rbufs;		/* complete input messages */
	unsigned char		*rbuf;		/* IBUF_READ_SIZE bytes */
	struct ibuf		*rpmsg;		/* message being reassembled */
	struct ibuf		*(*readhdr)(struct ibuf *, void *, int *);
	void			*rarg;
	size_t			 hdrsize;
	size_t			 roff;		/* partial header in rbuf */
	int			 rfd;		/* fd that came with them */
	int			 notsock;	/* write with writev() */
};

static struct ibuf	*ibuf_alloc(size_t, size_t);
static int		 ibuf_grow(struct ibuf *, size_t);
static unsigned char	*ibuf_extend(struct ibuf *, size_t);
static void		 ibufq_init(struct ibufqueue *);
static void		 msgbuf_drain(struct msgbuf *, size_t);
static int		 msgbuf_gather(struct msgbuf *, struct iovec *, int,
			    struct ibuf **);
static int		 msgbuf_send(int, struct msgbuf *, int);
static int		 msgbuf_take_fd(struct msghdr *);
static int		 msgbuf_recv(int, struct msgbuf *, int);
static int		 msgbuf_frame(struct msgbuf *, size_t, int);

static inline int
ibuf_is_inline(const struct ibuf *buf)
{
	return buf->buf == (const unsigned char *)(buf + 1);
}

static struct ibuf *
ibuf_alloc(size_t len, size_t max)
{
	struct ibuf	*buf;

	if (len > SIZE_MAX - sizeof(*buf)) {
		errno = ENOMEM;
		return NULL;
	}
	if ((buf = malloc(sizeof(*buf) + len)) == NULL)
		return NULL;
	buf->buf = len > 0 ? (unsigned char *)(buf + 1) : NULL;
	buf->size = len;
	buf->max = max;
	buf->wpos = 0;
	buf->rpos = 0;
	buf->fd = -1;
	return buf;
}

struct ibuf *
ibuf_open(size_t len)
{
	if (len == 0) {
		errno = EINVAL;
		return NULL;
	}
	return ibuf_alloc(len, len);
}

struct ibuf *
ibuf_dynamic(size_t len, size_t max)
{
	if (max == 0 || max < len) {
		errno = EINVAL;
		return NULL;
	}
	return ibuf_alloc(len, max);
}

/*
 * Make room for at least need more bytes after wpos; the caller checked
 * the limit.  Grows by doubling to keep repeated small appends cheap.
 */
static int
ibuf_grow(struct ibuf *buf, size_t need)
{
	unsigned char	*nb;
	size_t		 nsize;

	nsize = buf->wpos + need;
	if (buf->size <= buf->max / 2 && nsize < buf->size * 2)
		nsize = buf->size * 2;
	if (nsize > buf->max)
		nsize = buf->max;

	if (buf->buf == NULL || ibuf_is_inline(buf)) {
		if ((nb = calloc(1, nsize)) == NULL)
			return -1;
		if (buf->buf != NULL) {
			memcpy(nb, buf->buf, buf->wpos);
			explicit_bzero(buf->buf, buf->size);
		}
	} else {
		nb = recallocarray(buf->buf, buf->size, nsize, 1);
		if (nb == NULL)
			return -1;
	}
	buf->buf = nb;
	buf->size = nsize;
	return 0;
}

/* Append len bytes of uninitialised space; NULL with ERANGE past max. */
static unsigned char *
ibuf_extend(struct ibuf *buf, size_t len)
{
	unsigned char	*p;

	if (buf->fd == IBUF_FD_VIEW) {
		errno = EINVAL;
		return NULL;
	}
	if (buf->wpos > buf->max || len > buf->max - buf->wpos) {
		errno = ERANGE;
		return NULL;
	}
	if (len > buf->size - buf->wpos && ibuf_grow(buf, len) == -1)
		return NULL;
	p = buf->buf + buf->wpos;
	buf->wpos += len;
	return p;
}

void *
ibuf_reserve(struct ibuf *buf, size_t len)
{
	unsigned char	*p;

	if ((p = ibuf_extend(buf, len)) == NULL)
		return NULL;
	if (len > 0)
		memset(p, 0, len);
	return p;
}

int
ibuf_add(struct ibuf *buf, const void *data, size_t len)
{
	unsigned char	*p;

	if ((p = ibuf_extend(buf, len)) == NULL)
		return -1;
	if (len > 0)
		memcpy(p, data, len);
	return 0;
}

int
ibuf_add_ibuf(struct ibuf *buf, const struct ibuf *from)
{
	return ibuf_add(buf, ibuf_data(from), ibuf_size(from));
}

int
ibuf_add_zero(struct ibuf *buf, size_t len)
{
	return ibuf_reserve(buf, len) == NULL ? -1 : 0;
}

int
ibuf_add_n8(struct ibuf *buf, uint64_t value)
{
	uint8_t		 v;

	if (value > UINT8_MAX) {
		errno = EINVAL;
		return -1;
	}
	v = value;
	return ibuf_add(buf, &v, sizeof(v));
}

int
ibuf_add_n16(struct ibuf *buf, uint64_t value)
{
	uint16_t	 v;

	if (value > UINT16_MAX) {
		errno = EINVAL;
		return -1;
	}
	v = htobe16(value);
	return ibuf_add(buf, &v, sizeof(v));
}

int
ibuf_add_n32(struct ibuf *buf, uint64_t value)
{
	uint32_t	 v;

	if (value > UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	v = htobe32(value);
	return ibuf_add(buf, &v, sizeof(v));
}

int
ibuf_add_n64(struct ibuf *buf, uint64_t value)
{
	uint64_t	 v;

	v = htobe64(value);
	return ibuf_add(buf, &v, sizeof(v));
}

int
ibuf_add_h16(struct ibuf *buf, uint64_t value)
{
	uint16_t	 v;

	if (value > UINT16_MAX) {
		errno = EINVAL;
		return -1;
	}
	v = value;
	return ibuf_add(buf, &v, sizeof(v));
}

int
ibuf_add_h32(struct ibuf *buf, uint64_t value)
{
	uint32_t	 v;

	if (value > UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	v = value;
	return ibuf_add(buf, &v, sizeof(v));
}

int
ibuf_add_h64(struct ibuf *buf, uint64_t value)
{
	return ibuf_add(buf, &value, sizeof(value));
}

/* A fixed-size string field: str, then NULs up to len; must fit with one. */
int
ibuf_add_strbuf(struct ibuf *buf, const char *str, size_t len)
{
	unsigned char	*p;
	size_t		 slen;

	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	if ((slen = strnlen(str, len)) == len) {
		errno = EOVERFLOW;
		return -1;
	}
	if ((p = ibuf_extend(buf, len)) == NULL)
		return -1;
	memcpy(p, str, slen);
	memset(p + slen, 0, len - slen);
	return 0;
}

/* Positions are relative to the unread data (rpos) and must lie before wpos. */
void *
ibuf_seek(struct ibuf *buf, size_t pos, size_t len)
{
	size_t		 have;

	have = ibuf_size(buf);
	if (pos > have || len > have - pos) {
		errno = ERANGE;
		return NULL;
	}
	return buf->buf + buf->rpos + pos;
}

int
ibuf_set(struct ibuf *buf, size_t pos, const void *data, size_t len)
{
	void		*p;

	if ((p = ibuf_seek(buf, pos, len)) == NULL)
		return -1;
	if (len > 0)
		memcpy(p, data, len);
	return 0;
}

int
ibuf_set_n8(struct ibuf *buf, size_t pos, uint64_t value)
{
	uint8_t		 v;

	if (value > UINT8_MAX) {
		errno = EINVAL;
		return -1;
	}
	v = value;
	return ibuf_set(buf, pos, &v, sizeof(v));
}

int
ibuf_set_n16(struct ibuf *buf, size_t pos, uint64_t value)
{
	uint16_t	 v;

	if (value > UINT16_MAX) {
		errno = EINVAL;
		return -1;
	}
	v = htobe16(value);
	return ibuf_set(buf, pos, &v, sizeof(v));
}

int
ibuf_set_n32(struct ibuf *buf, size_t pos, uint64_t value)
{
	uint32_t	 v;

	if (value > UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	v = htobe32(value);
	return ibuf_set(buf, pos, &v, sizeof(v));
}

int
ibuf_set_n64(struct ibuf *buf, size_t pos, uint64_t value)
{
	uint64_t	 v;

	v = htobe64(value);
	return ibuf_set(buf, pos, &v, sizeof(v));
}

int
ibuf_set_h16(struct ibuf *buf, size_t pos, uint64_t value)
{
	uint16_t	 v;

	if (value > UINT16_MAX) {
		errno = EINVAL;
		return -1;
	}
	v = value;
	return ibuf_set(buf, pos, &v, sizeof(v));
}

int
ibuf_set_h32(struct ibuf *buf, size_t pos, uint64_t value)
{
	uint32_t	 v;

	if (value > UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	v = value;
	return ibuf_set(buf, pos, &v, sizeof(v));
}

int
ibuf_set_h64(struct ibuf *buf, size_t pos, uint64_t value)
{
	return ibuf_set(buf, pos, &value, sizeof(value));
}

/* Change the growth limit; it may not fall below what is already written. */
int
ibuf_set_maxsize(struct ibuf *buf, size_t max)
{
	if (buf->fd == IBUF_FD_VIEW) {
		errno = EINVAL;
		return -1;
	}
	if (max < buf->wpos) {
		errno = ERANGE;
		return -1;
	}
	buf->max = max;
	return 0;
}

void *
ibuf_data(const struct ibuf *buf)
{
	return buf->buf + buf->rpos;
}

size_t
ibuf_size(const struct ibuf *buf)
{
	return buf->wpos - buf->rpos;
}

size_t
ibuf_left(const struct ibuf *buf)
{
	if (buf->fd == IBUF_FD_VIEW || buf->wpos > buf->max)
		return 0;
	return buf->max - buf->wpos;
}

int
ibuf_truncate(struct ibuf *buf, size_t len)
{
	if (ibuf_size(buf) >= len) {
		buf->wpos = buf->rpos + len;
		return 0;
	}
	if (buf->fd == IBUF_FD_VIEW) {
		errno = ERANGE;
		return -1;
	}
	return ibuf_add_zero(buf, len - ibuf_size(buf));
}

void
ibuf_rewind(struct ibuf *buf)
{
	buf->rpos = 0;
}

void
ibuf_from_buffer(struct ibuf *buf, void *data, size_t len)
{
	memset(buf, 0, sizeof(*buf));
	buf->buf = data;
	buf->size = len;
	buf->max = len;
	buf->wpos = len;
	buf->fd = IBUF_FD_VIEW;
}

void
ibuf_from_ibuf(struct ibuf *buf, const struct ibuf *from)
{
	ibuf_from_buffer(buf, ibuf_data(from), ibuf_size(from));
}

int
ibuf_get(struct ibuf *buf, void *data, size_t len)
{
	if (ibuf_size(buf) < len) {
		errno = EBADMSG;
		return -1;
	}
	if (len > 0)
		memcpy(data, ibuf_data(buf), len);
	buf->rpos += len;
	return 0;
}

int
ibuf_get_ibuf(struct ibuf *buf, size_t len, struct ibuf *new)
{
	if (ibuf_size(buf) < len) {
		errno = EBADMSG;
		return -1;
	}
	ibuf_from_buffer(new, ibuf_data(buf), len);
	buf->rpos += len;
	return 0;
}

int
ibuf_get_n8(struct ibuf *buf, uint8_t *value)
{
	return ibuf_get(buf, value, sizeof(*value));
}

int
ibuf_get_n16(struct ibuf *buf, uint16_t *value)
{
	uint16_t	 v;

	if (ibuf_get(buf, &v, sizeof(v)) == -1)
		return -1;
	*value = be16toh(v);
	return 0;
}

int
ibuf_get_n32(struct ibuf *buf, uint32_t *value)
{
	uint32_t	 v;

	if (ibuf_get(buf, &v, sizeof(v)) == -1)
		return -1;
	*value = be32toh(v);
	return 0;
}

int
ibuf_get_n64(struct ibuf *buf, uint64_t *value)
{
	uint64_t	 v;

	if (ibuf_get(buf, &v, sizeof(v)) == -1)
		return -1;
	*value = be64toh(v);
	return 0;
}

int
ibuf_get_h16(struct ibuf *buf, uint16_t *value)
{
	return ibuf_get(buf, value, sizeof(*value));
}

int
ibuf_get_h32(struct ibuf *buf, uint32_t *value)
{
	return ibuf_get(buf, value, sizeof(*value));
}

int
ibuf_get_h64(struct ibuf *buf, uint64_t *value)
{
	return ibuf_get(buf, value, sizeof(*value));
}

/* Consume len bytes and return them as a new NUL-terminated string. */
char *
ibuf_get_string(struct ibuf *buf, size_t len)
{
	char		*str;

	if (ibuf_size(buf) < len) {
		errno = EBADMSG;
		return NULL;
	}
	if ((str = strndup(ibuf_data(buf), len)) == NULL)
		return NULL;
	buf->rpos += len;
	return str;
}

/* Consume a fixed-size string field; its last byte must be NUL. */
int
ibuf_get_strbuf(struct ibuf *buf, char *str, size_t len)
{
	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	if (ibuf_get(buf, str, len) == -1)
		return -1;
	if (str[len - 1] != '\0') {
		str[len - 1] = '\0';
		errno = EOVERFLOW;
		return -1;
	}
	return 0;
}

int
ibuf_skip(struct ibuf *buf, size_t len)
{
	if (ibuf_size(buf) < len) {
		errno = EBADMSG;
		return -1;
	}
	buf->rpos += len;
	return 0;
}

void
ibuf_free(struct ibuf *buf)
{
	int		 saved_errno;

	if (buf == NULL)
		return;
	if (buf->fd == IBUF_FD_VIEW)
		abort();
	saved_errno = errno;
	if (buf->fd >= 0)
		close(buf->fd);
	if (buf->buf != NULL && ibuf_is_inline(buf))
		freezero(buf, sizeof(*buf) + buf->size);
	else {
		if (buf->buf != NULL)
			freezero(buf->buf, buf->size);
		freezero(buf, sizeof(*buf));
	}
	errno = saved_errno;
}

int
ibuf_fd_avail(struct ibuf *buf)
{
	return buf->fd >= 0;
}

int
ibuf_fd_get(struct ibuf *buf)
{
	int		 fd;

	if (buf->fd < 0)
		return -1;
	fd = buf->fd;
	buf->fd = -1;
	return fd;
}

void
ibuf_fd_set(struct ibuf *buf, int fd)
{
	if (buf->fd == IBUF_FD_VIEW)
		abort();
	if (buf->fd >= 0)
		close(buf->fd);
	buf->fd = fd >= 0 ? fd : -1;
}

/* Queues. */

static void
ibufq_init(struct ibufqueue *bufq)
{
	TAILQ_INIT(&bufq->bufs);
	bufq->queued = 0;
}

struct ibufqueue *
ibufq_new(void)
{
	struct ibufqueue	*bufq;

	if ((bufq = malloc(sizeof(*bufq))) == NULL)
		return NULL;
	ibufq_init(bufq);
	return bufq;
}

void
ibufq_free(struct ibufqueue *bufq)
{
	if (bufq == NULL)
		return;
	ibufq_flush(bufq);
	free(bufq);
}

struct ibuf *
ibufq_pop(struct ibufqueue *bufq)
{
	struct ibuf	*buf;

	if ((buf = TAILQ_FIRST(&bufq->bufs)) == NULL)
		return NULL;
	TAILQ_REMOVE(&bufq->bufs, buf, entry);
	bufq->queued--;
	return buf;
}

void
ibufq_push(struct ibufqueue *bufq, struct ibuf *buf)
{
	/* views live on the caller's stack; queueing one is a bug */
	if (buf->fd == IBUF_FD_VIEW)
		abort();
	TAILQ_INSERT_TAIL(&bufq->bufs, buf, entry);
	bufq->queued++;
}

uint32_t
ibufq_queuelen(struct ibufqueue *bufq)
{
	return bufq->queued;
}

void
ibufq_concat(struct ibufqueue *to, struct ibufqueue *from)
{
	TAILQ_CONCAT(&to->bufs, &from->bufs, entry);
	to->queued += from->queued;
	from->queued = 0;
}

void
ibufq_flush(struct ibufqueue *bufq)
{
	struct ibuf	*buf;

	while ((buf = ibufq_pop(bufq)) != NULL)
		ibuf_free(buf);
}

/* Message buffers: an output queue plus, for readers, a framer. */

struct msgbuf *
msgbuf_new(void)
{
	struct msgbuf	*msgbuf;

	if ((msgbuf = calloc(1, sizeof(*msgbuf))) == NULL)
		return NULL;
	ibufq_init(&msgbuf->bufs);
	ibufq_init(&msgbuf->rbufs);
	msgbuf->rfd = -1;
	return msgbuf;
}

/*
 * A reader frames the byte stream into messages.  Once hdrsize bytes of
 * a new message are available, readhdr() is called with a view of them,
 * the caller's argument and a pointer to a received fd (which it may
 * take, setting it to -1).  It returns a fresh ibuf whose room (ibuf_left)
 * is the whole message, header included, or NULL with errno set to fail
 * the read.  Complete messages are returned by msgbuf_get().
 */
struct msgbuf *
msgbuf_new_reader(size_t hdrsize,
    struct ibuf *(*readhdr)(struct ibuf *, void *, int *), void *arg)
{
	struct msgbuf	*msgbuf;

	if (hdrsize == 0 || hdrsize > IBUF_READ_SIZE / 2 || readhdr == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((msgbuf = msgbuf_new()) == NULL)
		return NULL;
	if ((msgbuf->rbuf = malloc(IBUF_READ_SIZE)) == NULL) {
		free(msgbuf);
		return NULL;
	}
	msgbuf->hdrsize = hdrsize;
	msgbuf->readhdr = readhdr;
	msgbuf->rarg = arg;
	return msgbuf;
}

void
msgbuf_free(struct msgbuf *msgbuf)
{
	if (msgbuf == NULL)
		return;
	msgbuf_clear(msgbuf);
	if (msgbuf->rbuf != NULL)
		freezero(msgbuf->rbuf, IBUF_READ_SIZE);
	free(msgbuf);
}

/* Drop queued output, queued input and any partial input. */
void
msgbuf_clear(struct msgbuf *msgbuf)
{
	ibufq_flush(&msgbuf->bufs);
	ibufq_flush(&msgbuf->rbufs);
	ibuf_free(msgbuf->rpmsg);
	msgbuf->rpmsg = NULL;
	msgbuf->roff = 0;
	if (msgbuf->rfd != -1) {
		close(msgbuf->rfd);
		msgbuf->rfd = -1;
	}
}

uint32_t
msgbuf_queuelen(struct msgbuf *msgbuf)
{
	return ibufq_queuelen(&msgbuf->bufs);
}

void
msgbuf_concat(struct msgbuf *msgbuf, struct ibufqueue *from)
{
	ibufq_concat(&msgbuf->bufs, from);
}

void
ibuf_close(struct msgbuf *msgbuf, struct ibuf *buf)
{
	ibufq_push(&msgbuf->bufs, buf);
}

struct ibuf *
msgbuf_get(struct msgbuf *msgbuf)
{
	return ibufq_pop(&msgbuf->rbufs);
}

/* Forget n bytes that went out: free what is done, advance the rest. */
static void
msgbuf_drain(struct msgbuf *msgbuf, size_t n)
{
	struct ibuf	*buf;

	while ((buf = TAILQ_FIRST(&msgbuf->bufs.bufs)) != NULL) {
		if (n < ibuf_size(buf)) {
			buf->rpos += n;
			break;
		}
		n -= ibuf_size(buf);
		TAILQ_REMOVE(&msgbuf->bufs.bufs, buf, entry);
		msgbuf->bufs.queued--;
		ibuf_free(buf);
	}
}

/*
 * Collect up to IOV_MAX queued buffers for one write.  With fdpass a
 * buffer that carries an fd must be the first of its call, so the fd
 * travels with that buffer's first byte; gathering stops before any
 * later one.  Without fdpass fds are not sent and get closed when their
 * buffer is freed.
 */
static int
msgbuf_gather(struct msgbuf *msgbuf, struct iovec *iov, int fdpass,
    struct ibuf **fdbuf)
{
	struct ibuf	*buf;
	int		 i = 0;

	*fdbuf = NULL;
	TAILQ_FOREACH(buf, &msgbuf->bufs.bufs, entry) {
		if (i >= IOV_MAX)
			break;
		if (fdpass && buf->fd >= 0) {
			if (i > 0)
				break;
			*fdbuf = buf;
		}
		iov[i].iov_base = ibuf_data(buf);
		iov[i].iov_len = ibuf_size(buf);
		i++;
	}
	return i;
}

/*
 * One gathering write.  sendmsg() with MSG_NOSIGNAL keeps a dead peer
 * from raising SIGPIPE (EPIPE instead); non-sockets get writev().
 */
static int
msgbuf_send(int fd, struct msgbuf *msgbuf, int fdpass)
{
	struct iovec	 iov[IOV_MAX];
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct ibuf	*fdbuf;
	ssize_t		 n;
	int		 i;

	if ((i = msgbuf_gather(msgbuf, iov, fdpass, &fdbuf)) == 0)
		return 0;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = i;
	if (fdbuf != NULL) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), &fdbuf->fd, sizeof(int));
	}

 again:
	if (msgbuf->notsock)
		n = writev(fd, iov, i);
	else
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	if (n == -1) {
		if (errno == EINTR)
			goto again;
		if (errno == ENOTSOCK && !msgbuf->notsock && fdbuf == NULL) {
			msgbuf->notsock = 1;
			goto again;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS)
			return 0;
		return -1;
	}

	/* the fd is gone with the first byte; never send it twice */
	if (fdbuf != NULL) {
		close(fdbuf->fd);
		fdbuf->fd = -1;
	}
	msgbuf_drain(msgbuf, n);
	return 0;
}

int
ibuf_write(int fd, struct msgbuf *msgbuf)
{
	return msgbuf_send(fd, msgbuf, 0);
}

int
msgbuf_write(int fd, struct msgbuf *msgbuf)
{
	return msgbuf_send(fd, msgbuf, 1);
}

/*
 * Split avail bytes at the start of rbuf into messages.  fd is the
 * descriptor received with them (or -1); it goes to the first header
 * that asks for one.  A descriptor left over from the previous read
 * belongs to the partial header at the start of rbuf and is offered to
 * that header only.  Bytes of an incomplete header stay in rbuf.
 */
static int
msgbuf_frame(struct msgbuf *msgbuf, size_t avail, int fd)
{
	struct ibuf	 hdr;
	size_t		 pos = 0, n;

	while (pos < avail) {
		if (msgbuf->rpmsg == NULL) {
			if (avail - pos < msgbuf->hdrsize)
				break;
			ibuf_from_buffer(&hdr, msgbuf->rbuf + pos,
			    msgbuf->hdrsize);
			if (msgbuf->rfd != -1) {
				msgbuf->rpmsg = msgbuf->readhdr(&hdr,
				    msgbuf->rarg, &msgbuf->rfd);
				if (msgbuf->rfd != -1) {
					close(msgbuf->rfd);
					msgbuf->rfd = -1;
				}
			} else
				msgbuf->rpmsg = msgbuf->readhdr(&hdr,
				    msgbuf->rarg, &fd);
			if (msgbuf->rpmsg == NULL)
				goto fail;
		}
		n = ibuf_left(msgbuf->rpmsg);
		if (n > avail - pos)
			n = avail - pos;
		if (ibuf_add(msgbuf->rpmsg, msgbuf->rbuf + pos, n) == -1)
			goto fail;
		pos += n;
		if (ibuf_left(msgbuf->rpmsg) == 0) {
			ibufq_push(&msgbuf->rbufs, msgbuf->rpmsg);
			msgbuf->rpmsg = NULL;
		}
	}

	msgbuf->roff = avail - pos;
	if (msgbuf->roff > 0 && pos > 0)
		memmove(msgbuf->rbuf, msgbuf->rbuf + pos, msgbuf->roff);
	if (fd != -1) {
		if (msgbuf->roff > 0 && msgbuf->rfd == -1)
			msgbuf->rfd = fd;
		else
			close(fd);
	}
	return 0;

 fail:
	if (fd != -1)
		close(fd);
	return -1;
}

/*
 * The first fd of the SCM_RIGHTS data in msg, or -1.  The control buffer
 * has room for one fd, but its padding can hold another: extras from a
 * peer that sent several are closed.  MSG_CTRUNC (fds the kernel could
 * not deliver, e.g. no free slot) needs nothing more: what did arrive is
 * here, and a message announcing an fd that is missing goes without.
 */
static int
msgbuf_take_fd(struct msghdr *msg)
{
	struct cmsghdr	*cmsg;
	size_t		 i, nfds;
	int		 fd = -1, tmp;

	if (msg->msg_control == NULL)
		return -1;
	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS ||
		    cmsg->cmsg_len < CMSG_LEN(0))
			continue;
		nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfds; i++) {
			memcpy(&tmp, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (fd == -1)
				fd = tmp;
			else
				close(tmp);
		}
	}
	return fd;
}

/*
 * One read into the free part of rbuf.  With fdpass, recvmsg() takes an
 * fd along (close-on-exec); without, read() makes the kernel discard any.
 */
static int
msgbuf_recv(int fd, struct msgbuf *msgbuf, int fdpass)
{
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	ssize_t		 n;

	if (msgbuf->rbuf == NULL) {
		errno = EINVAL;
		return -1;
	}
	iov.iov_base = msgbuf->rbuf + msgbuf->roff;
	iov.iov_len = IBUF_READ_SIZE - msgbuf->roff;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fdpass) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
	}

 again:
	if (fdpass)
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	else
		n = read(fd, iov.iov_base, iov.iov_len);
	if (n == -1) {
		if (errno == EINTR)
			goto again;
		if (errno == EMSGSIZE && msg.msg_control != NULL) {
			/* no fd slot here: take the data, lose the fd */
			msg.msg_control = NULL;
			msg.msg_controllen = 0;
			goto again;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 1;
		return -1;
	}
	if (n == 0)
		return 0;
	if (msgbuf_frame(msgbuf, msgbuf->roff + n, msgbuf_take_fd(&msg)) == -1)
		return -1;
	return 1;
}

int
ibuf_read(int fd, struct msgbuf *msgbuf)
{
	return msgbuf_recv(fd, msgbuf, 0);
}

int
msgbuf_read(int fd, struct msgbuf *msgbuf)
{
	return msgbuf_recv(fd, msgbuf, 1);
}
