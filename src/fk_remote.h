/*-------------------------------------------------------------------------
 *
 * fk_remote.h
 *	  Checking a declared-only reference whose parent or child is a foreign
 *	  table: the referencing keys gathered once, the referenced side probed
 *	  in batches of fk_tools.remote_batch_size keys (fk_remote.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FK_REMOTE_H
#define FK_REMOTE_H

#include "lib/stringinfo.h"

#include "fk_model.h"
#include "fk_spi.h"

/* Distinct referencing keys (the child's values), each with its row count. */
typedef struct FkKeyList
{
	int			n;
	int			alloc;
	Datum	   *values[INDEX_MAX_KEYS];
	int64	   *weights;
} FkKeyList;

/* What a remote check did, for the benchmark and the tests. */
typedef struct FkRemoteStats
{
	int64		keys_fetched;	/* distinct referencing keys read */
	int64		parent_rows;	/* referenced rows the probes returned */
	int64		probes;			/* probe queries sent */
} FkRemoteStats;

extern int	fk_remote_batch_size;

extern void fk_remote_init(void);
extern bool fk_remote_applies(FkModel *fk);
extern FkKeyList *fk_remote_missing(FkModel *fk, FkRemoteStats *stats);
extern int64 fk_remote_partial_rows(FkModel *fk);
extern void fk_remote_keys_source(StringInfo sql, FkParams *params, FkModel *fk,
								  FkKeyList *keys, int from, int to,
								  const char *alias);
extern void fk_remote_orphan_rows(FkModel *fk, FkKeyList *missing, FkRowFn fn,
								  void *arg);

#endif							/* FK_REMOTE_H */
