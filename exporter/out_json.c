/*
 * Records as JSON lines.  Every string may come from a hostile device,
 * so everything that is not printable ASCII is escaped: the output is
 * always valid JSON, valid UTF-8 and free of terminal control codes.
 * Bytes from 0x80 up become \u0080..\u00ff, one per byte.  The writer
 * and the escaper are in outbuf.c.
 */

#include <stdint.h>

#include "proto.h"
#include "record.h"
#include "exporter.h"

/* a string constant: its length known when compiled, not measured */
#define JOUT_LIT(o, s)	outbuf_mem((o), (s), sizeof(s) - 1)

static void	 jout_metrics(struct outbuf *, const struct record *);
static void	 jout_attrs(struct outbuf *, const struct record *);

/*
 * "name":value pairs, each built whole: right in the output when an
 * item of any size fits there, else in item[] and added in one copy.
 * A name comes from the metric table and needs no escape: export_test
 * checks that every name in it is plain [a-z0-9_].
 */
static void
jout_metrics(struct outbuf *o, const struct record *rec)
{
	char	 item[160], *dst;
	size_t	 i, n, k, lead = 0;
	int	 len;

	n = rec->nmetrics;
	if (n > RECORD_MAX_METRICS)
		n = RECORD_MAX_METRICS;
	JOUT_LIT(o, ",\"metrics\":{");
	for (i = 0; i < n; i++) {
		if ((dst = outbuf_tail(o, sizeof(item))) == NULL)
			dst = item;
		/* an invalid metric cannot come out of record_unpack() */
		k = 0;
		if (lead)
			dst[k++] = ',';
		dst[k++] = '"';
		if ((len = metric_name(&rec->metrics[i], dst + k,
		    sizeof(item) - k - 2)) == -1)
			continue;
		k += len;
		dst[k++] = '"';
		dst[k++] = ':';
		if ((len = metric_value(&rec->metrics[i], dst + k,
		    sizeof(item) - k)) == -1)
			continue;
		if (dst == item)
			outbuf_mem(o, item, k + len);
		else
			outbuf_grow(o, k + len);
		/* the next item starts with its comma */
		lead = 1;
	}
	outbuf_mem(o, "}", 1);
}

static void
jout_attrs(struct outbuf *o, const struct record *rec)
{
	const struct record_attr	*a;
	size_t				 i, n;
	int				 first = 1;

	n = rec->nattrs;
	if (n > RECORD_MAX_ATTRS)
		n = RECORD_MAX_ATTRS;
	for (i = 0; i < n; i++) {
		a = &rec->attrs[i];
		if (a->id <= A_NONE || a->id >= A_MAX)
			continue;
		if (first)
			JOUT_LIT(o, ",\"attributes\":{");
		else
			JOUT_LIT(o, ",");
		first = 0;
		outbuf_json(o, attr_names[a->id], RECORD_ATTRLEN,
		    JSON_SHORTESC);
		outbuf_mem(o, ":", 1);
		outbuf_json(o, record_attrvalue(rec, i), RECORD_VALUELEN,
		    JSON_SHORTESC);
	}
	if (!first)
		outbuf_mem(o, "}", 1);
}

/*
 * One record as one JSON line, '\n' included, NUL-terminated.  Returns
 * the length without the NUL, or 0 if buf is too small or the time
 * cannot be written.
 */
size_t
json_record(const struct record *rec, char *buf, size_t len)
{
	struct outbuf		 o;
	const struct proto	*p;
	const char		*kind, *pname;
	/* a batch of records has one time: formatted once */
	static char		 ts[32];
	static int64_t		 tstime;
	static int		 tslen = -1;

	if (len == 0)
		return (0);
	if (tslen == -1 || rec->time != tstime) {
		tslen = json_time(rec->time, ts, sizeof(ts));
		tstime = rec->time;
	}
	if (tslen == -1)
		return (0);
	kind = record_kind_name(rec->kind);
	p = proto_byid(rec->proto);
	pname = p != NULL && p->name != NULL ? p->name : "unknown";

	outbuf_init(&o, buf, len);
	JOUT_LIT(&o, "{\"time\":\"");
	outbuf_mem(&o, ts, tslen);
	JOUT_LIT(&o, "\",\"kind\":\"");
	outbuf_str(&o, kind);
	JOUT_LIT(&o, "\",\"protocol\":");
	outbuf_json(&o, pname, PV_NAMELEN, JSON_SHORTESC);
	JOUT_LIT(&o, ",\"device\":");
	outbuf_json(&o, rec->device, sizeof(rec->device), JSON_SHORTESC);
	if (rec->via[0] != '\0') {
		JOUT_LIT(&o, ",\"via\":");
		outbuf_json(&o, rec->via, sizeof(rec->via), JSON_SHORTESC);
	}
	JOUT_LIT(&o, ",\"peer\":");
	outbuf_json(&o, rec->peer, sizeof(rec->peer), JSON_SHORTESC);
	jout_metrics(&o, rec);
	jout_attrs(&o, rec);
	JOUT_LIT(&o, "}\n");
	return (outbuf_end(&o));
}
