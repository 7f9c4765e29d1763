#!/usr/bin/env bash
# t1100 - edefter-milter inside a real Postfix: a private instance on
# loopback with the milter in smtpd_milters and non_smtpd_milters, relaying
# everything to an smtp-sink capture.  Sends over SMTP (smtplib) and with
# sendmail (pickup), duplicates, partial duplicates, retries, an untrusted
# client, 50 concurrent sends, the milter down and back, bad header values.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/sink.sh"
. "$TOP/tests/lib/milter.sh"

PY=/usr/bin/python3
SMTPSEND=$TOP/tests/lib/smtpsend.py

# ---- can this run here? ----------------------------------------------------

why=
if [ "$(id -u)" -ne 0 ]; then
	why="a private Postfix needs root"
elif [ ! -x "$PY" ]; then
	why="$PY is missing"
elif [ ! -x "$BUILD/edefter-milter" ] || [ ! -x "$EDEFTERCTL" ]; then
	why="$BUILD/edefter-milter or edefterctl is not built"
else
	for c in postfix postconf postqueue postkick sendmail smtp-sink ss; do
		command -v "$c" >/dev/null 2>&1 || { why="$c is not installed"; break; }
	done
fi
if [ -n "$why" ]; then
	test_skip 'edefter-milter in a real Postfix' "$why"
	test_done
fi

# Three distinct free loopback ports: smtpd, a second smtpd whose milter
# trusts nobody on loopback, the sink.
ports=()
while [ ${#ports[@]} -lt 3 ]; do
	p=$(test_free_port) || { echo "Bail out! no free port"; exit 1; }
	case " ${ports[*]} " in
	*" $p "*) ;;
	*) ports+=("$p") ;;
	esac
done
PF_PORT=${ports[0]} PF_UNTRUSTED_PORT=${ports[1]} SINK_PORT=${ports[2]}
PF=$T/pf
SINK=$T/sink
LOG=$PF/maillog
FROM=ofis@ofis.example

# Stops run in reverse order: Postfix, then the sink (milters are stopped
# by the at-exit commands milter_start adds, which run before these).
test_at_exit "sink_stop '$SINK'"
test_at_exit "pf_stop '$PF'"

# ---- helpers -----------------------------------------------------------------

# edmsg FILE MSGID COMPANY PERIOD TO [HEADER-LINE...] - a labelled message
edmsg() {
	local file=$1 msgid=$2 company=$3 period=$4 to=$5 h
	shift 5
	{
		printf 'From: Ofis <%s>\r\n' "$FROM"
		printf 'To: %s\r\n' "$to"
		printf 'Subject: e-Defter %s %s\r\n' "$company" "$period"
		printf 'Message-ID: <%s>\r\n' "$msgid"
		printf 'X-EDefter-Company: %s\r\n' "$company"
		printf 'X-EDefter-Period: %s\r\n' "$period"
		printf 'X-EDefter-Company-Name: Ornek A.S.\r\n'
		for h in "$@"; do printf '%s\r\n' "$h"; done
		printf 'MIME-Version: 1.0\r\n'
		printf 'Content-Type: text/plain; charset=us-ascii\r\n'
		printf '\r\nYevmiye ve kebir beratlari ektedir.\r\n'
	} >"$file"
}

# smtpsend [--port P] [--parallel N] FILE RCPT[,RCPT] [FILE RCPT...] -
# submit over SMTP with smtplib, one result line per message (see smtpsend.py)
smtpsend() {
	local port=$PF_PORT opts=()
	while :; do
		case $1 in
		--port) port=$2; shift 2 ;;
		--parallel) opts+=(--parallel "$2"); shift 2 ;;
		*) break ;;
		esac
	done
	while [ $# -ge 2 ]; do
		printf '%s %s %s\n' "$1" "$FROM" "$2"
		shift 2
	done | "$PY" "$SMTPSEND" "${opts[@]}" "$port"
}

# settled - wait until Postfix has nothing queued (everything has reached
# the sink, or been refused)
settled() {
	test_wait_for 30 pf_queue_empty "$PF"
}

# top_headers FILE - the header section of a sink file (smtp-sink's own
# X-* lines, then the message's headers, up to the first empty line)
top_headers() {
	sed -e '/^\r\{0,1\}$/q' "$1"
}

# sink_ids - "FILE MSGID" for every sink file: the message's own
# Message-ID (not one quoted inside a bounce), in one pass
sink_ids() {
	local files
	files=$(sink_files "$SINK")
	[ -n "$files" ] || return 0
	# shellcheck disable=SC2086
	awk 'FNR == 1 { h = 1 }
	    h && /^\r?$/ { h = 0 }
	    h && tolower($1) == "message-id:" {
		id = $2; sub(/\r$/, "", id); gsub(/[<>]/, "", id); print FILENAME, id
	    }' $files
}

# sink_msg MSGID - the sink files that are message <MSGID>
sink_msg() {
	sink_ids | awk -v id="$1" '$2 == id { print $1 }'
}

# sink_msg_count MSGID - how many sink files are message <MSGID>
sink_msg_count() {
	sink_ids | awk -v id="$1" '$2 == id { n++ } END { print n + 0 }'
}

# sink_rcpts FILE - the envelope recipients smtp-sink saw, sorted
sink_rcpts() {
	top_headers "$1" | sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p' | sort
}

# qid_of MSGID - the Postfix queue ids cleanup gave message <MSGID>
qid_of() {
	sed -n "s/.* postfix\/cleanup\[[0-9]*\]: \([0-9A-F]*\): message-id=<$1>\$/\1/p" "$LOG"
}

# sent_qid MSGID - the queue id of <MSGID> that was delivered (status=sent)
sent_qid() {
	local q
	for q in $(qid_of "$1"); do
		if grep -q " $q: to=<.*status=sent" "$LOG"; then
			echo "$q"
		fi
	done
}

# ledger ARGS - edefterctl on the main milter's ledger
ledger() {
	"$EDEFTERCTL" -l "$T/m.ledger" "$@"
}

# field KEY NAME - one field of a ledger record ("queue id", "source"...)
field() {
	ledger show "$1" | sed -n "s/^$2  *//p"
}

# gone PID - the process has exited (a zombie waiting for init counts)
gone() {
	! kill -0 "$1" 2>/dev/null ||
	    [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# records - how many records the main ledger holds
records() {
	ledger list | sed -n 's/^\([0-9][0-9]*\) records\{0,1\}$/\1/p'
}

# c6_id K, c6_period K - the company and period of key K (0-9) of case 6
c6_id() {
	local ids=(1234567890 4540536920 1234567808 10000000146)
	echo "${ids[$(($1 % 4))]}"
}
c6_period() {
	printf '2024-%02d\n' $(($1 + 1))
}

# ---- setup -------------------------------------------------------------------

test_expect_success 'setup: smtp-sink, edefter-milter, Postfix with two smtpd' '
	sink_start "$SINK" $SINK_PORT &&
	pf_setup "$PF" $PF_PORT $SINK_PORT &&
	# The milter runs as postfix: its socket (0660, group postfix) must
	# be reachable by smtpd and cleanup, which run as postfix.
	milter_conf m "UserID postfix:postfix" &&
	milter_start m &&
	milter_conf mu "UserID postfix:postfix" &&
	sed -i "s|^TrustedClients .*|TrustedClients 192.0.2.0/24|" mu.conf &&
	milter_start mu &&
	test "$(stat -c %U:%G m.sock)" = postfix:postfix &&
	pf_milter "$PF" "local:$T/m.sock" &&
	# A second smtpd whose only milter trusts 192.0.2.0/24, not loopback.
	postconf -c "$PF/etc" -M "127.0.0.1:$PF_UNTRUSTED_PORT/inet=127.0.0.1:$PF_UNTRUSTED_PORT inet n - n - - smtpd -o { smtpd_milters = { local:$T/mu.sock, default_action=tempfail } }" &&
	touch -m -d "@$(($(date +%s) - 10))" "$PF/etc/master.cf" &&
	pf_start "$PF" &&
	test_wait_for 10 eval "ss -Hltn \"sport = :$PF_UNTRUSTED_PORT\" | grep -q ." &&
	postconf -c "$PF/etc" -h smtpd_milters non_smtpd_milters >ms &&
	test "$(grep -c "^{ local:$T/m.sock, default_action=tempfail }$" ms)" = 2 &&
	test "$(sink_count "$SINK")" = 0 &&
	test "$(records)" = 0
'

# ---- 1. SMTP: first send delivered once, second refused 550 5.7.1 ----------

test_expect_success 'SMTP: first send delivered once, recorded with its queue id' '
	edmsg c1a c1a@t1100 1234567890 2025-10 firma@firma.example &&
	smtpsend c1a firma@firma.example >out &&
	cat out &&
	grep -q "^c1a ok 250 2.0.0 Ok: queued as [0-9A-F]*$" out &&
	settled &&
	test "$(sink_count "$SINK")" = 1 &&
	f=$(sink_msg c1a@t1100) && test -n "$f" &&
	test "$(sink_rcpts "$f")" = firma@firma.example &&
	qid=$(qid_of c1a@t1100) &&
	test "$(echo "$qid" | wc -w)" = 1 &&
	grep -q "queued as $qid\$" out &&
	test "$(sent_qid c1a@t1100)" = "$qid" &&
	grep -q "^X-EDefter-Ledger: recorded 1234567890/2025-10 queue=$qid new=1 retry=0 removed=0" "$f" &&
	grep -q "^X-EDefter-Company: 1234567890" "$f" &&
	key=1234567890/2025-10/firma@firma.example &&
	test "$(field $key "queue id")" = "$qid" &&
	test "$(field $key message-id)" = "<c1a@t1100>" &&
	test "$(field $key source)" = smtp &&
	test "$(field $key client)" = 127.0.0.1 &&
	test "$(records)" = 1 &&
	grep -q "record id=1234567890 period=2025-10 rcpt=firma@firma.example msgid=<c1a@t1100> queue=$qid client=127.0.0.1 source=smtp" m.log
'

test_expect_success 'SMTP: same key, new Message-ID: 550 5.7.1 at end of DATA' '
	edmsg c1b c1b@t1100 1234567890 2025-10 firma@firma.example &&
	smtpsend c1b firma@firma.example >out &&
	cat out &&
	first=$(field 1234567890/2025-10/firma@firma.example sent) &&
	grep -qx "c1b SMTPDataError 550 5.7.1 e-Defter 1234567890 2025-10 already sent to .firma@firma.example. on $first" out &&
	settled &&
	test "$(sink_count "$SINK")" = 1 &&
	test "$(sink_msg_count c1b@t1100)" = 0 &&
	grep -q ": $(qid_of c1b@t1100): milter-reject: END-OF-MESSAGE .* 5.7.1 e-Defter" "$LOG" &&
	test "$(records)" = 1 &&
	test "$(field 1234567890/2025-10/firma@firma.example message-id)" = "<c1a@t1100>"
'

# ---- 2. two recipients, one already sent -------------------------------------

test_expect_success 'SMTP: two recipients, one already sent: only the new one gets it' '
	edmsg c2a c2a@t1100 4540536920 2025-11 a@firma.example &&
	smtpsend c2a a@firma.example >out &&
	grep -q "^c2a ok 250 " out &&
	settled &&
	n0=$(sink_count "$SINK") &&
	test "$(records)" = 2 &&
	# The duplicate recipient in other letter case: the key is lowercased,
	# smfi_delrcpt needs the exact RCPT string.
	edmsg c2b c2b@t1100 4540536920 2025-11 "A@Firma.Example, b@firma.example" &&
	smtpsend c2b A@Firma.Example,b@firma.example >out &&
	cat out &&
	grep -q "^c2b ok 250 2.0.0 Ok: queued as " out &&
	settled &&
	test "$(sink_count "$SINK")" = $((n0 + 1)) &&
	f=$(sink_msg c2b@t1100) && test -n "$f" &&
	test "$(sink_rcpts "$f")" = b@firma.example &&
	qid=$(qid_of c2b@t1100) &&
	test "$(grep -c " $qid: to=<" "$LOG")" = 1 &&
	grep -q " $qid: to=<b@firma.example>.*status=sent" "$LOG" &&
	grep -q "^X-EDefter-Ledger: recorded 4540536920/2025-11 queue=$qid new=1 retry=0 removed=1" "$f" &&
	test "$(records)" = 3 &&
	test "$(field 4540536920/2025-11/b@firma.example "queue id")" = "$qid" &&
	test "$(field 4540536920/2025-11/a@firma.example message-id)" = "<c2a@t1100>" &&
	grep -q "reject id=4540536920 period=2025-11 rcpt=a@firma.example queue=$qid .*reason=duplicate" m.log
'

# ---- 3. the same Message-ID again: a retry ----------------------------------

test_expect_success 'SMTP: same Message-ID resent: delivered again, not recorded again' '
	edmsg c3 c3@t1100 1234567808 2025-12 r@firma.example &&
	smtpsend c3 r@firma.example >out &&
	grep -q "^c3 ok 250 " out &&
	settled &&
	n0=$(sink_count "$SINK") &&
	key=1234567808/2025-12/r@firma.example &&
	ledger show $key >before &&
	q1=$(qid_of c3@t1100) &&
	smtpsend c3 r@firma.example >out &&
	cat out &&
	grep -q "^c3 ok 250 2.0.0 Ok: queued as " out &&
	settled &&
	test "$(sink_count "$SINK")" = $((n0 + 1)) &&
	test "$(sink_msg_count c3@t1100)" = 2 &&
	q2=$(qid_of c3@t1100 | grep -v "^$q1\$") &&
	test -n "$q2" &&
	grep -l "^X-EDefter-Ledger: retry 1234567808/2025-12 queue=$q2 new=0 retry=1 removed=0" $(sink_msg c3@t1100) >/dev/null &&
	ledger show $key >after &&
	test_cmp before after &&
	test "$(field $key "queue id")" = "$q1" &&
	test "$(records)" = 4 &&
	grep -q "retry id=1234567808 period=2025-12 rcpt=r@firma.example msgid=<c3@t1100> queue=$q2" m.log
'

# ---- 4. sendmail: pickup ------------------------------------------------------

test_expect_success 'sendmail: first send delivered, recorded with source pickup' '
	edmsg c4a c4a@t1100 10000000146 2025-01 pk@firma.example &&
	pf_sendmail "$PF" -f "$FROM" pk@firma.example <c4a &&
	settled &&
	f=$(sink_msg c4a@t1100) && test -n "$f" &&
	test "$(sink_rcpts "$f")" = pk@firma.example &&
	qid=$(sent_qid c4a@t1100) && test -n "$qid" &&
	grep -q "postfix/pickup\[[0-9]*\]: $qid: uid=0 from=<$FROM>" "$LOG" &&
	grep -q "^X-EDefter-Ledger: recorded 10000000146/2025-01 queue=$qid new=1" "$f" &&
	key=10000000146/2025-01/pk@firma.example &&
	test "$(field $key source)" = pickup &&
	test "$(field $key "queue id")" = "$qid" &&
	test "$(field $key message-id)" = "<c4a@t1100>" &&
	test "$(records)" = 5
'

test_expect_success 'sendmail: same key again is bounced to the sender, not delivered' '
	n0=$(sink_count "$SINK") &&
	edmsg c4b c4b@t1100 10000000146 2025-01 pk@firma.example &&
	pf_sendmail "$PF" -f "$FROM" pk@firma.example <c4b &&
	test_wait_for 30 eval "test \"\$(sink_count \"$SINK\")\" -gt $n0" &&
	settled &&
	test "$(sink_count "$SINK")" = $((n0 + 1)) &&
	test "$(sink_msg_count c4b@t1100)" = 0 &&
	b=$(sink_files "$SINK" | xargs grep -l "^Message-ID: <c4b@t1100>") &&
	test "$(echo "$b" | wc -l)" = 1 &&
	top_headers "$b" >bh &&
	grep -q "^X-Mail-Args: <> " bh &&
	test "$(sink_rcpts "$b")" = "$FROM" &&
	grep -q "^From: Mail Delivery System <MAILER-DAEMON@" bh &&
	grep -q "^Content-Type: multipart/report; report-type=delivery-status" bh &&
	grep -q "^Status: 5.7.1" "$b" &&
	grep -q "^Final-Recipient: rfc822; pk@firma.example" "$b" &&
	grep -q "e-Defter 10000000146 2025-01 already sent to" "$b" &&
	# pk@ got exactly one e-Defter message: the first.
	for f in $(sink_files "$SINK"); do
		if sink_rcpts "$f" | grep -qx pk@firma.example; then echo "$f"; fi
	done >pk &&
	test "$(wc -l <pk)" = 1 &&
	test "$(cat pk)" = "$(sink_msg c4a@t1100)" &&
	q=$(qid_of c4b@t1100) &&
	grep -q " $q: to=<pk@firma.example>, relay=none.*dsn=5.7.1, status=bounced" "$LOG" &&
	test "$(records)" = 5 &&
	test "$(field 10000000146/2025-01/pk@firma.example message-id)" = "<c4a@t1100>"
'

# ---- 5. untrusted client -------------------------------------------------------

test_expect_success 'untrusted client: delivered with X-EDefter-* removed, nothing recorded' '
	n0=$(sink_count "$SINK") &&
	edmsg c5 c5@t1100 1234567890 2025-06 u@firma.example &&
	smtpsend --port $PF_UNTRUSTED_PORT c5 u@firma.example >out &&
	cat out &&
	grep -q "^c5 ok 250 " out &&
	settled &&
	test "$(sink_count "$SINK")" = $((n0 + 1)) &&
	f=$(sink_msg c5@t1100) && test -n "$f" &&
	test "$(sink_rcpts "$f")" = u@firma.example &&
	! grep -qi "^X-EDefter" "$f" &&
	grep -q "^Subject: e-Defter 1234567890 2025-06" "$f" &&
	qid=$(qid_of c5@t1100) &&
	grep -q "untrusted queue=$qid client=127.0.0.1 reason=untrusted-client removed=3" mu.log &&
	"$EDEFTERCTL" -l mu.ledger list >l && grep -q "^0 records$" l &&
	test "$(records)" = 5 &&
	! grep -q "$qid" m.log
'

# ---- 6. concurrency --------------------------------------------------------------

test_expect_success '50 concurrent SMTP sends of 10 keys: 10 delivered, 40 refused' '
	n0=$(sink_count "$SINK") &&
	: >jobs &&
	for k in 0 1 2 3 4 5 6 7 8 9; do
		for s in 1 2 3 4 5; do
			edmsg c6-$k-$s c6-$k-$s@t1100 $(c6_id $k) $(c6_period $k) c6-$k@firma.example &&
			echo "c6-$k-$s c6-$k@firma.example" >>jobs || exit 1
		done
	done &&
	start=$SECONDS &&
	smtpsend --parallel 50 $(cat jobs) >out &&
	echo "50 sends in $((SECONDS - start)) s" &&
	test "$(grep -c " ok 250 2.0.0 Ok: queued as " out)" = 10 &&
	test "$(grep -c " SMTPDataError 550 5.7.1 e-Defter " out)" = 40 &&
	test "$(wc -l <out)" = 50 &&
	for k in 0 1 2 3 4 5 6 7 8 9; do
		test "$(grep -c "^c6-$k-[1-5] ok 250 " out)" = 1 &&
		winner=$(sed -n "s/^\(c6-$k-[1-5]\) ok 250 .*/\1/p" out) &&
		grep "^c6-$k-[1-5] SMTPDataError" out >losers &&
		grep -q "^c6-$k-[1-5] SMTPDataError 550 5.7.1 e-Defter $(c6_id $k) $(c6_period $k) already sent to .c6-$k@firma.example. on " losers &&
		test "$(wc -l <losers)" = 4 &&
		test "$(field $(c6_id $k)/$(c6_period $k)/c6-$k@firma.example message-id)" = "<$winner@t1100>" || exit 1
	done &&
	settled &&
	test "$(sink_count "$SINK")" = $((n0 + 10)) &&
	sink_ids >ids &&
	for k in 0 1 2 3 4 5 6 7 8 9; do
		test "$(grep -c " c6-$k-[1-5]@t1100\$" ids)" = 1 || exit 1
	done &&
	test "$(ledger list --recipient c6-0@firma.example | tail -n 1)" = "1 record" &&
	test "$(ledger list | grep -c " c6-[0-9]@firma.example ")" = 10 &&
	test "$(records)" = 15
'

# ---- 7. milter down ------------------------------------------------------------

test_expect_success 'milter down: SMTP gets 451 4.7.1 at MAIL FROM, nothing delivered' '
	milter_kill "$(milter_pid m)" &&
	n0=$(sink_count "$SINK") &&
	edmsg c7a c7a@t1100 4540536920 2025-07 down@firma.example &&
	smtpsend c7a down@firma.example >out &&
	cat out &&
	grep -q "^c7a SMTPSenderRefused 451 4.7.1 " out &&
	settled &&
	test "$(sink_count "$SINK")" = $n0
'

test_expect_success 'milter down: sendmail mail waits, then goes once the milter is back' '
	n0=$(sink_count "$SINK") &&
	edmsg c7b c7b@t1100 4540536920 2025-07 down@firma.example &&
	pf_sendmail "$PF" -f "$FROM" down@firma.example <c7b &&
	test_wait_for 15 eval "grep -q \"postfix/cleanup.*warning: connect to Milter service local:$T/m.sock\" \"$LOG\"" &&
	test "$(pf_queue_count "$PF")" = 1 &&
	test "$(sink_count "$SINK")" = $n0 &&
	: >m.log.old &&
	milter_start m &&
	pf_flush "$PF" &&
	test_wait_for 30 eval "test \"\$(sink_msg_count c7b@t1100)\" = 1" &&
	settled &&
	test "$(sink_count "$SINK")" = $((n0 + 1)) &&
	test "$(sink_msg_count c7b@t1100)" = 1 &&
	qid=$(sent_qid c7b@t1100) &&
	test "$(echo "$qid" | wc -w)" = 1 &&
	key=4540536920/2025-07/down@firma.example &&
	test "$(field $key "queue id")" = "$qid" &&
	test "$(field $key source)" = pickup &&
	test "$(field $key message-id)" = "<c7b@t1100>" &&
	test "$(cat m.log.old m.log | grep -c "record id=4540536920 period=2025-07 rcpt=down@firma.example")" = 1 &&
	test "$(records)" = 16
'

# ---- 8. bad header values ---------------------------------------------------------

test_expect_success 'a 10 kB X-EDefter-Company value and encoded CR/LF: 550 5.6.0' '
	n0=$(sink_count "$SINK") &&
	big=$(printf "1234567890%.0s" $(seq 1 1024)) &&
	test ${#big} = 10240 &&
	edmsg c8a c8a@t1100 "$big" 2025-08 bad@firma.example &&
	edmsg c8b c8b@t1100 "=?utf-8?q?1234567890=0D=0ABcc=3A_evil=40evil.example?=" 2025-08 bad@firma.example &&
	edmsg c8c c8c@t1100 "1234567890%0D%0ABcc: evil@evil.example" 2025-08 bad@firma.example &&
	edmsg c8d c8d@t1100 1234567890 "2025-08=0D=0ABcc: evil@evil.example" bad@firma.example &&
	smtpsend c8a bad@firma.example c8b bad@firma.example c8c bad@firma.example c8d bad@firma.example >out &&
	cat out &&
	test "$(grep -c " SMTPDataError 550 5.6.0 e-Defter message refused: " out)" = 4 &&
	grep -q "^c8a SMTPDataError 550 5.6.0 e-Defter message refused: X-EDefter-Company .1234567890123456789012345678901234567890123456789012345678901234\.\.\.. is not a valid VKN or TCKN$" out &&
	grep -q "^c8b .* X-EDefter-Company .=?utf-8?q?1234567890=0D=0ABcc=3A_evil=40evil.example?=. is not a valid VKN or TCKN$" out &&
	grep -q "^c8c .* X-EDefter-Company .1234567890?0D?0ABcc: evil@evil.example. is not a valid VKN or TCKN$" out &&
	grep -q "^c8d .* X-EDefter-Period .2025-08=0D=0ABcc: evil@evil.example. is not a month YYYY-MM$" out &&
	test "$(awk "length > 400" out | wc -l)" = 0 &&
	settled &&
	test "$(sink_count "$SINK")" = $n0 &&
	! grep -q "evil@evil.example.*status=" "$LOG" &&
	test "$(grep -c "reject queue=[0-9A-F]* client=127.0.0.1 reason=invalid" m.log)" = 4 &&
	test "$(records)" = 16
'

# ---- the end -----------------------------------------------------------------------

# Both milters are stopped together: libmilter notices a stop only every
# 5 s, and milter_kill at exit would wait for each in turn.
test_expect_success 'both milters stop cleanly; ledger verifies; only decisions logged' '
	pm=$(milter_pid m) && pu=$(milter_pid mu) &&
	kill -0 $pm && kill -0 $pu &&
	kill -TERM $pm $pu &&
	test_wait_for 15 gone $pm &&
	test_wait_for 15 gone $pu &&
	pf_queue_empty "$PF" &&
	ledger verify &&
	cat m.log.old m.log mu.log >all.log &&
	! grep -Ev "^edefter-milter: (starting|stopping|record|retry|reject|untrusted)( |\$)" all.log &&
	test "$(grep -c "^edefter-milter: starting " all.log)" = 3 &&
	test "$(grep -c "^edefter-milter: stopping$" all.log)" = 3 &&
	test "$(grep -c "^edefter-milter: record " all.log)" = $(records) &&
	! grep -E "(fatal|panic):" "$LOG"
'

test_done
