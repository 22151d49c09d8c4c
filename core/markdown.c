/* Markdown for runbooks and text panels: one cmark-gfm parser set-up, one
 * inline walk, and the layout of a panel's text as blocks. Nesting is
 * bounded so a hostile file cannot take the stack. */
#include "warroom/markdown.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>

#include "warroom/text.h"

#define MAX_NEST 32
#define MAX_COLS 16              /* table columns laid out; more are cut */

cmark_parser *md_parser_new(void)
{
	static const char *const exts[] = { "table", "tasklist", "strikethrough", "autolink" };
	cmark_parser *p;

	cmark_gfm_core_extensions_ensure_registered();
	p = cmark_parser_new(CMARK_OPT_VALIDATE_UTF8);
	if (!p)
		return NULL;
	for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
		cmark_syntax_extension *e = cmark_find_syntax_extension(exts[i]);

		if (e)
			cmark_parser_attach_syntax_extension(p, e);
	}
	return p;
}

struct inl {
	unsigned flags;
	md_link_fn fn;           /* a reader that keeps links apart; NULL: the URL follows its words */
	void *arg;
	size_t a_from;           /* an <a href> open in inline HTML: where its words start */
	char a_url[1024];
	bool a_open;
};

/* A link's words are b->s[from ..): the reader's mark, or "(url)" after them. */
static void link_end(struct text_buf *b, size_t from, const char *url, struct inl *in)
{
	bool bare;

	if (!url || !*url)
		return;
	bare = b->s && b->n - from == strlen(url) && !memcmp(b->s + from, url, b->n - from);
	/* a mail autolink's words are its address without "mailto:" */
	if (!bare && !strncmp(url, "mailto:", 7) && b->s && b->n - from == strlen(url + 7) &&
	    !memcmp(b->s + from, url + 7, b->n - from))
		bare = true;
	if (in->fn) {
		in->fn(b, from, url, bare, in->arg);
	} else if ((in->flags & MD_URLS) && !bare) {
		text_buf_str(b, b->n > from ? " (" : "(");
		text_buf_str(b, url);
		text_buf_str(b, ")");
	}
}

static void inline_html(struct text_buf *b, const char *lit, struct inl *in)
{
	struct md_html_tok t;
	size_t n = lit ? strlen(lit) : 0;

	if (!n)
		return;
	if (!md_html_token(lit, n, &t) || (!t.comment && !md_html_element(t.name, t.nname))) {
		text_buf_str(b, lit);   /* <pod-name>, <YYYY-MM-DD>: a placeholder written as a tag is words */
		return;
	}
	if (t.comment)
		return;
	if (t.nname == 2 && !strncasecmp(t.name, "br", 2)) {
		text_buf_str(b, " ");
	} else if (t.nname == 1 && (t.name[0] == 'a' || t.name[0] == 'A')) {
		if (!t.close && md_html_attr(&t, "href", in->a_url, sizeof in->a_url)) {
			in->a_from = b->n;
			in->a_open = true;
		} else if (t.close && in->a_open) {
			in->a_open = false;
			link_end(b, in->a_from, in->a_url, in);
		}
	} else if (t.nname == 3 && !strncasecmp(t.name, "img", 3) && !t.close) {
		char alt[256];

		if (md_html_attr(&t, "alt", alt, sizeof alt))
			text_buf_str(b, alt);
	}
}

static void inline_at(struct text_buf *b, cmark_node *n, struct inl *in, int nest)
{
	if (nest > 64)
		return;   /* emphasis in emphasis that deep says nothing more */
	for (cmark_node *c = cmark_node_first_child(n); c; c = cmark_node_next(c)) {
		switch (cmark_node_get_type(c)) {
		case CMARK_NODE_TEXT:
			text_buf_str(b, cmark_node_get_literal(c));
			break;
		case CMARK_NODE_HTML_INLINE:
			inline_html(b, cmark_node_get_literal(c), in);
			break;
		case CMARK_NODE_CODE:
			text_buf_str(b, "`");
			text_buf_str(b, cmark_node_get_literal(c));
			text_buf_str(b, "`");
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			text_buf_str(b, " ");
			break;
		case CMARK_NODE_PARAGRAPH:
			if (b->n)
				text_buf_str(b, " ");
			inline_at(b, c, in, nest + 1);
			break;
		case CMARK_NODE_LINK:
		case CMARK_NODE_IMAGE: {
			const char *url = cmark_node_get_url(c);
			size_t from = b->n;

			inline_at(b, c, in, nest + 1);
			if (url && (in->fn || cmark_node_get_type(c) == CMARK_NODE_LINK))
				link_end(b, from, url, in);
			break;
		}
		default:
			inline_at(b, c, in, nest + 1);   /* emphasis, extensions */
			break;
		}
	}
}

void md_inline(struct text_buf *b, cmark_node *n, unsigned flags)
{
	struct inl in = { .flags = flags };

	inline_at(b, n, &in, 0);
}

void md_inline_links(struct text_buf *b, cmark_node *n, md_link_fn fn, void *arg)
{
	struct inl in = { .fn = fn, .arg = arg };

	inline_at(b, n, &in, 0);
}

/* ---- the layout ---- */

struct lay {
	struct md_doc *d;
	bool oom;
	bool gap;                /* the next block starts after an empty row */
};

/* One line for the screen: control characters are spaces, UTF-8 valid. */
static char *one_line(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r')
			continue;
		out[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	out[o] = '\0';
	text_fix_utf8(out);
	return out;
}

static void add(struct lay *l, enum md_style st, int indent, const char *lead, const char *text, size_t n)
{
	struct md_doc *d = l->d;
	struct md_block *b;

	if (l->oom || d->n >= MD_MAX_BLOCKS)
		return;
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 16;
		void *nv = realloc(d->b, nc * sizeof *d->b);

		if (!nv) {
			l->oom = true;
			return;
		}
		d->b = nv;
		d->cap = nc;
	}
	b = &d->b[d->n];
	memset(b, 0, sizeof *b);
	b->style = st;
	b->indent = indent > 24 ? 24 : indent;
	text_copy(b->lead, sizeof b->lead, lead);
	b->text = one_line(text ? text : "", text ? n : 0);
	if (!b->text) {
		l->oom = true;
		return;
	}
	b->gap = l->gap && d->n > 0;
	l->gap = false;
	d->n++;
}

static void add_inline(struct lay *l, cmark_node *n, enum md_style st, int indent, const char *lead)
{
	struct text_buf b = { 0 };

	md_inline(&b, n, MD_URLS);
	if (b.oom)
		l->oom = true;
	else
		add(l, st, indent, lead, b.s ? b.s : "", b.n);
	text_buf_free(&b);
}

/* Columns a cell takes: one a character (wide characters are rare in
 * dashboards' tables and are cut by the view anyway). */
static int cols_of(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void pad(struct text_buf *b, int n)
{
	while (n-- > 0)
		text_buf_add(b, " ", 1);
}

/* A GFM table: columns as wide as their widest cell, aligned as the
 * separator row says, the header row followed by a rule. */
static void table(struct lay *l, cmark_node *n, int indent)
{
	/* one a column, not NUL-terminated */
	uint8_t *align = cmark_gfm_extensions_get_table_alignments(n);
	int naligned = cmark_gfm_extensions_get_table_columns(n);
	int width[MAX_COLS] = { 0 }, ncols = 0;
	size_t nrows = 0;
	char **cell;

	for (cmark_node *row = cmark_node_first_child(n); row; row = cmark_node_next(row), nrows++) {
		int c = 0;

		for (cmark_node *x = cmark_node_first_child(row); x && c < MAX_COLS; x = cmark_node_next(x))
			c++;
		if (c > ncols)
			ncols = c;
	}
	if (!nrows || !ncols)
		return;
	cell = calloc(nrows * (size_t)ncols, sizeof *cell);
	if (!cell) {
		l->oom = true;
		return;
	}
	nrows = 0;
	for (cmark_node *row = cmark_node_first_child(n); row; row = cmark_node_next(row), nrows++) {
		int c = 0;

		for (cmark_node *x = cmark_node_first_child(row); x && c < MAX_COLS; x = cmark_node_next(x), c++) {
			struct text_buf b = { 0 };

			md_inline(&b, x, MD_URLS);
			cell[nrows * (size_t)ncols + (size_t)c] = b.oom ? NULL : one_line(b.s ? b.s : "", b.n);
			text_buf_free(&b);
			if (!cell[nrows * (size_t)ncols + (size_t)c])
				l->oom = true;
			else if (cols_of(cell[nrows * (size_t)ncols + (size_t)c]) > width[c])
				width[c] = cols_of(cell[nrows * (size_t)ncols + (size_t)c]);
		}
	}
	l->gap = true;
	for (size_t r = 0; r < nrows && !l->oom; r++) {
		struct text_buf b = { 0 };

		for (int c = 0; c < ncols; c++) {
			const char *s = cell[r * (size_t)ncols + (size_t)c] ? cell[r * (size_t)ncols + (size_t)c] : "";
			int room = width[c] - cols_of(s);
			char a = align && c < naligned ? (char)align[c] : 'l';

			if (c)
				text_buf_str(&b, " | ");
			if (a == 'r')
				pad(&b, room);
			else if (a == 'c')
				pad(&b, room / 2);
			text_buf_str(&b, s);
			if (c + 1 < ncols)   /* no trailing spaces on the row */
				pad(&b, a == 'r' ? 0 : a == 'c' ? room - room / 2 : room);
		}
		add(l, r == 0 ? MD_TABLE_HEAD : MD_TABLE, indent, "", b.s ? b.s : "", b.n);
		text_buf_reset(&b);
		if (r == 0) {
			for (int c = 0; c < ncols; c++) {
				if (c)
					text_buf_str(&b, "-+-");
				for (int k = 0; k < width[c]; k++)
					text_buf_str(&b, "-");
			}
			add(l, MD_TABLE, indent, "", b.s ? b.s : "", b.n);
		}
		if (b.oom)
			l->oom = true;
		text_buf_free(&b);
	}
	for (size_t i = 0; i < nrows * (size_t)ncols; i++)
		free(cell[i]);
	free(cell);
	l->gap = true;
}

static void code_lines(struct lay *l, const char *lit, int indent)
{
	const char *p = lit, *end = lit + strlen(lit);

	while (end > p && end[-1] == '\n')
		end--;
	l->gap = true;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		struct text_buf b = { 0 };

		/* tabs as the four spaces most editors show */
		for (const char *s = p; s < e; s++)
			text_buf_add(&b, *s == '\t' ? "    " : s, *s == '\t' ? 4 : 1);
		if (b.oom)
			l->oom = true;
		else
			add(l, MD_CODE, indent + 2, "", b.s ? b.s : "", b.n);
		text_buf_free(&b);
		p = nl ? nl + 1 : end;
	}
	l->gap = true;
}

static void blocks(struct lay *l, cmark_node *parent, int indent, bool quote, int nest);
static void block(struct lay *l, cmark_node *n, int indent, bool quote, int nest);

/* sub: a list inside a tight list's item, drawn without a gap before it */
static void list(struct lay *l, cmark_node *n, int indent, bool quote, int nest, bool sub)
{
	int num = cmark_node_get_list_start(n);
	bool ordered = cmark_node_get_list_type(n) == CMARK_ORDERED_LIST;
	bool tight = cmark_node_get_list_tight(n);

	if (!sub)
		l->gap = true;
	for (cmark_node *it = cmark_node_first_child(n); it; it = cmark_node_next(it), num++) {
		cmark_node *first = cmark_node_first_child(it);
		const char *t = cmark_node_get_type_string(it);
		char lead[16];

		if (t && !strcmp(t, "tasklist"))
			snprintf(lead, sizeof lead, "[%c] ", cmark_gfm_extensions_get_tasklist_item_checked(it) ? 'x' : ' ');
		else if (ordered)
			snprintf(lead, sizeof lead, "%d. ", num);
		else
			snprintf(lead, sizeof lead, "- ");
		if (first && cmark_node_get_type(first) == CMARK_NODE_PARAGRAPH) {
			add_inline(l, first, quote ? MD_QUOTE : MD_TEXT, indent, lead);
			first = cmark_node_next(first);
		} else {
			add(l, quote ? MD_QUOTE : MD_TEXT, indent, lead, "", 0);
			first = cmark_node_first_child(it);
		}
		/* the rest of the item, under its text */
		for (cmark_node *c = first; c && !l->oom && nest + 1 < MAX_NEST; c = cmark_node_next(c)) {
			if (!tight)
				l->gap = true;
			if (cmark_node_get_type(c) == CMARK_NODE_PARAGRAPH)
				add_inline(l, c, quote ? MD_QUOTE : MD_TEXT, indent + (int)strlen(lead), "");
			else if (cmark_node_get_type(c) == CMARK_NODE_LIST)
				list(l, c, indent + (int)strlen(lead), quote, nest + 1, tight);
			else
				block(l, c, indent + (int)strlen(lead), quote, nest + 1);
		}
		if (!tight)
			l->gap = true;
	}
	if (!sub)
		l->gap = true;
}

static void html_into(struct lay *l, const char *html, size_t len, int indent);

static void block(struct lay *l, cmark_node *n, int indent, bool quote, int nest)
{
	const char *t;

	if (nest >= MAX_NEST)
		return;
	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_HEADING:
		l->gap = true;
		add_inline(l, n, MD_HEADING, indent, "");
		break;
	case CMARK_NODE_PARAGRAPH:
		l->gap = true;
		add_inline(l, n, quote ? MD_QUOTE : MD_TEXT, indent, "");
		break;
	case CMARK_NODE_LIST:
		list(l, n, indent, quote, nest + 1, false);
		break;
	case CMARK_NODE_CODE_BLOCK:
		code_lines(l, cmark_node_get_literal(n) ? cmark_node_get_literal(n) : "", indent);
		break;
	case CMARK_NODE_BLOCK_QUOTE:
		blocks(l, n, indent + 2, true, nest + 1);
		break;
	case CMARK_NODE_HTML_BLOCK: {
		const char *lit = cmark_node_get_literal(n);

		l->gap = true;
		if (lit)
			html_into(l, lit, strlen(lit), indent);
		break;
	}
	case CMARK_NODE_THEMATIC_BREAK:
		l->gap = true;
		add(l, MD_RULE, indent, "", "", 0);
		break;
	default:
		t = cmark_node_get_type_string(n);
		if (t && !strcmp(t, "table"))
			table(l, n, indent);
		else
			blocks(l, n, indent, quote, nest + 1);   /* footnotes and what a later cmark adds */
		break;
	}
}

static void blocks(struct lay *l, cmark_node *parent, int indent, bool quote, int nest)
{
	if (nest >= MAX_NEST)
		return;
	for (cmark_node *n = cmark_node_first_child(parent); n && !l->oom && l->d->n < MD_MAX_BLOCKS;
	     n = cmark_node_next(n))
		block(l, n, indent, quote, nest + 1);
}

void md_doc_free(struct md_doc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->b[i].text);
	free(d->b);
	memset(d, 0, sizeof *d);
}

int md_doc_parse(const char *text, size_t len, struct md_doc *out)
{
	struct lay l = { .d = out };
	cmark_parser *p = md_parser_new();
	cmark_node *doc;

	memset(out, 0, sizeof *out);
	if (!p)
		return -1;
	cmark_parser_feed(p, text, len);
	doc = cmark_parser_finish(p);
	if (doc) {
		blocks(&l, doc, 0, false, 0);
		cmark_node_free(doc);
	} else {
		l.oom = true;
	}
	cmark_parser_free(p);
	if (l.oom) {
		md_doc_free(out);
		return -1;
	}
	return 0;
}

/* ---- HTML as text ---- */

static bool tag_is(const char *tag, size_t n, const char *name)
{
	size_t k = strlen(name);

	return n >= k && !strncasecmp(tag, name, k) && (n == k || !isalnum((unsigned char)tag[k]));
}

struct hline {
	struct text_buf b;
	enum md_style st;
	char lead[16];
};

static void hflush(struct lay *l, struct hline *h, int indent)
{
	size_t s = 0, e = h->b.n;

	while (s < e && h->b.s[s] == ' ')
		s++;
	while (e > s && h->b.s[e - 1] == ' ')
		e--;
	if (e > s || h->lead[0]) {
		if (h->st == MD_HEADING)
			l->gap = true;
		add(l, h->st, indent, h->lead, h->b.s ? h->b.s + s : "", e - s);
		if (h->st == MD_HEADING)
			l->gap = true;
	}
	if (h->b.oom)
		l->oom = true;
	text_buf_reset(&h->b);
	h->st = MD_TEXT;
	h->lead[0] = '\0';
}

static void html_into(struct lay *l, const char *html, size_t len, int indent)
{
	struct hline h = { .st = MD_TEXT };
	size_t i = 0;

	while (i < len && !l->oom) {
		char c = html[i];

		if (c == '<') {
			const char *e = memchr(html + i, '>', len - i);
			const char *tag = html + i + 1;
			size_t tn = e ? (size_t)(e - tag) : 0;
			bool close = tn && *tag == '/';

			if (!e)
				break;   /* a tag left open at the end: nothing readable follows */
			if (close)
				tag++, tn--;
			if (!strncmp(html + i, "<!--", 4)) {
				const char *end = strstr(html + i + 4, "-->");

				i = end ? (size_t)(end - html) + 3 : len;
				continue;
			}
			if (!close && (tag_is(tag, tn, "script") || tag_is(tag, tn, "style"))) {
				const char *want = tag_is(tag, tn, "script") ? "</script" : "</style";
				size_t k = (size_t)(e - html), wn = strlen(want);

				while (k + wn <= len && strncasecmp(html + k, want, wn))
					k++;
				i = k + wn <= len ? k : len;
				continue;
			}
			if (tag_is(tag, tn, "br") || tag_is(tag, tn, "p") || tag_is(tag, tn, "div") ||
			    tag_is(tag, tn, "tr") || tag_is(tag, tn, "ul") || tag_is(tag, tn, "ol") ||
			    tag_is(tag, tn, "table") || tag_is(tag, tn, "pre") || tag_is(tag, tn, "blockquote")) {
				hflush(l, &h, indent);
				if (!close && !tag_is(tag, tn, "br") && !tag_is(tag, tn, "tr"))
					l->gap = true;
			} else if (tag_is(tag, tn, "li")) {
				hflush(l, &h, indent);
				if (!close)
					text_copy(h.lead, sizeof h.lead, "- ");
			} else if (tn == 2 && (tag[0] == 'h' || tag[0] == 'H') && tag[1] >= '1' && tag[1] <= '6') {
				hflush(l, &h, indent);
				if (!close)
					h.st = MD_HEADING;
			} else if (tag_is(tag, tn, "hr")) {
				hflush(l, &h, indent);
				add(l, MD_RULE, indent, "", "", 0);
			} else if (!close && (tag_is(tag, tn, "td") || tag_is(tag, tn, "th")) && h.b.n) {
				text_buf_str(&h.b, " | ");
			}
			i = (size_t)(e - html) + 1;
			continue;
		}
		if (c == '&') {
			char buf[2];
			size_t took;
			const char *t = md_html_entity(html + i + 1, len - i - 1, &took, buf);

			text_buf_str(&h.b, t);
			i += 1 + took;
			continue;
		}
		if (isspace((unsigned char)c)) {
			if (h.b.n && h.b.s[h.b.n - 1] != ' ')
				text_buf_add(&h.b, " ", 1);
			i++;
			continue;
		}
		text_buf_add(&h.b, &c, 1);
		i++;
	}
	hflush(l, &h, indent);
	text_buf_free(&h.b);
}

int md_doc_html(const char *html, size_t len, struct md_doc *out)
{
	struct lay l = { .d = out };

	memset(out, 0, sizeof *out);
	html_into(&l, html, len, 0);
	if (l.oom) {
		md_doc_free(out);
		return -1;
	}
	return 0;
}

char *md_doc_text(const struct md_doc *d)
{
	struct text_buf b = { 0 };

	for (size_t i = 0; i < d->n; i++) {
		if (i)
			text_buf_str(&b, "\n");
		if (d->b[i].gap)
			text_buf_str(&b, "\n");
		pad(&b, d->b[i].indent);
		text_buf_str(&b, d->b[i].lead);
		text_buf_str(&b, d->b[i].style == MD_RULE ? "---" : d->b[i].text);
	}
	return text_buf_take(&b);
}
