--
-- Every function of the extension, run by a superuser whose search_path
-- puts public ahead of pg_catalog, where operators and functions that
-- raise have been planted over the common built-in ones.  Generated SQL is
-- schema-qualified throughout, so none of them may ever be called.
--
CREATE SCHEMA tj;
CREATE TABLE tj.customers (id int PRIMARY KEY, name text NOT NULL, boss int REFERENCES tj.customers);
CREATE TABLE tj.orders (id bigint PRIMARY KEY, customer_id int REFERENCES tj.customers ON DELETE CASCADE,
                        code text, note text);
CREATE TABLE tj.lines (order_id bigint REFERENCES tj.orders ON DELETE SET NULL, qty int);
CREATE TABLE tj.pay (order_id bigint, code text);
INSERT INTO tj.customers VALUES (1, 'a', NULL), (2, 'b', 1), (3, 'c', 2);
INSERT INTO tj.orders VALUES (10, 1, 'x', 'n'), (11, 2, 'y', 'm'), (12, 3, 'z', NULL);
INSERT INTO tj.lines VALUES (10, 1), (11, 2), (NULL, 3);
INSERT INTO tj.pay VALUES (10, 'p'), (99, 'q');
ALTER TABLE tj.pay ADD FOREIGN KEY (order_id) REFERENCES tj.orders NOT VALID;

CREATE FUNCTION public.tj_raise2(anyelement, anyelement) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan operator called'; END $$;
CREATE FUNCTION public.tj_raise_ii(int, int) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan operator called'; END $$;
CREATE FUNCTION public.tj_raise_bb(bigint, bigint) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan operator called'; END $$;
CREATE FUNCTION public.tj_raise_tt(text, text) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan operator called'; END $$;
CREATE FUNCTION public.tj_raise_jj(jsonb, jsonb) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan operator called'; END $$;
CREATE FUNCTION public.tj_raise_tid(tid, tid) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan operator called'; END $$;
CREATE FUNCTION public.tj_raise_oid(oid, oid) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan operator called'; END $$;
CREATE FUNCTION public.tj_raise_bi(bigint, int) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan operator called'; END $$;
CREATE OPERATOR public.= (LEFTARG = int, RIGHTARG = int, FUNCTION = public.tj_raise_ii);
CREATE OPERATOR public.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.tj_raise_bb);
CREATE OPERATOR public.= (LEFTARG = bigint, RIGHTARG = int, FUNCTION = public.tj_raise_bi);
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.tj_raise_tt);
CREATE OPERATOR public.= (LEFTARG = tid, RIGHTARG = tid, FUNCTION = public.tj_raise_tid);
CREATE OPERATOR public.= (LEFTARG = oid, RIGHTARG = oid, FUNCTION = public.tj_raise_oid);
CREATE OPERATOR public.<> (LEFTARG = int, RIGHTARG = int, FUNCTION = public.tj_raise_ii);
CREATE OPERATOR public.<= (LEFTARG = bigint, RIGHTARG = int, FUNCTION = public.tj_raise_bi);
CREATE OPERATOR public.@> (LEFTARG = jsonb, RIGHTARG = jsonb, FUNCTION = public.tj_raise_jj);
CREATE FUNCTION public.to_jsonb(tj.orders) RETURNS jsonb
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan to_jsonb called'; END $$;
CREATE FUNCTION public.to_jsonb(tj.customers) RETURNS jsonb
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan to_jsonb called'; END $$;
CREATE FUNCTION public.to_jsonb(tj.lines) RETURNS jsonb
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan to_jsonb called'; END $$;
CREATE FUNCTION public.jsonb_build_object(text, bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan jsonb_build_object called'; END $$;
CREATE FUNCTION public.jsonb_build_object(text, int) RETURNS jsonb
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan jsonb_build_object called'; END $$;
CREATE FUNCTION public.jsonb_object(text[]) RETURNS jsonb
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan jsonb_object called'; END $$;
CREATE FUNCTION public.quote_ident(text) RETURNS text
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan quote_ident called'; END $$;
CREATE FUNCTION public.format(text, VARIADIC text[]) RETURNS text
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan format called'; END $$;
CREATE FUNCTION public.count(bigint) RETURNS bigint
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan count called'; END $$;
CREATE FUNCTION public.unnest(tid[]) RETURNS SETOF tid
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan unnest called'; END $$;
CREATE FUNCTION public.array_agg(tid) RETURNS tid[]
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan array_agg called'; END $$;

SET search_path = public, pg_catalog;

-- the planted operator is what an unqualified query gets
SELECT 1 = 1;

-- and none of these call it
SELECT count(*) OPERATOR(pg_catalog.>) 0 AS constraints FROM fk_constraints WHERE table_name::text LIKE 'tj.%';
SELECT issue, table_name, constraint_name FROM fk_issues WHERE table_name::text LIKE 'tj.%' ORDER BY 1, 2, 3;
SELECT depth, table_name, constraint_name FROM fk_referencing_tables('tj.customers', true) ORDER BY 1, 2, 3;
SELECT depth, table_name, constraint_name FROM fk_referenced_tables('tj.lines', true) ORDER BY 1, 2, 3;
SELECT load_position, table_name, cycle_group, break_constraints FROM fk_load_order('{tj}') ORDER BY 1;
SELECT * FROM fk_orphans('tj.pay');
SELECT * FROM fk_missing_parents('tj.pay');
SELECT table_name, constraint_name, orphan_rows, missing_keys, sample_keys, status
  FROM fk_check('tj.pay');
SELECT * FROM fk_cascade_preview('tj.customers', 1) ORDER BY 1, 2, 3, 5;
SELECT * FROM fk_cascade_preview('tj.customers', '{"name": "b"}'::jsonb) ORDER BY 1, 2, 3, 5;
SELECT * FROM fk_cascade_preview('tj.orders', ARRAY[10, 11]::bigint[]) ORDER BY 1, 2, 3, 5;
SELECT depth, table_name, action, affected_row FROM fk_cascade_rows('tj.customers', 2) ORDER BY 1, 2, 3, 4::text;
SELECT * FROM fk_update_preview('tj.orders', 10::bigint, '{"id": 20}') ORDER BY 1, 2, 3, 5;
SELECT step, finding IS NOT NULL AS has_finding, sql IS NOT NULL AS has_sql
  FROM fk_explain(E'ERROR:  insert or update on table "orders" violates foreign key constraint "orders_customer_id_fkey"\nDETAIL:  Key (customer_id)=(7) is not present in table "customers".')
 ORDER BY 1;
SELECT count(*) OPERATOR(pg_catalog.>) 0 AS explained
  FROM fk_explain(E'ERROR:  update or delete on table "customers" violates foreign key constraint "customers_boss_fkey" on table "customers"\nDETAIL:  Key (id)=(1) is still referenced from table "customers".');
SELECT count(*) OPERATOR(pg_catalog.>) 0 AS explained FROM fk_explain('orders_customer_id_fkey', 'tj.orders');
SELECT table_name, constraint_name, orphan_rows, outcome FROM fk_validate('tj.pay', true);
SELECT constraint_name, table_name, operation, rows_affected FROM fk_repair_orphans('tj.pay', NULL, 'delete', true) ORDER BY 1, 2, 3;
BEGIN;
SELECT constraint_name, table_name, operation, rows_affected FROM fk_repair_orphans('tj.pay', NULL, 'delete', false) ORDER BY 1, 2, 3;
SELECT table_name, constraint_name, orphan_rows, outcome FROM fk_validate('tj.pay');
ROLLBACK;

-- Casts, domains and defaults planted the same way: a cast to json on a
-- type the tables use, a domain CHECK (added NOT VALID, so only new values
-- meet it) on a key column, a SET DEFAULT default; all raise when called
-- by the caller.  Values are rendered without casts, keys read through the
-- base type, defaults evaluated as the table's owner (who may: here the
-- raising default is what the real DELETE would run too, reported as not
-- known in advance).
CREATE TYPE tj.mood AS ENUM ('ok', 'meh');
CREATE FUNCTION public.tj_mood_json(tj.mood) RETURNS json
LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RAISE EXCEPTION 'trojan cast called'; END $$;
CREATE CAST (tj.mood AS json) WITH FUNCTION public.tj_mood_json(tj.mood);
CREATE FUNCTION public.tj_check(int) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan domain check called'; END $$;
CREATE DOMAIN tj.dkey AS int;
CREATE FUNCTION public.tj_default() RETURNS int
LANGUAGE plpgsql STABLE AS $$ BEGIN RAISE EXCEPTION 'trojan default called'; END $$;
CREATE TABLE tj.dp (k tj.dkey PRIMARY KEY, m tj.mood);
CREATE TABLE tj.dc (id int PRIMARY KEY, k tj.dkey DEFAULT public.tj_default() REFERENCES tj.dp ON DELETE SET DEFAULT, m tj.mood);
INSERT INTO tj.dp VALUES (1, 'ok'), (2, 'meh');
INSERT INTO tj.dc VALUES (1, 1, 'meh'), (2, 2, 'ok');
ALTER DOMAIN tj.dkey ADD CONSTRAINT dkey_check CHECK (public.tj_check(VALUE)) NOT VALID;
SET search_path = public, pg_catalog;
SELECT table_name, orphan_rows, status FROM fk_check('tj.dc');
SELECT depth, table_name, action, affected_row FROM fk_cascade_rows('tj.dp', 1) ORDER BY 1, 2::text;
SELECT depth, table_name, action, row_count, detail FROM fk_cascade_preview('tj.dp', '1'::text) ORDER BY 1, 2::text;
SELECT count(*) OPERATOR(pg_catalog.>) 0 AS explained
  FROM fk_explain(E'ERROR:  insert or update on table "dc" violates foreign key constraint "dc_k_fkey"\nDETAIL:  Key (k)=(7) is not present in table "dp".');
RESET search_path;
DROP CAST (tj.mood AS json);

-- Look-alikes of the extension's own functions, planted in the extension's
-- schema by a role that may create there: better matches for the calls
-- the extension used to make through SQL, returning a NULL action (which
-- crashed the backend).  The extension calls its engine in C and never
-- resolves its own functions by name, so none of them runs.
RESET search_path;
CREATE ROLE tj_mal;
GRANT CREATE ON SCHEMA public TO tj_mal;
SET ROLE tj_mal;
CREATE FUNCTION public.fk_cascade_preview(regclass, text[])
RETURNS TABLE(depth int, table_name regclass, action text, row_count bigint,
              via_constraint name, referenced_table regclass, detail text)
LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'look-alike fk_cascade_preview(regclass, text[]) ran as %', current_user;
  RETURN QUERY SELECT 0, $1, NULL::text, NULL::bigint, NULL::name, NULL::regclass, NULL::text; END $$;
CREATE FUNCTION public.fk_cascade_preview(regclass, jsonb)
RETURNS TABLE(depth int, table_name regclass, action text, row_count bigint,
              via_constraint name, referenced_table regclass, detail text)
LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'look-alike fk_cascade_preview(regclass, jsonb) ran as %', current_user;
  RETURN QUERY SELECT 0, $1, NULL::text, NULL::bigint, NULL::name, NULL::regclass, NULL::text; END $$;
CREATE FUNCTION public.fk_update_preview(regclass, jsonb, jsonb)
RETURNS TABLE(depth int, table_name regclass, action text, row_count bigint,
              via_constraint name, referenced_table regclass, detail text)
LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'look-alike fk_update_preview ran as %', current_user;
  RETURN QUERY SELECT 0, $1, NULL::text, NULL::bigint, NULL::name, NULL::regclass, NULL::text; END $$;
CREATE FUNCTION public.fk_cascade_rows(regclass, jsonb)
RETURNS TABLE(depth int, table_name regclass, action text, via_constraint name, affected_row jsonb)
LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'look-alike fk_cascade_rows ran as %', current_user;
  RETURN QUERY SELECT 0, $1, NULL::text, NULL::name, NULL::jsonb; END $$;
RESET ROLE;
SET search_path = public, pg_catalog;
SELECT count(*) OPERATOR(pg_catalog.>) 0 AS explained
  FROM fk_explain(E'ERROR:  update or delete on table "customers" violates foreign key constraint "customers_boss_fkey" on table "customers"\nDETAIL:  Key (id)=(1) is still referenced from table "customers".');
SELECT constraint_name, table_name, operation, rows_affected FROM fk_repair_orphans('tj.pay', NULL, 'delete', true) ORDER BY 1, 2, 3;
BEGIN;
SELECT constraint_name, table_name, operation, rows_affected FROM fk_repair_orphans('tj.pay', NULL, 'delete', false) ORDER BY 1, 2, 3;
ROLLBACK;
RESET search_path;
DROP FUNCTION public.fk_cascade_preview(regclass, text[]), public.fk_cascade_preview(regclass, jsonb),
     public.fk_update_preview(regclass, jsonb, jsonb), public.fk_cascade_rows(regclass, jsonb);
REVOKE CREATE ON SCHEMA public FROM tj_mal;
DROP ROLE tj_mal;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA tj CASCADE;  -- with the planted to_jsonb(tj.*) functions
RESET client_min_messages;
DROP OPERATOR public.= (int, int), public.= (bigint, bigint), public.= (bigint, int), public.= (text, text),
     public.= (tid, tid), public.= (oid, oid), public.<> (int, int), public.<= (bigint, int), public.@> (jsonb, jsonb);
DROP FUNCTION public.tj_raise2(anyelement, anyelement), public.tj_raise_ii(int, int), public.tj_raise_bb(bigint, bigint),
     public.tj_raise_tt(text, text), public.tj_raise_jj(jsonb, jsonb), public.tj_raise_tid(tid, tid),
     public.tj_raise_oid(oid, oid), public.tj_raise_bi(bigint, int),
     public.jsonb_build_object(text, bigint), public.jsonb_build_object(text, int), public.jsonb_object(text[]),
     public.quote_ident(text), public.format(text, VARIADIC text[]), public.count(bigint),
     public.unnest(tid[]), public.array_agg(tid), public.tj_check(int), public.tj_default();
