/*-------------------------------------------------------------------------
 *
 * fk_cascade.h
 *	  The cascade engine: what a DELETE, or an UPDATE of some rows' keys,
 *	  would do through the foreign keys, worked out read-only.
 *
 * A caller describes the statement (its rows: a condition built with the
 * SQL builder, or a key as the SQL functions take it; for an UPDATE the
 * new values), may ask what would happen if some constraints had other
 * actions, and gets the result as groups: per depth, table, action and
 * constraint, the number of rows, and on request the rows themselves.
 * The caller must be connected to SPI.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FK_CASCADE_H
#define FK_CASCADE_H

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

#include "fk_spi.h"

/* What happens to the rows of a group. */
typedef enum FkCascAction
{
	FKC_DELETE,					/* deleted (the statement's own, or CASCADE) */
	FKC_UPDATE,					/* updated (the statement's own, or ON UPDATE
								 * CASCADE) */
	FKC_SET_NULL,
	FKC_SET_DEFAULT,
	FKC_BLOCKED					/* they make the statement fail */
} FkCascAction;

/* Why rows block the statement (or, FKW_VOLATILE, what is not known). */
typedef enum FkCascWhy
{
	FKW_NONE,
	FKW_RESTRICT,
	FKW_NO_ACTION,
	FKW_DEFERRED,
	FKW_NOT_NULL,				/* SET NULL into a NOT NULL column */
	FKW_NO_PARENT,				/* a new key without a referenced row */
	FKW_MATCH_FULL,				/* a new key mixing NULL and non-NULL */
	FKW_STORE_FAILS,			/* the new value cannot be stored */
	FKW_VOLATILE				/* not blocking: a volatile default */
} FkCascWhy;

/* New values for columns, by name: an UPDATE's SET list. */
typedef struct FkCascValues
{
	int			n;
	char	  **cols;
	Oid		   *types;			/* base types (no domain) */
	Datum	   *values;
	bool	   *nulls;
	char	   *error;			/* why the values cannot be stored, or NULL */
	char	   *unknown;		/* why they are not known in advance, or NULL */
} FkCascValues;

/*
 * The statement's own rows: the rows of relid (with only: not of its
 * inheritance children) for which cond, a condition on the alias
 * FKC_ROOT_ALIAS with the parameters params, holds.
 */
#define FKC_ROOT_ALIAS "fk_tools_t"

typedef struct FkCascRoot
{
	Oid			relid;
	bool		only;
	StringInfoData cond;
	FkParams   *params;
	double		est_rows;		/* rows cond selects, when known; else -1 */
} FkCascRoot;

/* What-if: constraint conoid (the declared one) with other actions. */
typedef struct FkCascOverride
{
	Oid			conoid;
	char		del_action;		/* FKCONSTR_ACTION_*, or 0: unchanged */
	char		upd_action;
} FkCascOverride;

typedef struct FkCascRequest
{
	FkCascRoot *root;
	FkCascValues *set;			/* NULL: a DELETE; else UPDATE ... SET */
	List	   *overrides;		/* of FkCascOverride */
	bool		keep_rows;		/* for fk_casc_group_rows */
} FkCascRequest;

/* One group of the result: rows of one table reached one way. */
typedef struct FkCascGroup
{
	int			depth;			/* 0: the statement's own rows */
	Oid			relid;			/* the table (or partition) holding them */
	FkCascAction action;
	FkCascWhy	why;
	Oid			conoid;			/* the declared constraint; 0 at depth 0 */
	const char *conname;
	Oid			refrel;			/* the table whose change reached them */
	int64		rows;
	bool		ondelete;		/* reached by an ON DELETE action */
	const char *detail;			/* why they block, what is not seen; or NULL */
	int			id;				/* private to the engine */
} FkCascGroup;

typedef struct FkCascade FkCascade;

extern void fk_cascade_init(void);
extern FkCascRoot *fk_casc_root(Oid relid, bool only);
extern FkCascRoot *fk_casc_root_from_key(Oid target, Oid keytype, Datum key);
extern FkCascValues *fk_casc_values_from_jsonb(Oid target, Jsonb *jb);
extern List *fk_casc_overrides_from_jsonb(Jsonb *jb, bool update);
extern FkCascade *fk_casc_run(FkCascRequest *req);
extern FkCascGroup **fk_casc_groups(FkCascade *c, int *ngroups);
extern void fk_casc_group_rows(FkCascade *c, FkCascGroup *g, FkRowFn fn,
							   void *arg);
extern void fk_casc_end(FkCascade *c);
extern const char *fk_casc_action_name(FkCascAction action);
extern int64 fk_casc_total(FkCascade *c, int depth, FkCascAction action,
						   Oid conoid);
extern List *fk_casc_tables(FkCascade *c);

/*
 * fk_cascade_refs.c: rows a statement would leave orphaned under a
 * declared-only reference, which fires nothing (a finding, not a group).
 */
typedef struct FkCascRefFinding
{
	int			depth;			/* one below the group whose rows go */
	Oid			relid;			/* the referencing table */
	const char *refname;
	Oid			refrel;			/* the table whose rows go */
	int64		rows;			/* -1: not counted (see detail) */
	const char *detail;
} FkCascRefFinding;

extern bool fk_casc_refs_wanted(void);
extern List *fk_casc_ref_findings(FkCascade *c, FkCascRequest *req);

/* fk_cascade_sql.c */
extern void fk_casc_preview_call(StringInfo buf, const char *extschema,
								 Oid relid, int n, char **cols, char **values);
extern void fk_casc_update_preview_call(StringInfo buf, const char *extschema,
										Oid relid, int n, char **cols,
										char **values, int nset, char **setcols,
										char **setvalues, const char *conname,
										const char *action);

#endif							/* FK_CASCADE_H */
