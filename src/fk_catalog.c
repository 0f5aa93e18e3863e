/*-------------------------------------------------------------------------
 *
 * fk_catalog.c
 *	  fk_constraint_rows(), the rows behind the fk_constraints view.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "fk_model.h"

PG_FUNCTION_INFO_V1(fk_constraint_rows);

#define CONSTRAINT_ROWS_COLS	16

static void put_constraint_row(FkModel *fk, void *arg);

/*
 * fk_constraint_rows() RETURNS SETOF record
 *
 * One row per declared foreign key of the database (partition clones are
 * folded into the constraint they were cloned from), then one per
 * declared-only reference (fk_declare): declared_only true, no OID, no
 * actions (nothing fires), neither validated nor enforced.  Catalog reads
 * only; each row is written as soon as its model is built.
 */
Datum
fk_constraint_rows(PG_FUNCTION_ARGS)
{
	InitMaterializedSRF(fcinfo, 0);
	fk_model_foreach(true, FK_LOAD_NAMES | FK_LOAD_STATE | FK_LOAD_REFS,
					 put_constraint_row, fcinfo->resultinfo);
	PG_RETURN_VOID();
}

static void
put_constraint_row(FkModel *fk, void *arg)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) arg;
	Datum		values[CONSTRAINT_ROWS_COLS];
	bool		nulls[CONSTRAINT_ROWS_COLS];

	memset(nulls, 0, sizeof(nulls));
	values[0] = ObjectIdGetDatum(fk->conoid);
	nulls[0] = fk->decl_only;
	values[1] = NameGetDatum(&fk->conname);
	values[2] = ObjectIdGetDatum(fk->fk_relid);
	values[3] = fk_colnames_array(fk, false);
	values[4] = ObjectIdGetDatum(fk->pk_relid);
	values[5] = fk_colnames_array(fk, true);
	values[6] = CStringGetTextDatum(fk_match_name(fk->match_type));
	values[7] = CStringGetTextDatum(fk_action_name(fk->upd_action));
	values[8] = CStringGetTextDatum(fk_action_name(fk->del_action));
	values[9] = BoolGetDatum(fk->deferrable);
	values[10] = BoolGetDatum(fk->initdeferred);
	values[11] = BoolGetDatum(fk->validated);
	values[12] = BoolGetDatum(fk->enforced);
	values[13] = BoolGetDatum(fk->indexed);
	values[14] = CStringGetTextDatum(fk_model_definition(fk));
	values[15] = BoolGetDatum(fk->decl_only);
	nulls[7] = nulls[8] = fk->decl_only;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}
