#!/usr/bin/env bash
# Benchmark of the orphan engine against the hand-written SQL it replaces
# (not run in CI).
#
#   bash bench/orphans.sh            # the server named by PGHOST/PGPORT/...
#   bash bench/orphans.sh --temp     # a throwaway server (like test/run-all)
#
# The extension must be installed (make install).  In the current database
# it creates schema fk_bench (dropped at the end) and measures, each pair
# alternately in one session, medians of RUNS runs (default 7) after a
# warm-up run:
#   1. fk_orphans on 3M child rows / 300k parents / 1% orphans, against the
#      hand-written NOT EXISTS anti-join returning the same four columns;
#   2. fk_check on the same data, against the hand-written count;
#   3. fk_check on a clean 3M-row table, against ALTER TABLE ... VALIDATE
#      CONSTRAINT on a NOT VALID copy (rolled back) and against the
#      hand-written anti-join (which may run in parallel);
#   4. fk_check() over a database of 200 small tables, against the sum of
#      the per-table calls (every table with a foreign key, one call each).
# Every statement runs server-side under EXECUTE in its own rolled-back
# subtransaction, timed with clock_timestamp(); no rows travel to the
# client.  Both sides of a comparison consume every output column (count of
# each column), so neither can skip computing the JSON it returns.
# Ratios are engine / hand-written: 1.00 means as fast.
set -euo pipefail

RUNS=${RUNS:-7}
CHILD_ROWS=${CHILD_ROWS:-3000000}
PARENT_ROWS=${PARENT_ROWS:-300000}
SMALL_TABLES=${SMALL_TABLES:-200}

. "$(dirname "$0")/temp_server.sh"
if [ "${1:-}" = "--temp" ]; then
    bench_temp_server 54339
else
    PSQL=(psql)
fi

psql_run() { "${PSQL[@]}" -X -q -v ON_ERROR_STOP=1 "$@"; }

echo "== setup: $CHILD_ROWS child rows, $PARENT_ROWS parents, 1% orphans; $SMALL_TABLES small tables"
psql_run <<SQL
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS fk_tools;
DROP SCHEMA IF EXISTS fk_bench CASCADE;
CREATE SCHEMA fk_bench;

CREATE TABLE fk_bench.parent (id int PRIMARY KEY, name text);
INSERT INTO fk_bench.parent SELECT g, 'parent ' || g FROM generate_series(1, $PARENT_ROWS) g;
-- 1% of the children point past the last parent
CREATE TABLE fk_bench.child (id bigint, parent_id int, note text, created date);
INSERT INTO fk_bench.child
SELECT g, CASE WHEN g % 100 = 0 THEN $PARENT_ROWS + 1 + g % 5000
               ELSE 1 + (g::bigint * 7919) % $PARENT_ROWS END,
       'child ' || g, '2024-01-01'::date + (g % 365)::int
  FROM generate_series(1, $CHILD_ROWS) g;
ALTER TABLE fk_bench.child ADD CONSTRAINT child_parent_id_fkey
    FOREIGN KEY (parent_id) REFERENCES fk_bench.parent NOT VALID;
-- the same without orphans, its constraint NOT VALID (for VALIDATE)
CREATE TABLE fk_bench.clean AS
SELECT id, (1 + (id * 7919) % $PARENT_ROWS)::int AS parent_id, note, created FROM fk_bench.child;
ALTER TABLE fk_bench.clean ADD CONSTRAINT clean_parent_id_fkey
    FOREIGN KEY (parent_id) REFERENCES fk_bench.parent NOT VALID;
VACUUM ANALYZE fk_bench.parent, fk_bench.child, fk_bench.clean;

SQL

# Time statements alternately: a warm-up round, then RUNS rounds; each
# statement in a subtransaction that is rolled back (so VALIDATE leaves the
# constraint NOT VALID), the times kept in a variable, which the rollback
# does not undo.
psql_run -c "CREATE FUNCTION fk_bench.time_alternately(stmts text[], runs int)
RETURNS TABLE (i int, median_ms numeric, results text)
LANGUAGE plpgsql AS \$\$
DECLARE
    t0 timestamptz;
    t float8;
    times float8[] := '{}';
    res text[] := '{}';
    r record;
BEGIN
    FOR run IN 0..runs LOOP
        FOR k IN 1..array_length(stmts, 1) LOOP
            BEGIN
                t0 := clock_timestamp();
                IF stmts[k] ~* '^\\s*select' THEN
                    EXECUTE stmts[k] INTO r;
                    res[k] := r::text;
                ELSE
                    EXECUTE stmts[k];
                    res[k] := 'done';
                END IF;
                t := extract(epoch FROM clock_timestamp() - t0) * 1000;
                RAISE EXCEPTION USING ERRCODE = 'FKB01';
            EXCEPTION WHEN SQLSTATE 'FKB01' THEN
                IF run > 0 THEN
                    times := times || ARRAY[k, t];
                END IF;
            END;
        END LOOP;
    END LOOP;
    RETURN QUERY
        SELECT x.k::int, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY x.t)::numeric, 1), res[x.k::int]
          FROM (SELECT times[2 * n - 1] AS k, times[2 * n] AS t
                  FROM generate_series(1, array_length(times, 1) / 2) n) x
         GROUP BY x.k ORDER BY x.k;
END
\$\$;"

# compare LABEL STMT1 STMT2...: medians, and STMT1's time over each other's
compare() {
    local label=$1; shift
    local arr="" st
    for st in "$@"; do
        arr="$arr${arr:+, }\$fkbench\$$st\$fkbench\$"
    done
    echo
    echo "== $label"
    psql_run -P footer=off <<SQL
SET client_min_messages = warning;
WITH t AS (SELECT * FROM fk_bench.time_alternately(ARRAY[$arr], $RUNS))
SELECT t.i AS variant, t.median_ms,
       round((SELECT median_ms FROM t WHERE t.i = 1) / NULLIF(t.median_ms, 0), 2) AS "variant 1 / this",
       t.results
  FROM t ORDER BY t.i;
SQL
}

ANTI="FROM ONLY fk_bench.child c WHERE c.parent_id IS NOT NULL AND NOT EXISTS (SELECT FROM ONLY fk_bench.parent p WHERE p.id = c.parent_id)"
CLEAN_ANTI="FROM ONLY fk_bench.clean c WHERE c.parent_id IS NOT NULL AND NOT EXISTS (SELECT FROM ONLY fk_bench.parent p WHERE p.id = c.parent_id)"

compare "1. fk_orphans (1) vs the hand-written NOT EXISTS anti-join returning the same columns (2); every column consumed" \
    "SELECT count(*), count(constraint_name), count(table_name), count(key), count(orphan_row) FROM fk_orphans('fk_bench.child')" \
    "SELECT count(*), count(constraint_name), count(table_name), count(key), count(orphan_row) FROM (SELECT 'child_parent_id_fkey'::name AS constraint_name, c.tableoid::regclass AS table_name, jsonb_build_object('parent_id', c.parent_id) AS key, to_jsonb(c.*) AS orphan_row $ANTI) s"

compare "2. fk_check (1) vs the hand-written count (2) and count + distinct missing keys (3)" \
    "SELECT orphan_rows, missing_keys, status FROM fk_check('fk_bench.child')" \
    "SELECT count(*) $ANTI" \
    "SELECT count(*), count(DISTINCT c.parent_id) $ANTI"

compare "3. clean 3M rows: fk_check (1) vs ALTER TABLE VALIDATE CONSTRAINT (2) vs the hand-written anti-join count (3)" \
    "SELECT orphan_rows, missing_keys, status FROM fk_check('fk_bench.clean')" \
    "ALTER TABLE fk_bench.clean VALIDATE CONSTRAINT clean_parent_id_fkey" \
    "SELECT count(*) $CLEAN_ANTI"

echo
echo "== 4. setup: drop the big tables, create $SMALL_TABLES small tables"
psql_run <<SQL
SET client_min_messages = warning;
DROP TABLE fk_bench.child, fk_bench.clean;
TRUNCATE fk_bench.parent;
INSERT INTO fk_bench.parent SELECT g, 'parent ' || g FROM generate_series(1, 1000) g;
DO \$\$
BEGIN
    FOR i IN 1..$SMALL_TABLES LOOP
        EXECUTE format('CREATE TABLE fk_bench.s%s (id int, parent_id int REFERENCES fk_bench.parent)', i);
        EXECUTE format('ALTER TABLE fk_bench.s%s DISABLE TRIGGER ALL', i);
        EXECUTE format('INSERT INTO fk_bench.s%s SELECT g, CASE WHEN g %% 97 = 0 THEN 5000 + g ELSE 1 + g %% 1000 END FROM generate_series(1, 1000) g', i);
        EXECUTE format('ALTER TABLE fk_bench.s%s ENABLE TRIGGER ALL', i);
    END LOOP;
END
\$\$;
ANALYZE;
SQL

compare "4. fk_check() over the whole database (1) vs the sum of per-table fk_check(t) calls (2), one for each table with a foreign key" \
    "SELECT count(*), sum(orphan_rows), sum(missing_keys) FROM fk_check()" \
    "SELECT count(*), sum(k.orphan_rows), sum(k.missing_keys) FROM (SELECT DISTINCT table_name FROM fk_constraints) t, fk_check(t.table_name) k"

psql_run -c "SET client_min_messages = warning; DROP SCHEMA fk_bench CASCADE;"
