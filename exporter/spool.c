/*
 * The MQTT spool: records the broker has not acknowledged yet, oldest
 * first, in one file used as a ring of bounded size.  The exporter
 * opens the file before its sandbox and only reads, writes and
 * truncates that descriptor afterwards.
 *
 * File layout, integers big-endian:
 *
 *	header (SPOOL_HDR bytes): "PVSPOOL1", u64 ring size, u64 offset
 *	    of the oldest entry, u64 its sequence number, zeros
 *	ring: entries at 8-byte aligned offsets from the header's end:
 *	    u32 SPOOL_ENTRY, u32 length, u64 sequence number,
 *	    u32 CRC-32 of the data, u32 0, the data, zeros to 8 bytes
 *
 * An entry that does not fit before the end of the ring goes to its
 * start; a wrap mark (u32 SPOOL_WRAP) says so where there is room for
 * one.  Sequence numbers grow by one from entry to entry and are never
 * reused, so after a crash the entries are those that follow the
 * header's oldest one with consecutive numbers and good checksums.
 * The header is written before space freed at its head is written
 * again.  When the ring is empty the file is cut back to its header.
 */

#include "compat.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "exporter.h"

#define SPOOL_HDR	64
#define SPOOL_MAGIC	"PVSPOOL1"
#define SPOOL_ENTRY	0x50564531U	/* "PVE1" */
#define SPOOL_WRAP	0x50565752U	/* "PVWR" */
#define SPOOL_EHDR	24		/* entry header */
#define SPOOL_ALIGN(n)	(((n) + 7) & ~(uint64_t)7)

struct spool_ehdr {
	uint32_t	magic;
	uint32_t	len;
	uint64_t	seq;
	uint32_t	crc;
};

static uint32_t	 crc32_update(uint32_t, const uint8_t *, size_t);
static uint32_t	 crc32_buf(const uint8_t *, size_t);
static void	 put32(uint8_t *, uint32_t);
static void	 put64(uint8_t *, uint64_t);
static uint32_t	 get32(const uint8_t *);
static uint64_t	 get64(const uint8_t *);
static int	 spool_rw(struct spool *, int, void *, size_t, uint64_t);
static int	 spool_writehdr(struct spool *);
static int	 spool_entry(struct spool *, uint64_t *, struct spool_ehdr *);
static int	 spool_reset(struct spool *);
static int	 spool_drop(struct spool *);
static int	 spool_place(struct spool *, uint64_t, uint64_t *);
static void	 spool_recover(struct spool *);

/* CRC-32 (IEEE 802.3), a byte at a time from a table made once */
static uint32_t
crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	static uint32_t	 table[256];
	uint32_t	 c;
	int		 i, k;

	if (table[1] == 0)
		for (i = 0; i < 256; i++) {
			c = i;
			for (k = 0; k < 8; k++)
				c = (c >> 1) ^ (0xedb88320U & -(c & 1));
			table[i] = c;
		}
	while (n-- > 0)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return (crc);
}

static uint32_t
crc32_buf(const uint8_t *p, size_t n)
{
	return (~crc32_update(0xffffffffU, p, n));
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, (uint32_t)v);
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static uint64_t
get64(const uint8_t *p)
{
	return ((uint64_t)get32(p) << 32 | get32(p + 4));
}

/* all n bytes at file offset off, or -1 (errno set; EIO: short) */
static int
spool_rw(struct spool *sp, int wr, void *buf, size_t n, uint64_t off)
{
	uint8_t	*p = buf;
	ssize_t	 r;

	while (n > 0) {
		r = wr ? pwrite(sp->fd, p, n, (off_t)off) :
		    pread(sp->fd, p, n, (off_t)off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return (-1);
		if (r == 0) {
			errno = EIO;
			return (-1);
		}
		p += r;
		n -= r;
		off += r;
	}
	return (0);
}

static int
spool_writehdr(struct spool *sp)
{
	uint8_t	h[SPOOL_HDR];

	memset(h, 0, sizeof(h));
	memcpy(h, SPOOL_MAGIC, 8);
	put64(h + 8, sp->cap);
	put64(h + 16, sp->head);
	put64(h + 24, sp->headseq);
	if (spool_rw(sp, 1, h, sizeof(h), 0) == -1)
		return (-1);
	sp->dirty = 0;
	return (0);
}

/*
 * The entry header at *pos, following a wrap to the ring's start
 * (which updates *pos).  Returns 0, or -1 if there is no valid entry.
 */
static int
spool_entry(struct spool *sp, uint64_t *pos, struct spool_ehdr *e)
{
	uint8_t	h[SPOOL_EHDR];
	int	wrapped = 0;

	for (;;) {
		if (*pos > sp->cap || sp->cap - *pos < SPOOL_EHDR) {
			if (wrapped++)
				return (-1);
			*pos = 0;
			continue;
		}
		if (spool_rw(sp, 0, h, sizeof(h), SPOOL_HDR + *pos) == -1)
			return (-1);
		e->magic = get32(h);
		if (e->magic == SPOOL_WRAP && !wrapped++) {
			*pos = 0;
			continue;
		}
		break;
	}
	e->len = get32(h + 4);
	e->seq = get64(h + 8);
	e->crc = get32(h + 16);
	if (e->magic != SPOOL_ENTRY ||
	    SPOOL_EHDR + SPOOL_ALIGN((uint64_t)e->len) > sp->cap - *pos)
		return (-1);
	return (0);
}

/* empty: back to the ring's start, at the configured size */
static int
spool_reset(struct spool *sp)
{
	sp->count = 0;
	sp->head = sp->tail = sp->rd = 0;
	sp->rdseq = sp->headseq;
	sp->cap = sp->newcap;
	if (ftruncate(sp->fd, SPOOL_HDR) == -1)
		return (-1);
	return (spool_writehdr(sp));
}

/* forget the oldest entry */
static int
spool_drop(struct spool *sp)
{
	struct spool_ehdr	e;
	uint64_t		pos = sp->head;

	if (sp->count == 0)
		return (0);
	if (spool_entry(sp, &pos, &e) == -1)
		return (-1);
	sp->head = pos + SPOOL_EHDR + SPOOL_ALIGN((uint64_t)e.len);
	sp->headseq++;
	sp->count--;
	sp->dirty = 1;
	if (sp->rdseq < sp->headseq) {
		sp->rd = sp->head;
		sp->rdseq = sp->headseq;
	}
	if (sp->count == 0)
		return (spool_reset(sp));
	return (0);
}

/*
 * Where an entry of size esz goes, dropping the oldest entries until
 * it fits.  Returns the number dropped, or -1.
 */
static int
spool_place(struct spool *sp, uint64_t esz, uint64_t *pos)
{
	uint8_t	w[SPOOL_EHDR];
	int	dropped = 0;

	for (;;) {
		if (sp->count == 0) {
			if (sp->cap != sp->newcap && spool_reset(sp) == -1)
				return (-1);
			sp->head = sp->tail = sp->rd = 0;
			*pos = 0;
			return (dropped);
		}
		if (sp->tail > sp->head) {
			/* in use: [head, tail) */
			if (esz <= sp->cap - sp->tail) {
				*pos = sp->tail;
				return (dropped);
			}
			if (esz <= sp->head) {
				if (sp->cap - sp->tail >= SPOOL_EHDR) {
					memset(w, 0, sizeof(w));
					put32(w, SPOOL_WRAP);
					if (spool_rw(sp, 1, w, sizeof(w),
					    SPOOL_HDR + sp->tail) == -1)
						return (-1);
				}
				*pos = 0;
				return (dropped);
			}
		} else if (esz <= sp->head - sp->tail) {
			/* in use: [head, cap) and [0, tail) */
			*pos = sp->tail;
			return (dropped);
		}
		if (spool_drop(sp) == -1)
			return (-1);
		dropped++;
		sp->evicted++;
	}
}

/*
 * Append one record.  Returns the number of old records dropped to make
 * room, or -1 (errno set) if it could not be written: then the spool
 * holds what it held (less the oldest dropped for room, which
 * sp->evicted counts either way), and perhaps a torn piece of the
 * record past its last entry, without the entry header that would make
 * it one: the next spool_put() writes over it, a reopen leaves it out.
 * A full disk is such a failure; once there is room again, the next
 * record is written.
 */
int
spool_put(struct spool *sp, const uint8_t *data, size_t len)
{
	uint8_t		h[SPOOL_EHDR], pad[8];
	uint64_t	esz, pos;
	int		dropped;

	esz = SPOOL_EHDR + SPOOL_ALIGN((uint64_t)len);
	if (len > UINT32_MAX || esz > sp->newcap) {
		errno = EFBIG;
		return (-1);
	}
	if ((dropped = spool_place(sp, esz, &pos)) == -1)
		return (-1);
	/* the head must be on disk before freed space is written again */
	if (sp->dirty && spool_writehdr(sp) == -1)
		return (-1);
	memset(h, 0, sizeof(h));
	put32(h, SPOOL_ENTRY);
	put32(h + 4, (uint32_t)len);
	put64(h + 8, sp->headseq + sp->count);
	put32(h + 16, crc32_buf(data, len));
	memset(pad, 0, sizeof(pad));
	/* the entry's header last: a record cut short is never one */
	if (spool_rw(sp, 1, (void *)(uintptr_t)data, len,
	    SPOOL_HDR + pos + SPOOL_EHDR) == -1 ||
	    spool_rw(sp, 1, pad, SPOOL_ALIGN((uint64_t)len) - len,
	    SPOOL_HDR + pos + SPOOL_EHDR + len) == -1 ||
	    spool_rw(sp, 1, h, sizeof(h), SPOOL_HDR + pos) == -1)
		return (-1);
	if (sp->count == 0)
		sp->head = sp->rd = pos;
	sp->tail = pos + esz;
	sp->count++;
	return (dropped);
}

/*
 * The next record not read since the last rewind, into buf.  Returns
 * its length and sets *seq, 0 when every record has been read, or -1
 * if it cannot be read; the caller then resets the spool.
 */
ssize_t
spool_read(struct spool *sp, uint8_t *buf, size_t len, uint64_t *seq)
{
	struct spool_ehdr	e;
	uint64_t		pos = sp->rd;

	if (sp->rdseq >= sp->headseq + sp->count)
		return (0);
	if (spool_entry(sp, &pos, &e) == -1 || e.seq != sp->rdseq ||
	    e.len > len) {
		errno = EBADMSG;
		return (-1);
	}
	if (spool_rw(sp, 0, buf, e.len, SPOOL_HDR + pos + SPOOL_EHDR) == -1)
		return (-1);
	if (crc32_buf(buf, e.len) != e.crc) {
		errno = EBADMSG;
		return (-1);
	}
	*seq = sp->rdseq++;
	sp->rd = pos + SPOOL_EHDR + SPOOL_ALIGN((uint64_t)e.len);
	return (e.len);
}

/* read again from the oldest record */
void
spool_rewind(struct spool *sp)
{
	sp->rd = sp->head;
	sp->rdseq = sp->headseq;
}

/*
 * Record seq has been delivered: if it is the oldest, it leaves.
 * Returns 1 if it did, 0 if seq is not the oldest, -1 on error.
 */
int
spool_pop(struct spool *sp, uint64_t seq)
{
	if (sp->count == 0 || seq != sp->headseq)
		return (0);
	if (spool_drop(sp) == -1)
		return (-1);
	return (1);
}

/* records not read since the last rewind */
uint64_t
spool_unread(const struct spool *sp)
{
	return (sp->headseq + sp->count - sp->rdseq);
}

/* bytes of the ring in use */
uint64_t
spool_used(const struct spool *sp)
{
	if (sp->count == 0)
		return (0);
	if (sp->tail > sp->head)
		return (sp->tail - sp->head);
	return (sp->cap - sp->head + sp->tail);
}

/* throw everything away (an unreadable spool); counted as dropped */
int
spool_clear(struct spool *sp)
{
	sp->headseq += sp->count;
	sp->dropped += sp->count;
	sp->count = 0;
	return (spool_reset(sp));
}

/* write the header if it changed */
int
spool_sync(struct spool *sp)
{
	if (!sp->dirty)
		return (0);
	return (spool_writehdr(sp));
}

/* the ring size from now on: at once when empty, else once it is */
int
spool_setsize(struct spool *sp, uint64_t size)
{
	if (size < SPOOL_HDR + 4096)
		size = SPOOL_HDR + 4096;
	sp->newcap = (size - SPOOL_HDR) & ~(uint64_t)7;
	if (sp->count == 0 && sp->cap != sp->newcap)
		return (spool_reset(sp));
	return (0);
}

/* the entries after the header's oldest one: consecutive and intact */
static void
spool_recover(struct spool *sp)
{
	struct spool_ehdr	e;
	uint8_t			buf[4096];
	uint64_t		pos = sp->head, walked = 0, esz, off, n;
	uint32_t		crc;

	for (;;) {
		if (spool_entry(sp, &pos, &e) == -1 ||
		    e.seq != sp->headseq + sp->count)
			break;
		esz = SPOOL_EHDR + SPOOL_ALIGN((uint64_t)e.len);
		if (walked + esz > sp->cap)
			break;
		/* the CRC in pieces: no buffer for the largest entry here */
		crc = 0xffffffffU;
		for (off = 0; off < e.len; off += n) {
			n = e.len - off < sizeof(buf) ? e.len - off :
			    sizeof(buf);
			if (spool_rw(sp, 0, buf, n, SPOOL_HDR + pos +
			    SPOOL_EHDR + off) == -1)
				break;
			crc = crc32_update(crc, buf, n);
		}
		if (off < e.len || ~crc != e.crc)
			break;
		if (sp->count == 0)
			sp->head = pos;
		sp->count++;
		pos += esz;
		walked += esz;
		sp->tail = pos;
	}
	sp->rd = sp->head;
	sp->rdseq = sp->headseq;
}

/*
 * Take over the file on fd: its records, or an empty spool when it has
 * none.  The ring size is set with spool_setsize() before the first
 * spool_put().
 */
int
spool_open(struct spool *sp, int fd)
{
	uint8_t	h[SPOOL_HDR];

	memset(sp, 0, sizeof(*sp));
	sp->fd = fd;
	if (spool_rw(sp, 0, h, sizeof(h), 0) == 0 &&
	    memcmp(h, SPOOL_MAGIC, 8) == 0 && (get64(h + 8) & 7) == 0 &&
	    get64(h + 16) < get64(h + 8)) {
		sp->cap = sp->newcap = get64(h + 8);
		sp->head = get64(h + 16);
		sp->headseq = get64(h + 24);
		spool_recover(sp);
	}
	if (sp->count == 0)
		return (spool_reset(sp));
	return (0);
}
