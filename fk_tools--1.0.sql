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

