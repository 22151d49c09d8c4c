/* Runbooks from Markdown: cmark-gfm with its table and task-list extensions
 * reads the file; the walk below turns its blocks into phases, steps and
 * items. Built for runbooks written by anyone: whatever is not a heading, a
 * command, a check or an action is text to read, and nothing but a file we
 * cannot read as text stops a runbook from loading. The structure is built
 * by runbook_build.c, code fences and front matter read by runbook_fence.c. */
#include "warroom/runbook.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
#include <yaml.h>

#include "warroom/markdown.h"
#include "warroom/text.h"

#include "runbook_parse.h"

/* ---- inline text ---- */

static void inline_text(struct text_buf *sb, cmark_node *n)
{
	md_inline(sb, n, 0);
}

/* ---- blocks ---- */

static void blocks(struct build *b, cmark_node *parent, int depth);
static void block(struct build *b, cmark_node *n, int depth);

static void text_node(struct build *b, cmark_node *n, const char *prefix, int depth)
{
	struct text_buf sb = { 0 };

	text_buf_str(&sb, prefix);
	inline_text(&sb, n);
	if (sb.oom)
		b->oom = true;
	else if (sb.s && sb.n > strlen(prefix ? prefix : ""))
		runbook_add_item(b, RB_TEXT, sb.s, sb.n, "", false, runbook_line_of(b, n), depth);
	text_buf_free(&sb);
}

static bool is_type(cmark_node *n, const char *name)
{
	const char *t = cmark_node_get_type_string(n);

	return t && strcmp(t, name) == 0;
}

static void table(struct build *b, cmark_node *n, int depth)
{
	for (cmark_node *row = cmark_node_first_child(n); row; row = cmark_node_next(row)) {
		struct text_buf sb = { 0 };

		for (cmark_node *cell = cmark_node_first_child(row); cell; cell = cmark_node_next(cell)) {
			if (cell != cmark_node_first_child(row))
				text_buf_str(&sb, " | ");
			inline_text(&sb, cell);
		}
		if (sb.oom)
			b->oom = true;
		else if (sb.n)
			runbook_add_item(b, RB_TEXT, sb.s, sb.n, "table", false, runbook_line_of(b, row), depth);
		text_buf_free(&sb);
	}
}

static void list(struct build *b, cmark_node *n, int depth)
{
	int num = cmark_node_get_list_start(n);
	bool ordered = cmark_node_get_list_type(n) == CMARK_ORDERED_LIST;

	for (cmark_node *it = cmark_node_first_child(n); it; it = cmark_node_next(it), num++) {
		cmark_node *first = cmark_node_first_child(it);
		char prefix[16];

		if (is_type(it, "tasklist")) {
			struct text_buf sb = { 0 };

			if (first && cmark_node_get_type(first) == CMARK_NODE_PARAGRAPH)
				inline_text(&sb, first);
			else
				first = NULL;
			if (sb.oom)
				b->oom = true;
			else
				runbook_add_item(b, RB_CHECK, sb.s ? sb.s : "", sb.n, "", cmark_gfm_extensions_get_tasklist_item_checked(it),
				         runbook_line_of(b, it), depth);
			text_buf_free(&sb);
		} else if (first && cmark_node_get_type(first) == CMARK_NODE_PARAGRAPH) {
			snprintf(prefix, sizeof prefix, ordered ? "%d. " : "- ", num);
			text_node(b, first, prefix, depth);
		} else {
			first = NULL;
		}
		/* the rest of the item: more paragraphs, commands, nested lists */
		for (cmark_node *c = first ? cmark_node_next(first) : cmark_node_first_child(it); c; c = cmark_node_next(c))
			block(b, c, depth + 1);
	}
}

static void heading(struct build *b, cmark_node *n)
{
	struct text_buf sb = { 0 };
	int level = cmark_node_get_heading_level(n);

	if (n == b->title_heading)
		return;
	inline_text(&sb, n);
	if (sb.oom) {
		b->oom = true;
		return;
	}
	if (level <= b->phase_level)
		runbook_new_phase(b, sb.s ? sb.s : "", runbook_line_of(b, n));
	else
		runbook_new_step(b, sb.s ? sb.s : "", runbook_line_of(b, n));
	text_buf_free(&sb);
}

static bool html_comment(const char *s)
{
	while (s && isspace((unsigned char)*s))
		s++;
	return s && strncmp(s, "<!--", 4) == 0;
}

#define MAX_NEST 64

static void block_in(struct build *b, cmark_node *n, int depth);

/* Nesting is bounded: a file of 20000 ">" must not take the stack. */
static void block(struct build *b, cmark_node *n, int depth)
{
	if (b->nest >= MAX_NEST) {
		if (!b->too_deep)
			runbook_warn(b, runbook_line_of(b, n), "blocks nested deeper than %d levels are left out", MAX_NEST);
		b->too_deep = true;
		return;
	}
	b->nest++;
	block_in(b, n, depth > 16 ? 16 : depth);
	b->nest--;
}

static void block_in(struct build *b, cmark_node *n, int depth)
{
	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_HEADING:
		if (depth == 0)
			heading(b, n);
		else
			text_node(b, n, "", depth);
		break;
	case CMARK_NODE_PARAGRAPH:
		text_node(b, n, "", depth);
		break;
	case CMARK_NODE_LIST:
		list(b, n, depth);
		break;
	case CMARK_NODE_CODE_BLOCK:
		runbook_code_block(b, n, depth);
		break;
	case CMARK_NODE_BLOCK_QUOTE:
		blocks(b, n, depth + 1);
		break;
	case CMARK_NODE_HTML_BLOCK: {
		const char *lit = cmark_node_get_literal(n);

		if (lit && !html_comment(lit))
			runbook_add_item(b, RB_CODE, lit, strlen(lit), "html", false, runbook_line_of(b, n), depth);
		break;
	}
	case CMARK_NODE_THEMATIC_BREAK:
		break;
	default:
		if (is_type(n, "table"))
			table(b, n, depth);
		else
			blocks(b, n, depth);   /* footnotes and what a later cmark adds */
		break;
	}
}

static void blocks(struct build *b, cmark_node *parent, int depth)
{
	if (depth > 16)
		depth = 16;   /* deep nesting is drawn no deeper */
	for (cmark_node *n = cmark_node_first_child(parent); n && !b->full && !b->oom; n = cmark_node_next(n))
		block(b, n, depth);
}

/* The heading levels decide the shape: one H1 first is the title, the
 * shallowest of the rest are phases, deeper ones steps. */
static void shape(struct build *b, cmark_node *doc)
{
	int h1 = 0, minlevel = 7;
	cmark_node *first = NULL;

	for (cmark_node *n = cmark_node_first_child(doc); n; n = cmark_node_next(n)) {
		if (cmark_node_get_type(n) != CMARK_NODE_HEADING)
			continue;
		if (!first)
			first = n;
		if (cmark_node_get_heading_level(n) == 1)
			h1++;
	}
	if (first && cmark_node_get_heading_level(first) == 1 && h1 == 1)
		b->title_heading = first;
	for (cmark_node *n = cmark_node_first_child(doc); n; n = cmark_node_next(n))
		if (cmark_node_get_type(n) == CMARK_NODE_HEADING && n != b->title_heading &&
		    cmark_node_get_heading_level(n) < minlevel)
			minlevel = cmark_node_get_heading_level(n);
	b->phase_level = minlevel;
	if (!first)
		runbook_warn(b, 0, "no headings: the whole file is one step");
}

/* ---- the runbook ---- */

struct runbook *runbook_parse(const char *text, size_t len, const char *name, const char *path,
                              char *err, size_t errlen)
{
	struct build b = { .cur_phase = -1, .cur_step = -1, .block_runner = -1 };
	cmark_parser *p;
	cmark_node *doc;
	size_t start;

	if (len > RUNBOOK_MAX_BYTES) {
		snprintf(err, errlen, "%s is %zu KiB: a runbook is at most %u KiB", path, len / 1024,
		         RUNBOOK_MAX_BYTES / 1024);
		return NULL;
	}
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "%s holds NUL bytes: not a Markdown file", path);
		return NULL;
	}
	b.rb = calloc(1, sizeof *b.rb);
	if (!b.rb) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	text_copy(b.rb->path, sizeof b.rb->path, path);
	text_copy(b.rb->name, sizeof b.rb->name, name);
	start = runbook_split_front_matter(&b, text, len);
	p = md_parser_new();
	if (!p) {
		runbook_free(b.rb);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cmark_parser_feed(p, text + start, len - start);
	doc = cmark_parser_finish(p);
	if (doc) {
		shape(&b, doc);
		if (b.title_heading && !b.rb->title) {
			struct text_buf sb = { 0 };

			inline_text(&sb, b.title_heading);
			if (sb.oom)
				b.oom = true;
			else if (sb.s)
				b.rb->title = runbook_clean_text(sb.s, sb.n, false, false);
			text_buf_free(&sb);
		}
		blocks(&b, doc, 0);
		cmark_node_free(doc);
	}
	cmark_parser_free(p);
	if (!b.rb->title || !*b.rb->title) {
		free(b.rb->title);
		b.rb->title = strdup(name);
	}
	if (b.rb->nphases == 0 && !b.oom)
		runbook_new_phase(&b, "Steps", 1);
	if (b.oom || !b.rb->title) {
		runbook_free(b.rb);
		snprintf(err, errlen, "out of memory reading %s", path);
		return NULL;
	}
	for (size_t i = 0; i < b.rb->nitems; i++) {
		const struct runbook_item *it = &b.rb->items[i];
		char an[32];

		if (it->kind != RB_ACTION)
			continue;
		runbook_action_split(it, an, sizeof an, NULL);
		if (strcmp(an, "rollback") != 0 && strcmp(an, "scale") != 0 && strcmp(an, "silence") != 0 &&
		    strcmp(an, "check") != 0)
			runbook_warn(&b, it->line, "warroom action \"%s\" is not one warroom knows (rollback, scale, silence, check)",
			     an);
	}
	return b.rb;
}
