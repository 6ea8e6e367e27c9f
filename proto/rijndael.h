/*
 * Rijndael, the cipher AES was chosen from, with its variable block:
 * 128, 192 or 256 bits, keys of 128, 192 or 256 bits.  E3/DC's RSCP
 * uses a 256-bit block with a 256-bit key, which no crypto library
 * offers (AES fixes the block at 128 bits).  Plain byte-wise code: the
 * frames it serves are a few hundred bytes a second.
 */

#ifndef RIJNDAEL_H
#define RIJNDAEL_H

#include <stddef.h>
#include <stdint.h>

#define RIJNDAEL_MAXBLOCK	32	/* bytes */
#define RIJNDAEL_MAXROUNDS	14

struct rijndael {
	/* round keys, column by column, as the state is laid out */
	uint8_t		rk[RIJNDAEL_MAXBLOCK * (RIJNDAEL_MAXROUNDS + 1)];
	unsigned int	nb;		/* block length in columns */
	unsigned int	nr;		/* rounds */
};

/* key and block length in bytes: 16, 24 or 32 each; -1 otherwise */
int	 rijndael_setkey(struct rijndael *, const uint8_t *, size_t,
	    size_t);
size_t	 rijndael_blocklen(const struct rijndael *);
/* one block; in and out may be the same */
void	 rijndael_encrypt(const struct rijndael *, const uint8_t *,
	    uint8_t *);
void	 rijndael_decrypt(const struct rijndael *, const uint8_t *,
	    uint8_t *);
/*
 * CBC over len bytes, a multiple of the block length, from in to out
 * (which may be the same).  iv is the chaining value: on return it is
 * the last ciphertext block, so the next call continues the chain.
 */
void	 rijndael_cbc_encrypt(const struct rijndael *, uint8_t *,
	    const uint8_t *, uint8_t *, size_t);
void	 rijndael_cbc_decrypt(const struct rijndael *, uint8_t *,
	    const uint8_t *, uint8_t *, size_t);

#endif /* RIJNDAEL_H */
