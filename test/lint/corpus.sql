-- corpus.sql: keys with every problem fk_issues reports and every change
-- fk_explain suggests, for test/lint-fixes (which also loads the hostile
-- names of test/picture/hostile.sql).  Schema lint_*.
CREATE SCHEMA lint_plain;
CREATE SCHEMA "lint ""odd"" ; name";
SET search_path = lint_plain;

CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE, a int, b int, UNIQUE (a, b));
INSERT INTO parent VALUES (1, 'x', 1, 1), (2, 'y', 2, 2);

-- unindexed, on a plain table, an inheritance parent, a partitioned one
-- (two levels) and one with a foreign-named column
CREATE TABLE unindexed (id int, pid int REFERENCES parent);
INSERT INTO unindexed VALUES (1, 1);
CREATE TABLE inh (id int, pid int REFERENCES parent ON DELETE SET NULL);
CREATE TABLE inh_kid () INHERITS (inh);
INSERT INTO inh VALUES (1, 1);
CREATE TABLE parts (id int, pid int REFERENCES parent) PARTITION BY RANGE (id);
CREATE TABLE parts_1 PARTITION OF parts FOR VALUES FROM (0) TO (10);
CREATE TABLE parts_2 PARTITION OF parts FOR VALUES FROM (10) TO (20) PARTITION BY LIST (pid);
CREATE TABLE parts_2a PARTITION OF parts_2 DEFAULT;
INSERT INTO parts VALUES (1, 1), (11, 2);

-- NOT VALID, with an orphan; a type mismatch; a duplicate; MATCH FULL
CREATE TABLE notvalid (id int, pid int);
CREATE INDEX ON notvalid (pid);
INSERT INTO notvalid VALUES (1, 1), (2, 99);
ALTER TABLE notvalid ADD CONSTRAINT notvalid_pid_fkey FOREIGN KEY (pid) REFERENCES parent NOT VALID;
CREATE TABLE mismatch (id int, code varchar(3) REFERENCES parent (code));
CREATE INDEX ON mismatch (code);
INSERT INTO mismatch VALUES (1, 'x');
CREATE TABLE dup (id int, pid int REFERENCES parent, CONSTRAINT dup_again FOREIGN KEY (pid) REFERENCES parent);
CREATE INDEX ON dup (pid);
CREATE TABLE matchfull (a int, b int, FOREIGN KEY (a, b) REFERENCES parent (a, b) MATCH FULL DEFERRABLE);
CREATE INDEX ON matchfull (a, b);
INSERT INTO matchfull VALUES (1, 1);

-- disabled RI triggers, on a plain and on a partitioned table
CREATE TABLE disabled (id int, pid int REFERENCES parent);
CREATE INDEX ON disabled (pid);
ALTER TABLE disabled DISABLE TRIGGER ALL;
ALTER TABLE parts DISABLE TRIGGER ALL;

-- an INVALID index left by a failed concurrent build
CREATE TABLE halfbuilt (id int, pid int REFERENCES parent);
INSERT INTO halfbuilt VALUES (1, 1), (2, 1);
\set ON_ERROR_STOP 0
CREATE UNIQUE INDEX CONCURRENTLY halfbuilt_pid_idx ON halfbuilt (pid);
\set ON_ERROR_STOP 1

-- a chain, a diamond and a self reference for the deletes with dependants
CREATE TABLE orders (id int PRIMARY KEY, pid int NOT NULL REFERENCES parent);
CREATE TABLE lines (order_id int REFERENCES orders ON DELETE RESTRICT, pid int REFERENCES parent);
CREATE TABLE tree (id int PRIMARY KEY, up int REFERENCES tree, pid int REFERENCES parent);
INSERT INTO orders VALUES (10, 1);
INSERT INTO lines VALUES (10, 1);
INSERT INTO tree VALUES (1, NULL, 1), (2, 1, 1);

-- an action that can never succeed (SET NULL on a NOT NULL column)
CREATE TABLE impossible (id int, pid int NOT NULL REFERENCES parent ON DELETE SET NULL);

-- a child without the key its inheritance parent declares
CREATE TABLE legacy (id int, pid int REFERENCES parent ON DELETE CASCADE);
CREATE TABLE legacy_kid () INHERITS (legacy);

-- references no key enforces, for fk_suggest's DDL (a plain and a partitioned table)
CREATE TABLE shipments (id int PRIMARY KEY, order_id int);
INSERT INTO shipments VALUES (1, 10);
CREATE TABLE returns (id int, order_id int) PARTITION BY RANGE (id);
CREATE TABLE returns_1 PARTITION OF returns FOR VALUES FROM (0) TO (100);
INSERT INTO returns VALUES (1, 10);
-- declared-only references, for fk_promote's DDL (a plain and a partitioned child)
CREATE TABLE invoices (id int PRIMARY KEY, order_ref int);
INSERT INTO invoices VALUES (1, 10);
SELECT public.fk_declare('invoices_order_ref', 'invoices', '{order_ref}', 'orders', '{id}');
CREATE TABLE refunds (id int, order_ref int) PARTITION BY RANGE (id);
CREATE TABLE refunds_1 PARTITION OF refunds FOR VALUES FROM (0) TO (100);
SELECT public.fk_declare('refunds_order_ref', 'refunds', '{order_ref}', 'orders', '{id}');

-- hostile names in a schema of their own
SET search_path = "lint ""odd"" ; name";
CREATE TABLE "Pa""rent; DROP" ("i d" int PRIMARY KEY);
CREATE TABLE "ch
ild" ("p id" int CONSTRAINT "c""on;st --" REFERENCES "Pa""rent; DROP" ON UPDATE RESTRICT);
INSERT INTO "Pa""rent; DROP" VALUES (1);
INSERT INTO "ch
ild" VALUES (1);
CREATE TABLE "Pa""rent 2" ("i d" int PRIMARY KEY);
INSERT INTO "Pa""rent 2" VALUES (1);
CREATE TABLE "pa rts" ("p id" int REFERENCES "Pa""rent 2") PARTITION BY LIST ("p id");
CREATE TABLE "pa rts $1" PARTITION OF "pa rts" DEFAULT;
INSERT INTO "pa rts" VALUES (1);
RESET search_path;
