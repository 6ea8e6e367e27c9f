#!/bin/sh
#
# Solarman V5 client mode end to end: a simulated logger (loggersim)
# listens on a loopback port as a logger's port 8899 does; the gateway's
# connector dials it, the decoder detects the sensor list and polls it
# over Modbus every 2 s, the values arrive on stdout.  Then the logger
# falls silent (the known 3-hour stall): the gateway hangs up and the
# connector dials it again.  A second logger has a TSUN Titan behind it
# (sensor list 0x1097, whose data frames have no public layout): its
# list is detected and its registers are polled.  With a mosquitto
# broker: the first inverter allows power_limit, and the limit it
# reports (register 0x202c) is on the state topic that Home Assistant's
# number reads.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mqttlib.sh"
setup_system
for c in mosquitto mosquitto_sub jq; do
	if ! command -v $c > /dev/null 2>&1; then
		nok "$c is installed (sh etc/deps.sh)"
		exit 1
	fi
done

SIM=$TOP/regress/integration/loggersim
LP=$(free_port)
TP=$(port_from $((LP + 1)))
MP=$(port_from $((TP + 1)))
broker "$MP" || nok "mosquitto started"
SIMS="$SIMS $BPID"
mosquitto_sub -p "$MP" -q 1 -v -t 'pvgated/#' -t 'homeassistant/number/#' \
    > "$T/sub.out" 2> "$T/sub.err" &
SIMS="$SIMS $!"
gw_conf "$T/pvgated.conf" 30
cat >> "$T/pvgated.conf" <<EOC

[solarman-v5]
heartbeat_interval = 60

[device Y17E7A0F010B013E]
protocol = solarman-v5
client = localhost:$LP
logger = 2070233889
interval = 2
timeout = 500
allow = power_limit

[device Y0012345678A0001]
protocol = solarman-v5
client = localhost:$TP
logger = 2070233890
interval = 2
timeout = 500

[mqtt]
host = 127.0.0.1
port = $MP
client_id = pvgated-client
EOC

check "pvgated -n takes the client device" \
    sh -c "'$PVGATED' -n -f '$T/pvgated.conf' 2>&1 | grep -q 'configuration OK'"

# connection 1: five answers, then silence; connection 2: three answers
$SIM -l logger -p "$LP" -s 2070233889 -w 20 5 3 > "$T/sim" 2>&1 &
SIMPID=$!
# the Titan: detection (0x3000 refused, 0x1000) and a round of five
$SIM -t -l titan -p "$TP" -s 2070233890 -w 20 7 > "$T/titan" 2>&1 &
TITANPID=$!
i=0
while ! { grep -q listening "$T/sim" && grep -q listening "$T/titan"; } &&
    [ $i -lt 40 ]; do
	sleep 0.05
	i=$((i + 1))
done
mkdir -p "$T/state"
"$PVGATED" -d -f "$T/pvgated.conf" > "$T/stdout" 2> "$T/stderr" &
GWPID=$!
wait $SIMPID
wait $TITANPID
grep -v listening "$T/sim"
grep -v listening "$T/titan"

S=$T/stdout
L=$(grep -c '^ok - logger: read ' "$T/sim")
check "logger: eight requests answered over two connections ($L)" \
    test "$L" -eq 8
check "logger: the first request detects, reading 0x3000 for 0x02b0" \
    grep -q '^ok - logger: read 48 from 0x3000 (sensor 0x02b0, seq 01 00): answered$' "$T/sim"
check "logger: then the slow block 0x2000" \
    grep -q '^ok - logger: read 96 from 0x2000 (sensor 0x02b0' "$T/sim"
check "logger: silence ends in a hang-up, then a redial" \
    sh -c "grep -q '^ok - logger: the gateway gave up on the silence' '$T/sim' &&
    grep -q '^ok - logger: connection 2 dialled' '$T/sim'"
wait_for "$S" '"ac_voltage"'
check "stdout: polled values of Y17E7A0F010B013E via logger 2070233889" \
    grep -q '"kind":"measurement","protocol":"solarman-v5","device":"Y17E7A0F010B013E","via":"2070233889","peer":"127.0.0.1:'"$LP"'","metrics":{"status":1,.*"ac_voltage":224.8,"ac_current":0.13,"ac_frequency":49.99,"temperature":17,"rated_power":600,"ac_power":29.7,' "$S"
check "stdout: energy 2449.61 kWh total, pv4 15.58 kWh" \
    grep -q '"energy_total":2449.61,.*"pv4_energy_total":15.58' "$S"
check "stdout: firmware from register 0x3008" \
    grep -q '"attributes":{"firmware":"V4.0.20"}' "$S"
check "stdout: model from the settings block: TSOL-MS2000(600), limit 100 %" \
    grep -q '"metrics":{"max_power":2000,"power_limit":100},"attributes":{"model":"TSOL-MS2000(600)"}' "$S"
check "connector: connected, hung up after the silence, again in 1 s" \
    sh -c "grep -q 'solarman-v5 Y17E7A0F010B013E: connected to 127.0.0.1:$LP' '$T/stderr' &&
    grep -q 'solarman-v5 Y17E7A0F010B013E: connection closed (.*); again in 1 s' '$T/stderr'"
check "titan: 0x3000 refused, then 0x1000 answered: sensor list 0x1097" \
    sh -c "grep -q '^ok - titan: read 48 from 0x3000 (sensor 0x02b0, seq 01 00): exception 2' '$T/titan' &&
    grep -q '^ok - titan: read 16 from 0x1000 (sensor 0x1097' '$T/titan'"
check "titan: the round reads 0x1100, 0x1200, 0x1300 and 0x1400" \
    sh -c "for b in '16 from 0x1100' '48 from 0x1200' '48 from 0x1300' '56 from 0x1400'; do
    grep -q \"^ok - titan: read \$b (sensor 0x1097\" '$T/titan' || exit 1; done"
TI='"kind":"measurement","protocol":"solarman-v5","device":"Y0012345678A0001","via":"2070233890"'
wait_for "$S" "$TI.*insulation" || nok "stdout: the Titan's 0x1200 block"
check "stdout: Titan grid 244 V 1.4 A 342 W 49.97 Hz, insulation 9.43 and 0.61 MOhm" \
    grep -q "$TI"',"peer":"127.0.0.1:'"$TP"'","metrics":{"ac_voltage":244,"ac_current":1.4,"ac_power":342,"ac_frequency":49.97,"rated_power":3000,"energy_today":0.69,"energy_total":12.59,"insulation_resistance_rx":9.43,"insulation_resistance_ry":0.61,"temperature":41}' "$S"
wait_for "$S" "$TI.*pv2_energy_total" || nok "stdout: the Titan's PV inputs"
check "stdout: Titan pv1 35.2 V 4.85 A 170.7 W, pv2 7.00 + 5.59 kWh total" \
    grep -q "$TI"'.*"pv1_voltage":35.2,"pv2_voltage":34.8,.*"pv1_current":4.85,.*"pv1_power":170.7,.*"pv1_energy_total":7,"pv2_energy_total":5.59' "$S"
wait_for "$S" "$TI.*TSOL-MX3000D" || nok "stdout: the Titan's model"
check "stdout: Titan model TSOL-MX3000D from 0x1437 and 0x1210" \
    grep -q "$TI"'.*"metrics":{"max_power":3000},"attributes":{"model":"TSOL-MX3000D"}' "$S"
# what Home Assistant's number shows: the value_template's metric from
# the last message with it on the state topic of the number's config
number_value()
{
	_c=$(sed -n "s|^homeassistant/number/$1/power_limit/config ||p" \
	    "$T/sub.out" | tail -n 1)
	_st=$(echo "$_c" | jq -r 'select(.value_template |
	    test("value_json.power_limit")) | .state_topic')
	[ -n "$_st" ] || return 1
	sed -n "s|^$_st ||p" "$T/sub.out" |
	    jq -r 'select(has("power_limit")) | .power_limit' | tail -n 1
}
waitn 10 sh -c "grep -q '^pvgated/Y17E7A0F010B013E/state .*power_limit' \
    '$T/sub.out'"
check "mqtt: power_limit 100 (0x202c) on pvgated/Y17E7A0F010B013E/state" \
    sh -c "sed -n 's|^pvgated/Y17E7A0F010B013E/state ||p' '$T/sub.out' |
    jq -e 'select(has(\"power_limit\")) | .power_limit == 100' |
    grep -q true"
check "mqtt: the HA number reads it there: 100" \
    test "$(number_value Y17E7A0F010B013E)" = 100
check "mqtt: no number where power_limit is not allowed" \
    sh -c "! grep -q '^homeassistant/number/Y0012345678A0001/' '$T/sub.out'"
check "stdout: every line is one JSON object" \
    sh -c "! grep -v '^{.*}\$' '$S'"

kill -TERM "$GWPID"
if gw_wait_exit 10 && [ "$GWRC" = 0 ]; then
	ok "SIGTERM: pvgated exits 0"
else
	nok "SIGTERM: pvgated exits 0 (got $GWRC)"
fi
grep -q "lost child" "$T/stderr" && nok "no child lost" || ok "no child lost"
exit 0
