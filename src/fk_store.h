/*-------------------------------------------------------------------------
 *
 * fk_store.h
 *	  The extension's own tables (results history, latest state, runs,
 *	  audit events), read and written from C (fk_store.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FK_STORE_H
#define FK_STORE_H

#include "access/skey.h"
#include "executor/tuptable.h"
#include "nodes/execnodes.h"
#include "storage/itemptr.h"
#include "storage/lockdefs.h"
#include "utils/relcache.h"

/* One of the extension's tables, open for writing (or, estate NULL, reading). */
typedef struct FkStore
{
	Relation	rel;
	EState	   *estate;
	ResultRelInfo *rri;
	TupleTableSlot *slot;		/* the row being written */
	TupleTableSlot *found;		/* the row a lookup found */
} FkStore;

/* Called on each row of fk_store_scan; the values live during the call. */
typedef void (*FkStoreRowFn) (Datum *values, bool *nulls, ItemPointer tid,
							  void *arg);

extern Oid	fk_store_schema(void);
extern Oid	fk_store_relid(const char *name);
extern bool fk_store_owns(Oid relid);
extern FkStore *fk_store_open(const char *name, bool nowait);
extern FkStore *fk_store_open_read(const char *name);
extern void fk_store_close(FkStore *st);
extern void fk_store_insert(FkStore *st, Datum *values, bool *nulls);
extern bool fk_store_lock_row(FkStore *st, const char *pkey, Datum *keyvalues,
							  Datum *values, bool *nulls);
extern void fk_store_update(FkStore *st, Datum *values, bool *nulls);
extern void fk_store_delete(FkStore *st, ItemPointer tid);
extern void fk_store_scan(FkStore *st, const char *index, int nkeys,
						  ScanKey keys, bool backward, int limit,
						  FkStoreRowFn fn, void *arg);
extern int64 fk_store_nextval(const char *sequence);
extern void fk_store_name_key(ScanKey key, AttrNumber attno, const char *name);

#endif							/* FK_STORE_H */
