/* fk_tools--1.0--1.1.sql: ALTER EXTENSION fk_tools UPDATE TO '1.1' */

\echo Use "ALTER EXTENSION fk_tools UPDATE TO '1.1'" to load this file. \quit

-- The extension is trusted, so this script may run as the bootstrap
-- superuser on behalf of a database owner.  It resolves nothing through
-- search_path: objects are named @extschema@.name, function calls are
-- qualified with @extschema@ or pg_catalog, operators are written
-- OPERATOR(pg_catalog.op), and there is no CREATE OR REPLACE and no
-- IF [NOT] EXISTS (t/006_trusted.pl checks; t/005_upgrade.pl checks that
-- the update script and the full script end in the same objects).

-- The update drops and re-creates what changed, with the same definition,
-- comment and grants as fk_tools--1.1.sql.  (A view or function of your own
-- that uses fk_constraints or fk_load_order makes the update fail, changing
-- nothing: drop it first and create it again afterwards.)

------------------------------------------------------------------------
-- fk_constraints: the column "deferrable" (a reserved word, so every query
-- had to quote it) is now is_deferrable.  An output column cannot be
-- renamed in place: the view and the function behind it are re-created.
------------------------------------------------------------------------

DROP VIEW @extschema@.fk_constraints;
DROP FUNCTION @extschema@.fk_constraint_rows();

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

GRANT SELECT ON @extschema@.fk_constraints TO PUBLIC;

------------------------------------------------------------------------
-- fk_load_order: the column "position" (a keyword that needs quoting as a
-- column name) is now load_position.
------------------------------------------------------------------------

DROP FUNCTION @extschema@.fk_load_order(name[]);

CREATE FUNCTION @extschema@.fk_load_order(schemas name[] DEFAULT NULL)
RETURNS TABLE(load_position int, table_name regclass, level int,
              cycle_group int, break_constraints name[])
AS 'MODULE_PATHNAME', 'fk_load_order'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.fk_load_order(name[]) IS
'every user table (of schemas, or of all non-system schemas) in an order that loads parents before children; tables on a foreign key cycle share a cycle_group and break_constraints names the keys to defer or add after loading';

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
-- Cascade previews with what-if actions.
------------------------------------------------------------------------

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
