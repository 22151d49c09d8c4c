/* slots: the blue-green model from real API JSON — counts the API omits,
 * pods and endpoints mapped to slots, the active slot, the lifecycle phase
 * and the warnings an operator must not miss. */
#include "testutil.h"

#include <stdbool.h>

#include <cJSON.h>

#include "warroom/config.h"
#include "warroom/slots.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void bg_config(struct config *cfg)
{
	config_defaults(cfg);
	snprintf(cfg->kube.namespace_, sizeof cfg->kube.namespace_, "detection-system");
	snprintf(cfg->kube.service, sizeof cfg->kube.service, "detection-api-service");
	snprintf(cfg->kube.deployments[0], sizeof cfg->kube.deployments[0], "detection-api-blue");
	snprintf(cfg->kube.deployments[1], sizeof cfg->kube.deployments[1], "detection-api-green");
}

/* ---------- JSON builders: what the API server returns ---------- */

static char *deployment(const char *name, int desired, int ready, int updated, int available, const char *image,
                        const char *progress_reason, const char *progress_time)
{
	char *buf = malloc(4096);
	char status[512] = "";
	size_t n = 0;
	/* The API omits every count that is 0. */
	n += (size_t)snprintf(status + n, sizeof status - n, "\"observedGeneration\":2");
	if (desired)
		n += (size_t)snprintf(status + n, sizeof status - n, ",\"replicas\":%d", desired);
	if (updated)
		n += (size_t)snprintf(status + n, sizeof status - n, ",\"updatedReplicas\":%d", updated);
	if (ready)
		n += (size_t)snprintf(status + n, sizeof status - n, ",\"readyReplicas\":%d", ready);
	if (available)
		n += (size_t)snprintf(status + n, sizeof status - n, ",\"availableReplicas\":%d", available);
	snprintf(buf, 4096,
	         "{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":\"%s\",\"generation\":2,"
	         "\"annotations\":{\"deployment.kubernetes.io/revision\":\"7\"}},"
	         "\"spec\":{\"replicas\":%d,\"selector\":{\"matchLabels\":{\"app\":\"detection-api\",\"slot\":\"x\"}},"
	         "\"template\":{\"spec\":{\"containers\":[{\"name\":\"detection-api\",\"image\":\"%s\"}]}}},"
	         "\"status\":{%s,\"conditions\":[{\"type\":\"Progressing\",\"status\":\"%s\",\"reason\":\"%s\","
	         "\"message\":\"ReplicaSet progress\",\"lastUpdateTime\":\"%s\"}]}}",
	         name, desired, image, status, strcmp(progress_reason, "ProgressDeadlineExceeded") ? "True" : "False",
	         progress_reason, progress_time);
	return buf;
}

static char *service(const char *selector_json, const char *rv)
{
	char *buf = malloc(1024);
	snprintf(buf, 1024, "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"detection-api-service\","
	         "\"resourceVersion\":\"%s\"},\"spec\":{\"selector\":%s}}", rv, selector_json);
	return buf;
}

struct podspec {
	const char *name, *slot;
	bool ready;
	int restarts;
	const char *waiting;
};

static char *pods(const struct podspec *p, int n)
{
	char *buf = malloc(16384);
	size_t k = (size_t)snprintf(buf, 16384, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":[");
	for (int i = 0; i < n; i++) {
		char state[200];
		if (p[i].waiting)
			snprintf(state, sizeof state, "{\"waiting\":{\"reason\":\"%s\"}}", p[i].waiting);
		else
			snprintf(state, sizeof state, "{\"running\":{}}");
		k += (size_t)snprintf(buf + k, 16384 - k,
		                      "%s{\"metadata\":{\"name\":\"%s\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\","
		                      "\"labels\":{\"app\":\"detection-api\",\"slot\":\"%s\"}},"
		                      "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.%d\","
		                      "\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\","
		                      "\"lastTransitionTime\":\"2026-01-01T00:00:0%dZ\"}],"
		                      "\"containerStatuses\":[{\"name\":\"detection-api\",\"ready\":%s,\"restartCount\":%d,"
		                      "\"state\":%s}]}}",
		                      i ? "," : "", p[i].name, p[i].slot, i + 1, p[i].ready ? "True" : "False", i % 10,
		                      p[i].ready ? "true" : "false", p[i].restarts, state);
	}
	snprintf(buf + k, 16384 - k, "]}");
	return buf;
}

/* Endpoints: pod name and a ready value ("true", "false" or "null"). */
struct epspec {
	const char *pod;
	const char *ready;
};

static char *slices(const struct epspec *e, int n, int per_slice)
{
	char *buf = malloc(16384);
	size_t k = (size_t)snprintf(buf, 16384, "{\"kind\":\"EndpointSliceList\",\"apiVersion\":\"discovery.k8s.io/v1\",\"items\":[");
	for (int i = 0; i < n; i++) {
		bool first_in_slice = i % per_slice == 0;
		if (first_in_slice)
			k += (size_t)snprintf(buf + k, 16384 - k, "%s{\"addressType\":\"IPv4\",\"metadata\":{\"name\":\"s%d\"},"
			                      "\"endpoints\":[", i ? "]}," : "", i / per_slice);
		k += (size_t)snprintf(buf + k, 16384 - k, "%s{\"addresses\":[\"10.1.0.%d\"],\"conditions\":{\"ready\":%s},"
		                      "\"targetRef\":{\"kind\":\"Pod\",\"name\":\"%s\"}}",
		                      first_in_slice ? "" : ",", i + 1, e[i].ready, e[i].pod);
	}
	snprintf(buf + k, 16384 - k, "%s]}", n ? "]}" : "");
	return buf;
}

/* A whole state from parts, as the poller builds it. */
static void build(struct slots_state *st, const char *svc, char *blue, char *green, char *podlist, char *slicelist)
{
	struct config cfg;
	bg_config(&cfg);
	slots_init(st, &cfg);
	char err[256];
	if (svc)
		assert_int_equal(slots_parse_service(st, svc, strlen(svc), err, sizeof err), 0);
	if (blue)
		assert_int_equal(slots_parse_deployment(&st->slot[0], blue, strlen(blue), err, sizeof err), 0);
	if (green)
		assert_int_equal(slots_parse_deployment(&st->slot[1], green, strlen(green), err, sizeof err), 0);
	assert_int_equal(slots_parse_pods(st, podlist, strlen(podlist), err, sizeof err), 0);
	assert_int_equal(slots_parse_endpointslices(st, slicelist, strlen(slicelist), err, sizeof err), 0);
	free(blue);
	free(green);
	free(podlist);
	free(slicelist);
}

static bool has_warning(const struct slots_state *st, enum slots_warn_kind kind, const char *text)
{
	for (size_t i = 0; i < st->nwarnings; i++)
		if (st->warnings[i].kind == kind && (!text || strstr(st->warnings[i].text, text)))
			return true;
	return false;
}

#define OLD "2026-01-01T00:00:00Z"
#define NEW "2026-01-02T00:00:00Z"

static const struct podspec BLUE3[] = {
	{ "blue-a", "blue", true, 0, NULL }, { "blue-b", "blue", true, 0, NULL }, { "blue-c", "blue", true, 0, NULL },
};
static const struct epspec BLUE3_EP[] = { { "blue-a", "true" }, { "blue-b", "null" }, { "blue-c", "true" } };

/* ---------- fixtures from real clusters ---------- */

static void test_real_deployment_fixture(void **state)
{
	(void)state;
	char fx[512], err[256];
	if (!testutil_fixture(fx, sizeof fx, "api/k8s-deployment.json"))
		skip();
	size_t len;
	char *json = slurp(fx, &len);
	struct slots_slot s = { .name = "blue", .deployment = "icx-db" };
	assert_int_equal(slots_parse_deployment(&s, json, len, err, sizeof err), 0);
	assert_true(s.found);
	assert_string_equal(s.name, "blue");
	assert_int_equal(s.desired, 1);
	assert_int_equal(s.ready, 1);
	assert_int_equal(s.available, 1);
	assert_int_equal(s.updated, 1);
	assert_int_equal(s.unavailable, 0);   /* omitted by the API */
	assert_string_equal(s.image, "postgres:9.2-alpine");
	assert_string_equal(s.tag, "9.2-alpine");
	assert_int_equal(s.revision, 1);
	assert_true(s.rollout_complete);
	assert_false(s.progress_deadline_exceeded);
	assert_string_equal(s.match_labels, "app=icx-db");
	free(json);

	if (!testutil_fixture(fx, sizeof fx, "api/k8s-deploymentlist.json"))
		skip();
	json = slurp(fx, &len);
	/* A list is not a Deployment: said so, not misread. */
	assert_int_equal(slots_parse_deployment(&s, json, len, err, sizeof err), -1);
	assert_non_null(strstr(err, "DeploymentList"));
	cJSON *root = cJSON_Parse(json);
	char *item = cJSON_PrintUnformatted(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "items"), 0));
	assert_int_equal(slots_parse_deployment(&s, item, strlen(item), err, sizeof err), 0);
	assert_int_equal(s.desired, 2);
	assert_int_equal(s.ready, 2);
	assert_non_null(strstr(s.image, "coredns"));
	free(item);
	cJSON_Delete(root);
	free(json);
}

static void test_zero_counts_are_omitted(void **state)
{
	(void)state;
	const char *json = "{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"detection-api-green\",\"generation\":4},"
	                   "\"spec\":{\"replicas\":0,\"template\":{\"spec\":{\"containers\":[{\"image\":\"r/x@sha256:0123456789abcdef0123\"}]}}},"
	                   "\"status\":{\"observedGeneration\":4}}";
	struct slots_slot s = { .name = "green" };
	char err[128];
	assert_int_equal(slots_parse_deployment(&s, json, strlen(json), err, sizeof err), 0);
	assert_int_equal(s.desired, 0);
	assert_int_equal(s.replicas + s.ready + s.available + s.updated + s.unavailable, 0);
	assert_string_equal(s.tag, "@0123456789ab");
	assert_true(s.rollout_complete);   /* nothing wanted, nothing missing */

	/* spec.replicas absent means 1 */
	const char *dflt = "{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},\"spec\":{},\"status\":{}}";
	assert_int_equal(slots_parse_deployment(&s, dflt, strlen(dflt), err, sizeof err), 0);
	assert_int_equal(s.desired, 1);
	assert_false(s.rollout_complete);
}

static void test_real_pod_list_fixture(void **state)
{
	(void)state;
	char fx[512], err[256];
	if (!testutil_fixture(fx, sizeof fx, "api/k8s-podlist.json"))
		skip();
	size_t len;
	char *json = slurp(fx, &len);
	/* The kube-system pods sorted into "slots" by their tier label. */
	struct config cfg;
	bg_config(&cfg);
	snprintf(cfg.kube.slot_label, sizeof cfg.kube.slot_label, "tier");
	snprintf(cfg.kube.slots[0], sizeof cfg.kube.slots[0], "control-plane");
	snprintf(cfg.kube.slots[1], sizeof cfg.kube.slots[1], "node");
	struct slots_state *st = calloc(1, sizeof *st);
	slots_init(st, &cfg);
	assert_int_equal(slots_parse_pods(st, json, len, err, sizeof err), 0);
	assert_int_equal(st->npods, 8);
	int cp = 0, node = 0, none = 0;
	for (size_t i = 0; i < st->npods; i++) {
		assert_true(st->pods[i].ready);
		assert_int_equal(st->pods[i].restarts, 0);
		assert_string_equal(st->pods[i].phase, "Running");
		assert_string_equal(st->pods[i].waiting, "");
		cp += st->pods[i].slot == 0;
		node += st->pods[i].slot == 1;
		none += st->pods[i].slot == -1;
	}
	assert_int_equal(cp, 4);     /* etcd, apiserver, controller-manager, scheduler */
	assert_int_equal(node, 1);   /* kindnet */
	assert_int_equal(none, 3);   /* coredns x2, kube-proxy: no tier label */
	assert_string_equal(st->pods[0].name, "coredns-589f44dc88-4fpns");
	assert_true(st->pods[0].created_wall_ms > 0);
	free(json);
	free(st);
}

static void test_real_endpointslice_fixture(void **state)
{
	(void)state;
	char fx[512], err[256];
	if (!testutil_fixture(fx, sizeof fx, "api/k8s-endpointslice.json"))
		skip();
	size_t len;
	char *json = slurp(fx, &len);
	struct config cfg;
	bg_config(&cfg);
	struct slots_state *st = calloc(1, sizeof *st);
	slots_init(st, &cfg);
	assert_int_equal(slots_parse_endpointslices(st, json, len, err, sizeof err), 0);
	assert_int_equal(st->nendpoints, 2);
	assert_string_equal(st->endpoints[0].address, "172.20.0.2");
	assert_string_equal(st->endpoints[1].address, "172.20.0.3");
	assert_string_equal(st->endpoints[0].pod, "zorg");
	assert_int_equal(st->endpoints[0].slot, -1);   /* not a pod of ours */
	assert_true(st->endpoints[0].ready && st->endpoints[0].serving && !st->endpoints[0].terminating);
	free(json);
	free(st);
}

static void test_slices_merged_and_ready_null(void **state)
{
	(void)state;
	struct slots_state *st = calloc(1, sizeof *st);
	struct epspec e[] = { { "blue-a", "true" }, { "blue-b", "null" }, { "blue-c", "false" }, { "green-a", "true" },
	                      { "green-b", "true" } };
	struct podspec p[] = { { "blue-a", "blue", true, 0, NULL }, { "blue-b", "blue", true, 0, NULL },
	                       { "blue-c", "blue", false, 0, NULL }, { "green-a", "green", true, 0, NULL },
	                       { "green-b", "green", true, 0, NULL } };
	/* two endpoints per slice: three slices to merge */
	char *svc = service("{\"app\":\"detection-api\",\"slot\":\"blue\"}", "1");
	build(st, svc, NULL, NULL, pods(p, 5), slices(e, 5, 2));
	free(svc);
	assert_int_equal(st->nendpoints, 5);
	assert_true(st->endpoints[1].ready);    /* ready: null means ready */
	assert_false(st->endpoints[2].ready);
	assert_int_equal(st->endpoints[3].slot, 1);
	assert_int_equal(st->endpoints[0].slot, 0);
	free(st);
}

/* ---------- derive ---------- */

static void test_steady_blue(void **state)
{
	(void)state;
	struct slots_state *st = calloc(1, sizeof *st);
	char *svc = service("{\"app\":\"detection-api\",\"slot\":\"blue\"}", "100");
	build(st, svc, deployment("detection-api-blue", 3, 3, 3, 3, "r/api:1.4.2", "NewReplicaSetAvailable", OLD),
	      deployment("detection-api-green", 0, 0, 0, 0, "r/api:1.4.1", "NewReplicaSetAvailable", OLD),
	      pods(BLUE3, 3), slices(BLUE3_EP, 3, 3));
	free(svc);
	slots_derive(st);
	assert_int_equal(st->active, 0);
	assert_string_equal(st->service_rv, "100");
	assert_string_equal(st->selector, "app=detection-api,slot=blue");
	assert_int_equal(slots_standby(st), 1);
	assert_false(slots_standby_newer(st));
	assert_int_equal(st->health, SLOTS_HEALTHY);
	assert_int_equal(st->nwarnings, 0);
	assert_int_equal(st->slot[0].pods_ready, 3);
	assert_int_equal(st->slot[0].endpoints_ready, 3);
	assert_true(slots_traffic_only_on(st, 0));
	assert_false(slots_traffic_only_on(st, 1));
	assert_string_equal(st->slot[0].tag, "1.4.2");

	char *j = slots_to_json(st, 1500);
	cJSON *root = cJSON_Parse(j);
	assert_string_equal(cJSON_GetObjectItem(root, "active")->valuestring, "blue");
	assert_string_equal(cJSON_GetObjectItem(root, "health")->valuestring, "healthy");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "pods")), 3);
	cJSON_Delete(root);
	free(j);
	free(st);
}

static void test_outage_when_active_has_no_ready_pods(void **state)
{
	(void)state;
	struct slots_state *st = calloc(1, sizeof *st);
	struct podspec p[] = { { "green-a", "green", false, 7, "CrashLoopBackOff" },
	                       { "green-b", "green", false, 6, "CrashLoopBackOff" } };
	struct epspec e[] = { { "green-a", "false" }, { "green-b", "false" } };
	char *svc = service("{\"app\":\"detection-api\",\"slot\":\"green\"}", "5");
	build(st, svc, deployment("detection-api-blue", 3, 3, 3, 3, "r/api:1.4.2", "NewReplicaSetAvailable", OLD),
	      deployment("detection-api-green", 2, 0, 2, 0, "r/api:1.5.0", "ReplicaSetUpdated", NEW), pods(p, 2), slices(e, 2, 5));
	free(svc);
	slots_derive(st);
	assert_int_equal(st->active, 1);
	assert_int_equal(st->health, SLOTS_OUTAGE);
	assert_true(has_warning(st, SLOTS_WARN_OUTAGE, "selects green, which has no ready pods"));
	assert_true(has_warning(st, SLOTS_WARN_CRASHLOOP, "2 pods of green crash-looping (CrashLoopBackOff)"));
	assert_true(has_warning(st, SLOTS_WARN_NOT_READY_ENDPOINT, "green-a"));
	assert_int_equal(st->slot[1].restarts, 13);
	assert_true(st->warnings[0].critical);   /* the loudest first */
	free(st);
}

static void test_both_slots_behind_the_service(void **state)
{
	(void)state;
	struct slots_state *st = calloc(1, sizeof *st);
	struct podspec p[] = { { "blue-a", "blue", true, 0, NULL }, { "green-a", "green", true, 0, NULL } };
	struct epspec e[] = { { "blue-a", "true" }, { "green-a", "true" } };
	char *svc = service("{\"app\":\"detection-api\"}", "5");
	build(st, svc, deployment("detection-api-blue", 1, 1, 1, 1, "r/api:1", "NewReplicaSetAvailable", OLD),
	      deployment("detection-api-green", 1, 1, 1, 1, "r/api:2", "NewReplicaSetAvailable", NEW), pods(p, 2), slices(e, 2, 5));
	free(svc);
	slots_derive(st);
	assert_true(st->both);
	assert_int_equal(st->active, -1);
	assert_int_equal(st->health, SLOTS_DEGRADED);
	assert_true(has_warning(st, SLOTS_WARN_BOTH_SLOTS, "has no slot label"));
	assert_false(slots_standby_newer(st));
	free(st);
}

static void test_stuck_rollout_and_wrong_slot_endpoints(void **state)
{
	(void)state;
	struct slots_state *st = calloc(1, sizeof *st);
	struct podspec p[] = { { "blue-a", "blue", true, 0, NULL }, { "green-a", "green", false, 0, "ImagePullBackOff" } };
	/* traffic on blue, but a green endpoint lingers in the slices */
	struct epspec e[] = { { "blue-a", "true" }, { "green-a", "true" } };
	char *svc = service("{\"app\":\"detection-api\",\"slot\":\"blue\"}", "5");
	build(st, svc, deployment("detection-api-blue", 1, 1, 1, 1, "r/api:1", "NewReplicaSetAvailable", OLD),
	      deployment("detection-api-green", 1, 0, 1, 0, "r/api:2", "ProgressDeadlineExceeded", NEW), pods(p, 2), slices(e, 2, 5));
	free(svc);
	slots_derive(st);
	assert_true(st->slot[1].progress_deadline_exceeded);
	assert_false(st->slot[1].rollout_complete);
	assert_true(has_warning(st, SLOTS_WARN_STUCK, "detection-api-green stuck: ProgressDeadlineExceeded"));
	assert_true(has_warning(st, SLOTS_WARN_WRONG_SLOT_ENDPOINT, "green-a (green)"));
	assert_false(slots_traffic_only_on(st, 0));
	assert_int_equal(st->health, SLOTS_DEGRADED);
	free(st);
}

/* What the cluster says of a deployment's history: who set the Service's
 * selector and when (managedFields), when each pod last changed readiness,
 * and whether the standby rolled out after the active slot. Where the
 * deployment stands is the deployment model's to say (test_deploy.c). */
static void test_the_cluster_dates_the_selector_and_the_rollouts(void **state)
{
	(void)state;
	struct slots_state *st = calloc(1, sizeof *st);
	static const char svc[] =
		"{\"kind\":\"Service\",\"metadata\":{\"name\":\"detection-api-service\",\"resourceVersion\":\"7\","
		"\"managedFields\":[{\"manager\":\"argocd-controller\",\"operation\":\"Update\",\"apiVersion\":\"v1\","
		"\"time\":\"2026-11-18T14:05:00Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:spec\":"
		"{\"f:ports\":{}}}},{\"manager\":\"kubectl-patch\",\"operation\":\"Update\",\"apiVersion\":\"v1\","
		"\"time\":\"2026-11-20T14:05:30Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:spec\":"
		"{\"f:selector\":{}}}}]},\"spec\":{\"selector\":{\"app\":\"detection-api\",\"slot\":\"blue\"}}}";
	struct podspec six[] = { { "blue-a", "blue", true, 0, NULL }, { "blue-b", "blue", true, 0, NULL },
	                         { "blue-c", "blue", true, 0, NULL }, { "green-a", "green", true, 0, NULL },
	                         { "green-b", "green", true, 0, NULL }, { "green-c", "green", false, 0, NULL } };

	/* green scaling up its new version: newer, not ready yet */
	build(st, svc, deployment("detection-api-blue", 3, 3, 3, 3, "r/api:1.4.2", "NewReplicaSetAvailable", OLD),
	      deployment("detection-api-green", 3, 1, 3, 1, "r/api:1.5.0", "ReplicaSetUpdated", NEW),
	      pods(six, 6), slices(BLUE3_EP, 3, 3));
	slots_derive(st);
	assert_int_equal(st->selector_set_wall_ms, 1795183530000LL);
	assert_string_equal(st->selector_manager, "kubectl-patch");
	assert_true(slots_standby_newer(st));
	assert_int_equal(st->pods[5].ready_changed_wall_ms, 1767225605000LL);
	assert_false(st->pods[5].ready);
	/* the other way round: the standby holds the older rollout */
	build(st, svc, deployment("detection-api-blue", 3, 3, 3, 3, "r/api:1.4.2", "NewReplicaSetAvailable", NEW),
	      deployment("detection-api-green", 3, 3, 3, 3, "r/api:1.5.0", "NewReplicaSetAvailable", OLD),
	      pods(six, 6), slices(BLUE3_EP, 3, 3));
	slots_derive(st);
	assert_false(slots_standby_newer(st));
	/* the same in status --json */
	char *j = slots_to_json(st, 1500);
	cJSON *root = cJSON_Parse(j);
	assert_string_equal(cJSON_GetObjectItem(root, "selector_manager")->valuestring, "kubectl-patch");
	assert_null(cJSON_GetObjectItem(root, "phase"));
	cJSON_Delete(root);
	free(j);
	free(st);
}

static void test_single_deployment_service(void **state)
{
	(void)state;
	struct config cfg;
	bg_config(&cfg);
	cfg.kube.deployments[1][0] = '\0';
	cfg.kube.slots[0][0] = '\0';
	struct slots_state *st = calloc(1, sizeof *st);
	slots_init(st, &cfg);
	assert_int_equal(st->nslots, 1);
	assert_string_equal(st->slot[0].name, "detection-api-blue");
	char err[128];
	char *svc = service("{\"app\":\"detection-api\"}", "9");
	assert_int_equal(slots_parse_service(st, svc, strlen(svc), err, sizeof err), 0);
	char *d = deployment("detection-api-blue", 3, 3, 3, 3, "r/api:2", "NewReplicaSetAvailable", OLD);
	assert_int_equal(slots_parse_deployment(&st->slot[0], d, strlen(d), err, sizeof err), 0);
	char *p = pods(BLUE3, 3), *e = slices(BLUE3_EP, 3, 3);
	assert_int_equal(slots_parse_pods(st, p, strlen(p), err, sizeof err), 0);
	assert_int_equal(slots_parse_endpointslices(st, e, strlen(e), err, sizeof err), 0);
	slots_derive(st);
	assert_int_equal(st->active, 0);
	assert_false(st->both);    /* no slot label is normal here */
	assert_int_equal(st->health, SLOTS_HEALTHY);
	assert_true(slots_traffic_only_on(st, 0));
	free(svc);
	free(d);
	free(p);
	free(e);
	free(st);
}

static void test_missing_service_is_an_outage(void **state)
{
	(void)state;
	struct slots_state *st = calloc(1, sizeof *st);
	build(st, NULL, deployment("detection-api-blue", 3, 3, 3, 3, "r/api:1", "NewReplicaSetAvailable", OLD), NULL,
	      pods(BLUE3, 3), slices(BLUE3_EP, 0, 1));
	slots_derive(st);
	assert_int_equal(st->health, SLOTS_OUTAGE);
	assert_true(has_warning(st, SLOTS_WARN_NO_SERVICE, "detection-api-service not found"));
	char err[128];
	assert_int_equal(slots_parse_service(st, "[]", 2, err, sizeof err), -1);
	assert_int_equal(slots_parse_pods(st, "{\"kind\":\"Status\"}", 17, err, sizeof err), -1);
	assert_non_null(strstr(err, "expected a PodList, got a Status"));
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_deployment_fixture),
		cmocka_unit_test(test_zero_counts_are_omitted),
		cmocka_unit_test(test_real_pod_list_fixture),
		cmocka_unit_test(test_real_endpointslice_fixture),
		cmocka_unit_test(test_slices_merged_and_ready_null),
		cmocka_unit_test(test_steady_blue),
		cmocka_unit_test(test_outage_when_active_has_no_ready_pods),
		cmocka_unit_test(test_both_slots_behind_the_service),
		cmocka_unit_test(test_stuck_rollout_and_wrong_slot_endpoints),
		cmocka_unit_test(test_the_cluster_dates_the_selector_and_the_rollouts),
		cmocka_unit_test(test_single_deployment_service),
		cmocka_unit_test(test_missing_service_is_an_outage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
