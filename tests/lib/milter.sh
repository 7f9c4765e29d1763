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
	"$BUILD/edefter-milter" -c "$T/$name.conf" -f >>"$T/$name.log" 2>&1 &
	echo $! >"$T/$name.pid"
	test_at_exit "milter_kill $(cat "$T/$name.pid")"
	test_wait_for 10 test -S "$T/$name.sock" || {
		cat "$T/$name.log" >&2
		return 1
	}
}

# milter_gone PID - no such process, or only a zombie left
milter_gone() {
	[ ! -e "/proc/$1/stat" ] || [ "$(awk '{print $3}' "/proc/$1/stat")" = Z ]
}

# milter_kill PID - stop it and wait until it is gone
milter_kill() {
	kill "$1" 2>/dev/null || return 0
	test_wait_for 15 milter_gone "$1"
}

milter_pid() {
	cat "$T/$1.pid"
}

# milter_stop NAME - SIGTERM, wait until it is gone; it must have said
# "stopping" (a clean libmilter shutdown)
milter_stop() {
	local name=$1 pid
	pid=$(cat "$T/$name.pid")
	kill -TERM "$pid" 2>/dev/null || return 1
	test_wait_for 15 milter_gone "$pid" || return 1
	if ! tail -n 1 "$T/$name.log" | grep -q "stopping$"; then
		echo "edefter-milter did not stop cleanly" >&2
		cat "$T/$name.log" >&2
		return 1
	fi
}

# miltertest_run NAME SCRIPT - run a Lua script against the milter NAME
miltertest_run() {
	MILTER_SOCK="local:$T/$1.sock" LUA_DIR="$TOP/tests/lua" \
	    miltertest -s "$TOP/tests/lua/$2.lua"
}
