/* The deployment model's engine: the stage from the slots and what history
 * says of the switch, the rules that judge the live slot, and the
 * recommendation from its first breach to how it ended. No I/O here:
 * core/deploy/deploy_core.c feeds it and records what it decides, and
 * core/deploy/deploy_history.c turns history into its evidence. */
#include "warroom/deploy.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/config.h"
#include "warroom/slots.h"
#include "warroom/text.h"

#include "deploy_priv.h"

#define AGREE_MS 5000                          /* two answers this close are one switch */
#define FAST_FRESH_MS 10000                    /* an older sample of the live slot is no measurement */
#define FINISHED_HOLD_MS (60 * 60 * 1000)      /* a finished deployment stays on screen this long */

static void rules_reset(struct deploy *d)
{
	memset(d->rule, 0, sizeof d->rule);
	for (int r = 0; r < DRULE_COUNT; r++)
		d->rule[r].value = d->rule[r].limit = NAN;
}

void deploy_init(struct deploy *d, const struct config *cfg)
{
	memset(d, 0, sizeof *d);
	d->cfg = cfg;
	d->last_active = -1;
	d->fast_errors = d->fast_p99 = NAN;
	d->last_queue = NAN;
	rules_reset(d);
	for (int i = 0; i < MET_COUNT; i++)
		d->baseline[i] = NAN;
	for (int i = 0; i < DCAP_COUNT; i++)
		d->cap[i].value = d->cap[i].sample = NAN;
}

void deploy_fast(struct deploy *d, const char *slot, double errors, double p99, int64_t now_ms)
{
	text_copy(d->fast_slot, sizeof d->fast_slot, slot);
	d->fast_errors = errors;
	d->fast_p99 = p99;
	d->fast_ms = now_ms;
}

static bool in_window(const struct deploy *d)
{
	return d->stage == DEPLOY_SWITCHED || d->stage == DEPLOY_MONITORING;
}

static void set_stage(struct deploy *d, enum deploy_stage s, int64_t now_ms, unsigned *ev)
{
	if (d->stage == s)
		return;
	d->stage = s;
	d->stage_since_ms = now_ms;
	*ev |= DEPLOY_EV_STAGE;
}

/* When a slot's current build went up: its ReplicaSet's creation, or its
 * oldest pod when later (a ReplicaSet reused for a template seen before
 * keeps its old creation time; its pods are new). 0 unknown. */
static int64_t build_of(const struct deploy *d, const struct slots_state *st, int slot)
{
	int64_t rs = 0, pod = 0;

	for (int i = 0; i < SLOTS_MAX; i++)
		if (d->ev.build_slot[i][0] && strcmp(d->ev.build_slot[i], st->slot[slot].name) == 0)
			rs = d->ev.build_ms[i];
	for (size_t i = 0; i < st->npods; i++)
		if (st->pods[i].slot == slot && !st->pods[i].terminating && st->pods[i].created_wall_ms &&
		    (!pod || st->pods[i].created_wall_ms < pod))
			pod = st->pods[i].created_wall_ms;
	return pod > rs ? pod : rs;
}

static bool standby_up(const struct slots_slot *s)
{
	return s->found && (s->desired > 0 || s->replicas > 0);
}

/* The recorded rollback still describes the cluster: traffic on the slot it
 * went to, no switch since, and the slot it left not rolled out again. */
static bool rollback_current(const struct deploy *d, const struct slots_state *st, int64_t sw)
{
	int a = st->active, s = slots_standby(st);

	if (!d->rb.known || a < 0 || strcmp(d->rb.to_slot, st->slot[a].name) != 0 ||
	    (sw && d->rb.wall_ms < sw - AGREE_MS))
		return false;
	/* the slot it left rolled out again since: that memory is old, unless
	 * it is at 0 (a scale-down after a rollback may reset its image too) */
	return s < 0 || !d->rb.from_revision || strcmp(st->slot[s].name, d->rb.from_slot) != 0 ||
	       st->slot[s].revision == d->rb.from_revision || !standby_up(&st->slot[s]);
}

static void ended(struct deploy *d, int64_t now_ms, unsigned *ev, const char *fmt, const char *arg)
{
	if (!d->recommend)
		return;
	d->recommend = false;
	text_copy(d->ended_reason, sizeof d->ended_reason, d->reason);
	snprintf(d->ended, sizeof d->ended, fmt, arg);
	d->ended_ms = now_ms;
	*ev |= DEPLOY_EV_ENDED;
}

/* A new switch: its from and to, and rules, baseline and recovery anew. */
static void new_switch(struct deploy *d, const struct slots_state *st, int a, int s, int64_t now_ms,
                       unsigned *ev)
{
	const struct slots_slot *to = &st->slot[a];

	text_copy(d->to_slot, sizeof d->to_slot, to->name);
	text_copy(d->to_version, sizeof d->to_version, to->tag);
	d->to_revision = to->revision;
	text_copy(d->from_slot, sizeof d->from_slot, s >= 0 ? st->slot[s].name : "");
	text_copy(d->from_version, sizeof d->from_version, s >= 0 ? st->slot[s].tag : "");
	if (d->seen_switch_ms && d->recommend && strcmp(d->last_active_name, to->name) != 0)
		ended(d, now_ms, ev, "acted on: traffic on %s", to->name);
	rules_reset(d);
	d->declined = false;
	d->breach = false;
	d->has_baseline = false;
	d->baseline_asked = false;
	d->baseline_note[0] = '\0';
	for (int i = 0; i < MET_COUNT; i++)
		d->baseline[i] = NAN;
	d->recovered = false;
	d->last_queue = NAN;
	*ev |= DEPLOY_EV_SWITCH;
}

/* Traffic went back to the older build after the newer one was made: a
 * rollback, whoever made it. Remembered as one the model saw. */
static bool inferred_rollback(struct deploy *d, const struct slots_state *st, int a, int s, int64_t sw)
{
	int64_t ba = build_of(d, st, a), bs = build_of(d, st, s);
	/* a deployment switches to the newer build of the two: traffic back to
	 * the older one, after the newer one went up, is a rollback; once the
	 * slot it left is at 0 (its build gone), traffic back to a build made
	 * before the switch before it is */
	bool older_than_standby = ba && bs && bs > ba && sw >= bs && standby_up(&st->slot[s]);
	bool older_than_before = ba && d->before_ms && ba < d->before_ms && sw > d->before_ms &&
	                         !standby_up(&st->slot[s]);

	if (!sw || !(older_than_before || older_than_standby))
		return false;
	if (!rollback_current(d, st, sw)) {
		memset(&d->rb, 0, sizeof d->rb);
		d->rb.known = true;
		text_copy(d->rb.from_slot, sizeof d->rb.from_slot, st->slot[s].name);
		/* what it left is known while that slot still runs it */
		if (standby_up(&st->slot[s])) {
			text_copy(d->rb.from_version, sizeof d->rb.from_version, st->slot[s].tag);
			d->rb.from_revision = st->slot[s].revision;
		}
		text_copy(d->rb.to_slot, sizeof d->rb.to_slot, st->slot[a].name);
		text_copy(d->rb.to_version, sizeof d->rb.to_version, st->slot[a].tag);
		d->rb.wall_ms = sw;
		text_copy(d->rb.by, sizeof d->rb.by, d->switch_by);
		/* the breach that called for it: standing, or just acted on */
		if (d->recommend)
			text_copy(d->rb.reason, sizeof d->rb.reason, d->reason);
		else if (d->ended_ms && llabs(d->ended_ms - sw) < 60000 && strncmp(d->ended, "acted on", 8) == 0)
			text_copy(d->rb.reason, sizeof d->rb.reason, d->ended_reason);
	}
	return true;
}

/* Endpoints of the other slot still listed: the switch is settling. */
static bool settling(const struct slots_state *st, int a)
{
	for (size_t i = 0; i < st->nendpoints; i++)
		if (st->endpoints[i].slot != a)
			return true;
	return false;
}

static void window_stage(struct deploy *d, const struct slots_state *st, int a, int64_t now_ms, unsigned *ev)
{
	int64_t took = now_ms - d->switch_ms;

	d->window_left_ms = took < d->window_ms ? d->window_ms - took : 0;
	if (took < d->window_ms || d->recommend)
		set_stage(d, settling(st, a) ? DEPLOY_SWITCHED : DEPLOY_MONITORING, now_ms, ev);
	else
		set_stage(d, DEPLOY_PASSED, now_ms, ev);
}

static void derive(struct deploy *d, const struct slots_state *st, bool fresh, int64_t now_ms, unsigned *ev)
{
	int a = st->active, s = slots_standby(st);
	enum deploy_source src;
	bool bound;
	int64_t sw, ba, bs;
	const struct slots_slot *sb;
	bool newer;

	d->window_ms = (int64_t)d->cfg->deploy.window_s * 1000;
	d->blue_green = st->nslots == 2;
	if (st->rollout.name[0]) {
		int to, from;
		enum deploy_stage stage = deploy_rollout_stage(d, st, now_ms, &to, &from);

		if (stage != DEPLOY_UNKNOWN && strcmp(d->last_active_name, st->slot[to].name) != 0 && !d->rollback_switch)
			new_switch(d, st, to, from, now_ms, ev);
		if (stage != DEPLOY_UNKNOWN && !d->rollback_switch)
			text_copy(d->last_active_name, sizeof d->last_active_name, st->slot[to].name);
		set_stage(d, stage, now_ms, ev);
		return;
	}
	if (!st->service_found || a < 0) {
		set_stage(d, DEPLOY_UNKNOWN, now_ms, ev);
		return;
	}
	if (!d->blue_green) {
		set_stage(d, st->slot[a].rollout_complete ? DEPLOY_STEADY : DEPLOY_DEPLOYING, now_ms, ev);
		return;
	}
	if (fresh && d->last_active >= 0 && a != d->last_active) {
		/* a watch says when its event arrived; a poll, when the step ran */
		d->ev.at[DSRC_SEEN] = st->active_seen_wall_ms ? st->active_seen_wall_ms : now_ms;
		text_copy(d->ev.active[DSRC_SEEN], sizeof d->ev.active[0], st->slot[a].name);
	}
	if (fresh)
		d->last_active = a;
	/* the active slot's build went up before its switch: the weakest answer */
	d->ev.at[DSRC_REPLICASET] = build_of(d, st, a);
	text_copy(d->ev.active[DSRC_REPLICASET], sizeof d->ev.active[0], st->slot[a].name);
	if (st->selector_set_wall_ms) {
		d->ev.at[DSRC_MANAGED_FIELDS] = st->selector_set_wall_ms;
		text_copy(d->ev.by[DSRC_MANAGED_FIELDS], sizeof d->ev.by[0], st->selector_manager);
		text_copy(d->ev.active[DSRC_MANAGED_FIELDS], sizeof d->ev.active[0], st->slot[a].name);
	}
	sw = deploy_pick_switch(&d->ev, st->slot[a].name, &src, &bound);
	if (sw && (!d->seen_switch_ms || strcmp(d->last_active_name, st->slot[a].name) != 0 ||
	           llabs(sw - d->seen_switch_ms) > AGREE_MS))
		new_switch(d, st, a, s, now_ms, ev);
	else if (!sw && strcmp(d->last_active_name, st->slot[a].name) != 0)
		new_switch(d, st, a, s, now_ms, ev);
	text_copy(d->last_active_name, sizeof d->last_active_name, st->slot[a].name);
	d->seen_switch_ms = sw ? sw : d->seen_switch_ms;
	d->switch_ms = sw;
	d->before_ms = sw ? deploy_switch_before(&d->ev, st->slot[a].name, sw) : 0;
	/* a recorded rollback to the other slot is a switch before this one too */
	if (sw && d->rb.known && strcmp(d->rb.to_slot, st->slot[a].name) != 0 && d->rb.wall_ms <= sw &&
	    d->rb.wall_ms > d->before_ms)
		d->before_ms = d->rb.wall_ms;
	d->switch_source = src;
	d->switch_bound = bound;
	text_copy(d->switch_by, sizeof d->switch_by, d->ev.by[src]);
	/* the standby's side as it is now (a scale-down keeps its version) */
	text_copy(d->from_slot, sizeof d->from_slot, st->slot[s].name);
	text_copy(d->from_version, sizeof d->from_version, st->slot[s].tag);
	text_copy(d->to_version, sizeof d->to_version, st->slot[a].tag);
	d->to_revision = st->slot[a].revision;

	sb = &st->slot[s];
	ba = build_of(d, st, a);
	bs = build_of(d, st, s);
	newer = ba && bs ? bs > ba : slots_standby_newer(st);
	d->rollback_switch = rollback_current(d, st, sw) || inferred_rollback(d, st, a, s, sw);
	d->window_left_ms = 0;

	/* a new version on the standby, made after the last switch: [5], [6] */
	if (standby_up(sb) && newer && (bs ? !sw || bs > sw + AGREE_MS : !d->rollback_switch)) {
		bool ready = sb->rollout_complete && sb->ready >= sb->desired && sb->desired > 0 &&
		             (st->npods == 0 || sb->pods_ready >= sb->desired);

		set_stage(d, ready ? DEPLOY_READY : DEPLOY_DEPLOYING, now_ms, ev);
		return;
	}
	if (d->rollback_switch) {
		/* rolled back while the slot it left still runs; once that is at 0
		 * the rollback is done and nothing is under way */
		set_stage(d, standby_up(sb) ? DEPLOY_ROLLED_BACK : DEPLOY_STEADY, now_ms, ev);
		return;
	}
	if (!sw) {
		/* nothing says when: an old slot still up means a switch went by */
		set_stage(d, standby_up(sb) ? DEPLOY_PASSED : DEPLOY_STEADY, now_ms, ev);
		return;
	}
	if (now_ms - sw < d->window_ms || (d->recommend && in_window(d))) {
		window_stage(d, st, a, now_ms, ev);
		return;
	}
	if (standby_up(sb)) {
		set_stage(d, DEPLOY_PASSED, now_ms, ev);
		return;
	}
	/* the old slot is at 0: finalized, and after a while just steady */
	set_stage(d, now_ms - sw < d->window_ms + FINISHED_HOLD_MS && !bound ? DEPLOY_FINALIZED : DEPLOY_STEADY,
	          now_ms, ev);
}

/* ---- rules ---- */

static bool fast_rule(enum deploy_rule r)
{
	return r >= DRULE_FAST_ERRORS;
}

static int64_t sustain_ms(const struct deploy *d, enum deploy_rule r)
{
	return (int64_t)(fast_rule(r) ? d->cfg->deploy.fast_sustain_s : d->cfg->deploy.sustain_s) * 1000;
}

static double base_or(const struct deploy *d, enum metric_id id, double dflt)
{
	double b = d->baseline[id];

	return isnan(b) ? dflt : b;
}

static void hold(struct deploy_rule_state *r, bool holds, double value, double limit, int64_t now_ms,
                 unsigned *ev)
{
	r->value = value;
	r->limit = limit;
	if (holds) {
		if (!r->holds) {
			r->since_wall_ms = now_ms;
			*ev |= DEPLOY_EV_RULE;
		}
		r->holds = true;
		r->samples++;
	} else {
		if (r->holds || r->fired)
			*ev |= DEPLOY_EV_RULE;
		r->holds = false;
		r->fired = false;
		r->since_wall_ms = 0;
		r->samples = 0;
	}
}

double deploy_rule_limit(const struct deploy *d, enum deploy_rule r)
{
	const struct config *c = d->cfg;

	switch (r) {
	case DRULE_ERRORS_BASELINE:
		return fmax(base_or(d, MET_ERRORS, 0) * (1 + c->deploy.error_over_baseline), c->policy.error_ratio_alert);
	case DRULE_P95_SLO:
		return c->policy.p95_ms / 1000.0 * (1 + c->deploy.p95_over_slo_pct / 100.0);
	case DRULE_QUEUE_GROWING:
		return base_or(d, MET_QUEUE, 0);
	case DRULE_FAST_ERRORS:
		return c->deploy.fast_error_ratio;
	case DRULE_FAST_P99:
		return c->policy.p99_ms / 1000.0 * c->deploy.fast_p99_factor;
	default:
		return 1;
	}
}

/* When the last of the slot's pods stopped being ready (their Ready
 * condition's lastTransitionTime), 0 when the API did not say. */
static int64_t unready_since(const struct slots_state *st, int slot)
{
	int64_t t = 0;

	for (size_t i = 0; i < st->npods; i++)
		if (st->pods[i].slot == slot && st->pods[i].ready_changed_wall_ms > t)
			t = st->pods[i].ready_changed_wall_ms;
	return t;
}

static void rules(struct deploy *d, const struct slots_state *st, const struct model_metrics *mm,
                  bool new_slots, bool new_metrics, bool new_fast, int64_t now_ms, unsigned *ev)
{
	const char *live = st && st->active >= 0 ? st->slot[st->active].name : d->to_slot;
	bool fresh = d->fast_ms && now_ms - d->fast_ms < FAST_FRESH_MS && strcmp(d->fast_slot, live) == 0;
	double e = NAN, p99 = NAN;

	/* the live slot's own signals; the service's 1-minute ones while it has none */
	if (fresh && (new_fast || new_metrics)) {
		e = d->fast_errors;
		p99 = d->fast_p99;
	} else if (!fresh && mm && new_metrics) {
		e = mm->s[MET_ERRORS].last;
		p99 = mm->s[MET_P99].last;
	}
	if (fresh ? (new_fast || new_metrics) : (mm && new_metrics)) {
		hold(&d->rule[DRULE_FAST_ERRORS], !isnan(e) && e > deploy_rule_limit(d, DRULE_FAST_ERRORS), e,
		     deploy_rule_limit(d, DRULE_FAST_ERRORS), now_ms, ev);
		hold(&d->rule[DRULE_FAST_P99], !isnan(p99) && p99 > deploy_rule_limit(d, DRULE_FAST_P99), p99,
		     deploy_rule_limit(d, DRULE_FAST_P99), now_ms, ev);
	}
	if (st && new_slots && st->active >= 0) {
		struct deploy_rule_state *r = &d->rule[DRULE_NO_READY];
		bool none = st->slot[st->active].pods_ready == 0 && st->endpoints_ready == 0;
		bool first = !r->holds;

		hold(r, none, st->slot[st->active].pods_ready, 1, now_ms, ev);
		/* the pods say since when: as if it had been watched */
		if (none && first && unready_since(st, st->active) && unready_since(st, st->active) < now_ms) {
			r->since_wall_ms = unready_since(st, st->active);
			r->samples = 2;
		}
	}
	if (st && new_slots && st->rollout.name[0]) {
		struct deploy_rule_state *r = &d->rule[DRULE_ANALYSIS];
		int64_t since;
		bool first = !r->holds, bad = deploy_rollout_analysis(st, d->analysis, sizeof d->analysis, &since);

		hold(r, bad, bad, 0, now_ms, ev);
		/* the run says since when: as if it had been watched */
		if (bad && first && since && since < now_ms) {
			r->since_wall_ms = since;
			r->samples = 2;
		}
	}
	if (!mm || !new_metrics)
		return;
	if (!in_window(d)) {
		/* the seeds' criteria belong to the window */
		for (int r = DRULE_ERRORS_BASELINE; r <= DRULE_QUEUE_GROWING; r++)
			hold(&d->rule[r], false, NAN, deploy_rule_limit(d, (enum deploy_rule)r), now_ms, ev);
		return;
	}
	{
		double ge = mm->s[MET_ERRORS].last, p95 = mm->s[MET_P95].last, q = mm->s[MET_QUEUE].last;
		double bq = base_or(d, MET_QUEUE, 0);
		bool grows = !isnan(q) && q > bq && !isnan(d->last_queue) &&
		             (q > d->last_queue || (q >= d->last_queue && d->rule[DRULE_QUEUE_GROWING].holds));

		hold(&d->rule[DRULE_ERRORS_BASELINE], !isnan(ge) && ge > deploy_rule_limit(d, DRULE_ERRORS_BASELINE), ge,
		     deploy_rule_limit(d, DRULE_ERRORS_BASELINE), now_ms, ev);
		hold(&d->rule[DRULE_P95_SLO], !isnan(p95) && p95 > deploy_rule_limit(d, DRULE_P95_SLO), p95,
		     deploy_rule_limit(d, DRULE_P95_SLO), now_ms, ev);
		hold(&d->rule[DRULE_QUEUE_GROWING], grows, q, bq, now_ms, ev);
		if (!isnan(q))
			d->last_queue = q;
	}
}

/* A rule's past from its signal's range (oldest first): how long it held. */
void deploy_rule_recall(struct deploy *d, enum deploy_rule r, const int64_t *t_ms, const double *v, size_t n,
                        int64_t now_ms)
{
	struct deploy_rule_state *s;
	double lim;
	size_t i;

	if (r >= DRULE_COUNT || !n)
		return;
	/* the seeds' criteria belong to the window */
	if (r < DRULE_FAST_ERRORS && d->stage != DEPLOY_SWITCHED && d->stage != DEPLOY_MONITORING)
		return;
	s = &d->rule[r];
	lim = deploy_rule_limit(d, r);
	/* the newest run of samples over the line, back from the last one; the
	 * queue's rule wants it growing too, not just over its baseline */
	for (i = n; i > 0 && !isnan(v[i - 1]) && v[i - 1] > lim &&
	     (r != DRULE_QUEUE_GROWING || i < 2 || v[i - 1] >= v[i - 2]); i--)
		;
	if (i == n || now_ms - t_ms[n - 1] > 30000)
		return;   /* not over the line now, or the range is stale */
	if (r == DRULE_QUEUE_GROWING) {
		if (n - i < 2 || v[n - 1] <= v[i])
			return;   /* flat is not growing */
		d->last_queue = v[n - 1];
	}
	if (s->holds && s->since_wall_ms && s->since_wall_ms <= t_ms[i])
		return;   /* watched longer than the range says */
	s->holds = true;
	s->since_wall_ms = t_ms[i];
	if (s->samples < (int)(n - i))
		s->samples = (int)(n - i);
	s->value = v[n - 1];
	s->limit = lim;
}

/* ---- the recommendation ---- */

static void target_none(struct deploy_target *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void target_none(struct deploy_target *t, const char *fmt, ...)
{
	va_list ap;

	t->ok = false;
	va_start(ap, fmt);
	vsnprintf(t->none, sizeof t->none, fmt, ap);
	va_end(ap);
}

static void ago(int64_t ms, char *buf, size_t len)
{
	text_age(ms > 0 ? ms : 0, buf, len);
}

/* What a rollback would go back to: the other slot running the previous
 * version, ready or at 0 (scaled up first); one deployment's previous
 * revision. Else why there is nothing. */
static void find_target(const struct deploy *d, const struct slots_state *st, int64_t now_ms,
                        struct deploy_target *t)
{
	int a = st->active, s = slots_standby(st);
	const struct slots_slot *sb;
	int64_t ba, bs;
	char age[16];

	memset(t, 0, sizeof *t);
	if (st->rollout.name[0]) {
		deploy_rollout_target(d, st, t);
		return;
	}
	if (a < 0) {
		target_none(t, "no slot serves traffic: nothing to roll back from");
		return;
	}
	if (st->nslots != 2) {
		const struct slots_slot *one = &st->slot[a];

		if (one->revision > 1) {
			t->ok = t->undo = true;
			text_copy(t->slot, sizeof t->slot, one->name);
			snprintf(t->version, sizeof t->version, "revision %ld", one->revision - 1);
		} else {
			target_none(t, "%s is at its first revision: no earlier one to roll back to", one->deployment);
		}
		return;
	}
	sb = &st->slot[s];
	if (!sb->found) {
		target_none(t, "the standby deployment %s does not exist: nothing to roll back to", sb->deployment);
		return;
	}
	if (!sb->tag[0] || strcmp(sb->tag, st->slot[a].tag) == 0) {
		target_none(t, "both slots run %s: nothing to roll back to", st->slot[a].tag[0] ? st->slot[a].tag : "?");
		return;
	}
	if (d->rb.known && strcmp(d->rb.from_slot, sb->name) == 0 && strcmp(d->rb.from_version, sb->tag) == 0 &&
	    rollback_current(d, st, d->switch_ms)) {
		ago(now_ms - d->rb.wall_ms, age, sizeof age);
		target_none(t, "%s runs %s, rolled back %s ago: nothing to roll back to", sb->name, sb->tag, age);
		return;
	}
	ba = build_of(d, st, a);
	bs = build_of(d, st, s);
	if ((ba && bs && bs > ba) || (!(ba && bs) && d->stage == DEPLOY_READY)) {
		target_none(t, "%s runs %s, a newer build not yet switched to: no previous version to roll back to",
		            sb->name, sb->tag);
		return;
	}
	if (sb->desired > 0 && sb->ready < sb->desired) {
		target_none(t, "%s (%s) has %d/%d ready pods: nothing ready to roll back to", sb->name, sb->tag,
		            sb->ready, sb->desired);
		return;
	}
	t->ok = true;
	t->scale_up = sb->desired == 0;
	text_copy(t->slot, sizeof t->slot, sb->name);
	text_copy(t->version, sizeof t->version, sb->tag);
}

static bool eligible(const struct deploy *d, enum deploy_rule r)
{
	return fast_rule(r) || in_window(d);
}

static void reason_of(struct deploy *d, enum deploy_rule r, int64_t now_ms)
{
	deploy_reason_words(d, r, now_ms, d->reason, sizeof d->reason);
}

/* The most severe first: no pod at all, the SEV-2 error line, P99, then
 * the seeds' criteria. */
static const enum deploy_rule severity[DRULE_COUNT] = {
	DRULE_NO_READY, DRULE_FAST_ERRORS, DRULE_ANALYSIS, DRULE_FAST_P99, DRULE_ERRORS_BASELINE, DRULE_P95_SLO,
	DRULE_QUEUE_GROWING,
};

static void recommendation(struct deploy *d, const struct slots_state *st, int64_t now_ms, unsigned *ev)
{
	int fired = -1;

	for (int i = 0; i < DRULE_COUNT; i++) {
		enum deploy_rule r = severity[i];
		struct deploy_rule_state *s = &d->rule[r];

		if (!eligible(d, r))
			continue;
		if (s->holds && s->samples >= 2 && now_ms - s->since_wall_ms >= sustain_ms(d, r)) {
			if (!s->fired)
				*ev |= DEPLOY_EV_RULE;
			s->fired = true;
			if (fired < 0)
				fired = (int)r;
		}
	}
	/* a declined breach may come back once it cleared */
	if (d->declined && !d->rule[d->declined_rule].holds)
		d->declined = false;
	if (d->recommend) {
		if (d->stage == DEPLOY_ROLLED_BACK && d->rollback_switch) {
			ended(d, now_ms, ev, "acted on: rolled back to %s", d->rb.to_slot);
		} else if (fired < 0) {
			ended(d, now_ms, ev, "%s", "breach cleared");
		} else {
			/* the reason is the worst breach that stands */
			d->reason_rule = (enum deploy_rule)fired;
			reason_of(d, d->reason_rule, now_ms);
			if (st)
				find_target(d, st, now_ms, &d->target);
			if (!d->target.ok) {
				ended(d, now_ms, ev, "no longer possible: %s", d->target.none);
				d->breach = true;
			}
		}
		return;
	}
	if (fired < 0 || !st) {
		d->breach = false;
		return;
	}
	find_target(d, st, now_ms, &d->target);
	d->reason_rule = (enum deploy_rule)fired;
	reason_of(d, d->reason_rule, now_ms);
	if (!d->target.ok) {
		if (!d->breach)
			*ev |= DEPLOY_EV_BREACH;
		d->breach = true;
		return;
	}
	d->breach = false;
	if (d->declined)
		return;
	d->recommend = true;
	d->recommend_ms = now_ms;
	d->ended[0] = '\0';
	*ev |= DEPLOY_EV_RECOMMEND;
}

void deploy_decline(struct deploy *d, const char *who, int64_t now_ms)
{
	unsigned ev = 0;

	if (!d->recommend)
		return;
	ended(d, now_ms, &ev, "declined by %s", who && *who ? who : "the operator");
	d->declined = true;
	d->declined_rule = d->reason_rule;
}

/* After a rollback: recovered once the service's signals are back under the
 * lines the baseline draws, two samples in a row. */
static void recovery(struct deploy *d, const struct model_metrics *mm, bool new_metrics, int64_t now_ms,
                     unsigned *ev)
{
	double e, p95;
	bool under;

	if (d->stage != DEPLOY_ROLLED_BACK || d->recovered || !mm || !new_metrics)
		return;
	e = mm->s[MET_ERRORS].last;
	p95 = mm->s[MET_P95].last;
	under = (isnan(e) || e <= deploy_rule_limit(d, DRULE_ERRORS_BASELINE)) &&
	        (isnan(p95) || p95 <= deploy_rule_limit(d, DRULE_P95_SLO)) && !(isnan(e) && isnan(p95));
	if (!under) {
		d->recovered_ms = 0;
		return;
	}
	if (!d->recovered_ms) {
		d->recovered_ms = now_ms;
		return;
	}
	d->recovered = true;
	*ev |= DEPLOY_EV_RECOVERED;
}

unsigned deploy_step(struct deploy *d, const struct slots_state *st, const struct model_metrics *mm,
                     int64_t now_ms)
{
	unsigned ev = 0;
	bool slots_ok = st && st->updated_ms && !st->last_error[0];
	bool new_slots = slots_ok && st->generation != d->slots_gen;
	bool new_metrics = mm && mm->updated_ms && mm->updated_ms != d->seen_metrics_ms;
	bool new_fast = d->fast_ms && d->fast_ms != d->seen_fast_ms;

	if (new_slots)
		d->slots_gen = st->generation;
	if (slots_ok)
		derive(d, st, new_slots, now_ms, &ev);
	if (new_slots || new_metrics || new_fast)
		rules(d, slots_ok ? st : NULL, mm, new_slots, new_metrics, new_fast, now_ms, &ev);
	recommendation(d, slots_ok ? st : NULL, now_ms, &ev);
	recovery(d, mm, new_metrics, now_ms, &ev);
	if (mm && new_metrics)
		deploy_capacity_step(d, mm, now_ms, &ev);
	if (mm)
		d->seen_metrics_ms = mm->updated_ms;
	d->seen_fast_ms = d->fast_ms;
	return ev;
}

bool deploy_matrix_due(const struct deploy *d, const struct slots_state *st, unsigned ev,
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
	if (!in_window(d) || !d->to_slot[0] || !d->switch_ms || mx->switch_ms == d->switch_ms)
		return false;
	/* the smoke test went by unseen (ready and switched between two polls) */
	if (when == DMATRIX_BEFORE && mx->switch_ms != -1) {
		snprintf(slot, len, "%s", d->to_slot);
		return true;
	}
	/* the window opens once traffic is only on the new slot: its pods, as served */
	if (when == DMATRIX_AFTER && d->stage == DEPLOY_MONITORING) {
		snprintf(slot, len, "%s", d->to_slot);
		return true;
	}
	return false;
}
