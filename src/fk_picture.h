/*-------------------------------------------------------------------------
 *
 * fk_picture.h
 *	  Pictures as text: Graphviz DOT and Mermaid, written for fk_graph
 *	  (fk_picture.c) and fk_cascade_graph / fk_update_graph
 *	  (fk_picture_cascade.c) by the writer in fk_picture_text.c.
 *
 * Every name reaches a picture through pic_name (as PostgreSQL would
 * quote it, control characters made visible) and then through the one
 * escaper of the output format, so any name comes out valid.  Nodes get
 * generated ids (t1, t2, ... in name order): output is the same from run
 * to run, whatever the OIDs.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FK_PICTURE_H
#define FK_PICTURE_H

#include "fmgr.h"
#include "lib/stringinfo.h"

typedef enum PicFormat
{
	PIC_DOT,					/* Graphviz DOT */
	PIC_MERMAID					/* Mermaid: erDiagram, flowchart */
} PicFormat;

/* Symbols the pictures use, in UTF-8 or, in other databases, ASCII. */
typedef enum PicSymbol
{
	PIC_SYM_APPROX,				/* before a row estimate */
	PIC_SYM_ARROW,				/* child columns -> parent columns */
	PIC_SYM_DOT,				/* between the parts of a label */
	PIC_SYM_WARN				/* before a problem */
} PicSymbol;

/* Colours of the problems, shared by the pictures and their legends. */
#define PIC_COLOR_ORPHANS		"#d62728"
#define PIC_COLOR_NOT_VALID		"#ff7f0e"
#define PIC_COLOR_NOT_ENFORCED	"#9467bd"
#define PIC_COLOR_UNINDEXED		"#1f77b4"
#define PIC_COLOR_BLOCKED		"#d62728"
#define PIC_COLOR_FOCUS			"#fff3b0"
#define PIC_COLOR_DECLARED		"#7f7f7f"

extern PicFormat pic_format_arg(FunctionCallInfo fcinfo, int argno);
extern const char *pic_symbol(PicSymbol sym);
extern char *pic_name(const char *name);
extern char *pic_visible(const char *text);
extern char *pic_rel_name(Oid relid, bool qualified);
extern char *pic_count(int64 n);
extern char *pic_rows_estimate(Oid relid);
extern void pic_dot_string(StringInfo buf, const char *text);
extern void pic_dot_tooltip(StringInfo buf, const char *text);
extern void pic_mermaid_string(StringInfo buf, const char *text);
extern void pic_string(StringInfo buf, PicFormat format, const char *text);
extern void pic_lines(StringInfo buf, PicFormat format, List *lines);

#endif							/* FK_PICTURE_H */
