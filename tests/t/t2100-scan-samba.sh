#!/usr/bin/env bash
# t2100 - edefter-scan on a real SMB share: a private smbd on a loopback
# port serves $T/share, rclone mounts it through FUSE at $T/mnt (type
# fuse.rclone), and the scanner (ShareType fuse.rclone, ShareSentinel
# .edefter-share) submits to smtpsink.py.  States and messages over the
# mount; smbd stopped, frozen, the mount gone, the sentinel gone, the
# wrong ShareType, rclone killed: 75 and nothing sent; stability through
# SMB (settling, a half-copied zip); symlinks made on the server; smbd
# frozen while an attachment is being read (75, no message delivered).
#
# Test files are written on the server side, into $T/share, always in
# subdirectories (a file created in the share root through rclone leaves
# a stray directory).  No ledger exists (nothing records sends without
# the milter), so every run sends every complete period it may send
# again: each case has its own companies file naming only its own
# company, so that it sends only what it is about.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/share.sh"
. "$TOP/tests/lib/sink.sh"
. "$TOP/tests/lib/samba.sh"

PY=/usr/bin/python3
SCAN=$BUILD/edefter-scan

# ---- can this run here? ----------------------------------------------------

why=
if [ "$(id -u)" -ne 0 ]; then
	why="smbd and FUSE mounts need root"
elif [ ! -x "$PY" ]; then
	why="$PY is missing"
elif [ ! -x "$SCAN" ]; then
	why="$SCAN is not built"
elif [ ! -c /dev/fuse ]; then
	why="/dev/fuse is missing"
else
	for c in smbd testparm rclone fusermount3 ss timeout; do
		command -v "$c" >/dev/null 2>&1 ||
		    { why="$c is not installed (Debian packages samba rclone fuse3)"; break; }
	done
fi
if [ -n "$why" ]; then
	test_skip 'edefter-scan on an SMB share through rclone' "$why"
	test_done
fi

ports=()
while [ ${#ports[@]} -lt 2 ]; do
	p=$(test_free_port) || { echo "Bail out! no free port"; exit 1; }
	case " ${ports[*]} " in
	*" $p "*) ;;
	*) ports+=("$p") ;;
	esac
done
SMB_PORT=${ports[0]} SINK_PORT=${ports[1]}
SMB=$T/smb		# smbd's configuration, state, logs
SHARE=$T/share		# what smbd serves (the "server side")
MNT=$T/mnt		# the rclone mount the scanner reads
MNT2=$T/mnt2		# a second mount with a short --timeout
SINK=$T/sink
ABC="ABC Gıda"		# company folders with Turkish letters and spaces
SUBE="Şube Örnek"
KISI="Kişiler/Ayşe Yılmaz"

# At-exit commands run last first: resume a frozen smbd, unmount, stop
# smbd, stop the sink.
test_at_exit "pysink_stop '$SINK'"
test_at_exit "smb_stop '$SMB'"
test_at_exit "smb_umount '$MNT2'"
test_at_exit "smb_umount '$MNT'"
test_at_exit "smb_resume '$SMB'"

scan() { "$SCAN" "$@"; }
msgs() { pysink_count "$SINK"; }
answers() { ls "$1" >/dev/null 2>&1; }	# the mount answers for DIR
now() { date +%s.%N; }
# elapsed START [END] - seconds between two now() stamps
elapsed() { awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN { printf "%.2f\n", b - a }'; }
# lt A B - A < B as numbers
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

lap_start=$SECONDS
lap() {
	echo "# ($((SECONDS - lap_start))s, $SECONDS s in all)"
	lap_start=$SECONDS
}

# conf NAME ROOT [LINE...] - $T/NAME.conf for the share mounted at ROOT;
# companies $T/NAME.csv, state $T/NAME.state, ledger $T/NAME.ledger
# (never created), SettleSeconds 0 unless a LINE sets it
conf() {
	local name=$1 root=$2
	shift 2
	mkdir -p "$T/$name.state"
	{
		echo "LedgerPath $T/$name.ledger"
		echo "ShareRoot $root"
		echo "ShareType fuse.rclone"
		echo "ShareSentinel .edefter-share"
		echo "Companies $T/$name.csv"
		echo "From Mali Müşavirlik Bürosu <edefter@ofis.example>"
		echo "Submit smtp://127.0.0.1:$SINK_PORT"
		echo "StateDir $T/$name.state"
		if [ $# -gt 0 ]; then printf '%s\n' "$@"; fi
		printf '%s\n' "$@" | grep -q "^SettleSeconds" ||
		    echo "SettleSeconds 0"
	} >"$T/$name.conf"
}

# csv NAME "ID;NAME;EMAILS"... - $T/NAME.csv
csv() {
	local name=$1
	shift
	{ echo "vkn;name;emails"; printf '%s\n' "$@"; } >"$T/$name.csv"
}

# bigzip FILE MB - a whole zip of MB MiB of random (stored) data
bigzip() {
	"$PY" - "$1" "$2" <<-\PY
	import os, sys, zipfile
	with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_STORED) as z:
	    z.writestr("data.xml", os.urandom(int(sys.argv[2]) << 20))
	PY
}

# msgs_for ID PERIOD - the captured messages of one period, one a line
msgs_for() {
	"$PY" - "$SINK" "$1" "$2" <<-\PY
	import email, email.policy, glob, sys
	for f in sorted(glob.glob(sys.argv[1] + "/[0-9]*.eml")):
	    m = email.message_from_binary_file(open(f, "rb"),
	                                       policy=email.policy.default)
	    if (m["X-EDefter-Company"] == sys.argv[2] and
	            m["X-EDefter-Period"] == sys.argv[3]):
	        print(f)
	PY
}

# msgcheck EML ID PERIOD FOLDER MONTHYEAR COMPANY RCPT... - the message is
# the one SPEC 5 describes for the server-side FOLDER: headers, subject,
# and every regular non-hidden file of FOLDER attached byte for byte
cat >"$T/msgcheck.py" <<\PY
import email, email.policy, hashlib, os, stat, sys

eml, cid, period, folder, monthyear, company = sys.argv[1:7]
rcpts = sys.argv[7:]
raw = open(eml, "rb").read()
m = email.message_from_bytes(raw, policy=email.policy.default)
errs = []


def check(cond, what):
    if not cond:
        errs.append(what)


def sha(b):
    return hashlib.sha256(b).hexdigest()


def attachable(n):
    low = n.lower()
    return not (n.startswith(".") or n.startswith("~$") or
                low in ("thumbs.db", "desktop.ini") or
                low.endswith(".tmp") or low.endswith(".part"))


sep = raw.find(b"\r\n\r\n")
head = raw[:sep if sep >= 0 else raw.find(b"\n\n")]
check(all(c < 128 for c in head), "the header is not 7-bit")
check(m["X-EDefter-Company"] == cid,
      "X-EDefter-Company %r" % m["X-EDefter-Company"])
check(m["X-EDefter-Period"] == period,
      "X-EDefter-Period %r" % m["X-EDefter-Period"])
subject = str(m["Subject"])
check(monthyear in subject, "Subject %r lacks %r" % (subject, monthyear))
check(company in subject, "Subject %r lacks %r" % (subject, company))
check(m["Auto-Submitted"] == "auto-generated",
      "Auto-Submitted %r" % m["Auto-Submitted"])
check(m["MIME-Version"] == "1.0", "MIME-Version %r" % m["MIME-Version"])
check(m["Date"] is not None and m["Message-ID"], "Date or Message-ID missing")
check(m["From"] is not None and
      m["From"].addresses[0].addr_spec == "edefter@ofis.example",
      "From %r" % m["From"])
to = sorted(a.addr_spec for a in m["To"].addresses) if m["To"] else []
check(to == sorted(rcpts), "To %r, want %r" % (to, rcpts))
check(m.get_content_type() == "multipart/mixed",
      "Content-Type %s" % m.get_content_type())

want = {}
for n in os.listdir(folder):
    st = os.lstat(os.path.join(folder, n))
    if stat.S_ISREG(st.st_mode) and attachable(n):
        want[n] = sha(open(os.path.join(folder, n), "rb").read())
got = {}
for part in m.iter_attachments():
    name = part.get_filename()
    data = part.get_payload(decode=True)
    check(name not in got, "%s attached twice" % name)
    got[name] = sha(data)
    check(part["Content-Transfer-Encoding"] == "base64",
          "%s: Content-Transfer-Encoding %r" % (name,
                                                part["Content-Transfer-Encoding"]))
    if name and not name.isascii():
        rawh = {k.lower(): v for k, v in part.raw_items()}
        cd = rawh.get("content-disposition", "")
        ct = rawh.get("content-type", "")
        check("filename*=" in cd.lower().replace(" ", ""),
              "%s: no RFC 2231 filename* in %r" % (name, cd))
        check('name="=?' in ct.replace(" ", "") or "name==?" in ct,
              "%s: no RFC 2047 name= in %r" % (name, ct))
for n in sorted(set(want) | set(got)):
    if n not in got:
        errs.append("not attached: %s" % n)
    elif n not in want:
        errs.append("attached but not a file of the folder: %s" % n)
    elif want[n] != got[n]:
        errs.append("attachment differs from the share: %s" % n)
body = m.get_body(("plain",))
check(body is not None, "no text/plain part")
if body is not None:
    text = body.get_content()
    check(body.get_content_charset() == "utf-8",
          "text charset %r" % body.get_content_charset())
    for n in want:
        check(n in text, "the text does not list %s" % n)
print("subject:", subject)
for n in sorted(got):
    print("file:", n, got[n][:16])
for e in errs:
    print("ERROR:", e)
sys.exit(1 if errs else 0)
PY
msgcheck() { "$PY" "$T/msgcheck.py" "$@"; }

# no_passwd - no captured message carries /etc/passwd, raw or decoded
cat >"$T/nopasswd.py" <<\PY
import email, email.policy, glob, sys

secret = open("/etc/passwd", "rb").read()
first = secret.split(b"\n")[0]
bad = 0
files = sorted(glob.glob(sys.argv[1] + "/[0-9]*.eml"))
for f in files:
    raw = open(f, "rb").read()
    m = email.message_from_bytes(raw, policy=email.policy.default)
    blobs = [raw]
    for part in m.walk():
        if not part.is_multipart():
            blobs.append(part.get_payload(decode=True) or b"")
        n = part.get_filename() or ""
        if "passwd" in n.lower():
            print("%s: an attachment named %s" % (f, n))
            bad += 1
    for b in blobs:
        if first in b or secret in b:
            print("%s: carries /etc/passwd" % f)
            bad += 1
            break
print("%d messages checked" % len(files))
sys.exit(1 if bad else 0)
PY
no_passwd() { "$PY" "$T/nopasswd.py" "$SINK"; }

# status_json CONF - status as JSON, checked to be one object per line
status_json() {
	scan -c "$1" status --format json >"$T/status.json" 2>"$T/status.err" &&
	"$PY" -c '
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    assert isinstance(o, dict), l
    print("%s %s %s folder=%s files=%d reason=%s" % (o["state"], o["id"],
        o["period"], o["folder"], len(o["files"]), o.get("reason", "-")))
' "$T/status.json"
}

# ---- the server ------------------------------------------------------------

test_expect_success 'setup: smbd on 127.0.0.1, rclone mount, sink, share' '
	mkdir -p "$SHARE" &&
	echo "edefter share" >"$SHARE/.edefter-share" &&
	mkperiod "$SHARE/$ABC/2025/10" 1234567890 202510 &&
	bigzip "$SHARE/$ABC/2025/10/1234567890-202510-Y-000000.zip" 1 &&
	mkfiles "$SHARE/$ABC/2025/10" berat.xslt &&
	printf "Ekim ayı notları: ğüşıöç ĞÜŞİÖÇ\r\n.nokta ile başlayan satır\r\nFrom satırı\r\n" \
	    >"$SHARE/$ABC/2025/10/Öğüt İçin Not.txt" &&
	mkfiles "$SHARE/$ABC/2025/11" GIB-1234567890-202511-KB-000000.zip &&
	mkperiod "$SHARE/$SUBE/2025/02" 1234567808 202502 &&
	printf "Şubat dönemi açıklaması\n" >"$SHARE/$SUBE/2025/02/Açıklama_Şubat.txt" &&
	mkperiod "$SHARE/XYZ/2025-10" 4540536920 202510 &&
	mkfiles "$SHARE/BAD" 9876543210-202510-KB-000000.zip &&
	smb_start "$SMB" $SMB_PORT "$SHARE" &&
	smb_mount "$SMB" $SMB_PORT "$MNT" &&
	smb_is_mounted "$MNT" &&
	test_wait_for 10 answers "$MNT/$ABC/2025/10" &&
	cmp "$SHARE/$SUBE/2025/02/Açıklama_Şubat.txt" "$MNT/$SUBE/2025/02/Açıklama_Şubat.txt" &&
	pysink_start "$SINK" $SINK_PORT ok --lifetime 600 &&
	csv main "1234567890;ABC Gıda Ticaret A.Ş.;muhasebe@abc.example" \
	    "1234567808;Şube Örnek Ltd.;sube@ornek.example" \
	    "10000000146;Ayşe Yılmaz;ayse@kisi.example" &&
	conf main "$MNT"
'
lap

# ---- 1. status -------------------------------------------------------------

test_expect_success 'status over the mount: complete, incomplete, no-recipient, invalid' '
	scan -c "$T/main.conf" status >table &&
	cat table &&
	head -n 1 table | grep -q "^STATE  *ID  *PERIOD  *FILES  *FOLDER  *REASON" &&
	grep -q "^complete  *1234567890  *2025-10  *5  *$ABC/2025/10 " table &&
	status_json "$T/main.conf" &&
	"$PY" - "$T/status.json" "$ABC" "$SUBE" <<-\PY
	import json, sys
	every = [json.loads(l) for l in open(sys.argv[1])]
	abc, sube = sys.argv[2], sys.argv[3]
	keys = [(o["id"], o["period"]) for o in every]
	assert len(set(keys)) == len(keys), "a period listed twice"
	# the months without files (SPEC 13) are rows of their own
	blank = [o for o in every if o["folder"] is None]
	assert all(o["state"] == "missing" and not o["files"] for o in blank)
	assert ("1234567890", "2026-01") in {(o["id"], o["period"]) for o in blank}
	objs = [o for o in every if o["folder"] is not None]
	got = {(o["id"], o["period"]): o for o in objs}
	want = {("1234567890", "2025-10"): ("complete", abc + "/2025/10"),
	        ("1234567890", "2025-11"): ("incomplete", abc + "/2025/11"),
	        ("1234567808", "2025-02"): ("complete", sube + "/2025/02"),
	        ("4540536920", "2025-10"): ("no-recipient", "XYZ/2025-10"),
	        ("9876543210", "2025-10"): ("invalid", "BAD")}
	assert set(got) == set(want), sorted(got)
	for k, (state, folder) in want.items():
	    o = got[k]
	    for field in ("id", "period", "state", "folder", "files"):
	        assert field in o, (k, field)
	    assert o["state"] == state, (k, o)
	    assert o["folder"] == folder, (k, o)
	    if state in ("complete", "sent"):
	        assert "reason" not in o, (k, o)
	    else:
	        assert o.get("reason"), (k, o)
	def period_files(i, ym):
	    return sorted("%s%s-%s-%s-000000.%s" % (g, i, ym, t, x) for g, t, x in
	                  (("", "Y", "zip"), ("", "K", "zip"), ("GIB-", "YB", "zip"),
	                   ("GIB-", "KB", "zip"), ("", "DR", "xml")))
	assert sorted(got[("1234567890", "2025-10")]["files"]) == period_files("1234567890", "202510")
	assert sorted(got[("1234567808", "2025-02")]["files"]) == period_files("1234567808", "202502")
	assert got[("1234567890", "2025-11")]["files"] == ["GIB-1234567890-202511-KB-000000.zip"]
	assert "GIB-YB" in got[("1234567890", "2025-11")]["reason"], got[("1234567890", "2025-11")]
	assert got[("9876543210", "2025-10")]["files"] == ["9876543210-202510-KB-000000.zip"]
	PY
'
lap

# ---- 2. run and the messages -----------------------------------------------

test_expect_success 'run: one message per complete period, files byte-identical to the server' '
	n=$(msgs) &&
	scan -c "$T/main.conf" run >out 2>err &&
	cat out &&
	test "$(grep -c "^sent " out)" = 2 &&
	grep -q "^sent id=1234567890 period=2025-10 rcpt=muhasebe@abc.example files=7 .*queue=SINK" out &&
	grep -q "^sent id=1234567808 period=2025-02 rcpt=sube@ornek.example files=6 .*queue=SINK" out &&
	grep -q "^skip id=1234567890 period=2025-11 .*state=incomplete$" out &&
	grep -q "^skip id=4540536920 period=2025-10 .*state=no-recipient$" out &&
	grep -q "^skip id=9876543210 period=2025-10 .*state=invalid$" out &&
	test "$(msgs)" = $((n + 2)) &&
	test "$(pysink_count "$SINK" 250)" = $((n + 2)) &&
	m=$(msgs_for 1234567890 2025-10) && test "$(echo "$m" | wc -l)" = 1 &&
	msgcheck "$m" 1234567890 2025-10 "$SHARE/$ABC/2025/10" "Ekim 2025" \
	    "ABC Gıda Ticaret A.Ş." muhasebe@abc.example &&
	printf "mail <edefter@ofis.example>\nrcpt <muhasebe@abc.example>\n" >want.env &&
	head -n 2 "${m%.eml}.env" >got.env && test_cmp want.env got.env &&
	m=$(msgs_for 1234567808 2025-02) && test "$(echo "$m" | wc -l)" = 1 &&
	msgcheck "$m" 1234567808 2025-02 "$SHARE/$SUBE/2025/02" "Şubat 2025" \
	    "Şube Örnek Ltd." sube@ornek.example >check &&
	cat check &&
	grep -q "^file: Açıklama_Şubat.txt " check
'
lap

# ---- 3. smbd stopped and started again -------------------------------------

test_expect_success 'smbd stopped under the mount: run and status exit 75, nothing sent' '
	n=$(msgs) &&
	smb_stop "$SMB" &&
	! ss -Hltn "sport = :$SMB_PORT" | grep -q . &&
	smb_is_mounted "$MNT" &&
	test_expect_code 75 scan -c "$T/main.conf" run >out 2>err &&
	cat out err &&
	grep -q "share not usable" err &&
	grep -q "Input/output error\|$MNT" err &&
	! grep -q "^sent " out &&
	test_expect_code 75 scan -c "$T/main.conf" status >st 2>err &&
	cat st err &&
	! grep -q "^complete\|^incomplete" st &&
	grep -q "share not usable" err &&
	test "$(msgs)" = $n
'
lap

test_expect_success 'smbd back on the same port: the mount recovers, a new period is sent' '
	mkperiod "$SHARE/$KISI/2025/12" 10000000146 202512 &&
	smb_start "$SMB" $SMB_PORT "$SHARE" &&
	test_wait_for 20 answers "$MNT/$KISI/2025/12" &&
	n=$(msgs) &&
	scan -c "$T/main.conf" run >out 2>err &&
	cat out &&
	grep -q "^sent id=10000000146 period=2025-12 rcpt=ayse@kisi.example files=5 " out &&
	test "$(grep -c "^sent " out)" = 3 &&
	test "$(msgs)" = $((n + 3)) &&
	m=$(msgs_for 10000000146 2025-12) && test "$(echo "$m" | wc -l)" = 1 &&
	msgcheck "$m" 10000000146 2025-12 "$SHARE/$KISI/2025/12" "Aralık 2025" \
	    "Ayşe Yılmaz" ayse@kisi.example
'
lap

# ---- 4. smbd frozen ----------------------------------------------------------

test_expect_success 'smbd frozen (SIGSTOP), --timeout 3s: 75 within 30 s, nothing sent' '
	smb_mount "$SMB" $SMB_PORT "$MNT2" --timeout 3s --buffer-size 0 &&
	test_wait_for 10 answers "$MNT2/$ABC" &&
	cp "$T/main.csv" "$T/frozen.csv" &&
	conf frozen "$MNT2" &&
	status_json "$T/frozen.conf" >st && cat st &&
	test "$(grep -c "^complete " st)" = 3 &&
	n=$(msgs) &&
	smb_pause "$SMB" &&
	t0=$(now) && rc=0 &&
	{ timeout 60 "$SCAN" -c "$T/frozen.conf" run >out 2>err || rc=$?; } &&
	t=$(elapsed $t0) && echo "run: exit $rc after ${t}s" &&
	cat out err &&
	test $rc = 75 && lt "$t" 30 &&
	grep -q "share not usable\|did not answer" err &&
	! grep -q "^sent " out &&
	t0=$(now) && rc=0 &&
	{ timeout 60 "$SCAN" -c "$T/frozen.conf" status >st 2>err || rc=$?; } &&
	t=$(elapsed $t0) && echo "status: exit $rc after ${t}s" &&
	test $rc = 75 && lt "$t" 30 &&
	smb_resume "$SMB" &&
	test "$(msgs)" = $n &&
	test_wait_for 20 answers "$MNT2/$ABC/2025/10" &&
	test_wait_for 20 answers "$MNT/$ABC/2025/10"
'
smb_resume "$SMB" 2>/dev/null
lap

# ---- 5. the mount gone, the sentinel gone -----------------------------------

test_expect_success 'mount gone (empty mount point): 75, "not a mount point", nothing sent' '
	n=$(msgs) &&
	smb_umount "$MNT" &&
	! smb_is_mounted "$MNT" &&
	test -d "$MNT" && test -z "$(ls -A "$MNT")" &&
	test_expect_code 75 scan -c "$T/main.conf" run >out 2>err &&
	cat out err &&
	grep -q "is not a mount point" err &&
	! grep -q "^sent \|^skip " out &&
	test_expect_code 75 scan -c "$T/main.conf" status >/dev/null 2>err &&
	grep -q "is not a mount point" err &&
	test "$(msgs)" = $n
'
lap

test_expect_success 'sentinel deleted on the server: 75, nothing sent; back: status works' '
	smb_is_mounted "$MNT" || smb_mount "$SMB" $SMB_PORT "$MNT" &&
	test_wait_for 10 answers "$MNT/$ABC" &&
	n=$(msgs) &&
	mv "$SHARE/.edefter-share" "$T/sentinel.saved" &&
	test_wait_for 10 eval "! test -e \"\$MNT/.edefter-share\"" &&
	test_expect_code 75 scan -c "$T/main.conf" run >out 2>err &&
	cat out err &&
	grep -q "ShareSentinel .*No such file" err &&
	! grep -q "^sent \|^skip " out &&
	test_expect_code 75 scan -c "$T/main.conf" status >/dev/null 2>&1 &&
	test "$(msgs)" = $n &&
	mv "$T/sentinel.saved" "$SHARE/.edefter-share" &&
	test_wait_for 10 test -e "$MNT/.edefter-share" &&
	scan -c "$T/main.conf" status >st 2>/dev/null &&
	test "$(grep -c "^complete " st)" = 3
'
lap

# ---- 6. not a mount of the right type ----------------------------------------

test_expect_success 'ShareType cifs: a plain directory, the rclone mount, a subdirectory: 75' '
	mkperiod "$T/local/ABC/2025/10" 1234567890 202510 &&
	echo x >"$T/local/.edefter-share" &&
	cp "$T/main.csv" "$T/local.csv" &&
	conf local "$T/local" &&
	sed -i "s/^ShareType .*/ShareType cifs/" "$T/local.conf" &&
	n=$(msgs) &&
	test_expect_code 75 scan -c "$T/local.conf" run >out 2>err &&
	cat err &&
	grep -q "is not a mount point" err &&
	! grep -q "^sent " out &&
	cp "$T/main.csv" "$T/cifs.csv" &&
	conf cifs "$MNT" &&
	sed -i "s/^ShareType .*/ShareType cifs, smb3/" "$T/cifs.conf" &&
	test_expect_code 75 scan -c "$T/cifs.conf" run >out 2>err &&
	cat err &&
	grep -q "mounted as fuse.rclone, not as cifs or smb3" err &&
	cp "$T/main.csv" "$T/sub.csv" &&
	conf sub "$MNT/$ABC" &&
	echo x >"$SHARE/$ABC/.edefter-share" &&
	test_expect_code 75 scan -c "$T/sub.conf" run >out 2>err &&
	rm -f "$SHARE/$ABC/.edefter-share" &&
	cat err &&
	grep -q "is not a mount point" err &&
	! grep -q "^sent " out &&
	test "$(msgs)" = $n
'
lap

# ---- 7. stability over SMB ----------------------------------------------------

# passes_until CONF PATTERN SECS LOG - run passes until one prints a line
# matching PATTERN (bounded); every pass's output is appended to LOG,
# headed "pass N at T" (seconds since the first)
passes_until() {
	local conf=$1 pat=$2 secs=$3 log=$4 i=0 t0 end
	t0=$(now)
	end=$((SECONDS + secs))
	while :; do
		i=$((i + 1))
		echo "pass $i at $(elapsed "$t0")" >>"$log"
		"$SCAN" -c "$conf" run >>"$log" 2>/dev/null
		if tail -n 50 "$log" | sed -n "/^pass $i at/,\$p" | grep -q "$pat"; then
			return 0
		fi
		if [ $SECONDS -ge $end ]; then
			echo "no pass printed $pat within ${secs}s" >&2
			return 1
		fi
		sleep 0.2
	done
}

# late_in_second - true in the last 0.3 s of a wall-clock second
late_in_second() { [ "$(date +%N)" -ge 700000000 ]; }

# The scanner first sees the files on its first pass (at or after t0):
# whatever their mtime says (copy tools keep old ones), it can only know
# they stayed unchanged from then on.  So the pass that sends them must
# end at least SettleSeconds after t0.  The first pass is started late in
# a wall-clock second, so that a rule counting whole seconds (where 1.1 s
# can pass for 2 s) shows every time, not now and then.
test_expect_success 'SettleSeconds 2s: pending (settling) first, sent at least 2 s later' '
	csv settle "1111111114;Yavaş Kopya A.Ş.;yavas@kopya.example" &&
	conf settle "$MNT" "SettleSeconds 2s" &&
	n=$(msgs) &&
	mkperiod "$SHARE/Yavaş/2025/06" 1111111114 202506 &&
	test_wait_for 10 answers "$MNT/Yavaş/2025/06/GIB-1111111114-202506-KB-000000.zip" &&
	test_wait_for 2 late_in_second &&
	t0=$(now) &&
	scan -c "$T/settle.conf" run >first 2>/dev/null &&
	grep "id=1111111114" first &&
	grep -q "^skip id=1111111114 period=2025-06 .*reason=settling .*state=pending$" first &&
	test "$(msgs)" = $n &&
	passes_until "$T/settle.conf" "^sent id=1111111114 period=2025-06 " 15 passes &&
	t=$(elapsed $t0) &&
	grep "^pass\|id=1111111114" passes &&
	echo "sent by a pass that ended ${t}s after the first pass began" &&
	test "$(msgs_for 1111111114 2025-06 | wc -l)" = 1 &&
	test "$(msgs)" = $((n + 1)) &&
	! lt "$t" 2
'
lap

test_expect_success 'a zip copied half-way stays pending (zip-incomplete) until whole, then sent' '
	csv half "2222222224;Yarım Kopya Ltd.;yarim@kopya.example" &&
	conf half "$MNT" "SettleSeconds 2s" &&
	d="$SHARE/Yarım/2025/09" &&
	mkperiod "$T/stage" 2222222224 202509 &&
	bigzip "$T/stage/GIB-2222222224-202509-KB-000000.zip" 1 &&
	z=GIB-2222222224-202509-KB-000000.zip &&
	n=$(msgs) &&
	mkdir -p "$d" &&
	cp "$T/stage/"* "$d/" &&
	head -c $(( $(stat -c %s "$T/stage/$z") / 2 )) "$T/stage/$z" >"$d/$z" &&
	test_wait_for 10 answers "$MNT/Yarım/2025/09/$z" &&
	passes_until "$T/half.conf" "reason=zip-incomplete file=$z state=pending" 15 half1 &&
	t0=$(now) &&
	while lt "$(elapsed $t0)" 3; do
		scan -c "$T/half.conf" run >>half1 2>/dev/null
		sleep 0.3
	done &&
	cat half1 &&
	! grep -q "^sent " half1 &&
	awk "/period=2025-09/ { if (!/state=pending\$/) bad = 1
		if (/reason=zip-incomplete/) z = 1; else if (z) bad = 1 }
		END { exit bad || !z }" half1 &&
	test "$(msgs)" = $n &&
	cat "$T/stage/$z" >"$d/$z" &&
	passes_until "$T/half.conf" "^sent id=2222222224 period=2025-09 " 15 half2 &&
	cat half2 &&
	test "$(msgs)" = $((n + 1)) &&
	m=$(msgs_for 2222222224 2025-09) &&
	msgcheck "$m" 2222222224 2025-09 "$d" "Eylül 2025" "Yarım Kopya Ltd." \
	    yarim@kopya.example
'
lap

# ---- 8. symlinks made on the server ------------------------------------------

test_expect_success 'server-side symlinks (to /etc/passwd, /etc, /, a loop): never in a message' '
	csv link "3333333339;Bağlantı A.Ş.;baglanti@link.example" &&
	conf link "$MNT" &&
	d="$SHARE/Bağlantı/2025/07" &&
	mkperiod "$d" 3333333339 202507 &&
	ln -s /etc/passwd "$d/passwd.txt" &&
	ln -s /etc/passwd "$d/3333333339-202507-E-000000.xml" &&
	ln -s /etc "$d/etc" &&
	ln -s / "$d/kök" &&
	ln -s ../.. "$d/döngü" &&
	test_wait_for 10 answers "$MNT/Bağlantı/2025/07" &&
	echo "what the client sees:" && ls -la "$MNT/Bağlantı/2025/07" &&
	n=$(msgs) &&
	status_json "$T/link.conf" &&
	scan -c "$T/link.conf" run >out 2>err &&
	cat out &&
	grep -q "^sent id=3333333339 period=2025-07 " out &&
	test "$(grep -c "^sent " out)" = 1 &&
	test "$(msgs)" = $((n + 1)) &&
	m=$(msgs_for 3333333339 2025-07) &&
	msgcheck "$m" 3333333339 2025-07 "$d" "Temmuz 2025" "Bağlantı A.Ş." \
	    baglanti@link.example &&
	no_passwd
'
lap

# ---- 9. smbd frozen while an attachment is being read ---------------------------

# reading PID - true once PID has read more than 2 MiB (the attachments
# are read with pread, so the descriptor's offset does not move; rchar
# counts every byte read, and only the big file has that many)
reading() {
	local p
	# the scanner, or the child its pass runs in (the watchdog's guard)
	for p in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		awk '$1 == "rchar:" && $2 > 2097152 { ok = 1 } END { exit !ok }' \
		    "/proc/$p/io" 2>/dev/null && return 0
	done
	return 1
}

# rchar_of PID - bytes read by PID and its children
rchar_of() {
	local p n=0 r
	for p in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		r=$(awk '$1 == "rchar:" { print $2 }' "/proc/$p/io" 2>/dev/null)
		n=$((n + ${r:-0}))
	done
	echo "$n"
}

test_expect_success 'smbd frozen mid-message: 75, no message delivered; then sent whole' '
	csv big "5555555553;Büyük Dosya A.Ş.;buyuk@dosya.example" &&
	conf big "$MNT2" "MaxMessageSize 45M" &&
	d="$SHARE/Büyük/2025/08" &&
	y=5555555553-202508-Y-000000.zip &&
	mkperiod "$d" 5555555553 202508 &&
	bigzip "$d/$y" 24 &&
	test_wait_for 10 answers "$MNT2/Büyük/2025/08/$y" &&
	n=$(msgs) &&
	{ "$SCAN" -c "$T/big.conf" run >out 2>err & pid=$!; } &&
	test_at_exit "[ \"\$(cat /proc/$pid/comm 2>/dev/null)\" = edefter-scan ] && kill -KILL $pid" &&
	test_wait_for 20 reading $pid &&
	smb_pause "$SMB" &&
	t0=$(now) &&
	{ kill -0 $pid 2>/dev/null ||
	    { echo "timing: the scanner ended before smbd froze" >&2; false; }; } &&
	echo "smbd froze after the scanner read $(rchar_of $pid) bytes" &&
	test_wait_for 40 eval "! kill -0 $pid 2>/dev/null" &&
	rc=0 && { wait $pid || rc=$?; } &&
	echo "exit $rc $(elapsed $t0)s after smbd froze" &&
	smb_resume "$SMB" &&
	cat out err &&
	test $rc = 75 &&
	! grep -q "^sent " out &&
	test "$(pysink_count "$SINK" 250)" = $n &&
	test_wait_for 20 answers "$MNT2/Büyük/2025/08" &&
	scan -c "$T/big.conf" run >out 2>err &&
	cat out &&
	grep -q "^sent id=5555555553 period=2025-08 " out &&
	m=$(msgs_for 5555555553 2025-08 | while read -r f; do
		grep -q "^reply 250" "${f%.eml}.env" && echo "$f"; done) &&
	test "$(echo "$m" | wc -l)" = 1 &&
	msgcheck "$m" 5555555553 2025-08 "$d" "Ağustos 2025" "Büyük Dosya A.Ş." \
	    buyuk@dosya.example
'
smb_resume "$SMB" 2>/dev/null
lap

# ---- 10. the FUSE process gone -------------------------------------------------

test_expect_success 'rclone killed (ENOTCONN even on the mount point): 75, nothing sent' '
	n=$(msgs) &&
	rpid=$(cat "$T/.mnt2.rclone.pid") &&
	_smb_alive "$rpid" rclone &&
	kill -KILL "$rpid" &&
	test_wait_for 5 eval "! stat \"\$MNT2/.\" >/dev/null 2>&1" &&
	test_expect_code 75 scan -c "$T/frozen.conf" run >out 2>err &&
	cat out err &&
	grep -q "share not usable" err &&
	! grep -q "^sent " out &&
	test_expect_code 75 scan -c "$T/frozen.conf" status >/dev/null 2>&1 &&
	test "$(msgs)" = $n &&
	smb_umount "$MNT2" &&
	! grep -q " $MNT2 " /proc/self/mountinfo
'
lap

# ---- the end -------------------------------------------------------------------

test_expect_success 'no message at all ever carried /etc/passwd; every one got 250' '
	no_passwd &&
	test "$(pysink_count "$SINK")" = "$(pysink_count "$SINK" 250)" &&
	test ! -e "$SHARE/．"
'

test_expect_success 'unmount and stop: nothing left mounted or running' '
	rpid=$(cat "$T/.mnt.rclone.pid") &&
	spid=$(cat "$SMB/smbd.pid") &&
	smb_umount "$MNT2" && smb_umount "$MNT" &&
	! grep -q " $MNT " /proc/self/mountinfo &&
	! grep -q " $MNT2 " /proc/self/mountinfo &&
	! _smb_alive "$rpid" rclone &&
	smb_stop "$SMB" &&
	test -z "$(_smb_group "$spid")" &&
	! ss -Hltn "sport = :$SMB_PORT" | grep -q .
'
lap

test_done
