#!/usr/bin/env bash
# Benchmark of the pictures (not run in CI).
#
#   bash bench/pictures.sh [--own-server] [--tables N] [--runs N] [--keep]
#
# On a schema of N tables (default 1,000, about 2,000 foreign keys; made by
# test/picture/big.sql with a fixed seed):
# 1. alternately in one session, medians of --runs runs (server time,
#    clock_timestamp around each call):
#      (a) fk_graph(schemas => '{big}')            the whole schema, DOT
#      (b) fk_graph('mermaid', schemas => '{big}') the same as Mermaid
#      (c) the same picture written by hand from the catalogs
#          (bench/fk_graph_bare.sql: nodes, edges, columns, ON DELETE,
#          NOT VALID, enforcement, index)
#      (d) fk_graph(focus => 'big.t500', depth => 2)
#    and the ratios (a)/(c), (d)/(a);
# 2. what the renderers make of them: text size, nodes and edges (machine
#    independent), and the time of Graphviz (dot -Tsvg) and of Mermaid's
#    parser (npm mermaid, from test/picture/node_modules when installed).
#
# Server: by default the one the PG* variables point at (database
# fk_bench_pictures, dropped at the end); when none answers, or with
# --own-server, a throwaway one (as user postgres when run as root).
set -euo pipefail

own_server=no
tables=1000
runs=15
keep=no
while [ $# -gt 0 ]; do
    case "$1" in
        --own-server) own_server=yes ;;
        --tables) tables=$2; shift ;;
        --runs) runs=$2; shift ;;
        --keep) keep=yes ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'; exit 0 ;;
        *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done

here=$(cd "$(dirname "$0")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-$(command -v pg_config || echo /usr/lib/postgresql/15/bin/pg_config)}
export PATH="$("$PG_CONFIG" --bindir):$PATH"
db=fk_bench_pictures
work=$(mktemp -d /tmp/fk_bench_pic.XXXXXX)
started=no
as_server_user() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
    if [ "$started" = yes ]; then
        as_server_user pg_ctl -D "$work/db" -m immediate stop >/dev/null 2>&1 || true
    elif [ "$keep" = no ]; then
        psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

if [ "$own_server" = no ] && ! psql -X -q -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
    echo "no server answers at the PG* settings: starting a throwaway one"
    own_server=yes
fi
if [ "$own_server" = yes ]; then
    [ "$(id -u)" = 0 ] && chown postgres: "$work"
    export PGHOST="$work" PGPORT=${FK_BENCH_PORT:-54341} PGUSER=postgres PGDATABASE=postgres
    [ "$(id -u)" = 0 ] || PGUSER=$(id -un)
    as_server_user initdb -D "$work/db" -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
    printf "listen_addresses = ''\nunix_socket_directories = '%s'\nport = %s\nfsync = off\n" \
        "$work" "$PGPORT" >> "$work/db/postgresql.conf"
    as_server_user pg_ctl -D "$work/db" -l "$work/server.log" -w start >/dev/null
    started=yes
fi

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
export PGDATABASE=$db
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION fk_tools' \
    -c "SET big.tables = $tables" -f "$here/test/picture/big.sql" -c 'ANALYZE' >/dev/null
echo "schema big: $tables tables, $(psql -XAt -c "SELECT count(*) FROM pg_constraint WHERE contype = 'f'") foreign keys"

# the hand-written query, as a function of the benchmark database
{ echo 'CREATE FUNCTION public.bare_graph() RETURNS text LANGUAGE sql STABLE AS $bare$'
  cat "$here/bench/fk_graph_bare.sql"
  echo '$bare$;'; } > "$work/bare.sql"
psql -X -q -v ON_ERROR_STOP=1 -f "$work/bare.sql"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE TEMP TABLE t(what text, run int, ms float8);
DO \$\$
DECLARE
  calls text[] := ARRAY[
    'SELECT length(fk_graph(schemas => ''{big}'', max_tables => NULL))',
    'SELECT length(fk_graph(''mermaid'', schemas => ''{big}'', max_tables => NULL))',
    'SELECT length(public.bare_graph())',
    'SELECT length(fk_graph(focus => ''big.t500'', depth => 2))'];
  names text[] := ARRAY['(a) fk_graph, DOT', '(b) fk_graph, Mermaid', '(c) by hand from the catalogs',
                        '(d) fk_graph, focus t500, depth 2'];
  t0 timestamptz;
BEGIN
  FOR r IN 0 .. $runs LOOP           -- run 0 warms the caches
    FOR i IN 1 .. cardinality(calls) LOOP
      t0 := clock_timestamp();
      EXECUTE calls[i];
      IF r > 0 THEN
        INSERT INTO t VALUES (names[i], r, extract(epoch FROM clock_timestamp() - t0) * 1000);
      END IF;
    END LOOP;
  END LOOP;
END \$\$;
\pset footer off
SELECT what, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS median_ms,
       round(min(ms)::numeric, 2) AS min_ms, round(max(ms)::numeric, 2) AS max_ms
  FROM t GROUP BY what ORDER BY what;
WITH m AS (SELECT what, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM t GROUP BY what)
SELECT round(((SELECT ms FROM m WHERE what LIKE '(a)%') / (SELECT ms FROM m WHERE what LIKE '(c)%'))::numeric, 2) AS "(a)/(c)",
       round(((SELECT ms FROM m WHERE what LIKE '(d)%') / (SELECT ms FROM m WHERE what LIKE '(a)%'))::numeric, 3) AS "(d)/(a)";
SQL

# What the renderers make of them
psql -XAt -c "SELECT fk_graph(schemas => '{big}', max_tables => NULL)" > "$work/whole.dot"
psql -XAt -c "SELECT fk_graph('mermaid', schemas => '{big}', max_tables => NULL)" > "$work/whole.mmd"
psql -XAt -c "SELECT fk_graph(focus => 'big.t500', depth => 2)" > "$work/focus.dot"
psql -XAt -c "SELECT fk_graph('mermaid', focus => 'big.t500', depth => 2)" > "$work/focus.mmd"
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
parser="$here/test/picture/mermaid-parse.mjs"
printf '%-28s %10s %7s %7s %12s %14s\n' picture bytes nodes edges "dot -Tsvg" "mermaid parse"
for p in whole focus; do
    nodes=$(grep -c '^    t[0-9]* \[' "$work/$p.dot" || true)
    edges=$(grep -c '^  t[0-9]* -> ' "$work/$p.dot" || true)
    dot_ms=$(ms dot -Tsvg "$work/$p.dot")
    if command -v node >/dev/null && [ -d "$here/test/picture/node_modules/mermaid" ]; then
        # parse alone, the second of two parses (the first compiles the parser)
        mmd_ms=$(node "$parser" "$work/$p.mmd" "$work/$p.mmd" | sed -n '2s/.*(\(.*\))$/\1/p')
    else
        mmd_ms="(no mermaid)"
    fi
    printf '%-28s %10s %7s %7s %9s ms %14s\n' "$p (DOT; Mermaid $(wc -c < "$work/$p.mmd") B)" \
        "$(wc -c < "$work/$p.dot")" "$nodes" "$edges" "$dot_ms" "$mmd_ms"
done
