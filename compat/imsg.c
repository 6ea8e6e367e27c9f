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
 * imsg channels on top of imsg-buffer.c.  Wire format, native byte
 * order: u32 type, u32 len (header included; bit 31 set when an fd rides
 * along), u32 peerid, u32 pid, then len - 16 payload bytes.  A received
 * message is one ibuf holding header and payload; struct imsg points
 * into it, its read position just past the header.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat/imsg.h"

#define IMSGBUF_FDPASS	0x01		/* imsgbuf->flags */
#define IMSG_FD_MARK	0x80000000U	/* in imsg_hdr.len */

static struct ibuf	*imsg_read_hdr(struct ibuf *, void *, int *);
static int		 imsg_unpack(struct ibuf *, struct imsg *);

int
imsgbuf_init(struct imsgbuf *imsgbuf, int fd)
{
	imsgbuf->w = msgbuf_new_reader(IMSG_HEADER_SIZE, imsg_read_hdr,
	    imsgbuf);
	if (imsgbuf->w == NULL)
		return -1;
	imsgbuf->pid = getpid();
	imsgbuf->maxsize = MAX_IMSGSIZE;
	imsgbuf->fd = fd;
	imsgbuf->flags = 0;
	return 0;
}

void
imsgbuf_allow_fdpass(struct imsgbuf *imsgbuf)
{
	imsgbuf->flags |= IMSGBUF_FDPASS;
}

/* max is payload; the total must leave bit 31 of len for the fd mark. */
int
imsgbuf_set_maxsize(struct imsgbuf *imsgbuf, uint32_t max)
{
	if (max > UINT32_MAX - IMSG_HEADER_SIZE) {
		errno = ERANGE;
		return -1;
	}
	if ((max + IMSG_HEADER_SIZE) & IMSG_FD_MARK) {
		errno = EINVAL;
		return -1;
	}
	imsgbuf->maxsize = max + IMSG_HEADER_SIZE;
	return 0;
}

/*
 * Reader callback: check the announced length before allocating
 * anything, then hand back an empty buffer for the whole message.
 */
static struct ibuf *
imsg_read_hdr(struct ibuf *hdrbuf, void *arg, int *fd)
{
	struct imsgbuf	*imsgbuf = arg;
	struct imsg_hdr	 hdr;
	struct ibuf	*buf;
	uint32_t	 len;

	if (ibuf_get(hdrbuf, &hdr, sizeof(hdr)) == -1)
		return NULL;
	len = hdr.len & ~IMSG_FD_MARK;
	if (len < IMSG_HEADER_SIZE || len > imsgbuf->maxsize) {
		errno = ERANGE;
		return NULL;
	}
	if ((buf = ibuf_open(len)) == NULL)
		return NULL;
	if ((hdr.len & IMSG_FD_MARK) && *fd != -1) {
		buf->fd = *fd;
		*fd = -1;
	}
	return buf;
}

int
imsgbuf_read(struct imsgbuf *imsgbuf)
{
	if (imsgbuf->flags & IMSGBUF_FDPASS)
		return msgbuf_read(imsgbuf->fd, imsgbuf->w);
	return ibuf_read(imsgbuf->fd, imsgbuf->w);
}

int
imsgbuf_write(struct imsgbuf *imsgbuf)
{
	if (imsgbuf->flags & IMSGBUF_FDPASS)
		return msgbuf_write(imsgbuf->fd, imsgbuf->w);
	return ibuf_write(imsgbuf->fd, imsgbuf->w);
}

int
imsgbuf_flush(struct imsgbuf *imsgbuf)
{
	while (imsgbuf_queuelen(imsgbuf) > 0)
		if (imsgbuf_write(imsgbuf) == -1)
			return -1;
	return 0;
}

void
imsgbuf_clear(struct imsgbuf *imsgbuf)
{
	msgbuf_free(imsgbuf->w);
	imsgbuf->w = NULL;
}

uint32_t
imsgbuf_queuelen(struct imsgbuf *imsgbuf)
{
	return msgbuf_queuelen(imsgbuf->w);
}

/* Fill in imsg from a whole-message buffer positioned at its header. */
static int
imsg_unpack(struct ibuf *buf, struct imsg *imsg)
{
	struct imsg_hdr	 hdr;

	if (ibuf_get(buf, &hdr, sizeof(hdr)) == -1)
		return -1;
	hdr.len &= ~IMSG_FD_MARK;
	imsg->hdr = hdr;
	imsg->data = ibuf_size(buf) > 0 ? ibuf_data(buf) : NULL;
	imsg->buf = buf;
	return 0;
}

int
imsgbuf_get(struct imsgbuf *imsgbuf, struct imsg *imsg)
{
	struct ibuf	*buf;

	if ((buf = msgbuf_get(imsgbuf->w)) == NULL)
		return 0;
	if (imsg_unpack(buf, imsg) == -1) {
		ibuf_free(buf);
		return -1;
	}
	return 1;
}

ssize_t
imsg_get(struct imsgbuf *imsgbuf, struct imsg *imsg)
{
	int		 rv;

	if ((rv = imsgbuf_get(imsgbuf, imsg)) != 1)
		return rv;
	return imsg->hdr.len;
}

int
imsg_ibufq_pop(struct ibufqueue *bufq, struct imsg *imsg)
{
	struct ibuf	*buf;

	if ((buf = ibufq_pop(bufq)) == NULL)
		return 0;
	if (imsg_unpack(buf, imsg) == -1) {
		ibuf_free(buf);
		return -1;
	}
	return 1;
}

/* Park a received message; bufq owns it until imsg_ibufq_pop(). */
void
imsg_ibufq_push(struct ibufqueue *bufq, struct imsg *imsg)
{
	ibuf_rewind(imsg->buf);
	ibufq_push(bufq, imsg->buf);
	imsg->buf = NULL;
	imsg->data = NULL;
}

uint32_t
imsg_get_type(struct imsg *imsg)
{
	return imsg->hdr.type;
}

uint32_t
imsg_get_id(struct imsg *imsg)
{
	return imsg->hdr.peerid;
}

pid_t
imsg_get_pid(struct imsg *imsg)
{
	return imsg->hdr.pid;
}

size_t
imsg_get_len(struct imsg *imsg)
{
	if (imsg->buf == NULL)
		return 0;
	return ibuf_size(imsg->buf);
}

int
imsg_get_fd(struct imsg *imsg)
{
	if (imsg->buf == NULL)
		return -1;
	return ibuf_fd_get(imsg->buf);
}

int
imsg_get_ibuf(struct imsg *imsg, struct ibuf *ibuf)
{
	if (imsg->buf == NULL) {
		errno = EBADMSG;
		return -1;
	}
	return ibuf_get_ibuf(imsg->buf, ibuf_size(imsg->buf), ibuf);
}

/* The whole (remaining) payload, which must be exactly len bytes. */
int
imsg_get_data(struct imsg *imsg, void *data, size_t len)
{
	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	if (imsg->buf == NULL || ibuf_size(imsg->buf) != len) {
		errno = EBADMSG;
		return -1;
	}
	return ibuf_get(imsg->buf, data, len);
}

int
imsg_get_buf(struct imsg *imsg, void *data, size_t len)
{
	if (imsg->buf == NULL) {
		errno = EBADMSG;
		return -1;
	}
	return ibuf_get(imsg->buf, data, len);
}

int
imsg_get_strbuf(struct imsg *imsg, char *str, size_t len)
{
	if (imsg->buf == NULL) {
		errno = EBADMSG;
		return -1;
	}
	return ibuf_get_strbuf(imsg->buf, str, len);
}

void
imsg_free(struct imsg *imsg)
{
	ibuf_free(imsg->buf);
	imsg->buf = NULL;
	imsg->data = NULL;
}

struct ibuf *
imsg_create(struct imsgbuf *imsgbuf, uint32_t type, uint32_t id, pid_t pid,
    size_t datalen)
{
	struct imsg_hdr	 hdr;
	struct ibuf	*buf;

	if (datalen > imsgbuf->maxsize - IMSG_HEADER_SIZE) {
		errno = ERANGE;
		return NULL;
	}
	if ((buf = ibuf_dynamic(datalen + IMSG_HEADER_SIZE,
	    imsgbuf->maxsize)) == NULL)
		return NULL;

	hdr.type = type;
	hdr.len = 0;			/* set by imsg_close() */
	hdr.peerid = id;
	hdr.pid = pid != 0 ? (uint32_t)pid : (uint32_t)imsgbuf->pid;
	if (ibuf_add(buf, &hdr, sizeof(hdr)) == -1) {
		ibuf_free(buf);
		return NULL;
	}
	return buf;
}

int
imsg_add(struct ibuf *msg, const void *data, size_t datalen)
{
	if (ibuf_add(msg, data, datalen) == -1) {
		ibuf_free(msg);
		return -1;
	}
	return datalen;
}

int
imsg_set_maxsize(struct ibuf *msg, size_t max)
{
	if (max > (IMSG_FD_MARK - 1) - IMSG_HEADER_SIZE) {
		errno = ERANGE;
		return -1;
	}
	return ibuf_set_maxsize(msg, max + IMSG_HEADER_SIZE);
}

void
imsg_close(struct imsgbuf *imsgbuf, struct ibuf *msg)
{
	uint32_t	 len;

	len = ibuf_size(msg);
	if (ibuf_fd_avail(msg))
		len |= IMSG_FD_MARK;
	(void)ibuf_set_h32(msg, offsetof(struct imsg_hdr, len), len);
	ibuf_close(imsgbuf->w, msg);
}

int
imsg_compose(struct imsgbuf *imsgbuf, uint32_t type, uint32_t id, pid_t pid,
    int fd, const void *data, size_t datalen)
{
	struct ibuf	*msg;

	if ((msg = imsg_create(imsgbuf, type, id, pid, datalen)) == NULL)
		return -1;
	if (ibuf_add(msg, data, datalen) == -1) {
		ibuf_free(msg);
		return -1;
	}
	ibuf_fd_set(msg, fd);
	imsg_close(imsgbuf, msg);
	return 1;
}

int
imsg_composev(struct imsgbuf *imsgbuf, uint32_t type, uint32_t id, pid_t pid,
    int fd, const struct iovec *iov, int iovcnt)
{
	struct ibuf	*msg;
	size_t		 datalen = 0;
	int		 i;

	if (iovcnt < 0) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > SIZE_MAX - datalen) {
			errno = ERANGE;
			return -1;
		}
		datalen += iov[i].iov_len;
	}
	if ((msg = imsg_create(imsgbuf, type, id, pid, datalen)) == NULL)
		return -1;
	for (i = 0; i < iovcnt; i++) {
		if (ibuf_add(msg, iov[i].iov_base, iov[i].iov_len) == -1) {
			ibuf_free(msg);
			return -1;
		}
	}
	ibuf_fd_set(msg, fd);
	imsg_close(imsgbuf, msg);
	return 1;
}

/*
 * Queue a header buffer followed by buf itself, saving a copy.  buf is
 * ours whatever happens; a descriptor on it would not travel with this
 * message, so it is closed.
 */
int
imsg_compose_ibuf(struct imsgbuf *imsgbuf, uint32_t type, uint32_t id,
    pid_t pid, struct ibuf *buf)
{
	struct ibuf	*hdrbuf;
	size_t		 len;

	len = ibuf_size(buf);
	if (len > imsgbuf->maxsize - IMSG_HEADER_SIZE) {
		errno = ERANGE;
		goto fail;
	}
	if ((hdrbuf = imsg_create(imsgbuf, type, id, pid, 0)) == NULL)
		goto fail;
	(void)ibuf_set_h32(hdrbuf, offsetof(struct imsg_hdr, len),
	    len + IMSG_HEADER_SIZE);
	ibuf_fd_set(buf, -1);
	ibuf_close(imsgbuf->w, hdrbuf);
	ibuf_close(imsgbuf->w, buf);
	return 1;

 fail:
	ibuf_free(buf);
	return -1;
}

/*
 * Send a copy of a received message (whole payload, whatever has been
 * read of it) on another channel.  Its fd stays with the original.
 */
int
imsg_forward(struct imsgbuf *imsgbuf, struct imsg *imsg)
{
	struct ibuf	 payload;
	struct ibuf	*msg;
	size_t		 len = 0;

	if (imsg->buf != NULL && imsg->buf->wpos > IMSG_HEADER_SIZE)
		len = imsg->buf->wpos - IMSG_HEADER_SIZE;
	if ((msg = imsg_create(imsgbuf, imsg->hdr.type, imsg->hdr.peerid,
	    imsg->hdr.pid, len)) == NULL)
		return -1;
	if (len > 0) {
		ibuf_from_buffer(&payload,
		    imsg->buf->buf + IMSG_HEADER_SIZE, len);
		if (ibuf_add_ibuf(msg, &payload) == -1) {
			ibuf_free(msg);
			return -1;
		}
	}
	imsg_close(imsgbuf, msg);
	return 1;
}
