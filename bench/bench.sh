#!/bin/sh
#
# make bench: how many devices one gateway carries, and what privilege
# separation costs.  For each protocol in the bench table (or those
# named), bench/loadgen drives first the floor (bench/floor: one epoll
# process, same replies, no privilege separation, no decoding), then a
# real pvgated over loopback, and one table compares the two.
#
#	sh bench/bench.sh [-quick] [protocol ... | startup]
#
# With no protocol named, it also measures startup (bench/startup):
# pvgated with every protocol configured, from exec until every port
# has answered a device's first frame; "startup" alone measures only
# that.
# -quick is the smoke test regress/run uses: 1 and 10 connections for a
# second, and "ok - ..." lines for what must hold.  Needs root (pvgated
# drops to _pvgated in a chroot), like the end-to-end tests.  A benchmark,
# never a test of speed: only -quick's correctness checks can fail.

cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
LOADGEN=$TOP/bench/loadgen
FLOOR=$TOP/bench/floor
STARTUP=$TOP/bench/startup
PVGATED=$TOP/parent/pvgated
VEC=$TOP/regress/vectors
# the clock in replies: the floor and loadgen as pvgated's decoder
TZ=UTC
export TZ

QUICK=0
if [ "${1:-}" = -quick ]; then
	QUICK=1
	shift
fi
if [ $QUICK = 1 ]; then
	CLOSED=1,10 SECS=1 OCONNS=10 OSECS=1 FIXED=0 IDLE=10 ISECS=1
	CHURN=1,10 CSECS=1 SRUNS=1
else
	CLOSED=1,100,1000,10000 SECS=3 OCONNS=1000 OSECS=5 FIXED=1000
	IDLE=10000,max ISECS=10 CHURN=1,10,100 CSECS=${CHURN_SECS:-3}
	SRUNS=9
fi

for p in "$LOADGEN" "$FLOOR" "$STARTUP" "$PVGATED"; do
	if [ ! -x "$p" ]; then
		echo "not ok - $p is not built: run make" >&2
		exit 1
	fi
done
if [ ! -r /proc/self/stat ]; then
	echo "not ok - make bench needs /proc" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "not ok - make bench starts pvgated and needs root" >&2
	exit 1
fi
getent passwd _pvgated > /dev/null ||
    useradd -r -M -d /var/empty -s /usr/sbin/nologin _pvgated
[ -d /var/empty ] || { mkdir -p /var/empty; chmod 755 /var/empty; }

T=$(mktemp -d /tmp/pvgated-bench.XXXXXX) || exit 1
chmod 755 "$T"
FPID=
GPID=
failed=0

cleanup()
{
	[ -n "$FPID" ] && kill -KILL "$FPID" 2>/dev/null
	if [ -n "$GPID" ]; then
		for p in $(pgrep -P "$GPID") "$GPID"; do
			kill -KILL "$p" 2>/dev/null
		done
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

check()
{
	# check NAME COMMAND...: only -quick says it
	_n=$1
	shift
	if "$@" > /dev/null 2>&1; then
		[ $QUICK = 1 ] && echo "ok - $_n"
	else
		echo "not ok - $_n"
		failed=$((failed + 1))
	fi
	return 0
}

free_port()
{
	# below the ephemeral ports (32768 on); no socket of any state
	p=$((20000 + ($$ + $1) % 12000))
	while ss -Htanu "sport = :$p" 2>/dev/null | grep -q .; do
		p=$((p + 1))
	done
	echo "$p"
}

wait_listen()
{
	i=0
	while [ $i -lt 100 ]; do
		ss -ltn "sport = :$1" 2>/dev/null | grep -q LISTEN && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# val FILE KEY: the value loadgen printed, or empty
val()
{
	awk -v k="$2" '$1 == k { print $2; exit }' "$1"
}

gw_conf()
{
	# gw_conf FILE PROTOCOL PORT
	cat > "$1" <<EOC
[gateway]
user = _pvgated
chroot = /var/empty
state_dir = $T/state
idle_timeout = 600
max_connections = $(ulimit -Hn)
max_frame = 8192
timezone = UTC

[export]
stdout = json
dump = on

EOC
	"$LOADGEN" -P "$2" -p "$3" -w >> "$1"
}

gw_stop()
{
	kill -TERM "$GPID" 2>/dev/null
	i=0
	while kill -0 "$GPID" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$GPID" 2>/dev/null
	wait "$GPID" 2>/dev/null
	GPID=
}

run_proto()
{
	proto=$1
	LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
	FP=$(free_port 0)
	"$FLOOR" -P "$proto" -p "$FP" &
	FPID=$!
	wait_listen "$FP" || { echo "not ok - floor did not start"; exit 1; }

	GP=$(free_port 1)
	[ "$GP" = "$FP" ] && GP=$((FP + 1))
	gw_conf "$T/pvgated.conf" "$proto" "$GP"
	rm -rf "$T/state" "$T/records"
	mkdir -p "$T/state"
	mkfifo "$T/records"
	# pvgated starts once loadgen opens the FIFO
	"$PVGATED" -d -s "$T/pvgated.sock" -f "$T/pvgated.conf" \
	    > "$T/records" 2> "$T/stderr" &
	GPID=$!
	"$LOADGEN" -P "$proto" -V "$VEC" -N pvgated -p "$GP" -G "$GPID" \
	    -x "$T/records" -F "$FP" -H "$FPID" -c "$CLOSED" -t "$SECS" \
	    -O "$OCONNS" -o "$OSECS" -R "$FIXED" -i "$IDLE" -I "$ISECS" \
	    -C "$CHURN" -T "$CSECS" > "$T/out" 2> "$T/err"
	check "$proto: the load generator ran" test $? -eq 0
	gw_stop
	kill -TERM "$FPID" 2>/dev/null
	wait "$FPID" 2>/dev/null
	FPID=

	cat "$T/err" >&2
	table "$proto" "$T/out" "$LOAD"
	cp "$T/out" "$T/sum.$proto"

	O=$T/out
	n=$(val "$O" compare)
	check "$proto: pvgated and the floor send the same reply bytes ($n)" \
	    test -n "$n" -a "${n%/*}" = "${n#*/}" -a "${n%/*}" -gt 0
	check "$proto: every reply as captured, floor and pvgated" \
	    test "$(val "$O" floor.bad)" = 0 -a "$(val "$O" pvgated.bad)" = 0
	check "$proto: every frame answered" \
	    test "$(val "$O" floor.unanswered)" = 0 \
	    -a "$(val "$O" pvgated.unanswered)" = 0
	check "$proto: records lost: $(val "$O" pvgated.lost)" \
	    test "$(val "$O" pvgated.lost)" = 0
	n=$(val "$O" pvgated.churn.total)
	# a step's records may arrive in the next one: the steps together
	# must have lost none (each step's figure is in the message)
	steps=$(awk '$1 ~ /^pvgated\.churn\.[0-9]+\.lost$/ {
	    sub(/^pvgated\.churn\./, "", $1); sub(/\.lost$/, "", $1);
	    printf "%s%s clients %s", sep, $1, $2; sep = ", " }' "$O")
	sum=$(awk '$1 ~ /^pvgated\.churn\.[0-9]+\.lost$/ { s += $2 }
	    END { print s + 0 }' "$O")
	[ -n "$n" ] && check "$proto: churn, $n connections, no record lost \
($steps)" test "$sum" = 0
	check "$proto: no connection dropped" \
	    test "$(val "$O" floor.dropped)" = 0 \
	    -a "$(val "$O" pvgated.dropped)" = 0
	if [ $QUICK = 1 ] && grep -q . "$T/stderr"; then
		sed 's/^/# /' "$T/stderr"
	fi
}

# the table, from the two "key value" files
table()
{
	awk -v proto="$1" -v ncpu="$(nproc)" -v fdmax="$(ulimit -Hn)" \
	    -v load="$3" '
	$1 ~ /^floor\./ { f[substr($1, 7)] = $2; next }
	$1 ~ /^pvgated\./ { g[substr($1, 9)] = $2; next }
	{ g[$1] = $2 }
	function num(x) { return x != "" && x != "-" }
	function has(k) { return (k in f) || (k in g) }
	function big(x,    s, r) {
		if (!num(x)) return "-"
		s = sprintf("%.0f", x); r = ""
		while (length(s) > 3) {
			r = "," substr(s, length(s) - 2) r
			s = substr(s, 1, length(s) - 3)
		}
		return s r
	}
	function fix(x, d) { return num(x) ? sprintf("%." d "f", x) : "-" }
	function ratio(a, b) {
		return num(a) && num(b) && a > 0 ? sprintf("%.2fx", b / a) : ""
	}
	function row(label, a, b, r, t,    l) {
		l = sprintf("%-44s %12s %12s %7s  %s", label, a, b, r, t)
		sub(/ +$/, "", l)
		print l
	}
	function verdict(ok, s) { return s (ok ? "  ok" : "  MISSED") }
	function lat(k, label, target) {
		row(label, big(f[k ".fps"]), big(g[k ".fps"]), "", "")
		row("  reply latency p50 ms", fix(f[k ".p50"], 3),
		    fix(g[k ".p50"], 3), ratio(f[k ".p50"], g[k ".p50"]), "")
		row("  reply latency p99 ms", fix(f[k ".p99"], 3),
		    fix(g[k ".p99"], 3), ratio(f[k ".p99"], g[k ".p99"]),
		    target ? verdict(g[k ".p99"] < 2 && \
		    g[k ".p99"] <= 2 * f[k ".p99"], "< 2 ms, <= 2x") : "")
		row("  reply latency p99.9 ms", fix(f[k ".p999"], 3),
		    fix(g[k ".p999"], 3), ratio(f[k ".p999"], g[k ".p999"]), "")
	}
	# times each process was run (schedstat) per frame or connection
	function runs(k, per,    j, t, s) {
		if (!((k "listener") in g))
			return
		t = 0; s = ""
		for (j = 1; j <= 3; j++) {
			t += g[k ps[j]]
			s = s (j > 1 ? " / " : "") fix(g[k ps[j]], 2)
		}
		row("  times run per " per ", all", fix(f[k "floor"], 2),
		    fix(t, 2), ratio(f[k "floor"], t), "")
		row("    listener / decoder / exporter", "", s, "", "")
	}
	# one connection per request, as an ECU does
	function churn(    n, i, c, k, t) {
		if (!has("churn.total"))
			return
		n = split("1 10 100 1000", cs, " ")
		for (i = 1; i <= n; i++) {
			c = cs[i]; k = "churn." c
			if (!has(k ".cps"))
				continue
			t = verdict(g[k ".cps"] >= f[k ".cps"] * \
			    (c == 1 ? 0.6 : 0.9), c == 1 ? ">= 0.60x" : \
			    ">= 0.90x")
			row(sprintf("churn, %s client%s: connections/s",
			    big(c), c == 1 ? "" : "s"), big(f[k ".cps"]),
			    big(g[k ".cps"]), ratio(f[k ".cps"], g[k ".cps"]),
			    t)
			row("  connect to reply p50 ms", fix(f[k ".p50"], 3),
			    fix(g[k ".p50"], 3), ratio(f[k ".p50"],
			    g[k ".p50"]), "")
			row("  connect to reply p99 ms", fix(f[k ".p99"], 3),
			    fix(g[k ".p99"], 3), ratio(f[k ".p99"],
			    g[k ".p99"]), "")
			row("  CPU ms per 1,000 connections, all",
			    fix(f[k ".cpu.total"] * 1000, 1),
			    fix(g[k ".cpu.total"] * 1000, 1),
			    ratio(f[k ".cpu.total"], g[k ".cpu.total"]),
			    verdict(g[k ".cpu.total"] <= \
			    1.3 * f[k ".cpu.total"], "<= 1.30x"))
			for (j = 1; j <= 3; j++)
				row("    " ps[j], "",
				    fix(g[k ".cpu." ps[j]] * 1000, 1), "", "")
			runs(k ".wakeups.", "connection")
		}
		row(sprintf("churn: descriptors before / after %s conns",
		    big(g["churn.total"])), f["churn.before.fds.floor"] \
		    " / " f["churn.after.fds.floor"],
		    g["churn.before.fds.listener"] " / " \
		    g["churn.after.fds.listener"], "",
		    verdict(g["churn.after.fds.listener"] <= \
		    g["churn.before.fds.listener"], "no growth"))
		for (j = 1; j <= 4; j++)
			row("  RSS KiB before / after, " ps[j], "",
			    big(g["churn.before.kib." ps[j]]) " / " \
			    big(g["churn.after.kib." ps[j]]), "", "")
	}
	BEGIN { split("listener decoder exporter parent", ps, " ") }
	END {
		printf "make bench: %s over loopback, %d CPUs (load average " \
		    "%s before the run);\nfloor = one epoll process, same " \
		    "reply bytes, no privilege separation, no decoding;\n" \
		    "ratio = pvgated/floor\n\n", proto, ncpu, load
		row("", "floor", "pvgated", "ratio", "target")
		n = split("1 10 100 1000 10000", cs, " ")
		for (i = 1; i <= n; i++) {
			c = cs[i]; k = "closed." c ".fps"
			if (!has(k)) continue
			t = ""
			if (c == 100 || c == 1000)
				t = verdict(g[k] >= f[k] * 0.8, ">= 0.80x")
			if (c == 10000)
				t = verdict(g[k] >= f[k] * 0.6, ">= 0.60x")
			row(sprintf("frames/s end to end, %s connection%s",
			    big(c), c == 1 ? "" : "s"), big(f[k]), big(g[k]),
			    ratio(f[k], g[k]), t)
		}
		c = big(has("open.conns") ? f["open.conns"] : "")
		lat("open", "half pvgated peak, " c " conns: frames/s", 1)
		if (has("fixed.fps"))
			lat("fixed", "open loop at " big(f["fixed.rate"]) \
			    " frames/s, " big(f["fixed.conns"]) " conns", 0)
		# CPU at 1,000 connections, else at the most there were
		c = 1
		for (i = 1; i <= n; i++)
			if (has("closed." cs[i] ".cpu.total") && c != 1000)
				c = cs[i]
		k = "closed." c ".cpu."
		row(sprintf("CPU ms per 1,000 frames (%s conns), all", big(c)),
		    fix(f[k "total"] * 1000, 1), fix(g[k "total"] * 1000, 1),
		    ratio(f[k "total"], g[k "total"]),
		    verdict(g[k "total"] <= 1.5 * f[k "total"], "<= 1.50x"))
		for (i = 1; i <= 4; i++)
			row("  " ps[i], "", fix(g[k ps[i]] * 1000, 1), "", "")
		runs(sprintf("closed.%d.wakeups.", c), "frame")
		row("peak RSS KiB (VmHWM), floor / listener",
		    big(f["hwm.floor"]), big(g["hwm.listener"]), "", "")
		for (i = 2; i <= 4; i++)
			row("  " ps[i], "", big(g["hwm." ps[i]]), "", "")
		for (k in g)
			if (k ~ /^idle\.[0-9]+\.held$/) {
				split(k, a, "."); ic[a[2]] = 1
			}
		m = 0
		for (c in ic) ics[++m] = c + 0
		for (i = 1; i <= m; i++)
			for (j = i + 1; j <= m; j++)
				if (ics[j] < ics[i]) {
					x = ics[i]; ics[i] = ics[j]; ics[j] = x
				}
		for (i = 1; i <= m; i++) {
			c = ics[i]
			row(sprintf("bytes per idle conn, listener, %s held",
			    big(g["idle." c ".held"])),
			    big(f["idle." c ".perconn.floor"]),
			    big(g["idle." c ".perconn.listener"]),
			    ratio(f["idle." c ".perconn.floor"],
			    g["idle." c ".perconn.listener"]),
			    verdict(g["idle." c ".perconn.listener"] < 4096,
			    "< 4 KiB"))
			row("  decoder, same connections", "",
			    big(g["idle." c ".perconn.decoder"]), "", "")
		}
		cpu = 0; wk = 0
		for (i = 1; i <= 4; i++) {
			cpu += g["idle.cpu_ms." ps[i]]
			wk += g["idle.wakeups." ps[i]]
		}
		row(sprintf("idle %s s, %s conns held: CPU ms, all",
		    f["idle.secs"], big(f["idle.conns"])),
		    fix(f["idle.cpu_ms.floor"], 3), fix(cpu, 3), "",
		    verdict(cpu < 1 * g["idle.secs"], "~0"))
		row("  wakeups, all processes", big(f["idle.wakeups.floor"]),
		    big(wk), "", verdict(wk <= 2 * g["idle.secs"], "~0"))
		churn()
		row("records exported / lost", "", big(g["records"]) " / " \
		    g["lost"], "", verdict(g["lost"] == 0, "0 lost"))
		row("replies checked, bad", big(f["replies"]) " / " f["bad"],
		    big(g["replies"]) " / " g["bad"], "", "")
		row("sample replies byte-identical to the floor", "",
		    g["compare"], "", "")
		if (fdmax != "unlimited" && fdmax < 51000 &&
		    g["idle.conns"] >= 10000)
			printf "\nA process may hold %s descriptors here, " \
			    "so one listener holds at most\nabout %s " \
			    "connections, not 50,000.\n", big(fdmax),
			    big(g["idle.conns"])
		printf "\n"
	}' "$2"
}

# one table of every protocol's rates and CPU, from the saved outputs
summary()
{
	echo "make bench: every protocol, closed loop, frames/s end to end" \
	    "and CPU ms per 1,000 frames"
	echo "(all processes; at 1,000 connections, else the most measured)"
	echo
	printf "%-14s %-22s %10s %10s %7s\n" protocol "" floor pvgated ratio
	for p in $protos; do
		awk -v proto="$p" '
		$1 ~ /^floor\./ { f[substr($1, 7)] = $2; next }
		$1 ~ /^pvgated\./ { g[substr($1, 9)] = $2; next }
		function r(a, b) {
			return a > 0 && b != "" ? sprintf("%.2fx", b / a) : "-"
		}
		function line(what, a, b, fmt) {
			printf "%-14s %-22s %10s %10s %7s\n", proto, what,
			    a == "" ? "-" : sprintf(fmt, a),
			    b == "" ? "-" : sprintf(fmt, b), r(a, b)
			proto = ""
		}
		END {
			n = split("1 10 100 1000 10000", cs, " ")
			for (i = 1; i <= n; i++) {
				k = "closed." cs[i] ".fps"
				if (k in f || k in g)
					line(cs[i] " conns, frames/s", f[k],
					    g[k], "%.0f")
			}
			c = 1
			for (i = 1; i <= n; i++)
				if (("closed." cs[i] ".cpu.total" in g) &&
				    c != 1000)
					c = cs[i]
			k = "closed." c ".cpu.total"
			line("CPU ms/1,000 frames", f[k] * 1000, g[k] * 1000,
			    "%.1f")
			split("listener decoder exporter", ps, " ")
			for (i = 1; i <= 3; i++)
				line("  " ps[i], "",
				    g["closed." c ".cpu." ps[i]] * 1000,
				    "%.1f")
		}' "$T/sum.$p"
	done
	echo
}

# exec to every port answering, every protocol configured
startup()
{
	LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
	rm -rf "$T/state"
	mkdir -p "$T/state"
	"$STARTUP" -n "$SRUNS" -V "$VEC" -d "$T" -x "$PVGATED" \
	    > "$T/startup" 2> "$T/startup.err"
	check "startup: pvgated answered on every port, $SRUNS runs" \
	    test $? -eq 0
	cat "$T/startup.err" >&2
	awk -v load="$LOAD" -v runs="$SRUNS" '
	{ v[$1] = $2 }
	END {
		printf "make bench: startup, pvgated with every protocol " \
		    "configured (%s ports),\nexec until every port has " \
		    "answered a first frame, %s runs (load average %s " \
		    "before)\n\n", v["startup.ports"], runs, load
		printf "%-44s %8s %8s %8s  %s\n", "", "min", "median",
		    "max", "target"
		printf "%-44s %8.1f %8.1f %8.1f  %s\n", "startup ms",
		    v["startup.min"], v["startup.median"], v["startup.max"],
		    "<= 100 ms" (v["startup.median"] <= 100 ? "  ok" : \
		    "  MISSED")
		printf "\n"
	}' "$T/startup"
}

protos=$*
if [ "$protos" = startup ]; then
	startup
	[ $failed -eq 0 ]
	exit
fi
[ -n "$protos" ] || { protos=$("$LOADGEN" -l); STARTALL=1; }
for p in $protos; do
	run_proto "$p"
done
summary
[ -n "${STARTALL:-}" ] && startup
[ $failed -eq 0 ]
