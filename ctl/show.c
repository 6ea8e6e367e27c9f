/*
 * pvgatectl: the answers as aligned text, as JSON (-j), and the
 * counters in the OpenMetrics text format (-o openmetrics).
 */

#include "compat.h"

#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto.h"
#include "pvgatectl.h"
#include "util.h"

static const char *
proto_name(unsigned int id)
{
	const struct proto	*pr = proto_byid(id);

	return (pr != NULL ? pr->name : "-");
}

/* "42s", "5m07s", "1h02m", "3d04h" */
static const char *
fmt_age(char *buf, size_t len, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", (long long)s / 60,
		    (long long)s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", (long long)s / 3600,
		    (long long)s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", (long long)s / 86400,
		    (long long)s % 86400 / 3600);
	return (buf);
}

/* "812", "3.1K", "2.5M" (powers of 1024), "-" when unknown */
static const char *
fmt_bytes(char *buf, size_t len, uint64_t v)
{
	const char	*units = "KMGT";
	double		 d = v;
	int		 i = -1;

	if (v == 0)
		return ("-");
	while (d >= 1024 && i < 3) {
		d /= 1024;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%" PRIu64, v);
	else
		snprintf(buf, len, "%.1f%c", d, units[i]);
	return (buf);
}

/* local time, "-" when unknown */
static const char *
fmt_time(char *buf, size_t len, int64_t t)
{
	struct tm	tm;
	time_t		tt = t;

	if (t == 0 || localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return ("-");
	return (buf);
}

static const char *
fmt_addr(char *buf, size_t len, const struct pv_addr *a)
{
	if (pv_addr_str(a, buf, len) == -1)
		return ("-");
	return (buf);
}

static const char *
dash(const char *s)
{
	return (s[0] != '\0' ? s : "-");
}

static int
proc_cmp(const void *a, const void *b)
{
	const struct ctl_proc	*x = a, *y = b;

	if (x->role != y->role)
		return (x->role < y->role ? -1 : 1);
	return (strcmp(x->name, y->name));
}

static int
listener_cmp(const void *a, const void *b)
{
	const struct ctl_listener	*x = a, *y = b;

	return (x->port < y->port ? -1 : x->port > y->port);
}

static const char *
listener_state(const struct ctl_listener *l)
{
	if (l->draining)
		return ("draining");
	if (l->paused)
		return ("paused: decoder behind");
	if (!l->accepting)
		return ("paused: out of descriptors");
	return ("accepting");
}

static const char *
dial_state(unsigned int state)
{
	switch (state) {
	case DIAL_WAITING:
		return ("waiting");
	case DIAL_CONNECTING:
		return ("connecting");
	case DIAL_CONNECTED:
		return ("connected");
	}
	return ("?");
}

static void
status_procs(const struct answers *a)
{
	static const char *const h[] = { "PROCESS", ">PID", ">UPTIME",
	    ">RSS", ">MAXRSS" };
	struct table	*t;
	char		 b1[32], b2[32], b3[32];
	size_t		 i;

	t = table_new(h, nitems(h));
	for (i = 0; i < a->nproc; i++) {
		table_cell(t, "%s", a->proc[i].name);
		table_cell(t, "%u", a->proc[i].pid);
		table_cell(t, "%s", fmt_age(b1, sizeof(b1),
		    a->proc[i].uptime));
		table_cell(t, "%s", fmt_bytes(b2, sizeof(b2),
		    a->proc[i].rss));
		table_cell(t, "%s", fmt_bytes(b3, sizeof(b3),
		    a->proc[i].maxrss));
	}
	table_print(t, stdout);
}

static void
status_listeners(const struct answers *a)
{
	static const char *const h[] = { ">PORT", "PROTOCOL", ">CONNS",
	    ">MAX", ">PER ADDRESS", "STATE" };
	struct table	*t;
	size_t		 i;

	t = table_new(h, nitems(h));
	for (i = 0; i < a->nlistener; i++) {
		table_cell(t, "%u", a->listener[i].port);
		table_cell(t, "%s", proto_name(a->listener[i].proto));
		table_cell(t, "%u", a->listener[i].conns);
		table_cell(t, "%u", a->listener[i].max_connections);
		table_cell(t, "%u", a->listener[i].max_per_address);
		table_cell(t, "%s", listener_state(&a->listener[i]));
	}
	table_print(t, stdout);
}

static void
status_connectors(const struct answers *a)
{
	static const char *const h[] = { "DEVICE", "PROTOCOL", "ADDRESS",
	    "STATE", ">SINCE", ">FAILURES", ">NEXT DIAL", "LAST ERROR" };
	const struct ctl_connector	*c;
	struct table			*t;
	char				 b1[64], b2[32], b3[32];
	time_t				 now = time(NULL);
	size_t				 i;

	t = table_new(h, nitems(h));
	for (i = 0; i < a->nconnector; i++) {
		c = &a->connector[i];
		table_cell(t, "%s", c->device);
		table_cell(t, "%s", proto_name(c->proto));
		table_cell(t, "%s", fmt_addr(b1, sizeof(b1), &c->addr));
		table_cell(t, "%s", dial_state(c->state));
		table_cell(t, "%s", fmt_age(b2, sizeof(b2), now - c->since));
		table_cell(t, "%u", c->failures);
		table_cell(t, "%s", c->next == 0 ? "-" :
		    fmt_age(b3, sizeof(b3), c->next - now));
		table_cell(t, "%s", dash(c->error));
	}
	table_print(t, stdout);
}

static void
status_mqtt(const struct ctl_mqtt *m)
{
	char	b1[64], b2[32], b3[32], b4[32];
	time_t	now = time(NULL);

	if (!m->enabled) {
		printf("MQTT: not configured\n");
		return;
	}
	printf("MQTT: %s %s (%s) for %s; spool %s of %s in use, "
	    "%" PRIu64 " records waiting\n",
	    m->connected ? "connected to" : "not connected to",
	    m->host, fmt_addr(b1, sizeof(b1), &m->broker),
	    fmt_age(b2, sizeof(b2), m->since ? now - m->since : 0),
	    m->spool_bytes ? fmt_bytes(b3, sizeof(b3), m->spool_bytes) :
	    "0", fmt_bytes(b4, sizeof(b4), m->spool_size), m->spool_records);
}

/* what there is, a blank line between */
static void
status_text(const struct answers *a)
{
	size_t	i;

	status_procs(a);
	printf("\n");
	status_listeners(a);
	if (a->nconnector > 0) {
		printf("\n");
		status_connectors(a);
	}
	for (i = 0; i < a->nmqtt; i++) {
		printf("\n");
		status_mqtt(&a->mqtt[i]);
	}
}

void
json_procs(const struct answers *a)
{
	size_t	i;

	json_array("processes");
	for (i = 0; i < a->nproc; i++) {
		json_object(NULL);
		json_string("name", a->proc[i].name);
		json_string("role", ctl_role_name(a->proc[i].role));
		json_uint("pid", a->proc[i].pid);
		json_time_utc("start", a->proc[i].start);
		json_uint("uptime", a->proc[i].uptime);
		json_uint("rss", a->proc[i].rss);
		json_uint("maxrss", a->proc[i].maxrss);
		json_close();
	}
	json_close();
}

static void
status_json(const struct answers *a)
{
	const struct ctl_connector	*c;
	const struct ctl_listener	*l;
	char				 b[64];
	size_t				 i;

	json_begin();
	json_procs(a);
	json_array("listeners");
	for (i = 0; i < a->nlistener; i++) {
		l = &a->listener[i];
		json_object(NULL);
		json_uint("port", l->port);
		json_string("protocol", proto_name(l->proto));
		json_uint("connections", l->conns);
		json_uint("max_connections", l->max_connections);
		json_uint("max_per_address", l->max_per_address);
		json_string("state", listener_state(l));
		json_close();
	}
	json_close();
	json_array("connectors");
	for (i = 0; i < a->nconnector; i++) {
		c = &a->connector[i];
		json_object(NULL);
		json_string("device", c->device);
		json_string("protocol", proto_name(c->proto));
		json_string("address", fmt_addr(b, sizeof(b), &c->addr));
		json_string("state", dial_state(c->state));
		json_time_utc("since", c->since);
		json_uint("failures", c->failures);
		json_time_utc("next_dial", c->next);
		json_string("last_error", c->error);
		json_close();
	}
	json_close();
	for (i = 0; i < a->nmqtt; i++) {
		json_object("mqtt");
		json_bool("enabled", a->mqtt[i].enabled);
		json_bool("connected", a->mqtt[i].connected);
		json_string("host", a->mqtt[i].host);
		json_string("broker", a->mqtt[i].enabled ? fmt_addr(b,
		    sizeof(b), &a->mqtt[i].broker) : "");
		json_time_utc("since", a->mqtt[i].since);
		json_uint("spool_bytes", a->mqtt[i].spool_bytes);
		json_uint("spool_size", a->mqtt[i].spool_size);
		json_uint("spool_records", a->mqtt[i].spool_records);
		json_close();
	}
	json_end();
}

void
show_status(struct answers *a, int format)
{
	qsort(a->proc, a->nproc, sizeof(*a->proc), proc_cmp);
	qsort(a->listener, a->nlistener, sizeof(*a->listener),
	    listener_cmp);
	if (format == OUT_JSON)
		status_json(a);
	else
		status_text(a);
}

static int
device_cmp(const void *a, const void *b)
{
	const struct ctl_device	*x = a, *y = b;
	int			 n;

	if ((n = strcmp(proto_name(x->proto), proto_name(y->proto))) != 0)
		return (n);
	return (strcmp(x->serial, y->serial));
}

static void
devices_text(const struct answers *a)
{
	static const char *const h[] = { "PROTOCOL", "SERIAL", "VIA",
	    "MODEL", "PEER", "FIRST SEEN", "LAST SEEN", ">FRAMES",
	    ">REPLIES", ">RECORDS", ">DUMPS", ">ERRORS", ">REFUSED" };
	const struct ctl_device	*d;
	struct table		*t;
	char			 b1[32], b2[32];
	size_t			 i;

	if (a->ndevice == 0) {
		printf("no device seen since pvgated started\n");
		return;
	}
	t = table_new(h, nitems(h));
	for (i = 0; i < a->ndevice; i++) {
		d = &a->device[i];
		table_cell(t, "%s", proto_name(d->proto));
		table_cell(t, "%s", d->serial);
		table_cell(t, "%s", dash(d->via));
		table_cell(t, "%s", dash(d->model));
		table_cell(t, "%s", dash(d->peer));
		table_cell(t, "%s", fmt_time(b1, sizeof(b1), d->first));
		table_cell(t, "%s", fmt_time(b2, sizeof(b2), d->last));
		table_cell(t, "%" PRIu64, d->frames);
		table_cell(t, "%" PRIu64, d->replies);
		table_cell(t, "%" PRIu64, d->records);
		table_cell(t, "%" PRIu64, d->dumps);
		table_cell(t, "%" PRIu64, d->errors);
		table_cell(t, "%" PRIu64, d->refused);
	}
	table_print(t, stdout);
}

void
show_devices(struct answers *a, int format)
{
	const struct ctl_device	*d;
	size_t			 i;

	qsort(a->device, a->ndevice, sizeof(*a->device), device_cmp);
	if (format != OUT_JSON) {
		devices_text(a);
		return;
	}
	json_begin();
	json_array("devices");
	for (i = 0; i < a->ndevice; i++) {
		d = &a->device[i];
		json_object(NULL);
		json_string("protocol", proto_name(d->proto));
		json_string("serial", d->serial);
		json_string("via", d->via);
		json_string("model", d->model);
		json_string("peer", d->peer);
		json_time_utc("first_seen", d->first);
		json_time_utc("last_seen", d->last);
		json_uint("frames", d->frames);
		json_uint("replies", d->replies);
		json_uint("records", d->records);
		json_uint("dumps", d->dumps);
		json_uint("errors", d->errors);
		json_uint("refused", d->refused);
		json_close();
	}
	json_close();
	json_end();
}

static int
conn_cmp(const void *a, const void *b)
{
	const struct ctl_conn	*x = a, *y = b;

	return (x->id < y->id ? -1 : x->id > y->id);
}

/* the device the decoder says a connection speaks for, "" if none */
static const char *
conn_device(const struct answers *a, uint64_t id)
{
	size_t	i;

	for (i = 0; i < a->nclaim; i++)
		if (a->claim[i].id == id)
			return (a->claim[i].device);
	return ("");
}

static void
connections_text(const struct answers *a)
{
	static const char *const h[] = { ">PORT", "PROTOCOL", "DEVICE",
	    "PEER", "DESTINATION", ">AGE", ">FRAMES", ">IN", ">OUT" };
	const struct ctl_conn	*c;
	struct table		*t;
	char			 b1[64], b2[64], b3[32], b4[32], b5[32];
	time_t			 now = time(NULL);
	size_t			 i;

	if (a->nconn == 0) {
		printf("no connections\n");
		return;
	}
	t = table_new(h, nitems(h));
	for (i = 0; i < a->nconn; i++) {
		c = &a->conn[i];
		if (c->port == 0)
			table_cell(t, "dialled");
		else
			table_cell(t, "%u", c->port);
		table_cell(t, "%s", proto_name(c->proto));
		table_cell(t, "%s", dash(conn_device(a, c->id)));
		table_cell(t, "%s", fmt_addr(b1, sizeof(b1), &c->peer));
		table_cell(t, "%s", fmt_addr(b2, sizeof(b2), &c->dst));
		table_cell(t, "%s", fmt_age(b3, sizeof(b3), now - c->start));
		table_cell(t, "%" PRIu64, c->frames);
		table_cell(t, "%s", c->rxbytes ? fmt_bytes(b4, sizeof(b4),
		    c->rxbytes) : "0");
		table_cell(t, "%s", c->txbytes ? fmt_bytes(b5, sizeof(b5),
		    c->txbytes) : "0");
	}
	table_print(t, stdout);
}

void
show_connections(struct answers *a, int format)
{
	const struct ctl_conn	*c;
	char			 b[64];
	size_t			 i;

	qsort(a->conn, a->nconn, sizeof(*a->conn), conn_cmp);
	if (format != OUT_JSON) {
		connections_text(a);
		return;
	}
	json_begin();
	json_array("connections");
	for (i = 0; i < a->nconn; i++) {
		c = &a->conn[i];
		json_object(NULL);
		json_uint("id", c->id);
		json_uint("port", c->port);
		json_string("protocol", proto_name(c->proto));
		json_string("device", conn_device(a, c->id));
		json_string("peer", fmt_addr(b, sizeof(b), &c->peer));
		json_string("destination", fmt_addr(b, sizeof(b), &c->dst));
		json_time_utc("start", c->start);
		json_uint("frames", c->frames);
		json_uint("bytes_in", c->rxbytes);
		json_uint("bytes_out", c->txbytes);
		json_close();
	}
	json_close();
	json_end();
}

void
show_result(struct answers *a, int format)
{
	static const char *const names[] = { "ok", "failed", "partial" };
	int			 st = a->result.status;

	if (!a->haveresult)
		errx(1, "pvgated gave no result");
	if (st < CTL_OK || st > CTL_PARTIAL)
		errx(1, "pvgated gave result %d", st);
	if (format == OUT_JSON) {
		json_begin();
		json_string("result", names[st]);
		json_string("message", a->result.text);
		json_end();
	} else if (st == CTL_FAILED)
		warnx("%s", a->result.text);
	else
		printf("%s\n", a->result.text);
}
