/* The phase after a rollback: found in the timeline as the writer leaves it,
 * shown while the slots still show its result. */
#include "testutil.h"

#include "warroom/config.h"
#include "warroom/rollback.h"
#include "warroom/slots.h"
#include "warroom/timeline.h"

#define T0 1795183500000LL   /* 2026-11-20T14:05:00Z */

static struct timeline_event ev[8];
static size_t nev;
static struct slots_state st;

/* Events are listed newest first, as the model holds them. */
static void push(int64_t ts, const char *actor, const char *summary, const char *detail)
{
	memmove(&ev[1], &ev[0], nev * sizeof ev[0]);
	memset(&ev[0], 0, sizeof ev[0]);
	ev[0].ts_ms = ts;
	snprintf(ev[0].actor, sizeof ev[0].actor, "%s", actor);
	snprintf(ev[0].kind, sizeof ev[0].kind, "rollback");
	snprintf(ev[0].summary, sizeof ev[0].summary, "%s", summary);
	ev[0].detail_json = detail ? strdup(detail) : NULL;
	nev++;
}

/* One run as rollback_exec.c writes it: the plan, a call, the outcome. */
static void run(int64_t ts, const char *who, const char *to, long rev, int outcome)
{
	struct rollback_plan p;
	char out[96];

	memset(&p, 0, sizeof p);
	p.strategy = p.requested = ROLLBACK_SELECTOR;
	p.ok = true;
	snprintf(p.from_name, sizeof p.from_name, "%s", strcmp(to, "blue") ? "blue" : "green");
	snprintf(p.to_name, sizeof p.to_name, "%s", to);
	p.target_revision = rev;
	char *pj = rollback_plan_json(&p);
	push(ts, who, "rollback selector confirmed", pj);
	free(pj);
	push(ts + 100, who, "PATCH service", "{\"status\":200,\"duration_ms\":12,\"ok\":true}");
	snprintf(out, sizeof out, "{\"outcome\":%d,\"confirm_to_verified_ms\":812}", outcome);
	push(ts + 800, who, "traffic on blue, verified in 0.8 s", out);
}

static int setup(void **state)
{
	struct config cfg;

	(void)state;
	nev = 0;
	config_defaults(&cfg);
	snprintf(cfg.kube.service, sizeof cfg.kube.service, "detection-api-service");
	snprintf(cfg.kube.deployments[0], sizeof cfg.kube.deployments[0], "detection-api-blue");
	snprintf(cfg.kube.deployments[1], sizeof cfg.kube.deployments[1], "detection-api-green");
	slots_init(&st, &cfg);
	assert_int_equal(st.nslots, 2);
	st.service_found = true;
	st.active = slots_index(&st, "blue");
	st.phase = SLOTS_PHASE_MONITOR;
	st.slot[0].progress_wall_ms = T0 - 86400000;   /* blue rolled out yesterday */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < nev; i++)
		free(ev[i].detail_json);
	return 0;
}

static void verified_rollback_names_slot_revision_time_and_operator(void **state)
{
	struct slots_rollback rb;
	char line[160];

	(void)state;
	run(T0, "alice", "blue", 11, ROLLBACK_VERIFIED);
	assert_true(slots_last_rollback(ev, nev, &rb));
	assert_string_equal(rb.to, "blue");
	assert_string_equal(rb.from, "green");
	assert_string_equal(rb.strategy, "selector");
	assert_int_equal(rb.revision, 11);
	assert_string_equal(rb.by, "alice");
	assert_int_equal(rb.wall_ms, T0 + 800);
	assert_true(slots_rollback_phase(&st, &rb, T0 + 2000, line, sizeof line));
	assert_string_equal(line, "ROLLED BACK to blue r11 at 14:05Z by alice");
}

static void a_failed_run_after_it_does_not_hide_the_verified_one(void **state)
{
	struct slots_rollback rb;

	(void)state;
	run(T0, "alice", "blue", 11, ROLLBACK_VERIFIED);
	run(T0 + 60000, "bob", "green", 3, ROLLBACK_FAILED);
	assert_true(slots_last_rollback(ev, nev, &rb));
	assert_string_equal(rb.to, "blue");
	assert_string_equal(rb.by, "alice");
}

static void no_verified_run_no_rollback(void **state)
{
	struct slots_rollback rb;
	char line[160];

	(void)state;
	assert_false(slots_last_rollback(ev, nev, &rb));
	run(T0, "alice", "blue", 11, ROLLBACK_VERIFY_FAILED);
	assert_false(slots_last_rollback(ev, nev, &rb));
	assert_false(slots_rollback_phase(&st, &rb, T0, line, sizeof line));
}

static void the_phase_is_the_rollback_only_while_the_slots_show_it(void **state)
{
	struct slots_rollback rb;
	char line[160];

	(void)state;
	run(T0, "alice", "blue", 11, ROLLBACK_VERIFIED);
	assert_true(slots_last_rollback(ev, nev, &rb));
	/* traffic moved on to green since: a deployment, not the rollback */
	st.active = slots_index(&st, "green");
	assert_false(slots_rollback_phase(&st, &rb, T0 + 2000, line, sizeof line));
	st.active = slots_index(&st, "blue");
	/* blue rolled out again after the rollback: a new version */
	st.slot[0].progress_wall_ms = T0 + 10 * 60000;
	assert_false(slots_rollback_phase(&st, &rb, T0 + 11 * 60000, line, sizeof line));
	st.slot[0].progress_wall_ms = T0 - 86400000;
	/* standby back at 0 and the window over: steady again */
	st.phase = SLOTS_PHASE_STEADY;
	assert_true(slots_rollback_phase(&st, &rb, T0 + 60000, line, sizeof line));
	assert_false(slots_rollback_phase(&st, &rb, T0 + 800 + SLOTS_MONITOR_MS, line, sizeof line));
	/* while the bad slot still runs, the rollback is still the story */
	st.phase = SLOTS_PHASE_SMOKE_TEST;
	assert_true(slots_rollback_phase(&st, &rb, T0 + 3600000, line, sizeof line));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(verified_rollback_names_slot_revision_time_and_operator, setup, teardown),
		cmocka_unit_test_setup_teardown(a_failed_run_after_it_does_not_hide_the_verified_one, setup, teardown),
		cmocka_unit_test_setup_teardown(no_verified_run_no_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(the_phase_is_the_rollback_only_while_the_slots_show_it, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
