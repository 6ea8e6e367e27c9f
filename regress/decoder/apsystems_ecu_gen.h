/*
 * APsystems ECU data records built from values, by the layouts of the
 * spec (shared by the unit test and the simulated ECU, apssim).
 */

#ifndef APSYSTEMS_ECU_GEN_H
#define APSYSTEMS_ECU_GEN_H

#include <stddef.h>

#define GEN_MAXCH	4

/* one DC input; the phase fields are a YC1000's, for inputs 1 to 3 */
struct gen_ch {
	long	 dcv;		/* V x 10 */
	long	 dca;		/* A x 10 */
	long	 energy;	/* kWh x 10^6, this interval */
	long	 power;		/* W x 100 */
	long	 status;	/* YC250/YC500: 11 bits */
	long	 gridv;		/* YC1000: V of phase n */
	long	 reactive;	/* YC1000: var x 100 of phase n */
	long	 active;	/* YC1000: W x 100 of phase n */
	long	 phase_energy;	/* YC1000: kWh x 10^6 of phase n */
};

struct gen_inv {
	char		 uid[13];
	char		 type[3];	/* "07", "08", "03", "05", "04" */
	long		 gridv;		/* V */
	long		 freq;		/* Hz x 10 */
	long		 temp;		/* degrees C */
	long		 reactive;	/* var x 100 */
	long		 active;	/* W x 100 (QS1: W x 10) */
	long		 energy;	/* kWh x 10^6 */
	long		 dcv;		/* YC1000: V x 10, all inputs */
	int		 nch;
	struct gen_ch	 ch[GEN_MAXCH];
};

struct gen_ecu {
	char		 id[13];
	long		 power;		/* as sent: W */
	long		 energy;	/* kWh x 10^6 */
	long		 lifetime;	/* kWh x 10 */
	char		 time[15];	/* YYYYMMDDhhmmss */
	char		 flags[7];	/* zone flag and backlog flags */
};

/*
 * The record with its line feed into buf; returns its length, 0 if it
 * does not fit.  tail (may be NULL) goes after the last inverter.
 */
size_t	 gen_record(char *, size_t, const struct gen_ecu *,
	    const struct gen_inv *, int, const char *);
/* the tests' fleet: n inverters of every type in turn */
void	 gen_fleet(struct gen_inv *, int);
/* the fleet's ECU head: power is the sum of the channels */
void	 gen_fleet_ecu(struct gen_ecu *, const struct gen_inv *, int,
	    const char *);
/* model of a fleet inverter, or NULL */
const char *gen_model(const struct gen_inv *);

#endif /* APSYSTEMS_ECU_GEN_H */
