#!/usr/bin/env bash
# t1600 - the scanner's watchdog against a share that stops answering
# where no client-side timeout helps: tests/fuse/hangfs serves a local
# directory through FUSE (type fuse.hangfs) and never answers one request
# (readdir of a directory, the lookup of one, the read of a file).  The
# kernel cannot take back a request the daemon has read: a process
# waiting for a readdir, lookup or open stays in uninterruptible sleep
# even when killed, unless the daemon honours FUSE_INTERRUPT (hangfs -I);
# a read through the page cache can be killed.  The pass must end with 75
# within the configured time, having sent nothing it cannot stand by: no
# message at the capture sink, or, when the share hangs in the middle of
# a message, no message accepted and the send intent kept, so that the
# next pass sends it with the same Message-ID.
#
# The watchdog's time is the edefter.conf key ShareTimeout.  A scanner
# without that key has the built-in 120 s: then only the first case runs.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/share.sh"
. "$TOP/tests/lib/sink.sh"
. "$TOP/tests/fuse/hangfs.sh"

PY=/usr/bin/python3
SCAN=$BUILD/edefter-scan
HANGFS=$T/hangfs

why=
if [ "$(id -u)" -ne 0 ]; then
	why="FUSE mounts with allow_other need root"
elif [ ! -c /dev/fuse ]; then
	why="/dev/fuse is missing"
elif [ ! -x "$SCAN" ]; then
	why="$SCAN is not built"
elif [ ! -x "$PY" ]; then
	why="$PY is missing"
else
	for c in fusermount3 pkg-config ss; do
		command -v "$c" >/dev/null 2>&1 ||
		    { why="$c is not installed (Debian packages fuse3 pkg-config)"; break; }
	done
fi
if [ -z "$why" ] && ! hfs_build "$HANGFS" 2>"$T/build.err"; then
	why="cannot build tests/fuse/hangfs.c: $(head -n 1 "$T/build.err") (Debian package libfuse3-dev)"
fi
if [ -n "$why" ]; then
	test_skip 'the watchdog on a FUSE share that hangs' "$why"
	test_done
fi

SINK_PORT=$(test_free_port) || { echo "Bail out! no free port"; exit 1; }
SRC=$T/src		# what hangfs serves
MNT=$T/mnt		# the mount the scanner reads
SINK=$T/sink
ID=1234567890
DIR=ABC/2025/10
KB=GIB-$ID-202510-KB-000000.zip
DR=$ID-202510-DR-000000.xml

test_at_exit "pysink_stop '$SINK'"
test_at_exit "hfs_umount '$MNT'"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN { printf "%.1f\n", b - a }'; }
# between X A B - A <= X <= B as numbers
between() { awk -v x="$1" -v a="$2" -v b="$3" 'BEGIN { exit !(x >= a && x <= b) }'; }

# conf NAME [LINE...] - $T/NAME.conf on the mount
conf() {
	local name=$1
	shift
	mkdir -p "$T/$name.state"
	{
		echo "LedgerPath $T/ledger"
		echo "ShareRoot $MNT"
		echo "ShareType fuse.hangfs"
		echo "ShareSentinel .edefter-share"
		echo "Companies $T/c.csv"
		echo "From Mali Müşavirlik Bürosu <edefter@ofis.example>"
		echo "Submit smtp://127.0.0.1:$SINK_PORT"
		echo "StateDir $T/$name.state"
		echo "SettleSeconds 0"
		if [ $# -gt 0 ]; then printf '%s\n' "$@"; fi
	} >"$T/$name.conf"
}

# Is the watchdog's time configurable?
conf probe "ShareTimeout 4s"
if "$SCAN" -c "$T/probe.conf" -n >/dev/null 2>"$T/probe.err"; then
	LIMIT=4
	TIMEOUT_LINE="ShareTimeout ${LIMIT}s"
else
	LIMIT=120
	TIMEOUT_LINE=
	echo "# edefter-scan has no ShareTimeout key ($(head -n 1 "$T/probe.err"));"
	echo "# the built-in ${LIMIT}s watchdog applies, and only the first case runs"
fi

# gone PID - PID has exited (a zombie counts)
gone() {
	! kill -0 "$1" 2>/dev/null ||
	    [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# no_scanner - no edefter-scan of this test is left (a pass's process
# still waiting for the share holds StateDir's lock)
no_scanner() {
	! pgrep -f "^$SCAN -c $T/" >/dev/null
}

# let_go - unmount (hung requests fail), wait for what waited on them
let_go() {
	hfs_umount "$MNT" && test_wait_for 10 no_scanner
}

# hung NAME CMD - edefter-scan -c NAME.conf CMD on the hanging share:
# waits up to LIMIT + 15 s for its end; sets rc and took (seconds).  If
# it has not ended, says where it is stuck, lets the share go, and fails.
hung() {
	local conf=$T/$1.conf t0 pid
	shift
	t0=$(now)
	"$SCAN" -c "$conf" "$@" >out 2>err &
	pid=$!
	if ! test_wait_for $((LIMIT + 15)) gone $pid 2>/dev/null; then
		echo "edefter-scan $* still running $(elapsed "$t0")s after it" \
		    "started: state $(awk '{ print $3 }' /proc/$pid/stat)" \
		    "in $(cat /proc/$pid/wchan 2>/dev/null)" >&2
		if grep -q "did not answer" err; then
			echo "the watchdog fired, but the process cannot exit:" \
			    "a thread waits for an answer the FUSE daemon has" \
			    "not given, and a killed process still waits for it" >&2
		fi
		cat err >&2
		let_go
		wait $pid
		return 1
	fi
	took=$(elapsed "$t0")
	rc=0
	wait $pid || rc=$?
	echo "edefter-scan $*: exit $rc after ${took}s"
	cat out err
}

# ---- setup -------------------------------------------------------------------

test_expect_success 'setup: hangfs serves the share, status sees a complete period' '
	mkdir -p "$SRC" && : >"$SRC/.edefter-share" &&
	mkperiod "$SRC/$DIR" $ID 202510 &&
	printf "vkn;name;emails\n$ID;ABC Gıda;firma@firma.example\n" >c.csv &&
	pysink_start "$SINK" $SINK_PORT ok --lifetime 900 &&
	hfs_mount "$HANGFS" "$SRC" "$MNT" &&
	hfs_is_mounted "$MNT" &&
	conf hang ${TIMEOUT_LINE:+"$TIMEOUT_LINE"} &&
	"$SCAN" -c hang.conf status >st &&
	cat st &&
	grep -q "^complete  *$ID  *2025-10 " st &&
	hfs_umount "$MNT" && ! hfs_is_mounted "$MNT"
'

# ---- the cases -----------------------------------------------------------------

test_expect_success "readdir never answered: 75 after ${LIMIT}s, nothing sent" '
	hfs_mount "$HANGFS" "$SRC" "$MNT" -H readdir:/ABC/2025 &&
	hung hang run &&
	test $rc = 75 &&
	between "$took" $((LIMIT - 1)) $((LIMIT + 5)) &&
	grep -q "hang readdir /ABC/2025" "$(hfs_log "$MNT")" &&
	grep -q "the share did not answer for ${LIMIT}s; pass abandoned, nothing concluded" err &&
	! grep -q "^sent " out &&
	test "$(pysink_count "$SINK")" = 0 &&
	test -z "$(ls -A hang.state/intent)" &&
	let_go
'

if [ -z "$TIMEOUT_LINE" ]; then
	for c in "a lookup never answered" "a zip read never answered" \
	    "status on a hung share" \
	    "hung in the middle of a message" "a daemon that honours interrupts"; do
		test_skip "$c" "edefter-scan has no ShareTimeout key: ${LIMIT}s a case"
	done
	test_done
fi

test_expect_success "a lookup never answered: 75 after ${LIMIT}s, nothing sent" '
	hfs_mount "$HANGFS" "$SRC" "$MNT" -H getattr:/ABC/2025/10 &&
	hung hang run &&
	test $rc = 75 &&
	between "$took" $((LIMIT - 1)) $((LIMIT + 5)) &&
	grep -q "hang getattr /ABC/2025/10" "$(hfs_log "$MNT")" &&
	test "$(pysink_count "$SINK")" = 0 &&
	test -z "$(ls -A hang.state/intent)" &&
	let_go
'

test_expect_success "a zip read never answered (the zip check): 75 after ${LIMIT}s, nothing sent" '
	hfs_mount "$HANGFS" "$SRC" "$MNT" -H "read:/$DIR/$KB" &&
	hung hang run &&
	test $rc = 75 &&
	between "$took" $((LIMIT - 1)) $((LIMIT + 5)) &&
	grep -q "hang read /$DIR/$KB" "$(hfs_log "$MNT")" &&
	grep -q "did not answer for ${LIMIT}s" err &&
	test "$(pysink_count "$SINK")" = 0 &&
	test -z "$(ls -A hang.state/intent)" &&
	let_go
'

test_expect_success "status on a hung share: 75 after ${LIMIT}s" '
	hfs_mount "$HANGFS" "$SRC" "$MNT" -H "read:/$DIR/$KB" &&
	hung hang status &&
	test $rc = 75 &&
	between "$took" $((LIMIT - 1)) $((LIMIT + 5)) &&
	! grep -q "^complete " out &&
	let_go
'

test_expect_success 'hung in the middle of a message: 75, nothing accepted, the intent kept' '
	hfs_mount "$HANGFS" "$SRC" "$MNT" -H "read:/$DIR/$DR" &&
	hung hang run &&
	test $rc = 75 &&
	between "$took" $((LIMIT - 1)) $((LIMIT + 5)) &&
	grep -q "hang read /$DIR/$DR" "$(hfs_log "$MNT")" &&
	# the message had begun: the sink said 354, then nothing came
	grep -q "S: 354" "$SINK/session.log" &&
	test "$(pysink_count "$SINK" 250)" = 0 &&
	f=hang.state/intent/${ID}_2025-10 &&
	test -f $f &&
	msgid=$(sed -n "s/^msgid //p" $f) && test -n "$msgid" &&
	echo "$msgid" >msgid &&
	let_go
'

test_expect_success 'the share answers again: the next pass sends it, same Message-ID' '
	hfs_mount "$HANGFS" "$SRC" "$MNT" &&
	"$SCAN" -c hang.conf run >out 2>err &&
	cat out &&
	grep -q "^sent id=$ID period=2025-10 rcpt=firma@firma.example .*msgid=$(cat msgid)" out &&
	test "$(pysink_count "$SINK" 250)" = 1 &&
	grep -qx "Message-I[Dd]: $(cat msgid)" <(tr -d "\r" <"$(ls "$SINK"/*.eml | tail -n 1)") &&
	test ! -e hang.state/intent/${ID}_2025-10 &&
	hfs_umount "$MNT"
'

test_expect_success "a daemon that honours interrupts: 75 after ${LIMIT}s as well" '
	conf intr ${TIMEOUT_LINE:+"$TIMEOUT_LINE"} &&
	hfs_mount "$HANGFS" "$SRC" "$MNT" -I -H readdir:/ABC/2025 &&
	hung intr run &&
	test $rc = 75 &&
	between "$took" $((LIMIT - 1)) $((LIMIT + 5)) &&
	test_wait_for 5 grep -q "interrupted readdir /ABC/2025" "$(hfs_log "$MNT")" &&
	let_go
'

test_expect_success 'unmounted, hangfs and every scanner gone' '
	let_go && no_scanner &&
	! grep -q " $MNT " /proc/self/mountinfo &&
	! pgrep -f "^$HANGFS " >/dev/null
'

test_done
