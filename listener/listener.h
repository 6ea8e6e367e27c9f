/*
 * pvgate-listener: accepts device connections on one port, cuts their
 * byte streams into frames and passes them to the decoder.
 */

#ifndef LISTENER_H
#define LISTENER_H

#include <sys/queue.h>
#include <sys/tree.h>

#include <event.h>

#include "confmsg.h"
#include "imsgev.h"

struct target;

/* why a connection was closed, counted (control.c has the names) */
enum close_reason {
	CLOSE_PEER,
	CLOSE_IDLE,
	CLOSE_MAX_FRAME,
	CLOSE_FRAMING,
	CLOSE_DECODER,
	CLOSE_REPLIES,		/* the device does not read its replies */
	CLOSE_ERROR,
	CLOSE_SHUTDOWN,
	CLOSE_ROOM,		/* no frame yet, room for a newcomer */
	CLOSE_HANGUP,		/* the decoder's: its exchange is done */
	CLOSE_MAX
};

/* why a connection was refused */
enum refuse_reason {
	REFUSE_MAX_CONNECTIONS,
	REFUSE_MAX_PER_ADDRESS,
	REFUSE_ALLOW_FROM,		/* not in allow_from */
	REFUSE_MAX
};

/*
 * A device connection.  An idle one costs this for as long as it is
 * open (its partial frame and unsent replies only while there are
 * some), so the fields are ordered to leave no holes.
 */
struct conn {
	RB_ENTRY(conn)		 entry;
	uint64_t		 id;
	const struct proto	*proto;
	struct target		*target;	/* dialled: what for */
	struct event		 ev;		/* read, with the idle timeout */
	struct event		*wev;		/* write, only while blocked */
	struct peer_count	*pc;
	uint8_t			*in;		/* partial frame, if any */
	uint8_t			*out;		/* unsent reply bytes */
	uint32_t		 inlen;
	uint32_t		 incap;		/* grows up to max_frame */
	uint32_t		 outlen;	/* up to OUT_MAX */
	int			 fd;
	struct pv_addr		 peer;
	unsigned int		 gotframe:1;
	unsigned int		 closing:1;	/* close once out is sent */
	unsigned int		 parked:1;	/* not read: backpressure */
	unsigned int		 unframed:1;	/* accepted, no frame yet */
	struct pv_addr		 dst;
	TAILQ_ENTRY(conn)	 park;
	TAILQ_ENTRY(conn)	 unframed_entry;
	time_t			 start;
	uint64_t		 rxbytes;
	uint64_t		 txbytes;
	uint64_t		 frames;
};

RB_HEAD(conn_tree, conn);
RB_PROTOTYPE(conn_tree, conn, entry, conn_cmp);

/* connections per source address */
struct peer_count {
	RB_ENTRY(peer_count)	 entry;
	uint8_t			 family;
	uint8_t			 addr[16];
	uint32_t		 n;
};

RB_HEAD(peer_tree, peer_count);
RB_PROTOTYPE(peer_tree, peer_count, entry, peer_cmp);

/* what a listening socket's accepted connections have from it */
enum lsock_nodelay {
	NODELAY_UNKNOWN,	/* none accepted yet */
	NODELAY_INHERITED,	/* they have TCP_NODELAY already */
	NODELAY_SET		/* each has to be given it */
};

struct lsock {
	struct pv_addr		 addr;		/* bound to; family 0: any */
	enum lsock_nodelay	 nodelay;
};

struct listener {
	struct pvconf		*conf;
	const struct proto	*proto;
	struct imsgev		 iev_parent;
	struct imsgev		 iev_decoder;
	int			 nsock;
	int			 sock[PVGATE_MAX_SOCKETS];
	struct event		 ev_accept[PVGATE_MAX_SOCKETS];
	struct lsock		 lsock[PVGATE_MAX_SOCKETS];
	struct event		 ev_pause;	/* accept paused: EMFILE */
	int			 accepting;
	int			 paused;	/* backpressure */
	int			 draining;
	int			 connector;	/* dials, listens on nothing */
	uint32_t		 instance;
	uint32_t		 next_id;
	uint32_t		 nconns;
	struct conn_tree	 conns;
	TAILQ_HEAD(, conn)	 parked;	/* readable while paused */
	TAILQ_HEAD(, conn)	 unframed;	/* oldest first: evictable */
	struct event		 ev_trim;	/* heap trim after a burst */
	int			 trim_armed;
	uint32_t		 trim_peak;	/* connections since the trim */
	uint32_t		 qpeak;		/* messages queued, since 0 */
	uint32_t		 reserved;	/* descriptors libevent knows */
	uint32_t		 reserve_want;	/* and is to know */
	int			 reserve_next;	/* the next number */
	struct event		 ev_reserve;	/* one step a loop pass */
	struct peer_tree	 peers;
	struct {
		uint64_t	 accepted;
		uint64_t	 frames;
		uint64_t	 bytes;
		uint64_t	 garbage;
		uint64_t	 replies;
		uint64_t	 reply_bytes;
		uint64_t	 replies_lost;
		uint64_t	 pauses;
		uint64_t	 refused[REFUSE_MAX];
		uint64_t	 closed[CLOSE_MAX];
	}			 stats;
};

extern struct listener	*env;

/* conn.c */
void	 conn_listen(struct lsock *, int);
void	 conn_accept(int, short, void *);
struct conn *conn_add(int, const struct pv_addr *, const struct proto *,
	    struct target *);
void	 conn_reply(uint64_t, uint32_t, const uint8_t *, size_t);
int	 conn_reply_flush(void);
void	 conn_kill(const struct pv_reply *);
void	 conn_close(struct conn *, int, const char *);
void	 conn_pause_all(void);
void	 conn_resume_all(void);
void	 conn_close_all(int, const char *);
void	 conn_flush_all(void);
void	 conn_trim_soon(void);

/* a device the connector dials, or a cloud it relays one to */
struct target {
	struct pv_deviceconf	 dev;
	const struct proto	*proto;
	int			 fd;		/* while connecting */
	struct conn		*c;		/* while connected */
	struct event		 ev;		/* connecting, or waiting */
	unsigned int		 backoff;	/* seconds */
	int			 state;		/* enum ctl_dial */
	time_t			 since;		/* in that state */
	time_t			 next;		/* waiting: dial then */
	uint32_t		 failures;	/* in a row */
	char			 error[PV_REASONLEN];	/* the last */
	uint64_t		 last;		/* the connection before */
	int			 hangup;	/* the decoder hung up c */
	unsigned int		 redial;	/* then dial again in ms */
	int			 planned;	/* this dial is the decoder's */
	int			 relay;		/* a cloud, for tag */
	int			 queued;	/* on the dialling list */
	uint64_t		 tag;		/* the device connection */
	TAILQ_ENTRY(target)	 entry;
};

/* connect.c */
void	 connector_start(const struct pvconf *);
void	 connector_hangup(struct target *, unsigned int);
void	 connector_redial(uint64_t, unsigned int);
void	 connector_closed(struct target *, const char *);
void	 connector_stop(void);
int	 target_connect(struct target *, void (*)(int, short, void *),
	    const struct timeval *);
const char *target_connected(int, short);
void	 connector_ctl(struct imsgev *, uint32_t);

/* control.c */
void	 listener_ctl(struct imsg *);

/* relay.c */
void	 relay_dial(const struct pv_relay *);
void	 relay_closed(struct target *);
void	 relay_stop(void);

/* listener.c */
void	 listener_backpressure(void);

#endif /* LISTENER_H */
