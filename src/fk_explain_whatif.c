/*-------------------------------------------------------------------------
 *
 * fk_explain_whatif.c
 *	  What deleting a still-referenced key does now, through every foreign
 *	  key at every depth, and what it would do if the violated key were ON
 *	  DELETE CASCADE or SET NULL: questions put to the cascade engine, the
 *	  what-ifs as the engine's own action overrides.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_constraint.h"
#include "nodes/nodes.h"
#include "utils/builtins.h"

#include "fk_cascade.h"
#include "fk_explain.h"
#include "fk_fix.h"
#include "fk_sql.h"
#include "fk_table.h"

/* The engine's request for deleting the referenced row of the key. */
static FkCascRequest *
delete_of_key(FkModel *fk, char **values, char del_action)
{
	FkCascRequest *req = palloc0(sizeof(FkCascRequest));

	req->root = fk_casc_root(fk->pk_relid, true);
	fkx_key_condition(&req->root->cond, fk, FKC_ROOT_ALIAS, req->root->params,
					  values);
	if (del_action != 0)
	{
		FkCascOverride *o = palloc0(sizeof(FkCascOverride));

		o->conoid = fk->conoid;
		o->del_action = del_action;
		req->overrides = list_make1(o);
	}
	return req;
}

/* fk_casc_run through fk_try: an error (a table the caller cannot read) is a finding */
typedef struct RunInTry
{
	FkCascRequest *req;
	FkCascade  *result;
} RunInTry;

static void
run_in_try(void *arg)
{
	RunInTry   *r = arg;

	r->result = fk_casc_run(r->req);
}

static FkCascade *
run_or_error(FkCascRequest *req, char **error)
{
	RunInTry	r;

	r.req = req;
	r.result = NULL;
	*error = fk_try(run_in_try, &r, 0);
	return *error ? NULL : r.result;
}

/*
 * "depth 1: DELETE 2 row(s) of s.t via c (detail); ..." -- the engine's
 * groups for findings, depths shifted by depth_offset, skipping depth 0
 * unless with_root, and skipping the groups of constraint skip_conoid.
 */
char *
fkx_cascade_text(FkCascade *c, int depth_offset, bool with_root, Oid skip_conoid)
{
	StringInfoData buf;
	FkCascGroup **groups;
	int			n;

	initStringInfo(&buf);
	groups = fk_casc_groups(c, &n);
	for (int i = 0; i < n; i++)
	{
		FkCascGroup *g = groups[i];

		if (g->depth == 0 && !with_root)
			continue;
		if (OidIsValid(skip_conoid) && g->conoid == skip_conoid)
			continue;
		appendStringInfo(&buf, "%sdepth %d: %s %lld row(s) of %s",
						 buf.len > 0 ? "; " : "", g->depth + depth_offset,
						 fk_casc_action_name(g->action), (long long) g->rows,
						 fksql_relname(g->relid));
		if (g->conname)
			appendStringInfo(&buf, " via %s", quote_identifier(g->conname));
		if (g->detail)
		{
			int			len = strlen(g->detail);

			/* a sentence of its own in the preview, a parenthesis here */
			if (len > 0 && g->detail[len - 1] == '.')
				len--;
			appendStringInfo(&buf, " (%.*s)", len, g->detail);
		}
	}
	return buf.data;
}

/* The user code a run cannot see, as a sentence, or NULL. */
static char *
unseen_text(FkCascade *c)
{
	char	   *list = fk_table_user_code_text(fk_casc_tables(c), CMD_DELETE);

	if (list == NULL)
		return NULL;
	return psprintf("The preview does not see user %s: a BEFORE trigger can skip or change rows, an AFTER trigger can change more, a DO INSTEAD rule replaces the statement; the real statement may differ.",
					list);
}

/*
 * What the DELETE of the key does now, through every foreign key at every
 * depth: the cascade engine's answer, as a finding, with the call that
 * shows it.  Returns the run (NULL, with *error set, if it could not be
 * worked out).
 */
FkCascade *
fkx_cascade_now(ExplainOut *out, FkModel *fk, char **values, char **error)
{
	FkCascade  *c = run_or_error(delete_of_key(fk, values, 0), error);
	StringInfoData sql;
	StringInfoData f;
	char	   *unseen;
	int64		blocked;

	initStringInfo(&sql);
	fk_casc_preview_call(&sql, fkx_ext_schema(), fk->pk_relid, fk->nkeys,
						 fk->pk_colnames, values);
	if (c == NULL)
	{
		fkx_emit(out, psprintf("What deleting the key would do through every foreign key could not be worked out: %s.",
							   *error),
				 NULL, sql.data);
		return NULL;
	}
	blocked = fk_casc_total(c, -1, FKC_BLOCKED, InvalidOid);
	initStringInfo(&f);
	appendStringInfo(&f, "What the DELETE of this key does now, through every foreign key at every depth: %s.",
					 fkx_cascade_text(c, 0, true, InvalidOid));
	if (blocked > 0)
		appendStringInfo(&f, " It fails: %lld row(s) are BLOCKED.", (long long) blocked);
	else
		appendStringInfoString(&f, " Nothing blocks it now: the failing statement would succeed if run again.");
	unseen = unseen_text(c);
	if (unseen)
		appendStringInfo(&f, " %s", unseen);
	fkx_emit(out, f.data, NULL, sql.data);
	return c;
}

/*
 * The suggestion to make fk ON DELETE CASCADE, with what deleting the key
 * would then do: the engine's answer with fk taken as CASCADE, at every
 * depth (fk's rows deleted, what they reach, self references and cycles
 * included), and whether anything would still block it.
 */
void
fkx_suggest_cascade(ExplainOut *out, FkModel *fk, char **values, FkCascade *now,
					int64 direct)
{
	StringInfoData s;
	StringInfoData sql;
	const char *con = quote_identifier(NameStr(fk->conname));
	char	   *failed = NULL;
	FkCascade  *c;

	initStringInfo(&s);
	appendStringInfo(&s, "Or make deleting a row of %s delete its referencing rows: ON DELETE CASCADE.",
					 fksql_relname(fk->pk_relid));
	c = run_or_error(delete_of_key(fk, values, FKCONSTR_ACTION_CASCADE), &failed);
	if (c == NULL)
		appendStringInfo(&s, " What that would delete could not be worked out: %s.", failed);
	else
	{
		int64		total = fk_casc_total(c, -1, FKC_DELETE, fk->conoid);
		int64		still = fk_casc_total(c, -1, FKC_BLOCKED, InvalidOid);
		char	   *below = fkx_cascade_text(c, 0, false, fk->conoid);

		appendStringInfo(&s, " Deleting this key would then delete %lld row(s) of %s through %s",
						 (long long) total, fksql_relname(fk->fk_relid), con);
		if (total > direct)
			appendStringInfo(&s, " (%lld referencing it directly, the others referencing those through %s again)",
							 (long long) direct, con);
		appendStringInfo(&s, "; with them, the statement reaches: %s.",
						 below[0] ? below : "nothing more");
		if (still > 0)
			appendStringInfo(&s, " The DELETE would still fail: %lld row(s) BLOCKED.",
							 (long long) still);
		else
			appendStringInfoString(&s, " Nothing would block it.");
		appendStringInfoString(&s, " (Worked out by the cascade preview with the constraint taken as ON DELETE CASCADE.)");
		fk_casc_end(c);
	}
	initStringInfo(&sql);
	fkfix_redefine(&sql, fk, fk->match_type, FKCONSTR_ACTION_CASCADE, fk->upd_action);
	fkx_emit(out, NULL, s.data, sql.data);
}

/*
 * The suggestion to make fk ON DELETE SET NULL, with what deleting the key
 * would then do: the engine's answer with fk taken as SET NULL (its rows'
 * key set to NULL, the ON UPDATE actions that sets off), and whether
 * anything would still block it.
 */
void
fkx_suggest_set_null(ExplainOut *out, FkModel *fk, char **values, FkCascade *now)
{
	StringInfoData s;
	StringInfoData sql;
	char	   *failed = NULL;
	FkCascade  *c;

	initStringInfo(&s);
	appendStringInfoString(&s, "Or keep the referencing rows on delete with their key set to NULL: ON DELETE SET NULL.");
	c = run_or_error(delete_of_key(fk, values, FKCONSTR_ACTION_SETNULL), &failed);
	if (c == NULL)
		appendStringInfo(&s, " What that would change could not be worked out: %s.", failed);
	else
	{
		int64		nulled = fk_casc_total(c, -1, FKC_SET_NULL, fk->conoid);
		int64		still = fk_casc_total(c, -1, FKC_BLOCKED, InvalidOid);
		char	   *below = fkx_cascade_text(c, 0, false, fk->conoid);

		appendStringInfo(&s, " Deleting this key would then set (%s) to NULL in %lld row(s) of %s",
						 fkx_colnames_text(fk, false), (long long) nulled,
						 fksql_relname(fk->fk_relid));
		appendStringInfo(&s, "; with them, the statement reaches: %s.",
						 below[0] ? below : "nothing more");
		if (still > 0)
			appendStringInfo(&s, " The DELETE would still fail: %lld row(s) BLOCKED.",
							 (long long) still);
		appendStringInfo(&s, " CHECK constraints and triggers on %s are not seen by the preview.",
						 fksql_relname(fk->fk_relid));
		fk_casc_end(c);
	}
	initStringInfo(&sql);
	fkfix_redefine(&sql, fk, fk->match_type, FKCONSTR_ACTION_SETNULL, fk->upd_action);
	fkx_emit(out, NULL, s.data, sql.data);
}
