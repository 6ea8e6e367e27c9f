# Shared by the end-to-end tests: start a real pvgated (as root) on a
# temporary configuration with high loopback ports, and check results.

TOP=$(cd "$(dirname "$0")/../.." && pwd)
PVSIM=$TOP/regress/integration/pvsim
VEC=$TOP/regress/vectors/solarman-v5
T=$(mktemp -d /tmp/pvgated-test.XXXXXX)
chmod 755 "$T"
# every gateway a test starts has a control socket of its own, never
# the system's (tests of several trees may run at once)
CTLSOCK=$T/pvgated.sock
PVGATED=$T/pvgated
printf '#!/bin/sh\nexec "%s" -s "%s" "$@"\n' "$TOP/parent/pvgated" "$CTLSOCK" \
    > "$PVGATED"
chmod 755 "$PVGATED"
PVGATECTL=$TOP/ctl/pvgatectl
GWPID=
SIMS=		# simulators (cloud_start), killed with the gateway
failed=0

ok()
{
	echo "ok - $*"
}

nok()
{
	echo "not ok - $*"
	failed=$((failed + 1))
}

check()
{
	# check NAME COMMAND...
	_check=$1
	shift
	if "$@" > /dev/null 2>&1; then ok "$_check"; else nok "$_check"; fi
}

cleanup()
{
	if [ -n "$GWPID" ] && kill -0 "$GWPID" 2>/dev/null; then
		kill -KILL "$GWPID" 2>/dev/null
	fi
	for p in $(gw_pids) $SIMS; do
		kill -KILL "$p" 2>/dev/null
	done
	# a sanitizer's report (regress/sanitizers.sh) in a gateway's log
	_r=$(grep -h -m 1 -E 'runtime error|ERROR: AddressSanitizer' \
	    "$T"/stderr* 2>/dev/null | head -n 1)
	[ -z "$_r" ] || nok "no sanitizer report: $_r"
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

setup_system()
{
	if [ "$(id -u)" != 0 ]; then
		echo "not ok - end-to-end tests need root"
		exit 1
	fi
	getent passwd _pvgated > /dev/null ||
	    useradd -r -M -d /var/empty -s /usr/sbin/nologin _pvgated
	[ -d /var/empty ] || { mkdir -p /var/empty; chmod 755 /var/empty; }
}

# port_busy PORT: some socket here has PORT as its own, TCP or UDP, in
# any state: a listener, or a connection's end (bind(2) fails on both)
port_busy()
{
	ss -Htanu "sport = :$1" 2>/dev/null | grep -q .
}

# port_from PORT: the first port from PORT on that no socket here has
port_from()
{
	_p=$1
	while port_busy "$_p"; do
		_p=$((_p + 1))
	done
	echo "$_p"
}

# a free port on loopback, from a range nobody else here uses: below
# the kernel's ephemeral ports (32768 on), which connections take
free_port()
{
	port_from $((20000 + $$ % 12000))
}

# gw_conf FILE IDLE_TIMEOUT [gateway line ...]: a configuration's
# [gateway] (the test's user, chroot and state) and [export] (JSON on
# stdout, dumps); the protocols' sections go after it (>>)
gw_conf()
{
	_f=$1
	_idle=$2
	shift 2
	{
		printf '[gateway]\nuser = _pvgated\nchroot = /var/empty\n'
		printf 'state_dir = %s\nidle_timeout = %s\n' "$T/state" "$_idle"
		for _l in "$@"; do
			echo "$_l"
		done
		printf '\n[export]\nstdout = json\ndump = on\n'
	} > "$_f"
}

# cloud_start NAME PROTOCOL [cloudsim option ...] ADDRESS:PORT ...: a
# simulated vendor cloud (cloudsim) logging to $T/NAME.cloud, its pid
# in CLOUD_NAME; back once it listens (again, when it is restarted)
cloud_start()
{
	_name=$1
	_proto=$2
	shift 2
	_lines=$(grep -c '^listening' "$T/$_name.cloud" 2>/dev/null)
	"$TOP/regress/integration/cloudsim" -p "$_proto" -o "$T/$_name.cloud" \
	    "$@" > /dev/null 2>&1 &
	eval "CLOUD_$_name=$!"
	SIMS="$SIMS $!"
	_n=200
	while [ "$(grep -c '^listening' "$T/$_name.cloud" 2>/dev/null)" = \
	    "${_lines:-0}" ] && [ $_n -gt 0 ]; do
		sleep 0.05
		_n=$((_n - 1))
	done
}

# v5_logger SERIAL IN OUT: the Solarman V5 frame in hex file IN, from
# another logger (SERIAL: 8 hex digits, as on the wire), to OUT
v5_logger()
{
	perl -e '$_ = join "", <STDIN>; s/\s+//g; $f = pack("H*", $_);
	    substr($f, 7, 4) = pack("H*", $ARGV[0]); $s = 0;
	    $s += ord(substr($f, $_, 1)) for 1 .. length($f) - 3;
	    substr($f, -2, 1) = chr($s & 0xff);
	    print unpack("H*", $f), "\n"' "$1" < "$2" > "$3"
}

cloud_kill()
{
	eval "kill -KILL \$CLOUD_$1"
	eval "wait \$CLOUD_$1" 2>/dev/null
}

# write_conf FILE SOLARMAN_PORT CAPTURE_PORT [extra gateway lines]
write_conf()
{
	gw_conf "$1" 30 "max_frame = 4096" "$4"
	cat >> "$1" <<EOC

[solarman-v5]
listen = 127.0.0.1:$2
heartbeat_interval = 60

[capture]
listen = 127.0.0.1:$3
limit = 64
EOC
}

# the pids of every process of the gateway started by this test
gw_pids()
{
	[ -n "$GWPID" ] || return 0
	echo "$GWPID"
	pgrep -P "$GWPID" 2>/dev/null
}

children()
{
	pgrep -P "$GWPID" 2>/dev/null
}

# gw_start CONF: run pvgated -d in the background, wait for its ports
gw_start()
{
	mkdir -p "$T/state"
	"$PVGATED" -d $2 -f "$1" > "$T/stdout" 2> "$T/stderr" &
	GWPID=$!
	i=0
	while [ $i -lt 50 ]; do
		if [ "$(children | wc -l)" -ge 4 ] &&
		    grep -q "accepting solarman" "$T/stderr" &&
		    grep -q "accepting capture" "$T/stderr"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	nok "gateway started"
	cat "$T/stderr"
	return 1
}

# gw_wait_exit SECONDS: wait for pvgated; sets GWRC
gw_wait_exit()
{
	i=0
	while [ $i -lt $(($1 * 20)) ]; do
		if ! kill -0 "$GWPID" 2>/dev/null; then
			wait "$GWPID"
			GWRC=$?
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	GWRC=timeout
	return 1
}

# wait_for FILE PATTERN: up to 3 s for a line to appear
wait_for()
{
	i=0
	while [ $i -lt 60 ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

dumps()
{
	cat "$T"/state/dump/*.jsonl 2>/dev/null
}

# gw_stop: SIGTERM; pvgated exits 0 within 10 s, every process of it gone
gw_stop()
{
	_pids=$(children)
	kill -TERM "$GWPID"
	if gw_wait_exit 10 && [ "$GWRC" = 0 ]; then
		ok "SIGTERM: pvgated exits 0"
	else
		nok "SIGTERM: pvgated exits 0 (got $GWRC)"
	fi
	check "SIGTERM: no process left" sh -c \
	    "! ps -p '$(echo $_pids $GWPID | tr ' ' ,)' > /dev/null"
}
