/*
 * libFuzzer target: hoymiles_frame() over arbitrary bytes, consumed the
 * way the listener consumes its buffer.  Beyond memory errors it checks
 * the framer's contract: a verdict in range, 1 <= n <= len on OK and
 * SKIP, a reason on SKIP and CLOSE, more wanted only for what can still
 * become a frame, and an OK frame that really is one ("HM", the length
 * field, or the length field and a 16-byte tag, within the maximum).
 *
 * Needs every proto/ file.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "fuzzlib.h"

#define SMALL_LIMIT	64

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 more(const uint8_t *, size_t, size_t);
static void	 toolong(const uint8_t *, size_t, size_t);
static void	 ok(const uint8_t *, size_t, size_t);

static const struct fuzz_verdicts	verdicts = {
	hoymiles_frame, more, toolong, NULL, ok
};

static void
more(const uint8_t *data, size_t size, size_t max)
{
	size_t	flen;

	if (data[0] != 'H' || (size > 1 && data[1] != 'M'))
		abort();
	if (size >= 10) {
		flen = pv_be16(data + 8);
		if (flen < 10 || flen <= size || flen > max)
			abort();
	}
}

/* a close only for a frame longer than the maximum */
static void
toolong(const uint8_t *data, size_t size, size_t max)
{
	if (size < 10 || pv_be16(data + 8) <= max)
		abort();
}

static void
ok(const uint8_t *data, size_t n, size_t max)
{
	size_t	flen;

	(void)max;
	if (n < 10 || data[0] != 'H' || data[1] != 'M')
		abort();
	flen = pv_be16(data + 8);
	if (n != flen && n != flen + 16)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_verdicts(&verdicts, data, size, FUZZ_FRAME_LIMIT);
	fuzz_verdicts(&verdicts, data, size, SMALL_LIMIT);
	return (0);
}
