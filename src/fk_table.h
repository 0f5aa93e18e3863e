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
#include "nodes/pg_list.h"

/* fk_table_user_code's answer: what of a table's own code fires */
#define FK_USER_TRIGGERS		0x01	/* enabled user triggers */
#define FK_USER_RULES			0x02	/* rules */
#define FK_USER_INSTEAD_RULES	0x04	/* DO INSTEAD rules among them */

/*
 * A key a foreign key may reference: the columns of a unique index the
 * server accepts for it (btree, valid, not deferrable, no predicate and
 * no expressions), with the operator class of each column.
 */
typedef struct FkUniqueKey
{
	Oid			indexoid;
	bool		primary;
	bool		nulls_not_distinct; /* NULLS NOT DISTINCT: NULLs collide */
	int			nkeys;
	AttrNumber	attnums[INDEX_MAX_KEYS];	/* in index order */
	Oid			opclasses[INDEX_MAX_KEYS];
} FkUniqueKey;

extern int	fk_table_primary_key(Oid relid, AttrNumber *attnums);
extern List *fk_table_unique_keys(Oid relid);
extern int	fk_table_user_code(Oid relid, CmdType event);
extern char *fk_table_user_code_text(List *relids, CmdType event);
extern bool fk_table_attnotnull(Oid relid, AttrNumber attnum);

#endif							/* FK_TABLE_H */
