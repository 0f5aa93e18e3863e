-- fk_suggest: columns that look like references no foreign key declares.
--
-- The schema is a small shop generated here (fixed seed), with the naming
-- habits of real schemas (plural and singular tables, natural keys, role
-- prefixes, prefixed table names, a 1:1 table, a self reference, a
-- multi-tenant composite key, partitions, odd identifiers) and decoys
-- that must not be suggested.  The server is the oracle: every suggestion's
-- DDL is run for real and rolled back, VALIDATE must fail exactly when
-- orphan_rows > 0, and orphan_rows must equal the number of rows the
-- server rejects when each row is copied into a scratch table carrying the
-- same foreign key.  The types fk_suggest accepts are exactly those for
-- which ADD FOREIGN KEY succeeds.
SET client_min_messages = warning;
CREATE SCHEMA sug;
CREATE SCHEMA "Sug ""Odd"" Ü";
SET search_path = sug, public;

-- Run a query; show its SQLSTATE and message instead of failing.
CREATE FUNCTION sug.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; n bigint;
BEGIN
    EXECUTE 'SELECT count(*) FROM (' || stmt || ') s' INTO n;
    RETURN 'ok: ' || n || ' rows';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN st || ': ' || msg;
END
$$;

------------------------------------------------------------------------
-- The shop
------------------------------------------------------------------------
SELECT setseed(0.16);
CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL);
INSERT INTO countries VALUES ('DE', 'Germany'), ('FR', 'France'), ('IT', 'Italy'), ('NL', 'Netherlands');
CREATE TABLE addresses (id serial PRIMARY KEY, street text, city text, country_code char(2));
INSERT INTO addresses (street, city, country_code)
SELECT 'Street ' || g, 'City ' || (g % 7), (ARRAY['DE','FR','IT','NL'])[1 + (random() * 3)::int]
  FROM generate_series(1, 120) g;
CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, email text UNIQUE,
                        address_id integer, referred_by integer);
INSERT INTO customers
SELECT g, 'Customer ' || g, 'c' || g || '@example.com', 1 + (random() * 119)::int,
       CASE WHEN g > 10 AND random() < 0.3 THEN 1 + (random() * (g - 2))::int END
  FROM generate_series(1, 100) g;
-- 1:1: the details belong to a customer, not the other way round
CREATE TABLE customer_details (customer_id integer PRIMARY KEY, notes text);
INSERT INTO customer_details SELECT id, 'notes ' || id FROM customers WHERE id % 3 = 0;
CREATE TABLE categories (id integer PRIMARY KEY, name text, parent_id integer);
INSERT INTO categories VALUES (1, 'All', NULL), (2, 'Books', 1), (3, 'Music', 1), (4, 'Jazz', 3), (5, 'Rock', 3), (6, 'Poetry', 2);
CREATE TABLE products (id integer PRIMARY KEY, sku text UNIQUE NOT NULL, name text, category_id integer, price numeric(8,2));
INSERT INTO products SELECT g, 'SKU-' || g, 'Product ' || g, 2 + (random() * 3)::int, round((random() * 100)::numeric, 2)
  FROM generate_series(1, 60) g;
CREATE TABLE order_statuses (code text PRIMARY KEY, label text);
INSERT INTO order_statuses VALUES ('new', 'New'), ('paid', 'Paid'), ('sent', 'Sent');
-- bigint order ids; customers.id is integer: a cross-type key
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, shipping_address_id integer,
                     billing_address_id integer, status_code text, placed_at timestamptz);
INSERT INTO orders
SELECT g, 1 + (random() * 99)::int, 1 + (random() * 119)::int,
       CASE WHEN random() < 0.5 THEN 1 + (random() * 119)::int END,
       (ARRAY['new','paid','sent'])[1 + (random() * 2)::int], timestamptz '2024-01-01' + g * interval '1 hour'
  FROM generate_series(1, 300) g;
CREATE TABLE order_items (order_id bigint, line integer, product_id integer, quantity integer,
                          PRIMARY KEY (order_id, line));
INSERT INTO order_items SELECT o, l, 1 + (random() * 59)::int, 1 + (random() * 4)::int
  FROM generate_series(1, 300) o, generate_series(1, 3) l WHERE random() < 0.8;
-- payments of orders deleted since: orphans, few enough to stay above 0.9
CREATE TABLE payments (id integer PRIMARY KEY, order_id bigint, amount numeric(8,2), paid_at timestamptz);
INSERT INTO payments SELECT g, CASE WHEN g % 40 = 0 THEN 1000 + g / 40 ELSE g END, 10, now() FROM generate_series(1, 290) g;
-- a declared key: product_id is covered, customer_id is not
CREATE TABLE reviews (id integer PRIMARY KEY, product_id integer REFERENCES products, customer_id integer, stars smallint);
INSERT INTO reviews SELECT g, 1 + g % 60, 1 + g % 100, 1 + g % 5 FROM generate_series(1, 80) g;
-- a key no name points at: managers are employees (a known miss)
CREATE TABLE employees (id integer PRIMARY KEY, name text, manager_id integer);
INSERT INTO employees VALUES (1, 'Boss', NULL), (2, 'Ann', 1), (3, 'Bob', 1);
-- prefixed table names (an application prefix)
CREATE TABLE polls_question (id integer PRIMARY KEY, question_text text);
CREATE TABLE polls_choice (id integer PRIMARY KEY, question_id integer, votes integer);
INSERT INTO polls_question SELECT g, 'Q' || g FROM generate_series(1, 10) g;
INSERT INTO polls_choice SELECT g, 1 + g % 10, 0 FROM generate_series(1, 40) g;
-- irregular plurals
CREATE TABLE people (id integer PRIMARY KEY, name text);
CREATE TABLE boxes (id integer PRIMARY KEY, label text);
CREATE TABLE memberships (id integer PRIMARY KEY, person_id integer, box_id integer, category_id integer);
INSERT INTO people SELECT g, 'P' || g FROM generate_series(1, 20) g;
INSERT INTO boxes SELECT g, 'B' || g FROM generate_series(1, 5) g;
INSERT INTO memberships SELECT g, 1 + g % 20, 1 + g % 5, CASE WHEN g % 2 = 0 THEN 1 + g % 6 END FROM generate_series(1, 30) g;
-- multi-tenant: accounts are unique per tenant only (a composite key);
-- MATCH SIMPLE: an invoice without an account is no orphan
CREATE TABLE tenants (id integer PRIMARY KEY, name text);
INSERT INTO tenants VALUES (1, 'T1'), (2, 'T2'), (3, 'T3');
CREATE TABLE accounts (tenant_id integer, id integer, name text, PRIMARY KEY (tenant_id, id));
INSERT INTO accounts SELECT t, a, 'A' || a FROM generate_series(1, 3) t, generate_series(1, 10) a;
CREATE TABLE invoices (id integer PRIMARY KEY, tenant_id integer, account_id integer, total numeric);
INSERT INTO invoices SELECT g, 1 + g % 3, CASE WHEN g % 7 = 0 THEN NULL WHEN g = 50 THEN 11 ELSE 1 + g % 10 END, g
  FROM generate_series(1, 60) g;
-- a partitioned referencing table, large enough to be sampled; a
-- partitioned referenced table
CREATE TABLE page_views (id bigint, customer_id integer, product_id integer, seen date NOT NULL) PARTITION BY RANGE (seen);
CREATE TABLE page_views_2024 PARTITION OF page_views FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE page_views_2025 PARTITION OF page_views FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO page_views SELECT g, CASE WHEN g % 500 = 0 THEN 777 ELSE 1 + g % 100 END, 1 + g % 60, date '2024-01-01' + g % 700
  FROM generate_series(1, 6000) g;
CREATE TABLE warehouses (id integer, region text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE warehouses_eu PARTITION OF warehouses FOR VALUES IN ('eu');
CREATE TABLE warehouses_us PARTITION OF warehouses FOR VALUES IN ('us');
CREATE TABLE regions (region text PRIMARY KEY);
INSERT INTO regions VALUES ('eu'), ('us');
INSERT INTO warehouses VALUES (1, 'eu'), (2, 'us');
CREATE TABLE stock (product_id integer, warehouse_id integer, region text, amount integer);
INSERT INTO stock SELECT p, 1 + p % 2, CASE p % 2 WHEN 0 THEN 'eu' ELSE 'us' END, 5 FROM generate_series(1, 60) p;
-- a case-insensitive key: 'JAZZ' is found under it, 'Blues' is not
CREATE COLLATION sug.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE tags (name text COLLATE sug.ci PRIMARY KEY);
INSERT INTO tags SELECT 'tag' || g FROM generate_series(1, 40) g;
INSERT INTO tags VALUES ('jazz');
CREATE TABLE posts (id integer PRIMARY KEY, tag_name text);
INSERT INTO posts SELECT g, CASE WHEN g = 1 THEN 'Blues' WHEN g % 3 = 0 THEN 'JAZZ' ELSE 'TAG' || (g % 40 + 1) END
  FROM generate_series(1, 90) g;
-- decoys: names that point at a key, data or types that do not
CREATE TABLE web_events (id integer PRIMARY KEY, session_id text, customer_id text,
                         external_customer_id integer, address integer, zip integer);
INSERT INTO web_events SELECT g, md5(g::text), (g % 100)::text, 5000 + g, g, 10000 + g FROM generate_series(1, 50) g;
-- the same table name in another schema, and odd identifiers
CREATE TABLE "Sug ""Odd"" Ü".customers (id integer PRIMARY KEY);
INSERT INTO "Sug ""Odd"" Ü".customers SELECT generate_series(1, 100);
CREATE TABLE "Sug ""Odd"" Ü"."user" (id integer PRIMARY KEY);
INSERT INTO "Sug ""Odd"" Ü"."user" SELECT generate_series(1, 5);
CREATE TABLE "Sug ""Odd"" Ü"."Straße" ("Straße_Nr" integer PRIMARY KEY);
INSERT INTO "Sug ""Odd"" Ü"."Straße" SELECT generate_series(1, 3);
CREATE TABLE "Sug ""Odd"" Ü"."User Notes; DROP" ("userId" integer, "StraßeNr" integer, "customer ID" integer, note text);
INSERT INTO "Sug ""Odd"" Ü"."User Notes; DROP" VALUES (1, 1, 1, 'a'), (2, 3, 5, 'b'), (5, 2, 50, 'c'), (NULL, NULL, NULL, 'd');
ANALYZE;

------------------------------------------------------------------------
-- What is suggested (the oracle below checks every row against the server)
------------------------------------------------------------------------
SELECT table_name, columns, referenced_table, referenced_columns, naming_rule,
       round(containment::numeric, 4) AS containment, distinct_keys, sampled, orphan_rows
  FROM fk_suggest(ARRAY['sug', 'Sug "Odd" Ü'])
 ORDER BY table_name::text, columns::text;

-- the DDL, as it will be run below
SELECT constraint_name, ddl, validate_ddl
  FROM fk_suggest(ARRAY['sug', 'Sug "Odd" Ü'])
 ORDER BY table_name::text, columns::text;

------------------------------------------------------------------------
-- The oracle
------------------------------------------------------------------------
CREATE SCHEMA sug_oracle;

-- How many rows of tab (its partitions included, its inheritance children
-- not) the server rejects under FOREIGN KEY (cols) REFERENCES parent
-- (refcols): each row is copied into a scratch table carrying that key, in
-- its own subtransaction.
CREATE FUNCTION sug_oracle.rejected(tab regclass, cols name[], parent regclass, refcols name[])
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    r record;
    n bigint := 0;
    src text := CASE WHEN (SELECT relkind FROM pg_class WHERE oid = tab) = 'p'
                     THEN tab::text ELSE 'ONLY ' || tab::text END;
BEGIN
    EXECUTE format('CREATE TABLE sug_oracle.scratch (LIKE %s)', tab);
    EXECUTE format('ALTER TABLE sug_oracle.scratch ADD FOREIGN KEY (%s) REFERENCES %s (%s)',
                   (SELECT string_agg(quote_ident(c), ', ') FROM unnest(cols) c),
                   parent, (SELECT string_agg(quote_ident(c), ', ') FROM unnest(refcols) c));
    FOR r IN EXECUTE format('SELECT tableoid, ctid FROM %s', src) LOOP
        BEGIN
            EXECUTE format('INSERT INTO sug_oracle.scratch SELECT * FROM %s t WHERE t.tableoid = $1 AND t.ctid = $2', src)
              USING r.tableoid, r.ctid;
        EXCEPTION WHEN foreign_key_violation THEN
            n := n + 1;
        END;
    END LOOP;
    DROP TABLE sug_oracle.scratch;
    RETURN n;
END
$$;

-- Run the suggestion's DDL for real and undo it: NULL when it behaves as
-- the suggestion says (ddl accepted; VALIDATE, or for a partitioned table
-- the validating ADD itself, fails with foreign_key_violation exactly
-- when orphan_rows > 0), else what went wrong.
CREATE FUNCTION sug_oracle.ddl_works(ddl text, validate_ddl text, orphan_rows bigint)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    failed_on text;
    st text;
    msg text;
BEGIN
    BEGIN
        BEGIN
            EXECUTE ddl;
            IF validate_ddl IS NOT NULL THEN
                failed_on := 'validate';
                EXECUTE validate_ddl;
            END IF;
        EXCEPTION WHEN foreign_key_violation THEN
            IF orphan_rows > 0 AND (validate_ddl IS NULL OR failed_on = 'validate') THEN
                RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'done';
            END IF;
            RETURN 'rejected with ' || orphan_rows || ' orphans: ' || SQLERRM;
        END;
        IF orphan_rows > 0 THEN
            RETURN 'accepted with ' || orphan_rows || ' orphans';
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'done';
    EXCEPTION WHEN raise_exception THEN
        IF SQLERRM = 'done' THEN
            RETURN NULL;
        END IF;
        RAISE;
    END;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN st || ': ' || msg;
END
$$;

-- The share of distinct complete keys of the whole table found in the
-- referenced table, written out by hand (for suggestions not sampled).
CREATE FUNCTION sug_oracle.share(tab regclass, cols name[], parent regclass, refcols name[])
RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE
    l text := (SELECT string_agg('d.' || quote_ident(c), ', ') FROM unnest(cols) c);
    r text := (SELECT string_agg('p.' || quote_ident(c), ', ') FROM unnest(refcols) c);
    complete text := (SELECT string_agg(quote_ident(c) || ' IS NOT NULL', ' AND ') FROM unnest(cols) c);
    res double precision;
BEGIN
    EXECUTE format('SELECT count(*) FILTER (WHERE EXISTS (SELECT FROM %s p WHERE (%s) = (%s)))::float8 / nullif(count(*), 0)
                      FROM (SELECT DISTINCT %s FROM %s WHERE %s) d',
                   parent, r, l, (SELECT string_agg(quote_ident(c), ', ') FROM unnest(cols) c),
                   CASE WHEN (SELECT relkind FROM pg_class WHERE oid = tab) = 'p' THEN tab::text ELSE 'ONLY ' || tab::text END,
                   complete)
      INTO res;
    RETURN res;
END
$$;

SELECT count(*) AS suggestions,
       count(*) FILTER (WHERE s.orphan_rows <> sug_oracle.rejected(s.table_name, s.columns, s.referenced_table, s.referenced_columns)) AS orphan_mismatches,
       count(*) FILTER (WHERE sug_oracle.ddl_works(s.ddl, s.validate_ddl, s.orphan_rows) IS NOT NULL) AS ddl_failures,
       count(*) FILTER (WHERE NOT s.sampled AND s.containment IS DISTINCT FROM
                        sug_oracle.share(s.table_name, s.columns, s.referenced_table, s.referenced_columns)) AS share_mismatches,
       count(*) FILTER (WHERE s.orphan_rows > 0) AS with_orphans,
       count(*) FILTER (WHERE s.sampled) AS sampled
  FROM fk_suggest(ARRAY['sug', 'Sug "Odd" Ü']) s;
-- what went wrong, if anything
SELECT s.table_name, s.columns, s.orphan_rows,
       sug_oracle.rejected(s.table_name, s.columns, s.referenced_table, s.referenced_columns) AS server_rejects,
       sug_oracle.ddl_works(s.ddl, s.validate_ddl, s.orphan_rows) AS ddl
  FROM fk_suggest(ARRAY['sug', 'Sug "Odd" Ü']) s
 WHERE s.orphan_rows <> sug_oracle.rejected(s.table_name, s.columns, s.referenced_table, s.referenced_columns)
    OR sug_oracle.ddl_works(s.ddl, s.validate_ddl, s.orphan_rows) IS NOT NULL;

-- A sampled table: no more rows read than asked for, and the orphan count
-- still exact (the oracle above reads every row)
SELECT table_name, columns, sampled, sample_rows <= 500 AS within_sample, orphan_rows,
       sug_oracle.rejected(table_name, columns, referenced_table, referenced_columns) AS server_rejects
  FROM fk_suggest('{sug}', sample_rows => 500)
 WHERE table_name = 'page_views'::regclass
 ORDER BY columns::text;

-- The threshold: payments' share is 283/290 = 0.97586 (7 orders lost)
SELECT count(*) FROM fk_suggest('{sug}', min_containment => 0.975) WHERE table_name = 'payments'::regclass;
SELECT count(*) FROM fk_suggest('{sug}', min_containment => 0.976) WHERE table_name = 'payments'::regclass;
-- decoys appear only when no share is asked for, and never with a type
-- the key cannot compare (web_events.customer_id is text)
SELECT columns, referenced_table, round(containment::numeric, 4) AS containment
  FROM fk_suggest('{sug}', min_containment => 0) WHERE table_name = 'web_events'::regclass
 ORDER BY 1::text;

------------------------------------------------------------------------
-- Types: suggested exactly when ADD FOREIGN KEY accepts the pair
------------------------------------------------------------------------
CREATE SCHEMA sug_types;
CREATE DOMAIN sug_types.posint AS integer CHECK (VALUE > 0);
CREATE TYPE sug_types.mood AS ENUM ('sad', 'ok');
DO $$
DECLARE
    pk text[] := ARRAY['integer', 'bigint', 'numeric', 'text', 'varchar(10)', 'char(3)', 'uuid', 'double precision', 'sug_types.posint', 'sug_types.mood'];
    fk text[] := ARRAY['smallint', 'integer', 'bigint', 'numeric', 'text', 'varchar(5)', 'char(3)', 'uuid', 'double precision', 'real', 'boolean', 'jsonb', 'integer[]', 'sug_types.posint', 'sug_types.mood', 'name'];
    i int;
    j int;
BEGIN
    FOR i IN 1 .. array_length(pk, 1) LOOP
        EXECUTE format('CREATE TABLE sug_types.k%s (id %s PRIMARY KEY)', i, pk[i]);
    END LOOP;
    FOR j IN 1 .. array_length(fk, 1) LOOP
        EXECUTE format('CREATE TABLE sug_types.c%s (%s)', j,
                       (SELECT string_agg(format('k%s_id %s', n, fk[j]), ', ')
                          FROM generate_series(1, array_length(pk, 1)) n));
    END LOOP;
END
$$;
CREATE FUNCTION sug_oracle.accepted(c regclass, col name, p regclass) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE format('ALTER TABLE %s ADD FOREIGN KEY (%I) REFERENCES %s (id)', c, col, p);
        RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'accepted';
    EXCEPTION WHEN datatype_mismatch THEN
        RETURN false;
    END;
EXCEPTION WHEN raise_exception THEN
    RETURN true;
END
$$;
WITH pairs AS (
    SELECT c.oid::regclass AS child, a.attname AS col, p.oid::regclass AS parent,
           format_type(a.atttypid, a.atttypmod) AS fk_type,
           (SELECT format_type(pa.atttypid, pa.atttypmod) FROM pg_attribute pa WHERE pa.attrelid = p.oid AND pa.attname = 'id') AS pk_type
      FROM pg_class c
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
      JOIN pg_class p ON p.relnamespace = c.relnamespace AND p.relname = split_part(a.attname, '_', 1)
     WHERE c.relnamespace = 'sug_types'::regnamespace AND c.relname LIKE 'c%' AND c.relkind = 'r'),
suggested AS (
    SELECT table_name AS child, columns[1] AS col, referenced_table AS parent
      FROM fk_suggest('{sug_types}'))
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE sug_oracle.accepted(child, col, parent)) AS server_accepts,
       count(*) FILTER (WHERE s.child IS NOT NULL) AS suggested,
       count(*) FILTER (WHERE sug_oracle.accepted(child, col, parent) <> (s.child IS NOT NULL)) AS disagreements
  FROM pairs LEFT JOIN suggested s USING (child, col, parent);
-- the disagreements, if any, and what each side said
WITH pairs AS (
    SELECT c.oid::regclass AS child, a.attname AS col, p.oid::regclass AS parent,
           format_type(a.atttypid, a.atttypmod) AS fk_type
      FROM pg_class c
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
      JOIN pg_class p ON p.relnamespace = c.relnamespace AND p.relname = split_part(a.attname, '_', 1)
     WHERE c.relnamespace = 'sug_types'::regnamespace AND c.relname LIKE 'c%' AND c.relkind = 'r')
SELECT child, col, parent, fk_type, sug_oracle.accepted(child, col, parent) AS server_accepts
  FROM pairs
 WHERE sug_oracle.accepted(child, col, parent) <>
       EXISTS (SELECT FROM fk_suggest('{sug_types}') s
                WHERE s.table_name = pairs.child AND s.columns[1] = pairs.col AND s.referenced_table = pairs.parent);

------------------------------------------------------------------------
-- A role that may read only some tables: only suggestions between tables
-- it can read, none through a table row-level security filters for it
------------------------------------------------------------------------
CREATE ROLE regress_sug_reader;
GRANT USAGE ON SCHEMA sug TO regress_sug_reader;
GRANT SELECT ON orders, customers, order_items, products, categories, memberships, people TO regress_sug_reader;
GRANT SELECT (id, customer_id) ON reviews TO regress_sug_reader;
GRANT SELECT ON boxes TO regress_sug_reader;
ALTER TABLE boxes ENABLE ROW LEVEL SECURITY;
CREATE POLICY some_boxes ON boxes USING (id < 3);
SET ROLE regress_sug_reader;
SELECT table_name, columns, referenced_table, orphan_rows FROM fk_suggest('{sug}') ORDER BY 1::text, 2::text;
RESET ROLE;
-- the same, computed from the privileges: the superuser's suggestions
-- whose both tables the role can read, without row-level security
SELECT s.table_name, s.columns, s.referenced_table, s.orphan_rows
  FROM fk_suggest('{sug}') s
 WHERE (SELECT bool_and(has_column_privilege('regress_sug_reader', s.table_name, c, 'SELECT')) FROM unnest(s.columns) c)
   AND (SELECT bool_and(has_column_privilege('regress_sug_reader', s.referenced_table, c, 'SELECT')) FROM unnest(s.referenced_columns) c)
   AND NOT (SELECT relrowsecurity FROM pg_class WHERE oid = s.referenced_table)
   AND NOT (SELECT relrowsecurity FROM pg_class WHERE oid = s.table_name)
 ORDER BY 1::text, 2::text;
ALTER TABLE boxes DISABLE ROW LEVEL SECURITY;

------------------------------------------------------------------------
-- Read only: works in a READ ONLY transaction, takes only AccessShareLock
------------------------------------------------------------------------
BEGIN TRANSACTION READ ONLY;
SELECT count(*) > 0 AS some FROM fk_suggest('{sug}');
SELECT DISTINCT mode FROM pg_locks
 WHERE pid = pg_backend_pid() AND locktype = 'relation'
   AND relation IN (SELECT oid FROM pg_class WHERE relnamespace = 'sug'::regnamespace);
COMMIT;

------------------------------------------------------------------------
-- Once declared, a key is no longer suggested
------------------------------------------------------------------------
BEGIN;
SELECT count(*) AS before FROM fk_suggest('{sug}');
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT ddl FROM fk_suggest('{sug}') WHERE orphan_rows = 0 LOOP
        EXECUTE r.ddl;
    END LOOP;
END
$$;
SELECT table_name, columns FROM fk_suggest('{sug}') ORDER BY 1::text, 2::text;
ROLLBACK;

------------------------------------------------------------------------
-- Errors
------------------------------------------------------------------------
SELECT sug.try($$SELECT * FROM fk_suggest('{sug}', min_containment => 1.5)$$);
SELECT sug.try($$SELECT * FROM fk_suggest('{sug}', min_containment => -0.1)$$);
SELECT sug.try($$SELECT * FROM fk_suggest('{sug}', min_containment => 'NaN')$$);
SELECT sug.try($$SELECT * FROM fk_suggest('{sug}', min_containment => NULL)$$);
SELECT sug.try($$SELECT * FROM fk_suggest('{sug}', sample_rows => 0)$$);
SELECT sug.try($$SELECT * FROM fk_suggest('{sug}', sample_rows => NULL)$$);
SELECT sug.try($$SELECT * FROM fk_suggest('{no_such_schema}')$$);
SELECT sug.try($$SELECT * FROM fk_suggest('{}')$$);
SELECT sug.try($$SELECT * FROM fk_suggest(ARRAY[NULL]::name[])$$);

DROP SCHEMA sug, "Sug ""Odd"" Ü", sug_oracle, sug_types CASCADE;
DROP ROLE regress_sug_reader;
