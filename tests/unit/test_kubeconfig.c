/* kubeconfig: every way a kubeconfig says where the cluster is and who we
 * are, merged as kubectl merges $KUBECONFIG, and the exec plugin contract. */
#include "testutil.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cJSON.h>

#include "warroom/kubeconfig.h"
#include "warroom/loop.h"

static char dir[256];

static int setup(void **state)
{
	(void)state;
	testutil_tmpdir(dir, sizeof dir);
	unsetenv("KUBECONFIG");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	testutil_rmtree(dir);
	return 0;
}

static void write_file(const char *name, const char *text, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* "-----BEGIN..." in base64, as kubectl writes *-data fields. */
#define CA_PEM "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
#define CA_B64 "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJmYWtlCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K"

static void test_token_and_relative_ca(void **state)
{
	(void)state;
	char path[512], err[512];
	write_file("config",
	           "apiVersion: v1\nkind: Config\ncurrent-context: lab\n"
	           "clusters:\n- name: lab\n  cluster:\n    server: https://127.0.0.1:6443/\n"
	           "    certificate-authority: pki/ca.crt\n"
	           "contexts:\n- name: lab\n  context: {cluster: lab, user: admin, namespace: detection-system}\n"
	           "users:\n- name: admin\n  user:\n    token: s3cr3t-token\n", path, sizeof path);
	struct kubeconfig kc;
	assert_int_equal(kubeconfig_load(&kc, path, NULL, err, sizeof err), 0);
	assert_string_equal(kc.server, "https://127.0.0.1:6443");   /* trailing slash dropped */
	assert_string_equal(kc.context, "lab");
	assert_string_equal(kc.namespace_, "detection-system");
	assert_non_null(kc.token);
	assert_string_equal(kc.token, "s3cr3t-token");
	char want[600];
	snprintf(want, sizeof want, "%s/pki/ca.crt", dir);   /* relative to the kubeconfig */
	assert_string_equal(kc.ca_file, want);
	assert_false(kc.insecure);
	assert_false(kc.exec.set);
	kubeconfig_free(&kc);
}

static void test_token_file_is_resolved_and_trimmed(void **state)
{
	(void)state;
	char path[512], tok[512], err[512];
	write_file("token", "abc.def.ghi\n\n", tok, sizeof tok);
	write_file("config",
	           "current-context: c\nclusters:\n- name: k\n  cluster: {server: \"https://k:443\", insecure-skip-tls-verify: true}\n"
	           "contexts:\n- name: c\n  context: {cluster: k, user: u}\n"
	           "users:\n- name: u\n  user: {tokenFile: token}\n", path, sizeof path);
	struct kubeconfig kc;
	assert_int_equal(kubeconfig_load(&kc, path, NULL, err, sizeof err), 0);
	assert_string_equal(kc.token_file, tok);
	assert_null(kc.token);
	assert_true(kc.insecure);
	char *t = kubeconfig_read_token_file(kc.token_file, err, sizeof err);
	assert_non_null(t);
	assert_string_equal(t, "abc.def.ghi");
	free(t);
	kubeconfig_free(&kc);
}

static void test_client_cert_files_and_data(void **state)
{
	(void)state;
	char path[512], err[512];
	write_file("config",
	           "current-context: files\n"
	           "clusters:\n- name: k\n  cluster:\n    server: https://k:6443\n    certificate-authority-data: " CA_B64 "\n"
	           "contexts:\n- name: files\n  context: {cluster: k, user: files}\n"
	           "- name: data\n  context: {cluster: k, user: data}\n"
	           "- name: half\n  context: {cluster: k, user: half}\n"
	           "users:\n- name: files\n  user:\n    client-certificate: /etc/k/client.crt\n    client-key: client.key\n"
	           "- name: data\n  user:\n    client-certificate-data: " CA_B64 "\n    client-key-data: " CA_B64 "\n"
	           "- name: half\n  user:\n    client-certificate: /etc/k/client.crt\n", path, sizeof path);
	struct kubeconfig kc;
	assert_int_equal(kubeconfig_load(&kc, path, NULL, err, sizeof err), 0);
	assert_string_equal(kc.cert_file, "/etc/k/client.crt");
	char want[600];
	snprintf(want, sizeof want, "%s/client.key", dir);
	assert_string_equal(kc.key_file, want);
	/* certificate-authority-data decoded to PEM, no file */
	assert_non_null(kc.ca_pem);
	assert_int_equal(kc.ca_pem_len, strlen(CA_PEM));
	assert_memory_equal(kc.ca_pem, CA_PEM, kc.ca_pem_len);
	assert_string_equal(kc.ca_file, "");
	kubeconfig_free(&kc);

	assert_int_equal(kubeconfig_load(&kc, path, "data", err, sizeof err), 0);
	assert_non_null(kc.cert_pem);
	assert_non_null(kc.key_pem);
	assert_memory_equal(kc.key_pem, CA_PEM, strlen(CA_PEM));
	assert_string_equal(kc.cert_file, "");
	kubeconfig_free(&kc);

	/* A certificate without its key is a mistake worth saying. */
	assert_int_equal(kubeconfig_load(&kc, path, "half", err, sizeof err), -1);
	assert_non_null(strstr(err, "certificate and key must be given together"));
}

static void test_kubeconfig_list_first_wins(void **state)
{
	(void)state;
	char a[512], b[512], err[512], list[1100];
	write_file("a.yaml",
	           "current-context: from-a\n"
	           "clusters:\n- name: shared\n  cluster: {server: \"https://a:1\"}\n"
	           "contexts:\n- name: from-a\n  context: {cluster: shared, user: shared}\n"
	           "users:\n- name: shared\n  user: {token: token-a}\n", a, sizeof a);
	write_file("b.yaml",
	           "current-context: from-b\n"
	           "clusters:\n- name: shared\n  cluster: {server: \"https://b:2\"}\n- name: only-b\n  cluster: {server: \"https://b:3\"}\n"
	           "contexts:\n- name: from-b\n  context: {cluster: only-b, user: shared, namespace: nb}\n"
	           "users:\n- name: shared\n  user: {token: token-b}\n", b, sizeof b);
	snprintf(list, sizeof list, "%s:%s/missing.yaml:%s", a, dir, b);
	setenv("KUBECONFIG", list, 1);
	struct kubeconfig kc;
	/* NULL paths: $KUBECONFIG; the missing middle file is skipped as kubectl does. */
	assert_int_equal(kubeconfig_load(&kc, NULL, NULL, err, sizeof err), 0);
	assert_string_equal(kc.context, "from-a");      /* first current-context wins */
	assert_string_equal(kc.server, "https://a:1");  /* first "shared" cluster wins */
	assert_string_equal(kc.token, "token-a");
	kubeconfig_free(&kc);

	/* A context only the second file has, with a user both define: a's user. */
	assert_int_equal(kubeconfig_load(&kc, NULL, "from-b", err, sizeof err), 0);
	assert_string_equal(kc.server, "https://b:3");
	assert_string_equal(kc.token, "token-a");
	assert_string_equal(kc.namespace_, "nb");
	kubeconfig_free(&kc);
	unsetenv("KUBECONFIG");
}

static void test_missing_context_and_file_are_clear_errors(void **state)
{
	(void)state;
	char path[512], err[512];
	write_file("config", "current-context: lab\nclusters: []\ncontexts:\n- name: lab\n  context: {cluster: gone, user: u}\n",
	           path, sizeof path);
	struct kubeconfig kc;
	assert_int_equal(kubeconfig_load(&kc, path, "prod", err, sizeof err), -1);
	assert_non_null(strstr(err, "context \"prod\" not found in"));
	assert_non_null(strstr(err, path));
	assert_int_equal(kubeconfig_load(&kc, path, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "cluster \"gone\" not found"));

	char nope[512];
	snprintf(nope, sizeof nope, "%s/nope.yaml", dir);
	assert_int_equal(kubeconfig_load(&kc, nope, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "nope.yaml"));

	write_file("empty", "clusters: []\n", path, sizeof path);
	assert_int_equal(kubeconfig_load(&kc, path, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "no context chosen"));

	write_file("bad", "clusters: [\n  - {\n", path, sizeof path);
	assert_int_equal(kubeconfig_load(&kc, path, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "line"));
}

/* A kubeconfig with one cluster field (or the context's namespace, or the
 * user's tokenFile) set to the given value. */
static int load_with(const char *cluster_line, const char *ns, const char *token_file, char *err, size_t errlen)
{
	char path[512], *yaml = malloc(16384);
	struct kubeconfig kc;
	int rc;

	assert_non_null(yaml);
	snprintf(yaml, 16384,
	         "current-context: lab\nclusters:\n- name: lab\n  cluster:\n    %s\n"
	         "contexts:\n- name: lab\n  context: {cluster: lab, user: admin, namespace: %s}\n"
	         "users:\n- name: admin\n  user:\n    tokenFile: %s\n", cluster_line, ns, token_file);
	write_file("config", yaml, path, sizeof path);
	free(yaml);
	rc = kubeconfig_load(&kc, path, NULL, err, errlen);
	if (rc == 0)
		kubeconfig_free(&kc);
	return rc;
}

static void test_fields_too_long_are_refused_not_cut(void **state)
{
	(void)state;
	char err[512], line[2400], longs[2100];
	struct kubeconfig kc;

	/* the longest server that fits is taken whole */
	memset(longs, 'a', sizeof longs);
	snprintf(line, sizeof line, "server: https://%.*s", 511 - 8, longs);
	assert_int_equal(load_with(line, "ns", "/tok", err, sizeof err), 0);
	/* one byte more: refused, naming the field, not cut to another host */
	snprintf(line, sizeof line, "server: https://%.*s", 512 - 8, longs);
	assert_int_equal(load_with(line, "ns", "/tok", err, sizeof err), -1);
	assert_non_null(strstr(err, "cluster \"lab\": server is longer than 511 bytes"));

	snprintf(line, sizeof line, "server: https://h:6443\n    tls-server-name: %.*s", 256, longs);
	assert_int_equal(load_with(line, "ns", "/tok", err, sizeof err), -1);
	assert_non_null(strstr(err, "cluster \"lab\": tls-server-name is longer than 255 bytes"));
	snprintf(line, sizeof line, "server: https://h:6443\n    tls-server-name: %.*s", 255, longs);
	assert_int_equal(load_with(line, "ns", "/tok", err, sizeof err), 0);

	snprintf(line, sizeof line, "server: https://h:6443\n    certificate-authority: /%.*s", 1100, longs);
	assert_int_equal(load_with(line, "ns", "/tok", err, sizeof err), -1);
	assert_non_null(strstr(err, "certificate-authority is longer than"));

	/* a relative path that only overflows once joined to the file's folder */
	char tok[1100];
	snprintf(tok, sizeof tok, "%.*s", 1020, longs);
	assert_int_equal(load_with("server: https://h:6443", "ns", tok, err, sizeof err), -1);
	assert_non_null(strstr(err, "user \"admin\": tokenFile is longer than 1023 bytes once resolved"));

	snprintf(tok, sizeof tok, "%.*s", 200, longs);
	assert_int_equal(load_with("server: https://h:6443", tok, "/tok", err, sizeof err), -1);
	assert_non_null(strstr(err, "context \"lab\": namespace is longer than 127 bytes"));

	/* a chosen context name too long to hold is not looked up cut */
	char path[512];
	write_file("config", "current-context: lab\nclusters: []\n", path, sizeof path);
	assert_int_equal(kubeconfig_load(&kc, path, tok, err, sizeof err), -1);
	assert_non_null(strstr(err, "the chosen context: name is longer than 127 bytes"));
}

static void test_exec_plugin_from_fixture(void **state)
{
	(void)state;
	char fx[512], err[512];
	if (!testutil_fixture(fx, sizeof fx, "api/kubeconfig-exec-plugin.yaml"))
		skip();
	struct kubeconfig kc;
	assert_int_equal(kubeconfig_load(&kc, fx, NULL, err, sizeof err), 0);
	assert_string_equal(kc.server, "https://172.17.4.100:6443");
	assert_string_equal(kc.ca_file, "/etc/kubernetes/ca.pem");
	assert_true(kc.exec.set);
	assert_string_equal(kc.exec.api_version, "client.authentication.k8s.io/v1");
	assert_string_equal(kc.exec.command, "example-client-go-exec-plugin");
	assert_string_equal(kc.exec.argv[0], "example-client-go-exec-plugin");
	assert_string_equal(kc.exec.argv[1], "arg1");
	assert_string_equal(kc.exec.argv[2], "arg2");
	assert_null(kc.exec.argv[3]);
	assert_string_equal(kc.exec.env[0], "FOO=bar");
	assert_null(kc.exec.env[1]);
	assert_string_equal(kc.exec.interactive_mode, "Never");
	assert_true(kc.exec.provide_cluster_info);
	assert_string_equal(kc.exec.install_hint, "example-client-go-exec-plugin is required to authenticate");
	assert_non_null(kc.exec.cluster_config_json);
	assert_non_null(strstr(kc.exec.cluster_config_json, "\"arbitrary\":\"config\""));
	kubeconfig_free(&kc);
}

static void test_exec_credential_contract(void **state)
{
	(void)state;
	struct kubeconfig_cred c;
	char err[256];
	const char *v1 = "client.authentication.k8s.io/v1";
	const char *ok = "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
	                 "\"status\":{\"token\":\"tok-1\",\"expirationTimestamp\":\"2030-01-02T03:04:05Z\"}}";
	assert_int_equal(kubeconfig_parse_exec_credential(ok, strlen(ok), v1, &c, err, sizeof err), 0);
	assert_string_equal(c.token, "tok-1");
	assert_int_equal(c.expires_wall_ms, (int64_t)1893553445 * 1000);
	kubeconfig_cred_free(&c);

	const char *offset = "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
	                     "\"status\":{\"token\":\"t\",\"expirationTimestamp\":\"2030-01-02T05:04:05.250+02:00\"}}";
	assert_int_equal(kubeconfig_parse_exec_credential(offset, strlen(offset), v1, &c, err, sizeof err), 0);
	assert_int_equal(c.expires_wall_ms, (int64_t)1893553445 * 1000 + 250);
	kubeconfig_cred_free(&c);

	/* The version the plugin prints must be the one asked for. */
	const char *beta = "{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\","
	                   "\"status\":{\"token\":\"t\"}}";
	assert_int_equal(kubeconfig_parse_exec_credential(beta, strlen(beta), v1, &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "v1beta1"));
	assert_null(strstr(err, "\"t\""));

	const char *nostatus = "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\"}";
	assert_int_equal(kubeconfig_parse_exec_credential(nostatus, strlen(nostatus), v1, &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "status"));

	const char *halfcert = "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
	                       "\"status\":{\"clientCertificateData\":\"PEM\"}}";
	assert_int_equal(kubeconfig_parse_exec_credential(halfcert, strlen(halfcert), v1, &c, err, sizeof err), -1);

	const char *cert = "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
	                   "\"status\":{\"clientCertificateData\":\"CERT\",\"clientKeyData\":\"KEY\"}}";
	assert_int_equal(kubeconfig_parse_exec_credential(cert, strlen(cert), v1, &c, err, sizeof err), 0);
	assert_string_equal(c.cert_pem, "CERT");
	assert_string_equal(c.key_pem, "KEY");
	assert_null(c.token);
	assert_int_equal(c.expires_wall_ms, 0);
	kubeconfig_cred_free(&c);

	assert_int_equal(kubeconfig_parse_exec_credential("nope", 4, v1, &c, err, sizeof err), -1);
}

struct exec_result {
	bool done, ok;
	char token[64];
	char err[512];
};

static void exec_cb(bool ok, struct kubeconfig_cred *cred, const char *err, void *arg)
{
	struct exec_result *r = arg;
	r->done = true;
	r->ok = ok;
	if (ok && cred->token)
		snprintf(r->token, sizeof r->token, "%s", cred->token);
	snprintf(r->err, sizeof r->err, "%s", err);
}

static void run_plugin(const char *script, const char *extra_yaml, long timeout_ms, struct exec_result *r)
{
	char plugin[512], path[512], err[512], yaml[2048];
	write_file("plugin.sh", script, plugin, sizeof plugin);
	chmod(plugin, 0700);
	snprintf(yaml, sizeof yaml,
	         "current-context: c\nclusters:\n- name: k\n  cluster: {server: \"https://k:6443\"}\n"
	         "contexts:\n- name: c\n  context: {cluster: k, user: u}\n"
	         "users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
	         "      command: ./plugin.sh\n      args: [\"%s/out\"]\n      env:\n      - {name: LAB_TOKEN, value: from-env}\n"
	         "      interactiveMode: Never\n%s", dir, extra_yaml);
	write_file("config", yaml, path, sizeof path);
	struct kubeconfig kc;
	assert_int_equal(kubeconfig_load(&kc, path, NULL, err, sizeof err), 0);
	struct loop *loop = loop_new();
	memset(r, 0, sizeof *r);
	struct kubeconfig_exec_run *run = kubeconfig_exec_start(loop, &kc, timeout_ms, exec_cb, r, err, sizeof err);
	assert_non_null(run);
	assert_int_equal(loop_run_until(loop, &r->done, 5000), 0);
	/* let the loop reap the child so nothing is left behind */
	volatile bool never = false;
	loop_run_until(loop, &never, 50);
	loop_free(loop);
	kubeconfig_free(&kc);
}

static void test_exec_plugin_runs_on_the_loop(void **state)
{
	(void)state;
	struct exec_result r;
	/* The plugin sees its env, its args and KUBERNETES_EXEC_INFO. */
	run_plugin("#!/bin/sh\nprintf '%s' \"$KUBERNETES_EXEC_INFO\" > \"$1\"\n"
	           "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
	           "\"status\":{\"token\":\"'$LAB_TOKEN'\"}}'\n", "", 5000, &r);
	assert_true(r.ok);
	assert_string_equal(r.token, "from-env");
	char out[512];
	snprintf(out, sizeof out, "%s/out", dir);
	FILE *f = fopen(out, "r");
	assert_non_null(f);
	char info[1024] = "";
	assert_non_null(fgets(info, sizeof info, f));
	fclose(f);
	cJSON *j = cJSON_Parse(info);
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "kind")->valuestring, "ExecCredential");
	assert_string_equal(cJSON_GetObjectItem(j, "apiVersion")->valuestring, "client.authentication.k8s.io/v1");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "spec"), "interactive")));
	cJSON_Delete(j);
}

static void test_exec_plugin_failures_in_words(void **state)
{
	(void)state;
	struct exec_result r;
	run_plugin("#!/bin/sh\necho 'error: you must log in first' >&2\nexit 3\n", "", 5000, &r);
	assert_false(r.ok);
	assert_non_null(strstr(r.err, "exit code 3"));
	assert_non_null(strstr(r.err, "you must log in first"));

	/* Executable but not a program: exec's own words, as kubectl gives them. */
	run_plugin("\x7f" "ELF not really a program\n", "", 5000, &r);
	assert_false(r.ok);
	assert_non_null(strstr(r.err, "exec plugin: cannot run "));
	assert_non_null(strstr(r.err, "plugin.sh: Exec format error"));

	/* A plugin that hangs is killed at the deadline. */
	int64_t t0 = loop_now_ms();
	run_plugin("#!/bin/sh\nexec sleep 30\n", "", 300, &r);
	assert_false(r.ok);
	assert_non_null(strstr(r.err, "did not finish"));
	assert_true(loop_now_ms() - t0 < 3000);

	/* Missing command: the install hint tells what to do. */
	char path[512], err[512];
	write_file("config",
	           "current-context: c\nclusters:\n- name: k\n  cluster: {server: \"https://k:6443\"}\n"
	           "contexts:\n- name: c\n  context: {cluster: k, user: u}\n"
	           "users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
	           "      command: warroom-no-such-plugin\n      installHint: \"install it with apt\"\n",
	           path, sizeof path);
	struct kubeconfig kc;
	assert_int_equal(kubeconfig_load(&kc, path, NULL, err, sizeof err), 0);
	struct loop *loop = loop_new();
	assert_null(kubeconfig_exec_start(loop, &kc, 1000, exec_cb, &r, err, sizeof err));
	assert_non_null(strstr(err, "warroom-no-such-plugin not found"));
	assert_non_null(strstr(err, "install it with apt"));
	loop_free(loop);
	kubeconfig_free(&kc);
}

/* Gone, not a zombie: orphans come to us (subreaper), so reap them here. */
static bool pid_gone_within(pid_t pid, int ms)
{
	for (int waited = 0; waited <= ms; waited += 10) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return true;
		waitpid(pid, NULL, WNOHANG);
		usleep(10000);
	}
	return false;
}

static void test_hanging_plugin_ends_with_its_whole_group(void **state)
{
	(void)state;
	struct exec_result r;
	/* A plugin that forks a helper and hangs: the timeout ends both. */
	int64_t t0 = loop_now_ms();
	run_plugin("#!/bin/sh\nsleep 30 & echo $! > \"$1.pid\"\nexec sleep 30\n", "", 300, &r);
	int64_t took = loop_now_ms() - t0;
	assert_false(r.ok);
	assert_non_null(strstr(r.err, "plugin.sh did not finish within 300 ms; killed"));
	assert_true(took < 2000);
	char path[512];
	snprintf(path, sizeof path, "%s/out.pid", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	int pid = 0;
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	assert_true(pid > 0);
	assert_true(pid_gone_within(pid, 1000));
}

static void test_in_cluster(void **state)
{
	(void)state;
	char p[512], err[512];
	write_file("token", "sa-token\n", p, sizeof p);
	write_file("namespace", "detection-system", p, sizeof p);
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	struct kubeconfig kc;
	assert_int_equal(kubeconfig_in_cluster(&kc, dir, err, sizeof err), 0);
	assert_string_equal(kc.server, "https://10.96.0.1:443");
	assert_true(kc.in_cluster);
	assert_string_equal(kc.namespace_, "detection-system");
	char want[600];
	snprintf(want, sizeof want, "%s/token", dir);
	assert_string_equal(kc.token_file, want);   /* re-read on every request */
	snprintf(want, sizeof want, "%s/ca.crt", dir);
	assert_string_equal(kc.ca_file, want);
	kubeconfig_free(&kc);
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	assert_int_equal(kubeconfig_in_cluster(&kc, dir, err, sizeof err), 0);
	assert_string_equal(kc.server, "https://[fd00::1]:443");
	kubeconfig_free(&kc);
	unsetenv("KUBERNETES_SERVICE_HOST");
	assert_int_equal(kubeconfig_in_cluster(&kc, dir, err, sizeof err), -1);
	assert_non_null(strstr(err, "KUBERNETES_SERVICE_HOST"));
	unsetenv("KUBERNETES_SERVICE_PORT");
}

static void test_yaml_to_json_types(void **state)
{
	(void)state;
	const char *y = "a: true\nb: \"true\"\nc: 12\nd: '12'\ne: ~\nf: 0755\ng: [x, 2]\nh: &anchor {k: v}\ni: *anchor\n";
	char err[128];
	cJSON *j = kubeconfig_yaml_to_json(y, strlen(y), err, sizeof err);
	assert_non_null(j);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "a")));
	assert_true(cJSON_IsString(cJSON_GetObjectItem(j, "b")));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(j, "c")));
	assert_true(cJSON_IsString(cJSON_GetObjectItem(j, "d")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "e")));
	assert_string_equal(cJSON_GetObjectItem(j, "f")->valuestring, "0755");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "g")), 2);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "i"), "k")->valuestring, "v");
	cJSON_Delete(j);
}

int main(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);   /* a plugin's orphans are ours to see reaped */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_token_and_relative_ca, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_file_is_resolved_and_trimmed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_cert_files_and_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kubeconfig_list_first_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_context_and_file_are_clear_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fields_too_long_are_refused_not_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_plugin_from_fixture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_credential_contract, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_plugin_runs_on_the_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_plugin_failures_in_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hanging_plugin_ends_with_its_whole_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_cluster, setup, teardown),
		cmocka_unit_test_setup_teardown(test_yaml_to_json_types, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
