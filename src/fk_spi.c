/*-------------------------------------------------------------------------
 *
 * fk_spi.c
 *	  Running generated queries.
 *
 * Read-only queries run through SPI with their rows sent straight into
 * the calling function's tuplestore, or to a callback, as the executor
 * makes them: nothing is materialized in between, the planner may choose
 * a parallel plan (the query runs to completion in one go), and memory
 * stays bounded by work_mem however many rows come back.  Values are
 * always $n parameters, never text in the query.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "executor/tstoreReceiver.h"
#include "lib/ilist.h"
#include "miscadmin.h"
#include "nodes/params.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#include "fk_spi.h"

void
fk_spi_connect(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

void
fk_spi_finish(void)
{
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
}

FkParams *
fk_params_new(void)
{
	FkParams   *p = palloc0(sizeof(FkParams));

	p->max = 8;
	p->types = palloc(sizeof(Oid) * p->max);
	p->values = palloc(sizeof(Datum) * p->max);
	p->nulls = palloc(sizeof(char) * p->max);
	return p;
}

/* Append a parameter; returns its number, for "$n" in the query. */
int
fk_param_add(FkParams *p, Oid type, Datum value, bool isnull)
{
	if (p->n == p->max)
	{
		p->max *= 2;
		p->types = repalloc(p->types, sizeof(Oid) * p->max);
		p->values = repalloc(p->values, sizeof(Datum) * p->max);
		p->nulls = repalloc(p->nulls, sizeof(char) * p->max);
	}
	p->types[p->n] = type;
	p->values[p->n] = isnull ? (Datum) 0 : value;
	p->nulls[p->n] = isnull ? 'n' : ' ';
	return ++p->n;
}

static ParamListInfo
fk_param_list(FkParams *p)
{
	ParamListInfo params;

	if (p == NULL || p->n == 0)
		return NULL;
	params = makeParamList(p->n);
	for (int i = 0; i < p->n; i++)
	{
		params->params[i].value = p->values[i];
		params->params[i].isnull = (p->nulls[i] == 'n');
		params->params[i].ptype = p->types[i];
		params->params[i].pflags = PARAM_FLAG_CONST;
	}
	return params;
}

/*
 * Run a read-only SELECT whose columns are exactly the function's result
 * columns, appending every row to the function's tuplestore as it is made.
 */
void
fk_spi_into_tuplestore(const char *sql, FkParams *params, ReturnSetInfo *rsinfo)
{
	DestReceiver *dest = CreateDestReceiver(DestTuplestore);
	SPIExecuteOptions options;
	int			rc;

	SetTuplestoreDestReceiverParams(dest, rsinfo->setResult,
									rsinfo->econtext->ecxt_per_query_memory,
									false, rsinfo->setDesc,
									gettext_noop("generated query does not match the function's result type"));
	memset(&options, 0, sizeof(options));
	options.read_only = true;
	options.dest = dest;
	options.params = fk_param_list(params);
	rc = SPI_execute_extended(sql, &options);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_extended failed: %s", SPI_result_code_string(rc));
	dest->rDestroy(dest);
}

/* A DestReceiver handing each row of a query to a callback. */
typedef struct FkStreamReceiver
{
	DestReceiver pub;
	FkRowFn		fn;
	void	   *arg;
	MemoryContext rowcxt;		/* reset after each row */
} FkStreamReceiver;

static bool
fk_stream_receive(TupleTableSlot *slot, DestReceiver *self)
{
	FkStreamReceiver *r = (FkStreamReceiver *) self;
	MemoryContext old;

	slot_getallattrs(slot);
	old = MemoryContextSwitchTo(r->rowcxt);
	r->fn(slot->tts_values, slot->tts_isnull, slot->tts_tupleDescriptor, r->arg);
	MemoryContextSwitchTo(old);
	MemoryContextReset(r->rowcxt);
	return true;
}

static void
fk_stream_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
fk_stream_nothing(DestReceiver *self)
{
}

/*
 * Run a read-only query, calling fn on each row as the executor makes it,
 * in a memory context reset after each row (what fn keeps it allocates
 * elsewhere): nothing is materialized, so memory does not grow with the
 * rows.
 */
/*
 * A receiver handing each row to fn, and read-only execution options that
 * send the rows there.
 */
static void
stream_begin(FkStreamReceiver *r, SPIExecuteOptions *options,
			 FkParams *params, FkRowFn fn, void *arg)
{
	memset(r, 0, sizeof(*r));
	r->pub.receiveSlot = fk_stream_receive;
	r->pub.rStartup = fk_stream_startup;
	r->pub.rShutdown = fk_stream_nothing;
	r->pub.rDestroy = fk_stream_nothing;
	/* not DestNone, which SPI takes as rows thrown away (SPI_OK_UTILITY) */
	r->pub.mydest = DestSQLFunction;
	r->fn = fn;
	r->arg = arg;
	r->rowcxt = AllocSetContextCreate(CurrentMemoryContext, "fk_spi_stream row",
									  ALLOCSET_DEFAULT_SIZES);
	memset(options, 0, sizeof(*options));
	options->read_only = true;
	options->dest = (DestReceiver *) r;
	options->params = fk_param_list(params);
}

void
fk_spi_stream(const char *sql, FkParams *params, FkRowFn fn, void *arg)
{
	FkStreamReceiver r;
	SPIExecuteOptions options;
	int			rc;

	stream_begin(&r, &options, params, fn, arg);
	rc = SPI_execute_extended(sql, &options);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_extended failed: %s", SPI_result_code_string(rc));
	MemoryContextDelete(r.rowcxt);
}

/*
 * Plans kept for the backend's life, most recently used first: the
 * queries a preview runs again and again for other keys (the cascade
 * tree's count, the row path's query per constraint and round), so that a
 * small preview is not mostly parsing and planning.  Generic plans: the
 * queries are written in the form their joins must take.  The plan cache
 * revalidates them when a table they read changes, and replans for
 * another role where row security applies.  At most FK_KEPT_PLANS plans
 * and FK_KEPT_BYTES of memory (a plan holds tens of kilobytes), the least
 * recently used dropped.
 */
typedef struct FkKeptPlan
{
	dlist_node	node;
	uint32		hash;
	char	   *sql;
	int			nargs;
	Oid		   *types;
	SPIPlanPtr	plan;
} FkKeptPlan;

#define FK_KEPT_PLANS 64
#define FK_KEPT_BYTES (4 * 1024 * 1024)

static dlist_head kept_plans = DLIST_STATIC_INIT(kept_plans);
static int	nkept_plans = 0;

/* The memory a kept plan holds: its source, query trees and generic plan. */
static Size
kept_plan_bytes(SPIPlanPtr plan)
{
	Size		n = 0;
	ListCell   *lc;

	foreach(lc, SPI_plan_get_plan_sources(plan))
	{
		CachedPlanSource *ps = lfirst(lc);

		n += MemoryContextMemAllocated(ps->context, true);
		if (ps->gplan)
			n += MemoryContextMemAllocated(ps->gplan->context, true);
	}
	return n;
}

/* Drop the least recently used plans while there are too many or too big. */
static void
kept_plans_trim(void)
{
	Size		bytes = 0;
	dlist_iter	it;

	dlist_foreach(it, &kept_plans)
		bytes += kept_plan_bytes(dlist_container(FkKeptPlan, node, it.cur)->plan);
	while (nkept_plans > 0 && (nkept_plans >= FK_KEPT_PLANS || bytes > FK_KEPT_BYTES))
	{
		FkKeptPlan *last = dlist_container(FkKeptPlan, node,
										   dlist_tail_node(&kept_plans));

		bytes -= Min(bytes, kept_plan_bytes(last->plan));
		dlist_delete(&last->node);
		SPI_freeplan(last->plan);
		pfree(last->sql);
		if (last->types)
			pfree(last->types);
		pfree(last);
		nkept_plans--;
	}
}

static SPIPlanPtr
kept_plan(const char *sql, FkParams *params)
{
	int			nargs = params ? params->n : 0;
	uint32		hash = hash_bytes((const unsigned char *) sql, strlen(sql));
	dlist_iter	it;
	FkKeptPlan *kp;
	SPIPlanPtr	plan;
	MemoryContext old;

	dlist_foreach(it, &kept_plans)
	{
		kp = dlist_container(FkKeptPlan, node, it.cur);
		if (kp->hash == hash && kp->nargs == nargs && strcmp(kp->sql, sql) == 0 &&
			(nargs == 0 || memcmp(kp->types, params->types, nargs * sizeof(Oid)) == 0))
		{
			dlist_move_head(&kept_plans, &kp->node);
			return kp->plan;
		}
	}

	plan = SPI_prepare_cursor(sql, nargs, params ? params->types : NULL,
							  CURSOR_OPT_GENERIC_PLAN);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");

	kept_plans_trim();
	old = MemoryContextSwitchTo(TopMemoryContext);
	kp = palloc0(sizeof(FkKeptPlan));
	kp->hash = hash;
	kp->sql = pstrdup(sql);
	kp->nargs = nargs;
	if (nargs > 0)
	{
		kp->types = palloc(nargs * sizeof(Oid));
		memcpy(kp->types, params->types, nargs * sizeof(Oid));
	}
	kp->plan = plan;
	MemoryContextSwitchTo(old);
	dlist_push_head(&kept_plans, &kp->node);
	nkept_plans++;
	return plan;
}

/*
 * Execute sql's kept plan.  Planned (and replanned) without JIT: a
 * generic plan's costs are guesses made without the keys, and compiling
 * would take milliseconds of a query that mostly takes less.
 */
static int
kept_execute(const char *sql, FkParams *params, SPIExecuteOptions *options)
{
	int			nestlevel = NewGUCNestLevel();
	int			rc;

	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	rc = SPI_execute_plan_extended(kept_plan(sql, params), options);
	AtEOXact_GUC(true, nestlevel);
	return rc;
}

/*
 * fk_spi_stream for a query run many times with other parameter values
 * (the cascade engine's query per round, per constraint): its plan kept,
 * as fk_spi_one_row_kept does.  The parameters' types must be the same on
 * every call.
 */
void
fk_spi_stream_kept(const char *sql, FkParams *params, FkRowFn fn, void *arg)
{
	FkStreamReceiver r;
	SPIExecuteOptions options;
	int			rc;

	stream_begin(&r, &options, params, fn, arg);
	rc = kept_execute(sql, params, &options);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan_extended failed: %s", SPI_result_code_string(rc));
	MemoryContextDelete(r.rowcxt);
}

/*
 * Run a read-only query that returns exactly one row, in SPI's memory
 * (valid until SPI_freetuptable or SPI_finish); with keep, its plan kept
 * as kept_plan says.
 */
static HeapTuple
one_row(const char *sql, FkParams *params, TupleDesc *desc, bool keep)
{
	SPIExecuteOptions options;
	int			rc;

	memset(&options, 0, sizeof(options));
	options.read_only = true;
	options.params = fk_param_list(params);
	rc = keep ? kept_execute(sql, params, &options) : SPI_execute_extended(sql, &options);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "query returned %llu rows instead of one: %s",
			 (unsigned long long) SPI_processed, SPI_result_code_string(rc));
	*desc = SPI_tuptable->tupdesc;
	return SPI_tuptable->vals[0];
}

HeapTuple
fk_spi_one_row(const char *sql, FkParams *params, TupleDesc *desc)
{
	return one_row(sql, params, desc, false);
}

/*
 * fk_spi_one_row for a query whose best plan does not depend on its
 * parameters' values (its joins are written in the form they must take):
 * planned once per backend, generically, then only executed.
 */
HeapTuple
fk_spi_one_row_kept(const char *sql, FkParams *params, TupleDesc *desc)
{
	return one_row(sql, params, desc, true);
}

/* A read-only query returning one bigint (NULL counts as 0). */
int64
fk_spi_count(const char *sql, FkParams *params)
{
	TupleDesc	desc;
	HeapTuple	tup = fk_spi_one_row(sql, params, &desc);
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, 1, &isnull);
	int64		n = isnull ? 0 : DatumGetInt64(d);

	SPI_freetuptable(SPI_tuptable);
	return n;
}

/*
 * Between these two calls, read-only queries see the latest committed
 * state of the database and everything this transaction did so far,
 * whatever its isolation level: what a repair checks afterwards, so that
 * rows written by a transaction that committed after this one's snapshot
 * are not missed.
 */
void
fk_spi_latest_begin(void)
{
	CommandCounterIncrement();
	PushActiveSnapshot(GetLatestSnapshot());
	UpdateActiveSnapshotCommandId();
}

void
fk_spi_latest_end(void)
{
	PopActiveSnapshot();
}

/*
 * Run a statement that changes rows (expect: SPI_OK_DELETE, _UPDATE, ...)
 * and return how many it changed.  Its text names relations, and names can
 * come to mean other relations while a statement waits (a schema renamed
 * and another created under the old name): the statement is planned first
 * and run only if every one of relids is among the relations its plan
 * reads, so that it changes the tables it was written for or nothing.
 */
uint64
fk_spi_modify(const char *sql, FkParams *params, int expect, int nrels,
			  const Oid *relids)
{
	SPIPlanPtr	plan;
	SPIExecuteOptions options;
	ListCell   *lc;
	int			rc;

	plan = SPI_prepare(sql, params ? params->n : 0, params ? params->types : NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	foreach(lc, SPI_plan_get_plan_sources(plan))
	{
		CachedPlanSource *src = lfirst(lc);

		for (int i = 0; i < nrels; i++)
			if (!list_member_oid(src->relationOids, relids[i]))
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("relation \"%s\" was renamed or replaced while the statement was prepared",
								get_rel_name(relids[i]) ? get_rel_name(relids[i]) : "?"),
						 errdetail("Its name now means another relation; nothing was changed."),
						 errhint("Run the call again.")));
	}
	memset(&options, 0, sizeof(options));
	options.read_only = false;
	options.params = fk_param_list(params);
	rc = SPI_execute_plan_extended(plan, &options);
	if (rc != expect)
		elog(ERROR, "SPI_execute_plan_extended failed: %s", SPI_result_code_string(rc));
	SPI_freeplan(plan);
	return SPI_processed;
}

/*
 * Run fn(arg) in a subtransaction, for work whose failure is a finding
 * rather than the caller's failure: NULL when it succeeded, else the
 * error's message, with the subtransaction rolled back.  Only errors with
 * SQLSTATE catch_code are caught (any, with 0); a cancel or timeout never
 * is, so statement_timeout still ends the whole call.
 */
char *
fk_try(void (*fn) (void *arg), void *arg, int catch_code)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	char	   *failure = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			(catch_code != 0 && edata->sqlerrcode != catch_code))
			ReThrowError(edata);
		failure = edata->message;
	}
	PG_END_TRY();
	return failure;
}
