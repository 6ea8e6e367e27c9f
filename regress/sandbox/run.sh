#!/bin/sh
#
# Sandboxes: a process under each role's filter dies by SIGSYS when it
# makes a forbidden call; and every process of a running gateway is the
# unprivileged user, in its chroot, with its filter loaded.

. "$(dirname "$0")/../integration/lib.sh"
SB=$TOP/regress/sandbox/sbtest

killed()
{
	# killed ROLE CALL
	"$SB" "$1" "$2" > /dev/null 2>&1
	rc=$?
	if [ "$rc" -eq $((128 + 31)) ]; then
		ok "$1 filter: $2 kills with SIGSYS"
	else
		nok "$1 filter: $2 kills with SIGSYS (exit status $rc)"
	fi
}

for role in parent listener decoder exporter; do
	check "$role filter: ordinary stdio work is allowed" "$SB" "$role" allowed
	killed "$role" execve
	killed "$role" socket
	killed "$role" fork
done
# what no role may ever do: exec, trace, change its uid, mount
for role in parent listener connector decoder exporter exporter-mqtt; do
	for call in ptrace setuid setresuid mount; do
		killed "$role" "$call"
	done
done
# every role but the parent: no file opened, for reading or writing
# (the exporter writes its dumps, and only there: Landlock, below)
for role in listener connector decoder exporter exporter-mqtt; do
	killed "$role" open
done
for role in listener connector decoder; do
	killed "$role" openw
done
# no socket made: not inet, not unix, no pair; the connector and the
# exporter with MQTT make TCP sockets, and neither binds nor listens
for role in listener decoder exporter; do
	killed "$role" socketunix
	killed "$role" socketpair
done
killed connector socketpair
for role in connector exporter-mqtt; do
	killed "$role" bind
	killed "$role" listen
	killed "$role" accept
done
check "exporter-mqtt filter: socketpair fails (libmosquitto copes)" \
    sh -c "'$SB' exporter-mqtt socketpair | grep -q 'socketpair returned -1'"
killed listener connect
check "connector filter: ordinary stdio work is allowed" "$SB" connector allowed
check "connector filter: a TCP connect is allowed" "$SB" connector connect
killed connector execve
killed connector fork
killed connector socketunix
killed parent openw
# the control socket: accept on it, and on nothing else, no bind
check "parent filter: accept on the control socket is allowed" \
    sh -c "'$SB' parent accept | grep -q 'accept returned -1'"
killed parent acceptother
killed parent bindunix
# with MQTT the exporter may reach the broker, and nothing more
check "exporter-mqtt filter: ordinary stdio work is allowed" \
    "$SB" exporter-mqtt allowed
check "exporter-mqtt filter: an inet socket is allowed" \
    sh -c "'$SB' exporter-mqtt socket | grep -q 'socket returned [0-9]'"
killed exporter-mqtt socketunix
killed exporter-mqtt execve
killed exporter-mqtt fork

# Landlock, where the kernel has it: no file system beyond what a role
# needs, even where seccomp lets the call through
if [ "$("$SB" landlock none 2>/dev/null)" -gt 0 ] 2>/dev/null; then
	check "exporter: landlock refuses writes outside dump/" \
	    sh -c "'$SB' exporter openw 2>/dev/null | grep -q 'returned -1'"
	check "parent: landlock refuses reading other files" \
	    sh -c "'$SB' parent openother | grep -q 'returned -1'"
	check "parent: the configuration file stays readable" \
	    sh -c "'$SB' parent open | grep -q 'returned [0-9]'"
fi

setup_system
SP=$(free_port)
write_conf "$T/pvgated.conf" "$SP" $((SP + 1))
# and a device to dial, so that a connector runs too (nobody answers),
# and a cloud, so that it relays too
printf '\n[device DEV1]\nprotocol = capture\nclient = 127.0.0.1:%s\n' \
    $((SP + 2)) >> "$T/pvgated.conf"
sed "s/^heartbeat_interval = 60\$/&\\
cloud = 127.0.0.2:$((SP + 3))/" "$T/pvgated.conf" > "$T/relay.conf"
mv "$T/relay.conf" "$T/pvgated.conf"
gw_start "$T/pvgated.conf" || exit 1
check "a connector is running" sh -c "pgrep -P $GWPID -f connector"
# a logger's heartbeat: the connector dials the cloud in its sandbox
"$PVSIM" -l "relayed logger" -p "$SP" \
    send:$VEC/24-heartbeat-ind-4710.hex expect:$VEC/25-heartbeat-rsp-1710.hex
wait_for "$T/stderr" "cloud 127.0.0.2:$((SP + 3)) lost"
check "the relay connector dialled the cloud (refused) and lives on" \
    sh -c "grep -q 'cloud 127.0.0.2:$((SP + 3)) lost (Connection refused)' '$T/stderr' && pgrep -P $GWPID -f connector"
sleep 0.3	# the parent drops privileges after spawning
uid=$(id -u _pvgated)
for p in $GWPID $(children); do
	name=$(tr '\0' ' ' < /proc/$p/cmdline | sed 's/^[^:]*: //; s/[ .]*$//')
	st=/proc/$p/status
	check "$name: uid is _pvgated" \
	    grep -Eq "^Uid:[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid\$" "$st"
	check "$name: Seccomp: 2" grep -Eq '^Seccomp:[[:space:]]+2$' "$st"
	check "$name: NoNewPrivs: 1" grep -Eq '^NoNewPrivs:[[:space:]]+1$' "$st"
	root=$(readlink /proc/$p/root)
	case "$name" in
	parent)		want=/ ;;
	exporter)	want=$T/state ;;
	*)		want=/var/empty ;;
	esac
	if [ "$root" = "$want" ]; then
		ok "$name: root directory is $want"
	else
		nok "$name: root directory is $want (it is $root)"
	fi
done
exit 0
