/*-------------------------------------------------------------------------
 *
 * fk_progress.h
 *	  How far a running check or snapshot is: shown to other sessions
 *	  through the backend's activity record (pg_stat_activity), and to the
 *	  caller as NOTICEs when fk_tools.progress_notices is on
 *	  (fk_progress.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FK_PROGRESS_H
#define FK_PROGRESS_H

#include "fk_model.h"

extern void fk_progress_init(void);
extern void fk_progress_begin(const char *command, int64 run_id, int nkeys);
extern void fk_progress_key(int keys_done, FkModel *fk, int64 rows_done);
extern void fk_progress_key_rows(FkModel *fk, int64 key_rows);
extern void fk_progress_key_done(const char *outcome);
extern void fk_progress_end(const char *how);
extern int64 fk_rows_estimate(FkModel *fk);

#endif							/* FK_PROGRESS_H */
