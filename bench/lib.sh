# lib.sh - shared helpers of the benchmarks in bench/.
#
#   . "$(dirname "$0")/lib.sh"
#
#   bench_init NAME          scratch directory $W (0755, removed at exit
#                            unless BENCH_KEEP=1), cleanup handling
#   bench_at_exit 'cmd'      run at exit, last registered first
#   bench_row NAME BASELINE MEASURED RATIO TARGET MET
#                            one row of the results table, appended to
#                            $BENCH_ROWS (tab separated)
#   bench_note TEXT          a line for the notes under the table
#   free_ports N             N distinct free loopback TCP ports, one a line
#   now                      seconds since the epoch, with nanoseconds
#   median N...              the median of the numbers
#   fdiv A B [DIGITS]        A / B
#   le A B / ge A B          numeric comparisons for the "met?" column
#   milter_up NAME [config lines...]   edefter-milter on local:$W/NAME.sock
#                            with ledger $W/NAME.ledger (or LedgerPath
#                            given), foreground, PID in $W/NAME.pid
#   milter_down NAME         SIGTERM that PID and wait
#   pid_stop PID             TERM, wait, KILL a process this script started
#   wait_for SECS CMD...     until CMD succeeds, at most SECS seconds
#   sink_up PORT             a discarding smtp-sink, stopped at exit
#
# Everything runs on loopback; every process started is stopped by its
# PID.  The tests' shell libraries are sourced for Postfix, the sink and
# Samba (tests/lib/postfix.sh, sink.sh, samba.sh).

set -u
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=${TOP:-$(cd "$BENCH_DIR/.." && pwd)}
BUILD=${BUILD:-$TOP/build}
BENCH_BUILD=${BENCH_BUILD:-$BENCH_DIR/build}
BENCH_ROWS=${BENCH_ROWS:-/dev/null}
BENCH_NOTES=${BENCH_NOTES:-/dev/null}
PY=${PY:-/usr/bin/python3}
export TOP BUILD BENCH_BUILD

. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/sink.sh"
. "$TOP/tests/lib/samba.sh"

bench_at_exit() {
	printf '%s\n' "$1" >>"$W/.at_exit"
}

_bench_exit() {
	local cmds=() line i
	if [ -f "$W/.at_exit" ]; then
		while IFS= read -r line; do cmds+=("$line"); done <"$W/.at_exit"
		rm -f "$W/.at_exit"
	fi
	for ((i = ${#cmds[@]} - 1; i >= 0; i--)); do
		eval "${cmds[$i]}" >/dev/null 2>&1
	done
	cd /
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "# scratch directory kept: $W" >&2
	else
		rm -rf "$W"
	fi
}

bench_init() {
	W=$(mktemp -d "${BENCH_TMP:-/tmp}/edefter-bench-$1.XXXXXX") || exit 1
	chmod 0755 "$W"
	trap '_bench_exit' EXIT
	trap 'exit 130' INT TERM
	cd "$W" || exit 1
}

bench_row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_ROWS"
	printf '  %-46s baseline %-16s measured %-16s ratio %-8s target %-10s %s\n' \
	    "$@" >&2
}

bench_note() {
	printf '%s\n' "$*" >>"$BENCH_NOTES"
	printf '  note: %s\n' "$*" >&2
}

say() {
	printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

# free_ports N - N distinct ports below the ephemeral range (a port that
# an outgoing connection holds cannot be bound), no socket of any state
# on them
free_ports() {
	local p lo hi got=" " n=0
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
	hi=$((lo - 1))
	[ "$hi" -gt 21000 ] || hi=21000
	for _ in $(seq 1 1000); do
		[ "$n" -lt "$1" ] || return 0
		p=$((20000 + RANDOM % (hi - 20000)))
		case $got in *" $p "*) continue ;; esac
		if [ -z "$(ss -Htan "sport = :$p" 2>/dev/null)" ]; then
			got="$got$p "
			n=$((n + 1))
			echo "$p"
		fi
	done
	return 1
}

now() {
	date +%s.%N
}

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
	    END { if (NR == 0) { print "nan"; exit }
		  if (NR % 2) print v[(NR + 1) / 2];
		  else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

fdiv() {
	awk -v a="$1" -v b="$2" -v d="${3:-2}" \
	    'BEGIN { if (b == 0) print "nan"; else printf "%.*f\n", d, a / b }'
}

fsub() {
	awk -v a="$1" -v b="$2" -v d="${3:-3}" 'BEGIN { printf "%.*f\n", d, a - b }'
}

fmt() {
	awk -v a="$1" -v d="${2:-1}" 'BEGIN { printf "%.*f\n", d, a }'
}

le() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0 && a != "nan") }' &&
	    echo yes || echo NO
}

ge() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0 && a != "nan") }' &&
	    echo yes || echo NO
}

pid_gone() {
	[ ! -e "/proc/$1/stat" ] || [ "$(awk '{print $3}' "/proc/$1/stat")" = Z ]
}

pid_stop() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 200); do
		pid_gone "$pid" && return 0
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	return 0
}

# wait_for SECS CMD... - until CMD succeeds or SECS seconds have passed
wait_for() {
	local end=$((SECONDS + $1 + 1))
	shift
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# listening_pid PORT PID - true when PID listens on 127.0.0.1:PORT
listening_pid() {
	ss -Hltnp "sport = :$1" 2>/dev/null | grep -q "pid=$2,"
}

# sink_up PORT - a discarding smtp-sink on 127.0.0.1:PORT, PID in SINK_PID
sink_up() {
	smtp-sink -u root -4 -m 256 "127.0.0.1:$1" 256 \
	    </dev/null >>"$W/sink-$1.log" 2>&1 &
	SINK_PID=$!
	bench_at_exit "pid_stop $SINK_PID"
	wait_for 10 listening_pid "$1" "$SINK_PID" || {
		echo "smtp-sink did not start on port $1:" >&2
		cat "$W/sink-$1.log" >&2
		return 1
	}
}

milter_up() {
	local name=$1 line ledger=$W/$1.ledger
	shift
	{
		for line in "$@"; do
			case $line in
			LedgerPath\ *) ledger=${line#LedgerPath } ;;
			*) echo "$line" ;;
			esac
		done
		echo "LedgerPath $ledger"
		echo "Socket local:$W/$name.sock"
	} >"$W/$name.conf"
	rm -f "$W/$name.sock"
	"$BUILD/edefter-milter" -c "$W/$name.conf" -f >>"$W/$name.log" 2>&1 &
	echo $! >"$W/$name.pid"
	bench_at_exit "pid_stop $(cat "$W/$name.pid")"
	wait_for 20 test -S "$W/$name.sock" || {
		echo "edefter-milter $name did not start:" >&2
		cat "$W/$name.log" >&2
		return 1
	}
}

milter_down() {
	pid_stop "$(cat "$W/$1.pid")"
}

# build_tools - the C drivers, built with cc -O2 into $BENCH_BUILD
build_tools() {
	local src
	mkdir -p "$BENCH_BUILD" || return 1
	for src in milter_client edsend; do
		if [ ! -x "$BENCH_BUILD/$src" ] ||
		    [ "$BENCH_DIR/$src.c" -nt "$BENCH_BUILD/$src" ]; then
			${CC:-cc} -O2 -g -Wall -Wextra -pthread \
			    -o "$BENCH_BUILD/$src" "$BENCH_DIR/$src.c" || return 1
		fi
	done
	if [ ! -x "$BENCH_BUILD/fsync_probe" ] ||
	    [ "$BENCH_DIR/fsync_probe.c" -nt "$BENCH_BUILD/fsync_probe" ]; then
		${CC:-cc} -O2 -g -Wall -Wextra \
		    -o "$BENCH_BUILD/fsync_probe" "$BENCH_DIR/fsync_probe.c" ||
		    return 1
	fi
	if [ ! -x "$BENCH_BUILD/null_milter" ] ||
	    [ "$BENCH_DIR/null_milter.c" -nt "$BENCH_BUILD/null_milter" ]; then
		${CC:-cc} -O2 -g -Wall -Wextra -pthread \
		    -o "$BENCH_BUILD/null_milter" "$BENCH_DIR/null_milter.c" \
		    -lmilter || return 1
	fi
	if [ ! -x "$BENCH_BUILD/mimew_bench" ] ||
	    [ "$BENCH_DIR/mimew_bench.c" -nt "$BENCH_BUILD/mimew_bench" ] ||
	    [ "$BUILD/libscan.a" -nt "$BENCH_BUILD/mimew_bench" ]; then
		${CC:-cc} -O2 -g -Wall -Wextra -pthread -D_GNU_SOURCE \
		    -I"$TOP/lib" -I"$TOP/scanner" \
		    -o "$BENCH_BUILD/mimew_bench" "$BENCH_DIR/mimew_bench.c" \
		    "$BUILD/libscan.a" "$BUILD/libedefter.a" -lcurl -llmdb ||
		    return 1
	fi
}
