-- fk_cascade_preview / fk_update_preview / fk_cascade_rows, checked
-- against PostgreSQL itself: cascade_oracle.oracle() runs the real statement in a
-- subtransaction, counts per table the rows it deleted and updated (row
-- versions gone and new, by ctid), checks deferred constraints as commit
-- would (SET CONSTRAINTS ALL IMMEDIATE), rolls back, and compares with the
-- preview's totals and with whether the preview reports BLOCKED rows.
CREATE SCHEMA ct;
SET search_path = ct, public;

\set ECHO none
\i test/cascade_oracle.sql
\set ECHO all

-- The preview, without the detail column (shown where it matters)
CREATE FUNCTION ct.show(target regclass, key jsonb)
RETURNS TABLE(depth int, table_name regclass, action text, row_count bigint,
              via_constraint name, referenced_table regclass)
LANGUAGE sql AS $$
  SELECT depth, table_name, action, row_count, via_constraint, referenced_table
    FROM fk_cascade_preview(target, key)
$$;

-- 1. A multi-level CASCADE chain, with SET NULL on the side
CREATE TABLE customers(id int PRIMARY KEY, name text);
CREATE TABLE orders(id int PRIMARY KEY, customer_id int REFERENCES customers ON DELETE CASCADE);
CREATE TABLE order_items(id int PRIMARY KEY, order_id int REFERENCES orders ON DELETE CASCADE);
CREATE TABLE notes(id int PRIMARY KEY, order_id int REFERENCES orders ON DELETE SET NULL);
INSERT INTO customers VALUES (1, 'a'), (2, 'b');
INSERT INTO orders SELECT g, 1 + g % 2 FROM generate_series(1, 10) g;
INSERT INTO order_items SELECT g, 1 + g % 10 FROM generate_series(1, 50) g;
INSERT INTO notes SELECT g, CASE WHEN g % 3 = 0 THEN NULL ELSE 1 + g % 10 END FROM generate_series(1, 30) g;
SELECT * FROM ct.show('customers', '{"id": 1}');
SELECT cascade_oracle.oracle('customers', '{"id": 1}');
-- key forms: scalar, text read with the key column's input function, array
SELECT sum(row_count) FROM fk_cascade_preview('customers', 1);
SELECT sum(row_count) FROM fk_cascade_preview('customers', '1'::text);
SELECT sum(row_count) FROM fk_cascade_preview('customers', ARRAY[1, 2]);
SELECT cascade_oracle.oracle('customers', '{"name": "b"}');
-- a key matching no row, a NULL key: no rows
SELECT count(*) FROM fk_cascade_preview('customers', 99);
SELECT count(*) FROM fk_cascade_preview('customers', NULL::int);
-- the rows behind the preview
SELECT depth, table_name, action, via_constraint, affected_row
  FROM fk_cascade_rows('orders', 2)
 ORDER BY depth, table_name::text, action, affected_row->>'id';

-- 2. SET NULL with a column list (PG 15) on a composite key, and SET NULL
-- into a NOT NULL column
CREATE TABLE tenants(tid int PRIMARY KEY);
CREATE TABLE users(tid int REFERENCES tenants, uid int, PRIMARY KEY (tid, uid));
CREATE TABLE posts(id int PRIMARY KEY, tid int NOT NULL, author int,
                   FOREIGN KEY (tid, author) REFERENCES users ON DELETE SET NULL (author));
CREATE TABLE badges(id int PRIMARY KEY, tid int, uid int NOT NULL,
                    FOREIGN KEY (tid, uid) REFERENCES users ON DELETE SET NULL);
INSERT INTO tenants VALUES (1), (2);
INSERT INTO users VALUES (1, 1), (1, 2), (2, 1);
INSERT INTO posts VALUES (1, 1, 1), (2, 1, 1), (3, 1, 2), (4, 2, 1), (5, 1, NULL);
SELECT * FROM ct.show('users', '{"tid": 1, "uid": 1}');
SELECT cascade_oracle.oracle('users', '{"tid": 1, "uid": 1}');
INSERT INTO badges VALUES (1, 1, 2);
SELECT action, row_count, detail FROM fk_cascade_preview('users', '{"tid": 1, "uid": 2}'::jsonb) ORDER BY 1;
SELECT cascade_oracle.oracle('users', '{"tid": 1, "uid": 2}');

-- 3. SET DEFAULT: the default must itself have a parent row that survives
CREATE TABLE cats(id int PRIMARY KEY);
CREATE TABLE items(id int PRIMARY KEY, cat int DEFAULT 0 REFERENCES cats ON DELETE SET DEFAULT);
INSERT INTO cats VALUES (0), (1), (2);
INSERT INTO items VALUES (1, 1), (2, 1), (3, 2), (4, 0);
SELECT * FROM ct.show('cats', '{"id": 1}');
SELECT cascade_oracle.oracle('cats', '{"id": 1}');
SELECT action, row_count, detail FROM fk_cascade_preview('cats', 0) ORDER BY 1;
SELECT cascade_oracle.oracle('cats', '{"id": 0}');
ALTER TABLE items ALTER cat SET DEFAULT 7;
SELECT action, row_count, detail FROM fk_cascade_preview('cats', 2) ORDER BY 1;
SELECT cascade_oracle.oracle('cats', '{"id": 2}');

-- 4. RESTRICT and NO ACTION are checked when their trigger fires, after
-- the actions of earlier rounds: a referencing row deleted in an earlier
-- round does not block, one deleted in a later round does; a deferred
-- NO ACTION is checked at commit
CREATE TABLE p(id int PRIMARY KEY);
CREATE TABLE c(id int PRIMARY KEY, pid int REFERENCES p ON DELETE CASCADE);
CREATE TABLE x(id int PRIMARY KEY, pid int REFERENCES p ON DELETE CASCADE);
CREATE TABLE y(id int PRIMARY KEY, xid int REFERENCES x ON DELETE CASCADE);
CREATE TABLE g_early(id int PRIMARY KEY, cid int REFERENCES c ON DELETE RESTRICT,
                     pid int REFERENCES p ON DELETE CASCADE);
CREATE TABLE g_late(id int PRIMARY KEY, cid int REFERENCES c ON DELETE NO ACTION,
                    yid int REFERENCES y ON DELETE CASCADE);
CREATE TABLE g_deferred(id int PRIMARY KEY,
                        cid int REFERENCES c ON DELETE NO ACTION DEFERRABLE INITIALLY DEFERRED,
                        yid int REFERENCES y ON DELETE CASCADE);
INSERT INTO p VALUES (1), (2), (3);
INSERT INTO c VALUES (10, 1), (20, 2), (30, 3);
INSERT INTO x VALUES (10, 1), (20, 2), (30, 3);
INSERT INTO y VALUES (10, 10), (20, 20), (30, 30);
INSERT INTO g_early VALUES (1, 10, 1);
INSERT INTO g_late VALUES (2, 20, 20);
INSERT INTO g_deferred VALUES (3, 30, 30);
SELECT * FROM ct.show('p', '{"id": 1}');
SELECT cascade_oracle.oracle('p', '{"id": 1}');
SELECT depth, table_name, action, row_count, detail FROM fk_cascade_preview('p', 2) WHERE action = 'BLOCKED';
SELECT cascade_oracle.oracle('p', '{"id": 2}');
SELECT depth, table_name, action, row_count, detail FROM fk_cascade_preview('p', 3) WHERE action = 'BLOCKED';
SELECT cascade_oracle.oracle('p', '{"id": 3}');
-- RESTRICT on a row that no other path deletes
CREATE TABLE r(id int PRIMARY KEY, pid int REFERENCES p ON DELETE RESTRICT);
INSERT INTO r VALUES (1, 3);
SELECT depth, table_name, action, row_count, detail FROM fk_cascade_preview('p', 3) WHERE action = 'BLOCKED';
SELECT cascade_oracle.oracle('p', '{"id": 3}');
DROP TABLE r;

-- 5. Self reference: a whole management tree; RESTRICT within one table
CREATE TABLE emp(id int PRIMARY KEY, dept int, boss int REFERENCES emp ON DELETE CASCADE);
INSERT INTO emp VALUES (1, 1, NULL), (2, 1, 1), (3, 1, 1), (4, 2, 2), (5, 2, 4), (6, 2, NULL);
SELECT * FROM ct.show('emp', '{"id": 1}');
SELECT cascade_oracle.oracle('emp', '{"id": 1}');
CREATE TABLE emp2(id int PRIMARY KEY, dept int, boss int REFERENCES emp2 ON DELETE RESTRICT);
INSERT INTO emp2 SELECT * FROM emp;
SELECT cascade_oracle.oracle('emp2', '{"dept": 1}');
SELECT cascade_oracle.oracle('emp2', '{"dept": 2}');
SELECT cascade_oracle.oracle('emp2', '{"id": 5}');

-- 6. A cycle of cascades terminates and counts each row once
CREATE TABLE ring_a(id int PRIMARY KEY, b int);
CREATE TABLE ring_b(id int PRIMARY KEY, a int REFERENCES ring_a ON DELETE CASCADE);
ALTER TABLE ring_a ADD FOREIGN KEY (b) REFERENCES ring_b ON DELETE CASCADE;
INSERT INTO ring_a SELECT g, NULL FROM generate_series(1, 4) g;
INSERT INTO ring_b SELECT g, g FROM generate_series(1, 4) g;
UPDATE ring_a SET b = id % 4 + 1;
SELECT * FROM ct.show('ring_a', '{"id": 1}');
SELECT cascade_oracle.oracle('ring_a', '{"id": 1}');
-- deleted on one path, set to NULL on another: counts as deleted
CREATE TABLE both_paths(id int PRIMARY KEY,
                        a int REFERENCES ring_a ON DELETE SET NULL,
                        b int REFERENCES ring_b ON DELETE CASCADE);
INSERT INTO both_paths VALUES (1, 1, 3), (2, 2, NULL);
SELECT * FROM ct.show('ring_a', '{"id": 1}') WHERE table_name = 'both_paths'::regclass;
SELECT cascade_oracle.oracle('ring_a', '{"id": 1}');

-- 7. MATCH SIMPLE rows with a NULL reference nothing; MATCH FULL
CREATE TABLE pk2(a int, b int, PRIMARY KEY (a, b));
CREATE TABLE simple2(id int PRIMARY KEY, a int, b int,
                     FOREIGN KEY (a, b) REFERENCES pk2 ON DELETE RESTRICT);
CREATE TABLE full2(id int PRIMARY KEY, a int, b int,
                   FOREIGN KEY (a, b) REFERENCES pk2 MATCH FULL ON DELETE CASCADE);
INSERT INTO pk2 VALUES (1, 1), (1, 2);
INSERT INTO simple2 VALUES (1, 1, NULL), (2, NULL, 1), (3, 1, 2);
INSERT INTO full2 VALUES (1, 1, 1), (2, NULL, NULL);
SELECT * FROM ct.show('pk2', '{"a": 1, "b": 1}');
SELECT cascade_oracle.oracle('pk2', '{"a": 1, "b": 1}');
SELECT cascade_oracle.oracle('pk2', '{"a": 1, "b": 2}');

-- 8. Partitioned tables on both sides
CREATE TABLE accounts(region int, id int, PRIMARY KEY (region, id)) PARTITION BY LIST (region);
CREATE TABLE accounts_1 PARTITION OF accounts FOR VALUES IN (1);
CREATE TABLE accounts_2 PARTITION OF accounts FOR VALUES IN (2);
CREATE TABLE events(region int, id int, acct int, PRIMARY KEY (region, id),
                    FOREIGN KEY (region, acct) REFERENCES accounts ON DELETE CASCADE) PARTITION BY LIST (region);
CREATE TABLE events_1 PARTITION OF events FOR VALUES IN (1);
CREATE TABLE events_2 PARTITION OF events FOR VALUES IN (2);
CREATE TABLE event_tags(id int PRIMARY KEY, region int, event int,
                        FOREIGN KEY (region, event) REFERENCES events ON DELETE SET NULL (event));
INSERT INTO accounts VALUES (1, 1), (1, 2), (2, 1);
INSERT INTO events SELECT 1 + g % 2, g, 1 FROM generate_series(1, 8) g;
INSERT INTO event_tags SELECT g, 1 + g % 2, g FROM generate_series(1, 8) g;
SELECT * FROM ct.show('accounts', '{"region": 1, "id": 1}');
SELECT cascade_oracle.oracle('accounts', '{"region": 1, "id": 1}');
SELECT cascade_oracle.oracle('accounts', '{"id": 1}');

-- 9. fk_update_preview: ON UPDATE CASCADE chains, RESTRICT, the target's
-- own foreign keys checked on the new values
CREATE TABLE codes(code text PRIMARY KEY);
CREATE TABLE uses(id int PRIMARY KEY, code text REFERENCES codes ON UPDATE CASCADE);
CREATE TABLE uses_of_uses(id int PRIMARY KEY, code text, uid int,
                          FOREIGN KEY (code) REFERENCES codes ON UPDATE SET NULL);
CREATE TABLE locked(id int PRIMARY KEY, code text REFERENCES codes ON UPDATE RESTRICT);
INSERT INTO codes VALUES ('a'), ('b'), ('c');
INSERT INTO uses VALUES (1, 'a'), (2, 'a'), (3, 'b');
INSERT INTO uses_of_uses VALUES (1, 'a', 1), (2, 'c', 1);
INSERT INTO locked VALUES (1, 'c');
SELECT * FROM fk_update_preview('codes', 'a'::text, '{"code": "z"}') ORDER BY 1, 2::text, 3;
SELECT cascade_oracle.oracle('codes', '{"code": "a"}', '{"code": "z"}');
SELECT cascade_oracle.oracle('codes', '{"code": "c"}', '{"code": "z"}');
SELECT cascade_oracle.oracle('uses', '{"id": 3}', '{"code": "c"}');
SELECT depth, table_name, action, row_count, detail FROM fk_update_preview('uses', 3, '{"code": "nope"}');
SELECT cascade_oracle.oracle('uses', '{"id": 3}', '{"code": "nope"}');

-- 9b. A jsonb array of key objects: the rows any of them selects, each once
-- duplicates, one column and a composite key, on all three functions
SELECT * FROM ct.show('customers', '[{"id": 1}, {"id": 2}, {"id": 1}]');
SELECT cascade_oracle.oracle('customers', '[{"id": 1}, {"id": 2}, {"id": 1}]', NULL, true);
SELECT cascade_oracle.oracle('customers', '[{"name": "b"}, {"name": "nope"}]', NULL, true);
SELECT * FROM ct.show('users', '[{"tid": 1, "uid": 1}, {"uid": 1, "tid": 2}, {"tid": 1, "uid": 1}]');
SELECT cascade_oracle.oracle('users', '[{"tid": 1, "uid": 1}, {"uid": 1, "tid": 2}, {"tid": 1, "uid": 1}]');
SELECT cascade_oracle.oracle('users', '[{"tid": 1, "uid": 1}, {"tid": 1, "uid": 2}]');
SELECT cascade_oracle.oracle('accounts', '[{"region": 1, "id": 1}, {"region": 2, "id": 1}, {"region": 1, "id": 1}]');
SELECT cascade_oracle.oracle('pk2', '[{"a": 1, "b": 1}, {"a": 1, "b": 2}]');
SELECT cascade_oracle.oracle('uses', '[{"id": 1}, {"id": 3}, {"id": 1}]', '{"code": "c"}');
-- the array form selects the same rows as the array of primary key values
SELECT count(*) AS rows,
       count(*) FILTER (WHERE r NOT IN (SELECT r2 FROM fk_cascade_rows('customers', ARRAY[1, 2]) r2)) AS differ
  FROM fk_cascade_rows('customers', '[{"id": 2}, {"id": 1}, {"id": 2}]'::jsonb) r;
-- values read with the column's input function, compared in its collation
CREATE TABLE ckeys(code text COLLATE "C" PRIMARY KEY, n numeric(4,1));
CREATE TABLE cuses(id int PRIMARY KEY, code text REFERENCES ckeys ON DELETE CASCADE);
INSERT INTO ckeys VALUES ('a', 1), ('B', 2), ('c', 3);
INSERT INTO cuses VALUES (1, 'a'), (2, 'B'), (3, 'B'), (4, 'c');
SELECT cascade_oracle.oracle('ckeys', '[{"code": "a"}, {"code": "B"}]');
SELECT * FROM ct.show('ckeys', '[{"n": "1.0"}, {"n": 3}]');
-- an empty array selects nothing
SELECT count(*) FROM fk_cascade_preview('customers', '[]'::jsonb);
SELECT count(*) FROM fk_cascade_rows('customers', '[]'::jsonb);
SELECT count(*) FROM fk_update_preview('uses', '[]'::jsonb, '{"code": "c"}');
SELECT cascade_oracle.oracle('customers', '[]');
-- every element an object naming the same columns
SELECT * FROM fk_cascade_preview('customers', '[{"id": 1}, 2]'::jsonb);
SELECT * FROM fk_cascade_preview('customers', '[[{"id": 1}]]'::jsonb);
SELECT * FROM fk_cascade_preview('customers', '[{"id": 1}, {"name": "a"}]'::jsonb);
SELECT * FROM fk_cascade_rows('users', '[{"tid": 1, "uid": 1}, {"tid": 1}]'::jsonb);
SELECT * FROM fk_update_preview('uses', '[{"id": 1}, {"id": 1, "code": "a"}]'::jsonb, '{"code": "c"}');
SELECT * FROM fk_cascade_preview('customers', '[{}]'::jsonb);
SELECT * FROM fk_cascade_preview('customers', '[{"nope": 1}]'::jsonb);
SELECT * FROM fk_cascade_preview('customers', '[{"id": "x"}]'::jsonb);

-- 10. Bad input
CREATE TABLE nopk(a int);
SELECT * FROM fk_cascade_preview('nopk', 1);
SELECT * FROM fk_cascade_preview('pk2', 1);
SELECT * FROM fk_cascade_preview('customers', '{"nope": 1}'::jsonb);
SELECT * FROM fk_cascade_preview('customers', '{"id": "x"}'::jsonb);
SELECT * FROM fk_cascade_preview('customers', 'x'::text);
SELECT * FROM fk_cascade_preview('customers', '[1]'::jsonb);
SELECT * FROM fk_cascade_preview('customers', '"x"'::jsonb);
SELECT * FROM fk_cascade_preview('ct.customers_pkey', 1);

-- 11. Read-only: works in a READ ONLY transaction, assigns no xid
BEGIN TRANSACTION READ ONLY;
SELECT sum(row_count) FROM fk_cascade_preview('customers', 1);
SELECT pg_current_xact_id_if_assigned() IS NULL AS no_xid;
SELECT count(*) FROM fk_cascade_rows('customers', 1);
SELECT count(*) FROM fk_update_preview('customers', 1, '{"id": 42}');
SELECT pg_current_xact_id_if_assigned() IS NULL AS no_xid;
-- and the only locks it took on relations are AccessShareLock
SELECT DISTINCT mode FROM pg_locks
 WHERE pid = pg_backend_pid() AND locktype = 'relation' AND relation <> 'pg_locks'::regclass;
COMMIT;

-- 12. Caller's rights: a table the cascade reaches but the caller cannot
-- read is an error naming it; row-level security is reported
CREATE ROLE ct_reader;
GRANT USAGE ON SCHEMA ct TO ct_reader;
GRANT SELECT ON customers, orders, notes TO ct_reader;
SET ROLE ct_reader;
SELECT * FROM fk_cascade_preview('customers', 1);
RESET ROLE;
GRANT SELECT ON order_items TO ct_reader;
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY some_notes ON notes USING (id < 10);
SET ROLE ct_reader;
SELECT table_name, action, row_count, detail FROM fk_cascade_preview('customers', 1) ORDER BY 1::text, 2;
RESET ROLE;

-- 13. User triggers and rules run by the real statement but not by the
-- preview are named in detail (a disabled trigger is not)
CREATE FUNCTION keep_row() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;
CREATE TRIGGER keep_items BEFORE DELETE ON order_items FOR EACH ROW EXECUTE FUNCTION keep_row();
CREATE RULE keep_notes AS ON UPDATE TO notes DO INSTEAD NOTHING;
SELECT table_name, action, row_count, detail FROM fk_cascade_preview('customers', 1) ORDER BY 1::text, 2;
ALTER TABLE order_items DISABLE TRIGGER keep_items;
DROP RULE keep_notes ON notes;
SELECT table_name, action, row_count, detail FROM fk_cascade_preview('customers', 1) ORDER BY 1::text, 2;

SET client_min_messages = warning;
DROP SCHEMA ct CASCADE;
DROP SCHEMA cascade_oracle CASCADE;
DROP ROLE ct_reader;
RESET client_min_messages;
