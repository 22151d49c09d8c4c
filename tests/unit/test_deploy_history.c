/* The deployment model from history: which answer dates the switch, what
 * Argo CD's history and Prometheus' traffic by slot say of it, the
 * ReplicaSets' builds, the baseline's range clear of an earlier window, and
 * the newest rollback as the timeline keeps it (a restart knows it). */
#include "testutil.h"

#include <math.h>

#include "warroom/argocd.h"
#include "warroom/config.h"
#include "warroom/deploy.h"
#include "warroom/rollback.h"
#include "warroom/slots.h"
#include "warroom/timeline.h"

#define T0 1795183500000LL   /* 2026-11-20T14:05:00Z */

static struct timeline_event ev[12];
static size_t nev;

static void history_precedence_newest_answer_named_by_the_most_trusted(void **state)
{
	struct deploy_evidence e;
	enum deploy_source src;
	bool bound;

	(void)state;
	memset(&e, 0, sizeof e);
	assert_int_equal(deploy_pick_switch(&e, "green", &src, &bound), 0);
	assert_int_equal(src, DSRC_NONE);
	/* only the ReplicaSet: a lower bound */
	e.at[DSRC_REPLICASET] = T0 - 60000;
	assert_int_equal(deploy_pick_switch(&e, "green", &src, &bound), T0 - 60000);
	assert_int_equal(src, DSRC_REPLICASET);
	assert_true(bound);
	/* Prometheus' moment the rate moved */
	e.at[DSRC_PROM_TRAFFIC] = T0 + 1000;
	assert_int_equal(deploy_pick_switch(&e, "green", &src, &bound), T0 + 1000);
	assert_int_equal(src, DSRC_PROM_TRAFFIC);
	assert_false(bound);
	/* Argo CD and managedFields agree within seconds: Argo CD names it, its time */
	e.at[DSRC_MANAGED_FIELDS] = T0;
	e.at[DSRC_ARGOCD] = T0 - 1000;
	assert_int_equal(deploy_pick_switch(&e, "green", &src, &bound), T0 - 1000);
	assert_int_equal(src, DSRC_ARGOCD);
	/* a switch by hand after Argo CD's sync: the API server's record wins */
	e.at[DSRC_ARGOCD] = T0 - 3600000;
	e.at[DSRC_MANAGED_FIELDS] = T0 + 1500;
	assert_int_equal(deploy_pick_switch(&e, "green", &src, &bound), T0 + 1500);
	assert_int_equal(src, DSRC_MANAGED_FIELDS);
	/* a sync after a switch by hand that left the selector as it was: no switch */
	e.at[DSRC_ARGOCD] = T0 + 3600000;
	assert_int_equal(deploy_pick_switch(&e, "green", &src, &bound), T0 + 1500);
	assert_int_equal(src, DSRC_MANAGED_FIELDS);
	/* without the API server's record, the newest answer */
	e.at[DSRC_MANAGED_FIELDS] = 0;
	assert_int_equal(deploy_pick_switch(&e, "green", &src, &bound), T0 + 3600000);
	assert_int_equal(src, DSRC_ARGOCD);
	e.at[DSRC_ARGOCD] = T0 - 3600000;
	e.at[DSRC_MANAGED_FIELDS] = T0 + 1500;
	/* an answer about another slot says nothing of this one */
	snprintf(e.active[DSRC_MANAGED_FIELDS], sizeof e.active[0], "blue");
	snprintf(e.active[DSRC_PROM_TRAFFIC], sizeof e.active[0], "green");
	assert_int_equal(deploy_pick_switch(&e, "green", &src, &bound), T0 + 1000);
	assert_int_equal(src, DSRC_PROM_TRAFFIC);
}

static void argocd_history_dates_the_sync_that_changed_the_slot(void **state)
{
	static const char json[] =
		"{\"metadata\":{\"name\":\"detection-api\"},\"spec\":{},\"status\":{\"history\":["
		"{\"id\":1,\"revision\":\"a1\",\"deployedAt\":\"2026-11-13T14:05:00Z\",\"initiatedBy\":{\"username\":\"ci-bot\"},"
		"\"source\":{\"helm\":{\"parameters\":[{\"name\":\"service.activeSlot\",\"value\":\"green\"}]}}},"
		"{\"id\":2,\"revision\":\"b2\",\"deployedAt\":\"2026-11-18T14:05:00Z\",\"initiatedBy\":{\"username\":\"ci-bot\"},"
		"\"source\":{\"helm\":{\"parameters\":[{\"name\":\"service.activeSlot\",\"value\":\"blue\"}]}}},"
		"{\"id\":3,\"revision\":\"c3\",\"deployedAt\":\"2026-11-20T14:04:40Z\",\"initiatedBy\":{\"username\":\"ci-bot\"},"
		"\"source\":{\"helm\":{\"parameters\":[{\"name\":\"service.activeSlot\",\"value\":\"blue\"},"
		"{\"name\":\"green.image.tag\",\"value\":\"1.5.0\"}]}}},"
		"{\"id\":4,\"revision\":\"d4\",\"deployedAt\":\"2026-11-20T14:05:30Z\",\"initiatedBy\":{\"username\":\"alice\"},"
		"\"source\":{\"helm\":{\"parameters\":[{\"name\":\"service.activeSlot\",\"value\":\"green\"}]}}},"
		"{\"id\":5,\"revision\":\"e5\",\"deployedAt\":\"2026-11-20T14:15:30Z\",\"initiatedBy\":{\"automated\":true},"
		"\"source\":{\"helm\":{\"parameters\":[{\"name\":\"service.activeSlot\",\"value\":\"green\"}]}}}]}}";
	struct argocd_app app;
	char err[200], by[64], tag[32];
	int64_t at, before;

	(void)state;
	memset(&app, 0, sizeof app);
	assert_int_equal(argocd_parse_app(json, strlen(json), &app, err, sizeof err), 0);
	argocd_history_param(&app.history[2], "green.image.tag", tag, sizeof tag);
	assert_string_equal(tag, "1.5.0");
	assert_string_equal(app.history[4].initiated_by, "automated");
	/* the switch to green is entry 4's, not the later sync that kept it */
	assert_true(deploy_argocd_switch(&app, "service.activeSlot", "green", &at, by, sizeof by, &before));
	assert_int_equal(at, T0 + 30000);
	assert_string_equal(by, "alice");
	assert_int_equal(before, T0 - 2 * 86400000LL);   /* the switch to blue before it */
	/* the newest entry names green: Argo CD cannot date blue (changed by hand since) */
	assert_false(deploy_argocd_switch(&app, "service.activeSlot", "blue", &at, by, sizeof by, &before));
	/* a chart without the parameter says nothing */
	assert_false(deploy_argocd_switch(&app, "activeColor", "green", &at, by, sizeof by, &before));
	argocd_app_free(&app);
}

static void prometheus_traffic_by_slot_dates_the_move(void **state)
{
	int64_t t[8], at, before;
	double green[8] = { 0, 0, 0, 19, 20, 20, 0.5, 20 };
	double blue[8] = { 20, 20, 20, 1, 0, 0, 19, 0 };
	bool always;

	(void)state;
	for (int i = 0; i < 8; i++)
		t[i] = T0 + 1000 * i;
	/* moved to green, back to blue (a rollback), to green again */
	assert_true(deploy_traffic_switch(t, green, blue, 8, &at, &before, &always));
	assert_int_equal(at, T0 + 7000);
	assert_int_equal(before, T0 + 6000);
	/* blue had it all along: older than the range */
	assert_false(deploy_traffic_switch(t, blue, (double[8]){ 0 }, 3, &at, &before, &always));
	assert_true(always);
	/* the active slot never had the larger share: no answer */
	assert_false(deploy_traffic_switch(t, green, blue, 3, &at, &before, &always));
	assert_false(always);
	/* gaps (NaN) are no move */
	green[4] = NAN;
	blue[4] = NAN;
	assert_true(deploy_traffic_switch(t, green, blue, 6, &at, &before, &always));
	assert_int_equal(at, T0 + 3000);
}

static void the_replicasets_date_each_slots_build(void **state)
{
	static const char json[] = "{\"kind\":\"ReplicaSetList\",\"items\":["
		"{\"metadata\":{\"name\":\"detection-api-green-old\",\"creationTimestamp\":\"2026-11-13T14:05:00Z\","
		"\"annotations\":{\"deployment.kubernetes.io/revision\":\"1\"},"
		"\"ownerReferences\":[{\"kind\":\"Deployment\",\"name\":\"detection-api-green\"}]}},"
		"{\"metadata\":{\"name\":\"detection-api-green-new\",\"creationTimestamp\":\"2026-11-20T14:05:00Z\","
		"\"annotations\":{\"deployment.kubernetes.io/revision\":\"2\"},"
		"\"ownerReferences\":[{\"kind\":\"Deployment\",\"name\":\"detection-api-green\"}]}},"
		"{\"metadata\":{\"name\":\"detection-api-blue-x\",\"creationTimestamp\":\"2026-11-18T14:05:00Z\","
		"\"annotations\":{\"deployment.kubernetes.io/revision\":\"2\"},"
		"\"ownerReferences\":[{\"kind\":\"Deployment\",\"name\":\"detection-api-blue\"}]}}]}";
	struct slots_state st;
	struct deploy_evidence e;
	struct config cfg;
	char err[200];

	(void)state;
	config_defaults(&cfg);
	snprintf(cfg.kube.deployments[0], sizeof cfg.kube.deployments[0], "detection-api-blue");
	snprintf(cfg.kube.deployments[1], sizeof cfg.kube.deployments[1], "detection-api-green");
	slots_init(&st, &cfg);
	st.slot[0].revision = 2;
	st.slot[1].revision = 2;
	memset(&e, 0, sizeof e);
	assert_int_equal(deploy_parse_builds(&e, &st, json, strlen(json), err, sizeof err), 0);
	assert_string_equal(e.build_slot[1], "green");
	assert_int_equal(e.build_ms[1], T0);
	assert_int_equal(e.build_ms[0], T0 - 2 * 86400000LL);
	assert_int_equal(deploy_parse_builds(&e, &st, "[]", 2, err, sizeof err), -1);
}

static void the_baseline_ends_a_rate_window_before_the_switch_and_after_an_earlier_one(void **state)
{
	int64_t from, to;
	char note[200];

	(void)state;
	assert_int_equal(deploy_rate_window_ms("sum(rate(x[1m])) / sum(rate(y[30s]))", 0), 60000);
	assert_int_equal(deploy_rate_window_ms("rate(x[1m30s])", 0), 90000);
	assert_int_equal(deploy_rate_window_ms("max_over_time(x[5m:1m])", 0), 300000);
	assert_int_equal(deploy_rate_window_ms("up", 42), 42);
	/* five minutes, ending a minute before the switch: no sample of the new version */
	assert_true(deploy_baseline_range(T0, 0, 60000, 300000, &from, &to, note, sizeof note));
	assert_int_equal(to, T0 - 60000);
	assert_int_equal(from, T0 - 360000);
	/* an earlier window ended three minutes before: the baseline starts a minute after it */
	assert_true(deploy_baseline_range(T0, T0 - 180000, 60000, 300000, &from, &to, note, sizeof note));
	assert_int_equal(from, T0 - 120000);
	assert_int_equal(to, T0 - 60000);
	/* forty seconds before: nothing clean is left, and it says so */
	assert_false(deploy_baseline_range(T0, T0 - 40000, 60000, 300000, &from, &to, note, sizeof note));
	assert_string_equal(note, "no clean baseline: the switch before, at 14:04:20, is within 40 s of this one");
}

/* Events are listed newest first, as the model holds them. */
static void push(int64_t ts, const char *actor, const char *kind, const char *summary, const char *detail)
{
	memmove(&ev[1], &ev[0], nev * sizeof ev[0]);
	memset(&ev[0], 0, sizeof ev[0]);
	ev[0].ts_ms = ts;
	snprintf(ev[0].actor, sizeof ev[0].actor, "%s", actor);
	snprintf(ev[0].kind, sizeof ev[0].kind, "%s", kind);
	snprintf(ev[0].summary, sizeof ev[0].summary, "%s", summary);
	ev[0].detail_json = detail ? strdup(detail) : NULL;
	nev++;
}

/* One run as rollback_exec.c writes it: the plan, a call, the outcome. */
static void run(int64_t ts, const char *who, const char *service, const char *to, int outcome)
{
	struct rollback_plan p;
	char out[96];
	char *pj;

	memset(&p, 0, sizeof p);
	p.strategy = p.requested = ROLLBACK_SELECTOR;
	p.ok = true;
	snprintf(p.ns, sizeof p.ns, "detection-system");
	snprintf(p.service, sizeof p.service, "%s", service);
	snprintf(p.from_name, sizeof p.from_name, "%s", strcmp(to, "blue") ? "blue" : "green");
	snprintf(p.to_name, sizeof p.to_name, "%s", to);
	snprintf(p.target_image, sizeof p.target_image, "registry.example.com/detection-api:1.4.2");
	snprintf(p.from_image, sizeof p.from_image, "registry.example.com/detection-api:1.5.0");
	p.from_revision = 2;
	pj = rollback_plan_json(&p);
	push(ts, who, "rollback", "rollback selector confirmed", pj);
	free(pj);
	push(ts + 100, who, "rollback", "PATCH service", "{\"status\":200,\"duration_ms\":12,\"ok\":true}");
	snprintf(out, sizeof out, "{\"outcome\":%d,\"confirm_to_verified_ms\":812}", outcome);
	push(ts + 800, who, "rollback", "traffic on blue, verified in 0.8 s", out);
}

static void free_events(void)
{
	for (size_t i = 0; i < nev; i++)
		free(ev[i].detail_json);
	nev = 0;
}

static void the_newest_rollback_is_read_back_from_the_timeline(void **state)
{
	struct deploy_rollback rb;
	struct deploy d;
	struct config cfg;
	char *j;

	(void)state;
	nev = 0;
	assert_false(deploy_recall_rollback(ev, nev, "detection-system", "detection-api-service", &rb));
	/* the rollback action's record: its plan and its verified outcome */
	run(T0, "alice", "detection-api-service", "blue", ROLLBACK_VERIFIED);
	assert_true(deploy_recall_rollback(ev, nev, "detection-system", "detection-api-service", &rb));
	assert_string_equal(rb.from_slot, "green");
	assert_string_equal(rb.from_version, "1.5.0");
	assert_int_equal(rb.from_revision, 2);
	assert_string_equal(rb.to_slot, "blue");
	assert_string_equal(rb.to_version, "1.4.2");
	assert_string_equal(rb.by, "alice");
	assert_int_equal(rb.wall_ms, T0 + 800);
	/* a failed run after it, and another service's, hide nothing */
	run(T0 + 60000, "bob", "detection-api-service", "green", ROLLBACK_FAILED);
	run(T0 + 90000, "carol", "other-service", "green", ROLLBACK_VERIFIED);
	assert_true(deploy_recall_rollback(ev, nev, "detection-system", "detection-api-service", &rb));
	assert_string_equal(rb.by, "alice");
	/* the model's own record, newer, with the breach that called for it */
	config_defaults(&cfg);
	snprintf(cfg.kube.namespace_, sizeof cfg.kube.namespace_, "detection-system");
	snprintf(cfg.kube.service, sizeof cfg.kube.service, "detection-api-service");
	deploy_init(&d, &cfg);
	d.rb.known = true;
	snprintf(d.rb.from_slot, sizeof d.rb.from_slot, "green");
	snprintf(d.rb.from_version, sizeof d.rb.from_version, "1.5.0");
	snprintf(d.rb.to_slot, sizeof d.rb.to_slot, "blue");
	snprintf(d.rb.to_version, sizeof d.rb.to_version, "1.4.2");
	snprintf(d.rb.by, sizeof d.rb.by, "argocd-controller");
	snprintf(d.rb.reason, sizeof d.rb.reason, "errors 7.8 %% > 5 %% for 9 s");
	d.rb.wall_ms = T0 + 120000;
	j = deploy_rollback_json(&d);
	push(T0 + 121000, "dave", "deploy", "Deployment rolled back: ...", j);
	free(j);
	assert_true(deploy_recall_rollback(ev, nev, "detection-system", "detection-api-service", &rb));
	assert_string_equal(rb.by, "argocd-controller");
	assert_string_equal(rb.reason, "errors 7.8 % > 5 % for 9 s");
	assert_int_equal(rb.wall_ms, T0 + 120000);
	free_events();
	/* a run that never verified moved nothing */
	run(T0, "alice", "detection-api-service", "blue", ROLLBACK_VERIFY_FAILED);
	assert_false(deploy_recall_rollback(ev, nev, "detection-system", "detection-api-service", &rb));
	free_events();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(history_precedence_newest_answer_named_by_the_most_trusted),
		cmocka_unit_test(argocd_history_dates_the_sync_that_changed_the_slot),
		cmocka_unit_test(prometheus_traffic_by_slot_dates_the_move),
		cmocka_unit_test(the_replicasets_date_each_slots_build),
		cmocka_unit_test(the_baseline_ends_a_rate_window_before_the_switch_and_after_an_earlier_one),
		cmocka_unit_test(the_newest_rollback_is_read_back_from_the_timeline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
