#!/usr/bin/env bash
# t2300 - the office's view on real parts: a private smbd serving the
# share through an rclone FUSE mount, a private Postfix with edefter-milter
# relaying to smtp-sink.  Status rows for every company and month with
# deadlines and overdue, a Deadlines file, the HTML page opened in
# headless Chromium (screenshot, DOM), the digest through Postfix parsed
# by Python's MIME parser, and the daemon's once-a-day digest across a
# restart.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/sink.sh"
. "$TOP/tests/lib/milter.sh"
. "$TOP/tests/lib/samba.sh"
. "$TOP/tests/lib/share.sh"

PY=/usr/bin/python3
why=
if [ "$(id -u)" -ne 0 ]; then
	why="a private Postfix and smbd need root"
elif [ ! -c /dev/fuse ]; then
	why="no /dev/fuse"
else
	for c in postfix postconf smtp-sink smbd rclone fusermount3; do
		command -v "$c" >/dev/null 2>&1 || { why="$c is not installed"; break; }
	done
fi
if [ -n "$why" ]; then
	test_skip 'the office view' "$why"
	test_done
fi
CHROMIUM=
command -v chromium >/dev/null 2>&1 && CHROMIUM=$(command -v chromium)

ports=()
while [ ${#ports[@]} -lt 3 ]; do
	p=$(test_free_port) || { echo "Bail out! no free port"; exit 1; }
	case " ${ports[*]} " in *" $p "*) ;; *) ports+=("$p") ;; esac
done
PF_PORT=${ports[0]} SINK_PORT=${ports[1]} SMB_PORT=${ports[2]}
PF=$T/pf SINK=$T/sink SMB=$T/smb SHARE=$T/share MNT=$T/mnt
CONF=$T/edefter.conf
test_at_exit "sink_stop '$SINK'"
test_at_exit "pf_stop '$PF'"
test_at_exit "smb_stop '$SMB'"
test_at_exit "smb_umount '$MNT'"

scan() { "$BUILD/edefter-scan" -c "$CONF" "$@"; }
msgs() { ls "$SINK"/msg.* 2>/dev/null | wc -l | tr -d ' '; }
settled() { pf_flush "$PF" >/dev/null 2>&1 || :; test_wait_for 30 pf_queue_empty "$PF"; }
answers() { ls "$1" >/dev/null 2>&1; }

writeconf() {	# writeconf [EXTRA LINE...]
	{
		echo "LedgerPath $T/m.ledger"
		echo "ShareRoot $MNT"
		echo "ShareType fuse.rclone"
		echo "ShareSentinel .edefter-share"
		echo "Companies $T/companies.csv"
		echo "From Mali Müşavirlik Bürosu <edefter@ofis.example>"
		echo "Submit smtp://127.0.0.1:$PF_PORT"
		echo "SettleSeconds 0"
		echo "StateDir $T/scan"
		echo "SendFrom 2026-01"
		echo "Notify muhasebe@ofis.example, mudur@ofis.example"
		echo "DigestHour 0"
		echo "ScanInterval 1s"
		if [ $# -gt 0 ]; then printf '%s\n' "$@"; fi
	} >"$CONF"
}

test_expect_success 'setup: smbd, mount, Postfix with the milter, a share' '
	mkdir -p "$SHARE" && : >"$SHARE/.edefter-share" &&
	mkperiod "$SHARE/Çağlar Gıda/2026/07" 1234567890 202607 &&
	mkfiles "$SHARE/Çağlar Gıda/2026/09" GIB-1234567890-202609-KB-000000.zip \
	    1234567890-202609-Y-000000.zip 1234567890-202609-K-000000.zip &&
	mkperiod "$SHARE/Ayşe Yılmaz/2026/06" 10000000146 202606 &&
	cat >"$T/companies.csv" <<-\EOF &&
	Ünvan;Vergi No;TC Kimlik No;E-posta;Vergi Türü
	Çağlar Gıda Ticaret A.Ş.;1234567890;;muhasebe@caglar.example;KV
	Ayşe Yılmaz;;10000000146;ayse@yilmaz.example;GV
	EOF
	sink_start "$SINK" $SINK_PORT &&
	pf_setup "$PF" $PF_PORT $SINK_PORT &&
	milter_conf m "UserID postfix:postfix" &&
	milter_start m &&
	pf_milter "$PF" "local:$T/m.sock" &&
	pf_start "$PF" &&
	smb_start "$SMB" $SMB_PORT "$SHARE" &&
	smb_mount "$SMB" $SMB_PORT "$MNT" &&
	test_wait_for 10 answers "$MNT/Çağlar Gıda/2026/07" &&
	writeconf &&
	scan run >run.out 2>run.err &&
	settled &&
	test "$(msgs)" = 2
'

test_expect_success 'status: a row for every company and month, deadlines, overdue' '
	scan status --format json >st.json 2>/dev/null &&
	scan status >st.table 2>/dev/null &&
	cat st.table &&
	head -n 1 st.table | grep -q "^STATE  *ID  *PERIOD  *FILES  *FOLDER  *REASON" &&
	grep -q "^missing  *1234567890  *2026-01  *0  *-  *deadline=2026-05-14 overdue " st.table &&
	"$PY" - st.json <<-\PY
	import datetime, json, sys
	rows = [json.loads(l) for l in open(sys.argv[1])]
	got = {(o["id"], o["period"]): o for o in rows}
	today = datetime.date.today()
	last = (today.replace(day=1) - datetime.timedelta(days=1))
	for cid in ("1234567890", "10000000146"):
	    m = datetime.date(2026, 1, 1)
	    while m <= last:
	        k = (cid, m.strftime("%Y-%m"))
	        assert k in got, ("no row", k)
	        m = (m + datetime.timedelta(days=32)).replace(day=1)
	assert got[("1234567890", "2026-07")]["state"] == "sent"
	assert got[("1234567890", "2026-09")]["state"] == "incomplete"
	assert got[("1234567890", "2026-02")]["state"] == "missing"
	assert got[("1234567890", "2026-02")]["folder"] is None
	for o in rows:
	    d = o["deadline"]
	    y, mo = map(int, o["period"].split("-"))
	    due = datetime.date.fromisoformat(d)
	    # the 10th (GV) / 14th (KV) of the fourth month, or a little later
	    want_m = (y * 12 + mo - 1 + 4)
	    assert (due.year, due.month) == (want_m // 12, want_m % 12 + 1), o
	    base = 10 if len(o["id"]) == 11 else 14
	    assert base <= due.day <= base + 9 and due.weekday() < 5, o
	    late = o["state"] in ("missing", "incomplete") and today > due
	    assert o["overdue"] is late, o
	assert got[("1234567890", "2026-01")]["deadline"] == "2026-05-14"
	assert got[("10000000146", "2026-01")]["deadline"] == "2026-05-11"  # 10th: Sunday
	assert got[("1234567890", "2026-07")]["overdue"] is False
	PY
'

test_expect_success 'a Deadlines file replaces the table; a bad one names file:line (78)' '
	printf "# GİB extension\nmonthly * * 20 +4\ndue 2026-02 KV * 2027-01-20\n" >"$T/deadlines" &&
	writeconf "Deadlines $T/deadlines" &&
	scan status --format json 2>/dev/null >dl.json &&
	grep "\"period\":\"2026-02\"" dl.json | grep "\"id\":\"1234567890\"" | grep -q "\"deadline\":\"2027-01-20\"" &&
	grep "\"period\":\"2026-03\"" dl.json | grep "\"id\":\"1234567890\"" | grep -q "\"deadline\":\"2026-07-20\"" &&
	printf "monthly XX * 14 +4\n" >"$T/deadlines" &&
	test_expect_code 78 scan status >/dev/null 2>dl.err &&
	cat dl.err &&
	grep -q "$T/deadlines:1:" dl.err &&
	writeconf
'

test_expect_success 'status --format html: the page in headless Chromium, cells through the DOM' '
	if [ -z "$CHROMIUM" ]; then echo "no chromium"; exit 1; fi
	scan status --format html -o "$T/page.html" 2>/dev/null &&
	! grep -qi "<script\|src=\"http\|href=\"http" "$T/page.html" &&
	flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync" &&
	timeout 90 "$CHROMIUM" $flags --user-data-dir="$T/chrome1" \
	    --window-size=1280,900 --screenshot="$T/page.png" "file://$T/page.html" >chrome.log 2>&1 &&
	test -s "$T/page.png" &&
	test "$(head -c 8 "$T/page.png" | od -An -tx1 | tr -d " ")" = 89504e470d0a1a0a &&
	timeout 90 "$CHROMIUM" $flags --user-data-dir="$T/chrome2" \
	    --dump-dom "file://$T/page.html" >dom.html 2>>chrome.log &&
	"$PY" - dom.html st.json <<-\PY
	import json, sys
	from html.parser import HTMLParser
	cells = {}
	class P(HTMLParser):
	    def handle_starttag(self, tag, attrs):
	        a = dict(attrs)
	        if "data-state" in a and "data-id" in a and "data-period" in a:
	            cells[(a["data-id"], a["data-period"])] = a
	P().feed(open(sys.argv[1], encoding="utf-8").read())
	rows = [json.loads(l) for l in open(sys.argv[2])]
	assert rows, "no status rows"
	for o in rows:
	    c = cells.get((o["id"], o["period"]))
	    assert c is not None, ("no cell", o["id"], o["period"])
	    assert c["data-state"] == o["state"], (c, o["state"])
	    assert c.get("data-overdue") == ("1" if o["overdue"] else "0"), (c, o)
	dom = open(sys.argv[1], encoding="utf-8").read()
	assert "Çağlar Gıda Ticaret A.Ş." in dom and "Ayşe Yılmaz" in dom
	PY
'

test_expect_success 'digest --dry-run: the sections, nothing sent or kept' '
	n=$(msgs) &&
	scan digest --dry-run >dry.txt 2>dry.err &&
	cat dry.txt &&
	test "$(msgs)" = "$n" && test ! -e "$T/scan/digest" &&
	grep -q "^To: muhasebe@ofis.example mudur@ofis.example" dry.txt &&
	grep -q "Son özetten bu yana gönderilenler (2)" dry.txt &&
	grep -q "Çağlar Gıda Ticaret A.Ş. (1234567890), Temmuz 2026: muhasebe@caglar.example" dry.txt &&
	grep -q "Süresi geçmiş dönemler" dry.txt &&
	grep -q "Çağlar Gıda Ticaret A.Ş. (1234567890), Ocak 2026: son gün 2026-05-14 geçti" dry.txt
'

test_expect_success 'digest: one message through Postfix, HTML and text, Turkish intact' '
	n=$(msgs) &&
	scan digest >dg.out 2>dg.err &&
	settled &&
	test "$(msgs)" = $((n + 1)) &&
	test -s "$T/scan/digest" &&
	m=$(ls -t "$SINK"/msg.* | head -n 1) &&
	"$PY" - "$m" <<-\PY
	import email, email.policy, sys
	m = email.message_from_binary_file(open(sys.argv[1], "rb"),
	                                   policy=email.policy.default)
	assert m.get_content_type() == "multipart/alternative", m.get_content_type()
	assert "özeti" in str(m["Subject"]), m["Subject"]
	assert m["X-EDefter-Company"] is None and m["X-EDefter-Period"] is None
	assert m["Auto-Submitted"] == "auto-generated"
	text = m.get_body(("plain",)).get_content()
	page = m.get_body(("html",)).get_content()
	for s in (text, page):
	    assert "Çağlar Gıda Ticaret A.Ş." in s, s
	    assert "Süresi geçmiş dönemler" in s
	    assert "Son özetten bu yana gönderilenler" in s
	    assert "Ayşe Yılmaz" in s
	assert "<table" in page
	rcpts = sorted(a.addr_spec for a in m["To"].addresses)
	assert rcpts == ["mudur@ofis.example", "muhasebe@ofis.example"], rcpts
	PY
'

# passes_at_least FILE N - the daemon has logged N passes
passes_at_least() { test "$(grep -c "pass done" "$1")" -ge "$2"; }
# stop_scan PID - end a daemon this test started (at exit too)
stop_scan() {
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = edefter-scan ] || return 0
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

test_expect_success 'daemon: the digest once a day, not again after a restart' '
	n=$(msgs) || exit 1
	"$BUILD/edefter-scan" -c "$CONF" daemon >d1.out 2>d1.err &
	d1=$!
	test_at_exit "stop_scan $d1" &&
	test_wait_for 60 passes_at_least d1.err 3 &&
	stop_scan $d1 &&
	settled &&
	test "$(msgs)" = "$n" &&
	rm "$T/scan/digest" || exit 1
	"$BUILD/edefter-scan" -c "$CONF" daemon >d2.out 2>d2.err &
	d2=$!
	test_at_exit "stop_scan $d2" &&
	test_wait_for 60 grep -q "digest sent" d2.err &&
	test_wait_for 60 passes_at_least d2.err 3 &&
	stop_scan $d2 &&
	settled &&
	test "$(msgs)" = $((n + 1)) || exit 1
	"$BUILD/edefter-scan" -c "$CONF" daemon >d3.out 2>d3.err &
	d3=$!
	test_at_exit "stop_scan $d3" &&
	test_wait_for 60 passes_at_least d3.err 3 &&
	stop_scan $d3 &&
	settled &&
	test "$(msgs)" = $((n + 1)) &&
	test "$(grep -c "digest sent" d2.err d3.err | awk -F: "{ s += \$2 } END { print s }")" = 1
'

test_done
