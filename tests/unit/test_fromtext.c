/* The from-memory entry points the fuzzers use read text as the file loaders
 * read files: same settings, same refusals, nothing half-applied. */
#include "testutil.h"

#include "warroom/config.h"
#include "warroom/kubeconfig.h"

static void config_text_sets_and_refuses(void **state)
{
	struct config cfg;
	char err[512];
	config_defaults(&cfg);
	static const char good[] = "operator: alice\nenvironment: prod\nreadonly: true\n";
	assert_int_equal(config_load_text(&cfg, "mem.yaml", good, sizeof good - 1, err, sizeof err), 0);
	assert_string_equal(cfg.operator_name, "alice");
	assert_true(cfg.readonly);

	/* A typo in one key refuses the whole text and names it; cfg stays. */
	static const char bad[] = "operator: bob\nreadonyl: false\n";
	assert_int_equal(config_load_text(&cfg, "mem.yaml", bad, sizeof bad - 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "mem.yaml:2"));
	assert_non_null(strstr(err, "readonyl"));
	assert_string_equal(cfg.operator_name, "alice");
	assert_true(cfg.readonly);
}

static void kubeconfig_text_resolves_context(void **state)
{
	static const char kc_text[] =
		"apiVersion: v1\nkind: Config\n"
		"clusters:\n- name: c\n  cluster: {server: \"https://k.example:6443/\", "
		"certificate-authority-data: aGVsbG8=}\n"
		"contexts:\n- name: a\n  context: {cluster: c, user: u, namespace: ns}\n"
		"- name: b\n  context: {cluster: c, user: missing}\n"
		"current-context: a\n"
		"users:\n- name: u\n  user: {token: s3cr3t-token}\n";
	struct kubeconfig kc;
	char err[512];
	assert_int_equal(kubeconfig_load_text(&kc, "mem.kubeconfig", "", kc_text, sizeof kc_text - 1, NULL,
	                                      err, sizeof err), 0);
	assert_string_equal(kc.context, "a");
	assert_string_equal(kc.namespace_, "ns");
	assert_string_equal(kc.token, "s3cr3t-token");
	assert_int_equal(kc.ca_pem_len, 5);
	assert_memory_equal(kc.ca_pem, "hello", 5);
	kubeconfig_free(&kc);

	assert_int_equal(kubeconfig_load_text(&kc, "mem.kubeconfig", "", kc_text, sizeof kc_text - 1, "b",
	                                      err, sizeof err), -1);
	assert_non_null(strstr(err, "user \"missing\" not found in mem.kubeconfig"));
	assert_null(strstr(err, "s3cr3t"));
	kubeconfig_free(&kc);

	assert_int_equal(kubeconfig_load_text(&kc, "mem.kubeconfig", "", "- a\n- b\n", 8, NULL, err, sizeof err),
	                 -1);
	assert_non_null(strstr(err, "mem.kubeconfig: not a kubeconfig"));
	kubeconfig_free(&kc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_text_sets_and_refuses),
		cmocka_unit_test(kubeconfig_text_resolves_context),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
