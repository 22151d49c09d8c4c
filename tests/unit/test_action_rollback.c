/* The rollback action writes the runbook's rollback log itself once a
 * rollback ran, whichever front-end started it, and none for a plan only:
 * a dry run, a refusal, an operator's no. Against a loopback stand-in of the
 * API server that moves its endpoints when the service's selector moves. */
#define _GNU_SOURCE   /* memmem, accept4 */
#include "http_fixture.h"

#include <dirent.h>

#include <cJSON.h>

#include "warroom/actions.h"
#include "warroom/config.h"
#include "warroom/kube.h"
#include "warroom/kubeconfig.h"
#include "warroom/timeline.h"

struct api {
	char active[16];    /* the slot the service selects */
	int patches;
};

static void json_200(struct conn *c, const char *body)
{
	respond(c, 200, "Content-Type: application/json\r\n", body, strlen(body), true);
}

static void service(struct conn *c, const struct api *a)
{
	char b[512];

	snprintf(b, sizeof b, "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"
	         "\"detection-api-service\",\"resourceVersion\":\"7\"},\"spec\":{\"selector\":"
	         "{\"app\":\"detection-api\",\"slot\":\"%s\"}}}", a->active);
	json_200(c, b);
}

static void deployment(struct conn *c, const char *slot)
{
	char b[1024];

	snprintf(b, sizeof b, "{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":"
	         "\"detection-api-%s\",\"generation\":1,\"annotations\":{\"deployment.kubernetes.io/revision\":\"4\"}},"
	         "\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":"
	         "{\"app\":\"detection-api\",\"slot\":\"%s\"}},\"template\":{\"spec\":{\"containers\":[{\"name\":"
	         "\"detection-api\",\"image\":\"registry.example.com/detection-api:%s\"}]}}},\"status\":"
	         "{\"observedGeneration\":1,\"replicas\":3,\"updatedReplicas\":3,\"readyReplicas\":3,"
	         "\"availableReplicas\":3}}", slot, slot, strcmp(slot, "blue") == 0 ? "1.4.2" : "1.5.0");
	json_200(c, b);
}

/* Three ready pods per slot: detection-api-SLOT-N at 10.0.(1 blue, 2 green).N */
static void pods(struct conn *c, const char *slot)
{
	char b[4096];
	size_t n = 0;

	n += (size_t)snprintf(b + n, sizeof b - n, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":"
	                      "{\"resourceVersion\":\"9\"},\"items\":[");
	for (int i = 0; i < 3; i++)
		n += (size_t)snprintf(b + n, sizeof b - n, "%s{\"metadata\":{\"name\":\"detection-api-%s-%d\",\"labels\":"
		                      "{\"app\":\"detection-api\",\"slot\":\"%s\"}},\"status\":{\"phase\":\"Running\","
		                      "\"podIP\":\"10.0.%d.%d\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}],"
		                      "\"containerStatuses\":[{\"restartCount\":0}]}}", i ? "," : "", slot, i, slot,
		                      strcmp(slot, "blue") == 0 ? 1 : 2, i + 1);
	snprintf(b + n, sizeof b - n, "]}");
	json_200(c, b);
}

/* The selected slot's pods, ready: what the endpoints controller would show. */
static void endpoints(struct conn *c, const struct api *a)
{
	char b[4096];
	size_t n = 0;

	n += (size_t)snprintf(b + n, sizeof b - n, "{\"kind\":\"EndpointSliceList\",\"apiVersion\":"
	                      "\"discovery.k8s.io/v1\",\"items\":[{\"endpoints\":[");
	for (int i = 0; i < 3; i++)
		n += (size_t)snprintf(b + n, sizeof b - n, "%s{\"addresses\":[\"10.0.%d.%d\"],\"conditions\":"
		                      "{\"ready\":true},\"targetRef\":{\"kind\":\"Pod\",\"name\":"
		                      "\"detection-api-%s-%d\"}}", i ? "," : "",
		                      strcmp(a->active, "blue") == 0 ? 1 : 2, i + 1, a->active, i);
	snprintf(b + n, sizeof b - n, "]}]}");
	json_200(c, b);
}

static bool api_handler(struct conn *c, const char *method, const char *path, const char *body, size_t blen,
                        void *arg)
{
	struct api *a = arg;

	if (strstr(path, "/services/detection-api-service")) {
		if (strcmp(method, "PATCH") == 0) {
			a->patches++;
			if (body && memmem(body, blen, "\"slot\":\"blue\"", 13))
				snprintf(a->active, sizeof a->active, "blue");
		}
		service(c, a);
	} else if (strstr(path, "/deployments/detection-api-blue")) {
		deployment(c, "blue");
	} else if (strstr(path, "/deployments/detection-api-green")) {
		deployment(c, "green");
	} else if (strstr(path, "/endpointslices")) {
		endpoints(c, a);
	} else if (strstr(path, "/pods")) {
		pods(c, strstr(path, "slot%3Dgreen") ? "green" : "blue");
	} else {
		return false;
	}
	return true;
}

struct run {
	struct fx *f;
	struct actions *q;
	bool done;
	int answer;           /* 1 yes, 0 no */
	bool asked;
	struct action_result res;
	char progress[8][ACTION_LINE];
	size_t nprogress;
};

static void on_ask(uint64_t id, const struct action_question *q, void *arg)
{
	struct run *r = arg;

	r->asked = true;
	actions_answer(r->q, id, r->answer == 1, "test");
}

static void on_progress(uint64_t id, enum action_role role, const char *text, void *arg)
{
	struct run *r = arg;

	if (r->nprogress < 8)
		snprintf(r->progress[r->nprogress++], ACTION_LINE, "%s", text);
}

static void on_done(const struct action_result *res, void *arg)
{
	struct run *r = arg;

	r->res = *res;
	r->done = true;
}

static struct config cfg;
static struct api api;

static struct kube *lab_kube(struct fx *f)
{
	char yaml[1024], err[300];
	struct kubeconfig kc;

	f->srv->handler = api_handler;
	f->srv->handler_arg = &api;
	snprintf(yaml, sizeof yaml,
	         "current-context: lab\nclusters:\n- name: lab\n  cluster: {server: \"http://127.0.0.1:%d\"}\n"
	         "contexts:\n- name: lab\n  context: {cluster: lab, user: u, namespace: detection-system}\n"
	         "users:\n- name: u\n  user: {token: t}\n", f->srv->port);
	assert_int_equal(kubeconfig_load_text(&kc, "kubeconfig", NULL, yaml, strlen(yaml), NULL, err, sizeof err),
	                 0);
	return kube_new(f->loop, f->http, &kc);
}

/* One rollback through the action layer, as any front-end starts it. */
static void rollback(struct fx *f, struct timeline *tl, struct kube *k, bool dry_run, int answer,
                     struct run *r)
{
	struct action_ctx ctx = {
		.loop = f->loop, .cfg = &cfg, .tl = tl, .kube = k, .actor = "alice", .via = "test",
	};
	struct action_ui ui = { .ask = on_ask, .progress = on_progress, .done = on_done, .arg = r };
	struct action_args args = { .dry_run = dry_run };

	memset(r, 0, sizeof *r);
	r->f = f;
	r->answer = answer;
	r->q = actions_new(&ctx);
	assert_non_null(r->q);
	assert_true(actions_run(r->q, ACTION_ROLLBACK, &args, &ui) != 0);
	assert_int_equal(loop_run_until(f->loop, &r->done, 20000), 0);
	actions_free(r->q);
}

/* The rollback logs in the logs folder; the newest one's path in newest. */
static int logs(char *newest, size_t len)
{
	char dir[1200];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(dir, sizeof dir, "%s/deployments", cfg.logs_dir);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "rollback_", 9) == 0) {
			n++;
			if (newest)
				snprintf(newest, len, "%s/%s", dir, e->d_name);
		}
	closedir(d);
	return n;
}

static bool progress_has(const struct run *r, const char *text)
{
	for (size_t i = 0; i < r->nprogress; i++)
		if (strstr(r->progress[i], text))
			return true;
	return false;
}

static void the_action_writes_the_log_and_a_plan_only_does_not(void **state)
{
	struct fx *f = *state;
	char tmp[256], db[300], err[300], path[1400], buf[4096];
	struct timeline *tl;
	struct kube *k;
	struct run r;
	cJSON *o;
	FILE *fp;
	size_t n;

	testutil_tmpdir(tmp, sizeof tmp);
	snprintf(db, sizeof db, "%s/t.db", tmp);
	tl = timeline_open(db, "alice", err, sizeof err);
	assert_non_null(tl);
	config_defaults(&cfg);
	cfg.nfreeze = 0;
	snprintf(cfg.operator_name, sizeof cfg.operator_name, "alice");
	snprintf(cfg.logs_dir, sizeof cfg.logs_dir, "%s/logs", tmp);
	snprintf(cfg.kube.namespace_, sizeof cfg.kube.namespace_, "detection-system");
	snprintf(cfg.kube.service, sizeof cfg.kube.service, "detection-api-service");
	snprintf(cfg.kube.deployments[0], sizeof cfg.kube.deployments[0], "detection-api-blue");
	snprintf(cfg.kube.deployments[1], sizeof cfg.kube.deployments[1], "detection-api-green");
	snprintf(api.active, sizeof api.active, "green");
	api.patches = 0;
	k = lab_kube(f);
	assert_non_null(k);

	/* a dry run plans and writes nothing */
	rollback(f, tl, k, true, 1, &r);
	assert_int_equal(r.res.outcome, ACTION_OK);
	assert_non_null(strstr(r.res.summary, "dry run"));
	assert_false(r.asked);
	assert_int_equal(api.patches, 0);
	assert_int_equal(logs(NULL, 0), 0);

	/* the operator says no: nothing changed, nothing to log */
	rollback(f, tl, k, false, 0, &r);
	assert_true(r.asked);
	assert_int_equal(r.res.outcome, ACTION_DECLINED);
	assert_int_equal(api.patches, 0);
	assert_int_equal(logs(NULL, 0), 0);

	/* yes: the selector moves, the traffic is verified, the action logs it */
	rollback(f, tl, k, false, 1, &r);
	assert_int_equal(r.res.outcome, ACTION_OK);
	assert_non_null(strstr(r.res.summary, "traffic on blue, verified in"));
	assert_int_equal(api.patches, 1);
	assert_int_equal(logs(path, sizeof path), 1);
	assert_true(progress_has(&r, "rollback log: "));
	assert_true(progress_has(&r, path));
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	o = cJSON_Parse(buf);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "type")->valuestring, "rollback");
	assert_string_equal(cJSON_GetObjectItem(o, "status")->valuestring, "success");
	assert_string_equal(cJSON_GetObjectItem(o, "strategy")->valuestring, "selector");
	assert_string_equal(cJSON_GetObjectItem(o, "from")->valuestring, "green");
	assert_string_equal(cJSON_GetObjectItem(o, "to")->valuestring, "blue");
	assert_string_equal(cJSON_GetObjectItem(o, "operator")->valuestring, "alice");
	/* no Argo CD here: the commit is blue's rollout revision, never "" */
	assert_string_equal(cJSON_GetObjectItem(o, "commit")->valuestring, "r4");
	assert_non_null(strstr(cJSON_GetObjectItem(o, "verification")->valuestring, "traffic on blue"));
	cJSON_Delete(o);

	/* a refusal (here: no cluster) adds none */
	rollback(f, tl, NULL, false, 1, &r);
	assert_int_equal(r.res.outcome, ACTION_REFUSED);
	assert_int_equal(logs(NULL, 0), 1);

	kube_free(k);
	timeline_close(tl);
	testutil_rmtree(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(the_action_writes_the_log_and_a_plan_only_does_not, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
