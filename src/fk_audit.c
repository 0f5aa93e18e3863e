/*-------------------------------------------------------------------------
 *
 * fk_audit.c
 *	  The opt-in audit of foreign key enforcement: fk_audit_enable,
 *	  fk_audit_disable and the two event trigger functions.
 *
 * The audit does not read commands, it compares states: after each ALTER
 * TABLE, every declared key with an RI trigger on an altered table (its
 * own, a partition clone's, or one referencing the table) is loaded again
 * and compared with what the audit last recorded for it (enforced: all RI
 * triggers fire; validated).  A change is one row: disabled, enabled,
 * added not valid, validated.  So DISABLE TRIGGER ALL, a trigger disabled
 * by name, ENABLE REPLICA, or a partition's triggers all count the same,
 * and DISABLE TRIGGER USER, which leaves RI triggers alone, counts as
 * nothing.  Dropped keys come from sql_drop.  A key not enforced carries
 * when and by whom that began, for fk_check_latest.
 *
 * The audit must never stand in the way of the DDL it watches: its work
 * runs in a subtransaction, an error becomes a WARNING, and it takes its
 * table's lock only if it is free at once.  Not seen: changes made while
 * the audit is off, and RI triggers skipped through session_replication_role
 * (no DDL at all).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "fk_model.h"
#include "fk_spi.h"
#include "fk_store.h"

PG_FUNCTION_INFO_V1(fk_audit_ddl_end);
PG_FUNCTION_INFO_V1(fk_audit_sql_drop);
PG_FUNCTION_INFO_V1(fk_audit_enable);
PG_FUNCTION_INFO_V1(fk_audit_disable);

#define AUDIT_DDL_TRIGGER	"fk_tools_audit_ddl"
#define AUDIT_DROP_TRIGGER	"fk_tools_audit_drop"

/* fk_audit_events */
#define AU_COLS			15
#define AU_ID			0
#define AU_TIME			1
#define AU_ROLE			2
#define AU_SESSION_ROLE	3
#define AU_TAG			4
#define AU_ACTION		5
#define AU_SCHEMA		6
#define AU_REL			7
#define AU_CONNAME		8
#define AU_CONOID		9
#define AU_ENFORCED		10
#define AU_VALIDATED	11
#define AU_SINCE		12
#define AU_BY			13
#define AU_DETAIL		14

/* What the audit last recorded for a key. */
typedef struct AuditState
{
	bool		found;
	bool		enforced;
	bool		validated;
	bool		has_since;
	TimestampTz since;
	NameData	by;
} AuditState;

/* One event to record. */
typedef struct AuditEvent
{
	const char *tag;
	const char *action;
	const char *schema;
	const char *rel;
	const char *conname;
	Oid			conoid;
	bool		has_state;		/* false for dropped */
	bool		enforced;
	bool		validated;
	bool		has_since;
	TimestampTz since;
	const char *by;
	char	   *detail;
} AuditEvent;

static Datum
name_datum(const char *s)
{
	Name		n = palloc0(NAMEDATALEN);

	namestrcpy(n, s);
	return NameGetDatum(n);
}

static void
record_event(FkStore *st, AuditEvent *ev)
{
	Datum		values[AU_COLS];
	bool		nulls[AU_COLS];

	memset(nulls, 0, sizeof(nulls));
	values[AU_ID] = Int64GetDatum(fk_store_nextval("fk_audit_events_event_id_seq"));
	values[AU_TIME] = TimestampTzGetDatum(GetCurrentTimestamp());
	values[AU_ROLE] = name_datum(GetUserNameFromId(GetUserId(), false));
	values[AU_SESSION_ROLE] = name_datum(GetUserNameFromId(GetSessionUserId(), false));
	values[AU_TAG] = CStringGetTextDatum(ev->tag);
	values[AU_ACTION] = CStringGetTextDatum(ev->action);
	values[AU_SCHEMA] = name_datum(ev->schema);
	values[AU_REL] = name_datum(ev->rel);
	values[AU_CONNAME] = name_datum(ev->conname);
	values[AU_CONOID] = ObjectIdGetDatum(ev->conoid);
	values[AU_ENFORCED] = BoolGetDatum(ev->enforced);
	values[AU_VALIDATED] = BoolGetDatum(ev->validated);
	nulls[AU_ENFORCED] = nulls[AU_VALIDATED] = !ev->has_state;
	values[AU_SINCE] = TimestampTzGetDatum(ev->since);
	nulls[AU_SINCE] = !ev->has_since;
	if (ev->by)
		values[AU_BY] = name_datum(ev->by);
	else
		nulls[AU_BY] = true;
	if (ev->detail)
		values[AU_DETAIL] = CStringGetTextDatum(ev->detail);
	else
		nulls[AU_DETAIL] = true;
	fk_store_insert(st, values, nulls);
}

static void
latest_row(Datum *values, bool *nulls, ItemPointer tid, void *arg)
{
	AuditState *as = arg;

	/* a dropped key's row says nothing about a key of the same name now */
	if (nulls[AU_ENFORCED] || nulls[AU_VALIDATED])
		return;
	as->found = true;
	as->enforced = DatumGetBool(values[AU_ENFORCED]);
	as->validated = DatumGetBool(values[AU_VALIDATED]);
	as->has_since = !nulls[AU_SINCE];
	if (as->has_since)
		as->since = DatumGetTimestampTz(values[AU_SINCE]);
	if (!nulls[AU_BY])
		namestrcpy(&as->by, NameStr(*DatumGetName(values[AU_BY])));
}

/* The audit's last word on a key; a key it never saw counts as enforced and valid. */
static void
last_state(FkStore *st, const char *schema, const char *rel, const char *con,
		   AuditState *as)
{
	ScanKeyData keys[3];

	memset(as, 0, sizeof(AuditState));
	fk_store_name_key(&keys[0], AU_SCHEMA + 1, schema);
	fk_store_name_key(&keys[1], AU_REL + 1, rel);
	fk_store_name_key(&keys[2], AU_CONNAME + 1, con);
	fk_store_scan(st, "fk_audit_events_key", 3, keys, true, 1, latest_row, as);
	if (!as->found)
		as->enforced = as->validated = true;
}

/* "RI triggers that do not fire: t.RI_ConstraintTrigger_c_123 (disabled), ..." */
static char *
disabled_detail(FkModel *fk)
{
	StringInfoData buf;
	List	   *off = fk_model_disabled_triggers(fk);
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "RI triggers that do not fire:");
	foreach(lc, off)
	{
		FkTrigger  *t = lfirst(lc);

		appendStringInfo(&buf, "%s %s.%s (%s)", lc == list_head(off) ? "" : ",",
						 get_rel_name(t->relid) ? get_rel_name(t->relid) : "?",
						 quote_identifier(NameStr(t->name)),
						 t->enabled == 'R' ? "replica only" : "disabled");
	}
	return buf.data;
}

/*
 * Compare a declared key's state now with the audit's last word on it and
 * record what changed.  baseline: the audit is starting, and what it finds
 * was done while it was off (when, and by whom, unknown).
 */
static void
audit_key(FkStore *st, Oid conoid, const char *tag, bool baseline)
{
	FkModel    *fk = fk_model_load(conoid, FK_LOAD_STATE);
	AuditState	as;
	AuditEvent	ev;
	char	   *schema;
	char	   *rel;

	if (fk == NULL || OidIsValid(fk->parentoid) ||
		get_rel_persistence(fk->fk_relid) == RELPERSISTENCE_TEMP)
		return;
	schema = get_namespace_name(get_rel_namespace(fk->fk_relid));
	rel = get_rel_name(fk->fk_relid);
	if (schema == NULL || rel == NULL)
		return;
	last_state(st, schema, rel, NameStr(fk->conname), &as);

	memset(&ev, 0, sizeof(ev));
	ev.tag = tag;
	ev.schema = schema;
	ev.rel = rel;
	ev.conname = NameStr(fk->conname);
	ev.conoid = fk->conoid;
	ev.has_state = true;
	ev.enforced = fk->enforced;
	ev.validated = fk->validated;
	if (!fk->enforced)
	{
		if (!as.enforced)
		{
			/* still off: since when, as first recorded */
			ev.has_since = as.has_since;
			ev.since = as.since;
			ev.by = as.has_since ? pstrdup(NameStr(as.by)) : NULL;
		}
		else if (!baseline)
		{
			ev.has_since = true;
			ev.since = GetCurrentTimestamp();
			ev.by = GetUserNameFromId(GetUserId(), false);
		}
	}

	if (fk->validated != as.validated)
	{
		ev.action = fk->validated ?
			(baseline ? "validated while the audit was off" : "validated") :
			(baseline ? "not validated when the audit started" : "added not valid");
		record_event(st, &ev);
	}
	if (fk->enforced != as.enforced)
	{
		ev.action = fk->enforced ?
			(baseline ? "enabled while the audit was off" : "enabled") :
			(baseline ? "not enforced when the audit started" : "disabled");
		ev.detail = fk->enforced ? NULL : disabled_detail(fk);
		record_event(st, &ev);
	}
}

/* Run fn without ever failing the DDL: an error is a WARNING (a cancel is not caught). */
static void
never_fail(void (*fn) (void *arg), void *arg)
{
	char	   *failure = fk_try(fn, arg, 0);

	if (failure)
		ereport(WARNING,
				(errmsg("fk_tools audit did not record this command: %s", failure),
				 errdetail("The command itself went through."),
				 errhint("Check fk_audit_log; fk_audit_disable() stops the audit.")));
}

/* What a query's rows are collected into; rows come in a short-lived context. */
typedef struct Collected
{
	List	   *list;
	MemoryContext cxt;
} Collected;

static void
collect_oid(Datum *values, bool *nulls, TupleDesc desc, void *arg)
{
	Collected  *c = arg;
	MemoryContext old;

	if (nulls[0])
		return;
	old = MemoryContextSwitchTo(c->cxt);
	c->list = list_append_unique_oid(c->list, DatumGetObjectId(values[0]));
	MemoryContextSwitchTo(old);
}

static void
ddl_end_work(void *arg)
{
	const char *tag = arg;
	Collected	tables = {NIL, CurrentMemoryContext};
	List	   *keys = NIL;
	ListCell   *lc;
	FkStore    *st;

	fk_spi_connect();
	fk_spi_stream("SELECT d.objid FROM pg_catalog.pg_event_trigger_ddl_commands() d"
				  " WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
				  " AND d.objsubid OPERATOR(pg_catalog.=) 0",
				  NULL, collect_oid, &tables);
	fk_spi_finish();

	foreach(lc, tables.list)
	{
		Oid			relid = lfirst_oid(lc);
		char		relkind = get_rel_relkind(relid);
		ListCell   *kc;

		if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
			continue;
		foreach(kc, fk_model_list(relid, false, 0))
			keys = list_append_unique_oid(keys, fk_model_declared(((FkModel *) lfirst(kc))->conoid));
		foreach(kc, fk_model_referencing(relid, false, 0))
			keys = list_append_unique_oid(keys, fk_model_declared(((FkModel *) lfirst(kc))->conoid));
	}
	if (keys == NIL)
		return;

	st = fk_store_open("fk_audit_events", true);
	if (st == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("table fk_audit_events is locked by another session")));
	foreach(lc, keys)
		audit_key(st, lfirst_oid(lc), tag, false);
	fk_store_close(st);
}

/*
 * fk_audit_ddl_end() RETURNS event_trigger
 *
 * ddl_command_end of ALTER TABLE: records the keys of the altered tables
 * whose enforcement or validation changed.  Catalog reads; a
 * RowExclusiveLock on fk_audit_events if free.
 */
Datum
fk_audit_ddl_end(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("fk_audit_ddl_end() can only be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	never_fail(ddl_end_work, (void *) GetCommandTagName(trigdata->tag));
	PG_RETURN_VOID();
}

/* A dropped constraint: objid and its address names (schema, table, name). */
typedef struct Dropped
{
	Oid			conoid;
	char	   *schema;
	char	   *rel;
	char	   *conname;
} Dropped;

static void
collect_dropped(Datum *values, bool *nulls, TupleDesc desc, void *arg)
{
	Collected  *c = arg;
	Datum	   *names;
	bool	   *namenulls;
	int			n;
	Dropped    *d;
	MemoryContext old;

	if (nulls[0] || nulls[1])
		return;
	deconstruct_array(DatumGetArrayTypeP(values[1]), TEXTOID, -1, false,
					  TYPALIGN_INT, &names, &namenulls, &n);
	if (n != 3 || namenulls[0] || namenulls[1] || namenulls[2])
		return;
	old = MemoryContextSwitchTo(c->cxt);
	d = palloc(sizeof(Dropped));
	d->conoid = DatumGetObjectId(values[0]);
	d->schema = TextDatumGetCString(names[0]);
	d->rel = TextDatumGetCString(names[1]);
	d->conname = TextDatumGetCString(names[2]);
	c->list = lappend(c->list, d);
	MemoryContextSwitchTo(old);
}

static void
sql_drop_work(void *arg)
{
	const char *tag = arg;
	Collected	dropped = {NIL, CurrentMemoryContext};
	ListCell   *lc;
	FkStore    *st = NULL;

	fk_spi_connect();
	fk_spi_stream("SELECT d.objid, d.address_names FROM pg_catalog.pg_event_trigger_dropped_objects() d"
				  " WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_constraint'::pg_catalog.regclass"
				  " AND NOT d.is_temporary",
				  NULL, collect_dropped, &dropped);
	fk_spi_finish();

	foreach(lc, dropped.list)
	{
		Dropped    *d = lfirst(lc);
		Oid			parent;
		AuditEvent	ev;

		if (!fk_model_dropped(d->conoid, &parent) || OidIsValid(parent))
			continue;
		if (st == NULL && (st = fk_store_open("fk_audit_events", true)) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
					 errmsg("table fk_audit_events is locked by another session")));
		memset(&ev, 0, sizeof(ev));
		ev.tag = tag;
		ev.action = "dropped";
		ev.schema = d->schema;
		ev.rel = d->rel;
		ev.conname = d->conname;
		ev.conoid = d->conoid;
		record_event(st, &ev);
	}
	if (st)
		fk_store_close(st);
}

/*
 * fk_audit_sql_drop() RETURNS event_trigger
 *
 * sql_drop: records the declared foreign keys the command dropped
 * (ALTER TABLE ... DROP CONSTRAINT, DROP TABLE, DROP ... CASCADE).
 */
Datum
fk_audit_sql_drop(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("fk_audit_sql_drop() can only be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	never_fail(sql_drop_work, (void *) GetCommandTagName(trigdata->tag));
	PG_RETURN_VOID();
}

static void
require_superuser(const char *what)
{
	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s the foreign key audit", what),
				 errdetail("The audit consists of event triggers, which only a superuser may create or drop."),
				 errhint("Run it as a superuser.")));
}

static void
run_utility(const char *sql)
{
	int			rc = SPI_execute(sql, false, 0);

	if (rc != SPI_OK_UTILITY)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
}

/*
 * fk_audit_enable() RETURNS void
 *
 * Create the audit's event triggers (ENABLE ALWAYS, so that they fire
 * with session_replication_role = replica too) and record the keys that
 * are not enforced or not validated now.  Superuser only.
 */
Datum
fk_audit_enable(PG_FUNCTION_ARGS)
{
	const char *schema = quote_identifier(get_namespace_name(fk_store_schema()));
	FkStore    *st;
	List	   *keys = NIL;
	ListCell   *lc;

	require_superuser("enable");
	if (OidIsValid(get_event_trigger_oid(AUDIT_DDL_TRIGGER, true)) &&
		OidIsValid(get_event_trigger_oid(AUDIT_DROP_TRIGGER, true)))
	{
		ereport(NOTICE, (errmsg("the foreign key audit is already on")));
		PG_RETURN_VOID();
	}
	fk_spi_connect();
	if (!OidIsValid(get_event_trigger_oid(AUDIT_DDL_TRIGGER, true)))
	{
		run_utility(psprintf("CREATE EVENT TRIGGER " AUDIT_DDL_TRIGGER
							 " ON ddl_command_end WHEN TAG IN ('ALTER TABLE')"
							 " EXECUTE FUNCTION %s.fk_audit_ddl_end()", schema));
		run_utility("ALTER EVENT TRIGGER " AUDIT_DDL_TRIGGER " ENABLE ALWAYS");
	}
	if (!OidIsValid(get_event_trigger_oid(AUDIT_DROP_TRIGGER, true)))
	{
		run_utility(psprintf("CREATE EVENT TRIGGER " AUDIT_DROP_TRIGGER
							 " ON sql_drop EXECUTE FUNCTION %s.fk_audit_sql_drop()",
							 schema));
		run_utility("ALTER EVENT TRIGGER " AUDIT_DROP_TRIGGER " ENABLE ALWAYS");
	}
	fk_spi_finish();

	st = fk_store_open("fk_audit_events", false);
	foreach(lc, fk_model_list(InvalidOid, true, 0))
		keys = lappend_oid(keys, ((FkModel *) lfirst(lc))->conoid);
	foreach(lc, keys)
		audit_key(st, lfirst_oid(lc), "fk_audit_enable()", true);
	fk_store_close(st);
	PG_RETURN_VOID();
}

/*
 * fk_audit_disable() RETURNS void
 *
 * Drop the audit's event triggers; what it recorded stays.  Superuser
 * only.
 */
Datum
fk_audit_disable(PG_FUNCTION_ARGS)
{
	require_superuser("disable");
	fk_spi_connect();
	run_utility("DROP EVENT TRIGGER IF EXISTS " AUDIT_DDL_TRIGGER);
	run_utility("DROP EVENT TRIGGER IF EXISTS " AUDIT_DROP_TRIGGER);
	fk_spi_finish();
	PG_RETURN_VOID();
}
