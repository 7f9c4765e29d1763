#!/usr/bin/env bash
# t3000 - edefter end to end on real parts: a private Postfix on loopback
# with edefter-milter (the send-once point), relaying to an smtp-sink
# capture; a private smbd serving the share, mounted through FUSE
# (rclone, fuse.rclone); edefter-scan against the mount; edefterctl on the
# milter's ledger.  One scenario per test: the first sends, a recipient
# added later and a forgotten key, an imported history, manual resends,
# and faults (the milter killed in a burst, the scanner killed at random,
# the share gone, a half-copied zip, two scanners at once).
#
# Files are written on the server side ($SHARE); the scanner sees them
# through the mount ($MNT).  Each scenario uses companies and periods of
# its own, so the share grows through the script and every run sees the
# earlier scenarios' periods as sent.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/sink.sh"
. "$TOP/tests/lib/milter.sh"
. "$TOP/tests/lib/samba.sh"
. "$TOP/tests/lib/share.sh"

PY=/usr/bin/python3
E2ESINK=$TOP/tests/lib/e2esink.py
SMTPSEND=$TOP/tests/lib/smtpsend.py

# ---- can this run here? ----------------------------------------------------

why=
if [ "$(id -u)" -ne 0 ]; then
	why="a private Postfix and smbd need root"
elif [ ! -x "$PY" ]; then
	why="$PY is missing"
elif [ ! -c /dev/fuse ]; then
	why="no /dev/fuse"
else
	for p in edefter-milter edefter-scan edefterctl; do
		[ -x "$BUILD/$p" ] || { why="$BUILD/$p is not built"; break; }
	done
	for c in postfix postconf postqueue postkick sendmail smtp-sink ss \
	    smbd testparm rclone fusermount3; do
		[ -n "$why" ] && break
		command -v "$c" >/dev/null 2>&1 || why="$c is not installed"
	done
fi
if [ -n "$why" ]; then
	test_skip 'edefter end to end' "$why"
	test_done
fi

# new_ports - five distinct free loopback ports, kept in $T/ports (test
# bodies run in subshells: the script reads the file back after setup)
new_ports() {
	local ports=() p
	while [ ${#ports[@]} -lt 5 ]; do
		p=$(test_free_port) || return 1
		case " ${ports[*]} " in
		*" $p "*) ;;
		*) ports+=("$p") ;;
		esac
	done
	PF_PORT=${ports[0]} SLOW_PORT=${ports[1]} SINK_PORT=${ports[2]}
	SMB_PORT=${ports[3]} SMB2_PORT=${ports[4]}
	echo "PF_PORT=$PF_PORT SLOW_PORT=$SLOW_PORT SINK_PORT=$SINK_PORT SMB_PORT=$SMB_PORT SMB2_PORT=$SMB2_PORT" >"$T/ports"
}
new_ports || { echo "Bail out! no free port"; exit 1; }
PF=$T/pf
SINK=$T/sink
SMB=$T/smb
SHARE=$T/share
MNT=$T/mnt
CSV=$T/companies.csv
CONF=$T/edefter.conf
STATE=$T/scan
LEDGER=$T/m.ledger
FROM=edefter@ofis.example

# Stops run in reverse order: the milters (registered by milter_start),
# the mount, smbd, Postfix, the sink.
test_at_exit "sink_stop '$SINK'"
test_at_exit "pf_stop '$PF'"
test_at_exit "smb_stop '$SMB'"
test_at_exit "smb_umount '$MNT'"

# ---- helpers -------------------------------------------------------------------

# scanconf FILE STATEDIR SUBMITPORT [SHAREROOT] - the scanner's configuration
scanconf() {
	cat >"$1" <<-EOF
	LedgerPath     $LEDGER
	ShareRoot      ${4:-$MNT}
	ShareType      fuse.rclone
	ShareSentinel  .edefter-share
	Companies      $CSV
	From           Mali Müşavirlik Bürosu <$FROM>
	Submit         smtp://127.0.0.1:$3
	SettleSeconds  0
	StateDir       $2
	EOF
}

scan() { "$BUILD/edefter-scan" -c "$CONF" "$@"; }
ctl() { "$EDEFTERCTL" -l "$LEDGER" "$@"; }

# settled - everything Postfix holds has reached the sink (or bounced)
settled() {
	pf_flush "$PF" >/dev/null 2>&1
	test_wait_for 30 pf_queue_empty "$PF"
}

# idx - FILE COMPANY PERIOD MSGID RCPT per captured message and recipient
idx() {
	"$PY" "$E2ESINK" index "$SINK"
}

# deliveries ID PERIOD RCPT - how many messages of that key reached the sink
deliveries() {
	idx | awk -v c="$1" -v p="$2" -v r="$(echo "$3" | tr A-Z a-z)" \
	    '$2 == c && $3 == p && $5 == r { n++ } END { print n + 0 }'
}

# to_rcpt ADDR - how many captured messages went to ADDR
to_rcpt() {
	idx | awk -v r="$1" '$5 == r { n++ } END { print n + 0 }'
}

# to_rcpt_is ADDR N - exactly N captured messages went to ADDR
to_rcpt_is() {
	test "$(to_rcpt "$1")" = "$2"
}

# msgs_of ID PERIOD - the capture files of that period, oldest first
msgs_of() {
	idx | awk -v c="$1" -v p="$2" '$2 == c && $3 == p && !seen[$1]++ { print $1 }'
}

# rcpts_of FILE - its envelope recipients, lowercased, sorted, one line
rcpts_of() {
	idx | awk -v f="$1" '$1 == f { print $5 }' | sort | tr '\n' ' ' | sed 's/ $//'
}

# same_files FILE DIR - the message carries every file of DIR (server side),
# byte for byte, and nothing else
same_files() {
	local f n=0
	"$PY" "$E2ESINK" files "$1" >"$T/.files" || return 1
	for f in "$2"/*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		grep -qxF "$(basename "$f") $(sha_of "$f")" "$T/.files" || {
			echo "not attached or not identical: $f" >&2
			cat "$T/.files" >&2
			return 1
		}
	done
	test "$(wc -l <"$T/.files")" = "$n" || {
		echo "$(wc -l <"$T/.files") attachments, $n files in $2" >&2
		return 1
	}
}

# field KEY NAME - one field of a ledger record
field() {
	ctl show "$1" | sed -n "s/^$2  *//p"
}

# state_of ID PERIOD [CONF] - the period's state as edefter-scan status sees it
state_of() {
	"$BUILD/edefter-scan" -c "${3:-$CONF}" status --format json 2>/dev/null |
	    "$PY" -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if o["id"] == sys.argv[1] and o["period"] == sys.argv[2]:
        print(o["state"])' "$1" "$2"
}

# verify MODE KEY... - e2esink.py verify against a fresh ledger dump
verify() {
	local mode=$1
	shift
	ctl dump --format json >"$T/.dump" || return 1
	"$PY" "$E2ESINK" verify "$SINK" "$T/.dump" "$mode" "$@"
}

# bigzip FILE KIB - a zip holding KIB KiB of random bytes (random, so that
# every byte of the base64 transfer matters)
bigzip() {
	"$PY" - "$1" "$2" <<-\PY
	import os, sys, zipfile
	with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_STORED) as z:
	    z.writestr(os.path.basename(sys.argv[1])[:-4] + ".xml",
	               os.urandom(int(sys.argv[2]) * 1024))
	PY
}

# kill_scan PID - SIGKILL a scanner we started, if it still is one
kill_scan() {
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = edefter-scan ] &&
	    kill -KILL "$1" 2>/dev/null
	return 0
}

# lock_free STATEDIR - no scanner holds its lock
lock_free() {
	[ ! -e "$1/lock" ] || flock -n "$1/lock" true
}

# reading_below PID DIR - the process has a file or directory below DIR open
reading_below() {
	local p
	# the scanner, or the child its pass runs in (the watchdog's guard)
	for p in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		ls -l "/proc/$p/fd" 2>/dev/null | grep -qF -- "-> $2/" && return 0
	done
	return 1
}

# ledger_kept [-f] - no ledger record has gone or changed since the last
# call (records go only by "edefterctl forget"); then remember them all.
# -f: only remember (after a deliberate forget).
ledger_kept() {
	local lost
	ctl dump --format json | "$PY" -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    print("%s/%s/%s %s" % (o["companyId"], o["period"], o["recipientEmail"],
                           o["messageId"]))' | sort >"$T/.keys.new" || return 1
	if [ "${1:-}" != -f ] && [ -f "$T/.keys" ]; then
		lost=$(comm -23 "$T/.keys" "$T/.keys.new")
		if [ -n "$lost" ]; then
			echo "ledger records lost or changed:" >&2
			echo "$lost" >&2
			return 1
		fi
	fi
	mv "$T/.keys.new" "$T/.keys"
}

# intents [STATEDIR] - how many send intents are open
intents() {
	ls "${1:-$STATE}/intent" 2>/dev/null | wc -l | tr -d ' '
}

# keys ID RCPTS PERIOD... - the ledger keys of those periods
keys() {
	local id=$1 rcpts=$2 p r
	shift 2
	for p in "$@"; do
		for r in $rcpts; do echo "$id/$p/$r"; done
	done
}

# ---- setup -------------------------------------------------------------------

# services - the sink, Postfix (with the milter m) and smbd with its mount
# on the ports of $T/ports; false, with everything stopped again, when a
# port was taken meanwhile (other tests may run on this host)
services() {
	sink_start "$SINK" $SINK_PORT &&
	pf_setup "$PF" $PF_PORT $SINK_PORT &&
	pf_milter "$PF" "local:$T/m.sock" &&
	# A second smtpd that pauses a second at DATA: two scanners sending
	# the same period reach the milter at the same moment (case 5e).
	postconf -c "$PF/etc" -M "127.0.0.1:$SLOW_PORT/inet=127.0.0.1:$SLOW_PORT inet n - n - - smtpd -o smtpd_data_restrictions=sleep,1" &&
	touch -m -d "@$(($(date +%s) - 10))" "$PF/etc/master.cf" &&
	pf_start "$PF" &&
	test_wait_for 10 eval "ss -Hltn \"sport = :$SLOW_PORT\" | grep -q ." &&
	smb_start "$SMB" $SMB_PORT "$SHARE" &&
	# Fail after 5 s of silence instead of 15 (case 5c freezes smbd).
	# rclone 1.60's smb backend breaks a pooled connection that idles
	# longer than --timeout (its reader times out) and the next operation
	# on it fails with EIO: empty the pool after 1 s without use.
	smb_mount "$SMB" $SMB_PORT "$MNT" --timeout 5s --smb-idle-timeout 1s &&
	return 0
	smb_umount "$MNT"
	smb_stop "$SMB"
	pf_stop "$PF"
	sink_stop "$SINK"
	rm -rf "$PF" "$SINK" "$SMB"
	return 1
}

test_expect_success 'setup: smtp-sink, Postfix with edefter-milter, smbd, rclone mount' '
	milter_conf m "UserID postfix:postfix" &&
	milter_start m &&
	mkdir -p "$SHARE" && : >"$SHARE/.edefter-share" || exit 1
	for try in 1 2 3; do
		services && break
		test $try -lt 3 && new_ports || exit 1
	done &&
	smb_is_mounted "$MNT" &&
	test -e "$MNT/.edefter-share" &&
	cat >"$CSV" <<-\EOF &&
	vkn;name;emails
	1234567890;ABC Gıda Ticaret A.Ş.;muhasebe@abc-gida.example
	4540536920;Şirin Öztürk İnşaat Ltd. Şti.;finans@sirin.example, patron@sirin.example
	1111111114;Öztürk Mobilya;satis@mobilya.example, Patron@Mobilya.example
	2222222224;İkinci Firma;ikinci@firma2.example
	3333333339;Üçüncü Firma;muhasebe_3@firma3.example
	10000000146;Ayşe Yılmaz;ayse@yilmaz.example
	4444444444;Dört Ltd.;dort@dort.example
	5555555553;Beş Gıda;bes@bes.example, Ortak@Bes.example
	1234567808;Yeni Firma;info@yeni.example
	6666666667;Altı A.Ş.;alti@alti.example
	7777777770;Yedi A.Ş.;yedi@yedi.example
	8888888889;Sekiz A.Ş.;sekiz@sekiz.example, muhasebe@sekiz.example
	EOF
	scanconf "$CONF" "$STATE" "$PF_PORT" &&
	scan status >st &&
	test "$(sink_count "$SINK")" = 0
'
. "$T/ports"
scanconf "$CONF" "$STATE" "$PF_PORT"

# ---- 1. first sends --------------------------------------------------------------

test_expect_success '1: incomplete until GIB-YB; then one message, byte-identical; DR later adds nothing; a new month and two companies' '
	d=$SHARE/s1/ABC_Gida/2021/01 &&
	n0=$(sink_count "$SINK") &&
	# GIB'"'"'s ledger berat alone; then the books and more, still no GIB-YB
	mkfiles "$d" GIB-1234567890-202101-KB-000000.zip &&
	for i in 1 2; do
		scan run >out &&
		cat out &&
		grep -q "^skip id=1234567890 period=2021-01 folder=s1/ABC_Gida/2021/01 reason=incomplete missing=GIB-YB-000000 state=incomplete$" out &&
		! grep -q "^sent" out &&
		settled &&
		test "$(sink_count "$SINK")" = $n0 &&
		test "$(state_of 1234567890 2021-01)" = incomplete || exit 1
		mkfiles "$d" 1234567890-202101-K-000000.zip berat.xslt "Açıklama Ocak.txt" &&
		bigzip "$d/1234567890-202101-Y-000000.zip" 700 || exit 1
	done &&

	# GIB approves the journal: the whole folder goes, once
	mkfiles "$d" GIB-1234567890-202101-YB-000000.zip &&
	test "$(state_of 1234567890 2021-01)" = complete &&
	scan run >out &&
	cat out &&
	grep -q "^sent id=1234567890 period=2021-01 rcpt=muhasebe@abc-gida.example files=6 .* queue=[0-9A-F]*$" out &&
	settled &&
	test "$(sink_count "$SINK")" = $((n0 + 1)) &&
	m=$(msgs_of 1234567890 2021-01) &&
	test "$(echo "$m" | wc -l)" = 1 &&
	test "$(rcpts_of "$m")" = muhasebe@abc-gida.example &&
	same_files "$m" "$d" &&
	mail_of "$m" >mail &&
	grep -q "^subject e-Defter: ABC Gıda Ticaret A.Ş. - Ocak 2021$" mail &&
	grep -q "^auto-submitted auto-generated$" mail &&
	id=$(sed -n "s/^message-id <\(.*\)>$/\1/p" mail) && test -n "$id" &&
	test "$(field 1234567890/2021-01/muhasebe@abc-gida.example message-id)" = "<$id>" &&
	test "$(field 1234567890/2021-01/muhasebe@abc-gida.example source)" = smtp &&
	test "$(intents)" = 0 &&

	# the DR arrives after the send: nothing new
	mkfiles "$d" 1234567890-202101-DR-000000.xml &&
	scan run >out &&
	grep -q "^skip id=1234567890 period=2021-01 folder=s1/ABC_Gida/2021/01 sent=1 todo=0 state=sent$" out &&
	! grep -q "^sent" out &&
	settled &&
	test "$(sink_count "$SINK")" = $((n0 + 1)) &&

	# another month of the same company: a new message
	mkperiod "$SHARE/s1/ABC_Gida/2021/02" 1234567890 202102 &&
	scan run >out &&
	test "$(grep -c "^sent " out)" = 1 &&
	grep -q "^sent id=1234567890 period=2021-02 rcpt=muhasebe@abc-gida.example files=5 " out &&
	settled &&
	test "$(sink_count "$SINK")" = $((n0 + 2)) &&
	m=$(msgs_of 1234567890 2021-02) &&
	same_files "$m" "$SHARE/s1/ABC_Gida/2021/02" &&

	# two companies, the same month: two messages, each to its own
	mkperiod "$SHARE/s1/ABC_Gida/2021/03" 1234567890 202103 &&
	mkperiod "$SHARE/s1/Sirin/2021/03" 4540536920 202103 &&
	scan run >out &&
	test "$(grep -c "^sent " out)" = 2 &&
	settled &&
	test "$(sink_count "$SINK")" = $((n0 + 4)) &&
	m=$(msgs_of 1234567890 2021-03) &&
	test "$(rcpts_of "$m")" = muhasebe@abc-gida.example &&
	same_files "$m" "$SHARE/s1/ABC_Gida/2021/03" &&
	m=$(msgs_of 4540536920 2021-03) &&
	test "$(echo "$m" | wc -l)" = 1 &&
	test "$(rcpts_of "$m")" = "finans@sirin.example patron@sirin.example" &&
	same_files "$m" "$SHARE/s1/Sirin/2021/03" &&
	verify once 1234567890/2021-01/muhasebe@abc-gida.example \
	    1234567890/2021-02/muhasebe@abc-gida.example \
	    1234567890/2021-03/muhasebe@abc-gida.example \
	    4540536920/2021-03/finans@sirin.example 4540536920/2021-03/patron@sirin.example &&
	scan run >out &&
	! grep -q "^sent" out &&
	ledger_kept
'

# ---- 2. a recipient added later; a forgotten key ------------------------------------

test_expect_success '2: a new recipient gets the period alone; a forgotten address gets it again, alone' '
	ledger_kept &&
	mkperiod "$SHARE/s2/Mobilya/2022/05" 1111111114 202205 &&
	scan run >out &&
	grep -q "^sent id=1111111114 period=2022-05 rcpt=satis@mobilya.example,Patron@Mobilya.example files=5 " out &&
	settled &&
	m=$(msgs_of 1111111114 2022-05) &&
	test "$(rcpts_of "$m")" = "patron@mobilya.example satis@mobilya.example" &&
	first=$(field 1111111114/2022-05/satis@mobilya.example message-id) &&

	# the office adds an address
	sed -i "s/Patron@Mobilya.example/Patron@Mobilya.example yeni@mobilya.example/" "$CSV" &&
	test "$(state_of 1111111114 2022-05)" = partial &&
	n0=$(sink_count "$SINK") &&
	scan run >out &&
	cat out &&
	grep -q "^sent id=1111111114 period=2022-05 rcpt=yeni@mobilya.example files=5 " out &&
	settled &&
	test "$(sink_count "$SINK")" = $((n0 + 1)) &&
	m=$(msgs_of 1111111114 2022-05 | tail -n 1) &&
	test "$(rcpts_of "$m")" = yeni@mobilya.example &&
	same_files "$m" "$SHARE/s2/Mobilya/2022/05" &&
	test "$(deliveries 1111111114 2022-05 satis@mobilya.example)" = 1 &&
	test "$(deliveries 1111111114 2022-05 patron@mobilya.example)" = 1 &&
	test "$(deliveries 1111111114 2022-05 yeni@mobilya.example)" = 1 &&
	test "$(state_of 1111111114 2022-05)" = sent &&

	# the admin forgets one address (typed in another letter case)
	ctl forget 1111111114/2022-05/PATRON@mobilya.example >out &&
	cat out &&
	grep -q "^forgot 1111111114/2022-05/patron@mobilya.example (sent " out &&
	test "$(state_of 1111111114 2022-05)" = partial &&
	scan run >out &&
	cat out &&
	grep -q "^sent id=1111111114 period=2022-05 rcpt=Patron@Mobilya.example files=5 " out &&
	settled &&
	test "$(sink_count "$SINK")" = $((n0 + 2)) &&
	m=$(msgs_of 1111111114 2022-05 | tail -n 1) &&
	test "$(rcpts_of "$m")" = patron@mobilya.example &&
	test "$(deliveries 1111111114 2022-05 patron@mobilya.example)" = 2 &&
	test "$(deliveries 1111111114 2022-05 satis@mobilya.example)" = 1 &&
	test "$(deliveries 1111111114 2022-05 yeni@mobilya.example)" = 1 &&
	new=$(field 1111111114/2022-05/patron@mobilya.example message-id) &&
	test "$new" != "$first" &&
	test "$new" = "<$(idx | awk -v f="$m" "\$1 == f { print \$4; exit }")>" &&
	test "$(field 1111111114/2022-05/satis@mobilya.example message-id)" = "$first" &&
	scan run >out &&
	grep -q "^skip id=1111111114 period=2022-05 folder=s2/Mobilya/2022/05 sent=3 todo=0 state=sent$" out &&
	ledger_kept -f
'

# ---- 3. the old tool's history -------------------------------------------------------

test_expect_success '3: an imported sentEmails history of every era: those periods are sent, never mailed' '
	ledger_kept &&
	mkperiod "$SHARE/s3/Ikinci/2023/01" 2222222224 202301 &&
	mkperiod "$SHARE/s3/Ikinci/2023/02" 2222222224 202302 &&
	mkperiod "$SHARE/s3/Ucuncu/2023/03" 3333333339 202303 &&
	mkperiod "$SHARE/s3/Ucuncu/2023/04" 3333333339 202304 &&
	mkperiod "$SHARE/s3/Ayse/2023/05" 10000000146 202305 &&
	mkperiod "$SHARE/s3/Ikinci/2023/06" 2222222224 202306 &&
	cat >history.json <<-\EOF &&
	{
	  "settings": {"emailSubjectTemplate": "e-Defter {company} {month} {year}"},
	  "sentEmails": [
	    {"companyId": "2222222224", "companyName": "İkinci Firma", "year": 2023, "month": 1,
	     "recipientEmail": "ikinci@firma2.example", "sentDate": "2023-02-20T09:00:00.000Z",
	     "uniqueHash": "2222222224_2023_01_ikinci@firma2.example", "status": "complete",
	     "fileList": ["GIB-2222222224-202301-KB-000000.zip", "GIB-2222222224-202301-YB-000000.zip"],
	     "fileCount": 2},
	    {"companyId": "2222222224", "year": 2023, "month": 2,
	     "recipientEmail": "Ikinci@Firma2.example", "sentDate": "2023-03-20T09:00:00.000Z"},
	    {"companyId": "3333333339", "companyName": "Üçüncü Firma", "year": 2023, "month": 3,
	     "recipientEmail": "muhasebe_3@firma3.example", "sentDate": "2023-04-18T09:00:00.000Z",
	     "uniqueHash": "3333333339_2023_3_GIB-3333333339-202303-KB-000000.zip_muhasebe_3@firma3.example",
	     "fileList": ["GIB-3333333339-202303-KB-000000.zip"], "fileCount": 1},
	    {"companyId": "3333333339", "companyName": "Üçüncü Firma", "year": 2023, "month": 3,
	     "recipientEmail": "muhasebe_3@firma3.example", "sentDate": "2023-04-20T09:00:00.000Z",
	     "uniqueHash": "3333333339_2023_3_GIB-3333333339-202303-KB-000000.zip|GIB-3333333339-202303-YB-000000.zip_muhasebe_3@firma3.example",
	     "fileList": ["GIB-3333333339-202303-KB-000000.zip", "GIB-3333333339-202303-YB-000000.zip"],
	     "fileCount": 2},
	    {"companyId": "3333333339", "year": 2023, "month": 4, "sentDate": "2023-05-20T09:00:00.000Z",
	     "uniqueHash": "3333333339_2023_4_GIB-3333333339-202304-KB-000000.zip|GIB-3333333339-202304-YB-000000.zip_muhasebe_3@firma3.example",
	     "fileList": ["GIB-3333333339-202304-KB-000000.zip", "GIB-3333333339-202304-YB-000000.zip"]},
	    {"companyId": 10000000146, "year": "2023", "month": "05", "sentDate": 1687251600000,
	     "recipientEmail": "ayse@yilmaz.example", "status": "complete"},
	    {"to": "birisi@example.com", "subject": "Haziran defterleri", "sentAt": "2023-07-04T10:00:00.000Z",
	     "messageId": "<manual-1@ofis.example>"}
	  ]
	}
	EOF
	ctl import history.json >out 2>err &&
	cat out err &&
	# the file-list era mailed 2023-03 twice (KB alone, then KB and YB):
	# one key, the earlier date
	grep -qx "5 imported, 1 already present (0 moved to an earlier date), 1 skipped, 0 rejected" out &&
	test "$(field 3333333339/2023-03/muhasebe_3@firma3.example sent)" = 2023-04-18T09:00:00.000Z &&
	ctl import history.json >out 2>err &&
	grep -qx "0 imported, 6 already present (0 moved to an earlier date), 1 skipped, 0 rejected" out &&
	for k in 2222222224/2023-01/ikinci@firma2.example 2222222224/2023-02/ikinci@firma2.example \
	    3333333339/2023-03/muhasebe_3@firma3.example 3333333339/2023-04/muhasebe_3@firma3.example \
	    10000000146/2023-05/ayse@yilmaz.example; do
		test "$(field $k source)" = import || { echo "no import record $k"; exit 1; }
	done &&
	test "$(field 3333333339/2023-04/muhasebe_3@firma3.example "unique hash")" = \
	    "3333333339_2023_4_GIB-3333333339-202304-KB-000000.zip|GIB-3333333339-202304-YB-000000.zip_muhasebe_3@firma3.example" &&
	scan status --format json >st &&
	for p in "2222222224 2023-01" "2222222224 2023-02" "3333333339 2023-03" \
	    "3333333339 2023-04" "10000000146 2023-05"; do
		set -- $p
		grep -q "^{\"id\":\"$1\",\"period\":\"$2\",\"state\":\"sent\"" st ||
		    { echo "$p is not sent"; exit 1; }
	done &&
	grep -q "^{\"id\":\"2222222224\",\"period\":\"2023-06\",\"state\":\"complete\"" st &&
	n0=$(sink_count "$SINK") &&
	scan run >out &&
	cat out &&
	test "$(grep -c "^sent " out)" = 1 &&
	grep -q "^sent id=2222222224 period=2023-06 rcpt=ikinci@firma2.example " out &&
	grep -q "^skip id=3333333339 period=2023-04 folder=s3/Ucuncu/2023/04 sent=1 todo=0 state=sent$" out &&
	settled &&
	test "$(sink_count "$SINK")" = $((n0 + 1)) &&
	test -z "$(msgs_of 2222222224 2023-01)$(msgs_of 2222222224 2023-02)$(msgs_of 3333333339 2023-03)$(msgs_of 3333333339 2023-04)$(msgs_of 10000000146 2023-05)"
'

# ---- 4. manual resends ----------------------------------------------------------------

test_expect_success '4: a sent period mailed again by hand: 550 5.7.1 over SMTP, bounced through sendmail' '
	ledger_kept &&
	d=$SHARE/s1/ABC_Gida/2021/01 &&
	key=1234567890/2021-01/muhasebe@abc-gida.example &&
	first=$(field $key message-id) &&
	sentdate=$(field $key sent) &&
	n0=$(deliveries 1234567890 2021-01 muhasebe@abc-gida.example) &&
	test "$n0" = 1 &&
	"$PY" - "$d" <<-\PY &&
	import os, sys
	from email.message import EmailMessage
	d = sys.argv[1]
	def msg(name, headers, attach):
	    m = EmailMessage()
	    m["From"] = "Stajyer <stajyer@ofis.example>"
	    m["To"] = "muhasebe@abc-gida.example"
	    m["Subject"] = "Ocak defterleri (tekrar)"
	    m["Message-ID"] = "<%s@t3000.example>" % name
	    if headers:
	        m["X-EDefter-Company"] = "1234567890"
	        m["X-EDefter-Period"] = "2021-01"
	    m.set_content("Ekte tekrar gönderiyorum.")
	    if attach:
	        for f in sorted(os.listdir(d)):
	            if "-KB-" in f or "-YB-" in f:
	                with open(os.path.join(d, f), "rb") as fp:
	                    m.add_attachment(fp.read(), maintype="application",
	                                     subtype="zip", filename=f)
	    with open(name, "wb") as fp:
	        fp.write(bytes(m))
	msg("m4h", True, False)
	msg("m4a", False, True)
	msg("m4sh", True, False)
	msg("m4sa", False, True)
	PY
	printf "%s stajyer@ofis.example muhasebe@abc-gida.example\n" m4h m4a |
	    "$PY" "$SMTPSEND" $PF_PORT >out &&
	cat out &&
	grep -qx "m4h SMTPDataError 550 5.7.1 e-Defter 1234567890 2021-01 already sent to .muhasebe@abc-gida.example. on $sentdate" out &&
	grep -qx "m4a SMTPDataError 550 5.7.1 e-Defter 1234567890 2021-01 already sent to .muhasebe@abc-gida.example. on $sentdate" out &&
	b0=$(to_rcpt stajyer@ofis.example) &&
	pf_sendmail "$PF" -f stajyer@ofis.example muhasebe@abc-gida.example <m4sh &&
	pf_sendmail "$PF" -f stajyer@ofis.example muhasebe@abc-gida.example <m4sa &&
	settled &&
	test_wait_for 30 to_rcpt_is stajyer@ofis.example $((b0 + 2)) &&
	settled &&
	# two bounces to the sender, each naming the refusal
	for b in $(idx | awk "\$5 == \"stajyer@ofis.example\" { print \$1 }" | tail -n 2); do
		grep -q "^X-Mail-Args: <>" "$b" &&
		grep -q "^Status: 5.7.1" "$b" &&
		grep -q "e-Defter 1234567890 2021-01 already sent to" "$b" || exit 1
	done &&
	grep -l "^Message-ID: <m4sh@t3000.example>" $(sink_files "$SINK") >/dev/null &&
	grep -l "^Message-ID: <m4sa@t3000.example>" $(sink_files "$SINK") >/dev/null &&
	# never to the recipient
	test "$(idx | awk "\$5 == \"muhasebe@abc-gida.example\" && \$4 ~ /t3000.example\$/" | wc -l)" = 0 &&
	test "$(deliveries 1234567890 2021-01 muhasebe@abc-gida.example)" = 1 &&
	test "$(field $key message-id)" = "$first" &&
	test "$(grep -c "reject id=1234567890 period=2021-01 rcpt=muhasebe@abc-gida.example .*reason=duplicate" m.log)" = 4
'

# ---- 5. faults -------------------------------------------------------------------------

test_expect_success '5a: edefter-milter killed -9 in a burst: 75, intents kept; after restart every key once' '
	ledger_kept &&
	for m in 01 02 03 04 05 06 07 08 09 10; do
		mkperiod "$SHARE/s5a/Dort/2024/$m" 4444444444 2024$m &&
		bigzip "$SHARE/s5a/Dort/2024/$m/4444444444-2024$m-Y-000000.zip" 300 || exit 1
	done &&
	periods="2024-01 2024-02 2024-03 2024-04 2024-05 2024-06 2024-07 2024-08 2024-09 2024-10" &&
	mpid=$(milter_pid m) || exit 1
	"$BUILD/edefter-scan" -c "$CONF" run >out 2>err &
	spid=$!
	test_at_exit "kill_scan $spid" &&
	# the first period recorded: freeze the milter where it is, kill it
	test_wait_for 30 grep -q "record id=4444444444 " m.log &&
	kill -STOP $mpid &&
	kill -KILL $mpid &&
	test_wait_for 15 milter_gone $mpid || exit 1
	rc=0
	wait $spid || rc=$?
	cat out err &&
	test $rc = 75 &&
	grep -q "^sent id=4444444444 " out &&
	grep -q "reason=deferred reply=\"451 4.7.1" out &&
	test "$(intents)" -ge 1 &&
	test "$(intents)" = "$(grep -c "^pending id=4444444444 .*reason=deferred" out)" &&
	echo "killed after $(grep -c "^sent id=4444444444 " out) sent, $(intents) intents open" &&
	for f in "$STATE"/intent/*; do
		grep -q "^msgid <edefter.4444444444.2024" "$f" || exit 1
	done &&
	cat "$STATE"/intent/* | sed -n "s/^msgid //p" | sort >intent-ids &&
	milter_start m &&
	for i in 1 2 3 4 5; do
		rc=0 && scan run >out 2>err || rc=$? &&
		cat out &&
		test $rc = 0 && break
		test $rc = 75 || exit 1
	done &&
	test $rc = 0 &&
	test "$(intents)" = 0 &&
	settled &&
	verify once $(keys 4444444444 dort@dort.example $periods) &&
	# the deferred periods went out under the Message-ID of their intent
	idx | awk "\$2 == 4444444444 { print \"<\" \$4 \">\" }" | sort >sent-ids &&
	test "$(comm -23 intent-ids sent-ids)" = "" &&
	test "$(ctl list --company 4444444444 | tail -n 1)" = "10 records"
'

test_expect_success '5b: edefter-scan killed -9 at random over 20 runs: every period at least once, duplicates only as the same message' '
	ledger_kept &&
	# A share of its own (a second smbd and mount, the same ledger): its
	# walk is short, so that the kills land in every phase of a run, the
	# sends included; each Y book is 400 KiB, so that a send takes a while.
	S=$SHARE/s5b &&
	mkdir -p "$S" && : >"$S/.edefter-share" &&
	test_at_exit "smb_stop $T/smb5b" &&
	test_at_exit "smb_umount $T/mnt5b" || exit 1
	for try in 1 2 3; do
		smb_start "$T/smb5b" $SMB2_PORT "$S" && break
		test $try -lt 3 && SMB2_PORT=$(test_free_port) || exit 1
	done &&
	smb_mount "$T/smb5b" $SMB2_PORT "$T/mnt5b" --timeout 5s --smb-idle-timeout 1s &&
	scanconf c5b.conf "$T/scan5b" $PF_PORT "$T/mnt5b" &&
	expect= && n=0 && rcs= || exit 1
	for i in $(seq 1 20); do
		# new periods appear while the runs are being killed
		m=$(printf %02d $(( (i - 1) % 12 + 1 ))) && y=$((2018 + (i - 1) / 12)) &&
		mkperiod "$S/Bes/$y/$m" 5555555553 $y$m &&
		bigzip "$S/Bes/$y/$m/5555555553-$y$m-Y-000000.zip" 400 &&
		expect="$expect $(keys 5555555553 "bes@bes.example ortak@bes.example" $y-$m)" &&
		if [ $((i % 4)) = 0 ]; then
			mkperiod "$S/Yeni/$y/$m" 1234567808 $y$m &&
			expect="$expect 1234567808/$y-$m/info@yeni.example"
		fi || exit 1
		"$BUILD/edefter-scan" -c c5b.conf run >out.$i 2>err.$i &
		spid=$!
		test_at_exit "kill_scan $spid" &&
		ms=$((RANDOM % 301)) &&
		sleep "$(printf "0.%03d" $ms)" &&
		kill_scan $spid || exit 1
		rc=0
		wait $spid || rc=$?
		# the pass runs in a child of the command, killed with it: wait
		# until it is gone too (it holds the StateDir lock)
		test_wait_for 20 lock_free "$T/scan5b" || exit 1
		rcs="$rcs $rc"
		echo "run $i: killed after $ms ms: exit $rc, $(intents "$T/scan5b") intents open"
		case $rc in
		0 | 137) ;;
		*) cat out.$i err.$i; exit 1 ;;
		esac
	done &&
	test "$(echo $rcs | tr " " "\n" | grep -vc "^\(0\|137\)$")" = 0 &&
	echo "open intents after the kills: $(intents "$T/scan5b")" &&
	for i in 1 2 3 4 5; do
		rc=0 && "$BUILD/edefter-scan" -c c5b.conf run >out 2>err || rc=$? &&
		test $rc = 0 && break
		cat out err
		test $rc = 75 || exit 1
	done &&
	test $rc = 0 &&
	test "$(intents "$T/scan5b")" = 0 &&
	test ! -e "$T/scan5b/unenforced" &&
	settled &&
	verify window $expect >v &&
	{ grep -v " deliveries=1 " v || :; } &&
	echo "$(grep -c deliveries= v) keys, $(grep -c " deliveries=1 " v) delivered once" &&
	! grep -q "^bad" v
'

test_expect_success '5c: smbd stopped, then frozen: 75 and nothing sent; back: the next run proceeds' '
	ledger_kept &&
	mkperiod "$SHARE/s5c/Alti/2024/11" 6666666667 202411 &&
	n0=$(sink_count "$SINK") &&
	smb_stop "$SMB" &&
	test_expect_code 75 scan run >out 2>err &&
	cat out err &&
	grep -q "share not usable, nothing concluded\|share failed during the pass" err &&
	! grep -q "^sent" out &&
	test_expect_code 75 scan status >/dev/null 2>&1 &&
	test "$(intents)" = 0 &&
	settled &&
	test "$(sink_count "$SINK")" = $n0 &&
	smb_start "$SMB" $SMB_PORT "$SHARE" &&
	smb_is_mounted "$MNT" &&
	test_wait_for 20 test -e "$MNT/s5c/Alti/2024/11/GIB-6666666667-202411-KB-000000.zip" &&
	scan run >out &&
	grep -q "^sent id=6666666667 period=2024-11 rcpt=alti@alti.example files=5 " out &&
	settled &&
	test "$(sink_count "$SINK")" = $((n0 + 1)) &&
	same_files "$(msgs_of 6666666667 2024-11)" "$SHARE/s5c/Alti/2024/11" &&

	# smbd frozen in the middle of a walk: the next share operation
	# times out (rclone --timeout 5s) with EIO
	mkperiod "$SHARE/s5c/Alti/2024/12" 6666666667 202412 || exit 1
	"$BUILD/edefter-scan" -c "$CONF" run >out 2>err &
	spid=$!
	test_at_exit "kill_scan $spid" &&
	test_wait_for 10 reading_below $spid "$MNT" &&
	smb_pause "$SMB" &&
	test_at_exit "smb_resume $SMB" || exit 1
	rc=0
	wait $spid || rc=$?
	smb_resume "$SMB" &&
	cat out err &&
	test $rc = 75 &&
	grep -q "share not usable, nothing concluded\|share failed during the pass" err &&
	! grep -q "^sent" out &&
	test "$(intents)" = 0 &&
	settled &&
	test "$(sink_count "$SINK")" = $((n0 + 1)) &&
	test_wait_for 20 test -e "$MNT/s5c/Alti/2024/12/GIB-6666666667-202412-KB-000000.zip" &&
	scan run >out &&
	grep -q "^sent id=6666666667 period=2024-12 rcpt=alti@alti.example files=5 " out &&
	settled &&
	same_files "$(msgs_of 6666666667 2024-12)" "$SHARE/s5c/Alti/2024/12" &&
	verify once 6666666667/2024-11/alti@alti.example 6666666667/2024-12/alti@alti.example
'

test_expect_success '5d: a half-copied zip keeps its period pending until the copy is complete' '
	ledger_kept &&
	d=$SHARE/s5d/Yedi/2024/06 &&
	mkperiod "$d" 7777777770 202406 &&
	z=$d/7777777770-202406-Y-000000.zip &&
	bigzip whole.zip 500 &&
	half=$(( $(stat -c %s whole.zip) / 2 )) &&
	head -c $half whole.zip >"$z" &&
	n0=$(sink_count "$SINK") &&
	for i in 1 2; do
		scan run >out &&
		grep -q "^skip id=7777777770 period=2024-06 folder=s5d/Yedi/2024/06 reason=zip-incomplete file=7777777770-202406-Y-000000.zip state=pending$" out &&
		! grep -q "^sent" out || { cat out; exit 1; }
	done &&
	test "$(state_of 7777777770 2024-06)" = pending &&
	settled &&
	test "$(sink_count "$SINK")" = $n0 &&
	# the copy goes on into the same file, and ends
	tail -c +$((half + 1)) whole.zip >>"$z" &&
	cmp whole.zip "$z" &&
	test_wait_for 20 eval "scan run 2>/dev/null | grep -q \"^sent id=7777777770 period=2024-06 \"" &&
	settled &&
	test "$(sink_count "$SINK")" = $((n0 + 1)) &&
	same_files "$(msgs_of 7777777770 2024-06)" "$d" &&
	verify once 7777777770/2024-06/yedi@yedi.example
'

test_expect_success '5e: two scanners at once (own StateDirs, one share, one ledger): each key once, the loser closes its intent' '
	ledger_kept &&
	for m in 01 02 03 04 05; do
		mkperiod "$SHARE/s5e/Sekiz/2024/$m" 8888888889 2024$m || exit 1
	done &&
	scanconf a.conf "$T/scanA" $SLOW_PORT &&
	scanconf b.conf "$T/scanB" $SLOW_PORT || exit 1
	"$BUILD/edefter-scan" -c a.conf run >out.a 2>err.a &
	pa=$!
	"$BUILD/edefter-scan" -c b.conf run >out.b 2>err.b &
	pb=$!
	test_at_exit "kill_scan $pa" &&
	test_at_exit "kill_scan $pb"
	ra=0 rb=0
	wait $pa || ra=$?
	wait $pb || rb=$?
	cat out.a out.b &&
	test $ra = 0 && test $rb = 0 &&
	# per period one winner (250) and one loser: refused as a duplicate
	# when both reached the milter, or skipped when the winner'"'"'s record
	# was already in the ledger when the loser looked
	for m in 01 02 03 04 05; do
		grep -h "id=8888888889 period=2024-$m " out.a out.b >lines &&
		test "$(wc -l <lines)" = 2 &&
		test "$(grep -c "^sent .* queue=[0-9A-F]*$" lines)" = 1 &&
		test "$(grep -c "^sent .* reason=duplicate (the MTA refused it: already sent)$\|^skip .* sent=2 todo=0 state=sent$" lines)" = 1 ||
		    { cat lines; exit 1; }
	done &&
	dups=$(cat out.a out.b | grep -c "^sent id=8888888889 .* reason=duplicate") &&
	echo "$dups of 5 periods refused to the loser as duplicates" &&
	test $dups -ge 1 &&
	test "$(intents "$T/scanA")" = 0 &&
	test "$(intents "$T/scanB")" = 0 &&
	test "$(grep -c "reject id=8888888889 .*reason=duplicate" m.log)" = $((dups * 2)) &&
	settled &&
	verify once $(keys 8888888889 "sekiz@sekiz.example muhasebe@sekiz.example" \
	    2024-01 2024-02 2024-03 2024-04 2024-05) &&
	for f in a b; do
		"$BUILD/edefter-scan" -c $f.conf run >out &&
		! grep -q "^sent" out || exit 1
	done
'

test_expect_success 'the end: the ledger verifies, nothing is left to send' '
	ledger_kept &&
	ctl verify &&
	scan run >out &&
	! grep -q "^sent" out &&
	! grep -q "state=\(complete\|pending\|partial\|failed\)" out &&
	settled &&
	idx >all &&
	# every e-Defter message in the sink is one the ledger holds
	ctl dump --format json >dump &&
	awk "\$2 != \"-\"" all | while read -r f c p id r; do
		grep -q "\"messageId\":\"<$id>\"" dump || { echo "not in the ledger: $f $c $p $id $r"; exit 1; }
	done
'

test_done
