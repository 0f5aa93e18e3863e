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
#include "datatype/timestamp.h"
#include "utils/jsonb.h"

#include "fk_model.h"

/* How many rows break a key, how many referenced keys they miss, a few. */
typedef struct FkOrphanSummary
{
	int64		orphan_rows;
	int64		missing_keys;
	Jsonb	   *sample_keys;	/* NULL when there is none */
} FkOrphanSummary;

/*
 * The orphan counts of several keys of one referencing table, from one
 * scan of it (fk_orphan_pass).
 */
typedef struct FkOrphanPass
{
	Oid			relid;			/* the referencing table */
	int			nkeys;
	Oid		   *conoids;
	int64	   *orphan_rows;
	TimestampTz started;
	int64		duration_us;
} FkOrphanPass;

extern void fk_orphan_from(StringInfo sql, FkModel *fk);
extern void fk_orphan_summary(FkModel *fk, int nsample, FkOrphanSummary *out);
extern FkOrphanPass *fk_orphan_pass(List *listed, char *(*unusable) (FkModel *fk));
extern void fk_orphan_pass_free(FkOrphanPass *pass);
extern bool fk_orphan_pass_clean(FkOrphanPass *pass, Oid conoid,
								 FkOrphanSummary *out);

#endif							/* FK_ORPHANS_H */
