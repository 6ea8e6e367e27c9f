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

#define FRAME_LIMIT	16368
#define SMALL_LIMIT	40

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 cut(const uint8_t *, size_t, size_t);

static void
cut(const uint8_t *data, size_t size, size_t max)
{
	const char	*why;
	size_t		 n;
	int32_t		 rest;
	int		 v;

	while (size > 0) {
		n = 0;
		why = NULL;
		v = gen3_frame(data, size, max, &n, &why);
		switch (v) {
		case FRAME_MORE:
			if (size >= 5) {
				rest = (int32_t)pv_be32(data);
				if (data[4] > 17 || rest < data[4] + 3 ||
				    (size_t)rest + 4 <= size ||
				    (size_t)rest + 4 > max)
					abort();
			}
			return;
		case FRAME_CLOSE:
			if (why == NULL || strlen(why) >= PV_REASONLEN)
				abort();
			return;
		case FRAME_SKIP:
			if (why == NULL || strlen(why) >= PV_REASONLEN ||
			    n < 1 || n > size)
				abort();
			break;
		case FRAME_OK:
			if (n < 7 || n > size || n > max)
				abort();
			if (pv_be32(data) + 4 != n || data[4] > 17 ||
			    (size_t)data[4] + 7 > n)
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
	cut(data, size, FRAME_LIMIT);
	cut(data, size, SMALL_LIMIT);
	return (0);
}
