/* HTML in a runbook, read as a person reads it: <details> with its
 * <summary> is a folded section (the Markdown after it, up to </details>,
 * is inside), <a href> a link like any other, block tags break lines,
 * every other element is dropped for its text, and what only looks like a
 * tag (<pod-name>) stays as written. Never a raw tag on screen. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "warroom/text.h"

#include "runbook_parse.h"

struct hstate {
	struct build *b;
	const char *html;
	size_t len;
	int line, depth;
	struct text_buf text;          /* the paragraph being read */
	struct text_buf summary;
	bool in_summary, details, pre;
	int details_line;
	bool a_open;
	size_t a_from;
	char a_url[1024];
};

static bool is(const struct md_html_tok *t, const char *name)
{
	return t->nname == strlen(name) && !strncasecmp(t->name, name, t->nname);
}

static int line_at(const struct hstate *h, size_t pos)
{
	int line = h->line;

	for (size_t i = 0; i < pos && i < h->len; i++)
		line += h->html[i] == '\n';
	return line;
}

static bool blank(const struct text_buf *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (!isspace((unsigned char)m->s[i]))
			return false;
	return true;
}

/* A <details> whose content begins: its section opens, named by its summary. */
static void open_section(struct hstate *h)
{
	char *sum;

	if (!h->details)
		return;
	h->details = false;
	sum = h->summary.s ? runbook_clean_text(h->summary.s, h->summary.n, false, false) : NULL;
	if (sum) {
		size_t s = 0, e = strlen(sum);

		while (sum[s] == ' ')
			s++;
		while (e > s && sum[e - 1] == ' ')
			sum[--e] = '\0';
		runbook_fold_open(h->b, sum + s, h->details_line);
	} else {
		runbook_fold_open(h->b, "", h->details_line);
	}
	free(sum);
	text_buf_reset(&h->summary);
}

static void flush(struct hstate *h, size_t pos)
{
	size_t s = 0, e = h->text.n;

	if (h->text.oom || h->summary.oom)
		h->b->oom = true;
	if (blank(&h->text)) {
		text_buf_reset(&h->text);
		runbook_drop_links(h->b);
		return;
	}
	open_section(h);
	if (!h->pre)
		while (e > s && h->text.s[e - 1] == ' ')
			e--;
	runbook_add_item(h->b, h->pre ? RB_CODE : RB_TEXT, h->text.s + s, e - s, "", false, line_at(h, pos),
	                 h->depth);
	text_buf_reset(&h->text);
}

static void add_text(struct hstate *h, const char *s, size_t n)
{
	struct text_buf *m = h->in_summary ? &h->summary : &h->text;

	if (!h->in_summary && h->details && n && !isspace((unsigned char)s[0]))
		open_section(h);   /* content without a summary: the section is "Details" */
	if (h->pre && !h->in_summary) {
		text_buf_add(m, s, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (isspace((unsigned char)s[i])) {
			if (m->n && m->s[m->n - 1] != ' ')
				text_buf_add(m, " ", 1);
		} else {
			text_buf_add(m, s + i, 1);
		}
	}
}

static void link_close(struct hstate *h)
{
	struct build *b = h->b;
	size_t had = b->nplinks;
	char mark[16];

	h->a_open = false;
	if (h->in_summary || !h->a_url[0])
		return;
	runbook_pending_link(b, h->a_from, h->text.n - h->a_from, h->a_url, false, b->plinks_line);
	if (b->nplinks > had) {
		snprintf(mark, sizeof mark, "[%d]", b->plinks[b->nplinks - 1].n);
		text_buf_str(&h->text, mark);
	}
}

static void element(struct hstate *h, const struct md_html_tok *t, size_t pos)
{
	if (is(t, "details")) {
		flush(h, pos);
		if (!t->close) {
			open_section(h);   /* one before it without content */
			h->details = true;
			h->details_line = line_at(h, pos);
		} else {
			open_section(h);
			runbook_fold_close(h->b, line_at(h, pos));
		}
	} else if (is(t, "summary")) {
		h->in_summary = !t->close;
		if (t->close)
			open_section(h);
	} else if (is(t, "a")) {
		if (!t->close) {
			h->a_url[0] = '\0';
			md_html_attr(t, "href", h->a_url, sizeof h->a_url);
			h->a_from = h->text.n;
			h->a_open = true;
		} else if (h->a_open) {
			link_close(h);
		}
	} else if (is(t, "img") && !t->close) {
		char alt[256];

		if (md_html_attr(t, "alt", alt, sizeof alt))
			add_text(h, alt, strlen(alt));
	} else if (is(t, "pre")) {
		flush(h, pos);
		h->pre = !t->close;
	} else if (is(t, "td") || is(t, "th")) {
		if (!t->close && !blank(&h->text))
			text_buf_str(&h->text, " | ");
	} else if (md_html_block_element(t->name, t->nname)) {
		flush(h, pos);
		if (is(t, "li") && !t->close)
			text_buf_str(&h->text, "- ");
	}
	/* any other element: its text is what is read */
}

/* script and style hold nothing to read: up to their end tag. */
static size_t skip_to_end(const struct hstate *h, size_t i, const char *name)
{
	size_t k = strlen(name);

	for (; i + k + 2 <= h->len; i++)
		if (h->html[i] == '<' && h->html[i + 1] == '/' && !strncasecmp(h->html + i + 2, name, k))
			return i;
	return h->len;
}

void runbook_html_block(struct build *b, const char *html, int line, int depth)
{
	struct hstate h = { .b = b, .html = html, .len = strlen(html), .line = line, .depth = depth };
	size_t i = 0;

	runbook_drop_links(b);
	b->plinks_line = line;
	while (i < h.len && !b->oom) {
		struct md_html_tok t;
		size_t n;

		if (html[i] == '<' && (n = md_html_token(html + i, h.len - i, &t)) > 0) {
			if (!t.comment && md_html_element(t.name, t.nname)) {
				element(&h, &t, i);
				i += n;
				if (!t.close && !t.self && (is(&t, "script") || is(&t, "style")))
					i = skip_to_end(&h, i, is(&t, "script") ? "script" : "style");
			} else if (t.comment) {
				i += n;
			} else {
				add_text(&h, html + i, n);   /* <pod-name>: words */
				i += n;
			}
			continue;
		}
		if (html[i] == '&') {
			char buf[2];
			size_t took;
			const char *e = md_html_entity(html + i + 1, h.len - i - 1, &took, buf);

			add_text(&h, e, strlen(e));
			i += 1 + took;
			continue;
		}
		add_text(&h, html + i, 1);
		i++;
	}
	if (h.a_open)
		link_close(&h);
	flush(&h, h.len);
	open_section(&h);   /* <details><summary>x</summary> alone: the Markdown after it is inside */
	text_buf_free(&h.text);
	text_buf_free(&h.summary);
}
