/*-------------------------------------------------------------------------
 *
 * fk_store.c
 *	  The extension's own tables, read and written from C.
 *
 * The tables that keep check results and audit events belong to the
 * extension and grant nothing to anyone but their owner: what is in them
 * is only what fk_tools' own code computed, never a row a role typed in.
 * The functions that fill them run with the caller's rights for
 * everything they read (no SECURITY DEFINER), and write their result rows
 * here, through the table access method and the executor's index
 * maintenance, the way logical replication applies rows: no SQL statement,
 * so no privilege check on the extension's table, and nothing of another
 * role (triggers, rules, defaults) runs.  A table the owner gave a trigger
 * is refused rather than written around.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "commands/sequence.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "fk_store.h"

/* The schema fk_tools is installed in (from pg_extension). */
Oid
fk_store_schema(void)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	Oid			nsp = InvalidOid;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("fk_tools"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
		nsp = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (!OidIsValid(nsp))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"fk_tools\" is not installed in this database"),
				 errhint("CREATE EXTENSION fk_tools;")));
	return nsp;
}

/*
 * Is relid one of fk_tools' own tables?  They hold no user data: the
 * functions that list user tables leave them out.  Callers look only at
 * tables of the extension's schema (fk_store_schema).
 */
bool
fk_store_owns(Oid relid)
{
	Oid			ext = get_extension_oid("fk_tools", true);

	return OidIsValid(ext) && getExtensionOfObject(RelationRelationId, relid) == ext;
}

/* One of the extension's relations (table, index, sequence), by name. */
Oid
fk_store_relid(const char *name)
{
	Oid			relid = get_relname_relid(name, fk_store_schema());

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s\" of extension fk_tools does not exist", name),
				 errdetail("The extension keeps check results and audit events in its own tables."),
				 errhint("Update the extension: ALTER EXTENSION fk_tools UPDATE.")));
	return relid;
}

/*
 * Open one of the extension's tables for reading and writing, with
 * RowExclusiveLock (held to the end of the transaction).  With nowait,
 * NULL when the lock is not free at once (someone holds the table
 * exclusively): the caller must not wait.
 */
FkStore *
fk_store_open(const char *name, bool nowait)
{
	Oid			relid = fk_store_relid(name);
	FkStore    *st;
	RangeTblEntry *rte;

	if (nowait)
	{
		if (!ConditionalLockRelationOid(relid, RowExclusiveLock))
			return NULL;
	}
	else
		LockRelationOid(relid, RowExclusiveLock);

	st = palloc0(sizeof(FkStore));
	st->rel = table_open(relid, NoLock);
	if (st->rel->rd_rel->relkind != RELKIND_RELATION ||
		st->rel->trigdesc != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" of extension fk_tools has been altered", name),
				 errdetail("fk_tools writes its own tables itself and refuses one that has triggers or is not a plain table."),
				 errhint("Drop the triggers, or reinstall the extension.")));

	st->estate = CreateExecutorState();
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = relid;
	rte->relkind = RELKIND_RELATION;
	rte->rellockmode = RowExclusiveLock;
	ExecInitRangeTable(st->estate, list_make1(rte));
	st->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(st->rri, st->rel, 1, NULL, 0);
	ExecOpenIndices(st->rri, false);
	st->estate->es_output_cid = GetCurrentCommandId(true);
	st->slot = table_slot_create(st->rel, &st->estate->es_tupleTable);
	st->found = table_slot_create(st->rel, &st->estate->es_tupleTable);
	return st;
}

/*
 * Open one of the extension's tables for fk_store_scan only, with
 * AccessShareLock: what read-only functions use (READ ONLY transactions,
 * standbys).
 */
FkStore *
fk_store_open_read(const char *name)
{
	FkStore    *st = palloc0(sizeof(FkStore));

	st->rel = table_open(fk_store_relid(name), AccessShareLock);
	return st;
}

void
fk_store_close(FkStore *st)
{
	if (st->estate)
	{
		ExecCloseIndices(st->rri);
		ExecResetTupleTable(st->estate->es_tupleTable, false);
		FreeExecutorState(st->estate);
	}
	table_close(st->rel, NoLock);
	pfree(st);
}

static void
fill_slot(FkStore *st, Datum *values, bool *nulls)
{
	int			natts = RelationGetDescr(st->rel)->natts;

	ExecClearTuple(st->slot);
	memcpy(st->slot->tts_values, values, sizeof(Datum) * natts);
	memcpy(st->slot->tts_isnull, nulls, sizeof(bool) * natts);
	ExecStoreVirtualTuple(st->slot);
}

/* Insert a row (one value per column) and its index entries. */
void
fk_store_insert(FkStore *st, Datum *values, bool *nulls)
{
	fill_slot(st, values, nulls);
	simple_table_tuple_insert(st->rel, st->slot);
	if (st->rri->ri_NumIndices > 0)
		list_free(ExecInsertIndexTuples(st->rri, st->slot, st->estate,
										false, false, NULL, NIL));
	CommandCounterIncrement();
}

/*
 * Find the row whose primary key (index pkey) has the values keyvalues
 * holds at the key columns' positions, and lock it against concurrent
 * writers until the end of the transaction (waiting for one that holds
 * it).  On true, values/nulls are the row as locked, valid until the next
 * call on st; fk_store_update then replaces it.
 */
bool
fk_store_lock_row(FkStore *st, const char *pkey, Datum *keyvalues,
				  Datum *values, bool *nulls)
{
	int			natts = RelationGetDescr(st->rel)->natts;
	bool		found;

	ExecClearTuple(st->slot);
	memcpy(st->slot->tts_values, keyvalues, sizeof(Datum) * natts);
	memset(st->slot->tts_isnull, 0, sizeof(bool) * natts);
	ExecStoreVirtualTuple(st->slot);
	ExecClearTuple(st->found);
	found = RelationFindReplTupleByIndex(st->rel, fk_store_relid(pkey),
										 LockTupleExclusive, st->slot,
										 st->found);
	if (found)
	{
		slot_getallattrs(st->found);
		memcpy(values, st->found->tts_values, sizeof(Datum) * natts);
		memcpy(nulls, st->found->tts_isnull, sizeof(bool) * natts);
	}
	return found;
}

/* Replace the row fk_store_lock_row found and locked. */
void
fk_store_update(FkStore *st, Datum *values, bool *nulls)
{
	bool		update_indexes;

	fill_slot(st, values, nulls);
	simple_table_tuple_update(st->rel, &st->found->tts_tid, st->slot,
							  GetActiveSnapshot(), &update_indexes);
	if (st->rri->ri_NumIndices > 0 && update_indexes)
		list_free(ExecInsertIndexTuples(st->rri, st->slot, st->estate,
										true, false, NULL, NIL));
	CommandCounterIncrement();
}

/*
 * Delete a row found by fk_store_scan; one another transaction deleted or
 * changed meanwhile (two runs pruning at once) is left to it.
 */
void
fk_store_delete(FkStore *st, ItemPointer tid)
{
	TM_FailureData tmfd;
	TM_Result	res;

	res = table_tuple_delete(st->rel, tid, GetCurrentCommandId(true),
							 GetActiveSnapshot(), InvalidSnapshot, true,
							 &tmfd, false);
	if (res != TM_Ok && res != TM_Deleted && res != TM_Updated &&
		res != TM_SelfModified)
		elog(ERROR, "unexpected result %d deleting from %s", (int) res,
			 RelationGetRelationName(st->rel));
	CommandCounterIncrement();
}

/*
 * Call fn on the rows matching keys (heap column numbers; modified in
 * place), in the order of index (forward or backward) or in physical
 * order when index is NULL, at most limit rows (0: all).  The scan sees
 * everything committed and everything this transaction wrote so far.
 */
void
fk_store_scan(FkStore *st, const char *index, int nkeys, ScanKey keys,
			  bool backward, int limit, FkStoreRowFn fn, void *arg)
{
	TupleDesc	desc = RelationGetDescr(st->rel);
	Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());
	Relation	irel = NULL;
	SysScanDesc scan;
	HeapTuple	tup;
	Datum	   *values = palloc(sizeof(Datum) * desc->natts);
	bool	   *nulls = palloc(sizeof(bool) * desc->natts);
	int			n = 0;

	if (index)
	{
		irel = index_open(fk_store_relid(index), AccessShareLock);
		scan = systable_beginscan_ordered(st->rel, irel, snap, nkeys, keys);
	}
	else
		scan = systable_beginscan(st->rel, InvalidOid, false, snap, nkeys, keys);
	while (HeapTupleIsValid(tup = irel ?
							systable_getnext_ordered(scan, backward ? BackwardScanDirection : ForwardScanDirection) :
							systable_getnext(scan)))
	{
		CHECK_FOR_INTERRUPTS();
		heap_deform_tuple(tup, desc, values, nulls);
		fn(values, nulls, &tup->t_self, arg);
		if (limit > 0 && ++n >= limit)
			break;
	}
	if (irel)
	{
		systable_endscan_ordered(scan);
		index_close(irel, AccessShareLock);
	}
	else
		systable_endscan(scan);
	UnregisterSnapshot(snap);
	pfree(values);
	pfree(nulls);
}

/* The next value of one of the extension's sequences (no USAGE needed). */
int64
fk_store_nextval(const char *sequence)
{
	return nextval_internal(fk_store_relid(sequence), false);
}

/* A scan key: column attno (of type name) equals name. */
void
fk_store_name_key(ScanKey key, AttrNumber attno, const char *name)
{
	Name		n = palloc0(NAMEDATALEN);

	namestrcpy(n, name);
	ScanKeyInit(key, attno, BTEqualStrategyNumber, F_NAMEEQ, NameGetDatum(n));
}
