#!/usr/bin/env bash
# run.sh - run every test program, add up the TAP lines, print the total.
#
#   tests/run.sh [--build DIR] [--san-build DIR] [PATTERN...]
#
# Unit tests (C, from the ASan/UBSan build) first, then the shell tests in
# tests/t/ against the normal build.  Each program's output goes to
# $LOGDIR/<name>.log; failures are shown.  The last line is
# "N passed, N failed[, N skipped]".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
san=$top/build-san
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--san-build) san=$2; shift 2 ;;
	*) break ;;
	esac
done
case $build in /*) ;; *) build=$top/$build ;; esac
case $san in /*) ;; *) san=$top/$san ;; esac
logdir=${LOGDIR:-$top/build/test-logs}
mkdir -p "$logdir"
export BUILD=$build
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0 failed=0 skipped=0
programs=()
for t in "$san"/tests/test_*; do
	[ -x "$t" ] && programs+=("$t")
done
for t in "$top"/tests/t/t[0-9]*.sh; do
	[ -f "$t" ] && programs+=("$t")
done

for p in "${programs[@]}"; do
	name=$(basename "$p")
	if [ $# -gt 0 ]; then
		match=0
		for pat in "$@"; do case $name in *$pat*) match=1 ;; esac; done
		[ $match = 1 ] || continue
	fi
	log=$logdir/$name.log
	start=$SECONDS
	case $p in
	*.sh) bash "$p" >"$log" 2>&1 </dev/null ;;
	*) (cd "$top" && "$p") >"$log" 2>&1 </dev/null ;;
	esac
	rc=$?
	ok=$(grep -c '^ok ' "$log" | tr -d ' ')
	sk=$(grep -c '^ok [0-9]* # skip' "$log" | tr -d ' ')
	nok=$(grep -c '^not ok ' "$log" | tr -d ' ')
	ok=$((ok - sk))
	if [ $rc -ne 0 ] && [ "$nok" -eq 0 ]; then
		nok=1		# crashed or failed outside a test case
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	passed=$((passed + ok))
	failed=$((failed + nok))
	skipped=$((skipped + sk))
	printf '%-34s %4d passed %3d failed %3d skipped  %3ds\n' "$name" \
	    "$ok" "$nok" "$sk" $((SECONDS - start))
	if [ "$nok" -gt 0 ]; then
		grep -A12 '^not ok' "$log" | sed 's/^/    /' | head -n 60
		tail -n 5 "$log" | sed 's/^/    | /'
	fi
done
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
