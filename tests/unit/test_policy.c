/* policy: the runbooks' numbers by default, the config's when it sets them,
 * and one answer to "is this alert critical" for core and views alike. */
#include "testutil.h"

#include <math.h>

#include "warroom/config.h"
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_the_seeds),
		cmocka_unit_test_setup_teardown(the_config_overrides_them, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
