/*
 * libFuzzer target: record_unpack() on arbitrary bytes, as the exporter
 * sees them from a compromised decoder, then the MQTT messages made of
 * whatever it accepts: the state message, and the discovery config of
 * each metric with the record's strings as the device's.  Beyond
 * memory errors it checks that everything fits the exporter's buffers,
 * that topics hold only [A-Za-z0-9_/-] and that the messages are
 * printable ASCII but for the non-ASCII characters of the metric
 * table's units (the degree sign, the omega of MOhm).
 *
 * Needs every proto/ file, exporter/out_mqtt.c and exporter/outbuf.c
 * (and libbsd for strlcpy).
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "record.h"
#include "exporter/exporter.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 check_text(const char *, size_t);
static void	 check_topic(const char *);

/*
 * How many bytes at s (n left) are a run of non-ASCII bytes that one of
 * the metric table's units has (the degree sign, the capital omega);
 * 0 if none.
 */
static size_t
unit_utf8(const char *s, size_t n)
{
	const char	*u;
	size_t		 k;
	int		 i;

	for (i = M_NONE + 1; i < M_MAX; i++) {
		for (u = metric_defs[i].unit; *u != '\0'; u++) {
			if ((unsigned char)*u < 0x80)
				continue;
			for (k = 0; u[k] != '\0' &&
			    (unsigned char)u[k] >= 0x80; k++)
				;
			if (k <= n && memcmp(s, u, k) == 0)
				return (k);
			u += k - 1;
		}
	}
	return (0);
}

/* printable ASCII, or the non-ASCII characters of the units */
static void
check_text(const char *s, size_t n)
{
	size_t	 i, k;

	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] >= 0x80 &&
		    (k = unit_utf8(s + i, n - i)) > 0) {
			i += k - 1;
			continue;
		}
		if (s[i] < 0x20 || s[i] > 0x7e)
			abort();
	}
}

static void
check_topic(const char *s)
{
	if (s[strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/")] != '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct record		 rec;
	static struct pv_mqttconf	 m;
	static struct mqtt_devinfo	 d;
	static char			 topic[2 * PV_MQTT_TOPICLEN +
					    2 * RECORD_IDLEN];
	static char			 buf[16384];
	const char			*v;
	size_t				 i, n;

	if (record_unpack(&rec, data, size) == -1)
		return (0);
	memset(&m, 0, sizeof(m));
	strlcpy(m.topic_prefix, "pvgated", sizeof(m.topic_prefix));
	strlcpy(m.discovery_prefix, "homeassistant",
	    sizeof(m.discovery_prefix));

	n = mqtt_state(&rec, buf, sizeof(buf));
	if (n == 0 || buf[n] != '\0')
		abort();
	check_text(buf, n);
	if (mqtt_state_topic(&m, rec.device, topic, sizeof(topic)) == -1)
		abort();
	check_topic(topic);

	memset(&d, 0, sizeof(d));
	memcpy(d.id, rec.device, sizeof(d.id));
	memcpy(d.via, rec.via, sizeof(d.via));
	d.proto = rec.proto;
	if ((v = record_findattr(&rec, A_MODEL)) != NULL)
		strlcpy(d.model, v, sizeof(d.model));
	if ((v = record_findattr(&rec, A_FIRMWARE)) != NULL)
		strlcpy(d.firmware, v, sizeof(d.firmware));
	if ((v = record_findattr(&rec, A_HARDWARE)) != NULL)
		strlcpy(d.hardware, v, sizeof(d.hardware));
	for (i = 0; i < rec.nmetrics; i++) {
		/* the exporter's buffer for one config is 8192 bytes */
		n = mqtt_discovery(&m, &d, &rec.metrics[i], topic,
		    sizeof(topic), buf, 8192);
		if (n == 0 || buf[n] != '\0')
			abort();
		check_text(buf, n);
		check_topic(topic);
	}
	return (0);
}
