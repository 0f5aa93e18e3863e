/* fk_tools--1.1.sql: the current version, installed directly by CREATE EXTENSION */

\echo Use "CREATE EXTENSION fk_tools" to load this file. \quit

-- The extension is trusted, so this script may run as the bootstrap
-- superuser on behalf of a database owner.  It resolves nothing through
-- search_path: objects are named @extschema@.name, function calls are
-- qualified with @extschema@ or pg_catalog, operators are written
-- OPERATOR(pg_catalog.op), and there is no CREATE OR REPLACE and no
-- IF [NOT] EXISTS (t/006_trusted.pl checks; t/005_upgrade.pl checks that
-- the update script and the full script end in the same objects).

-- Every function runs with the caller's rights (no SECURITY DEFINER): the
-- caller's privileges and row-level security apply to everything it reads.

------------------------------------------------------------------------
-- Catalog layer: reads the system catalogs only, never a user table.
------------------------------------------------------------------------

CREATE FUNCTION @extschema@.fk_constraint_rows(
    OUT constraint_oid oid,
    OUT constraint_name name,
    OUT table_name regclass,
    OUT columns name[],
    OUT referenced_table regclass,
    OUT referenced_columns name[],
    OUT match_type text,
    OUT on_update text,
    OUT on_delete text,
    OUT is_deferrable boolean,
    OUT initially_deferred boolean,
    OUT validated boolean,
    OUT enforced boolean,
    OUT indexed boolean,
    OUT definition text,
    OUT declared_only boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'fk_constraint_rows'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.fk_constraint_rows() IS
'rows of the fk_constraints view: one per declared foreign key, then one per declared-only reference';

CREATE VIEW @extschema@.fk_constraints AS
SELECT r.constraint_oid, r.constraint_name, r.table_name, r.columns,
       r.referenced_table, r.referenced_columns, r.match_type,
       r.on_update, r.on_delete, r.is_deferrable, r.initially_deferred,
       r.validated, r.enforced, r.indexed, r.definition, r.declared_only
  FROM @extschema@.fk_constraint_rows() AS r;

COMMENT ON VIEW @extschema@.fk_constraints IS
'one row per declared foreign key (partition clones folded into their parent), with its state: validated, enforced (RI triggers enabled), indexed; declared_only rows are references kept by fk_declare that no constraint enforces (constraint_oid, on_update and on_delete NULL, never validated nor enforced)';

CREATE FUNCTION @extschema@.fk_referencing_tables(
    target regclass,
    recursive boolean DEFAULT false)
RETURNS TABLE(depth int, table_name regclass, constraint_name name,
              columns name[], referenced_table regclass,
              referenced_columns name[], on_delete text, on_update text)
AS 'MODULE_PATHNAME', 'fk_referencing_tables'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.fk_referencing_tables(regclass, boolean) IS
'foreign keys that reference target (the tables whose rows point at it); with recursive, the tables referencing those too, each edge once at its smallest depth';

CREATE FUNCTION @extschema@.fk_referenced_tables(
    target regclass,
    recursive boolean DEFAULT false)
RETURNS TABLE(depth int, table_name regclass, constraint_name name,
              columns name[], referenced_table regclass,
              referenced_columns name[], on_delete text, on_update text)
AS 'MODULE_PATHNAME', 'fk_referenced_tables'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.fk_referenced_tables(regclass, boolean) IS
'foreign keys of target (the tables it points at); with recursive, what those tables reference too, each edge once at its smallest depth';

CREATE FUNCTION @extschema@.fk_load_order(schemas name[] DEFAULT NULL)
RETURNS TABLE(load_position int, table_name regclass, level int,
              cycle_group int, break_constraints name[])
AS 'MODULE_PATHNAME', 'fk_load_order'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.fk_load_order(name[]) IS
'every user table (of schemas, or of all non-system schemas) in an order that loads parents before children; tables on a foreign key cycle share a cycle_group and break_constraints names the keys to defer or add after loading';

-- Views are not readable by PUBLIC by default; what this one shows comes
-- from catalogs every role can read.
GRANT SELECT ON @extschema@.fk_constraints TO PUBLIC;

CREATE FUNCTION @extschema@.fk_issue_rows(
    OUT severity text,
    OUT issue text,
    OUT table_name regclass,
    OUT constraint_name name,
    OUT detail text,
    OUT fix_sql text,
    OUT fix_steps text[],
    OUT fix_outside_transaction boolean,
    OUT fix_step_outside boolean[],
    OUT fix_step_locks text[])
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'fk_issue_rows'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.fk_issue_rows() IS
'rows of the fk_issues and fk_fix_steps views';

CREATE VIEW @extschema@.fk_issues AS
SELECT i.severity, i.issue, i.table_name, i.constraint_name, i.detail, i.fix_sql,
       i.fix_steps, i.fix_outside_transaction
  FROM @extschema@.fk_issue_rows() AS i;

COMMENT ON VIEW @extschema@.fk_issues IS
'problems with declared foreign keys, each with the SQL that fixes it where one exists; severity is fixed by issue: error = not_enforced (an RI trigger of the key or of a partition clone is disabled or replica-only), impossible_action (ON DELETE/UPDATE SET NULL or SET DEFAULT writes a NULL into a NOT NULL key column, so the action always fails), warning = not_validated (added NOT VALID), missing_sibling_key (a partition or inheritance child without a foreign key more than half of its siblings, or its inheritance parent, declare), type_mismatch (a key column''s type differs from the referenced column''s), invalid_index (an index of the key''s columns left INVALID by a failed concurrent build), unindexed (no index leads with the key columns), info = duplicate (same column pairs to the same table as an earlier constraint, by name, which is kept); fix_steps are the statements to run in order, each on its own (psql autocommit, \gexec), after SET lock_timeout, with CONCURRENTLY index builds where fix_outside_transaction (never in a transaction block); fix_sql is the same steps as one text to read; once run, the row disappears; enabling internal RI triggers needs superuser';

GRANT SELECT ON @extschema@.fk_issues TO PUBLIC;

CREATE VIEW @extschema@.fk_fix_steps AS
SELECT i.issue, i.table_name, i.constraint_name, n AS step,
       i.fix_steps[n] AS sql, i.fix_step_outside[n] AS outside_transaction,
       i.fix_step_locks[n] AS locks
  FROM @extschema@.fk_issue_rows() AS i
 CROSS JOIN LATERAL pg_catalog.generate_subscripts(i.fix_steps, 1) AS n;

COMMENT ON VIEW @extschema@.fk_fix_steps IS
'the fixes of fk_issues one statement a row, in order (step): run each on its own, never those with outside_transaction in a transaction block; locks says what the statement locks and for how long (NULL for the session settings SET/RESET); SELECT sql FROM fk_fix_steps WHERE ... ORDER BY table_name::text, constraint_name, issue, step \gexec runs them';

GRANT SELECT ON @extschema@.fk_fix_steps TO PUBLIC;

------------------------------------------------------------------------
-- Orphan engine: which rows break a foreign key, and which parents are
-- missing.  Reads both tables with the caller's rights; read-only.
------------------------------------------------------------------------

CREATE FUNCTION @extschema@.fk_orphans(
    target regclass,
    only_constraint name DEFAULT NULL)
RETURNS TABLE(constraint_name name, table_name regclass, key jsonb,
              orphan_row jsonb)
AS 'MODULE_PATHNAME', 'fk_orphans'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.fk_orphans(regclass, name) IS
'rows of target that break its foreign keys (or only_constraint), exactly as PostgreSQL''s RI check would judge them; table_name is the table or partition holding the row';

CREATE FUNCTION @extschema@.fk_check(target regclass DEFAULT NULL)
RETURNS TABLE(table_name regclass, constraint_name name,
              referenced_table regclass, orphan_rows bigint,
              missing_keys bigint, sample_keys jsonb, status text)
AS 'MODULE_PATHNAME', 'fk_check'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.fk_check(regclass) IS
'one row per foreign key of target (NULL: the whole database): orphan rows, distinct missing referenced keys, a sample of them, and status ok, orphans or skipped: <why>';

CREATE FUNCTION @extschema@.fk_missing_parents(
    target regclass,
    only_constraint name DEFAULT NULL)
RETURNS TABLE(constraint_name name, referenced_table regclass, key jsonb,
              referencing_rows bigint)
AS 'MODULE_PATHNAME', 'fk_missing_parents'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.fk_missing_parents(regclass, name) IS
'the distinct referenced keys that would have to exist for target''s rows to satisfy its foreign keys, with how many rows reference each';

------------------------------------------------------------------------
-- Cascade previews: what a DELETE or key UPDATE would do through the
-- foreign keys, read-only (SELECTs through SPI, AccessShareLock only, no
-- transaction id, nothing created), so they work in READ ONLY
-- transactions and on hot standbys.  STABLE: one snapshot, no writes.
-- PARALLEL RESTRICTED: the cascade may reach the session's temporary
-- tables, which parallel workers cannot read.
------------------------------------------------------------------------

CREATE FUNCTION @extschema@.fk_cascade_preview(
    target regclass, key anyelement)
RETURNS TABLE(depth integer, table_name regclass, action text,
              row_count bigint, via_constraint name,
              referenced_table regclass, detail text)
AS 'MODULE_PATHNAME', 'fk_cascade_preview'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.fk_cascade_preview(regclass, anyelement) IS
'what DELETE FROM target WHERE <key> would delete, set to NULL or default through foreign keys, and what would make it fail (BLOCKED); key: primary key value, array of values, or jsonb {"col": value}';

CREATE FUNCTION @extschema@.fk_update_preview(
    target regclass, key anyelement, new_values jsonb)
RETURNS TABLE(depth integer, table_name regclass, action text,
              row_count bigint, via_constraint name,
              referenced_table regclass, detail text)
AS 'MODULE_PATHNAME', 'fk_update_preview'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.fk_update_preview(regclass, anyelement, jsonb) IS
'what UPDATE target SET <new_values> WHERE <key> would do through ON UPDATE actions and the target''s own foreign keys';

CREATE FUNCTION @extschema@.fk_cascade_preview(
    target regclass, key anyelement, actions jsonb)
RETURNS TABLE(depth integer, table_name regclass, action text,
              row_count bigint, via_constraint name,
              referenced_table regclass, detail text)
AS 'MODULE_PATHNAME', 'fk_cascade_preview'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.fk_cascade_preview(regclass, anyelement, jsonb) IS
'what DELETE FROM target WHERE <key> would do if the foreign keys named in actions had other ON DELETE actions: {"constraint": "cascade", ...}, or [{"table": "t", "constraint": "c", "on_delete": "set null"}, ...]; NULL actions: as they are';

CREATE FUNCTION @extschema@.fk_update_preview(
    target regclass, key anyelement, new_values jsonb, actions jsonb)
RETURNS TABLE(depth integer, table_name regclass, action text,
              row_count bigint, via_constraint name,
              referenced_table regclass, detail text)
AS 'MODULE_PATHNAME', 'fk_update_preview'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.fk_update_preview(regclass, anyelement, jsonb, jsonb) IS
'what UPDATE target SET <new_values> WHERE <key> would do if the foreign keys named in actions had other ON UPDATE actions (as for fk_cascade_preview''s actions)';

CREATE FUNCTION @extschema@.fk_cascade_rows(
    target regclass, key anyelement)
RETURNS TABLE(depth integer, table_name regclass, action text,
              via_constraint name, affected_row jsonb)
AS 'MODULE_PATHNAME', 'fk_cascade_rows'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.fk_cascade_rows(regclass, anyelement) IS
'the individual rows behind fk_cascade_preview, as jsonb';

------------------------------------------------------------------------
-- From error to fix: fk_explain reads only; fk_validate and
-- fk_repair_orphans write (VALIDATE CONSTRAINT, DELETE, UPDATE) in the
-- caller's transaction with the caller's rights.
------------------------------------------------------------------------

CREATE FUNCTION @extschema@.fk_validate(
    target regclass DEFAULT NULL,
    dry_run boolean DEFAULT false)
RETURNS TABLE(table_name regclass, constraint_name name,
              referenced_table regclass, orphan_rows bigint,
              sample_keys jsonb, outcome text)
AS 'MODULE_PATHNAME', 'fk_validate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.fk_validate(regclass, boolean) IS
'validates each NOT VALID foreign key of target (NULL: the whole database) that has no orphans (SHARE UPDATE EXCLUSIVE); one row per key: orphan_rows, a sample of missing keys, outcome validated, can be validated (dry run), orphans, not validated: <error> or skipped: <why>';

CREATE FUNCTION @extschema@.fk_explain(error_text text)
RETURNS TABLE(step int, finding text, suggestion text, sql text)
AS 'MODULE_PATHNAME', 'fk_explain_error'
LANGUAGE C STABLE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.fk_explain(text) IS
'explains a foreign key violation from its error text (ERROR/DETAIL lines as psql shows them, or the message alone): the constraint, the data now, and ready-to-run fixes; unrecognised text gets one row saying what was expected';

CREATE FUNCTION @extschema@.fk_explain(constraint_name name, table_name regclass)
RETURNS TABLE(step int, finding text, suggestion text, sql text)
AS 'MODULE_PATHNAME', 'fk_explain_constraint'
LANGUAGE C STABLE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.fk_explain(name, regclass) IS
'explains one foreign key of table_name without an error: definition, actions, state, rows that break it, and fixes (enable, validate, index)';

CREATE FUNCTION @extschema@.fk_explain(error_text text, statement text)
RETURNS TABLE(step int, finding text, suggestion text, sql text)
AS 'MODULE_PATHNAME', 'fk_explain_error'
LANGUAGE C STABLE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.fk_explain(text, text) IS
'fk_explain(error_text) with the failing statement: for "update or delete on table ... is still referenced", whether it was a key UPDATE or a DELETE and, for an UPDATE with constant new values, what it does and a statement that points the referencing rows at the new key; called with a constraint name and its table as two string literals, explains that constraint';

CREATE FUNCTION @extschema@.fk_explain_steps(error_text text, statement text DEFAULT NULL)
RETURNS TABLE(step int, fix_step int, sql text, outside_transaction boolean, locks text)
AS 'MODULE_PATHNAME', 'fk_explain_error_steps'
LANGUAGE C STABLE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.fk_explain_steps(text, text) IS
'the fixes fk_explain(error_text[, statement]) offers, one statement a row: step is the fk_explain row, fix_step the order to run them in, each on its own (never those with outside_transaction in a transaction block), locks what each locks';

CREATE FUNCTION @extschema@.fk_explain_steps(constraint_name name, table_name regclass)
RETURNS TABLE(step int, fix_step int, sql text, outside_transaction boolean, locks text)
AS 'MODULE_PATHNAME', 'fk_explain_constraint_steps'
LANGUAGE C STABLE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.fk_explain_steps(name, regclass) IS
'the fixes fk_explain(constraint_name, table_name) offers, one statement a row, as fk_explain_steps(error_text) gives them';

CREATE FUNCTION @extschema@.fk_repair_orphans(
    target regclass,
    only_constraint name DEFAULT NULL,
    action text DEFAULT 'report',
    dry_run boolean DEFAULT true)
RETURNS TABLE(constraint_name name, table_name regclass, operation text,
              rows_affected bigint, detail text)
AS 'MODULE_PATHNAME', 'fk_repair_orphans'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.fk_repair_orphans(regclass, name, text, boolean) IS
'removes the rows of target that break its foreign keys: action report, delete or set null; per table and action the rows affected, including what the deletion reaches in referencing tables; dry_run (the default) changes nothing';

------------------------------------------------------------------------
-- Undeclared references: columns that look like foreign keys no
-- constraint declares, with the DDL to declare them.
------------------------------------------------------------------------

CREATE FUNCTION @extschema@.fk_suggest(
    schemas name[] DEFAULT NULL,
    min_containment double precision DEFAULT 0.9,
    sample_rows integer DEFAULT 100000)
RETURNS TABLE(table_name regclass, columns name[],
              referenced_table regclass, referenced_columns name[],
              naming_rule text, containment double precision,
              sample_rows bigint, distinct_keys bigint, sampled boolean,
              orphan_rows bigint, constraint_name name, ddl text,
              validate_ddl text)
AS 'MODULE_PATHNAME', 'fk_suggest'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.fk_suggest(name[], double precision, integer) IS
'columns of the tables of schemas (NULL: all but system schemas) that look like references no foreign key declares: by name (naming_rule), by a type the key accepts, and by the share of their distinct values found in a unique key (containment, on up to sample_rows rows); with the rows the key would reject today and the DDL to add it (NOT VALID, then VALIDATE)';

------------------------------------------------------------------------
-- Pictures: the foreign key graph, and what a DELETE or key UPDATE would
-- reach, as Graphviz DOT or Mermaid text.  fk_graph reads the catalogs
-- (and the extension's snapshot table, when there is one); the cascade
-- pictures run the cascade preview (read-only, AccessShareLock).
------------------------------------------------------------------------

CREATE FUNCTION @extschema@.fk_graph(
    format text DEFAULT 'dot',
    focus regclass DEFAULT NULL,
    depth int DEFAULT 1,
    schemas name[] DEFAULT NULL,
    direction text DEFAULT 'both',
    problems_only boolean DEFAULT false,
    legend boolean DEFAULT true,
    max_tables int DEFAULT 1000)
RETURNS text
AS 'MODULE_PATHNAME', 'fk_graph'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.fk_graph(text, regclass, int, name[], text, boolean, boolean, int) IS
'the foreign key graph as Graphviz DOT (format dot) or a Mermaid erDiagram (format mermaid): the tables of schemas (NULL: every non-system schema) or those within depth keys of focus (direction both: its parents and children, referenced, referencing, or any: every key), one cluster per schema, crow''s feet, key columns and ON DELETE on each edge, row estimates, and keys with orphans (latest snapshot), NOT VALID, not enforced or unindexed styled with a legend; problems_only keeps only those keys; more than max_tables tables (NULL: no limit) is an error';

CREATE FUNCTION @extschema@.fk_cascade_graph(
    target regclass, key anyelement, format text DEFAULT 'dot')
RETURNS text
AS 'MODULE_PATHNAME', 'fk_cascade_graph'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.fk_cascade_graph(regclass, anyelement, text) IS
'the picture of fk_cascade_preview(target, key), as Graphviz DOT (format dot) or a Mermaid flowchart (format mermaid): the target and every table the DELETE reaches, rows and action on each edge, BLOCKED paths in red';

CREATE FUNCTION @extschema@.fk_update_graph(
    target regclass, key anyelement, new_values jsonb, format text DEFAULT 'dot')
RETURNS text
AS 'MODULE_PATHNAME', 'fk_update_graph'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.fk_update_graph(regclass, anyelement, jsonb, text) IS
'the picture of fk_update_preview(target, key, new_values), as Graphviz DOT or a Mermaid flowchart: every table the key UPDATE reaches, rows and action on each edge, BLOCKED paths in red';
-- Monitoring: check results kept as history, filled by fk_check_snapshot
-- (in the caller's transaction) or fk_check_snapshot_rolling (a
-- procedure committing after each key), and views a dashboard polls,
-- which read only these tables and the catalogs, never a user table.
-- The tables grant nothing: fk_tools' own code writes them (each row is
-- what a check computed with the caller's rights) and the views read
-- them, showing each role counts and sample keys only of keys it could
-- check itself (counts also to pg_read_all_stats).  pg_dump keeps their
-- rows (pg_extension_config_dump).
------------------------------------------------------------------------

CREATE SEQUENCE @extschema@.fk_snapshot_runs_run_id_seq;

COMMENT ON SEQUENCE @extschema@.fk_snapshot_runs_run_id_seq IS
'run numbers of fk_check_snapshot and fk_check_snapshot_rolling';

CREATE TABLE @extschema@.fk_snapshot_runs (
    run_id bigint NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz,
    started_by name NOT NULL,
    command text NOT NULL,
    target text,
    time_budget interval,
    row_budget bigint,
    keys_planned integer NOT NULL,
    keys_checked integer NOT NULL,
    keys_failed integer NOT NULL,
    keys_skipped integer NOT NULL,
    rows_estimated bigint NOT NULL,
    stop_reason text,
    CONSTRAINT fk_snapshot_runs_pkey PRIMARY KEY (run_id));

COMMENT ON TABLE @extschema@.fk_snapshot_runs IS
'one row per snapshot run (written by fk_tools only; read fk_check_runs)';

CREATE TABLE @extschema@.fk_snapshot_results (
    run_id bigint NOT NULL,
    checked_at timestamptz NOT NULL,
    duration interval NOT NULL,
    schema_name name NOT NULL,
    relname name NOT NULL,
    constraint_name name NOT NULL,
    referenced_schema name NOT NULL,
    referenced_relname name NOT NULL,
    constraint_oid oid NOT NULL,
    status text NOT NULL,
    orphan_rows bigint,
    missing_keys bigint,
    sample_keys jsonb,
    rows_estimated bigint NOT NULL,
    checked_by name NOT NULL,
    CONSTRAINT fk_snapshot_results_pkey
        PRIMARY KEY (checked_at, schema_name, relname, constraint_name));

COMMENT ON TABLE @extschema@.fk_snapshot_results IS
'one row per foreign key per snapshot check, pruned after fk_tools.history_retention (written by fk_tools only; read fk_check_history)';

CREATE TABLE @extschema@.fk_snapshot_state (
    schema_name name NOT NULL,
    relname name NOT NULL,
    constraint_name name NOT NULL,
    referenced_schema name NOT NULL,
    referenced_relname name NOT NULL,
    constraint_oid oid NOT NULL,
    run_id bigint NOT NULL,
    attempted_at timestamptz NOT NULL,
    attempt_error text,
    checked_at timestamptz,
    duration interval,
    status text,
    orphan_rows bigint,
    missing_keys bigint,
    sample_keys jsonb,
    rows_estimated bigint,
    orphans_since timestamptz,
    previous_checked_at timestamptz,
    previous_orphan_rows bigint,
    previous_missing_keys bigint,
    CONSTRAINT fk_snapshot_state_pkey PRIMARY KEY (schema_name, relname, constraint_name));

COMMENT ON TABLE @extschema@.fk_snapshot_state IS
'the latest snapshot result of each foreign key, with its trend (written by fk_tools only; read fk_check_latest)';

CREATE SEQUENCE @extschema@.fk_audit_events_event_id_seq;

COMMENT ON SEQUENCE @extschema@.fk_audit_events_event_id_seq IS
'numbers of fk_audit_events rows';

CREATE TABLE @extschema@.fk_audit_events (
    event_id bigint NOT NULL,
    event_time timestamptz NOT NULL,
    role_name name NOT NULL,
    session_role name NOT NULL,
    command_tag text NOT NULL,
    action text NOT NULL,
    schema_name name NOT NULL,
    relname name NOT NULL,
    constraint_name name NOT NULL,
    constraint_oid oid NOT NULL,
    enforced boolean,
    validated boolean,
    not_enforced_since timestamptz,
    not_enforced_by name,
    detail text,
    CONSTRAINT fk_audit_events_pkey PRIMARY KEY (event_id),
    CONSTRAINT fk_audit_events_key UNIQUE (schema_name, relname, constraint_name, event_id));

COMMENT ON TABLE @extschema@.fk_audit_events IS
'what the opt-in audit (fk_audit_enable) saw: RI triggers disabled and enabled, keys added NOT VALID, validated, dropped (written by fk_tools only; read fk_audit_log)';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.fk_snapshot_runs', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.fk_snapshot_runs_run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.fk_snapshot_results', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.fk_snapshot_state', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.fk_audit_events', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.fk_audit_events_event_id_seq', '');

CREATE FUNCTION @extschema@.fk_check_snapshot(
    target regclass DEFAULT NULL,
    time_budget interval DEFAULT NULL,
    row_budget bigint DEFAULT NULL)
RETURNS TABLE(table_name regclass, constraint_name name,
              referenced_table regclass, orphan_rows bigint,
              missing_keys bigint, sample_keys jsonb, status text,
              checked_at timestamptz, check_duration interval)
AS 'MODULE_PATHNAME', 'fk_check_snapshot'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.fk_check_snapshot(regclass, interval, bigint) IS
'checks the foreign keys of target (NULL: the whole database) like fk_check, stalest result first, until time_budget or row_budget (estimated rows read) is spent, and keeps each result in the history; one transaction: cancelling it keeps nothing (CALL fk_check_snapshot_rolling keeps each finished key)';

CREATE PROCEDURE @extschema@.fk_check_snapshot_rolling(
    time_budget interval DEFAULT NULL,
    row_budget bigint DEFAULT NULL,
    target regclass DEFAULT NULL)
AS 'MODULE_PATHNAME', 'fk_check_snapshot_rolling'
LANGUAGE C;

COMMENT ON PROCEDURE @extschema@.fk_check_snapshot_rolling(interval, bigint, regclass) IS
'fk_check_snapshot as a procedure that commits after each key, so a cancelled or timed-out run keeps what it finished; CALL it as a top-level statement (pg_cron does)';

CREATE FUNCTION @extschema@.fk_snapshot_keys(
    OUT constraint_oid oid,
    OUT schema_name name,
    OUT relname name,
    OUT constraint_name name,
    OUT table_name regclass,
    OUT referenced_table regclass,
    OUT enforced boolean,
    OUT validated boolean,
    OUT counts_visible boolean,
    OUT keys_visible boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'fk_snapshot_keys'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.fk_snapshot_keys() IS
'the foreign keys snapshots check (declared, not on temporary tables), with what the current role may see of their results: counts (SELECT on both key column sets, or pg_read_all_stats), sample keys (SELECT on both key column sets)';

CREATE FUNCTION @extschema@.fk_check_progress_rows(
    OUT pid integer,
    OUT datid oid,
    OUT userid oid,
    OUT run_id bigint,
    OUT command text,
    OUT keys_total integer,
    OUT keys_done integer,
    OUT constraint_oid oid,
    OUT table_name regclass,
    OUT constraint_name name,
    OUT referenced_table regclass,
    OUT key_rows_estimated bigint,
    OUT rows_done_estimated bigint,
    OUT started_at timestamptz,
    OUT key_started_at timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'fk_check_progress_rows'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.fk_check_progress_rows() IS
'rows of the fk_check_progress view: the running checks and snapshots of every backend, read from the server''s activity records';

CREATE VIEW @extschema@.fk_check_latest AS
SELECT k.constraint_oid, k.table_name, k.constraint_name, k.referenced_table,
       CASE WHEN s.attempted_at IS NULL THEN 'never checked'
            WHEN s.attempt_error IS NOT NULL AND NOT k.counts_visible THEN 'error'
            WHEN s.attempt_error IS NOT NULL THEN s.attempt_error
            WHEN NOT k.counts_visible THEN 'checked'
            ELSE s.status END AS status,
       CASE WHEN k.counts_visible THEN s.orphan_rows END AS orphan_rows,
       CASE WHEN k.counts_visible THEN s.missing_keys END AS missing_keys,
       CASE WHEN k.keys_visible THEN s.sample_keys END AS sample_keys,
       s.checked_at,
       s.duration AS check_duration,
       pg_catalog.now() OPERATOR(pg_catalog.-) s.checked_at AS result_age,
       CASE WHEN k.counts_visible THEN s.orphans_since END AS orphans_since,
       CASE WHEN k.counts_visible
            THEN s.orphan_rows OPERATOR(pg_catalog.-) s.previous_orphan_rows END AS orphan_rows_change,
       CASE WHEN k.counts_visible
            THEN s.missing_keys OPERATOR(pg_catalog.-) s.previous_missing_keys END AS missing_keys_change,
       s.previous_checked_at,
       s.attempted_at AS last_attempt_at,
       k.enforced,
       k.validated,
       CASE WHEN NOT k.enforced THEN a.not_enforced_since END AS not_enforced_since,
       CASE WHEN NOT k.enforced THEN a.not_enforced_by END AS not_enforced_by,
       CASE WHEN k.enforced THEN NULL
            WHEN a.not_enforced_since IS NOT NULL
            THEN pg_catalog.concat('not enforced since ', a.not_enforced_since,
                                   ', by ', a.not_enforced_by)
            WHEN a.event_time IS NOT NULL AND NOT a.enforced
            THEN pg_catalog.concat('not enforced since before ', a.event_time,
                                   ' (when the audit started)')
            ELSE 'not enforced (the audit did not see it happen)' END AS enforcement
  FROM @extschema@.fk_snapshot_keys() k
  LEFT JOIN @extschema@.fk_snapshot_state s
         ON s.schema_name OPERATOR(pg_catalog.=) k.schema_name AND s.relname OPERATOR(pg_catalog.=) k.relname
        AND s.constraint_name OPERATOR(pg_catalog.=) k.constraint_name
  LEFT JOIN
       (SELECT DISTINCT ON (e.schema_name, e.relname, e.constraint_name)
              e.schema_name, e.relname, e.constraint_name, e.event_time,
              e.enforced, e.not_enforced_since, e.not_enforced_by
         FROM @extschema@.fk_audit_events e
        WHERE e.enforced IS NOT NULL
        ORDER BY e.schema_name, e.relname, e.constraint_name, e.event_id DESC) a
         ON a.schema_name OPERATOR(pg_catalog.=) k.schema_name AND a.relname OPERATOR(pg_catalog.=) k.relname
        AND a.constraint_name OPERATOR(pg_catalog.=) k.constraint_name;

COMMENT ON VIEW @extschema@.fk_check_latest IS
'the latest snapshot result of every foreign key (status never checked, ok, orphans, or error: ... of the last attempt; checked for roles that may not see counts), how old it is, its trend (orphans_since: first check of the current run of checks with orphans; changes since the previous check), and, for a key not enforced, since when and by whom as the audit saw it; reads only fk_tools'' tables and the catalogs';

CREATE VIEW @extschema@.fk_check_history AS
SELECT r.run_id, r.checked_at, r.duration AS check_duration,
       k.table_name, r.schema_name, r.relname, r.constraint_name,
       CASE WHEN COALESCE(k.counts_visible, pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE'))
            THEN r.status
            WHEN r.status IN ('ok', 'orphans') THEN 'checked'
            ELSE 'error' END AS status,
       CASE WHEN COALESCE(k.counts_visible, pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE'))
            THEN r.orphan_rows END AS orphan_rows,
       CASE WHEN COALESCE(k.counts_visible, pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE'))
            THEN r.missing_keys END AS missing_keys,
       CASE WHEN k.keys_visible THEN r.sample_keys END AS sample_keys,
       r.rows_estimated, r.checked_by
  FROM @extschema@.fk_snapshot_results r
  LEFT JOIN @extschema@.fk_snapshot_keys() k
         ON k.schema_name OPERATOR(pg_catalog.=) r.schema_name AND k.relname OPERATOR(pg_catalog.=) r.relname
        AND k.constraint_name OPERATOR(pg_catalog.=) r.constraint_name;

COMMENT ON VIEW @extschema@.fk_check_history IS
'every kept snapshot result, for time series (table_name is NULL once the key or table is gone); counts and sample keys shown as in fk_check_latest';

CREATE VIEW @extschema@.fk_check_coverage AS
SELECT pg_catalog.count(l.constraint_oid) AS keys,
       pg_catalog.count(l.checked_at) AS checked_keys,
       pg_catalog.count(l.constraint_oid) FILTER (WHERE l.checked_at IS NULL) AS never_checked,
       pg_catalog.count(l.constraint_oid) FILTER (WHERE l.status LIKE 'error%') AS failing_keys,
       pg_catalog.count(l.constraint_oid)
           FILTER (WHERE l.orphan_rows OPERATOR(pg_catalog.>) 0) AS keys_with_orphans,
       pg_catalog.count(l.constraint_oid) FILTER (WHERE NOT l.enforced) AS keys_not_enforced,
       pg_catalog.min(l.checked_at) AS oldest_check,
       pg_catalog.max(l.result_age) AS max_result_age,
       CASE WHEN pg_catalog.bool_and(l.checked_at IS NOT NULL)
            THEN pg_catalog.max(l.result_age) END AS covered_within
  FROM @extschema@.fk_check_latest l;

COMMENT ON VIEW @extschema@.fk_check_coverage IS
'one row: how many foreign keys there are, how many have a snapshot result, how old the oldest is; covered_within is the age of the oldest result when every key has one (every key was checked within that interval), else NULL';

CREATE VIEW @extschema@.fk_check_runs AS
SELECT r.run_id, r.command, r.started_at, r.finished_at,
       r.finished_at OPERATOR(pg_catalog.-) r.started_at AS duration,
       CASE WHEN r.finished_at IS NOT NULL THEN 'finished'
            WHEN EXISTS (SELECT FROM @extschema@.fk_check_progress_rows() p
                          WHERE p.run_id OPERATOR(pg_catalog.=) r.run_id) THEN 'running'
            ELSE 'interrupted' END AS state,
       r.started_by, r.target, r.time_budget, r.row_budget,
       r.keys_planned, r.keys_checked, r.keys_failed, r.keys_skipped,
       r.rows_estimated, r.stop_reason
  FROM @extschema@.fk_snapshot_runs r;

COMMENT ON VIEW @extschema@.fk_check_runs IS
'one row per snapshot run: budgets, keys planned, checked, failed (error), skipped (not readable by the role), estimated rows read, why it stopped; state running, finished, or interrupted (cancelled or timed out: what it finished is kept)';

CREATE VIEW @extschema@.fk_check_progress AS
SELECT p.pid, p.datid, d.datname, p.userid,
       pg_catalog.pg_get_userbyid(p.userid) AS usename,
       p.run_id, p.command, p.keys_total, p.keys_done,
       p.constraint_oid, p.table_name, p.constraint_name, p.referenced_table,
       p.key_rows_estimated, p.rows_done_estimated,
       p.started_at,
       pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) p.started_at AS elapsed,
       p.key_started_at,
       pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) p.key_started_at AS key_elapsed
  FROM @extschema@.fk_check_progress_rows() p
  LEFT JOIN pg_catalog.pg_database d ON d.oid OPERATOR(pg_catalog.=) p.datid;

COMMENT ON VIEW @extschema@.fk_check_progress IS
'one row per backend running fk_check, fk_check_snapshot or fk_check_snapshot_rolling: which key (k of n), estimated rows of the keys done and of the current one, elapsed; details only for the backend''s own role and pg_read_all_stats, as in pg_stat_activity';

GRANT SELECT ON @extschema@.fk_check_latest TO PUBLIC;
GRANT SELECT ON @extschema@.fk_check_history TO PUBLIC;
GRANT SELECT ON @extschema@.fk_check_coverage TO PUBLIC;
GRANT SELECT ON @extschema@.fk_check_runs TO PUBLIC;
GRANT SELECT ON @extschema@.fk_check_progress TO PUBLIC;

------------------------------------------------------------------------
-- Audit (opt-in): who switched enforcement off, and when.  A superuser
-- enables it with SELECT fk_audit_enable(), which creates two event
-- triggers; fk_audit_disable() drops them and keeps the log.
------------------------------------------------------------------------

CREATE FUNCTION @extschema@.fk_audit_ddl_end()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'fk_audit_ddl_end'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.fk_audit_ddl_end() IS
'event trigger function of the audit (ddl_command_end of ALTER TABLE): records keys whose enforcement or validation changed; never fails the command';

CREATE FUNCTION @extschema@.fk_audit_sql_drop()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'fk_audit_sql_drop'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.fk_audit_sql_drop() IS
'event trigger function of the audit (sql_drop): records dropped foreign keys; never fails the command';

CREATE FUNCTION @extschema@.fk_audit_enable()
RETURNS void
AS 'MODULE_PATHNAME', 'fk_audit_enable'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.fk_audit_enable() IS
'superuser: starts the audit of foreign key enforcement (creates the event triggers fk_tools_audit_ddl and fk_tools_audit_drop, records the keys not enforced or not validated now); does nothing if it is on';

CREATE FUNCTION @extschema@.fk_audit_disable()
RETURNS void
AS 'MODULE_PATHNAME', 'fk_audit_disable'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.fk_audit_disable() IS
'superuser: stops the audit (drops its event triggers); the log is kept';

CREATE VIEW @extschema@.fk_audit_log AS
SELECT e.event_id, e.event_time, e.role_name, e.session_role, e.command_tag,
       e.action,
       pg_catalog.to_regclass(pg_catalog.concat(pg_catalog.quote_ident(e.schema_name), '.',
                                                pg_catalog.quote_ident(e.relname))) AS table_name,
       e.schema_name, e.relname, e.constraint_name, e.enforced, e.validated,
       e.not_enforced_since, e.not_enforced_by, e.detail
  FROM @extschema@.fk_audit_events e;

COMMENT ON VIEW @extschema@.fk_audit_log IS
'what the audit recorded, oldest first by event_id: action disabled, enabled, added not valid, validated, dropped, or not enforced / not validated when the audit started; role_name is current_user, session_role session_user; enforced and validated are the key''s state after the command';

GRANT SELECT ON @extschema@.fk_audit_log TO PUBLIC;

------------------------------------------------------------------------
-- Declared-only references: references no constraint enforces (the
-- server cannot, or the application keeps them), kept in the extension's
-- table so that every function listing keys includes them.  pg_dump keeps
-- the rows (pg_extension_config_dump); the tables are regclass, so they
-- follow renames, and the columns names, so they survive a restore.
------------------------------------------------------------------------

CREATE TABLE @extschema@.fk_declared_references (
    name name NOT NULL,
    table_name regclass NOT NULL,
    columns name[] NOT NULL,
    referenced_table regclass NOT NULL,
    referenced_columns name[] NOT NULL,
    match_type text NOT NULL,
    declared_at timestamptz NOT NULL,
    declared_by name NOT NULL,
    CONSTRAINT fk_declared_references_pkey PRIMARY KEY (name));

COMMENT ON TABLE @extschema@.fk_declared_references IS
'one row per declared-only reference (written by fk_declare and fk_undeclare only; fk_constraints shows them with declared_only)';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.fk_declared_references', '');

-- What is declared is no secret, as the catalogs are not.
GRANT SELECT ON @extschema@.fk_declared_references TO PUBLIC;

CREATE FUNCTION @extschema@.fk_declare(
    name text,
    child regclass,
    columns name[],
    parent regclass,
    parent_columns name[],
    match text DEFAULT 'SIMPLE')
RETURNS void
AS 'MODULE_PATHNAME', 'fk_declare'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.fk_declare(text, regclass, name[], regclass, name[], text) IS
'declares a reference no constraint enforces: child''s columns point at parent''s parent_columns (a unique index must cover them exactly), compared with the referenced type''s default btree equality under the referenced column''s collation, MATCH SIMPLE or FULL; needs ownership of child and REFERENCES on parent_columns; the orphan, check, snapshot, graph and load order functions then include it';

CREATE FUNCTION @extschema@.fk_undeclare(name text)
RETURNS void
AS 'MODULE_PATHNAME', 'fk_undeclare'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.fk_undeclare(text) IS
'removes a declared-only reference (needs ownership of its child table, unless the table is gone)';

CREATE FUNCTION @extschema@.fk_promote(
    name text,
    lock_timeout text DEFAULT '5s')
RETURNS TABLE(step integer, statement text)
AS 'MODULE_PATHNAME', 'fk_promote'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.fk_promote(text, text) IS
'the statements that turn a declared-only reference into a foreign key, each run on its own in order: SET lock_timeout, ADD CONSTRAINT ... NOT VALID, VALIDATE CONSTRAINT (one validating ADD CONSTRAINT for a partitioned child, which PostgreSQL 15 cannot add NOT VALID), fk_undeclare; refused while the reference has orphan rows';
