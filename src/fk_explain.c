/*-------------------------------------------------------------------------
 *
 * fk_explain.c
 *	  fk_explain: from a foreign key error, as a user pastes it, to what
 *	  happened and ready-to-run statements that fix it.
 *
 * The server writes names and key values into its messages without any
 * quoting ("%s" inside double quotes, values from the output functions
 * joined by ", "), so a message alone can be ambiguous: a table called
 * x" violates foreign key constraint "y breaks naive parsing, and so does
 * a value containing ", ".  Parsing therefore anchors on the fixed
 * message text, tries every possible split of what lies between the
 * anchors, and keeps only the splits the catalog confirms: a constraint
 * of that name on a table of that name, key column names that spell the
 * Key (...) list exactly, and values that each of the key's types reads
 * back unchanged.  What remains ambiguous is reported with its candidates.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/syscache.h"

#include "fk_tools.h"

PG_FUNCTION_INFO_V1(fk_explain_error);
PG_FUNCTION_INFO_V1(fk_explain_constraint);

/* The fixed parts of the server's messages that parsing anchors on. */
#define MSG_INSERT	"insert or update on table \""
#define MSG_DELETE	"update or delete on table \""
#define MSG_VIOLATES "\" violates foreign key constraint \""
#define MSG_ON_TABLE "\" on table \""
#define DET_KEY		"Key ("
#define DET_MISSING ") is not present in table \""
#define DET_REFERENCED ") is still referenced from table \""
#define DET_NOVALUES_MISSING "Key is not present in table \""
#define DET_NOVALUES_REFERENCED "Key is still referenced from table \""
#define DET_MATCH_FULL "MATCH FULL does not allow mixing of null and nonnull key values."

/* Splits of a value list tried at most, and how deep children-first goes. */
#define MAX_SPLITS	256
#define MAX_DEPTH	8

typedef enum FkErrorKind
{
	FKE_INSERT,					/* a referencing row without its parent */
	FKE_DELETE					/* a parent still referenced */
} FkErrorKind;

/* The result being built: rows of (step, finding, suggestion, sql). */
typedef struct ExplainOut
{
	ReturnSetInfo *rsinfo;
	int			step;
} ExplainOut;

/* One way of reading the message: names as the catalog confirmed them. */
typedef struct Candidate
{
	FkModel    *fk;				/* the declared constraint (clones folded) */
	char	  **values;			/* key values, or NULL if not (uniquely) known */
	List	   *value_splits;	/* all readings of the value list (char **) */
} Candidate;

static void emit(ExplainOut *out, const char *finding, const char *suggestion,
				 const char *sql);
static Oid	ext_nsp = InvalidOid;
static char *ext_schema(void);
static char *line_end(const char *s);
static char *verbose_field(const char *text, const char *label);
static List *find_constraints(const char *conname, const char *relname,
							  const char *pkrelname, const char *nspname);
static List *split_values(FkModel *fk, bool pk_side, const char *vals);
static bool value_reads_back(const char *value, Oid typid, int32 typmod);
static void parse_values(Candidate *cand, FkErrorKind kind, const char *text);
static char *key_text(FkModel *fk, bool pk_side, char **values);
static char *colnames_text(FkModel *fk, bool pk_side);
static int64 spi_count(const char *sql);
static bool key_present(FkModel *fk, bool pk_side, char **values);
static char *splits_text(FkModel *fk, bool pk_side, List *splits);
static void pk_match(StringInfo buf, FkModel *fk, const char *palias,
					 char **values);
static void explain_definition(ExplainOut *out, FkModel *fk);
static void explain_orphans(ExplainOut *out, FkModel *fk);
static void explain_insert(ExplainOut *out, Candidate *cand, bool bulk);
static void explain_delete(ExplainOut *out, Candidate *cand);
static void explain_match_full(ExplainOut *out, FkModel *fk);
static void children_first(StringInfo sql, FkModel *fk, char **values,
						   List **notes);
static void children_of(StringInfo ctes, int *ncte, Oid relid,
						const char *rowsql, List *path, int depth,
						List **notes);
static void unrecognised(ExplainOut *out, const char *why);

static void
emit(ExplainOut *out, const char *finding, const char *suggestion,
	 const char *sql)
{
	Datum		values[4];
	bool		nulls[4];

	memset(nulls, 0, sizeof(nulls));
	values[0] = Int32GetDatum(++out->step);
	nulls[1] = finding == NULL;
	nulls[2] = suggestion == NULL;
	nulls[3] = sql == NULL;
	if (finding)
		values[1] = CStringGetTextDatum(finding);
	if (suggestion)
		values[2] = CStringGetTextDatum(suggestion);
	if (sql)
		values[3] = CStringGetTextDatum(sql);
	tuplestore_putvalues(out->rsinfo->setResult, out->rsinfo->setDesc,
						 values, nulls);
}

/*
 * The extension's schema, quoted, for calls to its own functions: the
 * schema of the function being called (the extension is not relocatable).
 */
static char *
ext_schema(void)
{
	return pstrdup(quote_identifier(get_namespace_name(ext_nsp)));
}

/* Where the line starting at s ends (its '\r' or '\n', or the end). */
static char *
line_end(const char *s)
{
	const char *e = s;

	while (*e && *e != '\n' && *e != '\r')
		e++;
	return (char *) e;
}

/*
 * The value of a field that psql prints in verbose mode, on a line of its
 * own: "SCHEMA NAME:  s", "TABLE NAME:  t", "CONSTRAINT NAME:  c".  These
 * carry the names unambiguously, schema included.
 */
static char *
verbose_field(const char *text, const char *label)
{
	size_t		len = strlen(label);
	const char *p = text;

	while (*p)
	{
		const char *start = p;
		const char *end = line_end(p);

		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
		if ((size_t) (end - start) > len + 2 && strncmp(start, label, len) == 0 &&
			start[len] == ':' && start[len + 1] == ' ')
		{
			start += len + 1;
			while (start < end && *start == ' ')
				start++;
			return pnstrdup(start, end - start);
		}
		p = *end ? end + 1 : end;
	}
	return NULL;
}

/*
 * The declared foreign keys a message may mean: a constraint named
 * conname on a table named relname (any schema, or nspname) referencing a
 * table named pkrelname (if given).  A partition's clone stands for the
 * constraint it was cloned from, since messages name the partition.
 */
static List *
find_constraints(const char *conname, const char *relname,
				 const char *pkrelname, const char *nspname)
{
	List	   *all = fk_model_list(InvalidOid, InvalidOid, false, 0);
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, all)
	{
		FkModel    *fk = lfirst(lc);
		char	   *rel;
		char	   *pkrel;
		bool		dup = false;
		ListCell   *lc2;

		CHECK_FOR_INTERRUPTS();
		if (strcmp(NameStr(fk->conname), conname) != 0)
			continue;
		rel = get_rel_name(fk->fk_relid);
		pkrel = get_rel_name(fk->pk_relid);
		if (rel == NULL || strcmp(rel, relname) != 0)
			continue;
		if (pkrelname && (pkrel == NULL || strcmp(pkrel, pkrelname) != 0))
			continue;
		if (nspname &&
			strcmp(get_namespace_name(get_rel_namespace(fk->fk_relid)), nspname) != 0)
			continue;
		while (OidIsValid(fk->parentoid))
		{
			FkModel    *parent = fk_model_load(fk->parentoid, 0);

			if (parent == NULL)
				break;
			fk = parent;
		}
		foreach(lc2, result)
			dup |= ((FkModel *) lfirst(lc2))->conoid == fk->conoid;
		if (!dup && (fk = fk_model_load(fk->conoid, FK_LOAD_NAMES)) != NULL)
			result = lappend(result, fk);
	}
	return result;
}

/*
 * Does the type read value and write it back unchanged?  Then value is
 * something its output function can have printed.  The input function
 * may throw; a subtransaction keeps that from aborting the caller.
 */
static bool
value_reads_back(const char *value, Oid typid, int32 typmod)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	bool		ok = false;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		Oid			input;
		Oid			ioparam;
		Oid			output;
		bool		varlena;
		Datum		d;

		getTypeInputInfo(typid, &input, &ioparam);
		getTypeOutputInfo(typid, &output, &varlena);
		d = OidInputFunctionCall(input, (char *) value, ioparam, typmod);
		ok = strcmp(OidOutputFunctionCall(output, d), value) == 0;
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/*
 * Every way of cutting vals at ", " into the key's number of values such
 * that each value reads back under its column's type (a list of char **).
 */
static List *
split_values(FkModel *fk, bool pk_side, const char *vals)
{
	int			seps[1024];
	int			nseps = 0;
	int			choice[INDEX_MAX_KEYS];
	int			k = fk->nkeys - 1;	/* cuts to make */
	List	   *result = NIL;
	int			tried = 0;

	for (const char *p = strstr(vals, ", "); p && nseps < lengthof(seps);
		 p = strstr(p + 1, ", "))
		seps[nseps++] = p - vals;
	if (k > nseps)
		return NIL;

	/* choose k of the nseps separators, in increasing order */
	for (int i = 0; i < k; i++)
		choice[i] = i;
	for (;;)
	{
		char	  **values = palloc(sizeof(char *) * fk->nkeys);
		bool		ok = true;
		int			i;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < fk->nkeys && ok; i++)
		{
			int			from = i == 0 ? 0 : seps[choice[i - 1]] + 2;
			int			to = i == k ? (int) strlen(vals) : seps[choice[i]];

			values[i] = pnstrdup(vals + from, to - from);
			ok = value_reads_back(values[i],
								  pk_side ? fk->pk_types[i] : fk->fk_types[i],
								  pk_side ? fk->pk_typmods[i] : fk->fk_typmods[i]);
		}
		if (ok)
			result = lappend(result, values);
		if (++tried >= MAX_SPLITS)
			break;
		/* next combination */
		for (i = k - 1; i >= 0 && choice[i] == nseps - k + i; i--)
			;
		if (i < 0)
			break;
		choice[i]++;
		for (int j = i + 1; j < k; j++)
			choice[j] = choice[j - 1] + 1;
	}
	return result;
}

/* "a, b" -- the key columns as the server lists them in a message. */
static char *
colnames_text(FkModel *fk, bool pk_side)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < fk->nkeys; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
						 pk_side ? fk->pk_colnames[i] : fk->fk_colnames[i]);
	return buf.data;
}

/* "(a, b)=('1', 'x')" for findings: values as literals, never ambiguous. */
static char *
key_text(FkModel *fk, bool pk_side, char **values)
{
	return splits_text(fk, pk_side, list_make1(values));
}

/*
 * Find "Key (<this constraint's columns>)=(...) <suffix>" in the text and
 * read the values.  The column list is known exactly from the catalog; the
 * value list ends at one of the suffix's occurrences: the first one that
 * yields readings wins.
 */
static void
parse_values(Candidate *cand, FkErrorKind kind, const char *text)
{
	FkModel    *fk = cand->fk;
	bool		pk_side = kind == FKE_DELETE;
	const char *suffix = pk_side ? DET_REFERENCED : DET_MISSING;
	char	   *head = psprintf("%s%s)=(", DET_KEY, colnames_text(fk, pk_side));
	const char *start = strstr(text, head);

	cand->values = NULL;
	cand->value_splits = NIL;
	if (start == NULL)
		return;
	start += strlen(head);
	for (const char *end = strstr(start, suffix); end; end = strstr(end + 1, suffix))
	{
		char	   *vals = pnstrdup(start, end - start);

		cand->value_splits = split_values(fk, pk_side, vals);
		if (cand->value_splits != NIL)
			break;
	}
	if (list_length(cand->value_splits) == 1)
		cand->values = linitial(cand->value_splits);
}

/* Run a read-only count(*)-like query returning one bigint. */
static int64
spi_count(const char *sql)
{
	TupleDesc	desc;
	HeapTuple	tup = fk_spi_one_row(sql, &desc);
	bool		isnull;
	Datum		d = heap_getattr(tup, 1, desc, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

/*
 * Does the referenced table have the key now?  Values of the referencing
 * side compare the way RI compares them (PK = FK operators, the key's
 * collation), values of the referenced side with its own equality.
 */
static bool
key_present(FkModel *fk, bool pk_side, char **values)
{
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT pg_catalog.count(*) FROM ");
	fksql_rel(&sql, fk->pk_relid, true);
	appendStringInfoString(&sql, " fk_tools_p, ");
	fksql_key_row(&sql, fk, pk_side, values);
	appendStringInfoString(&sql, " fk_tools_c WHERE ");
	if (pk_side)
		fksql_key_same(&sql, fk, true, "fk_tools_p", "fk_tools_c");
	else
		fksql_key_equal(&sql, fk, "fk_tools_p", "fk_tools_c");
	return spi_count(sql.data) > 0;
}

/* "(a, b)=('x, y', 'z') or (a, b)=('x', 'y, z')": readings, as literals. */
static char *
splits_text(FkModel *fk, bool pk_side, List *splits)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, splits)
	{
		char	  **values = lfirst(lc);

		appendStringInfo(&buf, "%s(%s)=(", buf.len > 0 ? " or " : "",
						 colnames_text(fk, pk_side));
		for (int i = 0; i < fk->nkeys; i++)
			appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
							 quote_literal_cstr(values[i]));
		appendStringInfoChar(&buf, ')');
	}
	return buf.data;
}

/*
 * palias's referenced key equals the given referenced-side values:
 * EXISTS-free, as "palias.k OPERATOR(=) k.k AND ..." against a one-row
 * derived table, through the constraint's own PK = PK operators.
 */
static void
pk_match(StringInfo buf, FkModel *fk, const char *palias, char **values)
{
	appendStringInfoString(buf, "EXISTS (SELECT FROM ");
	fksql_key_row(buf, fk, true, values);
	appendStringInfoString(buf, " fk_tools_k WHERE ");
	fksql_key_same(buf, fk, true, palias, "fk_tools_k");
	appendStringInfoChar(buf, ')');
}

static void
explain_definition(ExplainOut *out, FkModel *fk)
{
	char	   *def = fk_model_definition(fk);
	StringInfoData f;

	initStringInfo(&f);
	appendStringInfo(&f, "Constraint %s on table %s: %s.",
					 quote_identifier(NameStr(fk->conname)),
					 fksql_relname(fk->fk_relid), def);
	if (!fk->validated)
		appendStringInfoString(&f, " It is NOT VALID: rows older than the constraint were never checked.");
	emit(out, f.data, NULL, NULL);
}

/* How many rows of the referencing table break the constraint now. */
static void
explain_orphans(ExplainOut *out, FkModel *fk)
{
	char	   *why = fk_unreadable_reason(fk);
	TupleDesc	desc;
	HeapTuple	tup;
	bool		isnull;
	int64		rows;
	int64		keys;
	StringInfoData sql;

	if (why)
	{
		emit(out, psprintf("Cannot count the rows of %s that break the constraint: %s.",
						   fksql_relname(fk->fk_relid), why), NULL, NULL);
		return;
	}
	tup = fk_orphan_summary(fk, 5, &desc);
	rows = DatumGetInt64(heap_getattr(tup, 1, desc, &isnull));
	if (isnull)
		rows = 0;
	keys = DatumGetInt64(heap_getattr(tup, 2, desc, &isnull));
	if (rows == 0)
	{
		emit(out, psprintf("No row of %s breaks the constraint now.",
						   fksql_relname(fk->fk_relid)), NULL, NULL);
		return;
	}
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT * FROM %s.fk_orphans(", ext_schema());
	fksql_typed_literal(&sql, fksql_relname(fk->fk_relid), REGCLASSOID, -1);
	appendStringInfoString(&sql, ", ");
	fksql_typed_literal(&sql, NameStr(fk->conname), NAMEOID, -1);
	appendStringInfoChar(&sql, ')');
	emit(out, psprintf("%lld row(s) of %s break the constraint now, missing %lld distinct referenced key(s) (NOT VALID constraints and disabled triggers let them in).",
					   (long long) rows, fksql_relname(fk->fk_relid),
					   (long long) keys),
		 "List them, then repair them with fk_repair_orphans.", sql.data);
}

/*
 * The insert side: a row of the referencing table names a key that the
 * referenced table does not have.
 */
static void
explain_insert(ExplainOut *out, Candidate *cand, bool bulk)
{
	FkModel    *fk = cand->fk;
	StringInfoData sql;
	StringInfoData s;
	bool		exists = false;
	bool		any_notnull = false;

	explain_definition(out, fk);
	if (cand->values)
	{
		if (pg_class_aclcheck(fk->pk_relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK)
		{
			exists = key_present(fk, false, cand->values);
			emit(out, psprintf("Key %s %s in %s now.",
							   key_text(fk, false, cand->values),
							   exists ? "exists" : "does not exist",
							   fksql_relname(fk->pk_relid)),
				 exists ? "The parent row exists now (added since the error): run the failing statement again." : NULL,
				 NULL);
		}
	}
	else if (cand->value_splits != NIL)
	{
		emit(out, psprintf("The key's values contain \", \" and can be read in several ways: %s.",
						   splits_text(fk, false, cand->value_splits)),
			 "Check which key the failing statement used; the statements below use the placeholders of the key's columns.", NULL);
	}
	else
		emit(out, "The error text does not show the key's values (the role lacks SELECT on the key columns, or the DETAIL line is missing).",
			 NULL, NULL);
	explain_orphans(out, fk);

	/* insert the parent first */
	if (cand->values && !exists)
	{
		TupleDesc	pkdesc;
		Relation	pkrel = relation_open(fk->pk_relid, AccessShareLock);
		StringInfoData cols;
		StringInfoData vals;
		StringInfoData missing;

		pkdesc = RelationGetDescr(pkrel);
		initStringInfo(&cols);
		initStringInfo(&vals);
		initStringInfo(&missing);
		for (int i = 0; i < fk->nkeys; i++)
		{
			if (i > 0)
			{
				appendStringInfoString(&cols, ", ");
				appendStringInfoString(&vals, ", ");
			}
			fksql_ident(&cols, fk->pk_colnames[i]);
			fksql_typed_literal(&vals, cand->values[i], fk->pk_types[i],
								fk->pk_typmods[i]);
		}
		/* other NOT NULL columns without a default: the user must fill them */
		for (int a = 0; a < pkdesc->natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(pkdesc, a);
			bool		in_key = false;

			if (att->attisdropped || !att->attnotnull || att->atthasdef ||
				att->attidentity || att->attgenerated)
				continue;
			for (int i = 0; i < fk->nkeys; i++)
				in_key |= fk->pk_attnums[i] == att->attnum;
			if (in_key)
				continue;
			appendStringInfoString(&cols, ", ");
			fksql_ident(&cols, NameStr(att->attname));
			appendStringInfoString(&vals, ", ");
			fksql_typed_literal(&vals, NULL, att->atttypid, att->atttypmod);
			appendStringInfo(&vals, " /* %s: fill in */", quote_identifier(NameStr(att->attname)));
			appendStringInfo(&missing, "%s%s (%s)", missing.len > 0 ? ", " : "",
							 quote_identifier(NameStr(att->attname)),
							 format_type_be(att->atttypid));
		}
		relation_close(pkrel, AccessShareLock);

		initStringInfo(&sql);
		appendStringInfo(&sql, "INSERT INTO %s (%s) VALUES (%s)",
						 fksql_relname(fk->pk_relid), cols.data, vals.data);
		initStringInfo(&s);
		appendStringInfo(&s, "Insert the parent row first, then run the failing statement again.");
		if (missing.len > 0)
			appendStringInfo(&s, " %s also has NOT NULL columns without a default that the INSERT must fill in: %s.",
							 fksql_relname(fk->pk_relid), missing.data);
		emit(out, NULL, s.data, sql.data);
	}

	/* correct the value: show the keys that do exist */
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	fksql_key_list(&sql, fk, true, "fk_tools_p");
	appendStringInfoString(&sql, " FROM ");
	fksql_rel(&sql, fk->pk_relid, true);
	appendStringInfoString(&sql, " fk_tools_p ORDER BY ");
	fksql_key_list(&sql, fk, true, "fk_tools_p");
	appendStringInfoString(&sql, " LIMIT 20");
	emit(out, NULL,
		 psprintf("Or correct the value in the failing statement: (%s) must name an existing key of %s.",
				  colnames_text(fk, false), fksql_relname(fk->pk_relid)),
		 sql.data);

	/* store no reference: NULL */
	initStringInfo(&sql);
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (!fk->fk_notnull[i])
			continue;
		if (!any_notnull)
			appendStringInfo(&sql, "ALTER TABLE %s", fksql_relname(fk->fk_relid));
		appendStringInfo(&sql, "%s ALTER COLUMN ", any_notnull ? "," : "");
		any_notnull = true;
		fksql_ident(&sql, fk->fk_colnames[i]);
		appendStringInfoString(&sql, " DROP NOT NULL");
	}
	emit(out, NULL,
		 any_notnull ?
		 psprintf("Or, if the row may exist without a parent, make (%s) nullable and store NULL there.",
				  colnames_text(fk, false)) :
		 psprintf("Or, if the row may exist without a parent, store NULL in (%s): %s.",
				  colnames_text(fk, false),
				  fk->match_type == FKCONSTR_MATCH_FULL ?
				  "under MATCH FULL all of them" :
				  "a key with a NULL is not checked"),
		 any_notnull ? sql.data : NULL);

	/* a bulk load: parents first */
	if (bulk)
	{
		initStringInfo(&sql);
		appendStringInfo(&sql, "SELECT * FROM %s.fk_load_order() ORDER BY 1",
						 ext_schema());
		emit(out, NULL,
			 fk->deferrable ?
			 psprintf("This looks like a bulk load: load %s before %s (fk_load_order gives an order for every table), or load both in one transaction after SET CONSTRAINTS %s DEFERRED.",
					  fksql_relname(fk->pk_relid), fksql_relname(fk->fk_relid),
					  quote_identifier(NameStr(fk->conname))) :
			 psprintf("This looks like a bulk load: load %s before %s (fk_load_order gives an order for every table).",
					  fksql_relname(fk->pk_relid), fksql_relname(fk->fk_relid)),
			 sql.data);
	}
}

/*
 * Delete the rows of the referencing tables that keep the key's row of
 * the referenced table from being deleted, children before parents, in
 * one statement (so one transaction): data-modifying CTEs, each deleting
 * the rows that reference rows deleted by the CTE before it.
 */
static void
children_first(StringInfo sql, FkModel *fk, char **values, List **notes)
{
	StringInfoData ctes;
	StringInfoData rowsql;
	int			ncte = 0;

	initStringInfo(&ctes);
	initStringInfo(&rowsql);
	appendStringInfoString(&rowsql, "SELECT fk_tools_p.* FROM ");
	fksql_rel(&rowsql, fk->pk_relid, true);
	appendStringInfoString(&rowsql, " fk_tools_p WHERE ");
	pk_match(&rowsql, fk, "fk_tools_p", values);
	children_of(&ctes, &ncte, fk->pk_relid, rowsql.data,
				list_make1_oid(fk->pk_relid), 1, notes);
	if (ncte > 0)
		appendStringInfo(sql, "WITH %s ", ctes.data);
	appendStringInfoString(sql, "DELETE FROM ");
	fksql_rel(sql, fk->pk_relid, true);
	appendStringInfoString(sql, " fk_tools_p WHERE ");
	pk_match(sql, fk, "fk_tools_p", values);
}

/*
 * Add a CTE for every foreign key referencing relid whose rows would block
 * (NO ACTION, RESTRICT) or be deleted anyway (CASCADE) when the rows that
 * rowsql selects are deleted, then recurse below it.  SET NULL and SET
 * DEFAULT children are left to the server.  A table already on the path
 * (a self reference or cycle) is not followed again: noted instead.
 */
static void
children_of(StringInfo ctes, int *ncte, Oid relid, const char *rowsql,
			List *path, int depth, List **notes)
{
	List	   *refs = fk_model_list(InvalidOid, relid, true, FK_LOAD_NAMES);
	ListCell   *lc;

	foreach(lc, refs)
	{
		FkModel    *child = lfirst(lc);
		char	   *name;
		StringInfoData next;

		CHECK_FOR_INTERRUPTS();
		if (child->del_action == FKCONSTR_ACTION_SETNULL ||
			child->del_action == FKCONSTR_ACTION_SETDEFAULT)
			continue;
		if (list_member_oid(path, child->fk_relid) || depth > MAX_DEPTH)
		{
			*notes = lappend(*notes,
							 psprintf("rows of %s that reference the deleted rows through %s (a cycle) are not included",
									  fksql_relname(child->fk_relid),
									  quote_identifier(NameStr(child->conname))));
			continue;
		}
		name = psprintf("fk_tools_d%d", ++(*ncte));
		if (*ncte > 1)
			appendStringInfoString(ctes, ", ");
		appendStringInfo(ctes, "%s AS (DELETE FROM ", name);
		fksql_rel(ctes, child->fk_relid, true);
		appendStringInfoString(ctes, " fk_tools_c WHERE EXISTS (SELECT FROM (");
		appendStringInfoString(ctes, rowsql);
		appendStringInfoString(ctes, ") fk_tools_r WHERE ");
		fksql_key_equal(ctes, child, "fk_tools_r", "fk_tools_c");
		appendStringInfoString(ctes, ") RETURNING fk_tools_c.*)");

		initStringInfo(&next);
		appendStringInfo(&next, "SELECT * FROM %s", name);
		children_of(ctes, ncte, child->fk_relid, next.data,
					lappend_oid(list_copy(path), child->fk_relid), depth + 1,
					notes);
	}
}

/*
 * The delete side: a row of the referenced table is still referenced.
 */
static void
explain_delete(ExplainOut *out, Candidate *cand)
{
	FkModel    *fk = cand->fk;
	List	   *refs;
	ListCell   *lc;
	StringInfoData sql;
	StringInfoData s;
	List	   *notes = NIL;
	int64		this_fk = 0;
	bool		nullable = true;

	explain_definition(out, fk);
	if (cand->values == NULL)
	{
		if (cand->value_splits != NIL)
		{
			emit(out, psprintf("The key's values contain \", \" and can be read in several ways: %s.",
							   splits_text(fk, true, cand->value_splits)),
				 "Run fk_explain on the constraint, or pass an error text whose key is unambiguous.", NULL);
		}
		else
			emit(out, "The error text does not show the key's values (the role lacks SELECT on the key columns, or the DETAIL line is missing).",
				 NULL, NULL);
		explain_orphans(out, fk);
		return;
	}

	/* who references this row, through every foreign key */
	refs = fk_model_list(InvalidOid, fk->pk_relid, true, FK_LOAD_NAMES);
	initStringInfo(&s);
	foreach(lc, refs)
	{
		FkModel    *ref = lfirst(lc);
		Oid			denied;
		int64		n;

		CHECK_FOR_INTERRUPTS();
		if (!fk_can_read_key(ref, false, &denied))
		{
			appendStringInfo(&s, "%s%s via %s: not readable (permission denied)",
							 s.len > 0 ? "; " : "", fksql_relname(ref->fk_relid),
							 quote_identifier(NameStr(ref->conname)));
			continue;
		}
		initStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT pg_catalog.count(*) FROM ");
		fksql_rel(&sql, ref->fk_relid, true);
		appendStringInfoString(&sql, " fk_tools_c WHERE EXISTS (SELECT FROM ");
		fksql_rel(&sql, fk->pk_relid, true);
		appendStringInfoString(&sql, " fk_tools_p WHERE ");
		pk_match(&sql, fk, "fk_tools_p", cand->values);
		appendStringInfoString(&sql, " AND ");
		fksql_key_equal(&sql, ref, "fk_tools_p", "fk_tools_c");
		appendStringInfoChar(&sql, ')');
		n = spi_count(sql.data);
		if (ref->conoid == fk->conoid)
			this_fk = n;
		appendStringInfo(&s, "%s%s via %s (ON DELETE %s): %lld row(s)",
						 s.len > 0 ? "; " : "", fksql_relname(ref->fk_relid),
						 quote_identifier(NameStr(ref->conname)),
						 fk_action_name(ref->del_action), (long long) n);
	}
	emit(out, psprintf("Key %s of %s is referenced by: %s.",
					   key_text(fk, true, cand->values),
					   fksql_relname(fk->pk_relid), s.data),
		 NULL, NULL);

	/* delete the children first, in working order, as one statement */
	initStringInfo(&sql);
	children_first(&sql, fk, cand->values, &notes);
	initStringInfo(&s);
	appendStringInfo(&s, "Delete the referencing rows first, children before parents, together with the row of %s, in one statement (one transaction).",
					 fksql_relname(fk->pk_relid));
	foreach(lc, notes)
		appendStringInfo(&s, " Note: %s.", (char *) lfirst(lc));
	emit(out, NULL, s.data, sql.data);

	/* re-point: store NULL in this constraint's referencing rows */
	for (int i = 0; i < fk->nkeys; i++)
		nullable &= !fk->fk_notnull[i];
	if (nullable)
	{
		initStringInfo(&sql);
		appendStringInfoString(&sql, "UPDATE ");
		fksql_rel(&sql, fk->fk_relid, true);
		appendStringInfoString(&sql, " fk_tools_c SET (");
		fksql_key_list(&sql, fk, false, NULL);
		appendStringInfoString(&sql, ") = ROW(");
		for (int i = 0; i < fk->nkeys; i++)
		{
			if (i > 0)
				appendStringInfoString(&sql, ", ");
			fksql_typed_literal(&sql, NULL, fk->fk_types[i], fk->fk_typmods[i]);
		}
		appendStringInfoString(&sql, ") WHERE EXISTS (SELECT FROM ");
		fksql_rel(&sql, fk->pk_relid, true);
		appendStringInfoString(&sql, " fk_tools_p WHERE ");
		pk_match(&sql, fk, "fk_tools_p", cand->values);
		appendStringInfoString(&sql, " AND ");
		fksql_key_equal(&sql, fk, "fk_tools_p", "fk_tools_c");
		appendStringInfoChar(&sql, ')');
		emit(out, NULL,
			 psprintf("Or keep the %lld referencing row(s) of %s and detach them (set (%s) to NULL) or re-point them to another key, then delete.",
					  (long long) this_fk, fksql_relname(fk->fk_relid),
					  colnames_text(fk, false)),
			 sql.data);
	}

	/* change the constraint's delete action */
	if (fk->del_action != FKCONSTR_ACTION_CASCADE)
	{
		initStringInfo(&sql);
		fksql_redefine_constraint(&sql, fk, fk->match_type, FKCONSTR_ACTION_CASCADE);
		emit(out, NULL,
			 psprintf("Or make deleting a row of %s delete its referencing rows: ON DELETE CASCADE. Deleting this key would then delete the %lld row(s) of %s, and whatever their own foreign keys do on delete.",
					  fksql_relname(fk->pk_relid), (long long) this_fk,
					  fksql_relname(fk->fk_relid)),
			 sql.data);
	}
	if (fk->del_action != FKCONSTR_ACTION_SETNULL && nullable)
	{
		initStringInfo(&sql);
		fksql_redefine_constraint(&sql, fk, fk->match_type, FKCONSTR_ACTION_SETNULL);
		emit(out, NULL,
			 psprintf("Or keep the referencing rows on delete with their key set to NULL: ON DELETE SET NULL. Deleting this key would then set (%s) to NULL in %lld row(s) of %s.",
					  colnames_text(fk, false), (long long) this_fk,
					  fksql_relname(fk->fk_relid)),
			 sql.data);
	}

	/* soft delete */
	emit(out, NULL,
		 psprintf("Or do not delete: mark the row of %s as deleted (a soft delete, e.g. a deleted_at column that queries filter on), which keeps its referencing rows and the audit trail.",
				  fksql_relname(fk->pk_relid)),
		 NULL);
}

/* MATCH FULL: a key with some but not all columns NULL. */
static void
explain_match_full(ExplainOut *out, FkModel *fk)
{
	StringInfoData sql;

	explain_definition(out, fk);
	emit(out, psprintf("Under MATCH FULL the key (%s) must be all NULL (no reference) or all non-NULL (a reference that must exist); the failing row had some of them NULL.",
					   colnames_text(fk, false)),
		 NULL, NULL);
	explain_orphans(out, fk);
	emit(out, NULL,
		 psprintf("Write all of (%s) or none of them in the failing statement.",
				  colnames_text(fk, false)),
		 NULL);
	initStringInfo(&sql);
	fksql_redefine_constraint(&sql, fk, FKCONSTR_MATCH_SIMPLE, fk->del_action);
	emit(out, NULL,
		 "Or, if a partly NULL key should simply not be checked, make the constraint MATCH SIMPLE (the default).",
		 sql.data);
}

static void
unrecognised(ExplainOut *out, const char *why)
{
	emit(out, why,
		 "Pass the error as psql shows it: the ERROR line \"insert or update on table \"T\" violates foreign key constraint \"C\"\" or \"update or delete on table \"P\" violates foreign key constraint \"C\" on table \"T\"\" with its DETAIL line \"Key (...)=(...) ...\", in English (messages in other languages are not recognised: SET lc_messages = 'C' and repeat the statement), or call fk_explain(constraint_name, table_name).",
		 NULL);
}

/*
 * fk_explain(error_text text)
 *	  RETURNS TABLE(step int, finding text, suggestion text, sql text)
 *
 * Explain a foreign key violation from its error text: the constraint,
 * what the data looks like now, and statements that fix it.  Reads with
 * the caller's rights, AccessShareLock only; writes nothing.
 */
Datum
fk_explain_error(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ExplainOut	out;
	char	   *errtext;
	char	   *msg;
	FkErrorKind kind;
	char	   *rest;
	char	   *nsp;
	char	   *vcon;
	char	   *vtab;
	List	   *cands = NIL;
	List	   *tried = NIL;
	bool		match_full;
	bool		bulk;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	ext_nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
	out.rsinfo = rsinfo;
	out.step = 0;
	if (PG_ARGISNULL(0))
		PG_RETURN_VOID();
	errtext = text_to_cstring(PG_GETARG_TEXT_PP(0));

	/* anchor: the message, wherever its line starts (psql:, ERROR:, SQLSTATE) */
	if ((msg = strstr(errtext, MSG_INSERT)) != NULL)
	{
		kind = FKE_INSERT;
		rest = pnstrdup(msg + strlen(MSG_INSERT),
						line_end(msg) - (msg + strlen(MSG_INSERT)));
	}
	else if ((msg = strstr(errtext, MSG_DELETE)) != NULL)
	{
		kind = FKE_DELETE;
		rest = pnstrdup(msg + strlen(MSG_DELETE),
						line_end(msg) - (msg + strlen(MSG_DELETE)));
	}
	else
	{
		unrecognised(&out, "The text is not a foreign key violation that fk_explain recognises.");
		PG_RETURN_VOID();
	}
	/* trailing blanks of a pasted line */
	for (int n = strlen(rest); n > 0 && (rest[n - 1] == ' ' || rest[n - 1] == '\t'); n--)
		rest[n - 1] = '\0';

	nsp = verbose_field(errtext, "SCHEMA NAME");
	vtab = verbose_field(errtext, "TABLE NAME");
	vcon = verbose_field(errtext, "CONSTRAINT NAME");
	match_full = strstr(errtext, DET_MATCH_FULL) != NULL;
	bulk = strstr(errtext, "COPY ") != NULL;

	fk_spi_connect();

	/*
	 * Try every split of the names at the separators' occurrences, keeping
	 * the ones the catalog has.
	 */
	for (char *v = strstr(rest, MSG_VIOLATES); v; v = strstr(v + 1, MSG_VIOLATES))
	{
		char	   *first = pnstrdup(rest, v - rest);
		char	   *after = v + strlen(MSG_VIOLATES);

		if (kind == FKE_INSERT)
		{
			size_t		n = strlen(after);
			char	   *con;

			if (n == 0 || after[n - 1] != '"')
				continue;
			con = pnstrdup(after, n - 1);
			if ((vcon && strcmp(vcon, con) != 0) || (vtab && strcmp(vtab, first) != 0))
				continue;
			tried = lappend(tried, psprintf("constraint \"%s\" on table \"%s\"", con, first));
			cands = list_concat(cands, find_constraints(con, first, NULL, nsp));
		}
		else
		{
			for (char *o = strstr(after, MSG_ON_TABLE); o; o = strstr(o + 1, MSG_ON_TABLE))
			{
				char	   *con = pnstrdup(after, o - after);
				char	   *tab = o + strlen(MSG_ON_TABLE);
				size_t		n = strlen(tab);

				if (n == 0 || tab[n - 1] != '"')
					continue;
				tab = pnstrdup(tab, n - 1);
				if ((vcon && strcmp(vcon, con) != 0) || (vtab && strcmp(vtab, tab) != 0))
					continue;
				tried = lappend(tried, psprintf("constraint \"%s\" on table \"%s\" referencing table \"%s\"", con, tab, first));
				cands = list_concat(cands, find_constraints(con, tab, first, nsp));
			}
		}
	}
	if (tried == NIL)
	{
		unrecognised(&out, "The foreign key message is incomplete: the table and constraint names could not be read from it.");
		fk_spi_finish();
		PG_RETURN_VOID();
	}
	if (cands == NIL)
	{
		StringInfoData s;

		initStringInfo(&s);
		foreach(lc, tried)
			appendStringInfo(&s, "%s%s", s.len > 0 ? ", or " : "", (char *) lfirst(lc));
		emit(&out, psprintf("The message names %s, but no such foreign key exists in this database%s.",
							s.data, nsp ? psprintf(" in schema \"%s\"", nsp) : ""),
			 "The constraint may have been dropped or renamed since, or the error came from another database; use fk_explain(constraint_name, table_name) on the constraint as it is now.",
			 NULL);
		fk_spi_finish();
		PG_RETURN_VOID();
	}

	/* read the values for each candidate; they may tell candidates apart */
	{
		List	   *read = NIL;

		foreach(lc, cands)
		{
			Candidate  *c = palloc0(sizeof(Candidate));

			c->fk = lfirst(lc);
			if (!match_full)
				parse_values(c, kind, errtext);

			/*
			 * Several readings of the values: the data may tell.  The row a
			 * failed delete wanted to delete exists; a missing parent key
			 * does not.
			 */
			if (list_length(c->value_splits) > 1 &&
				pg_class_aclcheck(c->fk->pk_relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK)
			{
				List	   *fitting = NIL;
				ListCell   *lc2;

				foreach(lc2, c->value_splits)
				{
					if (key_present(c->fk, kind == FKE_DELETE, lfirst(lc2)) ==
						(kind == FKE_DELETE))
						fitting = lappend(fitting, lfirst(lc2));
				}
				if (fitting != NIL)
					c->value_splits = fitting;
				if (list_length(c->value_splits) == 1)
					c->values = linitial(c->value_splits);
			}
			read = lappend(read, c);
		}
		cands = read;
	}
	if (list_length(cands) > 1 && !match_full)
	{
		List	   *fitting = NIL;

		/* a candidate whose key columns and types fit the DETAIL line */
		foreach(lc, cands)
		{
			Candidate  *c = lfirst(lc);

			if (c->value_splits != NIL)
				fitting = lappend(fitting, c);
		}
		if (fitting != NIL)
			cands = fitting;
	}
	if (list_length(cands) > 1 && !match_full)
	{
		List	   *fitting = NIL;

		/*
		 * Where the data tells: on the insert side the key is missing from
		 * the referenced table, on the delete side it is present.
		 */
		foreach(lc, cands)
		{
			Candidate  *c = lfirst(lc);
			bool		present;

			if (c->values == NULL ||
				pg_class_aclcheck(c->fk->pk_relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
			{
				fitting = lappend(fitting, c);
				continue;
			}
			present = key_present(c->fk, kind == FKE_DELETE, c->values);
			if (present == (kind == FKE_DELETE))
				fitting = lappend(fitting, c);
		}
		if (fitting != NIL)
			cands = fitting;
	}
	if (list_length(cands) > 1)
	{
		StringInfoData s;

		initStringInfo(&s);
		foreach(lc, cands)
		{
			Candidate  *c = lfirst(lc);

			appendStringInfo(&s, "%s%s on %s", s.len > 0 ? ", " : "",
							 quote_identifier(NameStr(c->fk->conname)),
							 fksql_relname(c->fk->fk_relid));
		}
		emit(&out, psprintf("The message fits %d foreign keys: %s. Each is explained below.",
							list_length(cands), s.data),
			 "Messages do not name the schema: run the failing statement with \\set VERBOSITY verbose to see SCHEMA NAME, and pass that text.",
			 NULL);
	}

	foreach(lc, cands)
	{
		Candidate  *c = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (match_full)
			explain_match_full(&out, c->fk);
		else if (kind == FKE_INSERT)
			explain_insert(&out, c, bulk);
		else
			explain_delete(&out, c);
	}
	fk_spi_finish();
	PG_RETURN_VOID();
}

/*
 * fk_explain(constraint_name name, table_name regclass)
 *	  RETURNS TABLE(step int, finding errtext, suggestion errtext, sql errtext)
 *
 * Explain one foreign key of table_name without an error: its definition,
 * its state, the rows that break it, and what to do about each problem.
 */
Datum
fk_explain_constraint(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ExplainOut	out;
	FkModel    *fk;
	StringInfoData sql;
	Oid			relid;

	InitMaterializedSRF(fcinfo, 0);
	ext_nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
	out.rsinfo = rsinfo;
	out.step = 0;
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_VOID();
	relid = PG_GETARG_OID(1);
	fk_lock_and_check_relation(relid, "table_name", true);
	fk = linitial(fk_model_checked_on(relid, NameStr(*PG_GETARG_NAME(0)),
									  FK_LOAD_NAMES | FK_LOAD_STATE));

	fk_spi_connect();
	explain_definition(&out, fk);
	emit(&out, psprintf("On delete of a referenced row: %s; on update of its key: %s; match %s%s.",
						fk_action_name(fk->del_action),
						fk_action_name(fk->upd_action),
						fk_match_name(fk->match_type),
						fk->deferrable ? (fk->initdeferred ?
										  "; checked at commit (DEFERRABLE INITIALLY DEFERRED)" :
										  "; DEFERRABLE (SET CONSTRAINTS ... DEFERRED checks it at commit)") :
						"; checked at the end of each statement"),
		 NULL, NULL);
	if (!fk->enforced)
		emit(&out, "Its triggers are disabled: nothing is checked now, rows breaking it can come in.",
			 "Enable the triggers again (then check for orphans and validate).",
			 psprintf("ALTER TABLE %s ENABLE TRIGGER ALL", fksql_relname(fk->fk_relid)));
	explain_orphans(&out, fk);
	if (!fk->validated)
	{
		initStringInfo(&sql);
		fksql_validate_constraint(&sql, fk);
		emit(&out, NULL,
			 "Once no row breaks it, validate it (SHARE UPDATE EXCLUSIVE lock: writes go on); fk_validate does this only when no orphan is left.",
			 sql.data);
	}
	if (!fk->indexed)
	{
		initStringInfo(&sql);
		appendStringInfo(&sql, "CREATE INDEX ON %s (", fksql_relname(fk->fk_relid));
		fksql_key_list(&sql, fk, false, NULL);
		appendStringInfoChar(&sql, ')');
		emit(&out, psprintf("No index leads with (%s): every delete or key update in %s scans %s to find the referencing rows.",
							colnames_text(fk, false), fksql_relname(fk->pk_relid),
							fksql_relname(fk->fk_relid)),
			 "Index the referencing columns.", sql.data);
	}
	fk_spi_finish();
	PG_RETURN_VOID();
}
