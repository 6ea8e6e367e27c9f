/*
 * libFuzzer target, structure-aware: AlphaESS frames that are
 * well-formed around a mutated body (start and direction byte, body
 * length, CRC put right after every mutation), so that the decoder's
 * payload parsing, not its first checks, gets the fuzzer's time;
 * beside the byte-level fuzz_alphaess_decode.  The framer must take
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

static const struct fuzz_shape	fs = { PROTO_ALPHAESS, 9, shape };

/* 01, 01 or 02, command, u32 body length, body, CRC-16/MODBUS */
static void
shape(uint8_t *f, size_t n)
{
	uint32_t	blen = n - 9;
	uint16_t	crc;

	f[0] = 0x01;
	f[1] = 0x01 + (f[1] & 1);
	f[3] = blen >> 24;
	f[4] = blen >> 16;
	f[5] = blen >> 8;
	f[6] = blen;
	crc = pv_crc16_modbus(f, n - 2);
	f[n - 2] = crc >> 8;
	f[n - 1] = crc;
}

FUZZ_SHAPE_TARGET(fs)
