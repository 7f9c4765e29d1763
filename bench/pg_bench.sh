#!/usr/bin/env bash
# pg_bench.sh - the ledger in PostgreSQL (LedgerURL) against LMDB, same run:
#
#  1. A ledger of PG_RECORDS records (200 000; gen_ledger.py ->
#     edefterctl import into LMDB), then `edefterctl copy --to URL' into a
#     private PostgreSQL 15 (tests/lib/pg.sh: initdb in the scratch
#     directory, unix socket only, fsync and synchronous_commit on, as
#     shipped): records copied per second; again (nothing new to copy).
#  2. Milter decisions: two edefter-milters, one on the LMDB ledger and
#     one on the PostgreSQL copy of it, driven by bench/milter_client in
#     turns (LMDB, then PostgreSQL, for each measurement): p50/p99 of the
#     end-of-message decision for new keys (a committed insert each) and
#     for keys already in the ledger (550), with 1 and 10 clients.  Each
#     measurement three times; the run with the median p99 is shown.  The
#     baseline of each row is the LMDB milter's run next to it; the ratio
#     is PostgreSQL's p99 over LMDB's.
#
# Environment: PG_RECORDS (200000), PG_MSGS (3000: messages per
# measurement, split between the clients).  Needs root (the server runs
# as the postgres user) and PostgreSQL 15 in /usr/lib/postgresql/15/bin.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib/pg.sh"

PG_RECORDS=${PG_RECORDS:-200000}
PG_MSGS=${PG_MSGS:-3000}

bench_init pg
build_tools || exit 1
if ! pg_available; then
	bench_note "pg: skipped: $PG_WHY"
	exit 0
fi
L=$W/ledger
PGD=$W/pg

say "pg: starting PostgreSQL"
pg_setup "$PGD" || exit 1
bench_at_exit "pg_stop $PGD"
pg_start "$PGD" || exit 1
pg_createdb "$PGD" bench || exit 1
URL=$(pg_url "$PGD" bench)
"$BUILD/edefterctl" -l "$URL" init >/dev/null || exit 1

say "pg: generating and importing $PG_RECORDS records into LMDB"
"$PY" "$BENCH_DIR/gen_ledger.py" "$PG_RECORDS" "$W/recs" 250000 2 |
    while read -r f; do
	EDEFTER_LEDGER_MAPSIZE=256M "$BUILD/edefterctl" -l "$L" import "$f" \
	    >>"$W/import.log" 2>&1 || { cat "$W/import.log" >&2; exit 1; }
	rm -f "$f"
done || exit 1

say "pg: edefterctl copy --to PostgreSQL"
t0=$(now)
"$BUILD/edefterctl" -l "$L" copy --to "$URL" >"$W/copy.out" || {
	cat "$W/copy.out" >&2
	exit 1
}
t_copy=$(fsub "$(now)" "$t0" 3)
t0=$(now)
"$BUILD/edefterctl" -l "$L" copy --to "$URL" >"$W/copy2.out" || exit 1
t_again=$(fsub "$(now)" "$t0" 3)
copied=$(awk '{ print $1; exit }' "$W/copy.out")
recs=$("$BUILD/edefterctl" -l "$URL" stats | awk '$1 == "records" { print $2 }')
if [ "$copied" != "$PG_RECORDS" ] || [ "$recs" != "$PG_RECORDS" ]; then
	echo "pg: expected $PG_RECORDS records, copied $copied, have $recs" >&2
	exit 1
fi
tsize=$("$BUILD/edefterctl" -l "$URL" stats | awk '$1 == "table" { print $3 }')
bench_row "edefterctl copy --to PostgreSQL, $PG_RECORDS records from LMDB" \
    "-" "$t_copy s ($(fdiv "$PG_RECORDS" "$t_copy" 0) records/s); again, nothing new: $t_again s" \
    "-" "(reported)" "-"
bench_row "PostgreSQL table size per record ($PG_RECORDS records, with indexes)" \
    "-" "$(fdiv "$tsize" "$recs" 0) B/record" "-" "(reported)" "-"

# ---- milter decisions ------------------------------------------------------
milter_up lm "LedgerPath $L" || exit 1
milter_up pgm "LedgerURL $URL" || exit 1

# mc SOCKET CLIENTS MODE TAG - print the result line
mc() {
	local per=$((PG_MSGS / $2))
	"$BENCH_BUILD/milter_client" -s "$1" -c "$2" -n "$per" -m "$3" \
	    -t "$4" -P "$PG_RECORDS" -w 20 2>>"$W/client.err"
}
field() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
ms_of() {
	fdiv "$(field "$1" "$2")" 1000 3
}
# pick3 - of three result lines on stdin, the one with the median p99
pick3() {
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^p99_us=/) {
		split($i, a, "="); print a[2], $0 } }' | sort -g | sed -n '2s/^[^ ]* //p'
}

say "pg: milter decisions"
mc "$W/lm.sock" 1 new warm >/dev/null
mc "$W/pgm.sock" 1 new warm >/dev/null
for c in 1 10; do
	for mode in new dup; do
		: >"$W/lm.runs"
		: >"$W/pg.runs"
		for i in 1 2 3; do
			mc "$W/lm.sock" "$c" "$mode" "l$mode$c$i" >>"$W/lm.runs"
			mc "$W/pgm.sock" "$c" "$mode" "p$mode$c$i" >>"$W/pg.runs"
		done
		lm=$(pick3 <"$W/lm.runs")
		pg=$(pick3 <"$W/pg.runs")
		echo "lmdb c=$c $lm" >>"$W/milter.log"
		echo "postgresql c=$c $pg" >>"$W/milter.log"
		bad=$(( $(field "$pg" unexpected) + $(field "$pg" failed) ))
		met=$(le "$(ms_of "$pg" p99_us)" 2)
		[ "$bad" -eq 0 ] || met="NO ($bad wrong replies)"
		bench_row "Milter decision on PostgreSQL, $mode keys, $c client$([ "$c" = 1 ] || echo s), $PG_RECORDS-record ledger" \
		    "p50 $(ms_of "$lm" p50_us) / p99 $(ms_of "$lm" p99_us) ms, $(field "$lm" per_s)/s (LMDB)" \
		    "p50 $(ms_of "$pg" p50_us) / p99 $(ms_of "$pg" p99_us) ms, $(field "$pg" per_s)/s" \
		    "$(fdiv "$(field "$pg" p99_us)" "$(field "$lm" p99_us)" 1)" \
		    "p99 ≤ 2 ms" "$met"
	done
done
commits=$(pg_psql "$PGD" bench "SELECT xact_commit FROM pg_stat_database WHERE datname = 'bench'")
bench_note "pg: PostgreSQL $(pg_psql "$PGD" bench "SHOW server_version"), unix socket, fsync $(pg_psql "$PGD" bench "SHOW fsync"), synchronous_commit $(pg_psql "$PGD" bench "SHOW synchronous_commit"); $commits transactions committed in the bench database"
sed 's/^/pg: /' "$W/milter.log" | while read -r l; do bench_note "$l"; done
