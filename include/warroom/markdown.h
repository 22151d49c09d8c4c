/* markdown — Markdown read with cmark-gfm and its table, task-list,
 * strikethrough and autolink extensions: the parser and inline text that
 * runbooks and text panels share, and a document laid out as blocks a view
 * draws at any width (paragraphs wrap, code and tables are cut). HTML is
 * read too, its tags stripped to readable text.
 * Implemented in core/markdown.c. */
#ifndef WARROOM_MARKDOWN_H
#define WARROOM_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>

struct cmark_node;
struct cmark_parser;
struct text_buf;

/* A parser with the GFM extensions attached; NULL when out of memory. */
struct cmark_parser *md_parser_new(void);

/* Plain text of a node's inlines: code keeps its backquotes, links their
 * words. MD_URLS: a link's URL follows its words "(url)", inline HTML tags
 * are dropped. */
#define MD_URLS 1u
void md_inline(struct text_buf *b, struct cmark_node *n, unsigned flags);

enum md_style { MD_TEXT, MD_HEADING, MD_CODE, MD_TABLE_HEAD, MD_TABLE, MD_QUOTE, MD_RULE };

struct md_block {
	enum md_style style;
	int indent;              /* columns before the lead (nesting) */
	char lead[16];           /* "- ", "3. ", "[x] ": on the first row; the rest align after it */
	char *text;              /* one line, valid UTF-8: wrapped (text, heading, quote) or cut (code, table) */
	bool gap;                /* an empty row before it */
};

struct md_doc {
	struct md_block *b;
	size_t n, cap;
};

#define MD_MAX_BLOCKS 2000     /* a panel's text past this is left out */

/* Markdown laid out as blocks. 0, or -1 out of memory (out is then empty). */
int md_doc_parse(const char *text, size_t len, struct md_doc *out);
/* HTML as readable text: tags stripped, block tags break lines, <li> is a
 * bullet, <h1>..<h6> headings, entities decoded, script and style dropped.
 * html is a C string (html[len] is '\0'). */
int md_doc_html(const char *html, size_t len, struct md_doc *out);
void md_doc_free(struct md_doc *d);
/* The blocks' text joined by newlines (leads included), malloc'd: for the
 * shell and tests. */
char *md_doc_text(const struct md_doc *d);

#endif
