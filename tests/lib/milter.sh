# milter.sh - start and stop edefter-milter for a test.
#
#   milter_conf NAME [extra config lines...]  writes $T/NAME.conf
#   milter_start NAME                         starts it in the foreground
#                                             (background job), waits for
#                                             its socket; log in $T/NAME.log
#   milter_stop NAME                          SIGTERM, waits, status 0?
#   milter_pid NAME
#
# The socket is local:$T/NAME.sock, the ledger $T/NAME.ledger.

milter_conf() {
	local name=$1
	shift
	{
		echo "LedgerPath $T/$name.ledger"
		echo "Socket local:$T/$name.sock"
		echo "TrustedClients 127.0.0.0/8, ::1"
		for line in "$@"; do echo "$line"; done
	} >"$T/$name.conf"
}

milter_start() {
	local name=$1
	rm -f "$T/$name.sock"
	"$BUILD/edefter-milter" -c "$T/$name.conf" -f >"$T/$name.log" 2>&1 &
	echo $! >"$T/$name.pid"
	test_at_exit "milter_kill $(cat "$T/$name.pid")"
	test_wait_for 10 test -S "$T/$name.sock" || {
		cat "$T/$name.log" >&2
		return 1
	}
}

# milter_kill PID - stop it and wait until it is gone
milter_kill() {
	kill "$1" 2>/dev/null || return 0
	test_wait_for 10 eval "! kill -0 $1 2>/dev/null"
}

milter_pid() {
	cat "$T/$1.pid"
}

milter_stop() {
	local name=$1 pid rc=0
	pid=$(cat "$T/$name.pid")
	kill -TERM "$pid" 2>/dev/null || return 1
	wait "$pid" 2>/dev/null || rc=$?
	if [ $rc -ne 0 ]; then
		echo "edefter-milter exited with status $rc" >&2
		cat "$T/$name.log" >&2
		return 1
	fi
}

# miltertest_run NAME SCRIPT - run a Lua script against the milter NAME
miltertest_run() {
	MILTER_SOCK="local:$T/$1.sock" LUA_DIR="$TOP/tests/lua" \
	    miltertest -s "$TOP/tests/lua/$2.lua"
}
