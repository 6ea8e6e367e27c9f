/*
 * fuzzlib: what the fuzz targets share (regress/fuzz/build.sh links
 * it into every one): the checks a pvout makes of what a decoder
 * produces, the frame being decoded, the loop that feeds a connection
 * through its framer and decoder, and the loop that holds a framer to
 * its contract.  Every check aborts when it fails.
 */

#ifndef FUZZLIB_H
#define FUZZLIB_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "record.h"

#define FUZZ_FRAME_LIMIT 16368	/* the largest imsg payload for a frame */
#define FUZZ_NOW	1712861197
#define FUZZ_PEER	"192.0.2.10:51512"

/* the frame being decoded (NULL: a connection event), its replies */
extern const uint8_t	*fuzz_cur;
extern size_t		 fuzz_curlen;
extern int		 fuzz_nreplies;

void	 fuzz_check_text(const char *, size_t, int);
void	 fuzz_check_reason(const char *);
void	 fuzz_check_record(const struct record *, int);
void	 fuzz_check_dump(const uint8_t *, size_t, const char *);
/* pvout functions: the checks above, the protocol the connection's */
void	 fuzz_out_record(struct pvctx *, const struct record *);
void	 fuzz_out_dump(struct pvctx *, const uint8_t *, size_t,
	    const char *);
void	 fuzz_no_close(struct pvctx *);
/* accept = known, played: names with an odd first byte are refused */
int	 fuzz_admit(struct pvctx *, const char *);

void	 fuzz_ctx(struct pvctx *, struct pv_protoconf *, int, void *,
	    size_t, size_t, const struct pvout *);

/* a connection fed through a framer and decoder */
struct fuzz_conn {
	framer_fn	 frame;
	decoder_fn	 decode;
	int		(*fix)(uint8_t *, size_t);	/* check put right */
	int		 clock;		/* a second passes between frames */
};
int	 fuzz_feed(const struct fuzz_conn *, struct pvctx *,
	    const uint8_t *, size_t, size_t);

/* a framer's verdicts over arbitrary bytes, beyond the contract */
struct fuzz_verdicts {
	framer_fn	 frame;
	void		(*more)(const uint8_t *, size_t, size_t);
	void		(*close)(const uint8_t *, size_t, size_t);
	void		(*skip)(const uint8_t *, size_t, size_t);
	void		(*ok)(const uint8_t *, size_t, size_t);
};
void	 fuzz_verdicts(const struct fuzz_verdicts *, const uint8_t *,
	    size_t, size_t);

/*
 * Structure-aware targets: the input is one frame of a protocol whose
 * header, length and check shape() puts right after every mutation
 * (fuzz_shape_mutate(), for LLVMFuzzerCustomMutator), so that the
 * fuzzer spends its time in the body.  fuzz_shape_run() holds the
 * framer to taking the shaped frame whole, then decodes it twice on
 * one connection.
 */
struct fuzz_shape {
	int		 proto;		/* enum pv_proto */
	size_t		 min;		/* the shortest frame */
	void		(*shape)(uint8_t *, size_t);
};
size_t	 fuzz_shape_mutate(const struct fuzz_shape *, uint8_t *, size_t,
	    size_t, unsigned int);
void	 fuzz_shape_run(const struct fuzz_shape *, const uint8_t *,
	    size_t);

/* a structure-aware target's two entry points, on its struct fuzz_shape */
#define FUZZ_SHAPE_TARGET(fs)						\
size_t	 LLVMFuzzerCustomMutator(uint8_t *, size_t, size_t, unsigned int); \
int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);		\
size_t									\
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,		\
    unsigned int seed)							\
{									\
	return (fuzz_shape_mutate(&(fs), data, size, max, seed));	\
}									\
int									\
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)		\
{									\
	fuzz_shape_run(&(fs), data, size);				\
	return (0);							\
}

/* the cloud's side of a protocol: its framer, its firewall's verdicts */
void	 fuzz_cloud(int, const uint8_t *, size_t);

/* an owner's command: its parser, and its answer through the hook */
void	 fuzz_command(int, const uint8_t *, size_t);

#endif /* FUZZLIB_H */
