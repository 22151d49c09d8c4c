/* The window's side duties: capacity lines crossed once each way, the
 * deployment log as the runbook's JSON in a private file, the metrics text
 * the matrix checks, and the pre-deployment checklist. */
#include "testutil.h"

#include <math.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "warroom/config.h"
#include "deploy/deploylog.h"
#include "warroom/deploy.h"
#include "warroom/matrix.h"
#include "warroom/model.h"
#include "warroom/slots.h"

static struct config cfg;
static struct model_metrics mm;
static struct deploy d;

/* One Prometheus round: errors as a ratio, latencies in seconds. */
static unsigned signals(int64_t now, double rps, double errors, double p95, double p99, double queue)
{
	double v[MET_COUNT] = { [MET_RPS] = rps, [MET_ERRORS] = errors, [MET_P95] = p95, [MET_P99] = p99,
	                        [MET_QUEUE] = queue };

	for (int i = 0; i < MET_COUNT; i++)
		model_series_push(&mm.s[i], v[i]);
	mm.updated_ms = now;
	return deploy_step(&d, NULL, &mm, now);
}

static void setup_steady(void)
{
	config_defaults(&cfg);
	memset(&mm, 0, sizeof mm);
	deploy_init(&d, &cfg);
}

/* Database, CPU and memory: each sample compared with its line once, a
 * warning stands after two samples over and clears after two under, and
 * each crossing is one event (the timeline's one entry). */
static void capacity_lines_are_crossed_once_each_way(void **state)
{
	int64_t t = 1000;
	unsigned ev;
	const double gib = 1024.0 * 1024 * 1024;

	(void)state;
	setup_steady();
	/* the seeds' lines are the defaults, and the queries name the namespace */
	assert_int_equal(cfg.deploy.capacity_db_gb, 50);
	assert_true(fabs(cfg.deploy.capacity_cpu - 0.70) < 1e-9);
	assert_true(fabs(cfg.deploy.capacity_memory - 0.75) < 1e-9);
	snprintf(cfg.kube.namespace_, sizeof cfg.kube.namespace_, "detection-system");
	char *q = deploy_capacity_query(&cfg, DCAP_CPU);
	assert_non_null(strstr(q, "namespace=\"detection-system\""));
	assert_null(strstr(q, "{namespace}"));
	free(q);
	cfg.deploy.capacity_memory_query[0] = '\0';   /* "" turns it off */
	assert_null(deploy_capacity_query(&cfg, DCAP_MEMORY));

	/* under every line: nothing */
	deploy_capacity_sample(&d, DCAP_DB, 12 * gib, t);
	deploy_capacity_sample(&d, DCAP_CPU, 0.38, t);
	deploy_capacity_sample(&d, DCAP_MEMORY, 0.49, t);
	assert_false(signals(t += 1000, 20, 0.002, 0.12, 0.18, 0) & DEPLOY_EV_CAPACITY);
	assert_int_equal(d.ncapacity, 0);

	/* one sample over 50 GiB is not yet a warning; the same sample seen by
	 * the next step does not count twice */
	deploy_capacity_sample(&d, DCAP_DB, 55 * gib, t);
	assert_false(signals(t += 1000, 20, 0.002, 0.12, 0.18, 0) & DEPLOY_EV_CAPACITY);
	assert_false(signals(t += 1000, 20, 0.002, 0.12, 0.18, 0) & DEPLOY_EV_CAPACITY);
	assert_int_equal(d.ncapacity, 0);
	deploy_capacity_sample(&d, DCAP_DB, 55.2 * gib, t);
	ev = signals(t += 1000, 20, 0.002, 0.12, 0.18, 0);
	assert_true(ev & DEPLOY_EV_CAPACITY);
	assert_true(d.cap[DCAP_DB].crossed && d.cap[DCAP_DB].over);
	assert_int_equal(d.ncapacity, 1);
	assert_string_equal(d.capacity[0], "database 55.2 GiB, over 50 GiB: expand the PVC or archive old detections");
	/* it stands: no second crossing while it stays over */
	deploy_capacity_sample(&d, DCAP_DB, 56 * gib, t);
	assert_false(signals(t += 1000, 20, 0.002, 0.12, 0.18, 0) & DEPLOY_EV_CAPACITY);
	assert_false(d.cap[DCAP_DB].crossed);
	assert_int_equal(d.ncapacity, 1);

	/* CPU at 120 % of its request (busiest pod), memory 80 %: both over */
	for (int i = 0; i < 2; i++) {
		deploy_capacity_sample(&d, DCAP_CPU, 1.2, t);
		deploy_capacity_sample(&d, DCAP_MEMORY, 0.80, t);
		ev = signals(t += 1000, 20, 0.002, 0.12, 0.18, 0);
	}
	assert_true(ev & DEPLOY_EV_CAPACITY);
	assert_int_equal(d.ncapacity, 3);
	assert_string_equal(d.capacity[1], "CPU 120 % of requests (busiest pod), over 70 %: the HPA adds pods (max 10)");
	assert_non_null(strstr(d.capacity[2], "memory 80 % of requests"));
	/* a failed query is no recovery: memory's warning stands */
	deploy_capacity_sample(&d, DCAP_MEMORY, NAN, t);
	signals(t += 1000, 20, 0.002, 0.12, 0.18, 0);
	deploy_capacity_sample(&d, DCAP_MEMORY, NAN, t);
	signals(t += 1000, 20, 0.002, 0.12, 0.18, 0);
	assert_true(d.cap[DCAP_MEMORY].over);

	/* CPU back to 40 %: cleared after two samples, one crossing */
	deploy_capacity_sample(&d, DCAP_CPU, 0.4, t);
	assert_false(signals(t += 1000, 20, 0.002, 0.12, 0.18, 0) & DEPLOY_EV_CAPACITY);
	deploy_capacity_sample(&d, DCAP_CPU, 0.4, t);
	assert_true(signals(t += 1000, 20, 0.002, 0.12, 0.18, 0) & DEPLOY_EV_CAPACITY);
	assert_true(d.cap[DCAP_CPU].crossed);
	assert_false(d.cap[DCAP_CPU].over);
	assert_int_equal(d.ncapacity, 2);

	/* configurable: a 60 GiB line clears the database's warning */
	cfg.deploy.capacity_db_gb = 60;
	for (int i = 0; i < 2; i++) {
		deploy_capacity_sample(&d, DCAP_DB, 56 * gib, t);
		signals(t += 1000, 20, 0.002, 0.12, 0.18, 0);
	}
	assert_false(d.cap[DCAP_DB].over);
	/* a sample older than 30 s is not compared at all */
	deploy_capacity_sample(&d, DCAP_DB, 99 * gib, t);
	t += 31000;
	signals(t, 20, 0.002, 0.12, 0.18, 0);
	signals(t += 1000, 20, 0.002, 0.12, 0.18, 0);
	assert_false(d.cap[DCAP_DB].over);
}

static void the_deployment_log_is_the_runbooks_json_in_a_private_file(void **state)
{
	char dir[256], path[1200], err[256], buf[2048];
	struct stat sb;
	FILE *f;
	size_t n;
	cJSON *o;
	struct deploylog_entry e = {
		.wall_ms = 1764633600000LL, .version = "1.5.0", .previous = "1.4.2", .revision = 7,
		.from_slot = "blue", .to_slot = "green", .status = "rolled_back",
		.reason = "error ratio 8.1 % vs baseline 0.2 % for 2 s", .window_s = 300,
	};

	(void)state;
	config_defaults(&cfg);
	testutil_tmpdir(dir, sizeof dir);
	snprintf(cfg.deploy.log_dir, sizeof cfg.deploy.log_dir, "%s/logs/deployments", dir);
	snprintf(cfg.operator_name, sizeof cfg.operator_name, "alice");
	assert_int_equal(deploylog_write(&cfg, &e, path, sizeof path, err, sizeof err), 0);
	assert_non_null(strstr(path, "/logs/deployments/deploy_20251202T000000Z.json"));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(stat(cfg.deploy.log_dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	o = cJSON_Parse(buf);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "timestamp")->valuestring, "2025-12-02T00:00:00Z");
	assert_string_equal(cJSON_GetObjectItem(o, "version")->valuestring, "1.5.0");
	assert_string_equal(cJSON_GetObjectItem(o, "commit")->valuestring, "r7");
	assert_string_equal(cJSON_GetObjectItem(o, "operator")->valuestring, "alice");
	assert_string_equal(cJSON_GetObjectItem(o, "strategy")->valuestring, "blue-green");
	assert_string_equal(cJSON_GetObjectItem(o, "status")->valuestring, "rolled_back");
	assert_non_null(cJSON_GetObjectItem(o, "environment"));
	cJSON_Delete(o);
	/* a folder that cannot be made is words, not a crash */
	snprintf(cfg.deploy.log_dir, sizeof cfg.deploy.log_dir, "%s/logs/deployments/deploy_20251202T000000Z.json/x",
	         dir);
	assert_int_equal(deploylog_write(&cfg, &e, path, sizeof path, err, sizeof err), -1);
	assert_true(err[0] != '\0');
	testutil_rmtree(dir);
}

static void metrics_text_format_is_checked_line_by_line(void **state)
{
	static const char good[] =
		"# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n"
		"http_requests_total{slot=\"green\",route=\"/a\\\"b\",status=\"201\"} 12\n"
		"offline_queue_depth 0\nprocess_start_time_seconds 1.7e+09 1764633600000\nup NaN\n";
	char why[160];
	int n = 0;

	(void)state;
	assert_true(matrix_metrics_text(good, strlen(good), &n, why, sizeof why));
	assert_int_equal(n, 4);
	assert_false(matrix_metrics_text("<html>proxy</html>\n", 19, &n, why, sizeof why));
	assert_string_equal(why, "line 1 does not start with a metric name");
	assert_false(matrix_metrics_text("a{b=\"c\" 1\n", 11, &n, why, sizeof why));
	assert_string_equal(why, "line 1: labels not closed");
	assert_false(matrix_metrics_text("a 1\nb ok\n", 9, &n, why, sizeof why));
	assert_string_equal(why, "line 2: \"ok\" is not a sample value");
	assert_false(matrix_metrics_text("# only comments\n", 16, &n, why, sizeof why));
	assert_string_equal(why, "no samples");
}

static void the_checklist_counts_ticks_since_the_last_deployment_ended(void **state)
{
	struct timeline_event ev[5];
	bool ticked[9];
	size_t n;

	(void)state;
	memset(ev, 0, sizeof ev);
	/* newest first */
	snprintf(ev[0].kind, sizeof ev[0].kind, "checklist");
	snprintf(ev[0].summary, sizeof ev[0].summary, "checklist 3/9 ticked: Trivy scan: no CRITICAL vulnerabilities");
	snprintf(ev[1].kind, sizeof ev[1].kind, "checklist");
	snprintf(ev[1].summary, sizeof ev[1].summary, "checklist 3/9 ticked: Trivy scan: no CRITICAL vulnerabilities");
	snprintf(ev[2].kind, sizeof ev[2].kind, "checklist");
	snprintf(ev[2].summary, sizeof ev[2].summary, "checklist 9/9 ticked: On-call engineer identified and notified");
	snprintf(ev[3].kind, sizeof ev[3].kind, "deploy");
	snprintf(ev[3].summary, sizeof ev[3].summary, "Deployment finalized: 1.5.0 on green, blue scaled to 0");
	snprintf(ev[4].kind, sizeof ev[4].kind, "checklist");
	snprintf(ev[4].summary, sizeof ev[4].summary, "checklist 1/9 ticked: All unit tests passing (CI gate)");
	deploy_checklist(&n);
	assert_int_equal(n, 9);
	assert_int_equal(deploy_checklist_ticked(ev, 5, ticked, 9), 2);
	assert_true(ticked[2]);
	assert_true(ticked[8]);
	assert_false(ticked[0]);   /* ticked for the deployment before */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(capacity_lines_are_crossed_once_each_way),
		cmocka_unit_test(the_deployment_log_is_the_runbooks_json_in_a_private_file),
		cmocka_unit_test(metrics_text_format_is_checked_line_by_line),
		cmocka_unit_test(the_checklist_counts_ticks_since_the_last_deployment_ended),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
