-- The cascade previews where what the server does depends on more than
-- equality: a key update fires ON UPDATE actions when the stored bytes of
-- the key change (1.0 to 1.00, 'a' to 'A' under a case-insensitive
-- collation), not when the key is set to the value it has; NO ACTION then
-- passes while the row still has a key equal to the old one; a row's own
-- key that does not change is not checked (unless this transaction wrote
-- the row); SET DEFAULT rechecks the old key.  Every case is compared with
-- the real statement (cascade_oracle.oracle).
CREATE SCHEMA cx;
SET search_path = cx, public;
SET client_min_messages = warning;
\set ECHO none
\i test/cascade_oracle.sql
\set ECHO all
RESET client_min_messages;

-- 1. A numeric key whose scale changes: CASCADE carries 1.00 down,
-- RESTRICT refuses, NO ACTION passes (the row still has a key = 1.0).
CREATE TABLE num (n numeric PRIMARY KEY);
INSERT INTO num VALUES (1.0), (2.0);
CREATE TABLE num_cascade (id int PRIMARY KEY, n numeric REFERENCES num ON UPDATE CASCADE);
INSERT INTO num_cascade VALUES (1, 1.0), (2, 2.0);
SELECT depth, table_name, action, row_count FROM fk_update_preview('num', '{"n": 1.0}'::jsonb, '{"n": "1.00"}') ORDER BY 1, 2::text;
SELECT cascade_oracle.oracle('num', '{"n": 1.0}', '{"n": "1.00"}');
SELECT cascade_oracle.oracle('num', '{"n": 1.0}', '{"n": "1.0"}');
CREATE TABLE num_restrict (n numeric REFERENCES num ON UPDATE RESTRICT);
INSERT INTO num_restrict VALUES (2.0);
SELECT cascade_oracle.oracle('num', '{"n": 2.0}', '{"n": "2.00"}');
SELECT cascade_oracle.oracle('num', '{"n": 2.0}', '{"n": "2.0"}');
DROP TABLE num_restrict;
CREATE TABLE num_noaction (n numeric REFERENCES num);
INSERT INTO num_noaction VALUES (2.0);
SELECT cascade_oracle.oracle('num', '{"n": 2.0}', '{"n": "2.00"}');
SELECT cascade_oracle.oracle('num', '{"n": 2.0}', '{"n": "3"}');
SELECT action, row_count FROM fk_update_preview('num', '{"n": 2.0}'::jsonb, '{"n": "2.00"}') ORDER BY 1;

-- 2. Case only, under a case-insensitive collation.
CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE word (w text COLLATE ci PRIMARY KEY);
INSERT INTO word VALUES ('apple'), ('pear');
CREATE TABLE word_c (w text COLLATE ci REFERENCES word ON UPDATE CASCADE);
CREATE TABLE word_r (w text COLLATE ci REFERENCES word ON UPDATE RESTRICT);
CREATE TABLE word_n (w text COLLATE ci REFERENCES word);
INSERT INTO word_c VALUES ('apple'), ('APPLE');
INSERT INTO word_n VALUES ('pear');
SELECT cascade_oracle.oracle('word', '{"w": "apple"}', '{"w": "Apple"}');
SELECT cascade_oracle.oracle('word', '{"w": "pear"}', '{"w": "PEAR"}');
INSERT INTO word_r VALUES ('PeAr');
SELECT cascade_oracle.oracle('word', '{"w": "pear"}', '{"w": "PEAR"}');
SELECT cascade_oracle.oracle('word', '{"w": "pear"}', '{"w": "pear"}');

-- 3. A key set to the value it has: nothing fires, RESTRICT or not.
CREATE TABLE p (id int PRIMARY KEY, code text UNIQUE);
INSERT INTO p VALUES (1, 'a'), (2, 'b');
CREATE TABLE c_restrict (id int PRIMARY KEY, pid int REFERENCES p ON UPDATE RESTRICT ON DELETE RESTRICT);
INSERT INTO c_restrict VALUES (1, 1);
SELECT cascade_oracle.oracle('p', '{"id": 1}', '{"id": 1}');
SELECT cascade_oracle.oracle('p', '{"id": 1}', '{"id": 3}');
SELECT cascade_oracle.oracle('p', '{"id": 1}', '{"code": "z"}');

-- 4. A referencing row's own key: an orphan left by NOT VALID is not
-- checked when the update leaves its key as it is, but a new key is, and
-- so is an unchanged one in a row this transaction wrote.
CREATE TABLE orphan (id int PRIMARY KEY, pid int, note text);
INSERT INTO orphan VALUES (1, 99, 'old'), (2, 1, 'ok');
ALTER TABLE orphan ADD FOREIGN KEY (pid) REFERENCES p NOT VALID;
SELECT cascade_oracle.oracle('orphan', '{"id": 1}', '{"pid": 99}');
SELECT cascade_oracle.oracle('orphan', '{"id": 1}', '{"note": "new"}');
SELECT cascade_oracle.oracle('orphan', '{"id": 1}', '{"pid": 98}');
SELECT cascade_oracle.oracle('orphan', '{"id": 2}', '{"pid": 2}');
BEGIN;
SET LOCAL session_replication_role = replica;
INSERT INTO orphan VALUES (3, 97, 'this transaction''s');
SET LOCAL session_replication_role = origin;
SELECT cascade_oracle.oracle('orphan', '{"id": 3}', '{"pid": 97}');
SELECT action, row_count, detail FROM fk_update_preview('orphan', '{"id": 3}'::jsonb, '{"pid": 97}') ORDER BY 1;
ROLLBACK;

-- 5. MATCH FULL: a new key mixing NULL and non-NULL values fails.
CREATE TABLE pair (a int, b int, PRIMARY KEY (a, b));
INSERT INTO pair VALUES (1, 1);
CREATE TABLE pair_ref (id int PRIMARY KEY, a int, b int, FOREIGN KEY (a, b) REFERENCES pair MATCH FULL);
INSERT INTO pair_ref VALUES (1, 1, 1), (2, NULL, NULL);
SELECT cascade_oracle.oracle('pair_ref', '{"id": 1}', '{"b": null}');
SELECT cascade_oracle.oracle('pair_ref', '{"id": 1}', '{"a": null, "b": null}');
SELECT cascade_oracle.oracle('pair_ref', '{"id": 2}', '{"a": 1}');
SELECT cascade_oracle.oracle('pair_ref', '{"id": 2}', '{"a": 1, "b": 1}');
SELECT action, detail FROM fk_update_preview('pair_ref', '{"id": 1}'::jsonb, '{"b": null}') ORDER BY 1;

-- 6. ON UPDATE SET DEFAULT whose default is the key being updated away
-- fails (the server rechecks the old key); the DELETE form too; with a
-- composite key, a partitioned referencing table and sub-partitions.
CREATE TABLE sd (a int PRIMARY KEY);
CREATE TABLE sd_ref (id int PRIMARY KEY, a int DEFAULT 0 REFERENCES sd ON UPDATE SET DEFAULT ON DELETE SET DEFAULT);
INSERT INTO sd VALUES (0), (1);
INSERT INTO sd_ref VALUES (1, 0), (2, 1);
SELECT depth, table_name, action, row_count FROM fk_update_preview('sd', 0, '{"a": 5}') ORDER BY 1, 2::text, 3;
SELECT cascade_oracle.oracle('sd', '{"a": 0}', '{"a": 5}');
SELECT cascade_oracle.oracle('sd', '{"a": 1}', '{"a": 5}');
SELECT cascade_oracle.oracle('sd', '{"a": 0}');
SELECT cascade_oracle.oracle('sd', '{"a": 1}');
CREATE TABLE sd2 (a int, b int, PRIMARY KEY (a, b));
INSERT INTO sd2 VALUES (0, 0), (1, 1);
CREATE TABLE sd2_ref (id int, a int DEFAULT 0, b int DEFAULT 0, lvl int,
                      FOREIGN KEY (a, b) REFERENCES sd2 ON UPDATE SET DEFAULT ON DELETE SET DEFAULT)
  PARTITION BY LIST (lvl);
CREATE TABLE sd2_ref_1 PARTITION OF sd2_ref FOR VALUES IN (1);
CREATE TABLE sd2_ref_2 PARTITION OF sd2_ref FOR VALUES IN (2, 3) PARTITION BY LIST (lvl);
CREATE TABLE sd2_ref_2a PARTITION OF sd2_ref_2 FOR VALUES IN (2);
CREATE TABLE sd2_ref_2b PARTITION OF sd2_ref_2 FOR VALUES IN (3);
INSERT INTO sd2_ref VALUES (1, 0, 0, 1), (2, 1, 1, 2), (3, 1, 1, 3), (4, 0, 0, 3);
SELECT cascade_oracle.oracle('sd2', '{"a": 0, "b": 0}', '{"a": 7}');
SELECT cascade_oracle.oracle('sd2', '{"a": 1, "b": 1}', '{"b": 7}');
SELECT cascade_oracle.oracle('sd2', '{"a": 1, "b": 1}');
SELECT cascade_oracle.oracle('sd2', '{"a": 0, "b": 0}');

-- 7. A self reference updated to point at the row's own new key.
CREATE TABLE node (id int PRIMARY KEY, parent int REFERENCES node ON UPDATE RESTRICT);
INSERT INTO node VALUES (1, NULL), (2, 1);
SELECT cascade_oracle.oracle('node', '{"id": 2}', '{"id": 5, "parent": 5}');
SELECT cascade_oracle.oracle('node', '{"id": 2}', '{"id": 5, "parent": 6}');

-- 8. A unique index under "C" on a case-insensitive column (ADD FOREIGN
-- KEY accepts it): a referencing 'a' matches both 'a' and 'A', and is
-- deleted once when both go.  On every path.
CREATE TABLE cword (w text COLLATE ci);
CREATE UNIQUE INDEX ON cword (w COLLATE "C");
INSERT INTO cword VALUES ('a'), ('A'), ('b');
CREATE TABLE cword_ref (id int PRIMARY KEY, w text COLLATE ci REFERENCES cword (w) ON DELETE CASCADE);
CREATE INDEX ON cword_ref (w);
INSERT INTO cword_ref VALUES (1, 'a'), (2, 'A'), (3, 'b');
-- (the oracle picks rows by jsonb containment, which is byte equality, so
-- it is given both spellings; the preview's key compares under ci)
SELECT cascade_oracle.oracle('cword', '[{"w": "a"}, {"w": "A"}]', compare_paths => true);
SELECT cascade_oracle.oracle('cword', '{"w": "b"}', compare_paths => true);
SELECT depth, table_name, action, row_count FROM fk_cascade_preview('cword', '{"w": "a"}'::jsonb) ORDER BY 1;
BEGIN;
DELETE FROM cword WHERE w = 'a';
SELECT count(*) AS referencing_rows_left FROM cword_ref;
ROLLBACK;

-- 9. Partitioned referencing tables, counted per leaf partition on the
-- tree path: hash and list partitions, a sub-partitioned one with a
-- default partition, a partition whose columns are in another order (and
-- a dropped column), CASCADE, RESTRICT and NO ACTION, indexed or not, and
-- one whose rows are referenced further (the row path).  fk_cascade_rows
-- too, read by a role that may read the partitioned tables only.
CREATE TABLE pt (id int PRIMARY KEY);
INSERT INTO pt SELECT generate_series(1, 20);
CREATE TABLE pt_hash (id int, up int REFERENCES pt ON DELETE CASCADE, PRIMARY KEY (id)) PARTITION BY HASH (id);
CREATE TABLE pt_hash_0 PARTITION OF pt_hash FOR VALUES WITH (MODULUS 3, REMAINDER 0);
CREATE TABLE pt_hash_1 PARTITION OF pt_hash FOR VALUES WITH (MODULUS 3, REMAINDER 1);
CREATE TABLE pt_hash_2 (junk text, up int, id int NOT NULL);
ALTER TABLE pt_hash_2 DROP COLUMN junk;
ALTER TABLE pt_hash ATTACH PARTITION pt_hash_2 FOR VALUES WITH (MODULUS 3, REMAINDER 2);
CREATE INDEX ON pt_hash (up);
INSERT INTO pt_hash SELECT g, 1 + g % 20 FROM generate_series(1, 400) g;
CREATE TABLE pt_list (id int, kind text, up int REFERENCES pt ON DELETE RESTRICT) PARTITION BY LIST (kind);
CREATE TABLE pt_list_a PARTITION OF pt_list FOR VALUES IN ('a');
CREATE TABLE pt_list_bc PARTITION OF pt_list FOR VALUES IN ('b', 'c') PARTITION BY LIST (kind);
CREATE TABLE pt_list_b PARTITION OF pt_list_bc FOR VALUES IN ('b');
CREATE TABLE pt_list_rest PARTITION OF pt_list_bc DEFAULT;
INSERT INTO pt_list SELECT g, (ARRAY['a', 'b', 'c'])[1 + g % 3], 1 + g % 10 FROM generate_series(1, 60) g;
CREATE TABLE pt_noact (id int, up int REFERENCES pt) PARTITION BY RANGE (id);
CREATE TABLE pt_noact_1 PARTITION OF pt_noact FOR VALUES FROM (0) TO (100);
CREATE TABLE pt_noact_2 PARTITION OF pt_noact FOR VALUES FROM (100) TO (MAXVALUE);
INSERT INTO pt_noact SELECT g, 15 + g % 3 FROM generate_series(1, 200) g;
SELECT k, cascade_oracle.oracle('pt', jsonb_build_object('id', k), compare_paths => true)
  FROM unnest(ARRAY[3, 9, 12, 15, 20]) k;
SELECT cascade_oracle.oracle('pt', '[{"id": 11}, {"id": 12}, {"id": 13}]', compare_paths => true);
SELECT depth, table_name, action, row_count, via_constraint, referenced_table
  FROM fk_cascade_preview('pt', 12) ORDER BY 1, table_name::text, 3;
SELECT depth, table_name, action, row_count FROM fk_cascade_preview('pt', 5) ORDER BY 1, table_name::text, 3;
CREATE ROLE fk_exact_reader;
GRANT USAGE ON SCHEMA cx TO fk_exact_reader;
GRANT SELECT ON pt, pt_hash, pt_list, pt_noact TO fk_exact_reader;
GRANT USAGE ON SCHEMA cascade_oracle TO fk_exact_reader;
SET ROLE fk_exact_reader;
SELECT cascade_oracle.preview_text('pt', '{"id": 12}', true) = cascade_oracle.preview_text('pt', '{"id": 12}', false) AS same_rows;
SELECT table_name, count(*) FROM fk_cascade_rows('pt', 12) GROUP BY 1 ORDER BY table_name::text;
RESET ROLE;
DROP OWNED BY fk_exact_reader;
DROP ROLE fk_exact_reader;
-- names that need quoting everywhere, on both forms (probes, and the
-- planner's join for a statement taking most of the table)
CREATE TABLE "P ""q"" t" ("Id" int PRIMARY KEY);
INSERT INTO "P ""q"" t" SELECT generate_series(1, 4);
CREATE TABLE "Part ""x"" y" ("select" int, "Up Key" int REFERENCES "P ""q"" t" ON DELETE CASCADE)
  PARTITION BY LIST ("select");
CREATE TABLE "Part ""x"" y 1" PARTITION OF "Part ""x"" y" FOR VALUES IN (1);
CREATE TABLE "Part ""x"" y rest" PARTITION OF "Part ""x"" y" DEFAULT;
CREATE INDEX ON "Part ""x"" y" ("Up Key");
INSERT INTO "Part ""x"" y" SELECT g % 3, 1 + g % 4 FROM generate_series(1, 40) g;
SELECT cascade_oracle.oracle('"P ""q"" t"', '{"Id": 2}', compare_paths => true);
SELECT cascade_oracle.oracle('"P ""q"" t"', '[{"Id": 1}, {"Id": 2}, {"Id": 3}]', compare_paths => true);
SELECT depth, table_name, action, row_count FROM fk_cascade_preview('"P ""q"" t"', 2) ORDER BY 1, table_name::text;
-- rows of a partition referenced further: the row path, the same answer
CREATE TABLE pt_more (id int PRIMARY KEY, h int, FOREIGN KEY (h) REFERENCES pt_hash_1 (id) ON DELETE CASCADE);
INSERT INTO pt_more SELECT id, id FROM pt_hash_1 WHERE up = 12;
SELECT cascade_oracle.oracle('pt', '{"id": 12}', compare_paths => true);
SELECT depth, table_name, action, row_count FROM fk_cascade_preview('pt', 12) ORDER BY 1, table_name::text, 3;

SET client_min_messages = warning;
DROP SCHEMA cx CASCADE;
DROP SCHEMA cascade_oracle CASCADE;
RESET client_min_messages;
