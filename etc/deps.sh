#!/bin/sh
# Install the Debian packages pvgated needs to build and test, if any
# are missing.  Elsewhere, say what is needed.

PKGS="build-essential pkg-config libevent-dev libbsd-dev libsodium-dev
libinih-dev libseccomp-dev mandoc clang libclang-rt-14-dev iproute2 procps
bsdextrautils nftables tzdata zlib1g-dev libprotobuf-c-dev
protobuf-c-compiler libmosquitto-dev libssl-dev mosquitto mosquitto-clients
openssl jq python3-prometheus-client debhelper bmake iptables"

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: not a Debian system; install: libevent libbsd libsodium" \
	    "inih libseccomp zlib protobuf-c libmosquitto openssl mandoc" \
	    "clang" >&2
	exit 0
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null && apt-get install -y -q $missing >/dev/null ||
    { echo "deps: apt-get failed" >&2; exit 1; }
