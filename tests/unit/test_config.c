/* The YAML config: the shipped example loads, defaults and XDG paths, and
 * every refusal names file, line and key. */
#include "testutil.h"

#include <sys/stat.h>
#include <time.h>

#include "warroom/config.h"
#include "warroom/policy.h"

static char dir[512];
static char cfgpath[700];

static int setup(void **state)
{
	testutil_tmpdir(dir, sizeof dir);
	snprintf(cfgpath, sizeof cfgpath, "%s/config.yaml", dir);
	setenv("HOME", "/home/tester", 1);
	setenv("USER", "tester", 1);
	unsetenv("XDG_STATE_HOME");
	unsetenv("XDG_CONFIG_HOME");
	return 0;
}

static int teardown(void **state)
{
	testutil_rmtree(dir);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Loads text over the defaults; returns config_load's result. */
static int load(struct config *cfg, const char *text, char *err, size_t errlen)
{
	write_file(cfgpath, text);
	config_defaults(cfg);
	return config_load(cfg, cfgpath, true, err, errlen);
}

/* The error for text must be exactly "<path>:<want>". */
static void refused(const char *text, const char *want)
{
	static struct config cfg, before;
	char err[1024] = "", full[1400];
	write_file(cfgpath, text);
	config_defaults(&cfg);
	memcpy(&before, &cfg, sizeof cfg);
	assert_int_equal(config_load(&cfg, cfgpath, true, err, sizeof err), -1);
	snprintf(full, sizeof full, "%s:%s", cfgpath, want);
	if (strcmp(err, full) != 0)
		fail_msg("for:\n%s\ngot:  %s\nwant: %s", text, err, full);
	/* nothing of a refused file is applied */
	assert_memory_equal(&cfg, &before, sizeof cfg);
}

static const char *example_path(void)
{
	static char p[1024];
	if (access("assets/config.example.yaml", R_OK) == 0)
		return "assets/config.example.yaml";
	/* from tests/unit/test_config.c to the source tree's assets/ */
	snprintf(p, sizeof p, "%s", __FILE__);
	char *s = strstr(p, "tests/unit/");
	if (!s)
		return NULL;
	strcpy(s, "assets/config.example.yaml");
	return access(p, R_OK) == 0 ? p : NULL;
}

static void test_example_loads(void **state)
{
	static struct config cfg;
	char err[1024] = "";
	const char *path = example_path();
	if (!path)
		fail_msg("assets/config.example.yaml not found: run the tests from the source tree");
	config_defaults(&cfg);
	if (config_load(&cfg, path, true, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.path, path);
	assert_string_equal(cfg.operator_name, "alice");
	assert_string_equal(cfg.environment, "prod");
	assert_int_equal(cfg.refresh_ms, 2000);
	assert_false(cfg.readonly);
	assert_string_equal(cfg.db_path, "/home/tester/.local/state/warroom/timeline.db");
	assert_string_equal(cfg.prometheus.url, "http://127.0.0.1:9090");
	assert_int_equal(cfg.prometheus.timeout_ms, 5000);
	assert_string_equal(cfg.alertmanager.url, "http://127.0.0.1:9093");
	assert_string_equal(cfg.argocd.url, "https://argocd.example.com");
	assert_string_equal(cfg.argocd.token_file, "/home/tester/.config/warroom/argocd.token");
	assert_string_equal(cfg.argocd.ca_file, "/home/tester/.config/warroom/argocd-ca.crt");
	assert_string_equal(cfg.argocd_app, "detection-api");
	assert_false(cfg.argocd.insecure);
	assert_string_equal(cfg.kube.kubeconfig, "/home/tester/.kube/config");
	assert_string_equal(cfg.kube.context, "prod");
	assert_string_equal(cfg.kube.namespace_, "detection-system");
	assert_string_equal(cfg.kube.service, "detection-api-service");
	assert_string_equal(cfg.kube.slot_label, "slot");
	assert_string_equal(cfg.kube.slots[0], "blue");
	assert_string_equal(cfg.kube.slots[1], "green");
	assert_string_equal(cfg.kube.deployments[0], "detection-api-blue");
	assert_string_equal(cfg.kube.deployments[1], "detection-api-green");
	assert_int_equal(cfg.kube.min_ready, 0);
	assert_int_equal(cfg.nfreeze, 2);
	assert_string_equal(cfg.freeze[1], "12-31..01-02");
	assert_int_equal(cfg.nkeys, 2);
	assert_string_equal(cfg.keys[0].action, "rollback");
	assert_string_equal(cfg.keys[0].keys, "R");
	assert_string_equal(cfg.keys[1].keys, "?");
	/* no bastion unless one is named: the example shows it commented out */
	assert_string_equal(cfg.ssh.host, "");
	/* the example spells out the defaults */
	struct config_policy seeds;
	policy_defaults(&seeds);
	assert_true(cfg.policy.error_ratio == seeds.error_ratio);
	assert_true(cfg.policy.error_ratio_alert == seeds.error_ratio_alert);
	assert_int_equal(cfg.policy.p95_ms, seeds.p95_ms);
	assert_int_equal(cfg.policy.p99_ms, seeds.p99_ms);
	assert_int_equal(cfg.policy.latency_crit_pct, seeds.latency_crit_pct);
	assert_int_equal(cfg.policy.queue, seeds.queue);
	assert_int_equal(cfg.policy.queue_warn, seeds.queue_warn);
	assert_memory_equal(cfg.policy.sev_response_min, seeds.sev_response_min, sizeof seeds.sev_response_min);
	assert_int_equal(cfg.policy.ncritical, seeds.ncritical);
	for (size_t i = 0; i < seeds.ncritical; i++)
		assert_string_equal(cfg.policy.critical_severities[i], seeds.critical_severities[i]);
}

static void test_defaults_and_xdg(void **state)
{
	static struct config cfg;
	char path[1024], cwd[1024], rb[1200];
	config_defaults(&cfg);
	assert_string_equal(cfg.path, "");
	assert_string_equal(cfg.operator_name, "tester");
	assert_string_equal(cfg.environment, "default");
	assert_int_equal(cfg.refresh_ms, 2000);
	assert_string_equal(cfg.db_path, "/home/tester/.local/state/warroom/timeline.db");
	assert_string_equal(cfg.kube.namespace_, "default");
	assert_string_equal(cfg.kube.slot_label, "slot");
	assert_string_equal(cfg.kube.slots[0], "blue");
	assert_string_equal(cfg.kube.slots[1], "green");
	assert_int_equal(cfg.nfreeze, 2);
	assert_string_equal(cfg.freeze[0], "12-24..12-26");
	assert_string_equal(cfg.prometheus.url, "");
	assert_int_equal(cfg.ssh.port, 22);
	assert_string_equal(cfg.ssh.host, "");
	config_default_path(path, sizeof path);
	assert_string_equal(path, "/home/tester/.config/warroom/config.yaml");

	setenv("XDG_STATE_HOME", "/srv/state", 1);
	setenv("XDG_CONFIG_HOME", "/srv/conf", 1);
	unsetenv("USER");
	config_defaults(&cfg);
	assert_string_equal(cfg.db_path, "/srv/state/warroom/timeline.db");
	assert_string_equal(cfg.operator_name, "operator");
	config_default_path(path, sizeof path);
	assert_string_equal(path, "/srv/conf/warroom/config.yaml");

	/* the XDG spec ignores relative values */
	setenv("XDG_STATE_HOME", "relative/state", 1);
	config_defaults(&cfg);
	assert_string_equal(cfg.db_path, "/home/tester/.local/state/warroom/timeline.db");

	/* ./runbooks wins when it exists (running from the source tree) */
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(dir), 0);
	config_defaults(&cfg);
	assert_string_equal(cfg.runbook_dir, WARROOM_DATADIR "/runbooks");
	assert_int_equal(mkdir("runbooks", 0700), 0);
	config_defaults(&cfg);
	char here[1024];
	assert_non_null(getcwd(here, sizeof here));
	snprintf(rb, sizeof rb, "%s/runbooks", here);
	assert_string_equal(cfg.runbook_dir, rb);
	assert_int_equal(chdir(cwd), 0);
}

static void test_missing_files(void **state)
{
	static struct config cfg;
	char err[1024] = "", missing[800];
	snprintf(missing, sizeof missing, "%s/nope.yaml", dir);
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, missing, false, err, sizeof err), 0);
	assert_string_equal(cfg.path, "");
	assert_int_equal(config_load(&cfg, missing, true, err, sizeof err), -1);
	assert_non_null(strstr(err, missing));
	assert_non_null(strstr(err, "No such file"));
	/* an empty file is a config with nothing changed */
	assert_int_equal(load(&cfg, "", err, sizeof err), 0);
	assert_string_equal(cfg.path, cfgpath);
	assert_int_equal(cfg.refresh_ms, 2000);
	assert_int_equal(load(&cfg, "# only a comment\n", err, sizeof err), 0);
}

static void test_paths_expand(void **state)
{
	static struct config cfg;
	char err[1024] = "", want[1200];
	assert_int_equal(load(&cfg,
		"timeline:\n  db: ~/inc/t.db\n"
		"runbooks: books\n"
		"kubernetes:\n  kubeconfig: /etc/kube/config\n"
		"ssh:\n  known_hosts: \"~\"\n  key_file: ~\n", err, sizeof err), 0);
	assert_string_equal(cfg.db_path, "/home/tester/inc/t.db");
	snprintf(want, sizeof want, "%s/books", dir);
	assert_string_equal(cfg.runbook_dir, want);
	assert_string_equal(cfg.kube.kubeconfig, "/etc/kube/config");
	assert_string_equal(cfg.ssh.known_hosts, "/home/tester");   /* quoted ~ is a path */
	assert_string_equal(cfg.ssh.key_file, "");                  /* plain ~ is YAML's null */

	char out[32];
	assert_int_equal(config_expand_home("~/x", out, sizeof out), 0);
	assert_string_equal(out, "/home/tester/x");
	assert_int_equal(config_expand_home("~bob/x", out, sizeof out), 0);
	assert_string_equal(out, "~bob/x");
	assert_int_equal(config_expand_home("~/a-path-far-too-long-for-the-buffer", out, sizeof out), -1);
}

static void test_unknown_keys(void **state)
{
	refused("operator: alice\n"
	        "environment: prod\n"
	        "refresh_ms: 2000\n"
	        "readonly: false\n"
	        "timeline:\n"
	        "  db: /tmp/x.db\n"
	        "promethues:\n"
	        "  url: http://127.0.0.1:9090\n",
	        "7: unknown key \"promethues\" (did you mean \"prometheus\"?)");
	refused("kubernetes:\n  namespace: a\n  namspace: b\n",
	        "3: kubernetes: unknown key \"namspace\" (did you mean \"namespace\"?)");
	refused("argocd:\n  aplication: detection-api\n",
	        "2: argocd: unknown key \"aplication\" (did you mean \"application\"?)");
	refused("colour: red\n", "1: unknown key \"colour\"");
	refused("refresh_ms: 1000\nrefresh_ms: 2000\n",
	        "2: duplicate key \"refresh_ms\" (first at line 1)");
}

static void test_wrong_values(void **state)
{
	refused("operator: alice\n"
	        "environment: prod\n"
	        "refresh_ms: 2000\n"
	        "readonly: false\n"
	        "timeline:\n"
	        "  db: /tmp/x.db\n"
	        "prometheus:\n"
	        "  url: http://127.0.0.1:9090\n"
	        "kubernetes:\n"
	        "  namespace: detection-system\n"
	        "  service: detection-api-service\n"
	        "  slots: [blue]\n",
	        "12: kubernetes.slots: expected a list of two slot names");
	refused("kubernetes:\n  slots: blue\n", "2: kubernetes.slots: expected a list of two slot names");
	refused("kubernetes:\n  slots: [blue, blue]\n", "2: kubernetes.slots: the two slots must differ");
	refused("refresh_ms: 100\n", "1: refresh_ms: must be between 250 and 3600000, got 100");
	refused("refresh_ms: fast\n", "1: refresh_ms: expected a whole number, got \"fast\"");
	refused("refresh_ms:\n", "1: refresh_ms: expected a number, got nothing");
	refused("refresh_ms: [1]\n", "1: refresh_ms: expected a number, got a list");
	refused("readonly: maybe\n", "1: readonly: expected true or false, got \"maybe\"");
	refused("ssh:\n  port: 70000\n", "2: ssh.port: must be between 1 and 65535, got 70000");
	refused("slo:\n  error_ratio: 5\n",
	        "2: slo.error_ratio: expected a ratio between 0 and 1 (0.01) or a percentage (1%), got \"5\"");
	refused("slo:\n  error_ratio_alert: lots\n",
	        "2: slo.error_ratio_alert: expected a ratio between 0 and 1 (0.01) or a percentage (1%), got \"lots\"");
	refused("slo:\n  p95_ms: 0\n", "2: slo.p95_ms: must be between 1 and 600000, got 0");
	refused("slo:\n  error_rate: 0.01\n", "2: slo: unknown key \"error_rate\" (did you mean \"error_ratio\"?)");
	refused("sev:\n  response_minutes: [5, 15, 60]\n",
	        "2: sev.response_minutes: expected a list of four targets, SEV-1 to SEV-4: minutes or next-business-day");
	refused("sev:\n  response_minutes: [5, 15, soon, 0]\n",
	        "2: sev.response_minutes[2]: expected minutes (1 to 10080) or next-business-day, got \"soon\"");
	refused("alerts:\n  critical_severities: critical\n",
	        "2: alerts.critical_severities: expected a list of severity labels, got a value");
	refused("alerts:\n  critical_severities: [critical, \"sev 1\"]\n",
	        "2: alerts.critical_severities[1]: \"sev 1\" is not a severity label");
	refused("prometheus:\n  url: ftp://prom.example.com\n",
	        "2: prometheus.url: expected an http:// or https:// URL, got \"ftp://prom.example.com\"");
	refused("alertmanager:\n  url: http://\n", "2: alertmanager.url: not a usable URL: \"http://\"");
	/* a query string may carry a token: never quoted back */
	refused("alertmanager:\n  url: am.example.com/?token=abc123\n",
	        "2: alertmanager.url: expected an http:// or https:// URL, got \"am.example.com/\"");
	refused("prometheus: http://127.0.0.1:9090\n",
	        "1: prometheus: expected a mapping of settings, got a value");
	refused("kubernetes:\n  namespace: Detection System\n",
	        "2: kubernetes.namespace: \"Detection System\" is not a Kubernetes name "
	        "(lower-case letters, digits, '-', '.')");
	refused("kubernetes:\n  deployments:\n    purple: detection-api-purple\n",
	        "3: kubernetes.deployments.purple: not one of the slots (blue, green)");
	refused("argocd:\n  token_env: 1BAD\n", "2: argocd.token_env: \"1BAD\" is not an environment variable name");
	refused("- a\n- b\n", "1: expected a mapping of settings at the top, got a list");
	refused("operator: a\n---\noperator: b\n",
	        "3: only one YAML document is read; remove the \"---\" and what follows");
}

/* A token written in the file is refused, and the refusal does not repeat it. */
static void test_inline_secrets_refused(void **state)
{
	refused("argocd:\n  url: https://argocd.example.com\n  token: eyJhbGciOiJIUzI1NiJ9.s3cr3t\n",
	        "3: argocd.token: a token must not be written in the config file; use token_file or token_env");
	refused("prometheus:\n  password: hunter2\n",
	        "2: prometheus.password: a token must not be written in the config file; use token_file or token_env");
	refused("ssh:\n  password: hunter2\n",
	        "2: ssh.password: passwords must not be written in the config file; use key_file or an ssh agent");
	refused("prometheus:\n  url: https://bob:hunter2@prom.example.com\n",
	        "2: prometheus.url: a password must not be written in the URL; use token_file or token_env");
}

static void test_yaml_syntax_error(void **state)
{
	static struct config cfg;
	char err[1024] = "", want[900];
	assert_int_equal(load(&cfg, "operator: alice\nprometheus:\n  url: \"http://x\n", err, sizeof err), -1);
	/* libyaml's own words, with where the unclosed quote began */
	snprintf(want, sizeof want, "%s:4:1: found unexpected end of stream "
	         "(while scanning a quoted scalar that started at line 3)", cfgpath);
	assert_string_equal(err, want);
	assert_int_equal(load(&cfg, "a: b: c\n", err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:1:5: mapping values are not allowed in this context", cfgpath);
	assert_string_equal(err, want);
	assert_int_equal(load(&cfg, "kubernetes:\n\tslots: [blue, green]\n", err, sizeof err), -1);
	assert_non_null(strstr(err, "indents with spaces, not tabs"));
	assert_int_equal(load(&cfg, "kubernetes:\n  slots: [blue, green\n", err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:3:", cfgpath);
	assert_memory_equal(err, want, strlen(want));
}

static void test_values_stored(void **state)
{
	static struct config cfg;
	char err[1024] = "";
	assert_int_equal(load(&cfg,
		"readonly: yes\n"
		"refresh_ms: 250\n"
		"prometheus:\n  url: https://prom.example.com/prometheus/\n  insecure: true\n  timeout_ms: 1500\n"
		"kubernetes:\n  deployments: {green: api-g}\n  slots: [green, canary]\n  min_ready: 3\n"
		"keys:\n  rollback: [R, F5]\n  note: n\n"
		"freeze: [\"07-04\", \"11-27..11-30\"]\n", err, sizeof err), 0);
	assert_true(cfg.readonly);
	assert_int_equal(cfg.refresh_ms, 250);
	assert_string_equal(cfg.prometheus.url, "https://prom.example.com/prometheus");
	assert_true(cfg.prometheus.insecure);
	assert_int_equal(cfg.prometheus.timeout_ms, 1500);
	/* deployments are matched to slots by name, whatever the order in the file */
	assert_string_equal(cfg.kube.slots[0], "green");
	assert_string_equal(cfg.kube.deployments[0], "api-g");
	assert_string_equal(cfg.kube.deployments[1], "");
	assert_int_equal(cfg.kube.min_ready, 3);
	assert_int_equal(cfg.nkeys, 2);
	assert_string_equal(cfg.keys[0].keys, "R,F5");
	assert_int_equal(cfg.nfreeze, 2);
	assert_string_equal(cfg.freeze[0], "07-04..07-04");

	/* an empty list: no freeze at all */
	assert_int_equal(load(&cfg, "freeze: []\n", err, sizeof err), 0);
	assert_int_equal(cfg.nfreeze, 0);
	assert_false(config_in_freeze(&cfg, 1798200000, NULL, 0));

	/* the runbooks' numbers, changed */
	assert_int_equal(load(&cfg,
		"slo:\n  error_ratio: 2%\n  error_ratio_alert: 0.005\n  p95_ms: 250\n  p99_ms: 800\n"
		"  latency_crit_pct: 50\n  queue: 500\n  queue_warn: 0\n"
		"sev:\n  response_minutes: [1, 10, 120, next-business-day]\n"
		"alerts:\n  critical_severities: [page]\n", err, sizeof err), 0);
	assert_true(cfg.policy.error_ratio > 0.0199 && cfg.policy.error_ratio < 0.0201);
	assert_true(cfg.policy.error_ratio_alert == 0.005);
	assert_int_equal(cfg.policy.p95_ms, 250);
	assert_int_equal(cfg.policy.p99_ms, 800);
	assert_int_equal(cfg.policy.latency_crit_pct, 50);
	assert_int_equal(cfg.policy.queue, 500);
	assert_int_equal(cfg.policy.queue_warn, 0);
	assert_int_equal(cfg.policy.sev_response_min[0], 1);
	assert_int_equal(cfg.policy.sev_response_min[2], 120);
	assert_int_equal(cfg.policy.sev_response_min[3], 0);
	assert_int_equal(cfg.policy.ncritical, 1);
	assert_string_equal(cfg.policy.critical_severities[0], "page");
	/* an empty list: no severity is critical */
	assert_int_equal(load(&cfg, "alerts:\n  critical_severities: []\n", err, sizeof err), 0);
	assert_int_equal(cfg.policy.ncritical, 0);
}

/* A bastion in the file or on the command line, and the endpoints it reaches. */
static void test_bastion(void **state)
{
	static struct config cfg;
	char err[1024] = "";

	assert_int_equal(load(&cfg, "operator: alice\nssh:\n  port: 2222\n  host: bastion.example.com\n"
	                       "  user: ops\nprometheus:\n  url: http://prom:9090\n  via_bastion: true\n"
	                       "kubernetes:\n  via_bastion: yes\n", err, sizeof err), 0);
	assert_string_equal(cfg.ssh.host, "bastion.example.com");
	assert_int_equal(cfg.ssh.port, 2222);
	assert_string_equal(cfg.ssh.user, "ops");
	assert_true(cfg.prometheus.via_bastion);
	assert_false(cfg.alertmanager.via_bastion);
	assert_true(cfg.kube.via_bastion);
	assert_int_equal(config_check_bastion(&cfg, err, sizeof err), 0);
	refused("ssh:\n  host: alice@bastion\n", "2: ssh.host: expected a host name, got \"alice@bastion\"");
	refused("alertmanager:\n  via_bastion: maybe\n", "2: alertmanager.via_bastion: expected true or false, got \"maybe\"");

	/* --bastion overrides the file's host, user and port */
	assert_int_equal(config_set_bastion(&cfg, "bob@10.0.0.7:2200", err, sizeof err), 0);
	assert_string_equal(cfg.ssh.host, "10.0.0.7");
	assert_string_equal(cfg.ssh.user, "bob");
	assert_int_equal(cfg.ssh.port, 2200);
	assert_int_equal(config_set_bastion(&cfg, "jump", err, sizeof err), 0);
	assert_string_equal(cfg.ssh.host, "jump");
	assert_string_equal(cfg.ssh.user, "bob");      /* kept */
	assert_int_equal(cfg.ssh.port, 2200);
	assert_int_equal(config_set_bastion(&cfg, "bob@jump:0", err, sizeof err), -1);
	assert_non_null(strstr(err, "port must be between 1 and 65535"));
	assert_int_equal(config_set_bastion(&cfg, "@jump", err, sizeof err), -1);
	assert_int_equal(config_set_bastion(&cfg, "bob@:22", err, sizeof err), -1);
	assert_string_equal(cfg.ssh.host, "jump");    /* a refused spec changes nothing */
	/* a password in it is refused, and never said back: not in any error */
	{
		static const char *const with_pw[] = { "bob:hunter2@jump", "bob:hunter2@jump:22", ":hunter2@jump",
		                                       "bob:hun@ter2@jump", "bob:hunter2", "bob:hunter2@" };

		for (size_t i = 0; i < sizeof with_pw / sizeof with_pw[0]; i++) {
			err[0] = '\0';
			assert_int_equal(config_set_bastion(&cfg, with_pw[i], err, sizeof err), -1);
			assert_true(err[0] != '\0');
			assert_null(strstr(err, "hunter2"));
			assert_null(strstr(err, "hun"));
		}
		assert_int_equal(config_set_bastion(&cfg, "bob:hunter2@jump", err, sizeof err), -1);
		assert_non_null(strstr(err, "password"));
		assert_string_equal(cfg.ssh.host, "jump");
		assert_string_equal(cfg.ssh.user, "bob");
	}

	/* a bastion nothing goes through is said, with the keys that would send requests through it */
	assert_int_equal(load(&cfg, "prometheus:\n  url: http://prom:9090\n", err, sizeof err), 0);
	assert_false(config_bastion_unused(&cfg, false, err, sizeof err));   /* no bastion at all */
	assert_int_equal(config_set_bastion(&cfg, "ops@jump", err, sizeof err), 0);
	assert_true(config_bastion_unused(&cfg, false, err, sizeof err));
	assert_non_null(strstr(err, "jump (--bastion) carries nothing"));
	for (size_t i = 0; i < 5; i++) {
		static const char *const keys[] = { "kubernetes.via_bastion", "prometheus.via_bastion",
		                                    "alertmanager.via_bastion", "argocd.via_bastion", "verify.via_bastion" };

		assert_non_null(strstr(err, keys[i]));
	}
	assert_true(config_bastion_unused(&cfg, true, err, sizeof err));
	assert_true(strlen(err) <= 80);
	assert_non_null(strstr(err, "verify.via_bastion"));
	assert_int_equal(load(&cfg, "ssh:\n  host: jump\nprometheus:\n  url: http://prom:9090\n", err, sizeof err), 0);
	assert_true(config_bastion_unused(&cfg, false, err, sizeof err));
	assert_non_null(strstr(err, "(ssh.host in "));
	assert_int_equal(load(&cfg, "ssh:\n  host: jump\nprometheus:\n  url: http://prom:9090\n  via_bastion: true\n",
	                      err, sizeof err), 0);
	assert_false(config_bastion_unused(&cfg, false, err, sizeof err));
	assert_int_equal(load(&cfg, "ssh:\n  host: jump\nverify:\n  pod_url: http://{ip}:8080\n  via_bastion: true\n",
	                      err, sizeof err), 0);
	assert_false(config_bastion_unused(&cfg, false, err, sizeof err));

	/* an endpoint marked via_bastion without a bastion is refused, by key */
	assert_int_equal(load(&cfg, "argocd:\n  url: https://argocd\n  via_bastion: true\n", err, sizeof err), 0);
	assert_int_equal(config_check_bastion(&cfg, err, sizeof err), -1);
	assert_non_null(strstr(err, "argocd.via_bastion: no bastion is configured"));
	assert_int_equal(load(&cfg, "kubernetes:\n  via_bastion: true\n", err, sizeof err), 0);
	assert_int_equal(config_check_bastion(&cfg, err, sizeof err), -1);
	assert_non_null(strstr(err, "kubernetes.via_bastion"));
	assert_int_equal(load(&cfg, "verify:\n  pod_url: http://{ip}:8080\n  via_bastion: true\n", err, sizeof err), 0);
	assert_true(cfg.verify.via_bastion);
	assert_int_equal(config_check_bastion(&cfg, err, sizeof err), -1);
	assert_non_null(strstr(err, "verify.via_bastion: no bastion is configured"));
}

static time_t utc(int y, int mon, int d)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d, .tm_hour = 12};
	return timegm(&tm);
}

static void test_freeze(void **state)
{
	static struct config cfg;
	int from, to;
	char which[32] = "";
	assert_int_equal(config_freeze_parse("12-31..01-02", &from, &to), 0);
	assert_int_equal(from, 1231);
	assert_int_equal(to, 102);
	assert_int_equal(config_freeze_parse("02-29", &from, &to), 0);
	assert_int_equal(to, 229);
	assert_int_equal(config_freeze_parse("02-30", &from, &to), -1);
	assert_int_equal(config_freeze_parse("13-01..12-01", &from, &to), -1);
	assert_int_equal(config_freeze_parse("12-24...12-26", &from, &to), -1);
	assert_int_equal(config_freeze_parse("Dec 24", &from, &to), -1);

	config_defaults(&cfg);
	assert_true(config_in_freeze(&cfg, utc(2026, 12, 25), which, sizeof which));
	assert_string_equal(which, "12-24..12-26");
	assert_true(config_in_freeze(&cfg, utc(2026, 12, 24), NULL, 0));
	assert_false(config_in_freeze(&cfg, utc(2026, 12, 27), NULL, 0));
	assert_true(config_in_freeze(&cfg, utc(2026, 12, 31), which, sizeof which));
	assert_string_equal(which, "12-31..01-02");
	assert_true(config_in_freeze(&cfg, utc(2027, 1, 2), NULL, 0));
	assert_false(config_in_freeze(&cfg, utc(2027, 1, 3), NULL, 0));
	assert_false(config_in_freeze(&cfg, utc(2026, 11, 21), NULL, 0));

	refused("freeze:\n  - \"12-24..12-26\"\n  - \"12-32..01-02\"\n",
	        "3: freeze[1]: expected \"MM-DD..MM-DD\" (UTC), got \"12-32..01-02\"");
	refused("freeze: \"12-24..12-26\"\n",
	        "1: freeze: expected a list of \"MM-DD..MM-DD\" ranges, got a value");
}

static void test_read_secret(void **state)
{
	struct config_endpoint ep = {0};
	char buf[64], msg[512], tok[sizeof ep.token_file];
	assert_true(strlen(dir) + 7 < sizeof tok);
	strcpy(tok, dir);
	strcat(tok, "/token");
	strcpy(ep.token_file, tok);

	/* no secret named: empty, fine */
	struct config_endpoint none = {0};
	assert_int_equal(config_read_secret_msg(&none, buf, sizeof buf, NULL, 0), 0);
	assert_string_equal(buf, "");

	write_file(tok, "s3cr3t-token\n");
	assert_int_equal(chmod(tok, 0600), 0);
	assert_int_equal(config_read_secret_msg(&ep, buf, sizeof buf, msg, sizeof msg), 0);
	assert_string_equal(buf, "s3cr3t-token");
	assert_string_equal(msg, "");

	/* readable by others: a warning, still read */
	assert_int_equal(chmod(tok, 0644), 0);
	assert_int_equal(config_read_secret_msg(&ep, buf, sizeof buf, msg, sizeof msg), 0);
	assert_string_equal(buf, "s3cr3t-token");
	assert_non_null(strstr(msg, "readable by other users"));
	assert_null(strstr(msg, "s3cr3t"));

	write_file(tok, "line1\nline2\n");
	assert_int_equal(config_read_secret_msg(&ep, buf, sizeof buf, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "more than one line"));
	write_file(tok, "\n");
	assert_int_equal(config_read_secret_msg(&ep, buf, sizeof buf, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "empty"));
	char big[200];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	write_file(tok, big);
	assert_int_equal(config_read_secret_msg(&ep, buf, sizeof buf, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "too long"));
	assert_string_equal(buf, "");   /* never a cut token */
	unlink(tok);
	assert_int_equal(config_read_secret_msg(&ep, buf, sizeof buf, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, tok));

	struct config_endpoint env = {0};
	snprintf(env.token_env, sizeof env.token_env, "WARROOM_TEST_TOKEN");
	unsetenv("WARROOM_TEST_TOKEN");
	assert_int_equal(config_read_secret_msg(&env, buf, sizeof buf, msg, sizeof msg), -1);
	assert_string_equal(msg, "environment variable WARROOM_TEST_TOKEN is not set");
	setenv("WARROOM_TEST_TOKEN", "envtok\n", 1);
	assert_int_equal(config_read_secret_msg(&env, buf, sizeof buf, NULL, 0), 0);
	assert_string_equal(buf, "envtok");
	unsetenv("WARROOM_TEST_TOKEN");
}

/* Unset: the seeds' holidays. "freeze: []" or an empty value: no freeze.
 * A list replaces the holidays. */
static void test_freeze_set_unset_empty(void **state)
{
	static struct config cfg;
	char err[1024] = "", which[32] = "";
	time_t xmas = utc(2026, 12, 25), july4 = utc(2026, 7, 4);

	assert_int_equal(load(&cfg, "operator: alice\n", err, sizeof err), 0);
	assert_true(config_in_freeze(&cfg, xmas, which, sizeof which));
	assert_string_equal(which, "12-24..12-26");
	assert_false(config_in_freeze(&cfg, july4, NULL, 0));
	assert_int_equal(load(&cfg, "freeze: []\n", err, sizeof err), 0);
	assert_false(config_in_freeze(&cfg, xmas, NULL, 0));
	assert_int_equal(load(&cfg, "freeze:\n", err, sizeof err), 0);
	assert_false(config_in_freeze(&cfg, xmas, NULL, 0));
	assert_int_equal(load(&cfg, "freeze: [\"07-04\"]\n", err, sizeof err), 0);
	assert_false(config_in_freeze(&cfg, xmas, NULL, 0));
	assert_true(config_in_freeze(&cfg, july4, which, sizeof which));
	assert_string_equal(which, "07-04..07-04");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_example_loads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults_and_xdg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paths_expand, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inline_secrets_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_yaml_syntax_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_freeze, setup, teardown),
		cmocka_unit_test_setup_teardown(test_freeze_set_unset_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bastion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_secret, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
