--
-- fk_issues' missing_sibling_key: a partition or inheritance child without
-- the foreign key its siblings (or, under inheritance, its parent)
-- declare.  The server is the oracle: a row with no parent is refused in
-- the siblings and accepted in the child reported; after the fix, run step
-- by step, the child refuses it too, and the issue is gone.
--
CREATE SCHEMA "Sib ""lings""";
SET search_path = "Sib ""lings""", public;
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE q (a int, b int, PRIMARY KEY (a, b));
INSERT INTO p VALUES (1);
INSERT INTO q VALUES (1, 1);

-- partitions that declare their keys one by one (no key on the parent);
-- "pay 4" was attached later without them
CREATE TABLE pay (id int, pid int, a int, b int) PARTITION BY RANGE (id);
CREATE TABLE pay_1 PARTITION OF pay FOR VALUES FROM (0) TO (10);
CREATE TABLE pay_2 PARTITION OF pay FOR VALUES FROM (10) TO (20);
CREATE TABLE pay_3 PARTITION OF pay FOR VALUES FROM (20) TO (30);
CREATE TABLE "pay 4" (b int, a int, pid int, id int);  -- other column order
ALTER TABLE pay ATTACH PARTITION "pay 4" FOR VALUES FROM (30) TO (40);
ALTER TABLE pay_1 ADD FOREIGN KEY (pid) REFERENCES p ON DELETE CASCADE;
ALTER TABLE pay_2 ADD FOREIGN KEY (pid) REFERENCES p ON DELETE CASCADE;
ALTER TABLE pay_3 ADD FOREIGN KEY (pid) REFERENCES p ON DELETE CASCADE;
-- a composite key on two of the four: half is not more than half
ALTER TABLE pay_1 ADD FOREIGN KEY (a, b) REFERENCES q;
ALTER TABLE pay_2 ADD FOREIGN KEY (a, b) REFERENCES q;

-- inheritance: the parent's key is not inherited; two of three children
-- declare a second one
CREATE TABLE legacy (id int, pid int REFERENCES p, a int, b int);
CREATE TABLE legacy_a (id int, pid int REFERENCES p, a int, b int,
                       FOREIGN KEY (a, b) REFERENCES q MATCH FULL) INHERITS (legacy);
CREATE TABLE legacy_b (FOREIGN KEY (a, b) REFERENCES q MATCH FULL) INHERITS (legacy);
CREATE TABLE legacy_c () INHERITS (legacy);
-- a partitioned parent's own key is on every partition: nothing to say
CREATE TABLE cloned (id int, pid int REFERENCES p) PARTITION BY LIST (id);
CREATE TABLE cloned_1 PARTITION OF cloned FOR VALUES IN (1);
CREATE TABLE cloned_2 PARTITION OF cloned FOR VALUES IN (2);

SELECT table_name, constraint_name, severity, detail
  FROM fk_issues WHERE issue = 'missing_sibling_key'
 ORDER BY table_name::text, constraint_name;

-- The oracle: rows whose parent does not exist, inserted into each child
-- in a subtransaction: the SQLSTATE the server answers, or ok.
CREATE FUNCTION pg_temp.try_insert(t regclass, cols text, vals text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    EXECUTE format('INSERT INTO %s (%s) VALUES (%s)', t, cols, vals);
    RAISE EXCEPTION USING ERRCODE = 'P0003', MESSAGE = 'ok';
  EXCEPTION WHEN OTHERS THEN
    RETURN CASE WHEN SQLSTATE = 'P0003' THEN 'ok' ELSE SQLSTATE END;
  END;
END $$;
CREATE TEMP TABLE probes (t regclass, cols text, vals text);
INSERT INTO probes VALUES
  ('pay_1', 'id, pid', '1, 99'), ('pay_2', 'id, pid', '11, 99'),
  ('pay_3', 'id, pid', '21, 99'), ('"pay 4"', 'id, pid', '31, 99'),
  ('pay_1', 'id, a, b', '1, 9, 9'), ('pay_3', 'id, a, b', '21, 9, 9'),
  ('legacy', 'pid', '99'), ('legacy_a', 'pid', '99'), ('legacy_b', 'pid', '99'),
  ('legacy_c', 'pid', '99'), ('legacy_a', 'a, b', '9, 9'), ('legacy_c', 'a, b', '9, 9'),
  ('cloned_2', 'id, pid', '2, 99');
SELECT t, cols, pg_temp.try_insert(t, cols, vals) AS server,
       EXISTS (SELECT FROM fk_issues i WHERE i.issue = 'missing_sibling_key'
                  AND i.table_name = p.t) AS child_reported
  FROM probes p ORDER BY t::text, cols;

-- The fixes, step by step; then every child refuses the orphan rows its
-- siblings refuse, and nothing is left to report.
SELECT sql FROM fk_fix_steps WHERE issue = 'missing_sibling_key'
 ORDER BY table_name::text, constraint_name, step \gexec
SELECT count(*) AS missing_left FROM fk_issues WHERE issue = 'missing_sibling_key';
SELECT t, cols, pg_temp.try_insert(t, cols, vals) AS server
  FROM probes ORDER BY t::text, cols;
SELECT conrelid::regclass, conname, pg_get_constraintdef(oid), convalidated
  FROM pg_constraint
 WHERE conrelid IN ('"pay 4"'::regclass, 'legacy_b'::regclass, 'legacy_c'::regclass)
   AND contype = 'f' ORDER BY 1::text, 2;

RESET search_path;
DROP SCHEMA "Sib ""lings""" CASCADE;
