/*
 * pvgatectl counters: the figures every process sent, laid out by the
 * table in lib/ctl.c, so that a new counter needs no code here.  A
 * listener's are per port and protocol (the connector's for all it
 * dials), the decoder's per protocol, the exporter's for the gateway.
 */

#include "compat.h"

#include <ctype.h>
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "pvgatectl.h"

/* a row: one listener, one protocol, or the gateway */
struct key {
	uint16_t	port;
	uint16_t	proto;
};

static int
counter_cmp(const void *a, const void *b)
{
	const struct ctl_counter	*x = a, *y = b;

	if (x->id != y->id)
		return (x->id < y->id ? -1 : 1);
	if (x->port != y->port)
		return (x->port < y->port ? -1 : 1);
	if (x->proto != y->proto)
		return (x->proto < y->proto ? -1 : 1);
	return (strcmp(x->reason, y->reason));
}

static int
key_cmp(const void *a, const void *b)
{
	const struct key	*x = a, *y = b;

	if (x->port != y->port)
		return (x->port < y->port ? -1 : 1);
	return (x->proto < y->proto ? -1 : x->proto > y->proto);
}

static int
scope_of(const struct ctl_counter *c)
{
	if (c->id <= CTR_NONE || c->id >= CTR_MAX)
		return (-1);
	return (ctl_counters[c->id].scope);
}

/* the distinct rows of a scope, sorted; the caller frees them */
static struct key *
keys(const struct answers *a, int scope, size_t *n)
{
	struct key	*k;
	size_t		 i, j;

	if ((k = calloc(a->ncounter + 1, sizeof(*k))) == NULL)
		err(1, NULL);
	*n = 0;
	for (i = 0; i < a->ncounter; i++) {
		if (scope_of(&a->counter[i]) != scope)
			continue;
		for (j = 0; j < *n; j++)
			if (k[j].port == a->counter[i].port &&
			    k[j].proto == a->counter[i].proto)
				break;
		if (j < *n)
			continue;
		k[*n].port = a->counter[i].port;
		k[*n].proto = a->counter[i].proto;
		(*n)++;
	}
	qsort(k, *n, sizeof(*k), key_cmp);
	return (k);
}

static uint64_t
value(const struct answers *a, int id, const struct key *k)
{
	size_t	i;

	for (i = 0; i < a->ncounter; i++)
		if (a->counter[i].id == id && a->counter[i].port == k->port &&
		    a->counter[i].proto == k->proto)
			return (a->counter[i].value);
	return (0);
}

static const char *
proto_label(unsigned int id)
{
	const struct proto	*pr = proto_byid(id);

	return (pr != NULL ? pr->name : "");
}

/* how a row is called in text: "10000 solarman-v5", "connector" */
static void
key_name(int scope, const struct key *k, char *buf, size_t len)
{
	if (scope == SCOPE_LISTENER && k->port == 0)
		snprintf(buf, len, "connector");
	else if (scope == SCOPE_LISTENER)
		snprintf(buf, len, "%u %s", k->port, proto_label(k->proto));
	else if (scope == SCOPE_PROTOCOL)
		snprintf(buf, len, "%s", proto_label(k->proto));
	else
		snprintf(buf, len, "exporter");
}

static void
text_scope(const struct answers *a, int scope, const char *first)
{
	const char	*heads[16];
	struct table	*t;
	struct key	*k;
	char		 name[96], hb[16][32];
	size_t		 nk, i, j;
	int		 id, nh = 0;

	heads[nh++] = first;
	for (id = 1; id < CTR_MAX && nh < (int)nitems(heads); id++) {
		if (ctl_counters[id].scope != scope ||
		    ctl_counters[id].column == NULL)
			continue;
		/* numbers: right aligned */
		snprintf(hb[nh], sizeof(hb[nh]), ">%s",
		    ctl_counters[id].column);
		for (j = 0; hb[nh][j] != '\0'; j++)
			hb[nh][j] = toupper((unsigned char)hb[nh][j]);
		heads[nh] = hb[nh];
		nh++;
	}
	k = keys(a, scope, &nk);
	t = table_new(heads, nh);
	for (i = 0; i < nk; i++) {
		key_name(scope, &k[i], name, sizeof(name));
		table_cell(t, "%s", name);
		for (id = 1; id < CTR_MAX; id++)
			if (ctl_counters[id].scope == scope &&
			    ctl_counters[id].column != NULL)
				table_cell(t, "%" PRIu64, value(a, id, &k[i]));
	}
	table_print(t, stdout);
	free(k);
}

/* the counters by reason, those that are not 0 */
static void
text_reasons(const struct answers *a)
{
	static const char *const h[] = { "WHERE", "COUNTER", "REASON",
	    ">COUNT" };
	const struct ctl_counter	*c;
	const struct ctl_counter_def	*d;
	struct table			*t;
	struct key			 k;
	char				 name[96];
	size_t				 i;

	t = table_new(h, nitems(h));
	for (i = 0; i < a->ncounter; i++) {
		c = &a->counter[i];
		if (scope_of(c) == -1 || c->value == 0)
			continue;
		d = &ctl_counters[c->id];
		if (d->column != NULL)
			continue;
		k.port = c->port;
		k.proto = c->proto;
		key_name(d->scope, &k, name, sizeof(name));
		table_cell(t, "%s", name);
		table_cell(t, "%s", d->name);
		table_cell(t, "%s", c->reason);
		table_cell(t, "%" PRIu64, c->value);
	}
	table_print(t, stdout);
}

static void
counters_text(const struct answers *a)
{
	text_scope(a, SCOPE_LISTENER, "LISTENER");
	printf("\n");
	text_scope(a, SCOPE_PROTOCOL, "PROTOCOL");
	printf("\n");
	text_scope(a, SCOPE_GATEWAY, "GATEWAY");
	printf("\n");
	text_reasons(a);
}

static void
json_scope_row(const struct answers *a, int scope, const struct key *k)
{
	const struct ctl_counter	*c;
	size_t				 i;
	int				 id;

	for (id = 1; id < CTR_MAX; id++) {
		if (ctl_counters[id].scope != scope)
			continue;
		if (ctl_counters[id].column != NULL) {
			json_uint(ctl_counters[id].name, value(a, id, k));
			continue;
		}
		json_object(ctl_counters[id].name);
		for (i = 0; i < a->ncounter; i++) {
			c = &a->counter[i];
			if (c->id == id && c->port == k->port &&
			    c->proto == k->proto)
				json_uint(c->reason, c->value);
		}
		json_close();
	}
}

static void
json_scope(const struct answers *a, int scope, const char *name)
{
	struct key	*k;
	char		 port[16];
	size_t		 nk, i;

	k = keys(a, scope, &nk);
	if (scope == SCOPE_GATEWAY) {
		json_object(name);
		if (nk > 0)
			json_scope_row(a, scope, &k[0]);
		json_close();
		free(k);
		return;
	}
	json_array(name);
	for (i = 0; i < nk; i++) {
		json_object(NULL);
		if (scope == SCOPE_LISTENER) {
			snprintf(port, sizeof(port), "%u", k[i].port);
			json_string("listener", k[i].port == 0 ? "connector" :
			    port);
			json_uint("port", k[i].port);
		}
		json_string("protocol", proto_label(k[i].proto));
		json_scope_row(a, scope, &k[i]);
		json_close();
	}
	json_close();
	free(k);
}

static void
counters_json(const struct answers *a)
{
	json_begin();
	json_procs(a);
	json_scope(a, SCOPE_LISTENER, "listeners");
	json_scope(a, SCOPE_PROTOCOL, "protocols");
	json_scope(a, SCOPE_GATEWAY, "gateway");
	json_end();
}

/* a label value, escaped as the text format wants */
static void
om_value(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			printf("\\%c", *s);
		else if (*s == '\n')
			printf("\\n");
		else
			putchar(*s);
	}
	putchar('"');
}

static void
om_labels(const struct ctl_counter *c)
{
	const struct ctl_counter_def	*d = &ctl_counters[c->id];
	const char			*sep = "";

	putchar('{');
	if (d->scope == SCOPE_LISTENER) {
		printf("listener=");
		if (c->port == 0)
			om_value("connector");
		else
			printf("\"%u\"", c->port);
		sep = ",";
	}
	if (c->proto != 0) {
		printf("%sprotocol=", sep);
		om_value(proto_label(c->proto));
		sep = ",";
	}
	if (d->label != NULL) {
		printf("%s%s=", sep, d->label);
		om_value(c->reason);
	}
	putchar('}');
}

static void
om_procs(const struct answers *a)
{
	static const struct {
		const char	*name;
		const char	*help;
	} g[] = {
		{ "process_resident_memory_bytes", "Memory resident now." },
		{ "process_max_resident_memory_bytes",
		    "The most memory resident so far." },
		{ "process_start_time_seconds", "When the process started." },
	};
	const struct ctl_proc	*p;
	size_t			 i, j;
	uint64_t		 v;

	for (j = 0; j < nitems(g); j++) {
		printf("# TYPE pvgated_%s gauge\n# HELP pvgated_%s %s\n",
		    g[j].name, g[j].name, g[j].help);
		for (i = 0; i < a->nproc; i++) {
			p = &a->proc[i];
			v = j == 0 ? p->rss : j == 1 ? p->maxrss :
			    (uint64_t)p->start;
			printf("pvgated_%s{process=", g[j].name);
			om_value(p->name);
			printf(",role=");
			om_value(ctl_role_name(p->role));
			printf("} %" PRIu64 "\n", v);
		}
	}
}

/*
 * OpenMetrics 1.0: every family once, its samples together, counters
 * as NAME_total, "# EOF" at the end.
 */
static void
counters_openmetrics(const struct answers *a)
{
	const struct ctl_counter_def	*d;
	size_t				 i;
	int				 id;

	for (id = 1; id < CTR_MAX; id++) {
		d = &ctl_counters[id];
		for (i = 0; i < a->ncounter && a->counter[i].id != id; i++)
			;
		if (i == a->ncounter)
			continue;
		printf("# TYPE pvgated_%s %s\n# HELP pvgated_%s %s\n",
		    d->name, d->gauge ? "gauge" : "counter", d->name, d->help);
		for (; i < a->ncounter && a->counter[i].id == id; i++) {
			printf("pvgated_%s%s", d->name, d->gauge ? "" :
			    "_total");
			om_labels(&a->counter[i]);
			printf(" %" PRIu64 "\n", a->counter[i].value);
		}
	}
	om_procs(a);
	printf("# EOF\n");
}

void
show_counters(struct answers *a, int format)
{
	qsort(a->counter, a->ncounter, sizeof(*a->counter), counter_cmp);
	if (format == OUT_JSON)
		counters_json(a);
	else if (format == OUT_OPENMETRICS)
		counters_openmetrics(a);
	else
		counters_text(a);
}
