#!/bin/sh
# Man pages: mandoc -Tlint clean, and usage() equal to the SYNOPSIS.

cd "$(dirname "$0")/.." || exit 1
for m in parent/pvgated.8 parent/pvgated.conf.5 ctl/pvgatectl.8; do
	if out=$(mandoc -Tlint -Wwarning "$m" 2>&1) && [ -z "$out" ]; then
		echo "ok - $m: mandoc -Tlint clean"
	else
		echo "not ok - $m: mandoc -Tlint: $out"
	fi
done
usage=$(parent/pvgated -x 2>&1 | sed -n 's/^usage: //p')
synopsis=$(MANWIDTH=200 mandoc -Tascii parent/pvgated.8 | col -b |
    sed -n '/^SYNOPSIS/{n;p;}' | sed 's/^ *//; s/  */ /g')
if [ "$usage" = "$synopsis" ]; then
	echo "ok - pvgated usage() equals its SYNOPSIS"
else
	echo "not ok - pvgated usage() \"$usage\" vs SYNOPSIS \"$synopsis\""
fi

# every key the parser knows (strcmp(name, "KEY") in parent/config.c) is
# an item of pvgated.conf.5, every section it knows is named there, and
# every option of pvgated's getopt() is an item of pvgated.8
missing=""
n=0
for k in $(sed -n 's/.*strcmp(name, "\([a-z0-9_]*\)").*/\1/p' \
    parent/config.c | sort -u); do
	n=$((n + 1))
	grep -q "^\.It Cm $k\( \|$\)" parent/pvgated.conf.5 ||
	    missing="$missing $k"
done
if [ "$n" -gt 20 ] && [ -z "$missing" ]; then
	echo "ok - pvgated.conf.5 documents all $n keys of parent/config.c"
else
	echo "not ok - pvgated.conf.5 lacks:$missing (of $n keys)"
fi
missing=""
for s in $(sed -n 's/.*strcmp(section, "\([a-z0-9_-]*\)").*/\1/p' \
    parent/config.c | sort -u); do
	grep -q -e "^\.Bq $s\( \|$\)" -e "^\.Ss \[$s\]" \
	    parent/pvgated.conf.5 ||
	    missing="$missing $s"
done
check_missing()
{
	if [ -z "$2" ]; then
		echo "ok - $1"
	else
		echo "not ok - $1; lacking:$2"
	fi
}
check_missing "pvgated.conf.5 names every section of parent/config.c" \
    "$missing"
missing=""
opts=$(sed -n 's/.*getopt(argc, argv, "\([^"]*\)").*/\1/p' parent/pvgated.c |
    tr -d ':+' | sed 's/./& /g')
for o in $opts; do
	grep -q "^\.It Fl $o\( \|$\)" parent/pvgated.8 || missing="$missing -$o"
done
check_missing "pvgated.8 describes every option of pvgated ($opts)" "$missing"

# pvgated -V: what config.h says this build has
v=$(parent/pvgated -V)
for f in SECCOMP:seccomp LANDLOCK:landlock PLEDGE:pledge MQTT:mqtt \
    MQTT_TLS:tls SO_ORIGINAL_DST:"original destination"; do
	name=${f#*:}
	if grep -q "^#define HAVE_${f%%:*} 1" config.h; then want=yes; else want=no; fi
	got=$(echo "$v" | sed -n "s/^$name: \([a-z]*\).*/\1/p")
	if [ "$got" = "$want" ]; then
		echo "ok - pvgated -V: $name: $want, as config.h says"
	else
		echo "not ok - pvgated -V: $name: \"$got\", config.h: $want"
	fi
done
if echo "$v" | head -1 | grep -qx "pvgated $(sed -n \
    's/^#define PVGATE_VERSION[^"]*"\(.*\)"/\1/p' lib/pvgate.h)"; then
	echo "ok - pvgated -V: the version of lib/pvgate.h"
else
	echo "not ok - pvgated -V: first line \"$(echo "$v" | head -1)\""
fi
