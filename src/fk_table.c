/*-------------------------------------------------------------------------
 *
 * fk_table.c
 *	  Facts about one table: its primary key, the user triggers and rules
 *	  that fire on its rows for an event, whether a column is NOT NULL, the
 *	  unique keys a foreign key may reference.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_index.h"
#include "catalog/pg_trigger.h"
#include "commands/trigger.h"
#include "rewrite/prs2lock.h"
#include "miscadmin.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "fk_sql.h"
#include "fk_table.h"

/*
 * The attnums of relid's primary key columns, in index order; returns how
 * many (0: no primary key).  attnums has room for INDEX_MAX_KEYS.
 */
int
fk_table_primary_key(Oid relid, AttrNumber *attnums)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	Oid			pkindex = RelationGetPrimaryKeyIndex(rel);
	int			n = 0;

	if (OidIsValid(pkindex))
	{
		HeapTuple	indtup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pkindex));
		Form_pg_index ind;

		if (!HeapTupleIsValid(indtup))
			elog(ERROR, "cache lookup failed for index %u", pkindex);
		ind = (Form_pg_index) GETSTRUCT(indtup);
		for (n = 0; n < ind->indnkeyatts; n++)
			attnums[n] = ind->indkey.values[n];
		ReleaseSysCache(indtup);
	}
	relation_close(rel, AccessShareLock);
	return n;
}

/*
 * What of the table's own code fires when a row of it is deleted (event
 * CMD_DELETE) or updated (CMD_UPDATE): enabled user triggers (RI's own
 * are internal), rules, DO INSTEAD rules.  A bitmask of FK_USER_*.
 */
int
fk_table_user_code(Oid relid, CmdType event)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	int			found = 0;

	if (rel->trigdesc)
		for (int i = 0; i < rel->trigdesc->numtriggers; i++)
		{
			Trigger    *tg = &rel->trigdesc->triggers[i];

			if (!tg->tgisinternal && tg->tgenabled != TRIGGER_DISABLED &&
				(event == CMD_DELETE ? TRIGGER_FOR_DELETE(tg->tgtype) :
				 TRIGGER_FOR_UPDATE(tg->tgtype)))
				found |= FK_USER_TRIGGERS;
		}
	if (rel->rd_rules)
		for (int i = 0; i < rel->rd_rules->numLocks; i++)
		{
			RewriteRule *rule = rel->rd_rules->rules[i];

			if (rule->event != event)
				continue;
			found |= FK_USER_RULES;
			if (rule->isInstead)
				found |= FK_USER_INSTEAD_RULES;
		}
	relation_close(rel, AccessShareLock);
	return found;
}

/*
 * "triggers on s.a, rules on s.b" for those of the tables (a list of
 * OIDs, each named once) with user code that fires on the event, or NULL.
 */
char *
fk_table_user_code_text(List *relids, CmdType event)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, relids)
	{
		int			code = fk_table_user_code(lfirst_oid(lc), event);

		if (code == 0)
			continue;
		appendStringInfo(&buf, "%s%s on %s", buf.len > 0 ? ", " : "",
						 (code & FK_USER_TRIGGERS) ?
						 ((code & FK_USER_RULES) ? "triggers and rules" : "triggers") :
						 "rules",
						 fksql_relname(lfirst_oid(lc)));
	}
	return buf.len > 0 ? buf.data : NULL;
}

bool
fk_table_attnotnull(Oid relid, AttrNumber attnum)
{
	HeapTuple	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid),
									  Int16GetDatum(attnum));
	bool		result = false;

	if (HeapTupleIsValid(tup))
	{
		result = ((Form_pg_attribute) GETSTRUCT(tup))->attnotnull;
		ReleaseSysCache(tup);
	}
	return result;
}

/* Is the index a btree (the only kind a foreign key can use)? */
static bool
index_is_btree(Oid indexoid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(indexoid));
	bool		result;

	if (!HeapTupleIsValid(tup))
		return false;
	result = ((Form_pg_class) GETSTRUCT(tup))->relam == BTREE_AM_OID;
	ReleaseSysCache(tup);
	return result;
}

/*
 * Does the index name a column twice (UNIQUE (a, a))?  No foreign key can
 * reference it: referenced columns must be distinct.
 */
static bool
has_repeated_column(Form_pg_index ind)
{
	for (int i = 0; i < ind->indnkeyatts; i++)
		for (int j = 0; j < i; j++)
			if (ind->indkey.values[i] == ind->indkey.values[j])
				return true;
	return false;
}

/* Order unique keys by index OID, the order the server tries them in. */
static int
unique_key_cmp(const ListCell *a, const ListCell *b)
{
	Oid			ia = ((FkUniqueKey *) lfirst(a))->indexoid;
	Oid			ib = ((FkUniqueKey *) lfirst(b))->indexoid;

	return ia < ib ? -1 : (ia > ib);
}

/*
 * The keys of relid a foreign key may reference, as a list of FkUniqueKey
 * ordered by index OID, each column set once.  The server looks for such an
 * index the same way when a foreign key names referenced columns: unique,
 * valid, not deferrable, without predicate or expressions, key columns in
 * any order, the first by OID; its operator classes give the key's
 * equality.  Read through pg_index's index on indrelid only: no lock on
 * relid.
 */
List *
fk_table_unique_keys(Oid relid)
{
	Relation	indrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	List	   *result = NIL;
	List	   *kept = NIL;
	ListCell   *lc;

	indrel = table_open(IndexRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_index_indrelid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(indrel, IndexIndrelidIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_index ind = (Form_pg_index) GETSTRUCT(tup);
		FkUniqueKey *k;
		Datum		d;
		bool		isnull;
		oidvector  *indclass;

		if (!ind->indisunique || !ind->indisvalid || !ind->indimmediate ||
			!heap_attisnull(tup, Anum_pg_index_indpred, NULL) ||
			!heap_attisnull(tup, Anum_pg_index_indexprs, NULL))
			continue;
		if (!index_is_btree(ind->indexrelid) ||
			has_repeated_column(ind))
			continue;
		d = heap_getattr(tup, Anum_pg_index_indclass,
						 RelationGetDescr(indrel), &isnull);
		if (isnull)
			continue;
		indclass = (oidvector *) DatumGetPointer(d);
		k = palloc0(sizeof(FkUniqueKey));
		k->indexoid = ind->indexrelid;
		k->primary = ind->indisprimary;
		k->nulls_not_distinct = ind->indnullsnotdistinct;
		k->nkeys = ind->indnkeyatts;
		for (int i = 0; i < k->nkeys; i++)
		{
			k->attnums[i] = ind->indkey.values[i];
			k->opclasses[i] = indclass->values[i];
		}
		result = lappend(result, k);
	}
	systable_endscan(scan);
	table_close(indrel, AccessShareLock);

	/* the same columns in two indexes: the server uses the first */
	list_sort(result, unique_key_cmp);
	foreach(lc, result)
	{
		FkUniqueKey *k = lfirst(lc);
		bool		dup = false;
		ListCell   *lc2;

		CHECK_FOR_INTERRUPTS();
		foreach(lc2, kept)
		{
			FkUniqueKey *o = lfirst(lc2);
			int			same = 0;

			if (o->nkeys != k->nkeys)
				continue;
			for (int i = 0; i < k->nkeys; i++)
				for (int j = 0; j < o->nkeys; j++)
					same += (k->attnums[i] == o->attnums[j]);
			if (same == k->nkeys)
			{
				dup = true;
				break;
			}
		}
		if (!dup)
			kept = lappend(kept, k);
	}
	list_free(result);
	return kept;
}
