/*
 * The exporter's MQTT client (mqtt.c).
 */

#ifndef MQTT_H
#define MQTT_H

#include <stddef.h>
#include <stdint.h>

struct ctl_mqtt;
struct pvconf;
struct pv_command;

#define MQTT_SPOOL	"/spool/queue"	/* in the exporter's chroot */

void	 mqtt_init(void);
void	 mqtt_spool_open(const char *);
void	 mqtt_configure(const struct pvconf *);
void	 mqtt_record(const uint8_t *, size_t);
void	 mqtt_shutdown(void);
void	 mqtt_command_hook(void (*)(const struct pv_command *));
void	 mqtt_ctl(struct ctl_mqtt *, uint64_t *, uint64_t *, uint64_t *);

#endif /* MQTT_H */
