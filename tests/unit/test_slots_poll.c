/* slots_poll: what one slot refresh asks the API server for, against a
 * loopback stand-in. Each slot's pods come in one page selected by the slot
 * label, so a namespace crowded with pods (even of the same app) costs the
 * same small answer; a slot with more pods than its page takes its counts
 * from its Deployment's status and says so. */
#define _GNU_SOURCE
#include "http_fixture.h"

#include <stdbool.h>

#include "warroom/config.h"
#include "warroom/kube.h"
#include "warroom/kubeconfig.h"
#include "warroom/slots.h"

#define NS_PATH "/namespaces/detection-system/"

struct api {
	const char *selector;       /* the service's spec.selector, as JSON */
	int blue_pods, green_pods;  /* pods the stand-in holds per slot */
	int blue_replicas, blue_ready;
	char pod_paths[4][1024];    /* the pod lists asked for */
	int npod_paths;
	int biggest_page;           /* most pods in one answer */
};

static void add(char **buf, size_t *len, size_t *cap, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void add(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (*len + (size_t)n + 1 > *cap) {
		*cap = (*len + (size_t)n + 1) * 2;
		*buf = realloc(*buf, *cap);
		assert_non_null(*buf);
	}
	va_start(ap, fmt);
	vsnprintf(*buf + *len, *cap - *len, fmt, ap);
	va_end(ap);
	*len += (size_t)n;
}

static void json_200(struct conn *c, const char *body)
{
	respond(c, 200, "Content-Type: application/json\r\n", body, strlen(body), true);
}

/* A PodList page as the API server answers ?limit=: at most limit pods and a
 * continue token while more match. */
static void pod_page(struct conn *c, struct api *a, const char *slot, int have, int limit)
{
	int n = limit > 0 && limit < have ? limit : have;
	char *b = NULL;
	size_t len = 0, cap = 0;
	add(&b, &len, &cap, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"9\"%s},"
	    "\"items\":[", n < have ? ",\"continue\":\"eyJydiI6OX0\"" : "");
	for (int i = 0; i < n; i++)
		add(&b, &len, &cap, "%s{\"metadata\":{\"name\":\"detection-api-%s-%05d\",\"labels\":{\"app\":\"detection-api\","
		    "\"slot\":\"%s\"}},\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.%d\",\"conditions\":"
		    "[{\"type\":\"Ready\",\"status\":\"True\"}],\"containerStatuses\":[{\"restartCount\":0}]}}",
		    i ? "," : "", slot, i, slot, i % 250 + 1);
	add(&b, &len, &cap, "]}");
	if (n > a->biggest_page)
		a->biggest_page = n;
	json_200(c, b);
	free(b);
}

static void deployment(struct conn *c, const char *slot, int replicas, int ready)
{
	char b[1024];
	snprintf(b, sizeof b,
	         "{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":\"detection-api-%s\","
	         "\"generation\":1},\"spec\":{\"replicas\":%d,\"selector\":{\"matchLabels\":{\"app\":\"detection-api\","
	         "\"slot\":\"%s\"}}},\"status\":{\"observedGeneration\":1,\"replicas\":%d,\"updatedReplicas\":%d,"
	         "\"readyReplicas\":%d,\"availableReplicas\":%d}}",
	         slot, replicas, slot, replicas, replicas, ready, ready);
	json_200(c, b);
}

static bool api_handler(struct conn *c, const char *method, const char *path, const char *body, size_t blen,
                        void *arg)
{
	struct api *a = arg;
	(void)method, (void)body, (void)blen;
	char b[2048];
	if (strstr(path, "/services/detection-api-service")) {
		snprintf(b, sizeof b, "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"
		         "\"detection-api-service\",\"resourceVersion\":\"7\"},\"spec\":{\"selector\":%s}}", a->selector);
		json_200(c, b);
	} else if (strstr(path, "/deployments/detection-api-blue")) {
		deployment(c, "blue", a->blue_replicas, a->blue_ready);
	} else if (strstr(path, "/deployments/detection-api-green")) {
		deployment(c, "green", a->green_pods, a->green_pods);
	} else if (strstr(path, "/endpointslices")) {
		json_200(c, "{\"kind\":\"EndpointSliceList\",\"apiVersion\":\"discovery.k8s.io/v1\",\"items\":[]}");
	} else if (strstr(path, NS_PATH "pods")) {
		if (a->npod_paths < 4)
			snprintf(a->pod_paths[a->npod_paths++], sizeof a->pod_paths[0], "%s", path);
		const char *l = strstr(path, "limit=");
		int limit = l ? atoi(l + 6) : 0;
		if (strstr(path, "slot%3Dblue"))
			pod_page(c, a, "blue", a->blue_pods, limit);
		else if (strstr(path, "slot%3Dgreen"))
			pod_page(c, a, "green", a->green_pods, limit);
		else   /* without the slot label: every pod of the app, as a crowded namespace has */
			pod_page(c, a, "blue", a->blue_pods + a->green_pods + 5000, limit);
	} else {
		return false;
	}
	return true;
}

struct seen {
	bool done;
	struct slots_state st;
};

static void on_update(const struct slots_state *st, void *arg)
{
	struct seen *s = arg;
	s->st = *st;
	s->done = true;
}

/* One refresh of the slot poller against the stand-in. */
static void refresh(struct fx *f, struct api *a, struct seen *seen)
{
	f->srv->handler = api_handler;
	f->srv->handler_arg = a;
	char yaml[1024], err[300];
	snprintf(yaml, sizeof yaml,
	         "current-context: lab\nclusters:\n- name: lab\n  cluster: {server: \"http://127.0.0.1:%d\"}\n"
	         "contexts:\n- name: lab\n  context: {cluster: lab, user: u, namespace: detection-system}\n"
	         "users:\n- name: u\n  user: {token: t}\n", f->srv->port);
	struct kubeconfig kc;
	assert_int_equal(kubeconfig_load_text(&kc, "kubeconfig", NULL, yaml, strlen(yaml), NULL, err, sizeof err), 0);
	struct kube *k = kube_new(f->loop, f->http, &kc);
	assert_non_null(k);
	static struct config cfg;
	config_defaults(&cfg);
	snprintf(cfg.kube.namespace_, sizeof cfg.kube.namespace_, "detection-system");
	snprintf(cfg.kube.service, sizeof cfg.kube.service, "detection-api-service");
	snprintf(cfg.kube.deployments[0], sizeof cfg.kube.deployments[0], "detection-api-blue");
	snprintf(cfg.kube.deployments[1], sizeof cfg.kube.deployments[1], "detection-api-green");
	struct slots_poller *p = slots_poller_new(f->loop, k, &cfg, on_update, seen);
	assert_non_null(p);
	slots_poller_refresh(p);
	assert_int_equal(loop_run_until(f->loop, &seen->done, 5000), 0);
	slots_poller_free(p);
	kube_free(k);
}

static void test_each_slot_lists_one_page_by_its_label(void **state)
{
	struct fx *f = *state;
	struct api a = { .selector = "{\"app\":\"detection-api\",\"slot\":\"blue\"}", .blue_pods = 3, .green_pods = 2,
	                 .blue_replicas = 3, .blue_ready = 3 };
	struct seen seen = { 0 };
	refresh(f, &a, &seen);
	assert_string_equal(seen.st.last_error, "");
	assert_int_equal(a.npod_paths, 2);
	/* never the whole app: each list names its slot and asks for one page */
	bool blue = false, green = false;
	for (int i = 0; i < a.npod_paths; i++) {
		const char *q = a.pod_paths[i];
		blue = blue || strstr(q, "labelSelector=app%3Ddetection-api%2Cslot%3Dblue&limit=32");
		green = green || strstr(q, "labelSelector=app%3Ddetection-api%2Cslot%3Dgreen&limit=32");
	}
	assert_true(blue);
	assert_true(green);
	assert_int_equal(seen.st.npods, 5);
	assert_int_equal(seen.st.slot[0].pods, 3);
	assert_int_equal(seen.st.slot[0].pods_ready, 3);
	assert_false(seen.st.slot[0].pods_more);
	assert_int_equal(seen.st.slot[1].pods, 2);
	assert_false(seen.st.slot[1].pods_more);
	assert_int_equal(seen.st.active, 0);
	assert_true(seen.st.health == SLOTS_HEALTHY);
}

static void test_thousands_of_pods_cost_one_page_and_counts_come_from_the_deployment(void **state)
{
	struct fx *f = *state;
	struct api a = { .selector = "{\"app\":\"detection-api\",\"slot\":\"blue\"}", .blue_pods = 5000,
	                 .green_pods = 0, .blue_replicas = 5000, .blue_ready = 4990 };
	struct seen seen = { 0 };
	refresh(f, &a, &seen);
	assert_string_equal(seen.st.last_error, "");
	assert_int_equal(a.biggest_page, 32);            /* not 5,000 */
	assert_int_equal(seen.st.npods, 32);
	const struct slots_slot *b = &seen.st.slot[0];
	assert_true(b->pods_more);
	assert_int_equal(b->pods_listed, 32);
	assert_int_equal(b->pods, 5000);                 /* from status.replicas */
	assert_int_equal(b->pods_ready, 4990);           /* from status.readyReplicas */
	assert_false(seen.st.slot[1].pods_more);
	/* the JSON an operator scripts against says the list is cut */
	char *j = slots_to_json(&seen.st, loop_now_ms());
	assert_non_null(j);
	assert_non_null(strstr(j, "\"pods_listed\":32"));
	assert_non_null(strstr(j, "\"pods_more\":true"));
	free(j);
}

static void test_a_selector_too_long_to_hold_is_refused_in_words(void **state)
{
	struct fx *f = *state;
	char sel[600];
	snprintf(sel, sizeof sel, "{\"app\":\"detection-api\",\"slot\":\"blue\",\"team\":\"%0300d\"}", 7);
	struct api a = { .selector = sel, .blue_pods = 3, .blue_replicas = 3, .blue_ready = 3 };
	struct seen seen = { 0 };
	refresh(f, &a, &seen);
	/* a cut selector would pick other pods: the refresh fails and says why */
	assert_non_null(strstr(seen.st.last_error, "selector is longer than 255 characters"));
	assert_int_equal(a.npod_paths, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_each_slot_lists_one_page_by_its_label, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thousands_of_pods_cost_one_page_and_counts_come_from_the_deployment,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_selector_too_long_to_hold_is_refused_in_words, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
