--
-- No column or parameter name of the extension needs quoting: every view
-- column and every function parameter (IN, OUT and TABLE columns) is a
-- name that quote_ident leaves alone, so queries write it bare.  Counted
-- over the catalog, so a new function or column is checked without
-- changing this file.
--
CREATE TEMP VIEW fk_tools_names AS
WITH members AS (
  SELECT d.classid, d.objid
    FROM pg_catalog.pg_depend d
   WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
     AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'fk_tools')
     AND d.deptype = 'e')
SELECT 'function ' || p.oid::pg_catalog.regprocedure::text AS object, n.name::text AS name
  FROM members m
  JOIN pg_catalog.pg_proc p ON m.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND p.oid = m.objid,
       LATERAL pg_catalog.unnest(p.proargnames) AS n(name)
 WHERE n.name <> ''
UNION ALL
SELECT 'relation ' || c.oid::pg_catalog.regclass::text, a.attname::text
  FROM members m
  JOIN pg_catalog.pg_class c ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = m.objid
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped;

-- something was looked at: functions and views, with their names
SELECT count(DISTINCT object) FILTER (WHERE object LIKE 'function %') > 10 AS functions,
       count(DISTINCT object) FILTER (WHERE object LIKE 'relation %') >= 2 AS relations,
       count(*) > 100 AS names
  FROM fk_tools_names;

-- names quote_ident would quote (keywords other than unreserved ones,
-- capitals, odd characters): none
SELECT object, name, pg_catalog.quote_ident(name) AS quoted
  FROM fk_tools_names
 WHERE pg_catalog.quote_ident(name) <> name
 ORDER BY 1, 2;

-- the same from the keyword list: no reserved, column-name or
-- type/function-name keyword
SELECT f.object, f.name, k.catdesc
  FROM fk_tools_names f
  JOIN pg_catalog.pg_get_keywords() k ON k.word = f.name
 WHERE k.catcode <> 'U'
 ORDER BY 1, 2;

-- so the renamed columns read bare
SELECT is_deferrable, initially_deferred FROM fk_constraints LIMIT 0;
SELECT load_position, table_name FROM fk_load_order() LIMIT 0;

DROP VIEW fk_tools_names;
