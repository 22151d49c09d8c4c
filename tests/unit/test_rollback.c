/* rollback: the planner picks the fastest safe strategy, says why, states the
 * facts, and refuses in words when nothing safe exists. */
#include "testutil.h"

#include <stdbool.h>

#include <cJSON.h>

#include "warroom/argocd.h"
#include "warroom/config.h"
#include "warroom/http.h"
#include "warroom/kube.h"
#include "warroom/kubeconfig.h"
#include "warroom/loop.h"
#include "warroom/rollback.h"
#include "warroom/slots.h"

/* 2025-07-01T12:00:00Z and 2025-12-25T12:00:00Z */
#define JULY ((int64_t)1751371200 * 1000)
#define XMAS ((int64_t)1766664000 * 1000)

static void slot(struct slots_slot *s, const char *name, int desired, int ready, const char *image, long rev)
{
	memset(s, 0, sizeof *s);
	snprintf(s->name, sizeof s->name, "%s", name);
	snprintf(s->deployment, sizeof s->deployment, "detection-api-%s", name);
	s->found = true;
	s->desired = desired;
	s->replicas = desired;
	s->ready = s->available = s->updated = ready;
	snprintf(s->image, sizeof s->image, "%s", image);
	s->revision = rev;
	s->rollout_complete = ready >= desired;
}

/* Traffic on `active` (NULL: selector without slot label). */
static struct slots_state *bg(const char *active, int blue_desired, int blue_ready, int green_desired, int green_ready)
{
	struct slots_state *st = calloc(1, sizeof *st);
	snprintf(st->namespace_, sizeof st->namespace_, "detection-system");
	snprintf(st->service, sizeof st->service, "detection-api-service");
	snprintf(st->slot_label, sizeof st->slot_label, "slot");
	st->nslots = 2;
	slot(&st->slot[0], "blue", blue_desired, blue_ready, "registry.example.com/detection-api:1.4.2", 11);
	slot(&st->slot[1], "green", green_desired, green_ready, "registry.example.com/detection-api:1.5.0", 12);
	st->service_found = true;
	snprintf(st->service_rv, sizeof st->service_rv, "4711");
	if (active) {
		snprintf(st->selector, sizeof st->selector, "app=detection-api,slot=%s", active);
		snprintf(st->selector_slot, sizeof st->selector_slot, "%s", active);
	} else {
		snprintf(st->selector, sizeof st->selector, "app=detection-api");
	}
	slots_derive(st);
	st->updated_ms = 1000;
	return st;
}

static struct rollback_input input(const struct slots_state *st, enum rollback_strategy req)
{
	return (struct rollback_input){ .slots = st, .now_wall_ms = JULY, .requested = req };
}

static bool line_has(const struct rollback_plan *p, const char *text)
{
	for (size_t i = 0; i < p->nlines; i++)
		if (strstr(p->lines[i], text))
			return true;
	return false;
}

static bool warning_has(const struct rollback_plan *p, const char *text)
{
	for (size_t i = 0; i < p->nwarnings; i++)
		if (strstr(p->warnings[i], text))
			return true;
	return false;
}

static void test_selector_when_standby_ready(void **state)
{
	(void)state;
	struct slots_state *st = bg("green", 3, 3, 3, 3);
	struct rollback_input in = input(st, ROLLBACK_AUTO);
	struct rollback_plan p;
	rollback_plan_make(&in, &p);
	assert_true(p.ok);
	assert_int_equal(p.strategy, ROLLBACK_SELECTOR);
	assert_string_equal(p.from_name, "green");
	assert_string_equal(p.to_name, "blue");
	assert_int_equal(p.need_ready, 3);
	assert_int_equal(p.target_ready, 3);
	assert_string_equal(p.service_rv, "4711");
	assert_string_equal(p.target_image, "registry.example.com/detection-api:1.4.2");
	assert_int_equal(p.target_revision, 11);
	assert_non_null(strstr(p.why, "standby blue has 3/3 ready pods"));
	assert_true(line_has(&p, "selector slot=green -> slot=blue"));
	assert_true(line_has(&p, "resourceVersion 4711"));
	assert_true(line_has(&p, "active   green"));
	assert_true(line_has(&p, "Argo CD: not configured"));
	assert_int_equal(p.nwarnings, 0);

	char *j = rollback_plan_json(&p);
	cJSON *root = cJSON_Parse(j);
	assert_string_equal(cJSON_GetObjectItem(root, "strategy")->valuestring, "selector");
	assert_string_equal(cJSON_GetObjectItem(root, "to")->valuestring, "blue");
	assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(root, "lines")) >= 4);
	cJSON_Delete(root);
	free(j);

	struct rollback_plan back;
	rollback_plan_switch_back(&p, st, &back);
	assert_int_equal(back.strategy, ROLLBACK_SELECTOR);
	assert_string_equal(back.to_name, "green");
	assert_string_equal(back.from_name, "blue");
	free(st);
}

static void test_standby_short_of_pods(void **state)
{
	(void)state;
	struct slots_state *st = bg("green", 3, 2, 3, 3);
	struct rollback_input in = input(st, ROLLBACK_AUTO);
	struct rollback_plan p;
	rollback_plan_make(&in, &p);
	assert_false(p.ok);
	assert_non_null(strstr(p.refusal, "standby blue has 2/3 ready pods (needs 3)"));
	assert_non_null(strstr(p.refusal, "not scaled to 0"));

	/* kubernetes.min_ready lowers the bar. */
	in.min_ready = 2;
	rollback_plan_make(&in, &p);
	assert_true(p.ok);
	assert_int_equal(p.strategy, ROLLBACK_SELECTOR);
	assert_int_equal(p.need_ready, 2);

	/* Asking for the selector with a standby at 0 ready: refused, and says why. */
	free(st);
	st = bg("green", 3, 0, 3, 3);
	in = input(st, ROLLBACK_SELECTOR);
	rollback_plan_make(&in, &p);
	assert_false(p.ok);
	assert_non_null(strstr(p.refusal, "standby blue has 0 ready pods: switching would cause an outage"));
	free(st);
}

static void test_scale_switch_after_finalize(void **state)
{
	(void)state;
	struct slots_state *st = bg("green", 0, 0, 3, 3);
	struct rollback_input in = input(st, ROLLBACK_AUTO);
	struct rollback_plan p;
	rollback_plan_make(&in, &p);
	assert_true(p.ok);
	assert_int_equal(p.strategy, ROLLBACK_SCALE_SWITCH);
	assert_int_equal(p.scale_to, 3);
	assert_string_equal(p.to_name, "blue");
	assert_string_equal(p.target_deployment, "detection-api-blue");
	assert_true(line_has(&p, "deployment detection-api-blue replicas 0 -> 3"));
	assert_non_null(strstr(p.why, "scale it to 3, wait until ready, then switch"));
	free(st);
}

static void test_undo_for_a_plain_deployment(void **state)
{
	(void)state;
	struct slots_state *st = calloc(1, sizeof *st);
	snprintf(st->namespace_, sizeof st->namespace_, "detection-system");
	snprintf(st->service, sizeof st->service, "detection-api-service");
	snprintf(st->slot_label, sizeof st->slot_label, "slot");
	st->nslots = 1;
	slot(&st->slot[0], "api", 3, 3, "registry.example.com/detection-api:1.5.0", 5);
	st->service_found = true;
	snprintf(st->selector, sizeof st->selector, "app=detection-api");
	slots_derive(st);

	struct rollback_input in = input(st, ROLLBACK_AUTO);
	in.undo_known = true;
	in.undo_to_revision = 4;
	in.undo_image = "registry.example.com/detection-api:1.4.2";
	struct rollback_plan p;
	rollback_plan_make(&in, &p);
	assert_true(p.ok);
	assert_int_equal(p.strategy, ROLLBACK_UNDO);
	assert_int_equal(p.undo_to_revision, 4);
	assert_string_equal(p.target_deployment, "detection-api-api");
	assert_true(line_has(&p, "revision 5 (registry.example.com/detection-api:1.5.0) -> revision 4 "
	                         "(registry.example.com/detection-api:1.4.2)"));

	/* No history: refused with the API's words. */
	in.undo_known = false;
	in.undo_error = "no rollout history found for deployment \"detection-api-api\"";
	rollback_plan_make(&in, &p);
	assert_false(p.ok);
	assert_non_null(strstr(p.refusal, "no rollout history found"));

	/* The selector needs two slots. */
	in = input(st, ROLLBACK_SELECTOR);
	rollback_plan_make(&in, &p);
	assert_false(p.ok);
	assert_non_null(strstr(p.refusal, "needs two slots"));
	free(st);
}

static void app_with_autosync(struct argocd_app *app, bool on)
{
	char err[128];
	const char *json = on ?
		"{\"metadata\":{\"name\":\"detection-api\"},\"spec\":{\"syncPolicy\":{\"automated\":{\"prune\":true,\"selfHeal\":true}}},"
		"\"status\":{\"sync\":{\"status\":\"Synced\"},\"health\":{\"status\":\"Degraded\"},"
		"\"history\":[{\"id\":3,\"revision\":\"c3\"},{\"id\":4,\"revision\":\"d4\"},{\"id\":5,\"revision\":\"e5\"}]}}" :
		"{\"metadata\":{\"name\":\"detection-api\"},\"spec\":{\"syncPolicy\":{}},"
		"\"status\":{\"sync\":{\"status\":\"Synced\"},\"health\":{\"status\":\"Healthy\"},"
		"\"history\":[{\"id\":3,\"revision\":\"c3\"},{\"id\":4,\"revision\":\"d4\"}]}}";
	assert_int_equal(argocd_parse_app(json, strlen(json), app, err, sizeof err), 0);
}

static void test_argocd_autosync_changes_the_plan(void **state)
{
	(void)state;
	struct slots_state *st = bg("green", 3, 3, 3, 3);
	struct argocd_app app;
	app_with_autosync(&app, true);
	struct rollback_input in = input(st, ROLLBACK_AUTO);
	in.argocd_configured = true;
	in.app = &app;
	struct rollback_plan p;
	rollback_plan_make(&in, &p);
	assert_true(p.ok);
	assert_int_equal(p.strategy, ROLLBACK_ARGOCD);
	assert_true(p.argocd_autosync);
	assert_int_equal(p.argocd_to_id, 4);
	assert_string_equal(p.argocd_to_revision, "d4");
	assert_non_null(strstr(p.why, "auto-sync would revert a direct patch"));
	assert_true(warning_has(&p, "self-heal would revert a direct selector patch"));
	assert_true(warning_has(&p, "--strategy selector"));
	assert_true(line_has(&p, "auto-sync ON -> off, then rollback to history 4"));
	assert_true(line_has(&p, "follow-up: re-enable auto-sync"));
	assert_true(line_has(&p, "auto-sync ON with self-heal"));
	assert_non_null(strstr(p.argocd_automated_json, "selfHeal"));

	/* The direct patch stays available, behind the warning. */
	in.requested = ROLLBACK_SELECTOR;
	rollback_plan_make(&in, &p);
	assert_true(p.ok);
	assert_int_equal(p.strategy, ROLLBACK_SELECTOR);
	assert_true(warning_has(&p, "will revert this selector patch"));
	argocd_app_free(&app);

	/* Auto-sync off: the instant selector switch wins; argocd on request only. */
	app_with_autosync(&app, false);
	in.requested = ROLLBACK_AUTO;
	rollback_plan_make(&in, &p);
	assert_int_equal(p.strategy, ROLLBACK_SELECTOR);
	assert_int_equal(p.nwarnings, 0);
	in.requested = ROLLBACK_ARGOCD;
	rollback_plan_make(&in, &p);
	assert_true(p.ok);
	assert_int_equal(p.strategy, ROLLBACK_ARGOCD);
	assert_false(p.argocd_autosync);
	assert_int_equal(p.argocd_to_id, 3);
	assert_false(line_has(&p, "follow-up"));
	argocd_app_free(&app);

	/* Argo CD configured but unreachable: the seeds' option C, with a warning. */
	in.app = NULL;
	in.argocd_error = "cannot reach Argo CD at https://127.0.0.1:8443: connection refused";
	in.requested = ROLLBACK_AUTO;
	rollback_plan_make(&in, &p);
	assert_true(p.ok);
	assert_int_equal(p.strategy, ROLLBACK_SELECTOR);
	assert_true(warning_has(&p, "Argo CD is unreachable"));
	assert_true(line_has(&p, "connection refused"));
	in.requested = ROLLBACK_ARGOCD;
	rollback_plan_make(&in, &p);
	assert_false(p.ok);
	assert_non_null(strstr(p.refusal, "Argo CD is unreachable"));
	free(st);
}

static void test_refusals(void **state)
{
	(void)state;
	struct slots_state *st = bg("green", 3, 3, 3, 3);
	struct rollback_input in = input(st, ROLLBACK_AUTO);
	in.slots_error = "cannot reach the API server at https://127.0.0.1:6443: connection refused";
	struct rollback_plan p;
	rollback_plan_make(&in, &p);
	assert_false(p.ok);
	assert_string_equal(p.refusal, "cannot read the cluster: cannot reach the API server at "
	                    "https://127.0.0.1:6443: connection refused");
	free(st);

	st = bg(NULL, 3, 3, 3, 3);
	in = input(st, ROLLBACK_AUTO);
	rollback_plan_make(&in, &p);
	assert_false(p.ok);
	assert_non_null(strstr(p.refusal, "selects both slots"));
	free(st);

	st = bg("purple", 3, 3, 3, 3);
	in = input(st, ROLLBACK_AUTO);
	rollback_plan_make(&in, &p);
	assert_false(p.ok);
	assert_non_null(strstr(p.refusal, "slot=purple, not a configured slot"));
	free(st);

	st = bg("green", 3, 3, 3, 3);
	st->slot[0].found = false;
	in = input(st, ROLLBACK_AUTO);
	rollback_plan_make(&in, &p);
	assert_false(p.ok);
	assert_non_null(strstr(p.refusal, "standby deployment detection-api-blue does not exist"));
	st->slot[0].found = true;
	st->service_found = false;
	rollback_plan_make(&in, &p);
	assert_false(p.ok);
	assert_non_null(strstr(p.refusal, "service detection-api-service not found"));
	free(st);
}

/* The config's freeze periods, loaded from text over the defaults. */
static void freeze_config(struct config *cfg, const char *yaml)
{
	char dir[512], path[700], err[1024] = "";
	testutil_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/config.yaml", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(yaml, f);
	fclose(f);
	config_defaults(cfg);
	if (config_load(cfg, path, true, err, sizeof err) != 0)
		fail_msg("%s", err);
	testutil_rmtree(dir);
}

/* The planner's freeze warning follows the config: unset is the seeds'
 * holidays, "freeze: []" is no freeze, a custom range is honoured. */
static void test_freeze_follows_the_config(void **state)
{
	(void)state;
	static struct config cfg;
	struct slots_state *st = bg("green", 3, 3, 3, 3);
	struct rollback_input in = input(st, ROLLBACK_AUTO);
	struct rollback_plan p;

	freeze_config(&cfg, "operator: tester\n");
	in.freeze_cfg = &cfg;
	in.now_wall_ms = XMAS;
	rollback_plan_make(&in, &p);
	assert_true(p.ok);          /* a rollback restores service: warned, not refused */
	assert_true(p.freeze);
	assert_string_equal(p.freeze_range, "12-24..12-26");
	assert_true(warning_has(&p, "freeze period 12-24..12-26"));
	in.now_wall_ms = (int64_t)1767268800 * 1000;   /* 2026-01-01T12Z: the range wraps the new year */
	rollback_plan_make(&in, &p);
	assert_true(warning_has(&p, "freeze period 12-31..01-02"));
	in.now_wall_ms = JULY;
	rollback_plan_make(&in, &p);
	assert_false(p.freeze);
	assert_false(warning_has(&p, "freeze period"));

	freeze_config(&cfg, "freeze: []\n");
	in.now_wall_ms = XMAS;
	rollback_plan_make(&in, &p);
	assert_true(p.ok);
	assert_false(p.freeze);
	assert_false(warning_has(&p, "freeze period"));

	freeze_config(&cfg, "freeze: [\"07-01..07-03\"]\n");
	rollback_plan_make(&in, &p);
	assert_false(p.freeze);     /* the holidays are replaced, not added to */
	in.now_wall_ms = JULY;
	rollback_plan_make(&in, &p);
	assert_true(p.freeze);
	assert_true(warning_has(&p, "freeze period 07-01..07-03"));

	/* and the plan as the CLI prints it says so */
	char *json = rollback_plan_json(&p);
	cJSON *root = cJSON_Parse(json);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "freeze")));
	cJSON_Delete(root);
	free(json);
	free(st);
}

static void test_strategy_names(void **state)
{
	(void)state;
	const char *names[] = { "auto", "selector", "scale-switch", "undo", "argocd" };
	for (size_t i = 0; i < 5; i++) {
		enum rollback_strategy s;
		assert_int_equal(rollback_strategy_parse(names[i], &s), 0);
		assert_string_equal(rollback_strategy_name(s), names[i]);
	}
	enum rollback_strategy s;
	assert_int_equal(rollback_strategy_parse("yolo", &s), -1);
}

struct outcome {
	bool done;
	enum rollback_outcome o;
	char summary[300];
	int steps;
};

static void done_cb(const struct rollback_report *rep, void *arg)
{
	struct outcome *o = arg;
	o->done = true;
	o->o = rep->outcome;
	snprintf(o->summary, sizeof o->summary, "%s", rep->summary);
}

static void step_cb(const struct rollback_step *s, void *arg)
{
	struct outcome *o = arg;
	o->steps++;
	(void)s;
}

static void test_refused_plan_never_runs(void **state)
{
	(void)state;
	struct config cfg;
	config_defaults(&cfg);
	struct loop *loop = loop_new();
	struct http *http = http_new(loop);
	struct kubeconfig kc;
	memset(&kc, 0, sizeof kc);
	snprintf(kc.server, sizeof kc.server, "http://127.0.0.1:9");
	struct kube *kube = kube_new(loop, http, &kc);
	struct rollback_ctx ctx = { .loop = loop, .kube = kube, .cfg = &cfg };
	struct slots_state *st = bg("green", 3, 0, 3, 3);
	struct rollback_input in = input(st, ROLLBACK_SELECTOR);
	struct rollback_plan p;
	rollback_plan_make(&in, &p);
	assert_false(p.ok);
	struct outcome o = { 0 };
	assert_non_null(rollback_execute(&ctx, &p, "tester", loop_now_ms(), true, step_cb, done_cb, &o));
	assert_false(o.done);   /* never from inside the call */
	assert_int_equal(loop_run_until(loop, &o.done, 2000), 0);
	assert_int_equal(o.o, ROLLBACK_FAILED);
	assert_non_null(strstr(o.summary, "refused: standby blue has 0 ready pods"));
	assert_int_equal(o.steps, 0);
	assert_int_equal(kube_pending(kube), 0);   /* nothing was sent */
	kube_free(kube);
	http_free(http);
	loop_free(loop);
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selector_when_standby_ready),
		cmocka_unit_test(test_standby_short_of_pods),
		cmocka_unit_test(test_scale_switch_after_finalize),
		cmocka_unit_test(test_undo_for_a_plain_deployment),
		cmocka_unit_test(test_argocd_autosync_changes_the_plan),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_freeze_follows_the_config),
		cmocka_unit_test(test_strategy_names),
		cmocka_unit_test(test_refused_plan_never_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
