# sink.sh - SMTP servers that capture what they are sent, for tests.
#
#   . "$TOP/tests/lib/sink.sh"
#
# Postfix's smtp-sink, the relay target of tests/lib/postfix.sh:
#   sink_start DIR PORT       listen on 127.0.0.1:PORT, one file per message
#   sink_stop DIR             stop it (by the PID recorded at start)
#   sink_count DIR            how many messages it has written
#   sink_files DIR            their paths, one a line
#
# A capture file is written while the message arrives: it is complete once
# the sending Postfix's queue is empty (pf_queue_empty), not before.
#
# tests/lib/smtpsink.py, the scriptable server for submission tests:
#   pysink_start DIR PORT MODE [OPTIONS]   MODE: ok, 451-then-250,
#                             drop-after-dot, reject-dup, 550; OPTIONS are
#                             passed on (--lifetime S, --max-connections N)
#   pysink_stop DIR
#   pysink_count DIR [CODE]   messages received [and answered with CODE]
#
# Every server is started in the background with its output in DIR and its
# PID in a file in DIR; stopping kills only that PID.

SINK_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# _sink_pid_alive - true when PIDFILE names a live process whose command is COMM
_sink_pid_alive() {
	local pid
	[ -r "$1" ] || return 1
	pid=$(tr -dc '0-9' <"$1")
	[ -n "$pid" ] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	case $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) in
	*"$2"*) return 0 ;;
	esac
	return 1
}

# _sink_kill - TERM the process in PIDFILE (if still COMM), wait, then KILL
_sink_kill() {
	local pidfile=$1 comm=$2 pid i
	_sink_pid_alive "$pidfile" "$comm" || return 0
	pid=$(tr -dc '0-9' <"$pidfile")
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		# A zombie child of this shell counts as gone.
		case $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) in
		Z | '') return 0 ;;
		esac
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	return 0
}

# _sink_listening - true when something listens on PORT [, and it is PID]
_sink_listening() {
	ss -Hltnp "sport = :$1" 2>/dev/null | grep -q "${2:+pid=$2,}"
}

# sink_start - run smtp-sink on 127.0.0.1:PORT, capturing to DIR/msg.*
sink_start() {
	local dir=$1 port=$2 user=() pid i
	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd -P) || return 1
	if _sink_listening "$port"; then
		echo "sink_start: port $port is already in use" >&2
		return 1
	fi
	# As root smtp-sink insists on a user to switch to after binding.
	if [ "$(id -u)" -eq 0 ]; then
		user=(-u root)
	fi
	# SINK_OPTS: more smtp-sink options (-N: no DSN, so that Postfix
	# itself reports a relayed delivery)
	# shellcheck disable=SC2086
	smtp-sink "${user[@]}" ${SINK_OPTS:-} -4 -m 64 -d "$dir/msg." "127.0.0.1:$port" 64 \
	    </dev/null >>"$dir/.smtp-sink.log" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/.smtp-sink.pid"
	for i in $(seq 1 200); do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "sink_start: smtp-sink exited:" >&2
			cat "$dir/.smtp-sink.log" >&2
			return 1
		fi
		if _sink_listening "$port" "$pid"; then
			return 0
		fi
		sleep 0.05
	done
	echo "sink_start: smtp-sink is not listening on port $port" >&2
	_sink_kill "$dir/.smtp-sink.pid" smtp-sink
	return 1
}

# sink_stop - stop the smtp-sink started for DIR
sink_stop() {
	_sink_kill "$1/.smtp-sink.pid" smtp-sink
}

# sink_files - print the paths of the messages captured in DIR
sink_files() {
	local f
	for f in "$1"/msg.*; do
		if [ -f "$f" ]; then
			echo "$f"
		fi
	done
}

# sink_count - print how many messages DIR holds
sink_count() {
	sink_files "$1" | wc -l | tr -d ' '
}

# pysink_start - run smtpsink.py in MODE on 127.0.0.1:PORT, writing to DIR
pysink_start() {
	local dir=$1 port=$2 mode=$3 pid i
	shift 3
	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd -P) || return 1
	rm -f "$dir/ready"
	/usr/bin/python3 "$SINK_LIB_DIR/smtpsink.py" --dir "$dir" \
	    --port "$port" --mode "$mode" "$@" \
	    </dev/null >>"$dir/smtpsink.out" 2>&1 &
	pid=$!
	for i in $(seq 1 200); do
		if [ -e "$dir/ready" ]; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "pysink_start: smtpsink.py exited:" >&2
			cat "$dir/smtpsink.out" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "pysink_start: smtpsink.py did not get ready" >&2
	kill -TERM "$pid" 2>/dev/null
	return 1
}

# pysink_stop - stop the smtpsink.py started for DIR
pysink_stop() {
	_sink_kill "$1/smtpsink.pid" smtpsink.py
}

# pysink_count - print how many messages DIR got [answered with reply CODE]
pysink_count() {
	local dir=$1 code=${2:-} f n=0
	for f in "$dir"/[0-9]*.env; do
		[ -f "$f" ] || continue
		if [ -z "$code" ] || grep -q "^reply $code" "$f"; then
			n=$((n + 1))
		fi
	done
	echo "$n"
}
