/*-------------------------------------------------------------------------
 *
 * fk_selfcall.c
 *	  The extension's schema, checked before fk_explain and
 *	  fk_repair_orphans call the extension's own functions through SQL.
 *
 * Those calls name the function, qualified with the extension's schema
 * ("s.fk_cascade_preview($1, $2)"), and the parser picks the best match
 * among the functions of that name in s.  fk_cascade_preview takes
 * anyelement: a function fk_cascade_preview(regclass, jsonb) that someone
 * with CREATE on s added would be a better match and would run in its
 * place, with the caller's privileges.  So before such a call, every
 * function in s that has the name of one of the extension's functions
 * must belong to the extension; otherwise the call is refused.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_proc.h"
#include "commands/extension.h"
#include "utils/catcache.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "fk_tools.h"

static Oid	foreign_namesake(const char *name, Oid nsp, Oid ext);

/*
 * The schema of the function being called (the extension's: it is not
 * relocatable), once no function there can be reached by name in place
 * of one of the extension's own.  Catalog reads only.
 */
Oid
fk_selfcall_schema(FunctionCallInfo fcinfo)
{
	Oid			self = fcinfo->flinfo->fn_oid;
	Oid			nsp = get_func_namespace(self);
	Oid			ext = getExtensionOfObject(ProcedureRelationId, self);
	Relation	dep;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			intruder = InvalidOid;
	char	   *member = NULL;

	if (!OidIsValid(ext))
		elog(ERROR, "function %u is not part of an extension", self);

	dep = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(ExtensionRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(ext));
	scan = systable_beginscan(dep, DependReferenceIndexId, true, NULL, 2, key);
	while (!OidIsValid(intruder) && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend d = (Form_pg_depend) GETSTRUCT(tup);
		char	   *name;

		if (d->classid != ProcedureRelationId || d->deptype != DEPENDENCY_EXTENSION)
			continue;
		name = get_func_name(d->objid);
		if (name == NULL)
			continue;
		intruder = foreign_namesake(name, nsp, ext);
		if (OidIsValid(intruder))
			member = name;
	}
	systable_endscan(scan);
	table_close(dep, AccessShareLock);

	if (OidIsValid(intruder))
		ereport(ERROR,
				(errcode(ERRCODE_AMBIGUOUS_FUNCTION),
				 errmsg("function %s is not part of extension \"%s\"",
						format_procedure_qualified(intruder), get_extension_name(ext)),
				 errdetail("Extension \"%s\" calls its own function %s by name in schema \"%s\"; the other function could be called in its place, with your privileges.",
						   get_extension_name(ext), member, get_namespace_name(nsp)),
				 errhint("Drop the function or move it to another schema, and do not let untrusted roles create objects in schema \"%s\".",
						 get_namespace_name(nsp))));
	return nsp;
}

/*
 * A function named name in nsp that is not a member of extension ext, or
 * InvalidOid.
 */
static Oid
foreign_namesake(const char *name, Oid nsp, Oid ext)
{
	CatCList   *list = SearchSysCacheList1(PROCNAMEARGSNSP, CStringGetDatum(name));
	Oid			found = InvalidOid;

	for (int i = 0; i < list->n_members && !OidIsValid(found); i++)
	{
		Form_pg_proc p = (Form_pg_proc) GETSTRUCT(&list->members[i]->tuple);

		if (p->pronamespace == nsp &&
			getExtensionOfObject(ProcedureRelationId, p->oid) != ext)
			found = p->oid;
	}
	ReleaseSysCacheList(list);
	return found;
}
