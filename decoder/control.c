/*
 * The decoder's answers to the control socket, and the devices it has
 * seen since it started: every serial a record or a claim named, with
 * what its connections did.  The table is a fixed hash with at most
 * SEEN_MAX devices, so a flood of invented serials costs bounded
 * memory (the rest is counted as untracked).  Counting costs a few
 * additions per frame; the sums over live connections are made only
 * when pvgatectl asks.
 */

#include "compat.h"

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "confmsg.h"
#include "ctl.h"
#include "decoder.h"
#include "imsgev.h"
#include "log.h"

#define SEEN_MAX	4096
#define SEEN_BUCKETS	1024

struct seen {
	SLIST_ENTRY(seen)	 entry;
	uint16_t		 proto;
	char			 serial[PV_NAMELEN];
	char			 via[PV_NAMELEN];
	char			 model[PV_NAMELEN];
	char			 peer[64];
	time_t			 first;
	time_t			 last;
	uint64_t		 records;
	uint64_t		 refused;	/* connections, accept = known */
	struct tally		 done;		/* closed connections */
	struct tally		 live;		/* while answering */
};

struct pstats		 pstats[PROTO_MAX];

static SLIST_HEAD(, seen) seen[SEEN_BUCKETS];
static int		 nseen;

static unsigned int
seen_hash(uint16_t proto, const char *s)
{
	unsigned int	h = 2166136261u ^ proto;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % SEEN_BUCKETS;
}

/* the device, found or new; NULL when the table is full */
static struct seen *
seen_get(uint16_t proto, const char *serial, time_t now)
{
	struct seen	*d;
	unsigned int	 h;

	if (serial[0] == '\0' || proto >= PROTO_MAX)
		return NULL;
	h = seen_hash(proto, serial);
	SLIST_FOREACH(d, &seen[h], entry)
		if (d->proto == proto && strcmp(d->serial, serial) == 0)
			return d;
	if (nseen >= SEEN_MAX) {
		pstats[proto].untracked++;
		return NULL;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		fatal(NULL);
	d->proto = proto;
	strlcpy(d->serial, serial, sizeof(d->serial));
	d->first = d->last = now;
	SLIST_INSERT_HEAD(&seen[h], d, entry);
	nseen++;
	return d;
}

/*
 * src into dst as strlcpy() writes it, unless dst holds that already:
 * a device's records come on one connection, with one peer and via.
 */
static void
seen_copy(char *dst, const char *src, size_t size)
{
	if (strncmp(dst, src, size) != 0)
		strlcpy(dst, src, size);
}

static void
tally_add(struct tally *to, const struct tally *t)
{
	to->frames += t->frames;
	to->replies += t->replies;
	to->dumps += t->dumps;
	to->errors += t->errors;
	if (t->last > to->last)
		to->last = t->last;
}

/*
 * A record: about its device; the connection it came on speaks for
 * the collector it came through, else for that device, unless the
 * protocol claimed it for another.
 */
void
seen_record(struct dcount *dc, const struct record *rec, const char *peer,
    time_t now)
{
	struct seen	*d;
	const char	*model;

	if ((d = seen_get(rec->proto, rec->device, now)) != NULL) {
		d->records++;
		d->last = now;
		if (rec->via[0] != '\0')
			seen_copy(d->via, rec->via, sizeof(d->via));
		seen_copy(d->peer, peer, sizeof(d->peer));
		if (rec->kind == REC_DEVICE &&
		    (model = record_findattr(rec, A_MODEL)) != NULL)
			strlcpy(d->model, model, sizeof(d->model));
	}
	if (dc->owner == NULL)
		dc->owner = rec->via[0] != '\0' ?
		    seen_get(rec->proto, rec->via, now) : d;
	if (dc->owner != NULL && dc->owner != d)
		seen_copy(dc->owner->peer, peer, sizeof(dc->owner->peer));
}

/* the protocol says which device a connection speaks for */
void
seen_claim(struct dcount *dc, uint16_t proto, const char *name,
    const char *peer, time_t now)
{
	struct seen	*d;

	if ((d = seen_get(proto, name, now)) == NULL)
		return;
	d->last = now;
	strlcpy(d->peer, peer, sizeof(d->peer));
	dc->owner = d;
}

/* accept = known turned the device away */
void
seen_refused(uint16_t proto, const char *name, const char *peer, time_t now)
{
	struct seen	*d;

	if ((d = seen_get(proto, name, now)) == NULL)
		return;
	d->refused++;
	d->last = now;
	strlcpy(d->peer, peer, sizeof(d->peer));
}

/* a connection is gone: what it did stays with its device */
void
seen_gone(struct dcount *dc)
{
	if (dc->owner != NULL)
		tally_add(&dc->owner->done, &dc->t);
}

static void
live_add(uint64_t id, struct dcount *dc, void *arg)
{
	(void)id;
	(void)arg;
	if (dc->owner != NULL)
		tally_add(&dc->owner->live, &dc->t);
}

static void
decoder_ctl_devices(struct imsgev *iev, uint32_t id)
{
	struct ctl_device	 cd;
	struct seen		*d;
	int			 i;

	for (i = 0; i < SEEN_BUCKETS; i++)
		SLIST_FOREACH(d, &seen[i], entry)
			d->live = d->done;
	decoder_conns(live_add, NULL);
	for (i = 0; i < SEEN_BUCKETS; i++)
		SLIST_FOREACH(d, &seen[i], entry) {
			memset(&cd, 0, sizeof(cd));
			cd.first = d->first;
			cd.last = d->live.last > d->last ? d->live.last :
			    d->last;
			cd.frames = d->live.frames;
			cd.replies = d->live.replies;
			cd.records = d->records;
			cd.dumps = d->live.dumps;
			cd.errors = d->live.errors;
			cd.refused = d->refused;
			cd.proto = d->proto;
			strlcpy(cd.serial, d->serial, sizeof(cd.serial));
			strlcpy(cd.via, d->via, sizeof(cd.via));
			strlcpy(cd.model, d->model, sizeof(cd.model));
			strlcpy(cd.peer, d->peer, sizeof(cd.peer));
			ctl_answer(iev, id, IMSG_CTL_DEVICE, &cd, sizeof(cd));
		}
}

struct claims {
	struct imsgev	*iev;
	uint32_t	 id;
};

static void
claim_one(uint64_t conn, struct dcount *dc, void *arg)
{
	struct claims		*cl = arg;
	struct ctl_claim	 c;

	if (dc->owner == NULL)
		return;
	memset(&c, 0, sizeof(c));
	c.id = conn;
	strlcpy(c.device, dc->owner->serial, sizeof(c.device));
	ctl_answer(cl->iev, cl->id, IMSG_CTL_CLAIM, &c, sizeof(c));
}

static void
decoder_ctl_counters(struct imsgev *iev, const struct pvconf *conf,
    uint32_t id)
{
	uint64_t		 ndev[PROTO_MAX];
	struct seen		*d;
	int			 i;

	memset(ndev, 0, sizeof(ndev));
	for (i = 0; i < SEEN_BUCKETS; i++)
		SLIST_FOREACH(d, &seen[i], entry)
			ndev[d->proto]++;
	for (i = 1; i < PROTO_MAX; i++) {
		const struct ctl_figure	f[] = {
			{ CTR_DECODER_CONNECTIONS, pstats[i].conns },
			{ CTR_DECODER_FRAMES, pstats[i].frames },
			{ CTR_DECODER_BYTES, pstats[i].bytes },
			{ CTR_DECODER_REPLIES, pstats[i].replies },
			{ CTR_DECODER_RECORDS, pstats[i].records },
			{ CTR_DECODER_DUMPS, pstats[i].dumps },
			{ CTR_DECODER_GARBAGE, pstats[i].garbage },
			{ CTR_DECODER_DEVICES, ndev[i] },
			{ CTR_DECODER_UNTRACKED, pstats[i].untracked },
			{ CTR_DECODER_REFUSED, pstats[i].refused },
			{ CTR_DECODER_CLOUD_RELAYED, relay_count(i, 0) },
			{ CTR_DECODER_CLOUD_BLOCKED, relay_count(i, 1) },
			{ CTR_DECODER_CLOUD_LOST, relay_count(i, 2) },
			{ CTR_DECODER_CLOUD_BACK, relay_count(i, 3) },
		};

		if (conf->proto[i].proto != PROTO_NONE)
			ctl_counters_send(iev, id, f, nitems(f), i, 0);
	}
}

void
decoder_ctl(struct imsgev *iev, const struct pvconf *conf,
    struct imsg *imsg)
{
	struct claims	cl;
	uint32_t	id = ctl_request(imsg, __func__);

	switch (imsg_get_type(imsg)) {
	case IMSG_CTL_STATUS:
		ctl_proc(iev, id);
		break;
	case IMSG_CTL_DEVICES:
		decoder_ctl_devices(iev, id);
		break;
	case IMSG_CTL_CONNECTIONS:
		cl.iev = iev;
		cl.id = id;
		decoder_conns(claim_one, &cl);
		break;
	case IMSG_CTL_COUNTERS:
		ctl_proc(iev, id);
		decoder_ctl_counters(iev, conf, id);
		break;
	}
	ctl_end(iev, id);
}
