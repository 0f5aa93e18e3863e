--
-- fk_constraints: every column against what PostgreSQL's catalogs say.
--
CREATE SCHEMA "Fk Cons ""y""";
SET search_path = "Fk Cons ""y""", public;

-- Referenced tables.
CREATE TABLE "Parent" ("ID" int, "Code" text, k int UNIQUE, "select" int UNIQUE,
                       PRIMARY KEY ("ID", "Code"));

-- Composite keys: one listing the columns in the reverse of the primary
-- key's order, one in its order.
CREATE TABLE "Child ""q""" ("Code" text, "ID" int, "user" int, s int, t int DEFAULT 0, u int);
ALTER TABLE "Child ""q""" ADD CONSTRAINT "comp Order" FOREIGN KEY ("Code", "ID")
    REFERENCES "Parent" ("Code", "ID");
ALTER TABLE "Child ""q""" ADD CONSTRAINT comp_pk_order FOREIGN KEY ("ID", "Code")
    REFERENCES "Parent" MATCH FULL ON UPDATE CASCADE ON DELETE CASCADE;
-- every action, both events
ALTER TABLE "Child ""q""" ADD CONSTRAINT act_restrict FOREIGN KEY ("user")
    REFERENCES "Parent" (k) ON UPDATE RESTRICT ON DELETE RESTRICT;
ALTER TABLE "Child ""q""" ADD CONSTRAINT act_setnull FOREIGN KEY (s)
    REFERENCES "Parent" (k) ON UPDATE SET NULL ON DELETE SET NULL;
ALTER TABLE "Child ""q""" ADD CONSTRAINT act_setdefault FOREIGN KEY (t)
    REFERENCES "Parent" (k) ON UPDATE SET DEFAULT ON DELETE SET DEFAULT;
-- PG 15: ON DELETE SET NULL of some key columns only
ALTER TABLE "Child ""q""" ADD CONSTRAINT act_setnull_cols FOREIGN KEY ("ID", "Code")
    REFERENCES "Parent" ON DELETE SET NULL ("Code");
-- deferrability, and NOT VALID
ALTER TABLE "Child ""q""" ADD CONSTRAINT def_deferred FOREIGN KEY (u)
    REFERENCES "Parent" (k) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "Child ""q""" ADD CONSTRAINT def_immediate FOREIGN KEY (u)
    REFERENCES "Parent" ("select") DEFERRABLE;
ALTER TABLE "Child ""q""" ADD CONSTRAINT "not valid" FOREIGN KEY (u)
    REFERENCES "Parent" (k) NOT VALID;

-- indexed: the key's columns must lead a valid, total index, in any order
CREATE TABLE ix (a int, b int, c int, d int, e int, f int, g int, h int, w int, z int);
CREATE TABLE ixp (a int, b int, UNIQUE (a, b));
ALTER TABLE ix ADD CONSTRAINT "ix any order" FOREIGN KEY (a, b) REFERENCES ixp (a, b);
CREATE INDEX ON ix (b, a, z);
ALTER TABLE ix ADD CONSTRAINT ix_not_leading FOREIGN KEY (c, d) REFERENCES ixp (a, b);
CREATE INDEX ON ix (z, c, d);
ALTER TABLE ix ADD CONSTRAINT ix_partial FOREIGN KEY (e) REFERENCES "Parent" (k);
CREATE INDEX ON ix (e) WHERE e > 0;
ALTER TABLE ix ADD CONSTRAINT ix_expression FOREIGN KEY (f) REFERENCES "Parent" (k);
CREATE INDEX ON ix ((f + 1), f);
ALTER TABLE ix ADD CONSTRAINT ix_include FOREIGN KEY (g, h) REFERENCES ixp (a, b);
CREATE INDEX ON ix (g) INCLUDE (h);
-- a column twice in an index does not make it cover two key columns
ALTER TABLE ix ADD CONSTRAINT ix_repeated FOREIGN KEY (w, z) REFERENCES ixp (a, b);
CREATE INDEX ON ix (w, w);
-- a key naming a column twice is covered by an index on that column
ALTER TABLE ix ADD CONSTRAINT ix_key_twice FOREIGN KEY (h, h) REFERENCES ixp (a, b);
CREATE INDEX ON ix (h);
-- an invalid index (a failed CREATE INDEX CONCURRENTLY) does not count
CREATE TABLE ix_inv (a int REFERENCES "Parent" (k));
INSERT INTO "Parent" VALUES (1, 'one', 1, 1);
INSERT INTO ix_inv VALUES (1), (1);
CREATE UNIQUE INDEX CONCURRENTLY ix_inv_a ON ix_inv (a);

-- enforced: off when any RI trigger, on either table, does not fire
CREATE TABLE en_ref (id int PRIMARY KEY);
CREATE TABLE "en all off" (r int REFERENCES en_ref, CONSTRAINT other FOREIGN KEY (r) REFERENCES "Parent" (k));
ALTER TABLE "en all off" DISABLE TRIGGER ALL;
CREATE TABLE en_replica (r int CONSTRAINT en_replica_fk REFERENCES en_ref);
CREATE TABLE en_always (r int CONSTRAINT en_always_fk REFERENCES en_ref);
DO $$
DECLARE
    t record;
BEGIN
    -- one action trigger on the referenced side replica-only
    FOR t IN SELECT tg.tgrelid::regclass AS rel, tg.tgname
               FROM pg_catalog.pg_trigger tg
               JOIN pg_catalog.pg_constraint c ON c.oid = tg.tgconstraint
              WHERE c.conname = 'en_replica_fk' AND tg.tgrelid = c.confrelid
              ORDER BY tg.tgname LIMIT 1
    LOOP
        EXECUTE format('ALTER TABLE %s ENABLE REPLICA TRIGGER %I', t.rel, t.tgname);
    END LOOP;
    -- ALWAYS fires in a normal session too: still enforced
    FOR t IN SELECT tg.tgrelid::regclass AS rel, tg.tgname
               FROM pg_catalog.pg_trigger tg
               JOIN pg_catalog.pg_constraint c ON c.oid = tg.tgconstraint
              WHERE c.conname = 'en_always_fk'
    LOOP
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', t.rel, t.tgname);
    END LOOP;
END
$$;

-- Partitioned on both sides: one row per declared key, clones folded.
CREATE TABLE pt_ref (id int PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE pt_ref_1 PARTITION OF pt_ref FOR VALUES FROM (0) TO (100);
CREATE TABLE pt_ref_2 PARTITION OF pt_ref FOR VALUES FROM (100) TO (200);
CREATE TABLE "Pt Kid" (id int, r int, r2 int) PARTITION BY RANGE (id);
CREATE TABLE "Pt Kid 1" PARTITION OF "Pt Kid" FOR VALUES FROM (0) TO (100);
CREATE TABLE "Pt Kid 2" PARTITION OF "Pt Kid" FOR VALUES FROM (100) TO (200)
    PARTITION BY RANGE (id);
CREATE TABLE "Pt Kid 2a" PARTITION OF "Pt Kid 2" FOR VALUES FROM (100) TO (200);
ALTER TABLE "Pt Kid" ADD CONSTRAINT pt_both FOREIGN KEY (r) REFERENCES pt_ref;
CREATE INDEX ON "Pt Kid" (r);
ALTER TABLE "Pt Kid" ADD CONSTRAINT pt_kid_only FOREIGN KEY (r2) REFERENCES "Parent" (k);
-- a partition's own, separately declared key is a row of its own
ALTER TABLE "Pt Kid 1" ADD CONSTRAINT pt_part_own FOREIGN KEY (r2) REFERENCES en_ref;
-- a disabled trigger on a partition of the referenced table (a clone's
-- action trigger) makes the declared key unenforced
CREATE TABLE pt_ref2 (id int PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE pt_ref2_1 PARTITION OF pt_ref2 FOR VALUES FROM (0) TO (100);
CREATE TABLE pt_kid2 (r int CONSTRAINT pt_ref2_clone_off REFERENCES pt_ref2);
ALTER TABLE pt_ref2_1 DISABLE TRIGGER ALL;

-- Inheritance: a key on the parent is not inherited; a child declares its own.
CREATE TABLE inh_parent (r int CONSTRAINT inh_parent_fk REFERENCES en_ref);
CREATE TABLE inh_child (x int) INHERITS (inh_parent);
CREATE TABLE inh_ref (id int PRIMARY KEY);
CREATE TABLE inh_ref_child () INHERITS (inh_ref);
ALTER TABLE inh_child ADD CONSTRAINT inh_child_fk FOREIGN KEY (x) REFERENCES inh_ref (id);

-- What the view says, for reading.
SELECT constraint_name, table_name, columns, referenced_table, referenced_columns,
       match_type, on_update, on_delete, is_deferrable, initially_deferred,
       validated, enforced, indexed
  FROM public.fk_constraints
 WHERE constraint_oid IN (SELECT oid FROM pg_catalog.pg_constraint
                           WHERE connamespace = '"Fk Cons ""y"""'::regnamespace)
 ORDER BY table_name::text, constraint_name;
SELECT constraint_name, definition
  FROM public.fk_constraints
 WHERE constraint_oid IN (SELECT oid FROM pg_catalog.pg_constraint
                           WHERE connamespace = '"Fk Cons ""y"""'::regnamespace)
 ORDER BY table_name::text, constraint_name;

-- The same facts straight from the catalogs, written independently of the
-- extension.
CREATE VIEW catalog_says AS
WITH RECURSIVE fks AS (
    SELECT c.* FROM pg_catalog.pg_constraint c
     WHERE c.contype = 'f' AND c.conparentid = 0
       AND c.connamespace = '"Fk Cons ""y"""'::regnamespace
), family (root, con) AS (
    SELECT oid, oid FROM fks
    UNION ALL
    SELECT f.root, c.oid FROM family f
      JOIN pg_catalog.pg_constraint c ON c.conparentid = f.con
)
SELECT c.oid AS constraint_oid, c.conname AS constraint_name,
       c.conrelid::regclass AS table_name,
       (SELECT pg_catalog.array_agg(a.attname ORDER BY k.n)
          FROM pg_catalog.unnest(c.conkey) WITH ORDINALITY AS k(att, n)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att)
         AS columns,
       c.confrelid::regclass AS referenced_table,
       (SELECT pg_catalog.array_agg(a.attname ORDER BY k.n)
          FROM pg_catalog.unnest(c.confkey) WITH ORDINALITY AS k(att, n)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.att)
         AS referenced_columns,
       CASE c.confmatchtype WHEN 's' THEN 'SIMPLE' WHEN 'f' THEN 'FULL' END AS match_type,
       CASE c.confupdtype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT'
            WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END
         AS on_update,
       CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT'
            WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END
         AS on_delete,
       c.condeferrable AS is_deferrable, c.condeferred AS initially_deferred,
       c.convalidated AS validated,
       NOT EXISTS (SELECT FROM family f
                     JOIN pg_catalog.pg_trigger t ON t.tgconstraint = f.con
                    WHERE f.root = c.oid AND t.tgenabled NOT IN ('O', 'A')) AS enforced,
       EXISTS (SELECT FROM pg_catalog.pg_index i,
                      LATERAL (SELECT pg_catalog.array_agg(DISTINCT x) AS keyset
                                 FROM pg_catalog.unnest(c.conkey) x) ks
                WHERE i.indrelid = c.conrelid AND i.indisvalid AND i.indislive
                  AND i.indpred IS NULL
                  AND i.indnkeyatts >= pg_catalog.cardinality(ks.keyset)
                  AND (i.indkey::int2[])[0:pg_catalog.cardinality(ks.keyset) - 1] @> ks.keyset
                  AND (i.indkey::int2[])[0:pg_catalog.cardinality(ks.keyset) - 1] <@ ks.keyset)
         AS indexed,
       pg_catalog.pg_get_constraintdef(c.oid) AS definition,
       false AS declared_only
  FROM fks c;

-- Both ways round: no row of one is missing from the other.
SELECT 'view only' AS side, * FROM (
  SELECT * FROM public.fk_constraints
   WHERE constraint_oid IN (SELECT oid FROM pg_catalog.pg_constraint
                             WHERE connamespace = '"Fk Cons ""y"""'::regnamespace)
  EXCEPT SELECT * FROM catalog_says) v
UNION ALL
SELECT 'catalog only', * FROM (
  SELECT * FROM catalog_says
  EXCEPT
  SELECT * FROM public.fk_constraints) c;
SELECT count(*) AS declared_keys FROM catalog_says;
-- clones exist, but only declared keys are rows
SELECT count(*) AS clones FROM pg_catalog.pg_constraint
 WHERE connamespace = '"Fk Cons ""y"""'::regnamespace AND contype = 'f' AND conparentid <> 0;
SELECT count(*) AS clone_rows FROM public.fk_constraints f
  JOIN pg_catalog.pg_constraint c ON c.oid = f.constraint_oid
 WHERE c.conparentid <> 0;

-- The view's columns and their types are what the documentation promises.
SELECT attname, pg_catalog.format_type(atttypid, atttypmod)
  FROM pg_catalog.pg_attribute
 WHERE attrelid = 'public.fk_constraints'::regclass AND attnum > 0
 ORDER BY attnum;

-- Setting a trigger back makes the key enforced again.
ALTER TABLE "en all off" ENABLE TRIGGER ALL;
SELECT constraint_name, enforced FROM public.fk_constraints
 WHERE table_name = '"en all off"'::regclass ORDER BY 1;

-- A non-superuser sees the same rows (the catalogs are readable to all).
CREATE ROLE regress_fk_cons;
GRANT USAGE ON SCHEMA "Fk Cons ""y""" TO regress_fk_cons;
GRANT SELECT ON catalog_says TO regress_fk_cons;
SET ROLE regress_fk_cons;
SELECT count(*) AS visible,
       count(*) FILTER (WHERE (v.*)::text = (SELECT (c.*)::text FROM catalog_says c
                                              WHERE c.constraint_oid = v.constraint_oid))
         AS same_as_catalog
  FROM public.fk_constraints v
 WHERE constraint_oid IN (SELECT oid FROM pg_catalog.pg_constraint
                           WHERE connamespace = '"Fk Cons ""y"""'::regnamespace);
RESET ROLE;

RESET search_path;
DROP SCHEMA "Fk Cons ""y""" CASCADE;
DROP ROLE regress_fk_cons;
