/*
 * Modbus RTU as TSUN inverters speak it inside their cloud protocols
 * (GEN3 0x70/0x77 and 0x87, Solarman V5 0x4510/0x1510): CRC, read
 * requests, response checks, the register map, and the polling
 * schedule the decoder runs on a connection's one timer.
 */

#ifndef MODBUS_H
#define MODBUS_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "record.h"

#define MB_ADDR		1	/* the inverter's server address */
#define MB_READ		0x03	/* read holding registers */
#define MB_REQLEN	8	/* addr, fc, reg, count, crc */
#define MB_MAXREGS	125

/* register sets, named by the Solarman sensor list that has them */
#define MB_SET_MS	0x02b0	/* TSOL-MS300 .. MS2000, and GEN3 */
#define MB_SET_TITAN	0x1097	/* TSOL-MX ("Y00") */
#define MB_SET_DCU	0x3026	/* DCU1000 battery */

#define MB_PACE_MS	1000	/* quiet time after a response */
#define MB_FIRST_MS	40000	/* first poll after the link is up */
#define MB_SLOW_EVERY	30	/* slow blocks every 30th round */

struct mb_block {
	uint16_t	reg;
	uint16_t	n;
};

/*
 * One connection's polling.  The protocol turns it on (interval), says
 * when its link is up or busy, passes every response on, and calls
 * modbus_tick() when the timer expires; the schedule arms the timer
 * and asks the protocol to send requests through a callback that
 * wraps the RTU frame into the protocol's own.
 */
struct mb_poll {
	uint32_t	interval;	/* ms between rounds; 0: off */
	uint32_t	timeout;	/* response timeout, ms */
	int64_t		started;	/* when this round began */
	uint32_t	round;		/* rounds completed */
	uint16_t	set;		/* register set; 0: detect */
	uint8_t		phase;
	uint8_t		up;		/* requests may go out */
	uint8_t		client;		/* dialled */
	uint8_t		detect;		/* detecting the set */
	uint8_t		step;		/* block of the round */
	uint8_t		sent;		/* times it went out */
	uint8_t		retry;		/* retransmit due */
	uint8_t		answered;	/* a response this round */
	uint8_t		failed;		/* silent rounds */
	struct mb_block	req;		/* in flight */
	uint16_t	reqset;		/* the set it was sent for */
};

/* wrap an RTU request (MB_REQLEN bytes) for the set, send it */
typedef void	(*mb_send_fn)(struct pvctx *, const uint8_t *, size_t,
		    uint16_t);

enum mb_answer {
	MB_ANSWER_OK,		/* decoded into the record */
	MB_ANSWER_BAD,		/* a response, but not a good one: why */
	MB_ANSWER_UNEXPECTED	/* nothing was asked */
};

void	 modbus_request(uint8_t *, uint8_t, uint16_t, uint16_t);
void	 modbus_rtu(uint8_t *, uint8_t, uint8_t, uint16_t, uint16_t);
int	 modbus_check(const uint8_t *, size_t, uint8_t, uint16_t,
	    const uint8_t **, char *, size_t);
int	 modbus_decode(struct record *, uint16_t, const uint8_t *, uint16_t,
	    int);

void	 modbus_poll_init(struct mb_poll *, uint32_t, uint32_t, uint16_t,
	    int);
void	 modbus_link(struct pvctx *, struct mb_poll *, int, mb_send_fn);
void	 modbus_tick(struct pvctx *, struct mb_poll *, mb_send_fn);
int	 modbus_answer(struct pvctx *, struct mb_poll *, const uint8_t *,
	    size_t, struct record *, int, char *, size_t);
void	 modbus_reject(struct pvctx *, struct mb_poll *);
int	 modbus_waiting(const struct mb_poll *);

#endif /* MODBUS_H */
