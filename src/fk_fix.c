/*-------------------------------------------------------------------------
 *
 * fk_fix.c
 *	  One writer for every statement that fixes a foreign key: validate it,
 *	  enable exactly its RI triggers, create its supporting index, redefine
 *	  it with other actions or match type, drop it, change a column's type
 *	  to the referenced one's, drop an index a failed concurrent build left
 *	  INVALID, set its key to NULL, add a new one, delete a row with its
 *	  dependants, update a key together with the rows still referencing it.
 *	  fk_issues, fk_explain, fk_validate, fk_repair_orphans and fk_suggest
 *	  all write their statements here, so a fix reads the same wherever it
 *	  is offered.
 *
 * The DDL fixes handed out are lists of steps (fk_fix.h): the safe forms a
 * DBA runs on a busy database, each step naming what it locks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "fk_fix.h"
#include "fk_sql.h"

static void fkfix_add_constraint(StringInfo buf, FkModel *fk, bool not_valid);

static void
add_step(List **steps, char *sql, bool outside, char *locks)
{
	FkFixStep  *s = palloc0(sizeof(FkFixStep));

	s->sql = sql;
	s->outside_transaction = outside;
	s->locks = locks;
	*steps = lappend(*steps, s);
}

/*
 * The session settings a fix runs under: lock_timeout for every step (a
 * lock request that waits queues every later request for the table behind
 * it, so a step fails after FKFIX_LOCK_TIMEOUT rather than stall the
 * application; run it again), and statement_timeout bounding how long a
 * strong lock is held (0 where the lock lets reads and writes go on).
 */
static void
set_timeouts(List **steps, const char *statement_timeout)
{
	if (*steps == NIL)
		add_step(steps, pstrdup("SET lock_timeout = '" FKFIX_LOCK_TIMEOUT "'"),
				 false, NULL);
	add_step(steps, psprintf("SET statement_timeout = %s",
							 statement_timeout ? quote_literal_cstr(statement_timeout) : "0"),
			 false, NULL);
}

static List *
reset_timeouts(List *steps)
{
	add_step(&steps, pstrdup("RESET statement_timeout"), false, NULL);
	add_step(&steps, pstrdup("RESET lock_timeout"), false, NULL);
	return steps;
}

/*
 * The steps with another lock_timeout than FKFIX_LOCK_TIMEOUT, for a
 * caller that lets the DBA choose it (fk_promote).
 */
List *
fkfix_with_lock_timeout(List *steps, const char *lock_timeout)
{
	ListCell   *lc;

	foreach(lc, steps)
	{
		FkFixStep  *s = lfirst(lc);

		if (strncmp(s->sql, "SET lock_timeout = ", 19) == 0)
			s->sql = psprintf("SET lock_timeout = %s", quote_literal_cstr(lock_timeout));
	}
	return steps;
}

/* The steps joined by ";\n", to read (a single statement stays as it is). */
char *
fkfix_steps_text(List *steps)
{
	StringInfoData buf;
	ListCell   *lc;

	if (steps == NIL)
		return NULL;
	initStringInfo(&buf);
	foreach(lc, steps)
	{
		FkFixStep  *s = lfirst(lc);

		appendStringInfo(&buf, "%s%s", buf.len > 0 ? ";\n" : "", s->sql);
	}
	return buf.data;
}

/* Must some step run outside a transaction block? */
bool
fkfix_steps_outside(List *steps)
{
	ListCell   *lc;

	foreach(lc, steps)
		if (((FkFixStep *) lfirst(lc))->outside_transaction)
			return true;
	return false;
}

/* "ALTER TABLE schema.table" (all of it: partitions follow their parent) */
static void
alter_table(StringInfo buf, Oid relid)
{
	appendStringInfoString(buf, "ALTER TABLE ");
	fksql_rel(buf, relid, false);
}

/* ALTER TABLE t VALIDATE CONSTRAINT c */
void
fkfix_validate(StringInfo buf, FkModel *fk)
{
	alter_table(buf, fk->fk_relid);
	appendStringInfoString(buf, " VALIDATE CONSTRAINT ");
	fksql_ident(buf, NameStr(fk->conname));
}

static char *
validate_locks(Oid fk_relid, Oid pk_relid)
{
	return psprintf("SHARE UPDATE EXCLUSIVE on %s (reads and writes go on) and ROW SHARE on %s while every row of %s is checked",
					fksql_relname(fk_relid), fksql_relname(pk_relid),
					fksql_relname(fk_relid));
}

/*
 * VALIDATE CONSTRAINT, alone in its transaction: its lock lets reads and
 * writes go on, so it may read as long as it takes (statement_timeout 0).
 */
List *
fkfix_validate_steps(FkModel *fk)
{
	List	   *steps = NIL;
	StringInfoData sql;

	initStringInfo(&sql);
	fkfix_validate(&sql, fk);
	set_timeouts(&steps, NULL);
	add_step(&steps, sql.data, false, validate_locks(fk->fk_relid, fk->pk_relid));
	return reset_timeouts(steps);
}

/*
 * ALTER TABLE t ENABLE TRIGGER "RI_ConstraintTrigger_..." for exactly the
 * RI triggers of the key and of its partition clones that do not fire,
 * each on its own table (a clone's trigger lives on the partition), not
 * every trigger of the tables.  NIL when all fire.
 */
List *
fkfix_enable_triggers_steps(FkModel *fk)
{
	List	   *trigs = fk_model_disabled_triggers(fk);
	List	   *steps = NIL;
	ListCell   *lc;

	if (trigs == NIL)
		return NIL;
	set_timeouts(&steps, FKFIX_BRIEF_TIMEOUT);
	foreach(lc, trigs)
	{
		FkTrigger  *t = lfirst(lc);
		StringInfoData sql;

		initStringInfo(&sql);
		alter_table(&sql, t->relid);
		appendStringInfoString(&sql, " ENABLE TRIGGER ");
		fksql_ident(&sql, NameStr(t->name));
		add_step(&steps, sql.data, false,
				 psprintf("SHARE ROW EXCLUSIVE on %s (writes wait, reads go on), briefly",
						  fksql_relname(t->relid)));
	}
	list_free_deep(trigs);
	return reset_timeouts(steps);
}

/* The key's referencing columns, each once, in key order. */
static int
key_columns(FkModel *fk, char **cols)
{
	int			first_pos[INDEX_MAX_KEYS];
	int			n = 0;

	fk_key_distinct_columns(fk, first_pos);
	for (int i = 0; i < fk->nkeys; i++)
		if (first_pos[i] == i)
			cols[n++] = fk->fk_colnames[i];
	return n;
}

/*
 * Is indexoid a plain index (no predicate, no expression) whose key
 * columns are exactly the columns cols, in any order?  *valid tells
 * whether it is usable.
 */
static bool
index_on_columns(Oid indexoid, int ncols, char **cols, bool *valid)
{
	HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
	Form_pg_index ind;
	bool		match;

	if (!HeapTupleIsValid(tup))
		return false;
	ind = (Form_pg_index) GETSTRUCT(tup);
	match = ind->indnkeyatts == ncols &&
		heap_attisnull(tup, Anum_pg_index_indpred, NULL) &&
		heap_attisnull(tup, Anum_pg_index_indexprs, NULL);
	for (int k = 0; match && k < ncols; k++)
	{
		char	   *name = get_attname(ind->indrelid, ind->indkey.values[k], true);
		bool		found = false;

		for (int i = 0; name && i < ncols && !found; i++)
			found = strcmp(name, cols[i]) == 0;
		match = found;
	}
	*valid = ind->indisvalid && ind->indislive;
	ReleaseSysCache(tup);
	return match;
}

/*
 * The index name the server would choose for an index of relid on cols
 * ("<table>_<col>_<col>_idx"), so that running the fix again finds the
 * index it built (IF NOT EXISTS).  When that name is taken by anything but
 * an index of relid on exactly these columns, the next free one.  *invalid
 * is set when the name is an INVALID index of those columns (a failed
 * concurrent build): the fix drops it first.
 */
static char *
index_name(Oid relid, int ncols, char **cols, bool *invalid)
{
	StringInfoData c;
	char	   *relname = get_rel_name(relid);
	Oid			nsp = get_rel_namespace(relid);
	char	   *name;
	Oid			existing;
	bool		valid;

	initStringInfo(&c);
	for (int i = 0; i < ncols; i++)
		appendStringInfo(&c, "%s%s", i > 0 ? "_" : "", cols[i]);
	name = makeObjectName(relname, c.data, "idx");
	existing = get_relname_relid(name, nsp);
	*invalid = false;
	if (!OidIsValid(existing))
		return name;
	if ((get_rel_relkind(existing) == RELKIND_INDEX ||
		 get_rel_relkind(existing) == RELKIND_PARTITIONED_INDEX) &&
		IndexGetRelation(existing, false) == relid &&
		index_on_columns(existing, ncols, cols, &valid))
	{
		*invalid = !valid && get_rel_relkind(existing) == RELKIND_INDEX;
		return name;
	}
	return ChooseRelationName(relname, c.data, "idx", nsp, false);
}

static void
column_list(StringInfo buf, int ncols, char **cols)
{
	appendStringInfoString(buf, " (");
	for (int i = 0; i < ncols; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, ", ");
		fksql_col(buf, NULL, cols[i]);
	}
	appendStringInfoChar(buf, ')');
}

static char *
qualified_name(Oid nsp, const char *name)
{
	return psprintf("%s.%s", fksql_nspname(nsp), quote_identifier(name));
}

static void
drop_index_step(List **steps, Oid nsp, const char *name, Oid relid)
{
	add_step(steps, psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s",
							 qualified_name(nsp, name)),
			 true,
			 psprintf("SHARE UPDATE EXCLUSIVE on %s (reads and writes go on); waits for the transactions already using the table",
					  fksql_relname(relid)));
}

/*
 * CREATE INDEX CONCURRENTLY IF NOT EXISTS on a table that holds rows
 * (outside a transaction block), after dropping what a failed build of
 * the same index left behind.  Returns the index's name.
 */
static char *
concurrent_index(List **steps, Oid relid, int ncols, char **cols)
{
	bool		invalid;
	char	   *name = index_name(relid, ncols, cols, &invalid);
	StringInfoData sql;

	if (invalid)
		drop_index_step(steps, get_rel_namespace(relid), name, relid);
	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE INDEX CONCURRENTLY IF NOT EXISTS %s ON ",
					 quote_identifier(name));
	fksql_rel(&sql, relid, false);
	column_list(&sql, ncols, cols);
	add_step(steps, sql.data, true,
			 psprintf("SHARE UPDATE EXCLUSIVE on %s (reads and writes go on) while the index is built; it waits for the transactions already writing the table",
					  fksql_relname(relid)));
	return name;
}

/*
 * A partitioned table: CREATE INDEX ... ON ONLY the parent (an invalid
 * index of its own, no rows read), then for each partition its own index,
 * built concurrently (a partitioned one the same way, recursively), and
 * ALTER INDEX ... ATTACH PARTITION; the parent's index becomes valid when
 * every partition's is attached.  (No partition is a foreign table: a
 * table with a foreign partition cannot have a foreign key.)
 */
static char *
partitioned_index(List **steps, Oid relid, int ncols, char **cols)
{
	bool		invalid;
	char	   *name = index_name(relid, ncols, cols, &invalid);
	Oid			nsp = get_rel_namespace(relid);
	List	   *parts = find_inheritance_children(relid, NoLock);
	StringInfoData sql;
	ListCell   *lc;

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE INDEX IF NOT EXISTS %s ON ONLY ",
					 quote_identifier(name));
	fksql_rel(&sql, relid, false);
	column_list(&sql, ncols, cols);
	add_step(steps, sql.data, false,
			 psprintf("SHARE on %s alone (writes through it wait, reads go on), briefly: no row is read",
					  fksql_relname(relid)));
	foreach(lc, parts)
	{
		Oid			part = lfirst_oid(lc);
		char		kind = get_rel_relkind(part);
		char	   *pname;

		CHECK_FOR_INTERRUPTS();
		if (kind == RELKIND_PARTITIONED_TABLE)
			pname = partitioned_index(steps, part, ncols, cols);
		else
			pname = concurrent_index(steps, part, ncols, cols);
		add_step(steps, psprintf("ALTER INDEX %s ATTACH PARTITION %s",
								 qualified_name(nsp, name),
								 qualified_name(get_rel_namespace(part), pname)),
				 false,
				 psprintf("ACCESS EXCLUSIVE on the new index %s, SHARE UPDATE EXCLUSIVE on %s, ACCESS SHARE on the tables, briefly",
						  qualified_name(get_rel_namespace(part), pname),
						  qualified_name(nsp, name)));
	}
	return name;
}

/*
 * The index that lets ON DELETE / ON UPDATE find the referencing rows:
 * the key's columns, each once, built CONCURRENTLY (outside a transaction
 * block); on a partitioned table, per partition (partitioned_index).  An
 * inheritance parent's key covers the parent's own rows only, so its
 * index is the parent's.
 */
List *
fkfix_create_index_steps(FkModel *fk)
{
	char	   *cols[INDEX_MAX_KEYS];
	int			ncols = key_columns(fk, cols);
	List	   *steps = NIL;

	/*
	 * statement_timeout 0: the builds take as long as they take without
	 * blocking writes, and the steps around them hold their locks briefly
	 * by nature (no row is read).
	 */
	set_timeouts(&steps, NULL);
	if (fk->fk_relkind == RELKIND_PARTITIONED_TABLE)
		partitioned_index(&steps, fk->fk_relid, ncols, cols);
	else
		concurrent_index(&steps, fk->fk_relid, ncols, cols);
	return reset_timeouts(steps);
}

/*
 * The INVALID indexes of the referencing table (of its partitions, for a
 * partitioned one) on exactly the key's columns that are not attached to a
 * partitioned index: what a CREATE INDEX CONCURRENTLY of the key's index
 * leaves behind when it fails or is cancelled (by its lock_timeout, say).
 * They serve no lookup but every write still updates them.
 */
List *
fkfix_invalid_indexes(FkModel *fk)
{
	char	   *cols[INDEX_MAX_KEYS];
	int			ncols = key_columns(fk, cols);
	List	   *rels;
	List	   *found = NIL;
	ListCell   *lc;

	rels = fk->fk_relkind == RELKIND_PARTITIONED_TABLE ?
		find_all_inheritors(fk->fk_relid, NoLock, NULL) :
		list_make1_oid(fk->fk_relid);
	foreach(lc, rels)
	{
		Oid			relid = lfirst_oid(lc);
		Relation	indrel;
		SysScanDesc scan;
		ScanKeyData key;
		HeapTuple	tup;

		CHECK_FOR_INTERRUPTS();
		indrel = table_open(IndexRelationId, AccessShareLock);
		ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(relid));
		scan = systable_beginscan(indrel, IndexIndrelidIndexId, true, NULL, 1, &key);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			Form_pg_index ind = (Form_pg_index) GETSTRUCT(tup);
			bool		valid;

			if (ind->indisvalid ||
				get_rel_relkind(ind->indexrelid) != RELKIND_INDEX ||
				get_rel_relispartition(ind->indexrelid))
				continue;
			if (index_on_columns(ind->indexrelid, ncols, cols, &valid))
				found = lappend_oid(found, ind->indexrelid);
		}
		systable_endscan(scan);
		table_close(indrel, AccessShareLock);
	}
	return found;
}

/* DROP INDEX CONCURRENTLY IF EXISTS, outside a transaction block */
List *
fkfix_drop_index_steps(Oid indexoid)
{
	List	   *steps = NIL;

	set_timeouts(&steps, NULL);
	drop_index_step(&steps, get_rel_namespace(indexoid), get_rel_name(indexoid),
					IndexGetRelation(indexoid, false));
	return reset_timeouts(steps);
}

/*
 * FOREIGN KEY (cols) REFERENCES p (cols) MATCH m ON UPDATE u ON DELETE d
 * [(set columns)] [DEFERRABLE ...]: the key's definition with the given
 * match type and actions (a PG 15 column list of ON DELETE SET NULL /
 * DEFAULT kept while the delete action stays).
 */
static void
key_definition(StringInfo buf, FkModel *fk, char match_type, char del_action,
			   char upd_action)
{
	appendStringInfoString(buf, "FOREIGN KEY (");
	fksql_key_list(buf, fk, false, NULL);
	appendStringInfo(buf, ") REFERENCES %s (", fksql_relname(fk->pk_relid));
	fksql_key_list(buf, fk, true, NULL);
	appendStringInfo(buf, ") MATCH %s ON UPDATE %s ON DELETE %s",
					 fk_match_name(match_type), fk_action_name(upd_action),
					 fk_action_name(del_action));
	if (del_action == fk->del_action && fk->n_del_set_cols > 0)
	{
		bool		first = true;

		appendStringInfoString(buf, " (");
		for (int j = 0; j < fk->nkeys; j++)
		{
			bool		dup = false;

			if (!fk_key_sets_column(fk, j, true))
				continue;
			for (int k = 0; k < j; k++)
				dup |= (fk->fk_attnums[k] == fk->fk_attnums[j]);
			if (dup)
				continue;
			if (!first)
				appendStringInfoString(buf, ", ");
			fksql_ident(buf, fk->fk_colnames[j]);
			first = false;
		}
		appendStringInfoChar(buf, ')');
	}
	if (fk->deferrable)
		appendStringInfoString(buf, fk->initdeferred ?
							   " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE");
}

static char *
drop_locks(FkModel *fk)
{
	if (fk->fk_relid == fk->pk_relid)
		return psprintf("ACCESS EXCLUSIVE on %s (reads and writes wait), briefly",
						fksql_relname(fk->fk_relid));
	return psprintf("ACCESS EXCLUSIVE on %s and %s (reads and writes wait), briefly",
					fksql_relname(fk->fk_relid), fksql_relname(fk->pk_relid));
}

/*
 * The constraint again with the same columns and deferrability and the
 * given match type and actions, without a moment unchecked and without
 * holding a strong lock while rows are read:
 *
 *   ALTER TABLE t ADD CONSTRAINT c_new ... NOT VALID	(no row read)
 *   ALTER TABLE t VALIDATE CONSTRAINT c_new			(reads and writes go on)
 *   ALTER TABLE t DROP CONSTRAINT IF EXISTS c			(briefly)
 *   ALTER TABLE t RENAME CONSTRAINT c_new TO c			(briefly)
 *
 * each in its own transaction; while both exist, both are checked.  A NOT
 * VALID constraint stays NOT VALID (no VALIDATE).  PostgreSQL 15 has no
 * NOT VALID foreign key on a partitioned referencing table: there the fix
 * is the one statement that drops and adds it, reading every partition
 * under the lock (the caller says so).
 */
List *
fkfix_redefine_steps(FkModel *fk, char match_type, char del_action,
					 char upd_action)
{
	List	   *steps = NIL;
	StringInfoData sql;
	char	   *newname;
	const char *pair = fk->fk_relid == fk->pk_relid ?
		fksql_relname(fk->fk_relid) :
		psprintf("%s and %s", fksql_relname(fk->fk_relid), fksql_relname(fk->pk_relid));

	initStringInfo(&sql);
	if (fk->fk_relkind == RELKIND_PARTITIONED_TABLE)
	{
		set_timeouts(&steps, FKFIX_SCAN_TIMEOUT);
		alter_table(&sql, fk->fk_relid);
		appendStringInfoString(&sql, " DROP CONSTRAINT IF EXISTS ");
		fksql_ident(&sql, NameStr(fk->conname));
		appendStringInfoString(&sql, ", ADD CONSTRAINT ");
		fksql_ident(&sql, NameStr(fk->conname));
		appendStringInfoChar(&sql, ' ');
		key_definition(&sql, fk, match_type, del_action, upd_action);
		if (!fk->validated)
			appendStringInfoString(&sql, " NOT VALID");
		add_step(&steps, sql.data, false,
				 psprintf("ACCESS EXCLUSIVE on %s (reads and writes wait) while every row of %s is checked (PostgreSQL 15 has no NOT VALID foreign key on a partitioned table)",
						  pair, fksql_relname(fk->fk_relid)));
		return reset_timeouts(steps);
	}

	newname = ChooseConstraintName(NameStr(fk->conname), NULL, "new",
								   get_rel_namespace(fk->fk_relid), NIL);
	set_timeouts(&steps, FKFIX_BRIEF_TIMEOUT);
	alter_table(&sql, fk->fk_relid);
	appendStringInfoString(&sql, " ADD CONSTRAINT ");
	fksql_ident(&sql, newname);
	appendStringInfoChar(&sql, ' ');
	key_definition(&sql, fk, match_type, del_action, upd_action);
	appendStringInfoString(&sql, " NOT VALID");
	add_step(&steps, sql.data, false,
			 psprintf("SHARE ROW EXCLUSIVE on %s (writes wait, reads go on), briefly: no row is read",
					  pair));
	if (fk->validated)
	{
		initStringInfo(&sql);
		alter_table(&sql, fk->fk_relid);
		appendStringInfoString(&sql, " VALIDATE CONSTRAINT ");
		fksql_ident(&sql, newname);
		set_timeouts(&steps, NULL);
		add_step(&steps, sql.data, false, validate_locks(fk->fk_relid, fk->pk_relid));
		set_timeouts(&steps, FKFIX_BRIEF_TIMEOUT);
	}
	initStringInfo(&sql);
	alter_table(&sql, fk->fk_relid);
	appendStringInfoString(&sql, " DROP CONSTRAINT IF EXISTS ");
	fksql_ident(&sql, NameStr(fk->conname));
	add_step(&steps, sql.data, false, drop_locks(fk));
	initStringInfo(&sql);
	alter_table(&sql, fk->fk_relid);
	appendStringInfoString(&sql, " RENAME CONSTRAINT ");
	fksql_ident(&sql, newname);
	appendStringInfoString(&sql, " TO ");
	fksql_ident(&sql, NameStr(fk->conname));
	add_step(&steps, sql.data, false,
			 psprintf("ACCESS EXCLUSIVE on %s (reads and writes wait), briefly",
					  fksql_relname(fk->fk_relid)));
	return reset_timeouts(steps);
}

/*
 * A new key, added the safe way: ADD ... NOT VALID reads no row and holds
 * its SHARE ROW EXCLUSIVE locks briefly; the old rows are checked by the
 * VALIDATE of fkfix_validate_steps, run after it, apart.  On a partitioned
 * referencing table PostgreSQL 15 has no NOT VALID foreign key, so the
 * ADD itself reads every row under those locks (writes wait, reads go on).
 */
List *
fkfix_add_key_steps(FkModel *fk)
{
	List	   *steps = NIL;
	StringInfoData sql;
	bool		partitioned = (fk->fk_relkind == RELKIND_PARTITIONED_TABLE);
	const char *pair = fk->fk_relid == fk->pk_relid ?
		fksql_relname(fk->fk_relid) :
		psprintf("%s and %s", fksql_relname(fk->fk_relid), fksql_relname(fk->pk_relid));

	initStringInfo(&sql);
	fkfix_add_constraint(&sql, fk, true);
	set_timeouts(&steps, partitioned ? FKFIX_SCAN_TIMEOUT : FKFIX_BRIEF_TIMEOUT);
	if (partitioned)
		add_step(&steps, sql.data, false,
				 psprintf("SHARE ROW EXCLUSIVE on %s (writes wait, reads go on) while every row of %s is checked (PostgreSQL 15 has no NOT VALID foreign key on a partitioned table)",
						  pair, fksql_relname(fk->fk_relid)));
	else
		add_step(&steps, sql.data, false,
				 psprintf("SHARE ROW EXCLUSIVE on %s (writes wait, reads go on), briefly: no row is read",
						  pair));
	return reset_timeouts(steps);
}

/*
 * ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY (cols) REFERENCES p (cols)
 * [MATCH FULL] [NOT VALID]: the key as a new constraint with the default
 * actions.  NOT VALID adds it without reading the table (new rows are
 * checked at once; the old ones by a later VALIDATE CONSTRAINT, which
 * takes a lighter lock); PostgreSQL 15 refuses it on a partitioned
 * referencing table, so it is never written there.
 */
static void
fkfix_add_constraint(StringInfo buf, FkModel *fk, bool not_valid)
{
	alter_table(buf, fk->fk_relid);
	appendStringInfoString(buf, " ADD CONSTRAINT ");
	fksql_ident(buf, NameStr(fk->conname));
	/* a copy of another table's key keeps its actions and timing */
	if (fk->upd_action != FKCONSTR_ACTION_NOACTION ||
		fk->del_action != FKCONSTR_ACTION_NOACTION || fk->deferrable)
	{
		appendStringInfoChar(buf, ' ');
		key_definition(buf, fk, fk->match_type, fk->del_action, fk->upd_action);
		if (not_valid && fk->fk_relkind != RELKIND_PARTITIONED_TABLE)
			appendStringInfoString(buf, " NOT VALID");
		return;
	}
	appendStringInfoString(buf, " FOREIGN KEY (");
	fksql_key_list(buf, fk, false, NULL);
	appendStringInfo(buf, ") REFERENCES %s (", fksql_relname(fk->pk_relid));
	fksql_key_list(buf, fk, true, NULL);
	appendStringInfoChar(buf, ')');
	if (fk->match_type == FKCONSTR_MATCH_FULL)
		appendStringInfoString(buf, " MATCH FULL");
	if (not_valid && fk->fk_relkind != RELKIND_PARTITIONED_TABLE)
		appendStringInfoString(buf, " NOT VALID");
}

/* ALTER TABLE t DROP CONSTRAINT IF EXISTS c */
List *
fkfix_drop_steps(FkModel *fk)
{
	List	   *steps = NIL;
	StringInfoData sql;

	initStringInfo(&sql);
	alter_table(&sql, fk->fk_relid);
	appendStringInfoString(&sql, " DROP CONSTRAINT IF EXISTS ");
	fksql_ident(&sql, NameStr(fk->conname));
	set_timeouts(&steps, FKFIX_BRIEF_TIMEOUT);
	add_step(&steps, sql.data, false, drop_locks(fk));
	return reset_timeouts(steps);
}

/*
 * ALTER TABLE t ALTER COLUMN c TYPE <referenced column's type>, ... for
 * every referencing column whose type is not the referenced column's (a
 * column named twice in the key changed once).  NIL when none differs.
 * There is no form of it that lets writes go on: the table is rewritten
 * under ACCESS EXCLUSIVE, so statement_timeout bounds how long that may
 * last (raised by hand for a large table, in a quiet hour).
 */
List *
fkfix_column_types_steps(FkModel *fk)
{
	List	   *steps = NIL;
	StringInfoData sql;
	bool		any = false;

	initStringInfo(&sql);
	for (int i = 0; i < fk->nkeys; i++)
	{
		bool		dup = false;

		if (!fk_key_type_differs(fk, i))
			continue;
		for (int k = 0; k < i; k++)
			dup |= (fk->fk_attnums[k] == fk->fk_attnums[i]);
		if (dup)
			continue;
		if (!any)
			alter_table(&sql, fk->fk_relid);
		else
			appendStringInfoChar(&sql, ',');
		appendStringInfoString(&sql, " ALTER COLUMN ");
		fksql_col(&sql, NULL, fk->fk_colnames[i]);
		appendStringInfoString(&sql, " TYPE ");
		fksql_type(&sql, fk->pk_types[i], fk->pk_typmods[i]);
		any = true;
	}
	if (!any)
		return NIL;
	set_timeouts(&steps, FKFIX_SCAN_TIMEOUT);
	add_step(&steps, sql.data, false,
			 psprintf("ACCESS EXCLUSIVE on %s (reads and writes wait) while it is rewritten and the key checked again (SHARE ROW EXCLUSIVE on %s)",
					  fksql_relname(fk->fk_relid), fksql_relname(fk->pk_relid)));
	return reset_timeouts(steps);
}

/*
 * UPDATE [ONLY] <referencing table> alias SET (k1, k2) = ROW(NULL::t1,
 * NULL::t2): detach rows from their referenced key (the caller adds WHERE).
 */
void
fkfix_set_key_null(StringInfo buf, FkModel *fk, const char *alias)
{
	int			first_pos[INDEX_MAX_KEYS];
	bool		first = true;

	fk_key_distinct_columns(fk, first_pos);
	appendStringInfoString(buf, "UPDATE ");
	fksql_rel(buf, fk->fk_relid, true);
	appendStringInfo(buf, " %s SET (", alias);
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (first_pos[i] != i)
			continue;
		if (!first)
			appendStringInfoString(buf, ", ");
		fksql_col(buf, NULL, fk->fk_colnames[i]);
		first = false;
	}
	appendStringInfoString(buf, ") = ROW(");
	first = true;
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (first_pos[i] != i)
			continue;
		if (!first)
			appendStringInfoString(buf, ", ");
		fksql_typed_literal(buf, NULL, fk->fk_types[i], fk->fk_typmods[i]);
		first = false;
	}
	appendStringInfoChar(buf, ')');
}

/*
 * Does deleting a referenced row make the server delete, or fail on, the
 * rows that reference it through child?  CASCADE deletes them; NO ACTION
 * and RESTRICT fail while they exist; SET NULL fails when a column it
 * sets is NOT NULL.  Those rows must go before (or with) the parent.
 */
static bool
deletes_children(FkModel *child)
{
	switch (child->del_action)
	{
		case FKCONSTR_ACTION_SETDEFAULT:
			return false;
		case FKCONSTR_ACTION_SETNULL:
			for (int i = 0; i < child->nkeys; i++)
				if (fk_key_sets_column(child, i, true) && child->fk_notnull[i])
					return true;
			return false;
		default:
			return true;
	}
}

/* alias."ctid" and alias."tableoid" are those of a row collected in fk_tools_rows */
static void
row_collected(StringInfo buf, const char *alias)
{
	appendStringInfoString(buf, "EXISTS (SELECT FROM fk_tools_rows fk_tools_r WHERE fk_tools_r.rel OPERATOR(pg_catalog.=) ");
	fksql_col(buf, alias, "tableoid");
	appendStringInfoString(buf, " AND fk_tools_r.tid OPERATOR(pg_catalog.=) ");
	fksql_col(buf, alias, "ctid");
	appendStringInfoChar(buf, ')');
}

/*
 * The general delete, for foreign keys in a cycle (self references
 * included): the key's row and every row that keeps it from being
 * deleted, at any depth, in one statement (so one transaction):
 *
 *   WITH RECURSIVE fk_tools_rows(rel, tid) AS (
 *     the key's row
 *     UNION
 *     the rows referencing a row already in fk_tools_rows, through every
 *     foreign key that deletes_children, one LATERAL branch per key
 *   ), fk_tools_d1 AS (DELETE FROM t1 WHERE the row was collected), ...
 *   DELETE FROM parent WHERE the row was collected
 *
 * Rows are carried as (tableoid, ctid), so the walk works for any graph:
 * self references collect a whole tree, and UNION stops at rows already
 * collected, so cycles terminate.  No order is needed: the foreign keys
 * of all the statement's deletes are checked after all of them (RESTRICT
 * and NO ACTION alike), when the referencing rows are gone too; rows that
 * a CASCADE would delete are already deleted.
 */
static void
general_delete(StringInfo sql, FkModel *fk, char **values, List *tables,
			   List *edges)
{
	StringInfoData branches;
	ListCell   *lc;
	int			ncte = 0;

	appendStringInfoString(sql, "WITH RECURSIVE fk_tools_rows(rel, tid) AS (SELECT ");
	fksql_row_id(sql, "fk_tools_p");
	appendStringInfoString(sql, " FROM ");
	fksql_rel(sql, fk->pk_relid, true);
	appendStringInfoString(sql, " fk_tools_p WHERE ");
	fksql_key_equals_literals(sql, fk, "fk_tools_p", values);
	if (edges != NIL)
	{
		initStringInfo(&branches);
		foreach(lc, edges)
		{
			FkModel    *child = lfirst(lc);

			if (branches.len > 0)
				appendStringInfoString(&branches, " UNION ALL ");
			appendStringInfoString(&branches, "SELECT ");
			fksql_row_id(&branches, "fk_tools_c");
			appendStringInfoString(&branches, " FROM ");
			fksql_rel(&branches, child->pk_relid, true);
			appendStringInfoString(&branches, " fk_tools_p JOIN ");
			fksql_rel(&branches, child->fk_relid, true);
			appendStringInfoString(&branches, " fk_tools_c ON ");
			fksql_key_equal(&branches, child, "fk_tools_p", "fk_tools_c");
			appendStringInfoString(&branches, " WHERE ");
			fksql_col(&branches, "fk_tools_p", "tableoid");
			appendStringInfoString(&branches, " OPERATOR(pg_catalog.=) fk_tools_w.rel AND ");
			fksql_col(&branches, "fk_tools_p", "ctid");
			appendStringInfoString(&branches, " OPERATOR(pg_catalog.=) fk_tools_w.tid");
		}
		appendStringInfo(sql, " UNION SELECT fk_tools_x.rel, fk_tools_x.tid FROM fk_tools_rows fk_tools_w CROSS JOIN LATERAL (%s) fk_tools_x(rel, tid)",
						 branches.data);
	}
	appendStringInfoChar(sql, ')');
	foreach(lc, tables)
	{
		Oid			relid = lfirst_oid(lc);

		if (relid == fk->pk_relid)
			continue;
		appendStringInfo(sql, ", fk_tools_d%d AS (DELETE FROM ", ++ncte);
		fksql_rel(sql, relid, true);
		appendStringInfoString(sql, " fk_tools_c WHERE ");
		row_collected(sql, "fk_tools_c");
		appendStringInfoChar(sql, ')');
	}
	appendStringInfoString(sql, " DELETE FROM ");
	fksql_rel(sql, fk->pk_relid, true);
	appendStringInfoString(sql, " fk_tools_c WHERE ");
	row_collected(sql, "fk_tools_c");
}

/*
 * The rows a DELETE of fk's referenced row must take along: the foreign
 * keys to follow (*edges, those that deletes_children) and the tables they
 * reach (*tables, the referenced table first), breadth first.
 */
static void
dependants(FkModel *fk, List **tables, List **edges, List **notes)
{
	ListCell   *lc;

	*tables = list_make1_oid(fk->pk_relid);
	*edges = NIL;
	for (int t = 0; t < list_length(*tables); t++)
	{
		List	   *refs = fk_model_referencing(list_nth_oid(*tables, t), true,
												FK_LOAD_NAMES);

		foreach(lc, refs)
		{
			FkModel    *child = lfirst(lc);

			CHECK_FOR_INTERRUPTS();
			if (!deletes_children(child))
			{
				if (child->del_action == FKCONSTR_ACTION_SETDEFAULT)
					*notes = lappend(*notes,
									 psprintf("rows of %s referencing deleted rows through %s are set to their default by the server; the delete fails if no row of %s has that key",
											  fksql_relname(child->fk_relid),
											  quote_identifier(NameStr(child->conname)),
											  fksql_relname(child->pk_relid)));
				continue;
			}
			if (child->del_action == FKCONSTR_ACTION_SETNULL)
				*notes = lappend(*notes,
								 psprintf("rows of %s referencing deleted rows through %s (ON DELETE SET NULL on a NOT NULL column) are deleted too",
										  fksql_relname(child->fk_relid),
										  quote_identifier(NameStr(child->conname))));
			*edges = lappend(*edges, child);
			if (!list_member_oid(*tables, child->fk_relid))
				*tables = lappend_oid(*tables, child->fk_relid);
		}
	}
}

static int
oid_position(List *oids, Oid oid)
{
	ListCell   *lc;

	foreach(lc, oids)
		if (lfirst_oid(lc) == oid)
			return foreach_current_index(lc);
	elog(ERROR, "table %u is not among those of the delete", oid);
	return -1;					/* keep compiler quiet */
}

/*
 * The tables in the order to delete from, children first: each after
 * every table that references it through the edges.  NIL when there is
 * none (a cycle, a self reference included).
 */
static List *
children_first(List *tables, List *edges)
{
	int			n = list_length(tables);
	int		   *refs = palloc0(sizeof(int) * n);
	bool	   *done = palloc0(sizeof(bool) * n);
	List	   *order = NIL;
	ListCell   *lc;

	/* refs[i]: edges into tables[i] from tables not yet deleted from */
	foreach(lc, edges)
		refs[oid_position(tables, ((FkModel *) lfirst(lc))->pk_relid)]++;
	for (int round = 0; round < n; round++)
	{
		int			next = -1;

		for (int i = n - 1; i >= 0 && next < 0; i--)
			if (!done[i] && refs[i] == 0)
				next = i;
		if (next < 0)
			return NIL;
		done[next] = true;
		order = lappend_oid(order, list_nth_oid(tables, next));
		foreach(lc, edges)
		{
			FkModel    *e = lfirst(lc);

			if (e->fk_relid == list_nth_oid(tables, next))
				refs[oid_position(tables, e->pk_relid)]--;
		}
	}
	return order;
}

/*
 * WHERE clause text for the rows of relid that go (alias names the row):
 * the referenced row itself, or rows referencing, through an edge, rows
 * of a table that go.  A child of the referenced row by its key's own
 * columns compares with the values directly, as one writes it by hand;
 * deeper ones name their parents' rows with EXISTS.
 */
static void
doomed(StringInfo buf, Oid relid, const char *alias, FkModel *fk,
	   char **values, List *edges, int depth)
{
	ListCell   *lc;
	bool		first = true;
	int			nparents = 0;

	check_stack_depth();
	if (relid == fk->pk_relid)
	{
		fksql_key_equals_literals(buf, fk, alias, values);
		return;
	}
	foreach(lc, edges)
		nparents += ((FkModel *) lfirst(lc))->fk_relid == relid;
	if (nparents > 1)
		appendStringInfoChar(buf, '(');
	foreach(lc, edges)
	{
		FkModel    *e = lfirst(lc);
		int			pos[INDEX_MAX_KEYS];
		bool		direct = e->pk_relid == fk->pk_relid;
		char	   *palias;

		if (e->fk_relid != relid)
			continue;
		if (!first)
			appendStringInfoString(buf, " OR ");
		first = false;
		for (int i = 0; direct && i < e->nkeys; i++)
		{
			pos[i] = -1;
			for (int j = 0; j < fk->nkeys; j++)
				if (fk->pk_attnums[j] == e->pk_attnums[i])
					pos[i] = j;
			direct = pos[i] >= 0;
		}
		if (direct)
		{
			for (int i = 0; i < e->nkeys; i++)
			{
				StringInfoData l;
				StringInfoData r;

				initStringInfo(&l);
				initStringInfo(&r);
				fksql_typed_literal(&l, values[pos[i]], e->pk_types[i], e->pk_typmods[i]);
				fksql_col(&r, alias, e->fk_colnames[i]);
				if (i > 0)
					appendStringInfoString(buf, " AND ");
				generate_operator_clause(buf, l.data, e->pk_types[i],
										 e->pf_eq_oprs[i], r.data, e->fk_types[i]);
				if (fk_key_collation_differs(e, i))
					fksql_collate(buf, e->pk_colls[i]);
			}
		}
		else
		{
			palias = psprintf("fk_tools_p%d", depth + 1);
			appendStringInfoString(buf, "EXISTS (SELECT FROM ");
			fksql_rel(buf, e->pk_relid, true);
			appendStringInfo(buf, " %s WHERE ", palias);
			fksql_key_equal(buf, e, palias, alias);
			appendStringInfoString(buf, " AND ");
			doomed(buf, e->pk_relid, palias, fk, values, edges, depth + 1);
			appendStringInfoChar(buf, ')');
		}
	}
	if (nparents > 1)
		appendStringInfoChar(buf, ')');
}

/*
 * Delete the key's row of the referenced table (values: the referenced
 * key, as text) together with every row that would keep it from being
 * deleted, at any depth.  Returns the steps; *general tells which form:
 *
 * When the foreign keys involved form no cycle, the manual cascade delete
 * a DBA writes by hand, in one transaction:
 *
 *   BEGIN
 *   DELETE FROM grandchild WHERE EXISTS (its parent row goes)
 *   DELETE FROM child WHERE key = <value>
 *   DELETE FROM parent WHERE key = <value>
 *   COMMIT
 *
 * children first, so that no RESTRICT or NO ACTION key finds a row left.
 *
 * A cycle or a self reference has no such order (a tree of rows in one
 * table has as many levels as its data), so then it is one statement that
 * collects the rows first (general_delete).
 */
List *
fkfix_delete_with_dependants(FkModel *fk, char **values, List **notes,
							 bool *general)
{
	List	   *tables;
	List	   *edges;
	List	   *order;
	List	   *steps = NIL;
	ListCell   *lc;

	dependants(fk, &tables, &edges, notes);
	order = children_first(tables, edges);
	*general = order == NIL;
	if (*general)
	{
		StringInfoData sql;

		initStringInfo(&sql);
		general_delete(&sql, fk, values, tables, edges);
		add_step(&steps, sql.data, false,
				 pstrdup("the rows deleted, and ROW EXCLUSIVE on the tables"));
		return steps;
	}
	if (list_length(order) > 1)
		add_step(&steps, pstrdup("BEGIN"), false, NULL);
	foreach(lc, order)
	{
		Oid			relid = lfirst_oid(lc);
		StringInfoData sql;

		initStringInfo(&sql);
		appendStringInfoString(&sql, "DELETE FROM ");
		fksql_rel(&sql, relid, true);
		appendStringInfoString(&sql, " fk_tools_c WHERE ");
		doomed(&sql, relid, "fk_tools_c", fk, values, edges, 0);
		add_step(&steps, sql.data, false,
				 psprintf("the rows deleted, and ROW EXCLUSIVE on %s", fksql_relname(relid)));
	}
	if (list_length(order) > 1)
		add_step(&steps, pstrdup("COMMIT"), false, NULL);
	return steps;
}

/*
 * WITH fk_tools_r1 AS (UPDATE <referencing table> SET (<its columns>) =
 * ROW(<new key>) WHERE <it references the old key>), ... <the key update>:
 * a key UPDATE that points the rows still referencing the old key (of the
 * constraints in refs, whose actions do not follow the update) at the new
 * one in the same statement.  Foreign keys are checked at the end of the
 * statement, when both are done.  The referenced row is named by fk's key
 * (values: the old one, as text); the new values are setcols = setvalues
 * (text, NULL for SQL NULL).  The key update is statement when given (the
 * failing UPDATE itself, which has no WITH), else one setting just those
 * values.
 */
void
fkfix_repoint_then_update(StringInfo buf, FkModel *fk, char **values,
						  List *refs, int nset, char **setcols,
						  char **setvalues, const char *statement)
{
	ListCell   *lc;
	int			n = 0;

	foreach(lc, refs)
	{
		FkModel    *ref = lfirst(lc);
		bool		first = true;
		StringInfoData cols;
		StringInfoData vals;

		initStringInfo(&cols);
		initStringInfo(&vals);
		for (int i = 0; i < ref->nkeys; i++)
		{
			int			j;

			for (j = 0; j < nset; j++)
				if (strcmp(setcols[j], ref->pk_colnames[i]) == 0)
					break;
			if (j == nset)
				continue;
			if (!first)
			{
				appendStringInfoString(&cols, ", ");
				appendStringInfoString(&vals, ", ");
			}
			fksql_col(&cols, NULL, ref->fk_colnames[i]);
			fksql_typed_literal(&vals, setvalues[j], ref->fk_types[i], ref->fk_typmods[i]);
			first = false;
		}
		if (first)
			continue;
		appendStringInfo(buf, "%sfk_tools_r%d AS (UPDATE ", n == 0 ? "WITH " : ", ", n + 1);
		fksql_rel(buf, ref->fk_relid, true);
		appendStringInfo(buf, " fk_tools_c SET (%s) = ROW(%s) WHERE EXISTS (SELECT FROM ", cols.data, vals.data);
		fksql_rel(buf, fk->pk_relid, true);
		appendStringInfoString(buf, " fk_tools_p WHERE ");
		fksql_key_equals_literals(buf, fk, "fk_tools_p", values);
		appendStringInfoString(buf, " AND ");
		fksql_key_equal(buf, ref, "fk_tools_p", "fk_tools_c");
		appendStringInfoString(buf, "))\n");
		n++;
	}
	if (statement)
	{
		appendStringInfoString(buf, statement);
		return;
	}
	appendStringInfoString(buf, "UPDATE ");
	fksql_rel(buf, fk->pk_relid, true);
	appendStringInfoString(buf, " fk_tools_p SET (");
	for (int j = 0; j < nset; j++)
		appendStringInfo(buf, "%s%s", j > 0 ? ", " : "", quote_identifier(setcols[j]));
	appendStringInfoString(buf, ") = ROW(");
	for (int j = 0; j < nset; j++)
	{
		AttrNumber	attno = get_attnum(fk->pk_relid, setcols[j]);
		Oid			typid;
		int32		typmod;
		Oid			collid;

		get_atttypetypmodcoll(fk->pk_relid, attno, &typid, &typmod, &collid);
		if (j > 0)
			appendStringInfoString(buf, ", ");
		fksql_typed_literal(buf, setvalues[j], typid, typmod);
	}
	appendStringInfoString(buf, ") WHERE ");
	fksql_key_equals_literals(buf, fk, "fk_tools_p", values);
}

/* What fkfix_redefine_steps does and locks, for the text beside it. */
const char *
fkfix_redefine_text(FkModel *fk)
{
	if (fk->fk_relkind == RELKIND_PARTITIONED_TABLE)
		return "PostgreSQL 15 cannot add a NOT VALID foreign key to a partitioned table, so the statement is the plain form: it holds ACCESS EXCLUSIVE on both tables while every partition is checked (its statement_timeout bounds that; run it in a quiet hour).";
	return psprintf("Run the steps in order, each in its own transaction: ADD the new constraint NOT VALID (SHARE ROW EXCLUSIVE on both tables, briefly), %sDROP the old one (ACCESS EXCLUSIVE on both tables, briefly) and RENAME the new one to its name, all after SET lock_timeout; when it fires, run the step again.",
					fk->validated ? "VALIDATE it (SHARE UPDATE EXCLUSIVE: reads and writes go on), then " : "");
}
