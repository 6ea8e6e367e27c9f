/*
 * libFuzzer target, structure-aware: TSUN GEN3 frames that are
 * well-formed around a mutated body (length and id length put right
 * after every mutation), so that the decoder's payload parsing, not
 * its first checks, gets the fuzzer's time; beside the byte-level
 * fuzz_gen3_decode.  The framer must take every such frame whole; the
 * decoder's replies must fit the channel, its records pack, its dumps
 * be of the frame.
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

static const struct fuzz_shape	fs = { PROTO_TSUN_GEN3, 7, shape };

/* u32 length of the rest, an id of at most 17, control, type */
static void
shape(uint8_t *f, size_t n)
{
	uint32_t	rest = n - 4;

	f[0] = rest >> 24;
	f[1] = rest >> 16;
	f[2] = rest >> 8;
	f[3] = rest;
	f[4] %= 18;
	if (f[4] + 3 > rest)
		f[4] = rest - 3;
}

FUZZ_SHAPE_TARGET(fs)
