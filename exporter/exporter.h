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

struct record;
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

#endif /* EXPORTER_H */
