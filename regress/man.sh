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
