/* The metrics view's panels, one drawn in its box: line charts with axis
 * labels, legend and threshold colours; stat with its sparkline; gauge;
 * bargauge; table; text; a placeholder naming what is not drawn (its type,
 * or the datasource its queries go to). Each shows the age of its data and
 * turns stale when its queries fail. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metrics_priv.h"
#include "warroom/dashboard.h"
#include "warroom/text.h"
#include "warroom/tui.h"
#include "warroom/widgets.h"

#define STALE_FACTOR 3    /* refresh intervals without an answer before a panel is stale */

void metrics_clip(const char *s, int width, char *out, size_t len)
{
	const char *ell = tui_glyph(G_ELLIPSIS);
	int room = width - tui_text_width(ell);
	size_t n = 0;

	if (tui_text_width(s) <= width) {
		snprintf(out, len, "%s", s);
		return;
	}
	while (s[n] && room > 0) {
		size_t c = 1;

		while (((unsigned char)s[n + c] & 0xC0) == 0x80)
			c++;
		if (tui_text_width_n(s, n + c) > room)
			break;
		n += c;
	}
	snprintf(out, len, "%.*s%s", (int)n, s, room > 0 ? ell : "");
}

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
	if (legend_rows) {   /* each item whole; what does not fit is counted */
		int x = in.x, right = in.x + in.w;

		for (size_t k = 0; k < pd->nline; k++) {
			char item[180], val[32], more[16];
			int iw;

			line_fmt(p, &pd->line[k], &unit, &dec);
			dashboard_format(dashboard_reduce(pd->line[k].v, pd->line[k].n, CALC_LAST_NOT_NULL), unit, dec, val,
			                 sizeof val);
			snprintf(item, sizeof item, "%s %s %s", tui_glyph(G_BULLET), pd->line[k].name[0] ? pd->line[k].name :
			         "value", val);
			snprintf(more, sizeof more, "+%zu", pd->nline - k);
			iw = tui_text_width(item);
			if (k && x + iw + (k + 1 < pd->nline ? tui_text_width(more) + 2 : 0) > right) {
				tui_put(w, in.y + in.h - 1, x, right - x, ROLE_STALE, more);
				break;
			}
			if (x + iw > right) {   /* the first alone: its name cut, its value kept */
				char name[180];

				metrics_clip(pd->line[k].name, right - x - tui_text_width(val) - 4, name, sizeof name);
				snprintf(item, sizeof item, "%s %s %s", tui_glyph(G_BULLET), name, val);
				iw = tui_text_width(item);
			}
			tui_put(w, in.y + in.h - 1, x, right - x, k < 4 ? line_roles[k % 4] : ROLE_NORMAL, item);
			x += iw + 2;
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

void metrics_draw_panel(WINDOW *w, struct box b, const struct dash_live *l, size_t i, bool selected, int64_t now,
                       int interval_ms)
{
	const struct dash_panel *p = &l->d->p[i];
	static const struct dash_pdata none = { .err = "out of memory for its data" };
	const struct dash_pdata *pd = i < l->npd ? &l->pd[i] : &none;
	struct box in = { b.y + 1, b.x + 1, b.h - 2, b.w - 2 };
	char age[32], title[200];
	enum tui_role arole = ROLE_STALE;
	int room;

	/* the title whole or cut with an ellipsis, the age of the data beside it when both fit */
	age[0] = '\0';
	if (p->type != DASH_TEXT && dashboard_drawable(p))
		age_text(pd, now, interval_ms, age, sizeof age, &arole);
	room = b.w - 4;
	if (age[0] && tui_text_width(p->title[0] ? p->title : p->type_name) <= room - tui_text_width(age) - 2)
		room -= tui_text_width(age) + 2;
	else
		age[0] = '\0';   /* the title first */
	metrics_clip(p->title[0] ? p->title : p->type_name, room, title, sizeof title);
	tui_box(w, b.y, b.x, b.h, b.w, title, selected ? ROLE_SELECTED : ROLE_TITLE);
	if (in.h < 1 || in.w < 4)
		return;
	if (age[0])
		tui_put_right(w, b.y, b.x + 1, b.w - 3, arole, age);
	if (!dashboard_drawable(p)) {   /* a placeholder: what it is, and its queries as written */
		char line[400], cut[400];

		if (p->ds[0])
			snprintf(line, sizeof line, "%s %s: never sent to Prometheus", p->ds, p->type_name);
		else
			snprintf(line, sizeof line, "%s: not drawn in the terminal", p->type_name);
		metrics_clip(line, in.w, cut, sizeof cut);
		tui_put(w, in.y, in.x, in.w, ROLE_STALE, cut);
		for (size_t k = 0; k < p->nt && (int)k + 1 < in.h; k++) {
			snprintf(line, sizeof line, "%s: %s", p->t[k].ref, p->t[k].expr);
			metrics_clip(line, in.w, cut, sizeof cut);
			tui_put(w, in.y + 1 + (int)k, in.x, in.w, ROLE_NORMAL, cut);
		}
		return;
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
		return;
	}
	if (pd->err[0])
		tui_wrap_put(w, in.y + in.h - 1 - (in.h > 3), in.x, in.h > 3 ? 2 : 1, in.w, 0, ROLE_CRIT, pd->err);
	else if (pd->warn[0] && in.h > 3)
		tui_put(w, in.y + in.h - 1, in.x, in.w, ROLE_WARN, pd->warn);
}

