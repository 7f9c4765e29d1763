#!/usr/bin/env bash
# t1200 - the ledger in PostgreSQL (LedgerURL), on a private PostgreSQL 15
# server this script starts (tests/lib/pg.sh, unix socket only):
# test_ledger_pg against it; edefterctl init, import, copy both ways,
# list, show, dump, forget, verify, stats, backup; the milter's miltertest
# cases (tests/lua) with the ledger in PostgreSQL; then two private
# Postfix instances, each with its own edefter-milter, on one ledger:
# 50 concurrent sends of 10 keys split across both (10 delivered), and
# PostgreSQL stopped in the middle of a burst (4xx, nothing delivered
# unchecked; once it is back every message is delivered exactly once).
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/lib/milter.sh"
. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/sink.sh"
. "$TOP/tests/lib/share.sh"

DATA=$TOP/tests/t/data
PY=/usr/bin/python3
SMTPSEND=$TOP/tests/lib/smtpsend.py
FROM=ofis@ofis.example
PGD=$T/pg

if ! pg_available; then
	test_skip 'the ledger in PostgreSQL' "$PG_WHY"
	test_done
fi
if [ ! -x "$EDEFTERCTL" ] || [ ! -x "$BUILD/edefter-milter" ]; then
	test_skip 'the ledger in PostgreSQL' "$BUILD is not built"
	test_done
fi

# url DB - the ledger URL of database DB on the private server
url() {
	pg_url "$PGD" "$1"
}

# ctl DB ARGS - edefterctl on database DB
ctl() {
	local db=$1
	shift
	"$EDEFTERCTL" -l "$(url "$db")" "$@"
}

# newdb DB - a database with the ledger's schema
newdb() {
	pg_createdb "$PGD" "$1" && ctl "$1" init >/dev/null
}

# records DB - how many records the ledger in DB holds
records() {
	ctl "$1" list | sed -n 's/^\([0-9][0-9]*\) records\{0,1\}$/\1/p'
}

# ---- the server ----------------------------------------------------------

test_expect_success 'setup: a private PostgreSQL 15, unix socket only' '
	pg_setup "$PGD" &&
	test_at_exit "pg_stop $PGD" &&
	pg_start "$PGD" &&
	pid=$(pg_pid "$PGD") &&
	test -S "$PGD/.s.PGSQL.5432" &&
	! ss -Hltnp 2>/dev/null | grep -q "pid=$pid," &&
	test "$(pg_psql "$PGD" postgres "SHOW server_version_num" | cut -c1-2)" = 15 &&
	pg_createdb "$PGD" unit
'

test_expect_success 'test_ledger_pg against it' '
	test -x "$BUILD/tests/test_ledger_pg" &&
	EDEFTER_TEST_PGURL=$(url unit) "$BUILD/tests/test_ledger_pg" >unit.out 2>&1 ||
	    { cat unit.out; exit 1; }
	sed "s/^/# /" unit.out | grep -v "^# ok " || :
	! grep -q "^not ok" unit.out &&
	n=$(grep -c "^ok " unit.out) &&
	grep -q "^1\.\.$n\$" unit.out &&
	test "$n" -gt 50 &&
	echo "test_ledger_pg: $n passed"
'

# ---- edefterctl ------------------------------------------------------------

test_expect_success 'edefterctl init: creates the schema, then changes nothing' '
	pg_createdb "$PGD" ctl &&
	test_expect_code 66 ctl ctl list 2>err &&
	grep -q "no edefter ledger in this database (run edefterctl init)" err &&
	ctl ctl init >out &&
	grep -qx "ledger postgresql:///ctl?host=$PGD&user=postgres ready (postgresql, schema 1), 0 records" out &&
	ctl ctl init >out2 && test_cmp out out2 &&
	test "$(pg_psql "$PGD" ctl "SELECT value FROM edefter_meta WHERE name = '"'"'schema'"'"'")" = 1 &&
	pg_psql "$PGD" ctl "\\d edefter_records" >cols &&
	grep -q "^key|text|C|not null|" cols &&
	grep -q "^sent_ms|bigint|" cols
'

test_expect_success 'a server that is not there: 69; a bad URL: 65, no password shown' '
	test_expect_code 69 "$EDEFTERCTL" -l "postgresql:///x?host=$T/nowhere" list 2>err &&
	grep -q "nowhere.*failed" err &&
	test_expect_code 65 "$EDEFTERCTL" -l "postgresql://u:s3cret@[::1/x" list 2>err &&
	grep -q "not a PostgreSQL URL" err &&
	! grep -q s3cret err
'

test_expect_success 'import into PostgreSQL: the same records as into LMDB' '
	test_expect_code 65 ctl ctl import "$DATA/history-all-eras.json" >out 2>err &&
	grep -q "^7 imported, 1 already present (1 moved to an earlier date), 1 skipped, 6 rejected$" out &&
	ctl ctl dump --format json >dump &&
	test_cmp "$DATA/history-all-eras.dump" dump &&
	ctl ctl import "$DATA/history-all-eras.json" >out 2>/dev/null ||
	grep -q "^0 imported, 8 already present" out
'

test_expect_success 'list, show, dump csv, stats, verify on PostgreSQL' '
	"$EDEFTERCTL" -l lm import "$DATA/history-all-eras.json" >/dev/null 2>&1 || :
	"$EDEFTERCTL" -l lm list >want &&
	ctl ctl list >got && test_cmp want got &&
	"$EDEFTERCTL" -l lm list --company 1234567890 >want &&
	ctl ctl list --company 1234567890 >got && test_cmp want got &&
	key=$(sed -n "2s/^\([0-9]*\)  *\([0-9-]*\)  *\([^ ]*\) .*/\1\/\2\/\3/p" got) &&
	test -n "$key" &&
	"$EDEFTERCTL" -l lm show "$key" >want &&
	ctl ctl show "$key" >got && test_cmp want got &&
	"$EDEFTERCTL" -l lm dump --format csv >want.csv &&
	ctl ctl dump --format csv >got.csv && test_cmp want.csv got.csv &&
	ctl ctl stats >st &&
	grep -q "^backend     postgresql (server 15\." st &&
	grep -q "^schema      1$" st &&
	grep -q "^records     7$" st &&
	ctl ctl verify >v && grep -qx "7 records checked, 0 bad" v
'

test_expect_success 'verify finds a row changed behind its key (65)' '
	pg_createdb "$PGD" bad && ctl bad init >/dev/null &&
	ctl bad import "$DATA/history-all-eras.json" >/dev/null 2>&1 || :
	k=$(pg_psql "$PGD" bad "SELECT key FROM edefter_records ORDER BY key LIMIT 1") &&
	pg_psql "$PGD" bad "UPDATE edefter_records SET year = 1999 WHERE key = '"'"'$k'"'"'" &&
	test_expect_code 65 ctl bad verify >v 2>err &&
	grep -qx "7 records checked, 1 bad" v &&
	grep -q "^edefterctl: error: $k: bad period 1999" err
'

test_expect_success 'copy --to: LMDB into PostgreSQL and back, idempotent' '
	newdb cp &&
	# a key already in the target keeps its record
	printf "[{\"companyId\":\"1234567890\",\"year\":2019,\"month\":1,\"sentDate\":\"2024-01-01T00:00:00Z\",\"recipientEmail\":\"keep@x.example\"}]\n" >keep.json &&
	"$EDEFTERCTL" -l lm import keep.json >/dev/null &&
	sed "s/2024-01-01/2023-01-01/" keep.json >keep2.json &&
	ctl cp import keep2.json >/dev/null &&
	"$EDEFTERCTL" -l lm copy --to "$(url cp)" >out &&
	grep -qx "7 copied to postgresql:///cp?host=$PGD&user=postgres, 1 already there (kept as they are), 0 refused" out &&
	ctl cp show 1234567890/2019-01/keep@x.example >rec &&
	grep -q "^sent  *2023-01-01T00:00:00.000Z$" rec &&
	"$EDEFTERCTL" -l lm copy --to "$(url cp)" >out &&
	grep -q "^0 copied to .*, 8 already there" out &&
	ctl cp copy --to "$T/back" >out &&
	grep -qx "8 copied to $T/back, 0 already there (kept as they are), 0 refused" out &&
	ctl cp dump >a && "$EDEFTERCTL" -l "$T/back" dump >b && test_cmp a b &&
	ctl cp copy --to "$T/back" >out &&
	grep -q "^0 copied to $T/back, 8 already there" out &&
	test_expect_code 64 ctl cp copy --to "$(url cp)" 2>err &&
	test_expect_code 64 ctl cp copy 2>err
'

test_expect_success 'forget on PostgreSQL: a key, a whole period, stdin' '
	n0=$(records cp) &&
	ctl cp forget 1234567890/2019-01/KEEP@x.example >out &&
	grep -q "^forgot 1234567890/2019-01/keep@x.example (sent 2023-01-01T00:00:00.000Z)$" out &&
	test "$(records cp)" = $((n0 - 1)) &&
	test_expect_code 65 ctl cp forget 1234567890/2019-01/keep@x.example 2>err &&
	grep -q "no such record; nothing removed" err &&
	k=$(ctl cp dump | head -n 1 | sed "s/.*\"companyId\":\"\([0-9]*\)\".*\"period\":\"\([0-9-]*\)\".*/\1\/\2/") &&
	ctl cp forget "$k" >out &&
	test "$(grep -c "^forgot $k/" out)" -ge 1 &&
	ctl cp dump | sed "s/.*\"companyId\":\"\([0-9]*\)\",.*\"year\":\([0-9]*\),\"month\":\([0-9]*\),\"recipientEmail\":\"\([^\"]*\)\".*/\1 \2 \3 \4/" |
	    while read -r id y m r; do printf "%s/%04d-%02d/%s\n" "$id" "$y" "$m" "$r"; done >keys &&
	ctl cp forget - <keys >out &&
	test "$(records cp)" = 0
'

test_expect_success 'backup of a PostgreSQL ledger: an LMDB copy of one snapshot' '
	ctl ctl backup "$T/bk" >out &&
	grep -qx "backup of 7 records written to $T/bk/data.mdb" out &&
	"$EDEFTERCTL" -l "$T/bk" dump >a && ctl ctl dump >b && test_cmp a b &&
	test_expect_code 73 ctl ctl backup "$T/bk" 2>err &&
	grep -q "will not overwrite" err
'

test_expect_success 'edefterctl -c FILE: LedgerURL wins over LedgerPath' '
	printf "LedgerPath $T/unused\nLedgerURL %s\n" "$(url ctl)" >c.conf &&
	"$EDEFTERCTL" -c c.conf list >got &&
	ctl ctl list >want && test_cmp want got &&
	test ! -e "$T/unused"
'

test_expect_success 'edefter-scan status reads the ledger in PostgreSQL' '
	newdb scan &&
	scan_conf sc "LedgerURL $(url scan)" &&
	printf "vkn;name;emails\n1234567890;ABC Gida A.S.;muhasebe@abc.example, patron@abc.example\n" >sc.csv &&
	mkperiod sc.share/ABC/2025/10 1234567890 202510 &&
	mkperiod sc.share/ABC/2025/11 1234567890 202511 &&
	edefter-scan -c sc.conf status >table &&
	grep -q "^complete  *1234567890  *2025-10 " table &&
	grep -q "^complete  *1234567890  *2025-11 " table &&
	printf "[{\"companyId\":\"1234567890\",\"year\":2025,\"month\":10,\"sentDate\":\"2025-11-03T10:00:00Z\",\"recipientEmail\":\"muhasebe@abc.example, patron@abc.example\"},{\"companyId\":\"1234567890\",\"year\":2025,\"month\":11,\"sentDate\":\"2025-12-03T10:00:00Z\",\"recipientEmail\":\"muhasebe@abc.example\"}]\n" >sent.json &&
	ctl scan import sent.json &&
	edefter-scan -c sc.conf status >table &&
	grep -q "^sent  *1234567890  *2025-10 " table &&
	grep -q "^partial  *1234567890  *2025-11 " table &&
	test ! -e "$T/sc.ledger" &&
	sed -i "s|^LedgerURL .*|LedgerURL postgresql:///scan?host=$T/nowhere|" sc.conf &&
	test_expect_code 69 edefter-scan -c sc.conf status >/dev/null 2>err &&
	grep -q "nowhere" err
'

if [ -x "$BUILD/edefter-dsn" ]; then
test_expect_success 'edefter-dsn records a delivery report in PostgreSQL' '
	newdb dsn &&
	printf "[{\"companyId\":\"1234567890\",\"year\":2025,\"month\":10,\"sentDate\":\"2025-11-03T10:00:00Z\",\"recipientEmail\":\"muhasebe@abc.example, patron@abc.example\"}]\n" >dsn.json &&
	ctl dsn import dsn.json &&
	printf "LedgerURL %s\nBounceAddress bounce@ofis.example\n" "$(url dsn)" >dsn.conf &&
	printf "%s\r\n" "From: MAILER-DAEMON@mx.abc.example" "To: bounce+1234567890-202510@ofis.example" \
	    "Subject: Undelivered Mail" "MIME-Version: 1.0" \
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=B" "" \
	    "--B" "Content-Type: message/delivery-status" "" "Reporting-MTA: dns; mx.abc.example" "" \
	    "Final-Recipient: rfc822; muhasebe@abc.example" "Action: failed" "Status: 5.1.1" \
	    "Diagnostic-Code: smtp; 550 5.1.1 no such user" "" "--B--" >ndr.eml &&
	"$BUILD/edefter-dsn" -c dsn.conf "bounce+1234567890-202510@ofis.example" <ndr.eml &&
	ctl dsn show 1234567890/2025-10/muhasebe@abc.example >show &&
	grep -q "^delivery  *bounced$" show &&
	grep -q "^dsn status  *5.1.1$" show &&
	grep -q "^sent  *2025-11-03T10:00:00.000Z$" show &&
	ctl dsn show 1234567890/2025-10/patron@abc.example >show2 &&
	grep -q "^delivery  *queued$" show2 &&
	sed -i "s|^LedgerURL .*|LedgerURL postgresql:///dsn?host=$T/nowhere|" dsn.conf &&
	test_expect_code 75 "$BUILD/edefter-dsn" -c dsn.conf "bounce+1234567890-202510@ofis.example" <ndr.eml 2>err
'
else
test_skip 'edefter-dsn on PostgreSQL' "$BUILD/edefter-dsn is not built"
fi

# ---- the milter on PostgreSQL (miltertest) ------------------------------------

# pgmilter NAME [config lines] - a milter whose ledger is database NAME
pgmilter() {
	local name=$1
	shift
	newdb "$name" &&
	milter_conf "$name" "LedgerURL $(url "$name")" "$@" &&
	milter_start "$name"
}

if command -v miltertest >/dev/null; then
test_expect_success 'milter: first send recorded in PostgreSQL with its fields' '
	pgmilter m1 &&
	test_wait_for 10 grep -q "starting socket=local:$T/m1.sock ledger=postgresql:///m1?host=$PGD&user=postgres " m1.log &&
	miltertest_run m1 first-send &&
	milter_stop m1 &&
	ctl m1 show 1234567890/2025-10/firma@firma.example >rec &&
	grep -q "^message-id  *<first@ofis.example>$" rec &&
	grep -q "^queue id  *Q1FIRST$" rec &&
	grep -q "^source  *smtp$" rec &&
	grep -q "^client  *127.0.0.1$" rec &&
	grep -q "^company name  *Örnek A.Ş.$" rec &&
	grep -q "record id=1234567890 period=2025-10 rcpt=firma@firma.example msgid=<first@ofis.example> queue=Q1FIRST client=127.0.0.1 source=smtp" m1.log &&
	test ! -d "$T/m1.ledger"
'

test_expect_success 'milter: a key already sent is refused 550 5.7.1 with the first date' '
	newdb m2 &&
	echo "[{\"companyId\":\"1234567890\",\"year\":2025,\"month\":10,\"sentDate\":\"2025-11-03T10:00:00.000Z\",\"recipientEmail\":\"firma@firma.example\"}]" >old.json &&
	ctl m2 import old.json &&
	milter_conf m2 "LedgerURL $(url m2)" && milter_start m2 &&
	miltertest_run m2 duplicate &&
	milter_stop m2 &&
	grep -q "reject id=1234567890 period=2025-10 rcpt=firma@firma.example queue=Q2A client=127.0.0.1 reason=duplicate first=2025-11-03T10:00:00.000Z" m2.log &&
	grep -q "reject id=1234567890 period=2025-10 rcpt=new@firma.example queue=Q2C client=127.0.0.1 reason=duplicate first=20" m2.log &&
	test "$(records m2)" = 2
'

test_expect_success 'milter: two recipients, one duplicate: only that one removed' '
	pgmilter m3 && miltertest_run m3 partial-duplicate && milter_stop m3 &&
	ctl m3 list --period 2025-03 >out &&
	grep -q "^2 records$" out && grep -q "b@firma.example" out
'

test_expect_success 'milter: same Message-ID again is a retry, delivered' '
	pgmilter m4 && miltertest_run m4 retry && milter_stop m4 &&
	grep -q "retry id=10000000146 period=2025-12 rcpt=r@firma.example msgid=<same@ofis.example> queue=Q4B" m4.log &&
	ctl m4 show 10000000146/2025-12/r@firma.example >rec &&
	grep -q "^queue id  *Q4A$" rec
'

test_expect_success 'milter: untrusted client, ordinary mail, pickup, invalid values' '
	pgmilter m5 && miltertest_run m5 untrusted &&
	miltertest_run m5 ordinary && miltertest_run m5 pickup &&
	miltertest_run m5 invalid && milter_stop m5 &&
	grep -q "untrusted queue=Q5 client=192.0.2.7 reason=untrusted-client removed=3" m5.log &&
	test "$(records m5)" = 2 &&
	ctl m5 show 1234567890/2025-11/u@firma.example >rec &&
	grep -q "^sasl user  *ofis$" rec &&
	ctl m5 show 1234567808/2025-01/pk@firma.example >rec &&
	grep -q "^source  *pickup$" rec &&
	test "$(grep -c "reason=invalid" m5.log)" -ge 4
'

test_expect_success 'milter: unlabelled sends enforced from attachment names' '
	pgmilter m11 && miltertest_run m11 attachments && milter_stop m11 &&
	ctl m11 show 1234567890/2025-10/ek@firma.example >rec &&
	grep -q "^  GIB-1234567890-202510-KB-000000.zip$" rec &&
	test "$(records m11)" = 2
'

test_expect_success 'milter: two milters on one database: the second sees the first' '
	newdb shared &&
	milter_conf sa "LedgerURL $(url shared)" && milter_start sa &&
	milter_conf sb "LedgerURL $(url shared)" && milter_start sb &&
	miltertest_run sa first-send &&
	miltertest_run sb first-send &&
	miltertest_run sa partial-duplicate &&
	miltertest_run sb partial-duplicate &&
	milter_stop sa && milter_stop sb &&
	grep -q "record id=1234567890 period=2025-10 rcpt=firma@firma.example" sa.log &&
	grep -q "retry id=1234567890 period=2025-10 rcpt=firma@firma.example msgid=<first@ofis.example> queue=Q1FIRST" sb.log &&
	grep -q "retry id=4540536920 period=2025-03 rcpt=a@firma.example msgid=<p1@ofis.example> queue=Q3A" sb.log &&
	grep -q "reject id=4540536920 period=2025-03 rcpt=a@firma.example queue=Q3B .*reason=duplicate" sb.log &&
	! grep -q "^edefter-milter: record " sb.log &&
	test "$(records shared)" = 3
'

test_expect_success 'milter: PostgreSQL unreachable: starts, then 451 4.3.0, never accepts unchecked' '
	milter_conf m8 "LedgerURL postgresql:///m8?host=$T/nopg&user=postgres" &&
	milter_start m8 &&
	test_wait_for 10 grep -q "warning: postgresql:///m8?host=$T/nopg&user=postgres: cannot connect for now" m8.log &&
	miltertest_run m8 ledger-error &&
	milter_stop m8 &&
	grep -q "tempfail queue=Q8 client=127.0.0.1 id=1234567890 period=2025-09 reason=ledger-error error=\"PostgreSQL: connection to server on socket .*nopg" m8.log &&
	! grep -q accept-unchecked m8.log
'

test_expect_success 'milter: a database without the schema: refuses to start (78)' '
	pg_createdb "$PGD" m10 &&
	milter_conf m10 "LedgerURL $(url m10)" &&
	test_expect_code 78 "$BUILD/edefter-milter" -c m10.conf -f 2>err &&
	grep -q "no edefter ledger in this database (run edefterctl init)" err
'
else
test_skip 'the milter on PostgreSQL (miltertest)' 'miltertest is not installed'
fi

# ---- two MTAs, one ledger ------------------------------------------------------

why=
if [ "$(id -u)" -ne 0 ]; then
	why="private Postfix instances need root"
elif [ ! -x "$PY" ]; then
	why="$PY is missing"
else
	for c in postfix postconf postqueue postkick smtp-sink ss; do
		command -v "$c" >/dev/null 2>&1 || { why="$c is not installed"; break; }
	done
fi
if [ -n "$why" ]; then
	test_skip 'two Postfix instances on one PostgreSQL ledger' "$why"
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
PORT_A=${ports[0]} PORT_B=${ports[1]} SINK_PORT=${ports[2]}
PFA=$T/pfa PFB=$T/pfb SINK=$T/sink
test_at_exit "sink_stop '$SINK'"
test_at_exit "pf_stop '$PFA'"
test_at_exit "pf_stop '$PFB'"

# edmsg FILE MSGID COMPANY PERIOD TO - a labelled message
edmsg() {
	{
		printf 'From: Ofis <%s>\r\n' "$FROM"
		printf 'To: %s\r\n' "$5"
		printf 'Subject: e-Defter %s %s\r\n' "$3" "$4"
		printf 'Message-ID: <%s>\r\n' "$2"
		printf 'X-EDefter-Company: %s\r\n' "$3"
		printf 'X-EDefter-Period: %s\r\n' "$4"
		printf 'MIME-Version: 1.0\r\n'
		printf 'Content-Type: text/plain; charset=us-ascii\r\n'
		printf '\r\nYevmiye ve kebir beratlari ektedir.\r\n'
	} >"$1"
}

# settled - both Postfix instances have nothing queued
settled() {
	test_wait_for 60 pf_queue_empty "$PFA" &&
	test_wait_for 60 pf_queue_empty "$PFB"
}

# sink_ids - "FILE MSGID" of every message the sink holds
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

# c6_id K / c6_period K - company and period of key K (0-9)
c6_id() {
	local ids=(1234567890 4540536920 1234567808 10000000146)
	echo "${ids[$(($1 % 4))]}"
}
c6_period() {
	printf '2024-%02d\n' $(($1 + 1))
}

test_expect_success 'setup: smtp-sink, two Postfix instances, a milter each, one ledger' '
	newdb mta &&
	sink_start "$SINK" $SINK_PORT &&
	pf_setup "$PFA" $PORT_A $SINK_PORT &&
	pf_setup "$PFB" $PORT_B $SINK_PORT &&
	milter_conf ma "UserID postfix:postfix" "LedgerURL $(url mta)" &&
	milter_conf mb "UserID postfix:postfix" "LedgerURL $(url mta)" &&
	milter_start ma && milter_start mb &&
	test "$(stat -c %U ma.sock)" = postfix &&
	pf_milter "$PFA" "local:$T/ma.sock" &&
	pf_milter "$PFB" "local:$T/mb.sock" &&
	pf_start "$PFA" && pf_start "$PFB" &&
	test "$(sink_count "$SINK")" = 0 &&
	test "$(records mta)" = 0
'

test_expect_success 'two MTAs: 50 concurrent sends of the same 10 keys, 10 delivered' '
	: >jobs.a && : >jobs.b &&
	for k in 0 1 2 3 4 5 6 7 8 9; do
		for s in 1 2 3 4 5; do
			edmsg c6-$k-$s c6-$k-$s@t1200 $(c6_id $k) $(c6_period $k) c6-$k@firma.example &&
			if [ $(((k + s) % 2)) = 0 ]; then j=jobs.a; else j=jobs.b; fi &&
			echo "c6-$k-$s $FROM c6-$k@firma.example" >>$j || exit 1
		done
	done &&
	test "$(wc -l <jobs.a)" = 25 && test "$(wc -l <jobs.b)" = 25 &&
	{ "$PY" "$SMTPSEND" --parallel 25 $PORT_A <jobs.a >out.a & pa=$!; } &&
	{ "$PY" "$SMTPSEND" --parallel 25 $PORT_B <jobs.b >out.b & pb=$!; } &&
	wait $pa && wait $pb &&
	cat out.a out.b >out &&
	sed "s/^/A /" out.a && sed "s/^/B /" out.b &&
	test "$(wc -l <out)" = 50 &&
	test "$(grep -c " ok 250 2.0.0 Ok: queued as " out)" = 10 &&
	test "$(grep -c " SMTPDataError 550 5.7.1 e-Defter " out)" = 40 &&
	for k in 0 1 2 3 4 5 6 7 8 9; do
		test "$(grep -c "^c6-$k-[1-5] ok 250 " out)" = 1 &&
		winner=$(sed -n "s/^\(c6-$k-[1-5]\) ok 250 .*/\1/p" out) &&
		test "$(ctl mta show $(c6_id $k)/$(c6_period $k)/c6-$k@firma.example | sed -n "s/^message-id  *//p")" = "<$winner@t1200>" || exit 1
	done &&
	settled &&
	test "$(sink_count "$SINK")" = 10 &&
	sink_ids >ids &&
	for k in 0 1 2 3 4 5 6 7 8 9; do
		test "$(grep -c " c6-$k-[1-5]@t1200\$" ids)" = 1 || exit 1
	done &&
	test "$(records mta)" = 10 &&
	echo "winners at A: $(grep -c " ok 250 " out.a), at B: $(grep -c " ok 250 " out.b)"
'

# burst.py: one thread per job, each message retried on 4xx (the same
# file, the same Message-ID) until it is answered for good; the jobs not
# gated go four at a time, so that some are under way when PostgreSQL
# stops; gated jobs wait for the gate file before their first try.  One
# line per attempt: FILE try N CODE TEXT; at the end FILE final CODE.
cat >burst.py <<'EOF'
import smtplib, sys, threading, time, os
jobs = [l.split() for l in open(sys.argv[1]) if l.strip()]
gate = sys.argv[2]
lock = threading.Lock()
out = open(sys.argv[3], "a", buffering=1)
finals = {}

def say(line):
    with lock:
        out.write(line + "\n")

four = threading.Semaphore(4)

def run(path, rcpt, port, gated):
    if gated == "1":
        while not os.path.exists(gate):
            time.sleep(0.01)
        send(path, rcpt, port)
    else:
        with four:
            send(path, rcpt, port)

def send(path, rcpt, port):
    msg = open(path, "rb").read()
    deadline = time.time() + 120
    n = 0
    while True:
        n += 1
        try:
            with smtplib.SMTP("127.0.0.1", int(port), timeout=30) as s:
                s.sendmail("ofis@ofis.example", [rcpt], msg)
            code, text = 250, "ok"
        except smtplib.SMTPResponseException as e:
            code, text = e.smtp_code, e.smtp_error
        except (OSError, smtplib.SMTPException) as e:
            code, text = 0, str(e)
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        say("%s try %d %d %s" % (path, n, code, " ".join(str(text).split())))
        if (code == 0 or 400 <= code < 500) and time.time() < deadline:
            time.sleep(0.2)     # the client's retry interval
            continue
        finals[path] = code
        say("%s final %d" % (path, code))
        return

threads = [threading.Thread(target=run, args=j) for j in jobs]
for t in threads:
    t.start()
for t in threads:
    t.join()
sys.exit(0 if all(c == 250 for c in finals.values()) and
         len(finals) == len(jobs) else 1)
EOF

# finals CODE - how many burst messages ended with CODE
finals() {
	grep -c " final $1\$" burst.out 2>/dev/null || true
}

# tempfailed N - at least N gated messages were answered 4xx
tempfailed() {
	test "$(grep " try [0-9]* 4[0-9][0-9] " burst.out | grep "^b-[0-9]*-g " |
	    cut -d" " -f1 | sort -u | wc -l)" -ge "$1"
}

test_expect_success 'PostgreSQL stopped in a burst: 4xx, nothing unchecked; back: each once' '
	: >burst.jobs &&
	for i in $(seq 1 40); do
		g=$([ $i -le 20 ] && echo n || echo g) &&
		f=b-$i-$g &&
		edmsg $f $f@t1200 4540536920 $(printf "2023-%02d" $((1 + i % 12))) b$i@firma.example &&
		echo "$f b$i@firma.example $([ $((i % 2)) = 0 ] && echo $PORT_A || echo $PORT_B) $([ $g = g ] && echo 1 || echo 0)" >>burst.jobs || exit 1
	done &&
	n0=$(sink_count "$SINK") && r0=$(records mta) &&
	: >burst.out &&
	{ "$PY" burst.py burst.jobs "$T/gate" "$T/burst.out" & bp=$!; } &&
	test_at_exit "kill $bp" &&
	test_wait_for 60 eval "test \$(finals 250) -ge 5" &&
	pg_stop "$PGD" &&
	touch gate &&
	test_wait_for 60 tempfailed 20 &&
	# while it is down: nothing new reaches the sink unrecorded
	settled &&
	down=$(sink_count "$SINK") &&
	test "$((down - n0))" = "$(grep -c " try [0-9]* 250 " burst.out)" &&
	pg_start "$PGD" &&
	test_wait_for 120 eval "! kill -0 $bp 2>/dev/null" &&
	wait $bp &&
	test "$(finals 250)" = 40 &&
	grep " try [0-9]* 4[0-9][0-9] " burst.out >tf &&
	grep -q " 451 4.3.0 e-Defter ledger unavailable, try again later" tf &&
	echo "$(wc -l <tf) tempfailed tries of $(cut -d" " -f1 tf | sort -u | wc -l) messages ($(grep -c "^b-[0-9]*-n " tf) of those not held back)" &&
	! grep -v " try [0-9]* \(250\|4[0-9][0-9]\) \| final 250" burst.out &&
	settled &&
	test "$(sink_count "$SINK")" = $((n0 + 40)) &&
	sink_ids >ids &&
	for i in $(seq 1 40); do
		test "$(grep -c " b-$i-[ng]@t1200\$" ids)" = 1 || { echo "b-$i: $(grep -c " b-$i-[ng]@t1200\$" ids) copies"; exit 1; }
	done &&
	test "$(records mta)" = $((r0 + 40)) &&
	for f in $(sink_files "$SINK"); do
		grep -q "^X-EDefter-Ledger: " "$f" || { echo "$f: not recorded"; exit 1; }
	done &&
	! grep -q accept-unchecked ma.log mb.log &&
	grep -q "reason=ledger-error" ma.log &&
	grep -q "reason=ledger-error" mb.log
'

test_expect_success 'both milters stop cleanly; the ledger verifies' '
	pa=$(milter_pid ma) && pb=$(milter_pid mb) &&
	kill -TERM $pa $pb &&
	test_wait_for 15 milter_gone $pa &&
	test_wait_for 15 milter_gone $pb &&
	tail -n 1 ma.log | grep -q "stopping$" &&
	tail -n 1 mb.log | grep -q "stopping$" &&
	ctl mta verify >v && grep -qx "50 records checked, 0 bad" v
'

test_done
