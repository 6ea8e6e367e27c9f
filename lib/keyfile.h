/*
 * Key files: one line of base64 (libsodium's original variant).
 */

#ifndef KEYFILE_H
#define KEYFILE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

int	 keyfile_read(const char *, uint8_t *, size_t, int, char *, size_t);
int	 keyfile_write(const char *, const uint8_t *, size_t, mode_t);

#endif /* KEYFILE_H */
