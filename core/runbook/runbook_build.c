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

/* Text for the screen and the timeline, as text_clean makes it (keep_tabs
 * keeps tabs and keep_newlines line ends, for commands). */
char *runbook_clean_text(const char *s, size_t n, bool keep_newlines, bool keep_tabs)
{
	return text_clean_dup(s, n, (keep_newlines ? TEXT_CLEAN_LINES : 0) | (keep_tabs ? TEXT_CLEAN_TABS : 0));
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
	p = &rb->phases[rb->nphases];
	memset(p, 0, sizeof *p);
	p->title = runbook_clean_text(title, strlen(title), false, false);
	p->first = rb->nsteps;
	p->line = line;
	b->cur_phase = (long)rb->nphases++;
	b->cur_step = -1;
	return (size_t)b->cur_phase;
}

void runbook_new_step(struct build *b, const char *title, int line)
{
	struct runbook *rb = b->rb;
	struct runbook_step *s;
	void *nv;

	if (b->cur_phase < 0)
		runbook_new_phase(b, "Overview", line);
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
	rb->phases[b->cur_phase].n++;
	b->cur_step = (long)rb->nsteps++;
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
	if (b->cur_step < 0)
		runbook_new_step(b, b->cur_phase >= 0 ? rb->phases[b->cur_phase].title : "Overview", line);
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
	rb->steps[b->cur_step].n++;
	rb->nitems++;
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
	for (size_t i = 0; i < rb->nwarnings; i++)
		free(rb->warnings[i]);
	free(rb->warnings);
	free(rb);
}
