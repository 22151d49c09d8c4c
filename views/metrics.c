/* Metrics: a Grafana dashboard in the terminal. Panels are laid out from
 * their gridPos scaled to the screen, stacked one under the other below 100
 * columns; line charts with axis labels, legend and threshold colours; stat
 * with its sparkline; gauge; bargauge; table; text. Each panel shows the age
 * of its data and turns stale when its queries fail. Time range, zoom, pause,
 * a dashboard picker and a variable bar are rows of the action table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/config.h"
#include "warroom/dashboard.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/text.h"
#include "warroom/tui.h"
#include "warroom/view.h"
#include "warroom/widgets.h"

#define STACK_BELOW 100   /* columns under which panels stack */
#define STALE_FACTOR 3    /* refresh intervals without an answer before a panel is stale */

static const int64_t ranges[] = { 300000, 900000, 3600000, 21600000, 86400000 };
#define NRANGES (sizeof ranges / sizeof ranges[0])

struct metrics_state {
	size_t sel;          /* selected panel (index into d->p) */
	int top;             /* first body row shown */
	bool zoom, picker;
	size_t pick;
	size_t var;          /* the variable bar's chosen variable */
	int range;           /* index into ranges */
	bool range_set;
};

struct box {
	int y, x, h, w;
};

static enum tui_role level_role(int level)
{
	return level == 0 ? ROLE_OK : level == 1 ? ROLE_WARN : level == 2 ? ROLE_CRIT : ROLE_ACCENT;
}

static double field_lo(const struct dash_field *f)
{
	return isnan(f->min) ? 0 : f->min;
}

static double field_hi(const struct dash_field *f)
{
	if (!isnan(f->max))
		return f->max;
	if (!strcmp(f->unit, "percent"))
		return 100;
	if (!strcmp(f->unit, "percentunit"))
		return 1;
	return NAN;
}

static enum tui_role value_role(const struct dash_panel *p, double v)
{
	return level_role(dashboard_value_level(&p->field, v));
}

/* The unit and decimals for a line (a simple override by name). */
static void line_fmt(const struct dash_panel *p, const struct dash_line *ln, const char **unit, int *dec)
{
	*unit = p->field.unit;
	*dec = p->field.decimals;
	for (int i = 0; i < p->nov; i++)
		if (!p->ov[i].regex && !strcmp(p->ov[i].match, ln->name)) {
			if (p->ov[i].unit[0])
				*unit = p->ov[i].unit;
			if (p->ov[i].decimals >= 0)
				*dec = p->ov[i].decimals;
		}
}

static bool shown(const struct dash_panel *p)
{
	return p->type != DASH_ROW;
}

/* Rows a panel takes when stacked. */
static int stacked_rows(const struct dash_panel *p, int body, int cols)
{
	int text;

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

/* Where panel i goes on a virtual page of width cols; rows counted from 0. */
static struct box place(const struct dashboard *d, size_t i, int cols, int body)
{
	const struct dash_panel *p = &d->p[i];
	struct box b;

	if (cols < STACK_BELOW) {
		b.y = 0;
		for (size_t k = 0; k < i; k++)
			if (shown(&d->p[k]))
				b.y += stacked_rows(&d->p[k], body, cols);
		b.x = 0;
		b.w = cols;
		b.h = stacked_rows(p, body, cols);
		return b;
	}
	/* the grid: 24 columns across; grid rows scaled so the dashboard fills
	 * the screen, between half a text row and one text row each */
	{
		int bottom = 1, num, den;

		for (size_t k = 0; k < d->np; k++)
			if (shown(&d->p[k]) && d->p[k].y + d->p[k].h > bottom)
				bottom = d->p[k].y + d->p[k].h;
		num = body < bottom ? body : bottom;
		den = bottom;
		if (num * 2 < den)
			num = 1, den = 2;
		b.x = p->x * cols / 24;
		b.w = (p->x + p->w) * cols / 24 - b.x;
		b.y = p->y * num / den;
		b.h = (p->y + p->h) * num / den - b.y;
	}
	if (b.h < 3)
		b.h = 3;
	return b;
}

static void age_text(const struct dash_pdata *pd, int64_t now, int interval_ms, char *buf, size_t len,
                     enum tui_role *role)
{
	char age[16];

	*role = ROLE_STALE;
	if (!pd->updated_ms) {
		snprintf(buf, len, "%s", pd->err[0] ? "failed" : "waiting");
		*role = pd->err[0] ? ROLE_CRIT : ROLE_STALE;
		return;
	}
	text_age(now - pd->updated_ms, age, sizeof age);
	if (pd->err[0] || now - pd->updated_ms > (int64_t)STALE_FACTOR * interval_ms) {
		snprintf(buf, len, "stale %s", age);
		*role = ROLE_WARN;
	} else {
		snprintf(buf, len, "%s", age);
	}
}

static void draw_lines_chart(WINDOW *w, struct box in, const struct dash_panel *p, const struct dash_pdata *pd)
{
	static const enum tui_role line_roles[] = { ROLE_ACCENT, ROLE_BLUE, ROLE_GREEN, ROLE_WARN };
	double lo = INFINITY, hi = -INFINITY;
	char top[24], bot[24];
	int axis = 0, legend_rows = in.h >= 6 ? 1 : 0, ph;
	const char *unit;
	int dec;

	for (size_t k = 0; k < pd->nline; k++)
		for (size_t i = 0; i < pd->line[k].n; i++)
			if (isfinite(pd->line[k].v[i])) {
				lo = fmin(lo, pd->line[k].v[i]);
				hi = fmax(hi, pd->line[k].v[i]);
			}
	if (!isfinite(lo)) {
		tui_put(w, in.y + in.h / 2, in.x, in.w, ROLE_STALE, pd->err[0] ? "" : "no data");
		return;
	}
	if (!isnan(p->field.min))
		lo = p->field.min;
	else if (lo > 0)
		lo = 0;
	if (!isnan(p->field.max))
		hi = p->field.max;
	if (!(hi > lo))
		hi = lo + 1;
	line_fmt(p, &pd->line[0], &unit, &dec);
	dashboard_format(hi, unit, dec, top, sizeof top);
	dashboard_format(lo, unit, dec, bot, sizeof bot);
	axis = tui_text_width(top) > tui_text_width(bot) ? tui_text_width(top) : tui_text_width(bot);
	if (axis > in.w / 3)
		axis = 0;
	ph = in.h - legend_rows;
	if (ph < 1)
		return;
	if (axis) {
		tui_put_right(w, in.y, in.x, axis, ROLE_STALE, top);
		tui_put_right(w, in.y + ph - 1, in.x, axis, ROLE_STALE, bot);
	}
	for (size_t k = pd->nline; k-- > 0;) {
		const struct dash_line *ln = &pd->line[k];
		size_t n = ln->n;
		double last = n ? dashboard_reduce(ln->v, n, CALC_LAST_NOT_NULL) : NAN;
		enum tui_role role = p->field.nth > 1 ? value_role(p, last) : line_roles[k % 4];

		if (k >= 4)
			continue;   /* the first four lines are drawn; every one is in the legend */
		chart_plot(w, in.y, in.x + axis + 1, ph, in.w - axis - 1, ln->v, n, lo, hi, role);
	}
	if (legend_rows) {
		int x = in.x;

		for (size_t k = 0; k < pd->nline && x < in.x + in.w - 4; k++) {
			char item[180], val[32];

			line_fmt(p, &pd->line[k], &unit, &dec);
			dashboard_format(dashboard_reduce(pd->line[k].v, pd->line[k].n, CALC_LAST_NOT_NULL), unit, dec, val,
			                 sizeof val);
			snprintf(item, sizeof item, "%s %s %s  ", tui_glyph(G_BULLET), pd->line[k].name[0] ? pd->line[k].name :
			         "value", val);
			tui_put(w, in.y + in.h - 1, x, in.x + in.w - x, k < 4 ? line_roles[k % 4] : ROLE_NORMAL, item);
			x += tui_text_width(item);
		}
	}
}

static void draw_stat(WINDOW *w, struct box in, const struct dash_panel *p, const struct dash_pdata *pd)
{
	for (size_t k = 0; k < pd->nline && (int)k < in.h; k++) {
		const struct dash_line *ln = &pd->line[k];
		double v = dashboard_reduce(ln->v, ln->n, p->calc);
		char val[40], row[200];
		const char *unit;
		int dec, vw;
		enum tui_role role = value_role(p, v);

		line_fmt(p, ln, &unit, &dec);
		dashboard_format(v, unit, dec, val, sizeof val);
		if (pd->nline > 1)
			snprintf(row, sizeof row, "%s %s", val, ln->name);
		else
			snprintf(row, sizeof row, "%s", val);
		vw = tui_text_width(row);
		if (pd->nline == 1 && in.h >= 2) {
			int off = in.w > vw ? (in.w - vw) / 2 : 0;

			tui_put(w, in.y, in.x + off, in.w - off, role, row);
			{   /* the sparkline over the series' own range */
				double lo = INFINITY, hi = -INFINITY;

				for (size_t i = 0; i < ln->n; i++)
					if (isfinite(ln->v[i]))
						lo = fmin(lo, ln->v[i]), hi = fmax(hi, ln->v[i]);
				if (isfinite(lo))
					chart_spark(w, in.y + 1, in.x, in.w, ln->v, ln->n, lo, hi > lo ? hi : lo + 1, role);
			}
			return;
		}
		tui_put(w, in.y + (int)k, in.x, in.w, role, row);
	}
	if (!pd->nline)
		tui_put(w, in.y, in.x, in.w, ROLE_STALE, pd->err[0] ? "" : "no data");
}

static void draw_gauges(WINDOW *w, struct box in, const struct dash_panel *p, const struct dash_pdata *pd)
{
	double hi = field_hi(&p->field), lo = field_lo(&p->field);

	for (size_t k = 0; k < pd->nline && (int)k < in.h; k++) {
		const struct dash_line *ln = &pd->line[k];
		double v = dashboard_reduce(ln->v, ln->n, p->calc), max = isnan(hi) ? fmax(v, 1) : hi;
		char val[40], label[80];
		const char *unit;
		int dec;

		line_fmt(p, ln, &unit, &dec);
		dashboard_format(v, unit, dec, val, sizeof val);
		snprintf(label, sizeof label, "%s %s", p->type == DASH_BARGAUGE || pd->nline > 1 ? ln->name : "", val);
		gauge_draw(w, in.y + (p->type == DASH_GAUGE && pd->nline == 1 ? in.h / 2 : (int)k), in.x, in.w, v - lo,
		           max - lo, label + (label[0] == ' '), value_role(p, v));
	}
	if (!pd->nline)
		tui_put(w, in.y, in.x, in.w, ROLE_STALE, pd->err[0] ? "" : "no data");
}

static void draw_table(WINDOW *w, struct box in, const struct dash_panel *p, const struct dash_pdata *pd)
{
	for (size_t k = 0; k < pd->nline && (int)k < in.h; k++) {
		const struct dash_line *ln = &pd->line[k];
		char val[40];
		const char *unit;
		int dec, vw;

		line_fmt(p, ln, &unit, &dec);
		dashboard_format(ln->n ? ln->v[ln->n - 1] : NAN, unit, dec, val, sizeof val);
		vw = tui_text_width(val);
		tui_put(w, in.y + (int)k, in.x, in.w - vw - 1, ROLE_NORMAL, ln->name[0] ? ln->name : ln->key);
		tui_put_right(w, in.y + (int)k, in.x + in.w - vw, vw, value_role(p, ln->n ? ln->v[ln->n - 1] : NAN), val);
	}
	if (!pd->nline)
		tui_put(w, in.y, in.x, in.w, ROLE_STALE, pd->err[0] ? "" : "no rows");
}

static void draw_panel(WINDOW *w, struct box b, const struct dash_live *l, size_t i, bool selected, int64_t now,
                       int interval_ms)
{
	const struct dash_panel *p = &l->d->p[i];
	const struct dash_pdata *pd = &l->pd[i];
	struct box in = { b.y + 1, b.x + 1, b.h - 2, b.w - 2 };
	char age[32];
	enum tui_role arole;

	tui_box(w, b.y, b.x, b.h, b.w, p->title[0] ? p->title : p->type_name, selected ? ROLE_SELECTED : ROLE_TITLE);
	if (in.h < 1 || in.w < 4)
		return;
	if (p->type != DASH_TEXT && p->type != DASH_OTHER) {
		age_text(pd, now, interval_ms, age, sizeof age, &arole);
		if (b.w > tui_text_width(p->title) + tui_text_width(age) + 6)
			tui_put_right(w, b.y, b.x + 1, b.w - 3, arole, age);
	}
	switch (p->type) {
	case DASH_TIMESERIES: case DASH_GRAPH:
		draw_lines_chart(w, in, p, pd);
		break;
	case DASH_STAT: case DASH_SINGLESTAT:
		draw_stat(w, in, p, pd);
		break;
	case DASH_GAUGE: case DASH_BARGAUGE:
		draw_gauges(w, in, p, pd);
		break;
	case DASH_TABLE:
		draw_table(w, in, p, pd);
		break;
	case DASH_TEXT:
		tui_md_draw(w, in.y, in.x, in.h, in.w, &p->md);
		return;
	default:
		tui_putf(w, in.y, in.x, in.w, ROLE_STALE, "%s: not drawn in the terminal", p->type_name);
		for (size_t k = 0; k < p->nt && (int)k + 1 < in.h; k++)
			tui_putf(w, in.y + 1 + (int)k, in.x, in.w, ROLE_NORMAL, "%s: %s", p->t[k].ref, p->t[k].expr);
		return;
	}
	if (pd->err[0])
		tui_wrap_put(w, in.y + in.h - 1 - (in.h > 3), in.x, in.h > 3 ? 2 : 1, in.w, 0, ROLE_CRIT, pd->err);
	else if (pd->warn[0] && in.h > 3)
		tui_put(w, in.y + in.h - 1, in.x, in.w, ROLE_WARN, pd->warn);
}

static void draw_header(WINDOW *w, int width, const struct dash_live *l, const struct metrics_state *s)
{
	char range[16], line[600];
	size_t o;
	int x;

	dashboard_duration_str(l->range_ms, range, sizeof range);
	snprintf(line, sizeof line, "%s  %s %s%s", l->d->title, tui_glyph(G_DOT), range, l->paused ? "  PAUSED" : "");
	tui_put(w, 0, 0, width, ROLE_TITLE, line);
	x = tui_text_width(line) + 2;
	for (size_t i = 0; i < l->d->nv && x < width; i++) {
		const struct dash_var *v = &l->d->v[i];

		if (v->type == VAR_DATASOURCE || v->type == VAR_CONSTANT)
			continue;
		o = (size_t)snprintf(line, sizeof line, "$%s=", v->name);
		if (v->cur_all)
			snprintf(line + o, sizeof line - o, "All");
		for (size_t k = 0; k < v->ncur && o < sizeof line - 2; k++)
			o += (size_t)snprintf(line + o, sizeof line - o, "%s%s", k ? "," : "", v->cur[k]);
		tui_put(w, 0, x, width - x, i == s->var ? ROLE_KEY : v->error[0] ? ROLE_WARN : ROLE_NORMAL, line);
		x += tui_text_width(line) + 2;
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

static void move_sel(struct metrics_state *s, const struct dashboard *d, int dir);

static void draw(void *state, WINDOW *w, int h, int width, const struct model *m)
{
	struct metrics_state *s = state;
	struct dash_live *l = m->dash;
	int64_t now = loop_now_ms();
	int interval = m->cfg && m->cfg->refresh_ms > 0 ? m->cfg->refresh_ms : 2000;
	int body = h - 1;

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
	draw_header(w, width, l, s);
	if (s->sel >= l->d->np)
		s->sel = 0;
	if (l->d->np && !shown(&l->d->p[s->sel]))
		move_sel(s, l->d, 1);
	if (s->zoom && s->sel < l->d->np) {
		struct box b = { 1, 0, body, width };

		draw_panel(w, b, l, s->sel, true, now, interval);
	} else {
		struct box sb = place(l->d, s->sel, width, body);

		/* keep the selected panel on screen */
		if (sb.y < s->top)
			s->top = sb.y;
		if (sb.y + sb.h > s->top + body)
			s->top = sb.y + sb.h - body;
		if (s->top < 0)
			s->top = 0;
		for (size_t i = 0; i < l->d->np; i++) {
			struct box b;

			if (!shown(&l->d->p[i])) {
				/* a row's title on its grid line, as Grafana draws it */
				b = place(l->d, i, width, body);
				if (width >= STACK_BELOW && b.y >= s->top && b.y < s->top + body && l->d->p[i].title[0])
					tui_putf(w, b.y - s->top + 1, 1, width - 2, ROLE_TITLE, "%s %s", tui_glyph(G_PLAY),
					         l->d->p[i].title);
				continue;
			}
			b = place(l->d, i, width, body);
			if (b.y < s->top || b.y + b.h > s->top + body || b.w < 4)
				continue;   /* only whole panels: a cut chart reads wrong */
			b.y = b.y - s->top + 1;
			draw_panel(w, b, l, i, i == s->sel, now, interval);
		}
	}
	if (s->picker)
		draw_picker(w, body, width, l, s);
}

static void move_sel(struct metrics_state *s, const struct dashboard *d, int dir)
{
	size_t i = s->sel;

	for (size_t n = 0; n < d->np; n++) {
		i = (i + d->np + (size_t)(dir > 0 ? 1 : -1)) % d->np;
		if (shown(&d->p[i]) && ((dir > 0) == (i > s->sel)))
			break;
	}
	if (shown(&d->p[i]))
		s->sel = i;
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

static int key(void *state, struct model *m, enum action_id action, int k, int page)
{
	struct metrics_state *s = state;
	struct dash_live *l = m->dash;

	(void)k;
	(void)page;
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
			s->picker = false;
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
		for (size_t n = 0; n < l->d->nv; n++) {
			s->var = (s->var + 1) % l->d->nv;
			if (l->d->v[s->var].type != VAR_DATASOURCE && l->d->v[s->var].type != VAR_CONSTANT)
				break;
		}
		return VIEW_REDRAW;
	case ACTION_VALUE:
		if (s->var < l->d->nv)
			next_value(l, &l->d->v[s->var]);
		return VIEW_REDRAW;
	case ACTION_UP: case ACTION_PAGE_UP:
		move_sel(s, l->d, -1);
		return VIEW_REDRAW;
	case ACTION_DOWN: case ACTION_PAGE_DOWN:
		move_sel(s, l->d, 1);
		return VIEW_REDRAW;
	case ACTION_TOP:
		s->sel = 0, s->top = 0;
		move_sel(s, l->d, 1);
		return VIEW_REDRAW;
	case ACTION_SELECT:
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
