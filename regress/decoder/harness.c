/*
 * The decoder test harness; see harness.h.
 */

#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

struct pv_deviceconf	 devices[MAX_DEVICES];
int			 ndevices;
int			 accept_known;
const char		*vecdir = ".";

static char		 detail[512];
static int		 ncases, nfailed;
static struct conn	 theconn;
static uint64_t		 state[STATE_MAX / sizeof(uint64_t)];

static void	out_reply(struct pvctx *, const uint8_t *, size_t);
static void	out_record(struct pvctx *, const struct record *);
static void	out_dump(struct pvctx *, const uint8_t *, size_t,
		    const char *);
static void	out_close(struct pvctx *);
static void	out_timer(struct pvctx *, unsigned int);
static const struct pv_deviceconf *out_device(struct pvctx *, const char *);
static void	out_claim(struct pvctx *, const char *);
static int	out_admit(struct pvctx *, const char *);
static void	out_hangup(struct pvctx *, unsigned int);
static int	hexval(int);

static const struct pvout	testout = {
	out_reply, out_record, out_dump, out_close, out_timer, out_device,
	out_claim, out_admit, out_hangup
};

/* record the first failed check of a case */
void
check(int ok, const char *fmt, ...)
{
	va_list	ap;

	if (ok || detail[0] != '\0')
		return;
	va_start(ap, fmt);
	(void)vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (detail[0] == '\0')
		(void)snprintf(detail, sizeof(detail), "failed");
}

void
result(const char *fmt, ...)
{
	char	name[128];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	ncases++;
	if (detail[0] == '\0')
		printf("ok - %s\n", name);
	else {
		printf("not ok - %s: %s\n", name, detail);
		nfailed++;
	}
	detail[0] = '\0';
}

int
failing(void)
{
	return (detail[0] != '\0');
}

void
set_tz(const char *tz)
{
	if (setenv("TZ", tz, 1) == -1)
		exit(2);
	tzset();
}

int
finish(void)
{
	printf("%d passed, %d failed\n", ncases - nfailed, nfailed);
	return (nfailed > 0 ? 1 : 0);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

int
vec_hex(struct vec *v, const char *s)
{
	int	c, hi = -1;

	v->len = 0;
	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
			continue;
		if ((c = hexval((unsigned char)*s)) < 0) {
			check(0, "not hex: '%c'", *s);
			return (-1);
		}
		if (hi < 0) {
			hi = c;
			continue;
		}
		if (v->len == sizeof(v->b)) {
			check(0, "vector too long");
			return (-1);
		}
		v->b[v->len++] = (uint8_t)(hi << 4 | c);
		hi = -1;
	}
	if (hi >= 0 || v->len == 0) {
		check(0, "odd or empty hex");
		return (-1);
	}
	return (0);
}

int
vec_load(struct vec *v, const char *id)
{
	char		 path[1024];
	DIR		*d;
	struct dirent	*de;
	FILE		*f;
	char		*text;
	size_t		 idlen = strlen(id), n;
	int		 found = 0, rv;

	v->len = 0;
	if ((d = opendir(vecdir)) == NULL) {
		check(0, "opendir %s", vecdir);
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, id, idlen) == 0 &&
		    de->d_name[idlen] == '-') {
			(void)snprintf(path, sizeof(path), "%s/%s", vecdir,
			    de->d_name);
			found = 1;
			break;
		}
	}
	closedir(d);
	if (!found) {
		check(0, "no vector %s in %s", id, vecdir);
		return (-1);
	}
	if ((f = fopen(path, "r")) == NULL) {
		check(0, "fopen %s", path);
		return (-1);
	}
	if ((text = malloc(4 * VEC_MAX + 1)) == NULL) {
		fclose(f);
		check(0, "malloc");
		return (-1);
	}
	n = fread(text, 1, 4 * VEC_MAX, f);
	text[n] = '\0';
	fclose(f);
	if (n == 4 * VEC_MAX) {
		free(text);
		check(0, "%s: too long", path);
		return (-1);
	}
	rv = vec_hex(v, text);
	free(text);
	if (rv == -1)
		check(0, "%s: bad hex", path);
	return (rv);
}

static void
out_reply(struct pvctx *ctx, const uint8_t *buf, size_t len)
{
	struct conn	*c = ctx->arg;

	if (c->nreplies < MAX_REPLIES) {
		memcpy(c->reply[c->nreplies], buf, len < REPLY_KEEP ?
		    len : REPLY_KEEP);
		c->replylen[c->nreplies] = len;
	}
	c->nreplies++;
}

static void
out_record(struct pvctx *ctx, const struct record *rec)
{
	struct conn	*c = ctx->arg;

	if (c->nrecords < MAX_RECORDS)
		c->rec[c->nrecords] = *rec;
	c->nrecords++;
}

static void
out_dump(struct pvctx *ctx, const uint8_t *buf, size_t len,
    const char *reason)
{
	struct conn	*c = ctx->arg;

	if (c->ndumps < MAX_DUMPS) {
		(void)snprintf(c->reason[c->ndumps], PV_REASONLEN, "%s",
		    reason);
		c->dumplen[c->ndumps] = len;
		memcpy(c->dump[c->ndumps], buf, len < DUMP_KEEP ?
		    len : DUMP_KEEP);
	}
	c->ndumps++;
}

static void
out_close(struct pvctx *ctx)
{
	struct conn	*c = ctx->arg;

	c->ncloses++;
}

static void
out_timer(struct pvctx *ctx, unsigned int msec)
{
	struct conn	*c = ctx->arg;

	c->timer = msec;
	c->ntimers++;
}

static const struct pv_deviceconf *
out_device(struct pvctx *ctx, const char *name)
{
	int	i;

	(void)ctx;
	for (i = 0; i < ndevices && i < MAX_DEVICES; i++)
		if (strcmp(devices[i].name, name) == 0)
			return (&devices[i]);
	return (NULL);
}

static void
out_claim(struct pvctx *ctx, const char *name)
{
	struct conn	*c = ctx->arg;

	(void)snprintf(c->claim, sizeof(c->claim), "%s", name);
	c->nclaims++;
}

/* as the decoder does it: [device NAME] or the logger = of one */
static int
out_admit(struct pvctx *ctx, const char *name)
{
	struct conn	*c = ctx->arg;
	char		 logger[16];
	int		 i;

	(void)snprintf(c->admit, sizeof(c->admit), "%s", name);
	c->nadmits++;
	if (!accept_known || c->refused)
		return (!c->refused);
	for (i = 0; i < ndevices && i < MAX_DEVICES; i++) {
		(void)snprintf(logger, sizeof(logger), "%u",
		    devices[i].logger);
		if (strcmp(devices[i].name, name) == 0 ||
		    (devices[i].logger != 0 && strcmp(logger, name) == 0))
			return (1);
	}
	c->refused = 1;
	c->ncloses++;
	return (0);
}

static void
out_hangup(struct pvctx *ctx, unsigned int msec)
{
	struct conn	*c = ctx->arg;

	c->nhangups++;
	c->redial = msec;
}

struct conn *
conn_open(int id, uint32_t capture_limit)
{
	struct conn	*c = &theconn;

	memset(c, 0, sizeof(*c));
	memset(state, 0, sizeof(state));
	c->proto = proto_byid(id);
	if (c->proto == NULL || c->proto->statesize > sizeof(state)) {
		check(0, "protocol %d missing or state too big", id);
		c->proto = proto_byid(PROTO_CAPTURE);
	}
	c->conf.proto = id;
	c->conf.heartbeat_interval = TEST_HB;
	c->conf.capture_limit = capture_limit;
	c->ctx.conf = &c->conf;
	c->ctx.state = state;
	c->ctx.conn = 42;
	c->ctx.now = TEST_NOW;
	c->ctx.peer = TEST_PEER;
	c->ctx.out = &testout;
	c->ctx.arg = c;
	return (c);
}

void
feed(struct conn *c, const uint8_t *p, size_t n)
{
	const char	*why;
	size_t		 fn;
	int		 v;

	if (c->dead)
		return;
	if (n > sizeof(c->buf) - c->len) {
		check(0, "test buffer overflow");
		return;
	}
	memcpy(c->buf + c->len, p, n);
	c->len += n;
	while (c->len > 0) {
		fn = 0;
		why = NULL;
		v = c->proto->frame(c->buf, c->len, TEST_MAXFRAME, &fn, &why);
		if (v == FRAME_MORE)
			return;
		if (v == FRAME_CLOSE) {
			(void)snprintf(c->closewhy, sizeof(c->closewhy), "%s",
			    why ? why : "(null)");
			c->dead = 1;
			c->len = 0;
			return;
		}
		if ((v != FRAME_OK && v != FRAME_SKIP) || fn < 1 ||
		    fn > c->len || (v == FRAME_SKIP && why == NULL)) {
			c->badverdict++;
			c->len = 0;
			return;
		}
		if (v == FRAME_OK) {
			c->nframes++;
			c->proto->decode(&c->ctx, c->buf, fn);
		} else {
			if (c->nskips < MAX_SKIPS) {
				c->skipn[c->nskips] = fn;
				(void)snprintf(c->skipwhy[c->nskips],
				    PV_REASONLEN, "%s", why);
			}
			c->nskips++;
		}
		memmove(c->buf, c->buf + fn, c->len - fn);
		c->len -= fn;
	}
}

void
conn_up(struct conn *c)
{
	if (c->proto->open != NULL)
		c->proto->open(&c->ctx);
}

void
conn_tick(struct conn *c)
{
	check(c->timer != 0, "tick without an armed timer");
	c->timer = 0;
	if (c->proto->tick != NULL)
		c->proto->tick(&c->ctx);
}

void
conn_gone(struct conn *c)
{
	c->timer = 0;
	if (c->proto->gone != NULL)
		c->proto->gone(&c->ctx);
}

void
conn_clear(struct conn *c)
{
	c->nframes = c->nskips = c->badverdict = 0;
	c->nreplies = c->nrecords = c->ndumps = c->ncloses = 0;
	c->ntimers = c->nclaims = c->nhangups = 0;
}

void
conn_reopen(struct conn *c)
{
	conn_clear(c);
	c->len = 0;
	c->dead = 0;
	c->timer = 0;
	c->redial = 0;
	c->ctx.conn++;
}

const char *
mname(int id, int index)
{
	static char	name[64];
	struct metric	m;

	memset(&m, 0, sizeof(m));
	m.id = id;
	m.index = index;
	if (metric_name(&m, name, sizeof(name)) < 0)
		(void)snprintf(name, sizeof(name), "metric %d/%d", id, index);
	return (name);
}

void
want_metric(const struct record *rec, int id, int index, int64_t raw,
    int decimals)
{
	const struct metric	*m;

	if ((m = record_find(rec, id, index)) == NULL) {
		check(0, "%s missing", mname(id, index));
		return;
	}
	check(m->raw == raw && m->decimals == decimals,
	    "%s = %lld/10^%d, want %lld/10^%d", mname(id, index),
	    (long long)m->raw, m->decimals, (long long)raw, decimals);
}

void
want_absent(const struct record *rec, int id, int index)
{
	check(record_find(rec, id, index) == NULL, "%s present",
	    mname(id, index));
}

void
want_attr(const struct record *rec, int id, const char *value)
{
	const char	*a;

	a = record_findattr(rec, id);
	if (value == NULL) {
		check(a == NULL, "attribute %s present: \"%s\"",
		    attr_names[id], a ? a : "");
		return;
	}
	check(a != NULL, "attribute %s missing", attr_names[id]);
	if (a != NULL)
		check(strcmp(a, value) == 0, "attribute %s = \"%s\", want "
		    "\"%s\"", attr_names[id], a, value);
}

const struct record *
want_record(struct conn *c, const char *device)
{
	int	i;

	for (i = 0; i < c->nrecords && i < MAX_RECORDS; i++)
		if (strcmp(c->rec[i].device, device) == 0)
			return (&c->rec[i]);
	check(0, "no record of %s", device);
	return (NULL);
}

void
want_reply(struct conn *c, int n, const uint8_t *ref, size_t reflen)
{
	int	i = c->nreplies - 1;

	check(c->nreplies == n, "%d replies, want %d", c->nreplies, n);
	if (ref == NULL || i < 0 || i >= MAX_REPLIES)
		return;
	check(c->replylen[i] == reflen && reflen <= REPLY_KEEP &&
	    memcmp(c->reply[i], ref, reflen) == 0,
	    "reply differs (len %zu, want %zu)", c->replylen[i], reflen);
}

void
want_dump(struct conn *c, int n, const char *reason)
{
	int	i, found = 0;

	check(c->ndumps == n, "%d dumps, want %d%s%s", c->ndumps, n,
	    c->ndumps > 0 ? ", first: " : "",
	    c->ndumps > 0 ? c->reason[0] : "");
	if (reason == NULL)
		return;
	for (i = 0; i < c->ndumps && i < MAX_DUMPS; i++)
		if (strcmp(c->reason[i], reason) == 0)
			found = 1;
	check(found, "no dump \"%s\"%s%s", reason,
	    c->ndumps > 0 ? ", first: " : "",
	    c->ndumps > 0 ? c->reason[0] : "");
}

void
want_dump_of(struct conn *c, const uint8_t *buf, size_t len)
{
	if (c->ndumps > 0)
		check(c->dumplen[0] == len && memcmp(c->dump[0], buf,
		    len < DUMP_KEEP ? len : DUMP_KEEP) == 0,
		    "dump is not the frame");
}
