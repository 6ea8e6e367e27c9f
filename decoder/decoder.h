/*
 * pvgate-decoder: what decoder.c and control.c share.
 */

#ifndef DECODER_H
#define DECODER_H

#include <stdint.h>
#include <time.h>

#include "proto.h"

struct imsg;
struct imsgev;
struct pvconf;
struct record;
struct seen;

/* what a connection did, or the connections of a device did */
struct tally {
	uint64_t	 frames;
	uint64_t	 replies;
	uint64_t	 dumps;
	uint64_t	 errors;	/* pieces the framer rejected */
	time_t		 last;
};

/* per connection: its tally, and the device it speaks for */
struct dcount {
	struct tally	 t;
	struct seen	*owner;
};

/* per protocol, counted as frames pass */
struct pstats {
	uint64_t	 conns;
	uint64_t	 frames;
	uint64_t	 bytes;
	uint64_t	 replies;
	uint64_t	 records;
	uint64_t	 dumps;
	uint64_t	 garbage;
	uint64_t	 untracked;
	uint64_t	 refused;	/* accept = known */
};

extern struct pstats	 pstats[PROTO_MAX];

/* decoder.c */
void	 decoder_conns(void (*)(uint64_t, struct dcount *, void *), void *);

/* control.c */
void	 decoder_ctl(struct imsgev *, const struct pvconf *, struct imsg *);
void	 seen_record(struct dcount *, const struct record *, const char *,
	    time_t);
void	 seen_claim(struct dcount *, uint16_t, const char *, const char *,
	    time_t);
void	 seen_gone(struct dcount *);
void	 seen_refused(uint16_t, const char *, const char *, time_t);

#endif /* DECODER_H */
