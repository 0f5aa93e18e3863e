-- Cascades far deeper than any fixed limit, and memory bounded by
-- work_mem however many groups a result has.
CREATE SCHEMA adeep;
SET search_path = adeep, public;

-- A self-referencing chain of 100,001 rows: deleting its head deletes all
-- of it, one row per round, as the real DELETE does.
CREATE TABLE chain (id int PRIMARY KEY, up int REFERENCES chain ON DELETE CASCADE);
CREATE INDEX ON chain (up);
INSERT INTO chain SELECT g, nullif(g - 1, 0) FROM generate_series(1, 100001) g;
ANALYZE chain;
SELECT count(*) AS groups, sum(row_count) AS rows, max(depth) AS deepest
  FROM fk_cascade_preview('chain', 1);
BEGIN;
DELETE FROM chain WHERE id = 1;
SELECT count(*) AS rows_left FROM chain;
ROLLBACK;

-- fk_cascade_rows on a 2,000-level chain, one output group per level:
-- the row sets of the groups grow as needed, not by a work_mem-sized block
-- each (that needed 8.4 GB at work_mem = 64MB).
SET work_mem = '64MB';
SELECT count(*) AS rows, count(DISTINCT depth) AS levels, max(depth) AS deepest
  FROM fk_cascade_rows('chain', 98002);
RESET work_mem;

SET client_min_messages = warning;
DROP SCHEMA adeep CASCADE;
RESET client_min_messages;
