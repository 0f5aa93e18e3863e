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

-- delete at every depth: the dry run is the cascade preview of all the
-- orphans at once; in one transaction the real run's per-table counts
-- equal the dry run's, and the tables really changed by that much
CREATE TABLE o (id int PRIMARY KEY, pid int, up int REFERENCES o ON DELETE CASCADE);
INSERT INTO o VALUES (1, 1, NULL), (2, 50, NULL), (3, 51, NULL), (4, 1, 2), (5, 1, 4), (6, 1, 1);
ALTER TABLE o ADD CONSTRAINT o_pid FOREIGN KEY (pid) REFERENCES p NOT VALID;
CREATE TABLE oc (id int PRIMARY KEY, oid_ int REFERENCES o ON DELETE CASCADE);
CREATE TABLE ogc (ocid int REFERENCES oc ON DELETE CASCADE);
CREATE TABLE osn (ocid int REFERENCES oc ON DELETE SET NULL, oid_ int REFERENCES o ON DELETE SET NULL);
INSERT INTO oc VALUES (1, 1), (2, 2), (3, 3), (4, 5), (5, 6);
INSERT INTO ogc VALUES (1), (2), (2), (4), (5);
INSERT INTO osn VALUES (1, 1), (2, NULL), (4, 4), (NULL, 3), (5, 6);
BEGIN;
CREATE TEMP TABLE before_counts AS
  SELECT 'o' t, count(*) n FROM o UNION ALL SELECT 'oc', count(*) FROM oc
  UNION ALL SELECT 'ogc', count(*) FROM ogc UNION ALL SELECT 'osn', count(*) FROM osn;
CREATE TEMP TABLE osn_before AS SELECT * FROM osn;
CREATE TEMP TABLE dry AS
  SELECT table_name::text, operation, rows_affected FROM fk_repair_orphans('o', 'o_pid', 'delete');
SELECT * FROM fk_repair_orphans('o', 'o_pid', 'delete') ORDER BY table_name::text, operation;
CREATE TEMP TABLE real AS
  SELECT table_name::text, operation, rows_affected FROM fk_repair_orphans('o', 'o_pid', 'delete', false);
SELECT table_name, operation, rows_affected FROM real ORDER BY 1, 2;
-- no difference between dry and real run
SELECT * FROM ((TABLE dry EXCEPT TABLE real) UNION ALL (TABLE real EXCEPT TABLE dry)) d;
-- what the server did: rows gone per table (o: 2 orphans + 2 cascaded),
-- and the rows of osn that changed (one of them set NULL by both keys)
SELECT b.t, b.n - a.n AS gone
  FROM before_counts b JOIN (
  SELECT 'o' t, count(*) n FROM o UNION ALL SELECT 'oc', count(*) FROM oc
  UNION ALL SELECT 'ogc', count(*) FROM ogc UNION ALL SELECT 'osn', count(*) FROM osn) a USING (t)
 ORDER BY 1;
SELECT count(*) AS osn_rows_changed FROM (TABLE osn_before EXCEPT ALL TABLE osn) x;
SELECT ocid, oid_ FROM osn ORDER BY ocid NULLS FIRST, oid_ NULLS FIRST;
SELECT * FROM fk_orphans('o');
ALTER TABLE o VALIDATE CONSTRAINT o_pid;
ROLLBACK;

-- a composite primary key: one preview of the orphans' primary keys as an
-- array of key objects; a row of ood reached from orphans of both missing
-- keys (60 and 61) is counted once, as it is deleted once
CREATE TABLE oo (a int, b int, pid int, PRIMARY KEY (a, b));
INSERT INTO oo VALUES (1, 1, 60), (1, 2, 60), (2, 1, 61), (2, 2, 1);
ALTER TABLE oo ADD CONSTRAINT oo_pid FOREIGN KEY (pid) REFERENCES p NOT VALID;
CREATE TABLE ooc (a int, b int, FOREIGN KEY (a, b) REFERENCES oo ON DELETE CASCADE);
INSERT INTO ooc VALUES (1, 1), (1, 2), (1, 2), (2, 1), (2, 2);
CREATE TABLE ood (id int PRIMARY KEY, a1 int, b1 int, a2 int, b2 int,
                  FOREIGN KEY (a1, b1) REFERENCES oo ON DELETE CASCADE,
                  FOREIGN KEY (a2, b2) REFERENCES oo ON DELETE CASCADE);
INSERT INTO ood VALUES (1, 1, 1, 2, 1), (2, 1, 2, 2, 1), (3, 2, 2, 2, 2), (4, 2, 2, 1, 2);
CREATE TABLE oodc (id int PRIMARY KEY, ood int REFERENCES ood ON DELETE SET NULL);
INSERT INTO oodc VALUES (1, 1), (2, 2), (3, 3), (4, 4);
BEGIN;
CREATE TEMP TABLE dry AS
  SELECT table_name::text, operation, rows_affected FROM fk_repair_orphans('oo', NULL, 'delete');
SELECT * FROM fk_repair_orphans('oo', NULL, 'delete') ORDER BY table_name::text, operation;
CREATE TEMP TABLE real AS
  SELECT table_name::text, operation, rows_affected FROM fk_repair_orphans('oo', NULL, 'delete', false);
SELECT * FROM ((TABLE dry EXCEPT TABLE real) UNION ALL (TABLE real EXCEPT TABLE dry)) d;
SELECT a, b FROM ooc ORDER BY a, b;
SELECT id FROM ood ORDER BY id;
SELECT id, ood FROM oodc ORDER BY id;
ROLLBACK;

-- no primary key: the orphans' distinct referencing keys select them
CREATE TABLE onk (x int UNIQUE, pid int);
INSERT INTO onk VALUES (1, 70), (2, 70), (3, 71), (4, 1), (5, NULL);
ALTER TABLE onk ADD CONSTRAINT onk_pid FOREIGN KEY (pid) REFERENCES p NOT VALID;
CREATE TABLE onkc (id int PRIMARY KEY, x int REFERENCES onk (x) ON DELETE CASCADE);
INSERT INTO onkc VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 5);
BEGIN;
CREATE TEMP TABLE dry AS
  SELECT table_name::text, operation, rows_affected FROM fk_repair_orphans('onk', NULL, 'delete');
SELECT * FROM dry ORDER BY 1, 2;
CREATE TEMP TABLE real AS
  SELECT table_name::text, operation, rows_affected FROM fk_repair_orphans('onk', NULL, 'delete', false);
SELECT * FROM ((TABLE dry EXCEPT TABLE real) UNION ALL (TABLE real EXCEPT TABLE dry)) d;
SELECT x, pid FROM onk ORDER BY x;
SELECT id FROM onkc ORDER BY id;
ROLLBACK;

-- set null where the UPDATE itself would fail: the dry run predicts what
-- the real run does, or both refuse; the server's own UPDATE of the same
-- rows (in a subtransaction) is the judge.
CREATE FUNCTION server_says(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    EXECUTE sql;
    RAISE EXCEPTION USING ERRCODE = 'FKT01', MESSAGE = 'rolled back';
  EXCEPTION WHEN OTHERS THEN
    RETURN CASE WHEN SQLSTATE = 'FKT01' THEN 'succeeds' ELSE 'fails: ' || SQLSTATE END;
  END;
END $$;
-- a generated key column (428C9)
CREATE TABLE sng (x int, pid int GENERATED ALWAYS AS (x + 0) STORED REFERENCES p);
ALTER TABLE sng DISABLE TRIGGER ALL;
INSERT INTO sng VALUES (5);
ALTER TABLE sng ENABLE TRIGGER ALL;
SELECT server_says('UPDATE sng SET pid = NULL WHERE pid = 5');
SELECT * FROM fk_repair_orphans('sng', NULL, 'set null');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fk_repair_orphans('sng', NULL, 'set null', false);
\echo :LAST_ERROR_SQLSTATE
-- a partition key: no partition takes NULL (23514), then one does (the
-- rows move there)
CREATE TABLE snp (id int, pid int REFERENCES p) PARTITION BY LIST (pid);
CREATE TABLE snp_1 PARTITION OF snp FOR VALUES IN (1, 5);
ALTER TABLE snp_1 DISABLE TRIGGER ALL;
INSERT INTO snp VALUES (1, 5), (2, 1);
ALTER TABLE snp_1 ENABLE TRIGGER ALL;
SELECT server_says('UPDATE snp SET pid = NULL WHERE pid = 5');
SELECT operation, rows_affected, detail FROM fk_repair_orphans('snp', NULL, 'set null');
SELECT * FROM fk_repair_orphans('snp', NULL, 'set null', false);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE snp_null PARTITION OF snp FOR VALUES IN (NULL);
SELECT server_says('UPDATE snp SET pid = NULL WHERE pid = 5');
SELECT operation, rows_affected FROM fk_repair_orphans('snp', NULL, 'set null');
BEGIN;
SELECT operation, rows_affected FROM fk_repair_orphans('snp', NULL, 'set null', false);
SELECT tableoid::regclass, id, pid FROM snp ORDER BY id;
ROLLBACK;
-- a CHECK constraint on the key column (23514)
CREATE TABLE snc (id int PRIMARY KEY, pid int REFERENCES p, note text,
                  CHECK (pid IS NOT NULL OR note IS NOT NULL));
ALTER TABLE snc DISABLE TRIGGER ALL;
INSERT INTO snc VALUES (1, 5, NULL), (2, 6, 'kept');
ALTER TABLE snc ENABLE TRIGGER ALL;
SELECT server_says('UPDATE snc SET pid = NULL WHERE pid IN (5, 6)');
SELECT operation, rows_affected, detail FROM fk_repair_orphans('snc', NULL, 'set null');
SELECT * FROM fk_repair_orphans('snc', NULL, 'set null', false);
\echo :LAST_ERROR_SQLSTATE
DELETE FROM snc WHERE id = 1;
SELECT server_says('UPDATE snc SET pid = NULL WHERE pid IN (5, 6)');
BEGIN;
SELECT operation, rows_affected FROM fk_repair_orphans('snc', NULL, 'set null', false);
ROLLBACK;
-- the key column is itself referenced (ON UPDATE RESTRICT): nulling it
-- fires that key's check
CREATE TABLE snr (id int PRIMARY KEY, pid int UNIQUE REFERENCES p);
CREATE TABLE snr_child (pid int REFERENCES snr (pid) ON UPDATE RESTRICT);
ALTER TABLE snr DISABLE TRIGGER ALL;
INSERT INTO snr VALUES (1, 5), (2, 6);
ALTER TABLE snr ENABLE TRIGGER ALL;
INSERT INTO snr_child VALUES (5);
SELECT server_says('UPDATE snr SET pid = NULL WHERE pid IN (5, 6)');
SELECT operation, rows_affected, table_name FROM fk_repair_orphans('snr', 'snr_pid_fkey', 'set null') ORDER BY 3::text, 1;
SELECT * FROM fk_repair_orphans('snr', 'snr_pid_fkey', 'set null', false);
\echo :LAST_ERROR_SQLSTATE
-- hints never send one action to the other when both would fail: a NOT
-- NULL key whose orphans' deletion is blocked too
CREATE TABLE snn (id int PRIMARY KEY, pid int NOT NULL REFERENCES p);
CREATE TABLE snn_child (snn_id int REFERENCES snn);
ALTER TABLE snn DISABLE TRIGGER ALL;
INSERT INTO snn VALUES (1, 5), (2, 1);
ALTER TABLE snn ENABLE TRIGGER ALL;
INSERT INTO snn_child VALUES (1);
SELECT * FROM fk_repair_orphans('snn', NULL, 'set null');
SELECT * FROM fk_repair_orphans('snn', NULL, 'delete', false);
DELETE FROM snn_child;
SELECT * FROM fk_repair_orphans('snn', NULL, 'set null');
DROP TABLE snn_child, snn;
DROP TABLE sng, snp, snc, snr_child, snr;
DROP FUNCTION server_says(text);

-- bad input
SELECT * FROM fk_repair_orphans('c2', NULL, 'truncate');
SELECT * FROM fk_repair_orphans('c2', 'nosuch');
SELECT * FROM fk_repair_orphans('fkr.p_pkey');
SELECT * FROM fk_repair_orphans(NULL);

DROP SCHEMA fkr CASCADE;
DROP ROLE fkr_user;
RESET search_path;
