/*
 * What tells the simulated vendor cloud's answers (cloudsim) from the
 * gateway's own, as the simulated device (devsim) sees them.  Each is
 * a value the protocol leaves free: a heartbeat interval, a clock, a
 * blank in JSON, a timestamp.
 */

#ifndef CLOUDMARK_H
#define CLOUDMARK_H

#define MARK_HEARTBEAT	120			/* solarman-v5 (ours: 60) */
#define MARK_MS		1700000000000LL		/* tsun-gen3: the time */
#define MARK_SEC	1700000000		/* hoymiles: the time */
#define MARK_JSON	"{\"Status\": \"Success\"}"	/* alphaess */
#define MARK_TS		"20231114221320"	/* apsystems-ecu */

#endif /* CLOUDMARK_H */
