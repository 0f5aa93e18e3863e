-- Smaller defects found by attacking the functions: each checked against
-- what the server does.
CREATE SCHEMA amisc;
SET search_path = amisc, public;

-- fk_repair_orphans on a target with a DO INSTEAD rule: a clear error
-- (it was XX000, SPI_OK_REWRITTEN), before anything is changed.
CREATE TABLE p (id int PRIMARY KEY);
INSERT INTO p VALUES (1);
CREATE TABLE r (id int PRIMARY KEY, pid int);
INSERT INTO r VALUES (1, 1), (2, 9);
ALTER TABLE r ADD FOREIGN KEY (pid) REFERENCES p NOT VALID;
CREATE TABLE r_log (id int);
CREATE RULE r_no_delete AS ON DELETE TO r DO INSTEAD INSERT INTO r_log VALUES (old.id);
SELECT * FROM fk_repair_orphans('r', NULL, 'delete', false);
SELECT * FROM fk_repair_orphans('r', NULL, 'delete');
SELECT count(*) FROM r_log;
DROP RULE r_no_delete ON r;

-- Columns named like the aliases the generated queries use: rows come
-- back whole, never a column's value, and nothing is ambiguous.
CREATE TABLE pa (id int PRIMARY KEY, c int, p int, t int, fk_tools_t int, fk_tools_c int, fk_tools_p int);
INSERT INTO pa VALUES (1, 10, 20, 30, 40, 50, 60);
CREATE TABLE c (id int PRIMARY KEY, c int, p int REFERENCES pa ON DELETE CASCADE,
                fk_tools_c int, fk_tools_p int, ctid_ int, tableoid_ int);
INSERT INTO c VALUES (1, 11, 1, 12, 13, 14, 15);
SELECT depth, table_name, action, affected_row FROM fk_cascade_rows('pa', 1) ORDER BY 1, 2::text;
SET fk_tools.cascade_fast_path = off;
SELECT depth, table_name, action, affected_row FROM fk_cascade_rows('pa', 1) ORDER BY 1, 2::text;
RESET fk_tools.cascade_fast_path;
ALTER TABLE c ADD FOREIGN KEY (fk_tools_c) REFERENCES pa NOT VALID;
SELECT constraint_name, key, orphan_row FROM fk_orphans('c') ORDER BY 1;

-- Float keys with extra_float_digits = 0: a key is never passed through
-- text, so nothing is lost; the repair's dry run counts what its real run
-- deletes, cascades included.
CREATE TABLE fp (x float8 PRIMARY KEY);
INSERT INTO fp VALUES ('0.1'::float8 + '0.2'::float8), ('1'::float8 / 3);
CREATE TABLE fc (id int PRIMARY KEY, x float8);
INSERT INTO fc VALUES (1, 0.3), (2, '0.1'::float8 + '0.2'::float8), (3, '1'::float8 / 3 + 1e-15);
ALTER TABLE fc ADD FOREIGN KEY (x) REFERENCES fp NOT VALID;
CREATE TABLE fg (fid int REFERENCES fc ON DELETE CASCADE);
INSERT INTO fg VALUES (1), (1), (3), (2);
SET extra_float_digits = 0;
SELECT table_name, operation, rows_affected FROM fk_repair_orphans('fc', NULL, 'delete') ORDER BY 1::text, 2;
BEGIN;
SELECT table_name, operation, rows_affected FROM fk_repair_orphans('fc', NULL, 'delete', false) ORDER BY 1::text, 2;
SELECT id FROM fc ORDER BY id;
ROLLBACK;
SELECT depth, table_name, action, row_count FROM fk_cascade_preview('fp', '0.1'::float8 + '0.2'::float8) ORDER BY 1, 2::text;
RESET extra_float_digits;

-- A key column of a composite type whose value has a NULL field: the RI
-- trigger checks it (the value is not NULL) and refuses (2,) for want of
-- an equal parent, while VALIDATE CONSTRAINT's anti-join skips it (for a
-- composite, IS NOT NULL means every field is not NULL).  The orphan
-- engine follows VALIDATE CONSTRAINT, as README's Exactness section says:
-- it reports no orphan, and VALIDATE succeeds.
CREATE TYPE pt AS (a int, b int);
CREATE TABLE cp (k pt PRIMARY KEY);
INSERT INTO cp VALUES (ROW(1, NULL)), (ROW(1, 2));
CREATE TABLE cc (id int PRIMARY KEY, k pt);
INSERT INTO cc VALUES (1, ROW(1, NULL)), (2, ROW(1, 2)), (3, ROW(2, NULL));
ALTER TABLE cc ADD FOREIGN KEY (k) REFERENCES cp NOT VALID;
SELECT key, orphan_row FROM fk_orphans('cc') ORDER BY orphan_row->>'id';
BEGIN;
SAVEPOINT v;
ALTER TABLE cc VALIDATE CONSTRAINT cc_k_fkey;
ROLLBACK TO v;
-- the RI trigger: (1,) has an equal parent (record equality takes NULL
-- fields as equal), (2,) has none
SAVEPOINT i;
INSERT INTO cc VALUES (4, ROW(1, NULL));
INSERT INTO cc VALUES (5, ROW(2, NULL));
ROLLBACK TO i;
ROLLBACK;

-- The statement that deletes a row with its dependants compares rows with
-- schema-qualified operators only.
CREATE TABLE d0 (id int PRIMARY KEY);
CREATE TABLE d1 (id int PRIMARY KEY, pid int REFERENCES d0);
INSERT INTO d0 VALUES (1); INSERT INTO d1 VALUES (1, 1);
SELECT sql ~ ' IN \(' AS unqualified_in, sql ~ '[^(]=' AND sql !~ 'OPERATOR\(pg_catalog\.=\)' AS bare_equals
  FROM fk_explain(E'ERROR:  update or delete on table "d0" violates foreign key constraint "d1_pid_fkey" on table "d1"\nDETAIL:  Key (id)=(1) is still referenced from table "d1".')
 WHERE suggestion LIKE 'Delete the row of%';
-- the same for the general form (a self reference, one statement)
CREATE TABLE d2 (id int PRIMARY KEY, up int REFERENCES d2);
INSERT INTO d2 VALUES (1, NULL), (2, 1);
SELECT sql ~ ' IN \(' AS unqualified_in, sql ~ '[^(]=' AND sql !~ 'OPERATOR\(pg_catalog\.=\)' AS bare_equals,
       sql LIKE 'WITH RECURSIVE%' AS general
  FROM fk_explain(E'ERROR:  update or delete on table "d2" violates foreign key constraint "d2_up_fkey" on table "d2"\nDETAIL:  Key (id)=(1) is still referenced from table "d2".')
 WHERE suggestion LIKE 'Delete the row of%';

SET client_min_messages = warning;
DROP SCHEMA amisc CASCADE;
RESET client_min_messages;
