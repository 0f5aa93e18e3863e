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
#include "pgstat.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/rel.h"

#include "fk_access.h"
#include "fk_cascade.h"
#include "fk_fix.h"
#include "fk_orphans.h"
#include "fk_spi.h"
#include "fk_sql.h"
#include "fk_table.h"

PG_FUNCTION_INFO_V1(fk_validate);
PG_FUNCTION_INFO_V1(fk_repair_orphans);

/* How many missing keys fk_validate shows in sample_keys. */
#define FK_VALIDATE_SAMPLE_KEYS 5

static bool fk_try_validate(FkModel *fk, char **failure);
static void run_utility(void *sql);
static void fk_require_writable(FkModel *fk, bool set_null);
static FkCascade *orphan_preview(FkModel *fk, bool set_null);
static const char *consequence_name(FkCascAction action);
static List *group_consequences(FkCascade *c);
static int64 root_rows_of(FkCascade *c, Oid relid);
static int64 xact_counter(Oid relid, bool deleted);
static int64 updated_rows(Oid relid, TransactionId xid, CommandId cid);
static void put_row(ReturnSetInfo *rsinfo, FkModel *fk, Oid relid,
					const char *action, int64 rows, const char *detail);

/*
 * Run ALTER TABLE ... VALIDATE CONSTRAINT in a subtransaction.  A foreign
 * key violation (a row that broke the constraint after it was counted,
 * possible only while its triggers are disabled) is returned in *failure
 * instead of aborting the whole run; any other error propagates.
 */
static bool
fk_try_validate(FkModel *fk, char **failure)
{
	StringInfoData sql;

	initStringInfo(&sql);
	fkfix_validate(&sql, fk);
	*failure = fk_try(run_utility, sql.data, ERRCODE_FOREIGN_KEY_VIOLATION);
	return *failure == NULL;
}

static void
run_utility(void *sql)
{
	int			rc = SPI_execute((const char *) sql, false, 0);

	if (rc != SPI_OK_UTILITY)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
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
	fks = fk_keys_of_target(fcinfo, 0, true, 0);

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
			fk = fk_lock_key(listed,
							 dry_run ? AccessShareLock : ShareUpdateExclusiveLock,
							 dry_run ? AccessShareLock : RowShareLock,
							 FK_LOAD_NAMES);
			if (fk == NULL)
				outcome = "skipped: dropped concurrently";
			else if (fk->validated)
				outcome = "skipped: validated concurrently";
			else if ((outcome = fk_unreadable_reason(fk)) != NULL)
				outcome = psprintf("skipped: %s", outcome);
			else
			{
				FkOrphanSummary sum;
				char	   *failure;

				fk_orphan_summary(fk, FK_VALIDATE_SAMPLE_KEYS, &sum);
				values[3] = Int64GetDatum(sum.orphan_rows);
				nulls[3] = false;
				values[4] = JsonbPGetDatum(sum.sample_keys);
				nulls[4] = (sum.sample_keys == NULL);
				if (sum.orphan_rows > 0)
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

static void
put_row(ReturnSetInfo *rsinfo, FkModel *fk, Oid relid, const char *action,
		int64 rows, const char *detail)
{
	Datum		values[5];
	bool		nulls[5];

	memset(nulls, 0, sizeof(nulls));
	values[0] = NameGetDatum(&fk->conname);
	values[1] = ObjectIdGetDatum(relid);
	values[2] = CStringGetTextDatum(action);
	values[3] = Int64GetDatum(rows);
	values[4] = CStringGetTextDatum(detail);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* Would the other action repair fk's orphans?  (For hints: no circles.) */
typedef struct OtherAction
{
	FkModel    *fk;
	bool		set_null;
	bool		works;
} OtherAction;

static void
try_other_action(void *arg)
{
	OtherAction *o = arg;
	FkCascade  *c;

	fk_spi_connect();
	c = orphan_preview(o->fk, o->set_null);
	o->works = fk_casc_total(c, -1, FKC_BLOCKED, InvalidOid) == 0;
	fk_casc_end(c);
	fk_spi_finish();
}

static bool
other_action_works(FkModel *fk, bool set_null)
{
	OtherAction o;

	if (set_null)
		for (int i = 0; i < fk->nkeys; i++)
			if (fk->fk_notnull[i] || get_attgenerated(fk->fk_relid, fk->fk_attnums[i]))
				return false;
	o.fk = fk;
	o.set_null = set_null;
	o.works = false;
	if (fk_try(try_other_action, &o, 0) != NULL)
		return false;
	return o.works;
}

/*
 * Refuse, before touching anything, unless the current user may make the
 * change: DELETE on the table, or UPDATE on the key columns.
 */
static void
fk_require_writable(FkModel *fk, bool set_null)
{
	char	   *detail;
	int			code = fk_table_user_code(fk->fk_relid, set_null ? CMD_UPDATE : CMD_DELETE);

	detail = psprintf("Repairing the rows that break constraint \"%s\" with action \"%s\" needs %s.",
					  NameStr(fk->conname), set_null ? "set null" : "delete",
					  set_null ? "UPDATE on its key columns" : "DELETE on the table");

	if (set_null)
		fk_require_privilege(fk->fk_relid, ACL_UPDATE, fk->nkeys, fk->fk_attnums,
							 detail);
	else
		fk_require_privilege(fk->fk_relid, ACL_DELETE, 0, NULL, detail);
	/* SHARE on the referenced table: what LOCK TABLE ... IN SHARE MODE needs */
	if (!fk_has_privilege(fk->pk_relid, ACL_UPDATE, 0, NULL) &&
		!fk_has_privilege(fk->pk_relid, ACL_DELETE, 0, NULL) &&
		!fk_has_privilege(fk->pk_relid, ACL_TRUNCATE, 0, NULL))
		fk_report_denied(fk->pk_relid, ACL_UPDATE | ACL_DELETE | ACL_TRUNCATE,
						 psprintf("A repair holds off the writers of referenced table %s until the transaction ends (a SHARE lock), so that no parent appears or vanishes meanwhile; that lock needs UPDATE, DELETE or TRUNCATE on it.",
								  fksql_relname(fk->pk_relid)));
	if (code & FK_USER_INSTEAD_RULES)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot repair table %s: it has a DO INSTEAD rule on %s",
						get_rel_name(fk->fk_relid), set_null ? "UPDATE" : "DELETE"),
				 errdetail("The rule would replace the repair's %s with something else.",
						   set_null ? "UPDATE" : "DELETE"),
				 errhint("Repair the rows by hand (fk_orphans lists them), or drop or disable the rule first.")));
	for (int i = 0; set_null && i < fk->nkeys; i++)
	{
		if (get_attgenerated(fk->fk_relid, fk->fk_attnums[i]))
			ereport(ERROR,
					(errcode(ERRCODE_GENERATED_ALWAYS),
					 errmsg("cannot set the key of constraint \"%s\" to NULL", NameStr(fk->conname)),
					 errdetail("Column \"%s\" of %s is a generated column: an UPDATE cannot set it.",
							   fk->fk_colnames[i], fksql_relname(fk->fk_relid)),
					 other_action_works(fk, false) ?
					 errhint("Use action => 'delete', or change the columns it is generated from.") :
					 errhint("Change the columns it is generated from; deleting the rows would be blocked too (see the dry run of action => 'delete').")));
		if (fk->fk_notnull[i])
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("cannot set the key of constraint \"%s\" to NULL", NameStr(fk->conname)),
					 errdetail("Column \"%s\" of %s is NOT NULL.", fk->fk_colnames[i],
							   fksql_relname(fk->fk_relid)),
					 other_action_works(fk, false) ?
					 errhint("Use action => 'delete', or drop the NOT NULL constraint first.") :
					 errhint("Drop the NOT NULL constraint first; deleting the rows would be blocked too (see the dry run of action => 'delete').")));
	}
}

/*
 * What deleting the orphans of fk (or setting their key to NULL) does, at
 * every depth: the cascade engine's answer for a DELETE (an UPDATE) whose
 * rows are exactly the orphans (the orphan condition on the referencing
 * table, ONLY unless partitioned, as the repair's own statement reads
 * it).  For an UPDATE the engine also says whether the new rows can be
 * stored (partition routing, CHECK constraints) and which ON UPDATE
 * actions the NULLs fire, where the key columns are keys others reference.
 */
static FkCascade *
orphan_preview(FkModel *fk, bool set_null)
{
	FkCascRequest req;

	memset(&req, 0, sizeof(req));
	req.root = fk_casc_root(fk->fk_relid, true);
	fksql_orphan_condition(&req.root->cond, fk, FKC_ROOT_ALIAS);
	if (set_null)
	{
		FkCascValues *set = palloc0(sizeof(FkCascValues));

		set->cols = palloc(sizeof(char *) * fk->nkeys);
		set->types = palloc(sizeof(Oid) * fk->nkeys);
		set->values = palloc0(sizeof(Datum) * fk->nkeys);
		set->nulls = palloc(sizeof(bool) * fk->nkeys);
		for (int i = 0; i < fk->nkeys; i++)
		{
			bool		dup = false;

			for (int j = 0; j < set->n; j++)
				dup |= strcmp(set->cols[j], fk->fk_colnames[i]) == 0;
			if (dup)
				continue;
			set->cols[set->n] = fk->fk_colnames[i];
			set->types[set->n] = getBaseType(fk->fk_types[i]);
			set->nulls[set->n] = true;
			set->n++;
		}
		req.set = set;
	}
	return fk_casc_run(&req);
}

/*
 * The SQLSTATE an engine detail names ("... (SQLSTATE 23514)."), or
 * otherwise: the error the repair's own statement would raise.
 */
static int
detail_sqlstate(const char *detail, int otherwise)
{
	const char *p = detail ? strstr(detail, "(SQLSTATE ") : NULL;

	if (p == NULL || strlen(p) < 15)
		return otherwise;
	p += strlen("(SQLSTATE ");
	return MAKE_SQLSTATE(p[0], p[1], p[2], p[3], p[4]);
}

/* The operation column for a group past depth 0. */
static const char *
consequence_name(FkCascAction action)
{
	return action == FKC_DELETE ? "CASCADE DELETE" : fk_casc_action_name(action);
}

/*
 * Group the engine's groups past depth 0 by table and operation: the rows
 * the deletion of the orphans reaches.  Each keeps its predicted count and
 * the constraints and depths it came through.
 */
typedef struct Consequence
{
	Oid			relid;
	FkCascAction action;
	const char *operation;
	int64		predicted;
	int64		measured;
	StringInfoData via;
	const char *why;			/* BLOCKED: the engine's detail */
} Consequence;

static List *
group_consequences(FkCascade *c)
{
	List	   *groups = NIL;
	FkCascGroup **casc;
	int			n;

	casc = fk_casc_groups(c, &n);
	for (int i = 0; i < n; i++)
	{
		FkCascGroup *r = casc[i];
		Consequence *g = NULL;
		ListCell   *lc2;

		/* the statement's own rows, unless they cannot be stored */
		if (r->depth == 0 && r->action != FKC_BLOCKED)
			continue;
		foreach(lc2, groups)
		{
			Consequence *cg = lfirst(lc2);

			if (cg->relid == r->relid && cg->action == r->action)
				g = cg;
		}
		if (g == NULL)
		{
			g = palloc0(sizeof(Consequence));
			g->relid = r->relid;
			g->action = r->action;
			g->operation = consequence_name(r->action);
			initStringInfo(&g->via);
			groups = lappend(groups, g);
		}
		g->predicted += r->rows;
		if (r->depth == 0)
			appendStringInfo(&g->via, "%sthe repair's own UPDATE", g->via.len > 0 ? ", " : "");
		else
			appendStringInfo(&g->via, "%s%s (depth %d)", g->via.len > 0 ? ", " : "",
							 r->conname ? quote_identifier(r->conname) : "?", r->depth);
		if (r->action == FKC_BLOCKED && g->why == NULL)
			g->why = r->detail;
	}
	return groups;
}

/* Rows of relid that the preview deletes at depth 0 (the orphans). */
static int64
root_rows_of(FkCascade *c, Oid relid)
{
	FkCascGroup **groups;
	int			n;
	int64		rows = 0;

	groups = fk_casc_groups(c, &n);
	for (int i = 0; i < n; i++)
		if (groups[i]->depth == 0 && groups[i]->relid == relid)
			rows += groups[i]->rows;
	return rows;
}

/*
 * This transaction's deleted (or updated) row counter of a table, as the
 * statistics system keeps it for the transaction in progress: RI's own
 * deletes and updates count there too, so the difference around the
 * DELETE is what it really did, cascades included.
 */
static int64
xact_counter(Oid relid, bool deleted)
{
	FkParams   *params = fk_params_new();

	fk_param_add(params, OIDOID, ObjectIdGetDatum(relid), false);
	return fk_spi_count(deleted ?
						"SELECT pg_catalog.pg_stat_get_xact_tuples_deleted($1)" :
						"SELECT pg_catalog.pg_stat_get_xact_tuples_updated($1)",
						params);
}

/*
 * How many rows of relid this (sub)transaction has updated since command
 * cid: the visible row versions it wrote after that command.  A row that
 * two foreign keys set to NULL is updated twice but counted once, as the
 * preview counts it; the statistics' update counter would count it twice.
 */
static int64
updated_rows(Oid relid, TransactionId xid, CommandId cid)
{
	StringInfoData sql;
	FkParams   *params = fk_params_new();
	int64		n;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT pg_catalog.count(*) FROM ");
	fksql_rel(&sql, relid, true);
	appendStringInfoString(&sql, " fk_tools_t WHERE ");
	fksql_col(&sql, "fk_tools_t", "xmin");
	appendStringInfo(&sql, " OPERATOR(pg_catalog.=) $%d AND ",
					 fk_param_add(params, XIDOID, TransactionIdGetDatum(xid), false));
	fksql_col(&sql, "fk_tools_t", "cmin");
	appendStringInfo(&sql, "::pg_catalog.text::pg_catalog.int8 OPERATOR(pg_catalog.>) $%d",
					 fk_param_add(params, INT8OID, Int64GetDatum((int64) cid), false));
	/* a snapshot that sees the DELETE's own changes */
	fk_spi_latest_begin();
	n = fk_spi_count(sql.data, params);
	fk_spi_latest_end();
	return n;
}

/*
 * fk_repair_orphans(target regclass, only_constraint name DEFAULT NULL,
 *					 action text DEFAULT 'report',
 *					 dry_run boolean DEFAULT true)
 *	  RETURNS TABLE(constraint_name name, table_name regclass, operation text,
 *					rows_affected bigint, detail text)
 *
 * Remove the rows of target that break its foreign keys (or only_constraint):
 * action 'report' counts them, 'delete' deletes them, 'set null' sets their
 * key to NULL (refused when a key column is NOT NULL).  One row per
 * constraint for target itself, then, for 'delete', one per table and
 * operation that the deletion reaches at any depth (CASCADE DELETE, SET
 * NULL, SET DEFAULT, or BLOCKED, which refuses the real run), as
 * the cascade engine predicts it for all the orphans at once.  With
 * dry_run (the default) nothing is changed and rows_affected is that
 * prediction; a real run reports what its DELETE did: the transaction's
 * deleted-row statistics and the rows it updated.
 *
 * Concurrency.  A real run first locks the referencing table in SHARE ROW
 * EXCLUSIVE mode and the referenced one in SHARE mode, waiting for the
 * writers of either to finish and holding off new ones until the caller's
 * transaction ends: no row can be re-pointed, no parent appear or vanish,
 * no orphan come in while the repair decides and changes (the locks a DBA
 * would take by hand; SHARE on the referenced table needs UPDATE, DELETE
 * or TRUNCATE there, as LOCK TABLE would).  It then reads the constraint
 * again, counts and previews under a snapshot taken after the locks, and
 * changes the rows with one set-based statement whose WHERE is the orphan
 * condition, planned and checked to read the tables it was written for (a
 * schema renamed and replaced meanwhile cannot redirect it).  Finally the
 * orphan engine checks, under the latest snapshot, that no orphan is left:
 * in REPEATABLE READ or SERIALIZABLE, rows committed after the
 * transaction's snapshot are invisible to its DELETE, and are then
 * reported as an error instead of being left unsaid.
 */
Datum
fk_repair_orphans(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			target;
	char	   *action;
	bool		dry_run;
	bool		set_null = false;
	bool		report = false;
	List	   *fks;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		PG_RETURN_VOID();
	target = PG_GETARG_OID(0);
	action = PG_ARGISNULL(2) ? "report" : text_to_cstring(PG_GETARG_TEXT_PP(2));
	dry_run = PG_ARGISNULL(3) ? true : PG_GETARG_BOOL(3);
	if (pg_strcasecmp(action, "report") == 0)
		report = true;
	else if (pg_strcasecmp(action, "set null") == 0)
		set_null = true;
	else if (pg_strcasecmp(action, "delete") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid action \"%s\"", action),
				 errhint("Use 'report', 'delete' or 'set null'.")));
	if (report)
		dry_run = true;

	fk_check_target(target, "target");
	fks = fk_model_checked_on(target,
							  PG_ARGISNULL(1) ? NULL : NameStr(*PG_GETARG_NAME(1)),
							  FK_LOAD_NAMES | FK_LOAD_STATE);
	foreach(lc, fks)
	{
		fk_require_readable(lfirst(lc), false);
		/* a dry run refuses what the real run would refuse */
		if (!report)
			fk_require_writable(lfirst(lc), set_null);
	}

	fk_spi_connect();
	foreach(lc, fks)
	{
		FkModel    *fk = lfirst(lc);
		StringInfoData sql;
		FkOrphanSummary sum;
		int64		n;
		FkCascade  *preview = NULL;
		List	   *groups = NIL;
		int64	   *before = NULL;
		CommandId	cid_before;
		Oid			relids[2];

		CHECK_FOR_INTERRUPTS();
		if (!dry_run)
		{
			Oid			conoid = fk->conoid;

			/*
			 * The referenced table first: a writer that inserts a parent and
			 * then its children waits for nothing the repair holds until the
			 * repair has both locks, so the two do not deadlock.
			 */
			LockRelationOid(fk->pk_relid, ShareLock);
			fk = fk_lock_key(fk, ShareRowExclusiveLock, ShareLock,
							 FK_LOAD_NAMES | FK_LOAD_STATE);
			if (fk == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("foreign key constraint with OID %u was dropped while the repair waited for its tables",
								conoid),
						 errhint("Run the repair again.")));
			/* what committed while the locks were awaited counts too */
			fk_spi_latest_begin();
		}

		/* count: what report and dry runs return, and the delete's reach */
		fk_orphan_summary(fk, 0, &sum);
		n = sum.orphan_rows;
		/* what the deletion reaches, at every depth: the cascade engine */
		if (!report && n > 0)
		{
			preview = orphan_preview(fk, set_null);
			groups = group_consequences(preview);
		}
		if (!dry_run)
			fk_spi_latest_end();

		if (report || dry_run || n == 0)
		{
			ListCell   *lc2;

			put_row(rsinfo, fk, target, report ? "REPORT" : set_null ? "SET NULL" : "DELETE",
					n, report ? "rows that break the constraint" :
					n == 0 ? "no row breaks the constraint" :
					set_null ? "rows whose key would be set to NULL (dry run)" :
					"rows that would be deleted (dry run)");
			foreach(lc2, groups)
			{
				Consequence *g = lfirst(lc2);

				put_row(rsinfo, fk, g->relid, g->operation, g->predicted,
						psprintf("reached through %s; predicted by the cascade preview of the orphans (dry run)%s%s",
								 g->via.data,
								 g->why ? ": " : "", g->why ? g->why : ""));
			}
			if (preview)
				fk_casc_end(preview);
			continue;
		}

		{
			FkCascGroup **casc;
			int			ncasc;
			ListCell   *lc2;
			int			i = 0;

			/* refuse before changing anything if the statement would fail */
			casc = fk_casc_groups(preview, &ncasc);
			for (int k = 0; k < ncasc; k++)
			{
				FkCascGroup *r = casc[k];

				if (r->action != FKC_BLOCKED)
					continue;
				if (r->depth == 0)
					ereport(ERROR,
							(errcode(detail_sqlstate(r->detail, ERRCODE_CHECK_VIOLATION)),
							 errmsg("setting the key of constraint \"%s\" to NULL would fail on %lld row(s) of %s",
									NameStr(fk->conname), (long long) r->rows,
									get_rel_name(r->relid)),
							 errdetail("%s", r->detail ? r->detail : "The rows cannot be stored."),
							 other_action_works(fk, false) ?
							 errhint("Use action => 'delete', or change what refuses the rows first (for a partition key, a partition that takes NULL).") :
							 errhint("Change what refuses the rows first (for a partition key, a partition that takes NULL); deleting them would be blocked too.")));
				ereport(ERROR,
						(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
						 errmsg("%s the orphans of constraint \"%s\" would break constraint \"%s\" on table %s",
								set_null ? "setting the key to NULL of" : "deleting",
								NameStr(fk->conname), r->conname ? r->conname : "?",
								get_rel_name(r->relid)),
						 errdetail("%lld row(s) of %s would block the %s at depth %d: %s",
								   (long long) r->rows, fksql_relname(r->relid),
								   set_null ? "update" : "deletion",
								   r->depth, r->detail ? r->detail : "."),
						 other_action_works(fk, !set_null) ?
						 errhint("Deal with the blocking rows of %s first (the dry run counts them), or use action => '%s'.",
								 fksql_relname(r->relid), set_null ? "delete" : "set null") :
						 errhint("Deal with the blocking rows of %s first (the dry run counts them): action => '%s' would not succeed either.",
								 fksql_relname(r->relid), set_null ? "delete" : "set null")));
			}
			before = palloc0(sizeof(int64) * Max(list_length(groups), 1));
			foreach(lc2, groups)
			{
				Consequence *g = lfirst(lc2);

				before[i++] = xact_counter(g->relid, g->action == FKC_DELETE);
			}
		}

		/* the fix: one statement whose WHERE is the orphan condition */
		initStringInfo(&sql);
		if (set_null)
		{
			fkfix_set_key_null(&sql, fk, "fk_tools_c");
			appendStringInfoString(&sql, " WHERE ");
		}
		else
		{
			appendStringInfoString(&sql, "DELETE FROM ");
			fksql_rel(&sql, fk->fk_relid, true);
			appendStringInfoString(&sql, " fk_tools_c WHERE ");
		}
		fksql_orphan_condition(&sql, fk, "fk_tools_c");
		cid_before = GetCurrentCommandId(false);
		relids[0] = fk->fk_relid;
		relids[1] = fk->pk_relid;
		n = (int64) fk_spi_modify(sql.data, NULL,
								  set_null ? SPI_OK_UPDATE : SPI_OK_DELETE,
								  2, relids);
		put_row(rsinfo, fk, target, set_null ? "SET NULL" : "DELETE", n,
				set_null ? "rows whose key was set to NULL" : "rows deleted");
		if (preview)
		{
			ListCell   *lc2;
			int			i = 0;

			foreach(lc2, groups)
			{
				Consequence *g = lfirst(lc2);
				bool		deleted = (g->action == FKC_DELETE);

				if (!deleted &&
					pg_class_aclcheck(g->relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK)
				{
					/* rows, not updates: see updated_rows */
					i++;
					g->measured = updated_rows(g->relid, GetCurrentTransactionId(),
											   cid_before);
					put_row(rsinfo, fk, g->relid, g->operation, g->measured,
							g->measured == g->predicted ?
							psprintf("reached through %s; counted in the table (rows this transaction updated), as the cascade preview predicted",
									 g->via.data) :
							psprintf("reached through %s; counted in the table (rows this transaction updated); the cascade preview predicted %lld (triggers or rules it cannot see, or concurrent changes, explain a difference)",
									 g->via.data, (long long) g->predicted));
					continue;
				}
				if (!pgstat_track_counts)
				{
					put_row(rsinfo, fk, g->relid, g->operation, g->predicted,
							psprintf("reached through %s; predicted by the cascade preview (track_counts is off: nothing counts what the deletion did)",
									 g->via.data));
					continue;
				}
				g->measured = xact_counter(g->relid, deleted) - before[i++];
				if (deleted)
					g->measured -= root_rows_of(preview, g->relid);
				put_row(rsinfo, fk, g->relid, g->operation, g->measured,
						g->measured == g->predicted ?
						psprintf("reached through %s; counted by the transaction's statistics, as the cascade preview predicted",
								 g->via.data) :
						psprintf("reached through %s; counted by the transaction's statistics; the cascade preview predicted %lld (triggers or rules it cannot see, or concurrent changes, explain a difference)",
								 g->via.data, (long long) g->predicted));
			}
			fk_casc_end(preview);
		}

		/*
		 * Verify with the orphan engine under a snapshot that sees the
		 * change just made (the read-only engine reuses the active
		 * snapshot, taken before it).
		 */
		fk_spi_latest_begin();
		fk_orphan_summary(fk, 0, &sum);
		fk_spi_latest_end();
		if (sum.orphan_rows > 0)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("%lld row(s) of %s still break constraint \"%s\" after the repair",
							(long long) sum.orphan_rows, get_rel_name(fk->fk_relid),
							NameStr(fk->conname)),
					 IsolationUsesXactSnapshot() ?
					 errdetail("Rows committed after this transaction's snapshot are invisible to its DELETE (REPEATABLE READ or SERIALIZABLE).") :
					 errdetail("A concurrent transaction changed the table while the repair ran."),
					 IsolationUsesXactSnapshot() ?
					 errhint("Run the repair in a READ COMMITTED transaction.") :
					 errhint("Run the repair again.")));
	}
	fk_spi_finish();
	PG_RETURN_VOID();
}
