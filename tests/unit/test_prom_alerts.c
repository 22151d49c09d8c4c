/* Prometheus answers and Alertmanager alerts into the model: real captures
 * from the projects' docs and recordings, and the edge cases they allow. */
#define _GNU_SOURCE   /* memmem, accept4 */
#include "http_fixture.h"

#include <math.h>

#include <cJSON.h>

#include "warroom/alertmgr.h"
#include "warroom/config.h"
#include "warroom/policy.h"
#include "warroom/prom.h"
#include "warroom/source.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void numbers_as_prometheus_writes_them(void **state)
{
	(void)state;
	assert_true(isnan(prom_parse_number("NaN")));
	assert_true(isinf(prom_parse_number("+Inf")) && prom_parse_number("+Inf") > 0);
	assert_true(isinf(prom_parse_number("-Inf")) && prom_parse_number("-Inf") < 0);
	assert_true(prom_parse_number("1e+00") == 1.0);
	assert_true(fabs(prom_parse_number("0.0813") - 0.0813) < 1e-12);
	assert_true(isnan(prom_parse_number("12abc")));
	assert_true(isnan(prom_parse_number("")));
}

static void vector_fixture_gives_its_first_sample(void **state)
{
	char path[512], err[256];
	size_t len;
	char *json;
	double v;

	(void)state;
	if (!testutil_fixture(path, sizeof path, "api/prometheus-query-vector.json"))
		skip();
	json = slurp(path, &len);
	assert_int_equal(prom_parse_value(json, len, &v, err, sizeof err), 0);
	assert_true(v == 1.0);
	free(json);
}

static void answers_without_data_and_errors(void **state)
{
	static const char empty[] = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}";
	static const char scalar[] = "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"NaN\"]}}";
	static const char bad[] = "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 5\"}";
	static const char matrix[] = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}";
	char err[256];
	double v = 0;

	(void)state;
	/* no series is no data, not an error: the panel shows n/a */
	assert_int_equal(prom_parse_value(empty, strlen(empty), &v, err, sizeof err), 0);
	assert_true(isnan(v));
	assert_int_equal(prom_parse_value(scalar, strlen(scalar), &v, err, sizeof err), 0);
	assert_true(isnan(v));
	assert_int_equal(prom_parse_value(bad, strlen(bad), &v, err, sizeof err), -1);
	assert_string_equal(err, "Prometheus: bad_data: parse error at char 5");
	assert_int_equal(prom_parse_value(matrix, strlen(matrix), &v, err, sizeof err), -1);
	assert_non_null(strstr(err, "matrix"));
	assert_int_equal(prom_parse_value("<html>502", 9, &v, err, sizeof err), -1);
	assert_non_null(strstr(err, "not JSON"));
}

static void signal_queries_are_the_runbook_ones(void **state)
{
	(void)state;
	assert_non_null(strstr(prom_signal_query(MET_ERRORS), "status=~\"5..\""));
	assert_non_null(strstr(prom_signal_query(MET_P95), "histogram_quantile(0.95, sum by (le)"));
	assert_non_null(strstr(prom_signal_query(MET_QUEUE), "offline_queue_depth"));
}

static void series_keeps_the_newest(void **state)
{
	struct model_series s;

	(void)state;
	memset(&s, 0, sizeof s);
	for (int i = 0; i < MODEL_SERIES + 10; i++)
		model_series_push(&s, i);
	assert_int_equal(s.n, MODEL_SERIES);
	assert_true(s.v[0] == 10);
	assert_true(s.last == MODEL_SERIES + 9);
}

static void alerts_from_a_recorded_alertmanager(void **state)
{
	char path[512], err[256];
	size_t len;
	char *json, *flat;
	cJSON *groups, *all, *g;
	struct model_alerts out;

	(void)state;
	if (!testutil_fixture(path, sizeof path, "api/alertmanager-v2-alerts-groups.json"))
		skip();
	json = slurp(path, &len);
	/* /api/v2/alerts items are the groups' alerts, flattened */
	groups = cJSON_ParseWithLength(json, len);
	all = cJSON_CreateArray();
	cJSON_ArrayForEach(g, groups) {
		const cJSON *a;

		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(g, "alerts"))
			cJSON_AddItemToArray(all, cJSON_Duplicate(a, 1));
	}
	flat = cJSON_PrintUnformatted(all);
	memset(&out, 0, sizeof out);
	assert_int_equal(alertmgr_parse_alerts(flat, strlen(flat), NULL, &out, err, sizeof err), 0);
	assert_int_equal(out.total, 16);          /* 8 of the 24 are suppressed */
	assert_int_equal(out.n, 16);
	assert_int_equal(out.critical, 0);
	assert_true(out.a[0].name[0] != '\0');
	assert_string_equal(out.a[0].severity, "none");
	for (size_t i = 1; i < out.n; i++)
		assert_true(out.a[i - 1].since_wall_ms <= out.a[i].since_wall_ms);   /* oldest first */
	free(flat);
	cJSON_Delete(all);
	cJSON_Delete(groups);
	free(json);
}

static void critical_alerts_come_first_and_survive_a_flood(void **state)
{
	char err[256];
	struct model_alerts out;
	size_t cap = 200 * 300 + 1000, used = 0;
	char *json = malloc(cap);

	(void)state;
	used += (size_t)snprintf(json + used, cap - used, "[");
	for (int i = 0; i < 200; i++)
		used += (size_t)snprintf(json + used, cap - used,
		                         "%s{\"labels\":{\"alertname\":\"Noise%d\",\"severity\":\"warning\"},"
		                         "\"annotations\":{},\"startsAt\":\"2026-11-21T10:00:%02d.000Z\","
		                         "\"status\":{\"state\":\"active\"}}", i ? "," : "", i, i % 60);
	used += (size_t)snprintf(json + used, cap - used,
	                         ",{\"labels\":{\"alertname\":\"HighErrorRate\",\"severity\":\"critical\",\"group\":\"slo\"},"
	                         "\"annotations\":{\"summary\":\"Error ratio 8%%\"},\"startsAt\":\"2026-11-21T14:03:10+01:00\","
	                         "\"status\":{\"state\":\"active\"}}]");
	memset(&out, 0, sizeof out);
	assert_int_equal(alertmgr_parse_alerts(json, used, NULL, &out, err, sizeof err), 0);
	assert_int_equal(out.total, 201);
	assert_int_equal(out.n, MODEL_ALERTS);
	assert_int_equal(out.critical, 1);
	assert_int_equal(out.warning, 200);
	assert_string_equal(out.a[0].name, "HighErrorRate");
	assert_string_equal(out.a[0].group, "slo");
	assert_string_equal(out.a[0].summary, "Error ratio 8%");
	/* 14:03:10 at +01:00 is 13:03:10 UTC */
	assert_true(out.a[0].since_wall_ms == alertmgr_parse_time("2026-11-21T13:03:10Z"));
	assert_int_equal(alertmgr_parse_alerts("{\"error\":1}", 11, NULL, &out, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a list"));
	free(json);
}

static int alert_json(char *buf, size_t len, const char *name, const char *sev, int minute, bool first)
{
	return snprintf(buf, len, "%s{\"labels\":{\"alertname\":\"%s\",\"severity\":\"%s\"},\"annotations\":{},"
	                "\"startsAt\":\"2026-11-21T10:%02d:00Z\",\"status\":{\"state\":\"active\"}}",
	                first ? "" : ",", name, sev, minute);
}

/* An "error" alert is critical, as the overview draws it: counted, sorted
 * first and kept in a flood; the config's list decides. */
static void error_alerts_are_critical_by_the_policy(void **state)
{
	static struct config cfg;
	static const struct { const char *name, *sev; } in[] = {
		{ "OldWarning", "warning" }, { "DiskInfo", "info" }, { "HighErrorRate", "error" },
		{ "PodsDown", "page" }, { "NewWarning", "warning" },
	};
	char json[4096], err[256];
	size_t used = 0;
	struct model_alerts out;

	(void)state;
	used += (size_t)snprintf(json, sizeof json, "[");
	for (int i = 0; i < 5; i++)
		used += (size_t)alert_json(json + used, sizeof json - used, in[i].name, in[i].sev, i, i == 0);
	used += (size_t)snprintf(json + used, sizeof json - used, "]");

	memset(&out, 0, sizeof out);
	assert_int_equal(alertmgr_parse_alerts(json, used, NULL, &out, err, sizeof err), 0);
	assert_int_equal(out.total, 5);
	assert_int_equal(out.critical, 2);
	assert_int_equal(out.warning, 2);
	/* critical first (oldest first among them), then the rest by age */
	assert_string_equal(out.a[0].name, "HighErrorRate");
	assert_string_equal(out.a[1].name, "PodsDown");
	assert_string_equal(out.a[2].name, "OldWarning");
	assert_string_equal(out.a[3].name, "DiskInfo");
	assert_string_equal(out.a[4].name, "NewWarning");
	/* the overview's "crit" mark is the same question */
	for (size_t i = 0; i < out.n; i++)
		assert_true(policy_severity_is_critical(NULL, out.a[i].severity) == (i < 2));

	/* alerts: critical_severities: [page] -- error is a warning again */
	config_defaults(&cfg);
	snprintf(cfg.policy.critical_severities[0], sizeof cfg.policy.critical_severities[0], "page");
	cfg.policy.ncritical = 1;
	assert_int_equal(alertmgr_parse_alerts(json, used, &cfg, &out, err, sizeof err), 0);
	assert_int_equal(out.critical, 1);
	assert_string_equal(out.a[0].name, "PodsDown");
	assert_string_equal(out.a[1].name, "OldWarning");
	assert_string_equal(out.a[3].name, "HighErrorRate");

	/* a flood of warnings does not push an error alert off the list */
	static char flood[100 * 200];
	used = (size_t)snprintf(flood, sizeof flood, "[");
	for (int i = 0; i < 90; i++)
		used += (size_t)alert_json(flood + used, sizeof flood - used, "Noise", "warning", i % 60, i == 0);
	used += (size_t)alert_json(flood + used, sizeof flood - used, "HighErrorRate", "error", 59, false);
	used += (size_t)snprintf(flood + used, sizeof flood - used, "]");
	assert_int_equal(alertmgr_parse_alerts(flood, used, NULL, &out, err, sizeof err), 0);
	assert_int_equal(out.total, 91);
	assert_int_equal(out.n, MODEL_ALERTS);
	assert_int_equal(out.critical, 1);
	assert_string_equal(out.a[0].name, "HighErrorRate");
}

static void times_in_the_forms_alertmanager_writes(void **state)
{
	(void)state;
	assert_true(alertmgr_parse_time("1970-01-01T00:00:01Z") == 1000);
	assert_true(alertmgr_parse_time("1970-01-01T00:00:01.5Z") == 1500);
	assert_true(alertmgr_parse_time("1970-01-01T00:00:01.123456789Z") == 1123);
	assert_true(alertmgr_parse_time("1970-01-01T01:00:00+01:00") == 0);
	assert_true(alertmgr_parse_time("garbage") == 0);
}

/* ---- hostile answers, through a real loopback server ---- */

struct canned {
	int status;
	const char *ctype;
	const char *body;
	bool hang;
	int hits;
	char auth[128];
};

static bool prom_handler(struct conn *c, const char *method, const char *path, const char *body, size_t blen,
                         void *arg)
{
	struct canned *k = arg;
	char extra[160] = "";
	const char *a = strcasestr(c->in, "Authorization: ");

	if (strncmp(path, "/api/v1/query", 13) != 0)
		return false;
	k->hits++;
	if (a)
		snprintf(k->auth, sizeof k->auth, "%.*s", (int)strcspn(a + 15, "\r\n"), a + 15);
	if (k->hang) {
		c->hang = true;
		return true;
	}
	if (k->ctype)
		snprintf(extra, sizeof extra, "Content-Type: %s\r\n", k->ctype);
	respond(c, k->status, extra, k->body, strlen(k->body), true);
	return true;
}

struct got {
	bool done, ok, answered;
	double v;
	char err[300];
};

static void got_value(const struct prom_answer *a, void *arg)
{
	struct got *g = arg;

	g->done = true;
	g->ok = a->ok;
	g->answered = a->answered;
	g->v = a->v;
	snprintf(g->err, sizeof g->err, "%s", a->err);
}

static struct prom *prom_on(struct fx *f, struct canned *k)
{
	struct config_endpoint ep;
	char err[300];
	struct prom *p;

	memset(&ep, 0, sizeof ep);
	snprintf(ep.url, sizeof ep.url, "http://127.0.0.1:%d/", f->srv->port);
	snprintf(ep.token_env, sizeof ep.token_env, "WARROOM_TEST_PROM_TOKEN");
	setenv("WARROOM_TEST_PROM_TOKEN", "tok-4f1c9a", 1);
	p = prom_new(f->http, &ep, err, sizeof err);
	assert_non_null(p);
	f->srv->handler = prom_handler;
	f->srv->handler_arg = k;
	return p;
}

static void ask(struct fx *f, struct prom *p, struct got *g)
{
	memset(g, 0, sizeof *g);
	assert_int_not_equal(prom_query(p, "sum(rate(http_requests_total[1m]))", got_value, g), 0);
	assert_int_equal(loop_run_until(f->loop, (volatile bool *)&g->done, 5000), 0);
}

static void hostile_answers_are_named(void **state)
{
	struct fx *f = *state;
	static const struct {
		int status;
		const char *ctype, *body, *want;
		bool answered;
	} cases[] = {
		{ 500, "text/plain", "upstream connect error or disconnect/reset before headers\n",
		  "Prometheus answered HTTP 500: upstream connect error or disconnect/reset before headers", false },
		{ 502, "text/html", "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body>",
		  "Prometheus answered HTTP 502 with an HTML page (a proxy?), not JSON: 502 Bad Gateway", false },
		{ 200, "text/html; charset=utf-8", "<!DOCTYPE html><html><title>Sign in</title>",
		  "Prometheus answered an HTML page (a proxy?), not JSON: Sign in", false },
		{ 200, "application/json", "\x01\x02 garbage, not at all\tJSON",
		  "Prometheus answered something that is not JSON: garbage, not at all JSON", false },
		{ 200, "application/json", "", "Prometheus answered an empty body, not JSON", false },
		{ 503, NULL, "", "Prometheus answered HTTP 503 with an empty body", false },
		{ 200, "application/json", "{\"data\":{}}",
		  "Prometheus answered JSON without a status (is this the Prometheus API?): {\"data\":{}}", false },
		{ 200, "application/json", "{\"status\":7}",
		  "Prometheus answer's status is a number, not a string (is this the Prometheus API?)", true },
		{ 400, "application/json",
		  "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 5: unexpected \\\"}\\\"\"}",
		  "Prometheus: bad_data: parse error at char 5: unexpected \"}\"", true },
		{ 503, "application/json", "{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out\"}",
		  "Prometheus: timeout: query timed out", true },
		{ 200, "application/json",
		  "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1.7e9,5]}]}}",
		  "Prometheus sample value is a number, not a string", true },
		{ 200, "application/json", "{\"status\":\"success\",\"data\":{\"resultType\":3,\"result\":[]}}",
		  "Prometheus answer's resultType is a number, not a string", true },
		{ 200, "application/json", "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":{}}}",
		  "Prometheus vector result is an object, not an array", true },
		{ 200, "application/json", "{\"status\":\"success\",\"data\":[]}",
		  "Prometheus answer's data is an array, not an object", true },
		{ 200, "application/json",
		  "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1.7e9,\"fast\"]}}",
		  "Prometheus scalar value \"fast\" is not a number", true },
	};
	struct canned k = { 0 };
	struct prom *p = prom_on(f, &k);
	struct got g;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		k.status = cases[i].status;
		k.ctype = cases[i].ctype;
		k.body = cases[i].body;
		ask(f, p, &g);
		assert_false(g.ok);
		assert_true(isnan(g.v));
		assert_string_equal(g.err, cases[i].want);
		assert_true(g.answered == cases[i].answered);
		assert_null(strstr(g.err, "tok-4f1c9a"));
	}
	assert_string_equal(k.auth, "Bearer tok-4f1c9a");
	/* and a good one */
	k.status = 200;
	k.body = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1.7e9,\"42\"]}]}}";
	ask(f, p, &g);
	assert_true(g.ok);
	assert_true(g.v == 42.0);
	assert_string_equal(g.err, "");
	/* a long body is cut to its first words, said so */
	k.status = 500;
	k.ctype = "text/plain";
	k.body = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen";
	ask(f, p, &g);
	assert_true(strncmp(g.err, "Prometheus answered HTTP 500: one two three", 43) == 0);
	assert_true(strlen(g.err) < 130);
	assert_non_null(strstr(g.err, "..."));
	prom_free(p);
	unsetenv("WARROOM_TEST_PROM_TOKEN");
}

static void run_for_ms(struct loop *loop, int64_t ms)
{
	int64_t end = loop_now_ms() + ms;

	while (loop_now_ms() < end)
		loop_run_once(loop, (int)(end - loop_now_ms()));
}

struct rounds {
	int n;
	bool ok;
	char err[200];
};

static void round_seen(bool ok, const char *err, void *arg)
{
	struct rounds *r = arg;

	r->n++;
	r->ok = ok;
	snprintf(r->err, sizeof r->err, "%s", err);
}

static void wait_rounds(struct fx *f, struct rounds *r, int n)
{
	int64_t end = loop_now_ms() + 5000;

	while (r->n < n && loop_now_ms() < end)
		loop_run_once(f->loop, 100);
	assert_int_equal(r->n, n);
}

static void the_poller_says_why_each_signal_failed(void **state)
{
	struct fx *f = *state;
	struct canned k = { .status = 500, .ctype = "text/plain", .body = "Internal Server Error" };
	struct prom *p = prom_on(f, &k);
	struct model_metrics m;
	struct rounds r = { 0 };
	struct prom_poller *pp;

	memset(&m, 0, sizeof m);
	pp = prom_poller_new(f->loop, p, &m, round_seen, &r);
	source_refresh(prom_poller_source(pp));
	wait_rounds(f, &r, 1);
	/* a 500 for every query: the source is down, and each signal says why */
	assert_false(r.ok);
	assert_string_equal(r.err, "Prometheus answered HTTP 500: Internal Server Error");
	assert_int_equal(source_state(prom_poller_source(pp)), SRC_DOWN);
	struct source_status st;
	source_status(prom_poller_source(pp), &st);
	assert_string_equal(st.error, "Prometheus answered HTTP 500: Internal Server Error");
	assert_int_equal(m.updated_ms, 0);
	for (int i = 0; i < MET_COUNT; i++) {
		assert_true(isnan(m.s[i].last));
		assert_string_equal(m.s[i].error, "Prometheus answered HTTP 500: Internal Server Error");
	}
	/* Prometheus' own error for every query: it answered, but nothing can be
	 * used, so it is not up; the words stay */
	k.status = 400;
	k.ctype = "application/json";
	k.body = "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"unknown function\"}";
	source_refresh(prom_poller_source(pp));
	wait_rounds(f, &r, 2);
	assert_false(r.ok);
	assert_int_equal(source_state(prom_poller_source(pp)), SRC_DOWN);
	assert_int_equal(m.updated_ms, 0);
	assert_string_equal(m.s[MET_P95].error, "Prometheus: bad_data: unknown function");
	/* good again: the errors go */
	k.status = 200;
	k.body = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"0.5\"]}]}}";
	source_refresh(prom_poller_source(pp));
	wait_rounds(f, &r, 3);
	assert_string_equal(m.s[MET_P95].error, "");
	assert_true(m.s[MET_P95].last == 0.5);
	assert_int_equal(k.hits, 3 * MET_COUNT);

	/* stopped with a round in flight: the late answers are dropped */
	k.hang = true;
	source_refresh(prom_poller_source(pp));
	run_for_ms(f->loop, 100);
	assert_true(source_busy(prom_poller_source(pp)));
	prom_poller_stop(pp);
	int64_t updated = m.updated_ms;
	http_free(f->http);                         /* the answers arrive, cancelled */
	f->http = http_new(f->loop);
	assert_int_equal(r.n, 3);
	assert_true(m.updated_ms == updated);
	assert_true(m.s[MET_P95].last == 0.5);
	prom_poller_free(pp);
	prom_free(p);
	unsetenv("WARROOM_TEST_PROM_TOKEN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers_as_prometheus_writes_them),
		cmocka_unit_test(vector_fixture_gives_its_first_sample),
		cmocka_unit_test(answers_without_data_and_errors),
		cmocka_unit_test(signal_queries_are_the_runbook_ones),
		cmocka_unit_test(series_keeps_the_newest),
		cmocka_unit_test(alerts_from_a_recorded_alertmanager),
		cmocka_unit_test(critical_alerts_come_first_and_survive_a_flood),
		cmocka_unit_test(error_alerts_are_critical_by_the_policy),
		cmocka_unit_test(times_in_the_forms_alertmanager_writes),
		cmocka_unit_test_setup_teardown(hostile_answers_are_named, setup, teardown),
		cmocka_unit_test_setup_teardown(the_poller_says_why_each_signal_failed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
