/*
 * libFuzzer target, structure-aware: Hoymiles frames that are
 * well-formed around a mutated body ("HM", length, CRC of the payload
 * put right after every mutation), so that the decoder's payload
 * parsing, not its first checks, gets the fuzzer's time; beside the
 * byte-level fuzz_hoymiles_decode.  The framer must take every such
 * frame whole; the decoder's replies must fit the channel, its records
 * pack, its dumps be of the frame.
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

static const struct fuzz_shape	fs = { PROTO_HOYMILES, 10, shape };

/* "HM", command, sequence, CRC-16/MODBUS of the payload, length */
static void
shape(uint8_t *f, size_t n)
{
	uint16_t	crc;

	f[0] = 'H';
	f[1] = 'M';
	f[8] = n >> 8;
	f[9] = n;
	crc = pv_crc16_modbus(f + 10, n - 10);
	f[6] = crc >> 8;
	f[7] = crc;
}

FUZZ_SHAPE_TARGET(fs)
