/*
 * The answers of an APsystems ECU's local port (8899), built byte by
 * byte from values by the layouts in proto/apsystems_local.c (shared
 * by the unit test and the simulated ECU, ecusim), and the queries the
 * gateway must send.
 */

#ifndef APSYSTEMS_LOCAL_GEN_H
#define APSYSTEMS_LOCAL_GEN_H

#include <stddef.h>
#include <stdint.h>

#define LGEN_MAX	10000

struct lgen_ecu {
	char		 id[13];
	int		 layout;	/* 1 (ECU-R, ECU-B) or 2 (ECU-C) */
	char		 gen[3];	/* "11" or "12" */
	uint32_t	 lifetime;	/* kWh x 10 */
	uint32_t	 power;		/* W */
	uint32_t	 today;		/* kWh x 100 */
	char		 time[15];	/* YYYYMMDDhhmmss: last data */
	int		 registered;
	int		 online;
	char		 firmware[40];
	char		 zone[40];	/* layout 1 */
};

struct lgen_inv {
	char		 uid[13];
	int		 online;	/* 0, 1 */
	char		 type[3];	/* "01" .. "05", "00": no values */
	int		 freq;		/* Hz x 10 */
	int		 temp;		/* degrees C */
	int		 power[4];	/* W */
	int		 volt[3];	/* V: phases of "02" and "05" */
	int		 strength;	/* 0 .. 255; -1: not in the answer */
};

/* an answer with its line feed into buf; its length, 0 if too long */
size_t	 lgen_info(uint8_t *, size_t, const struct lgen_ecu *);
size_t	 lgen_data(uint8_t *, size_t, const char *, const struct lgen_inv *,
	    int);
size_t	 lgen_signal(uint8_t *, size_t, const struct lgen_inv *, int);
/* the query for command "0001", "0002" or "0030" */
size_t	 lgen_query(char *, size_t, const char *, const char *);
/* the tests' ECU and its fleet: every type once, and two that are off */
#define LGEN_FLEET	7
void	 lgen_fleet(struct lgen_ecu *, struct lgen_inv *);
/* the values of an inverter type: "PVP-" and so on (see types[]) */
const char *lgen_values(const char *);

#endif /* APSYSTEMS_LOCAL_GEN_H */
