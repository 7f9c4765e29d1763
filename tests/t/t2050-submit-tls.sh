#!/usr/bin/env bash
# t2050 - edefter-scan submits over TLS with SMTP AUTH to a real Postfix:
# a private instance with a certificate signed by a CA the test makes,
# STARTTLS required on a submission port and implicit TLS on an smtps
# port, SASL through Cyrus (a private sasldb), edefter-milter trusting no
# client address (TrustedClients 192.0.2.1), so that trust comes from
# SASL alone; Postfix relays to smtp-sink.  The scanner's syslog lines go
# to a private rsyslogd.
#
# Delivered and recorded with the SASL user over submission:// and
# smtps://; a wrong password defers (75), tries once a pass, and the
# period goes out on the next pass once fixed, with the same Message-ID;
# a certificate from another CA, or the test's CA without SubmitCAFile,
# is refused and nothing is sent; SubmitTLSVerify no sends with one
# warning a pass; a password file group or others may read is refused
# (78); the password is in no output, log line or -n listing.  The
# scanner is always started as "edefter-scan -c FILE COMMAND": the
# password is never on a command line.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/sink.sh"
. "$TOP/tests/lib/milter.sh"
. "$TOP/tests/lib/share.sh"
. "$TOP/tests/lib/tls.sh"
. "$TOP/tests/lib/sasl.sh"
. "$TOP/tests/lib/rsyslog.sh"

PY=/usr/bin/python3

# ---- can this run here? ----------------------------------------------------

why=
if [ "$(id -u)" -ne 0 ]; then
	why="a private Postfix needs root"
elif [ ! -x "$PY" ]; then
	why="$PY is missing"
else
	for p in edefter-milter edefter-scan edefterctl; do
		[ -x "$BUILD/$p" ] || { why="$BUILD/$p is not built"; break; }
	done
	for c in postfix postconf postqueue smtp-sink openssl saslpasswd2 \
	    sasldblistusers2 rsyslogd ss; do
		[ -n "$why" ] && break
		command -v "$c" >/dev/null 2>&1 ||
		    why="$c is not installed (Debian: postfix, openssl, sasl2-bin, rsyslog)"
	done
	if [ -z "$why" ] && ! ls /usr/lib/*/sasl2/libsasldb.so* \
	    /usr/lib/*/sasl2/libplain.so* >/dev/null 2>&1; then
		why="no Cyrus SASL sasldb or PLAIN plugin (libsasl2-modules-db, libsasl2-modules)"
	fi
	if [ -z "$why" ] && ! postconf -a 2>/dev/null | grep -qx cyrus; then
		why="this Postfix has no Cyrus SASL"
	fi
fi
if [ -n "$why" ]; then
	test_skip 'submission over TLS with AUTH' "$why"
	test_done
fi

ports=()
while [ ${#ports[@]} -lt 4 ]; do
	p=$(test_free_port) || { echo "Bail out! no free port"; exit 1; }
	case " ${ports[*]} " in
	*" $p "*) ;;
	*) ports+=("$p") ;;
	esac
done
PF_PORT=${ports[0]} SUB_PORT=${ports[1]} SMTPS_PORT=${ports[2]}
SINK_PORT=${ports[3]}
PF=$T/pf SINK=$T/sink RSL=$T/rsl CA=$T/ca LOG=$T/pf/maillog
ID=1234567890 RCPT=muhasebe@abc.example
USER_NAME=scan@ofis.example
# blanks, '#' (not after a blank: in edefter.conf that starts a comment),
# '@' and ':' that a URL would have to escape
PW='Gizli p@rola:5#x;"q'
WRONG='not the password'

test_at_exit "rsl_stop '$RSL'"
test_at_exit "sink_stop '$SINK'"
test_at_exit "pf_stop '$PF'"

# ---- helpers -----------------------------------------------------------------

ctl() { "$BUILD/edefterctl" -l "$T/m.ledger" "$@"; }
# field KEY NAME - one field of a ledger record
field() { ctl show "$1" 2>/dev/null | sed -n "s/^$2  *//p"; }
key() { echo "$ID/$1/$RCPT"; }

# sconf NAME [LINE...] - $T/NAME.conf (mode 0600) for a share $T/NAME.share
# with its own StateDir; the ledger is the milter's
sconf() {
	local name=$1
	shift
	mkdir -p "$T/$name.share" "$T/$name.state"
	{
		echo "LedgerPath $T/m.ledger"
		echo "ShareRoot $T/$name.share"
		echo "ShareType any"
		echo "Companies $T/companies.csv"
		echo "From Mali Müşavirlik <edefter@ofis.example>"
		echo "StateDir $T/$name.state"
		echo "SettleSeconds 0"
		printf '%s\n' "$@"
	} >"$T/$name.conf"
	chmod 0600 "$T/$name.conf"
}

# scan NAME ARGS... - the scanner on $T/NAME.conf; stdout in NAME.N.out,
# stderr in NAME.N.err, syslog to the private rsyslogd; the status is its
scan() {
	local name=$1 n rc=0
	shift
	n=$(($(cat "$T/.runs" 2>/dev/null || echo 0) + 1))
	echo $n >"$T/.runs"
	EDEFTER_SYSLOG_SOCKET=$(rsl_socket "$RSL") \
	    "$BUILD/edefter-scan" -c "$T/$name.conf" "$@" \
	    >"$T/$name.$n.out" 2>"$T/$name.$n.err" || rc=$?
	cp "$T/$name.$n.out" "$T/last.out"
	cp "$T/$name.$n.err" "$T/last.err"
	cat "$T/last.out"
	return $rc
}

settled() { test_wait_for 30 pf_queue_empty "$PF"; }
# sink_with PERIOD - the sink files that hold PERIOD's message
sink_with() {
	local f
	for f in $(sink_files "$SINK"); do
		grep -q "^X-EDefter-Period: $1" "$f" && echo "$f"
	done
	return 0
}
intent_msgid() { sed -n 's/^msgid //p' "$T/$1.state/intent/${ID}_$2"; }
# sasl_lines - how many AUTH attempts Postfix has logged so far
auth_ok() { grep -c "sasl_method=.*sasl_username=$USER_NAME" "$LOG" || :; }
auth_failed() { grep -c "SASL .* authentication failed" "$LOG" || :; }
# sent_via SERVICE PERIOD - Postfix's smtpd SERVICE took PERIOD's message
# from an authenticated client
sent_via() {
	local qid
	qid=$(field "$(key "$2")" "queue id") && [ -n "$qid" ] &&
	    grep -q "postfix/$1/smtpd\[[0-9]*\]: $qid: client=localhost\[127.0.0.1\], sasl_method=PLAIN, sasl_username=$USER_NAME\$" "$LOG"
}

# ---- setup -------------------------------------------------------------------

test_expect_success 'setup: a CA, certificates, Postfix with STARTTLS, smtps and SASL, the milter' '
	tls_ca "$CA" ca && tls_cert "$CA" ca server &&
	tls_ca "$CA" other && tls_cert "$CA" other stranger &&
	chmod 0755 "$CA" &&
	openssl verify -CAfile "$CA/ca.crt" "$CA/server.crt" &&
	test_must_fail openssl verify -CAfile "$CA/ca.crt" "$CA/stranger.crt" &&
	printf "vkn;name;emails\n%s;ABC Gıda;%s\n" $ID $RCPT >companies.csv &&
	rsl_start "$RSL" &&
	sink_start "$SINK" $SINK_PORT &&
	pf_setup "$PF" $PF_PORT $SINK_PORT &&
	pf_tls "$PF" "$CA/server.key" "$CA/server.crt" &&
	pf_sasl "$PF" &&
	printf "%s\n" "$PW" | pf_sasl_user "$PF" $USER_NAME &&
	pf_sasl_users "$PF" | grep -qx "$USER_NAME: userPassword" &&
	pf_submission "$PF" $SUB_PORT &&
	pf_smtps "$PF" $SMTPS_PORT &&
	milter_conf m "UserID postfix:postfix" &&
	sed -i "s|^TrustedClients .*|TrustedClients 192.0.2.1|" m.conf &&
	milter_start m &&
	sh "$TOP/postfix/edefter-postconf" -c "$PF/etc" -s "local:$T/m.sock" \
	    apply >apply.out &&
	postconf -c "$PF/etc" -h milter_mail_macros | grep -q "{auth_authen}" &&
	postconf -c "$PF/etc" -h smtpd_milters | grep -q "local:$T/m.sock" &&
	_pf_cool "$PF" &&
	pf_start "$PF" &&
	test_wait_for 10 eval "ss -Hltn \"sport = :$SUB_PORT\" | grep -q ." &&
	test_wait_for 10 eval "ss -Hltn \"sport = :$SMTPS_PORT\" | grep -q ." &&
	tls_peer_cert $SUB_PORT starttls >peer &&
	grep -q "^issuer=O = edefter tests, CN = ca" peer &&
	tls_peer_cert $SMTPS_PORT >peer &&
	grep -q "^issuer=O = edefter tests, CN = ca" peer
'

# ---- trust from SASL ---------------------------------------------------------

test_expect_success 'submission:// (STARTTLS) with AUTH: delivered, recorded with the SASL user' '
	sconf sub "Submit submission://127.0.0.1:$SUB_PORT" \
	    "SubmitUser $USER_NAME" "SubmitPasswordFile $T/sub.pw" \
	    "SubmitCAFile $CA/ca.crt" &&
	printf "%s\n" "$PW" >sub.pw && chmod 0600 sub.pw &&
	mkperiod sub.share/ABC/2025/01 $ID 202501 &&
	scan sub run &&
	grep -q "^sent id=$ID period=2025-01 rcpt=$RCPT .*queue=" last.out &&
	settled &&
	f=$(sink_with 2025-01) && test -n "$f" &&
	grep -q "^X-EDefter-Ledger: recorded $ID/2025-01 " "$f" &&
	grep -q "(Authenticated sender: $USER_NAME)" "$f" &&
	grep -q "with ESMTPSA id" "$f" &&
	ctl show "$(key 2025-01)" >show &&
	cat show &&
	test "$(field "$(key 2025-01)" "sasl user")" = $USER_NAME &&
	test "$(field "$(key 2025-01)" client)" = 127.0.0.1 &&
	sent_via submission 2025-01 &&
	grep -q "postfix/submission/smtpd.*TLS connection established from localhost" "$LOG" &&
	grep -q "record id=$ID period=2025-01 rcpt=$RCPT .*client=127.0.0.1 source=smtp" m.log
'

test_expect_success 'the same message without AUTH is untrusted: headers removed, nothing recorded' '
	cat >plain.eml <<-EOF &&
	From: edefter@ofis.example
	To: $RCPT
	Subject: e-Defter
	Message-ID: <plain@t2050>
	X-EDefter-Company: $ID
	X-EDefter-Period: 2025-11
	MIME-Version: 1.0
	Content-Type: text/plain

	ekte
	EOF
	echo "plain.eml edefter@ofis.example $RCPT" |
	    "$PY" "$TOP/tests/lib/smtpsend.py" $PF_PORT >out &&
	grep -q "^plain.eml ok 250 " out &&
	settled &&
	test_wait_for 10 grep -q "untrusted .*client=127.0.0.1 reason=untrusted-client removed=2" m.log &&
	test -z "$(sink_with 2025-11)" &&
	test_must_fail ctl show "$(key 2025-11)"
'

test_expect_success 'smtps:// (implicit TLS) with SubmitPassword: delivered, recorded with the SASL user' '
	sconf s465 "Submit smtps://127.0.0.1:$SMTPS_PORT" \
	    "SubmitUser $USER_NAME" "SubmitPassword $PW" \
	    "SubmitCAFile $CA/ca.crt" &&
	mkperiod s465.share/ABC/2025/02 $ID 202502 &&
	scan s465 run &&
	grep -q "^sent id=$ID period=2025-02 " last.out &&
	settled &&
	test -n "$(sink_with 2025-02)" &&
	test "$(field "$(key 2025-02)" "sasl user")" = $USER_NAME &&
	sent_via smtps 2025-02 &&
	scan s465 -n >/dev/null &&
	grep -qx "SubmitPassword *(set, not shown)" last.out &&
	grep -qx "SubmitUser *$USER_NAME" last.out
'

test_expect_success 'the URL login (user:password@, percent-encoded) still works' '
	enc=$("$PY" -c "import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe=\"\"))" "$PW") &&
	sconf url "Submit smtps://scan%40ofis.example:$enc@127.0.0.1:$SMTPS_PORT" \
	    "SubmitCAFile $CA/ca.crt" &&
	mkperiod url.share/ABC/2025/12 $ID 202512 &&
	scan url run &&
	grep -q "^sent id=$ID period=2025-12 " last.out &&
	test "$(field "$(key 2025-12)" "sasl user")" = $USER_NAME
'

# ---- a wrong password ----------------------------------------------------------

test_expect_success 'wrong password: 75, pending with its intent, one AUTH a pass, nothing sent' '
	sconf w "Submit submission://127.0.0.1:$SUB_PORT" \
	    "SubmitUser $USER_NAME" "SubmitPasswordFile $T/w.pw" \
	    "SubmitCAFile $CA/ca.crt" &&
	printf "%s\n" "$WRONG" >w.pw && chmod 0600 w.pw &&
	mkperiod w.share/ABC/2025/03 $ID 202503 &&
	mkperiod w.share/ABC/2025/04 $ID 202504 &&
	n0=$(sink_count "$SINK") && a0=$(auth_failed) &&
	test_expect_code 75 scan w run &&
	grep -q "^pending id=$ID period=2025-03 .*reason=deferred reply=\"submission://$USER_NAME@127.0.0.1:$SUB_PORT/: AUTH as $USER_NAME refused: 535 5.7.8 Error: authentication failed" last.out &&
	grep -q "^pending id=$ID period=2025-04 .*reason=deferred reply=\"not tried, an earlier send failed: submission://$USER_NAME@127.0.0.1:$SUB_PORT/: AUTH as $USER_NAME refused: 535" last.out &&
	grep -q "error: submission://$USER_NAME@127.0.0.1:$SUB_PORT/: AUTH as $USER_NAME refused: 535 .*nothing more is submitted there until the next pass" last.err &&
	test "$(auth_failed)" = $((a0 + 1)) &&
	test -f w.state/intent/${ID}_2025-03 &&
	test -f w.state/intent/${ID}_2025-04 &&
	intent_msgid w 2025-03 >msgid.03 && test -s msgid.03 &&
	intent_msgid w 2025-04 >msgid.04 && test -s msgid.04 &&
	settled &&
	test "$(sink_count "$SINK")" = "$n0" &&
	test_must_fail ctl show "$(key 2025-03)" &&
	scan w status >/dev/null &&
	grep -q "^complete  *$ID  *2025-03 " last.out
'

test_expect_success 'password fixed: both sent on the next pass, with the same Message-IDs' '
	printf "%s\n" "$PW" >w.pw &&
	scan w run &&
	grep -q "^sent id=$ID period=2025-03 " last.out &&
	grep -q "^sent id=$ID period=2025-04 " last.out &&
	test ! -e w.state/intent/${ID}_2025-03 &&
	test ! -e w.state/intent/${ID}_2025-04 &&
	test "$(field "$(key 2025-03)" message-id)" = "$(cat msgid.03)" &&
	test "$(field "$(key 2025-04)" message-id)" = "$(cat msgid.04)" &&
	test "$(field "$(key 2025-04)" "sasl user")" = $USER_NAME &&
	settled &&
	test "$(sink_with 2025-03 | wc -l)" = 1 &&
	test "$(sink_with 2025-04 | wc -l)" = 1
'

# ---- certificates --------------------------------------------------------------

test_expect_success 'a certificate from another CA: refused before AUTH, 75, nothing sent' '
	pf_cert "$PF" "$CA/stranger.key" "$CA/stranger.crt" &&
	test_wait_for 10 eval "tls_peer_cert $SUB_PORT starttls | grep -q \"^issuer=.*CN = other\"" &&
	sconf c "Submit submission://127.0.0.1:$SUB_PORT" \
	    "SubmitUser $USER_NAME" "SubmitPasswordFile $T/sub.pw" \
	    "SubmitCAFile $CA/ca.crt" &&
	mkperiod c.share/ABC/2025/05 $ID 202505 &&
	n0=$(sink_count "$SINK") && a0=$(auth_ok) && f0=$(auth_failed) &&
	test_expect_code 75 scan c run &&
	grep -q "^pending id=$ID period=2025-05 .*reason=deferred reply=\"submission://$USER_NAME@127.0.0.1:$SUB_PORT/: TLS: the server.s certificate is not accepted (verified against SubmitCAFile $CA/ca.crt): SSL certificate problem: " last.out &&
	grep -q "error: .*TLS: the server.s certificate is not accepted" last.err &&
	test -f c.state/intent/${ID}_2025-05 &&
	settled &&
	test "$(sink_count "$SINK")" = "$n0" &&
	test "$(auth_ok)" = "$a0" && test "$(auth_failed)" = "$f0" &&
	test_must_fail ctl show "$(key 2025-05)"
'

test_expect_success 'verification is on by default: the test CA is not a system CA' '
	pf_cert "$PF" "$CA/server.key" "$CA/server.crt" &&
	test_wait_for 10 eval "tls_peer_cert $SMTPS_PORT | grep -q \"^issuer=.*CN = ca\"" &&
	sconf d "Submit smtps://127.0.0.1:$SMTPS_PORT" \
	    "SubmitUser $USER_NAME" "SubmitPasswordFile $T/sub.pw" &&
	mkperiod d.share/ABC/2025/06 $ID 202506 &&
	n0=$(sink_count "$SINK") &&
	test_expect_code 75 scan d run &&
	# without ca-certificates the system has no CAs to load: refused too
	grep -Eq "^pending id=$ID period=2025-06 .*TLS: (the server.s certificate is not accepted|the CA certificates cannot be loaded) \(verified against the system.s CAs\)" last.out &&
	settled &&
	test "$(sink_count "$SINK")" = "$n0"
'

test_expect_success 'the refused period goes out once the right certificate is back' '
	intent_msgid c 2025-05 >msgid.05 && test -s msgid.05 &&
	scan c run &&
	grep -q "^sent id=$ID period=2025-05 " last.out &&
	test ! -e c.state/intent/${ID}_2025-05 &&
	test "$(field "$(key 2025-05)" message-id)" = "$(cat msgid.05)"
'

test_expect_success 'SubmitTLSVerify no: sent to the stranger, one warning a pass' '
	pf_cert "$PF" "$CA/stranger.key" "$CA/stranger.crt" &&
	test_wait_for 10 eval "tls_peer_cert $SMTPS_PORT | grep -q \"^issuer=.*CN = other\"" &&
	sconf v "Submit smtps://127.0.0.1:$SMTPS_PORT" \
	    "SubmitUser $USER_NAME" "SubmitPasswordFile $T/sub.pw" \
	    "SubmitTLSVerify no" &&
	mkperiod v.share/ABC/2025/07 $ID 202507 &&
	mkperiod v.share/ABC/2025/08 $ID 202508 &&
	scan v run &&
	grep -q "^sent id=$ID period=2025-07 " last.out &&
	grep -q "^sent id=$ID period=2025-08 " last.out &&
	test "$(grep -c "SubmitTLSVerify no" last.err)" = 1 &&
	grep -q "warning: Submit smtps://$USER_NAME@127.0.0.1:$SMTPS_PORT/: SubmitTLSVerify no: the server.s certificate is not verified" last.err &&
	rsl_wait "$RSL" mail.log "mail\.warning edefter-scan\[[0-9]+\]: ?(warning: )?Submit smtps://.*SubmitTLSVerify no: .*" &&
	test "$(field "$(key 2025-08)" "sasl user")" = $USER_NAME &&
	pf_cert "$PF" "$CA/server.key" "$CA/server.crt"
'

# ---- the password file, the keys -------------------------------------------------

test_expect_success 'a password file others may read (0644): 78, named with its mode, nothing sent' '
	sconf m644 "Submit submission://127.0.0.1:$SUB_PORT" \
	    "SubmitUser $USER_NAME" "SubmitPasswordFile $T/m644.pw" \
	    "SubmitCAFile $CA/ca.crt" &&
	printf "%s\n" "$PW" >m644.pw && chmod 0644 m644.pw &&
	mkperiod m644.share/ABC/2025/09 $ID 202509 &&
	n0=$(sink_count "$SINK") &&
	test_expect_code 78 scan m644 run &&
	grep -q "m644.conf:10: key .SubmitPasswordFile.: $T/m644.pw: mode 0644 lets others read the password (chmod 600 $T/m644.pw)" last.err &&
	chmod 0640 m644.pw &&
	test_expect_code 78 scan m644 run &&
	grep -q "$T/m644.pw: mode 0640 lets the group read the password" last.err &&
	test_expect_code 78 scan m644 -n &&
	test ! -e m644.state/intent/${ID}_2025-09 &&
	chmod 0600 m644.pw &&
	scan m644 run &&
	grep -q "^sent id=$ID period=2025-09 " last.out &&
	settled &&
	test "$(sink_count "$SINK")" = $((n0 + 1))
'

test_expect_success 'the keys: one password, with a user, not in a file others can read' '
	sconf k1 "Submit submission://127.0.0.1:$SUB_PORT" "SubmitUser $USER_NAME" &&
	test_expect_code 78 scan k1 -n &&
	grep -q "k1.conf:9: key .SubmitUser. needs SubmitPassword or SubmitPasswordFile" last.err &&
	sconf k2 "Submit submission://127.0.0.1:$SUB_PORT" "SubmitPassword $PW" &&
	test_expect_code 78 scan k2 -n &&
	grep -q "k2.conf:9: key .SubmitPassword. needs SubmitUser" last.err &&
	sconf k3 "Submit submission://127.0.0.1:$SUB_PORT" "SubmitUser $USER_NAME" \
	    "SubmitPassword $PW" "SubmitPasswordFile $T/sub.pw" &&
	test_expect_code 78 scan k3 -n &&
	grep -q "k3.conf:11: key .SubmitPasswordFile.: SubmitPassword is given too (line 10)" last.err &&
	sconf k4 "Submit submission://127.0.0.1:$SUB_PORT" "SubmitUser $USER_NAME" \
	    "SubmitPassword $PW" &&
	chmod 0644 k4.conf &&
	test_expect_code 78 scan k4 -n &&
	grep -q "k4.conf:10: key .SubmitPassword.: mode 0644 of $T/k4.conf lets others read the password" last.err &&
	sconf k5 "SubmitCAFile $T/no-such.crt" &&
	test_expect_code 78 scan k5 -n &&
	grep -q "key .SubmitCAFile.: $T/no-such.crt: No such file or directory" last.err &&
	sconf k6 "SubmitTLSVerify maybe" &&
	test_expect_code 78 scan k6 -n &&
	grep -q "key .SubmitTLSVerify.: bad boolean" last.err
'

test_expect_success 'the digest goes the same way (smtps, AUTH)' '
	sconf dg "Submit smtps://127.0.0.1:$SMTPS_PORT" \
	    "SubmitUser $USER_NAME" "SubmitPasswordFile $T/sub.pw" \
	    "SubmitCAFile $CA/ca.crt" "Notify ofis@ofis.example" &&
	mkperiod dg.share/ABC/2025/10 $ID 202510 &&
	a0=$(grep -c "postfix/smtps/smtpd.*sasl_username=$USER_NAME" "$LOG") &&
	scan dg digest &&
	settled &&
	test "$(grep -c "postfix/smtps/smtpd.*sasl_username=$USER_NAME" "$LOG")" = $((a0 + 1))
'

# ---- never the password ----------------------------------------------------------

test_expect_success 'the password is in no output, no log line' '
	ls "$T"/*.out "$T"/*.err >files &&
	test "$(wc -l <files)" -gt 20 &&
	echo "$RSL/mail.log" >>files && echo "$RSL/other.log" >>files &&
	echo "$T/m.log" >>files && echo "$LOG" >>files &&
	grep -q "edefter-scan" "$RSL/mail.log" &&
	for s in "$PW" "$WRONG" "p@rola" "rola:5"; do
		if xargs grep -lF -- "$s" <files; then
			echo "found: $s"; exit 1
		fi
	done
'

test_done
