/*-------------------------------------------------------------------------
 *
 * fk_explain.c
 *	  fk_explain: from a foreign key error, as a user pastes it, to what
 *	  happened and ready-to-run statements that fix it; or the same for
 *	  one constraint, without an error.
 *
 * fk_explain_parse.c reads the text (which constraint, which key);
 * here the findings are made from the data as it is now, and the fixes
 * written (by fk_fix.c); fk_explain_whatif.c asks the cascade engine what
 * the DELETE of a still-referenced key does, and would do with another
 * action.  Everything reads with the caller's rights, AccessShareLock
 * only, and writes nothing.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/regproc.h"

#include "fk_access.h"
#include "fk_cascade.h"
#include "fk_explain.h"
#include "fk_fix.h"
#include "fk_orphans.h"
#include "fk_sql.h"
#include "fk_table.h"

PG_FUNCTION_INFO_V1(fk_explain_error);
PG_FUNCTION_INFO_V1(fk_explain_constraint);
PG_FUNCTION_INFO_V1(fk_explain_error_steps);
PG_FUNCTION_INFO_V1(fk_explain_constraint_steps);

#define EXPLAIN_COLS	4
/* fk_explain_steps: step, fix_step, sql, outside_transaction, locks */
#define EXPLAIN_STEPS_COLS	5

/* fk_explain reads at most this much error text */
#define MAX_ERROR_TEXT	(1024 * 1024)

/* The extension's schema: that of the function being called. */
static Oid	ext_nsp = InvalidOid;

static void explain_definition(ExplainOut *out, FkModel *fk);
static void explain_orphans(ExplainOut *out, FkModel *fk);
static void explain_insert(ExplainOut *out, Candidate *cand, bool bulk);
static void explain_delete(ExplainOut *out, Candidate *cand);
static void explain_update(ExplainOut *out, Candidate *cand, FkStatement *st);
static void explain_key_change(ExplainOut *out, Candidate *cand,
							   const char *statement);
static void explain_constraint(ExplainOut *out, FkModel *fk);
static bool explain_as_constraint(ExplainOut *out, const char *conname,
								  const char *relname);
static void emit_ranked(ExplainOut *out, List *suggestions, bool working);
static void explain_match_full(ExplainOut *out, FkModel *fk);
static void unrecognised(ExplainOut *out, const char *why);

void
fkx_emit(ExplainOut *out, const char *finding, const char *suggestion,
		 const char *sql)
{
	FkFixStep	st = {(char *) sql, false, NULL};

	fkx_emit_steps(out, finding, suggestion, sql ? list_make1(&st) : NIL);
}

/*
 * A row of fk_explain whose fix is steps (fk_fix.h): sql shows them as one
 * text; fk_explain_steps gives one row per step instead, numbered by the
 * fk_explain row it belongs to, and nothing for rows without a fix.
 */
void
fkx_emit_steps(ExplainOut *out, const char *finding, const char *suggestion,
			   List *steps)
{
	Datum		values[EXPLAIN_STEPS_COLS];
	bool		nulls[EXPLAIN_STEPS_COLS];
	ListCell   *lc;

	memset(nulls, 0, sizeof(nulls));
	values[0] = Int32GetDatum(++out->step);
	if (out->steps_only)
	{
		foreach(lc, steps)
		{
			FkFixStep  *st = lfirst(lc);

			values[1] = Int32GetDatum(foreach_current_index(lc) + 1);
			values[2] = CStringGetTextDatum(st->sql);
			values[3] = BoolGetDatum(st->outside_transaction);
			nulls[4] = st->locks == NULL;
			if (st->locks)
				values[4] = CStringGetTextDatum(st->locks);
			tuplestore_putvalues(out->rsinfo->setResult, out->rsinfo->setDesc,
								 values, nulls);
		}
		return;
	}
	nulls[1] = finding == NULL;
	nulls[2] = suggestion == NULL;
	nulls[3] = steps == NIL;
	if (finding)
		values[1] = CStringGetTextDatum(finding);
	if (suggestion)
		values[2] = CStringGetTextDatum(suggestion);
	if (steps != NIL)
		values[3] = CStringGetTextDatum(fkfix_steps_text(steps));
	tuplestore_putvalues(out->rsinfo->setResult, out->rsinfo->setDesc,
						 values, nulls);
}

/* The suggestions that work (working) or those that do not, in order. */
static void
emit_ranked(ExplainOut *out, List *suggestions, bool working)
{
	ListCell   *lc;

	foreach(lc, suggestions)
	{
		FkxSuggestion *sg = lfirst(lc);

		if (sg->works == working)
			fkx_emit_steps(out, NULL, sg->text, sg->steps);
	}
}

/* The extension's schema, quoted, for calls to its functions in suggestions. */
const char *
fkx_ext_schema(void)
{
	return fksql_nspname(ext_nsp);
}

/* "a, b" -- the key columns as the server lists them in a message. */
char *
fkx_colnames_text(FkModel *fk, bool pk_side)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < fk->nkeys; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
						 pk_side ? fk->pk_colnames[i] : fk->fk_colnames[i]);
	return buf.data;
}

/* "(a, b)=('x, y', 'z') or (a, b)=('x', 'y, z')": readings, as literals. */
char *
fkx_splits_text(FkModel *fk, bool pk_side, List *splits)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, splits)
	{
		char	  **values = lfirst(lc);

		appendStringInfo(&buf, "%s(%s)=(", buf.len > 0 ? " or " : "",
						 fkx_colnames_text(fk, pk_side));
		for (int i = 0; i < fk->nkeys; i++)
			appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
							 quote_literal_cstr(values[i]));
		appendStringInfoChar(&buf, ')');
	}
	return buf.data;
}

/*
 * "(a, b)=(1, x)" for findings: the key as the server prints it in a
 * DETAIL line (the values as their types' output, unquoted).
 */
char *
fkx_key_text(FkModel *fk, bool pk_side, char **values)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "(%s)=(", fkx_colnames_text(fk, pk_side));
	for (int i = 0; i < fk->nkeys; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", values[i] ? values[i] : "null");
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/*
 * alias's referenced key equals the referenced-side values: the rows of
 * the referenced table (alias) the key names.
 */
void
fkx_key_condition(StringInfo buf, FkModel *fk, const char *alias,
				  FkParams *params, char **values)
{
	fksql_key_equals_values(buf, fk, true, alias, params, values);
}

/*
 * Does the referenced table have the key now?  Values of the referencing
 * side compare the way RI compares them, values of the referenced side
 * with its own equality.
 */
bool
fkx_key_present(FkModel *fk, bool pk_side, char **values)
{
	StringInfoData sql;
	FkParams   *params = fk_params_new();

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT pg_catalog.count(*) FROM ");
	fksql_rel(&sql, fk->pk_relid, true);
	appendStringInfoString(&sql, " fk_tools_p WHERE ");
	fksql_key_equals_values(&sql, fk, pk_side, "fk_tools_p", params, values);
	return fk_spi_count(sql.data, params) > 0;
}

static void
explain_definition(ExplainOut *out, FkModel *fk)
{
	char	   *def = fk_model_definition(fk);
	StringInfoData f;

	initStringInfo(&f);
	appendStringInfo(&f, "Constraint %s on table %s: %s.",
					 quote_identifier(NameStr(fk->conname)),
					 fksql_relname(fk->fk_relid), def);
	if (!fk->validated)
		appendStringInfoString(&f, " It is NOT VALID: rows older than the constraint were never checked.");
	fkx_emit(out, f.data, NULL, NULL);
}

/* How many rows of the referencing table break the constraint now. */
static void
explain_orphans(ExplainOut *out, FkModel *fk)
{
	char	   *why = fk_unreadable_reason(fk);
	FkOrphanSummary sum;
	StringInfoData sql;

	if (why)
	{
		fkx_emit(out, psprintf("Cannot count the rows of %s that break the constraint: %s.",
							   fksql_relname(fk->fk_relid), why), NULL, NULL);
		return;
	}
	fk_orphan_summary(fk, 0, &sum);
	if (sum.orphan_rows == 0)
	{
		fkx_emit(out, psprintf("No row of %s breaks the constraint now.",
							   fksql_relname(fk->fk_relid)), NULL, NULL);
		return;
	}
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT * FROM %s.fk_orphans(", fkx_ext_schema());
	fksql_typed_literal(&sql, fksql_relname(fk->fk_relid), REGCLASSOID, -1);
	appendStringInfoString(&sql, ", ");
	fksql_typed_literal(&sql, NameStr(fk->conname), NAMEOID, -1);
	appendStringInfoChar(&sql, ')');
	fkx_emit(out, psprintf("%lld row(s) of %s break the constraint now, missing %lld distinct referenced key(s) (NOT VALID constraints and disabled triggers let them in).",
						   (long long) sum.orphan_rows, fksql_relname(fk->fk_relid),
						   (long long) sum.missing_keys),
			 "List them, then repair them with fk_repair_orphans.", sql.data);
}

/*
 * The insert side: a row of the referencing table names a key that the
 * referenced table does not have.
 */
static void
explain_insert(ExplainOut *out, Candidate *cand, bool bulk)
{
	FkModel    *fk = cand->fk;
	StringInfoData sql;
	StringInfoData s;
	bool		exists = false;
	bool		any_notnull = false;

	explain_definition(out, fk);
	if (cand->values)
	{
		if (pg_class_aclcheck(fk->pk_relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK)
		{
			exists = fkx_key_present(fk, false, cand->values);
			fkx_emit(out, psprintf("Key %s %s in %s now.",
							   fkx_key_text(fk, false, cand->values),
							   exists ? "exists" : "does not exist",
							   fksql_relname(fk->pk_relid)),
				 exists ? "The parent row exists now (added since the error): run the failing statement again." : NULL,
				 NULL);
		}
	}
	else if (cand->value_splits != NIL)
	{
		fkx_emit(out, psprintf("The key's values contain \", \" and can be read in several ways: %s.",
						   fkx_splits_text(fk, false, cand->value_splits)),
			 "Check which key the failing statement used; the statements below use the placeholders of the key's columns.", NULL);
	}
	else
		fkx_emit(out, "The error text does not show the key's values (the role lacks SELECT on the key columns, or the DETAIL line is missing).",
			 NULL, NULL);
	explain_orphans(out, fk);

	/* insert the parent first */
	if (cand->values && !exists)
	{
		TupleDesc	pkdesc;
		Relation	pkrel = relation_open(fk->pk_relid, AccessShareLock);
		StringInfoData cols;
		StringInfoData vals;
		StringInfoData missing;
		StringInfoData defaults;
		StringInfoData nulls;

		pkdesc = RelationGetDescr(pkrel);
		initStringInfo(&cols);
		initStringInfo(&vals);
		initStringInfo(&missing);
		initStringInfo(&defaults);
		initStringInfo(&nulls);
		for (int i = 0; i < fk->nkeys; i++)
		{
			if (i > 0)
			{
				appendStringInfoString(&cols, ", ");
				appendStringInfoString(&vals, ", ");
			}
			fksql_ident(&cols, fk->pk_colnames[i]);
			fksql_typed_literal(&vals, cand->values[i], fk->pk_types[i],
								fk->pk_typmods[i]);
		}
		/*
		 * The other columns: NOT NULL ones without a default need a value
		 * (a placeholder the INSERT fails on until filled in); those with
		 * a default (or an identity) are offered it, as DEFAULT; the rest
		 * are left NULL.  Generated columns compute themselves.
		 */
		for (int a = 0; a < pkdesc->natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(pkdesc, a);
			bool		in_key = false;

			if (att->attisdropped || att->attgenerated)
				continue;
			for (int i = 0; i < fk->nkeys; i++)
				in_key |= fk->pk_attnums[i] == att->attnum;
			if (in_key)
				continue;
			if (att->atthasdef || att->attidentity)
			{
				appendStringInfoString(&cols, ", ");
				fksql_ident(&cols, NameStr(att->attname));
				appendStringInfoString(&vals, ", DEFAULT");
				appendStringInfo(&defaults, "%s%s", defaults.len > 0 ? ", " : "",
								 quote_identifier(NameStr(att->attname)));
				continue;
			}
			if (!att->attnotnull)
			{
				appendStringInfo(&nulls, "%s%s", nulls.len > 0 ? ", " : "",
								 quote_identifier(NameStr(att->attname)));
				continue;
			}
			appendStringInfoString(&cols, ", ");
			fksql_ident(&cols, NameStr(att->attname));
			appendStringInfoString(&vals, ", ");
			fksql_typed_literal(&vals, NULL, att->atttypid, att->atttypmod);
			/* no name in the comment: a name may contain the comment's end */
			appendStringInfoString(&vals, " /* fill in */");
			appendStringInfo(&missing, "%s%s (%s)", missing.len > 0 ? ", " : "",
							 quote_identifier(NameStr(att->attname)),
							 format_type_be(att->atttypid));
		}
		relation_close(pkrel, AccessShareLock);

		initStringInfo(&sql);
		appendStringInfo(&sql, "INSERT INTO %s (%s) VALUES (%s)",
						 fksql_relname(fk->pk_relid), cols.data, vals.data);
		initStringInfo(&s);
		appendStringInfo(&s, "Insert the parent row first, then run the failing statement again.");
		if (missing.len > 0)
			appendStringInfo(&s, " Fill in the NOT NULL columns without a default first (the INSERT fails until then): %s.",
							 missing.data);
		if (defaults.len > 0)
			appendStringInfo(&s, " Columns given their default: %s.", defaults.data);
		if (nulls.len > 0)
			appendStringInfo(&s, " Left NULL: %s.", nulls.data);
		fkx_emit(out, NULL, s.data, sql.data);
	}

	/* correct the value: show the keys that do exist */
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	fksql_key_list(&sql, fk, true, "fk_tools_p");
	appendStringInfoString(&sql, " FROM ");
	fksql_rel(&sql, fk->pk_relid, true);
	appendStringInfoString(&sql, " fk_tools_p ORDER BY ");
	fksql_key_list(&sql, fk, true, "fk_tools_p");
	appendStringInfoString(&sql, " LIMIT 20");
	fkx_emit(out, NULL,
		 psprintf("Or correct the value in the failing statement: (%s) must name an existing key of %s.",
				  fkx_colnames_text(fk, false), fksql_relname(fk->pk_relid)),
		 sql.data);

	/* store no reference: NULL */
	initStringInfo(&sql);
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (!fk->fk_notnull[i])
			continue;
		if (!any_notnull)
			appendStringInfo(&sql, "ALTER TABLE %s", fksql_relname(fk->fk_relid));
		appendStringInfo(&sql, "%s ALTER COLUMN ", any_notnull ? "," : "");
		any_notnull = true;
		fksql_ident(&sql, fk->fk_colnames[i]);
		appendStringInfoString(&sql, " DROP NOT NULL");
	}
	fkx_emit(out, NULL,
		 any_notnull ?
		 psprintf("Or, if the row may exist without a parent, make (%s) nullable and store NULL there.",
				  fkx_colnames_text(fk, false)) :
		 psprintf("Or, if the row may exist without a parent, store NULL in (%s): %s.",
				  fkx_colnames_text(fk, false),
				  fk->match_type == FKCONSTR_MATCH_FULL ?
				  "under MATCH FULL all of them" :
				  "a key with a NULL is not checked"),
		 any_notnull ? sql.data : NULL);

	/* a bulk load: parents first */
	if (bulk)
	{
		initStringInfo(&sql);
		appendStringInfo(&sql, "SELECT * FROM %s.fk_load_order() ORDER BY 1",
						 fkx_ext_schema());
		fkx_emit(out, NULL,
			 fk->deferrable ?
			 psprintf("This looks like a bulk load: load %s before %s (fk_load_order gives an order for every table), or load both in one transaction after SET CONSTRAINTS %s DEFERRED.",
					  fksql_relname(fk->pk_relid), fksql_relname(fk->fk_relid),
					  quote_identifier(NameStr(fk->conname))) :
			 psprintf("This looks like a bulk load: load %s before %s (fk_load_order gives an order for every table).",
					  fksql_relname(fk->pk_relid), fksql_relname(fk->fk_relid)),
			 sql.data);
	}
}

/* A foreign key referencing the row of a key, and how many rows it has there. */
typedef struct RefRows
{
	FkModel    *ref;
	int64		rows;			/* -1: not readable */
} RefRows;

/*
 * Who references the row of fk's referenced table whose key is values,
 * through every declared foreign key: one count each, and the finding
 * "Key (..)=(..) of t is referenced directly by: c via k (ON DELETE x):
 * n row(s); ..." (ON UPDATE for a key update).  Returns the RefRows.
 */
static List *
referencing_rows(ExplainOut *out, FkModel *fk, char **values, bool on_update)
{
	List	   *result = NIL;
	ListCell   *lc;
	StringInfoData s;

	initStringInfo(&s);
	foreach(lc, fk_model_referencing(fk->pk_relid, true, FK_LOAD_NAMES))
	{
		RefRows    *r = palloc(sizeof(RefRows));
		FkParams   *params = fk_params_new();
		StringInfoData sql;
		Oid			denied;

		CHECK_FOR_INTERRUPTS();
		r->ref = lfirst(lc);
		r->rows = -1;
		result = lappend(result, r);
		if (!fk_can_read_key(r->ref, false, &denied))
		{
			appendStringInfo(&s, "%s%s via %s: not readable (permission denied)",
							 s.len > 0 ? "; " : "", fksql_relname(r->ref->fk_relid),
							 quote_identifier(NameStr(r->ref->conname)));
			continue;
		}
		initStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT pg_catalog.count(*) FROM ");
		fksql_rel(&sql, r->ref->fk_relid, true);
		appendStringInfoString(&sql, " fk_tools_c WHERE EXISTS (SELECT FROM ");
		fksql_rel(&sql, fk->pk_relid, true);
		appendStringInfoString(&sql, " fk_tools_p WHERE ");
		fkx_key_condition(&sql, fk, "fk_tools_p", params, values);
		appendStringInfoString(&sql, " AND ");
		fksql_key_equal(&sql, r->ref, "fk_tools_p", "fk_tools_c");
		appendStringInfoChar(&sql, ')');
		r->rows = fk_spi_count(sql.data, params);
		appendStringInfo(&s, "%s%s via %s (ON %s %s): %lld row(s)",
						 s.len > 0 ? "; " : "", fksql_relname(r->ref->fk_relid),
						 quote_identifier(NameStr(r->ref->conname)),
						 on_update ? "UPDATE" : "DELETE",
						 fk_action_name(on_update ? r->ref->upd_action : r->ref->del_action),
						 (long long) r->rows);
	}
	fkx_emit(out, psprintf("Key %s of %s is referenced directly by: %s.",
						   fkx_key_text(fk, true, values),
						   fksql_relname(fk->pk_relid), s.data),
			 NULL, NULL);
	return result;
}

/*
 * The delete side: a row of the referenced table is still referenced.
 */
static void
explain_delete(ExplainOut *out, Candidate *cand)
{
	FkModel    *fk = cand->fk;
	List	   *refs;
	ListCell   *lc;
	StringInfoData sql;
	StringInfoData s;
	List	   *notes = NIL;
	FkCascade  *now;
	char	   *preview_error = NULL;
	int64		this_fk = 0;
	bool		nullable = true;
	List	   *later = NIL;
	List	   *steps;
	bool		general;

	if (cand->values == NULL)
	{
		if (cand->value_splits != NIL)
		{
			fkx_emit(out, psprintf("The key's values contain \", \" and can be read in several ways: %s.",
								   fkx_splits_text(fk, true, cand->value_splits)),
					 "Run fk_explain on the constraint, or pass an error text whose key is unambiguous.", NULL);
		}
		else
			fkx_emit(out, "The error text does not show the key's values (the role lacks SELECT on the key columns, or the DETAIL line is missing).",
					 NULL, NULL);
		explain_orphans(out, fk);
		return;
	}

	/* who references this row directly, through every foreign key */
	refs = referencing_rows(out, fk, cand->values, false);
	foreach(lc, refs)
	{
		RefRows    *r = lfirst(lc);

		if (r->ref->conoid == fk->conoid)
			this_fk = Max(r->rows, 0);
	}

	/* and what the DELETE does through all of them, at every depth */
	now = fkx_cascade_now(out, fk, cand->values, &preview_error);

	/* delete the children first, at every depth */
	steps = fkfix_delete_with_dependants(fk, cand->values, &notes, &general);
	initStringInfo(&s);
	if (general)
		appendStringInfo(&s, "Delete the row of %s together with every row that keeps it from being deleted, at every depth, in one statement (one transaction): the foreign keys involved form a cycle or reference their own table, so no order of plain DELETEs would do, and the statement collects the rows first; the foreign keys are checked after all of its deletes.",
						 fksql_relname(fk->pk_relid));
	else
		appendStringInfo(&s, "Delete the row of %s together with every row that keeps it from being deleted, at every depth, in one transaction: the referencing rows first, then the row itself (each DELETE takes row locks and ROW EXCLUSIVE on its table).",
						 fksql_relname(fk->pk_relid));
	fkx_emit_steps(out, NULL, s.data, steps);

	/* re-point: store NULL in this constraint's referencing rows */
	for (int i = 0; i < fk->nkeys; i++)
		nullable &= !fk->fk_notnull[i];
	if (nullable)
	{
		initStringInfo(&sql);
		fkfix_set_key_null(&sql, fk, "fk_tools_c");
		appendStringInfoString(&sql, " WHERE EXISTS (SELECT FROM ");
		fksql_rel(&sql, fk->pk_relid, true);
		appendStringInfoString(&sql, " fk_tools_p WHERE ");
		fksql_key_equals_literals(&sql, fk, "fk_tools_p", cand->values);
		appendStringInfoString(&sql, " AND ");
		fksql_key_equal(&sql, fk, "fk_tools_p", "fk_tools_c");
		appendStringInfoChar(&sql, ')');
		fkx_emit(out, NULL,
				 psprintf("Or keep the %lld referencing row(s) of %s and detach them (set (%s) to NULL) or re-point them to another key, then delete.",
						  (long long) this_fk, fksql_relname(fk->fk_relid),
						  fkx_colnames_text(fk, false)),
				 sql.data);
	}

	/*
	 * Change the constraint's delete action, with what that would do:
	 * offered where it would work, after the fixes that do; otherwise
	 * last, saying what would still block the DELETE.
	 */
	if (fk->del_action != FKCONSTR_ACTION_CASCADE)
		later = lappend(later, fkx_suggest_cascade(fk, cand->values, this_fk));
	if (fk->del_action != FKCONSTR_ACTION_SETNULL && nullable)
		later = lappend(later, fkx_suggest_set_null(fk, cand->values));
	if (now)
		fk_casc_end(now);
	emit_ranked(out, later, true);

	/* soft delete */
	fkx_emit(out, NULL,
			 psprintf("Or do not delete: mark the row of %s as deleted (a soft delete, e.g. a deleted_at column that queries filter on), which keeps its referencing rows and the audit trail.",
					  fksql_relname(fk->pk_relid)),
			 NULL);
	emit_ranked(out, later, false);
}

/*
 * The key update side: a row of the referenced table would get a new key
 * while rows still reference the old one.  The fixes are the guide's:
 * point those rows at the new key in the same statement (or, with a
 * DEFERRABLE constraint, the same transaction), or make the constraint
 * ON UPDATE CASCADE; never deleting them.
 */
static void
explain_update(ExplainOut *out, Candidate *cand, FkStatement *st)
{
	FkModel    *fk = cand->fk;
	List	   *refs;
	List	   *blocking = NIL;
	ListCell   *lc;
	StringInfoData sql;
	bool		known = st->kind == FKS_UPDATE && st->values_known && st->nset > 0;
	int64		stuck = 0;
	char	   *error = NULL;
	FkCascade  *now = NULL;
	FkxSuggestion *cascade;

	if (cand->values == NULL)
	{
		if (cand->value_splits != NIL)
			fkx_emit(out, psprintf("The key's values contain \", \" and can be read in several ways: %s.",
								   fkx_splits_text(fk, true, cand->value_splits)),
					 "Run fk_explain on the constraint, or pass an error text whose key is unambiguous.", NULL);
		else
			fkx_emit(out, "The error text does not show the key's values (the role lacks SELECT on the key columns, or the DETAIL line is missing).",
					 NULL, NULL);
		return;
	}

	/*
	 * Who references this row, and which of them keep the key from
	 * changing: ON UPDATE NO ACTION or RESTRICT, on a column the UPDATE
	 * sets (any, when that is not known).
	 */
	refs = referencing_rows(out, fk, cand->values, true);
	foreach(lc, refs)
	{
		RefRows    *r = lfirst(lc);
		bool		changes = !known;

		for (int i = 0; known && i < r->ref->nkeys; i++)
			for (int j = 0; j < st->nset; j++)
				changes |= strcmp(st->setcols[j], r->ref->pk_colnames[i]) == 0;
		if (changes && r->rows > 0 &&
			(r->ref->upd_action == FKCONSTR_ACTION_NOACTION ||
			 r->ref->upd_action == FKCONSTR_ACTION_RESTRICT))
		{
			blocking = lappend(blocking, r->ref);
			stuck += r->rows;
		}
	}

	if (known)
		now = fkx_update_now(out, fk, cand->values, st, &error);
	else
		fkx_emit(out, st->kind == FKS_UPDATE ?
				 "The failing UPDATE sets the key to something other than constants: its new key is not known here." :
				 "The failing UPDATE's new key is not known: pass the statement as fk_explain's second argument to see what it does and get a statement that fixes it.",
				 NULL, NULL);
	if (now)
		fk_casc_end(now);

	/* point the referencing rows at the new key, in the same statement */
	if (known && blocking != NIL)
	{
		char	   *stmt = NULL;

		if (st->simple)
		{
			int			len = strlen(st->text);

			/* the statement itself, without its terminating semicolon */
			while (len > 0 && (st->text[len - 1] == ';' || isspace((unsigned char) st->text[len - 1])))
				len--;
			stmt = pnstrdup(st->text, len);
		}
		initStringInfo(&sql);
		fkfix_repoint_then_update(&sql, fk, cand->values, blocking, st->nset,
								  st->setcols, st->setvalues, stmt);
		fkx_emit(out, NULL,
				 psprintf("Point the %lld row(s) still referencing the old key at the new one in the same statement as the key update (run this instead of the failing statement%s): foreign keys are checked at the end of the statement, when both are done.",
						  (long long) stuck,
						  stmt ? ", which it contains" : "; it sets only the key"),
				 sql.data);
	}
	else if (blocking != NIL)
		fkx_emit(out, NULL,
				 "Update the referencing rows to the new key in the same statement as the key update (a WITH query: WITH r AS (UPDATE <referencing table> SET <columns> = <new key> WHERE <columns> = <old key>) UPDATE <referenced table> SET ...), so that the foreign keys, checked at its end, find both done.",
				 NULL);
	if (fk->deferrable && blocking != NIL)
		fkx_emit(out, NULL,
				 psprintf("Or, %s being DEFERRABLE, in one transaction: BEGIN; SET CONSTRAINTS %s DEFERRED; the failing UPDATE; UPDATE %s SET (%s) to the new key WHERE it is the old one; COMMIT (checked at COMMIT).",
						  quote_identifier(NameStr(fk->conname)),
						  quote_identifier(NameStr(fk->conname)),
						  fksql_relname(fk->fk_relid), fkx_colnames_text(fk, false)),
				 NULL);

	/* or let the constraint carry key updates over */
	if (fk->upd_action != FKCONSTR_ACTION_CASCADE)
	{
		cascade = fkx_suggest_update_cascade(fk, cand->values, st);
		emit_ranked(out, list_make1(cascade), true);
		emit_ranked(out, list_make1(cascade), false);
	}
}

/*
 * "update or delete on table ... violates foreign key constraint": which
 * of the two the failing statement was, from the statement when given
 * (its raw parse), else from the constraint's actions (only the one that
 * is NO ACTION or RESTRICT can fail this way); then the advice for it, or
 * for both when that cannot be told.
 */
static void
explain_key_change(ExplainOut *out, Candidate *cand, const char *statement)
{
	FkModel    *fk = cand->fk;
	FkStatement st;
	bool		del_blocks = fk->del_action == FKCONSTR_ACTION_NOACTION ||
		fk->del_action == FKCONSTR_ACTION_RESTRICT;
	bool		upd_blocks = fk->upd_action == FKCONSTR_ACTION_NOACTION ||
		fk->upd_action == FKCONSTR_ACTION_RESTRICT;
	const char *how;

	explain_definition(out, fk);
	fkx_parse_statement(statement, fk->pk_relid, &st);
	if (st.kind != FKS_UNKNOWN)
		how = "the statement says so";
	else if (del_blocks && !upd_blocks)
	{
		st.kind = FKS_DELETE;
		how = psprintf("a key update would not fail here: the constraint is ON UPDATE %s",
					   fk_action_name(fk->upd_action));
	}
	else if (upd_blocks && !del_blocks)
	{
		st.kind = FKS_UPDATE;
		how = psprintf("a DELETE would not fail here: the constraint is ON DELETE %s",
					   fk_action_name(fk->del_action));
	}
	else
		how = NULL;

	if (st.kind == FKS_DELETE)
	{
		fkx_emit(out, psprintf("The failing statement deleted the referenced row (%s).", how),
				 NULL, NULL);
		explain_delete(out, cand);
	}
	else if (st.kind == FKS_UPDATE)
	{
		fkx_emit(out, psprintf("The failing statement changed the referenced row's key (%s).", how),
				 NULL, NULL);
		explain_update(out, cand, &st);
	}
	else
	{
		fkx_emit(out, statement ?
				 psprintf("The message says \"update or delete\", and the statement given does not update or delete rows of %s that fk_explain can read, so which it was cannot be told; both are explained below.",
						  fksql_relname(fk->pk_relid)) :
				 "The message says \"update or delete\" and the constraint fails on both, so which the failing statement was cannot be told from the error: both are explained below.",
				 "Pass the failing statement as the second argument, fk_explain(error_text, statement), to get the advice for it alone.",
				 NULL);
		fkx_emit(out, "If it was a DELETE:", NULL, NULL);
		explain_delete(out, cand);
		fkx_emit(out, "If it was an UPDATE of the key:", NULL, NULL);
		explain_update(out, cand, &st);
	}
}

/* MATCH FULL: a key with some but not all columns NULL. */
static void
explain_match_full(ExplainOut *out, FkModel *fk)
{
	explain_definition(out, fk);
	fkx_emit(out, psprintf("Under MATCH FULL the key (%s) must be all NULL (no reference) or all non-NULL (a reference that must exist); the failing row had some of them NULL.",
						   fkx_colnames_text(fk, false)),
			 NULL, NULL);
	explain_orphans(out, fk);
	fkx_emit(out, NULL,
			 psprintf("Write all of (%s) or none of them in the failing statement.",
					  fkx_colnames_text(fk, false)),
			 NULL);
	fkx_emit_steps(out, NULL,
				   psprintf("Or, if a partly NULL key should simply not be checked, make the constraint MATCH SIMPLE (the default). %s",
							fkfix_redefine_text(fk)),
				   fkfix_redefine_steps(fk, FKCONSTR_MATCH_SIMPLE, fk->del_action, fk->upd_action));
}

static void
unrecognised(ExplainOut *out, const char *why)
{
	fkx_emit(out, why,
			 "Pass the error as psql shows it: the ERROR line \"insert or update on table \"T\" violates foreign key constraint \"C\"\" or \"update or delete on table \"P\" violates foreign key constraint \"C\" on table \"T\"\" with its DETAIL line \"Key (...)=(...) ...\", in English (messages in other languages are not recognised: SET lc_messages = 'C' and repeat the statement), or call fk_explain(constraint_name, table_name).",
			 NULL);
}

/*
 * fk_explain(error_text text[, statement text])
 *	  RETURNS TABLE(step int, finding text, suggestion text, sql text)
 *
 * Explain a foreign key violation from its error text (as psql, a client
 * library, a framework or the server log prints it; a jsonlog line too):
 * the constraint, what the data looks like now, and statements that fix
 * it.  The failing statement (the argument, or a log's STATEMENT line)
 * tells a key update from a delete.  Reads with the caller's rights,
 * AccessShareLock only; writes nothing.
 */
static void explain_error(FunctionCallInfo fcinfo, bool steps_only);
static void explain_one_constraint(FunctionCallInfo fcinfo, bool steps_only);

Datum
fk_explain_error(PG_FUNCTION_ARGS)
{
	explain_error(fcinfo, false);
	PG_RETURN_VOID();
}

/*
 * fk_explain_steps(error_text text, statement text DEFAULT NULL)
 *	  RETURNS TABLE(step int, fix_step int, sql text,
 *					outside_transaction boolean, locks text)
 *
 * fk_explain's fixes, one row per statement to run, in order: step is the
 * fk_explain row the fix belongs to.
 */
Datum
fk_explain_error_steps(PG_FUNCTION_ARGS)
{
	explain_error(fcinfo, true);
	PG_RETURN_VOID();
}

static void
explain_error(FunctionCallInfo fcinfo, bool steps_only)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ExplainOut	out;
	text	   *arg;
	char	   *errtext;
	char	   *statement = NULL;
	FkErrorText err;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	ext_nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
	out.rsinfo = rsinfo;
	out.step = 0;
	out.steps_only = steps_only;
	if (PG_ARGISNULL(0))
		return;
	arg = PG_GETARG_TEXT_PP(0);
	if (VARSIZE_ANY_EXHDR(arg) > MAX_ERROR_TEXT)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("error text is too long"),
				 errdetail("fk_explain reads at most %d bytes of error text; %d were passed.",
						   MAX_ERROR_TEXT, (int) VARSIZE_ANY_EXHDR(arg)),
				 errhint("Pass the lines of the error itself (ERROR, DETAIL, and the statement), not a whole log.")));
	errtext = text_to_cstring(arg);
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		statement = text_to_cstring(PG_GETARG_TEXT_PP(1));

	fk_spi_connect();
	fkx_parse(errtext, &err);
	if (statement == NULL)
		statement = err.statement;
	/*
	 * fk_explain('c', 't') with two string literals resolves to this form:
	 * a constraint name and its table are the other form's arguments.
	 */
	if (err.unrecognised && PG_NARGS() > 1 && statement &&
		explain_as_constraint(&out, errtext, statement))
		;
	else if (err.unrecognised)
		unrecognised(&out, err.unrecognised);
	else if (err.no_such_key)
		fkx_emit(&out, psprintf("The message names %s, but no such foreign key exists in this database%s.",
								err.no_such_key,
								err.nspname ? psprintf(" in schema \"%s\"", err.nspname) : ""),
				 "The constraint may have been dropped or renamed since, or the error came from another database; use fk_explain(constraint_name, table_name) on the constraint as it is now.",
				 NULL);
	else
	{
		if (list_length(err.candidates) > 1)
		{
			StringInfoData s;

			initStringInfo(&s);
			foreach(lc, err.candidates)
			{
				Candidate  *c = lfirst(lc);

				appendStringInfo(&s, "%s%s on %s", s.len > 0 ? ", " : "",
								 quote_identifier(NameStr(c->fk->conname)),
								 fksql_relname(c->fk->fk_relid));
			}
			fkx_emit(&out, psprintf("The message fits %d foreign keys: %s. Each is explained below.",
									list_length(err.candidates), s.data),
					 "Messages do not name the schema: run the failing statement with \\set VERBOSITY verbose to see SCHEMA NAME, and pass that text.",
					 NULL);
		}
		foreach(lc, err.candidates)
		{
			Candidate  *c = lfirst(lc);

			CHECK_FOR_INTERRUPTS();
			if (err.match_full)
				explain_match_full(&out, c->fk);
			else if (err.kind == FKE_INSERT)
				explain_insert(&out, c, err.bulk);
			else
				explain_key_change(&out, c, statement);
		}
	}
	fk_spi_finish();

}

/*
 * One foreign key without an error: its definition, its actions, its
 * state, the rows that break it, and what to do about each problem.
 */
static void
explain_constraint(ExplainOut *out, FkModel *fk)
{
	explain_definition(out, fk);
	fkx_emit(out, psprintf("On delete of a referenced row: %s; on update of its key: %s; match %s%s.",
							fk_action_name(fk->del_action),
							fk_action_name(fk->upd_action),
							fk_match_name(fk->match_type),
							fk->deferrable ? (fk->initdeferred ?
											  "; checked at commit (DEFERRABLE INITIALLY DEFERRED)" :
											  "; DEFERRABLE (SET CONSTRAINTS ... DEFERRED checks it at commit)") :
							"; checked at the end of each statement"),
			 NULL, NULL);
	if (!fk->enforced)
	{
		List	   *steps = fkfix_enable_triggers_steps(fk);

		if (steps != NIL)
			fkx_emit_steps(out, "Some of its RI triggers are disabled or replica-only: rows breaking it can come in.",
						   "Enable exactly those triggers again (needs superuser; SHARE ROW EXCLUSIVE on each table, briefly, after SET lock_timeout), then check for orphans and validate.",
						   steps);
	}
	explain_orphans(out, fk);
	if (!fk->validated)
		fkx_emit_steps(out, NULL,
					   "Once no row breaks it, validate it, in a transaction of its own (SHARE UPDATE EXCLUSIVE lock: reads and writes go on); fk_validate does this only when no orphan is left.",
					   fkfix_validate_steps(fk));
	if (!fk->indexed)
		fkx_emit_steps(out, psprintf("No index leads with (%s): every delete or key update in %s scans %s to find the referencing rows.",
									 fkx_colnames_text(fk, false), fksql_relname(fk->pk_relid),
									 fksql_relname(fk->fk_relid)),
					   fk->fk_relkind == RELKIND_PARTITIONED_TABLE ?
					   "Index the referencing columns: ON ONLY the partitioned table, then each partition's index built CONCURRENTLY (outside a transaction block; reads and writes go on) and attached." :
					   "Index the referencing columns, CONCURRENTLY (outside a transaction block; reads and writes go on).",
					   fkfix_create_index_steps(fk));
}

/*
 * fk_explain('c', 't') resolved to the error form: if relname names a
 * table (as regclass reads it) with a foreign key conname, explain that
 * constraint and return true.
 */
typedef struct AsConstraint
{
	const char *relname;
	Oid			relid;
} AsConstraint;

static void
read_relname(void *arg)
{
	AsConstraint *a = arg;

	a->relid = RangeVarGetRelid(makeRangeVarFromNameList(stringToQualifiedNameList(a->relname)),
								NoLock, true);
}

static bool
explain_as_constraint(ExplainOut *out, const char *conname, const char *relname)
{
	AsConstraint a;
	ListCell   *lc;

	if (strlen(conname) >= NAMEDATALEN || strchr(relname, '\n') != NULL)
		return false;
	a.relname = relname;
	a.relid = InvalidOid;
	if (fk_try(read_relname, &a, 0) != NULL || !OidIsValid(a.relid))
		return false;
	fk_check_target(a.relid, "table_name");
	foreach(lc, fk_model_checked_on(a.relid, NULL, FK_LOAD_NAMES | FK_LOAD_STATE))
	{
		FkModel    *fk = lfirst(lc);

		if (strcmp(NameStr(fk->conname), conname) == 0)
		{
			explain_constraint(out, fk);
			return true;
		}
	}
	return false;
}

/*
 * fk_explain(constraint_name name, table_name regclass)
 *	  RETURNS TABLE(step int, finding text, suggestion text, sql text)
 *
 * Explain one foreign key of table_name without an error: its definition,
 * its state, the rows that break it, and what to do about each problem.
 */
Datum
fk_explain_constraint(PG_FUNCTION_ARGS)
{
	explain_one_constraint(fcinfo, false);
	PG_RETURN_VOID();
}

/* fk_explain_steps(constraint_name name, table_name regclass): as above */
Datum
fk_explain_constraint_steps(PG_FUNCTION_ARGS)
{
	explain_one_constraint(fcinfo, true);
	PG_RETURN_VOID();
}

static void
explain_one_constraint(FunctionCallInfo fcinfo, bool steps_only)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ExplainOut	out;
	FkModel    *fk;
	Oid			relid;

	InitMaterializedSRF(fcinfo, 0);
	ext_nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
	out.rsinfo = rsinfo;
	out.step = 0;
	out.steps_only = steps_only;
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return;
	relid = PG_GETARG_OID(1);
	fk_check_target(relid, "table_name");
	fk = linitial(fk_model_checked_on(relid, NameStr(*PG_GETARG_NAME(0)),
									  FK_LOAD_NAMES | FK_LOAD_STATE));

	fk_spi_connect();
	explain_constraint(&out, fk);
	fk_spi_finish();

}
