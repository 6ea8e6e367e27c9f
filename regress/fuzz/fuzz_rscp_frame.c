/*
 * libFuzzer target: the RSCP frame and value decoder (proto/rscp.c).
 * The input is tried as a frame as it is, then made a frame of its
 * own: header and CRC put right around it, so that every value layout
 * reaches the value parser.  Beyond memory errors it checks:
 *
 *  - a frame that rscp_frame() takes has a good header, the length it
 *    says, and a CRC that matches when flagged;
 *  - values that rscp_check() takes walk to their end with rscp_next()
 *    at every depth, never deeper than RSCP_MAXDEPTH, and every value
 *    lies within what holds it;
 *  - the typed reads take only the lengths their type has;
 *  - values copied through the builder (UInt16 by rscp_put_u16())
 *    come out the same bytes.
 *
 * Needs every proto/ file.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "rscp.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 walk(struct rscp_iter *, struct rscp_builder *, int);
static void	 values(const uint8_t *, size_t);
static void	 frame(const uint8_t *, size_t);

static void
reads(const struct rscp_value *v)
{
	int64_t		i, sec;
	uint32_t	ns, code;
	double		d;

	if (rscp_int(v, &i) == 0 && v->len != 1 && v->len != 2 &&
	    v->len != 4 && v->len != 8)
		abort();
	if (rscp_float(v, &d) == 0 && v->len != 4 && v->len != 8)
		abort();
	if (rscp_timestamp(v, &sec, &ns) == 0 && v->len != 12)
		abort();
	if (rscp_errcode(v, &code) == 0 &&
	    (v->len != 4 || rscp_errname(code) == NULL))
		abort();
}

/* walk and copy through the builder */
static void
walk(struct rscp_iter *it, struct rscp_builder *b, int depth)
{
	struct rscp_value	v;
	struct rscp_iter	in;
	int			r;

	if (depth > RSCP_MAXDEPTH)
		abort();
	while ((r = rscp_next(it, &v)) == 1) {
		if (v.data < it->p || v.data + v.len > it->p + it->len)
			abort();
		reads(&v);
		if (rscp_enter(&v, &in) == 0) {
			rscp_open(b, v.tag);
			walk(&in, b, depth + 1);
			rscp_close(b);
		} else if (v.type == RSCP_UINT16 && v.len == 2) {
			/* the builder's own UInt16 must copy the same */
			rscp_put_u16(b, v.tag, pv_le16(v.data));
		} else {
			if (v.type == RSCP_CONTAINER)
				abort();
			rscp_put(b, v.tag, v.type, v.data, v.len);
		}
	}
	if (r != 0 || it->off != it->len)
		abort();
}

static void
values(const uint8_t *p, size_t len)
{
	static uint8_t		 copy[RSCP_HDRLEN + RSCP_MAXDATA + 64];
	struct rscp_iter	 it;
	struct rscp_builder	 b;
	const char		*why = NULL;
	size_t			 n;

	if (rscp_check(p, len, &why) == -1) {
		if (why == NULL || strlen(why) >= PV_REASONLEN)
			abort();
		return;
	}
	rscp_iter_init(&it, p, len);
	rscp_build(&b, copy, sizeof(copy));
	walk(&it, &b, 0);
	if (len <= RSCP_MAXDATA) {
		n = rscp_seal(&b, 1, 2);
		if (n != RSCP_HDRLEN + len + RSCP_CRCLEN ||
		    memcmp(copy + RSCP_HDRLEN, p, len) != 0)
			abort();
	}
}

static void
frame(const uint8_t *buf, size_t len)
{
	struct rscp_frame	 fr;
	const char		*why = NULL;
	size_t			 flen;

	if (rscp_frame(buf, len, &fr, &why) == -1) {
		if (why == NULL || strlen(why) >= PV_REASONLEN)
			abort();
		return;
	}
	if (rscp_header(buf, len, &flen, &why) == -1 || flen != len ||
	    fr.data != buf + RSCP_HDRLEN ||
	    fr.datalen + RSCP_HDRLEN + (fr.crc ? RSCP_CRCLEN : 0) != len)
		abort();
	values(fr.data, fr.datalen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t		buf[RSCP_HDRLEN + RSCP_MAXDATA +
				    RSCP_CRCLEN];
	struct rscp_builder	b;
	size_t			n;

	frame(data, size);
	values(data, size);
	if (size > RSCP_MAXDATA)
		return (0);
	rscp_build(&b, buf, sizeof(buf));
	memcpy(buf + RSCP_HDRLEN, data, size);
	b.len += size;
	if ((n = rscp_seal(&b, -1, 999999999)) == 0)
		abort();
	frame(buf, n);
	return (0);
}
