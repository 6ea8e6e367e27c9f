/*
 * libFuzzer target: gen3_frame() over arbitrary bytes, consumed the
 * way the listener consumes its buffer.  Beyond memory errors it checks
 * the framer's promises: a known verdict, 1 <= n <= len on OK and SKIP,
 * a reason on SKIP and CLOSE, more wanted only for a plausible header,
 * and an OK frame whose length field and id length fit it exactly.
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

#define SMALL_LIMIT	40

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 more(const uint8_t *, size_t, size_t);
static void	 ok(const uint8_t *, size_t, size_t);

static const struct fuzz_verdicts	verdicts = {
	gen3_frame, more, NULL, NULL, ok
};

static void
more(const uint8_t *data, size_t size, size_t max)
{
	int32_t	rest;

	if (size >= 5) {
		rest = (int32_t)pv_be32(data);
		if (data[4] > 17 || rest < data[4] + 3 ||
		    (size_t)rest + 4 <= size || (size_t)rest + 4 > max)
			abort();
	}
}

static void
ok(const uint8_t *data, size_t n, size_t max)
{
	(void)max;
	if (n < 7 || pv_be32(data) + 4 != n || data[4] > 17 ||
	    (size_t)data[4] + 7 > n)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_verdicts(&verdicts, data, size, FUZZ_FRAME_LIMIT);
	fuzz_verdicts(&verdicts, data, size, SMALL_LIMIT);
	return (0);
}
