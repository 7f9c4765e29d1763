#!/usr/bin/env bash
# soak.sh - edefter under mixed load on real parts for SOAK_MINUTES
# (default 30): a private Postfix with edefter-milter relaying to
# smtp-sink, a private smbd served through an rclone FUSE mount, and at
# the same time
#   ordinary mail (smtp-source bursts),
#   e-Defter sends of a fixed set of keys, each tried several times by
#     several clients (soakclient.py: retries on 4xx until it gets a 250
#     or the milter's duplicate refusal),
#   scanner passes every SCAN_EVERY seconds while new complete periods
#     appear on the share,
#   the milter restarted every MILTER_EVERY seconds,
#   smbd restarted every SMB_EVERY seconds,
#   the milter's RSS and open descriptors sampled every SAMPLE_EVERY s.
# It ends by waiting for the queue to drain and checks that every key
# (the clients' and the scanner's) reached the sink exactly once, with
# the ledger's Message-ID.  Prints the figures; exit 0 when all is well.
# Not part of make check.  Run as root:  tests/soak/soak.sh
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/sink.sh"
. "$TOP/tests/lib/milter.sh"
. "$TOP/tests/lib/samba.sh"
. "$TOP/tests/lib/share.sh"

SOAK_MINUTES=${SOAK_MINUTES:-30}
SCAN_EVERY=${SCAN_EVERY:-20}
MILTER_EVERY=${MILTER_EVERY:-180}
SMB_EVERY=${SMB_EVERY:-240}
SAMPLE_EVERY=${SAMPLE_EVERY:-10}
MAIL_EVERY=${MAIL_EVERY:-15}
KEYS=${KEYS:-300}
PY=/usr/bin/python3

say() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { say "soak: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"
for p in edefter-milter edefter-scan edefterctl; do
	[ -x "$BUILD/$p" ] || die "$BUILD/$p is not built (make)"
done

PF_PORT=$(test_free_port) && SINK_PORT=$(test_free_port) &&
    SMB_PORT=$(test_free_port) || die "no free port"
PF=$T/pf SINK=$T/sink SMB=$T/smb SHARE=$T/share MNT=$T/mnt
CONF=$T/edefter.conf LEDGER=$T/m.ledger
END=$(( $(date +%s) + SOAK_MINUTES * 60 ))
test_at_exit "sink_stop '$SINK'"
test_at_exit "pf_stop '$PF'"
test_at_exit "smb_stop '$SMB'"
test_at_exit "smb_umount '$MNT'"

# ---- setup ------------------------------------------------------------------
say "setup: sink, Postfix, milter, smbd, mount ($SOAK_MINUTES minutes)"
sink_start "$SINK" $SINK_PORT || die "sink"
pf_setup "$PF" $PF_PORT $SINK_PORT || die "postfix setup"
pf_set "$PF" "smtpd_client_connection_count_limit = 0" \
    "smtpd_client_connection_rate_limit = 0" || die "postconf"
milter_conf m "UserID nobody:postfix" || die "milter conf"
milter_start m || die "milter start"
pf_milter "$PF" "local:$T/m.sock" || die "pf_milter"
pf_start "$PF" || die "postfix start"
mkdir -p "$SHARE" && : >"$SHARE/.edefter-share"
{
	echo "vkn;name;emails"
	# valid VKNs for the scanner's companies
	$PY - <<-\PY
	def vkn(n):
	    d = [int(c) for c in "%09d" % n]
	    s = 0
	    for p in range(1, 10):
	        i = 10 - p
	        c1 = (d[p - 1] + i) % 10
	        c2 = 0 if c1 == 0 else ((c1 * 2 ** i) % 9 or 9)
	        s += c2
	    return "%09d%d" % (n, (10 - s % 10) % 10)
	for k in range(20):
	    v = vkn(500000000 + k * 7919)
	    print("%s;Soak Şirketi %d A.Ş.;muhasebe%d@soak.example, patron%d@soak.example" % (v, k, k, k))
	PY
} >"$T/companies.csv"
smb_start "$SMB" $SMB_PORT "$SHARE" || die "smbd"
smb_mount "$SMB" $SMB_PORT "$MNT" --timeout 5s --smb-idle-timeout 1s || die "mount"
cat >"$CONF" <<EOF
LedgerPath     $LEDGER
ShareRoot      $MNT
ShareType      fuse.rclone
ShareSentinel  .edefter-share
Companies      $T/companies.csv
From           Soak <edefter@ofis.example>
Submit         smtp://127.0.0.1:$PF_PORT
SettleSeconds  0
StateDir       $T/scan
EOF

# ---- the load -----------------------------------------------------------------
running() { [ "$(date +%s)" -lt "$END" ]; }
mkdir -p "$T/logs"

# new complete periods on the share, one every SCAN_EVERY/2 seconds
share_loop() {
	local n=0 id ym
	while running; do
		id=$(sed -n "$(( (n % 20) + 2 ))p" "$T/companies.csv" | cut -d';' -f1)
		ym=$(( 2000 + n / 240 ))$(printf %02d $(( (n / 20) % 12 + 1 )))
		mkperiod "$SHARE/S$((n % 20))/$ym" "$id" "$ym" >/dev/null 2>&1
		n=$((n + 1))
		sleep $(( SCAN_EVERY / 2 ))
	done
	echo "$n" >"$T/logs/periods"
}

scan_loop() {
	local n=0 rc
	while running; do
		rc=0
		"$BUILD/edefter-scan" -c "$CONF" run >>"$T/logs/scan.out" 2>>"$T/logs/scan.err" || rc=$?
		echo "$(date +%s) $rc" >>"$T/logs/scan.rc"
		n=$((n + 1))
		sleep "$SCAN_EVERY"
	done
}

mail_loop() {
	while running; do
		smtp-source -c -s 5 -m 100 -l 2048 -f soak@ofis.example \
		    -t other@dest.example "127.0.0.1:$PF_PORT" >>"$T/logs/source.out" 2>&1
		echo "$(date +%s) $?" >>"$T/logs/source.rc"
		sleep "$MAIL_EVERY"
	done
}

edefter_loop() {
	$PY "$TOP/tests/soak/soakclient.py" --port "$PF_PORT" --keys "$KEYS" \
	    --until "$END" --out "$T/logs/client.json" >>"$T/logs/client.log" 2>&1
}

milter_loop() {
	local pid
	while running; do
		sleep "$MILTER_EVERY"
		running || break
		pid=$(milter_pid m)
		[ -n "$pid" ] && kill -TERM "$pid"
		test_wait_for 30 milter_gone "$pid" || kill -KILL "$pid"
		milter_start m || say "milter did not restart"
		echo "$(date +%s) $(milter_pid m)" >>"$T/logs/milter.restarts"
	done
}

smb_loop() {
	while running; do
		sleep "$SMB_EVERY"
		running || break
		smb_stop "$SMB"
		smb_start "$SMB" $SMB_PORT "$SHARE" || say "smbd did not restart"
		echo "$(date +%s)" >>"$T/logs/smb.restarts"
	done
}

sample_loop() {
	local pid rss fds
	while running; do
		pid=$(milter_pid m)
		if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
			rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
			fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
			echo "$(date +%s) $pid $rss $fds" >>"$T/logs/samples"
		fi
		sleep "$SAMPLE_EVERY"
	done
}

say "load for $SOAK_MINUTES minutes"
share_loop & P1=$!
scan_loop & P2=$!
mail_loop & P3=$!
edefter_loop & P4=$!
milter_loop & P5=$!
smb_loop & P6=$!
sample_loop & P7=$!
wait $P1 $P2 $P3 $P4 $P5 $P6 $P7

# ---- the end: drain, then count ------------------------------------------------
say "load over; last scanner pass, draining the queue"
milter_pid m >/dev/null || milter_start m
"$BUILD/edefter-scan" -c "$CONF" run >>"$T/logs/scan.out" 2>>"$T/logs/scan.err"
"$BUILD/edefter-scan" -c "$CONF" run >>"$T/logs/scan.out" 2>>"$T/logs/scan.err"
pf_flush "$PF" >/dev/null 2>&1
test_wait_for 300 pf_queue_empty "$PF" || say "the queue did not drain"
"$BUILD/edefterctl" -l "$LEDGER" dump --format json >"$T/dump.json"
$PY "$TOP/tests/lib/e2esink.py" index "$SINK" >"$T/index"

$PY - "$T" <<'PY'
import collections, json, os, sys
T = sys.argv[1]
L = os.path.join(T, "logs")
def lines(name):
    p = os.path.join(L, name)
    return open(p).read().split("\n")[:-1] if os.path.exists(p) else []
ledger = {}
for l in open(os.path.join(T, "dump.json")):
    r = json.loads(l)
    ledger["%s/%s/%s" % (r["companyId"], r["period"], r["recipientEmail"])] = r["messageId"]
got = collections.defaultdict(list)
ordinary = 0
for l in open(os.path.join(T, "index")):
    f, comp, per, msgid, rcpt = l.split()
    if comp == "-":
        ordinary += 1
        continue
    got["%s/%s/%s" % (comp, per, rcpt)].append(msgid)
bad = []
for k, mid in ledger.items():
    n = len(got.get(k, []))
    if n != 1:
        bad.append("%s delivered %d times" % (k, n))
    elif got[k][0] != mid.strip("<>"):
        bad.append("%s delivered with %s, ledger says %s" % (k, got[k][0], mid))
for k in got:
    if k not in ledger:
        bad.append("%s delivered, not in the ledger" % k)
client = json.load(open(os.path.join(L, "client.json"))) if os.path.exists(os.path.join(L, "client.json")) else {}
samples = [l.split() for l in lines("samples")]
per_pid = collections.defaultdict(list)
for t, pid, rss, fds in samples:
    per_pid[pid].append((int(t), int(rss), int(fds)))
print("figures:")
print("  keys in the ledger: %d, delivered exactly once: %d, problems: %d"
      % (len(ledger), sum(1 for k in ledger if len(got.get(k, [])) == 1), len(bad)))
print("  ordinary messages delivered: %d" % ordinary)
for k in ("attempts", "accepted", "duplicate", "tempfail", "errors", "keys"):
    if k in client:
        print("  client %s: %s" % (k, client[k]))
print("  scanner passes: %d (exit codes %s)" % (len(lines("scan.rc")),
      dict(collections.Counter(l.split()[1] for l in lines("scan.rc")))))
print("  periods put on the share: %s" % (lines("periods") or ["?"])[0])
print("  milter restarts: %d, smbd restarts: %d" % (len(lines("milter.restarts")), len(lines("smb.restarts"))))
if os.path.exists(os.path.join(T, "scan", "unenforced")):
    bad.append("StateDir/unenforced: a send went out unrecorded")
for pid, v in per_pid.items():
    if len(v) < 3:
        continue
    v.sort()
    third = v[len(v) // 3:]
    print("  milter pid %s: %d samples over %ds, RSS %d..%d KiB (after warm-up %d..%d), fds %d..%d"
          % (pid, len(v), v[-1][0] - v[0][0], min(x[1] for x in v), max(x[1] for x in v),
             min(x[1] for x in third), max(x[1] for x in third), min(x[2] for x in v), max(x[2] for x in v)))
for b in bad[:20]:
    print("  bad: " + b)
sys.exit(1 if bad else 0)
PY
rc=$?
say "soak done (exit $rc); logs in $T/logs (kept only with KEEP_TMP=1 and a failure)"
[ $rc = 0 ] || test_failed=1
exit $rc
