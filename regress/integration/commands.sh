#!/bin/sh
#
# Owners' commands end to end, through the real processes and a real
# mosquitto broker.  First the decoder alone (decsim): commands sent
# straight over its imsg channels are refused unless allowed.  Then a
# gateway with a simulated device of every protocol that has commands:
# a Home Assistant-style mosquitto_pub on <prefix>/<device>/set/<command>
# (or pvgatectl send) reaches each device as the exact frame, the
# device's answer comes back on <prefix>/<device>/result and as an
# event on stdout; refused commands never reach a device (its
# simulator reads nothing, the decoder built no frame); a device that
# is not connected is waited for, then refused; discovery announces the
# allowed commands only, every key one that Home Assistant's MQTT
# number, switch and button document.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mqttlib.sh"
setup_system
for c in mosquitto mosquitto_sub mosquitto_pub jq; do
	if ! command -v $c > /dev/null 2>&1; then
		nok "$c is installed (sh etc/deps.sh)"
		exit 1
	fi
done

SIMDIR=$TOP/regress/integration
DECSIM=$SIMDIR/decsim
HMSIM=$SIMDIR/hmsim
RSCPD=$SIMDIR/rscpd
GEN3SIM=$SIMDIR/gen3sim
G3=$TOP/regress/vectors/tsun-gen3
V5=Y17E7A0F010B013E
LOGGER=2070233889	# the V5 inverter's logger (0x7b654321), a device too
ABSENT=Y170000000000002
G3DEV=R170000000000001
DTU=4143A0123456
INV=116412340001
S10=S10-7412345678
KEY=e2e-Rscp-Key-31
RUSER=owner-e2e@example.org
PW=Pw-e2e-7c1d-x
TZ=Europe/Berlin
export TZ
# an at_block list of 122 characters, and an AT line of 62 that it
# blocks: the refusal's reason has 208 characters
LONGBLOCK="AT+UPURL, AT+SUPDATE, AT+WEBU, AT+WEBVER, AT+WSKEY, AT+WSSSID, \
AT+WAP, AT+WANN, AT+WMODE, AT+NDBGS, AT+RELD, AT+FCLR, AT+Z"
LONGAT="AT+FCLR=please-wipe-every-setting-back-to-the-factory-defaults"
LONGWHY="at $LONGAT: blocked (at_block $LONGBLOCK)"
BPID=
SUBPID=
HMPID=
RSPID=
SIMPID=
# the simulators, the broker and the gateway, each at most once
stop_all()
{
	for p in $SIMPID $HMPID $RSPID $SUBPID $BPID; do
		kill "$p" 2>/dev/null
	done
	SIMPID= HMPID= RSPID= SUBPID= BPID=
	cleanup
}
trap stop_all EXIT
trap 'trap - EXIT; stop_all; exit 1' INT TERM

ctl()
{
	"$PVGATECTL" -s "$CTLSOCK" "$@"
}

pub()
{
	mosquitto_pub -p "$MP" -q 1 -t "pvgated/$1/set/$2" -m "$3"
}

# the events on stdout, as JSON objects, one a line
events()
{
	jq -c 'select(.kind == "event")' "$T/stdout" 2> /dev/null
}

nevents()
{
	events | grep -c .
}

# events_at N: wait until there are N events
events_at()
{
	waitn 20 sh -c "[ \$(jq -c 'select(.kind == \"event\")' \
	    '$T/stdout' 2>/dev/null | grep -c .) -ge $1 ]"
}

# event N: the Nth event
event()
{
	events | sed -n "$1p"
}

# disc COMPONENT: the discovery configs of that component, one a line
disc()
{
	sed -n "s|^homeassistant/$1/[^ ]*/config ||p" "$T/sub.out"
}

# has N JQ: the Nth event satisfies JQ
has()
{
	event "$1" | jq -e "$2" > /dev/null
}

# 1. the decoder alone, played at by a compromised exporter and pvgated
"$DECSIM" -D "$TOP/decoder/pvgate-decoder" -V "$VEC" > "$T/decsim" 2>&1
cat "$T/decsim"

# 2. the gateway, its broker and the devices that dial or are dialled
# seven ports in a row that no socket has
free_ports()
{
	_p=$(free_port)
	_i=0
	while [ $_i -lt 7 ]; do
		if port_busy $((_p + _i)); then
			_p=$((_p + _i + 1))
			_i=0
		else
			_i=$((_i + 1))
		fi
	done
	echo "$_p"
}
SP=$(free_ports)
MP=$((SP + 2))
GP=$((SP + 3))
DP=$((SP + 4))
EP=$((SP + 5))
HP=$((SP + 6))
broker "$MP" || { nok "mosquitto started"; exit 1; }
mosquitto_sub -p "$MP" -q 1 -v -t 'pvgated/#' -t 'homeassistant/#' \
    > "$T/sub.out" 2> "$T/sub.err" &
SUBPID=$!

printf 'rscp_key = %s\nuser = %s\npassword = %s\n' "$KEY" "$RUSER" "$PW" \
    > "$T/e3dc.secrets"
chown 0:0 "$T/e3dc.secrets"
chmod 600 "$T/e3dc.secrets"
write_conf "$T/pvgated.conf" "$SP" $((SP + 1)) "timezone = Europe/Berlin
idle_timeout = 120"
cat >> "$T/pvgated.conf" <<EOC

[tsun-gen3]
listen = 127.0.0.1:$GP

[hoymiles]
listen = 127.0.0.1:$HP

[e3dc-rscp]
connect = 127.0.0.1:$EP
secrets = $T/e3dc.secrets
interval = 2

[device $V5]
protocol = solarman-v5
allow = modbus_write, at, power_limit
command_wait = 2

[device $LOGGER]
protocol = solarman-v5
allow = modbus_write, at
command_rate = 2
timeout = 5000

[device $ABSENT]
protocol = solarman-v5
allow = power_limit
command_wait = 2
at_block = $LONGBLOCK

[device $G3DEV]
protocol = tsun-gen3
allow = power_limit, modbus_write

[device $DTU]
protocol = hoymiles
client = 127.0.0.1:$DP
interval = 30
allow = power_limit, reboot

[device $INV]
protocol = hoymiles
allow = inverter_on, inverter_off

[device $S10]
protocol = e3dc-rscp
allow = power_limits, weather_regulated_charge, smart_switch

[mqtt]
host = 127.0.0.1
port = $MP
client_id = pvgated-commands
EOC
"$PVGATED" -n -f "$T/pvgated.conf" > "$T/n.out" 2> "$T/n.err"
check "-n: the allow lists printed as the protocols name them" sh -c \
    "grep -qx 'configuration OK' '$T/n.err' &&
    grep -qx 'allow = power_limit, modbus_write, at' '$T/n.out' &&
    grep -qx 'allow = inverter_on, inverter_off' '$T/n.out' &&
    grep -qx 'command_wait = 2' '$T/n.out'"
sed 's/^allow = power_limit, reboot$/allow = power_limit, at/' \
    "$T/pvgated.conf" > "$T/bad.conf"
check "-n: a command the protocol does not have, with its line" sh -c \
    "! '$PVGATED' -n -f '$T/bad.conf' 2> '$T/bad.err' &&
    grep -q 'bad.conf:[0-9]*: allow: at: not a command of hoymiles' \
    '$T/bad.err'"

$HMSIM -s -l dtu -p "$DP" -n 2 -k 3 -e 0 -w 60 > "$T/hmsim" 2>&1 &
HMPID=$!
"$RSCPD" -p "$EP" -k "$KEY" -u "$RUSER" -w "$PW" -t 120 > "$T/rscpd" 2>&1 &
RSPID=$!
wait_for "$T/rscpd" "listening on" || nok "rscpd started"
gw_start "$T/pvgated.conf" -v || exit 1
check "the gateway connects to the broker" \
    waitn 10 grep -q "mqtt: connected to 127.0.0.1:$MP" "$T/stderr"

# 3. GEN3PLUS: a Modbus write from MQTT is the proxy's vector 30
$PVSIM -l v5-write -p "$SP" \
    send:$VEC/01-device-ind-4110.hex expect:$VEC/02-device-rsp-1110.hex \
    send:$VEC/08-data-ind-4210-02b0.hex expect:$VEC/09-data-rsp-1210.hex \
    command:$VEC/30-modbus-cmd-4510-write-2008.hex echo silence:4000 \
    > "$T/v5a" 2>&1 &
SIMPID=$!
waitn 10 grep -q "09-data-rsp-1210.hex" "$T/v5a"
pub "$V5" modbus_write "0x2008 0"
events_at 1
# refused, on the same connection: none may reach the logger
pub "$V5" power_limit 150
pub "$V5" at "AT+UPURL=http://fw.example/x.bin"
pub "$V5" modbus_read "0x3000 48"
pub "$V5" reboot PRESS
pub "$V5" power_limit -1
events_at 6
wait "$SIMPID"
SIMPID=
cat "$T/v5a"
check "solarman-v5 modbus_write: the logger's echo is ok" \
    has 1 ".device == \"$V5\" and .protocol == \"solarman-v5\" and
    .attributes == {event: \"command\", source: \"mqtt\",
    command: \"modbus_write\", argument: \"0x2008 0x0000\",
    result: \"ok\", reason: \"written: 0x2008=0x0000\"} and
    (.metrics.latency | type) == \"number\" and (.peer | startswith(\"127.0.0.1:\"))"
check "solarman-v5 modbus_write: its result on pvgated/$V5/result" \
    grep -q "^pvgated/$V5/result {\"time\":\"[-0-9T:]*Z\",\"source\":\"mqtt\",\"command\":\"modbus_write\",\"argument\":\"0x2008 0x0000\",\"result\":\"ok\",\"reason\":\"written: 0x2008=0x0000\",\"latency\":[0-9]*}$" \
    "$T/sub.out"
check "refused: a power limit of 150 %, with the reason" \
    has 2 '.attributes.result == "refused" and .attributes.argument ==
    "150" and (.attributes.reason |
    startswith("power_limit 150: not a percentage"))'
check "refused: a firmware update by AT (at_block)" \
    has 3 '.attributes.result == "refused" and
    (.attributes.reason | test("blocked \\(at_block AT\\+UPURL"))'
check "refused: a command not in allow, the reason whole" \
    has 4 '.attributes.result == "refused" and .attributes.reason ==
    "modbus_read is not allowed (allow = power_limit, modbus_write, at)"'
check "refused: a command the protocol does not have" \
    has 5 '.attributes.result == "refused" and
    .attributes.reason == "reboot: no such command for solarman-v5"'
check "refused: a power limit of -1 %" \
    has 6 '.attributes.result == "refused" and
    (.attributes.reason | startswith("power_limit -1: not a"))'
check "refused commands: the logger read nothing" \
    grep -q "^ok - v5-write: silence" "$T/v5a"
check "refused commands: their results on the result topic" \
    test "$(grep -c "^pvgated/$V5/result .*\"result\":\"refused\"" \
    "$T/sub.out")" -ge 5
check "refused commands: logged with the reason" \
    grep -q "command power_limit 150 for $V5 from mqtt refused: power_limit 150: not a" \
    "$T/stderr"

# 4. pvgatectl send: the AT command of vector 26, the logger's +ok
$PVSIM -l v5-at -p "$SP" \
    send:$VEC/01-device-ind-4110.hex expect:$VEC/02-device-rsp-1110.hex \
    send:$VEC/08-data-ind-4210-02b0.hex expect:$VEC/09-data-rsp-1210.hex \
    command:$VEC/26-at-cmd-4510.hex send:$VEC/28-at-rsp-1510.hex \
    silence:1500 > "$T/v5b" 2>&1 &
SIMPID=$!
waitn 10 grep -q "09-data-rsp-1210.hex" "$T/v5b"
ctl send "$V5" at "AT+TIME=214028,1,60,120" > "$T/send.out" 2> "$T/send.err"
SENDRC=$?
ctl send "$V5" modbus_write 0x2008 > "$T/send2.out" 2> "$T/send2.err"
SEND2RC=$?
ctl -j send "$V5" power_limit 101 > "$T/send3.out" 2> "$T/send3.err"
wait "$SIMPID"
SIMPID=
cat "$T/v5b"
check "pvgatectl send at: ok, the logger's answer, exit 0" sh -c \
    "[ $SENDRC = 0 ] && grep -Eqx 'ok: \\+ok \\([0-9]+ ms\\)' '$T/send.out'"
check "pvgatectl send at: the event says source ctl" \
    has 7 '.attributes.source == "ctl" and .attributes.command == "at" and
    .attributes.result == "ok" and .attributes.reason == "+ok"'
check "pvgatectl send: a refusal, exit 1, the reason on stderr" sh -c \
    "[ $SEND2RC = 1 ] && grep -q 'refused: modbus_write needs a value' \
    '$T/send2.err'"
check "pvgatectl -j send: the refusal as JSON" jq -e \
    '.result == "failed" and (.message |
    startswith("refused: power_limit 101: not a percentage"))' "$T/send3.out"

# 5. an HA number's payload: power limit 50 %, register 0x202c = 512
$PVSIM -l v5-limit -p "$SP" \
    send:$VEC/01-device-ind-4110.hex expect:$VEC/02-device-rsp-1110.hex \
    send:$VEC/08-data-ind-4210-02b0.hex expect:$VEC/09-data-rsp-1210.hex \
    command:$SIMDIR/cmd-v5-power-limit-50.hex echo > "$T/v5c" 2>&1 &
SIMPID=$!
waitn 10 grep -q "09-data-rsp-1210.hex" "$T/v5c"
N=$(nevents)
pub "$V5" power_limit 50.0
events_at $((N + 1))
wait "$SIMPID"
SIMPID=
cat "$T/v5c"
check "solarman-v5 power_limit 50.0: written 0x202c=0x0200" \
    has $((N + 1)) '.attributes.command == "power_limit" and
    .attributes.argument == "50" and .attributes.result == "ok" and
    .attributes.reason == "written: 0x202c=0x0200"'

# 6. the logger, named by its serial: a command it never answers ends
# in a timeout, one in flight at a time, then the next goes out; at
# most command_rate (2) a minute, the third refused
$PVSIM -l v5-rate -p "$SP" \
    send:$VEC/01-device-ind-4110.hex expect:$VEC/02-device-rsp-1110.hex \
    send:$VEC/08-data-ind-4210-02b0.hex expect:$VEC/09-data-rsp-1210.hex \
    command:$VEC/30-modbus-cmd-4510-write-2008.hex \
    command:$SIMDIR/cmd-v5-write-2008-seq4.hex echo \
    await:$T/rate-refused silence:300 > "$T/v5d" 2>&1 &
SIMPID=$!
waitn 10 grep -q "09-data-rsp-1210.hex" "$T/v5d"
N=$(nevents)
pub "$LOGGER" modbus_write "0x2008 0"
waitn 20 grep -q "command: 30-modbus-cmd-4510-write-2008.hex" "$T/v5d"
pub "$LOGGER" at "AT+TIME=214028,1,60,120"
events_at $((N + 2))
pub "$LOGGER" modbus_write "0x2008 0"
events_at $((N + 3))
pub "$LOGGER" modbus_write "0x2008 0"
events_at $((N + 4))
touch "$T/rate-refused"
wait "$SIMPID"
SIMPID=
cat "$T/v5d"
check "in flight: a second command is refused, busy" \
    has $((N + 1)) ".device == \"$LOGGER\" and
    .attributes.command == \"at\" and .attributes.result == \"refused\"
    and .attributes.reason == \"busy: modbus_write is in flight\""
check "no answer: result timeout after the device's timeout" \
    has $((N + 2)) ".device == \"$LOGGER\" and
    .attributes.command == \"modbus_write\" and
    .attributes.result == \"timeout\" and
    .attributes.reason == \"no answer within 5000 ms\" and
    .metrics.latency >= 5000"
check "no answer: the timeout on pvgated/$LOGGER/result, with latency" \
    grep -Eq "^pvgated/$LOGGER/result \\{.*\"command\":\"modbus_write\".*\"result\":\"timeout\",\"reason\":\"no answer within 5000 ms\",\"latency\":(5[0-9]{3}|[6-9][0-9]{3}|[0-9]{5,})\\}$" \
    "$T/sub.out"
check "no answer: the timeout logged" \
    grep -q "command modbus_write 0x2008 0x0000 for $LOGGER from mqtt: timeout: no answer within 5000 ms" \
    "$T/stderr"
check "after the timeout the next command goes out, answered" \
    has $((N + 3)) '.attributes.result == "ok" and
    .attributes.reason == "written: 0x2008=0x0000"'
check "the next command: the frame byte for byte, the echo sent" sh -c \
    "grep -q '^ok - .*command: cmd-v5-write-2008-seq4.hex byte-exact' \
    '$T/v5d' && grep -q '^ok - .*echo' '$T/v5d'"
check "command_rate 2: the third in a minute refused, with the reason" \
    has $((N + 4)) '.attributes.command == "modbus_write" and
    .attributes.result == "refused" and
    .attributes.reason == "more than 2 commands a minute" and
    .metrics.latency == 0'
check "command_rate: the refusal on the result topic" \
    grep -q "^pvgated/$LOGGER/result .*\"result\":\"refused\",\"reason\":\"more than 2 commands a minute\"" \
    "$T/sub.out"
check "command_rate: the refusal logged" \
    grep -q "command modbus_write 0x2008 0 for $LOGGER from mqtt refused: more than 2 commands a minute" \
    "$T/stderr"
check "command_rate: the logger read nothing after the refusal" \
    grep -q "^ok - v5-rate: silence" "$T/v5d"

# 7. a logger that never came: waited for (command_wait 2 s), refused
N=$(nevents)
pub "$ABSENT" power_limit 40
events_at $((N + 1))
check "not connected: refused after command_wait" \
    has $((N + 1)) '.attributes.result == "refused" and
    .attributes.reason == "not connected (waited 2 s)" and
    .metrics.latency >= 2000'

# 7b. a long reason (208 characters) is carried whole: on stdout, on
# the result topic, in the log
N=$(nevents)
pub "$ABSENT" at "$LONGAT"
events_at $((N + 1))
check "a refusal's long reason on stdout, whole (${#LONGWHY} characters)" \
    has $((N + 1)) ".attributes.result == \"refused\" and
    .attributes.argument == \"$LONGAT\" and
    .attributes.reason == \"$LONGWHY\""
long_result()
{
	waitn 10 grep -q "^pvgated/$ABSENT/result .*\"argument\":\"$LONGAT\"" \
	    "$T/sub.out" &&
	    sed -n "s|^pvgated/$ABSENT/result ||p" "$T/sub.out" | jq -e -s \
	    --arg why "$LONGWHY" 'any(.[]; .reason == $why)' > /dev/null
}
check "a refusal's long reason on the result topic, whole" long_result
check "a refusal's long reason in the log, whole" \
    grep -qF "refused: $LONGWHY" "$T/stderr"

# 8. GEN3: once the heartbeat is acked, power_limit and vector 38
$GEN3SIM -l g3 -p "$GP" \
    send:$G3/01-contact-info-ind.hex expect:$G3/02-contact-info-rsp.hex \
    send:$G3/15-heartbeat-ind.hex expect:$G3/17-heartbeat-rsp.hex \
    poll:$SIMDIR/cmd-g3-power-limit-50.hex \
    send:$SIMDIR/cmd-g3-power-limit-50-echo.hex \
    poll:$G3/38-modbus-cmd-write-2008.hex \
    send:$G3/40-modbus-rsp-write-echo.hex \
    send:$G3/27-inverter-data-ind.hex expect:$G3/26-inverter-data-rsp.hex \
    send:$G3/24-inverter-info-ind.hex expect:$G3/26-inverter-data-rsp.hex \
    send:$SIMDIR/g3-27-coeff-512.hex expect:$G3/26-inverter-data-rsp.hex \
    silence:500 > "$T/g3" 2>&1 &
SIMPID=$!
waitn 10 grep -q "17-heartbeat-rsp.hex" "$T/g3"
N=$(nevents)
pub "$G3DEV" power_limit 50
events_at $((N + 1))
pub "$G3DEV" modbus_write "8200 0"
events_at $((N + 2))
wait "$SIMPID"
SIMPID=
cat "$T/g3"
check "tsun-gen3 power_limit 50: the stick's echo is ok" \
    has $((N + 1)) ".device == \"$G3DEV\" and .protocol == \"tsun-gen3\"
    and .attributes.result == \"ok\" and
    .attributes.reason == \"written: 0x202c=0x0200\""
check "tsun-gen3 modbus_write 8200 0: vector 38, answered by vector 40" \
    has $((N + 2)) '.attributes.argument == "0x2008 0x0000" and
    .attributes.result == "ok"'
# the output coefficient (0x3200, vector 27: 1024, 100 %) is the power
# limit: under the stick's serial (the [device]) until vector 24 names
# the inverter, then under the inverter's serial, via the stick (the
# limit written above, 512 = 50 %: vector 27 with that one value).  The
# number of the [device] follows it: announced again with the
# inverter's state topic, where its value_template finds 50.
G3INV=T170000000000001
# the last value of power_limit on device $1's state topic ($2: first)
g3_state()
{
	sed -n "s|^pvgated/$1/state ||p" "$T/sub.out" |
	    jq -r 'select(has("power_limit")) | .power_limit' |
	    ${2:-tail} -n 1
}
# the number of $G3DEV: its first and last discovery config
g3_disc()
{
	disc number | jq -c -s --arg d "$G3DEV" 'map(select(.unique_id ==
	    "pvgated_\($d)_power_limit")) | '"$1"
}
g3_moved()
{
	[ "$(g3_disc 'first.state_topic')" = "\"pvgated/$G3DEV/state\"" ] &&
	    [ "$(g3_disc 'last.state_topic')" = "\"pvgated/$G3INV/state\"" ] &&
	    [ "$(g3_disc 'last.command_topic')" = \
	    "\"pvgated/$G3DEV/set/power_limit\"" ]
}
# what HA's number shows: the value_template (value_json.power_limit)
# over the last message with the value on its last config's state topic
g3_number()
{
	_st=$(g3_disc 'last | select(.value_template |
	    test("value_json.power_limit")) | .state_topic' | tr -d '"')
	sed -n "s|^$_st ||p" "$T/sub.out" |
	    jq -r 'select(has("power_limit")) | .power_limit' | tail -n 1
}
waitn 10 sh -c "grep -q '^pvgated/$G3INV/state .*power_limit' '$T/sub.out'"
check "tsun-gen3: power_limit 100 on the stick's state before vector 24" \
    test "$(g3_state "$G3DEV" head)" = 100
check "tsun-gen3: after vector 24, power_limit 50 on $G3INV's state" \
    test "$(g3_state "$G3INV")" = 50
check "tsun-gen3: the number of $G3DEV announced again, state of $G3INV" \
    g3_moved
check "tsun-gen3: the number's state topic and template give 50" \
    test "$(g3_number)" = 50

# 9. Hoymiles, on the DTU the gateway polls: as hoymiles-wifi sends
waitn 20 grep -q "served: 2 of 2\|package 1 answered" "$T/hmsim"
N=$(nevents)
pub "$DTU" power_limit 50
events_at $((N + 1))
pub "$INV" inverter OFF
events_at $((N + 2))
pub "$DTU" reboot PRESS
events_at $((N + 3))
wait "$HMPID"
HMPID=
cat "$T/hmsim"
check "hoymiles power_limit 50: 0xA305, action 8, A:500,B:0,C:0" grep -q \
    'command: 0xa305 seq [0-9]* action 8 dev_kind 0 package_nub 1 tid=time mi_to_sn - data A:500,B:0,C:0?$' \
    "$T/hmsim"
check "hoymiles inverter OFF (HA's switch): 0x2305 action 7 for $INV" \
    grep -q "command: 0x2305 seq [0-9]* action 7 dev_kind 1 package_nub 1 tid=time mi_to_sn $INV data -" \
    "$T/hmsim"
check "hoymiles reboot: 0x2305 action 1" grep -q \
    'command: 0x2305 seq [0-9]* action 1 dev_kind 0 package_nub 1 tid=time mi_to_sn - data -' \
    "$T/hmsim"
hm_answers()
{
	events | sed -n "$((N + 1)),$((N + 3))p" | jq -e -s 'length == 3 and
	    all(.[]; .attributes.result == "ok" and
	    (.attributes.reason | startswith("accepted, action ")))' &&
	    events | sed -n "$((N + 2))p" | jq -e --arg inv "$INV" \
	    '.device == $inv and .attributes.command == "inverter_off"'
}
check "hoymiles: the DTU's answers are ok" hm_answers
# the DTU's power limit, read with 0xA309 after each poll cycle and
# after each power_limit: on the state topic the HA number reads, as
# its value_template takes it (value_json.power_limit)
hm_limits()
{
	sed -n "s|^pvgated/$DTU/state ||p" "$T/sub.out" |
	    jq -r 'select(has("power_limit")) | .power_limit' | uniq |
	    tr '\n' ' '
}
check "hoymiles: 0xA309 after the poll, and after power_limit" sh -c \
    "grep -q '^ok - dtu: config: 0xa309 seq [0-9]*, limit 1000\$' \
    '$T/hmsim' && grep -q '^ok - dtu: config: 0xa309 seq [0-9]*, limit 500\$' \
    '$T/hmsim'"
check "hoymiles: pvgated/$DTU/state carries power_limit 100, then 50" \
    test "$(hm_limits)" = "100 50 "

# 10. E3/DC: python-e3dc's tags and types, between two polls
waitn 15 grep -q "poll answered" "$T/rscpd"
N=$(nevents)
ctl send "$S10" power_limits on 3000 4000 65 > "$T/e3a" 2>&1
pub "$S10" weather_regulated_charge ON
events_at $((N + 2))
ctl send "$S10" smart_switch 3 off > "$T/e3c" 2>&1
check "e3dc power_limits on 3000 4000 65: EMS_REQ_SET_POWER_SETTINGS" \
    grep -q 'command 0100008c 0e 0029 000100010101000102010001070400a00f000001010001070400b80b00000301000107040041000000$' \
    "$T/rscpd"
check "e3dc weather_regulated_charge ON: UChar8 1" grep -q \
    'command 0100008c 0e 0008 0501000103010001$' "$T/rscpd"
check "e3dc smart_switch 3 off: HA_REQ_COMMAND_ACTUATOR" grep -q \
    'command 09000040 0e 0013 030080090502000300410000090d03006f6666$' \
    "$T/rscpd"
e3_answers()
{
	grep -q '^ok: done' "$T/e3a" && grep -q '^ok: switched' "$T/e3c" &&
	    events | sed -n "$((N + 2))p" | jq -e '.attributes.command ==
	    "weather_regulated_charge" and .attributes.result == "ok"'
}
check "e3dc: the E3/DC's answers are ok" e3_answers
# the settings the commands set, read back with EMS_GET_POWER_SETTINGS
# in the polls: on the S10's state topic, which the HA switch reads
e3_values()
{
	sed -n "s|^pvgated/$S10/state ||p" "$T/sub.out" |
	    jq -r "select(has(\"$1\")) | .$1" | uniq | tr '\n' ' '
}
waitn 10 sh -c "sed -n 's|^pvgated/$S10/state ||p' '$T/sub.out' |
    grep -q '\"weather_regulated_charge\":1'"
check "e3dc: weather_regulated_charge 0, then 1 on pvgated/$S10/state" \
    test "$(e3_values weather_regulated_charge)" = "0 1 "
check "e3dc: power_limits on 3000 4000 65 read back" sh -c \
    "[ \"\$(sed -n 's|^pvgated/$S10/state ||p' '$T/sub.out' | jq -c \
    'select(has(\"power_limits_used\")) | [.power_limits_used,
    .max_charge_power, .max_discharge_power, .discharge_start_power]' |
    tail -n 1)\" = '[1,3000,4000,65]' ]"
# what HA's switch shows: its template over the last message with the
# value on its state topic: 1 is ON
e3_switch()
{
	_c=$(disc switch | jq -c --arg s "$S10" 'select(.command_topic ==
	    "pvgated/\($s)/set/weather_regulated_charge")' | tail -n 1)
	[ "$(echo "$_c" | jq -r .state_topic)" = "pvgated/$S10/state" ] &&
	    echo "$_c" | jq -e '.value_template | test("value_json.weather_regulated_charge")' > /dev/null &&
	    [ "$(e3_values weather_regulated_charge | awk '{ print $NF }')" = 1 ]
}
check "e3dc: the HA switch reads it from pvgated/$S10/state: ON" e3_switch

# 11. discovery: the allowed commands, key by key as Home Assistant
# documents the MQTT number, switch and button
DOC_COMMON='["availability","availability_topic","availability_mode",
    "availability_template","command_template","command_topic","device",
    "device_class","enabled_by_default","encoding","entity_category","icon",
    "json_attributes_template","json_attributes_topic","name","object_id",
    "optimistic","origin","payload_available","payload_not_available","qos",
    "retain","unique_id","value_template","state_topic"]'
DOC_NUMBER='["min","max","mode","payload_reset","step",
    "unit_of_measurement"]'
DOC_SWITCH='["payload_off","payload_on","state_off","state_on"]'
DOC_BUTTON='["payload_press"]'
DOC_DEVICE='["configuration_url","connections","hw_version","identifiers",
    "manufacturer","model","name","serial_number","suggested_area",
    "sw_version","via_device"]'
keys_ok()
{
	disc "$1" | jq -e -s --argjson common "$DOC_COMMON" \
	    --argjson own "$2" --argjson dev "$DOC_DEVICE" 'length > 0 and
	    all(.[]; (keys - $common - $own) == [] and
	    (.device | keys - $dev) == [] and
	    (.command_topic | test("^pvgated/[A-Za-z0-9_-]+/set/[a-z_]+$")) and
	    .availability_topic == "pvgated/status" and .qos == 1 and
	    .retain == false)'
}
check "discovery: every number key is one HA documents" \
    keys_ok number "$DOC_NUMBER"
check "discovery: every switch key is one HA documents" \
    keys_ok switch "$DOC_SWITCH"
check "discovery: every button key is one HA documents" \
    keys_ok button "$DOC_BUTTON"
numbers_ok()
{
	disc number | jq -r -s 'map(.unique_id) | unique | join(" ")' |
	    grep -qx "pvgated_${DTU}_power_limit pvgated_${G3DEV}_power_limit pvgated_${ABSENT}_power_limit pvgated_${V5}_power_limit" &&
	    disc number | jq -e -s 'all(.[]; .min == 0 and .max == 100 and
	    .step == 1 and .unit_of_measurement == "%")'
}
number_state()
{
	disc number | jq -e -s --arg v5 "$V5" 'map(select(.unique_id ==
	    "pvgated_\($v5)_power_limit"))[0] | .state_topic ==
	    "pvgated/\($v5)/state" and
	    (.value_template | test("value_json.power_limit"))' &&
	    disc number | jq -e -s --arg dtu "$DTU" 'map(select(.unique_id ==
	    "pvgated_\($dtu)_power_limit"))[0] | .state_topic ==
	    "pvgated/\($dtu)/state" and
	    (.value_template | test("value_json.power_limit"))'
}
switches_ok()
{
	disc switch | jq -r -s 'map(.command_topic) | unique | join(" ")' |
	    grep -qx "pvgated/$INV/set/inverter pvgated/$S10/set/weather_regulated_charge" &&
	    disc switch | jq -e -s 'all(.[]; .payload_on == "ON" and
	    .payload_off == "OFF")'
}
button_ok()
{
	disc button | jq -e -s --arg dtu "$DTU" '(map(.command_topic) |
	    unique) == ["pvgated/\($dtu)/set/reboot"] and
	    all(.[]; .payload_press == "PRESS")'
}
joins_device()
{
	disc number | jq -e -s --arg v5 "$V5" 'map(select(.unique_id ==
	    "pvgated_\($v5)_power_limit")) | any(.device.model ==
	    "TSOL-MS2000(600)" and .device.identifiers == ["pvgated_\($v5)"])'
}
check "discovery: the numbers are the power limits, 0..100 %" numbers_ok
check "discovery: a limit the device reports comes from its state" \
    number_state
check "discovery: the switches, ON and OFF" switches_ok
check "discovery: the button, PRESS to reboot the DTU" button_ok
check "discovery: nothing for raw commands (at, modbus_write, ...)" sh -c \
    "! grep -Eq '^homeassistant/[a-z]+/[^/]+/(at|modbus_write|modbus_read|power_limits|smart_switch)/config ' '$T/sub.out'"
check "discovery: the inverter's power limit joins its sensors' device" \
    joins_device

# 12. the decoder built a frame for the commands sent, nothing else:
# solarman-v5 replies = 4 connections x 2 acks + 5 commands
check "counters: solarman-v5 frames built = acks + commands sent" sh -c \
    "[ \"\$('$PVGATECTL' -s '$CTLSOCK' -j counters | jq -r '.protocols[] |
    select(.protocol == \"solarman-v5\") | .decoder_replies')\" = 13 ]"
all_events()
{
	events | jq -e -s --argjson n "$(nevents)" 'length == $n and
	    all(.[]; .kind == "event" and (.attributes | .event == "command"
	    and has("source") and has("command") and has("result")) and
	    (.metrics.latency | type) == "number")'
}
check "every event is on stdout with its keys" all_events

kill -TERM "$GWPID"
gw_wait_exit 10
check "SIGTERM: exit 0" test "$GWRC" = 0
exit 0
