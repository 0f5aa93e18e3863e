/*-------------------------------------------------------------------------
 *
 * fk_cascade_rowpath.c
 *	  The row path of the cascade engine: the server's rounds of
 *	  referential actions, replayed with sets of rows.
 *
 * The server runs referential actions as AFTER ROW triggers that fire in
 * rounds: the statement's own rows first, then, in one round each, the
 * rows that the previous round's actions deleted or updated; a row's
 * triggers fire in trigger name order, and RESTRICT and (not deferred)
 * NO ACTION look for referencing rows when their trigger fires, seeing
 * everything earlier triggers did.  The engine replays those rounds with
 * sets: a batch is the set of rows of one table deleted or updated by one
 * action, carried as a tid[] parameter; for each batch and each foreign
 * key acting on its table, one query finds the referencing rows.  So the
 * number of queries grows with constraints, partitions and rounds, never
 * with rows.  What happened to each row (deleted, updated, which columns)
 * is kept by fk_cascade_store.c, so each row is counted once and a row
 * deleted on one path and set to NULL on another counts as deleted.
 *
 * Within a round, the server interleaves the triggers of different rows;
 * the engine processes a batch's rows together, in the order the batches
 * were made.  Only checks (RESTRICT, NO ACTION) that race with an action
 * of the same round on another row can come out differently.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "access/stratnum.h"
#include "catalog/pg_constraint.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "parser/parse_coerce.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/ruleutils.h"

#include "fk_access.h"
#include "fk_cascade_int.h"
#include "fk_sql.h"
#include "fk_table.h"
#include "fk_value.h"

/*
 * What a query's rows are for: the state shared by the callbacks that
 * receive them.
 */
typedef struct CascRecv
{
	Cascade    *c;
	CascBatch  *b;
	FkModel    *fk;
	char		action;
	FkCascValues *newset;
	bool		volatile_default;
	bool		deferred;
	List	  **newbatches;
	FkCascValues *rootset;		/* casc_root: the statement's new values */
	Oid			target;
	/* for the last table seen: attnums there */
	Oid			relid;
	Bitmapset  *fkcols;			/* fk's referencing columns */
	int32		newchanged;		/* the columns newset changes */
	AttrNumber	attnums[INDEX_MAX_KEYS];	/* of newset's columns */
	bool		notnull[INDEX_MAX_KEYS];
	Bitmapset  *newcols;
	/* rows whose new image is read after the query (casc_pending) */
	List	   *pending;		/* of CascPending */
	MemoryContext pendcxt;		/* where they are kept */
	CascImage  *im;				/* the last image looked up: */
	Oid			im_relid;		/* for rows of this table */
	int32		im_setid;		/* updated with this set */
	/* casc_root: why the new values cannot be stored, for any row or for
	 * the rows of notnull_relid */
	const char *root_error;
	Oid			notnull_relid;
	const char *notnull_error;
} CascRecv;

/* A row whose new image casc_pending works out. */
typedef struct CascPending
{
	Oid			relid;
	ItemPointerData tid;
	int32		before;			/* the set it had before this update, or 0 */
} CascPending;

static CascBatch *casc_batch_for(List **batches, int depth, Oid relid,
								 Oid viarel, bool update, FkCascValues *set,
								 bool check_own, int32 fired);
static bool casc_sets_same(FkCascValues *a, FkCascValues *b);
static bool casc_needs_image(CascRecv *r, Oid relid, Oid target, int32 setid);
static void casc_pend(CascRecv *r, Oid relid, ItemPointer tid, int32 before);
static void casc_pending(CascRecv *r, List **batches, int depth, Oid target,
						 Oid refrel, bool ondelete, bool check_own);
static const char *casc_root_set_error(Oid target, FkCascValues *set);
static const char *casc_root_notnull(CascRecv *r, Oid relid);
static void casc_root_unique(Cascade *c);
static int32 casc_fired(Cascade *c, Oid relid, FkCascValues *set,
						FkCascValues *before, Datum *old, bool *oldnulls);
static void casc_root(Cascade *c);
static void casc_batch(Cascade *c, CascBatch *b);
static void casc_check_own(Cascade *c, CascBatch *b);
static void casc_check_read(FkModel *fk, Oid relid);
static bool casc_row_gone(Cascade *c, CascRow *row, Bitmapset *fkcols);
static void casc_block(Cascade *c, FkModel *fk, Oid relid, ItemPointer tid,
					   int depth, Oid refrel, FkCascWhy why, bool ondelete);
static void casc_block_why(Cascade *c, FkModel *fk, Oid relid, ItemPointer tid,
						   int depth, Oid refrel, FkCascWhy why, bool ondelete,
						   const char *note);
static FkCascValues *casc_merge_sets(FkCascValues *first, FkCascValues *then);
static int	casc_set_find(const FkCascValues *set, const char *col);
static void casc_finish(Cascade *c);

/*
 * The row path: the statement's own rows, then the rounds of actions they
 * cause, then the deferred checks and the count of every row reached.
 */
void
casc_row_path(Cascade *c)
{
	MemoryContext batchcxt = AllocSetContextCreate(c->cxt, "fk_tools cascade batch",
												   ALLOCSET_DEFAULT_SIZES);

	casc_root(c);
	for (int i = 0; i < list_length(c->queue); i++)
	{
		CascBatch  *b = list_nth(c->queue, i);
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();

		/*
		 * What a batch's queries need lives as long as the batch: what lasts
		 * (row states, new batches, new values) goes to c->cxt explicitly,
		 * so that memory stays flat over a hundred thousand rounds.
		 */
		old = MemoryContextSwitchTo(batchcxt);
		casc_batch(c, b);
		MemoryContextSwitchTo(old);
		MemoryContextReset(batchcxt);
		casc_tids_free(c, &b->tids);
		list_nth_cell(c->queue, i)->ptr_value = NULL;
		pfree(b);
	}
	MemoryContextDelete(batchcxt);
	casc_finish(c);
}

/* fk's referencing columns as attnums of relid (a partition may differ). */
static Bitmapset *
casc_fk_cols(FkModel *fk, Oid relid)
{
	Bitmapset  *cols = NULL;

	for (int i = 0; i < fk->nkeys; i++)
		cols = bms_add_member(cols, get_attnum(relid, fk->fk_colnames[i]));
	return cols;
}

static CascBatch *
casc_batch_for(List **batches, int depth, Oid relid, Oid viarel, bool update,
			   FkCascValues *set, bool check_own, int32 fired)
{
	ListCell   *lc;
	CascBatch  *b;

	foreach(lc, *batches)
	{
		b = lfirst(lc);
		if (b->relid == relid && b->fired == fired && casc_sets_same(b->set, set))
			return b;
	}
	b = palloc0(sizeof(CascBatch));
	b->depth = depth;
	b->relid = relid;

	/*
	 * Read through the relation named in the query unless it is a plain
	 * inheritance parent, which would not show its children's rows.
	 */
	b->viarel = (viarel == relid ||
				 get_rel_relkind(viarel) == RELKIND_PARTITIONED_TABLE) ? viarel : relid;
	b->update = update;
	b->set = set;
	b->check_own = check_own;
	b->fired = fired;
	*batches = lappend(*batches, b);
	return b;
}

/* A row of the statement's own: marked at depth 0, queued as a batch. */
static void
casc_root_row(Datum *values, bool *nulls, TupleDesc desc, void *arg)
{
	CascRecv   *r = arg;
	Cascade    *c = r->c;
	Oid			relid = DatumGetObjectId(values[0]);
	ItemPointer tid = (ItemPointer) DatumGetPointer(values[1]);
	MemoryContext old = MemoryContextSwitchTo(c->cxt);
	CascRel    *rel;
	CascRow    *row;
	CascBatch  *b;
	FkCascValues *set = r->rootset;
	bool		found;

	CHECK_FOR_INTERRUPTS();
	casc_maybe_spill(c);
	rel = casc_rel(c, relid, r->target);
	row = casc_promote(c, rel, tid, NULL, &found);
	if (relid != r->relid)
	{
		Bitmapset  *cols = NULL;

		if (set)
			for (int j = 0; j < set->n; j++)
				cols = bms_add_member(cols, get_attnum(relid, set->cols[j]));
		r->newchanged = casc_changed_id(c, cols);
		r->relid = relid;
	}
	row->action = set ? FKC_UPDATE : FKC_DELETE;
	row->depth = 0;
	row->conoid = InvalidOid;
	row->refrel = InvalidOid;
	row->why = FKW_NONE;
	row->changed = r->newchanged;
	row->setid = casc_set_id(c, set);
	if (set)
	{
		const char *error = r->root_error ? r->root_error : casc_root_notnull(r, relid);

		if (error)
		{
			/* the statement fails on this row: nothing follows from it */
			casc_block_why(c, NULL, relid, tid, 0, InvalidOid, FKW_STORE_FAILS,
						   false, error);
			MemoryContextSwitchTo(old);
			return;
		}
		if (casc_needs_image(r, relid, r->target, row->setid))
		{
			casc_pend(r, relid, tid, 0);
			MemoryContextSwitchTo(old);
			return;
		}
	}
	b = casc_batch_for(r->newbatches, 0, relid, r->target, set != NULL, set,
					   true, casc_fired(c, relid, set, NULL, values + 2, nulls + 2));
	casc_tids_add(c, &b->tids, tid);
	MemoryContextSwitchTo(old);
}

/*
 * The rows the statement itself deletes (no SET) or updates: one query on
 * the root's table, the rows marked at depth 0 and queued as the first
 * batches.
 */
static void
casc_root(Cascade *c)
{
	StringInfoData sql;
	List	   *batches = NIL;
	CascRecv	r;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	fksql_row_id(&sql, FKC_ROOT_ALIAS);
	for (int j = 0; c->req->set && j < c->req->set->n; j++)
	{
		appendStringInfoString(&sql, ", ");
		fksql_col(&sql, FKC_ROOT_ALIAS, c->req->set->cols[j]);
	}
	appendStringInfoString(&sql, " FROM ");
	fksql_rel(&sql, c->root->relid, c->root->only);
	appendStringInfo(&sql, " %s WHERE %s", FKC_ROOT_ALIAS, c->root->cond.data);

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.newbatches = &batches;
	r.rootset = c->req->set;
	r.target = c->root->relid;
	r.pendcxt = CurrentMemoryContext;
	if (c->req->set)
	{
		casc_image_refuse_generated(c->root->relid, c->req->set);
		r.root_error = casc_root_set_error(c->root->relid, c->req->set);
	}
	fk_spi_stream(sql.data, c->root->params, casc_root_row, &r);
	r.newset = c->req->set;
	casc_pending(&r, &batches, 0, c->root->relid, InvalidOid, false, true);
	c->queue = list_concat(c->queue, batches);
	if (c->req->set && r.root_error == NULL)
		casc_root_unique(c);
}

/*
 * Attnums of the columns that matter for the rows of relid (a partition's
 * may differ from its parent's), worked out when the table changes.
 */
static void
casc_recv_rel(CascRecv *r, Oid relid)
{
	Bitmapset  *cols = NULL;

	if (relid == r->relid)
		return;
	r->relid = relid;
	r->fkcols = casc_fk_cols(r->fk, relid);
	if (r->newset)
		for (int j = 0; j < r->newset->n; j++)
		{
			r->attnums[j] = get_attnum(relid, r->newset->cols[j]);
			r->notnull[j] = r->newset->nulls[j] && !r->volatile_default &&
				fk_table_attnotnull(relid, r->attnums[j]);
			cols = bms_add_member(cols, r->attnums[j]);
		}
	r->newcols = cols;
	r->newchanged = casc_changed_id(r->c, cols);
}

/* A row that references a row of the batch: what fk's action does to it. */
static void
casc_batch_row(Datum *values, bool *nulls, TupleDesc desc, void *arg)
{
	CascRecv   *r = arg;
	Cascade    *c = r->c;
	CascBatch  *b = r->b;
	FkModel    *fk = r->fk;
	Oid			relid = DatumGetObjectId(values[0]);
	ItemPointer tid = (ItemPointer) DatumGetPointer(values[1]);
	MemoryContext old = MemoryContextSwitchTo(c->cxt);
	CascRel    *rel;
	CascRow    *row;
	CascBatch  *nb;
	bool		found;
	int32		fired;
	int32		before;

	CHECK_FOR_INTERRUPTS();
	casc_maybe_spill(c);
	casc_recv_rel(r, relid);
	rel = casc_rel(c, relid, fk->fk_relid);
	row = casc_find(c, rel, tid);
	if (casc_row_gone(c, row, r->fkcols))
	{
		MemoryContextSwitchTo(old);
		return;
	}

	switch (r->action)
	{
		case FKCONSTR_ACTION_CASCADE:
		case FKCONSTR_ACTION_SETNULL:
		case FKCONSTR_ACTION_SETDEFAULT:
			row = casc_promote(c, rel, tid, row, &found);
			if (!b->update && r->action == FKCONSTR_ACTION_CASCADE)
			{
				/* deleted wins over an earlier update */
				row->action = FKC_DELETE;
				row->depth = b->depth + 1;
				row->conoid = fk->conoid;
				row->refrel = b->relid;
				row->why = FKW_NONE;
				nb = casc_batch_for(r->newbatches, b->depth + 1, relid,
									fk->fk_relid, false, NULL, false, 0);
				casc_tids_add(c, &nb->tids, tid);
				break;
			}
			before = found ? row->setid : 0;
			fired = casc_fired(c, relid, r->newset,
							   found ? casc_set_of(c, row->setid) : NULL,
							   values + 2, nulls + 2);
			if (!found)
			{
				row->action = r->action == FKCONSTR_ACTION_CASCADE ? FKC_UPDATE :
					r->action == FKCONSTR_ACTION_SETNULL ? FKC_SET_NULL : FKC_SET_DEFAULT;
				row->depth = b->depth + 1;
				row->conoid = fk->conoid;
				row->refrel = b->relid;
				row->why = r->volatile_default ? FKW_VOLATILE : FKW_NONE;
				if (r->newset->unknown)
				{
					CascGroup  *g = casc_group(c, row->depth, relid, fk->conoid,
											   b->relid, row->action, FKW_VOLATILE);

					if (g->note == NULL)
						g->note = r->newset->unknown;
				}
				row->changed = r->newchanged;
				row->setid = casc_set_id(c, r->newset);
			}
			else
			{
				if (row->changed != r->newchanged)
					row->changed = casc_changed_id(c, bms_union(casc_changed_cols(c, row->changed),
																r->newcols));
				row->setid = casc_set_id(c, casc_merge_sets(casc_set_of(c, row->setid),
															r->newset));
			}
			if (r->newset->error)
				casc_block_why(c, fk, relid, tid, b->depth + 1, b->relid,
							   FKW_STORE_FAILS, !b->update, r->newset->error);
			for (int j = 0; j < r->newset->n; j++)
				if (r->notnull[j])
					casc_block(c, fk, relid, tid, b->depth + 1, b->relid,
							   FKW_NOT_NULL, !b->update);
			/* a volatile default: what it references is unknown */
			if (r->volatile_default)
				break;
			if (casc_needs_image(r, relid, fk->fk_relid, row->setid))
			{
				casc_pend(r, relid, tid, before);
				break;
			}
			nb = casc_batch_for(r->newbatches, b->depth + 1, relid,
								fk->fk_relid, true, r->newset,
								r->action == FKCONSTR_ACTION_SETDEFAULT, fired);
			casc_tids_add(c, &nb->tids, tid);
			break;
		case FKCONSTR_ACTION_RESTRICT:
		case FKCONSTR_ACTION_NOACTION:
			if (r->deferred)
			{
				CascDeferred d;

				d.fk = fk;
				d.relid = relid;
				d.tid = *tid;
				d.depth = b->depth + 1;
				d.refrel = b->relid;
				d.ondelete = !b->update;
				casc_deferred_add(c, &d);
			}
			else
				casc_block(c, fk, relid, tid, b->depth + 1, b->relid,
						   r->action == FKCONSTR_ACTION_RESTRICT ? FKW_RESTRICT : FKW_NO_ACTION,
						   !b->update);
			break;
	}
	MemoryContextSwitchTo(old);
}

/*
 * The actions that one batch of deleted or updated rows sets off: one
 * query per foreign key acting on the batch's table (per chunk of the
 * batch, when it is larger than the memory allowed for one).
 */
static void
casc_batch(Cascade *c, CascBatch *b)
{
	CascRel    *prel = casc_rel(c, b->relid, b->viarel);
	int			which = b->update ? 1 : 0;
	ListCell   *lc;

	if (casc_tids_count(&b->tids) == 0)
		return;
	if (b->update && b->check_own)
		casc_check_own(c, b);

	if (!prel->acting_loaded[which])
	{
		MemoryContext old = MemoryContextSwitchTo(c->cxt);

		prel->acting[which] = fk_model_acting_on(b->relid, b->update, FK_LOAD_NAMES);
		prel->acting_loaded[which] = true;
		MemoryContextSwitchTo(old);
	}
	foreach(lc, prel->acting[which])
	{
		FkModel    *fk = lfirst(lc);
		char		action = casc_action_of(c, fk, b->update);
		StringInfoData sql;
		FkParams   *params = fk_params_new();
		int			tids_param;
		int			rel_param;
		StringInfoData changed;
		List	   *newbatches = NIL;
		CascRecv	r;
		int64		pos = 0;

		CHECK_FOR_INTERRUPTS();
		tids_param = fk_param_add(params, TIDARRAYOID, (Datum) 0, false);
		rel_param = fk_param_add(params, OIDOID, ObjectIdGetDatum(b->relid), false);

		/*
		 * An update acts only on the rows whose referenced key changes, and
		 * changes as the server sees it: any difference of the stored bytes
		 * (1.0 becoming 1.00, 'a' becoming 'A' under a case-insensitive
		 * collation) fires the ON UPDATE action, setting a key to the value it
		 * has fires nothing.  The batch holds rows whose bytes change in the
		 * same columns (CascBatch.fired).  NO ACTION then passes when the row
		 * still has a key equal to the old one (the old key is still
		 * provided).
		 */
		initStringInfo(&changed);
		if (b->update)
		{
			Bitmapset  *fired = casc_changed_cols(c, b->fired);
			bool		fires = false;

			for (int i = 0; i < fk->nkeys; i++)
				fires |= bms_is_member(get_attnum(b->relid, fk->pk_colnames[i]), fired);
			if (!fires)
				continue;
			if (action == FKCONSTR_ACTION_NOACTION)
			{
				for (int i = 0; i < fk->nkeys; i++)
				{
					int			j = casc_set_find(b->set, fk->pk_colnames[i]);
					int			n;

					if (j < 0)
						continue;
					n = fk_param_add(params, b->set->types[j], b->set->values[j],
									 b->set->nulls[j]);
					appendStringInfoString(&changed, changed.len > 0 ? " AND " :
										   " AND NOT COALESCE(");
					fksql_col_equal_param(&changed, "p", fk->pk_colnames[i],
										  fk->pk_types[i], fk->pp_eq_oprs[i],
										  InvalidOid, n, b->set->types[j], false);
				}
				appendStringInfoString(&changed, ", false)");
			}
		}

		casc_check_read(fk, fk->fk_relid);

		memset(&r, 0, sizeof(r));
		if (action == FKCONSTR_ACTION_SETNULL || action == FKCONSTR_ACTION_SETDEFAULT ||
			(action == FKCONSTR_ACTION_CASCADE && b->update))
		{
			MemoryContext old = MemoryContextSwitchTo(c->cxt);

			r.newset = casc_action_set(fk, action, !b->update, b->set,
									   &r.volatile_default);
			MemoryContextSwitchTo(old);
		}

		initStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT ");
		fksql_row_id(&sql, "c");
		/* the values the action overwrites, to see which bytes change */
		for (int j = 0; r.newset && j < r.newset->n; j++)
		{
			appendStringInfoString(&sql, ", ");
			fksql_col(&sql, "c", r.newset->cols[j]);
		}
		if (fk_key_matches_one(fk) && fk_key_probe_indexed(fk))
		{
			/*
			 * An index probe per row of the batch, whatever the estimates:
			 * the plan is generic, made before the number of rows is known,
			 * and a guess of many would hash a full scan of a large table for
			 * a few rows.  (A key that matches one referenced row at most: a
			 * referencing row comes once.)
			 */
			appendStringInfoString(&sql, " FROM (SELECT ");
			fksql_key_list(&sql, fk, true, "p");
			appendStringInfoString(&sql, " FROM ");
			fksql_rel(&sql, b->viarel, true);
			appendStringInfoString(&sql, " p WHERE ");
			fksql_row_in(&sql, "p", tids_param, b->viarel != b->relid ? rel_param : 0);
			appendStringInfoString(&sql, changed.data);
			appendStringInfoString(&sql, ") p CROSS JOIN LATERAL (SELECT ");
			fksql_row_id(&sql, "c");
			for (int j = 0; r.newset && j < r.newset->n; j++)
			{
				appendStringInfoString(&sql, ", ");
				fksql_col(&sql, "c", r.newset->cols[j]);
			}
			appendStringInfoString(&sql, " FROM ");
			fksql_rel(&sql, fk->fk_relid, true);
			appendStringInfoString(&sql, " c WHERE ");
			fksql_key_equal(&sql, fk, "p", "c");
			/* OFFSET 0: kept a subquery, so never turned into a hash join */
			appendStringInfoString(&sql, " OFFSET 0) c");
		}
		else
		{
			appendStringInfoString(&sql, " FROM ");
			fksql_rel(&sql, fk->fk_relid, true);
			appendStringInfoString(&sql, " c WHERE EXISTS (SELECT FROM ");
			fksql_rel(&sql, b->viarel, true);
			appendStringInfoString(&sql, " p WHERE ");
			fksql_row_in(&sql, "p", tids_param, b->viarel != b->relid ? rel_param : 0);
			appendStringInfoString(&sql, changed.data);
			appendStringInfoString(&sql, " AND ");
			fksql_key_equal(&sql, fk, "p", "c");
			appendStringInfoChar(&sql, ')');
		}
		/* rows in runs are looked up fastest in tid order */
		if (c->nruns > 0)
			appendStringInfoString(&sql, " ORDER BY 1, 2");

		r.c = c;
		r.b = b;
		r.fk = fk;
		r.action = action;
		r.newbatches = &newbatches;
		r.deferred = (action == FKCONSTR_ACTION_NOACTION && fk->initdeferred);

		/*
		 * A row referencing rows of two chunks comes twice: the second time
		 * it is gone already (deleted, or its referencing columns changed),
		 * or blocked already, as with one query.
		 */
		r.pendcxt = CurrentMemoryContext;
		while (casc_tids_chunk(c, &b->tids, &pos, &params->values[tids_param - 1]))
		{
			casc_reset_cursors(c);
			r.relid = InvalidOid;
			fk_spi_stream_kept(sql.data, params, casc_batch_row, &r);
			pfree(DatumGetPointer(params->values[tids_param - 1]));
		}
		casc_pending(&r, &newbatches, b->depth + 1, fk->fk_relid, b->relid,
					 !b->update, action == FKCONSTR_ACTION_SETDEFAULT);
		c->queue = list_concat(c->queue, newbatches);
	}
}

/* Two sets of new values that store the same bytes in the same columns? */
static bool
casc_sets_same(FkCascValues *a, FkCascValues *b)
{
	if (a == b)
		return true;
	if (a == NULL || b == NULL || a->n != b->n || a->error != b->error ||
		a->unknown != b->unknown)
		return false;
	for (int j = 0; j < a->n; j++)
	{
		int16		typlen;
		bool		typbyval;

		if (strcmp(a->cols[j], b->cols[j]) != 0 || a->types[j] != b->types[j] ||
			a->nulls[j] != b->nulls[j])
			return false;
		if (a->nulls[j])
			continue;
		get_typlenbyval(a->types[j], &typlen, &typbyval);
		if (!datum_image_eq(a->values[j], b->values[j], typbyval, typlen))
			return false;
	}
	return true;
}

/*
 * Must the new image of a row of relid updated with set setid (through
 * target) be read (generated columns, CHECK constraints, partition
 * routing on the columns it sets)?  Looked up once per table and set.
 */
static bool
casc_needs_image(CascRecv *r, Oid relid, Oid target, int32 setid)
{
	if (r->im == NULL || r->im_relid != relid || r->im_setid != setid)
	{
		r->im = casc_image(r->c, relid, target, casc_set_of(r->c, setid));
		r->im_relid = relid;
		r->im_setid = setid;
	}
	return casc_image_needed(r->im);
}

static void
casc_pend(CascRecv *r, Oid relid, ItemPointer tid, int32 before)
{
	MemoryContext old = MemoryContextSwitchTo(r->pendcxt);
	CascPending *p = palloc(sizeof(CascPending));

	p->relid = relid;
	p->tid = *tid;
	p->before = before;
	r->pending = lappend(r->pending, p);
	MemoryContextSwitchTo(old);
}

/*
 * The rows whose new image had to be read, after their query (no code of
 * a table's runs while a query's rows stream in): each read by its tid and
 * worked out (casc_image_row), then blocked, or queued like the others
 * with the generated columns it recomputes among its new values.
 */
static void
casc_pending(CascRecv *r, List **batches, int depth, Oid target, Oid refrel,
			 bool ondelete, bool check_own)
{
	Cascade    *c = r->c;
	ListCell   *lc;

	foreach(lc, r->pending)
	{
		CascPending *p = lfirst(lc);
		MemoryContext old = MemoryContextSwitchTo(c->cxt);
		CascRel    *rel = casc_rel(c, p->relid, target);
		bool		found;
		CascRow    *row = casc_promote(c, rel, &p->tid, casc_find(c, rel, &p->tid), &found);
		FkCascValues *rowset = casc_set_of(c, row->setid);
		FkCascValues *batchset = r->newset;
		FkCascValues *gen;
		Datum	   *stored;
		bool	   *storednulls;
		Datum	   *oldvals;
		bool	   *oldnulls;
		Oid			dest;
		char	   *failure;
		CascBatch  *nb;

		CHECK_FOR_INTERRUPTS();
		casc_maybe_spill(c);
		failure = casc_image_row(c, casc_image(c, p->relid, target, rowset),
								 &p->tid, rowset, &gen, &stored, &storednulls,
								 &dest);
		if (failure)
		{
			casc_block_why(c, r->fk, p->relid, &p->tid, depth, refrel,
						   FKW_STORE_FAILS, ondelete, failure);
			MemoryContextSwitchTo(old);
			continue;
		}
		if (gen)
		{
			Bitmapset  *cols = casc_changed_cols(c, row->changed);

			batchset = casc_merge_sets(batchset, gen);
			row->setid = casc_set_id(c, casc_merge_sets(rowset, gen));
			for (int j = 0; j < gen->n; j++)
				cols = bms_add_member(bms_copy(cols), get_attnum(p->relid, gen->cols[j]));
			row->changed = casc_changed_id(c, cols);
		}
		oldvals = palloc(sizeof(Datum) * Max(batchset->n, 1));
		oldnulls = palloc(sizeof(bool) * Max(batchset->n, 1));
		for (int j = 0; j < batchset->n; j++)
		{
			AttrNumber	attno = get_attnum(p->relid, batchset->cols[j]);

			oldvals[j] = stored[attno - 1];
			oldnulls[j] = storednulls[attno - 1];
		}
		nb = casc_batch_for(batches, depth, p->relid, target, true, batchset,
							check_own,
							casc_fired(c, p->relid, batchset, casc_set_of(c, p->before),
									   oldvals, oldnulls));
		casc_tids_add(c, &nb->tids, &p->tid);
		MemoryContextSwitchTo(old);
	}
	r->pending = NIL;
}

/* a row of the statement whose new key another row has */
static void
casc_root_unique_row(Datum *values, bool *nulls, TupleDesc desc, void *arg)
{
	void	  **state = arg;
	Cascade    *c = state[0];
	const char *note = state[1];
	MemoryContext old = MemoryContextSwitchTo(c->cxt);

	casc_block_why(c, NULL, DatumGetObjectId(values[0]),
				   (ItemPointer) DatumGetPointer(values[1]), 0, InvalidOid,
				   FKW_STORE_FAILS, false, note);
	MemoryContextSwitchTo(old);
}

/*
 * The statement's rows whose new key is one another row has, in a unique
 * index on columns it sets: after the update two rows would have it, and
 * the server fails at once (23505).  Another row is one the statement
 * does not update, or one it updates to the same key.  A key with a NULL
 * collides only under NULLS NOT DISTINCT.  Looked at: unique indexes the
 * server checks at once (not deferrable), on plain columns, without a
 * predicate, of a table without inheritance children (or a partitioned
 * one, whose index spans its partitions).  One query per such index.
 */
static void
casc_root_unique(Cascade *c)
{
	Oid			target = c->root->relid;
	FkCascValues *set = c->req->set;
	ListCell   *lc;

	if (get_rel_relkind(target) != RELKIND_PARTITIONED_TABLE && has_subclass(target))
		return;
	foreach(lc, fk_table_unique_keys(target))
	{
		FkUniqueKey *key = lfirst(lc);
		FkParams   *params = fk_params_new();
		StringInfoData sql;
		StringInfoData eq_o;
		StringInfoData eq_m;
		StringInfoData notnull;
		bool		sets_one = false;
		void	   *state[2];

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < key->nkeys; i++)
			if (casc_set_find(set, get_attname(target, key->attnums[i], false)) >= 0)
				sets_one = true;
		if (!sets_one)
			continue;
		for (int p = 0; p < c->root->params->n; p++)
			fk_param_add(params, c->root->params->types[p], c->root->params->values[p],
						 c->root->params->nulls[p] == 'n');

		/* the rows with their new keys: k1 .. kn */
		initStringInfo(&sql);
		initStringInfo(&eq_o);
		initStringInfo(&eq_m);
		initStringInfo(&notnull);
		appendStringInfoString(&sql, "WITH n AS MATERIALIZED (SELECT ");
		appendStringInfo(&sql, "%s.tableoid AS r, %s.ctid AS t", FKC_ROOT_ALIAS, FKC_ROOT_ALIAS);
		for (int i = 0; i < key->nkeys; i++)
		{
			char	   *col = get_attname(target, key->attnums[i], false);
			int			j = casc_set_find(set, col);
			Oid			coltype;
			int32		typmod;
			Oid			collid;
			Oid			opfamily = get_opclass_family(key->opclasses[i]);
			Oid			opcintype = get_opclass_input_type(key->opclasses[i]);
			Oid			eq = get_opfamily_member(opfamily, opcintype, opcintype,
												 BTEqualStrategyNumber);
			char		ki[16];
			StringInfoData l;
			StringInfoData r;
			Oid			ktype;

			get_atttypetypmodcoll(target, key->attnums[i], &coltype, &typmod, &collid);
			snprintf(ki, sizeof(ki), "k%d", i + 1);
			appendStringInfoString(&sql, ", ");
			if (j >= 0)
			{
				/* the value as read: its base type, no domain check here */
				appendStringInfo(&sql, "$%d", fk_param_add(params, set->types[j],
														  set->values[j],
														  set->nulls[j]));
				ktype = set->types[j];
			}
			else
			{
				fksql_col(&sql, FKC_ROOT_ALIAS, col);
				ktype = coltype;
			}
			appendStringInfo(&sql, " AS %s", ki);

			initStringInfo(&l);
			initStringInfo(&r);
			fksql_col(&r, "n", ki);
			for (int side = 0; side < 2; side++)
			{
				StringInfo	eqs = side == 0 ? &eq_o : &eq_m;

				resetStringInfo(&l);
				fksql_col(&l, side == 0 ? "o" : "m", side == 0 ? col : ki);
				appendStringInfoString(eqs, " AND (");
				generate_operator_clause(eqs, l.data, side == 0 ? coltype : ktype, eq,
										 r.data, ktype);
				if (OidIsValid(collid))
					fksql_collate(eqs, collid);
				/* NULLS NOT DISTINCT: two NULLs collide too */
				if (key->nulls_not_distinct)
					appendStringInfo(eqs, " OR (%s IS NULL AND %s IS NULL)", l.data, r.data);
				appendStringInfoChar(eqs, ')');
			}
			if (!key->nulls_not_distinct)
			{
				appendStringInfoString(&notnull, " AND ");
				fksql_col(&notnull, "n", ki);
				appendStringInfoString(&notnull, " IS NOT NULL");
			}
		}
		appendStringInfoString(&sql, " FROM ");
		fksql_rel(&sql, target, c->root->only);
		appendStringInfo(&sql, " %s WHERE %s) ", FKC_ROOT_ALIAS, c->root->cond.data);
		appendStringInfo(&sql, "SELECT n.r, n.t FROM n WHERE true%s AND (EXISTS (SELECT FROM ",
						 notnull.data);
		fksql_rel(&sql, target, false);
		appendStringInfo(&sql, " o WHERE true%s AND NOT EXISTS (SELECT FROM n m WHERE m.r OPERATOR(pg_catalog.=) o.tableoid AND m.t OPERATOR(pg_catalog.=) o.ctid))",
						 eq_o.data);
		appendStringInfo(&sql, " OR EXISTS (SELECT FROM n m WHERE NOT (m.r OPERATOR(pg_catalog.=) n.r AND m.t OPERATOR(pg_catalog.=) n.t)%s))",
						 eq_m.data);
		state[0] = c;
		state[1] = psprintf("duplicate key value violates unique constraint \"%s\" (SQLSTATE 23505)",
							get_rel_name(key->indexoid));
		fk_spi_stream(sql.data, params, casc_root_unique_row, state);
	}
}

/*
 * Why the statement's new values cannot be stored at all: a value a
 * column's domain rejects (its checks run as the table's owner), or NULL.
 */
static const char *
casc_root_set_error(Oid target, FkCascValues *set)
{
	for (int j = 0; j < set->n; j++)
	{
		AttrNumber	attno = get_attnum(target, set->cols[j]);
		Oid			typid;
		int32		typmod;
		Oid			collid;
		Datum		value;
		bool		isnull;
		char	   *error;

		get_atttypetypmodcoll(target, attno, &typid, &typmod, &collid);
		if (get_typtype(typid) != TYPTYPE_DOMAIN)
			continue;
		error = fk_value_coerce(target, set->values[j], set->nulls[j],
								set->types[j], typid, -1, &value, &isnull);
		if (error)
			return error;
	}
	return NULL;
}

/* NULL for a NOT NULL column of relid's (a partition may add some). */
static const char *
casc_root_notnull(CascRecv *r, Oid relid)
{
	FkCascValues *set = r->rootset;

	if (r->notnull_relid == relid)
		return r->notnull_error;
	r->notnull_relid = relid;
	r->notnull_error = NULL;
	for (int j = 0; j < set->n && r->notnull_error == NULL; j++)
		if (set->nulls[j] && fk_table_attnotnull(relid, get_attnum(relid, set->cols[j])))
			r->notnull_error =
				MemoryContextStrdup(r->c->cxt,
									psprintf("null value in column \"%s\" of relation \"%s\" violates not-null constraint (SQLSTATE 23502)",
											 set->cols[j], get_rel_name(relid)));
	return r->notnull_error;
}

/*
 * The values of a row updated twice: then's, and first's for the columns
 * then does not set (the later UPDATE wins).
 */
static FkCascValues *
casc_merge_sets(FkCascValues *first, FkCascValues *then)
{
	FkCascValues *set;

	if (first == NULL || first == then)
		return then;
	set = palloc0(sizeof(FkCascValues));
	set->cols = palloc0(sizeof(char *) * (first->n + then->n));
	set->types = palloc0(sizeof(Oid) * (first->n + then->n));
	set->values = palloc0(sizeof(Datum) * (first->n + then->n));
	set->nulls = palloc0(sizeof(bool) * (first->n + then->n));
	set->error = then->error ? then->error : first->error;
	for (int k = 0; k < 2; k++)
	{
		FkCascValues *from = k == 0 ? then : first;

		for (int j = 0; j < from->n; j++)
		{
			if (k == 1 && casc_set_find(then, from->cols[j]) >= 0)
				continue;
			set->cols[set->n] = from->cols[j];
			set->types[set->n] = from->types[j];
			set->values[set->n] = from->values[j];
			set->nulls[set->n] = from->nulls[j];
			set->n++;
		}
	}
	return set;
}

/*
 * The columns of relid (as attnums, an index in c->changes) whose stored
 * bytes an update with set changes: old holds the row's values of set's
 * columns, or before (the values an earlier update of the statement gave
 * them) where it sets them.  NULL for none of set's columns.
 */
static int32
casc_fired(Cascade *c, Oid relid, FkCascValues *set, FkCascValues *before,
		   Datum *old, bool *oldnulls)
{
	Bitmapset  *cols = NULL;

	if (set == NULL)
		return 0;
	for (int j = 0; j < set->n; j++)
	{
		int			k = casc_set_find(before, set->cols[j]);
		Datum		was = k >= 0 ? before->values[k] : old[j];
		bool		wasnull = k >= 0 ? before->nulls[k] : oldnulls[j];
		bool		same;

		if (wasnull || set->nulls[j])
			same = (wasnull && set->nulls[j]);
		else
		{
			int16		typlen;
			bool		typbyval;

			get_typlenbyval(set->types[j], &typlen, &typbyval);
			same = datum_image_eq(was, set->values[j], typbyval, typlen);
		}
		if (!same)
			cols = bms_add_member(cols, get_attnum(relid, set->cols[j]));
	}
	return casc_changed_id(c, cols);
}

/* What casc_check_own's rows are for. */
typedef struct CascCheckOwn
{
	Cascade    *c;
	CascBatch  *b;
	FkModel    *fk;
	bool		skip_equal;		/* the statement's own UPDATE: an unchanged key is not checked */
	int			newpos[INDEX_MAX_KEYS];	/* key position -> index in b->set, or -1 */
	int			ncol;			/* the row's values of the other key columns: from */
} CascCheckOwn;

/*
 * Does key position i of fk compare equal between the referenced value pk
 * (of the referenced column's base type) and the referencing value fkval
 * (of type fktype), with the constraint's operator?  False when the types
 * do not fit the operator's as they are (then the caller assumes not).
 */
static bool
casc_key_matches(FkModel *fk, int i, Datum pk, Datum fkval, Oid fktype)
{
	Oid			left;
	Oid			right;

	op_input_types(fk->pf_eq_oprs[i], &left, &right);
	if (!IsBinaryCoercible(getBaseType(fk->pk_types[i]), left) ||
		!IsBinaryCoercible(fktype, right))
		return false;
	return DatumGetBool(OidFunctionCall2Coll(get_opcode(fk->pf_eq_oprs[i]),
											 fk->pk_colls[i], pk, fkval));
}

/*
 * Is the referenced row prow, whose stored key matched, still a parent of
 * the new key: not deleted, and, if the statement updates its key, with
 * new values that still match?
 */
static bool
casc_parent_still_matches(CascCheckOwn *r, CascRow *prow, Oid prelid,
						  Datum *newkey, bool *newnulls, Oid *newtypes)
{
	FkModel    *fk = r->fk;
	FkCascValues *pset;

	if (prow == NULL)
		return true;
	if (prow->action == FKC_DELETE)
		return false;
	pset = casc_set_of(r->c, prow->setid);
	for (int i = 0; i < fk->nkeys; i++)
	{
		int			j = casc_set_find(pset, fk->pk_colnames[i]);

		if (j < 0)
			continue;			/* unchanged: it matched */
		if (pset->nulls[j] || newnulls[i] ||
			!casc_key_matches(fk, i, pset->values[j], newkey[i], newtypes[i]))
			return false;
	}
	return true;
}

/*
 * Do the statement's own new values give the referenced table a row with
 * the new key (a self reference updated to point at the row's new key)?
 */
static bool
casc_root_provides(CascCheckOwn *r, Datum *newkey, bool *newnulls, Oid *newtypes)
{
	Cascade    *c = r->c;
	FkModel    *fk = r->fk;
	FkCascValues *rootset = c->req->set;

	if (rootset == NULL || fk->pk_relid != c->root->relid)
		return false;
	for (int i = 0; i < fk->nkeys; i++)
	{
		int			j = casc_set_find(rootset, fk->pk_colnames[i]);

		if (j < 0 || rootset->nulls[j] || newnulls[i] ||
			!casc_key_matches(fk, i, rootset->values[j], newkey[i], newtypes[i]))
			return false;
	}
	return true;
}

/*
 * A row with a new key (columns: its tableoid, ctid, whether the key is
 * unchanged, its xmin, the parent row it matches (NULLs: none), then its
 * values of the key columns the update does not set): blocked unless a
 * referenced row provides the new key after the statement, as the FK
 * check trigger decides.
 */
static void
casc_check_own_row(Datum *values, bool *nulls, TupleDesc desc, void *arg)
{
	CascCheckOwn *r = arg;
	Cascade    *c = r->c;
	CascBatch  *b = r->b;
	FkModel    *fk = r->fk;
	ItemPointer tid = (ItemPointer) DatumGetPointer(values[1]);
	Datum		newkey[INDEX_MAX_KEYS];
	bool		newnulls[INDEX_MAX_KEYS];
	Oid			newtypes[INDEX_MAX_KEYS];
	int			nnull = 0;
	int			k = r->ncol;
	bool		parent_ok;
	MemoryContext old;

	CHECK_FOR_INTERRUPTS();
	for (int i = 0; i < fk->nkeys; i++)
	{
		int			j = r->newpos[i];

		if (j >= 0)
		{
			newkey[i] = b->set->values[j];
			newnulls[i] = b->set->nulls[j];
			newtypes[i] = b->set->types[j];
		}
		else
		{
			newkey[i] = values[k];
			newnulls[i] = nulls[k];
			newtypes[i] = getBaseType(TupleDescAttr(desc, k)->atttypid);
			k++;
		}
		nnull += newnulls[i];
	}
	/* an all-NULL key passes; a partly NULL one passes MATCH SIMPLE only */
	if (nnull == fk->nkeys || (nnull > 0 && fk->match_type != FKCONSTR_MATCH_FULL))
		return;
	old = MemoryContextSwitchTo(c->cxt);
	if (nnull > 0)
	{
		casc_block(c, fk, b->relid, tid, b->depth, fk->pk_relid, FKW_MATCH_FULL,
				   c->ondelete);
		MemoryContextSwitchTo(old);
		return;
	}

	/*
	 * An unchanged key is not checked, unless the row was written by this
	 * transaction (the server cannot tell that its insert was checked).
	 */
	if (r->skip_equal && !nulls[2] && DatumGetBool(values[2]) &&
		!TransactionIdIsCurrentTransactionId(DatumGetTransactionId(values[3])))
	{
		MemoryContextSwitchTo(old);
		return;
	}
	parent_ok = !nulls[4];
	if (parent_ok)
	{
		Oid			prelid = DatumGetObjectId(values[4]);
		ItemPointer ptid = (ItemPointer) DatumGetPointer(values[5]);
		CascRel    *pr = casc_rel(c, prelid, fk->pk_relid);

		parent_ok = casc_parent_still_matches(r, casc_find(c, pr, ptid), prelid,
											  newkey, newnulls, newtypes);
	}
	if (!parent_ok)
		parent_ok = casc_root_provides(r, newkey, newnulls, newtypes);
	if (!parent_ok)
		casc_block(c, fk, b->relid, tid, b->depth, fk->pk_relid,
				   FKW_NO_PARENT, c->ondelete);
	MemoryContextSwitchTo(old);
}

/*
 * Rows updated to new key values must find a parent under each of their
 * table's own foreign keys whose columns changed (the FK check trigger):
 * the statement's own UPDATE, and SET DEFAULT.  One query per such key
 * joins the rows' new key to the referenced table; the referenced row
 * found must still have that key after the statement (not deleted, its
 * key not updated away), or the statement's own new values must provide
 * it.  For the statement's own UPDATE an unchanged key is not checked (the
 * server skips it); after SET DEFAULT it always is, as the server's
 * recheck of the old key does.
 */
static void
casc_check_own(Cascade *c, CascBatch *b)
{
	CascRel    *rel = casc_rel(c, b->relid, b->viarel);
	ListCell   *lc;

	if (!rel->checked_loaded)
	{
		MemoryContext old = MemoryContextSwitchTo(c->cxt);

		rel->checked = fk_model_checked_on(b->relid, NULL, FK_LOAD_NAMES);
		rel->checked_loaded = true;
		MemoryContextSwitchTo(old);
	}
	foreach(lc, rel->checked)
	{
		FkModel    *fk = lfirst(lc);
		int			paramnos[INDEX_MAX_KEYS];
		Oid			paramtypes[INDEX_MAX_KEYS];
		FkParams   *params = fk_params_new();
		int			tids_param;
		bool		touched = false;
		StringInfoData sql;
		StringInfoData same;
		StringInfoData rest;
		CascCheckOwn r;
		int64		pos = 0;

		memset(&r, 0, sizeof(r));
		tids_param = fk_param_add(params, TIDARRAYOID, (Datum) 0, false);
		initStringInfo(&same);
		initStringInfo(&rest);
		for (int i = 0; i < fk->nkeys; i++)
		{
			int			j = casc_set_find(b->set, fk->fk_colnames[i]);

			r.newpos[i] = j;
			paramnos[i] = 0;
			if (j < 0)
			{
				appendStringInfoString(&rest, ", ");
				fksql_col(&rest, "c", fk->fk_colnames[i]);
				continue;
			}
			touched = true;
			paramtypes[i] = b->set->types[j];
			paramnos[i] = fk_param_add(params, b->set->types[j], b->set->values[j],
									   b->set->nulls[j]);
			if (same.len > 0)
				appendStringInfoString(&same, " AND ");
			fksql_col_equal_param(&same, "c", fk->fk_colnames[i], fk->fk_types[i],
								  fk->ff_eq_oprs[i], InvalidOid, paramnos[i],
								  b->set->types[j], false);
		}
		if (!touched)
			continue;
		CHECK_FOR_INTERRUPTS();
		casc_check_read(fk, fk->pk_relid);

		initStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT ");
		fksql_row_id(&sql, "c");
		appendStringInfo(&sql, ", COALESCE(%s, false), ", same.data);
		fksql_col(&sql, "c", "xmin");
		appendStringInfoString(&sql, ", ");
		fksql_row_id(&sql, "p");
		appendStringInfo(&sql, "%s FROM ", rest.data);
		fksql_rel(&sql, b->relid, true);
		appendStringInfoString(&sql, " c LEFT JOIN ");
		fksql_rel(&sql, fk->pk_relid, true);
		appendStringInfoString(&sql, " p ON ");
		fksql_key_equal_params(&sql, fk, "p", "c", paramnos, paramtypes);
		appendStringInfoString(&sql, " WHERE ");
		fksql_row_in(&sql, "c", tids_param, 0);

		r.c = c;
		r.b = b;
		r.fk = fk;
		r.skip_equal = (b->depth == 0);
		r.ncol = 6;
		while (casc_tids_chunk(c, &b->tids, &pos, &params->values[tids_param - 1]))
		{
			fk_spi_stream_kept(sql.data, params, casc_check_own_row, &r);
			pfree(DatumGetPointer(params->values[tids_param - 1]));
		}
	}
}

/*
 * The caller must be able to read the key columns of every table the
 * cascade reaches: a preview that skipped a table would be wrong.
 */
static void
casc_check_read(FkModel *fk, Oid relid)
{
	bool		pk_side = (relid == fk->pk_relid);

	fk_require_privilege(relid, ACL_SELECT, fk->nkeys,
						 pk_side ? fk->pk_attnums : fk->fk_attnums,
						 psprintf("The statement would reach table \"%s\" through foreign key \"%s\"; previewing it needs SELECT on the key columns.",
								  get_rel_name(relid), NameStr(fk->conname)));
}

/*
 * Is the row out of reach of fk's action (fkcols: its referencing columns
 * in the row's table): deleted already, or updated in those columns, so
 * that it no longer matches the old key?
 */
static bool
casc_row_gone(Cascade *c, CascRow *row, Bitmapset *fkcols)
{
	if (row == NULL)
		return false;
	if (row->action == FKC_DELETE)
		return true;
	return row->changed != 0 &&
		bms_overlap(casc_changed_cols(c, row->changed), fkcols);
}

/* A row that makes the statement fail, counted once per constraint and reason. */
static void
casc_block(Cascade *c, FkModel *fk, Oid relid, ItemPointer tid, int depth,
		   Oid refrel, FkCascWhy why, bool ondelete)
{
	casc_block_why(c, fk, relid, tid, depth, refrel, why, ondelete, NULL);
}

/*
 * casc_block with the error that makes it fail (FKW_STORE_FAILS); fk NULL
 * for the statement's own rows
 */
static void
casc_block_why(Cascade *c, FkModel *fk, Oid relid, ItemPointer tid, int depth,
			   Oid refrel, FkCascWhy why, bool ondelete, const char *note)
{
	CascBlockKey key;
	CascGroup  *g;

	memset(&key, 0, sizeof(key));
	key.conoid = fk ? fk->conoid : InvalidOid;
	key.relid = relid;
	key.tid = *tid;
	key.why = why;
	if (!casc_blocked_add(c, &key))
		return;
	g = casc_group(c, depth, relid, key.conoid, refrel, FKC_BLOCKED, why);
	g->pub.ondelete = ondelete;
	if (note && g->note == NULL)
		g->note = MemoryContextStrdup(c->cxt, note);
	g->pub.rows++;
	if (c->keep_rows)
		casc_tids_add(c, &g->tids, tid);
}

/*
 * The new values an action stores in the referencing rows: NULL or the
 * columns' defaults (ON DELETE with PG 15's column list), or for ON
 * UPDATE CASCADE the referenced key's new values.
 */
FkCascValues *
casc_action_set(FkModel *fk, char action, bool ondelete,
				const FkCascValues *parent, bool *volatile_default)
{
	FkCascValues *set = palloc0(sizeof(FkCascValues));
	AttrNumber	attnums[INDEX_MAX_KEYS];
	int			n = 0;

	set->cols = palloc0(sizeof(char *) * INDEX_MAX_KEYS);
	set->types = palloc0(sizeof(Oid) * INDEX_MAX_KEYS);
	set->values = palloc0(sizeof(Datum) * INDEX_MAX_KEYS);
	set->nulls = palloc0(sizeof(bool) * INDEX_MAX_KEYS);

	if (action == FKCONSTR_ACTION_CASCADE)
	{
		/*
		 * The referenced key's new values, stored in the referencing columns
		 * as the server's UPDATE stores them (assignment cast, typmod, domain
		 * checks), evaluated as that table's owner.
		 */
		for (int i = 0; i < fk->nkeys; i++)
		{
			int			j = casc_set_find(parent, fk->pk_colnames[i]);
			char	   *error;

			if (j < 0 || casc_set_find(set, fk->fk_colnames[i]) >= 0)
				continue;
			set->cols[set->n] = fk->fk_colnames[i];
			set->types[set->n] = getBaseType(fk->fk_types[i]);
			error = fk_value_coerce(fk->fk_relid, parent->values[j], parent->nulls[j],
									parent->types[j], fk->fk_types[i],
									fk->fk_typmods[i], &set->values[set->n],
									&set->nulls[set->n]);
			if (error && set->error == NULL)
				set->error = error;
			set->n++;
		}
		return set;
	}

	for (int i = 0; i < fk->nkeys; i++)
	{
		bool		dup = false;

		if (!fk_key_sets_column(fk, i, ondelete))
			continue;
		for (int k = 0; k < n; k++)
			dup |= (attnums[k] == fk->fk_attnums[i]);
		if (!dup)
			attnums[n++] = fk->fk_attnums[i];
	}

	for (int i = 0; i < n; i++)
	{
		Oid			typid;
		int32		typmod;
		Oid			collid;
		bool		is_volatile;

		set->cols[i] = get_attname(fk->fk_relid, attnums[i], false);
		get_atttypetypmodcoll(fk->fk_relid, attnums[i], &typid, &typmod, &collid);
		set->types[i] = getBaseType(typid);
		set->nulls[i] = true;
		if (action == FKCONSTR_ACTION_SETDEFAULT)
		{
			char	   *failure = fk_value_column_default(fk->fk_relid, attnums[i],
														  &set->values[i],
														  &set->nulls[i],
														  &is_volatile);

			if (failure && set->unknown == NULL)
				set->unknown = psprintf("evaluating the default of column %s as the table's owner failed: %s",
										quote_identifier(set->cols[i]), failure);
			if (failure || is_volatile)
				*volatile_default = true;
		}
	}
	set->n = n;
	return set;
}

static int
casc_set_find(const FkCascValues *set, const char *col)
{
	if (set == NULL)
		return -1;
	for (int j = 0; j < set->n; j++)
		if (strcmp(set->cols[j], col) == 0)
			return j;
	return -1;
}

/*
 * After the last round: deferred NO ACTION checks (at commit: rows still
 * referencing then), then every touched row counted once in its group.
 */
static void
casc_finish(Cascade *c)
{
	HASH_SEQ_STATUS rs;
	CascRel    *rel;
	FkModel    *lastfk = NULL;
	Oid			lastrel = InvalidOid;
	Bitmapset  *fkcols = NULL;

	casc_reset_cursors(c);
	for (int64 i = 0; i < casc_deferred_count(c); i++)
	{
		CascDeferred d;
		CascRel    *r;
		CascRow    *row;

		CHECK_FOR_INTERRUPTS();
		casc_maybe_spill(c);
		casc_deferred_get(c, i, &d);
		r = casc_rel(c, d.relid, d.fk->fk_relid);
		row = casc_find(c, r, &d.tid);
		/* the columns once per run of checks of one key and table, not per row */
		if (d.fk != lastfk || d.relid != lastrel)
		{
			bms_free(fkcols);
			fkcols = casc_fk_cols(d.fk, d.relid);
			lastfk = d.fk;
			lastrel = d.relid;
		}
		if (!casc_row_gone(c, row, fkcols))
			casc_block(c, d.fk, d.relid, &d.tid, d.depth, d.refrel,
					   FKW_DEFERRED, d.ondelete);
	}

	hash_seq_init(&rs, c->rels);
	while ((rel = hash_seq_search(&rs)) != NULL)
		casc_visit_rows(c, rel, casc_count_row);
}
