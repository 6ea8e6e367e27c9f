/*
 * libFuzzer target: what a alphaess cloud sends, through the relay's
 * cloud framer and command firewall (proto/alphaess_cloud.c), as
 * fuzz_cloud() in fuzzlib.c checks them.
 *
 * Needs every proto/ file.
 */

#include <stddef.h>
#include <stdint.h>

#include "pvgate.h"
#include "proto.h"
#include "fuzzlib.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_cloud(PROTO_ALPHAESS, data, size);
	return (0);
}
