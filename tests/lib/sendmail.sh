# sendmail.sh - a private Sendmail on loopback, for integration tests.
#
#   . "$TOP/tests/lib/sendmail.sh"
#   sm_fetch ROOT              unpack Sendmail (and what it needs) into ROOT
#   sm_setup DIR ROOT SMTPD_PORT SINK_PORT MILTER_SOCKET
#                              write DIR/sendmail.mc, build DIR/sendmail.cf
#   sm_start DIR / sm_stop DIR start in the foreground; stop and wait
#   sm_queue_empty DIR         true when nothing is queued
#   sm_queue_count DIR         how many messages are queued
#
# Debian's sendmail-bin conflicts with postfix (both are the
# mail-transport-agent), so it is never installed: sm_fetch takes the
# packages with "apt-get download" into $SM_CACHE (default
# /var/cache/edefter-test/debs, kept between runs) and unpacks them with
# "dpkg-deb -x".  Libraries Sendmail needs that are not installed
# (liblockfile1, libwrap0) and m4 (sendmail-cf's macro processor) come
# the same way.  When the package lists lack a package (a fresh machine)
# sm_fetch runs "apt-get update" and tries again.
#
# The instance: its own sendmail.cf built with m4 from sendmail-cf's
# files, its own queue directory, smtpd on 127.0.0.1:SMTPD_PORT only,
# no local delivery, everything relayed to [127.0.0.1]:SINK_PORT, and
# edefter-milter at MILTER_SOCKET (a path in no world-writable
# directory: Sendmail refuses a socket under /tmp), with F=T.  Sendmail
# runs as root in the foreground (-bD), in a UTS namespace of its own
# whose host name is qualified: with an unqualified host name Sendmail
# sleeps a minute at start ("My unqualified host name unknown").  The
# SMTP traffic is logged to DIR/traffic.log, errors to DIR/sendmail.out.
#
# Functions return non-zero and say why on stderr.

SM_CACHE=${SM_CACHE:-/var/cache/edefter-test/debs}
SM_HOSTNAME=sendmail-test.localdomain

# _sm_cached PKG - print the newest cached .deb of PKG, if any
_sm_cached() {
	ls "$SM_CACHE/${1}_"*.deb 2>/dev/null | sort -V | tail -n 1
}

# _sm_download PKG - apt-get download PKG into the cache
_sm_download() {
	(cd "$SM_CACHE" && apt-get -q -o APT::Sandbox::User=root download "$1") \
	    >>"$SM_CACHE/download.log" 2>&1
}

# _sm_deb PKG - print the cached .deb of PKG, downloading it first if
# needed (after "apt-get update" when the package lists lack it)
_sm_deb() {
	local f
	f=$(_sm_cached "$1")
	if [ -z "$f" ]; then
		_sm_download "$1" || {
			apt-get -qq update >>"$SM_CACHE/download.log" 2>&1 &&
			    _sm_download "$1"
		}
		f=$(_sm_cached "$1")
	fi
	if [ -z "$f" ]; then
		echo "sm_fetch: cannot download $1 (see $SM_CACHE/download.log)" >&2
		return 1
	fi
	echo "$f"
}

# _sm_installed PKG - true when dpkg has PKG installed
_sm_installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null |
	    grep -q 'install ok installed'
}

# sm_fetch ROOT - unpack sendmail-bin and sendmail-cf (and the libraries
# and m4 when missing) into ROOT; ROOT/bin/sendmail is the daemon
sm_fetch() {
	local root=$1 pkgs=(sendmail-bin sendmail-cf) p f
	mkdir -p "$root" "$SM_CACHE" || return 1
	for p in liblockfile1 libwrap0; do
		_sm_installed "$p" || pkgs+=("$p")
	done
	command -v m4 >/dev/null 2>&1 || pkgs+=(m4)
	(
		flock 9
		for p in "${pkgs[@]}"; do
			f=$(_sm_deb "$p") || exit 1
			dpkg-deb -x "$f" "$root" || exit 1
		done
	) 9>>"$SM_CACHE/.lock" || return 1
	mkdir -p "$root/bin" || return 1
	# The binary is set-group-id mail: the loader would then ignore
	# LD_LIBRARY_PATH, and root needs no extra group.
	cp "$root/usr/libexec/sendmail/sendmail" "$root/bin/sendmail" &&
	    chmod 0755 "$root/bin/sendmail" || return 1
	if [ -x "$root/usr/bin/m4" ]; then
		ln -sf "$root/usr/bin/m4" "$root/bin/m4"
	else
		ln -sf "$(command -v m4)" "$root/bin/m4"
	fi
	[ -f "$root/usr/share/sendmail/cf/m4/cf.m4" ] || {
		echo "sm_fetch: sendmail-cf's m4 files are not in $root" >&2
		return 1
	}
}

# _sm_libs ROOT - the library path of ROOT's unpacked packages
_sm_libs() {
	echo "$1/usr/lib/$(uname -m)-linux-gnu"
}

# sm_setup DIR ROOT SMTPD_PORT SINK_PORT MILTER_SOCKET
sm_setup() {
	local dir root=$2 port=$3 sink=$4 sock=$5 cf
	mkdir -p "$1" || return 1
	dir=$(cd "$1" && pwd -P) || return 1
	cf=$root/usr/share/sendmail/cf
	mkdir -p "$dir/mqueue" && chmod 0700 "$dir/mqueue" || return 1
	printf 'hosts\tfiles\naliases\tfiles\n' >"$dir/service.switch" || return 1
	echo "$root" >"$dir/root"
	# The edefter lines are those of postfix/README.md, "Sendmail".
	cat >"$dir/sendmail.mc" <<EOF || return 1
divert(-1)
# Private test instance, written by tests/lib/sendmail.sh
divert(0)dnl
include(\`$cf/m4/cf.m4')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`$SM_HOSTNAME')dnl
define(\`QUEUE_DIR', \`$dir/mqueue')dnl
define(\`confPID_FILE', \`$dir/sendmail.pid')dnl
define(\`STATUS_FILE', \`$dir/statistics')dnl
define(\`HELP_FILE', \`$root/etc/mail/helpfile')dnl
define(\`confCR_FILE', \`-o $dir/relay-domains')dnl
define(\`ALIAS_FILE', \`')dnl
define(\`confSERVICE_SWITCH_FILE', \`$dir/service.switch')dnl
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $sink')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`confTO_QUEUERETURN', \`1d')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`no_default_msa')dnl
DAEMON_OPTIONS(\`Port=$port, Addr=127.0.0.1, Name=MTA')dnl
define(\`confMILTER_MACROS_CONNECT', \`\`j, _, {daemon_name}, {if_name}, {if_addr}, {client_addr}'')dnl
define(\`confMILTER_MACROS_ENVFROM', \`\`i, {auth_type}, {auth_authen}, {auth_ssf}, {auth_author}, {mail_mailer}, {mail_host}, {mail_addr}'')dnl
define(\`confMILTER_MACROS_EOM', \`\`{msg_id}, i'')dnl
INPUT_MAIL_FILTER(\`edefter', \`S=local:$sock, F=T, T=S:30s;R:30s;E:5m')dnl
MAILER(\`smtp')dnl
EOF
	"$root/bin/m4" -D_CF_DIR_="$cf/" "$dir/sendmail.mc" \
	    >"$dir/sendmail.cf" 2>"$dir/m4.err" || {
		echo "sm_setup: m4 failed:" >&2
		cat "$dir/m4.err" >&2
		return 1
	}
	echo "$port" >"$dir/port"
}

# _sm_pid DIR - print the PID of DIR's running Sendmail, if any
_sm_pid() {
	local pid
	[ -r "$1/daemon.pid" ] || return 1
	pid=$(tr -dc '0-9' <"$1/daemon.pid")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	case $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) in
	Z | X | '') return 1 ;;
	esac
	echo "$pid"
}

# _sm_children PID - the live processes whose parent is PID
_sm_children() {
	ps -e -o pid= -o ppid= -o stat= |
	    awk -v p="$1" '$2 == p && $3 !~ /^Z/ { print $1 }'
}

# sm_start DIR - start DIR's Sendmail and wait until its port listens
sm_start() {
	local dir root port pid i
	dir=$(cd "$1" && pwd -P) || return 1
	root=$(cat "$dir/root") && port=$(cat "$dir/port") || return 1
	if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
		echo "sm_start: port $port is already in use" >&2
		return 1
	fi
	# unshare and sh exec: the background job's PID is the daemon's.
	LD_LIBRARY_PATH=$(_sm_libs "$root") unshare --uts sh -c \
	    'hostname "$1" && exec "$2" -C "$3" -bD -X "$4"' sh \
	    "$SM_HOSTNAME" "$root/bin/sendmail" "$dir/sendmail.cf" \
	    "$dir/traffic.log" </dev/null >>"$dir/sendmail.out" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/daemon.pid"
	for i in $(seq 1 200); do
		if ss -Hltnp "sport = :$port" 2>/dev/null | grep -q "pid=$pid,"; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "sm_start: Sendmail did not come up on port $port:" >&2
	cat "$dir/sendmail.out" >&2
	sm_stop "$dir"
	return 1
}

# sm_stop DIR - SIGTERM the daemon, wait until it and its children are gone
sm_stop() {
	local dir=$1 pid i kids
	pid=$(_sm_pid "$dir") || return 0
	kids=$(_sm_children "$pid")
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 200); do
		if ! _sm_pid "$dir" >/dev/null; then
			kids=$(for k in $kids; do
				kill -0 "$k" 2>/dev/null && echo "$k"; done)
			[ -z "$kids" ] && return 0
		fi
		sleep 0.05
	done
	echo "sm_stop: Sendmail $pid did not stop; killing it" >&2
	for i in $pid $kids; do
		kill -KILL "$i" 2>/dev/null
	done
	return 0
}

# sm_queue_count DIR - how many messages DIR's queue holds
sm_queue_count() {
	find "$1/mqueue" -maxdepth 1 -name 'qf*' 2>/dev/null | wc -l | tr -d ' '
}

# sm_queue_empty DIR - true when DIR's queue holds nothing
sm_queue_empty() {
	[ "$(sm_queue_count "$1")" = 0 ] &&
	    [ -z "$(find "$1/mqueue" -maxdepth 1 -name 'df*' 2>/dev/null)" ]
}
