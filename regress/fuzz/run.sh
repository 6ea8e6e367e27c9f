#!/bin/sh
#
# regress/fuzz/run.sh SECONDS: run every target regress/fuzz/build.sh
# built, each for SECONDS (default 60), seeded with the frames in
# regress/vectors/*/*.hex and, for a target fuzz_NAME, with the inputs
# in regress/fuzz/seeds/fuzz_NAME/*.hex (in that target's own input
# format).  One line per target:
#
#	ok - fuzz <name>: <N> execs
#	not ok - fuzz <name>: <what happened>
#
# The corpus make fuzz keeps (regress/fuzz/corpus/TARGET) is replayed
# too, and so are the inputs in regress/fuzz/regressions/ (those that
# once failed a target, kept whatever the target: every one replays
# them).  A crashing input is kept in regress/fuzz/crashes/.  Exits 1 if any
# target failed.  JOBS targets run at a time (default: the number of
# processors); the lines come in the targets' order.

cd "$(dirname "$0")/../.." || exit 1

SECS=${1:-60}
BIN=regress/fuzz/bin
CRASHES=regress/fuzz/crashes

case $SECS in
''|*[!0-9]*)
	echo "usage: $0 SECONDS" >&2
	exit 2
	;;
esac

if ! ls "$BIN"/fuzz_* >/dev/null 2>&1; then
	echo "ok - fuzz # SKIP no targets in $BIN (run build.sh)"
	exit 0
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pvgate-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'kill $(jobs -p) 2>/dev/null; exit 1' INT TERM HUP

. regress/fuzz/lib.sh
seeds_vectors "$TMP/seeds"

# one TARGET: run it, and print its line
one()
{
	bin=$1
	name=$(basename "$bin")
	short=${name#fuzz_}
	mkdir -p "$TMP/$name"
	seeds_own "$name" "$TMP/$name.seeds"
	log=$TMP/$name.log
	"$bin" -max_total_time="$SECS" -print_final_stats=1 -timeout=25 \
	    -artifact_prefix="$TMP/$name-" "$TMP/$name" "$TMP/seeds" \
	    "$TMP/$name.seeds" $(ls -d "regress/fuzz/corpus/$name" 2>/dev/null) \
	    regress/fuzz/regressions \
	    > "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$execs" ]; then
		echo "ok - fuzz $short: $execs execs"
		return
	fi

	mkdir -p "$CRASHES"
	kept=
	for a in "$TMP/$name"-*; do
		[ -f "$a" ] || continue
		cp "$a" "$CRASHES/" && kept="$CRASHES/$(basename "$a")"
	done
	cp "$log" "$CRASHES/$name.log"
	why=$(grep -m 1 -E 'ERROR: |runtime error|deadly signal' "$log")
	echo "not ok - fuzz $short: exit $rc${why:+, $why}" \
	    "${kept:+(input $kept)}"
}

# JOBS targets at a time (default: the number of processors), each
# line printed in the targets' order
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
n=0
for bin in "$BIN"/fuzz_*; do
	case $bin in *.log) continue ;; esac
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	one "$bin" > "$TMP/$(basename "$bin").out" &
	n=$((n + 1))
	if [ "$n" -ge "$JOBS" ]; then
		wait
		n=0
	fi
done
wait
failed=0
for bin in "$BIN"/fuzz_*; do
	out=$TMP/$(basename "$bin").out
	[ -f "$out" ] || continue
	cat "$out"
	grep -q '^not ok' "$out" && failed=1
done
exit "$failed"
