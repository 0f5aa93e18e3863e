/*-------------------------------------------------------------------------
 *
 * fk_suggest.c
 *	  fk_suggest: columns that look like references no foreign key
 *	  declares, judged by their names, their types and their data, each
 *	  with today's orphan count and the DDL that adds the key safely.
 *
 * Three filters, cheapest first:
 *
 *	1. Names (catalog only).  A column's name, split into lowercase words
 *	   (underscores, spaces and camelCase are word breaks; separators are
 *	   then ignored, so CustomerId, customer_id and customerid agree), must
 *	   be one a referencing column of a unique key is commonly given:
 *	     table_key         <table><key>         customer_id -> customer.id
 *	     singular_key      <singular><key>      customer_id -> customers.id
 *	     key_name          the key's own name, when it starts with its
 *	                       table's name         customer_id -> customer.customer_id
 *	                                            region -> regions.region
 *	     schema_table_key  <schema><table><key> sales_order_id -> sales.orders.id
 *	     role_key          <role> then a table_key, singular_key or
 *	                       key_name name
 *	                                            manager_staff_id -> staff.staff_id
 *	     table_suffix_key  <last words of the table><key>, for a key not
 *	                       named after its table (prefixed table names)
 *	                                            question_id -> polls_question.id
 *	     parent_key        parent<key> of the column's own table
 *	                                            parent_id -> category.id
 *	   A key named after its table is what tells the two sides of a 1:1
 *	   pair apart: customer_detail.customer_id refers to customer, never
 *	   the other way round.
 *	2. Types.  The pair must be one ADD FOREIGN KEY accepts, with the
 *	   operators it would choose (fk_model_build): a btree equality of the
 *	   key's operator family for the column's type, or implicit casts of
 *	   both to its input type.
 *	3. Data.  Of the distinct non-NULL values in (a sample of) the column,
 *	   the share found in the key must reach min_containment.  Tables
 *	   larger than sample_rows are read through TABLESAMPLE SYSTEM at the
 *	   fraction that gives about that many rows, REPEATABLE so that two
 *	   calls agree, and never more than sample_rows rows.
 *
 * Of the candidates a column keeps, the one in its own schema, then with
 * the strongest rule, then with the highest share wins.  Keys of several
 * columns are suggested when every key column has a column of the same
 * name, or of the table's name and its own, and at least one of them names
 * the table (tenant_id, customer_id -> customers (tenant_id, id)).
 *
 * The orphan count is the orphan engine's (fk_orphan_summary) on the model
 * the server itself would build, so it is exactly the number of rows the
 * real key would reject; the DDL comes from fk_fix.c.  Columns of a
 * declared foreign key are left out.  Tables the caller may not read, and
 * tables row-level security filters for the caller, are left out too.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "optimizer/plancat.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "fk_access.h"
#include "fk_fix.h"
#include "fk_model.h"
#include "fk_orphans.h"
#include "fk_spi.h"
#include "fk_sql.h"
#include "fk_store.h"
#include "fk_table.h"

PG_FUNCTION_INFO_V1(fk_suggest);

#define SUGGEST_COLS	13

/* An identifier has fewer words than bytes. */
#define MAX_WORDS		NAMEDATALEN

/*
 * A name form is the words of a name run together.  A column's name is
 * shorter than NAMEDATALEN, so longer forms can never match: they are not
 * kept.
 */
#define FORM_LEN		NAMEDATALEN

/* The naming rules, strongest first (see the file header). */
typedef enum NamingRule
{
	RULE_TABLE_KEY,
	RULE_KEY_NAME,
	RULE_SINGULAR_KEY,
	RULE_SCHEMA_TABLE_KEY,
	RULE_ROLE_KEY,
	RULE_TABLE_SUFFIX_KEY,
	RULE_PARENT_KEY
} NamingRule;

static const char *const rule_names[] = {
	"table_key", "key_name", "singular_key", "schema_table_key",
	"role_key", "table_suffix_key", "parent_key"
};

/* table_key and key_name are equally strong: both name the table as is. */
#define RULE_RANK(r)	((r) == RULE_KEY_NAME ? (int) RULE_TABLE_KEY : (int) (r))

/* The words of an identifier, lowercased. */
typedef struct Words
{
	int			n;
	char	   *w[MAX_WORDS];
} Words;

/* A table fk_suggest looks at, as a referencing or a referenced table. */
typedef struct SugTable
{
	Oid			relid;
	char	   *nspname;
	char	   *relname;
	Oid			nspid;
	int			natts;
	Words		words;			/* of relname */
	Words		nspwords;
	List	   *keys;			/* FkUniqueKey: what it may be referenced by */
} SugTable;

/* What a name form points at: a single-column key, through a rule. */
typedef struct FormTarget
{
	SugTable   *parent;
	FkUniqueKey *key;
	NamingRule	rule;
	bool		role_ok;		/* may follow a role prefix (role_key) */
} FormTarget;

typedef struct FormEntry
{
	char		form[FORM_LEN]; /* hash key */
	List	   *targets;		/* FormTarget */
} FormEntry;

/* A name a referencing column may have for one column of a composite key. */
typedef struct KeyColumnName
{
	char		form[FORM_LEN];
	NamingRule	rule;
	bool		named;			/* names the referenced table */
} KeyColumnName;

/*
 * A unique key of several columns, with the names a referencing column may
 * have for each key column, those that name the table first.
 */
typedef struct CompositeKey
{
	SugTable   *parent;
	FkUniqueKey *key;
	List	   *names[INDEX_MAX_KEYS];	/* KeyColumnName */
} CompositeKey;

/* A column of the referencing table being looked at. */
typedef struct SugColumn
{
	AttrNumber	attnum;
	Words		words;
	char		form[FORM_LEN]; /* all its words run together */
	bool		covered;		/* part of a declared foreign key */
} SugColumn;

/* One possible reference, and what the data says about it. */
typedef struct Candidate
{
	SugTable   *parent;
	NamingRule	rule;
	int			nkeys;
	AttrNumber	fk_attnums[INDEX_MAX_KEYS];
	AttrNumber	pk_attnums[INDEX_MAX_KEYS];
	Oid			opclasses[INDEX_MAX_KEYS];
	FkModel    *fk;
	bool		has_share;		/* false: no non-NULL value to judge by */
	double		share;
	int64		sample_rows;
	int64		distinct_keys;
	bool		sampled;
} Candidate;

/* What one call works with. */
typedef struct SuggestState
{
	ReturnSetInfo *rsinfo;
	List	   *tables;			/* SugTable, by schema and name */
	HTAB	   *forms;
	List	   *composites;		/* CompositeKey */
	double		min_share;
	int32		sample_rows;
	List	   *taken_names;	/* constraint names handed out so far */
	MemoryContext callcxt;
} SuggestState;

static List *listed_tables(Oid *nspids, int nnsp);
static bool schema_listed(Oid nspid, Oid *nspids, int nnsp);
static int	sug_table_cmp(const ListCell *a, const ListCell *b);
static void split_words(const char *ident, Words *out);
static bool words_form(const Words *w, int from, int to, char *out);
static bool words_form2(const Words *a, const Words *b, const Words *c,
						char *out);
static int	singular_forms(const char *word, char out[][NAMEDATALEN], int max);
static int	table_variants(const Words *table, Words *out, int max);
static int	key_named_after(const Words *key, const Words *variants,
							int nvariants);
static HTAB *build_forms(List *tables);
static List *build_composites(List *tables);
static int	form_cmp(const void *a, const void *b);
static void add_form(HTAB *forms, const char *form, SugTable *parent,
					 FkUniqueKey *key, NamingRule rule, bool role_ok);
static void suggest_for_table(SuggestState *st, SugTable *child);
static SugColumn *load_columns(SugTable *child, int *ncols);
static List *name_candidates(SuggestState *st, SugTable *child,
							 SugColumn *col);
static bool inherited_key(SugTable *child, Candidate *c);
static void add_candidate(List **cands, SugTable *parent, FkUniqueKey *key,
						  NamingRule rule, AttrNumber attnum);
static List *composite_candidates(SuggestState *st, SugTable *child,
								  SugColumn *cols, int ncols);
static bool judge(SuggestState *st, SugTable *child, Candidate *c);
static void measure_share(SuggestState *st, Candidate *c);
static double estimated_rows(Oid relid, bool *heap_only);
static int	candidate_cmp(SugTable *child, Candidate *a, Candidate *b);
static void put_suggestion(SuggestState *st, Candidate *c);

/*
 * fk_suggest(schemas name[] DEFAULT NULL,
 *			  min_containment double precision DEFAULT 0.9,
 *			  sample_rows integer DEFAULT 100000)
 *	  RETURNS TABLE(table_name regclass, columns name[],
 *					referenced_table regclass, referenced_columns name[],
 *					naming_rule text, containment double precision,
 *					sample_rows bigint, distinct_keys bigint,
 *					sampled boolean, orphan_rows bigint,
 *					constraint_name name, ddl text, validate_ddl text)
 *
 * The references fk_suggest finds in the tables of schemas (NULL: every
 * schema but the system ones), referencing and referenced tables both
 * taken from there; partitions count as their partitioned table.
 * AccessShareLock on the tables whose data it reads; the names and types
 * are judged from the catalogs before any table is locked or read.
 */
Datum
fk_suggest(PG_FUNCTION_ARGS)
{
	SuggestState st;
	Oid		   *nspids = NULL;
	int			nnsp = -1;		/* -1: every non-system schema */
	ListCell   *lc;
	MemoryContext tablecxt;
	MemoryContext oldcxt;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null",
						PG_ARGISNULL(1) ? "min_containment" : "sample_rows"),
				 errhint("Leave the argument out to use its default.")));
	memset(&st, 0, sizeof(st));
	st.min_share = PG_GETARG_FLOAT8(1);
	st.sample_rows = PG_GETARG_INT32(2);
	if (!(st.min_share >= 0.0 && st.min_share <= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_containment must be between 0 and 1"),
				 errdetail("It is the share of a column's distinct values that must be found in the referenced key.")));
	if (st.sample_rows < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sample_rows must be at least 1"),
				 errdetail("It is the number of rows read from each referencing table to measure the containment.")));

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

	InitMaterializedSRF(fcinfo, 0);
	st.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	st.callcxt = CurrentMemoryContext;
	st.tables = listed_tables(nspids, nnsp);
	st.forms = build_forms(st.tables);
	st.composites = build_composites(st.tables);

	tablecxt = AllocSetContextCreate(CurrentMemoryContext, "fk_suggest table",
									 ALLOCSET_DEFAULT_SIZES);
	fk_spi_connect();
	foreach(lc, st.tables)
	{
		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(tablecxt);
		suggest_for_table(&st, lfirst(lc));
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(tablecxt);
	}
	fk_spi_finish();
	hash_destroy(st.forms);
	PG_RETURN_VOID();
}

/*
 * The tables and partitioned tables of the listed schemas (nnsp < 0:
 * every schema but pg_catalog, information_schema, TOAST and temporary
 * ones), partitions excepted, by schema and name, with their unique keys.
 * One pass over pg_class; no table is locked.
 */
static List *
listed_tables(Oid *nspids, int nnsp)
{
	Relation	classrel;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *result = NIL;
	ListCell   *lc;
	Oid			own_nspid = fk_store_schema();

	classrel = table_open(RelationRelationId, AccessShareLock);
	scan = systable_beginscan(classrel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);
		SugTable   *t;

		CHECK_FOR_INTERRUPTS();
		if ((cls->relkind != RELKIND_RELATION &&
			 cls->relkind != RELKIND_PARTITIONED_TABLE) ||
			cls->relispartition ||
			!schema_listed(cls->relnamespace, nspids, nnsp))
			continue;
		/* fk_tools' own tables (check results, audit) are no user data */
		if (cls->relnamespace == own_nspid && fk_store_owns(cls->oid))
			continue;
		t = palloc0(sizeof(SugTable));
		t->relid = cls->oid;
		t->relname = pstrdup(NameStr(cls->relname));
		t->nspid = cls->relnamespace;
		t->nspname = get_namespace_name(cls->relnamespace);
		t->natts = cls->relnatts;
		split_words(t->relname, &t->words);
		split_words(t->nspname, &t->nspwords);
		result = lappend(result, t);
	}
	systable_endscan(scan);
	table_close(classrel, AccessShareLock);

	list_sort(result, sug_table_cmp);
	foreach(lc, result)
	{
		SugTable   *t = lfirst(lc);

		t->keys = fk_table_unique_keys(t->relid);
	}
	return result;
}

/* Is the schema one fk_suggest looks at?  (see listed_tables) */
static bool
schema_listed(Oid nspid, Oid *nspids, int nnsp)
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
	return nspid != get_namespace_oid("information_schema", true);
}

static int
sug_table_cmp(const ListCell *a, const ListCell *b)
{
	SugTable   *ta = lfirst(a);
	SugTable   *tb = lfirst(b);
	int			c = strcmp(ta->nspname, tb->nspname);

	return c != 0 ? c : strcmp(ta->relname, tb->relname);
}

/* ASCII classes; other bytes (UTF-8 sequences) are letters of no case. */
#define IS_LOWER(c) ((c) >= 'a' && (c) <= 'z')
#define IS_UPPER(c) ((c) >= 'A' && (c) <= 'Z')
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define IS_WORDCHAR(c) (IS_LOWER(c) || IS_UPPER(c) || IS_DIGIT(c) || IS_HIGHBIT_SET(c))

/*
 * Split an identifier into lowercase words: a character that is not a
 * letter or digit separates words, and so does a case change, before an
 * upper-case letter that follows a lower-case letter or a digit, or that
 * starts a capitalised word after an acronym (HTTPServer: http, server).
 */
static void
split_words(const char *ident, Words *out)
{
	int			len = strlen(ident);
	char		word[NAMEDATALEN * 2];
	int			wlen = 0;

	out->n = 0;
	for (int i = 0; i <= len; i++)
	{
		unsigned char c = (unsigned char) ident[i];
		bool		wordchar = (i < len && IS_WORDCHAR(c));
		bool		brk = !wordchar;

		if (wordchar && wlen > 0 && IS_UPPER(c))
		{
			unsigned char prev = (unsigned char) ident[i - 1];
			unsigned char next = (unsigned char) ident[i + 1];

			brk = IS_LOWER(prev) || IS_DIGIT(prev) ||
				(IS_UPPER(prev) && IS_LOWER(next));
		}
		if (brk && wlen > 0 && out->n < MAX_WORDS)
		{
			word[wlen] = '\0';
			out->w[out->n++] = pstrdup(word);
			wlen = 0;
		}
		if (wordchar && wlen < (int) sizeof(word) - 1)
			word[wlen++] = pg_ascii_tolower(c);
	}
}

/* words from..to-1 run together into out (FORM_LEN); false if too long */
static bool
words_form(const Words *w, int from, int to, char *out)
{
	int			len = 0;

	for (int i = from; i < to; i++)
	{
		int			l = strlen(w->w[i]);

		if (len + l >= FORM_LEN)
			return false;
		memcpy(out + len, w->w[i], l);
		len += l;
	}
	out[len] = '\0';
	return len > 0;
}

/* the words of a, b and c (any may be NULL) run together */
static bool
words_form2(const Words *a, const Words *b, const Words *c, char *out)
{
	Words		all;

	all.n = 0;
	for (int k = 0; k < 3; k++)
	{
		const Words *w = (k == 0 ? a : k == 1 ? b : c);

		if (w == NULL)
			continue;
		for (int i = 0; i < w->n && all.n < MAX_WORDS; i++)
			all.w[all.n++] = w->w[i];
	}
	return words_form(&all, 0, all.n, out);
}

/*
 * The singulars an English plural word may have, as candidates (a wrong
 * one matches no column, so offering several is harmless): irregular
 * plurals, -ies (category, movie), -ves (shelf, knife, drive), -es after
 * s, x, z, ch, sh, o (address, box, match), -ses (analysis), and a plain
 * final s, but not of -ss, -us, -is (address, status, analysis are
 * singular).  Returns how many were written to out; none for a word that
 * does not look plural.
 */
static int
singular_forms(const char *word, char out[][NAMEDATALEN], int max)
{
	static const char *const irregular[][2] = {
		{"people", "person"}, {"men", "man"}, {"women", "woman"},
		{"children", "child"}, {"mice", "mouse"}, {"geese", "goose"},
		{"feet", "foot"}, {"teeth", "tooth"}, {"criteria", "criterion"},
		{"phenomena", "phenomenon"}, {"indices", "index"},
		{"matrices", "matrix"}, {"vertices", "vertex"}, {"oxen", "ox"}
	};
	int			len = strlen(word);
	int			n = 0;

#define ENDS(s) (len > (int) strlen(s) && strcmp(word + len - strlen(s), (s)) == 0)
#define ADD(cut, tail) \
	do { \
		if (n < max && len - (cut) + (int) strlen(tail) < NAMEDATALEN) \
		{ \
			memcpy(out[n], word, len - (cut)); \
			strcpy(out[n] + len - (cut), (tail)); \
			n++; \
		} \
	} while (0)

	for (int i = 0; i < lengthof(irregular); i++)
	{
		int			il = strlen(irregular[i][0]);

		/* whole word, or its end after a prefix (salespeople) */
		if (len >= il && strcmp(word + len - il, irregular[i][0]) == 0 &&
			n < max && len - il + strlen(irregular[i][1]) < NAMEDATALEN)
		{
			memcpy(out[n], word, len - il);
			strcpy(out[n] + len - il, irregular[i][1]);
			n++;
		}
	}
	if (ENDS("ies"))
	{
		ADD(3, "y");
		ADD(1, "");
	}
	else if (ENDS("ves"))
	{
		ADD(3, "f");
		ADD(3, "fe");
		ADD(1, "");
	}
	else if (ENDS("zzes"))
	{
		ADD(3, "");
		ADD(1, "");
	}
	else if (ENDS("ses"))
	{
		ADD(2, "");
		ADD(1, "");
		ADD(2, "is");
	}
	else if (ENDS("xes") || ENDS("zes") || ENDS("ches") || ENDS("shes") ||
			 ENDS("oes"))
	{
		ADD(2, "");
		ADD(1, "");
	}
	else if (ENDS("s") && !ENDS("ss") && !ENDS("us") && !ENDS("is"))
		ADD(1, "");
#undef ENDS
#undef ADD
	return n;
}

/*
 * The table's name as written, then with its last word singular in each
 * way singular_forms offers: the names a column may use for the table.
 * Returns how many (at least 1).
 */
static int
table_variants(const Words *table, Words *out, int max)
{
	char		sing[8][NAMEDATALEN];
	int			nsing;
	int			n = 1;

	out[0] = *table;
	if (table->n == 0)
		return 1;
	nsing = singular_forms(table->w[table->n - 1], sing, lengthof(sing));
	for (int i = 0; i < nsing && n < max; i++)
	{
		out[n] = *table;
		out[n].w[table->n - 1] = pstrdup(sing[i]);
		n++;
	}
	return n;
}

/*
 * Does the key column's name start with its table's name (customer_id of
 * customer, MediaTypeId of media_type, region of regions)?  Returns the
 * index of the matching variant, or -1.
 */
static int
key_named_after(const Words *key, const Words *variants, int nvariants)
{
	char		head[FORM_LEN];
	char		tv[FORM_LEN];

	for (int j = 1; j <= key->n; j++)
	{
		if (!words_form(key, 0, j, head))
			return -1;
		for (int v = 0; v < nvariants; v++)
			if (words_form(&variants[v], 0, variants[v].n, tv) &&
				strcmp(head, tv) == 0)
				return v;
	}
	return -1;
}

/*
 * The name forms of every single-column key of the tables: for each, the
 * forms a referencing column's name may take (see the file header),
 * hashed by form.  Catalog reads only.
 */
static HTAB *
build_forms(List *tables)
{
	HASHCTL		ctl;
	HTAB	   *forms;
	ListCell   *lc;
	ListCell   *lk;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = FORM_LEN;
	ctl.entrysize = sizeof(FormEntry);
	ctl.hcxt = CurrentMemoryContext;
	forms = hash_create("fk_suggest name forms", 256, &ctl,
						HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

	foreach(lc, tables)
	{
		SugTable   *t = lfirst(lc);
		Words		variants[8];
		int			nvariants = table_variants(&t->words, variants,
											   lengthof(variants));

		CHECK_FOR_INTERRUPTS();
		foreach(lk, t->keys)
		{
			FkUniqueKey *key = lfirst(lk);
			char	   *attname;
			Words		kw;
			char		form[FORM_LEN];
			bool		named_after;

			if (key->nkeys != 1)
				continue;
			attname = get_attname(t->relid, key->attnums[0], true);
			if (attname == NULL)
				continue;
			split_words(attname, &kw);
			if (kw.n == 0)
				continue;
			named_after = key_named_after(&kw, variants, nvariants) >= 0;

			/* customer + id, customers + customer_id (never matches), ... */
			for (int v = 0; v < nvariants; v++)
			{
				if (words_form2(&variants[v], &kw, NULL, form))
					add_form(forms, form, t, key,
							 v == 0 ? RULE_TABLE_KEY : RULE_SINGULAR_KEY, true);
				if (words_form2(&t->nspwords, &variants[v], &kw, form))
					add_form(forms, form, t, key, RULE_SCHEMA_TABLE_KEY, false);
			}
			if (named_after && words_form(&kw, 0, kw.n, form))
				add_form(forms, form, t, key, RULE_KEY_NAME, true);

			/* polls_question.id: question_id */
			if (!named_after && t->words.n >= 2)
			{
				for (int from = 1; from < t->words.n; from++)
				{
					Words		suffix;
					Words		sv[8];
					int			nsv;

					suffix.n = 0;
					for (int i = from; i < t->words.n; i++)
						suffix.w[suffix.n++] = t->words.w[i];
					nsv = table_variants(&suffix, sv, lengthof(sv));
					for (int v = 0; v < nsv; v++)
						if (words_form2(&sv[v], &kw, NULL, form))
							add_form(forms, form, t, key, RULE_TABLE_SUFFIX_KEY, false);
				}
			}
		}
	}
	return forms;
}

/* Record that form points at the key through rule (the strongest rule kept). */
static void
add_form(HTAB *forms, const char *form, SugTable *parent, FkUniqueKey *key,
		 NamingRule rule, bool role_ok)
{
	FormEntry  *e;
	bool		found;
	ListCell   *lc;
	FormTarget *t;

	e = hash_search(forms, form, HASH_ENTER, &found);
	if (!found)
		e->targets = NIL;
	foreach(lc, e->targets)
	{
		t = lfirst(lc);
		if (t->parent == parent && t->key == key)
		{
			if (RULE_RANK(rule) < RULE_RANK(t->rule))
				t->rule = rule;
			t->role_ok |= role_ok;
			return;
		}
	}
	t = palloc(sizeof(FormTarget));
	t->parent = parent;
	t->key = key;
	t->rule = rule;
	t->role_ok = role_ok;
	e->targets = lappend(e->targets, t);
}

/*
 * The suggestions for one referencing table: per column, the best of the
 * single-column candidates its name points at that survive the type and
 * data checks; then keys of several columns.  Runs in a memory context
 * reset after the table.
 */
static void
suggest_for_table(SuggestState *st, SugTable *child)
{
	int			ncols;
	SugColumn  *cols = load_columns(child, &ncols);
	List	   *chosen = NIL;
	ListCell   *lc;

	for (int i = 0; i < ncols; i++)
	{
		List	   *cands;
		Candidate  *best = NULL;

		if (cols[i].covered)
			continue;
		cands = name_candidates(st, child, &cols[i]);
		foreach(lc, cands)
		{
			Candidate  *c = lfirst(lc);

			CHECK_FOR_INTERRUPTS();
			if (!judge(st, child, c))
				continue;
			if (best == NULL || candidate_cmp(child, c, best) < 0)
				best = c;
		}
		if (best)
			chosen = lappend(chosen, best);
	}

	foreach(lc, composite_candidates(st, child, cols, ncols))
	{
		Candidate  *c = lfirst(lc);
		bool		redundant = false;
		ListCell   *lc2;

		CHECK_FOR_INTERRUPTS();

		/* a single column already points at that table: that is the key */
		foreach(lc2, chosen)
		{
			Candidate  *s = lfirst(lc2);

			for (int k = 0; k < c->nkeys && !redundant; k++)
				redundant = (s->nkeys == 1 && s->parent == c->parent &&
							 s->fk_attnums[0] == c->fk_attnums[k]);
		}
		if (!redundant && judge(st, child, c))
			chosen = lappend(chosen, c);
	}

	foreach(lc, chosen)
		put_suggestion(st, lfirst(lc));
}

/*
 * The live columns of the table, with their name words and whether a
 * declared foreign key of the table (or one cloned onto it), or a
 * declared-only reference (fk_declare), uses them.
 */
static SugColumn *
load_columns(SugTable *child, int *ncols)
{
	SugColumn  *cols = palloc0(sizeof(SugColumn) * Max(child->natts, 1));
	List	   *declared = fk_model_list(child->relid, false, FK_LOAD_REFS);
	int			n = 0;

	for (AttrNumber att = 1; att <= child->natts; att++)
	{
		HeapTuple	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(child->relid),
										  Int16GetDatum(att));
		Form_pg_attribute a;
		ListCell   *lc;

		if (!HeapTupleIsValid(tup))
			continue;
		a = (Form_pg_attribute) GETSTRUCT(tup);
		if (a->attisdropped)
		{
			ReleaseSysCache(tup);
			continue;
		}
		cols[n].attnum = att;
		split_words(NameStr(a->attname), &cols[n].words);
		ReleaseSysCache(tup);
		if (!words_form(&cols[n].words, 0, cols[n].words.n, cols[n].form))
			cols[n].form[0] = '\0';
		foreach(lc, declared)
		{
			FkModel    *fk = lfirst(lc);

			for (int k = 0; k < fk->nkeys; k++)
				cols[n].covered |= (fk->fk_attnums[k] == att);
		}
		n++;
	}
	*ncols = n;
	return cols;
}

/*
 * The single-column keys the column's name points at (catalog only): its
 * whole name, then each of its endings after a role prefix, then
 * parent<key> for the table's own keys.  The column itself is never its
 * own candidate.
 */
static List *
name_candidates(SuggestState *st, SugTable *child, SugColumn *col)
{
	List	   *cands = NIL;
	FormEntry  *e;
	ListCell   *lc;
	char		form[FORM_LEN];

	if (col->form[0] == '\0')
		return NIL;
	e = hash_search(st->forms, col->form, HASH_FIND, NULL);
	if (e)
		foreach(lc, e->targets)
		{
			FormTarget *t = lfirst(lc);

			add_candidate(&cands, t->parent, t->key, t->rule, col->attnum);
		}
	for (int from = 1; from < col->words.n; from++)
	{
		if (!words_form(&col->words, from, col->words.n, form))
			continue;
		e = hash_search(st->forms, form, HASH_FIND, NULL);
		if (e == NULL)
			continue;
		foreach(lc, e->targets)
		{
			FormTarget *t = lfirst(lc);

			if (t->role_ok)
				add_candidate(&cands, t->parent, t->key, RULE_ROLE_KEY,
							  col->attnum);
		}
	}
	if (col->words.n >= 2 && strcmp(col->words.w[0], "parent") == 0 &&
		words_form(&col->words, 1, col->words.n, form))
	{
		foreach(lc, child->keys)
		{
			FkUniqueKey *key = lfirst(lc);
			char	   *attname;
			Words		kw;
			char		kf[FORM_LEN];

			if (key->nkeys != 1 ||
				(attname = get_attname(child->relid, key->attnums[0], true)) == NULL)
				continue;
			split_words(attname, &kw);
			if (words_form(&kw, 0, kw.n, kf) && strcmp(kf, form) == 0)
				add_candidate(&cands, child, key, RULE_PARENT_KEY, col->attnum);
		}
	}

	/* never the key itself, nor its copy in an inheritance child */
	foreach(lc, cands)
	{
		Candidate  *c = lfirst(lc);

		if ((c->parent == child && c->pk_attnums[0] == col->attnum) ||
			inherited_key(child, c))
			cands = foreach_delete_current(cands, lc);
	}
	return cands;
}

/*
 * Is the candidate's column the copy of the referenced key that one of the
 * two tables inherited from the other (payment_p2007_01.payment_id of
 * payment)?  The two share the key by construction: the rows of a child
 * are never rows of its parent, so it is no reference.
 */
static bool
inherited_key(SugTable *child, Candidate *c)
{
	char	   *fkname;
	char	   *pkname;

	if (c->parent == child)
		return false;
	fkname = get_attname(child->relid, c->fk_attnums[0], true);
	pkname = get_attname(c->parent->relid, c->pk_attnums[0], true);
	if (fkname == NULL || pkname == NULL || strcmp(fkname, pkname) != 0)
		return false;
	return list_member_oid(find_all_inheritors(c->parent->relid, NoLock, NULL),
						   child->relid) ||
		list_member_oid(find_all_inheritors(child->relid, NoLock, NULL),
						c->parent->relid);
}

/* Add a single-column candidate, or strengthen the rule of one listed. */
static void
add_candidate(List **cands, SugTable *parent, FkUniqueKey *key,
			  NamingRule rule, AttrNumber attnum)
{
	ListCell   *lc;
	Candidate  *c;

	foreach(lc, *cands)
	{
		c = lfirst(lc);
		if (c->parent == parent && c->pk_attnums[0] == key->attnums[0])
		{
			if (RULE_RANK(rule) < RULE_RANK(c->rule))
				c->rule = rule;
			return;
		}
	}
	c = palloc0(sizeof(Candidate));
	c->parent = parent;
	c->rule = rule;
	c->nkeys = 1;
	c->fk_attnums[0] = attnum;
	c->pk_attnums[0] = key->attnums[0];
	c->opclasses[0] = key->opclasses[0];
	*cands = lappend(*cands, c);
}

/*
 * The keys of several columns of the tables, each key column with the
 * names a referencing column may have for it: the referenced table's name
 * (or singular) and the key column's name (table_key, singular_key), the
 * key column's own name when it starts with the table's name (key_name),
 * else its own name, which does not name the table.  Catalog reads only.
 */
static List *
build_composites(List *tables)
{
	List	   *result = NIL;
	ListCell   *lt;
	ListCell   *lk;

	foreach(lt, tables)
	{
		SugTable   *t = lfirst(lt);
		Words		variants[8];
		int			nvariants = 0;

		foreach(lk, t->keys)
		{
			FkUniqueKey *key = lfirst(lk);
			CompositeKey *ck;
			bool		ok = true;

			if (key->nkeys < 2)
				continue;
			CHECK_FOR_INTERRUPTS();
			if (nvariants == 0)
				nvariants = table_variants(&t->words, variants, lengthof(variants));
			ck = palloc0(sizeof(CompositeKey));
			ck->parent = t;
			ck->key = key;
			for (int k = 0; k < key->nkeys && ok; k++)
			{
				char	   *attname = get_attname(t->relid, key->attnums[k], true);
				Words		kw;
				KeyColumnName *n;

				ok = false;
				if (attname == NULL)
					break;
				split_words(attname, &kw);
				for (int v = 0; v < nvariants; v++)
				{
					n = palloc(sizeof(KeyColumnName));
					if (!words_form2(&variants[v], &kw, NULL, n->form))
						continue;
					n->rule = v == 0 ? RULE_TABLE_KEY : RULE_SINGULAR_KEY;
					n->named = true;
					ck->names[k] = lappend(ck->names[k], n);
				}
				n = palloc(sizeof(KeyColumnName));
				if (!words_form(&kw, 0, kw.n, n->form))
					break;
				n->named = key_named_after(&kw, variants, nvariants) >= 0;
				n->rule = RULE_KEY_NAME;
				ck->names[k] = n->named ? lcons(n, ck->names[k]) :
					lappend(ck->names[k], n);
				ok = true;
			}
			if (ok)
				result = lappend(result, ck);
		}
	}
	return result;
}

/* bsearch/qsort over SugColumn pointers by name form */
static int
form_cmp(const void *a, const void *b)
{
	return strcmp((*(SugColumn *const *) a)->form, (*(SugColumn *const *) b)->form);
}

/*
 * Keys of several columns the table's columns match: for every key
 * column, a column with one of the names build_composites lists for it
 * (the first that exists); at least one of them must name the referenced
 * table, or two tables that share column names (tenant_id, id) would look
 * like references to each other.  Columns of a declared key, and a key
 * matched by its own columns, are left out.  Catalog only.
 */
static List *
composite_candidates(SuggestState *st, SugTable *child, SugColumn *cols,
					 int ncols)
{
	List	   *result = NIL;
	SugColumn **byform = palloc(sizeof(SugColumn *) * Max(ncols, 1));
	int			nbyform = 0;
	ListCell   *lc;

	for (int i = 0; i < ncols; i++)
		if (cols[i].form[0] != '\0')
			byform[nbyform++] = &cols[i];
	qsort(byform, nbyform, sizeof(SugColumn *), form_cmp);

	foreach(lc, st->composites)
	{
		CompositeKey *ck = lfirst(lc);
		Candidate  *c;
		bool		any_named = false;
		bool		ok = true;
		bool		identity = (ck->parent == child);
		bool		all_covered = true;

		CHECK_FOR_INTERRUPTS();
		c = palloc0(sizeof(Candidate));
		c->parent = ck->parent;
		c->nkeys = ck->key->nkeys;
		for (int k = 0; k < c->nkeys && ok; k++)
		{
			SugColumn  *found = NULL;
			KeyColumnName *name = NULL;
			ListCell   *ln;

			foreach(ln, ck->names[k])
			{
				SugColumn	probe;
				SugColumn  *pp = &probe;
				SugColumn **hit;

				name = lfirst(ln);
				strlcpy(probe.form, name->form, FORM_LEN);
				hit = bsearch(&pp, byform, nbyform, sizeof(SugColumn *), form_cmp);
				if (hit)
				{
					found = *hit;
					break;
				}
			}
			if (found == NULL)
			{
				ok = false;
				break;
			}
			if (name->named &&
				(!any_named || RULE_RANK(name->rule) < RULE_RANK(c->rule)))
				c->rule = name->rule;
			any_named |= name->named;
			c->fk_attnums[k] = found->attnum;
			c->pk_attnums[k] = ck->key->attnums[k];
			c->opclasses[k] = ck->key->opclasses[k];
			identity &= (found->attnum == ck->key->attnums[k]);
			all_covered &= found->covered;
			for (int j = 0; j < k; j++)
				ok &= (c->fk_attnums[j] != c->fk_attnums[k]);
		}
		if (ok && any_named && !identity && !all_covered)
			result = lappend(result, c);
		else
			pfree(c);
	}
	return result;
}

/*
 * Does the candidate survive the type and data checks?  First from the
 * catalogs alone: the server must accept the pair of types, and the caller
 * must be able to read both keys without row-level security in the way
 * (else the table is left out, unread and unlocked).  Then both tables are
 * locked (AccessShareLock), the model built again from what is committed
 * now, and the share measured.
 */
static bool
judge(SuggestState *st, SugTable *child, Candidate *c)
{
	int			bad;
	FkModel    *fk;

	fk = fk_model_build(child->relid, c->parent->relid, c->nkeys,
						c->fk_attnums, c->pk_attnums, c->opclasses,
						FKCONSTR_MATCH_SIMPLE, &bad);
	if (fk == NULL || fk_unreadable_reason(fk) != NULL ||
		fk_rls_hides_rows(child->relid))
		return false;

	LockRelationOid(child->relid, AccessShareLock);
	LockRelationOid(c->parent->relid, AccessShareLock);
	c->fk = fk_model_build(child->relid, c->parent->relid, c->nkeys,
						   c->fk_attnums, c->pk_attnums, c->opclasses,
						   FKCONSTR_MATCH_SIMPLE, &bad);
	if (c->fk == NULL)
		return false;
	measure_share(st, c);
	return !c->has_share || c->share >= st->min_share;
}

/*
 * The share of the distinct complete keys of (a sample of) the referencing
 * table found in the referenced key, compared the way the key would
 * compare them:
 *
 *   WITH fk_tools_s AS (SELECT <key columns> FROM <child>
 *                       [TABLESAMPLE SYSTEM ($1) REPEATABLE (0)] LIMIT $2)
 *   SELECT (SELECT count(*) FROM fk_tools_s), count(*),
 *          count(*) FILTER (WHERE EXISTS (<a referenced row matches>))
 *     FROM (SELECT DISTINCT <key as the key compares it> FROM fk_tools_s
 *            WHERE <complete>) fk_tools_d
 */
static void
measure_share(SuggestState *st, Candidate *c)
{
	FkModel    *fk = c->fk;
	StringInfoData sql;
	FkParams   *params = fk_params_new();
	bool		heap_only;
	double		est = estimated_rows(fk->fk_relid, &heap_only);
	bool		tablesample = heap_only && est > st->sample_rows;
	TupleDesc	desc;
	HeapTuple	tup;
	bool		isnull;
	int			limit_param;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "WITH fk_tools_s AS (SELECT ");
	fksql_key_list(&sql, fk, false, "fk_tools_c");
	appendStringInfoString(&sql, " FROM ");
	fksql_rel(&sql, fk->fk_relid, true);
	appendStringInfoString(&sql, " fk_tools_c");
	if (tablesample)
	{
		int			pct_param = fk_param_add(params, FLOAT4OID,
											 Float4GetDatum((float4) (100.0 * st->sample_rows / est)),
											 false);

		appendStringInfo(&sql, " TABLESAMPLE SYSTEM ($%d) REPEATABLE (0)", pct_param);
	}
	limit_param = fk_param_add(params, INT8OID, Int64GetDatum(st->sample_rows), false);
	appendStringInfo(&sql, " LIMIT $%d) SELECT (SELECT pg_catalog.count(*) FROM fk_tools_s), "
					 "pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE EXISTS (SELECT FROM ",
					 limit_param);
	fksql_rel(&sql, fk->pk_relid, true);
	appendStringInfoString(&sql, " fk_tools_p WHERE ");
	fksql_key_equal(&sql, fk, "fk_tools_p", "fk_tools_d");
	appendStringInfoString(&sql, ")) FROM (SELECT DISTINCT ");
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (i > 0)
			appendStringInfoString(&sql, ", ");
		fksql_key_group_item(&sql, fk, "fk_tools_s", i);
		appendStringInfoString(&sql, " AS ");
		fksql_ident(&sql, fk->fk_colnames[i]);
	}
	appendStringInfoString(&sql, " FROM fk_tools_s WHERE ");
	fksql_key_complete(&sql, fk, "fk_tools_s", false);
	appendStringInfoString(&sql, ") fk_tools_d");

	tup = fk_spi_one_row(sql.data, params, &desc);
	c->sample_rows = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	c->distinct_keys = DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
	c->has_share = c->distinct_keys > 0;
	c->share = c->has_share ?
		(double) DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull)) / c->distinct_keys : 0;
	c->sampled = tablesample || c->sample_rows >= st->sample_rows;
	SPI_freetuptable(SPI_tuptable);
	pfree(sql.data);
}

/*
 * The planner's estimate of the rows of a table, or of the leaves of a
 * partition tree, locking each (AccessShareLock, kept: they are read next).
 * *heap_only is false when a leaf is not a plain table (a foreign table):
 * TABLESAMPLE SYSTEM is then not used.
 */
static double
estimated_rows(Oid relid, bool *heap_only)
{
	List	   *leaves;
	ListCell   *lc;
	double		total = 0;

	*heap_only = true;
	if (get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE)
		leaves = find_all_inheritors(relid, AccessShareLock, NULL);
	else
		leaves = list_make1_oid(relid);
	foreach(lc, leaves)
	{
		Oid			leaf = lfirst_oid(lc);
		char		relkind = get_rel_relkind(leaf);
		Relation	rel;
		BlockNumber pages;
		double		tuples;
		double		allvisfrac;

		if (relkind == RELKIND_PARTITIONED_TABLE)
			continue;
		if (relkind != RELKIND_RELATION)
		{
			*heap_only = false;
			continue;
		}
		rel = relation_open(leaf, AccessShareLock);
		estimate_rel_size(rel, NULL, &pages, &tuples, &allvisfrac);
		relation_close(rel, NoLock);
		total += Max(tuples, 0);
	}
	return total;
}

/*
 * Which of two surviving candidates of a column is the better one: in the
 * column's own schema, then by the stronger rule, then by the higher
 * share (a column without values to judge by last), then by name.
 */
static int
candidate_cmp(SugTable *child, Candidate *a, Candidate *b)
{
	bool		a_here = (a->parent->nspid == child->nspid);
	bool		b_here = (b->parent->nspid == child->nspid);
	int			c;

	if (a_here != b_here)
		return a_here ? -1 : 1;
	if (RULE_RANK(a->rule) != RULE_RANK(b->rule))
		return RULE_RANK(a->rule) < RULE_RANK(b->rule) ? -1 : 1;
	if (a->has_share != b->has_share)
		return a->has_share ? -1 : 1;
	if (a->share != b->share)
		return a->share > b->share ? -1 : 1;
	c = strcmp(a->parent->nspname, b->parent->nspname);
	if (c == 0)
		c = strcmp(a->parent->relname, b->parent->relname);
	return c;
}

/*
 * One result row: the suggestion with its exact orphan count (the rows the
 * real key would reject, from the orphan engine on the model the server
 * would build), a constraint name free in the schema, and the DDL as
 * fk_fix.c writes a new key: ADD ... NOT VALID under a lock_timeout (no
 * scan, new rows checked at once), then VALIDATE CONSTRAINT run apart
 * (SHARE UPDATE EXCLUSIVE, writes go on; it fails while orphans remain).
 * PostgreSQL 15 cannot add a NOT VALID key to a partitioned table: there
 * ddl adds and validates at once, and validate_ddl is NULL.
 */
static void
put_suggestion(SuggestState *st, Candidate *c)
{
	FkModel    *fk = c->fk;
	Datum		values[SUGGEST_COLS];
	bool		nulls[SUGGEST_COLS];
	FkOrphanSummary summary;
	char	   *ddl;
	char	   *validate = NULL;
	char	   *name;
	MemoryContext oldcxt;
	bool		partitioned = (fk->fk_relkind == RELKIND_PARTITIONED_TABLE);

	fk_orphan_summary(fk, 0, &summary);

	oldcxt = MemoryContextSwitchTo(st->callcxt);
	name = fk_model_free_name(fk->fk_relid, fk->nkeys, fk->fk_colnames,
							  st->taken_names);
	st->taken_names = lappend(st->taken_names, name);
	MemoryContextSwitchTo(oldcxt);
	namestrcpy(&fk->conname, name);

	ddl = fkfix_steps_text(fkfix_add_key_steps(fk));
	if (!partitioned)
		validate = fkfix_steps_text(fkfix_validate_steps(fk));

	memset(nulls, 0, sizeof(nulls));
	values[0] = ObjectIdGetDatum(fk->fk_relid);
	values[1] = fk_colnames_array(fk, false);
	values[2] = ObjectIdGetDatum(fk->pk_relid);
	values[3] = fk_colnames_array(fk, true);
	values[4] = CStringGetTextDatum(rule_names[c->rule]);
	values[5] = Float8GetDatum(c->share);
	nulls[5] = !c->has_share;
	values[6] = Int64GetDatum(c->sample_rows);
	values[7] = Int64GetDatum(c->distinct_keys);
	values[8] = BoolGetDatum(c->sampled);
	values[9] = Int64GetDatum(summary.orphan_rows);
	values[10] = NameGetDatum(&fk->conname);
	values[11] = CStringGetTextDatum(ddl);
	values[12] = partitioned ? (Datum) 0 : CStringGetTextDatum(validate);
	nulls[12] = partitioned;
	tuplestore_putvalues(st->rsinfo->setResult, st->rsinfo->setDesc, values, nulls);
}
