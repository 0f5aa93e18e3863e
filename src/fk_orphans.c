/*-------------------------------------------------------------------------
 *
 * fk_orphans.c
 *	  The orphan engine: fk_orphans, fk_check, fk_missing_parents.
 *
 * A row is an orphan exactly when PostgreSQL's own RI check would reject
 * it: one anti-join per constraint, written like RI_Initial_Check's
 * validation query (the constraint's operators, the referenced key's
 * collation, ONLY unless partitioned, the match type's NULL rules).
 * fk_check first counts the orphans of all keys of a table in one scan
 * (fk_orphan_pass), and runs a key's own query only when it has orphans.
 * Each query runs once, read-only, its rows streamed into the result as
 * they come, so the planner may run it in parallel and memory stays
 * within work_mem.  Keys and rows are rendered as jsonb here, from the values'
 * output functions (fk_value.c), not by casts a type's owner could add.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "fk_access.h"
#include "fk_orphans.h"
#include "fk_progress.h"
#include "fk_remote.h"
#include "fk_spi.h"
#include "fk_sql.h"
#include "fk_value.h"

PG_FUNCTION_INFO_V1(fk_orphans);
PG_FUNCTION_INFO_V1(fk_check);
PG_FUNCTION_INFO_V1(fk_missing_parents);

/* How many missing keys fk_check shows in sample_keys. */
#define FK_CHECK_SAMPLE_KEYS 5

#define ORPHANS_COLS			4
#define MISSING_PARENTS_COLS	4
#define CHECK_COLS				7

/* What a per-constraint query's rows are turned into. */
typedef struct OrphanOut
{
	ReturnSetInfo *rsinfo;
	FkModel    *fk;
} OrphanOut;

static void per_constraint_query(FunctionCallInfo fcinfo, bool whole_fk_row,
								 void (*build) (StringInfo sql, FkModel *fk),
								 void (*remote) (FkModel *fk, FkRowFn put, void *arg),
								 FkRowFn put);
static void remote_orphan_rows(FkModel *fk, FkRowFn put, void *arg);
static void remote_missing_parents(FkModel *fk, FkRowFn put, void *arg);

/* " FROM <referencing table> fk_tools_c WHERE <the row breaks fk>" */
void
fk_orphan_from(StringInfo sql, FkModel *fk)
{
	appendStringInfoString(sql, " FROM ");
	fksql_rel(sql, fk->fk_relid, true);
	appendStringInfoString(sql, " fk_tools_c WHERE ");
	fksql_orphan_condition(sql, fk, "fk_tools_c");
}

/* ", item1 AS k1, ..." -- the key as the referenced side compares it */
static void
key_group_items(StringInfo sql, FkModel *fk)
{
	for (int i = 0; i < fk->nkeys; i++)
	{
		appendStringInfoString(sql, ", ");
		fksql_key_group_item(sql, fk, "fk_tools_c", i);
		appendStringInfo(sql, " AS k%d", i + 1);
	}
}

/*
 * fk_orphans(target regclass, only_constraint name DEFAULT NULL)
 *	  RETURNS TABLE(constraint_name name, table_name regclass, key jsonb,
 *					orphan_row jsonb)
 *
 * Every row of target that breaks one of its foreign keys, once per broken
 * key.  AccessShareLock on the tables read.
 */
static void
orphan_rows_query(StringInfo sql, FkModel *fk)
{
	appendStringInfoString(sql, "SELECT fk_tools_c.tableoid, ");
	fksql_key_list(sql, fk, false, "fk_tools_c");
	appendStringInfoString(sql, ", fk_tools_c.*");
	fk_orphan_from(sql, fk);
}

static void
put_orphan(Datum *row, bool *rownulls, TupleDesc desc, void *arg)
{
	OrphanOut  *out = arg;
	FkModel    *fk = out->fk;
	Datum		values[ORPHANS_COLS];
	bool		nulls[ORPHANS_COLS];

	memset(nulls, 0, sizeof(nulls));
	values[0] = NameGetDatum(&fk->conname);
	values[1] = row[0];
	values[2] = JsonbPGetDatum(fk_value_object(fk->nkeys, fk->fk_colnames,
											   row + 1, rownulls + 1, fk->fk_types));
	values[3] = JsonbPGetDatum(fk_value_row(desc, 1 + fk->nkeys, row, rownulls));
	tuplestore_putvalues(out->rsinfo->setResult, out->rsinfo->setDesc, values, nulls);
}

Datum
fk_orphans(PG_FUNCTION_ARGS)
{
	per_constraint_query(fcinfo, true, orphan_rows_query, remote_orphan_rows,
						 put_orphan);
	PG_RETURN_VOID();
}

/*
 * fk_missing_parents(target regclass, only_constraint name DEFAULT NULL)
 *	  RETURNS TABLE(constraint_name name, referenced_table regclass,
 *					key jsonb, referencing_rows bigint)
 *
 * The distinct referenced keys that would have to exist for target's rows
 * to satisfy its foreign keys, named by the referenced columns.  Keys that
 * no referenced row could satisfy (MATCH FULL with some NULLs) are not
 * listed; fk_orphans shows those rows.
 */
static void
missing_parents_query(StringInfo sql, FkModel *fk)
{
	appendStringInfoString(sql, "SELECT pg_catalog.count(*)");
	key_group_items(sql, fk);
	fk_orphan_from(sql, fk);
	appendStringInfoString(sql, " AND ");
	fksql_key_complete(sql, fk, "fk_tools_c", false);
	appendStringInfoString(sql, " GROUP BY ");
	fksql_key_group(sql, fk, "fk_tools_c");
}

/* fk_orphans across servers: the rows holding a missing key */
static void
remote_orphan_rows(FkModel *fk, FkRowFn put, void *arg)
{
	fk_remote_orphan_rows(fk, fk_remote_missing(fk, NULL), put, arg);
}

/* fk_missing_parents across servers: the missing keys, grouped as locally */
static void
remote_missing_parents(FkModel *fk, FkRowFn put, void *arg)
{
	FkKeyList  *missing = fk_remote_missing(fk, NULL);
	FkParams   *params = fk_params_new();
	StringInfoData sql;

	if (missing->n == 0)
		return;
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT pg_catalog.sum(fk_tools_c.fk_tools_w)::pg_catalog.int8");
	key_group_items(&sql, fk);
	appendStringInfoString(&sql, " FROM ");
	fk_remote_keys_source(&sql, params, fk, missing, 0, missing->n, "fk_tools_c");
	appendStringInfoString(&sql, " GROUP BY ");
	fksql_key_group(&sql, fk, "fk_tools_c");
	fk_spi_stream(sql.data, params, put, arg);
}

/* The referenced key of a grouped row's items (from column first on). */
static Jsonb *
grouped_key(FkModel *fk, Datum *row, bool *rownulls, TupleDesc desc, int first)
{
	Oid			types[INDEX_MAX_KEYS];

	for (int i = 0; i < fk->nkeys; i++)
		types[i] = TupleDescAttr(desc, first + i)->atttypid;
	return fk_value_object(fk->nkeys, fk->pk_colnames, row + first,
						   rownulls + first, types);
}

static void
put_missing_parent(Datum *row, bool *rownulls, TupleDesc desc, void *arg)
{
	OrphanOut  *out = arg;
	FkModel    *fk = out->fk;
	Datum		values[MISSING_PARENTS_COLS];
	bool		nulls[MISSING_PARENTS_COLS];

	memset(nulls, 0, sizeof(nulls));
	values[0] = NameGetDatum(&fk->conname);
	values[1] = ObjectIdGetDatum(fk->pk_relid);
	values[2] = JsonbPGetDatum(grouped_key(fk, row, rownulls, desc, 1));
	values[3] = row[0];
	tuplestore_putvalues(out->rsinfo->setResult, out->rsinfo->setDesc, values, nulls);
}

Datum
fk_missing_parents(PG_FUNCTION_ARGS)
{
	per_constraint_query(fcinfo, false, missing_parents_query,
						 remote_missing_parents, put_missing_parent);
	PG_RETURN_VOID();
}

/*
 * The frame of fk_orphans and fk_missing_parents: for target's foreign
 * keys (or the one named), check the caller may read what is needed
 * (whole_fk_row: all of target), then stream one query per constraint,
 * as written by build, into the result through put; a reference across
 * servers (fk_remote_applies) is handed to remote instead.
 */
static void
per_constraint_query(FunctionCallInfo fcinfo, bool whole_fk_row,
					 void (*build) (StringInfo sql, FkModel *fk),
					 void (*remote) (FkModel *fk, FkRowFn put, void *arg),
					 FkRowFn put)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			target;
	List	   *fks;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		return;
	target = PG_GETARG_OID(0);
	fk_check_target_or_foreign(target, "target");
	fks = fk_model_checked_on(target,
							  PG_ARGISNULL(1) ? NULL : NameStr(*PG_GETARG_NAME(1)),
							  FK_LOAD_NAMES | FK_LOAD_REFS);
	foreach(lc, fks)
		fk_require_readable(lfirst(lc), whole_fk_row);

	fk_spi_connect();
	foreach(lc, fks)
	{
		StringInfoData sql;
		OrphanOut	out;

		CHECK_FOR_INTERRUPTS();
		out.rsinfo = rsinfo;
		out.fk = lfirst(lc);
		if (fk_remote_applies(out.fk))
		{
			remote(out.fk, put, &out);
			continue;
		}
		initStringInfo(&sql);
		build(&sql, lfirst(lc));
		fk_spi_stream(sql.data, NULL, put, &out);
		pfree(sql.data);
	}
	fk_spi_finish();
}

/* fk_orphan_summary's state while the sample rows come in */
typedef struct SummaryIn
{
	FkModel    *fk;
	FkOrphanSummary *out;
	int			nsample;
	int			nseen;
	List	   *keys;
	MemoryContext cxt;
} SummaryIn;

static void
summary_row(Datum *row, bool *rownulls, TupleDesc desc, void *arg)
{
	SummaryIn  *in = arg;
	MemoryContext old;

	/* every row carries the totals; row i is the i-th key in order */
	in->out->orphan_rows = DatumGetInt64(row[0]);
	in->out->missing_keys = DatumGetInt64(row[1]);
	if (in->nseen++ >= in->nsample || !DatumGetBool(row[2]))
		return;
	old = MemoryContextSwitchTo(in->cxt);
	in->keys = lappend(in->keys, grouped_key(in->fk, row, rownulls, desc, 3));
	MemoryContextSwitchTo(old);
}

/*
 * Count the rows of the referencing table that break fk and the distinct
 * referenced keys they miss (keys no referenced row could satisfy, MATCH
 * FULL with some NULLs, are not counted), with up to nsample of those
 * keys, smallest first.  One query: the orphans grouped by missing key
 * (cheap: orphans are few next to the rows scanned), the groups counted
 * and ordered.  The caller must have checked readability and be connected
 * to SPI.
 */
void
fk_orphan_summary(FkModel *fk, int nsample, FkOrphanSummary *out)
{
	StringInfoData sql;
	SummaryIn	in;
	bool		remote = fk_remote_applies(fk);
	FkKeyList  *missing = NULL;
	FkParams   *params = NULL;

	memset(out, 0, sizeof(FkOrphanSummary));
	if (remote)
	{
		/* across servers: the same query over the missing keys in memory */
		missing = fk_remote_missing(fk, NULL);
		params = fk_params_new();
		if (missing->n == 0)
		{
			out->orphan_rows = fk_remote_partial_rows(fk);
			return;
		}
	}
	initStringInfo(&sql);
	appendStringInfoString(&sql,
						   "SELECT o.total, o.nkeys, o.complete");
	for (int i = 0; i < fk->nkeys; i++)
		appendStringInfo(&sql, ", o.k%d", i + 1);
	appendStringInfoString(&sql,
						   " FROM (SELECT g.*, pg_catalog.sum(g.n) OVER ()::pg_catalog.int8 AS total, "
						   "pg_catalog.count(*) FILTER (WHERE g.complete) OVER () AS nkeys, "
						   "pg_catalog.row_number() OVER (ORDER BY g.complete DESC");
	for (int i = 0; i < fk->nkeys; i++)
		appendStringInfo(&sql, ", g.k%d", i + 1);
	appendStringInfoString(&sql, remote ?
						   ") AS r FROM (SELECT pg_catalog.sum(fk_tools_c.fk_tools_w) AS n, " :
						   ") AS r FROM (SELECT pg_catalog.count(*) AS n, ");
	fksql_key_complete(&sql, fk, "fk_tools_c", true);
	appendStringInfoString(&sql, " AS complete");
	key_group_items(&sql, fk);
	if (remote)
	{
		appendStringInfoString(&sql, " FROM ");
		fk_remote_keys_source(&sql, params, fk, missing, 0, missing->n, "fk_tools_c");
	}
	else
		fk_orphan_from(&sql, fk);
	appendStringInfoString(&sql, " GROUP BY ");
	fksql_key_group(&sql, fk, "fk_tools_c");
	appendStringInfo(&sql, ") g) o WHERE o.r OPERATOR(pg_catalog.<=) %d ORDER BY o.r",
					 Max(nsample, 1));

	memset(&in, 0, sizeof(in));
	in.fk = fk;
	in.out = out;
	in.nsample = nsample;
	in.cxt = CurrentMemoryContext;
	fk_spi_stream(sql.data, params, summary_row, &in);
	out->sample_keys = fk_value_array(in.keys);
	if (remote)
		out->orphan_rows += fk_remote_partial_rows(fk);
}

/*
 * ---- Several keys of one table in one scan ----
 *
 * A table with k foreign keys costs k scans when each key is checked
 * alone.  The pass reads it once: one probe of each referenced table per
 * row (a left join on the key, so the planner may hash or index it, and
 * run the scan in parallel), counting each key's orphans.  Keys whose
 * count is zero are done; the others, which are rare, are summarized
 * alone afterwards, by the query that checks one key.  Only whether a
 * count is zero is used: a left join keeps every referencing row, so a
 * row that breaks a key is counted however the other probes went.  Keys
 * that may match several referenced rows (fk_key_matches_one) are left to
 * the one-key check all the same, so that the scan never multiplies rows.
 */

/* At most this many keys per scan: each probe may hold a hash table. */
#define FK_PASS_MAX_KEYS 16

typedef struct PassRun
{
	List	   *listed;
	char	   *(*unusable) (FkModel *fk);
	FkOrphanPass *pass;
} PassRun;

static void
pass_row(Datum *row, bool *rownulls, TupleDesc desc, void *arg)
{
	FkOrphanPass *pass = arg;

	for (int i = 0; i < pass->nkeys; i++)
		pass->orphan_rows[i] = DatumGetInt64(row[i]);
}

/* fk_orphan_pass's work, through fk_try: a lock timeout fails the pass only */
static void
pass_run(void *arg)
{
	PassRun    *run = arg;
	List	   *fks = NIL;
	StringInfoData sql;
	ListCell   *lc;
	FkOrphanPass *pass;

	foreach(lc, run->listed)
	{
		FkModel    *fk;

		if (list_length(fks) == FK_PASS_MAX_KEYS)
			break;
		CHECK_FOR_INTERRUPTS();
		fk = fk_lock_key(lfirst(lc), AccessShareLock, AccessShareLock, FK_LOAD_NAMES);
		/* declared-only references have no OID to be told apart by here */
		if (fk == NULL || fk->decl_only || run->unusable(fk) != NULL || !fk_key_matches_one(fk) ||
			(fks != NIL && fk->fk_relid != ((FkModel *) linitial(fks))->fk_relid))
			continue;
		fks = lappend(fks, fk);
	}
	if (list_length(fks) < 2)
		return;

	pass = palloc0(sizeof(FkOrphanPass));
	pass->nkeys = list_length(fks);
	pass->conoids = palloc(sizeof(Oid) * pass->nkeys);
	pass->orphan_rows = palloc0(sizeof(int64) * pass->nkeys);
	pass->relid = ((FkModel *) linitial(fks))->fk_relid;
	pass->started = GetCurrentTimestamp();

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	foreach(lc, fks)
	{
		int			i = foreach_current_index(lc);

		pass->conoids[i] = ((FkModel *) lfirst(lc))->conoid;
		if (i > 0)
			appendStringInfoString(&sql, ", ");
		appendStringInfoString(&sql, "pg_catalog.count(*) FILTER (WHERE ");
		fksql_orphan_probed(&sql, lfirst(lc), "fk_tools_c", psprintf("fk_tools_p%d", i + 1));
		appendStringInfoChar(&sql, ')');
	}
	appendStringInfoString(&sql, " FROM ");
	fksql_rel(&sql, ((FkModel *) linitial(fks))->fk_relid, true);
	appendStringInfoString(&sql, " fk_tools_c");
	foreach(lc, fks)
		fksql_orphan_probe(&sql, lfirst(lc), "fk_tools_c",
						   psprintf("fk_tools_p%d", foreach_current_index(lc) + 1));
	fk_spi_stream(sql.data, NULL, pass_row, pass);
	pass->duration_us = GetCurrentTimestamp() - pass->started;
	run->pass = pass;
}

/*
 * Count, in one scan of their referencing table, the orphans of the
 * listed keys (all of one table, as a list of keys made earlier).  Each
 * key is locked (AccessShareLock on both tables) and read again first; one
 * that was dropped, that unusable gives a reason for, or that the pass
 * cannot count is left out, for its own check to deal with.  NULL when
 * fewer than two keys remain (one key is one scan anyway), or when the
 * pass failed (a lock timeout, say): each key's own check then meets, and
 * reports, the error.  The caller must be connected to SPI; the result
 * lives in the current memory context (fk_orphan_pass_free), the rest of
 * the work in a context of its own.
 */
FkOrphanPass *
fk_orphan_pass(List *listed, char *(*unusable) (FkModel *fk))
{
	MemoryContext cxt = CurrentMemoryContext;
	MemoryContext workcxt;
	PassRun		run;
	FkOrphanPass *pass = NULL;

	if (list_length(listed) < 2)
		return NULL;
	workcxt = AllocSetContextCreate(cxt, "fk_orphan_pass", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(workcxt);
	memset(&run, 0, sizeof(run));
	run.listed = listed;
	run.unusable = unusable;
	if (fk_try(pass_run, &run, 0) == NULL && run.pass != NULL)
	{
		MemoryContextSwitchTo(cxt);
		pass = palloc(sizeof(FkOrphanPass));
		*pass = *run.pass;
		pass->conoids = palloc(sizeof(Oid) * pass->nkeys);
		pass->orphan_rows = palloc(sizeof(int64) * pass->nkeys);
		memcpy(pass->conoids, run.pass->conoids, sizeof(Oid) * pass->nkeys);
		memcpy(pass->orphan_rows, run.pass->orphan_rows, sizeof(int64) * pass->nkeys);
	}
	MemoryContextSwitchTo(cxt);
	MemoryContextDelete(workcxt);
	return pass;
}

void
fk_orphan_pass_free(FkOrphanPass *pass)
{
	if (pass == NULL)
		return;
	pfree(pass->conoids);
	pfree(pass->orphan_rows);
	pfree(pass);
}

/*
 * Did pass find key conoid without orphans?  Then its summary is all
 * zeros (filled into out) and it needs no query of its own.
 */
bool
fk_orphan_pass_clean(FkOrphanPass *pass, Oid conoid, FkOrphanSummary *out)
{
	if (pass == NULL)
		return false;
	for (int i = 0; i < pass->nkeys; i++)
	{
		if (pass->conoids[i] != conoid)
			continue;
		if (pass->orphan_rows[i] != 0)
			return false;
		memset(out, 0, sizeof(FkOrphanSummary));
		return true;
	}
	return false;
}

/* fk_check's work on one key, through fk_try */
typedef struct CheckOne
{
	FkModel    *fk;
	FkOrphanSummary summary;
} CheckOne;

static void
check_one(void *arg)
{
	CheckOne   *one = arg;

	fk_orphan_summary(one->fk, FK_CHECK_SAMPLE_KEYS, &one->summary);
}

/*
 * fk_check(target regclass DEFAULT NULL)
 *	  RETURNS TABLE(table_name regclass, constraint_name name,
 *					referenced_table regclass, orphan_rows bigint,
 *					missing_keys bigint, sample_keys jsonb, status text)
 *
 * One row per foreign key of target, or of the whole database: how many
 * rows break it, how many distinct referenced keys are missing, a few of
 * them.  A constraint the caller may not check is reported as skipped,
 * never read, and one whose check fails (a lock timeout, say) as
 * "error: ..."; the run goes on either way.
 */
Datum
fk_check(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *fks;
	ListCell   *lc;
	ListCell   *lc2;
	MemoryContext loopcxt;
	MemoryContext oldcxt;
	int64		rows_done = 0;
	Oid			pass_relid = InvalidOid;
	FkOrphanPass *pass = NULL;

	InitMaterializedSRF(fcinfo, 0);
	fks = fk_keys_of_target(fcinfo, 0, false, FK_LOAD_REFS);

	loopcxt = AllocSetContextCreate(CurrentMemoryContext, "fk_check loop",
									ALLOCSET_DEFAULT_SIZES);
	fk_spi_connect();
	fk_progress_begin("fk_check", 0, list_length(fks));
	foreach(lc, fks)
	{
		FkModel    *listed = lfirst(lc);
		Datum		values[CHECK_COLS];
		bool		nulls[CHECK_COLS];
		char	   *skipped = NULL;
		CheckOne	one;

		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(loopcxt);

		/*
		 * Lock both tables before reading the constraint again, so that what
		 * we check is what exists now; a constraint or table dropped since
		 * the list was made is skipped.
		 */
		fk_progress_key(foreach_current_index(lc), listed, rows_done);
		one.fk = fk_lock_key(listed, AccessShareLock, AccessShareLock, FK_LOAD_NAMES);

		memset(nulls, 0, sizeof(nulls));
		values[0] = ObjectIdGetDatum(listed->fk_relid);
		values[1] = NameGetDatum(&listed->conname);
		values[2] = ObjectIdGetDatum(listed->pk_relid);

		if (one.fk == NULL)
			skipped = "skipped: dropped concurrently";
		else if ((skipped = fk_unreadable_reason(one.fk)) != NULL)
			skipped = psprintf("skipped: %s", skipped);
		else
		{
			int64		rows = fk_rows_estimate(one.fk);

			fk_progress_key_rows(one.fk, rows);
			rows_done += rows;

			/*
			 * The first key of a table counts the orphans of all its keys
			 * (the list is sorted by table) in one scan.
			 */
			if (listed->fk_relid != pass_relid)
			{
				List	   *same = NIL;

				MemoryContextSwitchTo(oldcxt);
				fk_orphan_pass_free(pass);
				for_each_from(lc2, fks, foreach_current_index(lc))
				{
					if (((FkModel *) lfirst(lc2))->fk_relid != listed->fk_relid)
						break;
					same = lappend(same, lfirst(lc2));
				}
				pass = fk_orphan_pass(same, fk_unreadable_reason);
				list_free(same);
				pass_relid = listed->fk_relid;
				MemoryContextSwitchTo(loopcxt);
			}
			if (!fk_orphan_pass_clean(pass, one.fk->conoid, &one.summary) &&
				(skipped = fk_try(check_one, &one, 0)) != NULL)
				skipped = psprintf("error: %s", skipped);
			fk_progress_key_done(skipped ? skipped : "checked");
		}
		if (skipped)
		{
			nulls[3] = nulls[4] = nulls[5] = true;
			values[6] = CStringGetTextDatum(skipped);
		}
		else
		{
			values[3] = Int64GetDatum(one.summary.orphan_rows);
			values[4] = Int64GetDatum(one.summary.missing_keys);
			values[5] = JsonbPGetDatum(one.summary.sample_keys);
			nulls[5] = (one.summary.sample_keys == NULL);
			values[6] = CStringGetTextDatum(one.summary.orphan_rows > 0 ? "orphans" : "ok");
		}
		MemoryContextSwitchTo(oldcxt);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextReset(loopcxt);
	}
	fk_progress_end("all keys checked");
	fk_spi_finish();
	PG_RETURN_VOID();
}
