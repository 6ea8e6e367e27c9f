/*
 * libFuzzer target: record_unpack() on arbitrary bytes, as the exporter
 * sees them from a compromised decoder, then the MQTT messages made of
 * whatever it accepts: the state message, and the discovery config of
 * each metric with the record's strings as the device's.  Beyond
 * memory errors it checks that everything fits the exporter's buffers,
 * that topics hold only [A-Za-z0-9_/-] and that the messages are
 * printable ASCII but for the metric table's degree sign.
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

/* printable ASCII, or the two bytes of U+00B0 */
static void
check_text(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\302' && i + 1 < n && s[i + 1] == '\260') {
			i++;
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
