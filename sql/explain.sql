-- fk_explain: real foreign key errors, produced here, fed back as psql
-- would print them; the first suggested data fix is run and the failing
-- statement then succeeds.
CREATE SCHEMA fke;
SET search_path = fke, public;

-- Run a statement and return its error as psql prints it (ERROR: and
-- DETAIL: lines; with verbose, the SQLSTATE and the field lines too).
CREATE FUNCTION fke.err(stmt text, is_verbose boolean DEFAULT false) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE m text; d text; st text; sch text; tab text; con text;
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN others THEN
  GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL,
    st = RETURNED_SQLSTATE, sch = SCHEMA_NAME, tab = TABLE_NAME,
    con = CONSTRAINT_NAME;
  IF is_verbose THEN
    RETURN 'ERROR:  ' || st || ': ' || m || E'\nDETAIL:  ' || d
      || E'\nSCHEMA NAME:  ' || sch || E'\nTABLE NAME:  ' || tab
      || E'\nCONSTRAINT NAME:  ' || con
      || E'\nLOCATION:  ri_ReportViolation, ri_triggers.c:2650';
  END IF;
  RETURN 'ERROR:  ' || m || coalesce(E'\nDETAIL:  ' || nullif(d, ''), '');
END $$;

-- Run the first suggested data fix (INSERT, UPDATE, DELETE, WITH ...
-- DELETE, or DELETEs children first between BEGIN and COMMIT: never
-- ALTER or DROP) step by step, as fk_explain_steps gives them, and return
-- it (this function runs in a transaction already: BEGIN and COMMIT are
-- left out).
CREATE FUNCTION fke.fix(errtext text, stmt text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE s text; n int; q text;
BEGIN
  SELECT e.sql, e.step INTO s, n FROM fk_explain(errtext, stmt) e
   WHERE e.sql ~ '^(BEGIN;\n)?(INSERT|UPDATE|DELETE|WITH) ' ORDER BY e.step LIMIT 1;
  IF s IS NULL THEN RETURN 'no data fix'; END IF;
  FOR q IN SELECT x.sql FROM fk_explain_steps(errtext, stmt) x
            WHERE x.step = n AND x.sql NOT IN ('BEGIN', 'COMMIT') ORDER BY x.fix_step LOOP
    EXECUTE q;
  END LOOP;
  RETURN s;
END $$;

-- The failing statement again: 'ok' or its error.
CREATE FUNCTION fke.retry(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN others THEN
  RETURN SQLERRM;
END $$;

CREATE TABLE fke.cases (name text PRIMARY KEY, stmt text, err text);

------------------------------------------------------------------------
-- Insert side, composite key with odd names, values with ", " and ( ).
------------------------------------------------------------------------
CREATE SCHEMA "fke s;1";
CREATE TABLE "fke s;1"."pa""r, t" ("i d" int, "x,y" text, PRIMARY KEY ("i d", "x,y"));
CREATE TABLE "fke s;1"."ch ild" (id int, "p""id" int, "x,y" text,
  CONSTRAINT "c""on, st;" FOREIGN KEY ("p""id", "x,y") REFERENCES "fke s;1"."pa""r, t");
INSERT INTO fke.cases VALUES ('odd insert',
  $$INSERT INTO "fke s;1"."ch ild" VALUES (1, 5, 'a, b)(c')$$);
UPDATE fke.cases SET err = fke.err(stmt) WHERE name = 'odd insert';
SELECT err FROM fke.cases WHERE name = 'odd insert';
SELECT * FROM fk_explain((SELECT err FROM fke.cases WHERE name = 'odd insert'), (SELECT stmt FROM fke.cases WHERE name = 'odd insert')) ORDER BY step;
-- with a psql:file:line: prefix and the SQLSTATE, as psql -f prints it
SELECT * FROM fk_explain('psql:/tmp/load.sql:12: ERROR:  23503: '
  || substr((SELECT err FROM fke.cases WHERE name = 'odd insert'), 9)) ORDER BY step;
SELECT left(fke.fix(err, stmt), 60) AS fix, fke.retry(stmt) FROM fke.cases WHERE name = 'odd insert';
-- and the delete side of the same key, verbose form
INSERT INTO fke.cases VALUES ('odd delete', $$DELETE FROM "fke s;1"."pa""r, t"$$);
UPDATE fke.cases SET err = fke.err(stmt, true) WHERE name = 'odd delete';
SELECT err FROM fke.cases WHERE name = 'odd delete';
SELECT step, finding, suggestion FROM fk_explain((SELECT err FROM fke.cases WHERE name = 'odd delete'), (SELECT stmt FROM fke.cases WHERE name = 'odd delete')) ORDER BY step;
SELECT left(fke.fix(err, stmt), 60) AS fix, fke.retry(stmt) FROM fke.cases WHERE name = 'odd delete';

------------------------------------------------------------------------
-- Delete side, through two levels and several foreign keys.
------------------------------------------------------------------------
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers);
CREATE TABLE order_lines (order_id int REFERENCES orders ON DELETE RESTRICT, n int);
CREATE TABLE invoices (id int, customer_id int REFERENCES customers ON DELETE CASCADE);
CREATE TABLE notes (customer_id int REFERENCES customers ON DELETE SET NULL);
INSERT INTO customers VALUES (1, 'a'), (2, 'b');
INSERT INTO orders VALUES (10, 1), (11, 1), (20, 2);
INSERT INTO order_lines VALUES (10, 1), (10, 2), (11, 1), (20, 1);
INSERT INTO invoices VALUES (1, 1), (2, 2);
INSERT INTO notes VALUES (1), (2);
INSERT INTO fke.cases VALUES ('delete', 'DELETE FROM fke.customers WHERE id = 1');
UPDATE fke.cases SET err = fke.err(stmt) WHERE name = 'delete';
SELECT err FROM fke.cases WHERE name = 'delete';
SELECT * FROM fk_explain((SELECT err FROM fke.cases WHERE name = 'delete'), (SELECT stmt FROM fke.cases WHERE name = 'delete')) ORDER BY step;
SELECT left(fke.fix(err, stmt), 60) AS fix, fke.retry(stmt) FROM fke.cases WHERE name = 'delete';
-- customer 2 and everything of it are untouched
SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM orders) AS orders,
       (SELECT count(*) FROM order_lines) AS lines, (SELECT count(*) FROM invoices) AS invoices,
       (SELECT count(*) FROM notes WHERE customer_id IS NULL) AS detached_notes;

------------------------------------------------------------------------
-- Delete side through a self reference and a cycle: the preview of the
-- DELETE, the suggested ON DELETE CASCADE checked against the server
-- (in a subtransaction that is rolled back), then the children-first
-- fix and the failing DELETE.
------------------------------------------------------------------------
-- Run the suggested ALTER that sets ON DELETE <action>, then stmt, and
-- report per table what the server deleted and updated; rolled back.
-- A change fk_explain does not offer (it says the DELETE would still be
-- blocked) is written here from the constraint's definition, to see that
-- the server agrees.
CREATE FUNCTION fke.after_alter(errtext text, action text, stmt text, tabs regclass[],
                                con text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE s text; r text := ''; t regclass; d0 bigint[] := '{}'; u0 bigint[] := '{}'; i int := 0;
  offered text := ''; n int;
BEGIN
  SELECT e.step INTO n FROM fk_explain(errtext, stmt) e
   WHERE e.sql LIKE '%ALTER TABLE %ON DELETE ' || action || '%' ORDER BY e.step LIMIT 1;
  IF n IS NOT NULL THEN
    -- its steps, in order, here in one (rolled back) transaction
    SELECT string_agg(x.sql, E';\n' ORDER BY x.fix_step) INTO s
      FROM fk_explain_steps(errtext, stmt) x WHERE x.step = n;
  ELSE
    offered := 'not offered; ';
    SELECT format('ALTER TABLE %s DROP CONSTRAINT %I, ADD CONSTRAINT %I %s ON DELETE %s',
                  c.conrelid::regclass, c.conname, c.conname,
                  regexp_replace(pg_get_constraintdef(c.oid), ' ON DELETE (RESTRICT|CASCADE|SET NULL|SET DEFAULT)', ''),
                  action)
      INTO s FROM pg_constraint c WHERE c.conname = con AND c.connamespace = 'fke'::regnamespace;
  END IF;
  BEGIN
    EXECUTE s;
    FOREACH t IN ARRAY tabs LOOP
      d0 := d0 || pg_stat_get_xact_tuples_deleted(t);
      u0 := u0 || pg_stat_get_xact_tuples_updated(t);
    END LOOP;
    EXECUTE stmt;
    FOREACH t IN ARRAY tabs LOOP
      i := i + 1;
      r := r || t::text || ': ' || (pg_stat_get_xact_tuples_deleted(t) - d0[i]) || ' deleted, '
        || (pg_stat_get_xact_tuples_updated(t) - u0[i]) || ' updated; ';
    END LOOP;
    RAISE EXCEPTION USING MESSAGE = offered || 'ok: ' || r;
  EXCEPTION WHEN raise_exception THEN RETURN SQLERRM;
            WHEN others THEN RETURN offered || 'fails: ' || SQLERRM;
  END;
END $$;

-- a management tree four levels deep, with timesheets and a trigger
CREATE TABLE emp (id int PRIMARY KEY, mgr int REFERENCES emp ON DELETE RESTRICT);
CREATE TABLE timesheet (id int PRIMARY KEY, emp_id int NOT NULL REFERENCES emp);
CREATE FUNCTION fke.noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$;
CREATE TRIGGER timesheet_audit BEFORE DELETE ON timesheet FOR EACH ROW EXECUTE FUNCTION fke.noop();
INSERT INTO emp VALUES (1, NULL), (2, 1), (3, 1), (4, 2), (5, 4), (6, 5), (7, 5), (8, NULL), (9, 8);
INSERT INTO timesheet VALUES (1, 2), (2, 5), (3, 6), (4, 3), (5, 9);
INSERT INTO fke.cases VALUES ('tree', 'DELETE FROM fke.emp WHERE id = 2');
UPDATE fke.cases SET err = fke.err(stmt) WHERE name = 'tree';
SELECT err FROM fke.cases WHERE name = 'tree';
SELECT step, finding, suggestion FROM fk_explain((SELECT err FROM fke.cases WHERE name = 'tree'), (SELECT stmt FROM fke.cases WHERE name = 'tree')) ORDER BY step;
-- the server with ON DELETE CASCADE on emp_mgr_fkey: the tree under 2 is
-- 5 rows (2, 4, 5, 6, 7), and timesheets still block, as predicted
SELECT fke.after_alter(err, 'CASCADE', stmt, '{fke.emp, fke.timesheet}', 'emp_mgr_fkey') FROM fke.cases WHERE name = 'tree';
-- and once the timesheets go too (the prediction says nothing else blocks)
BEGIN;
DELETE FROM timesheet WHERE emp_id IN (2, 5, 6);
SELECT fke.after_alter(err, 'CASCADE', stmt, '{fke.emp, fke.timesheet}', 'emp_mgr_fkey') FROM fke.cases WHERE name = 'tree';
ROLLBACK;
SELECT left(fke.fix(err, stmt), 60) AS fix, fke.retry(stmt) FROM fke.cases WHERE name = 'tree';
-- exactly the subtree under 2 and its timesheets are gone
SELECT id, mgr FROM emp ORDER BY id;
SELECT id, emp_id FROM timesheet ORDER BY id;

-- a two-table cycle of NO ACTION keys, one of them referencing a third
CREATE TABLE ca (id int PRIMARY KEY, cb_id int);
CREATE TABLE cb (id int PRIMARY KEY, ca_id int REFERENCES ca);
ALTER TABLE ca ADD CONSTRAINT ca_cb FOREIGN KEY (cb_id) REFERENCES cb;
CREATE TABLE cc (cb_id int REFERENCES cb ON DELETE RESTRICT);
INSERT INTO ca VALUES (1, NULL), (2, NULL);
INSERT INTO cb VALUES (1, 1), (2, 2), (3, 1);
UPDATE ca SET cb_id = 3 WHERE id = 1;
UPDATE ca SET cb_id = 2 WHERE id = 2;
INSERT INTO cc VALUES (3), (2);
INSERT INTO fke.cases VALUES ('cycle', 'DELETE FROM fke.ca WHERE id = 1');
UPDATE fke.cases SET err = fke.err(stmt) WHERE name = 'cycle';
SELECT err FROM fke.cases WHERE name = 'cycle';
SELECT step, finding, suggestion FROM fk_explain((SELECT err FROM fke.cases WHERE name = 'cycle'), (SELECT stmt FROM fke.cases WHERE name = 'cycle')) ORDER BY step;
SELECT fke.after_alter(err, 'CASCADE', stmt, '{fke.ca, fke.cb, fke.cc}', 'cb_ca_id_fkey') FROM fke.cases WHERE name = 'cycle';
SELECT fke.after_alter(err, 'SET NULL', stmt, '{fke.ca, fke.cb, fke.cc}', 'cb_ca_id_fkey') FROM fke.cases WHERE name = 'cycle';
BEGIN;
DELETE FROM cc WHERE cb_id = 3;
SELECT fke.after_alter(err, 'CASCADE', stmt, '{fke.ca, fke.cb, fke.cc}', 'cb_ca_id_fkey') FROM fke.cases WHERE name = 'cycle';
ROLLBACK;
SELECT left(fke.fix(err, stmt), 60) AS fix, fke.retry(stmt) FROM fke.cases WHERE name = 'cycle';
SELECT id, cb_id FROM ca ORDER BY id;
SELECT id, ca_id FROM cb ORDER BY id;
SELECT cb_id FROM cc ORDER BY cb_id;


-- The guide's example, insert side: the parent has a NOT NULL column the
-- INSERT must fill in; the error came from a COPY (a bulk load).
-- (The error is raised by an INSERT, with the CONTEXT line a COPY adds.)
CREATE TABLE orders2 (id int, customer_id int NOT NULL REFERENCES customers);
INSERT INTO fke.cases VALUES ('copy', 'INSERT INTO fke.orders2 VALUES (30, 7)');
UPDATE fke.cases SET err = fke.err(stmt, true) WHERE name = 'copy';
SELECT * FROM fk_explain((SELECT err FROM fke.cases WHERE name = 'copy')
  || E'\nCONTEXT:  COPY orders2, line 1: "30,7"') ORDER BY step;
-- the INSERT runs once the placeholder is filled in
DO $$ BEGIN EXECUTE (SELECT replace(sql, 'NULL::pg_catalog.text /* fill in */', '''new customer''')
  FROM fk_explain((SELECT err FROM fke.cases WHERE name = 'copy'), (SELECT stmt FROM fke.cases WHERE name = 'copy')) WHERE sql LIKE 'INSERT%'); END $$;
SELECT fke.retry(stmt) FROM fke.cases WHERE name = 'copy';

------------------------------------------------------------------------
-- The same names in two schemas.
------------------------------------------------------------------------
CREATE SCHEMA fke_a;
CREATE SCHEMA fke_b;
CREATE TABLE fke_a.parent (id int PRIMARY KEY);
CREATE TABLE fke_b.parent (id int PRIMARY KEY);
CREATE TABLE fke_a.child (pid int CONSTRAINT child_pid_fkey REFERENCES fke_a.parent);
CREATE TABLE fke_b.child (pid int CONSTRAINT child_pid_fkey REFERENCES fke_b.parent);
INSERT INTO fke_b.parent VALUES (3);
-- 3 exists only in fke_b.parent: the error can only come from fke_a.child
INSERT INTO fke.cases VALUES ('two schemas', 'INSERT INTO fke_a.child VALUES (3)');
UPDATE fke.cases SET err = fke.err(stmt) WHERE name = 'two schemas';
SELECT * FROM fk_explain((SELECT err FROM fke.cases WHERE name = 'two schemas'), (SELECT stmt FROM fke.cases WHERE name = 'two schemas')) ORDER BY step;
SELECT left(fke.fix(err, stmt), 60) AS fix, fke.retry(stmt) FROM fke.cases WHERE name = 'two schemas';
-- 4 is missing in both: both candidates are named and explained ...
SELECT step, finding, suggestion FROM fk_explain(fke.err('INSERT INTO fke_b.child VALUES (4)'))
 WHERE step <= 2 ORDER BY step;
-- ... unless the verbose text names the schema
SELECT * FROM fk_explain(fke.err('INSERT INTO fke_b.child VALUES (4)', true)) ORDER BY step;

------------------------------------------------------------------------
-- Values that only the data could tell apart: two text columns.
------------------------------------------------------------------------
CREATE TABLE tp (a text, b text, PRIMARY KEY (a, b));
CREATE TABLE tc (a text, b text, FOREIGN KEY (a, b) REFERENCES tp);
SELECT err FROM (SELECT fke.err($$INSERT INTO tc VALUES ('x, y', 'z')$$) AS err) e;
SELECT step, finding FROM fk_explain(fke.err($$INSERT INTO tc VALUES ('x, y', 'z')$$))
 WHERE finding LIKE 'The key%' ORDER BY step;
-- on the delete side the existing row decides
INSERT INTO tp VALUES ('x, y', 'z');
INSERT INTO tc VALUES ('x, y', 'z');
INSERT INTO fke.cases VALUES ('text delete', 'DELETE FROM fke.tp');
UPDATE fke.cases SET err = fke.err(stmt) WHERE name = 'text delete';
SELECT step, finding FROM fk_explain((SELECT err FROM fke.cases WHERE name = 'text delete'), (SELECT stmt FROM fke.cases WHERE name = 'text delete'))
 WHERE finding LIKE 'Key%' ORDER BY step;
SELECT left(fke.fix(err, stmt), 60) AS fix, fke.retry(stmt) FROM fke.cases WHERE name = 'text delete';

------------------------------------------------------------------------
-- MATCH FULL: no data fix; the statement or the constraint must change.
------------------------------------------------------------------------
CREATE TABLE mp (a int, b int, PRIMARY KEY (a, b));
CREATE TABLE mc (a int, b int, CONSTRAINT mc_full FOREIGN KEY (a, b) REFERENCES mp MATCH FULL ON DELETE CASCADE DEFERRABLE);
INSERT INTO fke.cases VALUES ('match full', 'INSERT INTO fke.mc VALUES (1, NULL)');
UPDATE fke.cases SET err = fke.err(stmt) WHERE name = 'match full';
SELECT err FROM fke.cases WHERE name = 'match full';
SELECT * FROM fk_explain((SELECT err FROM fke.cases WHERE name = 'match full'), (SELECT stmt FROM fke.cases WHERE name = 'match full')) ORDER BY step;
SELECT fke.fix(err, stmt) FROM fke.cases WHERE name = 'match full';
-- the suggested ALTER keeps everything but the match type
DO $$ BEGIN EXECUTE (SELECT sql FROM fk_explain((SELECT err FROM fke.cases WHERE name = 'match full'), (SELECT stmt FROM fke.cases WHERE name = 'match full'))
  WHERE sql LIKE '%ALTER TABLE%'); END $$;
SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'mc_full';
SELECT fke.retry(stmt) FROM fke.cases WHERE name = 'match full';

------------------------------------------------------------------------
-- Key updates: "update or delete" told apart by the statement (given, or
-- a log's STATEMENT line), else by the constraint's actions; the fix
-- points the referencing rows at the new key in the same statement, and
-- afterwards the failing statement succeeds and the old references point
-- at the new key.
------------------------------------------------------------------------
CREATE TABLE kp (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE kc (id int PRIMARY KEY, kp_id int REFERENCES kp);
CREATE TABLE kc_cascade (kp_id int REFERENCES kp ON UPDATE CASCADE);
INSERT INTO kp VALUES (1, 'one'), (2, 'two'), (3, 'three');
INSERT INTO kc VALUES (1, 1), (2, 1), (3, 2);
INSERT INTO kc_cascade VALUES (1), (3);
INSERT INTO fke.cases VALUES ('key update', 'UPDATE fke.kp SET id = 5, name = ''five'' WHERE id = 1;');
UPDATE fke.cases SET err = fke.err(stmt) WHERE name = 'key update';
SELECT err FROM fke.cases WHERE name = 'key update';
SELECT * FROM fk_explain((SELECT err FROM fke.cases WHERE name = 'key update'), (SELECT stmt FROM fke.cases WHERE name = 'key update')) ORDER BY step;
-- the suggested ON UPDATE CASCADE, run by the server (rolled back): the
-- UPDATE then carries the key over, as predicted
BEGIN;
DO $$ BEGIN EXECUTE (SELECT sql FROM fk_explain((SELECT err FROM fke.cases WHERE name = 'key update'),
                                                (SELECT stmt FROM fke.cases WHERE name = 'key update'))
                      WHERE sql LIKE '%ALTER TABLE%ON UPDATE CASCADE%'); END $$;
SELECT fke.retry(stmt) FROM fke.cases WHERE name = 'key update';
SELECT id, kp_id FROM kc ORDER BY id;
ROLLBACK;
-- the first data fix, then the failing statement again
SELECT fke.fix(err, stmt) AS fix, fke.retry(stmt) FROM fke.cases WHERE name = 'key update';
SELECT id, kp_id FROM kc ORDER BY id;
SELECT kp_id FROM kc_cascade ORDER BY 1;
SELECT id, name FROM kp ORDER BY id;
-- without the statement the error cannot tell: both are explained
SELECT step, finding, suggestion FROM fk_explain(fke.err('UPDATE fke.kp SET id = 6 WHERE id = 2'))
 WHERE finding IS NOT NULL AND (finding LIKE 'The message%' OR finding LIKE 'If it was%') ORDER BY step;
-- a constraint ON DELETE CASCADE can only fail this way on a key update
CREATE TABLE kd (kp_id int REFERENCES kp ON DELETE CASCADE);
INSERT INTO kd VALUES (3);
SELECT step, finding FROM fk_explain(fke.err('UPDATE fke.kp SET id = 7 WHERE id = 3'))
 WHERE finding LIKE 'The failing%' ORDER BY step;
DROP TABLE kd;
-- a key set by an expression: no statement to run, the advice still
SELECT step, finding, suggestion, sql IS NOT NULL AS has_sql
  FROM fk_explain(fke.err('UPDATE fke.kp SET id = id + 10 WHERE id = 2'), 'UPDATE fke.kp SET id = id + 10 WHERE id = 2')
 WHERE step > 1 ORDER BY step;

-- a composite DEFERRABLE key, partly updated; two constraints block it
CREATE TABLE cp (a int, b int, PRIMARY KEY (a, b));
CREATE TABLE cc1 (a int, b int, CONSTRAINT cc1_fk FOREIGN KEY (a, b) REFERENCES cp DEFERRABLE);
CREATE TABLE cc2 (x int, y int, CONSTRAINT cc2_fk FOREIGN KEY (x, y) REFERENCES cp ON UPDATE RESTRICT);
INSERT INTO cp VALUES (1, 1), (1, 2);
INSERT INTO cc1 VALUES (1, 1), (1, 2);
INSERT INTO cc2 VALUES (1, 1);
INSERT INTO fke.cases VALUES ('composite update', 'UPDATE fke.cp SET b = 9 WHERE a = 1 AND b = 1');
UPDATE fke.cases SET err = fke.err(stmt) WHERE name = 'composite update';
SELECT err FROM fke.cases WHERE name = 'composite update';
SELECT step, finding, suggestion, sql FROM fk_explain((SELECT err FROM fke.cases WHERE name = 'composite update'), (SELECT stmt FROM fke.cases WHERE name = 'composite update')) ORDER BY step;
SELECT fke.fix(err, stmt) IS NOT NULL AS fixed, fke.retry(stmt) FROM fke.cases WHERE name = 'composite update';
SELECT a, b FROM cc1 ORDER BY 1, 2;
SELECT x, y FROM cc2 ORDER BY 1, 2;

-- the error as clients, frameworks and server logs print it: the key and
-- the kind of statement are read the same way from each
CREATE TABLE fke.forms (form text, txt text);
INSERT INTO kc VALUES (9, 2);
INSERT INTO fke.cases VALUES ('form', 'UPDATE fke.kp SET id = 8 WHERE id = 2');
UPDATE fke.cases SET err = fke.err(stmt) WHERE name = 'form';
INSERT INTO fke.forms
SELECT f, t FROM fke.cases c,
  LATERAL (SELECT substr(split_part(c.err, E'\n', 1), 9) AS msg, substr(split_part(c.err, E'\n', 2), 10) AS det) m,
  LATERAL (VALUES
    ('psql', c.err),
    ('JDBC', 'org.postgresql.util.PSQLException: ERROR: ' || m.msg || E'\n  Detail: ' || m.det || E'\n\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2676)'),
    ('psycopg', 'psycopg2.errors.ForeignKeyViolation: ' || m.msg || E'\nDETAIL:  ' || m.det || E'\n'),
    ('Rails', 'ActiveRecord::InvalidForeignKey: PG::ForeignKeyViolation: ERROR:  ' || m.msg || E'\nDETAIL:  ' || m.det || E'\n: ' || c.stmt),
    ('Django', 'django.db.utils.IntegrityError: ' || m.msg || E'\nDETAIL:  ' || m.det),
    ('server log', '2026-12-01 10:00:00.123 UTC [4242] app@shop ERROR:  ' || m.msg
       || E'\n2026-12-01 10:00:00.123 UTC [4242] app@shop DETAIL:  ' || m.det
       || E'\n2026-12-01 10:00:00.123 UTC [4242] app@shop STATEMENT:  ' || c.stmt
       || E'\n2026-12-01 10:00:01.000 UTC [4243] app@shop LOG:  duration: 0.1 ms'),
    ('server log, other prefix', 'Dec  1 10:00:00 db1 postgres[4242]: [7-1] user=app,db=shop,app=psql,client=10.0.0.7 ERROR:  ' || m.msg
       || E'\nDec  1 10:00:00 db1 postgres[4242]: [7-2] user=app,db=shop,app=psql,client=10.0.0.7 DETAIL:  ' || m.det
       || E'\nDec  1 10:00:00 db1 postgres[4242]: [7-3] user=app,db=shop,app=psql,client=10.0.0.7 STATEMENT:  ' || c.stmt),
    ('jsonlog', json_build_object('timestamp', '2026-12-01 10:00:00.123 UTC', 'user', 'app', 'dbname', 'shop',
                                  'error_severity', 'ERROR', 'state_code', '23503', 'message', m.msg,
                                  'detail', m.det, 'statement', c.stmt, 'backend_type', 'client backend')::text)
  ) v(f, t)
 WHERE c.name = 'form';
SELECT form,
       (SELECT count(*) FROM fk_explain(txt) e WHERE e.finding LIKE 'Key (id)=(2) of fke.kp is referenced directly by:%') AS key_read,
       (SELECT string_agg(e.finding, ' ') FROM fk_explain(txt) e
         WHERE e.finding LIKE 'The failing statement%' OR e.finding LIKE 'The message says%') AS kind
  FROM fke.forms ORDER BY form;
-- jsonlog escapes: names with quotes, commas and a line break
CREATE TABLE "kp ""q"", x" ("i""d" int PRIMARY KEY);
CREATE TABLE "kc
2" (r int CONSTRAINT "kc ""fk"" 2" REFERENCES "kp ""q"", x");
INSERT INTO "kp ""q"", x" VALUES (1);
INSERT INTO "kc
2" VALUES (1);
SELECT step, finding FROM fk_explain((
  SELECT json_build_object('message', substr(split_part(e, E'\nDETAIL:  ', 1), 9),
                           'detail', split_part(e, E'\nDETAIL:  ', 2),
                           'statement', 'DELETE FROM fke."kp ""q"", x"')::text
    FROM fke.err('DELETE FROM fke."kp ""q"", x"') e)) WHERE step <= 3 ORDER BY step;

------------------------------------------------------------------------
-- The message alone, unrecognised text, other languages.
------------------------------------------------------------------------
SELECT * FROM fk_explain('insert or update on table "orders" violates foreign key constraint "orders_customer_id_fkey"') ORDER BY step;
SELECT * FROM fk_explain('ERROR:  duplicate key value violates unique constraint "customers_pkey"');
SELECT * FROM fk_explain('FEHLER:  Einfügen oder Aktualisieren in Tabelle »orders« verletzt Fremdschlüssel-Constraint »orders_customer_id_fkey«');
SELECT * FROM fk_explain('insert or update on table "nosuch" violates foreign key constraint "nosuch_fkey"');
SELECT * FROM fk_explain('');
SELECT * FROM fk_explain(NULL::text);

------------------------------------------------------------------------
-- fk_explain(constraint, table)
------------------------------------------------------------------------
ALTER TABLE orders ADD CONSTRAINT orders_nv FOREIGN KEY (customer_id) REFERENCES customers NOT VALID;
ALTER TABLE orders DISABLE TRIGGER ALL;
INSERT INTO orders VALUES (40, 9);
ALTER TABLE orders ENABLE TRIGGER ALL;
SELECT * FROM fk_explain('orders_nv', 'orders') ORDER BY step;
SELECT * FROM fk_explain('mc_full', 'mc') ORDER BY step;
SELECT * FROM fk_explain('nosuch', 'orders');

DROP SCHEMA fke, "fke s;1", fke_a, fke_b CASCADE;
RESET search_path;
