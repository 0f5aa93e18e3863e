/*-------------------------------------------------------------------------
 *
 * fk_picture_text.c
 *	  The writer of fk_tools' pictures: names as a picture shows them, row
 *	  estimates, and the one escaper per output format (DOT, Mermaid).
 *
 * DOT: a double-quoted string, where a backslash starts an escape (\n is a
 * line break, \N the node's name, ...) and Graphviz reads &name; as an
 * HTML entity; so backslash, double quote and ampersand are escaped.
 * Mermaid: its lexers allow no backslash, percent sign or line break in an
 * erDiagram entity's quoted alias, read "%%{" anywhere as a directive, and
 * decode "#name;" / "#123;" entity codes in labels; so every character
 * that could mean something is written as an entity code, which both
 * erDiagram and flowchart decode when they render.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "fk_picture.h"

/*
 * The format argument argno: 'dot' or 'mermaid' (any case); anything else
 * is an error listing them.
 */
PicFormat
pic_format_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *format;

	if (PG_ARGISNULL(argno))
		return PIC_DOT;
	format = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (pg_strcasecmp(format, "dot") == 0)
		return PIC_DOT;
	if (pg_strcasecmp(format, "mermaid") == 0)
		return PIC_MERMAID;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown picture format \"%s\"", format),
			 errhint("Pass format => 'dot' (Graphviz) or 'mermaid'.")));
	return PIC_DOT;				/* keep compiler quiet */
}

/* A symbol, in UTF-8 where the database is, else in ASCII. */
const char *
pic_symbol(PicSymbol sym)
{
	bool		utf8 = (GetDatabaseEncoding() == PG_UTF8);

	switch (sym)
	{
		case PIC_SYM_APPROX:
			return utf8 ? "\u2248 " : "~";
		case PIC_SYM_ARROW:
			return utf8 ? " \u2192 " : " -> ";
		case PIC_SYM_DOT:
			return utf8 ? " \u00b7 " : " | ";
		case PIC_SYM_WARN:
			return utf8 ? "\u26a0 " : "! ";
	}
	return "";
}

/*
 * A name as a picture shows it: quoted as PostgreSQL quotes it where
 * needed ("Order Items", "select"), so that it reads as SQL and two names
 * never look alike; control characters, which no picture can hold, are
 * shown as their Unicode control pictures (U+2400 + code: a line break is
 * U+240A), or as ^X outside UTF-8 databases; C1 controls as U+FFFD.
 */
char *
pic_name(const char *name)
{
	return pic_visible(quote_identifier(name));
}

/* Text with its control characters made visible, as pic_name does. */
char *
pic_visible(const char *q)
{
	bool		utf8 = (GetDatabaseEncoding() == PG_UTF8);
	StringInfoData buf;

	initStringInfo(&buf);
	for (const unsigned char *p = (const unsigned char *) q; *p; p++)
	{
		if (*p < 0x20 || *p == 0x7f)
		{
			if (utf8)
			{
				pg_wchar	pic = (*p == 0x7f) ? 0x2421 : 0x2400 + *p;
				unsigned char enc[8];

				unicode_to_utf8(pic, enc);
				appendBinaryStringInfo(&buf, (char *) enc, pg_utf_mblen(enc));
			}
			else
				appendStringInfo(&buf, "^%c", (*p == 0x7f) ? '?' : *p + '@');
		}
		else if (utf8 && p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
		{
			appendStringInfoString(&buf, "\ufffd");
			p++;
		}
		else
			appendStringInfoChar(&buf, (char) *p);
	}
	{
		/* names are many and short: keep only what they need */
		char	   *result = pstrdup(buf.data);

		pfree(buf.data);
		return result;
	}
}

/* A table's name as a picture shows it, with its schema if qualified. */
char *
pic_rel_name(Oid relid, bool qualified)
{
	char	   *relname = get_rel_name(relid);
	char	   *nspname;

	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid),
				 errhint("It may have been dropped concurrently.")));
	if (!qualified)
		return pic_name(relname);
	nspname = get_namespace_name(get_rel_namespace(relid));
	return psprintf("%s.%s", pic_name(nspname), pic_name(relname));
}

/* n with thousands separators: 1,234,567 */
char *
pic_count(int64 n)
{
	char		digits[32];
	StringInfoData buf;
	int			len;
	int			start = 0;

	snprintf(digits, sizeof(digits), INT64_FORMAT, n);
	len = strlen(digits);
	initStringInfo(&buf);
	if (digits[0] == '-')
	{
		appendStringInfoChar(&buf, '-');
		start = 1;
	}
	for (int i = start; i < len; i++)
	{
		if (i > start && (len - i) % 3 == 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfoChar(&buf, digits[i]);
	}
	return buf.data;
}

/*
 * The planner's estimate of a table's rows, from pg_class.reltuples (the
 * sum over the leaf partitions for a partitioned table): "≈ 1,234 rows",
 * or "not analyzed" when no VACUUM or ANALYZE has counted it yet.  Reads
 * the catalog only; the partitions are found without locking them.
 */
char *
pic_rows_estimate(Oid relid)
{
	List	   *rels;
	ListCell   *lc;
	double		total = 0;
	bool		known = false;

	if (get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE)
		rels = find_all_inheritors(relid, NoLock, NULL);
	else
		rels = list_make1_oid(relid);
	foreach(lc, rels)
	{
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_class cls;

		if (!HeapTupleIsValid(tup))
			continue;
		cls = (Form_pg_class) GETSTRUCT(tup);
		if (cls->relkind != RELKIND_PARTITIONED_TABLE && cls->reltuples >= 0)
		{
			total += cls->reltuples;
			known = true;
		}
		ReleaseSysCache(tup);
	}
	if (!known)
		return pstrdup("not analyzed");
	return psprintf("%s%s %s", pic_symbol(PIC_SYM_APPROX),
					pic_count((int64) (total + 0.5)),
					(int64) (total + 0.5) == 1 ? "row" : "rows");
}

/*
 * text with DOT's escapes, without the quotes.  Graphviz expands the
 * escapes of a tooltip twice (2.42: "\\\\" shows one backslash there, "\\N"
 * the node's name), those of a label once.
 */
static void
dot_escape(StringInfo buf, const char *text, bool tooltip)
{
	for (const char *p = text; *p; p++)
	{
		if (*p == '\\')
			appendStringInfoString(buf, tooltip ? "\\\\\\\\" : "\\\\");
		else if (*p == '"')
			appendStringInfoString(buf, "\\\"");
		else if (*p == '&')
			appendStringInfoString(buf, "&amp;");
		else
			appendStringInfoChar(buf, *p);
	}
}

/* text with Mermaid's entity codes, without the quotes */
static void
mermaid_escape(StringInfo buf, const char *text)
{
	for (const unsigned char *p = (const unsigned char *) text; *p; p++)
	{
		switch (*p)
		{
			case '"':
				appendStringInfoString(buf, "#quot;");
				break;
			case '&':
				appendStringInfoString(buf, "#amp;");
				break;
			case '<':
				appendStringInfoString(buf, "#lt;");
				break;
			case '>':
				appendStringInfoString(buf, "#gt;");
				break;
			case '#':
			case '%':
			case '\\':
			case '`':
			case ':':
			case '|':
			case '{':
			case '}':
			case '[':
			case ']':
				appendStringInfo(buf, "#%d;", (int) *p);
				break;
			default:
				/* U+2028, U+2029: line terminators to JavaScript */
				if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
				{
					appendStringInfo(buf, "#%d;", p[2] == 0xa8 ? 0x2028 : 0x2029);
					p += 2;
				}
				else if (*p < 0x20)
					appendStringInfo(buf, "#%d;", (int) *p);
				else
					appendStringInfoChar(buf, (char) *p);
		}
	}
}

/* text as one double-quoted DOT string */
void
pic_dot_string(StringInfo buf, const char *text)
{
	appendStringInfoChar(buf, '"');
	dot_escape(buf, text, false);
	appendStringInfoChar(buf, '"');
}

/* text as a DOT tooltip */
void
pic_dot_tooltip(StringInfo buf, const char *text)
{
	appendStringInfoChar(buf, '"');
	dot_escape(buf, text, true);
	appendStringInfoChar(buf, '"');
}

/* text as one double-quoted Mermaid string */
void
pic_mermaid_string(StringInfo buf, const char *text)
{
	appendStringInfoChar(buf, '"');
	mermaid_escape(buf, text);
	appendStringInfoChar(buf, '"');
}

/* text as one quoted string of the format */
void
pic_string(StringInfo buf, PicFormat format, const char *text)
{
	if (format == PIC_DOT)
		pic_dot_string(buf, text);
	else
		pic_mermaid_string(buf, text);
}

/*
 * Lines of text (a List of char *) as one quoted label: joined by DOT's
 * \n, or by Mermaid's <br> (flowchart labels; erDiagram takes one line).
 */
void
pic_lines(StringInfo buf, PicFormat format, List *lines)
{
	ListCell   *lc;

	appendStringInfoChar(buf, '"');
	foreach(lc, lines)
	{
		if (lc != list_head(lines))
			appendStringInfoString(buf, format == PIC_DOT ? "\\n" : "<br>");
		if (format == PIC_DOT)
			dot_escape(buf, lfirst(lc), false);
		else
			mermaid_escape(buf, lfirst(lc));
	}
	appendStringInfoChar(buf, '"');
}
