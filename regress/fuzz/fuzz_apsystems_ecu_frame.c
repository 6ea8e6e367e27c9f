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

#define FRAME_LIMIT	16368	/* the largest imsg payload for a frame */
#define SMALL_LIMIT	64

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	 length(const uint8_t *, size_t *);
static void	 one(const uint8_t *, size_t, size_t);

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

static void
one(const uint8_t *data, size_t size, size_t max)
{
	const char	*why;
	size_t		 n, flen;
	int		 v;

	while (size > 0) {
		n = 0;
		why = NULL;
		v = apsystems_frame(data, size, max, &n, &why);
		switch (v) {
		case FRAME_MORE:
			/* only the start of "APS", or a frame in progress */
			if (memcmp(data, "APS", size < 3 ? size : 3) != 0)
				abort();
			if (size >= 10) {
				if (length(data + 5, &flen) == -1 ||
				    flen < 10 || flen + 1 <= size ||
				    flen + 1 > max)
					abort();
			}
			return;
		case FRAME_CLOSE:
			if (why == NULL || strlen(why) >= PV_REASONLEN)
				abort();
			return;
		case FRAME_SKIP:
			if (why == NULL || strlen(why) >= PV_REASONLEN)
				abort();
			if (n < 1 || n > size)
				abort();
			break;
		case FRAME_OK:
			if (n < 11 || n > size || n > max)
				abort();
			if (memcmp(data, "APS", 3) != 0 || data[n - 1] != '\n')
				abort();
			if (length(data + 5, &flen) == -1 || flen + 1 != n)
				abort();
			break;
		default:
			abort();
		}
		data += n;
		size -= n;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, FRAME_LIMIT);
	one(data, size, SMALL_LIMIT);
	return (0);
}
