#!/bin/sh
#
# Fail closed: kill -9 of any child ends the whole gateway within a
# second, non-zero, with a log line naming the child, and nothing left.

. "$(dirname "$0")/lib.sh"
setup_system

# four children: exporter, decoder, listener 1, listener 2
for n in 1 2 3 4; do
	SP=$(free_port)
	write_conf "$T/pvgated.conf" "$SP" $((SP + 1))
	gw_start "$T/pvgated.conf" || continue
	pids=$(children | sort -n)
	victim=$(echo $pids | cut -d' ' -f$n)
	# the title setproctitle gave it: "exporter", "listener 20001"
	role=$(tr '\0' ' ' < /proc/$victim/cmdline | sed 's/^[^:]*: //; s/[ .]*$//')
	kill -KILL "$victim"
	if gw_wait_exit 1 && [ "$GWRC" != 0 ]; then
		ok "kill -9 $role: pvgated exits non-zero within a second"
	else
		nok "kill -9 $role: pvgated exits non-zero within a second ($GWRC)"
	fi
	check "kill -9 $role: the log names it and the signal" \
	    grep -q "lost child: $role.*killed by signal 9" "$T/stderr"
	sleep 0.2
	check "kill -9 $role: no process of the gateway left" \
	    sh -c "! ps -p '$(echo $pids | tr ' ' ,)' > /dev/null"
	GWPID=
done
exit 0
