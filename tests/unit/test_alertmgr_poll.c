/* The full Alertmanager poller on the loop: an HA pair of which one is
 * down still gives the list, with the one that failed named, and Prometheus'
 * rules join the same round. */
#define _GNU_SOURCE   /* memmem, accept4 */
#include "http_fixture.h"

#include "warroom/alertmgr.h"
#include "warroom/config.h"
#include "warroom/model.h"
#include "warroom/source.h"

static const char alerts[] =
	"[{\"fingerprint\":\"875c4a4d98c8780d\",\"labels\":{\"alertname\":\"HighErrorRate\",\"severity\":\"critical\"},"
	"\"annotations\":{\"summary\":\"5xx over 1%\"},\"startsAt\":\"2026-11-21T14:03:10Z\","
	"\"status\":{\"state\":\"active\",\"silencedBy\":[],\"inhibitedBy\":[]}},"
	"{\"fingerprint\":\"1111\",\"labels\":{\"alertname\":\"DiskInfo\",\"severity\":\"info\"},"
	"\"startsAt\":\"2026-11-21T14:00:00Z\",\"status\":{\"state\":\"suppressed\",\"silencedBy\":[\"s1\"]}}]";
static const char groups[] =
	"[{\"labels\":{\"alertname\":\"HighErrorRate\"},\"receiver\":{\"name\":\"pager\"},"
	"\"alerts\":[{\"fingerprint\":\"875c4a4d98c8780d\",\"status\":{\"state\":\"active\"}}]}]";
static const char silences[] =
	"[{\"id\":\"s1\",\"status\":{\"state\":\"active\"},\"createdBy\":\"alice\",\"comment\":\"disk swap\","
	"\"matchers\":[{\"name\":\"alertname\",\"value\":\"DiskInfo\",\"isRegex\":false}]}]";
static const char rules[] =
	"{\"status\":\"success\",\"data\":{\"groups\":[{\"name\":\"slo\",\"rules\":[{\"type\":\"alerting\","
	"\"name\":\"QueueStale\",\"health\":\"err\",\"lastError\":\"bad expr\",\"state\":\"inactive\"}]}]}}";

static bool handler(struct conn *c, const char *method, const char *path, const char *body, size_t blen, void *arg)
{
	const char *ans = strcmp(path, "/am/api/v2/alerts") == 0 ? alerts :
	                  strcmp(path, "/am/api/v2/alerts/groups") == 0 ? groups :
	                  strcmp(path, "/am/api/v2/silences") == 0 ? silences :
	                  strcmp(path, "/prom/api/v1/rules?type=alert") == 0 ? rules : NULL;

	if (!ans)
		return false;
	respond(c, 200, "Content-Type: application/json\r\n", ans, strlen(ans), true);
	return true;
}

struct seen {
	int rounds;
	bool ok;
	char err[300];
};

static void on_round(bool ok, const char *err, void *arg)
{
	struct seen *s = arg;

	s->rounds++;
	s->ok = ok;
	snprintf(s->err, sizeof s->err, "%s", err ? err : "");
}

static void a_pair_with_one_down_still_lists_every_alert(void **state)
{
	struct fx *f = *state;
	static struct config cfg;
	static struct model_alerts out;
	struct seen seen = { 0 };
	struct alertmgr *am;
	const struct model_am *full;
	char err[300];
	int64_t end;

	config_defaults(&cfg);
	snprintf(cfg.alertmanager.url, sizeof cfg.alertmanager.url, "http://127.0.0.1:%d/am", f->srv->port);
	snprintf(cfg.alertmanager_urls[0], sizeof cfg.alertmanager_urls[0], "http://127.0.0.1:1/am");
	cfg.nalertmanager_urls = 1;
	snprintf(cfg.prometheus.url, sizeof cfg.prometheus.url, "http://127.0.0.1:%d/prom", f->srv->port);
	f->srv->handler = handler;
	am = alertmgr_new(f->loop, f->http, &cfg, &out, on_round, &seen, err, sizeof err);
	assert_non_null(am);
	assert_int_equal(alertmgr_enable_full(am, err, sizeof err), 0);
	full = alertmgr_full(am);
	assert_int_equal(full->nsources, 2);
	source_start(alertmgr_source(am), 60000);
	end = loop_now_ms() + 5000;
	while (!seen.rounds && loop_now_ms() < end)
		loop_run_once(f->loop, 100);
	assert_int_equal(seen.rounds, 1);
	assert_true(seen.ok);                        /* one of the pair answered */
	assert_int_equal(source_state(alertmgr_source(am)), SRC_UP);
	assert_int_equal(full->answered, 1);
	assert_string_equal(full->error[0], "");
	assert_non_null(strstr(full->error[1], "Alertmanager http://127.0.0.1:1/am"));
	assert_int_equal(full->n, 2);
	assert_string_equal(full->a[0].name, "HighErrorRate");
	assert_string_equal(full->a[0].receiver, "pager");
	assert_string_equal(full->a[1].name, "DiskInfo");
	assert_int_equal(full->nsilences, 1);
	assert_int_equal(full->rules_in_error, 1);
	assert_string_equal(full->rules[0].last_error, "bad expr");
	assert_true(full->generation == 1);
	/* the overview's summary: the firing one only */
	assert_int_equal(out.total, 1);
	assert_int_equal(out.critical, 1);
	assert_string_equal(out.a[0].name, "HighErrorRate");
	alertmgr_stop(am);
	alertmgr_free(am);
}

static void every_alertmanager_down_is_said(void **state)
{
	struct fx *f = *state;
	static struct config cfg;
	static struct model_alerts out;
	struct seen seen = { 0 };
	struct alertmgr *am;
	char err[300];
	int64_t end;

	config_defaults(&cfg);
	snprintf(cfg.alertmanager.url, sizeof cfg.alertmanager.url, "http://127.0.0.1:%d/missing", f->srv->port);
	am = alertmgr_new(f->loop, f->http, &cfg, &out, on_round, &seen, err, sizeof err);
	assert_non_null(am);
	assert_int_equal(alertmgr_enable_full(am, err, sizeof err), 0);
	source_start(alertmgr_source(am), 60000);
	end = loop_now_ms() + 5000;
	while (!seen.rounds && loop_now_ms() < end)
		loop_run_once(f->loop, 100);
	assert_false(seen.ok);
	assert_non_null(strstr(seen.err, "Alertmanager answered HTTP 404"));
	assert_int_equal(source_state(alertmgr_source(am)), SRC_DOWN);
	assert_int_equal(alertmgr_full(am)->generation, 0);
	source_refresh(alertmgr_source(am));        /* a round in flight at stop */
	alertmgr_stop(am);
	alertmgr_free(am);
}

/* An ingress' error page instead of the API: named as one, not quoted as HTML. */
static bool html_handler(struct conn *c, const char *method, const char *path, const char *body, size_t blen,
                         void *arg)
{
	static const char page[] = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body></body></html>\r\n";

	(void)method; (void)path; (void)body; (void)blen; (void)arg;
	respond(c, 502, "Content-Type: text/html\r\n", page, sizeof page - 1, true);
	return true;
}

static void an_html_error_page_is_named_as_one(void **state)
{
	struct fx *f = *state;
	static struct config cfg;
	static struct model_alerts out;
	struct seen seen = { 0 };
	struct alertmgr *am;
	char err[300];
	int64_t end;

	config_defaults(&cfg);
	snprintf(cfg.alertmanager.url, sizeof cfg.alertmanager.url, "http://127.0.0.1:%d/am", f->srv->port);
	f->srv->handler = html_handler;
	am = alertmgr_new(f->loop, f->http, &cfg, &out, on_round, &seen, err, sizeof err);
	assert_non_null(am);
	source_start(alertmgr_source(am), 60000);
	end = loop_now_ms() + 5000;
	while (!seen.rounds && loop_now_ms() < end)
		loop_run_once(f->loop, 100);
	assert_false(seen.ok);
	assert_non_null(strstr(seen.err, "Alertmanager answered HTTP 502 with an HTML page (a proxy?)"));
	assert_non_null(strstr(seen.err, ": 502 Bad Gateway"));
	assert_null(strstr(seen.err, "<"));
	alertmgr_stop(am);
	alertmgr_free(am);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_pair_with_one_down_still_lists_every_alert, setup, teardown),
		cmocka_unit_test_setup_teardown(an_html_error_page_is_named_as_one, setup, teardown),
		cmocka_unit_test_setup_teardown(every_alertmanager_down_is_said, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
