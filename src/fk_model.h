/*-------------------------------------------------------------------------
 *
 * fk_model.h
 *	  The foreign key model: what fk_tools knows about one constraint, loaded
 *	  from the catalogs by fk_model.c only, and the lookups around it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FK_MODEL_H
#define FK_MODEL_H

#include "access/htup.h"
#include "nodes/pg_list.h"

/* What fk_model_* should fill in beyond the pg_constraint row itself. */
#define FK_LOAD_NAMES	0x01	/* column names, types, collations */
#define FK_LOAD_STATE	0x02	/* enforced (RI triggers) and indexed */
#define FK_LOAD_ACTIONS	0x04	/* OIDs of the ON DELETE / ON UPDATE triggers */
#define FK_LOAD_REFS	0x08	/* lists: declared-only references too */

/* The extension's table of declared-only references (fk_declare). */
#define FK_REFS_TABLE	"fk_declared_references"
#define FK_REFS_COLS	8

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
	Oid			parentoid;		/* conparentid: nonzero for partition clones */

	Oid			fk_relid;		/* referencing table */
	char		fk_relkind;
	Oid			pk_relid;		/* referenced table */
	char		pk_relkind;
	Oid			pk_index;		/* conindid: the unique index it relies on */

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

	/*
	 * A reference declared with fk_declare, which no constraint enforces:
	 * conoid is 0, conname its name, actions NO ACTION (none fires), never
	 * validated nor enforced.
	 */
	bool		decl_only;

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
	Oid			conoid;			/* 0 for a declared-only reference */
	Oid			fk_relid;		/* referencing table */
	Oid			pk_relid;		/* referenced table */
	char	   *refname;		/* a declared-only reference's name, or NULL */
} FkEdge;

/*
 * FkKeyFacts: what a dashboard shows of a declared key, for every key of
 * the database at once (fk_model_key_facts: one pass over pg_constraint,
 * one over pg_trigger).
 */
typedef struct FkKeyFacts
{
	Oid			conoid;
	NameData	conname;
	Oid			fk_relid;		/* referencing table */
	Oid			pk_relid;		/* referenced table */
	bool		validated;
	bool		enforced;		/* as FkModel.enforced */
	bool		decl_only;		/* a declared-only reference (conoid 0) */
} FkKeyFacts;

/* An RI trigger of a constraint, as fk_model_disabled_triggers lists it. */
typedef struct FkTrigger
{
	Oid			relid;			/* the table it is on */
	NameData	name;
	char		enabled;		/* pg_trigger.tgenabled */
} FkTrigger;

extern FkModel *fk_model_from_tuple(HeapTuple contup, int flags);
extern FkModel *fk_model_load(Oid conoid, int flags);
extern List *fk_model_list(Oid fk_relid, bool declared_only, int flags);
typedef void (*FkModelCallback) (FkModel *fk, void *arg);
extern void fk_model_foreach(bool declared_only, int flags,
							 FkModelCallback cb, void *arg);
extern List *fk_model_edges_at(Oid relid, bool referencing);
extern FkEdge *fk_model_edges(bool declared_only, int *nedges);
extern FkKeyFacts *fk_model_key_facts(int *nkeys);
extern List *fk_model_checked_on(Oid fk_relid, const char *only_constraint,
								 int flags);
extern List *fk_model_acting_on(Oid pk_relid, bool on_update, int flags);
extern List *fk_model_referencing(Oid pk_relid, bool declared_only, int flags);
extern Oid	fk_model_declared(Oid conoid);
extern bool fk_model_directly_referenced(Oid relid);
extern List *fk_model_named(const char *conname);
extern List *fk_model_disabled_triggers(FkModel *fk);
extern bool fk_model_dropped(Oid conoid, Oid *parentoid);
extern FkModel *fk_model_build(Oid fk_relid, Oid pk_relid, int nkeys,
							   const AttrNumber *fk_attnums,
							   const AttrNumber *pk_attnums,
							   const Oid *pk_opclasses, char match_type,
							   int *bad_pos);
extern FkModel *fk_model_load_edge(FkEdge *e, int flags);
extern List *fk_model_refs(Oid fk_relid, Oid pk_relid, int flags);
extern FkModel *fk_model_ref(const char *name, int flags);
extern FkModel *fk_model_ref_resolve(const char *name, Oid fk_relid,
									 int ncols, char **colnames,
									 Oid pk_relid, int npkcols,
									 char **pkcolnames, char match_type,
									 bool report);
extern char *fk_model_free_name(Oid relid, int ncols, char **colnames,
								List *taken);

extern const char *fk_action_name(char action);
extern const char *fk_match_name(char match_type);
extern Datum fk_colnames_array(FkModel *fk, bool pk_side);
extern Datum fk_name_array_datum(int n, char **names);
extern bool fk_has_leading_index(FkModel *fk);
extern char *fk_model_definition(FkModel *fk);
extern bool fk_key_collation_differs(FkModel *fk, int i);
extern int	fk_key_distinct_columns(FkModel *fk, int *first_pos);
extern bool fk_key_sets_column(FkModel *fk, int i, bool ondelete);
extern bool fk_key_type_differs(FkModel *fk, int i);
extern bool fk_key_matches_one(FkModel *fk);
extern bool fk_key_probe_indexed(FkModel *fk);

#endif							/* FK_MODEL_H */
