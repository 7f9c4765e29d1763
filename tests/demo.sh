#!/usr/bin/env bash
# demo.sh - edefter end to end, on one screen (make demo).
#
# A private Postfix on loopback with edefter-milter, relaying to a capture
# sink; a private smbd serving a sample e-Defter share, mounted through
# FUSE (rclone); sample companies with Turkish names.  Runs edefter-scan
# status and run, resends to show the milter's refusal, lists the ledger
# and the delivered messages, and cleans up everything it started.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/sink.sh"
. "$TOP/tests/lib/milter.sh"
. "$TOP/tests/lib/samba.sh"
. "$TOP/tests/lib/share.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
die() { echo "demo: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (a private Postfix needs it)"
PATH=$BUILD:$PATH

SINK_PORT=$(test_free_port) && PF_PORT=$(test_free_port) &&
    SMB_PORT=$(test_free_port) || die "no free loopback port"

# ---- the sample share ------------------------------------------------------
SHARE=$T/server-share
A=$SHARE/Musteriler/ABC_Gida/2025
mkperiod "$A/10" 1234567890 202510 >/dev/null
mkfiles "$A/10" "Açıklama_Ekim.txt" berat.xslt
mkperiod "$A/11" 1234567890 202511
rm "$A/11/GIB-1234567890-202511-YB-000000.zip"	# GIB has not approved yet
mkperiod "$SHARE/Musteriler/Sirin_Insaat/2025/09" 4540536920 202509
mkperiod "$SHARE/Musteriler/Ayse_Yilmaz/2025/12" 10000000146 202512
mkfiles "$SHARE/Musteriler/Yeni_Firma/2025/10" \
    GIB-1234567808-202510-YB-000000.zip GIB-1234567808-202510-KB-000000.zip
# the archive of an office: a deleted copy, a period before the cut-over,
# a berat downloaded twice, a bundle in the month folder
mkperiod "$SHARE/Musteriler/ABC_Gida/Silinenler/2025/12" 1234567890 202512
mkperiod "$A/../2024/06" 1234567890 202406
mkfiles "$A/10" BERATLAR.ZIP
mkfiles "$SHARE/Musteriler/Sirin_Insaat/2025/08" 4540536920-202508-Y-000000.zip \
    4540536920-202508-K-000000.zip GIB-4540536920-202508-YB-000000.zip \
    "GIB-4540536920-202508-KB-000000 (1).zip"
: >"$SHARE/.edefter-share"
# the companies list as the office's Excel saves it ("CSV", Windows-1254)
iconv -f UTF-8 -t CP1254 >"$T/companies.csv" <<'CSV'
Ünvan;Vergi Numarası;T.C. Kimlik No;E-posta;Durum
ABC Gıda Ticaret A.Ş.;1234567890;;muhasebe@abc-gida.example;Aktif
Şirin Öztürk İnşaat Ltd. Şti.;4540536920;;finans@sirin.example, patron@sirin.example;Aktif
Ayşe Yılmaz;;10000000146;ayse@yilmaz.example;
Eski Müşteri A.Ş.;1234567808;;eski@musteri.example;Pasif
CSV

# ---- the services ----------------------------------------------------------
say "starting a private Postfix (127.0.0.1:$PF_PORT), edefter-milter, smbd and the FUSE mount"
SINK_OPTS=-N sink_start "$T/sink" "$SINK_PORT" || die "smtp-sink did not start"
test_at_exit "sink_stop $T/sink"
pf_setup "$T/pf" "$PF_PORT" "$SINK_PORT" || die "Postfix setup failed"
milter_conf m "UserID nobody:postfix" || die "milter config"
milter_start m || die "edefter-milter did not start: $(cat "$T/m.log")"
cat >"$T/edefter.conf" <<CONF
LedgerPath     $T/m.ledger
BounceAddress  edefter-dsn@ofis.example
CONF
chmod 0644 "$T/edefter.conf"
sh "$TOP/postfix/edefter-postconf" -c "$T/pf/etc" -s "local:$T/m.sock" apply \
    --bounce edefter-dsn@ofis.example --dsn-user nobody \
    --dsn-command "$BUILD/edefter-dsn" --dsn-config "$T/edefter.conf" >/dev/null ||
    die "edefter-postconf apply failed"
touch -d "1 minute ago" "$T/pf/etc/main.cf" "$T/pf/etc/master.cf"
pf_start "$T/pf" || die "Postfix did not start"
test_at_exit "pf_stop $T/pf"
echo "postfix: smtpd_milters = $(postconf -c "$T/pf/etc" -h smtpd_milters)"

MNT=$T/mnt
if [ -e /dev/fuse ] && command -v rclone >/dev/null && smb_start "$T/smb" "$SMB_PORT" "$SHARE" &&
    smb_mount "$T/smb" "$SMB_PORT" "$MNT"; then
	test_at_exit "smb_stop $T/smb"
	test_at_exit "smb_umount $MNT"
	TYPE=fuse.rclone
	echo "share: smbd on 127.0.0.1:$SMB_PORT, mounted at $MNT ($TYPE)"
else
	MNT=$SHARE
	TYPE=any
	echo "share: FUSE or smbd not available here: using the plain directory $MNT (ShareType any)"
fi

cat >"$T/edefter.conf" <<CONF
LedgerPath     $T/m.ledger
ShareRoot      $MNT
ShareType      $TYPE
ShareSentinel  .edefter-share
Companies      $T/companies.csv
From           Mali Müşavirlik Bürosu <edefter@ofis.example>
Submit         smtp://127.0.0.1:$PF_PORT
SettleSeconds  0
StateDir       $T/scan
SendFrom       2025-01
Notify         muhasebe@ofis.example
BounceAddress  edefter-dsn@ofis.example
CONF
export EDEFTER_CONF=$T/edefter.conf

delivered() {
	pf_flush "$T/pf"
	test_wait_for 30 pf_queue_empty "$T/pf" || die "the queue did not drain"
}

# ---- the product ------------------------------------------------------------
say "what the share holds, period by period (SendFrom 2025-01; Silinenler is never read)"
run edefter-scan -c "$EDEFTER_CONF" status 2>/dev/null

say "one pass: complete periods are mailed once"
run edefter-scan -c "$EDEFTER_CONF" run 2>/dev/null
delivered

say "the same pass again: everything complete is already in the ledger"
run edefter-scan -c "$EDEFTER_CONF" run 2>/dev/null | grep -v "^skip .*state=\(incomplete\|missing\|no-recipient\)"

say "someone mails ABC Gıda's October 2025 again by hand (SMTP, new Message-ID)"
/usr/bin/python3 - "$PF_PORT" <<'PY'
import smtplib, sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "stajyer@ofis.example"; m["To"] = "muhasebe@abc-gida.example"
m["Subject"] = "Ekim defterleri (tekrar)"
m["X-EDefter-Company"] = "1234567890"; m["X-EDefter-Period"] = "2025-10"
m.set_content("tekrar gönderiyorum")
try:
    with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as s:
        s.send_message(m)
    print("accepted (this should not happen)")
except smtplib.SMTPDataError as e:
    print("refused by the mail server:", e.smtp_code, e.smtp_error.decode())
PY

say "... and with only the attachments, no headers"
/usr/bin/python3 - "$PF_PORT" "$A/10/GIB-1234567890-202510-KB-000000.zip" <<'PY'
import smtplib, sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "stajyer@ofis.example"; m["To"] = "muhasebe@abc-gida.example"
m["Subject"] = "berat"
m.set_content("ekte")
m.add_attachment(open(sys.argv[2], "rb").read(), maintype="application",
                 subtype="zip", filename="GIB-1234567890-202510-KB-000000.zip")
try:
    with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as s:
        s.send_message(m)
    print("accepted (this should not happen)")
except smtplib.SMTPDataError as e:
    print("refused by the mail server:", e.smtp_code, e.smtp_error.decode())
PY

say "GIB approves November; a new recipient is added for Şirin"
mkfiles "$A/11" GIB-1234567890-202511-YB-000000.zip
LC_ALL=C sed -i 's/patron@sirin.example/patron@sirin.example, yeni@sirin.example/' "$T/companies.csv"
run edefter-scan -c "$EDEFTER_CONF" run 2>/dev/null | grep "^sent"
delivered

say "the ledger: what Postfix reported for each recipient (relayed: delivered)"
WAIT_DSN_END=$((SECONDS + 30))
while [ $SECONDS -lt $WAIT_DSN_END ] &&
    edefterctl -l "$T/m.ledger" list | grep -q " queued "; do
	pf_flush "$T/pf" >/dev/null 2>&1
	sleep 0.2
done
run edefterctl -l "$T/m.ledger" list

say "Şirin's mail server bounces patron@sirin.example later (mailbox full): an NDR to the VERP address"
/usr/bin/python3 - "$PF_PORT" <<'PY'
import smtplib, sys
to = "edefter-dsn+4540536920-202509@ofis.example"
msg = ("From: Mail Delivery System <MAILER-DAEMON@mx.sirin.example>\r\n"
       "To: <%s>\r\nSubject: Undeliverable: e-Defter\r\nMIME-Version: 1.0\r\n"
       "Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
       "--B\r\nContent-Type: text/plain\r\n\r\nMailbox full.\r\n\r\n"
       "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
       "Reporting-MTA: dns; mx.sirin.example\r\n\r\n"
       "Final-Recipient: rfc822; patron@sirin.example\r\nAction: failed\r\n"
       "Status: 5.2.2\r\nDiagnostic-Code: smtp; 552 5.2.2 mailbox full\r\n\r\n--B--\r\n") % to
with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as s:
    s.sendmail("", [to], msg.encode())
print("sent to", to)
PY
WAIT_DSN_END=$((SECONDS + 30))
while [ $SECONDS -lt $WAIT_DSN_END ] &&
    ! edefterctl -l "$T/m.ledger" list | grep -q "patron@sirin.example.* bounced "; do
	pf_flush "$T/pf" >/dev/null 2>&1
	sleep 0.2
done
run edefterctl -l "$T/m.ledger" list --period 2025-09
run edefter-scan -c "$EDEFTER_CONF" status 2>/dev/null | grep -E "^(STATE|bounced)"

say "the milter's decisions (syslog lines)"
grep -E "record|reject" "$T/m.log" | sed 's/^edefter-milter: /  /' | cut -c1-150

say "what the recipients received"
/usr/bin/python3 - "$T/sink" <<'PY'
import email, email.policy, glob, os, sys
for f in sorted(glob.glob(os.path.join(sys.argv[1], "msg.*")), key=os.path.getmtime):
    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
    rcpts = [str(v).split()[0].strip("<>") for k, v in m.items()
             if k.lower() == "x-rcpt-args"] or [m["To"]]
    print("*", m["Subject"])
    print("  to:", ", ".join(str(r) for r in rcpts), "|", m["X-EDefter-Ledger"] or "")
    names = [p.get_filename() for p in m.iter_attachments()]
    print("  files:", ", ".join(names) if names else "(none: a bounce or notice)")
PY

say "the office's digest of today (what edefter-scan daemon mails to Notify after DigestHour)"
run edefter-scan -c "$EDEFTER_CONF" digest --dry-run 2>/dev/null

PAGE_DIR=${DEMO_PAGE_DIR:-$TOP/build/demo}
mkdir -p "$PAGE_DIR"
say "the status page for the office's intranet"
run edefter-scan -c "$EDEFTER_CONF" status --format html -o "$PAGE_DIR/durum.html" 2>&1 | grep -v "^edefter-scan:"
echo "open $PAGE_DIR/durum.html in a browser (it stays after the demo)"

say "done: stopping everything and removing $T"
