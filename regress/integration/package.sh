#!/bin/sh
#
# The Debian package, end to end, on this machine: build it from a copy
# of the tree (dpkg-buildpackage -b), install it, start pvgated as the
# installed unit's ExecStart says (systemd is not PID 1 here, so the
# unit's command runs under its capability bounding set, no_new_privs,
# read-only /usr and /etc and a private /tmp, in a network namespace of
# our own), drive a simulated logger through it, stop it, purge the
# package and check that the machine is as it was.  Then the maintainer
# scripts once more in a mount namespace whose /etc and /var are copies
# without _pvgated, /var/empty or /var/pvgated: postinst creates them,
# purge removes them again.

. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ]; then
	nok "package: needs root (dpkg)"
	exit 0
fi
for c in dpkg-buildpackage dh ip setpriv unshare flock apt-get; do
	if ! command -v $c > /dev/null; then
		nok "package: $c is needed (Debian: debhelper dpkg-dev" \
		    "iproute2 util-linux)"
		exit 0
	fi
done
# one package test at a time on this machine, whoever runs it
exec 9> /run/lock/pvgated-package.lock
flock -w 900 9 || { nok "package: waited 15 min for another run"; exit 0; }
if dpkg-query -W -f='${Status}' pvgated 2>/dev/null | grep -q installed ||
    [ -e /etc/pvgated ] || [ -e /var/pvgated ] || [ -e /var/lib/pvgated ]
then
	ok "package # SKIP pvgated is installed or has files here: not" \
	    "touching them"
	exit 0
fi

NS=pvgated-pkg-$$
# the control socket: not the machine's /run/pvgated.sock, and not in
# /tmp, which the unit makes private
SOCK=/run/pvgated-pkg-$$.sock
INSTALLED=
pkg_cleanup()
{
	if [ -n "$GWPID" ] && kill -0 "$GWPID" 2>/dev/null; then
		kill -KILL "$GWPID"
	fi
	ip netns del "$NS" 2>/dev/null
	rm -f "$SOCK"
	if [ -n "$INSTALLED" ]; then
		apt-get purge -y -q -o DPkg::Lock::Timeout=300 pvgated \
		    > /dev/null 2>&1
	fi
	cleanup
}
trap pkg_cleanup EXIT INT TERM

# waitlong FILE PATTERN: up to 20 s, the machine may be busy
waitlong()
{
	_i=0
	while [ $_i -lt 200 ] && ! grep -q -- "$2" "$1" 2>/dev/null; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# what the machine looks like, to compare after the purge
state()
{
	# _pvgated alone: other tests here may add users of their own
	for f in passwd group shadow gshadow; do
		grep '^_pvgated:' /etc/$f | cut -d: -f1,3 | sed "s/^/$f /"
	done
	for d in /var/empty /var/pvgated /var/lib/pvgated /etc/pvgated \
	    /usr/libexec/pvgated /usr/sbin/pvgated /usr/sbin/pvgatectl \
	    /lib/systemd/system/pvgated.service; do
		[ -e "$d" ] && ls -ld "$d" | awk '{ print $1, $3, $4, $NF }'
	done
	dpkg-query -W -f='${Status}\n' pvgated 2>/dev/null
}
state > "$T/before"

# a copy of the tree, the build's output left out
mkdir "$T/src"
if git -C "$TOP" rev-parse > /dev/null 2>&1; then
	(cd "$TOP" && git ls-files --cached --others --exclude-standard |
	    tar -cf - -T -) | tar -xf - -C "$T/src"
else
	(cd "$TOP" && tar -cf - --exclude=./regress/out .) |
	    tar -xf - -C "$T/src"
	make -C "$T/src" clean > /dev/null 2>&1
fi
(cd "$T/src" && DEB_BUILD_OPTIONS="noddebs nocheck" \
    dpkg-buildpackage -b -us -uc) > "$T/build.log" 2>&1
DEB=$(ls "$T"/pvgated_*.deb 2>/dev/null)
if [ -z "$DEB" ]; then
	nok "package: dpkg-buildpackage -b -us -uc"
	tail -20 "$T/build.log"
	exit 0
fi
ok "package: dpkg-buildpackage -b -us -uc built $(basename "$DEB")"

INSTALLED=yes
if apt-get install -y -q -o DPkg::Lock::Timeout=300 "$DEB" \
    > "$T/install.log" 2>&1; then
	ok "package: installed"
else
	nok "package: apt-get install $(tail -3 "$T/install.log")"
	exit 0
fi
for f in /usr/sbin/pvgated /usr/sbin/pvgatectl \
    /usr/libexec/pvgated/pvgate-listener /usr/libexec/pvgated/pvgate-decoder \
    /usr/libexec/pvgated/pvgate-exporter; do
	check "package: $f is executable" test -x $f
done
check "package: pvgated -V names /usr/libexec/pvgated" \
    sh -c "/usr/sbin/pvgated -V | grep -qx 'libexec: /usr/libexec/pvgated'"
check "package: the man pages are installed" sh -c \
    'test -f /usr/share/man/man8/pvgated.8.gz &&
    test -f /usr/share/man/man5/pvgated.conf.5.gz &&
    test -f /usr/share/man/man8/pvgatectl.8.gz'
check "package: /etc/pvgated/pvgated.conf is a conffile" \
    sh -c "dpkg-query -W -f='\${Conffiles}' pvgated |
    grep -q /etc/pvgated/pvgated.conf"
check "package: postinst made _pvgated, /var/empty and /var/pvgated" \
    sh -c 'getent passwd _pvgated && getent group _pvgated &&
    test -d /var/empty &&
    test "$(stat -c %U:%G /var/pvgated)" = root:_pvgated'
UNIT=/lib/systemd/system/pvgated.service
check "package: the unit is installed" test -f $UNIT
check "package: the unit is not enabled" \
    sh -c "! ls /etc/systemd/system/*.wants/pvgated.service"
if command -v systemd-analyze > /dev/null; then
	if systemd-analyze verify $UNIT > "$T/verify" 2>&1 &&
	    ! grep -q . "$T/verify"; then
		ok "package: systemd-analyze verify $UNIT"
	else
		nok "package: systemd-analyze verify: $(cat "$T/verify")"
	fi
fi
[ -d /run/systemd/system ] &&
    echo "# systemd runs here, but the test starts the unit's command itself"

# the unit's command and hardening, as far as they can be had without
# systemd: bounding set and no_new_privs (setpriv), ProtectSystem=full
# and ProtectHome (read-only or empty mounts), PrivateTmp (a tmpfs)
unitval()
{
	sed -n "s/^$1=//p" $UNIT
}
EXEC=$(unitval ExecStart)
CAPS=$(unitval CapabilityBoundingSet | tr 'A-Z' 'a-z' |
    sed 's/cap_/+/g; s/ /,/g')
NNP=
[ "$(unitval NoNewPrivileges)" = yes ] && NNP=--no-new-privs
MOUNTS=""
[ "$(unitval ProtectSystem)" = full ] && for d in /usr /boot /etc; do
	[ -d $d ] &&
	    MOUNTS="$MOUNTS mount --bind $d $d; mount -o remount,bind,ro $d;"
done
[ "$(unitval ProtectHome)" = yes ] && for d in /home /root; do
	[ -d $d ] && MOUNTS="$MOUNTS mount -t tmpfs -o mode=0 none $d;"
done
[ "$(unitval PrivateTmp)" = yes ] &&
    MOUNTS="$MOUNTS mount -t tmpfs none /tmp; mount -t tmpfs none /var/tmp;"
echo "# ExecStart=$EXEC; bounding set $CAPS; $NNP; $MOUNTS"

ip netns add "$NS" || { nok "package: ip netns add"; exit 0; }
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" unshare -m sh -c "set -e; $MOUNTS exec setpriv $NNP \
    --bounding-set -all,$CAPS -- $EXEC -s $SOCK" > "$T/stdout" \
    2> "$T/stderr" &
GWPID=$!
waitlong "$T/stderr" "accepting solarman"
check "package: the installed pvgated started from the unit's ExecStart" \
    grep -q "accepting solarman" "$T/stderr"

ip netns exec "$NS" $PVSIM -l "package" -p 10000 \
    send:$VEC/01-device-ind-4110.hex expect:$VEC/02-device-rsp-1110.hex \
    send:$VEC/08-data-ind-4210-02b0.hex expect:$VEC/09-data-rsp-1210.hex \
    send:$VEC/07-device-ind-invalid-checksum.hex silence:300
D=/var/pvgated/dump/$(date -u +%F).jsonl
waitlong "$T/stdout" '"ac_voltage":224.8'
waitlong "$D" "bad checksum"
check "package: the logger's values on stdout" \
    grep -q '"device":"Y17E7A0F010B013E".*"ac_voltage":224.8' "$T/stdout"
check "package: its bad frame dumped in /var/pvgated/dump" \
    grep -q '"reason":"bad checksum"' "$D"
/usr/sbin/pvgatectl -s $SOCK devices > "$T/devices" 2>&1
check "package: pvgatectl devices: the logger and its inverter" sh -c \
    "grep -Eq '^solarman-v5 +2070233889 ' '$T/devices' &&
    grep -Eq '^solarman-v5 +Y17E7A0F010B013E +2070233889 ' '$T/devices'"
check "package: every process runs as _pvgated" sh -c \
    "! ps -o user= -p $GWPID --ppid $GWPID | grep -v _pvgated"
kill -TERM "$GWPID"
gw_wait_exit 15
check "package: SIGTERM, exit 0" test "$GWRC" = 0
GWPID=
ip netns del "$NS"

if apt-get purge -y -q -o DPkg::Lock::Timeout=300 pvgated \
    > "$T/purge.log" 2>&1; then
	ok "package: removed and purged"
else
	nok "package: apt-get purge $(tail -3 "$T/purge.log")"
fi
INSTALLED=
state > "$T/after"
if cmp -s "$T/before" "$T/after"; then
	ok "package: the machine is as before (users, groups, files)"
else
	nok "package: left behind: $(diff "$T/before" "$T/after" | grep '^[<>]')"
fi

# postinst and postrm where nothing exists yet
mkdir "$T/ctrl" "$T/etc" "$T/var"
dpkg-deb -e "$DEB" "$T/ctrl"
cp -a /etc/. "$T/etc/"
for f in passwd group shadow gshadow; do
	sed -i '/^_pvgated:/d' "$T/etc/$f"
done
mkdir -p "$T/var/lib"
ln -s /run "$T/var/run"
ln -s /run/lock "$T/var/lock"
cat > "$T/scripts.sh" <<EOS
mount --bind "$T/etc" /etc && mount --bind "$T/var" /var || exit 1
r()
{
	n=\$1
	shift
	if "\$@" > /dev/null 2>&1; then
		echo "ok - \$n"
	else
		echo "not ok - \$n"
	fi
}
made() { test "\$(wc -l < /var/lib/pvgated/made)" = 4; }
r "postinst, alone: no _pvgated before it" sh -c '! getent passwd _pvgated'
r "postinst configure, alone" "$T/ctrl/postinst" configure
r "postinst, alone: it created _pvgated" sh -c \
    'getent passwd _pvgated && getent group _pvgated'
r "postinst, alone: /var/empty root-owned 0755" \
    test "\$(stat -c %U:%a /var/empty)" = root:755
r "postinst, alone: /var/pvgated owned root:_pvgated" \
    test "\$(stat -c %U:%G /var/pvgated)" = root:_pvgated
r "postinst, alone: it lists the four things it made" made
r "postinst configure again" "$T/ctrl/postinst" configure
r "postinst configure again: still those four" made
mkdir -p /var/pvgated/dump && echo x > /var/pvgated/dump/x.jsonl
r "postrm purge" "$T/ctrl/postrm" purge
r "postrm purge: no _pvgated user or group" sh -c \
    '! getent passwd _pvgated && ! getent group _pvgated'
r "postrm purge: no /var/empty, /var/pvgated, /var/lib/pvgated" sh -c \
    'test ! -e /var/empty && test ! -e /var/pvgated &&
    test ! -e /var/lib/pvgated'
EOS
unshare -m sh "$T/scripts.sh"
exit 0
