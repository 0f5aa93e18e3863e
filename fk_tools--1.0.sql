/* fk_tools--1.0.sql */

\echo Use "CREATE EXTENSION fk_tools" to load this file. \quit

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
    OUT "deferrable" boolean,
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
       r.on_update, r.on_delete, r."deferrable", r.initially_deferred,
       r.validated, r.enforced, r.indexed, r.definition
  FROM @extschema@.fk_constraint_rows() AS r;

COMMENT ON VIEW @extschema@.fk_constraints IS
'one row per declared foreign key (partition clones folded into their parent), with its state: validated, enforced (RI triggers enabled), indexed';

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
