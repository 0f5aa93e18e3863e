-- The cascade previews when the referencing columns are indexed: then the
-- row path finds the rows referencing a batch by an index probe per row
-- of the batch (a LATERAL subquery), not by the join the planner would
-- choose for a generic plan.  The random graphs of cascade_random.sql
-- (other seeds, fewer of them) with an index on every foreign key's
-- columns, and its large diamond at the smallest work_mem, against the
-- real DELETE / UPDATE, the tree and row paths and spilling compared.
CREATE SCHEMA cr;
SET search_path = cr, public;
SET client_min_messages = warning;

\set ECHO none
\i test/cascade_oracle.sql
\i test/cascade_graphs.sql
\set ECHO all

-- an index on the columns of every foreign key of schema cr
CREATE FUNCTION cr.index_keys() RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  r record;
  n int := 0;
BEGIN
  FOR r IN SELECT c.conrelid::regclass AS t,
                  (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n)
                     FROM unnest(c.conkey) WITH ORDINALITY k(att, n)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att) AS cols
             FROM pg_constraint c
            WHERE c.contype = 'f' AND c.connamespace = 'cr'::regnamespace AND c.conparentid = 0
            ORDER BY c.conname
  LOOP
    EXECUTE format('CREATE INDEX ON %s (%s)', r.t, r.cols);
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;

CREATE TABLE cr_results(graph int, graph_descr text, target text, key jsonb, new_values jsonb, result text);

DO $$
DECLARE
  descr text;
  res text;
BEGIN
  PERFORM setseed(0.5151);
  FOR g IN 1 .. 7 LOOP
    descr := cr.build(4 + g % 3, 5 + g % 5) || format(' (%s indexes)', cr.index_keys());
    FOR t IN 0 .. 3 + g % 3 LOOP
      FOR k IN 1 .. 8 LOOP
        res := cascade_oracle.oracle(format('cr.t%s', t)::regclass, jsonb_build_object('id', k), compare_paths => true);
        INSERT INTO cr_results VALUES (g, descr, 't' || t, jsonb_build_object('id', k), NULL, res);
        IF k % 2 = 0 THEN
          res := cascade_oracle.oracle(format('cr.t%s', t)::regclass, jsonb_build_object('id', k),
                           jsonb_build_object('id', 100 + k), compare_paths => true);
          INSERT INTO cr_results VALUES (g, descr, 't' || t, jsonb_build_object('id', k),
                                         jsonb_build_object('id', 100 + k), res);
          res := cascade_oracle.oracle(format('cr.t%s', t)::regclass, jsonb_build_object('id', k),
                           jsonb_build_object('a', 7, 'b', k), compare_paths => true);
          INSERT INTO cr_results VALUES (g, descr, 't' || t, jsonb_build_object('id', k),
                                         jsonb_build_object('a', 7, 'b', k), res);
        END IF;
      END LOOP;
    END LOOP;
    FOR t IN 0 .. 3 + g % 3 LOOP
      EXECUTE format('DROP TABLE cr.t%s CASCADE', t);
    END LOOP;
    COMMIT;
  END LOOP;
END $$;

-- trees, trees with diamonds, long chains: deletes from the root down
DO $$
DECLARE
  descr text;
  res text;
  n int;
BEGIN
  PERFORM setseed(0.2828);
  FOR g IN 1 .. 6 LOOP
    n := CASE WHEN g % 3 = 0 THEN 12 ELSE 6 + g % 4 END;
    descr := CASE WHEN g % 3 = 0 THEN cr.build(n, n - 1, 'chain')
                  ELSE cr.build(n, n - 1 + (g % 3 - 1) * (g % 4), 'tree') END
             || format(' (%s indexes)', cr.index_keys());
    FOR t IN 0 .. 2 LOOP
      FOR k IN 1 .. 8 LOOP
        res := cascade_oracle.oracle(format('cr.t%s', t)::regclass, jsonb_build_object('id', k), compare_paths => true);
        INSERT INTO cr_results VALUES (100 + g, descr, 't' || t, jsonb_build_object('id', k), NULL, res);
      END LOOP;
    END LOOP;
    FOR t IN 0 .. n - 1 LOOP
      EXECUTE format('DROP TABLE cr.t%s CASCADE', t);
    END LOOP;
    COMMIT;
  END LOOP;
END $$;

-- work_mem at its minimum: a diamond of a few thousand rows, self
-- references and a cycle spill and pass their batches in several queries
-- by work_mem alone; compared with the real DELETE / UPDATE
SET work_mem = '64kB';
CREATE TABLE cr.d0(id int PRIMARY KEY);
CREATE TABLE cr.d1(id int PRIMARY KEY, p int REFERENCES cr.d0 ON DELETE CASCADE ON UPDATE CASCADE);
CREATE TABLE cr.d2(id int PRIMARY KEY, p int REFERENCES cr.d0 ON DELETE CASCADE ON UPDATE CASCADE,
                   q int REFERENCES cr.d1 ON DELETE SET NULL);
CREATE TABLE cr.d3(id int PRIMARY KEY, p int REFERENCES cr.d1 ON DELETE CASCADE,
                   q int REFERENCES cr.d2 ON DELETE CASCADE,
                   up int REFERENCES cr.d3 ON DELETE CASCADE ON UPDATE CASCADE);
CREATE TABLE cr.d4(id int PRIMARY KEY, p int REFERENCES cr.d3 ON DELETE NO ACTION DEFERRABLE INITIALLY DEFERRED);
INSERT INTO cr.d0 SELECT g FROM generate_series(1, 4) g;
INSERT INTO cr.d1 SELECT g, 1 + g % 4 FROM generate_series(1, 3000) g;
INSERT INTO cr.d2 SELECT g, 1 + g % 4, 1 + (g * 7) % 3000 FROM generate_series(1, 3000) g;
INSERT INTO cr.d3 SELECT g, 1 + (g * 11) % 3000, 1 + (g * 13) % 3000, nullif(g / 2, 0) FROM generate_series(1, 4000) g;
INSERT INTO cr.d4 SELECT g, 1 + (g * 17) % 4000 FROM generate_series(1, 50) g;
SELECT cr.index_keys() AS indexes;
ANALYZE cr.d0, cr.d1, cr.d2, cr.d3, cr.d4;
INSERT INTO cr_results
  SELECT 200, 'diamond, work_mem 64kB', t, jsonb_build_object('id', k), v, cascade_oracle.oracle(('cr.' || t)::regclass, jsonb_build_object('id', k), v, compare_paths => true)
    FROM (VALUES ('d0', 1, NULL::jsonb), ('d0', 2, '{"id": 9}'), ('d1', 5, NULL), ('d3', 1, NULL), ('d3', 1, '{"id": 0}')) x(t, k, v);
DELETE FROM cr.d4;
INSERT INTO cr_results
  SELECT 201, 'diamond, work_mem 64kB', 'd0', jsonb_build_object('id', 3), NULL, cascade_oracle.oracle('cr.d0', jsonb_build_object('id', 3), compare_paths => true);
-- the counts, to see that the cascade is large
SELECT action, table_name, sum(row_count) FROM fk_cascade_preview('cr.d0', 3) GROUP BY 1, 2 ORDER BY 1, 2;
RESET work_mem;
DROP TABLE cr.d4, cr.d3, cr.d2, cr.d1, cr.d0;

-- every comparison, failing and succeeding statements both well represented
SELECT count(*) AS checks,
       count(*) FILTER (WHERE result = 'ok: fails') AS statement_fails,
       count(*) FILTER (WHERE result = 'ok') AS statement_succeeds,
       count(*) FILTER (WHERE result LIKE 'MISMATCH%') AS mismatches
  FROM cr_results;
-- the details of any mismatch, for debugging
SELECT graph, graph_descr, target, key, new_values, result
  FROM cr_results WHERE result LIKE 'MISMATCH%' ORDER BY graph, target, key::text, new_values::text;

SET client_min_messages = warning;
DROP TABLE cr_results;
DROP SCHEMA cr CASCADE;
DROP SCHEMA cascade_oracle CASCADE;
RESET client_min_messages;
