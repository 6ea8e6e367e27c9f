#!/bin/sh
#
# The control socket, end to end: a gateway with a listener for every
# listening protocol and a connector, a simulated device of each, and
# pvgatectl.  The figures must be exactly what the simulators sent:
# frames and bytes per listener and protocol, replies, records on
# stdout, the devices by serial, protocol and peer, a live connection.
# JSON (jq) and OpenMetrics (a strict parser) must parse; a reload of a
# broken file keeps serving and names the line; a user outside the
# group is refused, a member is not.

. "$(dirname "$0")/lib.sh"
setup_system

G3=$TOP/regress/vectors/tsun-gen3
AV=$TOP/regress/vectors/alphaess
APV=$TOP/regress/vectors/apsystems-ecu
OUTSIDER=pvgt-out$$
MEMBER=pvgt-in$$
SIMPID=
# the simulators' clocks and the gateway's zone
TZ=Europe/Berlin
export TZ

trap '[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null
userdel "$OUTSIDER" 2>/dev/null; userdel "$MEMBER" 2>/dev/null
cleanup' EXIT INT TERM

ctl()
{
	"$PVGATECTL" -s "$CTLSOCK" "$@"
}

# the bytes of hex files
hexbytes()
{
	cat "$@" | tr -d ' \n\r\t' | wc -c | awk '{ print $1 / 2 }'
}

# JQ FILTER: on the JSON counters
cj()
{
	ctl -j counters | jq -r "$1"
}

lcount()
{
	cj ".listeners[] | select(.listener == \"$1\") | .$2"
}

pcount()
{
	cj ".protocols[] | select(.protocol == \"$1\") | .$2"
}

# same NAME WANT COMMAND...: COMMAND prints WANT, within 5 s
same()
{
	_name=$1
	_want=$2
	shift 2
	_i=0
	while [ $_i -lt 50 ]; do
		_got=$("$@" 2>&1)
		[ "$_got" = "$_want" ] && { ok "$_name: $_want"; return 0; }
		sleep 0.1
		_i=$((_i + 1))
	done
	nok "$_name: $_want (got $_got)"
}

SP=$(free_port)
CP=$((SP + 1))
GP=$((SP + 2))
AP=$((SP + 3))
EP=$((SP + 4))
HP=$((SP + 5))
DP=$((SP + 6))	# the connector dials it; nobody answers
write_conf "$T/pvgated.conf" "$SP" "$CP" "timezone = Europe/Berlin"
cat >> "$T/pvgated.conf" <<EOC

[tsun-gen3]
listen = 127.0.0.1:$GP

[alphaess]
listen = 127.0.0.1:$AP

[apsystems-ecu]
listen = 127.0.0.1:$EP

[hoymiles]
listen = 127.0.0.1:$HP

[device DEV1]
protocol = capture
client = 127.0.0.1:$DP
EOC
gw_start "$T/pvgated.conf" || exit 1
for p in tsun-gen3 alphaess apsystems-ecu hoymiles; do
	wait_for "$T/stderr" "accepting $p" || nok "listener for $p started"
done

# 1. the socket: root's, the group's, nobody else's
check "socket: mode 0660, owner root, group _pvgated" \
    test "$(stat -c '%a %U %G' "$CTLSOCK")" = "660 root _pvgated"

# 2. status: every process, listener and the connector
ctl -j status > "$T/status.json"
check "status -j: valid JSON" jq -e . "$T/status.json"
want=$(echo $GWPID $(children) | tr ' ' '\n' | sort -n | tr '\n' ' ')
got=$(jq -r '.processes[].pid' "$T/status.json" | sort -n | tr '\n' ' ')
check "status: the pids of all 10 processes, as ps has them" \
    test "$got" = "$want" -a "$(echo $got | wc -w)" -eq 10
check "status: 6 listeners with their ports and protocols" test \
    "$(jq -r '.listeners[] | "\(.port) \(.protocol)"' "$T/status.json" |
    tr '\n' ' ')" = "$SP solarman-v5 $CP capture $GP tsun-gen3 $AP alphaess $EP apsystems-ecu $HP hoymiles "
check "status: connections now 0 of max_connections 1024" test \
    "$(jq '[.listeners[] | select(.connections == 0 and .max_connections == 1024)] | length' "$T/status.json")" -eq 6
same "status: the connector's device, address and last error" \
    "DEV1 capture 127.0.0.1:$DP Connection refused" sh -c \
    "'$PVGATECTL' -s '$CTLSOCK' -j status | jq -r '.connectors[] | \"\\(.device) \\(.protocol) \\(.address) \\(.last_error)\"'"
check "status: MQTT not configured" \
    test "$(jq .mqtt.enabled "$T/status.json")" = false
ctl status > "$T/status.txt"
check "status: text has a line per process and listener" \
    test "$(grep -c -E "^(parent|decoder|exporter|connector|listener [0-9]+) +[0-9]+ " "$T/status.txt")" -eq 10 -a \
    "$(grep -c -E "^ *$SP +solarman-v5 +0 +1024 +32 +accepting" "$T/status.txt")" -eq 1

# 3. a device of every listening protocol; the frames each one sends
$PVSIM -l solarman -p "$SP" \
    send:$VEC/01-device-ind-4110.hex expect:$VEC/02-device-rsp-1110.hex \
    send:$VEC/24-heartbeat-ind-4710.hex \
    expect:$VEC/25-heartbeat-rsp-1710.hex \
    send:$VEC/08-data-ind-4210-02b0.hex \
    expect:$VEC/09-data-rsp-1210.hex > "$T/sims.log"
SMB=$(hexbytes $VEC/01-device-ind-4110.hex $VEC/24-heartbeat-ind-4710.hex \
    $VEC/08-data-ind-4210-02b0.hex)
$TOP/regress/integration/gen3sim -l gen3 -p "$GP" \
    send:$G3/01-contact-info-ind.hex expect:$G3/02-contact-info-rsp.hex \
    send:$G3/20-collector-data-ind.hex \
    expect:$G3/22-collector-data-rsp.hex \
    send:$G3/24-inverter-info-ind.hex expect:$G3/26-inverter-data-rsp.hex \
    send:$G3/27-inverter-data-ind.hex \
    expect:$G3/26-inverter-data-rsp.hex >> "$T/sims.log"
G3B=$(hexbytes $G3/01-contact-info-ind.hex $G3/20-collector-data-ind.hex \
    $G3/24-inverter-info-ind.hex $G3/27-inverter-data-ind.hex)
$TOP/regress/integration/aesim -l alphaess -p "$AP" \
    login:ALXXXXXXXXXXXXX:secret ok:2 \
    send:$AV/01-empty-1-1-0-battery.hex \
    expect:$AV/02-success-1-2-0-server.hex \
    push:80 expect:$AV/13-status-ok-1-2-16-server.hex >> "$T/sims.log"
$TOP/regress/integration/apssim -l ecu -p "$EP" \
    load:$APV/01-aps18-data-record-ecu-r-2inv.hex send:0:0 \
    expect:$APV/03-ema-reply-to-01-own-ts.hex >> "$T/sims.log"
APB=$(hexbytes $APV/01-aps18-data-record-ecu-r-2inv.hex)
$TOP/regress/integration/hmsim -l dtu -p "$HP" heartbeat:4660 \
    devdata:4661 upload:4662 >> "$T/sims.log"
$PVSIM -l capture -p "$CP" garbage:10 silence:200 >> "$T/sims.log"
check "simulators: every step ok" sh -c "! grep -q '^not ok' '$T/sims.log'"

# 4. the figures: frames sent = frames counted, by the listener of each
#    port and by the decoder for each protocol
for x in "$SP solarman-v5 3" "$GP tsun-gen3 4" "$AP alphaess 3" \
    "$EP apsystems-ecu 1" "$HP hoymiles 4"; do
	set -- $x
	same "counters: listener $1 frames" "$3" lcount "$1" listener_frames
	same "counters: $2 frames decoded" "$3" pcount "$2" decoder_frames
	same "counters: listener $1 replies, one per answer the device checked" \
	    "$3" lcount "$1" listener_replies
	same "counters: $2 replies built" "$3" pcount "$2" decoder_replies
	same "counters: listener $1 accepted 1 connection" 1 \
	    lcount "$1" listener_accepted
	same "counters: listener $1 closed 1 by peer" 1 \
	    lcount "$1" listener_closed.peer
done
same "counters: solarman-v5 bytes read = bytes of the vectors sent" "$SMB" \
    lcount "$SP" listener_bytes
same "counters: tsun-gen3 bytes read = bytes of the vectors sent" "$G3B" \
    lcount "$GP" listener_bytes
same "counters: apsystems-ecu bytes read = bytes of the vector sent" "$APB" \
    lcount "$EP" listener_bytes
for x in "$AP alphaess" "$HP hoymiles"; do
	set -- $x
	same "counters: $2: bytes read = bytes decoded" \
	    "$(pcount "$2" decoder_bytes)" lcount "$1" listener_bytes
done
same "counters: capture: 10 bytes read" 10 lcount "$CP" listener_bytes
same "counters: capture: all of it dumped" true \
    cj '.protocols[] | select(.protocol == "capture") | (.decoder_dumps >= 1)'
same "counters: no garbage anywhere" 0 \
    cj '[.listeners[].listener_garbage] | add'

# records on stdout = records counted, by the exporter and the decoder
wait_for "$T/stdout" '"protocol":"hoymiles"'
same "counters: records decoded = records on stdout" \
    "$(grep -c . "$T/stdout")" cj '[.protocols[].decoder_records] | add'
same "counters: records the exporter wrote to stdout = lines on stdout" \
    "$(grep -c . "$T/stdout")" cj '.gateway.exporter_stdout_records'
same "counters: records the exporter got = records decoded" \
    "$(cj '[.protocols[].decoder_records] | add')" \
    cj '.gateway.exporter_records'
for p in solarman-v5 tsun-gen3 alphaess apsystems-ecu hoymiles; do
	same "counters: $p records = its lines on stdout" \
	    "$(grep -c "\"protocol\":\"$p\"" "$T/stdout")" \
	    pcount "$p" decoder_records
done

# 5. devices: serials, protocols, collectors and peers
ctl -j devices > "$T/devices.json"
check "devices -j: valid JSON" jq -e . "$T/devices.json"
for x in "solarman-v5 2070233889 -" \
    "solarman-v5 Y17E7A0F010B013E 2070233889" \
    "tsun-gen3 R170000000000001 -" \
    "tsun-gen3 T170000000000001 R170000000000001" \
    "alphaess ALXXXXXXXXXXXXX -" \
    "apsystems-ecu 216000064136 -" \
    "apsystems-ecu 408000111178 216000064136" \
    "apsystems-ecu 806000011223 216000064136" \
    "hoymiles 4143A0987654 -" \
    "hoymiles 116412340001 4143A0987654" \
    "hoymiles 116412340002 4143A0987654"; do
	set -- $x
	got=$(jq -r --arg p "$1" --arg s "$2" '.devices[] |
	    select(.protocol == $p and .serial == $s) |
	    (if .via == "" then "-" else .via end) + " " +
	    (.peer | test("^127\\.0\\.0\\.1:[0-9]+$") | tostring)' \
	    "$T/devices.json" | tr '\n' ' ')
	check "devices: $1 $2 via $3 from 127.0.0.1" test "$got" = "$3 true "
done
check "devices: 11, no more" test "$(jq '.devices | length' "$T/devices.json")" -eq 11
check "devices: the logger held 3 frames and 3 replies" test "$(jq -r \
    '.devices[] | select(.serial == "2070233889") | "\(.frames) \(.replies)"' \
    "$T/devices.json")" = "3 3"
check "devices: the DTU held 4 frames, the battery 3" test "$(jq -r \
    '[.devices[] | select(.serial == "4143A0987654" or .serial ==
    "ALXXXXXXXXXXXXX") | .frames] | sort | map(tostring) | join(" ")' \
    "$T/devices.json")" = "3 4"
check "devices: the records of all = the records decoded" test \
    "$(jq '[.devices[].records] | add' "$T/devices.json")" -eq \
    "$(cj '[.protocols[].decoder_records] | add')"
ctl devices > "$T/devices.txt"
check "devices: text, the inverter behind its logger" grep -Eq \
    "^solarman-v5 +Y17E7A0F010B013E +2070233889 +- +127\.0\.0\.1:[0-9]+ " \
    "$T/devices.txt"

# 6. a live connection, with its device, peer and bytes
$PVSIM -l live -p "$SP" send:$VEC/01-device-ind-4110.hex \
    expect:$VEC/02-device-rsp-1110.hex sleep:30000 > "$T/live.log" &
SIMPID=$!
wait_for "$T/live.log" "^ok - live: 02-device" || nok "live: answered"
HBB=$(hexbytes $VEC/01-device-ind-4110.hex)
HBR=$(hexbytes $VEC/02-device-rsp-1110.hex)
same "connections: one, port, protocol, peer, frames, bytes in and out" \
    "$SP solarman-v5 true 1 $HBB $HBR" sh -c "'$PVGATECTL' -s '$CTLSOCK' \
    -j connections | jq -r '.connections[] | \"\\(.port) \\(.protocol) \\(.peer | test(\"^127.0.0.1:\")) \\(.frames) \\(.bytes_in) \\(.bytes_out)\"'"
same "connections: the decoder knows whom it speaks for" 2070233889 \
    sh -c "'$PVGATECTL' -s '$CTLSOCK' -j connections | jq -r '.connections[0].device'"
same "status: that listener has 1 connection now" 1 sh -c \
    "'$PVGATECTL' -s '$CTLSOCK' -j status | jq '.listeners[] | select(.port == $SP) | .connections'"
check "connections: text" sh -c "'$PVGATECTL' -s '$CTLSOCK' connections |
    grep -Eq '^ *$SP +solarman-v5 +2070233889 +127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:$SP '"
kill "$SIMPID" 2>/dev/null
wait "$SIMPID" 2>/dev/null
SIMPID=
same "connections: none once it hung up" 0 sh -c \
    "'$PVGATECTL' -s '$CTLSOCK' -j connections | jq '.connections | length'"

# 7. OpenMetrics, read by a strict parser
ctl counters -o openmetrics > "$T/metrics.txt"
cat > "$T/om.py" <<'EOF'
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
port = sys.argv[2]
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
f = fams["pvgated_listener_frames"]
assert f.type == "counter", f.type
v = [s.value for s in f.samples if s.name == "pvgated_listener_frames_total"
     and s.labels.get("listener") == port]
r = [s for s in fams["pvgated_process_resident_memory_bytes"].samples]
print(int(v[0]), len(r), len(fams))
EOF
check "openmetrics: parsed by prometheus_client's strict parser, ends in # EOF" \
    sh -c "/usr/bin/python3 '$T/om.py' '$T/metrics.txt' $SP > '$T/om.out' &&
    tail -n 1 '$T/metrics.txt' | grep -qx '# EOF'"
check "openmetrics: solarman-v5 frames 4 (3 and the live one), 10 processes" \
    grep -Eq '^4 10 [0-9]+$' "$T/om.out"
check "openmetrics: counters end in _total, gauges do not" sh -c \
    "grep -q '^pvgated_decoder_frames_total{protocol=\"hoymiles\"} 4\$' '$T/metrics.txt' &&
    grep -q '^pvgated_listener_connections{listener=\"$SP\",protocol=\"solarman-v5\"} 0\$' '$T/metrics.txt'"
ctl counters > "$T/counters.txt"
check "counters: text table per listener" grep -Eq \
    "^$HP hoymiles +0 +1 +4 +[0-9]+ +0 +4 " "$T/counters.txt"

# 8. reload: a good file, a broken one (kept, file:line), a new port
ctl reload > "$T/reload.out"
check "reload: exit 0, configuration reloaded" \
    grep -qx "configuration reloaded" "$T/reload.out"
cp "$T/pvgated.conf" "$T/good.conf"
echo "colour = blue" >> "$T/pvgated.conf"
ctl reload 2> "$T/reload.err"
rc=$?
check "reload: a broken file: exit 1" test "$rc" -eq 1
check "reload: says the file and line, the old configuration stays" grep -q \
    "configuration reload failed, keeping the old one: $T/pvgated.conf:[0-9]*: unknown key colour" \
    "$T/reload.err"
check "reload -j: valid JSON, result failed" \
    sh -c "'$PVGATECTL' -s '$CTLSOCK' -j reload | jq -e '.result == \"failed\"'"
$PVSIM -l "after a failed reload" -p "$SP" \
    send:$VEC/24-heartbeat-ind-4710.hex \
    expect:$VEC/25-heartbeat-rsp-1710.hex > "$T/after.log"
check "reload: the gateway still answers" grep -q "^ok - after" "$T/after.log"
sed "s/^listen = 127.0.0.1:$CP\$/listen = 127.0.0.1:$DP/" "$T/good.conf" \
    > "$T/pvgated.conf"
ctl reload > "$T/reload.out"
rc=$?
check "reload: a new port: exit 2, waits for a restart, says so" sh -c \
    "test $rc -eq 2 && grep -q 'ports take effect only when pvgated is restarted' '$T/reload.out'"
cp "$T/good.conf" "$T/pvgated.conf"

# 9. JSON on every command
for c in status devices connections counters reload; do
	check "$c -j: valid JSON" sh -c "'$PVGATECTL' -s '$CTLSOCK' -j $c | jq -e . > /dev/null"
done

# 10. who may connect: root, members of the group, nobody else
cp "$PVGATECTL" "$T/pvgatectl"
useradd -M -N -s /usr/sbin/nologin "$OUTSIDER" &&
    useradd -M -N -G _pvgated -s /usr/sbin/nologin "$MEMBER" ||
    nok "throwaway users made"
runuser -u "$OUTSIDER" -- "$T/pvgatectl" -s "$CTLSOCK" status \
    > /dev/null 2> "$T/outsider.err"
rc=$?
check "a user outside the group: refused, exit 1" test "$rc" -eq 1
check "a user outside the group: told who may" grep -q \
    "permission denied: only root and the members of group _pvgated may use it" \
    "$T/outsider.err"
check "a member of the group: answered" sh -c "runuser -u '$MEMBER' -- \
    '$T/pvgatectl' -s '$CTLSOCK' -j status | jq -e '.processes | length == 10'"
userdel "$OUTSIDER"
userdel "$MEMBER"
check "the throwaway users are gone" sh -c \
    "! getent passwd '$OUTSIDER' && ! getent passwd '$MEMBER'"
check "no socket: says so" sh -c "'$PVGATECTL' -s '$T/none.sock' status 2>&1 |
    grep -q 'no such socket: is pvgated running'"

# 11. a client that breaks the rules is dropped, the gateway runs on
cat > "$T/rogue.py" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(10)
if sys.argv[2] == "junk":
    s.sendall(b"\xff" * 64)
else:
    # IMSG_HELLO from pvgatectl (role 4) of imsg version 999
    s.sendall(struct.pack("=IIIIII", 1, 24, 0, 0, 999, 4))
out = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except ConnectionResetError:
    pass
print("closed", b"different builds" in out)
EOF
check "a client sending junk: hung up on" sh -c \
    "/usr/bin/python3 '$T/rogue.py' '$CTLSOCK' junk | grep -qx 'closed False'"
check "a client of another build: told so, hung up on" sh -c \
    "/usr/bin/python3 '$T/rogue.py' '$CTLSOCK' hello | grep -qx 'closed True'"
check "after them, pvgatectl is answered" sh -c \
    "'$PVGATECTL' -s '$CTLSOCK' -j status | jq -e '.processes | length == 10'"
check "the gateway ran on" kill -0 "$GWPID"
exit 0
