# samba.sh - a private smbd on loopback and an rclone FUSE mount of it.
#
#   . "$TOP/tests/lib/samba.sh"
#   smb_start DIR PORT SHAREDIR   serve SHAREDIR as guest share "share"
#   smb_stop DIR                  stop that smbd and its children
#   smb_pause DIR / smb_resume DIR  SIGSTOP / SIGCONT all of them
#   smb_mount DIR PORT MNT [RCLONE-OPTIONS]   mount the share on MNT
#   smb_umount MNT                unmount, stop rclone, leave no stale mount
#   smb_is_mounted MNT            true when MNT is a fuse.rclone mount
#
# smbd keeps its configuration, state and logs under DIR.  It must run in
# a session (and so a process group) of its own: on exit smbd signals its
# whole process group, which must not be the test's.  With --foreground
# smbd creates that session itself; "--no-process-group" would skip it and
# is never used.  smb_stop, smb_pause and smb_resume signal that group,
# which holds only smbd and the children it forked.
#
# rclone runs in the foreground of a background job (not --daemon) so that
# its PID is known; the PID is kept next to the mount point, in
# "$(dirname MNT)/.$(basename MNT).rclone.pid", and its log in DIR.
#
# Creating a file in the share root through rclone leaves a stray
# directory there: tests create files in subdirectories, or write them
# directly into SHAREDIR on the server side.

# _smb_pid - print the PID of DIR's smbd, if it is running
_smb_pid() {
	local pid
	[ -r "$1/smbd.pid" ] || return 1
	pid=$(tr -dc '0-9' <"$1/smbd.pid")
	_smb_alive "$pid" smbd || return 1
	echo "$pid"
}

# _smb_group - print the PIDs of the live Samba processes in group PGID
_smb_group() {
	ps -e -o pid= -o pgid= -o stat= -o comm= |
	    awk -v g="$1" '$2 == g && $3 !~ /^Z/ && $4 ~ /^(smbd|samba|rpcd)/ {
		print $1 }'
}

# _smb_alive - true when PID is a live (not zombie) process named COMM
_smb_alive() {
	[ -n "$1" ] || return 1
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] || return 1
	case $(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) in
	Z | X | '') return 1 ;;
	esac
	return 0
}

# _smb_listening - true when something listens on PORT [, and it is PID]
_smb_listening() {
	ss -Hltnp "sport = :$1" 2>/dev/null | grep -q "${2:+pid=$2,}"
}

# smb_start - run a private smbd on 127.0.0.1:PORT sharing SHAREDIR as "share"
smb_start() {
	local dir=$1 port=$2 share=$3 pid i
	mkdir -p "$dir" "$share" || return 1
	dir=$(cd "$dir" && pwd -P) || return 1
	share=$(cd "$share" && pwd -P) || return 1
	mkdir -p "$dir/private" "$dir/lock" "$dir/state" "$dir/cache" \
	    "$dir/pid" "$dir/ncalrpc" "$dir/log" || return 1
	chmod 0700 "$dir/private" || return 1
	cat >"$dir/smb.conf" <<EOF || return 1
# Private test instance, written by tests/lib/samba.sh
[global]
	server role = standalone server
	workgroup = EDEFTERTEST
	netbios name = EDEFTERTEST
	smb ports = $port
	# "lo" would bind ::1 as well
	interfaces = 127.0.0.1
	bind interfaces only = yes
	disable netbios = yes
	private dir = $dir/private
	lock directory = $dir/lock
	state directory = $dir/state
	cache directory = $dir/cache
	pid directory = $dir/pid
	ncalrpc dir = $dir/ncalrpc
	passdb backend = tdbsam:$dir/private/passdb.tdb
	log file = $dir/log/smbd.log
	logging = file
	log level = 1
	map to guest = Bad User
	guest account = nobody
	load printers = no
	printing = bsd
	printcap name = /dev/null
	disable spoolss = yes
	usershare max shares = 0
	rpc start on demand helpers = no

[share]
	path = $share
	guest ok = yes
	guest only = yes
	read only = no
	browseable = yes
	force user = root
EOF
	if _smb_listening "$port"; then
		echo "smb_start: port $port is already in use" >&2
		return 1
	fi
	testparm -s "$dir/smb.conf" >"$dir/testparm.out" 2>&1 || {
		echo "smb_start: testparm rejects $dir/smb.conf:" >&2
		cat "$dir/testparm.out" >&2
		return 1
	}
	# In the foreground smbd calls setsid() itself (and gives up when it
	# cannot, so it must not be started under setsid): it ends up leading
	# a session and process group of its own, which is checked below.
	smbd --foreground --configfile="$dir/smb.conf" \
	    </dev/null >>"$dir/log/smbd.out" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/smbd.pid"
	for i in $(seq 1 200); do
		if _smb_pid "$dir" >/dev/null && _smb_listening "$port" "$pid"; then
			if [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" != "$pid" ]; then
				echo "smb_start: smbd $pid is not its own group leader" >&2
				smb_stop "$dir"
				return 1
			fi
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		sleep 0.05
	done
	echo "smb_start: smbd did not come up on port $port:" >&2
	tail -n 20 "$dir/log/smbd.out" "$dir/log/smbd.log" >&2 2>/dev/null
	smb_stop "$dir"
	return 1
}

# smb_stop - stop DIR's smbd and every process of its group, by PID
smb_stop() {
	local dir=$1 pid i left
	[ -r "$dir/smbd.pid" ] || return 0
	pid=$(tr -dc '0-9' <"$dir/smbd.pid")
	[ -n "$pid" ] || return 0
	if _smb_alive "$pid" smbd; then
		kill -TERM "$pid" 2>/dev/null
		# A stopped group would not act on TERM.
		kill -CONT -- "-$pid" 2>/dev/null
	fi
	# The children leave when the parent does; if the parent was killed
	# outright, whatever of its group is left is killed here.
	for i in $(seq 1 100); do
		left=$(_smb_group "$pid")
		[ -z "$left" ] && return 0
		sleep 0.05
	done
	echo "smb_stop: killing what is left of smbd group $pid:" $left >&2
	for i in $left; do
		kill -KILL "$i" 2>/dev/null
	done
	return 0
}

# smb_pause - freeze DIR's smbd (all of its processes): clients hang
smb_pause() {
	local pid
	pid=$(_smb_pid "$1") || { echo "smb_pause: smbd not running" >&2; return 1; }
	kill -STOP -- "-$pid"
}

# smb_resume - let DIR's frozen smbd run again
smb_resume() {
	local pid
	pid=$(_smb_pid "$1") || { echo "smb_resume: smbd not running" >&2; return 1; }
	kill -CONT -- "-$pid"
}

# _smb_pidfile - print the path of the file that holds MNT's rclone PID
_smb_pidfile() {
	local mnt=${1%/}
	echo "$(dirname "$mnt")/.$(basename "$mnt").rclone.pid"
}

# _smb_abs - print MNT as an absolute path without resolving the mount
_smb_abs() {
	local mnt=${1%/}
	echo "$(cd "$(dirname "$mnt")" && pwd -P)/$(basename "$mnt")"
}

# smb_is_mounted - true when /proc/self/mountinfo shows fuse.rclone at MNT
smb_is_mounted() {
	local mnt
	mnt=$(_smb_abs "$1") || return 1
	awk -v m="$mnt" '
		{ for (i = 7; i <= NF; i++) if ($i == "-") break }
		$5 == m && $(i + 1) == "fuse.rclone" { found = 1 }
		END { exit !found }' /proc/self/mountinfo
}

# _smb_mounted_any - true when anything at all is mounted at MNT
_smb_mounted_any() {
	awk -v m="$1" '$5 == m { found = 1 } END { exit !found }' \
	    /proc/self/mountinfo
}

# smb_mount - mount the share of the smbd on PORT at MNT with rclone
smb_mount() {
	local dir=$1 port=$2 mnt pid pidfile log i other=()
	shift 2
	mkdir -p "$dir" "$1" || return 1
	dir=$(cd "$dir" && pwd -P) || return 1
	mnt=$(_smb_abs "$1") || return 1
	shift
	if [ ! -c /dev/fuse ]; then
		echo "smb_mount: /dev/fuse is missing" >&2
		return 1
	fi
	if smb_is_mounted "$mnt"; then
		echo "smb_mount: $mnt is already mounted" >&2
		return 1
	fi
	# allow_other is always allowed to root; anyone else needs
	# user_allow_other in /etc/fuse.conf, so go without it.
	if [ "$(id -u)" -eq 0 ] ||
	    grep -qx 'user_allow_other' /etc/fuse.conf 2>/dev/null; then
		other=(--allow-other)
	fi
	pidfile=$(_smb_pidfile "$mnt")
	log=$dir/rclone-$(basename "$mnt").log
	rclone mount ":smb,host=127.0.0.1,port=$port,user=guest:share" "$mnt" \
	    --config /dev/null \
	    --dir-cache-time 0s --poll-interval 0 --attr-timeout 1s \
	    --vfs-cache-mode off --contimeout 5s --timeout 15s \
	    --low-level-retries 1 --retries 1 --smb-idle-timeout 1s \
	    "${other[@]}" \
	    --log-level INFO "$@" </dev/null >>"$log" 2>&1 &
	pid=$!
	echo "$pid" >"$pidfile"
	for i in $(seq 1 200); do
		smb_is_mounted "$mnt" && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		sleep 0.05
	done
	echo "smb_mount: rclone did not mount $mnt:" >&2
	tail -n 20 "$log" >&2
	smb_umount "$mnt"
	return 1
}

# smb_umount - unmount MNT, stop its rclone, make sure nothing stays mounted
smb_umount() {
	local mnt pidfile pid i
	mnt=$(_smb_abs "$1") || return 1
	pidfile=$(_smb_pidfile "$mnt")
	if _smb_mounted_any "$mnt"; then
		timeout 10 fusermount3 -u "$mnt" 2>/dev/null ||
		    timeout 10 fusermount3 -uz "$mnt" 2>/dev/null ||
		    umount -l "$mnt" 2>/dev/null
	fi
	if [ -r "$pidfile" ]; then
		pid=$(tr -dc '0-9' <"$pidfile")
		# rclone exits once unmounted; give it 2 s, then TERM, then KILL.
		for i in $(seq 1 100); do
			_smb_alive "$pid" rclone || break
			if [ "$i" -eq 40 ]; then
				kill -TERM "$pid" 2>/dev/null
			fi
			sleep 0.05
		done
		if _smb_alive "$pid" rclone; then
			kill -KILL "$pid" 2>/dev/null
		fi
		rm -f "$pidfile"
	fi
	# A killed rclone leaves its mount behind: detach whatever is left.
	if _smb_mounted_any "$mnt"; then
		umount -l "$mnt" 2>/dev/null
	fi
	if _smb_mounted_any "$mnt"; then
		echo "smb_umount: $mnt is still mounted" >&2
		return 1
	fi
	return 0
}
