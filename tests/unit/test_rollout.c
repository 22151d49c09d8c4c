/* rollout: Argo Rollouts read into the slots: the real Rollout and
 * AnalysisRun objects of Argo Rollouts' own test data, a canary between
 * steps, a blue-green after its promotion, the analysis that names the
 * failing metric, and the undo patch the plugin would send. */
#include "testutil.h"
#include "deploy/deploy_priv.h"

#include <stdbool.h>

#include <cJSON.h>

#include "warroom/config.h"
#include "warroom/deploy.h"
#include "warroom/kube.h"
#include "warroom/kubeconfig.h"
#include "warroom/rollout.h"
#include "warroom/slots.h"
#include "warroom/text.h"

/* A fixture's YAML as the API's JSON; NULL when ../shared is absent. */
static char *fixture_json(const char *rel)
{
	char fx[512], err[256];
	if (!testutil_fixture(fx, sizeof fx, rel))
		return NULL;
	FILE *f = fopen(fx, "rb");
	assert_non_null(f);
	char *yaml = malloc(65536);
	size_t n = fread(yaml, 1, 65535, f);
	fclose(f);
	cJSON *tree = kubeconfig_yaml_to_json(yaml, n, err, sizeof err);
	free(yaml);
	assert_non_null(tree);
	char *json = cJSON_PrintUnformatted(tree);
	cJSON_Delete(tree);
	return json;
}

static void test_real_bluegreen(void **state)
{
	(void)state;
	char *json = fixture_json("api/argo-rollouts-bluegreen-rollout.yaml");
	if (!json)
		skip();
	struct slots_state st;
	struct config cfg;
	char err[256];
	config_defaults(&cfg);
	text_copy(cfg.kube.rollout, sizeof cfg.kube.rollout, "bluegreen-demo");
	slots_init(&st, &cfg);
	assert_int_equal(rollout_parse(&st.rollout, json, strlen(json), err, sizeof err), 0);
	free(json);
	const struct rollout_state *ro = &st.rollout;
	assert_true(ro->found);
	assert_false(ro->canary);
	assert_string_equal(ro->active_service, "bluegreen-demo");
	assert_string_equal(ro->preview_service, "bluegreen-demo-preview");
	assert_false(ro->auto_promotion);
	assert_int_equal(ro->scale_down_delay_s, 30);
	assert_string_equal(ro->active_hash, "6cbccd9f99");
	assert_string_equal(ro->preview_hash, "74b948fccb");
	assert_string_equal(ro->pause_reason, "BlueGreenPause");
	assert_true(ro->controller_pause);
	assert_int_equal(ro->revision, 11);
	assert_int_equal(ro->observed_generation, 410);   /* a string in this old object */
	/* no status.phase from that controller: the conditions say paused */
	assert_string_equal(ro->phase, "Paused");
	assert_false(rollout_promoted(ro));
	assert_int_equal(rollout_pause_left_s(ro, 0), -1);

	slots_rollout_setup(&st);
	assert_string_equal(st.slot_label, "rollouts-pod-template-hash");
	assert_string_equal(st.slot[0].name, "6cbccd9f99");
	assert_string_equal(st.slot[0].role, "active");
	assert_string_equal(st.slot[1].name, "74b948fccb");
	assert_string_equal(st.slot[1].role, "preview");
}

static void test_real_canary(void **state)
{
	(void)state;
	char *json = fixture_json("api/argo-rollouts-canary-rollout.yaml");
	if (!json)
		skip();
	struct rollout_state ro;
	char err[256], w[64];
	memset(&ro, 0, sizeof ro);
	assert_int_equal(rollout_parse(&ro, json, strlen(json), err, sizeof err), 0);
	free(json);
	assert_true(ro.canary);
	assert_string_equal(ro.name, "canary-demo");
	assert_string_equal(ro.canary_service, "canary-demo-preview");
	assert_int_equal(ro.nsteps, 8);
	assert_int_equal(ro.steps[0].kind, RSTEP_WEIGHT);
	assert_int_equal(ro.steps[0].weight, 20);
	assert_int_equal(ro.steps[1].kind, RSTEP_PAUSE);
	assert_int_equal(ro.steps[1].pause_s, -1);
	assert_int_equal(ro.steps[3].pause_s, 10);
	assert_int_equal(ro.current_step, 0);
	assert_true(ro.progress_deadline_exceeded);
	assert_string_equal(ro.phase, "Degraded");
	assert_string_equal(ro.stable_hash, "877894d5b");
	assert_string_equal(ro.current_hash, "65fb5ffc84");
	assert_non_null(strstr(ro.message, "timed out progressing"));
	/* no traffic routing: the share of replicas, 1 updated of 6 */
	assert_false(ro.weight_reported);
	assert_int_equal(ro.weight, 16);
	rollout_step_words(&ro, 1, w, sizeof w);
	assert_string_equal(w, "pause until promoted");
	rollout_step_words(&ro, 3, w, sizeof w);
	assert_string_equal(w, "pause 10s");
}

static void test_real_analysisrun(void **state)
{
	(void)state;
	char *json = fixture_json("api/argo-rollouts-analysisrun-job.yaml");
	if (!json)
		skip();
	struct rollout_analysis a;
	char err[256];
	assert_int_equal(rollout_parse_analysisrun(&a, json, strlen(json), err, sizeof err), 0);
	assert_string_equal(a.phase, "Inconclusive");
	assert_string_equal(a.type, "Background");
	assert_string_equal(a.hash, "6f646bf7b7");
	assert_int_equal(a.nmetrics, 1);
	const struct rollout_metric *m = &a.metric[0];
	assert_string_equal(m->name, "random-fail");
	assert_string_equal(m->provider, "job");
	assert_int_equal(m->failure_limit, 5);
	assert_int_equal(m->inconclusive_limit, 1);
	assert_int_equal(m->count, 8);
	assert_int_equal(m->failed, 4);
	assert_int_equal(m->nm, ROLLOUT_MAX_MEASUREMENTS);   /* the newest ones */
	assert_string_equal(m->m[m->nm - 1].phase, "Successful");
	assert_true(m->m[m->nm - 1].started_wall_ms > 0);

	/* as the Rollout that owns it lists it: a reason to act */
	char list[80000];
	snprintf(list, sizeof list, "{\"kind\":\"AnalysisRunList\",\"items\":[%s]}", json);
	free(json);
	struct rollout_state ro;
	memset(&ro, 0, sizeof ro);
	text_copy(ro.name, sizeof ro.name, "rollout-experiment-analysis");
	text_copy(ro.current_hash, sizeof ro.current_hash, "6f646bf7b7");
	assert_int_equal(rollout_parse_analysisruns(&ro, list, strlen(list), err, sizeof err), 0);
	assert_int_equal(ro.nruns, 1);
	int which = -1;
	assert_non_null(rollout_failed_run(&ro, &which));
	assert_int_equal(which, 0);
	char why[200];
	rollout_failure_words(&ro, why, sizeof why);
	assert_non_null(strstr(why, "random-fail"));
	assert_non_null(strstr(why, "inconclusive"));
	/* another Rollout's runs are not this one's */
	text_copy(ro.name, sizeof ro.name, "other");
	assert_int_equal(rollout_parse_analysisruns(&ro, list, strlen(list), err, sizeof err), 0);
	assert_int_equal(ro.nruns, 0);
}

static const char CANARY[] =
	"{\"kind\":\"Rollout\",\"metadata\":{\"name\":\"detection-api\",\"resourceVersion\":\"7\","
	"\"annotations\":{\"rollout.argoproj.io/revision\":\"2\"}},"
	"\"spec\":{\"replicas\":5,\"selector\":{\"matchLabels\":{\"app\":\"detection-api\"}},"
	"\"strategy\":{\"canary\":{\"stableService\":\"detection-api-service\",\"steps\":[{\"setWeight\":20},"
	"{\"pause\":{\"duration\":\"5m\"}},{\"setWeight\":50},{\"pause\":{\"duration\":60}},{\"setWeight\":80}]}}},"
	"\"status\":{\"phase\":\"Paused\",\"message\":\"CanaryPauseStep\",\"currentStepIndex\":1,"
	"\"stableRS\":\"aaa111\",\"currentPodHash\":\"bbb222\",\"replicas\":6,\"updatedReplicas\":1,"
	"\"pauseConditions\":[{\"reason\":\"CanaryPauseStep\",\"startTime\":\"2026-12-07T10:00:00Z\"}],"
	"\"canary\":{\"weights\":{\"canary\":{\"weight\":20,\"podTemplateHash\":\"bbb222\"},"
	"\"stable\":{\"weight\":80,\"podTemplateHash\":\"aaa111\"}}},"
	"\"conditions\":[{\"type\":\"Progressing\",\"status\":\"True\",\"reason\":\"ReplicaSetUpdated\"}]}}";

static const char RS_LIST[] =
	"{\"kind\":\"ReplicaSetList\",\"items\":["
	"{\"metadata\":{\"name\":\"detection-api-aaa111\",\"labels\":{\"app\":\"detection-api\","
	"\"rollouts-pod-template-hash\":\"aaa111\"},\"annotations\":{\"rollout.argoproj.io/revision\":\"1\"}},"
	"\"spec\":{\"replicas\":4,"
	"\"template\":{\"spec\":{\"containers\":[{\"image\":\"reg/detection-api:1.4.2\"}]}}},"
	"\"status\":{\"replicas\":4,\"readyReplicas\":4,\"availableReplicas\":4}},"
	"{\"metadata\":{\"name\":\"detection-api-bbb222\",\"labels\":{\"app\":\"detection-api\","
	"\"rollouts-pod-template-hash\":\"bbb222\"},\"annotations\":{\"rollout.argoproj.io/revision\":\"2\"}},"
	"\"spec\":{\"replicas\":1,"
	"\"template\":{\"spec\":{\"containers\":[{\"image\":\"reg/detection-api:1.5.0\"}]}}},"
	"\"status\":{\"replicas\":1,\"readyReplicas\":1,\"availableReplicas\":1}}]}";

static const char RUNS[] =
	"{\"kind\":\"AnalysisRunList\",\"items\":["
	"{\"metadata\":{\"name\":\"detection-api-bbb222-2\",\"creationTimestamp\":\"2026-12-07T10:00:05Z\","
	"\"labels\":{\"rollout-type\":\"Background\",\"rollouts-pod-template-hash\":\"bbb222\"},"
	"\"ownerReferences\":[{\"kind\":\"Rollout\",\"name\":\"detection-api\"}]},"
	"\"spec\":{\"metrics\":[{\"name\":\"error-ratio\",\"failureLimit\":1,\"interval\":\"10s\","
	"\"successCondition\":\"result[0] < 0.05\","
	"\"provider\":{\"prometheus\":{\"query\":\"sum(rate(x[1m]))\"}}}]},"
	"\"status\":{\"phase\":\"Failed\","
	"\"metricResults\":[{\"name\":\"error-ratio\",\"phase\":\"Failed\",\"count\":3,"
	"\"failed\":2,\"measurements\":[{\"value\":\"[0.01]\",\"phase\":\"Successful\"},"
	"{\"value\":\"[0.21]\",\"phase\":\"Failed\"},{\"value\":\"[0.23]\",\"phase\":\"Failed\"}]}]}},"
	"{\"metadata\":{\"name\":\"detection-api-aaa111-1\",\"creationTimestamp\":\"2026-12-06T10:00:05Z\","
	"\"labels\":{\"rollout-type\":\"Background\",\"rollouts-pod-template-hash\":\"aaa111\"},"
	"\"ownerReferences\":[{\"kind\":\"Rollout\",\"name\":\"detection-api\"}]},"
	"\"status\":{\"phase\":\"Successful\"}}]}";

static void canary_state(struct slots_state *st)
{
	struct config cfg;
	char err[256];
	config_defaults(&cfg);
	text_copy(cfg.kube.rollout, sizeof cfg.kube.rollout, "detection-api");
	slots_init(st, &cfg);
	assert_int_equal(rollout_parse(&st->rollout, CANARY, sizeof CANARY - 1, err, sizeof err), 0);
	slots_rollout_setup(st);
	text_copy(st->service, sizeof st->service, "detection-api-service");
	assert_int_equal(slots_parse_replicasets(st, RS_LIST, sizeof RS_LIST - 1, err, sizeof err), 0);
	assert_int_equal(rollout_parse_analysisruns(&st->rollout, RUNS, sizeof RUNS - 1, err, sizeof err), 0);
	static const char svc[] = "{\"kind\":\"Service\",\"metadata\":{\"name\":\"detection-api-service\"},"
	                          "\"spec\":{\"selector\":{\"app\":\"detection-api\","
	                          "\"rollouts-pod-template-hash\":\"aaa111\"}}}";
	assert_int_equal(slots_parse_service(st, svc, sizeof svc - 1, err, sizeof err), 0);
}

static void test_canary_slots_steps_weights(void **state)
{
	(void)state;
	struct slots_state st;
	canary_state(&st);
	const struct rollout_state *ro = &st.rollout;
	assert_int_equal(ro->current_step, 1);
	assert_true(ro->weight_reported);
	assert_int_equal(ro->weight, 20);
	assert_int_equal(ro->steps[1].pause_s, 300);
	assert_int_equal(ro->steps[3].pause_s, 60);
	int64_t start = text_parse_time("2026-12-07T10:00:00Z");
	assert_int_equal(rollout_pause_left_s(ro, start + 60000), 240);
	assert_int_equal(rollout_pause_left_s(ro, start + 400000), 0);
	assert_string_equal(st.slot[0].role, "stable");
	assert_string_equal(st.slot[0].tag, "1.4.2");
	assert_int_equal(st.slot[0].ready, 4);
	assert_int_equal(st.slot[0].revision, 1);
	assert_string_equal(st.slot[1].role, "canary");
	assert_string_equal(st.slot[1].tag, "1.5.0");
	assert_string_equal(st.slot[1].deployment, "detection-api-bbb222");
	slots_derive(&st);
	slots_rollout_derive(&st);
	assert_int_equal(st.active, 0);   /* the stable Service selects the stable hash */
	/* the newest run (the canary's) is first and names its failing metric */
	assert_int_equal(ro->nruns, 2);
	assert_string_equal(ro->runs[0].name, "detection-api-bbb222-2");
	assert_string_equal(ro->runs[0].metric[0].provider, "prometheus");
	assert_string_equal(ro->runs[0].metric[0].query, "sum(rate(x[1m]))");
	char why[200];
	rollout_failure_words(ro, why, sizeof why);
	assert_non_null(strstr(why, "error-ratio failed"));
	assert_non_null(strstr(why, "[0.23]"));
	bool warned = false;
	for (size_t i = 0; i < st.nwarnings; i++)
		warned |= st.warnings[i].kind == SLOTS_WARN_ANALYSIS && strstr(st.warnings[i].text, "error-ratio");
	assert_true(warned);
	assert_int_equal(st.health, SLOTS_DEGRADED);

	char *json = slots_to_json(&st, start + 60000);
	cJSON *root = cJSON_Parse(json);
	free(json);
	const cJSON *r = cJSON_GetObjectItem(root, "rollout");
	assert_non_null(r);
	assert_string_equal(cJSON_GetObjectItem(r, "strategy")->valuestring, "canary");
	assert_int_equal(cJSON_GetObjectItem(r, "step")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(r, "weight")->valueint, 20);
	assert_int_equal(cJSON_GetObjectItem(r, "pause_left_s")->valueint, 240);
	assert_non_null(strstr(cJSON_GetObjectItem(r, "analysis_failure")->valuestring, "error-ratio"));
	cJSON_Delete(root);
}

/* Without traffic routing the Service selects both sets: the canary's pods
 * behind it are its share, not traffic on the wrong slot. */
static void test_canary_without_routing(void **state)
{
	(void)state;
	struct slots_state st;
	char err[256];
	canary_state(&st);
	static const char svc[] = "{\"kind\":\"Service\",\"spec\":{\"selector\":{\"app\":\"detection-api\"}}}";
	assert_int_equal(slots_parse_service(&st, svc, sizeof svc - 1, err, sizeof err), 0);
	st.rollout.weight_reported = false;
	static const char pods[] = "{\"kind\":\"PodList\",\"items\":["
		"{\"metadata\":{\"name\":\"a\",\"labels\":{\"rollouts-pod-template-hash\":\"aaa111\"}},"
		"\"status\":{\"podIP\":\"10.0.0.1\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}},"
		"{\"metadata\":{\"name\":\"b\",\"labels\":{\"rollouts-pod-template-hash\":\"bbb222\"}},"
		"\"status\":{\"podIP\":\"10.0.0.2\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}]}";
	assert_int_equal(slots_parse_pods(&st, pods, sizeof pods - 1, err, sizeof err), 0);
	static const char eps[] = "{\"kind\":\"EndpointSliceList\",\"items\":[{\"endpoints\":["
		"{\"addresses\":[\"10.0.0.1\"],\"targetRef\":{\"kind\":\"Pod\",\"name\":\"a\"}},"
		"{\"addresses\":[\"10.0.0.2\"],\"targetRef\":{\"kind\":\"Pod\",\"name\":\"b\"}}]}]}";
	assert_int_equal(slots_parse_endpointslices(&st, eps, sizeof eps - 1, err, sizeof err), 0);
	slots_derive(&st);
	slots_rollout_derive(&st);
	assert_int_equal(st.active, 0);
	assert_false(st.both);
	assert_int_equal(st.slot[1].endpoints_ready, 1);
	for (size_t i = 0; i < st.nwarnings; i++) {
		assert_int_not_equal(st.warnings[i].kind, SLOTS_WARN_WRONG_SLOT_ENDPOINT);
		assert_int_not_equal(st.warnings[i].kind, SLOTS_WARN_BOTH_SLOTS);
	}
	/* 4 ready stable, 1 ready canary */
	assert_int_equal(st.rollout.weight, 20);
}

/* What is read beside the Rollout (its round, its watches): the Service it
 * names unless the config names one, and the other Service unless it is
 * the same one. */
static void test_rollout_services(void **state)
{
	(void)state;
	struct slots_state st;
	char other[128];

	canary_state(&st);   /* the config's Service, a canary without a canaryService */
	slots_rollout_services(&st, other, sizeof other);
	assert_string_equal(st.service, "detection-api-service");
	assert_string_equal(other, "");

	struct config cfg;
	char err[256];
	static const char bg[] =
		"{\"kind\":\"Rollout\",\"metadata\":{\"name\":\"detection-api\"},"
		"\"spec\":{\"strategy\":{\"blueGreen\":{\"activeService\":\"api-active\","
		"\"previewService\":\"api-preview\"}}},\"status\":{\"stableRS\":\"aaa111\"}}";
	config_defaults(&cfg);
	text_copy(cfg.kube.rollout, sizeof cfg.kube.rollout, "detection-api");
	slots_init(&st, &cfg);
	assert_int_equal(rollout_parse(&st.rollout, bg, sizeof bg - 1, err, sizeof err), 0);
	slots_rollout_setup(&st);
	slots_rollout_services(&st, other, sizeof other);
	assert_string_equal(st.service, "api-active");
	assert_string_equal(other, "api-preview");

	/* the config names the preview itself: no second read of it */
	slots_init(&st, &cfg);
	assert_int_equal(rollout_parse(&st.rollout, bg, sizeof bg - 1, err, sizeof err), 0);
	slots_rollout_setup(&st);
	text_copy(st.service, sizeof st.service, "api-preview");
	slots_rollout_services(&st, other, sizeof other);
	assert_string_equal(st.service, "api-preview");
	assert_string_equal(other, "");

	/* a canary with a canaryService and no Service in the config */
	static const char canary[] =
		"{\"kind\":\"Rollout\",\"metadata\":{\"name\":\"detection-api\"},"
		"\"spec\":{\"strategy\":{\"canary\":{\"stableService\":\"api-stable\","
		"\"canaryService\":\"api-canary\",\"steps\":[{\"setWeight\":20}]}}},"
		"\"status\":{\"stableRS\":\"aaa111\"}}";
	slots_init(&st, &cfg);
	assert_int_equal(rollout_parse(&st.rollout, canary, sizeof canary - 1, err, sizeof err), 0);
	slots_rollout_setup(&st);
	slots_rollout_services(&st, other, sizeof other);
	assert_string_equal(st.service, "api-stable");
	assert_string_equal(other, "api-canary");
}

/* Blue-green after its promotion: the set traffic left still runs (its
 * scale-down delay) and is shown as the previous one, the undo's target. */
static void test_bluegreen_promoted(void **state)
{
	(void)state;
	static const char ro_json[] =
		"{\"kind\":\"Rollout\",\"metadata\":{\"name\":\"detection-api\","
		"\"annotations\":{\"rollout.argoproj.io/revision\":\"2\"}},"
		"\"spec\":{\"strategy\":{\"blueGreen\":{\"activeService\":\"detection-api-service\","
		"\"previewService\":\"detection-api-preview\",\"scaleDownDelaySeconds\":20}}},"
		"\"status\":{\"phase\":\"Healthy\",\"stableRS\":\"bbb222\",\"currentPodHash\":\"bbb222\","
		"\"blueGreen\":{\"activeSelector\":\"bbb222\",\"previewSelector\":\"bbb222\"}}}";
	struct slots_state st;
	struct config cfg;
	char err[256];
	config_defaults(&cfg);
	text_copy(cfg.kube.rollout, sizeof cfg.kube.rollout, "detection-api");
	slots_init(&st, &cfg);
	assert_int_equal(rollout_parse(&st.rollout, ro_json, sizeof ro_json - 1, err, sizeof err), 0);
	assert_true(rollout_promoted(&st.rollout));
	assert_int_equal(st.rollout.scale_down_delay_s, 20);
	slots_rollout_setup(&st);
	assert_string_equal(st.slot[0].name, "bbb222");
	assert_string_equal(st.slot[1].name, "");
	assert_int_equal(slots_parse_replicasets(&st, RS_LIST, sizeof RS_LIST - 1, err, sizeof err), 0);
	assert_string_equal(st.slot[1].name, "aaa111");
	assert_string_equal(st.slot[1].role, "previous");
	assert_string_equal(st.slot[1].tag, "1.4.2");
}

static void test_undo_patch(void **state)
{
	(void)state;
	static const char ro_json[] =
		"{\"kind\":\"Rollout\",\"metadata\":{\"name\":\"detection-api\",\"uid\":\"u1\","
		"\"annotations\":{\"rollout.argoproj.io/revision\":\"2\"}},"
		"\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"app\":\"x\"}},"
		"\"spec\":{\"containers\":[{\"image\":\"reg/detection-api:1.5.0\"}]}}}}";
	static const char rs[] =
		"{\"kind\":\"ReplicaSetList\",\"items\":["
		"{\"metadata\":{\"ownerReferences\":[{\"uid\":\"u1\"}],"
		"\"annotations\":{\"rollout.argoproj.io/revision\":\"1\"}},"
		"\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"app\":\"x\","
		"\"rollouts-pod-template-hash\":\"aaa111\"}},"
		"\"spec\":{\"containers\":[{\"image\":\"reg/detection-api:1.4.2\"}]}}}},"
		"{\"metadata\":{\"ownerReferences\":[{\"uid\":\"u1\"}],"
		"\"annotations\":{\"rollout.argoproj.io/revision\":\"2\"}},"
		"\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"app\":\"x\","
		"\"rollouts-pod-template-hash\":\"bbb222\"}},"
		"\"spec\":{\"containers\":[{\"image\":\"reg/detection-api:1.5.0\"}]}}}},"
		"{\"metadata\":{\"ownerReferences\":[{\"uid\":\"other\"}],"
		"\"annotations\":{\"rollout.argoproj.io/revision\":\"1\"}},\"spec\":{}}]}";
	char *patch = NULL, err[256];
	long rev = 0;
	assert_int_equal(kube_argo_undo_patch(ro_json, sizeof ro_json - 1, rs, sizeof rs - 1, &patch, &rev, err,
	                                      sizeof err), 0);
	assert_int_equal(rev, 1);
	assert_non_null(strstr(patch, "\"path\":\"/spec/template\""));
	assert_non_null(strstr(patch, "1.4.2"));
	assert_null(strstr(patch, "rollouts-pod-template-hash"));
	free(patch);
	/* one revision only: nothing to go back to */
	static const char one[] = "{\"kind\":\"ReplicaSetList\",\"items\":[]}";
	assert_int_equal(kube_argo_undo_patch(ro_json, sizeof ro_json - 1, one, sizeof one - 1, &patch, &rev, err,
	                                      sizeof err), -1);
	assert_non_null(strstr(err, "no rollout history"));
}

static void test_not_a_rollout(void **state)
{
	(void)state;
	struct rollout_state ro;
	char err[256];
	memset(&ro, 0, sizeof ro);
	assert_int_equal(rollout_parse(&ro, "{\"kind\":\"Deployment\"}", 21, err, sizeof err), -1);
	/* the other Service's ready endpoints: ready null counts, false does not */
	static const char eps[] = "{\"kind\":\"EndpointSliceList\",\"items\":[{\"endpoints\":["
		"{\"conditions\":{\"ready\":null}},{\"conditions\":{\"ready\":false}},{}]}]}";
	assert_int_equal(rollout_count_endpoints(eps, sizeof eps - 1), 2);
	assert_int_equal(rollout_count_endpoints("{\"kind\":\"PodList\"}", 18), -1);
	assert_non_null(strstr(err, "Deployment"));
	assert_int_equal(rollout_parse(&ro, "[1,2", 4, err, sizeof err), -1);
	assert_int_equal(rollout_parse_analysisruns(&ro, "{\"kind\":\"PodList\"}", 18, err, sizeof err), -1);
	/* a Go duration of every shape, and nonsense */
	static const char steps[] = "{\"kind\":\"Rollout\",\"spec\":{\"strategy\":{\"canary\":{\"steps\":["
		"{\"pause\":{\"duration\":\"1h30m\"}},{\"pause\":{\"duration\":\"90\"}},{\"pause\":{\"duration\":\"x\"}},"
		"{\"pause\":{\"duration\":\"500ms\"}}]}}}}";
	assert_int_equal(rollout_parse(&ro, steps, sizeof steps - 1, err, sizeof err), 0);
	assert_int_equal(ro.steps[0].pause_s, 5400);
	assert_int_equal(ro.steps[1].pause_s, 90);
	assert_int_equal(ro.steps[2].pause_s, -1);
	assert_int_equal(ro.steps[3].pause_s, 0);
}

/* The deployment model on a Rollout: a canary under way whose analysis came
 * out inconclusive is a breach of the analysis rule with abort as its
 * target; once aborted it is a rollback that ended the recommendation. */
static void test_model_recommends_abort_then_sees_it(void **state)
{
	(void)state;
	struct slots_state st;
	struct config cfg;
	struct deploy d;
	config_defaults(&cfg);
	text_copy(cfg.kube.rollout, sizeof cfg.kube.rollout, "detection-api");
	canary_state(&st);
	slots_derive(&st);
	slots_rollout_derive(&st);
	st.updated_ms = 1;
	st.generation = 1;
	deploy_init(&d, &cfg);
	int64_t now = text_parse_time("2026-12-07T10:01:00Z");
	deploy_step(&d, &st, NULL, now);
	assert_int_equal(d.stage, DEPLOY_MONITORING);
	assert_string_equal(d.to_slot, "bbb222");
	assert_true(d.rule[DRULE_ANALYSIS].holds);
	assert_true(d.recommend);
	assert_string_equal(d.target.action, "abort");
	assert_string_equal(deploy_target_action(&d), "abort");
	assert_string_equal(d.target.slot, "aaa111");
	assert_string_equal(d.target.version, "1.4.2");
	assert_non_null(strstr(d.reason, "error-ratio"));
	char banner[400];
	deploy_banner(&d, "B", "-", banner, sizeof banner);
	assert_non_null(strstr(banner, "Abort recommended"));

	/* aborted: traffic on stable, the canary at 0 */
	st.rollout.abort = true;
	st.slot[1].desired = st.slot[1].replicas = st.slot[1].ready = 0;
	st.generation = 2;
	deploy_step(&d, &st, NULL, now + 5000);
	assert_false(d.recommend);
	assert_int_equal(d.stage, DEPLOY_STEADY);
	assert_true(d.rb.known);
	assert_string_equal(d.rb.from_version, "1.5.0");
}

/* After a blue-green promotion the target is the previous revision: undo. */
static void test_model_undoes_after_promotion(void **state)
{
	(void)state;
	static const char ro_json[] =
		"{\"kind\":\"Rollout\",\"metadata\":{\"name\":\"detection-api\","
		"\"annotations\":{\"rollout.argoproj.io/revision\":\"2\"}},"
		"\"spec\":{\"strategy\":{\"blueGreen\":{\"activeService\":\"detection-api-service\"}}},"
		"\"status\":{\"phase\":\"Healthy\",\"stableRS\":\"bbb222\",\"currentPodHash\":\"bbb222\","
		"\"blueGreen\":{\"activeSelector\":\"bbb222\",\"previewSelector\":\"bbb222\"}}}";
	struct slots_state st;
	struct config cfg;
	struct deploy_target t;
	struct deploy d;
	char err[256];
	config_defaults(&cfg);
	text_copy(cfg.kube.rollout, sizeof cfg.kube.rollout, "detection-api");
	slots_init(&st, &cfg);
	assert_int_equal(rollout_parse(&st.rollout, ro_json, sizeof ro_json - 1, err, sizeof err), 0);
	slots_rollout_setup(&st);
	assert_int_equal(slots_parse_replicasets(&st, RS_LIST, sizeof RS_LIST - 1, err, sizeof err), 0);
	deploy_init(&d, &cfg);
	deploy_rollout_target(&d, &st, &t);
	assert_true(t.ok);
	assert_string_equal(t.action, "undo");
	assert_string_equal(t.slot, "aaa111");
	assert_string_equal(t.version, "1.4.2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_bluegreen),
		cmocka_unit_test(test_real_canary),
		cmocka_unit_test(test_real_analysisrun),
		cmocka_unit_test(test_canary_slots_steps_weights),
		cmocka_unit_test(test_canary_without_routing),
		cmocka_unit_test(test_bluegreen_promoted),
		cmocka_unit_test(test_undo_patch),
		cmocka_unit_test(test_not_a_rollout),
		cmocka_unit_test(test_rollout_services),
		cmocka_unit_test(test_model_recommends_abort_then_sees_it),
		cmocka_unit_test(test_model_undoes_after_promotion),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
