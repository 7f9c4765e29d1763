#!/usr/bin/env bash
# postfix_bench.sh - Postfix throughput with and without edefter-milter.
#
# One private Postfix on loopback relaying everything to smtp-sink (which
# discards), with one smtpd listener per mode so that nothing is reloaded
# between runs:
#
#   none       no milter                                  (the baseline)
#   untr-map   the public smtpd as `edefter-postconf apply' leaves it for
#              an untrusted client (TrustedClients 192.0.2.0/24): its
#              smtpd_milter_maps says DISABLE, its own cleanup removes
#              X-EDefter-* headers (header_checks)
#   null       bench/null_milter `same': the conversation edefter-milter
#              has with a trusted client (the same steps negotiated, the
#              same exits), without its work        (the floor under it)
#   trusted    edefter-milter, trusting the client (127.0.0.0/8)
#
# Each round sends, per mode, MSGS messages with 10 sessions: smtp-source
# (ordinary mail) to none, untr-map, null and trusted, and edsend
# (e-Defter sends, every message a new key and a durable ledger record)
# to none, null and trusted.  The messages go in BLOCKS blocks per mode,
# the modes taking turns block by block in a rotating order, so that
# load from outside the benchmark falls on every mode alike; the queue
# is drained after every block, outside the timing.  A mode's
# messages/s is divided by the same round's rate of its baseline (none,
# or null for edefter-milter) with the same sender; the table shows the
# median over ROUNDS rounds.  Single-session blocks (LAT_MSGS messages
# per mode and round) give the added latency per message, which for an
# e-Defter send is compared with one durable commit of the ledger's
# file system (fsync_probe p50, measured in every round, right after
# that round's single-session blocks: the disk's flush time moves with
# other work); the table shows the median of the per-round quotients.
#
# Environment: ROUNDS (5), MSGS (3000), BLOCKS (4), SESSIONS (10),
# SIZE (1024), LAT_MSGS (200).
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-5}
MSGS=${MSGS:-3000}
SESSIONS=${SESSIONS:-10}
SIZE=${SIZE:-1024}
LAT_MSGS=${LAT_MSGS:-200}
BLOCKS=${BLOCKS:-4}

if [ "$(id -u)" -ne 0 ]; then
	bench_note "postfix: skipped (a private Postfix needs root)"
	exit 0
fi
for c in postfix postconf postqueue smtp-source smtp-sink ss; do
	command -v "$c" >/dev/null 2>&1 || {
		bench_note "postfix: skipped ($c is not installed)"
		exit 0
	}
done

bench_init postfix
build_tools || exit 1
PF=$W/pf
read -r SINK_PORT P_NONE P_MAP P_NULL P_TRUST <<<"$(free_ports 5 | tr '\n' ' ')"

# the discarding sink: smtp-sink without -d writes nothing
sink_up "$SINK_PORT" || exit 1

milter_up m "UserID postfix:postfix" "TrustedClients 127.0.0.0/8, ::1" ||
    exit 1
"$BENCH_BUILD/null_milter" "local:$W/null.sock" same >>"$W/null.log" 2>&1 &
bench_at_exit "pid_stop $!"
wait_for 10 test -S "$W/null.sock" || { cat "$W/null.log" >&2; exit 1; }

# one durable commit on the ledger's file system: what a new key costs
flush=$("$BENCH_BUILD/fsync_probe" "$W" 1000) || exit 1

pf_setup "$PF" "$P_NONE" "$SINK_PORT" || exit 1
bench_at_exit "pf_stop '$PF'"
pf_milter "$PF" "local:$W/m.sock" 10s 60s || exit 1
# the first listener (none) came from pf_setup; drop the global milters
# there and add one listener per mode
sed -i "s|^\(127.0.0.1:$P_NONE .*smtpd\)\$|\1 -o smtpd_milters=|" \
    "$PF/etc/master.cf"
cat >>"$PF/etc/master.cf" <<EOF
127.0.0.1:$P_MAP inet n - n - - smtpd
127.0.0.1:$P_NULL inet n - n - - smtpd -o { smtpd_milters = { local:$W/null.sock, default_action=tempfail } }
127.0.0.1:$P_TRUST inet n - n - - smtpd
EOF
# the untrusted listener as edefter-postconf makes a public smtpd, for a
# milter that trusts only 192.0.2.0/24
printf 'TrustedClients 192.0.2.0/24\n' >"$W/untrusted.conf"
sh "$TOP/postfix/edefter-postconf" -c "$PF/etc" -s "local:$W/m.sock" \
    --conf "$W/untrusted.conf" --public "127.0.0.1:$P_MAP/inet" apply \
    >"$W/postconf.log" 2>&1 || { cat "$W/postconf.log" >&2; exit 1; }
grep -q "^0.0.0.0/0	DISABLE" "$PF/etc/edefter-trusted.cidr" ||
    { cat "$W/postconf.log" >&2; exit 1; }
pf_set "$PF" "smtpd_client_connection_count_limit = 0" \
    "smtpd_client_connection_rate_limit = 0" || exit 1
pf_start "$PF" || exit 1
for p in $P_MAP $P_NULL $P_TRUST; do
	wait_for 10 eval "ss -Hltn 'sport = :$p' | grep -q ." || exit 1
done

# queue_empty - no queue file left (cheaper than postqueue, which forks
# and asks showq; checked after every block)
queue_empty() {
	[ -z "$(find "$PF/spool/maildrop" "$PF/spool/incoming" \
	    "$PF/spool/active" "$PF/spool/deferred" "$PF/spool/hold" \
	    -type f -print -quit 2>/dev/null)" ]
}

drain() {
	wait_for 120 queue_empty || {
		echo "queue did not drain" >&2
		return 1
	}
}

# src PORT N SESSIONS - smtp-source; prints the seconds it took
src() {
	local t0
	t0=$(now)
	smtp-source -s "$3" -m "$2" -l "$SIZE" -f ofis@ofis.example \
	    -t alici@firma.example "127.0.0.1:$1" >>"$W/source.log" 2>&1
	fsub "$(now)" "$t0" 6
}

# eds PORT N SESSIONS TAG - edsend; prints the seconds it took
eds() {
	local out
	out=$("$BENCH_BUILD/edsend" -s "$3" -m "$2" -l "$SIZE" -t "$4" \
	    "127.0.0.1:$1") || echo "edsend: $out" >&2
	echo "$out" >>"$W/edsend.log"
	echo "$out" | sed -n 's/.* secs=\([0-9.]*\) .*/\1/p'
}

# block MODE N SESSIONS TAG - N messages in MODE, queue drained after;
# prints the seconds the sending took
block() {
	local t
	case $1 in
	src-none) t=$(src "$P_NONE" "$2" "$3") ;;
	src-map) t=$(src "$P_MAP" "$2" "$3") ;;
	src-null) t=$(src "$P_NULL" "$2" "$3") ;;
	src-trust) t=$(src "$P_TRUST" "$2" "$3") ;;
	eds-none) t=$(eds "$P_NONE" "$2" "$3" "$4") ;;
	eds-null) t=$(eds "$P_NULL" "$2" "$3" "$4") ;;
	eds-trust) t=$(eds "$P_TRUST" "$2" "$3" "$4") ;;
	esac
	drain || exit 1
	echo "$t"
}

# warm up every listener (smtpd processes, milter threads, ledger)
say "postfix: warming up"
for m in src-none src-map src-null src-trust eds-none eds-null eds-trust; do
	block "$m" 200 "$SESSIONS" "w$m" >/dev/null
done

# A round: each mode's messages go in BLOCKS blocks, the modes taking
# turns block by block (in an order that rotates), so that load from
# outside the benchmark falls on every mode alike.  A mode's rate is its
# messages over the sum of its blocks' times.
modes=(src-none src-map src-null src-trust eds-none eds-null eds-trust)
lmodes=(src-none src-null src-trust eds-none eds-null eds-trust)
nl=${#lmodes[@]}
declare -A secs count lsecs
r_map=() r_tnull=() r_enull=() r_trust=() r_eds=() r_null=()
lat_src=() lat_eds=() lat_edsn=() lat_none=() lat_enone=() lat_enull=()
fl_p50=() fl_q=()
abs_none=() abs_enone=() abs_map=() abs_null=() abs_enull=() abs_trust=() abs_eds=()
rate() {
	fdiv "${count[$1]}" "${secs[$1]}" 1
}
for round in $(seq 1 "$ROUNDS"); do
	for m in "${modes[@]}"; do secs[$m]=0; count[$m]=0; done
	for m in "${lmodes[@]}"; do lsecs[$m]=0; done
	n=${#modes[@]}
	for b in $(seq 1 "$BLOCKS"); do
		for i in $(seq 0 $((n - 1))); do
			m=${modes[$(((i + round + b) % n))]}
			k=$((MSGS / BLOCKS))
			t=$(block "$m" "$k" "$SESSIONS" "r$round.$b")
			secs[$m]=$(awk -v a="${secs[$m]}" -v b="$t" 'BEGIN { print a + b }')
			count[$m]=$((count[$m] + k))
		done
		# single session: seconds per message without and with the milter
		for i in $(seq 0 $((nl - 1))); do
			m=${lmodes[$(((i + round + b) % nl))]}
			t=$(block "$m" "$((LAT_MSGS / BLOCKS))" 1 "l$round.$b")
			lsecs[$m]=$(awk -v a="${lsecs[$m]}" -v b="$t" 'BEGIN { print a + b }')
		done
	done
	line="round $round:"
	for m in "${modes[@]}"; do line="$line $m=$(rate "$m")"; done
	r_map+=("$(fdiv "$(rate src-map)" "$(rate src-none)" 3)")
	r_tnull+=("$(fdiv "$(rate src-trust)" "$(rate src-null)" 3)")
	r_enull+=("$(fdiv "$(rate eds-trust)" "$(rate eds-null)" 3)")
	r_null+=("$(fdiv "$(rate src-null)" "$(rate src-none)" 3)")
	r_trust+=("$(fdiv "$(rate src-trust)" "$(rate src-none)" 3)")
	r_eds+=("$(fdiv "$(rate eds-trust)" "$(rate eds-none)" 3)")
	abs_none+=("$(rate src-none)")
	abs_enone+=("$(rate eds-none)")
	abs_map+=("$(rate src-map)")
	abs_null+=("$(rate src-null)")
	abs_enull+=("$(rate eds-null)")
	abs_trust+=("$(rate src-trust)")
	abs_eds+=("$(rate eds-trust)")
	lm=$(((LAT_MSGS / BLOCKS) * BLOCKS))
	ms() { awk -v s="${lsecs[$1]}" -v n="$lm" 'BEGIN { printf "%.3f", 1000 * s / n }'; }
	lat_none+=("$(ms src-none)")
	lat_src+=("$(fsub "$(ms src-trust)" "$(ms src-none)" 3)")
	lat_enone+=("$(ms eds-none)")
	lat_enull+=("$(ms eds-null)")
	lat_eds+=("$(fsub "$(ms eds-trust)" "$(ms eds-none)" 3)")
	lat_edsn+=("$(fsub "$(ms eds-trust)" "$(ms eds-null)" 3)")
	fr=$("$BENCH_BUILD/fsync_probe" "$W" 300) || exit 1
	fp=$(echo "$fr" | tr ' ' '\n' | sed -n 's/^p50_us=//p')
	fl_p50+=("$(fdiv "$fp" 1000 3)")
	fl_q+=("$(awk -v a="${lat_edsn[$((round - 1))]}" -v f="$fp" 'BEGIN { printf "%.2f", a * 1000 / f }')")
	say "postfix $line | 1-session ms/msg none=$(ms src-none) null=$(ms src-null) trusted=$(ms src-trust) eds-none=$(ms eds-none) eds-null=$(ms eds-null) eds-trusted=$(ms eds-trust)"
done

got=$("$BUILD/edefterctl" -l "$W/m.ledger" stats 2>/dev/null |
    awk '$1 == "records" { print $2 }')
expect=$((200 + ROUNDS * (MSGS / BLOCKS + LAT_MSGS / BLOCKS) * BLOCKS))
refused=$(awk -F'refused=' '{ split($2, a, " "); s += a[1] } END { print s + 0 }' \
    "$W/edsend.log")
src_err=$(grep -ci 'error\|fatal\|reject' "$W/source.log" || true)
bounced=$(grep -c 'status=bounced\|status=deferred' "$PF/maillog" || true)

mr=$(median "${r_map[@]}")
tn=$(median "${r_tnull[@]}")
en=$(median "${r_enull[@]}")
tr=$(median "${r_trust[@]}")
er=$(median "${r_eds[@]}")
nr=$(median "${r_null[@]}")
bench_row "Postfix: untrusted client of the public smtpd as edefter-postconf sets it (smtpd_milter_maps DISABLE, X-EDefter-* removed by header_checks; smtp-source, 10 sessions)" \
    "$(fmt "$(median "${abs_none[@]}")") msg/s (no milter)" "$(fmt "$(median "${abs_map[@]}")") msg/s" \
    "$mr" "≥ 0.97" "$(ge "$mr" 0.97)"
bench_row "Postfix: trusted client, ordinary mail (smtp-source, 10 sessions)" \
    "$(fmt "$(median "${abs_null[@]}")") msg/s (null milter, same steps)" "$(fmt "$(median "${abs_trust[@]}")") msg/s" \
    "$tn" "≥ 0.97" "$(ge "$tn" 0.97)"
bench_row "Postfix: e-Defter sends, new key + durable record each (edsend, 10 sessions)" \
    "$(fmt "$(median "${abs_enull[@]}")") msg/s (null milter, same steps)" "$(fmt "$(median "${abs_eds[@]}")") msg/s" \
    "$en" "≥ 0.90" "$(ge "$en" 0.90)"
bench_row "Postfix: the same against no milter: null milter / edefter ordinary / edefter e-Defter" \
    "$(fmt "$(median "${abs_none[@]}")") / $(fmt "$(median "${abs_enone[@]}")") msg/s (no milter)" \
    "$(fmt "$(median "${abs_null[@]}")") / $(fmt "$(median "${abs_trust[@]}")") / $(fmt "$(median "${abs_eds[@]}")") msg/s" \
    "$nr / $tr / $er" "(reported)" "-"
ls_=$(median "${lat_src[@]}")
le_=$(median "${lat_eds[@]}")
ln_=$(median "${lat_edsn[@]}")
fl=$(median "${fl_p50[@]}")
fq=$(median "${fl_q[@]}")
bench_row "Postfix: 1 session, added ms/message, ordinary mail (trusted)" \
    "$(median "${lat_none[@]}") ms (no milter)" "$(awk -v v="$ls_" 'BEGIN { printf "%+.3f", v }') ms" "-" "≤ 1 ms" "$(le "$ls_" 1)"
bench_row "Postfix: 1 session, added ms/message, e-Defter send, against the null milter" \
    "$(median "${lat_enull[@]}") ms (null milter); one flush $fl ms (fsync_probe p50, median of the rounds)" \
    "$(awk -v v="$ln_" 'BEGIN { printf "%+.3f", v }') ms" "$fq flushes" \
    "≤ 1.5 flushes" "$(le "$fq" 1.5)"
bench_row "Postfix: 1 session, added ms/message, e-Defter send, against no milter" \
    "$(median "${lat_enone[@]}") ms (no milter)" "$(awk -v v="$le_" 'BEGIN { printf "%+.3f", v }') ms" "-" "(reported)" "-"
bench_note "postfix: $ROUNDS rounds × $MSGS messages per mode × $SESSIONS sessions, in $BLOCKS interleaved blocks, $SIZE-byte bodies, one SMTP session per message; single-session: $LAT_MSGS messages per mode per round; ratios per round: untr-map/none ${r_map[*]}; trusted/null ${r_tnull[*]}; e-Defter/null ${r_enull[*]}; null/none ${r_null[*]}; trusted/none ${r_trust[*]}; e-Defter/none ${r_eds[*]}; 1-session e-Defter ms over null ${lat_edsn[*]}, flush p50 ms ${fl_p50[*]}, quotients ${fl_q[*]}"
bench_note "postfix: fsync_probe at the start: $flush"
bench_note "postfix: ledger records added by e-Defter sends: $got of $expect expected; edsend refusals: $refused; smtp-source error lines: $src_err; bounced/deferred: $bounced"
