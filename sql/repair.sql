-- fk_repair_orphans: report, delete or set to NULL the rows that break a
-- foreign key; afterwards fk_orphans is empty and VALIDATE succeeds.
CREATE SCHEMA fkr;
SET search_path = fkr, public;
CREATE TABLE p (id int PRIMARY KEY, a int, b text, UNIQUE (a, b));
INSERT INTO p VALUES (1, 1, 'x'), (2, 2, 'y');
CREATE TABLE c (id int PRIMARY KEY, pid int, a int, b text);
INSERT INTO c VALUES (1, 1, 1, 'x'), (2, 7, 2, 'y'), (3, 9, 2, 'z'), (4, NULL, NULL, 'q'), (5, 7, 1, 'x');
ALTER TABLE c ADD CONSTRAINT c_pid FOREIGN KEY (pid) REFERENCES p NOT VALID;
ALTER TABLE c ADD CONSTRAINT c_ab FOREIGN KEY (a, b) REFERENCES p (a, b) NOT VALID;
-- rows referencing c: one cascades, one would block
CREATE TABLE gc (cid int REFERENCES c ON DELETE CASCADE);
CREATE TABLE blk (cid int REFERENCES c);
INSERT INTO gc VALUES (2), (2), (3), (1);

-- report (never changes anything)
SELECT * FROM fk_repair_orphans('c') ORDER BY constraint_name;
-- dry runs: what would be deleted, and what that reaches
SELECT * FROM fk_repair_orphans('c', 'c_pid', 'delete') ORDER BY table_name::text, constraint_name;
SELECT * FROM fk_repair_orphans('c', 'c_ab', 'set null');
SELECT count(*) FROM c;

-- set null, for real: c_ab's orphan keeps its row
BEGIN;
SELECT * FROM fk_repair_orphans('c', 'c_ab', 'set null', false);
SELECT * FROM fk_orphans('c', 'c_ab');
ALTER TABLE c VALIDATE CONSTRAINT c_ab;
COMMIT;
SELECT id, pid, a, b FROM c ORDER BY id;

-- delete, for real: the cascade into gc happens, the orphans are gone
INSERT INTO blk VALUES (NULL);
SELECT * FROM fk_repair_orphans('c', 'c_pid', 'delete', false) ORDER BY table_name::text;
SELECT * FROM fk_orphans('c');
ALTER TABLE c VALIDATE CONSTRAINT c_pid;
SELECT id FROM c ORDER BY id;
SELECT cid FROM gc ORDER BY cid;

-- a referencing table that would block: refused before deleting
CREATE TABLE c2 (id int PRIMARY KEY, pid int);
INSERT INTO c2 VALUES (1, 1), (2, 8);
ALTER TABLE c2 ADD CONSTRAINT c2_pid FOREIGN KEY (pid) REFERENCES p NOT VALID;
CREATE TABLE c2_ref (id int REFERENCES c2);
INSERT INTO c2_ref VALUES (2);
SELECT * FROM fk_repair_orphans('c2', NULL, 'delete');
SELECT * FROM fk_repair_orphans('c2', NULL, 'delete', false);
SELECT count(*) FROM c2;

-- set null refused when a key column is NOT NULL
CREATE TABLE c3 (pid int NOT NULL);
INSERT INTO c3 VALUES (5);
ALTER TABLE c3 ADD CONSTRAINT c3_pid FOREIGN KEY (pid) REFERENCES p NOT VALID;
SELECT * FROM fk_repair_orphans('c3', NULL, 'set null');
-- disabled triggers: the repair also holds off writers until commit
ALTER TABLE c3 DISABLE TRIGGER ALL;
BEGIN;
SELECT * FROM fk_repair_orphans('c3', NULL, 'delete', false);
SELECT l.relation::regclass, l.mode FROM pg_locks l
 WHERE l.pid = pg_backend_pid() AND l.relation IN ('fkr.c3'::regclass, 'fkr.p'::regclass)
   AND l.mode IN ('ShareRowExclusiveLock', 'ShareLock') ORDER BY 1::text, 2;
COMMIT;
ALTER TABLE c3 ENABLE TRIGGER ALL;
ALTER TABLE c3 VALIDATE CONSTRAINT c3_pid;

-- privileges: a reader may report, not repair
CREATE ROLE fkr_user;
GRANT USAGE ON SCHEMA fkr TO fkr_user;
GRANT SELECT ON c2, p TO fkr_user;
SET ROLE fkr_user;
SELECT * FROM fk_repair_orphans('c2');
SELECT * FROM fk_repair_orphans('c2', NULL, 'delete');
SELECT * FROM fk_repair_orphans('c2', NULL, 'set null');
RESET ROLE;
GRANT UPDATE (pid) ON c2 TO fkr_user;
SET ROLE fkr_user;
SELECT * FROM fk_repair_orphans('c2', NULL, 'set null');
RESET ROLE;

-- bad input
SELECT * FROM fk_repair_orphans('c2', NULL, 'truncate');
SELECT * FROM fk_repair_orphans('c2', 'nosuch');
SELECT * FROM fk_repair_orphans('fkr.p_pkey');
SELECT * FROM fk_repair_orphans(NULL);

DROP SCHEMA fkr CASCADE;
DROP ROLE fkr_user;
RESET search_path;
