/*-------------------------------------------------------------------------
 *
 * fk_picture_cascade.c
 *	  fk_cascade_graph() and fk_update_graph(): the picture of one cascade
 *	  preview, what a DELETE (or a key UPDATE) would reach.
 *
 * The cascade engine (fk_cascade.h) works the statement out; its groups
 * (per depth, table, action, constraint and reason) become the picture:
 * one node per table reached, one edge per constraint and action from the
 * table whose change reaches the rows to the table holding them, labelled
 * with the rows (summed over the depths at which the same constraint acts
 * the same way: a self reference is one loop, not one edge per level).
 * The numbers are the engine's, so they are those of the cascade preview.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "fk_access.h"
#include "fk_cascade.h"
#include "fk_picture.h"
#include "fk_spi.h"

PG_FUNCTION_INFO_V1(fk_cascade_graph);
PG_FUNCTION_INFO_V1(fk_update_graph);

/* Actions, in the order node labels list them. */
#define CG_NACTIONS		5

/* One table of the picture. */
typedef struct CgTable
{
	Oid			relid;			/* hash key */
	char	   *nspname;
	char	   *relname;
	int			id;
	int			schema;
	int64		rows[CG_NACTIONS];	/* by FkCascAction, over all its groups */
	int64		own_rows;		/* the statement's own rows (depth 0) */
	bool		root;
} CgTable;

/* One edge: a constraint acting one way on one table. */
typedef struct CgEdgeKey
{
	Oid			refrel;
	Oid			relid;
	Oid			conoid;
	FkCascAction action;
	FkCascWhy	why;
} CgEdgeKey;

typedef struct CgEdge
{
	CgEdgeKey	key;			/* hash key */
	char	   *conname;
	int64		rows;
	int			min_depth;
	int			max_depth;
	char	   *detail;			/* the first group's */
	CgTable    *from;
	CgTable    *to;
	int			order;			/* first group's position in the result */
} CgEdge;

typedef struct CgPicture
{
	PicFormat	format;
	Oid			target;
	bool		update;
	List	   *set_cols;		/* UPDATE: the columns set */
	HTAB	   *tables;
	HTAB	   *edges;
	CgTable   **sorted;
	int			ntables;
	CgEdge	  **edgev;
	int			nedges;
	int64		blocked;
	int64		own;			/* the statement's own rows */
	int64		reached;		/* rows changed beyond the statement's own */
	int			norder;
} CgPicture;

static text *cascade_picture(FunctionCallInfo fcinfo, bool update);
static CgTable *cg_table(CgPicture *p, Oid relid);
static void cg_add_group(CgPicture *p, FkCascGroup *grp);
static void cg_sort(CgPicture *p);
static const char *cg_why(FkCascWhy why);
static List *cg_table_label(CgPicture *p, CgTable *t);
static List *cg_edge_label(CgPicture *p, CgEdge *e);
static char *cg_title(CgPicture *p);
static void cg_write_dot(CgPicture *p, StringInfo out);
static void cg_write_mermaid(CgPicture *p, StringInfo out);
static int	cg_table_cmp(const void *a, const void *b);
static int	cg_edge_cmp(const void *a, const void *b);

/*
 * fk_cascade_graph(target regclass, key anyelement, format text DEFAULT 'dot')
 *	 RETURNS text
 *
 * The picture of the cascade preview of (target, key): what DELETE FROM target
 * WHERE <key> would delete, set to NULL or to defaults, and where it would
 * fail.  AccessShareLock on the tables it reads, as the preview.
 */
Datum
fk_cascade_graph(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cascade_picture(fcinfo, false));
}

/*
 * fk_update_graph(target regclass, key anyelement, new_values jsonb,
 *				   format text DEFAULT 'dot')
 *	 RETURNS text
 *
 * The picture of the update preview of (target, key, new_values).
 * AccessShareLock on the tables it reads.
 */
Datum
fk_update_graph(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cascade_picture(fcinfo, true));
}

/* Run the preview through the engine's C API and draw it. */
static text *
cascade_picture(FunctionCallInfo fcinfo, bool update)
{
	CgPicture	p;
	FkCascRequest req;
	FkCascValues *set = NULL;
	FkCascade  *c;
	FkCascGroup **groups;
	int			ngroups;
	HASHCTL		ctl;
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext old;
	StringInfoData out;

	memset(&p, 0, sizeof(p));
	p.target = PG_GETARG_OID(0);
	p.update = update;
	p.format = pic_format_arg(fcinfo, update ? 3 : 2);
	fk_check_target(p.target, "target");

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(CgTable);
	ctl.hcxt = caller;
	p.tables = hash_create("fk_cascade_graph tables", 32, &ctl,
						   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(CgEdgeKey);
	ctl.entrysize = sizeof(CgEdge);
	p.edges = hash_create("fk_cascade_graph edges", 32, &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	cg_table(&p, p.target)->root = true;

	if (update)
	{
		set = fk_casc_values_from_jsonb(p.target, PG_GETARG_JSONB_P(2));
		for (int i = 0; i < set->n; i++)
			p.set_cols = lappend(p.set_cols, pic_name(set->cols[i]));
	}

	/* an UPDATE that sets nothing changes nothing: the root alone */
	if (set == NULL || set->n > 0)
	{
		fk_spi_connect();
		memset(&req, 0, sizeof(req));
		req.root = fk_casc_root_from_key(p.target,
										 get_fn_expr_argtype(fcinfo->flinfo, 1),
										 PG_GETARG_DATUM(1));
		req.set = set;
		c = fk_casc_run(&req);
		groups = fk_casc_groups(c, &ngroups);
		/* what the picture keeps outlives SPI's memory */
		old = MemoryContextSwitchTo(caller);
		for (int i = 0; i < ngroups; i++)
		{
			CHECK_FOR_INTERRUPTS();
			cg_add_group(&p, groups[i]);
		}
		MemoryContextSwitchTo(old);
		fk_casc_end(c);
		fk_spi_finish();
	}

	cg_sort(&p);
	initStringInfo(&out);
	if (p.format == PIC_DOT)
		cg_write_dot(&p, &out);
	else
		cg_write_mermaid(&p, &out);
	return cstring_to_text_with_len(out.data, out.len);
}

/* The picture's table of relid, added the first time. */
static CgTable *
cg_table(CgPicture *p, Oid relid)
{
	bool		found;
	CgTable    *t = hash_search(p->tables, &relid, HASH_ENTER, &found);

	if (!found)
	{
		memset(((char *) t) + sizeof(Oid), 0, sizeof(CgTable) - sizeof(Oid));
		t->relname = get_rel_name(relid);
		if (t->relname == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("relation with OID %u does not exist", relid),
					 errhint("It may have been dropped concurrently.")));
		t->nspname = get_namespace_name(get_rel_namespace(relid));
		p->ntables++;
	}
	return t;
}

/* One group of the engine's result, into its tables and edge. */
static void
cg_add_group(CgPicture *p, FkCascGroup *grp)
{
	CgTable    *to = cg_table(p, grp->relid);
	CgEdgeKey	key;
	CgEdge	   *e;
	bool		found;

	to->rows[grp->action] += grp->rows;
	if (grp->action == FKC_BLOCKED)
		p->blocked += grp->rows;
	if (grp->depth == 0 && grp->action != FKC_BLOCKED)
	{
		to->own_rows += grp->rows;
		p->own += grp->rows;
		/* the statement's rows in a partition: reached from the target */
		if (grp->relid == p->target)
			return;
	}
	else if (grp->action != FKC_BLOCKED)
		p->reached += grp->rows;

	memset(&key, 0, sizeof(key));
	key.refrel = OidIsValid(grp->refrel) ? grp->refrel : p->target;
	key.relid = grp->relid;
	key.conoid = grp->conoid;
	key.action = grp->action;
	key.why = grp->why;
	e = hash_search(p->edges, &key, HASH_ENTER, &found);
	if (!found)
	{
		e->conname = grp->conname ? pic_name(grp->conname) : NULL;
		e->rows = 0;
		e->min_depth = e->max_depth = grp->depth;
		e->detail = grp->detail ? pic_visible(grp->detail) : NULL;
		e->from = cg_table(p, key.refrel);
		e->to = to;
		e->order = p->norder++;
		p->nedges++;
	}
	e->rows += grp->rows;
	e->min_depth = Min(e->min_depth, grp->depth);
	e->max_depth = Max(e->max_depth, grp->depth);
}

/* Tables by name (ids and schema clusters), edges by table ids. */
static void
cg_sort(CgPicture *p)
{
	HASH_SEQ_STATUS s;
	CgTable    *t;
	CgEdge	   *e;
	int			n = 0;
	int			schema = 0;

	p->sorted = palloc(sizeof(CgTable *) * (p->ntables + 1));
	hash_seq_init(&s, p->tables);
	while ((t = hash_seq_search(&s)) != NULL)
		p->sorted[n++] = t;
	qsort(p->sorted, n, sizeof(CgTable *), cg_table_cmp);
	for (int i = 0; i < n; i++)
	{
		p->sorted[i]->id = i + 1;
		if (i == 0 || strcmp(p->sorted[i]->nspname, p->sorted[i - 1]->nspname) != 0)
			schema++;
		p->sorted[i]->schema = schema;
	}
	p->edgev = palloc(sizeof(CgEdge *) * (p->nedges + 1));
	n = 0;
	hash_seq_init(&s, p->edges);
	while ((e = hash_seq_search(&s)) != NULL)
		p->edgev[n++] = e;
	qsort(p->edgev, n, sizeof(CgEdge *), cg_edge_cmp);
}

/* Tables by schema and name (byte order), then OID: the ids' order. */
static int
cg_table_cmp(const void *a, const void *b)
{
	const CgTable *ta = *(CgTable *const *) a;
	const CgTable *tb = *(CgTable *const *) b;
	int			c = strcmp(ta->nspname, tb->nspname);

	if (c != 0)
		return c;
	c = strcmp(ta->relname, tb->relname);
	if (c != 0)
		return c;
	return ta->relid < tb->relid ? -1 : (ta->relid > tb->relid);
}

/* by depth, then as the engine listed its groups */
static int
cg_edge_cmp(const void *a, const void *b)
{
	const CgEdge *ea = *(CgEdge *const *) a;
	const CgEdge *eb = *(CgEdge *const *) b;

	if (ea->min_depth != eb->min_depth)
		return ea->min_depth < eb->min_depth ? -1 : 1;
	return ea->order < eb->order ? -1 : (ea->order > eb->order);
}

/* Why rows block, in a word or three. */
static const char *
cg_why(FkCascWhy why)
{
	switch (why)
	{
		case FKW_NONE:
			return NULL;
		case FKW_RESTRICT:
			return "RESTRICT";
		case FKW_NO_ACTION:
			return "NO ACTION";
		case FKW_DEFERRED:
			return "NO ACTION, deferred: fails at COMMIT";
		case FKW_NOT_NULL:
			return "SET NULL into a NOT NULL column";
		case FKW_NO_PARENT:
			return "new key has no parent";
		case FKW_MATCH_FULL:
			return "MATCH FULL: new key partly NULL";
		case FKW_STORE_FAILS:
			return "new value cannot be stored";
		case FKW_VOLATILE:
			return "volatile default";
	}
	return NULL;
}

/* "row" or "rows" */
static const char *
rows_word(int64 n)
{
	return n == 1 ? "row" : "rows";
}

/* A table's node: its name, and per action the rows it loses or changes. */
static List *
cg_table_label(CgPicture *p, CgTable *t)
{
	List	   *lines = NIL;

	lines = lappend(lines, p->format == PIC_DOT ? pic_name(t->relname) :
					psprintf("%s.%s", pic_name(t->nspname), pic_name(t->relname)));
	if (t->root)
		lines = lappend(lines, psprintf("%s: %s %s", p->update ? "UPDATE" : "DELETE",
										pic_count(p->own), rows_word(p->own)));
	for (int a = 0; a < CG_NACTIONS; a++)
	{
		int64		n = t->rows[a];

		/* the statement's own rows are said above, on the target */
		if (t->root && (a == FKC_DELETE || a == FKC_UPDATE))
			n -= t->own_rows;
		if (n > 0)
			lines = lappend(lines, psprintf("%s%s %s %s",
											a == FKC_BLOCKED ? pic_symbol(PIC_SYM_WARN) : "",
											fk_casc_action_name(a), pic_count(n), rows_word(n)));
	}
	return lines;
}

/* An edge: action, rows, why it blocks, via which constraint, depths. */
static List *
cg_edge_label(CgPicture *p, CgEdge *e)
{
	List	   *lines = NIL;
	const char *why = cg_why(e->key.why);

	lines = lappend(lines, psprintf("%s%s %s %s",
									e->key.action == FKC_BLOCKED ? pic_symbol(PIC_SYM_WARN) : "",
									fk_casc_action_name(e->key.action),
									pic_count(e->rows), rows_word(e->rows)));
	if (why)
		lines = lappend(lines, pstrdup(why));
	if (e->conname)
		lines = lappend(lines, psprintf("via %s", e->conname));
	else
		lines = lappend(lines, pstrdup("partition of the target"));
	if (e->min_depth == e->max_depth)
		lines = lappend(lines, psprintf("depth %d", e->min_depth));
	else
		lines = lappend(lines, psprintf("depth %d-%d", e->min_depth, e->max_depth));
	return lines;
}

/* What the statement is and what it would do, in one line. */
static char *
cg_title(CgPicture *p)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	if (p->update)
	{
		appendStringInfo(&buf, "UPDATE %s SET ", pic_rel_name(p->target, true));
		foreach(lc, p->set_cols)
			appendStringInfo(&buf, "%s%s", lc == list_head(p->set_cols) ? "" : ", ",
							 (char *) lfirst(lc));
		if (p->set_cols == NIL)
			appendStringInfoString(&buf, "no column");
	}
	else
		appendStringInfo(&buf, "DELETE FROM %s", pic_rel_name(p->target, true));
	appendStringInfo(&buf, ": %s %s", pic_count(p->own), rows_word(p->own));
	appendStringInfo(&buf, ", reaches %d %s and %s more %s", p->ntables - 1,
					 p->ntables - 1 == 1 ? "table" : "tables",
					 pic_count(p->reached), rows_word(p->reached));
	if (p->blocked > 0)
		appendStringInfo(&buf, "; %sWOULD FAIL: %s %s BLOCKED", pic_symbol(PIC_SYM_WARN),
						 pic_count(p->blocked), rows_word(p->blocked));
	return buf.data;
}

/* DOT colour and line of an action. */
static const char *
cg_dot_style(FkCascAction action)
{
	switch (action)
	{
		case FKC_DELETE:
			return "color=\"#444444\"";
		case FKC_UPDATE:
			return "color=\"#2ca02c\", fontcolor=\"#2ca02c\"";
		case FKC_SET_NULL:
			return "color=\"#1f77b4\", fontcolor=\"#1f77b4\", style=dashed";
		case FKC_SET_DEFAULT:
			return "color=\"#17becf\", fontcolor=\"#17becf\", style=dashed";
		case FKC_BLOCKED:
			return "color=\"" PIC_COLOR_BLOCKED "\", fontcolor=\"" PIC_COLOR_BLOCKED "\", penwidth=3";
	}
	return "";
}

/*
 * Graphviz DOT: a cluster per schema, the target highlighted, tables
 * holding blocking rows in red, edges from the table whose change reaches
 * the rows to the table holding them.
 */
static void
cg_write_dot(CgPicture *p, StringInfo out)
{
	static const FkCascAction legend[] = {FKC_DELETE, FKC_UPDATE, FKC_SET_NULL,
	FKC_SET_DEFAULT, FKC_BLOCKED};

	appendStringInfoString(out, "digraph fk_cascade_graph {\n");
	appendStringInfoString(out, "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, labelloc=t, labeljust=l, nodesep=0.3, ranksep=0.9, label=");
	pic_dot_string(out, cg_title(p));
	appendStringInfoString(out, "];\n");
	appendStringInfoString(out, "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=11];\n");
	appendStringInfoString(out, "  edge [fontname=\"Helvetica\", fontsize=9];\n");
	for (int i = 0; i < p->ntables; i++)
	{
		CgTable    *t = p->sorted[i];

		if (i == 0 || t->schema != p->sorted[i - 1]->schema)
		{
			appendStringInfo(out, "  subgraph cluster_s%d {\n    label=", t->schema);
			pic_dot_string(out, pic_name(t->nspname));
			appendStringInfoString(out, "; style=\"rounded,filled\"; fillcolor=\"#f3f5f9\"; color=\"#9aa5b8\";\n");
		}
		appendStringInfo(out, "    t%d [id=\"t%d\", label=", t->id, t->id);
		pic_lines(out, PIC_DOT, cg_table_label(p, t));
		appendStringInfoString(out, ", tooltip=");
		pic_dot_tooltip(out, pic_rel_name(t->relid, true));
		if (t->root)
			appendStringInfo(out, ", fillcolor=\"%s\", penwidth=2", PIC_COLOR_FOCUS);
		else if (t->rows[FKC_BLOCKED] > 0)
			appendStringInfo(out, ", fillcolor=\"#fde0e0\", color=\"%s\", penwidth=2", PIC_COLOR_BLOCKED);
		appendStringInfoString(out, "];\n");
		if (i == p->ntables - 1 || p->sorted[i + 1]->schema != t->schema)
			appendStringInfoString(out, "  }\n");
	}
	for (int i = 0; i < p->nedges; i++)
	{
		CgEdge	   *e = p->edgev[i];

		appendStringInfo(out, "  t%d -> t%d [id=\"e%d\", label=", e->from->id, e->to->id, i + 1);
		pic_lines(out, PIC_DOT, cg_edge_label(p, e));
		if (e->detail)
		{
			appendStringInfoString(out, ", tooltip=");
			pic_dot_tooltip(out, e->detail);
		}
		appendStringInfo(out, ", %s];\n", cg_dot_style(e->key.action));
	}
	appendStringInfoString(out, "  subgraph cluster_legend {\n");
	appendStringInfoString(out, "    label=\"Legend\"; style=\"rounded\"; color=\"#bbbbbb\"; fontsize=10;\n");
	appendStringInfoString(out, "    node [shape=point, width=0.06, label=\"\"];\n");
	for (int i = 0; i < lengthof(legend); i++)
		appendStringInfo(out, "    legend%da -> legend%db [id=\"legend%d\", fontsize=9, label=\"%s\", %s];\n",
						 i + 1, i + 1, i + 1,
						 legend[i] == FKC_BLOCKED ? "BLOCKED: the statement fails" :
						 fk_casc_action_name(legend[i]), cg_dot_style(legend[i]));
	appendStringInfo(out, "    legend_root [id=\"legend_root\", shape=box, style=\"rounded,filled\", fillcolor=\"%s\", penwidth=2, width=0, fontsize=9, label=\"the statement's table\"];\n",
					 PIC_COLOR_FOCUS);
	appendStringInfoString(out, "  }\n}\n");
}

/* Mermaid's arrow for an action: solid, dotted (set), thick (blocked). */
static const char *
cg_mermaid_arrow(FkCascAction action)
{
	switch (action)
	{
		case FKC_SET_NULL:
		case FKC_SET_DEFAULT:
			return "-.->";
		case FKC_BLOCKED:
			return "==>";
		default:
			return "-->";
	}
}

/*
 * Mermaid flowchart (a cascade is a flow, and flowcharts have subgraphs,
 * which become the schema clusters): the same nodes and edges as DOT,
 * styled with classDef and linkStyle.
 */
static void
cg_write_mermaid(CgPicture *p, StringInfo out)
{
	static const FkCascAction legend[] = {FKC_DELETE, FKC_UPDATE, FKC_SET_NULL,
	FKC_SET_DEFAULT, FKC_BLOCKED};
	bool		first;

	appendStringInfoString(out, "flowchart LR\n");
	appendStringInfoString(out, "  title0[");
	pic_mermaid_string(out, cg_title(p));
	appendStringInfoString(out, "]\n");
	for (int i = 0; i < p->ntables; i++)
	{
		CgTable    *t = p->sorted[i];

		if (i == 0 || t->schema != p->sorted[i - 1]->schema)
		{
			appendStringInfo(out, "  subgraph s%d[", t->schema);
			pic_mermaid_string(out, pic_name(t->nspname));
			appendStringInfoString(out, "]\n");
		}
		appendStringInfo(out, "    t%d[", t->id);
		pic_lines(out, PIC_MERMAID, cg_table_label(p, t));
		appendStringInfoString(out, "]\n");
		if (i == p->ntables - 1 || p->sorted[i + 1]->schema != t->schema)
			appendStringInfoString(out, "  end\n");
	}
	for (int i = 0; i < p->nedges; i++)
	{
		CgEdge	   *e = p->edgev[i];

		appendStringInfo(out, "  t%d %s|", e->from->id, cg_mermaid_arrow(e->key.action));
		pic_lines(out, PIC_MERMAID, cg_edge_label(p, e));
		appendStringInfo(out, "| t%d\n", e->to->id);
	}
	/* the legend: one sample edge per action */
	appendStringInfoString(out, "  subgraph legend[\"Legend\"]\n    direction LR\n");
	for (int i = 0; i < lengthof(legend); i++)
		appendStringInfo(out, "    legend%da[\" \"] %s|\"%s\"| legend%db[\" \"]\n",
						 i + 1, cg_mermaid_arrow(legend[i]),
						 legend[i] == FKC_BLOCKED ? "BLOCKED#58; the statement fails" :
						 fk_casc_action_name(legend[i]), i + 1);
	appendStringInfoString(out, "    legend_root[\"the statement's table\"]\n  end\n");

	/* styles: edges by position (linkStyle), nodes by class */
	for (int i = 0; i < p->nedges + lengthof(legend); i++)
	{
		FkCascAction a = i < p->nedges ? p->edgev[i]->key.action : legend[i - p->nedges];

		if (a == FKC_BLOCKED)
			appendStringInfo(out, "  linkStyle %d stroke:%s,stroke-width:3px,color:%s\n",
							 i, PIC_COLOR_BLOCKED, PIC_COLOR_BLOCKED);
		else if (a == FKC_SET_NULL || a == FKC_SET_DEFAULT)
			appendStringInfo(out, "  linkStyle %d stroke:#1f77b4,color:#1f77b4\n", i);
		else if (a == FKC_UPDATE)
			appendStringInfo(out, "  linkStyle %d stroke:#2ca02c,color:#2ca02c\n", i);
	}
	appendStringInfo(out, "  classDef root fill:%s,stroke:#333333,stroke-width:2px\n", PIC_COLOR_FOCUS);
	appendStringInfo(out, "  classDef blocked fill:#fde0e0,stroke:%s,stroke-width:2px\n", PIC_COLOR_BLOCKED);
	appendStringInfoString(out, "  classDef title fill:none,stroke:none\n");
	appendStringInfoString(out, "  class title0 title\n");
	for (int i = 0; i < p->ntables; i++)
		if (p->sorted[i]->root)
			appendStringInfo(out, "  class t%d root\n", p->sorted[i]->id);
	first = true;
	for (int i = 0; i < p->ntables; i++)
	{
		if (p->sorted[i]->root || p->sorted[i]->rows[FKC_BLOCKED] == 0)
			continue;
		appendStringInfo(out, first ? "  class t%d" : ",t%d", p->sorted[i]->id);
		first = false;
	}
	if (!first)
		appendStringInfoString(out, " blocked\n");
	appendStringInfoString(out, "  class legend_root root\n");
}
