#!/bin/sh
#
# End to end, through the real processes over loopback: a simulated
# Solarman V5 logger talks to a pvgated started here.

. "$(dirname "$0")/lib.sh"
setup_system

SP=$(free_port)
CP=$((SP + 1))
write_conf "$T/pvgated.conf" "$SP" "$CP"
gw_start "$T/pvgated.conf" || exit 1

# 1. the logger's day: device info, heartbeat, data; byte-exact replies
$PVSIM -l logger -p "$SP" \
    send:$VEC/01-device-ind-4110.hex expect:$VEC/02-device-rsp-1110.hex \
    send:$VEC/24-heartbeat-ind-4710.hex \
    expect:$VEC/25-heartbeat-rsp-1710.hex \
    send:$VEC/08-data-ind-4210-02b0.hex expect:$VEC/09-data-rsp-1210.hex \
    send:$VEC/10-data-ind-4210-ftype81.hex \
    expect:$VEC/11-data-rsp-1210-ftype81.hex

S=$T/stdout
wait_for "$S" '"kind":"measurement"'
check "stdout: device record of logger 2070233889" \
    grep -q '"kind":"device","protocol":"solarman-v5","device":"2070233889"' "$S"
check "stdout: logger model and SSID" \
    grep -q '"model":"LSW5BLE_17_02B0_1.05".*"ssid":"Allius-Home"' "$S"
check "stdout: measurement of inverter Y17E7A0F010B013E via the logger" \
    grep -q '"device":"Y17E7A0F010B013E","via":"2070233889","peer":"127.0.0.1:' "$S"
check "stdout: grid values 224.8 V 0.73 A 50.05 Hz 165.8 W" \
    grep -q '"ac_voltage":224.8,"ac_current":0.73,"ac_frequency":50.05.*"ac_power":165.8' "$S"
check "stdout: pv1 35.3 V 1.68 A 59.6 W" \
    grep -q '"pv1_voltage":35.3,"pv1_current":1.68,"pv1_power":59.6' "$S"
check "stdout: energy 0.11 kWh today, 101.36 kWh total" \
    grep -q '"energy_today":0.11,"energy_total":101.36' "$S"
check "stdout: model TSOL-MS2000(600), firmware V4.0.10" \
    grep -q '"model":"TSOL-MS2000(600)","firmware":"V4.0.10"' "$S"
check "stdout: sample time from the frame (2024-03-31T07:27:24Z)" \
    grep -q '"time":"2024-03-31T07:27:24Z","kind":"measurement"' "$S"
check "stdout: historic frame exported with its own time" \
    test "$(grep -c '"time":"2024-03-31T07:27:24Z","kind":"measurement"' "$S")" -eq 2
check "stdout: every line is one JSON object" \
    sh -c "! grep -v '^{.*}\$' '$S'"

# 1b. a DCU1000 battery's logger: the battery current's sign is ours
# (positive while discharging), as the battery power's
$PVSIM -l "DCU logger" -p "$SP" \
    send:$VEC/45-dcu-device-ind-4110.hex \
    expect:$VEC/46-dcu-device-rsp-1110.hex \
    send:$VEC/47-dcu-data-ind-4210-3026.hex \
    expect:$VEC/48-dcu-data-rsp-1210.hex
wait_for "$S" '"device":"4101240701490314"' || nok "stdout: DCU record"
DCU=$(grep '"kind":"measurement","protocol":"solarman-v5","device":"4101240701490314"' "$S")
check "stdout: DCU discharging (vector 47): 51.34 V, +0.02 A, +1.0268 W" \
    sh -c "echo '$DCU' | grep -q '\"battery_voltage\":51.34,\"battery_current\":0.02,.*\"battery_power\":1.0268'"

# 1c. a TSUN Titan's logger (sensor list 0x1097): acked; its data frame
# has no public layout, so it is dumped naming the list
$PVSIM -l "Titan logger" -p "$SP" \
    send:$VEC/84-titan-device-ind-4110.hex \
    expect:$VEC/86-titan-cloud-rsp-1110-captured.hex \
    send:$VEC/85-titan-data-ind-4210-1097.hex replies:1
TD=$T/state/dump/$(date -u +%F).jsonl
wait_for "$TD" 'sensor list 0x1097' || nok "dump: the Titan's data frame"
check "dump: the Titan's 0x4210, naming its sensor list and the way out" \
    grep -q '"protocol":"solarman-v5".*"reason":"sensor list 0x1097 (TSUN Titan, TSOL-MX): no public 0x4210 layout; poll it over Modbus","bytes":"a5c9011042' "$TD"
check "stdout: the Titan's logger says sensor list 1097" \
    grep -q '"kind":"device","protocol":"solarman-v5",.*"sensor_list":"1097"' "$S"
check "stdout: no measurement made up for the Titan" \
    sh -c "! grep -q '\"device\":\"Y0019348081B0023\"' '$S'"

# 2. bad input: dumped, B.1 behaviour, the gateway keeps answering
$PVSIM -l "bad start byte" -p "$SP" \
    send:$VEC/05-device-ind-invalid-start-byte.hex silence:300 \
    send:$VEC/24-heartbeat-ind-4710.hex \
    expect:$VEC/25-heartbeat-rsp-1710.hex
$PVSIM -l "bad checksum" -p "$SP" \
    send:$VEC/07-device-ind-invalid-checksum.hex silence:300 \
    send:$VEC/03-device-ind-4110-seq0203.hex \
    expect:$VEC/04-device-rsp-1110-seq0303.hex
$PVSIM -l "bad end byte" -p "$SP" \
    send:$VEC/06-device-ind-invalid-stop-byte.hex silence:300 \
    send:$VEC/24-heartbeat-ind-4710.hex \
    expect:$VEC/25-heartbeat-rsp-1710.hex
$PVSIM -l "oversize length" -p "$SP" \
    send:$TOP/regress/integration/oversize.hex closed:2000
$PVSIM -l "garbage" -p "$SP" garbage:100 silence:300
$PVSIM -l "unknown control code" -p "$SP" \
    send:$VEC/18-unknown-5110.hex silence:300
$PVSIM -l "still answering" -p "$SP" \
    send:$VEC/24-heartbeat-ind-4710.hex \
    expect:$VEC/25-heartbeat-rsp-1710.hex
wait_for "$T/state/dump/$(date -u +%F).jsonl" 'unknown control'
D=$T/state/dump/$(date -u +%F).jsonl
check "dump: bad start byte" grep -q '"reason":"bad start byte"' "$D"
check "dump: bad checksum with the frame's bytes" \
    grep -q '"reason":"bad checksum","bytes":"a5d400104100012143657b02' "$D"
check "dump: bad end byte" grep -q '"reason":"bad end byte"' "$D"
check "dump: oversize length" grep -q 'exceeds maximum' "$D"
check "dump: unknown control code" grep -q 'unknown control code 0x5110' "$D"
check "log: a line for the bad frame, naming peer and reason" \
    grep -q "decoder: solarman-v5 frame of 225 bytes from 127.0.0.1:[0-9]* dumped: bad checksum" "$T/stderr"
check "dump: peer, port and destination recorded" \
    grep -q "\"protocol\":\"solarman-v5\",\"port\":$SP,\"peer\":\"127.0.0.1:[0-9]*\",\"dst\":\"127.0.0.1:$SP\"" "$D"

# capture: dumped, never answered, bounded per connection
$PVSIM -l "capture" -p "$CP" garbage:10 silence:300
$PVSIM -l "capture limit" -p "$CP" garbage:100 closed:2000
wait_for "$D" '"protocol":"capture"'
check "dump: capture chunk" \
    grep -q '"protocol":"capture".*"reason":"capture","bytes":"78787878787878787878"' "$D"
check "dump: capture stops at its limit, exactly 64 bytes kept" \
    grep -Eq '"reason":"capture limit of 64 bytes reached, closing","bytes":"(78){64}"' "$D"

# SIGHUP: a broken file is refused and the old configuration kept; a
# good one takes effect (the heartbeat interval in the replies)
cp "$T/pvgated.conf" "$T/good.conf"
echo "colour = blue" >> "$T/pvgated.conf"
kill -HUP "$GWPID"
wait_for "$T/stderr" "reload failed"
check "SIGHUP: a broken file is refused, naming the line" \
    grep -q "configuration reload failed, keeping the old one: .*pvgated.conf:[0-9]*: unknown key colour" "$T/stderr"
$PVSIM -l "after a failed reload" -p "$SP" \
    send:$VEC/24-heartbeat-ind-4710.hex \
    expect:$VEC/25-heartbeat-rsp-1710.hex
sed 's/^heartbeat_interval = 60/heartbeat_interval = 120/
    s/^max_frame = 4096/max_frame = 100/' "$T/good.conf" > "$T/pvgated.conf"
kill -HUP "$GWPID"
wait_for "$T/stderr" "configuration reloaded"
sleep 0.2
$PVSIM -l "after a reload to 120 s" -p "$SP" \
    send:$VEC/24-heartbeat-ind-4710.hex \
    expect:$TOP/regress/integration/25-heartbeat-rsp-1710-hb120.hex \
    send:$VEC/01-device-ind-4110.hex \
    expect:$TOP/regress/integration/02-device-rsp-1110-hb120.hex
check "SIGHUP: max_frame waits for a restart, and says so" \
    grep -q "max_frame take effect only when pvgated is restarted" "$T/stderr"
cp "$T/good.conf" "$T/pvgated.conf"
kill -HUP "$GWPID"
i=0
while [ "$(grep -c 'configuration reloaded' "$T/stderr")" -lt 2 ] &&
    [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 0.2

# 5. SIGTERM: every acknowledged frame is on stdout, all exit 0
before=$(grep -c '"kind":"measurement"' "$S")
args=""
for i in 1 2 3 4 5 6 7 8 9 10; do
	args="$args send:$VEC/08-data-ind-4210-02b0.hex expect:$VEC/09-data-rsp-1210.hex"
done
$PVSIM -l "ten more data frames" -p "$SP" $args > "$T/ten.log"
check "ten data frames acknowledged" test "$(grep -c '^ok' "$T/ten.log")" -eq 10
pids=$(children)
kill -TERM "$GWPID"
if gw_wait_exit 5 && [ "$GWRC" = 0 ]; then
	ok "SIGTERM: pvgated exits 0"
else
	nok "SIGTERM: pvgated exits 0 (got $GWRC)"
fi
after=$(grep -c '"kind":"measurement"' "$S")
check "SIGTERM: nothing lost ($before + 10 = $after)" \
    test "$after" -eq $((before + 10))
check "SIGTERM: every child exited 0" \
    sh -c "! grep -q 'lost child' '$T/stderr'"
check "SIGTERM: no process left" sh -c "! ps -p '$(echo $pids $GWPID | tr ' ' ,)' > /dev/null"

exit 0
