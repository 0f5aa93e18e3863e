/*-------------------------------------------------------------------------
 *
 * fk_progress.c
 *	  Progress of fk_check and of the snapshots, for other sessions and
 *	  for the caller; fk_check_progress_rows, the fk_check_progress view.
 *
 * pg_stat_progress_* only knows the server's own commands, and a shared
 * memory area of our own would need shared_preload_libraries.  What every
 * backend already shares is its activity record, the query text
 * pg_stat_activity shows: while a check runs, a comment in front of the
 * statement's text says which key, k of n, and how many rows (estimated)
 * are done, and fk_check_progress reads it back from the activity records
 * of all backends, with pg_stat_activity's rule for who may see what.  It
 * needs track_activities (on by default), nothing else; the comment goes
 * away when the check ends or fails.  Progress moves key by key: a key's
 * check is one query, which reports nothing until it ends.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/acl.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "fk_progress.h"
#include "fk_sql.h"

PG_FUNCTION_INFO_V1(fk_check_progress_rows);

#define PROGRESS_ROWS_COLS 15

/* What starts the comment; fk_check_progress_rows looks for it. */
#define PROGRESS_MARK "/* fk_tools progress: "

/* fk_tools.progress_notices: NOTICEs to the caller, key by key */
static bool progress_notices = false;

/* The running check of this backend, if any. */
static struct
{
	bool		active;
	int			nest_level;		/* (sub)transaction level it began in */
	char		command[NAMEDATALEN];
	int64		run_id;
	int			nkeys;
	int			keys_done;
	TimestampTz started;
	TimestampTz key_started;
	Oid			conoid;			/* the key being checked */
	int64		key_rows;		/* what it reads, estimated */
	int64		rows_done;		/* what the keys done read, estimated */
	char	   *saved;			/* the activity text before the check */
}			progress;

static void progress_xact_callback(XactEvent event, void *arg);
static void progress_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
									  SubTransactionId parentSubid, void *arg);

void
fk_progress_init(void)
{
	DefineCustomBoolVariable("fk_tools.progress_notices",
							 "Sends a NOTICE as fk_check and the snapshots start and finish each key.",
							 NULL,
							 &progress_notices,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	RegisterXactCallback(progress_xact_callback, NULL);
	RegisterSubXactCallback(progress_subxact_callback, NULL);
}

/* Replace this backend's activity text (what pg_stat_activity.query shows). */
static void
set_activity(const char *text)
{
	volatile PgBackendStatus *be = MyBEEntry;
	int			len;

	if (be == NULL || !pgstat_track_activities)
		return;
	len = Min(strlen(text), pgstat_track_activity_query_size - 1);
	PGSTAT_BEGIN_WRITE_ACTIVITY(be);
	memcpy((char *) be->st_activity_raw, text, len);
	be->st_activity_raw[len] = '\0';
	PGSTAT_END_WRITE_ACTIVITY(be);
}

static void
restore_activity(void)
{
	if (!progress.active)
		return;
	progress.active = false;
	if (progress.saved)
		set_activity(progress.saved);
}

/* A check that fails takes its comment along. */
static void
progress_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		restore_activity();
}

static void
progress_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						  SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB && progress.active &&
		GetCurrentTransactionNestLevel() <= progress.nest_level)
		restore_activity();
}

static void
publish(void)
{
	StringInfoData buf;

	if (MyBEEntry == NULL || !pgstat_track_activities)
		return;
	initStringInfo(&buf);
	appendStringInfo(&buf, PROGRESS_MARK "%s run " INT64_FORMAT " key %d of %d constraint %u rows "
					 INT64_FORMAT " done " INT64_FORMAT " started " INT64_FORMAT
					 " key_started " INT64_FORMAT " */ %s",
					 progress.command, progress.run_id, progress.keys_done,
					 progress.nkeys, progress.conoid, progress.key_rows,
					 progress.rows_done, (int64) progress.started,
					 (int64) progress.key_started,
					 progress.saved ? progress.saved : "");
	set_activity(buf.data);
	pfree(buf.data);
}

/*
 * A check of nkeys keys begins (run_id: the snapshot's run, 0 for
 * fk_check).
 */
void
fk_progress_begin(const char *command, int64 run_id, int nkeys)
{
	volatile PgBackendStatus *be = MyBEEntry;

	if (progress.saved == NULL)
		progress.saved = MemoryContextAllocZero(TopMemoryContext,
												pgstat_track_activity_query_size);
	if (!progress.active)
	{
		progress.saved[0] = '\0';
		if (be != NULL)
			strlcpy(progress.saved, (const char *) be->st_activity_raw,
					pgstat_track_activity_query_size);
	}
	progress.active = true;
	progress.nest_level = GetCurrentTransactionNestLevel();
	strlcpy(progress.command, command, NAMEDATALEN);
	progress.run_id = run_id;
	progress.nkeys = nkeys;
	progress.keys_done = 0;
	progress.started = progress.key_started = GetCurrentTimestamp();
	progress.conoid = InvalidOid;
	progress.key_rows = progress.rows_done = 0;
	publish();
}

/*
 * The check of one key begins, after keys_done others (before its tables
 * are locked, so that a wait for them shows); rows_done is what the keys
 * done read (estimated).
 */
void
fk_progress_key(int keys_done, FkModel *fk, int64 rows_done)
{
	if (!progress.active)
		return;
	/* a procedure's COMMIT between keys starts a new transaction */
	progress.nest_level = Min(progress.nest_level, GetCurrentTransactionNestLevel());
	progress.keys_done = keys_done;
	progress.key_started = GetCurrentTimestamp();
	progress.conoid = fk->conoid;
	progress.key_rows = 0;
	progress.rows_done = rows_done;
	publish();
}

/* What the key being checked reads (estimated), once its tables are locked. */
void
fk_progress_key_rows(FkModel *fk, int64 key_rows)
{
	if (!progress.active)
		return;
	progress.key_rows = key_rows;
	publish();
	if (progress_notices)
		ereport(NOTICE,
				(errmsg("fk_tools: checking key %d of %d: constraint \"%s\" of %s (about " INT64_FORMAT " rows)",
						progress.keys_done + 1, progress.nkeys, NameStr(fk->conname),
						fksql_relname(fk->fk_relid), key_rows)));
}

/* The key fk_progress_key announced is done: outcome says how. */
void
fk_progress_key_done(const char *outcome)
{
	long		secs;
	int			usecs;

	if (!progress.active || !progress_notices)
		return;
	TimestampDifference(progress.key_started, GetCurrentTimestamp(), &secs, &usecs);
	ereport(NOTICE,
			(errmsg("fk_tools: key %d of %d: %s (%ld.%03d s)",
					progress.keys_done + 1, progress.nkeys, outcome,
					secs, usecs / 1000)));
}

/* The check ends (how: why it stopped, for the NOTICE). */
void
fk_progress_end(const char *how)
{
	long		secs;
	int			usecs;

	if (!progress.active)
		return;
	TimestampDifference(progress.started, GetCurrentTimestamp(), &secs, &usecs);
	restore_activity();
	if (progress_notices)
		ereport(NOTICE,
				(errmsg("fk_tools: %s (%ld.%03d s)", how, secs, usecs / 1000)));
}

/* The rows of one table as the planner would estimate them now. */
static double
table_rows_estimate(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	BlockNumber pages;
	double		tuples = 0;
	double		allvisfrac;

	if (rel->rd_tableam != NULL)
		table_relation_estimate_size(rel, NULL, &pages, &tuples, &allvisfrac);
	table_close(rel, AccessShareLock);
	return tuples;
}

static double
rel_rows_estimate(Oid relid, char relkind)
{
	double		rows = 0;
	ListCell   *lc;

	if (relkind != RELKIND_PARTITIONED_TABLE)
		return table_rows_estimate(relid);
	/* every partition is read; the query locks them all the same */
	foreach(lc, find_all_inheritors(relid, AccessShareLock, NULL))
		if (get_rel_relkind(lfirst_oid(lc)) == RELKIND_RELATION)
			rows += table_rows_estimate(lfirst_oid(lc));
	return rows;
}

/*
 * The rows a check of fk reads, as the planner estimates them: both
 * tables in full (every partition of a partitioned one).  The caller holds
 * a lock on both tables.
 */
int64
fk_rows_estimate(FkModel *fk)
{
	double		rows = rel_rows_estimate(fk->fk_relid, fk->fk_relkind);

	if (fk->pk_relid != fk->fk_relid)
		rows += rel_rows_estimate(fk->pk_relid, fk->pk_relkind);
	return (int64) rows;
}

/*
 * fk_check_progress_rows() RETURNS SETOF record
 *
 * One row per backend whose activity record carries a running check's
 * comment.  pid, database and run are shown to everyone, the rest to the
 * backend's own role and pg_read_all_stats (pg_stat_activity's rule).
 * Names are resolved only for backends of the current database.  No lock.
 */
Datum
fk_check_progress_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			n;
	bool		see_all = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);

	InitMaterializedSRF(fcinfo, 0);
	n = pgstat_fetch_stat_numbackends();
	for (int i = 1; i <= n; i++)
	{
		LocalPgBackendStatus *local = pgstat_fetch_stat_local_beentry(i);
		PgBackendStatus *be;
		Datum		values[PROGRESS_ROWS_COLS];
		bool		nulls[PROGRESS_ROWS_COLS];
		char		command[NAMEDATALEN];
		int64		run_id,
					rows,
					done,
					started,
					key_started;
		int			keys_done,
					nkeys;
		Oid			conoid;

		if (local == NULL)
			continue;
		be = &local->backendStatus;
		if (be->st_state != STATE_RUNNING || be->st_activity_raw == NULL ||
			strncmp(be->st_activity_raw, PROGRESS_MARK, strlen(PROGRESS_MARK)) != 0)
			continue;
		if (sscanf(be->st_activity_raw + strlen(PROGRESS_MARK),
				   "%63s run %" INT64_MODIFIER "d key %d of %d constraint %u rows %"
				   INT64_MODIFIER "d done %" INT64_MODIFIER "d started %"
				   INT64_MODIFIER "d key_started %" INT64_MODIFIER "d",
				   command, &run_id, &keys_done, &nkeys, &conoid, &rows,
				   &done, &started, &key_started) != 9)
			continue;

		memset(nulls, 0, sizeof(nulls));
		values[0] = Int32GetDatum(be->st_procpid);
		values[1] = ObjectIdGetDatum(be->st_databaseid);
		values[2] = ObjectIdGetDatum(be->st_userid);
		values[3] = Int64GetDatum(run_id);
		nulls[3] = (run_id == 0);
		values[4] = CStringGetTextDatum(command);
		if (see_all || has_privs_of_role(GetUserId(), be->st_userid))
		{
			values[5] = Int32GetDatum(nkeys);
			values[6] = Int32GetDatum(keys_done);
			values[7] = ObjectIdGetDatum(conoid);
			nulls[7] = !OidIsValid(conoid);
			nulls[8] = nulls[9] = nulls[10] = true;
			if (OidIsValid(conoid) && be->st_databaseid == MyDatabaseId)
			{
				FkModel    *fk = fk_model_load(conoid, 0);

				if (fk != NULL)
				{
					values[8] = ObjectIdGetDatum(fk->fk_relid);
					values[9] = NameGetDatum(&fk->conname);
					values[10] = ObjectIdGetDatum(fk->pk_relid);
					nulls[8] = nulls[9] = nulls[10] = false;
				}
			}
			values[11] = Int64GetDatum(rows);
			nulls[11] = !OidIsValid(conoid);
			values[12] = Int64GetDatum(done);
			values[13] = TimestampTzGetDatum((TimestampTz) started);
			values[14] = TimestampTzGetDatum((TimestampTz) key_started);
			nulls[14] = !OidIsValid(conoid);
		}
		else
			for (int c = 5; c < PROGRESS_ROWS_COLS; c++)
				nulls[c] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_VOID();
}
