-- The DOT picture of schema "big" as a DBA would write it by hand from
-- the catalogs, with the facts fk_graph shows: one node per table with
-- its row estimate, one edge per key with its columns, ON DELETE action,
-- NOT VALID, whether an RI trigger is disabled, and whether an index leads
-- with the key columns.  (bench/pictures.sh times it against fk_graph.)
SELECT 'digraph g {' || E'\n'
    || (SELECT string_agg(format('  t%s [label="%s\n%s rows"];', c.oid,
                                 replace(replace(c.relname, '\', '\\'), '"', '\"'),
                                 greatest(c.reltuples, 0)::bigint), E'\n' ORDER BY c.relname)
          FROM pg_catalog.pg_class c
         WHERE c.relnamespace = 'big'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition)
    || E'\n'
    || (SELECT string_agg(format('  t%s -> t%s [label="%s -> %s\nON DELETE %s%s%s%s"];',
                                 k.confrelid, k.conrelid,
                                 (SELECT string_agg(a.attname, ', ' ORDER BY u.o)
                                    FROM unnest(k.conkey) WITH ORDINALITY u(n, o)
                                    JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n),
                                 (SELECT string_agg(a.attname, ', ' ORDER BY u.o)
                                    FROM unnest(k.confkey) WITH ORDINALITY u(n, o)
                                    JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n),
                                 CASE k.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT'
                                      WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END,
                                 CASE WHEN NOT k.convalidated THEN '\nNOT VALID' ELSE '' END,
                                 CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_trigger t
                                                    WHERE t.tgconstraint = k.oid AND t.tgenabled IN ('D', 'R'))
                                      THEN '\nNOT ENFORCED' ELSE '' END,
                                 CASE WHEN NOT EXISTS (
                                        SELECT FROM pg_catalog.pg_index i
                                         WHERE i.indrelid = k.conrelid AND i.indisvalid AND i.indpred IS NULL
                                           AND (SELECT array_agg(x ORDER BY x) FROM unnest((i.indkey::int2[])[0:cardinality(k.conkey) - 1]) x)
                                               = (SELECT array_agg(x ORDER BY x) FROM unnest(k.conkey) x))
                                      THEN '\nUNINDEXED' ELSE '' END), E'\n' ORDER BY k.conname)
          FROM pg_catalog.pg_constraint k
         WHERE k.contype = 'f' AND k.conparentid = 0 AND k.connamespace = 'big'::regnamespace)
    || E'\n}\n'
