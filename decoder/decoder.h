/*
 * pvgate-decoder: what decoder.c, control.c (pvgatectl), relay.c (the
 * cloud relay) and command.c (owners' commands) share.
 */

#ifndef DECODER_H
#define DECODER_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "confmsg.h"
#include "proto.h"

struct dconn;
struct imsg;
struct imsgev;
struct lchan;
struct pv_cmd;
struct pv_deviceconf;
struct pvconf;
struct record;
struct relay;
struct seen;

/* what a connection did, or the connections of a device did */
/* a kind of log line said in bursts (burst_say(), decoder.c) */
struct burst {
	const char		*what;	/* "frames dumped" */
	time_t			 start;
	unsigned int		 said, quiet;
	struct event		*ev;	/* the count, at the period's end */
};
int	 burst_say(struct burst *);

struct tally {
	uint64_t	 frames;
	uint64_t	 replies;
	uint64_t	 dumps;
	uint64_t	 errors;	/* pieces the framer rejected */
	time_t		 last;
};

/*
 * A connection's protocol state (dstate.c).  One smaller than
 * DSTATE_PACK is never packed: its connection holds it
 * (dstate_inline()).  One of DSTATE_LAZY bytes or more is mapped.
 */
#define DSTATE_PACK	128
#define DSTATE_LAZY	2048
struct dstate {
	TAILQ_ENTRY(dstate)	 entry;		/* in order of last use */
	void			*p;		/* NULL: all zeros */
	time_t			 used;
	uint32_t		 len;		/* of p: packed, len packed */
	uint8_t			 busy;		/* events not yet done */
	uint8_t			 listed;
	uint8_t			 room;		/* DSTATE_HEAP ... */
	uint8_t			 level;		/* quiet 2 s << level */
};
#define DSTATE_HEAP	0	/* p from malloc */
#define DSTATE_MAPPED	1	/* p is its own mapping */
#define DSTATE_INLINE	2	/* p is the connection's, len bytes */
#define DSTATE_PACKED	3	/* p from malloc, packed (dstate.c) */

void	 dstate_inline(struct dstate *, void *, size_t);
void	*dstate_get(struct dstate *, size_t);
void	 dstate_done(struct dstate *, size_t);
void	*dstate_peek(const struct dstate *, size_t);
void	 dstate_free(struct dstate *);

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
const struct pvconf	*decoder_conf(void);
struct dconn		*decoder_reaching(const struct pv_deviceconf *);
struct dconn		*decoder_conn_byid(uint64_t);
uint64_t		 decoder_conn_id(const struct dconn *);
const char		*decoder_conn_peer(const struct dconn *);
int			 decoder_send_cmd(struct dconn *, struct pv_cmd *,
			    char *, size_t);
void			 decoder_release_cmd(struct dconn *);
void			 decoder_result(uint32_t, int, uint32_t,
			    const char *);

/* control.c */
void	 decoder_ctl(struct imsgev *, const struct pvconf *, struct imsg *);
void	 seen_record(struct dcount *, const struct record *, const char *,
	    time_t);
void	 seen_claim(struct dcount *, uint16_t, const char *, const char *,
	    time_t);
void	 seen_gone(struct dcount *);
void	 seen_refused(uint16_t, const char *, const char *, time_t);

/* decoder.c: bytes on a connection, a message to a listener, out */
void	 decoder_send(struct lchan *, uint64_t, const uint8_t *, size_t);
void	 decoder_compose(struct lchan *, int, const void *, size_t);
void	 decoder_dump(const struct pv_frame *, const uint8_t *, size_t,
	    const char *);
void	 decoder_record(const struct record *);

/* relay.c: the cloud relay */
void	 relay_init(struct lchan *);
void	 relay_configure(const struct pvconf *);
struct relay *relay_new(struct lchan *, uint64_t, const struct proto *,
	    const char *, const char *);
void	 relay_free(struct relay *);
void	 relay_device_begin(struct relay *, const struct pv_frame *,
	    const uint8_t *, size_t);
void	 relay_device_end(struct relay *);
int	 relay_hold(struct relay *, const uint8_t *, size_t);
void	 relay_flush(struct relay *);
int	 relay_upstream(struct lchan *, const struct pv_frame *,
	    const uint8_t *, size_t, int);
int	 relay_closed(uint64_t, const char *);
void	 relay_answer(struct imsg *, int);
uint64_t relay_count(int, int);

/* command.c */
void	 command_receive(struct imsg *, int);
void	 command_answer(struct pv_cmd *, int, const char *);
void	 command_conn_gone(struct pv_cmd *);

#endif /* DECODER_H */
