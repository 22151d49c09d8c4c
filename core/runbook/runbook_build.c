/* runbook_build — the runbook structure built piece by piece, for the
 * Markdown walk (runbook.c) and the fence and front-matter reader
 * (runbook_fence.c) alike: phases, steps and items added (an item before
 * any heading gets a step of its own), text made safe for the screen and
 * the timeline, a node's line in the file, warnings kept; and the
 * structure freed. It reads no Markdown and calls neither parser. */
#include "warroom/runbook.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm.h>

#include "warroom/text.h"

#include "runbook_parse.h"

static void *grow(void *v, size_t *cap, size_t need, size_t size)
{
	size_t nc;
	void *nv;

	if (need <= *cap)
		return v;
	nc = *cap ? *cap * 2 : 16;
	while (nc < need)
		nc *= 2;
	nv = realloc(v, nc * size);
	if (nv)
		*cap = nc;
	return nv;
}

void runbook_warn(struct build *b, int line, const char *fmt, ...)
{
	struct runbook *rb = b->rb;
	char msg[300], full[340];
	char **nv;
	va_list ap;

	if (rb->nwarnings >= 200)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(full, sizeof full, "line %d: %s", line, msg);
	else
		snprintf(full, sizeof full, "%s", msg);
	nv = realloc(rb->warnings, (rb->nwarnings + 1) * sizeof *nv);
	if (!nv)
		return;
	rb->warnings = nv;
	if ((nv[rb->nwarnings] = strdup(full)))
		rb->nwarnings++;
}

/* Text for the screen and the timeline: valid UTF-8, no control characters
 * (tabs become spaces; keep_tabs keeps them and newlines for commands). */
char *runbook_clean_text(const char *s, size_t n, bool keep_newlines, bool keep_tabs)
{
	char *out = malloc(n + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			out[o++] = keep_newlines ? '\n' : ' ';
		else if (c == '\t')
			out[o++] = keep_tabs ? '\t' : ' ';
		else if (c == '\r')
			continue;
		else if (c < 0x20 || c == 0x7f)
			out[o++] = '?';
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	text_fix_utf8(out);
	return out;
}

/* A heading ends every section left open. */
static void close_folds(struct build *b, int line)
{
	if (b->nfolds)
		runbook_warn(b, line, "a <details> section is not closed before this heading: it ends here");
	b->nfolds = 0;
}

size_t runbook_new_phase(struct build *b, const char *title, int line)
{
	struct runbook *rb = b->rb;
	struct runbook_phase *p;
	void *nv = grow(rb->phases, &b->cap_phases, rb->nphases + 1, sizeof *rb->phases);

	if (!nv) {
		b->oom = true;
		return rb->nphases ? rb->nphases - 1 : 0;
	}
	rb->phases = nv;
	close_folds(b, line);
	p = &rb->phases[rb->nphases];
	memset(p, 0, sizeof *p);
	p->title = runbook_clean_text(title, strlen(title), false, false);
	p->first = rb->nsteps;
	p->line = line;
	b->cur_phase = (long)rb->nphases++;
	b->cur_step = -1;
	return (size_t)b->cur_phase;
}

void runbook_new_step(struct build *b, const char *title, int line, int level)
{
	struct runbook *rb = b->rb;
	struct runbook_step *s;
	void *nv;

	if (b->cur_phase < 0)
		runbook_new_phase(b, "Overview", line);
	close_folds(b, line);
	nv = grow(rb->steps, &b->cap_steps, rb->nsteps + 1, sizeof *rb->steps);
	if (!nv) {
		b->oom = true;
		return;
	}
	rb->steps = nv;
	s = &rb->steps[rb->nsteps];
	memset(s, 0, sizeof *s);
	s->title = runbook_clean_text(title, strlen(title), false, false);
	s->phase = (size_t)b->cur_phase;
	s->first = rb->nitems;
	s->line = line;
	s->level = level;
	rb->phases[b->cur_phase].n++;
	b->cur_step = (long)rb->nsteps++;
}

void runbook_ensure_step(struct build *b, int line)
{
	if (b->cur_step < 0 && !b->oom)
		runbook_new_step(b, b->cur_phase >= 0 ? b->rb->phases[b->cur_phase].title : "Overview", line, 0);
}

/* ---- links ---- */

void runbook_drop_links(struct build *b)
{
	for (size_t i = 0; i < b->nplinks; i++)
		free(b->plinks[i].url);
	b->nplinks = 0;
}

/* The number a URL has under the current step: the one it was given
 * already, or the next. */
static int link_number(struct build *b, const char *url)
{
	const struct runbook *rb = b->rb;
	int top = 0;

	for (size_t i = rb->nlinks; i-- > 0 && rb->links[i].item >= rb->steps[b->cur_step].first;) {
		if (rb->links[i].n && !strcmp(rb->links[i].url, url))
			return rb->links[i].n;
		if (rb->links[i].n > top)
			top = rb->links[i].n;
	}
	for (size_t i = 0; i < b->nplinks; i++) {
		if (b->plinks[i].n && !strcmp(b->plinks[i].url, url))
			return b->plinks[i].n;
		if (b->plinks[i].n > top)
			top = b->plinks[i].n;
	}
	return top + 1;
}

void runbook_pending_link(struct build *b, size_t off, size_t len, const char *url, bool bare, int line)
{
	struct pending_link *pl;
	char *u;

	runbook_ensure_step(b, line);
	if (b->oom || b->nplinks >= sizeof b->plinks / sizeof b->plinks[0])
		return;
	u = runbook_clean_text(url, strlen(url), false, false);
	if (!u) {
		b->oom = true;
		return;
	}
	for (char *p = u; *p; p++)
		if (*p == ' ')
			*p = '+';   /* an address is one word */
	pl = &b->plinks[b->nplinks];
	pl->n = bare ? 0 : link_number(b, u);
	pl->off = off;
	pl->len = len;
	pl->url = u;
	pl->line = line;
	b->nplinks++;
}

static void inline_link(struct text_buf *sb, size_t from, const char *url, bool bare, void *arg)
{
	struct build *b = arg;
	char mark[16];

	runbook_pending_link(b, from, sb->n - from, url, bare, b->plinks_line);
	if (!bare && b->nplinks && b->plinks[b->nplinks - 1].off == from) {
		snprintf(mark, sizeof mark, "[%d]", b->plinks[b->nplinks - 1].n);
		text_buf_str(sb, mark);
	}
}

void runbook_inline(struct build *b, struct text_buf *sb, cmark_node *n)
{
	runbook_drop_links(b);
	b->plinks_line = runbook_line_of(b, n);
	md_inline_links(sb, n, inline_link, b);
}

/* The pending links belong to item i, whose text is their words' text. */
static void take_links(struct build *b, size_t i)
{
	struct runbook *rb = b->rb;
	struct runbook_item *it = &rb->items[i];
	size_t len = strlen(it->text);
	void *nv;

	it->first_link = rb->nlinks;
	if (!b->nplinks)
		return;
	nv = realloc(rb->links, (rb->nlinks + b->nplinks) * sizeof *rb->links);
	if (!nv) {
		b->oom = true;
		runbook_drop_links(b);
		return;
	}
	rb->links = nv;
	for (size_t k = 0; k < b->nplinks; k++) {
		struct runbook_link *l = &rb->links[rb->nlinks++];

		l->url = b->plinks[k].url;
		l->item = i;
		l->off = b->plinks[k].off < len ? b->plinks[k].off : len;
		l->len = l->off + b->plinks[k].len <= len ? b->plinks[k].len : len - l->off;
		l->n = b->plinks[k].n;
		l->line = b->plinks[k].line ? b->plinks[k].line : it->line;
		it->nlinks++;
	}
	b->nplinks = 0;
}

/* ---- <details> sections ---- */

void runbook_fold_open(struct build *b, const char *summary, int line)
{
	if (b->nfolds >= (int)(sizeof b->folds / sizeof b->folds[0])) {
		runbook_warn(b, line, "<details> nested deeper than %d: shown open",
		             (int)(sizeof b->folds / sizeof b->folds[0]));
		return;
	}
	runbook_add_item(b, RB_DETAILS, summary && *summary ? summary : "Details", strlen(summary && *summary ?
	                 summary : "Details"), "", false, line, 0);
	if (!b->oom && !b->full)
		b->folds[b->nfolds++] = b->rb->nitems;
}

void runbook_fold_close(struct build *b, int line)
{
	if (b->nfolds > 0)
		b->nfolds--;
}

void runbook_add_item(struct build *b, enum runbook_kind kind, const char *text, size_t len, const char *lang,
                     bool checked, int line, int depth)
{
	struct runbook *rb = b->rb;
	struct runbook_item *it;
	void *nv;

	if (b->full || b->oom)
		return;
	if (rb->nitems >= RUNBOOK_MAX_ITEMS) {
		b->full = true;
		runbook_warn(b, line, "more than %d items: the rest of the file is left out", RUNBOOK_MAX_ITEMS);
		return;
	}
	runbook_ensure_step(b, line);
	if (b->oom)
		return;
	nv = grow(rb->items, &b->cap_items, rb->nitems + 1, sizeof *rb->items);
	if (!nv) {
		b->oom = true;
		return;
	}
	rb->items = nv;
	it = &rb->items[rb->nitems];
	memset(it, 0, sizeof *it);
	it->kind = kind;
	it->text = runbook_clean_text(text, len, kind != RB_TEXT && kind != RB_CHECK, kind == RB_COMMAND);
	if (!it->text) {
		b->oom = true;
		return;
	}
	text_copy(it->lang, sizeof it->lang, lang ? lang : "");
	it->checked = checked;
	it->remote = kind == RB_COMMAND && (b->block_runner >= 0 ? b->block_runner == 1 : rb->remote);
	it->line = line;
	it->depth = depth > 16 ? 16 : depth;
	it->step = (size_t)b->cur_step;
	it->fold = b->nfolds ? b->folds[b->nfolds - 1] : 0;
	rb->steps[b->cur_step].n++;
	rb->nitems++;
	if (kind == RB_TEXT || kind == RB_CHECK || kind == RB_DETAILS)
		take_links(b, rb->nitems - 1);
	else
		runbook_drop_links(b);   /* a code block's text holds no link */
}

int runbook_line_of(struct build *b, cmark_node *n)
{
	return cmark_node_get_start_line(n) + b->line_off;
}

void runbook_free(struct runbook *rb)
{
	if (!rb)
		return;
	free(rb->title);
	for (size_t i = 0; i < rb->nalerts; i++)
		free(rb->alerts[i]);
	free(rb->alerts);
	for (size_t i = 0; i < rb->nphases; i++)
		free(rb->phases[i].title);
	free(rb->phases);
	for (size_t i = 0; i < rb->nsteps; i++)
		free(rb->steps[i].title);
	free(rb->steps);
	for (size_t i = 0; i < rb->nitems; i++)
		free(rb->items[i].text);
	free(rb->items);
	for (size_t i = 0; i < rb->nlinks; i++)
		free(rb->links[i].url);
	free(rb->links);
	for (size_t i = 0; i < rb->nplaceholders; i++)
		free(rb->placeholders[i].text);
	free(rb->placeholders);
	free(rb->choices);
	for (size_t i = 0; i < rb->nwarnings; i++)
		free(rb->warnings[i]);
	free(rb->warnings);
	free(rb);
}
