#!/usr/bin/env bash
# t2200 - adopting edefter on a real office archive, over a real SMB share
# (private smbd, rclone FUSE mount, as in t2100): ExcludeDirs and
# ExcludeFiles (Turkish-aware), near-miss names, SendFrom and before-start,
# the companies file as Turkish Excel writes it (CP1254, Turkish headers,
# VKN and TCKN columns, Durum), baseline + edefterctl import for a
# cut-over, and `changed' when a sent berat is replaced on the server.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/share.sh"
. "$TOP/tests/lib/sink.sh"
. "$TOP/tests/lib/samba.sh"

PY=/usr/bin/python3
SCAN=$BUILD/edefter-scan
CTL=$BUILD/edefterctl

why=
if [ "$(id -u)" -ne 0 ]; then
	why="smbd and FUSE mounts need root"
elif [ ! -c /dev/fuse ]; then
	why="/dev/fuse is missing"
else
	for c in smbd rclone fusermount3 iconv strace; do
		command -v "$c" >/dev/null 2>&1 ||
		    { why="$c is not installed"; break; }
	done
fi
if [ -n "$why" ]; then
	test_skip 'adopting an office share over SMB' "$why"
	test_done
fi

SMB_PORT=$(test_free_port) || exit 1
SINK_PORT=$(test_free_port) || exit 1
while [ "$SINK_PORT" = "$SMB_PORT" ]; do SINK_PORT=$(test_free_port); done
SMB=$T/smb SHARE=$T/share MNT=$T/mnt SINK=$T/sink
ABC="ABC Gıda"

test_at_exit "pysink_stop '$SINK'"
test_at_exit "smb_stop '$SMB'"
test_at_exit "smb_umount '$MNT'"

scan() { "$SCAN" "$@"; }
ctl() { "$CTL" "$@"; }
answers() { ls "$1" >/dev/null 2>&1; }

# conf NAME [LINE...] - $T/NAME.conf for the mount; companies $T/NAME.csv
conf() {
	local name=$1
	shift
	mkdir -p "$T/$name.state"
	{
		echo "LedgerPath $T/$name.ledger"
		echo "ShareRoot $MNT"
		echo "ShareType fuse.rclone"
		echo "ShareSentinel .edefter-share"
		echo "Companies $T/$name.csv"
		echo "From Mali Müşavirlik <edefter@ofis.example>"
		echo "Submit smtp://127.0.0.1:$SINK_PORT"
		echo "StateDir $T/$name.state"
		echo "SettleSeconds 0"
		if [ $# -gt 0 ]; then printf '%s\n' "$@"; fi
	} >"$T/$name.conf"
}

# json_states CONF - "id period state" per period, "ignored FILE" per file
json_states() {
	scan -c "$1" status --format json 2>/dev/null | "$PY" -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if o["state"] == "ignored":
        print("ignored", o["file"], o["folder"])
    else:
        print(o["id"], o["period"], o["state"], o["folder"])'
}

# wait_visible PATH - the mount shows a file written on the server
wait_visible() { test_wait_for 10 test -e "$MNT/$1"; }
# newzip FILE - replace FILE with a whole zip of other content
newzip() {
	"$PY" - "$1" <<-\PY
	import os, sys, zipfile
	with zipfile.ZipFile(sys.argv[1] + ".new", "w") as z:
	    z.writestr("berat.xml", os.urandom(300))
	os.rename(sys.argv[1] + ".new", sys.argv[1])
	PY
}
# same_size PATH - the mount shows the server's size of a file
same_size() {
	test "$(stat -c %s "$MNT/$1" 2>/dev/null)" = "$(stat -c %s "$SHARE/$1")"
}

# ---- setup ------------------------------------------------------------------

test_expect_success 'setup: smbd, rclone mount, sink, an office archive' '
	mkdir -p "$SHARE" &&
	echo share >"$SHARE/.edefter-share" &&
	# the real period, and copies the office deleted, cancelled, kept
	mkperiod "$SHARE/$ABC/2025/01" 1234567890 202501 &&
	mkfiles "$SHARE/$ABC/2025/01" BERATLAR.ZIP Thumbs.db &&
	mkperiod "$SHARE/$ABC/Silinenler/2025/02" 1234567890 202502 &&
	mkperiod "$SHARE/$ABC/2025 İPTAL/03" 1234567890 202503 &&
	mkperiod "$SHARE/$ABC/IPTAL EDİLENLER/04" 1234567890 202504 &&
	mkperiod "$SHARE/$ABC/Eski Yedek 2024/05" 1234567890 202505 &&
	mkperiod "$SHARE/\$RECYCLE.BIN/S-1-5/06" 1234567890 202506 &&
	mkperiod "$SHARE/$ABC/Geri Dönüşüm Kutusu/07" 1234567890 202507 &&
	mkperiod "$SHARE/$ABC/2025/08" 1234567890 202508 &&
	mkperiod "$SHARE/$ABC/iptal/08" 1234567890 202508 &&
	# a berat saved twice by a browser: the copy is not a berat
	mkfiles "$SHARE/$ABC/2025/09" 1234567890-202509-Y-000000.zip \
	    1234567890-202509-K-000000.zip GIB-1234567890-202509-YB-000000.zip \
	    "GIB-1234567890-202509-KB-000000 (1).zip" \
	    "1234567890-202509-DR-000000 - Kopya.zip" \
	    1234567890-202509-DR-000000.xml.zip &&
	# the archive before the cut-over and a person (TCKN)
	mkperiod "$SHARE/$ABC/2024/12" 1234567890 202412 &&
	mkperiod "$SHARE/Kişiler/Ayşe/2025/01" 10000000146 202501 &&
	mkperiod "$SHARE/Pasif Firma/2025/01" 4540536920 202501 &&
	smb_start "$SMB" $SMB_PORT "$SHARE" &&
	smb_mount "$SMB" $SMB_PORT "$MNT" &&
	test_wait_for 10 answers "$MNT/$ABC/2025/01" &&
	pysink_start "$SINK" $SINK_PORT ok --lifetime 600 &&
	# the companies list as the office Excel saves it: CP1254, ";"
	printf "%s\r\n" "Ünvan;Vergi Numarası;T.C. Kimlik No;E-posta;Durum" \
	    "ABC Gıda Ticaret A.Ş.;1234567890;;muhasebe@abc.example;Aktif" \
	    "Ayşe Yılmaz;;10000000146;ayse@kisi.example;" \
	    "Pasif Firma Ltd. Şti.;4540536920;;pasif@firma.example;Pasif" |
	    iconv -f UTF-8 -t CP1254 >"$T/main.csv" &&
	! iconv -f UTF-8 -t UTF-8 "$T/main.csv" >/dev/null 2>&1 &&
	conf main "SendFrom 2025-01"
'

# ---- ExcludeDirs, ExcludeFiles, near-miss names ------------------------------

test_expect_success 'status: excluded directories never chosen, counted' '
	scan -c "$T/main.conf" status >table &&
	cat table &&
	json_states "$T/main.conf" >states &&
	cat states &&
	grep -qx "1234567890 2025-01 complete $ABC/2025/01" states &&
	grep -qx "1234567890 2025-08 complete $ABC/2025/08" states &&
	for m in 02 03 04 05 06 07; do
		grep -qx "1234567890 2025-$m missing None" states || { echo "2025-$m seen"; exit 1; }
	done &&
	grep -q "^excluded: 7 directories (ExcludeDirs)" table &&
	grep "^excluded:" table | grep -q "Silinenler" &&
	grep "^excluded:" table | grep -q "İPTAL" &&
	grep "^excluded:" table | grep -q "RECYCLE"
'

test_expect_success 'status: near-miss names reported as ignored, never berats' '
	grep -q "^1234567890 2025-09 incomplete $ABC/2025/09" states &&
	grep -qx "ignored GIB-1234567890-202509-KB-000000 (1).zip $ABC/2025/09" states &&
	grep -qx "ignored 1234567890-202509-DR-000000 - Kopya.zip $ABC/2025/09" states &&
	grep -qx "ignored 1234567890-202509-DR-000000.xml.zip $ABC/2025/09" states &&
	scan -c "$T/main.conf" status --format json 2>/dev/null |
	    grep "\"ignored\"" | grep "(1).zip" | grep -q "rename it to GIB-1234567890-202509-KB-000000" &&
	grep "^ignored " table | grep -q "KB-000000 (1).zip" &&
	scan -c "$T/main.conf" status --format json 2>/dev/null |
	    grep "\"2025-09\"" | grep -q "GIB-KB-000000"
'

test_expect_success 'the whole walk never opens an excluded directory' '
	strace -f -qq -e trace=openat,openat2,getdents64 -o trace \
	    "$SCAN" -c "$T/main.conf" status >/dev/null &&
	grep -q "2025/01" trace &&
	! grep -E "Silinenler|İPTAL|IPTAL|Yedek|RECYCLE|Geri Dönüşüm|/iptal" trace
'

test_expect_success 'ExcludeDirs none walks them all; globs are folded' '
	conf nox "SendFrom 2025-01" "ExcludeDirs none" &&
	cp "$T/main.csv" "$T/nox.csv" &&
	json_states "$T/nox.conf" >nox &&
	grep -q "^1234567890 2025-02 complete $ABC/Silinenler/2025/02" nox &&
	grep -q "^1234567890 2025-03 complete $ABC/2025 İPTAL/03" nox &&
	conf fold "SendFrom 2025-01" "ExcludeDirs SİLİNENLER, ıptal*, *yedek*" &&
	cp "$T/main.csv" "$T/fold.csv" &&
	json_states "$T/fold.conf" >fold &&
	grep -q " 2025-02 missing None" fold &&
	grep -q " 2025-03 complete " fold &&
	grep -q " 2025-04 missing None" fold &&
	grep -q " 2025-05 missing None" fold
'

# ---- SendFrom, Durum, the CP1254 companies file ------------------------------

test_expect_success 'SendFrom: before-start; Durum Pasif: inactive; TCKN column' '
	grep -qx "1234567890 2024-12 before-start $ABC/2024/12" states &&
	grep -qx "4540536920 2025-01 inactive Pasif Firma/2025/01" states &&
	grep -qx "10000000146 2025-01 complete Kişiler/Ayşe/2025/01" states &&
	grep "^before-start" table | grep -q "send-from=2025-01" &&
	grep "^inactive" table | grep -q "line 4"
'

test_expect_success 'run: sends the complete periods only; no excluded file attached' '
	rc=0; scan -c "$T/main.conf" run >out 2>err || rc=$?
	cat out err &&
	test $rc = 0 &&
	test "$(pysink_count "$SINK")" = 3 &&
	grep -q "^sent id=1234567890 period=2025-01 " out &&
	grep -q "^sent id=1234567890 period=2025-08 " out &&
	grep -q "^sent id=10000000146 period=2025-01 " out &&
	! grep -q "period=2024-12 rcpt" out &&
	! grep -q "id=4540536920 period=2025-01 rcpt" out &&
	m=$(grep -l "1234567890-202501-Y-000000" "$SINK"/[0-9]*.eml) &&
	mail_of "$m" >mail &&
	grep -c "^file " mail >n && test "$(cat n)" = 5 &&
	! grep -q "BERATLAR\|Thumbs" mail &&
	grep -q "^ignored folder=\"$ABC/2025/09\" file=\"GIB-1234567890-202509-KB-000000 (1).zip\"" out
'

test_expect_success 'status --format csv and xlsx: every state, Turkish text intact' '
	scan -c "$T/main.conf" status --format csv >st.csv 2>/dev/null &&
	head -c 3 st.csv | od -An -tx1 | grep -q "ef bb bf" &&
	scan -c "$T/main.conf" status --format xlsx -o "$T/durum.xlsx" 2>/dev/null &&
	scan -c "$T/main.conf" status --format json >st.json 2>/dev/null &&
	"$PY" - st.csv "$T/durum.xlsx" st.json <<-\PY
	import csv, io, json, sys, openpyxl
	raw = open(sys.argv[1], "rb").read()
	rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
	ws = openpyxl.load_workbook(sys.argv[2]).active
	xrows = [[("" if c is None else str(c)) for c in r]
	         for r in ws.iter_rows(values_only=True)]
	assert rows[0] == xrows[0] == ["state", "id", "company", "period",
	    "files", "folder", "reason", "sent", "todo", "deadline",
	    "overdue"], (rows[0], xrows[0])
	assert rows == xrows, (rows, xrows)
	want = set()
	for o in map(json.loads, open(sys.argv[3])):
	    want.add(("ignored", o["file"]) if o["state"] == "ignored" else
	             (o["state"], o["id"], o["period"]))
	got = set()
	for r in rows[1:]:
	    got.add(("ignored", r[4]) if r[0] == "ignored" else (r[0], r[1], r[3]))
	assert got == want, (got ^ want)
	abc = [r for r in rows if r[1] == "1234567890" and r[3] == "2025-01"][0]
	assert abc[2] == "ABC Gıda Ticaret A.Ş." and abc[5] == "ABC Gıda/2025/01", abc
	PY
'

test_expect_success 'status --format xlsx without -o: usage (64); a failed pass leaves no file' '
	test_expect_code 64 scan -c "$T/main.conf" status --format xlsx &&
	sed "s|^ShareRoot .*|ShareRoot $T/not-mounted|" "$T/main.conf" >"$T/gone.conf" &&
	mkdir -p "$T/not-mounted" && cp "$T/main.csv" "$T/gone.csv" &&
	test_expect_code 75 scan -c "$T/gone.conf" status --format xlsx -o "$T/gone.xlsx" &&
	test ! -e "$T/gone.xlsx" && ! ls "$T"/.gone.xlsx.* 2>/dev/null
'

# ---- the cut-over: baseline, import ------------------------------------------

test_expect_success 'baseline --dry-run: dump-format records, StateDir untouched' '
	conf cut "SendFrom 2024-01" &&
	cp "$T/main.csv" "$T/cut.csv" &&
	scan -c "$T/cut.conf" baseline --dry-run >base 2>berr &&
	cat base berr &&
	test ! -e "$T/cut.state/sent" &&
	"$PY" - base <<-\PY
	import json, sys
	recs = [json.loads(l) for l in open(sys.argv[1])]
	keys = {(r["companyId"], r["period"], r["recipientEmail"]) for r in recs}
	want = {("1234567890", "2025-01", "muhasebe@abc.example"),
	        ("1234567890", "2025-08", "muhasebe@abc.example"),
	        ("1234567890", "2024-12", "muhasebe@abc.example"),
	        ("10000000146", "2025-01", "ayse@kisi.example"),
	        ("4540536920", "2025-01", "pasif@firma.example")}
	assert keys == want, keys
	for r in recs:
	    assert r["source"] == "baseline", r
	    assert r["uniqueHash"] == "%s_%04d_%02d_%s" % (r["companyId"],
	        r["year"], r["month"], r["recipientEmail"]), r
	    assert r["fileCount"] == len(r["fileList"]) == 5, r
	    assert r["status"] == "complete"
	r = [r for r in recs if r["companyId"] == "1234567890"][0]
	assert r["companyName"] == "ABC Gıda Ticaret A.Ş.", r
	PY
'

test_expect_success 'baseline | edefterctl import: the cut-over sends only what completes later' '
	scan -c "$T/cut.conf" baseline >base2 2>/dev/null &&
	test -s "$T/cut.state/sent/1234567890_2025-01" &&
	ctl -l "$T/cut.ledger" import base2 >imp &&
	cat imp &&
	grep -q "^5 imported, 0 already present" imp &&
	ctl -l "$T/cut.ledger" import base2 >imp2 &&
	grep -q "^0 imported, 5 already present" imp2 &&
	ctl -l "$T/cut.ledger" dump | grep -q "\"source\":\"import\"" &&
	json_states "$T/cut.conf" >cut &&
	grep -qx "1234567890 2025-01 sent $ABC/2025/01" cut &&
	grep -qx "1234567890 2024-12 sent $ABC/2024/12" cut &&
	mkperiod "$SHARE/$ABC/2025/10" 1234567890 202510 &&
	wait_visible "$ABC/2025/10/GIB-1234567890-202510-KB-000000.zip" &&
	before=$(pysink_count "$SINK") &&
	rc=0; scan -c "$T/cut.conf" run >out 2>err || rc=$?
	cat out err &&
	test "$(pysink_count "$SINK")" = $((before + 1)) &&
	grep -q "^sent id=1234567890 period=2025-10 " out &&
	! grep -q "^sent id=1234567890 period=2025-01" out &&
	# no milter records sends here: the scanner notices and stops (69)
	test $rc = 69 && test -e "$T/cut.state/unenforced" &&
	# record it as the milter would have: import a fresh baseline
	scan -c "$T/cut.conf" baseline --dry-run >base3 2>/dev/null &&
	ctl -l "$T/cut.ledger" import base3 >imp3 &&
	grep -q "^1 imported, 5 already present" imp3 &&
	rm "$T/cut.state/unenforced"
'

# ---- changed after send ------------------------------------------------------

test_expect_success 'a sent berat replaced on the server: changed, file named, nothing sent' '
	cp "$SHARE/$ABC/2025/01/GIB-1234567890-202501-KB-000000.zip" saved.zip &&
	newzip "$SHARE/$ABC/2025/01/GIB-1234567890-202501-KB-000000.zip" &&
	test_wait_for 10 same_size "$ABC/2025/01/GIB-1234567890-202501-KB-000000.zip" &&
	json_states "$T/cut.conf" >ch &&
	grep -qx "1234567890 2025-01 changed $ABC/2025/01" ch &&
	scan -c "$T/cut.conf" status --format json 2>/dev/null | grep "\"changed\"" |
	    grep -q "GIB-1234567890-202501-KB-000000.zip" &&
	before=$(pysink_count "$SINK") &&
	scan -c "$T/cut.conf" run >out 2>err &&
	cat out err &&
	test "$(pysink_count "$SINK")" = "$before" &&
	grep -q "state=changed" out &&
	grep -q "changed id=1234567890 period=2025-01" err
'

test_expect_success 'the same content copied back (new mtime): sent again, not changed' '
	cp saved.zip "$SHARE/$ABC/2025/01/GIB-1234567890-202501-KB-000000.zip" &&
	test_wait_for 10 same_size "$ABC/2025/01/GIB-1234567890-202501-KB-000000.zip" &&
	json_states "$T/cut.conf" >ch2 &&
	grep -qx "1234567890 2025-01 sent $ABC/2025/01" ch2
'

test_expect_success 'sent before fingerprints were kept: fingerprinted by run, then detected' '
	rm "$T/cut.state/sent/10000000146_2025-01" &&
	json_states "$T/cut.conf" >fp0 &&
	grep -qx "10000000146 2025-01 sent Kişiler/Ayşe/2025/01" fp0 &&
	scan -c "$T/cut.conf" run >out 2>err &&
	cat err &&
	test -s "$T/cut.state/sent/10000000146_2025-01" &&
	grep -q "berats fingerprinted" err &&
	newzip "$SHARE/Kişiler/Ayşe/2025/01/GIB-10000000146-202501-YB-000000.zip" &&
	test_wait_for 10 same_size "Kişiler/Ayşe/2025/01/GIB-10000000146-202501-YB-000000.zip" &&
	json_states "$T/cut.conf" >fp1 &&
	grep -qx "10000000146 2025-01 changed Kişiler/Ayşe/2025/01" fp1
'

test_expect_success 'edefterctl forget: the changed period is sent again' '
	ctl -l "$T/cut.ledger" forget 10000000146/2025-01 >f &&
	cat f &&
	before=$(pysink_count "$SINK") &&
	rc=0; scan -c "$T/cut.conf" run >out 2>err || rc=$?
	cat out err &&
	test "$(pysink_count "$SINK")" = $((before + 1)) &&
	grep -q "^sent id=10000000146 period=2025-01 " out &&
	test $rc = 69 &&
	test -s "$T/cut.state/sent/10000000146_2025-01"
'

test_done
