#!/usr/bin/env bash
# t1300 - edefter-milter under a real Sendmail: Debian's sendmail-bin
# unpacked into a private tree (tests/lib/sendmail.sh), its sendmail.cf
# built with m4 from the lines postfix/README.md gives (INPUT_MAIL_FILTER
# with F=T, the milter macros), smtpd on a loopback port, everything
# relayed to an smtp-sink capture.  First send delivered and recorded
# with Sendmail's queue id, a duplicate refused 550 5.7.1, a retry with
# the same Message-ID delivered, one recipient of two removed, the
# milter down: 4xx and nothing delivered, then the same message through.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/sink.sh"
. "$TOP/tests/lib/milter.sh"
. "$TOP/tests/lib/sendmail.sh"

PY=/usr/bin/python3
SMTPSEND=$TOP/tests/lib/smtpsend.py

# ---- can this run here? ----------------------------------------------------

why=
if [ "$(id -u)" -ne 0 ]; then
	why="a private Sendmail needs root"
elif [ ! -x "$PY" ]; then
	why="$PY is missing"
elif [ ! -x "$BUILD/edefter-milter" ] || [ ! -x "$EDEFTERCTL" ]; then
	why="$BUILD/edefter-milter or edefterctl is not built"
else
	for c in apt-get dpkg-deb smtp-sink ss unshare flock; do
		command -v "$c" >/dev/null 2>&1 || { why="$c is not installed"; break; }
	done
fi
if [ -z "$why" ] && ! unshare --uts true 2>/dev/null; then
	why="unshare --uts is not allowed here (Sendmail needs a qualified host name)"
fi
if [ -z "$why" ] && ! sm_fetch "$T/root" 2>"$T/fetch.err"; then
	why="cannot get Sendmail: $(tail -n 1 "$T/fetch.err")"
fi
if [ -n "$why" ]; then
	test_skip 'edefter-milter under a real Sendmail' "$why"
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
SM_PORT=${ports[0]} SINK_PORT=${ports[1]}
SM=$T/sm
SINK=$T/sink
FROM=ofis@ofis.example
# Sendmail refuses a milter socket below a world-writable directory
# (/tmp): the socket lives where a real one would, under /run.
SOCKDIR=$(mktemp -d /run/edefter-test.XXXXXX) || { echo "Bail out! mktemp /run"; exit 1; }
chmod 0755 "$SOCKDIR"
SOCK=$SOCKDIR/milter.sock

test_at_exit "rm -rf '$SOCKDIR'"
test_at_exit "sink_stop '$SINK'"
test_at_exit "sm_stop '$SM'"

# ---- helpers -----------------------------------------------------------------

# mstart - start edefter-milter on $SOCK (log m.log, ledger m.ledger)
mstart() {
	rm -f "$SOCK"
	"$BUILD/edefter-milter" -c "$T/m.conf" -f >>"$T/m.log" 2>&1 &
	echo $! >"$T/m.pid"
	test_at_exit "milter_kill $(cat "$T/m.pid")"
	test_wait_for 10 test -S "$SOCK" || { cat "$T/m.log" >&2; return 1; }
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
		printf 'MIME-Version: 1.0\r\n'
		printf 'Content-Type: text/plain; charset=us-ascii\r\n'
		printf '\r\nYevmiye ve kebir beratlari ektedir.\r\n'
	} >"$1"
}

# smtpsend FILE RCPT[,RCPT] - submit over SMTP, one result line
smtpsend() {
	printf '%s %s %s\n' "$1" "$FROM" "$2" | "$PY" "$SMTPSEND" "$SM_PORT"
}

settled() {
	test_wait_for 30 sm_queue_empty "$SM"
}

# sink_msg MSGID - the sink files that are message <MSGID>
sink_msg() {
	local f
	for f in $(sink_files "$SINK"); do
		sed -e '/^\r\{0,1\}$/q' "$f" | grep -qi "^message-id: <$1>" &&
		    echo "$f"
	done
	return 0
}

sink_rcpts() {
	sed -e '/^\r\{0,1\}$/q' "$1" |
	    sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p' | sort | tr '\n' ' '
}

ledger() {
	"$EDEFTERCTL" -l "$T/m.ledger" "$@"
}

field() {
	ledger show "$1" | sed -n "s/^$2  *//p"
}

records() {
	ledger list | sed -n 's/^\([0-9][0-9]*\) records\{0,1\}$/\1/p'
}

# ---- setup -------------------------------------------------------------------

test_expect_success 'setup: smtp-sink, edefter-milter, Sendmail with the README lines' '
	sink_start "$SINK" $SINK_PORT &&
	{
		echo "LedgerPath $T/m.ledger"
		echo "Socket local:$SOCK"
		echo "TrustedClients 127.0.0.0/8, ::1"
	} >m.conf &&
	mstart &&
	sm_setup "$SM" "$T/root" $SM_PORT $SINK_PORT "$SOCK" &&
	# The m4 lines postfix/README.md shows are the ones this Sendmail runs.
	sed -n "s/^    \(INPUT_MAIL_FILTER(.*\|define(.confMILTER_MACROS_.*\)$/\1/p" \
	    "$TOP/postfix/README.md" >readme.m4 &&
	test "$(wc -l <readme.m4)" -ge 4 &&
	while IFS= read -r l; do
		l=$(printf "%s\n" "$l" | sed "s|/run/edefter/milter.sock|$SOCK|")
		grep -qxF "${l}dnl" "$SM/sendmail.mc" ||
		    { echo "not in sendmail.mc: $l" >&2; exit 1; }
	done <readme.m4 &&
	grep -qx "Xedefter, S=local:$SOCK, F=T, T=S:30s;R:30s;E:5m" "$SM/sendmail.cf" &&
	grep -qx "O InputMailFilters=edefter" "$SM/sendmail.cf" &&
	grep -qx "O Milter.macros.connect=j, _, {daemon_name}, {if_name}, {if_addr}, {client_addr}" "$SM/sendmail.cf" &&
	grep -q "^O Milter.macros.envfrom=i, .*{auth_authen}" "$SM/sendmail.cf" &&
	grep -qx "O Milter.macros.eom={msg_id}, i" "$SM/sendmail.cf" &&
	sm_start "$SM" &&
	test "$(sink_count "$SINK")" = 0
'

# ---- first send, duplicate, retry --------------------------------------------

test_expect_success 'first send: 250, delivered once, recorded with the Sendmail queue id' '
	edmsg s1 s1@t1300 1234567890 2025-10 firma@firma.example &&
	smtpsend s1 firma@firma.example >out && cat out &&
	qid=$(sed -n "s/^s1 ok 250 2.0.0 \([0-9A-Za-z]*\) Message accepted for delivery$/\1/p" out) &&
	test -n "$qid" &&
	settled &&
	test "$(sink_count "$SINK")" = 1 &&
	f=$(sink_msg s1@t1300) && test -n "$f" &&
	test "$(sink_rcpts "$f")" = "firma@firma.example " &&
	grep -q "^X-EDefter-Ledger: recorded 1234567890/2025-10 queue=$qid new=1 retry=0 removed=0" "$f" &&
	grep -q "by $SM_HOSTNAME (8\.[0-9.]*/8\.[0-9.]*) with ESMTP id $qid" "$f" &&
	key=1234567890/2025-10/firma@firma.example &&
	test "$(field $key "queue id")" = "$qid" &&
	test "$(field $key message-id)" = "<s1@t1300>" &&
	test "$(field $key source)" = smtp &&
	test "$(field $key client)" = 127.0.0.1 &&
	test "$(records)" = 1 &&
	grep -q "record id=1234567890 period=2025-10 rcpt=firma@firma.example msgid=<s1@t1300> queue=$qid client=127.0.0.1 source=smtp" m.log
'

test_expect_success 'same key, new Message-ID: 550 5.7.1 after DATA, not delivered' '
	edmsg s2 s2@t1300 1234567890 2025-10 Firma@Firma.example &&
	smtpsend s2 Firma@Firma.example >out && cat out &&
	first=$(field 1234567890/2025-10/firma@firma.example sent) &&
	grep -qx "s2 SMTPDataError 550 5.7.1 e-Defter 1234567890 2025-10 already sent to .firma@firma.example. on $first" out &&
	settled &&
	test "$(sink_count "$SINK")" = 1 &&
	test -z "$(sink_msg s2@t1300)" &&
	grep -q "reject id=1234567890 period=2025-10 rcpt=firma@firma.example queue=[0-9A-Za-z]* client=127.0.0.1 reason=duplicate first=$first" m.log &&
	test "$(records)" = 1 &&
	test "$(field 1234567890/2025-10/firma@firma.example message-id)" = "<s1@t1300>"
'

test_expect_success 'same Message-ID again: a retry, delivered, not recorded again' '
	smtpsend s1 firma@firma.example >out && cat out &&
	grep -q "^s1 ok 250 2.0.0 " out &&
	settled &&
	test "$(sink_msg s1@t1300 | wc -l)" = 2 &&
	grep -q "retry id=1234567890 period=2025-10 rcpt=firma@firma.example msgid=<s1@t1300>" m.log &&
	test "$(records)" = 1
'

test_expect_success 'two recipients, one already sent: smfi_delrcpt, only the new one gets it' '
	edmsg s3 s3@t1300 1234567890 2025-10 "firma@firma.example, Yeni@Firma.example" &&
	smtpsend s3 firma@firma.example,Yeni@Firma.example >out && cat out &&
	grep -q "^s3 ok 250 2.0.0 " out &&
	settled &&
	f=$(sink_msg s3@t1300) && test -n "$f" &&
	test "$(sink_rcpts "$f")" = "Yeni@Firma.example " &&
	grep -q "^X-EDefter-Ledger: recorded 1234567890/2025-10 queue=.* new=1 retry=0 removed=1" "$f" &&
	test "$(field 1234567890/2025-10/yeni@firma.example message-id)" = "<s3@t1300>" &&
	test "$(records)" = 2
'

# ---- the milter down -----------------------------------------------------------

test_expect_success 'milter down: F=T tempfails (4xx), nothing delivered or recorded' '
	milter_stop m &&
	test ! -e "$SOCK" &&
	n=$(sink_count "$SINK") &&
	edmsg s4 s4@t1300 4540536920 2025-11 down@firma.example &&
	smtpsend s4 down@firma.example >out && cat out &&
	grep -q "^s4 [A-Za-z]* 4[0-9][0-9] 4\.[0-9.]* " out &&
	settled &&
	test "$(sink_count "$SINK")" = $n &&
	test -z "$(sink_msg s4@t1300)" &&
	test "$(records)" = 2 &&
	sm_queue_empty "$SM"
'

test_expect_success 'milter back: the same message goes through once' '
	mstart &&
	smtpsend s4 down@firma.example >out && cat out &&
	grep -q "^s4 ok 250 2.0.0 " out &&
	settled &&
	test "$(sink_msg s4@t1300 | wc -l)" = 1 &&
	test "$(field 4540536920/2025-11/down@firma.example message-id)" = "<s4@t1300>" &&
	test "$(records)" = 3 &&
	ledger verify
'

test_expect_success 'stop: Sendmail and the milter gone, ports closed' '
	pid=$(cat "$SM/daemon.pid") &&
	sm_stop "$SM" &&
	! _sm_pid "$SM" && test -z "$(_sm_children $pid)" &&
	! ss -Hltn "sport = :$SM_PORT" | grep -q . &&
	milter_stop m
'

test_done
