/*-------------------------------------------------------------------------
 *
 * fk_cascade_int.h
 *	  Internals of the cascade engine, shared by its files:
 *
 *	  fk_cascade.c			entry points, what-if actions, settings
 *	  fk_cascade_key.c		a key argument as the statement's rows
 *	  fk_cascade_store.c	what happened to each row, spilled past work_mem
 *	  fk_cascade_rowpath.c	the row path: the server's rounds, replayed
 *	  fk_cascade_tree.c		the tree path: a tree-shaped DELETE in one query
 *	  fk_cascade_image.c	the new row an update stores, and whether it can
 *	  fk_cascade_output.c	the groups of the result, their details, rows
 *
 *-------------------------------------------------------------------------
 */
#ifndef FK_CASCADE_INT_H
#define FK_CASCADE_INT_H

#include "nodes/bitmapset.h"
#include "storage/buffile.h"
#include "storage/itemptr.h"
#include "utils/hsearch.h"

#include "fk_cascade.h"
#include "fk_model.h"

/* fk_tools.cascade_fast_path, fk_tools.cascade_memory_rows */
extern bool fk_cascade_fast_path;
extern int	fk_cascade_memory_rows;

/* What happened to a row so far. */
typedef struct CascRow
{
	ItemPointerData tid;		/* hash key */
	uint8		action;			/* FkCascAction */
	uint8		why;			/* FKW_VOLATILE or FKW_NONE */
	int			depth;
	Oid			conoid;			/* constraint whose action reached it */
	Oid			refrel;			/* table whose change triggered that action */
	int32		changed;		/* updated columns: index in Cascade.changes */
	int32		setid;			/* their new values: index in Cascade.sets */
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

/*
 * A set of tids: in memory up to Cascade.chunk (grown as needed, counted
 * in Cascade.nmem), the rest in a temporary file, read back in order.
 */
typedef struct CascTids
{
	ItemPointerData *mem;
	int			n;
	int			alloc;
	BufFile    *file;
	int64		nfile;
} CascTids;

typedef struct CascRel
{
	Oid			relid;			/* hash key: the table the rows are stored in */
	Oid			readrel;		/* relation the preview reads them through */
	HTAB	   *rows;
	List	   *runs;			/* CascRuns, newest first */
	List	   *acting[2];		/* fk_model_acting_on (delete, update) */
	bool		acting_loaded[2];
	List	   *checked;		/* fk_model_checked_on, loaded on first use */
	bool		checked_loaded;
	int			rls;			/* -1 unknown, else fk_rls_hides_rows */
	int			user_code[2];	/* -1 unknown, else fk_table_user_code (delete, update) */
} CascRel;

/* A batch: rows of one table deleted or updated by one round's actions. */
typedef struct CascBatch
{
	int			depth;
	Oid			relid;			/* where the rows are stored */
	Oid			viarel;			/* the relation to read them through */
	bool		update;
	FkCascValues *set;			/* update: the new values */
	bool		check_own;		/* update: check the table's own foreign keys */
	int32		fired;			/* update: the columns whose stored bytes change,
								 * an index in Cascade.changes */
	CascTids	tids;
} CascBatch;

typedef struct CascGroupKey
{
	int			depth;
	Oid			relid;
	Oid			conoid;
	Oid			refrel;
	int			action;
	int			why;
} CascGroupKey;

typedef struct CascGroup
{
	CascGroupKey key;			/* hash key */
	FkCascGroup pub;			/* what the caller sees */
	const char *note;			/* FKW_STORE_FAILS: the error, first seen */
	const char *relname;		/* the table's name, for sorting */
	CascTids	tids;			/* keep_rows: the rows, row path */
	int			node;			/* counted by the tree: its CascNode, else -1 */
} CascGroup;

typedef struct CascBlockKey
{
	Oid			conoid;
	Oid			relid;
	ItemPointerData tid;
	int			why;
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
 * Blocked rows that no longer fit in memory: a run, the blocked hash table
 * written out sorted (casc_block_key_cmp), with its first and last key.
 * Runs never share a key: one is only added when found nowhere.
 */
typedef struct CascKeyRun
{
	BufFile    *file;
	int64		n;
	int64		cursor;			/* where the last lookup ended */
	CascBlockKey first;
	CascBlockKey last;
} CascKeyRun;

/* Deferred checks, in the order made: in memory, the older in a file. */
typedef struct CascDeferredSet
{
	CascDeferred *mem;
	int			n;
	int			alloc;
	BufFile    *file;
	int64		nfile;
} CascDeferredSet;

/*
 * The tree path.  When every table the DELETE can reach is reached by one
 * constraint only (no table twice, no cycle), no row can be reached twice
 * and no action depends on what another path did: the rows of each table
 * are then exactly those matching, through the chain of constraints, the
 * target rows, and SQL can count them without handing a single row to C.
 */
#define CASC_TREE_MAX_NODES 64

typedef struct CascNode
{
	Oid			relid;
	int			depth;
	int			parent;			/* the node whose rows reach it; -1: target */
	FkModel    *fk;				/* the constraint from parent */
	FkCascAction action;		/* FKC_DELETE, FKC_SET_NULL or FKC_BLOCKED */
	FkCascWhy	why;			/* FKC_BLOCKED: why */
	bool		notnull;		/* FKC_SET_NULL: a nulled column is NOT NULL */
	List	   *cols;			/* referenced key columns its children compare */
	bool		partitioned;	/* rows counted per leaf partition */
	char		form;			/* how its rows are read: CASC_READ_* */
	int64		count;
} CascNode;

/*
 * How the tree query reads a node's rows from its parent's: an index
 * probe per parent row (what the server's triggers do; the plan cannot
 * turn it into a scan), or a join left to the planner.
 */
#define CASC_READ_JOIN	'j'
#define CASC_READ_PROBE	'p'

typedef struct CascTree
{
	int			nnodes;
	CascNode	nodes[CASC_TREE_MAX_NODES];
	char	   *with;			/* WITH n0 AS MATERIALIZED (...), ... */
} CascTree;

struct FkCascade
{
	MemoryContext cxt;			/* where everything lasting is allocated */
	FkCascRequest *req;
	FkCascRoot *root;
	HTAB	   *rels;
	List	   *queue;
	HTAB	   *groups;
	HTAB	   *blocked;		/* CascBlockKeys seen, in memory */
	List	   *blocked_runs;	/* CascKeyRuns: those written out */
	CascDeferredSet deferred;
	bool		keep_rows;
	bool		ondelete;		/* the statement is a DELETE */
	CascTree   *tree;			/* counted by the tree path */
	List	   *changes;		/* distinct sets of updated columns */
	List	   *sets;			/* the FkCascValues rows were updated with */
	int64		memused;		/* bytes of rows and tids held in memory */
	int64		maxmem;			/* past this many bytes, write them out */
	int			chunk;			/* most tids passed to one query */
	int			nruns;
	CascRow		scratch;		/* a row read from a run */
	List	   *images;			/* CascImages worked out so far */
	CascGroup **sorted;			/* fk_casc_groups' answer, once made */
	int			nsorted;
};

typedef struct FkCascade Cascade;

/* fk_cascade.c */
extern char casc_action_of(Cascade *c, FkModel *fk, bool update);

/* fk_cascade_store.c */
extern CascRel *casc_rel(Cascade *c, Oid relid, Oid readrel);
extern void casc_tids_add(Cascade *c, CascTids *t, ItemPointer tid);
extern int64 casc_tids_count(CascTids *t);
extern bool casc_tids_chunk(Cascade *c, CascTids *t, int64 *pos, Datum *arr);
extern void casc_tids_free(Cascade *c, CascTids *t);
extern int32 casc_changed_id(Cascade *c, Bitmapset *cols);
extern Bitmapset *casc_changed_cols(Cascade *c, int32 id);
extern int32 casc_set_id(Cascade *c, FkCascValues *set);
extern FkCascValues *casc_set_of(Cascade *c, int32 id);
extern CascRow *casc_find(Cascade *c, CascRel *rel, ItemPointer tid);
extern CascRow *casc_promote(Cascade *c, CascRel *rel, ItemPointer tid,
							 CascRow *row, bool *found);
extern void casc_maybe_spill(Cascade *c);
extern bool casc_blocked_add(Cascade *c, CascBlockKey *key);
extern void casc_deferred_add(Cascade *c, CascDeferred *d);
extern int64 casc_deferred_count(Cascade *c);
extern void casc_deferred_get(Cascade *c, int64 i, CascDeferred *d);
extern void casc_reset_cursors(Cascade *c);
typedef void (*CascRowVisit) (Cascade *c, CascRel *rel, CascRow *row);
extern void casc_visit_rows(Cascade *c, CascRel *rel, CascRowVisit visit);
extern void casc_close_files(Cascade *c);

/* fk_cascade_rowpath.c */
extern void casc_row_path(Cascade *c);
extern FkCascValues *casc_action_set(FkModel *fk, char action, bool ondelete,
									 const FkCascValues *parent,
									 bool *volatile_default);

/* fk_cascade_image.c */
typedef struct CascImage CascImage;
extern CascImage *casc_image(Cascade *c, Oid relid, Oid target,
							 FkCascValues *set);
extern bool casc_image_needed(CascImage *im);
extern char *casc_image_row(Cascade *c, CascImage *im, ItemPointer tid,
							FkCascValues *set, FkCascValues **gen,
							Datum **stored, bool **storednulls, Oid *dest);
extern void casc_image_refuse_generated(Oid target, FkCascValues *set);

/* fk_cascade_tree.c */
extern bool casc_tree_path(Cascade *c);
extern void casc_tree_group_rows(Cascade *c, CascGroup *g, FkRowFn fn,
								 void *arg);

/* fk_cascade_output.c */
extern CascGroup *casc_group(Cascade *c, int depth, Oid relid, Oid conoid,
							 Oid refrel, FkCascAction action, FkCascWhy why);
extern void casc_count_row(Cascade *c, CascRel *rel, CascRow *row);

#endif							/* FK_CASCADE_INT_H */
