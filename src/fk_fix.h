/*-------------------------------------------------------------------------
 *
 * fk_fix.h
 *	  The statements fk_tools hands out or runs to fix a foreign key: one
 *	  writer per statement, used by every feature (fk_fix.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FK_FIX_H
#define FK_FIX_H

#include "lib/stringinfo.h"

#include "fk_model.h"

extern void fkfix_validate(StringInfo buf, FkModel *fk);
extern bool fkfix_enable_triggers(StringInfo buf, FkModel *fk);
extern void fkfix_create_index(StringInfo buf, FkModel *fk);
extern void fkfix_redefine(StringInfo buf, FkModel *fk, char match_type,
						   char del_action, char upd_action);
extern void fkfix_drop(StringInfo buf, FkModel *fk);
extern void fkfix_add_constraint(StringInfo buf, FkModel *fk, bool not_valid);
extern bool fkfix_column_types(StringInfo buf, FkModel *fk);
extern void fkfix_set_key_null(StringInfo buf, FkModel *fk, const char *alias);
extern void fkfix_delete_with_dependants(StringInfo sql, FkModel *fk,
										 char **values, List **notes);
extern void fkfix_repoint_then_update(StringInfo buf, FkModel *fk, char **values,
									  List *refs, int nset, char **setcols,
									  char **setvalues, const char *statement);

#endif							/* FK_FIX_H */
