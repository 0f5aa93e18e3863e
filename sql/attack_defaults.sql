-- A column default owned by another role is never evaluated as the
-- caller.  The server's ON DELETE / ON UPDATE SET DEFAULT runs it as the
-- referencing table's owner; every preview evaluates it as that owner, under
-- SECURITY_RESTRICTED_OPERATION, in a subtransaction that is rolled back.
-- mal_def owns schema md; md.evil() makes mal_def a superuser when run by
-- one, and logs who ran it.
SET client_min_messages = warning;
DROP ROLE IF EXISTS mal_def;
RESET client_min_messages;
CREATE ROLE mal_def;
CREATE SCHEMA md AUTHORIZATION mal_def;
SET ROLE mal_def;
CREATE TABLE md.log (who name, at text);
CREATE FUNCTION md.evil(at text) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'md.evil ran as %', current_user;
  INSERT INTO md.log VALUES (current_user, at);
  ALTER ROLE mal_def SUPERUSER;
  RETURN 7;
END $$;
CREATE FUNCTION md.f() RETURNS int LANGUAGE plpgsql STABLE AS $$
BEGIN RETURN md.evil('default'); END $$;
CREATE TABLE md.parent (id int PRIMARY KEY);
INSERT INTO md.parent VALUES (1), (7);
CREATE TABLE md.child (id int PRIMARY KEY,
                       p int DEFAULT md.f() REFERENCES md.parent ON DELETE SET DEFAULT ON UPDATE SET DEFAULT);
INSERT INTO md.child VALUES (1, 1);
-- a blocker, to produce a "still referenced" error for fk_explain
CREATE TABLE md.keep (p int REFERENCES md.parent);
INSERT INTO md.keep VALUES (1);
-- orphans whose deletion reaches a SET DEFAULT: fk_repair_orphans' dry run
CREATE TABLE md.o (id int PRIMARY KEY, pid int);
INSERT INTO md.o VALUES (1, 1), (2, 99);
ALTER TABLE md.o ADD FOREIGN KEY (pid) REFERENCES md.parent NOT VALID;
CREATE TABLE md.oc (id int PRIMARY KEY, oid_ int DEFAULT md.f() REFERENCES md.o ON DELETE SET DEFAULT);
INSERT INTO md.oc VALUES (1, 2);
RESET ROLE;

-- As a superuser: none of these may run md.evil as the caller.
SELECT depth, table_name, action, row_count, detail FROM fk_cascade_preview('md.parent', 1) ORDER BY 1, 2::text, 3;
SELECT depth, table_name, action FROM fk_cascade_rows('md.parent', 1) ORDER BY 1, 2::text, 3;
SELECT depth, table_name, action, row_count FROM fk_update_preview('md.parent', 1, '{"id": 5}') ORDER BY 1, 2::text, 3;
SELECT table_name, operation, rows_affected FROM fk_repair_orphans('md.o', NULL, 'delete') ORDER BY 1::text, 2;
SELECT count(*) > 0 AS explained FROM fk_explain(E'ERROR:  update or delete on table "parent" violates foreign key constraint "keep_p_fkey" on table "keep"\nDETAIL:  Key (id)=(1) is still referenced from table "keep".');
-- the same inside a READ ONLY transaction
BEGIN TRANSACTION READ ONLY;
SELECT count(*) FROM fk_cascade_preview('md.parent', 1);
COMMIT;

SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = 'mal_def';
-- nothing the default's code wrote survived
SELECT count(*) AS logged FROM md.log;

-- the server itself runs the default as the table's owner too: the real
-- DELETE fails, as mal_def may not make itself a superuser
DELETE FROM md.keep;
DELETE FROM md.parent WHERE id = 1;
SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = 'mal_def';

SET client_min_messages = warning;
DROP SCHEMA md CASCADE;
DROP ROLE mal_def;
RESET client_min_messages;
