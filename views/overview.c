/* Overview: everything at a glance. Six panels — slots, golden signals,
 * alerts, incident, runbook, timeline — each with an honest "no data" state.
 * At 80x24 the columns shorten; nothing essential disappears. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "warroom/config.h"
#include "warroom/deploy.h"
#include "warroom/loop.h"
#include "warroom/incident.h"
#include "warroom/logs.h"
#include "warroom/model.h"
#include "warroom/policy.h"
#include "warroom/prom.h"
#include "warroom/runbook.h"
#include "warroom/slots.h"
#include "warroom/text.h"
#include "warroom/view.h"

#include "slot_lines.h"

struct rect { int y, x, h, w; };

static void no_data(WINDOW *w, struct rect r, enum tui_role role, const char *a, const char *b)
{
	int y = r.y + 1, last = r.y + r.h - 1;

	if (y < last)
		y += tui_wrap_put(w, y, r.x + 2, last - y, r.w - 4, 2, role, a);
	if (b && y < last)
		tui_wrap_put(w, y, r.x + 2, last - y, r.w - 4, 2, ROLE_STALE, b);
}

/* A source's state in words, for panels whose data it feeds. */
static void source_state(WINDOW *w, struct rect r, const struct model *m, enum source_id id,
                         const char *what, const char *key, const char *url)
{
	char a[256], b[256];
	const struct source_status *s = &m->src[id];

	switch (s->state) {
	case SRC_UNCONFIGURED:
		snprintf(a, sizeof a, "%s not configured", what);
		snprintf(b, sizeof b, "add %s: to the config", key);
		no_data(w, r, ROLE_STALE, a, b);
		return;
	case SRC_IDLE:
		snprintf(a, sizeof a, "no data: %s is not polled yet", what);
		no_data(w, r, ROLE_STALE, a, url);
		return;
	case SRC_DOWN:
		snprintf(a, sizeof a, "no data: %s unreachable", what);
		no_data(w, r, ROLE_CRIT, a, s->error);
		return;
	default:
		snprintf(a, sizeof a, "no data yet from %s", what);
		snprintf(b, sizeof b, "%s", url && *url ? url : "");
		no_data(w, r, ROLE_STALE, a, b);
	}
}

static void panel_slots(WINDOW *w, struct rect r, const struct model *m)
{
	const struct slots_state *st = m->slots;

	if (!st || !st->updated_ms) {
		tui_box(w, r.y, r.x, r.h, r.w, "Slots", ROLE_TITLE);
		source_state(w, r, m, SRC_KUBE, "Kubernetes", "kubernetes", m->cfg->kube.service);
		return;
	}
	tui_box(w, r.y, r.x, r.h, r.w, "Slots", st->health == SLOTS_OUTAGE ? ROLE_CRIT : ROLE_TITLE);
	slot_lines_summary(w, r.y + 1, r.x + 2, r.h - 2, r.w - 4, m);
}

/* Thresholds are the policy's (the config's slo:, the runbooks' numbers). */
static const struct signal_spec {
	const char *label;
	double scale_min;          /* the chart's top is at least this */
} signal_spec[MET_COUNT] = {
	[MET_RPS]    = { "req/s", 1 },
	[MET_ERRORS] = { "5xx", 0.02 },
	[MET_P95]    = { "P95", 0.4 },
	[MET_P99]    = { "P99", 0.6 },
	[MET_QUEUE]  = { "queue", 10 },
};

static enum tui_role level_role(int level)
{
	return level == 0 ? ROLE_OK : level == 1 ? ROLE_WARN : level == 2 ? ROLE_CRIT : ROLE_NORMAL;
}

/* The strip's items: the model's, or the golden signals while it has none. */
static size_t strip_items(const struct model *m, const struct model_strip_item **out)
{
	static struct model_strip_item dflt[MET_COUNT];

	if (m->strip.n) {
		for (size_t i = 0; i < m->strip.n; i++)
			out[i] = &m->strip.it[i];
		return m->strip.n;
	}
	for (int i = 0; i < MET_COUNT; i++) {
		dflt[i].signal = i;
		out[i] = &dflt[i];
	}
	return MET_COUNT;
}

static const struct model_series *item_series(const struct model *m, const struct model_strip_item *it)
{
	return it->signal >= 0 ? &m->metrics.s[it->signal] : &it->s;
}

/* The config's list speaks as the dashboard does; the signals keep their words. */
static const char *item_label(const struct model *m, const struct model_strip_item *it)
{
	return it->signal >= 0 && !m->strip.configured ? signal_spec[it->signal].label : it->label;
}

/* A value that is no plain number says what it is, its query beside it:
 * never a bare "n/a". */
static bool item_worded(const struct model_series *s)
{
	return s->answer == MODEL_ANS_NAN || s->answer == MODEL_ANS_EMPTY ||
	       (s->answer == MODEL_ANS_VALUE && isinf(s->last));
}

static void item_value(const struct model *m, const struct model_strip_item *it, const struct model_series *s,
                       char *buf, size_t len)
{
	double v = s->last;

	if (s->answer == MODEL_ANS_NAN)
		snprintf(buf, len, "NaN");
	else if (isinf(v))
		snprintf(buf, len, "%sInf", v > 0 ? "+" : "-");
	else if (isnan(v))
		snprintf(buf, len, "no data");
	else if (it->signal >= 0 && !m->strip.configured)
		prom_signal_format((enum metric_id)it->signal, v, buf, len);
	else
		dashboard_format(v, it->field.unit, it->field.decimals, buf, len);
}

/* Its panel's thresholds; the SLO only when the panel has none. A value
 * that is not a number is a warning: nobody knows how the service does. */
static enum tui_role item_role(const struct model *m, const struct model_strip_item *it,
                               const struct model_series *s, bool stale)
{
	if (stale || s->answer == MODEL_ANS_NONE)
		return ROLE_STALE;
	if (isnan(s->last))
		return ROLE_WARN;
	return level_role(policy_strip_level(m->cfg, it, s->last));
}

/* Columns of the labels and values: as wide as the widest, within reason. */
static void strip_columns(const struct model *m, const struct model_strip_item *const *items, size_t n, int width,
                          int *lw, int *vw)
{
	*lw = 6;
	*vw = 8;
	for (size_t i = 0; i < n; i++) {
		char val[48];
		int l = tui_text_width(item_label(m, items[i])) + 1;

		item_value(m, items[i], item_series(m, items[i]), val, sizeof val);
		if (l > *lw)
			*lw = l;
		if (tui_text_width(val) > *vw)
			*vw = tui_text_width(val);
	}
	if (*lw > width / 2)
		*lw = width / 2 > 6 ? width / 2 : 6;
	if (*vw > width / 3)
		*vw = width / 3 > 8 ? width / 3 : 8;
}

/* s in width columns; cut, it ends in an ellipsis (a query has few spaces
 * to break at, so it is cut at a character). */
static void put_cut(WINDOW *w, int y, int x, int width, enum tui_role role, const char *s)
{
	const char *ell = tui_glyph(G_ELLIPSIS);
	char buf[256];
	size_t off = 0, len = strlen(s);
	int cols = 0, room = width - tui_text_width(ell);
	mbstate_t st;

	if (tui_text_width(s) <= width) {
		tui_put(w, y, x, width, role, s);
		return;
	}
	memset(&st, 0, sizeof st);
	while (off < len) {
		int c;
		size_t n = tui_next_char(s + off, len - off, &st, &c);

		if (!n || cols + c > room || off + n + strlen(ell) >= sizeof buf)
			break;
		cols += c;
		off += n;
	}
	snprintf(buf, sizeof buf, "%.*s%s", (int)off, s, ell);
	tui_put(w, y, x, width, role, buf);
}

static void signal_cell(WINDOW *w, int y, int x, int width, const struct model *m, const struct model_strip_item *it,
                        int lw, int vw, bool stale)
{
	const struct model_series *s = item_series(m, it);
	char val[48];
	double hi = it->signal >= 0 ? signal_spec[it->signal].scale_min : 0;
	enum tui_role role = item_role(m, it, s, stale);
	int cw = width - lw - vw - 1;

	if (it->note[0]) {
		/* a placeholder: what was asked for, and why there is nothing */
		tui_put(w, y, x, lw, ROLE_NORMAL, item_label(m, it));
		tui_put(w, y, x + lw, width - lw, ROLE_WARN, it->note);
		return;
	}
	if (s->error[0] && isnan(s->last)) {
		/* the reason instead of a bare n/a */
		tui_put(w, y, x, lw, ROLE_NORMAL, item_label(m, it));
		tui_put(w, y, x + lw, width - lw, ROLE_CRIT, s->error);
		return;
	}
	item_value(m, it, s, val, sizeof val);
	if (it->panel && !isnan(it->field.max) && it->field.max > hi)
		hi = it->field.max;
	for (size_t i = 0; i < s->n; i++)
		if (isfinite(s->v[i]) && s->v[i] > hi)
			hi = s->v[i];
	tui_put(w, y, x, lw, ROLE_NORMAL, item_label(m, it));
	tui_put_right(w, y, x + lw, vw, role, val);
	if (item_worded(s) && cw > 2)   /* the query that said it, where the chart would be */
		put_cut(w, y, x + lw + vw + 1, cw, ROLE_STALE, s->query);
	else if (cw > 2)
		chart_spark(w, y, x + lw + vw + 1, cw, s->v, s->n, 0, hi > 0 ? hi : 1, role == ROLE_OK ? ROLE_ACCENT : role);
}

/* Two columns from 80 on, a placeholder alone on its row (its words are
 * long). Draws the cells when w is set; returns the rows taken. */
static int strip_layout(WINDOW *w, int y, int last, int x, int inner, const struct model *m, bool stale)
{
	const struct model_strip_item *items[MODEL_STRIP > MET_COUNT ? MODEL_STRIP : MET_COUNT];
	size_t n = strip_items(m, items);
	int half = (inner - 2) / 2, lw, vw, rows = 0, col = 0;
	bool two = inner >= 80;

	strip_columns(m, items, n, two ? half : inner, &lw, &vw);
	for (size_t i = 0; i < n; i++) {
		bool alone = !two || items[i]->note[0] || item_worded(item_series(m, items[i]));

		if (alone && col) {
			rows++;
			col = 0;
		}
		if (w && y + rows < last)
			signal_cell(w, y + rows, col ? x + 2 + half : x, alone ? inner : half, m, items[i], lw, vw, stale);
		if (alone || col) {
			rows++;
			col = 0;
		} else {
			col = 1;
		}
	}
	return rows + col;
}

static int strip_rows(const struct model *m, int inner)
{
	return strip_layout(NULL, 0, 0, 0, inner, m, false);
}

/* The error every signal's last query failed with, or NULL. */
static const char *signals_common_error(const struct model *m)
{
	const char *e = m->metrics.s[0].error;

	if (!e[0])
		return NULL;
	for (int i = 1; i < MET_COUNT; i++)
		if (strcmp(m->metrics.s[i].error, e) != 0)
			return NULL;
	return e;
}

/* Text over rows y..last-1, broken at spaces; returns the next free row. */
static int signals_wrap(WINDOW *w, int y, int last, int x, int width, enum tui_role role, const char *text)
{
	while (*text && y < last && width > 0) {
		int n = (int)strlen(text);

		if (n > width) {
			n = width;
			while (n > width / 2 && text[n] != ' ')
				n--;
			if (text[n] != ' ')
				n = width;
			/* never split a UTF-8 sequence */
			while (n > 1 && ((unsigned char)text[n] & 0xC0) == 0x80)
				n--;
		}
		char line[512];
		snprintf(line, sizeof line, "%.*s", n < (int)sizeof line - 1 ? n : (int)sizeof line - 1, text);
		tui_put(w, y++, x, width, role, line);
		text += n;
		while (*text == ' ')
			text++;
	}
	return y;
}

static void panel_signals(WINDOW *w, struct rect r, const struct model *m)
{
	bool stale = m->src[SRC_PROM].state == SRC_DOWN;
	int inner = r.w - 4, rows = r.h - 2, y = r.y + 1;
	const char *common = signals_common_error(m);
	char title[96], once[300];

	if (!m->metrics.updated_ms && !(stale && common)) {
		tui_box(w, r.y, r.x, r.h, r.w, "Golden signals", ROLE_TITLE);
		source_state(w, r, m, SRC_PROM, "Prometheus", "prometheus", m->cfg->prometheus.url);
		return;
	}
	if (stale && m->metrics.updated_ms)
		snprintf(title, sizeof title, "Golden signals %s stale %llds", tui_glyph(G_DOT),
		         (long long)model_source_age_s(m, SRC_PROM, loop_now_ms()));
	else if (common)
		snprintf(title, sizeof title, "Golden signals");
	else
		snprintf(title, sizeof title, "Golden signals (1m rates)");
	tui_box(w, r.y, r.x, r.h, r.w, title, stale || common ? ROLE_CRIT : ROLE_TITLE);
	if (common) {
		/* every query failed the same way: say it once */
		snprintf(once, sizeof once, "no data: %s", common);
		y = signals_wrap(w, y, r.y + 1 + rows, r.x + 2, inner, ROLE_CRIT, once);
		if (y < r.y + 1 + rows)
			tui_put(w, y, r.x + 2, inner, ROLE_STALE, m->cfg->prometheus.url);
		return;
	}
	y += strip_layout(w, y, r.y + 1 + rows, r.x + 2, inner, m, stale);
	if (stale && y < r.y + 1 + rows)
		y += tui_wrap_put(w, y, r.x + 2, r.y + 1 + rows - y < 2 ? r.y + 1 + rows - y : 2, inner, 2, ROLE_CRIT,
		                  m->src[SRC_PROM].error);
	{
		const struct deploy *d = deploy_of(m);

		for (size_t i = 0; d && i < d->ncapacity && y < r.y + 1 + rows; i++) {
			char line[200];

			snprintf(line, sizeof line, "CAPACITY %s", d->capacity[i]);
			y = signals_wrap(w, y, r.y + 1 + rows, r.x + 2, inner, ROLE_WARN, line);
		}
	}
}

/* The alerts, each whole: a row with severity, name, (group,) age, and its
 * summary wrapped beside it when the column is wide enough, under it when
 * not. What does not fit is counted. Returns the next free row. */
struct alert_layout { int nw, sx, rows; bool group, beside; };

static struct alert_layout alert_layout(const struct model_alert *a, int inner)
{
	struct alert_layout l = { inner >= 70 ? 24 : 20, 0, 0, inner >= 60, false };

	l.sx = 5 + l.nw + (l.group ? 19 : 5);
	l.beside = inner - l.sx >= 36;
	if (!l.beside) {
		l.nw = inner - 10;
		l.sx = 5;
		l.group = false;
	}
	l.rows = l.beside ? tui_wrap_rows(a->summary, inner - l.sx, 0) : 1 + tui_wrap_rows(a->summary, inner - l.sx, 0);
	if (!a->summary[0])
		l.rows = 1;
	return l;
}

/* Rows the alerts need to show every one whole. */
static int alerts_rows_needed(const struct model_alerts *al, int inner)
{
	int rows = 1;

	if (al->silenced) {
		char line[256];

		snprintf(line, sizeof line, "%d silenced, still firing: %s", al->silenced, al->silenced_names);
		rows += tui_wrap_rows(line, inner, 2) - (al->total ? 0 : 1);
	}
	for (size_t i = 0; i < al->n; i++)
		rows += alert_layout(&al->a[i], inner).rows;
	return rows;
}

static int alert_rows(WINDOW *w, int y, int last, int x, int inner, const struct model *m, bool stale,
                      int64_t now)
{
	size_t i;
	char age[16];

	const struct model_alerts *al = &m->alerts;

	for (i = 0; i < al->n && y < last; i++) {
		const struct model_alert *a = &al->a[i];
		bool crit = policy_severity_is_critical(m->cfg, a->severity);
		struct alert_layout l = alert_layout(a, inner);
		int nw = l.nw, sx = l.sx, rows = l.rows;
		bool group = l.group, beside = l.beside;

		/* the last row is for the count of the rest, unless this is the last alert */
		if (y + rows > last - (i + 1 < al->total ? 1 : 0) && i > 0)
			break;
		text_age(a->since_wall_ms ? now - a->since_wall_ms : 0, age, sizeof age);
		tui_put(w, y, x, 5, stale ? ROLE_STALE : crit ? ROLE_CRIT : ROLE_WARN, crit ? "crit" : "warn");
		tui_put(w, y, x + 5, nw, ROLE_NORMAL, a->name);
		if (group)
			tui_put(w, y, x + 5 + nw, 14, ROLE_STALE, a->group);
		tui_put_right(w, y, beside ? x + sx - 5 : x + inner - 4, 4, ROLE_STALE, age);
		if (!beside && a->summary[0])
			y++;
		if (a->summary[0])
			y += tui_wrap_put(w, y, x + sx, last - y, inner - sx, 0, ROLE_NORMAL, a->summary);
		else
			y++;
	}
	if (al->total > i && y < last)
		tui_putf(w, y++, x, inner, ROLE_STALE, "%zu more", al->total - i);
	return y;
}

/* A silence hides the notifications, never that the alert still fires. */
static int silenced_line(WINDOW *w, int y, int last, int x, int width, const struct model_alerts *al)
{
	char line[256];

	snprintf(line, sizeof line, "%d silenced, still firing: %s", al->silenced, al->silenced_names);
	return tui_wrap_put(w, y, x, last - y, width, 2, ROLE_WARN, line);
}

/* Kubernetes warnings of the last minutes, one row above the alerts (logs.h). */
static int events_row(WINDOW *w, int y, int last, int x, int width, const struct model *m)
{
	char line[300];

	if (y >= last || !logs_events_summary(logs_state(m->logs), loop_wall_ms(), line, sizeof line))
		return y;
	tui_putf(w, y, x, width, ROLE_WARN, "Events: %s %s %s diagnose", line, tui_glyph(G_DOT), keymap_view_key("diagnose"));
	return y + 1;
}

static void panel_alerts(WINDOW *w, struct rect r, const struct model *m)
{
	const struct model_alerts *al = &m->alerts;
	bool stale = m->src[SRC_ALERTMGR].state == SRC_DOWN;
	int inner = r.w - 4, y = r.y + 1, last = r.y + r.h - 1;
	int64_t now = loop_wall_ms();
	char title[96];

	if (!al->updated_ms) {
		tui_box(w, r.y, r.x, r.h, r.w, "Alerts", ROLE_TITLE);
		source_state(w, r, m, SRC_ALERTMGR, "Alertmanager", "alertmanager", m->cfg->alertmanager.url);
		events_row(w, last - 1, last, r.x + 2, inner, m);
		return;
	}
	snprintf(title, sizeof title, "Alerts (%zu firing%s)", al->total, stale ? ", stale" : "");
	tui_box(w, r.y, r.x, r.h, r.w, title, stale ? ROLE_CRIT : al->critical ? ROLE_CRIT :
	        al->total || al->silenced ? ROLE_WARN : ROLE_TITLE);
	if (stale && y < last)
		y += tui_wrap_put(w, y, r.x + 2, last - y < 2 ? last - y : 2, inner, 2, ROLE_CRIT,
		                  m->src[SRC_ALERTMGR].error);
	y = events_row(w, y, last, r.x + 2, inner, m);
	if (al->silenced && y < last)
		y += silenced_line(w, y, last, r.x + 2, inner, al);
	if (al->total == 0 && !al->silenced && y < last)
		tui_put(w, y++, r.x + 2, inner, stale ? ROLE_STALE : ROLE_OK, "no alerts firing");
	alert_rows(w, y, last, r.x + 2, inner, m, stale, now);
}

/* "open since 14:03Z, 7m; respond within 5m"; true when the target passed. */
static bool incident_line(const struct model *m, char *line, size_t len)
{
	const struct timeline_incident *inc = &m->incident;
	int64_t wall = loop_wall_ms(), el;
	time_t t;
	struct tm tm;
	int target;

	el = (wall - inc->opened_ms) / 1000;
	t = (time_t)(inc->opened_ms / 1000);
	gmtime_r(&t, &tm);
	target = policy_sev_response_min(m->cfg, inc->sev);
	if (target)
		snprintf(line, len, "open since %02d:%02dZ, %lldm; respond within %dm", tm.tm_hour, tm.tm_min,
		         (long long)(el / 60), target);
	else
		snprintf(line, len, "open since %02d:%02dZ, %lldm; respond next business day", tm.tm_hour,
		         tm.tm_min, (long long)(el / 60));
	return target && el / 60 >= target;
}

/* "ack 5m: 3:12 left · contained · IC alice · scribe bob"; true when overdue. */
static bool incident_state_line(const struct model *m, char *line, size_t len)
{
	const struct timeline_incident *inc = &m->incident;
	struct incident_clock c;
	char clk[64];
	size_t n;

	incident_clock(m->cfg, inc, loop_wall_ms(), &c);
	incident_clock_text(&c, clk, sizeof clk);
	n = (size_t)snprintf(line, len, "%s %s %s %s IC %s", clk, tui_glyph(G_DOT), inc->status[0] ? inc->status :
	                     "investigating", tui_glyph(G_DOT), inc->commander[0] ? inc->commander : "?");
	if (inc->scribe[0] && n < len)
		snprintf(line + n, len - n, " %s scribe %s", tui_glyph(G_DOT), inc->scribe);
	return c.overdue;
}

/* The SEV the signals call for, when it is higher than the open one's (or
 * there is none): applied only by the operator. */
static bool suggestion_line(const struct model *m, char *line, size_t len)
{
	const struct model_suggestion *s = &m->suggest;

	if (!s->sev || (m->has_incident && s->sev >= m->incident.sev))
		return false;
	snprintf(line, len, "signals suggest SEV-%d: %s (%s %s)", s->sev, s->reason,
	         keymap_key_for(m->has_incident ? ACTION_SEV : ACTION_INCIDENT),
	         m->has_incident ? "changes it" : "declares");
	return true;
}

/* Without an incident: the key that declares one. */
static const char *declare_hint(char *buf, size_t len)
{
	snprintf(buf, len, "%s declares one (title, then SEV)", keymap_key_for(ACTION_INCIDENT));
	return buf;
}

/* Rows the incident panel needs inside its box to show title and clock whole. */
static int incident_rows(const struct model *m, int inner)
{
	char line[256], state[256], sug[400];
	int extra = suggestion_line(m, sug, sizeof sug) ? tui_wrap_rows(sug, inner, 2) : 0;

	if (!m->has_incident)
		return tui_wrap_rows("no open incident", inner, 2) + (extra ? extra :
		       tui_wrap_rows(declare_hint(line, sizeof line), inner, 2));
	incident_line(m, line, sizeof line);
	incident_state_line(m, state, sizeof state);
	return tui_wrap_rows(m->incident.title, inner, 2) + tui_wrap_rows(line, inner, 2) +
	       tui_wrap_rows(state, inner, 2) + extra;
}

static void panel_incident(WINDOW *w, struct rect r, const struct model *m)
{
	const struct timeline_incident *inc = &m->incident;
	char title[64], line[256], state[256], sug[400];
	int y = r.y + 1, last = r.y + r.h - 1;
	bool late, overdue, suggested = suggestion_line(m, sug, sizeof sug);
	enum tui_role sev;

	if (!m->has_incident) {
		tui_box(w, r.y, r.x, r.h, r.w, "Incident", suggested ? ROLE_CRIT : ROLE_TITLE);
		if (suggested) {
			if (y < last)
				y += tui_wrap_put(w, y, r.x + 2, last - y, r.w - 4, 2, ROLE_OK, "no open incident");
			if (y < last)
				tui_wrap_put(w, y, r.x + 2, last - y, r.w - 4, 2, tui_sev_role(m->suggest.sev), sug);
			return;
		}
		no_data(w, r, ROLE_OK, "no open incident", declare_hint(line, sizeof line));
		return;
	}
	snprintf(title, sizeof title, "SEV-%d INC-%lld", inc->sev, (long long)inc->id);
	overdue = incident_state_line(m, state, sizeof state);
	sev = overdue ? ROLE_CRIT : tui_sev_role(inc->sev);
	tui_box(w, r.y, r.x, r.h, r.w, title, sev == ROLE_NORMAL ? ROLE_TITLE : sev);
	late = incident_line(m, line, sizeof line);
	/* the clock and the target first: a long title gives way */
	if (y < last)
		y += tui_wrap_put(w, y, r.x + 2, last - y - 1 > 0 ? last - y - 1 : 1, r.w - 4, 2, ROLE_NORMAL, inc->title);
	if (y < last)
		y += tui_wrap_put(w, y, r.x + 2, last - y, r.w - 4, 2, late && !inc->acked_ms ? ROLE_WARN : ROLE_STALE, line);
	if (y < last)
		y += tui_wrap_put(w, y, r.x + 2, last - y, r.w - 4, 2, overdue ? ROLE_CRIT : ROLE_NORMAL, state);
	if (suggested && y < last)
		tui_wrap_put(w, y, r.x + 2, last - y, r.w - 4, 2, tui_sev_role(m->suggest.sev), sug);
}

/* The line to act on, with its key; its role says whether it stopped. */
static enum tui_role next_item_line(const struct runbook_session *s, const struct runbook *rb, size_t item,
                                    char *line, size_t len)
{
	const struct runbook_item_state *st = runbook_session_item(s, item);
	const struct runbook_item *it = &rb->items[item];
	char first[200];
	const char *nl = strchr(it->text, '\n');

	snprintf(first, sizeof first, "%.*s%s", (int)(nl ? nl - it->text : (long)strlen(it->text)), it->text,
	         nl ? " ..." : "");
	if (st && (st->state == RBS_FAILED || st->state == RBS_INTERRUPTED || st->state == RBS_CANCELLED))
		snprintf(line, len, "%s %s %s: %s; %s retries, %s skips, %s done", tui_glyph(G_CROSS),
		         first, runbook_state_name(st->state), st->reason, keymap_key_for(ACTION_RUNBOOK_STEP),
		         keymap_key_for(ACTION_RUNBOOK_SKIP), keymap_key_for(ACTION_RUNBOOK_DONE));
	else if (it->kind == RB_CHECK)
		snprintf(line, len, "[ ] %s  (%s ticks)", first, keymap_key_for(ACTION_RUNBOOK_CHECK));
	else if (it->kind == RB_ACTION)
		snprintf(line, len, "%s warroom %s  (%s runs it)", tui_glyph(G_PLAY), first,
		         keymap_key_for(ACTION_RUNBOOK_STEP));
	else if (it->choice && !runbook_session_chosen(s, it->choice - 1))
		snprintf(line, len, "one of %d to choose: %s  (%s shows them)", rb->choices[it->choice - 1].nopts, first,
		         keymap_view_key("runbook"));
	else if (it->kind == RB_COMMAND && runbook_session_missing(s, item, NULL, 0))
		snprintf(line, len, "%s $ %s  (%s asks its values)", tui_glyph(G_PLAY), first,
		         keymap_key_for(ACTION_RUNBOOK_STEP));
	else
		snprintf(line, len, "%s $ %s  (%s runs it)", tui_glyph(G_PLAY), first,
		         keymap_key_for(ACTION_RUNBOOK_STEP));
	return st && st->state != RBS_PENDING ? ROLE_CRIT : ROLE_NORMAL;
}

/* The runbook being walked: its current step, the line to act on and its
 * key; without one, the runbook the firing alert names and the key that starts it. */
static void panel_runbook(WINDOW *w, struct rect r, const struct model *m)
{
	const struct runbook_session *s = m->runbook;
	const struct runbook *rb = runbook_session_runbook(s);
	const char *alert = "", *offer = runbook_session_offer(s, &alert);
	int y = r.y + 1, last = r.y + r.h - 1, inner = r.w - 4;
	size_t step, item, done, all, running;
	char title[160], line[400];

	if (!rb) {
		tui_box(w, r.y, r.x, r.h, r.w, "Runbook", offer ? ROLE_WARN : ROLE_TITLE);
		if (offer) {
			snprintf(line, sizeof line, "%s: %s.md", alert, offer);
			char hint[96];

			snprintf(hint, sizeof hint, "%s starts it, %s shows it", keymap_key_for(ACTION_RUNBOOK),
			         keymap_view_key("runbook"));
			no_data(w, r, ROLE_WARN, line, hint);
		} else if (!m->has_incident) {
			no_data(w, r, ROLE_STALE, "no runbook running", "one starts with an incident");
		} else {
			no_data(w, r, ROLE_STALE, "no runbook loaded for this incident",
		        "phases: assess, contain, diagnose, recover");
		}
		return;
	}
	step = runbook_session_current_step(s);
	snprintf(title, sizeof title, "Runbook: %s", rb->title);
	if (step < rb->nsteps)
		snprintf(title + strlen(title), sizeof title - strlen(title), " %s %s", tui_glyph(G_DOT),
		         rb->phases[rb->steps[step].phase].title);
	tui_box(w, r.y, r.x, r.h, r.w, title, step >= rb->nsteps ? ROLE_OK : ROLE_TITLE);
	/* the phases on one line each while they fit, the current one marked */
	for (size_t p = 0; p < rb->nphases && y < last - 2; p++) {
		bool here = step < rb->nsteps && rb->steps[step].phase == p;

		runbook_session_phase_progress(s, p, &done, &all);
		if (!all)
			continue;
		snprintf(line, sizeof line, "%s %s %zu/%zu", done == all ? tui_glyph(G_CHECK) : here ? tui_glyph(G_PLAY) :
		         " ", rb->phases[p].title, done, all);
		tui_put(w, y++, r.x + 2, inner, done == all ? ROLE_OK : here ? ROLE_ACCENT : ROLE_NORMAL, line);
	}
	if (y >= last)
		return;
	if (step >= rb->nsteps) {
		tui_put(w, y, r.x + 2, inner, runbook_read_only(rb) ? ROLE_STALE : ROLE_OK, runbook_read_only(rb) ?
		        "read only: nothing to run" : "every step done");
		return;
	}
	if (runbook_session_running(s, &running)) {
		snprintf(line, sizeof line, "%s running: %s  (%s shows its output)", tui_glyph(G_PLAY),
		         rb->items[running].text, keymap_view_key("runbook"));
		tui_wrap_put(w, y, r.x + 2, last - y, inner, 2, ROLE_ACCENT, line);
		return;
	}
	if (!runbook_session_next_item(s, &item))
		return;
	{
		enum tui_role role = next_item_line(s, rb, item, line, sizeof line);

		tui_wrap_put(w, y, r.x + 2, last - y, inner, 4, role, line);
	}
}

static void panel_timeline(WINDOW *w, struct rect r, const struct model *m)
{
	int rows = r.h - 2;

	tui_box(w, r.y, r.x, r.h, r.w, "Timeline", ROLE_TITLE);
	if (!m->tl) {
		no_data(w, r, ROLE_CRIT, "timeline unavailable", m->tl_error);
		return;
	}
	if (m->nrecent == 0) {
		char hint[48];

		snprintf(hint, sizeof hint, "%s adds a note", keymap_key_for(ACTION_NOTE));
		no_data(w, r, ROLE_STALE, "no events yet", hint);
		return;
	}
	/* newest first, each summary whole (wrapped in its column) while they fit */
	for (int i = 0, y = r.y + 1; y < r.y + 1 + rows && (size_t)i < m->nrecent; i++) {
		const struct timeline_event *e = &m->recent[i];
		time_t t = (time_t)(e->ts_ms / 1000);
		struct tm tm;
		char ts[16];
		int x = r.x + 2, avail = r.w - 4, need = tui_wrap_rows(e->summary, avail - 18, 0);

		if (i > 0 && y + need > r.y + 1 + rows)
			break;
		gmtime_r(&t, &tm);
		strftime(ts, sizeof ts, "%H:%M:%S", &tm);
		tui_put(w, y, x, 9, ROLE_STALE, ts);
		tui_put(w, y, x + 9, 9, tui_event_role(e->kind), e->kind);
		y += tui_wrap_put(w, y, x + 18, r.y + 1 + rows - y, avail - 18, 0, ROLE_NORMAL, e->summary);
	}
}

/* ---- below 80x24: one column, what matters first ---- */

static int compact_incident(WINDOW *w, int y, int last, int width, const struct model *m)
{
	const struct timeline_incident *inc = &m->incident;
	char line[320];
	int64_t el;
	int target;

	if (!m->has_incident) {
		tui_putf(w, y, 0, width, ROLE_OK, "no open incident (%s declares one)",
		         keymap_key_for(ACTION_INCIDENT));
		return y + 1;
	}
	el = (loop_wall_ms() - inc->opened_ms) / 1000;
	if (el < 0)
		el = 0;
	target = policy_sev_response_min(m->cfg, inc->sev);
	snprintf(line, sizeof line, "SEV-%d INC-%lld %02lld:%02lld:%02lld", inc->sev, (long long)inc->id,
	         (long long)(el / 3600), (long long)(el / 60 % 60), (long long)(el % 60));
	if (target)
		snprintf(line + strlen(line), sizeof line - strlen(line), " %s respond within %dm", tui_glyph(G_DOT),
		         target);
	y += tui_wrap_put(w, y, 0, last - y, width, 2, tui_sev_role(inc->sev), line);
	if (y < last)
		y += tui_wrap_put(w, y, 0, 1, width, 2, ROLE_NORMAL, inc->title);
	return y;
}

/* The strip's latest values in a line or two. */
static int compact_signals(WINDOW *w, int y, int last, int width, const struct model *m)
{
	const struct model_strip_item *items[MODEL_STRIP > MET_COUNT ? MODEL_STRIP : MET_COUNT];
	size_t n = strip_items(m, items);
	bool stale = m->src[SRC_PROM].state == SRC_DOWN;
	int x = 0;

	if (!m->metrics.updated_ms)
		return y;
	for (size_t i = 0; i < n; i++) {
		const struct model_strip_item *it = items[i];
		const char *label = item_label(m, it);
		const struct model_series *s = item_series(m, it);
		char val[48], cell[120];
		int cw;

		if (it->note[0])
			snprintf(val, sizeof val, "?");
		else
			item_value(m, it, s, val, sizeof val);
		snprintf(cell, sizeof cell, "%s %s", label, val);
		cw = tui_text_width(cell) + 2;
		if (x && x + cw - 2 > width) {
			if (++y >= last)
				return y;
			x = 0;
		}
		tui_put(w, y, x, tui_text_width(label) + 1, ROLE_NORMAL, label);
		tui_put(w, y, x + tui_text_width(label) + 1, tui_text_width(val),
		        it->note[0] ? ROLE_WARN : item_role(m, it, s, stale), val);
		x += cw;
	}
	return y + 1;
}

/* The runbook, in two rows at most: the step it is at and the line to act
 * on with its key; without one, the runbook offered and the key that starts it. */
static int compact_runbook(WINDOW *w, int y, int last, int width, const struct model *m)
{
	const struct runbook_session *s = m->runbook;
	const struct runbook *rb = runbook_session_runbook(s);
	const char *alert = "", *offer = runbook_session_offer(s, &alert);
	size_t step, item, running;
	char line[400], act[300];
	enum tui_role role = ROLE_NORMAL;

	if (y >= last || (!rb && !offer))
		return y;
	if (!rb) {
		snprintf(line, sizeof line, "runbook for %s: %s.md (%s starts it)", alert, offer,
		         keymap_key_for(ACTION_RUNBOOK));
		return y + tui_wrap_put(w, y, 0, last - y < 2 ? last - y : 2, width, 2, ROLE_WARN, line);
	}
	step = runbook_session_current_step(s);
	if (step >= rb->nsteps) {
		tui_putf(w, y, 0, width, ROLE_OK, "runbook %s: every step done", rb->name);
		return y + 1;
	}
	if (runbook_session_running(s, &running))
		snprintf(act, sizeof act, "%s running: %s", tui_glyph(G_PLAY), rb->items[running].text);
	else if (runbook_session_next_item(s, &item))
		role = next_item_line(s, rb, item, act, sizeof act);
	else
		act[0] = '\0';
	snprintf(line, sizeof line, "step %zu/%zu %s %s %s", step + 1, rb->nsteps, rb->steps[step].title,
	         tui_glyph(G_DOT), act);
	return y + tui_wrap_put(w, y, 0, last - y < 2 ? last - y : 2, width, 2, role == ROLE_CRIT ? ROLE_CRIT :
	                        ROLE_ACCENT, line);
}

/* What rows are left: the latest timeline events, each whole. */
static void compact_timeline(WINDOW *w, int y, int last, int width, const struct model *m)
{
	if (y + 2 > last || !m->tl || m->nrecent == 0)
		return;
	tui_putf(w, y++, 0, width, ROLE_TITLE, "Timeline (%s opens it)", keymap_view_key("timeline"));
	for (size_t i = 0; i < m->nrecent && y < last; i++) {
		const struct timeline_event *e = &m->recent[i];
		time_t t = (time_t)(e->ts_ms / 1000);
		struct tm tm;
		char ts[16];
		int need = tui_wrap_rows(e->summary, width - 9, 0);

		if (y + need > last)
			break;
		gmtime_r(&t, &tm);
		strftime(ts, sizeof ts, "%H:%M:%S", &tm);
		tui_put(w, y, 0, 9, tui_event_role(e->kind), ts);
		y += tui_wrap_put(w, y, 9, last - y, width - 9, 0, ROLE_NORMAL, e->summary);
	}
}

static void draw_compact(WINDOW *w, int top, int h, int width, const struct model *m)
{
	const struct model_alerts *al = &m->alerts;
	int y = top, slots_max = h - top - 6 > 3 ? h - top - 6 : 3;
	char title[64];

	if (!m->slots || !m->slots->updated_ms)
		y += tui_wrap_put(w, y, 0, 2, width, 2, m->src[SRC_KUBE].state == SRC_DOWN ? ROLE_CRIT : ROLE_STALE,
		                  m->src[SRC_KUBE].state == SRC_DOWN ? m->src[SRC_KUBE].error :
		                  m->src[SRC_KUBE].state == SRC_UNCONFIGURED ? "slots: kubernetes not configured" :
		                  "slots: no data yet from Kubernetes");
	else
		y = slot_lines_compact(w, y, 0, slots_max, width, m);
	if (y < h)
		y = compact_incident(w, y, h, width, m);
	if (y < h)
		y = compact_runbook(w, y, h, width, m);
	if (y < h)
		y = compact_signals(w, y, h, width, m);
	if (y >= h)
		return;
	if (!al->updated_ms) {
		tui_put(w, y++, 0, width, ROLE_STALE, m->src[SRC_ALERTMGR].state == SRC_UNCONFIGURED ?
		        "alerts: alertmanager not configured" : "alerts: no data yet");
		y = events_row(w, y, h, 0, width, m);
		compact_timeline(w, y, h, width, m);
		return;
	}
	snprintf(title, sizeof title, "Alerts (%zu firing%s)", al->total,
	         m->src[SRC_ALERTMGR].state == SRC_DOWN ? ", stale" : "");
	tui_put(w, y++, 0, width, al->critical ? ROLE_CRIT : al->total || al->silenced ? ROLE_WARN : ROLE_TITLE, title);
	y = events_row(w, y, h, 0, width, m);
	if (al->silenced && y < h)
		y += silenced_line(w, y, h, 0, width, al);
	if (al->total && y < h)
		y = alert_rows(w, y, h, 0, width, m, m->src[SRC_ALERTMGR].state == SRC_DOWN, loop_wall_ms());
	compact_timeline(w, y, h, width, m);
}

/* A standing rollback recommendation (or a breach with nothing to roll back
 * to) on a line of its own above the panels, whole, at every size: the
 * rows it took. */
static int draw_recommendation(WINDOW *w, int width, const struct model *m)
{
	const struct deploy *d = deploy_of(m);
	char raw[600], line[700], word[32];
	int rows;

	if (!d || (!d->recommend && !d->breach))
		return 0;
	snprintf(word, sizeof word, "{%s}", deploy_target_action(d));
	deploy_banner(d, word, tui_glyph(G_DASH), raw, sizeof raw);
	keymap_expand(raw, line, sizeof line);
	rows = tui_wrap_rows(line, width - 1, 2);
	if (rows > 3)
		rows = 3;
	return tui_wrap_put(w, 0, 0, rows, width - 1, 2, ROLE_CRIT, line);
}

static void draw(void *state, WINDOW *w, int h, int width, const struct model *m)
{
	int top = draw_recommendation(w, width, m);
	/* past 140 columns the left column grows, rather than wrap its lines beside an empty right */
	int lw = width > 140 ? width * 2 / 5 : width >= 120 ? 40 : width * 45 / 100;
	int rw = width - lw;
	int slots_h = h - top >= 34 ? 9 : 7;
	int inc_h = incident_rows(m, lw - 4) + 2;

	if (width < TUI_FULL_COLS || h < TUI_FULL_ROWS - 2) {
		draw_compact(w, top, h, width, m);
		return;
	}
	h -= top;
	/* the Slots panel grows to show its lines whole, the runbook keeps 4 rows */
	if (slot_lines_summary_rows(lw - 4, m) + 2 > slots_h)
		slots_h = slot_lines_summary_rows(lw - 4, m) + 2;
	if (inc_h > 6)
		inc_h = 6;
	if (slots_h > h - inc_h - 4)
		slots_h = h - inc_h - 4;
	int sig_h = 2 + strip_rows(m, width - lw - 4);
	int alerts_h = (h - sig_h) / 2;
	/* alerts before the timeline's preview: they grow to show each whole */
	if (alerts_rows_needed(&m->alerts, rw - 4) + 2 > alerts_h)
		alerts_h = alerts_rows_needed(&m->alerts, rw - 4) + 2;
	if (alerts_h > h - sig_h - 4)
		alerts_h = h - sig_h - 4;
	struct rect slots = { top, 0, slots_h, lw };
	struct rect inc = { top + slots_h, 0, inc_h, lw };
	struct rect runbook = { top + slots_h + inc_h, 0, h - slots_h - inc_h, lw };
	struct rect sig = { top, lw, sig_h, rw };
	struct rect alerts = { top + sig_h, lw, alerts_h, rw };
	struct rect tl = { top + sig_h + alerts_h, lw, h - sig_h - alerts_h, rw };

	panel_slots(w, slots, m);
	panel_incident(w, inc, m);
	panel_runbook(w, runbook, m);
	panel_signals(w, sig, m);
	panel_alerts(w, alerts, m);
	panel_timeline(w, tl, m);
}

const struct view_ops overview_view = {
	.name = "overview",
	.title = "Overview",
	.about = "everything at a glance",
	.key = '1',
	.redraw_on = DIRTY_ALL,
	.draw = draw,
};
