/* The deployment window: stages follow the slot model, the signals before the
 * switch are the baseline, a fast rule needs a sustained breach (one noisy
 * sample is not enough), the seeds' criteria wait their five minutes, and the
 * deployment log is the runbook's JSON in a private file. */
#include "testutil.h"

#include <math.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "warroom/config.h"
#include "warroom/deploylog.h"
#include "warroom/deploywatch.h"
#include "warroom/model.h"
#include "warroom/slots.h"
#include "warroom/matrix.h"

static struct config cfg;
static struct slots_state st;
static struct model_metrics mm;
static struct deploywatch d;

static void slots_round(enum slots_phase phase, int active)
{
	st.phase = phase;
	st.active = active;
	st.updated_ms = 1;
	st.last_error[0] = '\0';
	st.generation++;
	/* endpoints only on the active slot's ready pods */
	st.nendpoints = 0;
	for (int i = 0; i < st.slot[active].pods_ready && st.nendpoints < SLOTS_MAX_ENDPOINTS; i++) {
		st.endpoints[st.nendpoints].slot = active;
		st.endpoints[st.nendpoints].ready = true;
		st.nendpoints++;
	}
	st.endpoints_ready = (int)st.nendpoints;
}

static void slot(int i, const char *name, const char *tag, int desired, int ready)
{
	snprintf(st.slot[i].name, sizeof st.slot[i].name, "%s", name);
	snprintf(st.slot[i].tag, sizeof st.slot[i].tag, "%s", tag);
	st.slot[i].desired = st.slot[i].replicas = desired;
	st.slot[i].ready = st.slot[i].pods_ready = ready;
}

/* One Prometheus round: errors as a ratio, latencies in seconds. */
static unsigned signals(int64_t now, double rps, double errors, double p95, double p99, double queue)
{
	double v[MET_COUNT] = { [MET_RPS] = rps, [MET_ERRORS] = errors, [MET_P95] = p95, [MET_P99] = p99,
	                        [MET_QUEUE] = queue };

	for (int i = 0; i < MET_COUNT; i++)
		model_series_push(&mm.s[i], v[i]);
	mm.updated_ms = now;
	return deploywatch_step(&d, &st, &mm, now);
}

static void setup_steady(void)
{
	config_defaults(&cfg);
	memset(&st, 0, sizeof st);
	memset(&mm, 0, sizeof mm);
	st.nslots = 2;
	slot(0, "blue", "1.4.2", 3, 3);
	slot(1, "green", "1.4.1", 0, 0);
	deploywatch_init(&d, &cfg);
	slots_round(SLOTS_PHASE_STEADY, 0);
	deploywatch_step(&d, &st, NULL, 1000);
}

/* steady, baseline samples, then green scales up, is ready, takes traffic */
static int64_t deploy_to_green(void)
{
	int64_t t = 1000;

	for (int i = 0; i < 10; i++)
		signals(t += 1000, 20, 0.002, 0.120, 0.180, 0);
	slot(1, "green", "1.5.0", 3, 1);
	slots_round(SLOTS_PHASE_DEPLOY_START, 0);
	deploywatch_step(&d, &st, NULL, t += 1000);
	assert_int_equal(d.stage, DEPLOY_SCALING);
	slot(1, "green", "1.5.0", 3, 3);
	slots_round(SLOTS_PHASE_SMOKE_TEST, 0);
	deploywatch_step(&d, &st, NULL, t += 1000);
	assert_int_equal(d.stage, DEPLOY_READY);
	slots_round(SLOTS_PHASE_TRAFFIC_SWITCH, 1);
	assert_true(deploywatch_step(&d, &st, NULL, t += 1000) & DEPLOY_EV_STAGE);
	return t;
}

static void a_good_deploy_passes_its_window_and_finalizes(void **state)
{
	int64_t t, sw;
	char banner[300];

	(void)state;
	setup_steady();
	cfg.deploy.window_s = 60;
	assert_int_equal(d.stage, DEPLOY_IDLE);
	sw = t = deploy_to_green();
	assert_int_equal(d.stage, DEPLOY_MONITOR);   /* endpoints only on green already */
	assert_string_equal(d.from_slot, "blue");
	assert_string_equal(d.to_slot, "green");
	assert_string_equal(d.to_version, "1.5.0");
	assert_true(d.has_baseline);
	assert_true(fabs(d.baseline[MET_ERRORS] - 0.002) < 1e-9);
	while (t < sw + 59000) {
		signals(t += 1000, 20, 0.002, 0.125, 0.190, 0);
		assert_int_equal(d.stage, DEPLOY_MONITOR);
		assert_false(d.recommend);
	}
	assert_true(d.window_left_ms > 0 && d.window_left_ms <= 1000);
	slots_round(SLOTS_PHASE_FINALIZE, 1);
	assert_true(deploywatch_step(&d, &st, &mm, t += 2000) & DEPLOY_EV_STAGE);
	assert_int_equal(d.stage, DEPLOY_PASSED);
	deploywatch_banner(&d, banner, sizeof banner);
	assert_string_equal(banner, "");
	slot(0, "blue", "1.4.2", 0, 0);
	slots_round(SLOTS_PHASE_STEADY, 1);
	deploywatch_step(&d, &st, &mm, t += 1000);
	assert_int_equal(d.stage, DEPLOY_FINALIZED);
	/* it stays finalized on screen while nothing new happens */
	slots_round(SLOTS_PHASE_STEADY, 1);
	deploywatch_step(&d, &st, &mm, t += 1000);
	assert_int_equal(d.stage, DEPLOY_FINALIZED);
}

/* The matrix runs by itself: against the standby at the smoke test (or at
 * the switch when the smoke test went by between two polls), and against
 * the new slot once the window opens; once per switch. */
static bool due(unsigned ev, enum deploy_matrix_when when, char *to)
{
	to[0] = '\0';
	return deploywatch_matrix_due(&d, &st, ev, when, to, 32);
}

static void the_matrix_is_due_at_the_smoke_test_and_after_the_switch(void **state)
{
	int64_t t = 1000;
	unsigned ev;
	char to[32];

	(void)state;
	setup_steady();
	cfg.deploy.window_s = 10;
	for (int i = 0; i < 3; i++)
		signals(t += 1000, 20, 0.002, 0.120, 0.180, 0);
	slot(1, "green", "1.5.0", 3, 1);
	slots_round(SLOTS_PHASE_DEPLOY_START, 0);
	ev = deploywatch_step(&d, &st, NULL, t += 1000);
	assert_false(due(ev, DMATRIX_BEFORE, to));   /* not ready yet */
	slot(1, "green", "1.5.0", 3, 3);
	slots_round(SLOTS_PHASE_SMOKE_TEST, 0);
	ev = deploywatch_step(&d, &st, NULL, t += 1000);
	assert_true(due(ev, DMATRIX_BEFORE, to));
	assert_string_equal(to, "green");   /* the standby, not the slot serving traffic */
	assert_false(due(ev, DMATRIX_AFTER, to));
	d.matrix[DMATRIX_BEFORE].switch_ms = -1;   /* as the watcher marks it: for the switch to come */
	/* no stage change, nothing due */
	slots_round(SLOTS_PHASE_SMOKE_TEST, 0);
	ev = deploywatch_step(&d, &st, NULL, t += 1000);
	assert_false(due(ev, DMATRIX_BEFORE, to));

	/* the switch: traffic settles on green, the window opens */
	slots_round(SLOTS_PHASE_TRAFFIC_SWITCH, 1);
	ev = deploywatch_step(&d, &st, NULL, t += 1000);
	assert_int_equal(d.stage, DEPLOY_MONITOR);
	d.matrix[DMATRIX_BEFORE].switch_ms = d.switch_ms;   /* the smoke test's run is this switch's */
	assert_false(due(ev, DMATRIX_BEFORE, to));
	assert_true(due(ev, DMATRIX_AFTER, to));
	assert_string_equal(to, "green");
	d.matrix[DMATRIX_AFTER].switch_ms = d.switch_ms;
	/* endpoints flap (a pod of blue listed again) and settle: the same switch, no second run */
	st.endpoints[0].slot = 0;
	st.generation++;
	ev = deploywatch_step(&d, &st, NULL, t += 1000);
	assert_int_equal(d.stage, DEPLOY_SWITCHED);
	slots_round(SLOTS_PHASE_MONITOR, 1);
	ev = deploywatch_step(&d, &st, NULL, t += 1000);
	assert_int_equal(d.stage, DEPLOY_MONITOR);
	assert_true(ev & DEPLOY_EV_STAGE);
	assert_false(due(ev, DMATRIX_BEFORE, to));
	assert_false(due(ev, DMATRIX_AFTER, to));

	/* the window passes, blue goes to 0; the next deployment goes from
	 * scaling straight to the switch: the smoke test's matrix runs at the
	 * switch, against the new slot */
	for (int i = 0; i < 12; i++)
		signals(t += 1000, 20, 0.002, 0.120, 0.180, 0);
	slots_round(SLOTS_PHASE_FINALIZE, 1);
	deploywatch_step(&d, &st, NULL, t += 1000);
	assert_int_equal(d.stage, DEPLOY_PASSED);
	slot(0, "blue", "1.4.2", 0, 0);
	slots_round(SLOTS_PHASE_STEADY, 1);
	deploywatch_step(&d, &st, NULL, t += 1000);
	assert_int_equal(d.stage, DEPLOY_FINALIZED);
	slot(0, "blue", "1.6.0", 3, 3);
	slots_round(SLOTS_PHASE_DEPLOY_START, 1);
	deploywatch_step(&d, &st, NULL, t += 1000);
	slots_round(SLOTS_PHASE_TRAFFIC_SWITCH, 0);
	ev = deploywatch_step(&d, &st, NULL, t += 1000);
	assert_int_equal(d.stage, DEPLOY_MONITOR);
	assert_true(due(ev, DMATRIX_BEFORE, to));
	assert_string_equal(to, "blue");
	assert_true(due(ev, DMATRIX_AFTER, to));
}

static void one_noisy_sample_is_not_a_breach_but_a_sustained_one_is(void **state)
{
	int64_t t;
	char banner[300];

	(void)state;
	setup_steady();
	t = deploy_to_green();
	/* one sample over the SEV-2 line, then clean */
	assert_false(signals(t += 1000, 20, 0.09, 0.12, 0.18, 0) & DEPLOY_EV_RECOMMEND);
	assert_false(signals(t += 1000, 20, 0.002, 0.12, 0.18, 0) & DEPLOY_EV_RECOMMEND);
	assert_false(d.recommend);
	/* now it stays at 8 %: after fast_sustain_s (2 s) it is a recommendation */
	assert_false(signals(t += 1000, 20, 0.081, 0.12, 0.18, 0) & DEPLOY_EV_RECOMMEND);
	assert_false(signals(t += 1000, 20, 0.081, 0.12, 0.18, 0) & DEPLOY_EV_RECOMMEND);
	assert_true(signals(t += 1000, 20, 0.081, 0.12, 0.18, 0) & DEPLOY_EV_RECOMMEND);
	assert_true(d.recommend);
	assert_int_equal(d.reason_rule, DRULE_FAST_ERRORS);
	assert_string_equal(d.reason, "error ratio 8.1 % vs baseline 0.2 % for 2 s");
	deploywatch_banner(&d, banner, sizeof banner);
	/* the key is the front-end's to name */
	assert_string_equal(banner, "Rollback recommended: error ratio 8.1 % vs baseline 0.2 % for 2 s - "
	                    "{rollback} to roll back");
	/* raised once */
	assert_false(signals(t += 1000, 20, 0.081, 0.12, 0.18, 0) & DEPLOY_EV_RECOMMEND);
	/* the rollback: traffic back on blue */
	slots_round(SLOTS_PHASE_TRAFFIC_SWITCH, 0);
	assert_true(deploywatch_step(&d, &st, &mm, t += 1000) & DEPLOY_EV_STAGE);
	assert_int_equal(d.stage, DEPLOY_ROLLED_BACK);
	deploywatch_banner(&d, banner, sizeof banner);
	assert_string_equal(banner, "");
	/* green keeps the bad build up, its rollout newer than blue's: the slot
	 * table says "ready for a smoke test", but nothing new awaits one */
	slots_round(SLOTS_PHASE_SMOKE_TEST, 0);
	deploywatch_step(&d, &st, &mm, t += 1000);
	assert_int_equal(d.stage, DEPLOY_ROLLED_BACK);
	/* a fixed build on green is a new deployment */
	slot(1, "green", "1.5.1", 3, 3);
	slots_round(SLOTS_PHASE_SMOKE_TEST, 0);
	assert_true(deploywatch_step(&d, &st, &mm, t += 1000) & DEPLOY_EV_STAGE);
	assert_int_equal(d.stage, DEPLOY_READY);
}

/* A watch begun after a recorded rollback: blue serves 1.4.2 again, green
 * still runs the 1.5.0 that was rolled back, ready and without traffic. The
 * slots alone look like a new version awaiting its smoke test. */
static void a_fresh_watch_after_a_rollback_says_rolled_back(void **state)
{
	const int64_t rolled_back_at = 1764600000000;   /* UTC ms */
	unsigned ev;

	(void)state;
	config_defaults(&cfg);
	memset(&st, 0, sizeof st);
	st.nslots = 2;
	slot(0, "blue", "1.4.2", 3, 3);
	slot(1, "green", "1.5.0", 3, 3);
	st.slot[0].progress_wall_ms = rolled_back_at - 3600000;
	st.slot[1].progress_wall_ms = rolled_back_at - 600000;   /* rolled out before the rollback */
	st.slot[1].revision = 7;

	/* without the record: what the slots say */
	deploywatch_init(&d, &cfg);
	slots_round(SLOTS_PHASE_SMOKE_TEST, 0);
	deploywatch_step(&d, &st, NULL, 1000);
	assert_int_equal(d.stage, DEPLOY_READY);

	deploywatch_init(&d, &cfg);
	deploywatch_recorded_rollback(&d, "green", "blue", rolled_back_at);
	slots_round(SLOTS_PHASE_SMOKE_TEST, 0);
	ev = deploywatch_step(&d, &st, NULL, 1000);
	assert_int_equal(d.stage, DEPLOY_ROLLED_BACK);
	assert_false(ev & DEPLOY_EV_STAGE);   /* nothing happened now: no timeline line */
	assert_string_equal(d.from_slot, "blue");
	assert_string_equal(d.from_version, "1.4.2");
	assert_string_equal(d.to_slot, "green");
	assert_string_equal(d.to_version, "1.5.0");
	slots_round(SLOTS_PHASE_SMOKE_TEST, 0);
	deploywatch_step(&d, &st, NULL, 3000);
	assert_int_equal(d.stage, DEPLOY_ROLLED_BACK);   /* it stays while green holds 1.5.0 */
	/* a fixed version rolled out on green: that one awaits its smoke test */
	slot(1, "green", "1.5.1", 3, 3);
	st.slot[1].revision = 8;
	st.slot[1].progress_wall_ms = rolled_back_at + 600000;
	slots_round(SLOTS_PHASE_SMOKE_TEST, 0);
	assert_true(deploywatch_step(&d, &st, NULL, 5000) & DEPLOY_EV_STAGE);
	assert_int_equal(d.stage, DEPLOY_READY);

	/* a rollout on green after the rollback, before the watch began */
	deploywatch_init(&d, &cfg);
	deploywatch_recorded_rollback(&d, "green", "blue", rolled_back_at);
	slots_round(SLOTS_PHASE_SMOKE_TEST, 0);
	deploywatch_step(&d, &st, NULL, 1000);
	assert_int_equal(d.stage, DEPLOY_READY);

	/* the recorded rollback went the other way: it says nothing of green now */
	st.slot[1].progress_wall_ms = rolled_back_at - 600000;
	deploywatch_init(&d, &cfg);
	deploywatch_recorded_rollback(&d, "blue", "green", rolled_back_at);
	slots_round(SLOTS_PHASE_SMOKE_TEST, 0);
	deploywatch_step(&d, &st, NULL, 1000);
	assert_int_equal(d.stage, DEPLOY_READY);
}

static void the_new_slots_own_ratio_counts_before_the_minute_catches_up(void **state)
{
	int64_t t;

	(void)state;
	setup_steady();
	t = deploy_to_green();
	/* the service-wide 1-minute ratio is still diluted; green's own is 8 % */
	for (int i = 0; i < 3; i++) {
		deploywatch_fast(&d, 0.08, 0.2, t + 500);
		signals(t += 1000, 20, 0.01 * (i + 1), 0.12, 0.18, 0);
	}
	assert_true(d.recommend);
	assert_int_equal(d.reason_rule, DRULE_FAST_ERRORS);
}

static void the_seeds_criteria_wait_five_minutes_over_baseline(void **state)
{
	int64_t t, began;

	(void)state;
	setup_steady();
	cfg.deploy.window_s = 900;
	t = deploy_to_green();
	/* 0.5 % against a 0.2 % baseline: over it by far more than 10 %, under every fast line */
	began = t + 1000;
	while (t < began + 299000) {
		signals(t += 1000, 20, 0.005, 0.12, 0.18, 0);
		assert_false(d.recommend);
	}
	assert_true(d.rule[DRULE_ERRORS_BASELINE].holds);
	signals(t += 1000, 20, 0.005, 0.12, 0.18, 0);
	assert_true(d.recommend);
	assert_int_equal(d.reason_rule, DRULE_ERRORS_BASELINE);
	assert_string_equal(d.reason, "error ratio 0.5 % vs baseline 0.2 % for 300 s");
}

static void p95_over_its_slo_by_a_fifth_for_five_minutes(void **state)
{
	int64_t t, began;

	(void)state;
	setup_steady();
	cfg.deploy.window_s = 900;
	t = deploy_to_green();
	/* 350 ms is over the 300 ms SLO but within 20 %: never */
	for (int i = 0; i < 320; i++)
		signals(t += 1000, 20, 0.002, 0.350, 0.4, 0);
	assert_false(d.recommend);
	began = t + 1000;
	while (t < began + 300000)
		signals(t += 1000, 20, 0.002, 0.400, 0.45, 0);
	assert_true(d.recommend);
	assert_int_equal(d.reason_rule, DRULE_P95_SLO);
	assert_string_equal(d.reason, "P95 400 ms vs SLO 300 ms for 300 s");
}

static void no_ready_pod_behind_the_service_is_a_fast_breach(void **state)
{
	int64_t t;

	(void)state;
	setup_steady();
	t = deploy_to_green();
	slot(1, "green", "1.5.0", 3, 0);
	for (int i = 0; i < 3; i++) {
		slots_round(SLOTS_PHASE_MONITOR, 1);
		signals(t += 1000, 20, NAN, NAN, NAN, 0);
	}
	assert_true(d.recommend);
	assert_int_equal(d.reason_rule, DRULE_NO_READY);
	assert_string_equal(d.reason, "no ready pod behind the service for 2 s");
}

static void a_growing_queue_and_capacity_warnings(void **state)
{
	int64_t t;

	(void)state;
	setup_steady();
	cfg.deploy.window_s = 900;
	cfg.deploy.sustain_s = 10;
	t = deploy_to_green();
	for (int i = 0; i < 12; i++)
		signals(t += 1000, 150, 0.002, 0.12, 0.18, 9000.0 + 200 * i);
	assert_true(d.recommend);
	assert_int_equal(d.reason_rule, DRULE_QUEUE_GROWING);
	assert_non_null(strstr(d.reason, "offline queue grew to"));
	/* over 10,000 items and over 100 req/s */
	assert_int_equal(d.ncapacity, 2);
	assert_non_null(strstr(d.capacity[0], "over 10000"));
	assert_non_null(strstr(d.capacity[1], "150 req/s, over 100"));
}

/* Database, CPU and memory: each sample compared with its line once, a
 * warning stands after two samples over and clears after two under, and
 * each crossing is one event (the timeline's one entry). */
static void capacity_lines_are_crossed_once_each_way(void **state)
{
	int64_t t = 1000;
	unsigned ev;
	const double gib = 1024.0 * 1024 * 1024;

	(void)state;
	setup_steady();
	/* the seeds' lines are the defaults, and the queries name the namespace */
	assert_int_equal(cfg.deploy.capacity_db_gb, 50);
	assert_true(fabs(cfg.deploy.capacity_cpu - 0.70) < 1e-9);
	assert_true(fabs(cfg.deploy.capacity_memory - 0.75) < 1e-9);
	snprintf(cfg.kube.namespace_, sizeof cfg.kube.namespace_, "detection-system");
	char *q = deploywatch_capacity_query(&cfg, DCAP_CPU);
	assert_non_null(strstr(q, "namespace=\"detection-system\""));
	assert_null(strstr(q, "{namespace}"));
	free(q);
	cfg.deploy.capacity_memory_query[0] = '\0';   /* "" turns it off */
	assert_null(deploywatch_capacity_query(&cfg, DCAP_MEMORY));

	/* under every line: nothing */
	deploywatch_capacity_sample(&d, DCAP_DB, 12 * gib, t);
	deploywatch_capacity_sample(&d, DCAP_CPU, 0.38, t);
	deploywatch_capacity_sample(&d, DCAP_MEMORY, 0.49, t);
	assert_false(signals(t += 1000, 20, 0.002, 0.12, 0.18, 0) & DEPLOY_EV_CAPACITY);
	assert_int_equal(d.ncapacity, 0);

	/* one sample over 50 GiB is not yet a warning; the same sample seen by
	 * the next step does not count twice */
	deploywatch_capacity_sample(&d, DCAP_DB, 55 * gib, t);
	assert_false(signals(t += 1000, 20, 0.002, 0.12, 0.18, 0) & DEPLOY_EV_CAPACITY);
	assert_false(signals(t += 1000, 20, 0.002, 0.12, 0.18, 0) & DEPLOY_EV_CAPACITY);
	assert_int_equal(d.ncapacity, 0);
	deploywatch_capacity_sample(&d, DCAP_DB, 55.2 * gib, t);
	ev = signals(t += 1000, 20, 0.002, 0.12, 0.18, 0);
	assert_true(ev & DEPLOY_EV_CAPACITY);
	assert_true(d.cap[DCAP_DB].crossed && d.cap[DCAP_DB].over);
	assert_int_equal(d.ncapacity, 1);
	assert_string_equal(d.capacity[0], "database 55.2 GiB, over 50 GiB: expand the PVC or archive old detections");
	/* it stands: no second crossing while it stays over */
	deploywatch_capacity_sample(&d, DCAP_DB, 56 * gib, t);
	assert_false(signals(t += 1000, 20, 0.002, 0.12, 0.18, 0) & DEPLOY_EV_CAPACITY);
	assert_false(d.cap[DCAP_DB].crossed);
	assert_int_equal(d.ncapacity, 1);

	/* CPU at 120 % of its request (busiest pod), memory 80 %: both over */
	for (int i = 0; i < 2; i++) {
		deploywatch_capacity_sample(&d, DCAP_CPU, 1.2, t);
		deploywatch_capacity_sample(&d, DCAP_MEMORY, 0.80, t);
		ev = signals(t += 1000, 20, 0.002, 0.12, 0.18, 0);
	}
	assert_true(ev & DEPLOY_EV_CAPACITY);
	assert_int_equal(d.ncapacity, 3);
	assert_string_equal(d.capacity[1], "CPU 120 % of requests (busiest pod), over 70 %: the HPA adds pods (max 10)");
	assert_non_null(strstr(d.capacity[2], "memory 80 % of requests"));
	/* a failed query is no recovery: memory's warning stands */
	deploywatch_capacity_sample(&d, DCAP_MEMORY, NAN, t);
	signals(t += 1000, 20, 0.002, 0.12, 0.18, 0);
	deploywatch_capacity_sample(&d, DCAP_MEMORY, NAN, t);
	signals(t += 1000, 20, 0.002, 0.12, 0.18, 0);
	assert_true(d.cap[DCAP_MEMORY].over);

	/* CPU back to 40 %: cleared after two samples, one crossing */
	deploywatch_capacity_sample(&d, DCAP_CPU, 0.4, t);
	assert_false(signals(t += 1000, 20, 0.002, 0.12, 0.18, 0) & DEPLOY_EV_CAPACITY);
	deploywatch_capacity_sample(&d, DCAP_CPU, 0.4, t);
	assert_true(signals(t += 1000, 20, 0.002, 0.12, 0.18, 0) & DEPLOY_EV_CAPACITY);
	assert_true(d.cap[DCAP_CPU].crossed);
	assert_false(d.cap[DCAP_CPU].over);
	assert_int_equal(d.ncapacity, 2);

	/* configurable: a 60 GiB line clears the database's warning */
	cfg.deploy.capacity_db_gb = 60;
	for (int i = 0; i < 2; i++) {
		deploywatch_capacity_sample(&d, DCAP_DB, 56 * gib, t);
		signals(t += 1000, 20, 0.002, 0.12, 0.18, 0);
	}
	assert_false(d.cap[DCAP_DB].over);
	/* a sample older than 30 s is not compared at all */
	deploywatch_capacity_sample(&d, DCAP_DB, 99 * gib, t);
	t += 31000;
	signals(t, 20, 0.002, 0.12, 0.18, 0);
	signals(t += 1000, 20, 0.002, 0.12, 0.18, 0);
	assert_false(d.cap[DCAP_DB].over);
}

static void the_deployment_log_is_the_runbooks_json_in_a_private_file(void **state)
{
	char dir[256], path[1200], err[256], buf[2048];
	struct stat sb;
	FILE *f;
	size_t n;
	cJSON *o;
	struct deploylog_entry e = {
		.wall_ms = 1764633600000LL, .version = "1.5.0", .previous = "1.4.2", .revision = 7,
		.from_slot = "blue", .to_slot = "green", .status = "rolled_back",
		.reason = "error ratio 8.1 % vs baseline 0.2 % for 2 s", .window_s = 300,
	};

	(void)state;
	config_defaults(&cfg);
	testutil_tmpdir(dir, sizeof dir);
	snprintf(cfg.deploy.log_dir, sizeof cfg.deploy.log_dir, "%s/logs/deployments", dir);
	snprintf(cfg.operator_name, sizeof cfg.operator_name, "alice");
	assert_int_equal(deploylog_write(&cfg, &e, path, sizeof path, err, sizeof err), 0);
	assert_non_null(strstr(path, "/logs/deployments/deploy_20251202T000000Z.json"));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(stat(cfg.deploy.log_dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	o = cJSON_Parse(buf);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "timestamp")->valuestring, "2025-12-02T00:00:00Z");
	assert_string_equal(cJSON_GetObjectItem(o, "version")->valuestring, "1.5.0");
	assert_string_equal(cJSON_GetObjectItem(o, "commit")->valuestring, "r7");
	assert_string_equal(cJSON_GetObjectItem(o, "operator")->valuestring, "alice");
	assert_string_equal(cJSON_GetObjectItem(o, "strategy")->valuestring, "blue-green");
	assert_string_equal(cJSON_GetObjectItem(o, "status")->valuestring, "rolled_back");
	assert_non_null(cJSON_GetObjectItem(o, "environment"));
	cJSON_Delete(o);
	/* a folder that cannot be made is words, not a crash */
	snprintf(cfg.deploy.log_dir, sizeof cfg.deploy.log_dir, "%s/logs/deployments/deploy_20251202T000000Z.json/x",
	         dir);
	assert_int_equal(deploylog_write(&cfg, &e, path, sizeof path, err, sizeof err), -1);
	assert_true(err[0] != '\0');
	testutil_rmtree(dir);
}

static void metrics_text_format_is_checked_line_by_line(void **state)
{
	static const char good[] =
		"# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n"
		"http_requests_total{slot=\"green\",route=\"/a\\\"b\",status=\"201\"} 12\n"
		"offline_queue_depth 0\nprocess_start_time_seconds 1.7e+09 1764633600000\nup NaN\n";
	char why[160];
	int n = 0;

	(void)state;
	assert_true(matrix_metrics_text(good, strlen(good), &n, why, sizeof why));
	assert_int_equal(n, 4);
	assert_false(matrix_metrics_text("<html>proxy</html>\n", 19, &n, why, sizeof why));
	assert_string_equal(why, "line 1 does not start with a metric name");
	assert_false(matrix_metrics_text("a{b=\"c\" 1\n", 11, &n, why, sizeof why));
	assert_string_equal(why, "line 1: labels not closed");
	assert_false(matrix_metrics_text("a 1\nb ok\n", 9, &n, why, sizeof why));
	assert_string_equal(why, "line 2: \"ok\" is not a sample value");
	assert_false(matrix_metrics_text("# only comments\n", 16, &n, why, sizeof why));
	assert_string_equal(why, "no samples");
}

static void the_checklist_counts_ticks_since_the_last_deployment_ended(void **state)
{
	struct timeline_event ev[5];
	bool ticked[9];
	size_t n;

	(void)state;
	memset(ev, 0, sizeof ev);
	/* newest first */
	snprintf(ev[0].kind, sizeof ev[0].kind, "checklist");
	snprintf(ev[0].summary, sizeof ev[0].summary, "checklist 3/9 ticked: Trivy scan: no CRITICAL vulnerabilities");
	snprintf(ev[1].kind, sizeof ev[1].kind, "checklist");
	snprintf(ev[1].summary, sizeof ev[1].summary, "checklist 3/9 ticked: Trivy scan: no CRITICAL vulnerabilities");
	snprintf(ev[2].kind, sizeof ev[2].kind, "checklist");
	snprintf(ev[2].summary, sizeof ev[2].summary, "checklist 9/9 ticked: On-call engineer identified and notified");
	snprintf(ev[3].kind, sizeof ev[3].kind, "deploy");
	snprintf(ev[3].summary, sizeof ev[3].summary, "Deployment finalized: 1.5.0 on green, blue scaled to 0");
	snprintf(ev[4].kind, sizeof ev[4].kind, "checklist");
	snprintf(ev[4].summary, sizeof ev[4].summary, "checklist 1/9 ticked: All unit tests passing (CI gate)");
	deploywatch_checklist(&n);
	assert_int_equal(n, 9);
	assert_int_equal(deploywatch_checklist_ticked(ev, 5, ticked, 9), 2);
	assert_true(ticked[2]);
	assert_true(ticked[8]);
	assert_false(ticked[0]);   /* ticked for the deployment before */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_good_deploy_passes_its_window_and_finalizes),
		cmocka_unit_test(one_noisy_sample_is_not_a_breach_but_a_sustained_one_is),
		cmocka_unit_test(a_fresh_watch_after_a_rollback_says_rolled_back),
		cmocka_unit_test(the_new_slots_own_ratio_counts_before_the_minute_catches_up),
		cmocka_unit_test(the_seeds_criteria_wait_five_minutes_over_baseline),
		cmocka_unit_test(p95_over_its_slo_by_a_fifth_for_five_minutes),
		cmocka_unit_test(no_ready_pod_behind_the_service_is_a_fast_breach),
		cmocka_unit_test(a_growing_queue_and_capacity_warnings),
		cmocka_unit_test(capacity_lines_are_crossed_once_each_way),
		cmocka_unit_test(the_matrix_is_due_at_the_smoke_test_and_after_the_switch),
		cmocka_unit_test(the_deployment_log_is_the_runbooks_json_in_a_private_file),
		cmocka_unit_test(metrics_text_format_is_checked_line_by_line),
		cmocka_unit_test(the_checklist_counts_ticks_since_the_last_deployment_ended),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
