-- fk_check counts the orphans of all keys of a table in one scan, then
-- summarizes only the keys with orphans.  Tables with 1 to 8 keys of mixed
-- shapes (composite keys in another order than the referenced index,
-- MATCH FULL, NULLs, nondeterministic and "C" collations, cross-type keys,
-- a partitioned and an inherited referenced table, a self-reference, a
-- referenced unique index whose collation is not the column's), on plain,
-- partitioned and inheritance referencing tables, some keys clean and some
-- not.  fk_oracle.verify() has the server judge every row by inserting it
-- under the real constraint; fk_check(t), fk_check() over the database and
-- fk_check_snapshot() must all agree with it.  The seed is fixed.
\i test/fk_oracle.sql
CREATE SCHEMA orph_pass;
SET search_path = orph_pass, public;
SET client_min_messages = warning;
CREATE COLLATION orph_pass.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

-- the referenced tables, one per shape
CREATE TABLE p_int (id int PRIMARY KEY);
INSERT INTO p_int SELECT generate_series(1, 12);
CREATE TABLE p_comp (extra text, b text, a int, UNIQUE (b, a));
INSERT INTO p_comp (a, b) SELECT i, s FROM generate_series(1, 4) i, unnest('{x,y,z}'::text[]) s;
CREATE TABLE p_num (n numeric UNIQUE);
INSERT INTO p_num SELECT generate_series(1, 12);
CREATE TABLE p_int8 (id bigint PRIMARY KEY);
INSERT INTO p_int8 SELECT generate_series(1, 12);
CREATE TABLE p_ci (t text COLLATE orph_pass.ci PRIMARY KEY);
INSERT INTO p_ci VALUES ('a'), ('B'), ('ß'), ('x ');
CREATE TABLE p_c (t text COLLATE "C" UNIQUE);
INSERT INTO p_c VALUES ('a'), ('A'), ('b'), ('ss');
-- unique under "C", compared under ci: one key may match two rows
CREATE TABLE p_twice (t text COLLATE orph_pass.ci);
CREATE UNIQUE INDEX ON p_twice (t COLLATE "C");
INSERT INTO p_twice VALUES ('a'), ('A'), ('b');
CREATE TABLE p_part (id int PRIMARY KEY, g int) PARTITION BY HASH (id);
CREATE TABLE p_part_0 PARTITION OF p_part FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE p_part_1 PARTITION OF p_part FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO p_part SELECT i, i FROM generate_series(1, 12) i;
CREATE TABLE p_inh (id int PRIMARY KEY);
INSERT INTO p_inh SELECT generate_series(1, 6);
CREATE TABLE p_inh_child () INHERITS (p_inh);
INSERT INTO p_inh_child SELECT generate_series(7, 12);   -- satisfy nothing

-- shape: (referencing columns, their types, the reference, value lists)
CREATE TABLE shapes (n int, cols text[], types text[], ref text, vals text[][]);
INSERT INTO shapes VALUES
 (1, '{x}', '{int}', 'REFERENCES orph_pass.p_int (id)', '{{1},{5},{13},{NULL}}'),
 (2, '{a,b}', '{int,text}', 'REFERENCES orph_pass.p_comp (a, b)', '{{1,x},{4,z},{5,x},{NULL,q}}'),
 (3, '{a,b}', '{int,text}', 'REFERENCES orph_pass.p_comp (a, b) MATCH FULL', '{{2,y},{3,z},{NULL,y},{NULL,NULL}}'),
 (4, '{x}', '{int}', 'REFERENCES orph_pass.p_num (n)', '{{3},{12},{0},{NULL}}'),
 (5, '{x}', '{int}', 'REFERENCES orph_pass.p_int8 (id)', '{{2},{11},{99},{NULL}}'),
 (6, '{t}', '{text}', 'REFERENCES orph_pass.p_ci (t)', '{{A},{b},{zz},{NULL}}'),
 (7, '{t}', '{"text COLLATE orph_pass.ci"}', 'REFERENCES orph_pass.p_c (t)', '{{a},{A},{B},{NULL}}'),
 (8, '{t}', '{"text COLLATE orph_pass.ci"}', 'REFERENCES orph_pass.p_twice (t)', '{{a},{b},{c},{NULL}}'),
 (9, '{x}', '{int}', 'REFERENCES orph_pass.p_part (id)', '{{1},{12},{14},{NULL}}'),
 (10, '{x}', '{int}', 'REFERENCES orph_pass.p_inh (id)', '{{1},{6},{9},{NULL}}'),
 (11, '{x}', '{int}', 'REFERENCES %s (rid)', '{{1},{3},{77},{NULL}}');

-- the shape of every key made
CREATE TABLE key_shapes (rel regclass, conname name, n int);

CREATE FUNCTION rnd(n int) RETURNS int LANGUAGE sql AS 'SELECT floor(random() * n)::int';

-- Referencing table i with nk keys of random shapes on a table of kind
-- ('plain', 'partitioned', 'inherited'); dirty: some keys get orphans.
-- Returns the tables to verify.
CREATE FUNCTION make_table(i int, nk int, kind text, dirty boolean) RETURNS regclass[]
LANGUAGE plpgsql AS $$
DECLARE
    t text := format('orph_pass.c%s', i);
    s shapes[];
    defs text := 'rid int, grp int';
    keys text := '';
    ins text;
    vals text;
    cols text;
    orphan_keys int[];
    targets regclass[];
    j int; c int; r int;
BEGIN
    SELECT array_agg(x ORDER BY random()) INTO s
      FROM (SELECT x FROM shapes x, generate_series(1, 2)
             WHERE kind = 'plain' OR x.n <> 11 ORDER BY random() LIMIT nk) q;
    FOR j IN 1..nk LOOP
        FOR c IN 1..cardinality((s[j]).cols) LOOP
            defs := defs || format(', %I %s', 'k' || j || (s[j]).cols[c], (s[j]).types[c]);
        END LOOP;
        keys := keys || format(', CONSTRAINT %I FOREIGN KEY (%s) %s', 'key ' || j,
                               (SELECT string_agg(quote_ident('k' || j || x), ', ') FROM unnest((s[j]).cols) x),
                               format((s[j]).ref, t));
    END LOOP;
    IF kind = 'partitioned' THEN
        EXECUTE format('CREATE TABLE %s (%s%s) PARTITION BY LIST (grp)', t, defs, keys);
        EXECUTE format('CREATE TABLE %s_0 PARTITION OF %s FOR VALUES IN (0)', t, t);
        EXECUTE format('CREATE TABLE %s_1 PARTITION OF %s FOR VALUES IN (1, 2)', t, t);
    ELSE
        EXECUTE format('CREATE TABLE %s (%s, UNIQUE (rid)%s)', t, defs, keys);
    END IF;
    IF kind = 'inherited' THEN
        EXECUTE format('CREATE TABLE %s_child () INHERITS (%s)', t, t);
    END IF;
    INSERT INTO key_shapes SELECT t::regclass, 'key ' || g.x, (s[g.x]).n FROM generate_series(1, nk) g(x);
    -- the keys that get orphans
    orphan_keys := CASE WHEN dirty THEN (SELECT array_agg(g.x) FROM generate_series(1, nk) g(x) WHERE rnd(2) = 0) END;

    SET LOCAL session_replication_role = replica;
    FOR r IN 1..(30 + rnd(30)) LOOP
        cols := 'rid, grp';
        vals := format('%s, %s', r, rnd(3));
        FOR j IN 1..nk LOOP
            -- value sets 1 and 2 match, 3 orphans (if allowed), 4 NULLs or
            -- partly NULL (an orphan too under MATCH FULL: then only if allowed)
            c := CASE WHEN rnd(4) = 0 THEN 4 ELSE 1 + rnd(2) END;
            IF j = ANY (orphan_keys) AND rnd(5) = 0 THEN
                c := 3;
            END IF;
            IF c = 4 AND (s[j]).n = 3 AND NOT (j = ANY (coalesce(orphan_keys, '{}'))) THEN
                c := 1;
            END IF;
            FOR ins IN SELECT x FROM unnest((s[j]).cols) x LOOP
                cols := cols || ', ' || quote_ident('k' || j || ins);
            END LOOP;
            vals := vals || ', ' || (SELECT string_agg(quote_nullable(v), ', ')
                                       FROM unnest((s[j]).vals[c:c]) v);
        END LOOP;
        EXECUTE format('INSERT INTO %s%s (%s) VALUES (%s)', t,
                       CASE WHEN kind = 'inherited' AND rnd(3) = 0 THEN '_child' ELSE '' END, cols, vals);
    END LOOP;
    SET LOCAL session_replication_role = origin;

    targets := ARRAY[t::regclass];
    IF kind = 'partitioned' THEN
        targets := targets || ARRAY[(t || '_1')::regclass];
    END IF;
    RETURN targets;
END
$$;

SELECT setseed(0.2718);
CREATE TABLE tabs AS
SELECT i, nk, kind, dirty, make_table(i, nk, kind, dirty) AS targets
  FROM (SELECT row_number() OVER ()::int AS i, nk, kind, dirty
          FROM generate_series(1, 8) nk,
               unnest('{plain,partitioned,inherited}'::text[]) kind,
               unnest('{false,true}'::boolean[]) dirty) q;

CREATE TABLE results AS
SELECT t.i, t.nk, u.t, v.*
  FROM tabs t, unnest(t.targets) u(t), fk_oracle.verify(u.t) v;

-- what was covered, and the disagreements (every one is also a WARNING above)
SELECT count(DISTINCT i) AS tables, count(*) AS tables_verified, sum(fks) AS constraints,
       sum(rows_checked) AS rows_checked, sum(orphans) > 50 AS many_orphans,
       count(*) FILTER (WHERE orphans = 0) > 10 AS some_clean,
       sum(mismatches) AS mismatches
  FROM results;
SELECT nk, count(*) AS tables, sum(fks) AS constraints, sum(mismatches) AS mismatches
  FROM results GROUP BY nk ORDER BY nk;
-- every shape reached, clean and with orphans
SELECT s.n, count(k.*) AS keys,
       bool_or(k.orphan_rows > 0) AS with_orphans, bool_or(k.orphan_rows = 0) AS clean
  FROM shapes s
  LEFT JOIN (key_shapes ks CROSS JOIN LATERAL fk_check(ks.rel) k)
         ON ks.n = s.n AND k.constraint_name = ks.conname
 GROUP BY s.n ORDER BY s.n;

-- the whole database's check and a snapshot say the same as each table's
-- verified check, row for row
CREATE TABLE per_table AS
SELECT k.table_name, k.constraint_name, k.orphan_rows, k.missing_keys, k.sample_keys, k.status
  FROM tabs t, fk_check(t.targets[1]) k;
SELECT count(*) AS keys,
       count(*) FILTER (WHERE w.constraint_name IS NULL) AS missing_in_database_check,
       count(*) FILTER (WHERE (w.orphan_rows, w.missing_keys, w.sample_keys, w.status)
                        IS DISTINCT FROM (p.orphan_rows, p.missing_keys, p.sample_keys, p.status)) AS different
  FROM per_table p
  LEFT JOIN fk_check() w ON w.table_name = p.table_name AND w.constraint_name = p.constraint_name;
SELECT count(*) AS keys,
       count(*) FILTER (WHERE (w.orphan_rows, w.missing_keys, w.sample_keys, w.status)
                        IS DISTINCT FROM (p.orphan_rows, p.missing_keys, p.sample_keys, p.status)) AS different
  FROM per_table p
  JOIN fk_check_snapshot() w ON w.table_name = p.table_name AND w.constraint_name = p.constraint_name;

CALL fk_check_snapshot_rolling();
SELECT count(*) AS keys,
       count(*) FILTER (WHERE (w.orphan_rows, w.missing_keys, w.sample_keys, w.status)
                        IS DISTINCT FROM (p.orphan_rows, p.missing_keys, p.sample_keys, p.status)) AS different
  FROM per_table p
  JOIN fk_check_latest w ON w.table_name = p.table_name AND w.constraint_name = p.constraint_name;

-- a clean table with 8 keys is read once (checked key by key: 8 times),
-- by fk_check and by a snapshot
CREATE TABLE c_clean (x1 int REFERENCES p_int, x2 int REFERENCES p_int, x3 int REFERENCES p_int8,
                      x4 int REFERENCES p_num (n), x5 text REFERENCES p_ci, x6 int REFERENCES p_part,
                      x7 int REFERENCES p_inh, x8 int REFERENCES p_int);
INSERT INTO c_clean SELECT i, i, i, i, 'a', i, 1 + i % 6, NULL FROM generate_series(1, 12) i;
SELECT pg_stat_force_next_flush();
CREATE TABLE scans AS SELECT seq_scan + coalesce(idx_scan, 0) AS n FROM pg_stat_user_tables WHERE relid = 'c_clean'::regclass;
SELECT count(*) AS keys, sum(orphan_rows) AS orphans FROM fk_check('c_clean');
SELECT pg_stat_force_next_flush();
SELECT s.seq_scan + coalesce(s.idx_scan, 0) - scans.n AS table_reads
  FROM pg_stat_user_tables s, scans WHERE s.relid = 'c_clean'::regclass;
SELECT count(*) AS keys, sum(orphan_rows) AS orphans
  FROM pg_constraint c, fk_check_snapshot('c_clean') k
 WHERE c.conrelid = 'c_clean'::regclass AND c.conname = k.constraint_name;
SELECT pg_stat_force_next_flush();
SELECT s.seq_scan + coalesce(s.idx_scan, 0) - scans.n AS table_reads_with_the_snapshot_too
  FROM pg_stat_user_tables s, scans WHERE s.relid = 'c_clean'::regclass;

TRUNCATE fk_snapshot_results, fk_snapshot_state, fk_snapshot_runs;
DROP SCHEMA orph_pass CASCADE;
DROP SCHEMA fk_oracle CASCADE;
RESET client_min_messages;
