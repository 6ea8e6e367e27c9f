/*
 * libFuzzer target: alphaess_frame() over arbitrary bytes, consumed the
 * way the listener consumes its buffer.  Beyond memory errors it checks
 * the framer's contract: a verdict in range, 1 <= n <= len on OK and
 * SKIP, a reason on SKIP and CLOSE, more wanted only for a plausible
 * header, a skip that stops at the first place a frame could start,
 * and an OK frame that really is one (start and direction byte, length
 * field, within the maximum).
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

static int	 dirbyte(uint8_t);
static void	 more(const uint8_t *, size_t, size_t);
static void	 toolong(const uint8_t *, size_t, size_t);
static void	 skip(const uint8_t *, size_t, size_t);
static void	 ok(const uint8_t *, size_t, size_t);

static const struct fuzz_verdicts	verdicts = {
	alphaess_frame, more, toolong, skip, ok
};

static int
dirbyte(uint8_t b)
{
	return (b == 0x01 || b == 0x02);
}

static void
more(const uint8_t *data, size_t size, size_t max)
{
	size_t	flen;

	if (data[0] != 0x01 || (size > 1 && !dirbyte(data[1])))
		abort();
	if (size >= 7) {
		flen = (size_t)pv_be32(data + 3) + 9;
		if (flen <= size || flen > max)
			abort();
	}
}

/* a close only for a frame longer than the maximum */
static void
toolong(const uint8_t *data, size_t size, size_t max)
{
	if (size < 7 || (size_t)pv_be32(data + 3) + 9 <= max)
		abort();
}

/* nothing skipped could have started a frame */
static void
skip(const uint8_t *data, size_t size, size_t n)
{
	size_t	i;

	if (data[0] == 0x01 && size > 1 && dirbyte(data[1]))
		abort();
	for (i = 1; i < n; i++)
		if (data[i] == 0x01 && (i + 1 == size ||
		    dirbyte(data[i + 1])))
			abort();
}

static void
ok(const uint8_t *data, size_t n, size_t max)
{
	(void)max;
	if (n < 9 || data[0] != 0x01 || !dirbyte(data[1]))
		abort();
	if ((size_t)pv_be32(data + 3) + 9 != n)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_verdicts(&verdicts, data, size, FUZZ_FRAME_LIMIT);
	fuzz_verdicts(&verdicts, data, size, SMALL_LIMIT);
	return (0);
}
