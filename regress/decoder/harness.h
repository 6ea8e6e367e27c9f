/*
 * The decoder test harness: plays the listener (framer) and the
 * decoder process (pvout) for one connection at a time, and keeps what
 * the protocol produced so that a test can check it.  Every protocol's
 * test program (regress/decoder/<proto>_test.c) is built on it.
 *
 * One line per case: "ok - <name>" or "not ok - <name>: <detail>".
 */

#ifndef HARNESS_H
#define HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "pvgate.h"
#include "proto.h"
#include "record.h"

#define TEST_NOW	1712861197	/* 2024-04-11T18:46:37Z */
#define TEST_HB		60
#define TEST_PEER	"192.0.2.10:51512"
#define TEST_TZ		"CET-1CEST,M3.5.0,M10.5.0/3"	/* local time */
#define TEST_MAXFRAME	16384

#define VEC_MAX		16384		/* largest vector, bytes */
#define CONN_BUF	(4 * VEC_MAX)
#define MAX_REPLIES	32
#define REPLY_KEEP	2048
#define MAX_RECORDS	64
#define MAX_DUMPS	16
#define MAX_SKIPS	16
#define MAX_DEVICES	8
#define DUMP_KEEP	1024
#define STATE_MAX	65536

struct vec {
	uint8_t	b[VEC_MAX];
	size_t	len;
};

/* what one connection produced, as the listener and decoder would see */
struct conn {
	const struct proto	*proto;
	struct pv_protoconf	 conf;
	struct pvctx		 ctx;
	uint8_t			 buf[CONN_BUF];
	size_t			 len;
	int			 dead;		/* framer said close */
	char			 closewhy[PV_REASONLEN];

	int			 nframes;
	int			 nskips;
	size_t			 skipn[MAX_SKIPS];
	char			 skipwhy[MAX_SKIPS][PV_REASONLEN];
	int			 badverdict;

	int			 nreplies;
	uint8_t			 reply[MAX_REPLIES][REPLY_KEEP];
	size_t			 replylen[MAX_REPLIES];
	int			 nrecords;
	struct record		 rec[MAX_RECORDS];
	int			 ndumps;
	char			 reason[MAX_DUMPS][PV_REASONLEN];
	size_t			 dumplen[MAX_DUMPS];
	uint8_t			 dump[MAX_DUMPS][DUMP_KEEP];
	int			 ncloses;
	int			 nhangups;	/* pv_hangup() calls */
	unsigned int		 redial;	/* the last one's msec */

	unsigned int		 timer;		/* armed msec, 0: not armed */
	int			 ntimers;	/* pv_timer() calls */
	char			 claim[PV_NAMELEN]; /* last pv_claim() */
	int			 nclaims;
	char			 admit[PV_NAMELEN]; /* last pv_admit() */
	int			 nadmits;
	int			 refused;	/* accept_known said no */
};

/* the [device] sections pv_device() finds; tests fill them in */
extern struct pv_deviceconf	 devices[MAX_DEVICES];
extern int			 ndevices;
/* accept = known: pv_admit() refuses names not in devices[] */
extern int			 accept_known;
extern const char		*vecdir;

void	 check(int, const char *, ...)
	    __attribute__((__format__ (printf, 2, 3)));
void	 result(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
/* has the current case failed a check already? */
int	 failing(void);
/* set the time zone (TZ) the decoder sees; exits 2 if it cannot */
void	 set_tz(const char *);
/* print the summary line; the exit status for main() */
int	 finish(void);

/* load the vector of vecdir whose file name starts with "<id>-" */
int	 vec_load(struct vec *, const char *);
/* parse hex text (white space ignored) into a vector */
int	 vec_hex(struct vec *, const char *);

/* a fresh connection (the one static conn) of protocol id */
struct conn	*conn_open(int, uint32_t);
/* what the listener does with the bytes of one read */
void	 feed(struct conn *, const uint8_t *, size_t);
/* connection events: open (ctx.dev may be set first), timer, gone */
void	 conn_up(struct conn *);
void	 conn_tick(struct conn *);
void	 conn_gone(struct conn *);
/* forget what the connection produced so far (replies, records, ...) */
void	 conn_clear(struct conn *);
/*
 * the next connection to the same device after a pv_hangup(): what the
 * last one produced is forgotten, its protocol state is kept
 */
void	 conn_reopen(struct conn *);

const char	*mname(int, int);
void	 want_metric(const struct record *, int, int, int64_t, int);
void	 want_absent(const struct record *, int, int);
void	 want_attr(const struct record *, int, const char *);
/* the first record of device; a failed check and NULL if none */
const struct record *want_record(struct conn *, const char *);
/* exactly n replies; if ref, the last one must equal it */
void	 want_reply(struct conn *, int, const uint8_t *, size_t);
/* exactly n dumps; if reason, one of them says it */
void	 want_dump(struct conn *, int, const char *);
/* the first dump, if there is one, is the frame (as far as kept) */
void	 want_dump_of(struct conn *, const uint8_t *, size_t);

#endif /* HARNESS_H */
