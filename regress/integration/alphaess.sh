#!/bin/sh
#
# End to end, through the real processes over loopback: a simulated
# AlphaESS battery (aesim) logs in to a pvgated started here, pushes
# its history and status, and gets the cloud's answers; its values
# must arrive on stdout.  Bad CRCs, an oversize length, garbage and an
# unknown command give dumps and the documented behaviour, and the
# login's password shows up nowhere.

. "$(dirname "$0")/lib.sh"
setup_system

AESIM=$TOP/regress/integration/aesim
AV=$TOP/regress/vectors/alphaess
SN=ALXXXXXXXXXXXXX
PW='Sup3r-S3cret!'
PWHEX=$(printf '%s' "$PW" | od -An -tx1 | tr -d ' \n')
STARS=$(printf '%s' "$PW" | sed 's/./2a/g')

# the battery's clock and the gateway's local zone: AEST, no DST
TZ=AEST-10
export TZ

SP=$(free_port)
CP=$((SP + 1))
AP=$((SP + 2))
write_conf "$T/pvgated.conf" "$SP" "$CP"
printf '\n[alphaess]\nlisten = 127.0.0.1:%s\n' "$AP" >> "$T/pvgated.conf"
gw_start "$T/pvgated.conf" || exit 1
wait_for "$T/stderr" "accepting alphaess" ||
    nok "listener for alphaess started"

S=$T/stdout
D=$T/state/dump/$(date -u +%F).jsonl

# 1. a session: login, keep-alive, events, history, serial, pushes;
#    two pushes in one write, one split into 5-byte pieces, one
#    repeated; every answer byte-exact
$AESIM -l battery -p "$AP" \
    login:$SN:$PW ok:2 \
    send:$AV/01-empty-1-1-0-battery.hex \
    expect:$AV/02-success-1-2-0-server.hex \
    send:$AV/05-eventlog-1-1-9-battery.hex \
    expect:$AV/06-eventlog-ok-1-2-9-server.hex \
    send:$AV/09-history-csv-1-1-12-battery.hex \
    expect:$AV/10-history-ok-1-2-12-server.hex \
    send:$AV/11-serial-1-1-3-battery.hex ok:3 \
    push:80 expect:$AV/13-status-ok-1-2-16-server.hex \
    hold push:70 push:60 flush ok:16 ok:16 \
    split:5 push:50 ok:16 \
    again ok:16

i=0
while [ "$(grep -c '"clock_offset"' "$S")" -lt 4 ] && [ $i -lt 60 ]; do
	sleep 0.05
	i=$((i + 1))
done
sleep 0.3	# a fifth, repeated push would be out by now
A=$T/alphaess.out
grep '"protocol":"alphaess"' "$S" > "$A"
check "stdout: history row 1 at 09:40:59 AEST, its own time" \
    grep -q '"time":"2021-03-23T23:40:59Z","kind":"measurement","protocol":"alphaess","device":"'$SN'","peer":"127.0.0.1:' "$A"
check "stdout: history row 2 at 09:42:00 AEST" \
    grep -q '"time":"2021-03-23T23:42:00Z","kind":"measurement","protocol":"alphaess"' "$A"
check "stdout: history values (pv, battery charging, SOC, energy)" \
    grep -q '"time":"2021-03-23T23:40:59Z".*"pv1_power":1029,"pv2_power":981,"pv1_voltage":278.2.*"battery_power":-2187.848,"battery_soc":26,"battery_voltage":50.18,"battery_current":-43.6' "$A"
check "stdout: history energy counters" \
    grep -q '"time":"2021-03-23T23:40:59Z".*"solar_energy_total":431.6,"grid_import_total":60,"grid_export_total":128.4,"battery_charge_total":143.2' "$A"
check "stdout: history derived: solar 2010 W, grid 0, house 641 W" \
    grep -q '"time":"2021-03-23T23:40:59Z".*"solar_power":2010,"grid_power":0,"ac_power":-310,"house_power":641' "$A"
check "stdout: history row 2 exports 26 W (grid -26), house 636 W" \
    grep -q '"time":"2021-03-23T23:42:00Z".*"grid_power":-26,"ac_power":-300,"house_power":636' "$A"
check "stdout: status push values" \
    grep -q '"pv1_power":1250,"pv2_power":1240,"ac_l1_power":1630,"ac_l2_power":0,"ac_l3_power":0,"grid_l1_power":0,"grid_l2_power":0,"grid_l3_power":0,"pv_meter_power":1065,"battery_power":-688.896,"apparent_power":1613,"reactive_power":-559,"dc_reactive_power":-10,"battery_soc":33.2,"solar_power":2490,"grid_power":0,"ac_power":1630,"house_power":2695,"clock_offset":8[01]}' "$A"
pushes=$(grep -c '"clock_offset"' "$A")
check "stdout: four pushes exported, the repeated one not ($pushes)" \
    test "$pushes" -eq 4
check "stdout: every push keeps the first push's offset" \
    test "$(grep '"clock_offset"' "$A" | sed 's/.*"clock_offset":\([0-9-]*\).*/\1/' | sort -u | wc -l)" -eq 1
t1=$(grep '"clock_offset"' "$A" | head -n 1 | sed 's/^{"time":"\([^"]*\)".*/\1/')
now=$(date -u +%s)
t1s=$(date -u -d "$t1" +%s 2>/dev/null || echo 0)
check "stdout: the first push is stamped with our clock ($t1)" \
    test $((now - t1s)) -ge 0 -a $((now - t1s)) -le 10
check "stdout: every line is one JSON object" \
    sh -c "! grep -v '^{.*}\$' '$S'"
check "dump: the event log, answered and kept" \
    grep -q '"protocol":"alphaess",.*"reason":"EventLog message not decoded"' "$D"

# 2. bad input: dumped, the documented behaviour, still answering
$AESIM -l "bad CRC login" -p "$AP" \
    badcrc login:$SN:$PW silence:300 \
    send:$AV/01-empty-1-1-0-battery.hex \
    expect:$AV/02-success-1-2-0-server.hex
$AESIM -l "bad CRC push" -p "$AP" \
    badcrc push:0 silence:300 \
    push:0 ok:16
$AESIM -l "oversize length" -p "$AP" \
    oversize:100000 closed:2000
$AESIM -l "garbage" -p "$AP" \
    garbage:40 silence:300 \
    send:$AV/01-empty-1-1-0-battery.hex \
    expect:$AV/02-success-1-2-0-server.hex
$AESIM -l "unknown command" -p "$AP" \
    'raw:99:{"Password":"'$PW'"}' ok:99
$AESIM -l "still answering" -p "$AP" \
    send:$AV/11-serial-1-1-3-battery.hex ok:3
wait_for "$D" 'unknown command 99'
check "dump: bad CRC login, password masked" \
    grep -q '"reason":"bad CRC 0x[0-9a-f]*, computed 0x[0-9a-f]* (masked)","bytes":"0101020000' "$D"
check "dump: the login's password replaced by stars of its length" \
    grep -q "2250617373776f7264223a22${STARS}22" "$D"
check "dump: bad CRC push" \
    grep -q '"reason":"bad CRC 0x[0-9a-f]*, computed 0x[0-9a-f]*","bytes":"01011000' "$D"
check "dump: oversize length, connection closed" \
    grep -q '"reason":"frame length 100009 exceeds maximum 4096"' "$D"
check "dump: garbage skipped" \
    grep -q '"protocol":"alphaess",.*"reason":"bad start byte","bytes":"7878' "$D"
check "dump: unknown command answered and dumped, masked" \
    grep -q '"reason":"unknown command 99, answered Success (masked)"' "$D"
check "log: a line for the bad CRC, naming peer and reason" \
    grep -q "decoder: alphaess frame of [0-9]* bytes from 127.0.0.1:[0-9]* dumped: bad CRC" "$T/stderr"
check "password: nowhere in dumps, as text or hex" \
    sh -c "! grep -q -e '$PW' -e '$PWHEX' $T/state/dump/*"
check "password: nowhere on stdout or in the log" \
    sh -c "! grep -q -e '$PW' '$S' '$T/stderr'"
check "stdout: the push after a bad CRC is exported" \
    test "$(grep -c '"clock_offset"' "$S")" -eq 5

# 3. SIGTERM: all exit 0, nothing left
pids=$(children)
kill -TERM "$GWPID"
if gw_wait_exit 5 && [ "$GWRC" = 0 ]; then
	ok "SIGTERM: pvgated exits 0"
else
	nok "SIGTERM: pvgated exits 0 (got $GWRC)"
fi
check "SIGTERM: no child died on its own" \
    sh -c "! grep -q 'lost child' '$T/stderr'"
check "SIGTERM: no process left" \
    sh -c "! ps -p '$(echo $pids $GWPID | tr ' ' ,)' > /dev/null"

exit 0
