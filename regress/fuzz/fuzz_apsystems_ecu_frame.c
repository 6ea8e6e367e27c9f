/*
 * libFuzzer target: apsystems_frame() over arbitrary bytes, consumed
 * the way the listener consumes its buffer.  Beyond memory errors it
 * checks the framer's contract: a verdict in range, 1 <= n <= len on
 * OK and SKIP, a reason on SKIP and CLOSE, more wanted only for what
 * can still become a frame, and an OK frame that really is one ("APS",
 * a length field of its length without the line feed, the line feed,
 * within the maximum).
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

static int	 length(const uint8_t *, size_t *);
static void	 more(const uint8_t *, size_t, size_t);
static void	 ok(const uint8_t *, size_t, size_t);

static const struct fuzz_verdicts	verdicts = {
	apsystems_frame, more, NULL, NULL, ok
};

/* the length field, written here from the spec: 'A's, then digits */
static int
length(const uint8_t *p, size_t *v)
{
	size_t	i = 0;

	*v = 0;
	while (i < 5 && p[i] == 'A')
		i++;
	for (; i < 5; i++) {
		if (p[i] < '0' || p[i] > '9')
			return (-1);
		*v = *v * 10 + (p[i] - '0');
	}
	return (0);
}

/* only the start of "APS", or a frame in progress */
static void
more(const uint8_t *data, size_t size, size_t max)
{
	size_t	flen;

	if (memcmp(data, "APS", size < 3 ? size : 3) != 0)
		abort();
	if (size >= 10) {
		if (length(data + 5, &flen) == -1 || flen < 10 ||
		    flen + 1 <= size || flen + 1 > max)
			abort();
	}
}

static void
ok(const uint8_t *data, size_t n, size_t max)
{
	size_t	flen;

	(void)max;
	if (n < 11 || memcmp(data, "APS", 3) != 0 || data[n - 1] != '\n')
		abort();
	if (length(data + 5, &flen) == -1 || flen + 1 != n)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_verdicts(&verdicts, data, size, FUZZ_FRAME_LIMIT);
	fuzz_verdicts(&verdicts, data, size, SMALL_LIMIT);
	return (0);
}
