-- What-if previews against the server: fk_cascade_preview(target, key,
-- actions) and fk_update_preview(..., actions) answer what the statement
-- would do if a key had another action; cascade_oracle.whatif redefines the
-- key for real in a subtransaction, runs the statement, counts per table
-- and rolls back, and requires the what-if answer to be the same, row for
-- row.  Hand-made graphs (self references, cycles, tables without a
-- primary key, composite keys), then random ones with a fixed seed.
CREATE SCHEMA cr;
SET search_path = cr, public;
SET client_min_messages = warning;
\set ECHO none
\i test/cascade_oracle.sql
\i test/cascade_graphs.sql
\set ECHO all
RESET client_min_messages;

CREATE TABLE cr.emp (id int PRIMARY KEY, mgr int REFERENCES cr.emp ON DELETE RESTRICT);
INSERT INTO cr.emp VALUES (1, NULL), (2, 1), (3, 2), (4, 2), (5, 1);
CREATE TABLE cr.timesheet (emp int REFERENCES cr.emp, hours int);    -- no primary key
INSERT INTO cr.timesheet VALUES (3, 8), (3, 8), (5, 4);
CREATE TABLE cr.a (id int PRIMARY KEY, b_id int);
CREATE TABLE cr.b (id int PRIMARY KEY, a_id int REFERENCES cr.a);
ALTER TABLE cr.a ADD FOREIGN KEY (b_id) REFERENCES cr.b ON DELETE SET NULL;
INSERT INTO cr.a VALUES (1, NULL), (2, NULL);
INSERT INTO cr.b VALUES (1, 1), (2, 2);
UPDATE cr.a SET b_id = 2 WHERE id = 1;
CREATE TABLE cr.pair (x int, y int, PRIMARY KEY (x, y));
CREATE TABLE cr.pair_ref (x int, y int, FOREIGN KEY (x, y) REFERENCES cr.pair ON UPDATE RESTRICT);
INSERT INTO cr.pair VALUES (1, 1), (1, 2);
INSERT INTO cr.pair_ref VALUES (1, 1), (1, 1), (1, 2);

SELECT c.conname, a.action, t.target, t.key, t.new_values,
       cascade_oracle.whatif(t.target::regclass, t.key::jsonb, c.oid, a.action, t.new_values::jsonb)
  FROM (VALUES ('cr.emp', '{"id": 1}', NULL), ('cr.emp', '{"id": 2}', NULL), ('cr.a', '{"id": 1}', NULL),
               ('cr.b', '{"id": 2}', NULL), ('cr.pair', '{"x": 1, "y": 1}', '{"y": 7}'),
               ('cr.emp', '{"id": 2}', '{"id": 20}')) t(target, key, new_values)
  CROSS JOIN (VALUES ('CASCADE'), ('SET NULL'), ('RESTRICT'), ('NO ACTION')) a(action)
  JOIN pg_constraint c ON c.connamespace = 'cr'::regnamespace AND c.contype = 'f'
 ORDER BY 1, 2, t.target, t.key, t.new_values;

-- the object form and its errors
SELECT action, row_count FROM fk_cascade_preview('cr.emp', 1, '{"emp_mgr_fkey": "cascade", "timesheet_emp_fkey": "set null"}') ORDER BY 1, 2;
SELECT count(*) FROM fk_cascade_preview('cr.emp', 1, NULL);
SELECT * FROM fk_cascade_preview('cr.emp', 1, '{"nope": "cascade"}');
SELECT * FROM fk_cascade_preview('cr.emp', 1, '{"emp_mgr_fkey": "explode"}');
SELECT * FROM fk_cascade_preview('cr.emp', 1, '"cascade"');
SELECT * FROM fk_cascade_preview('cr.emp', 1, '[{"table": "cr.timesheet", "constraint": "emp_mgr_fkey", "on_delete": "cascade"}]');

-- random graphs: every constraint taken as each action, for a key of each
-- table, deletes and updates
CREATE TABLE cw_results(graph int, graph_descr text, target text, key jsonb, conname name,
                        action text, new_values jsonb, result text);
SET client_min_messages = warning;
DO $$
DECLARE
  descr text;
  c record;
BEGIN
  PERFORM setseed(0.2323);
  FOR g IN 1 .. 3 LOOP
    descr := cr.build(4 + g % 2, 4 + g % 3);
    FOR c IN SELECT oid, conname FROM pg_constraint WHERE connamespace = 'cr'::regnamespace
                AND contype = 'f' ORDER BY conname LOOP
      FOR t IN 0 .. 3 + g % 2 LOOP
        FOR k IN 1 .. 1 LOOP
          INSERT INTO cw_results
            SELECT g, descr, 't' || t, jsonb_build_object('id', k * 3), c.conname, a,
                   NULL, cascade_oracle.whatif(format('cr.t%s', t)::regclass, jsonb_build_object('id', k * 3), c.oid, a)
              FROM unnest(ARRAY['CASCADE', 'SET NULL', 'SET DEFAULT', 'RESTRICT', 'NO ACTION']) a;
        END LOOP;
        INSERT INTO cw_results
          SELECT g, descr, 't' || t, '{"id": 2}', c.conname, a, '{"id": 102}',
                 cascade_oracle.whatif(format('cr.t%s', t)::regclass, '{"id": 2}', c.oid, a, '{"id": 102}')
            FROM unnest(ARRAY['CASCADE', 'SET NULL', 'NO ACTION']) a;
      END LOOP;
    END LOOP;
    FOR t IN 0 .. 3 + g % 2 LOOP
      EXECUTE format('DROP TABLE cr.t%s CASCADE', t);
    END LOOP;
  END LOOP;
END $$;
RESET client_min_messages;
SELECT count(*) AS checks,
       count(*) FILTER (WHERE result = 'ok: fails') AS statement_fails,
       count(*) FILTER (WHERE result = 'ok') AS statement_succeeds,
       count(*) FILTER (WHERE result LIKE 'cannot redefine%') AS not_redefinable,
       count(*) FILTER (WHERE result LIKE 'MISMATCH%') AS mismatches
  FROM cw_results;
SELECT graph, graph_descr, target, key, conname, action, new_values, result
  FROM cw_results WHERE result LIKE 'MISMATCH%' ORDER BY 1, 3, 4::text, 5, 6 LIMIT 20;

SET client_min_messages = warning;
DROP TABLE cw_results;
DROP SCHEMA cr CASCADE;
DROP SCHEMA cascade_oracle CASCADE;
RESET client_min_messages;
