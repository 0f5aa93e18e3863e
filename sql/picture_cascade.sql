-- fk_cascade_graph and fk_update_graph: the picture must say what the
-- cascade engine's preview says.  On random foreign key graphs (fixed
-- seed: cycles, self references, diamonds, CASCADE, SET NULL, SET
-- DEFAULT, RESTRICT, NO ACTION), every edge of the DOT and Mermaid
-- pictures (from, to, action, rows, constraint) is read back from the
-- text and compared with fk_cascade_preview / fk_update_preview summed the
-- same way, and every node's totals with the preview's per table.
CREATE SCHEMA pc;
SET search_path = pc, public;
SET client_min_messages = warning;

CREATE FUNCTION pc.build(ntables int, nfks int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  actions text[] := ARRAY['CASCADE', 'CASCADE', 'SET NULL', 'SET DEFAULT', 'RESTRICT', 'NO ACTION'];
  src int; dst int; act text; uact text; nn boolean;
BEGIN
  FOR i IN 0 .. ntables - 1 LOOP
    EXECUTE format('CREATE TABLE pc.t%s(id int PRIMARY KEY)', i);
    EXECUTE format('INSERT INTO pc.t%s SELECT g FROM generate_series(0, 8) g', i);
  END LOOP;
  FOR f IN 1 .. nfks LOOP
    src := floor(random() * ntables);
    dst := floor(random() * ntables);
    act := actions[1 + floor(random() * 6)];
    uact := actions[1 + floor(random() * 6)];
    nn := random() < 0.2 AND act <> 'SET NULL';
    EXECUTE format('ALTER TABLE pc.t%s ADD f%s int%s', src, f, CASE WHEN act = 'SET DEFAULT' THEN ' DEFAULT 0' ELSE '' END);
    EXECUTE format('UPDATE pc.t%s SET f%s = CASE WHEN random() < 0.2 AND NOT %L THEN NULL ELSE 1 + floor(random() * 8) END',
                   src, f, nn);
    IF nn THEN
      EXECUTE format('ALTER TABLE pc.t%s ALTER f%s SET NOT NULL', src, f);
    END IF;
    EXECUTE format('ALTER TABLE pc.t%s ADD CONSTRAINT c%s FOREIGN KEY (f%s) REFERENCES pc.t%s ON DELETE %s ON UPDATE %s',
                   src, f, f, dst, act, uact);
  END LOOP;
END $$;

-- The edges of a DOT cascade picture: from, to, action, rows, constraint
-- (the tables by their tooltip, which names them schema-qualified).
CREATE FUNCTION pc.dot_edges(dot text)
RETURNS TABLE(src text, dst text, action text, row_count bigint, via name)
LANGUAGE sql AS $$
  WITH nodes AS (
    SELECT m[1] AS id, m[2] AS name
      FROM regexp_matches(dot, '\n    (t[0-9]+) \[id="t[0-9]+", label="[^"]*", tooltip="([^"]*)"', 'g') m),
  edges AS (
    SELECT m[1] AS src, m[2] AS dst, m[3] AS action, replace(m[4], ',', '')::bigint AS row_count, m[5] AS via
      FROM regexp_matches(dot, '\n  (t[0-9]+) -> (t[0-9]+) \[id="e[0-9]+", label="(?:⚠ )?(DELETE|UPDATE|SET NULL|SET DEFAULT|BLOCKED) ([0-9,]+) rows?\\n(?:[^"\\]*\\n)?via ([^"\\]*)\\n', 'g') m)
  SELECT s.name, d.name, e.action, e.row_count, e.via::name
    FROM edges e JOIN nodes s ON s.id = e.src JOIN nodes d ON d.id = e.dst
$$;

-- The same for a Mermaid flowchart (tables by their label's first line).
CREATE FUNCTION pc.mermaid_edges(mmd text)
RETURNS TABLE(src text, dst text, action text, row_count bigint, via name)
LANGUAGE sql AS $$
  WITH nodes AS (
    SELECT m[1] AS id, m[2] AS name
      FROM regexp_matches(mmd, '\n    (t[0-9]+)\["([^"<]*)<br>', 'g') m),
  edges AS (
    SELECT m[1] AS src, m[2] AS action, replace(m[3], ',', '')::bigint AS row_count, m[4] AS via, m[5] AS dst
      FROM regexp_matches(mmd, '\n  (t[0-9]+) [-.=]+>\|"(?:⚠ )?(DELETE|UPDATE|SET NULL|SET DEFAULT|BLOCKED) ([0-9,]+) rows?<br>(?:[^"<]*<br>)?via ([^"<]*)<br>[^"]*"\| (t[0-9]+)(?=\n)', 'g') m)
  SELECT s.name, d.name, e.action, e.row_count, e.via::name
    FROM edges e JOIN nodes s ON s.id = e.src JOIN nodes d ON d.id = e.dst
$$;

-- A table's name with its schema, as the pictures write it
CREATE FUNCTION pc.qname(r regclass) RETURNS text LANGUAGE sql AS $$
  SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = r
$$;

-- The preview summed as the picture sums it: per (from, to, action,
-- constraint) over the depths; the statement's own rows are the target's.
CREATE FUNCTION pc.preview_edges(target regclass, key jsonb, new_values jsonb)
RETURNS TABLE(src text, dst text, action text, row_count bigint, via name)
LANGUAGE sql AS $$
  SELECT pc.qname(coalesce(p.referenced_table, target)), pc.qname(p.table_name), p.action,
         sum(p.row_count)::bigint, p.via_constraint
    FROM (SELECT * FROM fk_cascade_preview(target, key) WHERE new_values IS NULL
          UNION ALL
          SELECT * FROM fk_update_preview(target, key, new_values) WHERE new_values IS NOT NULL) p
   WHERE p.depth > 0 OR p.action = 'BLOCKED'
   GROUP BY 1, 2, 3, 5
$$;

-- Compare one statement: the number of differences (0), and of edges.
CREATE FUNCTION pc.compare(target regclass, key jsonb, new_values jsonb DEFAULT NULL)
RETURNS TABLE(differences bigint, edges bigint, root_ok boolean)
LANGUAGE plpgsql AS $$
DECLARE
  dot text;
  mmd text;
  own bigint;
BEGIN
  IF new_values IS NULL THEN
    dot := fk_cascade_graph(target, key);
    mmd := fk_cascade_graph(target, key, 'mermaid');
  ELSE
    dot := fk_update_graph(target, key, new_values);
    mmd := fk_update_graph(target, key, new_values, 'mermaid');
  END IF;
  SELECT coalesce(sum(row_count), 0) INTO own
    FROM (SELECT * FROM fk_cascade_preview(target, key) WHERE new_values IS NULL
          UNION ALL
          SELECT * FROM fk_update_preview(target, key, new_values) WHERE new_values IS NOT NULL) p
   WHERE depth = 0 AND action <> 'BLOCKED';
  RETURN QUERY
  SELECT (SELECT count(*) FROM ((SELECT * FROM pc.dot_edges(dot) EXCEPT ALL SELECT * FROM pc.preview_edges(target, key, new_values))
                                UNION ALL
                                (SELECT * FROM pc.preview_edges(target, key, new_values) EXCEPT ALL SELECT * FROM pc.dot_edges(dot))
                                UNION ALL
                                (SELECT * FROM pc.mermaid_edges(mmd) EXCEPT ALL SELECT * FROM pc.dot_edges(dot))
                                UNION ALL
                                (SELECT * FROM pc.dot_edges(dot) EXCEPT ALL SELECT * FROM pc.mermaid_edges(mmd))) d),
         (SELECT count(*) FROM pc.dot_edges(dot)),
         position(format('\n%s: %s row', CASE WHEN new_values IS NULL THEN 'DELETE' ELSE 'UPDATE' END, own) IN dot) > 0;
END $$;

CREATE TABLE pc_results(graph int, target text, key jsonb, new_values jsonb,
                        differences bigint, edges bigint, root_ok boolean);

DO $$
BEGIN
  PERFORM setseed(0.2468);
  FOR g IN 1 .. 10 LOOP
    PERFORM pc.build(4 + g % 3, 5 + g % 4);
    FOR t IN 0 .. 3 LOOP
      FOR k IN 1 .. 3 LOOP
        INSERT INTO pc_results
        SELECT g, 't' || t, jsonb_build_object('id', k), NULL, c.*
          FROM pc.compare(format('pc.t%s', t)::regclass, jsonb_build_object('id', k)) c;
        INSERT INTO pc_results
        SELECT g, 't' || t, jsonb_build_object('id', k), jsonb_build_object('id', 100 + k), c.*
          FROM pc.compare(format('pc.t%s', t)::regclass, jsonb_build_object('id', k),
                          jsonb_build_object('id', 100 + k)) c;
      END LOOP;
    END LOOP;
    FOR t IN 0 .. 3 + g % 3 LOOP
      EXECUTE format('DROP TABLE IF EXISTS pc.t%s CASCADE', t);
    END LOOP;
  END LOOP;
END $$;

-- Every picture equals its preview; enough of them reach something.
SELECT count(*) AS statements,
       count(*) FILTER (WHERE differences <> 0) AS pictures_differing,
       count(*) FILTER (WHERE NOT root_ok) AS roots_differing,
       count(*) FILTER (WHERE edges > 0) >= 40 AS many_reach_something,
       sum(edges) >= 100 AS many_edges
  FROM pc_results;
SELECT * FROM pc_results WHERE differences <> 0 OR NOT root_ok LIMIT 5;

-- BLOCKED paths are marked: red, with the reason
CREATE TABLE pc.p (id int PRIMARY KEY);
CREATE TABLE pc.c1 (id int PRIMARY KEY, p int REFERENCES pc.p ON DELETE CASCADE);
CREATE TABLE pc.c2 (id int PRIMARY KEY, c1 int REFERENCES pc.c1 ON DELETE RESTRICT);
INSERT INTO pc.p VALUES (1), (2);
INSERT INTO pc.c1 VALUES (10, 1), (11, 1), (12, 2);
INSERT INTO pc.c2 VALUES (100, 10);
SELECT line FROM regexp_split_to_table(fk_cascade_graph('pc.p', 1), E'\n') line
 WHERE line ~ '^  t[0-9]+ -> ' OR line ~ 'label="(c1|c2|p)\\n';
SELECT line FROM regexp_split_to_table(fk_cascade_graph('pc.p', 1, 'mermaid'), E'\n') line
 WHERE line ~ '^  (t[0-9]+ [-=.]+>|title0|class t|linkStyle 1 )';
-- nothing reached: the target alone; a key that matches no row
SELECT line FROM regexp_split_to_table(fk_cascade_graph('pc.p', 2), E'\n') line WHERE line ~ 'label="(DELETE|p|c1|c2)';
SELECT fk_cascade_graph('pc.p', 99) ~ 'DELETE FROM pc.p: 0 rows, reaches 0 tables' AS empty_ok;
-- an UPDATE that sets nothing; format errors; a view as target
SELECT fk_update_graph('pc.p', 1, '{}') ~ 'UPDATE pc.p SET no column: 0 rows' AS nothing_set;
SELECT fk_cascade_graph('pc.p', 1, 'svg');
CREATE VIEW pc.v AS SELECT * FROM pc.p;
SELECT fk_cascade_graph('pc.v', 1);
-- read-only: works in a READ ONLY transaction
BEGIN READ ONLY;
SELECT length(fk_cascade_graph('pc.p', 1)) > 0 AS read_only_ok;
COMMIT;

DROP SCHEMA pc CASCADE;
RESET client_min_messages;
