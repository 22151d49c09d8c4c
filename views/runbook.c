/* Runbook: the runbook being walked — phases with their progress, the steps,
 * commands to run, checks to tick, sections to open, options to choose, each
 * step's references (links, hyperlinked where the terminal shows them) — and
 * the running command's output. The moving keys go between the lines to act
 * on and scroll where there is none near; the runbook's keys (its row below)
 * act on the one under the cursor. Without a runbook: the one offered for
 * the firing alert and the library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/model.h"
#include "warroom/runbook.h"
#include "warroom/text.h"
#include "warroom/view.h"

#include "runbook_lines.h"

struct runbook_view_state {
	size_t top;                 /* first line shown */
	size_t shown_cursor;        /* the cursor at the last draw: the view follows it when it moves */
	const struct runbook *rb;   /* the runbook the lines below are of */
	/* sections the operator opened (bit per item), and where each item's
	 * first line was at the last draw, for the moving keys */
	unsigned char open[(RUNBOOK_MAX_ITEMS + 7) / 8];
	size_t item_line[RUNBOOK_MAX_ITEMS];
	size_t nlines, list_h;
};

static bool is_open(size_t section, void *arg)
{
	const struct runbook_view_state *vs = arg;

	return section < RUNBOOK_MAX_ITEMS && (vs->open[section / 8] & (1u << (section % 8)));
}

static void set_open(struct runbook_view_state *vs, size_t section, bool yes)
{
	if (section >= RUNBOOK_MAX_ITEMS)
		return;
	if (yes)
		vs->open[section / 8] |= (unsigned char)(1u << (section % 8));
	else
		vs->open[section / 8] &= (unsigned char)~(1u << (section % 8));
}

static bool folded(size_t section, void *arg)
{
	return !is_open(section, arg);
}

/* A new runbook: every section folded, from the top. */
static void follow(struct runbook_view_state *vs, const struct runbook *rb)
{
	if (vs->rb == rb)
		return;
	memset(vs->open, 0, sizeof vs->open);
	vs->rb = rb;
	vs->top = 0;
	vs->shown_cursor = SIZE_MAX;
}

/* Where the cursor is inside folded sections, they open: what is to be done is never hidden. */
static void unfold_to(struct runbook_view_state *vs, const struct runbook *rb, size_t item)
{
	for (size_t f = item < rb->nitems ? rb->items[item].fold : 0, hops = 0; f && hops < 32; hops++) {
		set_open(vs, f - 1, true);
		f = rb->items[f - 1].fold;
	}
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

/* The links on a drawn row: its item's links where the row shows their
 * words, or a reference's address. */
static void hyperlinks(WINDOW *w, int y, int width, const struct runbook *rb, const struct rb_line *d,
                       enum tui_role role)
{
	const char *text;

	if (d->from == d->to)
		return;
	if (d->url) {
		tui_link_add(w, y, d->tx, d->url + d->from, d->to - d->from, d->url, role);
		return;
	}
	if (d->item < 0 || (size_t)d->item >= rb->nitems)
		return;
	text = rb->items[d->item].text;
	for (size_t k = rb->items[d->item].first_link; k < rb->items[d->item].first_link + rb->items[d->item].nlinks;
	     k++) {
		const struct runbook_link *lk = &rb->links[k];
		size_t a = lk->off > d->from ? lk->off : d->from, b = lk->off + lk->len < d->to ? lk->off + lk->len : d->to;
		int x;

		if (a >= b)
			continue;
		x = d->tx + tui_text_width_n(text + d->from, a - d->from);
		if (x + tui_text_width_n(text + a, b - a) <= width)
			tui_link_add(w, y, x, text + a, b - a, lk->url, role);
	}
}

struct hint {
	enum action_id id;
	const char *what;
};

/* The keys of the line under the cursor first, then the rest while they fit. */
static void hint_line(char *out, size_t len, const struct runbook *rb, size_t cursor, int width)
{
	const struct runbook_item *it = cursor < rb->nitems ? &rb->items[cursor] : NULL;
	struct hint parts[12];
	size_t n = 0, o = 0;
	char part[80];

	if (it && it->kind == RB_DETAILS) {
		parts[n++] = (struct hint){ ACTION_SELECT, "open/close" };
	} else if (it && it->choice) {
		parts[n++] = (struct hint){ ACTION_RUNBOOK_PICK, "pick" };
	}
	if (it && it->kind == RB_COMMAND && it->nph)
		parts[n++] = (struct hint){ ACTION_RUNBOOK_FILL, "fill" };
	if (!runbook_read_only(rb)) {
		parts[n++] = (struct hint){ ACTION_RUNBOOK_STEP, "run" };
		parts[n++] = (struct hint){ ACTION_RUNBOOK_CHECK, "tick" };
		parts[n++] = (struct hint){ ACTION_RUNBOOK_DONE, "done" };
		parts[n++] = (struct hint){ ACTION_RUNBOOK_SKIP, "skip" };
		parts[n++] = (struct hint){ ACTION_RUNBOOK_CANCEL, "stop" };
	}
	parts[n++] = (struct hint){ ACTION_DOWN, "move" };
	parts[n++] = (struct hint){ ACTION_RUNBOOK, "start another" };
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (parts[i].id == ACTION_DOWN)
			snprintf(part, sizeof part, "%s%s/%s %s", o ? "  " : "", keymap_key_for(ACTION_DOWN),
			         keymap_key_for(ACTION_UP), parts[i].what);
		else
			snprintf(part, sizeof part, "%s%s %s", o ? "  " : "", keymap_key_for(parts[i].id), parts[i].what);
		if (tui_text_width(out) + tui_text_width(part) > width || o + strlen(part) >= len)
			continue;   /* a hint that does not fit whole is left out, never cut */
		o += (size_t)snprintf(out + o, len - o, "%s", part);
	}
}

static void draw(void *state, WINDOW *w, int h, int width, const struct model *m)
{
	struct runbook_view_state *vs = state;
	struct runbook_session *s = m->runbook;
	const struct runbook *rb = runbook_session_runbook(s);
	struct rb_lines l = { 0 };
	const char *out[RUNBOOK_OUT_LINES];
	size_t nout = runbook_session_output(s, out, RUNBOOK_OUT_LINES), cursor = runbook_session_cursor(s);
	size_t cur = runbook_session_current_step(s), first = SIZE_MAX, last = 0, running;
	int out_h = 0, list_h, y;
	char head[400], keys[300];

	tui_links_clear();
	if (!s) {
		tui_put(w, 0, 0, width, ROLE_STALE, "runbooks are unavailable");
		return;
	}
	if (!rb) {
		draw_none(w, h, width, s);
		return;
	}
	follow(vs, rb);
	unfold_to(vs, rb, cursor);
	snprintf(head, sizeof head, "Runbook: %s (%s.md)", rb->title, rb->name);
	if (runbook_read_only(rb))
		snprintf(head + strlen(head), sizeof head - strlen(head), " %s read only: nothing to run",
		         tui_glyph(G_DOT));
	else if (cur < rb->nsteps)
		snprintf(head + strlen(head), sizeof head - strlen(head), " %s step %zu of %zu", tui_glyph(G_DOT), cur + 1,
		         rb->nsteps);
	else
		snprintf(head + strlen(head), sizeof head - strlen(head), " %s every step done", tui_glyph(G_DOT));
	tui_put(w, 0, 0, width, cur < rb->nsteps || runbook_read_only(rb) ? ROLE_TITLE : ROLE_OK, head);
	if (nout) {
		out_h = (int)nout + 2;
		if (out_h > h / 3 + 1)
			out_h = h / 3 + 1;
		if (out_h < 4)
			out_h = 4;
	}
	list_h = h - 2 - out_h;
	if (list_h < 1)
		list_h = 1;
	runbook_lines_build(&l, s, rb, width, is_open, vs);
	for (size_t i = 0; i < rb->nitems && i < RUNBOOK_MAX_ITEMS; i++)
		vs->item_line[i] = SIZE_MAX;
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].item >= 0 && (size_t)l.v[i].item < RUNBOOK_MAX_ITEMS &&
		    vs->item_line[l.v[i].item] == SIZE_MAX)
			vs->item_line[l.v[i].item] = i;
		if (l.v[i].item == (long)cursor) {
			if (first == SIZE_MAX)
				first = i;
			last = i;
		}
	}
	/* a list longer than its rows keeps its last row for saying so, never over a line's end */
	if (l.n > (size_t)list_h && list_h > 1)
		list_h--;
	vs->nlines = l.n;
	vs->list_h = (size_t)list_h;
	/* when the cursor moved, its lines come on screen, with a line of what came before */
	if (first != SIZE_MAX && cursor != vs->shown_cursor) {
		if (first < vs->top + 1)
			vs->top = first > 0 ? first - 1 : 0;
		if (last >= vs->top + (size_t)list_h)
			vs->top = last + 1 - (size_t)list_h;
		if (first < vs->top)
			vs->top = first;
	}
	vs->shown_cursor = cursor;
	if (vs->top + (size_t)list_h > l.n)
		vs->top = l.n > (size_t)list_h ? l.n - (size_t)list_h : 0;
	for (y = 1; y < 1 + list_h && vs->top + (size_t)(y - 1) < l.n; y++) {
		const struct rb_line *d = &l.v[vs->top + (size_t)(y - 1)];
		bool sel = d->item == (long)cursor && d->item >= 0 && runbook_item_navigable(&rb->items[cursor]);

		if (sel && vs->top + (size_t)(y - 1) == first)
			tui_put(w, y, 0, 2, ROLE_ACCENT, tui_glyph(G_ARROW));
		tui_put(w, y, d->x, width - d->x, sel ? ROLE_SELECTED : d->role, d->text);
		hyperlinks(w, y, width, rb, d, sel ? ROLE_SELECTED : d->role);
	}
	if (vs->top + (size_t)list_h < l.n)
		tui_putf(w, list_h + 1, width - 12, 12, ROLE_STALE, "%s more", tui_glyph(G_ELLIPSIS));
	runbook_lines_free(&l);
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
	hint_line(keys, sizeof keys, rb, cursor, width);
	tui_put(w, h - 1, 0, width, ROLE_STALE, keys);
}

static bool reachable(const struct runbook_view_state *vs, const struct runbook *rb, size_t i)
{
	return i < rb->nitems && runbook_item_navigable(&rb->items[i]) &&
	       !runbook_item_folded(rb, i, folded, (void *)vs);
}

static size_t line_of(const struct runbook_view_state *vs, size_t i)
{
	return i < RUNBOOK_MAX_ITEMS ? vs->item_line[i] : SIZE_MAX;
}

/* Down and up go to the next line to act on while it is near; where there
 * is none near (a long text, a runbook to read), they scroll. */
static size_t step_down(struct runbook_view_state *vs, const struct runbook *rb, size_t c)
{
	size_t i = c + 1;

	while (i < rb->nitems && !reachable(vs, rb, i))
		i++;
	if (i < rb->nitems && line_of(vs, i) < vs->top + vs->list_h + vs->list_h / 2)
		return i;
	if (vs->top + vs->list_h < vs->nlines)
		vs->top++;
	return c;
}

static size_t step_up(struct runbook_view_state *vs, const struct runbook *rb, size_t c)
{
	size_t i = c;

	while (i > 0 && !reachable(vs, rb, i - 1))
		i--;
	if (i > 0 && line_of(vs, i - 1) != SIZE_MAX && line_of(vs, i - 1) + vs->list_h / 2 >= vs->top)
		return i - 1;
	if (vs->top > 0)
		vs->top--;
	return c;
}

/* After a page: the first line to act on that is on screen, or the cursor where it was. */
static size_t on_screen(const struct runbook_view_state *vs, const struct runbook *rb, size_t c)
{
	for (size_t i = 0; i < rb->nitems; i++)
		if (reachable(vs, rb, i) && line_of(vs, i) >= vs->top && line_of(vs, i) < vs->top + vs->list_h)
			return i;
	return c;
}

static int key(void *state, struct model *m, enum action_id action, int k, int page)
{
	struct runbook_view_state *vs = state;
	struct runbook_session *s = m->runbook;
	const struct runbook *rb = runbook_session_runbook(s);
	size_t c = runbook_session_cursor(s), i;

	if (!rb || vs->rb != rb)
		return VIEW_IGNORED;
	switch (action) {
	case ACTION_SELECT:
		if (c >= rb->nitems || rb->items[c].kind != RB_DETAILS)
			return VIEW_IGNORED;   /* a command runs, a check ticks, an option is chosen: the console's */
		set_open(vs, c, !is_open(c, vs));
		return VIEW_HANDLED | VIEW_REDRAW;
	case ACTION_DOWN:
		c = step_down(vs, rb, c);
		break;
	case ACTION_UP:
		c = step_up(vs, rb, c);
		break;
	case ACTION_PAGE_DOWN:
		vs->top = vs->top + (size_t)page + vs->list_h < vs->nlines ? vs->top + (size_t)page :
		          vs->nlines > vs->list_h ? vs->nlines - vs->list_h : 0;
		c = on_screen(vs, rb, c);
		vs->shown_cursor = c;   /* the page stays where it was put */
		break;
	case ACTION_PAGE_UP:
		vs->top = vs->top > (size_t)page ? vs->top - (size_t)page : 0;
		c = on_screen(vs, rb, c);
		vs->shown_cursor = c;
		break;
	case ACTION_TOP:
		vs->top = 0;
		for (i = 0; i < rb->nitems && !reachable(vs, rb, i); i++)
			;
		if (i < rb->nitems)
			c = i;
		vs->shown_cursor = c;
		break;
	case ACTION_BOTTOM:
		vs->top = vs->nlines > vs->list_h ? vs->nlines - vs->list_h : 0;
		for (i = rb->nitems; i > 0 && !reachable(vs, rb, i - 1); i--)
			;
		if (i > 0)
			c = i - 1;
		vs->shown_cursor = c;
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
