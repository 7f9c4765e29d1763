#!/usr/bin/env bash
# t1500 - a full file system under the ledger and under the scanner's
# StateDir.  The ledger lives on a small tmpfs; a private Postfix runs
# edefter-milter and relays to smtp-sink.  With the tmpfs filled, every
# message is either accepted, recorded and delivered, or refused 451
# 4.3.0 and neither recorded nor delivered; a message from the pickup
# queue waits in the maildrop; the milter keeps running.  With space
# freed, the refused messages and the waiting one go through once, and
# edefterctl verify passes.  Then the scanner's StateDir on a full tmpfs:
# the send intent cannot be written, so the pass sends nothing and ends
# 75 (or 74); with space freed, the period is sent.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/sink.sh"
. "$TOP/tests/lib/milter.sh"
. "$TOP/tests/lib/share.sh"

PY=/usr/bin/python3
SMTPSEND=$TOP/tests/lib/smtpsend.py
SCAN=$BUILD/edefter-scan

why=
if [ "$(id -u)" -ne 0 ]; then
	why="a tmpfs mount and a private Postfix need root"
elif [ ! -x "$PY" ]; then
	why="$PY is missing"
elif [ ! -x "$BUILD/edefter-milter" ] || [ ! -x "$SCAN" ] ||
    [ ! -x "$EDEFTERCTL" ]; then
	why="the programs are not built in $BUILD"
else
	for c in postfix postconf postqueue postkick sendmail smtp-sink ss df; do
		command -v "$c" >/dev/null 2>&1 || { why="$c is not installed"; break; }
	done
fi
if [ -z "$why" ]; then
	mkdir "$T/probe" &&
	    mount -t tmpfs -o size=64k tmpfs "$T/probe" 2>"$T/probe.err" &&
	    umount "$T/probe" || why="cannot mount a tmpfs: $(cat "$T/probe.err")"
fi
if [ -n "$why" ]; then
	test_skip 'a full file system under the ledger and StateDir' "$why"
	test_done
fi

ports=()
while [ ${#ports[@]} -lt 2 ]; do
	p=$(test_free_port) || { echo "Bail out! no free port"; exit 1; }
	case " ${ports[*]} " in
	*" $p "*) ;;
	*) ports+=("$p") ;;
	esac
done
PF_PORT=${ports[0]} SINK_PORT=${ports[1]}
PF=$T/pf
SINK=$T/sink
SMALL=$T/small		# the ledger's file system
SDIR=$T/sdir		# the scanner's StateDir's file system
LOG=$PF/maillog
FROM=ofis@ofis.example
mkdir -p "$SMALL" "$SDIR"

# Run last first: the milter (added later) stops before its file system
# is unmounted.
test_at_exit "umount '$SDIR' || umount -l '$SDIR'"
test_at_exit "umount '$SMALL' || umount -l '$SMALL'"
test_at_exit "sink_stop '$SINK'"
test_at_exit "pf_stop '$PF'"

# ---- helpers -----------------------------------------------------------------

# avail DIR - KiB free on the file system of DIR
avail() {
	df --output=avail "$1" | tail -n 1 | tr -d ' '
}

# fill DIR [KIB] - fill the file system of DIR to the last block, or
# to KIB KiB short of it
fill() {
	{ dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null || :; } &&
	test "$(avail "$1")" = 0 &&
	if [ "${2:-0}" -gt 0 ]; then
		truncate -s "-${2}K" "$1/filler" &&
		test "$(avail "$1")" = "$2"
	fi
}

# edmsg FILE MSGID COMPANY PERIOD TO - a labelled message (CRLF)
edmsg() {
	{
		printf 'From: Ofis <%s>\r\n' "$FROM"
		printf 'To: %s\r\n' "$5"
		printf 'Subject: e-Defter %s %s\r\n' "$3" "$4"
		printf 'Message-ID: <%s>\r\n' "$2"
		printf 'X-EDefter-Company: %s\r\n' "$3"
		printf 'X-EDefter-Period: %s\r\n' "$4"
		printf 'X-EDefter-Company-Name: Dolu Disk Anonim Sirketi\r\n'
		printf 'MIME-Version: 1.0\r\n'
		printf 'Content-Type: text/plain; charset=us-ascii\r\n'
		printf '\r\nYevmiye ve kebir beratlari ektedir.\r\n'
	} >"$1"
}

ledger() {
	"$EDEFTERCTL" -l "$SMALL/ledger" "$@"
}

records() {
	ledger list | sed -n 's/^\([0-9][0-9]*\) records\{0,1\}$/\1/p'
}

settled() {
	test_wait_for 30 pf_queue_empty "$PF"
}

# sink_ids - the Message-ID of every sink file, one a line
sink_ids() {
	local files
	files=$(sink_files "$SINK")
	[ -n "$files" ] || return 0
	# shellcheck disable=SC2086
	awk 'FNR == 1 { h = 1 }
	    h && /^\r?$/ { h = 0 }
	    h && tolower($1) == "message-id:" {
		id = $2; sub(/\r$/, "", id); print id
	    }' $files
}

# sink_msg_count MSGID - how many sink files are message <MSGID>
sink_msg_count() {
	sink_ids | grep -cxF "<$1>" || :
}

# key_msgid KEY - the Message-ID the ledger holds for KEY, or nothing
key_msgid() {
	ledger show "$1" 2>/dev/null | sed -n 's/^message-id  *//p'
}

# check_each RESULTS - every message of RESULTS ("FILE outcome CODE ...",
# FILE d<N>, key 1234567890/2024-01/r<N>@firma.example) is either
# accepted, recorded and delivered once, or refused 451 4.3.0 and
# neither recorded nor delivered; prints the refused ones' numbers
check_each() {
	local f rest n key id
	while read -r f rest; do
		n=${f#d}
		key=1234567890/2024-01/r$n@firma.example
		id=$(key_msgid "$key")
		case $rest in
		"ok 250 "*)
			[ "$id" = "<d$n@t1500>" ] &&
			    [ "$(sink_msg_count "d$n@t1500")" = 1 ] ||
			    { echo "d$n: accepted, but ledger '$id'," \
				"sink $(sink_msg_count "d$n@t1500")" >&2; return 1; }
			;;
		"SMTPDataError 451 4.3.0 e-Defter ledger unavailable, try again later")
			[ -z "$id" ] && [ "$(sink_msg_count "d$n@t1500")" = 0 ] ||
			    { echo "d$n: refused, but ledger '$id'," \
				"sink $(sink_msg_count "d$n@t1500")" >&2; return 1; }
			echo "$n"
			;;
		*)
			echo "d$n: unexpected answer: $rest" >&2
			return 1
			;;
		esac
	done <"$1"
}

# ---- the ledger on a full file system ----------------------------------------

test_expect_success 'setup: the ledger on a 512 KiB tmpfs, Postfix with the milter' '
	mount -t tmpfs -o size=512k,mode=0755 tmpfs "$SMALL" &&
	sink_start "$SINK" $SINK_PORT &&
	pf_setup "$PF" $PF_PORT $SINK_PORT &&
	milter_conf m "UserID postfix:postfix" &&
	sed -i "s|^LedgerPath .*|LedgerPath $SMALL/ledger|" m.conf &&
	milter_start m &&
	milter_pid m >mpid &&
	pf_milter "$PF" "local:$T/m.sock" &&
	pf_start "$PF" &&
	edmsg d0 d0@t1500 1234567890 2024-01 r0@firma.example &&
	echo "d0 $FROM r0@firma.example" | "$PY" "$SMTPSEND" $PF_PORT >out &&
	cat out && grep -q "^d0 ok 250 " out &&
	settled &&
	test "$(records)" = 1
'

test_expect_success 'filling up: each message accepted and recorded, or 451 and nothing kept' '
	fill "$SMALL" 32 &&
	for n in $(seq 1 60); do
		edmsg d$n d$n@t1500 1234567890 2024-01 r$n@firma.example &&
		echo "d$n $FROM r$n@firma.example" || exit 1
	done | "$PY" "$SMTPSEND" $PF_PORT >res &&
	settled &&
	cat res &&
	check_each res >refused &&
	echo "refused: $(cat refused | tr "\n" " ")" &&
	# some got in before the disk was full, the rest did not
	echo "free: $(avail "$SMALL") KiB" &&
	test -s refused && ! grep -qx 1 refused &&
	test "$(avail "$SMALL")" -lt 32 &&
	test "$(records)" = $((61 - $(wc -l <refused))) &&
	grep -q "tempfail queue=[0-9A-F]* client=127.0.0.1 id=1234567890 period=2024-01 reason=ledger-error error=\"No space left on device\"" m.log &&
	! grep -q "Input/output error" m.log &&
	kill -0 "$(cat mpid)"
'

test_expect_success 'full: edefterctl reads the ledger (list, verify)' '
	fill "$SMALL" &&
	ledger verify &&
	ledger list --recipient r0@firma.example >out &&
	grep -q "^1 record$" out
'

test_expect_success 'full: a pickup message waits in the maildrop, tempfailed' '
	edmsg p1 p1@t1500 4540536920 2024-02 pick@firma.example &&
	pf_sendmail "$PF" -f "$FROM" pick@firma.example <p1 &&
	pf_flush "$PF" &&
	test_wait_for 20 eval "grep \"id=4540536920 period=2024-02 reason=ledger-error\" m.log | grep -q ." &&
	test "$(pf_queue_count "$PF")" = 1 &&
	test "$(sink_msg_count p1@t1500)" = 0 &&
	test -z "$(key_msgid 4540536920/2024-02/pick@firma.example)"
'

test_expect_success 'space freed: the waiting message and the refused ones go through once' '
	rm -f "$SMALL/filler" &&
	pf_flush "$PF" &&
	settled &&
	test "$(sink_msg_count p1@t1500)" = 1 &&
	test "$(key_msgid 4540536920/2024-02/pick@firma.example)" = "<p1@t1500>" &&
	ledger show 4540536920/2024-02/pick@firma.example | grep -q "^source  *pickup$" &&
	for n in $(cat refused); do
		echo "d$n $FROM r$n@firma.example"
	done | "$PY" "$SMTPSEND" $PF_PORT >res2 &&
	cat res2 &&
	! grep -v " ok 250 " res2 &&
	settled &&
	check_each res2 >still &&
	test ! -s still &&
	for n in $(seq 0 60); do
		test "$(sink_msg_count d$n@t1500)" = 1 ||
		    { echo "d$n delivered $(sink_msg_count d$n@t1500) times" >&2; exit 1; }
	done &&
	test "$(records)" = 62 &&
	test "$(sink_count "$SINK")" = 62
'

test_expect_success 'the next sends go through; verify passes; the same milter all along' '
	edmsg d61 d61@t1500 1234567890 2024-01 r61@firma.example &&
	echo "d61 $FROM r61@firma.example" | "$PY" "$SMTPSEND" $PF_PORT >out &&
	grep -q "^d61 ok 250 " out &&
	settled &&
	test "$(records)" = 63 &&
	ledger verify &&
	test "$(milter_pid m)" = "$(cat mpid)" &&
	kill -0 "$(cat mpid)"
'

# ---- the scanner's StateDir on a full file system ---------------------------

# scan CONF - one pass; output in out and err; its exit status in rc
scan() {
	rc=0
	"$SCAN" -c "$1" run >out 2>err || rc=$?
	cat out err
	echo "exit $rc"
}

test_expect_success 'StateDir full: the intent cannot be written, nothing sent, 75' '
	mount -t tmpfs -o size=256k,mode=0755 tmpfs "$SDIR" &&
	printf "vkn;name;emails\n4540536920;Dolu Disk;sd@firma.example\n" >s.csv &&
	mkdir -p s.share &&
	{
		echo "LedgerPath $SMALL/ledger"
		echo "ShareRoot $T/s.share"
		echo "ShareType any"
		echo "Companies $T/s.csv"
		echo "From Mali Müşavirlik Bürosu <edefter@ofis.example>"
		echo "Submit smtp://127.0.0.1:$PF_PORT"
		echo "StateDir $SDIR/state"
		echo "SettleSeconds 0"
	} >s.conf &&
	scan s.conf && test $rc = 0 &&
	mkperiod s.share/Dolu/2025/10 4540536920 202510 &&
	fill "$SDIR" &&
	n=$(sink_count "$SINK") &&
	scan s.conf &&
	{ test $rc = 75 || test $rc = 74; } &&
	grep -q "id=4540536920 period=2025-10 not sent: the send intent cannot be recorded: .*No space left on device" err &&
	! grep -q "^sent " out &&
	settled &&
	test "$(sink_count "$SINK")" = $n &&
	test -z "$(ls -A "$SDIR/state/intent")" &&
	test -z "$(key_msgid 4540536920/2025-10/sd@firma.example)" &&
	scan s.conf &&
	{ test $rc = 75 || test $rc = 74; } &&
	test "$(sink_count "$SINK")" = $n
'

test_expect_success 'StateDir freed: the period is sent once, the intent closed' '
	rm -f "$SDIR/filler" &&
	n=$(sink_count "$SINK") &&
	scan s.conf && test $rc = 0 &&
	grep -q "^sent id=4540536920 period=2025-10 rcpt=sd@firma.example " out &&
	settled &&
	test "$(sink_count "$SINK")" = $((n + 1)) &&
	test -z "$(ls -A "$SDIR/state/intent")" &&
	test -n "$(key_msgid 4540536920/2025-10/sd@firma.example)" &&
	scan s.conf && test $rc = 0 &&
	grep -q "^skip id=4540536920 period=2025-10 .*state=sent" out &&
	test "$(sink_count "$SINK")" = $((n + 1)) &&
	ledger verify
'

test_expect_success 'stop and unmount' '
	milter_stop m &&
	pf_stop "$PF" &&
	umount "$SMALL" && umount "$SDIR" &&
	test_not_mounted "$SMALL" && test_not_mounted "$SDIR"
'

test_done
