/*
 * libFuzzer target: apsystems_frame() over arbitrary bytes, consumed
 * the way the listener consumes its buffer.  Beyond memory errors it
 * checks the framer's contract: a verdict in range, 1 <= n <= len on
 * OK and SKIP, a reason on SKIP and CLOSE, more wanted only for what
 * can still become a frame, and an OK frame that really is one ("APS",
 * a length field of its length without the line feed, the line feed,
 * within the maximum).  The length field has 5 characters, 4 digits
 * for generations 11 and 12 (the answers of the ECU's local port).
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

static size_t	 lenlen(const uint8_t *);
static int	 length(const uint8_t *, size_t, size_t *);
static void	 more(const uint8_t *, size_t, size_t);
static void	 ok(const uint8_t *, size_t, size_t);

static const struct fuzz_verdicts	verdicts = {
	apsystems_frame, more, NULL, NULL, ok
};

/* the length field's size: the frame starts "APS" and has 5 bytes */
static size_t
lenlen(const uint8_t *p)
{
	return (p[3] == '1' && (p[4] == '1' || p[4] == '2') ? 4 : 5);
}

/* the length field, written here from the spec: 'A's, then digits */
static int
length(const uint8_t *p, size_t n, size_t *v)
{
	size_t	i = 0;

	*v = 0;
	while (i < n && p[i] == 'A')
		i++;
	for (; i < n; i++) {
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
	size_t	flen, ll;

	if (memcmp(data, "APS", size < 3 ? size : 3) != 0)
		abort();
	if (size >= 5 && size >= 5 + (ll = lenlen(data))) {
		if (length(data + 5, ll, &flen) == -1 || flen < 5 + ll ||
		    flen + 1 <= size || flen + 1 > max)
			abort();
	}
}

static void
ok(const uint8_t *data, size_t n, size_t max)
{
	size_t	flen;

	(void)max;
	if (n < 10 || memcmp(data, "APS", 3) != 0 || data[n - 1] != '\n')
		abort();
	if (length(data + 5, lenlen(data), &flen) == -1 || flen + 1 != n ||
	    flen < 5 + lenlen(data))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_verdicts(&verdicts, data, size, FUZZ_FRAME_LIMIT);
	fuzz_verdicts(&verdicts, data, size, SMALL_LIMIT);
	return (0);
}
