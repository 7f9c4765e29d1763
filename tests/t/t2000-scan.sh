#!/usr/bin/env bash
# t2000 - edefter-scan on a local directory (ShareType any) with a capture
# SMTP sink: states, messages, the ledger, stability, faults, bad input.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/share.sh"
. "$TOP/tests/lib/sink.sh"
scan() { "$BUILD/edefter-scan" "$@"; }
ctl() { "$BUILD/edefterctl" "$@"; }
state_of() {	# state_of CONF ID PERIOD
	scan -c "$1" status --format json 2>/dev/null | /usr/bin/python3 -c "
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if o['id'] == '$2' and o['period'] == '$3':
        print(o['state'])"
}
env_rcpts() {	# the RCPT TO addresses of a captured message
	sed -n 's/^rcpt <\(.*\)>$/\1/p' "$1" | tr '\n' ' '
}

PORT=$(test_free_port)
pysink_start sink "$PORT" ok --lifetime 600 || exit 1
test_at_exit "pysink_stop $T/sink"
msgs() { ls sink/*.eml 2>/dev/null | wc -l; }

test_expect_success 'status: every state, from names alone' '
	scan_conf s "Submit smtp://127.0.0.1:$PORT" &&
	printf "vkn;name;emails\n1234567890;ABC Gıda Ticaret A.Ş.;muhasebe@abc.example, Patron@ABC.example\n1234567808;Şube Örnek Ltd.;sube@ornek.example\n" >s.csv &&
	mkperiod s.share/ABC/2025/10 1234567890 202510 &&
	mkfiles s.share/ABC/2025/10 berat.xslt "Açıklama_Ekim.txt" &&
	mkfiles s.share/ABC/2025/11 GIB-1234567890-202511-KB-000000.zip &&
	mkfiles s.share/ABC/2025/12 1234567890-202512-Y-000000.xml 1234567890-202512-K-000000.xml &&
	mkfiles s.share/ABC/2025/09 1234567890-202509-YB-000000.zip 1234567890-202509-KB-000000.zip &&
	mkperiod s.share/XYZ/2025-10 4540536920 202510 &&
	mkfiles s.share/BAD 9876543210-202510-KB-000000.zip &&
	mkfiles s.share/SUBE/2025/03 1234567808-202503-Y-000001.zip 1234567808-202503-Y-000002.zip \
	    GIB-1234567808-202503-YB-000001.zip GIB-1234567808-202503-YB-000002.zip \
	    GIB-1234567808-202503-KB-000001.zip GIB-1234567808-202503-KB-000002.zip \
	    1234567808-202503-DR-000000.xml &&
	mkfiles s.share/SUBE/2025/04 GIB-1234567808-202504-YB-000000-0001.zip \
	    GIB-1234567808-202504-KB-000000.zip GIB-1234567808-202504-YB-000000.zip &&
	scan -c s.conf status >table &&
	cat table &&
	grep -q "^complete  *1234567890  *2025-10  *5  *ABC/2025/10 " table &&
	scan -c s.conf status --format json >json &&
	/usr/bin/python3 - <<-\PY
	import json
	rows = list(map(json.loads, open("json")))
	got = {(o["id"], o["period"]): o for o in rows if o["folder"] is not None}
	# a row for every month up to last month, also without files (SPEC 13)
	blank = {(o["id"], o["period"]): o for o in rows if o["folder"] is None}
	assert blank[("1234567890", "2026-01")]["state"] == "missing", blank
	assert ("1234567890", "2025-10") not in blank
	assert all(o["files"] == [] and o["deadline"] for o in blank.values())
	want = {("1234567890", "2025-10"): "complete", ("1234567890", "2025-11"): "incomplete",
	        ("1234567890", "2025-12"): "missing", ("1234567890", "2025-09"): "incomplete",
	        ("4540536920", "2025-10"): "no-recipient", ("9876543210", "2025-10"): "invalid",
	        ("1234567808", "2025-03"): "complete", ("1234567808", "2025-04"): "incomplete"}
	for k, v in want.items():
	    assert got[k]["state"] == v, (k, got[k])
	assert len(got) == len(want), sorted(got)
	assert "GIB-YB-000000" in got[("1234567890", "2025-11")]["reason"]
	assert "GIB-KB-000000-0001" in got[("1234567808", "2025-04")]["reason"]
	assert got[("1234567890", "2025-10")]["folder"] == "ABC/2025/10"
	assert len(got[("1234567890", "2025-10")]["files"]) == 5
	assert "reason" not in got[("1234567890", "2025-10")]
	PY
'

test_expect_success 'run: one message per complete period, files byte-identical' '
	scan -c s.conf run >out &&
	cat out &&
	test $(msgs) = 2 &&
	grep -q "^sent id=1234567890 period=2025-10 rcpt=muhasebe@abc.example,Patron@ABC.example files=7 " out &&
	grep -q "^sent id=1234567808 period=2025-03 rcpt=sube@ornek.example files=7 " out &&
	grep -q "^skip id=1234567890 period=2025-11 folder=ABC/2025/11 reason=incomplete missing=GIB-YB-000000 state=incomplete$" out &&
	m=$(grep -l "^rcpt <muhasebe@abc.example>" sink/*.env) && m=${m%.env}.eml &&
	mail_of "$m" >mail &&
	cat mail &&
	grep -q "^subject e-Defter: ABC Gıda Ticaret A.Ş. - Ekim 2025$" mail &&
	grep -q "^x-edefter-company 1234567890$" mail &&
	grep -q "^x-edefter-period 2025-10$" mail &&
	grep -q "^auto-submitted auto-generated$" mail &&
	for f in s.share/ABC/2025/10/*; do
		grep -qx "file $(basename "$f") $(sha_of "$f")" mail || { echo "missing $f"; exit 1; }
	done &&
	grep -q "^text .*Ekim 2025 dönemine ait" mail &&
	test "$(env_rcpts ${m%.eml}.env)" = "muhasebe@abc.example Patron@ABC.example "
'

test_expect_success 'nothing is concluded from the ledger alone: without it the run repeats' '
	n=$(msgs) &&
	scan -c s.conf run >out &&
	test $(msgs) = $((n + 2))
'

test_expect_success 'with the keys in the ledger the periods are sent, never again' '
	cat >sent.json <<-\EOF &&
	[{"companyId":"1234567890","year":2025,"month":10,"sentDate":"2025-11-03T10:00:00Z","recipientEmail":"muhasebe@abc.example"},
	 {"companyId":"1234567890","year":2025,"month":10,"sentDate":"2025-11-03T10:00:00Z","recipientEmail":"patron@abc.example"},
	 {"companyId":"1234567808","year":2025,"month":3,"sentDate":"2025-11-03T10:00:00Z","recipientEmail":"sube@ornek.example"}]
	EOF
	ctl -l s.ledger import sent.json &&
	test "$(state_of s.conf 1234567890 2025-10)" = sent &&
	n=$(msgs) &&
	scan -c s.conf run >out &&
	test $(msgs) = $n &&
	grep -q "^skip id=1234567890 period=2025-10 folder=ABC/2025/10 sent=2 todo=0 state=sent$" out
'

test_expect_success 'a recipient added later gets the period, alone' '
	sed -i "s/Patron@ABC.example/Patron@ABC.example yeni@abc.example/" s.csv &&
	test "$(state_of s.conf 1234567890 2025-10)" = partial &&
	n=$(msgs) &&
	test_expect_code 69 scan -c s.conf run >out 2>err &&
	test $(msgs) = $((n + 1)) &&
	grep -q "^sent id=1234567890 period=2025-10 rcpt=yeni@abc.example " out &&
	m=$(ls sink/*.env | tail -n 1) &&
	test "$(env_rcpts $m)" = "yeni@abc.example "
'

test_expect_success 'a send the ledger did not record stops all sending' '
	grep -q "the MTA accepted the message but the ledger has no record of it" err &&
	test -f s.state/unenforced &&
	n=$(msgs) &&
	test_expect_code 69 scan -c s.conf run >out 2>err &&
	grep -q "unenforced exists" err &&
	test $(msgs) = $n &&
	grep -q "reason=not-sent (unenforced" out
'

test_expect_success 'RequireGibApproval no: the office'"'"'s own berats count' '
	scan_conf g "Submit smtp://127.0.0.1:$PORT" "RequireGibApproval no" &&
	cp s.csv g.csv &&
	mkfiles g.share/ABC/2025/09 1234567890-202509-YB-000000.zip 1234567890-202509-KB-000000.zip 1234567890-202509-Y-000000.zip &&
	test "$(state_of g.conf 1234567890 2025-09)" = complete &&
	test "$(state_of s.conf 1234567890 2025-09)" = incomplete
'

test_expect_success 'Attach berats: berats and DR only' '
	scan_conf b "Submit smtp://127.0.0.1:$PORT" "Attach berats" &&
	cp s.csv b.csv &&
	mkperiod b.share/ABC/2024/01 1234567890 202401 &&
	n=$(msgs) &&
	scan -c b.conf run >out &&
	test $(msgs) = $((n + 1)) &&
	mail_of $(ls sink/*.eml | tail -n 1) >mail &&
	test $(grep -c "^file " mail) = 3 &&
	grep -q "^file GIB-1234567890-202401-YB-000000.zip " mail &&
	grep -q "^file 1234567890-202401-DR-000000.xml " mail
'

test_expect_success 'oversize: berats and DR, the rest listed; then too-large' '
	scan_conf o "Submit smtp://127.0.0.1:$PORT" "MaxMessageSize 64K" &&
	cp s.csv o.csv &&
	mkperiod o.share/ABC/2024/02 1234567890 202402 &&
	/usr/bin/python3 -c "
import os, zipfile
with zipfile.ZipFile(\"o.share/ABC/2024/02/1234567890-202402-Y-000000.zip\", \"w\") as z:
    z.writestr(\"y.xml\", os.urandom(120000))
" &&
	n=$(msgs) &&
	scan -c o.conf run >out &&
	cat out &&
	grep -q "^sent id=1234567890 period=2024-02 .* files=3 .* left-out=2 " out &&
	mail_of $(ls sink/*.eml | tail -n 1) >mail &&
	test $(grep -c "^file " mail) = 3 &&
	grep -q "^text .*boyutu sınırı.*1234567890-202402-Y-000000.zip" mail &&
	scan_conf t "Submit smtp://127.0.0.1:$PORT" "MaxMessageSize 4K" &&
	cp s.csv t.csv && mkperiod t.share/ABC/2024/03 1234567890 202403 &&
	head -c 8000 /dev/urandom | base64 >t.share/ABC/2024/03/1234567890-202403-DR-000000.xml &&
	scan -c t.conf run >out &&
	test $(msgs) = $((n + 1)) &&
	grep -q "reason=too-large size=[0-9]* limit=4096 state=too-large$" out
'

test_expect_success 'bad input: symlinks, odd names, bad CSV rows' '
	scan_conf x "Submit smtp://127.0.0.1:$PORT" &&
	printf "vkn;name;emails\n1234567890;ABC;muhasebe@abc.example\n9876543210;Bad;a@b.example\n4540536920;\"Inj\";\"a@b.example\r\nBcc: x@y.example\"\n1234567808;Ok;ok@ornek.example\n" >x.csv &&
	mkperiod x.share/ABC/2024/05 1234567890 202405 &&
	ln -s /etc/passwd x.share/ABC/2024/05/passwd.txt &&
	ln -s /etc/passwd x.share/ABC/2024/05/1234567890-202405-E-000000.xml &&
	ln -s /etc x.share/ABC/2024/05/etc &&
	mkfiles x.share/ABC/2024/05 "$(printf "cr\rlf\nname.txt")" "quote\"d.txt" "$(printf "%0250d.txt" 0)" "~\$lock.zip" Thumbs.db ".hidden" "x.tmp" &&
	mkperiod x.share/INJ/2024/05 4540536920 202405 &&
	n=$(msgs) &&
	scan -c x.conf run >out 2>err &&
	cat out err &&
	grep -q "x.csv:3: bad id .9876543210." err &&
	grep -q "x.csv:4:" err &&
	grep -q "^skip id=4540536920 period=2024-05 .*state=no-recipient$" out &&
	test $(msgs) = $((n + 1)) &&
	m=$(ls sink/*.eml | tail -n 1) &&
	! grep -q "root:x:0:0" $m &&
	! grep -q "Bcc" $m &&
	mail_of $m >mail &&
	cat mail &&
	grep -q "^file quote\"d.txt " mail &&
	grep -q "^file $(printf "%0250d.txt" 0) " mail &&
	! grep -q "passwd\|Thumbs\|lock.zip\|hidden\|x.tmp\|lf" mail &&
	test $(grep -c "^file " mail) = 7
'

test_expect_success 'stability: a new file waits SettleSeconds; a half-copied zip waits' '
	scan_conf p "Submit smtp://127.0.0.1:$PORT" "SettleSeconds 1s" &&
	cp s.csv p.csv &&
	mkperiod p.share/ABC/2024/06 1234567890 202406 &&
	n=$(msgs) &&
	scan -c p.conf run >out &&
	grep -q "^skip id=1234567890 period=2024-06 .*reason=settling file=.* state=pending$" out &&
	test $(msgs) = $n &&
	z=p.share/ABC/2024/06/GIB-1234567890-202406-KB-000000.zip &&
	cp $z whole.zip && head -c $(( $(stat -c %s $z) / 2 )) whole.zip >$z &&
	touch -d "-1 hour" $z &&
	test_wait_for 10 eval "scan -c p.conf run 2>/dev/null | grep -q \"reason=zip-incomplete file=GIB-1234567890-202406-KB-000000.zip state=pending\"" &&
	test $(msgs) = $n &&
	cp whole.zip $z &&
	test_wait_for 10 eval "scan -c p.conf run 2>/dev/null | grep -q \"^sent id=1234567890 period=2024-06 \"" &&
	test $(msgs) = $((n + 1))
'

test_expect_success 'dry-run sends nothing and keeps nothing' '
	scan_conf d "Submit smtp://127.0.0.1:$PORT" &&
	cp s.csv d.csv && mkperiod d.share/ABC/2024/07 1234567890 202407 &&
	n=$(msgs) &&
	scan -c d.conf run --dry-run >out &&
	grep -q "would-send rcpt=" out &&
	test $(msgs) = $n &&
	test ! -e d.state/seen
'

test_expect_success 'share checks: ShareType cifs on a plain directory, missing sentinel' '
	scan_conf c "Submit smtp://127.0.0.1:$PORT" &&
	sed -i "s/^ShareType any/ShareType cifs, smb3/" c.conf &&
	cp s.csv c.csv && mkperiod c.share/ABC/2024/08 1234567890 202408 &&
	n=$(msgs) &&
	test_expect_code 75 scan -c c.conf run >out 2>err &&
	grep -q "is not a mount point" err &&
	test_expect_code 75 scan -c c.conf status >/dev/null 2>&1 &&
	sed -i "s/^ShareType .*/ShareType any/" c.conf &&
	echo "ShareSentinel .edefter-share" >>c.conf &&
	test_expect_code 75 scan -c c.conf run >out 2>err &&
	grep -q "ShareSentinel .*No such file" err &&
	test $(msgs) = $n
'

test_expect_success 'an empty share: nothing to do, exit 0' '
	scan_conf e "Submit smtp://127.0.0.1:$PORT" &&
	cp s.csv e.csv &&
	scan -c e.conf status >out &&
	test $(wc -l <out) = 1 &&
	n=$(msgs) &&
	scan -c e.conf run >out 2>err &&
	test ! -s out &&
	grep -q "pass done periods=0" err &&
	test $(msgs) = $n
'

test_expect_success 'two scanners at once: the second one steps aside (75)' '
	scan_conf l "Submit smtp://127.0.0.1:$PORT" &&
	cp s.csv l.csv && mkdir -p l.state &&
	( exec 9>l.state/lock && flock 9 &&
	  test_expect_code 75 scan -c l.conf run >out 2>err ) &&
	grep -q "another edefter-scan is running" err
'

test_expect_success 'usage and configuration errors' '
	test_expect_code 64 scan -c s.conf frobnicate 2>err &&
	test_expect_code 64 scan -c s.conf status --format xml 2>err &&
	printf "ShareRoot /x\n" >bad.conf &&
	test_expect_code 78 scan -c bad.conf status 2>err &&
	grep -q "required key .From." err &&
	scan -c s.conf -n >out && grep -q "^SettleSeconds  *0s" out
'

test_done
