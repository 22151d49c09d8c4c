/* The deployment-window watcher: feeds the engine (core/deploy/deploywatch.c) from
 * the model after every update, measures the active slot's own signals while
 * a window runs, and records what the engine decides: stage changes and the
 * recommendation in the timeline, the deployment log on finalize and on
 * rollback. */
#include "warroom/deploywatch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/actions.h"
#include "warroom/config.h"
#include "deploylog.h"
#include "warroom/json.h"
#include "warroom/loop.h"
#include "warroom/prom.h"
#include "warroom/slots.h"
#include "warroom/timeline.h"

struct deploywatch_core {
	struct deploywatch d;
	struct model *m;
	struct loop *loop;
	struct prom *prom;
	uint64_t timer;
	int pending;                 /* fast queries in flight */
	struct actions *actions;     /* runs the matrix by itself; NULL: only on `c` */
	uint64_t matrix_run[DMATRIX_COUNT];
	char matrix_want[DMATRIX_COUNT][32];   /* due while another check ran */
	uint64_t cap_timer;
	int cap_pending;             /* capacity queries in flight */
	double got_errors, got_p99;
	bool logged;                 /* the deployment log of this switch is written */
	int64_t logged_switch;
};

const struct deploywatch *deploywatch_of(const struct model *m)
{
	return m ? m->deploywatch : NULL;
}

static void write_log(struct deploywatch_core *c, const char *status)
{
	struct deploywatch *d = &c->d;
	struct deploylog_entry e = {
		.wall_ms = loop_wall_ms(), .version = d->to_version, .previous = d->from_version,
		.revision = d->to_revision, .from_slot = d->from_slot, .to_slot = d->to_slot, .status = status,
		.reason = d->recommend ? d->reason : NULL, .window_s = d->cfg->deploy.window_s,
		.switch_wall_ms = d->switch_wall_ms,
	};
	char path[1200], err[1400], line[1500];

	if (c->logged && c->logged_switch == d->switch_ms)
		return;
	c->logged = true;
	c->logged_switch = d->switch_ms;
	if (deploylog_write(d->cfg, &e, path, sizeof path, err, sizeof err) == 0)
		snprintf(line, sizeof line, "Deployment log written: %s", path);
	else
		snprintf(line, sizeof line, "Deployment log not written: %s", err);
	if (c->m->tl)
		timeline_log(c->m->tl, "deploy", line, NULL);
}

static void record_stage(struct deploywatch_core *c)
{
	struct deploywatch *d = &c->d;
	char line[400];

	switch (d->stage) {
	case DEPLOY_SCALING:
	case DEPLOY_READY:
	case DEPLOY_IDLE:
		snprintf(line, sizeof line, "Deployment: %s", deploywatch_stage_title(d->stage));
		break;
	case DEPLOY_SWITCHED:
		d->switch_wall_ms = loop_wall_ms();
		snprintf(line, sizeof line, "Deployment: traffic switched %s -> %s (%s -> %s); %d s monitoring window",
		         d->from_slot, d->to_slot, d->from_version, d->to_version, d->cfg->deploy.window_s);
		break;
	case DEPLOY_MONITOR:
		snprintf(line, sizeof line, "Deployment: monitoring window runs, traffic only on %s", d->to_slot);
		break;
	case DEPLOY_PASSED:
		snprintf(line, sizeof line, "Deployment: monitoring window passed for %s; scale %s to 0", d->to_version,
		         d->from_slot);
		break;
	case DEPLOY_FINALIZED:
		snprintf(line, sizeof line, "Deployment finalized: %s on %s, %s scaled to 0", d->to_version, d->to_slot,
		         d->from_slot);
		break;
	case DEPLOY_ROLLED_BACK:
		snprintf(line, sizeof line, "Deployment rolled back: traffic on %s (%s) again", d->from_slot,
		         d->from_version);
		break;
	default:
		return;
	}
	if (c->m->tl)
		timeline_log(c->m->tl, "deploy", line, NULL);
	if (d->stage == DEPLOY_FINALIZED && d->switch_ms)
		write_log(c, "success");
	else if (d->stage == DEPLOY_ROLLED_BACK && d->switch_ms)
		write_log(c, "rolled_back");
}

/* Once per crossing, either way: the postmortem sees when a line was passed. */
static void record_capacity(struct deploywatch_core *c)
{
	for (int i = 0; i < DCAP_COUNT; i++) {
		const struct deploy_capacity_state *s = &c->d.cap[i];
		char text[200], line[260];

		if (!s->crossed || !c->m->tl)
			continue;
		deploywatch_capacity_text(&c->d, (enum deploy_capacity)i, text, sizeof text);
		if (s->over)
			snprintf(line, sizeof line, "Capacity warning: %s", text);
		else
			snprintf(line, sizeof line, "Capacity back under its line: %s", deploywatch_capacity_name(i));
		timeline_log(c->m->tl, "deploy", line, NULL);
	}
}

/* ---- the verification matrix, by itself ---- */

struct matrix_ui {
	struct deploywatch_core *c;
	enum deploy_matrix_when when;
	bool both;                   /* the run answers the window's (after) too */
};

static void matrix_step(struct deploywatch_core *c, unsigned ev);

static void matrix_done(const struct action_result *res, void *arg)
{
	struct matrix_ui *u = arg;
	struct deploywatch_core *c = u->c;
	struct deploy_matrix *mx = &c->d.matrix[u->when];
	size_t n = 0;

	mx->running = false;
	mx->pass = res->outcome == ACTION_OK;
	snprintf(mx->summary, sizeof mx->summary, "%s", res->summary);
	mx->failed[0] = '\0';
	/* the check's lines: "FAIL Smoke test ..." for every failed row */
	for (size_t i = 0; i < res->nlines && n < sizeof mx->failed - 1; i++) {
		const char *t = res->lines[i].text;

		if (strncmp(t, "FAIL ", 5) != 0 && res->lines[i].role != AROLE_CRIT)
			continue;
		if (strncmp(t, "FAIL ", 5) == 0)
			t += 5;
		if (n)
			n += (size_t)snprintf(mx->failed + n, sizeof mx->failed - n, "; ");
		/* the report's columns, squeezed to one space */
		for (; *t && n < sizeof mx->failed - 1; t++)
			if (*t != ' ' || (n && mx->failed[n - 1] != ' '))
				mx->failed[n++] = *t;
		mx->failed[n < sizeof mx->failed ? n : sizeof mx->failed - 1] = '\0';
	}
	c->matrix_run[u->when] = 0;
	if (u->both) {
		struct deploy_matrix *after = &c->d.matrix[DMATRIX_AFTER];
		int64_t sw = after->switch_ms;

		*after = *mx;
		after->switch_ms = sw;
		after->at_switch = false;
		c->matrix_run[DMATRIX_AFTER] = 0;
	}
	free(u);
	if (res->outcome == ACTION_CANCELLED)   /* the queue is closing: start nothing */
		return;
	model_mark(c->m, DIRTY_SLOTS | DIRTY_TIMELINE);
	if (c->m->tl)
		model_sync_timeline(c->m);
	/* one that came due while this ran */
	matrix_step(c, 0);
}

/* Which switch a run is for: at the smoke test, the one to come. */
static void mark(const struct deploywatch_core *c, enum deploy_matrix_when when, struct deploy_matrix *mx)
{
	bool window = c->d.stage == DEPLOY_SWITCHED || c->d.stage == DEPLOY_MONITOR;

	mx->switch_ms = when == DMATRIX_BEFORE && !window ? -1 : c->d.switch_ms;
	mx->at_switch = when == DMATRIX_BEFORE && window;
}

static void matrix_start(struct deploywatch_core *c, enum deploy_matrix_when when, const char *slot, bool both)
{
	struct deploy_matrix *mx = &c->d.matrix[when];
	struct matrix_ui *u;
	struct action_ui ui = { NULL, NULL, matrix_done, NULL };

	/* one check at a time: the same pods, the same requests */
	if (actions_running(c->actions, ACTION_CHECK)) {
		snprintf(c->matrix_want[when], sizeof c->matrix_want[when], "%s", slot);
		snprintf(mx->slot, sizeof mx->slot, "%s", slot);
		mark(c, when, mx);
		mx->running = true;
		snprintf(mx->summary, sizeof mx->summary, "verification of %s waits for the one running", slot);
		return;
	}
	u = malloc(sizeof *u);
	if (!u)
		return;
	*u = (struct matrix_ui){ c, when, both };
	ui.arg = u;
	memset(mx, 0, sizeof *mx);
	mark(c, when, mx);
	snprintf(mx->slot, sizeof mx->slot, "%s", slot);
	mx->running = true;
	snprintf(mx->summary, sizeof mx->summary, "verification of %s running", slot);
	if (both) {
		struct deploy_matrix *after = &c->d.matrix[DMATRIX_AFTER];

		*after = *mx;
		mark(c, DMATRIX_AFTER, after);
	}
	c->matrix_run[when] = actions_run(c->actions, ACTION_CHECK,
	                                  &(struct action_args){ .text = mx->slot, .unattended = true }, &ui);
	if (both)
		c->matrix_run[DMATRIX_AFTER] = c->matrix_run[when];
}

static void matrix_step(struct deploywatch_core *c, unsigned ev)
{
	char slot[32];

	if (!c->actions)
		return;
	if ((ev & DEPLOY_EV_STAGE) && c->d.stage == DEPLOY_SCALING)   /* a new deployment: new results */
		for (int w = 0; w < DMATRIX_COUNT; w++)
			if (!c->matrix_run[w] && !c->matrix_want[w][0])
				memset(&c->d.matrix[w], 0, sizeof c->d.matrix[w]);
	/* the smoke test's run belongs to the switch that follows it */
	if (c->d.matrix[DMATRIX_BEFORE].switch_ms == -1 && c->d.switch_ms &&
	    (c->d.stage == DEPLOY_SWITCHED || c->d.stage == DEPLOY_MONITOR))
		c->d.matrix[DMATRIX_BEFORE].switch_ms = c->d.switch_ms;
	for (int w = 0; w < DMATRIX_COUNT; w++) {
		char after[32];
		bool both;

		if (c->matrix_run[w] || !deploywatch_matrix_due(&c->d, c->m->slots, ev, (enum deploy_matrix_when)w, slot,
		                                                sizeof slot))
			continue;
		/* a smoke test that went by unseen runs at the switch, against the
		 * pods the window's check would run against: one run, one event */
		both = w == DMATRIX_BEFORE && !c->matrix_run[DMATRIX_AFTER] &&
		       deploywatch_matrix_due(&c->d, c->m->slots, ev, DMATRIX_AFTER, after, sizeof after) &&
		       strcmp(after, slot) == 0;
		matrix_start(c, (enum deploy_matrix_when)w, slot, both);
	}
	/* one that waited for another check to finish */
	for (int w = 0; w < DMATRIX_COUNT; w++)
		if (c->matrix_want[w][0] && !actions_running(c->actions, ACTION_CHECK)) {
			snprintf(slot, sizeof slot, "%s", c->matrix_want[w]);
			c->matrix_want[w][0] = '\0';
			matrix_start(c, (enum deploy_matrix_when)w, slot, false);
			return;
		}
}

void deploywatch_core_set_actions(struct deploywatch_core *c, struct actions *q)
{
	if (c)
		c->actions = q;
}

static void on_model(struct model *m, unsigned changed, void *arg)
{
	struct deploywatch_core *c = arg;
	unsigned ev;

	(void)changed;
	ev = deploywatch_step(&c->d, m->slots, &m->metrics, loop_now_ms());
	if (ev & DEPLOY_EV_STAGE)
		record_stage(c);
	if ((ev & DEPLOY_EV_RECOMMEND) && m->tl) {
		char line[400];

		snprintf(line, sizeof line, "Rollback recommended: %s (%s)", c->d.reason,
		         deploywatch_rule_name(c->d.reason_rule));
		timeline_log(m->tl, "deploy", line, NULL);
	}
	if (ev & DEPLOY_EV_CAPACITY)
		record_capacity(c);
	matrix_step(c, ev);
	if (ev)
		model_mark(m, DIRTY_SLOTS | DIRTY_TIMELINE);
	if (ev && m->tl)
		model_sync_timeline(m);
}

/* ---- the active slot's own signals ---- */

/* No model_mark, as for capacity: the next golden-signal round judges the
 * pair, and a mark from an answer would run the watchers over freed slots
 * while sources_close delivers this query's cancellation. */
static void fast_done(struct deploywatch_core *c)
{
	if (--c->pending > 0)
		return;
	deploywatch_fast(&c->d, c->got_errors, c->got_p99, loop_now_ms());
}

static void got_errors(const struct prom_answer *a, void *arg)
{
	struct deploywatch_core *c = arg;

	c->got_errors = a->ok ? a->v : NAN;
	fast_done(c);
}

static void got_p99(const struct prom_answer *a, void *arg)
{
	struct deploywatch_core *c = arg;

	c->got_p99 = a->ok ? a->v : NAN;
	fast_done(c);
}

static void on_timer(struct loop *loop, void *arg)
{
	struct deploywatch_core *c = arg;
	const struct deploywatch *d = &c->d;
	const char *label = d->cfg->kube.slot_label;
	char q[512];

	(void)loop;
	if (c->pending || !(d->stage == DEPLOY_SWITCHED || d->stage == DEPLOY_MONITOR) || !d->to_slot[0])
		return;
	c->got_errors = c->got_p99 = NAN;
	c->pending = 3;   /* held until both are out */
	/* The new slot's pods started for this deployment: their counters are
	 * its whole record, from the first scrape on, where a rate needs two
	 * samples of every new series and a minute to stop diluting. */
	snprintf(q, sizeof q,
	         "sum(http_requests_total{%s=\"%s\",status=~\"5..\"}) / sum(http_requests_total{%s=\"%s\"})",
	         label, d->to_slot, label, d->to_slot);
	if (!prom_query(c->prom, q, got_errors, c))
		c->pending--;
	snprintf(q, sizeof q,
	         "histogram_quantile(0.99, sum by (le) (http_request_duration_seconds_bucket{%s=\"%s\"}))",
	         label, d->to_slot);
	if (!prom_query(c->prom, q, got_p99, c))
		c->pending--;
	fast_done(c);
}

/* ---- capacity signals: database size, CPU and memory against requests ---- */

struct cap_query {
	struct deploywatch_core *c;
	enum deploy_capacity which;
};

static void got_capacity(const struct prom_answer *a, void *arg)
{
	struct cap_query *q = arg;
	struct deploywatch_core *c = q->c;

	deploywatch_capacity_sample(&c->d, q->which, a->ok ? a->v : NAN, loop_now_ms());
	free(q);
	/* no model_mark: the next golden-signal round judges it, and a mark from
	 * here would run the watchers while sources_close cancels this query */
	c->cap_pending--;
}

static void on_cap_timer(struct loop *loop, void *arg)
{
	struct deploywatch_core *c = arg;
	static const enum deploy_capacity asked[] = { DCAP_DB, DCAP_CPU, DCAP_MEMORY };

	(void)loop;
	if (c->cap_pending)
		return;
	for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
		char *expr = deploywatch_capacity_query(c->d.cfg, asked[i]);
		struct cap_query *q = expr ? malloc(sizeof *q) : NULL;

		if (q) {
			*q = (struct cap_query){ c, asked[i] };
			c->cap_pending++;
			if (!prom_query(c->prom, expr, got_capacity, q)) {
				c->cap_pending--;
				free(q);
			}
		}
		free(expr);
	}
}

/* How far back to look: a rollback writes a few tens of events at most. */
#define ROLLBACK_LOOK_BACK 400

/* The newest rollback of this service the timeline holds: each confirmed
 * run records its plan, which names the slots. A selector switch only
 * (from and to differ): an undo keeps one slot, no standby to explain. */
static void recall_rollback(struct deploywatch_core *c)
{
	const struct config *cfg = c->m->cfg;
	struct timeline_event *evs = NULL;
	size_t n = 0;

	if (!c->m->tl || timeline_list(c->m->tl, -1, 0, ROLLBACK_LOOK_BACK, &evs, &n) != 0)
		return;
	for (size_t i = 0; i < n; i++) {   /* newest first */
		cJSON *j;
		const char *from, *to, *ns, *svc;
		bool found;

		if (strcmp(evs[i].kind, "rollback") != 0 || !evs[i].detail_json)
			continue;
		j = cJSON_Parse(evs[i].detail_json);
		from = json_str(j, "from");
		to = json_str(j, "to");
		ns = json_str(j, "namespace");
		svc = json_str(j, "service");
		found = from && to && ns && svc && from[0] && to[0] && strcmp(from, to) != 0 &&
		        strcmp(ns, cfg->kube.namespace_) == 0 && strcmp(svc, cfg->kube.service) == 0;
		if (found)
			deploywatch_recorded_rollback(&c->d, from, to, evs[i].ts_ms);
		cJSON_Delete(j);
		if (found)
			break;
	}
	timeline_events_free(evs, n);
}

struct deploywatch_core *deploywatch_install(struct model *m, struct loop *loop, struct prom *prom)
{
	struct deploywatch_core *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	deploywatch_init(&c->d, m->cfg);
	c->m = m;
	recall_rollback(c);
	c->loop = loop;
	c->prom = prom;
	if (model_watch_add(m, on_model, c) != 0) {
		free(c);
		return NULL;
	}
	if (loop && prom) {
		int every = m->cfg->refresh_ms > 0 ? m->cfg->refresh_ms : 1000;

		c->timer = loop_timer_add(loop, every, every, on_timer, c);
		/* capacity moves slowly: every other refresh is plenty */
		c->cap_timer = loop_timer_add(loop, every, 2 * every, on_cap_timer, c);
	}
	m->deploywatch = &c->d;   /* the views find it through their model */
	return c;
}

void deploywatch_core_free(struct deploywatch_core *c)
{
	if (!c)
		return;
	if (c->timer)
		loop_timer_cancel(c->loop, c->timer);
	if (c->cap_timer)
		loop_timer_cancel(c->loop, c->cap_timer);
	if (c->m->deploywatch == &c->d)
		c->m->deploywatch = NULL;
	free(c);
}

void deploywatch_core_adopt(struct deploywatch_core *c)
{
	if (c)
		c->d.adopt = true;
}
