/*-------------------------------------------------------------------------
 *
 * fk_declared.c
 *	  Declared-only references: fk_declare, fk_undeclare, fk_promote.
 *
 * A reference no constraint enforces (the application keeps it, or the
 * server cannot: its rows are still being cleaned) is kept as a row of the
 * extension's table fk_declared_references, written here through
 * fk_store.  The FK model (fk_model.c) reads the rows back, so every
 * feature that lists keys sees them; this file only declares, removes and
 * promotes.  Declaring checks what ADD FOREIGN KEY would check (columns,
 * counts, a unique index on the referenced columns, a type pair with an
 * equality), with the server's SQLSTATEs, and the privileges it would
 * need: ownership of the child, REFERENCES on the referenced columns.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "fk_access.h"
#include "fk_fix.h"
#include "fk_model.h"
#include "fk_orphans.h"
#include "fk_spi.h"
#include "fk_sql.h"
#include "fk_store.h"

PG_FUNCTION_INFO_V1(fk_declare);
PG_FUNCTION_INFO_V1(fk_undeclare);
PG_FUNCTION_INFO_V1(fk_promote);

#define PROMOTE_COLS	2

static char *ref_name_arg(FunctionCallInfo fcinfo, int argno);
static char **name_array_arg(FunctionCallInfo fcinfo, int argno,
							 const char *argname, int *n);
static void require_not_null(FunctionCallInfo fcinfo, int argno,
							 const char *argname);
static bool constraint_named_on(Oid relid, const char *name);
static void require_child_owner(Oid relid, const char *what);

/* A NULL argument is an error, never a silent NULL result. */
static void
require_not_null(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", argname)));
}

/* The reference's name: not null, not empty, short enough for a constraint. */
static char *
ref_name_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *name;

	require_not_null(fcinfo, argno, "name");
	name = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("the name of a reference must not be empty")));
	if (strlen(name) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("reference name \"%s\" is too long", name),
				 errdetail("A reference's name becomes its constraint's name when it is promoted: at most %d bytes.",
						   NAMEDATALEN - 1)));
	return name;
}

/* A one-dimensional name[] argument without NULLs, as C strings. */
static char **
name_array_arg(FunctionCallInfo fcinfo, int argno, const char *argname, int *n)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	char	  **names;

	require_not_null(fcinfo, argno, argname);
	arr = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", argname)));
	deconstruct_array(arr, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR,
					  &elems, &nulls, n);
	names = palloc(sizeof(char *) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain nulls", argname)));
		names[i] = NameStr(*DatumGetName(elems[i]));
	}
	return names;
}

/* Has relid a constraint (of any kind) called name? */
static bool
constraint_named_on(Oid relid, const char *name)
{
	return OidIsValid(get_relation_constraint_oid(relid, name, true));
}

/* What ALTER TABLE ... ADD CONSTRAINT would require of the caller. */
static void
require_child_owner(Oid relid, const char *what)
{
	if (!pg_class_ownercheck(relid, GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of table %s", get_rel_name(relid)),
				 errdetail("%s a reference needs what adding a foreign key to the table needs.", what),
				 errhint("Run as the owner of %s.", fksql_relname(relid))));
}

/*
 * fk_declare(name text, child regclass, columns name[], parent regclass,
 *			  parent_columns name[], match text DEFAULT 'SIMPLE')
 *	  RETURNS void
 *
 * Keep a reference child(columns) -> parent(parent_columns) that no
 * constraint enforces.  Its name must be free among the references and
 * among the child's constraints (it becomes the constraint's name when
 * promoted).  AccessShareLock on both tables, RowExclusiveLock on the
 * extension's table.
 */
Datum
fk_declare(PG_FUNCTION_ARGS)
{
	char	   *name = ref_name_arg(fcinfo, 0);
	Oid			child;
	Oid			parent;
	char	  **cols;
	char	  **pkcols;
	int			ncols;
	int			npkcols;
	char	   *match;
	char		match_type;
	FkModel    *fk;
	FkStore    *st;
	Datum		values[FK_REFS_COLS];
	bool		nulls[FK_REFS_COLS];

	require_not_null(fcinfo, 1, "child");
	require_not_null(fcinfo, 3, "parent");
	child = PG_GETARG_OID(1);
	parent = PG_GETARG_OID(3);
	cols = name_array_arg(fcinfo, 2, "columns", &ncols);
	pkcols = name_array_arg(fcinfo, 4, "parent_columns", &npkcols);
	require_not_null(fcinfo, 5, "match");
	match = text_to_cstring(PG_GETARG_TEXT_PP(5));
	if (pg_strcasecmp(match, "SIMPLE") == 0)
		match_type = FKCONSTR_MATCH_SIMPLE;
	else if (pg_strcasecmp(match, "FULL") == 0)
		match_type = FKCONSTR_MATCH_FULL;
	else if (pg_strcasecmp(match, "PARTIAL") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("MATCH PARTIAL not yet implemented"),
				 errdetail("PostgreSQL has no MATCH PARTIAL foreign key to check it against or promote it to.")));
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid match type \"%s\"", match),
				 errhint("Use 'SIMPLE' or 'FULL'.")));

	LockRelationOid(child, AccessShareLock);
	LockRelationOid(parent, AccessShareLock);
	/* the privilege first, as ALTER TABLE checks it before the columns */
	if (get_rel_relkind(child) != '\0')
		require_child_owner(child, "Declaring");
	fk = fk_model_ref_resolve(name, child, ncols, cols, parent, npkcols,
							  pkcols, match_type, true);
	if (!fk_has_privilege(parent, ACL_REFERENCES, fk->nkeys, fk->pk_attnums))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s", get_rel_name(parent)),
				 errdetail("Declaring a reference to it needs REFERENCES on the referenced columns, as a foreign key would."),
				 errhint("GRANT REFERENCES ON %s TO the role, or run as the table's owner.",
						 fksql_relname(parent))));
	if (fk_model_ref(name, 0) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("reference \"%s\" already exists", name),
				 errhint("Choose another name, or remove the old one first with fk_undeclare('%s').",
						 name)));
	if (constraint_named_on(child, name))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("constraint \"%s\" for relation \"%s\" already exists",
						name, get_rel_name(child)),
				 errdetail("A reference's name becomes its constraint's name when it is promoted."),
				 errhint("Choose a name no constraint of %s has.", get_rel_name(child))));

	memset(nulls, 0, sizeof(nulls));
	values[0] = NameGetDatum(&fk->conname);
	values[1] = ObjectIdGetDatum(child);
	values[2] = fk_name_array_datum(ncols, cols);
	values[3] = ObjectIdGetDatum(parent);
	values[4] = fk_name_array_datum(npkcols, pkcols);
	values[5] = CStringGetTextDatum(fk_match_name(match_type));
	values[6] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	{
		Name		who = palloc0(NAMEDATALEN);

		namestrcpy(who, GetUserNameFromId(GetUserId(), false));
		values[7] = NameGetDatum(who);
	}
	st = fk_store_open(FK_REFS_TABLE, false);
	fk_store_insert(st, values, nulls);
	fk_store_close(st);
	PG_RETURN_VOID();
}

/* fk_undeclare's scan: the row of the name, if any */
typedef struct UndeclareIn
{
	const char *name;
	bool		found;
	ItemPointerData tid;
	Oid			child;
} UndeclareIn;

static void
undeclare_row(Datum *values, bool *nulls, ItemPointer tid, void *arg)
{
	UndeclareIn *in = arg;

	if (in->found || strcmp(NameStr(*DatumGetName(values[0])), in->name) != 0)
		return;
	in->found = true;
	in->tid = *tid;
	in->child = DatumGetObjectId(values[1]);
}

/*
 * fk_undeclare(name text) RETURNS void
 *
 * Remove the declared-only reference name.  Needs what dropping a
 * constraint of its child table needs (ownership), unless the table is
 * gone.
 */
Datum
fk_undeclare(PG_FUNCTION_ARGS)
{
	char	   *name = ref_name_arg(fcinfo, 0);
	FkStore    *st;
	UndeclareIn in;

	memset(&in, 0, sizeof(in));
	in.name = name;
	st = fk_store_open(FK_REFS_TABLE, false);
	fk_store_scan(st, NULL, 0, NULL, false, 0, undeclare_row, &in);
	if (!in.found)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("reference \"%s\" does not exist", name),
				 errhint("SELECT constraint_name FROM fk_constraints WHERE declared_only lists the declared references.")));
	if (get_rel_relkind(in.child) != '\0')
		require_child_owner(in.child, "Removing");
	fk_store_delete(st, &in.tid);
	fk_store_close(st);
	PG_RETURN_VOID();
}

static void
put_step(ReturnSetInfo *rsinfo, int step, const char *sql)
{
	Datum		values[PROMOTE_COLS];
	bool		nulls[PROMOTE_COLS] = {false, false};

	values[0] = Int32GetDatum(step);
	values[1] = CStringGetTextDatum(sql);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * fk_promote(name text, lock_timeout text DEFAULT '5s')
 *	  RETURNS TABLE(step integer, statement text)
 *
 * The statements that make the declared-only reference name a foreign
 * key, to run one at a time, in order, as fk_fix.c writes a new key: SET
 * lock_timeout (so that waiting for the lock does not queue every query
 * behind it) and statement_timeout, ADD CONSTRAINT ... NOT VALID (brief:
 * no scan), VALIDATE CONSTRAINT (the scan, under a lock that lets writes
 * go on), the timeouts reset, then fk_undeclare.  PostgreSQL 15 cannot add a
 * NOT VALID key to a partitioned table: there ADD CONSTRAINT validates at
 * once.  Refused while orphan rows exist (the validation would fail):
 * counting them reads both tables with the caller's rights.
 */
Datum
fk_promote(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name = ref_name_arg(fcinfo, 0);
	char	   *timeout;
	FkModel    *fk;
	FkOrphanSummary summary;
	StringInfoData sql;
	int			step = 1;
	List	   *steps;
	ListCell   *lc;

	require_not_null(fcinfo, 1, "lock_timeout");
	timeout = text_to_cstring(PG_GETARG_TEXT_PP(1));
	InitMaterializedSRF(fcinfo, 0);

	fk = fk_model_ref(name, 0);
	if (fk == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("reference \"%s\" does not exist", name),
				 errhint("SELECT constraint_name FROM fk_constraints WHERE declared_only lists the declared references.")));
	fk = fk_lock_key(fk, AccessShareLock, AccessShareLock, FK_LOAD_NAMES);
	if (fk == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("reference \"%s\" was removed concurrently", name)));
	if (fk->fk_relkind == RELKIND_FOREIGN_TABLE ||
		fk->pk_relkind == RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("reference \"%s\" links a foreign table and cannot become a foreign key",
						name),
				 errdetail("PostgreSQL enforces foreign keys only between tables of one database."),
				 errhint("Keep it declared and check it with fk_check or fk_check_snapshot.")));
	if (constraint_named_on(fk->fk_relid, name))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("constraint \"%s\" for relation \"%s\" already exists",
						name, get_rel_name(fk->fk_relid)),
				 errhint("Remove the reference with fk_undeclare('%s') if that constraint replaces it.",
						 name)));
	fk_require_readable(fk, false);

	fk_spi_connect();
	fk_orphan_summary(fk, 1, &summary);
	fk_spi_finish();
	if (summary.orphan_rows > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg_plural("reference \"%s\" has " INT64_FORMAT " orphan row",
							   "reference \"%s\" has " INT64_FORMAT " orphan rows",
							   summary.orphan_rows, name, summary.orphan_rows),
				 errdetail("Validating the foreign key would fail on them."),
				 errhint("Fix or delete them first: SELECT * FROM fk_orphans('%s', '%s') lists them.",
						 fksql_relname(fk->fk_relid), name)));

	/* the new key as fk_fix.c writes every new key, then VALIDATE apart */
	steps = fkfix_add_key_steps(fk);
	if (fk->fk_relkind != RELKIND_PARTITIONED_TABLE)
		steps = list_concat(steps, fkfix_validate_steps(fk));
	foreach(lc, fkfix_with_lock_timeout(steps, timeout))
		put_step(rsinfo, step++, ((FkFixStep *) lfirst(lc))->sql);

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s.fk_undeclare(",
					 fksql_nspname(fk_store_schema()));
	fksql_literal(&sql, name);
	appendStringInfoChar(&sql, ')');
	put_step(rsinfo, step++, sql.data);
	PG_RETURN_VOID();
}
