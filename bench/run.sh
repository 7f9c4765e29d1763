#!/usr/bin/env bash
# run.sh - run the benchmarks and write the results table.
#
#   bench/run.sh [ledger] [pg] [stream] [scan] [postfix]     (default: all)
#
# Builds the C drivers into bench/build/ (cc -O2), runs each benchmark
# script, and writes a markdown table (benchmark | baseline | measured |
# ratio | target | met?) with notes to stdout and bench/results/latest.md.
# Every ratio is against a baseline measured in the same run; absolute
# numbers are printed, never asserted: the exit status is 0 unless a
# benchmark could not run at all.  Progress goes to stderr.
#
# Needs the programs built (make) in $BUILD (default: build/).  The
# Postfix and Samba parts need root; each script explains what it skips.
# Size knobs (environment) are listed at the top of each script; the
# defaults fit in 10 minutes on 2 cores.
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH_DIR/.." && pwd)
BUILD=${BUILD:-$TOP/build}
export TOP BUILD
. "$BENCH_DIR/lib.sh"

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(ledger pg stream scan postfix)
for p in "${parts[@]}"; do
	[ -x "$BENCH_DIR/${p}_bench.sh" ] || {
		echo "run.sh: no benchmark '$p' (ledger, pg, stream, scan, postfix)" >&2
		exit 64
	}
done
for prog in edefter-milter edefter-scan edefterctl libscan.a libedefter.a; do
	[ -e "$BUILD/$prog" ] || {
		echo "run.sh: $BUILD/$prog is missing: run make first" >&2
		exit 1
	}
done
build_tools || { echo "run.sh: could not build the drivers" >&2; exit 1; }

RES=$(mktemp -d "${BENCH_TMP:-/tmp}/edefter-bench-results.XXXXXX") || exit 1
trap 'rm -rf "$RES"' EXIT
export BENCH_ROWS=$RES/rows BENCH_NOTES=$RES/notes
: >"$BENCH_ROWS"
: >"$BENCH_NOTES"

start=$(date +%s)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
status=0
for p in "${parts[@]}"; do
	t0=$(date +%s)
	say "== $p"
	if ! "$BENCH_DIR/${p}_bench.sh"; then
		echo "run.sh: $p benchmark failed" >&2
		echo "$p: FAILED (see stderr of the run)" >>"$BENCH_NOTES"
		status=1
	fi
	echo "$p: $(($(date +%s) - t0)) s" >>"$RES/times"
done
total=$(($(date +%s) - start))
load1=$(cut -d' ' -f1-3 /proc/loadavg)

commit=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$TOP" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	commit="$commit (with local changes)"
fi
{
	echo "# edefter benchmarks"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit, $(nproc) CPUs," \
	    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM," \
	    "Linux $(uname -r), load average $load0 at start, $load1 at end;" \
	    "$total s in all ($(paste -sd, "$RES/times" | sed 's/,/, /g'))."
	echo
	echo "Ratios are against the baseline measured in the same run;" \
	    "absolute numbers are for orientation only (a shared 2-core VM is noisy)."
	echo
	echo "| benchmark | baseline | measured | ratio | target | met? |"
	echo "|---|---|---|---|---|---|"
	awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' \
	    "$BENCH_ROWS"
	echo
	echo "Notes:"
	echo
	sed 's/^/* /' "$BENCH_NOTES"
} >"$RES/table.md"

mkdir -p "$BENCH_DIR/results"
cp "$RES/table.md" "$BENCH_DIR/results/latest.md"
cat "$RES/table.md"
exit $status
