#!/usr/bin/env bash
# Pages read by fk_check(t) on a table with k = 2, 4, 8 clean foreign keys,
# against the k hand-written anti-joins that check the same keys one by
# one (not run in CI).
#
#   bash bench/orphans_pages.sh            # the server named by PGHOST/PGPORT/...
#   bash bench/orphans_pages.sh --temp     # a throwaway server (like test/run-all)
#
# The extension must be installed (make install).  In the current database
# it creates schema fk_bench_pages (dropped at the end): k referenced
# tables of PARENT_ROWS rows (default 10,000) and, for each k, a table of
# CHILD_ROWS rows (default 1,000,000) with k keys, all clean.
#
# Pages: the blocks of the schema's tables and indexes the statement asked
# the buffer manager for (pg_statio_user_tables: heap and index blocks, hit
# plus read), flushed after each statement, without parallel workers so
# that the count depends on the plan only, not on the machine or on what
# is cached.  Time: medians of RUNS (default 5) rounds after a warm-up,
# fk_check and the k anti-joins alternately in one session, with the
# server's parallel settings.  Ratios are fk_check / hand-written.
set -euo pipefail

RUNS=${RUNS:-5}
CHILD_ROWS=${CHILD_ROWS:-1000000}
PARENT_ROWS=${PARENT_ROWS:-10000}

. "$(dirname "$0")/temp_server.sh"
if [ "${1:-}" = "--temp" ]; then
    bench_temp_server 54339
else
    PSQL=(psql)
fi

psql_run() { "${PSQL[@]}" -X -q -v ON_ERROR_STOP=1 "$@"; }

echo "== setup: 8 referenced tables of $PARENT_ROWS rows; tables of $CHILD_ROWS rows with 2, 4, 8 clean keys"
psql_run <<SQL
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS fk_tools;
DROP SCHEMA IF EXISTS fk_bench_pages CASCADE;
CREATE SCHEMA fk_bench_pages;
DO \$\$
DECLARE k int;
BEGIN
    FOR j IN 1..8 LOOP
        EXECUTE format('CREATE TABLE fk_bench_pages.p%s (id int PRIMARY KEY, name text)', j);
        EXECUTE format('INSERT INTO fk_bench_pages.p%s SELECT g, ''parent '' || g FROM generate_series(1, $PARENT_ROWS) g', j);
    END LOOP;
    FOREACH k IN ARRAY '{2,4,8}'::int[] LOOP
        EXECUTE format('CREATE TABLE fk_bench_pages.c%s (id bigint, %s, note text)', k,
                       (SELECT string_agg(format('x%s int', j), ', ') FROM generate_series(1, k) j));
        EXECUTE format('INSERT INTO fk_bench_pages.c%s SELECT g, %s, ''row '' || g FROM generate_series(1, $CHILD_ROWS) g', k,
                       (SELECT string_agg(format('1 + (g::bigint * %s) %% $PARENT_ROWS', 7919 + j), ', ') FROM generate_series(1, k) j));
        FOR j IN 1..k LOOP
            EXECUTE format('ALTER TABLE fk_bench_pages.c%s ADD FOREIGN KEY (x%s) REFERENCES fk_bench_pages.p%s NOT VALID', k, j, j);
        END LOOP;
    END LOOP;
END
\$\$;
VACUUM ANALYZE;
SQL

# The hand-written check of key j of table ck.
anti() { echo "SELECT count(*) FROM ONLY fk_bench_pages.c$1 c WHERE c.x$2 IS NOT NULL AND NOT EXISTS (SELECT FROM ONLY fk_bench_pages.p$2 p WHERE p.id = c.x$2)"; }

# Pages and times, alternately: fk_check first, then the k anti-joins.
psql_run <<'SQL'
CREATE FUNCTION fk_bench_pages.blocks() RETURNS bigint LANGUAGE sql AS $$
    SELECT sum(coalesce(heap_blks_read, 0) + coalesce(heap_blks_hit, 0) +
               coalesce(idx_blks_read, 0) + coalesce(idx_blks_hit, 0))::bigint
      FROM pg_statio_user_tables WHERE schemaname = 'fk_bench_pages'
$$;
-- blocks asked for by each statement (run in its own transaction by the caller)
CREATE TABLE fk_bench_pages.pages (k int, side text, blocks bigint);
CREATE TABLE fk_bench_pages.times (k int, run int, side text, ms float8);
SQL

for k in 2 4 8; do
    stmts=()
    for j in $(seq 1 $k); do stmts+=("$(anti $k $j)"); done
    # pages: each statement alone, stats flushed before and after
    {
        echo "SET max_parallel_workers_per_gather = 0;"
        echo "SELECT pg_stat_force_next_flush();"
        echo "SELECT fk_bench_pages.blocks() AS b0 \\gset"
        echo "SELECT count(*) FROM fk_check('fk_bench_pages.c$k');"
        echo "SELECT pg_stat_force_next_flush();"
        echo "INSERT INTO fk_bench_pages.pages SELECT $k, 'fk_check', fk_bench_pages.blocks() - :b0;"
        echo "SELECT pg_stat_force_next_flush();"
        echo "SELECT fk_bench_pages.blocks() AS b0 \\gset"
        for st in "${stmts[@]}"; do echo "$st;"; done
        echo "SELECT pg_stat_force_next_flush();"
        echo "INSERT INTO fk_bench_pages.pages SELECT $k, 'anti-joins', fk_bench_pages.blocks() - :b0;"
    } | psql_run -o /dev/null
    # times: alternately, a warm-up round then RUNS rounds
    {
        echo "SET client_min_messages = warning;"
        echo "DO \$bench\$"
        echo "DECLARE t0 timestamptz; r record;"
        echo "BEGIN"
        echo "  FOR run IN 0..$RUNS LOOP"
        echo "    t0 := clock_timestamp();"
        echo "    PERFORM count(*) FROM fk_check('fk_bench_pages.c$k');"
        echo "    IF run > 0 THEN INSERT INTO fk_bench_pages.times VALUES ($k, run, 'fk_check', extract(epoch FROM clock_timestamp() - t0) * 1000); END IF;"
        echo "    t0 := clock_timestamp();"
        for st in "${stmts[@]}"; do echo "    EXECUTE \$q\$$st\$q\$ INTO r;"; done
        echo "    IF run > 0 THEN INSERT INTO fk_bench_pages.times VALUES ($k, run, 'anti-joins', extract(epoch FROM clock_timestamp() - t0) * 1000); END IF;"
        echo "  END LOOP;"
        echo "END"
        echo "\$bench\$;"
    } | psql_run
done

echo
echo "== fk_check(t) vs the k hand-written anti-joins, clean keys ($CHILD_ROWS rows, referenced tables of $PARENT_ROWS)"
psql_run -P footer=off <<'SQL'
WITH p AS (SELECT k, max(blocks) FILTER (WHERE side = 'fk_check') AS f,
                  max(blocks) FILTER (WHERE side = 'anti-joins') AS a
             FROM fk_bench_pages.pages GROUP BY k),
     t AS (SELECT k, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE side = 'fk_check') AS f,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE side = 'anti-joins') AS a,
                  max(ms) FILTER (WHERE side = 'fk_check') AS fw,
                  max(ms) FILTER (WHERE side = 'anti-joins') AS aw
             FROM fk_bench_pages.times GROUP BY k)
SELECT p.k AS keys, p.f AS "fk_check pages", p.a AS "anti-joins pages",
       round(p.f::numeric / p.a, 3) AS "pages ratio", round(1.0 / p.k, 3) AS "1/k",
       round(t.f::numeric, 1) AS "fk_check ms", round(t.a::numeric, 1) AS "anti-joins ms",
       round((t.f / t.a)::numeric, 2) AS "time ratio",
       round(t.fw::numeric, 1) AS "fk_check worst ms", round(t.aw::numeric, 1) AS "anti-joins worst ms"
  FROM p JOIN t USING (k) ORDER BY p.k;
SQL

psql_run -c "SET client_min_messages = warning; DROP SCHEMA fk_bench_pages CASCADE;"
