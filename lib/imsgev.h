/*
 * libevent glue for imsg channels.
 */

#ifndef IMSGEV_H
#define IMSGEV_H

#include <event.h>

struct imsgev {
	struct imsgbuf	 ibuf;
	void		(*handler)(int, short, void *);
	struct event	 ev;
	short		 events;
	int		 hello;		/* the peer's IMSG_HELLO was seen */
	int		 pending;	/* to be written at the pass's end */
	/* arms the event; NULL: read always, write while queued */
	void		(*arm)(struct imsgev *);
	void		*data;
};

/*
 * What each message queued on a channel weighs (the records or frames
 * in it), oldest first, so that backpressure can count those rather
 * than messages.  Push one weight for every message composed on the
 * channel; a message that was written is dropped from the count when
 * the queue is next looked at (messages leave in order).
 */
struct imsgw {
	uint32_t	*w;
	size_t		 cap;
	size_t		 head;
	size_t		 n;
	uint64_t	 total;
};

void	 imsgw_push(struct imsgw *, uint32_t);
uint64_t imsgw_queued(struct imsgw *, struct imsgbuf *);

void	 imsgev_init(struct imsgev *, int, void (*)(int, short, void *),
	    void *);
void	 imsgev_start(struct imsgev *, void (*)(int, short, void *), void *);
void	 imsg_event_add(struct imsgev *);
void	 imsgev_loop(void (*)(void));
void	 imsgev_beforeflush(void (*)(void));
void	 imsgev_clock(struct timespec *);
int	 imsg_compose_event(struct imsgev *, uint32_t, uint32_t, pid_t, int,
	    const void *, size_t);
int	 imsg_composev_event(struct imsgev *, uint32_t, uint32_t,
	    const struct iovec *, int);
int	 imsgev_read(struct imsgev *, short, const char *);
void	 imsgev_hello(struct imsgev *, int);
int	 imsgev_get(struct imsgev *, struct imsg *, int, const char *);

#endif /* IMSGEV_H */
