#!/bin/sh
#
# The connector: pvgated dials a device (a [device] section with
# client) instead of waiting for it.  A simulated device listening on
# loopback is dialled, its bytes arrive (here through capture, which
# dumps them), and when it hangs up or is not there the connector dials
# again after a backoff that doubles and starts over once a frame came.

. "$(dirname "$0")/lib.sh"
setup_system

DP=$(free_port)
gw_conf "$T/pvgated.conf" 30 "timezone = Europe/Berlin"
cat >> "$T/pvgated.conf" <<EOC

[capture]
limit = 100000

[device DEV1]
protocol = capture
client = localhost:$DP
EOC

check "pvgated -n prints the device" sh -c \
    "'$PVGATED' -n -f '$T/pvgated.conf' 2>/dev/null |
    grep -q '^client = localhost:$DP'"

printf '50 56 47 41 54 45 44 0a' > "$T/hello.hex"
printf '61 67 61 69 6e' > "$T/again.hex"

# the device is up before the gateway: dialled at once
$PVSIM -L -l device -p "$DP" accept:5000 send:$T/hello.hex sleep:300 \
    hangup accept:2500 send:$T/again.hex sleep:300 > "$T/sim1" 2>&1 &
SIM=$!
mkdir -p "$T/state"
"$PVGATED" -d -v -f "$T/pvgated.conf" > "$T/stdout" 2> "$T/stderr" &
GWPID=$!
wait $SIM
cat "$T/sim1"
check "connected log line" \
    grep -q "capture DEV1: connected to 127.0.0.1:$DP" "$T/stderr"
wait_for "$T/stderr" "capture DEV1: connection closed (closed by peer); again in 1 s"
check "after a frame, dialled again in 1 s" \
    grep -q "capture DEV1: connection closed (closed by peer); again in 1 s" \
    "$T/stderr"
i=0
while [ $i -lt 40 ] && [ "$(dumps | grep -c '"protocol":"capture"')" -lt 2 ]; do
	sleep 0.05
	i=$((i + 1))
done
check "the device's bytes are dumped, with the dialled peer" sh -c \
    "cat '$T'/state/dump/*.jsonl | grep '\"bytes\":\"505647415445440a\"' |
    grep -q '\"peer\":\"127.0.0.1:$DP\"'"
check "and those of the second connection" sh -c \
    "cat '$T'/state/dump/*.jsonl | grep -q '\"bytes\":\"616761696e\"'"
check "the dump's port is the device's" sh -c \
    "cat '$T'/state/dump/*.jsonl | grep -q '\"port\":$DP,'"

# nobody listening now: refused, and the wait doubles (1 s after the
# hangup, then 2 s, then 4 s)
wait_for "$T/stderr" "cannot connect to 127.0.0.1:$DP: Connection refused; again in 2 s"
check "refused: the wait doubles" \
    grep -q "cannot connect to 127.0.0.1:$DP: Connection refused; again in 2 s" \
    "$T/stderr"

# back again: the next dial (within 4 s) finds it
$PVSIM -L -l "device back" -p "$DP" accept:6000 send:$T/hello.hex \
    sleep:200

# local time inside the sandboxed decoder is Berlin's
want=$(TZ=Europe/Berlin date +%z | sed 's/^\([+-]\)0*\([0-9]*\)\([0-9][0-9]\)$/\1\2 \3/' |
    awk '{ h = $1 + 0; m = $2 + 0; s = (h < 0 ? -1 : 1) * (h * (h < 0 ? -1 : 1) * 3600 + m * 60); printf "%+d", s }')
check "decoder's local time zone is the configured one (UTC$want s)" \
    grep -q "decoder: local time zone CES*T, UTC$want s" "$T/stderr"

kill -TERM "$GWPID"
gw_wait_exit 10
check "orderly shutdown with a connector" [ "$GWRC" = 0 ]
grep -q "lost child" "$T/stderr" && nok "no child lost" || ok "no child lost"
exit 0
