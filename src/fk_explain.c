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
#include "utils/array.h"
#include "utils/datum.h"
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

/* Splits of a value list tried at most. */
#define MAX_SPLITS	256

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

/* value_reads_back's question and answer, through fk_try */
typedef struct ReadBack
{
	const char *value;
	Oid			typid;
	int32		typmod;
	bool		same;
} ReadBack;

/* cascade_if_switched's arguments and results, through fk_try */
typedef struct SwitchedCascade
{
	FkModel    *fk;
	char	  **values;
	int64		total;
	List	   *rows;
	bool		complete;
	int64		still_blocked;
} SwitchedCascade;

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
static void read_back(void *arg);
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
static bool deletes_children(FkModel *child);
static void children_first(StringInfo sql, FkModel *fk, char **values,
						   List **notes);
static Datum text_array(char **strings, int n);
static Datum key_pairs(FkModel *fk, bool pk_side, char **values);
static void key_jsonb_literal(StringInfo buf, FkModel *fk, bool pk_side,
							  char **values);
static int64 blocked_via(List *rows, const char *via);
static int64 blocked_rows(List *rows);
static int64 root_rows(List *rows);
static List *explain_cascade_now(ExplainOut *out, FkModel *fk, char **values,
								 char **error);
static void cascade_if_switched(FkModel *fk, char **values, int64 *total,
								List **rows, bool *complete,
								int64 *still_blocked);
static void cascade_if_switched_in_try(void *arg);
static int64 count_still_blocked(FkModel *fk, char **values,
								 const char *rows_call, Datum rows_key);
static void suggest_cascade(ExplainOut *out, FkModel *fk, char **values,
							List *now_rows, int64 direct);
static void suggest_set_null(ExplainOut *out, FkModel *fk, char **values,
							 List *now_rows);
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
	return pstrdup(fksql_nspname(ext_nsp));
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
	ReadBack	rb;

	rb.value = value;
	rb.typid = typid;
	rb.typmod = typmod;
	rb.same = false;
	return fk_try(read_back, &rb, 0) == NULL && rb.same;
}

static void
read_back(void *arg)
{
	ReadBack   *rb = (ReadBack *) arg;
	Oid			input;
	Oid			ioparam;
	Oid			output;
	bool		varlena;
	Datum		d;

	getTypeInputInfo(rb->typid, &input, &ioparam);
	getTypeOutputInfo(rb->typid, &output, &varlena);
	d = OidInputFunctionCall(input, (char *) rb->value, ioparam, rb->typmod);
	rb->same = strcmp(OidOutputFunctionCall(output, d), rb->value) == 0;
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
			/* no name in the comment: a name may contain the comment's end */
			appendStringInfoString(&vals, " /* fill in */");
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
			{
				bool		set = child->n_del_set_cols == 0;

				for (int j = 0; j < child->n_del_set_cols; j++)
					set |= child->del_set_cols[j] == child->fk_attnums[i];
				if (set && child->fk_notnull[i])
					return true;
			}
			return false;
		default:
			return true;
	}
}

/*
 * Delete the key's row of the referenced table together with every row
 * that would keep it from being deleted, at any depth, in one statement
 * (so one transaction):
 *
 *   WITH RECURSIVE fk_tools_rows(rel, tid) AS (
 *     the key's row
 *     UNION
 *     the rows referencing a row already in fk_tools_rows, through every
 *     foreign key that deletes_children, one LATERAL branch per key
 *   ), fk_tools_d1 AS (DELETE FROM t1 WHERE (tableoid, ctid) IN rows), ...
 *   DELETE FROM parent WHERE (tableoid, ctid) IN rows
 *
 * Rows are carried as (tableoid, ctid), so the walk works for any graph:
 * self references collect a whole tree, and UNION stops at rows already
 * collected, so cycles terminate.  No order is needed: the foreign keys
 * of all the statement's deletes are checked after all of them (RESTRICT
 * and NO ACTION alike), when the referencing rows are gone too; rows that
 * a CASCADE would delete are already deleted.  SET DEFAULT children are
 * left to the server: noted.
 */
static void
children_first(StringInfo sql, FkModel *fk, char **values, List **notes)
{
	List	   *tables = list_make1_oid(fk->pk_relid);
	List	   *edges = NIL;
	StringInfoData branches;
	ListCell   *lc;
	int			ncte = 0;

	/* the foreign keys to follow: walk the tables breadth first */
	for (int t = 0; t < list_length(tables); t++)
	{
		List	   *refs = fk_model_list(InvalidOid, list_nth_oid(tables, t),
										 true, FK_LOAD_NAMES);

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
			edges = lappend(edges, child);
			if (!list_member_oid(tables, child->fk_relid))
				tables = lappend_oid(tables, child->fk_relid);
		}
	}

	appendStringInfoString(sql, "WITH RECURSIVE fk_tools_rows(rel, tid) AS (SELECT ");
	fksql_row_id(sql, "fk_tools_p");
	appendStringInfoString(sql, " FROM ");
	fksql_rel(sql, fk->pk_relid, true);
	appendStringInfoString(sql, " fk_tools_p WHERE ");
	pk_match(sql, fk, "fk_tools_p", values);
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
		appendStringInfoString(sql, " fk_tools_c WHERE (");
		fksql_row_id(sql, "fk_tools_c");
		appendStringInfoString(sql, ") IN (SELECT rel, tid FROM fk_tools_rows))");
	}
	appendStringInfoString(sql, " DELETE FROM ");
	fksql_rel(sql, fk->pk_relid, true);
	appendStringInfoString(sql, " fk_tools_c WHERE (");
	fksql_row_id(sql, "fk_tools_c");
	appendStringInfoString(sql, ") IN (SELECT rel, tid FROM fk_tools_rows)");
}

/* A text[] of n strings, NULL entries as SQL NULLs. */
static Datum
text_array(char **strings, int n)
{
	Datum	   *elems = palloc0(sizeof(Datum) * Max(n, 1));
	bool	   *elnulls = palloc0(sizeof(bool) * Max(n, 1));
	int			dims[1] = {n};
	int			lbs[1] = {1};

	for (int i = 0; i < n; i++)
	{
		elnulls[i] = strings[i] == NULL;
		if (strings[i])
			elems[i] = CStringGetTextDatum(strings[i]);
	}
	return PointerGetDatum(construct_md_array(elems, elnulls, 1, dims, lbs,
											  TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * The keys of one side as a text[] of alternating column names and
 * values (the values given, or all NULL), for pg_catalog.jsonb_object:
 * the jsonb key form of the preview, whose values the columns' input
 * functions read.
 */
static Datum
key_pairs(FkModel *fk, bool pk_side, char **values)
{
	char	  **pairs = palloc0(sizeof(char *) * 2 * fk->nkeys);

	for (int i = 0; i < fk->nkeys; i++)
	{
		pairs[2 * i] = pk_side ? fk->pk_colnames[i] : fk->fk_colnames[i];
		pairs[2 * i + 1] = values ? values[i] : NULL;
	}
	return text_array(pairs, 2 * fk->nkeys);
}

/* The same key as SQL for a user: pg_catalog.jsonb_build_object('c', 'v', ...) */
static void
key_jsonb_literal(StringInfo buf, FkModel *fk, bool pk_side, char **values)
{
	appendStringInfoString(buf, "pg_catalog.jsonb_build_object(");
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, ", ");
		fksql_typed_literal(buf, pk_side ? fk->pk_colnames[i] : fk->fk_colnames[i],
							TEXTOID, -1);
		appendStringInfoString(buf, ", ");
		fksql_typed_literal(buf, values[i], TEXTOID, -1);
	}
	appendStringInfoChar(buf, ')');
}

/* The rows a preview shows BLOCKED through the constraint named via. */
static int64
blocked_via(List *rows, const char *via)
{
	ListCell   *lc;
	int64		n = 0;

	foreach(lc, rows)
	{
		FkPreviewRow *r = lfirst(lc);

		if (strcmp(r->action, "BLOCKED") == 0 && r->via && strcmp(r->via, via) == 0)
			n += r->rows;
	}
	return n;
}

static int64
blocked_rows(List *rows)
{
	ListCell   *lc;
	int64		n = 0;

	foreach(lc, rows)
	{
		FkPreviewRow *r = lfirst(lc);

		if (strcmp(r->action, "BLOCKED") == 0)
			n += r->rows;
	}
	return n;
}

/* The row count of the preview's depth 0 (the statement's own rows). */
static int64
root_rows(List *rows)
{
	ListCell   *lc;
	int64		n = 0;

	foreach(lc, rows)
	{
		FkPreviewRow *r = lfirst(lc);

		if (r->depth == 0)
			n += r->rows;
	}
	return n;
}

/*
 * What the DELETE of the key does now, through every foreign key at every
 * depth: the cascade preview's rows, as a finding, with the call that
 * shows them.  Returns the rows (NIL, with *error set, if the preview
 * could not run).
 */
static List *
explain_cascade_now(ExplainOut *out, FkModel *fk, char **values, char **error)
{
	Oid			argtypes[2] = {REGCLASSOID, TEXTARRAYOID};
	Datum		args[2];
	List	   *rows;
	StringInfoData sql;
	StringInfoData f;
	char	   *unseen;
	int64		blocked;

	args[0] = ObjectIdGetDatum(fk->pk_relid);
	args[1] = key_pairs(fk, true, values);
	rows = fk_preview_call(ext_nsp,
						   "fk_cascade_preview($1, pg_catalog.jsonb_object($2))",
						   2, argtypes, args, error);

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT * FROM %s.fk_cascade_preview(", ext_schema());
	fksql_typed_literal(&sql, fksql_relname(fk->pk_relid), REGCLASSOID, -1);
	appendStringInfoString(&sql, ", ");
	key_jsonb_literal(&sql, fk, true, values);
	appendStringInfoString(&sql, ") ORDER BY depth, table_name::pg_catalog.text, action");
	if (*error)
	{
		emit(out, psprintf("What deleting the key would do through every foreign key could not be worked out: %s.",
						   *error),
			 NULL, sql.data);
		return NIL;
	}
	blocked = blocked_rows(rows);
	initStringInfo(&f);
	appendStringInfo(&f, "What the DELETE of this key does now, through every foreign key at every depth (fk_cascade_preview): %s.",
					 fk_preview_text(rows, 0, true, NULL));
	if (blocked > 0)
		appendStringInfo(&f, " It fails: %lld row(s) are BLOCKED.", (long long) blocked);
	else
		appendStringInfoString(&f, " Nothing blocks it now: the failing statement would succeed if run again.");
	unseen = fk_preview_unseen_text(rows, InvalidOid);
	if (unseen)
		appendStringInfo(&f, " %s", unseen);
	emit(out, f.data, NULL, sql.data);
	return rows;
}

/*
 * The rows of fk's referencing table that ON DELETE CASCADE on fk would
 * delete when the key's row goes, and what deleting them reaches, in
 * *total and *rows.  The preview runs on the current definitions, where
 * fk does not cascade, so the rows it shows BLOCKED through fk are added
 * and the preview repeated until none is left (a self reference, or a
 * cycle back into the table): one preview per level.  That needs a
 * single-column primary key to name the rows by (the preview's array
 * key); without one, only the rows referencing the key directly are
 * taken (*complete false).
 */
static void
cascade_if_switched_in_try(void *arg)
{
	SwitchedCascade *sw = (SwitchedCascade *) arg;

	cascade_if_switched(sw->fk, sw->values, &sw->total, &sw->rows,
						&sw->complete, &sw->still_blocked);
}

static void
cascade_if_switched(FkModel *fk, char **values, int64 *total, List **rows,
					bool *complete, int64 *still_blocked)
{
	char	   *pkcol;
	Oid			pktype;
	StringInfoData sql;
	Oid			argtypes[4] = {REGCLASSOID, TEXTARRAYOID, TEXTOID, NAMEOID};
	Datum		args[4];
	NameData	conname;
	bool		isnull;
	int			rc;

	args[0] = ObjectIdGetDatum(fk->fk_relid);
	if (!fk_single_pk_column(fk->fk_relid, &pkcol, &pktype))
	{
		*complete = false;
		args[1] = key_pairs(fk, false, values);
		*rows = fk_preview_call(ext_nsp,
								"fk_cascade_preview($1, pg_catalog.jsonb_object($2))",
								2, argtypes, args, NULL);
		*total = root_rows(*rows);
		*still_blocked = count_still_blocked(fk, values,
											 "fk_cascade_rows($1, pg_catalog.jsonb_object($2))",
											 args[1]);
		return;
	}
	*complete = true;

	/* the rows referencing the key directly, by primary key */
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT pg_catalog.array_agg(");
	fksql_col(&sql, "fk_tools_c", pkcol);
	appendStringInfoString(&sql, "::pg_catalog.text) FROM ");
	fksql_rel(&sql, fk->fk_relid, true);
	appendStringInfoString(&sql, " fk_tools_c WHERE EXISTS (SELECT FROM ");
	fksql_rel(&sql, fk->pk_relid, true);
	appendStringInfoString(&sql, " fk_tools_p WHERE ");
	pk_match(&sql, fk, "fk_tools_p", values);
	appendStringInfoString(&sql, " AND ");
	fksql_key_equal(&sql, fk, "fk_tools_p", "fk_tools_c");
	appendStringInfoChar(&sql, ')');
	rc = SPI_execute(sql.data, true, 0);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
	args[1] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
	{
		*total = 0;
		*rows = NIL;
		*still_blocked = count_still_blocked(fk, values, NULL, (Datum) 0);
		return;
	}
	args[1] = datumCopy(args[1], false, -1);
	SPI_freetuptable(SPI_tuptable);

	/* add the rows that the deleted ones block through fk, until none */
	namestrcpy(&conname, NameStr(fk->conname));
	args[2] = CStringGetTextDatum(pkcol);
	args[3] = NameGetDatum(&conname);
	resetStringInfo(&sql);
	appendStringInfo(&sql, "SELECT $2 OPERATOR(pg_catalog.||) pg_catalog.array_agg(DISTINCT r.affected_row OPERATOR(pg_catalog.->>) $3) FROM %s.fk_cascade_rows($1, $2) r WHERE r.action OPERATOR(pg_catalog.=) 'BLOCKED' AND r.via_constraint OPERATOR(pg_catalog.=) $4",
					 ext_schema());
	for (;;)
	{
		Datum		more;

		CHECK_FOR_INTERRUPTS();
		rc = SPI_execute_with_args(sql.data, 4, argtypes, args, NULL, true, 0);
		if (rc != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(rc));
		more = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		if (isnull ||
			ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(more)), ARR_DIMS(DatumGetArrayTypeP(more))) ==
			ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(args[1])), ARR_DIMS(DatumGetArrayTypeP(args[1]))))
			break;
		args[1] = datumCopy(more, false, -1);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_freetuptable(SPI_tuptable);
	*rows = fk_preview_call(ext_nsp, "fk_cascade_preview($1, $2)", 2,
							argtypes, args, NULL);
	*total = root_rows(*rows);
	*still_blocked = count_still_blocked(fk, values, "fk_cascade_rows($1, $2)",
										 args[1]);
}

/*
 * After switching fk to CASCADE, how many rows would still block the
 * DELETE of the key: the rows BLOCKED in the preview of fk's rows taken
 * as deleted (rows_call on $1 = fk's table, $2 = rows_key; NULL for no
 * rows) or in the preview of the key now through other constraints than
 * fk, less the rows that either preview deletes: the statement deletes
 * those anyway, and a NO ACTION check at its end does not see them.
 * Rows are matched by content (fk_cascade_rows' affected_row).
 */
static int64
count_still_blocked(FkModel *fk, char **values, const char *rows_call,
					Datum rows_key)
{
	StringInfoData sql;
	Oid			argtypes[5] = {REGCLASSOID, TEXTARRAYOID, REGCLASSOID, TEXTARRAYOID, NAMEOID};
	Datum		args[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	NameData	conname;
	char	   *ext = ext_schema();
	int			rc;
	bool		isnull;
	Datum		d;

	namestrcpy(&conname, NameStr(fk->conname));
	args[0] = ObjectIdGetDatum(fk->fk_relid);
	args[1] = rows_key;
	if (rows_call == NULL)
		nulls[1] = 'n';
	args[2] = ObjectIdGetDatum(fk->pk_relid);
	args[3] = key_pairs(fk, true, values);
	args[4] = NameGetDatum(&conname);
	initStringInfo(&sql);
	appendStringInfo(&sql, "WITH fk_tools_n AS (SELECT * FROM %s.fk_cascade_rows($3, pg_catalog.jsonb_object($4))), ",
					 ext);
	if (rows_call)
		appendStringInfo(&sql, "fk_tools_h AS (SELECT * FROM %s.%s), ", ext, rows_call);
	else
		appendStringInfo(&sql, "fk_tools_h AS (SELECT * FROM fk_tools_n WHERE false AND $1 IS NULL AND $2 IS NULL), ");
	appendStringInfoString(&sql,
						   "fk_tools_del AS (SELECT table_name, affected_row FROM fk_tools_h WHERE action OPERATOR(pg_catalog.=) 'DELETE' "
						   "UNION SELECT table_name, affected_row FROM fk_tools_n WHERE action OPERATOR(pg_catalog.=) 'DELETE') "
						   "SELECT pg_catalog.count(*) FROM (SELECT table_name, affected_row FROM fk_tools_h WHERE action OPERATOR(pg_catalog.=) 'BLOCKED' "
						   "UNION ALL SELECT table_name, affected_row FROM fk_tools_n WHERE action OPERATOR(pg_catalog.=) 'BLOCKED' AND via_constraint OPERATOR(pg_catalog.<>) $5) fk_tools_b "
						   "WHERE NOT EXISTS (SELECT FROM fk_tools_del WHERE fk_tools_del.table_name OPERATOR(pg_catalog.=) fk_tools_b.table_name "
						   "AND fk_tools_del.affected_row OPERATOR(pg_catalog.=) fk_tools_b.affected_row)");
	rc = SPI_execute_with_args(sql.data, 5, argtypes, args, nulls, true, 0);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(rc));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	SPI_freetuptable(SPI_tuptable);
	return isnull ? 0 : DatumGetInt64(d);
}

/*
 * The suggestion to make fk ON DELETE CASCADE, with what deleting the key
 * would then do: the rows of fk's table it deletes (at every depth, see
 * cascade_if_switched) and what they reach, and what the other foreign
 * keys do as now.
 */
static void
suggest_cascade(ExplainOut *out, FkModel *fk, char **values, List *now_rows,
				int64 direct)
{
	StringInfoData s;
	StringInfoData sql;
	const char *con = quote_identifier(NameStr(fk->conname));
	SwitchedCascade sw;
	char	   *failed = NULL;
	List	   *rows = NIL;
	int64		total = 0;
	int64		still_blocked = 0;
	bool		complete = true;

	initStringInfo(&s);
	appendStringInfo(&s, "Or make deleting a row of %s delete its referencing rows: ON DELETE CASCADE.",
					 fksql_relname(fk->pk_relid));

	/* the preview may fail (a table the caller cannot read): say why */
	sw.fk = fk;
	sw.values = values;
	sw.total = 0;
	sw.rows = NIL;
	sw.complete = true;
	sw.still_blocked = 0;
	failed = fk_try(cascade_if_switched_in_try, &sw, 0);
	total = sw.total;
	rows = sw.rows;
	complete = sw.complete;
	still_blocked = sw.still_blocked;

	if (failed)
		appendStringInfo(&s, " What that would delete could not be worked out: %s.", failed);
	else
	{
		char	   *below = fk_preview_text(rows, 1, false, NULL);
		char	   *others = fk_preview_text(now_rows, 0, false, NameStr(fk->conname));

		appendStringInfo(&s, " Deleting this key would then delete %lld row(s) of %s through %s",
						 (long long) total, fksql_relname(fk->fk_relid), con);
		if (total > direct)
			appendStringInfo(&s, " (%lld referencing it directly, the others referencing those through %s again)",
							 (long long) direct, con);
		appendStringInfo(&s, "; deleting those reaches: %s",
						 below[0] ? below : "nothing more");
		appendStringInfo(&s, "; the other foreign keys act as now: %s.",
						 others[0] ? others : "nothing");
		if (!complete && blocked_via(rows, NameStr(fk->conname)) > 0)
			appendStringInfo(&s, " Rows shown BLOCKED via %s would be deleted too, with what they reach in turn: not followed further, since %s has no single-column primary key to name them by.",
							 con, fksql_relname(fk->fk_relid));
		if (still_blocked > 0)
			appendStringInfo(&s, " The DELETE would still fail: %lld row(s) BLOCKED.",
							 (long long) still_blocked);
		else if (blocked_rows(rows) > 0)
			appendStringInfoString(&s, " Nothing would block it: the rows listed as BLOCKED are deleted by the same statement through another path.");
		appendStringInfo(&s, " (Worked out with fk_cascade_preview on the current definitions, for the key and for those rows of %s taken as deleted together; a row both reach is counted in both; rows are BLOCKED only if neither deletes them.)",
						 fksql_relname(fk->fk_relid));
	}
	initStringInfo(&sql);
	fksql_redefine_constraint(&sql, fk, fk->match_type, FKCONSTR_ACTION_CASCADE);
	emit(out, NULL, s.data, sql.data);
}

/*
 * The suggestion to make fk ON DELETE SET NULL, with what deleting the key
 * would then do: the update preview of setting the key columns of the
 * referencing rows to NULL (ON UPDATE actions of keys that reference
 * those columns), and the other foreign keys as now.
 */
static void
suggest_set_null(ExplainOut *out, FkModel *fk, char **values, List *now_rows)
{
	StringInfoData s;
	StringInfoData sql;
	Oid			argtypes[3] = {REGCLASSOID, TEXTARRAYOID, TEXTARRAYOID};
	Datum		args[3];
	char	   *error = NULL;
	List	   *rows;

	args[0] = ObjectIdGetDatum(fk->fk_relid);
	args[1] = key_pairs(fk, false, values);
	args[2] = key_pairs(fk, false, NULL);
	rows = fk_preview_call(ext_nsp,
						   "fk_update_preview($1, pg_catalog.jsonb_object($2), pg_catalog.jsonb_object($3))",
						   3, argtypes, args, &error);
	initStringInfo(&s);
	appendStringInfoString(&s, "Or keep the referencing rows on delete with their key set to NULL: ON DELETE SET NULL.");
	if (error)
		appendStringInfo(&s, " What that would change could not be worked out: %s.", error);
	else
	{
		char	   *below = fk_preview_text(rows, 1, false, NULL);
		char	   *others = fk_preview_text(now_rows, 0, false, NameStr(fk->conname));
		int64		blocked = blocked_rows(rows);
		ListCell   *lc;

		appendStringInfo(&s, " Deleting this key would then set (%s) to NULL in %lld row(s) of %s",
						 colnames_text(fk, false), (long long) root_rows(rows),
						 fksql_relname(fk->fk_relid));
		appendStringInfo(&s, "; that update reaches (fk_update_preview): %s",
						 below[0] ? below : "nothing more");
		appendStringInfo(&s, "; the other foreign keys act as now: %s.",
						 others[0] ? others : "nothing");
		foreach(lc, now_rows)
		{
			FkPreviewRow *r = lfirst(lc);

			if (strcmp(r->action, "BLOCKED") == 0 &&
				(r->via == NULL || strcmp(r->via, NameStr(fk->conname)) != 0))
				blocked += r->rows;
		}
		if (blocked > 0)
			appendStringInfo(&s, " The DELETE would still fail: %lld row(s) BLOCKED.",
							 (long long) blocked);
		appendStringInfo(&s, " CHECK constraints and triggers on %s are not seen by the preview.",
						 fksql_relname(fk->fk_relid));
	}
	initStringInfo(&sql);
	fksql_redefine_constraint(&sql, fk, fk->match_type, FKCONSTR_ACTION_SETNULL);
	emit(out, NULL, s.data, sql.data);
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
	List	   *now_rows;
	char	   *preview_error = NULL;
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

	/* who references this row directly, through every foreign key */
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
	emit(out, psprintf("Key %s of %s is referenced directly by: %s.",
					   key_text(fk, true, cand->values),
					   fksql_relname(fk->pk_relid), s.data),
		 NULL, NULL);

	/* and what the DELETE does through all of them, at every depth */
	now_rows = explain_cascade_now(out, fk, cand->values, &preview_error);

	/* delete the children first, at every depth, as one statement */
	initStringInfo(&sql);
	children_first(&sql, fk, cand->values, &notes);
	initStringInfo(&s);
	appendStringInfo(&s, "Delete the row of %s together with every row that keeps it from being deleted, at every depth (self references and cycles included), in one statement (one transaction); the foreign keys are checked after all of its deletes, so no order and no SET CONSTRAINTS is needed.",
					 fksql_relname(fk->pk_relid));
	foreach(lc, notes)
		appendStringInfo(&s, " Note: %s.", (char *) lfirst(lc));
	{
		char	   *unseen = fk_preview_unseen_list(now_rows, fk->pk_relid);

		if (unseen)
			appendStringInfo(&s, " Note: user %s act on these deletes as on any (a BEFORE DELETE trigger that skips rows, or a DO INSTEAD rule, can keep this from working).",
							 unseen);
	}
	emit(out, NULL, s.data, sql.data);

	/* re-point: store NULL in this constraint's referencing rows */
	for (int i = 0; i < fk->nkeys; i++)
		nullable &= !fk->fk_notnull[i];
	if (nullable)
	{
		initStringInfo(&sql);
		fksql_update_key_to_null(&sql, fk, "fk_tools_c");
		appendStringInfoString(&sql, " WHERE EXISTS (SELECT FROM ");
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

	/* change the constraint's delete action, with what that would do */
	if (fk->del_action != FKCONSTR_ACTION_CASCADE)
		suggest_cascade(out, fk, cand->values, now_rows, this_fk);
	if (fk->del_action != FKCONSTR_ACTION_SETNULL && nullable)
		suggest_set_null(out, fk, cand->values, now_rows);

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
	ext_nsp = fk_selfcall_schema(fcinfo);
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
	ext_nsp = fk_selfcall_schema(fcinfo);
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
