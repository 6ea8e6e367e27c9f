/*
 * pvgated -V: the version and what this build has, as configure found
 * it (config.h), one "name: value" line each.
 */

#include "compat.h"

#ifdef HAVE_LANDLOCK
#include <linux/landlock.h>
#include <sys/syscall.h>
#endif

#include <stdio.h>

#ifdef HAVE_MQTT
#include <mosquitto.h>
#endif
#ifdef HAVE_MQTT_TLS
#include <openssl/opensslv.h>
#endif

#include "proto.h"
#include "pvgate.h"
#include "pvgated.h"

static const char *
yesno(int on)
{
	return on ? "yes" : "no";
}

/* built with Landlock; whether the running kernel has it too */
static void
version_landlock(FILE *fp)
{
#ifdef HAVE_LANDLOCK
	long	abi;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi > 0)
		fprintf(fp, "landlock: yes (this kernel: ABI %ld)\n", abi);
	else
		fprintf(fp, "landlock: yes (not in this kernel)\n");
#else
	fprintf(fp, "landlock: no\n");
#endif
}

static void
version_mqtt(FILE *fp)
{
#ifdef HAVE_MQTT
	fprintf(fp, "mqtt: yes (libmosquitto %d.%d.%d)\n", LIBMOSQUITTO_MAJOR,
	    LIBMOSQUITTO_MINOR, LIBMOSQUITTO_REVISION);
#else
	fprintf(fp, "mqtt: no\n");
#endif
#ifdef HAVE_MQTT_TLS
	fprintf(fp, "tls: yes (%s)\n", OPENSSL_VERSION_TEXT);
#else
	fprintf(fp, "tls: no\n");
#endif
}

void
parent_version(FILE *fp)
{
	const struct proto	*p;
	unsigned int		 i;
	int			 seccomp = 0, pledge = 0, odst = 0;

#ifdef HAVE_SECCOMP
	seccomp = 1;
#endif
#ifdef HAVE_PLEDGE
	pledge = 1;
#endif
#ifdef HAVE_SO_ORIGINAL_DST
	odst = 1;
#endif
	fprintf(fp, "pvgated %s\n", PVGATE_VERSION);
	fprintf(fp, "seccomp: %s\n", yesno(seccomp));
	version_landlock(fp);
	fprintf(fp, "pledge: %s\n", yesno(pledge));
	version_mqtt(fp);
	fprintf(fp, "original destination: %s\n", yesno(odst));
	fprintf(fp, "protocols:");
	for (i = PROTO_NONE + 1; i < PROTO_MAX; i++)
		if ((p = proto_byid(i)) != NULL)
			fprintf(fp, " %s", p->name);
	fprintf(fp, "\nlibexec: %s\n", PVGATE_LIBEXEC);
	fprintf(fp, "configuration: %s\n", _PATH_PVGATE_CONF);
}
