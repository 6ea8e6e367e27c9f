#!/bin/sh
#
# Solarman V5 client mode end to end: a simulated logger (loggersim)
# listens on a loopback port as a logger's port 8899 does; the gateway's
# connector dials it, the decoder detects the sensor list and polls it
# over Modbus every 2 s, the values arrive on stdout.  Then the logger
# falls silent (the known 3-hour stall): the gateway hangs up and the
# connector dials it again.

. "$(dirname "$0")/lib.sh"
setup_system

SIM=$TOP/regress/integration/loggersim
LP=$(free_port)
cat > "$T/pvgated.conf" <<EOC
[gateway]
user = _pvgated
chroot = /var/empty
state_dir = $T/state
idle_timeout = 30

[export]
stdout = json
dump = on

[solarman-v5]
heartbeat_interval = 60

[device Y17E7A0F010B013E]
protocol = solarman-v5
client = localhost:$LP
logger = 2070233889
interval = 2
timeout = 500
EOC

check "pvgated -n takes the client device" \
    sh -c "'$PVGATED' -n -f '$T/pvgated.conf' 2>&1 | grep -q 'configuration OK'"

# connection 1: five answers, then silence; connection 2: three answers
$SIM -l logger -p "$LP" -s 2070233889 -w 20 5 3 > "$T/sim" 2>&1 &
SIMPID=$!
i=0
while ! grep -q listening "$T/sim" && [ $i -lt 40 ]; do
	sleep 0.05
	i=$((i + 1))
done
mkdir -p "$T/state"
"$PVGATED" -d -f "$T/pvgated.conf" > "$T/stdout" 2> "$T/stderr" &
GWPID=$!
wait $SIMPID
grep -v listening "$T/sim"

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
