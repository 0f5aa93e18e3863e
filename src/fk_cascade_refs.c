/*-------------------------------------------------------------------------
 *
 * fk_cascade_refs.c
 *	  What a previewed statement does to declared-only references: the
 *	  rows it would leave orphaned, as findings beside the engine's groups.
 *
 * A declared-only reference (fk_declare) fires nothing, so the cascade
 * engine never follows it: its previews stay what the server would do.
 * Afterwards, for each group of rows the statement deletes (or whose
 * referenced key it updates) in a table some reference points at, the
 * group's keys are collected and the referencing rows still pointing at
 * them counted, in one query per reference and group, comparing with the
 * reference's operators and collations.  Referenced keys are unique, so
 * those rows lose their only parent.  Kept apart from the engine: it only
 * reads the groups' rows through fk_casc_group_rows.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "fk_access.h"
#include "fk_cascade.h"
#include "fk_model.h"
#include "fk_spi.h"
#include "fk_sql.h"

/* The referenced keys of one group's rows, column by column. */
typedef struct RefKeys
{
	FkModel    *fk;
	int			cols[INDEX_MAX_KEYS];	/* positions in the rows, -1: unknown */
	bool		found_cols;
	Datum	   *values[INDEX_MAX_KEYS];
	bool	   *nulls[INDEX_MAX_KEYS];
	int			n;
	int			alloc;
	MemoryContext cxt;
} RefKeys;

static void
collect_key(Datum *row, bool *rownulls, TupleDesc desc, void *arg)
{
	RefKeys    *rk = arg;
	FkModel    *fk = rk->fk;
	MemoryContext old = MemoryContextSwitchTo(rk->cxt);

	/* the rows come as the table holding them has its columns: by name */
	if (!rk->found_cols)
	{
		for (int i = 0; i < fk->nkeys; i++)
		{
			rk->cols[i] = -1;
			for (int a = 0; a < desc->natts; a++)
				if (!TupleDescAttr(desc, a)->attisdropped &&
					strcmp(NameStr(TupleDescAttr(desc, a)->attname), fk->pk_colnames[i]) == 0)
					rk->cols[i] = a;
			if (rk->cols[i] < 0)
				elog(ERROR, "column \"%s\" not found in the rows of a cascade group",
					 fk->pk_colnames[i]);
		}
		rk->found_cols = true;
	}
	if (rk->n == rk->alloc)
	{
		rk->alloc = Max(rk->alloc * 2, 64);
		for (int i = 0; i < fk->nkeys; i++)
		{
			rk->values[i] = rk->n == 0 ? palloc(sizeof(Datum) * rk->alloc) :
				repalloc(rk->values[i], sizeof(Datum) * rk->alloc);
			rk->nulls[i] = rk->n == 0 ? palloc(sizeof(bool) * rk->alloc) :
				repalloc(rk->nulls[i], sizeof(bool) * rk->alloc);
		}
	}
	for (int i = 0; i < fk->nkeys; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, rk->cols[i]);

		rk->nulls[i][rk->n] = rownulls[rk->cols[i]];
		rk->values[i][rk->n] = rownulls[rk->cols[i]] ? (Datum) 0 :
			datumCopy(row[rk->cols[i]], att->attbyval, att->attlen);
	}
	rk->n++;
	MemoryContextSwitchTo(old);
}

/*
 * How many rows of fk's referencing table point at one of the keys in rk:
 * SELECT count(*) FROM child c WHERE EXISTS (SELECT FROM ROWS FROM
 * (unnest($1), ...)
 * d(<referenced columns>) WHERE <d's key = c's key>).
 */
static int64
count_referencing(RefKeys *rk)
{
	FkModel    *fk = rk->fk;
	FkParams   *params = fk_params_new();
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT pg_catalog.count(*) FROM ");
	fksql_rel(&sql, fk->fk_relid, true);
	appendStringInfoString(&sql, " c WHERE EXISTS (SELECT FROM ROWS FROM (");
	for (int i = 0; i < fk->nkeys; i++)
	{
		int16		typlen;
		bool		typbyval;
		char		typalign;
		int			dims[1] = {rk->n};
		int			lbs[1] = {1};
		Oid			arrtype = get_array_type(fk->pk_types[i]);
		int			p;

		get_typlenbyvalalign(fk->pk_types[i], &typlen, &typbyval, &typalign);
		p = fk_param_add(params, arrtype,
						 PointerGetDatum(construct_md_array(rk->values[i], rk->nulls[i],
															1, dims, lbs, fk->pk_types[i],
															typlen, typbyval, typalign)),
						 false);
		appendStringInfo(&sql, "%spg_catalog.unnest($%d)", i > 0 ? ", " : "", p);
	}
	appendStringInfoString(&sql, ") d(");
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (i > 0)
			appendStringInfoString(&sql, ", ");
		fksql_ident(&sql, fk->pk_colnames[i]);
	}
	appendStringInfoString(&sql, ") WHERE ");
	fksql_key_equal(&sql, fk, "d", "c");
	appendStringInfoChar(&sql, ')');
	return fk_spi_count(sql.data, params);
}

/*
 * Does the group's change touch one of the referenced columns of fk?  The
 * statement's own rows change the SET list's columns; rows an action
 * reaches change the referencing columns of the key whose action it is
 * (ON UPDATE CASCADE, SET NULL, SET DEFAULT).
 */
static bool
changes_referenced_key(FkModel *fk, FkCascGroup *g, FkCascRequest *req)
{
	int			n;
	char	  **cols;
	FkModel    *via = NULL;

	if (g->depth == 0)
	{
		if (req->set == NULL)
			return false;
		n = req->set->n;
		cols = req->set->cols;
	}
	else
	{
		via = OidIsValid(g->conoid) ? fk_model_load(g->conoid, FK_LOAD_NAMES) : NULL;
		if (via == NULL)
			return true;		/* not known: count, rather than miss */
		n = via->nkeys;
		cols = via->fk_colnames;
	}
	for (int i = 0; i < fk->nkeys; i++)
		for (int j = 0; j < n; j++)
			if (strcmp(fk->pk_colnames[i], cols[j]) == 0)
				return true;
	return false;
}

/* Is the reference's parent the group's table, or a partitioned table above it? */
static bool
points_at(FkModel *fk, Oid relid)
{
	if (fk->pk_relid == relid)
		return true;
	if (fk->pk_relkind != RELKIND_PARTITIONED_TABLE || !get_rel_relispartition(relid))
		return false;
	return list_member_oid(get_partition_ancestors(relid), fk->pk_relid);
}

/*
 * Whether a request should keep its groups' rows for
 * fk_casc_ref_findings: only when some declared-only reference exists.
 */
bool
fk_casc_refs_wanted(void)
{
	return fk_model_refs(InvalidOid, InvalidOid, 0) != NIL;
}

/*
 * The "would leave N rows orphaned" findings of a finished run (asked
 * with keep_rows), as a list of FkCascRefFinding: one per declared-only
 * reference and group of rows deleted, or changed in its referenced
 * columns (by the statement, or by an action), in its referenced table,
 * when some rows point at them.  Needs SELECT on the groups' tables (else the finding says it was
 * not counted) and on the referencing key columns.
 */
List *
fk_casc_ref_findings(FkCascade *c, FkCascRequest *req)
{
	List	   *refs = fk_model_refs(InvalidOid, InvalidOid, FK_LOAD_NAMES);
	List	   *result = NIL;
	FkCascGroup **groups;
	int			n;
	MemoryContext cxt;

	if (refs == NIL)
		return NIL;
	groups = fk_casc_groups(c, &n);
	cxt = AllocSetContextCreate(CurrentMemoryContext, "fk_tools reference findings",
								ALLOCSET_DEFAULT_SIZES);
	for (int i = 0; i < n; i++)
	{
		FkCascGroup *g = groups[i];
		ListCell   *lc;

		if (g->rows == 0 || g->action == FKC_BLOCKED)
			continue;
		foreach(lc, refs)
		{
			FkModel    *fk = lfirst(lc);
			FkCascRefFinding *f;
			RefKeys		rk;
			int64		orphaned;
			Oid			denied;

			CHECK_FOR_INTERRUPTS();
			if (!points_at(fk, g->relid) ||
				(g->action != FKC_DELETE && !changes_referenced_key(fk, g, req)))
				continue;
			f = palloc0(sizeof(FkCascRefFinding));
			f->depth = g->depth + 1;
			f->relid = fk->fk_relid;
			f->refname = pstrdup(NameStr(fk->conname));
			f->refrel = g->relid;
			if (!fk_has_privilege(g->relid, ACL_SELECT, 0, NULL) ||
				!fk_can_read_key(fk, false, &denied))
			{
				f->rows = -1;
				f->detail = psprintf("declared-only reference \"%s\": not counted, it needs SELECT on %s and on the referencing key columns",
									 f->refname, fksql_relname(g->relid));
				result = lappend(result, f);
				continue;
			}
			memset(&rk, 0, sizeof(rk));
			rk.fk = fk;
			rk.cxt = cxt;
			fk_casc_group_rows(c, g, collect_key, &rk);
			orphaned = rk.n > 0 ? count_referencing(&rk) : 0;
			MemoryContextReset(cxt);
			if (orphaned == 0)
			{
				pfree(f);
				continue;
			}
			f->rows = orphaned;
			f->detail = psprintf("would leave " INT64_FORMAT " %s orphaned: declared-only reference \"%s\" to %s, which no constraint enforces",
								 orphaned, orphaned == 1 ? "row" : "rows",
								 f->refname, fksql_relname(fk->pk_relid));
			result = lappend(result, f);
		}
	}
	MemoryContextDelete(cxt);
	return result;
}
