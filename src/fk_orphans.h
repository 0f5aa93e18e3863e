/*-------------------------------------------------------------------------
 *
 * fk_orphans.h
 *	  The orphan engine: which rows break a foreign key, exactly as the
 *	  server's RI check judges them (fk_orphans.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FK_ORPHANS_H
#define FK_ORPHANS_H

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

#include "fk_model.h"

/* How many rows break a key, how many referenced keys they miss, a few. */
typedef struct FkOrphanSummary
{
	int64		orphan_rows;
	int64		missing_keys;
	Jsonb	   *sample_keys;	/* NULL when there is none */
} FkOrphanSummary;

extern void fk_orphan_from(StringInfo sql, FkModel *fk);
extern void fk_orphan_summary(FkModel *fk, int nsample, FkOrphanSummary *out);

#endif							/* FK_ORPHANS_H */
