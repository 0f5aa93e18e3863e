--
-- fk_explain's fixes, run as a DBA runs them: step by step, each on its
-- own (psql's autocommit, \gexec over fk_explain_steps).  The server is
-- the oracle: after the steps the constraint is what the suggestion said,
-- validated, under its own name, and the failing statement succeeds.
--
CREATE SCHEMA fxs;
SET search_path = fxs, public;

-- The error a statement raises, as psql prints it.
CREATE FUNCTION fxs.err(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE m text; d text;
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN others THEN
  GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL;
  RETURN 'ERROR:  ' || m || coalesce(E'\nDETAIL:  ' || nullif(d, ''), '');
END $$;
CREATE FUNCTION fxs.retry(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN others THEN
  RETURN SQLERRM;
END $$;
CREATE TABLE fxs.cases (name text PRIMARY KEY, stmt text, err text);
-- the steps of the first fk_explain row whose suggestion matches
CREATE FUNCTION fxs.steps(c text, suggestion_like text)
RETURNS TABLE(fix_step int, sql text, outside_transaction boolean, locks text)
LANGUAGE sql AS $$
  SELECT s.fix_step, s.sql, s.outside_transaction, s.locks
    FROM fxs.cases k, fk_explain_steps(k.err, k.stmt) s
   WHERE k.name = c
     AND s.step = (SELECT min(e.step) FROM fk_explain(k.err, k.stmt) e
                    WHERE e.suggestion LIKE suggestion_like AND e.sql IS NOT NULL)
   ORDER BY s.fix_step
$$;
CREATE FUNCTION fxs.def(t regclass) RETURNS TABLE(conname name, def text, validated boolean)
LANGUAGE sql AS $$
  SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint
   WHERE conrelid = t AND contype = 'f' AND conparentid = 0 ORDER BY 1
$$;

------------------------------------------------------------------------
-- ON DELETE CASCADE on a plain table, with odd names: ADD ... NOT VALID,
-- VALIDATE, DROP, RENAME, each on its own
------------------------------------------------------------------------
CREATE TABLE "Par ent" ("i d" int PRIMARY KEY);
CREATE TABLE "ch;ild" (id int, "p id" int CONSTRAINT "ch ""fk""" REFERENCES "Par ent");
INSERT INTO "Par ent" VALUES (1), (2);
INSERT INTO "ch;ild" VALUES (1, 1), (2, 1), (3, 2);
INSERT INTO fxs.cases VALUES ('cascade', 'DELETE FROM fxs."Par ent" WHERE "i d" = 1');
UPDATE fxs.cases SET err = fxs.err(stmt) WHERE name = 'cascade';
SELECT * FROM fxs.steps('cascade', 'Or make deleting%ON DELETE CASCADE%');
SELECT sql FROM fxs.steps('cascade', 'Or make deleting%ON DELETE CASCADE%') \gexec
SELECT * FROM fxs.def('"ch;ild"');
SELECT fxs.retry(stmt) FROM fxs.cases WHERE name = 'cascade';
SELECT * FROM "ch;ild" ORDER BY id;

------------------------------------------------------------------------
-- ON DELETE SET NULL on a NOT VALID key: it stays NOT VALID (no
-- VALIDATE step), the rows it never checked are kept
------------------------------------------------------------------------
CREATE TABLE p2 (id int PRIMARY KEY);
CREATE TABLE c2 (id int, pid int);
INSERT INTO p2 VALUES (1);
INSERT INTO c2 VALUES (1, 1), (2, 99);
ALTER TABLE c2 ADD CONSTRAINT c2_pid_fkey FOREIGN KEY (pid) REFERENCES p2 NOT VALID;
INSERT INTO fxs.cases VALUES ('set null', 'DELETE FROM fxs.p2 WHERE id = 1');
UPDATE fxs.cases SET err = fxs.err(stmt) WHERE name = 'set null';
SELECT fix_step, sql FROM fxs.steps('set null', 'Or keep the referencing rows%SET NULL%');
SELECT sql FROM fxs.steps('set null', 'Or keep the referencing rows%SET NULL%') \gexec
SELECT * FROM fxs.def('c2');
SELECT fxs.retry(stmt) FROM fxs.cases WHERE name = 'set null';
SELECT * FROM c2 ORDER BY id;

------------------------------------------------------------------------
-- ON UPDATE CASCADE, DEFERRABLE kept
------------------------------------------------------------------------
CREATE TABLE p3 (id int PRIMARY KEY);
CREATE TABLE c3 (id int, pid int REFERENCES p3 DEFERRABLE);
INSERT INTO p3 VALUES (1);
INSERT INTO c3 VALUES (1, 1);
INSERT INTO fxs.cases VALUES ('update', 'UPDATE fxs.p3 SET id = 5 WHERE id = 1');
UPDATE fxs.cases SET err = fxs.err(stmt) WHERE name = 'update';
SELECT sql FROM fxs.steps('update', 'Or make a key update%ON UPDATE CASCADE%') \gexec
SELECT * FROM fxs.def('c3');
SELECT fxs.retry(stmt) FROM fxs.cases WHERE name = 'update';
SELECT * FROM c3;

------------------------------------------------------------------------
-- A partitioned referencing table: PostgreSQL 15 has no NOT VALID key
-- there, so the fix is the plain form, and says so
------------------------------------------------------------------------
CREATE TABLE p4 (id int PRIMARY KEY);
CREATE TABLE c4 (id int, pid int REFERENCES p4) PARTITION BY RANGE (id);
CREATE TABLE c4a PARTITION OF c4 FOR VALUES FROM (0) TO (10);
CREATE TABLE c4b PARTITION OF c4 FOR VALUES FROM (10) TO (20);
INSERT INTO p4 VALUES (1), (2);
INSERT INTO c4 VALUES (1, 1), (11, 1), (12, 2);
INSERT INTO fxs.cases VALUES ('partitioned', 'DELETE FROM fxs.p4 WHERE id = 1');
UPDATE fxs.cases SET err = fxs.err(stmt) WHERE name = 'partitioned';
SELECT e.suggestion LIKE '%PostgreSQL 15 cannot add a NOT VALID foreign key to a partitioned table%' AS says_so
  FROM fxs.cases k, fk_explain(k.err, k.stmt) e
 WHERE k.name = 'partitioned' AND e.suggestion LIKE 'Or make deleting%ON DELETE CASCADE%';
SELECT * FROM fxs.steps('partitioned', 'Or make deleting%ON DELETE CASCADE%');
SELECT sql FROM fxs.steps('partitioned', 'Or make deleting%ON DELETE CASCADE%') \gexec
SELECT * FROM fxs.def('c4');
SELECT fxs.retry(stmt) FROM fxs.cases WHERE name = 'partitioned';
SELECT * FROM c4 ORDER BY id;

------------------------------------------------------------------------
-- MATCH FULL to MATCH SIMPLE
------------------------------------------------------------------------
CREATE TABLE p5 (a int, b int, PRIMARY KEY (a, b));
CREATE TABLE c5 (a int, b int, FOREIGN KEY (a, b) REFERENCES p5 MATCH FULL ON DELETE CASCADE);
INSERT INTO p5 VALUES (1, 1);
INSERT INTO fxs.cases VALUES ('match full', 'INSERT INTO fxs.c5 VALUES (1, NULL)');
UPDATE fxs.cases SET err = fxs.err(stmt) WHERE name = 'match full';
SELECT sql FROM fxs.steps('match full', 'Or, if a partly NULL key%MATCH SIMPLE%') \gexec
SELECT * FROM fxs.def('c5');
SELECT fxs.retry(stmt) FROM fxs.cases WHERE name = 'match full';

------------------------------------------------------------------------
-- Deleting a row with its dependants: without a cycle, DELETEs children
-- first between BEGIN and COMMIT (a diamond: pay references both orders
-- and customers); the server checks every key as they run
------------------------------------------------------------------------
CREATE TABLE customers (id int PRIMARY KEY, code text UNIQUE);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers);
CREATE TABLE lines (order_id int REFERENCES orders ON DELETE RESTRICT, n int);
CREATE TABLE pay (id int, cust_code text REFERENCES customers (code), order_id int REFERENCES orders);
CREATE TABLE notes (customer_id int REFERENCES customers ON DELETE SET NULL);
INSERT INTO customers VALUES (1, 'a''b'), (2, 'c');
INSERT INTO orders VALUES (10, 1), (11, 1), (20, 2);
INSERT INTO lines VALUES (10, 1), (11, 1), (20, 1);
INSERT INTO pay VALUES (1, 'a''b', NULL), (2, NULL, 11), (3, 'c', 20);
INSERT INTO notes VALUES (1), (2);
INSERT INTO fxs.cases VALUES ('dependants', 'DELETE FROM fxs.customers WHERE id = 1');
UPDATE fxs.cases SET err = fxs.err(stmt) WHERE name = 'dependants';
SELECT fix_step, sql FROM fxs.steps('dependants', 'Delete the row of%');
SELECT sql FROM fxs.steps('dependants', 'Delete the row of%') \gexec
SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM orders) AS orders,
       (SELECT count(*) FROM lines) AS lines, (SELECT count(*) FROM pay) AS pay,
       (SELECT count(*) FROM notes WHERE customer_id IS NULL) AS detached_notes;
-- with a self reference, one statement that collects the rows first
CREATE TABLE emp (id int PRIMARY KEY, mgr int REFERENCES emp);
INSERT INTO emp VALUES (1, NULL), (2, 1), (3, 2), (4, NULL);
INSERT INTO fxs.cases VALUES ('tree', 'DELETE FROM fxs.emp WHERE id = 1');
UPDATE fxs.cases SET err = fxs.err(stmt) WHERE name = 'tree';
SELECT e.suggestion LIKE '%form a cycle or reference their own table%' AS says_why,
       e.sql LIKE 'WITH RECURSIVE %' AS general
  FROM fxs.cases k, fk_explain(k.err, k.stmt) e
 WHERE k.name = 'tree' AND e.suggestion LIKE 'Delete the row of%';
SELECT sql FROM fxs.steps('tree', 'Delete the row of%') \gexec
SELECT * FROM emp;

------------------------------------------------------------------------
-- fk_explain on a constraint: index (per partition, attached) and
-- validate, step by step; then fk_issues has nothing left for it
------------------------------------------------------------------------
CREATE TABLE p6 (id int PRIMARY KEY);
CREATE TABLE c6 (id int, pid int) PARTITION BY LIST (id);
CREATE TABLE c6a PARTITION OF c6 FOR VALUES IN (1);
CREATE TABLE c6b PARTITION OF c6 FOR VALUES IN (2) PARTITION BY LIST (pid);
CREATE TABLE c6b1 PARTITION OF c6b DEFAULT;
INSERT INTO p6 VALUES (1);
INSERT INTO c6 VALUES (1, 1), (2, 1);
ALTER TABLE c6 ADD CONSTRAINT c6_pid_fkey FOREIGN KEY (pid) REFERENCES p6;
SELECT issue FROM fk_issues WHERE table_name = 'c6'::regclass ORDER BY 1;
SELECT step, fix_step, sql, outside_transaction FROM fk_explain_steps('c6_pid_fkey', 'c6');
SELECT sql FROM fk_explain_steps('c6_pid_fkey', 'c6') WHERE sql NOT LIKE 'SELECT %' \gexec
SELECT issue FROM fk_issues WHERE table_name = 'c6'::regclass ORDER BY 1;
SELECT indrelid::regclass, indisvalid FROM pg_index
 WHERE indrelid IN ('c6'::regclass, 'c6a'::regclass, 'c6b'::regclass, 'c6b1'::regclass)
 ORDER BY 1;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA fxs CASCADE;
RESET client_min_messages;
