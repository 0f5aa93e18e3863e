#!/usr/bin/env bash
# Precision and recall of fk_suggest on real sample databases (a
# measurement, not a test; not run in CI).
#
#   bash bench/suggest.sh [--own-server] [--samples DIR] [--keep]
#
# For each sample database with a permissive licence (Pagila: MIT-style,
# Sakila: BSD 2-Clause, Chinook: MIT; Northwind's Ms-PL has a copyleft
# clause and is left out), in a database of its own:
#   1. load the published schema and data, byte for byte as published
#      (Chinook's DROP/CREATE DATABASE and \c lines skipped);
#   2. record its declared foreign keys as the ground truth, one row per
#      (table, columns, referenced table, referenced columns); a key
#      declared on a partition counts for its partitioned table (Pagila
#      declares its payment keys on six of the seven partitions), so each
#      such reference counts once;
#   3. drop every foreign key;
#   4. run fk_suggest() (defaults: min_containment 0.9, sample_rows
#      100000) and compare: a suggestion is right when it is in the ground
#      truth, column for column; precision = right / suggested, recall =
#      right / ground truth;
#   5. again with sample_rows => 200 (the tables are read through
#      TABLESAMPLE: does sampling change the answer?);
#   6. again after "legacy damage": 3% of the rows of every referenced
#      table deleted (setseed(0.5)), as happens when nothing enforces the
#      keys; the orphans must not hide the references.
# Every suggestion that is not in the ground truth, and every key that is
# not suggested, is listed.  The totals add up the three databases.
#
# Samples: --samples DIR (default /work/shared/sample-databases, laid out
# as pagila/pagila-schema.sql.gz, pagila/pagila-data.sql.gz,
# sakila/postgres-sakila-schema.sql.gz,
# sakila/postgres-sakila-insert-data-using-copy.sql.gz,
# chinook/Chinook_PostgreSql.sql.gz; see that directory's README for
# where they come from).
#
# Server: by default the one the PG* environment variables point at
# (databases fk_bench_suggest_* are created there and dropped at the end);
# when none answers, or with --own-server, a throwaway server is started
# and removed afterwards.  The fk_tools extension must be installed for it.
set -euo pipefail

own_server=no
samples=/work/shared/sample-databases
keep=no
while [ $# -gt 0 ]; do
    case "$1" in
        --own-server) own_server=yes ;;
        --samples) samples=$2; shift ;;
        --keep) keep=yes ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'; exit 0 ;;
        *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done

PG_CONFIG=${PG_CONFIG:-$(command -v pg_config || echo /usr/lib/postgresql/15/bin/pg_config)}
PG_BIN=$("$PG_CONFIG" --bindir)
export PATH="$PG_BIN:$PATH"
work=$(mktemp -d /tmp/fk_bench.XXXXXX)
started=no
dbs=(pagila sakila chinook)

as_server_user() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
    if [ "$started" = yes ]; then
        as_server_user pg_ctl -D "$work/db" -m immediate stop >/dev/null 2>&1 || true
    elif [ "$keep" = no ]; then
        for d in "${dbs[@]}"; do
            psql -X -q -d postgres -c "DROP DATABASE IF EXISTS fk_bench_suggest_$d" >/dev/null 2>&1 || true
        done
    fi
    rm -rf "$work"
}
trap cleanup EXIT

for f in pagila/pagila-schema.sql.gz pagila/pagila-data.sql.gz \
         sakila/postgres-sakila-schema.sql.gz sakila/postgres-sakila-insert-data-using-copy.sql.gz \
         chinook/Chinook_PostgreSql.sql.gz; do
    [ -f "$samples/$f" ] || { echo "missing $samples/$f" >&2; exit 1; }
done

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
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

load() {
    local d=$1
    case $d in
        pagila) zcat "$samples/pagila/pagila-schema.sql.gz" "$samples/pagila/pagila-data.sql.gz" ;;
        sakila) zcat "$samples/sakila/postgres-sakila-schema.sql.gz" \
                     "$samples/sakila/postgres-sakila-insert-data-using-copy.sql.gz" ;;
        chinook) zcat "$samples/chinook/Chinook_PostgreSql.sql.gz" |
                     grep -v -e '^DROP DATABASE' -e '^CREATE DATABASE' -e '^\\c' ;;
    esac | psql -X -q -d "fk_bench_suggest_$d" >"$work/load_$d.log" 2>&1
}

echo "server: $(psql -X -At -d postgres -c 'SHOW server_version')"
for d in "${dbs[@]}"; do
    db=fk_bench_suggest_$d
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    load "$d"
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
CREATE EXTENSION fk_tools SCHEMA public;
CREATE SCHEMA fk_bench;
-- Ground truth: the declared keys, a key on a partition counted for its
-- partitioned table, each reference once.
CREATE TABLE fk_bench.truth AS
SELECT DISTINCT coalesce(pg_partition_root(c.conrelid), c.conrelid)::regclass::text AS table_name,
       (SELECT array_agg(a.attname ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(att, n)
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att)::text AS columns,
       coalesce(pg_partition_root(c.confrelid), c.confrelid)::regclass::text AS referenced_table,
       (SELECT array_agg(a.attname ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(att, n)
          JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.att)::text AS referenced_columns
  FROM pg_constraint c
 WHERE c.contype = 'f' AND c.conparentid = 0;
CREATE TABLE fk_bench.declared AS SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f';
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT conrelid::regclass AS t, conname FROM pg_constraint
              WHERE contype = 'f' AND conparentid = 0 LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.t, r.conname);
    END LOOP;
END
$$;
ANALYZE;
CREATE TABLE fk_bench.result (pass text, db text, suggested int, truth int, right_ int,
                              ms numeric, wrong text, missed text);
-- One pass: fk_suggest's answer against the ground truth.
CREATE FUNCTION fk_bench.measure(pass text, sample_rows int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    ms numeric;
BEGIN
    CREATE TEMP TABLE s ON COMMIT DROP AS
    SELECT table_name::text AS table_name, columns::text AS columns,
           referenced_table::text AS referenced_table, referenced_columns::text AS referenced_columns,
           naming_rule, containment, orphan_rows
      FROM public.fk_suggest(sample_rows => sample_rows);
    ms := round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 1);
    INSERT INTO fk_bench.result
    SELECT pass, current_database(),
           (SELECT count(*) FROM s), (SELECT count(*) FROM fk_bench.truth),
           (SELECT count(*) FROM s JOIN fk_bench.truth USING (table_name, columns, referenced_table, referenced_columns)),
           ms,
           (SELECT string_agg(format('%s%s -> %s%s (%s, containment %s, %s orphans)', s.table_name, s.columns,
                                     s.referenced_table, s.referenced_columns, s.naming_rule,
                                     coalesce(round(s.containment::numeric, 3)::text, 'none'), s.orphan_rows), E'\n      '
                              ORDER BY 1)
              FROM s WHERE NOT EXISTS (SELECT FROM fk_bench.truth t
                                        WHERE (t.table_name, t.columns, t.referenced_table, t.referenced_columns)
                                            = (s.table_name, s.columns, s.referenced_table, s.referenced_columns))),
           (SELECT string_agg(format('%s%s -> %s%s', t.table_name, t.columns, t.referenced_table, t.referenced_columns),
                              E'\n      ' ORDER BY 1)
              FROM fk_bench.truth t WHERE NOT EXISTS (SELECT FROM s
                                        WHERE (t.table_name, t.columns, t.referenced_table, t.referenced_columns)
                                            = (s.table_name, s.columns, s.referenced_table, s.referenced_columns)));
END
$$;
SQL
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
BEGIN; SELECT fk_bench.measure('1 as published', 100000); COMMIT;
BEGIN; SELECT fk_bench.measure('2 sampled (200 rows)', 200); COMMIT;
-- legacy damage: 3% of every referenced table's rows deleted
SELECT setseed(0.5);
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT DISTINCT referenced_table FROM fk_bench.truth ORDER BY 1 LOOP
        EXECUTE format('DELETE FROM %s WHERE random() < 0.03', r.referenced_table);
    END LOOP;
END
$$;
ANALYZE;
BEGIN; SELECT fk_bench.measure('3 after deleting 3% of parents', 100000); COMMIT;
SQL
    psql -X -At -d "$db" -c "COPY (SELECT * FROM fk_bench.result) TO STDOUT" >>"$work/results.tsv"
done

# The report: per pass and database, then the totals of each pass.
psql -X -q -d postgres <<SQL
CREATE TEMP TABLE r (pass text, db text, suggested int, truth int, right_ int, ms numeric, wrong text, missed text);
\copy r FROM '$work/results.tsv'
\pset footer off
SELECT pass, database, declared, suggested, "right", precision, recall, "fk_suggest ms"
  FROM (SELECT pass, replace(db, 'fk_bench_suggest_', '') AS database, truth AS declared, suggested,
               right_ AS "right", round(right_::numeric / nullif(suggested, 0), 3) AS precision,
               round(right_::numeric / nullif(truth, 0), 3) AS recall, ms AS "fk_suggest ms", 0 AS o
          FROM r
        UNION ALL
        SELECT pass, 'total', sum(truth), sum(suggested), sum(right_),
               round(sum(right_)::numeric / nullif(sum(suggested), 0), 3),
               round(sum(right_)::numeric / nullif(sum(truth), 0), 3), sum(ms), 1
          FROM r GROUP BY pass) x
 ORDER BY pass, o, database;
\pset tuples_only on
\pset format unaligned
SELECT format(E'%s, %s:\n  suggested, not declared:\n      %s\n  declared, not suggested:\n      %s',
              pass, replace(db, 'fk_bench_suggest_', ''), coalesce(wrong, '(none)'), coalesce(missed, '(none)'))
  FROM r ORDER BY pass, db;
SQL
