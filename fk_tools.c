/*-------------------------------------------------------------------------
 *
 * fk_tools.c
 *	  Module entry of fk_tools: foreign key diagnostics inside PostgreSQL.
 *
 * Where things live (under src/, one header per module):
 *	  fk_model.c		the foreign key model, loaded from the catalogs
 *	  fk_table.c		facts about one table: primary key, user code, NOT NULL
 *	  fk_sql.c			the SQL builder every generated query goes through
 *	  fk_spi.c			running generated queries; the subtransaction
 *						wrapper fk_try
 *	  fk_access.c		relation and privilege checks, one report for each
 *	  fk_value.c		values without another role's code: jsonb and text
 *						rendering, reading keys, column defaults as owner
 *	  fk_fix.c			one writer for every fix statement
 *	  fk_catalog.c		fk_constraints (the view's rows)
 *	  fk_graph.c		fk_referencing_tables, fk_referenced_tables,
 *						fk_load_order
 *	  fk_issues.c		fk_issues (the view's rows)
 *	  fk_orphans.c		the orphan engine: fk_orphans, fk_check,
 *						fk_missing_parents
 *	  fk_cascade*.c		the cascade engine (fk_cascade.h) and its SQL
 *						functions fk_cascade_preview, fk_update_preview,
 *						fk_cascade_rows (fk_cascade_sql.c)
 *	  fk_explain*.c		fk_explain: parsing errors, findings, what-ifs
 *	  fk_repair.c		fk_validate, fk_repair_orphans
 *	  fk_picture*.c		pictures as DOT or Mermaid text: fk_graph,
 *						fk_cascade_graph, fk_update_graph
 *	  fk_store.c		the extension's own tables, written from C
 *	  fk_snapshot.c		check results kept as history: fk_check_snapshot,
 *						fk_check_snapshot_rolling, fk_snapshot_keys
 *	  fk_progress.c		progress of checks for other sessions and NOTICEs;
 *						fk_check_progress_rows
 *	  fk_audit.c		the opt-in audit of who switched enforcement off
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "fk_cascade.h"
#include "fk_progress.h"
#include "fk_remote.h"
#include "fk_snapshot.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	fk_cascade_init();
	fk_remote_init();
	fk_snapshot_init();
	fk_progress_init();
	MarkGUCPrefixReserved("fk_tools");
}
