#!/usr/bin/env bash
# t1110 - Postfix gives up on a slow milter (milter_content_timeout) after
# the milter has already recorded the message; the client's retry with
# the same Message-ID must then go through (SPEC 6, the retry rule).  The
# milter is made slow by another process holding the ledger's write lock.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/sink.sh"
. "$TOP/tests/lib/milter.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v postfix >/dev/null ||
    [ ! -x "$BUILD/tools/ledger_hold" ]; then
	test_skip 'a slow milter in a real Postfix' 'needs root, postfix, build/tools'
	test_done
fi
SINK_PORT=$(test_free_port) && PF_PORT=$(test_free_port) || exit 1
PF=$T/pf SINK=$T/sink

send() {	# send MSGID: print "CODE TEXT" of the end of DATA
	/usr/bin/python3 - "$PF_PORT" "$1" <<-\PY
	import smtplib, sys
	from email.message import EmailMessage
	m = EmailMessage()
	m["From"] = "ofis@ofis.example"; m["To"] = "slow@firma.example"
	m["Subject"] = "e-Defter"; m["Message-ID"] = sys.argv[2]
	m["X-EDefter-Company"] = "1234567890"; m["X-EDefter-Period"] = "2025-08"
	m.set_content("defter")
	try:
	    with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=60) as s:
	        s.send_message(m)
	    print("250 accepted")
	except smtplib.SMTPResponseException as e:
	    print(e.smtp_code, e.smtp_error.decode())
	PY
}

test_expect_success 'setup: Postfix with a 2s milter_content_timeout' '
	sink_start "$SINK" $SINK_PORT &&
	test_at_exit "sink_stop $SINK" &&
	pf_setup "$PF" $PF_PORT $SINK_PORT &&
	milter_conf m "UserID postfix:postfix" &&
	milter_start m &&
	pf_milter "$PF" "local:$T/m.sock" 10s 2s &&
	pf_start "$PF" &&
	test_at_exit "pf_stop $PF"
'

test_expect_success 'the milter records, Postfix has given up: 451 to the client' '
	( "$BUILD/tools/ledger_hold" m.ledger 6 held & echo $! >holder.pid; wait ) &
	test_wait_for 10 test -e held &&
	send "<slow-1@ofis.example>" >reply &&
	cat reply &&
	grep -q "^451 " reply &&
	test_wait_for 20 grep -q "record id=1234567890 period=2025-08 rcpt=slow@firma.example msgid=<slow-1@ofis.example>" m.log &&
	test_wait_for 30 pf_queue_empty "$PF" &&
	test "$(sink_count "$SINK")" = 0
'

test_expect_success 'the retry with the same Message-ID is delivered, once' '
	send "<slow-1@ofis.example>" >reply &&
	grep -q "^250 " reply &&
	grep -q "retry id=1234567890 period=2025-08 rcpt=slow@firma.example msgid=<slow-1@ofis.example>" m.log &&
	test_wait_for 30 pf_queue_empty "$PF" &&
	test "$(sink_count "$SINK")" = 1 &&
	send "<slow-2@ofis.example>" >reply &&
	grep -q "^550 5.7.1 e-Defter 1234567890 2025-08 already sent" reply
'

test_done
