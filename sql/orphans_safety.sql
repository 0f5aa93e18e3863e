-- The orphan engine's safety: the caller's privileges and row-level
-- security, immunity to objects planted in the search path, read-only
-- transactions, bad input, statement_timeout, and the locks it takes.
CREATE SCHEMA orph_safe;
SET search_path = orph_safe, public;
SET client_min_messages = warning;

-- Run a statement; show its SQLSTATE, message, detail and hint instead of
-- failing (error texts name tables, never OIDs).
CREATE FUNCTION orph_safe.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; det text; hnt text; n bigint;
BEGIN
    EXECUTE 'SELECT count(*) FROM (' || stmt || ') s' INTO n;
    RETURN 'ok: ' || n || ' rows';
EXCEPTION WHEN OTHERS OR query_canceled THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    -- (no text "=" here: the search_path test plants one)
    RETURN st || ': ' || msg
              || CASE WHEN length(det) > 0 THEN E'\nDETAIL: ' || det ELSE '' END
              || CASE WHEN length(hnt) > 0 THEN E'\nHINT: ' || hnt ELSE '' END;
END
$$;

CREATE TABLE parent (id int PRIMARY KEY, secret text);
CREATE TABLE other_parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, pid int REFERENCES parent, oid_ int REFERENCES other_parent,
                    owner_name text, note text);
INSERT INTO parent VALUES (1, 's1'), (2, 's2');
INSERT INTO other_parent VALUES (1);
ALTER TABLE child DISABLE TRIGGER ALL;
INSERT INTO child VALUES (1, 1, 1, 'regress_orph_user', 'mine'), (2, 5, 1, 'regress_orph_user', 'mine, orphan'),
                         (3, 6, 7, 'someone_else', 'hidden orphan'), (4, 2, 8, 'regress_orph_user', 'mine, other orphan');
ALTER TABLE child ENABLE TRIGGER ALL;
CREATE ROLE regress_orph_user;
GRANT USAGE ON SCHEMA orph_safe TO regress_orph_user;

------------------------------------------------------------------------
-- Privileges: SELECT on both sides, the caller's own
------------------------------------------------------------------------
SET ROLE regress_orph_user;
SELECT orph_safe.try($$SELECT * FROM fk_orphans('child')$$);
SELECT orph_safe.try($$SELECT * FROM fk_missing_parents('child')$$);
-- fk_check never aborts: it reports what it cannot read
SELECT table_name, constraint_name, orphan_rows, missing_keys, status FROM fk_check('child') ORDER BY 2;
RESET ROLE;
GRANT SELECT ON child TO regress_orph_user;
GRANT SELECT ON other_parent TO regress_orph_user;
SET ROLE regress_orph_user;
-- the referenced table is named when it is the unreadable one
SELECT orph_safe.try($$SELECT * FROM fk_orphans('child')$$);
SELECT orph_safe.try($$SELECT * FROM fk_orphans('child', 'child_pid_fkey')$$);
-- the readable constraint alone works, and fk_check checks it while skipping the other
SELECT constraint_name, key FROM fk_orphans('child', 'child_oid__fkey') ORDER BY orphan_row->>'id';
SELECT table_name, constraint_name, orphan_rows, missing_keys, sample_keys, status FROM fk_check('child') ORDER BY 2;
SELECT table_name, constraint_name, orphan_rows, missing_keys, status FROM fk_check()
 WHERE table_name::text LIKE 'child' ORDER BY 2;
RESET ROLE;

-- column privileges: the referenced key column is enough on that side; the
-- whole referencing row is needed for fk_orphans, its key for the others
GRANT SELECT (id) ON parent TO regress_orph_user;
REVOKE SELECT ON child FROM regress_orph_user;
GRANT SELECT (pid, oid_) ON child TO regress_orph_user;
SET ROLE regress_orph_user;
SELECT orph_safe.try($$SELECT * FROM fk_orphans('child')$$);
SELECT constraint_name, key, referencing_rows FROM fk_missing_parents('child') ORDER BY 1, key;
SELECT constraint_name, orphan_rows, missing_keys, status FROM fk_check('child') ORDER BY 1;
RESET ROLE;
REVOKE SELECT (id) ON parent FROM regress_orph_user;
GRANT SELECT (secret) ON parent TO regress_orph_user;
SET ROLE regress_orph_user;
SELECT orph_safe.try($$SELECT * FROM fk_missing_parents('child', 'child_pid_fkey')$$);
SELECT constraint_name, status FROM fk_check('child') ORDER BY 1;
RESET ROLE;
GRANT SELECT ON child, parent TO regress_orph_user;

-- a schema the caller may not use: reported, and skipped by fk_check
CREATE SCHEMA orph_locked;
CREATE TABLE orph_locked.lp (id int PRIMARY KEY);
GRANT SELECT ON orph_locked.lp TO regress_orph_user;
CREATE TABLE lc (id int, lid int REFERENCES orph_locked.lp, pid int REFERENCES parent);
ALTER TABLE lc DISABLE TRIGGER ALL;
INSERT INTO lc VALUES (1, 1, 9);
ALTER TABLE lc ENABLE TRIGGER ALL;
GRANT SELECT ON lc TO regress_orph_user;
SET ROLE regress_orph_user;
SELECT orph_safe.try($$SELECT * FROM fk_orphans('orph_safe.lc')$$);
SELECT constraint_name, orphan_rows, status FROM fk_check('lc') ORDER BY 1;
RESET ROLE;
-- an equality function the caller may not execute: the same
CREATE TYPE orph_safe.money2 AS (v int);
CREATE FUNCTION orph_safe.m2_eq(orph_safe.money2, orph_safe.money2) RETURNS boolean
LANGUAGE sql IMMUTABLE AS 'SELECT $1.v = $2.v';
CREATE FUNCTION orph_safe.m2_cmp(orph_safe.money2, orph_safe.money2) RETURNS int
LANGUAGE sql IMMUTABLE AS 'SELECT CASE WHEN $1.v < $2.v THEN -1 WHEN $1.v > $2.v THEN 1 ELSE 0 END';
CREATE FUNCTION orph_safe.m2_lt(orph_safe.money2, orph_safe.money2) RETURNS boolean
LANGUAGE sql IMMUTABLE AS 'SELECT $1.v < $2.v';
CREATE OPERATOR orph_safe.= (LEFTARG = orph_safe.money2, RIGHTARG = orph_safe.money2, FUNCTION = orph_safe.m2_eq);
CREATE OPERATOR orph_safe.< (LEFTARG = orph_safe.money2, RIGHTARG = orph_safe.money2, FUNCTION = orph_safe.m2_lt);
CREATE OPERATOR CLASS orph_safe.m2_ops DEFAULT FOR TYPE orph_safe.money2 USING btree AS
    OPERATOR 1 orph_safe.<, OPERATOR 3 orph_safe.=, FUNCTION 1 orph_safe.m2_cmp(orph_safe.money2, orph_safe.money2);
CREATE TABLE mp (m orph_safe.money2 PRIMARY KEY);
CREATE TABLE mc (id int, m orph_safe.money2 REFERENCES mp, pid int REFERENCES parent);
GRANT SELECT ON mp, mc TO regress_orph_user;
REVOKE EXECUTE ON FUNCTION orph_safe.m2_eq(orph_safe.money2, orph_safe.money2) FROM PUBLIC;
SET ROLE regress_orph_user;
SELECT orph_safe.try($$SELECT * FROM fk_orphans('mc')$$);
SELECT constraint_name, orphan_rows, status FROM fk_check('mc') ORDER BY 1;
RESET ROLE;

------------------------------------------------------------------------
-- Row-level security: the caller's policies apply
------------------------------------------------------------------------
ALTER TABLE child ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON child FOR SELECT USING (owner_name = current_user);
SET ROLE regress_orph_user;
-- only the caller's own orphans (rows 2 and 4; row 3 is hidden)
SELECT constraint_name, key, orphan_row->>'note' AS note FROM fk_orphans('child') ORDER BY 1, 3;
SELECT constraint_name, key, referencing_rows FROM fk_missing_parents('child') ORDER BY 1, key;
SELECT constraint_name, orphan_rows, missing_keys, status FROM fk_check('child') ORDER BY 1;
RESET ROLE;
-- the owner sees them all
SELECT constraint_name, key, orphan_row->>'note' AS note FROM fk_orphans('child') ORDER BY 1, 3;
-- a filtered referenced table would make visible rows look orphaned: refused
ALTER TABLE parent ENABLE ROW LEVEL SECURITY;
CREATE POLICY some_parents ON parent FOR SELECT USING (id = 1);
SET ROLE regress_orph_user;
SELECT orph_safe.try($$SELECT * FROM fk_orphans('child')$$);
SELECT orph_safe.try($$SELECT * FROM fk_missing_parents('child', 'child_pid_fkey')$$);
SELECT constraint_name, orphan_rows, status FROM fk_check('child') ORDER BY 1;
RESET ROLE;
ALTER TABLE parent DISABLE ROW LEVEL SECURITY;
ALTER TABLE child DISABLE ROW LEVEL SECURITY;

------------------------------------------------------------------------
-- search_path trojans: a superuser with public ahead of pg_catalog never
-- runs what is planted there
------------------------------------------------------------------------
CREATE DOMAIN orph_safe.dint AS int;
CREATE TABLE dparent (k int PRIMARY KEY, t text UNIQUE);
CREATE TABLE dchild (id int, k orph_safe.dint REFERENCES dparent, t text REFERENCES dparent (t));
INSERT INTO dparent VALUES (1, 'a');
ALTER TABLE dchild DISABLE TRIGGER ALL;
INSERT INTO dchild VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 2, 'a');
ALTER TABLE dchild ENABLE TRIGGER ALL;
CREATE FUNCTION public.trojan() RETURNS void
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan called'; END $$;
CREATE FUNCTION public.trojan_ii(int, int) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trojan(); RETURN true; END $$;
CREATE FUNCTION public.trojan_tt(text, text) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trojan(); RETURN true; END $$;
CREATE FUNCTION public.trojan_dd(orph_safe.dint, orph_safe.dint) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trojan(); RETURN true; END $$;
CREATE FUNCTION public.trojan_id(int, orph_safe.dint) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trojan(); RETURN true; END $$;
CREATE FUNCTION public.trojan_bi(bigint, int) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trojan(); RETURN true; END $$;
CREATE OPERATOR public.= (LEFTARG = orph_safe.dint, RIGHTARG = orph_safe.dint, FUNCTION = public.trojan_dd);
CREATE OPERATOR public.= (LEFTARG = int, RIGHTARG = orph_safe.dint, FUNCTION = public.trojan_id);
CREATE OPERATOR public.= (LEFTARG = int, RIGHTARG = int, FUNCTION = public.trojan_ii);
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.trojan_tt);
CREATE OPERATOR public.<= (LEFTARG = bigint, RIGHTARG = int, FUNCTION = public.trojan_bi);
CREATE FUNCTION public.to_jsonb(orph_safe.dchild) RETURNS jsonb
LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trojan(); RETURN NULL; END $$;
CREATE FUNCTION public.to_jsonb(anyelement) RETURNS jsonb
LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trojan(); RETURN NULL; END $$;
CREATE FUNCTION public.jsonb_build_object(text, orph_safe.dint) RETURNS jsonb
LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trojan(); RETURN NULL; END $$;
CREATE FUNCTION public.jsonb_build_object(text, text) RETURNS jsonb
LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trojan(); RETURN NULL; END $$;
CREATE FUNCTION public.trojan_acc(bigint) RETURNS bigint
LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trojan(); RETURN 0; END $$;
CREATE AGGREGATE public.count(*) (SFUNC = public.trojan_acc, STYPE = bigint);
CREATE FUNCTION public.trojan_sum(bigint, bigint) RETURNS bigint
LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trojan(); RETURN 0; END $$;
CREATE AGGREGATE public.sum(bigint) (SFUNC = public.trojan_sum, STYPE = bigint);
CREATE FUNCTION public.row_number() RETURNS bigint
LANGUAGE plpgsql WINDOW AS $$ BEGIN PERFORM public.trojan(); RETURN 0; END $$;
-- (the planted objects are live: an unqualified query runs them)
SET search_path = public, pg_catalog, orph_safe;
SELECT orph_safe.try($$SELECT to_jsonb(c) FROM orph_safe.dchild c$$);
SELECT orph_safe.try($$SELECT 1 FROM orph_safe.dchild c JOIN orph_safe.dparent p ON p.k = c.k$$);
SELECT orph_safe.try($$SELECT count(*) FROM orph_safe.dchild$$);
SELECT constraint_name, table_name, key, orphan_row FROM fk_orphans('orph_safe.dchild') ORDER BY 1, orphan_row->>'id';
SELECT constraint_name, referenced_table, key, referencing_rows FROM fk_missing_parents('orph_safe.dchild') ORDER BY 1, key;
SELECT table_name, constraint_name, orphan_rows, missing_keys, sample_keys, status FROM fk_check('orph_safe.dchild') ORDER BY 2;
SET search_path = orph_safe, public;
DROP FUNCTION public.trojan() CASCADE;
DROP FUNCTION public.trojan_ii(int, int), public.trojan_tt(text, text), public.trojan_bi(bigint, int),
    public.to_jsonb(orph_safe.dchild), public.to_jsonb(anyelement),
    public.jsonb_build_object(text, orph_safe.dint), public.jsonb_build_object(text, text),
    public.trojan_dd(orph_safe.dint, orph_safe.dint), public.trojan_id(int, orph_safe.dint) CASCADE;
DROP AGGREGATE public.count(*), public.sum(bigint);
DROP FUNCTION public.trojan_acc(bigint), public.trojan_sum(bigint, bigint), public.row_number();

------------------------------------------------------------------------
-- Read-only transactions; only AccessShareLock
------------------------------------------------------------------------
BEGIN READ ONLY;
SELECT count(*) FROM fk_orphans('child');
SELECT count(*) FROM fk_missing_parents('child');
SELECT constraint_name, orphan_rows, status FROM fk_check('child') ORDER BY 1;
SELECT count(*) >= 2 FROM fk_check();
SELECT DISTINCT mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation';
SELECT relation::regclass::text AS locked FROM pg_locks
 WHERE pid = pg_backend_pid() AND locktype = 'relation'
   AND relation IN ('child'::regclass, 'parent'::regclass, 'other_parent'::regclass)
 ORDER BY 1;
COMMIT;

------------------------------------------------------------------------
-- Bad input
------------------------------------------------------------------------
CREATE VIEW a_view AS SELECT * FROM child;
CREATE SEQUENCE a_seq;
CREATE INDEX an_index ON child (pid);
CREATE MATERIALIZED VIEW a_matview AS SELECT 1 AS x;
SELECT f, orph_safe.try(format('SELECT * FROM %s(%L)', f, t))
  FROM unnest('{fk_orphans,fk_check,fk_missing_parents}'::text[]) f,
       unnest('{orph_safe.a_view,orph_safe.a_seq,orph_safe.an_index,orph_safe.a_matview}'::text[]) t
 ORDER BY 1, 2;
SELECT orph_safe.try($$SELECT * FROM fk_orphans('child', 'no_such_fk')$$);
SELECT orph_safe.try($$SELECT * FROM fk_missing_parents('child', 'child_pid_fkey ')$$);
SELECT orph_safe.try($$SELECT * FROM fk_orphans('parent', 'x')$$);
-- NULL target: no rows; NULL constraint: all of them
SELECT count(*) FROM fk_orphans(NULL);
SELECT count(*) FROM fk_missing_parents(NULL, 'x');
SELECT count(*) FROM fk_orphans('child', NULL);
-- a table without foreign keys: no rows
SELECT count(*) FROM fk_orphans('parent');
SELECT count(*) FROM fk_check('parent');

------------------------------------------------------------------------
-- statement_timeout stops a long scan
------------------------------------------------------------------------
CREATE UNLOGGED TABLE big (k int REFERENCES parent);
ALTER TABLE big DISABLE TRIGGER ALL;
INSERT INTO big SELECT g % 3 FROM generate_series(1, 2000000) g;
ALTER TABLE big ENABLE TRIGGER ALL;
SET statement_timeout = '10ms';
SELECT orph_safe.try($$SELECT * FROM fk_orphans('big')$$);
SELECT orph_safe.try($$SELECT * FROM fk_check('big')$$);
RESET statement_timeout;

RESET client_min_messages;
SET client_min_messages = warning;
DROP SCHEMA orph_safe, orph_locked CASCADE;
DROP ROLE regress_orph_user;
RESET client_min_messages;
RESET search_path;
