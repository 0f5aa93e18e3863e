-- The new row an UPDATE, or a referential action, stores, and whether the
-- server stores it: generated columns recomputed (and a generated column
-- can be a key), domains, NOT NULL and CHECK constraints, the partition
-- the row lands in.  Each case is compared with the real statement
-- (cascade_oracle.oracle runs it in a subtransaction and rolls back).
CREATE SCHEMA ui;
SET search_path = ui, public;
SET client_min_messages = warning;
\set ECHO none
\i test/cascade_oracle.sql
\set ECHO all
RESET client_min_messages;

-- 1. A generated column cannot be set: the server refuses the statement
-- (428C9), and so does the preview, for an identity column GENERATED
-- ALWAYS too.
CREATE TABLE gp (x int, y int GENERATED ALWAYS AS (x * 2) STORED PRIMARY KEY);
CREATE TABLE gc (y int REFERENCES gp (y));
INSERT INTO gp VALUES (2), (3);
INSERT INTO gc VALUES (6);
SELECT * FROM fk_update_preview('gp', '{"y": 4}'::jsonb, '{"y": 5}');
\echo :LAST_ERROR_SQLSTATE
UPDATE gp SET y = 5 WHERE y = 4;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE ident (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
INSERT INTO ident (note) VALUES ('a');
SELECT * FROM fk_update_preview('ident', 1, '{"id": 7}');
\echo :LAST_ERROR_SQLSTATE

-- 2. Setting the column a generated key is computed from changes the key:
-- referenced (NO ACTION fails), or not.
SELECT depth, table_name, action, row_count FROM fk_update_preview('gp', '{"y": 6}'::jsonb, '{"x": 5}') ORDER BY 1, 3;
SELECT cascade_oracle.oracle('gp', '{"y": 6}', '{"x": 5}');
SELECT cascade_oracle.oracle('gp', '{"y": 4}', '{"x": 5}');
SELECT cascade_oracle.oracle('gp', '{"y": 6}', '{"x": 3}');
-- ... ON UPDATE CASCADE carries the recomputed key down
CREATE TABLE gp2 (x int, y int GENERATED ALWAYS AS (x + 100) STORED UNIQUE);
CREATE TABLE gc2 (id int PRIMARY KEY, y int REFERENCES gp2 (y) ON UPDATE CASCADE);
INSERT INTO gp2 VALUES (1), (2);
INSERT INTO gc2 VALUES (1, 101), (2, 101), (3, 102);
SELECT depth, table_name, action, row_count FROM fk_update_preview('gp2', '{"x": 1}'::jsonb, '{"x": 7}') ORDER BY 1, 3;
SELECT cascade_oracle.oracle('gp2', '{"x": 1}', '{"x": 7}');
-- ... and a generated column of the referencing table computed from the
-- cascaded column is a key referenced further down
CREATE TABLE gc3 (id int PRIMARY KEY, y int REFERENCES gp2 (y) ON UPDATE CASCADE,
                  z int GENERATED ALWAYS AS (y * 10) STORED UNIQUE);
CREATE TABLE gc4 (z int REFERENCES gc3 (z));
INSERT INTO gc3 VALUES (1, 102);
INSERT INTO gc4 VALUES (1020);
SELECT depth, table_name, action, row_count FROM fk_update_preview('gp2', '{"x": 2}'::jsonb, '{"x": 8}') ORDER BY 1, 3;
SELECT cascade_oracle.oracle('gp2', '{"x": 2}', '{"x": 8}');
DELETE FROM gc4;
SELECT cascade_oracle.oracle('gp2', '{"x": 2}', '{"x": 8}');
-- ... a generated expression that fails on the new values fails the
-- statement with its own error
CREATE TABLE gdiv (x int PRIMARY KEY, q int GENERATED ALWAYS AS (100 / x) STORED);
INSERT INTO gdiv VALUES (5);
SELECT action, detail FROM fk_update_preview('gdiv', 5, '{"x": 0}') WHERE action = 'BLOCKED';
SELECT cascade_oracle.oracle('gdiv', '{"x": 5}', '{"x": 0}');

-- 3. Domains and NOT NULL on the new values.
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TABLE dp (id posint PRIMARY KEY, n int);
INSERT INTO dp VALUES (1, 1);
SELECT action, detail FROM fk_update_preview('dp', 1, '{"id": -5}') WHERE action = 'BLOCKED';
SELECT cascade_oracle.oracle('dp', '{"id": 1}', '{"id": -5}');
SELECT cascade_oracle.oracle('dp', '{"id": 1}', '{"id": 5}');
CREATE TABLE nn (id int PRIMARY KEY, code text NOT NULL UNIQUE);
INSERT INTO nn VALUES (1, 'a');
SELECT action, detail FROM fk_update_preview('nn', 1, '{"code": null}') WHERE action = 'BLOCKED';
SELECT cascade_oracle.oracle('nn', '{"id": 1}', '{"code": null}');

-- 4. CHECK constraints on the new row: the statement's own, and a
-- referencing row SET NULL or cascaded into a value a CHECK rejects.
CREATE TABLE ck (id int PRIMARY KEY CHECK (id < 100));
CREATE TABLE ck_null (id int PRIMARY KEY, ck_id int REFERENCES ck ON DELETE SET NULL ON UPDATE SET NULL,
                      note text, CHECK (ck_id IS NOT NULL OR note IS NOT NULL));
CREATE TABLE ck_casc (id int PRIMARY KEY, ck_id int REFERENCES ck ON UPDATE CASCADE CHECK (ck_id <> 42));
INSERT INTO ck VALUES (1), (2), (3);
INSERT INTO ck_null VALUES (1, 1, NULL), (2, 2, 'kept');
INSERT INTO ck_casc VALUES (1, 3);
SELECT cascade_oracle.oracle('ck', '{"id": 1}', '{"id": 500}');
SELECT cascade_oracle.oracle('ck', '{"id": 1}', '{"id": 50}');
SELECT cascade_oracle.oracle('ck', '{"id": 2}', '{"id": 50}');
SELECT cascade_oracle.oracle('ck', '{"id": 1}');
SELECT cascade_oracle.oracle('ck', '{"id": 2}');
SELECT cascade_oracle.oracle('ck', '{"id": 3}', '{"id": 42}');
SELECT cascade_oracle.oracle('ck', '{"id": 3}', '{"id": 43}');
-- the DELETE's tree path hands such a SET NULL to the row path
SELECT depth, table_name, action, row_count FROM fk_cascade_preview('ck', 1) ORDER BY 1, 3;

-- 5. Partition routing of the statement's rows: into another partition,
-- into none (23514), out of a partition the statement names (23514), out
-- of a subtree whose root below the target is referenced itself (0A000).
CREATE TABLE pp (id int PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE pp1 PARTITION OF pp FOR VALUES FROM (0) TO (10);
CREATE TABLE pp2 PARTITION OF pp FOR VALUES FROM (10) TO (20);
CREATE TABLE pp_ref (id int REFERENCES pp ON UPDATE CASCADE);
INSERT INTO pp VALUES (1), (2);
INSERT INTO pp_ref VALUES (1);
SELECT depth, table_name, action, row_count FROM fk_update_preview('pp', 1, '{"id": 15}') ORDER BY 1, 3;
SELECT cascade_oracle.oracle('pp', '{"id": 1}', '{"id": 15}');
SELECT cascade_oracle.oracle('pp', '{"id": 1}', '{"id": 50}');
SELECT cascade_oracle.oracle('pp1', '{"id": 2}', '{"id": 15}');
SELECT cascade_oracle.oracle('pp1', '{"id": 2}', '{"id": 5}');
SELECT action, detail FROM fk_update_preview('pp', 1, '{"id": 50}') WHERE action = 'BLOCKED';
SELECT action, detail FROM fk_update_preview('pp1', 2, '{"id": 15}') WHERE action = 'BLOCKED';
CREATE TABLE r (a int, b int, PRIMARY KEY (a, b)) PARTITION BY LIST (a);
CREATE TABLE r1 PARTITION OF r FOR VALUES IN (1) PARTITION BY LIST (b);
CREATE TABLE r11 PARTITION OF r1 FOR VALUES IN (1);
CREATE TABLE r12 PARTITION OF r1 FOR VALUES IN (2);
CREATE TABLE r2 PARTITION OF r FOR VALUES IN (2);
CREATE TABLE r1_ref (a int, b int, FOREIGN KEY (a, b) REFERENCES r1);
INSERT INTO r VALUES (1, 1), (2, 1);
SELECT cascade_oracle.oracle('r', '{"a": 1, "b": 1}', '{"a": 2, "b": 2}');
SELECT cascade_oracle.oracle('r', '{"a": 1, "b": 1}', '{"b": 2}');
SELECT cascade_oracle.oracle('r1', '{"a": 1, "b": 1}', '{"b": 2}');
SELECT cascade_oracle.oracle('r', '{"a": 2, "b": 1}', '{"a": 1}');
SELECT action, detail FROM fk_update_preview('r', '{"a": 1, "b": 1}'::jsonb, '{"b": 2}') WHERE action = 'BLOCKED';
-- a key referencing the root instead: rows may move
CREATE TABLE q (a int, b int, PRIMARY KEY (a, b)) PARTITION BY LIST (a);
CREATE TABLE q1 PARTITION OF q FOR VALUES IN (1) PARTITION BY LIST (b);
CREATE TABLE q11 PARTITION OF q1 FOR VALUES IN (1);
CREATE TABLE q12 PARTITION OF q1 FOR VALUES IN (2);
CREATE TABLE q_ref (a int, b int, FOREIGN KEY (a, b) REFERENCES q ON UPDATE CASCADE);
INSERT INTO q VALUES (1, 1);
INSERT INTO q_ref VALUES (1, 1);
SELECT cascade_oracle.oracle('q', '{"a": 1, "b": 1}', '{"b": 2}');
SELECT cascade_oracle.oracle('q', '{"a": 1, "b": 1}', '{"b": 3}');

-- 6. Partition keys as referencing columns: ON DELETE SET NULL and ON
-- UPDATE CASCADE move the referencing rows to another partition, or fail
-- where no partition takes them.
CREATE TABLE owner_t (id int PRIMARY KEY);
CREATE TABLE part_null (id int, owner_id int REFERENCES owner_t ON DELETE SET NULL ON UPDATE CASCADE)
  PARTITION BY LIST (owner_id);
CREATE TABLE part_null_1 PARTITION OF part_null FOR VALUES IN (1);
CREATE TABLE part_null_2 PARTITION OF part_null FOR VALUES IN (2, 3);
CREATE TABLE part_def (id int, owner_id int REFERENCES owner_t ON DELETE SET NULL)
  PARTITION BY LIST (owner_id);
CREATE TABLE part_def_1 PARTITION OF part_def FOR VALUES IN (1, 2);
CREATE TABLE part_def_n PARTITION OF part_def DEFAULT;
INSERT INTO owner_t VALUES (1), (2), (3);
INSERT INTO part_null VALUES (1, 1), (2, 2);
INSERT INTO part_def VALUES (1, 1), (2, 2);
SELECT cascade_oracle.oracle('owner_t', '{"id": 1}');
SELECT cascade_oracle.oracle('owner_t', '{"id": 1}', '{"id": 3}');
SELECT cascade_oracle.oracle('owner_t', '{"id": 1}', '{"id": 4}');
SELECT cascade_oracle.oracle('owner_t', '{"id": 2}', '{"id": 3}');
DELETE FROM part_null;
SELECT cascade_oracle.oracle('owner_t', '{"id": 1}');
SELECT depth, table_name, action, row_count FROM fk_cascade_preview('owner_t', 1) ORDER BY 1, 3, 2::text;

-- 7. A new key another row has: the server fails at once (23505), in a
-- primary key, a unique constraint, across partitions, NULLS NOT DISTINCT;
-- two rows of the statement given the same key; a NULL key collides with
-- nothing otherwise.
CREATE TABLE uq (id int PRIMARY KEY, code text UNIQUE, tag int, grp int, UNIQUE NULLS NOT DISTINCT (tag));
INSERT INTO uq VALUES (1, 'a', 1, 1), (2, 'b', 2, 1), (3, NULL, NULL, 2), (4, NULL, 4, 2);
SELECT cascade_oracle.oracle('uq', '{"id": 1}', '{"id": 2}');
SELECT cascade_oracle.oracle('uq', '{"id": 1}', '{"id": 9}');
SELECT cascade_oracle.oracle('uq', '{"id": 1}', '{"code": "b"}');
SELECT cascade_oracle.oracle('uq', '{"id": 1}', '{"code": null}');
SELECT cascade_oracle.oracle('uq', '{"id": 4}', '{"tag": null}');
SELECT cascade_oracle.oracle('uq', '{"id": 3}', '{"tag": 7}');
SELECT cascade_oracle.oracle('uq', '{"grp": 1}', '{"code": "z"}');
SELECT cascade_oracle.oracle('uq', '{"grp": 2}', '{"code": null}');
SELECT action, row_count, detail FROM fk_update_preview('uq', '[{"id": 1}, {"id": 2}]'::jsonb, '{"code": "z"}') WHERE action = 'BLOCKED';
SELECT cascade_oracle.oracle('pp', '{"id": 1}', '{"id": 2}');
SELECT cascade_oracle.oracle('r', '{"a": 2, "b": 1}', '{"a": 1}');

SET client_min_messages = warning;
DROP SCHEMA ui CASCADE;
DROP SCHEMA cascade_oracle CASCADE;
RESET client_min_messages;
