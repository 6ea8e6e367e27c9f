#!/bin/sh
#
# End to end, through the real processes over loopback: a simulated
# TSUN GEN3 stick (gen3sim) talks to a pvgated started here.  Every
# reply is checked byte for byte, the get-time answer against the local
# time of the configured zone, and the decoded values on the gateway's
# stdout.  Then, with a [device] section for the stick, the gateway
# polls it over Modbus.

. "$(dirname "$0")/lib.sh"
setup_system

SIM=$TOP/regress/integration/gen3sim
G3=$TOP/regress/vectors/tsun-gen3

SP=$(free_port)
CP=$((SP + 1))
GP=$((SP + 2))
write_conf "$T/pvgated.conf" "$SP" "$CP" "timezone = Europe/Berlin"
cat >> "$T/pvgated.conf" <<EOC

[tsun-gen3]
listen = 127.0.0.1:$GP
EOC
# the simulator's idea of local time is the gateway's
export TZ=Europe/Berlin
gw_start "$T/pvgated.conf" || exit 1
wait_for "$T/stderr" "accepting tsun-gen3" ||
    nok "gateway: accepting tsun-gen3"

# 1. a stick's start: contact, time, heartbeat, collector, inverter
$SIM -l "stick" -p "$GP" \
    send:$G3/01-contact-info-ind.hex expect:$G3/02-contact-info-rsp.hex \
    send:$G3/10-get-time-req.hex time \
    send:$G3/15-heartbeat-ind.hex expect:$G3/17-heartbeat-rsp.hex \
    send:$G3/20-collector-data-ind.hex \
    expect:$G3/22-collector-data-rsp.hex \
    send:$G3/24-inverter-info-ind.hex expect:$G3/26-inverter-data-rsp.hex \
    split:$G3/27-inverter-data-ind.hex:500 \
    expect:$G3/26-inverter-data-rsp.hex \
    send:$G3/29-inverter-data-ind-replay-old-ts.hex \
    expect:$G3/26-inverter-data-rsp.hex \
    send:$G3/06-two-contact-infos-one-read.hex \
    expect:$G3/02-contact-info-rsp.hex \
    expect:$G3/07-contact-info-rsp-r002.hex \
    silence:300

S=$T/stdout
wait_for "$S" '"time":"2023-02-28'
check "stdout: collector R170000000000001 with its firmware" \
    grep -q '"time":"2023-08-05T13:49:06Z","kind":"device","protocol":"tsun-gen3","device":"R170000000000001","peer":"127.0.0.1:[0-9]*","metrics":{"collect_interval":60,"signal":100,"data_interval":300},"attributes":{"firmware":"RSW_400_V1.00.06","model":"RSW-1-10001"}}' "$S"
check "stdout: inverter T170000000000001 via the collector, TSOL-MS600" \
    grep -q '"kind":"device","protocol":"tsun-gen3","device":"T170000000000001","via":"R170000000000001",.*"attributes":{"firmware":"V5.0.11","model":"TSOL-MS600"}' "$S"
check "stdout: measurement at the frame's time, Berlin summer time" \
    grep -q '"time":"2023-08-05T13:49:09Z","kind":"measurement","protocol":"tsun-gen3","device":"T170000000000001"' "$S"
check "stdout: grid 225.4 V 0.46 A 50.02 Hz 105.7 W, 23 degrees" \
    grep -q '"ac_voltage":225.4,"ac_current":0.46,"ac_frequency":50.02,"temperature":23,"rated_power":600,"ac_power":105.7' "$S"
check "stdout: pv1 33.6 V 1.91 A 64.5 W, pv2 33.5 V 1.36 A 45.7 W" \
    grep -q '"pv1_voltage":33.6,"pv1_current":1.91,"pv1_power":64.5,"pv2_voltage":33.5,"pv2_current":1.36,"pv2_power":45.7' "$S"
check "stdout: energy 1.7 kWh today, 17.36 kWh total, limit 100 %" \
    grep -q '"energy_today":1.7,"energy_total":17.36,.*"power_limit":100' "$S"
check "stdout: two inputs only" sh -c "! grep -q pv3_ '$S'"
check "stdout: the replay of 2023-02-28 at its own time (winter), 506.6 W" \
    grep -q '"time":"2023-02-28T13:03:32Z","kind":"measurement".*"ac_power":506.6' "$S"

# 2. what is never answered: OTA, unknown messages, Modbus commands
$SIM -l "never answered" -p "$GP" \
    send:$G3/35-ota-req.hex send:$G3/36-ota-ack.hex \
    send:$G3/34-unknown-msg-0x17.hex send:$G3/38-modbus-cmd-write-2008.hex \
    send:$G3/19-heartbeat-ind-short-payload.hex silence:500 \
    send:$G3/15-heartbeat-ind.hex expect:$G3/17-heartbeat-rsp.hex
# 3. garbage: an id longer than 17 drops the buffer; the stick goes on
$SIM -l "broken stream" -p "$GP" \
    send:$G3/49-stream-multiple-broken-frames.hex \
    expect:$G3/26-inverter-data-rsp.hex silence:300 \
    send:$G3/15-heartbeat-ind.hex expect:$G3/17-heartbeat-rsp.hex

D=$T/state/dump/$(date -u +%F).jsonl
wait_for "$D" 'id length 245'
check "dump: OTA request kept, counted" \
    grep -q '"protocol":"tsun-gen3",.*"reason":"firmware update frame (control 0x70), 1 on this connection"' "$D"
check "dump: OTA ack kept, counted" \
    grep -q '"reason":"firmware update frame (control 0x91), 2 on this connection"' "$D"
check "dump: unknown message" grep -q '"reason":"unknown message 0x17"' "$D"
check "dump: a Modbus command from the device side" \
    grep -q '"reason":"unknown control 0x70 for message 0x77"' "$D"
check "dump: short heartbeat" \
    grep -q '"reason":"heartbeat with a 8-byte payload"' "$D"
check "dump: broken data block" \
    grep -q '"reason":"element [0-9]* of 163 at 0x[0-9a-f]*: unknown type 0x[0-9a-f]*"' "$D"
check "dump: the garbage after it" grep -q '"reason":"id length 245 above 17"' "$D"
check "log: a line for the OTA frame" \
    grep -q "tsun-gen3 frame of 282 bytes from 127.0.0.1:[0-9]* dumped: firmware update" "$T/stderr"
check "stdout: every line is one JSON object" \
    sh -c "! grep -v '^{.*}\$' '$S'"

kill -TERM "$GWPID"
if gw_wait_exit 5 && [ "$GWRC" = 0 ]; then
	ok "SIGTERM: pvgated exits 0"
else
	nok "SIGTERM: pvgated exits 0 (got $GWRC)"
fi

# 4. Modbus polling of the stick: every 2 s, 1 s response timeout
cat >> "$T/pvgated.conf" <<EOC

[device R170000000000001]
interval = 2
timeout = 1000
EOC
mv "$S" "$T/stdout.1"
gw_start "$T/pvgated.conf" || exit 1
wait_for "$T/stderr" "accepting tsun-gen3" ||
    nok "gateway: accepting tsun-gen3 again"
$SIM -l "polled" -p "$GP" \
    send:$G3/15-heartbeat-ind.hex expect:$G3/17-heartbeat-rsp.hex \
    poll:$G3/44-modbus-cmd-read-3000-poll.hex \
    send:$G3/47-modbus-rsp-msg87-read-3000.hex \
    poll:$G3/45-modbus-cmd-read-2000-slow-poll.hex \
    poll:$G3/45-modbus-cmd-read-2000-slow-poll.hex \
    poll:$G3/44-modbus-cmd-read-3000-poll.hex \
    send:$G3/10-get-time-req.hex time silence:1500 \
    send:$G3/15-heartbeat-ind.hex expect:$G3/17-heartbeat-rsp.hex \
    poll:$G3/44-modbus-cmd-read-3000-poll.hex \
    send:$G3/42-modbus-rsp-read-3008-v5109.hex
wait_for "$T/state/dump/$(date -u +%F).jsonl" 'asked 48 registers'
check "stdout: polled values of the stick" \
    grep -q '"kind":"measurement","protocol":"tsun-gen3","device":"R170000000000001",.*"ac_voltage":232.7,.*"ac_power":54.7,.*"attributes":{"firmware":"V5.1.09"}' "$S"
check "dump: an answer to another question" \
    grep -q '"reason":"Modbus response: 40 data bytes, asked 48 registers"' "$D"
kill -TERM "$GWPID"
if gw_wait_exit 5 && [ "$GWRC" = 0 ]; then
	ok "SIGTERM: polling pvgated exits 0"
else
	nok "SIGTERM: polling pvgated exits 0 (got $GWRC)"
fi
exit 0
