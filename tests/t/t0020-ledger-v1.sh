#!/usr/bin/env bash
# t0020 - a ledger written before delivery reports (record version 1, made
# by the previous release's edefterctl import of tests/t/data/
# history-all-eras.json) keeps working: verify, list and dump read it,
# the dump is the same as a new ledger's, a delivery report turns one of
# its records into version 2, and verify passes on the mix.
. "$(dirname "$0")/../lib/test-lib.sh"

CTL=$BUILD/edefterctl
DSN=$BUILD/edefter-dsn
DATA=$TOP/tests/t/data

test_expect_success 'a version 1 ledger: verify, stats, list' '
	mkdir v1 && cp "$DATA/ledger-v1/data.mdb" v1/ &&
	"$CTL" -l v1 verify >verify.out &&
	cat verify.out &&
	"$CTL" -l v1 list >list &&
	cat list &&
	grep -q "^7 records$" list &&
	test "$(grep -c " queued " list)" = 7
'

test_expect_success 'its dump is the dump of the same history imported now' '
	"$CTL" -l v1 dump --format json >dump &&
	test_cmp "$DATA/history-all-eras.dump" dump
'

test_expect_success 'a delivery report turns one record into version 2; verify on the mix' '
	printf "LedgerPath %s/v1\nBounceAddress bounce@ofis.example\n" "$PWD" >dsn.conf &&
	printf "%s\r\n" "From: MAILER-DAEMON@mx.abc.example" "To: bounce+1234567890-202510@ofis.example" \
	    "Subject: Undelivered Mail" "MIME-Version: 1.0" \
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=B" "" \
	    "--B" "Content-Type: message/delivery-status" "" "Reporting-MTA: dns; mx.abc.example" "" \
	    "Final-Recipient: rfc822; muhasebe@abc.example" "Action: failed" "Status: 5.1.1" \
	    "Diagnostic-Code: smtp; 550 5.1.1 no such user" "" "--B--" >ndr.eml &&
	"$DSN" -c dsn.conf "bounce+1234567890-202510@ofis.example" <ndr.eml 2>dsn.err &&
	cat dsn.err &&
	"$CTL" -l v1 show 1234567890/2025-10/muhasebe@abc.example >show &&
	cat show &&
	grep -q "^delivery  *bounced$" show &&
	grep -q "^dsn status  *5.1.1$" show &&
	grep -q "^sent  *2026-01-15T07:00:00.000Z$" show &&
	"$CTL" -l v1 verify &&
	"$CTL" -l v1 dump --format json >dump2 &&
	diff dump dump2 | grep -c "^[<>]" >n && test "$(cat n)" = 2
'

test_done
