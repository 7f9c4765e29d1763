#!/usr/bin/env bash
# t0001 - edefterctl: every command, its errors and exit codes.
. "$(dirname "$0")/../lib/test-lib.sh"
DATA=$TOP/tests/t/data
ctl() { "$EDEFTERCTL" "$@"; }

test_expect_success 'usage: no command is 64, -h is 0' '
	test_expect_code 64 ctl 2>err &&
	grep -q "usage: edefterctl" err &&
	ctl -h >out && grep -q "import FILE" out &&
	test_expect_code 64 ctl -l L frobnicate 2>err &&
	grep -q "unknown command .frobnicate." err
'

test_expect_success 'check mode prints the effective settings' '
	printf "LedgerPath $T/L\nSyslogFacility local2\n" >ok.conf &&
	ctl -c ok.conf -n >out &&
	grep -q "^LedgerPath  *$T/L" out &&
	grep -q "^SyslogFacility  *local2" out
'

test_expect_success 'a bad config names file, line and key, exit 78' '
	printf "LedgerPath $T/L\nSyslogFacility kern9\n" >bad.conf &&
	test_expect_code 78 ctl -c bad.conf list 2>err &&
	grep -q "bad.conf:2: key .SyslogFacility.: unknown syslog facility" err &&
	printf "LedgerPath relative/L\n" >bad1.conf &&
	test_expect_code 78 ctl -c bad1.conf list 2>err &&
	grep -q "bad1.conf:1: key .LedgerPath.: expected an absolute path" err &&
	printf "LedgerPath $T/L\nNoSuchKey 1\n" >bad2.conf &&
	test_expect_code 78 ctl -c bad2.conf -n 2>err &&
	grep -q "bad2.conf:2: unknown key .NoSuchKey." err &&
	test_expect_code 78 ctl -c missing.conf list 2>err &&
	grep -q "missing.conf: cannot open" err
'

test_expect_success 'read commands on a missing ledger: 66, nothing created' '
	test_expect_code 66 ctl -l nothere list 2>err &&
	grep -q "nothere: no ledger here" err &&
	test ! -e nothere
'

test_expect_success 'import of every era of the old history' '
	test_expect_code 65 ctl -l L import "$DATA/history-all-eras.json" >out 2>err &&
	grep -q "^7 imported, 1 already present (1 moved to an earlier date), 1 skipped, 6 rejected$" out &&
	grep -q "record 4 skipped: a manual send" err &&
	grep -q "record 7 rejected: companyId .9876543210. is not a valid" err &&
	grep -q "record 8 rejected: bad or missing year/month" err &&
	grep -q "record 9 rejected: recipientEmail holds control characters" err &&
	grep -q "record 11 rejected: uniqueHash does not name" err &&
	grep -q "record 13 rejected: sentDate is not an ISO 8601 date" err &&
	grep -q "record 14 rejected: not a JSON object" err &&
	test $(grep -c rejected: err) = 6
'

test_expect_success 'dump --format json round-trips the valid records' '
	ctl -l L dump --format json >dump &&
	test_cmp "$DATA/history-all-eras.dump" dump &&
	for f in companyId companyName year month recipientEmail sentDate \
	    uniqueHash status fileList fileCount period messageId queueId source; do
		test $(grep -c "\"$f\":" dump) = 7 || { echo "field $f"; exit 1; }
	done
'

test_expect_success 'the dump imports back into a new ledger identically' '
	ctl -l L2 import dump >out &&
	grep -q "^7 imported, 0 already present" out &&
	ctl -l L2 dump >dump2 &&
	test_cmp dump dump2 &&
	ctl -l L2 import dump >out &&
	grep -q "^0 imported, 7 already present" out
'

test_expect_success 'dump --format csv: BOM, ";"-separated header and fields' '
	ctl -l L dump --format csv >csv &&
	head -n 1 csv | grep -q "^$(printf "\357\273\277")companyId;companyName;year;month;period;recipientEmail;sentDate;uniqueHash" &&
	test $(wc -l <csv) = 8 &&
	grep -q "^1234567890;ABC Gıda Ticaret A.Ş.;2025;10;2025-10;muhasebe@abc.example;2026-01-15T07:00:00.000Z;" csv &&
	/usr/bin/python3 -c "import csv,sys; rows=list(csv.DictReader(open(\"csv\", encoding=\"utf-8-sig\", newline=\"\"), delimiter=\";\")); assert len(rows)==7; assert all(r[\"source\"]==\"import\" for r in rows)"
'

test_expect_success 'list filters by company, period and recipient' '
	ctl -l L list >out && grep -q "^7 records$" out &&
	ctl -l L list --company 1234567890 >out && grep -q "^2 records$" out &&
	ctl -l L list --period 2025-12 >out && grep -q "^2 records$" out &&
	ctl -l L list --recipient ALI_VELI@ozturk.example >out && grep -q "^2 records$" out &&
	ctl -l L list --company 4540536920 --period 2025-03 >out && grep -q "^1 record$" out &&
	test_expect_code 64 ctl -l L list --period 2025-13 2>err &&
	grep -q "expected YYYY-MM" err &&
	test_expect_code 64 ctl -l L list --company 9876543210 2>err
'

test_expect_success 'show one record in full' '
	ctl -l L show 1234567890/2025-10/MUHASEBE@abc.example >out &&
	grep -q "^sent  *2026-01-15T07:00:00.000Z$" out &&
	grep -q "^  GIB-1234567890-202510-YB-000000.zip$" out &&
	test_expect_code 65 ctl -l L show 1234567890/2025-11/muhasebe@abc.example 2>err &&
	grep -q "no such record" err &&
	test_expect_code 64 ctl -l L show not-a-key 2>err
'

test_expect_success 'import errors leave the ledger untouched' '
	cp -r L Lcopy &&
	echo "this is { not json" >bad.json &&
	test_expect_code 65 ctl -l L import bad.json 2>err &&
	grep -q "bad.json:1:.*not JSON" err &&
	echo "{\"foo\": 1}" >shape.json &&
	test_expect_code 65 ctl -l L import shape.json 2>err &&
	grep -q "shape.json: wrong shape" err &&
	test_expect_code 66 ctl -l L import nosuch.json 2>err &&
	grep -q "nosuch.json: No such file" err &&
	test_expect_code 65 ctl -l Lnew import bad.json 2>err &&
	test ! -e Lnew &&
	cmp L/data.mdb Lcopy/data.mdb
'

test_expect_success 'forget: a key, a whole period, and a key that is not there' '
	ctl -l L forget 1234567890/2025-10/muhasebe@abc.example >out &&
	grep -q "^forgot 1234567890/2025-10/muhasebe@abc.example (sent 2026-01-15T07:00:00.000Z)$" out &&
	ctl -l L forget 10000000146/2025-12 >out &&
	test $(grep -c "^forgot 10000000146/2025-12/" out) = 2 &&
	cp L/data.mdb before.mdb &&
	test_expect_code 65 ctl -l L forget 1234567890/2025-10/muhasebe@abc.example 2>err &&
	grep -q "1234567890/2025-10/muhasebe@abc.example: no such record; nothing removed" err &&
	test_expect_code 65 ctl -l L forget garbage 2>err &&
	grep -q "not a key" err &&
	echo 4540536920/2025-04/ali_veli@ozturk.example | ctl -l L forget - >out &&
	grep -q "^forgot 4540536920/2025-04/" out &&
	ctl -l L list >out && grep -q "^3 records$" out
'

test_expect_success 'verify: good ledger 0; a record under a wrong key 65' '
	ctl -l L verify >out && grep -q "^3 records checked, 0 bad$" out &&
	ctl -l L show 4540536920/2025-03/ali_veli@ozturk.example >/dev/null &&
	mdb_dump -s records L >raw &&
	awk "/^HEADER=END/ {h=1; print; next} h && /^ 34353430/ && !done {print \" 34353430353336393230\"; getline; print; done=1; next} {print}" raw >/dev/null &&
	/usr/bin/python3 - "$T" <<-\PY
	import subprocess, sys
	t = sys.argv[1]
	out = subprocess.run(["mdb_dump", "-s", "records", t + "/L"], capture_output=True, text=True, check=True).stdout
	lines = out.split("\n")
	end = lines.index("HEADER=END")
	val = lines[end + 2]
	key = "1234567890/2030-01/moved@x.example".encode().hex()
	data = "\n".join(lines[:end + 1] + [" " + key, val, "DATA=END", ""])
	subprocess.run(["mdb_load", "-s", "records", t + "/L"], input=data, text=True, check=True)
	PY
	test_expect_code 65 ctl -l L verify >out 2>err &&
	grep -q "1234567890/2030-01/moved@x.example: filed under the wrong key" err &&
	grep -q "^4 records checked, 1 bad$" out
'

test_expect_success 'stats: a ledger grown from a 64 KiB map to 100000 records' '
	/usr/bin/python3 -c "
import json
recs = []
for i in range(100000):
    recs.append({\"companyId\": \"1234567890\", \"year\": 2000 + i % 100, \"month\": 1 + i % 12,
                 \"sentDate\": \"2025-01-01T00:00:00.000Z\", \"recipientEmail\": \"r%06d@x.example\" % i})
json.dump(recs, open(\"big.json\", \"w\"))
" &&
	EDEFTER_LEDGER_MAPSIZE=64K ctl -l big import big.json >out &&
	grep -q "^100000 imported" out &&
	ctl -l big stats >stats &&
	cat stats &&
	grep -q "^records     100000$" stats &&
	map=$(awk "/^map size/ {print \$3}" stats) &&
	test "$map" -gt 65536 &&
	ctl -l big verify >out && grep -q "^100000 records checked, 0 bad$" out
'

test_expect_success 'backup while another process writes; the copy verifies' '
	( for i in 1 2 3 4 5; do ctl -l big forget 1234567890/20$((10 + i))-0$i/r0000$((i * 2))@x.example >/dev/null 2>&1; done; ctl -l big import "$DATA/history-all-eras.json" >/dev/null 2>&1 ) &
	writer=$! &&
	ctl -l big backup bak >out &&
	wait $writer || true &&
	grep -q "^backup of [0-9]* records written to bak/data.mdb$" out &&
	ctl -l bak verify >out && grep -q "records checked, 0 bad$" out &&
	test_expect_code 73 ctl -l big backup bak 2>err &&
	grep -q "will not overwrite" err
'

if command -v rclone >/dev/null && [ -e /dev/fuse ] && command -v fusermount3 >/dev/null; then
test_expect_success 'a ledger on a network (FUSE) file system is refused, 78' '
	mkdir -p fsrc fmnt &&
	rclone mount fsrc fmnt --daemon --config /dev/null 2>/dev/null &&
	test_at_exit "fusermount3 -u $T/fmnt; test_wait_for 5 test_not_mounted $T/fmnt" &&
	test_wait_for 10 grep -q " $T/fmnt .* fuse.rclone " /proc/self/mountinfo &&
	test_expect_code 78 ctl -l fmnt/L import "$DATA/history-all-eras.json" 2>err &&
	grep -q "fmnt/L: the ledger is on a network file system (fuse)" err &&
	test ! -e fsrc/L
'
else
test_skip 'a ledger on a network (FUSE) file system is refused' 'no rclone/fuse'
fi

test_done
