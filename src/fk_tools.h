/*-------------------------------------------------------------------------
 *
 * fk_tools.h
 *	  Internal interfaces shared by the fk_tools source files: the foreign
 *	  key model, the SQL builder and the SPI/result helpers.
 *
 * Every feature describes a constraint with FkModel (loaded only by
 * fk_model.c) and builds every query with the fksql_* functions (fk_sql.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FK_TOOLS_H
#define FK_TOOLS_H

#include "access/htup.h"
#include "funcapi.h"
#include "nodes/execnodes.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/tuplestore.h"

/* What fk_model_* should fill in beyond the pg_constraint row itself. */
#define FK_LOAD_NAMES	0x01	/* column names, types, collations */
#define FK_LOAD_STATE	0x02	/* enforced (RI triggers) and indexed */
#define FK_LOAD_ACTIONS	0x04	/* OIDs of the ON DELETE / ON UPDATE triggers */

/*
 * FkModel: everything fk_tools knows about one foreign key constraint.
 *
 * Arrays are indexed by key position, in the pairing order of the
 * constraint (conkey[i] references confkey[i]).
 */
typedef struct FkModel
{
	Oid			conoid;
	NameData	conname;
	Oid			connamespace;
	Oid			parentoid;		/* conparentid: nonzero for partition clones */

	Oid			fk_relid;		/* referencing table */
	char		fk_relkind;
	bool		fk_has_subclass;	/* inheritance or partition children */
	Oid			pk_relid;		/* referenced table */
	char		pk_relkind;
	Oid			pk_index;		/* conindid: the unique index backing the key */

	int			nkeys;
	AttrNumber	fk_attnums[INDEX_MAX_KEYS];
	AttrNumber	pk_attnums[INDEX_MAX_KEYS];
	Oid			pf_eq_oprs[INDEX_MAX_KEYS]; /* PK = FK, the operator RI uses */
	Oid			pp_eq_oprs[INDEX_MAX_KEYS];
	Oid			ff_eq_oprs[INDEX_MAX_KEYS];

	char		match_type;		/* FKCONSTR_MATCH_SIMPLE or _FULL */
	char		upd_action;		/* FKCONSTR_ACTION_* */
	char		del_action;
	int			n_del_set_cols; /* PG 15: ON DELETE SET NULL/DEFAULT (cols) */
	AttrNumber	del_set_cols[INDEX_MAX_KEYS];

	bool		deferrable;
	bool		initdeferred;
	bool		validated;

	/* FK_LOAD_NAMES */
	char	   *fk_colnames[INDEX_MAX_KEYS];
	char	   *pk_colnames[INDEX_MAX_KEYS];
	Oid			fk_types[INDEX_MAX_KEYS];
	Oid			pk_types[INDEX_MAX_KEYS];
	int32		fk_typmods[INDEX_MAX_KEYS];
	int32		pk_typmods[INDEX_MAX_KEYS];
	Oid			fk_colls[INDEX_MAX_KEYS];
	Oid			pk_colls[INDEX_MAX_KEYS];
	bool		fk_notnull[INDEX_MAX_KEYS];
	bool		fk_inherited[INDEX_MAX_KEYS];	/* attinhcount > 0: ALTER TYPE
												 * only on the parent */

	/* FK_LOAD_STATE */
	bool		enforced;		/* all RI triggers, clones' too, enabled */
	bool		indexed;		/* FK columns lead some valid, total index */

	/* FK_LOAD_ACTIONS: the RI action triggers on the referenced table */
	Oid			pk_del_trigger;
	Oid			pk_upd_trigger;
} FkModel;

/*
 * FkEdge: the bare graph facts of one FK constraint, for walks over many
 * constraints where building a full FkModel for each would cost too much.
 */
typedef struct FkEdge
{
	Oid			conoid;
	Oid			fk_relid;		/* referencing table */
	Oid			pk_relid;		/* referenced table */
} FkEdge;

/* An RI trigger of a constraint, as fk_model_disabled_triggers lists it. */
typedef struct FkTrigger
{
	Oid			relid;			/* the table it is on */
	NameData	name;
	char		enabled;		/* pg_trigger.tgenabled */
} FkTrigger;

/* fk_model.c */
extern FkModel *fk_model_from_tuple(HeapTuple contup, int flags);
extern FkModel *fk_model_load(Oid conoid, int flags);
extern List *fk_model_list(Oid fk_relid, Oid pk_relid, bool declared_only,
						   int flags);
typedef void (*FkModelCallback) (FkModel *fk, void *arg);
extern void fk_model_foreach(bool declared_only, int flags,
							 FkModelCallback cb, void *arg);
extern List *fk_model_edges_at(Oid relid, bool referencing);
extern FkEdge *fk_model_edges(bool declared_only, int *nedges);
extern List *fk_model_checked_on(Oid fk_relid, const char *only_constraint,
								 int flags);
extern List *fk_model_disabled_triggers(FkModel *fk);

extern List *fk_model_acting_on(Oid pk_relid, int flags);
extern int	fk_model_trigger_order(Oid trig_a, Oid trig_b);
extern const char *fk_action_name(char action);
extern const char *fk_match_name(char match_type);
extern Datum fk_colnames_array(FkModel *fk, bool pk_side);
extern char *fk_model_definition(FkModel *fk);
extern bool fk_key_collation_differs(FkModel *fk, int i);

/* fk_sql.c: the only place that turns names, operators and values into SQL */
extern const char *fksql_relname(Oid relid);
extern const char *fksql_nspname(Oid nspid);
extern void fksql_update_key_to_null(StringInfo buf, FkModel *fk,
									 const char *alias);
extern void fksql_rel(StringInfo buf, Oid relid, bool honour_inheritance);
extern void fksql_ident(StringInfo buf, const char *name);
extern void fksql_col(StringInfo buf, const char *alias, const char *colname);
extern void fksql_literal(StringInfo buf, const char *value);
extern void fksql_type(StringInfo buf, Oid typid, int32 typmod);
extern void fksql_collate(StringInfo buf, Oid collid);
extern void fksql_key_list(StringInfo buf, FkModel *fk, bool pk_side,
						   const char *alias);
extern void fksql_key_equal(StringInfo buf, FkModel *fk,
							const char *pkalias, const char *fkalias);
extern void fksql_key_group(StringInfo buf, FkModel *fk, const char *fkalias);
extern void fksql_key_group_item(StringInfo buf, FkModel *fk,
								 const char *fkalias, int i);
extern void fksql_key_complete(StringInfo buf, FkModel *fk, const char *fkalias,
							   bool grouped);
extern void fksql_key_jsonb(StringInfo buf, FkModel *fk, const char *alias,
							bool pk_names, bool grouped);
extern void fksql_key_checked(StringInfo buf, FkModel *fk, const char *fkalias);
extern void fksql_orphan_condition(StringInfo buf, FkModel *fk,
								   const char *fkalias);
extern void fksql_validate_constraint(StringInfo buf, FkModel *fk);
extern void fksql_typed_literal(StringInfo buf, const char *value, Oid typid,
								int32 typmod);
extern void fksql_key_row(StringInfo buf, FkModel *fk, bool pk_side,
						  char **values);
extern void fksql_key_same(StringInfo buf, FkModel *fk, bool pk_side,
						   const char *a1, const char *a2);
extern void fksql_redefine_constraint(StringInfo buf, FkModel *fk,
									  char match_type, char del_action);

/* fk_orphans.c: the orphan engine's pieces, for the repair functions */
extern char *fk_unreadable_reason(FkModel *fk);
extern void fk_require_readable(FkModel *fk, bool whole_fk_row);
extern void fk_orphan_from(StringInfo sql, FkModel *fk);
extern HeapTuple fk_orphan_summary(FkModel *fk, int nsample, TupleDesc *desc);

extern void fksql_row_id(StringInfo buf, const char *alias);
extern void fksql_row_in(StringInfo buf, const char *alias, int tids_param,
						 int tableoid_param);
extern void fksql_col_equal_param(StringInfo buf, const char *alias,
								  const char *colname, Oid coltype, Oid opr,
								  Oid collid, int paramno, Oid paramtype,
								  bool any_array);
extern void fksql_key_equal_params(StringInfo buf, FkModel *fk,
								   const char *pkalias, const char *fkalias,
								   const int *paramnos, const Oid *paramtypes);
extern void fksql_row_jsonb(StringInfo buf, const char *alias);
extern void fksql_cols_in_params(StringInfo buf, const char *alias, int ncols,
								 char **colnames, const Oid *coltypes,
								 const Oid *eqoprs, const Oid *collids,
								 int firstparam);
extern void fksql_cols_jsonb(StringInfo buf, const char *alias, int ncols,
							 char **colnames);

/* One row of fk_cascade_preview / fk_update_preview, as fk_preview.c reads it. */
typedef struct FkPreviewRow
{
	int			depth;
	Oid			relid;			/* table_name */
	char	   *action;
	int64		rows;			/* row_count */
	char	   *via;			/* via_constraint, or NULL */
	Oid			refrel;			/* referenced_table, or InvalidOid */
	char	   *detail;			/* or NULL */
} FkPreviewRow;

/* fk_selfcall.c: the extension's schema, safe to call its own functions in */
extern Oid	fk_selfcall_schema(FunctionCallInfo fcinfo);

/* fk_preview.c: the cascade preview called through its SQL interface */
extern List *fk_preview_call(Oid extnsp, const char *call, int nargs,
							 Oid *argtypes, Datum *values, char **error);
extern List *fk_preview_rows(const char *sql, int nargs, Oid *argtypes,
							 Datum *values);
extern char *fk_preview_text(List *rows, int depth_offset, bool with_root,
							 const char *skip_via);
extern bool fk_single_pk_column(Oid relid, char **colname, Oid *coltype);
extern char **fk_pk_columns(Oid relid, int *ncols);
extern const char *fk_unseen_by_preview(Oid relid);
extern char *fk_preview_unseen_text(List *rows, Oid extra);
extern char *fk_preview_unseen_list(List *rows, Oid extra);

/* fk_spi.c */
extern void fk_spi_connect(void);
extern void fk_spi_finish(void);
extern void fk_spi_into_tuplestore(const char *sql, ReturnSetInfo *rsinfo);
extern HeapTuple fk_spi_one_row(const char *sql, TupleDesc *tupdesc);
extern void fk_lock_and_check_relation(Oid relid, const char *argname,
									   bool allow_partitioned);
extern bool fk_can_read_key(FkModel *fk, bool pk_side, Oid *denied_relid);
extern bool fk_rls_hides_rows(Oid relid);
extern char *fk_try(void (*fn) (void *arg), void *arg, int catch_code);
extern bool fk_column_default(Oid relid, AttrNumber attnum, Datum *value,
							  bool *isnull);
extern void fk_spi_into_tuplestore_args(const char *sql, int nargs,
										Oid *argtypes, Datum *values,
										bool *nulls, ReturnSetInfo *rsinfo);
typedef void (*fk_row_fn) (Datum *values, bool *nulls, void *arg);
extern void fk_spi_stream_args(const char *sql, int nargs, Oid *argtypes,
							   Datum *values, const char *nulls,
							   fk_row_fn fn, void *arg);

/* fk_cascade.c */
extern bool fk_cascade_fast_path;
extern int	fk_cascade_memory_rows;

#endif							/* FK_TOOLS_H */
