/*-------------------------------------------------------------------------
 *
 * fk_issues.c
 *	  fk_issue_rows(), the rows behind the fk_issues view: problems with
 *	  declared foreign keys, each with the SQL that fixes it.
 *
 * Everything comes from the same model the fk_constraints view shows, so
 * the two never disagree, and like that view it reads catalogs only.
 *
 * Severity is fixed by the kind of issue:
 *	  error		the key is not being enforced (not_enforced), or one of its
 *				actions can never succeed (impossible_action: SET NULL or
 *				SET DEFAULT writes a NULL into a NOT NULL column)
 *	  warning	it holds for new rows, but old rows are unchecked
 *				(not_validated), a child of a partitioned or inheritance
 *				parent lacks the key its siblings have (missing_sibling_key), lookups need casts (type_mismatch), or
 *				deletes on the referenced table scan (unindexed)
 *	  info		it costs time but nothing is at risk (duplicate)
 *
 * Each fix is a list of steps (fk_fix.h), to run in order, each on its
 * own (psql's autocommit, \gexec): fix_steps, with what each locks and
 * whether it must run outside a transaction block (a CONCURRENTLY index
 * build); fix_sql is the same steps as one text to read.  Once run, the
 * row disappears.  invalid_index (warning) is an index of the key's
 * columns that a failed concurrent build left INVALID.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "utils/array.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "catalog/index.h"
#include "catalog/pg_class.h"
#include "catalog/pg_attribute.h"
#include "access/genam.h"
#include "access/table.h"
#include "catalog/pg_inherits.h"
#include "utils/fmgroids.h"
#include "utils/syscache.h"
#include "utils/lsyscache.h"

#include "fk_fix.h"
#include "fk_model.h"
#include "fk_sql.h"

PG_FUNCTION_INFO_V1(fk_issue_rows);

#define ISSUE_COLS 10

static void put_issue(ReturnSetInfo *rsinfo, const char *severity,
					  const char *issue, FkModel *fk, const char *detail,
					  List *steps);
static void issue_invalid_index(ReturnSetInfo *rsinfo, FkModel *fk,
								List **seen);
static void issue_not_enforced(ReturnSetInfo *rsinfo, FkModel *fk);
static void issue_not_validated(ReturnSetInfo *rsinfo, FkModel *fk);
static void issue_impossible_action(ReturnSetInfo *rsinfo, FkModel *fk);
static void issue_missing_sibling_keys(ReturnSetInfo *rsinfo);
static void issue_type_mismatch(ReturnSetInfo *rsinfo, FkModel *fk);
static void issue_unindexed(ReturnSetInfo *rsinfo, FkModel *fk,
							FkModel *same_index);
static void issue_duplicate(ReturnSetInfo *rsinfo, FkModel *fk,
							FkModel *kept);
static bool same_pairs(FkModel *a, FkModel *b);
static bool same_column_set(FkModel *a, FkModel *b);

/*
 * fk_issue_rows() RETURNS SETOF record
 *
 * The problems of every declared foreign key of the database, in the order
 * of fk_constraints (table, then constraint name).  Catalog reads only.
 */
Datum
fk_issue_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *fks;
	int			n;
	bool	   *is_dup;
	List	   *seen_indexes = NIL;

	InitMaterializedSRF(fcinfo, 0);
	fks = fk_model_list(InvalidOid, true,
						FK_LOAD_NAMES | FK_LOAD_STATE);
	n = list_length(fks);
	is_dup = palloc0(sizeof(bool) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		FkModel    *fk = list_nth(fks, i);
		FkModel    *kept = NULL;
		FkModel    *same_index = NULL;

		CHECK_FOR_INTERRUPTS();

		/*
		 * The list is sorted by table, then name, then OID, so the earlier
		 * constraints of the same table come right before this one: the
		 * first of a group of duplicates is the one kept.
		 */
		for (int j = i - 1; j >= 0; j--)
		{
			FkModel    *prev = list_nth(fks, j);

			if (prev->fk_relid != fk->fk_relid)
				break;
			if (!is_dup[j] && same_pairs(prev, fk))
				kept = prev;
			if (!is_dup[j] && !prev->indexed && same_column_set(prev, fk))
				same_index = prev;
		}

		/*
		 * Dropping a duplicate settles everything else about it, and running
		 * its other fixes after the drop would fail: report only that.
		 */
		if (kept != NULL)
		{
			is_dup[i] = true;
			issue_duplicate(rsinfo, fk, kept);
			continue;
		}
		if (!fk->enforced)
			issue_not_enforced(rsinfo, fk);
		if (!fk->validated)
			issue_not_validated(rsinfo, fk);
		issue_impossible_action(rsinfo, fk);
		issue_type_mismatch(rsinfo, fk);
		issue_invalid_index(rsinfo, fk, &seen_indexes);
		if (!fk->indexed)
			issue_unindexed(rsinfo, fk, same_index);
	}
	issue_missing_sibling_keys(rsinfo);
	PG_RETURN_VOID();
}

static Datum
text_array(List *texts)
{
	int			n = list_length(texts);
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(n, 1));
	int			dims[1] = {n};
	int			lbs[1] = {1};
	ListCell   *lc;

	foreach(lc, texts)
	{
		char	   *t = lfirst(lc);

		nulls[foreach_current_index(lc)] = t == NULL;
		elems[foreach_current_index(lc)] = t ? CStringGetTextDatum(t) : (Datum) 0;
	}
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs,
											  TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * One row: the fix's steps as fix_sql (to read), fix_steps (to run),
 * fix_outside_transaction (some step refuses a transaction block), and
 * per step whether it does and what it locks; all NULL without a fix.
 */
static void
put_issue(ReturnSetInfo *rsinfo, const char *severity, const char *issue,
		  FkModel *fk, const char *detail, List *steps)
{
	Datum		values[ISSUE_COLS];
	bool		nulls[ISSUE_COLS];

	memset(nulls, 0, sizeof(nulls));
	values[0] = CStringGetTextDatum(severity);
	values[1] = CStringGetTextDatum(issue);
	values[2] = ObjectIdGetDatum(fk->fk_relid);
	values[3] = NameGetDatum(&fk->conname);
	values[4] = CStringGetTextDatum(detail);
	if (steps != NIL)
	{
		List	   *sqls = NIL;
		List	   *locks = NIL;
		Datum	   *outside = palloc(sizeof(Datum) * list_length(steps));
		ListCell   *lc;

		foreach(lc, steps)
		{
			FkFixStep  *st = lfirst(lc);

			sqls = lappend(sqls, st->sql);
			locks = lappend(locks, st->locks);
			outside[foreach_current_index(lc)] = BoolGetDatum(st->outside_transaction);
		}
		values[5] = CStringGetTextDatum(fkfix_steps_text(steps));
		values[6] = text_array(sqls);
		values[7] = BoolGetDatum(fkfix_steps_outside(steps));
		values[8] = PointerGetDatum(construct_array(outside, list_length(steps),
													BOOLOID, 1, true, TYPALIGN_CHAR));
		values[9] = text_array(locks);
	}
	else
		for (int i = 5; i < ISSUE_COLS; i++)
			nulls[i] = true;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * Some RI trigger of the constraint or of a partition clone is disabled or
 * replica-only.  The fix enables exactly those triggers, each on its own
 * table (a clone's trigger lives on the partition), not every trigger of
 * the tables.
 */
static void
issue_not_enforced(ReturnSetInfo *rsinfo, FkModel *fk)
{
	List	   *trigs = fk_model_disabled_triggers(fk);
	List	   *steps;
	StringInfoData detail;
	StringInfoData where;
	ListCell   *lc;
	int			ndisabled = 0;
	int			nreplica = 0;
	Oid			lastrel = InvalidOid;

	if (trigs == NIL)
		return;					/* re-enabled since the model was loaded */

	steps = fkfix_enable_triggers_steps(fk);
	initStringInfo(&where);
	foreach(lc, trigs)
	{
		FkTrigger  *t = lfirst(lc);

		if (t->enabled == TRIGGER_FIRES_ON_REPLICA)
			nreplica++;
		else
			ndisabled++;
		if (t->relid != lastrel)
		{
			appendStringInfo(&where, "%s%s", where.len > 0 ? ", " : "",
							 fksql_relname(t->relid));
			lastrel = t->relid;
		}
	}

	initStringInfo(&detail);
	appendStringInfo(&detail, "Of its RI triggers on %s, ", where.data);
	if (ndisabled > 0)
		appendStringInfo(&detail, "%d %s disabled%s", ndisabled,
						 ndisabled == 1 ? "is" : "are",
						 nreplica > 0 ? " and " : "");
	if (nreplica > 0)
		appendStringInfo(&detail, "%d %s replica-only", nreplica,
						 nreplica == 1 ? "is" : "are");
	appendStringInfoString(&detail,
						   ": rows that break the foreign key can be written meanwhile. Enabling internal triggers needs superuser; each ENABLE TRIGGER takes a SHARE ROW EXCLUSIVE lock on its table (writes wait, briefly), after SET lock_timeout. Look for orphaned rows afterwards.");
	put_issue(rsinfo, "error", "not_enforced", fk, detail.data, steps);
	list_free_deep(trigs);
}

/* Added NOT VALID: the rows that were there then were never checked. */
static void
issue_not_validated(ReturnSetInfo *rsinfo, FkModel *fk)
{
	put_issue(rsinfo, "warning", "not_validated", fk,
			  "The constraint was added NOT VALID: new rows are checked, rows that existed before are not. VALIDATE CONSTRAINT checks them, in a transaction of its own under a SHARE UPDATE EXCLUSIVE lock (reads and writes go on), and will fail while orphaned rows exist; find and fix those first.",
			  fkfix_validate_steps(fk));
}

/*
 * A referencing column whose type (by OID) is not the referenced column's.
 * One row per constraint; the fix changes every such column to the
 * referenced column's type, typmod included, in one ALTER TABLE (a column
 * named twice in the key is changed once).  An inherited column can only
 * change on its parent, so then there is no fix of the row's own.
 */
/*
 * Would the server's SET DEFAULT write something other than NULL into
 * column attnum?  A column default, an identity, or its domain's default
 * (what the executor falls back to); DEFAULT NULL is stored as no default.
 */
static bool
column_has_default(Oid relid, AttrNumber attnum)
{
	HeapTuple	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid),
									  Int16GetDatum(attnum));
	Form_pg_attribute att;
	bool		result;

	if (!HeapTupleIsValid(tup))
		return true;			/* gone: nothing to say about it */
	att = (Form_pg_attribute) GETSTRUCT(tup);
	result = att->atthasdef || att->attidentity != '\0' ||
		get_typdefault(att->atttypid) != NULL;
	ReleaseSysCache(tup);
	return result;
}

/*
 * impossible_action: ON DELETE or ON UPDATE SET NULL (or SET DEFAULT with
 * no default) on a NOT NULL key column.  The action writes a NULL the
 * column refuses, so every DELETE (UPDATE of the key) of a referenced row
 * that has referencing rows fails with not_null_violation.  The fix keeps
 * that outcome and says it plainly: the action becomes NO ACTION, which
 * refuses the same statements with a foreign key error naming the key.
 */
static void
issue_impossible_action(ReturnSetInfo *rsinfo, FkModel *fk)
{
	char		del_action = fk->del_action;
	char		upd_action = fk->upd_action;
	StringInfoData detail;

	initStringInfo(&detail);
	for (int ev = 0; ev < 2; ev++)
	{
		bool		ondelete = (ev == 0);
		char		action = ondelete ? fk->del_action : fk->upd_action;

		if (action != FKCONSTR_ACTION_SETNULL && action != FKCONSTR_ACTION_SETDEFAULT)
			continue;
		for (int i = 0; i < fk->nkeys; i++)
		{
			if (!fk_key_sets_column(fk, i, ondelete) || !fk->fk_notnull[i] ||
				(action == FKCONSTR_ACTION_SETDEFAULT &&
				 column_has_default(fk->fk_relid, fk->fk_attnums[i])))
				continue;
			appendStringInfo(&detail, "%sON %s %s sets column %s of %s to NULL, which its NOT NULL constraint refuses: every %s of a row of %s that rows of %s reference fails (not_null_violation, 23502).",
							 detail.len > 0 ? " " : "",
							 ondelete ? "DELETE" : "UPDATE", fk_action_name(action),
							 quote_identifier(fk->fk_colnames[i]),
							 fksql_relname(fk->fk_relid),
							 ondelete ? "DELETE" : "key UPDATE",
							 fksql_relname(fk->pk_relid),
							 fksql_relname(fk->fk_relid));
			if (ondelete)
				del_action = FKCONSTR_ACTION_NOACTION;
			else
				upd_action = FKCONSTR_ACTION_NOACTION;
			break;
		}
	}
	if (detail.len == 0)
		return;
	appendStringInfoString(&detail, " The fix redefines that action as NO ACTION, which refuses the same statements with a foreign key error naming the key; if those rows may outlive their parent instead, drop the NOT NULL constraint (ALTER TABLE ... ALTER COLUMN ... DROP NOT NULL) and keep the action.");
	put_issue(rsinfo, "error", "impossible_action", fk, detail.data,
			  fkfix_redefine_steps(fk, fk->match_type, del_action, upd_action));
}

/* Same columns, by name and in order, to the same columns of the same table? */
static bool
same_signature(FkModel *a, FkModel *b)
{
	if (a->pk_relid != b->pk_relid || a->nkeys != b->nkeys ||
		a->match_type != b->match_type)
		return false;
	for (int i = 0; i < a->nkeys; i++)
		if (strcmp(a->fk_colnames[i], b->fk_colnames[i]) != 0 ||
			strcmp(a->pk_colnames[i], b->pk_colnames[i]) != 0)
			return false;
	return true;
}

static bool
has_signature(List *keys, FkModel *fk)
{
	ListCell   *lc;

	foreach(lc, keys)
		if (same_signature(lfirst(lc), fk))
			return true;
	return false;
}

/*
 * The key sib as it would be declared on child, a sibling with the same
 * columns (partitions and inheritance children share them by name): the
 * same referenced table, columns, actions and timing, a name free in the
 * child's schema.  NULL when the child lacks one of the columns.
 */
static FkModel *
key_for_child(FkModel *sib, Oid child)
{
	FkModel    *m = palloc(sizeof(FkModel));
	char	   *name;

	*m = *sib;
	m->conoid = InvalidOid;
	m->parentoid = InvalidOid;
	m->fk_relid = child;
	m->fk_relkind = get_rel_relkind(child);
	m->validated = false;
	m->decl_only = false;
	for (int i = 0; i < sib->nkeys; i++)
	{
		m->fk_attnums[i] = get_attnum(child, sib->fk_colnames[i]);
		if (m->fk_attnums[i] == InvalidAttrNumber)
			return NULL;
	}
	for (int j = 0; j < sib->n_del_set_cols; j++)
	{
		char	   *col = get_attname(sib->fk_relid, sib->del_set_cols[j], true);

		m->del_set_cols[j] = col ? get_attnum(child, col) : InvalidAttrNumber;
		if (m->del_set_cols[j] == InvalidAttrNumber)
			return NULL;
	}
	name = fk_model_free_name(child, m->nkeys, m->fk_colnames, NIL);
	namestrcpy(&m->conname, name);
	return m;
}

/*
 * missing_sibling_key: a partition or inheritance child without a foreign
 * key that its siblings declare (legacy schemas declare keys per
 * partition or per child; a partition added later without them is never
 * checked), or, under inheritance, that its parent declares (inheritance
 * does not carry foreign keys to children).  A key counts as the
 * siblings' when more than half of them, and at least two, have it; one
 * key a partitioned parent declares is on every partition already.  The
 * fix declares the same key on the child (with its index, built
 * CONCURRENTLY, where the child has none): ADD ... NOT VALID, then
 * VALIDATE apart (which fails while its rows have no parent: fk_orphans
 * cannot see them before the key exists, so the VALIDATE says so).
 */
static void
issue_missing_sibling_keys(ReturnSetInfo *rsinfo)
{
	Relation	inhrel = table_open(InheritsRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(inhrel, InvalidOid, false, NULL, 0, NULL);
	HeapTuple	tup;
	List	   *parents = NIL;
	ListCell   *lc;

	while (HeapTupleIsValid(tup = systable_getnext(scan)))
		parents = list_append_unique_oid(parents,
										 ((Form_pg_inherits) GETSTRUCT(tup))->inhparent);
	systable_endscan(scan);
	table_close(inhrel, AccessShareLock);

	foreach(lc, parents)
	{
		Oid			parent = lfirst_oid(lc);
		char		relkind = get_rel_relkind(parent);
		bool		partitioned = (relkind == RELKIND_PARTITIONED_TABLE);
		List	   *children;
		List	   *parent_keys = NIL;
		List	   *candidates = NIL;
		List	  **keys;
		List	   *done = NIL;
		int			n;
		ListCell   *lc2;

		CHECK_FOR_INTERRUPTS();
		if (relkind != RELKIND_RELATION && !partitioned)
			continue;			/* an index's partitions */
		children = find_inheritance_children(parent, NoLock);
		n = list_length(children);
		if (!partitioned)
		{
			parent_keys = fk_model_list(parent, true, FK_LOAD_NAMES);
			candidates = list_copy(parent_keys);
		}
		keys = palloc(sizeof(List *) * Max(n, 1));
		foreach(lc2, children)
		{
			Oid			child = lfirst_oid(lc2);

			keys[foreach_current_index(lc2)] =
				get_rel_relkind(child) == RELKIND_FOREIGN_TABLE ? NIL :
				fk_model_list(child, false, FK_LOAD_NAMES);
			candidates = list_concat(candidates, keys[foreach_current_index(lc2)]);
		}
		foreach(lc2, candidates)
		{
			FkModel    *cand = lfirst(lc2);
			int			have = 0;
			bool		from_parent = has_signature(parent_keys, cand);

			if (has_signature(done, cand))
				continue;
			done = lappend(done, cand);
			for (int i = 0; i < n; i++)
				have += has_signature(keys[i], cand);
			if (!from_parent && (have < 2 || have * 2 <= n))
				continue;
			for (int i = 0; i < n; i++)
			{
				Oid			child = list_nth_oid(children, i);
				FkModel    *m;
				char	   *detail;
				List	   *steps;

				if (has_signature(keys[i], cand) ||
					get_rel_relkind(child) == RELKIND_FOREIGN_TABLE ||
					(m = key_for_child(cand, child)) == NULL)
					continue;
				if (from_parent)
					detail = psprintf("%s declares %s, and inheritance does not give a child its parent's foreign keys: rows inserted into %s are not checked against %s.",
									  fksql_relname(parent), fk_model_definition(cand),
									  fksql_relname(child), fksql_relname(cand->pk_relid));
				else
					detail = psprintf("%d of the %d %s of %s declare %s (%s on %s, for one); %s does not, so its rows are not checked against %s. The fix declares it the same way; its VALIDATE step fails while rows of %s have no parent.",
									  have, n, partitioned ? "partitions" : "inheritance children",
									  fksql_relname(parent), fk_model_definition(cand),
									  quote_identifier(NameStr(cand->conname)),
									  fksql_relname(cand->fk_relid), fksql_relname(child),
									  fksql_relname(cand->pk_relid), fksql_relname(child));
				/* with its index: without one it would be reported unindexed next */
				steps = fk_has_leading_index(m) ? NIL : fkfix_create_index_steps(m);
				steps = list_concat(steps, fkfix_add_key_steps(m));
				if (m->fk_relkind != RELKIND_PARTITIONED_TABLE)
					steps = list_concat(steps, fkfix_validate_steps(m));
				put_issue(rsinfo, "warning", "missing_sibling_key", m, detail, steps);
			}
		}
	}
}

static void
issue_type_mismatch(ReturnSetInfo *rsinfo, FkModel *fk)
{
	List	   *steps = fkfix_column_types_steps(fk);
	StringInfoData detail;
	bool		inherited = false;

	if (steps == NIL)
		return;
	initStringInfo(&detail);
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (!fk_key_type_differs(fk, i))
			continue;
		appendStringInfo(&detail, "%sColumn %s is %s but references %s of type %s.",
						 detail.len > 0 ? " " : "",
						 quote_identifier(fk->fk_colnames[i]),
						 format_type_with_typemod(fk->fk_types[i], fk->fk_typmods[i]),
						 quote_identifier(fk->pk_colnames[i]),
						 format_type_with_typemod(fk->pk_types[i], fk->pk_typmods[i]));
		inherited |= fk->fk_inherited[i];
	}
	appendStringInfoString(&detail,
						   " Every check compares across types, and values the referenced column can hold may not fit. Changing the type rewrites the table under an ACCESS EXCLUSIVE lock (reads and writes wait); the fix's statement_timeout of " FKFIX_SCAN_TIMEOUT " bounds that: raise it for a larger table, in a quiet hour.");
	if (inherited)
	{
		/* PostgreSQL refuses to alter an inherited column's type here */
		appendStringInfoString(&detail,
							   " The column is inherited (the table is a partition or an inheritance child): change its type on the parent table.");
		put_issue(rsinfo, "warning", "type_mismatch", fk, detail.data, NULL);
		return;
	}
	put_issue(rsinfo, "warning", "type_mismatch", fk, detail.data, steps);
}

/*
 * No index leads with the key columns.  The fix builds one CONCURRENTLY,
 * outside a transaction block (writes go on); on a partitioned table an
 * index ON ONLY the parent, one built concurrently per partition and
 * attached to it (CONCURRENTLY is refused on a partitioned table).
 *
 * When an earlier constraint of the table has the same column set and is
 * unindexed too, the index proposed for it serves this one as well: the
 * row is still shown, but without a fix, so that running every fix does
 * not build the same index twice.
 */
static void
issue_unindexed(ReturnSetInfo *rsinfo, FkModel *fk, FkModel *same_index)
{
	StringInfoData detail;
	StringInfoData cols;
	int			first_pos[INDEX_MAX_KEYS];

	fk_key_distinct_columns(fk, first_pos);
	initStringInfo(&cols);
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (first_pos[i] != i)
			continue;
		if (cols.len > 0)
			appendStringInfoString(&cols, ", ");
		fksql_col(&cols, NULL, fk->fk_colnames[i]);
	}

	initStringInfo(&detail);
	appendStringInfo(&detail,
					 "No valid, non-partial index of %s starts with the key columns (%s): every DELETE or key UPDATE on %s scans it for referencing rows.",
					 fksql_relname(fk->fk_relid), cols.data,
					 fksql_relname(fk->pk_relid));
	if (same_index != NULL)
	{
		appendStringInfo(&detail,
						 " The index proposed for constraint %s covers this key too.",
						 quote_identifier(NameStr(same_index->conname)));
		put_issue(rsinfo, "warning", "unindexed", fk, detail.data, NULL);
		return;
	}
	if (fk->fk_relkind == RELKIND_PARTITIONED_TABLE)
		appendStringInfoString(&detail,
							   " The fix creates the index ON ONLY the partitioned table (a SHARE lock on it alone, briefly), builds each partition's CONCURRENTLY (SHARE UPDATE EXCLUSIVE: reads and writes go on), outside a transaction block, and attaches it (briefly); the index is valid once every partition's is attached.");
	else
		appendStringInfoString(&detail,
							   " The fix builds it CONCURRENTLY, outside a transaction block, under a SHARE UPDATE EXCLUSIVE lock: reads and writes go on.");
	put_issue(rsinfo, "warning", "unindexed", fk, detail.data,
			  fkfix_create_index_steps(fk));
}

/*
 * An index of the key's columns left INVALID, by a CREATE INDEX
 * CONCURRENTLY that failed or was cancelled (its lock_timeout, say): it
 * serves no lookup, yet every write keeps it up to date.  The fix drops it
 * concurrently; the unindexed row's fix builds it again.  Each index is
 * reported once, for the first key it would serve.
 */
static void
issue_invalid_index(ReturnSetInfo *rsinfo, FkModel *fk, List **seen)
{
	ListCell   *lc;

	foreach(lc, fkfix_invalid_indexes(fk))
	{
		Oid			indexoid = lfirst_oid(lc);
		Oid			relid = IndexGetRelation(indexoid, false);

		if (list_member_oid(*seen, indexoid))
			continue;
		*seen = lappend_oid(*seen, indexoid);
		put_issue(rsinfo, "warning", "invalid_index", fk,
				  psprintf("Index %s.%s of %s on the key's columns is INVALID: a CREATE INDEX CONCURRENTLY failed or was cancelled (a lock_timeout, say). It serves no lookup, but every write to %s still updates it. The fix drops it CONCURRENTLY, outside a transaction block (SHARE UPDATE EXCLUSIVE: reads and writes go on); the key's index is then built again by the unindexed fix.",
						   fksql_nspname(get_rel_namespace(indexoid)),
						   quote_identifier(get_rel_name(indexoid)),
						   fksql_relname(relid), fksql_relname(relid)),
				  fkfix_drop_index_steps(indexoid));
	}
}

/*
 * The same column pairs to the same referenced table as an earlier
 * constraint (kept): every row is checked twice.  The fix drops the later
 * one; when the two differ in actions, match type or deferrability the
 * detail says so, since then dropping changes behaviour.
 */
static void
issue_duplicate(ReturnSetInfo *rsinfo, FkModel *fk, FkModel *kept)
{
	StringInfoData detail;
	char	   *def = fk_model_definition(fk);
	char	   *keptdef = fk_model_definition(kept);

	initStringInfo(&detail);
	appendStringInfo(&detail,
					 "Same key as constraint %s, to the same columns of %s: every check runs twice.",
					 quote_identifier(NameStr(kept->conname)),
					 fksql_relname(fk->pk_relid));
	if (strcmp(def, keptdef) != 0)
		appendStringInfo(&detail,
						 " The definitions differ (%s, kept: %s): dropping this one changes what happens.",
						 def, keptdef);

	appendStringInfoString(&detail,
						   " Dropping it takes an ACCESS EXCLUSIVE lock on both tables, briefly, after SET lock_timeout.");
	put_issue(rsinfo, "info", "duplicate", fk, detail.data, fkfix_drop_steps(fk));
}

/*
 * Same referenced table and the same set of (referencing, referenced)
 * column pairs, in whatever order they were declared.
 */
static bool
same_pairs(FkModel *a, FkModel *b)
{
	if (a->pk_relid != b->pk_relid || a->fk_relid != b->fk_relid ||
		a->nkeys != b->nkeys)
		return false;
	for (int i = 0; i < a->nkeys; i++)
	{
		bool		found = false;

		for (int j = 0; j < b->nkeys && !found; j++)
			found = (a->fk_attnums[i] == b->fk_attnums[j] &&
					 a->pk_attnums[i] == b->pk_attnums[j]);
		if (!found)
			return false;
	}
	/* and the other way round, in case a key repeats a pair */
	for (int j = 0; j < b->nkeys; j++)
	{
		bool		found = false;

		for (int i = 0; i < a->nkeys && !found; i++)
			found = (a->fk_attnums[i] == b->fk_attnums[j] &&
					 a->pk_attnums[i] == b->pk_attnums[j]);
		if (!found)
			return false;
	}
	return true;
}

/* Same set of referencing columns (one index serves both). */
static bool
same_column_set(FkModel *a, FkModel *b)
{
	int			pa[INDEX_MAX_KEYS];
	int			pb[INDEX_MAX_KEYS];
	int			na = fk_key_distinct_columns(a, pa);
	int			nb = fk_key_distinct_columns(b, pb);

	if (a->fk_relid != b->fk_relid || na != nb)
		return false;
	for (int i = 0; i < a->nkeys; i++)
	{
		bool		found = false;

		for (int j = 0; j < b->nkeys && !found; j++)
			found = (a->fk_attnums[i] == b->fk_attnums[j]);
		if (!found)
			return false;
	}
	return true;
}
