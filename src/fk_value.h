/*-------------------------------------------------------------------------
 *
 * fk_value.h
 *	  Values without another role's code: rendering them as jsonb or text
 *	  with the types' output functions only, reading text as a key type,
 *	  and evaluating a column default, or expressions over a row, as its
 *	  table's owner (fk_value.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FK_VALUE_H
#define FK_VALUE_H

#include "access/tupdesc.h"
#include "executor/tuptable.h"
#include "nodes/primnodes.h"
#include "utils/jsonb.h"

extern void fk_value_push(JsonbParseState **state, JsonbIteratorToken tok,
						  Datum value, bool isnull, Oid typid);
extern Jsonb *fk_value_object(int n, char **names, const Datum *values,
							  const bool *nulls, const Oid *types);
extern Jsonb *fk_value_row(TupleDesc desc, int first, const Datum *values,
						   const bool *nulls);
extern Jsonb *fk_value_array(List *objects);
extern char *fk_value_text(Datum value, Oid typid);
extern Datum fk_value_read(const char *text, Oid typid, int32 typmod,
						   Oid *basetype);
extern bool fk_value_reads_back(const char *text, Oid typid, int32 typmod);
extern Datum fk_value_convert(Datum value, Oid fromtype, Oid totype,
							  int32 typmod, Oid *basetype);
extern char *fk_value_column_default(Oid relid, AttrNumber attnum,
									 Datum *value, bool *isnull,
									 bool *is_volatile);
extern char *fk_value_as_owner(Oid relid, void (*fn) (void *arg), void *arg,
							   int *sqlstate);
extern char *fk_value_eval_row(Oid relid, TupleTableSlot *slot, int n,
							   Expr **exprs, bool stop_on_false,
							   Datum *values, bool *nulls, int *done,
							   int *sqlstate);
extern char *fk_value_coerce(Oid relid, Datum value, bool isnull,
							 Oid fromtype, Oid totype, int32 typmod,
							 Datum *result, bool *resnull);

#endif							/* FK_VALUE_H */
