#!/bin/sh
#
# The cloud relay, end to end through the real processes: for every
# protocol that listens, a simulated device (devsim) talks to pvgated,
# which relays it to a simulated vendor cloud (cloudsim).  The cloud
# answers, and sends firmware updates, setting writes and a read; the
# device sees the cloud's answers and the read, never the rest.  The
# cloud is killed (and, for tsun-gen3, stopped) mid-stream: the gateway
# answers the device itself; the cloud comes back: the gateway relays
# again.  The cloud never sees a frame the device did not send, in
# another order, or changed.  tsun-gen3's cloud is looked up through
# [gateway] resolver (dnssim).

. "$(dirname "$0")/lib.sh"
setup_system

DEVSIM=$TOP/regress/integration/devsim
DNSSIM=$TOP/regress/integration/dnssim
V=$TOP/regress/vectors
S=$T/stdout

# ports nobody listens on (TCP or UDP), one after the other
PORT=$(free_port)
next_port()
{
	PORT=$(port_from $((PORT + 1)))
}

# wait_line FILE PATTERN [SECONDS]: poll for a line, 10 s by default
wait_line()
{
	_n=$((${3:-10} * 20))
	while [ "$_n" -gt 0 ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
		_n=$((_n - 1))
	done
	return 1
}

dev()
{
	# dev NAME PROTOCOL PORT STEP...
	_name=$1
	_proto=$2
	_port=$3
	shift 3
	"$DEVSIM" -p "$_proto" -P "$_port" -o "$T/$_name.dev" "$@" \
	    > "$T/$_name.res"
	cat "$T/$_name.res"
	# a failed step: what the device, its cloud and the gateway saw
	if grep -q '^not ok' "$T/$_name.res"; then
		for _f in "$T/$_name.dev" "$T/$_name.cloud" "$T/stderr"; do
			[ -f "$_f" ] && tail -n 40 "$_f" | sed "s|^|# ${_f##*/}: |"
		done
	fi
}

next_port; G1=$PORT; next_port; C1=$PORT
next_port; G2=$PORT; next_port; C2=$PORT
next_port; G3=$PORT; next_port; C3=$PORT
next_port; G4=$PORT; next_port; C4=$PORT
next_port; G5=$PORT; next_port; G6=$PORT
next_port; DP=$PORT

"$DNSSIM" -o "$T/dns.log" -n cloud.pvgated.test -a 127.0.0.1 \
    "127.0.0.1:$DP" > /dev/null 2>&1 &
SIMS="$SIMS $!"
wait_line "$T/dns.log" '^listening'

gw_conf "$T/pvgated.conf" 60 "resolver = 127.0.0.1:$DP"
cat >> "$T/pvgated.conf" <<EOC

[tsun-gen3]
listen = 127.0.0.1:$G1
cloud = cloud.pvgated.test:$C1
cloud_timeout = 4000

[solarman-v5]
listen = 127.0.0.1:$G2
cloud = 127.0.0.1:$C2
cloud_timeout = 5000

[alphaess]
listen = 127.0.0.1:$G3
cloud = 127.0.0.1:$C3

[hoymiles]
listen = 127.0.0.1:$G4
cloud = 127.0.0.1:$C4

[apsystems-ecu]
listen = 127.0.0.1:$G5, 127.0.0.1:$G6
cloud = 127.0.0.2
EOC

# -n: the cloud through the resolver, and the loop refused
check "pvgated -n: the clouds resolve, tsun-gen3's through the resolver" \
    "$PVGATED" -n -f "$T/pvgated.conf"
check "the resolver was asked for cloud.pvgated.test" \
    grep -q "^query cloud.pvgated.test 1$" "$T/dns.log"
sed "s/^cloud = cloud.pvgated.test:$C1/cloud = cloud.pvgated.test:$G2/" \
    "$T/pvgated.conf" > "$T/loop.conf"
"$PVGATED" -n -f "$T/loop.conf" > /dev/null 2> "$T/loop.err"
check "pvgated -n refuses a cloud that resolves to the gateway itself" \
    grep -q "cloud cloud.pvgated.test:$G2 is 127.0.0.1:$G2, where the gateway listens itself" "$T/loop.err"

# solarman-v5's cloud knows its logger (2070233889), not two others:
# it leaves the frames of one unanswered, and closes on the other's
STRANGERS="-s 11111111 -S 22222222"
cloud_start g3 tsun-gen3 "127.0.0.1:$C1"
cloud_start sm solarman-v5 $STRANGERS "127.0.0.1:$C2"
cloud_start ae alphaess "127.0.0.1:$C3"
cloud_start hm hoymiles "127.0.0.1:$C4"
cloud_start aps apsystems-ecu "127.0.0.2:$G5" "127.0.0.2:$G6"

mkdir -p "$T/state"
"$PVGATED" -d -f "$T/pvgated.conf" > "$S" 2> "$T/stderr" &
GWPID=$!
i=200
while [ "$(cat "$T/stderr" 2>/dev/null | grep -c accepting)" -lt 6 ] &&
    [ $i -gt 0 ]; do
	sleep 0.05
	i=$((i - 1))
done
if grep -q "started: 6 listeners and a connector" "$T/stderr" &&
    [ "$(grep -c 'accepting' "$T/stderr")" -ge 6 ]; then
	ok "gateway started, relaying five protocols"
else
	nok "gateway started, relaying five protocols"
	cat "$T/stderr"
	exit 1
fi

# tsun-gen3: the cloud answers; it sends an OTA, a Modbus write, a read
X=$V/tsun-gen3
dev g3 tsun-gen3 "$G1" cloud:$X/10-get-time-req.hex:5000 \
    send:$X/01-contact-info-ind.hex send:$X/15-heartbeat-ind.hex \
    send:$X/27-inverter-data-ind.hex collect:1500 \
    cloud:$X/10-get-time-req.hex:5000
cloud_kill g3
dev g3 tsun-gen3 "$G1" own:$X/10-get-time-req.hex:5000 \
    own:$X/15-heartbeat-ind.hex:5000
cloud_start g3 tsun-gen3 "127.0.0.1:$C1"
dev g3 tsun-gen3 "$G1" until:$X/10-get-time-req.hex:30000
# slower than the deadline: stopped, the cloud takes the frame, answers
# nothing, and the gateway answers at the deadline
kill -STOP "$CLOUD_g3"
dev g3 tsun-gen3 "$G1" own:$X/10-get-time-req.hex:9000
kill -CONT "$CLOUD_g3"
dev g3 tsun-gen3 "$G1" until:$X/10-get-time-req.hex:30000

# cloud_allow = modbus_write, on SIGHUP: the cloud's Modbus write now
# reaches the device; its OTA still does not
sed "s/^cloud_timeout = 4000\$/&\\
cloud_allow = modbus_write/" "$T/pvgated.conf" > "$T/allow.conf"
cat "$T/allow.conf" > "$T/pvgated.conf"	# the same file: it is unveiled
kill -HUP "$GWPID"
wait_line "$T/stderr" "configuration reloaded"
cloud_kill g3
cloud_start g3allow tsun-gen3 "127.0.0.1:$C1"
dev g3allow tsun-gen3 "$G1" until:$X/10-get-time-req.hex:30000 \
    send:$X/15-heartbeat-ind.hex collect:1500
check "cloud_allow = modbus_write: the device got the cloud's Modbus write" \
    grep -q '^recv 0000002010523137303030303030303030303030317077000'\
'1a3280801062008000003c8$' "$T/g3allow.dev"
check "cloud_allow = modbus_write: the OTA is still blocked" \
    sh -c "! grep -q '^recv [0-9a-f]*31701301027635' '$T/g3allow.dev' &&
    grep -q '^sent block [0-9a-f]*31701301027635' '$T/g3allow.cloud'"

# solarman-v5: AT+UPURL, AT+SUPDATE, a Modbus write, AT+TIME, a read
X=$V/solarman-v5
dev sm solarman-v5 "$G2" cloud:$X/01-device-ind-4110.hex:5000 \
    cloud:$X/24-heartbeat-ind-4710.hex:5000 collect:1500 \
    cloud:$X/08-data-ind-4210-02b0.hex:5000
cloud_kill sm
dev sm solarman-v5 "$G2" own:$X/24-heartbeat-ind-4710.hex:5000 \
    own:$X/08-data-ind-4210-02b0.hex:5000
cloud_start sm solarman-v5 $STRANGERS "127.0.0.1:$C2"
dev sm solarman-v5 "$G2" until:$X/24-heartbeat-ind-4710.hex:30000

# strangers to the cloud, on hosts of their own: the gateway answers
# each at the deadline, and relays it no more; the cloud is not lost
# for the device it answers
v5_logger 11111111 "$X/24-heartbeat-ind-4710.hex" "$T/stranger-quiet.hex"
v5_logger 22222222 "$X/24-heartbeat-ind-4710.hex" "$T/stranger-closed.hex"
lost0=$(grep -c 'solarman-v5: cloud .* lost' "$T/stderr")
dev smq solarman-v5 "$G2" -s 127.0.0.3 own:$T/stranger-quiet.hex:9000 \
    own:$T/stranger-quiet.hex:1000
dev smc solarman-v5 "$G2" -s 127.0.0.4 own:$T/stranger-closed.hex:9000 \
    own:$T/stranger-closed.hex:1000
check "a stranger the cloud does not answer: relayed no more, alone" \
    grep -q "solarman-v5: 127.0.0.3:[0-9]* relayed no more (its cloud never answered it: no answer within 5000 ms)" "$T/stderr"
check "a stranger the cloud closes on: relayed no more, alone" \
    grep -q "solarman-v5: 127.0.0.4:[0-9]* relayed no more (its cloud never answered it: closed by the cloud" "$T/stderr"
check "the cloud saw both strangers' frames" sh -c \
    "grep -q '^stranger ' '$T/sm.cloud' && grep -q '^closed ' '$T/sm.cloud'"
check "strangers do not lose the cloud" \
    test "$(grep -c 'solarman-v5: cloud .* lost' "$T/stderr")" -eq "$lost0"
# the device the cloud knows: relayed still, on a new connection
dev sm solarman-v5 "$G2" cloud:$X/24-heartbeat-ind-4710.hex:5000
# and a cloud that stops answering it is lost, at the deadline
kill -STOP "$CLOUD_sm"
dev sm solarman-v5 "$G2" own:$X/24-heartbeat-ind-4710.hex:9000
kill -CONT "$CLOUD_sm"
check "solarman-v5: the stopped cloud is lost at the deadline" \
    grep -q "solarman-v5: cloud 127.0.0.1:$C2 lost (no answer within 5000 ms)" "$T/stderr"
dev sm solarman-v5 "$G2" until:$X/24-heartbeat-ind-4710.hex:30000

# alphaess: the configuration answer is blocked (our own Success goes);
# a firmware command, SetConfig, and Resume, a read
X=$V/alphaess
dev ae alphaess "$G3" cloud:$X/03-login-1-1-2-battery.hex:5000 \
    cloud:$X/01-empty-1-1-0-battery.hex:5000 collect:1500 \
    own:$X/11-serial-1-1-3-battery.hex:5000 \
    cloud:$X/12-status-push-1-1-16-battery.hex:5000
cloud_kill ae
dev ae alphaess "$G3" own:$X/12-status-push-1-1-16-battery.hex:5000
cloud_start ae alphaess "127.0.0.1:$C3"
dev ae alphaess "$G3" until:$X/01-empty-1-1-0-battery.hex:30000

# hoymiles: an upgrade, an OTA, the grid profile, a power limit, a read
X=$V/hoymiles
dev hm hoymiles "$G4" cloud:$X/07-dtu-to-cloud-2202-heartbeat-derived.hex:5000 \
    cloud:$X/11-dtu-to-cloud-2201-devdata-derived.hex:5000 collect:1500 \
    cloud:$X/09-dtu-to-cloud-220c-realdatanew-derived.hex:5000
cloud_kill hm
dev hm hoymiles "$G4" own:$X/07-dtu-to-cloud-2202-heartbeat-derived.hex:5000
cloud_start hm hoymiles "127.0.0.1:$C4"
dev hm hoymiles "$G4" until:$X/07-dtu-to-cloud-2202-heartbeat-derived.hex:30000

# apsystems-ecu: a connection per record, each to the port it came to;
# EMA answers the polls of 8997 with A136 and A107 (blocked: the ECU
# gets our A100), then A102 (a read) and A100
X=$V/apsystems-ecu
dev aps apsystems-ecu "$G5" cloud:$X/01-aps18-data-record-ecu-r-2inv.hex:5000
dev aps apsystems-ecu "$G5" cloud:$X/04-aps13-stored-query-ecu-to-ema.hex:5000
dev aps apsystems-ecu "$G6" own:$X/06-aps13-a101-control-request-ecu-r.hex:5000 \
    own:$X/06-aps13-a101-control-request-ecu-r.hex:5000 \
    cloud:$X/06-aps13-a101-control-request-ecu-r.hex:5000 \
    cloud:$X/06-aps13-a101-control-request-ecu-r.hex:5000
cloud_kill aps
dev aps apsystems-ecu "$G5" own:$X/01-aps18-data-record-ecu-r-2inv.hex:5000
cloud_start aps apsystems-ecu "127.0.0.2:$G5" "127.0.0.2:$G6"
dev aps apsystems-ecu "$G5" until:$X/01-aps18-data-record-ecu-r-2inv.hex:30000

# what each cloud sent and each device saw
for n in g3:tsun-gen3 sm:solarman-v5 ae:alphaess hm:hoymiles \
    aps:apsystems-ecu; do
	name=${n%%:*}
	proto=${n#*:}
	c=$T/$name.cloud
	d=$T/$name.dev
	nblock=$(grep -c '^sent block ' "$c")
	seen=0
	for h in $(sed -n 's/^sent block //p' "$c"); do
		grep -q "^recv $h\$" "$d" && seen=$((seen + 1))
	done
	check "$proto: the cloud sent $nblock frames to block" \
	    test "$nblock" -gt 0
	check "$proto: the device saw none of them ($seen)" test "$seen" -eq 0
	missing=0
	for h in $(sed -n 's/^sent read //p' "$c"); do
		grep -q "^recv $h\$" "$d" || missing=$((missing + 1))
	done
	check "$proto: the device saw every read the cloud sent" \
	    test "$(grep -c '^sent read ' "$c")" -gt 0 -a "$missing" -eq 0
	check "$proto: the cloud saw only the device's frames, in order" \
	    awk -v dev="$d" '
		BEGIN { i = n = 0
			while ((getline l < dev) > 0)
				if (l ~ /^sent /) s[n++] = substr(l, 6) }
		/^recv / { f = substr($0, 6)
			while (i < n && s[i] != f) i++
			if (i == n) exit 1
			i++ }' "$c"
	nd=0
	for h in $(sed -n 's/^sent block //p' "$c"); do
		dumps | grep "\"protocol\":\"$proto\"" |
		    grep "\"reason\":\"cloud frame blocked" |
		    grep -q "\"bytes\":\"$h\"" && nd=$((nd + 1))
	done
	check "$proto: every blocked frame is dumped, with its reason ($nd)" \
	    test "$nd" -eq "$nblock"
	# tsun-gen3 had one more cloud, which sent one frame now allowed
	more=0
	[ "$name" = g3 ] && more=$(($(grep -c '^sent block ' "$T/g3allow.cloud") - 1))
	ne=$(grep -c "\"kind\":\"event\",\"protocol\":\"$proto\".*\"event\":\"cloud_blocked\"" "$S")
	check "$proto: an event for every blocked frame ($ne)" \
	    test "$ne" -eq $((nblock + more))
	check "$proto: the switch to our own answers, logged and exported" \
	    sh -c "grep -q '$proto: cloud .* lost' '$T/stderr' &&
	    grep -q '\"protocol\":\"$proto\".*\"event\":\"cloud_lost\"' '$S'"
	check "$proto: the switch back, logged and exported" \
	    sh -c "grep -q '$proto: cloud .* is back: relaying' '$T/stderr' &&
	    grep -q '\"protocol\":\"$proto\".*\"event\":\"cloud_back\"' '$S'"
done

check "tsun-gen3: the stopped cloud is lost at the deadline" \
    grep -q "tsun-gen3: cloud 127.0.0.1:$C1 lost (no answer within 4000 ms)" "$T/stderr"
check "tsun-gen3: measurements exported while relayed" \
    grep -q '"kind":"measurement","protocol":"tsun-gen3"' "$S"
check "solarman-v5: measurements exported while relayed" \
    grep -q '"kind":"measurement","protocol":"solarman-v5"' "$S"
check "alphaess: measurements exported while relayed" \
    grep -q '"kind":"measurement","protocol":"alphaess"' "$S"
check "hoymiles: measurements exported while relayed" \
    grep -q '"kind":"measurement","protocol":"hoymiles"' "$S"
check "apsystems-ecu: measurements exported while relayed" \
    grep -q '"kind":"measurement","protocol":"apsystems-ecu"' "$S"
check "alphaess: the configuration answer is blocked as config" \
    sh -c "cat '$T'/state/dump/*.jsonl | grep -q 'cloud frame blocked (config): configuration answer with 2 settings'"
check "an event names the kind and what it was" \
    grep -q '"event":"cloud_blocked","command":"firmware","reason":"AT+UPURL=http://fw.example/LSW5.bin,1"' "$S"

# pvgatectl counters: the same figures, counted by the decoder
"$PVGATECTL" -s "$CTLSOCK" -j counters > "$T/counters.json"
for n in g3:tsun-gen3 sm:solarman-v5 ae:alphaess hm:hoymiles \
    aps:apsystems-ecu; do
	name=${n%%:*}
	proto=${n#*:}
	want=$(cat "$T/$name".cloud $([ "$name" = g3 ] && echo "$T/g3allow.cloud") |
	    grep -c '^sent block ')
	[ "$name" = g3 ] && want=$((want - 1))
	got=$(jq -r ".protocols[] | select(.protocol == \"$proto\") |
	    \"\\(.decoder_cloud_blocked) \\(.decoder_cloud_lost)\"" \
	    "$T/counters.json")
	check "pvgatectl counters: $proto blocked $want, lost at least once ($got)" \
	    sh -c "[ '${got% *}' -eq $want ] && [ '${got#* }' -ge 1 ]"
done

kill -TERM "$GWPID"
if gw_wait_exit 10 && [ "$GWRC" = 0 ]; then
	ok "SIGTERM: pvgated exits 0"
else
	nok "SIGTERM: pvgated exits 0 (got $GWRC)"
fi
check "no child was lost" sh -c "! grep -q 'lost child' '$T/stderr'"
exit 0
