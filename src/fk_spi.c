/*-------------------------------------------------------------------------
 *
 * fk_spi.c
 *	  Running generated queries, and the checks done before running them:
 *	  relation kind, privileges, row-level security.
 *
 * Queries run read-only through SPI with results sent straight into the
 * calling function's tuplestore, so that the planner may choose a
 * parallel plan (the query runs to completion in one go) and memory stays
 * bounded by work_mem however many rows come back.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tstoreReceiver.h"
#include "miscadmin.h"
#include "nodes/params.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/rls.h"
#include "utils/syscache.h"

#include "fk_tools.h"

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

/*
 * Run a read-only SELECT whose columns are exactly the function's result
 * columns, appending every row to the function's tuplestore as it is made.
 */
void
fk_spi_into_tuplestore(const char *sql, ReturnSetInfo *rsinfo)
{
	fk_spi_into_tuplestore_args(sql, 0, NULL, NULL, NULL, rsinfo);
}

/*
 * Run a read-only query that returns exactly one row; the row is copied
 * out of SPI's memory into the caller's context.
 */
HeapTuple
fk_spi_one_row(const char *sql, TupleDesc *tupdesc)
{
	int			rc = SPI_execute(sql, true, 0);

	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "query returned %llu rows instead of one: %s",
			 (unsigned long long) SPI_processed, SPI_result_code_string(rc));
	*tupdesc = SPI_tuptable->tupdesc;
	return SPI_tuptable->vals[0];
}

/*
 * Lock a relation passed as an argument with AccessShareLock (so it cannot
 * be dropped or altered under us), then make sure it is a table.
 */
void
fk_lock_and_check_relation(Oid relid, const char *argname, bool allow_partitioned)
{
	char		relkind;

	LockRelationOid(relid, AccessShareLock);
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	relkind = get_rel_relkind(relid);
	if (relkind == RELKIND_RELATION ||
		(allow_partitioned && relkind == RELKIND_PARTITIONED_TABLE))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_WRONG_OBJECT_TYPE),
			 errmsg("\"%s\" is not a table", get_rel_name(relid)),
			 errdetail_relkind_not_supported(relkind),
			 errhint("Pass a table that has foreign keys as %s.", argname)));
}

/*
 * May the current user read the key columns of one side of the FK (and,
 * for the referencing side, is a table-level grant enough)?  On false,
 * *denied_relid names the table.
 */
bool
fk_can_read_key(FkModel *fk, bool pk_side, Oid *denied_relid)
{
	Oid			relid = pk_side ? fk->pk_relid : fk->fk_relid;
	Oid			userid = GetUserId();

	*denied_relid = relid;
	if (pg_class_aclcheck(relid, userid, ACL_SELECT) == ACLCHECK_OK)
		return true;
	for (int i = 0; i < fk->nkeys; i++)
	{
		AttrNumber	attnum = pk_side ? fk->pk_attnums[i] : fk->fk_attnums[i];

		if (pg_attribute_aclcheck(relid, attnum, userid, ACL_SELECT) != ACLCHECK_OK)
			return false;
	}
	return true;
}

/*
 * Would row-level security filter what the current user reads from relid?
 * RI itself reads the referenced table as its owner without policies, so
 * a filtered referenced table would make visible children look orphaned.
 */
bool
fk_rls_hides_rows(Oid relid)
{
	return check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED;
}

/*
 * The value a column's DEFAULT would store, computed without writing
 * anything: false when it cannot be known in advance because the default
 * expression is volatile (a sequence, random(), ...).  No default is NULL.
 */
bool
fk_column_default(Oid relid, AttrNumber attnum, Datum *value, bool *isnull)
{
	Relation	rel = table_open(relid, AccessShareLock);
	Node	   *expr = build_column_default(rel, attnum);
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	bool		known = true;

	*value = (Datum) 0;
	*isnull = true;
	if (expr != NULL && contain_volatile_functions(expr))
		known = false;
	else if (expr != NULL)
	{
		EState	   *estate = CreateExecutorState();
		ExprState  *state = ExecPrepareExpr((Expr *) expr, estate);
		MemoryContext oldcxt = CurrentMemoryContext;
		Datum		d;

		d = ExecEvalExprSwitchContext(state, GetPerTupleExprContext(estate),
									  isnull);
		MemoryContextSwitchTo(oldcxt);
		if (!*isnull)
			*value = datumCopy(d, att->attbyval, att->attlen);
		FreeExecutorState(estate);
	}
	table_close(rel, AccessShareLock);
	return known;
}

/*
 * fk_spi_into_tuplestore with $n parameters.
 */
void
fk_spi_into_tuplestore_args(const char *sql, int nargs, Oid *argtypes,
							Datum *values, bool *nulls, ReturnSetInfo *rsinfo)
{
	DestReceiver *dest = CreateDestReceiver(DestTuplestore);
	SPIExecuteOptions options;
	ParamListInfo params = nargs > 0 ? makeParamList(nargs) : NULL;
	int			rc;

	for (int i = 0; i < nargs; i++)
	{
		params->params[i].value = values[i];
		params->params[i].isnull = nulls[i];
		params->params[i].ptype = argtypes[i];
		params->params[i].pflags = PARAM_FLAG_CONST;
	}
	SetTuplestoreDestReceiverParams(dest, rsinfo->setResult,
									rsinfo->econtext->ecxt_per_query_memory,
									false, rsinfo->setDesc,
									gettext_noop("generated query does not match the function's result type"));
	memset(&options, 0, sizeof(options));
	options.read_only = true;
	options.dest = dest;
	options.params = params;
	rc = SPI_execute_extended(sql, &options);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_extended failed: %s", SPI_result_code_string(rc));
	dest->rDestroy(dest);
}

/* A DestReceiver handing each row of a query to a callback. */
typedef struct FkStreamReceiver
{
	DestReceiver pub;
	fk_row_fn	fn;
	void	   *arg;
} FkStreamReceiver;

static bool
fk_stream_receive(TupleTableSlot *slot, DestReceiver *self)
{
	FkStreamReceiver *r = (FkStreamReceiver *) self;

	slot_getallattrs(slot);
	r->fn(slot->tts_values, slot->tts_isnull, r->arg);
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
 * Run a read-only query with $n parameters (nulls as SPI_execute_with_args
 * takes them, 'n' for NULL), calling fn on each row as the executor makes
 * it: nothing is materialized, so memory does not grow with the rows.  The
 * values are valid only during the call.
 */
void
fk_spi_stream_args(const char *sql, int nargs, Oid *argtypes, Datum *values,
				   const char *nulls, fk_row_fn fn, void *arg)
{
	FkStreamReceiver r;
	SPIExecuteOptions options;
	ParamListInfo params = nargs > 0 ? makeParamList(nargs) : NULL;
	int			rc;

	for (int i = 0; i < nargs; i++)
	{
		params->params[i].value = values[i];
		params->params[i].isnull = (nulls != NULL && nulls[i] == 'n');
		params->params[i].ptype = argtypes[i];
		params->params[i].pflags = PARAM_FLAG_CONST;
	}
	memset(&r, 0, sizeof(r));
	r.pub.receiveSlot = fk_stream_receive;
	r.pub.rStartup = fk_stream_startup;
	r.pub.rShutdown = fk_stream_nothing;
	r.pub.rDestroy = fk_stream_nothing;
	/* not DestNone, which SPI takes as rows thrown away (SPI_OK_UTILITY) */
	r.pub.mydest = DestSQLFunction;
	r.fn = fn;
	r.arg = arg;
	memset(&options, 0, sizeof(options));
	options.read_only = true;
	options.dest = (DestReceiver *) &r;
	options.params = params;
	rc = SPI_execute_extended(sql, &options);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_extended failed: %s", SPI_result_code_string(rc));
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
