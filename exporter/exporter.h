/*
 * Exporter formatting and file helpers: pure functions writing into
 * the caller's buffers, plus the dump file and the syslog socket.
 * No imsg and no event loop here.
 */

#ifndef EXPORTER_H
#define EXPORTER_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sodium.h>

#include "pvgate.h"
#include "record.h"

struct pv_dump;

/* buffers big enough for any record or dump line */
#define JSON_RECORD_MAX		16384
#define SYSLOG_RECORD_MAX	16384
#define DUMP_LINE_MAX		(2 * PVGATE_IMSG_PAYLOAD + 1024)
#define DUMP_SEALED_MAX		(sodium_base64_ENCODED_LEN(DUMP_LINE_MAX + \
				    crypto_box_SEALBYTES, \
				    sodium_base64_VARIANT_ORIGINAL) + 1)

/* outbuf.c: a cursor over the caller's buffer, a NUL always fits */
struct outbuf {
	char	*buf;
	size_t	 len;
	size_t	 off;
	int	 full;		/* something did not fit: output is void */
};

/* outbuf_json() flag: \n, \r, \t (records) rather than \u000a (dumps) */
#define JSON_SHORTESC	0x01

void	 outbuf_init(struct outbuf *, char *, size_t);
void	 outbuf_mem(struct outbuf *, const char *, size_t);
char	*outbuf_tail(struct outbuf *, size_t);
void	 outbuf_grow(struct outbuf *, size_t);
void	 outbuf_str(struct outbuf *, const char *);
void	 outbuf_json(struct outbuf *, const char *, size_t, int);
size_t	 outbuf_end(struct outbuf *);
int	 json_time(int64_t, char *, size_t);

/* out_json.c */
size_t	 json_record(const struct record *, char *, size_t);

/* out_syslog.c */
size_t	 syslog_record(const struct record *, char *, size_t);
int	 syslog_open(const char *);
int	 syslog_send(int, int, const char *, const char *);

/* dump.c */
struct dumpfile {
	int	 fd;		/* -1 when closed */
	int	 day;		/* date of the open file, YYYYMMDD */
	int	 torn;		/* a failed write left a partial line */
};

void	 dump_init(struct dumpfile *);
void	 dump_close(struct dumpfile *);
int	 dump_write(struct dumpfile *, time_t, const char *, size_t);
size_t	 dump_line(const struct pv_dump *, const uint8_t *, size_t, char *,
	    size_t);
int	 dump_seal(const uint8_t [crypto_box_PUBLICKEYBYTES], const char *,
	    size_t, char *, size_t);
int	 dump_unseal(const uint8_t [crypto_box_PUBLICKEYBYTES],
	    const uint8_t [crypto_box_SECRETKEYBYTES], const char *, size_t,
	    char *, size_t);

/* out_mqtt.c: MQTT state messages and Home Assistant discovery */
struct mqtt_devinfo {
	char		 id[RECORD_IDLEN];	/* as in its records */
	char		 via[RECORD_IDLEN];	/* its collector, or "" */
	uint16_t	 proto;
	char		 model[RECORD_ATTRLEN];
	char		 firmware[RECORD_ATTRLEN];
	char		 hardware[RECORD_ATTRLEN];
};

void	 mqtt_id(const char *, size_t, char *, size_t);
int	 mqtt_event_topic(const struct pv_mqttconf *, const char *, char *,
	    size_t);
int	 mqtt_state_topic(const struct pv_mqttconf *, const char *, char *,
	    size_t);
int	 mqtt_topic(char *, size_t, const char *, ...)
	    __attribute__((__format__ (printf, 3, 4)));
int	 mqtt_status_topic(const struct pv_mqttconf *, char *, size_t);
size_t	 mqtt_state(const struct record *, char *, size_t);
size_t	 mqtt_discovery(const struct pv_mqttconf *,
	    const struct mqtt_devinfo *, const struct metric *, char *, size_t,
	    char *, size_t);

/* out_mqtt.c: owners' commands */
struct cmd_def;
int	 mqtt_cmd_filter(const struct pv_mqttconf *, char *, size_t);
int	 mqtt_cmd_topic(const struct pv_mqttconf *, const char *, char *,
	    size_t, char *, size_t);
int	 mqtt_result_topic(const struct pv_mqttconf *, const char *, char *,
	    size_t);
size_t	 mqtt_result(const struct record *, char *, size_t);
size_t	 mqtt_cmd_discovery(const struct pv_mqttconf *,
	    const struct mqtt_devinfo *, const struct cmd_def *, const char *,
	    char *, size_t, char *, size_t);

/* spool.c: the MQTT spool, a ring in one file */
struct spool {
	int		 fd;
	uint64_t	 cap;		/* ring bytes */
	uint64_t	 newcap;	/* configured, once the ring is empty */
	uint64_t	 head;		/* ring offset of the oldest record */
	uint64_t	 tail;		/* where the next one goes */
	uint64_t	 headseq;	/* sequence number of the oldest */
	uint64_t	 count;		/* records */
	uint64_t	 rd;		/* the next record to read */
	uint64_t	 rdseq;
	uint64_t	 dropped;	/* thrown away as unreadable */
	uint64_t	 evicted;	/* the oldest, dropped for room */
	int		 dirty;		/* header to be written */
};

int	 spool_open(struct spool *, int);
int	 spool_setsize(struct spool *, uint64_t);
int	 spool_put(struct spool *, const uint8_t *, size_t);
ssize_t	 spool_read(struct spool *, uint8_t *, size_t, uint64_t *);
void	 spool_rewind(struct spool *);
int	 spool_pop(struct spool *, uint64_t);
uint64_t spool_unread(const struct spool *);
uint64_t spool_used(const struct spool *);
int	 spool_clear(struct spool *);
int	 spool_sync(struct spool *);

#endif /* EXPORTER_H */
