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

#define FRAME_LIMIT	16368	/* the largest imsg payload for a frame */
#define SMALL_LIMIT	64

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 one(const uint8_t *, size_t, size_t);

static void
one(const uint8_t *data, size_t size, size_t max)
{
	const char	*why;
	size_t		 n, flen;
	int		 v;

	while (size > 0) {
		n = 0;
		why = NULL;
		v = solarman_frame(data, size, max, &n, &why);
		switch (v) {
		case FRAME_MORE:
			/* more can only be wanted for a plausible frame */
			if (data[0] != 0xa5)
				abort();
			if (size >= 11) {
				flen = (size_t)(data[1] | data[2] << 8) + 13;
				if (flen <= size || flen > max)
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
			if (n < 13 || n > size || n > max)
				abort();
			if (data[0] != 0xa5 || data[n - 1] != 0x15)
				abort();
			if ((size_t)(data[1] | data[2] << 8) + 13 != n)
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
