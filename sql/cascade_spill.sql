-- Blocked rows and deferred checks past the memory limit: the row path
-- keeps at most fk_tools.cascade_memory_rows rows in memory and writes
-- the rest (row states, the blocked rows it has counted, the deferred
-- checks waiting for the end) to temporary files.  With 7 rows in memory,
-- hundreds of blocked rows make dozens of runs, merged as they pile up.
-- What the preview says must not change: the same rows as without
-- spilling, the blocked counts equal to the referencing rows the server
-- holds, and the server's own verdict on the real statement.
\i test/cascade_oracle.sql
CREATE SCHEMA casc_spill;
SET search_path = casc_spill, public;

-- the preview with the row path, spilling after n rows (0: never)
CREATE FUNCTION preview(target regclass, key jsonb, n int) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  res text;
BEGIN
  PERFORM set_config('fk_tools.cascade_fast_path', 'off', true);
  PERFORM set_config('fk_tools.cascade_memory_rows', n::text, true);
  SELECT string_agg(format('%s %s %s %s %s', p.depth, p.table_name, p.action, p.row_count, p.via_constraint),
                    E'\n' ORDER BY p.depth, p.table_name::text, p.action, p.via_constraint)
    INTO res FROM fk_cascade_preview(target, key) p;
  SELECT res || E'\n' || coalesce(string_agg(r::text, E'\n' ORDER BY r::text), '')
    INTO res FROM fk_cascade_rows(target, key) r;
  PERFORM set_config('fk_tools.cascade_fast_path', 'on', true);
  PERFORM set_config('fk_tools.cascade_memory_rows', '0', true);
  RETURN res;
END $$;

-- 1. one table reached twice: every row blocked by a RESTRICT key, and
-- checked at the end by a deferred NO ACTION key
CREATE TABLE parent (id int PRIMARY KEY);
INSERT INTO parent SELECT generate_series(1, 4);
CREATE TABLE child (id int PRIMARY KEY,
    a int CONSTRAINT child_a REFERENCES parent ON DELETE RESTRICT,
    b int CONSTRAINT child_b REFERENCES parent DEFERRABLE INITIALLY DEFERRED);
INSERT INTO child SELECT g, 1 + g % 3, 1 + g % 2 FROM generate_series(1, 600) g;

SELECT preview('parent', '{"id": 2}', 7) = preview('parent', '{"id": 2}', 0) AS same_when_spilled;
SELECT p.via_constraint, p.action, p.row_count,
       p.row_count = (SELECT count(*) FROM child c
                       WHERE CASE p.via_constraint WHEN 'child_a' THEN c.a ELSE c.b END = 2) AS all_referencing_rows
  FROM fk_cascade_preview('parent', 2) p ORDER BY p.via_constraint;
SET fk_tools.cascade_memory_rows = 7;
SELECT p.via_constraint, p.action, p.row_count
  FROM fk_cascade_preview('parent', 2) p ORDER BY p.via_constraint;
RESET fk_tools.cascade_memory_rows;
SELECT cascade_oracle.oracle('parent', '{"id": 2}');
SELECT cascade_oracle.oracle('parent', '[{"id": 1}, {"id": 2}, {"id": 3}]');
SELECT preview('parent', '[{"id": 1}, {"id": 2}, {"id": 3}]', 7)
     = preview('parent', '[{"id": 1}, {"id": 2}, {"id": 3}]', 0) AS same_when_spilled;

-- 2. a diamond: two cascading paths into one table whose rows other rows
-- reference through a RESTRICT and a deferred key; the deferred ones are
-- satisfied when the row referencing is deleted too
CREATE TABLE root (id int PRIMARY KEY);
INSERT INTO root SELECT generate_series(1, 3);
CREATE TABLE left_side (id int PRIMARY KEY, root_id int REFERENCES root ON DELETE CASCADE);
CREATE TABLE right_side (id int PRIMARY KEY, root_id int REFERENCES root ON DELETE CASCADE);
INSERT INTO left_side SELECT g, 1 + g % 3 FROM generate_series(1, 300) g;
INSERT INTO right_side SELECT g, 1 + g % 3 FROM generate_series(1, 300) g;
CREATE TABLE leaf (id int PRIMARY KEY,
    l int CONSTRAINT leaf_l REFERENCES left_side ON DELETE RESTRICT,
    r int CONSTRAINT leaf_r REFERENCES right_side DEFERRABLE INITIALLY DEFERRED,
    root_id int CONSTRAINT leaf_root REFERENCES root ON DELETE CASCADE);
INSERT INTO leaf SELECT g, 1 + g % 300, 1 + (g * 7) % 300, CASE WHEN g % 2 = 0 THEN 1 + g % 3 END
  FROM generate_series(1, 900) g;
SELECT preview('root', '{"id": 1}', 7) = preview('root', '{"id": 1}', 0) AS same_when_spilled;
SELECT p.table_name, p.via_constraint, p.action, p.row_count
  FROM fk_cascade_preview('root', 1) p ORDER BY p.depth, p.table_name::text, p.via_constraint, p.action;
-- the blocked rows are the leaves that reference a deleted row and are
-- not deleted themselves
SELECT count(*) AS restrict_blocked FROM leaf x
 WHERE (SELECT root_id FROM left_side WHERE id = x.l) = 1 AND x.root_id IS DISTINCT FROM 1;
SELECT count(*) AS deferred_blocked FROM leaf x
 WHERE (SELECT root_id FROM right_side WHERE id = x.r) = 1 AND x.root_id IS DISTINCT FROM 1;
SELECT cascade_oracle.oracle('root', '{"id": 1}');
-- without the RESTRICT key only the deferred checks can fail
ALTER TABLE leaf DROP CONSTRAINT leaf_l;
SELECT preview('root', '{"id": 2}', 7) = preview('root', '{"id": 2}', 0) AS same_when_spilled;
SELECT cascade_oracle.oracle('root', '{"id": 2}');
DELETE FROM leaf WHERE root_id IS NULL;
SELECT preview('root', '{"id": 2}', 7) = preview('root', '{"id": 2}', 0) AS same_when_spilled;
SELECT cascade_oracle.oracle('root', '{"id": 2}');

-- 3. a self-referencing tree deleted from the top, each node also held by
-- a RESTRICT reference from outside: blocked rows found round after round
CREATE TABLE node (id int PRIMARY KEY, up int REFERENCES node ON DELETE CASCADE);
INSERT INTO node VALUES (1, NULL);
INSERT INTO node SELECT g, g / 2 FROM generate_series(2, 400) g;
CREATE TABLE holder (id int PRIMARY KEY, node_id int REFERENCES node ON DELETE RESTRICT,
    later int REFERENCES node DEFERRABLE INITIALLY DEFERRED);
INSERT INTO holder SELECT g, 1 + g % 400, 1 + (g * 3) % 400 FROM generate_series(1, 500) g;
SELECT preview('node', '{"id": 2}', 7) = preview('node', '{"id": 2}', 0) AS same_when_spilled;
WITH RECURSIVE sub AS (SELECT 2 AS id UNION ALL SELECT n.id FROM node n JOIN sub ON n.up = sub.id)
SELECT (SELECT count(*) FROM holder WHERE node_id IN (SELECT id FROM sub)) AS restrict_blocked,
       (SELECT count(*) FROM holder WHERE later IN (SELECT id FROM sub)) AS deferred_blocked;
SELECT p.via_constraint, p.action, sum(p.row_count) AS row_count
  FROM fk_cascade_preview('node', 2) p WHERE p.table_name = 'holder'::regclass
 GROUP BY p.via_constraint, p.action ORDER BY p.via_constraint;
SELECT cascade_oracle.oracle('node', '{"id": 2}');

-- 4. rows reached twice: a row set to NULL by two keys changes a key
-- referenced further on twice, so the same referencing rows are blocked
-- twice (once for RESTRICT, once deferred), and must be counted once,
-- also when the first time was written out long before the second
CREATE TABLE top (id int PRIMARY KEY);
INSERT INTO top SELECT generate_series(1, 3);
CREATE TABLE mid (id int PRIMARY KEY, x int REFERENCES top ON DELETE SET NULL,
    y int REFERENCES top ON DELETE SET NULL, UNIQUE (x, y));
INSERT INTO mid VALUES (1, 1, 1), (2, 1, 2), (3, 2, 1), (4, 3, 3);
CREATE TABLE low (id int PRIMARY KEY,
    x int, y int, CONSTRAINT low_now FOREIGN KEY (x, y) REFERENCES mid (x, y) ON UPDATE RESTRICT,
    z int, w int, CONSTRAINT low_later FOREIGN KEY (z, w) REFERENCES mid (x, y)
        ON UPDATE NO ACTION DEFERRABLE INITIALLY DEFERRED);
INSERT INTO low SELECT g, 1, 1 + g % 2, 1 + g % 2, 1 FROM generate_series(1, 300) g;
INSERT INTO low SELECT g, 3, 3, 3, 3 FROM generate_series(301, 400) g;
SELECT preview('top', '{"id": 1}', 7) = preview('top', '{"id": 1}', 0) AS same_when_spilled;
SELECT (SELECT count(*) FROM low WHERE (x, y) IN (SELECT x, y FROM mid WHERE 1 IN (x, y))) AS restrict_blocked,
       (SELECT count(*) FROM low WHERE (z, w) IN (SELECT x, y FROM mid WHERE 1 IN (x, y))) AS deferred_blocked;
SET fk_tools.cascade_memory_rows = 7;
SELECT p.table_name, p.via_constraint, p.action, p.row_count
  FROM fk_cascade_preview('top', 1) p ORDER BY p.depth, p.table_name::text, p.via_constraint;
RESET fk_tools.cascade_memory_rows;
SELECT cascade_oracle.oracle('top', '{"id": 1}');
SELECT cascade_oracle.oracle('top', '{"id": 3}');

SET client_min_messages = warning;
DROP SCHEMA casc_spill CASCADE;
DROP SCHEMA cascade_oracle CASCADE;
RESET client_min_messages;
