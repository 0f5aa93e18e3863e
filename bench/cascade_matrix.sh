#!/usr/bin/env bash
# A matrix of cascade shapes: fk_cascade_preview against the real DELETE
# it previews, run and rolled back (not run in CI, and not a test).
#
#   PGHOST=... PGPORT=... PGDATABASE=... bash bench/cascade_matrix.sh [runs]
#
# In the current database it creates schema fk_matrix (dropped at the
# end).  Shapes: chains of depth 1 to 5 (fan-out 10 per level); fan-out
# 1, 100 and 1,000 at depth 1; a cascade touching 1% of a 500,000-row
# table and 100% of a 1,000-row one; SET NULL and SET DEFAULT at depth 3;
# a skewed fan-out (the planner expects 5,000 children, the key has 1);
# a diamond (one table reached through two paths: the row path); a
# self-referencing tree; a partitioned child; unindexed keys; 1, 100 and
# 10,000 root keys.  Per shape, alternately in one session, a warm-up
# round and then RUNS rounds (default 3), each after a VACUUM of the
# shape's tables (untimed): the preview, the DELETE in a subtransaction
# rolled back, and the preview again right after that rollback.  The first
# two see the tables as autovacuum keeps them (all-visible pages, hint
# bits set); the third sees what the rolled-back DELETE leaves (pages no
# longer all-visible, every deleted row's aborted deletion still to be
# checked), the worst case for a preview.  Printed: rows the DELETE reaches, median
# and worst time of each, the ratio of the medians (preview / DELETE:
# 0.10 means the preview takes a tenth of the statement's time), and the
# preview right after the rollback with its ratio.
# KEEP=1 leaves the schema in place; REUSE=1 measures in the one left;
# ONLY=regex measures only the shapes whose names match.
set -euo pipefail
RUNS=${1:-3}

if [ -n "${REUSE:-}" ]; then
  psql -X -q -c "TRUNCATE fk_matrix.results"
else
psql -X -q -v ON_ERROR_STOP=1 -o /dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS fk_tools;
DROP SCHEMA IF EXISTS fk_matrix CASCADE;
CREATE SCHEMA fk_matrix;
SET search_path = fk_matrix, public;

-- A chain name_0 <- name_1 <- ... <- name_depth: root_rows rows at the
-- top, fanout times as many at each level below, each row referencing
-- parent id / fanout (ids from 0).  The last level's action is last_action.
CREATE FUNCTION chain(name text, depth int, fanout int, root_rows int,
                      indexed boolean DEFAULT true, last_action text DEFAULT 'CASCADE',
                      partitioned boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  n bigint := root_rows;
BEGIN
  EXECUTE format('CREATE TABLE fk_matrix.%I (id int PRIMARY KEY)', name || '_0');
  EXECUTE format('INSERT INTO fk_matrix.%I SELECT generate_series(0, %s - 1)', name || '_0', n);
  FOR i IN 1..depth LOOP
    n := n * fanout;
    EXECUTE format('CREATE TABLE fk_matrix.%I (id int, up int DEFAULT %s REFERENCES fk_matrix.%I ON DELETE %s, pad text)%s',
                   name || '_' || i, CASE WHEN last_action = 'SET DEFAULT' THEN n / fanout - 1 ELSE 0 END,
                   name || '_' || (i - 1), CASE WHEN i = depth THEN last_action ELSE 'CASCADE' END,
                   CASE WHEN partitioned THEN ' PARTITION BY HASH (id)' ELSE '' END);
    IF partitioned THEN
      FOR p IN 0..3 LOOP
        EXECUTE format('CREATE TABLE fk_matrix.%I PARTITION OF fk_matrix.%I FOR VALUES WITH (MODULUS 4, REMAINDER %s)',
                       name || '_' || i || '_p' || p, name || '_' || i, p);
      END LOOP;
    END IF;
    EXECUTE format('INSERT INTO fk_matrix.%I SELECT g, g / %s, ''row '' || g FROM generate_series(0, %s - 1) g',
                   name || '_' || i, fanout, n);
    EXECUTE format('ALTER TABLE fk_matrix.%I ADD PRIMARY KEY (id)', name || '_' || i);
    IF indexed THEN
      EXECUTE format('CREATE INDEX ON fk_matrix.%I (up)', name || '_' || i);
    END IF;
  END LOOP;
END $$;

SELECT chain('d1', 1, 10, 100), chain('d2', 2, 10, 100), chain('d3', 3, 10, 100),
       chain('d4', 4, 10, 20), chain('d5', 5, 10, 2);
SELECT chain('f1', 1, 1, 1000), chain('f100', 1, 100, 100), chain('f1000', 1, 1000, 20);
SELECT chain('large', 1, 5000, 100), chain('small', 1, 1000, 1);
SELECT chain('setnull', 3, 10, 100, true, 'SET NULL'), chain('setdefault', 3, 10, 100, true, 'SET DEFAULT');
SELECT chain('part', 1, 1000, 20, true, 'CASCADE', true);
SELECT chain('unidx1', 1, 1000, 20, false), chain('unidx2', 2, 100, 20, false);
SELECT chain('keys', 2, 5, 10000);

-- a diamond: root <- left, right <- leaf (referencing both)
CREATE TABLE dia_root (id int PRIMARY KEY);
INSERT INTO dia_root SELECT generate_series(0, 99);
CREATE TABLE dia_left (id int PRIMARY KEY, up int REFERENCES dia_root ON DELETE CASCADE);
CREATE TABLE dia_right (id int PRIMARY KEY, up int REFERENCES dia_root ON DELETE CASCADE);
INSERT INTO dia_left SELECT g, g / 100 FROM generate_series(0, 9999) g;
INSERT INTO dia_right SELECT g, g / 100 FROM generate_series(0, 9999) g;
CREATE TABLE dia_leaf (id int PRIMARY KEY, l int REFERENCES dia_left ON DELETE CASCADE,
                       r int REFERENCES dia_right ON DELETE CASCADE);
INSERT INTO dia_leaf SELECT g, g / 10, g / 10 FROM generate_series(0, 99999) g;
CREATE INDEX ON dia_left (up); CREATE INDEX ON dia_right (up);
CREATE INDEX ON dia_leaf (l); CREATE INDEX ON dia_leaf (r);

-- skewed: the root key has 1 child where the others have about 5,000
-- (the planner expects 5,000), each child one grandchild
CREATE TABLE skew_0 (id int PRIMARY KEY);
INSERT INTO skew_0 SELECT generate_series(0, 99);
CREATE TABLE skew_1 (id int PRIMARY KEY, up int REFERENCES skew_0 ON DELETE CASCADE);
INSERT INTO skew_1 SELECT g, CASE WHEN g = 0 THEN 0 ELSE 1 + g % 99 END FROM generate_series(0, 499999) g;
CREATE TABLE skew_2 (id int PRIMARY KEY, up int REFERENCES skew_1 ON DELETE CASCADE);
INSERT INTO skew_2 SELECT g, g FROM generate_series(0, 499999) g;
CREATE INDEX ON skew_1 (up); CREATE INDEX ON skew_2 (up);

-- a self-referencing binary tree of 65,535 nodes
CREATE TABLE tree (id int PRIMARY KEY, up int REFERENCES tree ON DELETE CASCADE);
INSERT INTO tree SELECT g, CASE WHEN g > 1 THEN g / 2 END FROM generate_series(1, 65535) g;
CREATE INDEX ON tree (up);
VACUUM ANALYZE;

CREATE TABLE results (ord int GENERATED ALWAYS AS IDENTITY, shape text, reached bigint,
                      preview_ms float8[], delete_ms float8[], unsettled_ms float8[],
                      hand_ms float8[], preview_pages bigint, delete_pages bigint);

-- The count a DBA would write by hand of the rows the DELETE reaches: a
-- WITH query per table the keys reach, in the order found (every table
-- after those it references), each selecting the rows whose key is among
-- its parents' selected rows (IN, OR-ed over several parents; a recursive
-- query over a self reference), and the sum of their counts.
CREATE FUNCTION hand_sql(target regclass) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  reached regclass[] := ARRAY[target];
  i int := 1;
  t regclass;
  r regclass;
  con record;
  conds text;
  self text;
  ctes text[] := '{}';
  counts text[] := '{}';
BEGIN
  WHILE i <= cardinality(reached) LOOP
    FOR r IN SELECT DISTINCT c.conrelid::regclass FROM pg_constraint c
              WHERE c.contype = 'f' AND c.confrelid = reached[i] AND c.conparentid = 0
                AND c.conrelid <> c.confrelid LOOP
      IF NOT r = ANY (reached) THEN reached := reached || r; END IF;
    END LOOP;
    i := i + 1;
  END LOOP;
  FOR i IN 1..cardinality(reached) LOOP
    t := reached[i];
    conds := NULL;
    self := NULL;
    IF i = 1 THEN conds := 'id = ANY ($1)'; END IF;
    FOR con IN
      SELECT c.conrelid = c.confrelid AS is_self, array_position(reached, c.confrelid::regclass) AS parent,
             (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(a, n)
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.a) AS fkcols,
             (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(a, n)
                JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.a) AS pkcols
        FROM pg_constraint c
       WHERE c.contype = 'f' AND c.conrelid = t AND c.conparentid = 0
         AND c.confrelid::regclass = ANY (reached)
    LOOP
      IF con.is_self THEN
        self := format('(c.%s) = (r.%s)', con.fkcols, con.pkcols);
      ELSIF con.parent < i THEN
        conds := coalesce(conds || ' OR ', '') || format('(%s) IN (SELECT %s FROM l%s)', con.fkcols, con.pkcols, con.parent);
      END IF;
    END LOOP;
    IF self IS NULL THEN
      ctes := ctes || format('l%s AS (SELECT * FROM %s WHERE %s)', i, t, conds);
    ELSE
      ctes := ctes || format('l%s AS (WITH RECURSIVE r AS (SELECT * FROM %s WHERE %s UNION SELECT c.* FROM r JOIN %s c ON %s) SELECT * FROM r)',
                             i, t, conds, t, self);
    END IF;
    counts := counts || format('(SELECT count(*) FROM l%s)', i);
  END LOOP;
  RETURN 'WITH ' || array_to_string(ctes, ', ') || ' SELECT ' || array_to_string(counts, ' + ');
END $$;

-- The shape's tables: those named like the target without its _0 / _root
-- suffix.
CREATE FUNCTION shape_rels(target regclass) RETURNS SETOF regclass
LANGUAGE sql AS $$
  SELECT c.oid::regclass
    FROM pg_class c
   WHERE c.relnamespace = 'fk_matrix'::regnamespace AND c.relkind = 'r'
     AND c.relname LIKE regexp_replace((SELECT relname FROM pg_class WHERE oid = target),
                                       '_(0|root)$', '') || '%'
$$;

CREATE FUNCTION shape_tables(target regclass) RETURNS text
LANGUAGE sql AS $$
  SELECT string_agg(r::text, ', ') FROM fk_matrix.shape_rels(target) r
$$;

-- Pages (buffer requests, hits or reads) of the shape's tables and their
-- indexes in this transaction so far: pg_stat's counts, which do not
-- depend on the machine's speed.
CREATE FUNCTION shape_pages(target regclass) RETURNS bigint
LANGUAGE sql AS $$
  SELECT sum(pg_stat_get_xact_blocks_fetched(o))::bigint
    FROM (SELECT r::oid FROM fk_matrix.shape_rels(target) r
          UNION ALL
          SELECT i.indexrelid FROM pg_index i WHERE i.indrelid IN (SELECT fk_matrix.shape_rels(target))) s(o)
$$;

-- One round, after a VACUUM of the shape's tables: the preview of DELETE
-- FROM target WHERE id = ANY (keys) and the count by hand (in turns one
-- before the other), the statement itself in a subtransaction rolled
-- back, and the preview again right after the rollback.  Kept unless it
-- is the warm-up.
CREATE FUNCTION measure_round(shape text, target regclass, keys int[], round int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz; p float8; d float8; u float8; h float8; n bigint; hn bigint;
  pg0 bigint; pp bigint; pd bigint;
  hand text := fk_matrix.hand_sql(target);
BEGIN
  FOR turn IN 0..1 LOOP
    IF (turn + round) % 2 = 0 THEN
      pg0 := fk_matrix.shape_pages(target);
      t0 := clock_timestamp();
      SELECT sum(row_count) INTO n FROM fk_cascade_preview(target, keys) WHERE action <> 'BLOCKED';
      p := extract(epoch FROM clock_timestamp() - t0) * 1000;
      pp := fk_matrix.shape_pages(target) - pg0;
    ELSE
      t0 := clock_timestamp();
      EXECUTE hand INTO hn USING keys;
      h := extract(epoch FROM clock_timestamp() - t0) * 1000;
    END IF;
  END LOOP;
  IF hn <> n THEN
    RAISE EXCEPTION 'shape %: the preview reaches % rows, the count by hand %', shape, n, hn;
  END IF;
  pg0 := fk_matrix.shape_pages(target);
  t0 := clock_timestamp();
  BEGIN
    EXECUTE format('DELETE FROM %s WHERE id = ANY ($1)', target) USING keys;
    RAISE EXCEPTION USING ERRCODE = 'FKM01';
  EXCEPTION WHEN SQLSTATE 'FKM01' THEN NULL;
  END;
  d := extract(epoch FROM clock_timestamp() - t0) * 1000;
  pd := fk_matrix.shape_pages(target) - pg0;
  t0 := clock_timestamp();
  PERFORM FROM fk_cascade_preview(target, keys);
  u := extract(epoch FROM clock_timestamp() - t0) * 1000;
  IF round > 0 THEN
    UPDATE fk_matrix.results SET preview_ms = preview_ms || p, delete_ms = delete_ms || d,
                                 unsettled_ms = unsettled_ms || u, hand_ms = hand_ms || h,
                                 preview_pages = pp, delete_pages = pd
     WHERE results.shape = measure_round.shape;
    IF NOT FOUND THEN
      INSERT INTO fk_matrix.results (shape, reached, preview_ms, delete_ms, unsettled_ms, hand_ms,
                                     preview_pages, delete_pages)
        VALUES (shape, n, ARRAY[p], ARRAY[d], ARRAY[u], ARRAY[h], pp, pd);
    END IF;
  END IF;
END $$;
SQL
fi

# one session per shape: a warm-up round, then RUNS rounds, each after a
# VACUUM of the shape's tables (top level, so not in the function)
m() {
  if [ -n "${ONLY:-}" ] && ! grep -qE "$ONLY" <<<"$1"; then return; fi
  {
    echo "SET client_min_messages = warning;"
    for i in $(seq 0 "$RUNS"); do
      echo "SELECT 'VACUUM ' || fk_matrix.shape_tables('$2') \\gexec"
      echo "SELECT fk_matrix.measure_round('$1', '$2', $3, $i);"
    done
  } | psql -X -q -v ON_ERROR_STOP=1 >/dev/null
  echo "  $1"
}
echo "== measuring ($RUNS runs per shape after a warm-up)"
for d in 1 2 3 4 5; do m "depth $d, fan-out 10" "fk_matrix.d${d}_0" "ARRAY[0]"; done
m "depth 1, fan-out 1" fk_matrix.f1_0 "ARRAY[0]"
m "depth 1, fan-out 100" fk_matrix.f100_0 "ARRAY[0]"
m "depth 1, fan-out 1000" fk_matrix.f1000_0 "ARRAY[0]"
m "1% of a 500,000-row table" fk_matrix.large_0 "ARRAY[0]"
m "100% of a 1,000-row table" fk_matrix.small_0 "ARRAY[0]"
m "skewed: 1 child where 5,000 are expected, depth 2" fk_matrix.skew_0 "ARRAY[0]"
m "SET NULL at depth 3" fk_matrix.setnull_0 "ARRAY[0]"
m "SET DEFAULT at depth 3" fk_matrix.setdefault_0 "ARRAY[0]"
m "diamond (row path)" fk_matrix.dia_root "ARRAY[0]"
m "self-referencing tree, 32,767 nodes" fk_matrix.tree "ARRAY[2]"
m "partitioned child, fan-out 1000" fk_matrix.part_0 "ARRAY[0]"
m "unindexed, depth 1, fan-out 1000" fk_matrix.unidx1_0 "ARRAY[0]"
m "unindexed, depth 2, fan-out 100" fk_matrix.unidx2_0 "ARRAY[0]"
m "1 root key, depth 2, fan-out 5" fk_matrix.keys_0 "ARRAY[0]"
m "100 root keys, depth 2, fan-out 5" fk_matrix.keys_0 "(SELECT array_agg(g) FROM generate_series(0, 99) g)"
m "10,000 root keys, depth 2, fan-out 5" fk_matrix.keys_0 "(SELECT array_agg(g) FROM generate_series(0, 9999) g)"

echo
psql -X -q -P footer=off <<'SQL'
SELECT shape, reached AS rows,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY p)::numeric, 1) AS preview_ms,
       round(max(p)::numeric, 1) AS preview_worst,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY d)::numeric, 1) AS delete_ms,
       round(max(d)::numeric, 1) AS delete_worst,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY p) /
              percentile_cont(0.5) WITHIN GROUP (ORDER BY d))::numeric, 3) AS ratio,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY h)::numeric, 1) AS by_hand_ms,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY h) /
              percentile_cont(0.5) WITHIN GROUP (ORDER BY d))::numeric, 3) AS by_hand_ratio,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY u)::numeric, 1) AS after_rollback_ms,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY u) /
              percentile_cont(0.5) WITHIN GROUP (ORDER BY d))::numeric, 3) AS after_rollback_ratio,
       r.preview_pages, r.delete_pages,
       round(r.preview_pages::numeric / nullif(r.delete_pages, 0), 3) AS pages_ratio
  FROM fk_matrix.results r, unnest(r.preview_ms, r.delete_ms, r.unsettled_ms, r.hand_ms) u(p, d, u, h)
 GROUP BY r.ord, shape, reached, r.preview_pages, r.delete_pages ORDER BY r.ord;
SQL
[ -n "${KEEP:-}" ] || psql -X -q -c "SET client_min_messages = warning; DROP SCHEMA fk_matrix CASCADE;"
