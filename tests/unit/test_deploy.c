/* The deployment model's engine: stages from the slots and what history says
 * of the switch, a window that runs from the switch whenever the model
 * began, fast rules that judge the live slot in any stage, a rollback that
 * ends the deployment (never a window the other way), and a recommendation
 * with its target or the words for why there is none. */
#include "testutil.h"

#include <math.h>

#include "warroom/config.h"
#include "warroom/deploy.h"
#include "warroom/model.h"
#include "warroom/slots.h"

#define T0 1795183500000LL          /* 2026-11-20T14:05:00Z: green 1.5.0 rolls out */
#define DAY (86400LL * 1000)
#define SWITCH (T0 + 30000)         /* traffic to green */

static struct config cfg;
static struct slots_state st;
static struct model_metrics mm;
static struct deploy d;

static void slot(int i, const char *name, const char *tag, int desired, int ready, long rev, int64_t built)
{
	struct slots_slot *s = &st.slot[i];

	snprintf(s->name, sizeof s->name, "%s", name);
	snprintf(s->deployment, sizeof s->deployment, "detection-api-%s", name);
	snprintf(s->tag, sizeof s->tag, "%s", tag);
	s->found = true;
	s->desired = s->replicas = desired;
	s->ready = s->pods_ready = ready;
	s->rollout_complete = ready >= desired;
	s->revision = rev;
	s->progress_wall_ms = built;
	/* what the ReplicaSet list says of its build */
	snprintf(d.ev.build_slot[i], sizeof d.ev.build_slot[i], "%s", name);
	d.ev.build_ms[i] = built;
}

/* A poll of the cluster: the selector picks active, its manager set it at
 * selector_set (managedFields); endpoints on the active slot's ready pods. */
static unsigned poll_at(int active, int64_t selector_set, int64_t now)
{
	st.service_found = true;
	st.active = active;
	st.selector_set_wall_ms = selector_set;
	snprintf(st.selector_manager, sizeof st.selector_manager, "argocd-controller");
	st.updated_ms = 1;
	st.last_error[0] = '\0';
	st.generation++;
	st.nendpoints = 0;
	for (int i = 0; i < st.slot[active].pods_ready && st.nendpoints < SLOTS_MAX_ENDPOINTS; i++) {
		st.endpoints[st.nendpoints].slot = active;
		st.endpoints[st.nendpoints].ready = true;
		st.nendpoints++;
	}
	st.endpoints_ready = (int)st.nendpoints;
	return deploy_step(&d, &st, NULL, now);
}

/* One round of the golden signals and the live slot's own. */
static unsigned signals(int64_t now, double errors, double p95, double p99, double queue)
{
	double v[MET_COUNT] = { [MET_RPS] = 20, [MET_ERRORS] = errors, [MET_P95] = p95, [MET_P99] = p99,
	                        [MET_QUEUE] = queue };

	for (int i = 0; i < MET_COUNT; i++)
		model_series_push(&mm.s[i], v[i]);
	mm.updated_ms = now;
	deploy_fast(&d, st.slot[st.active].name, errors, p99, now);
	return deploy_step(&d, &st, &mm, now);
}

/* blue 1.4.2 serves (switched two days ago), green 1.4.1 at 0 */
static void steady(void)
{
	config_defaults(&cfg);
	memset(&st, 0, sizeof st);
	memset(&mm, 0, sizeof mm);
	deploy_init(&d, &cfg);
	st.nslots = 2;
	slot(0, "blue", "1.4.2", 3, 3, 2, T0 - 2 * DAY);
	slot(1, "green", "1.4.1", 0, 0, 1, T0 - 7 * DAY);
	poll_at(0, T0 - 2 * DAY, T0 - 60000);
}

/* green scales up with 1.5.0, is ready, takes the traffic at SWITCH */
static void deploy_green(const char *tag)
{
	slot(1, "green", tag, 3, 1, 2, T0);
	poll_at(0, T0 - 2 * DAY, T0 + 5000);
	assert_int_equal(d.stage, DEPLOY_DEPLOYING);
	slot(1, "green", tag, 3, 3, 2, T0);
	poll_at(0, T0 - 2 * DAY, T0 + 20000);
	assert_int_equal(d.stage, DEPLOY_READY);
	assert_true(poll_at(1, SWITCH, SWITCH + 1000) & DEPLOY_EV_SWITCH);
}

static void a_good_deploy_passes_its_window_and_finalizes(void **state)
{
	int64_t t;

	(void)state;
	steady();
	assert_int_equal(d.stage, DEPLOY_STEADY);
	cfg.deploy.window_s = 60;
	deploy_green("1.5.0");
	assert_int_equal(d.stage, DEPLOY_MONITORING);   /* endpoints only on green already */
	assert_int_equal(d.switch_ms, SWITCH);
	assert_int_equal(d.switch_source, DSRC_MANAGED_FIELDS);
	assert_string_equal(d.from_slot, "blue");
	assert_string_equal(d.to_slot, "green");
	assert_string_equal(d.to_version, "1.5.0");
	assert_false(d.rollback_switch);
	for (t = SWITCH + 2000; t < SWITCH + 59000; t += 1000) {
		signals(t, 0.002, 0.125, 0.190, 0);
		assert_int_equal(d.stage, DEPLOY_MONITORING);
		assert_false(d.recommend);
	}
	assert_true(d.window_left_ms > 0 && d.window_left_ms <= 2000);
	assert_true(signals(t += 2000, 0.002, 0.125, 0.190, 0) & DEPLOY_EV_STAGE);
	assert_int_equal(d.stage, DEPLOY_PASSED);
	slot(0, "blue", "1.4.2", 0, 0, 2, T0 - 2 * DAY);
	poll_at(1, SWITCH, t += 1000);
	assert_int_equal(d.stage, DEPLOY_FINALIZED);
	/* finished is finished: an hour later it is the steady state again */
	poll_at(1, SWITCH, t + 2 * 3600 * 1000);
	assert_int_equal(d.stage, DEPLOY_STEADY);
}

/* The model begun 20 s after the switch, knowing only what history says:
 * the same stage and the window's time left from the switch time. */
static void started_late_it_joins_the_window_history_dates(void **state)
{
	char line[300];

	(void)state;
	steady();
	slot(1, "green", "1.5.0", 3, 3, 2, T0);
	deploy_init(&d, &cfg);
	slot(0, "blue", "1.4.2", 3, 3, 2, T0 - 2 * DAY);
	slot(1, "green", "1.5.0", 3, 3, 2, T0);
	d.ev.at[DSRC_ARGOCD] = SWITCH - 1000;   /* Argo CD's deployedAt, a second before */
	snprintf(d.ev.active[DSRC_ARGOCD], sizeof d.ev.active[0], "green");
	snprintf(d.ev.by[DSRC_ARGOCD], sizeof d.ev.by[0], "ci-bot");
	poll_at(1, SWITCH, SWITCH + 20000);
	assert_int_equal(d.stage, DEPLOY_MONITORING);
	assert_int_equal(d.switch_ms, SWITCH - 1000);
	assert_int_equal(d.switch_source, DSRC_ARGOCD);
	assert_string_equal(d.switch_by, "ci-bot");
	assert_int_equal(d.window_left_ms, 300000 - 21000);
	deploy_stage_line(&d, SWITCH + 20000, line, sizeof line);
	assert_string_equal(line, "MONITORING green 1.5.0: 4:39 left of 5:00; switched 14:05:29 from Argo CD history");
	/* begun after the window: passed, and how long ago */
	deploy_init(&d, &cfg);
	slot(0, "blue", "1.4.2", 3, 3, 2, T0 - 2 * DAY);
	slot(1, "green", "1.5.0", 3, 3, 2, T0);
	poll_at(1, SWITCH, SWITCH + 7 * 60000);
	assert_int_equal(d.stage, DEPLOY_PASSED);
	deploy_stage_line(&d, SWITCH + 7 * 60000, line, sizeof line);
	assert_string_equal(line, "PASSED green 1.5.0: window ended 2 min ago; scale blue to 0");
	/* only the ReplicaSets answer: a lower bound, "at most" this much left */
	deploy_init(&d, &cfg);
	slot(0, "blue", "1.4.2", 3, 3, 2, T0 - 2 * DAY);
	slot(1, "green", "1.5.0", 3, 3, 2, T0);
	poll_at(1, 0, T0 + 100000);
	assert_int_equal(d.stage, DEPLOY_MONITORING);
	assert_true(d.switch_bound);
	assert_int_equal(d.switch_source, DSRC_REPLICASET);
	assert_int_equal(d.window_left_ms, 200000);
}

/* A history rebuilt 20 s after the breach began: the first step after it
 * recommends, with how long it has held, as if the model had watched. */
static void a_fast_rules_past_from_history_recommends_at_once(void **state)
{
	int64_t t[20];
	double v[20];
	unsigned ev;

	(void)state;
	steady();
	deploy_init(&d, &cfg);
	slot(0, "blue", "1.4.2", 3, 3, 2, T0 - 2 * DAY);
	slot(1, "green", "1.5.0", 3, 3, 2, T0);
	poll_at(1, SWITCH, SWITCH + 20000);
	for (int i = 0; i < 20; i++) {
		t[i] = SWITCH + 1000 * i;
		v[i] = i < 2 ? 0.01 : 0.078;   /* over the line from the third second */
	}
	deploy_rule_recall(&d, DRULE_FAST_ERRORS, t, v, 20, SWITCH + 20000);
	assert_true(d.rule[DRULE_FAST_ERRORS].holds);
	assert_int_equal(d.rule[DRULE_FAST_ERRORS].since_wall_ms, SWITCH + 2000);
	ev = signals(SWITCH + 20500, 0.078, 0.12, 0.18, 0);
	assert_true(ev & DEPLOY_EV_RECOMMEND);
	assert_string_equal(d.reason, "errors 7.8 % > 5 % for 19 s");
	assert_string_equal(d.target.slot, "blue");
	assert_string_equal(d.target.version, "1.4.2");
	/* a range whose last sample is clean says nothing */
	deploy_init(&d, &cfg);
	v[19] = 0.01;
	deploy_rule_recall(&d, DRULE_FAST_ERRORS, t, v, 20, SWITCH + 20000);
	assert_false(d.rule[DRULE_FAST_ERRORS].holds);
}

static void the_fast_rules_judge_the_live_slot_in_any_stage(void **state)
{
	int64_t t = T0;
	char banner[400];

	(void)state;
	steady();
	/* no deployment at all: blue fails, green at 0 has the version before */
	assert_false(signals(t += 1000, 0.09, 0.12, 0.18, 0) & DEPLOY_EV_RECOMMEND);
	assert_false(signals(t += 1000, 0.002, 0.12, 0.18, 0) & DEPLOY_EV_RECOMMEND);   /* one sample is noise */
	signals(t += 1000, 0.08, 0.12, 0.18, 0);
	signals(t += 1000, 0.08, 0.12, 0.18, 0);
	assert_false(d.recommend);
	assert_true(signals(t += 1000, 0.08, 0.12, 0.18, 0) & DEPLOY_EV_RECOMMEND);
	assert_int_equal(d.stage, DEPLOY_STEADY);
	assert_int_equal(d.reason_rule, DRULE_FAST_ERRORS);
	assert_true(d.target.ok && d.target.scale_up);
	assert_string_equal(d.target.slot, "green");
	deploy_banner(&d, "R", "-", banner, sizeof banner);
	assert_string_equal(banner, "Rollback recommended: errors 8.0 % > 5 % for 2 s - R rolls back to green 1.4.1 "
	                    "(scaled up first)");
	/* it clears with its breach */
	signals(t += 1000, 0.002, 0.12, 0.18, 0);
	assert_false(d.recommend);
	assert_string_equal(d.ended, "breach cleared");
	/* P99 over twice its SLO after the window passed */
	steady();
	cfg.deploy.window_s = 10;
	deploy_green("1.5.0");
	for (t = SWITCH + 2000; t < SWITCH + 12000; t += 1000)
		signals(t, 0.002, 0.12, 0.18, 0);
	assert_int_equal(d.stage, DEPLOY_PASSED);
	for (int i = 0; i < 4; i++)
		signals(t += 1000, 0.002, 0.9, 1.3, 0);
	assert_true(d.recommend);
	assert_int_equal(d.reason_rule, DRULE_FAST_P99);
	assert_string_equal(d.reason, "P99 1300 ms > 1000 ms (2x its 500 ms SLO) for 3 s");
	/* no ready pod behind the service: the pods' Ready condition says since when */
	steady();
	deploy_green("1.5.0");
	slot(1, "green", "1.5.0", 3, 0, 2, T0);
	st.npods = 1;
	st.pods[0].slot = 1;
	st.pods[0].ready_changed_wall_ms = SWITCH + 3000;
	poll_at(1, SWITCH, SWITCH + 9000);
	assert_true(d.recommend);
	assert_int_equal(d.reason_rule, DRULE_NO_READY);
	assert_string_equal(d.reason, "no ready pod behind the service for 6 s");
}

/* A rollback ends the deployment: the stage says so, the recommendation is
 * acted on, and no window opens the other way, whoever rolled back. */
static void a_rollback_ends_the_deployment_and_never_opens_a_window_back(void **state)
{
	int64_t t = SWITCH + 1000;
	char line[300], banner[400];

	(void)state;
	steady();
	deploy_green("1.5.0");
	for (int i = 0; i < 4; i++)
		signals(t += 1000, 0.078, 0.12, 0.18, 0);
	assert_true(d.recommend);
	/* traffic back on blue (Argo CD's rollback, by admin): a switch to the older build */
	assert_true(poll_at(0, t + 500, t + 1000) & DEPLOY_EV_ENDED);
	assert_int_equal(d.stage, DEPLOY_ROLLED_BACK);
	assert_true(d.rollback_switch);
	assert_false(d.recommend);
	assert_string_equal(d.ended, "acted on: traffic on blue");
	assert_true(d.rb.known);
	assert_string_equal(d.rb.from_version, "1.5.0");
	assert_string_equal(d.rb.to_slot, "blue");
	deploy_stage_line(&d, t + 1000, line, sizeof line);
	assert_string_equal(line, "ROLLED BACK to blue 1.4.2 at 14:05:35 by argocd-controller; watching recovery");
	/* green still fails where nothing routes to it; blue's signals are clean */
	for (int i = 0; i < 5; i++) {
		signals(t += 1000, 0.0005, 0.12, 0.18, 0);
		assert_int_equal(d.stage, DEPLOY_ROLLED_BACK);
		assert_int_equal(d.window_left_ms, 0);
		assert_false(d.recommend);
	}
	assert_true(d.recovered);
	/* blue fails too (a TAK outage, every slot): a breach, and nothing to roll back to */
	for (int i = 0; i < 4; i++)
		signals(t += 1000, 0.3, 0.12, 0.18, 0);
	assert_false(d.recommend);
	assert_true(d.breach);
	assert_string_equal(d.target.none, "green runs 1.5.0, rolled back 8s ago: nothing to roll back to");
	deploy_banner(&d, "R", "-", banner, sizeof banner);
	assert_string_equal(banner, "Breach: errors 30.0 % > 5 % for 3 s - green runs 1.5.0, rolled back 8s ago: "
	                    "nothing to roll back to");
	/* a fixed build rolled out on green after the rollback: a new deployment */
	slot(1, "green", "1.5.1", 3, 3, 3, t + 1000);
	poll_at(0, d.switch_ms, t + 2000);
	assert_int_equal(d.stage, DEPLOY_READY);
}

/* A restart after a rollback knows it: from the timeline's record, or from
 * the cluster (traffic moved to the older build after the newer one went up). */
static void a_restart_after_a_rollback_knows_the_bad_version(void **state)
{
	int64_t rb_at = SWITCH + 60000;

	(void)state;
	steady();
	deploy_init(&d, &cfg);
	slot(0, "blue", "1.4.2", 3, 3, 2, T0 - 2 * DAY);
	slot(1, "green", "1.5.0", 3, 3, 2, T0);
	poll_at(0, rb_at, rb_at + 120000);
	assert_int_equal(d.stage, DEPLOY_ROLLED_BACK);
	assert_string_equal(d.rb.from_slot, "green");
	assert_string_equal(d.rb.by, "argocd-controller");
	/* without the builds the Deployments alone look like a smoke test ... */
	deploy_init(&d, &cfg);
	st.slot[0].progress_wall_ms = T0 - 2 * DAY;
	st.slot[1].progress_wall_ms = T0;
	poll_at(0, rb_at, rb_at + 120000);
	assert_int_equal(d.stage, DEPLOY_READY);
	/* ... unless the timeline remembers */
	deploy_init(&d, &cfg);
	d.rb.known = true;
	snprintf(d.rb.from_slot, sizeof d.rb.from_slot, "green");
	snprintf(d.rb.from_version, sizeof d.rb.from_version, "1.5.0");
	d.rb.from_revision = 2;
	snprintf(d.rb.to_slot, sizeof d.rb.to_slot, "blue");
	snprintf(d.rb.to_version, sizeof d.rb.to_version, "1.4.2");
	snprintf(d.rb.by, sizeof d.rb.by, "alice");
	d.rb.wall_ms = rb_at + 800;
	poll_at(0, rb_at, rb_at + 120000);
	assert_int_equal(d.stage, DEPLOY_ROLLED_BACK);
	assert_string_equal(d.rb.by, "alice");
	/* green rolled out again since (another revision): that memory is old */
	st.slot[1].revision = 3;
	poll_at(0, rb_at, rb_at + 130000);
	assert_int_equal(d.stage, DEPLOY_READY);
	/* green scaled to 0 with another image after the rollback: that is its
	 * clean-up, and the rollback is still the last switch */
	slot(1, "green", "1.4.1", 0, 0, 3, rb_at + 90000);
	poll_at(0, rb_at, rb_at + 140000);
	assert_true(d.rollback_switch);
	assert_int_equal(d.stage, DEPLOY_STEADY);
	/* the slot it left already back at 0 with its old version: blue's build is
	 * older than the switch before (Argo CD's history or the traffic says when),
	 * so this is the rollback, not a window the other way */
	deploy_init(&d, &cfg);
	slot(0, "blue", "1.4.2", 3, 3, 2, T0 - 2 * DAY);
	slot(1, "green", "1.4.1", 0, 0, 3, T0 - 7 * DAY);
	d.ev.at[DSRC_PROM_TRAFFIC] = rb_at + 1000;
	d.ev.before[DSRC_PROM_TRAFFIC] = SWITCH + 1000;
	snprintf(d.ev.active[DSRC_PROM_TRAFFIC], sizeof d.ev.active[0], "blue");
	poll_at(0, rb_at, rb_at + 30000);
	assert_true(d.rollback_switch);
	assert_int_equal(d.stage, DEPLOY_STEADY);   /* the rollback done, its slot at 0 */
	assert_int_equal(d.before_ms, SWITCH + 1000);
	assert_int_equal(d.window_left_ms, 0);
	assert_string_equal(d.rb.from_slot, "green");
	assert_string_equal(d.rb.from_version, "");   /* not running there any more */
}

static void nothing_to_roll_back_to_is_said(void **state)
{
	int64_t t;

	(void)state;
	/* both slots on one version */
	steady();
	deploy_green("1.4.2");
	for (t = SWITCH + 2000; t < SWITCH + 6000; t += 1000)
		signals(t, 0.2, 0.12, 0.18, 0);
	assert_false(d.recommend);
	assert_true(d.breach);
	assert_string_equal(d.target.none, "both slots run 1.4.2: nothing to roll back to");
	/* the standby is gone */
	steady();
	deploy_green("1.5.0");
	st.slot[0].found = false;
	for (t = SWITCH + 2000; t < SWITCH + 6000; t += 1000)
		signals(t, 0.2, 0.12, 0.18, 0);
	assert_string_equal(d.target.none, "the standby deployment detection-api-blue does not exist: nothing to roll "
	                    "back to");
	/* the standby holds a newer build not yet switched to: no previous version */
	steady();
	slot(1, "green", "1.5.0", 3, 3, 2, T0);
	for (t = T0 + 2000; t < T0 + 6000; t += 1000)
		signals(t, 0.2, 0.12, 0.18, 0);
	assert_int_equal(d.stage, DEPLOY_READY);
	assert_string_equal(d.target.none, "green runs 1.5.0, a newer build not yet switched to: no previous version "
	                    "to roll back to");
	/* one deployment: its previous revision, or none at revision 1 */
	config_defaults(&cfg);
	memset(&st, 0, sizeof st);
	deploy_init(&d, &cfg);
	st.nslots = 1;
	slot(0, "api", "2.0.0", 3, 3, 1, T0);
	for (t = T0 + 2000; t < T0 + 6000; t += 1000) {
		poll_at(0, 0, t);
		signals(t, 0.2, 0.12, 0.18, 0);
	}
	assert_string_equal(d.target.none, "detection-api-api is at its first revision: no earlier one to roll back to");
	st.slot[0].revision = 4;
	signals(t += 1000, 0.2, 0.12, 0.18, 0);
	assert_true(d.recommend && d.target.undo);
	assert_string_equal(d.target.version, "revision 3");
}

static void a_declined_recommendation_waits_for_its_breach_to_clear(void **state)
{
	int64_t t = SWITCH + 1000;

	(void)state;
	steady();
	deploy_green("1.5.0");
	for (int i = 0; i < 4; i++)
		signals(t += 1000, 0.078, 0.12, 0.18, 0);
	assert_true(d.recommend);
	deploy_decline(&d, "alice", t);
	assert_false(d.recommend);
	assert_string_equal(d.ended, "declined by alice");
	for (int i = 0; i < 4; i++)
		assert_false(signals(t += 1000, 0.078, 0.12, 0.18, 0) & DEPLOY_EV_RECOMMEND);
	/* cleared, then back: a new breach, a new recommendation */
	signals(t += 1000, 0.002, 0.12, 0.18, 0);
	for (int i = 0; i < 4; i++)
		signals(t += 1000, 0.078, 0.12, 0.18, 0);
	assert_true(d.recommend);
}

/* The seeds' criteria against the baseline from history, in the window only. */
static void the_seeds_criteria_wait_five_minutes_over_the_baseline(void **state)
{
	int64_t t, began;

	(void)state;
	steady();
	cfg.deploy.window_s = 900;
	deploy_green("1.5.0");
	deploy_set_baseline(&d, MET_ERRORS, 0.002, SWITCH - 360000, SWITCH - 60000);
	deploy_set_baseline(&d, MET_QUEUE, 0, SWITCH - 360000, SWITCH - 60000);
	/* 0.5 % against a 0.2 % baseline: over it by far more than 10 %, under every fast line */
	t = SWITCH + 1000;
	began = t + 1000;
	while (t < began + 299000) {
		signals(t += 1000, 0.005, 0.12, 0.18, 0);
		assert_false(d.recommend);
	}
	assert_true(d.rule[DRULE_ERRORS_BASELINE].holds);
	signals(t += 1000, 0.005, 0.12, 0.18, 0);
	assert_true(d.recommend);
	assert_int_equal(d.reason_rule, DRULE_ERRORS_BASELINE);
	assert_string_equal(d.reason, "errors 0.5 % > 0.22 % (baseline 0.20 % +10 %) for 5 min");
	/* P95 over its SLO by a fifth */
	steady();
	cfg.deploy.window_s = 900;
	cfg.deploy.sustain_s = 10;
	deploy_green("1.5.0");
	deploy_set_baseline(&d, MET_ERRORS, 0.002, SWITCH - 360000, SWITCH - 60000);
	for (t = SWITCH + 1000; t < SWITCH + 14000; t += 1000)
		signals(t, 0.002, 0.400, 0.45, 0);
	assert_true(d.recommend);
	assert_int_equal(d.reason_rule, DRULE_P95_SLO);
	assert_string_equal(d.reason, "P95 400 ms > 360 ms (SLO 300 ms +20 %) for 12 s");
	/* the queue growing */
	steady();
	cfg.deploy.window_s = 900;
	cfg.deploy.sustain_s = 10;
	deploy_green("1.5.0");
	deploy_set_baseline(&d, MET_ERRORS, 0.002, SWITCH - 360000, SWITCH - 60000);
	for (int i = 0; i < 14; i++)
		signals(SWITCH + 1000 * (i + 1), 0.002, 0.12, 0.18, 9000.0 + 200 * i);
	assert_true(d.recommend);
	assert_int_equal(d.reason_rule, DRULE_QUEUE_GROWING);
	assert_non_null(strstr(d.reason, "offline queue 11600 items and growing (baseline 0) for"));
	/* after the window the queue is the capacity warning's, not a rule's */
	assert_int_equal(d.ncapacity, 1);
}

/* The matrix runs by itself: against the standby at the smoke test, and
 * against the new slot once the window opens; once per switch. */
static bool due(unsigned ev, enum deploy_matrix_when when, char *to)
{
	to[0] = '\0';
	return deploy_matrix_due(&d, &st, ev, when, to, 32);
}

static void the_matrix_is_due_at_the_smoke_test_and_after_the_switch(void **state)
{
	unsigned ev;
	char to[32];

	(void)state;
	steady();
	slot(1, "green", "1.5.0", 3, 1, 2, T0);
	ev = poll_at(0, T0 - 2 * DAY, T0 + 5000);
	assert_false(due(ev, DMATRIX_BEFORE, to));   /* not ready yet */
	slot(1, "green", "1.5.0", 3, 3, 2, T0);
	ev = poll_at(0, T0 - 2 * DAY, T0 + 20000);
	assert_true(due(ev, DMATRIX_BEFORE, to));
	assert_string_equal(to, "green");   /* the standby, not the slot serving traffic */
	assert_false(due(ev, DMATRIX_AFTER, to));
	d.matrix[DMATRIX_BEFORE].switch_ms = -1;   /* as the watcher marks it: for the switch to come */
	ev = poll_at(0, T0 - 2 * DAY, T0 + 21000);
	assert_false(due(ev, DMATRIX_BEFORE, to));
	/* the switch: traffic on green, the window opens */
	ev = poll_at(1, SWITCH, SWITCH + 1000);
	assert_int_equal(d.stage, DEPLOY_MONITORING);
	d.matrix[DMATRIX_BEFORE].switch_ms = d.switch_ms;   /* the smoke test's run is this switch's */
	assert_false(due(ev, DMATRIX_BEFORE, to));
	assert_true(due(ev, DMATRIX_AFTER, to));
	assert_string_equal(to, "green");
	d.matrix[DMATRIX_AFTER].switch_ms = d.switch_ms;
	/* endpoints flap and settle: the same switch, no second run */
	st.endpoints[0].slot = 0;
	st.generation++;
	deploy_step(&d, &st, NULL, SWITCH + 2000);
	assert_int_equal(d.stage, DEPLOY_SWITCHED);
	ev = poll_at(1, SWITCH, SWITCH + 3000);
	assert_int_equal(d.stage, DEPLOY_MONITORING);
	assert_true(ev & DEPLOY_EV_STAGE);
	assert_false(due(ev, DMATRIX_BEFORE, to));
	assert_false(due(ev, DMATRIX_AFTER, to));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_good_deploy_passes_its_window_and_finalizes),
		cmocka_unit_test(started_late_it_joins_the_window_history_dates),
		cmocka_unit_test(a_fast_rules_past_from_history_recommends_at_once),
		cmocka_unit_test(the_fast_rules_judge_the_live_slot_in_any_stage),
		cmocka_unit_test(a_rollback_ends_the_deployment_and_never_opens_a_window_back),
		cmocka_unit_test(a_restart_after_a_rollback_knows_the_bad_version),
		cmocka_unit_test(nothing_to_roll_back_to_is_said),
		cmocka_unit_test(a_declined_recommendation_waits_for_its_breach_to_clear),
		cmocka_unit_test(the_seeds_criteria_wait_five_minutes_over_the_baseline),
		cmocka_unit_test(the_matrix_is_due_at_the_smoke_test_and_after_the_switch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
