/*-------------------------------------------------------------------------
 *
 * fk_table.c
 *	  Facts about one table: its primary key, the user triggers and rules
 *	  that fire on its rows for an event, whether a column is NOT NULL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_index.h"
#include "catalog/pg_trigger.h"
#include "commands/trigger.h"
#include "rewrite/prs2lock.h"
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
