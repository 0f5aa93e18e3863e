/*-------------------------------------------------------------------------
 *
 * fk_repair.c
 *	  From orphans to a valid constraint: fk_validate and fk_repair_orphans.
 *
 * Both functions decide what to touch with the orphan engine (fk_orphans.c)
 * and run their changes as generated statements built by fk_sql.c, in the
 * caller's transaction and with the caller's rights.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_constraint.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "fk_tools.h"

PG_FUNCTION_INFO_V1(fk_validate);

/* How many missing keys fk_validate shows in sample_keys. */
#define FK_VALIDATE_SAMPLE_KEYS 5

static bool fk_try_validate(FkModel *fk, char **failure);

/*
 * Run ALTER TABLE ... VALIDATE CONSTRAINT in a subtransaction.  A foreign
 * key violation (a row that broke the constraint after it was counted,
 * possible only while its triggers are disabled) is returned in *failure
 * instead of aborting the whole run; any other error propagates.
 */
static bool
fk_try_validate(FkModel *fk, char **failure)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	StringInfoData sql;
	bool		ok = true;

	initStringInfo(&sql);
	fksql_validate_constraint(&sql, fk);

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		int			rc = SPI_execute(sql.data, false, 0);

		if (rc != SPI_OK_UTILITY)
			elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
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
		if (edata->sqlerrcode != ERRCODE_FOREIGN_KEY_VIOLATION)
			ReThrowError(edata);
		*failure = edata->message;
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/*
 * fk_validate(target regclass DEFAULT NULL, dry_run boolean DEFAULT false)
 *	  RETURNS TABLE(table_name regclass, constraint_name name,
 *					referenced_table regclass, orphan_rows bigint,
 *					sample_keys jsonb, outcome text)
 *
 * One row per NOT VALID foreign key declared on target (NULL: the whole
 * database).  A constraint without orphans is validated, unless dry_run;
 * one with orphans is left alone and reported with their count and a few
 * missing keys.  outcome is one of 'validated', 'can be validated' (dry
 * run), 'orphans' (not validated), 'not validated: <error>' or
 * 'skipped: <why>'.
 *
 * Locks: for a real run SHARE UPDATE EXCLUSIVE on the referencing table and
 * ROW SHARE on the referenced one, taken before counting, which is what
 * VALIDATE CONSTRAINT itself takes: writers go on, but no other DDL can
 * change the constraint between the count and the validation.  A dry run
 * takes only ACCESS SHARE.
 */
Datum
fk_validate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		dry_run = PG_ARGISNULL(1) ? false : PG_GETARG_BOOL(1);
	List	   *fks;
	ListCell   *lc;
	MemoryContext loopcxt;
	MemoryContext oldcxt;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		fks = fk_model_list(InvalidOid, InvalidOid, true, 0);
	else
	{
		Oid			target = PG_GETARG_OID(0);

		fk_lock_and_check_relation(target, "target", true);
		fks = fk_model_list(target, InvalidOid, true, 0);
	}

	loopcxt = AllocSetContextCreate(CurrentMemoryContext, "fk_validate loop",
									ALLOCSET_DEFAULT_SIZES);
	fk_spi_connect();
	foreach(lc, fks)
	{
		FkModel    *listed = lfirst(lc);
		FkModel    *fk;
		Datum		values[6];
		bool		nulls[6];
		char	   *outcome = NULL;

		CHECK_FOR_INTERRUPTS();
		if (listed->validated)
			continue;
		oldcxt = MemoryContextSwitchTo(loopcxt);

		memset(nulls, 0, sizeof(nulls));
		values[0] = ObjectIdGetDatum(listed->fk_relid);
		values[1] = NameGetDatum(&listed->conname);
		values[2] = ObjectIdGetDatum(listed->pk_relid);
		nulls[3] = nulls[4] = true;

		if (!dry_run && !pg_class_ownercheck(listed->fk_relid, GetUserId()))
			outcome = psprintf("skipped: must be owner of table %s",
							   fksql_relname(listed->fk_relid));
		else
		{
			/* Lock, then read the constraint again: it is what exists now. */
			LockRelationOid(listed->fk_relid,
							dry_run ? AccessShareLock : ShareUpdateExclusiveLock);
			LockRelationOid(listed->pk_relid,
							dry_run ? AccessShareLock : RowShareLock);
			fk = fk_model_load(listed->conoid, FK_LOAD_NAMES);
			if (fk == NULL)
				outcome = "skipped: dropped concurrently";
			else if (fk->validated)
				outcome = "skipped: validated concurrently";
			else if ((outcome = fk_unreadable_reason(fk)) != NULL)
				outcome = psprintf("skipped: %s", outcome);
			else
			{
				TupleDesc	desc;
				HeapTuple	tup = fk_orphan_summary(fk, FK_VALIDATE_SAMPLE_KEYS, &desc);
				bool		isnull;
				Datum		n = heap_getattr(tup, 1, desc, &isnull);
				char	   *failure;

				values[3] = isnull ? Int64GetDatum(0) : n;
				nulls[3] = false;
				values[4] = heap_getattr(tup, 3, desc, &nulls[4]);
				if (!nulls[4])
					values[4] = datumCopy(values[4], false, -1);
				SPI_freetuptable(SPI_tuptable);
				if (!isnull && DatumGetInt64(n) > 0)
					outcome = "orphans";
				else if (dry_run)
					outcome = "can be validated";
				else if (fk_try_validate(fk, &failure))
					outcome = "validated";
				else
					outcome = psprintf("not validated: %s", failure);
			}
		}
		values[5] = CStringGetTextDatum(outcome);
		MemoryContextSwitchTo(oldcxt);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextReset(loopcxt);
	}
	fk_spi_finish();
	PG_RETURN_VOID();
}
