/*
 * The one vocabulary of measurements and attributes.  Every protocol
 * maps its vendor's values onto these names; a new name is added here,
 * never invented in a protocol file.
 *
 * device_class and state_class are Home Assistant's sensor classes.
 * A class is only set where Home Assistant accepts the unit: signal is
 * a percentage, and Home Assistant's signal_strength wants dB or dBm,
 * so it has none.  Energy counters are total_increasing (a daily
 * counter restarting at 0 is a new meter cycle); instantaneous values
 * are measurement; settings and codes have no state class.
 */

#include <stddef.h>

#include "record.h"

#define U_DEGC	"\302\260C"	/* degree sign (UTF-8), C */
#define U_MOHM	"M\316\251"	/* M, capital omega (UTF-8) */

#define MEAS	"measurement"
#define TOTAL	"total_increasing"

const struct metric_def metric_defs[M_MAX] = {
	[M_NONE] =		{ "none", "", NULL, NULL, 0 },
	[M_AC_POWER] =		{ "ac_power", "W", "power", MEAS, 0 },
	[M_AC_VOLTAGE] =	{ "ac_voltage", "V", "voltage", MEAS, 0 },
	[M_AC_CURRENT] =	{ "ac_current", "A", "current", MEAS, 0 },
	[M_AC_FREQUENCY] =	{ "ac_frequency", "Hz", "frequency", MEAS, 0 },
	[M_PV_VOLTAGE] =	{ "pv%u_voltage", "V", "voltage", MEAS, 1 },
	[M_PV_CURRENT] =	{ "pv%u_current", "A", "current", MEAS, 1 },
	[M_PV_POWER] =		{ "pv%u_power", "W", "power", MEAS, 1 },
	[M_PV_ENERGY_TODAY] =	{ "pv%u_energy_today", "kWh", "energy",
				    TOTAL, 1 },
	[M_PV_ENERGY_TOTAL] =	{ "pv%u_energy_total", "kWh", "energy",
				    TOTAL, 1 },
	[M_ENERGY_TODAY] =	{ "energy_today", "kWh", "energy", TOTAL, 0 },
	[M_ENERGY_TOTAL] =	{ "energy_total", "kWh", "energy", TOTAL, 0 },
	[M_TEMPERATURE] =	{ "temperature", U_DEGC, "temperature",
				    MEAS, 0 },
	[M_RATED_POWER] =	{ "rated_power", "W", "power", NULL, 0 },
	[M_MAX_POWER] =		{ "max_power", "W", "power", NULL, 0 },
	[M_STATUS] =		{ "status", "", NULL, NULL, 0 },
	[M_SIGNAL] =		{ "signal", "%", NULL, MEAS, 0 },
	[M_BATTERY_SOC] =	{ "battery_soc", "%", "battery", MEAS, 0 },
	[M_BATTERY_VOLTAGE] =	{ "battery_voltage", "V", "voltage", MEAS, 0 },
	[M_BATTERY_CURRENT] =	{ "battery_current", "A", "current", MEAS, 0 },
	[M_BATTERY_POWER] =	{ "battery_power", "W", "power", MEAS, 0 },
	[M_BATTERY_CHARGE_TOTAL] = { "battery_charge_total", "kWh", "energy",
				    TOTAL, 0 },
	[M_CELL_VOLTAGE] =	{ "cell%u_voltage", "V", "voltage", MEAS, 1 },
	[M_CELL_TEMPERATURE] =	{ "cell%u_temperature", U_DEGC, "temperature",
				    MEAS, 1 },
	[M_OUTPUT_VOLTAGE] =	{ "output_voltage", "V", "voltage", MEAS, 0 },
	[M_OUTPUT_CURRENT] =	{ "output_current", "A", "current", MEAS, 0 },
	[M_OUTPUT_POWER] =	{ "output_power", "W", "power", MEAS, 0 },
	[M_GRID_POWER] =	{ "grid_power", "W", "power", MEAS, 0 },
	[M_HOUSE_POWER] =	{ "house_power", "W", "power", MEAS, 0 },
	[M_SOLAR_POWER] =	{ "solar_power", "W", "power", MEAS, 0 },
	[M_WALLBOX_POWER] =	{ "wallbox_power", "W", "power", MEAS, 0 },
	[M_DATA_INTERVAL] =	{ "data_interval", "s", "duration", NULL, 0 },
	[M_COLLECT_INTERVAL] =	{ "collect_interval", "s", "duration",
				    NULL, 0 },
	[M_HEARTBEAT_INTERVAL] = { "heartbeat_interval", "s", "duration",
				    NULL, 0 },
	[M_ALARM] =		{ "alarm", "", NULL, NULL, 0 },
	[M_FAULT] =		{ "fault", "", NULL, NULL, 0 },
	/* alphaess */
	[M_AC_L_POWER] =	{ "ac_l%u_power", "W", "power", MEAS, 1 },
	[M_AC_L_VOLTAGE] =	{ "ac_l%u_voltage", "V", "voltage", MEAS, 1 },
	[M_GRID_L_POWER] =	{ "grid_l%u_power", "W", "power", MEAS, 1 },
	[M_PV_METER_POWER] =	{ "pv_meter_power", "W", "power", MEAS, 0 },
	[M_APPARENT_POWER] =	{ "apparent_power", "VA", "apparent_power",
				    MEAS, 0 },
	[M_REACTIVE_POWER] =	{ "reactive_power", "var", "reactive_power",
				    MEAS, 0 },
	[M_DC_REACTIVE_POWER] =	{ "dc_reactive_power", "var",
				    "reactive_power", MEAS, 0 },
	[M_BUS_VOLTAGE] =	{ "bus_voltage", "V", "voltage", MEAS, 0 },
	[M_SOLAR_ENERGY_TOTAL] = { "solar_energy_total", "kWh", "energy",
				    TOTAL, 0 },
	[M_GRID_IMPORT_TOTAL] =	{ "grid_import_total", "kWh", "energy",
				    TOTAL, 0 },
	[M_GRID_EXPORT_TOTAL] =	{ "grid_export_total", "kWh", "energy",
				    TOTAL, 0 },
	[M_BATTERY_DISCHARGE_TOTAL] = { "battery_discharge_total", "kWh",
				    "energy", TOTAL, 0 },
	[M_BATTERY_GRID_CHARGE_TOTAL] = { "battery_grid_charge_total", "kWh",
				    "energy", TOTAL, 0 },
	[M_CLOCK_OFFSET] =	{ "clock_offset", "s", "duration", NULL, 0 },
	/*
	 * apsystems-ecu.  The energy of one sampling interval is no
	 * counter, and Home Assistant's energy class wants one: no class.
	 */
	[M_ENERGY_INTERVAL] =	{ "energy_interval", "kWh", NULL, MEAS, 0 },
	[M_PV_ENERGY_INTERVAL] = { "pv%u_energy_interval", "kWh", NULL, MEAS,
				    1 },
	[M_INVERTERS] =		{ "inverters", "", NULL, MEAS, 0 },
	[M_DC_VOLTAGE] =	{ "dc_voltage", "V", "voltage", MEAS, 0 },
	/*
	 * apsystems-ecu, the local port.  inverters counts the records of
	 * a cloud upload; the ECU's own counts are these two.  online is
	 * a state (1 or 0), no measurement.
	 */
	[M_ONLINE] =		{ "online", "", NULL, NULL, 0 },
	[M_INVERTERS_ONLINE] =	{ "inverters_online", "", NULL, MEAS, 0 },
	[M_INVERTERS_REGISTERED] = { "inverters_registered", "", NULL, MEAS,
				    0 },
	/* e3dc-rscp */
	[M_ADDITIONAL_POWER] =	{ "additional_power", "W", "power", MEAS, 0 },
	[M_SELF_CONSUMPTION] =	{ "self_consumption", "%", NULL, MEAS, 0 },
	[M_AUTARKY] =		{ "autarky", "%", NULL, MEAS, 0 },
	[M_GRID_L_VOLTAGE] =	{ "grid_l%u_voltage", "V", "voltage", MEAS, 1 },
	[M_BATTERY_SOH] =	{ "battery_soh", "%", NULL, MEAS, 0 },
	[M_BATTERY_CYCLES] =	{ "battery_cycles", "", NULL, TOTAL, 0 },
	[M_BATTERY_MODULE_TEMPERATURE] = { "battery_module%u_temperature",
				    U_DEGC, "temperature", MEAS, 1 },
	[M_BATTERY_MODULE_SOH] = { "battery_module%u_soh", "%", NULL, MEAS,
				    1 },
	[M_BATTERY_CHARGE_LOCKED] = { "battery_charge_locked", "", NULL, NULL,
				    0 },
	[M_BATTERY_DISCHARGE_LOCKED] = { "battery_discharge_locked", "", NULL,
				    NULL, 0 },
	[M_EMERGENCY_POWER] =	{ "emergency_power_state", "", NULL, NULL, 0 },
	[M_PV_PEAK_POWER] =	{ "pv_peak_power", "W", "power", NULL, 0 },
	[M_BATTERY_CAPACITY] =	{ "battery_capacity", "kWh", "energy_storage",
				    NULL, 0 },
	/* the E3/DC's power settings (EMS_GET_POWER_SETTINGS) */
	[M_POWER_LIMITS_USED] =	{ "power_limits_used", "", NULL, NULL, 0 },
	[M_MAX_CHARGE_POWER] =	{ "max_charge_power", "W", "power", NULL, 0 },
	[M_MAX_DISCHARGE_POWER] = { "max_discharge_power", "W", "power", NULL,
				    0 },
	[M_DISCHARGE_START_POWER] = { "discharge_start_power", "W", "power",
				    NULL, 0 },
	[M_WEATHER_CHARGE] =	{ "weather_regulated_charge", "", NULL, NULL,
				    0 },
	/* hoymiles.c */
	[M_POWER_FACTOR] =	{ "power_factor", "%", "power_factor", MEAS, 0 },
	[M_LINK_STATUS] =	{ "link_status", "", NULL, NULL, 0 },
	[M_AC_L_CURRENT] =	{ "ac_l%u_current", "A", "current", MEAS, 1 },
	[M_AC_L_POWER_FACTOR] =	{ "ac_l%u_power_factor", "%", "power_factor",
				    MEAS, 1 },
	[M_AC_LINE_VOLTAGE] =	{ "ac_line%u_voltage", "V", "voltage", MEAS, 1 },
	[M_GRID_L_IMPORT_TOTAL] = { "grid_l%u_import_total", "kWh", "energy",
				    TOTAL, 1 },
	[M_GRID_L_EXPORT_TOTAL] = { "grid_l%u_export_total", "kWh", "energy",
				    TOTAL, 1 },
	/* tsun-gen3 */
	[M_POWER_LIMIT] =	{ "power_limit", "%", NULL, NULL, 0 },
	/*
	 * The TSUN Titan's insulation resistances.  Home Assistant has
	 * no device class for a resistance: none.
	 */
	[M_INSULATION_RX] =	{ "insulation_resistance_rx", U_MOHM, NULL,
				    MEAS, 0 },
	[M_INSULATION_RY] =	{ "insulation_resistance_ry", U_MOHM, NULL,
				    MEAS, 0 },
	/* events: no measurement, no sensor */
	[M_COUNT] =		{ "count", "", NULL, NULL, 0 },
	[M_LATENCY] =		{ "latency", "ms", "duration", NULL, 0 }
};

const char *attr_names[A_MAX] = {
	[A_NONE] =		"none",
	[A_MODEL] =		"model",
	[A_FIRMWARE] =		"firmware",
	[A_MAC] =		"mac",
	[A_IP] =		"ip",
	[A_SSID] =		"ssid",
	[A_SENSOR_LIST] =	"sensor_list",
	[A_SERIAL] =		"serial",
	[A_HARDWARE] =		"hardware",
	[A_EVENT] =		"event",
	[A_COMMAND] =		"command",
	[A_REASON] =		"reason",
	[A_SOURCE] =		"source",
	[A_ARGUMENT] =		"argument",
	[A_RESULT] =		"result"
};
