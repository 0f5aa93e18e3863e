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

#include "fk_access.h"
#include "fk_cascade.h"
#include "fk_explain.h"
#include "fk_fix.h"
#include "fk_orphans.h"
#include "fk_sql.h"
#include "fk_table.h"

PG_FUNCTION_INFO_V1(fk_explain_error);
PG_FUNCTION_INFO_V1(fk_explain_constraint);

#define EXPLAIN_COLS	4

/* fk_explain reads at most this much error text */
#define MAX_ERROR_TEXT	(1024 * 1024)

/* The extension's schema: that of the function being called. */
static Oid	ext_nsp = InvalidOid;

static void explain_definition(ExplainOut *out, FkModel *fk);
static void explain_orphans(ExplainOut *out, FkModel *fk);
static void explain_insert(ExplainOut *out, Candidate *cand, bool bulk);
static void explain_delete(ExplainOut *out, Candidate *cand);
static void explain_match_full(ExplainOut *out, FkModel *fk);
static void unrecognised(ExplainOut *out, const char *why);

void
fkx_emit(ExplainOut *out, const char *finding, const char *suggestion,
		 const char *sql)
{
	Datum		values[EXPLAIN_COLS];
	bool		nulls[EXPLAIN_COLS];

	memset(nulls, 0, sizeof(nulls));
	values[0] = Int32GetDatum(++out->step);
	nulls[1] = finding == NULL;
	nulls[2] = suggestion == NULL;
	nulls[3] = sql == NULL;
	if (finding)
		values[1] = CStringGetTextDatum(finding);
	if (suggestion)
		values[2] = CStringGetTextDatum(suggestion);
	if (sql)
		values[3] = CStringGetTextDatum(sql);
	tuplestore_putvalues(out->rsinfo->setResult, out->rsinfo->setDesc,
						 values, nulls);
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

/* "(a, b)=('1', 'x')" for findings: values as literals, never ambiguous. */
char *
fkx_key_text(FkModel *fk, bool pk_side, char **values)
{
	return fkx_splits_text(fk, pk_side, list_make1(values));
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

		pkdesc = RelationGetDescr(pkrel);
		initStringInfo(&cols);
		initStringInfo(&vals);
		initStringInfo(&missing);
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
		/* other NOT NULL columns without a default: the user must fill them */
		for (int a = 0; a < pkdesc->natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(pkdesc, a);
			bool		in_key = false;

			if (att->attisdropped || !att->attnotnull || att->atthasdef ||
				att->attidentity || att->attgenerated)
				continue;
			for (int i = 0; i < fk->nkeys; i++)
				in_key |= fk->pk_attnums[i] == att->attnum;
			if (in_key)
				continue;
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
			appendStringInfo(&s, " %s also has NOT NULL columns without a default that the INSERT must fill in: %s.",
							 fksql_relname(fk->pk_relid), missing.data);
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

	explain_definition(out, fk);
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
	refs = fk_model_referencing(fk->pk_relid, true, FK_LOAD_NAMES);
	initStringInfo(&s);
	foreach(lc, refs)
	{
		FkModel    *ref = lfirst(lc);
		FkParams   *params = fk_params_new();
		Oid			denied;
		int64		n;

		CHECK_FOR_INTERRUPTS();
		if (!fk_can_read_key(ref, false, &denied))
		{
			appendStringInfo(&s, "%s%s via %s: not readable (permission denied)",
							 s.len > 0 ? "; " : "", fksql_relname(ref->fk_relid),
							 quote_identifier(NameStr(ref->conname)));
			continue;
		}
		initStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT pg_catalog.count(*) FROM ");
		fksql_rel(&sql, ref->fk_relid, true);
		appendStringInfoString(&sql, " fk_tools_c WHERE EXISTS (SELECT FROM ");
		fksql_rel(&sql, fk->pk_relid, true);
		appendStringInfoString(&sql, " fk_tools_p WHERE ");
		fkx_key_condition(&sql, fk, "fk_tools_p", params, cand->values);
		appendStringInfoString(&sql, " AND ");
		fksql_key_equal(&sql, ref, "fk_tools_p", "fk_tools_c");
		appendStringInfoChar(&sql, ')');
		n = fk_spi_count(sql.data, params);
		if (ref->conoid == fk->conoid)
			this_fk = n;
		appendStringInfo(&s, "%s%s via %s (ON DELETE %s): %lld row(s)",
						 s.len > 0 ? "; " : "", fksql_relname(ref->fk_relid),
						 quote_identifier(NameStr(ref->conname)),
						 fk_action_name(ref->del_action), (long long) n);
	}
	fkx_emit(out, psprintf("Key %s of %s is referenced directly by: %s.",
						   fkx_key_text(fk, true, cand->values),
						   fksql_relname(fk->pk_relid), s.data),
			 NULL, NULL);

	/* and what the DELETE does through all of them, at every depth */
	now = fkx_cascade_now(out, fk, cand->values, &preview_error);

	/* delete the children first, at every depth, as one statement */
	initStringInfo(&sql);
	fkfix_delete_with_dependants(&sql, fk, cand->values, &notes);
	initStringInfo(&s);
	appendStringInfo(&s, "Delete the row of %s together with every row that keeps it from being deleted, at every depth (self references and cycles included), in one statement (one transaction); the foreign keys are checked after all of its deletes, so no order and no SET CONSTRAINTS is needed.",
					 fksql_relname(fk->pk_relid));
	foreach(lc, notes)
		appendStringInfo(&s, " Note: %s.", (char *) lfirst(lc));
	if (now)
	{
		List	   *tables = fk_casc_tables(now);
		char	   *unseen;

		if (!list_member_oid(tables, fk->pk_relid))
			tables = lcons_oid(fk->pk_relid, tables);
		unseen = fk_table_user_code_text(tables, CMD_DELETE);
		if (unseen)
			appendStringInfo(&s, " Note: user %s act on these deletes as on any (a BEFORE DELETE trigger that skips rows, or a DO INSTEAD rule, can keep this from working).",
							 unseen);
	}
	fkx_emit(out, NULL, s.data, sql.data);

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

	/* change the constraint's delete action, with what that would do */
	if (fk->del_action != FKCONSTR_ACTION_CASCADE)
		fkx_suggest_cascade(out, fk, cand->values, now, this_fk);
	if (fk->del_action != FKCONSTR_ACTION_SETNULL && nullable)
		fkx_suggest_set_null(out, fk, cand->values, now);
	if (now)
		fk_casc_end(now);

	/* soft delete */
	fkx_emit(out, NULL,
			 psprintf("Or do not delete: mark the row of %s as deleted (a soft delete, e.g. a deleted_at column that queries filter on), which keeps its referencing rows and the audit trail.",
					  fksql_relname(fk->pk_relid)),
			 NULL);
}

/* MATCH FULL: a key with some but not all columns NULL. */
static void
explain_match_full(ExplainOut *out, FkModel *fk)
{
	StringInfoData sql;

	explain_definition(out, fk);
	fkx_emit(out, psprintf("Under MATCH FULL the key (%s) must be all NULL (no reference) or all non-NULL (a reference that must exist); the failing row had some of them NULL.",
						   fkx_colnames_text(fk, false)),
			 NULL, NULL);
	explain_orphans(out, fk);
	fkx_emit(out, NULL,
			 psprintf("Write all of (%s) or none of them in the failing statement.",
					  fkx_colnames_text(fk, false)),
			 NULL);
	initStringInfo(&sql);
	fkfix_redefine(&sql, fk, FKCONSTR_MATCH_SIMPLE, fk->del_action, fk->upd_action);
	fkx_emit(out, NULL,
			 "Or, if a partly NULL key should simply not be checked, make the constraint MATCH SIMPLE (the default).",
			 sql.data);
}

static void
unrecognised(ExplainOut *out, const char *why)
{
	fkx_emit(out, why,
			 "Pass the error as psql shows it: the ERROR line \"insert or update on table \"T\" violates foreign key constraint \"C\"\" or \"update or delete on table \"P\" violates foreign key constraint \"C\" on table \"T\"\" with its DETAIL line \"Key (...)=(...) ...\", in English (messages in other languages are not recognised: SET lc_messages = 'C' and repeat the statement), or call fk_explain(constraint_name, table_name).",
			 NULL);
}

/*
 * fk_explain(error_text text)
 *	  RETURNS TABLE(step int, finding text, suggestion text, sql text)
 *
 * Explain a foreign key violation from its error text: the constraint,
 * what the data looks like now, and statements that fix it.  Reads with
 * the caller's rights, AccessShareLock only; writes nothing.
 */
Datum
fk_explain_error(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ExplainOut	out;
	text	   *arg;
	char	   *errtext;
	FkErrorText err;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	ext_nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
	out.rsinfo = rsinfo;
	out.step = 0;
	if (PG_ARGISNULL(0))
		PG_RETURN_VOID();
	arg = PG_GETARG_TEXT_PP(0);
	if (VARSIZE_ANY_EXHDR(arg) > MAX_ERROR_TEXT)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("error text is too long"),
				 errdetail("fk_explain reads at most %d bytes of error text; %d were passed.",
						   MAX_ERROR_TEXT, (int) VARSIZE_ANY_EXHDR(arg)),
				 errhint("Pass the lines of the error itself (ERROR, DETAIL, and the statement), not a whole log.")));
	errtext = text_to_cstring(arg);

	fk_spi_connect();
	fkx_parse(errtext, &err);
	if (err.unrecognised)
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
				explain_delete(&out, c);
		}
	}
	fk_spi_finish();
	PG_RETURN_VOID();
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
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ExplainOut	out;
	FkModel    *fk;
	StringInfoData sql;
	Oid			relid;

	InitMaterializedSRF(fcinfo, 0);
	ext_nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
	out.rsinfo = rsinfo;
	out.step = 0;
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_VOID();
	relid = PG_GETARG_OID(1);
	fk_check_target(relid, "table_name");
	fk = linitial(fk_model_checked_on(relid, NameStr(*PG_GETARG_NAME(0)),
									  FK_LOAD_NAMES | FK_LOAD_STATE));

	fk_spi_connect();
	explain_definition(&out, fk);
	fkx_emit(&out, psprintf("On delete of a referenced row: %s; on update of its key: %s; match %s%s.",
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
		initStringInfo(&sql);
		if (fkfix_enable_triggers(&sql, fk))
			fkx_emit(&out, "Some of its RI triggers are disabled or replica-only: rows breaking it can come in.",
					 "Enable exactly those triggers again (needs superuser), then check for orphans and validate.",
					 sql.data);
	}
	explain_orphans(&out, fk);
	if (!fk->validated)
	{
		initStringInfo(&sql);
		fkfix_validate(&sql, fk);
		fkx_emit(&out, NULL,
				 "Once no row breaks it, validate it (SHARE UPDATE EXCLUSIVE lock: writes go on); fk_validate does this only when no orphan is left.",
				 sql.data);
	}
	if (!fk->indexed)
	{
		initStringInfo(&sql);
		fkfix_create_index(&sql, fk);
		fkx_emit(&out, psprintf("No index leads with (%s): every delete or key update in %s scans %s to find the referencing rows.",
								fkx_colnames_text(fk, false), fksql_relname(fk->pk_relid),
								fksql_relname(fk->fk_relid)),
				 "Index the referencing columns.", sql.data);
	}
	fk_spi_finish();
	PG_RETURN_VOID();
}
