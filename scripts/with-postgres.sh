#!/usr/bin/env bash
# Runs a command with CITYPASSPORT_TEST_PG_URL pointing at a PostgreSQL server.
#
#   bash scripts/with-postgres.sh cargo test -p citypassport-postgres
#
# If CITYPASSPORT_TEST_PG_URL is already set, the command runs against that server.
# Otherwise a throwaway PostgreSQL server is started in a temporary folder (as the
# postgres user when run as root, since initdb refuses root), listening on 127.0.0.1 at
# a free port with a random password; it is stopped and removed when the command ends,
# and the script exits with the command's status.
#
# With --own-server first, a throwaway server is started even if the variable is set
# (tests that stop and start the server use this so as not to touch a shared one).
#
# Besides the URL, the command sees CITYPASSPORT_TEST_PG_CTL, a script that passes its
# arguments to pg_ctl for this server (e.g. `stop -m fast`, `start`).
#
# Environment: PG_BINDIR overrides where initdb, pg_ctl and postgres are looked for.

set -euo pipefail

own_server=false
if [[ "${1:-}" == "--own-server" ]]; then
    own_server=true
    shift
fi
if [[ $# -eq 0 ]]; then
    echo "usage: bash scripts/with-postgres.sh [--own-server] <command> [args...]" >&2
    exit 2
fi

if [[ -n "${CITYPASSPORT_TEST_PG_URL:-}" && "$own_server" == false ]]; then
    exec "$@"
fi

find_bindir() {
    if [[ -n "${PG_BINDIR:-}" ]]; then
        if [[ -x "$PG_BINDIR/initdb" && -x "$PG_BINDIR/pg_ctl" ]]; then
            echo "$PG_BINDIR"
        fi
        return
    fi
    # Debian keeps the server binaries out of PATH, one folder per major version;
    # prefer 15, which the project is tested on, then the newest installed.
    local dir installed
    installed=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV)
    for dir in /usr/lib/postgresql/15/bin $installed; do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"
            return
        fi
    done
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(command -v initdb)"
    fi
}

bindir="$(find_bindir)"
if [[ -z "$bindir" ]]; then
    echo "with-postgres.sh: the PostgreSQL server binaries (initdb, pg_ctl) are not" \
        "installed; install them with 'apt-get install postgresql-15' (or 'postgresql')," \
        "or set CITYPASSPORT_TEST_PG_URL to a server of your own" >&2
    exit 127
fi

# initdb and postgres refuse to run as root, so root runs them as postgres.
as_server_user=()
if [[ "$(id -u)" -eq 0 ]]; then
    if ! id postgres >/dev/null 2>&1; then
        echo "with-postgres.sh: running as root needs a 'postgres' user to run the server" >&2
        exit 1
    fi
    as_server_user=(runuser -u postgres --)
fi

workdir="$(mktemp -d "${TMPDIR:-/tmp}/citypassport-pg.XXXXXX")"
datadir="$workdir/data"
logfile="$workdir/server.log"
password="cp-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
port=""

cleanup() {
    local status=$?
    if [[ -f "$datadir/postmaster.pid" ]]; then
        "${as_server_user[@]}" "$bindir/pg_ctl" -D "$datadir" -m fast -w stop \
            >/dev/null 2>&1 || true
    fi
    rm -rf "$workdir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ ${#as_server_user[@]} -gt 0 ]]; then
    chown postgres: "$workdir"
fi
printf '%s\n' "$password" >"$workdir/pwfile"
if [[ ${#as_server_user[@]} -gt 0 ]]; then
    chown postgres: "$workdir/pwfile"
fi
chmod 600 "$workdir/pwfile"

# Local (socket) logins are trusted so that the script can manage the server; logins
# over TCP, which the tests use, need the password, so a wrong one really fails.
if ! "${as_server_user[@]}" "$bindir/initdb" -D "$datadir" --username=postgres \
    --pwfile="$workdir/pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$workdir/initdb.log" 2>&1; then
    echo "with-postgres.sh: initdb failed:" >&2
    cat "$workdir/initdb.log" >&2
    exit 1
fi
rm -f "$workdir/pwfile"

port_is_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The helper that tests use to stop and start this very server.
ctl="$workdir/pg_ctl.sh"

# A throwaway server needs no crash safety, and tests run faster without fsync.
server_options() {
    echo "-p $port -k $workdir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
}

start_server() {
    "${as_server_user[@]}" "$bindir/pg_ctl" -D "$datadir" -l "$logfile" -w -t 30 \
        -o "$(server_options)" start >/dev/null
}

started=false
for _ in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 40000))
    port_is_free "$port" || continue
    if start_server; then
        started=true
        break
    fi
done
if [[ "$started" != true ]]; then
    echo "with-postgres.sh: the server did not start; its log:" >&2
    cat "$logfile" >&2 2>/dev/null || true
    exit 1
fi

{
    echo '#!/usr/bin/env bash'
    echo "# Passes its arguments to pg_ctl for the server of with-postgres.sh."
    printf 'action="$1"; shift\n'
    printf 'if [[ "$action" == start || "$action" == restart ]]; then\n'
    printf '    exec %s %q -D %q -l %q -w -t 30 -o %q "$action" "$@"\n' \
        "${as_server_user[*]}" "$bindir/pg_ctl" "$datadir" "$logfile" "$(server_options)"
    printf 'fi\n'
    printf 'exec %s %q -D %q -w "$action" "$@"\n' "${as_server_user[*]}" "$bindir/pg_ctl" "$datadir"
} >"$ctl"
chmod 755 "$ctl"

export CITYPASSPORT_TEST_PG_URL="postgres://postgres:$password@127.0.0.1:$port/postgres"
export CITYPASSPORT_TEST_PG_CTL="$ctl"

# Not exec: the trap must stop the server after the command.
set +e
"$@"
status=$?
set -e
exit "$status"
