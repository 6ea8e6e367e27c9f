/*
 * libFuzzer target, structure-aware: APsystems ECU frames that are
 * well-formed around a mutated body ("APS", length field, line feed
 * put right after every mutation), so that the decoder's payload
 * parsing, not its first checks, gets the fuzzer's time; beside the
 * byte-level fuzz_apsystems_ecu_decode.  The framer must take every
 * such frame whole; the decoder's replies must fit the channel, its
 * records pack, its dumps be of the frame.
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

static const struct fuzz_shape	fs = { PROTO_APSYSTEMS_ECU, 11, shape };

/*
 * "APS", two version digits, five length digits (four for versions 11
 * and 12, the ECU's local port), ..., line feed
 */
static void
shape(uint8_t *f, size_t n)
{
	size_t	len = n - 1, i, last;

	memcpy(f, "APS", 3);
	for (i = 3; i < 5; i++)
		if (f[i] < '0' || f[i] > '9')
			f[i] = '0' + f[i] % 10;
	last = f[3] == '1' && (f[4] == '1' || f[4] == '2') ? 8 : 9;
	for (i = last; i >= 5; i--) {
		f[i] = '0' + len % 10;
		len /= 10;
	}
	f[n - 1] = '\n';
}

FUZZ_SHAPE_TARGET(fs)
