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
		v = hoymiles_frame(data, size, max, &n, &why);
		switch (v) {
		case FRAME_MORE:
			if (data[0] != 'H' || (size > 1 && data[1] != 'M'))
				abort();
			if (size >= 10) {
				flen = pv_be16(data + 8);
				if (flen < 10 || flen <= size || flen > max)
					abort();
			}
			return;
		case FRAME_CLOSE:
			if (why == NULL || strlen(why) >= PV_REASONLEN)
				abort();
			if (size < 10 || pv_be16(data + 8) <= max)
				abort();
			return;
		case FRAME_SKIP:
			if (why == NULL || strlen(why) >= PV_REASONLEN)
				abort();
			if (n < 1 || n > size)
				abort();
			break;
		case FRAME_OK:
			if (n < 10 || n > size || n > max)
				abort();
			if (data[0] != 'H' || data[1] != 'M')
				abort();
			flen = pv_be16(data + 8);
			if (n != flen && n != flen + 16)
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
