/*
 * Protocols: each is a framer (used by the listener) and a decoder
 * (used by the decoder process).  Both are pure functions over byte
 * buffers: no I/O, no global state, no allocation on the frame path.
 */

#ifndef PROTO_H
#define PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "record.h"

enum pv_proto {
	PROTO_NONE,
	PROTO_SOLARMAN_V5,
	PROTO_CAPTURE,
	PROTO_TSUN_GEN3,
	PROTO_APSYSTEMS_ECU,
	PROTO_ALPHAESS,
	PROTO_HOYMILES,
	PROTO_E3DC_RSCP,
	PROTO_MAX
};

/* framer verdicts */
enum frame_verdict {
	FRAME_MORE,	/* need more bytes */
	FRAME_OK,	/* a frame of *n bytes starts the buffer */
	FRAME_SKIP,	/* garbage: drop *n bytes (dumped with *why) */
	FRAME_CLOSE	/* hopeless: dump what is there, close */
};

/*
 * A framer looks at the bytes buffered so far, buf[0 .. len), and
 * decides.  max is the largest frame the listener will hold.  On
 * FRAME_OK and FRAME_SKIP *n is set (1 <= *n <= len); on FRAME_SKIP and
 * FRAME_CLOSE *why names the reason (a static string).
 */
typedef int (*framer_fn)(const uint8_t *buf, size_t len, size_t max,
    size_t *n, const char **why);

struct pv_protoconf;
struct pv_deviceconf;
struct pv_secret;
struct pvctx;
struct pv_cmd;

/*
 * What a decoder may do.  reply sends bytes on the connection (a reply
 * to a listened-on device, a request to a dialled one); timer arms the
 * connection's one timer (msec 0 disarms it), whose expiry calls the
 * protocol's tick; device looks up a [device NAME] section; claim says
 * that this connection speaks for the named device, and closes any
 * other connection of the same protocol that claimed it before; admit
 * asks whether the named device may be served at all (accept = known),
 * and is asked on every frame that names a device or whose connection
 * named one, before anything is sent.  A refused connection is being
 * closed: the protocol dumps the frame at hand with the reason
 * "unknown device NAME" and stops, and nothing it sends or records on
 * that connection goes out.
 *
 * hangup is for a dialled device whose server wants one exchange per
 * connection: the connection is closed, the connector dials the device
 * again in msec milliseconds (instead of after its error backoff), and
 * the next connection to the device starts with this connection's
 * protocol state instead of a zeroed one.  Called from gone (the device
 * closed first), it still sets when the next dial comes and keeps the
 * state.  On a listened-on connection it is close.
 *
 * command says how the owner's command in flight on this connection
 * (ctx->cmd) ended, once the device has answered it (cmd.c).
 */
struct pvout {
	void	(*reply)(struct pvctx *, const uint8_t *, size_t);
	void	(*record)(struct pvctx *, const struct record *);
	void	(*dump)(struct pvctx *, const uint8_t *, size_t,
		    const char *);
	void	(*close)(struct pvctx *);
	void	(*timer)(struct pvctx *, unsigned int);
	const struct pv_deviceconf *(*device)(struct pvctx *, const char *);
	void	(*claim)(struct pvctx *, const char *);
	int	(*admit)(struct pvctx *, const char *);
	void	(*hangup)(struct pvctx *, unsigned int);
	void	(*command)(struct pvctx *, int, const char *);
};

/* the world as a decoder sees it while handling one frame */
struct pvctx {
	const struct pv_protoconf *conf;
	void			*state;		/* per connection, zeroed */
	uint64_t		 conn;
	time_t			 now;		/* receive time, UTC */
	const char		*peer;		/* "192.0.2.10:51512" */
	const struct pv_deviceconf *dev;	/* dialled: the device, else NULL */
	const struct pvout	*out;
	void			*arg;		/* for the pvout functions */
	const struct pv_secret	*secret;	/* the protocol's, or NULL */
	struct pv_cmd		*cmd;		/* in flight here, or NULL */
};

/* decode one frame that the framer delimited */
typedef void (*decoder_fn)(struct pvctx *, const uint8_t *, size_t);
/* a connection event: open, timer expired, gone */
typedef void (*event_fn)(struct pvctx *);

/*
 * open is called once when a connection is up, before its first frame
 * (a dialled connection: ctx->dev is set, and the decoder may send the
 * first request); tick when the timer armed with pv_timer() expires;
 * gone when the connection has closed, just before its state is freed
 * (or kept for the device's next connection, after pv_hangup()).
 * Any of them may be NULL.
 */
struct proto {
	const char	*name;		/* config section, record "protocol" */
	uint16_t	 id;		/* enum pv_proto */
	uint16_t	 port;		/* standard port */
	size_t		 statesize;	/* per-connection decoder state */
	framer_fn	 frame;
	decoder_fn	 decode;
	event_fn	 open;
	event_fn	 tick;
	event_fn	 gone;
};

const struct proto	*proto_byid(unsigned int);
const struct proto	*proto_byname(const char *);

/* helpers for decoders (proto.c) */
void	 pv_reply(struct pvctx *, const uint8_t *, size_t);
void	 pv_record(struct pvctx *, struct record *);
void	 pv_dump(struct pvctx *, const uint8_t *, size_t, const char *,
	    ...) __attribute__((__format__ (printf, 4, 5)));
void	 pv_close(struct pvctx *);
void	 pv_timer(struct pvctx *, unsigned int);
const struct pv_deviceconf *pv_device(struct pvctx *, const char *);
void	 pv_claim(struct pvctx *, const char *);
int	 pv_admit(struct pvctx *, const char *);
void	 pv_hangup(struct pvctx *, unsigned int);
/* a log line for what no dump can say (no frame); the decoder hooks it */
void	 pv_log(struct pvctx *, const char *, ...)
	    __attribute__((__format__ (printf, 2, 3)));
void	 pv_log_hook(void (*)(const char *));

/* byte access, bounds checked by the caller */
uint16_t	 pv_le16(const uint8_t *);
uint32_t	 pv_le32(const uint8_t *);
uint16_t	 pv_be16(const uint8_t *);
uint32_t	 pv_be32(const uint8_t *);
void		 pv_put_le16(uint8_t *, uint16_t);
void		 pv_put_le32(uint8_t *, uint32_t);
/*
 * Not instrumented for a fuzzer's coverage (clang -fsanitize=fuzzer):
 * checksums and ciphers, whose branches say nothing of the input's
 * structure and took most of a fuzz target's time.  ASan and UBSan
 * still check them.
 */
#if defined(__clang__) && __clang_major__ >= 13
#define PV_NOCOVERAGE	__attribute__((no_sanitize("coverage")))
#else
#define PV_NOCOVERAGE
#endif

/* CRC-16/MODBUS; the byte order it goes on the wire is the protocol's */
uint16_t	 pv_crc16_modbus(const uint8_t *, size_t) PV_NOCOVERAGE;
/* a string field as record text */
void		 pv_text(char *, size_t, const uint8_t *, size_t);

/* solarman_v5.c */
int	 solarman_frame(const uint8_t *, size_t, size_t, size_t *,
	    const char **);
void	 solarman_decode(struct pvctx *, const uint8_t *, size_t);
void	 solarman_open(struct pvctx *);
void	 solarman_tick(struct pvctx *);
size_t	 solarman_statesize(void);

/* capture.c */
int	 capture_frame(const uint8_t *, size_t, size_t, size_t *,
	    const char **);
void	 capture_decode(struct pvctx *, const uint8_t *, size_t);
size_t	 capture_statesize(void);

/* alphaess.c */
int	 alphaess_frame(const uint8_t *, size_t, size_t, size_t *,
	    const char **);
void	 alphaess_decode(struct pvctx *, const uint8_t *, size_t);
size_t	 alphaess_statesize(void);

/* apsystems_ecu.c */
int	 apsystems_frame(const uint8_t *, size_t, size_t, size_t *,
	    const char **);
void	 apsystems_decode(struct pvctx *, const uint8_t *, size_t);
size_t	 apsystems_statesize(void);
/* 14 digits YYYYMMDDhhmmss, local time, as UTC; -1 if no date */
int	 apsystems_time(const uint8_t *, int64_t *);
/* the model of an ECU (0) or an inverter (1) by its id, or NULL */
const char *apsystems_model(const char *, int);
/* are these n characters digits; their value (n <= 18) */
int	 aps_digits(const uint8_t *, size_t);
int64_t	 aps_num(const uint8_t *, size_t);
/* the cloud messages' 5-character length field: 'A's, then digits */
int	 aps_length(const uint8_t *, size_t *);

/* apsystems_local.c: the ECU's local port, polled */
void	 apsystems_local_decode(struct pvctx *, const uint8_t *, size_t);
void	 apsystems_open(struct pvctx *);
void	 apsystems_tick(struct pvctx *);
void	 apsystems_gone(struct pvctx *);
size_t	 apsystems_local_statesize(void);

/* e3dc_rscp.c */
int	 e3dc_frame(const uint8_t *, size_t, size_t, size_t *,
	    const char **);
void	 e3dc_decode(struct pvctx *, const uint8_t *, size_t);
void	 e3dc_open(struct pvctx *);
void	 e3dc_tick(struct pvctx *);
void	 e3dc_gone(struct pvctx *);
size_t	 e3dc_statesize(void);

/* hoymiles.c */
int	 hoymiles_frame(const uint8_t *, size_t, size_t, size_t *,
	    const char **);
void	 hoymiles_decode(struct pvctx *, const uint8_t *, size_t);
void	 hoymiles_open(struct pvctx *);
void	 hoymiles_tick(struct pvctx *);
void	 hoymiles_gone(struct pvctx *);
size_t	 hoymiles_statesize(void);
int	 hm_varint(const uint8_t *, size_t, size_t *, uint64_t *);

/* tsun_gen3.c */
int	 gen3_frame(const uint8_t *, size_t, size_t, size_t *,
	    const char **);
void	 gen3_decode(struct pvctx *, const uint8_t *, size_t);
void	 gen3_tick(struct pvctx *);
size_t	 gen3_statesize(void);
int	 gen3_maps_sorted(void);

#endif /* PROTO_H */
