. "$(dirname "$0")/lib.sh"
setup_system
SP=$(free_port); AP=$(port_from $((SP + 5)))
write_conf "$T/pvgated.conf" "$SP" $((SP + 1))
printf '\n[apsystems-ecu]\nlisten = 127.0.0.1:%s\n' $AP >> "$T/pvgated.conf"
gw_start "$T/pvgated.conf"
V=$TOP/regress/vectors
for i in 1 2 3 4 5 6 7 8 9 10; do
"$TOP/regress/hostile/hostile" -w noread -n 1 -d 10000 -m 4096 apsystems-ecu:$AP:$V/apsystems-ecu/06-aps13-a101-control-request-ecu-r.hex
done
"$PVGATECTL" -s "$CTLSOCK" counters | grep -i 'aps\|LISTENER'
grep -v 'does not read' "$T/stderr" | tail
