/*
 * simlib: what every simulated device of the end-to-end tests needs:
 * "ok - ..." lines and the failure count, hex files, loopback sockets,
 * a receive buffer read with a timeout, and a millisecond clock.
 */

#ifndef SIMLIB_H
#define SIMLIB_H

#include <stdint.h>
#include <time.h>

#define SIM_BUFLEN	65536

struct sim_conn {
	int	 fd;			/* -1: none */
	size_t	 len;			/* bytes in buf */
	uint8_t	 buf[SIM_BUFLEN];
};
#define SIM_CONN_INIT	{ -1, 0, { 0 } }

extern const char	*sim_label;	/* first word of every result line */
extern int		 sim_failed;	/* results that were not ok */

void		 sim_result(int, const char *, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
int		 sim_status(void);
size_t		 sim_load_hex(const char *, uint8_t *, size_t);
size_t		 sim_unhex(const char *, uint8_t *, size_t);
const char	*sim_base(const char *);

int		 sim_port(const char *);
int		 sim_connect(const char *, const char *, int);
int		 sim_listen(const char *, int);
int		 sim_accept(int, int);
void		 sim_send_all(int, const uint8_t *, size_t);

void		 sim_open(struct sim_conn *, int);
void		 sim_hangup(struct sim_conn *);
int		 sim_fill(struct sim_conn *, int);
void		 sim_consume(struct sim_conn *, size_t);
void		 sim_silence(struct sim_conn *, int);
void		 sim_closed(struct sim_conn *, int);
void		 sim_refused(struct sim_conn *, int);

long		 sim_msec_since(const struct timespec *);
int		 sim_match(const char *, const char *, const uint8_t *,
		    size_t);

#endif /* SIMLIB_H */
