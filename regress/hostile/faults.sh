#!/bin/sh
#
# regress/hostile/faults.sh [-long]: the gateway under faults, each on
# a gateway of its own, in a mount namespace of this script's own
# (unshare -m) so that small file systems can be mounted where the
# gateway writes:
#
#  - the decoder, then the exporter killed while frames stream in:
#    pvgated ends non-zero, and every line of stdout and of the dumps
#    is one whole JSON object (a last piece without its newline is
#    never one);
#  - the dump directory's disk full (a 64 KiB tmpfs): dumps are lost,
#    counted and logged, devices are still answered, no half line is
#    left, and dumps are written again once there is room;
#  - the MQTT spool's disk full (a small tmpfs, the broker frozen so
#    that records stay in the spool): records are lost, counted and
#    logged once, devices are still answered, the spool is written
#    again once there is room, and every record reaches the broker but
#    the ones counted lost;
#  - stdout closed by its reader: with nowhere else for records the
#    gateway says why and stops; with syslog too it goes on without
#    stdout, answering devices, without spinning;
#  - the wall clock set forward, then back, an hour while a device is
#    connected (date -s on this machine, set right again after from
#    the monotonic clock): replies carry the new time, the idle timeout
#    still takes its seconds, warnings still come once per 10 s.  Only
#    with -long (make hostile) or on CI (CI=true), where nothing else
#    runs beside the tests: other tests on a shared machine would see
#    the clock jump.

if [ -z "$FAULTS_NS" ]; then
	FAULTS_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/mqttlib.sh"
setup_system
for c in jq perl mosquitto mosquitto_sub mosquitto_pub; do
	command -v $c > /dev/null 2>&1 || { nok "$c is installed"; exit 1; }
done
LONG=0
[ "$1" = -long ] && LONG=1
VEC=$TOP/regress/vectors/solarman-v5
RECV=$TOP/regress/integration/logrecv
HB="send:$VEC/24-heartbeat-ind-4710.hex expect:$VEC/25-heartbeat-rsp-1710.hex"
DATA="send:$VEC/08-data-ind-4210-02b0.hex expect:$VEC/09-data-rsp-1210.hex"
BAD="send:$VEC/07-device-ind-invalid-checksum.hex"

# whole JSON lines only: the lines with their newline parse, one
# object each, and a last piece without one is no JSON object
whole_lines()
{
	[ -s "$1" ] || return 0
	perl -ne 'print if /\n\z/' "$1" | jq -e -c 'objects' > /dev/null ||
	    return 1
	perl -0777 -ne 'print $1 if /([^\n]+)\z/' "$1" > "$T/piece"
	[ -s "$T/piece" ] || return 0
	! jq -e . < "$T/piece" > /dev/null 2>&1
}

# wait_gone PID: until the process is gone, at most 10 s; else kill it
wait_gone()
{
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 200 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	kill "$1" 2>/dev/null && { nok "process $1 gone within 10 s"; return 1; }
	wait "$1" 2>/dev/null
	return 0
}

# utime + stime of a process, in clock ticks
cpu() { awk '{ print $14 + $15 }' /proc/$1/stat; }

restart()
{
	# restart CONF [args]: a gateway of its own for the next fault
	if [ -n "$GWPID" ] && kill -0 "$GWPID" 2>/dev/null; then
		kill -TERM "$GWPID"
		gw_wait_exit 10
	fi
	GWPID=
	rm -rf "$T/state/dump"/* "$T/stdout" "$T/stderr"
	gw_start "$@"
}

# headed CONF: a gateway whose stdout is read by head -n 1, which has
# its first record and is gone
headed()
{
	# no log of the gateway before: the shell truncates it only in
	# the child, after this one may have read it
	rm -f "$T/out" "$T/stderr"
	mkfifo "$T/out"
	"$PVGATED" -d -f "$1" > "$T/out" 2> "$T/stderr" &
	GWPID=$!
	head -n 1 < "$T/out" > "$T/first" &
	HEAD=$!
	wait_for "$T/stderr" "accepting solarman" &&
	    wait_for "$T/stderr" "accepting capture" || nok "gateway started"
	$PVSIM -l "first record" -p "$SP" $DATA
	wait_gone $HEAD
}

SP=$(free_port)
CP=$((SP + 1))
write_conf "$T/pvgated.conf" "$SP" "$CP"

# 1. a child killed while frames stream in
for victim in decoder exporter; do
	restart "$T/pvgated.conf" || exit 1
	$PVSIM -l "flood" -p "$SP" \
	    flood:$VEC/08-data-ind-4210-02b0.hex:5000 > /dev/null 2>&1 &
	SIM=$!
	$PVSIM -l "bad" -p "$SP" $BAD $BAD $BAD sleep:2000 \
	    > /dev/null 2>&1 &
	BADSIM=$!
	i=0
	while [ "$(wc -l < "$T/stdout")" -lt 200 ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	pid=$(pgrep -P "$GWPID" -f "pvgate-$victim")
	kill -KILL $pid
	if gw_wait_exit 5 && [ "$GWRC" != 0 ]; then
		ok "$victim killed mid-stream: pvgated exits non-zero"
	else
		nok "$victim killed mid-stream: pvgated exits non-zero ($GWRC)"
	fi
	kill $SIM $BADSIM 2>/dev/null
	wait $SIM $BADSIM 2>/dev/null
	check "$victim killed: $(wc -l < "$T/stdout") lines on stdout, all whole" \
	    whole_lines "$T/stdout"
	for f in "$T"/state/dump/*.jsonl; do
		[ -f "$f" ] || continue
		check "$victim killed: the dump's lines all whole" whole_lines "$f"
	done
	GWPID=
done

# 2. the dump directory's disk full, then room again
mkdir -p "$T/state/dump"
mount -t tmpfs -o size=64k tmpfs "$T/state/dump" ||
    { nok "a 64 KiB tmpfs for the dumps"; exit 1; }
restart "$T/pvgated.conf" || exit 1
$PVSIM -l "a dump while there is room" -p "$SP" $BAD $HB
D=$T/state/dump/$(date -u +%F).jsonl
wait_for "$D" 'bad checksum'
dd if=/dev/zero of="$T/state/dump/filler" bs=1k count=1024 2>/dev/null
n0=$(grep -c 'bad checksum' "$D")
# a dozen, more than the page the dump file has
$PVSIM -l "disk full: still answered" -p "$SP" $BAD $HB $BAD $BAD $BAD $BAD \
    $BAD $BAD $HB $BAD $BAD $BAD $BAD $BAD $BAD $HB
wait_for "$T/stderr" "dump: cannot write"
check "disk full: dumps lost, counted and logged with the reason" \
    grep -q "dump: cannot write; [0-9]* lost so far: No space left on device" \
    "$T/stderr"
check "disk full: logged once, not once per dump" \
    test "$(grep -c 'dump: cannot write' "$T/stderr")" -eq 1
check "disk full: no half line in the dump" whole_lines "$D"
rm -f "$T/state/dump/filler"
$PVSIM -l "room again" -p "$SP" $BAD $HB
i=0
while [ "$(grep -c 'bad checksum' "$D")" -le "$n0" ] && [ $i -lt 60 ]; do
	sleep 0.05
	i=$((i + 1))
done
check "room again: dumps are written again" \
    test "$(grep -c 'bad checksum' "$D")" -gt "$n0"
check "room again: every line of the dump whole" whole_lines "$D"
kill -TERM "$GWPID"
gw_wait_exit 10
GWPID=
umount "$T/state/dump"

# 3. the MQTT spool's disk full, then room again
DEV=Y17E7A0F010B013E
MP=$(port_from $((CP + 1)))
printf 'listener %s 127.0.0.1\nallow_anonymous true\nuser root\n' "$MP" \
    > "$T/broker.conf"
mosquitto -c "$T/broker.conf" > "$T/broker.log" 2>&1 &
BPID=$!
waitn 10 sh -c "ss -ltn 'sport = :$MP' | grep -q LISTEN"
mosquitto_sub -p "$MP" -q 1 -v -t 'pvgated/#' > "$T/sub.out" 2>&1 &
SUBPID=$!
trap 'kill -CONT $BPID; kill $SUBPID $BPID; cleanup' EXIT INT TERM
# the subscriber is there once it hears its own probe
waitn 10 sh -c "mosquitto_pub -p $MP -q 1 -t pvgated/probe -m probe &&
    grep -q '^pvgated/probe probe' '$T/sub.out'" || nok "mosquitto runs"
mkdir -p "$T/state/spool"
mount -t tmpfs -o size=256k tmpfs "$T/state/spool" ||
    { nok "a 256 KiB tmpfs for the spool"; exit 1; }
dd if=/dev/zero of="$T/state/spool/filler" bs=1k count=224 2>/dev/null
write_conf "$T/mqtt.conf" "$SP" "$CP"
printf '\n[mqtt]\nhost = 127.0.0.1\nport = %s\nspool_size = 1M\nkeepalive = 60\n' \
    "$MP" >> "$T/mqtt.conf"
restart "$T/mqtt.conf" || exit 1
wait_for "$T/stderr" "mqtt: connected to 127.0.0.1:$MP"
# frozen, the broker acknowledges nothing: records stay in the spool
kill -STOP $BPID
gen 1 210
$PVSIM -l full -p "$SP" $(steps 1 200 0) > "$T/full.out" 2>&1
check "spool disk full: every device ack came back" \
    test "$(grep -c '^ok - ' "$T/full.out")" -eq 200
wait_for "$T/stderr" "mqtt: spool: cannot write"
check "spool disk full: records lost, counted and logged with the reason" \
    grep -q "mqtt: spool: cannot write; [0-9]* records lost so far: No space left on device" \
    "$T/stderr"
check "spool disk full: logged once, not once per record" \
    test "$(grep -c 'mqtt: spool: cannot write' "$T/stderr")" -eq 1
rm -f "$T/state/spool/filler"
$PVSIM -l room -p "$SP" $(steps 201 210 0) > "$T/room.out" 2>&1
check "spool room again: every device ack came back" \
    test "$(grep -c '^ok - ' "$T/room.out")" -eq 10
wait_for "$T/stderr" "mqtt: spool: written again"
L=$(sed -n 's/.*mqtt: spool: written again; \([0-9]*\) records lost .*/\1/p' \
    "$T/stderr")
check "spool room again: written again, the records lost counted ($L)" \
    test "${L:-0}" -gt 0
check "spool: the counters say the same (exporter_lost, sink mqtt)" \
    sh -c "'$PVGATECTL' -s '$CTLSOCK' counters | tee '$T/counters' |
    grep -Eq 'lost.*mqtt.* $L\$'"
kill -CONT $BPID
# delivered: the sample times of the records that reached the broker
delivered()
{
	sed -n "s|^pvgated/$DEV/state ||p" "$T/sub.out" | jq -r .time |
	    sort -u > "$T/delivered"
	wc -l < "$T/delivered"
}
waitn 30 grep -q "\"time\":\"$(ktime 210)\"" "$T/sub.out"
D=$(delivered)
R=0
for k in $(seq 201 210); do
	grep -qx "$(ktime "$k")" "$T/delivered" && R=$((R + 1))
done
echo "# spool disk full: 210 records, $D delivered, $L lost"
check "spool: every record delivered but those counted lost" \
    test "$((D + L))" -eq 210
check "spool: the records after room came back all delivered" \
    test "$R" -eq 10
kill -TERM "$GWPID"
gw_wait_exit 10
check "spool: at exit the count of lost records is logged" \
    grep -q "mqtt: .* $L lost when it could not be written" "$T/stderr"
GWPID=
umount "$T/state/spool"
kill $SUBPID $BPID 2>/dev/null
wait $SUBPID $BPID 2>/dev/null
trap cleanup EXIT INT TERM

# 4. stdout closed by its reader, nowhere else for records
headed "$T/pvgated.conf"
$PVSIM -l "a record after the reader left" -p "$SP" $DATA > /dev/null
if gw_wait_exit 10; then
	ok "stdout closed, no other sink: pvgated stops (status $GWRC)"
else
	nok "stdout closed, no other sink: pvgated stops"
fi
check "stdout closed: the log says why" grep -q \
    "stdout closed by its reader, and records go nowhere else: stopping" \
    "$T/stderr"
check "stdout closed: the reader got a whole record" whole_lines "$T/first"
GWPID=

# ... with syslog as well: on without stdout, not spinning
sed 's/^dump = on/dump = on\nsyslog = on/' "$T/pvgated.conf" > "$T/syslog.conf"
# a syslogd of our own on /dev/log: over it (mounted in this
# namespace), or at it while the test runs
if [ -e /dev/log ]; then
	$RECV "$T/devlog" "$T/syslog" 20 &
	RECVPID=$!
	sleep 0.2
	mount --bind "$T/devlog" /dev/log || nok "/dev/log of our own"
else
	trap 'cleanup; rm -f /dev/log' EXIT INT TERM
	$RECV /dev/log "$T/syslog" 20 &
	RECVPID=$!
	sleep 0.2
fi
headed "$T/syslog.conf"
$PVSIM -l "after the reader left: answered" -p "$SP" $DATA $HB
wait_for "$T/stderr" "stdout closed by its reader"
check "stdout closed, syslog too: goes on, and says so" \
    grep -q "stdout closed by its reader: records go on to syslog only" \
    "$T/stderr"
check "stdout closed, syslog too: pvgated still running" kill -0 "$GWPID"
EXP=$(pgrep -P "$GWPID" -f pvgate-exporter)
c0=$(cpu "$EXP")
sleep 2
c1=$(cpu "$EXP")
check "stdout closed: the exporter does not spin ($((c1 - c0)) ticks in 2 s)" \
    test $((c1 - c0)) -le 10
$PVSIM -l "and later" -p "$SP" $DATA
wait_for "$T/syslog" 'device=Y17E7A0F010B013E'
check "stdout closed: records still reach syslog" \
    test "$(grep -c 'device=Y17E7A0F010B013E' "$T/syslog")" -ge 2
kill -TERM "$GWPID"
gw_wait_exit 10
GWPID=
kill "$RECVPID" 2>/dev/null

# 5. the wall clock jumps an hour forward, then back
if [ $LONG -eq 0 ] && [ "$CI" != true ]; then
	ok "clock jumps # SKIP only with -long or on CI: date -s shifts every test here"
	exit 0
fi
write_conf "$T/clock.conf" "$SP" "$CP" "max_per_address = 1"
sed -i 's/^idle_timeout = 30/idle_timeout = 4/' "$T/clock.conf"
restart "$T/clock.conf" || exit 1
# the right time, from the monotonic clock, whatever date -s did
R0=$(date +%s.%N)
U0=$(cut -d' ' -f1 /proc/uptime)
clock_right()
{
	date -s "@$(echo "$R0 $U0 $(cut -d' ' -f1 /proc/uptime)" |
	    awk '{ printf "%.3f", $1 + $3 - $2 }')" > /dev/null
}
trap 'clock_right; cleanup; rm -f /dev/log.pvgated-test' EXIT INT TERM
$PVSIM -l "a device, connected across the jumps" -p "$SP" $HB sleep:1500 \
    $HB sleep:1500 $HB > "$T/dev.log" &
DEV=$!
sleep 0.5
$PVSIM -l "refused (max_per_address 1), logged" -p "$SP" closed:1000
date -s "+1 hour" > /dev/null
sleep 1.5
date -s "-1 hour" > /dev/null
wait $DEV
clock_right
cat "$T/dev.log"
check "clock jumps: every reply byte-exact, carrying the time it is" \
    test "$(grep -c '^ok' "$T/dev.log")" -eq 3
# idle timeout 4 s: not at once after the jump forward, not an hour
# later after the jump back
$PVSIM -l "idle across the jumps: not closed early, closed after 4 s" \
    -p "$SP" silence:2500 closed:4000 > "$T/idle.log" &
IDLE=$!
sleep 0.5
date -s "+1 hour" > /dev/null
sleep 1
date -s "-1 hour" > /dev/null
wait $IDLE
clock_right
cat "$T/idle.log"
# warnings once per 10 s, on a clock that does not jump back
date -s "-1 hour" > /dev/null
sleep 10.5
$PVSIM -l "holder" -p "$SP" $HB sleep:1500 > /dev/null &
H=$!
sleep 0.5
$PVSIM -l "refused again after the jump back" -p "$SP" closed:1000
wait $H
clock_right
check "clock set back: the next refusal is logged after 10 s, not an hour" \
    test "$(grep -c 'refusing more (max_per_address)' "$T/stderr")" -ge 2
exit 0
