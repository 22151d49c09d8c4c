/* Metrics: a Grafana dashboard in the terminal, as Grafana lays it out:
 * rows with their titles, a closed row one line with its count of panels
 * (Enter opens or closes it), the panels of the 24-column grid scaled to
 * the screen (stacked one under the other below 100 columns), never one on
 * another, the page scrolling by line, by page and to either end. Panels
 * are drawn by metrics_panels.c. Time range, zoom, pause, a dashboard
 * picker and a variable bar are rows of the action table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_priv.h"
#include "warroom/config.h"
#include "warroom/dashboard.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/text.h"
#include "warroom/tui.h"
#include "warroom/view.h"
#include "warroom/widgets.h"

#define STACK_BELOW 100   /* columns under which panels stack */

static const int64_t ranges[] = { 300000, 900000, 3600000, 21600000, 86400000 };
#define NRANGES (sizeof ranges / sizeof ranges[0])

struct metrics_state {
	size_t sel;          /* the selected row or panel (index into d->p) */
	int top;             /* the first line of the page shown */
	int width, body;     /* the last drawn: the page's width and the lines it shows */
	bool zoom, picker;
	bool placed;         /* the selection was made on this dashboard */
	size_t pick;
	size_t var;          /* the variable bar's chosen variable */
	int range;           /* index into ranges */
	bool range_set;
};

/* Where every row and panel shown goes on the page (lines from 0); hidden
 * ones (inside a closed row) have h 0. The page's height. */
struct page {
	struct box *b;
	size_t n;
	int height;
};

static bool visible(const struct dashboard *d, size_t i)
{
	return !dashboard_hidden(d, i);
}

/* Rows a panel takes when stacked. */
static int stacked_rows(const struct dash_panel *p, int body, int cols)
{
	int text;

	if (!dashboard_drawable(p))   /* a placeholder: what it is and its queries */
		return 3 + (int)(p->nt > 3 ? 3 : p->nt);
	switch (p->type) {
	case DASH_STAT: case DASH_SINGLESTAT: case DASH_GAUGE:
		return 4;
	case DASH_TEXT:   /* as tall as its text, up to a screenful's half */
		text = 2 + tui_md_rows(&p->md, cols - 2);
		return text < 4 ? 4 : text > 14 ? 14 : text;
	case DASH_BARGAUGE: case DASH_TABLE:
		return 7;
	case DASH_OTHER:
		return 3 + (int)(p->nt > 3 ? 3 : p->nt);
	default:
		return body >= 20 ? 10 : 8;
	}
}

/* The lines a panel needs at least in the grid: a box and what it shows. */
static int min_rows(const struct dash_panel *p)
{
	return p->type == DASH_ROW ? 1 : p->type == DASH_TIMESERIES || p->type == DASH_GRAPH ? 5 : 3;
}

/* The page at width cols: stacked below STACK_BELOW columns; else the
 * grid's lines a line of text each, stretched where a panel needs more, so
 * that what does not overlap on the grid does not on the screen. 0, or -1
 * out of memory (nothing to free then). */
static int lay_out(const struct dashboard *d, int cols, int body, struct page *pg)
{
	int bottom = 0, *ty;

	pg->n = d->np;
	pg->height = 0;
	pg->b = calloc(d->np + 1, sizeof *pg->b);
	if (!pg->b)
		return -1;
	if (cols < STACK_BELOW) {
		for (size_t i = 0; i < d->np; i++) {
			const struct dash_panel *p = &d->p[i];

			if (!visible(d, i))
				continue;
			pg->b[i] = (struct box){ pg->height, 0, p->type == DASH_ROW ? 1 : stacked_rows(p, body, cols), cols };
			pg->height += pg->b[i].h;
		}
		return 0;
	}
	for (size_t i = 0; i < d->np; i++)
		if (visible(d, i) && d->p[i].ly + d->p[i].lh > bottom)
			bottom = d->p[i].ly + d->p[i].lh;
	ty = calloc((size_t)bottom + 2, sizeof *ty);
	if (!ty) {
		free(pg->b);
		pg->b = NULL;
		return -1;
	}
	for (int g = 1; g <= bottom; g++) {
		ty[g] = ty[g - 1] + 1;
		for (size_t i = 0; i < d->np; i++) {
			const struct dash_panel *p = &d->p[i];

			if (visible(d, i) && p->lh > 0 && p->ly + p->lh == g && ty[p->ly] + min_rows(p) > ty[g])
				ty[g] = ty[p->ly] + min_rows(p);
		}
	}
	for (size_t i = 0; i < d->np; i++) {
		const struct dash_panel *p = &d->p[i];
		int x = p->x * cols / 24;

		if (!visible(d, i) || p->lh <= 0)
			continue;
		pg->b[i] = (struct box){ ty[p->ly], x, ty[p->ly + p->lh] - ty[p->ly],
		                         p->type == DASH_ROW ? cols : (p->x + p->w) * cols / 24 - x };
	}
	pg->height = ty[bottom];
	free(ty);
	return 0;
}

/* The first item shown after (dir 1) or before (dir -1) at, in reading order. */
static size_t step(const struct dashboard *d, size_t at, int dir)
{
	for (size_t i = at; dir > 0 ? i + 1 < d->np : i > 0;) {
		i = dir > 0 ? i + 1 : i - 1;
		if (visible(d, i))
			return i;
	}
	return at;
}

/* Where the selection starts: the first panel shown, else the first row. */
static size_t first_shown(const struct dashboard *d)
{
	for (size_t i = 0; i < d->np; i++)
		if (visible(d, i) && d->p[i].type != DASH_ROW)
			return i;
	return 0;
}

/* The page scrolled so that item i is on it, whole when it fits. */
static void reveal(struct metrics_state *s, const struct page *pg, size_t i)
{
	const struct box *b = &pg->b[i];

	if (b->y + b->h > s->top + s->body)
		s->top = b->y + b->h - s->body;
	if (b->y < s->top)
		s->top = b->y;
}

/* The page's lowest top: the end of the dashboard on screen, starting at
 * an item's top so that none is cut there. */
static int max_top(const struct dashboard *d, const struct page *pg, int body)
{
	int floor = pg->height - body, best = -1;

	if (floor <= 0)
		return 0;
	for (size_t i = 0; i < d->np; i++)
		if (visible(d, i) && pg->b[i].h > 0 && pg->b[i].y >= floor && (best < 0 || pg->b[i].y < best))
			best = pg->b[i].y;
	return best >= 0 ? best : floor;
}

static void clamp_top(struct metrics_state *s, const struct dashboard *d, const struct page *pg)
{
	int max = max_top(d, pg, s->body);

	if (s->top > max)
		s->top = max;
	if (s->top < 0)
		s->top = 0;
}

/* A page down (dir 1) or up: the next page starts at an item's top, so
 * that what starts on it is shown whole; the first item on it is selected. */
static void page(struct metrics_state *s, const struct dashboard *d, const struct page *pg, int dir)
{
	int want = s->top + dir * s->body, best = -1;
	size_t sel = s->sel;

	for (size_t i = 0; i < d->np; i++) {
		int y = pg->b[i].y;

		if (!visible(d, i))
			continue;
		if (dir > 0 && y > s->top && y <= want && y > best)
			best = y;
		if (dir < 0 && y < s->top && y >= want && (best < 0 || y < best))
			best = y;
	}
	s->top = best >= 0 ? best : dir > 0 ? want : want < 0 ? 0 : want;
	clamp_top(s, d, pg);
	for (size_t i = 0; i < d->np; i++)
		if (visible(d, i) && pg->b[i].y >= s->top) {
			sel = i;
			break;
		}
	s->sel = sel;
}

static void draw_row(WINDOW *w, int y, int width, const struct dash_panel *p, bool selected)
{
	char line[200];

	char count[32], title[160];

	snprintf(count, sizeof count, "%s(%d panel%s)", p->title[0] ? "  " : "", p->nchild,
	         p->nchild == 1 ? "" : "s");
	metrics_clip(p->title, width - 2 - (p->collapsed ? tui_text_width(count) : 0), title, sizeof title);
	snprintf(line, sizeof line, "%s %s%s", tui_glyph(p->collapsed ? G_PLAY : G_OPEN), title,
	         p->collapsed ? count : "");
	tui_put(w, y, 0, width, selected ? ROLE_SELECTED : ROLE_TITLE, line);
}

/* The dashboard's title and range, then its variables as Grafana's bar
 * shows them: a hidden one not at all, one whose label is hidden by its
 * value alone. */
static void draw_header(WINDOW *w, int width, const struct dash_live *l, const struct metrics_state *s)
{
	char range[16], line[600];
	size_t o;
	int x;

	dashboard_duration_str(l->range_ms, range, sizeof range);
	snprintf(line, sizeof line, "%s  %s %s%s", l->d->title, tui_glyph(G_DOT), range, l->paused ? "  PAUSED" : "");
	tui_put(w, 0, 0, width, ROLE_TITLE, line);
	x = tui_text_width(line) + 2;
	for (size_t i = 0; i < l->d->nv; i++) {
		const struct dash_var *v = &l->d->v[i];
		size_t left = 0;
		int lw;

		if (v->type == VAR_DATASOURCE || v->type == VAR_CONSTANT || v->hide == 2)
			continue;
		o = v->hide == 1 ? 0 : (size_t)snprintf(line, sizeof line, "$%s=", v->name);
		line[o] = '\0';
		if (v->type == VAR_INTERVAL && v->cur_auto)
			snprintf(line + o, sizeof line - o, "auto");
		else if (v->cur_all)
			snprintf(line + o, sizeof line - o, "All");
		else if (!v->ncur)
			snprintf(line + o, sizeof line - o, "?");
		for (size_t k = 0; k < v->ncur && o < sizeof line - 2; k++)
			o += (size_t)snprintf(line + o, sizeof line - o, "%s%s", k ? "," : "", v->cur[k]);
		for (size_t k = i + 1; k < l->d->nv; k++)
			left += l->d->v[k].type != VAR_DATASOURCE && l->d->v[k].type != VAR_CONSTANT && l->d->v[k].hide != 2;
		lw = tui_text_width(line);
		if (x + lw + (left ? 5 : 0) > width) {   /* whole or not at all: the rest counted */
			char more[16];

			snprintf(more, sizeof more, "+%zu", left + 1);
			tui_put(w, 0, x, width - x, ROLE_STALE, more);
			break;
		}
		tui_put(w, 0, x, width - x, i == s->var ? ROLE_KEY : v->error[0] ? ROLE_WARN : ROLE_NORMAL, line);
		x += lw + 2;
	}
}

static void draw_picker(WINDOW *w, int h, int width, const struct dash_live *l, const struct metrics_state *s)
{
	int bw = width > 60 ? 60 : width, bh = (int)l->nfiles + 2 > h ? h : (int)l->nfiles + 2;
	int bx = (width - bw) / 2, by = 1;
	char title[64];

	tui_fill(w, by, bx, bh, bw);
	snprintf(title, sizeof title, "Dashboards (%s opens)", keymap_key_for(ACTION_SELECT));
	tui_box(w, by, bx, bh, bw, title, ROLE_TITLE);
	for (size_t i = 0; i < l->nfiles && (int)i < bh - 2; i++)
		tui_putf(w, by + 1 + (int)i, bx + 1, bw - 2, i == s->pick ? ROLE_SELECTED : ROLE_NORMAL, " %s%s",
		         l->names[i], i == l->cur ? "  (open)" : "");
}

static void draw(void *state, WINDOW *w, int h, int width, const struct model *m)
{
	struct metrics_state *s = state;
	struct dash_live *l = m->dash;
	int64_t now = loop_now_ms();
	int interval = m->cfg && m->cfg->refresh_ms > 0 ? m->cfg->refresh_ms : 2000;
	struct page pg;

	if (!l) {
		tui_put(w, 1, 1, width - 2, ROLE_STALE, "No dashboards: Prometheus is not configured (prometheus.url).");
		return;
	}
	dash_live_set_cols(l, width);
	if (!l->d) {
		tui_putf(w, 1, 1, width - 2, ROLE_CRIT, "%s", l->error[0] ? l->error :
		         l->nfiles ? "loading the dashboard" : "no dashboards found (dashboards.path)");
		return;
	}
	s->width = width;
	s->body = h - 1;
	draw_header(w, width, l, s);
	if (!s->placed || s->sel >= l->d->np || !visible(l->d, s->sel))
		s->sel = first_shown(l->d), s->placed = true;
	if (s->zoom && s->sel < l->d->np && l->d->p[s->sel].type != DASH_ROW) {
		struct box b = { 1, 0, s->body, width };

		metrics_draw_panel(w, b, l, s->sel, true, now, interval);
		goto picker;
	}
	if (lay_out(l->d, width, s->body, &pg) != 0) {
		tui_put(w, 1, 1, width - 2, ROLE_CRIT, "out of memory laying the dashboard out");
		goto picker;
	}
	clamp_top(s, l->d, &pg);
	for (size_t i = 0; i < l->d->np; i++) {
		struct box b = pg.b[i];
		int cut_top, cut_bottom;

		if (!visible(l->d, i) || b.h <= 0 || b.y + b.h <= s->top || b.y >= s->top + s->body)
			continue;
		if (l->d->p[i].type == DASH_ROW) {
			draw_row(w, b.y - s->top + 1, width, &l->d->p[i], i == s->sel);
			continue;
		}
		/* a panel cut by the page's edge is its frame and title: a squeezed chart reads wrong */
		cut_top = b.y < s->top ? s->top - b.y : 0;
		cut_bottom = b.y + b.h > s->top + s->body ? b.y + b.h - s->top - s->body : 0;
		b.y = b.y + cut_top - s->top + 1;
		b.h -= cut_top + cut_bottom;
		if (b.h < 2 || b.w < 4)
			continue;
		if (cut_top || cut_bottom)
			tui_box(w, b.y, b.x, b.h, b.w, l->d->p[i].title[0] ? l->d->p[i].title : l->d->p[i].type_name,
			        i == s->sel ? ROLE_SELECTED : ROLE_STALE);
		else
			metrics_draw_panel(w, b, l, i, i == s->sel, now, interval);
	}
	free(pg.b);
picker:
	if (s->picker)
		draw_picker(w, s->body, width, l, s);
}

static void next_value(struct dash_live *l, struct dash_var *v)
{
	size_t at = 0;
	char err[160];
	const char *next;

	if (!v->nopt && !v->include_all)
		return;
	if (v->cur_all)
		next = v->nopt ? v->opt[0] : "All";
	else {
		for (size_t k = 0; v->ncur && k < v->nopt; k++)
			if (!strcmp(v->opt[k], v->cur[0]))
				at = k + 1;
		next = at < v->nopt ? v->opt[at] : v->include_all ? "All" : v->opt[0];
	}
	if (dash_live_set_var(l, v->name, next, err, sizeof err) != 0)
		ui_message(ROLE_WARN, "%s", err);
}

/* An opened row at the page's top: its panels below it, as many as fit. */
static void show_row(struct metrics_state *s, const struct dashboard *d)
{
	struct page pg;

	if (lay_out(d, s->width > 0 ? s->width : 80, s->body > 0 ? s->body : 23, &pg) != 0)
		return;
	s->top = pg.b[s->sel].y;
	clamp_top(s, d, &pg);
	free(pg.b);
}

/* The variable bar's next variable that is shown. */
static void next_var(struct metrics_state *s, const struct dashboard *d)
{
	for (size_t n = 0; n < d->nv; n++) {
		const struct dash_var *v;

		s->var = (s->var + 1) % d->nv;
		v = &d->v[s->var];
		if (v->type != VAR_DATASOURCE && v->type != VAR_CONSTANT && v->hide != 2)
			break;
	}
}

/* Moving over the page: a line, a page, either end; the selection kept on it. */
static int navigate(struct metrics_state *s, struct dash_live *l, enum action_id action)
{
	struct dashboard *d = l->d;
	struct page pg;
	size_t last = d->np ? d->np - 1 : 0;

	if (lay_out(d, s->width > 0 ? s->width : 80, s->body > 0 ? s->body : 23, &pg) != 0)
		return VIEW_HANDLED;
	if (s->sel >= d->np || !visible(d, s->sel))
		s->sel = first_shown(d);
	switch (action) {
	case ACTION_UP: case ACTION_DOWN:
		s->sel = step(d, s->sel, action == ACTION_DOWN ? 1 : -1);
		reveal(s, &pg, s->sel);
		break;
	case ACTION_PAGE_UP: case ACTION_PAGE_DOWN:
		page(s, d, &pg, action == ACTION_PAGE_DOWN ? 1 : -1);
		break;
	case ACTION_TOP:
		s->top = 0;
		s->sel = first_shown(d);
		break;
	default:   /* the bottom */
		s->sel = visible(d, last) ? last : step(d, last, -1);
		s->top = pg.height;
		clamp_top(s, d, &pg);
		break;
	}
	free(pg.b);
	return VIEW_REDRAW;
}

static int key(void *state, struct model *m, enum action_id action, int k, int page_rows)
{
	struct metrics_state *s = state;
	struct dash_live *l = m->dash;

	(void)k;
	(void)page_rows;
	if (!l || !l->d)
		return VIEW_IGNORED;
	if (!s->range_set) {
		for (size_t i = 0; i < NRANGES; i++)
			if (ranges[i] == l->range_ms)
				s->range = (int)i;
		s->range_set = true;
	}
	if (s->picker) {
		switch (action) {
		case ACTION_UP:
			s->pick = s->pick ? s->pick - 1 : 0;
			return VIEW_REDRAW;
		case ACTION_DOWN:
			s->pick = s->pick + 1 < l->nfiles ? s->pick + 1 : s->pick;
			return VIEW_REDRAW;
		case ACTION_SELECT:
			if (dash_live_select(l, s->pick) != 0)
				ui_message(ROLE_CRIT, "%s", l->error);
			s->sel = 0, s->top = 0, s->var = 0;
			s->picker = s->placed = false;
			return VIEW_REDRAW;
		case ACTION_QUIT: case ACTION_DASHBOARD:
			s->picker = false;
			return VIEW_REDRAW;
		default:
			return VIEW_HANDLED;
		}
	}
	switch (action) {
	case ACTION_RANGE: case ACTION_RANGE_BACK:
		s->range = (s->range + (action == ACTION_RANGE ? 1 : (int)NRANGES - 1)) % (int)NRANGES;
		dash_live_set_range(l, ranges[s->range]);
		return VIEW_REDRAW;
	case ACTION_ZOOM:
		if (s->sel < l->d->np && l->d->p[s->sel].type != DASH_ROW)
			s->zoom = !s->zoom;
		return VIEW_REDRAW;
	case ACTION_QUIT:
		if (!s->zoom)
			return VIEW_IGNORED;
		s->zoom = false;
		return VIEW_REDRAW;
	case ACTION_PAUSE:
		dash_live_pause(l, !l->paused);
		if (l->paused)
			ui_message(ROLE_NORMAL, "charts paused (%s goes on)", keymap_key_for(ACTION_PAUSE));
		else
			ui_message(ROLE_NORMAL, "charts refreshing");
		return VIEW_REDRAW;
	case ACTION_DASHBOARD:
		s->picker = true;
		s->pick = l->cur;
		return VIEW_REDRAW;
	case ACTION_VARIABLE:
		next_var(s, l->d);
		return VIEW_REDRAW;
	case ACTION_VALUE:
		if (s->var < l->d->nv)
			next_value(l, &l->d->v[s->var]);
		return VIEW_REDRAW;
	case ACTION_UP: case ACTION_DOWN: case ACTION_PAGE_UP: case ACTION_PAGE_DOWN: case ACTION_TOP:
	case ACTION_BOTTOM:
		if (s->zoom)
			return VIEW_HANDLED;
		return navigate(s, l, action);
	case ACTION_SELECT:   /* a row opens or closes; a panel goes full screen and back */
		if (s->sel < l->d->np && l->d->p[s->sel].type == DASH_ROW && !s->zoom) {
			dash_live_toggle_row(l, s->sel);
			if (!l->d->p[s->sel].collapsed)
				show_row(s, l->d);
		} else if (s->sel < l->d->np)
			s->zoom = !s->zoom;
		return VIEW_REDRAW;
	default:
		return VIEW_IGNORED;
	}
}

const struct view_ops metrics_view = {
	.name = "metrics",
	.title = "Metrics",
	.about = "the team's Grafana dashboards: charts, stats, gauges",
	.key = '7',
	.state_size = sizeof(struct metrics_state),
	.redraw_on = DIRTY_METRICS,
	.draw = draw,
	.on_key = key,
};
