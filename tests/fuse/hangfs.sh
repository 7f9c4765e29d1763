# hangfs.sh - build and mount tests/fuse/hangfs, a FUSE file system that
# stops answering on one path (see hangfs.c).
#
#   . "$TOP/tests/fuse/hangfs.sh"
#   hfs_build BIN            compile hangfs.c into BIN (libfuse3-dev)
#   hfs_mount BIN SRC MNT [-I] [-H OP:PATH]...   serve SRC at MNT (type
#                            fuse.hangfs), in the foreground of a
#                            background job; PID in MNT's pid file, log
#                            in MNT's log file
#   hfs_umount MNT           unmount, stop hangfs by its PID, and make sure
#                            nothing stays mounted (a hung request is let
#                            go with EIO when hangfs stops)
#   hfs_log MNT              the path of its log
#   hfs_is_mounted MNT       true when MNT is a fuse.hangfs mount

# _hfs_file MNT SUFFIX - MNT's side file: "$(dirname MNT)/.$(basename MNT).SUFFIX"
_hfs_file() {
	local mnt=${1%/}
	echo "$(dirname "$mnt")/.$(basename "$mnt").$2"
}

hfs_log() {
	_hfs_file "$1" hangfs.log
}

# hfs_build BIN - compile hangfs with the project's warnings
hfs_build() {
	local src
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/hangfs.c
	pkg-config --exists fuse3 2>/dev/null || {
		echo "hfs_build: libfuse3's headers are missing (libfuse3-dev)" >&2
		return 1
	}
	# shellcheck disable=SC2046
	${CC:-cc} -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror \
	    -Wmissing-prototypes -Wstrict-prototypes -Wvla -Wwrite-strings \
	    $(pkg-config --cflags fuse3) -o "$1" "$src" \
	    $(pkg-config --libs fuse3)
}

# _hfs_mounted_any MNT - anything mounted at MNT
_hfs_mounted_any() {
	awk -v m="$1" '$5 == m { found = 1 } END { exit !found }' \
	    /proc/self/mountinfo
}

hfs_is_mounted() {
	awk -v m="$1" '
		{ for (i = 7; i <= NF; i++) if ($i == "-") break }
		$5 == m && $(i + 1) == "fuse.hangfs" { found = 1 }
		END { exit !found }' /proc/self/mountinfo
}

# _hfs_alive PID - a live hangfs process
_hfs_alive() {
	[ -n "$1" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = hangfs ] ||
	    return 1
	case $(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) in
	Z | X | '') return 1 ;;
	esac
	return 0
}

# hfs_mount BIN SRC MNT [hangfs options] - mount and wait until it is up
hfs_mount() {
	local bin=$1 src=$2 mnt pid i
	mkdir -p "$3" || return 1
	mnt=$(cd "$3" && pwd -P) || return 1
	shift 3
	if hfs_is_mounted "$mnt"; then
		echo "hfs_mount: $mnt is already mounted" >&2
		return 1
	fi
	"$bin" "$src" "$mnt" -f -o subtype=hangfs,allow_other,max_threads=8 \
	    "$@" </dev/null >>"$(hfs_log "$mnt")" 2>&1 &
	pid=$!
	echo "$pid" >"$(_hfs_file "$mnt" hangfs.pid)"
	for i in $(seq 1 200); do
		hfs_is_mounted "$mnt" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "hfs_mount: hangfs did not mount $mnt:" >&2
	cat "$(hfs_log "$mnt")" >&2
	hfs_umount "$mnt"
	return 1
}

# hfs_umount MNT - unmount MNT and stop its hangfs, whatever state it is in
hfs_umount() {
	local mnt pidfile pid i
	mnt=$(cd "$(dirname "${1%/}")" && pwd -P)/$(basename "${1%/}")
	pidfile=$(_hfs_file "$mnt" hangfs.pid)
	pid=$(tr -dc '0-9' <"$pidfile" 2>/dev/null)
	# SIGTERM first: hangfs lets its hung requests go (EIO), so that
	# their callers can finish, and unmounts.
	if _hfs_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 1 100); do
			_hfs_alive "$pid" || break
			sleep 0.05
		done
	fi
	if _hfs_mounted_any "$mnt"; then
		timeout 10 fusermount3 -u "$mnt" 2>/dev/null ||
		    timeout 10 fusermount3 -uz "$mnt" 2>/dev/null ||
		    umount -l "$mnt" 2>/dev/null
	fi
	if _hfs_alive "$pid"; then
		kill -KILL "$pid" 2>/dev/null
	fi
	rm -f "$pidfile"
	if _hfs_mounted_any "$mnt"; then
		umount -l "$mnt" 2>/dev/null
	fi
	if _hfs_mounted_any "$mnt"; then
		echo "hfs_umount: $mnt is still mounted" >&2
		return 1
	fi
	return 0
}
