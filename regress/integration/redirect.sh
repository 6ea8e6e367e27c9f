#!/bin/sh
#
# A device redirected to the gateway by the firewall: in a network
# namespace of our own, connections to 192.0.2.1:10000 (a documentation
# address that exists only inside the namespace) are redirected by
# nftables to the gateway's port; the dump names the original
# destination, which the listener reads with SO_ORIGINAL_DST.

. "$(dirname "$0")/lib.sh"
setup_system
if ! command -v nft > /dev/null || ! command -v ip > /dev/null; then
	nok "redirect: nft and ip are needed (Debian: nftables, iproute2)"
	exit 0
fi
NS=pvgated-$$
ip netns add "$NS" || { nok "redirect: ip netns add"; exit 0; }
trap 'cleanup; ip netns del "$NS" 2>/dev/null' EXIT INT TERM
IN="ip netns exec $NS"
$IN ip link set lo up
$IN ip addr add 192.0.2.1/32 dev lo

SP=$(free_port)
$IN nft -f - <<EON
table ip pvgated_test {
	chain output {
		type nat hook output priority -100;
		ip daddr 192.0.2.1 tcp dport 10000 redirect to :$SP
	}
}
EON
write_conf "$T/pvgated.conf" "$SP" $((SP + 1))
mkdir -p "$T/state"
$IN "$PVGATED" -d -f "$T/pvgated.conf" > "$T/stdout" 2> "$T/stderr" &
GWPID=$!
wait_for "$T/stderr" "accepting solarman" || nok "redirect: gateway started"

$IN $PVSIM -l "redirected logger" -h 192.0.2.1 -p 10000 \
    send:$VEC/24-heartbeat-ind-4710.hex \
    expect:$VEC/25-heartbeat-rsp-1710.hex \
    send:$VEC/18-unknown-5110.hex silence:300
D=$T/state/dump/$(date -u +%F).jsonl
wait_for "$D" "unknown control"
check "redirect: the dump names the original destination 192.0.2.1:10000" \
    grep -q '"dst":"192.0.2.1:10000".*unknown control code' "$D"
kill -TERM "$GWPID"
gw_wait_exit 5
check "redirect: SIGTERM, exit 0" test "$GWRC" = 0
exit 0
