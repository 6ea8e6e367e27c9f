/*
 * libFuzzer target: record_unpack() on arbitrary bytes, as the exporter
 * sees them from a compromised decoder, then json_record() and
 * syslog_record() on whatever it accepts; and the same bytes as a batch
 * (IMSG_RECORD) walked with record_batch_next().  Beyond memory errors it
 * checks that the wire form is canonical and that both outputs fit
 * their buffers and hold only printable ASCII.
 *
 * Needs every proto/ file, exporter/out_json.c, exporter/out_syslog.c
 * and exporter/outbuf.c (and libbsd for strlcpy); no libsodium.
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

static void	 check_printable(const char *, size_t);
static void	 check_batch(const uint8_t *, size_t);

static void
check_printable(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			abort();
}

/* every record a batch yields is canonical and inside the batch */
static void
check_batch(const uint8_t *data, size_t size)
{
	static struct record	 rec;
	static uint8_t		 again[RECORD_BATCH_MAX];
	const uint8_t		*w;
	size_t			 off = 0, wlen, n;
	int			 r;

	while ((r = record_batch_next(&rec, data, size, &off, &w,
	    &wlen)) == 1) {
		if (w < data + 2 || w + wlen > data + size || off > size)
			abort();
		n = record_pack(&rec, again, sizeof(again));
		if (n != wlen || memcmp(again, w, wlen) != 0)
			abort();
	}
	if (r == 0 && off != size)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct record	 rec;
	static uint8_t		 again[PVGATE_IMSG_PAYLOAD];
	static char		 buf[JSON_RECORD_MAX];
	size_t			 n;

	check_batch(data, size);
	if (record_unpack(&rec, data, size) == -1)
		return (0);

	/* one record, one byte string */
	n = record_pack(&rec, again, sizeof(again));
	if (n != size || memcmp(again, data, size) != 0)
		abort();

	n = json_record(&rec, buf, sizeof(buf));
	if (n == 0 || buf[n - 1] != '\n' || buf[n] != '\0')
		abort();
	check_printable(buf, n - 1);

	n = syslog_record(&rec, buf, SYSLOG_RECORD_MAX);
	if (n == 0 || buf[n] != '\0')
		abort();
	check_printable(buf, n);
	return (0);
}
