/* The deployment model's watcher: steps the engine (core/deploy/deploy.c)
 * after every model update and after every answer of its questions
 * (deploy_query.c), feeds it what Argo CD's history and the timeline say,
 * and records what it decides: the switch, the stages, the recommendation
 * and how it ended, a rollback with the version rolled back from (so a
 * restart knows it), the recovery after it, and the deployment log. Two
 * processes on one timeline record each of these once. */
#include "warroom/deploy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warroom/actions.h"
#include "warroom/argocd.h"
#include "warroom/config.h"
#include "deploylog.h"
#include "warroom/loop.h"
#include "warroom/prom.h"
#include "warroom/slots.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

#include "deploy_priv.h"

#define ROLLBACK_LOOK_BACK 400      /* events read for the newest rollback: a rollback writes tens */
#define ARGOCD_WAIT_MS 5000         /* the rebuild waits this long for Argo CD's first answer */
#define SAME_RECORD_MS 60000        /* one record of a kind within this, whoever wrote it */

struct deploy_core {
	struct deploy d;
	struct model *m;
	struct deploy_io io;
	struct deploy_query *q;
	int64_t started_ms;
	bool recalled;
	bool first;                  /* the first stage is what the cluster shows, not news */
	struct actions *actions;     /* runs the matrix by itself; NULL: only on `c` */
	uint64_t matrix_run[DMATRIX_COUNT];
	char matrix_want[DMATRIX_COUNT][32];   /* due while another check ran */
	uint64_t cap_timer, first_timer;
	int cap_pending;             /* capacity queries in flight */
	int64_t logged_switch;       /* the deployment log of this switch is written */
	int64_t declines_seen;       /* the newest timeline event read for a decline */
	unsigned held;               /* what steps saw before the model was rebuilt */
};

const struct deploy *deploy_of(const struct model *m)
{
	return m ? m->deploy : NULL;
}

static void clock_words(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

/* Whether the timeline already tells this: a "deploy" event whose detail
 * holds key:value, or whose summary starts with prefix in the last minute. */
static bool recorded(const struct model *m, const char *key, int64_t value, const char *prefix)
{
	char want[64];

	snprintf(want, sizeof want, "\"%s\":%lld", key ? key : "", (long long)value);
	for (size_t i = 0; i < m->nrecent; i++) {
		const struct timeline_event *e = &m->recent[i];

		if (strcmp(e->kind, "deploy") != 0)
			continue;
		if (key && e->detail_json && strstr(e->detail_json, want))
			return true;
		if (prefix && strncmp(e->summary, prefix, strlen(prefix)) == 0 &&
		    loop_wall_ms() - e->ts_ms < SAME_RECORD_MS)
			return true;
	}
	return false;
}

static void record(struct deploy_core *c, int64_t ts_ms, const char *summary, const char *detail)
{
	struct timeline_event ev;
	char err[256];

	if (!c->m->tl)
		return;
	memset(&ev, 0, sizeof ev);
	ev.ts_ms = ts_ms;
	snprintf(ev.kind, sizeof ev.kind, "deploy");
	text_copy(ev.summary, sizeof ev.summary, summary);
	ev.detail_json = (char *)detail;
	timeline_append(c->m->tl, &ev, err, sizeof err);
}

static void write_log(struct deploy_core *c, const char *status)
{
	struct deploy *d = &c->d;
	struct deploylog_entry e = {
		.wall_ms = loop_wall_ms(), .version = d->rollback_switch ? d->rb.from_version : d->to_version,
		.previous = d->rollback_switch ? d->rb.to_version : d->from_version, .revision = d->to_revision,
		.from_slot = d->rollback_switch ? d->rb.to_slot : d->from_slot,
		.to_slot = d->rollback_switch ? d->rb.from_slot : d->to_slot, .status = status,
		.reason = d->rb.reason[0] ? d->rb.reason : NULL, .window_s = d->cfg->deploy.window_s,
		.switch_wall_ms = d->switch_ms,
	};
	char path[1200], err[1400], line[1500], detail[64];

	if (c->logged_switch == d->switch_ms || recorded(c->m, "log_for", d->switch_ms, NULL))
		return;
	c->logged_switch = d->switch_ms;
	snprintf(detail, sizeof detail, "{\"log_for\":%lld}", (long long)d->switch_ms);
	if (deploylog_write(d->cfg, &e, path, sizeof path, err, sizeof err) == 0)
		snprintf(line, sizeof line, "Deployment log written: %s", path);
	else
		snprintf(line, sizeof line, "Deployment log not written: %s", err);
	record(c, 0, line, detail);
}

static void record_switch(struct deploy_core *c)
{
	struct deploy *d = &c->d;
	char line[400], at[16], detail[64];

	if (!d->switch_ms || d->rollback_switch || recorded(c->m, "switch_ms", d->switch_ms, NULL))
		return;
	clock_words(d->switch_ms, at, sizeof at);
	snprintf(detail, sizeof detail, "{\"switch_ms\":%lld}", (long long)d->switch_ms);
	snprintf(line, sizeof line, "Deployment: traffic switched %s -> %s (%s -> %s) at %s %s%s%s; %d s monitoring "
	         "window", d->from_slot, d->to_slot, d->from_version, d->to_version, at,
	         deploy_source_words(d->switch_source), d->switch_by[0] ? ", by " : "", d->switch_by,
	         d->cfg->deploy.window_s);
	/* the timeline tells it when it happened, also when told later */
	record(c, loop_wall_ms() - d->switch_ms > 5000 ? d->switch_ms : 0, line, detail);
}

static void record_rollback(struct deploy_core *c)
{
	struct deploy *d = &c->d;
	char line[400], at[16], *detail;

	if (!d->rb.known || recorded(c->m, "at_ms", d->rb.wall_ms, NULL))
		return;
	clock_words(d->rb.wall_ms, at, sizeof at);
	snprintf(line, sizeof line, "Deployment rolled back: traffic on %s (%s) again at %s%s%s; %s on %s was "
	         "rolled back from", d->rb.to_slot, d->rb.to_version, at, d->rb.by[0] ? " by " : "", d->rb.by,
	         d->rb.from_version, d->rb.from_slot);
	detail = deploy_rollback_json(d);
	record(c, 0, line, detail);
	free(detail);
}

static void record_stage(struct deploy_core *c)
{
	struct deploy *d = &c->d;
	char line[400], detail[64];

	switch (d->stage) {
	case DEPLOY_DEPLOYING:
	case DEPLOY_READY:
		if (c->first)
			return;
		snprintf(line, sizeof line, "Deployment: %s (%s %s)", deploy_stage_title(d->stage), d->from_slot,
		         d->from_version);
		break;
	case DEPLOY_SWITCHED:
	case DEPLOY_MONITORING:
		record_switch(c);
		if (d->stage == DEPLOY_SWITCHED || c->first)
			return;
		snprintf(line, sizeof line, "Deployment: monitoring window runs, traffic only on %s", d->to_slot);
		break;
	case DEPLOY_PASSED:
		snprintf(detail, sizeof detail, "{\"passed\":%lld}", (long long)d->switch_ms);
		if (!d->switch_ms || recorded(c->m, "passed", d->switch_ms, NULL))
			return;
		snprintf(line, sizeof line, "Deployment: monitoring window passed for %s; scale %s to 0", d->to_version,
		         d->from_slot);
		record(c, 0, line, detail);
		return;
	case DEPLOY_FINALIZED:
		snprintf(detail, sizeof detail, "{\"finalized\":%lld}", (long long)d->switch_ms);
		if (d->switch_ms && !recorded(c->m, "finalized", d->switch_ms, NULL)) {
			snprintf(line, sizeof line, "Deployment finalized: %s on %s, %s scaled to 0", d->to_version,
			         d->to_slot, d->from_slot);
			record(c, 0, line, detail);
		}
		if (d->switch_ms && !c->first)
			write_log(c, "success");
		return;
	case DEPLOY_ROLLED_BACK:
		record_rollback(c);
		if (d->switch_ms && !c->first)
			write_log(c, "rolled_back");
		return;
	default:
		return;
	}
	record(c, 0, line, NULL);
}

static void record_recommendation(struct deploy_core *c, unsigned ev)
{
	struct deploy *d = &c->d;
	char line[400];

	if (ev & DEPLOY_EV_RECOMMEND) {
		/* the prefix names the record whatever carries it out (a restart finds it) */
		snprintf(line, sizeof line, "Rollback recommended: %s; %s %s %s (%s)", d->reason,
		         !d->target.action[0] ? "rolls back to" : strcmp(d->target.action, "abort") == 0 ?
		         "abort returns traffic to" : "undo goes back to", d->target.slot, d->target.version,
		         deploy_rule_name(d->reason_rule));
		if (!recorded(c->m, NULL, 0, "Rollback recommended:"))
			record(c, 0, line, NULL);
	}
	if (ev & DEPLOY_EV_BREACH) {
		snprintf(line, sizeof line, "Breach with nothing to roll back to: %s; %s", d->reason, d->target.none);
		if (!recorded(c->m, NULL, 0, "Breach with nothing"))
			record(c, 0, line, NULL);
	}
	if (ev & DEPLOY_EV_ENDED) {
		snprintf(line, sizeof line, "Rollback recommendation ended: %s", d->ended);
		if (!recorded(c->m, NULL, 0, "Rollback recommendation ended"))
			record(c, 0, line, NULL);
	}
	if (ev & DEPLOY_EV_RECOVERED) {
		snprintf(line, sizeof line, "Recovered after the rollback to %s: error ratio %s, P95 under the lines "
		         "before the deployment", d->rb.to_slot, isnan(c->m->metrics.s[MET_ERRORS].last) ? "n/a" : "");
		if (!isnan(c->m->metrics.s[MET_ERRORS].last))
			snprintf(line, sizeof line, "Recovered after the rollback to %s: error ratio %.2f %%, P95 %.0f ms, "
			         "under the lines before the deployment", d->rb.to_slot, c->m->metrics.s[MET_ERRORS].last * 100,
			         isnan(c->m->metrics.s[MET_P95].last) ? 0 : c->m->metrics.s[MET_P95].last * 1000);
		if (!recorded(c->m, NULL, 0, "Recovered after the rollback"))
			record(c, 0, line, NULL);
	}
}

/* Once per crossing, either way: the postmortem sees when a line was passed. */
static void record_capacity(struct deploy_core *c)
{
	for (int i = 0; i < DCAP_COUNT; i++) {
		const struct deploy_capacity_state *s = &c->d.cap[i];
		char text[200], line[260];

		if (!s->crossed || !c->m->tl)
			continue;
		deploy_capacity_text(&c->d, (enum deploy_capacity)i, text, sizeof text);
		if (s->over)
			snprintf(line, sizeof line, "Capacity warning: %s", text);
		else
			snprintf(line, sizeof line, "Capacity back under its line: %s", deploy_capacity_name(i));
		timeline_log(c->m->tl, "deploy", line, NULL);
	}
}

/* ---- the verification matrix, by itself ---- */

struct matrix_ui {
	struct deploy_core *c;
	enum deploy_matrix_when when;
	bool both;                   /* the run answers the window's (after) too */
};

static void matrix_step(struct deploy_core *c, unsigned ev);

static void matrix_done(const struct action_result *res, void *arg)
{
	struct matrix_ui *u = arg;
	struct deploy_core *c = u->c;
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
static void mark(const struct deploy_core *c, enum deploy_matrix_when when, struct deploy_matrix *mx)
{
	bool window = c->d.stage == DEPLOY_SWITCHED || c->d.stage == DEPLOY_MONITORING;

	mx->switch_ms = when == DMATRIX_BEFORE && !window ? -1 : c->d.switch_ms;
	mx->at_switch = when == DMATRIX_BEFORE && window;
}

static void matrix_start(struct deploy_core *c, enum deploy_matrix_when when, const char *slot, bool both)
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

static void matrix_step(struct deploy_core *c, unsigned ev)
{
	char slot[32];

	if (!c->actions)
		return;
	if ((ev & DEPLOY_EV_STAGE) && c->d.stage == DEPLOY_DEPLOYING)   /* a new deployment: new results */
		for (int w = 0; w < DMATRIX_COUNT; w++)
			if (!c->matrix_run[w] && !c->matrix_want[w][0])
				memset(&c->d.matrix[w], 0, sizeof c->d.matrix[w]);
	/* the smoke test's run belongs to the switch that follows it */
	if (c->d.matrix[DMATRIX_BEFORE].switch_ms == -1 && c->d.switch_ms &&
	    (c->d.stage == DEPLOY_SWITCHED || c->d.stage == DEPLOY_MONITORING))
		c->d.matrix[DMATRIX_BEFORE].switch_ms = c->d.switch_ms;
	for (int w = 0; w < DMATRIX_COUNT; w++) {
		/* a switch before this process began was another's to verify, and the
		 * stage the rebuild found is no stage change */
		bool late = c->first || (c->d.switch_ms && c->d.switch_ms < c->started_ms - 1000 &&
		                         c->d.stage != DEPLOY_READY);

		char after[32];
		bool both;

		if (c->matrix_run[w] || late ||
		    !deploy_matrix_due(&c->d, c->m->slots, ev, (enum deploy_matrix_when)w, slot, sizeof slot))
			continue;
		/* a smoke test that went by unseen runs at the switch, against the
		 * pods the window's check would run against: one run, one event */
		both = w == DMATRIX_BEFORE && !c->matrix_run[DMATRIX_AFTER] &&
		       deploy_matrix_due(&c->d, c->m->slots, ev, DMATRIX_AFTER, after, sizeof after) &&
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

void deploy_core_set_actions(struct deploy_core *c, struct actions *q)
{
	if (c)
		c->actions = q;
}

/* ---- what the timeline and Argo CD say ---- */

static void recall(struct deploy_core *c)
{
	struct timeline_event *evs = NULL;
	struct deploy_rollback rb;
	size_t n = 0;

	c->recalled = true;
	if (!c->m->tl || timeline_list(c->m->tl, -1, 0, ROLLBACK_LOOK_BACK, &evs, &n) != 0)
		return;
	if (deploy_recall_rollback(evs, n, c->d.cfg->kube.namespace_, c->d.cfg->kube.service, &rb))
		c->d.rb = rb;
	timeline_events_free(evs, n);
}

/* A rollback recorded meanwhile (this console's R, another process'): the
 * newest one, with who and why, before the step that sees traffic move. */
static void newer_rollback(struct deploy_core *c)
{
	struct deploy_rollback rb;

	if (deploy_recall_rollback(c->m->recent, c->m->nrecent, c->d.cfg->kube.namespace_, c->d.cfg->kube.service,
	                           &rb)) {
		if (!rb.reason[0])
			text_copy(rb.reason, sizeof rb.reason, c->d.rb.reason[0] ? c->d.rb.reason :
			          c->d.recommend ? c->d.reason : "");
		if (rb.wall_ms > c->d.rb.wall_ms + 5000)
			c->d.rb = rb;
		else if (c->d.rb.known && llabs(rb.wall_ms - c->d.rb.wall_ms) <= 10000 &&
		         strcmp(rb.to_slot, c->d.rb.to_slot) == 0 && rb.by[0])
			text_copy(c->d.rb.by, sizeof c->d.rb.by, rb.by);   /* who confirmed the one seen */
	}
	if (c->d.rb.known && !c->d.rb.reason[0] && c->d.recommend)
		text_copy(c->d.rb.reason, sizeof c->d.rb.reason, c->d.reason);
}

static void argocd_evidence(struct deploy_core *c)
{
	const struct model *m = c->m;
	struct deploy *d = &c->d;
	const struct slots_state *st = m->slots;
	int64_t at, before;
	char by[64];

	if (m->src[SRC_ARGOCD].state == SRC_UNCONFIGURED || m->src[SRC_ARGOCD].state == SRC_DOWN ||
	    loop_wall_ms() - c->started_ms > ARGOCD_WAIT_MS)
		d->ev.argocd_done = true;
	if (!m->app || !st || st->active < 0)
		return;
	d->ev.argocd_done = true;
	d->ev.at[DSRC_ARGOCD] = d->ev.before[DSRC_ARGOCD] = 0;
	if (deploy_argocd_switch(m->app, d->cfg->argocd_slot_param, st->slot[st->active].name, &at, by, sizeof by,
	                         &before)) {
		d->ev.at[DSRC_ARGOCD] = at;
		d->ev.before[DSRC_ARGOCD] = before;
		text_copy(d->ev.by[DSRC_ARGOCD], sizeof d->ev.by[0], by);
		text_copy(d->ev.active[DSRC_ARGOCD], sizeof d->ev.active[0], st->slot[st->active].name);
	}
}

/* A standing recommendation the operator turned down: the rollback's plan
 * answered no, or the incident resolved over it. */
static void declines(struct deploy_core *c)
{
	struct deploy *d = &c->d;
	int64_t newest = c->declines_seen;

	for (size_t i = 0; i < c->m->nrecent; i++) {
		const struct timeline_event *e = &c->m->recent[i];
		const char *p;

		if (e->id <= c->declines_seen)
			break;
		if (e->id > newest)
			newest = e->id;
		if (!d->recommend || e->ts_ms < d->recommend_ms)
			continue;
		if (strcmp(e->kind, "action") == 0 && (p = strstr(e->summary, "rollback plan shown and declined by ")))
			deploy_decline(d, p + 36, e->ts_ms);
		else if (strcmp(e->kind, "sev") == 0 && strstr(e->summary, " resolved: ")) {
			char who[96];

			snprintf(who, sizeof who, "%s, resolving the incident", e->actor[0] ? e->actor : "the operator");
			deploy_decline(d, who, e->ts_ms);
		}
	}
	c->declines_seen = newest;
}

static void step(struct deploy_core *c)
{
	struct model *m = c->m;
	unsigned ev, ended;
	int64_t now = loop_wall_ms();

	if (!c->recalled && m->slots && m->slots->updated_ms)
		recall(c);
	argocd_evidence(c);
	if (c->q)
		deploy_query_step(c->q, now);
	newer_rollback(c);
	ended = c->d.recommend;
	declines(c);
	ev = deploy_step(&c->d, m->slots, &m->metrics, now);
	if (ended && !c->d.recommend)
		ev |= DEPLOY_EV_ENDED;
	if (c->q)
		deploy_query_step(c->q, now);   /* a new switch asks for its baseline now */
	/* no cluster to read (none configured, or it never answered): nothing
	 * to rebuild, the stage is unknown until it does */
	if (!c->d.rebuilt && (m->src[SRC_KUBE].state == SRC_UNCONFIGURED ||
	                      (m->src[SRC_KUBE].state == SRC_DOWN && (!m->slots || !m->slots->updated_ms)))) {
		c->d.rebuilt = true;
		ev |= c->held;
	} else if (!c->d.rebuilt && m->slots && m->slots->updated_ms && c->d.ev.argocd_done &&
	           (!c->q || deploy_query_settled(c->q))) {
		c->d.rebuilt = true;
		ev |= DEPLOY_EV_STAGE | c->held;
	} else if (!c->d.rebuilt) {
		c->held |= ev;   /* told once the model is whole */
	}
	if (ev & DEPLOY_EV_STAGE && c->d.rebuilt)
		record_stage(c);
	if (ev & DEPLOY_EV_CAPACITY)
		record_capacity(c);
	if (c->d.rebuilt) {
		record_recommendation(c, ev);
		matrix_step(c, ev);
		c->first = false;
	}
	if (ev && m->tl)
		model_sync_timeline(m);
	if (ev)
		model_mark(m, DIRTY_SLOTS | DIRTY_TIMELINE);
}

static void on_model(struct model *m, unsigned changed, void *arg)
{
	(void)m;
	(void)changed;
	step(arg);
}

static void kicked(void *arg)
{
	step(arg);
}

/* The first step on the loop: with no source to poll, nothing else would run it. */
static void first_step(struct loop *loop, void *arg)
{
	struct deploy_core *c = arg;

	(void)loop;
	c->first_timer = 0;
	step(c);
}

/* ---- capacity signals: database size, CPU and memory against requests ---- */

struct cap_query {
	struct deploy_core *c;
	enum deploy_capacity which;
};

static void got_capacity(const struct prom_answer *a, void *arg)
{
	struct cap_query *q = arg;
	struct deploy_core *c = q->c;

	deploy_capacity_sample(&c->d, q->which, a->ok ? a->v : NAN, loop_wall_ms());
	free(q);
	/* no model_mark: the next golden-signal round judges it, and a mark from
	 * here would run the watchers while sources_close cancels this query */
	c->cap_pending--;
}

static void on_cap_timer(struct loop *loop, void *arg)
{
	struct deploy_core *c = arg;
	static const enum deploy_capacity asked[] = { DCAP_DB, DCAP_CPU, DCAP_MEMORY };

	(void)loop;
	if (c->cap_pending)
		return;
	for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
		char *expr = deploy_capacity_query(c->d.cfg, asked[i]);
		struct cap_query *q = expr ? malloc(sizeof *q) : NULL;

		if (q) {
			*q = (struct cap_query){ c, asked[i] };
			c->cap_pending++;
			if (!prom_query(c->io.prom, expr, got_capacity, q)) {
				c->cap_pending--;
				free(q);
			}
		}
		free(expr);
	}
}

struct deploy_core *deploy_install(struct model *m, const struct deploy_io *io)
{
	struct deploy_core *c = calloc(1, sizeof *c);
	static const struct deploy_io none;

	if (!c)
		return NULL;
	deploy_init(&c->d, m->cfg);
	c->m = m;
	c->io = io ? *io : none;
	c->first = true;
	c->started_ms = loop_wall_ms();
	if (model_watch_add(m, on_model, c) != 0) {
		free(c);
		return NULL;
	}
	c->q = deploy_query_new(&c->io, &c->d, m, kicked, c);
	if (c->io.loop)
		c->first_timer = loop_timer_add(c->io.loop, 0, 0, first_step, c);
	if (c->io.loop && c->io.prom) {
		int every = m->cfg->refresh_ms > 0 ? m->cfg->refresh_ms : 1000;

		/* capacity moves slowly: every other refresh is plenty */
		c->cap_timer = loop_timer_add(c->io.loop, every, 2 * every, on_cap_timer, c);
	}
	m->deploy = &c->d;   /* the views find it through their model */
	return c;
}

void deploy_core_stop(struct deploy_core *c)
{
	if (c)
		deploy_query_stop(c->q);
}

void deploy_core_free(struct deploy_core *c)
{
	if (!c)
		return;
	if (c->cap_timer)
		loop_timer_cancel(c->io.loop, c->cap_timer);
	if (c->first_timer)
		loop_timer_cancel(c->io.loop, c->first_timer);
	deploy_query_free(c->q);
	if (c->m->deploy == &c->d)
		c->m->deploy = NULL;
	free(c);
}
