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

void	 imsgev_init(struct imsgev *, int, void (*)(int, short, void *),
	    void *);
void	 imsgev_start(struct imsgev *, void (*)(int, short, void *), void *);
void	 imsg_event_add(struct imsgev *);
void	 imsgev_loop(void (*)(void));
void	 imsgev_clock(struct timespec *);
int	 imsg_compose_event(struct imsgev *, uint32_t, uint32_t, pid_t, int,
	    const void *, size_t);
int	 imsg_composev_event(struct imsgev *, uint32_t, uint32_t,
	    const struct iovec *, int);
int	 imsgev_read(struct imsgev *, short, const char *);
void	 imsgev_hello(struct imsgev *, int);
int	 imsgev_get(struct imsgev *, struct imsg *, int, const char *);

#endif /* IMSGEV_H */
