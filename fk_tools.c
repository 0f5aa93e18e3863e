/*-------------------------------------------------------------------------
 *
 * fk_tools.c
 *	  Module entry of fk_tools: foreign key diagnostics inside PostgreSQL.
 *
 * Where things live (all under src/, sharing src/fk_tools.h):
 *	  fk_model.c	the foreign key model, loaded from the catalogs
 *	  fk_sql.c		the SQL builder every generated query goes through
 *	  fk_spi.c		running generated queries; privilege and relkind checks;
 *					the subtransaction wrapper fk_try
 *	  fk_catalog.c	fk_constraints (the view's rows)
 *	  fk_graph.c	fk_referencing_tables, fk_referenced_tables, fk_load_order
 *	  fk_issues.c	fk_issues (the view's rows)
 *	  fk_orphans.c	fk_orphans, fk_check, fk_missing_parents
 *	  fk_cascade.c	fk_cascade_preview, fk_update_preview, fk_cascade_rows
 *	  fk_explain.c	fk_explain (from an error text or a constraint)
 *	  fk_repair.c	fk_validate, fk_repair_orphans
 *	  fk_preview.c	calling the cascade preview (fk_cascade.c) through SQL,
 *					for fk_explain and fk_repair_orphans
 *	  fk_selfcall.c	the check that those calls reach the extension's own
 *					functions, not a namesake added to its schema
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "fk_tools.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomBoolVariable("fk_tools.cascade_fast_path",
							 "Lets cascade previews count tree-shaped cascades in SQL.",
							 "Off makes them follow every row, as for cascades that reach a table twice; for testing.",
							 &fk_cascade_fast_path,
							 true,
							 PGC_USERSET,
							 GUC_NOT_IN_SAMPLE,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("fk_tools.cascade_memory_rows",
							"Rows a cascade preview keeps in memory before spilling to temporary files.",
							"0 derives it from work_mem; a small value makes small cascades spill, for testing.",
							&fk_cascade_memory_rows,
							0, 0, INT_MAX,
							PGC_USERSET,
							GUC_NOT_IN_SAMPLE,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("fk_tools");
}
