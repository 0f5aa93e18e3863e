-- cascade_oracle.sql: PostgreSQL itself as the oracle for the cascade
-- preview.
--
-- Included (\i test/cascade_oracle.sql) by the regression tests of
-- fk_cascade_preview, fk_update_preview and fk_cascade_rows.  oracle() runs
-- the real DELETE (or UPDATE) in a subtransaction, counts per table of the
-- target's schema the rows it deleted and updated (row versions gone and
-- new, by ctid), checks deferred constraints as commit would (SET
-- CONSTRAINTS ALL IMMEDIATE), rolls back, and compares with the preview's
-- totals and with whether the preview reports BLOCKED rows.  The key is a
-- jsonb object (the rows containing it) or an array of them (the rows
-- containing any of them).  With
-- compare_paths it also requires the preview's two execution paths, and
-- the row path with and without spilling, to say exactly the same.
-- Creates schema cascade_oracle; the including test drops it.
CREATE SCHEMA cascade_oracle;

-- Everything fk_cascade_preview and fk_cascade_rows (or fk_update_preview)
-- say, with the tree path allowed or not, and with the row path keeping at
-- most 3 rows in memory (spilling the rest to temporary files, 3 tids a
-- query) or not.
CREATE FUNCTION cascade_oracle.preview_text(target regclass, key jsonb, tree boolean,
                                spill boolean DEFAULT false, new_values jsonb DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  res text;
BEGIN
  PERFORM set_config('fk_tools.cascade_fast_path', tree::text, true);
  PERFORM set_config('fk_tools.cascade_memory_rows', CASE WHEN spill THEN '3' ELSE '0' END, true);
  IF new_values IS NOT NULL THEN
    SELECT string_agg(p::text, E'\n' ORDER BY p::text) INTO res FROM fk_update_preview(target, key, new_values) p;
  ELSE
    SELECT string_agg(p::text, E'\n' ORDER BY p::text) INTO res FROM fk_cascade_preview(target, key) p;
    SELECT res || E'\n' || coalesce(string_agg(r::text, E'\n' ORDER BY r::text), '')
      INTO res FROM fk_cascade_rows(target, key) r;
  END IF;
  PERFORM set_config('fk_tools.cascade_fast_path', 'on', true);
  PERFORM set_config('fk_tools.cascade_memory_rows', '0', true);
  RETURN res;
END $$;

CREATE FUNCTION cascade_oracle.oracle(target regclass, key jsonb, new_values jsonb DEFAULT NULL,
                                      compare_paths boolean DEFAULT false)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  nsp oid := (SELECT relnamespace FROM pg_class WHERE oid = target);
  rel regclass;
  before_ids text[];
  after_ids text[];
  real jsonb := '{}';
  real_failed boolean := false;
  real_error text;
  prev record;
  prev_blocked boolean;
  problems text := '';
  cols text;
  keycond text := 'EXISTS (SELECT FROM jsonb_array_elements(CASE WHEN jsonb_typeof($1) = ''array'' THEN $1 ELSE jsonb_build_array($1) END) e WHERE to_jsonb(t) @> e)';
BEGIN
  BEGIN
    CREATE TEMP TABLE IF NOT EXISTS oracle_before(rel regclass, ids text[]);
    TRUNCATE oracle_before;
    FOR rel IN SELECT c.oid FROM pg_class c WHERE c.relnamespace = nsp AND c.relkind = 'r' LOOP
      EXECUTE format('SELECT coalesce(array_agg(ctid::text), ''{}'') FROM ONLY %s', rel) INTO before_ids;
      INSERT INTO oracle_before VALUES (rel, before_ids);
    END LOOP;
    IF new_values IS NULL THEN
      EXECUTE format('DELETE FROM %s t WHERE %s', target, keycond) USING key;
    ELSE
      SELECT string_agg(quote_ident(k), ', ') INTO cols FROM jsonb_object_keys(new_values) k;
      EXECUTE format('UPDATE %s t SET (%s) = (SELECT %s FROM jsonb_populate_record(NULL::%s, $2) r) WHERE %s',
                     target, cols,
                     (SELECT string_agg('r.' || quote_ident(k), ', ') FROM jsonb_object_keys(new_values) k),
                     target, keycond)
        USING key, new_values;
    END IF;
    SET CONSTRAINTS ALL IMMEDIATE;
    FOR rel, before_ids IN SELECT * FROM oracle_before LOOP
      EXECUTE format('SELECT coalesce(array_agg(ctid::text), ''{}'') FROM ONLY %s', rel) INTO after_ids;
      real := real || jsonb_build_object(rel::text, jsonb_build_object(
        'd', (SELECT count(*) FROM unnest(before_ids) b WHERE b <> ALL (after_ids))
             - (SELECT count(*) FROM unnest(after_ids) a WHERE a <> ALL (before_ids)),
        'u', (SELECT count(*) FROM unnest(after_ids) a WHERE a <> ALL (before_ids))));
    END LOOP;
    RAISE EXCEPTION 'oracle rollback';
  EXCEPTION WHEN OTHERS THEN
    IF SQLERRM <> 'oracle rollback' THEN
      real_failed := true;
      real_error := SQLERRM;
    END IF;
  END;

  IF new_values IS NULL THEN
    -- the tree path (taken where no table is reachable twice) and the row
    -- path must say exactly the same, row for row
    IF compare_paths AND
       cascade_oracle.preview_text(target, key, true) IS DISTINCT FROM cascade_oracle.preview_text(target, key, false) THEN
      RETURN 'MISMATCH: the tree and row paths of the preview differ';
    END IF;
    -- spilling on a quarter of the keys, to keep the time down
    IF compare_paths AND (key->>'id')::int % 4 = 1 AND
       cascade_oracle.preview_text(target, key, false) IS DISTINCT FROM cascade_oracle.preview_text(target, key, false, true) THEN
      RETURN 'MISMATCH: the row path differs when it spills';
    END IF;
    SELECT coalesce(bool_or(p.action = 'BLOCKED'), false) INTO prev_blocked FROM fk_cascade_preview(target, key) p;
  ELSE
    IF compare_paths AND (key->>'id')::int % 4 = 1 AND
       cascade_oracle.preview_text(target, key, false, false, new_values)
       IS DISTINCT FROM cascade_oracle.preview_text(target, key, false, true, new_values) THEN
      RETURN 'MISMATCH: the update preview differs when it spills';
    END IF;
    SELECT coalesce(bool_or(p.action = 'BLOCKED'), false) INTO prev_blocked FROM fk_update_preview(target, key, new_values) p;
  END IF;
  IF real_failed <> prev_blocked THEN
    RETURN format('MISMATCH: statement %s (%s), preview %s',
                  CASE WHEN real_failed THEN 'fails' ELSE 'succeeds' END, real_error,
                  CASE WHEN prev_blocked THEN 'blocked' ELSE 'not blocked' END);
  END IF;
  IF real_failed THEN
    RETURN 'ok: fails';
  END IF;
  -- per table; but where rows moved into a partition (more new row
  -- versions there than gone: the real UPDATE deletes and inserts them
  -- across partitions, the preview counts them as updated where they
  -- were), per partition tree
  FOR prev IN
    WITH r AS (SELECT t.key::regclass AS tab, (t.value->>'d')::bigint AS rd, (t.value->>'u')::bigint AS ru
                 FROM jsonb_each(real) t),
         p AS (SELECT p.table_name AS tab,
                      coalesce(sum(p.row_count) FILTER (WHERE p.action = 'DELETE'), 0) AS pd,
                      coalesce(sum(p.row_count) FILTER (WHERE p.action IN ('UPDATE', 'SET NULL', 'SET DEFAULT')), 0) AS pu
                 FROM (SELECT * FROM fk_cascade_preview(target, key) WHERE new_values IS NULL
                       UNION ALL
                       SELECT * FROM fk_update_preview(target, key, new_values) WHERE new_values IS NOT NULL) p
                GROUP BY p.table_name),
         j AS (SELECT r.tab, coalesce(pg_partition_root(r.tab), r.tab) AS root, r.rd, r.ru,
                      coalesce(p.pd, 0) AS pd, coalesce(p.pu, 0) AS pu
                 FROM r LEFT JOIN p ON p.tab = r.tab),
         moved AS (SELECT DISTINCT root FROM j WHERE rd < 0)
    SELECT j.tab::text AS tab, j.rd, j.ru, j.pd, j.pu FROM j WHERE j.root NOT IN (SELECT root FROM moved)
    UNION ALL
    SELECT j.root::text || ' (partitions, rows moved)', sum(j.rd), sum(j.ru), sum(j.pd), sum(j.pu)
      FROM j WHERE j.root IN (SELECT root FROM moved) GROUP BY j.root
     ORDER BY 1
  LOOP
    IF prev.rd <> prev.pd OR prev.ru <> prev.pu THEN
      problems := problems || format(' %s: deleted %s/%s updated %s/%s (real/preview);',
                                     prev.tab, prev.rd, prev.pd, prev.ru, prev.pu);
    END IF;
  END LOOP;
  RETURN CASE WHEN problems = '' THEN 'ok' ELSE 'MISMATCH:' || problems END;
END $$;

-- The what-if answer against the server: the preview of the statement with
-- the constraint conoid taken to have another ON DELETE (or, for an update,
-- ON UPDATE) action, computed on the current definitions, must equal, row
-- for row, the preview after the constraint is really redefined with that
-- action (in a subtransaction, rolled back), and that one must agree with
-- the real statement (oracle).  'ok', 'ok: fails', or what differs.
CREATE FUNCTION cascade_oracle.whatif(target regclass, key jsonb, conoid oid, new_action text,
                                      new_values jsonb DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  con record;
  def text;
  actions jsonb;
  hypothetical text;
  redefined text;
  real text;
BEGIN
  SELECT c.conname, c.conrelid::regclass AS tab, pg_get_constraintdef(c.oid) AS def
    INTO con FROM pg_constraint c WHERE c.oid = conoid;
  actions := jsonb_build_array(jsonb_build_object('table', con.tab::text, 'constraint', con.conname,
               CASE WHEN new_values IS NULL THEN 'on_delete' ELSE 'on_update' END, new_action));
  IF new_values IS NULL THEN
    SELECT string_agg(p::text, E'\n' ORDER BY p::text) INTO hypothetical
      FROM fk_cascade_preview(target, key, actions) p;
  ELSE
    SELECT string_agg(p::text, E'\n' ORDER BY p::text) INTO hypothetical
      FROM fk_update_preview(target, key, new_values, actions) p;
  END IF;
  -- the definition with the action replaced
  def := regexp_replace(con.def,
           CASE WHEN new_values IS NULL
                THEN ' ON DELETE (NO ACTION|RESTRICT|CASCADE|SET NULL|SET DEFAULT)( \([^)]*\))?'
                ELSE ' ON UPDATE (NO ACTION|RESTRICT|CASCADE|SET NULL|SET DEFAULT)' END, '');
  def := regexp_replace(def, '( DEFERRABLE.*| NOT VALID)?$',
           CASE WHEN new_values IS NULL THEN ' ON DELETE ' ELSE ' ON UPDATE ' END || new_action || '\1');
  BEGIN
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I, ADD CONSTRAINT %I %s', con.tab, con.conname, con.conname, def);
    IF new_values IS NULL THEN
      SELECT string_agg(p::text, E'\n' ORDER BY p::text) INTO redefined FROM fk_cascade_preview(target, key) p;
    ELSE
      SELECT string_agg(p::text, E'\n' ORDER BY p::text) INTO redefined FROM fk_update_preview(target, key, new_values) p;
    END IF;
    real := cascade_oracle.oracle(target, key, new_values);
    RAISE EXCEPTION 'whatif rollback';
  EXCEPTION WHEN OTHERS THEN
    IF SQLERRM <> 'whatif rollback' THEN
      RETURN 'cannot redefine: ' || SQLERRM;
    END IF;
  END;
  IF hypothetical IS DISTINCT FROM redefined THEN
    RETURN format(E'MISMATCH: what-if\n%s\nredefined\n%s', hypothetical, redefined);
  END IF;
  RETURN real;
END $$;
