#!/usr/bin/env bash
# ledger_bench.sh - a ledger of LEDGER_RECORDS records (1 000 000), then:
#
#  1. edefterctl dump --format json of all of it, against mdb_dump of the
#     same table (the raw read of the same pages); ledger bytes per record.
#  2. Milter decisions: bench/milter_client speaks the milter protocol to
#     edefter-milter on a unix socket (no Postfix) with that ledger:
#     p50/p99 of the end-of-message decision and decisions/s, for new keys
#     (one durable LMDB commit each) and for duplicates (550), with 1 and
#     with 10 clients at once.  Baseline: bench/null_milter (libmilter,
#     same negotiated steps, accepts at end of message, no work), driven
#     the same way in the same run.  Each measurement runs three times;
#     the run with the median p99 is shown.  For new keys the ratio is
#     against bench/fsync_probe: one durable commit (a page written and
#     fdatasync'ed, then a page written O_DSYNC, as LMDB commits) on the
#     ledger's file system, the floor under any new-key decision.
#
# Environment: LEDGER_RECORDS (1000000), MILTER_MSGS (3000: messages per
# measurement, split between the clients).
. "$(dirname "$0")/lib.sh"

LEDGER_RECORDS=${LEDGER_RECORDS:-1000000}
MILTER_MSGS=${MILTER_MSGS:-3000}

bench_init ledger
build_tools || exit 1
L=$W/ledger

say "ledger: generating and importing $LEDGER_RECORDS records"
t0=$(now)
"$PY" "$BENCH_DIR/gen_ledger.py" "$LEDGER_RECORDS" "$W/recs" 250000 2 |
    while read -r f; do
	EDEFTER_LEDGER_MAPSIZE=512M "$BUILD/edefterctl" -l "$L" import "$f" \
	    >>"$W/import.log" 2>&1 || { cat "$W/import.log" >&2; exit 1; }
	rm -f "$f"
done || exit 1
recs=$("$BUILD/edefterctl" -l "$L" stats | awk '$1 == "records" { print $2 }')
say "ledger: $recs records in $(fsub "$(now)" "$t0" 1) s"
if [ "$recs" != "$LEDGER_RECORDS" ]; then
	echo "ledger: expected $LEDGER_RECORDS records, have $recs" >&2
	tail -n 5 "$W/import.log" >&2
	exit 1
fi

# ---- 1. dump ------------------------------------------------------------
best_of() {
	local n=$1 best= t t0 i
	shift
	for i in $(seq 1 "$n"); do
		t0=$(now)
		"$@" || return 1
		t=$(fsub "$(now)" "$t0" 3)
		if [ -z "$best" ] || [ "$(le "$t" "$best")" = yes ]; then best=$t; fi
	done
	echo "$best"
}
dump_json() {
	"$BUILD/edefterctl" -l "$L" dump --format json >"$W/dump.json"
}
raw_dump() {
	mdb_dump -s records "$L" >/dev/null
}
say "ledger: dump"
t_dump=$(best_of 2 dump_json) || exit 1
lines=$(wc -l <"$W/dump.json")
rm -f "$W/dump.json"
if command -v mdb_dump >/dev/null 2>&1; then
	t_raw=$(best_of 2 raw_dump)
	ratio=$(fdiv "$t_dump" "$t_raw" 2)
else
	t_raw="(mdb_dump missing)"
	ratio=-
fi
bench_row "edefterctl dump --format json, $LEDGER_RECORDS records" \
    "$t_raw s (mdb_dump)" "$t_dump s ($lines lines)" "$ratio" "≤ 3 s" \
    "$(le "$t_dump" 3)"
fsize=$(stat -c %s "$L/data.mdb")
used=$(mdb_stat -s records "$L" 2>/dev/null | awk '
	/Branch pages/ { p += $3 } /Leaf pages/ { p += $3 }
	/Overflow pages/ { p += $3 } END { print p * 4096 }')
bench_row "Ledger size per record ($LEDGER_RECORDS records)" \
    "-" "$(fdiv "$fsize" "$recs" 0) B/record (file), $(fdiv "$used" "$recs" 0) B/record (pages in use)" \
    "-" "(reported)" "-"

# ---- 2. milter decisions -------------------------------------------------
milter_up m "LedgerPath $L" || exit 1
"$BENCH_BUILD/null_milter" "local:$W/null.sock" >>"$W/null.log" 2>&1 &
NULL_PID=$!
bench_at_exit "pid_stop $NULL_PID"
wait_for 10 test -S "$W/null.sock" || { cat "$W/null.log" >&2; exit 1; }

# mc SOCKET CLIENTS MODE TAG - print the result line
mc() {
	local per=$((MILTER_MSGS / $2))
	"$BENCH_BUILD/milter_client" -s "$1" -c "$2" -n "$per" -m "$3" \
	    -t "$4" -P "$LEDGER_RECORDS" -w 20 2>>"$W/client.err"
}
field() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
# mc3 ... - mc three times; print the run with the median p99
mc3() {
	local i
	for i in 1 2 3; do
		mc "$1" "$2" "$3" "$4r$i"
	done | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^p99_us=/) {
		split($i, a, "="); print a[2], $0 } }' | sort -g | sed -n '2s/^[^ ]* //p'
}

say "ledger: milter decisions"
mc "$W/m.sock" 1 new warm >/dev/null	# grows the map once, warms pages
# the floor under a new key: one durable commit on this file system
flush=$("$BENCH_BUILD/fsync_probe" "$W" 1000) || exit 1
echo "fsync_probe $flush" >>"$W/milter.log"
ms_of() {
	fdiv "$(field "$1" "$2")" 1000 3
}
for c in 1 10; do
	base=$(mc3 "$W/null.sock" "$c" new "n$c")
	echo "null c=$c $base" >>"$W/milter.log"
	for mode in new dup; do
		out=$(mc3 "$W/m.sock" "$c" "$mode" "$mode$c")
		echo "edefter c=$c $out" >>"$W/milter.log"
		p99=$(field "$out" p99_us)
		bad=$(( $(field "$out" unexpected) + $(field "$out" failed) ))
		met=$(le "$(ms_of "$out" p99_us)" 2)
		[ "$bad" -eq 0 ] || met="NO ($bad wrong replies)"
		if [ "$mode" = new ]; then
			bl="p50 $(ms_of "$flush" p50_us) / p99 $(ms_of "$flush" p99_us) ms (one flush: fsync_probe)"
			ratio=$(fdiv "$p99" "$(field "$flush" p99_us)" 1)
		else
			bl="p50 $(ms_of "$base" p50_us) / p99 $(ms_of "$base" p99_us) ms, $(field "$base" per_s)/s (null milter)"
			ratio=$(fdiv "$p99" "$(field "$base" p99_us)" 1)
		fi
		target="p99 ≤ 2 ms"
		if [ "$mode" = new ] && [ "$c" = 10 ]; then
			# many writers: against the flush under each of them
			target="p99 ≤ 2× flush p99"
			met=$(le "$(fdiv "$p99" "$(field "$flush" p99_us)" 3)" 2)
			[ "$bad" -eq 0 ] || met="NO ($bad wrong replies)"
		fi
		bench_row "Milter decision, $mode keys, $c client$([ "$c" = 1 ] || echo s), $LEDGER_RECORDS-record ledger" \
		    "$bl" \
		    "p50 $(ms_of "$out" p50_us) / p99 $(ms_of "$out" p99_us) ms, $(field "$out" per_s)/s" \
		    "$ratio" "$target" "$met"
	done
done
sed 's/^/ledger: /' "$W/milter.log" | while read -r l; do bench_note "$l"; done
