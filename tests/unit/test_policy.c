/* policy: the runbooks' numbers by default, the config's when it sets them,
 * and one answer to "is this alert critical" for core and views alike. */
#include "testutil.h"

#include <math.h>

#include "warroom/config.h"
#include "warroom/dashboard.h"
#include "warroom/policy.h"

static char dir[512];
static char cfgpath[700];

static int setup(void **state)
{
	(void)state;
	testutil_tmpdir(dir, sizeof dir);
	snprintf(cfgpath, sizeof cfgpath, "%s/config.yaml", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	testutil_rmtree(dir);
	return 0;
}

static void load(struct config *cfg, const char *text)
{
	char err[1024] = "";
	FILE *f = fopen(cfgpath, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	config_defaults(cfg);
	if (config_load(cfg, cfgpath, true, err, sizeof err) != 0)
		fail_msg("%s", err);
}

static void near(double got, double want)
{
	if (fabs(got - want) > 1e-9)
		fail_msg("got %g, want %g", got, want);
}

/* The seeds: error rate under 1 % (SLO alert at 0.1 %), P95 300 ms and P99
 * 500 ms SLOs with the rollback trigger 20 % over, the queue's 10,000 items,
 * SEV-1 5 min, SEV-2 15 min, SEV-3 1 h, SEV-4 next business day. */
static void defaults_are_the_seeds(void **state)
{
	static struct config cfg;
	const struct config *both[] = { NULL, &cfg };

	(void)state;
	config_defaults(&cfg);
	for (size_t i = 0; i < 2; i++) {
		const struct config *c = both[i];
		struct policy_threshold t;

		t = policy_signal_threshold(c, MET_ERRORS);
		near(t.warn, 0.001);
		near(t.crit, 0.01);
		t = policy_signal_threshold(c, MET_P95);
		near(t.warn, 0.300);
		near(t.crit, 0.360);
		t = policy_signal_threshold(c, MET_P99);
		near(t.warn, 0.500);
		near(t.crit, 0.600);
		t = policy_signal_threshold(c, MET_QUEUE);
		near(t.warn, 1);
		near(t.crit, 10000);
		t = policy_signal_threshold(c, MET_RPS);
		assert_true(isnan(t.warn) && isnan(t.crit));   /* traffic has no threshold */

		assert_int_equal(policy_sev_response_min(c, 1), 5);
		assert_int_equal(policy_sev_response_min(c, 2), 15);
		assert_int_equal(policy_sev_response_min(c, 3), 60);
		assert_int_equal(policy_sev_response_min(c, 4), 0);   /* next business day */
		assert_int_equal(policy_sev_response_min(c, 0), 0);
		assert_int_equal(policy_sev_response_min(c, 5), 0);

		assert_true(policy_severity_is_critical(c, "critical"));
		assert_true(policy_severity_is_critical(c, "page"));
		assert_true(policy_severity_is_critical(c, "error"));
		assert_true(policy_severity_is_critical(c, "Critical"));
		assert_false(policy_severity_is_critical(c, "warning"));
		assert_false(policy_severity_is_critical(c, "info"));
		assert_false(policy_severity_is_critical(c, "none"));
		assert_false(policy_severity_is_critical(c, ""));
		assert_false(policy_severity_is_critical(c, NULL));
	}
}

static void the_config_overrides_them(void **state)
{
	static struct config cfg;
	struct policy_threshold t;

	(void)state;
	load(&cfg, "slo:\n"
	           "  error_ratio: 5%\n"
	           "  error_ratio_alert: 0.01\n"
	           "  p95_ms: 200\n"
	           "  p99_ms: 1000\n"
	           "  latency_crit_pct: 50\n"
	           "  queue: 500\n"
	           "  queue_warn: 100\n"
	           "sev:\n"
	           "  response_minutes: [2, 10, 30, 480]\n"
	           "alerts:\n"
	           "  critical_severities: [page, sev1]\n");
	t = policy_signal_threshold(&cfg, MET_ERRORS);
	near(t.warn, 0.01);
	near(t.crit, 0.05);
	t = policy_signal_threshold(&cfg, MET_P95);
	near(t.warn, 0.2);
	near(t.crit, 0.3);
	t = policy_signal_threshold(&cfg, MET_P99);
	near(t.warn, 1.0);
	near(t.crit, 1.5);
	t = policy_signal_threshold(&cfg, MET_QUEUE);
	near(t.warn, 100);
	near(t.crit, 500);
	assert_int_equal(policy_sev_response_min(&cfg, 1), 2);
	assert_int_equal(policy_sev_response_min(&cfg, 4), 480);
	assert_true(policy_severity_is_critical(&cfg, "page"));
	assert_true(policy_severity_is_critical(&cfg, "sev1"));
	assert_false(policy_severity_is_critical(&cfg, "critical"));   /* the list replaces the default */
	assert_false(policy_severity_is_critical(&cfg, "error"));

	/* a section left out keeps its defaults */
	load(&cfg, "sev:\n  response_minutes: [1, 2, 3, next-business-day]\n");
	near(policy_signal_threshold(&cfg, MET_P95).warn, 0.3);
	assert_int_equal(policy_sev_response_min(&cfg, 3), 3);
	assert_int_equal(policy_sev_response_min(&cfg, 4), 0);
	assert_true(policy_severity_is_critical(&cfg, "error"));

	/* nothing is critical when the list is empty */
	load(&cfg, "alerts:\n  critical_severities: []\n");
	assert_false(policy_severity_is_critical(&cfg, "critical"));
}

static struct model_strip_item item_of(const char *fieldconfig, int signal)
{
	char json[1200], err[200];
	struct model_strip_item it = { .signal = signal, .panel = true };
	struct dashboard *d;

	snprintf(json, sizeof json, "{\"panels\":[{\"type\":\"stat\",\"title\":\"p\",\"fieldConfig\":%s,"
	         "\"targets\":[{\"expr\":\"up\"}]}]}", fieldconfig);
	d = dashboard_parse(json, strlen(json), err, sizeof err);
	if (!d)
		fail_msg("%s", err);
	it.field = d->p[0].field;
	dashboard_free(d);
	return it;
}

static void strip_colours_come_from_the_panels_thresholds(void **state)
{
	struct config cfg;
	struct model_strip_item abs = item_of("{\"defaults\":{\"thresholds\":{\"mode\":\"absolute\",\"steps\":["
	                                      "{\"color\":\"green\",\"value\":null},{\"color\":\"orange\",\"value\":0.5},"
	                                      "{\"color\":\"red\",\"value\":1}]}}}", MET_P95);
	struct model_strip_item pct = item_of("{\"defaults\":{\"min\":0,\"max\":200,\"thresholds\":{\"mode\":"
	                                      "\"percentage\",\"steps\":[{\"color\":\"green\",\"value\":null},"
	                                      "{\"color\":\"#EAB839\",\"value\":50},"
	                                      "{\"color\":\"dark-red\",\"value\":90}]}}}",
	                                      -1);
	struct model_strip_item unitpct = item_of("{\"defaults\":{\"unit\":\"percentunit\",\"thresholds\":{\"mode\":"
	                                          "\"percentage\",\"steps\":[{\"color\":\"green\",\"value\":null},"
	                                          "{\"color\":\"red\",\"value\":80}]}}}", -1);
	struct model_strip_item bare = item_of("{\"defaults\":{\"unit\":\"s\"}}", MET_P95);
	struct model_strip_item other = item_of("{\"defaults\":{}}", -1);

	(void)state;
	config_defaults(&cfg);
	/* absolute steps, not the P95 SLO of 300 ms: 0.4 s is fine by the panel */
	assert_int_equal(policy_strip_level(&cfg, &abs, 0.4), 0);
	assert_int_equal(policy_strip_level(&cfg, &abs, 0.5), 1);
	assert_int_equal(policy_strip_level(&cfg, &abs, 1.2), 2);
	/* percentage steps of min..max: 50 % of 0..200 is 100, 90 % is 180 */
	assert_int_equal(policy_strip_level(&cfg, &pct, 99), 0);
	assert_int_equal(policy_strip_level(&cfg, &pct, 100), 1);
	assert_int_equal(policy_strip_level(&cfg, &pct, 179), 1);
	assert_int_equal(policy_strip_level(&cfg, &pct, 180), 2);
	/* percentunit without max: of 0..1 */
	assert_int_equal(policy_strip_level(&cfg, &unitpct, 0.79), 0);
	assert_int_equal(policy_strip_level(&cfg, &unitpct, 0.81), 2);
	/* a panel without thresholds falls back to the signal's SLO */
	assert_int_equal(bare.field.nth, 0);
	assert_int_equal(policy_strip_level(&cfg, &bare, 0.2), 0);
	assert_int_equal(policy_strip_level(&cfg, &bare, 0.32), 1);
	assert_int_equal(policy_strip_level(&cfg, &bare, 0.4), 2);
	/* neither: no colour; no value: none either */
	assert_int_equal(policy_strip_level(&cfg, &other, 1e9), -1);
	assert_int_equal(policy_strip_level(&cfg, &abs, NAN), -1);
}

static void the_overview_strip_is_configured(void **state)
{
	struct config cfg;
	char err[1024] = "";
	FILE *f;

	(void)state;
	load(&cfg, "dashboards:\n  overview:\n    dashboard: TAK Integration\n    panels:\n      - Push success\n"
	           "      - 7\n      - \"Queue depth\"\n");
	assert_string_equal(cfg.dash.overview, "TAK Integration");
	assert_int_equal(cfg.dash.nstrip, 3);
	assert_string_equal(cfg.dash.strip[0], "Push success");
	assert_string_equal(cfg.dash.strip[1], "7");
	assert_string_equal(cfg.dash.strip[2], "Queue depth");
	assert_non_null(strstr(cfg.dash.strip_at[2], "config.yaml:7"));
	/* the older form, a dashboard alone, still reads */
	load(&cfg, "dashboards:\n  overview: Infrastructure\n");
	assert_string_equal(cfg.dash.overview, "Infrastructure");
	assert_int_equal(cfg.dash.nstrip, 0);
	/* a wrong shape is refused with its line */
	f = fopen(cfgpath, "w");
	assert_non_null(f);
	fputs("dashboards:\n  overview:\n    panels: Request rate\n", f);
	fclose(f);
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, cfgpath, true, err, sizeof err), -1);
	assert_non_null(strstr(err, "config.yaml:3: dashboards.overview.panels: expected a list of panel titles or ids"));
	f = fopen(cfgpath, "w");
	assert_non_null(f);
	fputs("dashboards:\n  overview: { dashbaord: X }\n", f);
	fclose(f);
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, cfgpath, true, err, sizeof err), -1);
	assert_non_null(strstr(err, "config.yaml:2: dashboards.overview: unknown key \"dashbaord\" "
	                            "(known: dashboard, panels)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_the_seeds),
		cmocka_unit_test_setup_teardown(the_config_overrides_them, setup, teardown),
		cmocka_unit_test(strip_colours_come_from_the_panels_thresholds),
		cmocka_unit_test_setup_teardown(the_overview_strip_is_configured, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
