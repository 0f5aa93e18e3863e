# Sourced by the benchmarks: bench_temp_server PORT starts a throwaway
# server (as the postgres OS user when run as root), removed on exit, and
# sets PSQL to the psql command that reaches it (its environment set).
bench_temp_server() {
    PG_CONFIG=${PG_CONFIG:-$(command -v pg_config || echo /usr/lib/postgresql/15/bin/pg_config)}
    bindir=$("$PG_CONFIG" --bindir)
    data=$(mktemp -d /tmp/fk_tools_bench.XXXXXX)
    as=()
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$data"
        as=(runuser -u postgres --)
    fi
    export PGHOST="$data" PGPORT=${FK_BENCH_PORT:-$1} PGDATABASE=postgres
    export PGUSER=$([ "$(id -u)" = 0 ] && echo postgres || id -un)
    trap '"${as[@]}" "$bindir/pg_ctl" -D "$data/db" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$data"' EXIT
    "${as[@]}" "$bindir/initdb" -D "$data/db" -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$data/db/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$data'
port = $PGPORT
fsync = off
shared_buffers = 256MB
CONF
    "${as[@]}" "$bindir/pg_ctl" -D "$data/db" -l "$data/server.log" -w start >/dev/null
    PSQL=("${as[@]}" env PGHOST="$PGHOST" PGPORT="$PGPORT" PGDATABASE="$PGDATABASE" PGUSER="$PGUSER" "$bindir/psql")
}
