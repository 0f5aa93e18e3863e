-- cascade_graphs.sql: random foreign key graphs for the cascade tests
-- (sql/cascade_random.sql, sql/cascade_whatif.sql), in schema cr, which
-- the including test creates.

-- A random graph: tables t0..t(n-1), each with id (primary key), a unique
-- pair (a, b), and foreign keys to random tables (itself included, so
-- cycles and self references occur) on id or on (a, b), with a random
-- ON DELETE and ON UPDATE action, MATCH SIMPLE or FULL, some NOT NULL
-- columns, SET NULL column lists and SET DEFAULT values with or without a
-- parent row.  Rows reference random parents, some with NULLs.
-- shape 'tree': t1..t(n-1) each reference an earlier table (constraint f
-- from t(1 + (f-1) % (n-1))), so with nfks = ntables - 1 nothing is
-- reachable twice from t0, and each further constraint adds a diamond;
-- shape 'chain': t(f) references t(f-1).  Mostly CASCADE, to go deep.
CREATE FUNCTION cr.build(ntables int, nfks int, shape text DEFAULT 'random') RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  actions text[] := ARRAY['CASCADE', 'SET NULL', 'SET DEFAULT', 'RESTRICT', 'NO ACTION', 'DEFERRED'];
  descr text := '';
  src int; dst int; act text; uact text; comp boolean; is_full boolean;
  col text; def text; sql text; nn boolean; cons text[] := '{}';
BEGIN
  FOR i IN 0 .. ntables - 1 LOOP
    EXECUTE format('CREATE TABLE cr.t%s(id int PRIMARY KEY, a int, b int, UNIQUE (a, b))', i);
    EXECUTE format('INSERT INTO cr.t%s SELECT g, g %% 3, g / 3 FROM generate_series(1, 8) g', i);
  END LOOP;
  FOR f IN 1 .. nfks LOOP
    src := floor(random() * ntables);
    dst := floor(random() * ntables);
    act := actions[1 + floor(random() * 6)];
    IF shape = 'tree' THEN
      src := 1 + (f - 1) % (ntables - 1);
      dst := floor(random() * src);
    ELSIF shape = 'chain' THEN
      src := f;
      dst := f - 1;
    END IF;
    IF shape <> 'random' AND random() < (CASE shape WHEN 'chain' THEN 0.85 ELSE 0.5 END) THEN
      act := 'CASCADE';
    END IF;
    uact := actions[1 + floor(random() * 5)];
    comp := random() < 0.3;
    is_full := comp AND random() < 0.3;
    nn := random() < 0.15;
    col := 'f' || f;
    IF comp THEN
      EXECUTE format('ALTER TABLE cr.t%s ADD %s_a int, ADD %s_b int', src, col, col);
      -- existing pairs (g %% 3, g / 3) for g in 1..8; MATCH FULL: all or nothing
      EXECUTE format('UPDATE cr.t%1$s SET (%2$s_a, %2$s_b) = (SELECT CASE WHEN r < 0.2 THEN NULL ELSE p %% 3 END,
                                                        CASE WHEN r < 0.2 AND %3$L THEN NULL WHEN r < 0.3 AND NOT %3$L THEN NULL ELSE p / 3 END
                                                   FROM (SELECT random() r, 1 + floor(random() * 8)::int p, id) s WHERE s.id = cr.t%1$s.id)',
                     src, col, is_full);
      sql := format('ALTER TABLE cr.t%s ADD CONSTRAINT c%s FOREIGN KEY (%s_a, %s_b) REFERENCES cr.t%s (a, b)%s',
                    src, f, col, col, dst, CASE WHEN is_full THEN ' MATCH FULL' ELSE '' END);
      IF act = 'SET DEFAULT' THEN
        def := (1 + floor(random() * 9))::int;  -- 9 has no parent
        EXECUTE format('ALTER TABLE cr.t%s ALTER %s_a SET DEFAULT %s, ALTER %s_b SET DEFAULT %s',
                       src, col, def::int % 3, col, def::int / 3);
      END IF;
      IF act = 'SET NULL' AND NOT is_full AND random() < 0.5 THEN
        act := format('SET NULL (%s_b)', col);
      END IF;
    ELSE
      EXECUTE format('ALTER TABLE cr.t%s ADD %s int', src, col);
      EXECUTE format('UPDATE cr.t%s SET %s = CASE WHEN random() < 0.25 THEN NULL ELSE 1 + floor(random() * 8) END', src, col);
      IF nn THEN
        EXECUTE format('UPDATE cr.t%s SET %s = 1 + floor(random() * 8) WHERE %s IS NULL', src, col, col);
        EXECUTE format('ALTER TABLE cr.t%s ALTER %s SET NOT NULL', src, col);
      END IF;
      sql := format('ALTER TABLE cr.t%s ADD CONSTRAINT c%s FOREIGN KEY (%s) REFERENCES cr.t%s (id)', src, f, col, dst);
      IF act = 'SET DEFAULT' THEN
        EXECUTE format('ALTER TABLE cr.t%s ALTER %s SET DEFAULT %s', src, col, floor(random() * 9));  -- 0 has no parent
      END IF;
    END IF;
    sql := sql || CASE WHEN act = 'DEFERRED' THEN ' ON DELETE NO ACTION' ELSE ' ON DELETE ' || act END
               || ' ON UPDATE ' || uact
               || CASE WHEN act = 'DEFERRED' THEN ' DEFERRABLE INITIALLY DEFERRED' ELSE '' END;
    cons := cons || sql;
    descr := descr || format('t%s->t%s%s %s/%s%s; ', src, dst, CASE WHEN comp THEN '(a,b)' ELSE '' END,
                             act, uact, CASE WHEN nn THEN ' notnull' ELSE '' END);
  END LOOP;
  -- constraints last: no row changes after a deferred one exists
  FOR f IN 1 .. cardinality(cons) LOOP
    EXECUTE cons[f];
  END LOOP;
  RETURN descr;
END $$;


-- A random graph of tables whose new rows the server must look at: plain
-- tables with a stored generated key g = id * 10 (referenced by some
-- keys), tables partitioned by id (two ranges, so a new id moves a row or
-- fits no partition), and leaf tables partitioned by a referencing column
-- (LIST, with or without a DEFAULT partition, so SET NULL, SET DEFAULT and
-- CASCADE move their rows or fail).  Referencing columns of plain tables
-- sometimes feed a generated column under a CHECK that a cascaded value
-- breaks.  SET DEFAULT values are keys with or without a parent row.
CREATE FUNCTION cr.build_images(ntables int, nfks int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  actions text[] := ARRAY['CASCADE', 'SET NULL', 'SET DEFAULT', 'RESTRICT', 'NO ACTION'];
  kinds text[] := '{}';
  descr text := '';
  kind text; src int; dst int; act text; uact text; col text; refcol text;
  cons text[] := '{}'; sql text; tries int;
BEGIN
  FOR i IN 0 .. ntables - 1 LOOP
    kind := CASE WHEN i = 0 OR random() < 0.5 THEN 'plain'
                 WHEN random() < 0.5 THEN 'part_id' ELSE 'part_fk' END;
    kinds := kinds || kind;
    IF kind = 'plain' THEN
      EXECUTE format('CREATE TABLE cr.t%s(id int PRIMARY KEY, a int, b int, UNIQUE (a, b),
                        g int GENERATED ALWAYS AS (id * 10) STORED UNIQUE)', i);
      EXECUTE format('INSERT INTO cr.t%s SELECT g, g %% 3, g / 3 FROM generate_series(1, 8) g', i);
    ELSIF kind = 'part_id' THEN
      EXECUTE format('CREATE TABLE cr.t%1$s(id int PRIMARY KEY, a int, b int) PARTITION BY RANGE (id);
                      CREATE TABLE cr.t%1$s_lo PARTITION OF cr.t%1$s FOR VALUES FROM (MINVALUE) TO (5);
                      CREATE TABLE cr.t%1$s_hi PARTITION OF cr.t%1$s FOR VALUES FROM (5) TO (150)', i);
      EXECUTE format('INSERT INTO cr.t%s SELECT g, g %% 3, g / 3 FROM generate_series(1, 8) g', i);
    ELSE
      EXECUTE format('CREATE TABLE cr.t%1$s(id int, pf int) PARTITION BY LIST (pf);
                      CREATE TABLE cr.t%1$s_a PARTITION OF cr.t%1$s FOR VALUES IN (1, 2, 3, 4, 101, 102);
                      CREATE TABLE cr.t%1$s_b PARTITION OF cr.t%1$s FOR VALUES IN (5, 6, 7, 8, 9, 0)', i);
      IF random() < 0.5 THEN
        EXECUTE format('CREATE TABLE cr.t%1$s_d PARTITION OF cr.t%1$s DEFAULT', i);
        kinds[i + 1] := 'part_fk_default';
      END IF;
      EXECUTE format('INSERT INTO cr.t%s SELECT g, 1 + (g * 5) %% 8 FROM generate_series(1, 8) g', i);
    END IF;
  END LOOP;
  FOR f IN 1 .. nfks LOOP
    -- a referenced table is never one partitioned by a referencing column
    tries := 0;
    LOOP
      src := floor(random() * ntables);
      dst := floor(random() * ntables);
      tries := tries + 1;
      EXIT WHEN kinds[dst + 1] IN ('plain', 'part_id') OR tries > 20;
    END LOOP;
    CONTINUE WHEN kinds[dst + 1] NOT IN ('plain', 'part_id');
    act := actions[1 + floor(random() * 5)];
    uact := actions[1 + floor(random() * 5)];
    refcol := CASE WHEN kinds[dst + 1] = 'plain' AND random() < 0.4 THEN 'g' ELSE 'id' END;
    IF kinds[src + 1] LIKE 'part_fk%' AND NOT ('pf' = ANY (SELECT unnest(cons)))
       AND NOT EXISTS (SELECT FROM unnest(cons) c WHERE c LIKE format('ALTER TABLE cr.t%s %%(pf)%%', src)) THEN
      -- by id: the partitions take 1..9, 0, 101 and 102
      col := 'pf';
      refcol := 'id';
    ELSE
      col := 'f' || f;
      EXECUTE format('ALTER TABLE cr.t%s ADD %s int', src, col);
      EXECUTE format('UPDATE cr.t%s SET %s = CASE WHEN random() < 0.2 THEN NULL ELSE (1 + floor(random() * 8)) * %s END',
                     src, col, CASE WHEN refcol = 'g' THEN 10 ELSE 1 END);
      IF kinds[src + 1] = 'plain' AND random() < 0.3 THEN
        EXECUTE format('ALTER TABLE cr.t%1$s ADD %2$s_g int GENERATED ALWAYS AS (%2$s * 3) STORED CHECK (%2$s_g < 300)',
                       src, col);
      END IF;
    END IF;
    IF act = 'SET DEFAULT' THEN
      -- a key with a parent row, or none (9, 90)
      EXECUTE format('ALTER TABLE cr.t%s ALTER %s SET DEFAULT %s', src, col,
                     (1 + floor(random() * 9))::int * CASE WHEN refcol = 'g' THEN 10 ELSE 1 END);
    END IF;
    sql := format('ALTER TABLE cr.t%s ADD CONSTRAINT c%s FOREIGN KEY (%s) REFERENCES cr.t%s (%s) ON DELETE %s ON UPDATE %s',
                  src, f, col, dst, refcol, act, uact);
    cons := cons || sql;
    descr := descr || format('t%s(%s)->t%s(%s, %s) %s/%s; ', src, kinds[src + 1], dst, kinds[dst + 1], refcol, act, uact);
  END LOOP;
  FOR f IN 1 .. cardinality(cons) LOOP
    EXECUTE cons[f];
  END LOOP;
  RETURN descr;
END $$;
