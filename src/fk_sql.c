/*-------------------------------------------------------------------------
 *
 * fk_sql.c
 *	  The SQL builder: the only code in fk_tools that turns identifiers,
 *	  operators, types, collations and values into SQL text.
 *
 * Everything it writes is immune to search_path: relations, types and
 * collations are schema-qualified and quoted, operators are written as
 * OPERATOR(schema.op) from the constraint's own conpfeqop, functions are
 * pg_catalog-qualified, and values are quoted literals.  The queries follow
 * what PostgreSQL's RI triggers run, so that they mean what the server
 * means: ONLY on both sides unless the table is partitioned, and the
 * referenced column's collation when the two columns' collations differ.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_operator.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "fk_sql.h"
#include "fk_value.h"

/* "schema"."relation", quoted as needed; an error if it is gone. */
const char *
fksql_relname(Oid relid)
{
	char	   *relname = get_rel_name(relid);
	char	   *nspname;

	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid),
				 errhint("It may have been dropped concurrently.")));
	nspname = get_namespace_name(get_rel_namespace(relid));
	return quote_qualified_identifier(nspname, relname);
}

/* "schema", quoted as needed: e.g. the extension's own, for its functions */
const char *
fksql_nspname(Oid nspid)
{
	char	   *nspname = get_namespace_name(nspid);

	if (nspname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema with OID %u does not exist", nspid)));
	return quote_identifier(nspname);
}

/*
 * The relation as RI reads it: with ri_scope, "ONLY" unless it is
 * partitioned (inheritance children are not subject to, nor satisfy, a
 * foreign key; partitions are part of their table).
 */
void
fksql_rel(StringInfo buf, Oid relid, bool ri_scope)
{
	if (ri_scope && get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
		appendStringInfoString(buf, "ONLY ");
	appendStringInfoString(buf, fksql_relname(relid));
}

/* A constraint, trigger or other object name, quoted as needed. */
void
fksql_ident(StringInfo buf, const char *name)
{
	appendStringInfoString(buf, quote_identifier(name));
}

/* alias."column" */
void
fksql_col(StringInfo buf, const char *alias, const char *colname)
{
	if (alias)
		appendStringInfo(buf, "%s.", alias);
	appendStringInfoString(buf, quote_identifier(colname));
}

void
fksql_literal(StringInfo buf, const char *value)
{
	if (value == NULL)
		appendStringInfoString(buf, "NULL");
	else
		appendStringInfoString(buf, quote_literal_cstr(value));
}

/* OPERATOR(schema.op): an operator that means the same under any search_path */
void
fksql_operator(StringInfo buf, Oid opr)
{
	HeapTuple	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(opr));
	Form_pg_operator op;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for operator %u", opr);
	op = (Form_pg_operator) GETSTRUCT(tup);
	appendStringInfo(buf, "OPERATOR(%s.%s)",
					 quote_identifier(get_namespace_name(op->oprnamespace)),
					 NameStr(op->oprname));
	ReleaseSysCache(tup);
}

/* A type name that means the same under any search_path. */
void
fksql_type(StringInfo buf, Oid typid, int32 typmod)
{
	appendStringInfoString(buf,
						   format_type_extended(typid, typmod,
												FORMAT_TYPE_TYPEMOD_GIVEN |
												FORMAT_TYPE_FORCE_QUALIFY));
}

/* " COLLATE schema.collation" */
void
fksql_collate(StringInfo buf, Oid collid)
{
	HeapTuple	tup = SearchSysCache1(COLLOID, ObjectIdGetDatum(collid));
	Form_pg_collation coll;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for collation %u", collid);
	coll = (Form_pg_collation) GETSTRUCT(tup);
	appendStringInfo(buf, " COLLATE %s",
					 quote_qualified_identifier(get_namespace_name(coll->collnamespace),
												NameStr(coll->collname)));
	ReleaseSysCache(tup);
}

/* alias."k1", alias."k2" -- one side's key columns in pairing order. */
void
fksql_key_list(StringInfo buf, FkModel *fk, bool pk_side, const char *alias)
{
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, ", ");
		fksql_col(buf, alias, pk_side ? fk->pk_colnames[i] : fk->fk_colnames[i]);
	}
}

/*
 * pk."a" OPERATOR(s.=) fk."x" [COLLATE pk's] AND ...
 *
 * The constraint's own PK = FK operators, with operands cast to the
 * operator's input types where they differ (domains, varchar -> text), the
 * way RI_Initial_Check compares the two tables.
 */
void
fksql_key_equal(StringInfo buf, FkModel *fk, const char *pkalias,
				const char *fkalias)
{
	for (int i = 0; i < fk->nkeys; i++)
	{
		StringInfoData l;
		StringInfoData r;

		initStringInfo(&l);
		initStringInfo(&r);
		fksql_col(&l, pkalias, fk->pk_colnames[i]);
		fksql_col(&r, fkalias, fk->fk_colnames[i]);
		if (i > 0)
			appendStringInfoString(buf, " AND ");
		generate_operator_clause(buf, l.data, fk->pk_types[i], fk->pf_eq_oprs[i],
								 r.data, fk->fk_types[i]);
		if (fk_key_collation_differs(fk, i))
			fksql_collate(buf, fk->pk_colls[i]);
		pfree(l.data);
		pfree(r.data);
	}
}

/*
 * The referencing key as a GROUP BY list that groups like the referenced
 * key compares: under the referenced column's collation where it differs,
 * so that 'abc' and 'ABC' are one missing parent under a case-insensitive
 * key.
 */
void
fksql_key_group(StringInfo buf, FkModel *fk, const char *fkalias)
{
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, ", ");
		fksql_key_group_item(buf, fk, fkalias, i);
	}
}

/*
 * One item of fksql_key_group's list: the referencing value as the
 * constraint's operator sees it, i.e. cast to the operator's right input
 * type where fksql_key_equal casts it.  Grouping by the bare value would
 * split keys the referenced side treats as one: text 'ab' and 'ab ' are
 * two texts but one char(n) parent.
 */
void
fksql_key_group_item(StringInfo buf, FkModel *fk, const char *fkalias, int i)
{
	Oid			oprleft;
	Oid			oprright;

	op_input_types(fk->pf_eq_oprs[i], &oprleft, &oprright);
	appendStringInfoChar(buf, '(');
	fksql_col(buf, fkalias, fk->fk_colnames[i]);
	if (oprright != fk->fk_types[i])
	{
		appendStringInfoString(buf, "::");
		fksql_type(buf, oprright, -1);
	}
	if (fk_key_collation_differs(fk, i))
		fksql_collate(buf, fk->pk_colls[i]);
	appendStringInfoChar(buf, ')');
}

/*
 * (alias."a" IS NOT NULL AND alias."b" IS NOT NULL): the key has no NULL,
 * so under either match type it names one possible referenced row.  With
 * grouped, written over fksql_key_group's items.
 */
void
fksql_key_complete(StringInfo buf, FkModel *fk, const char *fkalias,
				   bool grouped)
{
	appendStringInfoChar(buf, '(');
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, " AND ");
		if (grouped)
			fksql_key_group_item(buf, fk, fkalias, i);
		else
			fksql_col(buf, fkalias, fk->fk_colnames[i]);
		appendStringInfoString(buf, " IS NOT NULL");
	}
	appendStringInfoChar(buf, ')');
}

/*
 * The rows RI looks up at all: MATCH SIMPLE skips a key with any NULL,
 * MATCH FULL skips only the all-NULL key (a partly NULL one can never
 * match, which the NOT EXISTS below then reports).
 */
void
fksql_key_checked(StringInfo buf, FkModel *fk, const char *fkalias)
{
	if (fk->match_type != FKCONSTR_MATCH_FULL)
	{
		fksql_key_complete(buf, fk, fkalias, false);
		return;
	}
	appendStringInfoChar(buf, '(');
	for (int i = 0; i < fk->nkeys; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, " OR ");
		fksql_col(buf, fkalias, fk->fk_colnames[i]);
		appendStringInfoString(buf, " IS NOT NULL");
	}
	appendStringInfoChar(buf, ')');
}

/*
 * The condition under which a row of the referencing table (alias fkalias)
 * breaks the constraint: it is checked, and no referenced row matches.
 */
void
fksql_orphan_condition(StringInfo buf, FkModel *fk, const char *fkalias)
{
	fksql_key_checked(buf, fk, fkalias);
	appendStringInfoString(buf, " AND NOT EXISTS (SELECT FROM ");
	fksql_rel(buf, fk->pk_relid, true);
	appendStringInfoString(buf, " fk_tools_p WHERE ");
	fksql_key_equal(buf, fk, "fk_tools_p", fkalias);
	appendStringInfoChar(buf, ')');
}

/*
 * " LEFT JOIN <referenced table> pkalias ON <key equal>": a probe of the
 * referenced table that keeps every referencing row, for counting the
 * orphans of several keys in one scan.  A key that may match several
 * referenced rows (see fk_key_matches_one) repeats the rows it matches.
 */
void
fksql_orphan_probe(StringInfo buf, FkModel *fk, const char *fkalias,
				   const char *pkalias)
{
	appendStringInfoString(buf, " LEFT JOIN ");
	fksql_rel(buf, fk->pk_relid, true);
	appendStringInfo(buf, " %s ON ", pkalias);
	fksql_key_equal(buf, fk, pkalias, fkalias);
}

/*
 * After fksql_orphan_probe: the row breaks the constraint.  It is checked
 * and the probe found nothing (a matched key column is never NULL: the
 * operators are strict), as RI_Initial_Check tests it.
 */
void
fksql_orphan_probed(StringInfo buf, FkModel *fk, const char *fkalias,
					const char *pkalias)
{
	appendStringInfoChar(buf, '(');
	fksql_key_checked(buf, fk, fkalias);
	appendStringInfoString(buf, " AND ");
	fksql_col(buf, pkalias, fk->pk_colnames[0]);
	appendStringInfoString(buf, " IS NULL)");
}

/* 'value'::schema.type, or NULL::schema.type */
void
fksql_typed_literal(StringInfo buf, const char *value, Oid typid, int32 typmod)
{
	fksql_literal(buf, value);
	appendStringInfoString(buf, "::");
	fksql_type(buf, typid, typmod);
}

/*
 * a1."k" OPERATOR(s.=) a2."k" AND ... over one side's key columns, with
 * the constraint's own equality for that side (pp or ff), which is what
 * the server uses to decide whether a key changed or a row is the same.
 */
void
fksql_key_same(StringInfo buf, FkModel *fk, bool pk_side, const char *a1,
			   const char *a2)
{
	for (int i = 0; i < fk->nkeys; i++)
	{
		StringInfoData l;
		StringInfoData r;
		const char *col = pk_side ? fk->pk_colnames[i] : fk->fk_colnames[i];
		Oid			typ = pk_side ? fk->pk_types[i] : fk->fk_types[i];

		initStringInfo(&l);
		initStringInfo(&r);
		fksql_col(&l, a1, col);
		fksql_col(&r, a2, col);
		if (i > 0)
			appendStringInfoString(buf, " AND ");
		generate_operator_clause(buf, l.data, typ,
								 pk_side ? fk->pp_eq_oprs[i] : fk->ff_eq_oprs[i],
								 r.data, typ);
		pfree(l.data);
		pfree(r.data);
	}
}

/* alias.tableoid, alias.ctid: where a row is stored, for carrying row sets */
void
fksql_row_id(StringInfo buf, const char *alias)
{
	fksql_col(buf, alias, "tableoid");
	appendStringInfoString(buf, ", ");
	fksql_col(buf, alias, "ctid");
}

/*
 * alias.ctid = ANY ($t) [AND alias.tableoid = $o]: the rows of a set
 * passed as a tid[] parameter (a TID scan), in the table whose OID is
 * parameter $o when the relation read has partitions.
 */
void
fksql_row_in(StringInfo buf, const char *alias, int tids_param,
			 int tableoid_param)
{
	fksql_col(buf, alias, "ctid");
	appendStringInfo(buf, " OPERATOR(pg_catalog.=) ANY ($%d)", tids_param);
	if (tableoid_param > 0)
	{
		appendStringInfoString(buf, " AND ");
		fksql_col(buf, alias, "tableoid");
		appendStringInfo(buf, " OPERATOR(pg_catalog.=) $%d", tableoid_param);
	}
}

/*
 * alias."col" OPERATOR(s.op) $n [COLLATE c], or with any_array
 * alias."col" OPERATOR(s.op) ANY ($n) for a parameter of the array type.
 */
void
fksql_col_equal_param(StringInfo buf, const char *alias, const char *colname,
					  Oid coltype, Oid opr, Oid collid, int paramno,
					  Oid paramtype, bool any_array)
{
	StringInfoData l;
	char		param[16];

	initStringInfo(&l);
	fksql_col(&l, alias, colname);
	snprintf(param, sizeof(param), "$%d", paramno);
	if (any_array)
	{
		/* generate_operator_clause cannot write ANY: spell it out */
		appendStringInfo(buf, "%s ", l.data);
		fksql_operator(buf, opr);
		appendStringInfo(buf, " ANY (%s)", param);
	}
	else
		generate_operator_clause(buf, l.data, coltype, opr, param, paramtype);
	if (OidIsValid(collid))
		fksql_collate(buf, collid);
	pfree(l.data);
}

/*
 * pk."a" OPERATOR(s.=) <x> AND ...: referenced rows matching a referencing
 * key made of parameters and columns: for key column i, $paramnos[i]
 * (typed paramtypes[i]) when paramnos[i] > 0, else fkalias's column.
 * Compared the way RI compares (see fksql_key_equal).
 */
void
fksql_key_equal_params(StringInfo buf, FkModel *fk, const char *pkalias,
					   const char *fkalias, const int *paramnos,
					   const Oid *paramtypes)
{
	for (int i = 0; i < fk->nkeys; i++)
	{
		Oid			collid = fk_key_collation_differs(fk, i) ? fk->pk_colls[i] : InvalidOid;

		if (i > 0)
			appendStringInfoString(buf, " AND ");
		if (paramnos[i] > 0)
			fksql_col_equal_param(buf, pkalias, fk->pk_colnames[i], fk->pk_types[i],
								  fk->pf_eq_oprs[i], collid,
								  paramnos[i], paramtypes[i], false);
		else
		{
			StringInfoData l;
			StringInfoData r;

			initStringInfo(&l);
			initStringInfo(&r);
			fksql_col(&l, pkalias, fk->pk_colnames[i]);
			fksql_col(&r, fkalias, fk->fk_colnames[i]);
			generate_operator_clause(buf, l.data, fk->pk_types[i], fk->pf_eq_oprs[i],
									 r.data, fk->fk_types[i]);
			if (OidIsValid(collid))
				fksql_collate(buf, collid);
		}
	}
}

/*
 * EXISTS (SELECT FROM ROWS FROM (pg_catalog.unnest($n), ...) fk_tools_k
 * (c1, ...) WHERE alias."col1" OPERATOR(s.op) fk_tools_k.c1 [COLLATE c]
 * AND ...): alias's row equals one of the rows zipped from ncols array
 * parameters $firstparam.. (column i's values, typed coltypes[i]'s array).
 * A semi-join, so a row matching several of those rows is selected once.
 * COLLATE makes the column's collation (collids[i], if valid) win over the
 * parameter's default one.
 */
void
fksql_cols_in_params(StringInfo buf, const char *alias, int ncols,
					 char **colnames, const Oid *coltypes, const Oid *eqoprs,
					 const Oid *collids, int firstparam)
{
	appendStringInfoString(buf, "EXISTS (SELECT FROM ROWS FROM (");
	for (int i = 0; i < ncols; i++)
		appendStringInfo(buf, "%spg_catalog.unnest($%d)", i > 0 ? ", " : "",
						 firstparam + i);
	appendStringInfoString(buf, ") fk_tools_k(");
	for (int i = 0; i < ncols; i++)
		appendStringInfo(buf, "%sc%d", i > 0 ? ", " : "", i + 1);
	appendStringInfoString(buf, ") WHERE ");
	for (int i = 0; i < ncols; i++)
	{
		StringInfoData l;
		char		r[32];

		if (i > 0)
			appendStringInfoString(buf, " AND ");
		initStringInfo(&l);
		fksql_col(&l, alias, colnames[i]);
		snprintf(r, sizeof(r), "fk_tools_k.c%d", i + 1);
		generate_operator_clause(buf, l.data, coltypes[i], eqoprs[i], r, coltypes[i]);
		if (OidIsValid(collids[i]))
			fksql_collate(buf, collids[i]);
		pfree(l.data);
	}
	appendStringInfoChar(buf, ')');
}

/*
 * alias."k1" OPERATOR(s.=) $n AND ...: the rows of the referenced table
 * (alias) whose key equals the given values, read from text by the base
 * types of one side's columns (fk_value_read: no domain CHECK runs) and
 * added to params.  Values of the referenced side compare with its own
 * equality (pp), values of the referencing side the way RI compares them
 * (pf, under the referenced column's collation where the two differ).
 */
void
fksql_key_equals_values(StringInfo buf, FkModel *fk, bool pk_side,
						const char *alias, FkParams *params, char **values)
{
	for (int i = 0; i < fk->nkeys; i++)
	{
		Oid			type = pk_side ? fk->pk_types[i] : fk->fk_types[i];
		int32		typmod = pk_side ? fk->pk_typmods[i] : fk->fk_typmods[i];
		Oid			base;
		Datum		d = fk_value_read(values[i], type, typmod, &base);
		int			n = fk_param_add(params, base, d, false);

		if (i > 0)
			appendStringInfoString(buf, " AND ");
		fksql_col_equal_param(buf, alias, fk->pk_colnames[i], fk->pk_types[i],
							  pk_side ? fk->pp_eq_oprs[i] : fk->pf_eq_oprs[i],
							  !pk_side && fk_key_collation_differs(fk, i) ?
							  fk->pk_colls[i] : InvalidOid,
							  n, base, false);
	}
}

/*
 * alias."k1" OPERATOR(s.=) 'v1'::type1 AND ...: the same for SQL handed
 * to a user, with the referenced side's values as typed literals.
 */
void
fksql_key_equals_literals(StringInfo buf, FkModel *fk, const char *alias,
						  char **values)
{
	for (int i = 0; i < fk->nkeys; i++)
	{
		StringInfoData l;
		StringInfoData r;

		initStringInfo(&l);
		initStringInfo(&r);
		fksql_col(&l, alias, fk->pk_colnames[i]);
		fksql_typed_literal(&r, values[i], fk->pk_types[i], fk->pk_typmods[i]);
		if (i > 0)
			appendStringInfoString(buf, " AND ");
		generate_operator_clause(buf, l.data, fk->pk_types[i], fk->pp_eq_oprs[i],
								 r.data, fk->pk_types[i]);
		pfree(l.data);
		pfree(r.data);
	}
}
