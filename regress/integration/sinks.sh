#!/bin/sh
#
# The other sinks, end to end: syslog lines (key=value) on /dev/log, and
# dumps sealed with a key from pvgatectl keygen that only pvgatectl dump
# with the secret key opens.

. "$(dirname "$0")/lib.sh"
setup_system
CTL=$TOP/ctl/pvgatectl
RECV=$TOP/regress/integration/logrecv

$CTL keygen "$T/dump.pub" "$T/dump.sec"
check "pvgatectl keygen: secret key is mode 0600" \
    test "$(stat -c %a "$T/dump.sec")" = 600

SP=$(free_port)
write_conf "$T/pvgated.conf" "$SP" $((SP + 1))
sed -i "s|^dump = on|dump = on\nsyslog = on\ndump_pubkey = $T/dump.pub|" \
    "$T/pvgated.conf"

# a syslogd of our own on /dev/log (in a mount namespace if one exists)
RUN=""
if [ -e /dev/log ]; then
	touch "$T/devlog"
	RUN="unshare -m sh -c 'mount --bind $T/devlog /dev/log && exec \"\$0\" \"\$@\"'"
	LOGPATH=$T/devlog
else
	LOGPATH=/dev/log
	trap 'cleanup; rm -f /dev/log' EXIT INT TERM
fi
$RECV "$LOGPATH" "$T/syslog" 15 &
RECVPID=$!
sleep 0.2
if [ -n "$RUN" ]; then
	mkdir -p "$T/state"
	# exec all the way down (unshare, sh, pvgated): GWPID is pvgated
	eval exec "$RUN" "$PVGATED" -d -f "$T/pvgated.conf" > "$T/stdout" \
	    2> "$T/stderr" &
	GWPID=$!
	i=0
	while [ $i -lt 100 ] && ! { grep -q "accepting solarman" "$T/stderr" &&
	    grep -q "accepting capture" "$T/stderr"; }; do
		sleep 0.1
		i=$((i + 1))
	done
else
	gw_start "$T/pvgated.conf" || exit 1
fi

$PVSIM -l sinks -p "$SP" \
    send:$VEC/01-device-ind-4110.hex expect:$VEC/02-device-rsp-1110.hex \
    send:$VEC/08-data-ind-4210-02b0.hex expect:$VEC/09-data-rsp-1210.hex \
    send:$VEC/07-device-ind-invalid-checksum.hex silence:300

wait_for "$T/syslog" "kind=measurement"
check "syslog: a device record, key=value" \
    grep -q 'pvgated\[[0-9]*\]: kind=device protocol=solarman-v5 device=2070233889' "$T/syslog"
check "syslog: measurement values" \
    grep -q 'device=Y17E7A0F010B013E via=2070233889 .*ac_voltage=224.8' "$T/syslog"
check "syslog: daemon.info, the inverter's model and firmware last" \
    grep -q '^<30>.* model=TSOL-MS2000(600) firmware=V4.0.10$' "$T/syslog"
check "stdout still has the records" \
    grep -q '"ac_voltage":224.8' "$T/stdout"

D=$T/state/dump/$(date -u +%F).jsonl
wait_for "$D" "."
check "sealed dump: no plaintext on disk" sh -c "! grep -q -e reason -e a5d4 '$D'"
check "sealed dump: lines are base64" \
    sh -c "grep -Eqv '^[A-Za-z0-9+/=]+\$' '$D' && exit 1 || exit 0"
$CTL dump -k "$T/dump.sec" "$D" > "$T/opened" 2> "$T/opened.err"
check "pvgatectl dump -k opens it" \
    grep -q '"reason":"bad checksum","bytes":"a5d400104100012143657b02' "$T/opened"
$CTL keygen "$T/other.pub" "$T/other.sec"
check "the wrong secret key opens nothing" \
    sh -c "! $CTL dump -k '$T/other.sec' '$D' 2>/dev/null | grep -q reason"

kill -TERM "$GWPID"
gw_wait_exit 5
check "SIGTERM: exit 0" test "$GWRC" = 0
kill "$RECVPID" 2>/dev/null
exit 0
