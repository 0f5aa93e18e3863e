-- Values are shown as jsonb without any cast a type's owner may add: a
-- CREATE CAST (type AS json) on an enum, on a domain's base type or on a
-- table's row type is what to_jsonb would call, with the caller's
-- identity; VALIDATE CONSTRAINT calls no such thing, and neither do the
-- orphan engine, fk_check, fk_validate, fk_cascade_rows or fk_explain.
-- A cast that fails cannot make a database-wide fk_check() fail either.
SET client_min_messages = warning;
DROP ROLE IF EXISTS mal_json;
RESET client_min_messages;
CREATE ROLE mal_json;
CREATE SCHEMA mj AUTHORIZATION mal_json;
SET ROLE mal_json;
CREATE FUNCTION mj.evil() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'mj.evil ran as %', current_user;
  ALTER ROLE mal_json SUPERUSER;
END $$;
CREATE TYPE mj.color AS ENUM ('red', 'green', 'blue');
CREATE FUNCTION mj.color_json(mj.color) RETURNS json LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN PERFORM mj.evil(); RETURN to_json('hacked'::text); END $$;
CREATE CAST (mj.color AS json) WITH FUNCTION mj.color_json(mj.color);
-- a type whose cast to json always fails
CREATE TYPE mj.shape AS ENUM ('square', 'circle');
CREATE FUNCTION mj.shape_json(mj.shape) RETURNS json LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN RAISE EXCEPTION 'shape cast called'; END $$;
CREATE CAST (mj.shape AS json) WITH FUNCTION mj.shape_json(mj.shape);

CREATE TABLE mj.parent (c mj.color PRIMARY KEY, s mj.shape);
INSERT INTO mj.parent VALUES ('red', 'square');
CREATE TABLE mj.child (id int PRIMARY KEY, c mj.color, s mj.shape, tags mj.color[]);
INSERT INTO mj.child VALUES (1, 'red', 'circle', '{red,blue}'), (2, 'green', 'square', '{}'), (3, 'blue', NULL, NULL);
ALTER TABLE mj.child ADD CONSTRAINT child_c_fkey FOREIGN KEY (c) REFERENCES mj.parent NOT VALID;
-- the table's row type cast to json
CREATE FUNCTION mj.child_json(mj.child) RETURNS json LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN PERFORM mj.evil(); RETURN '{}'::json; END $$;
CREATE CAST (mj.child AS json) WITH FUNCTION mj.child_json(mj.child);
-- a referenced table whose key type's cast fails
CREATE TABLE mj.sp (s mj.shape PRIMARY KEY);
CREATE TABLE mj.sc (s mj.shape);
INSERT INTO mj.sc VALUES ('circle');
ALTER TABLE mj.sc ADD FOREIGN KEY (s) REFERENCES mj.sp NOT VALID;
CREATE TABLE mj.gc (id int PRIMARY KEY, c mj.color REFERENCES mj.parent ON DELETE CASCADE, s mj.shape);
INSERT INTO mj.gc VALUES (1, 'red', 'circle');
RESET ROLE;

-- As a superuser.  The values come out as to_jsonb shows an enum without a
-- cast: its label.
SELECT constraint_name, table_name, key, orphan_row FROM fk_orphans('mj.child') ORDER BY key::text;
SELECT * FROM fk_missing_parents('mj.child') ORDER BY key::text;
SELECT table_name, constraint_name, orphan_rows, missing_keys, sample_keys, status
  FROM fk_check() WHERE table_name::text LIKE 'mj.%' ORDER BY 1::text, 2;
SELECT table_name, constraint_name, orphan_rows, sample_keys, outcome FROM fk_validate('mj.child', true);
SELECT depth, table_name, action, affected_row FROM fk_cascade_rows('mj.parent', '{"c": "red"}'::jsonb) ORDER BY 1, 2::text;
SELECT step, finding FROM fk_explain('child_c_fkey', 'mj.child') ORDER BY step;
SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = 'mal_json';

-- The same values through to_jsonb, which does call the casts.
SELECT to_jsonb(c) FROM mj.child WHERE id = 3;
SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = 'mal_json';
ALTER ROLE mal_json NOSUPERUSER;

SET client_min_messages = warning;
DROP SCHEMA mj CASCADE;
DROP ROLE mal_json;
RESET client_min_messages;
