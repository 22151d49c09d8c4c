/* Grafana dashboards: the real-world exports, the old rows schema, hostile
 * input, variables (syntax, formats, built-ins, cycles, regexes, queries),
 * units as Grafana formats them, reductions, thresholds, the range step, and
 * Prometheus range answers. */
#include "testutil.h"

#include <math.h>

#include "warroom/dashboard.h"
#include "warroom/prom.h"

static struct dashboard *parse(const char *json)
{
	char err[300];
	struct dashboard *d = dashboard_parse(json, strlen(json), err, sizeof err);

	if (!d)
		fail_msg("did not load: %s", err);
	return d;
}

static size_t count_type(const struct dashboard *d, enum dash_type t)
{
	size_t n = 0;

	for (size_t i = 0; i < d->np; i++)
		n += d->p[i].type == t;
	return n;
}

static void real_world_dashboards_load(void **state)
{
	static const char *const files[] = {
		"grafana/argocd-dashboard-collapsed-rows.json", "grafana/dotdc-k8s-views-nodes-stat-gauge.json",
		"grafana/dotdc-k8s-views-pods-templating.json", "grafana/kube-prometheus-persistentvolumesusage-gauge.json",
	};
	char path[1024], err[300];

	(void)state;
	if (!testutil_fixture(path, sizeof path, files[0]))
		skip();
	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
		struct dashboard *d;

		assert_non_null(testutil_fixture(path, sizeof path, files[f]));
		d = dashboard_load(path, err, sizeof err);
		if (!d)
			fail_msg("%s: %s", files[f], err);
		assert_true(d->np > 0);
		assert_string_not_equal(d->title, "");
		for (size_t i = 0; i < d->np; i++) {
			assert_true(d->p[i].x >= 0 && d->p[i].x + d->p[i].w <= 24);
			assert_true(d->p[i].h >= 1);
		}
		assert_string_equal(d->order_error, "");
		dashboard_free(d);
	}
	/* the Argo CD export: collapsed rows hold their children */
	assert_non_null(testutil_fixture(path, sizeof path, files[0]));
	{
		struct dashboard *d = dashboard_load(path, err, sizeof err);
		size_t hs = dashboard_find(d, "Health Status"), row;

		assert_true(hs != (size_t)-1);
		row = (size_t)d->p[hs].row;
		assert_string_equal(d->p[row].title, "Application Status");
		assert_true(d->p[row].collapsed);
		assert_int_equal(count_type(d, DASH_OTHER), 3);   /* the heatmaps, as placeholders */
		for (size_t i = 0; i < d->np; i++)
			if (d->p[i].type == DASH_OTHER) {
				assert_string_equal(d->p[i].type_name, "heatmap");
				assert_true(d->p[i].nt > 0);               /* still listing its queries */
				assert_non_null(strstr(d->p[i].note, "heatmap"));
			}
		assert_non_null(dashboard_var(d, "namespace"));
		assert_int_equal(dashboard_var(d, "interval")->type, VAR_INTERVAL);
		assert_true(dashboard_var(d, "health_status")->include_all);
		dashboard_free(d);
	}
	/* the pods view: a query variable written as an object, a stat's reduction */
	assert_non_null(testutil_fixture(path, sizeof path, files[2]));
	{
		struct dashboard *d = dashboard_load(path, err, sizeof err);
		struct dash_var *ns = dashboard_var(d, "namespace");

		assert_non_null(ns);
		assert_non_null(strstr(ns->query, "label_values("));
		assert_true(count_type(d, DASH_STAT) > 0);
		dashboard_free(d);
	}
}

static void old_rows_schema_uses_spans(void **state)
{
	struct dashboard *d = parse("{\"title\":\"old\",\"schemaVersion\":14,\"rows\":[{\"title\":\"r1\",\"height\":\"300px\","
	                            "\"panels\":[{\"type\":\"singlestat\",\"title\":\"a\",\"span\":4,\"format\":\"percent\","
	                            "\"thresholds\":\"50,80\",\"colors\":[\"green\",\"orange\",\"red\"],\"valueName\":\"avg\","
	                            "\"targets\":[{\"expr\":\"up\"}]},{\"type\":\"graph\",\"title\":\"b\",\"span\":8,"
	                            "\"yaxes\":[{\"format\":\"bytes\"}]}]},{\"title\":\"r2\",\"collapse\":true,\"panels\":["
	                            "{\"type\":\"graph\",\"title\":\"c\"}]}]}");

	(void)state;
	assert_int_equal(d->np, 5);
	assert_int_equal(d->p[0].type, DASH_ROW);
	assert_int_equal(d->p[1].type, DASH_SINGLESTAT);
	assert_int_equal(d->p[1].w, 8);
	assert_int_equal(d->p[2].x, 8);
	assert_int_equal(d->p[2].w, 16);
	assert_int_equal(d->p[2].y, d->p[1].y);
	assert_int_equal(d->p[1].h, 8);                        /* 300 px: 8 lines of 38 px, as Grafana converts it */
	assert_string_equal(d->p[1].field.unit, "percent");
	assert_string_equal(d->p[2].field.unit, "bytes");
	assert_int_equal(d->p[1].calc, CALC_MEAN);
	assert_int_equal(d->p[1].field.nth, 3);
	assert_int_equal(dashboard_threshold(&d->p[1].field, 85, 0, 100), 2);
	assert_int_equal(d->p[4].w, 24);                       /* no span: the whole row */
	assert_true(d->p[3].collapsed);
	assert_true(d->p[4].y > d->p[1].y);
	dashboard_free(d);
}

static void modern_panels_fields_and_targets(void **state)
{
	struct dashboard *d = parse(
		"{\"title\":\"t\",\"panels\":[{\"type\":\"row\",\"title\":\"R\",\"gridPos\":{\"x\":0,\"y\":0,\"w\":24,\"h\":1}},"
		"{\"type\":\"stat\",\"title\":\"S\",\"gridPos\":{\"x\":6,\"y\":1,\"w\":6,\"h\":4},"
		"\"fieldConfig\":{\"defaults\":{\"unit\":\"ms\",\"decimals\":1,\"min\":0,\"max\":200,\"thresholds\":"
		"{\"mode\":\"percentage\",\"steps\":[{\"color\":\"green\",\"value\":null},{\"color\":\"red\",\"value\":90}]}},"
		"\"overrides\":[{\"matcher\":{\"id\":\"byName\",\"options\":\"p99\"},\"properties\":[{\"id\":\"unit\",\"value\":\"s\"}]}]},"
		"\"options\":{\"reduceOptions\":{\"calcs\":[\"max\"]}},"
		"\"targets\":[{\"refId\":\"A\",\"expr\":\"rate(x[$__rate_interval])\",\"legendFormat\":\"{{pod}}\",\"instant\":true},"
		"{\"refId\":\"B\",\"expr\":\"y\",\"hide\":true,\"interval\":\"30s\"}]},"
		"{\"type\":\"text\",\"title\":\"T\",\"gridPos\":{\"x\":0,\"y\":5,\"w\":24,\"h\":4},\"options\":{\"mode\":\"markdown\",\"content\":\"# Head\\n**bold** and [a link](http://x)\"}},"
		"{\"type\":\"polystat\",\"title\":\"P\",\"gridPos\":{\"x\":0,\"y\":9,\"w\":24,\"h\":4},\"targets\":[{\"expr\":\"up\"}]}]}");
	const struct dash_panel *s = &d->p[1];

	(void)state;
	assert_int_equal(s->row, 0);
	assert_int_equal(s->calc, CALC_MAX);
	assert_int_equal(s->field.decimals, 1);
	assert_true(s->field.percentage);
	/* 90 % of 0..200 is 180 */
	assert_int_equal(dashboard_threshold(&s->field, 179, 0, 200), 0);
	assert_int_equal(dashboard_threshold(&s->field, 181, 0, 200), 1);
	assert_string_equal(s->ov[0].match, "p99");
	assert_string_equal(s->ov[0].unit, "s");
	assert_true(s->t[0].instant);
	assert_true(s->t[1].hide);
	assert_string_equal(s->t[1].interval, "30s");
	assert_string_equal(s->t[0].legend, "{{pod}}");
	assert_int_equal(d->p[2].md.b[0].style, MD_HEADING);
	assert_string_equal(d->p[2].md.b[1].text, "bold and a link (http://x)");
	assert_int_equal(d->p[3].type, DASH_OTHER);
	assert_false(dashboard_drawable(&d->p[3]));
	assert_string_equal(d->p[3].t[0].expr, "up");
	dashboard_free(d);
}

static void hostile_input_is_words_or_placeholders(void **state)
{
	char err[300];
	const char *trunc = "{\"title\":\"x\",\"panels\":[{\"type\":\"graph\",\"targ";
	struct dashboard *d;
	char *huge;
	size_t o = 0, cap = 5000 * 80 + 100;

	(void)state;
	assert_null(dashboard_parse(trunc, strlen(trunc), err, sizeof err));
	assert_non_null(strstr(err, "not JSON"));
	assert_null(dashboard_parse("", 0, err, sizeof err));
	assert_null(dashboard_parse("[1,2]", 5, err, sizeof err));
	assert_non_null(strstr(err, "not a Grafana dashboard"));
	assert_null(dashboard_parse("{\"a\":1}", 7, err, sizeof err));
	/* wrong types everywhere: read past, with warnings */
	d = parse("{\"title\":7,\"panels\":[1,\"x\",null,{\"type\":5,\"title\":[],\"gridPos\":{\"x\":\"a\",\"y\":-4,"
	          "\"w\":99,\"h\":1e9},\"targets\":{\"expr\":1},\"fieldConfig\":{\"defaults\":{\"unit\":3,\"decimals\":\"2\","
	          "\"thresholds\":{\"steps\":[5,{\"value\":\"x\"}]}}}},{\"type\":\"graph\",\"targets\":[{\"expr\":{}}]}],"
	          "\"templating\":{\"list\":[5,{\"name\":\"v\",\"type\":\"custom\",\"query\":7,\"current\":{\"value\":3}}]}}");
	assert_int_equal(d->np, 2);
	assert_int_equal(d->p[0].type, DASH_OTHER);
	assert_int_equal(d->p[0].w, 24);
	assert_int_equal(d->p[0].y, 0);
	assert_true(d->nwarn >= 2);
	assert_string_equal(d->p[1].t[0].expr, "");
	assert_int_equal(d->nv, 1);
	dashboard_free(d);
	/* huge: 5000 panels are capped with a warning, not a crash */
	huge = malloc(cap);
	assert_non_null(huge);
	o += (size_t)snprintf(huge + o, cap - o, "{\"title\":\"big\",\"panels\":[");
	for (int i = 0; i < 5000; i++)
		o += (size_t)snprintf(huge + o, cap - o, "%s{\"type\":\"stat\",\"targets\":[{\"expr\":\"up\"}]}", i ? "," : "");
	snprintf(huge + o, cap - o, "]}");
	d = dashboard_parse(huge, strlen(huge), err, sizeof err);
	assert_non_null(d);
	assert_int_equal(d->np, 2000);
	assert_non_null(strstr(d->warn[d->nwarn - 1], "2000"));
	dashboard_free(d);
	free(huge);
}

static void variables_expand_in_every_syntax(void **state)
{
	struct dashboard *d = parse(
		"{\"title\":\"v\",\"templating\":{\"list\":["
		"{\"name\":\"job\",\"type\":\"custom\",\"query\":\"api,web.1\",\"multi\":true,"
		"\"current\":{\"value\":[\"api\",\"web.1\"]}},"
		"{\"name\":\"one\",\"type\":\"custom\",\"query\":\"x : a.b,y\",\"current\":{\"value\":\"a.b\"}},"
		"{\"name\":\"all\",\"type\":\"custom\",\"query\":\"p,q\",\"includeAll\":true,\"allValue\":\".*\","
		"\"current\":{\"value\":\"$__all\"}},"
		"{\"name\":\"allj\",\"type\":\"custom\",\"query\":\"p,q\",\"includeAll\":true,\"current\":{\"text\":\"All\",\"value\":[\"$__all\"]}},"
		"{\"name\":\"k\",\"type\":\"constant\",\"query\":\"K\"},"
		"{\"name\":\"tb\",\"type\":\"textbox\",\"query\":\"dflt\",\"current\":{\"value\":\"typed\"}}]}}");
	struct dash_env env = { .range_ms = 3600000, .interval_ms = 60000, .scrape_ms = 15000 };
	char *e, err[200];

	(void)state;
#define EXPECT(in, out) do { e = dashboard_expand(d, &env, in); assert_string_equal(e, out); free(e); } while (0)
	EXPECT("up{job=~\"$job\"}", "up{job=~\"(api|web\\\\.1)\"}");
	EXPECT("${job:csv} [[job]] ${job:pipe}", "api,web.1 (api|web\\\\.1) api|web.1");
	EXPECT("$one ${one} [[one]]", "a.b a.b a.b");
	EXPECT("x=~\"$all\"", "x=~\".*\"");
	EXPECT("x=~\"$allj\"", "x=~\"(p|q)\"");
	EXPECT("$k/$tb/$nope/$1", "K/typed/$nope/$1");
	EXPECT("[$__rate_interval] $__interval $__interval_ms $__range $__range_s", "[75s] 1m 60000 3600s 3600");
	env.interval_ms = 15000;
	EXPECT("[$__rate_interval]", "[1m]");   /* 4 x scrape */
	assert_int_equal(dashboard_var_set(d, "one", "y", err, sizeof err), 0);
	EXPECT("$one", "y");
	assert_int_equal(dashboard_var_set(d, "one", "x,y", err, sizeof err), -1);
	assert_non_null(strstr(err, "one value"));
	assert_int_equal(dashboard_var_set(d, "job", "All", err, sizeof err), -1);
	assert_int_equal(dashboard_var_set(d, "nosuch", "1", err, sizeof err), -1);
	assert_int_equal(dashboard_var_set(d, "job", "web.1", err, sizeof err), 0);
	EXPECT("$job", "web\\\\.1");
#undef EXPECT
	dashboard_free(d);
}

static void dependent_variables_order_and_cycles(void **state)
{
	struct dashboard *d = parse(
		"{\"title\":\"o\",\"templating\":{\"list\":["
		"{\"name\":\"pod\",\"type\":\"query\",\"query\":\"label_values(kube_pod_info{namespace=\\\"$ns\\\"}, pod)\"},"
		"{\"name\":\"ns\",\"type\":\"query\",\"query\":\"label_values(kube_pod_info{cluster=\\\"${cluster}\\\"}, namespace)\"},"
		"{\"name\":\"cluster\",\"type\":\"query\",\"query\":\"label_values(cluster)\"}]}}");

	(void)state;
	assert_string_equal(d->order_error, "");
	assert_string_equal(d->v[d->order[0]].name, "cluster");
	assert_string_equal(d->v[d->order[1]].name, "ns");
	assert_string_equal(d->v[d->order[2]].name, "pod");
	dashboard_free(d);
	d = parse("{\"title\":\"c\",\"templating\":{\"list\":["
	          "{\"name\":\"a\",\"type\":\"query\",\"query\":\"label_values(x{b=\\\"$b\\\"}, a)\",\"current\":{\"value\":\"A\"}},"
	          "{\"name\":\"b\",\"type\":\"query\",\"query\":\"label_values(x{c=\\\"[[c]]\\\"}, b)\"},"
	          "{\"name\":\"c\",\"type\":\"query\",\"query\":\"label_values(x{a=\\\"$a\\\"}, c)\"},"
	          "{\"name\":\"free\",\"type\":\"query\",\"query\":\"label_values(free)\"}]}}");
	assert_non_null(strstr(d->order_error, "cycle"));
	assert_non_null(strstr(d->order_error, "a -> b -> c -> a"));
	assert_string_equal(d->v[d->order[0]].name, "free");   /* the rest resolves first */
	assert_string_equal(d->v[0].cur[0], "A");                /* the JSON's value is kept */
	dashboard_free(d);
}

static void variable_queries_and_regexes(void **state)
{
	struct dash_varq_parsed q;
	char err[200], out[128];

	(void)state;
	assert_int_equal(dashboard_varq_parse("label_values(up{job=\"a,b\"}, instance)", &q, err, sizeof err), 0);
	assert_int_equal(q.kind, VARQ_SERIES_LABEL);
	assert_string_equal(q.label, "instance");
	assert_string_equal(q.arg, "up{job=\"a,b\"}");
	free(q.arg);
	assert_int_equal(dashboard_varq_parse(" label_values( job ) ", &q, err, sizeof err), 0);
	assert_int_equal(q.kind, VARQ_LABEL_VALUES);
	assert_string_equal(q.label, "job");
	free(q.arg);
	assert_int_equal(dashboard_varq_parse("metrics(node_.*)", &q, err, sizeof err), 0);
	assert_int_equal(q.kind, VARQ_METRICS);
	assert_string_equal(q.arg, "node_.*");
	free(q.arg);
	assert_int_equal(dashboard_varq_parse("query_result(topk(3, sum by (pod) (x)))", &q, err, sizeof err), 0);
	assert_int_equal(q.kind, VARQ_QUERY_RESULT);
	assert_string_equal(q.arg, "topk(3, sum by (pod) (x))");
	free(q.arg);
	/* a bare selector: Grafana lists its series for the regex to pick from */
	assert_int_equal(dashboard_varq_parse(" cnpg_collector_up{namespace=~\"a\"} ", &q, err, sizeof err), 0);
	assert_int_equal(q.kind, VARQ_SERIES);
	assert_string_equal(q.arg, "cnpg_collector_up{namespace=~\"a\"}");
	free(q.arg);
	assert_int_equal(dashboard_varq_parse("sum(up)", &q, err, sizeof err), -1);
	assert_non_null(strstr(err, "nor a series selector"));
	assert_int_equal(dashboard_varq_parse("label_values(up job)", &q, err, sizeof err), -1);
	assert_non_null(strstr(err, "\"up job\" is not a label name"));
	assert_int_equal(dashboard_varq_parse("query_result(up", &q, err, sizeof err), -1);
	assert_non_null(strstr(err, "is not query_result(...) as Grafana reads it"));
	assert_int_equal(dashboard_varq_parse("label_names()", &q, err, sizeof err), 0);
	assert_int_equal(q.kind, VARQ_LABEL_NAMES);
	free(q.arg);
	assert_int_equal(dashboard_varq_parse("label_values(up, bad-label)", &q, err, sizeof err), -1);
	assert_int_equal(dashboard_varq_parse("label_values(up", &q, err, sizeof err), -1);
	/* regexes as dashboards write them, JavaScript's classes included */
	assert_int_equal(dashboard_var_regex("/.*pod=\"([^\"]+)\".*/", "x{pod=\"api-1\"} 1 2", out, sizeof out, err,
	                                     sizeof err), 1);
	assert_string_equal(out, "api-1");
	assert_int_equal(dashboard_var_regex("/^API-\\d+$/i", "api-12", out, sizeof out, err, sizeof err), 1);
	assert_int_equal(dashboard_var_regex("/(?i:web)/", "WEB", out, sizeof out, err, sizeof err), 1);
	assert_int_equal(dashboard_var_regex(".*argocd.*", "default", out, sizeof out, err, sizeof err), 0);
	assert_int_equal(dashboard_var_regex("/(/", "x", out, sizeof out, err, sizeof err), -1);
	assert_non_null(strstr(err, "regex"));
}

static void units_as_grafana_formats_them(void **state)
{
	char b[64];

	(void)state;
#define F(v, u, d, want) do { dashboard_format(v, u, d, b, sizeof b); assert_string_equal(b, want); } while (0)
	F(12.5, "percent", -1, "12.5%");
	F(0.0123, "percentunit", 2, "1.23%");
	F(0.25, "s", -1, "250 ms");
	F(90, "s", 1, "1.5 min");
	F(1500, "ms", -1, "1.50 s");
	F(350, "ms", -1, "350 ms");
	F(2500, "µs", -1, "2.50 ms");
	F(800, "ns", -1, "800 ns");
	F(1536, "bytes", -1, "1.50 KiB");
	F(3.0 * 1024 * 1024 * 1024, "bytes", -1, "3 GiB");
	F(1500, "decbytes", -1, "1.50 kB");
	F(2048, "bits", 0, "2 Kib");
	F(2500000, "Bps", 1, "2.5 MB/s");
	F(1500000, "short", -1, "1.50 Mil");
	F(950, "short", -1, "950");
	F(12.345, "none", -1, "12.3");
	F(20, "reqps", 1, "20.0 req/s");
	F(3, "ops", -1, "3 ops/s");
	F(3, "rps", -1, "3 rd/s");
	F(NAN, "s", -1, "NaN");
	F(INFINITY, "percent", -1, "+Inf");
	F(-INFINITY, "", -1, "-Inf");
#undef F
}

static void reductions_thresholds_and_steps(void **state)
{
	const double v[] = { 1, NAN, 4, 2, NAN };
	struct dash_field f = { .nth = 3, .th = { { -INFINITY, "green" }, { 10, "#EAB839" }, { 20, "red" } } };

	(void)state;
	assert_true(dashboard_reduce(v, 5, CALC_LAST_NOT_NULL) == 2);
	assert_true(isnan(dashboard_reduce(v, 5, CALC_LAST)));
	assert_true(dashboard_reduce(v, 5, CALC_MEAN) == 7.0 / 3);
	assert_true(dashboard_reduce(v, 5, CALC_MAX) == 4);
	assert_true(dashboard_reduce(v, 5, CALC_MIN) == 1);
	assert_true(dashboard_reduce(v, 5, CALC_SUM) == 7);
	assert_int_equal(dashboard_threshold(&f, 5, 0, 0), 0);
	assert_int_equal(dashboard_threshold(&f, 10, 0, 0), 1);
	assert_int_equal(dashboard_threshold(&f, 25, 0, 0), 2);
	assert_int_equal(dashboard_threshold(&f, NAN, 0, 0), -1);
	assert_int_equal(dashboard_color_level(f.th[1].color), 1);
	assert_int_equal(dashboard_color_level("dark-red"), 2);
	assert_int_equal(dashboard_color_level("#73BF69"), 0);
	assert_int_equal(dashboard_color_level("blue"), -1);
	/* the step: width in points across the range, floors, the 11,000 cap */
	assert_int_equal(dashboard_step_ms(3600000, 100, 0, 15000), 36000);
	assert_int_equal(dashboard_step_ms(3600000, 100, 60000, 15000), 60000);
	assert_int_equal(dashboard_step_ms(300000, 1000, 0, 15000), 15000);
	assert_true(30LL * 86400000 / dashboard_step_ms(30LL * 86400000, 100000, 0, 1000) <= 11000);
	assert_int_equal(dashboard_duration_ms("1m30s"), 90000);
	assert_int_equal(dashboard_duration_ms(">15s"), 15000);
	assert_int_equal(dashboard_duration_ms("bogus"), -1);
	assert_int_equal(dashboard_rate_interval_ms(60000, 15000), 75000);
}

static void range_answers_as_series(void **state)
{
	static const char body[] = "{\"status\":\"success\",\"warnings\":[\"too many samples\"],\"data\":{\"resultType\":"
		"\"matrix\",\"result\":[{\"metric\":{\"__name__\":\"up\",\"job\":\"a\"},\"values\":[[1700000000,\"1\"],"
		"[1700000015.5,\"NaN\"],[1700000030,\"+Inf\"],[1700000045,\"-Inf\"]]}]}}";
	struct prom_matrix m;
	char err[300];

	(void)state;
	prom_parse_matrix(200, "application/json", body, strlen(body), &m, err, sizeof err);
	assert_true(m.ok);
	assert_int_equal(m.ns, 1);
	assert_string_equal(m.s[0].name, "up{job=\"a\"}");
	assert_string_equal(prom_series_label(&m.s[0], "job"), "a");
	assert_int_equal(m.s[0].n, 4);
	assert_true(m.s[0].t_ms[1] == 1700000015500LL);
	assert_true(isnan(m.s[0].v[1]));
	assert_true(isinf(m.s[0].v[2]) && m.s[0].v[2] > 0);
	assert_true(isinf(m.s[0].v[3]) && m.s[0].v[3] < 0);
	assert_string_equal(m.warnings, "too many samples");
	prom_matrix_free(&m);
	{
		const char *e = "{\"status\":\"error\",\"errorType\":\"bad_data\","
		                "\"error\":\"exceeded maximum resolution of 11,000 points\"}";

		prom_parse_matrix(400, "application/json", e, strlen(e), &m, err, sizeof err);
	}
	assert_false(m.ok);
	assert_true(m.answered);
	assert_non_null(strstr(m.err, "bad_data: exceeded maximum resolution"));
	prom_matrix_free(&m);
	prom_parse_matrix(502, "text/html", "<html><title>Bad Gateway</title></html>", 39, &m, err, sizeof err);
	assert_int_equal(strlen("<html><title>Bad Gateway</title></html>"), 39);
	assert_false(m.ok);
	assert_non_null(strstr(m.err, "HTML page"));
	prom_matrix_free(&m);
	prom_parse_matrix(200, "application/json", "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
	                  "\"result\":[{\"metric\":{},\"values\":[[1,2]]}]}}", 93, &m, err, sizeof err);
	assert_false(m.ok);
	assert_non_null(strstr(m.err, "not a string"));
	prom_matrix_free(&m);
}

static void the_shipped_dashboards_load_and_draw_every_panel(void **state)
{
	static const char *const files[] = { "assets/dashboards/detection-pipeline.json",
		"assets/dashboards/tak-integration.json", "assets/dashboards/infrastructure.json",
		"assets/dashboards/audit-trail.json" };
	char err[300];

	(void)state;
	for (size_t f = 0; f < 4; f++) {
		struct dashboard *d = dashboard_load(files[f], err, sizeof err);

		if (!d)
			fail_msg("%s", err);
		for (size_t i = 0; i < d->np; i++)
			if (d->p[i].type != DASH_ROW)
				assert_true(dashboard_drawable(&d->p[i]));
		assert_int_equal(d->nwarn, 0);
		dashboard_free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_world_dashboards_load),
		cmocka_unit_test(old_rows_schema_uses_spans),
		cmocka_unit_test(modern_panels_fields_and_targets),
		cmocka_unit_test(hostile_input_is_words_or_placeholders),
		cmocka_unit_test(variables_expand_in_every_syntax),
		cmocka_unit_test(dependent_variables_order_and_cycles),
		cmocka_unit_test(variable_queries_and_regexes),
		cmocka_unit_test(units_as_grafana_formats_them),
		cmocka_unit_test(reductions_thresholds_and_steps),
		cmocka_unit_test(range_answers_as_series),
		cmocka_unit_test(the_shipped_dashboards_load_and_draw_every_panel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
