-- fk_graph: the foreign key graph as DOT and Mermaid text.  What the
-- pictures say is read back from their text and compared with the
-- catalogs themselves: which tables, which keys, crow's feet from
-- attnotnull, NOT VALID from convalidated, not enforced from pg_trigger,
-- unindexed from pg_index, the focus neighbourhood from a recursive
-- query over pg_constraint.
CREATE SCHEMA pg;
CREATE SCHEMA pg2;
SET search_path = pg, public;
SET client_min_messages = warning;

CREATE TABLE a (id int PRIMARY KEY);
CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES a ON DELETE CASCADE);
CREATE INDEX ON b (a_id);
CREATE TABLE c (id int PRIMARY KEY, b_id int REFERENCES b ON DELETE SET NULL);
CREATE TABLE d (id int PRIMARY KEY, c_id int);
ALTER TABLE d ADD CONSTRAINT d_c_fk FOREIGN KEY (c_id) REFERENCES c NOT VALID;
CREATE INDEX ON d (c_id);
CREATE TABLE e (id int PRIMARY KEY, d_id int NOT NULL REFERENCES d);
CREATE INDEX ON e (d_id);
ALTER TABLE e DISABLE TRIGGER ALL;
CREATE TABLE f (id int PRIMARY KEY, parent int REFERENCES f);
CREATE TABLE comp (x int, y int, PRIMARY KEY (x, y));
CREATE TABLE comp_child (id int PRIMARY KEY, y int NOT NULL, x int, FOREIGN KEY (x, y) REFERENCES comp);
CREATE INDEX ON comp_child (y, x);
-- a partitioned table, and a key declared on one partition only
CREATE TABLE pt (id int, a_id int NOT NULL REFERENCES a, b_id int, PRIMARY KEY (id)) PARTITION BY RANGE (id);
CREATE TABLE pt1 PARTITION OF pt FOR VALUES FROM (0) TO (100);
CREATE TABLE pt2 PARTITION OF pt FOR VALUES FROM (100) TO (200);
ALTER TABLE pt1 ADD CONSTRAINT pt1_b_fk FOREIGN KEY (b_id) REFERENCES b;
CREATE TABLE pg2.z (id int PRIMARY KEY, a_id int REFERENCES pg.a);
INSERT INTO a SELECT generate_series(1, 1000);
ANALYZE a;

-- What the catalogs say, for the oracle: every declared key, drawn on the
-- partition tree's root, with the facts the picture shows.
CREATE FUNCTION pg.root(r regclass) RETURNS regclass LANGUAGE sql AS $$
  SELECT coalesce((SELECT i.inhparent::regclass FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
                    WHERE i.inhrelid = r AND p.relkind = 'p'), r)
$$;
CREATE FUNCTION pg.qname(r regclass) RETURNS text LANGUAGE sql AS $$
  SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = r
$$;
CREATE VIEW pg.catalog_keys AS
SELECT pg.qname(pg.root(c.conrelid)) AS child, pg.qname(pg.root(c.confrelid)) AS parent,
       c.conname::text AS conname,
       EXISTS (SELECT FROM unnest(c.conkey) k JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k
                WHERE NOT a.attnotnull) AS nullable,
       NOT c.convalidated AS not_valid,
       EXISTS (SELECT FROM pg_trigger t WHERE t.tgconstraint = c.oid AND t.tgenabled IN ('D', 'R')) AS not_enforced,
       NOT EXISTS (SELECT FROM pg_index i
                    WHERE i.indrelid = c.conrelid AND i.indisvalid AND i.indpred IS NULL
                      AND (SELECT array_agg(x ORDER BY x) FROM unnest((i.indkey::int2[])[0:cardinality(c.conkey) - 1]) x)
                          = (SELECT array_agg(x ORDER BY x) FROM unnest(c.conkey) x)) AS unindexed,
       pg.root(c.conrelid) AS child_rel, pg.root(c.confrelid) AS parent_rel
  FROM pg_constraint c WHERE c.contype = 'f' AND c.conparentid = 0;

-- What a DOT picture says: its nodes (by tooltip) and its edges.
CREATE FUNCTION pg.dot_nodes(dot text) RETURNS TABLE(id text, name text, label text) LANGUAGE sql AS $$
  SELECT m[1], m[3], m[2]
    FROM regexp_matches(dot, '\n    (t[0-9]+) \[id="t[0-9]+", label="((?:[^"\\]|\\.)*)", tooltip="((?:[^"\\]|\\.)*)"', 'g') m
$$;
CREATE FUNCTION pg.dot_keys(dot text)
RETURNS TABLE(child text, parent text, conname text, nullable boolean, not_valid boolean,
              not_enforced boolean, unindexed boolean, label text, style text) LANGUAGE sql AS $$
  WITH e AS (
    SELECT m[1] AS p, m[2] AS c, m[3] AS tail, m[4] AS label, m[5] AS conname, m[6] AS style
      FROM regexp_matches(dot, '\n  (t[0-9]+) -> (t[0-9]+) \[id="k[0-9]+", arrowtail=(teetee|teeodot), arrowhead=crowodot, label="((?:[^"\\]|\\.)*)", tooltip="((?:[^"\\:]|\\.)*): [^\n]*?"([^\n]*)\];', 'g') m)
  SELECT cn.name, pn.name, e.conname, e.tail = 'teeodot',
         e.label LIKE '%NOT VALID%', e.label LIKE '%NOT ENFORCED%', e.label LIKE '%UNINDEXED%', e.label, e.style
    FROM e JOIN pg.dot_nodes(dot) cn ON cn.id = e.c JOIN pg.dot_nodes(dot) pn ON pn.id = e.p
$$;
-- What a Mermaid erDiagram says: entities "schema.table · ..." and relationships.
CREATE FUNCTION pg.mermaid_keys(mmd text)
RETURNS TABLE(child text, parent text, nullable boolean, dotted boolean, label text) LANGUAGE sql AS $$
  WITH n AS (SELECT m[1] AS id, m[2] AS name FROM regexp_matches(mmd, '\n  (t[0-9]+)\["([^"·]*) · ', 'g') m),
  r AS (SELECT m[1] AS p, m[2] AS card, m[3] AS line, m[4] AS c, m[5] AS label
          FROM regexp_matches(mmd, '\n  (t[0-9]+) (\|\||\|o)(--|\.\.)o\{ (t[0-9]+) : "([^"]*)"', 'g') m)
  SELECT cn.name, pn.name, r.card = '|o', r.line = '..', r.label
    FROM r JOIN n cn ON cn.id = r.c JOIN n pn ON pn.id = r.p
$$;

-- The whole schema: every table, every key between them, each fact
-- equal to the catalog's (no difference either way).
SELECT (SELECT count(*) FROM pg.dot_nodes(fk_graph(schemas => '{pg}'))) AS tables,
       (SELECT count(*) FROM pg_class WHERE relnamespace = 'pg'::regnamespace AND relkind IN ('r', 'p')
           AND NOT relispartition) AS catalog_tables,
       (SELECT count(*) FROM pg.dot_keys(fk_graph(schemas => '{pg}'))) AS keys;
(SELECT child, parent, conname, nullable, not_valid, not_enforced, unindexed FROM pg.dot_keys(fk_graph(schemas => '{pg}'))
 EXCEPT
 SELECT child, parent, conname, nullable, not_valid, not_enforced, unindexed FROM pg.catalog_keys
  WHERE child LIKE 'pg.%' AND parent LIKE 'pg.%')
UNION ALL
(SELECT child, parent, conname, nullable, not_valid, not_enforced, unindexed FROM pg.catalog_keys
  WHERE child LIKE 'pg.%' AND parent LIKE 'pg.%'
 EXCEPT
 SELECT child, parent, conname, nullable, not_valid, not_enforced, unindexed FROM pg.dot_keys(fk_graph(schemas => '{pg}')));
-- Mermaid says the same: ends from attnotnull, dotted when NOT VALID or not enforced
(SELECT child, parent, nullable, dotted FROM pg.mermaid_keys(fk_graph('mermaid', schemas => '{pg}'))
 EXCEPT
 SELECT child, parent, nullable, not_valid OR not_enforced FROM pg.catalog_keys WHERE child LIKE 'pg.%' AND parent LIKE 'pg.%')
UNION ALL
(SELECT child, parent, nullable, not_valid OR not_enforced FROM pg.catalog_keys WHERE child LIKE 'pg.%' AND parent LIKE 'pg.%'
 EXCEPT
 SELECT child, parent, nullable, dotted FROM pg.mermaid_keys(fk_graph('mermaid', schemas => '{pg}')));

-- The edges as drawn: labels with columns, ON DELETE, problems; styles
SELECT child, parent, conname, label, style FROM pg.dot_keys(fk_graph(schemas => '{pg}')) ORDER BY conname;
-- nodes: row estimates, keys leading out of the picture
SELECT name, label FROM pg.dot_nodes(fk_graph(schemas => '{pg}')) ORDER BY name;
SELECT child, parent, label FROM pg.mermaid_keys(fk_graph('mermaid', schemas => '{pg}')) ORDER BY 1, 2, 3;

-- Focus and depth: the tables within depth keys of the focus, walking up
-- to parents and down to children without turning (both), or along every
-- key (any), as a recursive query over the catalog finds them.
CREATE FUNCTION pg.around(focus regclass, depth int, direction text) RETURNS SETOF text LANGUAGE sql AS $$
  WITH RECURSIVE walk(rel, d, way) AS (
    SELECT pg.root(focus), 0, w FROM unnest(CASE direction WHEN 'referenced' THEN '{up}'::text[]
                                                  WHEN 'referencing' THEN '{down}' ELSE '{up,down}' END) w
    UNION
    SELECT CASE WHEN s.up THEN k.parent_rel ELSE k.child_rel END, w.d + 1,
           CASE WHEN direction = 'any' THEN CASE WHEN s.up THEN 'up' ELSE 'down' END ELSE w.way END
      FROM walk w CROSS JOIN (VALUES (true), (false)) s(up)
      JOIN pg.catalog_keys k ON (s.up AND k.child_rel = w.rel) OR (NOT s.up AND k.parent_rel = w.rel)
     WHERE w.d < coalesce(depth, 50) AND (direction = 'any' OR s.up = (w.way = 'up'))
       AND k.child LIKE 'pg.%' AND k.parent LIKE 'pg.%')
  SELECT DISTINCT pg.qname(rel) FROM walk
$$;
SELECT f AS focus, d AS depth, dir AS direction,
       (SELECT string_agg(name, ' ' ORDER BY name) FROM pg.dot_nodes(fk_graph(focus => f, depth => d, direction => dir, schemas => '{pg}'))) AS picture,
       (SELECT string_agg(x, ' ' ORDER BY x) FROM pg.around(f, d, dir) x) =
       (SELECT string_agg(name, ' ' ORDER BY name) FROM pg.dot_nodes(fk_graph(focus => f, depth => d, direction => dir, schemas => '{pg}'))) AS same_as_catalog
  FROM (VALUES ('pg.c'::regclass, 0, 'both'), ('pg.c', 1, 'both'), ('pg.c', 2, 'both'), ('pg.c', 2, 'any'),
               ('pg.c', 2, 'referenced'), ('pg.b', 1, 'referencing'), ('pg.a', 1, 'both'), ('pg.a', 2, 'any'),
               ('pg.pt2', 1, 'both'), ('pg.f', NULL, 'both'), ('pg.e', NULL, 'referenced')) v(f, d, dir);
-- keys between two tables of the picture are drawn even off the walk; the
-- cut is said on the tables it leaves; the focus is highlighted
SELECT name, label FROM pg.dot_nodes(fk_graph(focus => 'pg.b', depth => 1)) ORDER BY name;
SELECT line FROM regexp_split_to_table(fk_graph(focus => 'pg.b', depth => 1), E'\n') line
 WHERE line ~ 'fillcolor="#fff3b0"|^  graph|legend_focus';
SELECT line FROM regexp_split_to_table(fk_graph('mermaid', focus => 'pg.b', depth => 1, legend => false), E'\n') line;

-- problems_only: only the keys with a problem and their tables
SELECT count(*) AS keys, bool_and(not_valid OR not_enforced OR unindexed) AS all_with_problems
  FROM pg.dot_keys(fk_graph(schemas => '{pg}', problems_only => true));
SELECT string_agg(name, ' ' ORDER BY name) FROM pg.dot_nodes(fk_graph(schemas => '{pg}', problems_only => true));
SELECT fk_graph(schemas => '{pg}', legend => false) LIKE '%cluster_legend%' AS legend_shown;

-- Schemas: one cluster each; a key across schemas is drawn when both are shown
SELECT (regexp_matches(fk_graph(schemas => '{pg,pg2}'), 'subgraph cluster_s[0-9]+ \{\n    label="([^"]*)"', 'g'))[1] AS cluster;
SELECT child, parent FROM pg.dot_keys(fk_graph(schemas => '{pg,pg2}')) WHERE child LIKE 'pg2.%';

-- Orphans from the latest snapshot: fk_check_snapshot keeps each key's
-- latest result, and fk_graph shows it as fk_check_latest does.  The
-- checks are real (their counts are the server's, below); the time of
-- one is set by hand so that the legend's date stays put.
INSERT INTO pg.e VALUES (1, 77), (2, 78);
SELECT count(*) AS orphans_by_hand FROM pg.e WHERE NOT EXISTS (SELECT FROM pg.d WHERE d.id = e.d_id);
SELECT constraint_name, orphan_rows, status FROM fk_check_snapshot('pg.e');
UPDATE fk_snapshot_state SET checked_at = '2020-01-02 00:00+00' WHERE schema_name = 'pg' AND relname = 'e';
SET timezone = 'UTC';
SELECT child, parent, label, style FROM pg.dot_keys(fk_graph(schemas => '{pg}')) WHERE label LIKE '%ORPHANS%';
SELECT line FROM regexp_split_to_table(fk_graph(schemas => '{pg}'), E'\n') line WHERE line ~ 'legend3a';
SELECT label FROM pg.mermaid_keys(fk_graph('mermaid', schemas => '{pg}')) WHERE label LIKE '%ORPHANS%';
SELECT count(*) AS keys_with_orphans FROM pg.dot_keys(fk_graph(schemas => '{pg}', problems_only => true)) WHERE label LIKE '%ORPHANS%';
-- a key checked with no orphans draws nothing; a key checked later moves the legend's date
SELECT constraint_name, orphan_rows, status FROM fk_check_snapshot('pg.b');
UPDATE fk_snapshot_state SET checked_at = '2020-02-01 00:00+00' WHERE schema_name = 'pg' AND relname = 'b';
SELECT child, parent, label FROM pg.dot_keys(fk_graph(schemas => '{pg}')) WHERE label LIKE '%ORPHANS%';
SELECT line FROM regexp_split_to_table(fk_graph(schemas => '{pg}'), E'\n') line WHERE line ~ 'legend3a';
-- a role that could not check the key itself gets the picture without
-- its count, and is told; pg_read_all_stats sees counts, as in the views
CREATE ROLE regress_fk_picture_reader;
GRANT USAGE ON SCHEMA pg TO regress_fk_picture_reader;
SET ROLE regress_fk_picture_reader;
SELECT line FROM regexp_split_to_table(fk_graph(schemas => '{pg}'), E'\n') line WHERE line ~ 'legend3a|ORPHANS [0-9]';
RESET ROLE;
GRANT SELECT (d_id) ON pg.e TO regress_fk_picture_reader;
GRANT SELECT (id) ON pg.d TO regress_fk_picture_reader;
SET ROLE regress_fk_picture_reader;
SELECT line FROM regexp_split_to_table(fk_graph(schemas => '{pg}'), E'\n') line WHERE line ~ 'legend3a|ORPHANS [0-9]';
RESET ROLE;
REVOKE SELECT (d_id) ON pg.e FROM regress_fk_picture_reader;
REVOKE SELECT (id) ON pg.d FROM regress_fk_picture_reader;
GRANT pg_read_all_stats TO regress_fk_picture_reader;
SET ROLE regress_fk_picture_reader;
SELECT line FROM regexp_split_to_table(fk_graph(schemas => '{pg}'), E'\n') line WHERE line ~ 'legend3a|ORPHANS [0-9]';
RESET ROLE;
REVOKE pg_read_all_stats FROM regress_fk_picture_reader;
TRUNCATE fk_snapshot_results, fk_snapshot_state, fk_snapshot_runs;

-- Catalog only: no lock on any table but the focus
BEGIN;
SELECT length(fk_graph()) > 0 AS whole_database;
SELECT length(fk_graph(focus => 'pg.c', depth => 2)) > 0 AS around_c;
SELECT relation::regclass AS locked, mode FROM pg_locks
 WHERE locktype = 'relation' AND pid = pg_backend_pid()
   AND relation IN (SELECT oid FROM pg_class WHERE relnamespace IN ('pg'::regnamespace, 'pg2'::regnamespace));
COMMIT;
BEGIN READ ONLY;
SELECT length(fk_graph('mermaid')) > 0 AS read_only_ok;
COMMIT;

-- Errors
SELECT fk_graph('svg');
SELECT fk_graph(depth => -1, focus => 'pg.a');
SELECT fk_graph(direction => 'up', focus => 'pg.a');
SELECT fk_graph(schemas => '{pg}', max_tables => 3);
SELECT fk_graph(schemas => '{pg}', max_tables => 6, problems_only => true);
-- with problems_only the limit counts the tables drawn
SELECT (SELECT count(*) FROM pg.dot_nodes(fk_graph(schemas => '{pg}', max_tables => 7, problems_only => true))) AS tables;
SELECT fk_graph(schemas => '{nosuchschema}');
SELECT fk_graph(focus => 'pg.a', schemas => '{pg2}');
CREATE VIEW pg.v AS SELECT * FROM pg.a;
SELECT fk_graph(focus => 'pg.v');
SELECT fk_graph(schemas => '{pg}', max_tables => NULL) IS NOT NULL AS no_limit;
-- an empty picture is still a picture
CREATE SCHEMA pgempty;
SELECT fk_graph(schemas => '{pgempty}', legend => false);
SELECT fk_graph('mermaid', schemas => '{pgempty}', legend => false);

-- Names of any kind come out escaped (their validity is checked by
-- Graphviz and by Mermaid's parser in test/pictures)
CREATE SCHEMA "pg odd ""s""";
CREATE TABLE "pg odd ""s"""."a ""q"" \ b" ("k&1" int PRIMARY KEY);
CREATE TABLE "pg odd ""s"""."new
line" ("x%" int REFERENCES "pg odd ""s"""."a ""q"" \ b", "#quot;" int);
SELECT regexp_split_to_table(fk_graph(schemas => '{"pg odd \"s\""}', legend => false), E'\n');
SELECT regexp_split_to_table(fk_graph('mermaid', schemas => '{"pg odd \"s\""}', legend => false), E'\n');

RESET search_path;
REVOKE USAGE ON SCHEMA pg FROM regress_fk_picture_reader;
DROP ROLE regress_fk_picture_reader;
DROP SCHEMA pg, pg2, pgempty, "pg odd ""s""" CASCADE;
RESET client_min_messages;
