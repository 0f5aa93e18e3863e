/*-------------------------------------------------------------------------
 *
 * fk_value.c
 *	  Values without another role's code.
 *
 * The server's own referential actions and VALIDATE CONSTRAINT never run
 * a cast that a type's owner added, a domain's CHECK, or a column default
 * with the identity of the role that deletes a row: casts to json are not
 * part of a foreign key check, domain checks apply to values stored, and
 * defaults of ON DELETE SET DEFAULT run as the referencing table's owner.
 * So fk_tools, which may well be run by a superuser on tables that
 * ordinary roles own, does the same:
 *
 *	- values are shown as jsonb the way to_jsonb shows them, but built
 *	  here from the types' output functions (which only a superuser can
 *	  write), never through a cast to json that a type's owner may add;
 *	- text is read as a key type with its base type's input function: a
 *	  value a domain's CHECK would reject is one no row can hold, so it
 *	  simply matches nothing;
 *	- a column default is evaluated as its table's owner, under
 *	  SECURITY_RESTRICTED_OPERATION, in a subtransaction that is always
 *	  rolled back: what the default's code writes does not survive, and it
 *	  cannot act with the caller's privileges.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "rewrite/rewriteHandler.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/typcache.h"

#include "fk_spi.h"
#include "fk_value.h"

static void push_array(JsonbParseState **state, Datum value, Oid elemtype);
static void push_composite(JsonbParseState **state, Datum value);

/* A jsonb string */
static void
push_string(JsonbParseState **state, JsonbIteratorToken tok, char *s)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = s;
	v.val.string.len = strlen(s);
	pushJsonbValue(state, tok, &v);
}

/*
 * Append one value (tok: WJB_VALUE in an object, WJB_ELEM in an array) as
 * to_jsonb would render it: booleans and numbers as themselves (NaN and
 * infinities as strings), dates and timestamps in ISO form, json and jsonb
 * embedded, arrays and composites recursively, a domain as its base type,
 * everything else as its output function's text.  Unlike to_jsonb, a cast
 * to json is never looked for.
 */
void
fk_value_push(JsonbParseState **state, JsonbIteratorToken tok, Datum value,
			  bool isnull, Oid typid)
{
	JsonbValue	v;
	Oid			base;
	Oid			elemtype;
	Oid			outfunc;
	bool		varlena;
	char	   *s;

	check_stack_depth();
	if (isnull)
	{
		v.type = jbvNull;
		pushJsonbValue(state, tok, &v);
		return;
	}
	base = getBaseType(typid);
	switch (base)
	{
		case BOOLOID:
			v.type = jbvBool;
			v.val.boolean = DatumGetBool(value);
			pushJsonbValue(state, tok, &v);
			return;
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
			getTypeOutputInfo(base, &outfunc, &varlena);
			s = OidOutputFunctionCall(outfunc, value);
			/* NaN and Infinity are no JSON numbers: they spell an N/n */
			if (strchr(s, 'N') != NULL || strchr(s, 'n') != NULL)
			{
				push_string(state, tok, s);
				return;
			}
			v.type = jbvNumeric;
			v.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in,
																CStringGetDatum(s),
																ObjectIdGetDatum(InvalidOid),
																Int32GetDatum(-1)));
			pushJsonbValue(state, tok, &v);
			return;
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			push_string(state, tok, JsonEncodeDateTime(NULL, value, base, NULL));
			return;
		case JSONOID:
			s = TextDatumGetCString(value);
			value = DirectFunctionCall1(jsonb_in, CStringGetDatum(s));
			/* FALLTHROUGH */
		case JSONBOID:
			{
				Jsonb	   *jb = DatumGetJsonbP(value);

				if (JB_ROOT_IS_SCALAR(jb))
				{
					JsonbValue	scalar;

					if (!JsonbExtractScalar(&jb->root, &scalar))
						elog(ERROR, "could not extract jsonb scalar");
					pushJsonbValue(state, tok, &scalar);
				}
				else
				{
					v.type = jbvBinary;
					v.val.binary.data = &jb->root;
					v.val.binary.len = VARSIZE(jb) - VARHDRSZ;
					pushJsonbValue(state, tok, &v);
				}
				return;
			}
		default:
			break;
	}
	elemtype = get_element_type(base);
	if (OidIsValid(elemtype))
	{
		push_array(state, value, elemtype);
		return;
	}
	if (type_is_rowtype(base))
	{
		push_composite(state, value);
		return;
	}
	getTypeOutputInfo(base, &outfunc, &varlena);
	push_string(state, tok, OidOutputFunctionCall(outfunc, value));
}

/* An array, nested as its dimensions are (to_jsonb's shape). */
static void
push_array_dim(JsonbParseState **state, int ndims, int *dims, int dim,
			   Datum *elems, bool *nulls, int *pos, Oid elemtype)
{
	pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < dims[dim]; i++)
	{
		if (dim + 1 < ndims)
			push_array_dim(state, ndims, dims, dim + 1, elems, nulls, pos, elemtype);
		else
		{
			fk_value_push(state, WJB_ELEM, elems[*pos], nulls[*pos], elemtype);
			(*pos)++;
		}
	}
	pushJsonbValue(state, WJB_END_ARRAY, NULL);
}

static void
push_array(JsonbParseState **state, Datum value, Oid elemtype)
{
	ArrayType  *arr = DatumGetArrayTypeP(value);
	int			ndims = ARR_NDIM(arr);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int			pos = 0;

	if (ndims == 0 || ArrayGetNItems(ndims, ARR_DIMS(arr)) == 0)
	{
		pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
		pushJsonbValue(state, WJB_END_ARRAY, NULL);
		return;
	}
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign,
					  &elems, &nulls, &nelems);
	push_array_dim(state, ndims, ARR_DIMS(arr), 0, elems, nulls, &pos, elemtype);
}

static void
push_composite(JsonbParseState **state, Datum value)
{
	HeapTupleHeader td = DatumGetHeapTupleHeader(value);
	TupleDesc	desc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(td),
											  HeapTupleHeaderGetTypMod(td));
	HeapTupleData tup;
	Datum	   *values = palloc(sizeof(Datum) * Max(desc->natts, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(desc->natts, 1));

	tup.t_len = HeapTupleHeaderGetDatumLength(td);
	ItemPointerSetInvalid(&tup.t_self);
	tup.t_tableOid = InvalidOid;
	tup.t_data = td;
	heap_deform_tuple(&tup, desc, values, nulls);

	pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		push_string(state, WJB_KEY, NameStr(att->attname));
		fk_value_push(state, WJB_VALUE, values[i], nulls[i], att->atttypid);
	}
	pushJsonbValue(state, WJB_END_OBJECT, NULL);
	ReleaseTupleDesc(desc);
}

/* {"name": value, ...} of n values */
Jsonb *
fk_value_object(int n, char **names, const Datum *values, const bool *nulls,
				const Oid *types)
{
	JsonbParseState *state = NULL;
	JsonbValue *res;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < n; i++)
	{
		push_string(&state, WJB_KEY, names[i]);
		fk_value_push(&state, WJB_VALUE, values[i], nulls[i], types[i]);
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/*
 * A query's row as an object, from its column first on, keyed by the
 * columns' names: what to_jsonb(alias.*) gives for a table's row.
 */
Jsonb *
fk_value_row(TupleDesc desc, int first, const Datum *values, const bool *nulls)
{
	JsonbParseState *state = NULL;
	JsonbValue *res;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int i = first; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		push_string(&state, WJB_KEY, NameStr(att->attname));
		fk_value_push(&state, WJB_VALUE, values[i], nulls[i], att->atttypid);
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/* [obj, ...] of a list of Jsonb values, or NULL for an empty list */
Jsonb *
fk_value_array(List *objects)
{
	JsonbParseState *state = NULL;
	JsonbValue *res;
	ListCell   *lc;

	if (objects == NIL)
		return NULL;
	pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	foreach(lc, objects)
	{
		Jsonb	   *jb = lfirst(lc);
		JsonbValue	v;

		v.type = jbvBinary;
		v.val.binary.data = &jb->root;
		v.val.binary.len = VARSIZE(jb) - VARHDRSZ;
		pushJsonbValue(&state, WJB_ELEM, &v);
	}
	res = pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	return JsonbValueToJsonb(res);
}

/* A value's text, from its (base) type's output function. */
char *
fk_value_text(Datum value, Oid typid)
{
	Oid			outfunc;
	bool		varlena;

	getTypeOutputInfo(getBaseType(typid), &outfunc, &varlena);
	return OidOutputFunctionCall(outfunc, value);
}

/*
 * Text read as a value of typid, or of its base type for a domain (the
 * base type, with the domain's typmod, is returned in *basetype): no
 * domain CHECK runs.  Errors are the input function's (22P02 and such).
 */
Datum
fk_value_read(const char *text, Oid typid, int32 typmod, Oid *basetype)
{
	int32		basetypmod = typmod;
	Oid			base = getBaseTypeAndTypmod(typid, &basetypmod);
	Oid			infunc;
	Oid			ioparam;

	if (basetype)
		*basetype = base;
	getTypeInputInfo(base, &infunc, &ioparam);
	return OidInputFunctionCall(infunc, (char *) text, ioparam,
								typmod >= 0 ? typmod : basetypmod);
}

typedef struct ReadBack
{
	const char *text;
	Oid			typid;
	int32		typmod;
	bool		same;
} ReadBack;

static void
read_back(void *arg)
{
	ReadBack   *rb = arg;
	Oid			base;
	Datum		d = fk_value_read(rb->text, rb->typid, rb->typmod, &base);

	rb->same = strcmp(fk_value_text(d, base), rb->text) == 0;
}

/*
 * Does the type read text and write it back unchanged?  Then text is
 * something its output function can have printed.  The input function may
 * throw; a subtransaction keeps that from aborting the caller.
 */
bool
fk_value_reads_back(const char *text, Oid typid, int32 typmod)
{
	ReadBack	rb;

	rb.text = text;
	rb.typid = typid;
	rb.typmod = typmod;
	rb.same = false;
	return fk_try(read_back, &rb, 0) == NULL && rb.same;
}

/*
 * A value of fromtype as a value of totype (the base type of a domain, as
 * fk_value_read gives it): as is when the types agree, else through its
 * text, written with every digit a float has (extra_float_digits = 3, so
 * that no precision is lost whatever the session's setting).
 */
Datum
fk_value_convert(Datum value, Oid fromtype, Oid totype, int32 typmod,
				 Oid *basetype)
{
	int			nestlevel;
	char	   *text;

	if (getBaseType(fromtype) == getBaseType(totype) && typmod < 0)
	{
		if (basetype)
			*basetype = getBaseType(totype);
		return value;
	}
	nestlevel = NewGUCNestLevel();
	(void) set_config_option("extra_float_digits", "3", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	text = fk_value_text(value, fromtype);
	AtEOXact_GUC(true, nestlevel);
	return fk_value_read(text, totype, typmod, basetype);
}

/*
 * Run fn(arg) as the owner of table relid, under
 * SECURITY_RESTRICTED_OPERATION, in a subtransaction that is rolled back
 * whatever happens: the way the server runs the referencing table's code
 * in a referential action (as that table's owner), without anything the
 * code writes surviving.  What fn allocates in the current memory context
 * stays.  Returns NULL, or the error's message when fn failed (a cancel is
 * never caught); with sqlstate, also the error's SQLSTATE.
 */
char *
fk_value_as_owner(Oid relid, void (*fn) (void *arg), void *arg, int *sqlstate)
{
	Relation	rel = table_open(relid, AccessShareLock);
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	Oid			save_userid;
	int			save_sec;
	int			nestlevel;
	char	   *failure = NULL;

	if (sqlstate)
		*sqlstate = 0;
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(rel->rd_rel->relowner,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	nestlevel = NewGUCNestLevel();
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		fn(arg);
		MemoryContextSwitchTo(cxt);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			PG_RE_THROW();
		FlushErrorState();
		failure = edata->message;
		if (sqlstate)
			*sqlstate = edata->sqlerrcode;
	}
	PG_END_TRY();
	/* whatever the code did is undone */
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	AtEOXact_GUC(false, nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec);
	table_close(rel, AccessShareLock);
	return failure;
}

/* One expression evaluated by fk_value_eval_row. */
typedef struct EvalRow
{
	TupleTableSlot *slot;		/* the row its Vars (varno 1) read, or NULL */
	int			n;
	Expr	  **exprs;
	Datum	   *values;
	bool	   *nulls;
	bool		stop_on_false;	/* boolean expressions: stop at the first false */
	int			done;			/* how many were evaluated */
} EvalRow;

static void
eval_row(void *arg)
{
	EvalRow    *e = arg;
	MemoryContext cxt = CurrentMemoryContext;
	EState	   *estate = CreateExecutorState();
	ExprContext *econtext = GetPerTupleExprContext(estate);

	econtext->ecxt_scantuple = e->slot;
	for (e->done = 0; e->done < e->n; e->done++)
	{
		Expr	   *expr = e->exprs[e->done];
		ExprState  *state = ExecPrepareExpr(expr, estate);
		Oid			typid = exprType((Node *) expr);
		int16		typlen;
		bool		typbyval;
		Datum		d;
		bool		isnull;

		get_typlenbyval(typid, &typlen, &typbyval);
		d = ExecEvalExprSwitchContext(state, econtext, &isnull);
		MemoryContextSwitchTo(cxt);
		e->nulls[e->done] = isnull;
		e->values[e->done] = isnull ? (Datum) 0 : datumCopy(d, typbyval, typlen);
		ResetExprContext(econtext);
		if (e->stop_on_false && !isnull && !DatumGetBool(e->values[e->done]))
		{
			e->done++;
			break;
		}
	}
	FreeExecutorState(estate);
}

/*
 * Evaluate the n expressions exprs over the row in slot (their Vars read
 * it as varno 1; NULL: none) as the owner of table relid (fk_value_as_owner),
 * into values/nulls.  With stop_on_false they are boolean and evaluation
 * stops after the first that is false; *done says how many were evaluated.
 * Returns NULL, or the error's message (*sqlstate its code).
 */
char *
fk_value_eval_row(Oid relid, TupleTableSlot *slot, int n, Expr **exprs,
				  bool stop_on_false, Datum *values, bool *nulls, int *done,
				  int *sqlstate)
{
	EvalRow		e;
	char	   *failure;

	e.slot = slot;
	e.n = n;
	e.exprs = exprs;
	e.values = values;
	e.nulls = nulls;
	e.stop_on_false = stop_on_false;
	e.done = 0;
	for (int i = 0; i < n; i++)
		nulls[i] = true;
	failure = fk_value_as_owner(relid, eval_row, &e, sqlstate);
	if (done)
		*done = e.done;
	return failure;
}

/* One expression without input, as the owner of relid. */
static char *
eval_as_owner(Oid relid, Expr *expr, Oid typid, Datum *value, bool *isnull)
{
	(void) typid;			/* the expression's own type is used */
	return fk_value_eval_row(relid, NULL, 1, &expr, false, value, isnull,
							 NULL, NULL);
}

/*
 * The value a column's DEFAULT would store, worked out without writing
 * anything and without running its code as the caller.  *is_volatile when
 * the expression is volatile (a sequence, random(), ...): its value cannot
 * be known in advance and it is not evaluated.  Otherwise it is evaluated
 * as the table's owner (eval_as_owner), as the server's ON DELETE SET
 * DEFAULT runs it as that owner.  Returns NULL, or the error's message
 * when evaluating it failed (then the value is not known either).  No
 * default is NULL.
 */
char *
fk_value_column_default(Oid relid, AttrNumber attnum, Datum *value,
						bool *isnull, bool *is_volatile)
{
	Relation	rel = table_open(relid, AccessShareLock);
	Node	   *expr = build_column_default(rel, attnum);
	Oid			typid = TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid;

	table_close(rel, AccessShareLock);
	*value = (Datum) 0;
	*isnull = true;
	*is_volatile = false;
	if (expr == NULL)
		return NULL;
	if (contain_volatile_functions(expr))
	{
		*is_volatile = true;
		return NULL;
	}
	return eval_as_owner(relid, (Expr *) expr, typid, value, isnull);
}

/*
 * A value of fromtype as a column of table relid of type totype (typmod)
 * stores it: by the assignment cast an UPDATE's SET applies, typmod,
 * domain checks and casts evaluated as the table's owner (eval_as_owner),
 * as the server's ON UPDATE CASCADE stores it.  Returns NULL and the
 * stored value (of totype's base type), or why it cannot be stored.
 */
char *
fk_value_coerce(Oid relid, Datum value, bool isnull, Oid fromtype,
				Oid totype, int32 typmod, Datum *result, bool *resnull)
{
	Node	   *expr;

	if (fromtype == totype && typmod < 0)
	{
		*result = value;
		*resnull = isnull;
		return NULL;
	}
	expr = coerce_to_target_type(NULL,
								 (Node *) makeConst(fromtype, -1, InvalidOid,
													get_typlen(fromtype), value,
													isnull, get_typbyval(fromtype)),
								 fromtype, totype, typmod,
								 COERCION_ASSIGNMENT, COERCE_IMPLICIT_CAST, -1);
	if (expr == NULL)
		return psprintf("a value of type %s cannot be stored in a column of type %s",
						format_type_be(fromtype), format_type_be(totype));
	return eval_as_owner(relid, (Expr *) expr, totype, result, resnull);
}
