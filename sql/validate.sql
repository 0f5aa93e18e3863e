-- fk_validate: validate NOT VALID foreign keys that have no orphans.
CREATE SCHEMA fkv;
SET search_path = fkv, public;
CREATE TABLE p (id int PRIMARY KEY, a int, b text, UNIQUE (a, b));
INSERT INTO p VALUES (1, 1, 'x'), (2, 2, 'y');
CREATE TABLE clean (id int, pid int);
CREATE TABLE dirty (id int, pid int, a int, b text);
CREATE TABLE "odd ""name" (id int, pid int);
INSERT INTO clean VALUES (1, 1), (2, NULL);
INSERT INTO dirty VALUES (1, 1, 1, 'x'), (2, 7, 2, 'z'), (3, 9, 2, 'y'), (4, 7, NULL, 'q');
INSERT INTO "odd ""name" VALUES (1, 2);
ALTER TABLE clean ADD CONSTRAINT clean_fk FOREIGN KEY (pid) REFERENCES p NOT VALID;
ALTER TABLE dirty ADD CONSTRAINT dirty_fk FOREIGN KEY (pid) REFERENCES p NOT VALID;
ALTER TABLE dirty ADD CONSTRAINT dirty_ab_fk FOREIGN KEY (a, b) REFERENCES p (a, b) NOT VALID;
ALTER TABLE dirty ADD CONSTRAINT dirty_ab_valid FOREIGN KEY (a) REFERENCES p (id);
ALTER TABLE "odd ""name" ADD CONSTRAINT "odd ""con""" FOREIGN KEY (pid) REFERENCES p NOT VALID;

-- Dry run: nothing changes, valid constraints are not listed.
SELECT * FROM fk_validate('dirty', dry_run => true) ORDER BY constraint_name;
SELECT * FROM fk_validate('clean', true);
SELECT conname, convalidated FROM pg_constraint
 WHERE connamespace = 'fkv'::regnamespace ORDER BY conname;

-- What PostgreSQL says about the dirty ones (the outcome must agree).
ALTER TABLE dirty VALIDATE CONSTRAINT dirty_fk;
ALTER TABLE dirty VALIDATE CONSTRAINT dirty_ab_fk;

-- A real run over the whole database (filtered to this schema): the clean
-- ones get validated, the dirty ones stay NOT VALID.
BEGIN;
SELECT * FROM fk_validate() WHERE table_name::text NOT LIKE 'pg_%'
   AND constraint_name IN ('clean_fk', 'dirty_fk', 'dirty_ab_fk', 'odd "con"')
 ORDER BY constraint_name;
-- It holds what VALIDATE CONSTRAINT takes: SHARE UPDATE EXCLUSIVE.
SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
 WHERE l.pid = pg_backend_pid() AND c.relname IN ('clean', 'dirty', 'p', 'odd "name')
   AND l.mode <> 'AccessShareLock'
 ORDER BY 1, 2;
COMMIT;
SELECT conname, convalidated FROM pg_constraint
 WHERE connamespace = 'fkv'::regnamespace ORDER BY conname;

-- After fixing the data, the rest validates; a second run finds nothing.
DELETE FROM dirty WHERE id IN (2, 3, 4);
SELECT * FROM fk_validate('dirty') ORDER BY constraint_name;
SELECT * FROM fk_validate('dirty');

-- Only the owner may validate: others are told, the run goes on; a dry
-- run needs only SELECT.
CREATE TABLE other (id int, pid int);
ALTER TABLE other ADD CONSTRAINT other_fk FOREIGN KEY (pid) REFERENCES p NOT VALID;
CREATE ROLE fkv_user;
GRANT USAGE ON SCHEMA fkv TO fkv_user;
GRANT SELECT ON other, p TO fkv_user;
SET ROLE fkv_user;
SELECT * FROM fk_validate('other');
SELECT * FROM fk_validate('other', true);
RESET ROLE;
REVOKE SELECT ON p FROM fkv_user;
SET ROLE fkv_user;
SELECT * FROM fk_validate('other', true);
RESET ROLE;

-- Bad input.
SELECT * FROM fk_validate('fkv.p_pkey');
SELECT * FROM fk_validate(NULL, NULL) WHERE false;

DROP SCHEMA fkv CASCADE;
DROP ROLE fkv_user;
RESET search_path;
