/*
 * libFuzzer target: an owner's command to a e3dc-rscp device, its text
 * through cmd_parse() (proto/cmd.c) and the protocol's check, and the
 * device's answer through its hook (proto/e3dc_cmd.c), as fuzz_command() in
 * fuzzlib.c checks them.
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
	if (size > 0)
		fuzz_command(PROTO_E3DC_RSCP, data, size);
	return (0);
}
