/*
 * Unit tests of the MQTT spool (exporter/spool.c) and of the MQTT state
 * and Home Assistant discovery messages (exporter/out_mqtt.c).  One
 * line per case: "ok - name" or "not ok - name: detail"; exit 1 if any
 * failed.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvgate.h"
#include "proto.h"
#include "record.h"
#include "cmd.h"
#include "exporter/exporter.h"

#ifndef nitems
#define nitems(_a)	(sizeof((_a)) / sizeof((_a)[0]))
#endif

#define SPOOL_FILE	"spool"
#define HDRLEN		64		/* spool.c's header */

static char	 detail[1024];
static char	 tmpdir[PATH_MAX];

#define EXPECT(cond, ...) do {						\
	if (!(cond))							\
		return (why(__VA_ARGS__));				\
} while (0)

typedef const char *(*test_fn)(void);

static const char *why(const char *, ...)
		    __attribute__((__format__ (printf, 1, 2)));
static int	 fresh(struct spool *, uint64_t);
static int	 reopen(struct spool *);
static size_t	 fill(uint8_t *, uint64_t, size_t);
static const char *check(const uint8_t *, size_t, uint64_t, size_t);
static off_t	 fsize(void);
static void	 devinfo(struct mqtt_devinfo *);
static const char *t_spool_format(void);
static const char *t_spool_order(void);
static const char *t_spool_empty(void);
static const char *t_spool_full(void);
static const char *t_spool_rewind(void);
static const char *t_spool_pop(void);
static const char *t_spool_reopen(void);
static const char *t_spool_unsynced(void);
static const char *t_spool_torn(void);
static const char *t_spool_corrupt(void);
static const char *t_spool_size(void);
static const char *t_spool_model(void);
static const char *t_spool_nospace(void);
static int	 fsize_limit(off_t);
static const char *t_state(void);
static const char *t_state_small(void);
static const char *t_topics(void);
static const char *t_discovery(void);
static const char *t_discovery_plain(void);
static const char *t_discovery_hostile(void);
static const char *t_discovery_small(void);
static const char *t_cmd_topics(void);
static const char *t_cmd_result(void);
static const char *t_cmd_discovery(void);

static const struct {
	const char	*name;
	test_fn		 fn;
} tests[] = {
	{ "spool: the file's form", t_spool_format },
	{ "spool: records come back in order, intact", t_spool_order },
	{ "spool: empty again, the file is cut to its header",
	    t_spool_empty },
	{ "spool: full, the oldest are dropped and counted", t_spool_full },
	{ "spool: rewind reads again from the oldest", t_spool_rewind },
	{ "spool: only the oldest record leaves", t_spool_pop },
	{ "spool: records survive a reopen", t_spool_reopen },
	{ "spool: a header not written gives duplicates, not losses",
	    t_spool_unsynced },
	{ "spool: a torn last record is left out", t_spool_torn },
	{ "spool: a damaged record is refused", t_spool_corrupt },
	{ "spool: a new size applies once it is empty", t_spool_size },
	{ "spool: random operations against a model", t_spool_model },
	{ "spool: a file that cannot grow: records lost, spool intact, "
	    "written again", t_spool_nospace },
	{ "mqtt_state", t_state },
	{ "mqtt_state small buffers", t_state_small },
	{ "topics and ids", t_topics },
	{ "mqtt_discovery: ac_power of an inverter behind a logger",
	    t_discovery },
	{ "mqtt_discovery: no classes, no collector, °C", t_discovery_plain },
	{ "mqtt_discovery: hostile device strings", t_discovery_hostile },
	{ "mqtt_discovery: small buffers", t_discovery_small },
	{ "commands: the set and result topics", t_cmd_topics },
	{ "commands: an event on the result topic", t_cmd_result },
	{ "commands: number, switch and button discovery",
	    t_cmd_discovery }
};

/* the detail of a failure, cut to fit one line */
static const char *
why(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return (detail);
}

/* a new, empty spool file of the given size */
static int
fresh(struct spool *sp, uint64_t size)
{
	int	fd;

	if ((fd = open(SPOOL_FILE, O_RDWR | O_CREAT | O_TRUNC, 0600)) ==
	    -1 || spool_open(sp, fd) == -1 || spool_setsize(sp, size) == -1)
		return (-1);
	return (0);
}

/* as the exporter does at a restart: the same file, a new descriptor */
static int
reopen(struct spool *sp)
{
	uint64_t	cap = sp->newcap;
	int		fd;

	close(sp->fd);
	if ((fd = open(SPOOL_FILE, O_RDWR)) == -1 ||
	    spool_open(sp, fd) == -1 || spool_setsize(sp, cap + HDRLEN) ==
	    -1)
		return (-1);
	return (0);
}

/* the contents of record number n: its length, then bytes from n */
static size_t
fill(uint8_t *buf, uint64_t n, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(n * 7 + i);
	return (len);
}

static const char *
check(const uint8_t *buf, size_t len, uint64_t n, size_t want)
{
	size_t	i;

	if (len != want)
		return (why("record %llu: %zu bytes, want %zu",
		    (unsigned long long)n, len, want));
	for (i = 0; i < len; i++)
		if (buf[i] != (uint8_t)(n * 7 + i))
			return (why("record %llu: byte %zu differs",
			    (unsigned long long)n, i));
	return (NULL);
}

static off_t
fsize(void)
{
	struct stat	st;

	if (stat(SPOOL_FILE, &st) == -1)
		return (-1);
	return (st.st_size);
}

static const char *
t_spool_format(void)
{
	struct spool	 sp;
	uint8_t		 b[HDRLEN + 32];
	const uint8_t	 want[] = {
		'P', 'V', 'S', 'P', 'O', 'O', 'L', '1',
		0, 0, 0, 0, 0, 0, 0x1f, 0xc0,		/* ring 8128 */
		0, 0, 0, 0, 0, 0, 0, 0,			/* head */
		0, 0, 0, 0, 0, 0, 0, 0			/* its number */
	};
	const uint8_t	 entry[] = {
		'P', 'V', 'E', '1', 0, 0, 0, 5,		/* length */
		0, 0, 0, 0, 0, 0, 0, 0,			/* number */
		0x36, 0x10, 0xa6, 0x86, 0, 0, 0, 0,	/* CRC-32 */
		'h', 'e', 'l', 'l', 'o', 0, 0, 0
	};

	EXPECT(fresh(&sp, 8192) == 0, "fresh: %s", strerror(errno));
	EXPECT(spool_put(&sp, (const uint8_t *)"hello", 5) == 0, "put");
	EXPECT(spool_sync(&sp) == 0, "sync");
	EXPECT(fsize() == sizeof(b), "file of %lld bytes",
	    (long long)fsize());
	EXPECT(pread(sp.fd, b, sizeof(b), 0) == sizeof(b), "pread");
	EXPECT(memcmp(b, want, sizeof(want)) == 0, "header");
	EXPECT(memcmp(b + HDRLEN, entry, sizeof(entry)) == 0, "entry");
	close(sp.fd);
	return (NULL);
}

static const char *
t_spool_order(void)
{
	struct spool	 sp;
	uint8_t		 buf[4096], rb[4096];
	uint64_t	 i, seq;
	ssize_t		 n;
	const char	*e;

	EXPECT(fresh(&sp, 65536) == 0, "fresh: %s", strerror(errno));
	for (i = 0; i < 20; i++)
		EXPECT(spool_put(&sp, buf, fill(buf, i, 1 + i * 37)) == 0,
		    "put %llu", (unsigned long long)i);
	EXPECT(sp.count == 20 && spool_unread(&sp) == 20, "count %llu",
	    (unsigned long long)sp.count);
	for (i = 0; i < 20; i++) {
		n = spool_read(&sp, rb, sizeof(rb), &seq);
		EXPECT(n > 0 && seq == i, "read %llu: %zd, seq %llu",
		    (unsigned long long)i, n, (unsigned long long)seq);
		if ((e = check(rb, n, i, 1 + i * 37)) != NULL)
			return (e);
	}
	EXPECT(spool_read(&sp, rb, sizeof(rb), &seq) == 0, "a 21st record");
	EXPECT(spool_put(&sp, buf, 0) == 0, "an empty record");
	EXPECT(spool_read(&sp, rb, sizeof(rb), &seq) == 0 && seq == 20,
	    "empty record read back");
	close(sp.fd);
	return (NULL);
}

static const char *
t_spool_empty(void)
{
	struct spool	 sp;
	uint8_t		 buf[1000];
	uint64_t	 i, seq;

	EXPECT(fresh(&sp, 65536) == 0, "fresh: %s", strerror(errno));
	EXPECT(fsize() == HDRLEN, "new file of %lld bytes",
	    (long long)fsize());
	for (i = 0; i < 10; i++)
		EXPECT(spool_put(&sp, buf, fill(buf, i, sizeof(buf))) == 0,
		    "put");
	EXPECT(fsize() > 10 * 1000, "file of %lld bytes", (long long)fsize());
	for (i = 0; i < 10; i++) {
		EXPECT(spool_read(&sp, buf, sizeof(buf), &seq) == 1000,
		    "read");
		EXPECT(spool_pop(&sp, seq) == 1, "pop %llu",
		    (unsigned long long)seq);
	}
	EXPECT(sp.count == 0 && fsize() == HDRLEN,
	    "empty: count %llu, file of %lld bytes",
	    (unsigned long long)sp.count, (long long)fsize());
	/* sequence numbers go on */
	EXPECT(spool_put(&sp, buf, 10) == 0 &&
	    spool_read(&sp, buf, sizeof(buf), &seq) == 10 && seq == 10,
	    "numbering after empty: %llu", (unsigned long long)seq);
	close(sp.fd);
	return (NULL);
}

static const char *
t_spool_full(void)
{
	struct spool	 sp;
	uint8_t		 buf[4096];
	uint64_t	 i, seq, first, dropped = 0;
	ssize_t		 n;
	size_t		 len;
	const char	*e;
	int		 d;

	EXPECT(fresh(&sp, 65536) == 0, "fresh: %s", strerror(errno));
	for (i = 0; i < 1000; i++) {
		len = 200 + (i * 131) % 900;
		EXPECT((d = spool_put(&sp, buf, fill(buf, i, len))) >= 0,
		    "put %llu: %s", (unsigned long long)i, strerror(errno));
		dropped += d;
	}
	EXPECT(fsize() <= 65536, "file of %lld bytes", (long long)fsize());
	EXPECT(dropped > 0 && dropped + sp.count == 1000 &&
	    sp.evicted == dropped, "dropped %llu (%llu counted), kept %llu",
	    (unsigned long long)dropped, (unsigned long long)sp.evicted,
	    (unsigned long long)sp.count);
	first = dropped;
	for (i = first; i < 1000; i++) {
		n = spool_read(&sp, buf, sizeof(buf), &seq);
		EXPECT(n > 0 && seq == i, "read: %zd, seq %llu, want %llu", n,
		    (unsigned long long)seq, (unsigned long long)i);
		if ((e = check(buf, n, i, 200 + (i * 131) % 900)) != NULL)
			return (e);
	}
	EXPECT(spool_read(&sp, buf, sizeof(buf), &seq) == 0, "more records");
	/* too big for the ring */
	EXPECT(spool_put(&sp, buf, 70000) == -1 && errno == EFBIG,
	    "a record larger than the spool");
	close(sp.fd);
	return (NULL);
}

static const char *
t_spool_rewind(void)
{
	struct spool	 sp;
	uint8_t		 buf[100];
	uint64_t	 i, seq;

	EXPECT(fresh(&sp, 65536) == 0, "fresh: %s", strerror(errno));
	for (i = 0; i < 5; i++)
		EXPECT(spool_put(&sp, buf, fill(buf, i, 50)) == 0, "put");
	for (i = 0; i < 3; i++)
		EXPECT(spool_read(&sp, buf, sizeof(buf), &seq) == 50 &&
		    seq == i, "read %llu", (unsigned long long)i);
	EXPECT(spool_pop(&sp, 0) == 1, "pop 0");
	EXPECT(spool_unread(&sp) == 2, "unread %llu",
	    (unsigned long long)spool_unread(&sp));
	spool_rewind(&sp);
	EXPECT(spool_unread(&sp) == 4, "unread after rewind %llu",
	    (unsigned long long)spool_unread(&sp));
	for (i = 1; i < 5; i++)
		EXPECT(spool_read(&sp, buf, sizeof(buf), &seq) == 50 &&
		    seq == i && check(buf, 50, i, 50) == NULL,
		    "read again %llu", (unsigned long long)i);
	close(sp.fd);
	return (NULL);
}

static const char *
t_spool_pop(void)
{
	struct spool	 sp;
	uint8_t		 buf[100];
	uint64_t	 i, seq;

	EXPECT(fresh(&sp, 65536) == 0, "fresh: %s", strerror(errno));
	for (i = 0; i < 3; i++)
		EXPECT(spool_put(&sp, buf, fill(buf, i, 10)) == 0, "put");
	EXPECT(spool_pop(&sp, 1) == 0 && spool_pop(&sp, 7) == 0 &&
	    sp.count == 3, "a record that is not the oldest left");
	EXPECT(spool_pop(&sp, 0) == 1 && spool_pop(&sp, 1) == 1 &&
	    sp.count == 1, "the oldest did not leave");
	EXPECT(spool_read(&sp, buf, sizeof(buf), &seq) == 10 && seq == 2,
	    "read after pops: seq %llu", (unsigned long long)seq);
	close(sp.fd);
	return (NULL);
}

static const char *
t_spool_reopen(void)
{
	struct spool	 sp;
	uint8_t		 buf[2048];
	uint64_t	 i, seq;
	ssize_t		 n;

	/* wrapped at least once, some read and delivered */
	EXPECT(fresh(&sp, 16384) == 0, "fresh: %s", strerror(errno));
	for (i = 0; i < 40; i++)
		EXPECT(spool_put(&sp, buf, fill(buf, i, 700 + i)) >= 0, "put");
	EXPECT(sp.headseq > 0, "did not wrap");
	for (i = 0; i < 3; i++) {
		EXPECT(spool_read(&sp, buf, sizeof(buf), &seq) > 0, "read");
		EXPECT(spool_pop(&sp, seq) == 1, "pop");
	}
	EXPECT(spool_sync(&sp) == 0, "sync");
	i = sp.headseq;
	EXPECT(reopen(&sp) == 0, "reopen: %s", strerror(errno));
	EXPECT(sp.headseq == i && sp.headseq + sp.count == 40,
	    "after reopen: %llu..%llu", (unsigned long long)sp.headseq,
	    (unsigned long long)(sp.headseq + sp.count));
	for (; i < 40; i++) {
		n = spool_read(&sp, buf, sizeof(buf), &seq);
		EXPECT(n > 0 && seq == i && check(buf, n, i, 700 + i) == NULL,
		    "record %llu after reopen", (unsigned long long)i);
	}
	/* and it goes on from there */
	EXPECT(spool_put(&sp, buf, fill(buf, 40, 5)) >= 0 &&
	    spool_read(&sp, buf, sizeof(buf), &seq) == 5 && seq == 40,
	    "put after reopen");
	close(sp.fd);
	return (NULL);
}

static const char *
t_spool_unsynced(void)
{
	struct spool	 sp;
	uint8_t		 buf[100];
	uint64_t	 i, seq;

	EXPECT(fresh(&sp, 65536) == 0, "fresh: %s", strerror(errno));
	for (i = 0; i < 6; i++)
		EXPECT(spool_put(&sp, buf, fill(buf, i, 30)) == 0, "put");
	EXPECT(spool_sync(&sp) == 0, "sync");
	for (i = 0; i < 2; i++) {
		EXPECT(spool_read(&sp, buf, sizeof(buf), &seq) == 30, "read");
		EXPECT(spool_pop(&sp, seq) == 1, "pop");
	}
	/* a crash before the header is written: 0 and 1 come back */
	EXPECT(reopen(&sp) == 0, "reopen: %s", strerror(errno));
	EXPECT(sp.headseq == 0 && sp.count == 6, "after reopen %llu + %llu",
	    (unsigned long long)sp.headseq, (unsigned long long)sp.count);
	close(sp.fd);
	return (NULL);
}

static const char *
t_spool_torn(void)
{
	struct spool	 sp;
	uint8_t		 buf[100];
	uint64_t	 i;
	int		 fd;

	EXPECT(fresh(&sp, 65536) == 0, "fresh: %s", strerror(errno));
	for (i = 0; i < 4; i++)
		EXPECT(spool_put(&sp, buf, fill(buf, i, 40)) == 0, "put");
	close(sp.fd);
	/* the last record lost its end: cut inside its data */
	EXPECT(truncate(SPOOL_FILE, fsize() - 20) == 0, "truncate");
	EXPECT((fd = open(SPOOL_FILE, O_RDWR)) != -1 &&
	    spool_open(&sp, fd) == 0, "open");
	EXPECT(sp.count == 3, "%llu records, want 3",
	    (unsigned long long)sp.count);
	/* a changed byte in the data of the third */
	close(sp.fd);
	EXPECT((fd = open(SPOOL_FILE, O_RDWR)) != -1, "open");
	EXPECT(pwrite(fd, "X", 1, HDRLEN + 2 * 64 + 24 + 5) == 1, "pwrite");
	EXPECT(spool_open(&sp, fd) == 0 && sp.count == 2,
	    "%llu records, want 2", (unsigned long long)sp.count);
	close(sp.fd);
	return (NULL);
}

static const char *
t_spool_corrupt(void)
{
	struct spool	 sp;
	uint8_t		 buf[100];
	uint64_t	 i, seq;

	EXPECT(fresh(&sp, 65536) == 0, "fresh: %s", strerror(errno));
	for (i = 0; i < 4; i++)
		EXPECT(spool_put(&sp, buf, fill(buf, i, 40)) == 0, "put");
	/* entries are 64 bytes apart: the second's data changes */
	EXPECT(pwrite(sp.fd, "X", 1, HDRLEN + 64 + 24 + 3) == 1, "pwrite");
	EXPECT(spool_read(&sp, buf, sizeof(buf), &seq) == 40, "first");
	errno = 0;
	EXPECT(spool_read(&sp, buf, sizeof(buf), &seq) == -1 &&
	    errno == EBADMSG, "the damaged record was read");
	EXPECT(spool_clear(&sp) == 0 && sp.count == 0 && sp.dropped == 4 &&
	    fsize() == HDRLEN, "clear");
	EXPECT(spool_put(&sp, buf, 3) == 0 &&
	    spool_read(&sp, buf, sizeof(buf), &seq) == 3 && seq == 4,
	    "numbering after clear: %llu", (unsigned long long)seq);
	close(sp.fd);
	return (NULL);
}

static const char *
t_spool_size(void)
{
	struct spool	 sp;
	uint8_t		 buf[2000];
	uint64_t	 i, seq;
	int		 d = 0;

	EXPECT(fresh(&sp, 65536) == 0, "fresh: %s", strerror(errno));
	for (i = 0; i < 20; i++)
		EXPECT(spool_put(&sp, buf, fill(buf, i, 1500)) == 0, "put");
	/* smaller: the records there stay until the spool is empty */
	EXPECT(spool_setsize(&sp, 8192) == 0 && sp.count == 20,
	    "records lost on resize");
	EXPECT(spool_put(&sp, buf, fill(buf, 20, 1500)) >= 0, "put");
	while (sp.count > 0) {
		EXPECT(spool_read(&sp, buf, sizeof(buf), &seq) > 0, "read");
		EXPECT(spool_pop(&sp, seq) == 1, "pop");
	}
	EXPECT(fsize() == HDRLEN, "not cut");
	for (i = 0; i < 20; i++)
		d += spool_put(&sp, buf, fill(buf, i, 1500));
	EXPECT(fsize() <= 8192 && d > 0, "new size not used: %lld bytes, "
	    "%d dropped", (long long)fsize(), d);
	close(sp.fd);
	return (NULL);
}

/*
 * Random puts, reads, deliveries, rewinds and reopens, checked against
 * what must hold: records are read in order, each delivered record is
 * the oldest, and every record put is either delivered or counted as
 * dropped.
 */
static const char *
t_spool_model(void)
{
	struct spool	 sp;
	uint8_t		 buf[4096];
	uint64_t	 next = 0, expect = 0, delivered = 0, dropped = 0;
	uint64_t	 inflight[64], seq;
	ssize_t		 n;
	size_t		 len;
	int		 i, k, nin = 0, d;
	const char	*e;

	srandom(4242);
	EXPECT(fresh(&sp, 32768) == 0, "fresh: %s", strerror(errno));
	for (i = 0; i < 20000; i++) {
		switch (random() % 8) {
		case 0:
		case 1:
		case 2:
			len = random() % 3000;
			d = spool_put(&sp, buf, fill(buf, next, len));
			EXPECT(d >= 0, "put: %s", strerror(errno));
			dropped += d;
			next++;
			break;
		case 3:
		case 4:
			if (nin == (int)nitems(inflight))
				break;
			n = spool_read(&sp, buf, sizeof(buf), &seq);
			EXPECT(n >= 0, "read: %s", strerror(errno));
			if (n == 0)
				break;
			EXPECT(seq >= expect, "read %llu after %llu",
			    (unsigned long long)seq,
			    (unsigned long long)expect);
			if ((e = check(buf, n, seq, n)) != NULL)
				return (e);
			expect = seq + 1;
			inflight[nin++] = seq;
			break;
		case 5:
		case 6:
			/* the oldest in flight delivered */
			if (nin == 0)
				break;
			if (spool_pop(&sp, inflight[0]) == 1)
				delivered++;
			for (k = 1; k < nin; k++)
				inflight[k - 1] = inflight[k];
			nin--;
			break;
		case 7:
			/* connection lost, or a restart */
			nin = 0;
			if (random() % 4 == 0) {
				EXPECT(spool_sync(&sp) == 0, "sync");
				EXPECT(reopen(&sp) == 0, "reopen");
			} else
				spool_rewind(&sp);
			expect = sp.headseq;
			break;
		}
		EXPECT(fsize() <= 32768, "file of %lld bytes",
		    (long long)fsize());
	}
	EXPECT(delivered + dropped + sp.count == next,
	    "%llu put, %llu delivered, %llu dropped, %llu left",
	    (unsigned long long)next, (unsigned long long)delivered,
	    (unsigned long long)dropped, (unsigned long long)sp.count);
	EXPECT(delivered > 1000 && dropped > 100, "a dull run: %llu "
	    "delivered, %llu dropped", (unsigned long long)delivered,
	    (unsigned long long)dropped);
	close(sp.fd);
	return (NULL);
}

/* the largest file this process may write (a disk with no more room) */
static int
fsize_limit(off_t max)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_FSIZE, &rl) == -1)
		return (-1);
	rl.rlim_cur = max < 0 ? rl.rlim_max : (rlim_t)max;
	return (setrlimit(RLIMIT_FSIZE, &rl));
}

/*
 * The file cannot grow past a limit (as on a full disk; EFBIG here,
 * ENOSPC there): puts fail, now whole and now torn, and what the spool
 * holds stays readable; every put is kept, lost or counted as dropped
 * for room; once the file may grow again, records are written again,
 * numbered on, and a reopen finds exactly the records kept.
 */
static const char *
t_spool_nospace(void)
{
	struct spool	 sp;
	uint8_t		 buf[2048];
	uint64_t	 i, seq, lost = 0, kept[300], nkept = 0, k;
	ssize_t		 n;
	int		 d, errs = 0;

	EXPECT(fresh(&sp, 131072) == 0, "fresh: %s", strerror(errno));
	(void)signal(SIGXFSZ, SIG_IGN);
	for (i = 0; i < 300; i++) {
		/* the disk fills at 40, room at 80, full again at 150 */
		if (i == 40 || i == 150)
			(void)fsize_limit(fsize() + 700);
		else if (i == 80 || i == 200)
			(void)fsize_limit(-1);
		d = spool_put(&sp, buf, fill(buf, i, 300 + (i * 53) % 1500));
		if (d == -1) {
			if (errno != EFBIG)
				errs++;
			lost++;
		} else
			kept[nkept++] = i;
	}
	(void)fsize_limit(-1);
	EXPECT(errs == 0, "%d puts failed otherwise", errs);
	EXPECT(lost > 50 && nkept + lost == 300, "%llu lost, %llu kept",
	    (unsigned long long)lost, (unsigned long long)nkept);
	EXPECT(sp.evicted > 0 && sp.evicted + sp.count == nkept,
	    "%llu kept, %llu dropped for room, %llu in the spool", (unsigned long long)nkept,
	    (unsigned long long)sp.evicted, (unsigned long long)sp.count);
	EXPECT(spool_sync(&sp) == 0 && reopen(&sp) == 0, "reopen: %s",
	    strerror(errno));
	EXPECT(sp.evicted == 0 && sp.count + sp.headseq == nkept,
	    "after reopen %llu + %llu records", (unsigned long long)sp.headseq,
	    (unsigned long long)sp.count);
	for (k = nkept - sp.count; k < nkept; k++) {
		i = kept[k];
		n = spool_read(&sp, buf, sizeof(buf), &seq);
		EXPECT(n > 0 && seq == k && check(buf, n, i,
		    300 + (i * 53) % 1500) == NULL, "record %llu (put %llu): "
		    "%zd bytes, number %llu", (unsigned long long)k,
		    (unsigned long long)i, n, (unsigned long long)seq);
	}
	EXPECT(spool_read(&sp, buf, sizeof(buf), &seq) == 0, "more records");
	close(sp.fd);
	return (NULL);
}

static void
example(struct record *r)
{
	record_init(r, REC_MEASUREMENT, PROTO_SOLARMAN_V5, 1712861197);
	strlcpy(r->device, "Y17E7A0F010B013E", sizeof(r->device));
	strlcpy(r->via, "2000000000", sizeof(r->via));
	record_metric(r, M_AC_POWER, 0, 8123, 1);
	record_metric(r, M_PV_VOLTAGE, 2, 3000, 1);
	record_metric(r, M_ENERGY_TOTAL, 0, -5, 2);
	record_attr(r, A_MODEL, "TSOL-MS800");
}

static const char *
t_state(void)
{
	struct record	 r;
	char		 buf[4096];
	const char	*want = "{\"time\":\"2024-04-11T18:46:37Z\","
			    "\"ac_power\":812.3,\"pv2_voltage\":300,"
			    "\"energy_total\":-0.05}";
	size_t		 n;

	example(&r);
	n = mqtt_state(&r, buf, sizeof(buf));
	EXPECT(n == strlen(want) && strcmp(buf, want) == 0, "got %s", buf);
	record_init(&r, REC_DEVICE, PROTO_SOLARMAN_V5, 1712861197);
	EXPECT(mqtt_state(&r, buf, sizeof(buf)) > 0 &&
	    strcmp(buf, "{\"time\":\"2024-04-11T18:46:37Z\"}") == 0,
	    "no metrics: %s", buf);
	return (NULL);
}

static const char *
t_state_small(void)
{
	struct record	 r;
	char		 buf[4096];
	size_t		 n, i;

	example(&r);
	n = mqtt_state(&r, buf, sizeof(buf));
	for (i = 0; i <= n; i++)
		EXPECT(mqtt_state(&r, buf, i) == 0, "fits in %zu bytes", i);
	EXPECT(mqtt_state(&r, buf, n + 1) == n, "does not fit in %zu", n + 1);
	r.time = 253402300800LL;
	EXPECT(mqtt_state(&r, buf, sizeof(buf)) == 0, "year 10000");
	return (NULL);
}

static const char *
t_topics(void)
{
	struct pv_mqttconf	 m;
	char			 buf[256];

	memset(&m, 0, sizeof(m));
	strlcpy(m.topic_prefix, "home/pv", sizeof(m.topic_prefix));
	mqtt_id("Y17-E7_a", 64, buf, sizeof(buf));
	EXPECT(strcmp(buf, "Y17-E7_a") == 0, "plain id: %s", buf);
	mqtt_id("a/b+c#d e.\xc3\xa9\"", 64, buf, sizeof(buf));
	EXPECT(strcmp(buf, "a_b_c_d_e____") == 0, "hostile id: %s", buf);
	mqtt_id("", 64, buf, sizeof(buf));
	EXPECT(strcmp(buf, "unknown") == 0, "empty id: %s", buf);
	mqtt_id("abcdef", 3, buf, sizeof(buf));
	EXPECT(strcmp(buf, "abc") == 0, "bounded id: %s", buf);
	mqtt_id("abcdef", 64, buf, 4);
	EXPECT(strcmp(buf, "abc") == 0, "small buffer: %s", buf);
	EXPECT(mqtt_state_topic(&m, "x/y", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "home/pv/x_y/state") == 0, "state topic: %s", buf);
	EXPECT(mqtt_state_topic(&m, "x/y", buf, 17) == -1,
	    "state topic does not fit");
	EXPECT(mqtt_status_topic(&m, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "home/pv/status") == 0, "status topic: %s", buf);
	EXPECT(mqtt_event_topic(&m, "R17+1", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "home/pv/R17_1/event") == 0, "event topic: %s", buf);
	EXPECT(mqtt_event_topic(&m, "x/y", buf, 17) == -1,
	    "event topic does not fit");
	return (NULL);
}

static void
devinfo(struct mqtt_devinfo *d)
{
	memset(d, 0, sizeof(*d));
	strlcpy(d->id, "Y17E7A0F010B013E", sizeof(d->id));
	strlcpy(d->via, "2070233889", sizeof(d->via));
	d->proto = PROTO_SOLARMAN_V5;
	strlcpy(d->model, "TSOL-MS2000(600)", sizeof(d->model));
	strlcpy(d->firmware, "V4.0.10", sizeof(d->firmware));
}

static void
mqttconf(struct pv_mqttconf *m)
{
	memset(m, 0, sizeof(*m));
	strlcpy(m->topic_prefix, "pvgated", sizeof(m->topic_prefix));
	strlcpy(m->discovery_prefix, "homeassistant",
	    sizeof(m->discovery_prefix));
}

static const char *
t_discovery(void)
{
	struct pv_mqttconf	 m;
	struct mqtt_devinfo	 d;
	struct metric		 mt = { M_AC_POWER, 0, 1, 0 };
	char			 topic[256], buf[4096];
	const char		*want = "{\"name\":\"AC power\","
	    "\"unique_id\":\"pvgated_Y17E7A0F010B013E_ac_power\","
	    "\"state_topic\":\"pvgated/Y17E7A0F010B013E/state\","
	    "\"value_template\":\"{{ value_json.ac_power | default('') }}\","
	    "\"unit_of_measurement\":\"W\",\"device_class\":\"power\","
	    "\"state_class\":\"measurement\","
	    "\"availability_topic\":\"pvgated/status\","
	    "\"payload_available\":\"online\","
	    "\"payload_not_available\":\"offline\",\"qos\":1,"
	    "\"device\":{\"identifiers\":[\"pvgated_Y17E7A0F010B013E\"],"
	    "\"name\":\"Y17E7A0F010B013E\",\"model\":\"TSOL-MS2000(600)\","
	    "\"sw_version\":\"V4.0.10\","
	    "\"serial_number\":\"Y17E7A0F010B013E\","
	    "\"via_device\":\"pvgated_2070233889\"},"
	    "\"origin\":{\"name\":\"pvgated\",\"sw_version\":\""
	    PVGATE_VERSION "\"}}";
	size_t			 n;

	mqttconf(&m);
	devinfo(&d);
	n = mqtt_discovery(&m, &d, &mt, topic, sizeof(topic), buf,
	    sizeof(buf));
	EXPECT(strcmp(topic,
	    "homeassistant/sensor/Y17E7A0F010B013E/ac_power/config") == 0,
	    "topic %s", topic);
	EXPECT(n == strlen(want) && strcmp(buf, want) == 0, "got %s", buf);

	mt.id = M_PV_ENERGY_TODAY;
	mt.index = 3;
	d.proto = PROTO_HOYMILES;
	strlcpy(d.hardware, "H1", sizeof(d.hardware));
	EXPECT(mqtt_discovery(&m, &d, &mt, topic, sizeof(topic), buf,
	    sizeof(buf)) > 0, "pv3_energy_today");
	EXPECT(strcmp(topic, "homeassistant/sensor/Y17E7A0F010B013E/"
	    "pv3_energy_today/config") == 0, "topic %s", topic);
	EXPECT(strstr(buf, "\"name\":\"PV3 energy today\"") != NULL &&
	    strstr(buf, "\"unit_of_measurement\":\"kWh\",\"device_class\":"
	    "\"energy\",\"state_class\":\"total_increasing\"") != NULL &&
	    strstr(buf, "\"manufacturer\":\"Hoymiles\"") != NULL &&
	    strstr(buf, "\"hw_version\":\"H1\"") != NULL, "got %s", buf);
	return (NULL);
}

static const char *
t_discovery_plain(void)
{
	struct pv_mqttconf	 m;
	struct mqtt_devinfo	 d;
	struct metric		 mt = { M_ALARM, 0, 0, 0 };
	char			 topic[256], buf[4096];

	mqttconf(&m);
	memset(&d, 0, sizeof(d));
	strlcpy(d.id, "2070233889", sizeof(d.id));
	EXPECT(mqtt_discovery(&m, &d, &mt, topic, sizeof(topic), buf,
	    sizeof(buf)) > 0, "alarm");
	EXPECT(strstr(buf, "unit_of_measurement") == NULL &&
	    strstr(buf, "device_class") == NULL &&
	    strstr(buf, "state_class") == NULL &&
	    strstr(buf, "via_device") == NULL &&
	    strstr(buf, "model") == NULL &&
	    strstr(buf, "manufacturer") == NULL, "got %s", buf);
	EXPECT(strstr(buf, "\"device\":{\"identifiers\":"
	    "[\"pvgated_2070233889\"],\"name\":\"2070233889\","
	    "\"serial_number\":\"2070233889\"}") != NULL, "got %s", buf);
	mt.id = M_TEMPERATURE;
	EXPECT(mqtt_discovery(&m, &d, &mt, topic, sizeof(topic), buf,
	    sizeof(buf)) > 0, "temperature");
	EXPECT(strstr(buf, "\"unit_of_measurement\":\"\302\260C\"") != NULL,
	    "degree sign: %s", buf);
	mt.id = M_NONE;
	EXPECT(mqtt_discovery(&m, &d, &mt, topic, sizeof(topic), buf,
	    sizeof(buf)) == 0, "metric none");
	mt.id = M_MAX;
	EXPECT(mqtt_discovery(&m, &d, &mt, topic, sizeof(topic), buf,
	    sizeof(buf)) == 0, "metric out of range");
	return (NULL);
}

static const char *
t_discovery_hostile(void)
{
	struct pv_mqttconf	 m;
	struct mqtt_devinfo	 d;
	struct metric		 mt = { M_AC_POWER, 0, 1, 0 };
	char			 topic[256], buf[4096];

	mqttconf(&m);
	memset(&d, 0, sizeof(d));
	strlcpy(d.id, "a/b+#\"\\\n\xff", sizeof(d.id));
	strlcpy(d.via, "../+", sizeof(d.via));
	strlcpy(d.model, "\"}],{\x01", sizeof(d.model));
	EXPECT(mqtt_discovery(&m, &d, &mt, topic, sizeof(topic), buf,
	    sizeof(buf)) > 0, "hostile");
	EXPECT(strcmp(topic, "homeassistant/sensor/a_b______/ac_power/config")
	    == 0, "topic %s", topic);
	EXPECT(strstr(buf, "\"state_topic\":\"pvgated/a_b______/state\"") !=
	    NULL, "state topic: %s", buf);
	EXPECT(strstr(buf, "\"name\":\"a/b+#\\\"\\\\\\n\\u00ff\"") != NULL,
	    "device name: %s", buf);
	EXPECT(strstr(buf, "\"model\":\"\\\"}],{\\u0001\"") != NULL,
	    "model: %s", buf);
	EXPECT(strstr(buf, "\"via_device\":\"pvgated_____\"") != NULL,
	    "via: %s", buf);
	return (NULL);
}

static const char *
t_discovery_small(void)
{
	struct pv_mqttconf	 m;
	struct mqtt_devinfo	 d;
	struct metric		 mt = { M_PV_POWER, 1, 0, 0 };
	char			 topic[256], buf[4096];
	size_t			 n, i;

	mqttconf(&m);
	devinfo(&d);
	n = mqtt_discovery(&m, &d, &mt, topic, sizeof(topic), buf,
	    sizeof(buf));
	EXPECT(n > 0, "does not fit in %zu", sizeof(buf));
	for (i = 0; i <= n; i++)
		EXPECT(mqtt_discovery(&m, &d, &mt, topic, sizeof(topic), buf,
		    i) == 0, "fits in %zu bytes", i);
	EXPECT(mqtt_discovery(&m, &d, &mt, topic, strlen(
	    "homeassistant/sensor/Y17E7A0F010B013E/pv1_power/config"), buf,
	    sizeof(buf)) == 0, "topic fits");
	/* the longest prefixes and ids still fit the exporter's buffers */
	memset(m.topic_prefix, 'p', sizeof(m.topic_prefix) - 1);
	memset(m.discovery_prefix, 'd', sizeof(m.discovery_prefix) - 1);
	memset(d.id, '\xff', sizeof(d.id) - 1);
	memset(d.via, 'v', sizeof(d.via) - 1);
	memset(d.model, '"', sizeof(d.model) - 1);
	memset(d.firmware, '\x01', sizeof(d.firmware) - 1);
	memset(d.hardware, '\\', sizeof(d.hardware) - 1);
	EXPECT(mqtt_discovery(&m, &d, &mt, topic, 2 * PV_MQTT_TOPICLEN +
	    2 * RECORD_IDLEN, buf, 8192) > 0, "the worst case does not fit");
	return (NULL);
}

static void
rmtree(const char *dir)
{
	(void)unlink(SPOOL_FILE);
	if (chdir("/") == 0)
		(void)rmdir(dir);
}

int
main(void)
{
	const char	*tmp, *why;
	size_t		 i;
	int		 failed = 0, n;

	umask(022);
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	/* the X's are mkdtemp(3)'s template */
	n = snprintf(tmpdir, sizeof(tmpdir), "%s/mqtt_test.XXXXXXXX", tmp);
	if (n < 0 || (size_t)n >= sizeof(tmpdir) || mkdtemp(tmpdir) == NULL ||
	    chdir(tmpdir) == -1) {
		printf("not ok - temporary directory %s: %s\n", tmpdir,
		    strerror(errno));
		return (1);
	}
	for (i = 0; i < nitems(tests); i++) {
		why = tests[i].fn();
		if (why == NULL)
			printf("ok - %s\n", tests[i].name);
		else {
			printf("not ok - %s: %s\n", tests[i].name, why);
			failed++;
		}
	}
	rmtree(tmpdir);
	return (failed != 0);
}

static const char *
t_cmd_topics(void)
{
	struct pv_mqttconf	 m;
	char			 dev[8], cmd[8], buf[64];

	mqttconf(&m);
	EXPECT(mqtt_cmd_filter(&m, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "pvgated/+/set/+") == 0, "filter %s", buf);
	EXPECT(mqtt_cmd_topic(&m, "pvgated/Y17/set/at", dev, sizeof(dev),
	    cmd, sizeof(cmd)) == 0 && strcmp(dev, "Y17") == 0 &&
	    strcmp(cmd, "at") == 0, "levels %s %s", dev, cmd);
	EXPECT(mqtt_cmd_topic(&m, "pvgated/Y1700000/set/power_limit", dev,
	    sizeof(dev), cmd, sizeof(cmd)) == 1 && strcmp(dev, "Y170000") ==
	    0 && strcmp(cmd, "power_l") == 0, "cut %s %s", dev, cmd);
	EXPECT(mqtt_cmd_topic(&m, "pvgated/Y17/state", dev, sizeof(dev),
	    cmd, sizeof(cmd)) == -1, "state taken");
	EXPECT(mqtt_cmd_topic(&m, "pvgated/Y17/set/a/b", dev, sizeof(dev),
	    cmd, sizeof(cmd)) == -1, "two levels taken");
	EXPECT(mqtt_cmd_topic(&m, "pvgated//set/at", dev, sizeof(dev), cmd,
	    sizeof(cmd)) == -1, "empty device taken");
	EXPECT(mqtt_cmd_topic(&m, "pvgatedx/Y17/set/at", dev, sizeof(dev),
	    cmd, sizeof(cmd)) == -1, "other prefix taken");
	EXPECT(mqtt_result_topic(&m, "S10.1", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "pvgated/S10_1/result") == 0, "result %s", buf);
	return (NULL);
}

static const char *
t_cmd_result(void)
{
	struct record	rec;
	char		buf[512];

	record_init(&rec, REC_EVENT, PROTO_SOLARMAN_V5, 1712861197);
	(void)record_attr(&rec, A_SOURCE, "mqtt");
	(void)record_attr(&rec, A_COMMAND, "at");
	(void)record_attr(&rec, A_ARGUMENT, "AT+\"x\"");
	(void)record_attr(&rec, A_RESULT, "ok");
	(void)record_attr(&rec, A_REASON, "+ok");
	(void)record_metric(&rec, M_LATENCY, 0, 312, 0);
	EXPECT(mqtt_result(&rec, buf, sizeof(buf)) > 0 && strcmp(buf,
	    "{\"time\":\"2024-04-11T18:46:37Z\",\"source\":\"mqtt\","
	    "\"command\":\"at\",\"argument\":\"AT+\\\"x\\\"\","
	    "\"result\":\"ok\",\"reason\":\"+ok\",\"latency\":312}") ==
	    0, "result %s", buf);
	EXPECT(mqtt_result(&rec, buf, 40) == 0, "small buffer");
	return (NULL);
}

static const char *
t_cmd_discovery(void)
{
	struct pv_mqttconf	 m;
	struct mqtt_devinfo	 d;
	char			 topic[256], buf[4096];

	mqttconf(&m);
	devinfo(&d);
	EXPECT(mqtt_cmd_discovery(&m, &d, cmd_def(PROTO_SOLARMAN_V5,
	    CMD_POWER_LIMIT), NULL, topic, sizeof(topic), buf, sizeof(buf)) > 0,
	    "number");
	EXPECT(strcmp(topic, "homeassistant/number/Y17E7A0F010B013E/"
	    "power_limit/config") == 0, "topic %s", topic);
	EXPECT(strstr(buf, "\"command_topic\":\"pvgated/Y17E7A0F010B013E/"
	    "set/power_limit\",\"min\":0,\"max\":100,\"step\":1,") !=
	    NULL && strstr(buf, "\"state_topic\":\"pvgated/"
	    "Y17E7A0F010B013E/state\",\"value_template\":\"{{ value_json."
	    "power_limit if value_json.power_limit is defined else "
	    "this.state }}\"") != NULL, "number %s", buf);
	d.proto = PROTO_HOYMILES;
	EXPECT(mqtt_cmd_discovery(&m, &d, cmd_def(PROTO_HOYMILES,
	    CMD_INVERTER_ON), NULL, topic, sizeof(topic), buf, sizeof(buf)) > 0 &&
	    strcmp(topic, "homeassistant/switch/Y17E7A0F010B013E/inverter/"
	    "config") == 0 && strstr(buf, "/set/inverter\",\"payload_on\":"
	    "\"ON\",\"payload_off\":\"OFF\",") != NULL, "switch %s %s",
	    topic, buf);
	EXPECT(mqtt_cmd_discovery(&m, &d, cmd_def(PROTO_HOYMILES,
	    CMD_POWER_LIMIT), NULL, topic, sizeof(topic), buf, sizeof(buf)) >
	    0 && strstr(buf, "\"state_topic\":\"pvgated/Y17E7A0F010B013E/"
	    "state\",\"value_template\":\"{{ value_json.power_limit if "
	    "value_json.power_limit is defined else this.state }}\"") != NULL,
	    "the DTU's number, its state %s", buf);
	d.proto = PROTO_TSUN_GEN3;
	EXPECT(mqtt_cmd_discovery(&m, &d, cmd_def(PROTO_TSUN_GEN3,
	    CMD_POWER_LIMIT), "T170000000000001", topic, sizeof(topic), buf,
	    sizeof(buf)) > 0 && strstr(buf, "\"state_topic\":\"pvgated/"
	    "T170000000000001/state\",\"value_template\":\"{{ value_json."
	    "power_limit") != NULL && strstr(buf, "\"command_topic\":\""
	    "pvgated/Y17E7A0F010B013E/set/power_limit\"") != NULL &&
	    strcmp(topic, "homeassistant/number/Y17E7A0F010B013E/power_limit/"
	    "config") == 0, "the inverter's state for the stick's number %s",
	    buf);
	d.proto = PROTO_E3DC_RSCP;
	EXPECT(mqtt_cmd_discovery(&m, &d, cmd_def(PROTO_E3DC_RSCP,
	    CMD_WEATHER_CHARGE), NULL, topic, sizeof(topic), buf,
	    sizeof(buf)) > 0 && strstr(buf, "\"payload_on\":\"ON\","
	    "\"payload_off\":\"OFF\",\"state_topic\":\"pvgated/"
	    "Y17E7A0F010B013E/state\",\"value_template\":\"{{ ('ON' if "
	    "value_json.weather_regulated_charge else 'OFF') if "
	    "value_json.weather_regulated_charge is defined else this.state "
	    "| upper }}\"") != NULL, "the E3/DC's switch, its state %s", buf);
	d.proto = PROTO_HOYMILES;
	EXPECT(mqtt_cmd_discovery(&m, &d, cmd_def(PROTO_HOYMILES,
	    CMD_INVERTER_ON), NULL, topic, sizeof(topic), buf, sizeof(buf)) >
	    0 && strstr(buf, "state_topic") == NULL,
	    "the inverters' switch: no state (none is reported) %s", buf);
	EXPECT(mqtt_cmd_discovery(&m, &d, cmd_def(PROTO_HOYMILES,
	    CMD_REBOOT), NULL, topic, sizeof(topic), buf, sizeof(buf)) > 0 &&
	    strstr(buf, "\"payload_press\":\"PRESS\"") != NULL &&
	    strstr(topic, "/button/") != NULL, "button %s", buf);
	EXPECT(mqtt_cmd_discovery(&m, &d, cmd_def(PROTO_SOLARMAN_V5,
	    CMD_AT), NULL, topic, sizeof(topic), buf, sizeof(buf)) == 0,
	    "at announced");
	EXPECT(mqtt_cmd_discovery(&m, &d, cmd_def(PROTO_HOYMILES,
	    CMD_REBOOT), NULL, topic, sizeof(topic), buf, 100) == 0, "small buffer");
	return (NULL);
}
