/* The deployment-window engine: stages from the slot model, the baseline
 * before the switch, and the rules that recommend a rollback. No I/O here:
 * core/deploy/deploywatch_core.c feeds it and records what it decides. */
#include "warroom/deploywatch.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "warroom/config.h"
#include "warroom/slots.h"

#define BASE_MAX 120   /* samples the baseline averages, at most (2 min at 1 s) */
#define FAST_FRESH_MS 10000

static const char *const stage_names[DEPLOY_STAGE_COUNT][2] = {
	[DEPLOY_UNKNOWN] = {"unknown", "No slot data yet"},
	[DEPLOY_IDLE] = {"idle", "Steady: standby slot at 0"},
	[DEPLOY_SCALING] = {"scaling", "Idle slot scaling up"},
	[DEPLOY_READY] = {"ready", "New version ready: smoke test"},
	[DEPLOY_SWITCHED] = {"switched", "Traffic switched"},
	[DEPLOY_MONITOR] = {"monitor", "Monitoring window"},
	[DEPLOY_PASSED] = {"passed", "Window passed: scale old slot to 0"},
	[DEPLOY_FINALIZED] = {"finalized", "Finalized: old slot at 0"},
	[DEPLOY_ROLLED_BACK] = {"rolled-back", "Rolled back"},
};

static const char *const rule_names[DRULE_COUNT] = {
	[DRULE_ERRORS_BASELINE] = "errors-over-baseline",
	[DRULE_P95_SLO] = "p95-over-slo",
	[DRULE_QUEUE_GROWING] = "queue-growing",
	[DRULE_FAST_ERRORS] = "errors-sev2",
	[DRULE_FAST_P99] = "p99-twice-slo",
	[DRULE_NO_READY] = "no-ready-pod",
};

const char *deploywatch_stage_name(enum deploy_stage s)
{
	return s < DEPLOY_STAGE_COUNT ? stage_names[s][0] : "unknown";
}

const char *deploywatch_stage_title(enum deploy_stage s)
{
	return s < DEPLOY_STAGE_COUNT ? stage_names[s][1] : "unknown";
}

const char *deploywatch_rule_name(enum deploy_rule r)
{
	return r < DRULE_COUNT ? rule_names[r] : "unknown";
}

static bool fast_rule(enum deploy_rule r)
{
	return r >= DRULE_FAST_ERRORS;
}

static int64_t sustain_ms(const struct deploywatch *d, enum deploy_rule r)
{
	return (int64_t)(fast_rule(r) ? d->cfg->deploy.fast_sustain_s : d->cfg->deploy.sustain_s) * 1000;
}

void deploywatch_rule_text(const struct deploywatch *d, enum deploy_rule r, char *buf, size_t len)
{
	const struct config *c = d->cfg;
	int s = (int)(sustain_ms(d, r) / 1000);

	switch (r) {
	case DRULE_ERRORS_BASELINE:
		snprintf(buf, len, "errors over baseline +%g %% for %d s", c->deploy.error_over_baseline * 100, s);
		break;
	case DRULE_P95_SLO:
		snprintf(buf, len, "P95 over %d ms SLO +%d %% for %d s", c->policy.p95_ms,
		         c->deploy.p95_over_slo_pct, s);
		break;
	case DRULE_QUEUE_GROWING:
		snprintf(buf, len, "offline queue growing for %d s", s);
		break;
	case DRULE_FAST_ERRORS:
		snprintf(buf, len, "errors over %g %% (SEV-2) for %d s", c->deploy.fast_error_ratio * 100, s);
		break;
	case DRULE_FAST_P99:
		snprintf(buf, len, "P99 over %dx %d ms SLO for %d s", c->deploy.fast_p99_factor, c->policy.p99_ms, s);
		break;
	case DRULE_NO_READY:
		snprintf(buf, len, "no ready pod behind service for %d s", s);
		break;
	default:
		snprintf(buf, len, "?");
	}
}

void deploywatch_init(struct deploywatch *d, const struct config *cfg)
{
	memset(d, 0, sizeof *d);
	d->cfg = cfg;
	d->last_active = -1;
	d->fast_errors = d->fast_p99 = NAN;
	d->last_queue = NAN;
	for (int i = 0; i < MET_COUNT; i++)
		d->baseline[i] = NAN;
	for (int i = 0; i < DCAP_COUNT; i++)
		d->cap[i].value = d->cap[i].sample = NAN;
}

void deploywatch_fast(struct deploywatch *d, double errors, double p99, int64_t now_ms)
{
	d->fast_errors = errors;
	d->fast_p99 = p99;
	d->fast_ms = now_ms;
}

static bool watching(const struct deploywatch *d)
{
	return d->stage == DEPLOY_SWITCHED || d->stage == DEPLOY_MONITOR;
}

static void set_stage(struct deploywatch *d, enum deploy_stage s, int64_t now_ms, unsigned *ev)
{
	if (d->stage == s)
		return;
	d->stage = s;
	d->stage_since_ms = now_ms;
	*ev |= DEPLOY_EV_STAGE;
}

static void baseline_add(struct deploywatch *d, const struct model_metrics *mm)
{
	for (int i = 0; i < MET_COUNT; i++) {
		double v = mm->s[i].last;

		/* no 5xx series at all is a ratio of 0, not a gap */
		if (i == MET_ERRORS && isnan(v) && !mm->s[i].error[0] && !isnan(mm->s[MET_RPS].last))
			v = 0;
		if (isnan(v) || isinf(v))
			continue;
		if (d->base_n[i] >= BASE_MAX) {   /* keep it recent: halve the weight of the past */
			d->base_sum[i] /= 2;
			d->base_n[i] /= 2;
		}
		d->base_sum[i] += v;
		d->base_n[i]++;
	}
}

static void baseline_freeze(struct deploywatch *d)
{
	d->has_baseline = false;
	for (int i = 0; i < MET_COUNT; i++) {
		d->baseline[i] = d->base_n[i] ? d->base_sum[i] / d->base_n[i] : NAN;
		if (d->base_n[i])
			d->has_baseline = true;
	}
}

static void switch_seen(struct deploywatch *d, const struct slots_state *st, int from, int to, int64_t now_ms)
{
	snprintf(d->from_slot, sizeof d->from_slot, "%s", st->slot[from].name);
	snprintf(d->to_slot, sizeof d->to_slot, "%s", st->slot[to].name);
	snprintf(d->from_version, sizeof d->from_version, "%s", st->slot[from].tag);
	snprintf(d->to_version, sizeof d->to_version, "%s", st->slot[to].tag);
	d->to_revision = st->slot[to].revision;
	d->switch_ms = now_ms;
	baseline_freeze(d);
	memset(d->rule, 0, sizeof d->rule);
	d->recommend = false;
	d->reason[0] = '\0';
	d->fast_errors = d->fast_p99 = NAN;
	d->last_queue = NAN;
}

/* Stages outside a window come from the slot model's own phase. */
static enum deploy_stage phase_stage(const struct slots_state *st)
{
	switch (st->phase) {
	case SLOTS_PHASE_STEADY: return DEPLOY_IDLE;
	case SLOTS_PHASE_DEPLOY_START: return DEPLOY_SCALING;
	case SLOTS_PHASE_SMOKE_TEST: return DEPLOY_READY;
	case SLOTS_PHASE_FINALIZE: return DEPLOY_PASSED;
	default: return DEPLOY_UNKNOWN;
	}
}

static enum deploy_stage phase_stage(const struct slots_state *st);

static bool holds_rolled_back(const struct deploywatch *d, const struct slots_state *st)
{
	int sb = slots_standby(st);

	return sb >= 0 && strcmp(st->slot[sb].name, d->to_slot) == 0 && strcmp(st->slot[sb].tag, d->to_version) == 0 &&
	       (!d->to_revision || st->slot[sb].revision == d->to_revision);
}

void deploywatch_recorded_rollback(struct deploywatch *d, const char *from_slot, const char *to_slot,
                                   int64_t wall_ms)
{
	snprintf(d->rb_from, sizeof d->rb_from, "%s", from_slot);
	snprintf(d->rb_to, sizeof d->rb_to, "%s", to_slot);
	d->rb_wall_ms = wall_ms;
}

/* The first read finds the standby ready with no traffic: after a recorded
 * rollback away from that slot, and no rollout on it since, it holds what
 * was rolled back, not a new version awaiting its smoke test. The stage is
 * what the cluster shows, not news: no event, no timeline line. */
static void recall_rollback(struct deploywatch *d, const struct slots_state *st, int64_t now_ms)
{
	int active = st->active, sb = slots_standby(st);

	if (!d->rb_wall_ms || d->last_active >= 0 || active < 0 || sb < 0 || st->nslots != 2 ||
	    phase_stage(st) != DEPLOY_READY || strcmp(st->slot[active].name, d->rb_to) != 0 ||
	    strcmp(st->slot[sb].name, d->rb_from) != 0 ||
	    (st->slot[sb].progress_wall_ms && st->slot[sb].progress_wall_ms > d->rb_wall_ms))
		return;
	snprintf(d->from_slot, sizeof d->from_slot, "%s", st->slot[active].name);
	snprintf(d->from_version, sizeof d->from_version, "%s", st->slot[active].tag);
	snprintf(d->to_slot, sizeof d->to_slot, "%s", st->slot[sb].name);
	snprintf(d->to_version, sizeof d->to_version, "%s", st->slot[sb].tag);
	d->to_revision = st->slot[sb].revision;
	d->stage = DEPLOY_ROLLED_BACK;
	d->stage_since_ms = now_ms;
}

static void stages(struct deploywatch *d, const struct slots_state *st, int64_t now_ms, unsigned *ev)
{
	int active = st->active;
	int64_t window = (int64_t)d->cfg->deploy.window_s * 1000;

	if (st->nslots == 2 && active >= 0 && d->last_active >= 0 && active != d->last_active) {
		bool back = (watching(d) || d->stage == DEPLOY_PASSED) && strcmp(st->slot[active].name, d->from_slot) == 0;

		if (back) {
			set_stage(d, DEPLOY_ROLLED_BACK, now_ms, ev);
		} else {
			switch_seen(d, st, d->last_active, active, now_ms);
			set_stage(d, DEPLOY_SWITCHED, now_ms, ev);
		}
	}
	if (d->adopt && d->last_active < 0 && active >= 0 && st->nslots == 2 && phase_stage(st) == DEPLOY_PASSED) {
		int from = slots_standby(st);

		if (from >= 0) {
			switch_seen(d, st, from, active, now_ms);
			set_stage(d, DEPLOY_SWITCHED, now_ms, ev);
		}
	}
	recall_rollback(d, st, now_ms);
	if (active >= 0)
		d->last_active = active;

	if (watching(d)) {
		int64_t took = now_ms - d->switch_ms;

		d->window_left_ms = took < window ? window - took : 0;
		if (took < window || d->recommend)
			set_stage(d, slots_traffic_only_on(st, active) ? DEPLOY_MONITOR : DEPLOY_SWITCHED, now_ms, ev);
		else
			set_stage(d, DEPLOY_PASSED, now_ms, ev);
		return;
	}
	if (d->stage == DEPLOY_PASSED && d->switch_ms) {
		int from = slots_index(st, d->from_slot);

		if (from >= 0 && st->slot[from].desired == 0 && st->slot[from].replicas == 0)
			set_stage(d, DEPLOY_FINALIZED, now_ms, ev);
		return;
	}
	{
		enum deploy_stage s = phase_stage(st);

		/* a finished deployment stays on screen until the next one begins */
		if ((d->stage == DEPLOY_FINALIZED || d->stage == DEPLOY_ROLLED_BACK) && s != DEPLOY_SCALING &&
		    s != DEPLOY_READY)
			return;
		/* after a rollback the standby still holds what was rolled back:
		 * no new version awaits a smoke test until that slot changes */
		if (d->stage == DEPLOY_ROLLED_BACK && s == DEPLOY_READY && holds_rolled_back(d, st))
			return;
		if (s != DEPLOY_UNKNOWN)
			set_stage(d, s, now_ms, ev);
	}
}

static double base_or(const struct deploywatch *d, enum metric_id id, double dflt)
{
	double b = d->baseline[id];

	return isnan(b) ? dflt : b;
}

static void hold(struct deploy_rule_state *r, bool holds, double value, double limit, int64_t now_ms)
{
	r->value = value;
	r->limit = limit;
	if (holds) {
		if (!r->holds)
			r->since_ms = now_ms;
		r->holds = true;
		r->samples++;
	} else {
		r->holds = false;
		r->since_ms = 0;
		r->samples = 0;
	}
}

static void reason(struct deploywatch *d, enum deploy_rule r, int64_t now_ms)
{
	const struct deploy_rule_state *s = &d->rule[r];
	long secs = (long)((now_ms - s->since_ms + 500) / 1000);
	double be = base_or(d, MET_ERRORS, 0) * 100;

	switch (r) {
	case DRULE_ERRORS_BASELINE:
	case DRULE_FAST_ERRORS:
		snprintf(d->reason, sizeof d->reason, "error ratio %.1f %% vs baseline %.1f %% for %ld s", s->value * 100,
		         be, secs);
		break;
	case DRULE_P95_SLO:
		snprintf(d->reason, sizeof d->reason, "P95 %.0f ms vs SLO %d ms for %ld s", s->value * 1000,
		         d->cfg->policy.p95_ms, secs);
		break;
	case DRULE_QUEUE_GROWING:
		snprintf(d->reason, sizeof d->reason, "offline queue grew to %.0f items (baseline %.0f) for %ld s",
		         s->value, base_or(d, MET_QUEUE, 0), secs);
		break;
	case DRULE_FAST_P99:
		snprintf(d->reason, sizeof d->reason, "P99 %.0f ms vs SLO %d ms for %ld s", s->value * 1000,
		         d->cfg->policy.p99_ms, secs);
		break;
	case DRULE_NO_READY:
		snprintf(d->reason, sizeof d->reason, "no ready pod behind the service for %ld s", secs);
		break;
	default:
		break;
	}
}

static void rules(struct deploywatch *d, const struct slots_state *st, const struct model_metrics *mm,
                  int64_t now_ms, unsigned *ev)
{
	const struct config *c = d->cfg;
	bool fresh = d->fast_ms && now_ms - d->fast_ms < FAST_FRESH_MS;
	/* the worse of the new slot's own record and the service's last minute */
	double e = fresh ? fmax(d->fast_errors, mm->s[MET_ERRORS].last) : mm->s[MET_ERRORS].last;
	double p99 = fresh ? fmax(d->fast_p99, mm->s[MET_P99].last) : mm->s[MET_P99].last;
	double p95 = mm->s[MET_P95].last, q = mm->s[MET_QUEUE].last;
	double be = base_or(d, MET_ERRORS, 0), bq = base_or(d, MET_QUEUE, 0);
	double lim;

	lim = fmax(be * (1 + c->deploy.error_over_baseline), c->policy.error_ratio_alert);
	hold(&d->rule[DRULE_ERRORS_BASELINE], !isnan(e) && e > lim, e, lim, now_ms);
	lim = c->policy.p95_ms / 1000.0 * (1 + c->deploy.p95_over_slo_pct / 100.0);
	hold(&d->rule[DRULE_P95_SLO], !isnan(p95) && p95 > lim, p95, lim, now_ms);
	{
		bool grows = !isnan(q) && q > bq && !isnan(d->last_queue) &&
		             (q > d->last_queue || (q >= d->last_queue && d->rule[DRULE_QUEUE_GROWING].holds));

		hold(&d->rule[DRULE_QUEUE_GROWING], grows, q, bq, now_ms);
		if (!isnan(q))
			d->last_queue = q;
	}
	lim = c->deploy.fast_error_ratio;
	hold(&d->rule[DRULE_FAST_ERRORS], !isnan(e) && e > lim, e, lim, now_ms);
	lim = c->policy.p99_ms / 1000.0 * c->deploy.fast_p99_factor;
	hold(&d->rule[DRULE_FAST_P99], !isnan(p99) && p99 > lim, p99, lim, now_ms);
	if (st && st->updated_ms && !st->last_error[0] && st->active >= 0)
		hold(&d->rule[DRULE_NO_READY], st->slot[st->active].pods_ready == 0 && st->endpoints_ready == 0,
		     st->slot[st->active].pods_ready, 1, now_ms);

	for (int r = 0; r < DRULE_COUNT; r++) {
		struct deploy_rule_state *s = &d->rule[r];

		/* two samples at least: one noisy scrape is not a breach */
		if (!s->holds || s->samples < 2 || now_ms - s->since_ms < sustain_ms(d, r))
			continue;
		s->fired = true;
		if (!d->recommend) {
			d->recommend = true;
			d->reason_rule = r;
			d->recommend_ms = now_ms;
			reason(d, r, now_ms);
			*ev |= DEPLOY_EV_RECOMMEND;
		}
	}
}

unsigned deploywatch_step(struct deploywatch *d, const struct slots_state *st, const struct model_metrics *mm,
                          int64_t now_ms)
{
	unsigned ev = 0;
	bool slots_ok = st && st->updated_ms && !st->last_error[0];
	bool fresh_slots = slots_ok && st->generation != d->slots_gen;
	bool fresh_metrics = mm && (mm->updated_ms != d->seen_metrics_ms || d->fast_ms != d->seen_fast_ms);

	if (fresh_slots) {
		d->slots_gen = st->generation;
		stages(d, st, now_ms, &ev);
	} else if (watching(d) && d->switch_ms) {
		int64_t took = now_ms - d->switch_ms, window = (int64_t)d->cfg->deploy.window_s * 1000;

		d->window_left_ms = took < window ? window - took : 0;
	}
	/* each rule counts samples: only a new one moves it */
	if (mm && (fresh_metrics || fresh_slots)) {
		if (watching(d))
			rules(d, slots_ok ? st : NULL, mm, now_ms, &ev);
		else if (d->stage != DEPLOY_PASSED && mm->updated_ms != d->seen_metrics_ms)
			baseline_add(d, mm);
		deploywatch_capacity_step(d, mm, now_ms, &ev);
		d->seen_metrics_ms = mm->updated_ms;
		d->seen_fast_ms = d->fast_ms;
	}
	return ev;
}

bool deploywatch_matrix_due(const struct deploywatch *d, const struct slots_state *st, unsigned ev,
                            enum deploy_matrix_when when, char *slot, size_t len)
{
	const struct deploy_matrix *mx = &d->matrix[when < DMATRIX_COUNT ? when : 0];
	int standby;

	if (!(ev & DEPLOY_EV_STAGE) || !st || when >= DMATRIX_COUNT)
		return false;
	if (when == DMATRIX_BEFORE && d->stage == DEPLOY_READY && (standby = slots_standby(st)) >= 0) {
		snprintf(slot, len, "%s", st->slot[standby].name);
		return true;
	}
	if (!watching(d) || !d->to_slot[0] || !d->switch_ms || mx->switch_ms == d->switch_ms)
		return false;
	/* the smoke test went by unseen (ready and switched between two polls) */
	if (when == DMATRIX_BEFORE && mx->switch_ms != -1) {
		snprintf(slot, len, "%s", d->to_slot);
		return true;
	}
	/* the window opens once traffic is only on the new slot: its pods, as served */
	if (when == DMATRIX_AFTER && d->stage == DEPLOY_MONITOR) {
		snprintf(slot, len, "%s", d->to_slot);
		return true;
	}
	return false;
}

void deploywatch_banner(const struct deploywatch *d, char *buf, size_t len)
{
	if (d && d->recommend && watching(d))
		snprintf(buf, len, "Rollback recommended: %s - {rollback} to roll back", d->reason);
	else if (len)
		buf[0] = '\0';
}

static const char *const checklist[] = {
	"All unit tests passing (CI gate)",
	"All integration tests passing (CI gate)",
	"Trivy scan: no CRITICAL vulnerabilities",
	"Image signed with Cosign",
	"Image tag matches Git SHA",
	"ConfigMap changes reviewed (if any)",
	"Secret changes sealed and committed (if any)",
	"Monitoring dashboard accessible",
	"On-call engineer identified and notified",
};

const char *const *deploywatch_checklist(size_t *n)
{
	*n = sizeof checklist / sizeof checklist[0];
	return checklist;
}

size_t deploywatch_checklist_ticked(const struct timeline_event *ev, size_t n, bool *ticked, size_t nitems)
{
	size_t count = 0;

	memset(ticked, 0, nitems * sizeof *ticked);
	for (size_t i = 0; i < n; i++) {
		int item;

		/* a finished deployment starts the next list empty */
		if (strcmp(ev[i].kind, "deploy") == 0 && (strncmp(ev[i].summary, "Deployment finalized", 20) == 0 ||
		                                          strncmp(ev[i].summary, "Deployment rolled back", 22) == 0))
			break;
		if (strcmp(ev[i].kind, "checklist") != 0 || sscanf(ev[i].summary, "checklist %d/", &item) != 1)
			continue;
		if (item >= 1 && (size_t)item <= nitems && !ticked[item - 1]) {
			ticked[item - 1] = true;
			count++;
		}
	}
	return count;
}
