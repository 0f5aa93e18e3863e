-- Differential test of the orphan engine on generated schemas and data:
-- referencing/referenced table pairs with random key types (cross-type
-- pairs, domains, char(n), nondeterministic and "C" collations), 1-3 key
-- columns in an order unlike the referenced unique index's, MATCH SIMPLE
-- or FULL, plain, partitioned or inheritance tables on either side,
-- dropped columns, and rows with NULLs and keys that match nothing, loaded
-- past the constraint.  fk_oracle.verify() has the server judge every row;
-- the engine must agree everywhere.  The seed is fixed.
\i test/fk_oracle.sql
CREATE SCHEMA orph_rand;
SET search_path = orph_rand, public;
SET client_min_messages = warning;
CREATE COLLATION orph_rand.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE DOMAIN orph_rand.dint AS int;

-- (referenced type, referencing type, kind of values)
CREATE TABLE type_pairs (pk_type text, fk_type text, kind char);
INSERT INTO type_pairs VALUES
    ('int', 'int', 'i'), ('int', 'bigint', 'i'), ('bigint', 'int', 'i'),
    ('int', 'smallint', 'i'), ('smallint', 'int', 'i'), ('numeric', 'int', 'i'),
    ('orph_rand.dint', 'int', 'i'), ('int', 'orph_rand.dint', 'i'),
    ('float8', 'float4', 'f'), ('float4', 'float8', 'f'), ('numeric', 'numeric', 'f'),
    ('text', 'text', 't'), ('text', 'varchar(8)', 't'), ('varchar(8)', 'text', 't'),
    ('char(3)', 'text', 't'), ('text', 'char(3)', 't'),
    ('text COLLATE orph_rand.ci', 'text', 't'), ('text COLLATE "C"', 'text COLLATE orph_rand.ci', 't'),
    ('text COLLATE orph_rand.ci', 'text COLLATE orph_rand.ci', 't'),
    ('varchar(8) COLLATE orph_rand.ci', 'char(3) COLLATE "C"', 't'),
    ('date', 'date', 'd');

CREATE FUNCTION rnd(n int) RETURNS int LANGUAGE sql AS 'SELECT floor(random() * n)::int';

-- a random value of a kind, as a literal
CREATE FUNCTION rnd_val(kind char) RETURNS text LANGUAGE sql AS $$
    SELECT quote_literal(CASE kind
        WHEN 'i' THEN (rnd(14))::text
        WHEN 'f' THEN CASE WHEN rnd(10) = 0 THEN '0.1' ELSE (rnd(12) / 4.0)::text END
        WHEN 't' THEN ('{a,A,b,B,ab,Ab,aB,"a ","b  ",ß,ss,SS,x}'::text[])[1 + rnd(13)]
        WHEN 'd' THEN ('2020-01-01'::date + rnd(12))::text
    END)
$$;

-- a random permutation of 1..n
CREATE FUNCTION perm(n int) RETURNS int[] LANGUAGE sql AS
    'SELECT array_agg(i ORDER BY random()) FROM generate_series(1, n) i';

-- Build pair number i; returns the referencing tables to verify.
CREATE FUNCTION make_pair(i int) RETURNS regclass[]
LANGUAGE plpgsql AS $$
DECLARE
    nk int := 1 + rnd(3);
    pairs type_pairs[];
    names text[] := ARRAY['k1', 'Key "2"', 'k 3', 'select', 'a,b', 'K1'];
    pkn text[]; fkn text[];
    pk text := format('orph_rand.p%s', i);
    fk text := format('orph_rand.c%s', i);
    pk_kind text := (ARRAY['plain', 'plain', 'partitioned', 'inherited'])[1 + rnd(4)];
    fk_kind text := (ARRAY['plain', 'plain', 'partitioned', 'inherited'])[1 + rnd(4)];
    match text := (ARRAY['SIMPLE', 'FULL'])[1 + rnd(2)];
    not_valid boolean := fk_kind <> 'partitioned' AND rnd(2) = 0;
    cols text[]; o int[]; defs text;
    part_col int;
    keyvals text[];
    vals text;
    nrows int;
    targets regclass[];
    r int; jj int;
BEGIN
    SELECT array_agg(t ORDER BY random()) INTO pairs
      FROM (SELECT t FROM type_pairs t, generate_series(1, 3) ORDER BY random() LIMIT nk) s;
    o := perm(6);
    FOR jj IN 1..nk LOOP
        pkn[jj] := names[o[jj]];
    END LOOP;
    o := perm(6);
    FOR jj IN 1..nk LOOP
        fkn[jj] := names[o[jj]];
    END LOOP;

    -- referenced table: key columns in random order, an extra and a dropped column
    cols := ARRAY['extra text', 'gone int'];
    FOR jj IN 1..nk LOOP
        cols := cols || format('%I %s', pkn[jj], (pairs[jj]).pk_type);
    END LOOP;
    SELECT string_agg(c, ', ' ORDER BY random()) INTO defs FROM unnest(cols) c;
    o := perm(nk);
    defs := defs || ', UNIQUE (' ||
            (SELECT string_agg(quote_ident(pkn[o[j]]), ', ') FROM generate_series(1, nk) j) || ')';
    part_col := (SELECT min(j) FROM generate_series(1, nk) j WHERE (pairs[j]).pk_type NOT LIKE '%ci%');
    IF pk_kind = 'partitioned' AND part_col IS NULL THEN
        pk_kind := 'plain';
    END IF;
    IF pk_kind = 'partitioned' THEN
        EXECUTE format('CREATE TABLE %s (%s) PARTITION BY HASH (%I)', pk, defs, pkn[part_col]);
        EXECUTE format('CREATE TABLE %s_0 PARTITION OF %s FOR VALUES WITH (MODULUS 2, REMAINDER 0)', pk, pk);
        EXECUTE format('CREATE TABLE %s_1 PARTITION OF %s FOR VALUES WITH (MODULUS 2, REMAINDER 1)', pk, pk);
    ELSE
        EXECUTE format('CREATE TABLE %s (%s)', pk, defs);
    END IF;
    EXECUTE format('ALTER TABLE %s DROP COLUMN gone', pk);
    FOR r IN 1..(5 + rnd(40)) LOOP
        SELECT string_agg(rnd_val((pairs[j]).kind), ', ') INTO vals FROM generate_series(1, nk) j;
        EXECUTE format('INSERT INTO %s (%s) VALUES (%s) ON CONFLICT DO NOTHING', pk,
                       (SELECT string_agg(quote_ident(pkn[j]), ', ') FROM generate_series(1, nk) j), vals);
    END LOOP;
    IF pk_kind = 'inherited' THEN
        -- rows of a child of the referenced table satisfy nothing
        EXECUTE format('CREATE TABLE %s_child (more int) INHERITS (%s)', pk, pk);
        FOR r IN 1..(5 + rnd(10)) LOOP
            SELECT string_agg(rnd_val((pairs[j]).kind), ', ') INTO vals FROM generate_series(1, nk) j;
            EXECUTE format('INSERT INTO %s_child (%s) VALUES (%s)', pk,
                           (SELECT string_agg(quote_ident(pkn[j]), ', ') FROM generate_series(1, nk) j), vals);
        END LOOP;
    END IF;

    -- referencing table
    cols := ARRAY['rid int', 'grp int', 'junk text'];
    FOR jj IN 1..nk LOOP
        cols := cols || format('%I %s', fkn[jj], (pairs[jj]).fk_type);
    END LOOP;
    SELECT string_agg(c, ', ' ORDER BY random()) INTO defs FROM unnest(cols) c;
    IF fk_kind = 'partitioned' THEN
        EXECUTE format('CREATE TABLE %s (%s) PARTITION BY LIST (grp)', fk, defs);
        EXECUTE format('CREATE TABLE %s_0 PARTITION OF %s FOR VALUES IN (0)', fk, fk);
        -- a partition with its own column order and a dropped column
        SELECT string_agg(c, ', ' ORDER BY random()) INTO defs FROM unnest(cols || 'gone2 int'::text) c;
        EXECUTE format('CREATE TABLE %s_1 (%s)', fk, defs);
        EXECUTE format('ALTER TABLE %s_1 DROP COLUMN gone2', fk);
        EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s_1 FOR VALUES IN (1)', fk, fk);
        EXECUTE format('CREATE TABLE %s_2 PARTITION OF %s FOR VALUES IN (2) PARTITION BY HASH (rid)', fk, fk);
        EXECUTE format('CREATE TABLE %s_2a PARTITION OF %s_2 FOR VALUES WITH (MODULUS 2, REMAINDER 0)', fk, fk);
        EXECUTE format('CREATE TABLE %s_2b PARTITION OF %s_2 FOR VALUES WITH (MODULUS 2, REMAINDER 1)', fk, fk);
    ELSE
        EXECUTE format('CREATE TABLE %s (%s)', fk, defs);
    END IF;
    EXECUTE format('ALTER TABLE %s DROP COLUMN junk', fk);
    IF fk_kind = 'inherited' THEN
        EXECUTE format('CREATE TABLE %s_child (more text) INHERITS (%s)', fk, fk);
    END IF;
    IF NOT not_valid THEN
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (%s) REFERENCES %s (%s) MATCH %s',
                       fk, 'fk ' || i, (SELECT string_agg(quote_ident(fkn[j]), ', ') FROM generate_series(1, nk) j),
                       pk, (SELECT string_agg(quote_ident(pkn[j]), ', ') FROM generate_series(1, nk) j), match);
    END IF;

    -- rows: copies of referenced keys, random keys, NULLs; loaded as a
    -- replica would, so the RI triggers do not fire
    SET LOCAL session_replication_role = replica;
    nrows := 20 + rnd(200);
    FOR r IN 1..nrows LOOP
        IF rnd(10) < 6 THEN
            EXECUTE format('SELECT ARRAY[%s] FROM %s ORDER BY random() LIMIT 1',
                           (SELECT string_agg(quote_ident(pkn[j]) || '::text', ', ') FROM generate_series(1, nk) j),
                           pk) INTO keyvals;
        ELSE
            keyvals := NULL;
        END IF;
        SELECT string_agg(CASE WHEN rnd(8) = 0 THEN 'NULL'
                               WHEN keyvals IS NOT NULL AND rnd(10) > 0 THEN quote_nullable(keyvals[j])
                               ELSE rnd_val((pairs[j]).kind) END, ', ')
          INTO vals FROM generate_series(1, nk) j;
        EXECUTE format('INSERT INTO %s%s (rid, grp, %s) VALUES (%s, %s, %s)',
                       fk, CASE WHEN fk_kind = 'inherited' AND rnd(4) = 0 THEN '_child' ELSE '' END,
                       (SELECT string_agg(quote_ident(fkn[j]), ', ') FROM generate_series(1, nk) j),
                       r, rnd(3), vals);
    END LOOP;
    SET LOCAL session_replication_role = origin;
    IF not_valid THEN
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (%s) REFERENCES %s (%s) MATCH %s NOT VALID',
                       fk, 'fk ' || i, (SELECT string_agg(quote_ident(fkn[j]), ', ') FROM generate_series(1, nk) j),
                       pk, (SELECT string_agg(quote_ident(pkn[j]), ', ') FROM generate_series(1, nk) j), match);
    END IF;

    targets := ARRAY[fk::regclass];
    IF fk_kind = 'partitioned' THEN
        targets := targets || ARRAY[(fk || '_1')::regclass, (fk || '_2')::regclass, (fk || '_2b')::regclass];
    END IF;
    RETURN targets;
END
$$;

SELECT setseed(0.4242);
CREATE TABLE results AS
SELECT i, t, v.*
  FROM generate_series(1, 60) i, unnest(make_pair(i)) t, fk_oracle.verify(t) v;

-- what was covered, and the disagreements (every one is also a WARNING above)
SELECT count(DISTINCT i) AS table_pairs, count(*) AS tables_verified, sum(fks) AS constraints,
       sum(rows_checked) AS rows_checked, sum(orphans) AS orphans, sum(missing_keys) AS missing_keys,
       sum(mismatches) AS mismatches
  FROM results;
-- the generator reached every shape
SELECT count(*) FILTER (WHERE c.relkind = 'p') > 0 AS partitioned_referenced,
       count(*) FILTER (WHERE c.relname ~ '^p\d+_child$') > 0 AS inherited_referenced,
       count(*) FILTER (WHERE c.relname ~ '^c\d+_child$') > 0 AS inherited_referencing
  FROM pg_class c WHERE c.relnamespace = 'orph_rand'::regnamespace;
SELECT count(DISTINCT k.confmatchtype) AS match_types, count(DISTINCT cardinality(k.conkey)) AS key_sizes,
       bool_or(NOT k.convalidated) AS some_not_valid,
       count(*) FILTER (WHERE k.conparentid <> 0) > 0 AS partition_clones
  FROM pg_constraint k WHERE k.connamespace = 'orph_rand'::regnamespace AND k.contype = 'f';
SELECT count(*) FILTER (WHERE orphans > 0) > 10 AS many_with_orphans,
       count(*) FILTER (WHERE orphans = 0) > 0 AS some_clean
  FROM results;

DROP SCHEMA orph_rand CASCADE;
DROP SCHEMA fk_oracle CASCADE;
RESET client_min_messages;
RESET search_path;
