/*-------------------------------------------------------------------------
 *
 * fk_cascade_tree.c
 *	  The tree path of the cascade engine: a DELETE whose reachable tables
 *	  form a tree, counted in one SQL query.
 *
 * When every table the DELETE can reach is reached by one constraint only
 * (no table twice, no cycle, no self reference), no row can be reached
 * twice and no action depends on what another path did: the rows of each
 * table are exactly those matching, through the chain of constraints, the
 * statement's rows.  One query counts the whole tree: a WITH query per
 * table whose rows reach further (the referenced key columns only,
 * materialized, so work_mem bounds it and it spills), a count per table.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"
#include "utils/syscache.h"

#include "fk_cascade_int.h"
#include "fk_sql.h"
#include "fk_table.h"

static bool casc_tree_plan(Cascade *c, CascTree *t);
static bool casc_tree_setnull(Cascade *c, CascNode *n);
static bool casc_tree_wide(Cascade *c, CascTree *t);
static bool casc_tree_partitioned(CascNode *n);
static void casc_tree_leaves(Cascade *c, CascTree *t, CascNode *n, int i,
							 Datum value, bool isnull);
static const char *casc_tree_source(Cascade *c, CascTree *t, StringInfo sql,
									int i, char form, List *cols);

static bool
casc_can_read(Oid relid)
{
	return pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK;
}

/*
 * Can the tree path count this DELETE, and how: the tables it can reach,
 * breadth first, each with the constraint that reaches it.  Whatever the
 * rows: a table reachable twice (two constraints, a cycle, a self
 * reference), SET DEFAULT (whose check depends on rows deleted elsewhere),
 * a SET NULL that changes a key referenced further on, partitions and
 * inheritance (rows of one table visible through two), a key that can
 * match two referenced rows (the join would repeat a referencing row), or
 * a table the caller cannot read in full (the row path reports that, when
 * rows reach it) make the row path do it.
 */
static bool
casc_tree_plan(Cascade *c, CascTree *t)
{
	Oid			target = c->root->relid;

	if (!fk_cascade_fast_path || c->req->set != NULL ||
		get_rel_relkind(target) != RELKIND_RELATION || has_subclass(target) ||
		!casc_can_read(target))
		return false;
	memset(&t->nodes[0], 0, sizeof(CascNode));
	t->nodes[0].relid = target;
	t->nodes[0].parent = -1;
	t->nodes[0].action = FKC_DELETE;
	t->nnodes = 1;

	for (int i = 0; i < t->nnodes; i++)
	{
		CascNode   *n = &t->nodes[i];
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		if (n->action != FKC_DELETE)
			continue;
		foreach(lc, fk_model_acting_on(n->relid, false, FK_LOAD_NAMES))
		{
			FkModel    *fk = lfirst(lc);
			CascNode   *child;

			if (t->nnodes >= CASC_TREE_MAX_NODES)
				return false;
			for (int j = 0; j < t->nnodes; j++)
				if (t->nodes[j].relid == fk->fk_relid)
					return false;
			if (fk->pk_relid != n->relid || !fk_key_matches_one(fk) ||
				(get_rel_relkind(fk->fk_relid) != RELKIND_RELATION &&
				 get_rel_relkind(fk->fk_relid) != RELKIND_PARTITIONED_TABLE) ||
				get_rel_relispartition(fk->fk_relid) ||
				!casc_can_read(fk->fk_relid))
				return false;
			child = &t->nodes[t->nnodes];
			memset(child, 0, sizeof(CascNode));
			child->relid = fk->fk_relid;
			child->depth = n->depth + 1;
			child->parent = i;
			child->fk = fk;
			switch (casc_action_of(c, fk, false))
			{
				case FKCONSTR_ACTION_CASCADE:
					child->action = FKC_DELETE;
					break;
				case FKCONSTR_ACTION_SETNULL:
					if (!casc_tree_setnull(c, child))
						return false;
					break;
				case FKCONSTR_ACTION_RESTRICT:
					child->action = FKC_BLOCKED;
					child->why = FKW_RESTRICT;
					break;
				case FKCONSTR_ACTION_NOACTION:
					child->action = FKC_BLOCKED;
					child->why = fk->initdeferred ? FKW_DEFERRED : FKW_NO_ACTION;
					break;
				default:
					return false;
			}
			if (get_rel_relkind(fk->fk_relid) == RELKIND_PARTITIONED_TABLE &&
				!casc_tree_partitioned(child))
				return false;
			for (int k = 0; k < fk->nkeys; k++)
			{
				ListCell   *cc;
				bool		have = false;

				foreach(cc, n->cols)
					if (strcmp(lfirst(cc), fk->pk_colnames[k]) == 0)
						have = true;
				if (!have)
					n->cols = lappend(n->cols, fk->pk_colnames[k]);
			}
			t->nnodes++;
		}
	}

	/*
	 * How each table's rows are read.  A probe per parent row costs an
	 * index descent where a hash join costs a scan of the whole table:
	 * probes, unless the statement's rows are a large part of their table
	 * (and, with keys spread evenly, the children of theirs), where the
	 * planner's choice with the keys known does better.
	 */
	{
		bool		wide = t->nnodes > 1 && casc_tree_wide(c, t);

		for (int i = 1; i < t->nnodes; i++)
			t->nodes[i].form = !wide && fk_key_probe_indexed(t->nodes[i].fk) ?
				CASC_READ_PROBE : CASC_READ_JOIN;
	}
	return true;
}

/*
 * A partitioned referencing table as a tree node: its rows, read through
 * it, are counted per leaf partition (each row is in one), as long as they
 * go no further.  Not when the action writes them (SET NULL may move a row
 * to another partition), a partition is foreign, or any constraint acts on
 * the table or a partition of it (rows reached beyond it).
 */
static bool
casc_tree_partitioned(CascNode *n)
{
	ListCell   *lc;

	if (n->action != FKC_DELETE && n->action != FKC_BLOCKED)
		return false;
	foreach(lc, find_all_inheritors(n->relid, AccessShareLock, NULL))
	{
		Oid			part = lfirst_oid(lc);
		char		relkind = get_rel_relkind(part);

		if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
			return false;
		if (fk_model_acting_on(part, false, FK_LOAD_NAMES) != NIL)
			return false;
	}
	n->partitioned = true;
	return true;
}

/*
 * Does the statement select a large part (a quarter or more) of its
 * table?  The number of keys given, or the planner's estimate of the
 * condition, against pg_class.reltuples.
 */
static bool
casc_tree_wide(Cascade *c, CascTree *t)
{
	double		rows = c->root->est_rows;
	HeapTuple	tup;
	float4		reltuples;

	if (rows < 0)
	{
		StringInfoData sql;
		SPIPlanPtr	plan;
		CachedPlan *cplan;

		initStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT FROM ");
		casc_tree_source(c, t, &sql, 0, CASC_READ_JOIN, NIL);
		plan = SPI_prepare(sql.data, c->root->params->n, c->root->params->types);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		cplan = SPI_plan_get_cached_plan(plan);
		rows = 0;
		if (cplan != NULL)
		{
			rows = linitial_node(PlannedStmt, cplan->stmt_list)->planTree->plan_rows;
			/* an unsaved plan: no resource owner holds it */
			ReleaseCachedPlan(cplan, NULL);
		}
		SPI_freeplan(plan);
		pfree(sql.data);
	}
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(c->root->relid));
	if (!HeapTupleIsValid(tup))
		return false;
	reltuples = ((Form_pg_class) GETSTRUCT(tup))->reltuples;
	ReleaseSysCache(tup);
	/* never counted (-1) or empty: only a big statement is wide */
	if (reltuples <= 0)
		return rows >= 10000;
	return rows >= reltuples / 4;
}

/*
 * ON DELETE SET NULL into a tree node: fine unless a nulled column is part
 * of a key that constraints acting on the node's table reference (their
 * ON UPDATE actions would fire), or the new rows must be looked at one by
 * one (generated columns, CHECK constraints: casc_image).  A NOT NULL
 * column makes the rows block.
 */
static bool
casc_tree_setnull(Cascade *c, CascNode *n)
{
	bool		volatile_default = false;
	FkCascValues *set = casc_action_set(n->fk, FKCONSTR_ACTION_SETNULL, true,
										NULL, &volatile_default);
	ListCell   *lc;

	n->action = FKC_SET_NULL;
	if (casc_image_needed(casc_image(c, n->relid, n->relid, set)))
		return false;
	for (int j = 0; j < set->n; j++)
		if (fk_table_attnotnull(n->relid, get_attnum(n->relid, set->cols[j])))
			n->notnull = true;
	foreach(lc, fk_model_acting_on(n->relid, true, FK_LOAD_NAMES))
	{
		FkModel    *fk = lfirst(lc);

		for (int k = 0; k < fk->nkeys; k++)
			for (int j = 0; j < set->n; j++)
				if (strcmp(set->cols[j], fk->pk_colnames[k]) == 0)
					return false;
	}
	return true;
}

/*
 * What follows FROM for the rows of node i, read under an alias that is
 * returned: the statement's rows by the root's condition, any other
 * node's rows by its constraint's key matching a row of its parent's WITH
 * query, read as form says (CASC_READ_*), with the columns cols at least.
 */
static const char *
casc_tree_source(Cascade *c, CascTree *t, StringInfo sql, int i, char form,
				 List *cols)
{
	CascNode   *n = &t->nodes[i];
	ListCell   *lc;

	if (n->parent < 0)
	{
		fksql_rel(sql, n->relid, c->root->only);
		appendStringInfo(sql, " %s WHERE %s", FKC_ROOT_ALIAS, c->root->cond.data);
		return FKC_ROOT_ALIAS;
	}

	/*
	 * A join, not EXISTS: the parent's rows are distinct rows and the key
	 * matches one referenced row at most, so a row matches at most one of
	 * them.  OFFSET 0 keeps a subquery a subquery: never flattened into a
	 * join the planner may turn into the other form.
	 */
	appendStringInfo(sql, "n%d p ", n->parent);
	switch (form)
	{
		case CASC_READ_PROBE:
			appendStringInfoString(sql, "CROSS JOIN LATERAL (SELECT ");
			foreach(lc, cols)
			{
				if (lc != list_head(cols))
					appendStringInfoString(sql, ", ");
				fksql_col(sql, "c", lfirst(lc));
			}
			appendStringInfoString(sql, " FROM ");
			fksql_rel(sql, n->relid, true);
			appendStringInfoString(sql, " c WHERE ");
			fksql_key_equal(sql, n->fk, "p", "c");
			appendStringInfoString(sql, " OFFSET 0) c");
			break;
		default:
			appendStringInfoString(sql, "JOIN ");
			fksql_rel(sql, n->relid, true);
			appendStringInfoString(sql, " c ON ");
			fksql_key_equal(sql, n->fk, "p", "c");
			break;
	}
	return "c";
}

/*
 * The groups of a partitioned node, one per leaf partition with rows:
 * value is the leaf oids followed by their counts (NULL: no rows).
 */
static void
casc_tree_leaves(Cascade *c, CascTree *t, CascNode *n, int i, Datum value,
				 bool isnull)
{
	Datum	   *elems;
	int			nelems;

	if (isnull)
		return;
	deconstruct_array(DatumGetArrayTypeP(value), INT8OID, 8, FLOAT8PASSBYVAL,
					  TYPALIGN_DOUBLE, &elems, NULL, &nelems);
	for (int k = 0; k < nelems / 2; k++)
	{
		Oid			leaf = (Oid) DatumGetInt64(elems[k]);
		CascGroup  *g;

		/* read through the partitioned table, as the row path does */
		(void) casc_rel(c, leaf, n->relid);
		g = casc_group(c, n->depth, leaf, n->fk->conoid,
					   t->nodes[n->parent].relid, n->action, n->why);
		g->pub.rows = DatumGetInt64(elems[nelems / 2 + k]);
		g->node = i;
		n->count += g->pub.rows;
	}
}

/*
 * The tree path of a DELETE: plan, then one query counting every node.
 * False when the row path must do it (nothing done then).
 */
bool
casc_tree_path(Cascade *c)
{
	CascTree   *t = palloc0(sizeof(CascTree));
	StringInfoData sql;
	HeapTuple	tup;
	TupleDesc	desc;
	bool		keep = true;

	if (!casc_tree_plan(c, t))
	{
		pfree(t);
		return false;
	}

	/* a WITH query for each node whose rows reach further */
	initStringInfo(&sql);
	for (int i = 0; i < t->nnodes; i++)
	{
		CascNode   *n = &t->nodes[i];
		const char *alias;
		ListCell   *lc;
		StringInfoData src;

		if (n->cols == NIL)
			continue;
		initStringInfo(&src);
		alias = casc_tree_source(c, t, &src, i, n->form, n->cols);
		appendStringInfo(&sql, "%sn%d AS MATERIALIZED (SELECT ",
						 sql.len == 0 ? "WITH " : ", ", i);
		foreach(lc, n->cols)
		{
			if (lc != list_head(n->cols))
				appendStringInfoString(&sql, ", ");
			fksql_col(&sql, alias, lfirst(lc));
		}
		appendStringInfo(&sql, " FROM %s)", src.data);
		pfree(src.data);
	}
	appendStringInfoChar(&sql, ' ');
	t->with = pstrdup(sql.data);

	appendStringInfoString(&sql, "SELECT ");
	for (int i = 0; i < t->nnodes; i++)
	{
		if (i > 0)
			appendStringInfoString(&sql, ", ");
		if (t->nodes[i].partitioned)
		{
			/* the leaf partitions' oids, then as many counts */
			appendStringInfoString(&sql, "(SELECT pg_catalog.array_agg(s.r) OPERATOR(pg_catalog.||) pg_catalog.array_agg(s.k) FROM (SELECT c.tableoid::pg_catalog.int8 AS r, pg_catalog.count(*) AS k FROM ");
			casc_tree_source(c, t, &sql, i, t->nodes[i].form, list_make1("tableoid"));
			appendStringInfoString(&sql, " GROUP BY 1) s)");
		}
		else
		{
			appendStringInfoString(&sql, "(SELECT pg_catalog.count(*) FROM ");
			if (t->nodes[i].cols != NIL)
				appendStringInfo(&sql, "n%d", i);
			else
				casc_tree_source(c, t, &sql, i, t->nodes[i].form, NIL);
			appendStringInfoChar(&sql, ')');
		}
		if (i > 0 && t->nodes[i].form != CASC_READ_PROBE)
			keep = false;
	}

	/*
	 * Probes only: the plan is the same whatever the keys, so it is made
	 * once and kept.  Otherwise planned with the keys, for the estimates.
	 */
	if (keep)
		tup = fk_spi_one_row_kept(sql.data, c->root->params, &desc);
	else
		tup = fk_spi_one_row(sql.data, c->root->params, &desc);

	for (int i = 0; i < t->nnodes; i++)
	{
		CascNode   *n = &t->nodes[i];
		bool		isnull;
		CascGroup  *g;

		if (n->partitioned)
		{
			Datum		leaves = SPI_getbinval(tup, desc, i + 1, &isnull);

			casc_tree_leaves(c, t, n, i, leaves, isnull);
			continue;
		}
		n->count = DatumGetInt64(SPI_getbinval(tup, desc, i + 1, &isnull));
		if (n->count == 0)
			continue;
		if (n->parent < 0)
			g = casc_group(c, 0, n->relid, InvalidOid, InvalidOid, FKC_DELETE, FKW_NONE);
		else
			g = casc_group(c, n->depth, n->relid, n->fk->conoid,
						   t->nodes[n->parent].relid, n->action, n->why);
		g->pub.rows = n->count;
		g->node = i;
		if (n->action == FKC_SET_NULL && n->notnull)
		{
			g = casc_group(c, n->depth, n->relid, n->fk->conoid,
						   t->nodes[n->parent].relid, FKC_BLOCKED, FKW_NOT_NULL);
			g->pub.rows = n->count;
			g->node = i;
		}
	}
	SPI_freetuptable(SPI_tuptable);
	{
		int			npart = 0;

		for (int i = 0; i < t->nnodes; i++)
			npart += t->nodes[i].partitioned;
		elog(DEBUG1, "cascade counted as a tree of %d tables (%d partitioned)",
			 t->nnodes, npart);
	}
	c->tree = t;
	return true;
}

/*
 * The rows of a group counted by the tree path: its node's rows, read
 * again through the chain of WITH queries, each row's columns (alias.*)
 * handed to fn in ctid order.
 */
void
casc_tree_group_rows(Cascade *c, CascGroup *g, FkRowFn fn, void *arg)
{
	CascTree   *t = c->tree;
	StringInfoData sql;
	StringInfoData src;
	const char *alias;

	initStringInfo(&src);
	alias = casc_tree_source(c, t, &src, g->node, CASC_READ_JOIN, NIL);
	initStringInfo(&sql);
	appendStringInfo(&sql, "%sSELECT %s.* FROM %s", t->with, alias, src.data);
	/* a partitioned node's group: the rows of one leaf partition */
	if (t->nodes[g->node].partitioned)
	{
		appendStringInfoString(&sql, " WHERE ");
		fksql_col(&sql, alias, "tableoid");
		appendStringInfo(&sql, " OPERATOR(pg_catalog.=) '%u'::pg_catalog.oid", g->pub.relid);
	}
	appendStringInfoString(&sql, " ORDER BY ");
	fksql_col(&sql, alias, "ctid");
	fk_spi_stream(sql.data, c->root->params, fn, arg);
}
