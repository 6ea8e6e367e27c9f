/*
 * libFuzzer target, structure-aware: Solarman V5 frames that are
 * well-formed around a mutated body (start and end byte, length,
 * checksum put right after every mutation), so that the decoder's
 * payload parsing, not its first checks, gets the fuzzer's time;
 * beside the byte-level fuzz_solarman_decode.  The framer must take
 * every such frame whole; the decoder's replies must fit the channel,
 * its records pack, its dumps be of the frame.
 *
 * Needs every proto/ file.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pvgate.h"
#include "proto.h"
#include "fuzzlib.h"

static void	 shape(uint8_t *, size_t);

static const struct fuzz_shape	fs = { PROTO_SOLARMAN_V5, 13, shape };

/* a5, length, ..., checksum over bytes 1 .. n-3, 15 */
static void
shape(uint8_t *f, size_t n)
{
	uint8_t	sum = 0;
	size_t	i;

	f[0] = 0xa5;
	pv_put_le16(f + 1, n - 13);
	for (i = 1; i < n - 2; i++)
		sum += f[i];
	f[n - 2] = sum;
	f[n - 1] = 0x15;
}

FUZZ_SHAPE_TARGET(fs)
