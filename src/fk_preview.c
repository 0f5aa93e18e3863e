/*-------------------------------------------------------------------------
 *
 * fk_preview.c
 *	  Calling the cascade preview from the other features: fk_explain and
 *	  fk_repair_orphans ask fk_cascade_preview / fk_update_preview what a
 *	  DELETE or UPDATE would do, through their SQL interface.
 *
 * Going through SQL keeps one cascade engine with one entry point: the
 * callers pass a key the way a user would (a jsonb object naming columns,
 * or an array of single-column primary key values) and read its rows.
 * Also here: the table facts these callers need around the preview
 * (a single-column primary key to build array keys from; user triggers
 * and rules, which the preview cannot see).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/xact.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/syscache.h"

#include "fk_tools.h"

/* fk_preview_rows' arguments and result, through fk_try */
typedef struct PreviewCall
{
	const char *sql;
	int			nargs;
	Oid		   *argtypes;
	Datum	   *values;
	List	   *result;
} PreviewCall;

static void preview_rows_in_try(void *arg);

/*
 * Run a query returning the preview's columns, in order, and read its
 * rows: fk_preview_call's, or a caller's own aggregate over previews.
 */
List *
fk_preview_rows(const char *sql, int nargs, Oid *argtypes, Datum *values)
{
	List	   *result = NIL;
	int			rc;

	rc = SPI_execute_with_args(sql, nargs, argtypes, values, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(rc));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		FkPreviewRow *row = palloc0(sizeof(FkPreviewRow));
		bool		isnull;
		Datum		d;

		CHECK_FOR_INTERRUPTS();
		row->depth = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		row->relid = DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull));
		row->action = SPI_getvalue(tup, desc, 3);
		d = SPI_getbinval(tup, desc, 4, &isnull);
		row->rows = isnull ? 0 : DatumGetInt64(d);
		row->via = SPI_getvalue(tup, desc, 5);
		d = SPI_getbinval(tup, desc, 6, &isnull);
		row->refrel = isnull ? InvalidOid : DatumGetObjectId(d);
		row->detail = SPI_getvalue(tup, desc, 7);
		result = lappend(result, row);
	}
	SPI_freetuptable(SPI_tuptable);
	return result;
}

/*
 * Call the preview: "SELECT ... FROM extschema.<call>" where call is
 * fk_cascade_preview(...) or fk_update_preview(...) written by the caller
 * with its arguments as $n parameters.  Rows come back by depth, table,
 * action and constraint.  With error set, an error of the preview (a
 * table the caller cannot read, ...) is returned there instead of thrown,
 * and the result is NIL.
 */
List *
fk_preview_call(Oid extnsp, const char *call, int nargs, Oid *argtypes,
				Datum *values, char **error)
{
	StringInfoData sql;
	PreviewCall call_args;

	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "SELECT r.depth, r.table_name, r.action, r.row_count, r.via_constraint, r.referenced_table, r.detail FROM %s.%s r ORDER BY r.depth, r.table_name::pg_catalog.text, r.action, r.via_constraint",
					 fksql_nspname(extnsp), call);
	if (error == NULL)
		return fk_preview_rows(sql.data, nargs, argtypes, values);

	call_args.sql = sql.data;
	call_args.nargs = nargs;
	call_args.argtypes = argtypes;
	call_args.values = values;
	call_args.result = NIL;
	*error = fk_try(preview_rows_in_try, &call_args, 0);
	return *error ? NIL : call_args.result;
}

static void
preview_rows_in_try(void *arg)
{
	PreviewCall *c = (PreviewCall *) arg;

	c->result = fk_preview_rows(c->sql, c->nargs, c->argtypes, c->values);
}

/*
 * "depth 1: DELETE 2 row(s) of s.t via c (detail); ..." -- preview rows
 * for findings, depths shifted by depth_offset, skipping depth 0 unless
 * with_root, and skipping the rows of constraint skip_via (a name) if set.
 */
char *
fk_preview_text(List *rows, int depth_offset, bool with_root,
				const char *skip_via)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, rows)
	{
		FkPreviewRow *r = lfirst(lc);

		if (r->depth == 0 && !with_root)
			continue;
		if (skip_via && r->via && strcmp(r->via, skip_via) == 0)
			continue;
		appendStringInfo(&buf, "%sdepth %d: %s %lld row(s) of %s",
						 buf.len > 0 ? "; " : "", r->depth + depth_offset,
						 r->action, (long long) r->rows,
						 fksql_relname(r->relid));
		if (r->via)
			appendStringInfo(&buf, " via %s", quote_identifier(r->via));
		if (r->detail)
		{
			int			len = strlen(r->detail);

			/* a sentence of its own in the preview, a parenthesis here */
			if (len > 0 && r->detail[len - 1] == '.')
				len--;
			appendStringInfo(&buf, " (%.*s)", len, r->detail);
		}
	}
	return buf.data;
}

/*
 * The single key column of relid's primary key (its name and type), or
 * false: the form of key that the preview accepts as an array of values.
 */
bool
fk_single_pk_column(Oid relid, char **colname, Oid *coltype)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	Oid			pkindex = RelationGetPrimaryKeyIndex(rel);
	bool		found = false;

	if (OidIsValid(pkindex))
	{
		HeapTuple	indtup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pkindex));
		Form_pg_index ind;

		if (!HeapTupleIsValid(indtup))
			elog(ERROR, "cache lookup failed for index %u", pkindex);
		ind = (Form_pg_index) GETSTRUCT(indtup);
		if (ind->indnkeyatts == 1 && ind->indkey.values[0] > 0)
		{
			Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel),
												  ind->indkey.values[0] - 1);

			*colname = pstrdup(NameStr(att->attname));
			*coltype = att->atttypid;
			found = true;
		}
		ReleaseSysCache(indtup);
	}
	relation_close(rel, AccessShareLock);
	return found;
}

/*
 * The names of relid's primary key columns (*ncols of them), or NULL when
 * it has no primary key.
 */
char	  **
fk_pk_columns(Oid relid, int *ncols)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	Oid			pkindex = RelationGetPrimaryKeyIndex(rel);
	char	  **names = NULL;

	*ncols = 0;
	if (OidIsValid(pkindex))
	{
		HeapTuple	indtup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pkindex));
		Form_pg_index ind;

		if (!HeapTupleIsValid(indtup))
			elog(ERROR, "cache lookup failed for index %u", pkindex);
		ind = (Form_pg_index) GETSTRUCT(indtup);
		names = palloc(sizeof(char *) * Max(ind->indnkeyatts, 1));
		for (int i = 0; i < ind->indnkeyatts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel),
												  ind->indkey.values[i] - 1);

			names[i] = pstrdup(NameStr(att->attname));
		}
		*ncols = ind->indnkeyatts;
		ReleaseSysCache(indtup);
	}
	relation_close(rel, AccessShareLock);
	return names;
}

/*
 * Does the table have user triggers (not RI's own) or rules?  The preview
 * cannot see what they do.  Returns "triggers", "rules", "triggers and
 * rules" or NULL.
 */
const char *
fk_unseen_by_preview(Oid relid)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	bool		triggers = false;
	bool		rules = rel->rd_rules != NULL;

	if (rel->trigdesc)
	{
		for (int i = 0; i < rel->trigdesc->numtriggers; i++)
			triggers |= !rel->trigdesc->triggers[i].tgisinternal &&
				rel->trigdesc->triggers[i].tgenabled != TRIGGER_DISABLED;
	}
	relation_close(rel, AccessShareLock);
	if (triggers && rules)
		return "triggers and rules";
	if (triggers)
		return "triggers";
	if (rules)
		return "rules";
	return NULL;
}

/*
 * "The preview does not see user triggers on s.a, rules on s.b: ..." for
 * the tables a preview reached (and extra, if valid), or NULL.
 */
char *
fk_preview_unseen_text(List *rows, Oid extra)
{
	char	   *list = fk_preview_unseen_list(rows, extra);

	if (list == NULL)
		return NULL;
	return psprintf("The preview does not see user %s: a BEFORE trigger can skip or change rows, an AFTER trigger can change more, a DO INSTEAD rule replaces the statement; the real statement may differ.",
					list);
}

/*
 * "triggers on s.a, rules on s.b" for the tables a preview reached (and
 * extra, if valid), or NULL.
 */
char *
fk_preview_unseen_list(List *rows, Oid extra)
{
	StringInfoData buf;
	List	   *seen = NIL;
	ListCell   *lc;

	initStringInfo(&buf);
	if (OidIsValid(extra))
		seen = list_make1_oid(extra);
	foreach(lc, rows)
	{
		FkPreviewRow *r = lfirst(lc);

		if (!list_member_oid(seen, r->relid))
			seen = lappend_oid(seen, r->relid);
	}
	foreach(lc, seen)
	{
		const char *what = fk_unseen_by_preview(lfirst_oid(lc));

		if (what)
			appendStringInfo(&buf, "%s%s on %s", buf.len > 0 ? ", " : "",
							 what, fksql_relname(lfirst_oid(lc)));
	}
	if (buf.len == 0)
		return NULL;
	return buf.data;
}
