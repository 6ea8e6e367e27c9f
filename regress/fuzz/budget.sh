#!/bin/sh
#
# regress/fuzz/budget.sh (make fuzz): every target regress/fuzz/build.sh
# built, run to a number of executions rather than for a time: 10
# million for a framer's target (the relay's cloud_* targets are the
# cloud framer with its firewall: framers too), 1 million for a
# decoder's (each a structure-aware one too; dns is the cloud lookup's
# answer reader, a decoder), from the vectors and the corpus kept in
# regress/fuzz/corpus/TARGET/.  One target at a time, niced: the
# machine is shared.  What a run found that adds coverage is merged
# back into the corpus (minimised; inputs of at most 1 KiB keep it
# small).  A crash is kept in regress/fuzz/crashes/ and fails the run;
# once fixed, its input goes into regress/fuzz/regressions/, which
# every target replays on every run (make test's short one too).
#
# Prints one table: target, kind, executions, edges, findings.
#
#	FUZZ_FRAMER_RUNS, FUZZ_DECODER_RUNS	override the budgets
#	FUZZ_MAX_TIME				seconds a target may take at
#						most (default 1800): a slow
#						target stops short, said so
#	FUZZ_ONLY				a pattern of target names
#
# Each corpus kept is cut to its 64 smallest inputs, 32 KiB at most.

cd "$(dirname "$0")/../.." || exit 1

BIN=regress/fuzz/bin
CORPUS=regress/fuzz/corpus
CRASHES=regress/fuzz/crashes
FRAMER_RUNS=${FUZZ_FRAMER_RUNS:-10000000}
DECODER_RUNS=${FUZZ_DECODER_RUNS:-1000000}
MAXLEN=1024
MAXTIME=${FUZZ_MAX_TIME:-1800}
KEEP=32768

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pvgate-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP

mkdir -p "$TMP/seeds"
for f in regress/vectors/*/*.hex; do
	[ -f "$f" ] || continue
	d=$(basename "$(dirname "$f")")
	perl -0777 -ne 's/\s+//g; print pack("H*", $_)' "$f" \
	    > "$TMP/seeds/$d-$(basename "$f" .hex)"
done

failed=0
printf '%-26s %-8s %12s %7s %9s\n' target kind executions edges findings \
    > "$TMP/table"
for bin in "$BIN"/fuzz_*; do
	case $bin in *.log) continue ;; esac
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	short=${name#fuzz_}
	case $short in
	${FUZZ_ONLY:-*}) ;;
	*) continue ;;
	esac
	case $short in
	*_frame)	kind=framer; runs=$FRAMER_RUNS ;;
	cloud_*)	kind=cloud; runs=$FRAMER_RUNS ;;
	*_struct)	kind=struct; runs=$DECODER_RUNS ;;
	*)		kind=decoder; runs=$DECODER_RUNS ;;
	esac
	mkdir -p "$CORPUS/$name" "$TMP/$name"
	log=$TMP/$name.log
	nice -n 10 "$bin" -runs="$runs" -max_len=$MAXLEN -timeout=25 \
	    -max_total_time="$MAXTIME" \
	    -print_final_stats=1 -artifact_prefix="$TMP/$name-" \
	    "$TMP/$name" "$CORPUS/$name" "$TMP/seeds" regress/fuzz/regressions \
	    > "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -n 1)
	edges=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	found=0
	for a in "$TMP/$name"-*; do
		[ -f "$a" ] || continue
		found=$((found + 1))
		mkdir -p "$CRASHES"
		cp "$a" "$CRASHES/"
	done
	if [ "$rc" -ne 0 ] && [ "$found" -eq 0 ]; then
		found=1
		mkdir -p "$CRASHES"
		cp "$log" "$CRASHES/$name.log"
	fi
	if [ "$found" -eq 0 ]; then
		if [ "${execs:-0}" -ge "$runs" ]; then
			echo "ok - fuzz $short: $execs executions, $edges edges"
		else
			echo "ok - fuzz $short: $execs executions, $edges edges" \
			    "# short of $runs: the time cap of $MAXTIME s"
		fi
		# what this run found that adds coverage, minimised, cut
		nice -n 10 "$bin" -merge=1 -max_len=$MAXLEN "$CORPUS/$name" \
		    "$TMP/$name" > "$TMP/$name.merge" 2>&1
		ls -S -r "$CORPUS/$name" | awk -v d="$CORPUS/$name" \
		    -v keep=$KEEP '{ print d "/" $0 }' | while read -r f; do
			kept=$((${kept:-0} + $(wc -c < "$f")))
			nf=$((${nf:-0} + 1))
			[ "$kept" -le $KEEP ] && [ "$nf" -le 64 ] || rm -f "$f"
		done
	else
		echo "not ok - fuzz $short: ${execs:-0} of $runs executions," \
		    "$found findings (see $CRASHES)"
		failed=1
	fi
	printf '%-26s %-8s %12s %7s %9s\n' "$short" "$kind" "${execs:-0}" \
	    "${edges:--}" "$found" >> "$TMP/table"
done
sed 's/^/# /' "$TMP/table"
echo "# corpus: $(find "$CORPUS" -type f | wc -l) files," \
    "$(du -sk "$CORPUS" | cut -f1) KiB"
exit "$failed"
