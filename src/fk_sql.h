/*-------------------------------------------------------------------------
 *
 * fk_sql.h
 *	  The SQL builder: the only code that turns names, operators, types,
 *	  collations and values into SQL text (fk_sql.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FK_SQL_H
#define FK_SQL_H

#include "lib/stringinfo.h"

#include "fk_model.h"
#include "fk_spi.h"

extern const char *fksql_relname(Oid relid);
extern const char *fksql_nspname(Oid nspid);
extern void fksql_rel(StringInfo buf, Oid relid, bool ri_scope);
extern void fksql_ident(StringInfo buf, const char *name);
extern void fksql_col(StringInfo buf, const char *alias, const char *colname);
extern void fksql_literal(StringInfo buf, const char *value);
extern void fksql_type(StringInfo buf, Oid typid, int32 typmod);
extern void fksql_typed_literal(StringInfo buf, const char *value, Oid typid,
								int32 typmod);
extern void fksql_collate(StringInfo buf, Oid collid);
extern void fksql_operator(StringInfo buf, Oid opr);

/* one side of a key, and comparing keys the way RI does */
extern void fksql_key_list(StringInfo buf, FkModel *fk, bool pk_side,
						   const char *alias);
extern void fksql_key_equal(StringInfo buf, FkModel *fk,
							const char *pkalias, const char *fkalias);
extern void fksql_key_group(StringInfo buf, FkModel *fk, const char *fkalias);
extern void fksql_key_group_item(StringInfo buf, FkModel *fk,
								 const char *fkalias, int i);
extern void fksql_key_complete(StringInfo buf, FkModel *fk, const char *fkalias,
							   bool grouped);
extern void fksql_key_checked(StringInfo buf, FkModel *fk, const char *fkalias);
extern void fksql_orphan_condition(StringInfo buf, FkModel *fk,
								   const char *fkalias);
extern void fksql_orphan_probe(StringInfo buf, FkModel *fk,
							   const char *fkalias, const char *pkalias);
extern void fksql_orphan_probed(StringInfo buf, FkModel *fk,
								const char *fkalias, const char *pkalias);
extern void fksql_key_same(StringInfo buf, FkModel *fk, bool pk_side,
						   const char *a1, const char *a2);
extern void fksql_key_equals_values(StringInfo buf, FkModel *fk, bool pk_side,
									const char *alias, FkParams *params,
									char **values);
extern void fksql_key_equals_literals(StringInfo buf, FkModel *fk,
									  const char *alias, char **values);

/* rows carried as (tableoid, ctid), and values as $n parameters */
extern void fksql_row_id(StringInfo buf, const char *alias);
extern void fksql_row_in(StringInfo buf, const char *alias, int tids_param,
						 int tableoid_param);
extern void fksql_col_equal_param(StringInfo buf, const char *alias,
								  const char *colname, Oid coltype, Oid opr,
								  Oid collid, int paramno, Oid paramtype,
								  bool any_array);
extern void fksql_key_equal_params(StringInfo buf, FkModel *fk,
								   const char *pkalias, const char *fkalias,
								   const int *paramnos, const Oid *paramtypes);
extern void fksql_cols_in_params(StringInfo buf, const char *alias, int ncols,
								 char **colnames, const Oid *coltypes,
								 const Oid *eqoprs, const Oid *collids,
								 int firstparam);

#endif							/* FK_SQL_H */
