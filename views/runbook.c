/* Runbook: the runbook being walked — phases with their progress, the steps,
 * commands to run, checks to tick — and the running command's output. The
 * moving keys go between the lines to act on; the runbook's keys (its row
 * below) run, tick, mark done or skip the one under the cursor. Without a
 * runbook: the one offered for the firing alert and the library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/model.h"
#include "warroom/runbook.h"
#include "warroom/text.h"
#include "warroom/view.h"

struct dline {
	long item;              /* the item the line belongs to, -1 for a heading */
	enum tui_role role;
	int x;
	char *text;
};

struct lines {
	struct dline *v;
	size_t n, cap;
};

struct runbook_view_state {
	size_t top;             /* first line shown */
};

static void add(struct lines *l, long item, enum tui_role role, int x, const char *text, size_t n)
{
	struct dline *nv;

	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 256;

		nv = realloc(l->v, nc * sizeof *nv);
		if (!nv)
			return;
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n].item = item;
	l->v[l->n].role = role;
	l->v[l->n].x = x;
	l->v[l->n].text = strndup(text, n);
	if (l->v[l->n].text)
		l->n++;
}

/* text wrapped at width, after a lead ("$ ", "[x] ") on the first row */
static void add_wrapped(struct lines *l, long item, enum tui_role role, int x, int width, const char *lead,
                        const char *text)
{
	char row[600];
	int lw = tui_text_width(lead), first = 1;

	if (width - lw < 8)
		width = lw + 8;
	while (*text || first) {
		size_t n = *text ? tui_wrap_next(text, width - lw, sizeof row - 64) : 0;

		snprintf(row, sizeof row, "%s%.*s", first ? lead : "", (int)n, text);
		add(l, item, role, first ? x : x + lw, row, strlen(row));
		text += n;
		while (*text == ' ')
			text++;
		first = 0;
	}
}

/* a block's lines as they are, at most max of them */
static void add_block(struct lines *l, long item, enum tui_role role, int x, const char *lead, const char *text,
                      int max)
{
	int n = 0;
	char row[600];

	for (const char *p = text; *p && n < max; n++) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		snprintf(row, sizeof row, "%s%.*s", n == 0 ? lead : "  ", len, p);
		for (char *c = row; *c; c++)
			if (*c == '\t')
				*c = ' ';
		add(l, item, role, x, row, strlen(row));
		p = nl ? nl + 1 : p + len;
		if (n + 1 == max && *p) {
			snprintf(row, sizeof row, "  %s more lines (warroom runbook show)", tui_glyph(G_ELLIPSIS));
			add(l, item, ROLE_STALE, x, row, strlen(row));
		}
	}
}

static const char *state_glyph(enum runbook_state st)
{
	switch (st) {
	case RBS_DONE: return tui_glyph(G_CHECK);
	case RBS_RUNNING: return tui_glyph(G_PLAY);
	case RBS_FAILED: case RBS_CANCELLED: return tui_glyph(G_CROSS);
	case RBS_INTERRUPTED: return tui_glyph(G_WARN);
	case RBS_SKIPPED: return "-";
	default: return " ";
	}
}

static enum tui_role state_role(enum runbook_state st)
{
	switch (st) {
	case RBS_DONE: return ROLE_OK;
	case RBS_RUNNING: return ROLE_ACCENT;
	case RBS_FAILED: case RBS_CANCELLED: case RBS_INTERRUPTED: return ROLE_CRIT;
	case RBS_SKIPPED: return ROLE_STALE;
	default: return ROLE_NORMAL;
	}
}

static void build(struct lines *l, const struct runbook_session *s, const struct runbook *rb, int width)
{
	size_t cur = runbook_session_current_step(s);

	for (size_t p = 0; p < rb->nphases; p++) {
		const struct runbook_phase *ph = &rb->phases[p];
		size_t done, all;
		char row[300];
		bool here = cur < rb->nsteps && rb->steps[cur].phase == p;

		runbook_session_phase_progress(s, p, &done, &all);
		snprintf(row, sizeof row, "%s %zu %s%s", all && done == all ? tui_glyph(G_CHECK) : here ?
		         tui_glyph(G_PLAY) : " ", p + 1, ph->title, "");
		if (all)
			snprintf(row + strlen(row), sizeof row - strlen(row), "  %zu/%zu", done, all);
		add(l, -1, all && done == all ? ROLE_OK : here ? ROLE_ACCENT : ROLE_TITLE, 0, row, strlen(row));
		for (size_t k = ph->first; k < ph->first + ph->n; k++) {
			const struct runbook_step *sp = &rb->steps[k];
			size_t stop;

			if (ph->n > 1 || strcmp(sp->title, ph->title) != 0) {
				runbook_session_step_progress(s, k, &done, &all);
				snprintf(row, sizeof row, "%s%s", sp->title, runbook_session_step_stopped(s, k, &stop) ?
				         "  stopped" : "");
				if (all)
					snprintf(row + strlen(row), sizeof row - strlen(row), "  %zu/%zu", done, all);
				add(l, -1, k == cur ? ROLE_ACCENT : ROLE_NORMAL, 2, row, strlen(row));
			}
			for (size_t i = sp->first; i < sp->first + sp->n; i++) {
				const struct runbook_item *it = &rb->items[i];
				const struct runbook_item_state *st = runbook_session_item(s, i);
				int x = 4 + 2 * (it->depth > 3 ? 3 : it->depth), w = width - x;
				char lead[64];

				switch (it->kind) {
				case RB_COMMAND:
					snprintf(lead, sizeof lead, "%s %s ", state_glyph(st->state), it->remote ? "bastion$" : "$");
					add_block(l, (long)i, st->state == RBS_PENDING ? ROLE_ACCENT : state_role(st->state), x - 2,
					          lead, it->text, 6);
					break;
				case RB_ACTION:
					snprintf(lead, sizeof lead, "%s warroom ", state_glyph(st->state));
					add_block(l, (long)i, st->state == RBS_PENDING ? ROLE_ACCENT : state_role(st->state), x - 2,
					          lead, it->text, 1);
					break;
				case RB_CHECK:
					snprintf(lead, sizeof lead, "[%s] ", st->state == RBS_DONE ? "x" : st->state == RBS_SKIPPED ?
					         "-" : " ");
					add_wrapped(l, (long)i, st->state == RBS_DONE ? ROLE_OK : ROLE_NORMAL, x, w, lead, it->text);
					break;
				case RB_CODE: case RB_OUTPUT:
					add_block(l, (long)i, ROLE_STALE, x, "  ", it->text, 4);
					break;
				default:
					add_wrapped(l, (long)i, ROLE_NORMAL, x, w, "", it->text);
				}
				if (runbook_item_actionable(it) && st->reason[0] && st->state != RBS_DONE) {
					bool stopped = st->state == RBS_FAILED || st->state == RBS_INTERRUPTED ||
					               st->state == RBS_CANCELLED;

					if (stopped)
						snprintf(row, sizeof row, "%s: %s retries, %s skips, %s marks it done", st->reason,
						         keymap_key_for(ACTION_RUNBOOK_STEP), keymap_key_for(ACTION_RUNBOOK_SKIP),
						         keymap_key_for(ACTION_RUNBOOK_DONE));
					else
						snprintf(row, sizeof row, "%s", st->reason);
					add_wrapped(l, (long)i, st->state == RBS_SKIPPED ? ROLE_STALE : ROLE_CRIT, x + 2, w - 2, "",
					            row);
				}
			}
		}
	}
}

static void free_lines(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
}

/* No runbook yet: the one offered for the alert, then what the library holds. */
static void draw_none(WINDOW *w, int h, int width, const struct runbook_session *s)
{
	const struct runbook_lib *lib = runbook_session_lib(s);
	const char *alert = "", *offer = runbook_session_offer(s, &alert);
	int y = 0;

	tui_put(w, y++, 0, width, ROLE_TITLE, "Runbook");
	if (offer) {
		y += tui_wrap_put(w, y, 2, 2, width - 4, 2, ROLE_WARN, alert);
		tui_putf(w, y++, 2, width - 4, ROLE_ACCENT, "%s starts %s.md, the runbook for %s",
		         keymap_key_for(ACTION_RUNBOOK), offer, alert);
	} else {
		tui_put(w, y++, 2, width - 4, ROLE_STALE, "no runbook running; no firing alert names one of ours");
	}
	tui_put(w, y++, 2, width - 4, ROLE_STALE, ":runbook NAME starts any of these:");
	for (size_t i = 0; lib && i < lib->n && y < h; i++) {
		tui_put(w, y, 4, 28 < width - 4 ? 28 : width - 4, ROLE_NORMAL, lib->v[i]->name);
		if (width > 36)
			tui_put(w, y, 33, width - 33, ROLE_STALE, lib->v[i]->title);
		y++;
	}
	for (size_t i = 0; lib && i < lib->nerrors && y < h; i++)
		y += tui_wrap_put(w, y, 2, h - y, width - 4, 2, ROLE_CRIT, lib->errors[i]);
}

static void draw(void *state, WINDOW *w, int h, int width, const struct model *m)
{
	struct runbook_view_state *vs = state;
	struct runbook_session *s = m->runbook;
	const struct runbook *rb = runbook_session_runbook(s);
	struct lines l = { 0 };
	const char *out[RUNBOOK_OUT_LINES];
	size_t nout = runbook_session_output(s, out, RUNBOOK_OUT_LINES), cursor = runbook_session_cursor(s);
	size_t cur = runbook_session_current_step(s), first = SIZE_MAX, last = 0, running;
	int out_h = 0, list_h, y;
	char head[400], keys[200];

	if (!s) {
		tui_put(w, 0, 0, width, ROLE_STALE, "runbooks are unavailable");
		return;
	}
	if (!rb) {
		draw_none(w, h, width, s);
		return;
	}
	snprintf(head, sizeof head, "Runbook: %s (%s.md)", rb->title, rb->name);
	if (cur < rb->nsteps)
		snprintf(head + strlen(head), sizeof head - strlen(head), " %s step %zu of %zu", tui_glyph(G_DOT), cur + 1,
		         rb->nsteps);
	else
		snprintf(head + strlen(head), sizeof head - strlen(head), " %s every step done", tui_glyph(G_DOT));
	tui_put(w, 0, 0, width, cur < rb->nsteps ? ROLE_TITLE : ROLE_OK, head);
	if (nout) {
		out_h = (int)nout + 2;
		if (out_h > h / 3 + 1)
			out_h = h / 3 + 1;
		if (out_h < 4)
			out_h = 4;
	}
	list_h = h - 2 - out_h;
	build(&l, s, rb, width);
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].item == (long)cursor) {
			if (first == SIZE_MAX)
				first = i;
			last = i;
		}
	/* the cursor's lines stay on screen, with a line of what came before */
	if (first != SIZE_MAX) {
		if (first < vs->top + 1)
			vs->top = first > 0 ? first - 1 : 0;
		if (last >= vs->top + (size_t)list_h)
			vs->top = last + 1 - (size_t)list_h;
		if (first < vs->top)
			vs->top = first;
	}
	if (vs->top > l.n)
		vs->top = 0;
	for (y = 1; y < 1 + list_h && vs->top + (size_t)(y - 1) < l.n; y++) {
		const struct dline *d = &l.v[vs->top + (size_t)(y - 1)];
		bool sel = d->item == (long)cursor && d->item >= 0 && runbook_item_actionable(&rb->items[cursor]);

		if (sel)
			tui_put(w, y, 0, 2, ROLE_ACCENT, tui_glyph(G_ARROW));
		tui_put(w, y, d->x, width - d->x, sel ? ROLE_SELECTED : d->role, d->text);
	}
	if (vs->top + (size_t)list_h < l.n)
		tui_putf(w, list_h, width - 12, 12, ROLE_STALE, "%s more", tui_glyph(G_ELLIPSIS));
	free_lines(&l);
	if (out_h) {
		bool run = runbook_session_running(s, &running);

		snprintf(keys, sizeof keys, "Output (running: %s stops it)", keymap_key_for(ACTION_RUNBOOK_CANCEL));
		tui_box(w, h - 1 - out_h, 0, out_h, width, run ? keys : "Output", run ? ROLE_ACCENT : ROLE_TITLE);
		for (int r = 0, shown = out_h - 2; r < shown; r++) {
			size_t i = nout > (size_t)shown ? nout - (size_t)shown + (size_t)r : (size_t)r;

			if (i < nout)
				tui_put(w, h - out_h + r, 2, width - 4, ROLE_NORMAL, out[i]);
		}
	}
	snprintf(keys, sizeof keys, "%s run  %s tick  %s done  %s skip  %s stop  %s/%s move  %s start another",
	         keymap_key_for(ACTION_RUNBOOK_STEP), keymap_key_for(ACTION_RUNBOOK_CHECK),
	         keymap_key_for(ACTION_RUNBOOK_DONE), keymap_key_for(ACTION_RUNBOOK_SKIP),
	         keymap_key_for(ACTION_RUNBOOK_CANCEL), keymap_key_for(ACTION_DOWN), keymap_key_for(ACTION_UP),
	         keymap_key_for(ACTION_RUNBOOK));
	tui_put(w, h - 1, 0, width, ROLE_STALE, keys);
}

static bool actionable_at(const struct runbook *rb, size_t i)
{
	return i < rb->nitems && runbook_item_actionable(&rb->items[i]);
}

static int key(void *state, struct model *m, enum action_id action, int k, int page)
{
	struct runbook_session *s = m->runbook;
	const struct runbook *rb = runbook_session_runbook(s);
	size_t c = runbook_session_cursor(s), i;

	if (!rb || !rb->nitems)
		return VIEW_IGNORED;
	switch (action) {
	case ACTION_DOWN: case ACTION_PAGE_DOWN:
		for (int n = action == ACTION_DOWN ? 1 : page; n > 0; n--) {
			for (i = c + 1; i < rb->nitems && !actionable_at(rb, i); i++)
				;
			if (i < rb->nitems)
				c = i;
		}
		break;
	case ACTION_UP: case ACTION_PAGE_UP:
		for (int n = action == ACTION_UP ? 1 : page; n > 0; n--) {
			for (i = c; i > 0 && !actionable_at(rb, i - 1); i--)
				;
			if (i > 0)
				c = i - 1;
		}
		break;
	case ACTION_TOP:
		for (c = 0; c + 1 < rb->nitems && !actionable_at(rb, c); c++)
			;
		break;
	case ACTION_BOTTOM:
		for (c = rb->nitems - 1; c > 0 && !actionable_at(rb, c); c--)
			;
		break;
	default:
		return VIEW_IGNORED;
	}
	runbook_session_set_cursor(s, c);
	return VIEW_REDRAW;
}

const struct view_ops runbook_view = {
	.name = "runbook",
	.title = "Runbook",
	.about = "the runbook being walked: steps, commands, checks, output",
	.key = '6',
	.state_size = sizeof(struct runbook_view_state),
	.redraw_on = DIRTY_RUNBOOK | DIRTY_ALERTS,
	.draw = draw,
	.on_key = key,
};
