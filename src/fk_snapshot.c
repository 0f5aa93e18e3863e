/*-------------------------------------------------------------------------
 *
 * fk_snapshot.c
 *	  Check results kept as history: fk_check_snapshot,
 *	  fk_check_snapshot_rolling, and fk_snapshot_keys (what the monitoring
 *	  views join the results to).
 *
 * A snapshot checks keys like fk_check (a table's keys counted in one
 * scan at the first of them, fk_orphan_summary for those with orphans),
 * in the order of their results' age (never-checked first), and writes each
 * result twice: a history row (fk_snapshot_results) and the key's latest
 * state (fk_snapshot_state), which carries the trend forward so that the
 * views read one row per key.  Keys are known by schema, table and
 * constraint name, which survive pg_dump; a renamed key starts a new
 * history.  A time or row budget stops the run between keys.  The
 * function form runs in the caller's transaction; the procedure form
 * commits after each key, so that a cancel or timeout keeps what it
 * finished.  Everything is read with the caller's rights; a key the
 * caller may not read in full (privileges, row-level security on either
 * table) is skipped and leaves no result.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "fk_access.h"
#include "fk_orphans.h"
#include "fk_progress.h"
#include "fk_snapshot.h"
#include "fk_spi.h"
#include "fk_sql.h"
#include "fk_store.h"

PG_FUNCTION_INFO_V1(fk_check_snapshot);
PG_FUNCTION_INFO_V1(fk_check_snapshot_rolling);
PG_FUNCTION_INFO_V1(fk_snapshot_keys);

/* How many missing keys a kept result shows, as fk_check does. */
#define SNAPSHOT_SAMPLE_KEYS 5

#define SNAPSHOT_COLS	9		/* fk_check_snapshot's result */
#define KEYS_COLS		10		/* fk_snapshot_keys' result */

/* fk_snapshot_runs */
#define RUN_COLS		14
#define RUN_ID			0
#define RUN_STARTED		1
#define RUN_FINISHED	2
#define RUN_BY			3
#define RUN_COMMAND		4
#define RUN_TARGET		5
#define RUN_TIME_BUDGET	6
#define RUN_ROW_BUDGET	7
#define RUN_PLANNED		8
#define RUN_CHECKED		9
#define RUN_FAILED		10
#define RUN_SKIPPED		11
#define RUN_ROWS		12
#define RUN_STOP		13

/* fk_snapshot_results */
#define RES_COLS		15
#define RES_RUN			0
#define RES_CHECKED_AT	1
#define RES_DURATION	2
#define RES_SCHEMA		3
#define RES_REL			4
#define RES_CONNAME		5
#define RES_REF_SCHEMA	6
#define RES_REF_REL		7
#define RES_CONOID		8
#define RES_STATUS		9
#define RES_ORPHANS		10
#define RES_MISSING		11
#define RES_SAMPLE		12
#define RES_ROWS		13
#define RES_BY			14

/* fk_snapshot_state */
#define ST_COLS			20
#define ST_SCHEMA		0
#define ST_REL			1
#define ST_CONNAME		2
#define ST_REF_SCHEMA	3
#define ST_REF_REL		4
#define ST_CONOID		5
#define ST_RUN			6
#define ST_ATTEMPTED	7
#define ST_ERROR		8
#define ST_CHECKED_AT	9
#define ST_DURATION		10
#define ST_STATUS		11
#define ST_ORPHANS		12
#define ST_MISSING		13
#define ST_SAMPLE		14
#define ST_ROWS			15
#define ST_SINCE		16
#define ST_PREV_AT		17
#define ST_PREV_ORPHANS	18
#define ST_PREV_MISSING	19

/* fk_tools.history_retention, in seconds; 0 keeps everything */
static int	history_retention = 30 * 24 * 3600;

/* A key's identity in the tables: three names. */
typedef struct KeyName
{
	NameData	schema;
	NameData	rel;
	NameData	con;
} KeyName;

/* What the state table says about a key, for the order and the budget. */
typedef struct KeyState
{
	KeyName		name;			/* hash key */
	TimestampTz attempted_at;
	int64		duration_us;	/* of the last result, 0 if none */
} KeyState;

/* One key a run may check. */
typedef struct SnapKey
{
	FkModel    *fk;				/* as listed, without names */
	KeyName		name;
	bool		has_state;
	TimestampTz attempted_at;
	int64		duration_us;
} SnapKey;

/* One run. */
typedef struct SnapRun
{
	const char *command;
	Oid			target;
	Interval   *time_budget;	/* NULL: none */
	int64		time_budget_us;
	bool		has_row_budget;
	int64		row_budget;
	bool		nonatomic;		/* the procedure: COMMIT after each key */
	bool		pushed;			/* we pushed the active snapshot */
	ReturnSetInfo *rsinfo;		/* the function's result, or NULL */

	int64		run_id;
	TimestampTz started;
	int			nkeys;
	int			checked;
	int			failed;
	int			skipped;
	int64		rows;
	const char *stop;
} SnapRun;

/* A key's check, through fk_try. */
typedef struct SnapOne
{
	FkModel    *listed;
	FkModel    *fk;				/* as it is now, locked */
	char	   *skip;			/* why it is not checked */
	int64		rows;
	FkOrphanSummary summary;
} SnapOne;

/* What is written for a key. */
typedef struct SnapResult
{
	SnapRun    *run;
	FkModel    *fk;
	KeyName    *name;
	TimestampTz checked_at;
	int64		duration_us;
	int64		rows;
	char	   *error;			/* NULL: summary holds the result */
	FkOrphanSummary *summary;
} SnapResult;

static void snapshot_run(SnapRun *run);
static char *snapshot_unusable_reason(FkModel *fk);

void
fk_snapshot_init(void)
{
	DefineCustomIntVariable("fk_tools.history_retention",
							"How long snapshot results are kept.",
							"Older results are deleted by the next snapshot run; each key's latest result is always kept.  0 keeps everything.",
							&history_retention,
							30 * 24 * 3600, 0, INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);
}

static void
key_name_of(KeyName *name, Oid fk_relid, const char *conname)
{
	char	   *nsp = get_namespace_name(get_rel_namespace(fk_relid));
	char	   *rel = get_rel_name(fk_relid);

	memset(name, 0, sizeof(KeyName));
	namestrcpy(&name->schema, nsp ? nsp : "");
	namestrcpy(&name->rel, rel ? rel : "");
	namestrcpy(&name->con, conname);
}

/* Keys on temporary tables have no history worth keeping. */
static bool
key_is_temporary(FkModel *fk)
{
	return get_rel_persistence(fk->fk_relid) == RELPERSISTENCE_TEMP ||
		get_rel_persistence(fk->pk_relid) == RELPERSISTENCE_TEMP;
}

static int64
interval_usecs(Interval *iv)
{
	return iv->time + (int64) iv->day * USECS_PER_DAY +
		(int64) iv->month * DAYS_PER_MONTH * USECS_PER_DAY;
}

static Datum
usecs_interval(int64 usecs)
{
	Interval   *iv = palloc0(sizeof(Interval));

	iv->time = usecs;
	return IntervalPGetDatum(iv);
}

static Datum
name_datum(const char *s)
{
	Name		n = palloc0(NAMEDATALEN);

	namestrcpy(n, s);
	return NameGetDatum(n);
}

/* ---- reading the state table ---- */

static void
collect_state(Datum *values, bool *nulls, ItemPointer tid, void *arg)
{
	HTAB	   *h = arg;
	KeyName		name;
	KeyState   *ks;

	memset(&name, 0, sizeof(name));
	namestrcpy(&name.schema, NameStr(*DatumGetName(values[ST_SCHEMA])));
	namestrcpy(&name.rel, NameStr(*DatumGetName(values[ST_REL])));
	namestrcpy(&name.con, NameStr(*DatumGetName(values[ST_CONNAME])));
	ks = hash_search(h, &name, HASH_ENTER, NULL);
	ks->attempted_at = DatumGetTimestampTz(values[ST_ATTEMPTED]);
	ks->duration_us = nulls[ST_DURATION] ? 0 :
		interval_usecs(DatumGetIntervalP(values[ST_DURATION]));
}

static HTAB *
load_state(void)
{
	HASHCTL		ctl;
	HTAB	   *h;
	FkStore    *st = fk_store_open("fk_snapshot_state", false);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(KeyName);
	ctl.entrysize = sizeof(KeyState);
	ctl.hcxt = CurrentMemoryContext;
	h = hash_create("fk snapshot state", 256, &ctl,
					HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	fk_store_scan(st, NULL, 0, NULL, false, 0, collect_state, h);
	fk_store_close(st);
	return h;
}

/* Stalest first: never attempted, then oldest attempt; then by name. */
static int
snapkey_cmp(const void *a, const void *b)
{
	const SnapKey *x = a;
	const SnapKey *y = b;
	int			c;

	if (x->has_state != y->has_state)
		return x->has_state ? 1 : -1;
	if (x->has_state && x->attempted_at != y->attempted_at)
		return x->attempted_at < y->attempted_at ? -1 : 1;
	if ((c = strcmp(NameStr(x->name.schema), NameStr(y->name.schema))) != 0)
		return c;
	if ((c = strcmp(NameStr(x->name.rel), NameStr(y->name.rel))) != 0)
		return c;
	return strcmp(NameStr(x->name.con), NameStr(y->name.con));
}

/* ---- pruning ---- */

typedef struct PruneIn
{
	List	   *tids;
	TimestampTz cutoff;
	int			time_col;
	bool		only_gone;		/* state rows: only of keys that are gone */
} PruneIn;

/* Does the key named by schema, table and constraint still exist? */
static bool
key_exists(const char *schema, const char *rel, const char *con)
{
	Oid			nsp = get_namespace_oid(schema, true);
	Oid			relid = OidIsValid(nsp) ? get_relname_relid(rel, nsp) : InvalidOid;
	ListCell   *lc;

	if (!OidIsValid(relid))
		return false;
	foreach(lc, fk_model_list(relid, true, FK_LOAD_REFS))
		if (strcmp(NameStr(((FkModel *) lfirst(lc))->conname), con) == 0)
			return true;
	return false;
}

static void
collect_old(Datum *values, bool *nulls, ItemPointer tid, void *arg)
{
	PruneIn    *in = arg;
	ItemPointer copy;

	if (nulls[in->time_col] ||
		DatumGetTimestampTz(values[in->time_col]) >= in->cutoff)
		return;
	if (in->only_gone &&
		key_exists(NameStr(*DatumGetName(values[ST_SCHEMA])),
				   NameStr(*DatumGetName(values[ST_REL])),
				   NameStr(*DatumGetName(values[ST_CONNAME]))))
		return;
	copy = palloc(sizeof(ItemPointerData));
	ItemPointerCopy(tid, copy);
	in->tids = lappend(in->tids, copy);
}

static void
prune_table(const char *table, const char *index, int time_col,
			bool only_gone, TimestampTz cutoff)
{
	FkStore    *st = fk_store_open(table, false);
	PruneIn		in;
	ScanKeyData key;
	ListCell   *lc;

	memset(&in, 0, sizeof(in));
	in.cutoff = cutoff;
	in.time_col = time_col;
	in.only_gone = only_gone;
	if (index)
	{
		ScanKeyInit(&key, time_col + 1, BTLessStrategyNumber, F_TIMESTAMPTZ_LT,
					TimestampTzGetDatum(cutoff));
		fk_store_scan(st, index, 1, &key, false, 0, collect_old, &in);
	}
	else
		fk_store_scan(st, NULL, 0, NULL, false, 0, collect_old, &in);
	foreach(lc, in.tids)
		fk_store_delete(st, lfirst(lc));
	fk_store_close(st);
}

/*
 * Delete what is older than fk_tools.history_retention: results, runs,
 * and the latest state of keys that no longer exist.
 */
static void
prune_history(void)
{
	TimestampTz cutoff;

	if (history_retention <= 0)
		return;
	cutoff = GetCurrentTimestamp() - (int64) history_retention * USECS_PER_SEC;
	prune_table("fk_snapshot_results", "fk_snapshot_results_pkey",
				RES_CHECKED_AT, false, cutoff);
	prune_table("fk_snapshot_runs", NULL, RUN_STARTED, false, cutoff);
	prune_table("fk_snapshot_state", NULL, ST_ATTEMPTED, true, cutoff);
}

/* ---- writing ---- */

/* The run's row, inserted at its start and brought up to date after each key. */
static void
write_run(SnapRun *run, bool insert)
{
	FkStore    *st = fk_store_open("fk_snapshot_runs", false);
	Datum		values[RUN_COLS];
	bool		nulls[RUN_COLS];
	Datum		old[RUN_COLS];
	bool		oldnulls[RUN_COLS];

	memset(nulls, 0, sizeof(nulls));
	values[RUN_ID] = Int64GetDatum(run->run_id);
	values[RUN_STARTED] = TimestampTzGetDatum(run->started);
	values[RUN_FINISHED] = TimestampTzGetDatum(GetCurrentTimestamp());
	nulls[RUN_FINISHED] = (run->stop == NULL);
	values[RUN_BY] = name_datum(GetUserNameFromId(GetUserId(), false));
	values[RUN_COMMAND] = CStringGetTextDatum(run->command);
	if (OidIsValid(run->target))
		values[RUN_TARGET] = CStringGetTextDatum(fksql_relname(run->target));
	else
		nulls[RUN_TARGET] = true;
	if (run->time_budget)
		values[RUN_TIME_BUDGET] = IntervalPGetDatum(run->time_budget);
	else
		nulls[RUN_TIME_BUDGET] = true;
	values[RUN_ROW_BUDGET] = Int64GetDatum(run->row_budget);
	nulls[RUN_ROW_BUDGET] = !run->has_row_budget;
	values[RUN_PLANNED] = Int32GetDatum(run->nkeys);
	values[RUN_CHECKED] = Int32GetDatum(run->checked);
	values[RUN_FAILED] = Int32GetDatum(run->failed);
	values[RUN_SKIPPED] = Int32GetDatum(run->skipped);
	values[RUN_ROWS] = Int64GetDatum(run->rows);
	if (run->stop)
		values[RUN_STOP] = CStringGetTextDatum(run->stop);
	else
		nulls[RUN_STOP] = true;

	if (insert)
		fk_store_insert(st, values, nulls);
	else if (fk_store_lock_row(st, "fk_snapshot_runs_pkey", values, old, oldnulls))
		fk_store_update(st, values, nulls);
	fk_store_close(st);
}

static void
write_history(SnapResult *r)
{
	FkStore    *st = fk_store_open("fk_snapshot_results", false);
	Datum		values[RES_COLS];
	bool		nulls[RES_COLS];
	char	   *ref_nsp = get_namespace_name(get_rel_namespace(r->fk->pk_relid));

	memset(nulls, 0, sizeof(nulls));
	values[RES_RUN] = Int64GetDatum(r->run->run_id);
	values[RES_CHECKED_AT] = TimestampTzGetDatum(r->checked_at);
	values[RES_DURATION] = usecs_interval(r->duration_us);
	values[RES_SCHEMA] = NameGetDatum(&r->name->schema);
	values[RES_REL] = NameGetDatum(&r->name->rel);
	values[RES_CONNAME] = NameGetDatum(&r->name->con);
	values[RES_REF_SCHEMA] = name_datum(ref_nsp ? ref_nsp : "");
	values[RES_REF_REL] = name_datum(get_rel_name(r->fk->pk_relid));
	values[RES_CONOID] = ObjectIdGetDatum(r->fk->conoid);
	values[RES_ROWS] = Int64GetDatum(r->rows);
	values[RES_BY] = name_datum(GetUserNameFromId(GetUserId(), false));
	if (r->error)
	{
		values[RES_STATUS] = CStringGetTextDatum(r->error);
		nulls[RES_ORPHANS] = nulls[RES_MISSING] = nulls[RES_SAMPLE] = true;
	}
	else
	{
		values[RES_STATUS] = CStringGetTextDatum(r->summary->orphan_rows > 0 ? "orphans" : "ok");
		values[RES_ORPHANS] = Int64GetDatum(r->summary->orphan_rows);
		values[RES_MISSING] = Int64GetDatum(r->summary->missing_keys);
		values[RES_SAMPLE] = JsonbPGetDatum(r->summary->sample_keys);
		nulls[RES_SAMPLE] = (r->summary->sample_keys == NULL);
	}
	fk_store_insert(st, values, nulls);
	fk_store_close(st);
}

/*
 * The key's latest state: a result replaces the previous one, which
 * becomes "previous"; an error keeps the last result and says the last
 * attempt failed.  orphans_since carries the first check of the current
 * run of checks with orphans.
 */
static void
write_state(void *arg)
{
	SnapResult *r = arg;
	FkStore    *st = fk_store_open("fk_snapshot_state", false);
	Datum		values[ST_COLS];
	bool		nulls[ST_COLS];
	Datum		old[ST_COLS];
	bool		oldnulls[ST_COLS];
	bool		found;
	char	   *ref_nsp = get_namespace_name(get_rel_namespace(r->fk->pk_relid));

	memset(nulls, 0, sizeof(nulls));
	values[ST_SCHEMA] = NameGetDatum(&r->name->schema);
	values[ST_REL] = NameGetDatum(&r->name->rel);
	values[ST_CONNAME] = NameGetDatum(&r->name->con);
	found = fk_store_lock_row(st, "fk_snapshot_state_pkey", values, old, oldnulls);

	values[ST_REF_SCHEMA] = name_datum(ref_nsp ? ref_nsp : "");
	values[ST_REF_REL] = name_datum(get_rel_name(r->fk->pk_relid));
	values[ST_CONOID] = ObjectIdGetDatum(r->fk->conoid);
	values[ST_RUN] = Int64GetDatum(r->run->run_id);
	values[ST_ATTEMPTED] = TimestampTzGetDatum(r->checked_at);
	if (r->error)
	{
		values[ST_ERROR] = CStringGetTextDatum(r->error);
		/* the last result stays */
		for (int c = ST_CHECKED_AT; c < ST_COLS; c++)
		{
			values[c] = found ? old[c] : (Datum) 0;
			nulls[c] = found ? oldnulls[c] : true;
		}
	}
	else
	{
		bool		had_orphans = found && !oldnulls[ST_ORPHANS] &&
			DatumGetInt64(old[ST_ORPHANS]) > 0 && !oldnulls[ST_SINCE];

		nulls[ST_ERROR] = true;
		values[ST_CHECKED_AT] = TimestampTzGetDatum(r->checked_at);
		values[ST_DURATION] = usecs_interval(r->duration_us);
		values[ST_STATUS] = CStringGetTextDatum(r->summary->orphan_rows > 0 ? "orphans" : "ok");
		values[ST_ORPHANS] = Int64GetDatum(r->summary->orphan_rows);
		values[ST_MISSING] = Int64GetDatum(r->summary->missing_keys);
		values[ST_SAMPLE] = JsonbPGetDatum(r->summary->sample_keys);
		nulls[ST_SAMPLE] = (r->summary->sample_keys == NULL);
		values[ST_ROWS] = Int64GetDatum(r->rows);
		if (r->summary->orphan_rows == 0)
			nulls[ST_SINCE] = true;
		else
			values[ST_SINCE] = had_orphans ? old[ST_SINCE] :
				TimestampTzGetDatum(r->checked_at);
		values[ST_PREV_AT] = found ? old[ST_CHECKED_AT] : (Datum) 0;
		nulls[ST_PREV_AT] = !found || oldnulls[ST_CHECKED_AT];
		values[ST_PREV_ORPHANS] = found ? old[ST_ORPHANS] : (Datum) 0;
		nulls[ST_PREV_ORPHANS] = !found || oldnulls[ST_ORPHANS];
		values[ST_PREV_MISSING] = found ? old[ST_MISSING] : (Datum) 0;
		nulls[ST_PREV_MISSING] = !found || oldnulls[ST_MISSING];
	}
	if (found)
		fk_store_update(st, values, nulls);
	else
		fk_store_insert(st, values, nulls);
	fk_store_close(st);
}

/*
 * Record one key's result.  Two runs writing a key never seen before
 * race on its first state row: the one that loses the insert updates.
 */
static void
record_result(SnapResult *r)
{
	write_history(r);
	if (fk_try(write_state, r, ERRCODE_UNIQUE_VIOLATION) != NULL)
		write_state(r);
}

/* ---- the run ---- */

/*
 * Lock both tables, then read the key again, so that what is checked is
 * what exists now (see fk_check), and estimate what its check reads.  A
 * lock timeout here is the key's failure, not the run's.
 */
static void
prepare_one(void *arg)
{
	SnapOne    *one = arg;
	char	   *why;

	one->fk = fk_lock_key(one->listed, AccessShareLock, AccessShareLock, FK_LOAD_NAMES);
	if (one->fk == NULL)
		one->skip = "skipped: dropped concurrently";
	else if ((why = snapshot_unusable_reason(one->fk)) != NULL)
		one->skip = psprintf("skipped: %s", why);
	else
		one->rows = fk_rows_estimate(one->fk);
}

static void
check_one(void *arg)
{
	SnapOne    *one = arg;

	fk_orphan_summary(one->fk, SNAPSHOT_SAMPLE_KEYS, &one->summary);
}

/* The procedure commits here; the function does not. */
static void
run_commit(SnapRun *run)
{
	if (!run->nonatomic)
		return;
	if (run->pushed)
		PopActiveSnapshot();
	SPI_commit();
	PushActiveSnapshot(GetTransactionSnapshot());
	run->pushed = true;
}

/* The keys a run may check, stalest first. */
static SnapKey *
plan_keys(SnapRun *run, int *nkeys)
{
	List	   *fks = fk_model_list(run->target, true, FK_LOAD_REFS);
	HTAB	   *state = load_state();
	SnapKey    *keys = palloc0(sizeof(SnapKey) * Max(list_length(fks), 1));
	ListCell   *lc;
	int			n = 0;

	foreach(lc, fks)
	{
		FkModel    *fk = lfirst(lc);
		SnapKey    *k = &keys[n];
		KeyState   *ks;

		if (key_is_temporary(fk))
			continue;
		k->fk = fk;
		key_name_of(&k->name, fk->fk_relid, NameStr(fk->conname));
		ks = hash_search(state, &k->name, HASH_FIND, NULL);
		if (ks)
		{
			k->has_state = true;
			k->attempted_at = ks->attempted_at;
			k->duration_us = ks->duration_us;
		}
		n++;
	}
	hash_destroy(state);
	if (n > 1)
		qsort(keys, n, sizeof(SnapKey), snapkey_cmp);
	*nkeys = n;
	return keys;
}

/* Why a snapshot may not check a key it found readable by fk_check's rules. */
static char *
snapshot_unusable_reason(FkModel *fk)
{
	char	   *why = fk_unreadable_reason(fk);

	if (why)
		return why;
	if (fk_rls_hides_rows(fk->fk_relid))
		return psprintf("row-level security filters table %s (a kept result must count every row)",
						fksql_relname(fk->fk_relid));
	return NULL;
}

static void
put_result_row(SnapRun *run, FkModel *listed, SnapResult *r, const char *status)
{
	Datum		values[SNAPSHOT_COLS];
	bool		nulls[SNAPSHOT_COLS];

	if (run->rsinfo == NULL)
		return;
	memset(nulls, 0, sizeof(nulls));
	values[0] = ObjectIdGetDatum(listed->fk_relid);
	values[1] = NameGetDatum(&listed->conname);
	values[2] = ObjectIdGetDatum(listed->pk_relid);
	if (r && !r->error)
	{
		values[3] = Int64GetDatum(r->summary->orphan_rows);
		values[4] = Int64GetDatum(r->summary->missing_keys);
		values[5] = JsonbPGetDatum(r->summary->sample_keys);
		nulls[5] = (r->summary->sample_keys == NULL);
	}
	else
		nulls[3] = nulls[4] = nulls[5] = true;
	values[6] = CStringGetTextDatum(status);
	if (r)
	{
		values[7] = TimestampTzGetDatum(r->checked_at);
		values[8] = usecs_interval(r->duration_us);
	}
	else
		nulls[7] = nulls[8] = true;
	tuplestore_putvalues(run->rsinfo->setResult, run->rsinfo->setDesc, values, nulls);
}

/* Has the run spent its budget before the next key (predicted: its last duration)? */
static const char *
budget_spent(SnapRun *run, SnapKey *next, int64 next_rows)
{
	if (run->checked + run->failed == 0)
		return NULL;			/* every run checks at least one key */
	if (run->time_budget)
	{
		int64		elapsed = GetCurrentTimestamp() - run->started;

		if (elapsed >= run->time_budget_us ||
			elapsed + next->duration_us > run->time_budget_us)
			return "time budget spent";
	}
	if (run->has_row_budget &&
		(run->rows >= run->row_budget || run->rows + next_rows > run->row_budget))
		return "row budget spent";
	return NULL;
}

/* A table's pass, looked up by the referencing table's OID. */
typedef struct SnapPass
{
	Oid			relid;			/* hash key */
	FkOrphanPass *pass;			/* NULL: none (one key, or it failed) */
} SnapPass;

/*
 * The pass over key i's table: made at the first key of that table
 * checked, for it and the keys of the same table still to come, so that
 * a table is read once per run however many keys it has.
 */
static FkOrphanPass *
table_pass(HTAB *passes, SnapKey *keys, int nkeys, int i, MemoryContext runcxt)
{
	Oid			relid = keys[i].fk->fk_relid;
	SnapPass   *p;
	bool		found;

	p = hash_search(passes, &relid, HASH_ENTER, &found);
	if (!found)
	{
		List	   *same = NIL;
		MemoryContext old = MemoryContextSwitchTo(runcxt);

		for (int j = i; j < nkeys; j++)
			if (keys[j].fk->fk_relid == relid)
				same = lappend(same, keys[j].fk);
		p->pass = fk_orphan_pass(same, snapshot_unusable_reason);
		list_free(same);
		MemoryContextSwitchTo(old);
	}
	return p->pass;
}

static void
snapshot_run(SnapRun *run)
{
	SnapKey    *keys;
	MemoryContext runcxt = CurrentMemoryContext;
	MemoryContext loopcxt;
	MemoryContext oldcxt;
	HASHCTL		ctl;
	HTAB	   *passes;

	PreventCommandIfReadOnly(run->command);
	PreventCommandDuringRecovery(run->command);

	prune_history();
	keys = plan_keys(run, &run->nkeys);
	run->run_id = fk_store_nextval("fk_snapshot_runs_run_id_seq");
	run->started = GetCurrentTimestamp();
	write_run(run, true);
	run_commit(run);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(SnapPass);
	ctl.hcxt = runcxt;
	passes = hash_create("fk_check_snapshot table passes", 64, &ctl,
						 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	fk_progress_begin(run->command, run->run_id, run->nkeys);
	loopcxt = AllocSetContextCreate(CurrentMemoryContext, "fk_check_snapshot key",
									ALLOCSET_DEFAULT_SIZES);
	for (int i = 0; i < run->nkeys; i++)
	{
		SnapKey    *k = &keys[i];
		SnapOne		one;
		SnapResult	r;
		FkOrphanPass *pass;
		char	   *status;

		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(loopcxt);
		if ((run->stop = budget_spent(run, k, 0)) != NULL)
		{
			MemoryContextSwitchTo(oldcxt);
			break;
		}

		memset(&one, 0, sizeof(one));
		one.listed = k->fk;
		memset(&r, 0, sizeof(r));
		r.run = run;
		r.fk = k->fk;
		r.name = &k->name;
		r.summary = &one.summary;
		fk_progress_key(i, k->fk, run->rows);
		r.error = fk_try(prepare_one, &one, 0);
		if (r.error == NULL && one.skip)
		{
			run->skipped++;
			put_result_row(run, k->fk, NULL, one.skip);
			MemoryContextSwitchTo(oldcxt);
			MemoryContextReset(loopcxt);
			continue;
		}
		if (r.error == NULL)
		{
			r.fk = one.fk;
			r.rows = one.rows;
			if ((run->stop = budget_spent(run, k, r.rows)) != NULL)
			{
				MemoryContextSwitchTo(oldcxt);
				break;
			}
			fk_progress_key_rows(one.fk, r.rows);
		}
		r.checked_at = GetCurrentTimestamp();
		pass = r.error ? NULL : table_pass(passes, keys, run->nkeys, i, runcxt);
		if (pass && fk_orphan_pass_clean(pass, one.fk->conoid, &one.summary))
		{
			/* counted by its table's pass: when, and its share of the time */
			r.checked_at = pass->started;
			r.duration_us = pass->duration_us / pass->nkeys;
		}
		else
		{
			if (r.error == NULL)
				r.error = fk_try(check_one, &one, 0);
			r.duration_us = GetCurrentTimestamp() - r.checked_at;
		}
		if (r.error)
		{
			r.error = psprintf("error: %s", r.error);
			status = r.error;
			run->failed++;
		}
		else
		{
			status = one.summary.orphan_rows > 0 ? "orphans" : "ok";
			run->checked++;
		}
		fk_progress_key_done(r.error ? r.error :
							 psprintf(INT64_FORMAT " orphan rows, " INT64_FORMAT " missing keys",
									  one.summary.orphan_rows, one.summary.missing_keys));
		run->rows += r.rows;
		record_result(&r);
		put_result_row(run, k->fk, &r, status);
		if (run->nonatomic)
			write_run(run, false);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(loopcxt);
		run_commit(run);
	}
	if (run->stop == NULL)
		run->stop = "all keys checked";
	write_run(run, false);
	fk_progress_end(psprintf("%s: %d of %d keys checked, %d failed, %d skipped",
							 run->stop, run->checked, run->nkeys, run->failed,
							 run->skipped));
	MemoryContextDelete(loopcxt);
	hash_destroy(passes);
}

static void
read_budgets(SnapRun *run, FunctionCallInfo fcinfo, int time_arg, int row_arg)
{
	if (!PG_ARGISNULL(time_arg))
	{
		run->time_budget = PG_GETARG_INTERVAL_P(time_arg);
		run->time_budget_us = interval_usecs(run->time_budget);
		if (run->time_budget_us <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("time_budget must be positive"),
					 errhint("Pass NULL for no time budget.")));
	}
	if (!PG_ARGISNULL(row_arg))
	{
		run->has_row_budget = true;
		run->row_budget = PG_GETARG_INT64(row_arg);
		if (run->row_budget <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("row_budget must be positive"),
					 errhint("Pass NULL for no row budget.")));
	}
}

static Oid
read_target(FunctionCallInfo fcinfo, int argno)
{
	Oid			target;

	if (PG_ARGISNULL(argno))
		return InvalidOid;
	target = PG_GETARG_OID(argno);
	fk_check_target(target, "target");
	return target;
}

/*
 * fk_check_snapshot(target regclass DEFAULT NULL,
 *					 time_budget interval DEFAULT NULL,
 *					 row_budget bigint DEFAULT NULL)
 *	  RETURNS TABLE(table_name regclass, constraint_name name,
 *					referenced_table regclass, orphan_rows bigint,
 *					missing_keys bigint, sample_keys jsonb, status text,
 *					checked_at timestamptz, check_duration interval)
 *
 * Check target's foreign keys (or the database's), stalest result first,
 * keep each result, stop when a budget is spent.  One row per key looked
 * at.  AccessShareLock on the tables checked, RowExclusiveLock on the
 * extension's tables; all in the caller's transaction.
 */
Datum
fk_check_snapshot(PG_FUNCTION_ARGS)
{
	SnapRun		run;

	memset(&run, 0, sizeof(run));
	run.command = "fk_check_snapshot";
	run.target = read_target(fcinfo, 0);
	read_budgets(&run, fcinfo, 1, 2);
	InitMaterializedSRF(fcinfo, 0);
	run.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	fk_spi_connect();
	snapshot_run(&run);
	fk_spi_finish();
	PG_RETURN_VOID();
}

/*
 * CALL fk_check_snapshot_rolling(time_budget interval DEFAULT NULL,
 *								  row_budget bigint DEFAULT NULL,
 *								  target regclass DEFAULT NULL)
 *
 * fk_check_snapshot as a procedure that commits the run's row at its
 * start and each key's result as soon as it is written: locks are held
 * one key at a time, and a run cancelled or timed out keeps every key it
 * finished.  Needs a top-level CALL (not inside a transaction block).
 */
Datum
fk_check_snapshot_rolling(PG_FUNCTION_ARGS)
{
	SnapRun		run;

	if (fcinfo->context == NULL || !IsA(fcinfo->context, CallContext) ||
		((CallContext *) fcinfo->context)->atomic)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("fk_check_snapshot_rolling cannot run inside a transaction block"),
				 errdetail("It commits after each key, so that a cancelled run keeps what it finished."),
				 errhint("CALL it as a top-level statement, or use SELECT * FROM fk_check_snapshot(...) inside a transaction.")));

	memset(&run, 0, sizeof(run));
	run.command = "fk_check_snapshot_rolling";
	read_budgets(&run, fcinfo, 0, 1);
	run.target = read_target(fcinfo, 2);
	run.nonatomic = true;
	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect_ext failed");
	snapshot_run(&run);
	if (run.pushed)
		PopActiveSnapshot();
	fk_spi_finish();
	PG_RETURN_VOID();
}

/* What fk_snapshot_keys knows of one table, looked up once. */
typedef struct KeysRel
{
	Oid			relid;			/* hash key */
	bool		temporary;
	bool		all_readable;	/* SELECT on the table itself */
	NameData	schema;
	NameData	rel;
} KeysRel;

static KeysRel *
keys_rel(HTAB *rels, Oid relid)
{
	KeysRel    *r;
	bool		found;

	r = hash_search(rels, &relid, HASH_ENTER, &found);
	if (!found)
	{
		char	   *nsp = get_namespace_name(get_rel_namespace(relid));
		char	   *rel = get_rel_name(relid);

		r->temporary = get_rel_persistence(relid) == RELPERSISTENCE_TEMP;
		r->all_readable = fk_has_privilege(relid, ACL_SELECT, 0, NULL);
		namestrcpy(&r->schema, nsp ? nsp : "");
		namestrcpy(&r->rel, rel ? rel : "");
	}
	return r;
}

/*
 * May the current role read the key columns of both tables?  A table
 * grant is enough; only without one are the columns looked at (which
 * needs the key's full model).  refname: a declared-only reference's
 * name (conoid 0).
 */
static bool
keys_readable(KeysRel *fkrel, KeysRel *pkrel, Oid conoid, const char *refname)
{
	FkModel    *fk;
	Oid			denied;

	if (fkrel->all_readable && pkrel->all_readable)
		return true;
	fk = refname ? fk_model_ref(refname, 0) : fk_model_load(conoid, 0);
	return fk != NULL &&
		fk_can_read_key(fk, false, &denied) && fk_can_read_key(fk, true, &denied);
}

/*
 * fk_snapshot_keys() RETURNS SETOF record
 *
 * The keys snapshots check (declared keys, none on a temporary table),
 * by the names their results are kept under, with their state and what
 * the current role may see of their results.  Catalog reads only.
 */
Datum
fk_snapshot_keys(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		see_counts = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);
	HASHCTL		ctl;
	HTAB	   *rels;
	FkKeyFacts *keys;
	int			nkeys;

	InitMaterializedSRF(fcinfo, 0);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(KeysRel);
	ctl.hcxt = CurrentMemoryContext;
	rels = hash_create("fk_snapshot_keys tables", 1024, &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	keys = fk_model_key_facts(&nkeys);
	for (int i = 0; i < nkeys; i++)
	{
		KeysRel    *fkrel = keys_rel(rels, keys[i].fk_relid);
		KeysRel    *pkrel = keys_rel(rels, keys[i].pk_relid);
		Datum		values[KEYS_COLS];
		bool		nulls[KEYS_COLS];
		bool		readable;

		CHECK_FOR_INTERRUPTS();
		/* a table dropped while the catalog was read has no name */
		if (fkrel->temporary || pkrel->temporary ||
			NameStr(fkrel->rel)[0] == '\0' || NameStr(pkrel->rel)[0] == '\0')
			continue;
		readable = keys_readable(fkrel, pkrel, keys[i].conoid,
								 keys[i].decl_only ? NameStr(keys[i].conname) : NULL);
		memset(nulls, 0, sizeof(nulls));
		values[0] = ObjectIdGetDatum(keys[i].conoid);
		nulls[0] = keys[i].decl_only;
		values[1] = NameGetDatum(&fkrel->schema);
		values[2] = NameGetDatum(&fkrel->rel);
		values[3] = NameGetDatum(&keys[i].conname);
		values[4] = ObjectIdGetDatum(keys[i].fk_relid);
		values[5] = ObjectIdGetDatum(keys[i].pk_relid);
		values[6] = BoolGetDatum(keys[i].enforced);
		values[7] = BoolGetDatum(keys[i].validated);
		values[8] = BoolGetDatum(readable || see_counts);
		values[9] = BoolGetDatum(readable);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	hash_destroy(rels);
	PG_RETURN_VOID();
}

/* ---- the latest counts, for other modules (fk_graph) ---- */

struct FkSnapshotReader
{
	FkStore    *state;
	HTAB	   *rels;			/* KeysRel by relid */
	bool		see_counts;		/* pg_read_all_stats */
};

/* the state row a lookup found */
typedef struct CountRow
{
	bool		found;
	bool		counted;
	int64		orphan_rows;
	TimestampTz checked_at;
} CountRow;

static void
count_row(Datum *values, bool *nulls, ItemPointer tid, void *arg)
{
	CountRow   *row = arg;

	row->found = true;
	row->counted = !nulls[ST_CHECKED_AT] && !nulls[ST_ORPHANS];
	if (row->counted)
	{
		row->orphan_rows = DatumGetInt64(values[ST_ORPHANS]);
		row->checked_at = DatumGetTimestampTz(values[ST_CHECKED_AT]);
	}
}

FkSnapshotReader *
fk_snapshot_reader_open(void)
{
	FkSnapshotReader *r = palloc0(sizeof(FkSnapshotReader));
	HASHCTL		ctl;

	r->state = fk_store_open_read("fk_snapshot_state");
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(KeysRel);
	ctl.hcxt = CurrentMemoryContext;
	r->rels = hash_create("fk snapshot reader tables", 64, &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	r->see_counts = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);
	return r;
}

/*
 * The latest counted result of key conoid, or of the declared-only
 * reference refname (orphan rows, when), with the
 * visibility rules of the monitoring views: counts only for a role that
 * could check the key itself, or is in pg_read_all_stats.  The result of
 * the last successful check stands even when a later attempt failed, as
 * in fk_check_latest.
 */
FkSnapshotSeen
fk_snapshot_count(FkSnapshotReader *r, Oid conoid, const char *refname,
				  int64 *orphan_rows, TimestampTz *checked_at)
{
	KeysRel    *fkrel;
	KeysRel    *pkrel;
	ScanKeyData keys[3];
	CountRow	row;

	if (refname)
	{
		FkModel    *fk = fk_model_ref(refname, 0);

		if (fk == NULL)
			return FK_SNAPSHOT_NONE;
		fkrel = keys_rel(r->rels, fk->fk_relid);
		pkrel = keys_rel(r->rels, fk->pk_relid);
		fk_store_name_key(&keys[2], ST_CONNAME + 1, refname);
	}
	else
	{
		HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
		Form_pg_constraint con;

		if (!HeapTupleIsValid(tup))
			return FK_SNAPSHOT_NONE;
		con = (Form_pg_constraint) GETSTRUCT(tup);
		fkrel = keys_rel(r->rels, con->conrelid);
		pkrel = keys_rel(r->rels, con->confrelid);
		fk_store_name_key(&keys[2], ST_CONNAME + 1, NameStr(con->conname));
		ReleaseSysCache(tup);
	}
	fk_store_name_key(&keys[0], ST_SCHEMA + 1, NameStr(fkrel->schema));
	fk_store_name_key(&keys[1], ST_REL + 1, NameStr(fkrel->rel));

	memset(&row, 0, sizeof(row));
	fk_store_scan(r->state, "fk_snapshot_state_pkey", 3, keys, false, 1,
				  count_row, &row);
	if (!row.counted)
		return FK_SNAPSHOT_NONE;
	if (!r->see_counts && !keys_readable(fkrel, pkrel, conoid, refname))
		return FK_SNAPSHOT_HIDDEN;
	*orphan_rows = row.orphan_rows;
	*checked_at = row.checked_at;
	return FK_SNAPSHOT_COUNTED;
}

void
fk_snapshot_reader_close(FkSnapshotReader *r)
{
	fk_store_close(r->state);
	hash_destroy(r->rels);
	pfree(r);
}
