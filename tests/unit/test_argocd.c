/* argocd: an Application as the server returns it, the auto-sync rule, the
 * rollback target, the request bodies and the server's refusals in words. */
#include "testutil.h"

#include <stdbool.h>

#include <cJSON.h>

#include "warroom/argocd.h"
#include "warroom/kubeconfig.h"

static void test_real_application_fixture(void **state)
{
	(void)state;
	char fx[512], err[256];
	if (!testutil_fixture(fx, sizeof fx, "api/argocd-application-with-history.yaml"))
		skip();
	FILE *f = fopen(fx, "rb");
	assert_non_null(f);
	char *yaml = malloc(65536);
	size_t n = fread(yaml, 1, 65535, f);
	fclose(f);
	/* The fixture is YAML; the API speaks JSON of the same shape. */
	cJSON *tree = kubeconfig_yaml_to_json(yaml, n, err, sizeof err);
	free(yaml);
	assert_non_null(tree);
	char *json = cJSON_PrintUnformatted(tree);
	cJSON_Delete(tree);

	struct argocd_app app;
	assert_int_equal(argocd_parse_app(json, strlen(json), &app, err, sizeof err), 0);
	free(json);
	assert_string_equal(app.name, "velero-test");
	assert_string_equal(app.health, "Healthy");
	assert_string_equal(app.operation_phase, "Succeeded");
	assert_string_equal(app.operation_revision, "ea8759964626a583667a2bfd08f334ec2070040a");
	assert_false(app.automated);          /* syncPolicy has retry and options, no automated */
	assert_null(app.automated_json);
	assert_int_equal(app.nhistory, 10);
	assert_int_equal(app.history[0].id, 14);
	assert_int_equal(app.history[9].id, 23);
	assert_string_equal(app.history[0].revision, "ea8759964626a583667a2bfd08f334ec2070040a");
	assert_string_equal(app.history[0].deployed_at, "2024-03-04T22:00:06Z");
	const struct argocd_history *prev = argocd_previous(&app);
	assert_non_null(prev);
	assert_int_equal(prev->id, 22);       /* history[len-2], as the CLI picks */
	argocd_app_free(&app);
}

static void parse(const char *json, struct argocd_app *app)
{
	char err[256];
	assert_int_equal(argocd_parse_app(json, strlen(json), app, err, sizeof err), 0);
}

static void test_autosync_rule(void **state)
{
	(void)state;
	struct argocd_app app;
	parse("{\"metadata\":{\"name\":\"detection-api\"},\"spec\":{\"syncPolicy\":{\"automated\":{\"prune\":true,"
	      "\"selfHeal\":true}}},\"status\":{\"sync\":{\"status\":\"Synced\"},\"health\":{\"status\":\"Degraded\"},"
	      "\"history\":[{\"id\":1,\"revision\":\"aaa\"},{\"id\":2,\"revision\":\"bbb\"},{\"id\":3,\"revision\":\"ccc\"}]}}", &app);
	assert_true(app.automated);
	assert_true(app.self_heal);
	assert_true(app.prune);
	assert_string_equal(app.sync_status, "Synced");
	assert_string_equal(app.health, "Degraded");
	/* The settings are kept as sent, to restore them later. */
	cJSON *a = cJSON_Parse(app.automated_json);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(a, "selfHeal")));
	cJSON_Delete(a);
	assert_int_equal(argocd_previous(&app)->id, 2);
	assert_string_equal(argocd_previous(&app)->revision, "bbb");
	argocd_app_free(&app);

	/* Argo CD 3.1: automated present with enabled false is off. */
	parse("{\"spec\":{\"syncPolicy\":{\"automated\":{\"enabled\":false,\"selfHeal\":true}}},\"status\":{}}", &app);
	assert_false(app.automated);
	argocd_app_free(&app);
	/* enabled true, and an empty automated object: on. */
	parse("{\"spec\":{\"syncPolicy\":{\"automated\":{}}},\"status\":{\"history\":[{\"id\":\"7\"}]}}", &app);
	assert_true(app.automated);
	assert_int_equal(app.history[0].id, 7);
	assert_null(argocd_previous(&app));   /* one entry: nothing to go back to */
	argocd_app_free(&app);
	parse("{\"spec\":{\"syncPolicy\":{\"automated\":null}},\"status\":{}}", &app);
	assert_false(app.automated);
	argocd_app_free(&app);

	char err[128];
	assert_int_equal(argocd_parse_app("[1]", 3, &app, err, sizeof err), -1);
}

/* The follow-up's question: does Git's tracked branch still resolve to the
 * revision the rollback undid? Synced or not does not answer it: right after
 * an Argo CD rollback the app is OutOfSync while Git still holds the bad
 * commit, and a fix commit is OutOfSync too until it syncs. */
static void test_git_still_at_the_bad_revision(void **state)
{
	(void)state;
	struct argocd_app app;
	const char *bad = "b4dc0ffee1234567890abcdef1234567890abcd";

	/* as the rollback saw it: the newest history entry is the bad deploy */
	parse("{\"status\":{\"sync\":{\"status\":\"Synced\",\"revision\":\"b4dc0ffee1234567890abcdef1234567890abcd\"},"
	      "\"history\":[{\"id\":4,\"revision\":\"900d900d1234567890abcdef1234567890abcd\"},"
	      "{\"id\":5,\"revision\":\"b4dc0ffee1234567890abcdef1234567890abcd\"}]}}", &app);
	assert_string_equal(argocd_current_revision(&app), bad);
	argocd_app_free(&app);

	/* rolled back: OutOfSync, but Git still resolves to the bad commit */
	parse("{\"status\":{\"sync\":{\"status\":\"OutOfSync\",\"revision\":\"b4dc0ffee1234567890abcdef1234567890abcd\"},"
	      "\"history\":[{\"id\":6,\"revision\":\"900d900d1234567890abcdef1234567890abcd\"}]}}", &app);
	assert_int_equal(argocd_git_state(&app, bad), ARGOCD_GIT_BAD);
	assert_int_equal(argocd_git_state(&app, "B4DC0FFEE123"), ARGOCD_GIT_BAD);   /* a short SHA, any case */
	argocd_app_free(&app);

	/* reverted in Git: the branch resolves to the revert commit */
	parse("{\"status\":{\"sync\":{\"status\":\"Synced\",\"revision\":\"4e7e47ed1234567890abcdef1234567890abcd\"}}}",
	      &app);
	assert_int_equal(argocd_git_state(&app, bad), ARGOCD_GIT_FIXED);
	argocd_app_free(&app);
	/* a fix commit not synced yet: Git moved off the bad one all the same */
	parse("{\"status\":{\"sync\":{\"status\":\"OutOfSync\",\"revision\":\"f1f1f1f11234567890abcdef1234567890abcd\"}}}",
	      &app);
	assert_int_equal(argocd_git_state(&app, bad), ARGOCD_GIT_FIXED);
	argocd_app_free(&app);

	/* nothing to compare: not proven fixed */
	parse("{\"status\":{\"sync\":{\"status\":\"Synced\"}}}", &app);
	assert_int_equal(argocd_git_state(&app, bad), ARGOCD_GIT_UNKNOWN);
	assert_string_equal(argocd_current_revision(&app), "");
	argocd_app_free(&app);
	parse("{\"status\":{\"sync\":{\"status\":\"Synced\",\"revision\":\"b4dc0ff\"}}}", &app);
	assert_int_equal(argocd_git_state(&app, ""), ARGOCD_GIT_UNKNOWN);
	assert_int_equal(argocd_git_state(&app, "b4d"), ARGOCD_GIT_UNKNOWN);   /* too short to tell */
	argocd_app_free(&app);
}

static void test_refusals_in_words(void **state)
{
	(void)state;
	char buf[300];
	const char *b = "{\"error\":\"rollback cannot be initiated when auto-sync is enabled\",\"code\":9,"
	                "\"message\":\"rollback cannot be initiated when auto-sync is enabled\"}";
	argocd_error_words(400, b, strlen(b), buf, sizeof buf);
	assert_string_equal(buf, "FailedPrecondition: rollback cannot be initiated when auto-sync is enabled");
	const char *denied = "{\"error\":\"permission denied\",\"code\":7,\"message\":\"permission denied\"}";
	argocd_error_words(403, denied, strlen(denied), buf, sizeof buf);
	assert_string_equal(buf, "PermissionDenied: permission denied");
	argocd_error_words(502, "<html>", 6, buf, sizeof buf);
	assert_string_equal(buf, "HTTP 502 from Argo CD");
	argocd_error_words(401, "", 0, buf, sizeof buf);
	assert_non_null(strstr(buf, "Unauthenticated"));
}

static void test_request_bodies(void **state)
{
	(void)state;
	char *rb = argocd_rollback_body(22, true);
	cJSON *j = cJSON_Parse(rb);
	assert_int_equal(cJSON_GetObjectItem(j, "id")->valueint, 22);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "prune")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "dryRun")));
	cJSON_Delete(j);
	free(rb);

	/* Off: a merge patch string setting automated to null. */
	char *off = argocd_autosync_body(NULL);
	j = cJSON_Parse(off);
	assert_string_equal(cJSON_GetObjectItem(j, "patchType")->valuestring, "merge");
	cJSON *patch = cJSON_Parse(cJSON_GetObjectItem(j, "patch")->valuestring);
	cJSON *pol = cJSON_GetObjectItem(cJSON_GetObjectItem(patch, "spec"), "syncPolicy");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(pol, "automated")));
	cJSON_Delete(patch);
	cJSON_Delete(j);
	free(off);

	/* Back on: exactly the settings it had. */
	char *on = argocd_autosync_body("{\"prune\":true,\"selfHeal\":true}");
	j = cJSON_Parse(on);
	patch = cJSON_Parse(cJSON_GetObjectItem(j, "patch")->valuestring);
	cJSON *aut = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(patch, "spec"), "syncPolicy"), "automated");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(aut, "prune")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(aut, "selfHeal")));
	cJSON_Delete(patch);
	cJSON_Delete(j);
	free(on);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_application_fixture),
		cmocka_unit_test(test_autosync_rule),
		cmocka_unit_test(test_git_still_at_the_bad_revision),
		cmocka_unit_test(test_refusals_in_words),
		cmocka_unit_test(test_request_bodies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
