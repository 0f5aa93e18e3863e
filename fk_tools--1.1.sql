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
    OUT definition text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'fk_constraint_rows'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.fk_constraint_rows() IS
'rows of the fk_constraints view: one per declared foreign key';

CREATE VIEW @extschema@.fk_constraints AS
SELECT r.constraint_oid, r.constraint_name, r.table_name, r.columns,
       r.referenced_table, r.referenced_columns, r.match_type,
       r.on_update, r.on_delete, r.is_deferrable, r.initially_deferred,
       r.validated, r.enforced, r.indexed, r.definition
  FROM @extschema@.fk_constraint_rows() AS r;

COMMENT ON VIEW @extschema@.fk_constraints IS
'one row per declared foreign key (partition clones folded into their parent), with its state: validated, enforced (RI triggers enabled), indexed';

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
    OUT fix_sql text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'fk_issue_rows'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.fk_issue_rows() IS
'rows of the fk_issues view';

CREATE VIEW @extschema@.fk_issues AS
SELECT i.severity, i.issue, i.table_name, i.constraint_name, i.detail, i.fix_sql
  FROM @extschema@.fk_issue_rows() AS i;

COMMENT ON VIEW @extschema@.fk_issues IS
'problems with declared foreign keys, each with the SQL that fixes it where one exists; severity is fixed by issue: error = not_enforced (an RI trigger of the key or of a partition clone is disabled or replica-only), warning = not_validated (added NOT VALID), type_mismatch (a key column''s type differs from the referenced column''s), unindexed (no index leads with the key columns), info = duplicate (same column pairs to the same table as an earlier constraint, by name, which is kept); fix_sql is one string, several statements joined by "; " where needed, that runs in or out of a transaction block (EXECUTE, psql \gexec) and makes its row disappear; enabling internal RI triggers needs superuser';

GRANT SELECT ON @extschema@.fk_issues TO PUBLIC;

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
