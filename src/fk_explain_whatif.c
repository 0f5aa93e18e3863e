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
#include "fk_value.h"

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
 * included).  Offered as a fix only when nothing would still block the
 * DELETE; otherwise it says what would.
 */
FkxSuggestion *
fkx_suggest_cascade(FkModel *fk, char **values, int64 direct)
{
	FkxSuggestion *sg = palloc0(sizeof(FkxSuggestion));
	StringInfoData s;
	const char *con = quote_identifier(NameStr(fk->conname));
	char	   *failed = NULL;
	FkCascade  *c;

	initStringInfo(&s);
	c = run_or_error(delete_of_key(fk, values, FKCONSTR_ACTION_CASCADE), &failed);
	if (c == NULL)
		appendStringInfo(&s, "Or make deleting a row of %s delete its referencing rows: ON DELETE CASCADE. What that would delete could not be worked out: %s.",
						 fksql_relname(fk->pk_relid), failed);
	else
	{
		int64		total = fk_casc_total(c, -1, FKC_DELETE, fk->conoid);
		int64		still = fk_casc_total(c, -1, FKC_BLOCKED, InvalidOid);
		char	   *below = fkx_cascade_text(c, 0, false, fk->conoid);

		sg->works = still == 0;
		if (sg->works)
			appendStringInfo(&s, "Or make deleting a row of %s delete its referencing rows: ON DELETE CASCADE.",
							 fksql_relname(fk->pk_relid));
		else
			appendStringInfo(&s, "ON DELETE CASCADE alone would not be enough: the DELETE would still fail, %lld row(s) BLOCKED (%s); repair those first.",
							 (long long) still, below);
		appendStringInfo(&s, " Deleting this key would then delete %lld row(s) of %s through %s",
						 (long long) total, fksql_relname(fk->fk_relid), con);
		if (total > direct)
			appendStringInfo(&s, " (%lld referencing it directly, the others referencing those through %s again)",
							 (long long) direct, con);
		if (sg->works)
			appendStringInfo(&s, "; with them, the statement reaches: %s. Nothing would block it.",
							 below[0] ? below : "nothing more");
		else
			appendStringInfoChar(&s, '.');
		appendStringInfoString(&s, " (Worked out by the cascade preview with the constraint taken as ON DELETE CASCADE.)");
		fk_casc_end(c);
	}
	if (sg->works)
	{
		appendStringInfo(&s, " %s", fkfix_redefine_text(fk));
		sg->steps = fkfix_redefine_steps(fk, fk->match_type, FKCONSTR_ACTION_CASCADE, fk->upd_action);
	}
	sg->text = s.data;
	return sg;
}

/*
 * The suggestion to make fk ON DELETE SET NULL, with what deleting the key
 * would then do: the engine's answer with fk taken as SET NULL (its rows'
 * key set to NULL, what the new rows must satisfy, the ON UPDATE actions
 * that sets off).  Offered as a fix only when nothing would block.
 */
FkxSuggestion *
fkx_suggest_set_null(FkModel *fk, char **values)
{
	FkxSuggestion *sg = palloc0(sizeof(FkxSuggestion));
	StringInfoData s;
	char	   *failed = NULL;
	FkCascade  *c;

	initStringInfo(&s);
	c = run_or_error(delete_of_key(fk, values, FKCONSTR_ACTION_SETNULL), &failed);
	if (c == NULL)
		appendStringInfo(&s, "Or keep the referencing rows on delete with their key set to NULL: ON DELETE SET NULL. What that would change could not be worked out: %s.",
						 failed);
	else
	{
		int64		nulled = fk_casc_total(c, -1, FKC_SET_NULL, fk->conoid);
		int64		still = fk_casc_total(c, -1, FKC_BLOCKED, InvalidOid);
		char	   *below = fkx_cascade_text(c, 0, false, fk->conoid);

		sg->works = still == 0;
		if (sg->works)
			appendStringInfo(&s, "Or keep the referencing rows on delete with their key set to NULL: ON DELETE SET NULL. Deleting this key would then set (%s) to NULL in %lld row(s) of %s; with them, the statement reaches: %s.",
							 fkx_colnames_text(fk, false), (long long) nulled,
							 fksql_relname(fk->fk_relid), below[0] ? below : "nothing more");
		else
			appendStringInfo(&s, "ON DELETE SET NULL alone would not be enough: deleting this key would set (%s) to NULL in %lld row(s) of %s, but the DELETE would still fail, %lld row(s) BLOCKED (%s).",
							 fkx_colnames_text(fk, false), (long long) nulled,
							 fksql_relname(fk->fk_relid), (long long) still, below);
		appendStringInfo(&s, " Triggers on %s are not seen by the preview.",
						 fksql_relname(fk->fk_relid));
		fk_casc_end(c);
	}
	if (sg->works)
	{
		appendStringInfo(&s, " %s", fkfix_redefine_text(fk));
		sg->steps = fkfix_redefine_steps(fk, fk->match_type, FKCONSTR_ACTION_SETNULL, fk->upd_action);
	}
	sg->text = s.data;
	return sg;
}

/* The failing UPDATE's new values as the engine takes them (fk_try). */
typedef struct UpdateValues
{
	Oid			relid;
	FkStatement *st;
	FkCascValues *set;
} UpdateValues;

static void
read_update_values(void *arg)
{
	UpdateValues *u = arg;
	Datum	   *vals = palloc(sizeof(Datum) * u->st->nset);
	bool	   *nulls = palloc(sizeof(bool) * u->st->nset);
	Oid		   *types = palloc(sizeof(Oid) * u->st->nset);

	for (int j = 0; j < u->st->nset; j++)
	{
		nulls[j] = u->st->setvalues[j] == NULL;
		vals[j] = nulls[j] ? (Datum) 0 : CStringGetTextDatum(u->st->setvalues[j]);
		types[j] = TEXTOID;
	}
	u->set = fk_casc_values_from_jsonb(u->relid,
									   fk_value_object(u->st->nset, u->st->setcols,
													   vals, nulls, types));
}

/*
 * The engine's request for the failing UPDATE of the key, with fk taken
 * to have upd_action (0: its own): NULL, with *error, when its values
 * cannot be read as the columns' (an unknown column, a bad value).
 */
static FkCascRequest *
update_of_key(FkModel *fk, char **values, FkStatement *st, char upd_action,
			  char **error)
{
	FkCascRequest *req = palloc0(sizeof(FkCascRequest));
	UpdateValues u;

	u.relid = fk->pk_relid;
	u.st = st;
	u.set = NULL;
	if ((*error = fk_try(read_update_values, &u, 0)) != NULL)
		return NULL;
	req->root = fk_casc_root(fk->pk_relid, true);
	fkx_key_condition(&req->root->cond, fk, FKC_ROOT_ALIAS, req->root->params,
					  values);
	req->set = u.set;
	if (upd_action != 0)
	{
		FkCascOverride *o = palloc0(sizeof(FkCascOverride));

		o->conoid = fk->conoid;
		o->upd_action = upd_action;
		req->overrides = list_make1(o);
	}
	return req;
}

/*
 * What the failing UPDATE of the key does now, through every foreign key
 * at every depth, as a finding with the call that shows it; the run, or
 * NULL with *error.
 */
FkCascade *
fkx_update_now(ExplainOut *out, FkModel *fk, char **values, FkStatement *st,
			   char **error)
{
	FkCascRequest *req = update_of_key(fk, values, st, 0, error);
	FkCascade  *c = req ? run_or_error(req, error) : NULL;
	StringInfoData sql;
	StringInfoData f;
	int64		blocked;

	initStringInfo(&sql);
	fk_casc_update_preview_call(&sql, fkx_ext_schema(), fk->pk_relid, fk->nkeys,
								fk->pk_colnames, values, st->nset, st->setcols,
								st->setvalues, NULL, NULL);
	if (c == NULL)
	{
		fkx_emit(out, psprintf("What the UPDATE would do through every foreign key could not be worked out: %s.",
							   *error),
				 NULL, req ? sql.data : NULL);
		return NULL;
	}
	blocked = fk_casc_total(c, -1, FKC_BLOCKED, InvalidOid);
	initStringInfo(&f);
	appendStringInfo(&f, "What the failing UPDATE does now, through every foreign key at every depth: %s.",
					 fkx_cascade_text(c, 0, true, InvalidOid));
	if (blocked > 0)
		appendStringInfo(&f, " It fails: %lld row(s) are BLOCKED.", (long long) blocked);
	else
		appendStringInfoString(&f, " Nothing blocks it now: the failing statement would succeed if run again.");
	fkx_emit(out, f.data, NULL, sql.data);
	return c;
}

/*
 * The suggestion to make fk ON UPDATE CASCADE, with what the failing
 * UPDATE would then do (the engine with fk taken as CASCADE): a fix only
 * when nothing would still block it.
 */
FkxSuggestion *
fkx_suggest_update_cascade(FkModel *fk, char **values, FkStatement *st)
{
	FkxSuggestion *sg = palloc0(sizeof(FkxSuggestion));
	StringInfoData s;
	char	   *failed = NULL;
	FkCascRequest *req = NULL;
	FkCascade  *c = NULL;

	initStringInfo(&s);
	if (st->kind == FKS_UPDATE && st->values_known && st->nset > 0)
	{
		req = update_of_key(fk, values, st, FKCONSTR_ACTION_CASCADE, &failed);
		c = req ? run_or_error(req, &failed) : NULL;
	}
	if (c == NULL)
	{
		sg->works = true;		/* as far as can be known */
		appendStringInfo(&s, "Or make a key update of %s carry over to its referencing rows: ON UPDATE CASCADE (the update preview, with %s taken as ON UPDATE CASCADE, shows what the UPDATE would then change; pass the failing statement to see it here).",
						 fksql_relname(fk->pk_relid), quote_identifier(NameStr(fk->conname)));
	}
	else
	{
		int64		updated = fk_casc_total(c, -1, FKC_UPDATE, fk->conoid);
		int64		still = fk_casc_total(c, -1, FKC_BLOCKED, InvalidOid);
		char	   *below = fkx_cascade_text(c, 0, false, fk->conoid);
		StringInfoData call;

		initStringInfo(&call);
		fk_casc_update_preview_call(&call, fkx_ext_schema(), fk->pk_relid, fk->nkeys,
									fk->pk_colnames, values, st->nset, st->setcols,
									st->setvalues, NameStr(fk->conname), "cascade");
		sg->works = still == 0;
		if (sg->works)
			appendStringInfo(&s, "Or make a key update of %s carry over to its referencing rows: ON UPDATE CASCADE. The failing UPDATE would then update %lld row(s) of %s; with them, the statement reaches: %s. Nothing would block it.",
							 fksql_relname(fk->pk_relid), (long long) updated,
							 fksql_relname(fk->fk_relid), below[0] ? below : "nothing more");
		else
			appendStringInfo(&s, "ON UPDATE CASCADE alone would not be enough: the failing UPDATE would update %lld row(s) of %s but still fail, %lld row(s) BLOCKED (%s).",
							 (long long) updated, fksql_relname(fk->fk_relid),
							 (long long) still, below);
		appendStringInfo(&s, " (Worked out by: %s.)", call.data);
		fk_casc_end(c);
	}
	if (sg->works)
	{
		appendStringInfo(&s, " %s", fkfix_redefine_text(fk));
		sg->steps = fkfix_redefine_steps(fk, fk->match_type, fk->del_action, FKCONSTR_ACTION_CASCADE);
	}
	sg->text = s.data;
	return sg;
}
