#!/bin/sh
#
# The APsystems ECU's local port end to end: a simulated ECU local
# server (ecusim) listens on loopback; pvgated's connector dials it for
# [device 216000123400] and the decoder polls it, one query per
# connection: system information, real-time data, signal strength,
# each connection closed by the gateway once its answer came, the next
# dialled a second later; the next cycle after the interval (60 s, the
# shortest allowed: this test takes a little over a minute).
#
# Cycle 1: the ECU closes the first connection itself right after its
# answer; the cycle goes on.  Cycle 2: the ECU drops the connection of
# the signal query unanswered; the records go out without signals, and
# the next dial waits for the interval (no backoff redial within 5 s).

. "$(dirname "$0")/lib.sh"
setup_system
ECUSIM=$TOP/regress/integration/ecusim
ECU=216000123400

SP=$(free_port)
DP=$((SP + 2))
write_conf "$T/pvgated.conf" "$SP" $((SP + 1)) "timezone = Europe/Berlin"
cat >> "$T/pvgated.conf" <<EOC

[apsystems-ecu]

[device $ECU]
protocol = apsystems-ecu
client = 127.0.0.1:$DP
interval = 60
timeout = 3000
EOC

check "pvgated -n: the dialled ECU, its interval" sh -c \
    "'$PVGATED' -n -f '$T/pvgated.conf' 2>/dev/null |
    grep -A3 '^\[device $ECU\]' | grep -q '^interval = 60'"

$ECUSIM -l ecu -p "$DP" -n 2 -i 60 -c 1:1 -x 2:3 -q 5 > "$T/sim" 2>&1 &
SIM=$!
i=0
while [ $i -lt 50 ] && ! grep -q listening "$T/sim"; do
	sleep 0.1
	i=$((i + 1))
done
gw_start "$T/pvgated.conf" -v || { kill "$SIM"; exit 1; }
wait "$SIM"
cat "$T/sim"

check "connector: connected" \
    grep -q "apsystems-ecu $ECU: connected to 127.0.0.1:$DP" "$T/stderr"
check "connector: planned redials, a second after each hangup" \
    grep -q "apsystems-ecu $ECU: hung up; again in 1000 ms" "$T/stderr"
check "connector: the dropped connection's next dial at the interval" \
    grep -Eq "apsystems-ecu $ECU: hung up after it closed; again in [1-6][0-9]{4} ms" \
    "$T/stderr"
check "log: the connection closed before the signals" \
    grep -q "decoder: apsystems-ecu 127.0.0.1:$DP: $ECU: connection closed before the answer to the signal strength query" \
    "$T/stderr"

S=$T/stdout
P="\"peer\":\"127.0.0.1:$DP\""
H='{"time":"2024-04-11T18:45:00Z","kind":"measurement","protocol":"apsystems-ecu"'
V="\"via\":\"$ECU\",$P"

# want N LINE: LINE is on stdout N times
want()
{
	n=$(grep -Fxc -- "$2" "$S")
	if [ "$n" -eq "$1" ]; then
		ok "stdout ($1 times): $3"
	else
		nok "stdout ($1 times, got $n): $3"
		echo "    want: $2"
	fi
}

want 2 "$H,\"device\":\"$ECU\",$P,\"metrics\":{\"ac_power\":2434,\"energy_today\":12.34,\"energy_total\":21279,\"inverters_registered\":7,\"inverters_online\":5},\"attributes\":{\"model\":\"ECU-R\",\"firmware\":\"ECU_R_1.3.2\"}}" \
    "ECU: 2434 W, 12.34 kWh today, 21279 kWh, 5 of 7 online, firmware"

# cycle 1 with signals, cycle 2 without
want 1 "$H,\"device\":\"408000123401\",$V,\"metrics\":{\"online\":1,\"ac_frequency\":50,\"temperature\":38,\"pv1_power\":180,\"ac_voltage\":231,\"pv2_power\":175,\"signal\":78},\"attributes\":{\"model\":\"YC600/DS3\"}}" \
    "YC600 with signal 78 %"
want 1 "$H,\"device\":\"408000123401\",$V,\"metrics\":{\"online\":1,\"ac_frequency\":50,\"temperature\":38,\"pv1_power\":180,\"ac_voltage\":231,\"pv2_power\":175},\"attributes\":{\"model\":\"YC600/DS3\"}}" \
    "YC600 without signal (cycle 2)"
want 1 "$H,\"device\":\"704000123402\",$V,\"metrics\":{\"online\":1,\"ac_frequency\":49.9,\"temperature\":41,\"pv1_power\":310,\"ac_voltage\":232,\"pv2_power\":305,\"signal\":100},\"attributes\":{\"model\":\"YC600/DS3\"}}" \
    "DS3-L (type 04) with signal 100 %"
want 1 "$H,\"device\":\"501000123403\",$V,\"metrics\":{\"online\":1,\"ac_frequency\":50.1,\"temperature\":45,\"pv1_power\":210,\"ac_l1_voltage\":236,\"pv2_power\":205,\"ac_l2_voltage\":238,\"pv3_power\":198,\"ac_l3_voltage\":234,\"pv4_power\":201,\"signal\":58},\"attributes\":{\"model\":\"YC1000/QT2\"}}" \
    "YC1000: four inputs, three phases, signal 58 %"
want 1 "$H,\"device\":\"502000123404\",$V,\"metrics\":{\"online\":1,\"ac_frequency\":50,\"temperature\":44,\"pv1_power\":220,\"ac_l1_voltage\":235,\"pv2_power\":215,\"ac_l2_voltage\":237,\"pv3_power\":208,\"ac_l3_voltage\":233,\"pv4_power\":211,\"signal\":0},\"attributes\":{\"model\":\"YC1000/QT2\"}}" \
    "QT2 (type 05), signal 0 %"
want 1 "$H,\"device\":\"801000123405\",$V,\"metrics\":{\"online\":1,\"ac_frequency\":50,\"temperature\":36,\"pv1_power\":120,\"ac_voltage\":229,\"pv2_power\":118,\"pv3_power\":122,\"pv4_power\":119,\"signal\":38},\"attributes\":{\"model\":\"QS1\"}}" \
    "QS1: four channels, one grid voltage, signal 38 %"
want 1 "$H,\"device\":\"801000123405\",$V,\"metrics\":{\"online\":1,\"ac_frequency\":50,\"temperature\":36,\"pv1_power\":120,\"ac_voltage\":229,\"pv2_power\":118,\"pv3_power\":122,\"pv4_power\":119},\"attributes\":{\"model\":\"QS1\"}}" \
    "QS1 without signal (cycle 2)"
want 2 "$H,\"device\":\"806000123406\",$V,\"metrics\":{\"online\":0},\"attributes\":{\"model\":\"QS1\"}}" \
    "QS1 without values (type 00): online 0"
want 2 "$H,\"device\":\"409000123407\",$V,\"metrics\":{\"online\":0},\"attributes\":{\"model\":\"YC600/DS3\"}}" \
    "YC600 offline: online 0"
check "stdout: 16 records of the ECU's local port, no other" test \
    "$(grep -c '"protocol":"apsystems-ecu"' "$S")" -eq 16
check "nothing dumped" sh -c "! dumps | grep -q apsystems-ecu"

gw_stop
check "no child died" sh -c "! grep -q 'lost child' '$T/stderr'"
exit 0
