/*
 * RSCP frames and values: parsing with a bound on every length and on
 * the nesting of containers, typed reads that go by the type byte and
 * the length on the wire (never by what a tag is documented to hold),
 * and a builder for requests.  See rscp.h for the layout.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <zlib.h>

#include "proto.h"
#include "rscp.h"

#define RSCP_MAGIC0	0xe3
#define RSCP_MAGIC1	0xdc

static int64_t	le64(const uint8_t *);
static void	put_le64(uint8_t *, int64_t);
static int	check(const uint8_t *, size_t, int, const char **);
static uint32_t	crc(const uint8_t *, size_t);
static int	room(struct rscp_builder *, size_t);

static int64_t
le64(const uint8_t *p)
{
	return ((int64_t)((uint64_t)pv_le32(p) |
	    (uint64_t)pv_le32(p + 4) << 32));
}

static void
put_le64(uint8_t *p, int64_t v)
{
	pv_put_le32(p, (uint32_t)((uint64_t)v & 0xffffffff));
	pv_put_le32(p + 4, (uint32_t)((uint64_t)v >> 32));
}

/* zlib's CRC-32 (IEEE 802.3), over at most UINT_MAX bytes at a time */
static uint32_t
crc(const uint8_t *p, size_t len)
{
	return ((uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)len));
}

int
rscp_header(const uint8_t *buf, size_t len, size_t *flen, const char **why)
{
	if (len < RSCP_HDRLEN) {
		*why = "short frame header";
		return (-1);
	}
	if (buf[0] != RSCP_MAGIC0 || buf[1] != RSCP_MAGIC1) {
		*why = "bad magic";
		return (-1);
	}
	if (buf[2] != 0 || (buf[3] & 0x0f) != RSCP_CTRL_VERSION ||
	    (buf[3] & ~(RSCP_CTRL_CRC | 0x0f)) != 0) {
		*why = "bad control field";
		return (-1);
	}
	*flen = RSCP_HDRLEN + (size_t)pv_le16(buf + 16) +
	    ((buf[3] & RSCP_CTRL_CRC) ? RSCP_CRCLEN : 0);
	return (0);
}

int
rscp_frame(const uint8_t *buf, size_t len, struct rscp_frame *fr,
    const char **why)
{
	size_t	flen, n;

	if (rscp_header(buf, len, &flen, why) == -1)
		return (-1);
	if (flen != len) {
		*why = "frame length does not match its data length";
		return (-1);
	}
	n = pv_le16(buf + 16);
	memset(fr, 0, sizeof(*fr));
	fr->crc = (buf[3] & RSCP_CTRL_CRC) != 0;
	if (fr->crc && crc(buf, RSCP_HDRLEN + n) !=
	    pv_le32(buf + RSCP_HDRLEN + n)) {
		*why = "bad CRC";
		return (-1);
	}
	fr->sec = le64(buf + 4);
	fr->nsec = pv_le32(buf + 12);
	fr->data = buf + RSCP_HDRLEN;
	fr->datalen = n;
	return (rscp_check(fr->data, fr->datalen, why));
}

/* values at nesting depth depth (0: the frame's data) */
static int
check(const uint8_t *p, size_t len, int depth, const char **why)
{
	size_t	off = 0, vlen;

	while (off < len) {
		if (len - off < RSCP_VALHDRLEN) {
			*why = "truncated value header";
			return (-1);
		}
		vlen = pv_le16(p + off + 5);
		if (vlen > len - off - RSCP_VALHDRLEN) {
			*why = "value longer than what holds it";
			return (-1);
		}
		if (p[off + 4] == RSCP_CONTAINER) {
			if (depth >= RSCP_MAXDEPTH) {
				*why = "containers nested too deep";
				return (-1);
			}
			if (check(p + off + RSCP_VALHDRLEN, vlen, depth + 1,
			    why) == -1)
				return (-1);
		}
		off += RSCP_VALHDRLEN + vlen;
	}
	return (0);
}

int
rscp_check(const uint8_t *p, size_t len, const char **why)
{
	return (check(p, len, 0, why));
}

void
rscp_iter_init(struct rscp_iter *it, const uint8_t *p, size_t len)
{
	it->p = p;
	it->len = len;
	it->off = 0;
}

/* 1: a value; 0: no more; -1: malformed (never after rscp_check) */
int
rscp_next(struct rscp_iter *it, struct rscp_value *v)
{
	const uint8_t	*p;
	size_t		 vlen;

	if (it->off >= it->len)
		return (0);
	if (it->len - it->off < RSCP_VALHDRLEN)
		return (-1);
	p = it->p + it->off;
	vlen = pv_le16(p + 5);
	if (vlen > it->len - it->off - RSCP_VALHDRLEN)
		return (-1);
	v->tag = pv_le32(p);
	v->type = p[4];
	v->len = vlen;
	v->data = p + RSCP_VALHDRLEN;
	it->off += RSCP_VALHDRLEN + vlen;
	return (1);
}

int
rscp_enter(const struct rscp_value *v, struct rscp_iter *it)
{
	if (v->type != RSCP_CONTAINER)
		return (-1);
	rscp_iter_init(it, v->data, v->len);
	return (0);
}

int
rscp_int(const struct rscp_value *v, int64_t *out)
{
	uint64_t	u;

	switch (v->type) {
	case RSCP_BOOL:
		if (v->len != 1)
			return (-1);
		*out = v->data[0] != 0;
		return (0);
	case RSCP_CHAR8:
		if (v->len != 1)
			return (-1);
		*out = (int8_t)v->data[0];
		return (0);
	case RSCP_UCHAR8:
		if (v->len != 1)
			return (-1);
		*out = v->data[0];
		return (0);
	case RSCP_INT16:
	case RSCP_UINT16:
		if (v->len != 2)
			return (-1);
		if (v->type == RSCP_INT16)
			*out = (int16_t)pv_le16(v->data);
		else
			*out = pv_le16(v->data);
		return (0);
	case RSCP_INT32:
	case RSCP_UINT32:
		if (v->len != 4)
			return (-1);
		if (v->type == RSCP_INT32)
			*out = (int32_t)pv_le32(v->data);
		else
			*out = pv_le32(v->data);
		return (0);
	case RSCP_INT64:
	case RSCP_UINT64:
		if (v->len != 8)
			return (-1);
		u = (uint64_t)le64(v->data);
		if (v->type == RSCP_UINT64 && u > INT64_MAX)
			return (-1);
		*out = (int64_t)u;
		return (0);
	default:
		return (-1);
	}
}

int
rscp_float(const struct rscp_value *v, double *out)
{
	uint32_t	u32;
	uint64_t	u64;
	float		f;
	double		d;

	if (v->type == RSCP_FLOAT32 && v->len == 4) {
		u32 = pv_le32(v->data);
		memcpy(&f, &u32, sizeof(f));
		*out = f;
		return (0);
	}
	if (v->type == RSCP_DOUBLE64 && v->len == 8) {
		u64 = (uint64_t)le64(v->data);
		memcpy(&d, &u64, sizeof(d));
		*out = d;
		return (0);
	}
	return (-1);
}

int
rscp_timestamp(const struct rscp_value *v, int64_t *sec, uint32_t *nsec)
{
	if (v->type != RSCP_TIMESTAMP || v->len != 12)
		return (-1);
	*sec = le64(v->data);
	*nsec = pv_le32(v->data + 8);
	return (0);
}

int
rscp_errcode(const struct rscp_value *v, uint32_t *code)
{
	if (v->type != RSCP_ERROR || v->len != 4)
		return (-1);
	*code = pv_le32(v->data);
	return (0);
}

const char *
rscp_errname(uint32_t code)
{
	static const char *const	names[] = {
		"unknown error", "NOT_HANDLED", "ACCESS_DENIED", "FORMAT",
		"AGAIN", "OUT_OF_BOUNDS", "NOT_AVAILABLE", "UNKNOWN_TAG",
		"ALREADY_IN_USE"
	};

	if (code >= sizeof(names) / sizeof(names[0]))
		code = 0;
	return (names[code]);
}

void
rscp_build(struct rscp_builder *b, uint8_t *buf, size_t size)
{
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->size = size;
	b->len = RSCP_HDRLEN;
	if (size < RSCP_HDRLEN + RSCP_CRCLEN)
		b->failed = 1;
}

/* room for n more bytes, the CRC kept free */
static int
room(struct rscp_builder *b, size_t n)
{
	if (b->failed || n > b->size - RSCP_CRCLEN - b->len) {
		b->failed = 1;
		return (0);
	}
	return (1);
}

void
rscp_put(struct rscp_builder *b, uint32_t tag, uint8_t type,
    const void *data, size_t n)
{
	if (n > RSCP_MAXDATA || !room(b, RSCP_VALHDRLEN + n)) {
		b->failed = 1;
		return;
	}
	pv_put_le32(b->buf + b->len, tag);
	b->buf[b->len + 4] = type;
	pv_put_le16(b->buf + b->len + 5, (uint16_t)n);
	if (n > 0)
		memcpy(b->buf + b->len + RSCP_VALHDRLEN, data, n);
	b->len += RSCP_VALHDRLEN + n;
}

void
rscp_put_string(struct rscp_builder *b, uint32_t tag, const char *s)
{
	rscp_put(b, tag, RSCP_CSTRING, s, strlen(s));
}

void
rscp_put_u16(struct rscp_builder *b, uint32_t tag, uint16_t u)
{
	uint8_t	v[2];

	pv_put_le16(v, u);
	rscp_put(b, tag, RSCP_UINT16, v, sizeof(v));
}

void
rscp_open(struct rscp_builder *b, uint32_t tag)
{
	if (b->depth >= RSCP_MAXDEPTH) {
		b->failed = 1;
		return;
	}
	b->open[b->depth] = b->len;
	rscp_put(b, tag, RSCP_CONTAINER, NULL, 0);
	if (!b->failed)
		b->depth++;
}

void
rscp_close(struct rscp_builder *b)
{
	size_t	start, n;

	if (b->failed || b->depth == 0) {
		b->failed = 1;
		return;
	}
	start = b->open[--b->depth];
	n = b->len - start - RSCP_VALHDRLEN;
	if (n > RSCP_MAXDATA) {
		b->failed = 1;
		return;
	}
	pv_put_le16(b->buf + start + 5, (uint16_t)n);
}

size_t
rscp_seal(struct rscp_builder *b, int64_t sec, uint32_t nsec)
{
	uint8_t	*p = b->buf;
	size_t	 n = b->len - RSCP_HDRLEN;

	if (b->failed || b->depth != 0 || n > RSCP_MAXDATA)
		return (0);
	p[0] = RSCP_MAGIC0;
	p[1] = RSCP_MAGIC1;
	p[2] = 0;
	p[3] = RSCP_CTRL_CRC | RSCP_CTRL_VERSION;
	put_le64(p + 4, sec);
	pv_put_le32(p + 12, nsec);
	pv_put_le16(p + 16, (uint16_t)n);
	pv_put_le32(p + b->len, crc(p, b->len));
	return (b->len + RSCP_CRCLEN);
}
