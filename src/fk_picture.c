/*-------------------------------------------------------------------------
 *
 * fk_picture.c
 *	  fk_graph(): the foreign key graph as a picture, Graphviz DOT or a
 *	  Mermaid erDiagram.
 *
 * Which tables: every table of the listed schemas, or the neighbourhood of
 * a focus table (depth keys away, following keys in the chosen
 * directions), found through catalog indexes (fk_model_edges_at) so that
 * the cost follows the picture, not the database.  Which keys: every
 * declared key between two tables of the picture; a key declared on or to
 * a partition is drawn on its partitioned table.  Keys that lead out of
 * the picture are counted on the table they leave ("+2 keys not shown"),
 * so a cut is never silent.
 *
 * What the picture says about each key comes from the FK model (state
 * with FK_LOAD_STATE: validated, enforced, indexed), row estimates from
 * pg_class.reltuples, and orphans from the latest snapshot results
 * (fk_snapshot.h), masked as the monitoring views mask them.  No user
 * table is read or locked (the focus table gets AccessShareLock, like the
 * graph walks' target).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "fk_access.h"
#include "fk_model.h"
#include "fk_picture.h"
#include "fk_spi.h"
#include "fk_snapshot.h"
#include "fk_sql.h"

PG_FUNCTION_INFO_V1(fk_graph);

/* Which keys a focus walk follows away from the focus table. */
typedef enum PicDirection
{
	PIC_BOTH,					/* up to parents and down to children, never
								 * turning: what it needs, what needs it */
	PIC_REFERENCED,				/* parents only */
	PIC_REFERENCING,			/* children only */
	PIC_ANY						/* every key: the neighbourhood */
} PicDirection;

#define PIC_UP		0x01
#define PIC_DOWN	0x02

/* One table of the picture. */
typedef struct PicTable
{
	Oid			relid;			/* hash key */
	char	   *nspname;
	char	   *relname;
	int			id;				/* t<id> in the output, by name order */
	int			schema;			/* s<schema>: the cluster */
	int			depth;			/* keys away from the focus */
	int			hidden;			/* its keys that lead out of the picture */
	bool		has_problem;
	bool		drawn;
} PicTable;

/* One key of the picture, between two of its tables. */
typedef struct PicKey
{
	Oid			conoid;
	char	   *conname;
	PicTable   *child;
	PicTable   *parent;
	Oid			declared_on;	/* the table the key is declared on */
	char	   *child_cols;
	char	   *parent_cols;
	char	   *on_partition;	/* declared on or to a partition: which */
	char		del_action;
	bool		nullable;		/* some key column may be NULL */
	bool		validated;
	bool		enforced;
	bool		indexed;
	bool		decl_only;		/* a declared-only reference: dashed, grey */
	int64		orphans;		/* -1: not known */
	char	   *definition;
} PicKey;

typedef struct PicGraph
{
	PicFormat	format;
	Oid			focus;
	int			depth;			/* -1: no limit */
	PicDirection direction;
	Oid		   *nspids;
	int			nnsp;			/* -1: every non-system schema */
	Oid			info_nspid;
	bool		problems_only;
	bool		legend;
	bool		has_decl_only;	/* a declared-only reference is drawn */
	int			max_tables;		/* 0: no limit */

	HTAB	   *tables;			/* PicTable by relid */
	PicTable  **sorted;
	int			ntables;
	List	   *keys;			/* PicKey, then sorted into: */
	PicKey	  **keyv;
	int			nkeys;
	HTAB	   *candidates;		/* Oid set: keys to load (whole database) */

	/* the snapshot */
	char	   *snapshot_note;	/* what the legend says about orphans */
	int			nproblems;
	MemoryContext cxt;			/* where what the picture keeps lives */
} PicGraph;

static void graph_args(FunctionCallInfo fcinfo, PicGraph *g);
static bool schema_listed(PicGraph *g, Oid nspid);
static Oid	declared_table(Oid relid);
static PicTable *table_add(PicGraph *g, Oid relid, int depth);
static PicTable *table_find(PicGraph *g, Oid relid);
static void too_many_tables(PicGraph *g) pg_attribute_noreturn();
static void tables_of_schemas(PicGraph *g);
static void tables_around_focus(PicGraph *g);
static List *edges_of(Oid relid, bool referencing);
static void keys_of_database(PicGraph *g);
static void keys_between_tables(PicGraph *g);
static void key_add(PicGraph *g, FkModel *fk);
static void key_candidate(FkModel *fk, void *arg);
static char *key_columns(FkModel *fk, bool pk_side);
static void read_snapshot(PicGraph *g);
static void keep_problems(PicGraph *g);
static void number_tables(PicGraph *g);
static bool key_has_problem(PicKey *k);
static List *key_label(PicGraph *g, PicKey *k);
static List *table_label(PicGraph *g, PicTable *t);
static char *graph_title(PicGraph *g);
static void write_dot(PicGraph *g, StringInfo out);
static void write_dot_legend(PicGraph *g, StringInfo out);
static void write_mermaid(PicGraph *g, StringInfo out);
static int	table_name_cmp(const void *a, const void *b);
static int	key_cmp(const void *a, const void *b);

/*
 * fk_graph(format text DEFAULT 'dot', focus regclass DEFAULT NULL,
 *			depth int DEFAULT 1, schemas name[] DEFAULT NULL,
 *			direction text DEFAULT 'both', problems_only boolean DEFAULT false,
 *			legend boolean DEFAULT true, max_tables int DEFAULT 1000)
 *	 RETURNS text
 *
 * The foreign key graph of the listed schemas (NULL: every non-system
 * schema), or of the tables around focus, as Graphviz DOT or a Mermaid
 * erDiagram.  Reads the catalogs (and the extension's snapshot state);
 * takes AccessShareLock on focus only.
 */
Datum
fk_graph(PG_FUNCTION_ARGS)
{
	PicGraph	g;
	StringInfoData out;
	HASHCTL		ctl;

	memset(&g, 0, sizeof(g));
	g.cxt = CurrentMemoryContext;
	graph_args(fcinfo, &g);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(PicTable);
	ctl.hcxt = CurrentMemoryContext;
	g.tables = hash_create("fk_graph tables", 256, &ctl,
						   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	if (OidIsValid(g.focus))
	{
		tables_around_focus(&g);
		keys_between_tables(&g);
	}
	else
	{
		tables_of_schemas(&g);
		keys_of_database(&g);
	}
	read_snapshot(&g);
	if (g.problems_only)
	{
		keep_problems(&g);
		if (g.max_tables > 0 && g.ntables > g.max_tables)
			too_many_tables(&g);
	}
	number_tables(&g);

	initStringInfo(&out);
	if (g.format == PIC_DOT)
		write_dot(&g, &out);
	else
		write_mermaid(&g, &out);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out.data, out.len));
}

/* The arguments, checked. */
static void
graph_args(FunctionCallInfo fcinfo, PicGraph *g)
{
	g->format = pic_format_arg(fcinfo, 0);
	g->focus = PG_ARGISNULL(1) ? InvalidOid : PG_GETARG_OID(1);
	g->depth = PG_ARGISNULL(2) ? -1 : PG_GETARG_INT32(2);
	if (!PG_ARGISNULL(2) && g->depth < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("depth must not be negative"),
				 errhint("Pass depth => 0 for the focus table alone, 1 for its neighbours, NULL for no limit.")));
	g->nnsp = -1;
	if (!PG_ARGISNULL(3))
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(3);
		Datum	   *elems;
		bool	   *elemnulls;
		int			nelems;

		deconstruct_array(arr, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR,
						  &elems, &elemnulls, &nelems);
		g->nspids = palloc(sizeof(Oid) * (nelems + 1));
		g->nnsp = 0;
		for (int i = 0; i < nelems; i++)
			if (!elemnulls[i])
				g->nspids[g->nnsp++] =
					get_namespace_oid(NameStr(*DatumGetName(elems[i])), false);
	}
	g->direction = PIC_BOTH;
	if (!PG_ARGISNULL(4))
	{
		char	   *d = text_to_cstring(PG_GETARG_TEXT_PP(4));

		if (pg_strcasecmp(d, "both") == 0)
			g->direction = PIC_BOTH;
		else if (pg_strcasecmp(d, "referenced") == 0)
			g->direction = PIC_REFERENCED;
		else if (pg_strcasecmp(d, "referencing") == 0)
			g->direction = PIC_REFERENCING;
		else if (pg_strcasecmp(d, "any") == 0)
			g->direction = PIC_ANY;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown direction \"%s\"", d),
					 errhint("Pass direction => 'both' (parents and children of the focus), 'referenced', 'referencing' or 'any' (every key, siblings too).")));
	}
	g->problems_only = PG_ARGISNULL(5) ? false : PG_GETARG_BOOL(5);
	g->legend = PG_ARGISNULL(6) ? true : PG_GETARG_BOOL(6);
	g->max_tables = PG_ARGISNULL(7) ? 0 : PG_GETARG_INT32(7);
	if (g->max_tables < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_tables must not be negative"),
				 errhint("Pass NULL for no limit.")));
	g->info_nspid = get_namespace_oid("information_schema", true);
	if (OidIsValid(g->focus))
	{
		fk_check_target(g->focus, "focus");
		g->focus = declared_table(g->focus);
	}
}

/* Is a schema one the picture shows? (-1: all but the system ones) */
static bool
schema_listed(PicGraph *g, Oid nspid)
{
	if (g->nnsp >= 0)
	{
		for (int i = 0; i < g->nnsp; i++)
			if (g->nspids[i] == nspid)
				return true;
		return false;
	}
	if (IsCatalogNamespace(nspid) || IsToastNamespace(nspid) ||
		isAnyTempNamespace(nspid))
		return false;
	return nspid != g->info_nspid;
}

/* The table a picture shows for relid: its partition tree's root. */
static Oid
declared_table(Oid relid)
{
	if (get_rel_relispartition(relid))
	{
		List	   *ancestors = get_partition_ancestors(relid);

		if (ancestors != NIL)
			return llast_oid(ancestors);
	}
	return relid;
}

/* Add a table at depth (or lower its depth); NULL if its schema is not shown. */
static PicTable *
table_add(PicGraph *g, Oid relid, int depth)
{
	PicTable   *t;
	bool		found;
	char	   *relname;
	Oid			nspid;

	t = hash_search(g->tables, &relid, HASH_FIND, NULL);
	if (t != NULL)
	{
		if (depth < t->depth)
			t->depth = depth;
		return t;
	}
	relname = get_rel_name(relid);
	if (relname == NULL)
		return NULL;			/* dropped meanwhile */
	nspid = get_rel_namespace(relid);
	if (!schema_listed(g, nspid))
		return NULL;
	/* an extension's own tables (this one's snapshots too) are not the user's */
	if (OidIsValid(getExtensionOfObject(RelationRelationId, relid)))
		return NULL;
	/* problems_only pictures are counted once their problems are known */
	if (!g->problems_only && g->max_tables > 0 && g->ntables >= g->max_tables)
		too_many_tables(g);
	t = hash_search(g->tables, &relid, HASH_ENTER, &found);
	memset(((char *) t) + sizeof(Oid), 0, sizeof(PicTable) - sizeof(Oid));
	t->relname = relname;
	t->nspname = get_namespace_name(nspid);
	t->depth = depth;
	g->ntables++;
	return t;
}

/* The error for a picture of more than max_tables tables. */
static void
too_many_tables(PicGraph *g)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("the picture would show more than %d tables", g->max_tables),
			 errdetail("max_tables limits the tables of one picture, which no one could read beyond a few hundred."),
			 errhint("Pass focus => a table with depth => 1 or 2, schemas => the schemas to show, problems_only => true, or a larger max_tables (NULL: no limit).")));
}

/* The picture's table of relid, or NULL. */
static PicTable *
table_find(PicGraph *g, Oid relid)
{
	return hash_search(g->tables, &relid, HASH_FIND, NULL);
}

/* Every table (partitions are shown as their table) of the listed schemas. */
static void
tables_of_schemas(PicGraph *g)
{
	Relation	classrel;
	SysScanDesc scan;
	HeapTuple	tup;

	classrel = table_open(RelationRelationId, AccessShareLock);
	scan = systable_beginscan(classrel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);

		CHECK_FOR_INTERRUPTS();
		if (cls->relkind != RELKIND_RELATION &&
			cls->relkind != RELKIND_PARTITIONED_TABLE)
			continue;
		if (cls->relispartition || !schema_listed(g, cls->relnamespace))
			continue;
		table_add(g, cls->oid, 0);
	}
	systable_endscan(scan);
	table_close(classrel, AccessShareLock);
}

/*
 * The declared keys on relid (!referencing) or pointing at it
 * (referencing), its partitions' included: a key declared on a partition
 * belongs to the partitioned table's picture.
 */
static List *
edges_of(Oid relid, bool referencing)
{
	List	   *result = NIL;
	List	   *rels;
	ListCell   *lc;

	if (get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE)
		rels = find_all_inheritors(relid, NoLock, NULL);
	else
		rels = list_make1_oid(relid);
	foreach(lc, rels)
		result = list_concat(result, fk_model_edges_at(lfirst_oid(lc), referencing));
	return result;
}

/*
 * The tables around the focus, breadth first, each at its smallest
 * distance: with direction both, parents are followed up to their parents
 * and children down to theirs, never turning (a sibling is not a
 * neighbour); any follows every key from every table reached.
 */
static void
tables_around_focus(PicGraph *g)
{
	List	   *queue = NIL;
	List	   *queue_depth = NIL;
	List	   *queue_ways = NIL;
	HTAB	   *expanded;
	HASHCTL		ctl;
	int			start_ways;
	PicTable   *ft;

	ft = table_add(g, g->focus, 0);
	if (ft == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the focus table is not one the picture shows"),
				 errdetail("Its schema is not among schemas, or it belongs to an extension."),
				 errhint("Add its schema to schemas, or pass schemas => NULL.")));

	switch (g->direction)
	{
		case PIC_REFERENCED:
			start_ways = PIC_UP;
			break;
		case PIC_REFERENCING:
			start_ways = PIC_DOWN;
			break;
		default:
			start_ways = PIC_UP | PIC_DOWN;
	}

	/* a table is expanded once per way it is walked (up, down) */
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid) * 2;
	ctl.entrysize = sizeof(Oid) * 2;
	ctl.hcxt = CurrentMemoryContext;
	expanded = hash_create("fk_graph walked", 64, &ctl,
						   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	queue = list_make1_oid(g->focus);
	queue_depth = list_make1_int(0);
	queue_ways = list_make1_int(start_ways);
	for (int qi = 0; qi < list_length(queue); qi++)
	{
		Oid			rel = list_nth_oid(queue, qi);
		int			depth = list_nth_int(queue_depth, qi);
		int			ways = list_nth_int(queue_ways, qi);

		CHECK_FOR_INTERRUPTS();
		if (g->depth >= 0 && depth >= g->depth)
			continue;
		for (int way = PIC_UP; way <= PIC_DOWN; way <<= 1)
		{
			Oid			hkey[2];
			bool		found;
			ListCell   *lc;

			if (!(ways & way))
				continue;
			hkey[0] = rel;
			hkey[1] = way;
			hash_search(expanded, hkey, HASH_ENTER, &found);
			if (found)
				continue;
			foreach(lc, edges_of(rel, way == PIC_DOWN))
			{
				FkEdge	   *e = lfirst(lc);
				Oid			next = declared_table(way == PIC_DOWN ? e->fk_relid : e->pk_relid);

				if (table_add(g, next, depth + 1) == NULL)
					continue;
				queue = lappend_oid(queue, next);
				queue_depth = lappend_int(queue_depth, depth + 1);
				queue_ways = lappend_int(queue_ways,
										 g->direction == PIC_ANY ? (PIC_UP | PIC_DOWN) : way);
			}
		}
	}
	hash_destroy(expanded);
}

/* Focus pictures: the keys of the tables found, loaded one by one. */
static void
keys_between_tables(PicGraph *g)
{
	HASH_SEQ_STATUS s;
	PicTable   *t;
	List	   *tables = NIL;
	ListCell   *lc;

	hash_seq_init(&s, g->tables);
	while ((t = hash_seq_search(&s)) != NULL)
		tables = lappend(tables, t);

	foreach(lc, tables)
	{
		ListCell   *ec;

		t = lfirst(lc);
		CHECK_FOR_INTERRUPTS();
		/* its own keys, to tables inside or outside */
		foreach(ec, edges_of(t->relid, false))
		{
			FkEdge	   *e = lfirst(ec);
			FkModel    *fk;

			if (table_find(g, declared_table(e->pk_relid)) == NULL)
			{
				t->hidden++;
				continue;
			}
			fk = fk_model_load_edge(e, FK_LOAD_NAMES | FK_LOAD_STATE);
			if (fk != NULL)
				key_add(g, fk);
		}
		/* keys pointing at it from outside: counted, not drawn */
		foreach(ec, edges_of(t->relid, true))
		{
			FkEdge	   *e = lfirst(ec);

			if (table_find(g, declared_table(e->fk_relid)) == NULL)
				t->hidden++;
		}
	}
}

/*
 * Whole-schema pictures: which keys link two shown tables comes from one
 * pass over the edges; their models from one pass of fk_model_foreach,
 * which finds the state of every key at once.
 */
static void
keys_of_database(PicGraph *g)
{
	FkEdge	   *edges;
	int			nedges;
	HASHCTL		ctl;
	int			ncand = 0;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(Oid);
	ctl.hcxt = CurrentMemoryContext;
	g->candidates = hash_create("fk_graph keys", 256, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	edges = fk_model_edges(true, &nedges);
	for (int i = 0; i < nedges; i++)
	{
		PicTable   *child = table_find(g, declared_table(edges[i].fk_relid));
		PicTable   *parent = table_find(g, declared_table(edges[i].pk_relid));

		CHECK_FOR_INTERRUPTS();
		if (child != NULL && parent != NULL)
		{
			hash_search(g->candidates, &edges[i].conoid, HASH_ENTER, NULL);
			ncand++;
		}
		else if (child != NULL)
			child->hidden++;
		else if (parent != NULL)
			parent->hidden++;
	}
	if (ncand > 0)
		fk_model_foreach(true, FK_LOAD_NAMES | FK_LOAD_STATE | FK_LOAD_REFS,
						 key_candidate, g);
}

/* fk_model_foreach's callback: keep the key if it links two shown tables */
static void
key_candidate(FkModel *fk, void *arg)
{
	PicGraph   *g = arg;
	MemoryContext old;

	if (hash_search(g->candidates, &fk->conoid, HASH_FIND, NULL) == NULL)
		return;
	/* the model lives in a context reset after us: copy into the caller's */
	old = MemoryContextSwitchTo(g->cxt);
	key_add(g, fk);
	MemoryContextSwitchTo(old);
}

/* Record one key, copied out of its model (in the current context). */
static void
key_add(PicGraph *g, FkModel *fk)
{
	PicKey	   *k = palloc0(sizeof(PicKey));
	Oid			child = declared_table(fk->fk_relid);
	Oid			parent = declared_table(fk->pk_relid);

	k->conoid = fk->conoid;
	k->conname = pstrdup(NameStr(fk->conname));
	k->child = table_find(g, child);
	k->parent = table_find(g, parent);
	if (k->child == NULL || k->parent == NULL)
		return;
	k->declared_on = fk->fk_relid;
	k->child_cols = key_columns(fk, false);
	k->parent_cols = key_columns(fk, true);
	if (child != fk->fk_relid)
		k->on_partition = psprintf("declared on partition %s",
								   pic_rel_name(fk->fk_relid, false));
	else if (parent != fk->pk_relid)
		k->on_partition = psprintf("references partition %s",
								   pic_rel_name(fk->pk_relid, false));
	k->del_action = fk->del_action;
	for (int i = 0; i < fk->nkeys; i++)
		if (!fk->fk_notnull[i])
			k->nullable = true;
	k->validated = fk->validated;
	k->enforced = fk->enforced;
	k->indexed = fk->indexed;
	k->decl_only = fk->decl_only;
	if (k->decl_only)
		g->has_decl_only = true;
	k->orphans = -1;
	k->definition = pic_visible(fk_model_definition(fk));
	g->keys = lappend(g->keys, k);
}

/* "a" or "(a, b)", names as a picture shows them */
static char *
key_columns(FkModel *fk, bool pk_side)
{
	StringInfoData buf;
	char	   *result;

	initStringInfo(&buf);
	if (fk->nkeys > 1)
		appendStringInfoChar(&buf, '(');
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, pic_name(pk_side ? fk->pk_colnames[i] : fk->fk_colnames[i]));
	}
	if (fk->nkeys > 1)
		appendStringInfoChar(&buf, ')');
	result = pstrdup(buf.data);
	pfree(buf.data);
	return result;
}

/*
 * Orphans from the latest snapshot of each key (fk_check_snapshot's
 * results), as the monitoring views show them to the current role; the
 * legend says when they were counted, or why there are none.
 */
static void
read_snapshot(PicGraph *g)
{
	FkSnapshotReader *reader = fk_snapshot_reader_open();
	TimestampTz latest = 0;
	int			counted = 0;
	int			hidden = 0;
	ListCell   *lc;

	foreach(lc, g->keys)
	{
		PicKey	   *k = lfirst(lc);
		int64		orphans;
		TimestampTz at;

		CHECK_FOR_INTERRUPTS();
		switch (fk_snapshot_count(reader, k->conoid,
								  k->decl_only ? k->conname : NULL,
								  &orphans, &at))
		{
			case FK_SNAPSHOT_NONE:
				break;
			case FK_SNAPSHOT_HIDDEN:
				hidden++;
				break;
			case FK_SNAPSHOT_COUNTED:
				k->orphans = orphans;
				latest = Max(latest, at);
				counted++;
				break;
		}
	}
	fk_snapshot_reader_close(reader);

	if (counted == 0)
		g->snapshot_note = hidden > 0 ?
			"not known: no snapshot of these keys you may see" :
			"not known: no snapshot of these keys";
	else if (hidden > 0)
		g->snapshot_note = psprintf("from the latest snapshot, %s; %d %s not shown to you",
									timestamptz_to_str(latest), hidden,
									hidden == 1 ? "key's count" : "keys' counts");
	else
		g->snapshot_note = psprintf("from the latest snapshot, %s",
									timestamptz_to_str(latest));
}

/* Does the picture mark the key: orphans, NOT VALID, not enforced, unindexed? */
static bool
key_has_problem(PicKey *k)
{
	/* a declared-only reference is never validated nor enforced, and fires nothing */
	if (k->decl_only)
		return k->orphans > 0;
	return k->orphans > 0 || !k->validated || !k->enforced || !k->indexed;
}

/* problems_only: the keys with a problem, and the tables they link */
static void
keep_problems(PicGraph *g)
{
	List	   *kept = NIL;
	ListCell   *lc;
	HASH_SEQ_STATUS s;
	PicTable   *t;

	foreach(lc, g->keys)
	{
		PicKey	   *k = lfirst(lc);

		if (!key_has_problem(k))
			continue;
		kept = lappend(kept, k);
		k->child->has_problem = true;
		k->parent->has_problem = true;
	}
	g->keys = kept;
	hash_seq_init(&s, g->tables);
	while ((t = hash_seq_search(&s)) != NULL)
	{
		t->hidden = 0;			/* every key without a problem is left out */
		if (!t->has_problem && t->relid != g->focus)
		{
			Oid			relid = t->relid;

			hash_search(g->tables, &relid, HASH_REMOVE, NULL);
			g->ntables--;
		}
	}
}

/* Ids in name order, schemas numbered as they come; keys sorted. */
static void
number_tables(PicGraph *g)
{
	HASH_SEQ_STATUS s;
	PicTable   *t;
	int			n = 0;
	int			schema = 0;
	ListCell   *lc;

	g->sorted = palloc(sizeof(PicTable *) * (g->ntables + 1));
	hash_seq_init(&s, g->tables);
	while ((t = hash_seq_search(&s)) != NULL)
		g->sorted[n++] = t;
	g->ntables = n;
	qsort(g->sorted, n, sizeof(PicTable *), table_name_cmp);
	for (int i = 0; i < n; i++)
	{
		g->sorted[i]->id = i + 1;
		if (i == 0 || strcmp(g->sorted[i]->nspname, g->sorted[i - 1]->nspname) != 0)
			schema++;
		g->sorted[i]->schema = schema;
	}
	g->nkeys = list_length(g->keys);
	g->keyv = palloc(sizeof(PicKey *) * (g->nkeys + 1));
	n = 0;
	foreach(lc, g->keys)
	{
		PicKey	   *k = lfirst(lc);

		g->keyv[n++] = k;
		if (key_has_problem(k))
		{
			g->nproblems++;
			k->child->has_problem = true;
		}
	}
	qsort(g->keyv, g->nkeys, sizeof(PicKey *), key_cmp);
}

/* Tables by schema and name (byte order), then OID: the ids' order. */
static int
table_name_cmp(const void *a, const void *b)
{
	const PicTable *ta = *(PicTable *const *) a;
	const PicTable *tb = *(PicTable *const *) b;
	int			c = strcmp(ta->nspname, tb->nspname);

	if (c != 0)
		return c;
	c = strcmp(ta->relname, tb->relname);
	if (c != 0)
		return c;
	return ta->relid < tb->relid ? -1 : (ta->relid > tb->relid);
}

/* by parent, child, constraint name: a fixed order */
static int
key_cmp(const void *a, const void *b)
{
	const PicKey *ka = *(PicKey *const *) a;
	const PicKey *kb = *(PicKey *const *) b;
	int			c;

	if (ka->parent->id != kb->parent->id)
		return ka->parent->id < kb->parent->id ? -1 : 1;
	if (ka->child->id != kb->child->id)
		return ka->child->id < kb->child->id ? -1 : 1;
	c = strcmp(ka->conname, kb->conname);
	if (c != 0)
		return c;
	return ka->conoid < kb->conoid ? -1 : (ka->conoid > kb->conoid);
}

/* What a key's edge says: its columns, ON DELETE, its problems. */
static List *
key_label(PicGraph *g, PicKey *k)
{
	List	   *lines = NIL;
	const char *warn = pic_symbol(PIC_SYM_WARN);

	lines = lappend(lines, psprintf("%s%s%s", k->child_cols,
									pic_symbol(PIC_SYM_ARROW), k->parent_cols));
	lines = lappend(lines, k->decl_only ? pstrdup("DECLARED ONLY") :
					psprintf("ON DELETE %s", fk_action_name(k->del_action)));
	if (k->on_partition)
		lines = lappend(lines, k->on_partition);
	if (k->orphans > 0)
		lines = lappend(lines, psprintf("%sORPHANS %s", warn, pic_count(k->orphans)));
	if (k->decl_only)
		return lines;
	if (!k->validated)
		lines = lappend(lines, psprintf("%sNOT VALID", warn));
	if (!k->enforced)
		lines = lappend(lines, psprintf("%sNOT ENFORCED", warn));
	if (!k->indexed)
		lines = lappend(lines, psprintf("%sUNINDEXED", warn));
	return lines;
}

/* What a table's node says: its name, rows, keys left out. */
static List *
table_label(PicGraph *g, PicTable *t)
{
	List	   *lines = NIL;

	lines = lappend(lines, g->format == PIC_DOT ? pic_name(t->relname) :
					psprintf("%s.%s", pic_name(t->nspname), pic_name(t->relname)));
	lines = lappend(lines, pic_rows_estimate(t->relid));
	if (t->hidden > 0)
		lines = lappend(lines, psprintf("+%d %s not shown", t->hidden,
										t->hidden == 1 ? "key" : "keys"));
	return lines;
}

/* One line saying what the picture shows. */
static char *
graph_title(PicGraph *g)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%d %s, %d foreign %s", g->ntables,
					 g->ntables == 1 ? "table" : "tables", g->nkeys,
					 g->nkeys == 1 ? "key" : "keys");
	if (g->nproblems > 0)
		appendStringInfo(&buf, ", %d with problems", g->nproblems);
	if (OidIsValid(g->focus))
	{
		appendStringInfo(&buf, "; around %s", pic_rel_name(g->focus, true));
		if (g->depth >= 0)
			appendStringInfo(&buf, ", depth %d", g->depth);
		if (g->direction == PIC_REFERENCED)
			appendStringInfoString(&buf, ", referenced tables");
		else if (g->direction == PIC_REFERENCING)
			appendStringInfoString(&buf, ", referencing tables");
		else if (g->direction == PIC_ANY)
			appendStringInfoString(&buf, ", every direction");
	}
	if (g->problems_only)
		appendStringInfoString(&buf, "; only keys with problems");
	return buf.data;
}

/* The DOT style of a key: one colour per problem (parallel lines). */
static void
dot_key_style(StringInfo out, PicKey *k)
{
	List	   *colors = NIL;
	ListCell   *lc;

	if (k->decl_only)
	{
		appendStringInfo(out, ", color=\"%s\", fontcolor=\"%s\", style=dashed",
						 k->orphans > 0 ? PIC_COLOR_ORPHANS : PIC_COLOR_DECLARED,
						 k->orphans > 0 ? PIC_COLOR_ORPHANS : PIC_COLOR_DECLARED);
		if (k->orphans > 0)
			appendStringInfoString(out, ", penwidth=2.5");
		return;
	}
	if (k->orphans > 0)
		colors = lappend(colors, PIC_COLOR_ORPHANS);
	if (!k->validated)
		colors = lappend(colors, PIC_COLOR_NOT_VALID);
	if (!k->enforced)
		colors = lappend(colors, PIC_COLOR_NOT_ENFORCED);
	if (!k->indexed)
		colors = lappend(colors, PIC_COLOR_UNINDEXED);
	if (colors != NIL)
	{
		appendStringInfoString(out, ", color=\"");
		foreach(lc, colors)
		{
			if (lc != list_head(colors))
				appendStringInfoChar(out, ':');
			appendStringInfoString(out, lfirst(lc));
		}
		appendStringInfo(out, "\", fontcolor=\"%s\"",
						 (char *) linitial(colors));
	}
	if (!k->enforced)
		appendStringInfoString(out, ", style=dotted");
	else if (!k->validated)
		appendStringInfoString(out, ", style=dashed");
	if (k->orphans > 0)
		appendStringInfoString(out, ", penwidth=2.5");
}

/*
 * Graphviz DOT: one cluster per schema, one node per table, one edge per
 * key from the referenced table to the referencing one, with crow's feet:
 * at the child end "zero or many", at the parent end "exactly one" (a NOT
 * NULL key) or "zero or one" (a nullable key).
 */
static void
write_dot(PicGraph *g, StringInfo out)
{
	MemoryContext item = AllocSetContextCreate(CurrentMemoryContext, "fk_graph item",
											   ALLOCSET_SMALL_SIZES);
	MemoryContext old;

	appendStringInfoString(out, "digraph fk_graph {\n");
	appendStringInfoString(out, "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, labelloc=t, labeljust=l, nodesep=0.3, ranksep=0.9, label=");
	pic_dot_string(out, graph_title(g));
	appendStringInfoString(out, "];\n");
	appendStringInfoString(out, "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=11];\n");
	appendStringInfoString(out, "  edge [dir=both, fontname=\"Helvetica\", fontsize=9, arrowsize=0.8, color=\"#555555\"];\n");

	for (int i = 0; i < g->ntables; i++)
	{
		PicTable   *t = g->sorted[i];

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(item);
		if (i == 0 || t->schema != g->sorted[i - 1]->schema)
		{
			appendStringInfo(out, "  subgraph cluster_s%d {\n    label=", t->schema);
			pic_dot_string(out, pic_name(t->nspname));
			appendStringInfoString(out, "; style=\"rounded,filled\"; fillcolor=\"#f3f5f9\"; color=\"#9aa5b8\";\n");
		}
		appendStringInfo(out, "    t%d [id=\"t%d\", label=", t->id, t->id);
		pic_lines(out, PIC_DOT, table_label(g, t));
		appendStringInfoString(out, ", tooltip=");
		pic_dot_tooltip(out, pic_rel_name(t->relid, true));
		if (t->relid == g->focus)
			appendStringInfo(out, ", fillcolor=\"%s\", penwidth=2", PIC_COLOR_FOCUS);
		appendStringInfoString(out, "];\n");
		if (i == g->ntables - 1 || g->sorted[i + 1]->schema != t->schema)
			appendStringInfoString(out, "  }\n");
		MemoryContextSwitchTo(old);
		MemoryContextReset(item);
	}

	for (int i = 0; i < g->nkeys; i++)
	{
		PicKey	   *k = g->keyv[i];

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(item);
		appendStringInfo(out, "  t%d -> t%d [id=\"k%d\", arrowtail=%s, arrowhead=crowodot, label=",
						 k->parent->id, k->child->id, i + 1,
						 k->nullable ? "teeodot" : "teetee");
		pic_lines(out, PIC_DOT, key_label(g, k));
		appendStringInfoString(out, ", tooltip=");
		pic_dot_tooltip(out, psprintf("%s: %s", pic_name(k->conname), k->definition));
		dot_key_style(out, k);
		appendStringInfoString(out, "];\n");
		MemoryContextSwitchTo(old);
		MemoryContextReset(item);
	}
	MemoryContextDelete(item);
	if (g->legend)
		write_dot_legend(g, out);
	appendStringInfoString(out, "}\n");
}

/* The legend: a sample edge for each end and each problem. */
static void
write_dot_legend(PicGraph *g, StringInfo out)
{
	static const struct
	{
		const char *style;
		const char *text;
	}			entries[] =
	{
		{"arrowtail=teetee", "NOT NULL key: each row has exactly one parent"},
		{"arrowtail=teeodot", "nullable key: zero or one parent"},
		{"arrowtail=teetee, color=\"" PIC_COLOR_ORPHANS "\", fontcolor=\"" PIC_COLOR_ORPHANS "\", penwidth=2.5", NULL},
		{"arrowtail=teetee, color=\"" PIC_COLOR_NOT_VALID "\", fontcolor=\"" PIC_COLOR_NOT_VALID "\", style=dashed", "NOT VALID: existing rows never checked"},
		{"arrowtail=teetee, color=\"" PIC_COLOR_NOT_ENFORCED "\", fontcolor=\"" PIC_COLOR_NOT_ENFORCED "\", style=dotted", "NOT ENFORCED: an RI trigger is disabled"},
		{"arrowtail=teetee, color=\"" PIC_COLOR_UNINDEXED "\", fontcolor=\"" PIC_COLOR_UNINDEXED "\"", "UNINDEXED: no index leads with the key columns"},
	};

	appendStringInfoString(out, "  subgraph cluster_legend {\n");
	appendStringInfoString(out, "    label=\"Legend\"; style=\"rounded\"; color=\"#bbbbbb\"; fontsize=10;\n");
	appendStringInfoString(out, "    node [shape=point, width=0.06, label=\"\"];\n");
	for (int i = 0; i < lengthof(entries); i++)
	{
		const char *text = entries[i].text;

		if (text == NULL)
			text = psprintf("ORPHANS n: rows without a parent (%s)", g->snapshot_note);
		appendStringInfo(out, "    legend%da -> legend%db [id=\"legend%d\", %s, arrowhead=crowodot, fontsize=9, label=",
						 i + 1, i + 1, i + 1, entries[i].style);
		pic_dot_string(out, text);
		appendStringInfoString(out, "];\n");
	}
	/* only pictures that draw one: the others stay as they were */
	if (g->has_decl_only)
	{
		int			i = lengthof(entries);

		appendStringInfo(out, "    legend%da -> legend%db [id=\"legend%d\", arrowtail=teetee, color=\"%s\", fontcolor=\"%s\", style=dashed, arrowhead=crowodot, fontsize=9, label=",
						 i + 1, i + 1, i + 1, PIC_COLOR_DECLARED, PIC_COLOR_DECLARED);
		pic_dot_string(out, "DECLARED ONLY: a reference no constraint enforces (fk_declare)");
		appendStringInfoString(out, "];\n");
	}
	if (OidIsValid(g->focus))
	{
		appendStringInfo(out, "    legend_focus [id=\"legend_focus\", shape=box, style=\"rounded,filled\", fillcolor=\"%s\", penwidth=2, width=0, fontsize=9, label=\"focus table\"];\n",
						 PIC_COLOR_FOCUS);
	}
	appendStringInfoString(out, "  }\n");
}

/*
 * Mermaid erDiagram: one entity per table, labelled schema.table (an
 * erDiagram has no clusters; the entities of one schema share a fill
 * colour), one relationship per key with the same crow's feet as DOT,
 * dotted when the key is NOT VALID or not enforced, its problems in its
 * label; the legend is an entity whose attributes say what is what.
 */
static void
write_mermaid(PicGraph *g, StringInfo out)
{
	static const char *const fills[] = {
		"#eaf1fb", "#eaf7ec", "#fdf1e6", "#f3ecfa", "#fbeaea", "#eaf7f7",
		"#f7f7e6", "#f0f0f0"
	};
	int			nschemas = g->ntables > 0 ? g->sorted[g->ntables - 1]->schema : 0;
	MemoryContext item = AllocSetContextCreate(CurrentMemoryContext, "fk_graph item",
											   ALLOCSET_SMALL_SIZES);
	MemoryContext old;

	appendStringInfoString(out, "---\ntitle: ");
	/* a YAML plain scalar: the title has no colon, quote or hash */
	appendStringInfo(out, "%d %s, %d foreign %s", g->ntables,
					 g->ntables == 1 ? "table" : "tables", g->nkeys,
					 g->nkeys == 1 ? "key" : "keys");
	if (g->nproblems > 0)
		appendStringInfo(out, ", %d with problems", g->nproblems);
	appendStringInfoString(out, "\n---\nerDiagram\n  direction LR\n");

	for (int i = 0; i < g->ntables; i++)
	{
		PicTable   *t = g->sorted[i];

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(item);
		appendStringInfo(out, "  t%d[", t->id);
		pic_mermaid_string(out, psprintf("%s.%s%s%s%s",
										 pic_name(t->nspname), pic_name(t->relname),
										 pic_symbol(PIC_SYM_DOT), pic_rows_estimate(t->relid),
										 t->hidden > 0 ? psprintf("%s+%d %s not shown",
																  pic_symbol(PIC_SYM_DOT), t->hidden,
																  t->hidden == 1 ? "key" : "keys") : ""));
		appendStringInfoString(out, "]\n");
		MemoryContextSwitchTo(old);
		MemoryContextReset(item);
	}
	for (int i = 0; i < g->nkeys; i++)
	{
		PicKey	   *k = g->keyv[i];
		List	   *lines;
		StringInfoData label;
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(item);
		lines = key_label(g, k);
		initStringInfo(&label);
		foreach(lc, lines)
		{
			if (lc != list_head(lines))
				appendStringInfoString(&label, pic_symbol(PIC_SYM_DOT));
			appendStringInfoString(&label, lfirst(lc));
		}
		appendStringInfo(out, "  t%d %s%so{ t%d : ", k->parent->id,
						 k->nullable ? "|o" : "||",
						 (!k->validated || !k->enforced || k->decl_only) ? ".." : "--",
						 k->child->id);
		pic_mermaid_string(out, label.data);
		appendStringInfoChar(out, '\n');
		MemoryContextSwitchTo(old);
		MemoryContextReset(item);
	}
	MemoryContextDelete(item);

	/* schemas as fill colours, the focus highlighted */
	for (int s = 1; s <= nschemas; s++)
	{
		bool		first = true;

		appendStringInfo(out, "  classDef s%d fill:%s,stroke:#7d8aa0\n", s,
						 fills[(s - 1) % lengthof(fills)]);
		for (int i = 0; i < g->ntables; i++)
		{
			if (g->sorted[i]->schema != s)
				continue;
			appendStringInfo(out, first ? "  class t%d" : ",t%d", g->sorted[i]->id);
			first = false;
		}
		appendStringInfo(out, " s%d\n", s);
	}
	if (OidIsValid(g->focus))
	{
		PicTable   *ft = table_find(g, g->focus);

		if (ft)
			appendStringInfo(out, "  style t%d fill:%s,stroke:#333333,stroke-width:3px\n",
							 ft->id, PIC_COLOR_FOCUS);
	}
	if (g->legend)
	{
		appendStringInfoString(out, "  legend[\"Legend\"] {\n");
		appendStringInfoString(out, "    end exactly_one \"NOT NULL key: each row has exactly one parent\"\n");
		appendStringInfoString(out, "    end zero_or_one \"nullable key: zero or one parent\"\n");
		appendStringInfoString(out, "    line dotted \"NOT VALID or NOT ENFORCED key\"\n");
		if (g->has_decl_only)
			appendStringInfoString(out, "    line dotted_declared \"DECLARED ONLY: a reference no constraint enforces (fk_declare)\"\n");
		appendStringInfoString(out, "    problem ORPHANS ");
		pic_mermaid_string(out, psprintf("rows without a parent (%s)", g->snapshot_note));
		appendStringInfoChar(out, '\n');
		appendStringInfoString(out, "    problem NOT_VALID \"existing rows never checked\"\n");
		appendStringInfoString(out, "    problem NOT_ENFORCED \"an RI trigger is disabled\"\n");
		appendStringInfoString(out, "    problem UNINDEXED \"no index leads with the key columns\"\n");
		appendStringInfoString(out, "    schema colour \"entities of one schema share a fill\"\n");
		appendStringInfoString(out, "  }\n");
	}
}
