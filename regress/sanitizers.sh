#!/bin/sh
#
# The unit tests again, built with AddressSanitizer and
# UndefinedBehaviorSanitizer: any report fails the run.

cd "$(dirname "$0")/.." || exit 1
CC=${SAN_CC:-cc}
command -v clang > /dev/null && CC=clang
DEP_CFLAGS=$(sed -n 's/^DEP_CFLAGS = //p' config.mk)
OUT=regress/asan
mkdir -p "$OUT"
FLAGS="-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer -D_GNU_SOURCE -I. -Ilib -Iproto $DEP_CFLAGS"
LIBS="-lsodium -lbsd -lz $(sed -n 's/^PROTOBUF_LIBS = //p' config.mk)"
COMPAT=""
grep -q '^COMPAT_IMSG = yes' config.mk && COMPAT="compat/imsg.c compat/imsg-buffer.c"
# every protocol file, as in the gateway
PROTO=$(echo proto/*.c)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
OBJ=$OUT/obj
export CC FLAGS OBJ

# the object precompile made of a source file, else the file itself
objof()
{
	o=$OBJ/$(echo "${1%.c}" | tr / _).o
	if [ -f "$o" ]; then
		echo "$o"
	else
		echo "$1"
	fi
}

# precompile SOURCES...: the sources several tests share, once each,
# JOBS at a time
precompile()
{
	rm -rf "$OBJ" && mkdir -p "$OBJ" || return 1
	printf '%s\n' "$@" | xargs -P "$JOBS" -n 1 sh -c '
		o=$OBJ/$(echo "${1%.c}" | tr / _).o
		# shellcheck disable=SC2086
		$CC $FLAGS -c -o "$o" "$1" > "$o.log" 2>&1 || rm -f "$o"' sh
}

build()
{
	# build NAME SOURCES...
	n=$1
	shift
	srcs=
	for f in "$@"; do
		srcs="$srcs $(objof "$f")"
	done
	# shellcheck disable=SC2086
	if $CC $FLAGS -o "$OUT/$n" $srcs $LIBS > "$OUT/$n.build" 2>&1; then
		return 0
	fi
	echo "not ok - $n: sanitizer build failed"
	cat "$OUT/$n.build"
	return 1
}

run()
{
	# run NAME ARGS...: the test's own lines, prefixed
	n=$1
	shift
	"$OUT/$n" "$@" > "$OUT/$n.log" 2>&1
	rc=$?
	sed -n 's/^ok - /ok - asan: /p; s/^not ok - /not ok - asan: /p' \
	    "$OUT/$n.log"
	if [ $rc -ne 0 ]; then
		echo "not ok - asan: $n exited with status $rc"
		grep -E 'ERROR|runtime error' "$OUT/$n.log" | head -5
	fi
}

# The whole gateway's sanitizer build (below) goes on in the background
# while the unit tests build and run.
GW=$OUT/gw
gateway()
{
	rm -rf "$GW" && mkdir -p "$GW" || return 1
	if [ -d .git ] && command -v git > /dev/null; then
		git ls-files | tar -cf - -T - | tar -xf - -C "$GW"
	else
		tar --exclude=./regress/asan --exclude=./regress/out \
		    --exclude=./regress/fuzz/bin -cf - . | tar -xf - -C "$GW"
	fi
	(cd "$GW" && ./configure CC="$CC" CFLAGS="-g -O1 \
	    -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer -DSANDBOX_SANITIZER" \
	    LDFLAGS="-fsanitize=address,undefined" && make -j"$JOBS" all) \
	    > "$OUT/gw.build" 2>&1
}
gateway &
GWBUILD=$!
trap 'kill "$GWBUILD" 2>/dev/null' EXIT
trap 'exit 1' INT TERM HUP

precompile $PROTO lib/util.c regress/decoder/harness.c exporter/outbuf.c

build imsg_test regress/compat/imsg_test.c $COMPAT &&
    run imsg_test
HARNESS="regress/decoder/harness.c $PROTO lib/util.c"
build proto_test regress/decoder/proto_test.c $HARNESS &&
    run proto_test regress/vectors/solarman-v5
build alphaess_test regress/decoder/alphaess_test.c $HARNESS &&
    run alphaess_test regress/vectors/alphaess
build apsystems_ecu_test regress/decoder/apsystems_ecu_test.c \
    regress/decoder/apsystems_ecu_gen.c $HARNESS &&
    run apsystems_ecu_test regress/vectors/apsystems-ecu
build apsystems_local_test regress/decoder/apsystems_local_test.c \
    regress/decoder/apsystems_local_gen.c $HARNESS &&
    run apsystems_local_test regress/vectors/apsystems-ecu
build e3dc_test regress/decoder/e3dc_test.c $HARNESS &&
    run e3dc_test regress/vectors/e3dc-rscp
build hoymiles_test regress/decoder/hoymiles_test.c $HARNESS &&
    run hoymiles_test regress/vectors/hoymiles
build tsun_gen3_test regress/decoder/tsun_gen3_test.c $HARNESS &&
    run tsun_gen3_test regress/vectors/tsun-gen3
build modbus_test regress/decoder/modbus_test.c $HARNESS &&
    run modbus_test regress/vectors
build cloud_test regress/decoder/cloud_test.c parent/dns.c \
    regress/integration/cloudframe.c $HARNESS &&
    run cloud_test regress/vectors
build export_test regress/exporter/export_test.c exporter/out_json.c \
    exporter/out_syslog.c exporter/dump.c exporter/outbuf.c lib/keyfile.c \
    lib/util.c \
    $PROTO && run export_test
build mqtt_test regress/exporter/mqtt_test.c exporter/out_mqtt.c \
    exporter/spool.c exporter/outbuf.c $PROTO && run mqtt_test

# The whole gateway, all four programs, built with both sanitizers in a
# copy of the tree (regress/asan/gw), and the end-to-end suites run on
# it.  The seccomp filters stay; -DSANDBOX_SANITIZER lets through the
# one call more the sanitizers' runtime makes (sigaltstack).  A report
# aborts the process that made it, the gateway ends with it and the
# suite fails.
# LeakSanitizer is off there: stopping the world needs ptrace, which no
# sandbox allows (the unit tests above run with it).  e3dc.sh is left
# out: it reads the decoder's memory through /proc, and ASan's shadow
# makes that address space terabytes.
if ! wait "$GWBUILD"; then
	echo "not ok - asan: the gateway's sanitizer build failed"
	tail -20 "$OUT/gw.build"
	exit 0
fi
echo "ok - asan: the gateway built with ASan and UBSan"
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 PVGATE_SANITIZED=1
for t in integration/run integration/alphaess integration/apsystems_ecu \
    integration/tsun_gen3 integration/hoymiles integration/hoymiles-poll \
    integration/solarman_client integration/connector integration/sinks \
    integration/limits integration/backpressure integration/failclosed \
    integration/relay hostile/run; do
	n=$(echo "$t" | tr / -)
	sh "$GW/regress/$t.sh" > "$OUT/gw-$n.log" 2>&1
	sed -n "s/^ok - /ok - asan: $n: /p; s/^not ok - /not ok - asan: $n: /p" \
	    "$OUT/gw-$n.log"
	grep -h -E 'ERROR: AddressSanitizer|runtime error' "$OUT/gw-$n.log" |
	    head -3
done
exit 0
