/*-------------------------------------------------------------------------
 *
 * fk_cascade_key.c
 *	  The key argument of the SQL functions as the statement's rows, and
 *	  a jsonb object as an UPDATE's new values.
 *
 * A key is a value (or an array of values) of the table's single-column
 * primary key, a jsonb object {"col": value, ...} naming columns, or a
 * jsonb array of such objects (the union of the rows each selects).
 * Values are read with the column's base type's input function (a domain's
 * CHECK is not run: a value it would reject is one no row holds), and a
 * value of another type goes through its text with every digit kept.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/typcache.h"

#include "fk_cascade.h"
#include "fk_sql.h"
#include "fk_table.h"
#include "fk_value.h"

static void key_scalar_condition(FkCascRoot *root, Oid keytype, Datum key);
static void key_array_condition(FkCascRoot *root, Jsonb *jb);
static void key_columns_check(FkCascValues *cols);
static char *values_names(FkCascValues *set);
static char *jsonb_value_text(JsonbValue *v);
static Oid	equality_of(Oid typid);

/* The rows of relid (only: not of its inheritance children) that cond will select. */
FkCascRoot *
fk_casc_root(Oid relid, bool only)
{
	FkCascRoot *root = palloc0(sizeof(FkCascRoot));

	root->relid = relid;
	root->only = only;
	initStringInfo(&root->cond);
	root->params = fk_params_new();
	root->est_rows = -1;
	return root;
}

/*
 * The rows a key argument selects: DELETE and UPDATE without ONLY, so the
 * rows of the table's inheritance children too.
 */
FkCascRoot *
fk_casc_root_from_key(Oid target, Oid keytype, Datum key)
{
	FkCascRoot *root = fk_casc_root(target, false);

	if (keytype != JSONBOID)
	{
		key_scalar_condition(root, keytype, key);
		return root;
	}
	{
		Jsonb	   *jb = DatumGetJsonbP(key);
		FkCascValues *cols;

		if (JB_ROOT_IS_ARRAY(jb) && !JB_ROOT_IS_SCALAR(jb))
		{
			key_array_condition(root, jb);
			return root;
		}
		if (!JB_ROOT_IS_OBJECT(jb))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a jsonb key must be an object or an array of objects"),
					 errhint("Pass {\"column\": value, ...} naming columns of \"%s\", or [{\"column\": value, ...}, ...] for the rows of any of them.",
							 get_rel_name(target))));
		cols = fk_casc_values_from_jsonb(target, jb);
		key_columns_check(cols);
		for (int i = 0; i < cols->n; i++)
		{
			int			n = fk_param_add(root->params, cols->types[i],
										 cols->values[i], cols->nulls[i]);

			if (i > 0)
				appendStringInfoString(&root->cond, " AND ");
			fksql_col_equal_param(&root->cond, FKC_ROOT_ALIAS, cols->cols[i],
								  cols->types[i], equality_of(cols->types[i]),
								  InvalidOid, n, cols->types[i], false);
		}
	}
	return root;
}

/* The default equality of a type, or an error saying there is none. */
static Oid
equality_of(Oid typid)
{
	TypeCacheEntry *tce = lookup_type_cache(typid, TYPECACHE_EQ_OPR);

	if (!OidIsValid(tce->eq_opr))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("could not identify an equality operator for type %s",
						format_type_be(typid))));
	return tce->eq_opr;
}

/* A value, or an array of values, of the single-column primary key. */
static void
key_scalar_condition(FkCascRoot *root, Oid keytype, Datum key)
{
	Oid			target = root->relid;
	AttrNumber	pk[INDEX_MAX_KEYS];
	int			npk = fk_table_primary_key(target, pk);
	Oid			elemtype = get_element_type(keytype);
	Oid			coltype;
	int32		coltypmod;
	Oid			colcoll;
	Oid			basetype = InvalidOid;
	Datum	   *elems;
	bool	   *elemnulls;
	int			nelems;
	Oid			arraytype;
	int			dims[1];
	int			lbs[1] = {1};
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			n;

	if (npk == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("table \"%s\" has no primary key", get_rel_name(target)),
				 errhint("Pass the key as a jsonb object naming the columns, e.g. '{\"id\": 42}'::jsonb.")));
	if (npk != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("primary key of table \"%s\" has %d columns",
						get_rel_name(target), npk),
				 errhint("Pass the key as a jsonb object naming the columns, e.g. '{\"a\": 1, \"b\": 2}'::jsonb.")));
	get_atttypetypmodcoll(target, pk[0], &coltype, &coltypmod, &colcoll);

	if (OidIsValid(elemtype))
	{
		ArrayType  *arr = DatumGetArrayTypeP(key);

		get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
		deconstruct_array(arr, elemtype, typlen, typbyval, typalign,
						  &elems, &elemnulls, &nelems);
	}
	else
	{
		elems = palloc(sizeof(Datum));
		elemnulls = palloc(sizeof(bool));
		elems[0] = key;
		elemnulls[0] = false;
		nelems = 1;
		elemtype = keytype;
	}
	/* primary key values: a row each at most */
	root->est_rows = nelems;
	basetype = getBaseType(coltype);
	for (int i = 0; i < nelems; i++)
		if (!elemnulls[i])
			elems[i] = fk_value_convert(elems[i], elemtype, coltype, coltypmod,
										&basetype);

	arraytype = get_array_type(basetype);
	if (!OidIsValid(arraytype))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("primary key type %s cannot be looked up by value",
						format_type_be(coltype)),
				 errhint("Pass the key as a jsonb object naming the columns.")));
	get_typlenbyvalalign(basetype, &typlen, &typbyval, &typalign);
	dims[0] = nelems;
	n = fk_param_add(root->params, arraytype,
					 PointerGetDatum(construct_md_array(elems, elemnulls, 1, dims, lbs,
														basetype, typlen,
														typbyval, typalign)),
					 false);
	fksql_col_equal_param(&root->cond, FKC_ROOT_ALIAS,
						  get_attname(target, pk[0], false), coltype,
						  equality_of(basetype), InvalidOid, n, arraytype, true);
}

/* The limits on the columns a jsonb key object names. */
static void
key_columns_check(FkCascValues *cols)
{
	if (cols->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a jsonb key must name at least one column")));
	if (cols->n > FUNC_MAX_ARGS)
		ereport(ERROR,
				(errcode(ERRCODE_TOO_MANY_ARGUMENTS),
				 errmsg("a jsonb key can name at most %d columns", FUNC_MAX_ARGS)));
}

/*
 * A jsonb array of key objects: the rows any of them selects, each once.
 * Every object must name the same columns; their values, read as the
 * columns' types just as a single object's are, become one array
 * parameter per column, and the rows are selected by a semi-join against
 * those arrays zipped back into rows, with each column's own equality
 * (and collation), as a single object compares them.  An empty array
 * selects nothing.
 */
static void
key_array_condition(FkCascRoot *root, Jsonb *jb)
{
	Oid			target = root->relid;
	int			nelems = JB_ROOT_COUNT(jb);
	FkCascValues **sets = palloc0(sizeof(FkCascValues *) * Max(nelems, 1));
	FkCascValues *first;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n = 0;
	int			firstparam = 0;
	Oid		   *eqoprs;
	Oid		   *collids;

	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		Jsonb	   *elem;

		if (tok != WJB_ELEM)
			continue;
		CHECK_FOR_INTERRUPTS();
		elem = (v.type == jbvBinary) ? JsonbValueToJsonb(&v) : NULL;
		if (elem == NULL || !JB_ROOT_IS_OBJECT(elem))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("element %d of a jsonb key array is not an object", n + 1),
					 errhint("Pass [{\"column\": value, ...}, ...] naming columns of \"%s\".",
							 get_rel_name(target))));
		sets[n] = fk_casc_values_from_jsonb(target, elem);
		key_columns_check(sets[n]);
		if (n > 0)
		{
			bool		same = sets[n]->n == sets[0]->n;

			/* jsonb keeps an object's keys sorted, so the order is fixed */
			for (int i = 0; same && i < sets[n]->n; i++)
				same = strcmp(sets[n]->cols[i], sets[0]->cols[i]) == 0;
			if (!same)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the objects of a jsonb key array must name the same columns"),
						 errdetail("Element 1 names %s; element %d names %s.",
								   values_names(sets[0]), n + 1,
								   values_names(sets[n])),
						 errhint("Name the same columns in every object, or make one preview call per set of columns.")));
		}
		n++;
	}
	if (n == 0)
	{
		appendStringInfoString(&root->cond, "false");
		return;
	}

	first = sets[0];
	eqoprs = palloc(sizeof(Oid) * first->n);
	collids = palloc(sizeof(Oid) * first->n);
	for (int i = 0; i < first->n; i++)
	{
		Oid			arraytype = get_array_type(first->types[i]);
		Datum	   *elems = palloc(sizeof(Datum) * n);
		bool	   *elemnulls = palloc(sizeof(bool) * n);
		int			dims[1];
		int			lbs[1] = {1};
		int16		typlen;
		bool		typbyval;
		char		typalign;
		Oid			typid;
		int32		typmod;
		int			p;

		eqoprs[i] = equality_of(first->types[i]);
		if (!OidIsValid(arraytype))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("column \"%s\" of type %s cannot be looked up by an array of values",
							first->cols[i], format_type_be(first->types[i])),
					 errhint("Pass the key as a single jsonb object.")));
		get_atttypetypmodcoll(target, get_attnum(target, first->cols[i]),
							  &typid, &typmod, &collids[i]);
		for (int e = 0; e < n; e++)
		{
			elems[e] = sets[e]->values[i];
			elemnulls[e] = sets[e]->nulls[i];
		}
		get_typlenbyvalalign(first->types[i], &typlen, &typbyval, &typalign);
		dims[0] = n;
		p = fk_param_add(root->params, arraytype,
						 PointerGetDatum(construct_md_array(elems, elemnulls, 1,
															dims, lbs,
															first->types[i],
															typlen, typbyval,
															typalign)),
						 false);
		if (i == 0)
			firstparam = p;
	}
	fksql_cols_in_params(&root->cond, FKC_ROOT_ALIAS, first->n, first->cols,
						 first->types, eqoprs, collids, firstparam);
}

/* "a, b": the columns a key object names, for messages. */
static char *
values_names(FkCascValues *set)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < set->n; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
						 quote_identifier(set->cols[i]));
	return buf.data;
}

/* A jsonb scalar or container as the text a column's input function reads. */
static char *
jsonb_value_text(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return NULL;
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		case jbvBinary:
			return JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
	return NULL;				/* keep compiler quiet */
}

/*
 * {"col": value, ...} as columns of the table with values of their (base)
 * types.  An unknown column is 42703, a value the type does not accept is
 * the input function's error (22P02 and friends).
 */
FkCascValues *
fk_casc_values_from_jsonb(Oid target, Jsonb *jb)
{
	FkCascValues *set = palloc0(sizeof(FkCascValues));
	int			max = JB_ROOT_COUNT(jb);
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *colname = NULL;

	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("new values must be a jsonb object"),
				 errhint("Pass {\"column\": value, ...} naming columns of \"%s\".",
						 get_rel_name(target))));
	set->cols = palloc0(sizeof(char *) * Max(max, 1));
	set->types = palloc0(sizeof(Oid) * Max(max, 1));
	set->values = palloc0(sizeof(Datum) * Max(max, 1));
	set->nulls = palloc0(sizeof(bool) * Max(max, 1));

	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			colname = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE)
		{
			AttrNumber	attnum = get_attnum(target, colname);
			Oid			typid;
			int32		typmod;
			Oid			collid;
			char	   *str;

			if (attnum <= 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("column \"%s\" of relation \"%s\" does not exist",
								colname, get_rel_name(target))));
			get_atttypetypmodcoll(target, attnum, &typid, &typmod, &collid);
			str = jsonb_value_text(&v);
			set->cols[set->n] = colname;
			set->types[set->n] = getBaseType(typid);
			set->nulls[set->n] = (str == NULL);
			if (str != NULL)
				set->values[set->n] = fk_value_read(str, typid, typmod, NULL);
			set->n++;
		}
	}
	return set;
}

/* An action's name as the SQL of a constraint writes it, or 0. */
static char
action_from_text(const char *s)
{
	static const struct
	{
		const char *name;
		char		action;
	}			names[] = {
		{"cascade", FKCONSTR_ACTION_CASCADE},
		{"set null", FKCONSTR_ACTION_SETNULL},
		{"set default", FKCONSTR_ACTION_SETDEFAULT},
		{"restrict", FKCONSTR_ACTION_RESTRICT},
		{"no action", FKCONSTR_ACTION_NOACTION},
	};

	for (int i = 0; i < lengthof(names); i++)
		if (pg_strcasecmp(s, names[i].name) == 0)
			return names[i].action;
	return 0;
}

/* The declared foreign key named conname, on table relid if valid. */
static Oid
override_constraint(const char *conname, Oid relid)
{
	List	   *found = NIL;
	ListCell   *lc;

	/* declared constraints (a clone stands for the one it was cloned from) */
	foreach(lc, fk_model_named(conname))
	{
		FkEdge	   *e = lfirst(lc);

		if (fk_model_declared(e->conoid) == e->conoid &&
			(!OidIsValid(relid) || e->fk_relid == relid))
			found = lappend_oid(found, e->conoid);
	}
	if (found == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 OidIsValid(relid) ?
				 errmsg("foreign key constraint \"%s\" of relation \"%s\" does not exist",
						conname, get_rel_name(relid)) :
				 errmsg("foreign key constraint \"%s\" does not exist", conname)));
	if (list_length(found) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_AMBIGUOUS_ALIAS),
				 errmsg("foreign key constraint name \"%s\" is ambiguous", conname),
				 errdetail("%d tables have a foreign key of that name.", list_length(found)),
				 errhint("Name the table too: [{\"table\": \"schema.table\", \"constraint\": \"%s\", \"on_delete\": \"cascade\"}].",
						 conname)));
	return linitial_oid(found);
}

/* One action of an override: a jsonb string naming it. */
static char
override_action(JsonbValue *v, const char *conname)
{
	char	   *s;
	char		action;

	if (v->type == jbvNull)
		return 0;
	if (v->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the action for constraint \"%s\" must be a string", conname),
				 errhint("Use one of 'cascade', 'set null', 'set default', 'restrict', 'no action'.")));
	s = pnstrdup(v->val.string.val, v->val.string.len);
	action = action_from_text(s);
	if (action == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid action \"%s\" for constraint \"%s\"", s, conname),
				 errhint("Use one of 'cascade', 'set null', 'set default', 'restrict', 'no action'.")));
	return action;
}

/* A jsonb object's member name as text, or NULL. */
static JsonbValue *
member(Jsonb *jb, const char *name)
{
	return getKeyJsonValueFromContainer(&jb->root, name, strlen(name), NULL);
}

/*
 * What-if actions: {"constraint": "cascade", ...} for the constraints
 * named (the action of a DELETE preview is the key's ON DELETE, of an
 * UPDATE preview its ON UPDATE), or an array of objects {"table": ...,
 * "constraint": ..., "on_delete": ..., "on_update": ...} naming each
 * constraint with its table.  A list of FkCascOverride.
 */
List *
fk_casc_overrides_from_jsonb(Jsonb *jb, bool update)
{
	List	   *result = NIL;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *conname = NULL;

	if (JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("actions must be a jsonb object or array"),
				 errhint("Pass {\"constraint_name\": \"cascade\"} or [{\"table\": \"t\", \"constraint\": \"c\", \"on_delete\": \"set null\"}].")));
	it = JsonbIteratorInit(&jb->root);
	if (JB_ROOT_IS_OBJECT(jb))
	{
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			FkCascOverride *o;
			char		action;

			if (tok == WJB_KEY)
				conname = pnstrdup(v.val.string.val, v.val.string.len);
			if (tok != WJB_VALUE)
				continue;
			action = override_action(&v, conname);
			o = palloc0(sizeof(FkCascOverride));
			o->conoid = override_constraint(conname, InvalidOid);
			if (update)
				o->upd_action = action;
			else
				o->del_action = action;
			result = lappend(result, o);
		}
		return result;
	}
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		Jsonb	   *elem;
		JsonbValue *con;
		JsonbValue *tab;
		JsonbValue *act;
		FkCascOverride *o;
		Oid			relid = InvalidOid;

		if (tok != WJB_ELEM)
			continue;
		elem = (v.type == jbvBinary) ? JsonbValueToJsonb(&v) : NULL;
		if (elem == NULL || !JB_ROOT_IS_OBJECT(elem) ||
			(con = member(elem, "constraint")) == NULL || con->type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("each element of an actions array must be an object naming a constraint"),
					 errhint("Pass [{\"table\": \"t\", \"constraint\": \"c\", \"on_delete\": \"set null\"}].")));
		conname = pnstrdup(con->val.string.val, con->val.string.len);
		if ((tab = member(elem, "table")) != NULL && tab->type == jbvString)
			relid = DatumGetObjectId(DirectFunctionCall1(regclassin,
														 CStringGetDatum(pnstrdup(tab->val.string.val,
																				  tab->val.string.len))));
		o = palloc0(sizeof(FkCascOverride));
		o->conoid = override_constraint(conname, relid);
		if ((act = member(elem, "on_delete")) != NULL)
			o->del_action = override_action(act, conname);
		if ((act = member(elem, "on_update")) != NULL)
			o->upd_action = override_action(act, conname);
		result = lappend(result, o);
	}
	return result;
}
