-- Differential test on random graphs whose new rows the server must look
-- at (test/cascade_graphs.sql, cr.build_images): generated keys, rows that
-- move between partitions or fit none, partition keys that are
-- referencing columns, SET DEFAULT values that are keys, CHECK
-- constraints on generated columns.  fk_cascade_preview and
-- fk_update_preview against the real DELETE / UPDATE, fixed seed.
CREATE SCHEMA cr;
SET search_path = cr, public;
SET client_min_messages = warning;

\set ECHO none
\i test/cascade_oracle.sql
\i test/cascade_graphs.sql
\set ECHO all

CREATE TABLE cr_results(graph int, graph_descr text, target text, key jsonb, new_values jsonb, result text);

DO $$
DECLARE
  descr text;
  res text;
  n int;
  v jsonb;
BEGIN
  PERFORM setseed(0.2323);
  FOR g IN 1 .. 10 LOOP
    n := 4 + g % 3;
    descr := cr.build_images(n, 5 + g % 4);
    FOR t IN 0 .. n - 1 LOOP
      CONTINUE WHEN NOT EXISTS (SELECT FROM pg_class c JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
                                 WHERE c.oid = format('cr.t%s', t)::regclass);
      FOR k IN 1 .. 8 LOOP
        res := cascade_oracle.oracle(format('cr.t%s', t)::regclass, jsonb_build_object('id', k), compare_paths => true);
        INSERT INTO cr_results VALUES (g, descr, 't' || t, jsonb_build_object('id', k), NULL, res);
        FOREACH v IN ARRAY ARRAY[jsonb_build_object('id', 100 + k), jsonb_build_object('id', 500 + k),
                                 jsonb_build_object('id', 9 - k)] LOOP
          CONTINUE WHEN k % 2 = 1 AND v->>'id' <> (100 + k)::text;
          res := cascade_oracle.oracle(format('cr.t%s', t)::regclass, jsonb_build_object('id', k), v,
                                       compare_paths => true);
          INSERT INTO cr_results VALUES (g, descr, 't' || t, jsonb_build_object('id', k), v, res);
        END LOOP;
      END LOOP;
    END LOOP;
    FOR t IN 0 .. n - 1 LOOP
      EXECUTE format('DROP TABLE cr.t%s CASCADE', t);
    END LOOP;
    COMMIT;
  END LOOP;
END $$;

-- every comparison; failing and succeeding statements both well
-- represented, and the kinds of tables the graphs had
SELECT count(*) AS checks,
       count(*) FILTER (WHERE result = 'ok: fails') AS statement_fails,
       count(*) FILTER (WHERE result = 'ok') AS statement_succeeds,
       count(*) FILTER (WHERE result LIKE 'MISMATCH%') AS mismatches
  FROM cr_results;
SELECT count(DISTINCT graph) FILTER (WHERE graph_descr LIKE '%part_id%') AS graphs_partitioned_by_id,
       count(DISTINCT graph) FILTER (WHERE graph_descr LIKE '%part_fk%') AS graphs_partitioned_by_a_key,
       count(DISTINCT graph) FILTER (WHERE graph_descr LIKE '%, g)%') AS graphs_referencing_generated_keys,
       count(DISTINCT graph) FILTER (WHERE graph_descr LIKE '%SET DEFAULT%') AS graphs_with_set_default
  FROM cr_results;
-- the details of any mismatch, for debugging
SELECT graph, graph_descr, target, key, new_values, result
  FROM cr_results WHERE result LIKE 'MISMATCH%' ORDER BY graph, target, key::text, new_values::text;

SET client_min_messages = warning;
DROP TABLE cr_results;
DROP SCHEMA cr CASCADE;
DROP SCHEMA cascade_oracle CASCADE;
RESET client_min_messages;
