/*
 * AlphaESS: the bounded JSON scanner of alphaess.c, which the cloud's
 * side (alphaess_cloud.c) reads the cloud's frames with, too.
 */

#ifndef ALPHAESS_H
#define ALPHAESS_H

#include <stddef.h>
#include <stdint.h>

enum { AJ_START, AJ_PAIRS, AJ_DONE };
enum { AJ_STRING, AJ_NUMBER, AJ_LITERAL, AJ_NESTED };

struct ae_str {
	const uint8_t	*p;
	size_t		 len;
};

/* one flat object, pairs in order, nothing copied */
struct ae_json {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
	int		 state;
	const char	*err;
};

void	 aj_init(struct ae_json *, const uint8_t *, size_t);
int	 aj_next(struct ae_json *, struct ae_str *, struct ae_str *, int *);
int	 ae_is(const struct ae_str *, const char *);
/* a password's and the owner's data's values masked: how many */
size_t	 ae_mask_keys(uint8_t *, size_t);

#endif /* ALPHAESS_H */
