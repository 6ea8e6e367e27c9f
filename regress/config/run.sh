#!/bin/sh
#
# pvgated -n: good files print the effective configuration (N.in ->
# N.ok); bad files are refused with "file:line: reason" and exit 1; the
# shipped example parses; printed configurations parse again.

cd "$(dirname "$0")" || exit 1
PVGATED=../../parent/pvgated
T=$(mktemp -d /tmp/pvgated-config.XXXXXX)
trap 'rm -rf "$T"' EXIT

for f in good*.in; do
	n=${f%.in}
	if $PVGATED -n -f "$f" > "$T/$n.out" 2> "$T/$n.err" &&
	    diff -u "$n.ok" "$T/$n.out" > "$T/$n.diff" &&
	    grep -qx "configuration OK" "$T/$n.err"; then
		echo "ok - $f: effective configuration as $n.ok"
	else
		echo "not ok - $f: effective configuration as $n.ok"
		cat "$T/$n.err" "$T/$n.diff"
	fi
	if $PVGATED -n -f "$T/$n.out" > "$T/$n.again" 2>/dev/null &&
	    cmp -s "$T/$n.out" "$T/$n.again"; then
		echo "ok - $f: printed configuration parses to itself"
	else
		echo "not ok - $f: printed configuration parses to itself"
	fi
done

for f in bad*.in; do
	n=${f%.in}
	$PVGATED -n -f "$f" > /dev/null 2> "$T/$n.err"
	rc=$?
	want="pvgated: $(cat "$n.ok")"
	if [ $rc -eq 1 ] && [ "$(cat "$T/$n.err")" = "$want" ]; then
		echo "ok - $f refused: $(cat "$n.ok")"
	else
		echo "not ok - $f refused (status $rc): $(cat "$T/$n.err")," \
		    "want: $want"
	fi
done

if $PVGATED -n -f ../../etc/pvgated.conf > "$T/example" 2>/dev/null &&
    $PVGATED -n -f "$T/example" > /dev/null 2>&1; then
	echo "ok - etc/pvgated.conf parses, and so does its printout"
else
	echo "not ok - etc/pvgated.conf parses, and so does its printout"
fi

if $PVGATED -n -f /nonexistent.conf 2> "$T/missing"; then
	echo "not ok - a missing file is refused"
elif grep -q '/nonexistent.conf: No such file or directory' "$T/missing"
then
	echo "ok - a missing file is refused, naming it"
else
	echo "not ok - a missing file is refused, naming it"
fi

# -n needs no root
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
	cp good1.in "$T/"
	chmod 755 "$T"
	if setpriv --reuid=65534 --regid=65534 --clear-groups \
	    $PVGATED -n -f "$T/good1.in" > /dev/null 2>&1; then
		echo "ok - pvgated -n works without root"
	else
		echo "not ok - pvgated -n works without root"
	fi
fi
exit 0
