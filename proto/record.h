/*
 * Records: what a decoder extracts from a frame, in the project's one
 * vocabulary of measurements (metrics.c).
 */

#ifndef RECORD_H
#define RECORD_H

#include <stddef.h>
#include <stdint.h>

enum metric_id {
	M_NONE,
	M_AC_POWER,
	M_AC_VOLTAGE,
	M_AC_CURRENT,
	M_AC_FREQUENCY,
	M_PV_VOLTAGE,		/* indexed: pv<N>_voltage */
	M_PV_CURRENT,
	M_PV_POWER,
	M_PV_ENERGY_TODAY,
	M_PV_ENERGY_TOTAL,
	M_ENERGY_TODAY,
	M_ENERGY_TOTAL,
	M_TEMPERATURE,
	M_RATED_POWER,
	M_MAX_POWER,
	M_STATUS,
	M_SIGNAL,
	M_BATTERY_SOC,
	M_BATTERY_VOLTAGE,
	M_BATTERY_CURRENT,
	M_BATTERY_POWER,
	M_BATTERY_CHARGE_TOTAL,
	M_CELL_VOLTAGE,		/* indexed: cell<N>_voltage */
	M_CELL_TEMPERATURE,	/* indexed: cell<N>_temperature */
	M_OUTPUT_VOLTAGE,
	M_OUTPUT_CURRENT,
	M_OUTPUT_POWER,
	M_GRID_POWER,
	M_HOUSE_POWER,
	M_SOLAR_POWER,
	M_WALLBOX_POWER,
	M_DATA_INTERVAL,
	M_COLLECT_INTERVAL,
	M_HEARTBEAT_INTERVAL,
	M_ALARM,
	M_FAULT,
	/* alphaess */
	M_AC_L_POWER,		/* indexed: ac_l<N>_power, phase N */
	M_AC_L_VOLTAGE,		/* indexed: ac_l<N>_voltage */
	M_GRID_L_POWER,		/* indexed: grid_l<N>_power */
	M_PV_METER_POWER,
	M_APPARENT_POWER,
	M_REACTIVE_POWER,
	M_DC_REACTIVE_POWER,
	M_BUS_VOLTAGE,
	M_SOLAR_ENERGY_TOTAL,
	M_GRID_IMPORT_TOTAL,
	M_GRID_EXPORT_TOTAL,
	M_BATTERY_DISCHARGE_TOTAL,
	M_BATTERY_GRID_CHARGE_TOTAL,
	M_CLOCK_OFFSET,
	/* apsystems-ecu */
	M_ENERGY_INTERVAL,	/* energy of the last sampling interval */
	M_PV_ENERGY_INTERVAL,	/* indexed: pv<N>_energy_interval */
	M_INVERTERS,		/* inverters reporting */
	M_DC_VOLTAGE,		/* one DC voltage for every input */
	M_ONLINE,		/* 1: the inverter reports, 0: it does not */
	M_INVERTERS_ONLINE,	/* the ECU's count of inverters online */
	M_INVERTERS_REGISTERED,	/* the inverters the ECU knows */
	/* e3dc-rscp */
	M_ADDITIONAL_POWER,	/* external source, positive = producing */
	M_SELF_CONSUMPTION,
	M_AUTARKY,
	M_GRID_L_VOLTAGE,	/* indexed: grid_l<N>_voltage */
	M_BATTERY_SOH,		/* full charge capacity, % of design */
	M_BATTERY_CYCLES,
	M_BATTERY_MODULE_TEMPERATURE, /* indexed: the module's hottest */
	M_BATTERY_MODULE_SOH,	/* indexed: battery_module<N>_soh */
	M_BATTERY_CHARGE_LOCKED,	/* 1: the EMS lets no charge in */
	M_BATTERY_DISCHARGE_LOCKED,
	M_EMERGENCY_POWER,	/* emergency power state, a code */
	M_PV_PEAK_POWER,	/* installed PV peak power */
	M_BATTERY_CAPACITY,	/* installed battery capacity */
	M_POWER_LIMITS_USED,	/* 1: the owner's charge limits apply */
	M_MAX_CHARGE_POWER,	/* the battery's charge limit */
	M_MAX_DISCHARGE_POWER,
	M_DISCHARGE_START_POWER,
	M_WEATHER_CHARGE,	/* 1: weather regulated charge is on */
	/* hoymiles.c */
	M_POWER_FACTOR,
	M_LINK_STATUS,
	M_AC_L_CURRENT,		/* indexed: ac_l<N>_current */
	M_AC_L_POWER_FACTOR,	/* indexed: ac_l<N>_power_factor */
	M_AC_LINE_VOLTAGE,	/* indexed: ac_line<N>_voltage, 1 = L1-L2 */
	M_GRID_L_IMPORT_TOTAL,	/* indexed: grid_l<N>_import_total */
	M_GRID_L_EXPORT_TOTAL,	/* indexed: grid_l<N>_export_total */
	/* tsun-gen3 */
	M_POWER_LIMIT,		/* output limit, % of rated power */
	/* TSUN Titan (sensor list 0x1097), polled */
	M_INSULATION_RX,	/* insulation resistance, MOhm */
	M_INSULATION_RY,
	/* events */
	M_COUNT,		/* how many of this event so far */
	M_LATENCY,		/* a command's, from its coming to its end, ms */
	M_MAX
};

enum attr_id {
	A_NONE,
	A_MODEL,
	A_FIRMWARE,
	A_MAC,
	A_IP,
	A_SSID,
	A_SENSOR_LIST,
	A_SERIAL,
	A_HARDWARE,
	/* events */
	A_EVENT,		/* what happened: cloud_blocked, ... */
	A_COMMAND,		/* the command, or the kind of cloud frame */
	A_REASON,		/* why, or what it was */
	A_SOURCE,		/* a command's: mqtt, ctl */
	A_ARGUMENT,		/* a command's argument */
	A_RESULT,		/* ok, refused, device error, timeout */
	A_MAX
};

struct metric_def {
	const char	*name;		/* printf format when indexed */
	const char	*unit;		/* "" when none */
	const char	*device_class;	/* Home Assistant, NULL when none */
	const char	*state_class;	/* Home Assistant, NULL when none */
	int		 indexed;
};

extern const struct metric_def	metric_defs[M_MAX];
extern const char		*attr_names[A_MAX];

/* value = raw / 10^decimals, exact */
struct metric {
	uint16_t	id;		/* enum metric_id */
	uint8_t		index;		/* pv<index>_..., 0 when not indexed */
	uint8_t		decimals;
	int64_t		raw;
};

#define RECORD_MAX_METRICS	96
#define RECORD_MAX_ATTRS	16
#define RECORD_ATTRLEN		64	/* a short text, as protocols build */
#define RECORD_VALUELEN		255	/* an attribute value, NUL included */
#define RECORD_TEXTLEN		1024	/* all of a record's values */
#define RECORD_IDLEN		64

enum record_kind {
	REC_MEASUREMENT,
	REC_DEVICE,
	REC_EVENT		/* a command, its answer, a blocked frame */
};

/* its value: the NUL-terminated string at text + off of its record */
struct record_attr {
	uint16_t	id;		/* enum attr_id */
	uint16_t	off;
};

struct record {
	int64_t			time;	/* sample time, UTC seconds */
	uint8_t			kind;	/* enum record_kind */
	uint16_t		proto;	/* enum pv_proto */
	char			device[RECORD_IDLEN];
	char			via[RECORD_IDLEN];
	char			peer[64];	/* filled in by the decoder */
	uint16_t		nmetrics;
	uint16_t		nattrs;
	uint16_t		textlen;	/* bytes of text in use */
	/* per id, 1 + the highest index it may have in metrics[], 0:
	 * none; record_metric() looks for a duplicate only below it
	 * (not on the wire) */
	uint16_t		mtop[M_MAX];
	struct metric		metrics[RECORD_MAX_METRICS];
	struct record_attr	attrs[RECORD_MAX_ATTRS];
	/* the attributes' values, one after the other: one long value
	 * (up to RECORD_VALUELEN - 1 characters) needs no room in
	 * every attribute */
	char			text[RECORD_TEXTLEN];
};

/* building (record.c); adding beyond the limits is silently capped
 * and counted in the return value (-1): a value longer than
 * RECORD_VALUELEN - 1, or than the room left in the record's text, is
 * cut to fit */
void	 record_init(struct record *, int, uint16_t, int64_t);
int	 record_metric(struct record *, int, int, int64_t, int);
int	 record_attr(struct record *, int, const char *);
const struct metric	*record_find(const struct record *, int, int);
const char		*record_findattr(const struct record *, int);
const char		*record_attrvalue(const struct record *, size_t);

/* "measurement", "device", "event" */
const char	*record_kind_name(int);

/* metric name with its index, e.g. "pv2_voltage" */
int	 metric_name(const struct metric *, char *, size_t);
/* exact decimal text of a value, e.g. "224.8" */
int	 metric_value(const struct metric *, char *, size_t);

/* wire form between decoder and exporter (record.c) */
size_t	 record_pack(const struct record *, uint8_t *, size_t);
int	 record_unpack(struct record *, const uint8_t *, size_t);
/*
 * A batch (IMSG_RECORD): packed records, each after its length as a
 * big-endian u16, at most RECORD_BATCH_MAX bytes in all.
 */
#define RECORD_BATCH_MAX	4096
size_t	 record_batch_add(const struct record *, uint8_t *, size_t, size_t);
int	 record_batch_next(struct record *, const uint8_t *, size_t, size_t *,
	    const uint8_t **, size_t *);

#endif /* RECORD_H */
