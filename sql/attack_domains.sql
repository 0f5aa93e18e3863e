-- A domain's CHECK is another role's code: reading key values from text
-- (fk_explain's error text, a preview's key given as another type) uses
-- the base type's input function and runs no domain CHECK; the server's
-- DELETE of a referenced row does not run it either.
SET client_min_messages = warning;
DROP ROLE IF EXISTS mal_dom;
RESET client_min_messages;
CREATE ROLE mal_dom;
CREATE SCHEMA mdo AUTHORIZATION mal_dom;
SET ROLE mal_dom;
CREATE FUNCTION mdo.check(v bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'mdo.check ran as %', current_user;
  ALTER ROLE mal_dom SUPERUSER;
  RETURN true;
EXCEPTION WHEN insufficient_privilege THEN
  RETURN true;
END $$;
CREATE DOMAIN mdo.num AS bigint;
CREATE TABLE mdo.parent (id mdo.num PRIMARY KEY, label text);
CREATE TABLE mdo.child (id int PRIMARY KEY, pid mdo.num);
CREATE TABLE mdo.other (pid mdo.num REFERENCES mdo.parent);
INSERT INTO mdo.parent VALUES (1, 'one'), (2, 'two');
INSERT INTO mdo.child VALUES (1, 1), (2, 2), (3, 5);
ALTER TABLE mdo.child ADD CONSTRAINT child_pid_fkey FOREIGN KEY (pid) REFERENCES mdo.parent ON DELETE CASCADE NOT VALID;
INSERT INTO mdo.other VALUES (2);
-- the domain's CHECK, added NOT VALID: the rows above are not checked
ALTER DOMAIN mdo.num ADD CONSTRAINT num_check CHECK (mdo.check(VALUE)) NOT VALID;
RESET ROLE;

-- As a superuser: keys read through the domain's base type.
SELECT depth, table_name, action, row_count FROM fk_cascade_preview('mdo.parent', 1) ORDER BY 1, 2::text;
SELECT depth, table_name, action, row_count FROM fk_cascade_preview('mdo.parent', '1'::text) ORDER BY 1, 2::text;
SELECT depth, table_name, action, row_count FROM fk_cascade_preview('mdo.parent', '{"id": 2}'::jsonb) ORDER BY 1, 2::text;
SELECT count(*) > 0 AS explained FROM fk_explain(E'ERROR:  insert or update on table "child" violates foreign key constraint "child_pid_fkey"\nDETAIL:  Key (pid)=(5) is not present in table "parent".');
SELECT count(*) > 0 AS explained FROM fk_explain(E'ERROR:  update or delete on table "parent" violates foreign key constraint "other_pid_fkey" on table "other"\nDETAIL:  Key (id)=(2) is still referenced from table "other".');
SELECT key, orphan_row FROM fk_orphans('mdo.child');
SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = 'mal_dom';

-- Reading the value into the domain itself runs the CHECK, as the caller.
SELECT '5'::mdo.num;
SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = 'mal_dom';
ALTER ROLE mal_dom NOSUPERUSER;

SET client_min_messages = warning;
DROP SCHEMA mdo CASCADE;
DROP ROLE mal_dom;
RESET client_min_messages;
