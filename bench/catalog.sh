#!/usr/bin/env bash
# Benchmark of the catalog layer (not run in CI).
#
#   bash bench/catalog.sh [--own-server] [--runs N] [--is-runs N] [--calls N] [--keep]
#
# 1. 300 tables / 600 foreign keys (single-column and composite keys):
#      (a) SELECT * FROM fk_constraints
#      (b) the information_schema.referential_constraints + key_column_usage
#          + constraint_column_usage join returning the same facts
#      (c) a plain pg_constraint query returning the same facts as (a)
#          (bench/fk_constraints_bare.sql)
#    timed alternately in one psql session; prints medians and the ratios
#    (b)/(a) and (a)/(c).  The three are first checked to return the same
#    facts.
# 2. 10,000 foreign keys: the median time of fk_referencing_tables(target)
#    (skipped with a message when the installed extension has no such
#    function).
#
# Times are psql's \timing: server time plus one round trip, which is what
# a client polling the view sees.
#
# Server: by default the one the PG* environment variables point at (a
# database fk_bench_catalog is created there and dropped at the end); when
# none answers, or with --own-server, a throwaway server is started and
# removed afterwards (as user postgres when run as root, as test/run-all
# does).  The fk_tools extension must be installed for that server.
set -euo pipefail

own_server=no
runs=15          # runs of (a) and (c) at 600 FKs
is_runs=5        # runs of (b): about 1 s each at 600 FKs
calls=200        # calls of fk_referencing_tables at 10,000 FKs
keep=no
while [ $# -gt 0 ]; do
    case "$1" in
        --own-server) own_server=yes ;;
        --runs) runs=$2; shift ;;
        --is-runs) is_runs=$2; shift ;;
        --calls) calls=$2; shift ;;
        --keep) keep=yes ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'; exit 0 ;;
        *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done

here=$(cd "$(dirname "$0")" && pwd)
bare_sql="$here/fk_constraints_bare.sql"
PG_CONFIG=${PG_CONFIG:-$(command -v pg_config || echo /usr/lib/postgresql/15/bin/pg_config)}
PG_BIN=$("$PG_CONFIG" --bindir)
export PATH="$PG_BIN:$PATH"
db=fk_bench_catalog
work=$(mktemp -d /tmp/fk_bench.XXXXXX)
started=no

as_server_user() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

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
    export PGHOST="$work" PGPORT=${FK_BENCH_PORT:-54339} PGUSER=postgres PGDATABASE=postgres
    [ "$(id -u)" = 0 ] || PGUSER=$(id -un)
    as_server_user initdb -D "$work/db" -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$work/db/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$work'
port = $PGPORT
fsync = off
synchronous_commit = off
CONF
    as_server_user pg_ctl -D "$work/db" -l "$work/server.log" -w start >/dev/null
    started=yes
fi

psql -X -q -v ON_ERROR_STOP=1 -d postgres <<SQL >/dev/null
SET client_min_messages = warning;
DROP DATABASE IF EXISTS $db;
CREATE DATABASE $db;
SQL
export PGDATABASE=$db
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
run() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
run -c 'CREATE EXTENSION fk_tools' >/dev/null
ext=$(run -At -c "SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'fk_tools'")
has_function() {
    [ "$(run -At -c "SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_extension e ON p.pronamespace = e.extnamespace WHERE e.extname = 'fk_tools' AND p.proname = '$1')")" = t ]
}
echo "server: $(run -At -c 'SHOW server_version'), database $db, extension in schema $ext"

# Tables first..last of schema fkbench, each with a primary key (id), a
# composite unique key (a, b) and two foreign keys among tables 1..$3: one
# single-column (p -> id), one composite (x, y -> a, b), with varied
# actions, match types, deferrability, validation; every third p and
# every fourth (x, y) indexed (as (y, x)); triggers of every 50th disabled.
# One statement per table, so no transaction holds thousands of locks.
make_tables() {
    local first=$1 last=$2 n=$3
    run <<SQL >/dev/null
CREATE SCHEMA IF NOT EXISTS fkbench;
SELECT format('CREATE TABLE fkbench.%I (id int PRIMARY KEY, a int NOT NULL, b int NOT NULL,
                 p int, x int, y int, UNIQUE (a, b))', 't' || lpad(i::text, 5, '0'))
  FROM generate_series($first, $last) AS i
\gexec
SELECT format('ALTER TABLE fkbench.%1\$I
                 ADD CONSTRAINT %2\$I FOREIGN KEY (p) REFERENCES fkbench.%3\$I (id) %5\$s,
                 ADD CONSTRAINT %4\$I FOREIGN KEY (x, y) REFERENCES fkbench.%6\$I (a, b) %7\$s',
              't' || lpad(i::text, 5, '0'),
              't' || lpad(i::text, 5, '0') || '_p_fkey',
              't' || lpad(((i * 7) % $n + 1)::text, 5, '0'),
              't' || lpad(i::text, 5, '0') || '_xy_fkey',
              (ARRAY['', 'ON DELETE CASCADE', 'ON DELETE SET NULL ON UPDATE CASCADE',
                     'ON DELETE RESTRICT DEFERRABLE'])[i % 4 + 1],
              't' || lpad(((i * 13 + 5) % $n + 1)::text, 5, '0'),
              (ARRAY['', 'MATCH FULL', 'NOT VALID', 'DEFERRABLE INITIALLY DEFERRED',
                     'ON DELETE SET NULL (x)'])[i % 5 + 1])
  FROM generate_series($first, $last) AS i
\gexec
SELECT format('CREATE INDEX ON fkbench.%I (p)', 't' || lpad(i::text, 5, '0'))
  FROM generate_series($first, $last) AS i WHERE i % 3 = 0
\gexec
SELECT format('CREATE INDEX ON fkbench.%I (y, x)', 't' || lpad(i::text, 5, '0'))
  FROM generate_series($first, $last) AS i WHERE i % 4 = 1
\gexec
SELECT format('ALTER TABLE fkbench.%I DISABLE TRIGGER ALL', 't' || lpad(i::text, 5, '0'))
  FROM generate_series($first, $last) AS i WHERE i % 50 = 0
\gexec
ANALYZE;
SQL
}

# Median and formatting of a list of times in ms.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }'; }

# (b): the information_schema join.  Referenced columns are paired with the
# referencing ones through key_column_usage.position_in_unique_constraint
# (constraint_column_usage alone has no order); match_option NONE is
# SIMPLE.  Deferrability, validation, trigger state, indexes and the
# definition have no information_schema equivalent.  Each view is read once
# (MATERIALIZED): written as one flat join of the four views, the planner
# nests their expansions and the query does not finish within a minute at
# 600 FKs, so this is the fastest form found, not a strawman.
is_sql="WITH rc AS MATERIALIZED (
        SELECT constraint_schema, constraint_name, unique_constraint_schema,
               unique_constraint_name, match_option, update_rule, delete_rule
          FROM information_schema.referential_constraints),
     kcu AS MATERIALIZED (
        SELECT constraint_schema, constraint_name, table_schema, table_name,
               column_name, ordinal_position, position_in_unique_constraint
          FROM information_schema.key_column_usage),
     ccu AS MATERIALIZED (
        SELECT constraint_schema, constraint_name, table_schema, table_name, column_name
          FROM information_schema.constraint_column_usage)
SELECT fk.table_schema, fk.table_name, rc.constraint_name,
       array_agg(fk.column_name::name ORDER BY fk.ordinal_position) AS columns,
       min(ccu.table_schema) AS referenced_schema,
       min(ccu.table_name) AS referenced_table,
       array_agg(ccu.column_name::name ORDER BY fk.ordinal_position) AS referenced_columns,
       CASE rc.match_option WHEN 'NONE' THEN 'SIMPLE' ELSE rc.match_option END AS match_type,
       rc.update_rule AS on_update, rc.delete_rule AS on_delete
  FROM rc
  JOIN kcu fk ON fk.constraint_schema = rc.constraint_schema
             AND fk.constraint_name = rc.constraint_name
  JOIN kcu uk ON uk.constraint_schema = rc.unique_constraint_schema
             AND uk.constraint_name = rc.unique_constraint_name
             AND uk.ordinal_position = fk.position_in_unique_constraint
  JOIN ccu ON ccu.constraint_schema = rc.constraint_schema
          AND ccu.constraint_name = rc.constraint_name
          AND ccu.column_name = uk.column_name
 GROUP BY fk.table_schema, fk.table_name, rc.constraint_name,
          rc.match_option, rc.update_rule, rc.delete_rule"
fk_sql="SELECT * FROM $ext.fk_constraints"
bare_body=$(grep -v '^--' "$bare_sql")

# ---------------------------------------------------------------- part 1
t0=$(date +%s)
make_tables 1 300 300
echo "built 300 tables in $(( $(date +%s) - t0 )) s: $(run -At -c "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'fkbench'::regnamespace") foreign keys"

# The three queries return the same facts: (a) and (c) equal row for row,
# (b) equal to (a) on the columns information_schema has.
check=$(run -At <<SQL
SET statement_timeout = '120s';
SELECT (SELECT count(*) FROM (($fk_sql EXCEPT SELECT * FROM ($bare_body) c)
                              UNION ALL
                              (SELECT * FROM ($bare_body) c EXCEPT $fk_sql)) d),
       (SELECT count(*) FROM (
          WITH a AS (SELECT n.nspname::text AS s, r.relname::text AS t, f.constraint_name::text AS c,
                            f.columns, rn.nspname::text AS rs, rr.relname::text AS rt,
                            f.referenced_columns, f.match_type, f.on_update, f.on_delete
                       FROM $ext.fk_constraints f
                       JOIN pg_class r ON r.oid = f.table_name
                       JOIN pg_namespace n ON n.oid = r.relnamespace
                       JOIN pg_class rr ON rr.oid = f.referenced_table
                       JOIN pg_namespace rn ON rn.oid = rr.relnamespace),
               b AS (SELECT table_schema::text, table_name::text, constraint_name::text, columns,
                            referenced_schema::text, referenced_table::text, referenced_columns,
                            match_type::text, on_update::text, on_delete::text
                       FROM ($is_sql) i)
          (SELECT * FROM a EXCEPT SELECT * FROM b) UNION ALL (SELECT * FROM b EXCEPT SELECT * FROM a)) d),
       (SELECT count(*) FROM $ext.fk_constraints)
SQL
)
IFS='|' read -r diff_ac diff_ab nrows <<<"$check"
echo "same facts: (a) vs (c) differing rows: $diff_ac; (a) vs (b) differing rows: $diff_ab; rows: $nrows"
if [ "$diff_ac" != 0 ] || [ "$diff_ab" != 0 ]; then
    echo "the queries disagree: timings would compare different things" >&2
    exit 1
fi

# One psql session, the three queries alternating; (b) only in the first
# $is_runs rounds.
{
    echo '\o /dev/null'
    echo "SET statement_timeout = '120s';"
    echo '\timing on'
    echo "$fk_sql;"
    echo "$bare_body;"
    for ((i = 1; i <= runs; i++)); do
        echo '\echo @a'; echo "$fk_sql;"
        if [ "$i" -le "$is_runs" ]; then echo '\echo @b'; echo "$is_sql;"; fi
        echo '\echo @c'; echo "$bare_body;"
    done
} > "$work/part1.sql"
run -f "$work/part1.sql" > "$work/part1.out"
times_of() { awk -v m="@$1" '$0 == m { want = 1; next } want && /^Time:/ { print $2; want = 0 }' "$work/part1.out"; }
ma=$(times_of a | median); mb=$(times_of b | median); mc=$(times_of c | median)
echo
echo "600 foreign keys, medians (ms):"
printf "  (a) fk_constraints                 %10.3f  (%d runs)\n" "$ma" "$(times_of a | wc -l)"
printf "  (b) information_schema join        %10.3f  (%d runs)\n" "$mb" "$(times_of b | wc -l)"
printf "  (c) plain pg_constraint query      %10.3f  (%d runs)\n" "$mc" "$(times_of c | wc -l)"
echo "  (b)/(a) = $(ratio "$mb" "$ma")   (goal: at least 100)"
echo "  (a)/(c) = $(ratio "$ma" "$mc")   (goal: at most 1.5)"

# ---------------------------------------------------------------- part 2
echo
if ! has_function fk_referencing_tables; then
    echo "10,000 foreign keys: skipped, this version of fk_tools has no fk_referencing_tables()"
    exit 0
fi
t0=$(date +%s)
make_tables 301 5000 5000
nfk=$(run -At -c "SELECT count(*) FROM pg_constraint WHERE contype = 'f'")
echo "built 5000 tables in $(( $(date +%s) - t0 )) s more: $nfk foreign keys in the database"
target=fkbench.t00001
{
    echo '\o /dev/null'
    echo '\timing on'
    echo "SELECT * FROM $ext.fk_referencing_tables('$target');"
    for ((i = 1; i <= calls; i++)); do
        echo '\echo @r'; echo "SELECT * FROM $ext.fk_referencing_tables('$target');"
    done
    for ((i = 1; i <= 5; i++)); do
        echo '\echo @a'; echo "$fk_sql;"
        echo '\echo @c'; echo "$bare_body;"
    done
} > "$work/part2.sql"
run -f "$work/part2.sql" > "$work/part2.out"
times2() { awk -v m="@$1" '$0 == m { want = 1; next } want && /^Time:/ { print $2; want = 0 }' "$work/part2.out"; }
nref=$(run -At -c "SELECT count(*) FROM $ext.fk_referencing_tables('$target')")
echo "$nfk foreign keys, medians (ms):"
printf "  fk_referencing_tables('%s') %10.3f  (%d calls, %s rows each; goal: under 5 ms)\n" \
    "$target" "$(times2 r | median)" "$(times2 r | wc -l)" "$nref"
ma=$(times2 a | median); mc=$(times2 c | median)
printf "  (a) fk_constraints (all rows)          %10.3f  (%d runs)\n" "$ma" "$(times2 a | wc -l)"
printf "  (c) plain pg_constraint query          %10.3f  (%d runs)\n" "$mc" "$(times2 c | wc -l)"
echo "  (a)/(c) = $(ratio "$ma" "$mc")"
