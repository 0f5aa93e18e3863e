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

/* What the failing statement was, when the message says "update or delete". */
typedef enum FkStmtKind
{
	FKS_UNKNOWN,
	FKS_DELETE,
	FKS_UPDATE
} FkStmtKind;

/* The failing statement, as far as it could be read (raw parse only). */
typedef struct FkStatement
{
	FkStmtKind	kind;
	char	   *text;			/* the statement on the referenced table */
	bool		simple;			/* one UPDATE without WITH or RETURNING */
	int			nset;			/* an UPDATE's SET list: */
	char	  **setcols;
	char	  **setvalues;		/* constants as text (NULL: SQL NULL) */
	bool		values_known;	/* every value set is a constant */
} FkStatement;

/* The result being built: rows of (step, finding, suggestion, sql). */
typedef struct ExplainOut
{
	ReturnSetInfo *rsinfo;
	int			step;
	bool		steps_only;		/* fk_explain_steps: one row per fix step */
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
	char	   *statement;		/* the failing statement as the text gives it
								 * (a log's STATEMENT line), or NULL */
} FkErrorText;

/* A suggestion made, emitted once the others are known (working ones first). */
typedef struct FkxSuggestion
{
	char	   *text;
	List	   *steps;			/* NIL: not offered as a statement */
	bool		works;			/* nothing would still block the statement */
} FkxSuggestion;

/* fk_explain.c */
extern void fkx_emit(ExplainOut *out, const char *finding,
					 const char *suggestion, const char *sql);
extern void fkx_emit_steps(ExplainOut *out, const char *finding,
						   const char *suggestion, List *steps);
extern char *fkx_colnames_text(FkModel *fk, bool pk_side);
extern char *fkx_key_text(FkModel *fk, bool pk_side, char **values);
extern char *fkx_splits_text(FkModel *fk, bool pk_side, List *splits);
extern bool fkx_key_present(FkModel *fk, bool pk_side, char **values);
extern void fkx_key_condition(StringInfo buf, FkModel *fk, const char *alias,
							  FkParams *params, char **values);
extern const char *fkx_ext_schema(void);

/* fk_explain_parse.c */
extern void fkx_parse(const char *text, FkErrorText *err);
extern void fkx_parse_statement(const char *sql, Oid pk_relid, FkStatement *st);

/* fk_explain_whatif.c */
extern struct FkCascade *fkx_cascade_now(ExplainOut *out, FkModel *fk,
										 char **values, char **error);
extern FkxSuggestion *fkx_suggest_cascade(FkModel *fk, char **values,
										 int64 direct);
extern FkxSuggestion *fkx_suggest_set_null(FkModel *fk, char **values);
extern struct FkCascade *fkx_update_now(ExplainOut *out, FkModel *fk,
										char **values, FkStatement *st,
										char **error);
extern FkxSuggestion *fkx_suggest_update_cascade(FkModel *fk, char **values,
												 FkStatement *st);
extern char *fkx_cascade_text(struct FkCascade *c, int depth_offset,
							  bool with_root, Oid skip_conoid);

#endif							/* FK_EXPLAIN_H */
