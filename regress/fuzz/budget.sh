#!/bin/sh
#
# regress/fuzz/budget.sh (make fuzz): every target regress/fuzz/build.sh
# built, run to a number of executions rather than for a time: 10
# million for a framer's target (the relay's cloud_* targets are the
# cloud framer with its firewall: framers too), 1 million for a
# decoder's (each a structure-aware one too; dns is the cloud lookup's
# answer reader, a decoder), from the vectors and the corpus kept in
# regress/fuzz/corpus/TARGET/ (and, as run.sh, the target's own seeds
# in regress/fuzz/seeds/TARGET/).  Two targets at a time, niced to 19:
# the machine is shared, and they take only what it leaves.  What a
# run found that adds coverage is merged back into the corpus.  A crash
# is kept in regress/fuzz/crashes/ and fails the run; once fixed, its
# input goes into regress/fuzz/regressions/, which every target replays
# on every run (make test's short one too).
#
# Prints one table: target, kind, executions, edges, findings.
#
#	FUZZ_FRAMER_RUNS, FUZZ_DECODER_RUNS	override the budgets
#	FUZZ_MAX_TIME				seconds a target may take at
#						most (default 1800): a slow
#						target stops short, said so
#	FUZZ_ONLY				a pattern of target names
#	FUZZ_JOBS				targets run at once (default
#						2, one a core: each is one
#						process)
#	FUZZ_NICE				their niceness (default 19:
#						they take what the machine
#						leaves)
#	FUZZ_BIN, FUZZ_CORPUS			the targets, the corpus
#						(regress/fuzz/bin,
#						regress/fuzz/corpus)
#	FUZZ_DEADLINE				a time (seconds since the
#						epoch) no target runs past:
#						each is cut to what is left
#
# Each target's inputs are at most its protocol's largest frame
# (maxlen below), not one size for all: longer inputs are slower ones,
# and the corpus would fill with them.  The corpus kept is the whole of
# what coverage the old one and the run reached, minimised (-merge=1),
# at most 128 KiB a target.

cd "$(dirname "$0")/../.." || exit 1

BIN=${FUZZ_BIN:-regress/fuzz/bin}
CORPUS=${FUZZ_CORPUS:-regress/fuzz/corpus}
CRASHES=regress/fuzz/crashes
FRAMER_RUNS=${FUZZ_FRAMER_RUNS:-10000000}
DECODER_RUNS=${FUZZ_DECODER_RUNS:-1000000}
MAXTIME=${FUZZ_MAX_TIME:-1800}
JOBS=${FUZZ_JOBS:-2}
NICE=${FUZZ_NICE:-19}
KEEP=131072

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pvgate-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP

# the largest input worth a target: its protocol's largest frame, from
# the captures in regress/vectors and the protocols' limits, with room
maxlen()
{
	case $1 in
	alphaess_*|cloud_alphaess)	echo 2048 ;;	# 1390 captured
	gen3_*)				echo 4096 ;;	# 2508 captured
	e3dc_session)			echo 2048 ;;	# sessions: 1482
	record|mqtt)			echo 4096 ;;	# a record of 96 metrics
	modbus|dns|cmd_*)		echo 512 ;;	# RTU 256, UDP DNS 512
	*)				echo 1024 ;;
	esac
}

. regress/fuzz/lib.sh
seeds_vectors "$TMP/seeds"

# fuzz NAME: one target to its budget; its row in $TMP/rows/NAME
fuzz()
{
	name=$1
	bin=$BIN/$name
	short=${name#fuzz_}
	case $short in
	*_frame)	kind=framer; runs=$FRAMER_RUNS ;;
	cloud_*)	kind=cloud; runs=$FRAMER_RUNS ;;
	*_struct)	kind=struct; runs=$DECODER_RUNS ;;
	*)		kind=decoder; runs=$DECODER_RUNS ;;
	esac
	ml=$(maxlen "$short")
	secs=$MAXTIME
	if [ -n "$FUZZ_DEADLINE" ]; then
		left=$((FUZZ_DEADLINE - $(date +%s)))
		[ "$left" -lt "$secs" ] && secs=$left
		if [ "$secs" -le 0 ]; then
			echo "ok - fuzz $short # SKIP past FUZZ_DEADLINE"
			printf '%-26s %-8s %12s %7s %9s\n' "$short" "$kind" \
			    0 - - > "$TMP/rows/$name"
			return
		fi
	fi
	mkdir -p "$CORPUS/$name" "$TMP/$name"
	seeds_own "$name" "$TMP/$name.seeds"
	log=$TMP/$name.log
	nice -n "$NICE" "$bin" -runs="$runs" -max_len="$ml" -timeout=25 \
	    -max_total_time="$secs" \
	    -print_final_stats=1 -artifact_prefix="$TMP/$name-" \
	    "$TMP/$name" "$CORPUS/$name" "$TMP/seeds" "$TMP/$name.seeds" \
	    regress/fuzz/regressions > "$log" 2>&1
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
		say="$execs executions, $edges edges"
		if [ "${execs:-0}" -ge "$runs" ]; then
			echo "ok - fuzz $short: $say"
		else
			echo "ok - fuzz $short: $say # short of $runs:" \
			    "the time cap of $secs s"
		fi
		keep "$name" "$ml"
	else
		echo "not ok - fuzz $short: ${execs:-0} of $runs executions," \
		    "$found findings (see $CRASHES)"
		: > "$TMP/failed"
	fi
	printf '%-26s %-8s %12s %7s %9s\n' "$short" "$kind" "${execs:-0}" \
	    "${edges:--}" "$found" > "$TMP/rows/$name"
}

# keep NAME MAXLEN: the old corpus and the run's inputs, minimised into
# a new one (the smallest inputs that reach all the coverage), cut to
# KEEP bytes if it must be
keep()
{
	mkdir -p "$TMP/$1.min"
	if nice -n "$NICE" "$BIN/$1" -merge=1 -max_len="$2" "$TMP/$1.min" \
	    "$CORPUS/$1" "$TMP/$1" > "$TMP/$1.merge" 2>&1; then
		rm -rf "$CORPUS/$1"
		mkdir -p "$CORPUS/$1"
		ls -S -r "$TMP/$1.min" | while read -r f; do
			kept=$((${kept:-0} + $(wc -c < "$TMP/$1.min/$f")))
			[ "$kept" -le $KEEP ] || break
			cp "$TMP/$1.min/$f" "$CORPUS/$1/"
		done
	fi
}

# the targets, JOBS at a time: each lane takes the next one unclaimed
mkdir -p "$TMP/rows" "$TMP/claimed"
# the slowest first, so that the lanes end together
order()
{
	for n in e3dc_session cloud_alphaess cloud_hoymiles \
	    cloud_apsystems_ecu apsystems_ecu_frame alphaess_decode modbus; do
		[ -x "$BIN/fuzz_$n" ] && echo "$BIN/fuzz_$n"
	done
	ls "$BIN"/fuzz_*
}
lane()
{
	for bin in $(order); do
		case $bin in *.log) continue ;; esac
		[ -x "$bin" ] || continue
		name=$(basename "$bin")
		case ${name#fuzz_} in
		${FUZZ_ONLY:-*}) ;;
		*) continue ;;
		esac
		mkdir "$TMP/claimed/$name" 2>/dev/null || continue
		fuzz "$name"
	done
}
i=0
while [ $i -lt "$JOBS" ]; do
	lane &
	i=$((i + 1))
done
wait

printf '%-26s %-8s %12s %7s %9s\n' target kind executions edges findings \
    > "$TMP/table"
cat "$TMP/rows"/* >> "$TMP/table" 2>/dev/null
sed 's/^/# /' "$TMP/table"
echo "# corpus: $(find "$CORPUS" -type f | wc -l) files," \
    "$(du -sk "$CORPUS" | cut -f1) KiB"
[ -e "$TMP/failed" ] && exit 1
exit 0
