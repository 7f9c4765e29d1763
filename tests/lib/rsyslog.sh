# rsyslog.sh - a private rsyslogd, for tests of what the programs log.
#
#   . "$TOP/tests/lib/rsyslog.sh"
#   rsl_start DIR          start rsyslogd with DIR/rsyslog.conf, wait for
#                          its socket
#   rsl_stop DIR           stop it (by the PID in DIR/rsyslogd.pid)
#   rsl_socket DIR         the path of its imuxsock socket: what
#                          EDEFTER_SYSLOG_SOCKET is set to (lib/log.h)
#   rsl_wait DIR FILE ERE [SECONDS]  wait until a line of DIR/FILE
#                          matches ERE (extended regex, whole line)
#
# The system's configuration and /dev/log are never used: rsyslogd runs in
# the foreground (-n) with its own configuration (-f), PID file (-i) and
# work directory, and reads one unix socket, DIR/log.sock (imuxsock with
# the system socket off).  Each line is written as
#
#   FACILITY.SEVERITY PROGRAM[PID]: MESSAGE
#
# to DIR/mail.log for facility mail and to DIR/other.log for the rest.

# _rsl_pid DIR - print the PID of DIR's running rsyslogd, if any
_rsl_pid() {
	local pid
	[ -r "$1/rsyslogd.pid" ] || return 1
	pid=$(tr -dc '0-9' <"$1/rsyslogd.pid")
	[ -n "$pid" ] || return 1
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = rsyslogd ] || return 1
	case $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) in
	Z | X | '') return 1 ;;
	esac
	echo "$pid"
}

rsl_socket() {
	echo "$1/log.sock"
}

# rsl_start DIR - write DIR/rsyslog.conf and run rsyslogd on it
rsl_start() {
	local dir pid i
	mkdir -p "$1/work" || return 1
	dir=$(cd "$1" && pwd -P) || return 1
	rm -f "$dir/log.sock" "$dir/rsyslogd.pid"
	: >"$dir/mail.log" && : >"$dir/other.log" || return 1
	cat >"$dir/rsyslog.conf" <<EOF || return 1
# Private test instance, written by tests/lib/rsyslog.sh
global(workDirectory="$dir/work")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$dir/log.sock" CreatePath="on"
      RateLimit.Interval="0")
template(name="edefter" type="string"
         string="%syslogfacility-text%.%syslogseverity-text% %programname%[%procid%]:%msg%\n")
mail.*		action(type="omfile" file="$dir/mail.log" template="edefter")
*.*;mail.none	action(type="omfile" file="$dir/other.log" template="edefter")
EOF
	rsyslogd -N1 -f "$dir/rsyslog.conf" >"$dir/check.out" 2>&1 || {
		echo "rsl_start: rsyslogd refuses $dir/rsyslog.conf:" >&2
		cat "$dir/check.out" >&2
		return 1
	}
	rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid" \
	    </dev/null >>"$dir/rsyslogd.out" 2>&1 &
	pid=$!
	for i in $(seq 1 200); do
		if [ -S "$dir/log.sock" ] && [ "$(_rsl_pid "$dir")" = "$pid" ]; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "rsl_start: rsyslogd did not come up:" >&2
	cat "$dir/rsyslogd.out" >&2
	kill -TERM "$pid" 2>/dev/null
	return 1
}

# rsl_stop DIR - SIGTERM, wait until it is gone
rsl_stop() {
	local pid i
	pid=$(_rsl_pid "$1") || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 200); do
		_rsl_pid "$1" >/dev/null || return 0
		sleep 0.05
	done
	echo "rsl_stop: rsyslogd $pid did not stop; killing it" >&2
	kill -KILL "$pid" 2>/dev/null
	return 0
}

# rsl_wait DIR FILE ERE [SECONDS] - a line of DIR/FILE matches ERE
rsl_wait() {
	test_wait_for "${4:-10}" grep -qE "^$3\$" "$1/$2" || {
		echo "rsl_wait: no line matching ^$3\$ in $1/$2:" >&2
		tail -n 20 "$1/$2" >&2
		return 1
	}
}
