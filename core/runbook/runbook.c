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

/* A title's text: a link there keeps its address in parentheses. */
static void title_text(struct text_buf *sb, cmark_node *n)
{
	md_inline(sb, n, MD_URLS);
}

/* ---- blocks ---- */

static void blocks(struct build *b, cmark_node *parent, int depth);
static void block(struct build *b, cmark_node *n, int depth);

static void text_node(struct build *b, cmark_node *n, const char *prefix, int depth)
{
	struct text_buf sb = { 0 };

	text_buf_str(&sb, prefix);
	runbook_inline(b, &sb, n);
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

/* A row's cells one after another: the links of each, numbered alike. */
static void table_link(struct text_buf *sb, size_t from, const char *url, bool bare, void *arg)
{
	struct build *b = arg;
	char mark[16];
	size_t had = b->nplinks;

	runbook_pending_link(b, from, sb->n - from, url, bare, b->plinks_line);
	if (!bare && b->nplinks > had) {
		snprintf(mark, sizeof mark, "[%d]", b->plinks[b->nplinks - 1].n);
		text_buf_str(sb, mark);
	}
}

static void table(struct build *b, cmark_node *n, int depth)
{
	for (cmark_node *row = cmark_node_first_child(n); row; row = cmark_node_next(row)) {
		struct text_buf sb = { 0 };

		runbook_drop_links(b);
		b->plinks_line = runbook_line_of(b, row);
		for (cmark_node *cell = cmark_node_first_child(row); cell; cell = cmark_node_next(cell)) {
			if (cell != cmark_node_first_child(row))
				text_buf_str(&sb, " | ");
			md_inline_links(&sb, cell, table_link, b);
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

			if (first && cmark_node_get_type(first) == CMARK_NODE_PARAGRAPH) {
				runbook_inline(b, &sb, first);
			} else {
				runbook_drop_links(b);
				first = NULL;
			}
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

static bool option_heading(cmark_node *n)
{
	struct text_buf sb = { 0 };
	bool yes;

	title_text(&sb, n);
	yes = sb.s && runbook_option_title(sb.s);
	text_buf_free(&sb);
	return yes;
}

/* Whether another option heading of this level follows before a heading
 * that ends the group (a shallower one, or one of the level that is no option). */
static bool option_follows(cmark_node *n, int level)
{
	for (cmark_node *c = cmark_node_next(n); c; c = cmark_node_next(c)) {
		if (cmark_node_get_type(c) != CMARK_NODE_HEADING || cmark_node_get_heading_level(c) > level)
			continue;
		return cmark_node_get_heading_level(c) == level && option_heading(c);
	}
	return false;
}

/* "### Option 1", "### Option 2": each a step that opens with the option
 * itself; a group is the options of one level one after another. */
static void heading_option(struct build *b, cmark_node *n, int level, const char *title)
{
	bool opt = runbook_option_title(title);
	bool open = b->hgroup > 0 && b->hgroup <= 64 && b->hgroup_end[b->hgroup - 1] == SIZE_MAX;

	if (open && (level < b->hgroup_level || (level == b->hgroup_level && !opt)))
		b->hgroup_end[b->hgroup - 1] = b->rb->nitems;   /* the group ends where this heading begins */
	open = b->hgroup > 0 && b->hgroup <= 64 && b->hgroup_end[b->hgroup - 1] == SIZE_MAX;
	if (!opt || b->nhopts >= (int)(sizeof b->hopts / sizeof b->hopts[0]))
		return;
	if (!open || level != b->hgroup_level) {
		if (!option_follows(n, level) || b->hgroup >= 64)
			return;   /* one option alone is no choice */
		if (open)
			b->hgroup_end[b->hgroup - 1] = b->rb->nitems;   /* choices never nest: the outer one ends here */
		b->hgroup_end[b->hgroup++] = SIZE_MAX;
		b->hgroup_level = level;
	}
	runbook_add_item(b, RB_OPTION, title, strlen(title), "", false, runbook_line_of(b, n), 0);
	if (!b->oom && !b->full) {
		b->hopts[b->nhopts].item = b->rb->nitems - 1;
		b->hopts[b->nhopts++].group = b->hgroup - 1;
	}
}

static void heading(struct build *b, cmark_node *n)
{
	struct text_buf sb = { 0 };
	int level = cmark_node_get_heading_level(n);

	if (n == b->title_heading)
		return;
	title_text(&sb, n);
	if (sb.oom) {
		b->oom = true;
		return;
	}
	if (level <= b->phase_level)
		runbook_new_phase(b, sb.s ? sb.s : "", runbook_line_of(b, n));
	else
		runbook_new_step(b, sb.s ? sb.s : "", runbook_line_of(b, n), level);
	heading_option(b, n, level, sb.s ? sb.s : "");
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
			runbook_html_block(b, lit, runbook_line_of(b, n), depth);
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
	doc = runbook_markdown(text + start, len - start, &b.oom);
	if (doc) {
		shape(&b, doc);
		if (b.title_heading && !b.rb->title) {
			struct text_buf sb = { 0 };

			title_text(&sb, b.title_heading);
			if (sb.oom)
				b.oom = true;
			else if (sb.s)
				b.rb->title = runbook_clean_text(sb.s, sb.n, false, false);
			text_buf_free(&sb);
		}
		blocks(&b, doc, 0);
		cmark_node_free(doc);
	}
	runbook_drop_links(&b);
	if (b.nfolds && !b.oom)
		runbook_warn(&b, b.rb->items[b.folds[b.nfolds - 1] - 1].line,
		             "<details> without its </details>: the section runs to the end");
	if (b.hgroup > 0 && b.hgroup <= 64 && b.hgroup_end[b.hgroup - 1] == SIZE_MAX)
		b.hgroup_end[b.hgroup - 1] = b.rb->nitems;
	if (!b.rb->title || !*b.rb->title) {
		free(b.rb->title);
		b.rb->title = strdup(name);
	}
	if (b.rb->nphases == 0 && !b.oom)
		runbook_new_phase(&b, "Steps", 1);
	if (!b.oom) {
		runbook_unresolved_links(&b);
		runbook_find_choices(&b);
		runbook_find_placeholders(&b);
	}
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
		    strcmp(an, "check") != 0 && strcmp(an, "logs") != 0 && strcmp(an, "events") != 0)
			runbook_warn(&b, it->line, "warroom action \"%s\" is not one warroom knows (rollback, scale, silence, "
			             "check, logs, events)", an);
	}
	return b.rb;
}
