/*-------------------------------------------------------------------------
 *
 * fk_orphans.c
 *	  The orphan engine: fk_orphans, fk_check, fk_missing_parents.
 *
 * A row is an orphan exactly when PostgreSQL's own RI check would reject
 * it: one anti-join per constraint, written like RI_Initial_Check's
 * validation query (the constraint's operators, the referenced key's
 * collation, ONLY unless partitioned, the match type's NULL rules).  Each
 * query runs once, read-only, straight into the result tuplestore, so
 * the planner may run it in parallel and memory stays within work_mem.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_constraint.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "fk_tools.h"

PG_FUNCTION_INFO_V1(fk_orphans);
PG_FUNCTION_INFO_V1(fk_check);
PG_FUNCTION_INFO_V1(fk_missing_parents);

/* How many missing keys fk_check shows in sample_keys. */
#define FK_CHECK_SAMPLE_KEYS 5

static char *fk_unusable_reason(FkModel *fk);
static void per_constraint_query(FunctionCallInfo fcinfo, bool whole_fk_row,
								 void (*build) (StringInfo sql, FkModel *fk));
static void orphan_rows_query(StringInfo sql, FkModel *fk);
static void missing_parents_query(StringInfo sql, FkModel *fk);

/*
 * Beyond the tables themselves, the query needs USAGE on both tables'
 * schemas and EXECUTE on the constraint's equality functions, and neither
 * table may be another session's temporary table; otherwise it would fail
 * at its start, so fk_check reports the constraint as skipped instead (one
 * session's temporary table must not abort a database-wide check).  NULL
 * if all is usable.
 */
static char *
fk_unusable_reason(FkModel *fk)
{
	Oid			userid = GetUserId();
	Oid			rels[2] = {fk->fk_relid, fk->pk_relid};

	for (int r = 0; r < 2; r++)
	{
		Oid			nsp = get_rel_namespace(rels[r]);

		/* the server lets no one read them, not even a superuser */
		if (isOtherTempNamespace(nsp))
			return pstrdup("temporary table of another session");

		if (pg_namespace_aclcheck(nsp, userid, ACL_USAGE) != ACLCHECK_OK)
			return psprintf("permission denied for schema %s",
							quote_identifier(get_namespace_name(nsp)));
	}
	for (int i = 0; i < fk->nkeys; i++)
	{
		Oid			fn = get_opcode(fk->pf_eq_oprs[i]);

		if (pg_proc_aclcheck(fn, userid, ACL_EXECUTE) != ACLCHECK_OK)
			return psprintf("permission denied for function %s",
							get_func_name(fn));
	}
	return NULL;
}

/*
 * Why the current user cannot check fk, or NULL if they can: SELECT on the
 * key columns of both sides, and no row-level security filtering the
 * referenced table (RI looks through the policies; a filtered referenced
 * table would make visible children look orphaned).
 */
char *
fk_unreadable_reason(FkModel *fk)
{
	Oid			denied;
	char	   *unusable = fk_unusable_reason(fk);

	if (unusable)
		return unusable;
	if (!fk_can_read_key(fk, false, &denied) || !fk_can_read_key(fk, true, &denied))
		return psprintf("permission denied for table %s", fksql_relname(denied));
	if (fk_rls_hides_rows(fk->pk_relid))
		return psprintf("row-level security filters referenced table %s",
						fksql_relname(fk->pk_relid));
	return NULL;
}

/* Error out unless the current user may check fk. */
void
fk_require_readable(FkModel *fk, bool whole_fk_row)
{
	Oid			denied;
	char	   *unusable = fk_unusable_reason(fk);

	if (unusable && (isOtherTempNamespace(get_rel_namespace(fk->fk_relid)) ||
					 isOtherTempNamespace(get_rel_namespace(fk->pk_relid))))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot check constraint \"%s\" of another session's temporary table",
						NameStr(fk->conname)),
				 errdetail("Only the session that created a temporary table can read it."),
				 errhint("Run the check in that session.")));
	if (unusable)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg_internal("%s", unusable),
				 errdetail("Checking constraint \"%s\" of %s needs it.",
						   NameStr(fk->conname), get_rel_name(fk->fk_relid)),
				 errhint("Grant the privilege to the role, or run as the tables' owner.")));
	if ((whole_fk_row &&
		 pg_class_aclcheck(fk->fk_relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK) ||
		!fk_can_read_key(fk, false, &denied))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s", get_rel_name(fk->fk_relid)),
				 errdetail("Finding the rows that break constraint \"%s\" needs SELECT on %s.",
						   NameStr(fk->conname),
						   whole_fk_row ? "the whole referencing table" : "its key columns"),
				 errhint("GRANT SELECT ON %s to the role, or run as its owner.",
						 fksql_relname(fk->fk_relid))));
	if (!fk_can_read_key(fk, true, &denied))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s", get_rel_name(fk->pk_relid)),
				 errdetail("Checking constraint \"%s\" needs SELECT on the referenced key columns.",
						   NameStr(fk->conname)),
				 errhint("GRANT SELECT ON %s to the role, or run as its owner.",
						 fksql_relname(fk->pk_relid))));
	if (fk_rls_hides_rows(fk->pk_relid))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("row-level security filters referenced table %s",
						get_rel_name(fk->pk_relid)),
				 errdetail("Constraint \"%s\" is checked against every row of %s, but the current user sees only some of them, so visible rows could wrongly look orphaned.",
						   NameStr(fk->conname), get_rel_name(fk->pk_relid)),
				 errhint("Run as the table owner or as a role with BYPASSRLS.")));
}

/* " FROM <referencing table> fk_tools_c WHERE <the row breaks fk>" */
void
fk_orphan_from(StringInfo sql, FkModel *fk)
{
	appendStringInfoString(sql, " FROM ");
	fksql_rel(sql, fk->fk_relid, true);
	appendStringInfoString(sql, " fk_tools_c WHERE ");
	fksql_orphan_condition(sql, fk, "fk_tools_c");
}

/*
 * fk_orphans(target regclass, only_constraint name DEFAULT NULL)
 *	  RETURNS TABLE(constraint_name name, table_name regclass, key jsonb,
 *					orphan_row jsonb)
 *
 * Every row of target that breaks one of its foreign keys, once per broken
 * key.  AccessShareLock on the tables read.
 */
Datum
fk_orphans(PG_FUNCTION_ARGS)
{
	per_constraint_query(fcinfo, true, orphan_rows_query);
	PG_RETURN_VOID();
}

/* SELECT conname, tableoid, key, row FROM <target> WHERE <breaks fk> */
static void
orphan_rows_query(StringInfo sql, FkModel *fk)
{
	appendStringInfoString(sql, "SELECT ");
	fksql_literal(sql, NameStr(fk->conname));
	appendStringInfoString(sql, "::pg_catalog.name, fk_tools_c.tableoid::pg_catalog.regclass, ");
	fksql_key_jsonb(sql, fk, "fk_tools_c", false, false);
	appendStringInfoString(sql, ", pg_catalog.to_jsonb(fk_tools_c.*)");
	fk_orphan_from(sql, fk);
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
Datum
fk_missing_parents(PG_FUNCTION_ARGS)
{
	per_constraint_query(fcinfo, false, missing_parents_query);
	PG_RETURN_VOID();
}

/*
 * SELECT conname, pktable, key, count(*) FROM <target> WHERE <breaks fk>
 * AND <key complete> GROUP BY <key as the referenced side compares it>
 */
static void
missing_parents_query(StringInfo sql, FkModel *fk)
{
	appendStringInfoString(sql, "SELECT ");
	fksql_literal(sql, NameStr(fk->conname));
	appendStringInfo(sql, "::pg_catalog.name, %u::pg_catalog.regclass, ",
					 fk->pk_relid);
	fksql_key_jsonb(sql, fk, "fk_tools_c", true, true);
	appendStringInfoString(sql, ", pg_catalog.count(*)");
	fk_orphan_from(sql, fk);
	appendStringInfoString(sql, " AND ");
	fksql_key_complete(sql, fk, "fk_tools_c", false);
	appendStringInfoString(sql, " GROUP BY ");
	fksql_key_group(sql, fk, "fk_tools_c");
}

/*
 * The frame of fk_orphans and fk_missing_parents: for target's foreign
 * keys (or the one named), check the caller may read what is needed
 * (whole_fk_row: all of target), then stream one query per constraint,
 * as written by build, into the result.
 */
static void
per_constraint_query(FunctionCallInfo fcinfo, bool whole_fk_row,
					 void (*build) (StringInfo sql, FkModel *fk))
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			target;
	List	   *fks;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		return;
	target = PG_GETARG_OID(0);
	fk_lock_and_check_relation(target, "target", true);
	fks = fk_model_checked_on(target,
							  PG_ARGISNULL(1) ? NULL : NameStr(*PG_GETARG_NAME(1)),
							  FK_LOAD_NAMES);
	foreach(lc, fks)
		fk_require_readable(lfirst(lc), whole_fk_row);

	fk_spi_connect();
	foreach(lc, fks)
	{
		StringInfoData sql;

		CHECK_FOR_INTERRUPTS();
		initStringInfo(&sql);
		build(&sql, lfirst(lc));
		fk_spi_into_tuplestore(sql.data, rsinfo);
		pfree(sql.data);
	}
	fk_spi_finish();
}

/*
 * Count the rows of the referencing table that break fk and the distinct
 * referenced keys they miss, with up to nsample of those keys: one row
 * (orphan_rows bigint or NULL for none, missing_keys bigint, sample_keys
 * jsonb) in SPI memory.  The caller must have checked readability and be
 * connected to SPI.
 */
HeapTuple
fk_orphan_summary(FkModel *fk, int nsample, TupleDesc *desc)
{
	StringInfoData sql;

	/*
	 * Group the orphans by missing key (cheap: orphans are few next to the
	 * rows scanned), then count and sample the groups.
	 */
	initStringInfo(&sql);
	appendStringInfoString(&sql,
						   "SELECT pg_catalog.sum(g.n)::pg_catalog.int8, "
						   "pg_catalog.count(g.k)::pg_catalog.int8, "
						   "pg_catalog.jsonb_agg(g.k ORDER BY g.r) FILTER (WHERE g.k IS NOT NULL AND g.r OPERATOR(pg_catalog.<=) ");
	appendStringInfo(&sql, "%d", nsample);
	appendStringInfoString(&sql,
						   ") FROM (SELECT o.n, o.k, pg_catalog.row_number() OVER (ORDER BY o.k NULLS LAST) AS r "
						   "FROM (SELECT pg_catalog.count(*) AS n, CASE WHEN ");
	fksql_key_complete(&sql, fk, "fk_tools_c", true);
	appendStringInfoString(&sql, " THEN ");
	fksql_key_jsonb(&sql, fk, "fk_tools_c", true, true);
	appendStringInfoString(&sql, " END AS k");
	fk_orphan_from(&sql, fk);
	appendStringInfoString(&sql, " GROUP BY ");
	fksql_key_group(&sql, fk, "fk_tools_c");
	appendStringInfoString(&sql, ") o) g");
	return fk_spi_one_row(sql.data, desc);
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
 * never read, and the run goes on.
 */
Datum
fk_check(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
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
		fks = fk_model_checked_on(target, NULL, 0);
	}

	loopcxt = AllocSetContextCreate(CurrentMemoryContext, "fk_check loop",
									ALLOCSET_DEFAULT_SIZES);
	fk_spi_connect();
	foreach(lc, fks)
	{
		FkModel    *listed = lfirst(lc);
		FkModel    *fk;
		Datum		values[7];
		bool		nulls[7];
		char	   *skipped;

		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(loopcxt);

		/*
		 * Lock both tables before reading the constraint again, so that what
		 * we check is what exists now; a constraint or table dropped since
		 * the list was made is skipped.
		 */
		LockRelationOid(listed->fk_relid, AccessShareLock);
		LockRelationOid(listed->pk_relid, AccessShareLock);
		fk = fk_model_load(listed->conoid, FK_LOAD_NAMES);

		memset(nulls, 0, sizeof(nulls));
		values[0] = ObjectIdGetDatum(listed->fk_relid);
		values[1] = NameGetDatum(&listed->conname);
		values[2] = ObjectIdGetDatum(listed->pk_relid);

		skipped = fk ? fk_unreadable_reason(fk) : "skipped: dropped concurrently";
		if (fk && skipped)
			skipped = psprintf("skipped: %s", skipped);
		if (skipped)
		{
			nulls[3] = nulls[4] = nulls[5] = true;
			values[6] = CStringGetTextDatum(skipped);
		}
		else
		{
			HeapTuple	tup;
			TupleDesc	desc;
			bool		isnull;
			int64		orphan_rows;

			tup = fk_orphan_summary(fk, FK_CHECK_SAMPLE_KEYS, &desc);
			orphan_rows = 0;
			values[3] = heap_getattr(tup, 1, desc, &isnull);
			if (isnull)
				values[3] = Int64GetDatum(0);
			else
				orphan_rows = DatumGetInt64(values[3]);
			values[4] = heap_getattr(tup, 2, desc, &isnull);
			values[5] = heap_getattr(tup, 3, desc, &nulls[5]);
			values[6] = CStringGetTextDatum(orphan_rows > 0 ? "orphans" : "ok");
		}
		MemoryContextSwitchTo(oldcxt);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		SPI_freetuptable(SPI_tuptable);
		MemoryContextReset(loopcxt);
	}
	fk_spi_finish();
	PG_RETURN_VOID();
}
