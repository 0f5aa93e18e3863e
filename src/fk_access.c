/*-------------------------------------------------------------------------
 *
 * fk_access.c
 *	  What the caller may do, checked before anything is read or written.
 *
 * Every function runs with the caller's rights, so the server would refuse
 * a query on a table the caller may not read anyway; checking first gives
 * one clear error naming the table and what is needed, or lets fk_check
 * report a key as skipped and go on.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "fmgr.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/syscache.h"

#include "fk_access.h"
#include "fk_sql.h"

/*
 * A table passed as an argument: lock it with AccessShareLock (so it
 * cannot be dropped or altered under us), then make sure it is a table or
 * a partitioned table, the only relations foreign keys link.
 */
void
fk_check_target(Oid relid, const char *argname)
{
	char		relkind;

	LockRelationOid(relid, AccessShareLock);
	relkind = get_rel_relkind(relid);
	if (relkind == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid),
				 errhint("It may have been dropped concurrently.")));
	if (relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_WRONG_OBJECT_TYPE),
			 errmsg("\"%s\" is not a table", get_rel_name(relid)),
			 errdetail_relkind_not_supported(relkind),
			 errhint("Foreign keys link tables: pass a table or a partitioned table as %s.",
					 argname)));
}

/*
 * fk_check_target for the functions that check declared-only references
 * too, whose tables may be foreign tables (a reference across servers).
 */
void
fk_check_target_or_foreign(Oid relid, const char *argname)
{
	LockRelationOid(relid, AccessShareLock);
	if (get_rel_relkind(relid) == RELKIND_FOREIGN_TABLE)
		return;
	fk_check_target(relid, argname);
}

/* The privilege's keyword, for messages. */
static const char *
privilege_name(AclMode mode)
{
	switch (mode)
	{
		case ACL_SELECT:
			return "SELECT";
		case ACL_UPDATE:
			return "UPDATE";
		case ACL_DELETE:
			return "DELETE";
		case ACL_INSERT:
			return "INSERT";
		case ACL_TRUNCATE:
			return "TRUNCATE";
		default:
			return "UPDATE (or DELETE, or TRUNCATE)";	/* for a lock stronger than ROW EXCLUSIVE */
	}
}

/*
 * Does the current user hold mode on the table, or on each of the ncols
 * columns cols (a column grant is enough where the statement touches only
 * those columns)?
 */
bool
fk_has_privilege(Oid relid, AclMode mode, int ncols, const AttrNumber *cols)
{
	Oid			userid = GetUserId();

	if (pg_class_aclcheck(relid, userid, mode) == ACLCHECK_OK)
		return true;
	if (ncols == 0)
		return false;
	for (int i = 0; i < ncols; i++)
		if (pg_attribute_aclcheck(relid, cols[i], userid, mode) != ACLCHECK_OK)
			return false;
	return true;
}

/* fk_has_privilege, or the "permission denied" error saying why it is needed */
void
fk_require_privilege(Oid relid, AclMode mode, int ncols, const AttrNumber *cols,
					 const char *detail)
{
	if (!fk_has_privilege(relid, mode, ncols, cols))
		fk_report_denied(relid, mode, detail);
}

/*
 * The one "permission denied for table" report: what was refused, why
 * the call needs it (detail, a sentence), and what to do.
 */
void
fk_report_denied(Oid relid, AclMode mode, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied for table %s", get_rel_name(relid)),
			 detail ? errdetail_internal("%s", detail) : 0,
			 errhint("GRANT %s ON %s TO the role, or run as the table's owner.",
					 privilege_name(mode), fksql_relname(relid))));
}

/*
 * May the current user read the key columns of one side of the FK?  On
 * false, *denied_relid names the table.
 */
bool
fk_can_read_key(FkModel *fk, bool pk_side, Oid *denied_relid)
{
	Oid			relid = pk_side ? fk->pk_relid : fk->fk_relid;

	*denied_relid = relid;
	return fk_has_privilege(relid, ACL_SELECT, fk->nkeys,
							pk_side ? fk->pk_attnums : fk->fk_attnums);
}

/*
 * Would row-level security filter what the current user reads from relid?
 * RI itself reads the referenced table as its owner without policies, so
 * a filtered referenced table would make visible children look orphaned.
 */
bool
fk_rls_hides_rows(Oid relid)
{
	return check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED;
}

/* A temporary table of another session: the server lets no one read it. */
bool
fk_is_other_temp(Oid relid)
{
	return isOtherTempNamespace(get_rel_namespace(relid));
}

/*
 * Beyond the tables themselves, a check needs USAGE on both tables'
 * schemas and EXECUTE on the constraint's equality functions, and neither
 * table may be another session's temporary table; otherwise its query
 * would fail at its start.  NULL if all is usable.
 */
static char *
fk_unusable_reason(FkModel *fk)
{
	Oid			userid = GetUserId();
	Oid			rels[2] = {fk->fk_relid, fk->pk_relid};

	for (int r = 0; r < 2; r++)
	{
		Oid			nsp = get_rel_namespace(rels[r]);

		if (fk_is_other_temp(rels[r]))
			return pstrdup("temporary table of another session");
		if (pg_namespace_aclcheck(nsp, userid, ACL_USAGE) != ACLCHECK_OK)
			return psprintf("permission denied for schema %s",
							quote_identifier(get_namespace_name(nsp)));
	}
	for (int i = 0; i < fk->nkeys; i++)
	{
		Oid			fn = get_opcode(fk->pf_eq_oprs[i]);

		if (pg_proc_aclcheck(fn, userid, ACL_EXECUTE) != ACLCHECK_OK)
			return psprintf("permission denied for function %s",
							get_func_name(fn));
	}
	return NULL;
}

/*
 * Why the current user cannot check fk, or NULL if they can: SELECT on the
 * key columns of both sides, and no row-level security filtering the
 * referenced table (RI looks through the policies; a filtered referenced
 * table would make visible children look orphaned).
 */
char *
fk_unreadable_reason(FkModel *fk)
{
	Oid			denied;
	char	   *unusable = fk_unusable_reason(fk);

	if (unusable)
		return unusable;
	if (!fk_can_read_key(fk, false, &denied) || !fk_can_read_key(fk, true, &denied))
		return psprintf("permission denied for table %s", fksql_relname(denied));
	if (fk_rls_hides_rows(fk->pk_relid))
		return psprintf("row-level security filters referenced table %s",
						fksql_relname(fk->pk_relid));
	return NULL;
}

/* Error out unless the current user may check fk (whole_fk_row: read all of it). */
void
fk_require_readable(FkModel *fk, bool whole_fk_row)
{
	char	   *unusable = fk_unusable_reason(fk);

	if (unusable && (fk_is_other_temp(fk->fk_relid) || fk_is_other_temp(fk->pk_relid)))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot check constraint \"%s\" of another session's temporary table",
						NameStr(fk->conname)),
				 errdetail("Only the session that created a temporary table can read it."),
				 errhint("Run the check in that session.")));
	if (unusable)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg_internal("%s", unusable),
				 errdetail("Checking constraint \"%s\" of %s needs it.",
						   NameStr(fk->conname), get_rel_name(fk->fk_relid)),
				 errhint("Grant the privilege to the role, or run as the tables' owner.")));
	fk_require_privilege(fk->fk_relid, ACL_SELECT,
						 whole_fk_row ? 0 : fk->nkeys, fk->fk_attnums,
						 psprintf("Finding the rows that break constraint \"%s\" needs SELECT on %s.",
								  NameStr(fk->conname),
								  whole_fk_row ? "the whole referencing table" : "its key columns"));
	fk_require_privilege(fk->pk_relid, ACL_SELECT, fk->nkeys, fk->pk_attnums,
						 psprintf("Checking constraint \"%s\" needs SELECT on the referenced key columns.",
								  NameStr(fk->conname)));
	if (fk_rls_hides_rows(fk->pk_relid))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("row-level security filters referenced table %s",
						get_rel_name(fk->pk_relid)),
				 errdetail("Constraint \"%s\" is checked against every row of %s, but the current user sees only some of them, so visible rows could wrongly look orphaned.",
						   NameStr(fk->conname), get_rel_name(fk->pk_relid)),
				 errhint("Run as the table owner or as a role with BYPASSRLS.")));
}

/*
 * Lock both tables of a key found in a list made earlier, then read the
 * key again, so that what is checked is what exists now: NULL when it was
 * dropped (or undeclared) meanwhile.
 */
FkModel *
fk_lock_key(FkModel *listed, LOCKMODE fkmode, LOCKMODE pkmode, int flags)
{
	LockRelationOid(listed->fk_relid, fkmode);
	LockRelationOid(listed->pk_relid, pkmode);
	if (listed->decl_only)
	{
		FkModel    *ref = fk_model_ref(NameStr(listed->conname), flags);

		/* undeclared and declared again on other tables meanwhile */
		if (ref != NULL && (ref->fk_relid != listed->fk_relid ||
							ref->pk_relid != listed->pk_relid))
			return NULL;
		return ref;
	}
	return fk_model_load(listed->conoid, flags);
}

/*
 * The keys a call with an optional table argument works on: every
 * declared key of the database for NULL, else, of the table (checked
 * first), the declared ones (declared_only) or all those its rows are
 * checked against (partition clones included).  flags: FK_LOAD_REFS for
 * the declared-only references too.
 */
List *
fk_keys_of_target(FunctionCallInfo fcinfo, int argno, bool declared_only,
				  int flags)
{
	Oid			target;

	if (PG_ARGISNULL(argno))
		return fk_model_list(InvalidOid, true, flags);
	target = PG_GETARG_OID(argno);
	if (flags & FK_LOAD_REFS)
		fk_check_target_or_foreign(target, "target");
	else
		fk_check_target(target, "target");
	return declared_only ? fk_model_list(target, true, flags) :
		fk_model_checked_on(target, NULL, flags);
}
