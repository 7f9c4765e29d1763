#!/usr/bin/env bash
# t1000 - edefter-milter driven by miltertest, one Lua script per case.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/milter.sh"

if ! command -v miltertest >/dev/null; then
	test_skip 'miltertest cases' 'miltertest is not installed'
	test_done
fi

test_expect_success 'check mode and bad configuration' '
	milter_conf chk "InspectAttachments no" &&
	edefter-milter -c "$T/chk.conf" -n >out &&
	grep -q "^InspectAttachments  *no" out &&
	printf "Socket nowhere\n" >bad.conf &&
	test_expect_code 78 edefter-milter -c bad.conf -n 2>err &&
	grep -q "bad.conf:1: key .Socket." err &&
	test_expect_code 64 edefter-milter -x 2>err
'

test_expect_success 'first send is recorded with its fields' '
	milter_conf m1 &&
	milter_start m1 &&
	miltertest_run m1 first-send &&
	milter_stop m1 &&
	edefterctl -l m1.ledger show 1234567890/2025-10/firma@firma.example >rec &&
	grep -q "^message-id  *<first@ofis.example>$" rec &&
	grep -q "^queue id  *Q1FIRST$" rec &&
	grep -q "^source  *smtp$" rec &&
	grep -q "^client  *127.0.0.1$" rec &&
	grep -q "^company name  *Örnek A.Ş.$" rec &&
	grep -q "record id=1234567890 period=2025-10 rcpt=firma@firma.example msgid=<first@ofis.example> queue=Q1FIRST client=127.0.0.1 source=smtp" m1.log &&
	test ! -e m1.sock
'

test_expect_success 'a key already sent is refused 550 5.7.1 with the first date' '
	milter_conf m2 &&
	echo "[{\"companyId\":\"1234567890\",\"year\":2025,\"month\":10,\"sentDate\":\"2025-11-03T10:00:00.000Z\",\"recipientEmail\":\"firma@firma.example\"}]" >old.json &&
	edefterctl -l m2.ledger import old.json &&
	milter_start m2 &&
	miltertest_run m2 duplicate &&
	milter_stop m2 &&
	grep -q "reject id=1234567890 period=2025-10 rcpt=firma@firma.example queue=Q2A client=127.0.0.1 reason=duplicate first=2025-11-03T10:00:00.000Z" m2.log &&
	grep -q "reject id=1234567890 period=2025-10 rcpt=new@firma.example queue=Q2C client=127.0.0.1 reason=duplicate first=20" m2.log &&
	edefterctl -l m2.ledger list >out && grep -q "^2 records$" out
'

test_expect_success 'two recipients, one duplicate: only that one removed' '
	milter_conf m3 &&
	milter_start m3 &&
	miltertest_run m3 partial-duplicate &&
	milter_stop m3 &&
	edefterctl -l m3.ledger list --period 2025-03 >out &&
	grep -q "^2 records$" out &&
	grep -q "b@firma.example" out
'

test_expect_success 'same Message-ID again is a retry, delivered' '
	milter_conf m4 &&
	milter_start m4 &&
	miltertest_run m4 retry &&
	milter_stop m4 &&
	grep -q "retry id=10000000146 period=2025-12 rcpt=r@firma.example msgid=<same@ofis.example> queue=Q4B" m4.log &&
	edefterctl -l m4.ledger show 10000000146/2025-12/r@firma.example >rec &&
	grep -q "^queue id  *Q4A$" rec
'

test_expect_success 'untrusted client: headers removed, nothing recorded' '
	milter_conf m5 &&
	milter_start m5 &&
	miltertest_run m5 untrusted &&
	milter_stop m5 &&
	grep -q "untrusted queue=Q5 client=192.0.2.7 reason=untrusted-client removed=3" m5.log &&
	edefterctl -l m5.ledger list >out &&
	grep -q "^1 record$" out &&
	edefterctl -l m5.ledger show 1234567890/2025-11/u@firma.example >rec &&
	grep -q "^sasl user  *ofis$" rec &&
	grep -q "^message-id  *<u2@ofis.example>$" rec
'

test_expect_success 'ordinary mail is left alone' '
	milter_conf m6 &&
	milter_start m6 &&
	miltertest_run m6 ordinary &&
	milter_stop m6 &&
	edefterctl -l m6.ledger list >out && grep -q "^0 records$" out
'

test_expect_success 'unlabelled sends are enforced from attachment names' '
	milter_conf m11 &&
	milter_start m11 &&
	miltertest_run m11 attachments &&
	milter_stop m11 &&
	edefterctl -l m11.ledger show 1234567890/2025-10/ek@firma.example >rec &&
	grep -q "^  GIB-1234567890-202510-KB-000000.zip$" rec &&
	grep -q "^  GIB-1234567890-202510-YB-000000.zip$" rec &&
	edefterctl -l m11.ledger show 4540536920/2025-03/ek@firma.example >rec &&
	grep -q "^  GIB-4540536920-202503-KB-000000.zip$" rec &&
	edefterctl -l m11.ledger list >out && grep -q "^2 records$" out
'

test_expect_success 'InspectAttachments no: unlabelled mail is not looked into' '
	milter_conf m12 "InspectAttachments no" &&
	milter_start m12 &&
	test_must_fail miltertest_run m12 attachments 2>err &&
	grep -q "FAILED: a multipart goes on to the body" err &&
	milter_stop m12 &&
	edefterctl -l m12.ledger list >out && grep -q "^0 records$" out
'

test_expect_success 'invalid header values: 550 5.6.0 naming the value' '
	milter_conf m7 &&
	milter_start m7 &&
	miltertest_run m7 invalid &&
	milter_stop m7 &&
	grep -q "reject queue=Q71 client=127.0.0.1 reason=invalid detail=\"X-EDefter-Company .9876543210. is not a valid VKN or TCKN\"" m7.log &&
	grep -q "detail=\"X-EDefter-Period .2025-13. is not a month YYYY-MM\"" m7.log &&
	grep -q "detail=\"X-EDefter-Company .1234567890??Bcc: x@y. is not a valid VKN or TCKN\"" m7.log &&
	grep -q "detail=\"X-EDefter-Period is missing" m7.log &&
	edefterctl -l m7.ledger list >out && grep -q "^0 records$" out
'

test_expect_success 'local pickup is trusted and recorded as pickup' '
	milter_conf m9 &&
	milter_start m9 &&
	miltertest_run m9 pickup &&
	milter_stop m9 &&
	edefterctl -l m9.ledger show 1234567808/2025-01/pk@firma.example >rec &&
	grep -q "^source  *pickup$" rec
'

test_expect_success 'a full ledger map: 451 4.3.0, nothing accepted unchecked' '
	milter_conf m8 &&
	mkdir m8.ledger &&
	python3 -c "
import json
for n in range(200):
    json.dump([{\"companyId\": \"1234567890\", \"year\": 2020, \"month\": 1 + i % 12,
                \"sentDate\": \"2025-01-01T00:00:00Z\", \"recipientEmail\": \"f%d-%d@x.example\" % (n, i)}
               for i in range(n and 1 or 20)], open(\"fill%d.json\" % n, \"w\"))
" &&
	for n in $(seq 0 199); do
		EDEFTER_LEDGER_MAPSIZE=64K EDEFTER_LEDGER_MAXMAP=64K \
		    edefterctl -l m8.ledger import fill$n.json >/dev/null 2>&1 || break
	done &&
	test_must_fail env EDEFTER_LEDGER_MAXMAP=64K edefterctl -l m8.ledger import fill199.json >/dev/null 2>err &&
	grep -q "MDB_MAP_FULL" err &&
	EDEFTER_LEDGER_MAXMAP=64K milter_start m8 &&
	miltertest_run m8 ledger-error &&
	milter_stop m8 &&
	grep -q "tempfail queue=Q8 client=127.0.0.1 id=1234567890 period=2025-09 reason=ledger-error error=\"MDB_MAP_FULL" m8.log &&
	edefterctl -l m8.ledger verify
'

if [ "$(id -u)" = 0 ]; then
test_expect_success 'a ledger on a full disk: 451 4.3.0' '
	mkdir small &&
	mount -t tmpfs -o size=160k tmpfs small &&
	test_at_exit "umount $T/small" &&
	milter_conf m10 &&
	sed -i "s|^LedgerPath .*|LedgerPath $T/small/ledger|" m10.conf &&
	EDEFTER_LEDGER_MAPSIZE=64K milter_start m10 &&
	{ dd if=/dev/zero of=small/filler bs=4k count=1000 2>/dev/null || :; } &&
	test "$(df --output=avail small | tail -n 1 | tr -d " ")" = 0 &&
	miltertest_run m10 ledger-error &&
	milter_stop m10 &&
	grep -q "tempfail queue=Q8 .* reason=ledger-error error=\"No space left on device\"" m10.log
'
else
test_skip 'a ledger on a full disk' 'needs root for a tmpfs'
fi

test_done
