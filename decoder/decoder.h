/*
 * pvgate-decoder: what its parts share (decoder.c, relay.c).
 */

#ifndef DECODER_H
#define DECODER_H

#include <stddef.h>
#include <stdint.h>

#include "confmsg.h"

struct lchan;
struct imsg;
struct relay;

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

#endif /* DECODER_H */
