-- fk_oracle.sql: PostgreSQL itself as the oracle for the orphan engine.
--
-- Included (\i test/fk_oracle.sql) by the regression tests that compare
-- fk_orphans, fk_check and fk_missing_parents with the server.  For every
-- foreign key checked on a table, every row of the table is copied into a
-- scratch table that carries the same constraint (same referenced table,
-- columns, match type; same column types and collations), each insert in
-- its own subtransaction: the rows the server rejects with
-- foreign_key_violation are the orphans.  The distinct missing parent keys
-- are counted by inserting the rejected rows' keys into a scratch table
-- with the referenced key's types, collations and a unique constraint.
-- Creates schema fk_oracle; the including test drops it.
\set ECHO none
SET client_min_messages = warning;
CREATE SCHEMA fk_oracle;

-- The constraints PostgreSQL checks target's rows against: declared on it
-- or cloned onto it as a partition, not the per-partition copies made for
-- a partitioned referenced table (those have a parent on the same table).
CREATE FUNCTION fk_oracle.constraints(target regclass) RETURNS SETOF oid
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
    SELECT c.oid FROM pg_constraint c
     WHERE c.conrelid = target AND c.contype = 'f'
       AND NOT EXISTS (SELECT FROM pg_constraint p
                        WHERE p.oid = c.conparentid AND p.conrelid = c.conrelid)
     ORDER BY c.conname
$$;

-- The tables whose rows constraint c applies to: its own and those holding
-- a clone of it (partitions); inheritance children carry no clone.
CREATE FUNCTION fk_oracle.subject_tables(c oid) RETURNS regclass[]
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
    WITH RECURSIVE k(oid, relid) AS (
        SELECT oid, conrelid FROM pg_constraint WHERE oid = c
        UNION ALL
        SELECT x.oid, x.conrelid FROM pg_constraint x
          JOIN k ON x.conparentid = k.oid AND x.conrelid <> k.relid)
    SELECT array_agg(relid::regclass) FROM k
$$;

-- One side of c's key: form 'names' ("a", "b"), 'types' (c1 type COLLATE x,
-- ...: a table of the referenced key's shape), 'notnull' ("a" IS NOT NULL
-- AND ...), 'array' (the column names as text[]).
CREATE FUNCTION fk_oracle.cols(c oid, pk_side boolean, form text)
RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
    SELECT CASE form
           WHEN 'names' THEN string_agg(quote_ident(a.attname), ', ' ORDER BY k.n)
           WHEN 'notnull' THEN string_agg(quote_ident(a.attname) || ' IS NOT NULL', ' AND ' ORDER BY k.n)
           WHEN 'array' THEN array_agg(a.attname::text ORDER BY a.attname::text)::text
           WHEN 'fromjson' THEN string_agg(format('($1 ->> %L)::%s', a.attname, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY k.n)
           WHEN 'types' THEN string_agg('c' || k.n || ' ' || format_type(a.atttypid, a.atttypmod) ||
                                        CASE WHEN a.attcollation <> 0
                                             THEN ' COLLATE ' || quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
                                             ELSE '' END, ', ' ORDER BY k.n) ||
                             ', UNIQUE (' || string_agg('c' || k.n, ', ' ORDER BY k.n) || ')'
           END
      FROM pg_constraint c0
     CROSS JOIN LATERAL unnest(CASE WHEN pk_side THEN c0.confkey ELSE c0.conkey END) WITH ORDINALITY k(att, n)
      JOIN pg_attribute a ON a.attrelid = CASE WHEN pk_side THEN c0.confrelid ELSE c0.conrelid END
                         AND a.attnum = k.att
      LEFT JOIN pg_collation co ON co.oid = a.attcollation
      LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
     WHERE c0.oid = c
$$;

-- Compare the engine with the server on every foreign key checked on
-- target.  Returns totals; every disagreement is raised as a WARNING
-- naming the constraint and the row, and counted in mismatches.
CREATE FUNCTION fk_oracle.verify(target regclass,
    OUT fks integer, OUT rows_checked bigint, OUT orphans bigint,
    OUT missing_keys bigint, OUT mismatches bigint)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c oid;
    conname name;
    subject regclass[];
    rec record;
    fkcols text;
    complete text;
    fknames text[];
    n_o bigint;
    n_miss bigint;
    m_fit bigint; s_fit bigint; s_odd bigint; k_before bigint; k_after bigint; s_odd_n bigint;
    n_ref bigint;
    bad record;
    chk record;
BEGIN
    fks := 0; rows_checked := 0; orphans := 0; missing_keys := 0; mismatches := 0;
    SET CONSTRAINTS ALL IMMEDIATE;
    CREATE TEMP TABLE fk_oracle_o (constraint_name name, table_name regclass, orphan_row jsonb);
    FOR c IN SELECT fk_oracle.constraints(target)
    LOOP
        fks := fks + 1;
        SELECT p.conname INTO conname FROM pg_constraint p WHERE p.oid = c;
        subject := fk_oracle.subject_tables(c);
        fkcols := fk_oracle.cols(c, false, 'names');
        complete := fk_oracle.cols(c, false, 'notnull');
        fknames := fk_oracle.cols(c, false, 'array')::text[];
        EXECUTE format('CREATE TABLE fk_oracle.s (LIKE %s)', target);
        EXECUTE format('ALTER TABLE fk_oracle.s ADD CONSTRAINT oracle_fk %s',
                       pg_get_constraintdef(c));
        EXECUTE format('CREATE TABLE fk_oracle.r (LIKE %s)', target);

        -- the server's verdict on every row
        FOR rec IN EXECUTE format('SELECT tableoid::regclass AS tab, ctid AS tid FROM %s', target)
        LOOP
            rows_checked := rows_checked + 1;
            CONTINUE WHEN NOT rec.tab = ANY (subject);
            BEGIN
                EXECUTE format('INSERT INTO fk_oracle.s SELECT * FROM %s r WHERE r.tableoid = $1 AND r.ctid = $2', target)
                  USING rec.tab, rec.tid;
            EXCEPTION WHEN foreign_key_violation THEN
                EXECUTE format('INSERT INTO fk_oracle.r SELECT * FROM %s r WHERE r.tableoid = $1 AND r.ctid = $2', target)
                  USING rec.tab, rec.tid;
                EXECUTE format('INSERT INTO fk_oracle_o SELECT $1, r.tableoid, to_jsonb(r.*) FROM %s r WHERE r.tableoid = $2 AND r.ctid = $3', target)
                  USING conname, rec.tab, rec.tid;
            END;
        END LOOP;

        -- fk_orphans, this constraint only: the same rows, keys = FK columns
        FOR bad IN
            (SELECT 'server only' AS side, o.table_name, o.orphan_row FROM fk_oracle_o o
              WHERE o.constraint_name = conname
             EXCEPT ALL
             SELECT 'server only', e.table_name, e.orphan_row FROM public.fk_orphans(target, conname) e)
            UNION ALL
            (SELECT 'engine only', e.table_name, e.orphan_row FROM public.fk_orphans(target, conname) e
             EXCEPT ALL
             SELECT 'engine only', o.table_name, o.orphan_row FROM fk_oracle_o o
              WHERE o.constraint_name = conname)
            UNION ALL
            SELECT 'wrong key ' || e.key::text, e.table_name, e.orphan_row
              FROM public.fk_orphans(target, conname) e
             WHERE e.constraint_name IS DISTINCT FROM conname
                OR e.key IS DISTINCT FROM
                   (SELECT jsonb_object_agg(j.k, e.orphan_row -> j.k) FROM unnest(fknames) j(k))
        LOOP
            mismatches := mismatches + 1;
            RAISE WARNING '% %: % %', conname, bad.side, bad.table_name, bad.orphan_row;
        END LOOP;
        SELECT count(*) INTO n_o FROM fk_oracle_o o WHERE o.constraint_name = conname;
        orphans := orphans + n_o;

        -- distinct missing parents: the rejected complete keys, made unique
        -- the way the referenced key is (its types, collations, index); a key
        -- that does not fit the referenced type is kept in the FK's type
        EXECUTE format('CREATE TABLE fk_oracle.k (%s)', fk_oracle.cols(c, true, 'types'));
        EXECUTE format('CREATE TABLE fk_oracle.kf AS SELECT DISTINCT %s FROM fk_oracle.r LIMIT 0', fkcols);
        FOR rec IN EXECUTE format('SELECT ctid AS t FROM fk_oracle.r WHERE %s', complete)
        LOOP
            BEGIN
                EXECUTE format('INSERT INTO fk_oracle.k SELECT %s FROM fk_oracle.r WHERE ctid = $1 ON CONFLICT DO NOTHING', fkcols)
                  USING rec.t;
            EXCEPTION WHEN data_exception THEN
                EXECUTE format('INSERT INTO fk_oracle.kf SELECT %s FROM fk_oracle.r WHERE ctid = $1', fkcols)
                  USING rec.t;
            END;
        END LOOP;
        EXECUTE 'SELECT (SELECT count(*) FROM fk_oracle.k) + (SELECT count(*) FROM (SELECT DISTINCT * FROM fk_oracle.kf) d)'
          INTO n_miss;
        EXECUTE format('SELECT count(*) FROM fk_oracle.r WHERE %s', complete) INTO n_ref;
        missing_keys := missing_keys + n_miss;

        -- fk_missing_parents: that many keys, named by the referenced
        -- columns, covering the rejected rows with complete keys
        SELECT count(*) AS n, coalesce(sum(m.referencing_rows), 0) AS r,
               count(*) FILTER (WHERE m.constraint_name IS DISTINCT FROM conname
                                   OR m.referenced_table IS DISTINCT FROM
                                      (SELECT p.confrelid::regclass FROM pg_constraint p WHERE p.oid = c)
                                   OR (SELECT array_agg(j.k ORDER BY j.k) FROM jsonb_object_keys(m.key) j(k))::text
                                      IS DISTINCT FROM fk_oracle.cols(c, true, 'array')) AS wrong
          INTO chk
          FROM public.fk_missing_parents(target, conname) m;
        IF chk.n <> n_miss OR chk.r <> n_ref OR chk.wrong > 0 THEN
            mismatches := mismatches + 1;
            RAISE WARNING '% fk_missing_parents: % keys covering % rows (% wrongly named), server: % keys covering % rows',
                conname, chk.n, chk.r, chk.wrong, n_miss, n_ref;
        END IF;

        -- fk_check: the same counts, a sample of the missing keys.  Keys
        -- are compared as the referenced key compares them (a group under
        -- a case-insensitive collation may show 'B' in one function and
        -- 'b' in another): the missing parents' keys and the samples go
        -- into a table with the referenced key's types and uniqueness, and
        -- the samples must add nothing to it.
        SELECT count(*) AS n,
               bool_and(k.orphan_rows = n_o AND k.missing_keys = n_miss
                        AND k.status = CASE WHEN n_o > 0 THEN 'orphans' ELSE 'ok' END
                        AND coalesce(jsonb_array_length(k.sample_keys), 0) = least(n_miss, 5)) AS ok,
               string_agg(format('%s %s %s %s', k.orphan_rows, k.missing_keys, k.status, k.sample_keys), '; ') AS got,
               min(k.sample_keys::text)::jsonb AS samples
          INTO chk
          FROM public.fk_check(target) k WHERE k.constraint_name = conname;
        EXECUTE format('CREATE TABLE fk_oracle.kp (%s)', fk_oracle.cols(c, true, 'types'));
        EXECUTE format('CREATE TABLE fk_oracle.ks (%s)', fk_oracle.cols(c, true, 'types'));
        m_fit := 0; s_fit := 0; s_odd := 0;
        FOR bad IN SELECT m.key, 'kp' AS tab FROM public.fk_missing_parents(target, conname) m
                   UNION ALL SELECT s.v, 'ks' FROM jsonb_array_elements(chk.samples) s(v)
        LOOP
            BEGIN
                EXECUTE format('INSERT INTO fk_oracle.%s SELECT %s ON CONFLICT DO NOTHING',
                               bad.tab, fk_oracle.cols(c, true, 'fromjson'))
                  USING bad.key;
                IF bad.tab = 'kp' THEN m_fit := m_fit + 1; ELSE s_fit := s_fit + 1; END IF;
            EXCEPTION WHEN data_exception THEN
                -- a key that does not fit the referenced types: compared as it is
                IF bad.tab = 'ks' AND bad.key NOT IN (SELECT m.key FROM public.fk_missing_parents(target, conname) m) THEN
                    s_odd := s_odd + 1;
                END IF;
            END;
        END LOOP;
        EXECUTE 'SELECT count(*) FROM fk_oracle.kp' INTO k_before;
        EXECUTE 'INSERT INTO fk_oracle.kp SELECT * FROM fk_oracle.ks ON CONFLICT DO NOTHING';
        EXECUTE 'SELECT count(*) FROM fk_oracle.kp' INTO k_after;
        EXECUTE 'SELECT count(*) FROM fk_oracle.ks' INTO s_odd_n;
        -- missing parents distinct, samples distinct and among them
        IF chk.n <> 1 OR NOT chk.ok OR k_before <> m_fit OR k_after <> k_before
           OR s_odd > 0 OR s_odd_n <> s_fit THEN
            mismatches := mismatches + 1;
            RAISE WARNING '% fk_check: %', conname, chk.got;
        END IF;
        DROP TABLE fk_oracle.kp, fk_oracle.ks;

        DROP TABLE fk_oracle.s, fk_oracle.r, fk_oracle.k, fk_oracle.kf;
    END LOOP;

    -- all constraints at once: fk_orphans and fk_check cover exactly these
    FOR bad IN
        (SELECT 'server only' AS side, o.constraint_name, o.table_name, o.orphan_row FROM fk_oracle_o o
         EXCEPT ALL
         SELECT 'server only', e.constraint_name, e.table_name, e.orphan_row FROM public.fk_orphans(target) e)
        UNION ALL
        (SELECT 'engine only', e.constraint_name, e.table_name, e.orphan_row FROM public.fk_orphans(target) e
         EXCEPT ALL
         SELECT 'engine only', o.constraint_name, o.table_name, o.orphan_row FROM fk_oracle_o o)
    LOOP
        mismatches := mismatches + 1;
        RAISE WARNING 'all constraints, % %: % %', bad.side, bad.constraint_name, bad.table_name, bad.orphan_row;
    END LOOP;
    IF (SELECT count(*) FROM public.fk_check(target)) <> fks
       OR EXISTS (SELECT FROM public.fk_check(target) k WHERE k.table_name <> target) THEN
        mismatches := mismatches + 1;
        RAISE WARNING 'fk_check(%) does not list exactly the % constraints', target, fks;
    END IF;
    DROP TABLE fk_oracle_o;
END
$$;
RESET client_min_messages;
\set ECHO all
