#!/bin/sh
#
# End to end, through the real processes over loopback: a simulated
# APsystems ECU (apssim) uploads to a pvgated started here, whose
# [apsystems-ecu] section listens on three ports standing for 8995,
# 8996 and 8997.  Record times are read as Central European time.

. "$(dirname "$0")/lib.sh"
setup_system

APSSIM=$TOP/regress/integration/apssim
AV=$TOP/regress/vectors/apsystems-ecu
TZ=CET-1CEST,M3.5.0,M10.5.0/3
export TZ

# hex file $1 from the text $2 (no line feed added)
hexfile()
{
	printf '%s' "$2" | od -An -v -tx1 | tr -d ' \n' > "$1"
}

# vector 01 with sed expression $2 applied to its text, as hex file $1
v01()
{
	perl -0777 -ne 's/\s+//g; print pack("H*", $_)' "$V01" | sed "$2" |
	    od -An -v -tx1 | tr -d ' \n' > "$1"
}

V01=$AV/01-aps18-data-record-ecu-r-2inv.hex
SP=$(free_port)
CP=$(port_from $((SP + 1)))
P1=$(port_from $((CP + 1)))
P2=$(port_from $((P1 + 1)))
P3=$(port_from $((P2 + 1)))
write_conf "$T/pvgated.conf" "$SP" "$CP" "max_frame = 8192"
cat >> "$T/pvgated.conf" <<EOC

[apsystems-ecu]
listen = 127.0.0.1:$P1, 127.0.0.1:$P2
listen = 127.0.0.1:$P3
EOC
gw_start "$T/pvgated.conf" || exit 1
i=0
while [ "$(grep -c 'accepting apsystems-ecu connections' "$T/stderr")" -lt 3 ] &&
    [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "one listener per port of the listen list: 3" \
    test "$(grep -c 'accepting apsystems-ecu connections' "$T/stderr")" -eq 3

hexfile "$T/100.hex" "100"
hexfile "$T/junk.hex" "GET / HTTP/1.0
"

# 1. 8995: the captured record, answered with its own time (vector 03)
$APSSIM -l "8995 record 01" -p "$P1" load:"$V01" send:0:0 \
    expect:"$AV/03-ema-reply-to-01-own-ts.hex"

# 2. 8996: 40 inverters, sent as the ECU-R does (1000 bytes, 500 ms)
$APSSIM -l "8996 record of 40 inverters" -p "$P2" \
    fleet:40:20240206112714 send:1000:500 reply lines:"$T/fleet.lines"

# 3. 8997: the command poll of an ECU-R and of an ECU-3, "no command"
$APSSIM -l "8997 A101 poll (ECU-R)" -p "$P3" \
    load:"$AV/06-aps13-a101-control-request-ecu-r.hex" send:0:0 \
    expect:"$AV/08-ema-reply-to-06-a100-no-command.hex"
$APSSIM -l "8997 A101 poll (ECU-3)" -p "$P3" \
    load:"$AV/07-aps13-a101-control-request-ecu3.hex" send:0:0 \
    expect:"$AV/08-ema-reply-to-06-a100-no-command.hex"

# 4. the night job's stored-records query: "100"
$APSSIM -l "8995 stored-records query" -p "$P1" \
    load:"$AV/04-aps13-stored-query-ecu-to-ema.hex" send:0:0 \
    expect:"$T/100.hex"

S=$T/stdout
wait_for "$S" '"device":"216300012345"'
wait_for "$S" '"device":"806000011223"'

check "stdout: ECU 216000064136 (ECU-R) 190 W, 2127.9 kWh, 2 inverters" \
    grep -Fq '{"time":"2024-02-06T10:22:14Z","kind":"measurement","protocol":"apsystems-ecu","device":"216000064136","peer":"127.0.0.1:' "$S"
check "stdout: ECU totals of record 01" \
    grep -Fq '"metrics":{"ac_power":190,"energy_total":2127.9,"inverters":2,"energy_interval":0.015213},"attributes":{"model":"ECU-R"}}' "$S"
check "stdout: DS3 408000111178 via the ECU" \
    grep -Fq '"device":"408000111178","via":"216000064136","peer":"127.0.0.1:' "$S"
check "stdout: DS3 228 V 50 Hz 13 C 32.9 W, 33.8 V 0.5 A 17 W, 33.9 V 0.5 A 18 W" \
    grep -Fq '"metrics":{"ac_voltage":228,"ac_frequency":50,"temperature":13,"reactive_power":0,"ac_power":32.9,"pv1_voltage":33.8,"pv1_current":0.5,"pv1_power":17,"pv1_energy_interval":0.001409,"pv2_voltage":33.9,"pv2_current":0.5,"pv2_power":18,"pv2_energy_interval":0.001419,"energy_interval":0.002828},"attributes":{"model":"YC600/DS3"}}' "$S"
check "stdout: QS1 806000011223 via the ECU" \
    grep -Fq '"device":"806000011223","via":"216000064136","peer":"127.0.0.1:' "$S"
check "stdout: QS1 228 V 50 Hz 15 C 145.7 W and four channels, 29+38+45+43 W" \
    grep -Fq '"metrics":{"ac_voltage":228,"ac_frequency":50,"temperature":15,"reactive_power":0,"ac_power":145.7,"pv1_voltage":31.1,"pv1_current":1,"pv1_power":29,"pv1_energy_interval":0.002309,"pv2_voltage":34.2,"pv2_current":1.2,"pv2_power":38,"pv2_energy_interval":0.00307,"pv3_voltage":33.4,"pv3_current":1.4,"pv3_power":45,"pv3_energy_interval":0.003569,"pv4_voltage":32.9,"pv4_current":1.4,"pv4_power":43,"pv4_energy_interval":0.003437,"energy_interval":0.012385},"attributes":{"model":"QS1"}}' "$S"

# every device of the 40-inverter record, its whole line as expected
n=0
while IFS= read -r line; do
	n=$((n + 1))
	dev=$(echo "$line" | sed 's/.*"device":"\([0-9]*\)".*/\1/')
	if grep -Fxq -- "$line" "$S"; then
		ok "stdout: 40-inverter record, device $n of 41: $dev"
	else
		nok "stdout: 40-inverter record, device $n of 41: $dev"
		echo "    want: $line"
		grep -F "\"device\":\"$dev\"" "$S" | sed 's/^/    got:  /'
	fi
done < "$T/fleet.lines"
check "stdout: 41 lines expected for the 40-inverter record" test "$n" -eq 41

# 5. bad input: dumped, answered where the ECU needs it, no crash
v01 "$T/baddigit.hex" 's/4080001111780722800500/4080001111780722X00500/'
v01 "$T/power191.hex" 's/0000000190/0000000191/'
v01 "$T/badid.hex" 's/216000064136/2160000641x6/'
v01 "$T/oversize.hex" 's/APS18AA302/APS18A9999/'
$APSSIM -l "junk, then a record" -p "$P1" load:"$T/junk.hex" send:0:0 \
    load:"$V01" send:0:0 expect:"$AV/03-ema-reply-to-01-own-ts.hex"
$APSSIM -l "a letter in inverter 1" -p "$P2" load:"$T/baddigit.hex" \
    send:0:0 expect:"$AV/03-ema-reply-to-01-own-ts.hex"
$APSSIM -l "system power 191 W" -p "$P1" load:"$T/power191.hex" send:0:0 \
    expect:"$AV/03-ema-reply-to-01-own-ts.hex"
$APSSIM -l "bad ECU id: no answer" -p "$P2" load:"$T/badid.hex" send:0:0 \
    silence:500
$APSSIM -l "oversize length" -p "$P1" load:"$T/oversize.hex" send:0:0 \
    closed:2000
$APSSIM -l "truncated upload, then gone" -p "$P2" \
    fleet:40:20240206113214 cut:2500
$APSSIM -l "two records on one connection" -p "$P1" load:"$V01" \
    send:0:0 reply send:0:0 reply
$APSSIM -l "still answering" -p "$P2" fleet:3:20240206113714 send:0:0 reply

D=$T/state/dump/$(date -u +%F).jsonl
wait_for "$D" 'truncated frame'
check "dump: junk before a record" \
    grep -q '"protocol":"apsystems-ecu".*"reason":"no APS header","bytes":"474554' "$D"
check "dump: bad field, with the whole frame" \
    grep -q '"reason":"inverter 408000111178: bad field at character 14","bytes":"41505331384141333032' "$D"
check "dump: system power against the channels" \
    grep -q '"reason":"system power 191 W, channels 190.00 W"' "$D"
check "dump: bad ECU id" grep -q '"reason":"bad ECU id"' "$D"
check "dump: oversize length" \
    grep -q '"reason":"frame length 10000 exceeds maximum 8192"' "$D"
check "dump: truncated upload, 2500 bytes" \
    grep -Eq '"reason":"truncated frame: closed by peer","bytes":"[0-9a-f]{5000}"' "$D"
check "dump: each frame names port and peer" \
    grep -q "\"protocol\":\"apsystems-ecu\",\"port\":$P2,\"peer\":\"127.0.0.1:[0-9]*\"" "$D"
check "log: a line for the bad field, naming peer and reason" \
    grep -q "decoder: apsystems-ecu frame of 303 bytes from 127.0.0.1:[0-9]* dumped: inverter 408000111178: bad field" "$T/stderr"
check "stdout: records of a dumped record still exported" \
    test "$(grep -c '"device":"806000011223","via":"216000064136"' "$S")" -ge 5
check "stdout: every line is one JSON object" \
    sh -c "! grep -v '^{.*}\$' '$S'"

# SIGTERM: all exit 0
kill -TERM "$GWPID"
if gw_wait_exit 5 && [ "$GWRC" = 0 ]; then
	ok "SIGTERM: pvgated exits 0"
else
	nok "SIGTERM: pvgated exits 0 (got $GWRC)"
fi
check "no child died" sh -c "! grep -q 'lost child' '$T/stderr'"

# without TZ the zone comes from /etc/localtime: reading a record's time
# must not need more than the decoder's sandbox allows
unset TZ
gw_start "$T/pvgated.conf" || exit 1
sleep 0.3
$APSSIM -l "no TZ: record 01" -p "$P1" load:"$V01" send:0:0 reply
want=$(date -u -d "@$(date -d '2024-02-06 11:22:14' +%s)" +%Y-%m-%dT%H:%M:%SZ)
wait_for "$S" '"device":"806000011223"'
check "no TZ: the ECU's record at $want, local time of /etc/localtime" \
    grep -q "\"time\":\"$want\",\"kind\":\"measurement\",\"protocol\":\"apsystems-ecu\",\"device\":\"216000064136\"" "$S"
check "no TZ: three records" \
    test "$(grep -c '"protocol":"apsystems-ecu"' "$S")" -eq 3
kill -TERM "$GWPID"
if gw_wait_exit 5 && [ "$GWRC" = 0 ]; then
	ok "no TZ: SIGTERM, pvgated exits 0"
else
	nok "no TZ: SIGTERM, pvgated exits 0 (got $GWRC)"
fi
check "no TZ: no child died" sh -c "! grep -q 'lost child' '$T/stderr'"

exit 0
