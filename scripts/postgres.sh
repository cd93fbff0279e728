# Sourced by scripts/test: a throw-away PostgreSQL server for the tests run against a server.
#
# DOSSIA_TEST_POSTGRES chooses what happens:
#   auto      (default) start one when PostgreSQL's server programs are installed; otherwise the
#             PostgreSQL tests skip, saying why
#   required  (.ci/run) install PostgreSQL from Debian's packages when missing, start it, and
#             stop here, loudly, when that fails: the tests never skip
#   off       start nothing: the PostgreSQL tests skip
# A DOSSIA_TEST_POSTGRES_URL already set (a server of your own) is used as it is.
#
# The server is a new cluster in a private temporary folder (under postgres's home when we are
# root), listening on 127.0.0.1 only, on a free port; run as the postgres user when we are
# root (it refuses to run as root); without fsync or autovacuum (its data is thrown away, its
# databases dropped after each test). The tests get a role that may create databases,
# through DOSSIA_TEST_POSTGRES_URL; `stop_test_postgres` stops the server, removes the folder.

DOSSIA_PG_FOLDER=""
DOSSIA_PG_BIN=""

_pg_say() { echo "scripts/test: $*" >&2; }

# The newest PostgreSQL server's bin folder (Debian installs them side by side), or nothing.
_pg_bin_folder() {
    local folder
    folder=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null \
        | sort -V | tail -n 1)
    if [ -n "$folder" ] && [ -x "$folder/pg_ctl" ] && [ -x "$folder/initdb" ]; then
        echo "$folder"
    fi
}

# Run a server program as the cluster's owner: postgres when we are root (from /, as the
# working directory may be closed to it), else ourselves.
_pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

_pg_install() {
    _pg_say "PostgreSQL is not installed: installing it from Debian's packages…"
    apt_install postgresql >/dev/null  # (scripts/env.sh)
}

_pg_free_port() {
    python3 -c 'import socket
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])'
}

# Start the cluster and export DOSSIA_TEST_POSTGRES_URL; returns non-zero when it could not.
_pg_start() {
    local data port password log
    local parent=${TMPDIR:-/tmp}
    # As root, the folder is postgres's: under its home, as a root-only /tmp (0700) is no way in.
    if [ "$(id -u)" -eq 0 ]; then parent=$(getent passwd postgres | cut -d: -f6); fi
    DOSSIA_PG_FOLDER=$(_pg_as_owner mktemp -d "$parent/dossia-test-postgres.XXXXXX") || return
    data="$DOSSIA_PG_FOLDER/data"
    log="$DOSSIA_PG_FOLDER/server.log"
    # Local (socket) connections need no password: the socket sits in the private folder.
    _pg_as_owner "$DOSSIA_PG_BIN/initdb" -D "$data" -U postgres --encoding=UTF8 \
        --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >"$DOSSIA_PG_FOLDER/initdb.log" 2>&1 || {
        cat "$DOSSIA_PG_FOLDER/initdb.log" >&2
        return 1
    }
    local attempt
    for attempt in 1 2 3; do
        port=$(_pg_free_port) || return
        if _pg_as_owner "$DOSSIA_PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 start -o \
            "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$DOSSIA_PG_FOLDER' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off -c max_connections=200" \
            >/dev/null; then
            break
        fi
        _pg_say "PostgreSQL did not start on port $port (attempt $attempt): $(tail -n 3 "$log" 2>/dev/null)"
        port=""
    done
    [ -n "$port" ] || return 1
    password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    _pg_as_owner "$DOSSIA_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DOSSIA_PG_FOLDER" -p "$port" \
        -U postgres -d postgres >/dev/null <<SQL || return
CREATE ROLE dossia_test LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE dossia_test OWNER dossia_test;
SQL
    export DOSSIA_TEST_POSTGRES_URL="postgresql://dossia_test:$password@127.0.0.1:$port/dossia_test"
    _pg_say "PostgreSQL $("$DOSSIA_PG_BIN/postgres" --version | awk '{print $3}') started for the tests on 127.0.0.1:$port."
}

stop_test_postgres() {
    if [ -n "$DOSSIA_PG_FOLDER" ] && [ -d "$DOSSIA_PG_FOLDER" ]; then
        if [ -f "$DOSSIA_PG_FOLDER/data/postmaster.pid" ]; then
            _pg_as_owner "$DOSSIA_PG_BIN/pg_ctl" -D "$DOSSIA_PG_FOLDER/data" -m immediate -w stop \
                >/dev/null 2>&1 || true
        fi
        rm -rf "$DOSSIA_PG_FOLDER"
    fi
    DOSSIA_PG_FOLDER=""
}

# Returns non-zero only when a server was required and could not be had.
start_test_postgres() {
    local mode=${DOSSIA_TEST_POSTGRES:-auto}
    case "$mode" in
    auto | required | off) ;;
    *)
        _pg_say "DOSSIA_TEST_POSTGRES=$mode: expected auto, required or off."
        return 1
        ;;
    esac
    if [ -n "${DOSSIA_TEST_POSTGRES_URL:-}" ]; then
        _pg_say "PostgreSQL tests against DOSSIA_TEST_POSTGRES_URL (a server of your own)."
        return 0
    fi
    if [ "$mode" = off ]; then
        return 0
    fi
    DOSSIA_PG_BIN=$(_pg_bin_folder)
    if [ -z "$DOSSIA_PG_BIN" ]; then
        if [ "$mode" = auto ]; then
            _pg_say "PostgreSQL is not installed: its tests will be skipped" \
                "(DOSSIA_TEST_POSTGRES=required installs it with apt)."
            return 0
        fi
        _pg_install || {
            _pg_say "ERROR: could not install PostgreSQL (apt-get install postgresql)."
            return 1
        }
        DOSSIA_PG_BIN=$(_pg_bin_folder)
        if [ -z "$DOSSIA_PG_BIN" ]; then
            _pg_say "ERROR: PostgreSQL installed, but no server program under /usr/lib/postgresql."
            return 1
        fi
    fi
    if ! _pg_start; then
        _pg_say "ERROR: PostgreSQL is installed but could not be started for the tests" \
            "(set DOSSIA_TEST_POSTGRES=off to run without it)."
        stop_test_postgres
        return 1
    fi
}
