/*-------------------------------------------------------------------------
 *
 * fk_cascade_store.c
 *	  What happened to each row a cascade reaches, and the sets of rows
 *	  passed from round to round, within work_mem.
 *
 * Each table has a hash table of its rows' states, keyed by tid.  Past
 * the memory limit every table's hash table is written out as a run, a
 * temporary file of states sorted by tid, and rows are looked up there
 * (galloping from where the last lookup ended, since queries hand rows
 * over in tid order).  The blocked rows seen (each counted once) spill
 * the same way, into sorted runs merged once there are a few, and the
 * deferred checks waiting for the end into a file, in order.  Sets of
 * tids live in memory up to a chunk, the rest in a temporary file; under
 * memory pressure a set writes what it holds to its file early.  Memory
 * is counted in bytes across all of it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "fk_cascade_int.h"

/* Bytes a row state takes in a dynahash table, counting overhead, roughly */
#define CASC_ROW_MEM	64

static HTAB *
casc_rows_table(Cascade *c)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(ItemPointerData);
	ctl.entrysize = sizeof(CascRow);
	ctl.hcxt = c->cxt;
	return hash_create("fk_tools cascade rows", 256, &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

CascRel *
casc_rel(Cascade *c, Oid relid, Oid readrel)
{
	bool		found;
	CascRel    *rel = hash_search(c->rels, &relid, HASH_ENTER, &found);

	if (!found)
	{
		rel->rows = casc_rows_table(c);
		rel->runs = NIL;

		/*
		 * Read through the relation the rows were found in, unless that is a
		 * plain inheritance parent, which would not show them.
		 */
		rel->readrel = (OidIsValid(readrel) &&
						get_rel_relkind(readrel) == RELKIND_PARTITIONED_TABLE) ? readrel : relid;
		rel->acting[0] = rel->acting[1] = NIL;
		rel->acting_loaded[0] = rel->acting_loaded[1] = false;
		rel->checked = NIL;
		rel->checked_loaded = false;
		rel->rls = -1;
		rel->user_code[0] = rel->user_code[1] = -1;
	}
	return rel;
}

/*
 * Append the *n elements of size elemsize at mem to the end of *file
 * (created in the cascade's context on first use), and give their memory
 * back to the cascade's budget: the append-only arrays that spill (tid
 * sets, deferred checks) all go to disk this way.
 */
static void
spill_append(Cascade *c, BufFile **file, int64 *nfile, void *mem,
			 int *n, Size elemsize)
{
	if (*n == 0)
		return;
	if (*file == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(c->cxt);

		*file = BufFileCreateTemp(false);
		MemoryContextSwitchTo(old);
	}
	BufFileSeek(*file, 0, *nfile * elemsize, SEEK_SET);
	BufFileWrite(*file, mem, elemsize * *n);
	*nfile += *n;
	c->memused -= (int64) *n * elemsize;
	*n = 0;
}

/* Write what a tid set holds in memory to the end of its file. */
static void
casc_tids_flush(Cascade *c, CascTids *t)
{
	spill_append(c, &t->file, &t->nfile, t->mem, &t->n, sizeof(ItemPointerData));
}

void
casc_tids_add(Cascade *c, CascTids *t, ItemPointer tid)
{
	if (t->n >= c->chunk ||
		(t->n > 0 && c->memused + (int64) sizeof(ItemPointerData) > c->maxmem))
		casc_tids_flush(c, t);
	if (t->n >= t->alloc)
	{
		int			alloc = Min(Max(t->alloc * 2, 16), c->chunk);

		if (t->mem == NULL)
			t->mem = MemoryContextAlloc(c->cxt, sizeof(ItemPointerData) * alloc);
		else
			t->mem = repalloc(t->mem, sizeof(ItemPointerData) * alloc);
		t->alloc = alloc;
	}
	t->mem[t->n++] = *tid;
	c->memused += sizeof(ItemPointerData);
}

int64
casc_tids_count(CascTids *t)
{
	return t->nfile + t->n;
}

/*
 * The next chunk of a tid set from *pos on, as a tid[] datum to pass as a
 * query parameter; false after the last.
 */
bool
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

void
casc_tids_free(Cascade *c, CascTids *t)
{
	c->memused -= (int64) t->n * sizeof(ItemPointerData);
	if (t->mem)
		pfree(t->mem);
	if (t->file)
		BufFileClose(t->file);
	memset(t, 0, sizeof(CascTids));
}

/* The index in c->changes of a set of updated columns (0: none). */
int32
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

Bitmapset *
casc_changed_cols(Cascade *c, int32 id)
{
	return (Bitmapset *) list_nth(c->changes, id);
}

/* The index in c->sets of a set of new values (0: none); each set once. */
int32
casc_set_id(Cascade *c, FkCascValues *set)
{
	ListCell   *lc;
	MemoryContext old;

	if (set == NULL)
		return 0;
	foreach(lc, c->sets)
		if (lfirst(lc) == set)
			return foreach_current_index(lc);
	old = MemoryContextSwitchTo(c->cxt);
	c->sets = lappend(c->sets, set);
	MemoryContextSwitchTo(old);
	return list_length(c->sets) - 1;
}

FkCascValues *
casc_set_of(Cascade *c, int32 id)
{
	return (FkCascValues *) list_nth(c->sets, id);
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
CascRow *
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
CascRow *
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
	c->memused += CASC_ROW_MEM;
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
	c->memused -= (int64) n * CASC_ROW_MEM;

	hash_destroy(rel->rows);
	rel->rows = casc_rows_table(c);
}

/* ---- blocked rows: each counted once, however often reached ---- */

static int
casc_block_key_cmp(const void *a, const void *b)
{
	const CascBlockKey *x = a;
	const CascBlockKey *y = b;

	if (x->conoid != y->conoid)
		return x->conoid < y->conoid ? -1 : 1;
	if (x->relid != y->relid)
		return x->relid < y->relid ? -1 : 1;
	if (x->why != y->why)
		return x->why < y->why ? -1 : 1;
	return ItemPointerCompare((ItemPointer) &x->tid, (ItemPointer) &y->tid);
}

static void
casc_key_read(BufFile *file, int64 i, CascBlockKey *key)
{
	if (BufFileSeek(file, 0, i * sizeof(CascBlockKey), SEEK_SET) != 0 ||
		BufFileRead(file, key, sizeof(CascBlockKey)) != sizeof(CascBlockKey))
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read temporary file of the cascade preview")));
}

/*
 * Is key in a run?  Like casc_run_find: galloping from where the last
 * lookup ended, since a query's rows come in tid order, for one
 * constraint and table at a time.
 */
static bool
casc_key_run_find(CascKeyRun *run, CascBlockKey *key)
{
	CascBlockKey k;
	int64		lo;
	int64		hi;
	int64		step = 1;

	if (run->n == 0 || casc_block_key_cmp(key, &run->first) < 0 ||
		casc_block_key_cmp(key, &run->last) > 0)
		return false;
	lo = Min(run->cursor, run->n - 1);
	casc_key_read(run->file, lo, &k);
	if (casc_block_key_cmp(&k, key) > 0)
	{
		lo = 0;
		casc_key_read(run->file, 0, &k);
	}
	if (casc_block_key_cmp(&k, key) == 0)
	{
		run->cursor = lo;
		return true;
	}
	if (casc_block_key_cmp(&k, key) > 0)
		return false;
	/* key lo < key: find hi with key hi >= key, or the end */
	for (;;)
	{
		hi = lo + step;
		if (hi >= run->n)
		{
			hi = run->n;
			break;
		}
		casc_key_read(run->file, hi, &k);
		if (casc_block_key_cmp(&k, key) >= 0)
			break;
		lo = hi;
		step *= 2;
	}
	while (hi - lo > 1)
	{
		int64		mid = lo + (hi - lo) / 2;

		casc_key_read(run->file, mid, &k);
		if (casc_block_key_cmp(&k, key) >= 0)
			hi = mid;
		else
			lo = mid;
	}
	run->cursor = hi;
	if (hi >= run->n)
		return false;
	casc_key_read(run->file, hi, &k);
	return casc_block_key_cmp(&k, key) == 0;
}

/* A new run of n sorted keys (in memory) or of the merge of runs. */
static CascKeyRun *
casc_key_run_new(Cascade *c)
{
	MemoryContext old = MemoryContextSwitchTo(c->cxt);
	CascKeyRun *run = palloc0(sizeof(CascKeyRun));

	run->file = BufFileCreateTemp(false);
	MemoryContextSwitchTo(old);
	return run;
}

/*
 * Merge all runs into one, so that a lookup reads few files: past this
 * many runs.  Each merge reads and writes every key written out so far;
 * as runs are merged once they are this many, that stays a small
 * multiple of the keys.
 */
#define CASC_KEY_RUNS_MAX 4

static void
casc_key_runs_merge(Cascade *c)
{
	int			nruns = list_length(c->blocked_runs);
	CascKeyRun **runs = palloc(sizeof(CascKeyRun *) * nruns);
	CascBlockKey *heads = palloc(sizeof(CascBlockKey) * nruns);
	int64	   *pos = palloc0(sizeof(int64) * nruns);
	CascKeyRun *out = casc_key_run_new(c);
	ListCell   *lc;

	foreach(lc, c->blocked_runs)
	{
		int			i = foreach_current_index(lc);

		runs[i] = lfirst(lc);
		if (BufFileSeek(runs[i]->file, 0, 0, SEEK_SET) != 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read temporary file of the cascade preview")));
		if (runs[i]->n > 0 &&
			BufFileRead(runs[i]->file, &heads[i], sizeof(CascBlockKey)) != sizeof(CascBlockKey))
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read temporary file of the cascade preview")));
	}
	for (;;)
	{
		int			best = -1;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < nruns; i++)
			if (pos[i] < runs[i]->n &&
				(best < 0 || casc_block_key_cmp(&heads[i], &heads[best]) < 0))
				best = i;
		if (best < 0)
			break;
		if (out->n == 0)
			out->first = heads[best];
		out->last = heads[best];
		BufFileWrite(out->file, &heads[best], sizeof(CascBlockKey));
		out->n++;
		if (++pos[best] < runs[best]->n &&
			BufFileRead(runs[best]->file, &heads[best], sizeof(CascBlockKey)) != sizeof(CascBlockKey))
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read temporary file of the cascade preview")));
	}
	for (int i = 0; i < nruns; i++)
		BufFileClose(runs[i]->file);
	list_free_deep(c->blocked_runs);
	c->blocked_runs = list_make1(out);
	pfree(runs);
	pfree(heads);
	pfree(pos);
}

/* Write the blocked keys in memory out as a new run and empty the table. */
static void
casc_spill_blocked(Cascade *c)
{
	long		n = hash_get_num_entries(c->blocked);
	CascBlockKey *keys;
	CascBlockKey *key;
	HASH_SEQ_STATUS s;
	CascKeyRun *run;
	long		i = 0;
	HASHCTL		ctl;

	if (n == 0)
		return;
	keys = palloc_extended(sizeof(CascBlockKey) * n, MCXT_ALLOC_HUGE);
	hash_seq_init(&s, c->blocked);
	while ((key = hash_seq_search(&s)) != NULL)
		keys[i++] = *key;
	qsort(keys, n, sizeof(CascBlockKey), casc_block_key_cmp);
	run = casc_key_run_new(c);
	run->n = n;
	run->first = keys[0];
	run->last = keys[n - 1];
	BufFileWrite(run->file, keys, sizeof(CascBlockKey) * n);
	pfree(keys);
	c->memused -= (int64) n * CASC_ROW_MEM;
	{
		MemoryContext old = MemoryContextSwitchTo(c->cxt);

		c->blocked_runs = lappend(c->blocked_runs, run);
		MemoryContextSwitchTo(old);
	}
	if (list_length(c->blocked_runs) > CASC_KEY_RUNS_MAX)
		casc_key_runs_merge(c);

	hash_destroy(c->blocked);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(CascBlockKey);
	ctl.entrysize = sizeof(CascBlockKey);
	ctl.hcxt = c->cxt;
	c->blocked = hash_create("fk_tools cascade blocked rows", 256, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/*
 * Note a blocked row (constraint, table, tid, why): true the first time,
 * false when it was noted before, in memory or in a run.
 */
bool
casc_blocked_add(Cascade *c, CascBlockKey *key)
{
	bool		found;
	ListCell   *lc;

	if (hash_search(c->blocked, key, HASH_FIND, NULL) != NULL)
		return false;
	foreach(lc, c->blocked_runs)
		if (casc_key_run_find(lfirst(lc), key))
			return false;
	hash_search(c->blocked, key, HASH_ENTER, &found);
	c->memused += CASC_ROW_MEM;
	return true;
}

/* ---- deferred checks, made during the rounds, done at the end ---- */

static void
casc_deferred_flush(Cascade *c)
{
	CascDeferredSet *d = &c->deferred;

	spill_append(c, &d->file, &d->nfile, d->mem, &d->n, sizeof(CascDeferred));
}

void
casc_deferred_add(Cascade *c, CascDeferred *def)
{
	CascDeferredSet *d = &c->deferred;

	if (d->n >= c->chunk)
		casc_deferred_flush(c);
	if (d->n >= d->alloc)
	{
		int			alloc = Min(Max(d->alloc * 2, 16), c->chunk);

		if (d->mem == NULL)
			d->mem = MemoryContextAlloc(c->cxt, sizeof(CascDeferred) * alloc);
		else
			d->mem = repalloc(d->mem, sizeof(CascDeferred) * alloc);
		d->alloc = alloc;
	}
	d->mem[d->n++] = *def;
	c->memused += sizeof(CascDeferred);
}

int64
casc_deferred_count(Cascade *c)
{
	return c->deferred.nfile + c->deferred.n;
}

/* Deferred check i, in the order they were made. */
void
casc_deferred_get(Cascade *c, int64 i, CascDeferred *def)
{
	CascDeferredSet *d = &c->deferred;

	if (i >= d->nfile)
	{
		*def = d->mem[i - d->nfile];
		return;
	}
	if (BufFileSeek(d->file, 0, i * sizeof(CascDeferred), SEEK_SET) != 0 ||
		BufFileRead(d->file, def, sizeof(CascDeferred)) != sizeof(CascDeferred))
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read temporary file of the cascade preview")));
}

/*
 * Past the memory limit, every table's rows in memory go to runs, and so
 * do the blocked rows and the deferred checks.
 */
void
casc_maybe_spill(Cascade *c)
{
	HASH_SEQ_STATUS s;
	CascRel    *rel;

	if (c->memused <= c->maxmem)
		return;
	hash_seq_init(&s, c->rels);
	while ((rel = hash_seq_search(&s)) != NULL)
		casc_spill_rel(c, rel);
	casc_spill_blocked(c);
	casc_deferred_flush(c);
}

/* Before a query whose tids come sorted: lookups start at the runs' start. */
void
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

/*
 * Visit every row of a table reached so far, once, with its newest state.
 * When some are in runs, all are written out and the runs merged in tid
 * order; the runs are gone afterwards.
 */
void
casc_visit_rows(Cascade *c, CascRel *rel, CascRowVisit visit)
{
	int			nruns;
	CascRun   **runs;
	CascRow    *heads;
	ListCell   *lc;
	int			k = 0;

	if (rel->runs == NIL)
	{
		HASH_SEQ_STATUS rows;
		CascRow    *row;

		hash_seq_init(&rows, rel->rows);
		while ((row = hash_seq_search(&rows)) != NULL)
		{
			CHECK_FOR_INTERRUPTS();
			visit(c, rel, row);
		}
		return;
	}

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
		visit(c, rel, &heads[best]);
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

/* Temporary files are closed before the function returns, not at commit. */
void
casc_close_files(Cascade *c)
{
	HASH_SEQ_STATUS s;
	CascRel    *rel;
	CascGroup  *g;
	ListCell   *lc;

	hash_seq_init(&s, c->groups);
	while ((g = hash_seq_search(&s)) != NULL)
		casc_tids_free(c, &g->tids);
	hash_seq_init(&s, c->rels);
	while ((rel = hash_seq_search(&s)) != NULL)
	{
		foreach(lc, rel->runs)
			BufFileClose(((CascRun *) lfirst(lc))->file);
		rel->runs = NIL;
	}
	foreach(lc, c->queue)
		if (lfirst(lc) != NULL)
			casc_tids_free(c, &((CascBatch *) lfirst(lc))->tids);
	foreach(lc, c->blocked_runs)
		BufFileClose(((CascKeyRun *) lfirst(lc))->file);
	c->blocked_runs = NIL;
	if (c->deferred.file)
		BufFileClose(c->deferred.file);
	c->deferred.file = NULL;
}
