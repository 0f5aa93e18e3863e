/*-------------------------------------------------------------------------
 *
 * fk_model.c
 *	  The foreign key model: the one place that reads pg_constraint and the
 *	  catalogs around it (pg_attribute, pg_trigger, pg_index) and turns a
 *	  constraint into an FkModel.
 *
 * Only catalog scans happen here, never a scan of a user table, and no
 * relation is opened: a dashboard can poll what is built on this without
 * taking a lock on every table of the database.  The one other table read
 * is the extension's own list of declared-only references, as a catalog.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_index.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "fk_model.h"
#include "fk_table.h"
#include "fk_sql.h"
#include "fk_store.h"

static bool fk_load_names(FkModel *fk);
static List *fk_walk_ri_triggers(FkModel *fk, bool first_only);
static bool fk_triggers_enabled(FkModel *fk);
static int	fk_model_cmp(const ListCell *a, const ListCell *b);
static bool fk_clone_shares_side(FkModel *fk, bool pk_side);
static List *fk_referencing_oids(Oid pk_relid, bool declared_only);
static HTAB *fk_unenforced_constraints(void);
static int	fk_trigger_cmp(const ListCell *a, const ListCell *b);

static void fk_load_action_triggers(FkModel *fk);
static List *fk_ref_edges(Oid relid, bool referencing);
static bool fk_attribute_live(Oid relid, AttrNumber attnum);
static bool fk_key_operators(Oid opclass, Oid pktype, Oid fktype,
							 Oid *pfeqop, Oid *ppeqop, Oid *ffeqop);
static int	fk_model_del_trigger_cmp(const ListCell *a, const ListCell *b);
static int	fk_model_upd_trigger_cmp(const ListCell *a, const ListCell *b);

/*
 * Build the model of the FK constraint whose pg_constraint row is contup;
 * NULL when one of its tables was dropped since the row was read.
 */
FkModel *
fk_model_from_tuple(HeapTuple contup, int flags)
{
	Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(contup);
	FkModel    *fk;

	if (con->contype != CONSTRAINT_FOREIGN)
		elog(ERROR, "constraint %u is not a foreign key", con->oid);

	fk = palloc0(sizeof(FkModel));
	fk->conoid = con->oid;
	fk->conname = con->conname;
	fk->parentoid = con->conparentid;
	fk->fk_relid = con->conrelid;
	fk->pk_relid = con->confrelid;
	fk->pk_index = con->conindid;
	fk->match_type = con->confmatchtype;
	fk->upd_action = con->confupdtype;
	fk->del_action = con->confdeltype;
	fk->deferrable = con->condeferrable;
	fk->initdeferred = con->condeferred;
	fk->validated = con->convalidated;

	DeconstructFkConstraintRow(contup, &fk->nkeys,
							   fk->fk_attnums, fk->pk_attnums,
							   fk->pf_eq_oprs, fk->pp_eq_oprs, fk->ff_eq_oprs,
							   &fk->n_del_set_cols, fk->del_set_cols);

	fk->fk_relkind = get_rel_relkind(fk->fk_relid);
	fk->pk_relkind = get_rel_relkind(fk->pk_relid);
	if (fk->fk_relkind == '\0' || fk->pk_relkind == '\0' ||
		((flags & FK_LOAD_NAMES) && !fk_load_names(fk)))
	{
		pfree(fk);
		return NULL;
	}
	if (flags & FK_LOAD_STATE)
	{
		fk->enforced = fk_triggers_enabled(fk);
		fk->indexed = fk_has_leading_index(fk);
	}
	if (flags & FK_LOAD_ACTIONS)
		fk_load_action_triggers(fk);
	return fk;
}

/*
 * Load one constraint by OID; NULL if it does not exist (any more) or is
 * not a foreign key.
 */
FkModel *
fk_model_load(Oid conoid, int flags)
{
	HeapTuple	tup;
	FkModel    *fk = NULL;

	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
	if (!HeapTupleIsValid(tup))
		return NULL;
	if (((Form_pg_constraint) GETSTRUCT(tup))->contype == CONSTRAINT_FOREIGN)
		fk = fk_model_from_tuple(tup, flags);
	ReleaseSysCache(tup);
	return fk;
}

/*
 * All FK constraints, or only those of one referencing table (fk_relid,
 * through pg_constraint's conrelid index).  With declared_only, partition
 * clones (conparentid <> 0) are left out: what remains is what users
 * declared.  With FK_LOAD_REFS, the declared-only references too.  The list is sorted by table, then constraint name.  The keys
 * pointing at a table are fk_model_referencing's.
 */
List *
fk_model_list(Oid fk_relid, bool declared_only, int flags)
{
	Relation	conrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	List	   *result = NIL;
	FkModel    *fk;

	conrel = table_open(ConstraintRelationId, AccessShareLock);
	if (OidIsValid(fk_relid))
	{
		ScanKeyInit(&key, Anum_pg_constraint_conrelid,
					BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(fk_relid));
		scan = systable_beginscan(conrel, ConstraintRelidTypidNameIndexId,
								  true, NULL, 1, &key);
	}
	else
		scan = systable_beginscan(conrel, InvalidOid, false, NULL, 0, NULL);

	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);

		if (con->contype != CONSTRAINT_FOREIGN)
			continue;
		if (declared_only && OidIsValid(con->conparentid))
			continue;
		CHECK_FOR_INTERRUPTS();
		fk = fk_model_from_tuple(tup, flags);
		if (fk != NULL)
			result = lappend(result, fk);
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);

	if (flags & FK_LOAD_REFS)
		result = list_concat(result, fk_model_refs(fk_relid, InvalidOid, flags));
	list_sort(result, fk_model_cmp);
	return result;
}

/*
 * The OIDs of the FK constraints that reference pk_relid, found through
 * pg_depend's index on the referenced object: every FK constraint depends
 * on the referenced table's key columns, partition clones included.  So
 * the cost follows the answer, not the number of constraints in the
 * database.
 */
static List *
fk_referencing_oids(Oid pk_relid, bool declared_only)
{
	List	   *result = NIL;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key[2];
	HeapTuple	tup;

	rel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(RelationRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(pk_relid));
	scan = systable_beginscan(rel, DependReferenceIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);
		HeapTuple	contup;
		Form_pg_constraint con;

		/* one dependency per referenced column: look at each key once */
		if (dep->classid != ConstraintRelationId ||
			list_member_oid(result, dep->objid))
			continue;
		contup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(dep->objid));
		if (!HeapTupleIsValid(contup))
			continue;
		con = (Form_pg_constraint) GETSTRUCT(contup);
		if (con->contype == CONSTRAINT_FOREIGN && con->confrelid == pk_relid &&
			!(declared_only && OidIsValid(con->conparentid)))
			result = lappend_oid(result, con->oid);
		ReleaseSysCache(contup);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * The FK constraints that reference pk_relid (only declared ones with
 * declared_only), as models sorted like fk_model_list's; with
 * FK_LOAD_REFS, the declared-only references to it too.
 */
List *
fk_model_referencing(Oid pk_relid, bool declared_only, int flags)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, fk_referencing_oids(pk_relid, declared_only))
	{
		FkModel    *fk = fk_model_load(lfirst_oid(lc), flags);

		CHECK_FOR_INTERRUPTS();
		if (fk != NULL)
			result = lappend(result, fk);
	}
	if (flags & FK_LOAD_REFS)
		result = list_concat(result, fk_model_refs(InvalidOid, pk_relid, flags));
	list_sort(result, fk_model_cmp);
	return result;
}

/*
 * The constraint a partition clone was cloned from, up to the one a user
 * declared (the constraint itself when it is not a clone): the one that
 * messages and results name.
 */
Oid
fk_model_declared(Oid conoid)
{
	for (;;)
	{
		HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
		Oid			parent;

		if (!HeapTupleIsValid(tup))
			return conoid;
		parent = ((Form_pg_constraint) GETSTRUCT(tup))->conparentid;
		ReleaseSysCache(tup);
		if (!OidIsValid(parent))
			return conoid;
		conoid = parent;
	}
}

/*
 * The FK constraints named conname (any table, any schema, partition
 * clones included), as FkEdges, through pg_constraint's (conname,
 * connamespace) index: for reading names a user gives or a message
 * prints.  None for a name longer than a name can be.
 */
List *
fk_model_named(const char *conname)
{
	List	   *found = NIL;
	Relation	conrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	NameData	name;

	if (strlen(conname) >= NAMEDATALEN)
		return NIL;
	namestrcpy(&name, conname);
	conrel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_constraint_conname,
				BTEqualStrategyNumber, F_NAMEEQ, NameGetDatum(&name));
	scan = systable_beginscan(conrel, ConstraintNameNspIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);

		CHECK_FOR_INTERRUPTS();
		if (con->contype == CONSTRAINT_FOREIGN)
		{
			FkEdge	   *e = palloc0(sizeof(FkEdge));

			e->conoid = con->oid;
			e->fk_relid = con->conrelid;
			e->pk_relid = con->confrelid;
			found = lappend(found, e);
		}
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
	return found;
}

/*
 * Is relid the referenced table of a foreign key declared on it, not only
 * of the clones a key referencing a partitioned table above it makes for
 * its partitions?  (The server refuses to move rows out of such a
 * partition's subtree when the UPDATE names a table above it.)
 */
bool
fk_model_directly_referenced(Oid relid)
{
	ListCell   *lc;

	foreach(lc, fk_referencing_oids(relid, false))
	{
		HeapTuple	tup = SearchSysCache1(CONSTROID,
										  ObjectIdGetDatum(fk_model_declared(lfirst_oid(lc))));
		bool		direct;

		if (!HeapTupleIsValid(tup))
			continue;
		direct = ((Form_pg_constraint) GETSTRUCT(tup))->confrelid == relid;
		ReleaseSysCache(tup);
		if (direct)
			return true;
	}
	return false;
}

/*
 * The edges of the FK graph: every FK constraint's OID and its two tables,
 * in one pass over pg_constraint that reads only the fixed-width part of
 * each row (no key arrays, no other catalog).  With declared_only,
 * partition clones are left out, as in fk_model_list.  The declared-only
 * references follow (conoid 0, refname set: fk_model_load_edge loads
 * either).  The array is palloc'd in the current context, in no
 * particular order.
 */
FkEdge *
fk_model_edges(bool declared_only, int *nedges)
{
	Relation	conrel;
	SysScanDesc scan;
	HeapTuple	tup;
	ListCell   *lc;
	int			n = 0;
	int			alloc = 256;
	FkEdge	   *edges = palloc(sizeof(FkEdge) * alloc);

	conrel = table_open(ConstraintRelationId, AccessShareLock);
	scan = systable_beginscan(conrel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);

		if (con->contype != CONSTRAINT_FOREIGN)
			continue;
		if (declared_only && OidIsValid(con->conparentid))
			continue;
		if (n == alloc)
		{
			alloc *= 2;
			edges = repalloc(edges, sizeof(FkEdge) * alloc);
		}
		edges[n].conoid = con->oid;
		edges[n].fk_relid = con->conrelid;
		edges[n].pk_relid = con->confrelid;
		edges[n].refname = NULL;
		n++;
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);

	foreach(lc, fk_ref_edges(InvalidOid, false))
	{
		if (n == alloc)
		{
			alloc *= 2;
			edges = repalloc(edges, sizeof(FkEdge) * alloc);
		}
		edges[n++] = *(FkEdge *) lfirst(lc);
	}

	*nedges = n;
	return edges;
}

/*
 * The declared foreign keys of the database with their name, tables and
 * state, in one pass over pg_constraint that reads only the fixed-width
 * part of each row, and one over pg_trigger for the keys not enforced:
 * what a view polled every few seconds can afford at 10,000 keys.  The
 * declared-only references follow (conoid 0, neither validated nor
 * enforced).  The array is palloc'd in the current context, in no
 * particular order.
 */
FkKeyFacts *
fk_model_key_facts(int *nkeys)
{
	ListCell   *lc;
	HTAB	   *unenforced = fk_unenforced_constraints();
	Relation	conrel;
	SysScanDesc scan;
	HeapTuple	tup;
	int			n = 0;
	int			alloc = 256;
	FkKeyFacts *keys = palloc(sizeof(FkKeyFacts) * alloc);

	conrel = table_open(ConstraintRelationId, AccessShareLock);
	scan = systable_beginscan(conrel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);

		if (con->contype != CONSTRAINT_FOREIGN || OidIsValid(con->conparentid))
			continue;
		if (n == alloc)
		{
			alloc *= 2;
			keys = repalloc(keys, sizeof(FkKeyFacts) * alloc);
		}
		keys[n].conoid = con->oid;
		keys[n].conname = con->conname;
		keys[n].fk_relid = con->conrelid;
		keys[n].pk_relid = con->confrelid;
		keys[n].validated = con->convalidated;
		keys[n].enforced = (hash_search(unenforced, &con->oid, HASH_FIND, NULL) == NULL);
		keys[n].decl_only = false;
		n++;
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
	hash_destroy(unenforced);

	foreach(lc, fk_ref_edges(InvalidOid, false))
	{
		FkEdge	   *e = lfirst(lc);

		if (n == alloc)
		{
			alloc *= 2;
			keys = repalloc(keys, sizeof(FkKeyFacts) * alloc);
		}
		memset(&keys[n], 0, sizeof(FkKeyFacts));
		namestrcpy(&keys[n].conname, e->refname);
		keys[n].fk_relid = e->fk_relid;
		keys[n].pk_relid = e->pk_relid;
		keys[n].decl_only = true;
		n++;
	}

	*nkeys = n;
	return keys;
}

/*
 * The declared foreign keys pointing at relid (referencing) or declared on
 * it (!referencing), as a list of FkEdge, found through indexes only: the
 * dependencies of constraints on the referenced table's columns
 * (pg_depend), or pg_constraint by conrelid.  What a walk over the graph
 * costs then grows with what it finds, not with the database.  The
 * declared-only references into or out of relid follow (refname set).
 */
List *
fk_model_edges_at(Oid relid, bool referencing)
{
	List	   *result = NIL;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key[1];
	HeapTuple	tup;
	ListCell   *lc;

	if (!referencing)
	{
		rel = table_open(ConstraintRelationId, AccessShareLock);
		ScanKeyInit(&key[0], Anum_pg_constraint_conrelid,
					BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
		scan = systable_beginscan(rel, ConstraintRelidTypidNameIndexId, true,
								  NULL, 1, key);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
			FkEdge	   *e;

			if (con->contype != CONSTRAINT_FOREIGN || OidIsValid(con->conparentid))
				continue;
			e = palloc0(sizeof(FkEdge));
			e->conoid = con->oid;
			e->fk_relid = con->conrelid;
			e->pk_relid = con->confrelid;
			result = lappend(result, e);
		}
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
		return list_concat(result, fk_ref_edges(relid, false));
	}

	foreach(lc, fk_referencing_oids(relid, true))
	{
		HeapTuple	contup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_constraint con;
		FkEdge	   *e;

		if (!HeapTupleIsValid(contup))
			continue;
		con = (Form_pg_constraint) GETSTRUCT(contup);
		e = palloc0(sizeof(FkEdge));
		e->conoid = con->oid;
		e->fk_relid = con->conrelid;
		e->pk_relid = con->confrelid;
		result = lappend(result, e);
		ReleaseSysCache(contup);
	}
	return list_concat(result, fk_ref_edges(relid, true));
}

/*
 * Call cb for every FK constraint of the database (only declared ones with
 * declared_only), in catalog order, each model built in a memory context
 * that is reset after its callback: memory stays flat however many keys
 * there are.  What cb keeps must be copied out (e.g. into a tuplestore).
 * With FK_LOAD_REFS the declared-only references come last, in one
 * context (they are few).
 */
void
fk_model_foreach(bool declared_only, int flags, FkModelCallback cb, void *arg)
{
	Relation	conrel;
	SysScanDesc scan;
	HeapTuple	tup;
	MemoryContext rowcxt;
	MemoryContext oldcxt;

	HTAB	   *unenforced = NULL;

	/*
	 * For the state of every key, one pass over pg_trigger finds the few
	 * keys with a trigger that does not fire, instead of an index scan per
	 * key (and per clone).
	 */
	if (flags & FK_LOAD_STATE)
		unenforced = fk_unenforced_constraints();

	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "fk_model_foreach",
								   ALLOCSET_DEFAULT_SIZES);
	conrel = table_open(ConstraintRelationId, AccessShareLock);
	scan = systable_beginscan(conrel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		FkModel    *fk;

		if (con->contype != CONSTRAINT_FOREIGN ||
			(declared_only && OidIsValid(con->conparentid)))
			continue;
		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(rowcxt);
		fk = fk_model_from_tuple(tup, flags & ~FK_LOAD_STATE);
		if (fk != NULL)
		{
			if (unenforced)
			{
				fk->enforced = (hash_search(unenforced, &fk->conoid,
											HASH_FIND, NULL) == NULL);
				fk->indexed = fk_has_leading_index(fk);
			}
			cb(fk, arg);
		}
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(rowcxt);
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
	if (flags & FK_LOAD_REFS)
	{
		List	   *refs;
		ListCell   *lc;

		oldcxt = MemoryContextSwitchTo(rowcxt);
		refs = fk_model_refs(InvalidOid, InvalidOid, flags);
		foreach(lc, refs)
		{
			CHECK_FOR_INTERRUPTS();
			cb(lfirst(lc), arg);
		}
		MemoryContextSwitchTo(oldcxt);
	}
	MemoryContextDelete(rowcxt);
	if (unenforced)
		hash_destroy(unenforced);
}

/*
 * The constraints with an RI trigger that does not fire in a normal session
 * (disabled or replica-only), with every constraint they were cloned from
 * up to the declared one: a key is not enforced when it or any of its
 * clones has such a trigger.  One pass over pg_trigger.
 */
static HTAB *
fk_unenforced_constraints(void)
{
	HASHCTL		ctl;
	HTAB	   *result;
	Relation	trigrel;
	SysScanDesc scan;
	HeapTuple	tup;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(Oid);
	ctl.hcxt = CurrentMemoryContext;
	result = hash_create("fk unenforced constraints", 16, &ctl,
						 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	trigrel = table_open(TriggerRelationId, AccessShareLock);
	scan = systable_beginscan(trigrel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_trigger trig = (Form_pg_trigger) GETSTRUCT(tup);
		Oid			conoid = trig->tgconstraint;

		if (!OidIsValid(conoid) ||
			trig->tgenabled == TRIGGER_FIRES_ON_ORIGIN ||
			trig->tgenabled == TRIGGER_FIRES_ALWAYS)
			continue;
		/* the constraint and its ancestors, up to the declared one */
		while (OidIsValid(conoid))
		{
			HeapTuple	contup;
			bool		found;

			hash_search(result, &conoid, HASH_ENTER, &found);
			if (found)
				break;
			contup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
			if (!HeapTupleIsValid(contup))
				break;
			conoid = ((Form_pg_constraint) GETSTRUCT(contup))->conparentid;
			ReleaseSysCache(contup);
		}
	}
	systable_endscan(scan);
	table_close(trigrel, AccessShareLock);
	return result;
}

/*
 * Is fk a partition clone whose parent constraint has the same referenced
 * table (pk_side) or the same referencing table (!pk_side)?  Such a clone
 * only repeats its parent on that side: the parent already covers it.
 */
static bool
fk_clone_shares_side(FkModel *fk, bool pk_side)
{
	HeapTuple	ptup;
	bool		shares = false;

	if (!OidIsValid(fk->parentoid))
		return false;
	ptup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(fk->parentoid));
	if (HeapTupleIsValid(ptup))
	{
		Form_pg_constraint parent = (Form_pg_constraint) GETSTRUCT(ptup);

		shares = pk_side ? parent->confrelid == fk->pk_relid :
			parent->conrelid == fk->fk_relid;
		ReleaseSysCache(ptup);
	}
	return shares;
}

/*
 * The FK constraints whose rows live in fk_relid, i.e. the ones PostgreSQL
 * checks rows of fk_relid against: those declared on it and the clones it
 * got as a partition, but not the per-partition clones made for a
 * partitioned referenced table (those repeat their parent on the same
 * referencing table).  With only_constraint, just that one, and an error
 * listing the table's foreign keys when there is no such constraint (one
 * saying so when it names a declared-only reference and the caller did
 * not ask for those with FK_LOAD_REFS).
 */
List *
fk_model_checked_on(Oid fk_relid, const char *only_constraint, int flags)
{
	List	   *all = fk_model_list(fk_relid, false, flags);
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, all)
	{
		FkModel    *fk = lfirst(lc);

		/* a clone made for a partition of the referenced table */
		if (fk_clone_shares_side(fk, false))
			continue;
		if (only_constraint && strcmp(NameStr(fk->conname), only_constraint) != 0)
			continue;
		result = lappend(result, fk);
	}

	if (only_constraint && result == NIL && !(flags & FK_LOAD_REFS))
	{
		FkModel    *ref = fk_model_ref(only_constraint, 0);

		if (ref != NULL && ref->fk_relid == fk_relid)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("\"%s\" is a declared reference, not a foreign key constraint",
							only_constraint),
					 errdetail("No constraint enforces it: no server error names it, and it has no actions to repair through and nothing to validate."),
					 errhint("fk_orphans() lists its orphan rows; fk_promote('%s') writes the DDL that makes it a foreign key.",
							 only_constraint)));
	}
	if (only_constraint && result == NIL)
	{
		StringInfoData names;

		initStringInfo(&names);
		foreach(lc, all)
		{
			FkModel    *fk = lfirst(lc);

			if (OidIsValid(fk->parentoid))
				continue;
			appendStringInfo(&names, "%s%s", names.len > 0 ? ", " : "",
							 quote_identifier(NameStr(fk->conname)));
		}
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("foreign key constraint \"%s\" of relation \"%s\" does not exist",
						only_constraint, get_rel_name(fk_relid)),
				 names.len > 0 ?
				 errhint("Foreign keys of \"%s\": %s.", get_rel_name(fk_relid), names.data) :
				 errhint("Relation \"%s\" has no foreign keys; use fk_referencing_tables() to find the tables that reference it.",
						 get_rel_name(fk_relid))));
	}
	return result;
}

/*
 * The FK constraints whose ON DELETE (or, with on_update, ON UPDATE)
 * actions fire for rows stored in pk_relid: those referencing it directly
 * and the clones made for it as a partition of a referenced partitioned
 * table, but not the clones a partitioned referencing table gets for its
 * partitions (their parent, on the same referenced table, is the one whose
 * triggers fire).  Sorted the way the server fires the action triggers of
 * one row: by trigger name.  Loads FK_LOAD_ACTIONS whatever the flags.
 */
List *
fk_model_acting_on(Oid pk_relid, bool on_update, int flags)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, fk_model_referencing(pk_relid, false, flags | FK_LOAD_ACTIONS))
	{
		FkModel    *fk = lfirst(lc);

		/* a clone made for a partition of the referencing table */
		if (fk_clone_shares_side(fk, true))
			continue;
		result = lappend(result, fk);
	}
	list_sort(result, on_update ? fk_model_upd_trigger_cmp : fk_model_del_trigger_cmp);
	return result;
}

/*
 * Order of two RI triggers of the same row: triggers fire in name order,
 * and RI trigger names end in the trigger's OID written in decimal.
 */
static int
fk_model_trigger_order(Oid trig_a, Oid trig_b)
{
	char		a[16];
	char		b[16];

	snprintf(a, sizeof(a), "%u", trig_a);
	snprintf(b, sizeof(b), "%u", trig_b);
	return strcmp(a, b);
}

static int
fk_model_del_trigger_cmp(const ListCell *a, const ListCell *b)
{
	return fk_model_trigger_order(((FkModel *) lfirst(a))->pk_del_trigger,
								  ((FkModel *) lfirst(b))->pk_del_trigger);
}

static int
fk_model_upd_trigger_cmp(const ListCell *a, const ListCell *b)
{
	return fk_model_trigger_order(((FkModel *) lfirst(a))->pk_upd_trigger,
								  ((FkModel *) lfirst(b))->pk_upd_trigger);
}

/* The OIDs of the constraint's ON DELETE and ON UPDATE triggers. */
static void
fk_load_action_triggers(FkModel *fk)
{
	Relation	trigrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;

	trigrel = table_open(TriggerRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_trigger_tgconstraint,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(fk->conoid));
	scan = systable_beginscan(trigrel, TriggerConstraintIndexId, true,
							  NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_trigger trig = (Form_pg_trigger) GETSTRUCT(tup);

		if (trig->tgrelid != fk->pk_relid)
			continue;
		if (TRIGGER_FOR_DELETE(trig->tgtype))
			fk->pk_del_trigger = trig->oid;
		if (TRIGGER_FOR_UPDATE(trig->tgtype))
			fk->pk_upd_trigger = trig->oid;
	}
	systable_endscan(scan);
	table_close(trigrel, AccessShareLock);
}

/*
 * Column names, types and collations of both keys.  False when a column or
 * table is gone: catalog scans see DDL committed while they run, so a
 * constraint listed a moment ago can lose its table (concurrent DROP).
 */
static bool
fk_load_names(FkModel *fk)
{
	for (int i = 0; i < fk->nkeys; i++)
	{
		HeapTuple	atttup;
		Form_pg_attribute att;

		atttup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(fk->fk_relid),
								 Int16GetDatum(fk->fk_attnums[i]));
		if (!HeapTupleIsValid(atttup))
			return false;
		att = (Form_pg_attribute) GETSTRUCT(atttup);
		fk->fk_colnames[i] = pstrdup(NameStr(att->attname));
		fk->fk_types[i] = att->atttypid;
		fk->fk_typmods[i] = att->atttypmod;
		fk->fk_colls[i] = att->attcollation;
		fk->fk_notnull[i] = att->attnotnull;
		fk->fk_inherited[i] = (att->attinhcount > 0);
		ReleaseSysCache(atttup);

		atttup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(fk->pk_relid),
								 Int16GetDatum(fk->pk_attnums[i]));
		if (!HeapTupleIsValid(atttup))
			return false;
		att = (Form_pg_attribute) GETSTRUCT(atttup);
		fk->pk_colnames[i] = pstrdup(NameStr(att->attname));
		fk->pk_types[i] = att->atttypid;
		fk->pk_typmods[i] = att->atttypmod;
		fk->pk_colls[i] = att->attcollation;
		ReleaseSysCache(atttup);
	}
	return true;
}

/*
 * Walk the RI triggers of the constraint and of its partition clones (any
 * depth: clones have clones) and collect those in a state that does not
 * fire in a normal session, i.e. neither origin nor always: a disabled or
 * replica-only trigger is how rows that break the FK get in.  With
 * first_only the walk stops at the first such trigger.  Only a key with a
 * partitioned table on either side has clones: the search for them is
 * skipped for the others.
 */
static List *
fk_walk_ri_triggers(FkModel *fk, bool first_only)
{
	Relation	trigrel;
	Relation	conrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	List	   *result = NIL;
	List	   *todo = list_make1_oid(fk->conoid);
	bool		has_clones = (fk->fk_relkind == RELKIND_PARTITIONED_TABLE ||
							  fk->pk_relkind == RELKIND_PARTITIONED_TABLE);

	trigrel = table_open(TriggerRelationId, AccessShareLock);
	conrel = table_open(ConstraintRelationId, AccessShareLock);
	while (todo != NIL && !(first_only && result != NIL))
	{
		Oid			cur = linitial_oid(todo);

		CHECK_FOR_INTERRUPTS();
		todo = list_delete_first(todo);

		ScanKeyInit(&key, Anum_pg_trigger_tgconstraint,
					BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(cur));
		scan = systable_beginscan(trigrel, TriggerConstraintIndexId, true,
								  NULL, 1, &key);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			Form_pg_trigger trig = (Form_pg_trigger) GETSTRUCT(tup);
			FkTrigger  *t;

			if (trig->tgenabled == TRIGGER_FIRES_ON_ORIGIN ||
				trig->tgenabled == TRIGGER_FIRES_ALWAYS)
				continue;
			t = palloc(sizeof(FkTrigger));
			t->relid = trig->tgrelid;
			t->name = trig->tgname;
			t->enabled = trig->tgenabled;
			result = lappend(result, t);
			if (first_only)
				break;
		}
		systable_endscan(scan);
		if (!has_clones)
			continue;

		ScanKeyInit(&key, Anum_pg_constraint_conparentid,
					BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(cur));
		scan = systable_beginscan(conrel, ConstraintParentIndexId, true,
								  NULL, 1, &key);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
			todo = lappend_oid(todo, ((Form_pg_constraint) GETSTRUCT(tup))->oid);
		systable_endscan(scan);
	}
	table_close(conrel, AccessShareLock);
	table_close(trigrel, AccessShareLock);
	list_free(todo);
	return result;
}

/* Do all RI triggers of the constraint, clones' included, fire? */
static bool
fk_triggers_enabled(FkModel *fk)
{
	List	   *off = fk_walk_ri_triggers(fk, true);
	bool		enabled = (off == NIL);

	list_free_deep(off);
	return enabled;
}

/*
 * The RI triggers of the constraint and of its partition clones that do
 * not fire in a normal session (disabled or replica-only), sorted by table
 * OID, then trigger name.
 */
List *
fk_model_disabled_triggers(FkModel *fk)
{
	List	   *result = fk_walk_ri_triggers(fk, false);

	list_sort(result, fk_trigger_cmp);
	return result;
}

/*
 * Was conoid a foreign key that the current transaction dropped?  An
 * sql_drop event trigger asks after the catalog row is gone; the row
 * version this transaction deleted stays on disk until it ends, and is
 * read with SnapshotAny.  *parentoid: its conparentid (nonzero for a
 * partition clone).
 */
bool
fk_model_dropped(Oid conoid, Oid *parentoid)
{
	Relation	conrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	bool		result = false;

	*parentoid = InvalidOid;
	conrel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_constraint_oid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(conoid));
	scan = systable_beginscan(conrel, ConstraintOidIndexId, true,
							  SnapshotAny, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);

		if (!TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetUpdateXid(tup->t_data)))
			continue;
		result = (con->contype == CONSTRAINT_FOREIGN);
		*parentoid = con->conparentid;
		break;
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
	return result;
}

/*
 * Does a valid, non-partial index of the referencing table have the FK
 * columns as its leading key columns, in any order?  That is what lets
 * ON DELETE / ON UPDATE find the referencing rows without a full scan.
 *
 * A key may name a column twice (FOREIGN KEY (a, a) is accepted), so the
 * test is on the set of distinct columns: its m members must all be among
 * the index's first m key columns.  An expression column (attnum 0) never
 * matches.
 */
bool
fk_has_leading_index(FkModel *fk)
{
	Relation	indrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	bool		found = false;
	AttrNumber	cols[INDEX_MAX_KEYS];
	int			ncols = 0;

	for (int j = 0; j < fk->nkeys; j++)
	{
		bool		seen = false;

		for (int k = 0; k < ncols && !seen; k++)
			seen = (cols[k] == fk->fk_attnums[j]);
		if (!seen)
			cols[ncols++] = fk->fk_attnums[j];
	}

	indrel = table_open(IndexRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_index_indrelid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(fk->fk_relid));
	scan = systable_beginscan(indrel, IndexIndrelidIndexId, true, NULL, 1, &key);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_index ind = (Form_pg_index) GETSTRUCT(tup);

		if (!ind->indisvalid || !ind->indislive ||
			ind->indnkeyatts < ncols ||
			!heap_attisnull(tup, Anum_pg_index_indpred, NULL))
			continue;
		found = true;
		for (int k = 0; k < ncols && found; k++)
		{
			bool		leads = false;

			for (int i = 0; i < ncols && !leads; i++)
				leads = (ind->indkey.values[i] == cols[k]);
			found = leads;
		}
	}
	systable_endscan(scan);
	table_close(indrel, AccessShareLock);
	return found;
}

/* Sort by referencing table, then constraint name, then OID. */
static int
fk_model_cmp(const ListCell *a, const ListCell *b)
{
	FkModel    *fa = lfirst(a);
	FkModel    *fb = lfirst(b);
	int			c;

	if (fa->fk_relid != fb->fk_relid)
		return fa->fk_relid < fb->fk_relid ? -1 : 1;
	c = strcmp(NameStr(fa->conname), NameStr(fb->conname));
	if (c != 0)
		return c;
	return fa->conoid < fb->conoid ? -1 : (fa->conoid > fb->conoid);
}

/* Sort by table, then trigger name. */
static int
fk_trigger_cmp(const ListCell *a, const ListCell *b)
{
	FkTrigger  *ta = lfirst(a);
	FkTrigger  *tb = lfirst(b);

	if (ta->relid != tb->relid)
		return ta->relid < tb->relid ? -1 : 1;
	return strcmp(NameStr(ta->name), NameStr(tb->name));
}

const char *
fk_action_name(char action)
{
	switch (action)
	{
		case FKCONSTR_ACTION_NOACTION:
			return "NO ACTION";
		case FKCONSTR_ACTION_RESTRICT:
			return "RESTRICT";
		case FKCONSTR_ACTION_CASCADE:
			return "CASCADE";
		case FKCONSTR_ACTION_SETNULL:
			return "SET NULL";
		case FKCONSTR_ACTION_SETDEFAULT:
			return "SET DEFAULT";
	}
	elog(ERROR, "unrecognized foreign key action: %d", action);
	return NULL;				/* keep compiler quiet */
}

const char *
fk_match_name(char match_type)
{
	switch (match_type)
	{
		case FKCONSTR_MATCH_SIMPLE:
			return "SIMPLE";
		case FKCONSTR_MATCH_FULL:
			return "FULL";
		case FKCONSTR_MATCH_PARTIAL:
			return "PARTIAL";
	}
	elog(ERROR, "unrecognized foreign key match type: %d", match_type);
	return NULL;				/* keep compiler quiet */
}

/* n C strings as a name[] datum */
Datum
fk_name_array_datum(int n, char **names)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		Name		nm = palloc0(NAMEDATALEN);

		namestrcpy(nm, names[i]);
		elems[i] = NameGetDatum(nm);
	}
	return PointerGetDatum(construct_array(elems, n, NAMEOID, NAMEDATALEN,
										   false, TYPALIGN_CHAR));
}

/* The key's column names as a name[] datum (needs FK_LOAD_NAMES). */
Datum
fk_colnames_array(FkModel *fk, bool pk_side)
{
	return fk_name_array_datum(fk->nkeys,
							   pk_side ? fk->pk_colnames : fk->fk_colnames);
}

/*
 * pg_get_constraintdef() of the constraint, or "(dropped)" when it was
 * dropped since the model was built (the function then returns NULL); for
 * a declared-only reference, the key written the same way.
 */
char *
fk_model_definition(FkModel *fk)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		result;

	/* a declared-only reference, the way pg_get_constraintdef writes a key */
	if (fk->decl_only)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfoString(&buf, "FOREIGN KEY (");
		fksql_key_list(&buf, fk, false, NULL);
		appendStringInfo(&buf, ") REFERENCES %s(", fksql_relname(fk->pk_relid));
		fksql_key_list(&buf, fk, true, NULL);
		appendStringInfoChar(&buf, ')');
		if (fk->match_type == FKCONSTR_MATCH_FULL)
			appendStringInfoString(&buf, " MATCH FULL");
		return buf.data;
	}
	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = ObjectIdGetDatum(fk->conoid);
	fcinfo->args[0].isnull = false;
	result = pg_get_constraintdef(fcinfo);
	return fcinfo->isnull ? pstrdup("(dropped)") : TextDatumGetCString(result);
}

/*
 * Does key column i compare under a collation other than the referencing
 * column's own?  RI compares with the referenced column's collation.
 */
bool
fk_key_collation_differs(FkModel *fk, int i)
{
	return fk->pk_colls[i] != fk->fk_colls[i] && OidIsValid(fk->pk_colls[i]);
}

/*
 * first_pos[i] = the first key position naming the same referencing
 * column as position i (FOREIGN KEY (a, a) is accepted); returns the
 * number of distinct referencing columns.
 */
int
fk_key_distinct_columns(FkModel *fk, int *first_pos)
{
	int			n = 0;

	for (int i = 0; i < fk->nkeys; i++)
	{
		first_pos[i] = i;
		for (int j = 0; j < i; j++)
		{
			if (fk->fk_attnums[j] == fk->fk_attnums[i])
			{
				first_pos[i] = j;
				break;
			}
		}
		if (first_pos[i] == i)
			n++;
	}
	return n;
}

/*
 * Does the key's SET NULL / SET DEFAULT action store into referencing key
 * column i?  Every key column, except ON DELETE with PG 15's column list,
 * which names the ones it sets.
 */
bool
fk_key_sets_column(FkModel *fk, int i, bool ondelete)
{
	if (!ondelete || fk->n_del_set_cols == 0)
		return true;
	for (int j = 0; j < fk->n_del_set_cols; j++)
		if (fk->del_set_cols[j] == fk->fk_attnums[i])
			return true;
	return false;
}

/*
 * Is key position i the first one naming a referencing column whose type
 * is not the referenced column's?  (A column named twice in the key is
 * reported, and changed, once.)
 */
bool
fk_key_type_differs(FkModel *fk, int i)
{
	if (fk->fk_types[i] == fk->pk_types[i])
		return false;
	for (int j = 0; j < i; j++)
		if (fk->fk_attnums[j] == fk->fk_attnums[i] &&
			fk->fk_types[j] != fk->pk_types[j])
			return false;
	return true;
}

/*
 * The equality operators ADD FOREIGN KEY would choose for referencing type
 * fktype against a referenced column whose index uses opclass (pktype: the
 * column's own type): the operator family's PK = FK and FK = FK members
 * for the FK type (looking through a domain), else, when both types cast
 * implicitly to the operator class's input type, its PK = PK operator for
 * all three.  False when the server would refuse the pair ("foreign key
 * constraint cannot be implemented").
 */
static bool
fk_key_operators(Oid opclass, Oid pktype, Oid fktype,
				 Oid *pfeqop, Oid *ppeqop, Oid *ffeqop)
{
	HeapTuple	tup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclass));
	Form_pg_opclass cla;
	Oid			family;
	Oid			intype;
	Oid			fkbase = getBaseType(fktype);
	bool		btree;
	Oid			from[2];
	Oid			to[2];

	if (!HeapTupleIsValid(tup))
		return false;
	cla = (Form_pg_opclass) GETSTRUCT(tup);
	family = cla->opcfamily;
	intype = cla->opcintype;
	btree = (cla->opcmethod == BTREE_AM_OID);
	ReleaseSysCache(tup);
	if (!btree)
		return false;

	*ppeqop = get_opfamily_member(family, intype, intype, BTEqualStrategyNumber);
	if (!OidIsValid(*ppeqop))
		return false;
	*pfeqop = get_opfamily_member(family, intype, fkbase, BTEqualStrategyNumber);
	*ffeqop = OidIsValid(*pfeqop) ?
		get_opfamily_member(family, fkbase, fkbase, BTEqualStrategyNumber) :
		InvalidOid;
	if (OidIsValid(*pfeqop) && OidIsValid(*ffeqop))
		return true;

	/* both at once: a polymorphic opcintype must bind to one type */
	from[0] = pktype;
	from[1] = fktype;
	to[0] = to[1] = intype;
	if (!can_coerce_type(2, from, to, COERCION_IMPLICIT))
		return false;
	*pfeqop = *ffeqop = *ppeqop;
	return true;
}

/* Is the column there and not dropped? */
static bool
fk_attribute_live(Oid relid, AttrNumber attnum)
{
	HeapTuple	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid),
									  Int16GetDatum(attnum));
	bool		live;

	if (!HeapTupleIsValid(tup))
		return false;
	live = !((Form_pg_attribute) GETSTRUCT(tup))->attisdropped;
	ReleaseSysCache(tup);
	return live;
}

/*
 * The model of a reference that is not a constraint (yet): fk_relid's
 * columns fk_attnums pointing at pk_relid's columns pk_attnums, which a
 * unique index with operator classes pk_opclasses (in pairing order)
 * backs, with the equality operators ADD FOREIGN KEY would pick.  NULL
 * when the server would refuse a pair of types (*bad_pos: its position)
 * or a table or column is gone (*bad_pos: -1).  The model has no OID or
 * name, actions NO ACTION, is neither deferrable nor validated, and has
 * FK_LOAD_NAMES filled in.  Catalog reads only, no lock.
 */
FkModel *
fk_model_build(Oid fk_relid, Oid pk_relid, int nkeys,
			   const AttrNumber *fk_attnums, const AttrNumber *pk_attnums,
			   const Oid *pk_opclasses, char match_type, int *bad_pos)
{
	FkModel    *fk = palloc0(sizeof(FkModel));

	*bad_pos = -1;
	fk->fk_relid = fk_relid;
	fk->pk_relid = pk_relid;
	fk->fk_relkind = get_rel_relkind(fk_relid);
	fk->pk_relkind = get_rel_relkind(pk_relid);
	fk->nkeys = nkeys;
	fk->match_type = match_type;
	fk->upd_action = FKCONSTR_ACTION_NOACTION;
	fk->del_action = FKCONSTR_ACTION_NOACTION;
	for (int i = 0; i < nkeys; i++)
	{
		fk->fk_attnums[i] = fk_attnums[i];
		fk->pk_attnums[i] = pk_attnums[i];
	}
	if (fk->fk_relkind == '\0' || fk->pk_relkind == '\0' || !fk_load_names(fk))
	{
		pfree(fk);
		return NULL;
	}
	for (int i = 0; i < nkeys; i++)
	{
		/* a column dropped since its number was read */
		if (!fk_attribute_live(fk_relid, fk_attnums[i]) ||
			!fk_attribute_live(pk_relid, pk_attnums[i]))
		{
			pfree(fk);
			return NULL;
		}
		if (!fk_key_operators(pk_opclasses[i], fk->pk_types[i], fk->fk_types[i],
							  &fk->pf_eq_oprs[i], &fk->pp_eq_oprs[i],
							  &fk->ff_eq_oprs[i]))
		{
			*bad_pos = i;
			pfree(fk);
			return NULL;
		}
	}
	return fk;
}

/*
 * A name for a new foreign key on relid over the columns colnames, the way
 * the server names one it is not given: "<table>_<col>_<col>_fkey",
 * truncated to fit, with a number added when a constraint of the schema
 * (or one of the names in taken) already has it.
 */
char *
fk_model_free_name(Oid relid, int ncols, char **colnames, List *taken)
{
	StringInfoData cols;

	initStringInfo(&cols);
	for (int i = 0; i < ncols && cols.len < NAMEDATALEN; i++)
	{
		if (i > 0)
			appendStringInfoChar(&cols, '_');
		appendStringInfoString(&cols, colnames[i]);
	}
	return ChooseConstraintName(get_rel_name(relid), cols.data, "fkey",
								get_rel_namespace(relid), taken);
}

/*
 * Declared-only references
 *
 * fk_declare keeps references no constraint enforces in the extension's
 * table fk_declared_references (one row each: name, the two tables as
 * regclass, so a rename follows, the columns by name, so a dump and
 * restore keeps them, and the match type).  They join the model here, so
 * that every feature listing keys sees them with decl_only set, resolved
 * from the catalogs the way a constraint's keys would be.  The table is
 * read like a catalog: AccessShareLock, the latest snapshot.
 */

/* fk_model_refs' scan state */
typedef struct RefsScan
{
	Oid			fk_relid;		/* only references of this child, or 0 */
	Oid			pk_relid;		/* only references to this parent, or 0 */
	const char *name;			/* only this one, or NULL */
	int			flags;
	List	   *result;
} RefsScan;

/* A name[] datum as an array of C strings; *n its length. */
static char **
fk_name_array(Datum arr, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	char	  **names;

	deconstruct_array(DatumGetArrayTypeP(arr), NAMEOID, NAMEDATALEN, false,
					  TYPALIGN_CHAR, &elems, &nulls, n);
	names = palloc(sizeof(char *) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
		names[i] = nulls[i] ? NULL : NameStr(*DatumGetName(elems[i]));
	return names;
}

static void
fk_ref_row(Datum *values, bool *nulls, ItemPointer tid, void *arg)
{
	RefsScan   *rs = arg;
	Oid			fk_relid = DatumGetObjectId(values[1]);
	Oid			pk_relid = DatumGetObjectId(values[3]);
	char	  **cols;
	char	  **pkcols;
	int			ncols;
	int			npkcols;
	char	   *match;
	FkModel    *fk;

	if ((OidIsValid(rs->fk_relid) && fk_relid != rs->fk_relid) ||
		(OidIsValid(rs->pk_relid) && pk_relid != rs->pk_relid) ||
		(rs->name && strcmp(NameStr(*DatumGetName(values[0])), rs->name) != 0))
		return;
	cols = fk_name_array(values[2], &ncols);
	pkcols = fk_name_array(values[4], &npkcols);
	match = TextDatumGetCString(values[5]);
	/* one whose table or column is gone since is left out */
	fk = fk_model_ref_resolve(NameStr(*DatumGetName(values[0])),
							  fk_relid, ncols, cols, pk_relid, npkcols, pkcols,
							  strcmp(match, "FULL") == 0 ?
							  FKCONSTR_MATCH_FULL : FKCONSTR_MATCH_SIMPLE,
							  false);
	if (fk == NULL)
		return;
	if (rs->flags & FK_LOAD_STATE)
		fk->indexed = fk_has_leading_index(fk);
	rs->result = lappend(rs->result, fk);
}

static List *
fk_refs_scan(Oid fk_relid, Oid pk_relid, const char *name, int flags)
{
	RefsScan	rs;
	FkStore    *st;
	/* a database still at 1.0 has no such table: no references */
	if (!OidIsValid(get_extension_oid("fk_tools", true)) ||
		!OidIsValid(get_relname_relid(FK_REFS_TABLE, fk_store_schema())))
		return NIL;
	memset(&rs, 0, sizeof(rs));
	rs.fk_relid = fk_relid;
	rs.pk_relid = pk_relid;
	rs.name = name;
	rs.flags = flags;
	st = fk_store_open_read(FK_REFS_TABLE);
	fk_store_scan(st, NULL, 0, NULL, false, 0, fk_ref_row, &rs);
	fk_store_close(st);
	list_sort(rs.result, fk_model_cmp);
	return rs.result;
}

/*
 * The declared-only references whose child is fk_relid and whose parent
 * is pk_relid (either 0: any), as models, sorted like fk_model_list's.
 * References whose table or column is gone are left out.
 */
List *
fk_model_refs(Oid fk_relid, Oid pk_relid, int flags)
{
	return fk_refs_scan(fk_relid, pk_relid, NULL, flags);
}

/* The declared-only reference called name, NULL if there is none (any more). */
FkModel *
fk_model_ref(const char *name, int flags)
{
	List	   *found = fk_refs_scan(InvalidOid, InvalidOid, name, flags);

	return found == NIL ? NULL : linitial(found);
}

/* The model of the constraint or declared reference an edge stands for. */
FkModel *
fk_model_load_edge(FkEdge *e, int flags)
{
	return e->refname ? fk_model_ref(e->refname, flags) :
		fk_model_load(e->conoid, flags);
}

/* fk_ref_edges' callback state */
typedef struct RefEdges
{
	Oid			relid;
	bool		referencing;	/* edges into relid (else out of it) */
	List	   *result;
} RefEdges;

static void
fk_ref_edge_row(Datum *values, bool *nulls, ItemPointer tid, void *arg)
{
	RefEdges   *re = arg;
	FkEdge	   *e = palloc0(sizeof(FkEdge));

	e->fk_relid = DatumGetObjectId(values[1]);
	e->pk_relid = DatumGetObjectId(values[3]);
	if (OidIsValid(re->relid) &&
		(re->referencing ? e->pk_relid : e->fk_relid) != re->relid)
	{
		pfree(e);
		return;
	}
	/* one whose table was dropped is no edge */
	if (get_rel_relkind(e->fk_relid) == '\0' ||
		get_rel_relkind(e->pk_relid) == '\0')
	{
		pfree(e);
		return;
	}
	e->refname = pstrdup(NameStr(*DatumGetName(values[0])));
	re->result = lappend(re->result, e);
}

/*
 * The declared-only references as FkEdges (conoid 0, refname set): all,
 * or those into (referencing) or out of relid.  Fixed-width reads only.
 */
static List *
fk_ref_edges(Oid relid, bool referencing)
{
	RefEdges	re;
	FkStore    *st;

	if (!OidIsValid(get_extension_oid("fk_tools", true)) ||
		!OidIsValid(get_relname_relid(FK_REFS_TABLE, fk_store_schema())))
		return NIL;
	memset(&re, 0, sizeof(re));
	re.relid = relid;
	re.referencing = referencing;
	st = fk_store_open_read(FK_REFS_TABLE);
	fk_store_scan(st, NULL, 0, NULL, false, 0, fk_ref_edge_row, &re);
	fk_store_close(st);
	return re.result;
}

/* The relation kinds a declared reference may link. */
static bool
fk_ref_relkind_ok(char relkind)
{
	return relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE ||
		relkind == RELKIND_FOREIGN_TABLE;
}

/* The attribute numbers of colnames in relid; false (or an error) if one is missing. */
static bool
fk_ref_attnums(Oid relid, int n, char **colnames, AttrNumber *attnums,
			   bool report)
{
	for (int i = 0; i < n; i++)
	{
		AttrNumber	attnum = colnames[i] ?
			get_attnum(relid, colnames[i]) : InvalidAttrNumber;

		if (attnum == InvalidAttrNumber)
		{
			if (!report)
				return false;
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" named in the reference does not exist",
							colnames[i]),
					 errdetail("Relation \"%s\" has no column \"%s\".",
							   get_rel_name(relid), colnames[i])));
		}
		if (attnum < 0)
		{
			if (!report)
				return false;
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("system columns cannot be used in a reference")));
		}
		attnums[i] = attnum;
	}
	return true;
}

/*
 * Is one of the unique keys of pk_relid that ADD FOREIGN KEY would accept
 * (fk_table_unique_keys) made of exactly the columns attnums?
 */
static bool
fk_ref_unique_index(Oid pk_relid, int n, const AttrNumber *attnums)
{
	List	   *keys = fk_table_unique_keys(pk_relid);
	ListCell   *lc;
	bool		found = false;

	foreach(lc, keys)
	{
		FkUniqueKey *k = lfirst(lc);

		if (k->nkeys != n)
			continue;
		found = true;
		for (int i = 0; i < n && found; i++)
		{
			bool		in = false;

			for (int j = 0; j < n && !in; j++)
				in = (k->attnums[j] == attnums[i]);
			found = in;
		}
		if (found)
			break;
	}
	list_free_deep(keys);
	return found;
}

/*
 * The model of the declared-only reference name: fk_relid's columns
 * colnames pointing at pk_relid's pkcolnames, compared with the equality
 * of the referenced type's default btree operator class (the operators
 * ADD FOREIGN KEY would pick over an index of that class) under the
 * referenced column's collation.  With report, every reason it cannot be
 * is an error (what fk_declare says); without, NULL (a table or column
 * gone since it was declared).  Only fk_declare requires the unique
 * index: a reference whose index was dropped since is still checked.  A
 * foreign table may be either side (its server keeps its uniqueness).
 */
FkModel *
fk_model_ref_resolve(const char *name, Oid fk_relid, int ncols,
					 char **colnames, Oid pk_relid, int npkcols,
					 char **pkcolnames, char match_type, bool report)
{
	AttrNumber	fk_attnums[INDEX_MAX_KEYS];
	AttrNumber	pk_attnums[INDEX_MAX_KEYS];
	Oid			opclasses[INDEX_MAX_KEYS];
	char		fk_relkind = get_rel_relkind(fk_relid);
	char		pk_relkind = get_rel_relkind(pk_relid);
	FkModel    *fk;
	int			bad_pos;

	if (fk_relkind == '\0' || pk_relkind == '\0')
	{
		if (!report)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist",
						fk_relkind == '\0' ? fk_relid : pk_relid)));
	}
	if (!fk_ref_relkind_ok(fk_relkind) || !fk_ref_relkind_ok(pk_relkind))
	{
		char		kind = fk_ref_relkind_ok(fk_relkind) ? pk_relkind : fk_relkind;

		if (!report)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" cannot be part of a reference",
						get_rel_name(fk_ref_relkind_ok(fk_relkind) ? pk_relid : fk_relid)),
				 errdetail_relkind_not_supported(kind),
				 errhint("A reference links two tables, partitioned tables or foreign tables.")));
	}
	if (ncols != npkcols || ncols == 0)
	{
		if (!report)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FOREIGN_KEY),
				 ncols == 0 ?
				 errmsg("a reference needs at least one column") :
				 errmsg("number of referencing and referenced columns for reference disagree"),
				 errdetail("%d referencing and %d referenced columns were given.",
						   ncols, npkcols),
				 errhint("Pair each referencing column with one referenced column.")));
	}
	if (ncols > INDEX_MAX_KEYS)
	{
		if (!report)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_TOO_MANY_COLUMNS),
				 errmsg("cannot have more than %d keys in a reference",
						INDEX_MAX_KEYS)));
	}
	if (!fk_ref_attnums(fk_relid, ncols, colnames, fk_attnums, report) ||
		!fk_ref_attnums(pk_relid, ncols, pkcolnames, pk_attnums, report))
		return NULL;
	for (int i = 0; i < ncols; i++)
	{
		for (int j = 0; j < i; j++)
		{
			if (pk_attnums[j] != pk_attnums[i])
				continue;
			if (!report)
				return NULL;
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_FOREIGN_KEY),
					 errmsg("referenced-columns list of a reference must not contain duplicates"),
					 errdetail("Column \"%s\" is named twice.", pkcolnames[i])));
		}
		opclasses[i] = GetDefaultOpClass(get_atttype(pk_relid, pk_attnums[i]),
										 BTREE_AM_OID);
		if (!OidIsValid(opclasses[i]))
		{
			if (!report)
				return NULL;
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("data type %s has no default operator class for access method \"btree\"",
							format_type_be(get_atttype(pk_relid, pk_attnums[i]))),
					 errdetail("A reference compares keys with the equality of the referenced column's default btree operator class."),
					 errhint("Reference a column of a type with a default btree operator class.")));
		}
	}
	/* a foreign table's uniqueness is its server's to keep */
	if (report && pk_relkind != RELKIND_FOREIGN_TABLE &&
		!fk_ref_unique_index(pk_relid, ncols, pk_attnums))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FOREIGN_KEY),
				 errmsg("there is no unique constraint matching given keys for referenced table \"%s\"",
						get_rel_name(pk_relid)),
				 errdetail("A reference, like a foreign key, must point at columns a unique index covers exactly, so that each row references at most one row."),
				 errhint("Add a PRIMARY KEY or UNIQUE constraint on those columns (CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX).")));

	fk = fk_model_build(fk_relid, pk_relid, ncols, fk_attnums, pk_attnums,
						opclasses, match_type, &bad_pos);
	if (fk == NULL)
	{
		if (!report)
			return NULL;
		if (bad_pos < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("a table or column of the reference was dropped concurrently")));
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("reference \"%s\" cannot be implemented", name),
				 errdetail("Key columns \"%s\" and \"%s\" are of incompatible types: %s and %s.",
						   colnames[bad_pos], pkcolnames[bad_pos],
						   format_type_be(get_atttype(fk_relid, fk_attnums[bad_pos])),
						   format_type_be(get_atttype(pk_relid, pk_attnums[bad_pos]))),
				 errhint("The referenced type's default btree operator class has no equality with the referencing type: change one column's type.")));
	}
	namestrcpy(&fk->conname, name);
	fk->decl_only = true;
	return fk;
}

/*
 * Does at most one referenced row match any referencing key?  True when
 * the unique index the constraint relies on is immediate, total, on plain
 * columns, and compares them the way the constraint does: its operator
 * is in the index column's family, and both collations agree on equality
 * (the same one, or both deterministic, which is byte equality).  A join
 * on such a key never repeats a referencing row (a unique index under "C"
 * on a case-insensitive column is accepted by ADD FOREIGN KEY, yet 'a'
 * matches 'a' and 'A').  Needs FK_LOAD_NAMES.
 */
bool
fk_key_matches_one(FkModel *fk)
{
	HeapTuple	tup;
	Form_pg_index ind;
	Datum		d;
	bool		isnull;
	oidvector  *classes;
	oidvector  *colls;
	bool		ok;

	if (!OidIsValid(fk->pk_index))
		return false;
	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(fk->pk_index));
	if (!HeapTupleIsValid(tup))
		return false;
	ind = (Form_pg_index) GETSTRUCT(tup);
	ok = ind->indisunique && ind->indimmediate && ind->indisvalid &&
		ind->indrelid == fk->pk_relid && ind->indnkeyatts == fk->nkeys &&
		heap_attisnull(tup, Anum_pg_index_indpred, NULL) &&
		heap_attisnull(tup, Anum_pg_index_indexprs, NULL);
	if (ok)
	{
		d = SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indclass, &isnull);
		classes = (oidvector *) DatumGetPointer(d);
		d = SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indcollation, &isnull);
		colls = (oidvector *) DatumGetPointer(d);
		for (int i = 0; ok && i < fk->nkeys; i++)
		{
			int			j;
			Oid			icoll;
			Oid			kcoll = fk->pk_colls[i];

			for (j = 0; j < ind->indnkeyatts; j++)
				if (ind->indkey.values[j] == fk->pk_attnums[i])
					break;
			if (j == ind->indnkeyatts ||
				!op_in_opfamily(fk->pf_eq_oprs[i], get_opclass_family(classes->values[j])))
			{
				ok = false;
				break;
			}
			icoll = colls->values[j];
			ok = icoll == kcoll ||
				((!OidIsValid(icoll) || get_collation_isdeterministic(icoll)) &&
				 (!OidIsValid(kcoll) || get_collation_isdeterministic(kcoll)));
		}
	}
	ReleaseSysCache(tup);
	return ok;
}

/* The access method of an index. */
static Oid
fk_index_am(Oid indexrelid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(indexrelid));
	Oid			am;

	if (!HeapTupleIsValid(tup))
		return InvalidOid;
	am = ((Form_pg_class) GETSTRUCT(tup))->relam;
	ReleaseSysCache(tup);
	return am;
}

/*
 * Can the rows referencing one referenced row be found through an index,
 * whatever the planner estimates?  True when a valid, total btree index on
 * the referencing table has the key's columns as its leading columns, each
 * under the collation and in the operator family the constraint compares
 * with, and the comparison casts no referencing column.  Then a probe per
 * referenced row costs an index descent, not a scan.  Needs FK_LOAD_NAMES.
 */
bool
fk_key_probe_indexed(FkModel *fk)
{
	Relation	indrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	bool		found = false;
	int			ncols;
	int			first_pos[INDEX_MAX_KEYS];

	ncols = fk_key_distinct_columns(fk, first_pos);
	if (ncols != fk->nkeys)
		return false;
	for (int i = 0; i < fk->nkeys; i++)
	{
		Oid			oprleft;
		Oid			oprright;

		op_input_types(fk->pf_eq_oprs[i], &oprleft, &oprright);
		if (oprright != fk->fk_types[i] || fk_key_collation_differs(fk, i))
			return false;
	}

	indrel = table_open(IndexRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_index_indrelid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(fk->fk_relid));
	scan = systable_beginscan(indrel, IndexIndrelidIndexId, true, NULL, 1, &key);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_index ind = (Form_pg_index) GETSTRUCT(tup);
		Datum		d;
		bool		isnull;
		oidvector  *classes;
		oidvector  *colls;

		if (!ind->indisvalid || !ind->indislive || ind->indnkeyatts < ncols ||
			!heap_attisnull(tup, Anum_pg_index_indpred, NULL) ||
			fk_index_am(ind->indexrelid) != BTREE_AM_OID)
			continue;
		d = heap_getattr(tup, Anum_pg_index_indclass, RelationGetDescr(indrel), &isnull);
		classes = (oidvector *) DatumGetPointer(d);
		d = heap_getattr(tup, Anum_pg_index_indcollation, RelationGetDescr(indrel), &isnull);
		colls = (oidvector *) DatumGetPointer(d);
		found = true;
		for (int i = 0; i < fk->nkeys && found; i++)
		{
			int			j;

			for (j = 0; j < ncols; j++)
				if (ind->indkey.values[j] == fk->fk_attnums[i])
					break;
			found = j < ncols &&
				colls->values[j] == fk->fk_colls[i] &&
				op_in_opfamily(fk->pf_eq_oprs[i], get_opclass_family(classes->values[j]));
		}
	}
	systable_endscan(scan);
	table_close(indrel, AccessShareLock);
	return found;
}
