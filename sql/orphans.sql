-- The orphan engine on hand-made corner cases, each checked against the
-- server: fk_oracle.verify() copies every row into a table carrying the
-- same foreign key and records which rows PostgreSQL rejects; fk_orphans,
-- fk_check and fk_missing_parents must agree (mismatches = 0, and every
-- disagreement would be printed as a WARNING naming the row).
\i test/fk_oracle.sql
CREATE SCHEMA orph;
SET search_path = orph, public;
SET client_min_messages = warning;

-- Orphans get in through disabled triggers or NOT VALID constraints; this
-- helper loads rows with the table's triggers off.
CREATE FUNCTION orph.load(t regclass, stmt text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s DISABLE TRIGGER ALL', t);
    EXECUTE stmt;
    EXECUTE format('ALTER TABLE %s ENABLE TRIGGER ALL', t);
END
$$;

------------------------------------------------------------------------
-- MATCH SIMPLE and MATCH FULL on a composite key, every NULL combination
------------------------------------------------------------------------
CREATE TABLE mp (a int, b int, PRIMARY KEY (a, b));
INSERT INTO mp VALUES (1, 1);
CREATE TABLE m_simple (id int, a int, b int, FOREIGN KEY (a, b) REFERENCES mp);
CREATE TABLE m_full (id int, a int, b int, FOREIGN KEY (a, b) REFERENCES mp MATCH FULL);
SELECT orph.load(t, format('INSERT INTO %s SELECT row_number() OVER (), a, b
                             FROM (VALUES (1), (9), (NULL)) x(a), (VALUES (1), (9), (NULL)) y(b)', t))
  FROM unnest('{m_simple,m_full}'::regclass[]) t;
SELECT table_name, key, orphan_row FROM fk_orphans('m_simple') ORDER BY orphan_row->>'id';
SELECT table_name, key, orphan_row FROM fk_orphans('m_full') ORDER BY orphan_row->>'id';
SELECT * FROM fk_oracle.verify('m_simple');
SELECT * FROM fk_oracle.verify('m_full');
SELECT constraint_name, referenced_table, key, referencing_rows
  FROM fk_missing_parents('m_full') ORDER BY key;
SELECT table_name, constraint_name, referenced_table, orphan_rows, missing_keys, sample_keys, status
  FROM fk_check('m_full');

------------------------------------------------------------------------
-- Cross-type keys: the constraint's own operators, casts where RI casts
------------------------------------------------------------------------
CREATE TABLE p_int (k int PRIMARY KEY);
CREATE TABLE p_big (k bigint PRIMARY KEY);
CREATE TABLE p_small (k smallint PRIMARY KEY);
CREATE TABLE p_num (k numeric PRIMARY KEY);
CREATE TABLE p_f8 (k float8 PRIMARY KEY);
INSERT INTO p_int VALUES (1), (2), (2147483647);
INSERT INTO p_big VALUES (1), (2), (4294967296);
INSERT INTO p_small VALUES (1), (2);
INSERT INTO p_num VALUES (1.0), (2.5);
INSERT INTO p_f8 VALUES (1), (0.1), ('NaN'), (0);
CREATE TABLE c_big_int (id int, k bigint REFERENCES p_int);
CREATE TABLE c_int_big (id int, k int REFERENCES p_big);
CREATE TABLE c_small_int (id int, k smallint REFERENCES p_int);
CREATE TABLE c_int_small (id int, k int REFERENCES p_small);
CREATE TABLE c_int_num (id int, k int REFERENCES p_num);
CREATE TABLE c_f4_f8 (id int, k float4 REFERENCES p_f8);
SELECT orph.load('c_big_int', 'INSERT INTO c_big_int VALUES (1, 1), (2, 4294967297), (3, 2147483647), (4, 3), (5, 3), (6, NULL), (7, 4294967297)');
SELECT orph.load('c_int_big', 'INSERT INTO c_int_big VALUES (1, 1), (2, 3), (3, 2147483647)');
SELECT orph.load('c_small_int', 'INSERT INTO c_small_int VALUES (1, 1), (2, 3), (3, 32767)');
SELECT orph.load('c_int_small', 'INSERT INTO c_int_small VALUES (1, 1), (2, 70000), (3, 3)');
SELECT orph.load('c_int_num', 'INSERT INTO c_int_num VALUES (1, 1), (2, 2), (3, 3)');
SELECT orph.load('c_f4_f8', $$INSERT INTO c_f4_f8 VALUES (1, 1), (2, 0.1), (3, 'NaN'), (4, '-0'), (5, 0.5)$$);
SELECT table_name, key, orphan_row FROM fk_orphans('c_big_int') ORDER BY orphan_row->>'id';
SELECT constraint_name, referenced_table, key, referencing_rows
  FROM fk_missing_parents('c_big_int') ORDER BY key;
SELECT t, v.* FROM unnest('{c_big_int,c_int_big,c_small_int,c_int_small,c_int_num,c_f4_f8}'::regclass[]) t, fk_oracle.verify(t) v;
SELECT table_name, key FROM fk_orphans('c_f4_f8') ORDER BY 1, key;

-- A domain over int, with a public "=" planted for it that must never run.
CREATE DOMAIN dint AS int;
CREATE FUNCTION public.trojan_eq(dint, dint) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan = called'; END $$;
CREATE FUNCTION public.trojan_eq(int, dint) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan = called'; END $$;
CREATE FUNCTION public.trojan_eq(dint, int) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trojan = called'; END $$;
CREATE OPERATOR public.= (LEFTARG = dint, RIGHTARG = dint, FUNCTION = public.trojan_eq);
CREATE OPERATOR public.= (LEFTARG = int, RIGHTARG = dint, FUNCTION = public.trojan_eq);
CREATE OPERATOR public.= (LEFTARG = dint, RIGHTARG = int, FUNCTION = public.trojan_eq);
CREATE TABLE p_dom (k dint PRIMARY KEY);
INSERT INTO p_dom VALUES (1), (2);
CREATE TABLE c_dom_int (id int, k dint REFERENCES p_int);
CREATE TABLE c_int_dom (id int, k int REFERENCES p_dom);
CREATE TABLE c_dom_dom (id int, k dint REFERENCES p_dom);
SELECT orph.load(t, format('INSERT INTO %s VALUES (1, 1), (2, 3), (3, NULL), (4, 3)', t))
  FROM unnest('{c_dom_int,c_int_dom,c_dom_dom}'::regclass[]) t;
SELECT t, v.* FROM unnest('{c_dom_int,c_int_dom,c_dom_dom}'::regclass[]) t, fk_oracle.verify(t) v;
SELECT table_name, key, orphan_row FROM fk_orphans('c_dom_dom') ORDER BY orphan_row->>'id';
SELECT constraint_name, referenced_table, key, referencing_rows FROM fk_missing_parents('c_int_dom');

-- Character types: varchar <-> text, char(n) <-> text (RI compares the
-- referencing value cast to the operator's type: char(n) loses its
-- trailing blanks as text, text keeps them but compares as char(n)).
CREATE TABLE p_text (k text PRIMARY KEY);
CREATE TABLE p_vc (k varchar(5) PRIMARY KEY);
CREATE TABLE p_ch (k char(4) PRIMARY KEY);
INSERT INTO p_text VALUES ('ab'), ('ab  x');
INSERT INTO p_vc VALUES ('ab'), ('cd');
INSERT INTO p_ch VALUES ('ab'), ('cd');
CREATE TABLE c_vc_text (id int, k varchar(10) REFERENCES p_text);
CREATE TABLE c_text_vc (id int, k text REFERENCES p_vc);
CREATE TABLE c_ch_text (id int, k char(6) REFERENCES p_text);
CREATE TABLE c_text_ch (id int, k text REFERENCES p_ch);
SELECT orph.load(t, format($$INSERT INTO %s VALUES (1, 'ab'), (2, 'ab '), (3, 'AB'), (4, 'abcdef'), (5, 'zz'), (6, 'zz  '), (7, 'cd')$$, t))
  FROM unnest('{c_vc_text,c_text_vc,c_ch_text,c_text_ch}'::regclass[]) t;
SELECT t, v.* FROM unnest('{c_vc_text,c_text_vc,c_ch_text,c_text_ch}'::regclass[]) t, fk_oracle.verify(t) v;
SELECT table_name, key FROM fk_orphans('c_text_ch') ORDER BY orphan_row->>'id';
-- 'zz' and 'zz  ' are one missing char(4) key
SELECT rtrim(key->>'k'), referencing_rows FROM fk_missing_parents('c_text_ch') ORDER BY 1;
SELECT orphan_rows, missing_keys, status FROM fk_check('c_text_ch');

-- Polymorphic operators: enum and array keys
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE p_enum (k mood PRIMARY KEY, a int[] UNIQUE);
INSERT INTO p_enum VALUES ('ok', '{1,2}'), ('happy', '{}');
CREATE TABLE c_enum (id int, k mood REFERENCES p_enum, a int[] REFERENCES p_enum (a));
SELECT orph.load('c_enum', $$INSERT INTO c_enum VALUES (1, 'ok', '{1,2}'), (2, 'sad', '{2,1}'), (3, 'sad', '{}'), (4, NULL, '{NULL}')$$);
SELECT constraint_name, key FROM fk_orphans('c_enum') ORDER BY 1, orphan_row->>'id';
SELECT constraint_name, key, referencing_rows FROM fk_missing_parents('c_enum') ORDER BY 1, key;
SELECT * FROM fk_oracle.verify('c_enum');

------------------------------------------------------------------------
-- Collations: the referenced key's collation decides
------------------------------------------------------------------------
CREATE COLLATION orph.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE p_ci (k text COLLATE orph.ci PRIMARY KEY);
INSERT INTO p_ci VALUES ('abc'), ('Straße');
CREATE TABLE c_c_ci (id int, k text COLLATE "C" REFERENCES p_ci);
SELECT orph.load('c_c_ci', $$INSERT INTO c_c_ci VALUES (1, 'abc'), (2, 'ABC'), (3, 'aBc '), (4, 'xyz'), (5, 'XYZ'), (6, 'STRASSE'), (7, 'straße')$$);
SELECT table_name, key FROM fk_orphans('c_c_ci') ORDER BY orphan_row->>'id';
-- 'xyz' and 'XYZ' need one parent under the case-insensitive key
SELECT count(*), sum(referencing_rows) FROM fk_missing_parents('c_c_ci');
SELECT * FROM fk_oracle.verify('c_c_ci');
-- the other way round: a deterministic referenced key, a case-insensitive referencing column
CREATE TABLE p_c (k text COLLATE "C" PRIMARY KEY);
INSERT INTO p_c VALUES ('abc');
CREATE TABLE c_ci_c (id int, k text COLLATE orph.ci REFERENCES p_c);
SELECT orph.load('c_ci_c', $$INSERT INTO c_ci_c VALUES (1, 'abc'), (2, 'ABC'), (3, 'xyz'), (4, 'XYZ')$$);
SELECT table_name, key FROM fk_orphans('c_ci_c') ORDER BY orphan_row->>'id';
SELECT count(*), sum(referencing_rows) FROM fk_missing_parents('c_ci_c');
SELECT * FROM fk_oracle.verify('c_ci_c');
-- two deterministic collations
CREATE TABLE p_det (k text COLLATE "C" PRIMARY KEY);
INSERT INTO p_det VALUES ('a'), ('B');
CREATE TABLE c_det (id int, k text COLLATE "en-x-icu" REFERENCES p_det);
SELECT orph.load('c_det', $$INSERT INTO c_det VALUES (1, 'a'), (2, 'A'), (3, 'b'), (4, 'B')$$);
SELECT * FROM fk_oracle.verify('c_det');

------------------------------------------------------------------------
-- Key shapes: column order, UNIQUE non-PK key, self reference, dropped
-- columns, two broken keys in one row
------------------------------------------------------------------------
CREATE TABLE p_ord (a int, b text, c date, UNIQUE (c, a, b), PRIMARY KEY (a));
INSERT INTO p_ord VALUES (1, 'x', '2020-01-01'), (2, 'y', '2020-01-02');
CREATE TABLE c_ord (bb text, id int, aa int, cc date,
    FOREIGN KEY (bb, cc, aa) REFERENCES p_ord (b, c, a) MATCH FULL);
SELECT orph.load('c_ord', $$INSERT INTO c_ord VALUES ('x', 1, 1, '2020-01-01'), ('y', 2, 1, '2020-01-01'),
    ('x', 3, 2, '2020-01-02'), (NULL, 4, 1, '2020-01-01'), (NULL, 5, NULL, NULL)$$);
SELECT table_name, key FROM fk_orphans('c_ord') ORDER BY orphan_row->>'id';
SELECT key, referencing_rows FROM fk_missing_parents('c_ord') ORDER BY key;
SELECT * FROM fk_oracle.verify('c_ord');

CREATE TABLE p_uq (id int PRIMARY KEY, code text UNIQUE);
INSERT INTO p_uq VALUES (1, 'one'), (2, 'two');
CREATE TABLE c_uq (id int, code text REFERENCES p_uq (code));
SELECT orph.load('c_uq', $$INSERT INTO c_uq VALUES (1, 'one'), (2, '1'), (3, 'three')$$);
SELECT table_name, key FROM fk_orphans('c_uq') ORDER BY orphan_row->>'id';
SELECT * FROM fk_oracle.verify('c_uq');

CREATE TABLE tree (id int PRIMARY KEY, parent int REFERENCES tree);
SELECT orph.load('tree', 'INSERT INTO tree VALUES (1, NULL), (2, 1), (3, 3), (4, 5), (6, 4), (7, 99)');
SELECT table_name, key, orphan_row FROM fk_orphans('tree') ORDER BY orphan_row->>'id';
SELECT * FROM fk_oracle.verify('tree');

CREATE TABLE p_drop (junk1 int, a int, junk2 text, b int, UNIQUE (b, a));
ALTER TABLE p_drop DROP COLUMN junk1, DROP COLUMN junk2;
INSERT INTO p_drop VALUES (1, 1), (2, 2);
CREATE TABLE c_drop (x int, a int, y text, b int, id int);
ALTER TABLE c_drop DROP COLUMN x, DROP COLUMN y;
ALTER TABLE c_drop ADD FOREIGN KEY (a, b) REFERENCES p_drop (a, b);
SELECT orph.load('c_drop', 'INSERT INTO c_drop VALUES (1, 1, 1), (1, 2, 2), (2, 2, 3)');
SELECT table_name, key, orphan_row FROM fk_orphans('c_drop') ORDER BY orphan_row->>'id';
SELECT * FROM fk_oracle.verify('c_drop');

-- one row breaking two constraints is listed once per constraint
CREATE TABLE c_two (id int, k1 int REFERENCES p_int, k2 int REFERENCES p_small);
SELECT orph.load('c_two', 'INSERT INTO c_two VALUES (1, 1, 1), (2, 5, 5), (3, 1, 5), (4, 5, 1)');
SELECT constraint_name, key, orphan_row FROM fk_orphans('c_two') ORDER BY 1, orphan_row->>'id';
SELECT constraint_name, key FROM fk_orphans('c_two', 'c_two_k2_fkey') ORDER BY orphan_row->>'id';
SELECT table_name, constraint_name, orphan_rows, missing_keys, status FROM fk_check('c_two') ORDER BY 2;
SELECT * FROM fk_oracle.verify('c_two');

------------------------------------------------------------------------
-- NOT VALID constraints; enforced constraints
------------------------------------------------------------------------
CREATE TABLE c_nv (id int, k int);
INSERT INTO c_nv VALUES (1, 1), (2, 42), (3, NULL);
ALTER TABLE c_nv ADD CONSTRAINT c_nv_k_fkey FOREIGN KEY (k) REFERENCES p_int NOT VALID;
SELECT table_name, key FROM fk_orphans('c_nv');
SELECT * FROM fk_oracle.verify('c_nv');
-- an enforced, validated constraint has no orphans
CREATE TABLE c_ok (id int, k int REFERENCES p_int);
INSERT INTO c_ok VALUES (1, 1), (2, 2), (3, NULL);
SELECT status, orphan_rows, missing_keys, sample_keys FROM fk_check('c_ok');
SELECT * FROM fk_oracle.verify('c_ok');
-- deferrable constraints are judged like immediate ones
CREATE TABLE c_def (id int, k int REFERENCES p_int DEFERRABLE INITIALLY DEFERRED);
SELECT orph.load('c_def', 'INSERT INTO c_def VALUES (1, 1), (2, 42)');
SELECT table_name, key FROM fk_orphans('c_def');
SELECT * FROM fk_oracle.verify('c_def');

------------------------------------------------------------------------
-- Inheritance: the FK binds the parent's own rows only, and only the
-- referenced table's own rows satisfy it
------------------------------------------------------------------------
CREATE TABLE ip (k int PRIMARY KEY);
CREATE TABLE ip_child (k int) INHERITS (ip);
INSERT INTO ip VALUES (1);
INSERT INTO ip_child VALUES (2);
CREATE TABLE ic (id int, k int REFERENCES ip);
CREATE TABLE ic_child (extra text) INHERITS (ic);
-- the server refuses a parent row that only a child of the referenced table has ...
DO $$ BEGIN INSERT INTO ic VALUES (0, 2); EXCEPTION WHEN foreign_key_violation THEN RAISE WARNING 'rejected: %', SQLERRM; END $$;
-- ... and accepts any key in a child of the referencing table (triggers on)
INSERT INTO ic_child VALUES (10, 99, 'not subject'), (11, 1, 'fine');
SELECT orph.load('ic', 'INSERT INTO ic VALUES (1, 1), (2, 2), (3, 3)');
SELECT table_name, key, orphan_row FROM fk_orphans('ic') ORDER BY orphan_row->>'id';
SELECT * FROM fk_oracle.verify('ic');
-- the child has no foreign key of its own
SELECT count(*) FROM fk_orphans('ic_child');
SELECT count(*) FROM fk_check('ic_child');
SELECT * FROM fk_oracle.verify('ic_child');

------------------------------------------------------------------------
-- Partitioned tables on either side and on both
------------------------------------------------------------------------
CREATE TABLE pp (k int PRIMARY KEY) PARTITION BY RANGE (k);
CREATE TABLE pp_lo PARTITION OF pp FOR VALUES FROM (0) TO (100);
CREATE TABLE pp_hi PARTITION OF pp FOR VALUES FROM (100) TO (1000);
INSERT INTO pp VALUES (1), (150);
-- referencing: partitioned, one partition sub-partitioned, one attached
-- with its own column order and a dropped column
CREATE TABLE cp (id int, k int, note text) PARTITION BY LIST (id);
CREATE TABLE cp_1 PARTITION OF cp FOR VALUES IN (1, 2, 3);
CREATE TABLE cp_sub PARTITION OF cp FOR VALUES IN (4, 5, 6, 7) PARTITION BY LIST (id);
CREATE TABLE cp_sub_a PARTITION OF cp_sub FOR VALUES IN (4, 5);
CREATE TABLE cp_sub_b PARTITION OF cp_sub FOR VALUES IN (6, 7);
CREATE TABLE cp_odd (gone int, note text, k int, id int);
ALTER TABLE cp_odd DROP COLUMN gone;
ALTER TABLE cp ATTACH PARTITION cp_odd FOR VALUES IN (8, 9);
ALTER TABLE cp ADD CONSTRAINT cp_k_fkey FOREIGN KEY (k) REFERENCES pp;
-- the same referencing rows against a plain referenced table
CREATE TABLE cq (id int, k int REFERENCES p_int) PARTITION BY LIST (id);
CREATE TABLE cq_1 PARTITION OF cq FOR VALUES IN (1, 2, 3, 4, 5, 6, 7, 8, 9);
-- (loaded as a replica would: RI triggers do not fire then)
SET session_replication_role = replica;
INSERT INTO cp (id, k) VALUES (1, 1), (2, 2), (3, 150), (4, 1), (5, 99), (6, 150), (7, 151), (8, 2), (9, NULL);
INSERT INTO cq SELECT id, k FROM cp;
RESET session_replication_role;
SELECT tableoid::regclass, * FROM cp ORDER BY id;
-- every partition is checked, each row listed once with its partition
SELECT constraint_name, table_name, key, orphan_row FROM fk_orphans('cp') ORDER BY orphan_row->>'id';
SELECT constraint_name, table_name, key FROM fk_orphans('cp_sub') ORDER BY orphan_row->>'id';
SELECT constraint_name, table_name, key, orphan_row FROM fk_orphans('cp_odd') ORDER BY orphan_row->>'id';
SELECT constraint_name, referenced_table, key, referencing_rows FROM fk_missing_parents('cp') ORDER BY key;
SELECT table_name, constraint_name, referenced_table, orphan_rows, missing_keys, sample_keys, status
  FROM fk_check('cp');
SELECT table_name, constraint_name, referenced_table, orphan_rows, missing_keys, status
  FROM fk_check('cp_sub_b');
SELECT t, v.* FROM unnest('{cp,cp_1,cp_sub,cp_sub_a,cp_sub_b,cp_odd,cq,cq_1}'::regclass[]) t, fk_oracle.verify(t) v;
-- a plain referencing table to a partitioned one
CREATE TABLE c_to_pp (id int, k int REFERENCES pp);
SELECT orph.load('c_to_pp', 'INSERT INTO c_to_pp VALUES (1, 1), (2, 150), (3, 2), (4, 2000)');
SELECT table_name, key FROM fk_orphans('c_to_pp') ORDER BY orphan_row->>'id';
SELECT * FROM fk_oracle.verify('c_to_pp');

------------------------------------------------------------------------
-- Hostile identifiers: schema, tables, columns, constraint names
------------------------------------------------------------------------
CREATE SCHEMA "Odd ""schema"", x";
CREATE TABLE "Odd ""schema"", x"."select" ("from" int, "a,b" text, "Mixed Case" int,
    PRIMARY KEY ("a,b", "Mixed Case"));
INSERT INTO "Odd ""schema"", x"."select" VALUES (1, 'k1', 1), (2, 'k2', 2);
CREATE TABLE "Odd ""schema"", x"."Child ""T"";--" ("fk_tools_c" int, "x""y" int, "c,d" text, "fk_tools_p" text,
    CONSTRAINT "fk; DROP TABLE x; ""--" FOREIGN KEY ("c,d", "x""y") REFERENCES "Odd ""schema"", x"."select" ("a,b", "Mixed Case"),
    CONSTRAINT "Full ""one""" FOREIGN KEY ("fk_tools_p", "fk_tools_c") REFERENCES "Odd ""schema"", x"."select" ("a,b", "Mixed Case") MATCH FULL);
SELECT orph.load('"Odd ""schema"", x"."Child ""T"";--"', $$INSERT INTO "Odd ""schema"", x"."Child ""T"";--"
    VALUES (1, 1, 'k1', 'k1'), (2, 3, 'k2', NULL), (3, NULL, 'k3', 'k2'), (NULL, 2, 'k2', 'k9')$$);
SELECT constraint_name, table_name, key, orphan_row
  FROM fk_orphans('"Odd ""schema"", x"."Child ""T"";--"') ORDER BY 1, orphan_row::text;
SELECT constraint_name, referenced_table, key, referencing_rows
  FROM fk_missing_parents('"Odd ""schema"", x"."Child ""T"";--"') ORDER BY 1, key;
SELECT table_name, constraint_name, referenced_table, orphan_rows, missing_keys, sample_keys, status
  FROM fk_check('"Odd ""schema"", x"."Child ""T"";--"') ORDER BY 2;
SELECT count(*) FROM fk_orphans('"Odd ""schema"", x"."Child ""T"";--"', 'fk; DROP TABLE x; "--');
SELECT * FROM fk_oracle.verify('"Odd ""schema"", x"."Child ""T"";--"');

-- fk_check() over the whole database covers all of these, clones folded
SELECT table_name, constraint_name, orphan_rows, missing_keys, status
  FROM fk_check()
 WHERE (SELECT relnamespace FROM pg_class WHERE oid = table_name)
       IN ('orph'::regnamespace, '"Odd ""schema"", x"'::regnamespace)
 ORDER BY table_name::text, 2;

DROP SCHEMA orph, "Odd ""schema"", x" CASCADE;
-- the planted operators went with their domain
SELECT count(*) FROM pg_proc WHERE proname = 'trojan_eq';
DROP SCHEMA fk_oracle CASCADE;
RESET client_min_messages;
RESET search_path;
