/* Deploy: where a blue-green deployment stands (the pipeline's stages 5 to
 * 10), when traffic switched and how that is known, the monitoring window's
 * countdown, every rollback rule with its baseline and live value, and the
 * recommendation with its target. It draws the deployment model
 * (core/deploy/deploy.c), rebuilt from history whenever the console began. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "warroom/config.h"
#include "warroom/deploy.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/view.h"

static const struct {
	enum deploy_stage stage;
	const char *label;
} pipeline[] = {
	{ DEPLOY_DEPLOYING, "[5] scale up" },
	{ DEPLOY_READY, "[6] smoke test" },
	{ DEPLOY_SWITCHED, "[7] switch" },
	{ DEPLOY_MONITORING, "[9] monitor" },
	{ DEPLOY_FINALIZED, "[10] finalize" },
};

static void mmss(int64_t ms, char *buf, size_t len)
{
	long s = (long)((ms + 999) / 1000);

	snprintf(buf, len, "%ld:%02ld", s / 60, s % 60);
}

static void fmt_value(enum deploy_rule r, double v, char *buf, size_t len)
{
	if (isnan(v)) {
		snprintf(buf, len, "-");
		return;
	}
	switch (r) {
	case DRULE_ERRORS_BASELINE:
	case DRULE_FAST_ERRORS:
		snprintf(buf, len, "%.2f %%", v * 100);
		break;
	case DRULE_P95_SLO:
	case DRULE_FAST_P99:
		snprintf(buf, len, "%.0f ms", v * 1000);
		break;
	default:
		snprintf(buf, len, "%.0f", v);
	}
}

/* A line of words, wrapped under itself where the screen is narrow: never
 * a word cut at the box's edge. Returns the next free row. */
static int said(WINDOW *w, int y, int x, int width, enum tui_role role, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
static int said(WINDOW *w, int y, int x, int width, enum tui_role role, const char *fmt, ...)
{
	char buf[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return y + tui_wrap_put(w, y, x, getmaxy(w) - y > 0 ? getmaxy(w) - y : 1, width, 2, role, buf);
}

static int draw_pipeline(WINDOW *w, int y, int width, const struct deploy *d)
{
	int x = 2;
	int at = -1;

	for (size_t i = 0; i < sizeof pipeline / sizeof pipeline[0]; i++)
		if (pipeline[i].stage == d->stage || (d->stage == DEPLOY_PASSED && pipeline[i].stage == DEPLOY_MONITORING))
			at = (int)i;
	for (size_t i = 0; i < sizeof pipeline / sizeof pipeline[0]; i++) {
		const char *label = pipeline[i].label;
		enum tui_role role = (int)i < at ? ROLE_OK : (int)i == at ? ROLE_ACCENT : ROLE_STALE;
		int lw = tui_text_width(label);

		if (d->stage == DEPLOY_ROLLED_BACK && i == sizeof pipeline / sizeof pipeline[0] - 1) {
			label = "[10b] rolled back";
			role = ROLE_WARN;
			lw = tui_text_width(label);
		}
		if (x + lw > width - 2)
			break;
		tui_put(w, y, x, lw, role, label);
		x += lw + 2;
	}
	return y + 1;
}

/* A rollback's Argo CD follow-up stays open until auto-sync is back on:
 * the autosync action checks Git before it offers that. */
static int draw_followup(WINDOW *w, int y, int h, int width, const struct model *m)
{
	for (size_t i = 0; i < m->nrecent && y < h - 1; i++) {
		const struct timeline_event *e = &m->recent[i];

		if (strcmp(e->kind, "action") != 0)
			continue;
		if (strncmp(e->summary, "follow-up closed:", 17) == 0)
			return y;
		if (strncmp(e->summary, "follow-up: re-enable auto-sync", 30) == 0) {
			y = said(w, y, 2, width - 4, ROLE_WARN, "OPEN %s", e->summary + 11);
			if (y < h - 1)
				y = said(w, y, 2, width - 4, ROLE_STALE, "%s re-enables it once Git no longer deploys the "
				         "bad version (after the revert)", keymap_key_for(ACTION_AUTOSYNC));
			return y;
		}
	}
	return y;
}

/* The runbook's list before the next deployment: every item where there is
 * room, else the count and the next one to do. */
/* vis: the screen's rows, which decide between the list and its one line */
static int draw_checklist(WINDOW *w, int y, int h, int vis, int width, const struct model *m)
{
	size_t n, done;
	const char *const *items = deploy_checklist(&n);
	bool ticked[16];

	if (y >= h - 1 || n > sizeof ticked / sizeof ticked[0])
		return y;
	done = deploy_checklist_ticked(m->recent, m->nrecent, ticked, n);
	if ((int)n + 1 <= vis - 1 - y) {
		y = said(w, y, 2, width - 4, ROLE_TITLE, "PRE-DEPLOYMENT CHECKLIST %zu/%zu (%s ticks one)", done, n,
		         keymap_key_for(ACTION_TICK));
		for (size_t i = 0; i < n; i++)
			y = said(w, y, 2, width - 4, ticked[i] ? ROLE_OK : ROLE_STALE, "[%s] %zu. %s", ticked[i] ? "x" : " ",
			         i + 1, items[i]);
		return y;
	}
	for (size_t i = 0; i < n; i++)
		if (!ticked[i]) {
			return said(w, y, 2, width - 4, ROLE_STALE, "checklist %zu/%zu (%s ticks): next %zu. %s", done, n,
			            keymap_key_for(ACTION_TICK), i + 1, items[i]);
		}
	return said(w, y, 2, width - 4, ROLE_OK, "checklist %zu/%zu: every item ticked", done, n);
}

static bool in_window(const struct deploy *d)
{
	return d->stage == DEPLOY_SWITCHED || d->stage == DEPLOY_MONITORING;
}

/* The recommendation, or the breach with nothing to roll back to, or how the
 * last one ended; after a rollback, what is remembered and the recovery. */
static int draw_outcome(WINDOW *w, int y, int h, int width, const struct deploy *d)
{
	char raw[600], line[700];

	if (d->recommend || d->breach) {
		char word[32];

		snprintf(word, sizeof word, "{%s}", deploy_target_action(d));
		deploy_banner(d, word, tui_glyph(G_DASH), raw, sizeof raw);
		keymap_expand(raw, line, sizeof line);
		y += tui_wrap_put(w, y, 2, h - 1 - y, width - 4, 2, ROLE_CRIT, line);
		if (d->recommend && y < h - 1)
			y = said(w, y, 2, width - 4, ROLE_CRIT, "%s shows the plan and its preflight first",
			         keymap_key_for(actions_by_name(deploy_target_action(d))->id));
	} else if (d->ended[0] && y < h - 1) {
		y = said(w, y, 2, width - 4, ROLE_STALE, "rollback recommendation ended: %s", d->ended);
	} else if (in_window(d) && y < h - 1) {
		y = said(w, y, 2, width - 4, ROLE_OK, "no rollback criterion met");
	}
	if (d->stage == DEPLOY_ROLLED_BACK && y < h - 1) {
		y = said(w, y, 2, width - 4, ROLE_WARN, "%s %s on %s was rolled back from%s%s: %s aimed at it asks for "
		         "the version typed", tui_glyph(G_WARN), d->rb.from_version, d->rb.from_slot, d->rb.reason[0] ?
		         " for " : "", d->rb.reason, keymap_key_for(ACTION_ROLLBACK));
		if (y < h - 1)
			y = said(w, y, 2, width - 4, d->recovered ? ROLE_OK : ROLE_ACCENT, "%s", d->recovered ?
			         "recovered: the signals are back under the lines before the deployment" :
			         "watching recovery: the signals going back under the lines before the deployment");
	}
	return y;
}

/* An Argo Rollout: where it stands, its steps, and each AnalysisRun's
 * metrics with their newest measurements. Returns the next free row. */
static int draw_rollout(WINDOW *w, int y, int h, int width, const struct model *m)
{
	const struct rollout_state *ro = m->slots ? &m->slots->rollout : NULL;
	char line[400];

	if (!ro || !ro->name[0] || y >= h - 1)
		return y;
	rollout_summary_line(ro, loop_wall_ms(), line, sizeof line);
	y = said(w, y, 2, width - 4, ro->abort || ro->progress_deadline_exceeded ? ROLE_WARN : ROLE_ACCENT, "%s",
	         line);
	rollout_steps_line(ro, line, sizeof line);
	if (line[0] && y < h - 1)
		y = said(w, y, 2, width - 4, ROLE_NORMAL, "%s", line);
	for (int i = 0; i < ro->nruns && y < h - 1; i++) {
		const struct rollout_analysis *a = &ro->runs[i];
		bool bad = strcmp(a->phase, "Failed") == 0 || strcmp(a->phase, "Inconclusive") == 0 ||
		           strcmp(a->phase, "Error") == 0;

		rollout_run_line(a, line, sizeof line);
		y = said(w, y, 2, width - 4, bad ? ROLE_CRIT : strcmp(a->phase, "Successful") == 0 ? ROLE_OK :
		         ROLE_NORMAL, "%s", line);
		for (int k = 0; k < a->nmetrics && y < h - 1; k++) {
			rollout_metric_line(&a->metric[k], line, sizeof line);
			y = said(w, y, 4, width - 6, bad ? ROLE_WARN : ROLE_NORMAL, "%s", line);
		}
	}
	return y;
}

/* The view's lines, drawn from row 1 down in rows below h - 1; returns the
 * next free row. draw() gives it a tall pad and shows the part that fits. */
static int body(WINDOW *w, int h, int vis, int width, const struct model *m, const struct deploy *d)
{
	char left[32], total[32], line[400];
	int y = 1;
	/* below 64 columns the LIMIT column goes: the rule's words say it, STATE stays */
	bool narrow = width < 64;
	int nums = narrow ? 10 + 2 + 12 : 38;
	/* the rule's words get what the numbers leave, up to what they need */
	int textw = width - 4 - nums < (narrow ? 12 : 24) ? (narrow ? 12 : 24) : width - 4 - nums > 44 ? 44 :
	            width - 4 - nums;

	{
		char which[64];
		time_t now = config_now();

		/* the calendar first: a deployment now needs an extra confirmation */
		if (config_in_freeze(d->cfg, now, which, sizeof which))
			y = said(w, y, 2, width - 4, ROLE_WARN, "FREEZE %s (UTC): deploying needs an extra, recorded "
			         "confirmation; rollbacks are never blocked", which);
		else if (config_in_maintenance(d->cfg, now, which, sizeof which))
			y = said(w, y, 2, width - 4, ROLE_WARN, "MAINTENANCE WINDOW (%s UTC) in progress", which);
	}
	/* capacity warnings with the banners: they outlast any one deployment */
	for (size_t i = 0; i < d->ncapacity && y < h - 1; i++)
		y = said(w, y, 2, width - 4, ROLE_WARN, "CAPACITY %s", d->capacity[i]);
	if (!d->rebuilt)
		return said(w, y, 2, width - 4, ROLE_STALE, "reading the deployment's history (the cluster, Argo CD, "
		            "Prometheus) %s", tui_glyph(G_ELLIPSIS));
	y = said(w, y, 2, width - 4, d->stage == DEPLOY_ROLLED_BACK ? ROLE_WARN : ROLE_ACCENT, "%s",
	         deploy_stage_title(d->stage));
	if (d->stage != DEPLOY_UNKNOWN) {
		deploy_stage_line(d, loop_wall_ms(), line, sizeof line);
		y = said(w, y, 2, width - 4, ROLE_NORMAL, "%s", line);
	}
	if (d->switch_ms && y < h - 1) {
		mmss(d->window_left_ms, left, sizeof left);
		mmss(d->window_ms, total, sizeof total);
		snprintf(line, sizeof line, "%s %s %s   %s %s %s", d->from_slot, tui_glyph(G_ARROW), d->to_slot,
		         d->from_version[0] ? d->from_version : "?", tui_glyph(G_ARROW),
		         d->to_version[0] ? d->to_version : "?");
		tui_put(w, y, 2, width - 4, ROLE_NORMAL, line);
		if (in_window(d)) {
			snprintf(line, sizeof line, "%s%s left of %s", d->switch_bound ? "at most " : "", left, total);
			tui_put_right(w, y, 2, width - 4, d->recommend ? ROLE_CRIT : ROLE_ACCENT, line);
		}
		y++;
	}
	y = draw_rollout(w, y, h, width, m);
	/* a rollback goes through these: why one is down, in words, before it is needed */
	for (int s = SRC_ARGOCD; s <= SRC_BASTION; s++)
		if (m->src[s].state == SRC_DOWN && y < h - 1) {
			char down[SOURCE_ERROR + 32];

			/* whole, wrapped: the bastion's words end in what to do */
			snprintf(down, sizeof down, "%s down: %s", model_source_name((enum source_id)s), m->src[s].error);
			y += tui_wrap_put(w, y, 2, h - 1 - y < 4 ? h - 1 - y : 4, width - 4, 2, ROLE_CRIT, down);
		}
	if (y < h - 1)
		y = draw_pipeline(w, y, width, d);
	/* the matrix the watcher ran by itself, at the smoke test and in the window */
	for (int i = 0; i < DMATRIX_COUNT && y < h - 1; i++) {
		const struct deploy_matrix *mx = &d->matrix[i];

		if (!mx->slot[0])
			continue;
		y = said(w, y, 2, width - 4, mx->running ? ROLE_STALE : mx->pass ? ROLE_OK : ROLE_CRIT,
		         "matrix %s the switch: %s", i == DMATRIX_AFTER ? "after" : mx->at_switch ? "at" : "before",
		         mx->summary);
		if (!mx->running && mx->failed[0] && y < h - 1)
			y = said(w, y, 4, width - 6, ROLE_CRIT, "failed: %s", mx->failed);
	}
	/* the recommendation before the table: it is what the operator acts on */
	if (y < h - 1) {
		int next = draw_outcome(w, y + 1, h, width, d);

		y = next > y + 1 ? next : y;
	}
	y++;
	if (y < h - 1 && narrow)
		tui_putf(w, y++, 2, width - 4, ROLE_TITLE, "%-*s %9s  %s", textw, "ROLLBACK RULE", "LIVE", "STATE");
	else if (y < h - 1)
		tui_putf(w, y++, 2, width - 4, ROLE_TITLE, "%-*s %10s %10s  %s", textw, "ROLLBACK RULE", "LIVE", "LIMIT",
		         "STATE");
	for (int r = 0; r < DRULE_COUNT && y < h - 1; r++) {
		const struct deploy_rule_state *s = &d->rule[r];
		char text[120], first[120], v[24], l[24], st[48];
		const char *rest;
		size_t take;
		enum tui_role role = ROLE_NORMAL;
		/* the fast rules judge the live slot always; the seeds' criteria in the window */
		bool live = r >= DRULE_FAST_ERRORS || in_window(d);

		if (r == DRULE_ANALYSIS && !d->cfg->kube.rollout[0])
			continue;   /* only an Argo Rollout has an analysis */

		deploy_rule_text(d, (enum deploy_rule)r, text, sizeof text);
		fmt_value((enum deploy_rule)r, live ? s->value : NAN, v, sizeof v);
		fmt_value((enum deploy_rule)r, live ? s->limit : NAN, l, sizeof l);
		if (s->fired) {
			snprintf(st, sizeof st, "BREACH");
			role = ROLE_CRIT;
		} else if (live && s->holds) {
			snprintf(st, sizeof st, "over for %llds", (long long)((loop_wall_ms() - s->since_wall_ms) / 1000));
			role = ROLE_WARN;
		} else {
			live = live && !isnan(s->value);   /* not measured yet */
			snprintf(st, sizeof st, live ? "ok" : "-");
			role = live ? ROLE_OK : ROLE_STALE;
		}
		/* the rule's words wrap in their column; the numbers stay on its first row */
		take = tui_wrap_next(text, textw, 0);
		snprintf(first, sizeof first, "%.*s", (int)take, text);
		for (size_t e = strlen(first); e && first[e - 1] == ' '; e--)
			first[e - 1] = '\0';
		if (narrow)
			tui_putf(w, y++, 2, width - 4, role, "%-*s %9s  %s", textw, first, v, st);
		else
			tui_putf(w, y++, 2, width - 4, role, "%-*s %10s %10s  %s", textw, first, v, l, st);
		for (rest = text + take; *rest == ' '; rest++)
			;
		if (*rest)
			y += tui_wrap_put(w, y, 4, h - 1 - y > 0 ? h - 1 - y : 1, textw - 2, 0, role, rest);
	}
	if (y < h - 1 && d->has_baseline) {
		char be[24], bp[24], from[16], to[16];
		time_t t;
		struct tm tm;

		fmt_value(DRULE_ERRORS_BASELINE, d->baseline[MET_ERRORS], be, sizeof be);
		fmt_value(DRULE_P95_SLO, d->baseline[MET_P95], bp, sizeof bp);
		t = (time_t)(d->baseline_from_ms / 1000);
		gmtime_r(&t, &tm);
		strftime(from, sizeof from, "%H:%M:%S", &tm);
		t = (time_t)(d->baseline_to_ms / 1000);
		gmtime_r(&t, &tm);
		strftime(to, sizeof to, "%H:%M:%S", &tm);
		y = said(w, y, 2, width - 4, ROLE_STALE, "baseline %s-%s, before the switch: errors %s, P95 %s, queue %.0f",
		         from, to, be, bp, isnan(d->baseline[MET_QUEUE]) ? 0.0 : d->baseline[MET_QUEUE]);
	} else if (y < h - 1 && d->baseline_note[0]) {
		y = said(w, y, 2, width - 4, ROLE_STALE, "%s", d->baseline_note);
	}
	y = draw_followup(w, y + 1, h, width, m);
	return draw_checklist(w, y + 1, h, vis, width, m);
}

struct deploy_state {
	int top;        /* the first body row shown */
	int rows;       /* body rows in all, at the last draw */
	int shown;      /* of them, rows that fit */
};

#define BODY_ROWS 120   /* every line the view can have, at any width */

/* A screen shorter than the view scrolls: the body is drawn whole on a pad
 * and the rows that fit are copied inside the box. */
static void draw(void *state, WINDOW *w, int h, int width, const struct model *m)
{
	struct deploy_state *ds = state;
	const struct deploy *d = deploy_of(m);
	WINDOW *pad;
	char title[96], keys[96];
	int rows;

	snprintf(title, sizeof title, "Deployment %s %s", tui_glyph(G_DOT),
	         d ? deploy_stage_name(d->stage) : "not watched");
	tui_box(w, 0, 0, h, width, title, ROLE_TITLE);
	if (!d) {
		tui_put(w, 2, 2, width - 4, ROLE_STALE, "the deployment model is not running");
		return;
	}
	pad = h > 2 && width > 2 ? newpad(BODY_ROWS, width) : NULL;
	if (!pad) {
		body(w, h, h, width, m, d);   /* no memory for it: what fits */
		return;
	}
	rows = body(pad, BODY_ROWS, h, width, m, d) - 1;
	ds->rows = rows;
	ds->shown = h - 2;
	if (ds->top > rows - ds->shown)
		ds->top = rows - ds->shown > 0 ? rows - ds->shown : 0;
	copywin(pad, w, 1 + ds->top, 1, 1, 1, h - 2 < rows - ds->top ? h - 2 : rows - ds->top, width - 2, FALSE);
	delwin(pad);
	if (rows > ds->shown) {
		snprintf(keys, sizeof keys, " %s %s/%s scroll ", ds->top + ds->shown < rows ? "more below," : "end,",
		         keymap_key_for(ACTION_DOWN), keymap_key_for(ACTION_UP));
		tui_put_right(w, h - 1, 2, width - 4, ROLE_STALE, keys);
	}
}

static int key(void *state, struct model *m, enum action_id action, int k, int page)
{
	struct deploy_state *ds = state;
	int step = action == ACTION_UP || action == ACTION_DOWN ? 1 : page > 1 ? page - 1 : 1;
	int last = ds->rows - ds->shown > 0 ? ds->rows - ds->shown : 0;

	(void)m;
	(void)k;
	switch (action) {
	case ACTION_DOWN: case ACTION_PAGE_DOWN:
		ds->top = ds->top + step > last ? last : ds->top + step;
		return VIEW_REDRAW;
	case ACTION_UP: case ACTION_PAGE_UP:
		ds->top = ds->top > step ? ds->top - step : 0;
		return VIEW_REDRAW;
	case ACTION_TOP:
		ds->top = 0;
		return VIEW_REDRAW;
	case ACTION_BOTTOM:
		ds->top = last;
		return VIEW_REDRAW;
	default:
		return VIEW_IGNORED;
	}
}

const struct view_ops deploy_view = {
	.name = "deploy",
	.title = "Deploy",
	.about = "the deployment: stage, switch, rollback rules, recommendation",
	.key = '8',
	.state_size = sizeof(struct deploy_state),
	.redraw_on = DIRTY_SLOTS | DIRTY_METRICS | DIRTY_TIMELINE,
	.draw = draw,
	.on_key = key,
};
