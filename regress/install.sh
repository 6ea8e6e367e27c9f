#!/bin/sh
#
# make install into a DESTDIR, as an unprivileged user, with a PREFIX
# other than the one configure chose: with GNU make, and with BSD make
# (bmake) where it is installed.  A copy of the built tree is used, so
# the tree the other tests run from is never relinked.

cd "$(dirname "$0")/.." || exit 1
T=$(mktemp -d /tmp/pvgated-install.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT INT TERM
USER_=nobody
AS="setpriv --reuid=$USER_ --regid=nogroup --clear-groups"

inst()
{
	# inst MAKE: copy the tree, make install as $USER_, check
	m=$1
	rm -rf "$T/tree" "$T/dest"
	mkdir "$T/tree" "$T/dest"
	tar -cf - --exclude=./regress/out --exclude=./.git . |
	    tar -xf - -C "$T/tree"
	chown -R "$USER_" "$T/tree" "$T/dest"
	if ! (cd "$T/tree" && $AS $m -f build.mk install DESTDIR="$T/dest" \
	    PREFIX=/opt/pvg SYSTEMDUNITDIR=/lib/systemd/system \
	    RCDIR=/etc/rc.d) > "$T/$m.log" 2>&1; then
		echo "not ok - $m install as $USER_: $(tail -3 "$T/$m.log")"
		return
	fi
	echo "ok - $m install DESTDIR PREFIX=/opt/pvg, as $USER_"
	D=$T/dest
	(cd "$D" && find . -type f | sort) > "$T/files"
	cat > "$T/want" <<EOW
./etc/rc.d/pvgated
./lib/systemd/system/pvgated.service
./opt/pvg/libexec/pvgated/pvgate-decoder
./opt/pvg/libexec/pvgated/pvgate-exporter
./opt/pvg/libexec/pvgated/pvgate-listener
./opt/pvg/sbin/pvgatectl
./opt/pvg/sbin/pvgated
EOW
	(cd "$T/tree/etc/redirect" && ls) |
	    sed 's|^|./opt/pvg/share/examples/pvgated/|' >> "$T/want"
	cat >> "$T/want" <<EOW
./opt/pvg/share/examples/pvgated/pvgated.conf
./opt/pvg/share/examples/pvgated/pvgated.rc
./opt/pvg/share/examples/pvgated/pvgated.service
./opt/pvg/share/man/man5/pvgated.conf.5
./opt/pvg/share/man/man8/pvgatectl.8
./opt/pvg/share/man/man8/pvgated.8
EOW
	sort -o "$T/want" "$T/want"
	if cmp -s "$T/want" "$T/files"; then
		echo "ok - $m install: binaries, children, man pages, examples, unit, rc.d"
	else
		echo "not ok - $m install: $(diff "$T/want" "$T/files" | grep '^[<>]')"
	fi
	if "$D/opt/pvg/sbin/pvgated" -V |
	    grep -qx "libexec: /opt/pvg/libexec/pvgated"; then
		echo "ok - $m install: pvgated rebuilt for" \
		    "/opt/pvg/libexec/pvgated"
	else
		echo "not ok - $m install: pvgated -V:" \
		    "$("$D/opt/pvg/sbin/pvgated" -V | grep libexec)"
	fi
	if grep -qx "ExecStart=/opt/pvg/sbin/pvgated -d -f /etc/pvgated/pvgated.conf" \
	    "$D/lib/systemd/system/pvgated.service" &&
	    grep -qx 'daemon="/opt/pvg/sbin/pvgated"' "$D/etc/rc.d/pvgated"; then
		echo "ok - $m install: the unit and rc.d script name /opt/pvg/sbin/pvgated"
	else
		echo "not ok - $m install: service files do not name /opt/pvg/sbin/pvgated"
	fi
	modes=$(cd "$D" && stat -c '%a %n' ./opt/pvg/sbin/* \
	    ./opt/pvg/libexec/pvgated/* ./opt/pvg/share/man/man8/* \
	    ./etc/rc.d/pvgated | awk '{ print $1 }' | sort -u | tr '\n' ' ')
	if [ "$modes" = "555 644 755 " ]; then
		echo "ok - $m install: modes 755 programs, 644 pages, 555 rc.d"
	else
		echo "not ok - $m install: modes $modes"
	fi
}

if [ "$(id -u)" != 0 ]; then
	echo "not ok - install: needs root to become $USER_"
	exit 0
fi
inst make
if command -v bmake > /dev/null; then
	inst bmake
else
	echo "not ok - install: bmake is needed (Debian: bmake)"
fi
