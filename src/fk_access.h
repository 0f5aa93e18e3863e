/*-------------------------------------------------------------------------
 *
 * fk_access.h
 *	  What the caller may do: the one check of a table argument, the one
 *	  privilege check with its one "permission denied" report, and what
 *	  reading a foreign key's two tables needs.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FK_ACCESS_H
#define FK_ACCESS_H

#include "fmgr.h"

#include "fk_model.h"
#include "nodes/parsenodes.h"
#include "storage/lockdefs.h"

extern void fk_check_target(Oid relid, const char *argname);
extern void fk_check_target_or_foreign(Oid relid, const char *argname);
extern bool fk_has_privilege(Oid relid, AclMode mode, int ncols,
							 const AttrNumber *cols);
extern void fk_require_privilege(Oid relid, AclMode mode, int ncols,
								 const AttrNumber *cols, const char *detail);
extern void fk_report_denied(Oid relid, AclMode mode, const char *detail) pg_attribute_noreturn();
extern bool fk_can_read_key(FkModel *fk, bool pk_side, Oid *denied_relid);
extern bool fk_rls_hides_rows(Oid relid);
extern bool fk_is_other_temp(Oid relid);
extern char *fk_unreadable_reason(FkModel *fk);
extern void fk_require_readable(FkModel *fk, bool whole_fk_row);
extern List *fk_keys_of_target(FunctionCallInfo fcinfo, int argno,
							   bool declared_only, int flags);
extern FkModel *fk_lock_key(FkModel *listed, LOCKMODE fkmode, LOCKMODE pkmode,
							 int flags);

#endif							/* FK_ACCESS_H */
