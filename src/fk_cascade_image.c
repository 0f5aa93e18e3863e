/*-------------------------------------------------------------------------
 *
 * fk_cascade_image.c
 *	  The new row an UPDATE, or a referential action, would store, and
 *	  whether the server would store it: stored generated columns
 *	  recomputed, CHECK and NOT NULL constraints, the partition it lands in.
 *
 * The row path knows which columns a statement or an action sets, and to
 * what; usually that is the whole change.  But the server also recomputes
 * the stored generated columns that read those columns (and a generated
 * column may be a key), checks the CHECK constraints on the new row, and
 * moves a row whose partition constraint no longer holds to the partition
 * that takes it, failing when none does, when the row would leave the
 * partition the statement names, or when a partition above it, below the
 * table the statement names, is itself referenced by a foreign key.
 * Where a table has any of these on the columns set, each row is read by
 * its tid and its new image worked out here, the expressions evaluated as
 * the table's owner (fk_value_eval_row), the way the server's actions run
 * a table's own code.  Errors read as the server's, with their SQLSTATE.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/partition.h"
#include "catalog/pg_attribute.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "partitioning/partdesc.h"
#include "rewrite/rewriteHandler.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "fk_cascade_int.h"
#include "fk_table.h"
#include "fk_value.h"

/* What an update of some columns of one table's rows involves. */
struct CascImage
{
	Oid			relid;			/* where the rows are stored */
	Oid			target;			/* the table the UPDATE names */
	Bitmapset  *changed;		/* attnums of relid the update sets */
	bool		needed;			/* anything below to work out per row */
	int			ngen;			/* stored generated columns reading them */
	AttrNumber *gen_attnos;
	Expr	  **gen_exprs;
	int			nchecks;		/* CHECK constraints reading either */
	Expr	  **checks;
	char	  **check_names;
	Expr	   *qual;			/* relid's partition constraint, if it reads
								 * either; else NULL */
};

/* An expression's Vars (varno 1) meet cols (attnums)? */
static bool
reads_any(Node *expr, Bitmapset *cols)
{
	Bitmapset  *vars = NULL;
	int			k = -1;

	pull_varattnos(expr, 1, &vars);
	while ((k = bms_next_member(vars, k)) >= 0)
	{
		AttrNumber	attno = k + FirstLowInvalidHeapAttributeNumber;

		/* a whole-row Var reads every column */
		if (attno == InvalidAttrNumber || bms_is_member(attno, cols))
			return true;
	}
	return false;
}

/* The attnums of relid that set's columns are. */
static Bitmapset *
set_attnums(Oid relid, FkCascValues *set)
{
	Bitmapset  *cols = NULL;

	for (int j = 0; j < set->n; j++)
		cols = bms_add_member(cols, get_attnum(relid, set->cols[j]));
	return cols;
}

/*
 * What an update with set's columns, on rows of relid through target,
 * involves beyond the values set; cached per table and columns.
 */
CascImage *
casc_image(Cascade *c, Oid relid, Oid target, FkCascValues *set)
{
	Bitmapset  *changed = set_attnums(relid, set);
	MemoryContext old;
	CascImage  *im;
	Relation	rel;
	TupleDesc	desc;
	TupleConstr *constr;
	Bitmapset  *all;
	ListCell   *lc;

	foreach(lc, c->images)
	{
		im = lfirst(lc);
		if (im->relid == relid && im->target == target && bms_equal(im->changed, changed))
			return im;
	}

	old = MemoryContextSwitchTo(c->cxt);
	im = palloc0(sizeof(CascImage));
	im->relid = relid;
	im->target = target;
	im->changed = bms_copy(changed);
	rel = table_open(relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	constr = desc->constr;
	all = bms_copy(changed);

	if (constr && constr->has_generated_stored)
	{
		im->gen_attnos = palloc(sizeof(AttrNumber) * desc->natts);
		im->gen_exprs = palloc(sizeof(Expr *) * desc->natts);
		for (int i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);
			Node	   *expr;

			if (att->attisdropped || att->attgenerated != ATTRIBUTE_GENERATED_STORED)
				continue;
			expr = build_column_default(rel, att->attnum);
			if (expr == NULL || !reads_any(expr, changed))
				continue;
			im->gen_attnos[im->ngen] = att->attnum;
			im->gen_exprs[im->ngen] = (Expr *) expr;
			im->ngen++;
			all = bms_add_member(all, att->attnum);
		}
	}
	if (constr && constr->num_check > 0)
	{
		im->checks = palloc(sizeof(Expr *) * constr->num_check);
		im->check_names = palloc(sizeof(char *) * constr->num_check);
		for (int i = 0; i < constr->num_check; i++)
		{
			Node	   *expr = stringToNode(constr->check[i].ccbin);

			if (!reads_any(expr, all))
				continue;
			im->checks[im->nchecks] = (Expr *) expr;
			im->check_names[im->nchecks] = pstrdup(constr->check[i].ccname);
			im->nchecks++;
		}
	}
	if (rel->rd_rel->relispartition)
	{
		Expr	   *qual = (Expr *) get_partition_qual_relid(relid);

		if (qual != NULL && reads_any((Node *) qual, all))
			im->qual = qual;
	}
	table_close(rel, AccessShareLock);
	im->needed = im->ngen > 0 || im->nchecks > 0 || im->qual != NULL;
	c->images = lappend(c->images, im);
	MemoryContextSwitchTo(old);
	return im;
}

bool
casc_image_needed(CascImage *im)
{
	return im->needed;
}

/* "<message> (SQLSTATE xxxxx)": an error as the preview reports it. */
static char *
server_error(const char *message, int sqlstate)
{
	return psprintf("%s (SQLSTATE %s)", message, unpack_sql_state(sqlstate));
}

/*
 * rel's partition constraint over rows of the source table (attnums of
 * source), or NULL when rel has none.
 */
static Expr *
qual_over(Relation rel, Relation source)
{
	List	   *qual = RelationGetPartitionQual(rel);

	if (qual == NIL)
		return NULL;
	if (RelationGetRelid(rel) != RelationGetRelid(source))
		qual = map_partition_varattnos(qual, 1, rel, source);
	return make_ands_explicit(qual);
}

/* Does the boolean expression hold for the row (NULL counts as true)? */
static char *
holds(Oid relid, TupleTableSlot *slot, Expr *expr, bool *result)
{
	Datum		value;
	bool		isnull;
	int			sqlstate;
	char	   *failure;

	failure = fk_value_eval_row(relid, slot, 1, &expr, false, &value, &isnull,
								NULL, &sqlstate);
	if (failure)
		return server_error(failure, sqlstate);
	*result = isnull || DatumGetBool(value);
	return NULL;
}

/*
 * The partition of target's tree that takes the row (in source's format),
 * found from the top as the server routes it; or why none does.
 */
static char *
route(Relation source, Oid target, TupleTableSlot *slot, Oid *dest)
{
	Relation	cur = table_open(target, AccessShareLock);
	char	   *failure = NULL;

	*dest = InvalidOid;
	if (cur->rd_rel->relispartition)
	{
		Expr	   *qual = qual_over(cur, source);
		bool		ok = true;

		if (qual && (failure = holds(RelationGetRelid(source), slot, qual, &ok)) == NULL && !ok)
			failure = server_error(psprintf("new row for relation \"%s\" violates partition constraint",
											RelationGetRelationName(cur)),
								   ERRCODE_CHECK_VIOLATION);
	}
	while (failure == NULL && cur->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
	{
		PartitionDesc pd = RelationGetPartitionDesc(cur, true);
		Relation	next = NULL;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < pd->nparts && next == NULL && failure == NULL; i++)
		{
			Relation	child = table_open(pd->oids[i], AccessShareLock);
			Expr	   *qual = qual_over(child, source);
			bool		ok = true;

			if (qual)
				failure = holds(RelationGetRelid(source), slot, qual, &ok);
			if (failure == NULL && ok)
				next = child;
			else
				table_close(child, AccessShareLock);
		}
		if (failure == NULL && next == NULL)
			failure = server_error(psprintf("no partition of relation \"%s\" found for row",
											RelationGetRelationName(cur)),
								   ERRCODE_CHECK_VIOLATION);
		table_close(cur, AccessShareLock);
		cur = next;
		if (cur == NULL)
			return failure;
	}
	if (failure == NULL)
		*dest = RelationGetRelid(cur);
	table_close(cur, AccessShareLock);
	return failure;
}

/*
 * A row leaving partition relid, moved by an UPDATE of target: refused
 * when a partition above relid, below target, is referenced by a foreign
 * key of its own (the server cannot check those for moved rows).
 */
static char *
move_refused(Oid relid, Oid target)
{
	ListCell   *lc;

	foreach(lc, get_partition_ancestors(relid))
	{
		Oid			ancestor = lfirst_oid(lc);

		if (ancestor == target)
			break;
		if (fk_model_directly_referenced(ancestor))
			return server_error(psprintf("cannot move tuple across partitions when a non-root ancestor of the source partition is directly referenced in a foreign key: a foreign key points to ancestor \"%s\" but not the root ancestor \"%s\"",
										 get_rel_name(ancestor), get_rel_name(target)),
								ERRCODE_FEATURE_NOT_SUPPORTED);
	}
	return NULL;
}

/* The CHECK constraints of a table the row moves into, over source rows. */
static char *
dest_checks(Relation source, Oid dest, TupleTableSlot *slot)
{
	Relation	rel = table_open(dest, AccessShareLock);
	TupleConstr *constr = RelationGetDescr(rel)->constr;
	char	   *failure = NULL;

	for (int i = 0; constr && failure == NULL && i < constr->num_check; i++)
	{
		List	   *expr = list_make1(stringToNode(constr->check[i].ccbin));
		bool		ok = true;

		expr = map_partition_varattnos(expr, 1, rel, source);
		failure = holds(RelationGetRelid(source), slot, linitial(expr), &ok);
		if (failure == NULL && !ok)
			failure = server_error(psprintf("new row for relation \"%s\" violates check constraint \"%s\"",
											RelationGetRelationName(rel),
											constr->check[i].ccname),
								   ERRCODE_CHECK_VIOLATION);
	}
	table_close(rel, AccessShareLock);
	return failure;
}

/*
 * The row of relid at tid, updated with set (every column the statement
 * gives a value, earlier actions included): NULL, or why the server would
 * not store it.  *gen is the generated columns the update recomputes, as
 * a set of values (NULL: none); *stored and *storednulls the row as it is
 * now, by attnum - 1; *dest the partition the row ends up in (relid unless
 * it moves).  A row no longer visible is left as it is.
 */
char *
casc_image_row(Cascade *c, CascImage *im, ItemPointer tid, FkCascValues *set,
			   FkCascValues **gen, Datum **stored, bool **storednulls, Oid *dest)
{
	Relation	rel = table_open(im->relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	TupleTableSlot *now = table_slot_create(rel, NULL);
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsVirtual);
	ItemPointerData ctid = *tid;
	char	   *failure = NULL;

	*gen = NULL;
	*dest = im->relid;
	*stored = palloc0(sizeof(Datum) * desc->natts);
	*storednulls = palloc(sizeof(bool) * desc->natts);
	memset(*storednulls, true, sizeof(bool) * desc->natts);
	if (!table_tuple_fetch_row_version(rel, &ctid, GetActiveSnapshot(), now))
	{
		ExecDropSingleTupleTableSlot(now);
		ExecDropSingleTupleTableSlot(slot);
		table_close(rel, AccessShareLock);
		return NULL;
	}
	slot_getallattrs(now);
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		(*storednulls)[i] = now->tts_isnull[i];
		if (!now->tts_isnull[i])
			(*stored)[i] = datumCopy(now->tts_values[i], att->attbyval, att->attlen);
	}
	ExecClearTuple(slot);
	memcpy(slot->tts_values, *stored, sizeof(Datum) * desc->natts);
	memcpy(slot->tts_isnull, *storednulls, sizeof(bool) * desc->natts);
	for (int j = 0; j < set->n; j++)
	{
		AttrNumber	attno = get_attnum(im->relid, set->cols[j]);

		slot->tts_values[attno - 1] = set->values[j];
		slot->tts_isnull[attno - 1] = set->nulls[j];
	}
	ExecStoreVirtualTuple(slot);

	/* the generated columns, from the new values */
	if (im->ngen > 0)
	{
		Datum	   *values = palloc(sizeof(Datum) * im->ngen);
		bool	   *nulls = palloc(sizeof(bool) * im->ngen);
		MemoryContext oldcxt;
		FkCascValues *g;
		int			sqlstate;

		failure = fk_value_eval_row(im->relid, slot, im->ngen, im->gen_exprs,
									false, values, nulls, NULL, &sqlstate);
		if (failure)
			failure = server_error(failure, sqlstate);
		oldcxt = MemoryContextSwitchTo(c->cxt);
		g = palloc0(sizeof(FkCascValues));
		g->cols = palloc(sizeof(char *) * im->ngen);
		g->types = palloc(sizeof(Oid) * im->ngen);
		g->values = palloc(sizeof(Datum) * im->ngen);
		g->nulls = palloc(sizeof(bool) * im->ngen);
		for (int k = 0; failure == NULL && k < im->ngen; k++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, im->gen_attnos[k] - 1);

			if (nulls[k] && att->attnotnull)
				failure = server_error(psprintf("null value in column \"%s\" of relation \"%s\" violates not-null constraint",
												NameStr(att->attname),
												RelationGetRelationName(rel)),
									   ERRCODE_NOT_NULL_VIOLATION);
			g->cols[g->n] = pstrdup(NameStr(att->attname));
			g->types[g->n] = getBaseType(att->atttypid);
			g->values[g->n] = nulls[k] ? (Datum) 0 :
				datumCopy(values[k], att->attbyval, att->attlen);
			g->nulls[g->n] = nulls[k];
			g->n++;
			slot->tts_values[im->gen_attnos[k] - 1] = values[k];
			slot->tts_isnull[im->gen_attnos[k] - 1] = nulls[k];
		}
		MemoryContextSwitchTo(oldcxt);
		*gen = g;
	}

	/* where the row goes */
	if (failure == NULL && im->qual != NULL)
	{
		bool		stays = true;

		failure = holds(im->relid, slot, im->qual, &stays);
		if (failure == NULL && !stays)
		{
			if (im->target == im->relid)
				failure = server_error(psprintf("new row for relation \"%s\" violates partition constraint",
												RelationGetRelationName(rel)),
									   ERRCODE_CHECK_VIOLATION);
			else
				failure = route(rel, im->target, slot, dest);
			if (failure == NULL)
				failure = move_refused(im->relid, im->target);
			if (failure == NULL)
				failure = dest_checks(rel, *dest, slot);
		}
	}

	/* the CHECK constraints, where it stays */
	if (failure == NULL && *dest == im->relid && im->nchecks > 0)
	{
		Datum	   *values = palloc(sizeof(Datum) * im->nchecks);
		bool	   *nulls = palloc(sizeof(bool) * im->nchecks);
		int			done;
		int			sqlstate;

		failure = fk_value_eval_row(im->relid, slot, im->nchecks, im->checks,
									true, values, nulls, &done, &sqlstate);
		if (failure)
			failure = server_error(failure, sqlstate);
		else if (done > 0 && !nulls[done - 1] && !DatumGetBool(values[done - 1]))
			failure = server_error(psprintf("new row for relation \"%s\" violates check constraint \"%s\"",
											RelationGetRelationName(rel),
											im->check_names[done - 1]),
								   ERRCODE_CHECK_VIOLATION);
	}

	ExecDropSingleTupleTableSlot(slot);
	ExecDropSingleTupleTableSlot(now);
	table_close(rel, AccessShareLock);
	if (failure)
		failure = MemoryContextStrdup(c->cxt, failure);
	return failure;
}

/*
 * Columns of set that an UPDATE cannot name: a generated column, or an
 * identity column GENERATED ALWAYS.  The server refuses the statement
 * before it reads a row (428C9); so does the preview.
 */
void
casc_image_refuse_generated(Oid target, FkCascValues *set)
{
	for (int j = 0; j < set->n; j++)
	{
		AttrNumber	attno = get_attnum(target, set->cols[j]);
		HeapTuple	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(target),
										  Int16GetDatum(attno));
		Form_pg_attribute att;
		char		generated;
		char		identity;

		if (!HeapTupleIsValid(tup))
			continue;
		att = (Form_pg_attribute) GETSTRUCT(tup);
		generated = att->attgenerated;
		identity = att->attidentity;
		ReleaseSysCache(tup);
		if (generated)
			ereport(ERROR,
					(errcode(ERRCODE_GENERATED_ALWAYS),
					 errmsg("column \"%s\" can only be updated to DEFAULT", set->cols[j]),
					 errdetail("Column \"%s\" is a generated column.", set->cols[j]),
					 errhint("Give new values for the columns it is generated from: the preview recomputes it.")));
		if (identity == ATTRIBUTE_IDENTITY_ALWAYS)
			ereport(ERROR,
					(errcode(ERRCODE_GENERATED_ALWAYS),
					 errmsg("column \"%s\" can only be updated to DEFAULT", set->cols[j]),
					 errdetail("Column \"%s\" is an identity column defined as GENERATED ALWAYS.",
							   set->cols[j]),
					 errhint("To change such keys, first ALTER the column to GENERATED BY DEFAULT.")));
	}
}
