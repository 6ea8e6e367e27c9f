#!/bin/sh
#
# MQTT end to end, with a real mosquitto broker on loopback: records on
# their state topics, Home Assistant discovery configs that are valid
# JSON with the expected keys, the availability topic, discovery again
# on Home Assistant's birth message; the broker stopped under steady
# traffic and started again with every record arriving at least once;
# a full spool dropping the oldest records, counted; the spool kept
# across a restart of the gateway; TLS with a CA file, a password file
# and the broker's name checked.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mqttlib.sh"
setup_system
for c in mosquitto mosquitto_sub mosquitto_pub mosquitto_passwd jq openssl
do
	if ! command -v $c > /dev/null 2>&1; then
		nok "$c is installed (sh etc/deps.sh)"
		exit 1
	fi
done

DEV=Y17E7A0F010B013E
LOGGER=2070233889
BPID=
SUBPID=
TSUBPID=
TBPID=
SIMPID=
trap 'for p in $SIMPID $SUBPID $TSUBPID $BPID $TBPID; do
    kill "$p" 2>/dev/null; done; cleanup' EXIT INT TERM

port_free()
{
	! port_busy "$1"
}

next_port()
{
	p=$1
	while ! port_free "$p"; do
		p=$((p + 1))
	done
	echo "$p"
}

SP=$(free_port)
MP=$(next_port $((SP + 2)))
TP=$(next_port $((MP + 1)))

# the broker keeps sessions across its restarts (the subscriber's)
mkdir -p "$T/broker"
cat > "$T/broker.conf" <<EOC
listener $MP 127.0.0.1
allow_anonymous true
persistence true
persistence_location $T/broker/
autosave_interval 1
max_queued_messages 0
user root
log_dest file $T/broker.log
EOC

broker_start()
{
	mosquitto -c "$T/broker.conf" 2>> "$T/broker.err" &
	BPID=$!
	waitn 5 sh -c "ss -ltn 'sport = :$MP' | grep -q LISTEN"
}

broker_stop()
{
	kill -TERM "$BPID"
	wait "$BPID"
	BPID=
}

# the sample times of the measurements the gateway produced, and of the
# state messages that reached the subscriber
produced()
{
	jq -r "select(.device == \"$DEV\" and .kind == \"measurement\") |
	    .time" "$T/stdout" | sort -u
}

delivered()
{
	sed -n "s|^pvgated/$DEV/state ||p" "$T/sub.out" | jq -r .time |
	    sort -u
}

has_time()
{
	delivered | grep -qx "$(ktime "$1")"
}

all_delivered()
{
	[ "$(count_delivered "$1" "$2")" -eq $(($2 - $1 + 1)) ]
}

# how many of frames FIRST..LAST were delivered
count_delivered()
{
	delivered > "$T/delivered.now"
	_k=$1
	_n=0
	while [ "$_k" -le "$2" ]; do
		grep -qx "$(ktime "$_k")" "$T/delivered.now" && _n=$((_n + 1))
		_k=$((_k + 1))
	done
	echo "$_n"
}

write_gwconf()
{
	write_conf "$T/pvgated.conf" "$SP" $((SP + 1))
	cat >> "$T/pvgated.conf" <<EOC

[mqtt]
host = 127.0.0.1
port = $MP
client_id = pvgated-test
spool_size = 64K
keepalive = 10
EOC
}

broker_start || { nok "mosquitto started"; exit 1; }
mosquitto_sub -p "$MP" -i pvtest-sub -c -q 1 -v -t 'pvgated/#' \
    -t 'pvtest/#' -t 'homeassistant/#' > "$T/sub.out" 2> "$T/sub.err" &
SUBPID=$!
sleep 0.3

write_gwconf
gw_start "$T/pvgated.conf" || exit 1
check "gateway connects to the broker" \
    waitn 10 grep -q "mqtt: connected to 127.0.0.1:$MP" "$T/stderr"

# records on their topics, discovery for each metric
$PVSIM -l mqtt -p "$SP" \
    send:$VEC/01-device-ind-4110.hex expect:$VEC/02-device-rsp-1110.hex \
    send:$VEC/08-data-ind-4210-02b0.hex expect:$VEC/09-data-rsp-1210.hex
check "state of the inverter on pvgated/$DEV/state" \
    waitn 10 grep -q "^pvgated/$DEV/state {\"time\":\"2024-03-31T07:27:24Z\",\"status\":1,\"ac_voltage\":224.8," "$T/sub.out"
check "state of the logger on pvgated/$LOGGER/state" \
    grep -q "^pvgated/$LOGGER/state {\"time\":\"[-0-9T:]*Z\",\"signal\":100,\"data_interval\":300,\"collect_interval\":60,\"heartbeat_interval\":120}\$" "$T/sub.out"
check "availability: pvgated/status is online (retained)" \
    sh -c "[ \"\$(mosquitto_sub -p $MP -t pvgated/status -C 1 -W 3)\" = online ]"

sed -n 's|^\(homeassistant/sensor/[^ ]*/config\) .*|\1|p' "$T/sub.out" |
    sort -u > "$T/configs"
check "discovery: one config per metric of each device" \
    sh -c "[ \$(wc -l < '$T/configs') -ge 34 ] &&
    grep -qx homeassistant/sensor/$DEV/ac_power/config '$T/configs' &&
    grep -qx homeassistant/sensor/$DEV/pv4_energy_total/config '$T/configs' &&
    grep -qx homeassistant/sensor/$LOGGER/signal/config '$T/configs'"
sed -n 's|^homeassistant/sensor/[^ ]*/config ||p' "$T/sub.out" > "$T/payloads"
check "discovery: every config is valid JSON with the expected keys" \
    jq -e -s 'length >= 34 and all(.[]; (.name | type) == "string" and
    (.unique_id | startswith("pvgated_")) and
    (.state_topic | test("^pvgated/[A-Za-z0-9_-]+/state$")) and
    (.value_template | test("^\\{\\{ value_json\\.[a-z0-9_]+ ")) and
    .availability_topic == "pvgated/status" and .qos == 1 and
    (.device.identifiers | length) == 1 and (.device.name | length) > 0)' \
    "$T/payloads"
sed -n "s|^homeassistant/sensor/$DEV/ac_power/config ||p" "$T/sub.out" |
    head -1 > "$T/acp"
check "discovery: ac_power has unit, device_class, state_class" \
    jq -e --arg d "$DEV" '.unit_of_measurement == "W" and
    .device_class == "power" and .state_class == "measurement" and
    .value_template == "{{ value_json.ac_power | default(\u0027\u0027) }}" and
    .unique_id == "pvgated_\($d)_ac_power" and
    .state_topic == "pvgated/\($d)/state"' "$T/acp"
check "discovery: the inverter's device has model, firmware, via_device" \
    jq -e --arg d "$DEV" --arg l "$LOGGER" '.device.identifiers ==
    ["pvgated_\($d)"] and .device.name == $d and
    .device.model == "TSOL-MS2000(600)" and .device.sw_version == "V4.0.10"
    and .device.via_device == "pvgated_\($l)"' "$T/acp"
check "discovery: temperature in °C, energy total_increasing" \
    sh -c "grep '^homeassistant/sensor/$DEV/temperature/config' '$T/sub.out' |
    grep -q '\"unit_of_measurement\":\"°C\",\"device_class\":\"temperature\"' &&
    grep '^homeassistant/sensor/$DEV/energy_total/config' '$T/sub.out' |
    grep -q '\"unit_of_measurement\":\"kWh\",\"device_class\":\"energy\",\"state_class\":\"total_increasing\"'"
check "discovery configs are retained" \
    sh -c "mosquitto_sub -p $MP -t homeassistant/sensor/$DEV/ac_power/config -C 1 -W 3 | jq -e .unique_id"

n1=$(grep -c "^homeassistant/sensor/$DEV/ac_power/config " "$T/sub.out")
mosquitto_pub -p "$MP" -q 1 -t homeassistant/status -m online
check "Home Assistant's birth message brings the discovery again" \
    waitn 5 sh -c "[ \$(grep -c '^homeassistant/sensor/$DEV/ac_power/config ' '$T/sub.out') -gt $n1 ]"

EXP=$(children | while read -r p; do
	grep -q exporter "/proc/$p/cmdline" 2>/dev/null && echo "$p"; done)
check "exporter with MQTT: seccomp filter loaded" \
    grep -Eq '^Seccomp:[[:space:]]+2$' "/proc/$EXP/status"
check "exporter with MQTT: chrooted in the state directory" \
    test "$(readlink "/proc/$EXP/root")" = "$T/state"
check "the spool is the user's, mode 0600" \
    test "$(stat -c '%U %a' "$T/state/spool/queue")" = "_pvgated 600"

# the broker goes away under steady traffic, and comes back
N=80
gen 1 $N
$PVSIM -l steady -p "$SP" $(steps 1 $N 100) > "$T/steady.out" 2>&1 &
SIMPID=$!
sleep 2
broker_stop
sleep 3
broker_start || nok "mosquitto restarted"
wait "$SIMPID"
SIMPID=
check "steady traffic: every device ack came back, broker or not" \
    sh -c "[ \$(grep -c '^ok - ' '$T/steady.out') -eq $N ] &&
    ! grep -q '^not ok' '$T/steady.out'"
waitn 45 has_time $N
produced | grep -v '^2024-03-31T07:27:24Z$' > "$T/produced"
delivered | grep -v '^2024-03-31T07:27:24Z$' > "$T/delivered"
P=$(wc -l < "$T/produced")
D=$(wc -l < "$T/delivered")
M=$(comm -23 "$T/produced" "$T/delivered" | wc -l)
ALL=$(grep -c "^pvgated/$DEV/state " "$T/sub.out")
echo "# steady traffic: $P records produced, $D delivered, $M missing," \
    "$((ALL - D - 1)) duplicates"
check "steady traffic: $P records produced" test "$P" -eq $N
check "steady traffic: none missing after the broker came back" \
    test "$M" -eq 0
check "the outage was noticed and the spool used" \
    sh -c "grep -q 'mqtt: connection to 127.0.0.1:$MP lost' '$T/stderr' &&
    [ \$(grep -c 'mqtt: connected to 127.0.0.1:$MP' '$T/stderr') -ge 2 ]"

# the broker freezes, so records stay unacknowledged in flight, then
# dies: what was in flight is sent again
gen 101 160
$PVSIM -l frozen -p "$SP" $(steps 101 160 100) > "$T/frozen.out" 2>&1 &
SIMPID=$!
sleep 1.5
kill -STOP "$BPID"
sleep 2
kill -KILL "$BPID"
{ wait "$BPID"; } 2> /dev/null
BPID=
broker_start || nok "mosquitto restarted"
wait "$SIMPID"
SIMPID=
waitn 45 has_time 160
F=$(count_delivered 101 160)
FALL=$(sed -n "s|^pvgated/$DEV/state ||p" "$T/sub.out" | jq -r .time |
    sort | uniq -c | awk -v lo="$(ktime 101)" -v hi="$(ktime 160)" \
    '$2 >= lo && $2 <= hi { n += $1 } END { print n + 0 }')
echo "# broker frozen then killed: 60 records produced, $F delivered," \
    "$((60 - F)) missing, $((FALL - F)) duplicates"
check "frozen broker: every device ack came back" \
    sh -c "[ \$(grep -c '^ok - ' '$T/frozen.out') -eq 60 ]"
check "frozen broker: records in flight were sent again, none missing" \
    test "$F" -eq 60

# a full spool: the oldest dropped and counted, the newest kept
gen 1001 1300
broker_stop
$PVSIM -l flood -p "$SP" $(steps 1001 1300 0) > "$T/flood.out" 2>&1
check "spool full: devices still acked" \
    sh -c "[ \$(grep -c '^ok - ' '$T/flood.out') -eq 300 ]"
check "spool full: the drops are logged" \
    waitn 3 grep -q 'mqtt: spool full: dropped the [0-9]* oldest records' \
    "$T/stderr"
broker_start || nok "mosquitto restarted"
check "spool full: the newest record arrives" waitn 45 has_time 1300

# the spool survives a restart of the gateway
gen 2001 2005
broker_stop
$PVSIM -l restart -p "$SP" $(steps 2001 2005 0) > /dev/null 2>&1
kill -TERM "$GWPID"
gw_wait_exit 10
check "SIGTERM with records in the spool: exit 0" test "$GWRC" = 0
DROPPED=$(sed -n 's/.*mqtt: .* \([0-9]*\) dropped when it was full.*/\1/p' \
    "$T/stderr" | tail -1)
K=$(count_delivered 1001 1300)
echo "# spool of 64K full: 300 records produced, $K delivered," \
    "${DROPPED:-?} dropped"
check "spool full: delivered + dropped = produced" \
    test "$((K + ${DROPPED:-0}))" -eq 300 -a "$K" -gt 0 -a "${DROPPED:-0}" -gt 0
check "spool full: what was dropped is the oldest" \
    test "$(count_delivered $((1301 - K)) 1300)" -eq "$K"
mv "$T/stderr" "$T/stderr.1"
broker_start || nok "mosquitto restarted"
gw_start "$T/pvgated.conf" || exit 1
check "the spool from before the restart is sent" \
    waitn 20 all_delivered 2001 2005

# SIGHUP: a new topic prefix applies at once
# (rewritten in place: Landlock knows the file by its inode)
sed 's/^client_id = pvgated-test$/&\ntopic_prefix = pvtest/' \
    "$T/pvgated.conf" > "$T/pvgated.conf.new"
cat "$T/pvgated.conf.new" > "$T/pvgated.conf"
kill -HUP "$GWPID"
waitn 5 grep -q "configuration reloaded" "$T/stderr"
$PVSIM -l reload -p "$SP" \
    send:$VEC/08-data-ind-4210-02b0.hex expect:$VEC/09-data-rsp-1210.hex \
    > /dev/null
check "SIGHUP: records on the new topic prefix" \
    waitn 10 grep -q "^pvtest/$DEV/state {\"time\":" "$T/sub.out"
kill -TERM "$GWPID"
gw_wait_exit 10
mv "$T/stderr" "$T/stderr.restarted"

# TLS: the broker's certificate checked against the CA file and its
# name; a user with a password from a file
(
	cd "$T" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=pvgated-test-ca
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout srv.key -out srv.csr -subj /CN=localhost
	printf 'subjectAltName=DNS:localhost\n' > srv.ext
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -out srv.pem -days 2 -extfile srv.ext
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -keyout other.key -out other.pem -days 2 -subj /CN=other
) > "$T/openssl.log" 2>&1
printf 'pvgated:s3cret\n' > "$T/passwd"
mosquitto_passwd -U "$T/passwd" 2> /dev/null
printf 's3cret\n' > "$T/mqtt.secret"
chmod 600 "$T/mqtt.secret"
cat > "$T/tls.conf" <<EOC
listener $TP localhost
cafile $T/ca.pem
certfile $T/srv.pem
keyfile $T/srv.key
allow_anonymous false
password_file $T/passwd
user root
log_dest file $T/broker-tls.log
EOC
mosquitto -c "$T/tls.conf" 2>> "$T/broker.err" &
TBPID=$!
waitn 5 sh -c "ss -ltn 'sport = :$TP' | grep -q LISTEN"
mosquitto_sub -h localhost -p "$TP" --cafile "$T/ca.pem" -u pvgated \
    -P s3cret -q 1 -v -t 'pvgated/#' > "$T/tsub.out" 2>&1 &
TSUBPID=$!

tls_conf()
{
	# tls_conf HOST CAFILE
	write_conf "$T/pvgated.conf" "$SP" $((SP + 1))
	cat >> "$T/pvgated.conf" <<EOC

[mqtt]
host = $1
port = $TP
tls = on
ca_file = $2
user = pvgated
password_file = $T/mqtt.secret
EOC
}

# a CA file of many certificates goes to the exporter in pieces
cat /etc/ssl/certs/ca-certificates.crt "$T/ca.pem" > "$T/bundle.pem" \
    2> /dev/null || cp "$T/ca.pem" "$T/bundle.pem"
tls_conf localhost "$T/bundle.pem"
gw_start "$T/pvgated.conf" || exit 1
$PVSIM -l tls -p "$SP" \
    send:$VEC/08-data-ind-4210-02b0.hex expect:$VEC/09-data-rsp-1210.hex \
    > /dev/null
check "TLS and password: the record arrives" \
    waitn 10 grep -q "^pvgated/$DEV/state {\"time\":\"2024-03-31T07:27:24Z\"" \
    "$T/tsub.out"
kill -TERM "$GWPID"
gw_wait_exit 10

mv "$T/stderr" "$T/stderr.tls"
tls_conf 127.0.0.1 "$T/ca.pem"
gw_start "$T/pvgated.conf" || exit 1
check "TLS: a certificate for another name is refused" \
    waitn 10 grep -q "mqtt: cannot connect to 127.0.0.1:$TP" "$T/stderr"
kill -TERM "$GWPID"
gw_wait_exit 10

mv "$T/stderr" "$T/stderr.tlsname"
tls_conf localhost "$T/other.pem"
gw_start "$T/pvgated.conf" || exit 1
check "TLS: a broker the CA file does not vouch for is refused" \
    waitn 10 grep -q "mqtt: cannot connect to 127.0.0.1:$TP" "$T/stderr"
check "TLS refused: never connected" \
    sh -c "! grep -q 'mqtt: connected' '$T/stderr'"
kill -TERM "$GWPID"
gw_wait_exit 10
check "SIGTERM: exit 0" test "$GWRC" = 0

kill "$TBPID" "$TSUBPID" 2>/dev/null
wait "$TBPID" 2>/dev/null
TSUBPID=
exit 0
