/*
 * libFuzzer target: solarman_frame() over arbitrary bytes, consumed the
 * way the listener consumes its buffer.  Beyond memory errors it checks
 * the framer's contract: a verdict in range, 1 <= n <= len on OK and
 * SKIP, a reason on SKIP and CLOSE, and an OK frame that really is one
 * (start and end byte, length field, within the maximum).
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
static void	 ok(const uint8_t *, size_t, size_t);

static const struct fuzz_verdicts	verdicts = {
	solarman_frame, more, NULL, NULL, ok
};

/* more can only be wanted for a plausible frame */
static void
more(const uint8_t *data, size_t size, size_t max)
{
	size_t	flen;

	if (data[0] != 0xa5)
		abort();
	if (size >= 11) {
		flen = (size_t)(data[1] | data[2] << 8) + 13;
		if (flen <= size || flen > max)
			abort();
	}
}

/* start and end byte, length field */
static void
ok(const uint8_t *data, size_t n, size_t max)
{
	(void)max;
	if (n < 13 || data[0] != 0xa5 || data[n - 1] != 0x15)
		abort();
	if ((size_t)(data[1] | data[2] << 8) + 13 != n)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_verdicts(&verdicts, data, size, FUZZ_FRAME_LIMIT);
	fuzz_verdicts(&verdicts, data, size, SMALL_LIMIT);
	return (0);
}
