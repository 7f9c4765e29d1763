#!/usr/bin/env bash
# t8000 - the integration harness itself, on real parts: a private Postfix
# relaying to smtp-sink, the scriptable smtpsink.py, a private smbd and an
# rclone FUSE mount of its share, with the faults the later tests rely on.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/sink.sh"
. "$TOP/tests/lib/samba.sh"

PY=/usr/bin/python3

# Five distinct free loopback ports.
ports=()
while [ ${#ports[@]} -lt 5 ]; do
	p=$(test_free_port) || { echo "Bail out! no free port"; exit 1; }
	case " ${ports[*]} " in
	*" $p "*) ;;
	*) ports+=("$p") ;;
	esac
done
PF_PORT=${ports[0]} SINK_PORT=${ports[1]} MILTER_PORT=${ports[2]}
PY_PORT=${ports[3]} SMB_PORT=${ports[4]}

# missing - print the first of the named commands that is not installed
missing() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || { echo "$c"; return 0; }
	done
	return 1
}

no_root=
[ "$(id -u)" -eq 0 ] || no_root="not running as root"
no_py=
[ -x "$PY" ] || no_py="$PY is missing"
no_pf=${no_root:-${no_py}}
if [ -z "$no_pf" ] && m=$(missing postfix postconf postqueue sendmail smtp-sink); then
	no_pf="$m is not installed (Debian package postfix)"
fi
no_smb=$no_root
if [ -z "$no_smb" ] && m=$(missing smbd testparm rclone fusermount3); then
	no_smb="$m is not installed (Debian packages samba rclone fuse3)"
fi
if [ -z "$no_smb" ] && [ ! -c /dev/fuse ]; then
	no_smb="/dev/fuse is missing"
fi

# Stops run in reverse order: mounts first, then the servers.
test_at_exit "sink_stop '$T/sink'"
test_at_exit "pf_stop '$T/pf'"
for mode in ok 451-then-250 drop-after-dot reject-dup 550 short few hold busy; do
	test_at_exit "pysink_stop '$T/py-$mode'"
done
test_at_exit "smb_stop '$T/smb'"
test_at_exit "smb_umount '$T/mnt'"
test_at_exit "smb_umount '$T/mnt2'"

# An SMTP client that prints one line per reply: "verb code [text]".
cat >"$T/smtpc.py" <<'EOF'
import smtplib, sys
port, sender, rcpt, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
msg = open(path, "rb").read()
def say(verb, reply):
    code, text = reply
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    print(verb, code, text.replace("\n", " "))
s = smtplib.SMTP(timeout=10)
code, _ = s.connect("127.0.0.1", port)
print("connect", code)
code, _ = s.ehlo("t8000.test")
print("ehlo", code, " ".join(sorted(s.esmtp_features)))
say("noop", s.noop())
say("rset", s.rset())
try:
    r = s.mail(sender)
    say("mail", r)
    if r[0] != 250:
        sys.exit(0)
    say("rcpt", s.rcpt(rcpt))
    say("data", s.data(msg))
    say("quit", s.quit())
except smtplib.SMTPServerDisconnected:
    print("dropped")
EOF
smtpc() { "$PY" "$T/smtpc.py" "$@"; }

# message FILE ID - write a small CRLF message with Message-ID <ID>
message() {
	printf 'From: a@example.org\r\nTo: b@example.net\r\nSubject: %s\r\nMessage-ID: <%s>\r\n\r\nfirst line\r\n.starts with a dot\r\n..two dots\r\n' \
	    "$2" "$2" >"$1"
}

# sink_has ID - the capture file holding Message-ID <ID>
sink_has() {
	local f
	for f in $(sink_files "$T/sink"); do
		if grep -q "^Message-ID: <$1>" "$f"; then
			echo "$f"
			return 0
		fi
	done
	return 1
}

# ---- Postfix and smtp-sink ----------------------------------------------

if [ -n "$no_pf" ]; then
	test_skip 'Postfix relays to smtp-sink' "$no_pf"
else

test_expect_success 'smtp-sink listens on loopback and starts empty' '
	sink_start "$T/sink" $SINK_PORT &&
	ss -Hltn "sport = :$SINK_PORT" >ss.out &&
	grep -q "127.0.0.1:$SINK_PORT " ss.out &&
	test "$(sink_count "$T/sink")" = 0
'

test_expect_success 'a private Postfix starts, smtpd on 127.0.0.1 only' '
	pf_setup "$T/pf" $PF_PORT $SINK_PORT &&
	pf_start "$T/pf" &&
	ss -Hltn "sport = :$PF_PORT" >ss.out &&
	test "$(wc -l <ss.out)" = 1 &&
	grep -q "127.0.0.1:$PF_PORT " ss.out &&
	test "$(stat -c %U "$T/pf/data")" = postfix &&
	pf_queue_empty "$T/pf" &&
	test "$(pf_log "$T/pf")" = "$T/pf/maillog" &&
	grep -q "daemon started" "$T/pf/maillog"
'

test_expect_success 'a message submitted over SMTP reaches the sink' '
	message m1 smtp-1@t8000 &&
	smtpc $PF_PORT a@example.org b@example.net m1 >out &&
	grep -q "^data 250 2.0.0 Ok" out &&
	test_wait_for 20 pf_queue_empty "$T/pf" &&
	f=$(sink_has smtp-1@t8000) &&
	grep -q "^X-Mail-Args: <a@example.org>" "$f" &&
	grep -q "^X-Rcpt-Args: <b@example.net>" "$f" &&
	grep -q "^\.starts with a dot" "$f" &&
	test "$(sink_count "$T/sink")" = 1
'

test_expect_success 'a message submitted with sendmail reaches the sink' '
	message m2 sendmail-1@t8000 &&
	pf_sendmail "$T/pf" -f c@example.org d@example.net <m2 &&
	test_wait_for 20 pf_queue_empty "$T/pf" &&
	f=$(sink_has sendmail-1@t8000) &&
	grep -q "^X-Mail-Args: <c@example.org>" "$f" &&
	test "$(sink_count "$T/sink")" = 2 &&
	test "$(grep -c "status=sent" "$T/pf/maillog")" = 2
'

test_expect_success 'pf_milter: milter settings, and a down milter tempfails' '
	pf_milter "$T/pf" inet:127.0.0.1:$MILTER_PORT 5s 20s &&
	postconf -c "$T/pf/etc" -h smtpd_milters non_smtpd_milters >m.out &&
	test "$(grep -c "{ inet:127.0.0.1:$MILTER_PORT, default_action=tempfail }" m.out)" = 2 &&
	postconf -c "$T/pf/etc" -h milter_connect_macros | grep -q "{client_addr}" &&
	test "$(postconf -c "$T/pf/etc" -h milter_content_timeout)" = 20s &&
	postconf -c "$T/pf/etc" -P cleanup/unix/milter_macro_daemon_name >p.out &&
	grep -q "= pickup" p.out &&
	message m3 smtp-2@t8000 &&
	smtpc $PF_PORT a@example.org b@example.net m3 >out &&
	grep -q "^ehlo 250" out &&
	grep -q "^mail 451 4.7.1" out
'

test_expect_success 'sendmail mail waits in maildrop for the milter, then goes' '
	message m4 sendmail-2@t8000 &&
	pf_sendmail "$T/pf" -f c@example.org d@example.net <m4 &&
	test_wait_for 10 grep -q "cleanup.*Milter.*$MILTER_PORT" "$T/pf/maillog" &&
	test "$(pf_queue_count "$T/pf")" = 1 &&
	! pf_queue_empty "$T/pf" &&
	pf_set "$T/pf" "smtpd_milters =" "non_smtpd_milters =" &&
	pf_flush "$T/pf" &&
	test_wait_for 20 pf_queue_empty "$T/pf" &&
	sink_has sendmail-2@t8000 >/dev/null &&
	test "$(sink_count "$T/sink")" = 3
'

test_expect_success 'pf_stop and sink_stop leave no process behind' '
	master=$(cat "$T/pf/spool/pid/master.pid" | tr -dc 0-9) &&
	sinkpid=$(cat "$T/sink/.smtp-sink.pid") &&
	kill -0 $master && kill -0 $sinkpid &&
	pf_stop "$T/pf" &&
	sink_stop "$T/sink" &&
	test -z "$(_pf_group $master)" &&
	! _sink_pid_alive "$T/sink/.smtp-sink.pid" smtp-sink &&
	! ss -Hltn "sport = :$PF_PORT" | grep -q . &&
	test_wait_for 5 eval "! ss -Hltn \"sport = :$SINK_PORT\" | grep -q ."
'

fi

# ---- smtpsink.py ---------------------------------------------------------

# expect_replies MODE CODE... - after start, one session per CODE; the
# "data" line of session N must start with "data CODE" (or be "dropped")
expect_replies() {
	local mode=$1 n=0 want
	shift
	for want in "$@"; do
		n=$((n + 1))
		message "py-$mode.$n" "py-$n@t8000" &&
		smtpc $PY_PORT s@example.org r@example.net "py-$mode.$n" \
		    >"py-$mode.$n.out" || return 1
		case $want in
		dropped) grep -q "^dropped$" "py-$mode.$n.out" ;;
		*) grep -q "^data $want" "py-$mode.$n.out" ;;
		esac || { cat "py-$mode.$n.out"; return 1; }
	done
}

if [ -n "$no_py" ]; then
	test_skip 'smtpsink.py modes' "$no_py"
else

test_expect_success 'smtpsink.py ok: EHLO, NOOP, RSET, 250, message stored' '
	pysink_start "$T/py-ok" $PY_PORT ok &&
	test -e "$T/py-ok/ready" &&
	expect_replies ok "250 2.0.0" "250 2.0.0" &&
	cat >expect <<-EOF &&
	connect 220
	ehlo 250 8bitmime enhancedstatuscodes pipelining size
	noop 250 2.0.0 Ok
	rset 250 2.0.0 Ok
	mail 250 2.1.0 Ok
	rcpt 250 2.1.5 Ok
	data 250 2.0.0 Ok: queued as SINK001
	quit 221 2.0.0 Bye
	EOF
	test_cmp expect py-ok.1.out &&
	cmp py-ok.1 "$T/py-ok/001.eml" &&
	cmp py-ok.2 "$T/py-ok/002.eml" &&
	printf "mail <s@example.org>\nrcpt <r@example.net>\nreply 250 2.0.0 Ok: queued as SINK001\n" >expect &&
	test_cmp expect "$T/py-ok/001.env" &&
	test "$(pysink_count "$T/py-ok")" = 2 &&
	test "$(pysink_count "$T/py-ok" 250)" = 2 &&
	pysink_stop "$T/py-ok" &&
	! kill -0 "$(cat "$T/py-ok/smtpsink.pid")" 2>/dev/null
'

test_expect_success 'smtpsink.py 451-then-250: 451 4.3.0 first, then 250' '
	pysink_start "$T/py-451-then-250" $PY_PORT 451-then-250 &&
	expect_replies 451-then-250 "451 4.3.0" "250 2.0.0" "250 2.0.0" &&
	test "$(pysink_count "$T/py-451-then-250" 451)" = 1 &&
	test "$(pysink_count "$T/py-451-then-250" 250)" = 2 &&
	pysink_stop "$T/py-451-then-250"
'

test_expect_success 'smtpsink.py drop-after-dot: message read, no reply' '
	pysink_start "$T/py-drop-after-dot" $PY_PORT drop-after-dot &&
	expect_replies drop-after-dot dropped &&
	cmp py-drop-after-dot.1 "$T/py-drop-after-dot/001.eml" &&
	grep -qx "reply none" "$T/py-drop-after-dot/001.env" &&
	pysink_stop "$T/py-drop-after-dot"
'

test_expect_success 'smtpsink.py reject-dup: 550 5.7.1 duplicate' '
	pysink_start "$T/py-reject-dup" $PY_PORT reject-dup &&
	expect_replies reject-dup "550 5.7.1 duplicate" "550 5.7.1 duplicate" &&
	pysink_stop "$T/py-reject-dup"
'

test_expect_success 'smtpsink.py 550: permanent reject' '
	pysink_start "$T/py-550" $PY_PORT 550 &&
	expect_replies 550 "550 5.7.1" &&
	test "$(pysink_count "$T/py-550" 550)" = 1 &&
	pysink_stop "$T/py-550"
'

test_expect_success 'smtpsink.py ends by itself: lifetime, connection count' '
	pysink_start "$T/py-short" $PY_PORT ok --lifetime 1 &&
	pid=$(cat "$T/py-short/smtpsink.pid") &&
	test_wait_for 5 eval "! kill -0 $pid 2>/dev/null" &&
	pysink_start "$T/py-few" $PY_PORT ok --max-connections 1 &&
	pid=$(cat "$T/py-few/smtpsink.pid") &&
	expect_replies few "250 2.0.0" &&
	test_wait_for 5 eval "! kill -0 $pid 2>/dev/null" &&
	test ! -s "$T/py-few/smtpsink.out"
'

test_expect_success 'smtpsink.py refuses a port that is taken' '
	pysink_start "$T/py-hold" $PY_PORT ok &&
	test_must_fail pysink_start "$T/py-busy" $PY_PORT ok 2>err &&
	grep -q "cannot listen on 127.0.0.1:$PY_PORT" err &&
	pysink_stop "$T/py-hold"
'

fi

# ---- smbd and rclone -----------------------------------------------------

# ls_eio DIR - true when listing DIR fails with an I/O error
ls_eio() {
	local err
	if err=$(ls "$1" 2>&1 >/dev/null); then
		return 1
	fi
	case $err in
	*"Input/output error"*) return 0 ;;
	esac
	echo "unexpected: $err" >&2
	return 1
}

if [ -n "$no_smb" ]; then
	test_skip 'smbd and an rclone mount' "$no_smb"
else

test_expect_success 'a private smbd serves a guest share on 127.0.0.1' '
	mkdir -p share/sub &&
	head -c 200000 /dev/urandom >share/sub/data.bin &&
	smb_start "$T/smb" $SMB_PORT "$T/share" &&
	ss -Hltn "sport = :$SMB_PORT" >ss.out &&
	test "$(wc -l <ss.out)" = 1 &&
	grep -q "127.0.0.1:$SMB_PORT " ss.out &&
	pid=$(cat "$T/smb/smbd.pid") &&
	test "$(ps -o pgid= -p $pid | tr -d " ")" = $pid &&
	test "$(ps -o pgid= -p $$ | tr -d " ")" != $pid
'

test_expect_success 'rclone mounts it: fuse.rclone, same bytes' '
	smb_mount "$T/smb" $SMB_PORT "$T/mnt" &&
	smb_is_mounted "$T/mnt" &&
	awk -v m="$T/mnt" "\$5 == m" /proc/self/mountinfo >mi &&
	grep -q " - fuse.rclone " mi &&
	cmp share/sub/data.bin mnt/sub/data.bin
'

test_expect_success 'a file written on the server shows up at once' '
	printf "late\n" >share/sub/late.txt &&
	test_wait_for 3 cmp -s share/sub/late.txt mnt/sub/late.txt
'

test_expect_success 'a file written through the mount lands in the share' '
	mkdir mnt/sub/new &&
	printf "through rclone\n" >mnt/sub/new/w.txt &&
	cmp mnt/sub/new/w.txt share/sub/new/w.txt
'

test_expect_success 'smbd killed: listing fails with EIO within seconds' '
	smb_stop "$T/smb" &&
	! ss -Hltn "sport = :$SMB_PORT" | grep -q . &&
	test_wait_for 5 ls_eio mnt/sub &&
	smb_is_mounted "$T/mnt"
'

test_expect_success 'smbd restarted: the mount works again by itself' '
	smb_start "$T/smb" $SMB_PORT "$T/share" &&
	test_wait_for 10 cmp -s share/sub/data.bin mnt/sub/data.bin &&
	ls mnt/sub >list &&
	grep -qx late.txt list
'

test_expect_success 'smbd paused: EIO after --timeout; resumed: works' '
	smb_mount "$T/smb" $SMB_PORT "$T/mnt2" --timeout 2s &&
	cmp share/sub/data.bin mnt2/sub/data.bin &&
	smb_pause "$T/smb" &&
	grep -q "^State:.*T" /proc/$(cat "$T/smb/smbd.pid")/status &&
	test_wait_for 10 ls_eio mnt2/sub &&
	smb_resume "$T/smb" &&
	test_wait_for 10 cmp -s share/sub/data.bin mnt2/sub/data.bin
'

test_expect_success 'smb_umount after rclone was killed leaves no stale mount' '
	kill -KILL "$(cat "$T/.mnt2.rclone.pid")" &&
	test_wait_for 5 eval "! stat mnt2/. >/dev/null 2>&1" &&
	smb_umount "$T/mnt2" &&
	! grep -q " $T/mnt2 " /proc/self/mountinfo &&
	stat mnt2/. >/dev/null &&
	test -z "$(ls -A mnt2)"
'

test_expect_success 'smb_umount and smb_stop leave nothing behind' '
	rpid=$(cat "$T/.mnt.rclone.pid") &&
	spid=$(cat "$T/smb/smbd.pid") &&
	smb_umount "$T/mnt" &&
	! grep -q " $T/mnt " /proc/self/mountinfo &&
	test -z "$(ls -A mnt)" &&
	! _smb_alive $rpid rclone &&
	smb_stop "$T/smb" &&
	test -z "$(_smb_group $spid)" &&
	! ss -Hltn "sport = :$SMB_PORT" | grep -q .
'

fi

test_done
