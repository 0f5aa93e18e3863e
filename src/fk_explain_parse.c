/*-------------------------------------------------------------------------
 *
 * fk_explain_parse.c
 *	  Reading a foreign key error as a user pastes it: which constraint it
 *	  names, and the key's values.
 *
 * The server writes names and key values into its messages without any
 * quoting ("%s" inside double quotes, values from the output functions
 * joined by ", "), so a message alone can be ambiguous: a table called
 * x" violates foreign key constraint "y breaks naive parsing, and so does
 * a value containing ", ".  Parsing therefore anchors on the fixed
 * message text, tries every possible split of what lies between the
 * anchors, and keeps only the splits the catalog confirms: a constraint
 * of that name on a table of that name, key column names that spell the
 * Key (...) list exactly, and values that each of the key's types reads
 * back unchanged.  What remains ambiguous is reported with its candidates.
 *
 * The work is bounded by the input: names are at most NAMEDATALEN - 1
 * bytes, so only splits within that distance of an anchor are tried,
 * constraints are looked up by name through pg_constraint's index, and
 * reading values back has a budget proportional to the text.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_constraint.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"

#include "fk_access.h"
#include "fk_explain.h"
#include "fk_spi.h"
#include "fk_value.h"

/* The fixed parts of the server's messages that parsing anchors on. */
#define MSG_INSERT	"insert or update on table \""
#define MSG_DELETE	"update or delete on table \""
#define MSG_VIOLATES "\" violates foreign key constraint \""
#define MSG_ON_TABLE "\" on table \""
#define DET_KEY		"Key ("
#define DET_MISSING ") is not present in table \""
#define DET_REFERENCED ") is still referenced from table \""
#define DET_MATCH_FULL "MATCH FULL does not allow mixing of null and nonnull key values."

/* Splits of a value list tried at most, and ends of it tried at most. */
#define MAX_SPLITS	256
#define MAX_VALUE_ENDS 16

/* The longest name the server writes. */
#define MAX_NAME	(NAMEDATALEN - 1)

/* Where the line starting at s ends (its '\r' or '\n', or the end). */
static const char *
line_end(const char *s)
{
	const char *e = s;

	while (*e && *e != '\n' && *e != '\r')
		e++;
	return e;
}

/*
 * The value of a field that psql prints in verbose mode, on a line of its
 * own: "SCHEMA NAME:  s", "TABLE NAME:  t", "CONSTRAINT NAME:  c".  These
 * carry the names unambiguously, schema included, up to the end of the
 * line: a name containing a line break continues past it, which
 * verbose_matches allows for.
 */
static char *
verbose_field(const char *text, const char *label)
{
	size_t		len = strlen(label);
	const char *p = text;

	while (*p)
	{
		const char *start = p;
		const char *end = line_end(p);

		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
		if ((size_t) (end - start) > len + 2 && strncmp(start, label, len) == 0 &&
			start[len] == ':' && start[len + 1] == ' ')
		{
			start += len + 1;
			while (start < end && *start == ' ')
				start++;
			return pnstrdup(start, end - start);
		}
		p = *end ? end + 1 : end;
	}
	return NULL;
}

/* Does name fit a verbose field (NULL: no field): equal, or its first line? */
static bool
verbose_matches(const char *field, const char *name)
{
	size_t		n;

	if (field == NULL)
		return true;
	n = strlen(field);
	return strcmp(field, name) == 0 ||
		(strncmp(field, name, n) == 0 && (name[n] == '\n' || name[n] == '\r'));
}

/*
 * The declared foreign keys a message may mean: a constraint named
 * conname on a table named relname (any schema, or nspname) referencing a
 * table named pkrelname (if given).  A partition's clone stands for the
 * constraint it was cloned from, since messages name the partition.
 * Constraints are found through pg_constraint's (conname, connamespace)
 * index; other sessions' temporary tables are left out (nobody can read
 * them, and they must not make the explanation fail for everyone).
 */
static List *
find_constraints(const char *conname, const char *relname,
				 const char *pkrelname, const char *nspname, List *result)
{
	List	   *found = NIL;
	ListCell   *lc;

	if (strlen(conname) > MAX_NAME || strlen(relname) > MAX_NAME ||
		(pkrelname && strlen(pkrelname) > MAX_NAME))
		return result;
	foreach(lc, fk_model_named(conname))
	{
		FkEdge	   *e = lfirst(lc);
		Oid			conrelid = e->fk_relid;
		Oid			confrelid = e->pk_relid;
		char	   *rel = get_rel_name(conrelid);
		char	   *pkrel = get_rel_name(confrelid);

		if (rel == NULL || strcmp(rel, relname) != 0)
			continue;
		if (pkrelname && (pkrel == NULL || strcmp(pkrel, pkrelname) != 0))
			continue;
		if (fk_is_other_temp(conrelid) || fk_is_other_temp(confrelid))
			continue;
		if (nspname &&
			strcmp(get_namespace_name(get_rel_namespace(conrelid)), nspname) != 0)
			continue;
		found = lappend_oid(found, fk_model_declared(e->conoid));
	}

	foreach(lc, found)
	{
		Oid			conoid = lfirst_oid(lc);
		bool		dup = false;
		ListCell   *lc2;
		FkModel    *fk;

		foreach(lc2, result)
			dup |= ((Candidate *) lfirst(lc2))->fk->conoid == conoid;
		if (!dup && (fk = fk_model_load(conoid, FK_LOAD_NAMES)) != NULL)
		{
			Candidate  *c = palloc0(sizeof(Candidate));

			c->fk = fk;
			result = lappend(result, c);
		}
	}
	return result;
}

/*
 * Every way of cutting vals at ", " into the key's number of values such
 * that each value reads back under its column's type (a list of char **).
 * *budget is the number of bytes still allowed to be read back; the work
 * stops when it runs out.
 */
static List *
split_values(FkModel *fk, bool pk_side, const char *vals, int64 *budget)
{
	int			seps[1024];
	int			nseps = 0;
	int			choice[INDEX_MAX_KEYS];
	int			k = fk->nkeys - 1;	/* cuts to make */
	List	   *result = NIL;
	int			tried = 0;
	int			len = strlen(vals);

	for (const char *p = strstr(vals, ", "); p && nseps < lengthof(seps);
		 p = strstr(p + 1, ", "))
		seps[nseps++] = p - vals;
	if (k > nseps)
		return NIL;

	/* choose k of the nseps separators, in increasing order */
	for (int i = 0; i < k; i++)
		choice[i] = i;
	for (;;)
	{
		char	  **values = palloc(sizeof(char *) * fk->nkeys);
		bool		ok = true;
		int			i;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < fk->nkeys && ok; i++)
		{
			int			from = i == 0 ? 0 : seps[choice[i - 1]] + 2;
			int			to = i == k ? len : seps[choice[i]];

			if ((*budget -= (to - from) + 1) < 0)
				return result;
			values[i] = pnstrdup(vals + from, to - from);
			ok = fk_value_reads_back(values[i],
									 pk_side ? fk->pk_types[i] : fk->fk_types[i],
									 pk_side ? fk->pk_typmods[i] : fk->fk_typmods[i]);
		}
		if (ok)
			result = lappend(result, values);
		if (++tried >= MAX_SPLITS)
			break;
		/* next combination */
		for (i = k - 1; i >= 0 && choice[i] == nseps - k + i; i--)
			;
		if (i < 0)
			break;
		choice[i]++;
		for (int j = i + 1; j < k; j++)
			choice[j] = choice[j - 1] + 1;
	}
	return result;
}

/*
 * Find "Key (<this constraint's columns>)=(...) <suffix>" in the text and
 * read the values.  The column list is known exactly from the catalog; the
 * value list ends at one of the suffix's occurrences: the first one that
 * yields readings wins.
 */
static void
parse_values(Candidate *cand, FkErrorKind kind, const char *text, int64 *budget)
{
	FkModel    *fk = cand->fk;
	bool		pk_side = kind == FKE_DELETE;
	char	   *head = psprintf("%s%s)=(", DET_KEY, fkx_colnames_text(fk, pk_side));
	const char *suffix = pk_side ? DET_REFERENCED : DET_MISSING;
	const char *start = strstr(text, head);
	int			tries = 0;

	cand->values = NULL;
	cand->value_splits = NIL;
	if (start == NULL)
		return;
	start += strlen(head);
	for (const char *end = strstr(start, suffix);
		 end && tries++ < MAX_VALUE_ENDS && *budget > 0;
		 end = strstr(end + 1, suffix))
	{
		char	   *vals = pnstrdup(start, end - start);

		cand->value_splits = split_values(fk, pk_side, vals, budget);
		if (cand->value_splits != NIL)
			break;
	}
	if (list_length(cand->value_splits) == 1)
		cand->values = linitial(cand->value_splits);
}

/*
 * The positions p (0 <= p <= MAX_NAME) in s where a name of at most
 * MAX_NAME bytes can end, followed by the anchor: s[p..] starts with
 * anchor.
 */
static List *
name_ends(const char *s, const char *anchor)
{
	List	   *result = NIL;
	size_t		alen = strlen(anchor);

	for (int p = 0; p <= MAX_NAME && s[p]; p++)
		if (strncmp(s + p, anchor, alen) == 0)
			result = lappend_int(result, p);
	return result;
}

/*
 * The positions q where a quoted name ends in s: s[q] is the closing '"'
 * (q <= MAX_NAME) followed by the end of the text, a line break, a blank
 * or a period.
 */
static List *
quote_ends(const char *s)
{
	List	   *result = NIL;

	for (int q = 0; q <= MAX_NAME && s[q]; q++)
		if (s[q] == '"' &&
			(s[q + 1] == '\0' || s[q + 1] == '\n' || s[q + 1] == '\r' ||
			 s[q + 1] == ' ' || s[q + 1] == '\t' || s[q + 1] == '.'))
			result = lappend_int(result, q);
	return result;
}

/*
 * The JSON string starting at s (just after its opening quote), decoded;
 * *end is set past its closing quote.  NULL when it does not end.
 */
static char *
json_string(const char *s, const char **end)
{
	StringInfoData buf;

	initStringInfo(&buf);
	while (*s && *s != '"')
	{
		if (*s != '\\')
		{
			appendStringInfoChar(&buf, *s++);
			continue;
		}
		s++;
		switch (*s)
		{
			case 'n':
				appendStringInfoChar(&buf, '\n');
				break;
			case 'r':
				appendStringInfoChar(&buf, '\r');
				break;
			case 't':
				appendStringInfoChar(&buf, '\t');
				break;
			case 'b':
				appendStringInfoChar(&buf, '\b');
				break;
			case 'f':
				appendStringInfoChar(&buf, '\f');
				break;
			case 'u':
				{
					unsigned int cp = 0;
					unsigned char utf8[8];

					for (int i = 1; i <= 4; i++)
					{
						char		h = s[i];

						if (!isxdigit((unsigned char) h))
							return NULL;
						cp = cp * 16 + (isdigit((unsigned char) h) ? h - '0' :
										(tolower((unsigned char) h) - 'a' + 10));
					}
					s += 4;
					/* a surrogate pair: the second half follows */
					if (cp >= 0xD800 && cp <= 0xDBFF && s[1] == '\\' && s[2] == 'u')
					{
						unsigned int lo = 0;

						for (int i = 3; i <= 6; i++)
						{
							char		h = s[i];

							if (!isxdigit((unsigned char) h))
								return NULL;
							lo = lo * 16 + (isdigit((unsigned char) h) ? h - '0' :
											(tolower((unsigned char) h) - 'a' + 10));
						}
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
						s += 6;
					}
					if (cp == 0)
						cp = ' ';	/* no NUL inside a text value */
					unicode_to_utf8((pg_wchar) cp, utf8);
					appendBinaryStringInfo(&buf, (char *) utf8, pg_utf_mblen(utf8));
				}
				break;
			case '\0':
				return NULL;
			default:
				/* \" \\ \/ */
				appendStringInfoChar(&buf, *s);
				break;
		}
		s++;
	}
	if (*s != '"')
		return NULL;
	*end = s + 1;
	return buf.data;
}

/*
 * The top-level string field key of a JSON object on one line, or NULL:
 * "key":"value" as jsonlog writes it, blanks around ':' allowed.
 */
static char *
json_field(const char *line, const char *lineend, const char *key)
{
	char	   *pattern = psprintf("\"%s\"", key);
	size_t		plen = strlen(pattern);

	for (const char *p = strstr(line, pattern); p && p < lineend;
		 p = strstr(p + 1, pattern))
	{
		const char *q = p - 1;
		const char *v = p + plen;
		const char *end;
		char	   *value;

		/* a key, not the inside of a value: after '{' or ',' */
		while (q >= line && (*q == ' ' || *q == '\t'))
			q--;
		if (q < line || (*q != '{' && *q != ','))
			continue;
		while (v < lineend && (*v == ' ' || *v == '\t'))
			v++;
		if (v >= lineend || *v != ':')
			continue;
		v++;
		while (v < lineend && (*v == ' ' || *v == '\t'))
			v++;
		if (v >= lineend || *v != '"')
			continue;
		value = json_string(v + 1, &end);
		if (value && end <= lineend)
			return value;
	}
	return NULL;
}

/*
 * A jsonlog line (log_destination = jsonlog) carrying a foreign key
 * violation, as the lines psql prints: its message, detail and statement
 * fields decoded.  NULL when the text has no such line.
 */
static char *
from_jsonlog(const char *text)
{
	for (const char *p = text; *p;)
	{
		const char *start = p;
		const char *end = line_end(p);

		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
		if (start < end && *start == '{')
		{
			char	   *message = json_field(start, end, "message");

			if (message && strstr(message, MSG_VIOLATES))
			{
				char	   *detail = json_field(start, end, "detail");
				char	   *statement = json_field(start, end, "statement");

				return psprintf("ERROR:  %s%s%s%s%s", message,
								detail ? "\nDETAIL:  " : "", detail ? detail : "",
								statement ? "\nSTATEMENT:  " : "",
								statement ? statement : "");
			}
		}
		p = *end ? end + 1 : end;
	}
	return NULL;
}

/* Does the line hold a server log field after its prefix ("ERROR:  ", ...)? */
static bool
log_field_line(const char *line, const char *end)
{
	static const char *const fields[] = {
		"ERROR:  ", "DETAIL:  ", "HINT:  ", "CONTEXT:  ", "STATEMENT:  ",
		"LOG:  ", "WARNING:  ", "NOTICE:  ", "FATAL:  ", "PANIC:  ", "LOCATION:  "
	};
	char	   *l = pnstrdup(line, end - line);

	for (int i = 0; i < lengthof(fields); i++)
		if (strstr(l, fields[i]))
			return true;
	return false;
}

/*
 * The statement of a server log ("<prefix>STATEMENT:  DELETE ..."): the
 * rest of that line and the lines that follow it up to the next log line;
 * or the last line of an Active Record exception (": DELETE ...").
 */
static char *
log_statement(const char *text)
{
	const char *p = strstr(text, "STATEMENT:  ");
	const char *end;

	/* Active Record's exceptions end with a line ": <statement>" */
	if (p == NULL && (p = strstr(text, "\n: ")) != NULL)
		return pstrdup(p + 3);
	if (p == NULL)
		return NULL;
	p += strlen("STATEMENT:  ");
	end = line_end(p);
	while (*end)
	{
		const char *next = end + 1;
		const char *nend;

		if (*end == '\r' && *next == '\n')
			next++;
		nend = line_end(next);
		if (next == nend || log_field_line(next, nend))
			break;
		end = nend;
	}
	return pnstrdup(p, end - p);
}

/* The text of a constant in a raw parse tree (NULL: SQL NULL); false if none. */
static bool
raw_constant(Node *n, char **text)
{
	A_Const    *c;

	if (n && IsA(n, TypeCast))
		n = ((TypeCast *) n)->arg;
	if (n == NULL || !IsA(n, A_Const))
		return false;
	c = (A_Const *) n;
	if (c->isnull)
	{
		*text = NULL;
		return true;
	}
	switch (nodeTag(&c->val))
	{
		case T_Integer:
			*text = psprintf("%d", intVal(&c->val));
			return true;
		case T_Float:
			*text = pstrdup(castNode(Float, &c->val)->fval);
			return true;
		case T_String:
			*text = pstrdup(strVal(&c->val));
			return true;
		case T_Boolean:
			*text = pstrdup(boolVal(&c->val) ? "true" : "false");
			return true;
		default:
			return false;
	}
}

/* What fkx_parse_statement's raw parse hands back. */
typedef struct ParseStatement
{
	const char *sql;
	List	   *stmts;
} ParseStatement;

static void
parse_statement(void *arg)
{
	ParseStatement *p = arg;

	p->stmts = raw_parser(p->sql, RAW_PARSE_DEFAULT);
}

/* The UPDATE or DELETE of relname in a statement or its WITH clause. */
static Node *
find_modification(Node *stmt, const char *relname, int depth)
{
	WithClause *with = NULL;
	ListCell   *lc;

	if (stmt == NULL || depth > 8)
		return NULL;
	if (IsA(stmt, UpdateStmt))
	{
		if (strcmp(((UpdateStmt *) stmt)->relation->relname, relname) == 0)
			return stmt;
		with = ((UpdateStmt *) stmt)->withClause;
	}
	else if (IsA(stmt, DeleteStmt))
	{
		if (strcmp(((DeleteStmt *) stmt)->relation->relname, relname) == 0)
			return stmt;
		with = ((DeleteStmt *) stmt)->withClause;
	}
	else if (IsA(stmt, InsertStmt))
		with = ((InsertStmt *) stmt)->withClause;
	else if (IsA(stmt, SelectStmt))
		with = ((SelectStmt *) stmt)->withClause;
	if (with == NULL)
		return NULL;
	foreach(lc, with->ctes)
	{
		Node	   *found = find_modification(((CommonTableExpr *) lfirst(lc))->ctequery,
											  relname, depth + 1);

		if (found)
			return found;
	}
	return NULL;
}

/*
 * Read the failing statement: whether it updates or deletes rows of the
 * referenced table pk_relid, and for an UPDATE the constants it sets.
 * Only the raw parser runs (no catalog, nothing executed); a statement it
 * cannot parse is FKS_UNKNOWN.
 */
void
fkx_parse_statement(const char *sql, Oid pk_relid, FkStatement *st)
{
	ParseStatement p;
	char	   *relname = get_rel_name(pk_relid);
	ListCell   *lc;

	memset(st, 0, sizeof(FkStatement));
	st->kind = FKS_UNKNOWN;
	if (sql == NULL || relname == NULL)
		return;
	p.sql = sql;
	p.stmts = NIL;
	if (fk_try(parse_statement, &p, 0) != NULL)
		return;
	foreach(lc, p.stmts)
	{
		RawStmt    *raw = lfirst_node(RawStmt, lc);
		Node	   *found = find_modification(raw->stmt, relname, 0);

		if (found == NULL)
			continue;
		st->text = raw->stmt_len > 0 ?
			pnstrdup(sql + raw->stmt_location, raw->stmt_len) :
			pstrdup(sql + raw->stmt_location);
		if (IsA(found, DeleteStmt))
		{
			st->kind = FKS_DELETE;
			return;
		}
		else
		{
			UpdateStmt *u = (UpdateStmt *) found;
			ListCell   *lc2;

			st->kind = FKS_UPDATE;
			st->simple = found == raw->stmt && u->withClause == NULL &&
				u->returningList == NIL && list_length(p.stmts) == 1;
			st->setcols = palloc0(sizeof(char *) * Max(list_length(u->targetList), 1));
			st->setvalues = palloc0(sizeof(char *) * Max(list_length(u->targetList), 1));
			st->values_known = true;
			foreach(lc2, u->targetList)
			{
				ResTarget  *t = lfirst_node(ResTarget, lc2);
				Node	   *val = t->val;

				if (t->indirection != NIL)
				{
					st->values_known = false;
					continue;
				}
				if (val && IsA(val, MultiAssignRef))
				{
					MultiAssignRef *m = (MultiAssignRef *) val;

					val = (m->source && IsA(m->source, RowExpr) &&
						   list_length(((RowExpr *) m->source)->args) >= m->colno) ?
						list_nth(((RowExpr *) m->source)->args, m->colno - 1) : NULL;
				}
				st->setcols[st->nset] = t->name;
				if (!raw_constant(val, &st->setvalues[st->nset]))
					st->values_known = false;
				st->nset++;
			}
			return;
		}
	}
}

/*
 * Read the error text: what kind of violation, which constraints it may
 * name (confirmed by the catalog), and each one's key values.
 */
void
fkx_parse(const char *text, FkErrorText *err)
{
	const char *msg;
	const char *rest;
	char	   *vcon;
	char	   *vtab;
	List	   *tried = NIL;
	List	   *cands = NIL;
	ListCell   *lc;
	int64		budget = 4 * (int64) strlen(text) + 65536;

	memset(err, 0, sizeof(FkErrorText));
	{
		char	   *fromjson = from_jsonlog(text);

		if (fromjson)
			text = fromjson;
	}
	err->statement = log_statement(text);

	/* anchor: the message, wherever its line starts (psql:, ERROR:, SQLSTATE) */
	if ((msg = strstr(text, MSG_INSERT)) != NULL)
	{
		err->kind = FKE_INSERT;
		rest = msg + strlen(MSG_INSERT);
	}
	else if ((msg = strstr(text, MSG_DELETE)) != NULL)
	{
		err->kind = FKE_DELETE;
		rest = msg + strlen(MSG_DELETE);
	}
	else
	{
		err->unrecognised = "The text is not a foreign key violation that fk_explain recognises.";
		return;
	}

	err->nspname = verbose_field(text, "SCHEMA NAME");
	vtab = verbose_field(text, "TABLE NAME");
	vcon = verbose_field(text, "CONSTRAINT NAME");
	err->match_full = strstr(text, DET_MATCH_FULL) != NULL;
	err->bulk = strstr(text, "COPY ") != NULL;

	/*
	 * Try every split of the names at the anchors' occurrences within a
	 * name's length, keeping the ones the catalog has.
	 */
	foreach(lc, name_ends(rest, MSG_VIOLATES))
	{
		int			v = lfirst_int(lc);
		char	   *first = pnstrdup(rest, v);
		const char *after = rest + v + strlen(MSG_VIOLATES);
		ListCell   *lc2;

		if (err->kind == FKE_INSERT)
		{
			foreach(lc2, quote_ends(after))
			{
				char	   *con = pnstrdup(after, lfirst_int(lc2));

				if (!verbose_matches(vcon, con) || !verbose_matches(vtab, first))
					continue;
				tried = lappend(tried, psprintf("constraint \"%s\" on table \"%s\"", con, first));
				cands = find_constraints(con, first, NULL, err->nspname, cands);
			}
			continue;
		}
		foreach(lc2, name_ends(after, MSG_ON_TABLE))
		{
			int			o = lfirst_int(lc2);
			char	   *con = pnstrdup(after, o);
			const char *tabstart = after + o + strlen(MSG_ON_TABLE);
			ListCell   *lc3;

			foreach(lc3, quote_ends(tabstart))
			{
				char	   *tab = pnstrdup(tabstart, lfirst_int(lc3));

				if (!verbose_matches(vcon, con) || !verbose_matches(vtab, tab))
					continue;
				tried = lappend(tried, psprintf("constraint \"%s\" on table \"%s\" referencing table \"%s\"", con, tab, first));
				cands = find_constraints(con, tab, first, err->nspname, cands);
			}
		}
	}
	if (tried == NIL)
	{
		err->unrecognised = "The foreign key message is incomplete: the table and constraint names could not be read from it.";
		return;
	}
	if (cands == NIL)
	{
		StringInfoData s;

		initStringInfo(&s);
		foreach(lc, tried)
			appendStringInfo(&s, "%s%s", s.len > 0 ? ", or " : "", (char *) lfirst(lc));
		err->no_such_key = s.data;
		return;
	}

	/* read the values for each candidate; they may tell candidates apart */
	foreach(lc, cands)
	{
		Candidate  *c = lfirst(lc);

		if (!err->match_full)
			parse_values(c, err->kind, text, &budget);

		/*
		 * Several readings of the values: the data may tell.  The row a
		 * failed delete wanted to delete exists; a missing parent key does
		 * not.
		 */
		if (list_length(c->value_splits) > 1 &&
			pg_class_aclcheck(c->fk->pk_relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK)
		{
			List	   *fitting = NIL;
			ListCell   *lc2;

			foreach(lc2, c->value_splits)
			{
				if (fkx_key_present(c->fk, err->kind == FKE_DELETE, lfirst(lc2)) ==
					(err->kind == FKE_DELETE))
					fitting = lappend(fitting, lfirst(lc2));
			}
			if (fitting != NIL)
				c->value_splits = fitting;
			if (list_length(c->value_splits) == 1)
				c->values = linitial(c->value_splits);
		}
	}
	if (list_length(cands) > 1 && !err->match_full)
	{
		List	   *fitting = NIL;

		/* a candidate whose key columns and types fit the DETAIL line */
		foreach(lc, cands)
		{
			Candidate  *c = lfirst(lc);

			if (c->value_splits != NIL)
				fitting = lappend(fitting, c);
		}
		if (fitting != NIL)
			cands = fitting;
	}
	if (list_length(cands) > 1 && !err->match_full)
	{
		List	   *fitting = NIL;

		/*
		 * Where the data tells: on the insert side the key is missing from
		 * the referenced table, on the delete side it is present.
		 */
		foreach(lc, cands)
		{
			Candidate  *c = lfirst(lc);

			if (c->values == NULL ||
				pg_class_aclcheck(c->fk->pk_relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
			{
				fitting = lappend(fitting, c);
				continue;
			}
			if (fkx_key_present(c->fk, err->kind == FKE_DELETE, c->values) ==
				(err->kind == FKE_DELETE))
				fitting = lappend(fitting, c);
		}
		if (fitting != NIL)
			cands = fitting;
	}
	err->candidates = cands;
}
