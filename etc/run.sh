#!/bin/sh
# make run: set up what pvgated needs on this machine (user, chroot
# and state directories), then run it from the build tree in the
# foreground on etc/pvgated.conf.

set -e
if [ "$(id -u)" != 0 ]; then
	echo "run: pvgated binds ports and drops privileges: run as root" >&2
	exit 1
fi
if ! getent passwd _pvgated >/dev/null; then
	echo "run: creating user _pvgated"
	useradd -r -M -d /var/empty -s /usr/sbin/nologin _pvgated 2>/dev/null ||
	    adduser --system --no-create-home --home /var/empty \
	    --group _pvgated
fi
[ -d /var/empty ] || { mkdir -p /var/empty; chmod 755 /var/empty; }
mkdir -p /var/pvgated
echo "run: pvgated -d -f etc/pvgated.conf (Ctrl-C stops it)"
exec ./parent/pvgated -d -f etc/pvgated.conf
