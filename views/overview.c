/* Overview: everything at a glance. Six panels — slots, golden signals,
 * alerts, incident, runbook, timeline — each with an honest "no data" state.
 * At 80x24 the columns shorten; nothing essential disappears. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "warroom/config.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/policy.h"
#include "warroom/slots.h"
#include "warroom/view.h"
#include "warroom/text.h"

struct rect { int y, x, h, w; };

static void no_data(WINDOW *w, struct rect r, enum tui_role role, const char *a, const char *b)
{
	if (r.h > 2)
		tui_put(w, r.y + 1, r.x + 2, r.w - 4, role, a);
	if (b && r.h > 3)
		tui_put(w, r.y + 2, r.x + 2, r.w - 4, ROLE_STALE, b);
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
	slots_view_summary(w, r.y + 1, r.x + 2, r.h - 2, r.w - 4, m);
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

static void fmt_signal(enum metric_id id, double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "n/a");
	else if (id == MET_ERRORS)
		snprintf(buf, len, v < 0.1 ? "%.2f%%" : "%.1f%%", v * 100);
	else if (id == MET_P95 || id == MET_P99)
		snprintf(buf, len, v < 1 ? "%.0fms" : "%.2fs", v < 1 ? v * 1000 : v);
	else if (id == MET_RPS)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.0f", v);
}

static enum tui_role signal_role(const struct config *cfg, enum metric_id id, double v)
{
	const struct policy_threshold t = policy_signal_threshold(cfg, id);

	if (isnan(v))
		return ROLE_STALE;
	if (!isnan(t.crit) && v > t.crit)
		return ROLE_CRIT;
	if (!isnan(t.warn) && v > t.warn)
		return ROLE_WARN;
	return ROLE_OK;
}

static void signal_cell(WINDOW *w, int y, int x, int width, const struct model *m, enum metric_id id, bool stale)
{
	const struct model_series *s = &m->metrics.s[id];
	const struct signal_spec *sp = &signal_spec[id];
	char val[32];
	double hi = sp->scale_min;
	enum tui_role role = stale ? ROLE_STALE : signal_role(m->cfg, id, s->last);
	int cw = width - 15;

	if (s->error[0] && isnan(s->last)) {
		/* the reason instead of a bare n/a */
		tui_put(w, y, x, 6, ROLE_NORMAL, sp->label);
		tui_put(w, y, x + 6, width - 6, ROLE_CRIT, s->error);
		return;
	}
	fmt_signal(id, s->last, val, sizeof val);
	for (size_t i = 0; i < s->n; i++)
		if (!isnan(s->v[i]) && s->v[i] > hi)
			hi = s->v[i];
	tui_put(w, y, x, 6, ROLE_NORMAL, sp->label);
	tui_put_right(w, y, x + 6, 8, role, val);
	if (cw > 2)
		chart_spark(w, y, x + 15, cw, s->v, s->n, 0, hi, role == ROLE_OK ? ROLE_ACCENT : role);
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
	if (inner >= 80) {
		/* two columns, as many rows as it takes */
		int half = (inner - 2) / 2;

		for (int i = 0; i < MET_COUNT && y < r.y + 1 + rows; i += 2, y++) {
			signal_cell(w, y, r.x + 2, half, m, (enum metric_id)i, stale);
			if (i + 1 < MET_COUNT)
				signal_cell(w, y, r.x + 4 + half, half, m, (enum metric_id)(i + 1), stale);
		}
	} else {
		for (int i = 0; i < MET_COUNT && y < r.y + 1 + rows; i++, y++)
			signal_cell(w, y, r.x + 2, inner, m, (enum metric_id)i, stale);
	}
	if (stale && y < r.y + 1 + rows)
		tui_put(w, y, r.x + 2, inner, ROLE_CRIT, m->src[SRC_PROM].error);
}

static void panel_alerts(WINDOW *w, struct rect r, const struct model *m)
{
	const struct model_alerts *al = &m->alerts;
	bool stale = m->src[SRC_ALERTMGR].state == SRC_DOWN;
	int inner = r.w - 4, y = r.y + 1, last = r.y + r.h - 1;
	int64_t now = loop_wall_ms();
	char title[96], age[16];

	if (!al->updated_ms) {
		tui_box(w, r.y, r.x, r.h, r.w, "Alerts", ROLE_TITLE);
		source_state(w, r, m, SRC_ALERTMGR, "Alertmanager", "alertmanager", m->cfg->alertmanager.url);
		return;
	}
	snprintf(title, sizeof title, "Alerts (%zu firing%s)", al->total, stale ? ", stale" : "");
	tui_box(w, r.y, r.x, r.h, r.w, title, stale ? ROLE_CRIT : al->critical ? ROLE_CRIT :
	        al->total ? ROLE_WARN : ROLE_TITLE);
	if (stale && y < last)
		tui_put(w, y++, r.x + 2, inner, ROLE_CRIT, m->src[SRC_ALERTMGR].error);
	if (al->total == 0 && y < last)
		tui_put(w, y++, r.x + 2, inner, stale ? ROLE_STALE : ROLE_OK, "no alerts firing");
	for (size_t i = 0; i < al->n && y < last; i++, y++) {
		const struct model_alert *a = &al->a[i];
		bool crit = policy_severity_is_critical(m->cfg, a->severity);
		int x = r.x + 2, nw = inner >= 70 ? 24 : 20;

		text_age(a->since_wall_ms ? now - a->since_wall_ms : 0, age, sizeof age);
		tui_put(w, y, x, 5, stale ? ROLE_STALE : crit ? ROLE_CRIT : ROLE_WARN, crit ? "crit" : "warn");
		tui_put(w, y, x + 5, nw, ROLE_NORMAL, a->name);
		if (inner >= 60) {
			tui_put(w, y, x + 5 + nw, 14, ROLE_STALE, a->group);
			tui_put_right(w, y, x + 19 + nw, 4, ROLE_STALE, age);
			tui_put(w, y, x + 24 + nw, inner - 24 - nw, ROLE_NORMAL, a->summary);
		} else {
			tui_put_right(w, y, x + 5 + nw, 4, ROLE_STALE, age);
			tui_put(w, y, x + 10 + nw, inner - 10 - nw, ROLE_NORMAL, a->summary);
		}
	}
	if (al->total > al->n && y < last)
		tui_putf(w, y, r.x + 2, inner, ROLE_STALE, "%zu more", al->total - al->n);
}

static void panel_incident(WINDOW *w, struct rect r, const struct model *m)
{
	const struct timeline_incident *inc = &m->incident;
	char title[64], line[256];
	int64_t wall = loop_wall_ms(), el;
	time_t t;
	struct tm tm;
	int target;

	if (!m->has_incident) {
		tui_box(w, r.y, r.x, r.h, r.w, "Incident", ROLE_TITLE);
		no_data(w, r, ROLE_OK, "no open incident", "I declares one (title, then SEV)");
		return;
	}
	snprintf(title, sizeof title, "SEV-%d INC-%lld", inc->sev, (long long)inc->id);
	tui_box(w, r.y, r.x, r.h, r.w, title, inc->sev <= 2 ? ROLE_CRIT : ROLE_WARN);
	if (r.h > 2)
		tui_put(w, r.y + 1, r.x + 2, r.w - 4, ROLE_NORMAL, inc->title);
	el = (wall - inc->opened_ms) / 1000;
	t = (time_t)(inc->opened_ms / 1000);
	gmtime_r(&t, &tm);
	target = policy_sev_response_min(m->cfg, inc->sev);
	if (target)
		snprintf(line, sizeof line, "open since %02d:%02dZ, %lldm; respond within %dm", tm.tm_hour, tm.tm_min,
		         (long long)(el / 60), target);
	else
		snprintf(line, sizeof line, "open since %02d:%02dZ, %lldm; respond next business day", tm.tm_hour,
		         tm.tm_min, (long long)(el / 60));
	if (r.h > 3)
		tui_put(w, r.y + 2, r.x + 2, r.w - 4, target && el / 60 >= target ? ROLE_WARN : ROLE_STALE, line);
}

static void panel_runbook(WINDOW *w, struct rect r, const struct model *m)
{
	tui_box(w, r.y, r.x, r.h, r.w, "Runbook", ROLE_TITLE);
	if (!m->has_incident)
		no_data(w, r, ROLE_STALE, "no runbook running", "one starts with an incident");
	else
		no_data(w, r, ROLE_STALE, "no runbook loaded for this incident",
		        "phases: assess, contain, diagnose, recover");
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
		no_data(w, r, ROLE_STALE, "no events yet", "n adds a note");
		return;
	}
	for (int i = 0; i < rows && (size_t)i < m->nrecent; i++) {
		const struct timeline_event *e = &m->recent[i];
		time_t t = (time_t)(e->ts_ms / 1000);
		struct tm tm;
		char ts[16];
		int y = r.y + 1 + i, x = r.x + 2, avail = r.w - 4;

		gmtime_r(&t, &tm);
		strftime(ts, sizeof ts, "%H:%M:%S", &tm);
		tui_put(w, y, x, 9, ROLE_STALE, ts);
		tui_put(w, y, x + 9, 9, timeline_kind_role(e->kind), e->kind);
		tui_put(w, y, x + 18, avail - 18, ROLE_NORMAL, e->summary);
	}
}

static void draw(WINDOW *w, int h, int width, const struct model *m)
{
	int lw = width >= 120 ? 40 : width * 45 / 100;
	int rw = width - lw;
	int slots_h = h >= 34 ? 9 : 7;
	int inc_h = 4;
	int sig_h = width - lw - 4 >= 80 ? 5 : 7;
	int alerts_h = (h - sig_h) / 2;
	struct rect slots = { 0, 0, slots_h, lw };
	struct rect inc = { slots_h, 0, inc_h, lw };
	struct rect runbook = { slots_h + inc_h, 0, h - slots_h - inc_h, lw };
	struct rect sig = { 0, lw, sig_h, rw };
	struct rect alerts = { sig_h, lw, alerts_h, rw };
	struct rect tl = { sig_h + alerts_h, lw, h - sig_h - alerts_h, rw };

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
	.redraw_on = DIRTY_ALL,
	.draw = draw,
};
