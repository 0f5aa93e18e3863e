/*-------------------------------------------------------------------------
 *
 * fk_explain.h
 *	  Internals of fk_explain, shared by its files:
 *
 *	  fk_explain.c			the entry points and the findings
 *	  fk_explain_parse.c	reading the error text, the constraint and key
 *	  fk_explain_whatif.c	what the DELETE does now, and would do with
 *							another action
 *
 *-------------------------------------------------------------------------
 */
#ifndef FK_EXPLAIN_H
#define FK_EXPLAIN_H

#include "funcapi.h"

#include "fk_model.h"
#include "fk_spi.h"

/* What kind of violation the message reports. */
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

/* What the error text says, once read. */
typedef struct FkErrorText
{
	FkErrorKind kind;
	bool		match_full;		/* MATCH FULL's partly NULL key */
	bool		bulk;			/* a COPY */
	List	   *candidates;		/* of Candidate */
	char	   *unrecognised;	/* why nothing was read, or NULL */
	char	   *no_such_key;	/* what the message names, when nothing has it */
	char	   *nspname;		/* SCHEMA NAME of the verbose form, or NULL */
} FkErrorText;

/* fk_explain.c */
extern void fkx_emit(ExplainOut *out, const char *finding,
					 const char *suggestion, const char *sql);
extern char *fkx_colnames_text(FkModel *fk, bool pk_side);
extern char *fkx_key_text(FkModel *fk, bool pk_side, char **values);
extern char *fkx_splits_text(FkModel *fk, bool pk_side, List *splits);
extern bool fkx_key_present(FkModel *fk, bool pk_side, char **values);
extern void fkx_key_condition(StringInfo buf, FkModel *fk, const char *alias,
							  FkParams *params, char **values);
extern const char *fkx_ext_schema(void);

/* fk_explain_parse.c */
extern void fkx_parse(const char *text, FkErrorText *err);

/* fk_explain_whatif.c */
extern struct FkCascade *fkx_cascade_now(ExplainOut *out, FkModel *fk,
										 char **values, char **error);
extern void fkx_suggest_cascade(ExplainOut *out, FkModel *fk, char **values,
								struct FkCascade *now, int64 direct);
extern void fkx_suggest_set_null(ExplainOut *out, FkModel *fk, char **values,
								 struct FkCascade *now);
extern char *fkx_cascade_text(struct FkCascade *c, int depth_offset,
							  bool with_root, Oid skip_conoid);

#endif							/* FK_EXPLAIN_H */
