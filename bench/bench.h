/*
 * make bench: the load generator and the floor server share one table
 * with an entry per protocol.  Adding a protocol to the benchmark means
 * adding an entry to bench_protos[] in protos.c: the frames a device
 * sends under load, the reply the cloud sends back, how to cut replies
 * off the byte stream, and the floor's way of building the same reply
 * without decoding anything.  The load generator checks every reply
 * byte for byte against what the floor's builder makes of the frame it
 * answers.
 */

#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "proto.h"

#define BENCH_MAXFRAME	8192	/* the largest request or reply */
#define BENCH_MAXSAMPLE	8
#define BENCH_MAXPART	4	/* frames of one request */

struct bench_proto {
	const char	*name;		/* as in pvgated.conf */
	/* the frames sent under load: a file, or built by make() */
	const char	*request;
	size_t		(*make)(uint8_t *, size_t);
	/*
	 * makes request n of device dev its own (serial, clock,
	 * checksums) in place, lengths unchanged, for decoders that keep
	 * one connection per device and drop a repeated sample; NULL:
	 * every device sends the same bytes
	 */
	void		(*vary)(uint8_t *, size_t, unsigned int,
			    unsigned int);
	/* the captured reply to request, NULL if there is none */
	const char	*reply;
	int		 parts;		/* frames (and replies) per request */
	int		 records;	/* measurements per request */
	int		 churn;		/* 1: a churn phase, one per connection */
	/* more requests whose replies floor and gateway must agree on */
	const char	*samples[BENCH_MAXSAMPLE];
	/* cuts requests (floor), and replies unless rframe does */
	framer_fn	 frame;
	framer_fn	 rframe;
	/*
	 * 1 if got is the captured reply want but for the clock it
	 * carries; NULL: the two must be the same bytes
	 */
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
time_t				 bench_now(void);

#endif /* BENCH_H */
