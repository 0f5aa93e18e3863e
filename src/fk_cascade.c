/*-------------------------------------------------------------------------
 *
 * fk_cascade.c
 *	  The cascade engine's entry points: run a statement's preview, ask
 *	  what-if questions, release what the run holds; and its settings.
 *
 * A DELETE whose reachable tables form a tree is counted by the tree path
 * (fk_cascade_tree.c) in one query; everything else, and every UPDATE,
 * by the row path (fk_cascade_rowpath.c), which replays the server's
 * rounds of referential actions with sets of rows.  Both read only: SELECTs
 * through SPI, AccessShareLock, no transaction id, no temporary table
 * (spilled state goes to temporary files, closed before returning).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_constraint.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "fk_cascade_int.h"

/* fk_tools.cascade_fast_path: off makes every preview take the row path */
bool		fk_cascade_fast_path = true;

/* fk_tools.cascade_memory_rows: 0 derives the limits from work_mem */
int			fk_cascade_memory_rows = 0;

/* Bytes a row state is counted as when the limit is given in rows */
#define CASC_ROW_BYTES	64

void
fk_cascade_init(void)
{
	DefineCustomBoolVariable("fk_tools.cascade_fast_path",
							 "Lets cascade previews count tree-shaped cascades in SQL.",
							 "Off makes them follow every row, as for cascades that reach a table twice; for testing.",
							 &fk_cascade_fast_path,
							 true,
							 PGC_USERSET,
							 GUC_NOT_IN_SAMPLE,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("fk_tools.cascade_memory_rows",
							"Rows a cascade preview keeps in memory before spilling to temporary files.",
							"0 derives it from work_mem; a small value makes small cascades spill, for testing.",
							&fk_cascade_memory_rows,
							0, 0, INT_MAX,
							PGC_USERSET,
							GUC_NOT_IN_SAMPLE,
							NULL, NULL, NULL);
}

static Cascade *
casc_create(FkCascRequest *req)
{
	Cascade    *c = palloc0(sizeof(Cascade));
	HASHCTL		ctl;

	c->cxt = CurrentMemoryContext;
	c->req = req;
	c->root = req->root;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(CascRel);
	ctl.hcxt = c->cxt;
	c->rels = hash_create("fk_tools cascade tables", 16, &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(CascGroupKey);
	ctl.entrysize = sizeof(CascGroup);
	c->groups = hash_create("fk_tools cascade groups", 16, &ctl,
							HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(CascBlockKey);
	ctl.entrysize = sizeof(CascBlockKey);
	c->blocked = hash_create("fk_tools cascade blocked rows", 16, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	c->keep_rows = req->keep_rows;
	c->ondelete = (req->set == NULL);
	c->changes = list_make1(NULL);
	c->sets = list_make1(NULL);
	/* the rows reached, and the tids passed to one query, in work_mem */
	c->maxmem = fk_cascade_memory_rows > 0 ?
		(int64) fk_cascade_memory_rows * CASC_ROW_BYTES :
		Max((int64) work_mem * 1024, 64 * 1024);
	/* planning and running a query takes some 16 times its tid[] array */
	c->chunk = fk_cascade_memory_rows > 0 ? fk_cascade_memory_rows :
		Max(work_mem * 1024 / (16 * (int) sizeof(ItemPointerData)), 1024);
	return c;
}

/*
 * Work out what the request's statement would do.  The result stays valid
 * until fk_casc_end, which must be called (it closes temporary files).
 */
FkCascade *
fk_casc_run(FkCascRequest *req)
{
	Cascade    *c = casc_create(req);

	if (!casc_tree_path(c))
		casc_row_path(c);
	return c;
}

/*
 * The action of fk for an update or delete of its referenced rows: its
 * own, or the one a what-if question gives the constraint it was declared
 * as.
 */
char
casc_action_of(Cascade *c, FkModel *fk, bool update)
{
	ListCell   *lc;
	Oid			declared = InvalidOid;

	foreach(lc, c->req->overrides)
	{
		FkCascOverride *o = lfirst(lc);
		char		action = update ? o->upd_action : o->del_action;

		if (action == 0)
			continue;
		if (!OidIsValid(declared))
			declared = fk_model_declared(fk->conoid);
		if (o->conoid == declared)
			return action;
	}
	return update ? fk->upd_action : fk->del_action;
}

/* Release what a run holds: its temporary files (memory goes with its context). */
void
fk_casc_end(FkCascade *c)
{
	casc_close_files(c);
}
