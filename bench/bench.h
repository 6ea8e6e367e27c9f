/*
 * make bench: the load generator and the floor server share one table
 * with an entry per protocol.  Adding a protocol to the benchmark means
 * adding an entry to bench_protos[] in protos.c: the frame a device
 * sends under load, the reply the cloud sends back, how to cut replies
 * off the byte stream and check them, and the floor's way of building
 * the same reply without decoding anything.
 */

#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "proto.h"

#define BENCH_MAXFRAME	4096	/* the largest request or reply */
#define BENCH_MAXSAMPLE	8

struct bench_proto {
	const char	*name;		/* as in pvgated.conf */
	const char	*request;	/* the frame sent under load */
	const char	*reply;		/* the cloud's reply to it */
	int		 records;	/* measurements per request */
	/* more requests whose replies floor and gateway must agree on */
	const char	*samples[BENCH_MAXSAMPLE];
	/* cuts requests (floor) and replies (load generator) */
	framer_fn	 frame;
	/* 1 if got is a good reply, want being the captured one */
	int		(*reply_ok)(const uint8_t *, size_t, const uint8_t *,
			    size_t, time_t);
	/* the floor's reply to a request: its length, 0 for none */
	size_t		(*answer)(const uint8_t *, size_t, uint8_t *,
			    size_t, time_t);
	/* extra lines for the protocol's section of pvgated.conf */
	const char	*conf;
};

extern const struct bench_proto	bench_protos[];

const struct bench_proto	*bench_proto(const char *);
size_t				 bench_loadhex(const char *, uint8_t *,
				    size_t);

#endif /* BENCH_H */
