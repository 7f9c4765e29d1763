#!/usr/bin/env bash
# t0010 - edefterctl dump --format csv|xlsx and -o: CSV as Turkish Excel
# opens it, a workbook read back with openpyxl, files that appear whole.
. "$(dirname "$0")/../lib/test-lib.sh"
ctl() { "$EDEFTERCTL" "$@"; }
PY=/usr/bin/python3
HEADER="companyId;companyName;year;month;period;recipientEmail;sentDate;uniqueHash;status;fileCount;fileList;messageId;queueId;source;client;saslUser;delivery;deliveryDate;deliveryStatus;deliveryDiagnostic"

test_expect_success 'a ledger with Turkish names, one holding ; and "' '
	cat >hist.json <<-\EOF &&
	[
	 {"companyId": "1234567890", "companyName": "Çağlar Gıda Ltd. Şti.",
	  "year": 2025, "month": 10, "sentDate": "2026-01-15T07:00:00.000Z",
	  "recipientEmail": "muhasebe@caglar.example",
	  "fileList": ["GIB-1234567890-202510-KB-000000.zip",
	               "GIB-1234567890-202510-YB-000000.zip"]},
	 {"companyId": "1234567890", "companyName": "Çağlar Gıda Ltd. Şti.",
	  "year": 2025, "month": 11, "sentDate": "2026-02-10T12:34:56.789Z",
	  "recipientEmail": "mali.musavir@caglar.example"},
	 {"companyId": "4540536920", "companyName": "Öz; \"İnşaat\" A.Ş.",
	  "year": 2025, "month": 3, "sentDate": "2025-05-01T08:00:00.000Z",
	  "recipientEmail": "ali@oz.example"},
	 {"companyId": "10000000146", "companyName": "Ayşe Yılmaz",
	  "year": 2025, "month": 12, "sentDate": "2026-01-20T10:00:00.000Z",
	  "recipientEmail": "ayse@yilmaz.example"}
	]
	EOF
	ctl -l L import hist.json >out &&
	grep -q "^4 imported" out &&
	ctl -l L dump >dump.json &&
	test $(wc -l <dump.json) = 4
'

test_expect_success 'dump --format csv: BOM, ";", CRLF, Turkish text intact' '
	ctl -l L dump --format csv >csv &&
	test "$(head -c 3 csv | od -An -tx1 | tr -d " \n")" = efbbbf &&
	test "$(head -n 1 csv)" = "$(printf "\357\273\277%s\r" "$HEADER")" &&
	test $(wc -l <csv) = 5 &&
	test $(grep -c "$(printf "\r")\$" csv) = 5 &&
	grep -q "^1234567890;Çağlar Gıda Ltd. Şti.;2025;10;2025-10;muhasebe@caglar.example;2026-01-15T07:00:00.000Z;1234567890_2025_10_muhasebe@caglar.example;complete;2;GIB-1234567890-202510-KB-000000.zip|GIB-1234567890-202510-YB-000000.zip;;;import;;" csv &&
	grep -qF "4540536920;\"Öz; \"\"İnşaat\"\" A.Ş.\";2025;3;" csv
'

test_expect_success 'the csv holds what the JSON dump holds, column for column' '
	$PY - <<-\PY
	import csv, json
	recs = [json.loads(l) for l in open("dump.json", encoding="utf-8")]
	with open("csv", encoding="utf-8-sig", newline="") as f:
	    rows = list(csv.DictReader(f, delimiter=";"))
	assert len(rows) == len(recs) == 4, (len(rows), len(recs))
	for r, j in zip(rows, recs):
	    for k, v in r.items():
	        want = j[k]
	        if k == "fileList":
	            want = "|".join(want)
	        assert v == str(want), (k, v, want)
	assert "Öz; \"İnşaat\" A.Ş." in [r["companyName"] for r in rows]
	PY
'

test_expect_success 'dump --format xlsx -o FILE: a workbook openpyxl reads back' '
	ctl -l L dump --format xlsx -o d.xlsx &&
	test "$(head -c 2 d.xlsx)" = PK &&
	$PY - "$HEADER" <<-\PY
	import datetime, json, sys
	import openpyxl
	header = sys.argv[1].split(";")
	recs = [json.loads(l) for l in open("dump.json", encoding="utf-8")]
	wb = openpyxl.load_workbook("d.xlsx")
	assert wb.sheetnames == ["ledger"], wb.sheetnames
	ws = wb["ledger"]
	rows = list(ws.iter_rows(values_only=True))
	assert list(rows[0]) == header, rows[0]
	assert len(rows) - 1 == len(recs) == 4, len(rows)
	assert all(c.font.b for c in ws[1]), "header not bold"
	assert ws.freeze_panes == "A2", ws.freeze_panes
	assert ws.auto_filter.ref == "A1:T5", ws.auto_filter.ref
	col = {name: i for i, name in enumerate(header)}
	for row, j in zip(rows[1:], recs):
	    assert row[col["companyId"]] == j["companyId"], row
	    assert isinstance(row[col["year"]], int) and row[col["year"]] == j["year"]
	    assert isinstance(row[col["month"]], int) and row[col["month"]] == j["month"]
	    assert isinstance(row[col["fileCount"]], int)
	    assert row[col["fileCount"]] == j["fileCount"]
	    assert row[col["period"]] == j["period"]
	    assert row[col["recipientEmail"]] == j["recipientEmail"]
	    assert row[col["source"]] == "import"
	    sent = datetime.datetime.strptime(j["sentDate"], "%Y-%m-%dT%H:%M:%S.%fZ")
	    assert row[col["sentDate"]] == sent, (row[col["sentDate"]], sent)
	names = [r[col["companyName"]] for r in rows[1:]]
	assert "Çağlar Gıda Ltd. Şti." in names, names
	assert "Öz; \"İnşaat\" A.Ş." in names, names
	assert "Ayşe Yılmaz" in names, names
	c = ws.cell(row=2, column=col["sentDate"] + 1)
	assert c.is_date and "UTC" in c.number_format, c.number_format
	assert ws.cell(row=2, column=col["year"] + 1).data_type == "n"
	for letter in ("A", "B", "F", "K"):
	    assert ws.column_dimensions[letter].width >= 10, letter
	PY
'

test_expect_success 'an empty ledger: the header row alone' '
	ctl -l E import hist.json >/dev/null &&
	ctl -l E forget 1234567890/2025-10 1234567890/2025-11 4540536920/2025-03 \
	    10000000146/2025-12 >/dev/null &&
	ctl -l E dump --format csv >ecsv &&
	test "$(cat ecsv)" = "$(printf "\357\273\277%s\r" "$HEADER")" &&
	ctl -l E dump --format xlsx -o e.xlsx &&
	$PY -c "import openpyxl; ws = openpyxl.load_workbook(\"e.xlsx\")[\"ledger\"]; assert ws.max_row == 1, ws.max_row"
'

test_expect_success 'xlsx to standard output is a usage error, 64' '
	test_expect_code 64 ctl -l L dump --format xlsx >out 2>err &&
	test ! -s out &&
	grep -q "format xlsx needs -o FILE" err &&
	test_expect_code 64 ctl -l L dump --format xlsx -o - >out 2>err &&
	test ! -s out
'

test_expect_success 'bad options are usage errors, 64' '
	test_expect_code 64 ctl -l L dump --format yaml 2>err &&
	grep -q "expected json, csv or xlsx" err &&
	test_expect_code 64 ctl -l L dump --format 2>err &&
	test_expect_code 64 ctl -l L dump -o "" 2>err &&
	grep -q "empty file name" err &&
	test_expect_code 64 ctl -l L dump --format csv extra 2>err &&
	grep -q "usage: edefterctl dump" err &&
	ctl -h >out && grep -q "dump \[--format json|csv|xlsx\] \[-o FILE\]" out
'

test_expect_success '-o into a missing directory: 74, nothing left' '
	for f in xlsx csv json; do
		test_expect_code 74 ctl -l L dump --format $f -o nodir/d.$f 2>err &&
		grep -q "nodir/d.$f: .*No such file or directory" err &&
		test ! -e nodir || exit 1
	done
'

test_expect_success '-o writes json and csv as standard output would' '
	ctl -l L dump -o d.json &&
	test_cmp dump.json d.json &&
	ctl -l L dump --format csv --output d.csv &&
	cmp csv d.csv &&
	ctl -l L dump -o - --format json >d2.json &&
	test_cmp dump.json d2.json &&
	test -z "$(ls -A | grep "^\.d\.")"
'

test_expect_success 'an existing file is replaced whole, or left as it was' '
	echo old >keep.csv &&
	test_expect_code 66 ctl -l nothere dump --format csv -o keep.csv 2>err &&
	test "$(cat keep.csv)" = old &&
	ctl -l L dump --format csv -o keep.csv &&
	cmp csv keep.csv &&
	echo old >keep.xlsx &&
	ctl -l L dump --format xlsx -o keep.xlsx &&
	test "$(head -c 2 keep.xlsx)" = PK &&
	test -z "$(ls -A | grep "^\.keep\.")"
'

test_expect_success 'a full standard output is an I/O error, 74, said once' '
	test_expect_code 74 ctl -l L dump --format csv >/dev/full 2>err &&
	grep -q "standard output: write error: No space left on device" err &&
	test $(wc -l <err) = 1 &&
	test_expect_code 74 ctl -l L dump >/dev/full 2>err &&
	grep -q "standard output: write error" err
'

test_done
