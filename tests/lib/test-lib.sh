# test-lib.sh - the shell test harness, in the manner of git's t/.
#
#   . "$(dirname "$0")/../lib/test-lib.sh"
#   test_expect_success 'title' 'commands'
#   test_expect_code N cmd args...     inside a test: exactly status N
#   test_must_fail cmd args...         inside a test: fails, not a crash
#   test_cmp expected actual
#   test_skip 'title' 'reason'
#   test_at_exit 'command'             run at the end, even on failure
#   test_done
#
# Each script runs in its own scratch directory $T (mode 0755, so that
# daemons running as other users can enter it); the directory is removed
# at the end unless the script failed and KEEP_TMP is set.  Output is TAP;
# tests/run.sh adds up the "ok" and "not ok" lines of every script.

set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
PATH=$BUILD:$PATH
export TOP BUILD PATH
EDEFTERCTL=$BUILD/edefterctl

test_count=0
test_failed=0
T=$(mktemp -d "${TMPDIR:-/tmp}/edefter-test.XXXXXX") || exit 1
chmod 0755 "$T"
cd "$T" || exit 1

# test_at_exit - a command for the end of the script; works from inside
# a test body (which runs in a subshell) because it goes through a file
test_at_exit() {
	printf '%s\n' "$1" >>"$T/.at_exit"
}

test_run_exit_cmds() {
	local cmds=() line i
	if [ -f "$T/.at_exit" ]; then
		while IFS= read -r line; do cmds+=("$line"); done <"$T/.at_exit"
		rm -f "$T/.at_exit"
	fi
	for ((i = ${#cmds[@]} - 1; i >= 0; i--)); do
		eval "${cmds[$i]}" >/dev/null 2>&1
	done
	cd /
	if [ "$test_failed" -eq 0 ] || [ -z "${KEEP_TMP:-}" ]; then
		rm -rf "$T"
	else
		echo "# scratch directory kept: $T"
	fi
}
trap 'test_run_exit_cmds' EXIT
trap 'exit 130' INT TERM

# test_expect_success - run the commands in a subshell-free eval, log output
test_expect_success() {
	local title=$1 body=$2 out rc
	test_count=$((test_count + 1))
	out=$T/.out.$test_count
	( set -e; eval "$body" ) >"$out" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok $test_count - $title"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $title"
		sed 's/^/#   /' "$out" | tail -n 40
		echo "#   (exit status $rc)"
	fi
}

test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # skip $1 ($2)"
}

# test_expect_code - exactly this exit status
test_expect_code() {
	local want=$1 rc=0
	shift
	"$@" || rc=$?
	if [ $rc -ne "$want" ]; then
		echo "expected exit $want, got $rc: $*" >&2
		return 1
	fi
	return 0
}

# test_must_fail - a non-zero exit that is not a signal
test_must_fail() {
	local rc=0
	"$@" || rc=$?
	if [ $rc -eq 0 ]; then
		echo "expected failure, got success: $*" >&2
		return 1
	elif [ $rc -gt 128 ]; then
		echo "died by signal $((rc - 128)): $*" >&2
		return 1
	fi
	return 0
}

test_cmp() {
	diff -u "$1" "$2"
}

# test_wait_for - poll a condition (a command) up to SECONDS
test_wait_for() {
	local secs=$1 end
	shift
	end=$((SECONDS + secs))
	until "$@"; do
		if [ $SECONDS -ge $end ]; then
			echo "timed out after ${secs}s waiting for: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

# test_not_mounted - nothing is mounted at the path
test_not_mounted() {
	! grep -q " $1 " /proc/self/mountinfo
}

# test_free_port - a loopback TCP port nobody listens on
test_free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 30000))
		if ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

test_done() {
	echo "1..$test_count"
	[ "$test_failed" -eq 0 ]
	exit $?
}
