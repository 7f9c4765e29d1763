# postfix.sh - a private Postfix instance on loopback, for integration tests.
#
#   . "$TOP/tests/lib/postfix.sh"
#   pf_setup DIR SMTPD_PORT SINK_PORT   write DIR/etc/{main,master}.cf
#   pf_milter DIR SOCKETSPEC [CMD_TIMEOUT [CONTENT_TIMEOUT]]
#   pf_set DIR 'name = value'...        more main.cf settings
#   pf_start DIR / pf_stop DIR          start; stop and wait until gone
#   pf_sendmail DIR args...             submit through the pickup queue
#   pf_flush DIR                        wake pickup, retry the whole queue
#   pf_queue_empty DIR                  true when nothing is queued
#   pf_queue_count DIR                  how many messages are queued
#   pf_log DIR                          the path of the maillog
#
# Layout under DIR: etc/ (config_directory), spool/ (queue_directory),
# data/ (data_directory, owned by postfix), maillog.  Every service runs
# without chroot; smtpd listens on 127.0.0.1:SMTPD_PORT only, nothing is
# delivered locally (mydestination is empty) and everything is relayed to
# [127.0.0.1]:SINK_PORT.  Must run as root: Postfix refuses a private
# config_directory to anyone else unless /etc/postfix lists it.
#
# Functions return non-zero and say why on stderr; they are safe under
# "set -e" and "set -u".

# _pf_abs - print DIR as an absolute path (postsuper and friends need one)
_pf_abs() {
	(cd "$1" 2>/dev/null && pwd -P) || {
		echo "postfix.sh: no such directory: $1" >&2
		return 1
	}
}

# _pf_path_enterable - true when user postfix can enter every directory down to DIR
_pf_path_enterable() {
	local d=$1
	while [ -n "$d" ] && [ "$d" != / ]; do
		if ! runuser -u postfix -- test -x "$d" 2>/dev/null; then
			echo "postfix.sh: user postfix cannot enter $d (chmod o+x it)" >&2
			return 1
		fi
		d=${d%/*}
	done
	return 0
}

# _pf_master_pid - print the PID of DIR's running master, if any
_pf_master_pid() {
	local pidfile=$1/spool/pid/master.pid pid
	[ -r "$pidfile" ] || return 1
	pid=$(tr -dc '0-9' <"$pidfile")
	[ -n "$pid" ] || return 1
	# The pid file outlives the master; make sure the PID is still ours
	# and alive (a zombie waits for init, not for us).
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = master ] || return 1
	case $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) in
	Z | X | '') return 1 ;;
	esac
	echo "$pid"
}

# pf_setup - create a private Postfix instance in DIR (see top of file)
pf_setup() {
	local dir smtpd_port=$2 sink_port=$3
	if [ "$(id -u)" -ne 0 ]; then
		echo "pf_setup: a private Postfix instance needs root" >&2
		return 1
	fi
	mkdir -p "$1" || return 1
	dir=$(_pf_abs "$1") || return 1
	chmod 0755 "$dir" || return 1
	_pf_path_enterable "$dir" || return 1
	mkdir -p "$dir/etc" "$dir/spool" "$dir/data" || return 1
	chown postfix:postfix "$dir/data" || return 1
	chmod 0700 "$dir/data" || return 1
	: >"$dir/maillog" || return 1

	cat >"$dir/etc/main.cf" <<EOF || return 1
# Private test instance, written by tests/lib/postfix.sh
compatibility_level = 3.6
config_directory = $dir/etc
queue_directory = $dir/spool
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
myhostname = edefter-test.localdomain
mydomain = localdomain
myorigin = \$myhostname
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
relay_domains =
relayhost = [127.0.0.1]:$sink_port
local_transport = error:5.1.1 no local delivery in tests
alias_maps =
alias_database =
local_recipient_maps =
biff = no
append_dot_mydomain = no
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtp_connect_timeout = 2s
smtp_helo_timeout = 10s
delay_warning_time = 0h
bounce_queue_lifetime = 1d
maximal_queue_lifetime = 1d
EOF

	# Debian's services less local delivery, TLS and pipes; no chroot;
	# pickup and qmgr woken every second so that retries from maildrop
	# (a milter that tempfailed) do not wait a minute.
	cat >"$dir/etc/master.cf" <<EOF || return 1
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$smtpd_port inet n -  n       -       -       smtpd
pickup    unix  n       -       n       1       1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       1       1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	_pf_cool "$dir" || return 1
	_pf_queue_dirs "$dir/spool"
}

# _pf_queue_dirs - create the queue directories with Postfix's owners and
# modes, so that sendmail works even before pf_start ("postfix check"
# would create them too, but takes seconds to do it)
_pf_queue_dirs() {
	local q=$1 d
	for d in active bounce corrupt defer deferred flush hold incoming \
	    private saved trace; do
		mkdir -p "$q/$d" && chown postfix:root "$q/$d" &&
		    chmod 0700 "$q/$d" || return 1
	done
	mkdir -p "$q/maildrop" "$q/public" "$q/pid" || return 1
	chown postfix:postdrop "$q/maildrop" "$q/public" || return 1
	chmod 0730 "$q/maildrop" || return 1
	chmod 0710 "$q/public" || return 1
	chmod 0755 "$q/pid" || return 1
}

# _pf_cool - date DIR's config files 10 s back: Postfix will not read a
# file changed in the last 2 s (it waits, in steps of 0.3 s, for it to
# settle), which would slow every start and reload
_pf_cool() {
	local past
	past=$(($(date +%s) - 10))
	touch -m -d "@$past" "$1/etc/main.cf" "$1/etc/master.cf"
}

# pf_set - set main.cf parameters ('name = value' each); reload if running
pf_set() {
	local dir
	dir=$(_pf_abs "$1") || return 1
	shift
	postconf -c "$dir/etc" -e "$@" || return 1
	_pf_cool "$dir" || return 1
	if _pf_master_pid "$dir" >/dev/null; then
		postfix -c "$dir/etc" reload >/dev/null 2>&1 || return 1
	fi
	return 0
}

# pf_milter - send all mail (SMTP and pickup) through the milter at SOCKETSPEC
pf_milter() {
	local dir spec=$2 cmd_timeout=${3:-10s} content_timeout=${4:-60s}
	dir=$(_pf_abs "$1") || return 1
	postconf -c "$dir/etc" -P \
	    'cleanup/unix/milter_macro_daemon_name=pickup' || return 1
	pf_set "$dir" \
	    "smtpd_milters = { $spec, default_action=tempfail }" \
	    "non_smtpd_milters = { $spec, default_action=tempfail }" \
	    "milter_default_action = tempfail" \
	    "milter_protocol = 6" \
	    "milter_connect_timeout = 5s" \
	    "milter_command_timeout = $cmd_timeout" \
	    "milter_content_timeout = $content_timeout" \
	    'milter_connect_macros = j {daemon_name} {daemon_addr} {client_addr} v _'
}

# pf_start - start DIR's Postfix and wait until smtpd's port listens
pf_start() {
	local dir port pid i
	dir=$(_pf_abs "$1") || return 1
	port=$(awk '$2 == "inet" { n = split($1, a, ":"); print a[n]; exit }' \
	    "$dir/etc/master.cf")
	if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
		echo "pf_start: port $port is already in use" >&2
		return 1
	fi
	if ! postfix -c "$dir/etc" start >>"$dir/start.log" 2>&1; then
		echo "pf_start: postfix start failed:" >&2
		cat "$dir/start.log" >&2
		return 1
	fi
	# The master opens smtpd's listening socket itself.
	for i in $(seq 1 200); do
		if pid=$(_pf_master_pid "$dir") &&
		    ss -Hltnp "sport = :$port" 2>/dev/null | grep -q "pid=$pid,"; then
			return 0
		fi
		sleep 0.05
	done
	echo "pf_start: Postfix in $dir did not come up; maillog:" >&2
	tail -n 20 "$dir/maillog" >&2
	return 1
}

# _pf_group - print the live PIDs of process group PGID (master's group)
_pf_group() {
	ps -e -o pid= -o pgid= -o stat= |
	    awk -v g="$1" '$2 == g && $3 !~ /^Z/ { print $1 }'
}

# pf_stop - stop DIR's Postfix and make sure its processes are gone
pf_stop() {
	local dir pid i left
	dir=$(_pf_abs "$1") || return 1
	pid=$(_pf_master_pid "$dir") || return 0
	# "postfix stop" sends the master this same SIGTERM, then polls once
	# a second; polling here is quicker.  The master leads a process group
	# of its own, with all of its children in it.
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 200); do
		left=$(_pf_group "$pid")
		[ -z "$left" ] && return 0
		sleep 0.05
	done
	echo "pf_stop: Postfix group $pid did not stop; killing" $left >&2
	for i in $left; do
		kill -KILL "$i" 2>/dev/null
	done
	return 0
}

# pf_sendmail - run Postfix's sendmail against DIR's configuration
pf_sendmail() {
	local dir
	dir=$(_pf_abs "$1") || return 1
	shift
	# Without a maildrop directory postdrop retries for ever.
	if [ ! -d "$dir/spool/maildrop" ]; then
		echo "pf_sendmail: $dir has no maildrop; run pf_setup" >&2
		return 1
	fi
	sendmail -C "$dir/etc" "$@"
}

# pf_flush - wake pickup and ask qmgr to retry every queued message now
pf_flush() {
	local dir
	dir=$(_pf_abs "$1") || return 1
	postkick -c "$dir/etc" public pickup W 2>/dev/null
	postqueue -c "$dir/etc" -f
}

# pf_queue_empty - true when no message is queued (maildrop included)
pf_queue_empty() {
	local dir out
	dir=$(_pf_abs "$1") || return 1
	out=$(postqueue -c "$dir/etc" -j 2>/dev/null) || return 1
	[ -z "$out" ]
}

# pf_queue_count - print how many messages are queued
pf_queue_count() {
	local dir
	dir=$(_pf_abs "$1") || return 1
	postqueue -c "$dir/etc" -j 2>/dev/null | grep -c '"queue_id"' || true
}

# pf_log - print the path of DIR's maillog
pf_log() {
	local dir
	dir=$(_pf_abs "$1") || return 1
	echo "$dir/maillog"
}
