/* kube_argo: what the API server receives for an Argo Rollout's status
 * change, as the kubectl plugin sends it: a merge patch of the status
 * subresource, sent to the Rollout itself when the API has no such
 * subresource (an old CRD answers 404); and the Rollout's reads. */
#define _GNU_SOURCE   /* memmem, accept4 */
#include "http_fixture.h"

#include "warroom/kube.h"
#include "warroom/kubeconfig.h"

struct api {
	bool no_status;       /* the CRD has no status subresource */
	char paths[4][256];   /* the PATCHes, in order */
	char bodies[4][128];
	char types[4][64];
	int n;
};

static bool api_handler(struct conn *c, const char *method, const char *path, const char *body, size_t blen,
                        void *arg)
{
	struct api *a = arg;
	static const char ok[] = "{\"kind\":\"Rollout\",\"metadata\":{\"name\":\"detection-api\"}}";
	if (strcmp(method, "PATCH") == 0 && a->n < 4) {
		const char *ct = memmem(c->in, c->inlen, "Content-Type: ", 14);
		snprintf(a->paths[a->n], sizeof a->paths[0], "%s", path);
		snprintf(a->bodies[a->n], sizeof a->bodies[0], "%.*s", (int)blen, body);
		if (ct)
			snprintf(a->types[a->n], sizeof a->types[0], "%.*s", (int)strcspn(ct + 14, "\r"), ct + 14);
		a->n++;
	}
	if (strcmp(method, "PATCH") == 0 && a->no_status && strstr(path, "/status")) {
		static const char nf[] = "{\"kind\":\"Status\",\"status\":\"Failure\",\"reason\":\"NotFound\","
		                         "\"message\":\"the server could not find the requested resource\",\"code\":404}";
		respond(c, 404, "Content-Type: application/json\r\n", nf, strlen(nf), true);
		return true;
	}
	respond(c, 200, "Content-Type: application/json\r\n", ok, strlen(ok), true);
	return true;
}

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

struct got {
	bool done, ok;
	long status;
};

static void got_cb(const struct kube_result *res, void *arg)
{
	struct got *g = arg;
	g->done = true;
	g->ok = res->ok;
	g->status = res->status;
}

static void patch(struct fx *f, bool status, const char *body, struct got *g)
{
	struct kube *k = lab_kube(f);
	assert_true(kube_argo_patch(k, "detection-system", "detection-api", status, body, got_cb, g) != 0);
	assert_int_equal(loop_run_until(f->loop, &g->done, 5000), 0);
	kube_free(k);
}

static void test_abort_patches_the_status_subresource(void **state)
{
	struct fx *f = *state;
	struct got g = { 0 };
	memset(&api, 0, sizeof api);
	patch(f, true, "{\"status\":{\"abort\":true}}", &g);
	assert_true(g.ok);
	assert_int_equal(api.n, 1);
	assert_string_equal(api.paths[0], "/apis/argoproj.io/v1alpha1/namespaces/detection-system/rollouts/"
	                    "detection-api/status");
	assert_string_equal(api.types[0], "application/merge-patch+json");
	assert_string_equal(api.bodies[0], "{\"status\":{\"abort\":true}}");
}

static void test_without_the_subresource_the_object_is_patched(void **state)
{
	struct fx *f = *state;
	struct got g = { 0 };
	memset(&api, 0, sizeof api);
	api.no_status = true;
	patch(f, true, "{\"status\":{\"promoteFull\":true}}", &g);
	assert_true(g.ok);
	assert_int_equal(api.n, 2);
	assert_non_null(strstr(api.paths[0], "/rollouts/detection-api/status"));
	assert_string_equal(api.paths[1], "/apis/argoproj.io/v1alpha1/namespaces/detection-system/rollouts/"
	                    "detection-api");
	assert_string_equal(api.bodies[1], "{\"status\":{\"promoteFull\":true}}");
}

static void test_pause_patches_the_object(void **state)
{
	struct fx *f = *state;
	struct got g = { 0 };
	memset(&api, 0, sizeof api);
	patch(f, false, "{\"spec\":{\"paused\":true}}", &g);
	assert_true(g.ok);
	assert_int_equal(api.n, 1);
	assert_null(strstr(api.paths[0], "/status"));
	assert_string_equal(api.types[0], "application/merge-patch+json");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_abort_patches_the_status_subresource, setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_the_subresource_the_object_is_patched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pause_patches_the_object, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
