#!/usr/bin/env bash
# t1400 - what edefter-milter and edefter-scan log, as a real syslog
# daemon receives it: a private rsyslogd (tests/lib/rsyslog.sh) reads one
# unix socket and writes "facility.severity program[pid]: message" lines;
# the programs reach it through the EDEFTER_SYSLOG_SOCKET test hook of
# lib/log.h, in the form syslog(3) writes to /dev/log.  The milter runs
# inside a private Postfix (as user postfix), the scanner submits to that
# Postfix, which relays to smtp-sink.  Every decision line is waited for
# in the log file: the scanner's sent and skip lines, the milter's record
# (with the same queue id as the scanner's) and duplicate reject, warning
# and error severities, SyslogFacility, and one datagram per line.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/sink.sh"
. "$TOP/tests/lib/milter.sh"
. "$TOP/tests/lib/share.sh"
. "$TOP/tests/lib/rsyslog.sh"

PY=/usr/bin/python3
SMTPSEND=$TOP/tests/lib/smtpsend.py
SCAN=$BUILD/edefter-scan

why=
if [ "$(id -u)" -ne 0 ]; then
	why="a private Postfix needs root"
elif [ ! -x "$PY" ]; then
	why="$PY is missing"
elif [ ! -x "$BUILD/edefter-milter" ] || [ ! -x "$SCAN" ]; then
	why="$BUILD/edefter-milter or edefter-scan is not built"
else
	for c in rsyslogd postfix postconf postqueue smtp-sink ss; do
		command -v "$c" >/dev/null 2>&1 ||
		    { why="$c is not installed (Debian packages rsyslog postfix)"; break; }
	done
fi
if [ -n "$why" ]; then
	test_skip 'syslog lines through a real rsyslogd' "$why"
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
PF_PORT=${ports[0]} SINK_PORT=${ports[1]}
PF=$T/pf
SINK=$T/sink
RSL=$T/rsl
LOG=mail.log
FROM=ofis@ofis.example

test_at_exit "rsl_stop '$RSL'"
test_at_exit "sink_stop '$SINK'"
test_at_exit "pf_stop '$PF'"

# The test hook: programs started with EDEFTER_SYSLOG_SOCKET=$SOCKP log
# to the private rsyslogd.  (A simple command, so that $! of one started
# in the background is the program's own PID.)
SOCKP=$(rsl_socket "$RSL")

# line ERE [SECONDS] - wait for a whole line of mail.log matching ERE
line() {
	rsl_wait "$RSL" "$LOG" "$@"
}

# scan CONF COMMAND - edefter-scan with the hook, output in out and err;
# the scanner's exit status.  The pass runs in a child of the command
# (its watchdog's guard), so its lines carry that child's PID: $T/spid
# holds a pattern for it.
scan() {
	local pid rc=0
	EDEFTER_SYSLOG_SOCKET=$SOCKP "$SCAN" -c "$@" >"$T/out" 2>"$T/err" &
	pid=$!
	echo "[0-9]+" >"$T/spid"
	wait "$pid" || rc=$?
	return $rc
}

# sconf NAME [LINE...] - a scanner configuration on the milter's ledger;
# a LINE replaces the default of its key
sconf() {
	local name=$1 l k
	shift
	mkdir -p "$T/$name.share" "$T/$name.state"
	{
		for l in "LedgerPath $T/m.ledger" "ShareRoot $T/$name.share" \
		    "ShareType any" "Companies $T/$name.csv" \
		    "From Mali Müşavirlik Bürosu <edefter@ofis.example>" \
		    "Submit smtp://127.0.0.1:$PF_PORT" \
		    "StateDir $T/$name.state" "SettleSeconds 0"; do
			k=${l%% *}
			printf '%s\n' "$@" | grep -q "^$k " || echo "$l"
		done
		for l in "$@"; do echo "$l"; done
	} >"$T/$name.conf"
}

test_expect_success 'setup: rsyslogd, smtp-sink, Postfix with edefter-milter logging to it' '
	rsl_start "$RSL" &&
	test -S "$(rsl_socket "$RSL")" &&
	logger -u "$(rsl_socket "$RSL")" -p mail.notice -t t1400 "probe" &&
	line "mail\.notice t1400\[-\]: probe" &&
	sink_start "$SINK" $SINK_PORT &&
	pf_setup "$PF" $PF_PORT $SINK_PORT &&
	milter_conf m "UserID postfix:postfix" &&
	EDEFTER_SYSLOG_SOCKET=$SOCKP milter_start m &&
	mpid=$(milter_pid m) && echo $mpid >mpid &&
	pf_milter "$PF" "local:$T/m.sock" &&
	pf_start "$PF"
'
mpid=$(cat mpid 2>/dev/null)

test_expect_success 'the milter starts: mail.info edefter-milter[PID], as user postfix' '
	line "mail\.info edefter-milter\[$mpid\]: starting socket=local:$T/m\.sock ledger=$T/m\.ledger user=postfix .*" &&
	test "$(stat -c %U /proc/$mpid)" = postfix
'

test_expect_success 'a pass: the scanner logs sent and skip, the milter its record, same queue id' '
	printf "vkn;name;emails\n1234567890;ABC Gıda;firma@firma.example\n4540536920;Şube;sube@firma.example\n" >s.csv &&
	sconf s &&
	mkperiod s.share/ABC/2025/10 1234567890 202510 &&
	mkfiles s.share/Sube/2025/11 4540536920-202511-Y-000000.zip GIB-4540536920-202511-YB-000000.zip &&
	rc=0 && { scan s.conf run || rc=$?; } &&
	spid=$(cat spid) &&
	cat out && test $rc = 0 &&
	grep -q "^sent id=1234567890 period=2025-10 rcpt=firma@firma.example " out &&
	qid=$(sed -n "s/^sent id=1234567890 .* queue=\([0-9A-F]*\).*/\1/p" out) &&
	test -n "$qid" &&
	line "mail\.info edefter-scan\[$spid\]: sent id=1234567890 period=2025-10 rcpt=firma@firma\.example files=5 size=[0-9]+ msgid=<[^ ]+> queue=$qid" &&
	line "mail\.info edefter-milter\[$mpid\]: record id=1234567890 period=2025-10 rcpt=firma@firma\.example msgid=<[^ ]+> queue=$qid client=127\.0\.0\.1 source=smtp files=5" &&
	line "mail\.info edefter-scan\[$spid\]: skip id=4540536920 period=2025-11 folder=Sube/2025/11 .*state=incomplete" &&
	line "mail\.info edefter-scan\[$spid\]: pass done periods=[0-9]+ .*" &&
	# the same words the scanner printed
	grep "^sent " out | sed "s/^/mail.info edefter-scan[PID]: /" >want &&
	sed "s/edefter-scan\[[0-9]*\]/edefter-scan[PID]/" "$RSL/$LOG" | grep -F -f want
'

test_expect_success 'a duplicate: the milter logs reject reason=duplicate first=' '
	{
		printf "From: Ofis <%s>\r\nTo: firma@firma.example\r\n" "$FROM"
		printf "Subject: again\r\nMessage-ID: <dup@t1400>\r\n"
		printf "X-EDefter-Company: 1234567890\r\nX-EDefter-Period: 2025-10\r\n"
		printf "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nagain\r\n"
	} >dup &&
	echo "dup $FROM firma@firma.example" | "$PY" "$SMTPSEND" $PF_PORT >out &&
	cat out &&
	grep -q "^dup SMTPDataError 550 5.7.1 " out &&
	line "mail\.info edefter-milter\[$mpid\]: reject id=1234567890 period=2025-10 rcpt=firma@firma\.example queue=[0-9A-F]+ client=127\.0\.0\.1 reason=duplicate first=20[0-9-]+T[0-9:.]+Z"
'

test_expect_success 'the next pass: the period is sent already, logged as a skip' '
	rc=0 && { scan s.conf run || rc=$?; } &&
	spid=$(cat spid) &&
	test $rc = 0 &&
	line "mail\.info edefter-scan\[$spid\]: skip id=1234567890 period=2025-10 folder=ABC/2025/10 sent=1 todo=0 state=sent"
'

test_expect_success 'warnings and errors keep their severity' '
	printf "vkn;name;emails\n1234567891;Bad Id;x@firma.example\n" >w.csv &&
	sconf w &&
	rc=0 && { scan w.conf run || rc=$?; } &&
	spid=$(cat spid) &&
	cat err &&
	line "mail\.warning edefter-scan\[$spid\]: warning: .*w\.csv.*" &&
	sconf gone "ShareType cifs" && cp s.csv gone.csv &&
	rc=0 && { scan gone.conf run || rc=$?; } &&
	spid=$(cat spid) &&
	test $rc = 75 &&
	line "mail\.err edefter-scan\[$spid\]: error: share not usable, nothing concluded: .*"
'

test_expect_success 'SyslogFacility local3: the scanner logs to local3, not mail' '
	sconf f "SyslogFacility local3" &&
	cp s.csv f.csv &&
	before=$(grep -c "edefter-scan\[" "$RSL/$LOG") &&
	rc=0 && { scan f.conf run || rc=$?; } &&
	spid=$(cat spid) &&
	rsl_wait "$RSL" other.log "local3\.info edefter-scan\[$spid\]: pass done .*" &&
	test "$(grep -c "edefter-scan\[" "$RSL/$LOG")" = "$before"
'

test_expect_success 'only edefter lines, each whole; nothing from the programs elsewhere' '
	milter_stop m &&
	line "mail\.info edefter-milter\[$mpid\]: stopping" &&
	! grep -v "^mail\.[a-z]* \(edefter-milter\|edefter-scan\|t1400\)\[[-0-9]*\]: " "$RSL/$LOG" &&
	! grep -q "edefter-milter" "$RSL/other.log" &&
	! grep "edefter-scan" "$RSL/other.log" | grep -v "^local3\.[a-z]* edefter-scan\[[0-9]*\]: "
'

test_expect_success 'without the hook nothing reaches the private socket' '
	n=$(wc -l <"$RSL/$LOG") &&
	"$SCAN" -c s.conf run >out 2>err &&
	grep -q "pass done" err &&
	logger -u "$(rsl_socket "$RSL")" -p mail.notice -t t1400 "fence" &&
	line "mail\.notice t1400\[-\]: fence" &&
	test "$(wc -l <"$RSL/$LOG")" = $((n + 1))
'

test_expect_success 'stop rsyslogd' '
	pid=$(_rsl_pid "$RSL") &&
	rsl_stop "$RSL" &&
	! _rsl_pid "$RSL"
'

test_done
