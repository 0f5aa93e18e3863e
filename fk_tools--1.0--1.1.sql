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
