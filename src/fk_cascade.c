/*-------------------------------------------------------------------------
 *
 * fk_cascade.c
 *	  fk_cascade_preview, fk_update_preview and fk_cascade_rows: what a
 *	  DELETE (or a key UPDATE) of some rows would do through the foreign
 *	  keys that reference them, worked out read-only.
 *
 * The server runs referential actions as AFTER ROW triggers that fire in
 * rounds: the statement's own rows first, then, in one round each, the
 * rows that the previous round's actions deleted or updated; a row's
 * triggers fire in trigger name order, and RESTRICT and (not deferred)
 * NO ACTION look for referencing rows when their trigger fires, seeing
 * everything earlier triggers did.  The preview replays those rounds with
 * sets: a batch is the set of rows of one table deleted or updated by one
 * action, carried as a tid[] parameter; for each batch and each foreign
 * key acting on its table, one query finds the referencing rows.  So the
 * number of queries grows with constraints, partitions and rounds, never
 * with rows.  What happened to each row (deleted, updated, which columns)
 * is kept in a hash table per table, so each row is counted once and a
 * row deleted on one path and set to NULL on another counts as deleted.
 * Past work_mem the hash tables are written out as sorted runs to
 * temporary files and looked up there (casc_find), and batches larger
 * than a chunk go to temporary files and are passed in several queries;
 * query rows are streamed in, never materialized.
 *
 * Within a round, the server interleaves the triggers of different rows;
 * the preview processes a batch's rows together, in the order the batches
 * were made.  Only checks (RESTRICT, NO ACTION) that race with an action
 * of the same round on another row can come out differently.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/partition.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "rewrite/prs2lock.h"
#include "storage/buffile.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "fk_tools.h"

PG_FUNCTION_INFO_V1(fk_cascade_preview);
PG_FUNCTION_INFO_V1(fk_update_preview);
PG_FUNCTION_INFO_V1(fk_cascade_rows);

/* A cycle of ON UPDATE actions could in theory not settle: stop somewhere. */
#define CASC_MAX_ROUNDS 100000

/* What happened to a row; also the action column of the output. */
#define ACT_DELETE		'D'
#define ACT_UPDATE		'U'
#define ACT_SETNULL		'N'
#define ACT_SETDEFAULT	'F'
#define ACT_BLOCKED		'B'

/* Why rows block the statement */
#define WHY_RESTRICT	'r'
#define WHY_NOACTION	'n'
#define WHY_DEFERRED	'd'
#define WHY_NOTNULL		'z'
#define WHY_NOPARENT	'k'
#define WHY_VOLATILE	'v'		/* not blocking: default not predictable */

typedef struct CascRow
{
	ItemPointerData tid;		/* hash key */
	char		action;			/* ACT_DELETE or one of the updates */
	int			depth;
	Oid			conoid;			/* constraint whose action reached it */
	Oid			refrel;			/* table whose change triggered that action */
	char		why;			/* WHY_VOLATILE or 0 */
	int32		changed;		/* updated columns: index in Cascade.changes */
} CascRow;

/*
 * Rows reached that no longer fit in memory: a run, the contents of a
 * table's hash table written out sorted by tid, fixed-size CascRows.  A
 * row in several runs has its newest state in the newest run.
 */
typedef struct CascRun
{
	BufFile    *file;
	int64		n;
	int64		cursor;			/* where the last lookup ended */
} CascRun;

/* A set of tids that spills to a temporary file past Cascade.chunk. */
typedef struct CascTids
{
	ItemPointerData *mem;
	int			n;
	BufFile    *file;
	int64		nfile;
} CascTids;

typedef struct CascRel
{
	Oid			relid;			/* hash key: the table the rows are stored in */
	Oid			readrel;		/* relation the preview reads them through */
	HTAB	   *rows;
	List	   *runs;			/* CascRuns, newest first */
	List	   *acting;			/* fk_model_acting_on, loaded on first use */
	bool		acting_loaded;
	List	   *checked;		/* fk_model_checked_on, loaded on first use */
	bool		checked_loaded;
	int			rls;			/* -1 unknown, else fk_rls_hides_rows */
} CascRel;

/* New values of an update: columns by name, constant values. */
typedef struct CascSet
{
	int			n;
	char	  **cols;
	Oid		   *types;
	Datum	   *values;
	bool	   *nulls;
} CascSet;

typedef struct CascBatch
{
	int			depth;
	Oid			relid;			/* where the rows are stored */
	Oid			viarel;			/* the relation to read them through */
	bool		update;
	CascSet    *set;			/* update: the new values */
	bool		check_own;		/* update: check the table's own foreign keys */
	CascTids	tids;
} CascBatch;

typedef struct CascGroupKey
{
	int			depth;
	Oid			relid;
	Oid			conoid;
	Oid			refrel;
	char		action;
	char		why;
} CascGroupKey;

typedef struct CascGroup
{
	CascGroupKey key;			/* hash key */
	int64		count;
	const char *relname;
	const char *conname;
	CascTids	tids;
	char	   *detail;
	bool		ondelete;		/* for the wording of the detail */
	int			node;			/* counted by the tree: its CascNode, else -1 */
} CascGroup;

typedef struct CascBlockKey
{
	Oid			conoid;
	Oid			relid;
	ItemPointerData tid;
	char		why;
} CascBlockKey;

typedef struct CascDeferred
{
	FkModel    *fk;
	Oid			relid;
	ItemPointerData tid;
	int			depth;
	Oid			refrel;
	bool		ondelete;
} CascDeferred;

/*
 * The tree path.  When every table the DELETE can reach is reached by one
 * constraint only (no table twice, no cycle), no row can be reached twice
 * and no action depends on what another path did: the rows of each table
 * are then exactly those matching, through the chain of constraints, the
 * target rows, and SQL can count them without handing a single row to C.
 * One query counts the whole tree: a WITH query per table whose rows
 * reach further (the referenced key columns only, materialized, so work_mem
 * bounds it and it spills), a count per table.
 */
#define CASC_TREE_MAX_NODES 64

typedef struct CascNode
{
	Oid			relid;
	int			depth;
	int			parent;			/* the node whose rows reach it; -1: target */
	FkModel    *fk;				/* the constraint from parent */
	char		action;			/* ACT_DELETE, ACT_SETNULL or ACT_BLOCKED */
	char		why;			/* ACT_BLOCKED: why */
	bool		notnull;		/* ACT_SETNULL: a nulled column is NOT NULL */
	List	   *cols;			/* referenced key columns its children compare */
	int64		count;
} CascNode;

typedef struct CascTree
{
	int			nnodes;
	CascNode	nodes[CASC_TREE_MAX_NODES];
	char	   *keycond;		/* the target's rows, as a condition on "t" */
	char	   *with;			/* WITH n0 AS MATERIALIZED (...), ... */
	int			nargs;
	Oid			argtypes[FUNC_MAX_ARGS + 4];
	Datum		values[FUNC_MAX_ARGS + 4];
	char		nulls[FUNC_MAX_ARGS + 4];
} CascTree;

typedef struct Cascade
{
	MemoryContext cxt;			/* where everything lasting is allocated */
	HTAB	   *rels;
	List	   *queue;
	HTAB	   *groups;
	HTAB	   *blocked;
	List	   *deferred;
	bool		want_tids;
	bool		ondelete;		/* the statement is a DELETE */
	CascTree   *tree;			/* counted by the tree path */
	List	   *changes;		/* distinct sets of updated columns */
	int64		nmem;			/* rows in the hash tables */
	int64		maxmem;			/* past this many, write them to runs */
	int			chunk;			/* most tids passed to one query */
	int			nruns;
	CascRow		scratch;		/* a row read from a run */
} Cascade;

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
	CascSet    *newset;
	bool		volatile_default;
	bool		deferred;
	List	  **newbatches;
	CascSet    *rootset;		/* casc_root: the statement's new values */
	Oid			target;
	/* for the last table seen: attnums there */
	Oid			relid;
	Bitmapset  *fkcols;			/* fk's referencing columns */
	int32		newchanged;		/* the columns newset changes */
	AttrNumber	attnums[INDEX_MAX_KEYS];	/* of newset's columns */
	bool		notnull[INDEX_MAX_KEYS];
	Bitmapset  *newcols;
} CascRecv;

/* fk_tools.cascade_fast_path: off makes every preview take the row path */
bool		fk_cascade_fast_path = true;

/* fk_tools.cascade_memory_rows: 0 derives the limit from work_mem */
int			fk_cascade_memory_rows = 0;

/* Bytes a row takes in a dynahash table, counting overhead, roughly */
#define CASC_ROW_MEM	64

static Cascade *casc_create(bool want_tids, bool ondelete);
static CascRel *casc_rel(Cascade *c, Oid relid, Oid readrel);
static void casc_tids_add(Cascade *c, CascTids *t, ItemPointer tid);
static int64 casc_tids_count(CascTids *t);
static bool casc_tids_chunk(Cascade *c, CascTids *t, int64 *pos, Datum *arr);
static void casc_tids_free(CascTids *t);
static int32 casc_changed_id(Cascade *c, Bitmapset *cols);
static Bitmapset *casc_changed_cols(Cascade *c, int32 id);
static void casc_run_read(CascRun *run, int64 i, CascRow *row);
static bool casc_run_find(CascRun *run, ItemPointer tid, CascRow *row);
static CascRow *casc_find(Cascade *c, CascRel *rel, ItemPointer tid);
static CascRow *casc_promote(Cascade *c, CascRel *rel, ItemPointer tid,
							 CascRow *row, bool *found);
static void casc_spill_rel(Cascade *c, CascRel *rel);
static void casc_maybe_spill(Cascade *c);
static void casc_reset_cursors(Cascade *c);
static Bitmapset *casc_fk_cols(FkModel *fk, Oid relid);
static void casc_root_row(Datum *values, bool *nulls, void *arg);
static void casc_recv_rel(CascRecv *r, Oid relid);
static void casc_batch_row(Datum *values, bool *nulls, void *arg);
static void casc_check_own_row(Datum *values, bool *nulls, void *arg);
static void casc_count_row(Cascade *c, CascRel *rel, CascRow *row);
static void casc_count_runs(Cascade *c, CascRel *rel);
static void casc_close_files(Cascade *c);
static CascBatch *casc_batch_for(List **batches, int depth, Oid relid,
								 Oid viarel, bool update, CascSet *set,
								 bool check_own);
static void casc_root(Cascade *c, Oid target, Oid keytype, Datum key,
					  CascSet *set);
static void casc_key_condition(StringInfo sql, Oid target, Oid keytype,
							   Datum key, int *nargs, Oid *argtypes,
							   Datum *values, char *nulls);
static Datum casc_value_for_column(Oid coltype, int32 typmod, Oid valtype,
								   Datum value);
static void casc_key_array_condition(StringInfo sql, Oid target, Jsonb *jb,
									 int *nargs, Oid *argtypes, Datum *values,
									 char *nulls);
static void casc_key_columns_check(CascSet *cols);
static char *casc_set_names(CascSet *set);
static char *casc_jsonb_value_text(JsonbValue *v);
static CascSet *casc_set_from_jsonb(Oid target, Jsonb *jb);
static void casc_run(Cascade *c);
static void casc_replay(Cascade *c, FunctionCallInfo fcinfo, Oid target,
						CascSet *set);
static void casc_batch(Cascade *c, CascBatch *b);
static void casc_check_own(Cascade *c, CascBatch *b);
static void casc_check_read(FkModel *fk, Oid relid);
static bool casc_row_gone(Cascade *c, CascRow *row, Bitmapset *fkcols);
static void casc_block(Cascade *c, FkModel *fk, Oid relid, ItemPointer tid,
					   int depth, Oid refrel, char why, bool ondelete);
static CascSet *casc_action_set(FkModel *fk, char action, bool ondelete,
								const CascSet *parent, bool *volatile_default);
static int	casc_set_find(const CascSet *set, const char *col);
static bool casc_attnotnull(Oid relid, AttrNumber attnum);
static void casc_finish(Cascade *c);
static CascGroup *casc_group(Cascade *c, int depth, Oid relid, Oid conoid,
							 Oid refrel, char action, char why);
static CascGroup **casc_sorted_groups(Cascade *c, int *ngroups);
static const char *casc_action_text(char action);
static char *casc_detail(Cascade *c, CascGroup *g);
static bool casc_user_code(Oid relid, bool ondelete);
static void casc_preview_output(Cascade *c, ReturnSetInfo *rsinfo);
static bool casc_can_read(Oid relid);
static bool casc_tree_plan(CascTree *t, Oid target);
static bool casc_tree_setnull(CascNode *n);
static const char *casc_tree_source(CascTree *t, StringInfo sql, int i);
static bool casc_tree_run(Cascade *c, Oid target, Oid keytype, Datum key);
static void casc_tree_rows(Cascade *c, ReturnSetInfo *rsinfo);

static Cascade *
casc_create(bool want_tids, bool ondelete)
{
	Cascade    *c = palloc0(sizeof(Cascade));
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(CascRel);
	ctl.hcxt = CurrentMemoryContext;
	c->rels = hash_create("fk_tools cascade tables", 16, &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(CascGroupKey);
	ctl.entrysize = sizeof(CascGroup);
	c->groups = hash_create("fk_tools cascade groups", 16, &ctl,
							HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(CascBlockKey);
	ctl.entrysize = sizeof(CascBlockKey) + sizeof(void *);
	c->blocked = hash_create("fk_tools cascade blocked rows", 16, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	c->want_tids = want_tids;
	c->ondelete = ondelete;
	c->cxt = CurrentMemoryContext;
	c->changes = list_make1(NULL);
	/* the rows reached, and the tids passed to one query, in work_mem */
	c->maxmem = fk_cascade_memory_rows > 0 ? fk_cascade_memory_rows :
		Max((int64) work_mem * 1024 / CASC_ROW_MEM, 1024);
	/* planning and running a query takes some 16 times its tid[] array */
	c->chunk = fk_cascade_memory_rows > 0 ? fk_cascade_memory_rows :
		Max(work_mem * 1024 / (16 * (int) sizeof(ItemPointerData)), 1024);
	return c;
}

static CascRel *
casc_rel(Cascade *c, Oid relid, Oid readrel)
{
	bool		found;
	CascRel    *rel = hash_search(c->rels, &relid, HASH_ENTER, &found);

	if (!found)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(ItemPointerData);
		ctl.entrysize = sizeof(CascRow);
		ctl.hcxt = c->cxt;
		rel->rows = hash_create("fk_tools cascade rows", 256, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		rel->runs = NIL;
		/* read through the relation the rows were found in, unless that
		 * is a plain inheritance parent, which would not show them */
		rel->readrel = (OidIsValid(readrel) &&
						get_rel_relkind(readrel) == RELKIND_PARTITIONED_TABLE) ? readrel : relid;
		rel->acting = NIL;
		rel->acting_loaded = false;
		rel->checked = NIL;
		rel->checked_loaded = false;
		rel->rls = -1;
	}
	return rel;
}

/*
 * Tid sets: up to Cascade.chunk tids in memory, the rest written to a
 * temporary file in chunks, read back in the order they were added.
 */
static void
casc_tids_add(Cascade *c, CascTids *t, ItemPointer tid)
{
	if (t->mem == NULL)
		t->mem = MemoryContextAlloc(c->cxt, sizeof(ItemPointerData) * c->chunk);
	if (t->n >= c->chunk)
	{
		MemoryContext old = MemoryContextSwitchTo(c->cxt);

		if (t->file == NULL)
			t->file = BufFileCreateTemp(false);
		MemoryContextSwitchTo(old);
		BufFileSeek(t->file, 0, t->nfile * sizeof(ItemPointerData), SEEK_SET);
		BufFileWrite(t->file, t->mem, sizeof(ItemPointerData) * t->n);
		t->nfile += t->n;
		t->n = 0;
	}
	t->mem[t->n++] = *tid;
}

static int64
casc_tids_count(CascTids *t)
{
	return t->nfile + t->n;
}

/*
 * The next chunk of a tid set from *pos on, as a tid[] datum to pass as a
 * query parameter; false after the last.
 */
static bool
casc_tids_chunk(Cascade *c, CascTids *t, int64 *pos, Datum *arr)
{
	ItemPointerData *tids;
	int			n;
	Datum	   *elems;

	if (*pos < t->nfile)
	{
		n = (int) Min((int64) c->chunk, t->nfile - *pos);
		tids = palloc(sizeof(ItemPointerData) * n);
		if (BufFileSeek(t->file, 0, *pos * sizeof(ItemPointerData), SEEK_SET) != 0 ||
			BufFileRead(t->file, tids, sizeof(ItemPointerData) * n) != sizeof(ItemPointerData) * n)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read temporary file of the cascade preview")));
	}
	else if (*pos == t->nfile && t->n > 0)
	{
		n = t->n;
		tids = t->mem;
	}
	else
		return false;
	*pos += n;
	elems = palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
		elems[i] = PointerGetDatum(&tids[i]);
	*arr = PointerGetDatum(construct_array(elems, n, TIDOID,
										   sizeof(ItemPointerData), false,
										   TYPALIGN_SHORT));
	pfree(elems);
	if (tids != t->mem)
		pfree(tids);
	return true;
}

static void
casc_tids_free(CascTids *t)
{
	if (t->mem)
		pfree(t->mem);
	if (t->file)
		BufFileClose(t->file);
	memset(t, 0, sizeof(CascTids));
}

/* The index in c->changes of a set of updated columns (0: none). */
static int32
casc_changed_id(Cascade *c, Bitmapset *cols)
{
	ListCell   *lc;
	MemoryContext old;

	if (bms_is_empty(cols))
		return 0;
	foreach(lc, c->changes)
		if (bms_equal(lfirst(lc), cols))
			return foreach_current_index(lc);
	old = MemoryContextSwitchTo(c->cxt);
	c->changes = lappend(c->changes, bms_copy(cols));
	MemoryContextSwitchTo(old);
	return list_length(c->changes) - 1;
}

static Bitmapset *
casc_changed_cols(Cascade *c, int32 id)
{
	return (Bitmapset *) list_nth(c->changes, id);
}

/* Record i of a run. */
static void
casc_run_read(CascRun *run, int64 i, CascRow *row)
{
	if (BufFileSeek(run->file, 0, i * sizeof(CascRow), SEEK_SET) != 0 ||
		BufFileRead(run->file, row, sizeof(CascRow)) != sizeof(CascRow))
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read temporary file of the cascade preview")));
}

/*
 * Look a tid up in a sorted run.  The search gallops forward from where
 * the previous one ended, so that the tids of a query sorted by ctid read
 * the run once, in order; an earlier tid starts over from the beginning.
 */
static bool
casc_run_find(CascRun *run, ItemPointer tid, CascRow *row)
{
	int64		lo = run->cursor;
	int64		hi;
	int64		step = 1;

	if (run->n == 0)
		return false;
	if (lo >= run->n)
		lo = run->n - 1;
	casc_run_read(run, lo, row);
	if (ItemPointerCompare(&row->tid, tid) > 0)
	{
		if (lo == 0)
			return false;
		lo = 0;
		casc_run_read(run, 0, row);
	}
	if (ItemPointerCompare(&row->tid, tid) == 0)
	{
		run->cursor = lo;
		return true;
	}
	if (ItemPointerCompare(&row->tid, tid) > 0)
		return false;
	/* now row lo < tid: find hi with row hi >= tid, or the end */
	for (;;)
	{
		hi = lo + step;
		if (hi >= run->n)
		{
			hi = run->n;
			break;
		}
		casc_run_read(run, hi, row);
		if (ItemPointerCompare(&row->tid, tid) >= 0)
			break;
		lo = hi;
		step *= 2;
	}
	/* row lo < tid <= row hi (hi == n: past the end) */
	while (hi - lo > 1)
	{
		int64		mid = lo + (hi - lo) / 2;

		casc_run_read(run, mid, row);
		if (ItemPointerCompare(&row->tid, tid) >= 0)
			hi = mid;
		else
			lo = mid;
	}
	run->cursor = hi;
	if (hi >= run->n)
		return false;
	casc_run_read(run, hi, row);
	return ItemPointerCompare(&row->tid, tid) == 0;
}

/*
 * What happened to a row so far, or NULL: the row in the hash table, or a
 * copy (in c->scratch) of its newest state in a run.  Change a copy only
 * through casc_promote.
 */
static CascRow *
casc_find(Cascade *c, CascRel *rel, ItemPointer tid)
{
	CascRow    *row = hash_search(rel->rows, tid, HASH_FIND, NULL);
	ListCell   *lc;

	if (row != NULL || rel->runs == NIL)
		return row;
	foreach(lc, rel->runs)
		if (casc_run_find(lfirst(lc), tid, &c->scratch))
			return &c->scratch;
	return NULL;
}

/*
 * The row in the hash table, for changing it: row is what casc_find
 * returned; NULL makes a new entry (*found false, the caller fills it).
 */
static CascRow *
casc_promote(Cascade *c, CascRel *rel, ItemPointer tid, CascRow *row,
			 bool *found)
{
	CascRow    *entry;

	if (row != NULL && row != &c->scratch)
	{
		*found = true;
		return row;
	}
	entry = hash_search(rel->rows, tid, HASH_ENTER, NULL);
	c->nmem++;
	*found = (row != NULL);
	if (row != NULL)
		*entry = *row;
	return entry;
}

static int
casc_row_cmp(const void *a, const void *b)
{
	return ItemPointerCompare(&((CascRow *) a)->tid, &((CascRow *) b)->tid);
}

/* Write a table's hash table out as a new run and empty it. */
static void
casc_spill_rel(Cascade *c, CascRel *rel)
{
	long		n = hash_get_num_entries(rel->rows);
	CascRow    *rows;
	CascRow    *row;
	HASH_SEQ_STATUS s;
	CascRun    *run;
	long		i = 0;
	MemoryContext old;
	HASHCTL		ctl;

	if (n == 0)
		return;
	rows = palloc_extended(sizeof(CascRow) * n, MCXT_ALLOC_HUGE);
	hash_seq_init(&s, rel->rows);
	while ((row = hash_seq_search(&s)) != NULL)
		rows[i++] = *row;
	qsort(rows, n, sizeof(CascRow), casc_row_cmp);
	old = MemoryContextSwitchTo(c->cxt);
	run = palloc0(sizeof(CascRun));
	run->file = BufFileCreateTemp(false);
	run->n = n;
	rel->runs = lcons(run, rel->runs);
	MemoryContextSwitchTo(old);
	BufFileWrite(run->file, rows, sizeof(CascRow) * n);
	pfree(rows);
	c->nruns++;
	c->nmem -= n;

	hash_destroy(rel->rows);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(ItemPointerData);
	ctl.entrysize = sizeof(CascRow);
	ctl.hcxt = c->cxt;
	rel->rows = hash_create("fk_tools cascade rows", 256, &ctl,
							HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* Past the memory limit, every table's rows in memory go to runs. */
static void
casc_maybe_spill(Cascade *c)
{
	HASH_SEQ_STATUS s;
	CascRel    *rel;

	if (c->nmem <= c->maxmem)
		return;
	hash_seq_init(&s, c->rels);
	while ((rel = hash_seq_search(&s)) != NULL)
		casc_spill_rel(c, rel);
}

/* Before a query whose tids come sorted: lookups start at the runs' start. */
static void
casc_reset_cursors(Cascade *c)
{
	HASH_SEQ_STATUS s;
	CascRel    *rel;
	ListCell   *lc;

	if (c->nruns == 0)
		return;
	hash_seq_init(&s, c->rels);
	while ((rel = hash_seq_search(&s)) != NULL)
		foreach(lc, rel->runs)
			((CascRun *) lfirst(lc))->cursor = 0;
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
			   CascSet *set, bool check_own)
{
	ListCell   *lc;
	CascBatch  *b;

	foreach(lc, *batches)
	{
		b = lfirst(lc);
		if (b->relid == relid)
			return b;
	}
	b = palloc0(sizeof(CascBatch));
	b->depth = depth;
	b->relid = relid;
	/* read through the relation named in the query unless it is a plain
	 * inheritance parent, which would not show its children's rows */
	b->viarel = (viarel == relid ||
				 get_rel_relkind(viarel) == RELKIND_PARTITIONED_TABLE) ? viarel : relid;
	b->update = update;
	b->set = set;
	b->check_own = check_own;
	*batches = lappend(*batches, b);
	return b;
}

/* A row of the statement's own: marked at depth 0, queued as a batch. */
static void
casc_root_row(Datum *values, bool *nulls, void *arg)
{
	CascRecv   *r = arg;
	Cascade    *c = r->c;
	Oid			relid = DatumGetObjectId(values[0]);
	ItemPointer tid = (ItemPointer) DatumGetPointer(values[1]);
	MemoryContext old = MemoryContextSwitchTo(c->cxt);
	CascRel    *rel;
	CascRow    *row;
	CascBatch  *b;
	CascSet    *set = r->rootset;
	bool		found;

	CHECK_FOR_INTERRUPTS();
	casc_maybe_spill(c);
	rel = casc_rel(c, relid, r->target);
	row = casc_promote(c, rel, tid, NULL, &found);
	b = casc_batch_for(r->newbatches, 0, relid, r->target, set != NULL, set,
					   true);
	if (relid != r->relid)
	{
		Bitmapset  *cols = NULL;

		if (set)
			for (int j = 0; j < set->n; j++)
				cols = bms_add_member(cols, get_attnum(relid, set->cols[j]));
		r->newchanged = casc_changed_id(c, cols);
		r->relid = relid;
	}
	row->action = set ? ACT_UPDATE : ACT_DELETE;
	row->depth = 0;
	row->conoid = InvalidOid;
	row->refrel = InvalidOid;
	row->why = 0;
	row->changed = r->newchanged;
	casc_tids_add(c, &b->tids, tid);
	MemoryContextSwitchTo(old);
}

/*
 * The rows the statement itself deletes (set == NULL) or updates: one query
 * on the target, the rows marked at depth 0 and queued as the first batches.
 */
static void
casc_root(Cascade *c, Oid target, Oid keytype, Datum key, CascSet *set)
{
	StringInfoData sql;
	int			nargs = 0;
	Oid			argtypes[FUNC_MAX_ARGS];
	Datum		values[FUNC_MAX_ARGS];
	char		nulls[FUNC_MAX_ARGS];
	List	   *batches = NIL;
	CascRecv	r;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	fksql_row_id(&sql, "t");
	appendStringInfoString(&sql, " FROM ");
	/* DELETE and UPDATE without ONLY reach inheritance children too */
	fksql_rel(&sql, target, false);
	appendStringInfoString(&sql, " t WHERE ");
	casc_key_condition(&sql, target, keytype, key, &nargs, argtypes, values, nulls);

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.newbatches = &batches;
	r.rootset = set;
	r.target = target;
	fk_spi_stream_args(sql.data, nargs, argtypes, values, nulls,
					   casc_root_row, &r);
	c->queue = list_concat(c->queue, batches);
}

/*
 * The WHERE condition selecting the target's rows from the key argument:
 * a jsonb object names columns, a jsonb array holds such objects (the
 * union of their rows); anything else is a value or an array of values of
 * the single-column primary key.
 */
static void
casc_key_condition(StringInfo sql, Oid target, Oid keytype, Datum key,
				   int *nargs, Oid *argtypes, Datum *values, char *nulls)
{
	if (keytype == JSONBOID)
	{
		Jsonb	   *jb = DatumGetJsonbP(key);
		CascSet    *cols;

		if (JB_ROOT_IS_ARRAY(jb) && !JB_ROOT_IS_SCALAR(jb))
		{
			casc_key_array_condition(sql, target, jb, nargs, argtypes, values,
									 nulls);
			return;
		}
		if (!JB_ROOT_IS_OBJECT(jb))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a jsonb key must be an object or an array of objects"),
					 errhint("Pass {\"column\": value, ...} naming columns of \"%s\", or [{\"column\": value, ...}, ...] for the rows of any of them.",
							 get_rel_name(target))));
		cols = casc_set_from_jsonb(target, jb);
		casc_key_columns_check(cols);
		for (int i = 0; i < cols->n; i++)
		{
			TypeCacheEntry *tce = lookup_type_cache(cols->types[i], TYPECACHE_EQ_OPR);

			if (!OidIsValid(tce->eq_opr))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_FUNCTION),
						 errmsg("could not identify an equality operator for type %s",
								format_type_be(cols->types[i]))));
			if (i > 0)
				appendStringInfoString(sql, " AND ");
			argtypes[*nargs] = cols->types[i];
			values[*nargs] = cols->values[i];
			nulls[*nargs] = cols->nulls[i] ? 'n' : ' ';
			(*nargs)++;
			fksql_col_equal_param(sql, "t", cols->cols[i], cols->types[i],
								  tce->eq_opr, InvalidOid, *nargs,
								  cols->types[i], false);
		}
	}
	else
	{
		Relation	rel = relation_open(target, AccessShareLock);
		Oid			pkindex = RelationGetPrimaryKeyIndex(rel);
		Oid			elemtype = get_element_type(keytype);
		Form_pg_attribute att;
		TypeCacheEntry *tce;
		Datum	   *elems;
		bool	   *elemnulls;
		int			nelems;
		Oid			arraytype;
		int			dims[1];
		int			lbs[1] = {1};
		int16		typlen;
		bool		typbyval;
		char		typalign;
		AttrNumber	attnum;
		HeapTuple	indtup;

		if (!OidIsValid(pkindex))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("table \"%s\" has no primary key", RelationGetRelationName(rel)),
					 errhint("Pass the key as a jsonb object naming the columns, e.g. '{\"id\": 42}'::jsonb.")));
		indtup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pkindex));
		if (!HeapTupleIsValid(indtup))
			elog(ERROR, "cache lookup failed for index %u", pkindex);
		if (((Form_pg_index) GETSTRUCT(indtup))->indnkeyatts != 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("primary key of table \"%s\" has %d columns",
							RelationGetRelationName(rel),
							((Form_pg_index) GETSTRUCT(indtup))->indnkeyatts),
					 errhint("Pass the key as a jsonb object naming the columns, e.g. '{\"a\": 1, \"b\": 2}'::jsonb.")));
		attnum = ((Form_pg_index) GETSTRUCT(indtup))->indkey.values[0];
		ReleaseSysCache(indtup);
		att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);

		if (OidIsValid(elemtype))
		{
			ArrayType  *arr = DatumGetArrayTypeP(key);

			get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
			deconstruct_array(arr, elemtype, typlen, typbyval, typalign,
							  &elems, &elemnulls, &nelems);
		}
		else
		{
			elems = palloc(sizeof(Datum));
			elemnulls = palloc(sizeof(bool));
			elems[0] = key;
			elemnulls[0] = false;
			nelems = 1;
			elemtype = keytype;
		}
		for (int i = 0; i < nelems; i++)
			if (!elemnulls[i])
				elems[i] = casc_value_for_column(att->atttypid, att->atttypmod,
												 elemtype, elems[i]);

		arraytype = get_array_type(att->atttypid);
		tce = lookup_type_cache(att->atttypid, TYPECACHE_EQ_OPR);
		if (!OidIsValid(arraytype) || !OidIsValid(tce->eq_opr))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("primary key type %s cannot be looked up by value",
							format_type_be(att->atttypid)),
					 errhint("Pass the key as a jsonb object naming the columns.")));
		get_typlenbyvalalign(att->atttypid, &typlen, &typbyval, &typalign);
		dims[0] = nelems;
		argtypes[0] = arraytype;
		values[0] = PointerGetDatum(construct_md_array(elems, elemnulls, 1, dims, lbs,
													   att->atttypid, typlen,
													   typbyval, typalign));
		nulls[0] = ' ';
		*nargs = 1;
		fksql_col_equal_param(sql, "t", NameStr(att->attname), att->atttypid,
							  tce->eq_opr, InvalidOid, 1, arraytype, true);
		relation_close(rel, AccessShareLock);
	}
}

/* The limits on the columns a jsonb key object names. */
static void
casc_key_columns_check(CascSet *cols)
{
	if (cols->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a jsonb key must name at least one column")));
	if (cols->n > FUNC_MAX_ARGS)
		ereport(ERROR,
				(errcode(ERRCODE_TOO_MANY_ARGUMENTS),
				 errmsg("a jsonb key can name at most %d columns", FUNC_MAX_ARGS)));
}

/*
 * A jsonb array of key objects: the rows any of them selects, each once.
 * Every object must name the same columns; their values, read as the
 * columns' types just as a single object's are, become one array
 * parameter per column, and the rows are selected by a semi-join against
 * those arrays zipped back into rows, with each column's own equality
 * (and collation), as a single object compares them.  An empty array
 * selects nothing.
 */
static void
casc_key_array_condition(StringInfo sql, Oid target, Jsonb *jb, int *nargs,
						 Oid *argtypes, Datum *values, char *nulls)
{
	int			nelems = JB_ROOT_COUNT(jb);
	CascSet   **sets = palloc0(sizeof(CascSet *) * Max(nelems, 1));
	CascSet    *first;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n = 0;
	Oid		   *eqoprs;
	Oid		   *collids;

	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		Jsonb	   *elem;

		if (tok != WJB_ELEM)
			continue;
		CHECK_FOR_INTERRUPTS();
		elem = (v.type == jbvBinary) ? JsonbValueToJsonb(&v) : NULL;
		if (elem == NULL || !JB_ROOT_IS_OBJECT(elem))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("element %d of a jsonb key array is not an object", n + 1),
					 errhint("Pass [{\"column\": value, ...}, ...] naming columns of \"%s\".",
							 get_rel_name(target))));
		sets[n] = casc_set_from_jsonb(target, elem);
		casc_key_columns_check(sets[n]);
		if (n > 0)
		{
			bool		same = sets[n]->n == sets[0]->n;

			/* jsonb keeps an object's keys sorted, so the order is fixed */
			for (int i = 0; same && i < sets[n]->n; i++)
				same = strcmp(sets[n]->cols[i], sets[0]->cols[i]) == 0;
			if (!same)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the objects of a jsonb key array must name the same columns"),
						 errdetail("Element 1 names %s; element %d names %s.",
								   casc_set_names(sets[0]), n + 1,
								   casc_set_names(sets[n])),
						 errhint("Name the same columns in every object, or make one preview call per set of columns.")));
		}
		n++;
	}
	if (n == 0)
	{
		appendStringInfoString(sql, "false");
		return;
	}

	first = sets[0];
	eqoprs = palloc(sizeof(Oid) * first->n);
	collids = palloc(sizeof(Oid) * first->n);
	for (int i = 0; i < first->n; i++)
	{
		TypeCacheEntry *tce = lookup_type_cache(first->types[i], TYPECACHE_EQ_OPR);
		Oid			arraytype = get_array_type(first->types[i]);
		Datum	   *elems = palloc(sizeof(Datum) * n);
		bool	   *elemnulls = palloc(sizeof(bool) * n);
		int			dims[1];
		int			lbs[1] = {1};
		int16		typlen;
		bool		typbyval;
		char		typalign;
		Oid			typid;
		int32		typmod;

		if (!OidIsValid(tce->eq_opr))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("could not identify an equality operator for type %s",
							format_type_be(first->types[i]))));
		if (!OidIsValid(arraytype))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("column \"%s\" of type %s cannot be looked up by an array of values",
							first->cols[i], format_type_be(first->types[i])),
					 errhint("Pass the key as a single jsonb object.")));
		eqoprs[i] = tce->eq_opr;
		get_atttypetypmodcoll(target, get_attnum(target, first->cols[i]),
							  &typid, &typmod, &collids[i]);
		for (int e = 0; e < n; e++)
		{
			elems[e] = sets[e]->values[i];
			elemnulls[e] = sets[e]->nulls[i];
		}
		get_typlenbyvalalign(first->types[i], &typlen, &typbyval, &typalign);
		dims[0] = n;
		argtypes[*nargs] = arraytype;
		values[*nargs] = PointerGetDatum(construct_md_array(elems, elemnulls, 1,
															dims, lbs,
															first->types[i],
															typlen, typbyval,
															typalign));
		nulls[*nargs] = ' ';
		(*nargs)++;
	}
	fksql_cols_in_params(sql, "t", first->n, first->cols, first->types, eqoprs,
						 collids, *nargs - first->n + 1);
}

/* "a, b": the columns a key object names, for messages. */
static char *
casc_set_names(CascSet *set)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < set->n; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
						 quote_identifier(set->cols[i]));
	return buf.data;
}

/*
 * A key value as the column's type: as is if it has that type, else via
 * its text form and the column type's input function ('42' for an int).
 */
static Datum
casc_value_for_column(Oid coltype, int32 typmod, Oid valtype, Datum value)
{
	Oid			outfunc;
	Oid			infunc;
	Oid			ioparam;
	bool		isvarlena;
	char	   *str;

	if (valtype == coltype)
		return value;
	getTypeOutputInfo(valtype, &outfunc, &isvarlena);
	str = OidOutputFunctionCall(outfunc, value);
	getTypeInputInfo(coltype, &infunc, &ioparam);
	return OidInputFunctionCall(infunc, str, ioparam, typmod);
}

/* A jsonb scalar or container as the text a column's input function reads. */
static char *
casc_jsonb_value_text(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return NULL;
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		case jbvBinary:
			return JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
	return NULL;				/* keep compiler quiet */
}

/*
 * {"col": value, ...} as columns of the table with values of their types.
 * An unknown column is 42703, a value the type does not accept is the
 * input function's error (22P02 and friends).
 */
static CascSet *
casc_set_from_jsonb(Oid target, Jsonb *jb)
{
	CascSet    *set = palloc0(sizeof(CascSet));
	int			max = JB_ROOT_COUNT(jb);
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *colname = NULL;

	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("new values must be a jsonb object"),
				 errhint("Pass {\"column\": value, ...} naming columns of \"%s\".",
						 get_rel_name(target))));
	set->cols = palloc0(sizeof(char *) * Max(max, 1));
	set->types = palloc0(sizeof(Oid) * Max(max, 1));
	set->values = palloc0(sizeof(Datum) * Max(max, 1));
	set->nulls = palloc0(sizeof(bool) * Max(max, 1));

	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			colname = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE)
		{
			AttrNumber	attnum = get_attnum(target, colname);
			Oid			typid;
			int32		typmod;
			Oid			collid;
			char	   *str;

			if (attnum <= 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("column \"%s\" of relation \"%s\" does not exist",
								colname, get_rel_name(target))));
			get_atttypetypmodcoll(target, attnum, &typid, &typmod, &collid);
			str = casc_jsonb_value_text(&v);
			set->cols[set->n] = colname;
			set->types[set->n] = typid;
			set->nulls[set->n] = (str == NULL);
			if (str != NULL)
			{
				Oid			infunc;
				Oid			ioparam;

				getTypeInputInfo(typid, &infunc, &ioparam);
				set->values[set->n] = OidInputFunctionCall(infunc, str, ioparam, typmod);
			}
			set->n++;
		}
	}
	return set;
}

static void
casc_run(Cascade *c)
{
	for (int i = 0; i < list_length(c->queue); i++)
	{
		CascBatch  *b = list_nth(c->queue, i);

		CHECK_FOR_INTERRUPTS();
		if (b->depth > CASC_MAX_ROUNDS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("cascade does not settle after %d rounds", CASC_MAX_ROUNDS)));
		casc_batch(c, b);
		casc_tids_free(&b->tids);
	}
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
				casc_attnotnull(relid, r->attnums[j]);
			cols = bms_add_member(cols, r->attnums[j]);
		}
	r->newcols = cols;
	r->newchanged = casc_changed_id(r->c, cols);
}

/* A row that references a row of the batch: what fk's action does to it. */
static void
casc_batch_row(Datum *values, bool *nulls, void *arg)
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
				row->action = ACT_DELETE;
				row->depth = b->depth + 1;
				row->conoid = fk->conoid;
				row->refrel = b->relid;
				row->why = 0;
				nb = casc_batch_for(r->newbatches, b->depth + 1, relid,
									fk->fk_relid, false, NULL, false);
				casc_tids_add(c, &nb->tids, tid);
				break;
			}
			if (!found)
			{
				row->action = r->action == FKCONSTR_ACTION_CASCADE ? ACT_UPDATE :
					r->action == FKCONSTR_ACTION_SETNULL ? ACT_SETNULL : ACT_SETDEFAULT;
				row->depth = b->depth + 1;
				row->conoid = fk->conoid;
				row->refrel = b->relid;
				row->why = r->volatile_default ? WHY_VOLATILE : 0;
				row->changed = r->newchanged;
			}
			else if (row->changed != r->newchanged)
				row->changed = casc_changed_id(c, bms_union(casc_changed_cols(c, row->changed),
															r->newcols));
			for (int j = 0; j < r->newset->n; j++)
				if (r->notnull[j])
					casc_block(c, fk, relid, tid, b->depth + 1, b->relid,
							   WHY_NOTNULL, !b->update);
			/* a volatile default: what it references is unknown */
			if (!r->volatile_default)
			{
				nb = casc_batch_for(r->newbatches, b->depth + 1, relid,
									fk->fk_relid, true, r->newset,
									r->action == FKCONSTR_ACTION_SETDEFAULT);
				casc_tids_add(c, &nb->tids, tid);
			}
			break;
		case FKCONSTR_ACTION_RESTRICT:
		case FKCONSTR_ACTION_NOACTION:
			if (r->deferred)
			{
				CascDeferred *d = palloc(sizeof(CascDeferred));

				d->fk = fk;
				d->relid = relid;
				d->tid = *tid;
				d->depth = b->depth + 1;
				d->refrel = b->relid;
				d->ondelete = !b->update;
				c->deferred = lappend(c->deferred, d);
			}
			else
				casc_block(c, fk, relid, tid, b->depth + 1, b->relid,
						   r->action == FKCONSTR_ACTION_RESTRICT ? WHY_RESTRICT : WHY_NOACTION,
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
	ListCell   *lc;

	if (casc_tids_count(&b->tids) == 0)
		return;
	if (b->update && b->check_own)
		casc_check_own(c, b);

	if (!prel->acting_loaded)
	{
		MemoryContext old = MemoryContextSwitchTo(c->cxt);

		prel->acting = fk_model_acting_on(b->relid, FK_LOAD_NAMES);
		prel->acting_loaded = true;
		MemoryContextSwitchTo(old);
	}
	foreach(lc, prel->acting)
	{
		FkModel    *fk = lfirst(lc);
		char		action = b->update ? fk->upd_action : fk->del_action;
		StringInfoData sql;
		Oid			argtypes[2 + INDEX_MAX_KEYS];
		Datum		values[2 + INDEX_MAX_KEYS];
		char		nulls[2 + INDEX_MAX_KEYS];
		int			nargs = 1;
		bool		any_changed = false;
		bool		always_changed = false;
		StringInfoData changed;
		List	   *newbatches = NIL;
		CascRecv	r;
		int64		pos = 0;

		CHECK_FOR_INTERRUPTS();

		/* an update acts only where the referenced key changes */
		initStringInfo(&changed);
		if (b->update)
		{
			for (int i = 0; i < fk->nkeys; i++)
			{
				int			j = casc_set_find(b->set, fk->pk_colnames[i]);

				if (j < 0)
					continue;
				any_changed = true;
				if (b->set->nulls[j])
				{
					always_changed = true;
					continue;
				}
				argtypes[nargs + 1] = b->set->types[j];
				values[nargs + 1] = b->set->values[j];
				nulls[nargs + 1] = ' ';
				appendStringInfoString(&changed, changed.len > 0 ? " OR NOT " : "NOT ");
				fksql_col_equal_param(&changed, "p", fk->pk_colnames[i],
									  fk->pk_types[i], fk->pp_eq_oprs[i],
									  InvalidOid, nargs + 2, b->set->types[j],
									  false);
				nargs++;
			}
			if (!any_changed)
				continue;
		}

		casc_check_read(fk, fk->fk_relid);

		initStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT ");
		fksql_row_id(&sql, "c");
		appendStringInfoString(&sql, " FROM ");
		fksql_rel(&sql, fk->fk_relid, true);
		appendStringInfoString(&sql, " c WHERE EXISTS (SELECT FROM ");
		fksql_rel(&sql, b->viarel, true);
		appendStringInfoString(&sql, " p WHERE ");
		fksql_row_in(&sql, "p", 1, b->viarel != b->relid ? 2 : 0);
		if (b->update && !always_changed)
			appendStringInfo(&sql, " AND (%s)", changed.data);
		appendStringInfoString(&sql, " AND ");
		fksql_key_equal(&sql, fk, "p", "c");
		appendStringInfoChar(&sql, ')');
		/* rows in runs are looked up fastest in tid order */
		if (c->nruns > 0)
			appendStringInfoString(&sql, " ORDER BY 1, 2");

		argtypes[0] = TIDARRAYOID;
		nulls[0] = ' ';
		argtypes[1] = OIDOID;
		values[1] = ObjectIdGetDatum(b->relid);
		nulls[1] = ' ';
		nargs++;

		memset(&r, 0, sizeof(r));
		r.c = c;
		r.b = b;
		r.fk = fk;
		r.action = action;
		r.newbatches = &newbatches;
		if (action == FKCONSTR_ACTION_SETNULL || action == FKCONSTR_ACTION_SETDEFAULT ||
			(action == FKCONSTR_ACTION_CASCADE && b->update))
		{
			MemoryContext old = MemoryContextSwitchTo(c->cxt);

			r.newset = casc_action_set(fk, action, !b->update, b->set,
									   &r.volatile_default);
			MemoryContextSwitchTo(old);
		}
		r.deferred = (action == FKCONSTR_ACTION_NOACTION && fk->initdeferred);

		/*
		 * A row referencing rows of two chunks comes twice: the second time
		 * it is gone already (deleted, or its referencing columns changed),
		 * or blocked already, as with one query.
		 */
		while (casc_tids_chunk(c, &b->tids, &pos, &values[0]))
		{
			casc_reset_cursors(c);
			r.relid = InvalidOid;
			fk_spi_stream_args(sql.data, nargs, argtypes, values, nulls,
							   casc_batch_row, &r);
			pfree(DatumGetPointer(values[0]));
		}
		c->queue = list_concat(c->queue, newbatches);
	}
}

/* A row with a new key, and the parent row it matches (NULLs: none). */
static void
casc_check_own_row(Datum *values, bool *nulls, void *arg)
{
	CascRecv   *r = arg;
	Cascade    *c = r->c;
	CascBatch  *b = r->b;
	ItemPointer tid = (ItemPointer) DatumGetPointer(values[1]);
	bool		parent_ok = !nulls[2];
	MemoryContext old = MemoryContextSwitchTo(c->cxt);

	CHECK_FOR_INTERRUPTS();
	if (parent_ok)
	{
		Oid			prelid = DatumGetObjectId(values[2]);
		ItemPointer ptid = (ItemPointer) DatumGetPointer(values[3]);
		CascRel    *pr = casc_rel(c, prelid, r->fk->pk_relid);
		CascRow    *prow = casc_find(c, pr, ptid);

		if (prow != NULL && prow->action == ACT_DELETE)
			parent_ok = false;
	}
	if (!parent_ok)
		casc_block(c, r->fk, b->relid, tid, b->depth, r->fk->pk_relid,
				   WHY_NOPARENT, c->ondelete);
	MemoryContextSwitchTo(old);
}

/*
 * Rows updated to new key values must find a parent under each of their
 * table's own foreign keys whose columns changed (the FK check trigger):
 * the statement's own UPDATE, and SET DEFAULT.  One query per such key
 * joins the rows' new key to the referenced table; a parent that this
 * statement deletes does not count.
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
		Oid			argtypes[1 + INDEX_MAX_KEYS];
		Datum		values[1 + INDEX_MAX_KEYS];
		char		nulls[1 + INDEX_MAX_KEYS];
		int			nargs = 1;
		bool		touched = false;
		bool		null_key = false;
		StringInfoData sql;
		CascRecv	r;
		int64		pos = 0;

		for (int i = 0; i < fk->nkeys; i++)
		{
			int			j = casc_set_find(b->set, fk->fk_colnames[i]);

			paramnos[i] = 0;
			if (j < 0)
				continue;
			touched = true;
			if (b->set->nulls[j])
				null_key = true;
			argtypes[nargs] = b->set->types[j];
			values[nargs] = b->set->values[j];
			nulls[nargs] = b->set->nulls[j] ? 'n' : ' ';
			paramtypes[i] = b->set->types[j];
			paramnos[i] = ++nargs;
		}
		/* a NULL new key references nothing: nothing to check */
		if (!touched || null_key)
			continue;
		CHECK_FOR_INTERRUPTS();
		casc_check_read(fk, fk->pk_relid);

		initStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT ");
		fksql_row_id(&sql, "c");
		appendStringInfoString(&sql, ", ");
		fksql_row_id(&sql, "p");
		appendStringInfoString(&sql, " FROM ");
		fksql_rel(&sql, b->relid, true);
		appendStringInfoString(&sql, " c LEFT JOIN ");
		fksql_rel(&sql, fk->pk_relid, true);
		appendStringInfoString(&sql, " p ON ");
		fksql_key_equal_params(&sql, fk, "p", "c", paramnos, paramtypes);
		appendStringInfoString(&sql, " WHERE ");
		fksql_row_in(&sql, "c", 1, 0);
		/* the unchanged key columns: NULL there also means no check */
		for (int i = 0; i < fk->nkeys; i++)
		{
			if (paramnos[i] > 0)
				continue;
			appendStringInfoString(&sql, " AND ");
			fksql_col(&sql, "c", fk->fk_colnames[i]);
			appendStringInfoString(&sql, " IS NOT NULL");
		}
		argtypes[0] = TIDARRAYOID;
		nulls[0] = ' ';

		memset(&r, 0, sizeof(r));
		r.c = c;
		r.b = b;
		r.fk = fk;
		while (casc_tids_chunk(c, &b->tids, &pos, &values[0]))
		{
			fk_spi_stream_args(sql.data, nargs, argtypes, values, nulls,
							   casc_check_own_row, &r);
			pfree(DatumGetPointer(values[0]));
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
	Oid			denied;

	if (!fk_can_read_key(fk, relid == fk->pk_relid, &denied))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s", get_rel_name(denied)),
				 errdetail("The statement would reach table \"%s\" through foreign key \"%s\"; previewing it needs SELECT on the key columns.",
						   get_rel_name(denied), NameStr(fk->conname))));
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
	if (row->action == ACT_DELETE)
		return true;
	return row->changed != 0 &&
		bms_overlap(casc_changed_cols(c, row->changed), fkcols);
}

static void
casc_block(Cascade *c, FkModel *fk, Oid relid, ItemPointer tid, int depth,
		   Oid refrel, char why, bool ondelete)
{
	CascBlockKey key;
	bool		found;
	void	  **entry;
	CascGroup  *g;

	memset(&key, 0, sizeof(key));
	key.conoid = fk->conoid;
	key.relid = relid;
	key.tid = *tid;
	key.why = why;
	entry = (void **) ((char *) hash_search(c->blocked, &key, HASH_ENTER, &found) +
					   sizeof(CascBlockKey));
	if (found)
		return;
	g = casc_group(c, depth, relid, fk->conoid, refrel, ACT_BLOCKED, why);
	g->ondelete = ondelete;
	g->count++;
	if (c->want_tids)
		casc_tids_add(c, &g->tids, tid);
	*entry = g;
}

/*
 * The new values an action stores in the referencing rows: NULL or the
 * columns' defaults (ON DELETE with PG 15's column list), or for ON
 * UPDATE CASCADE the referenced key's new values.
 */
static CascSet *
casc_action_set(FkModel *fk, char action, bool ondelete, const CascSet *parent,
				bool *volatile_default)
{
	CascSet    *set = palloc0(sizeof(CascSet));
	AttrNumber	attnums[INDEX_MAX_KEYS];
	int			n = 0;

	set->cols = palloc0(sizeof(char *) * INDEX_MAX_KEYS);
	set->types = palloc0(sizeof(Oid) * INDEX_MAX_KEYS);
	set->values = palloc0(sizeof(Datum) * INDEX_MAX_KEYS);
	set->nulls = palloc0(sizeof(bool) * INDEX_MAX_KEYS);

	if (action == FKCONSTR_ACTION_CASCADE)
	{
		for (int i = 0; i < fk->nkeys; i++)
		{
			int			j = casc_set_find(parent, fk->pk_colnames[i]);

			if (j < 0)
				continue;
			set->cols[set->n] = fk->fk_colnames[i];
			set->types[set->n] = parent->types[j];
			set->values[set->n] = parent->values[j];
			set->nulls[set->n] = parent->nulls[j];
			set->n++;
		}
		return set;
	}

	if (ondelete && fk->n_del_set_cols > 0)
		for (int i = 0; i < fk->n_del_set_cols; i++)
			attnums[n++] = fk->del_set_cols[i];
	else
		for (int i = 0; i < fk->nkeys; i++)
			attnums[n++] = fk->fk_attnums[i];

	for (int i = 0; i < n; i++)
	{
		Oid			typid;
		int32		typmod;
		Oid			collid;

		set->cols[i] = get_attname(fk->fk_relid, attnums[i], false);
		get_atttypetypmodcoll(fk->fk_relid, attnums[i], &typid, &typmod, &collid);
		set->types[i] = typid;
		set->nulls[i] = true;
		if (action == FKCONSTR_ACTION_SETDEFAULT &&
			!fk_column_default(fk->fk_relid, attnums[i], &set->values[i],
							   &set->nulls[i]))
			*volatile_default = true;
	}
	set->n = n;
	return set;
}

static bool
casc_attnotnull(Oid relid, AttrNumber attnum)
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

static int
casc_set_find(const CascSet *set, const char *col)
{
	if (set == NULL)
		return -1;
	for (int j = 0; j < set->n; j++)
		if (strcmp(set->cols[j], col) == 0)
			return j;
	return -1;
}

/* A row counted once, in its group. */
static void
casc_count_row(Cascade *c, CascRel *rel, CascRow *row)
{
	CascGroup  *g = casc_group(c, row->depth, rel->relid, row->conoid,
							   row->refrel, row->action, row->why);

	g->count++;
	if (c->want_tids)
		casc_tids_add(c, &g->tids, &row->tid);
}

/*
 * A table's rows when some are in runs: all written out, then merged in
 * tid order, each row once, with the state of the newest run holding it.
 */
static void
casc_count_runs(Cascade *c, CascRel *rel)
{
	int			nruns;
	CascRun   **runs;
	CascRow    *heads;
	ListCell   *lc;
	int			k = 0;

	casc_spill_rel(c, rel);
	nruns = list_length(rel->runs);
	runs = palloc(sizeof(CascRun *) * nruns);
	heads = palloc(sizeof(CascRow) * nruns);
	/* runs[0] is the newest */
	foreach(lc, rel->runs)
	{
		runs[k] = lfirst(lc);
		runs[k]->cursor = 0;
		if (runs[k]->n > 0)
			casc_run_read(runs[k], 0, &heads[k]);
		k++;
	}
	for (;;)
	{
		int			best = -1;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < nruns; i++)
			if (runs[i]->cursor < runs[i]->n &&
				(best < 0 || ItemPointerCompare(&heads[i].tid, &heads[best].tid) < 0))
				best = i;
		if (best < 0)
			break;
		casc_count_row(c, rel, &heads[best]);
		/* past this tid in every run; older runs' states are stale */
		for (int i = nruns - 1; i >= 0; i--)
		{
			if (runs[i]->cursor >= runs[i]->n || i == best ||
				!ItemPointerEquals(&heads[i].tid, &heads[best].tid))
				continue;
			if (++runs[i]->cursor < runs[i]->n)
				casc_run_read(runs[i], runs[i]->cursor, &heads[i]);
		}
		if (++runs[best]->cursor < runs[best]->n)
			casc_run_read(runs[best], runs[best]->cursor, &heads[best]);
	}
	foreach(lc, rel->runs)
		BufFileClose(((CascRun *) lfirst(lc))->file);
	rel->runs = NIL;
}

/*
 * After the last round: deferred NO ACTION checks (at commit: rows still
 * referencing then), then every touched row counted once in its group.
 */
static void
casc_finish(Cascade *c)
{
	ListCell   *lc;
	HASH_SEQ_STATUS rs;
	CascRel    *rel;

	casc_reset_cursors(c);
	foreach(lc, c->deferred)
	{
		CascDeferred *d = lfirst(lc);
		CascRel    *r = casc_rel(c, d->relid, d->fk->fk_relid);
		CascRow    *row = casc_find(c, r, &d->tid);

		CHECK_FOR_INTERRUPTS();
		if (!casc_row_gone(c, row, casc_fk_cols(d->fk, d->relid)))
			casc_block(c, d->fk, d->relid, &d->tid, d->depth, d->refrel,
					   WHY_DEFERRED, d->ondelete);
	}

	hash_seq_init(&rs, c->rels);
	while ((rel = hash_seq_search(&rs)) != NULL)
	{
		HASH_SEQ_STATUS rows;
		CascRow    *row;

		if (rel->runs != NIL)
		{
			casc_count_runs(c, rel);
			continue;
		}
		hash_seq_init(&rows, rel->rows);
		while ((row = hash_seq_search(&rows)) != NULL)
		{
			CHECK_FOR_INTERRUPTS();
			casc_count_row(c, rel, row);
		}
	}
}

/* Temporary files are closed before the function returns, not at commit. */
static void
casc_close_files(Cascade *c)
{
	HASH_SEQ_STATUS s;
	CascRel    *rel;
	CascGroup  *g;
	ListCell   *lc;

	hash_seq_init(&s, c->groups);
	while ((g = hash_seq_search(&s)) != NULL)
		casc_tids_free(&g->tids);
	hash_seq_init(&s, c->rels);
	while ((rel = hash_seq_search(&s)) != NULL)
	{
		foreach(lc, rel->runs)
			BufFileClose(((CascRun *) lfirst(lc))->file);
		rel->runs = NIL;
	}
	foreach(lc, c->queue)
		casc_tids_free(&((CascBatch *) lfirst(lc))->tids);
}

static CascGroup *
casc_group(Cascade *c, int depth, Oid relid, Oid conoid, Oid refrel,
		   char action, char why)
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
		g->count = 0;
		g->relname = fksql_relname(relid);
		g->conname = NULL;
		if (OidIsValid(conoid))
		{
			/* partition clones: name the constraint the user declared */
			Oid			root = conoid;
			FkModel    *m;

			while ((m = fk_model_load(root, 0)) != NULL && OidIsValid(m->parentoid))
				root = m->parentoid;
			g->conname = get_constraint_name(root);
		}
		memset(&g->tids, 0, sizeof(CascTids));
		g->detail = NULL;
		g->ondelete = c->ondelete;
		g->node = -1;
	}
	return g;
}

static int
casc_group_cmp(const void *a, const void *b)
{
	const CascGroup *ga = *(CascGroup *const *) a;
	const CascGroup *gb = *(CascGroup *const *) b;
	int			r;

	if (ga->key.depth != gb->key.depth)
		return ga->key.depth < gb->key.depth ? -1 : 1;
	if ((r = strcmp(ga->relname, gb->relname)) != 0)
		return r;
	if ((r = strcmp(casc_action_text(ga->key.action),
					casc_action_text(gb->key.action))) != 0)
		return r;
	if ((r = strcmp(ga->conname ? ga->conname : "", gb->conname ? gb->conname : "")) != 0)
		return r;
	return (int) ga->key.why - (int) gb->key.why;
}

static CascGroup **
casc_sorted_groups(Cascade *c, int *ngroups)
{
	HASH_SEQ_STATUS s;
	CascGroup  *g;
	int			n = 0;
	CascGroup **arr = palloc(sizeof(CascGroup *) * (hash_get_num_entries(c->groups) + 1));

	hash_seq_init(&s, c->groups);
	while ((g = hash_seq_search(&s)) != NULL)
		arr[n++] = g;
	qsort(arr, n, sizeof(CascGroup *), casc_group_cmp);
	*ngroups = n;
	return arr;
}

static const char *
casc_action_text(char action)
{
	switch (action)
	{
		case ACT_DELETE:
			return "DELETE";
		case ACT_UPDATE:
			return "UPDATE";
		case ACT_SETNULL:
			return "SET NULL";
		case ACT_SETDEFAULT:
			return "SET DEFAULT";
		case ACT_BLOCKED:
			return "BLOCKED";
	}
	elog(ERROR, "unrecognized cascade action %c", action);
	return NULL;				/* keep compiler quiet */
}

/* The detail column: why rows block, and what the preview cannot see. */
static char *
casc_detail(Cascade *c, CascGroup *g)
{
	StringInfoData d;
	const char *on = g->ondelete ? "ON DELETE" : "ON UPDATE";
	CascRel    *rel = casc_rel(c, g->key.relid, InvalidOid);

	initStringInfo(&d);
	switch (g->key.why)
	{
		case WHY_RESTRICT:
			appendStringInfo(&d, "%s RESTRICT: these rows reference rows of %s that the statement changes.",
							 on, fksql_relname(g->key.refrel));
			break;
		case WHY_NOACTION:
			appendStringInfo(&d, "%s NO ACTION: these rows still reference the changed rows of %s when the check runs, after the actions of earlier rounds.",
							 on, fksql_relname(g->key.refrel));
			break;
		case WHY_DEFERRED:
			appendStringInfo(&d, "%s NO ACTION, deferred: these rows still reference the changed rows of %s at the end of the statement; the check runs at commit.",
							 on, fksql_relname(g->key.refrel));
			break;
		case WHY_NOTNULL:
			appendStringInfoString(&d, "SET NULL would store NULL in a NOT NULL column of these rows.");
			break;
		case WHY_NOPARENT:
			appendStringInfo(&d, "The new key of these rows has no row in %s.",
							 fksql_relname(g->key.refrel));
			break;
		case WHY_VOLATILE:
			appendStringInfoString(&d, "The column default is volatile: the value it would store, and whether a row of the referenced table matches it, are not known in advance.");
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
	if (g->key.action != ACT_BLOCKED &&
		casc_user_code(g->key.relid, g->key.action == ACT_DELETE))
		appendStringInfo(&d, "%s%s has triggers or rules on %s that the preview does not run: they may change what happens.",
						 d.len > 0 ? " " : "", g->relname,
						 g->key.action == ACT_DELETE ? "DELETE" : "UPDATE");
	return d.len > 0 ? d.data : NULL;
}

/*
 * Does the table have enabled user triggers, or rules, on DELETE (or
 * UPDATE)?  The server would run them on the rows the preview counts.
 */
static bool
casc_user_code(Oid relid, bool ondelete)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	bool		found = false;

	if (rel->trigdesc)
		for (int i = 0; i < rel->trigdesc->numtriggers; i++)
		{
			Trigger    *tg = &rel->trigdesc->triggers[i];

			if (!tg->tgisinternal && tg->tgenabled != TRIGGER_DISABLED &&
				(ondelete ? TRIGGER_FOR_DELETE(tg->tgtype) : TRIGGER_FOR_UPDATE(tg->tgtype)))
				found = true;
		}
	if (rel->rd_rules)
		for (int i = 0; i < rel->rd_rules->numLocks; i++)
			if (rel->rd_rules->rules[i]->event == (ondelete ? CMD_DELETE : CMD_UPDATE))
				found = true;
	relation_close(rel, AccessShareLock);
	return found;
}

static void
casc_preview_output(Cascade *c, ReturnSetInfo *rsinfo)
{
	int			n;
	CascGroup **groups = casc_sorted_groups(c, &n);

	for (int i = 0; i < n; i++)
	{
		CascGroup  *g = groups[i];
		Datum		values[7];
		bool		nulls[7];
		char	   *detail = casc_detail(c, g);

		memset(nulls, 0, sizeof(nulls));
		values[0] = Int32GetDatum(g->key.depth);
		values[1] = ObjectIdGetDatum(g->key.relid);
		values[2] = CStringGetTextDatum(casc_action_text(g->key.action));
		values[3] = Int64GetDatum(g->count);
		if (g->conname)
		{
			Name		nm = palloc0(NAMEDATALEN);

			namestrcpy(nm, g->conname);
			values[4] = NameGetDatum(nm);
		}
		else
			nulls[4] = true;
		values[5] = ObjectIdGetDatum(g->key.refrel);
		nulls[5] = !OidIsValid(g->key.refrel);
		if (detail)
			values[6] = CStringGetTextDatum(detail);
		else
			nulls[6] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

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
 * inheritance (rows of one table visible through two), or a table the
 * caller cannot read in full (the row path reports that, when rows reach
 * it) make the row path do it.
 */
static bool
casc_tree_plan(CascTree *t, Oid target)
{
	if (!fk_cascade_fast_path ||
		get_rel_relkind(target) != RELKIND_RELATION || has_subclass(target) ||
		!casc_can_read(target))
		return false;
	memset(&t->nodes[0], 0, sizeof(CascNode));
	t->nodes[0].relid = target;
	t->nodes[0].parent = -1;
	t->nodes[0].action = ACT_DELETE;
	t->nnodes = 1;

	for (int i = 0; i < t->nnodes; i++)
	{
		CascNode   *n = &t->nodes[i];
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		if (n->action != ACT_DELETE)
			continue;
		foreach(lc, fk_model_acting_on(n->relid, FK_LOAD_NAMES))
		{
			FkModel    *fk = lfirst(lc);
			CascNode   *child;

			if (t->nnodes >= CASC_TREE_MAX_NODES)
				return false;
			for (int j = 0; j < t->nnodes; j++)
				if (t->nodes[j].relid == fk->fk_relid)
					return false;
			if (fk->pk_relid != n->relid ||
				get_rel_relkind(fk->fk_relid) != RELKIND_RELATION ||
				get_rel_relispartition(fk->fk_relid) ||
				!casc_can_read(fk->fk_relid))
				return false;
			child = &t->nodes[t->nnodes];
			memset(child, 0, sizeof(CascNode));
			child->relid = fk->fk_relid;
			child->depth = n->depth + 1;
			child->parent = i;
			child->fk = fk;
			switch (fk->del_action)
			{
				case FKCONSTR_ACTION_CASCADE:
					child->action = ACT_DELETE;
					break;
				case FKCONSTR_ACTION_SETNULL:
					if (!casc_tree_setnull(child))
						return false;
					break;
				case FKCONSTR_ACTION_RESTRICT:
					child->action = ACT_BLOCKED;
					child->why = WHY_RESTRICT;
					break;
				case FKCONSTR_ACTION_NOACTION:
					child->action = ACT_BLOCKED;
					child->why = fk->initdeferred ? WHY_DEFERRED : WHY_NOACTION;
					break;
				default:
					return false;
			}
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
	return true;
}

/*
 * ON DELETE SET NULL into a tree node: fine unless a nulled column is part
 * of a key that constraints acting on the node's table reference (their
 * ON UPDATE actions would fire).  A NOT NULL column makes the rows block.
 */
static bool
casc_tree_setnull(CascNode *n)
{
	bool		volatile_default = false;
	CascSet    *set = casc_action_set(n->fk, FKCONSTR_ACTION_SETNULL, true, NULL,
									  &volatile_default);
	ListCell   *lc;

	n->action = ACT_SETNULL;
	for (int j = 0; j < set->n; j++)
		if (casc_attnotnull(n->relid, get_attnum(n->relid, set->cols[j])))
			n->notnull = true;
	foreach(lc, fk_model_acting_on(n->relid, FK_LOAD_NAMES))
	{
		FkModel    *fk = lfirst(lc);

		for (int k = 0; k < fk->nkeys; k++)
			if (casc_set_find(set, fk->pk_colnames[k]) >= 0)
				return false;
	}
	return true;
}

/*
 * What follows FROM for the rows of node i, read under an alias that is
 * returned: the target's rows by the key, any other node's rows by its
 * constraint's key matching a row of its parent's WITH query.
 */
static const char *
casc_tree_source(CascTree *t, StringInfo sql, int i)
{
	CascNode   *n = &t->nodes[i];

	if (n->parent < 0)
	{
		/* DELETE without ONLY; the target has no children anyway */
		fksql_rel(sql, n->relid, false);
		appendStringInfo(sql, " t WHERE %s", t->keycond);
		return "t";
	}
	/*
	 * A join, not EXISTS: the parent's rows are distinct rows and the key
	 * is unique in its table, so a row matches at most one of them.
	 */
	appendStringInfo(sql, "n%d p JOIN ", n->parent);
	fksql_rel(sql, n->relid, true);
	appendStringInfoString(sql, " c ON ");
	fksql_key_equal(sql, n->fk, "p", "c");
	return "c";
}

/*
 * The tree path of a DELETE: plan, then one query counting every node.
 * False when the row path must do it (nothing done then).
 */
static bool
casc_tree_run(Cascade *c, Oid target, Oid keytype, Datum key)
{
	CascTree   *t = palloc0(sizeof(CascTree));
	StringInfoData sql;
	int			rc;

	if (!casc_tree_plan(t, target))
	{
		pfree(t);
		return false;
	}
	initStringInfo(&sql);
	casc_key_condition(&sql, target, keytype, key, &t->nargs, t->argtypes,
					   t->values, t->nulls);
	t->keycond = sql.data;

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
		alias = casc_tree_source(t, &src, i);
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
		appendStringInfoString(&sql, "(SELECT pg_catalog.count(*) FROM ");
		if (t->nodes[i].cols != NIL)
			appendStringInfo(&sql, "n%d", i);
		else
			casc_tree_source(t, &sql, i);
		appendStringInfoChar(&sql, ')');
	}
	rc = SPI_execute_with_args(sql.data, t->nargs, t->argtypes, t->values,
							   t->nulls, true, 0);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(rc));

	for (int i = 0; i < t->nnodes; i++)
	{
		CascNode   *n = &t->nodes[i];
		bool		isnull;
		CascGroup  *g;

		n->count = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, i + 1,
											   &isnull));
		if (n->count == 0)
			continue;
		if (n->parent < 0)
			g = casc_group(c, 0, n->relid, InvalidOid, InvalidOid, ACT_DELETE, 0);
		else
			g = casc_group(c, n->depth, n->relid, n->fk->conoid,
						   t->nodes[n->parent].relid, n->action, n->why);
		g->count = n->count;
		g->node = i;
		if (n->action == ACT_SETNULL && n->notnull)
		{
			g = casc_group(c, n->depth, n->relid, n->fk->conoid,
						   t->nodes[n->parent].relid, ACT_BLOCKED, WHY_NOTNULL);
			g->count = n->count;
			g->node = i;
		}
	}
	SPI_freetuptable(SPI_tuptable);
	elog(DEBUG1, "cascade counted as a tree of %d tables", t->nnodes);
	c->tree = t;
	return true;
}

/*
 * fk_cascade_rows on the tree path: a query per output group streams the
 * rows of its node, read again through the chain of WITH queries.
 */
static void
casc_tree_rows(Cascade *c, ReturnSetInfo *rsinfo)
{
	CascTree   *t = c->tree;
	CascGroup **groups;
	int			n;
	int			k = t->nargs;

	t->argtypes[k] = INT4OID;
	t->argtypes[k + 1] = REGCLASSOID;
	t->argtypes[k + 2] = TEXTOID;
	t->argtypes[k + 3] = NAMEOID;
	groups = casc_sorted_groups(c, &n);
	for (int i = 0; i < n; i++)
	{
		CascGroup  *g = groups[i];
		Name		nm = palloc0(NAMEDATALEN);
		StringInfoData sql;
		StringInfoData src;
		const char *alias;
		bool		nulls[FUNC_MAX_ARGS + 4];

		CHECK_FOR_INTERRUPTS();
		if (g->conname)
			namestrcpy(nm, g->conname);
		t->values[k] = Int32GetDatum(g->key.depth);
		t->values[k + 1] = ObjectIdGetDatum(g->key.relid);
		t->values[k + 2] = CStringGetTextDatum(casc_action_text(g->key.action));
		t->values[k + 3] = NameGetDatum(nm);
		for (int j = 0; j < k; j++)
			nulls[j] = (t->nulls[j] == 'n');
		nulls[k] = nulls[k + 1] = nulls[k + 2] = false;
		nulls[k + 3] = (g->conname == NULL);

		initStringInfo(&src);
		alias = casc_tree_source(t, &src, g->node);
		initStringInfo(&sql);
		appendStringInfo(&sql, "%sSELECT $%d, $%d, $%d, $%d, ", t->with,
						 k + 1, k + 2, k + 3, k + 4);
		fksql_row_jsonb(&sql, alias);
		appendStringInfo(&sql, " FROM %s ORDER BY ", src.data);
		fksql_col(&sql, alias, "ctid");
		fk_spi_into_tuplestore_args(sql.data, k + 4, t->argtypes, t->values,
									nulls, rsinfo);
	}
}

/*
 * The row path: the statement's own rows (the key argument, and for an
 * update the new values in set), then the rounds of actions they cause.
 */
static void
casc_replay(Cascade *c, FunctionCallInfo fcinfo, Oid target, CascSet *set)
{
	casc_root(c, target, get_fn_expr_argtype(fcinfo->flinfo, 1),
			  PG_GETARG_DATUM(1), set);
	casc_run(c);
	casc_finish(c);
}

/*
 * fk_cascade_preview(target regclass, key anyelement)
 *   RETURNS TABLE(depth int, table_name regclass, action text,
 *                 row_count bigint, via_constraint name,
 *                 referenced_table regclass, detail text)
 *
 * What DELETE FROM target WHERE <key> would delete, set to NULL or to
 * defaults, and which rows would make it fail.  AccessShareLock only.
 */
Datum
fk_cascade_preview(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			target = PG_GETARG_OID(0);
	Cascade    *c;

	InitMaterializedSRF(fcinfo, 0);
	fk_lock_and_check_relation(target, "target", true);
	fk_spi_connect();
	c = casc_create(false, true);
	if (!casc_tree_run(c, target, get_fn_expr_argtype(fcinfo->flinfo, 1),
					   PG_GETARG_DATUM(1)))
	{
		casc_replay(c, fcinfo, target, NULL);
	}
	casc_preview_output(c, rsinfo);
	casc_close_files(c);
	fk_spi_finish();
	PG_RETURN_VOID();
}

/*
 * fk_update_preview(target regclass, key anyelement, new_values jsonb)
 *   RETURNS TABLE(...same as fk_cascade_preview...)
 *
 * The same for UPDATE target SET (cols) = new_values WHERE <key>: ON
 * UPDATE actions of the keys whose values change, and the target's own
 * foreign keys checked on the new values.  AccessShareLock only.
 */
Datum
fk_update_preview(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			target = PG_GETARG_OID(0);
	Cascade    *c;
	CascSet    *set;

	InitMaterializedSRF(fcinfo, 0);
	fk_lock_and_check_relation(target, "target", true);
	set = casc_set_from_jsonb(target, PG_GETARG_JSONB_P(2));
	if (set->n == 0)
		PG_RETURN_VOID();
	fk_spi_connect();
	c = casc_create(false, false);
	casc_replay(c, fcinfo, target, set);
	casc_preview_output(c, rsinfo);
	casc_close_files(c);
	fk_spi_finish();
	PG_RETURN_VOID();
}

/*
 * fk_cascade_rows(target regclass, key anyelement)
 *   RETURNS TABLE(depth int, table_name regclass, action text,
 *                 via_constraint name, affected_row jsonb)
 *
 * The rows behind fk_cascade_preview: one query per output group reads
 * them (as they are now) straight into the result.  AccessShareLock only.
 */
Datum
fk_cascade_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			target = PG_GETARG_OID(0);
	Cascade    *c;
	CascGroup **groups;
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	fk_lock_and_check_relation(target, "target", true);
	fk_spi_connect();
	c = casc_create(true, true);
	if (casc_tree_run(c, target, get_fn_expr_argtype(fcinfo->flinfo, 1),
					  PG_GETARG_DATUM(1)))
	{
		casc_tree_rows(c, rsinfo);
		fk_spi_finish();
		PG_RETURN_VOID();
	}
	casc_replay(c, fcinfo, target, NULL);
	groups = casc_sorted_groups(c, &n);
	for (int i = 0; i < n; i++)
	{
		CascGroup  *g = groups[i];
		CascRel    *rel = casc_rel(c, g->key.relid, InvalidOid);
		StringInfoData sql;
		Oid			argtypes[6] = {TIDARRAYOID, OIDOID, INT4OID, REGCLASSOID, TEXTOID, NAMEOID};
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, g->conname == NULL};
		Name		nm = palloc0(NAMEDATALEN);
		int64		pos = 0;

		CHECK_FOR_INTERRUPTS();
		if (pg_class_aclcheck(rel->readrel, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied for table %s", get_rel_name(rel->readrel)),
					 errdetail("Showing the rows the statement would reach needs SELECT on their tables.")));
		if (g->conname)
			namestrcpy(nm, g->conname);
		values[1] = ObjectIdGetDatum(rel->relid);
		values[2] = Int32GetDatum(g->key.depth);
		values[3] = ObjectIdGetDatum(rel->relid);
		values[4] = CStringGetTextDatum(casc_action_text(g->key.action));
		values[5] = NameGetDatum(nm);

		initStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT $3, $4, $5, $6, ");
		fksql_row_jsonb(&sql, "c");
		appendStringInfoString(&sql, " FROM ");
		fksql_rel(&sql, rel->readrel, true);
		appendStringInfoString(&sql, " c WHERE ");
		fksql_row_in(&sql, "c", 1, 2);
		appendStringInfoString(&sql, " ORDER BY ");
		fksql_col(&sql, "c", "ctid");
		/* tids come in ctid order, so chunks keep the rows in that order */
		while (casc_tids_chunk(c, &g->tids, &pos, &values[0]))
		{
			fk_spi_into_tuplestore_args(sql.data, 6, argtypes, values, nulls,
										rsinfo);
			pfree(DatumGetPointer(values[0]));
		}
	}
	casc_close_files(c);
	fk_spi_finish();
	PG_RETURN_VOID();
}
