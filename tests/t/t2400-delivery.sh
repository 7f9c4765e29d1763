#!/usr/bin/env bash
# t2400 - delivery outcomes on real parts: the scanner submits with a VERP
# sender and DSN parameters (BounceAddress) to a private Postfix with
# edefter-milter, configured by edefter-postconf apply --bounce; Postfix
# relays to a sink that accepts some recipients, refuses one with 5xx at
# RCPT and defers one with 4xx until the (short) queue lifetime expires;
# Postfix's own reports and a server-style NDR sent later to the VERP
# address reach edefter-dsn through pipe(8), and every ledger record ends
# in the right state with the right status code.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/sink.sh"
. "$TOP/tests/lib/milter.sh"
. "$TOP/tests/lib/share.sh"

PY=/usr/bin/python3
why=
if [ "$(id -u)" -ne 0 ]; then
	why="a private Postfix needs root"
elif ! id nobody >/dev/null 2>&1; then
	why="no user nobody for pipe(8)"
else
	for p in edefter-milter edefter-scan edefterctl edefter-dsn; do
		[ -x "$BUILD/$p" ] || { why="$BUILD/$p is not built"; break; }
	done
	for c in postfix postconf postqueue; do
		[ -n "$why" ] && break
		command -v "$c" >/dev/null 2>&1 || why="$c is not installed"
	done
fi
if [ -n "$why" ]; then
	test_skip 'delivery outcomes' "$why"
	test_done
fi

PF_PORT=$(test_free_port) && SINK_PORT=$(test_free_port) || exit 1
while [ "$SINK_PORT" = "$PF_PORT" ]; do SINK_PORT=$(test_free_port); done
PF=$T/pf SINK=$T/sink CONF=$T/edefter.conf LEDGER=$T/m.ledger
ID=1234567890 PERIOD=2025-10
test_at_exit "pysink_stop '$SINK'"
test_at_exit "pf_stop '$PF'"

scan() { "$BUILD/edefter-scan" -c "$CONF" "$@"; }
ctl() { "$BUILD/edefterctl" -l "$LEDGER" "$@"; }
# field RCPT NAME - a field of the period's record for RCPT
field() { ctl show "$ID/$PERIOD/$1" 2>/dev/null | sed -n "s/^$2  *//p"; }
# state_is RCPT STATE [STATUS] - the record's delivery state (and code)
state_is() {
	test "$(field "$1" delivery)" = "$2" &&
	{ [ -z "${3:-}" ] || test "$(field "$1" "dsn status")" = "$3"; }
}
flush() { pf_flush "$PF" >/dev/null 2>&1 || :; }
sink_got_one() { ls "$SINK"/*.env >/dev/null 2>&1; }
# state_soon RCPT STATE [STATUS] - flush Postfix until the record says so
state_soon() {
	local end=$((SECONDS + ${WAIT:-60}))
	until state_is "$@"; do
		if [ $SECONDS -ge $end ]; then
			echo "timed out: $1 is $(field "$1" delivery) $(field "$1" "dsn status"), want $2 ${3:-}" >&2
			tail -n 20 "$PF/maillog" >&2
			return 1
		fi
		flush
		sleep 0.2
	done
}

test_expect_success 'setup: sink with per-recipient replies, Postfix, milter, apply --bounce' '
	mkperiod "$T/share/ABC/2025/10" $ID 202510 &&
	cat >"$T/companies.csv" <<-\EOF &&
	vkn;name;emails
	1234567890;ABC Gıda Ticaret A.Ş.;kabul@dest.example, yok@dest.example, dolu@dest.example, sonra@dest.example
	EOF
	pysink_start "$SINK" $SINK_PORT ok --lifetime 600 \
	    --rcpt-rule "yok@*=550 5.1.1 <yok@dest.example>: Recipient address rejected: User unknown" \
	    --rcpt-rule "dolu@*=452 4.2.2 <dolu@dest.example>: Mailbox full, try again later" &&
	pf_setup "$PF" $PF_PORT $SINK_PORT &&
	milter_conf m "UserID nobody:postfix" &&
	milter_start m &&
	cat >"$CONF" <<-EOF &&
	LedgerPath     $LEDGER
	ShareRoot      $T/share
	ShareType      any
	Companies      $T/companies.csv
	From           Mali Müşavirlik <edefter@ofis.example>
	Submit         smtp://127.0.0.1:$PF_PORT
	SettleSeconds  0
	StateDir       $T/scan
	BounceAddress  bounce@ofis.example
	EOF
	chmod 0644 "$CONF" &&
	sh "$TOP/postfix/edefter-postconf" -c "$PF/etc" -s "local:$T/m.sock" \
	    apply --bounce bounce@ofis.example --dsn-user nobody \
	    --dsn-command "$BUILD/edefter-dsn" --dsn-config "$CONF" >apply.out &&
	cat apply.out &&
	pf_set "$PF" "maximal_queue_lifetime = 40s" "bounce_queue_lifetime = 40s" \
	    "delay_warning_time = 2s" "smtp_skip_5xx_greeting = no" &&
	pf_start "$PF"
'

test_expect_success 'run: VERP sender, DSN parameters; the milter records four keys' '
	scan run >run.out 2>run.err &&
	cat run.out &&
	grep -q "^sent id=$ID period=$PERIOD " run.out &&
	test "$(ctl list | grep -c " queued \| delivered \| delayed \| bounced ")" = 4 &&
	grep -q "from=<bounce+$ID-202510@ofis.example>" "$PF/maillog" &&
	flush && test_wait_for 30 sink_got_one &&
	env=$(ls "$SINK"/*.env | head -n 1) &&
	grep -qx "mail <bounce+$ID-202510@ofis.example>" "$env"
'

test_expect_success 'accepted: delivered (Postfix relayed it: 2.0.0)' '
	state_soon kabul@dest.example delivered 2.0.0 &&
	state_soon sonra@dest.example delivered 2.0.0
'

test_expect_success 'refused at RCPT with 550: bounced, 5.1.1, the server words kept' '
	state_soon yok@dest.example bounced 5.1.1 &&
	field yok@dest.example diagnostic | grep -q "User unknown"
'

test_expect_success 'deferred with 452: delayed (4.2.2) while Postfix retries' '
	state_soon dolu@dest.example delayed 4.2.2 &&
	ctl list >list.delayed &&
	cat list.delayed
'

test_expect_success 'a later NDR from the recipient server to the VERP address: bounced' '
	"$PY" - $PF_PORT "bounce+$ID-202510@ofis.example" <<-\PY
	import smtplib, sys
	port, to = int(sys.argv[1]), sys.argv[2]
	msg = ("From: Mail Delivery System <MAILER-DAEMON@mx.dest.example>\r\n"
	       "To: <%s>\r\n"
	       "Subject: Undelivered Mail Returned to Sender\r\n"
	       "MIME-Version: 1.0\r\n"
	       "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	       " boundary=\"B1\"\r\n\r\n"
	       "--B1\r\nContent-Type: text/plain\r\n\r\n"
	       "Your message could not be delivered: mailbox full.\r\n\r\n"
	       "--B1\r\nContent-Type: message/delivery-status\r\n\r\n"
	       "Reporting-MTA: dns; mx.dest.example\r\n\r\n"
	       "Final-Recipient: rfc822; sonra@dest.example\r\n"
	       "Action: failed\r\n"
	       "Status: 5.2.2\r\n"
	       "Diagnostic-Code: smtp; 552 5.2.2 mailbox over quota\r\n\r\n"
	       "--B1--\r\n") % to
	with smtplib.SMTP("127.0.0.1", port) as s:
	    s.sendmail("", [to], msg.encode())
	PY
	state_soon sonra@dest.example bounced 5.2.2 &&
	field sonra@dest.example diagnostic | grep -q "over quota"
'

test_expect_success 'the queue lifetime expires for the deferred one: bounced, 4.2.2' '
	WAIT=90 state_soon dolu@dest.example bounced 4.2.2 &&
	state_is kabul@dest.example delivered 2.0.0 &&
	ctl list >list.final &&
	cat list.final &&
	ctl dump --format json >dump.json &&
	"$PY" - dump.json <<-\PY
	import json, sys
	recs = {r["recipientEmail"]: r for r in map(json.loads, open(sys.argv[1]))}
	want = {"kabul@dest.example": ("delivered", "2.0.0"),
	        "sonra@dest.example": ("bounced", "5.2.2"),
	        "yok@dest.example": ("bounced", "5.1.1"),
	        "dolu@dest.example": ("bounced", "4.2.2")}
	for r, (d, st) in want.items():
	    assert recs[r]["delivery"] == d and recs[r]["deliveryStatus"] == st, recs[r]
	    assert recs[r]["deliveryDate"], recs[r]
	PY
'

test_expect_success 'status: the period is bounced, naming recipients and codes' '
	scan status --format json 2>/dev/null | grep "\"period\":\"$PERIOD\"" >st &&
	cat st &&
	grep -q "\"state\":\"bounced\"" st &&
	grep -q "rcpt=yok@dest.example status=5.1.1" st &&
	grep -q "rcpt=sonra@dest.example status=5.2.2" st
'

test_expect_success 'a corrected address is a new key and is sent on the next pass' '
	sed -i "s/yok@dest.example/var@dest.example/" "$T/companies.csv" &&
	scan run >run2.out 2>&1 &&
	cat run2.out &&
	grep -q "^sent id=$ID period=$PERIOD rcpt=var@dest.example " run2.out &&
	state_soon var@dest.example delivered 2.0.0
'

test_expect_success 'edefter-dsn by hand: unknown key dropped (0), no ledger (75), --dry-run' '
	cat >ndr.eml <<-\EOF &&
	From: MAILER-DAEMON@mx.example
	To: bounce+1234567890-202510@ofis.example
	Subject: failure notice
	Content-Type: multipart/report; report-type=delivery-status; boundary=X

	--X
	Content-Type: message/delivery-status

	Reporting-MTA: dns; mx.example

	Final-Recipient: rfc822; nobody-here@dest.example
	Action: failed
	Status: 5.1.1

	--X--
	EOF
	"$BUILD/edefter-dsn" -c "$CONF" "bounce+$ID-202510@ofis.example" <ndr.eml 2>dsn.err &&
	grep -q "reason=unknown-key" dsn.err &&
	sed "s|^LedgerPath .*|LedgerPath $T/no-such-ledger|" "$CONF" >gone.conf &&
	test_expect_code 75 "$BUILD/edefter-dsn" -c gone.conf "bounce+$ID-202510@ofis.example" <ndr.eml &&
	"$BUILD/edefter-dsn" -c "$CONF" --dry-run <ndr.eml >dry.out &&
	test "$(cat dry.out)" = "rcpt=nobody-here@dest.example action=failed status=5.1.1" &&
	test_expect_code 64 "$BUILD/edefter-dsn" -c "$CONF" a b <ndr.eml
'

test_expect_success 'edefter-dsn --dry-run reads the pile of real-world bounces' '
	total=0 right=0
	while read -r file rest; do
		total=$((total + 1))
		"$BUILD/edefter-dsn" -c "$CONF" --dry-run <"$TOP/tests/dsn/samples/$file" >got 2>/dev/null || exit 1
		if [ "$rest" = none ]; then test ! -s got && right=$((right + 1)); continue; fi
		grep -qiF "$rest" got && right=$((right + 1))
	done < <(grep -v "^#\|^$" "$TOP/tests/dsn/expected.txt")
	echo "# $right of $total expected lines read" &&
	test "$right" = "$total"
'

test_done
