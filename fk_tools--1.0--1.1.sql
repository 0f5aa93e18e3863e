/* fk_tools--1.0--1.1.sql: ALTER EXTENSION fk_tools UPDATE TO '1.1' */

\echo Use "ALTER EXTENSION fk_tools UPDATE TO '1.1'" to load this file. \quit

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
