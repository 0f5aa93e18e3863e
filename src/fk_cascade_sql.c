/*-------------------------------------------------------------------------
 *
 * fk_cascade_sql.c
 *	  fk_cascade_preview, fk_update_preview and fk_cascade_rows: the SQL
 *	  functions over the cascade engine (fk_cascade.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "fk_access.h"
#include "fk_cascade.h"
#include "fk_sql.h"
#include "fk_value.h"

PG_FUNCTION_INFO_V1(fk_cascade_preview);
PG_FUNCTION_INFO_V1(fk_update_preview);
PG_FUNCTION_INFO_V1(fk_cascade_rows);

#define CASCADE_PREVIEW_COLS	7
#define CASCADE_ROWS_COLS		5

/* One result row per group of the engine's answer. */
static void
put_groups(FkCascade *c, ReturnSetInfo *rsinfo)
{
	int			n;
	FkCascGroup **groups = fk_casc_groups(c, &n);

	for (int i = 0; i < n; i++)
	{
		FkCascGroup *g = groups[i];
		Datum		values[CASCADE_PREVIEW_COLS];
		bool		nulls[CASCADE_PREVIEW_COLS];

		memset(nulls, 0, sizeof(nulls));
		values[0] = Int32GetDatum(g->depth);
		values[1] = ObjectIdGetDatum(g->relid);
		values[2] = CStringGetTextDatum(fk_casc_action_name(g->action));
		values[3] = Int64GetDatum(g->rows);
		if (g->conname)
		{
			Name		nm = palloc0(NAMEDATALEN);

			namestrcpy(nm, g->conname);
			values[4] = NameGetDatum(nm);
		}
		else
			nulls[4] = true;
		values[5] = ObjectIdGetDatum(g->refrel);
		nulls[5] = !OidIsValid(g->refrel);
		if (g->detail)
			values[6] = CStringGetTextDatum(g->detail);
		else
			nulls[6] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/* The request a call describes: its target (checked) and key argument. */
static void
request_from_args(FunctionCallInfo fcinfo, FkCascRequest *req)
{
	Oid			target = PG_GETARG_OID(0);

	fk_check_target(target, "target");
	memset(req, 0, sizeof(FkCascRequest));
	req->root = fk_casc_root_from_key(target, get_fn_expr_argtype(fcinfo->flinfo, 1),
									  PG_GETARG_DATUM(1));
}

/* The what-if actions of argument argno, if the call has it and it is not NULL. */
static List *
overrides_from_args(FunctionCallInfo fcinfo, int argno, bool update)
{
	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return NIL;
	return fk_casc_overrides_from_jsonb(PG_GETARG_JSONB_P(argno), update);
}

/*
 * The rows a statement would leave orphaned under declared-only
 * references: action ORPHANED, a finding after the groups (no constraint
 * acts on them, so the engine never does).
 */
static void
put_ref_findings(FkCascade *c, FkCascRequest *req, ReturnSetInfo *rsinfo)
{
	ListCell   *lc;

	foreach(lc, fk_casc_ref_findings(c, req))
	{
		FkCascRefFinding *f = lfirst(lc);
		Datum		values[CASCADE_PREVIEW_COLS];
		bool		nulls[CASCADE_PREVIEW_COLS];
		Name		nm = palloc0(NAMEDATALEN);

		memset(nulls, 0, sizeof(nulls));
		namestrcpy(nm, f->refname);
		values[0] = Int32GetDatum(f->depth);
		values[1] = ObjectIdGetDatum(f->relid);
		values[2] = CStringGetTextDatum("ORPHANED");
		values[3] = Int64GetDatum(f->rows);
		nulls[3] = (f->rows < 0);
		values[4] = NameGetDatum(nm);
		values[5] = ObjectIdGetDatum(f->refrel);
		values[6] = CStringGetTextDatum(f->detail);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/* The preview of a request, as the function's result rows. */
static void
preview(FunctionCallInfo fcinfo, FkCascRequest *req)
{
	FkCascade  *c;

	req->keep_rows = fk_casc_refs_wanted();
	c = fk_casc_run(req);
	put_groups(c, (ReturnSetInfo *) fcinfo->resultinfo);
	if (req->keep_rows)
		put_ref_findings(c, req, (ReturnSetInfo *) fcinfo->resultinfo);
	fk_casc_end(c);
}

/*
 * fk_cascade_preview(target regclass, key anyelement)
 *   RETURNS TABLE(depth int, table_name regclass, action text,
 *                 row_count bigint, via_constraint name,
 *                 referenced_table regclass, detail text)
 *
 * What DELETE FROM target WHERE <key> would delete, set to NULL or to
 * defaults, and which rows would make it fail.  AccessShareLock only.
 * fk_cascade_preview(target, key, actions jsonb): the same if the
 * constraints named in actions had the ON DELETE actions given there.
 */
Datum
fk_cascade_preview(PG_FUNCTION_ARGS)
{
	FkCascRequest req;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_VOID();
	fk_spi_connect();
	request_from_args(fcinfo, &req);
	req.overrides = overrides_from_args(fcinfo, 2, false);
	preview(fcinfo, &req);
	fk_spi_finish();
	PG_RETURN_VOID();
}

/*
 * fk_update_preview(target regclass, key anyelement, new_values jsonb)
 *   RETURNS TABLE(...same as fk_cascade_preview...)
 *
 * The same for UPDATE target SET (cols) = new_values WHERE <key>: ON
 * UPDATE actions of the keys whose values change, and the target's own
 * foreign keys checked on the new values.  AccessShareLock only.
 */
Datum
fk_update_preview(PG_FUNCTION_ARGS)
{
	FkCascRequest req;
	FkCascValues *set;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_VOID();
	fk_check_target(PG_GETARG_OID(0), "target");
	set = fk_casc_values_from_jsonb(PG_GETARG_OID(0), PG_GETARG_JSONB_P(2));
	if (set->n == 0)
		PG_RETURN_VOID();
	fk_spi_connect();
	request_from_args(fcinfo, &req);
	req.set = set;
	req.overrides = overrides_from_args(fcinfo, 3, true);
	preview(fcinfo, &req);
	fk_spi_finish();
	PG_RETURN_VOID();
}

/* fk_cascade_rows' state while a group's rows stream in */
typedef struct RowsOut
{
	ReturnSetInfo *rsinfo;
	FkCascGroup *g;
	Name		conname;
} RowsOut;

static void
put_row(Datum *rowvalues, bool *rownulls, TupleDesc desc, void *arg)
{
	RowsOut    *out = arg;
	Datum		values[CASCADE_ROWS_COLS];
	bool		nulls[CASCADE_ROWS_COLS];

	memset(nulls, 0, sizeof(nulls));
	values[0] = Int32GetDatum(out->g->depth);
	values[1] = ObjectIdGetDatum(out->g->relid);
	values[2] = CStringGetTextDatum(fk_casc_action_name(out->g->action));
	values[3] = NameGetDatum(out->conname);
	nulls[3] = (out->g->conname == NULL);
	values[4] = JsonbPGetDatum(fk_value_row(desc, 0, rowvalues, rownulls));
	tuplestore_putvalues(out->rsinfo->setResult, out->rsinfo->setDesc, values, nulls);
}

/*
 * fk_cascade_rows(target regclass, key anyelement)
 *   RETURNS TABLE(depth int, table_name regclass, action text,
 *                 via_constraint name, affected_row jsonb)
 *
 * The rows behind fk_cascade_preview, group by group, each read (as it is
 * now) and streamed into the result.  AccessShareLock only.
 */
Datum
fk_cascade_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FkCascRequest req;
	FkCascade  *c;
	FkCascGroup **groups;
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	fk_spi_connect();
	request_from_args(fcinfo, &req);
	req.keep_rows = true;
	c = fk_casc_run(&req);
	groups = fk_casc_groups(c, &n);
	for (int i = 0; i < n; i++)
	{
		RowsOut		out;

		out.rsinfo = rsinfo;
		out.g = groups[i];
		out.conname = palloc0(NAMEDATALEN);
		if (groups[i]->conname)
			namestrcpy(out.conname, groups[i]->conname);
		fk_casc_group_rows(c, groups[i], put_row, &out);
	}
	fk_casc_end(c);
	fk_spi_finish();
	PG_RETURN_VOID();
}

/*
 * SELECT * FROM ext.fk_cascade_preview('t'::regclass,
 * pg_catalog.jsonb_build_object('c', 'v', ...)) ORDER BY ...: the call a
 * user runs to see the preview of deleting the row whose n columns cols
 * have the values (as text).
 */
void
fk_casc_preview_call(StringInfo buf, const char *extschema, Oid relid, int n,
					 char **cols, char **values)
{
	appendStringInfo(buf, "SELECT * FROM %s.fk_cascade_preview(", extschema);
	fksql_typed_literal(buf, fksql_relname(relid), REGCLASSOID, -1);
	appendStringInfoString(buf, ", pg_catalog.jsonb_build_object(");
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, ", ");
		fksql_typed_literal(buf, cols[i], TEXTOID, -1);
		appendStringInfoString(buf, ", ");
		fksql_typed_literal(buf, values[i], TEXTOID, -1);
	}
	appendStringInfoString(buf, ")) ORDER BY depth, table_name::pg_catalog.text, action");
}

/*
 * SELECT * FROM <extschema>.fk_update_preview('<table>', <key>, <new
 * values>[, <actions>]) ORDER BY ...: the call a user runs to see what
 * updating the key of the row (n columns cols = values) to the nset
 * columns setcols = setvalues does; with action (an FKCONSTR_ACTION_*),
 * what it would do if constraint conname had that ON UPDATE action.
 */
void
fk_casc_update_preview_call(StringInfo buf, const char *extschema, Oid relid,
							int n, char **cols, char **values, int nset,
							char **setcols, char **setvalues,
							const char *conname, const char *action)
{
	appendStringInfo(buf, "SELECT * FROM %s.fk_update_preview(", extschema);
	fksql_typed_literal(buf, fksql_relname(relid), REGCLASSOID, -1);
	for (int k = 0; k < 2; k++)
	{
		int			m = k == 0 ? n : nset;
		char	  **c = k == 0 ? cols : setcols;
		char	  **v = k == 0 ? values : setvalues;

		appendStringInfoString(buf, ", pg_catalog.jsonb_build_object(");
		for (int i = 0; i < m; i++)
		{
			if (i > 0)
				appendStringInfoString(buf, ", ");
			fksql_typed_literal(buf, c[i], TEXTOID, -1);
			appendStringInfoString(buf, ", ");
			fksql_typed_literal(buf, v[i], TEXTOID, -1);
		}
		appendStringInfoChar(buf, ')');
	}
	if (conname)
	{
		appendStringInfoString(buf, ", pg_catalog.jsonb_build_object(");
		fksql_typed_literal(buf, conname, TEXTOID, -1);
		appendStringInfoString(buf, ", ");
		fksql_typed_literal(buf, action, TEXTOID, -1);
		appendStringInfoChar(buf, ')');
	}
	appendStringInfoString(buf, ") ORDER BY depth, table_name::pg_catalog.text, action");
}
