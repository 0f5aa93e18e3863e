/*-------------------------------------------------------------------------
 *
 * fk_fix.c
 *	  One writer for every statement that fixes a foreign key: validate it,
 *	  enable exactly its RI triggers, create its supporting index, redefine
 *	  it with other actions or match type, drop it, change a column's type
 *	  to the referenced one's, set its key to NULL, add a new one, update a
 *	  key together with the rows still referencing it.
 *	  fk_issues, fk_explain, fk_validate, fk_repair_orphans and fk_suggest
 *	  all write their statements here, so a fix reads the same wherever it
 *	  is offered.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "fk_fix.h"
#include "fk_sql.h"

/* "ALTER TABLE schema.table" (all of it: partitions follow their parent) */
static void
alter_table(StringInfo buf, Oid relid)
{
	appendStringInfoString(buf, "ALTER TABLE ");
	fksql_rel(buf, relid, false);
}

/* ALTER TABLE t VALIDATE CONSTRAINT c */
void
fkfix_validate(StringInfo buf, FkModel *fk)
{
	alter_table(buf, fk->fk_relid);
	appendStringInfoString(buf, " VALIDATE CONSTRAINT ");
	fksql_ident(buf, NameStr(fk->conname));
}

/*
 * ALTER TABLE t ENABLE TRIGGER "RI_ConstraintTrigger_..."; ... for exactly
 * the RI triggers of the key and of its partition clones that do not fire,
 * each on its own table (a clone's trigger lives on the partition), not
 * every trigger of the tables.  False (nothing written) when all fire.
 */
bool
fkfix_enable_triggers(StringInfo buf, FkModel *fk)
{
	List	   *trigs = fk_model_disabled_triggers(fk);
	ListCell   *lc;

	foreach(lc, trigs)
	{
		FkTrigger  *t = lfirst(lc);

		if (foreach_current_index(lc) > 0)
			appendStringInfoString(buf, "; ");
		alter_table(buf, t->relid);
		appendStringInfoString(buf, " ENABLE TRIGGER ");
		fksql_ident(buf, NameStr(t->name));
	}
	list_free_deep(trigs);
	return trigs != NIL;
}

/* CREATE INDEX ON t (the key's referencing columns, each once) */
void
fkfix_create_index(StringInfo buf, FkModel *fk)
{
	int			first_pos[INDEX_MAX_KEYS];

	fk_key_distinct_columns(fk, first_pos);
	appendStringInfoString(buf, "CREATE INDEX ON ");
	fksql_rel(buf, fk->fk_relid, false);
	appendStringInfoString(buf, " (");
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (first_pos[i] != i)
			continue;
		if (i > 0)
			appendStringInfoString(buf, ", ");
		fksql_col(buf, NULL, fk->fk_colnames[i]);
	}
	appendStringInfoChar(buf, ')');
}

/*
 * ALTER TABLE t DROP CONSTRAINT c, ADD CONSTRAINT c FOREIGN KEY ...: the
 * constraint again with the same columns and deferrability and the given
 * match type and actions (a PG 15 column list of ON DELETE SET NULL /
 * DEFAULT kept while the delete action stays).  A NOT VALID constraint
 * stays NOT VALID.
 */
void
fkfix_redefine(StringInfo buf, FkModel *fk, char match_type, char del_action,
			   char upd_action)
{
	alter_table(buf, fk->fk_relid);
	appendStringInfoString(buf, " DROP CONSTRAINT ");
	fksql_ident(buf, NameStr(fk->conname));
	appendStringInfoString(buf, ", ADD CONSTRAINT ");
	fksql_ident(buf, NameStr(fk->conname));
	appendStringInfoString(buf, " FOREIGN KEY (");
	fksql_key_list(buf, fk, false, NULL);
	appendStringInfo(buf, ") REFERENCES %s (", fksql_relname(fk->pk_relid));
	fksql_key_list(buf, fk, true, NULL);
	appendStringInfo(buf, ") MATCH %s ON UPDATE %s ON DELETE %s",
					 fk_match_name(match_type), fk_action_name(upd_action),
					 fk_action_name(del_action));
	if (del_action == fk->del_action && fk->n_del_set_cols > 0)
	{
		bool		first = true;

		appendStringInfoString(buf, " (");
		for (int j = 0; j < fk->nkeys; j++)
		{
			bool		dup = false;

			if (!fk_key_sets_column(fk, j, true))
				continue;
			for (int k = 0; k < j; k++)
				dup |= (fk->fk_attnums[k] == fk->fk_attnums[j]);
			if (dup)
				continue;
			if (!first)
				appendStringInfoString(buf, ", ");
			fksql_ident(buf, fk->fk_colnames[j]);
			first = false;
		}
		appendStringInfoChar(buf, ')');
	}
	if (fk->deferrable)
		appendStringInfoString(buf, fk->initdeferred ?
							   " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE");
	if (!fk->validated)
		appendStringInfoString(buf, " NOT VALID");
}

/*
 * ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY (cols) REFERENCES p (cols)
 * [MATCH FULL] [NOT VALID]: the key as a new constraint with the default
 * actions.  NOT VALID adds it without reading the table (new rows are
 * checked at once; the old ones by a later VALIDATE CONSTRAINT, which
 * takes a lighter lock); PostgreSQL 15 refuses it on a partitioned
 * referencing table, so it is never written there.
 */
void
fkfix_add_constraint(StringInfo buf, FkModel *fk, bool not_valid)
{
	alter_table(buf, fk->fk_relid);
	appendStringInfoString(buf, " ADD CONSTRAINT ");
	fksql_ident(buf, NameStr(fk->conname));
	appendStringInfoString(buf, " FOREIGN KEY (");
	fksql_key_list(buf, fk, false, NULL);
	appendStringInfo(buf, ") REFERENCES %s (", fksql_relname(fk->pk_relid));
	fksql_key_list(buf, fk, true, NULL);
	appendStringInfoChar(buf, ')');
	if (fk->match_type == FKCONSTR_MATCH_FULL)
		appendStringInfoString(buf, " MATCH FULL");
	if (not_valid && fk->fk_relkind != RELKIND_PARTITIONED_TABLE)
		appendStringInfoString(buf, " NOT VALID");
}

/* ALTER TABLE t DROP CONSTRAINT c */
void
fkfix_drop(StringInfo buf, FkModel *fk)
{
	alter_table(buf, fk->fk_relid);
	appendStringInfoString(buf, " DROP CONSTRAINT ");
	fksql_ident(buf, NameStr(fk->conname));
}

/*
 * ALTER TABLE t ALTER COLUMN c TYPE <referenced column's type>, ... for
 * every referencing column whose type is not the referenced column's (a
 * column named twice in the key changed once).  False when none differs.
 */
bool
fkfix_column_types(StringInfo buf, FkModel *fk)
{
	bool		any = false;

	for (int i = 0; i < fk->nkeys; i++)
	{
		if (!fk_key_type_differs(fk, i))
			continue;
		if (!any)
			alter_table(buf, fk->fk_relid);
		else
			appendStringInfoChar(buf, ',');
		appendStringInfoString(buf, " ALTER COLUMN ");
		fksql_col(buf, NULL, fk->fk_colnames[i]);
		appendStringInfoString(buf, " TYPE ");
		fksql_type(buf, fk->pk_types[i], fk->pk_typmods[i]);
		any = true;
	}
	return any;
}

/*
 * UPDATE [ONLY] <referencing table> alias SET (k1, k2) = ROW(NULL::t1,
 * NULL::t2): detach rows from their referenced key (the caller adds WHERE).
 */
void
fkfix_set_key_null(StringInfo buf, FkModel *fk, const char *alias)
{
	int			first_pos[INDEX_MAX_KEYS];
	bool		first = true;

	fk_key_distinct_columns(fk, first_pos);
	appendStringInfoString(buf, "UPDATE ");
	fksql_rel(buf, fk->fk_relid, true);
	appendStringInfo(buf, " %s SET (", alias);
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (first_pos[i] != i)
			continue;
		if (!first)
			appendStringInfoString(buf, ", ");
		fksql_col(buf, NULL, fk->fk_colnames[i]);
		first = false;
	}
	appendStringInfoString(buf, ") = ROW(");
	first = true;
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (first_pos[i] != i)
			continue;
		if (!first)
			appendStringInfoString(buf, ", ");
		fksql_typed_literal(buf, NULL, fk->fk_types[i], fk->fk_typmods[i]);
		first = false;
	}
	appendStringInfoChar(buf, ')');
}

/*
 * Does deleting a referenced row make the server delete, or fail on, the
 * rows that reference it through child?  CASCADE deletes them; NO ACTION
 * and RESTRICT fail while they exist; SET NULL fails when a column it
 * sets is NOT NULL.  Those rows must go before (or with) the parent.
 */
static bool
deletes_children(FkModel *child)
{
	switch (child->del_action)
	{
		case FKCONSTR_ACTION_SETDEFAULT:
			return false;
		case FKCONSTR_ACTION_SETNULL:
			for (int i = 0; i < child->nkeys; i++)
				if (fk_key_sets_column(child, i, true) && child->fk_notnull[i])
					return true;
			return false;
		default:
			return true;
	}
}

/* alias."ctid" and alias."tableoid" are those of a row collected in fk_tools_rows */
static void
row_collected(StringInfo buf, const char *alias)
{
	appendStringInfoString(buf, "EXISTS (SELECT FROM fk_tools_rows fk_tools_r WHERE fk_tools_r.rel OPERATOR(pg_catalog.=) ");
	fksql_col(buf, alias, "tableoid");
	appendStringInfoString(buf, " AND fk_tools_r.tid OPERATOR(pg_catalog.=) ");
	fksql_col(buf, alias, "ctid");
	appendStringInfoChar(buf, ')');
}

/*
 * Delete the key's row of the referenced table (values: the referenced
 * key, as text) together with every row that would keep it from being
 * deleted, at any depth, in one statement (so one transaction):
 *
 *   WITH RECURSIVE fk_tools_rows(rel, tid) AS (
 *     the key's row
 *     UNION
 *     the rows referencing a row already in fk_tools_rows, through every
 *     foreign key that deletes_children, one LATERAL branch per key
 *   ), fk_tools_d1 AS (DELETE FROM t1 WHERE the row was collected), ...
 *   DELETE FROM parent WHERE the row was collected
 *
 * Rows are carried as (tableoid, ctid), so the walk works for any graph:
 * self references collect a whole tree, and UNION stops at rows already
 * collected, so cycles terminate.  No order is needed: the foreign keys
 * of all the statement's deletes are checked after all of them (RESTRICT
 * and NO ACTION alike), when the referencing rows are gone too; rows that
 * a CASCADE would delete are already deleted.  SET DEFAULT children are
 * left to the server: noted in *notes.
 */
void
fkfix_delete_with_dependants(StringInfo sql, FkModel *fk, char **values,
							 List **notes)
{
	List	   *tables = list_make1_oid(fk->pk_relid);
	List	   *edges = NIL;
	StringInfoData branches;
	ListCell   *lc;
	int			ncte = 0;

	/* the foreign keys to follow: walk the tables breadth first */
	for (int t = 0; t < list_length(tables); t++)
	{
		List	   *refs = fk_model_referencing(list_nth_oid(tables, t), true,
												FK_LOAD_NAMES);

		foreach(lc, refs)
		{
			FkModel    *child = lfirst(lc);

			CHECK_FOR_INTERRUPTS();
			if (!deletes_children(child))
			{
				if (child->del_action == FKCONSTR_ACTION_SETDEFAULT)
					*notes = lappend(*notes,
									 psprintf("rows of %s referencing deleted rows through %s are set to their default by the server; the delete fails if no row of %s has that key",
											  fksql_relname(child->fk_relid),
											  quote_identifier(NameStr(child->conname)),
											  fksql_relname(child->pk_relid)));
				continue;
			}
			if (child->del_action == FKCONSTR_ACTION_SETNULL)
				*notes = lappend(*notes,
								 psprintf("rows of %s referencing deleted rows through %s (ON DELETE SET NULL on a NOT NULL column) are deleted too",
										  fksql_relname(child->fk_relid),
										  quote_identifier(NameStr(child->conname))));
			edges = lappend(edges, child);
			if (!list_member_oid(tables, child->fk_relid))
				tables = lappend_oid(tables, child->fk_relid);
		}
	}

	appendStringInfoString(sql, "WITH RECURSIVE fk_tools_rows(rel, tid) AS (SELECT ");
	fksql_row_id(sql, "fk_tools_p");
	appendStringInfoString(sql, " FROM ");
	fksql_rel(sql, fk->pk_relid, true);
	appendStringInfoString(sql, " fk_tools_p WHERE ");
	fksql_key_equals_literals(sql, fk, "fk_tools_p", values);
	if (edges != NIL)
	{
		initStringInfo(&branches);
		foreach(lc, edges)
		{
			FkModel    *child = lfirst(lc);

			if (branches.len > 0)
				appendStringInfoString(&branches, " UNION ALL ");
			appendStringInfoString(&branches, "SELECT ");
			fksql_row_id(&branches, "fk_tools_c");
			appendStringInfoString(&branches, " FROM ");
			fksql_rel(&branches, child->pk_relid, true);
			appendStringInfoString(&branches, " fk_tools_p JOIN ");
			fksql_rel(&branches, child->fk_relid, true);
			appendStringInfoString(&branches, " fk_tools_c ON ");
			fksql_key_equal(&branches, child, "fk_tools_p", "fk_tools_c");
			appendStringInfoString(&branches, " WHERE ");
			fksql_col(&branches, "fk_tools_p", "tableoid");
			appendStringInfoString(&branches, " OPERATOR(pg_catalog.=) fk_tools_w.rel AND ");
			fksql_col(&branches, "fk_tools_p", "ctid");
			appendStringInfoString(&branches, " OPERATOR(pg_catalog.=) fk_tools_w.tid");
		}
		appendStringInfo(sql, " UNION SELECT fk_tools_x.rel, fk_tools_x.tid FROM fk_tools_rows fk_tools_w CROSS JOIN LATERAL (%s) fk_tools_x(rel, tid)",
						 branches.data);
	}
	appendStringInfoChar(sql, ')');
	foreach(lc, tables)
	{
		Oid			relid = lfirst_oid(lc);

		if (relid == fk->pk_relid)
			continue;
		appendStringInfo(sql, ", fk_tools_d%d AS (DELETE FROM ", ++ncte);
		fksql_rel(sql, relid, true);
		appendStringInfoString(sql, " fk_tools_c WHERE ");
		row_collected(sql, "fk_tools_c");
		appendStringInfoChar(sql, ')');
	}
	appendStringInfoString(sql, " DELETE FROM ");
	fksql_rel(sql, fk->pk_relid, true);
	appendStringInfoString(sql, " fk_tools_c WHERE ");
	row_collected(sql, "fk_tools_c");
}

/*
 * WITH fk_tools_r1 AS (UPDATE <referencing table> SET (<its columns>) =
 * ROW(<new key>) WHERE <it references the old key>), ... <the key update>:
 * a key UPDATE that points the rows still referencing the old key (of the
 * constraints in refs, whose actions do not follow the update) at the new
 * one in the same statement.  Foreign keys are checked at the end of the
 * statement, when both are done.  The referenced row is named by fk's key
 * (values: the old one, as text); the new values are setcols = setvalues
 * (text, NULL for SQL NULL).  The key update is statement when given (the
 * failing UPDATE itself, which has no WITH), else one setting just those
 * values.
 */
void
fkfix_repoint_then_update(StringInfo buf, FkModel *fk, char **values,
						  List *refs, int nset, char **setcols,
						  char **setvalues, const char *statement)
{
	ListCell   *lc;
	int			n = 0;

	foreach(lc, refs)
	{
		FkModel    *ref = lfirst(lc);
		bool		first = true;
		StringInfoData cols;
		StringInfoData vals;

		initStringInfo(&cols);
		initStringInfo(&vals);
		for (int i = 0; i < ref->nkeys; i++)
		{
			int			j;

			for (j = 0; j < nset; j++)
				if (strcmp(setcols[j], ref->pk_colnames[i]) == 0)
					break;
			if (j == nset)
				continue;
			if (!first)
			{
				appendStringInfoString(&cols, ", ");
				appendStringInfoString(&vals, ", ");
			}
			fksql_col(&cols, NULL, ref->fk_colnames[i]);
			fksql_typed_literal(&vals, setvalues[j], ref->fk_types[i], ref->fk_typmods[i]);
			first = false;
		}
		if (first)
			continue;
		appendStringInfo(buf, "%sfk_tools_r%d AS (UPDATE ", n == 0 ? "WITH " : ", ", n + 1);
		fksql_rel(buf, ref->fk_relid, true);
		appendStringInfo(buf, " fk_tools_c SET (%s) = ROW(%s) WHERE EXISTS (SELECT FROM ", cols.data, vals.data);
		fksql_rel(buf, fk->pk_relid, true);
		appendStringInfoString(buf, " fk_tools_p WHERE ");
		fksql_key_equals_literals(buf, fk, "fk_tools_p", values);
		appendStringInfoString(buf, " AND ");
		fksql_key_equal(buf, ref, "fk_tools_p", "fk_tools_c");
		appendStringInfoString(buf, "))\n");
		n++;
	}
	if (statement)
	{
		appendStringInfoString(buf, statement);
		return;
	}
	appendStringInfoString(buf, "UPDATE ");
	fksql_rel(buf, fk->pk_relid, true);
	appendStringInfoString(buf, " fk_tools_p SET (");
	for (int j = 0; j < nset; j++)
		appendStringInfo(buf, "%s%s", j > 0 ? ", " : "", quote_identifier(setcols[j]));
	appendStringInfoString(buf, ") = ROW(");
	for (int j = 0; j < nset; j++)
	{
		AttrNumber	attno = get_attnum(fk->pk_relid, setcols[j]);
		Oid			typid;
		int32		typmod;
		Oid			collid;

		get_atttypetypmodcoll(fk->pk_relid, attno, &typid, &typmod, &collid);
		if (j > 0)
			appendStringInfoString(buf, ", ");
		fksql_typed_literal(buf, setvalues[j], typid, typmod);
	}
	appendStringInfoString(buf, ") WHERE ");
	fksql_key_equals_literals(buf, fk, "fk_tools_p", values);
}
