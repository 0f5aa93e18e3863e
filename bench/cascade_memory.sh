#!/usr/bin/env bash
# Memory of a cascade preview with millions of blocked rows and deferred
# checks (not run in CI).
#
#   PGHOST=... PGPORT=... PGDATABASE=... bash bench/cascade_memory.sh
#
# Run as root or as the server's OS user: it reads the backend's
# /proc/<pid>/status.  In the current database it creates schema
# fk_bench_mem (dropped at the end): one parent row referenced by ROWS
# (default 2,000,000) rows through two keys, one ON DELETE RESTRICT, one
# NO ACTION DEFERRABLE INITIALLY DEFERRED.  The table is reached twice, so
# the row path previews the DELETE of the parent: every row is blocked by
# the first key, and checked at the end for the second (ROWS blocked rows
# noted twice, ROWS deferred checks), with work_mem = WORK_MEM (default
# 4MB).  While it runs, the backend's private memory (RssAnon, polled
# every 20 ms; shared buffers are not counted) is sampled; printed: the
# peak, the baseline before the preview, the time and the preview's rows.
set -euo pipefail

ROWS=${ROWS:-2000000}
WORK_MEM=${WORK_MEM:-4MB}

psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS fk_tools;
DROP SCHEMA IF EXISTS fk_bench_mem CASCADE;
CREATE SCHEMA fk_bench_mem;
CREATE TABLE fk_bench_mem.parent (id int PRIMARY KEY);
INSERT INTO fk_bench_mem.parent VALUES (1), (2);
CREATE TABLE fk_bench_mem.child (id int PRIMARY KEY,
    a int REFERENCES fk_bench_mem.parent ON DELETE RESTRICT,
    b int REFERENCES fk_bench_mem.parent DEFERRABLE INITIALLY DEFERRED);
INSERT INTO fk_bench_mem.child SELECT g, 1, 1 FROM generate_series(1, $ROWS) g;
CREATE INDEX ON fk_bench_mem.child (a);
CREATE INDEX ON fk_bench_mem.child (b);
VACUUM ANALYZE fk_bench_mem.parent, fk_bench_mem.child;
SQL

out=$(mktemp)
trap 'rm -f "$out"' EXIT
psql -X -q -At -v ON_ERROR_STOP=1 > "$out" <<SQL &
SET application_name = 'fk_bench_mem';
SET work_mem = '$WORK_MEM';
SELECT pg_sleep(1);
SELECT 'preview', extract(epoch FROM clock_timestamp() - now()) FROM (SELECT 1) s;
SELECT string_agg(format('%s %s %s', p.action, p.table_name, p.row_count), '; ' ORDER BY p.action, p.table_name)
  FROM fk_cascade_preview('fk_bench_mem.parent', 1) p;
SELECT 'done';
SQL
bg=$!
pid=
for _ in $(seq 1 100); do
    pid=$(psql -X -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'fk_bench_mem'" || true)
    [ -n "$pid" ] && break
    sleep 0.05
done
[ -n "$pid" ] || { echo "backend not found" >&2; exit 1; }
base=$(awk '/^RssAnon:/ {print $2}' /proc/$pid/status)
peak=0
t0=$(date +%s.%N)
while kill -0 $bg 2>/dev/null; do
    cur=$(awk '/^RssAnon:/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
    [ "${cur:-0}" -gt "$peak" ] && peak=$cur
    sleep 0.02
done
t1=$(date +%s.%N)
wait $bg
echo "== fk_cascade_preview of a DELETE reaching $ROWS rows twice (RESTRICT and deferred NO ACTION), work_mem = $WORK_MEM"
echo "result: $(sed -n 3p "$out")"
echo "backend private memory (RssAnon): before $((base / 1024)) MB, peak $((peak / 1024)) MB"
echo "elapsed (with 1 s of sleep before): $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s"
psql -X -q -c "SET client_min_messages = warning; DROP SCHEMA fk_bench_mem CASCADE;"
