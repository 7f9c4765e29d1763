# pg.sh - a private PostgreSQL 15 server for tests, on a unix socket only.
#
#   . "$TOP/tests/lib/pg.sh"
#   pg_available                 true when initdb/pg_ctl are there (else
#                                $PG_WHY says why not)
#   pg_setup DIR                 initdb into DIR/data (owned by the server's
#                                user), socket directory DIR
#   pg_start DIR / pg_stop DIR   start and wait until it accepts
#                                connections; stop (fast) and wait until its
#                                postmaster (by PID) is gone
#   pg_pid DIR                   the postmaster's PID
#   pg_url DIR DB                postgresql:///DB?host=DIR&user=postgres
#   pg_createdb DIR DB           a new database (UTF8)
#   pg_psql DIR DB SQL           run SQL, print the rows unaligned, no header
#
# The server listens on no TCP port (listen_addresses = '') and puts its
# socket in DIR; authentication is trust for the socket, which only this
# host's users can reach (DIR is 0755, the socket 0777 so that a milter
# running as postfix can connect).  initdb refuses to run as root: as
# root, DIR/data belongs to the `postgres' user and the server runs as
# it (runuser); otherwise as the current user.  Functions return non-zero
# and say why on stderr.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_WHY=

# _pg_as - run a command as the server's user
_pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_available() {
	local b
	for b in initdb pg_ctl postgres psql createdb; do
		if [ ! -x "$PG_BIN/$b" ]; then
			PG_WHY="$PG_BIN/$b is missing (Debian package postgresql-15)"
			return 1
		fi
	done
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		PG_WHY="no postgres user to run the server as"
		return 1
	fi
	return 0
}

# pg_setup DIR - a new cluster in DIR/data
pg_setup() {
	local dir=$1
	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd -P) || return 1
	chmod 0755 "$dir" || return 1
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$dir" || return 1
	fi
	if ! _pg_as "$PG_BIN/initdb" -D "$dir/data" -U postgres -E UTF8 \
	    --locale=C.UTF-8 --auth=trust >"$dir/initdb.log" 2>&1; then
		echo "pg_setup: initdb failed:" >&2
		cat "$dir/initdb.log" >&2
		return 1
	fi
	cat >>"$dir/data/postgresql.conf" <<EOF || return 1
# tests/lib/pg.sh
listen_addresses = ''
unix_socket_directories = '$dir'
unix_socket_permissions = 0777
max_connections = 100
shared_buffers = 32MB
logging_collector = off
log_min_messages = warning
EOF
}

# pg_pid DIR - the postmaster's PID, if it runs
pg_pid() {
	local pid
	[ -r "$1/data/postmaster.pid" ] || return 1
	pid=$(head -n 1 "$1/data/postmaster.pid" | tr -dc '0-9')
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

# pg_start DIR - start the server; wait until it accepts connections
pg_start() {
	local dir=$1
	if pg_pid "$dir" >/dev/null; then
		echo "pg_start: a server already runs in $dir" >&2
		return 1
	fi
	if ! _pg_as "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
	    -w -t 60 start >>"$dir/pg_ctl.log" 2>&1; then
		echo "pg_start: the server did not start:" >&2
		tail -n 20 "$dir/server.log" "$dir/pg_ctl.log" >&2
		return 1
	fi
	pg_pid "$dir" >/dev/null
}

# _pg_gone PID - the process has exited
_pg_gone() {
	[ ! -e "/proc/$1/stat" ] || [ "$(awk '{print $3}' "/proc/$1/stat")" = Z ]
}

# pg_stop DIR - fast shutdown of the postmaster by its PID; wait for it
pg_stop() {
	local dir=$1 pid i
	pid=$(pg_pid "$dir") || return 0
	kill -INT "$pid" 2>/dev/null || return 0
	for i in $(seq 1 600); do
		_pg_gone "$pid" && return 0
		sleep 0.05
	done
	echo "pg_stop: postmaster $pid did not stop; killing it" >&2
	kill -KILL "$pid" 2>/dev/null
	return 1
}

# pg_url DIR DB - the libpq URL of database DB
pg_url() {
	echo "postgresql:///$2?host=$1&user=postgres"
}

# pg_createdb DIR DB
pg_createdb() {
	"$PG_BIN/createdb" -h "$1" -U postgres -E UTF8 -T template0 "$2"
}

# pg_psql DIR DB SQL - the rows, unaligned, |-separated, no header
pg_psql() {
	"$PG_BIN/psql" -h "$1" -U postgres -d "$2" -X -q -A -t \
	    -v ON_ERROR_STOP=1 -c "$3"
}
