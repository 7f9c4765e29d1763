#!/usr/bin/env bash
# t9100 - the libFuzzer targets, each for a bounded time on a copy of its
# corpus (tests/fuzz/corpus/); any crash, leak or sanitizer report fails.
. "$(dirname "$0")/../lib/test-lib.sh"
FUZZ=${FUZZ_BUILD:-$TOP/build-fuzz}

run_fuzz() {
	local name=$1 secs=$2
	mkdir -p "corpus-$name" &&
	cp "$TOP/tests/fuzz/corpus/$name/"* "corpus-$name/" &&
	"$FUZZ/fuzz_$name" -max_total_time="$secs" -max_len=65536 \
	    -print_final_stats=1 "corpus-$name" >"fuzz-$name.log" 2>&1 || {
		tail -n 40 "fuzz-$name.log"
		return 1
	}
	grep "stat::number_of_executed_units" "fuzz-$name.log"
}

# About 48 seconds in all, shared in proportion to the parsers' size: the
# MIME reader most, the delivery reports and the RFC 2047/2231 codecs
# twice the share of each small parser (FUZZ_SECONDS).
s=${FUZZ_SECONDS:-4}
for t in mime:${FUZZ_MIME_SECONDS:-12} dsn:$((2 * s)) rfc2047:$((2 * s)) \
    names:$s csv:$s conf:$s zip:$s deadlines:$s; do
	name=${t%%:*} secs=${t#*:}
	if [ -x "$FUZZ/fuzz_$name" ]; then
		test_expect_success "fuzz_$name runs ${secs}s without a crash" "
			run_fuzz $name $secs
		"
	else
		test_skip "fuzz_$name" "not built (make fuzz needs clang)"
	fi
done
test_done
