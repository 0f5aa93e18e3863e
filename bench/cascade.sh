#!/usr/bin/env bash
# Benchmark: fk_cascade_preview against the real DELETE + ROLLBACK it
# previews.  One parent row cascades into 10k children and 100k
# grandchildren and sets 20k rows to NULL; run with indexed FK columns,
# then without.  Timings alternate preview / real in one session; prints
# the median of each and the ratio.  Not run in CI.
#
#   PGHOST=... PGPORT=... PGDATABASE=... bash bench/cascade.sh [runs]
#
# FAST_PATH=off times the row path (the one taken when a table is reached
# twice) on the same cascade.
set -euo pipefail
runs=${1:-5}

psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS fk_bench CASCADE;
CREATE EXTENSION IF NOT EXISTS fk_tools;
CREATE SCHEMA fk_bench;
SET search_path = fk_bench, public;
CREATE TABLE parent(id int PRIMARY KEY);
CREATE TABLE child(id int PRIMARY KEY, parent_id int REFERENCES parent ON DELETE CASCADE);
CREATE TABLE grandchild(id int PRIMARY KEY, child_id int REFERENCES child ON DELETE CASCADE);
CREATE TABLE watcher(id int PRIMARY KEY, parent_id int REFERENCES parent ON DELETE SET NULL);
INSERT INTO parent VALUES (1), (2);
INSERT INTO child SELECT g, 1 + (g > 10000)::int FROM generate_series(1, 20000) g;
INSERT INTO grandchild SELECT g, 1 + (g - 1) / 10 FROM generate_series(1, 200000) g;
INSERT INTO watcher SELECT g, 1 + (g > 20000)::int FROM generate_series(1, 40000) g;
CREATE INDEX ON child(parent_id);
CREATE INDEX ON grandchild(child_id);
CREATE INDEX ON watcher(parent_id);
VACUUM ANALYZE parent, child, grandchild, watcher;

CREATE FUNCTION bench(label text, runs int) RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE
  t0 timestamptz; p float8[] := '{}'; r float8[] := '{}'; n bigint;
  pm float8; rm float8;
BEGIN
  FOR i IN 1 .. runs LOOP
    t0 := clock_timestamp();
    SELECT sum(row_count) INTO n FROM fk_cascade_preview('fk_bench.parent', 1);
    p := p || extract(epoch FROM clock_timestamp() - t0) * 1000;
    t0 := clock_timestamp();
    BEGIN
      DELETE FROM fk_bench.parent WHERE id = 1;
      RAISE EXCEPTION 'rollback';
    EXCEPTION WHEN raise_exception THEN NULL;
    END;
    r := r || extract(epoch FROM clock_timestamp() - t0) * 1000;
  END LOOP;
  SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) INTO pm FROM unnest(p) x;
  SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) INTO rm FROM unnest(r) x;
  RETURN format('%s: rows previewed %s; preview median %s ms, DELETE+ROLLBACK median %s ms, ratio %s',
                label, n, round(pm::numeric, 1), round(rm::numeric, 1), round((pm / rm)::numeric, 4));
END \$\$;
SQL

psql -X -q -At -v ON_ERROR_STOP=1 <<SQL
SET search_path = fk_bench, public;
SET fk_tools.cascade_fast_path = ${FAST_PATH:-on};
SELECT bench('indexed', $runs);
DROP INDEX child_parent_id_idx, grandchild_child_id_idx, watcher_parent_id_idx;
SELECT bench('unindexed', $runs);
SET client_min_messages = warning;
DROP SCHEMA fk_bench CASCADE;
SQL
