#!/bin/sh
#
# Connection limits: idle timeout, connections per source address and
# per listener.  Refused connections are closed at once and logged.

. "$(dirname "$0")/lib.sh"
setup_system

SP=$(free_port)
write_conf "$T/pvgated.conf" "$SP" $((SP + 1)) \
    "max_per_address = 2
max_connections = 3"
sed -i 's/^idle_timeout = 30/idle_timeout = 1/' "$T/pvgated.conf"
gw_start "$T/pvgated.conf" || exit 1

$PVSIM -l "idle timeout 1 s" -p "$SP" closed:3000

# two from 127.0.0.1 are fine, the third is refused
$PVSIM -l "first of 127.0.0.1" -p "$SP" sleep:1500 > "$T/a" &
A=$!
$PVSIM -l "second of 127.0.0.1" -p "$SP" sleep:1500 > "$T/b" &
B=$!
sleep 0.3
$PVSIM -l "third from 127.0.0.1 (max_per_address 2)" -p "$SP" closed:500
wait $A $B
check "max_per_address: logged" \
    grep -q "127.0.0.1:[0-9]* has 2 connections: refusing more" "$T/stderr"

# connections from 127.0.0.2 and 127.0.0.3 count separately per
# address, but all count towards max_connections; devices that have
# sent a frame keep their place
HB="send:$VEC/24-heartbeat-ind-4710.hex expect:$VEC/25-heartbeat-rsp-1710.hex"
$PVSIM -l a -p "$SP" $HB sleep:1500 > /dev/null &
A=$!
$PVSIM -l b -p "$SP" $HB sleep:1500 > /dev/null &
B=$!
$PVSIM -l c -b 127.0.0.2 -p "$SP" $HB sleep:1500 > /dev/null &
C=$!
sleep 0.5
$PVSIM -l "fourth connection (max_connections 3)" -b 127.0.0.3 -p "$SP" \
    closed:500
wait $A $B $C
check "max_connections: logged" \
    grep -q "3 connections: refusing more (max_connections)" "$T/stderr"

$PVSIM -l "answering again once they are gone" -p "$SP" \
    send:$VEC/24-heartbeat-ind-4710.hex \
    expect:$VEC/25-heartbeat-rsp-1710.hex

# connections that never sent a frame make room for a newcomer, the
# oldest first (idle timeout 30 s now: only max_connections closes)
kill -TERM "$GWPID"
gw_wait_exit 10
sed -i 's/^idle_timeout = 1$/idle_timeout = 30/' "$T/pvgated.conf"
: > "$T/stderr"
gw_start "$T/pvgated.conf" -vv || exit 1
# until N connections were accepted
accepted()
{
	i=0
	while [ "$(grep -c 'connection [0-9a-f]* from' "$T/stderr")" -lt "$1" ] &&
	    [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}
$PVSIM -l "silent a, the oldest: closed to make room" -p "$SP" \
    closed:5000 > "$T/a" &
A=$!
accepted 1
$PVSIM -l b -p "$SP" sleep:3000 > /dev/null &
B=$!
$PVSIM -l c -b 127.0.0.2 -p "$SP" sleep:3000 > /dev/null &
C=$!
accepted 3
$PVSIM -l "a fourth device is answered (max_connections 3)" -b 127.0.0.3 \
    -p "$SP" $HB
wait $A $B $C
cat "$T/a"
check "max_connections: closing the oldest without a frame, logged" \
    grep -q "3 connections: closing the oldest without a frame (max_connections)" "$T/stderr"
exit 0
