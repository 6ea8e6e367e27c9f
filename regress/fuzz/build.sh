#!/bin/sh
#
# regress/fuzz/build.sh: build every regress/fuzz/fuzz_*.c as a
# libFuzzer target into regress/fuzz/bin/.
#
# Each target is linked with every proto/*.c and regress/fuzz/fuzzlib.c
# (what the targets share), plus any other source file of the tree that
# the target's leading comment names (e.g. "exporter/out_json.c"), and
# with libbsd and zlib.  Flags for the system libraries come from
# config.mk (DEP_CFLAGS, BSD_LIBS, ZLIB_LIBS); the compiler is FUZZ_CC
# from config.mk, else clang.

cd "$(dirname "$0")/../.." || exit 1

mkvar()
{
	sed -n "s/^$1 *= *//p" config.mk 2>/dev/null | head -n 1
}

CC=${FUZZ_CC:-$(mkvar FUZZ_CC)}
CC=${CC:-clang}
DEP_CFLAGS=$(mkvar DEP_CFLAGS)
BSD_LIBS=$(mkvar BSD_LIBS)
ZLIB_LIBS=$(mkvar ZLIB_LIBS)
PROTOBUF_LIBS=$(mkvar PROTOBUF_LIBS)
BIN=regress/fuzz/bin

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "ok - fuzz build # SKIP $CC not found"
	exit 0
fi

# sources a target names in its first comment, beyond proto/
extra_sources()
{
	sed -n '1,/\*\//p' "$1" |
	    grep -oE '[A-Za-z0-9_]+/[A-Za-z0-9_]+\.c' |
	    grep -v '^proto/' | sort -u |
	    while read -r f; do
		[ -f "$f" ] && echo "$f"
	    done
}

# The sources the targets share (proto/*.c, fuzzlib.c and those the
# targets name) are compiled once each; then every target is compiled
# and linked against them.  Both steps run JOBS at a time (default: the
# number of processors).
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
OBJ=$BIN/obj
FLAGS="-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined
    -I. -Ilib -Iproto $DEP_CFLAGS"
LIBS="$BSD_LIBS $ZLIB_LIBS $PROTOBUF_LIBS"
export CC FLAGS LIBS OBJ BIN

# the object file for a source file
objof()
{
	echo "$OBJ/$(echo "${1%.c}" | tr / _).o"
}

rm -rf "$OBJ"
mkdir -p "$BIN" "$OBJ" || exit 1
set -- regress/fuzz/fuzz_*.c
if [ ! -f "$1" ]; then
	echo "not ok - fuzz build: no regress/fuzz/fuzz_*.c"
	exit 1
fi
SHARED=$(ls proto/*.c regress/fuzz/fuzzlib.c
    for src in "$@"; do extra_sources "$src"; done)
failed=0
printf '%s\n' $SHARED | sort -u | xargs -P "$JOBS" -n 1 sh -c '
	o=$OBJ/$(echo "${1%.c}" | tr / _).o
	# shellcheck disable=SC2086
	$CC $FLAGS -fsanitize=fuzzer-no-link -c -o "$o" "$1" \
	    > "$o.log" 2>&1 || rm -f "$o"' sh
for f in $SHARED; do
	o=$(objof "$f")
	[ -f "$o" ] && continue
	echo "not ok - fuzz build $f: see $o.log"
	sed 's/^/    /' "$o.log" | head -n 20
	failed=1
done
[ "$failed" -eq 0 ] || exit 1

# every target: its own source, the protocol objects, and the objects of
# the sources it names
for src in "$@"; do
	name=$(basename "$src" .c)
	echo "$src $OBJ/regress_fuzz_fuzzlib.o $(for f in proto/*.c \
	    $(extra_sources "$src"); do objof "$f"; done)" > "$OBJ/$name.args"
done
ls "$OBJ"/*.args | xargs -P "$JOBS" -n 1 sh -c '
	n=$(basename "$1" .args)
	rm -f "$BIN/$n"
	# shellcheck disable=SC2046,SC2086
	$CC $FLAGS -fsanitize=fuzzer -o "$BIN/$n" $(cat "$1") $LIBS \
	    > "$BIN/$n.log" 2>&1' sh
for src in "$@"; do
	name=$(basename "$src" .c)
	if [ -x "$BIN/$name" ]; then
		echo "ok - fuzz build ${name#fuzz_}"
	else
		echo "not ok - fuzz build ${name#fuzz_}: see $BIN/$name.log"
		sed 's/^/    /' "$BIN/$name.log" | head -n 20
		failed=1
	fi
done
exit "$failed"
