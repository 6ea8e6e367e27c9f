#!/bin/sh
#
# Hoymiles end to end, through the real processes over loopback: a
# simulated DTU (hmsim) takes pvgated for its cloud, heartbeats,
# reports its inventory and uploads a RealDataNew in two packages; the
# replies are checked by hmsim, the records on pvgated's stdout here.

. "$(dirname "$0")/lib.sh"
setup_system
HMSIM=$TOP/regress/integration/hmsim
HVEC=$TOP/regress/vectors/hoymiles
DTU=4143A0987654
# hmsim checks the replies against the gateway's zone, which has an
# offset and DST
TZ=Europe/Berlin
export TZ

SP=$(free_port)
HP=$((SP + 2))
write_conf "$T/pvgated.conf" "$SP" $((SP + 1)) "timezone = Europe/Berlin"
cat >> "$T/pvgated.conf" <<EOC

[hoymiles]
listen = 127.0.0.1:$HP
EOC
gw_start "$T/pvgated.conf" || exit 1
wait_for "$T/stderr" "accepting hoymiles" ||
    nok "listener for hoymiles started"

# 1. the DTU's day with its cloud: every frame answered at once
$HMSIM -l dtu -p "$HP" heartbeat:4660 devdata:4661 upload:4662 \
    heartbeat:65535 silence:300 | tee "$T/hmsim.log"
WHEN=$(sed -n 's/.*package 0, sample time //p' "$T/hmsim.log")

S=$T/stdout
wait_for "$S" "\"device\":\"$DTU\",\"via\":\"\"" ||
    wait_for "$S" "\"kind\":\"measurement\",\"protocol\":\"hoymiles\",\"device\":\"$DTU\""
check "stdout: device record of the DTU, firmware of its radio" \
    grep -q "\"kind\":\"device\",\"protocol\":\"hoymiles\",\"device\":\"$DTU\".*\"firmware\":\"2.1.21_hm\"" "$S"
check "stdout: device record of inverter 116412340002 via the DTU" \
    grep -q "\"kind\":\"device\",\"protocol\":\"hoymiles\",\"device\":\"116412340002\",\"via\":\"$DTU\".*\"firmware\":\"10021\",\"hardware\":\"10214201\"" "$S"
A=$(grep '"kind":"measurement","protocol":"hoymiles","device":"116412340001"' "$S")
B=$(grep '"kind":"measurement","protocol":"hoymiles","device":"116412340002"' "$S")
D=$(grep "\"kind\":\"measurement\",\"protocol\":\"hoymiles\",\"device\":\"$DTU\"" "$S")
check "stdout: one measurement per inverter, one for the DTU" \
    test "$(echo "$A" | grep -c .)" -eq 1 -a \
    "$(echo "$B" | grep -c .)" -eq 1 -a "$(echo "$D" | grep -c .)" -eq 1
check "stdout: inverter A via the DTU, from 127.0.0.1" \
    sh -c "echo '$A' | grep -q '\"via\":\"$DTU\",\"peer\":\"127.0.0.1:'"
check "stdout: inverter A grid side 242.3 V 3.51 A 50.01 Hz 850.8 W" \
    sh -c "echo '$A' | grep -q '\"ac_voltage\":242.3,\"ac_current\":3.51,\"ac_frequency\":50.01,\"ac_power\":850.8,\"reactive_power\":-0.3,\"power_factor\":100,\"temperature\":28.7,\"link_status\":1'"
check "stdout: inverter A ports (first package) 39.2 V 10.85 A 425.4 W" \
    sh -c "echo '$A' | grep -q '\"pv1_voltage\":39.2,\"pv1_current\":10.85,\"pv1_power\":425.4,\"pv1_energy_today\":1.5,\"pv1_energy_total\":1234.567'"
check "stdout: inverter B grid side 242.4 V 6.68 A 1620.6 W" \
    sh -c "echo '$B' | grep -q '\"ac_voltage\":242.4,\"ac_current\":6.68,\"ac_frequency\":50.01,\"ac_power\":1620.6'"
check "stdout: inverter B ports from the second package" \
    sh -c "echo '$B' | grep -q '\"pv1_voltage\":39.4,.*\"pv1_power\":425.6,.*\"pv2_voltage\":39.5,\"pv2_current\":10.85,\"pv2_power\":425.7,\"pv2_energy_today\":1.503,\"pv2_energy_total\":1234.57'"
check "stdout: inverter B energy today 3.005 kWh, total 2469.139 kWh" \
    sh -c "echo '$B' | grep -q '\"energy_today\":3.005,\"energy_total\":2469.139'"
check "stdout: DTU totals 2471.4 W, 6.006 kWh today" \
    sh -c "echo '$D' | grep -q '\"metrics\":{\"ac_power\":2471.4,\"energy_today\":6.006}'"
check "stdout: sample time is the upload's ($WHEN), for all three" \
    test -n "$WHEN" -a "$(grep -c "\"time\":\"$WHEN\",\"kind\":\"measurement\",\"protocol\":\"hoymiles\"" "$S")" -eq 3
check "stdout: every line is one JSON object" \
    sh -c "! grep -v '^{.*}\$' '$S'"

# 1b. a DTU that named itself, then frames of every kind it starts with
# nothing in them, and two with no protobuf in them: each has its ack
$HMSIM -l "empty frames" -p "$HP" heartbeat:200 empty:220b:201 \
    empty:220a:202 empty:2206:203 empty:220e:204 empty:2201:205 \
    empty:2203:206 empty:2204:207 empty:220c:208 empty:220d:209 \
    empty:2202:210 junk:220b:211 junk:220c:212 silence:300 |
    tee "$T/hmsim-empty.log"
check "hmsim: every empty frame answered with its sequence" \
    test "$(grep -c '^ok - empty frames: empty: ' "$T/hmsim-empty.log")" -eq 10
check "hmsim: the frames without protobuf answered too" \
    test "$(grep -c '^ok - empty frames: junk: ' "$T/hmsim-empty.log")" -eq 2
D=$T/state/dump/$(date -u +%F).jsonl
wait_for "$D" '0x220c: payload is not a RealDataNewFromDtu' ||
    nok "dump: the 0x220c without protobuf"
check "dump: the 0x220b without protobuf, with the reason" \
    grep -q '"reason":"0x220b: payload is not a PackageFromDtu message (encrypted?)","bytes":"484d220b00d3' "$D"
check "dump: no empty frame (nothing in them to keep)" \
    sh -c "! grep -q '\"bytes\":\"484d22[0-9a-f][0-9a-f]00[cd][0-9a-f]ffff000a\"' '$D'"
check "dump: no frame judged without a DTU" \
    sh -c "! grep -q 'DTU serial' '$D'"
check "stdout: no record from the empty uploads" \
    test "$(grep -c "\"kind\":\"measurement\",\"protocol\":\"hoymiles\",\"device\":\"$DTU\"" "$S")" -eq 1

# 2. what the gateway must not answer, and keeps for analysis
$HMSIM -l "app frame" -p "$HP" send:$HVEC/06-app-req-a311-realdatanew-derived.hex \
    silence:300 heartbeat:7
$HMSIM -l "bad CRC" -p "$HP" send:$TOP/regress/integration/hm-badcrc.hex \
    silence:300 heartbeat:8
D=$T/state/dump/$(date -u +%F).jsonl
wait_for "$D" 'bad CRC'
check "dump: an app's request is not ours to answer" \
    grep -q '"protocol":"hoymiles".*"reason":"unexpected command 0xa311","bytes":"484da311' "$D"
check "dump: bad CRC, with the frame's bytes" \
    grep -q '"reason":"0x2202: bad CRC 0xdb6f, computed 0xdb6e","bytes":"484d22021234db6f' "$D"
check "log: a line for the bad frame" \
    grep -q "decoder: hoymiles frame of 44 bytes from 127.0.0.1:[0-9]* dumped: 0x2202: bad CRC" "$T/stderr"

# 3. SIGTERM: all exit 0
pids=$(children)
kill -TERM "$GWPID"
if gw_wait_exit 5 && [ "$GWRC" = 0 ]; then
	ok "SIGTERM: pvgated exits 0"
else
	nok "SIGTERM: pvgated exits 0 (got $GWRC)"
fi
check "SIGTERM: no process left" sh -c "! ps -p '$(echo $pids $GWPID | tr ' ' ,)' > /dev/null"

exit 0
