/*
 * Records as MQTT messages, and their Home Assistant discovery: pure
 * functions writing into the caller's buffers (mqtt.c does the I/O).
 *
 * State: one topic per device, <topic_prefix>/<device>/state, holding
 * the record's time and metrics as one flat JSON object:
 *
 *	{"time":"2024-04-11T18:46:37Z","ac_power":812.3,"ac_voltage":231.2}
 *
 * Discovery: one retained config per device and metric, on
 * <discovery_prefix>/sensor/<device>/<metric>/config, made from the
 * metric table (unit, device_class, state_class) and what the device's
 * records said about it (model, firmware, hardware, the collector it
 * is reached through).  Keys as Home Assistant's MQTT sensor documents
 * them.  A device name becomes a topic level and an object id, where
 * Home Assistant allows [A-Za-z0-9_-] only: anything else becomes '_'.
 * Every string from a device is JSON-escaped by outbuf.c.
 */

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "record.h"
#include "cmd.h"
#include "exporter.h"

static int		 mqtt_device_topic(const struct pv_mqttconf *,
			    const char *, const char *, char *, size_t);
static const char	*mqtt_vendor(int);
static void		 mqtt_label(const char *, char *, size_t);
static void		 dout_pair(struct outbuf *, const char *, const char *,
			    size_t);
static void		 dout_const(struct outbuf *, const char *,
			    const char *);
static void		 dout_device(struct outbuf *,
			    const struct mqtt_devinfo *);
static const char	*mqtt_cmd_level(const struct cmd_def *);
static const char	*mqtt_cmd_component(int);
static void		 dout_cmd_kind(struct outbuf *,
			    const struct pv_mqttconf *, const char *,
			    const struct cmd_def *);
static void		 dout_cmd_state(struct outbuf *,
			    const struct pv_mqttconf *, const char *,
			    const struct cmd_def *);

/*
 * A device name as a topic level: [A-Za-z0-9_-] kept, every other byte
 * '_', at most outlen - 1 of them; "unknown" when empty.
 */
void
mqtt_id(const char *s, size_t max, char *out, size_t outlen)
{
	size_t	i;

	if (outlen == 0)
		return;
	for (i = 0; i < max && s[i] != '\0' && i < outlen - 1; i++)
		out[i] = ((unsigned char)s[i] < 0x80 &&
		    isalnum((unsigned char)s[i])) || s[i] == '-' ||
		    s[i] == '_' ? s[i] : '_';
	out[i] = '\0';
	if (i == 0)
		strlcpy(out, "unknown", outlen);
}

/* a topic, as fmt says; -1 if it does not fit in buf */
int
mqtt_topic(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return (n < 0 || (size_t)n >= len ? -1 : 0);
}

/* "<topic_prefix>/<device>/<leaf>"; -1 if it does not fit */
static int
mqtt_device_topic(const struct pv_mqttconf *m, const char *device,
    const char *leaf, char *buf, size_t len)
{
	char	id[RECORD_IDLEN];

	mqtt_id(device, RECORD_IDLEN, id, sizeof(id));
	return (mqtt_topic(buf, len, "%s/%s/%s", m->topic_prefix, id, leaf));
}

/* "<topic_prefix>/<device>/state" */
int
mqtt_state_topic(const struct pv_mqttconf *m, const char *device, char *buf,
    size_t len)
{
	return (mqtt_device_topic(m, device, "state", buf, len));
}

/* "<topic_prefix>/<device>/event": events, as their JSON lines */
int
mqtt_event_topic(const struct pv_mqttconf *m, const char *device, char *buf,
    size_t len)
{
	return (mqtt_device_topic(m, device, "event", buf, len));
}

/* "<topic_prefix>/status": the gateway's availability, with the will */
int
mqtt_status_topic(const struct pv_mqttconf *m, char *buf, size_t len)
{
	return (mqtt_topic(buf, len, "%s/status", m->topic_prefix));
}

/*
 * One record's state message, NUL-terminated.  Returns its length, or
 * 0 if buf is too small or the time cannot be written.
 */
size_t
mqtt_state(const struct record *rec, char *buf, size_t len)
{
	struct outbuf	 o;
	char		 ts[32], name[64], value[64];
	size_t		 i;

	if (len == 0 || json_time(rec->time, ts, sizeof(ts)) == -1)
		return (0);
	outbuf_init(&o, buf, len);
	outbuf_str(&o, "{\"time\":\"");
	outbuf_str(&o, ts);
	outbuf_str(&o, "\"");
	for (i = 0; i < rec->nmetrics && i < RECORD_MAX_METRICS; i++) {
		if (metric_name(&rec->metrics[i], name, sizeof(name)) == -1 ||
		    metric_value(&rec->metrics[i], value, sizeof(value)) == -1)
			continue;
		outbuf_mem(&o, ",", 1);
		outbuf_json(&o, name, sizeof(name), JSON_SHORTESC);
		outbuf_mem(&o, ":", 1);
		outbuf_str(&o, value);
	}
	outbuf_str(&o, "}");
	return (outbuf_end(&o));
}

/* who makes the devices a protocol speaks with, where that is one */
static const char *
mqtt_vendor(int proto)
{
	switch (proto) {
	case PROTO_TSUN_GEN3:
		return ("TSUN");
	case PROTO_APSYSTEMS_ECU:
		return ("APsystems");
	case PROTO_ALPHAESS:
		return ("AlphaESS");
	case PROTO_HOYMILES:
		return ("Hoymiles");
	case PROTO_E3DC_RSCP:
		return ("E3/DC");
	}
	return (NULL);
}

/* "pv1_energy_today" -> "PV1 energy today", "battery_soc" -> "Battery SOC" */
static void
mqtt_label(const char *name, char *out, size_t len)
{
	size_t	i, w = 0;
	int	acronym = 0;

	if (len == 0)
		return;
	for (i = 0; name[i] != '\0' && i < len - 1; i++) {
		if (i == w) {
			acronym = strncmp(name + i, "ac_", 3) == 0 ||
			    strcmp(name + i, "soc") == 0 ||
			    (strncmp(name + i, "pv", 2) == 0 &&
			    isdigit((unsigned char)name[i + 2]));
		}
		if (name[i] == '_') {
			out[i] = ' ';
			w = i + 1;
		} else if (acronym || i == 0)
			out[i] = toupper((unsigned char)name[i]);
		else
			out[i] = name[i];
	}
	out[i] = '\0';
}

/* ,"key":"value" with value escaped; nothing when value is empty */
static void
dout_pair(struct outbuf *o, const char *key, const char *value, size_t max)
{
	if (value == NULL || value[0] == '\0')
		return;
	outbuf_mem(o, ",\"", 2);
	outbuf_str(o, key);
	outbuf_mem(o, "\":", 2);
	outbuf_json(o, value, max, JSON_SHORTESC);
}

/*
 * ,"key":"value" for a value from the metric table: trusted, UTF-8
 * (the degree sign), nothing to escape; nothing when there is none.
 */
static void
dout_const(struct outbuf *o, const char *key, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	outbuf_mem(o, ",\"", 2);
	outbuf_str(o, key);
	outbuf_mem(o, "\":\"", 3);
	outbuf_str(o, value);
	outbuf_mem(o, "\"", 1);
}

static void
dout_device(struct outbuf *o, const struct mqtt_devinfo *d)
{
	char	id[RECORD_IDLEN];

	mqtt_id(d->id, sizeof(d->id), id, sizeof(id));
	outbuf_str(o, ",\"device\":{\"identifiers\":[\"pvgated_");
	outbuf_str(o, id);
	outbuf_str(o, "\"],\"name\":");
	outbuf_json(o, d->id, sizeof(d->id), JSON_SHORTESC);
	dout_pair(o, "manufacturer", mqtt_vendor(d->proto), 32);
	dout_pair(o, "model", d->model, sizeof(d->model));
	dout_pair(o, "sw_version", d->firmware, sizeof(d->firmware));
	dout_pair(o, "hw_version", d->hardware, sizeof(d->hardware));
	dout_pair(o, "serial_number", d->id, sizeof(d->id));
	if (d->via[0] != '\0') {
		mqtt_id(d->via, sizeof(d->via), id, sizeof(id));
		outbuf_str(o, ",\"via_device\":\"pvgated_");
		outbuf_str(o, id);
		outbuf_str(o, "\"");
	}
	outbuf_str(o, "}");
}

/*
 * The discovery config of one metric of one device: its topic into
 * topic, the JSON object into buf, both NUL-terminated.  Returns the
 * length of the object, or 0 if something does not fit.
 */
size_t
mqtt_discovery(const struct pv_mqttconf *m, const struct mqtt_devinfo *d,
    const struct metric *mt, char *topic, size_t topiclen, char *buf,
    size_t len)
{
	const struct metric_def	*def;
	struct outbuf		 o;
	char			 id[RECORD_IDLEN], name[64], label[64];
	char			 state[PV_MQTT_TOPICLEN + RECORD_IDLEN + 8];
	char			 status[PV_MQTT_TOPICLEN + 8];

	if (mt->id <= M_NONE || mt->id >= M_MAX ||
	    metric_name(mt, name, sizeof(name)) == -1 ||
	    mqtt_state_topic(m, d->id, state, sizeof(state)) == -1 ||
	    mqtt_status_topic(m, status, sizeof(status)) == -1)
		return (0);
	def = &metric_defs[mt->id];
	mqtt_id(d->id, sizeof(d->id), id, sizeof(id));
	if (mqtt_topic(topic, topiclen, "%s/sensor/%s/%s/config",
	    m->discovery_prefix, id, name) == -1)
		return (0);
	mqtt_label(name, label, sizeof(label));

	outbuf_init(&o, buf, len);
	outbuf_str(&o, "{\"name\":\"");
	outbuf_str(&o, label);
	outbuf_str(&o, "\",\"unique_id\":\"pvgated_");
	outbuf_str(&o, id);
	outbuf_str(&o, "_");
	outbuf_str(&o, name);
	outbuf_str(&o, "\",\"state_topic\":");
	outbuf_json(&o, state, sizeof(state), JSON_SHORTESC);
	/* a record without this metric leaves the sensor as it was */
	outbuf_str(&o, ",\"value_template\":\"{{ value_json.");
	outbuf_str(&o, name);
	outbuf_str(&o, " | default('') }}\"");
	dout_const(&o, "unit_of_measurement", def->unit);
	dout_const(&o, "device_class", def->device_class);
	dout_const(&o, "state_class", def->state_class);
	outbuf_str(&o, ",\"availability_topic\":");
	outbuf_json(&o, status, sizeof(status), JSON_SHORTESC);
	outbuf_str(&o, ",\"payload_available\":\"online\","
	    "\"payload_not_available\":\"offline\",\"qos\":1");
	dout_device(&o, d);
	outbuf_str(&o, ",\"origin\":{\"name\":\"pvgated\",\"sw_version\":\""
	    PVGATE_VERSION "\"}}");
	return (outbuf_end(&o));
}

/*
 * Owners' commands.  Home Assistant (or anyone) publishes a command to
 * <topic_prefix>/<device>/set/<command>; the payload is its argument.
 * The exporter only carries the text to the decoder, which judges it;
 * the event of its end comes back as a record and is published on
 * <topic_prefix>/<device>/result.  Discovery announces the commands a
 * [device] allows, as Home Assistant's MQTT number, switch and button
 * document their keys: a number with its range and unit (its value
 * from the state topic where the device reports it), a switch sending
 * ON and OFF, a button sending PRESS.
 */

/* "<topic_prefix>/+/set/+": what the exporter subscribes to */
int
mqtt_cmd_filter(const struct pv_mqttconf *m, char *buf, size_t len)
{
	return (mqtt_topic(buf, len, "%s/+/set/+", m->topic_prefix));
}

/*
 * A command topic: its device and command levels, as they are (the
 * decoder judges them).  0, 1 if a level was cut to fit, -1 if topic
 * is not <topic_prefix>/D/set/C with D and C single levels.
 */
int
mqtt_cmd_topic(const struct pv_mqttconf *m, const char *topic, char *dev,
    size_t devlen, char *cmd, size_t cmdlen)
{
	size_t		 plen = strlen(m->topic_prefix), dn, cn;
	const char	*d, *s, *c;
	int		 cut = 0;

	if (devlen == 0 || cmdlen == 0 ||
	    strncmp(topic, m->topic_prefix, plen) != 0 || topic[plen] != '/')
		return (-1);
	d = topic + plen + 1;
	if ((s = strchr(d, '/')) == NULL || strncmp(s, "/set/", 5) != 0)
		return (-1);
	c = s + 5;
	dn = (size_t)(s - d);
	cn = strlen(c);
	if (dn == 0 || cn == 0 || strchr(c, '/') != NULL)
		return (-1);
	if (dn >= devlen) {
		dn = devlen - 1;
		cut = 1;
	}
	if (cn >= cmdlen) {
		cn = cmdlen - 1;
		cut = 1;
	}
	memcpy(dev, d, dn);
	dev[dn] = '\0';
	memcpy(cmd, c, cn);
	cmd[cn] = '\0';
	return (cut);
}

/* "<topic_prefix>/<device>/result" */
int
mqtt_result_topic(const struct pv_mqttconf *m, const char *device, char *buf,
    size_t len)
{
	return (mqtt_device_topic(m, device, "result", buf, len));
}

/*
 * An event's message on the result topic: {"time": ..., "source":
 * "mqtt", "command": ..., "argument": ..., "result": "ok", "reason":
 * ..., "latency": 312}.  Its length, or 0 if it does not fit.
 */
size_t
mqtt_result(const struct record *rec, char *buf, size_t len)
{
	static const int	 keys[] = { A_SOURCE, A_COMMAND, A_ARGUMENT,
				    A_RESULT, A_REASON };
	const struct metric	*m;
	struct outbuf		 o;
	const char		*v;
	char			 ts[32], value[64];
	size_t			 i;

	if (len == 0 || json_time(rec->time, ts, sizeof(ts)) == -1)
		return (0);
	outbuf_init(&o, buf, len);
	outbuf_str(&o, "{\"time\":\"");
	outbuf_str(&o, ts);
	outbuf_str(&o, "\"");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if ((v = record_findattr(rec, keys[i])) == NULL)
			continue;
		dout_pair(&o, attr_names[keys[i]], v, RECORD_VALUELEN);
	}
	if ((m = record_find(rec, M_LATENCY, 0)) != NULL &&
	    metric_value(m, value, sizeof(value)) != -1) {
		outbuf_str(&o, ",\"latency\":");
		outbuf_str(&o, value);
	}
	outbuf_str(&o, "}");
	return (outbuf_end(&o));
}

/* the topic level a command's entity has: its name, or its pair's */
static const char *
mqtt_cmd_level(const struct cmd_def *def)
{
	return (def->pair != NULL ? def->pair : cmd_name(def->id));
}

static const char *
mqtt_cmd_component(int ha)
{
	switch (ha) {
	case CMD_HA_NUMBER:
		return ("number");
	case CMD_HA_SWITCH:
		return ("switch");
	case CMD_HA_BUTTON:
		return ("button");
	}
	return (NULL);
}

/*
 * A number's or switch's state: the state topic of device state_dev,
 * and a template that takes the value (a switch's 1 is ON) and leaves
 * the entity as it is when a message has none.  Nothing when the
 * device reports no value.
 */
static void
dout_cmd_state(struct outbuf *o, const struct pv_mqttconf *m,
    const char *state_dev, const struct cmd_def *def)
{
	struct metric	mt;
	char		state[PV_MQTT_TOPICLEN + RECORD_IDLEN + 8];
	char		name[64];
	int		sw = def->ha == CMD_HA_SWITCH;

	memset(&mt, 0, sizeof(mt));
	mt.id = def->state;
	if (def->state == 0 || metric_name(&mt, name, sizeof(name)) == -1 ||
	    mqtt_state_topic(m, state_dev, state, sizeof(state)) == -1)
		return;
	outbuf_str(o, ",\"state_topic\":");
	outbuf_json(o, state, sizeof(state), JSON_SHORTESC);
	outbuf_str(o, sw ? ",\"value_template\":\"{{ ('ON' if value_json." :
	    ",\"value_template\":\"{{ value_json.");
	outbuf_str(o, name);
	outbuf_str(o, sw ? " else 'OFF') if value_json." : " if value_json.");
	outbuf_str(o, name);
	outbuf_str(o, sw ? " is defined else this.state | upper }}\"" :
	    " is defined else this.state }}\"");
}

/*
 * What a number, switch or button has beyond the common keys; a
 * number's or switch's value from the state topic of device state_dev.
 */
static void
dout_cmd_kind(struct outbuf *o, const struct pv_mqttconf *m,
    const char *state_dev, const struct cmd_def *def)
{
	char	num[32];

	switch (def->ha) {
	case CMD_HA_NUMBER:
		(void)snprintf(num, sizeof(num), ",\"min\":%d,\"max\":%d",
		    def->min, def->max);
		outbuf_str(o, num);
		outbuf_str(o, ",\"step\":1,\"mode\":\"box\"");
		dout_const(o, "unit_of_measurement", def->unit);
		dout_cmd_state(o, m, state_dev, def);
		break;
	case CMD_HA_SWITCH:
		outbuf_str(o, ",\"payload_on\":\"ON\",\"payload_off\":\"OFF\"");
		dout_cmd_state(o, m, state_dev, def);
		break;
	case CMD_HA_BUTTON:
		outbuf_str(o, ",\"payload_press\":\"PRESS\"");
		break;
	}
}

/*
 * The discovery config of one command of one device (a switch of an
 * on/off pair stands for both): topic and JSON object into the
 * caller's buffers.  A number's value comes from the state topic of
 * device state (the inverter behind the device), NULL: its own.  Its
 * length, or 0 if it is none or does not fit.
 */
size_t
mqtt_cmd_discovery(const struct pv_mqttconf *m, const struct mqtt_devinfo *d,
    const struct cmd_def *def, const char *state, char *topic,
    size_t topiclen, char *buf, size_t len)
{
	struct outbuf	 o;
	const char	*comp, *level;
	char		 id[RECORD_IDLEN];
	char		 status[PV_MQTT_TOPICLEN + 8];
	char		 cmdtopic[PV_MQTT_TOPICLEN + RECORD_IDLEN + 40];

	if ((comp = mqtt_cmd_component(def->ha)) == NULL ||
	    def->label == NULL ||
	    mqtt_status_topic(m, status, sizeof(status)) == -1)
		return (0);
	level = mqtt_cmd_level(def);
	mqtt_id(d->id, sizeof(d->id), id, sizeof(id));
	if (mqtt_topic(topic, topiclen, "%s/%s/%s/%s/config",
	    m->discovery_prefix, comp, id, level) == -1 ||
	    mqtt_topic(cmdtopic, sizeof(cmdtopic), "%s/%s/set/%s",
	    m->topic_prefix, id, level) == -1)
		return (0);
	outbuf_init(&o, buf, len);
	outbuf_str(&o, "{\"name\":\"");
	outbuf_str(&o, def->label);
	outbuf_str(&o, "\",\"unique_id\":\"pvgated_");
	outbuf_str(&o, id);
	outbuf_str(&o, "_");
	outbuf_str(&o, level);
	outbuf_str(&o, "\",\"command_topic\":");
	outbuf_json(&o, cmdtopic, sizeof(cmdtopic), JSON_SHORTESC);
	dout_cmd_kind(&o, m, state != NULL ? state : d->id, def);
	outbuf_str(&o, ",\"availability_topic\":");
	outbuf_json(&o, status, sizeof(status), JSON_SHORTESC);
	outbuf_str(&o, ",\"payload_available\":\"online\","
	    "\"payload_not_available\":\"offline\",\"qos\":1,"
	    "\"retain\":false");
	dout_device(&o, d);
	outbuf_str(&o, ",\"origin\":{\"name\":\"pvgated\",\"sw_version\":\""
	    PVGATE_VERSION "\"}}");
	return (outbuf_end(&o));
}
