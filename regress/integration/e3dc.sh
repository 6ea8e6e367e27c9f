#!/bin/sh
#
# E3/DC RSCP end to end: pvgated dials a test E3/DC (rscpd) on
# loopback through the connector; the decoder authenticates with the
# secrets only it holds, asks the system info once, polls every second
# (power values, EMS status, battery and modules, PV strings, grid
# phases in one frame), and the records arrive on stdout, checked
# value by value.  Then a wrong password (refused, tried again on the same
# connection after 2 s, then 4 s) and a wrong key (the E3/DC hangs up;
# dialled again after 1, 2, 4 s), each with its own log line.  Before
# that, pvgated -n on secrets files that are not root's alone.

. "$(dirname "$0")/lib.sh"
setup_system

RSCPD=$TOP/regress/integration/rscpd
KEY=e2e-Rscp-Key-31
RUSER=owner-e2e@example.org
PW=Pw-e2e-7c1d-x
SERIAL=S10-7412345678
SRV=
EP=$(free_port)
SECRETS=$T/e3dc.secrets

trap '[ -n "$SRV" ] && kill "$SRV" 2>/dev/null; cleanup' EXIT INT TERM

# server KEY USER PASSWORD LOG: a test E3/DC on EP
server()
{
	"$RSCPD" -p "$EP" -k "$1" -u "$2" -w "$3" -t 60 > "$4" 2>&1 &
	SRV=$!
	wait_for "$4" "listening on" || nok "rscpd started"
}

server_stop()
{
	kill "$SRV" 2>/dev/null
	wait "$SRV" 2>/dev/null
	SRV=
}

gw_up()
{
	mkdir -p "$T/state"
	: > "$T/stdout"
	"$PVGATED" -d -v -f "$T/pvgated.conf" > "$T/stdout" 2> "$T/stderr" &
	GWPID=$!
	wait_for "$T/stderr" "e3dc-rscp e3dc-rscp: connected to" ||
	    nok "the connector dialled the E3/DC"
}

gw_stop()
{
	kill -TERM "$GWPID"
	gw_wait_exit 10
	check "$1: orderly shutdown" [ "$GWRC" = 0 ]
	grep -q "lost child" "$T/stderr" && nok "$1: no child lost"
	GWPID=
}

# lines LOG PATTERN N SECONDS: wait until PATTERN is in N lines of LOG
lines()
{
	i=0
	while [ $i -lt $(($4 * 20)) ]; do
		[ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# gaps LOG PATTERN: seconds between the lines of LOG with PATTERN
gaps()
{
	grep -- "$2" "$1" | awk 'NR > 1 { printf "%.1f\n", $1 - t } { t = $1 }'
}

# between X LO HI: LO <= X <= HI
between()
{
	awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'
}

# mem_has PID STRING: does the process's writable memory hold STRING?
mem_has()
{
	grep -E '^[0-9a-f]+-[0-9a-f]+ rw' "/proc/$1/maps" |
	    while read -r range rest; do
		s=$((0x${range%-*}))
		e=$((0x${range#*-}))
		dd if="/proc/$1/mem" bs=4096 skip=$((s / 4096)) \
		    count=$(((e - s) / 4096)) 2>/dev/null
	done | grep -q -a -F -- "$2"
}

gw_conf "$T/pvgated.conf" 30
cat >> "$T/pvgated.conf" <<EOC

[e3dc-rscp]
connect = 127.0.0.1:$EP
secrets = $SECRETS
interval = 1
EOC
printf '# test E3/DC\nrscp_key = %s\nuser = %s\npassword = %s\n' "$KEY" \
    "$RUSER" "$PW" > "$SECRETS"
chown 0:0 "$SECRETS"

# pvgated -n and the secrets file
refused()
{
	"$PVGATED" -n -f "$T/pvgated.conf" > /dev/null 2> "$T/n.err" &&
	    return 1
	grep -qF "$T/pvgated.conf:13: secrets $SECRETS: $1" "$T/n.err"
}
chmod 640 "$SECRETS"
check "-n refuses a secrets file the group may read" \
    refused "group or others have access (mode 0640, want 0600)"
chmod 604 "$SECRETS"
check "-n refuses a secrets file others may read" \
    refused "group or others have access (mode 0604, want 0600)"
chmod 600 "$SECRETS"
chown nobody "$SECRETS"
check "-n refuses a secrets file that is not root's" \
    refused "owned by uid $(id -u nobody), not by root"
chown 0 "$SECRETS"
printf 'rscp_key = %s\nuser = %s\n' "$KEY" "$RUSER" > "$T/short"
chmod 600 "$T/short"
sed "s|^secrets = .*|secrets = $T/short|" "$T/pvgated.conf" > "$T/short.conf"
check "-n refuses a secrets file without a password" sh -c \
    "! '$PVGATED' -n -f '$T/short.conf' > /dev/null 2> '$T/short.err' &&
    grep -qF 'secrets $T/short: want rscp_key, user and password' \
    '$T/short.err'"
"$PVGATED" -n -f "$T/pvgated.conf" > "$T/n.out" 2> "$T/n.err"
check "-n takes a root-only secrets file" grep -qx "configuration OK" \
    "$T/n.err"
check "-n prints the dialled device and the secrets file" sh -c \
    "grep -qx 'client = 127.0.0.1:$EP' '$T/n.out' &&
    grep -qx 'secrets = $SECRETS' '$T/n.out' &&
    grep -qx 'interval = 1' '$T/n.out'"
check "-n prints no secret" sh -c "! grep -qF -e '$PW' -e '$KEY' \
    -e '$RUSER' '$T/n.out' '$T/n.err'"
check "the printout parses again" sh -c \
    "'$PVGATED' -n -f '$T/n.out' > /dev/null 2>&1"
sed "s|^connect = .*|connect = 192.0.2.30|" "$T/pvgated.conf" > "$T/p.conf"
check "-n: the port defaults to 5033" sh -c "'$PVGATED' -n -f '$T/p.conf' \
    2>/dev/null | grep -qx 'client = 192.0.2.30:5033'"
sed "s|^connect = .*|listen = 127.0.0.1:$EP|" "$T/pvgated.conf" > "$T/p.conf"
check "-n refuses listen in [e3dc-rscp]" sh -c "! '$PVGATED' -n -f \
    '$T/p.conf' 2>&1 | grep -q 'configuration OK' && '$PVGATED' -n -f \
    '$T/p.conf' 2>&1 | grep -qF 'p.conf:12: listen: e3dc-rscp is dialled'"
grep -v "^secrets" "$T/pvgated.conf" > "$T/p.conf"
check "-n wants secrets" sh -c "'$PVGATED' -n -f '$T/p.conf' 2>&1 |
    grep -qF '[e3dc-rscp] needs connect = HOST[:PORT] and secrets = FILE'"

# 1. the right secrets: values on stdout, every second
server "$KEY" "$RUSER" "$PW" "$T/rscpd1"
gw_up
lines "$T/stdout" '"kind":"measurement","protocol":"e3dc-rscp"' 4 8 ||
    nok "measurements arrive"
check "authenticated at user level 10" \
    grep -q "authentication of $RUSER: user level 10" "$T/rscpd1"
# the system info, once: one device record
grep '"kind":"device","protocol":"e3dc-rscp"' "$T/stdout" > "$T/device"
check "one device record on the one connection" [ "$(wc -l < "$T/device")" = 1 ]
DEV="\"device\":\"$SERIAL\",\"peer\":\"127.0.0.1:$EP\","
DEV="$DEV\"metrics\":{\"pv_peak_power\":9870,\"battery_capacity\":13},"
DEV="$DEV\"attributes\":{\"model\":\"S10 E Compact\","
DEV="$DEV\"serial\":\"$SERIAL\",\"firmware\":\"S10_2024_044\"}}"
check "device record: peak power, battery capacity; model, serial, release" \
    grep -qF "$DEV" "$T/device"

# every poll: the fast values, then the detail, value by value
grep '"kind":"measurement","protocol":"e3dc-rscp"' "$T/stdout" |
    sed -n '1s/.*"metrics":{\(.*\)}}$/\1/p' | tr ',' '\n' > "$T/metrics"
# has NAME VALUE...: the first measurement has these, in this order
has()
{
	what=$1
	shift
	want=
	while [ $# -gt 1 ]; do
		want="$want\"$1\":$2
"
		shift 2
	done
	printf '%s' "$want" > "$T/want"
	check "measurement: $what" sh -c "grep -F -x -f '$T/want' \
	    '$T/metrics' | cmp -s - '$T/want'"
}
has "vector 13's values, unchanged" battery_soc 93 solar_power 3613 \
    additional_power 9698 battery_power -507 house_power 1632 \
    grid_power -66 wallbox_power 11131 self_consumption 99.81 autarky 99.85
has "EMS status 0x06: discharging locked; emergency power not active" \
    battery_charge_locked 0 battery_discharge_locked 1 \
    emergency_power_state 2
has "battery: voltage, current (charging: negative), cycles, SOH" \
    battery_voltage 52.3 battery_current -9.69 battery_cycles 364 \
    battery_soh 89.65
has "two modules: SOH and the hottest sensor" battery_module1_soh 95.9 \
    battery_module1_temperature 32 battery_module2_soh 94.1 \
    battery_module2_temperature 31.25
has "two strings: DC power, voltage, current" pv1_power 2013 \
    pv1_voltage 402.6 pv1_current 5 pv2_power 1600 pv2_voltage 380.9 \
    pv2_current 4.2
has "grid meter phases (import positive; they add up to grid_power)" \
    grid_l1_power -120 grid_l2_power 31 grid_l3_power 23 \
    grid_l1_voltage 230.1 grid_l2_voltage 229.4 grid_l3_voltage 231
check "measurement: 32 values, none else" [ "$(wc -l < "$T/metrics")" = 32 ]
check "every poll the same record" sh -c "grep \
    '\"kind\":\"measurement\",\"protocol\":\"e3dc-rscp\"' '$T/stdout' |
    sed 's/^{\"time\":\"[^\"]*\"//' | sort -u | wc -l | grep -qx 1"
g=$(gaps "$T/rscpd1" "poll answered" | sort -n | sed -n '1p;$p' | tr '\n' ' ')
check "polled every second on one connection ($g)" sh -c \
    "[ \$(grep -c accept '$T/rscpd1') = 1 ] &&
    awk -v a='$g' 'BEGIN { split(a, x, \" \"); exit !(x[1] >= 0.8 &&
    x[2] <= 1.6) }'"
check "no dump" sh -c "[ -z \"\$(cat '$T'/state/dump/*.jsonl 2>/dev/null)\" ]"

# the secrets: in the decoder alone
DEC=$(pgrep -P "$GWPID" -f "pvgate-decoder")
check "the decoder holds the password" mem_has "$DEC" "$PW"
for p in $(gw_pids); do
	[ "$p" = "$DEC" ] && continue
	name=$(tr '\0' ' ' < "/proc/$p/cmdline" | sed 's/[: ].*//')
	if mem_has "$p" "$PW" || mem_has "$p" "$KEY"; then
		nok "$name (pid $p) holds neither password nor key"
	else
		ok "$name (pid $p) holds neither password nor key"
	fi
done

# SIGHUP: pvgated cannot read the secrets again; the decoder keeps them
kill -HUP "$GWPID"
wait_for "$T/stderr" "configuration reloaded" || nok "reloaded"
server_stop
server "$KEY" "$RUSER" "$PW" "$T/rscpd2"
lines "$T/rscpd2" "poll answered" 2 10 || nok "polled after the reload"
check "after a reload and a new connection, authenticated again" \
    grep -q "authentication of $RUSER: user level 10" "$T/rscpd2"
gw_stop "right secrets"
server_stop
check "no secret in stdout, the log or dumps" sh -c "! cat '$T/stdout' \
    '$T/stderr' '$T'/state/dump/*.jsonl 2>/dev/null |
    grep -qF -e '$PW' -e '$KEY'"

# 2. a wrong password: refused, tried again after 2 s, then 4 s
server "$KEY" "$RUSER" "not-$PW" "$T/rscpd3"
gw_up
lines "$T/rscpd3" "user level 0" 3 10 || nok "three attempts"
check "wrong password: the log says so" grep -q \
    "decoder: e3dc-rscp 127.0.0.1:$EP: authentication refused (user level 0): wrong user or password; trying again in 2 s" \
    "$T/stderr"
check "wrong password: next wait 4 s" grep -q \
    "authentication refused (user level 0): wrong user or password; trying again in 4 s" \
    "$T/stderr"
g=$(gaps "$T/rscpd3" "user level 0" | head -2 | tr '\n' ' ')
check "wrong password: attempts 2 s, then 4 s apart ($g)" sh -c \
    "awk -v a='$g' 'BEGIN { split(a, x, \" \"); exit !(x[1] >= 1.8 &&
    x[1] <= 2.8 && x[2] >= 3.8 && x[2] <= 4.8) }'"
check "wrong password: on the one connection" \
    [ "$(grep -c accept "$T/rscpd3")" = 1 ]
check "wrong password: not taken for a wrong key" sh -c \
    "! grep -q 'wrong rscp_key' '$T/stderr'"
check "wrong password: no values" sh -c \
    "! grep -q '\"protocol\":\"e3dc-rscp\"' '$T/stdout'"
gw_stop "wrong password"
server_stop

# 3. a wrong key: the E3/DC hangs up; dialled again after 1, 2, 4 s
server "other-$KEY" "$RUSER" "$PW" "$T/rscpd4"
gw_up
lines "$T/rscpd4" "accept" 4 12 || nok "four connections"
check "wrong key: the E3/DC could not decrypt" \
    grep -q "close: request does not decrypt" "$T/rscpd4"
check "wrong key: the log says so" grep -q \
    "decoder: e3dc-rscp 127.0.0.1:$EP: connection closed before the answer to authentication: wrong rscp_key?" \
    "$T/stderr"
check "wrong key: not taken for a wrong password" sh -c \
    "! grep -q 'wrong user or password' '$T/stderr'"
g=$(gaps "$T/rscpd4" "accept" | head -3 | tr '\n' ' ')
check "wrong key: dialled again after 1, 2, 4 s ($g)" sh -c \
    "awk -v a='$g' 'BEGIN { split(a, x, \" \"); exit !(x[1] >= 0.8 &&
    x[1] <= 1.8 && x[2] >= 1.8 && x[2] <= 2.8 && x[3] >= 3.8 &&
    x[3] <= 4.8) }'"
check "wrong key: the connector's backoff in the log" sh -c \
    "grep -q 'e3dc-rscp e3dc-rscp: connection closed (closed by peer); again in 4 s' '$T/stderr'"
gw_stop "wrong key"
server_stop
exit 0
