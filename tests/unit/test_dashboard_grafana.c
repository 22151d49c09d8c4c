/* Dashboards as Grafana expands and draws them: All without an allValue is
 * every option, every documented ${var:format}, the interval variable's
 * auto, repeats of panels and rows, the old schema's collapsed rows, panels
 * of Loki and expressions, wrapped files, a layout where nothing overlaps;
 * and the whole real-world corpus with no empty matcher, no $variable and
 * no built-in left in a query for Prometheus. */
#include "testutil.h"

#include <dirent.h>

#include "warroom/dashboard.h"

static const struct dash_env env1h = { .range_ms = 3600000, .interval_ms = 15000, .scrape_ms = 15000 };

static struct dashboard *parse(const char *json)
{
	char err[300];
	struct dashboard *d = dashboard_parse(json, strlen(json), err, sizeof err);

	if (!d)
		fail_msg("did not load: %s", err);
	return d;
}

static struct dashboard *fixture(const char *name)
{
	char path[1024], rel[300], err[400];
	struct dashboard *d;

	snprintf(rel, sizeof rel, "grafana/%s", name);
	if (!testutil_fixture(path, sizeof path, rel))
		return NULL;
	d = dashboard_load(path, err, sizeof err);
	if (!d)
		fail_msg("%s", err);
	return d;
}

/* expr of panel p expanded as the console sends it, compared with want. */
static void expect_in(const struct dashboard *d, const struct dash_panel *p, const char *expr, const char *fmt,
                      const char *want)
{
	char *e = dashboard_expand_in(d, &env1h, p, expr, fmt, NULL);

	assert_string_equal(e, want);
	free(e);
}

#define EXPECT(d, expr, want) expect_in(d, NULL, expr, NULL, want)

static void all_without_allvalue_is_every_option(void **state)
{
	struct dashboard *d = parse(
		"{\"title\":\"all\",\"templating\":{\"list\":["
		"{\"name\":\"job\",\"type\":\"custom\",\"query\":\"api,web.1\",\"includeAll\":true,"
		"\"current\":{\"value\":\"$__all\"}},"
		"{\"name\":\"svc\",\"type\":\"query\",\"query\":\"label_values(up, svc)\",\"includeAll\":true,\"multi\":true,"
		"\"current\":{\"text\":[\"All\"],\"value\":[\"$__all\"]}},"
		"{\"name\":\"cluster\",\"type\":\"query\",\"query\":\"label_values(up, cluster)\"},"
		"{\"name\":\"pod\",\"type\":\"query\",\"query\":\"label_values(up{cluster=\\\"$cluster\\\"}, pod)\","
		"\"includeAll\":true,\"allValue\":\"$cluster-[0-9]+\",\"current\":{\"value\":\"$__all\"}},"
		"{\"name\":\"any\",\"type\":\"custom\",\"query\":\"a,b\",\"includeAll\":true,\"allValue\":\".*\"}]}}");
	struct dash_gaps g;
	char *e, *vals[] = { "b-2", "a|1" };

	(void)state;
	/* a custom variable's options, regex-escaped and joined */
	EXPECT(d, "up{job=~\"$job\"}", "up{job=~\"(api|web\\\\.1)\"}");
	EXPECT(d, "${job:text} ${job:csv}", "All api,web.1");
	/* a query variable not resolved yet: a visible placeholder, never an empty string */
	e = dashboard_expand_in(d, &env1h, NULL, "up{svc=~\"$svc\"} * on() up{cluster=\"$cluster\"}", NULL, &g);
	assert_string_equal(e, "up{svc=~\"<svc=All>\"} * on() up{cluster=\"<cluster=?>\"}");
	assert_int_equal(g.pending, 2);
	assert_int_equal(g.empty, 0);
	assert_string_equal(g.var, "svc");
	free(e);
	/* resolved from Prometheus: every option (sorted as the variable asks: not at all here) */
	dashboard_var_options(dashboard_var(d, "svc"), vals, 2);
	EXPECT(d, "up{svc=~\"$svc\"}", "up{svc=~\"(b-2|a\\\\|1)\"}");
	/* an allValue is written as is, its own variables expanded */
	EXPECT(d, "x{a=~\"$any\"}", "x{a=~\".*\"}");
	{
		char *one[] = { "prod" };

		dashboard_var_options(dashboard_var(d, "cluster"), one, 1);
	}
	EXPECT(d, "x{pod=~\"$pod\"}", "x{pod=~\"prod-[0-9]+\"}");
	EXPECT(d, "${pod:text}", "All");
	dashboard_free(d);
	/* resolved, and Prometheus has no values: empty as in Grafana (series without the label), sent, said */
	d = parse("{\"title\":\"n\",\"templating\":{\"list\":[{\"name\":\"cluster\",\"type\":\"query\","
	          "\"query\":\"label_values(up, cluster)\"}]}}");
	dashboard_var_options(dashboard_var(d, "cluster"), NULL, 0);
	e = dashboard_expand_in(d, &env1h, NULL, "up{cluster=\"$cluster\"}", NULL, &g);
	assert_string_equal(e, "up{cluster=\"\"}");
	assert_int_equal(g.pending, 0);
	assert_int_equal(g.empty, 1);
	free(e);
	dashboard_free(d);
}

static void options_sorted_as_the_variable_asks(void **state)
{
	struct dashboard *d = parse(
		"{\"title\":\"s\",\"templating\":{\"list\":["
		"{\"name\":\"num\",\"type\":\"query\",\"query\":\"label_values(x)\",\"sort\":3,\"includeAll\":true},"
		"{\"name\":\"desc\",\"type\":\"query\",\"query\":\"label_values(x)\",\"sort\":6,\"includeAll\":true},"
		"{\"name\":\"nat\",\"type\":\"query\",\"query\":\"label_values(x)\",\"sort\":7,\"includeAll\":true}]}}");
	char *vals[] = { "pod-10", "Pod-9", "pod-100" };

	(void)state;
	for (size_t i = 0; i < d->nv; i++)
		dashboard_var_options(&d->v[i], vals, 3);
	EXPECT(d, "${num:csv}|${desc:csv}|${nat:csv}", "Pod-9,pod-10,pod-100|Pod-9,pod-100,pod-10|Pod-9,pod-10,pod-100");
	dashboard_free(d);
}

static void every_format_as_grafana_documents(void **state)
{
	struct dashboard *d = parse(
		"{\"title\":\"f\",\"templating\":{\"list\":["
		"{\"name\":\"servers\",\"type\":\"custom\",\"query\":\"test1,test2\",\"multi\":true,"
		"\"current\":{\"value\":[\"test1\",\"test2\"]}},"
		"{\"name\":\"dot\",\"type\":\"custom\",\"query\":\"test1.,test2\",\"multi\":true,"
		"\"current\":{\"value\":[\"test1.\",\"test2\"]}},"
		"{\"name\":\"odd\",\"type\":\"custom\",\"query\":\"foo()bar BAZ,test2\",\"multi\":true,"
		"\"current\":{\"value\":[\"foo()bar BAZ\",\"test2\"]}},"
		"{\"name\":\"quote\",\"type\":\"custom\",\"query\":\"test'1,test2\",\"multi\":true,"
		"\"current\":{\"value\":[\"test'1\",\"test2\"]}},"
		"{\"name\":\"named\",\"type\":\"custom\",\"query\":\"Blue slot : blue,Green slot : green\",\"multi\":true,"
		"\"current\":{\"value\":[\"blue\",\"green\"]}},"
		"{\"name\":\"one\",\"type\":\"custom\",\"query\":\"a.b:c,d\",\"current\":{\"value\":\"a.b:c\"}}]}}");

	(void)state;
	EXPECT(d, "${servers:csv}", "test1,test2");
	EXPECT(d, "${servers:distributed}", "test1,servers=test2");
	EXPECT(d, "${servers:doublequote}", "\"test1\",\"test2\"");
	EXPECT(d, "${servers:glob}", "{test1,test2}");
	EXPECT(d, "${servers:json}", "[\"test1\", \"test2\"]");
	EXPECT(d, "${servers:lucene}", "(\"test1\" OR \"test2\")");
	EXPECT(d, "${odd:percentencode}", "foo%28%29bar%20BAZ%2Ctest2");
	EXPECT(d, "${dot:pipe}", "test1.|test2");
	EXPECT(d, "${dot:raw}", "test1.,test2");
	EXPECT(d, "${dot:regex}", "(test1\\.|test2)");
	EXPECT(d, "${servers:singlequote}", "'test1','test2'");
	EXPECT(d, "${quote:sqlstring}", "'test''1','test2'");
	EXPECT(d, "${servers:text}", "test1 + test2");
	EXPECT(d, "${named:text} ${named:raw}", "Blue slot + Green slot blue,green");
	EXPECT(d, "${servers:queryparam}", "var-servers=test1&var-servers=test2");
	EXPECT(d, "${servers:nosuchformat}", "{test1,test2}");   /* an unknown format is glob */
	EXPECT(d, "[[servers:pipe]]", "test1|test2");
	/* Prometheus' own: regex-escaped for the PromQL string, (a|b) */
	EXPECT(d, "$dot", "(test1\\\\.|test2)");
	/* a single value of a variable that is neither multi nor All-able */
	EXPECT(d, "$one ${one:regex} ${one:json} ${one:lucene} ${one:glob}", "a.b:c a\\.b:c \"a.b:c\" a.b\\:c a.b:c");
	dashboard_free(d);
}

static void interval_auto_and_builtins(void **state)
{
	struct dashboard *d = parse(
		"{\"title\":\"i\",\"templating\":{\"list\":["
		"{\"name\":\"iv\",\"type\":\"interval\",\"query\":\"1m,5m,1h\",\"auto\":true,\"auto_count\":30,"
		"\"auto_min\":\"10s\",\"current\":{\"text\":\"auto\",\"value\":\"$__auto_interval_iv\"}},"
		"{\"name\":\"slow\",\"type\":\"interval\",\"query\":\"1m,5m\",\"auto\":true,\"auto_count\":100,"
		"\"auto_min\":\"5m\",\"current\":{\"value\":\"$__auto_interval_slow\"}},"
		"{\"name\":\"fixed\",\"type\":\"interval\",\"query\":\"1m,5m\",\"current\":{\"value\":\"5m\"}}]}}");
	struct dash_env e = env1h;
	char *x, err[100];

	(void)state;
	/* the range in auto_count steps, rounded as Grafana rounds: 1h / 30 = 2m */
	EXPECT(d, "rate(x[$iv]) rate(x[$__auto_interval_iv]) [${iv}]", "rate(x[2m]) rate(x[2m]) [2m]");
	EXPECT(d, "[$slow] [$fixed]", "[5m] [5m]");   /* never under auto_min */
	e.range_ms = 86400000;   /* 24h / 30 = 48m: 1h */
	x = dashboard_expand_in(d, &e, NULL, "[$iv] [$__auto]", NULL, NULL);
	assert_string_equal(x, "[1h] [15s]");
	free(x);
	e.instant = true;        /* $__auto of an instant query is the range */
	x = dashboard_expand_in(d, &e, NULL, "[$__auto] $__range_s $__interval_ms", NULL, NULL);
	assert_string_equal(x, "[1d] 86400 15000");
	free(x);
	e.now_ms = 1700000000000;
	x = dashboard_expand_in(d, &e, NULL, "$__to ${__from:date:seconds} ${__to:date}", NULL, NULL);
	assert_string_equal(x, "1700000000000 1699913600 2023-11-14T22:13:20.000Z");
	free(x);
	/* chosen by hand, then auto again */
	assert_int_equal(dashboard_var_set(d, "iv", "5m", err, sizeof err), 0);
	EXPECT(d, "[$iv]", "[5m]");
	assert_int_equal(dashboard_var_set(d, "iv", "auto", err, sizeof err), 0);
	EXPECT(d, "[$iv]", "[2m]");
	dashboard_free(d);
	/* a real one: Traefik's agg_interval (auto_count 100, auto_min 1m) */
	if (!(d = fixture("jsonnet-libs-traefik-mixin-traefikdash.json")))
		skip();
	EXPECT(d, "$agg_interval $__auto_interval_agg_interval", "1m 1m");
	dashboard_free(d);
}

static bool overlap(const struct dash_panel *a, const struct dash_panel *b)
{
	return a->lh > 0 && b->lh > 0 && a->x < b->x + b->w && b->x < a->x + a->w && a->ly < b->ly + b->lh &&
	       b->ly < a->ly + a->lh;
}

static void assert_no_overlap(const struct dashboard *d)
{
	for (size_t i = 0; i < d->np; i++)
		for (size_t k = i + 1; k < d->np; k++)
			if (!dashboard_hidden(d, i) && !dashboard_hidden(d, k) && overlap(&d->p[i], &d->p[k]))
				fail_msg("%s: \"%s\" (%d,%d %dx%d) on \"%s\" (%d,%d %dx%d)", d->title, d->p[i].title, d->p[i].x,
				         d->p[i].ly, d->p[i].w, d->p[i].lh, d->p[k].title, d->p[k].x, d->p[k].ly, d->p[k].w,
				         d->p[k].lh);
}

static void repeats_one_copy_per_value(void **state)
{
	struct dashboard *d = fixture("kube-prometheus-alertmanager-overview.json");
	char *vals[] = { "email", "slack", "pagerduty" };
	const char *sorted[] = { "email", "pagerduty", "slack" };   /* the variable sorts alphabetically */
	size_t n = 0;

	(void)state;
	if (!d)
		skip();
	/* offline the values are not known: one copy stands for them all, and says so */
	assert_int_equal(d->np, 6);
	assert_string_equal(d->p[4].title, "<integration=each>: Notifications Send Rate");
	assert_true(d->p[4].scope[0].pending);
	/* resolved: one copy per value, side by side (24 / 3 columns each), scoped to its value */
	dashboard_var_options(dashboard_var(d, "integration"), vals, 3);
	assert_true(dashboard_repeat(d));
	assert_int_equal(d->np, 2 + 2 + 3 * 2);
	for (size_t i = 0; i < d->np; i++) {
		const struct dash_panel *p = &d->p[i];

		if (strstr(p->raw_title, "Notifications Send Rate")) {
			char want[96];

			snprintf(want, sizeof want, "%s: Notifications Send Rate", sorted[n]);
			assert_string_equal(p->title, want);
			assert_int_equal(p->w, 8);
			assert_int_equal(p->x, 8 * (int)n);
			snprintf(want, sizeof want, "x{integration=\"%s\"}", sorted[n]);
			expect_in(d, p, "x{integration=\"$integration\"}", NULL, want);
			n++;
		}
	}
	assert_int_equal(n, 3);
	assert_no_overlap(d);
	assert_false(dashboard_repeat(d));   /* the same values: the same panels */
	dashboard_free(d);
}

static void repeated_rows_and_vertical_repeats(void **state)
{
	struct dashboard *d = parse(
		"{\"title\":\"r\",\"panels\":["
		"{\"type\":\"row\",\"title\":\"deploy/$dep\",\"repeat\":\"dep\",\"collapsed\":true,\"gridPos\":{\"x\":0,\"y\":0,\"w\":24,\"h\":1},"
		"\"panels\":[{\"type\":\"graph\",\"title\":\"rate $dep\",\"gridPos\":{\"x\":0,\"y\":1,\"w\":12,\"h\":6},"
		"\"targets\":[{\"expr\":\"rate(x{deployment=\\\"$dep\\\"}[1m])\"}]}]},"
		"{\"type\":\"row\",\"title\":\"Instances\",\"gridPos\":{\"x\":0,\"y\":1,\"w\":24,\"h\":1}},"
		"{\"type\":\"stat\",\"title\":\"up $inst\",\"repeat\":\"inst\",\"repeatDirection\":\"v\","
		"\"gridPos\":{\"x\":0,\"y\":2,\"w\":4,\"h\":3},\"targets\":[{\"expr\":\"up{pod=~\\\"$inst\\\"}\"}]},"
		"{\"type\":\"stat\",\"title\":\"beside\",\"gridPos\":{\"x\":4,\"y\":2,\"w\":4,\"h\":3},"
		"\"targets\":[{\"expr\":\"up\"}]}],"
		"\"templating\":{\"list\":["
		"{\"name\":\"dep\",\"type\":\"custom\",\"query\":\"web,api\",\"multi\":true,\"includeAll\":true,"
		"\"current\":{\"value\":[\"$__all\"]}},"
		"{\"name\":\"inst\",\"type\":\"custom\",\"query\":\"a-1,a-2\",\"multi\":true,"
		"\"current\":{\"value\":[\"a-1\",\"a-2\"]}}]}}");
	const struct dash_panel *p = d->p;

	(void)state;
	/* two copies of the row, each closed, each with its own panel */
	assert_int_equal(d->np, 2 * 2 + 1 + 2 + 1);
	assert_string_equal(p[0].title, "deploy/web");
	assert_true(p[0].collapsed);
	assert_int_equal(p[0].nchild, 1);
	assert_string_equal(p[1].title, "rate web");
	assert_true(dashboard_hidden(d, 1));
	expect_in(d, &p[1], p[1].t[0].expr, NULL, "rate(x{deployment=\"web\"}[1m])");
	assert_string_equal(p[2].title, "deploy/api");
	expect_in(d, &p[3], p[3].t[0].expr, NULL, "rate(x{deployment=\"api\"}[1m])");
	/* a closed row is a line: the next row right under it */
	assert_int_equal(p[4].ly, p[2].ly + 1);
	/* one under the other, in their own column; the panel beside them is not covered */
	assert_string_equal(p[5].title, "up a-1");
	assert_string_equal(p[7].title, "up a-2");
	assert_int_equal(p[7].ly, p[5].ly + 3);
	assert_int_equal(p[7].x, 0);
	expect_in(d, &p[7], p[7].t[0].expr, NULL, "up{pod=~\"a-2\"}");
	assert_no_overlap(d);
	/* opened: its panel takes its place below it, and the rows after it move down */
	{
		int below = p[4].ly;

		dashboard_toggle_row(d, 0);
		assert_false(dashboard_hidden(d, 1));
		assert_int_equal(p[4].ly, below + 6);
		assert_no_overlap(d);
		/* made again (a variable changed): the row the operator opened stays open, the other closed */
		assert_false(dashboard_repeat(d));
		p = d->p;
		assert_false(p[0].collapsed);
		assert_true(p[2].collapsed);
	}
	dashboard_free(d);
	/* Linkerd's repeated rows, offline: one copy, its value pending */
	if (!(d = fixture("linkerd2-deployment.json")))
		skip();
	for (size_t i = 0; i < d->np; i++)
		if (!strcmp(d->p[i].raw_title, "deploy/$inbound")) {
			assert_string_equal(d->p[i].title, "deploy/<inbound=each>");
			assert_true(d->p[i].collapsed);
		}
	dashboard_free(d);
}

static void old_schema_rows_as_grafana_converts_them(void **state)
{
	struct dashboard *d = parse(
		"{\"title\":\"old\",\"schemaVersion\":12,\"rows\":["
		"{\"title\":\"Open\",\"showTitle\":true,\"height\":\"250px\",\"panels\":["
		"{\"type\":\"graph\",\"title\":\"a\",\"span\":6,\"targets\":[{\"expr\":\"a\"}]},"
		"{\"type\":\"graph\",\"title\":\"b\",\"span\":6,\"targets\":[{\"expr\":\"b\"}]},"
		"{\"type\":\"graph\",\"title\":\"c\",\"span\":12,\"targets\":[{\"expr\":\"c\"}]}]},"
		"{\"title\":\"Closed\",\"collapse\":true,\"panels\":[{\"type\":\"graph\",\"title\":\"d\",\"targets\":[{\"expr\":\"d\"}]}]},"
		"{\"title\":\"Last\",\"panels\":[{\"type\":\"singlestat\",\"title\":\"e\",\"targets\":[{\"expr\":\"e\"}]}]}]}");

	(void)state;
	/* every row a row panel with its title, since one row shows its title */
	assert_int_equal(d->np, 3 + 5);
	assert_string_equal(d->p[0].title, "Open");
	assert_false(d->p[0].collapsed);
	assert_int_equal(d->p[1].h, 7);                 /* 250 px: 7 lines of 38 px */
	assert_int_equal(d->p[3].ly, d->p[1].ly + 7);   /* the third on a line of its own */
	assert_string_equal(d->p[4].title, "Closed");
	assert_true(d->p[4].collapsed);
	assert_true(dashboard_hidden(d, 5));
	assert_string_equal(d->p[6].title, "Last");
	assert_int_equal(d->p[6].ly, d->p[4].ly + 1);   /* a closed row takes one line */
	assert_false(d->p[6].collapsed);
	assert_no_overlap(d);
	dashboard_free(d);
	/* no row shows its title, none is closed or repeated: no row panels at all */
	d = parse("{\"title\":\"plain\",\"rows\":[{\"title\":\"Dashboard Row\",\"showTitle\":false,\"collapse\":false,"
	          "\"repeatIteration\":null,\"panels\":[{\"type\":\"graph\",\"title\":\"a\",\"span\":4}]},"
	          "{\"title\":\"Dashboard Row\",\"panels\":[{\"type\":\"graph\",\"title\":\"b\"}]}]}");
	assert_int_equal(d->np, 2);
	assert_int_equal(d->p[0].type, DASH_GRAPH);
	assert_int_equal(d->p[1].ly, d->p[0].ly + d->p[0].lh);
	dashboard_free(d);
	/* the Kubernetes perf tests' master dashboard: 8 rows, 7 of them closed */
	if (!(d = fixture("k8s-perf-tests-master-dashboard-rows.json")))
		skip();
	{
		size_t rows = 0, closed = 0, hidden = 0;

		for (size_t i = 0; i < d->np; i++) {
			rows += d->p[i].type == DASH_ROW;
			closed += d->p[i].type == DASH_ROW && d->p[i].collapsed;
			hidden += dashboard_hidden(d, i);
		}
		assert_int_equal(rows, 8);
		assert_int_equal(closed, 7);
		assert_int_equal(hidden, 73 - 4);
		assert_string_equal(d->p[0].title, "API call latency");
		assert_int_equal(d->p[0].nchild, 4);
	}
	assert_no_overlap(d);
	dashboard_free(d);
}

static void loki_and_expression_panels_are_never_sent(void **state)
{
	struct dashboard *d = parse(
		"{\"title\":\"logs\",\"panels\":["
		"{\"type\":\"timeseries\",\"title\":\"volume\",\"datasource\":\"${DS_LOKI}\",\"gridPos\":{\"x\":0,\"y\":0,\"w\":24,\"h\":4},"
		"\"targets\":[{\"expr\":\"sum(count_over_time({app=\\\"x\\\"}[1m]))\"}]},"
		"{\"type\":\"timeseries\",\"title\":\"mixed\",\"datasource\":{\"type\":\"datasource\",\"uid\":\"-- Mixed --\"},"
		"\"gridPos\":{\"x\":0,\"y\":4,\"w\":24,\"h\":4},\"targets\":["
		"{\"refId\":\"A\",\"expr\":\"up\",\"datasource\":{\"type\":\"prometheus\",\"uid\":\"$ds\"}},"
		"{\"refId\":\"B\",\"expr\":\"{job=\\\"x\\\"}\",\"datasource\":{\"type\":\"loki\",\"uid\":\"l\"}}]},"
		"{\"type\":\"stat\",\"title\":\"math\",\"datasource\":{\"type\":\"prometheus\",\"uid\":\"$ds\"},"
		"\"gridPos\":{\"x\":0,\"y\":8,\"w\":24,\"h\":4},\"targets\":["
		"{\"refId\":\"A\",\"expr\":\"up\",\"hide\":true},"
		"{\"refId\":\"B\",\"datasource\":{\"type\":\"__expr__\",\"uid\":\"x\"},\"expression\":\"$A * 2\"}]},"
		"{\"type\":\"graph\",\"title\":\"es\",\"datasource\":\"elasticsearch-logs\",\"gridPos\":{\"x\":0,\"y\":12,\"w\":24,\"h\":4},"
		"\"targets\":[{\"query\":\"level:error\"}]}],"
		"\"templating\":{\"list\":[{\"name\":\"DS_LOKI\",\"type\":\"datasource\",\"query\":\"loki\"},"
		"{\"name\":\"ds\",\"type\":\"datasource\",\"query\":\"prometheus\"}]}}");

	(void)state;
	assert_string_equal(d->p[0].ds, "Loki");
	assert_false(dashboard_drawable(&d->p[0]));
	assert_non_null(strstr(d->p[0].note, "Loki, not Prometheus"));
	/* a Mixed panel: each query its own; the Prometheus one drawn, the Loki one not sent */
	assert_string_equal(d->p[1].ds, "");
	assert_true(dashboard_drawable(&d->p[1]));
	assert_string_equal(d->p[1].t[0].ds, "");
	assert_string_equal(d->p[1].t[1].ds, "Loki");
	/* an expression is never a query to send */
	assert_string_equal(d->p[2].t[1].ds, "Expression");
	assert_string_equal(d->p[3].ds, "Elasticsearch");
	dashboard_free(d);
	/* the real ones: Flux's Loki logs, Tomcat's Mixed logs panel */
	if (!(d = fixture("flux2-monitoring-example-logs-loki.json")))
		skip();
	for (size_t i = 0; i < d->np; i++) {
		assert_string_equal(d->p[i].ds, "Loki");
		assert_false(dashboard_drawable(&d->p[i]));
	}
	assert_string_equal(dashboard_var(d, "controller")->ds, "Loki");
	dashboard_free(d);
	d = fixture("jsonnet-libs-apache-tomcat-logs.json");
	for (size_t i = 0; i < d->np; i++)
		assert_string_equal(d->p[i].ds, "Loki");
	dashboard_free(d);
}

static void wrapped_dashboards_are_unwrapped(void **state)
{
	static const char *const wraps[] = {
		"{\"dashboard\":{\"title\":\"W\",\"panels\":[{\"type\":\"stat\",\"title\":\"s\"}]},\"meta\":{\"slug\":\"w\"}}",
		"{\"w.json\":{\"title\":\"W\",\"panels\":[{\"type\":\"stat\",\"title\":\"s\"}]}}",
		"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"g\"},\"data\":{\"w.json\":"
		"\"{\\\"title\\\":\\\"W\\\",\\\"panels\\\":[{\\\"type\\\":\\\"stat\\\",\\\"title\\\":\\\"s\\\"}]}\"}}",
		"{\"kind\":\"List\",\"items\":[{\"kind\":\"ConfigMap\",\"data\":{\"w.json\":"
		"\"{\\\"title\\\":\\\"W\\\",\\\"panels\\\":[{\\\"type\\\":\\\"stat\\\",\\\"title\\\":\\\"s\\\"}]}\"}}]}",
	};
	struct dashboard *d;

	(void)state;
	for (size_t i = 0; i < sizeof wraps / sizeof wraps[0]; i++) {
		d = parse(wraps[i]);
		assert_string_equal(d->title, "W");
		assert_int_equal(d->np, 1);
		assert_string_equal(d->p[0].title, "s");
		dashboard_free(d);
	}
	if (!(d = fixture("etcd-op-guide-grafana-schema13-wrapped.json")))
		skip();
	assert_string_equal(d->title, "etcd");
	assert_int_equal(d->np, 12);
	assert_string_equal(dashboard_var(d, "cluster")->cur[0], "prod");
	dashboard_free(d);
}

static void layout_never_overlaps(void **state)
{
	/* positions that collide in the file, and panels without any */
	struct dashboard *d = parse(
		"{\"title\":\"x\",\"panels\":["
		"{\"type\":\"stat\",\"title\":\"a\",\"gridPos\":{\"x\":0,\"y\":0,\"w\":12,\"h\":8}},"
		"{\"type\":\"stat\",\"title\":\"b\",\"gridPos\":{\"x\":6,\"y\":2,\"w\":12,\"h\":4}},"
		"{\"type\":\"stat\",\"title\":\"c\"},{\"type\":\"stat\",\"title\":\"d\"},"
		"{\"type\":\"stat\",\"title\":\"e\",\"gridPos\":{\"x\":12,\"y\":40,\"w\":12,\"h\":2}}]}");

	(void)state;
	assert_no_overlap(d);
	/* a gap in the file is not kept: e moves up as far as what is above it allows */
	assert_true(d->p[dashboard_find(d, "e")].ly < 40);
	dashboard_free(d);
}

/* The empty matchers the author wrote ({container!=""}) are theirs. */
static unsigned literal_empties(const char *expr)
{
	unsigned n = 0;

	for (const char *s = expr; (s = strstr(s, "\"\"")); s += 2)
		n += s > expr && (s[-1] == '=' || s[-1] == '~' || s[-1] == ' ');
	return n;
}

static void the_whole_corpus_expands_for_prometheus(void **state)
{
	char dir[1024];
	DIR *dh;
	struct dirent *e;
	size_t files = 0;

	(void)state;
	if (!testutil_fixture(dir, sizeof dir, "grafana"))
		skip();
	dh = opendir(dir);
	assert_non_null(dh);
	while ((e = readdir(dh))) {
		char path[2048], err[400];
		struct dashboard *d;

		if (!strstr(e->d_name, ".json"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		d = dashboard_load(path, err, sizeof err);
		if (!d)
			fail_msg("%s: %s", e->d_name, err);
		files++;
		assert_true(d->np > 0);
		for (size_t i = 0; i < d->np; i++) {
			const struct dash_panel *p = &d->p[i];

			if (p->ds[0])
				continue;   /* a placeholder: never sent */
			for (size_t k = 0; k < p->nt; k++) {
				struct dash_gaps g;
				char *x;

				if (p->t[k].ds[0] || !p->t[k].expr[0])
					continue;
				x = dashboard_expand_in(d, &env1h, p, p->t[k].expr, NULL, &g);
				if (g.empty || g.unknown || g.builtin || strstr(x, "$__") ||
				    literal_empties(x) > literal_empties(p->t[k].expr))
					fail_msg("%s: \"%s\" %s: %s %s\n%s", e->d_name, p->title, p->t[k].ref, g.first, g.why, x);
				free(x);
			}
		}
		/* opened, every row: still nothing on top of anything */
		for (size_t i = 0; i < d->np; i++)
			if (d->p[i].type == DASH_ROW && d->p[i].collapsed)
				dashboard_toggle_row(d, i);
		assert_no_overlap(d);
		dashboard_free(d);
	}
	closedir(dh);
	assert_true(files >= 27);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_without_allvalue_is_every_option),
		cmocka_unit_test(options_sorted_as_the_variable_asks),
		cmocka_unit_test(every_format_as_grafana_documents),
		cmocka_unit_test(interval_auto_and_builtins),
		cmocka_unit_test(repeats_one_copy_per_value),
		cmocka_unit_test(repeated_rows_and_vertical_repeats),
		cmocka_unit_test(old_schema_rows_as_grafana_converts_them),
		cmocka_unit_test(loki_and_expression_panels_are_never_sent),
		cmocka_unit_test(wrapped_dashboards_are_unwrapped),
		cmocka_unit_test(layout_never_overlaps),
		cmocka_unit_test(the_whole_corpus_expands_for_prometheus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
