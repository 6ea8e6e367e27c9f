#!/bin/sh
#
# Who may talk to the gateway, end to end through the real processes:
# with accept = known, a known device of every listening protocol gets
# its byte-exact replies and records (a Hoymiles DTU's, which carry
# our clock, checked field by field by hmsim) while an unknown one (the
# same frame with another serial) gets no byte back, is dumped with the
# reason and closed, and is logged once however often it comes back.
# allow_from: a source outside the list (127.0.0.2) is closed at
# accept, before a byte, while one inside is served; a protocol's own
# list takes the place of the gateway's.

. "$(dirname "$0")/lib.sh"
setup_system

IV=$TOP/regress/integration
SM=$TOP/regress/vectors/solarman-v5
G3=$TOP/regress/vectors/tsun-gen3
AV=$TOP/regress/vectors/apsystems-ecu
GEN3SIM=$IV/gen3sim
APSSIM=$IV/apssim
AESIM=$IV/aesim
HMSIM=$IV/hmsim
# hmsim checks the time in the replies against the gateway's zone
TZ=Europe/Berlin
export TZ

SP=$(free_port)
CP=$((SP + 1))
GP=$((SP + 2))
EP=$((SP + 3))
AP=$((SP + 4))
HP=$((SP + 5))
write_conf "$T/pvgated.conf" "$SP" "$CP" "accept = known
allow_from = 127.0.0.1
timezone = Europe/Berlin"
cat >> "$T/pvgated.conf" <<EOC

[tsun-gen3]
listen = 127.0.0.1:$GP
allow_from = 127.0.0.0/8

[apsystems-ecu]
listen = 127.0.0.1:$EP

[alphaess]
listen = 127.0.0.1:$AP

[hoymiles]
listen = 127.0.0.1:$HP

; a logger known as the logger of its inverter (its "Monitoring SN")
[device Y17E7A0F010B013E]
logger = 2070233889

; a section without keys names a device too
[device R170000000000001]

[device 216000064136]
protocol = apsystems-ecu

[device ALXXXXXXXXXXXXX]

; hmsim's DTU
[device 4143A0987654]
protocol = hoymiles
EOC
gw_start "$T/pvgated.conf" || exit 1
for p in tsun-gen3 apsystems-ecu alphaess hoymiles; do
	wait_for "$T/stderr" "accepting $p" || nok "listener for $p started"
done
S=$T/stdout
D=$T/state/dump/$(date -u +%F).jsonl

# 1. known devices: byte-exact replies
$PVSIM -l "known solarman-v5 logger" -p "$SP" \
    send:$SM/01-device-ind-4110.hex expect:$SM/02-device-rsp-1110.hex
$GEN3SIM -l "known tsun-gen3 stick" -p "$GP" \
    send:$G3/01-contact-info-ind.hex expect:$G3/02-contact-info-rsp.hex \
    send:$G3/20-collector-data-ind.hex \
    expect:$G3/22-collector-data-rsp.hex
$APSSIM -l "known apsystems-ecu" -p "$EP" \
    load:$AV/01-aps18-data-record-ecu-r-2inv.hex send:0:0 \
    expect:$AV/03-ema-reply-to-01-own-ts.hex
$AESIM -l "known alphaess battery" -p "$AP" login:ALXXXXXXXXXXXXX:pw ok:2 \
    push:0 ok:16
$HMSIM -l "known hoymiles DTU" -p "$HP" heartbeat:4660 upload:4661 \
    empty:220b:4663

# 2. unknown devices: not a byte back, closed
$PVSIM -l "unknown solarman-v5 logger" -p "$SP" \
    send:$IV/unknown-solarman-4110.hex refused:3000
$PVSIM -l "unknown tsun-gen3 stick" -p "$GP" \
    send:$IV/unknown-gen3-contact.hex refused:3000
$PVSIM -l "unknown apsystems-ecu" -p "$EP" \
    send:$IV/unknown-aps-record.hex refused:3000
$PVSIM -l "unknown alphaess battery" -p "$AP" \
    send:$IV/unknown-alphaess-login.hex refused:3000
$PVSIM -l "unknown hoymiles DTU" -p "$HP" \
    send:$IV/unknown-hoymiles-heartbeat.hex refused:3000
# the same logger twice more: refused, not logged again
$PVSIM -l "unknown logger again" -p "$SP" \
    send:$IV/unknown-solarman-4110.hex refused:3000
$PVSIM -l "unknown logger a third time" -p "$SP" \
    send:$IV/unknown-solarman-4110.hex refused:3000

# 3. allow_from: the gateway's list keeps 127.0.0.2 out of solarman-v5
#    (closed at accept: it sends nothing and gets nothing), the
#    tsun-gen3 list lets it in
$PVSIM -l "solarman-v5 from 127.0.0.2" -b 127.0.0.2 -p "$SP" refused:3000
$GEN3SIM -l "tsun-gen3 from 127.0.0.2" -b 127.0.0.2 -p "$GP" \
    send:$G3/20-collector-data-ind.hex \
    expect:$G3/22-collector-data-rsp.hex
$PVSIM -l "solarman-v5 from 127.0.0.1 still served" -p "$SP" \
    send:$SM/01-device-ind-4110.hex expect:$SM/02-device-rsp-1110.hex

wait_for "$D" 'unknown device 4143A0999999' || true
for dev in 2070233889 R170000000000001 216000064136 ALXXXXXXXXXXXXX \
    4143A0987654 116412340001; do
	check "stdout: a record of known $dev" \
	    wait_for "$S" "\"device\":\"$dev\""
done
for dev in 1111111111 R179999999999999 216000099999 ALYYYYYYYYYYYYY \
    4143A0999999; do
	check "stdout: nothing of unknown $dev" \
	    sh -c "! grep -q '$dev' '$S'"
	check "dump: unknown device $dev, with its frame" \
	    grep -q "\"reason\":\"unknown device $dev" "$D"
done
check "dump: the alphaess password masked" \
    sh -c "! grep -q '$(printf xxxxxxxx | od -An -tx1 | tr -d ' \n')' '$D'"
n=$(grep -c 'device 1111111111 from .* refused' "$T/stderr")
check "log: unknown logger said once for three refusals ($n)" \
    test "$n" -eq 1
for dev in R179999999999999 216000099999 ALYYYYYYYYYYYYY 4143A0999999; do
	check "log: unknown $dev said" grep -q "device $dev from .* refused" \
	    "$T/stderr"
done
check "log: 127.0.0.2 refused by allow_from" \
    grep -q '127.0.0.2:[0-9]* is not in allow_from' "$T/stderr"
check "dump: nothing from 127.0.0.2 on solarman-v5" \
    sh -c "! grep -q '\"peer\":\"127.0.0.2:[0-9]*\",.*\"listen_port\":$SP' '$D'"
check "stdout: tsun-gen3 from 127.0.0.2 served" \
    wait_for "$S" '"peer":"127.0.0.2:'

# 4. the refusals, as pvgatectl counts them
"$PVGATECTL" -s "$CTLSOCK" -j counters > "$T/counters.json"
check "counters: solarman-v5 refused 3 connections of unknown devices" \
    test "$(jq '.protocols[] | select(.protocol == "solarman-v5") |
    .decoder_refused' "$T/counters.json")" -eq 3
check "counters: every other protocol refused 1" test "$(jq -r \
    '[.protocols[] | select(.protocol != "solarman-v5" and .protocol !=
    "capture") | .decoder_refused] | map(tostring) | join(" ")' \
    "$T/counters.json")" = "1 1 1 1"
check "counters: listener $SP refused 1 connection by allow_from" \
    test "$(jq ".listeners[] | select(.port == $SP) |
    .listener_refused.allow_from" "$T/counters.json")" -eq 1
check "devices: the unknown logger, refused 3 times" test "$("$PVGATECTL" \
    -s "$CTLSOCK" -j devices | jq '.devices[] | select(.serial ==
    "1111111111") | .refused')" -eq 3

gw_stop_check()
{
	kill -TERM "$GWPID"
	gw_wait_exit 10
	check "gateway exits 0 on SIGTERM" test "$GWRC" = 0
}
gw_stop_check
exit 0
