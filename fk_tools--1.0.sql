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

CREATE FUNCTION @extschema@.fk_cascade_rows(
    target regclass, key anyelement)
RETURNS TABLE(depth integer, table_name regclass, action text,
              via_constraint name, affected_row jsonb)
AS 'MODULE_PATHNAME', 'fk_cascade_rows'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.fk_cascade_rows(regclass, anyelement) IS
'the individual rows behind fk_cascade_preview, as jsonb';
