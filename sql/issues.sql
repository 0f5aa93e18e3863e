--
-- fk_issues: each kind of issue, with hostile names, a partitioned and an
-- inheritance referencing table; then every fix is run step by step, as
-- fk_fix_steps gives the steps, and its row disappears.
--
CREATE SCHEMA "Fk Issues ""x""";
SET search_path = "Fk Issues ""x""", public;

CREATE TABLE "Parent Tab" ("ID" int PRIMARY KEY, "select" bigint UNIQUE,
                           a int, b int, UNIQUE (a, b));
CREATE TABLE "Other ref" (a int, b int, UNIQUE (a, b));
INSERT INTO "Parent Tab" VALUES (1, 1, 1, 1), (2, 2, 2, 2);
INSERT INTO "Other ref" VALUES (1, 1);

-- Partitioned referencing table; its key indexes are there unless a
-- constraint is meant to be unindexed.
CREATE TABLE "Kid" ("Id" int, "user" int, "Odd ""col""" int, x int, y int)
    PARTITION BY RANGE ("Id");
CREATE TABLE "Kid p1" PARTITION OF "Kid" FOR VALUES FROM (0) TO (10);
CREATE TABLE "Kid p2" PARTITION OF "Kid" FOR VALUES FROM (10) TO (20);
CREATE INDEX ON "Kid" ("user");
CREATE INDEX ON "Kid" ("Odd ""col""");
-- neither a partial index nor one that leads with an expression counts
CREATE INDEX ON "Kid" (y, x) WHERE y > 0;
CREATE INDEX ON "Kid" ((y + 0), x);
INSERT INTO "Kid" VALUES (1, 1, 1, 1, 1), (11, 2, 2, 1, 1);

-- not_enforced: one RI trigger of a partition clone disabled, one action
-- trigger on the referenced table replica-only.  Other constraints of the
-- same tables keep their triggers.
ALTER TABLE "Kid" ADD CONSTRAINT "kid Enforced" FOREIGN KEY ("user") REFERENCES "Parent Tab";
DO $$
DECLARE
    t record;
BEGIN
    SELECT tg.tgrelid::regclass AS rel, tg.tgname INTO t
      FROM pg_catalog.pg_trigger tg
      JOIN pg_catalog.pg_constraint c ON c.oid = tg.tgconstraint
     WHERE c.conparentid = (SELECT oid FROM pg_catalog.pg_constraint
                             WHERE conname = 'kid Enforced' AND conparentid = 0)
       AND tg.tgrelid = '"Kid p1"'::regclass
       AND tg.tgfoid = 'pg_catalog."RI_FKey_check_ins"'::regproc;
    EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', t.rel, t.tgname);
    SELECT tg.tgrelid::regclass AS rel, tg.tgname INTO t
      FROM pg_catalog.pg_trigger tg
      JOIN pg_catalog.pg_constraint c ON c.oid = tg.tgconstraint
     WHERE c.conname = 'kid Enforced' AND c.conparentid = 0
       AND tg.tgrelid = '"Parent Tab"'::regclass
       AND tg.tgfoid = 'pg_catalog."RI_FKey_noaction_del"'::regproc;
    EXECUTE format('ALTER TABLE %s ENABLE REPLICA TRIGGER %I', t.rel, t.tgname);
END
$$;

-- type_mismatch: integer referencing bigint
ALTER TABLE "Kid" ADD CONSTRAINT "Kid type" FOREIGN KEY ("Odd ""col""") REFERENCES "Parent Tab" ("select");

-- the same on a partition's own key: the column is inherited, so the fix
-- is on the parent (the one above); this row has none of its own
ALTER TABLE "Kid p2" ADD CONSTRAINT "kid p2 type" FOREIGN KEY ("Odd ""col""") REFERENCES "Parent Tab" ("select");

-- unindexed, composite, key order (y, x)
ALTER TABLE "Kid" ADD CONSTRAINT "kid comp" FOREIGN KEY (y, x) REFERENCES "Parent Tab" (b, a);
-- duplicate: the same pairs declared in another order, later by name
ALTER TABLE "Kid" ADD CONSTRAINT "kid comp again" FOREIGN KEY (x, y) REFERENCES "Parent Tab" (a, b);
-- the same pairs the other way round are another key, not a duplicate
ALTER TABLE "Kid" ADD CONSTRAINT "kid crossed" FOREIGN KEY (x, y) REFERENCES "Parent Tab" (b, a);
-- same columns to another table: also unindexed, but served by the index
-- proposed for "kid comp", so it has no fix of its own
ALTER TABLE "Kid" ADD CONSTRAINT "kid other" FOREIGN KEY (x, y) REFERENCES "Other ref" (a, b);

-- not_validated, on a table named by a reserved word, with an orphan
CREATE TABLE "select" ("Z" int, w int);
CREATE INDEX ON "select" ("Z");
INSERT INTO "select" VALUES (1, 1), (99, 2);
ALTER TABLE "select" ADD CONSTRAINT "Not Valid" FOREIGN KEY ("Z") REFERENCES "Parent Tab" NOT VALID;

-- all RI triggers of a plain table disabled at once
CREATE TABLE "all off" (p int REFERENCES "Parent Tab");
CREATE INDEX ON "all off" (p);
ALTER TABLE "all off" DISABLE TRIGGER ALL;

-- a clean key: no row
CREATE TABLE clean (p int REFERENCES "Parent Tab");
CREATE INDEX ON clean (p);

-- invalid_index: a concurrent build of the key's index that failed (here
-- on duplicates; a lock_timeout does the same) leaves it INVALID, and the
-- key unindexed
CREATE TABLE halfbuilt (p int REFERENCES "Parent Tab");
INSERT INTO halfbuilt VALUES (1), (1);
CREATE UNIQUE INDEX CONCURRENTLY halfbuilt_p_idx ON halfbuilt (p);

-- unindexed on an inheritance parent: its key covers its own rows only
CREATE TABLE "inh parent" (p int REFERENCES "Parent Tab");
CREATE TABLE "inh child" () INHERITS ("inh parent");

-- Only this schema's rows (other test files may leave keys behind).
CREATE VIEW my_issues AS
SELECT i.*
  FROM public.fk_issues i
  JOIN pg_catalog.pg_class c ON c.oid = i.table_name
 WHERE c.relnamespace = '"Fk Issues ""x"""'::regnamespace;

CREATE VIEW my_steps AS
SELECT s.*
  FROM public.fk_fix_steps s
  JOIN pg_catalog.pg_class c ON c.oid = s.table_name
 WHERE c.relnamespace = '"Fk Issues ""x"""'::regnamespace;

-- RI trigger names carry OIDs: mask them.
SELECT severity, issue, table_name, constraint_name, detail,
       regexp_replace(fix_sql, '_[0-9]+"', '_N"', 'g') AS fix_sql,
       fix_outside_transaction
  FROM my_issues
 ORDER BY table_name::text, constraint_name, issue;
-- the same fixes one step a row, with what each locks
SELECT table_name, constraint_name, issue, step,
       regexp_replace(sql, '_[0-9]+"', '_N"', 'g') AS sql, outside_transaction, locks
  FROM my_steps
 ORDER BY table_name::text, constraint_name, issue, step;
-- fix_steps and fix_sql say the same
SELECT count(*) AS fixes,
       count(*) FILTER (WHERE array_to_string(fix_steps, E';\n') = fix_sql) AS same
  FROM my_issues WHERE fix_sql IS NOT NULL;

-- The fix for not_enforced enables exactly the triggers of that key that
-- are off, each on its own table, and nothing else: rebuild the statements
-- from pg_trigger and compare.
SELECT tg.tgrelid::regclass, tg.tgenabled, tg.tgfoid::regproc, c.conparentid <> 0 AS clone
  FROM pg_catalog.pg_trigger tg
  JOIN pg_catalog.pg_constraint c ON c.oid = tg.tgconstraint
 WHERE tg.tgenabled NOT IN ('O', 'A')
   AND c.connamespace = '"Fk Issues ""x"""'::regnamespace
 ORDER BY tg.tgrelid::regclass::text COLLATE "C", tg.tgfoid::regproc::text COLLATE "C";
SELECT c.conname,
       (SELECT pg_catalog.array_agg(s ORDER BY s)
          FROM my_issues i, pg_catalog.unnest(i.fix_steps) s
         WHERE i.issue = 'not_enforced' AND i.constraint_name = c.conname
           AND s LIKE 'ALTER TABLE %')
       =
       (SELECT pg_catalog.array_agg(pg_catalog.format('ALTER TABLE %I.%I ENABLE TRIGGER %I',
                                                      n.nspname, r.relname, tg.tgname)
                                    ORDER BY pg_catalog.format('ALTER TABLE %I.%I ENABLE TRIGGER %I',
                                                               n.nspname, r.relname, tg.tgname))
          FROM pg_catalog.pg_trigger tg
          JOIN pg_catalog.pg_class r ON r.oid = tg.tgrelid
          JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
         WHERE tg.tgenabled NOT IN ('O', 'A')
           AND tg.tgconstraint IN (SELECT k.oid FROM pg_catalog.pg_constraint k
                                    WHERE k.oid = c.oid OR k.conparentid = c.oid))
       AS fix_enables_exactly_those
  FROM pg_catalog.pg_constraint c
 WHERE c.connamespace = '"Fk Issues ""x"""'::regnamespace
   AND c.conname IN ('kid Enforced', 'all off_p_fkey') AND c.conparentid = 0
 ORDER BY 1;

-- A non-superuser sees the same rows, through the view itself.
CREATE ROLE regress_fk_issues;
GRANT USAGE ON SCHEMA "Fk Issues ""x""" TO regress_fk_issues;
SET ROLE regress_fk_issues;
SELECT severity, issue, table_name, constraint_name, fix_sql IS NOT NULL AS has_fix
  FROM public.fk_issues i
  JOIN pg_catalog.pg_class c ON c.oid = i.table_name
 WHERE c.relnamespace = '"Fk Issues ""x"""'::regnamespace
 ORDER BY table_name::text, constraint_name, issue;
RESET ROLE;

-- A fix without a step that must run outside a transaction block runs
-- through EXECUTE as one string, too.
SELECT fix_outside_transaction FROM my_issues
 WHERE issue = 'not_enforced' AND constraint_name = 'kid Enforced';
DO $$
BEGIN
    EXECUTE (SELECT fix_sql FROM my_issues
              WHERE issue = 'not_enforced' AND constraint_name = 'kid Enforced');
END
$$;
SELECT issue, constraint_name FROM my_issues WHERE issue = 'not_enforced' ORDER BY 2;
SELECT count(*) AS triggers_off
  FROM pg_catalog.pg_trigger tg
  JOIN pg_catalog.pg_constraint c ON c.oid = tg.tgconstraint
 WHERE tg.tgenabled NOT IN ('O', 'A')
   AND c.conname = 'kid Enforced';

-- VALIDATE fails while the orphan is there, as the detail says.
SELECT sql FROM my_steps WHERE issue = 'not_validated' ORDER BY step \gexec
DELETE FROM "select" WHERE "Z" = 99;

-- A step that must run outside a transaction block is refused in one,
-- before it changes anything.
BEGIN;
SELECT sql FROM my_steps WHERE issue = 'invalid_index' AND outside_transaction \gexec
ROLLBACK;

-- Run every remaining fix, step by step, each on its own (psql's
-- autocommit, as a DBA runs them); then nothing is left.  (Echo is off
-- while they run: trigger names carry OIDs; they are shown above.)
\set ECHO none
SELECT sql FROM my_steps
 ORDER BY table_name::text, constraint_name, issue, step \gexec
\set ECHO all
SELECT * FROM my_issues;

-- and PostgreSQL agrees: all valid, every RI trigger fires, the types match
SELECT c.conname, c.convalidated
  FROM pg_catalog.pg_constraint c
 WHERE c.connamespace = '"Fk Issues ""x"""'::regnamespace AND c.contype = 'f'
   AND c.conparentid = 0
 ORDER BY 1;
SELECT count(*) AS triggers_off
  FROM pg_catalog.pg_trigger tg
  JOIN pg_catalog.pg_constraint c ON c.oid = tg.tgconstraint
 WHERE tg.tgenabled NOT IN ('O', 'A')
   AND c.connamespace = '"Fk Issues ""x"""'::regnamespace;
SELECT attname, format_type(atttypid, atttypmod)
  FROM pg_catalog.pg_attribute
 WHERE attrelid IN ('"Kid"'::regclass, '"Kid p1"'::regclass) AND attname = 'Odd "col"'
 ORDER BY attrelid::regclass::text;
SELECT indrelid::regclass, pg_catalog.pg_get_indexdef(indexrelid), indisvalid
  FROM pg_catalog.pg_index
 WHERE indrelid IN ('"Kid"'::regclass, '"Kid p1"'::regclass, '"Kid p2"'::regclass,
                    'halfbuilt'::regclass, '"inh parent"'::regclass)
 ORDER BY 1, 2;
-- the session settings the fixes made are reset
SHOW lock_timeout;
SHOW statement_timeout;

RESET search_path;
DROP SCHEMA "Fk Issues ""x""" CASCADE;
DROP ROLE regress_fk_issues;
