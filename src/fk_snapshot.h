/*-------------------------------------------------------------------------
 *
 * fk_snapshot.h
 *	  Check results kept as history: the snapshot runs and the keys the
 *	  monitoring views show (fk_snapshot.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FK_SNAPSHOT_H
#define FK_SNAPSHOT_H

#include "datatype/timestamp.h"

/* What fk_snapshot_count knows of a key's latest result. */
typedef enum FkSnapshotSeen
{
	FK_SNAPSHOT_NONE,			/* never checked successfully */
	FK_SNAPSHOT_HIDDEN,			/* counted, but not for the current role */
	FK_SNAPSHOT_COUNTED			/* orphan_rows and checked_at are set */
} FkSnapshotSeen;

/* The latest state table, open for looking up keys (AccessShareLock). */
typedef struct FkSnapshotReader FkSnapshotReader;

extern void fk_snapshot_init(void);
extern FkSnapshotReader *fk_snapshot_reader_open(void);
extern FkSnapshotSeen fk_snapshot_count(FkSnapshotReader *r, Oid conoid,
										const char *refname,
										int64 *orphan_rows,
										TimestampTz *checked_at);
extern void fk_snapshot_reader_close(FkSnapshotReader *r);

#endif							/* FK_SNAPSHOT_H */
