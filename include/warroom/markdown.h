/* markdown — Markdown read with cmark-gfm and its table, task-list,
 * strikethrough and autolink extensions: the parser and inline text that
 * runbooks and text panels share, and a document laid out as blocks a view
 * draws at any width (paragraphs wrap, code and tables are cut). HTML is
 * read too, its tags stripped to readable text.
 * Implemented in core/markdown.c, its HTML tokens in core/markdown_html.c. */
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

/* The same for a reader that keeps links apart (runbooks): after a link's
 * words, b->s[from .. b->n), fn is told its URL (bare: an autolink, whose
 * words are the URL) and may append a mark ("[2]"). Inline HTML that is an
 * element is dropped (<br> a space, <a href> a link); what only looks like
 * a tag (<pod-name>) stays as written. */
typedef void (*md_link_fn)(struct text_buf *b, size_t from, const char *url, bool bare, void *arg);
void md_inline_links(struct text_buf *b, struct cmark_node *n, md_link_fn fn, void *arg);

/* ---- HTML, a token at a time (core/markdown_html.c) ---- */

struct md_html_tok {
	bool comment;            /* <!-- -->, <!DOCTYPE>, <?...?>: nothing to read */
	bool close, self;        /* </x>, <x/> */
	const char *name;        /* the tag's name, nname bytes */
	size_t nname;
	const char *attrs;       /* what follows the name, up to '>' */
	size_t nattrs;
};
/* At s[0] == '<': the bytes of the tag or comment there (t filled), 0 when
 * it is no tag ("<pool location>", "a < b": text). */
size_t md_html_token(const char *s, size_t len, struct md_html_tok *t);
/* Whether a tag's name is an element of HTML (a, details, br...), and one that breaks a line. */
bool md_html_element(const char *name, size_t n);
bool md_html_block_element(const char *name, size_t n);
/* An attribute's value (href, alt), false when the tag has none. */
bool md_html_attr(const struct md_html_tok *t, const char *name, char *out, size_t len);
/* The entity after '&' at s: its text and the bytes it took (0: not one, the text is "&"). */
const char *md_html_entity(const char *s, size_t n, size_t *took, char *buf);

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
