#!/bin/sh
#
# The redirect guides in etc/redirect: every nftables file passes
# "nft -c" and the iptables rules "iptables-restore --test", each in a
# network namespace of our own; and pvgated.nft as written (devices
# 192.168.1.20-24, gateway 192.168.1.10) does its job between two
# namespaces: a device at 192.168.1.20 whose route goes through the
# gateway calls a cloud address, reaches pvgated there, and the dump
# names the address it called.  pf.conf cannot be checked on Linux.

. "$(dirname "$0")/lib.sh"
setup_system
for c in nft ip; do
	if ! command -v $c > /dev/null; then
		nok "guides: $c is needed (Debian: nftables, iproute2)"
		exit 0
	fi
done
GW=pvgated-gw-$$
DEV=pvgated-dev-$$
trap 'cleanup; ip netns del "$GW" 2>/dev/null
    ip netns del "$DEV" 2>/dev/null' EXIT INT TERM
if ! ip netns add "$GW" || ! ip netns add "$DEV"; then
	nok "guides: ip netns add"
	exit 0
fi

for f in "$TOP"/etc/redirect/*.nft; do
	if out=$(ip netns exec "$GW" nft -c -f "$f" 2>&1); then
		ok "guides: nft -c -f etc/redirect/$(basename "$f")"
	else
		nok "guides: etc/redirect/$(basename "$f"): $out"
	fi
done
if command -v iptables-restore > /dev/null; then
	if out=$(ip netns exec "$GW" iptables-restore --test --noflush \
	    < "$TOP/etc/redirect/iptables.rules" 2>&1); then
		ok "guides: iptables-restore --test etc/redirect/iptables.rules"
	else
		nok "guides: etc/redirect/iptables.rules: $out"
	fi
else
	nok "guides: iptables-restore is needed (Debian: iptables)"
fi

# the gateway routes the device; pvgated.nft loaded as it is
ip link add pvg$$ netns "$GW" type veth peer name pvd$$ netns "$DEV"
ip -n "$GW" link set lo up
ip -n "$GW" addr add 192.168.1.10/24 dev pvg$$
ip -n "$GW" link set pvg$$ up
ip -n "$DEV" link set lo up
ip -n "$DEV" addr add 192.168.1.20/24 dev pvd$$
ip -n "$DEV" link set pvd$$ up
ip -n "$DEV" route add default via 192.168.1.10
check "guides: pvgated.nft loads" \
    ip netns exec "$GW" nft -f "$TOP/etc/redirect/pvgated.nft"

# etc/pvgated.conf, every protocol on its standard port, state here
sed "s|^state_dir = .*|state_dir = $T/state|" "$TOP/etc/pvgated.conf" \
    > "$T/pvgated.conf"
mkdir -p "$T/state"
ip netns exec "$GW" "$PVGATED" -d -f "$T/pvgated.conf" -s "$T/ctl.sock" \
    > "$T/stdout" \
    2> "$T/stderr" &
GWPID=$!
wait_for "$T/stderr" "accepting solarman" ||
    wait_for "$T/stderr" "accepting solarman" ||
    nok "guides: gateway started"

# 192.0.2.1 stands for iot.talent-monitoring.com's public address
ip netns exec "$DEV" $PVSIM -l "redirected by pvgated.nft" -h 192.0.2.1 \
    -p 10000 send:$VEC/01-device-ind-4110.hex \
    expect:$VEC/02-device-rsp-1110.hex \
    send:$VEC/08-data-ind-4210-02b0.hex expect:$VEC/09-data-rsp-1210.hex \
    send:$VEC/18-unknown-5110.hex silence:300
D=$T/state/dump/$(date -u +%F).jsonl
wait_for "$D" "unknown control"
check "guides: pvgated.nft: the dump names the device and 192.0.2.1:10000" \
    grep -q '"peer":"192.168.1.20:[0-9]*".*"dst":"192.0.2.1:10000"' "$D"
# how an owner confirms it: pvgatectl devices
"$TOP/ctl/pvgatectl" -s "$T/ctl.sock" devices > "$T/devices" 2>&1
check "guides: pvgatectl devices: the logger, from 192.168.1.20" \
    grep -Eq '^solarman-v5 +2070233889 .* 192\.168\.1\.20:[0-9]+ ' "$T/devices"
check "guides: pvgatectl devices: the inverter behind it" \
    grep -Eq '^solarman-v5 +Y17E7A0F010B013E +2070233889 ' "$T/devices"
kill -TERM "$GWPID"
gw_wait_exit 5
check "guides: SIGTERM, exit 0" test "$GWRC" = 0
exit 0
