/*-------------------------------------------------------------------------
 *
 * fk_graph.c
 *	  The foreign key graph: fk_referencing_tables(), fk_referenced_tables()
 *	  and fk_load_order().
 *
 * The graph is made of declared foreign keys only (partition clones are
 * left out), so a partitioned table is one node, as it was declared, on
 * either side of a key.  The walks find a table's edges through catalog
 * indexes (fk_model_edges_at), so they cost what they return; the load
 * order needs every edge and takes them from a single pass over
 * pg_constraint (fk_model_edges).  The full model, with names, is loaded
 * only for the constraints that are returned.  Nothing but the catalogs is
 * read.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "fk_access.h"
#include "fk_model.h"
#include "fk_store.h"

PG_FUNCTION_INFO_V1(fk_referencing_tables);
PG_FUNCTION_INFO_V1(fk_referenced_tables);
PG_FUNCTION_INFO_V1(fk_load_order);

/* One constraint found by a walk, with what its result row is sorted by. */
typedef struct WalkHit
{
	int			depth;
	FkEdge	   *edge;
	NameData	conname;
	char	   *nspname;		/* the table the walk reached through it */
	char	   *relname;
} WalkHit;

/* One table of fk_load_order(). */
typedef struct LoadNode
{
	Oid			relid;
	char	   *nspname;
	char	   *relname;
	int			rank;			/* position in (schema, table) name order */
	int			comp;			/* strongly connected component */
	int			tarjan_index;
	int			lowlink;
	bool		on_stack;
	int			next_edge;		/* Tarjan: next outgoing edge to follow */
	List	   *breaks;			/* the edges (LoadEdge) of the keys to defer */
} LoadNode;

/* One FK edge between two listed tables, child (fk) to parent (pk). */
typedef struct LoadEdge
{
	int			child;
	int			parent;
	Oid			conoid;
	const char *refname;		/* a declared-only reference: its name */
} LoadEdge;

static void fk_walk(FunctionCallInfo fcinfo, bool towards_referencing);
static int	walk_hit_cmp(const void *a, const void *b);
static int	name_cmp(const char *nsp1, const char *rel1,
					 const char *nsp2, const char *rel2);
static bool load_order_schema_listed(Oid nspid, Oid *nspids, int nnsp,
									 Oid info_nspid);
static int	load_node_by_relid(LoadNode **byoid, int nnodes, Oid relid);
static int	load_node_name_cmp(const void *a, const void *b);
static int	load_node_oid_cmp(const void *a, const void *b);
static int	load_edge_cmp(const void *a, const void *b);
static int	load_position_cmp(const void *a, const void *b, void *arg);
static void order_component(LoadNode *nodes, LoadEdge *edges, int *first_edge,
							int *members, int n, int *comp_pos);
static int	int_cmp(const void *a, const void *b);
static int	find_components(LoadNode *nodes, int nnodes,
							LoadEdge *edges, int *first_edge, int *order);
static Datum break_names_array(List *breaks);

/*
 * fk_referencing_tables(target regclass, recursive boolean DEFAULT false)
 *	 RETURNS TABLE(depth int, table_name regclass, constraint_name name,
 *				   columns name[], referenced_table regclass,
 *				   referenced_columns name[], on_delete text, on_update text)
 *
 * The foreign keys that reference target; with recursive, also those that
 * reference the tables found, and so on.  Takes AccessShareLock on target
 * only.
 */
Datum
fk_referencing_tables(PG_FUNCTION_ARGS)
{
	fk_walk(fcinfo, true);
	PG_RETURN_VOID();
}

/*
 * fk_referenced_tables(target regclass, recursive boolean DEFAULT false)
 *	 RETURNS TABLE(depth int, table_name regclass, constraint_name name,
 *				   columns name[], referenced_table regclass,
 *				   referenced_columns name[], on_delete text, on_update text)
 *
 * The foreign keys of target; with recursive, also those of the tables they
 * reference, and so on.  Takes AccessShareLock on target only.
 */
Datum
fk_referenced_tables(PG_FUNCTION_ARGS)
{
	fk_walk(fcinfo, false);
	PG_RETURN_VOID();
}

/*
 * Breadth-first walk from target over declared foreign keys, towards the
 * referencing tables or towards the referenced ones.  Each table is
 * expanded once, at its smallest distance from target, so each constraint
 * is reported once at its smallest depth and cycles end the walk.  Rows
 * describe the constraint the same way in both directions: table_name is
 * always the referencing table.
 */
static void
fk_walk(FunctionCallInfo fcinfo, bool towards_referencing)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			target = PG_GETARG_OID(0);
	bool		recursive = PG_GETARG_BOOL(1);
	WalkHit    *hits;
	int			nhits = 0;
	int			kept = 0;
	MemoryContext rowcxt;
	MemoryContext oldcxt;

	InitMaterializedSRF(fcinfo, 0);
	fk_check_target(target, "target");

	/*
	 * Breadth-first from target, each table expanded once (at its smallest
	 * depth), its edges found through indexes (fk_model_edges_at): the
	 * cost follows the size of the answer, not of the database.
	 */
	{
		HASHCTL		ctl;
		HTAB	   *expanded;
		List	   *queue = list_make1_oid(target);
		List	   *queue_depth = list_make1_int(0);
		int			nalloc = 64;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(Oid);
		ctl.hcxt = CurrentMemoryContext;
		expanded = hash_create("fk_walk tables", 64, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		hits = palloc(sizeof(WalkHit) * nalloc);
		/* the queue is walked by position: its head is never removed */
		for (int qi = 0; qi < list_length(queue); qi++)
		{
			Oid			rel = list_nth_oid(queue, qi);
			int			depth = list_nth_int(queue_depth, qi);
			bool		found;
			ListCell   *lc;

			CHECK_FOR_INTERRUPTS();
			hash_search(expanded, &rel, HASH_ENTER, &found);
			if (found)
				continue;
			foreach(lc, fk_model_edges_at(rel, towards_referencing))
			{
				FkEdge	   *e = lfirst(lc);

				if (nhits == nalloc)
				{
					nalloc *= 2;
					hits = repalloc(hits, sizeof(WalkHit) * nalloc);
				}
				hits[nhits].depth = depth + 1;
				hits[nhits].edge = e;
				nhits++;
				if (recursive)
				{
					queue = lappend_oid(queue, towards_referencing ? e->fk_relid : e->pk_relid);
					queue_depth = lappend_int(queue_depth, depth + 1);
				}
			}
		}
		hash_destroy(expanded);
	}

	/*
	 * Models are loaded one at a time in a context reset after each, so
	 * that memory stays small and warm however many keys are returned:
	 * first for the names the rows are sorted by, then to make each row.
	 * A constraint dropped meanwhile is skipped.
	 */
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "fk_walk row",
								   ALLOCSET_DEFAULT_SIZES);
	for (int i = 0; i < nhits; i++)
	{
		FkEdge	   *e = hits[i].edge;
		Oid			reached = towards_referencing ? e->fk_relid : e->pk_relid;
		FkModel    *fk;

		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(rowcxt);
		fk = fk_model_load_edge(e, 0);
		MemoryContextSwitchTo(oldcxt);
		if (fk != NULL)
		{
			hits[kept].depth = hits[i].depth;
			hits[kept].edge = e;
			hits[kept].conname = fk->conname;
			hits[kept].relname = get_rel_name(reached);
			hits[kept].nspname = get_namespace_name(get_rel_namespace(reached));
			kept++;
		}
		MemoryContextReset(rowcxt);
	}
	nhits = kept;
	qsort(hits, nhits, sizeof(WalkHit), walk_hit_cmp);

	for (int i = 0; i < nhits; i++)
	{
		FkModel    *fk;
		Datum		values[8];
		bool		nulls[8];

		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(rowcxt);
		fk = fk_model_load_edge(hits[i].edge, FK_LOAD_NAMES);
		if (fk != NULL)
		{
			memset(nulls, 0, sizeof(nulls));
			values[0] = Int32GetDatum(hits[i].depth);
			values[1] = ObjectIdGetDatum(fk->fk_relid);
			values[2] = NameGetDatum(&fk->conname);
			values[3] = fk_colnames_array(fk, false);
			values[4] = ObjectIdGetDatum(fk->pk_relid);
			values[5] = fk_colnames_array(fk, true);
			values[6] = CStringGetTextDatum(fk_action_name(fk->del_action));
			values[7] = CStringGetTextDatum(fk_action_name(fk->upd_action));
			/* a declared-only reference has no action: nothing fires */
			nulls[6] = nulls[7] = fk->decl_only;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
								 values, nulls);
		}
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(rowcxt);
	}
	MemoryContextDelete(rowcxt);
}

/* Depth, then the table reached (schema, name), then constraint name. */
static int
walk_hit_cmp(const void *a, const void *b)
{
	const WalkHit *ha = a;
	const WalkHit *hb = b;
	int			c;

	if (ha->depth != hb->depth)
		return ha->depth < hb->depth ? -1 : 1;
	c = name_cmp(ha->nspname, ha->relname, hb->nspname, hb->relname);
	if (c != 0)
		return c;
	c = strcmp(NameStr(ha->conname), NameStr(hb->conname));
	if (c != 0)
		return c;
	return ha->edge->conoid < hb->edge->conoid ? -1 :
		(ha->edge->conoid > hb->edge->conoid);
}

/* Byte order of (schema, relation); a name gone meanwhile sorts first. */
static int
name_cmp(const char *nsp1, const char *rel1, const char *nsp2, const char *rel2)
{
	int			c = strcmp(nsp1 ? nsp1 : "", nsp2 ? nsp2 : "");

	if (c != 0)
		return c;
	return strcmp(rel1 ? rel1 : "", rel2 ? rel2 : "");
}

/*
 * fk_load_order(schemas name[] DEFAULT NULL)
 *	 RETURNS TABLE(load_position int, table_name regclass, level int,
 *				   cycle_group int, break_constraints name[])
 *
 * Every table of the given schemas (NULL: of every schema but the system
 * ones), partitions excepted since they are loaded through their
 * partitioned table, in an order that loads referenced tables first.
 *
 * The declared FKs between the listed tables form the graph (an FK declared
 * on or to a partition counts for its partitioned table; FKs to tables not
 * listed are ignored).  Its strongly connected components are the tables
 * that reference each other in a cycle, or a table that references itself:
 * each such component is a cycle_group.  Within a group the tables load in
 * an order that needs few breaks, and every FK of the group that points at
 * a table loaded at the same time or later, self-references included, is
 * listed in break_constraints on its referencing table's row: deferred or
 * added after the load, the rest loads without error.  level is the longest chain of
 * parents above the table in the graph without the breaks (0: it references
 * no listed table, or only through breaks), so the tables of one level may
 * be loaded at the same time, by different sessions; rows come by level,
 * then schema and table name.  A self reference is always a break: a load
 * in one statement satisfies it (the check runs at the end of the
 * statement), a load in several statements, or in parallel, does not.  A break
 * constraint declared on a partition is named on its partitioned table's
 * row.  Reads the catalogs only and locks no table.
 */
Datum
fk_load_order(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid		   *nspids = NULL;
	int			nnsp = -1;		/* -1: every non-system schema */
	Relation	classrel;
	SysScanDesc scan;
	HeapTuple	tup;
	LoadNode   *nodes;
	LoadNode  **byoid;
	int			nnodes = 0;
	int			alloc = 256;
	FkEdge	   *fkedges;
	int			nfkedges;
	LoadEdge   *edges;
	int			nedges = 0;
	int		   *first_edge;
	int		   *order;
	int		   *levels;
	int		   *comp_pos;
	int		   *comp_size;
	bool	   *comp_cyclic;
	int		   *comp_group;
	int			ncomps;
	int			ngroups = 0;
	Oid			info_nspid;
	Oid			own_nspid;

	InitMaterializedSRF(fcinfo, 0);

	if (!PG_ARGISNULL(0))
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
		Datum	   *elems;
		bool	   *elemnulls;
		int			nelems;

		deconstruct_array(arr, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR,
						  &elems, &elemnulls, &nelems);
		nspids = palloc(sizeof(Oid) * (nelems + 1));
		nnsp = 0;
		for (int i = 0; i < nelems; i++)
		{
			if (elemnulls[i])
				continue;
			/* an unknown schema is an error, as a typo should be */
			nspids[nnsp++] = get_namespace_oid(NameStr(*DatumGetName(elems[i])),
											   false);
		}
	}

	/* The tables: one pass over pg_class */
	info_nspid = get_namespace_oid("information_schema", true);
	own_nspid = fk_store_schema();
	nodes = palloc(sizeof(LoadNode) * alloc);
	classrel = table_open(RelationRelationId, AccessShareLock);
	scan = systable_beginscan(classrel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);
		LoadNode   *n;

		CHECK_FOR_INTERRUPTS();
		if (cls->relkind != RELKIND_RELATION &&
			cls->relkind != RELKIND_PARTITIONED_TABLE)
			continue;
		if (cls->relispartition)
			continue;
		if (!load_order_schema_listed(cls->relnamespace, nspids, nnsp,
									  info_nspid))
			continue;
		/* fk_tools' own tables (check results, audit) are no user data */
		if (cls->relnamespace == own_nspid && fk_store_owns(cls->oid))
			continue;
		if (nnodes == alloc)
		{
			alloc *= 2;
			nodes = repalloc(nodes, sizeof(LoadNode) * alloc);
		}
		n = &nodes[nnodes++];
		memset(n, 0, sizeof(LoadNode));
		n->relid = cls->oid;
		n->relname = pstrdup(NameStr(cls->relname));
		n->nspname = get_namespace_name(cls->relnamespace);
		n->tarjan_index = -1;
	}
	systable_endscan(scan);
	table_close(classrel, AccessShareLock);

	if (nnodes == 0)
		PG_RETURN_VOID();

	/* Nodes in name order (their index is their rank); an OID index too */
	qsort(nodes, nnodes, sizeof(LoadNode), load_node_name_cmp);
	byoid = palloc(sizeof(LoadNode *) * nnodes);
	for (int i = 0; i < nnodes; i++)
	{
		nodes[i].rank = i;
		byoid[i] = &nodes[i];
	}
	qsort(byoid, nnodes, sizeof(LoadNode *), load_node_oid_cmp);

	/* The edges between listed tables, grouped by child */
	fkedges = fk_model_edges(true, &nfkedges);
	edges = palloc(sizeof(LoadEdge) * (nfkedges + 1));
	for (int i = 0; i < nfkedges; i++)
	{
		int			child = load_node_by_relid(byoid, nnodes, fkedges[i].fk_relid);
		int			parent;

		CHECK_FOR_INTERRUPTS();
		if (child < 0)
			continue;
		parent = load_node_by_relid(byoid, nnodes, fkedges[i].pk_relid);
		if (parent < 0)
			continue;
		edges[nedges].child = child;
		edges[nedges].parent = parent;
		edges[nedges].conoid = fkedges[i].conoid;
		edges[nedges].refname = fkedges[i].refname;
		nedges++;
	}
	qsort(edges, nedges, sizeof(LoadEdge), load_edge_cmp);
	first_edge = palloc(sizeof(int) * (nnodes + 1));
	for (int i = 0, e = 0; i <= nnodes; i++)
	{
		while (e < nedges && edges[e].child < i)
			e++;
		first_edge[i] = e;
	}

	/*
	 * Components come out parents first (a component is complete only after
	 * every one it references).  Within a component the tables are put in
	 * an order that leaves few keys pointing at a table loaded at the same
	 * time or later (order_component); those keys are the breaks.  The
	 * other keys point at tables loaded earlier, so the graph without the
	 * breaks is acyclic, and the components in turn, each in its order, is
	 * a topological order of it.  One pass in that order gives each table
	 * its level, the longest chain of parents above it once the breaks are
	 * set aside: two tables of one level have no unbroken key between
	 * them, so they can be loaded at the same time.
	 */
	order = palloc(sizeof(int) * nnodes);
	ncomps = find_components(nodes, nnodes, edges, first_edge, order);
	comp_pos = palloc(sizeof(int) * nnodes);
	for (int k = 0; k < nnodes;)
	{
		int			end = k;

		while (end < nnodes && nodes[order[end]].comp == nodes[order[k]].comp)
			end++;
		order_component(nodes, edges, first_edge, order + k, end - k, comp_pos);
		k = end;
	}
	levels = palloc0(sizeof(int) * nnodes);
	comp_size = palloc0(sizeof(int) * ncomps);
	comp_cyclic = palloc0(sizeof(bool) * ncomps);
	comp_group = palloc0(sizeof(int) * ncomps);
	for (int k = 0; k < nnodes; k++)
	{
		int			v = order[k];
		int			c = nodes[v].comp;

		comp_size[c]++;
		for (int e = first_edge[v]; e < first_edge[v + 1]; e++)
		{
			int			p = edges[e].parent;

			if (nodes[p].comp == c && comp_pos[p] >= comp_pos[v])
			{
				/* loaded at the same time or later: break it */
				if (p == v)
					comp_cyclic[c] = true;
				nodes[v].breaks = lappend(nodes[v].breaks, &edges[e]);
			}
			else if (levels[p] + 1 > levels[v])
				levels[v] = levels[p] + 1;
		}
	}
	for (int c = 0; c < ncomps; c++)
		if (comp_size[c] > 1)
			comp_cyclic[c] = true;

	/* Position order: level, then name; groups numbered as they appear */
	for (int i = 0; i < nnodes; i++)
		order[i] = i;
	qsort_arg(order, nnodes, sizeof(int), load_position_cmp, levels);

	for (int k = 0; k < nnodes; k++)
	{
		LoadNode   *n = &nodes[order[k]];
		Datum		values[5];
		bool		nulls[5];

		CHECK_FOR_INTERRUPTS();
		memset(nulls, 0, sizeof(nulls));
		values[0] = Int32GetDatum(k + 1);
		values[1] = ObjectIdGetDatum(n->relid);
		values[2] = Int32GetDatum(levels[order[k]]);
		if (comp_cyclic[n->comp])
		{
			if (comp_group[n->comp] == 0)
				comp_group[n->comp] = ++ngroups;
			values[3] = Int32GetDatum(comp_group[n->comp]);
		}
		else
			nulls[3] = true;
		if (n->breaks != NIL)
			values[4] = break_names_array(n->breaks);
		else
			nulls[4] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_VOID();
}

/*
 * Is the schema one fk_load_order() lists?  nnsp < 0 means every schema but
 * pg_catalog, information_schema, TOAST and temporary ones.
 */
static bool
load_order_schema_listed(Oid nspid, Oid *nspids, int nnsp, Oid info_nspid)
{
	if (nnsp >= 0)
	{
		for (int i = 0; i < nnsp; i++)
			if (nspids[i] == nspid)
				return true;
		return false;
	}
	if (IsCatalogNamespace(nspid) || IsToastNamespace(nspid) ||
		isAnyTempNamespace(nspid))
		return false;
	return nspid != info_nspid;
}

/*
 * The node of a table, or of the partitioned table at the top of its
 * partition tree when it is a partition; -1 when not listed.
 */
static int
load_node_by_relid(LoadNode **byoid, int nnodes, Oid relid)
{
	for (int pass = 0; pass < 2; pass++)
	{
		int			lo = 0;
		int			hi = nnodes;
		List	   *ancestors;

		while (lo < hi)
		{
			int			mid = lo + (hi - lo) / 2;

			if (byoid[mid]->relid < relid)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < nnodes && byoid[lo]->relid == relid)
			return byoid[lo]->rank;
		if (pass > 0 || !get_rel_relispartition(relid))
			break;
		ancestors = get_partition_ancestors(relid);
		if (ancestors == NIL)
			break;
		relid = llast_oid(ancestors);
	}
	return -1;
}

static int
load_node_name_cmp(const void *a, const void *b)
{
	const LoadNode *na = a;
	const LoadNode *nb = b;
	int			c = name_cmp(na->nspname, na->relname, nb->nspname, nb->relname);

	if (c != 0)
		return c;
	return na->relid < nb->relid ? -1 : (na->relid > nb->relid);
}

static int
load_node_oid_cmp(const void *a, const void *b)
{
	const LoadNode *na = *(LoadNode *const *) a;
	const LoadNode *nb = *(LoadNode *const *) b;

	return na->relid < nb->relid ? -1 : (na->relid > nb->relid);
}

/* By child, then parent's rank, then constraint OID: a fixed walk order */
static int
load_edge_cmp(const void *a, const void *b)
{
	const LoadEdge *ea = a;
	const LoadEdge *eb = b;

	if (ea->child != eb->child)
		return ea->child < eb->child ? -1 : 1;
	if (ea->parent != eb->parent)
		return ea->parent < eb->parent ? -1 : 1;
	if (ea->conoid != eb->conoid)
		return ea->conoid < eb->conoid ? -1 : 1;
	/* declared-only references (conoid 0) by name */
	return strcmp(ea->refname ? ea->refname : "", eb->refname ? eb->refname : "");
}

/*
 * Put the n tables of one component (members, node indexes) in load order,
 * in place, and set comp_pos of each to its place.  Fewest keys pointing
 * forward is the minimum feedback arc set problem, NP-hard; the greedy
 * order of Eades, Lin and Smyth comes close: take a table whose parents
 * are all placed to the front, one whose children are all placed to the
 * back, else the one that is the parent of the most unplaced tables
 * minus the child of the most.  Ties go to name order, so the result is
 * the same from run to run.  A self reference is never satisfied by an
 * order (it is always a break) and is not counted.
 */
static void
order_component(LoadNode *nodes, LoadEdge *edges, int *first_edge,
				int *members, int n, int *comp_pos)
{
	int		   *parents_left;
	int		   *children_left;
	bool	   *placed;
	int		   *front;
	int		   *back;
	int			nfront = 0;
	int			nback = 0;

	if (n == 1)
	{
		comp_pos[members[0]] = 0;
		return;
	}
	/* name order first: ties are then broken by the lowest index */
	qsort(members, n, sizeof(int), int_cmp);
	for (int i = 0; i < n; i++)
		comp_pos[members[i]] = i;	/* index within members, for now */
	parents_left = palloc0(sizeof(int) * n);
	children_left = palloc0(sizeof(int) * n);
	placed = palloc0(sizeof(bool) * n);
	front = palloc(sizeof(int) * n);
	back = palloc(sizeof(int) * n);
	for (int i = 0; i < n; i++)
	{
		int			v = members[i];

		for (int e = first_edge[v]; e < first_edge[v + 1]; e++)
		{
			int			p = edges[e].parent;

			if (p == v || nodes[p].comp != nodes[v].comp)
				continue;
			parents_left[i]++;
			children_left[comp_pos[p]]++;
		}
	}

	for (int done = 0; done < n; done++)
	{
		int			pick = -1;
		bool		to_back = false;
		int			v;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < n && pick < 0; i++)
			if (!placed[i] && parents_left[i] == 0)
				pick = i;
		for (int i = 0; i < n && pick < 0; i++)
			if (!placed[i] && children_left[i] == 0)
				pick = i, to_back = true;
		if (pick < 0)
		{
			int			best = INT_MIN;

			for (int i = 0; i < n; i++)
				if (!placed[i] && children_left[i] - parents_left[i] > best)
					best = children_left[i] - parents_left[i], pick = i;
		}
		placed[pick] = true;
		if (to_back)
			back[nback++] = pick;
		else
			front[nfront++] = pick;

		/* the picked table no longer waits for, or holds up, the others */
		v = members[pick];
		for (int e = first_edge[v]; e < first_edge[v + 1]; e++)
		{
			int			p = edges[e].parent;

			if (p != v && nodes[p].comp == nodes[v].comp)
				children_left[comp_pos[p]]--;
		}
		for (int i = 0; i < n; i++)
		{
			int			c = members[i];

			if (placed[i])
				continue;
			for (int e = first_edge[c]; e < first_edge[c + 1]; e++)
				if (edges[e].parent == v)
					parents_left[i]--;
		}
	}

	/* front in order, then back in reverse (last picked loads first) */
	{
		int		   *sorted = palloc(sizeof(int) * n);

		for (int i = 0; i < nfront; i++)
			sorted[i] = members[front[i]];
		for (int i = 0; i < nback; i++)
			sorted[nfront + i] = members[back[nback - 1 - i]];
		for (int i = 0; i < n; i++)
		{
			members[i] = sorted[i];
			comp_pos[sorted[i]] = i;
		}
		pfree(sorted);
	}
	pfree(parents_left);
	pfree(children_left);
	pfree(placed);
	pfree(front);
	pfree(back);
}

static int
int_cmp(const void *a, const void *b)
{
	int			ia = *(const int *) a;
	int			ib = *(const int *) b;

	return ia < ib ? -1 : (ia > ib);
}

/* Node indexes (= ranks) by level (arg: the nodes' levels), then rank */
static int
load_position_cmp(const void *a, const void *b, void *arg)
{
	const int  *node_levels = arg;
	int			ia = *(const int *) a;
	int			ib = *(const int *) b;

	if (node_levels[ia] != node_levels[ib])
		return node_levels[ia] < node_levels[ib] ? -1 : 1;
	return ia < ib ? -1 : (ia > ib);
}

/*
 * Tarjan's strongly connected components, without recursion so that a
 * long chain of tables cannot exhaust the stack.  Edges go from child to
 * parent.  Sets each node's comp, fills order with the nodes as their
 * components complete (a component's nodes together, every component
 * after all those it references) and returns the number of components.
 */
static int
find_components(LoadNode *nodes, int nnodes, LoadEdge *edges,
				int *first_edge, int *order)
{
	int		   *stack = palloc(sizeof(int) * nnodes);
	int		   *calls = palloc(sizeof(int) * nnodes);
	int			sp = 0;
	int			ncalls;
	int			counter = 0;
	int			ncomps = 0;
	int			norder = 0;

	for (int s = 0; s < nnodes; s++)
	{
		if (nodes[s].tarjan_index >= 0)
			continue;
		nodes[s].tarjan_index = nodes[s].lowlink = counter++;
		nodes[s].next_edge = first_edge[s];
		nodes[s].on_stack = true;
		stack[sp++] = s;
		calls[0] = s;
		ncalls = 1;

		while (ncalls > 0)
		{
			int			v = calls[ncalls - 1];
			LoadNode   *nv = &nodes[v];

			CHECK_FOR_INTERRUPTS();
			if (nv->next_edge < first_edge[v + 1])
			{
				int			w = edges[nv->next_edge++].parent;
				LoadNode   *nw = &nodes[w];

				if (nw->tarjan_index < 0)
				{
					nw->tarjan_index = nw->lowlink = counter++;
					nw->next_edge = first_edge[w];
					nw->on_stack = true;
					stack[sp++] = w;
					calls[ncalls++] = w;
				}
				else if (nw->on_stack && nw->tarjan_index < nv->lowlink)
					nv->lowlink = nw->tarjan_index;
				continue;
			}

			/* all of v's edges followed: v may close a component */
			ncalls--;
			if (nv->lowlink == nv->tarjan_index)
			{
				int			w;

				do
				{
					w = stack[--sp];
					nodes[w].on_stack = false;
					nodes[w].comp = ncomps;
					order[norder++] = w;
				} while (w != v);
				ncomps++;
			}
			if (ncalls > 0)
			{
				LoadNode   *nu = &nodes[calls[ncalls - 1]];

				if (nv->lowlink < nu->lowlink)
					nu->lowlink = nv->lowlink;
			}
		}
	}
	return ncomps;
}

/* The keys' names, sorted, as a name[] datum */
static Datum
break_names_array(List *breaks)
{
	int			n = 0;
	char	  **names = palloc(sizeof(char *) * list_length(breaks));
	ListCell   *lc;

	foreach(lc, breaks)
	{
		LoadEdge   *le = lfirst(lc);
		FkEdge		e = {le->conoid, InvalidOid, InvalidOid, (char *) le->refname};
		FkModel    *fk = fk_model_load_edge(&e, 0);

		if (fk != NULL)
			names[n++] = pstrdup(NameStr(fk->conname));
	}
	qsort(names, n, sizeof(char *), pg_qsort_strcmp);
	return fk_name_array_datum(n, names);
}
