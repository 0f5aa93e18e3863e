-- The cascade engine keeps the plans of the queries it runs again for
-- other keys (the tree path's count, the row path's query per constraint)
-- for the backend's life.  A kept plan must never answer for a table as
-- it was: every preview here follows a change between two calls in one
-- session (rows, indexes, a table dropped and made again under the same
-- name, a key column's type, privileges, row-level security and the role,
-- more queries than are kept) and is compared with the real DELETE
-- (cascade_oracle.oracle, both paths).
CREATE SCHEMA cp;
SET search_path = cp, public;
SET client_min_messages = warning;
\set ECHO none
\i test/cascade_oracle.sql
\set ECHO all
RESET client_min_messages;

CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c1 (id int PRIMARY KEY, up int REFERENCES p ON DELETE CASCADE);
CREATE TABLE c2 (id int PRIMARY KEY, up int REFERENCES c1 ON DELETE CASCADE);
CREATE INDEX ON c1 (up);
CREATE INDEX ON c2 (up);
INSERT INTO p SELECT generate_series(1, 100);
INSERT INTO c1 SELECT g, 1 + g % 100 FROM generate_series(1, 1000) g;
INSERT INTO c2 SELECT g, 1 + g % 1000 FROM generate_series(1, 3000) g;
ANALYZE p, c1, c2;

-- 1. The same preview for other keys, then after the rows change.
SELECT k, cascade_oracle.oracle('p', jsonb_build_object('id', k), compare_paths => true)
  FROM generate_series(1, 5) k;
SELECT depth, table_name, row_count FROM fk_cascade_preview('p', 7) ORDER BY 1;
DELETE FROM c2 WHERE id % 3 = 0;
INSERT INTO c1 VALUES (5000, 7);
INSERT INTO c2 VALUES (5000, 5000);
SELECT depth, table_name, row_count FROM fk_cascade_preview('p', 7) ORDER BY 1;
SELECT cascade_oracle.oracle('p', '{"id": 7}', compare_paths => true);

-- 2. The index probed dropped, then made again; a table dropped and made
-- again under the same name with other rows; a key column's type changed.
DROP INDEX c2_up_idx;
SELECT cascade_oracle.oracle('p', '{"id": 7}', compare_paths => true);
CREATE INDEX ON c2 (up);
SELECT cascade_oracle.oracle('p', '{"id": 7}', compare_paths => true);
DROP TABLE c2;
CREATE TABLE c2 (id int PRIMARY KEY, up int REFERENCES c1 ON DELETE CASCADE);
CREATE INDEX ON c2 (up);
INSERT INTO c2 SELECT g, 1 + g % 500 FROM generate_series(1, 40) g;
SELECT depth, table_name, row_count FROM fk_cascade_preview('p', 7) ORDER BY 1;
SELECT cascade_oracle.oracle('p', '{"id": 7}', compare_paths => true);
ALTER TABLE c2 ALTER COLUMN up TYPE bigint;
SELECT cascade_oracle.oracle('p', '{"id": 7}', compare_paths => true);
ALTER TABLE c2 ALTER COLUMN up TYPE int;

-- 3. Privileges and row-level security are the caller's, call after call.
CREATE ROLE fk_plans_reader;
GRANT USAGE ON SCHEMA cp TO fk_plans_reader;
GRANT SELECT ON p, c1, c2 TO fk_plans_reader;
UPDATE c2 SET up = 6 WHERE id IN (1, 2, 3, 38, 39);
ALTER TABLE c2 ENABLE ROW LEVEL SECURITY;
CREATE POLICY few ON c2 USING (id <= 10);
SELECT table_name, row_count FROM fk_cascade_preview('p', 7) WHERE depth = 2;
SET ROLE fk_plans_reader;
SELECT table_name, row_count, detail IS NOT NULL AS has_detail FROM fk_cascade_preview('p', 7) WHERE depth = 2;
RESET ROLE;
SELECT table_name, row_count FROM fk_cascade_preview('p', 7) WHERE depth = 2;
DROP POLICY few ON c2;
CREATE POLICY fewer ON c2 USING (id <= 2);
SET ROLE fk_plans_reader;
SELECT table_name, row_count FROM fk_cascade_preview('p', 7) WHERE depth = 2;
RESET ROLE;
REVOKE SELECT ON c2 FROM fk_plans_reader;
SET ROLE fk_plans_reader;
SELECT table_name, row_count FROM fk_cascade_preview('p', 7) WHERE depth = 2;
RESET ROLE;
ALTER TABLE c2 DISABLE ROW LEVEL SECURITY;

-- 4. In a READ ONLY transaction, with a search_path that shadows
-- everything the queries use.
CREATE SCHEMA shadow;
CREATE FUNCTION shadow.count(anyelement) RETURNS bigint LANGUAGE sql AS 'SELECT 42::bigint';
CREATE FUNCTION shadow.int4eq_shadow(int, int) RETURNS boolean LANGUAGE sql AS 'SELECT false';
CREATE OPERATOR shadow.= (LEFTARG = int, RIGHTARG = int, FUNCTION = shadow.int4eq_shadow);
BEGIN READ ONLY;
SET LOCAL search_path = shadow, cp, public;
SELECT depth, table_name, row_count FROM fk_cascade_preview('p', 7) ORDER BY 1;
SET LOCAL fk_tools.cascade_fast_path = off;
SELECT depth, table_name, row_count FROM fk_cascade_preview('p', 7) ORDER BY 1;
COMMIT;

-- 5. More queries than are kept: 80 trees previewed, then the first again
-- after its rows changed.
DO $$
BEGIN
  FOR i IN 1..80 LOOP
    EXECUTE format('CREATE TABLE cp.t%s (id int PRIMARY KEY)', i);
    EXECUTE format('CREATE TABLE cp.t%s_c (id int PRIMARY KEY, up int REFERENCES cp.t%s ON DELETE CASCADE)', i, i);
    EXECUTE format('CREATE INDEX ON cp.t%s_c (up)', i);
    EXECUTE format('INSERT INTO cp.t%s VALUES (1)', i);
    EXECUTE format('INSERT INTO cp.t%s_c SELECT g, 1 FROM generate_series(1, %s) g', i, i);
  END LOOP;
END $$;
SELECT count(*) FILTER (WHERE r.row_count = i) AS right_counts, count(*) AS trees
  FROM generate_series(1, 80) i,
       LATERAL fk_cascade_preview(format('cp.t%s', i)::regclass, 1) r
 WHERE r.depth = 1;
INSERT INTO t1_c VALUES (1000, 1);
SELECT row_count FROM fk_cascade_preview('t1', 1) WHERE depth = 1;
SELECT cascade_oracle.oracle('t1', '{"id": 1}', compare_paths => true);

SET client_min_messages = warning;
DROP SCHEMA cp CASCADE;
DROP SCHEMA shadow CASCADE;
DROP SCHEMA cascade_oracle CASCADE;
DROP ROLE fk_plans_reader;
RESET client_min_messages;
