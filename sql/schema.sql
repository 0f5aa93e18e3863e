--
-- The extension installs into the schema the user chooses, and its views
-- work from there whatever the search_path.
--
DROP EXTENSION fk_tools;
CREATE SCHEMA "my ext";
CREATE EXTENSION fk_tools SCHEMA "my ext";

-- every object of the extension is in "my ext" (counted, so that adding a
-- function does not change this output)
SELECT count(*) > 5 AS has_objects,
       count(*) FILTER (WHERE COALESCE(p.pronamespace, c.relnamespace)
                              IS DISTINCT FROM '"my ext"'::regnamespace) AS elsewhere
  FROM pg_catalog.pg_depend d
  LEFT JOIN pg_catalog.pg_proc p
         ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND p.oid = d.objid
  LEFT JOIN pg_catalog.pg_class c
         ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = d.objid
 WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
   AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'fk_tools')
   AND d.deptype = 'e';

CREATE SCHEMA "Fk Schema";
CREATE TABLE "Fk Schema".p (id int PRIMARY KEY);
CREATE TABLE "Fk Schema"."Kid" (p int);
ALTER TABLE "Fk Schema"."Kid" ADD CONSTRAINT "Kid p" FOREIGN KEY (p) REFERENCES "Fk Schema".p NOT VALID;

-- with a search_path that contains neither schema
SET search_path = pg_catalog;
SELECT constraint_name, table_name, columns, referenced_table, validated, indexed, definition
  FROM "my ext".fk_constraints
 WHERE table_name = '"Fk Schema"."Kid"'::regclass;
SELECT severity, issue, table_name, constraint_name, fix_sql
  FROM "my ext".fk_issues
 WHERE table_name = '"Fk Schema"."Kid"'::regclass
 ORDER BY issue;
-- and with an empty one
SET search_path = '';
SELECT count(*) FROM "my ext".fk_constraints
 WHERE table_name = '"Fk Schema"."Kid"'::pg_catalog.regclass;
RESET search_path;

-- Not in public now.
SELECT count(*) FROM fk_constraints;

-- Put it back where the other test files expect it.
DROP EXTENSION fk_tools;
DROP SCHEMA "my ext";
CREATE EXTENSION fk_tools SCHEMA public;
SELECT count(*) AS keys FROM fk_constraints
 WHERE table_name = '"Fk Schema"."Kid"'::regclass;

DROP SCHEMA "Fk Schema" CASCADE;
