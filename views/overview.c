/* Overview: everything at a glance. Six panels — slots, golden signals,
 * alerts, incident, runbook, timeline — each with an honest "no data" state.
 * At 80x24 the columns shorten; nothing essential disappears. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "warroom/config.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/slots.h"
#include "warroom/view.h"

struct rect { int y, x, h, w; };

/* SEV response targets from the runbook's severity table, in minutes. */
static const int sev_response_min[5] = { 0, 5, 15, 60, 0 };

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

static void panel_signals(WINDOW *w, struct rect r, const struct model *m)
{
	tui_box(w, r.y, r.x, r.h, r.w, "Golden signals", ROLE_TITLE);
	source_state(w, r, m, SRC_PROM, "Prometheus", "prometheus", m->cfg->prometheus.url);
}

static void panel_alerts(WINDOW *w, struct rect r, const struct model *m)
{
	tui_box(w, r.y, r.x, r.h, r.w, "Alerts", ROLE_TITLE);
	source_state(w, r, m, SRC_ALERTMGR, "Alertmanager", "alertmanager", m->cfg->alertmanager.url);
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
	target = inc->sev >= 1 && inc->sev <= 4 ? sev_response_min[inc->sev] : 0;
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
	int sig_h = h >= 34 ? 8 : 5;
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
