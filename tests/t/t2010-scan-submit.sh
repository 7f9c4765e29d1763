#!/usr/bin/env bash
# t2010 - edefter-scan's submission and send-intent journal against sinks
# that defer, drop the connection, refuse; and the sendmail path.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/share.sh"
. "$TOP/tests/lib/sink.sh"
scan() { "$BUILD/edefter-scan" "$@"; }
ctl() { "$BUILD/edefterctl" "$@"; }
msgid_of() { sed -n 's/^Message-I[Dd]: *//p' "$1" | tr -d '\r'; }
intent=j.state/intent/1234567890_2025-10

test_expect_success 'setup' '
	printf "vkn;name;emails\n1234567890;ABC;muhasebe@abc.example\n" >j.csv &&
	P1=$(test_free_port) && echo $P1 >p1 &&
	scan_conf j "Submit smtp://127.0.0.1:$P1" &&
	mkperiod j.share/ABC/2025/10 1234567890 202510
'
P1=$(cat p1)

test_expect_success 'no MTA listening: 75, the intent stays open' '
	test_expect_code 75 scan -c j.conf run >out 2>err &&
	grep -q "reason=deferred" out &&
	test -f $intent &&
	grep "^msgid <edefter.1234567890.202510" $intent | cut -d" " -f2 >msgid1
'

test_expect_success '451 then 250: resubmitted with the same Message-ID' '
	pysink_start s451 $P1 451-then-250 --lifetime 120 &&
	test_expect_code 75 scan -c j.conf run >out &&
	grep -q "reply=\"451 4.3.0" out &&
	test -f $intent &&
	scan -c j.conf run >out &&
	grep -q "^sent id=1234567890 period=2025-10 " out &&
	test ! -e $intent &&
	test "$(ls s451/*.eml | wc -l)" = 2 &&
	for m in s451/*.eml; do test "$(msgid_of $m)" = "$(cat msgid1)" || exit 1; done &&
	pysink_stop s451
'

test_expect_success 'connection dropped after the final dot: the outcome is unknown, resent' '
	mkperiod j.share/ABC/2025/11 1234567890 202511 &&
	pysink_start sdrop $P1 drop-after-dot --lifetime 120 &&
	test_expect_code 75 scan -c j.conf run >out &&
	test -f j.state/intent/1234567890_2025-11 &&
	m1=$(msgid_of $(ls sdrop/*.eml | grep -l "X-EDefter-Period: 2025-11" $(ls sdrop/*.eml) | head -n 1)) &&
	pysink_stop sdrop &&
	pysink_start sok $P1 ok --lifetime 120 &&
	scan -c j.conf run >out &&
	grep -q "^sent id=1234567890 period=2025-11 " out &&
	test "$(msgid_of $(grep -l "X-EDefter-Period: 2025-11" sok/*.eml))" = "$m1" &&
	test ! -e j.state/intent/1234567890_2025-11 &&
	pysink_stop sok
'

test_expect_success 'a duplicate refusal closes the intent' '
	mkperiod j.share/ABC/2025/12 1234567890 202512 &&
	pysink_start sdup $P1 reject-dup --lifetime 120 &&
	scan -c j.conf run >out &&
	grep -q "period=2025-12 .*reason=duplicate" out &&
	test ! -e j.state/intent/1234567890_2025-12 &&
	pysink_stop sdup
'

test_expect_success 'a permanent refusal: failed, kept, not retried until the files change' '
	scan_conf f "Submit smtp://127.0.0.1:$P1" &&
	cp j.csv f.csv && mkperiod f.share/ABC/2025/10 1234567890 202510 &&
	pysink_start s550 $P1 550 --lifetime 120 &&
	scan -c f.conf run >out &&
	grep -q "^failed id=1234567890 period=2025-10 .*reason=refused reply=\"550" out &&
	scan -c f.conf status >st &&
	grep -q "^failed  *1234567890  *2025-10 .*reason=refused reply=\"550" st &&
	scan -c f.conf run >out &&
	test "$(ls s550/*.eml | wc -l)" = 1 &&
	grep -q "state=failed" out &&
	echo more >>f.share/ABC/2025/10/1234567890-202510-DR-000000.xml &&
	scan -c f.conf run >out &&
	test "$(ls s550/*.eml | wc -l)" = 2 &&
	pysink_stop s550
'

test_expect_success 'sendmail path: handed over once, closed by the ledger' '
	cat >fake-sendmail <<-EOF &&
	#!/bin/sh
	n=\$(ls $T/drop 2>/dev/null | wc -l)
	mkdir -p $T/drop && printf "%s\n" "\$*" >$T/drop/\$n.args && cat >$T/drop/\$n.eml
	EOF
	chmod +x fake-sendmail &&
	scan_conf m "Submit sendmail:$T/fake-sendmail" &&
	cp j.csv m.csv && mkperiod m.share/ABC/2025/10 1234567890 202510 &&
	scan -c m.conf run >out &&
	grep -q "^handed id=1234567890 period=2025-10 " out &&
	test "$(ls drop/*.eml | wc -l)" = 1 &&
	grep -q -- "-i -f edefter@ofis.example -- muhasebe@abc.example" drop/0.args &&
	grep -q "^state handed" m.state/intent/1234567890_2025-10 &&
	scan -c m.conf run >out &&
	grep -q "reason=handed-to-sendmail .*state=pending" out &&
	test "$(ls drop/*.eml | wc -l)" = 1 &&
	echo "[{\"companyId\":\"1234567890\",\"year\":2025,\"month\":10,\"sentDate\":\"2025-11-03T10:00:00Z\",\"recipientEmail\":\"muhasebe@abc.example\"}]" >r.json &&
	ctl -l m.ledger import r.json &&
	scan -c m.conf run >out &&
	grep -q "period=2025-10 .*state=sent" out &&
	test ! -e m.state/intent/1234567890_2025-10 &&
	test "$(ls drop/*.eml | wc -l)" = 1
'

test_expect_success 'sendmail exiting 75 is retried; other failures are failed' '
	printf "#!/bin/sh\ncat >/dev/null\nexit 75\n" >sm75 && chmod +x sm75 &&
	scan_conf n "Submit sendmail:$T/sm75" &&
	cp j.csv n.csv && mkperiod n.share/ABC/2025/10 1234567890 202510 &&
	test_expect_code 75 scan -c n.conf run >out &&
	test -f n.state/intent/1234567890_2025-10 &&
	printf "#!/bin/sh\ncat >/dev/null\necho no such user >&2\nexit 67\n" >sm75 &&
	scan -c n.conf run >out &&
	grep -q "^failed id=1234567890 period=2025-10 .*no such user" out
'

test_done
