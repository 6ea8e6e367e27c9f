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
# address, but all count towards max_connections
$PVSIM -l a -p "$SP" sleep:1500 > /dev/null &
A=$!
$PVSIM -l b -p "$SP" sleep:1500 > /dev/null &
B=$!
$PVSIM -l c -b 127.0.0.2 -p "$SP" sleep:1500 > /dev/null &
C=$!
sleep 0.3
$PVSIM -l "fourth connection (max_connections 3)" -b 127.0.0.3 -p "$SP" \
    closed:500
wait $A $B $C
check "max_connections: logged" \
    grep -q "3 connections: refusing more (max_connections)" "$T/stderr"
$PVSIM -l "answering again once they are gone" -p "$SP" \
    send:$VEC/24-heartbeat-ind-4710.hex \
    expect:$VEC/25-heartbeat-rsp-1710.hex
exit 0
