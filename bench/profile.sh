#!/usr/bin/env bash
# profile.sh - where the time goes, for the targets bench/run.sh misses.
#
#   bench/profile.sh [milter] [postfix] [scan] [dump]    (default: all)
#
# Not part of `make bench`: it takes a few minutes and needs perf and
# strace.  Writes bench/results/profile-<part>.txt:
#
#   milter   edefter-milter on a 200 000-record ledger driven by
#            milter_client (new keys, 10 clients): strace -c of the milter
#            (syscalls per decision) and perf of its hot functions
#   postfix  a private Postfix with the milter, edsend e-Defter sends
#            (10 sessions): perf -a, CPU by process name, and the milter's
#            system calls; plain mail through no milter, bench/null_milter
#            (accepts at end of message, no work), null_milter with the
#            no-reply steps negotiated, and edefter-milter: msg/s with 10
#            sessions and ms/message with 1; e-Defter sends with 1 session
#   scan     edefter-scan status on a 200 × 60 × 5 share: strace -c of
#            status, rescan and find; perf with DWARF call graphs
#   dump     edefterctl dump --format json of 200 000 records: perf
. "$(dirname "$0")/lib.sh"

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(milter postfix scan dump)
for c in perf strace; do
	command -v "$c" >/dev/null || { echo "profile.sh: $c is missing" >&2; exit 1; }
done
bench_init profile
build_tools || exit 1
OUT=$BENCH_DIR/results
mkdir -p "$OUT"

# perf_top FILE.data [N] - the N hottest symbols, self time
perf_top() {
	perf report -i "$1" --no-children --sort comm,dso,sym --stdio -g none \
	    2>/dev/null | grep -v '^#' | grep '%' | head -n "${2:-30}"
}
# perf_tree FILE.data [N] - user functions with their callees' time
perf_tree() {
	perf report -i "$1" --children --sort sym --stdio -g none 2>/dev/null |
	    grep -v '^#' | grep '\[\.\]' | head -n "${2:-40}"
}

small_ledger() {
	[ -d "$W/ledger" ] && return 0
	"$PY" "$BENCH_DIR/gen_ledger.py" 200000 "$W/recs" 200000 1 >/dev/null &&
	    EDEFTER_LEDGER_MAPSIZE=256M "$BUILD/edefterctl" -l "$W/ledger" \
	    import "$W/recs.000" >/dev/null
}

prof_milter() {
	local o=$OUT/profile-milter.txt pid sp
	small_ledger || return 1
	milter_up pm "LedgerPath $W/ledger" || return 1
	pid=$(cat "$W/pm.pid")
	"$BENCH_BUILD/milter_client" -s "$W/pm.sock" -c 10 -n 100 -m new \
	    -t warm -w 0 >/dev/null
	{
		echo "# edefter-milter, new keys, 10 clients, 3000 decisions"
		echo "## strace -c -f of the milter"
		strace -f -c -o "$W/strace.milter" -p "$pid" 2>/dev/null &
		sp=$!
		sleep 0.5
		"$BENCH_BUILD/milter_client" -s "$W/pm.sock" -c 10 -n 300 -m new \
		    -t s -w 0
		kill -INT "$sp"; wait "$sp" 2>/dev/null
		head -n 25 "$W/strace.milter"
		echo
		echo "## perf of the milter (self time)"
		perf record -g -o "$W/perf.milter" -p "$pid" 2>/dev/null &
		sp=$!
		sleep 0.5
		"$BENCH_BUILD/milter_client" -s "$W/pm.sock" -c 10 -n 300 -m new \
		    -t p -w 0
		kill -INT "$sp"; wait "$sp" 2>/dev/null
		perf_top "$W/perf.milter" 30
	} >"$o" 2>&1
	milter_down pm
	say "profile: $o"
}

prof_postfix() {
	local o=$OUT/profile-postfix.txt PF=$W/pf sink np nn nr nt pp p
	read -r sink np nn nr nt <<<"$(free_ports 5 | tr '\n' ' ')"
	sink_up "$sink" || return 1
	milter_up pf-m "UserID postfix:postfix" || return 1
	"$BENCH_BUILD/null_milter" "local:$W/null.sock" >>"$W/null.log" 2>&1 &
	bench_at_exit "pid_stop $!"
	"$BENCH_BUILD/null_milter" "local:$W/nullnr.sock" noreply \
	    >>"$W/null.log" 2>&1 &
	bench_at_exit "pid_stop $!"
	wait_for 10 test -S "$W/null.sock" || return 1
	wait_for 10 test -S "$W/nullnr.sock" || return 1
	pf_setup "$PF" "$np" "$sink" || return 1
	bench_at_exit "pf_stop '$PF'"
	pf_milter "$PF" "local:$W/pf-m.sock" 10s 60s || return 1
	sed -i "s|^\(127.0.0.1:$np .*smtpd\)\$|\1 -o smtpd_milters=|" \
	    "$PF/etc/master.cf"
	cat >>"$PF/etc/master.cf" <<-EOF
	127.0.0.1:$nn inet n - n - - smtpd -o { smtpd_milters = { local:$W/null.sock, default_action=tempfail } }
	127.0.0.1:$nr inet n - n - - smtpd -o { smtpd_milters = { local:$W/nullnr.sock, default_action=tempfail } }
	127.0.0.1:$nt inet n - n - - smtpd
	EOF
	pf_start "$PF" || return 1
	wait_for 10 eval "ss -Hltn 'sport = :$nt' | grep -q ." || return 1
	for p in $np $nn $nr $nt; do
		"$BENCH_BUILD/edsend" -s 10 -m 300 -t "w$p" "127.0.0.1:$p" >/dev/null
	done
	wait_for 60 pf_queue_empty "$PF"
	{
		echo "# Postfix + edefter-milter, e-Defter sends (edsend, 10 sessions)"
		echo "## perf record -a -F 1000: CPU ms per message by process, 3000 sends"
		echo "## to the no-milter listener, then to the edefter-milter one"
		for p in $np $nt; do
			perf record -a -F 1000 -g -o "$W/perf.pf.$p" -- \
			    "$BENCH_BUILD/edsend" -s 10 -m 3000 -t "prof$p" \
			    "127.0.0.1:$p" 2>/dev/null
			wait_for 60 pf_queue_empty "$PF"
			perf report -i "$W/perf.pf.$p" -n --no-children --sort comm \
			    --stdio -g none 2>/dev/null | grep -v '^#' | grep '%' |
			    awk '{ printf "%s=%.3f\n", $3, $2 / 1000 / 3000 * 1000 }' \
			    >"$W/cpu.$p"
		done
		echo "(processes of this benchmark only; other load on the machine is left out)"
		awk -F= -v ours="smtpd cleanup smtp qmgr trivial-rewrite master scache postlogd anvil smtp-sink edsend edefter-milter" '
		    BEGIN { n = split(ours, o, " "); for (i = 1; i <= n; i++) keep[o[i]] = 1 }
		    FNR == 1 { f++ }
		    keep[$1] { v[$1, f] = $2; t[f] += $2; seen[$1] = 1 }
		    END { printf "%-18s %10s %10s\n", "process", "no milter", "edefter"
			  for (c in seen) printf "%-18s %10.3f %10.3f\n", c, v[c, 1], v[c, 2] | "sort -k3 -rn"
			  close("sort -k3 -rn")
			  printf "%-18s %10.3f %10.3f\n", "all of these", t[1], t[2] }' \
		    "$W/cpu.$np" "$W/cpu.$nt"
		echo
		echo "## edefter-milter during the e-Defter sends: time by system call / function (with callees)"
		perf report -i "$W/perf.pf.$nt" --children --comm edefter-milter \
		    --sort sym --stdio -g none 2>/dev/null | grep -v '^#' |
		    grep -E '__x64_sys_|\[\.\] (decide_eom|ledger_|mi_|cb_|mime_|log_|syslog|__vsyslog|pthread_create|mdb_)' |
		    head -n 30
		cp "$W/perf.pf.$nt" "$W/perf.pf"
		echo
		echo "## edefter-milter's share, by symbol"
		perf report -i "$W/perf.pf" --no-children --comm edefter-milter \
		    --sort dso,sym --stdio -g none 2>/dev/null | grep -v '^#' |
		    grep '%' | head -n 25
		wait_for 60 pf_queue_empty "$PF"
		echo
		echo "## plain mail (edsend -P), 3 interleaved rounds: 10 sessions x 1000"
		echo "## messages (msg/s), and 1 session x 200 messages (ms/message)"
		declare -A s l
		ms_=(none null null-noreply edefter)
		port_of() {
			case $1 in
			none) echo "$np" ;; null) echo "$nn" ;;
			null-noreply) echo "$nr" ;; edefter) echo "$nt" ;;
			esac
		}
		for m in "${ms_[@]}"; do s[$m]=0; l[$m]=0; done
		for r in 1 2 3; do
			for m in "${ms_[@]}"; do
				out=$("$BENCH_BUILD/edsend" -P -s 10 -m 1000 -t "t$r$m" "127.0.0.1:$(port_of "$m")")
				t=$(echo "$out" | sed -n 's/.* secs=\([0-9.]*\) .*/\1/p')
				s[$m]=$(awk -v a="${s[$m]}" -v b="$t" 'BEGIN { print a + b }')
				wait_for 60 pf_queue_empty "$PF"
				out=$("$BENCH_BUILD/edsend" -P -s 1 -m 200 -t "l$r$m" "127.0.0.1:$(port_of "$m")")
				t=$(echo "$out" | sed -n 's/.* secs=\([0-9.]*\) .*/\1/p')
				l[$m]=$(awk -v a="${l[$m]}" -v b="$t" 'BEGIN { print a + b }')
				wait_for 60 pf_queue_empty "$PF"
			done
		done
		printf '%-14s %10s %8s %12s\n' listener "msg/s" ratio "ms/message"
		for m in "${ms_[@]}"; do
			awk -v m="$m" -v s="${s[$m]}" -v s0="${s[none]}" -v l="${l[$m]}" \
			    'BEGIN { printf "%-14s %10.1f %8.3f %12.3f\n", m, 3000 / s, s0 / s, l * 1000 / 600 }'
		done
		echo
		echo "## single session, e-Defter sends (edsend), ms/message, 3 x 200"
		for m in none edefter; do l[$m]=0; done
		for r in 1 2 3; do
			for m in none edefter; do
				out=$("$BENCH_BUILD/edsend" -s 1 -m 200 -t "e$r$m" "127.0.0.1:$(port_of "$m")")
				t=$(echo "$out" | sed -n 's/.* secs=\([0-9.]*\) .*/\1/p')
				l[$m]=$(awk -v a="${l[$m]}" -v b="$t" 'BEGIN { print a + b }')
				wait_for 60 pf_queue_empty "$PF"
			done
		done
		for m in none edefter; do
			printf '%-14s %12s ms\n' "$m" "$(awk -v l="${l[$m]}" 'BEGIN { printf "%.3f", l * 1000 / 600 }')"
		done
	} >"$o" 2>&1
	say "profile: $o"
}

prof_scan() {
	local o=$OUT/profile-scan.txt
	"$PY" "$BENCH_DIR/gen_share.py" "$W/share" 200 60 --csv "$W/c.csv" \
	    --ledger-json "$W/sent.json" >/dev/null || return 1
	printf '[{"companyId":"1234567890","year":2020,"month":1,"sentDate":"2020-01-15T10:00:00.000Z","recipientEmail":"x@y.example"}]\n' >"$W/one.json"
	"$BUILD/edefterctl" -l "$W/s.empty" import "$W/one.json" >/dev/null
	"$BUILD/edefterctl" -l "$W/s.full" import "$W/sent.json" >/dev/null
	mkdir -p "$W/state"
	for l in empty full; do
		cat >"$W/s-$l.conf" <<-EOF
		LedgerPath $W/s.$l
		ShareRoot $W/share
		ShareType any
		Companies $W/c.csv
		From Ofis <edefter@ofis.example>
		Submit smtp://127.0.0.1:9
		SettleSeconds 0
		StateDir $W/state
		EOF
	done
	{
		echo "# edefter-scan status, 60 000 files (200 companies x 60 months x 5)"
		for l in empty full; do
			echo "## strace -c: status, ledger $l"
			strace -f -c -o "$W/st.$l" "$BUILD/edefter-scan" -c "$W/s-$l.conf" \
			    status >/dev/null 2>&1
			head -n 16 "$W/st.$l"
			echo
		done
		echo "## strace -c: find -type f -printf"
		strace -c -o "$W/st.find" find "$W/share" -type f -printf '%s %T@ %p\n' \
		    >/dev/null
		head -n 12 "$W/st.find"
		echo
		for l in empty full; do
			echo "## perf (DWARF call graphs), status with ledger $l: functions with callees"
			perf record -F 2999 --call-graph dwarf,16384 -o "$W/perf.$l" \
			    "$BUILD/edefter-scan" -c "$W/s-$l.conf" status >/dev/null 2>&1
			perf_tree "$W/perf.$l" 45
			echo
		done
	} >"$o" 2>&1
	say "profile: $o"
}

prof_dump() {
	local o=$OUT/profile-dump.txt
	small_ledger || return 1
	{
		echo "# edefterctl dump --format json, 200 000 records"
		perf record -F 2999 --call-graph dwarf,8192 -o "$W/perf.dump" \
		    "$BUILD/edefterctl" -l "$W/ledger" dump --format json \
		    >/dev/null 2>&1
		echo "## self time"
		perf_top "$W/perf.dump" 20
		echo
		echo "## functions with callees"
		perf_tree "$W/perf.dump" 25
	} >"$o" 2>&1
	say "profile: $o"
}

for p in "${parts[@]}"; do
	"prof_$p" || echo "profile.sh: $p failed" >&2
done
