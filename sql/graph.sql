-- fk_referencing_tables, fk_referenced_tables, fk_load_order
--
-- Results are checked against PostgreSQL's own catalog: depth-1 rows against
-- a direct pg_constraint query, recursive rows against a recursive query
-- over pg_constraint, and the load order against a real load of the data.

CREATE SCHEMA fkg;
SET search_path = fkg, public;

-- A chain, with a shortcut: house references both street and country.
CREATE TABLE country (id int PRIMARY KEY);
CREATE TABLE city (id int PRIMARY KEY,
                   country_id int REFERENCES country ON DELETE CASCADE);
CREATE TABLE street (id int PRIMARY KEY,
                     city_id int REFERENCES city ON UPDATE RESTRICT);
CREATE TABLE house (id int PRIMARY KEY,
                    street_id int REFERENCES street ON DELETE SET NULL,
                    country_id int REFERENCES country ON DELETE SET DEFAULT ON UPDATE CASCADE);

-- Composite key, referenced in another column order than its index.
CREATE TABLE orders (region int, order_no int, PRIMARY KEY (region, order_no));
CREATE TABLE order_lines (line int, order_no int, region int,
    CONSTRAINT lines_order_fk FOREIGN KEY (order_no, region)
        REFERENCES orders (order_no, region) MATCH FULL);

-- Self reference.
CREATE TABLE employee (id int PRIMARY KEY, manager_id int REFERENCES employee);

-- A two-table cycle and a three-table cycle.
CREATE TABLE a2 (id int PRIMARY KEY, b2_id int);
CREATE TABLE b2 (id int PRIMARY KEY, a2_id int REFERENCES a2);
ALTER TABLE a2 ADD FOREIGN KEY (b2_id) REFERENCES b2;
CREATE TABLE p3 (id int PRIMARY KEY, r3_id int);
CREATE TABLE q3 (id int PRIMARY KEY, p3_id int REFERENCES p3);
CREATE TABLE r3 (id int PRIMARY KEY, q3_id int REFERENCES q3);
ALTER TABLE p3 ADD FOREIGN KEY (r3_id) REFERENCES r3;

-- Partitioned tables on both sides; one partition declares its own key.
CREATE TABLE customers (id int, kind text, PRIMARY KEY (id, kind))
    PARTITION BY LIST (kind);
CREATE TABLE customers_a PARTITION OF customers FOR VALUES IN ('a');
CREATE TABLE customers_b PARTITION OF customers FOR VALUES IN ('b')
    PARTITION BY RANGE (id);
CREATE TABLE customers_b1 PARTITION OF customers_b FOR VALUES FROM (0) TO (100);
CREATE TABLE invoices (id int, customer_id int, kind text, country_id int)
    PARTITION BY RANGE (id);
CREATE TABLE invoices_1 PARTITION OF invoices FOR VALUES FROM (0) TO (100);
CREATE TABLE invoices_2 PARTITION OF invoices FOR VALUES FROM (100) TO (200);
ALTER TABLE invoices ADD CONSTRAINT invoices_customer_fk
    FOREIGN KEY (customer_id, kind) REFERENCES customers;
ALTER TABLE invoices_2 ADD CONSTRAINT invoices_2_country_fk
    FOREIGN KEY (country_id) REFERENCES country;
CREATE TABLE notes (id int, customer_id int, kind text,
    FOREIGN KEY (customer_id, kind) REFERENCES customers ON DELETE CASCADE);

-- Inheritance: a key is neither inherited nor satisfied by children.
CREATE TABLE animal (id int PRIMARY KEY);
CREATE TABLE dog (owner_id int REFERENCES employee) INHERITS (animal);
CREATE TABLE vet_visit (animal_id int REFERENCES animal);

-- Hostile identifiers, in the schema name too.
CREATE SCHEMA "Odd ""Schema"" select";
CREATE TABLE "Odd ""Schema"" select"."select" ("from" int PRIMARY KEY);
CREATE TABLE "Odd ""Schema"" select"."Mixed Case" (
    "Col Name" int,
    CONSTRAINT "the ""fk"" name" FOREIGN KEY ("Col Name")
        REFERENCES "Odd ""Schema"" select"."select");
CREATE TABLE fkg."has ""quotes""" ("user" int
    REFERENCES "Odd ""Schema"" select"."select" ON DELETE RESTRICT);

-- Objects that are not tables.
CREATE VIEW country_view AS SELECT * FROM country;
CREATE MATERIALIZED VIEW country_mv AS SELECT * FROM country;
CREATE SEQUENCE some_seq;
CREATE TYPE some_type AS (x int);

-- A direct catalog query for depth 1, with the column pairs in key order.
CREATE FUNCTION catalog_edges(OUT con oid, OUT table_name regclass,
    OUT constraint_name name, OUT columns name[], OUT referenced_table regclass,
    OUT referenced_columns name[], OUT on_delete text, OUT on_update text)
RETURNS SETOF record LANGUAGE sql STABLE AS $$
  SELECT c.oid, c.conrelid::regclass, c.conname,
         ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                ORDER BY k.i),
         c.confrelid::regclass,
         ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                 JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n
                ORDER BY k.i),
         CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT'
              WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END,
         CASE c.confupdtype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT'
              WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END
    FROM pg_constraint c
   WHERE c.contype = 'f' AND c.conparentid = 0
$$;

-- Every table of the two test schemas, partitions included.
CREATE VIEW test_tables AS
  SELECT c.oid::regclass AS t
    FROM pg_class c
   WHERE c.relkind IN ('r', 'p')
     AND c.relnamespace IN ('fkg'::regnamespace, '"Odd ""Schema"" select"'::regnamespace);

------------------------------------------------------------------------
-- Depth 1
------------------------------------------------------------------------

SELECT * FROM fk_referencing_tables('country') ORDER BY 1, 2, 3;
SELECT * FROM fk_referenced_tables('house') ORDER BY 1, 2, 3;
SELECT * FROM fk_referenced_tables('order_lines');
SELECT * FROM fk_referencing_tables('employee') ORDER BY 1, 2, 3;
SELECT * FROM fk_referenced_tables('employee');

-- Partitioned: the declared tables only, never their partitions.
SELECT * FROM fk_referencing_tables('customers') ORDER BY 1, 2, 3;
SELECT * FROM fk_referenced_tables('invoices');
SELECT * FROM fk_referencing_tables('customers_b1');
SELECT * FROM fk_referenced_tables('invoices_1');
SELECT * FROM fk_referenced_tables('invoices_2');

-- Inheritance: dog's key is its own, animal's referencing key not dog's.
SELECT * FROM fk_referencing_tables('animal');
SELECT * FROM fk_referenced_tables('animal');
SELECT * FROM fk_referenced_tables('dog');
SELECT * FROM fk_referencing_tables('dog');

-- Hostile identifiers.
SELECT * FROM fk_referencing_tables('"Odd ""Schema"" select"."select"') ORDER BY 1, 2, 3;
SELECT * FROM fk_referenced_tables('"Odd ""Schema"" select"."Mixed Case"');

-- A table without foreign keys either way: no rows, no error.
SELECT count(*) FROM fk_referencing_tables('order_lines');
SELECT count(*) FROM fk_referenced_tables('country', true);

-- Every depth-1 answer is exactly what pg_constraint says, for every table.
SELECT 'referencing' AS side, t, f.*
  FROM test_tables, LATERAL (
       SELECT table_name, constraint_name, columns, referenced_table,
              referenced_columns, on_delete, on_update
         FROM fk_referencing_tables(t) WHERE depth = 1
       EXCEPT ALL
       SELECT table_name, constraint_name, columns, referenced_table,
              referenced_columns, on_delete, on_update
         FROM catalog_edges() WHERE referenced_table = t) f
UNION ALL
SELECT 'referencing, missing', t, f.*
  FROM test_tables, LATERAL (
       SELECT table_name, constraint_name, columns, referenced_table,
              referenced_columns, on_delete, on_update
         FROM catalog_edges() WHERE referenced_table = t
       EXCEPT ALL
       SELECT table_name, constraint_name, columns, referenced_table,
              referenced_columns, on_delete, on_update
         FROM fk_referencing_tables(t)) f
UNION ALL
SELECT 'referenced', t, f.*
  FROM test_tables, LATERAL (
       SELECT table_name, constraint_name, columns, referenced_table,
              referenced_columns, on_delete, on_update
         FROM fk_referenced_tables(t)
       EXCEPT ALL
       SELECT table_name, constraint_name, columns, referenced_table,
              referenced_columns, on_delete, on_update
         FROM catalog_edges() WHERE table_name = t) f
UNION ALL
SELECT 'referenced, missing', t, f.*
  FROM test_tables, LATERAL (
       SELECT table_name, constraint_name, columns, referenced_table,
              referenced_columns, on_delete, on_update
         FROM catalog_edges() WHERE table_name = t
       EXCEPT ALL
       SELECT table_name, constraint_name, columns, referenced_table,
              referenced_columns, on_delete, on_update
         FROM fk_referenced_tables(t)) f;

-- ... and that comparison covered every constraint of the test schemas.
SELECT count(*) AS constraints_compared
  FROM test_tables, LATERAL fk_referencing_tables(t);

------------------------------------------------------------------------
-- Recursive walks
------------------------------------------------------------------------

-- house's key to street is found at depth 3, its key to country at depth 1.
SELECT * FROM fk_referencing_tables('country', true) ORDER BY 1, 2, 3;
SELECT * FROM fk_referenced_tables('house', true) ORDER BY 1, 2, 3;

-- Cycles end, and each key comes once, at its smallest depth.
SELECT depth, table_name, constraint_name, referenced_table
  FROM fk_referencing_tables('p3', true) ORDER BY 1, 2, 3;
SELECT depth, table_name, constraint_name, referenced_table
  FROM fk_referenced_tables('p3', true) ORDER BY 1, 2, 3;
SELECT depth, table_name, constraint_name, referenced_table
  FROM fk_referencing_tables('a2', true) ORDER BY 1, 2, 3;
SELECT depth, table_name, constraint_name, referenced_table
  FROM fk_referencing_tables('employee', true) ORDER BY 1, 2, 3;
SELECT depth, table_name, constraint_name, referenced_table
  FROM fk_referenced_tables('dog', true) ORDER BY 1, 2, 3;

-- Partitioned tables appear once, as declared, in recursive walks too.
SELECT depth, table_name, constraint_name, referenced_table
  FROM fk_referencing_tables('country', true)
 WHERE table_name::text LIKE 'invoices%' ORDER BY 1, 2, 3;
SELECT depth, table_name, constraint_name, referenced_table
  FROM fk_referenced_tables('notes', true) ORDER BY 1, 2, 3;

-- Recursive walks agree with a recursive query over pg_constraint, from
-- every table: a key's depth is one more than the smallest distance of
-- the table it is reached from.
CREATE FUNCTION catalog_walk(target regclass, towards_referencing boolean)
RETURNS TABLE(depth int, table_name regclass, constraint_name name)
LANGUAGE sql STABLE AS $$
  WITH RECURSIVE reach(rel, d) AS (
      SELECT target::oid, 0
    UNION
      SELECT CASE WHEN towards_referencing THEN e.table_name ELSE e.referenced_table END,
             r.d + 1
        FROM reach r
        JOIN catalog_edges() e
          ON r.rel = CASE WHEN towards_referencing THEN e.referenced_table ELSE e.table_name END
       WHERE r.d < 20),
  dist AS (SELECT rel, min(d) AS d FROM reach GROUP BY rel)
  SELECT dist.d + 1, e.table_name, e.constraint_name
    FROM catalog_edges() e
    JOIN dist ON dist.rel = CASE WHEN towards_referencing
                                 THEN e.referenced_table ELSE e.table_name END
$$;

SELECT t, dir, w.*
  FROM test_tables, (VALUES (true), (false)) v(dir), LATERAL (
       (SELECT 'extra' AS what, depth, table_name, constraint_name
          FROM (SELECT depth, table_name, constraint_name
                  FROM fk_referencing_tables(t, true) WHERE dir
                UNION ALL
                SELECT depth, table_name, constraint_name
                  FROM fk_referenced_tables(t, true) WHERE NOT dir
                EXCEPT ALL
                SELECT * FROM catalog_walk(t, dir)) x)
       UNION ALL
       (SELECT 'missing', depth, table_name, constraint_name
          FROM (SELECT * FROM catalog_walk(t, dir)
                EXCEPT ALL
                (SELECT depth, table_name, constraint_name
                   FROM fk_referencing_tables(t, true) WHERE dir
                 UNION ALL
                 SELECT depth, table_name, constraint_name
                   FROM fk_referenced_tables(t, true) WHERE NOT dir)) y)) w;

------------------------------------------------------------------------
-- Arguments
------------------------------------------------------------------------

-- STRICT: NULL in, no rows out.
SELECT count(*) FROM fk_referencing_tables(NULL);
SELECT count(*) FROM fk_referenced_tables(NULL, true);
SELECT count(*) FROM fk_referencing_tables('country', NULL);

-- Not a table: wrong_object_type (42809), naming the kind.
\set SHOW_CONTEXT never
SELECT * FROM fk_referencing_tables('country_view');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fk_referenced_tables('country_mv');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fk_referencing_tables('some_seq', true);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fk_referenced_tables('country_pkey');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fk_referencing_tables('customers_pkey');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fk_referenced_tables('some_type');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fk_referencing_tables(0);
\echo :LAST_ERROR_SQLSTATE

------------------------------------------------------------------------
-- A role without any privilege on the tables
------------------------------------------------------------------------

CREATE ROLE regress_fk_graph_reader;
GRANT USAGE ON SCHEMA fkg TO regress_fk_graph_reader;
SELECT 'fkg.notes'::regclass::oid AS notes_oid,
       '"Odd ""Schema"" select"."select"'::regclass::oid AS select_oid \gset
SET ROLE regress_fk_graph_reader;
SELECT has_table_privilege('fkg.customers', 'SELECT') AS can_read_customers;
SELECT * FROM fk_referencing_tables('fkg.customers') ORDER BY 1, 2, 3;
SELECT depth, table_name, constraint_name
  FROM fk_referenced_tables('fkg.house', true) ORDER BY 1, 2, 3;
-- no USAGE on the schema: the OID works, names still print
SELECT depth, table_name, constraint_name
  FROM fk_referencing_tables(:select_oid) ORDER BY 1, 2, 3;
SELECT load_position, table_name, level, cycle_group, break_constraints
  FROM fk_load_order('{fkg}') WHERE table_name::text LIKE '_3';
RESET ROLE;

------------------------------------------------------------------------
-- fk_load_order
------------------------------------------------------------------------

CREATE SCHEMA fkload;
CREATE TABLE fkload.region (id int PRIMARY KEY);
CREATE TABLE fkload."Store" (id int PRIMARY KEY, region_id int REFERENCES fkload.region);
-- a three-table cycle hanging below "Store"
CREATE TABLE fkload.zeta (id int PRIMARY KEY, store_id int REFERENCES fkload."Store",
                          alpha_id int);
CREATE TABLE fkload.alpha (id int PRIMARY KEY, mid_id int);
CREATE TABLE fkload.mid (id int PRIMARY KEY, zeta_id int REFERENCES fkload.zeta);
ALTER TABLE fkload.alpha ADD CONSTRAINT alpha_mid_fk FOREIGN KEY (mid_id) REFERENCES fkload.mid;
ALTER TABLE fkload.zeta ADD CONSTRAINT zeta_alpha_fk FOREIGN KEY (alpha_id) REFERENCES fkload.alpha;
-- a two-table cycle with two keys one way
CREATE TABLE fkload.husband (id int PRIMARY KEY, wife_id int, ex_wife_id int);
CREATE TABLE fkload.wife (id int PRIMARY KEY, husband_id int REFERENCES fkload.husband);
ALTER TABLE fkload.husband ADD FOREIGN KEY (wife_id) REFERENCES fkload.wife,
                           ADD FOREIGN KEY (ex_wife_id) REFERENCES fkload.wife;
-- self reference, below the cycle
CREATE TABLE fkload.staff (id int PRIMARY KEY, boss_id int REFERENCES fkload.staff,
                           mid_id int REFERENCES fkload.mid);
-- a key to a table outside the schema: ignored for the order
CREATE TABLE fkload.sale (id int PRIMARY KEY, staff_id int REFERENCES fkload.staff,
                          country_id int REFERENCES fkg.country,
                          store_id int REFERENCES fkload."Store");
-- partitioned, with a key declared on a partition only
CREATE TABLE fkload.ledger (id int PRIMARY KEY, sale_id int REFERENCES fkload.sale,
                            wife_id int) PARTITION BY RANGE (id);
CREATE TABLE fkload.ledger_1 PARTITION OF fkload.ledger FOR VALUES FROM (0) TO (10);
ALTER TABLE fkload.ledger_1 ADD CONSTRAINT ledger_1_wife_fk
    FOREIGN KEY (wife_id) REFERENCES fkload.wife;
-- inheritance child: a table of its own
CREATE TABLE fkload.sale_archive (note int REFERENCES fkload.ledger_1) INHERITS (fkload.sale);
-- a table alone
CREATE TABLE fkload.lonely (id int);

SELECT * FROM fk_load_order('{fkload}') ORDER BY load_position;

-- Each table once, partitions excepted, and nothing else.
SELECT (SELECT count(*) FROM fk_load_order('{fkload}')) AS listed,
       (SELECT count(DISTINCT table_name) FROM fk_load_order('{fkload}')) AS distinct_tables,
       (SELECT count(*) FROM pg_class WHERE relnamespace = 'fkload'::regnamespace
           AND relkind IN ('r', 'p') AND NOT relispartition) AS in_catalog;

-- Every key between listed tables (a partition counting as its root)
-- points at an earlier table, or is a break constraint of its table.
WITH o AS (SELECT * FROM fk_load_order('{fkload}')),
     root AS (SELECT c.oid AS rel,
                     coalesce((SELECT a.relid FROM pg_partition_ancestors(c.oid) a
                                JOIN pg_class ac ON ac.oid = a.relid
                               WHERE NOT ac.relispartition), c.oid) AS root
                FROM pg_class c)
SELECT e.constraint_name, oc.load_position AS child_pos, op.load_position AS parent_pos,
       oc.break_constraints
  FROM catalog_edges() e
  JOIN root rc ON rc.rel = e.table_name
  JOIN root rp ON rp.rel = e.referenced_table
  JOIN o oc ON oc.table_name = rc.root
  JOIN o op ON op.table_name = rp.root
 WHERE op.load_position >= oc.load_position
 ORDER BY 1;

-- Load one row per table in that order, with the break constraints dropped
-- and added back afterwards: no foreign key error.
CREATE FUNCTION fkload_load(reverse boolean) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  r record;
  b record;
  saved text[] := '{}';
  n bigint;
  loaded int := 0;
BEGIN
  FOR b IN SELECT c.conrelid::regclass AS t, c.conname,
                  pg_get_constraintdef(c.oid) AS def
             FROM fk_load_order('{fkload}') o, unnest(o.break_constraints) bc(name)
             JOIN pg_constraint c ON c.conname = bc.name AND c.conparentid = 0
            WHERE c.conrelid = o.table_name OR c.conrelid IN
                  (SELECT relid FROM pg_partition_tree(o.table_name))
  LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', b.t, b.conname);
    saved := saved || format('ALTER TABLE %s ADD CONSTRAINT %I %s', b.t, b.conname, b.def);
  END LOOP;
  FOR r IN SELECT o.table_name,
                  (SELECT string_agg('1', ', ') FROM pg_attribute a
                    WHERE a.attrelid = o.table_name AND a.attnum > 0
                      AND NOT a.attisdropped) AS vals
             FROM fk_load_order('{fkload}') o
            ORDER BY CASE WHEN reverse THEN -o.load_position ELSE o.load_position END
  LOOP
    EXECUTE format('INSERT INTO %s VALUES (%s)', r.table_name, r.vals);
  END LOOP;
  FOREACH r.vals IN ARRAY saved LOOP
    EXECUTE r.vals;
  END LOOP;
  -- every table (partitioned ones through their partition) has its row
  FOR r IN SELECT o.table_name FROM fk_load_order('{fkload}') o LOOP
    EXECUTE format('SELECT count(*) FROM %s', r.table_name) INTO n;
    loaded := loaded + (n >= 1)::int;
  END LOOP;
  RETURN format('%s of %s tables loaded, %s keys added back', loaded,
                (SELECT count(*) FROM fk_load_order('{fkload}')),
                cardinality(saved));
EXCEPTION WHEN foreign_key_violation THEN
  RETURN 'foreign key violation';
END $$;

SELECT count(*) AS keys FROM pg_constraint
 WHERE contype = 'f' AND connamespace = 'fkload'::regnamespace AND conparentid = 0;
INSERT INTO fkg.country VALUES (1);
SELECT fkload_load(true) AS reverse_order;
SELECT fkload_load(false) AS load_order;
-- the keys are all back, the same number as before
SELECT count(*) AS keys FROM pg_constraint
 WHERE contype = 'f' AND connamespace = 'fkload'::regnamespace AND conparentid = 0;

-- Levels follow the graph without the break constraints: of two tables on
-- a cycle one is a level below the other (the break is on the first).
CREATE SCHEMA fklevel;
CREATE TABLE fklevel.store (store_id int PRIMARY KEY, manager_staff_id int NOT NULL);
CREATE TABLE fklevel.staff (staff_id int PRIMARY KEY, store_id int NOT NULL REFERENCES fklevel.store);
ALTER TABLE fklevel.store ADD FOREIGN KEY (manager_staff_id) REFERENCES fklevel.staff;
CREATE TABLE fklevel.rental (id int PRIMARY KEY, staff_id int REFERENCES fklevel.staff,
                             store_id int REFERENCES fklevel.store);
SELECT * FROM fk_load_order('{fklevel}') ORDER BY load_position;
-- every key that is not a break goes to a lower level; tables of one level
-- have no key between them but breaks
WITH o AS (SELECT * FROM fk_load_order('{fkload,fklevel}')),
     root AS (SELECT c.oid AS rel,
                     coalesce((SELECT a.relid FROM pg_partition_ancestors(c.oid) a
                                JOIN pg_class ac ON ac.oid = a.relid
                               WHERE NOT ac.relispartition), c.oid) AS root
                FROM pg_class c)
SELECT count(*) AS keys,
       count(*) FILTER (WHERE e.constraint_name = ANY (oc.break_constraints)) AS breaks,
       count(*) FILTER (WHERE NOT e.constraint_name = ANY (coalesce(oc.break_constraints, '{}'))
                          AND op.level >= oc.level) AS unbroken_not_below
  FROM catalog_edges() e
  JOIN root rc ON rc.rel = e.table_name
  JOIN root rp ON rp.rel = e.referenced_table
  JOIN o oc ON oc.table_name = rc.root
  JOIN o op ON op.table_name = rp.root;
-- one statement loading a table that references itself needs no break:
-- the server checks the key at the end of the statement
INSERT INTO fkload.staff (id, boss_id) VALUES (100, 101), (101, NULL);
SELECT count(*) AS loaded_in_one_statement FROM fkload.staff WHERE id >= 100;
DROP SCHEMA fklevel CASCADE;

-- Several schemas; an empty list; NULL elements; an unknown schema.
SELECT load_position, table_name, level, cycle_group
  FROM fk_load_order(ARRAY['fkload', 'Odd "Schema" select']) ORDER BY load_position;
SELECT count(*) FROM fk_load_order('{}');
SELECT count(*) FROM fk_load_order(ARRAY[NULL]::name[]);
SELECT * FROM fk_load_order('{no_such_schema}');
\echo :LAST_ERROR_SQLSTATE

-- NULL: every user table outside the system schemas, temporary ones and
-- fk_tools' own (check results, audit) excepted; exactly the tables of
-- pg_class.
CREATE TEMP TABLE temp_t (id int PRIMARY KEY);
SELECT (SELECT count(*) FROM fk_load_order(NULL) o
         JOIN pg_class c ON c.oid = o.table_name
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('pg_catalog', 'information_schema')
           OR n.nspname LIKE 'pg\_toast%' OR n.nspname LIKE 'pg\_temp%'
           OR c.relispartition) AS system_or_partition,
       (SELECT count(*) FROM (
          SELECT table_name FROM fk_load_order()
          EXCEPT
          SELECT c.oid::regclass FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
             AND n.nspname NOT IN ('pg_catalog', 'information_schema')
             AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
             AND NOT EXISTS (SELECT FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
                              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                AND d.deptype = 'e' AND e.extname = 'fk_tools')) x) AS extra,
       (SELECT count(*) FROM (
          SELECT c.oid::regclass FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
             AND n.nspname NOT IN ('pg_catalog', 'information_schema')
             AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
             AND NOT EXISTS (SELECT FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
                              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                AND d.deptype = 'e' AND e.extname = 'fk_tools')
          EXCEPT
          SELECT table_name FROM fk_load_order()) x) AS missing,
       (SELECT count(*) FROM fk_load_order() o, fk_load_order() p
         WHERE o.load_position = p.load_position AND o.table_name <> p.table_name) AS unstable;
-- the test schema's tables keep their relative order among all tables
-- (group numbers depend on the other schemas' tables, so are not shown)
SELECT table_name, level, cycle_group IS NOT NULL AS in_cycle, break_constraints
  FROM fk_load_order() WHERE table_name::text LIKE 'fkload.%' ORDER BY load_position;

\set VERBOSITY terse
DROP TABLE temp_t;
DROP SCHEMA fkload CASCADE;
DROP SCHEMA "Odd ""Schema"" select" CASCADE;
DROP SCHEMA fkg CASCADE;
DROP OWNED BY regress_fk_graph_reader;
DROP ROLE regress_fk_graph_reader;
RESET search_path;
\set VERBOSITY default
