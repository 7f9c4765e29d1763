#!/usr/bin/env bash
# t1120 - untrusted clients never reach the milter: a private Postfix
# configured by edefter-postconf apply (--conf with TrustedClients
# 127.0.0.1/32, --public on the test smtpd, --submission for trusted
# senders), relaying to an smtp-sink capture.  A client connecting from
# 127.0.0.2 is an outsider: its X-EDefter-* headers are gone at the sink,
# nothing is recorded, and it is served while the milter is down.  The
# trusted client keeps its headers through the submission service and is
# enforced; on the public smtpd it is still enforced by attachment names.
# remove takes all of it out.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/sink.sh"
. "$TOP/tests/lib/milter.sh"

PY=/usr/bin/python3
EP="$TOP/postfix/edefter-postconf"

why=
if [ "$(id -u)" -ne 0 ]; then
	why="a private Postfix needs root"
elif [ ! -x "$PY" ]; then
	why="$PY is missing"
elif [ ! -x "$BUILD/edefter-milter" ] || [ ! -x "$EDEFTERCTL" ]; then
	why="$BUILD/edefter-milter or edefterctl is not built"
else
	for c in postfix postconf postqueue smtp-sink ss; do
		command -v "$c" >/dev/null 2>&1 || { why="$c is not installed"; break; }
	done
fi
if [ -n "$why" ]; then
	test_skip 'untrusted clients in a real Postfix' "$why"
	test_done
fi

ports=()
while [ ${#ports[@]} -lt 3 ]; do
	p=$(test_free_port) || { echo "Bail out! no free port"; exit 1; }
	case " ${ports[*]} " in
	*" $p "*) ;;
	*) ports+=("$p") ;;
	esac
done
PF_PORT=${ports[0]} SUB_PORT=${ports[1]} SINK_PORT=${ports[2]}
PF=$T/pf
SINK=$T/sink
LOG=$PF/maillog
FROM=ofis@ofis.example

test_at_exit "sink_stop '$SINK'"
test_at_exit "pf_stop '$PF'"

# msg FILE MSGID COMPANY PERIOD [ATTACHMENT...] - a labelled message,
# with empty attachments of the names given
msg() {
	local file=$1 msgid=$2 company=$3 period=$4 a
	shift 4
	{
		printf 'From: Ofis <%s>\r\nTo: firma@firma.example\r\n' "$FROM"
		printf 'Subject: e-Defter %s %s\r\nMessage-ID: <%s>\r\n' \
		    "$company" "$period" "$msgid"
		printf 'X-EDefter-Company: %s\r\nX-EDefter-Period: %s\r\n' \
		    "$company" "$period"
		printf 'X-EDefter-Company-Name: Ornek A.S.\r\nMIME-Version: 1.0\r\n'
		if [ $# -eq 0 ]; then
			printf 'Content-Type: text/plain\r\n\r\nberatlar\r\n'
		else
			printf 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
			printf -- '--b1\r\nContent-Type: text/plain\r\n\r\nberatlar\r\n'
			for a in "$@"; do
				printf -- '--b1\r\nContent-Type: application/zip; name="%s"\r\n' "$a"
				printf 'Content-Disposition: attachment; filename="%s"\r\n' "$a"
				printf 'Content-Transfer-Encoding: base64\r\n\r\nUEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==\r\n'
			done
			printf -- '--b1--\r\n'
		fi
	} >"$file"
}

# send SOURCE PORT FILE RCPT - one message over SMTP from the loopback
# address SOURCE; prints "ok CODE" or "EXCEPTION CODE TEXT"
send() {
	"$PY" - "$@" <<-\PY
	import smtplib, sys
	src, port, path, rcpt = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
	data = open(path, "rb").read()
	try:
	    s = smtplib.SMTP("127.0.0.1", port, source_address=(src, 0), timeout=30)
	    s.sendmail("ofis@ofis.example", [rcpt], data)
	    print("ok 250")
	    s.quit()
	except smtplib.SMTPResponseException as e:
	    print(type(e).__name__, e.smtp_code, " ".join(e.smtp_error.decode().split()))
	except smtplib.SMTPRecipientsRefused as e:
	    print("SMTPRecipientsRefused")
	PY
}

settled() {
	test_wait_for 30 pf_queue_empty "$PF"
}

# sink_msg MSGID - the sink file holding message <MSGID>
sink_msg() {
	grep -l -i "^Message-ID: <$1>" $(sink_files "$SINK") /dev/null 2>/dev/null
}

records() {
	"$EDEFTERCTL" -l "$T/m.ledger" list | sed -n 's/^\([0-9][0-9]*\) records\{0,1\}$/\1/p'
}

pce() { postconf -c "$PF/etc" "$@"; }

test_expect_success 'setup: edefter-postconf apply on a private Postfix' '
	sink_start "$SINK" $SINK_PORT &&
	pf_setup "$PF" $PF_PORT $SINK_PORT &&
	milter_conf m "UserID postfix:postfix" &&
	sed -i "s|^TrustedClients .*|TrustedClients 127.0.0.1/32|" m.conf &&
	milter_start m &&
	sh "$EP" -c "$PF/etc" -s "local:$T/m.sock" --conf "$T/m.conf" \
	    --public "127.0.0.1:$PF_PORT/inet" --submission $SUB_PORT apply >out &&
	cat out &&
	touch -d "1 minute ago" "$PF/etc/main.cf" "$PF/etc/master.cf" &&
	grep -q "^127.0.0.1/32	{ local:$T/m.sock, default_action=tempfail }$" "$PF/etc/edefter-trusted.cidr" &&
	grep -q "^0.0.0.0/0	DISABLE$" "$PF/etc/edefter-trusted.cidr" &&
	grep -q "^::/0	DISABLE$" "$PF/etc/edefter-trusted.cidr" &&
	test "$(pce -Ph "127.0.0.1:$PF_PORT/inet/smtpd_milter_maps")" = "cidr:$PF/etc/edefter-trusted.cidr" &&
	test "$(pce -Ph "127.0.0.1:$PF_PORT/inet/cleanup_service_name")" = edefter-cleanup &&
	test "$(pce -Ph edefter-cleanup/unix/header_checks)" = "regexp:$PF/etc/edefter-untrusted.regexp" &&
	test "$(postmap -c "$PF/etc" -q 127.0.0.2 "cidr:$PF/etc/edefter-trusted.cidr")" = DISABLE &&
	test "$(postmap -c "$PF/etc" -q 127.0.0.1 "cidr:$PF/etc/edefter-trusted.cidr")" = "{ local:$T/m.sock, default_action=tempfail }" &&
	sh "$EP" -c "$PF/etc" --conf "$T/m.conf" --public "127.0.0.1:$PF_PORT/inet" show >show &&
	grep -q "untrusted clients of 127.0.0.1:$PF_PORT/inet: never reach the milter" show &&
	pf_start "$PF" &&
	test_wait_for 10 eval "ss -Hltn \"sport = :$SUB_PORT\" | grep -q ."
'

test_expect_success 'an outsider: X-EDefter-* gone at the sink, nothing recorded, milter not asked' '
	msg o1 o1@t1120 1234567890 2025-10 &&
	send 127.0.0.2 $PF_PORT o1 firma@firma.example >out &&
	cat out && grep -q "^ok 250" out &&
	settled &&
	f=$(sink_msg o1@t1120) && test -n "$f" &&
	! grep -qi "^X-EDefter" "$f" &&
	grep -q "^Subject: e-Defter 1234567890 2025-10" "$f" &&
	test "$(records)" = 0 &&
	! grep -q "o1@t1120\|client=127.0.0.2" m.log
'

test_expect_success 'an outsider is served while the milter is down; a trusted client is not' '
	milter_kill "$(milter_pid m)" &&
	msg o2 o2@t1120 1234567890 2025-11 &&
	send 127.0.0.2 $PF_PORT o2 firma@firma.example >out &&
	cat out && grep -q "^ok 250" out &&
	send 127.0.0.1 $PF_PORT o2 firma@firma.example >out2 &&
	cat out2 && grep -q "^SMTPSenderRefused 451 4.7.1" out2 &&
	settled &&
	f=$(sink_msg o2@t1120) && test -n "$f" && test $(echo "$f" | wc -l) = 1 &&
	! grep -qi "^X-EDefter" "$f" &&
	milter_start m
'

test_expect_success 'a trusted client through the submission service: headers kept, enforced' '
	msg s1 s1@t1120 1234567890 2025-10 &&
	send 127.0.0.1 $SUB_PORT s1 firma@firma.example >out &&
	cat out && grep -q "^ok 250" out &&
	settled &&
	f=$(sink_msg s1@t1120) && test -n "$f" &&
	grep -q "^X-EDefter-Company: 1234567890" "$f" &&
	grep -q "^X-EDefter-Period: 2025-10" "$f" &&
	grep -q "^X-EDefter-Ledger: recorded 1234567890/2025-10 " "$f" &&
	test "$(records)" = 1 &&
	"$EDEFTERCTL" -l m.ledger show 1234567890/2025-10/firma@firma.example >rec &&
	grep -q "Ornek A.S." rec &&
	msg s2 s2@t1120 1234567890 2025-10 &&
	send 127.0.0.1 $SUB_PORT s2 firma@firma.example >out &&
	cat out && grep -q "^SMTPDataError 550 5.7.1 e-Defter 1234567890 2025-10 already sent" out &&
	test "$(records)" = 1
'

test_expect_success 'a trusted client on the public smtpd: milter asked, enforced by attachment names' '
	msg p1 p1@t1120 4540536920 2025-03 GIB-4540536920-202503-KB-000000.zip \
	    GIB-4540536920-202503-YB-000000.zip &&
	send 127.0.0.1 $PF_PORT p1 firma@firma.example >out &&
	cat out && grep -q "^ok 250" out &&
	settled &&
	f=$(sink_msg p1@t1120) && test -n "$f" &&
	! grep -qi "^X-EDefter-Company" "$f" &&
	grep -q "^X-EDefter-Ledger: recorded 4540536920/2025-03 " "$f" &&
	test "$(records)" = 2 &&
	msg p2 p2@t1120 4540536920 2025-03 GIB-4540536920-202503-KB-000000.zip &&
	send 127.0.0.1 $PF_PORT p2 firma@firma.example >out &&
	cat out && grep -q "^SMTPDataError 550 5.7.1" out &&
	msg o3 o3@t1120 4540536920 2025-03 GIB-4540536920-202503-KB-000000.zip &&
	send 127.0.0.2 $PF_PORT o3 firma@firma.example >out &&
	cat out && grep -q "^ok 250" out &&
	settled && test "$(records)" = 2 &&
	f=$(sink_msg o3@t1120) && test -n "$f" && ! grep -qi "^X-EDefter" "$f"
'

test_expect_success 'remove takes the map, the cleanup and the files out' '
	pf_stop "$PF" &&
	sh "$EP" -c "$PF/etc" remove >out &&
	cat out &&
	test ! -e "$PF/etc/edefter-trusted.cidr" &&
	test ! -e "$PF/etc/edefter-untrusted.regexp" &&
	test -z "$(pce -M edefter-cleanup/unix 2>/dev/null)" &&
	test -z "$(pce -Ph "127.0.0.1:$PF_PORT/inet/smtpd_milter_maps" 2>/dev/null)" &&
	test -z "$(pce -Ph "127.0.0.1:$PF_PORT/inet/cleanup_service_name" 2>/dev/null)" &&
	test -z "$(pce -M "127.0.0.1:$SUB_PORT/inet" 2>/dev/null)"
'

test_done
