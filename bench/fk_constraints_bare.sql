-- The facts of the fk_constraints view from a plain query on pg_constraint
-- (with pg_attribute, pg_trigger and pg_index), the baseline the view is
-- measured against in bench/catalog.sh and the oracle t/001_standby.pl
-- checks the view with.  Same columns and rows (order left to the caller),
-- but for the declared-only references (fk_declared_references), which are
-- no constraints.
WITH RECURSIVE fk(root, oid) AS (
        -- each declared FK and its partition clones, at any depth
        SELECT oid, oid FROM pg_catalog.pg_constraint
         WHERE contype = 'f' AND conparentid = 0
        UNION ALL
        SELECT fk.root, ch.oid
          FROM fk JOIN pg_catalog.pg_constraint ch ON ch.conparentid = fk.oid),
     not_enforced AS (
        -- an RI trigger that is disabled or fires on replicas only
        SELECT DISTINCT fk.root
          FROM fk JOIN pg_catalog.pg_trigger t ON t.tgconstraint = fk.oid
         WHERE t.tgenabled NOT IN ('O', 'A'))
SELECT c.oid AS constraint_oid,
       c.conname AS constraint_name,
       c.conrelid::pg_catalog.regclass AS table_name,
       ARRAY(SELECT a.attname
               FROM pg_catalog.unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
               JOIN pg_catalog.pg_attribute a
                 ON a.attrelid = c.conrelid AND a.attnum = k.attnum
              ORDER BY k.n) AS columns,
       c.confrelid::pg_catalog.regclass AS referenced_table,
       ARRAY(SELECT a.attname
               FROM pg_catalog.unnest(c.confkey) WITH ORDINALITY AS k(attnum, n)
               JOIN pg_catalog.pg_attribute a
                 ON a.attrelid = c.confrelid AND a.attnum = k.attnum
              ORDER BY k.n) AS referenced_columns,
       CASE c.confmatchtype WHEN 's' THEN 'SIMPLE' WHEN 'f' THEN 'FULL'
            ELSE 'PARTIAL' END AS match_type,
       CASE c.confupdtype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT'
            WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL'
            ELSE 'SET DEFAULT' END AS on_update,
       CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT'
            WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL'
            ELSE 'SET DEFAULT' END AS on_delete,
       c.condeferrable AS is_deferrable,
       c.condeferred AS initially_deferred,
       c.convalidated AS validated,
       ne.root IS NULL AS enforced,
       -- a valid, non-partial index whose leading key columns are the FK
       -- columns, in any order
       EXISTS (
           SELECT 1 FROM pg_catalog.pg_index i
            WHERE i.indrelid = c.conrelid
              AND i.indisvalid AND i.indislive AND i.indpred IS NULL
              AND i.indnkeyatts >= pg_catalog.cardinality(c.conkey)
              AND ARRAY(SELECT i.indkey[j] FROM pg_catalog.generate_series(0,
                            pg_catalog.cardinality(c.conkey) - 1) AS j)
                  OPERATOR(pg_catalog.<@) c.conkey) AS indexed,
       pg_catalog.pg_get_constraintdef(c.oid) AS definition,
       false AS declared_only
  FROM pg_catalog.pg_constraint c
  LEFT JOIN not_enforced ne ON ne.root = c.oid
 WHERE c.contype = 'f' AND c.conparentid = 0
