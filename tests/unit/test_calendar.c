/* The calendar: the seeds' maintenance window (first Tuesday 02:00-04:00 UTC)
 * and freezes from the config, the clock tests may set, and the deploy:
 * section's keys, refused when unknown or malformed. */
#include "testutil.h"

#include <time.h>

#include "warroom/config.h"

static time_t at(int y, int mon, int d, int h, int min)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d, .tm_hour = h, .tm_min = min };

	return timegm(&tm);
}

static time_t fixed;
static time_t fixed_clock(void)
{
	return fixed;
}

static void first_tuesday_two_to_four_utc(void **state)
{
	static struct config cfg;
	char which[64] = "";

	(void)state;
	config_defaults(&cfg);
	/* 2026-12-01 is the first Tuesday of December */
	assert_true(config_in_maintenance(&cfg, at(2026, 12, 1, 2, 0), which, sizeof which));
	assert_string_equal(which, "first tuesday 02:00-04:00");
	assert_true(config_in_maintenance(&cfg, at(2026, 12, 1, 3, 59), NULL, 0));
	assert_false(config_in_maintenance(&cfg, at(2026, 12, 1, 4, 0), NULL, 0));
	assert_false(config_in_maintenance(&cfg, at(2026, 12, 1, 1, 59), NULL, 0));
	assert_false(config_in_maintenance(&cfg, at(2026, 12, 8, 2, 30), NULL, 0));    /* second Tuesday */
	assert_false(config_in_maintenance(&cfg, at(2026, 12, 2, 2, 30), NULL, 0));    /* a Wednesday */
	snprintf(cfg.deploy.maintenance, sizeof cfg.deploy.maintenance, "last sunday 22:00-23:30");
	assert_true(config_in_maintenance(&cfg, at(2026, 11, 29, 22, 15), NULL, 0));
	assert_false(config_in_maintenance(&cfg, at(2026, 11, 22, 22, 15), NULL, 0));
	cfg.deploy.maintenance[0] = '\0';
	assert_false(config_in_maintenance(&cfg, at(2026, 12, 1, 2, 0), NULL, 0));
}

static void the_seeds_freezes_and_the_clock(void **state)
{
	static struct config cfg;
	char which[32];

	(void)state;
	config_defaults(&cfg);
	assert_true(config_in_freeze(&cfg, at(2026, 12, 25, 12, 0), which, sizeof which));
	assert_string_equal(which, "12-24..12-26");
	assert_true(config_in_freeze(&cfg, at(2027, 1, 2, 23, 0), which, sizeof which));
	assert_false(config_in_freeze(&cfg, at(2026, 12, 27, 12, 0), NULL, 0));
	fixed = at(2026, 12, 24, 9, 0);
	config_clock = fixed_clock;
	assert_true(config_now() == fixed);
	assert_true(config_in_freeze(&cfg, config_now(), NULL, 0));
	config_clock = NULL;
	assert_true(config_now() != fixed);
}

static void maintenance_specs(void **state)
{
	int n, w, f, t;

	(void)state;
	assert_int_equal(config_maintenance_parse("first tuesday 02:00-04:00", &n, &w, &f, &t), 0);
	assert_int_equal(n, 0);
	assert_int_equal(w, 2);
	assert_int_equal(f, 120);
	assert_int_equal(t, 240);
	assert_int_equal(config_maintenance_parse("Last Friday 23:00-24:00", &n, &w, &f, &t), 0);
	assert_int_equal(n, 4);
	assert_int_equal(config_maintenance_parse("first tuesday 04:00-02:00", &n, &w, &f, &t), -1);
	assert_int_equal(config_maintenance_parse("fifth tuesday 02:00-04:00", &n, &w, &f, &t), -1);
	assert_int_equal(config_maintenance_parse("first tuesday 2:00-4:00", &n, &w, &f, &t), -1);
	assert_int_equal(config_maintenance_parse("first tuesday 02:00-04:00 please", &n, &w, &f, &t), -1);
}

static int load(struct config *cfg, const char *dir, const char *text, char *err, size_t len)
{
	char path[400];
	FILE *f;

	snprintf(path, sizeof path, "%s/c.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	config_defaults(cfg);
	return config_load(cfg, path, true, err, len);
}

static void deploy_keys_load_and_typos_are_refused(void **state)
{
	static struct config cfg;
	char dir[256], err[512];

	(void)state;
	testutil_tmpdir(dir, sizeof dir);
	assert_int_equal(load(&cfg, dir,
	                      "deploy:\n  window_s: 30\n  fast_sustain_s: 4\n  error_over_baseline: 5%\n"
	                      "  maintenance: \"second monday 01:00-03:00\"\n"
	                      "verify:\n  pod_url: \"http://127.0.0.1:9/pods/{ip}\"\n  smoke_status: 202\n",
	                      err, sizeof err), 0);
	assert_int_equal(cfg.deploy.window_s, 30);
	assert_int_equal(cfg.deploy.fast_sustain_s, 4);
	assert_true(cfg.deploy.error_over_baseline > 0.0499 && cfg.deploy.error_over_baseline < 0.0501);
	assert_string_equal(cfg.deploy.maintenance, "second monday 01:00-03:00");
	assert_int_equal(cfg.deploy.sustain_s, 300);   /* untouched defaults stay */
	assert_string_equal(cfg.verify.pod_url, "http://127.0.0.1:9/pods/{ip}");
	assert_int_equal(cfg.verify.smoke_status, 202);
	assert_int_equal(load(&cfg, dir, "deploy:\n  windows_s: 30\n", err, sizeof err), -1);
	assert_non_null(strstr(err, "windows_s"));
	assert_int_equal(load(&cfg, dir, "deploy:\n  maintenance: \"tuesdays at two\"\n", err, sizeof err), -1);
	assert_non_null(strstr(err, "deploy.maintenance"));
	assert_int_equal(load(&cfg, dir, "deploy:\n  window_s: 0\n", err, sizeof err), -1);
	/* the capacity lines and their queries */
	assert_int_equal(load(&cfg, dir,
	                      "deploy:\n  capacity_db_gb: 40\n  capacity_cpu: 80%\n  capacity_memory: 0.9\n"
	                      "  capacity_db_query: 'max(pg_database_size_bytes)'\n  capacity_memory_query: ''\n",
	                      err, sizeof err), 0);
	assert_int_equal(cfg.deploy.capacity_db_gb, 40);
	assert_true(cfg.deploy.capacity_cpu > 0.7999 && cfg.deploy.capacity_cpu < 0.8001);
	assert_true(cfg.deploy.capacity_memory > 0.8999 && cfg.deploy.capacity_memory < 0.9001);
	assert_string_equal(cfg.deploy.capacity_db_query, "max(pg_database_size_bytes)");
	assert_string_equal(cfg.deploy.capacity_memory_query, "");
	assert_non_null(strstr(cfg.deploy.capacity_cpu_query, "kube_pod_container_resource_requests"));   /* default */
	assert_int_equal(load(&cfg, dir, "deploy:\n  capacity_cpu: 170%\n", err, sizeof err), -1);
	assert_non_null(strstr(err, "deploy.capacity_cpu"));
	testutil_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_tuesday_two_to_four_utc),
		cmocka_unit_test(the_seeds_freezes_and_the_clock),
		cmocka_unit_test(maintenance_specs),
		cmocka_unit_test(deploy_keys_load_and_typos_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
