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

extern void fk_snapshot_init(void);

#endif							/* FK_SNAPSHOT_H */
