#!/bin/sh
#
# regress/hostile/run.sh [-long]: the gateway under attack.  One pvgated
# with a listener of every listening protocol; while each wave of
# regress/hostile/hostile's attacks runs against all of them, the
# simulated devices of regress/integration keep talking to every
# listener and check each reply byte for byte within their protocol's
# timeout (the simulator's: 3 s, APsystems 10 s).  After each wave:
# every process alive, its descriptors back to what they were, its RSS
# back within 10% of its baseline once the wave's connections are gone,
# the refusals logged once per interval, never once per event.
#
# solarman-v5 is relayed to its cloud (regress/integration/cloudsim,
# through the connector): its device (devsim) gets the cloud's answers,
# byte for byte what the cloud sent, while the waves hit its listener
# too; the connector's descriptors and RSS are counted like the rest.
#
# Short budgets by default (make test), long ones with -long (make
# hostile), which also prints the figures as one table.
#
# On the sanitizers' build (regress/sanitizers.sh sets PVGATE_SANITIZED)
# RSS is not the gateway's: ASan's quarantine keeps freed memory (up to
# 256 MiB a process) and its allocator returns it on its own terms.
# There RSS is printed, not judged.

. "$(dirname "$0")/../integration/lib.sh"
setup_system

LONG=0
[ "$1" = -long ] && LONG=1
HOSTILE=$TOP/regress/hostile/hostile
SIMDIR=$TOP/regress/integration
DEVSIM=$SIMDIR/devsim
V=$TOP/regress/vectors
SN=AL2222222222222
MAXCONN=256
PERADDR=32
MAXFRAME=16000
TZ=Europe/Berlin
export TZ SIM_LATENCY=1

# the ports, one listener each
SP=$(free_port)
CP=$(port_from $((SP + 1)))
GP=$(port_from $((CP + 1)))
AP=$(port_from $((GP + 1)))
EP=$(port_from $((AP + 1)))
HP=$(port_from $((EP + 1)))
RP=$(port_from $((HP + 1)))	# solarman-v5's cloud

# the cloud, killed with the rest; its log $T/sm.cloud
cloud_start sm solarman-v5 "127.0.0.1:$RP"

gw_conf "$T/pvgated.conf" 60 "max_connections = $MAXCONN" \
    "max_per_address = $PERADDR" "max_frame = $MAXFRAME" \
    "timezone = Europe/Berlin"
cat >> "$T/pvgated.conf" <<EOC

[solarman-v5]
listen = 127.0.0.1:$SP
cloud = 127.0.0.1:$RP
cloud_timeout = 3000
[capture]
listen = 127.0.0.1:$CP
limit = 4096
[tsun-gen3]
listen = 127.0.0.1:$GP
[apsystems-ecu]
listen = 127.0.0.1:$AP
[alphaess]
listen = 127.0.0.1:$EP
[hoymiles]
listen = 127.0.0.1:$HP
EOC
gw_start "$T/pvgated.conf" || exit 1
for p in tsun-gen3 apsystems-ecu alphaess hoymiles; do
	wait_for "$T/stderr" "accepting $p" || nok "listener for $p started"
done
sleep 0.5		# the parent drops its privileges after spawning

TARGETS="solarman-v5:$SP:$V/solarman-v5/24-heartbeat-ind-4710.hex
capture:$CP
tsun-gen3:$GP:$V/tsun-gen3/15-heartbeat-ind.hex
apsystems-ecu:$AP:$V/apsystems-ecu/06-aps13-a101-control-request-ecu-r.hex
alphaess:$EP:$V/alphaess/03-login-1-1-2-battery.hex
hoymiles:$HP:$V/hoymiles/07-dtu-to-cloud-2202-heartbeat-derived.hex"
# noread needs a frame each protocol answers: all but capture.  For
# tsun-gen3 it is another device's (R170000000000009): a connection
# that names the legitimate device's serial takes its place, by design
# (one device, one connection), which no attack without the serial can
# do.
sed '2s/^30 30 30 30 31 91/30 30 30 30 39 91/' \
    "$V/tsun-gen3/15-heartbeat-ind.hex" > "$T/gen3-other.hex"
NOREAD=$(echo "$TARGETS" | grep -v '^capture' |
    sed "s|^tsun-gen3:.*|tsun-gen3:$GP:$T/gen3-other.hex|")

# the legitimate devices: one simulator run per protocol, round after
# round, until the wave is over
legit_run()
{
	case $1 in
	relay)
		# its cloud's answers within 3 s, the cloud's own frames
		# (blocked, or a read let through) after the second
		"$DEVSIM" -p solarman-v5 -P "$SP" -o "$T/${w:-warm}.relay.dev" \
		    cloud:$V/solarman-v5/24-heartbeat-ind-4710.hex:3000 \
		    cloud:$V/solarman-v5/08-data-ind-4210-02b0.hex:3000 \
		    collect:300 \
		    cloud:$V/solarman-v5/24-heartbeat-ind-4710.hex:3000 ;;
	capture)
		"$SIMDIR/pvsim" -l capture -p "$CP" garbage:10 silence:100 ;;
	gen3)
		"$SIMDIR/gen3sim" -l gen3 -p "$GP" \
		    send:$V/tsun-gen3/15-heartbeat-ind.hex \
		    expect:$V/tsun-gen3/17-heartbeat-rsp.hex \
		    send:$V/tsun-gen3/01-contact-info-ind.hex \
		    expect:$V/tsun-gen3/02-contact-info-rsp.hex ;;
	aps)
		"$SIMDIR/apssim" -l aps -p "$AP" \
		    load:$V/apsystems-ecu/01-aps18-data-record-ecu-r-2inv.hex \
		    send:0:0 expect:$V/apsystems-ecu/03-ema-reply-to-01-own-ts.hex ;;
	alphaess)
		"$SIMDIR/aesim" -l alphaess -p "$EP" login:$SN:secret ok:2 \
		    send:$V/alphaess/01-empty-1-1-0-battery.hex \
		    expect:$V/alphaess/02-success-1-2-0-server.hex ;;
	hoymiles)
		"$SIMDIR/hmsim" -l hoymiles -p "$HP" heartbeat:1 devdata:2 ;;
	esac
}
LEGIT="relay capture gen3 aps alphaess hoymiles"

legit_loop()
{
	# legit_loop NAME LOG: rounds until $T/stop, at least one
	while :; do
		legit_run "$1" >> "$2" 2>&1
		rc=$?
		[ $rc -eq 100 ] && echo "not ok - $1: simulator broke" >> "$2"
		[ -e "$T/stop" ] && break
	done
}

# the gateway's processes, "pid name" lines
procs()
{
	for p in $(gw_pids); do
		n=$(tr '\0' '\n' < /proc/$p/cmdline 2>/dev/null | head -1 |
		    sed 's/^[^:]*: //; s/[ .]*$//')
		case $n in
		"listener $SP")	n=solarman-v5 ;;
		"listener $CP")	n=capture ;;
		"listener $GP")	n=tsun-gen3 ;;
		"listener $AP")	n=apsystems-ecu ;;
		"listener $EP")	n=alphaess ;;
		"listener $HP")	n=hoymiles ;;
		esac
		echo "$p $n"
	done
}
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$1/status; }
hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$1/status; }
nfd() { ls /proc/$1/fd 2>/dev/null | wc -l; }

procs > "$T/procs"
NPROC=$(wc -l < "$T/procs")
check "$NPROC processes: parent, 6 listeners, connector, decoder, exporter" \
    test "$NPROC" -eq 10

# until the descriptors are back and RSS holds still, at most 20 s
base_settle()
{
	i=0
	prev=
	while [ $i -lt 40 ]; do
		cur=$(while read -r p n; do
			echo "$(nfd "$p") $(rss "$p")"
		done < "$T/procs")
		[ "$cur" = "$prev" ] && [ "$(nfd_total)" -le "$FD0" ] && return 0
		prev=$cur
		sleep 0.5
		i=$((i + 1))
	done
}
nfd_total()
{
	while read -r p n; do nfd "$p"; done < "$T/procs" |
	    awk '{ s += $1 } END { print s }'
}

# baseline
base()
{
	while read -r p n; do
		echo "$p $(nfd "$p") $(rss "$p")"
	done < "$T/procs" > "$T/base"
}

# wave NAME LEGIT? HOSTILE-ARGS...
wave()
{
	w=$1
	shift
	rm -f "$T/stop"
	: > "$T/$w.legit"
	while read -r p n; do
		echo 5 > /proc/$p/clear_refs 2>/dev/null
	done < "$T/procs"
	lines0=$(wc -l < "$T/stderr")
	pids=
	for l in $LEGIT; do
		legit_loop "$l" "$T/$w.legit.$l" &
		pids="$pids $!"
	done
	t0=$(date +%s)
	# shellcheck disable=SC2086
	"$HOSTILE" -m "$MAXFRAME" "$@" $(echo "$TARGETS" | tr '\n' ' ') \
	    > "$T/$w.hostile" 2> "$T/$w.hostile.err"
	[ "$w" = noread ] && true
	touch "$T/stop"
	wait $pids
	t1=$(date +%s)
	cat "$T/$w".legit.* > "$T/$w.legit"
	settle "$w"
	report "$w" "$lines0" $((t1 - t0))
}

# until every process is back to its descriptors and within 10% of its
# RSS, at most 30 s: the connections close as the peers' do
settle()
{
	i=0
	while [ $i -lt 300 ]; do
		back=1
		while read -r p fd r; do
			[ "$(nfd "$p")" -le "$fd" ] || back=0
			[ -n "$PVGATE_SANITIZED" ] ||
			    [ "$(rss "$p")" -le $((r + r / 10)) ] || back=0
		done < "$T/base"
		[ $back -eq 1 ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

report()
{
	w=$1
	made=$(sed -n 's/.* made=\([0-9]*\).*/\1/p' "$T/$w.hostile")
	gone=$(sed -n 's/.*closed_by_gateway=\([0-9]*\).*/\1/p' \
	    "$T/$w.hostile")
	nofail=$(sed -n 's/.* failed=\([0-9]*\).*/\1/p' "$T/$w.hostile")
	okr=$(grep -c '^ok ' "$T/$w.legit")
	bad=$(grep -c '^not ok ' "$T/$w.legit")
	lat=$(sed -n 's/.*worst reply latency \([0-9]*\) ms/\1/p' \
	    "$T/$w.legit" | sort -n | tail -1)
	check "$w: the load generator ran (${made:-0} connections made)" \
	    test "${made:-0}" -gt 0
	if [ "$bad" -eq 0 ] && [ "$okr" -gt 0 ]; then
		ok "$w: legitimate devices: $okr replies byte-exact in time"
	else
		nok "$w: legitimate devices: $okr replies byte-exact, $bad not"
		grep '^not ok' "$T/$w.legit" | sort | uniq -c | head -5
	fi
	for l in $LEGIT; do
		check "$w: $l device talked during the wave" \
		    grep -q '^ok ' "$T/$w.legit.$l"
	done
	relayed "$w"
	tail -n +$(($2 + 1)) "$T/stderr" > "$T/$w.log"
	drops=$(drops "$T/$w.log")
	row="$w ${made:-0} ${nofail:-0} ${gone:-0} $okr/$((okr + bad)) ${lat:--}"
	while read -r p n; do
		read -r _ fd0 r0 <<EOF
$(grep "^$p " "$T/base")
EOF
		if ! kill -0 "$p" 2>/dev/null; then
			nok "$w: $n is alive"
			continue
		fi
		ok "$w: $n is alive"
		fd1=$(nfd "$p")
		r1=$(rss "$p")
		pk=$(hwm "$p")
		check "$w: $n: descriptors back to $fd0 ($fd1)" \
		    test "$fd1" -le "$fd0"
		if [ -n "$PVGATE_SANITIZED" ]; then
			ok "$w: $n: RSS ${r0} KiB before, $r1 KiB after, peak" \
			    "$pk # SKIP the sanitizers' allocator"
		else
			check "$w: $n: RSS within 10% of ${r0} KiB ($r1 KiB, peak $pk)" \
			    test "$r1" -le $((r0 + r0 / 10))
		fi
		echo "$w $n $fd0 $fd1 $r0 $pk $r1" >> "$T/table"
	done < "$T/procs"
	echo "$row $3 $drops" >> "$T/waves"
	# a refusal or drop is logged at most twice per interval (10 s)
	# and listener, its first and the count of the rest; a dumped
	# frame ten times per interval, then counted
	lim=$(($3 / 10 + 2))
	for why in max_connections max_per_address 'not read'; do
		n=$(grep -c "$why" "$T/$w.log")
		check "$w: '$why' logged $n times, twice per 10 s at most" \
		    test "$n" -le $((lim * 6 * 2))
	done
	for why in dumped 'back on a new connection' 'relayed no more'; do
		n=$(grep -c "$why" "$T/$w.log")
		check "$w: '$why' logged $n times, 11 per 10 s at most" \
		    test "$n" -le $((lim * 11))
	done
}

# relayed WAVE: every frame the relayed device got is one its cloud
# sent, byte for byte, an answer or a read, never one to block
relayed()
{
	_got=$(grep -c '^recv ' "$T/$1.relay.dev" 2>/dev/null)
	_bad=$(awk 'NR == FNR { if ($1 == "sent" && ($2 == "ack" ||
		    $2 == "read")) s[$3] = 1; next }
	    $1 == "recv" && !($2 in s) { n++ }
	    END { print n + 0 }' "$T/sm.cloud" "$T/$1.relay.dev" 2>/dev/null)
	_acks=$(grep -c ': cloud: .*answered after' "$T/$1.legit.relay")
	_what="$_acks answers of its cloud, $_got frames"
	check "$1: relayed: $_what, byte-exact as sent (${_bad:-?} not)" \
	    test "${_got:-0}" -gt 0 -a "${_acks:-0}" -gt 0 -a "${_bad:-1}" -eq 0
}

# counted REASON LOG FIRST: the first of an interval said with its
# details (FIRST), the rest counted in "N more REASON" lines
counted()
{
	f=$(grep -c -- "$3" "$2")
	m=$(grep -- "more $1" "$2" | sed -n 's/.*: \([0-9]*\) more .*/\1/p' |
	    awk '{ s += $1 } END { print s + 0 }')
	echo $((f + m))
}

# drops by reason, as the gateway's log counts them
drops()
{
	echo "refused:$(counted 'connections refused (max_connections)' "$1" \
	    'refusing more (max_connections)')" \
	    "evicted:$(counted 'connections without a frame' "$1" \
	    'oldest without a frame')" \
	    "per_address:$(counted 'connections refused (max_per_address)' \
	    "$1" 'refusing more (max_per_address)')" \
	    "noread:$(counted 'connections closed: their replies' "$1" \
	    'does not read its replies')" \
	    "dumped:$(counted 'frames dumped' "$1" \
	    'frame of [0-9]* bytes from .* dumped')" \
	    "taken_over:$(counted 'devices back on a new connection' "$1" \
	    'is back on a new connection')" \
	    "unrelayed:$(counted 'connections relayed no more' "$1" \
	    'relayed no more (')" | tr ' ' ,
}

if [ $LONG -eq 1 ]; then
	N_RANDOM=5000 N_SLOW=500 N_MAX=200 N_NOREAD=30 N_HALF=1000
	D_SLOW=20000 I_SLOW=2000 D_HOLD=5000
else
	N_RANDOM=300 N_SLOW=60 N_MAX=30 N_NOREAD=5 N_HALF=60
	D_SLOW=3000 I_SLOW=1000 D_HOLD=1500
fi

FD0=$(nfd_total)
# warm up: every path of the attacks once, so that the baseline has
# the code pages in and only what stays counts
for w in random slowloris maxlen halfopen; do
	"$HOSTILE" -w $w -n 12 -d 300 -i 100 -m "$MAXFRAME" \
	    $(echo "$TARGETS" | tr '\n' ' ') > /dev/null 2>&1
done
"$HOSTILE" -w noread -n 5 -d 5000 -m "$MAXFRAME" \
    $(echo "$NOREAD" | tr '\n' ' ') > /dev/null 2>&1
for l in $LEGIT; do legit_run $l > /dev/null 2>&1; done
# the baseline: descriptors back, RSS steady for a second
base_settle
base

wave random -w random -n $N_RANDOM -c 400 -d 200 -a 1000
wave slowloris -w slowloris -n $N_SLOW -d $D_SLOW -i $I_SLOW
wave maxlen -w maxlen -n $N_MAX -d $D_HOLD
TARGETS_ALL=$TARGETS
TARGETS=$NOREAD
wave noread -w noread -n $N_NOREAD -d 30000
TARGETS=$TARGETS_ALL
check "noread: every connection that never reads was closed" \
    grep -q "made=$N_NOREAD .*closed_by_gateway=$N_NOREAD " "$T/noread.hostile"
wave halfopen -w halfopen -n $N_HALF -d $D_HOLD
check "halfopen: the gateway closed every half-closed connection" \
    grep -q "closed_by_gateway=$((N_HALF / 2)) " "$T/halfopen.hostile"
wave flood-one -w flood -n $((PERADDR * 6 + 60)) -d $D_HOLD -s 127.2.0.1
wave flood-many -w flood -n $(((MAXCONN + 60) * 6)) -d $D_HOLD -a 1000 \
    -s 127.3.0.1

# one table: a wave's figures on its first line, one line per process
if [ $LONG -eq 1 ] || [ -n "$HOSTILE_TABLE" ]; then
	awk 'NR == FNR { w[$1] = $0; next }
	    {
		if ($1 != last) {
			split(w[$1], f, " ")
			printf "# %-10s %5s %4s %5s %11s %5s  %-13s %2s/%-2s" \
			    " %5s %5s %5s  %s\n", $1, f[2], f[3], f[4], f[5],
			    f[6], $2, $3, $4, $5, $6, $7, f[8]
			last = $1
		} else
			printf "# %-10s %5s %4s %5s %11s %5s  %-13s %2s/%-2s" \
			    " %5s %5s %5s\n", "", "", "", "", "", "", $2, $3,
			    $4, $5, $6, $7
	    }' "$T/waves" "$T/table" > "$T/fig"
	printf '# %-10s %5s %4s %5s %11s %5s  %-13s %5s %5s %5s %5s  %s\n' \
	    wave conns fail gwcls legit_ok/n worst process fds rss0 peak \
	    rss1 drops
	printf '# %-10s %5s %4s %5s %11s %5s  %-13s %5s %5s %5s %5s\n' \
	    "" made conn closed verified ms "" "0/1" KiB KiB KiB
	cat "$T/fig"
fi

# every refusal and drop the gateway counted is in its log, said with
# its details or in the "N more" line that ends its interval (10 s),
# even when no more of its kind come after it
sleep 11
"$PVGATECTL" -s "$CTLSOCK" -j counters > "$T/counters.json"
logged()
{
	# logged REASON: the count of REASON in the whole log
	drops "$T/stderr" | tr , '\n' | sed -n "s/^$1://p"
}
for c in "refused .listeners[].listener_refused.max_connections" \
    "per_address .listeners[].listener_refused.max_per_address" \
    "evicted .listeners[].listener_closed.no_frame_room" \
    "noread .listeners[].listener_closed.unread_replies" \
    "dumped .protocols[] | select(.protocol != \"capture\") | .decoder_dumps"
do
	why=${c%% *}
	n=$(jq "[${c#* }] | add" "$T/counters.json")
	l=$(logged "$why")
	# (no refusal for max_connections: the floods send nothing, and
	# the oldest of those goes to make room)
	[ "$why" = refused ] || [ "${n:-0}" -gt 0 ] ||
	    nok "$why: the waves made some"
	check "$why: all $n counted are in the log ($l)" test "${n:-x}" = "$l"
done

# the gateway still stops cleanly
kill -TERM "$GWPID"
if gw_wait_exit 10 && [ "$GWRC" = 0 ]; then
	ok "SIGTERM after the waves: pvgated exits 0"
else
	nok "SIGTERM after the waves: pvgated exits 0 (got $GWRC)"
fi
exit 0
