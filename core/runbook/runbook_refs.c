/* Reference-style links as runbooks write them. CommonMark resolves
 * [words][ref] with a definition "[ref]: URL"; many runbooks list their
 * references as links instead ("- [ref](URL)", "- [1](URL)" at the end),
 * which a reader follows just the same. Such a reference is resolved here:
 * the missing definitions are added after the text (no line moves) and the
 * Markdown read again. What stays unresolved is said, its address lost. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runbook_parse.h"

struct named {
	char *words, *url;
};

struct refs {
	struct named *v;
	size_t n, cap;
	struct text_buf defs;      /* "[ref]: <URL>" lines to add */
	bool oom;
};

static void keep_link(struct refs *r, cmark_node *link)
{
	struct text_buf w = { 0 };
	const char *url = cmark_node_get_url(link);

	if (!url || !*url || r->n >= 512)
		return;
	md_inline(&w, link, 0);
	if (!w.s || w.oom) {
		text_buf_free(&w);
		return;
	}
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 32;
		struct named *nv = realloc(r->v, nc * sizeof *nv);

		if (!nv) {
			text_buf_free(&w);
			r->oom = true;
			return;
		}
		r->v = nv;
		r->cap = nc;
	}
	r->v[r->n].words = w.s;
	r->v[r->n++].url = strdup(url);
}

static const char *url_named(const struct refs *r, const char *label, size_t n)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].url && strlen(r->v[i].words) == n && !strncasecmp(r->v[i].words, label, n))
			return r->v[i].url;
	return NULL;
}

/* "[words][ref]" and "[words][]" in a paragraph's text: each ref that a link of the document names. */
static void wanted(struct refs *r, const char *text)
{
	bool code = false;

	for (const char *p = text; *p; p++) {
		const char *close, *end, *label;
		const char *url;
		size_t n;

		if (*p == '`')
			code = !code;
		if (code || *p != '[' || !(close = strpbrk(p + 1, "[]")) || *close != ']' || close == p + 1 ||
		    close[1] != '[' || !(end = strpbrk(close + 2, "[]")) || *end != ']')
			continue;
		label = end > close + 2 ? close + 2 : p + 1;
		n = (size_t)((end > close + 2 ? end : close) - label);
		url = url_named(r, label, n);
		if (url && !strpbrk(url, "<>\n")) {
			text_buf_str(&r->defs, "\n[");
			text_buf_add(&r->defs, label, n);
			text_buf_str(&r->defs, "]: <");
			text_buf_str(&r->defs, url);
			text_buf_str(&r->defs, ">\n");
		}
		p = end;
	}
}

static cmark_node *parse(const char *text, size_t len)
{
	cmark_parser *p = md_parser_new();
	cmark_node *doc;

	if (!p)
		return NULL;
	cmark_parser_feed(p, text, len);
	doc = cmark_parser_finish(p);
	cmark_parser_free(p);
	return doc;
}

cmark_node *runbook_markdown(const char *text, size_t len, bool *oom)
{
	cmark_node *doc = parse(text, len);
	struct refs r = { 0 };
	cmark_iter *it;

	if (!doc) {
		*oom = true;
		return NULL;
	}
	it = cmark_iter_new(doc);
	for (cmark_event_type ev; it && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;)
		if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(cmark_iter_get_node(it)) == CMARK_NODE_LINK)
			keep_link(&r, cmark_iter_get_node(it));
	if (it)
		cmark_iter_free(it);
	it = r.n ? cmark_iter_new(doc) : NULL;
	for (cmark_event_type ev; it && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;) {
		cmark_node *n = cmark_iter_get_node(it);
		struct text_buf t = { 0 };

		if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(n) != CMARK_NODE_PARAGRAPH)
			continue;
		md_inline(&t, n, 0);
		if (t.s)
			wanted(&r, t.s);
		text_buf_free(&t);
	}
	if (it)
		cmark_iter_free(it);
	if (r.defs.n && !r.defs.oom) {
		char *again = malloc(len + r.defs.n + 2);

		if (again) {
			cmark_node *doc2;

			memcpy(again, text, len);
			again[len] = '\n';
			memcpy(again + len + 1, r.defs.s, r.defs.n);
			doc2 = parse(again, len + 1 + r.defs.n);
			free(again);
			if (doc2) {
				cmark_node_free(doc);
				doc = doc2;
			}
		}
	}
	for (size_t i = 0; i < r.n; i++) {
		free(r.v[i].words);
		free(r.v[i].url);
	}
	free(r.v);
	text_buf_free(&r.defs);
	*oom = r.oom || r.defs.oom;
	return doc;
}

/* What is still "[words][ref]" after that: said, once each. */
void runbook_unresolved_links(struct build *b)
{
	const struct runbook *rb = b->rb;

	for (size_t i = 0; i < rb->nitems; i++) {
		const struct runbook_item *it = &rb->items[i];
		bool code = false;

		if (it->kind != RB_TEXT && it->kind != RB_CHECK && it->kind != RB_OPTION && it->kind != RB_DETAILS)
			continue;
		for (const char *p = it->text; *p; p++) {
			const char *close, *ref, *end;
			int nw, nr;

			if (*p == '`')
				code = !code;
			if (code || *p != '[' || !(close = strpbrk(p + 1, "[]")) || *close != ']' || close == p + 1 ||
			    close[1] != '[' || !(end = strpbrk(close + 2, "[]")) || *end != ']')
				continue;
			ref = end > close + 2 ? close + 2 : p + 1;
			nw = (int)(close - p - 1);
			nr = (int)((end > close + 2 ? end : close) - ref);
			runbook_warn(b, it->line, "[%.*s] names a link with no definition ([%.*s]: URL): its address is lost",
			             nw > 60 ? 60 : nw, p + 1, nr > 60 ? 60 : nr, ref);
			p = end;
		}
	}
}
