/*-------------------------------------------------------------------------
 *
 * fk_spi.h
 *	  Running the queries fk_tools generates: streamed into the caller's
 *	  tuplestore or handed row by row to a callback, and the one
 *	  subtransaction wrapper for work whose failure is a finding.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FK_SPI_H
#define FK_SPI_H

#include "access/htup.h"
#include "access/tupdesc.h"
#include "funcapi.h"
#include "nodes/pg_list.h"
#include "utils/palloc.h"

/* A query's parameters ($1 .. $n), in SPI's form (nulls: 'n' for NULL). */
typedef struct FkParams
{
	int			n;
	int			max;
	Oid		   *types;
	Datum	   *values;
	char	   *nulls;
} FkParams;

/* Called on each row of a streamed query; values live during the call. */
typedef void (*FkRowFn) (Datum *values, bool *nulls, TupleDesc desc,
						 void *arg);

extern void fk_spi_connect(void);
extern void fk_spi_finish(void);

extern FkParams *fk_params_new(void);
extern int	fk_param_add(FkParams *p, Oid type, Datum value, bool isnull);

extern void fk_spi_into_tuplestore(const char *sql, FkParams *params,
								   ReturnSetInfo *rsinfo);
extern void fk_spi_stream(const char *sql, FkParams *params, FkRowFn fn,
						  void *arg);
extern void fk_spi_stream_kept(const char *sql, FkParams *params, FkRowFn fn,
							   void *arg);
extern HeapTuple fk_spi_one_row(const char *sql, FkParams *params,
								TupleDesc *desc);
extern HeapTuple fk_spi_one_row_kept(const char *sql, FkParams *params,
									 TupleDesc *desc);
extern int64 fk_spi_count(const char *sql, FkParams *params);
extern void fk_spi_latest_begin(void);
extern void fk_spi_latest_end(void);
extern uint64 fk_spi_modify(const char *sql, FkParams *params, int expect,
							int nrels, const Oid *relids);

extern char *fk_try(void (*fn) (void *arg), void *arg, int catch_code);

#endif							/* FK_SPI_H */
