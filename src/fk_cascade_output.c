/*-------------------------------------------------------------------------
 *
 * fk_cascade_output.c
 *	  The result of the cascade engine: groups of rows (per depth, table,
 *	  action, constraint and reason), what each says in words, and the
 *	  rows behind a group.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/partition.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/nodes.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"

#include "fk_access.h"
#include "fk_cascade_int.h"
#include "fk_sql.h"
#include "fk_table.h"

static char *casc_detail(Cascade *c, CascGroup *g);

CascGroup *
casc_group(Cascade *c, int depth, Oid relid, Oid conoid, Oid refrel,
		   FkCascAction action, FkCascWhy why)
{
	CascGroupKey key;
	CascGroup  *g;
	bool		found;

	memset(&key, 0, sizeof(key));
	key.depth = depth;
	key.relid = relid;
	key.conoid = conoid;
	key.refrel = refrel;
	key.action = action;
	key.why = why;
	g = hash_search(c->groups, &key, HASH_ENTER, &found);
	if (!found)
	{
		MemoryContext old = MemoryContextSwitchTo(c->cxt);

		memset(&g->pub, 0, sizeof(FkCascGroup));
		g->pub.depth = depth;
		g->pub.relid = relid;
		g->pub.action = action;
		g->pub.why = why;
		g->pub.refrel = refrel;
		g->pub.ondelete = c->ondelete;
		/* partition clones: name the constraint the user declared */
		if (OidIsValid(conoid))
		{
			g->pub.conoid = fk_model_declared(conoid);
			g->pub.conname = get_constraint_name(g->pub.conoid);
		}
		memset(&g->tids, 0, sizeof(CascTids));
		g->note = NULL;
		g->relname = fksql_relname(relid);
		g->node = -1;
		MemoryContextSwitchTo(old);
	}
	return g;
}

/* A row counted once, in its group. */
void
casc_count_row(Cascade *c, CascRel *rel, CascRow *row)
{
	CascGroup  *g = casc_group(c, row->depth, rel->relid, row->conoid,
							   row->refrel, row->action, row->why);

	g->pub.rows++;
	if (c->keep_rows)
		casc_tids_add(c, &g->tids, &row->tid);
}

const char *
fk_casc_action_name(FkCascAction action)
{
	switch (action)
	{
		case FKC_DELETE:
			return "DELETE";
		case FKC_UPDATE:
			return "UPDATE";
		case FKC_SET_NULL:
			return "SET NULL";
		case FKC_SET_DEFAULT:
			return "SET DEFAULT";
		case FKC_BLOCKED:
			return "BLOCKED";
	}
	elog(ERROR, "unrecognized cascade action %d", (int) action);
	return NULL;				/* keep compiler quiet */
}

static int
casc_group_cmp(const void *a, const void *b)
{
	const CascGroup *ga = *(CascGroup *const *) a;
	const CascGroup *gb = *(CascGroup *const *) b;
	int			r;

	if (ga->pub.depth != gb->pub.depth)
		return ga->pub.depth < gb->pub.depth ? -1 : 1;
	if ((r = strcmp(ga->relname, gb->relname)) != 0)
		return r;
	if ((r = strcmp(fk_casc_action_name(ga->pub.action),
					fk_casc_action_name(gb->pub.action))) != 0)
		return r;
	if ((r = strcmp(ga->pub.conname ? ga->pub.conname : "",
					gb->pub.conname ? gb->pub.conname : "")) != 0)
		return r;
	return (int) ga->pub.why - (int) gb->pub.why;
}

/*
 * The groups of the result, by depth, table name, action, constraint and
 * reason, each with its detail.  Made once; the array and the groups stay
 * valid until fk_casc_end.
 */
FkCascGroup **
fk_casc_groups(FkCascade *c, int *ngroups)
{
	FkCascGroup **result;

	if (c->sorted == NULL)
	{
		HASH_SEQ_STATUS s;
		CascGroup  *g;
		int			n = 0;
		MemoryContext old = MemoryContextSwitchTo(c->cxt);

		c->sorted = palloc(sizeof(CascGroup *) * (hash_get_num_entries(c->groups) + 1));
		hash_seq_init(&s, c->groups);
		while ((g = hash_seq_search(&s)) != NULL)
			c->sorted[n++] = g;
		qsort(c->sorted, n, sizeof(CascGroup *), casc_group_cmp);
		c->nsorted = n;
		for (int i = 0; i < n; i++)
		{
			c->sorted[i]->pub.id = i;
			c->sorted[i]->pub.detail = casc_detail(c, c->sorted[i]);
		}
		MemoryContextSwitchTo(old);
	}
	result = palloc(sizeof(FkCascGroup *) * (c->nsorted + 1));
	for (int i = 0; i < c->nsorted; i++)
		result[i] = &c->sorted[i]->pub;
	*ngroups = c->nsorted;
	return result;
}

/* The detail of a group: why rows block, and what the engine cannot see. */
static char *
casc_detail(Cascade *c, CascGroup *g)
{
	StringInfoData d;
	const char *on = g->pub.ondelete ? "ON DELETE" : "ON UPDATE";
	CascRel    *rel = casc_rel(c, g->pub.relid, InvalidOid);

	initStringInfo(&d);
	switch (g->pub.why)
	{
		case FKW_RESTRICT:
			appendStringInfo(&d, "%s RESTRICT: these rows reference rows of %s that the statement changes.",
							 on, fksql_relname(g->pub.refrel));
			break;
		case FKW_NO_ACTION:
			appendStringInfo(&d, "%s NO ACTION: these rows still reference the changed rows of %s when the check runs, after the actions of earlier rounds.",
							 on, fksql_relname(g->pub.refrel));
			break;
		case FKW_DEFERRED:
			appendStringInfo(&d, "%s NO ACTION, deferred: these rows still reference the changed rows of %s at the end of the statement; the check runs at commit.",
							 on, fksql_relname(g->pub.refrel));
			break;
		case FKW_NOT_NULL:
			appendStringInfoString(&d, "SET NULL would store NULL in a NOT NULL column of these rows.");
			break;
		case FKW_NO_PARENT:
			appendStringInfo(&d, "The new key of these rows has no row in %s.",
							 fksql_relname(g->pub.refrel));
			break;
		case FKW_MATCH_FULL:
			appendStringInfoString(&d, "MATCH FULL: the new key of these rows mixes NULL and non-NULL values.");
			break;
		case FKW_STORE_FAILS:
			appendStringInfo(&d, "The new values cannot be stored in these rows: %s.",
							 g->note ? g->note : "?");
			break;
		case FKW_VOLATILE:
			if (g->note)
				appendStringInfo(&d, "The value the column default would store is not known in advance (%s): nor is whether a row of the referenced table matches it.",
								 g->note);
			else
				appendStringInfoString(&d, "The column default is volatile: the value it would store, and whether a row of the referenced table matches it, are not known in advance.");
			break;
		case FKW_NONE:
			break;
	}
	if (rel->rls < 0)
	{
		List	   *ancestors = get_partition_ancestors(rel->relid);
		ListCell   *lc;

		rel->rls = fk_rls_hides_rows(rel->relid);
		foreach(lc, ancestors)
			rel->rls |= fk_rls_hides_rows(lfirst_oid(lc));
	}
	if (rel->rls)
		appendStringInfo(&d, "%sRow-level security hides rows of %s from you: the server's referential actions, run as the table owner, would also reach rows not counted here.",
						 d.len > 0 ? " " : "", g->relname);
	if (g->pub.action != FKC_BLOCKED)
	{
		int			which = g->pub.action == FKC_DELETE ? 0 : 1;

		if (rel->user_code[which] < 0)
			rel->user_code[which] = fk_table_user_code(g->pub.relid,
													   which == 0 ? CMD_DELETE : CMD_UPDATE);
	}
	if (g->pub.action != FKC_BLOCKED &&
		rel->user_code[g->pub.action == FKC_DELETE ? 0 : 1] != 0)
		appendStringInfo(&d, "%s%s has triggers or rules on %s that the preview does not run: they may change what happens.",
						 d.len > 0 ? " " : "", fksql_relname(g->pub.relid),
						 g->pub.action == FKC_DELETE ? "DELETE" : "UPDATE");
	return d.len > 0 ? d.data : NULL;
}

/* Sum of the rows of the groups that match (depth < 0, action < 0, conoid 0: any). */
int64
fk_casc_total(FkCascade *c, int depth, FkCascAction action, Oid conoid)
{
	HASH_SEQ_STATUS s;
	CascGroup  *g;
	int64		n = 0;

	hash_seq_init(&s, c->groups);
	while ((g = hash_seq_search(&s)) != NULL)
		if ((depth < 0 || g->pub.depth == depth) &&
			((int) action < 0 || g->pub.action == action) &&
			(!OidIsValid(conoid) || g->pub.conoid == conoid))
			n += g->pub.rows;
	return n;
}

/* The tables the statement reaches, each once, in the groups' order. */
List *
fk_casc_tables(FkCascade *c)
{
	List	   *result = NIL;
	FkCascGroup **groups;
	int			n;

	groups = fk_casc_groups(c, &n);
	for (int i = 0; i < n; i++)
		if (!list_member_oid(result, groups[i]->relid))
			result = lappend_oid(result, groups[i]->relid);
	return result;
}

/*
 * The rows of a group (the request must have asked to keep them), as they
 * are now: each row's columns handed to fn, in ctid order.  Needs SELECT
 * on the whole table.
 */
void
fk_casc_group_rows(FkCascade *c, FkCascGroup *pub, FkRowFn fn, void *arg)
{
	CascGroup  *g = c->sorted[pub->id];
	CascRel    *rel = casc_rel(c, g->pub.relid, InvalidOid);
	StringInfoData sql;
	FkParams   *params;
	int			tids_param;
	int			rel_param;
	int64		pos = 0;

	Assert(c->keep_rows);
	CHECK_FOR_INTERRUPTS();
	fk_require_privilege(rel->readrel, ACL_SELECT, 0, NULL,
						 "Showing the rows the statement would reach needs SELECT on their tables.");
	if (g->node >= 0)
	{
		casc_tree_group_rows(c, g, fn, arg);
		return;
	}
	params = fk_params_new();
	tids_param = fk_param_add(params, TIDARRAYOID, (Datum) 0, false);
	rel_param = fk_param_add(params, OIDOID, ObjectIdGetDatum(rel->relid), false);
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT c.* FROM ");
	fksql_rel(&sql, rel->readrel, true);
	appendStringInfoString(&sql, " c WHERE ");
	fksql_row_in(&sql, "c", tids_param, rel_param);
	appendStringInfoString(&sql, " ORDER BY ");
	fksql_col(&sql, "c", "ctid");
	/* tids come in ctid order, so chunks keep the rows in that order */
	while (casc_tids_chunk(c, &g->tids, &pos, &params->values[tids_param - 1]))
	{
		fk_spi_stream(sql.data, params, fn, arg);
		pfree(DatumGetPointer(params->values[tids_param - 1]));
	}
}
