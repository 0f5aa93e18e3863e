-- Declared-only references (fk_declare): every function that lists keys
-- includes them, checked against the server.  The oracle, decl.oracle(),
-- copies the child's rows into a scratch table carrying a real foreign key
-- with the reference's definition (same columns, types, collations, match
-- type, referenced table), each insert in its own subtransaction: the rows
-- PostgreSQL rejects with foreign_key_violation are the orphans.
-- decl.verify() compares them with fk_orphans, fk_check and
-- fk_missing_parents (mismatches = 0; each disagreement is a WARNING).
CREATE SCHEMA decl;
SET search_path = decl, public;
SET client_min_messages = warning;

CREATE FUNCTION decl.oracle(ref text) RETURNS SETOF jsonb
LANGUAGE plpgsql AS $$
DECLARE
    r public.fk_declared_references;
    row_j jsonb;
BEGIN
    SELECT * INTO STRICT r FROM public.fk_declared_references WHERE name = ref;
    DROP TABLE IF EXISTS decl.scratch;
    EXECUTE format('CREATE TABLE decl.scratch (LIKE %s)', r.table_name);
    EXECUTE format('ALTER TABLE decl.scratch ADD FOREIGN KEY (%s) REFERENCES %s (%s) MATCH %s',
                   (SELECT string_agg(quote_ident(c), ', ') FROM unnest(r.columns) c),
                   r.referenced_table,
                   (SELECT string_agg(quote_ident(c), ', ') FROM unnest(r.referenced_columns) c),
                   r.match_type);
    FOR row_j IN EXECUTE format('SELECT to_jsonb(c) FROM %s c', r.table_name) LOOP
        BEGIN
            INSERT INTO decl.scratch
                SELECT * FROM jsonb_populate_record(NULL::decl.scratch, row_j);
        EXCEPTION WHEN foreign_key_violation THEN
            RETURN NEXT row_j;
        END;
    END LOOP;
    DROP TABLE decl.scratch;
END
$$;

-- The server's orphans against fk_orphans (by the rows' id), fk_check's
-- count and fk_missing_parents' total.
CREATE FUNCTION decl.verify(ref text,
    OUT rows_checked bigint, OUT orphans bigint, OUT mismatches bigint)
LANGUAGE plpgsql AS $$
DECLARE
    r public.fk_declared_references;
    id text;
    n bigint;
BEGIN
    SELECT * INTO STRICT r FROM public.fk_declared_references WHERE name = ref;
    EXECUTE format('SELECT count(*) FROM %s', r.table_name) INTO rows_checked;
    CREATE TEMP TABLE decl_server AS SELECT o->>'id' AS id FROM decl.oracle(ref) o;
    CREATE TEMP TABLE decl_ours AS
        SELECT o.orphan_row->>'id' AS id FROM public.fk_orphans(r.table_name, ref) o;
    SELECT count(*) INTO orphans FROM decl_server;
    mismatches := 0;
    FOR id IN (SELECT * FROM decl_server EXCEPT ALL SELECT * FROM decl_ours) LOOP
        RAISE WARNING 'reference %: row % rejected by the server, not an orphan for fk_orphans', ref, id;
        mismatches := mismatches + 1;
    END LOOP;
    FOR id IN (SELECT * FROM decl_ours EXCEPT ALL SELECT * FROM decl_server) LOOP
        RAISE WARNING 'reference %: row % an orphan for fk_orphans, accepted by the server', ref, id;
        mismatches := mismatches + 1;
    END LOOP;
    SELECT c.orphan_rows INTO n FROM public.fk_check(r.table_name) c WHERE c.constraint_name = ref;
    IF n IS DISTINCT FROM orphans THEN
        RAISE WARNING 'reference %: fk_check counts % orphans, the server %', ref, n, orphans;
        mismatches := mismatches + 1;
    END IF;
    -- rows with a key no parent could satisfy (MATCH FULL, partly NULL)
    -- have no missing parent; the others each count once
    EXECUTE format('SELECT count(*) FROM decl_server s JOIN %s c ON to_jsonb(c)->>''id'' = s.id WHERE %s',
                   r.table_name,
                   (SELECT string_agg(format('c.%I IS NOT NULL', c), ' AND ') FROM unnest(r.columns) c))
       INTO n;
    IF n IS DISTINCT FROM (SELECT coalesce(sum(m.referencing_rows), 0)
                             FROM public.fk_missing_parents(r.table_name, ref) m) THEN
        RAISE WARNING 'reference %: fk_missing_parents totals do not match the server''s % rows', ref, n;
        mismatches := mismatches + 1;
    END IF;
    DROP TABLE decl_server;
    DROP TABLE decl_ours;
END
$$;

-- The SQLSTATE of a statement, run in a subtransaction that is rolled back.
CREATE FUNCTION decl.sqlstate(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE stmt;
        RAISE EXCEPTION USING ERRCODE = 'P0004', MESSAGE = 'rollback';
    EXCEPTION WHEN SQLSTATE 'P0004' THEN
        RETURN 'ok';
    WHEN OTHERS THEN
        RETURN SQLSTATE;
    END;
END
$$;

------------------------------------------------------------------------
-- MATCH SIMPLE and MATCH FULL on a composite key, every NULL combination
------------------------------------------------------------------------
CREATE TABLE mp (a int, b int, PRIMARY KEY (a, b));
INSERT INTO mp VALUES (1, 1);
CREATE TABLE m_simple (id int, a int, b int);
CREATE TABLE m_full (id int, a int, b int);
INSERT INTO m_simple SELECT row_number() OVER (), a, b
  FROM (VALUES (1), (9), (NULL)) x(a), (VALUES (1), (9), (NULL)) y(b);
INSERT INTO m_full SELECT * FROM m_simple;
SELECT fk_declare('m_simple_ref', 'm_simple', '{a,b}', 'mp', '{a,b}');
SELECT fk_declare('m_full_ref', 'm_full', '{a,b}', 'mp', '{a,b}', 'full');
SELECT constraint_oid IS NULL AS no_oid, constraint_name, table_name, columns,
       referenced_table, referenced_columns, match_type, on_update, on_delete,
       is_deferrable, validated, enforced, indexed, definition, declared_only
  FROM fk_constraints WHERE declared_only ORDER BY constraint_name;
SELECT constraint_name, table_name, key, orphan_row FROM fk_orphans('m_simple') ORDER BY orphan_row->>'id';
SELECT constraint_name, table_name, key, orphan_row FROM fk_orphans('m_full') ORDER BY orphan_row->>'id';
SELECT * FROM decl.verify('m_simple_ref');
SELECT * FROM decl.verify('m_full_ref');
SELECT table_name, constraint_name, referenced_table, orphan_rows, missing_keys, sample_keys, status
  FROM fk_check('m_full');
SELECT constraint_name, referenced_table, key, referencing_rows
  FROM fk_missing_parents('m_full') ORDER BY key;

------------------------------------------------------------------------
-- Cross-type keys: the referenced type's default btree equality, as ADD
-- FOREIGN KEY picks it; the server refuses the same pairs we refuse
------------------------------------------------------------------------
CREATE TABLE p_big (id int8 PRIMARY KEY);
CREATE TABLE p_int (id int4 PRIMARY KEY);
CREATE TABLE p_num (id numeric PRIMARY KEY);
CREATE TABLE p_text (id text PRIMARY KEY);
INSERT INTO p_big VALUES (1), (2), (4294967296);
INSERT INTO p_int VALUES (1), (2);
INSERT INTO p_num VALUES (1), (2.5);
INSERT INTO p_text VALUES ('1');
CREATE TABLE c_int_big (id int, k int4);
CREATE TABLE c_big_int (id int, k int8);
CREATE TABLE c_int_num (id int, k int4);
CREATE TABLE c_small_big (id int, k int2);
INSERT INTO c_int_big VALUES (1, 1), (2, 3), (3, NULL), (4, 2);
INSERT INTO c_big_int VALUES (1, 1), (2, 4294967296), (3, 2);
INSERT INTO c_int_num VALUES (1, 1), (2, 2), (3, 3);
INSERT INTO c_small_big VALUES (1, 1), (2, 5);
SELECT fk_declare('c_int_big_ref', 'c_int_big', '{k}', 'p_big', '{id}');
SELECT fk_declare('c_big_int_ref', 'c_big_int', '{k}', 'p_int', '{id}');
SELECT fk_declare('c_int_num_ref', 'c_int_num', '{k}', 'p_num', '{id}');
SELECT fk_declare('c_small_big_ref', 'c_small_big', '{k}', 'p_big', '{id}');
SELECT r, v.* FROM unnest('{c_int_big_ref,c_big_int_ref,c_int_num_ref,c_small_big_ref}'::text[]) r,
       decl.verify(r) v;
-- int -> text: both refuse
CREATE TABLE c_int_text (id int, k int);
SELECT decl.sqlstate('ALTER TABLE c_int_text ADD FOREIGN KEY (k) REFERENCES p_text') AS server,
       decl.sqlstate($$SELECT fk_declare('x', 'c_int_text', '{k}', 'p_text', '{id}')$$) AS fk_declare;
\set VERBOSITY default
SELECT fk_declare('x', 'c_int_text', '{k}', 'p_text', '{id}');
-- a referenced type without a default btree operator class
CREATE TABLE p_xid (id xid);
CREATE TABLE c_xid (id int, k xid);
SELECT fk_declare('x', 'c_xid', '{k}', 'p_xid', '{id}');
\set VERBOSITY terse

------------------------------------------------------------------------
-- Collations: the referenced column's, including a nondeterministic one
------------------------------------------------------------------------
CREATE COLLATION decl.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE p_ci (k text COLLATE decl.ci PRIMARY KEY);
CREATE TABLE p_c (k text COLLATE "C" PRIMARY KEY);
INSERT INTO p_ci VALUES ('abc'), ('Straße');
INSERT INTO p_c VALUES ('abc'), ('DEF');
CREATE TABLE c_c_ci (id int, k text COLLATE "C");
CREATE TABLE c_ci_c (id int, k text COLLATE decl.ci);
INSERT INTO c_c_ci VALUES (1, 'abc'), (2, 'ABC'), (3, 'STRASSE'), (4, 'straße'), (5, 'x');
INSERT INTO c_ci_c VALUES (1, 'abc'), (2, 'ABC'), (3, 'def'), (4, 'DEF');
SELECT fk_declare('c_c_ci_ref', 'c_c_ci', '{k}', 'p_ci', '{k}');
SELECT fk_declare('c_ci_c_ref', 'c_ci_c', '{k}', 'p_c', '{k}');
SELECT * FROM decl.verify('c_c_ci_ref');
SELECT * FROM decl.verify('c_ci_c_ref');
SELECT constraint_name, key FROM fk_orphans('c_c_ci') ORDER BY orphan_row->>'id';
SELECT constraint_name, key FROM fk_orphans('c_ci_c') ORDER BY orphan_row->>'id';
-- missing parents grouped the way the parent compares: 'ABC' and 'abc' are one
CREATE TABLE c_ci_miss (id int, k text COLLATE "C");
INSERT INTO c_ci_miss VALUES (1, 'zz'), (2, 'ZZ'), (3, 'Zz');
SELECT fk_declare('c_ci_miss_ref', 'c_ci_miss', '{k}', 'p_ci', '{k}');
SELECT * FROM decl.verify('c_ci_miss_ref');
SELECT orphan_rows, missing_keys FROM fk_check('c_ci_miss');

------------------------------------------------------------------------
-- Partitioned parent and child
------------------------------------------------------------------------
CREATE TABLE pp (id int PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE pp1 PARTITION OF pp FOR VALUES FROM (0) TO (10);
CREATE TABLE pp2 PARTITION OF pp FOR VALUES FROM (10) TO (20);
INSERT INTO pp VALUES (1), (11);
CREATE TABLE pc (id int, pid int) PARTITION BY LIST (id);
CREATE TABLE pc1 PARTITION OF pc FOR VALUES IN (1, 2, 3);
CREATE TABLE pc2 PARTITION OF pc FOR VALUES IN (4, 5, 6);
INSERT INTO pc VALUES (1, 1), (2, 2), (3, NULL), (4, 11), (5, 12), (6, 1);
SELECT fk_declare('pc_pp', 'pc', '{pid}', 'pp', '{id}');
SELECT * FROM decl.verify('pc_pp');
SELECT constraint_name, table_name, key FROM fk_orphans('pc') ORDER BY orphan_row->>'id';
-- a reference checks its own table's rows; a partition's own list has none of it
SELECT count(*) FROM fk_orphans('pc1');

------------------------------------------------------------------------
-- A small random corpus: random values, NULLs, match types, 1-2 columns
------------------------------------------------------------------------
SELECT setseed(0.42);
DO $$
DECLARE
    i int;
    ncols int;
    m text;
BEGIN
    FOR i IN 1..12 LOOP
        ncols := 1 + (random() * 1)::int;
        m := CASE WHEN random() < 0.5 THEN 'SIMPLE' ELSE 'FULL' END;
        IF ncols = 1 THEN
            EXECUTE format('CREATE TABLE decl.rp%s (a int8 PRIMARY KEY)', i);
            EXECUTE format('INSERT INTO decl.rp%s SELECT DISTINCT (random() * 20)::int FROM generate_series(1, 10)', i);
            EXECUTE format('CREATE TABLE decl.rc%s (id int, a int4)', i);
            EXECUTE format('INSERT INTO decl.rc%s SELECT g, CASE WHEN random() < 0.2 THEN NULL ELSE (random() * 25)::int END FROM generate_series(1, 30) g', i);
            PERFORM fk_declare('rr' || i, format('decl.rc%s', i)::regclass, '{a}',
                               format('decl.rp%s', i)::regclass, '{a}', m);
        ELSE
            EXECUTE format('CREATE TABLE decl.rp%s (a int, b text, PRIMARY KEY (b, a))', i);
            EXECUTE format('INSERT INTO decl.rp%s SELECT DISTINCT (random() * 4)::int, chr(97 + (random() * 3)::int) FROM generate_series(1, 10)', i);
            EXECUTE format('CREATE TABLE decl.rc%s (id int, x text, y int)', i);
            EXECUTE format('INSERT INTO decl.rc%s SELECT g, CASE WHEN random() < 0.2 THEN NULL ELSE chr(97 + (random() * 4)::int) END, CASE WHEN random() < 0.2 THEN NULL ELSE (random() * 5)::int END FROM generate_series(1, 30) g', i);
            PERFORM fk_declare('rr' || i, format('decl.rc%s', i)::regclass, '{y,x}',
                               format('decl.rp%s', i)::regclass, '{a,b}', m);
        END IF;
    END LOOP;
END
$$;
SELECT count(*) AS references, sum(v.rows_checked) AS rows_checked,
       sum(v.orphans) > 0 AS some_orphans, sum(v.mismatches) AS mismatches
  FROM generate_series(1, 12) i, decl.verify('rr' || i) v;

------------------------------------------------------------------------
-- Declaring: what ADD FOREIGN KEY would refuse, with the server's SQLSTATE
------------------------------------------------------------------------
CREATE TABLE ep (id int PRIMARY KEY, u int UNIQUE, n int, a int, b int, UNIQUE (a, b));
CREATE TABLE ec (id int, k int, k2 int, CONSTRAINT ec_taken CHECK (true));
-- the server and fk_declare side by side
SELECT s.what,
       decl.sqlstate(format('ALTER TABLE ec ADD FOREIGN KEY (%s) REFERENCES ep (%s)', s.fkc, s.pkc)) AS server,
       decl.sqlstate(format('SELECT fk_declare(%L, %L, %L, %L, %L)', 'e', 'ec',
                            '{' || s.fkc || '}', 'ep', '{' || s.pkc || '}')) AS fk_declare
  FROM (VALUES ('no unique index', 'k', 'n'),
               ('unknown referencing column', 'nope', 'id'),
               ('unknown referenced column', 'k', 'nope'),
               ('wrong count', 'k, k2', 'id'),
               ('part of a unique key', 'k', 'a'),
               ('duplicate referenced column', 'k, k2', 'u, u'),
               ('system column', 'ctid', 'id'),
               ('fine', 'k', 'u'),
               ('composite, either order', 'k, k2', 'b, a')) s(what, fkc, pkc);
\set VERBOSITY default
SELECT fk_declare('e', 'ec', '{k}', 'ep', '{n}');
SELECT fk_declare('e', 'ec', '{k,k2}', 'ep', '{id}');
SELECT fk_declare('e', 'ec', '{nope}', 'ep', '{id}');
SELECT fk_declare('e', 'ec', '{}', 'ep', '{}');
-- NULLs
SELECT fk_declare(NULL, 'ec', '{k}', 'ep', '{id}');
SELECT fk_declare('e', NULL, '{k}', 'ep', '{id}');
SELECT fk_declare('e', 'ec', NULL, 'ep', '{id}');
SELECT fk_declare('e', 'ec', '{k}', 'ep', '{NULL}');
SELECT fk_declare('e', 'ec', '{k}', 'ep', '{id}', NULL);
SELECT fk_undeclare(NULL);
SELECT * FROM fk_promote(NULL);
-- names
SELECT fk_declare('', 'ec', '{k}', 'ep', '{id}');
SELECT fk_declare(repeat('x', 64), 'ec', '{k}', 'ep', '{id}');
SELECT fk_declare('ec_taken', 'ec', '{k}', 'ep', '{id}');
SELECT fk_declare('m_full_ref', 'ec', '{k}', 'ep', '{id}');
-- match types, relation kinds
SELECT fk_declare('e', 'ec', '{k}', 'ep', '{id}', 'partial');
SELECT fk_declare('e', 'ec', '{k}', 'ep', '{id}', 'loose');
CREATE VIEW ev AS SELECT * FROM ec;
SELECT fk_declare('e', 'ev', '{k}', 'ep', '{id}');
SELECT fk_declare('e', 'ec', '{k}', 'ec', '{k}', 'FULL');
SELECT fk_undeclare('no such reference');
\set VERBOSITY terse
-- a 2-d array
SELECT fk_declare('e', 'ec', '{{k}}', 'ep', '{{id}}');

-- Privileges: ownership of the child, REFERENCES on the parent's columns
CREATE ROLE regress_decl;
GRANT USAGE ON SCHEMA decl TO regress_decl;
CREATE TABLE owned_child (id int, k int);
ALTER TABLE owned_child OWNER TO regress_decl;
SET ROLE regress_decl;
SELECT fk_declare('r1', 'ec', '{k}', 'ep', '{id}');
SELECT fk_declare('r1', 'owned_child', '{k}', 'ep', '{id}');
RESET ROLE;
GRANT REFERENCES (id) ON ep TO regress_decl;
SET ROLE regress_decl;
SELECT fk_declare('r1', 'owned_child', '{k}', 'ep', '{id}');
SELECT fk_undeclare('m_full_ref');
SELECT fk_undeclare('r1');
RESET ROLE;

------------------------------------------------------------------------
-- What refuses declared references, and says so
------------------------------------------------------------------------
\set VERBOSITY default
SELECT * FROM fk_repair_orphans('m_full', 'm_full_ref', 'delete', false);
SELECT * FROM fk_explain('m_full_ref'::name, 'm_full'::regclass);
\set VERBOSITY terse
-- fk_validate has nothing to validate: no row
SELECT count(*) FROM fk_validate('m_full', true);
-- the issues view lists constraints only
SELECT count(*) FROM fk_issues WHERE constraint_name LIKE '%\_ref';

------------------------------------------------------------------------
-- The graph functions
------------------------------------------------------------------------
CREATE TABLE g_a (id int PRIMARY KEY, b_id int);
CREATE TABLE g_b (id int PRIMARY KEY, c_id int);
CREATE TABLE g_c (id int PRIMARY KEY, a_id int REFERENCES g_a);
SELECT fk_declare('g_a_b', 'g_a', '{b_id}', 'g_b', '{id}');
SELECT fk_declare('g_b_c', 'g_b', '{c_id}', 'g_c', '{id}');
SELECT * FROM fk_referencing_tables('g_c', true) ORDER BY depth, constraint_name;
SELECT * FROM fk_referenced_tables('g_a', true) ORDER BY depth, constraint_name;
-- a cycle through two references and a real key: one break
SELECT load_position, table_name, level, cycle_group IS NOT NULL AS in_cycle, break_constraints
  FROM fk_load_order('{decl}') WHERE table_name::text LIKE 'g\_%' ORDER BY load_position;
-- the picture draws them dashed, grey, with their legend entry
SELECT line FROM regexp_split_to_table(fk_graph(focus => 'g_a', depth => 1), E'\n') line
 WHERE line ~ 'DECLARED|g_a_b|g_b_c|->' ORDER BY line;
SELECT fk_graph(focus => 'g_a', depth => 1, format => 'mermaid') ~ 'DECLARED ONLY' AS mermaid_says;

------------------------------------------------------------------------
-- Cascade previews: rows a delete or key update would leave orphaned are
-- findings, never actions; the oracle deletes (updates) for real in a
-- rolled-back subtransaction and counts the orphans afterwards
------------------------------------------------------------------------
CREATE TABLE cp (id int PRIMARY KEY, v int);
CREATE TABLE cc (id int PRIMARY KEY, cp_id int REFERENCES cp ON DELETE CASCADE);
CREATE TABLE cd (id int, cc_id int, cp_id int);
INSERT INTO cp VALUES (1), (2);
INSERT INTO cc VALUES (10, 1), (11, 1), (12, 2);
INSERT INTO cd VALUES (100, 10, 1), (101, 11, 2), (102, 12, 2), (103, NULL, 1);
SELECT fk_declare('cd_cc', 'cd', '{cc_id}', 'cc', '{id}');
SELECT fk_declare('cd_cp', 'cd', '{cp_id}', 'cp', '{id}');
SELECT depth, table_name, action, row_count, via_constraint, referenced_table, detail
  FROM fk_cascade_preview('cp', 1) ORDER BY depth, action, via_constraint;
-- the counts are kept in a variable: the subtransaction is rolled back
CREATE FUNCTION decl.orphans_after(stmt text, tbl regclass DEFAULT 'cd')
RETURNS TABLE(reference name, n bigint)
LANGUAGE plpgsql AS $$
DECLARE
    got jsonb;
BEGIN
    BEGIN
        EXECUTE stmt;
        SELECT jsonb_object_agg(constraint_name, c) INTO got
          FROM (SELECT o.constraint_name, count(*) AS c FROM fk_orphans(tbl) o GROUP BY 1) x;
        RAISE EXCEPTION USING ERRCODE = 'P0004';
    EXCEPTION WHEN SQLSTATE 'P0004' THEN
    END;
    RETURN QUERY SELECT k::name, v::bigint FROM jsonb_each_text(coalesce(got, '{}')) e(k, v) ORDER BY 1;
END
$$;
SELECT * FROM decl.orphans_after('DELETE FROM cp WHERE id = 1');
SELECT depth, table_name, action, row_count, via_constraint, referenced_table
  FROM fk_cascade_preview('cp', 2) ORDER BY depth, action, via_constraint;
SELECT * FROM decl.orphans_after('DELETE FROM cp WHERE id = 2');
-- a key update orphans what pointed at the old key; other columns do not
SELECT depth, table_name, action, row_count, via_constraint, referenced_table
  FROM fk_update_preview('cc', 12, '{"id": 13}') ORDER BY depth, action, via_constraint;
SELECT * FROM decl.orphans_after('UPDATE cc SET id = 13 WHERE id = 12');
SELECT count(*) FROM fk_update_preview('cp', 1, '{"v": 5}') WHERE action = 'ORPHANED';
-- keys an ON UPDATE CASCADE changes further down orphan what points at them
CREATE TABLE cp2 (id int PRIMARY KEY);
CREATE TABLE cc2 (id int PRIMARY KEY, cp_id int UNIQUE REFERENCES cp2 ON UPDATE CASCADE);
CREATE TABLE cd2 (id int, cc_cp int, cc_id int);
INSERT INTO cp2 VALUES (1), (2);
INSERT INTO cc2 VALUES (10, 1), (11, 2);
INSERT INTO cd2 VALUES (1, 1, 10), (2, 1, 11), (3, 2, 10);
SELECT fk_declare('cd2_cp', 'cd2', '{cc_cp}', 'cc2', '{cp_id}');
SELECT fk_declare('cd2_id', 'cd2', '{cc_id}', 'cc2', '{id}');
SELECT depth, table_name, action, row_count, via_constraint, referenced_table
  FROM fk_update_preview('cp2', 1, '{"id": 5}') ORDER BY depth, action, via_constraint;
SELECT * FROM decl.orphans_after('UPDATE cp2 SET id = 5 WHERE id = 1', 'cd2');

------------------------------------------------------------------------
-- Snapshots record them like keys
------------------------------------------------------------------------
SELECT table_name, constraint_name, orphan_rows, missing_keys, status FROM fk_check_snapshot('m_full');
SELECT relname, constraint_name, constraint_oid, status, orphan_rows, missing_keys
  FROM fk_snapshot_state WHERE relname = 'm_full';
SELECT relname, constraint_name, status, orphan_rows
  FROM fk_snapshot_results WHERE relname = 'm_full';
SELECT constraint_oid IS NULL AS no_oid, table_name, constraint_name, status, orphan_rows, missing_keys
  FROM fk_check_latest WHERE table_name = 'm_full'::regclass;
SELECT table_name, constraint_name, status, orphan_rows FROM fk_check_history
 WHERE relname = 'm_full';
-- a whole-database run includes them all
SELECT count(*) >= 20 AS many, count(*) FILTER (WHERE status !~ '^(ok|orphans)$') AS failed
  FROM fk_check_snapshot();
SELECT count(*) FROM fk_snapshot_state s JOIN fk_declared_references r
    ON r.name = s.constraint_name AND s.constraint_oid = 0;
-- the picture reads their counts from the snapshot
SELECT line FROM regexp_split_to_table(fk_graph(focus => 'm_full', depth => 1), E'\n') line
 WHERE line ~ 'ORPHANS 7' ORDER BY line;

------------------------------------------------------------------------
-- fk_promote: the statements run one at a time make the real key
------------------------------------------------------------------------
\set VERBOSITY default
SELECT * FROM fk_promote('m_full_ref');
SELECT * FROM fk_promote('no such');
\set VERBOSITY terse
DELETE FROM m_full WHERE id IN (SELECT (orphan_row->>'id')::int FROM fk_orphans('m_full'));
SELECT * FROM fk_promote('m_full_ref');
SELECT * FROM fk_promote('pc_pp', '2s');
CREATE FUNCTION decl.run_promote(ref text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    s text;
BEGIN
    FOR s IN SELECT statement FROM fk_promote(ref) ORDER BY step LOOP
        EXECUTE s;
    END LOOP;
END
$$;
SELECT decl.run_promote('m_full_ref');
SELECT conname, convalidated, pg_get_constraintdef(oid) FROM pg_constraint
 WHERE conrelid = 'm_full'::regclass;
SELECT count(*) FROM fk_constraints WHERE constraint_name = 'm_full_ref';
-- the partitioned child: one validating ADD CONSTRAINT
DELETE FROM pc WHERE id IN (SELECT (orphan_row->>'id')::int FROM fk_orphans('pc', 'pc_pp'));
SELECT decl.run_promote('pc_pp');
SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'pc'::regclass ORDER BY conname COLLATE "C";
RESET lock_timeout;
-- promoting a name a constraint took meanwhile
SELECT fk_declare('again', 'c_int_big', '{k}', 'p_big', '{id}');
DELETE FROM c_int_big WHERE k = 3;
ALTER TABLE c_int_big ADD CONSTRAINT again FOREIGN KEY (k) REFERENCES p_big;
SELECT * FROM fk_promote('again');
SELECT fk_undeclare('again');

------------------------------------------------------------------------
-- fk_suggest does not suggest what is declared already
------------------------------------------------------------------------
CREATE SCHEMA decl_sug;
CREATE TABLE decl_sug.customers (id int PRIMARY KEY);
CREATE TABLE decl_sug.orders (id int PRIMARY KEY, customer_id int);
INSERT INTO decl_sug.customers SELECT generate_series(1, 50);
INSERT INTO decl_sug.orders SELECT g, g % 50 + 1 FROM generate_series(1, 200) g;
ANALYZE decl_sug.customers, decl_sug.orders;
SELECT table_name, columns, referenced_table FROM fk_suggest('{decl_sug}');
SELECT fk_declare('orders_customers', 'decl_sug.orders', '{customer_id}', 'decl_sug.customers', '{id}');
SELECT count(*) FROM fk_suggest('{decl_sug}');
SELECT fk_undeclare('orders_customers');
DROP SCHEMA decl_sug CASCADE;

------------------------------------------------------------------------
-- The table pg_dump keeps, and what a dropped table leaves
------------------------------------------------------------------------
SELECT extconfig::regclass[] @> '{fk_declared_references}' AS dumped
  FROM pg_extension WHERE extname = 'fk_tools';
SELECT fk_declare('gone', 'c_small_big', '{k}', 'p_big', '{id}');
DROP TABLE c_small_big;
SELECT count(*) FROM fk_constraints WHERE constraint_name IN ('gone', 'c_small_big_ref');
SELECT fk_undeclare('gone');
SELECT fk_undeclare('c_small_big_ref');
-- renames follow
ALTER TABLE c_int_num RENAME TO c_int_num2;
SELECT table_name, definition FROM fk_constraints WHERE constraint_name = 'c_int_num_ref';

RESET ROLE;
DROP SCHEMA decl CASCADE;
TRUNCATE fk_snapshot_results, fk_snapshot_state, fk_snapshot_runs;
DELETE FROM fk_declared_references;
DROP ROLE regress_decl;
