/*-------------------------------------------------------------------------
 *
 * fk_table.h
 *	  Facts about one table that several features need: its primary key,
 *	  the user code that fires on its rows, NOT NULL columns (fk_table.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FK_TABLE_H
#define FK_TABLE_H

#include "nodes/nodes.h"

/* fk_table_user_code's answer: what of a table's own code fires */
#define FK_USER_TRIGGERS		0x01	/* enabled user triggers */
#define FK_USER_RULES			0x02	/* rules */
#define FK_USER_INSTEAD_RULES	0x04	/* DO INSTEAD rules among them */

extern int	fk_table_primary_key(Oid relid, AttrNumber *attnums);
extern int	fk_table_user_code(Oid relid, CmdType event);
extern char *fk_table_user_code_text(List *relids, CmdType event);
extern bool fk_table_attnotnull(Oid relid, AttrNumber attnum);

#endif							/* FK_TABLE_H */
