# Shared by the tests with an MQTT broker (mqtt.sh, ../hostile/faults.sh),
# after lib.sh: frames to send that give records told apart by their
# sample time, and waiting for a condition.

# broker PORT: a mosquitto on 127.0.0.1:PORT, its pid in BPID; 1 if
# it does not listen
broker()
{
	cat > "$T/broker.conf" <<EOC
listener $1 127.0.0.1
allow_anonymous true
user root
log_dest file $T/broker.log
EOC
	mosquitto -c "$T/broker.conf" 2> "$T/broker.err" &
	BPID=$!
	waitn 5 sh -c "ss -ltn 'sport = :$1' | grep -q LISTEN"
}

# waitn SECONDS COMMAND...: until COMMAND succeeds
waitn()
{
	_n=$(($1 * 10))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" > /dev/null 2>&1 && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# gen FIRST LAST: data frames whose sample time is the capture's plus
# k seconds (the device's operating time field), checksums redone
gen()
{
	mkdir -p "$T/frames"
	awk -v first="$1" -v last="$2" -v dir="$T/frames" '
	function val(h,  d) {
		d = "0123456789abcdef"
		return (index(d, substr(h, 1, 1)) - 1) * 16 + \
		    index(d, substr(h, 2, 1)) - 1
	}
	{ for (i = 1; i <= NF; i++) b[n++] = val($i) }
	END {
		for (k = first; k <= last; k++) {
			t = b[14] + b[15] * 256 + b[16] * 65536 + \
			    b[17] * 16777216 + k
			for (i = 0; i < n; i++)
				c[i] = b[i]
			for (i = 14; i < 18; i++) {
				c[i] = t % 256
				t = int(t / 256)
			}
			s = 0
			for (i = 1; i < n - 2; i++)
				s += c[i]
			c[n - 2] = s % 256
			f = dir "/" k ".hex"
			for (i = 0; i < n; i++)
				printf "%02x%s", c[i], (i % 16 == 15) ? "\n" : " " > f
			printf "\n" > f
			close(f)
		}
	}' "$VEC/08-data-ind-4210-02b0.hex"
}

# steps FIRST LAST SLEEP_MS: pvsim arguments sending those frames
steps()
{
	k=$1
	while [ "$k" -le "$2" ]; do
		printf 'send:%s expect:%s sleep:%s ' "$T/frames/$k.hex" \
		    "$VEC/09-data-rsp-1210.hex" "$3"
		k=$((k + 1))
	done
}

# the sample time of generated frame k
ktime()
{
	date -u -d "@$(($(date -u -d 2024-03-31T07:27:24Z +%s) + $1))" \
	    +%Y-%m-%dT%H:%M:%SZ
}
