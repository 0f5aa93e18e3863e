/*-------------------------------------------------------------------------
 *
 * fk_remote.c
 *	  Declared-only references across servers: a parent or child that is
 *	  a foreign table (postgres_fdw, or any wrapper).
 *
 * The anti-join the local check runs would make the planner fetch the
 * whole foreign side, or probe it once per row; PostgreSQL 15's
 * postgres_fdw cannot push an anti-join down, even when both tables live
 * on the same server.  So the check is split into set-based steps whose
 * conditions a wrapper can ship:
 *
 *	1. the distinct complete referencing keys with their row counts:
 *	   SELECT k, count(*) FROM child WHERE k IS NOT NULL GROUP BY k
 *	   (pushed down as one aggregate when the child is foreign);
 *	2. per batch of fk_tools.remote_batch_size keys, the referenced keys
 *	   among them: SELECT pk FROM parent WHERE pk = ANY ($1) AND ...
 *	   (one remote query per batch, an index probe on a local parent), or,
 *	   when there are about as many keys as referenced rows, those read
 *	   once (read_parent_whole);
 *	3. locally, the batch's keys no referenced key matches, compared with
 *	   the reference's operators and collations, as RI would compare them.
 *
 * The missing keys then give the counts, the missing parents, and, in
 * batches again (WHERE k = ANY ($1)), the orphan rows.  Never a query per
 * row.  Keys are kept in memory: the distinct referencing keys of one
 * reference must fit.  A referencing key under a nondeterministic
 * collation, or naming a column twice, keeps the local check (the values
 * read back could stand for several).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/pg_locale.h"
#include "utils/syscache.h"

#include "fk_remote.h"
#include "fk_sql.h"

/* fk_tools.remote_batch_size: keys per probe of a foreign table */
int			fk_remote_batch_size = 1000;

void
fk_remote_init(void)
{
	DefineCustomIntVariable("fk_tools.remote_batch_size",
							"Keys sent in one probe when checking a reference to or from a foreign table.",
							"Each probe is one query WHERE key = ANY ($1) on the referenced table.",
							&fk_remote_batch_size,
							1000, 1, 1000000,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
}

/*
 * Does the reference take the batched way: a declared-only reference with
 * a foreign table on either side, whose referencing values stand for
 * themselves (deterministic collations, each column once)?
 */
bool
fk_remote_applies(FkModel *fk)
{
	if (!fk->decl_only ||
		(fk->fk_relkind != RELKIND_FOREIGN_TABLE &&
		 fk->pk_relkind != RELKIND_FOREIGN_TABLE))
		return false;
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (OidIsValid(fk->fk_colls[i]) &&
			!get_collation_isdeterministic(fk->fk_colls[i]))
			return false;
		for (int j = 0; j < i; j++)
			if (fk->fk_attnums[j] == fk->fk_attnums[i])
				return false;
	}
	return true;
}

/* Append one key (values of types, copied) with its weight. */
static void
keylist_add(FkKeyList *kl, int n, const Oid *types, Datum *values, int64 w)
{
	if (kl->n == kl->alloc)
	{
		kl->alloc = Max(kl->alloc * 2, 256);
		for (int i = 0; i < n; i++)
			kl->values[i] = kl->n == 0 ? palloc(sizeof(Datum) * kl->alloc) :
				repalloc(kl->values[i], sizeof(Datum) * kl->alloc);
		kl->weights = kl->n == 0 ? palloc(sizeof(int64) * kl->alloc) :
			repalloc(kl->weights, sizeof(int64) * kl->alloc);
	}
	for (int i = 0; i < n; i++)
	{
		int16		typlen;
		bool		typbyval;

		get_typlenbyval(types[i], &typlen, &typbyval);
		kl->values[i][kl->n] = datumCopy(values[i], typbyval, typlen);
	}
	kl->weights[kl->n] = w;
	kl->n++;
}

/* A parameter: values[from..to) of type elemtype as a one-dimensional array. */
static int
array_param(FkParams *params, Oid elemtype, Datum *values, int from, int to)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	ArrayType  *arr;

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	arr = construct_array(values + from, to - from, elemtype, typlen,
						  typbyval, typalign);
	return fk_param_add(params, get_array_type(elemtype), PointerGetDatum(arr), false);
}

/*
 * (SELECT u.c1 COLLATE x AS "col1", ... [, u.w AS fk_tools_w] FROM
 * ROWS FROM (pg_catalog.unnest($i), ...) u(c1, ...)) alias: keys held in memory as a
 * relation whose columns have the names, types and collations of one
 * side's key, so that the SQL builder compares them as it compares
 * tables.  Returns the parameter number of the first column's array.
 */
static int
keys_source(StringInfo sql, FkParams *params, int n, char **names,
			const Oid *types, const Oid *colls, Datum **values,
			int64 *weights, int from, int to, const char *alias)
{
	int			first = 0;
	int			wparam = 0;

	for (int i = 0; i < n; i++)
	{
		int			p = array_param(params, getBaseType(types[i]), values[i], from, to);

		if (i == 0)
			first = p;
	}
	if (weights)
	{
		Datum	   *w = palloc(sizeof(Datum) * Max(to - from, 1));

		for (int j = from; j < to; j++)
			w[j - from] = Int64GetDatum(weights[j]);
		wparam = array_param(params, INT8OID, w, 0, to - from);
	}
	appendStringInfoString(sql, "(SELECT ");
	for (int i = 0; i < n; i++)
	{
		appendStringInfo(sql, "%su.c%d", i > 0 ? ", " : "", i + 1);
		if (OidIsValid(colls[i]))
			fksql_collate(sql, colls[i]);
		appendStringInfoString(sql, " AS ");
		fksql_ident(sql, names[i]);
	}
	if (weights)
		appendStringInfoString(sql, ", u.w AS fk_tools_w");
	/* ROWS FROM: a qualified unnest takes one array */
	appendStringInfoString(sql, " FROM ROWS FROM (");
	for (int i = 0; i < n; i++)
		appendStringInfo(sql, "%spg_catalog.unnest($%d)", i > 0 ? ", " : "", first + i);
	if (weights)
		appendStringInfo(sql, ", pg_catalog.unnest($%d)", wparam);
	appendStringInfoString(sql, ") u(");
	for (int i = 0; i < n; i++)
		appendStringInfo(sql, "%sc%d", i > 0 ? ", " : "", i + 1);
	if (weights)
		appendStringInfoString(sql, ", w");
	appendStringInfo(sql, ")) %s", alias);
	return first;
}

/* The missing keys of one reference, as the referencing side's, in a batch source. */
void
fk_remote_keys_source(StringInfo sql, FkParams *params, FkModel *fk,
					  FkKeyList *keys, int from, int to, const char *alias)
{
	keys_source(sql, params, fk->nkeys, fk->fk_colnames, fk->fk_types,
				fk->fk_colls, keys->values, keys->weights, from, to, alias);
}

/*
 * Would probing cost more than reading the referenced keys once?  When the
 * referencing side has at least half as many distinct keys as the
 * referenced table has rows (as its last ANALYZE estimated; unknown for a
 * foreign table never analyzed), the probes would fetch nearly the whole
 * table anyway, one round trip per batch.
 */
static bool
read_parent_whole(FkModel *fk, int nkeys)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(fk->pk_relid));
	float4		reltuples;

	if (!HeapTupleIsValid(tup))
		return false;
	reltuples = ((Form_pg_class) GETSTRUCT(tup))->reltuples;
	ReleaseSysCache(tup);
	return reltuples > 0 && nkeys >= reltuples / 2;
}

/* rows of step 1 and 3: key values then a weight */
typedef struct CollectIn
{
	FkModel    *fk;
	FkKeyList  *into;
	bool		pk_side;
	bool		weighted;
	MemoryContext cxt;
} CollectIn;

static void
collect_row(Datum *row, bool *rownulls, TupleDesc desc, void *arg)
{
	CollectIn  *in = arg;
	MemoryContext old = MemoryContextSwitchTo(in->cxt);
	Oid			types[INDEX_MAX_KEYS];

	for (int i = 0; i < in->fk->nkeys; i++)
		types[i] = TupleDescAttr(desc, i)->atttypid;
	keylist_add(in->into, in->fk->nkeys, types, row,
				in->weighted ? DatumGetInt64(row[in->fk->nkeys]) : 1);
	MemoryContextSwitchTo(old);
}

/*
 * The complete referencing keys of fk that no referenced row has, each
 * with the number of rows holding it, in memory of the current context.
 * The caller must be connected to SPI and have checked readability.
 */
FkKeyList *
fk_remote_missing(FkModel *fk, FkRemoteStats *stats)
{
	FkKeyList  *all = palloc0(sizeof(FkKeyList));
	FkKeyList  *missing = palloc0(sizeof(FkKeyList));
	StringInfoData sql;
	CollectIn	in;
	MemoryContext batchcxt;
	FkRemoteStats local;
	bool		whole;

	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof(FkRemoteStats));

	/* 1. distinct complete referencing keys, grouped where they live */
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	fksql_key_list(&sql, fk, false, "c");
	appendStringInfoString(&sql, ", pg_catalog.count(*) FROM ");
	fksql_rel(&sql, fk->fk_relid, true);
	appendStringInfoString(&sql, " c WHERE ");
	fksql_key_complete(&sql, fk, "c", false);
	appendStringInfoString(&sql, " GROUP BY ");
	fksql_key_list(&sql, fk, false, "c");
	memset(&in, 0, sizeof(in));
	in.fk = fk;
	in.into = all;
	in.weighted = true;
	in.cxt = CurrentMemoryContext;
	fk_spi_stream(sql.data, NULL, collect_row, &in);
	stats->keys_fetched = all->n;

	/* 2 and 3, batch by batch, or in one batch reading the parent once */
	whole = read_parent_whole(fk, all->n);
	batchcxt = AllocSetContextCreate(CurrentMemoryContext, "fk_tools remote batch",
									 ALLOCSET_DEFAULT_SIZES);
	for (int from = 0; from < all->n; from += whole ? all->n : fk_remote_batch_size)
	{
		int			to = whole ? all->n : Min(from + fk_remote_batch_size, all->n);
		FkKeyList  *found;
		FkParams   *params;
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(batchcxt);
		found = palloc0(sizeof(FkKeyList));
		params = fk_params_new();
		resetStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT ");
		fksql_key_list(&sql, fk, true, "p");
		appendStringInfoString(&sql, " FROM ");
		fksql_rel(&sql, fk->pk_relid, true);
		appendStringInfoString(&sql, " p WHERE ");
		for (int i = 0; i < fk->nkeys && whole; i++)
		{
			if (i > 0)
				appendStringInfoString(&sql, " AND ");
			fksql_col(&sql, "p", fk->pk_colnames[i]);
			appendStringInfoString(&sql, " IS NOT NULL");
		}
		for (int i = 0; i < fk->nkeys && !whole; i++)
		{
			int			p = array_param(params, getBaseType(fk->fk_types[i]),
										all->values[i], from, to);

			if (i > 0)
				appendStringInfoString(&sql, " AND ");
			fksql_col_equal_param(&sql, "p", fk->pk_colnames[i], fk->pk_types[i],
								  fk->pf_eq_oprs[i], InvalidOid, p,
								  get_array_type(getBaseType(fk->fk_types[i])), true);
		}
		memset(&in, 0, sizeof(in));
		in.fk = fk;
		in.into = found;
		in.pk_side = true;
		in.cxt = batchcxt;
		fk_spi_stream(sql.data, params, collect_row, &in);
		stats->probes++;
		stats->parent_rows += found->n;

		/* the batch's keys without a referenced one, compared as RI does */
		params = fk_params_new();
		resetStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT ");
		fksql_key_list(&sql, fk, false, "m");
		appendStringInfoString(&sql, ", m.fk_tools_w FROM ");
		fk_remote_keys_source(&sql, params, fk, all, from, to, "m");
		if (found->n > 0)
		{
			appendStringInfoString(&sql, " WHERE NOT EXISTS (SELECT FROM ");
			keys_source(&sql, params, fk->nkeys, fk->pk_colnames, fk->pk_types,
						fk->pk_colls, found->values, NULL, 0, found->n,
						"fk_tools_p");
			appendStringInfoString(&sql, " WHERE ");
			fksql_key_equal(&sql, fk, "fk_tools_p", "m");
			appendStringInfoChar(&sql, ')');
		}
		MemoryContextSwitchTo(old);
		memset(&in, 0, sizeof(in));
		in.fk = fk;
		in.into = missing;
		in.weighted = true;
		in.cxt = CurrentMemoryContext;
		fk_spi_stream(sql.data, params, collect_row, &in);
		MemoryContextReset(batchcxt);
	}
	MemoryContextDelete(batchcxt);
	elog(DEBUG1, "fk_tools: reference \"%s\": " INT64_FORMAT " distinct keys read, "
		 INT64_FORMAT " probes returned " INT64_FORMAT " referenced rows, %d keys missing",
		 NameStr(fk->conname), stats->keys_fetched, stats->probes,
		 stats->parent_rows, missing->n);
	return missing;
}

/*
 * " WHERE <partly NULL key>" for MATCH FULL: such rows never match (one
 * aggregate or scan the wrapper can ship: only IS [NOT] NULL tests).
 */
static void
partial_condition(StringInfo sql, FkModel *fk)
{
	appendStringInfoString(sql, " WHERE NOT ");
	fksql_key_complete(sql, fk, "c", false);
	appendStringInfoString(sql, " AND NOT (");
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (i > 0)
			appendStringInfoString(sql, " AND ");
		fksql_col(sql, "c", fk->fk_colnames[i]);
		appendStringInfoString(sql, " IS NULL");
	}
	appendStringInfoChar(sql, ')');
}

/* MATCH FULL: how many rows have a partly NULL key (0 for MATCH SIMPLE). */
int64
fk_remote_partial_rows(FkModel *fk)
{
	StringInfoData sql;

	if (fk->match_type != FKCONSTR_MATCH_FULL || fk->nkeys < 2)
		return 0;
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT pg_catalog.count(*) FROM ");
	fksql_rel(&sql, fk->fk_relid, true);
	appendStringInfoString(&sql, " c");
	partial_condition(&sql, fk);
	return fk_spi_count(sql.data, NULL);
}

/*
 * The orphan rows of fk as (tableoid, key..., row...), handed to fn: the
 * rows holding a missing key, batch by batch (WHERE k = ANY ($1), which a
 * wrapper ships, then the exact key compared locally), and for MATCH FULL
 * those with a partly NULL key.
 */
void
fk_remote_orphan_rows(FkModel *fk, FkKeyList *missing, FkRowFn fn, void *arg)
{
	StringInfoData sql;

	initStringInfo(&sql);
	for (int from = 0; from < missing->n; from += fk_remote_batch_size)
	{
		int			to = Min(from + fk_remote_batch_size, missing->n);
		FkParams   *params = fk_params_new();
		StringInfoData src;
		int			first;

		CHECK_FOR_INTERRUPTS();
		initStringInfo(&src);
		first = keys_source(&src, params, fk->nkeys, fk->fk_colnames,
							fk->fk_types, fk->fk_colls, missing->values, NULL,
							from, to, "m");
		resetStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT c.tableoid, ");
		fksql_key_list(&sql, fk, false, "c");
		appendStringInfoString(&sql, ", c.* FROM ");
		fksql_rel(&sql, fk->fk_relid, true);
		appendStringInfoString(&sql, " c WHERE ");
		for (int i = 0; i < fk->nkeys; i++)
		{
			if (i > 0)
				appendStringInfoString(&sql, " AND ");
			fksql_col_equal_param(&sql, "c", fk->fk_colnames[i], fk->fk_types[i],
								  fk->ff_eq_oprs[i], InvalidOid, first + i,
								  get_array_type(getBaseType(fk->fk_types[i])), true);
		}
		/* each column in the batch is not yet the key in the batch */
		if (fk->nkeys > 1)
		{
			appendStringInfo(&sql, " AND EXISTS (SELECT FROM %s WHERE ", src.data);
			fksql_key_same(&sql, fk, false, "m", "c");
			appendStringInfoChar(&sql, ')');
		}
		fk_spi_stream(sql.data, params, fn, arg);
		pfree(src.data);
	}
	if (fk->match_type == FKCONSTR_MATCH_FULL && fk->nkeys > 1)
	{
		resetStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT c.tableoid, ");
		fksql_key_list(&sql, fk, false, "c");
		appendStringInfoString(&sql, ", c.* FROM ");
		fksql_rel(&sql, fk->fk_relid, true);
		appendStringInfoString(&sql, " c");
		partial_condition(&sql, fk);
		fk_spi_stream(sql.data, NULL, fn, arg);
	}
}
