#!/bin/sh
#
# Backpressure: with nobody reading stdout, the exporter blocks; the
# decoder, then the listener stop reading instead of queueing without
# bound.  Once stdout is read again everything arrives: every frame is
# answered and every record written.

. "$(dirname "$0")/lib.sh"
setup_system
N=6000

SP=$(free_port)
write_conf "$T/pvgated.conf" "$SP" $((SP + 1))
mkfifo "$T/fifo"
exec 3<> "$T/fifo"		# a reader that does not read, for now
mkdir -p "$T/state"
"$PVGATED" -d -vv -f "$T/pvgated.conf" > "$T/fifo" 2> "$T/stderr" &
GWPID=$!
wait_for "$T/stderr" "accepting solarman" || nok "gateway started"

$PVSIM -l flood -p "$SP" flood:$VEC/08-data-ind-4210-02b0.hex:$N \
    replies:$N > "$T/flood.log" &
SIM=$!
wait_for "$T/stderr" "decoder: exporter behind"
check "decoder pauses while the exporter is blocked" \
    grep -q "decoder: exporter behind" "$T/stderr"
wait_for "$T/stderr" "decoder behind"
check "listener pauses while the decoder does not read" \
    grep -q "listener $SP: decoder behind" "$T/stderr"
sleep 1
rss=$(ps -o rss= -p "$(children | tr '\n' ',' | sed 's/,$//')" |
    sort -n | tail -1)
check "no process grew beyond 64 MB while blocked (largest ${rss} KiB)" \
    test "$rss" -lt 65536
check "the gateway is still up" kill -0 "$GWPID"

cat <&3 > "$T/stdout" &
CAT=$!
wait "$SIM"
cat "$T/flood.log"
check "listener resumed" grep -q "listener $SP: decoder caught up" "$T/stderr"
kill -TERM "$GWPID"
gw_wait_exit 10
exec 3<&-
sleep 0.2
kill "$CAT" 2>/dev/null
got=$(grep -c '"kind":"measurement"' "$T/stdout")
check "all $N records written ($got)" test "$got" -eq "$N"
exit 0
