-- Snapshots: check results kept as history, the rolling check within a
-- budget, and the views a dashboard polls.
--
-- The oracle for the counts is fk_check (itself checked against the
-- server's own RI verdicts in the orphans tests): a snapshot must keep
-- exactly what fk_check returns.  Timestamps vary, so they are compared,
-- never printed.

CREATE SCHEMA snap;
SET search_path = snap, public;
-- the extension's tables hold nothing of other tests
TRUNCATE fk_snapshot_results, fk_snapshot_state, fk_snapshot_runs;

CREATE TABLE customers (id int PRIMARY KEY, name text);
CREATE TABLE "Order Lines" (id int PRIMARY KEY, customer_id int
    CONSTRAINT "lines → customers" REFERENCES customers,
    "select" int);
CREATE TABLE notes (id int PRIMARY KEY, line_id int
    CONSTRAINT notes_line_fk REFERENCES "Order Lines");
CREATE TABLE events (id int, customer_id int CONSTRAINT events_customer_fk
    REFERENCES customers, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 20) g;
INSERT INTO "Order Lines" SELECT g, g % 20 + 1 FROM generate_series(1, 50) g;
INSERT INTO notes VALUES (1, 1), (2, 2);
INSERT INTO events VALUES (1, 1, '2024-03-01'), (2, 2, '2025-03-01');
-- orphans loaded with the triggers off
ALTER TABLE "Order Lines" DISABLE TRIGGER ALL;
INSERT INTO "Order Lines" VALUES (51, 99), (52, 99), (53, 98);
ALTER TABLE "Order Lines" ENABLE TRIGGER ALL;
ALTER TABLE events_2025 DISABLE TRIGGER ALL;
INSERT INTO events VALUES (3, 77, '2025-04-01');
ALTER TABLE events_2025 ENABLE TRIGGER ALL;
-- a temporary table's key has no history
CREATE TEMP TABLE scratch_parent (id int PRIMARY KEY);
CREATE TEMP TABLE scratch (id int REFERENCES scratch_parent);
ANALYZE customers, "Order Lines", notes, events, events_2024, events_2025;

-- Nothing checked yet: every key is listed, never checked.
SELECT table_name, constraint_name, status, orphan_rows, checked_at IS NULL AS never
  FROM fk_check_latest WHERE table_name::text NOT LIKE 'pg_temp%'
 ORDER BY 1, 2;
SELECT keys, checked_keys, never_checked, covered_within FROM fk_check_coverage;

-- A full snapshot keeps exactly what fk_check returns, for every key
-- except the temporary table's.
CREATE TEMP TABLE first_run AS SELECT * FROM fk_check_snapshot();
SELECT table_name, constraint_name, orphan_rows, missing_keys, sample_keys, status
  FROM first_run ORDER BY 1, 2;
SELECT count(*) AS differences FROM (
  (SELECT table_name, constraint_name, orphan_rows, missing_keys, sample_keys, status
     FROM fk_check() WHERE table_name <> 'scratch'::regclass
   EXCEPT SELECT table_name, constraint_name, orphan_rows, missing_keys, sample_keys, status FROM first_run)
  UNION ALL
  (SELECT table_name, constraint_name, orphan_rows, missing_keys, sample_keys, status FROM first_run
   EXCEPT SELECT table_name, constraint_name, orphan_rows, missing_keys, sample_keys, status
     FROM fk_check_latest)) d;
SELECT count(*) AS history_rows,
       count(*) FILTER (WHERE h.checked_at = f.checked_at AND h.orphan_rows = f.orphan_rows) AS matching
  FROM fk_check_history h JOIN first_run f USING (table_name, constraint_name);
SELECT keys, checked_keys, never_checked, keys_with_orphans, failing_keys,
       covered_within IS NOT NULL AS covered, covered_within = max_result_age AS oldest_is_bound
  FROM fk_check_coverage;
SELECT command, state, keys_planned, keys_checked, keys_failed, keys_skipped,
       stop_reason, finished_at >= started_at AS ordered, time_budget, row_budget
  FROM fk_check_runs;

-- Trend: the orphans of "Order Lines" are fixed, then come back.
DELETE FROM "Order Lines" WHERE id IN (52, 53);
SELECT orphan_rows, status FROM fk_check_snapshot('"Order Lines"');
SELECT orphan_rows, missing_keys, orphan_rows_change, missing_keys_change,
       previous_checked_at < checked_at AS previous_before,
       orphans_since = previous_checked_at AS orphans_since_first_check
  FROM fk_check_latest WHERE constraint_name = 'lines → customers';
DELETE FROM "Order Lines" WHERE id = 51;
SELECT orphan_rows, status FROM fk_check_snapshot('"Order Lines"');
SELECT orphan_rows, orphan_rows_change, orphans_since IS NULL AS no_orphans_since
  FROM fk_check_latest WHERE constraint_name = 'lines → customers';
ALTER TABLE "Order Lines" DISABLE TRIGGER ALL;
INSERT INTO "Order Lines" VALUES (60, 97);
ALTER TABLE "Order Lines" ENABLE TRIGGER ALL;
SELECT orphan_rows FROM fk_check_snapshot('"Order Lines"');
SELECT orphan_rows FROM fk_check_snapshot('"Order Lines"');
SELECT l.orphan_rows, l.orphan_rows_change,
       l.orphans_since = (SELECT min(checked_at) FROM fk_check_history h
                           WHERE h.constraint_name = 'lines → customers'
                             AND h.checked_at > (SELECT max(checked_at) FROM fk_check_history
                                                  WHERE constraint_name = 'lines → customers'
                                                    AND orphan_rows = 0)) AS since_first_of_streak
  FROM fk_check_latest l WHERE constraint_name = 'lines → customers';
SELECT status, orphan_rows FROM fk_check_history
 WHERE constraint_name = 'lines → customers' ORDER BY checked_at;

-- Budgets.  With a row budget below any key's tables, each run checks
-- exactly one key (every run checks at least one), the stalest: a key
-- never checked, else the one whose last attempt is oldest (ties by
-- schema, table, constraint name).  Repeated runs cover every key.
CREATE TABLE snap.new_parent (id int PRIMARY KEY);
CREATE TABLE snap.new_child (id int REFERENCES snap.new_parent);
ANALYZE snap.new_parent, snap.new_child;
CREATE TEMP TABLE budget_log (run int, expected text, got text);
DO $$
DECLARE
  expected text;
  got text;
BEGIN
  FOR i IN 1..8 LOOP
    SELECT constraint_name INTO expected FROM fk_check_latest
     WHERE table_name::text NOT LIKE 'pg_temp%'
     ORDER BY last_attempt_at NULLS FIRST,
              (SELECT nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid
                WHERE c.oid = table_name) COLLATE "C",
              (SELECT relname FROM pg_class WHERE oid = table_name) COLLATE "C",
              constraint_name COLLATE "C"
     LIMIT 1;
    SELECT string_agg(constraint_name, ',') INTO got
      FROM fk_check_snapshot(row_budget => 1) WHERE status NOT LIKE 'skipped%';
    INSERT INTO budget_log VALUES (i, expected, got);
  END LOOP;
END $$;
SELECT run, got, expected = got AS stalest FROM budget_log ORDER BY run;
SELECT stop_reason, count(*) FROM fk_check_runs WHERE row_budget = 1 GROUP BY 1;
-- a budget big enough for all keys stops only when they are done
SELECT count(*) FROM fk_check_snapshot(row_budget => 1000000);
SELECT stop_reason, keys_checked = keys_planned AS all_keys
  FROM fk_check_runs ORDER BY run_id DESC LIMIT 1;
-- a time budget already spent after the first key: one key per run
SELECT count(*) FROM fk_check_snapshot(time_budget => '1 microsecond');
SELECT stop_reason, keys_checked, time_budget FROM fk_check_runs ORDER BY run_id DESC LIMIT 1;
SELECT never_checked, covered_within IS NOT NULL AS covered FROM fk_check_coverage;

-- Wrong budgets, read-only transactions, transaction blocks.
SELECT * FROM fk_check_snapshot(time_budget => '0');
SELECT * FROM fk_check_snapshot(row_budget => 0);
SELECT * FROM fk_check_snapshot('pg_class');
BEGIN READ ONLY;
SELECT * FROM fk_check_snapshot();
ROLLBACK;
BEGIN;
CALL fk_check_snapshot_rolling();
ROLLBACK;
-- the procedure at top level commits as it goes
CALL fk_check_snapshot_rolling(row_budget => 1);
SELECT command, state, keys_checked, stop_reason FROM fk_check_runs ORDER BY run_id DESC LIMIT 1;
CALL fk_check_snapshot_rolling(target => 'snap.notes');
SELECT command, state, target, keys_planned, keys_checked, stop_reason
  FROM fk_check_runs ORDER BY run_id DESC LIMIT 1;

-- Privileges.  The tables grant nothing; the views show each role the
-- counts of keys it could check itself (counts also to
-- pg_read_all_stats), sample keys only to the former.
CREATE ROLE snap_reader;
CREATE ROLE snap_stats IN ROLE pg_read_all_stats;
CREATE ROLE snap_checker;
GRANT USAGE ON SCHEMA snap TO snap_reader, snap_stats, snap_checker;
GRANT SELECT ON customers, notes TO snap_checker;
GRANT SELECT (id, customer_id) ON "Order Lines" TO snap_checker;
GRANT SELECT ON customers TO snap_reader;
SET ROLE snap_reader;
SELECT * FROM fk_snapshot_results;
INSERT INTO fk_snapshot_state (schema_name, relname, constraint_name) VALUES ('a', 'b', 'c');
DELETE FROM fk_snapshot_results;
SELECT table_name, constraint_name, status, orphan_rows, sample_keys,
       checked_at IS NOT NULL AS checked
  FROM fk_check_latest WHERE table_name::text NOT LIKE 'pg_temp%' ORDER BY 1, 2;
SELECT DISTINCT status, orphan_rows, sample_keys FROM fk_check_history ORDER BY 1;
SELECT keys, checked_keys, keys_with_orphans FROM fk_check_coverage;
RESET ROLE;
SET ROLE snap_stats;
SELECT table_name, constraint_name, status, orphan_rows, sample_keys
  FROM fk_check_latest WHERE table_name::text NOT LIKE 'pg_temp%' ORDER BY 1, 2;
RESET ROLE;
-- a role checks what it may read; the rest is skipped and leaves nothing
SET ROLE snap_checker;
SELECT table_name, constraint_name, status
  FROM fk_check_snapshot() ORDER BY 1, 2;
SELECT table_name, constraint_name, status, orphan_rows, sample_keys
  FROM fk_check_latest WHERE table_name::text NOT LIKE 'pg_temp%' ORDER BY 1, 2;
SELECT started_by, keys_checked, keys_skipped FROM fk_check_runs ORDER BY run_id DESC LIMIT 1;
RESET ROLE;
SELECT checked_by, count(*) FROM fk_snapshot_results GROUP BY 1 ORDER BY 1;
-- row-level security on the referencing table would hide orphans: skipped
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY notes_few ON notes USING (id = 1);
SET ROLE snap_checker;
SELECT table_name, constraint_name, status FROM fk_check_snapshot('snap.notes');
RESET ROLE;
ALTER TABLE notes DISABLE ROW LEVEL SECURITY;

-- pg_dump keeps the history: the tables are the extension's config tables.
SELECT c.relname
  FROM pg_extension e, unnest(e.extconfig) AS t(oid) JOIN pg_class c ON c.oid = t.oid
 WHERE e.extname = 'fk_tools' ORDER BY 1;

-- Retention: results older than fk_tools.history_retention go at the next
-- run; each key's latest state stays, and so do the state rows of keys
-- that still exist.
SELECT count(*) > 0 AS some_results FROM fk_snapshot_results;
UPDATE fk_snapshot_results SET checked_at = checked_at - interval '400 days';
UPDATE fk_snapshot_runs SET started_at = started_at - interval '400 days';
UPDATE fk_snapshot_state SET attempted_at = attempted_at - interval '400 days';
INSERT INTO fk_snapshot_state (schema_name, relname, constraint_name, referenced_schema,
    referenced_relname, constraint_oid, run_id, attempted_at)
VALUES ('snap', 'gone', 'gone_fk', 'snap', 'customers', 0, 0, now() - interval '400 days');
SHOW fk_tools.history_retention;
SELECT count(*) FROM fk_check_snapshot(target => 'snap.notes');
SELECT count(*) AS results_left FROM fk_snapshot_results;
SELECT count(*) AS runs_left FROM fk_snapshot_runs;
SELECT count(*) FILTER (WHERE relname = 'gone') AS gone_state,
       count(*) AS state_rows FROM fk_snapshot_state;
SET fk_tools.history_retention = 0;
SET ROLE snap_reader;
SET fk_tools.history_retention = '1d';
RESET ROLE;

-- No check runs now, so no progress.
SELECT count(*) FROM fk_check_progress;

DROP SCHEMA snap CASCADE;
DROP ROLE snap_reader, snap_stats, snap_checker;
TRUNCATE fk_snapshot_results, fk_snapshot_state, fk_snapshot_runs;
