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

#define FRAME_LIMIT	16368	/* the largest imsg payload for a frame */
#define SMALL_LIMIT	64

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	 dirbyte(uint8_t);
static void	 one(const uint8_t *, size_t, size_t);

static int
dirbyte(uint8_t b)
{
	return (b == 0x01 || b == 0x02);
}

static void
one(const uint8_t *data, size_t size, size_t max)
{
	const char	*why;
	size_t		 n, flen, i;
	int		 v;

	while (size > 0) {
		n = 0;
		why = NULL;
		v = alphaess_frame(data, size, max, &n, &why);
		switch (v) {
		case FRAME_MORE:
			if (data[0] != 0x01 || (size > 1 && !dirbyte(data[1])))
				abort();
			if (size >= 7) {
				flen = (size_t)pv_be32(data + 3) + 9;
				if (flen <= size || flen > max)
					abort();
			}
			return;
		case FRAME_CLOSE:
			if (why == NULL || strlen(why) >= PV_REASONLEN)
				abort();
			if (size < 7 || (size_t)pv_be32(data + 3) + 9 <= max)
				abort();
			return;
		case FRAME_SKIP:
			if (why == NULL || strlen(why) >= PV_REASONLEN)
				abort();
			if (n < 1 || n > size)
				abort();
			if (data[0] == 0x01 && size > 1 && dirbyte(data[1]))
				abort();
			/* nothing skipped could have started a frame */
			for (i = 1; i < n; i++)
				if (data[i] == 0x01 && (i + 1 == size ||
				    dirbyte(data[i + 1])))
					abort();
			break;
		case FRAME_OK:
			if (n < 9 || n > size || n > max)
				abort();
			if (data[0] != 0x01 || !dirbyte(data[1]))
				abort();
			if ((size_t)pv_be32(data + 3) + 9 != n)
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
