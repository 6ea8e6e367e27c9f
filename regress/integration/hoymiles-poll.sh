#!/bin/sh
#
# Hoymiles local polling end to end: a simulated DTU in local mode
# (hmsim -s) listens on loopback; the connector dials it and the decoder
# polls it: 0xA311 for package 0, then for package 1, one request at a
# time.  The DTU hangs up after the first poll; it is dialled again and
# polled at once, and on that connection the next poll waits for the
# interval (30 s: this test takes half a minute).

. "$(dirname "$0")/lib.sh"
setup_system
HMSIM=$TOP/regress/integration/hmsim
DTU=4143A0123456
SIMDTU=4143A0987654
TZ=Europe/Berlin
export TZ

SP=$(free_port)
DP=$((SP + 2))
write_conf "$T/pvgated.conf" "$SP" $((SP + 1)) "timezone = Europe/Berlin
idle_timeout = 120"
cat >> "$T/pvgated.conf" <<EOC

[hoymiles]
listen = 127.0.0.1:$((SP + 3))

[device $DTU]
protocol = hoymiles
client = 127.0.0.1:$DP
interval = 30
timeout = 2000
EOC

$HMSIM -s -l dtu -p "$DP" -n 6 -x 2 -i 30 -w 45 > "$T/sim" 2>&1 &
SIM=$!
sleep 0.2
gw_start "$T/pvgated.conf" -v || { kill "$SIM"; exit 1; }
wait "$SIM"
cat "$T/sim"

check "dialled: connected log line" \
    grep -q "hoymiles $DTU: connected to 127.0.0.1:$DP" "$T/stderr"
check "three polls of two packages, on two connections" sh -c \
    "grep -q 'served: 6 of 6' '$T/sim' &&
    grep -q 'hangup: after 2 requests' '$T/sim' &&
    grep -q 'accept: connection 2' '$T/sim' &&
    ! grep -q 'accept: connection 3' '$T/sim'"
check "the third poll waited for the interval on the same connection" \
    grep -q 'package 0, a new poll 3[0-9] s after the last' "$T/sim"

S=$T/stdout
wait_for "$S" '"device":"116412340002"'
A=$(grep '"kind":"measurement","protocol":"hoymiles","device":"116412340001"' "$S")
B=$(grep '"kind":"measurement","protocol":"hoymiles","device":"116412340002"' "$S")
D=$(grep "\"kind\":\"measurement\",\"protocol\":\"hoymiles\",\"device\":\"$SIMDTU\"" "$S")
check "stdout: each poll gives each inverter's record and the DTU's" \
    test "$(echo "$A" | grep -c .)" -eq 3 -a \
    "$(echo "$B" | grep -c .)" -eq 3 -a "$(echo "$D" | grep -c .)" -eq 3
check "stdout: via the DTU, from the address dialled" \
    sh -c "echo '$A' | grep -q '\"via\":\"$SIMDTU\",\"peer\":\"127.0.0.1:$DP\"'"
check "stdout: inverter A grid side and its ports from package 0" \
    sh -c "echo '$A' | head -n 1 | grep -q '\"ac_voltage\":242.3,\"ac_current\":3.51,\"ac_frequency\":50.01,\"ac_power\":850.8.*\"pv2_voltage\":39.3,\"pv2_current\":10.85,\"pv2_power\":425.5'"
check "stdout: inverter B's ports from package 1" \
    sh -c "echo '$B' | head -n 1 | grep -q '\"ac_power\":1620.6.*\"pv1_voltage\":39.4,.*\"pv2_power\":425.7,\"pv2_energy_today\":1.503'"
check "stdout: DTU totals from package 1" \
    sh -c "echo '$D' | head -n 1 | grep -q '\"metrics\":{\"ac_power\":2471.4,\"energy_today\":6.006}'"
check "nothing dumped" sh -c "! dumps | grep -q hoymiles"

pids=$(children)
kill -TERM "$GWPID"
if gw_wait_exit 10 && [ "$GWRC" = 0 ]; then
	ok "SIGTERM: pvgated exits 0"
else
	nok "SIGTERM: pvgated exits 0 (got $GWRC)"
fi
check "SIGTERM: no process left" sh -c "! ps -p '$(echo $pids $GWPID | tr ' ' ,)' > /dev/null"
exit 0
