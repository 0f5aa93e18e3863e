/*-------------------------------------------------------------------------
 *
 * fk_fix.h
 *	  The statements fk_tools hands out or runs to fix a foreign key: one
 *	  writer per statement, used by every feature (fk_fix.c).
 *
 * A fix handed to a DBA is a list of steps (FkFixStep), each one statement,
 * to run in order, each in its own transaction (psql's autocommit, or
 * \gexec over them): a step that takes a lock stronger than SHARE UPDATE
 * EXCLUSIVE comes after SET lock_timeout, so that waiting for a long
 * transaction fails fast instead of queueing every other session behind
 * it; VALIDATE runs apart from the ADD that made the key NOT VALID; an
 * index is built CONCURRENTLY, outside any transaction block.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FK_FIX_H
#define FK_FIX_H

#include "lib/stringinfo.h"

#include "fk_model.h"

/* How long a step may wait for its lock, and run when it blocks others. */
#define FKFIX_LOCK_TIMEOUT		"3s"
#define FKFIX_BRIEF_TIMEOUT		"10s"	/* a strong lock, no rows read */
#define FKFIX_SCAN_TIMEOUT		"5min"	/* a strong lock while rows are read */

typedef struct FkFixStep
{
	char	   *sql;			/* one statement, no terminating semicolon */
	bool		outside_transaction;	/* refused in a transaction block */
	char	   *locks;			/* what it locks and for how long; NULL for
								 * the session settings */
} FkFixStep;

/* the steps as one text to read, joined by ";\n" */
extern char *fkfix_steps_text(List *steps);
extern List *fkfix_with_lock_timeout(List *steps, const char *lock_timeout);
extern bool fkfix_steps_outside(List *steps);

/* fixes handed out (fk_issues, fk_explain): lists of FkFixStep */
extern List *fkfix_validate_steps(FkModel *fk);
extern List *fkfix_add_key_steps(FkModel *fk);
extern List *fkfix_enable_triggers_steps(FkModel *fk);
extern List *fkfix_create_index_steps(FkModel *fk);
extern List *fkfix_redefine_steps(FkModel *fk, char match_type,
								  char del_action, char upd_action);
extern const char *fkfix_redefine_text(FkModel *fk);
extern List *fkfix_drop_steps(FkModel *fk);
extern List *fkfix_column_types_steps(FkModel *fk);
extern List *fkfix_drop_index_steps(Oid indexoid);
extern List *fkfix_invalid_indexes(FkModel *fk);

/* single statements, run by fk_validate and fk_suggest or inside others */
extern void fkfix_validate(StringInfo buf, FkModel *fk);
extern void fkfix_set_key_null(StringInfo buf, FkModel *fk, const char *alias);

/* data fixes: steps too (BEGIN ... COMMIT where they share a transaction) */
extern List *fkfix_delete_with_dependants(FkModel *fk, char **values,
										  List **notes, bool *general);
extern void fkfix_repoint_then_update(StringInfo buf, FkModel *fk, char **values,
									  List *refs, int nset, char **setcols,
									  char **setvalues, const char *statement);

#endif							/* FK_FIX_H */
