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

mkdir -p "$BIN" || exit 1
failed=0
found=0
for src in regress/fuzz/fuzz_*.c; do
	[ -f "$src" ] || continue
	found=1
	name=$(basename "$src" .c)
	log=$BIN/$name.log
	# shellcheck disable=SC2046,SC2086
	if $CC -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined \
	    -I. -Ilib -Iproto $DEP_CFLAGS \
	    -o "$BIN/$name" "$src" regress/fuzz/fuzzlib.c proto/*.c \
	    $(extra_sources "$src") \
	    $BSD_LIBS $ZLIB_LIBS $PROTOBUF_LIBS > "$log" 2>&1; then
		echo "ok - fuzz build ${name#fuzz_}"
	else
		echo "not ok - fuzz build ${name#fuzz_}: see $log"
		sed 's/^/    /' "$log" | head -n 20
		failed=1
	fi
done

if [ "$found" -eq 0 ]; then
	echo "not ok - fuzz build: no regress/fuzz/fuzz_*.c"
	exit 1
fi
exit "$failed"
