/* Endpoints into requests: URLs joined whatever the slashes and base paths,
 * PromQL's awkward characters encoded so the server reads them back exactly,
 * a 5,000-character expression sent whole as a POST form, the token sent as
 * Authorization and never in an error, and the tunnel's route honoured. */
#define _GNU_SOURCE   /* memmem, accept4 */
#include "http_fixture.h"

#include "warroom/config.h"
#include "warroom/endpoint.h"
#include "warroom/kube.h"
#include "warroom/text.h"

/* Percent-decoding as a form parser does it ('+' is a space). */
static char *form_decode(const char *s, size_t len)
{
	char *out = malloc(len + 1);
	size_t o = 0;

	assert_non_null(out);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%' && i + 2 < len) {
			char hex[3] = { s[i + 1], s[i + 2], 0 };
			out[o++] = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

/* The value of name in "a=1&name=v&..." decoded; NULL when absent. */
static char *form_value(const char *form, size_t len, const char *name)
{
	size_t nl = strlen(name);
	const char *p = form, *end = form + len;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *e = amp ? amp : end;

		if ((size_t)(e - p) > nl && strncmp(p, name, nl) == 0 && p[nl] == '=')
			return form_decode(p + nl + 1, (size_t)(e - p - (ptrdiff_t)nl - 1));
		p = e + 1;
	}
	return NULL;
}

static const char awkward[] = "sum(rate(http_requests_total{job=\"detection-api\",status=~\"5..\"}[1m])) + 1 "
                              "& label_replace(up, \"x\", \"é→ü\", \"\", \"\")";

static void joins_with_and_without_slashes_and_base_paths(void **state)
{
	static const struct { const char *base, *path, *want; } cases[] = {
		{ "http://127.0.0.1:9090", "/api/v1/query", "http://127.0.0.1:9090/api/v1/query" },
		{ "http://127.0.0.1:9090/", "/api/v1/query", "http://127.0.0.1:9090/api/v1/query" },
		{ "http://127.0.0.1:9090", "api/v1/query", "http://127.0.0.1:9090/api/v1/query" },
		{ "https://mon.example/prometheus", "/api/v1/query", "https://mon.example/prometheus/api/v1/query" },
		{ "https://mon.example/prometheus/", "/api/v1/query", "https://mon.example/prometheus/api/v1/query" },
		{ "https://mon.example/prometheus//", "api/v1/query", "https://mon.example/prometheus/api/v1/query" },
		{ "https://k8s.example/k8s/clusters/c-1", "/api/v1/namespaces/ns/pods?labelSelector=a%3Db",
		  "https://k8s.example/k8s/clusters/c-1/api/v1/namespaces/ns/pods?labelSelector=a%3Db" },
	};
	char err[300];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *u = endpoint_join(cases[i].base, cases[i].path, NULL, err, sizeof err);

		assert_non_null(u);
		assert_string_equal(u, cases[i].want);
		free(u);
	}
	/* a query in the base stays, ours is appended */
	const char *q[] = { "active", "true", NULL };
	char *u = endpoint_join("http://am.example/alertmanager/?tenant=a", "/api/v2/alerts", q, err, sizeof err);
	assert_string_equal(u, "http://am.example/alertmanager/api/v2/alerts?tenant=a&active=true");
	free(u);
	/* not a URL: words, no URL */
	assert_null(endpoint_join("localhost:9090", "/api/v1/query", NULL, err, sizeof err));
	assert_non_null(strstr(err, "not an http:// or https:// URL"));
	assert_null(endpoint_join("ftp://x/", "/a", NULL, err, sizeof err));
}

/* A URL quoted in error words or on a panel keeps its user, loses its password. */
static void url_passwords_never_reach_error_words(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "see https://bob:pw0rd@git.example/x", "see https://bob@git.example/x" },
		{ "a http://u:p@ss@h:9090/q and ftp://v:w@h2", "a http://u@h:9090/q and ftp://v@h2" },
		{ "http://bob@h:8080/ and http://h:8080/a@b", "http://bob@h:8080/ and http://h:8080/a@b" },
		{ "'http://u:x'@ no", "'http://u:x'@ no" },
		{ "no url: a@b:c", "no url: a@b:c" },
	};
	char err[256], buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(buf, sizeof buf, "%s", cases[i].in);
		text_hide_url_passwords(buf);
		assert_string_equal(buf, cases[i].out);
	}
	assert_null(endpoint_join("ftp://alice:s3cr3t@am.example/", "/a", NULL, err, sizeof err));
	assert_non_null(strstr(err, "alice@am.example"));
	assert_null(strstr(err, "s3cr3t"));
	kube_transport_words("https://alice:s3cr3t@10.0.0.1:6443", HTTP_ECONNECT, "connection refused by 10.0.0.1:6443",
	                     1000, buf, sizeof buf);
	assert_non_null(strstr(buf, "https://alice@10.0.0.1:6443"));
	assert_null(strstr(buf, "s3cr3t"));
}

static void promql_characters_are_encoded(void **state)
{
	const char *q[] = { "query", awkward, NULL };
	char err[300];
	char *u = endpoint_join("http://p:9090/prometheus/", "/api/v1/query", q, err, sizeof err);
	char *form = endpoint_form(q);

	(void)state;
	assert_non_null(u);
	const char *qs = strchr(u, '?') + 1;
	assert_true(strncmp(qs, "query=", 6) == 0);
	/* none of these is left bare in the value ('+' stands for a space there) */
	for (const char *bare = "{}\"&= \xc3"; *bare; bare++)
		assert_null(strchr(qs + 6, *bare));
	assert_non_null(strstr(qs, "%7Bjob%3D%22detection-api%22"));   /* {job=" */
	assert_non_null(strstr(qs, "status%3D~%225..%22%7D"));         /* =~ and } */
	assert_non_null(strstr(qs, "%2B"));                             /* + is not a space */
	assert_non_null(strstr(qs, "%26"));                             /* & does not split */
	assert_non_null(strstr(qs, "%C3%A9%E2%86%92%C3%BC"));           /* UTF-8, byte by byte */
	/* decoded as a server would, both forms give back the expression */
	char *back = form_value(qs, strlen(qs), "query");
	assert_string_equal(back, awkward);
	free(back);
	back = form_value(form, strlen(form), "query");
	assert_string_equal(back, awkward);
	free(back);
	free(form);
	free(u);
}

struct seen {
	char method[16];
	char *query;        /* the decoded query parameter */
	char ctype[128];
	char auth[16384];
	int hits;
};

static void header(const char *raw, const char *name, char *buf, size_t len)
{
	const char *h = strcasestr(raw, name);

	buf[0] = '\0';
	if (h) {
		h += strlen(name);
		snprintf(buf, len, "%.*s", (int)strcspn(h, "\r\n"), h);
	}
}

static bool query_handler(struct conn *c, const char *method, const char *path, const char *body, size_t blen,
                          void *arg)
{
	struct seen *s = arg;
	const char *qm = strchr(path, '?');

	if (strncmp(path, "/prometheus/api/v1/query", 24) != 0)
		return false;
	s->hits++;
	snprintf(s->method, sizeof s->method, "%s", method);
	free(s->query);
	s->query = strcmp(method, "POST") == 0 ? form_value(body, blen, "query")
	         : qm ? form_value(qm + 1, strlen(qm + 1), "query") : NULL;
	header(c->in, "Content-Type: ", s->ctype, sizeof s->ctype);
	header(c->in, "Authorization: ", s->auth, sizeof s->auth);
	respond(c, 200, "Content-Type: application/json\r\n", "{}", 2, true);
	return true;
}

static void send_query(struct fx *f, struct endpoint *ep, const char *expr, struct result *r)
{
	const char *q[] = { "query", expr, NULL };
	char err[300];

	memset(r, 0, sizeof *r);
	assert_int_not_equal(endpoint_query(ep, f->http, "/api/v1/query", q, store_cb, r, err, sizeof err), 0);
	run(f, r, 5000);
	free(r->body);
}

static void init_ep(struct fx *f, struct endpoint *ep, const char *base_path, const char *token_env)
{
	struct config_endpoint cfg;
	char err[300];

	memset(&cfg, 0, sizeof cfg);
	snprintf(cfg.url, sizeof cfg.url, "http://127.0.0.1:%d%s", f->srv->port, base_path);
	if (token_env)
		snprintf(cfg.token_env, sizeof cfg.token_env, "%s", token_env);
	assert_int_equal(endpoint_init(ep, "Prometheus", &cfg, 5000, 0, err, sizeof err), 0);
}

static void short_goes_by_get_long_by_post_and_arrives_whole(void **state)
{
	struct fx *f = *state;
	struct seen seen = { 0 };
	struct endpoint ep;
	struct result r;
	char *big = malloc(5200);
	size_t n = 0;

	f->srv->handler = query_handler;
	f->srv->handler_arg = &seen;
	init_ep(f, &ep, "/prometheus/", NULL);

	send_query(f, &ep, awkward, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(seen.method, "GET");
	assert_string_equal(seen.query, awkward);

	/* 5,000 characters: a sum of vector(1) terms and a label regex */
	n += (size_t)snprintf(big + n, 5200 - n, "count(up{job=~\"a|b\"})");
	while (n < 5000 - 12)
		n += (size_t)snprintf(big + n, 5200 - n, " + vector(1)");
	while (n < 5000)
		big[n++] = ' ';
	big[n] = '\0';
	assert_int_equal(strlen(big), 5000);
	send_query(f, &ep, big, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(seen.method, "POST");
	assert_string_equal(seen.ctype, "application/x-www-form-urlencoded");
	assert_non_null(seen.query);
	assert_int_equal(strlen(seen.query), 5000);
	assert_string_equal(seen.query, big);
	assert_int_equal(seen.hits, 2);
	free(seen.query);
	free(big);
	endpoint_free(&ep);
}

static void token_goes_as_authorization_and_never_into_errors(void **state)
{
	struct fx *f = *state;
	struct seen seen = { 0 };
	struct endpoint ep;
	struct result r;
	static const char tok[] = "s3cr3t-t0ken-value";
	char err[300], u[128];

	setenv("WARROOM_TEST_PROM_TOKEN", tok, 1);
	f->srv->handler = query_handler;
	f->srv->handler_arg = &seen;
	init_ep(f, &ep, "/prometheus", "WARROOM_TEST_PROM_TOKEN");
	send_query(f, &ep, "up", &r);
	assert_string_equal(seen.auth, "Bearer s3cr3t-t0ken-value");
	assert_null(strstr(seen.query, tok));

	/* a refused connection and a failing server: the words hold no token */
	free(ep.base);
	snprintf(u, sizeof u, "http://127.0.0.1:%d/prometheus", closed_port());
	ep.base = strdup(u);
	const char *q[] = { "query", "up", NULL };
	memset(&r, 0, sizeof r);
	assert_int_not_equal(endpoint_get(&ep, f->http, "/api/v1/query", q, store_cb, &r, err, sizeof err), 0);
	run(f, &r, 5000);
	assert_int_equal(r.err, HTTP_ECONNECT);
	assert_true(r.errmsg[0]);
	assert_null(strstr(r.errmsg, tok));
	free(r.body);

	/* an unreadable token: words without the secret, and no endpoint */
	struct config_endpoint cfg;
	memset(&cfg, 0, sizeof cfg);
	snprintf(cfg.url, sizeof cfg.url, "http://127.0.0.1:1/");
	snprintf(cfg.token_env, sizeof cfg.token_env, "WARROOM_TEST_NO_SUCH_VAR");
	unsetenv("WARROOM_TEST_NO_SUCH_VAR");
	struct endpoint bad;
	assert_int_equal(endpoint_init(&bad, "Prometheus", &cfg, 5000, 0, err, sizeof err), -1);
	assert_true(strncmp(err, "Prometheus token: ", 18) == 0);
	assert_null(strstr(err, tok));
	free(seen.query);
	endpoint_free(&ep);
	endpoint_free(&ep);   /* twice is harmless */
	unsetenv("WARROOM_TEST_PROM_TOKEN");
}

static void connect_to_routes_the_request(void **state)
{
	struct fx *f = *state;
	struct seen seen = { 0 };
	struct endpoint ep;
	struct result r;
	char route[128];

	f->srv->handler = query_handler;
	f->srv->handler_arg = &seen;
	init_ep(f, &ep, "/prometheus", NULL);
	/* a name that does not resolve, routed to the test server as a tunnel would */
	free(ep.base);
	ep.base = strdup("http://prometheus.invalid:9090/prometheus");
	snprintf(route, sizeof route, "prometheus.invalid:9090:127.0.0.1:%d", f->srv->port);
	assert_int_equal(endpoint_set_connect_to(&ep, route), 0);
	send_query(f, &ep, "up", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(seen.hits, 1);
	assert_string_equal(seen.query, "up");
	assert_int_equal(endpoint_set_connect_to(&ep, NULL), 0);
	assert_null(ep.connect_to);
	free(seen.query);
	endpoint_free(&ep);
}

static void settings_reach_the_request(void **state)
{
	struct config_endpoint cfg;
	struct endpoint ep;
	struct http_req req = { 0 };
	char err[300];

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	snprintf(cfg.url, sizeof cfg.url, "https://am.example/");
	snprintf(cfg.ca_file, sizeof cfg.ca_file, "/etc/ssl/lab-ca.crt");
	cfg.insecure = true;
	assert_int_equal(endpoint_init(&ep, "Alertmanager", &cfg, 4000, 1234, err, sizeof err), 0);
	endpoint_prepare(&ep, &req);
	assert_string_equal(req.ca_file, "/etc/ssl/lab-ca.crt");
	assert_true(req.insecure);
	assert_int_equal(req.timeout_ms, 4000);   /* the default when the config says none */
	assert_int_equal(req.max_bytes, 1234);
	assert_null(req.bearer_token);
	assert_null(req.connect_to);
	endpoint_free(&ep);
	cfg.timeout_ms = 900;
	assert_int_equal(endpoint_init(&ep, "Alertmanager", &cfg, 4000, 0, err, sizeof err), 0);
	endpoint_prepare(&ep, &req);
	assert_int_equal(req.timeout_ms, 900);
	endpoint_free(&ep);
	cfg.url[0] = '\0';
	assert_int_equal(endpoint_init(&ep, "Alertmanager", &cfg, 4000, 0, err, sizeof err), -1);
	assert_string_equal(err, "Alertmanager: the URL is not configured");
}

/* Argo CD's tokens carry the user's groups: 8 KiB arrives whole, and one
 * past what a token may hold is refused in words, never cut. */
static void long_token_arrives_whole_and_too_long_is_refused(void **state)
{
	struct fx *f = *state;
	struct seen seen = { 0 };
	struct endpoint ep;
	struct result r;
	char *tok = malloc(CONFIG_SECRET_MAX + 10), err[300];

	memset(tok, 'a', 8000);
	tok[8000] = '\0';
	setenv("WARROOM_TEST_LONG_TOKEN", tok, 1);
	f->srv->handler = query_handler;
	f->srv->handler_arg = &seen;
	init_ep(f, &ep, "/prometheus", "WARROOM_TEST_LONG_TOKEN");
	send_query(f, &ep, "up", &r);
	assert_int_equal(strlen(seen.auth), 7 + 8000);
	assert_string_equal(seen.auth + 7, tok);
	endpoint_free(&ep);

	memset(tok, 'a', CONFIG_SECRET_MAX + 5);
	tok[CONFIG_SECRET_MAX + 5] = '\0';
	setenv("WARROOM_TEST_LONG_TOKEN", tok, 1);
	struct config_endpoint cfg;
	memset(&cfg, 0, sizeof cfg);
	snprintf(cfg.url, sizeof cfg.url, "http://127.0.0.1:%d/prometheus", f->srv->port);
	snprintf(cfg.token_env, sizeof cfg.token_env, "WARROOM_TEST_LONG_TOKEN");
	assert_int_equal(endpoint_init(&ep, "Argo CD", &cfg, 5000, 0, err, sizeof err), -1);
	assert_string_equal(err, "Argo CD token: environment variable WARROOM_TEST_LONG_TOKEN is too long for a token");
	assert_null(ep.token);
	unsetenv("WARROOM_TEST_LONG_TOKEN");
	free(seen.query);
	free(tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(joins_with_and_without_slashes_and_base_paths),
		cmocka_unit_test(promql_characters_are_encoded),
		cmocka_unit_test(url_passwords_never_reach_error_words),
		cmocka_unit_test_setup_teardown(short_goes_by_get_long_by_post_and_arrives_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(token_goes_as_authorization_and_never_into_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(connect_to_routes_the_request, setup, teardown),
		cmocka_unit_test_setup_teardown(long_token_arrives_whole_and_too_long_is_refused, setup, teardown),
		cmocka_unit_test(settings_reach_the_request),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
