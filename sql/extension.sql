-- The extension as installed (pg_regress --load-extension installs it in
-- every test database, so each test file runs alone).

-- Every function and view of the extension carries a comment; no function
-- is SECURITY DEFINER and every one states its volatility and parallel
-- safety explicitly (the defaults, VOLATILE/UNSAFE, are never left by
-- accident: the few that use them are listed here by name).
SELECT count(*) FILTER (WHERE p.prosecdef) AS security_definer,
       count(*) FILTER (WHERE pg_catalog.obj_description(p.oid, 'pg_proc') IS NULL) AS uncommented
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_proc p ON p.oid = d.objid AND d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
 WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
   AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'fk_tools')
   AND d.deptype = 'e';

SELECT count(*) FILTER (WHERE pg_catalog.obj_description(c.oid, 'pg_class') IS NULL) AS uncommented_views
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_class c ON c.oid = d.objid AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
 WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
   AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'fk_tools')
   AND d.deptype = 'e';
