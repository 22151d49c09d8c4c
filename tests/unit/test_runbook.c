/* Runbooks from Markdown: the shipped ones, real-world ones read in place,
 * and hostile input that must load (or be refused with words), never crash. */
#include "testutil.h"

#include <sys/stat.h>

#include "warroom/alertmgr.h"
#include "warroom/config.h"
#include "warroom/runbook.h"

static struct runbook *parse(const char *md)
{
	char err[300] = "";
	struct runbook *rb = runbook_parse(md, strlen(md), "t", "t.md", err, sizeof err);

	if (!rb)
		fail_msg("did not load: %s", err);
	return rb;
}

static const struct runbook_item *nth(const struct runbook *rb, enum runbook_kind kind, size_t n)
{
	for (size_t i = 0; i < rb->nitems; i++)
		if (rb->items[i].kind == kind && n-- == 0)
			return &rb->items[i];
	return NULL;
}

static size_t count(const struct runbook *rb, enum runbook_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < rb->nitems; i++)
		n += rb->items[i].kind == kind;
	return n;
}

static bool has_phase(const struct runbook *rb, const char *title)
{
	for (size_t i = 0; i < rb->nphases; i++)
		if (strstr(rb->phases[i].title, title))
			return true;
	return false;
}

static void shipped_runbooks_load_clean_with_the_seeds_phases(void **state)
{
	const char *dirs[] = { "runbooks", NULL };
	struct runbook_lib *lib = runbook_lib_load_dirs(dirs);
	struct runbook *rb;
	const char *phases[] = { "Assess", "Contain", "Diagnose", "Recover", "Post-mortem" };
	size_t at = 0;

	assert_non_null(lib);
	assert_int_equal(lib->nerrors, 0);
	assert_true(lib->n >= 6);
	for (size_t i = 0; i < lib->n; i++) {
		if (lib->v[i]->nwarnings)
			fail_msg("%s: %s", lib->v[i]->name, lib->v[i]->warnings[0]);
	}
	/* SEV-1: the five phases in order, a command to run first, a native rollback */
	rb = runbook_lib_find(lib, "sev1-pipeline-down");
	assert_non_null(rb);
	assert_string_equal(rb->title, "SEV-1: detection pipeline down");
	for (size_t p = 0; p < rb->nphases && at < 5; p++)
		if (strcmp(rb->phases[p].title, phases[at]) == 0)
			at++;
	assert_int_equal(at, 5);
	assert_string_equal(nth(rb, RB_COMMAND, 0)->text, "kubectl get pods -n \"$NAMESPACE\" -o wide");
	assert_string_equal(nth(rb, RB_ACTION, 0)->text, "rollback");
	assert_true(count(rb, RB_CHECK) >= 4);
	/* the alerts it is for, by front matter; by the rules' runbook_url; by a file name */
	assert_ptr_equal(runbook_lib_for_alert(lib, "ServiceDown", ""), rb);
	assert_ptr_equal(runbook_lib_for_alert(lib, "Whatever",
	                                       "https://runbooks.example.com/warroom/sev1-pipeline-down.md"), rb);
	assert_ptr_equal(runbook_lib_for_alert(lib, "HighErrorRate", ""), runbook_lib_find(lib, "sev2-degraded"));
	assert_ptr_equal(runbook_lib_for_alert(lib, "TAKPushFailures", ""), runbook_lib_find(lib, "tak-push-failures"));
	assert_null(runbook_lib_for_alert(lib, "NotOurs", "https://elsewhere/wiki/NotOurs"));
	/* rollback: options A, B and C; blue-green: the checklist, stages, verification */
	rb = runbook_lib_find(lib, "rollback");
	assert_non_null(rb);
	assert_true(has_phase(rb, "Option A") && has_phase(rb, "Option B") && has_phase(rb, "Option C"));
	rb = runbook_lib_find(lib, "blue-green-deployment");
	assert_non_null(rb);
	assert_true(has_phase(rb, "Pre-deployment checklist") && has_phase(rb, "Stages") && has_phase(rb, "Verification"));
	assert_true(count(rb, RB_CHECK) >= 9);
	assert_non_null(runbook_lib_find(lib, "post-incident"));
	runbook_lib_free(lib);
}

static struct runbook *fixture(const char *name)
{
	char path[600], rel[200], err[300];
	struct runbook *rb;

	snprintf(rel, sizeof rel, "runbooks/%s", name);
	if (!testutil_fixture(path, sizeof path, rel))
		return NULL;
	rb = runbook_load(path, err, sizeof err);
	if (!rb)
		fail_msg("%s: %s", name, err);
	return rb;
}

static void real_world_runbooks_load_and_keep_their_commands(void **state)
{
	struct runbook *rb = fixture("KubeProxyDown.md");
	const struct runbook_item *it;

	if (!rb)
		skip();
	/* the front matter's title; the H1 is not a phase */
	assert_string_equal(rb->title, "KubeProxy Down");
	assert_string_equal(rb->phases[0].title, "Meaning");
	assert_string_equal(nth(rb, RB_COMMAND, 0)->text, "kubectl get pods -l k8s-app=kube-proxy -n kube-system");
	/* a console block's first line is the command, what follows is not run */
	it = nth(rb, RB_COMMAND, 2);
	assert_string_equal(it->text, "kubectl edit cm -n kube-system kube-proxy-config");
	assert_true(strstr(nth(rb, RB_OUTPUT, 0)->text, "metricsBindAddress") != NULL);
	for (size_t i = 0; i < rb->nitems; i++)
		if (rb->items[i].kind == RB_COMMAND)
			assert_null(strstr(rb->items[i].text, "metricsBindAddress"));
	runbook_free(rb);

	rb = fixture("etcdMembersDown.md");
	assert_non_null(rb);
	/* "$ " prompts are stripped */
	assert_string_equal(nth(rb, RB_COMMAND, 0)->text, "kubectl get nodes -l node-role.kubernetes.io/master=");
	assert_string_equal(nth(rb, RB_COMMAND, 3)->text, "etcdctl version");
	assert_string_equal(rb->title, "etcdMembersDown");
	runbook_free(rb);

	rb = fixture("k8s-default-branch-migration-checklist.md");
	assert_non_null(rb);
	assert_int_equal(count(rb, RB_CHECK), 19);
	assert_true(strstr(nth(rb, RB_CHECK, 0)->text, "Create an issue in your repo") != NULL);
	assert_string_equal(rb->title, "Default Branch Migration");
	/* a command inside a check's list item is still a command */
	assert_string_equal(nth(rb, RB_COMMAND, 0)->text,
	                    "# for existing clones, update their view of the remote\ngit fetch origin\n"
	                    "git remote set-head origin -a\n"
	                    "# for new clones, or those updated as above, this prints \"main\" post-rename\n"
	                    "echo $(git symbolic-ref refs/remotes/origin/HEAD)");
	runbook_free(rb);

	rb = fixture("openshift-CollectorNodeDown.md");
	assert_non_null(rb);
	/* commands in numbered list items, in their step */
	assert_int_equal(count(rb, RB_COMMAND), 14);
	assert_string_equal(nth(rb, RB_COMMAND, 0)->text,
	                    "oc get pods -n openshift-logging -l app.kubernetes.io/component=collector");
	assert_true(has_phase(rb, "Diagnosis") && has_phase(rb, "Mitigation"));
	assert_true(rb->nsteps >= 6);
	runbook_free(rb);
}

static void hostile_markdown_loads_or_is_refused_with_words(void **state)
{
	struct runbook *rb;
	char err[300], *big;
	size_t n;

	/* broken Markdown: an unclosed fence runs to the end, as CommonMark says */
	rb = parse("# T\n## A\n**bold _x\n\n<div>\n\n```sh\necho open\n");
	assert_string_equal(nth(rb, RB_COMMAND, 0)->text, "echo open");
	runbook_free(rb);
	/* no headings: one phase, one step, and lint says so */
	rb = parse("just text\n\n- [ ] tick me\n\n```bash\nuptime\n```\n");
	assert_int_equal(rb->nphases, 1);
	assert_int_equal(rb->nsteps, 1);
	assert_int_equal(count(rb, RB_CHECK), 1);
	assert_string_equal(nth(rb, RB_COMMAND, 0)->text, "uptime");
	assert_true(rb->nwarnings >= 1 && strstr(rb->warnings[0], "no headings"));
	runbook_free(rb);
	/* unknown fence languages, no language, comments only: shown, never run */
	rb = parse("# T\n## A\n```python\n$ import os\n```\n```\n$ rm -rf /\n```\n```yaml\na: 1\n```\n"
	           "```sh\n# nothing to run\n```\n```{.sh}\nx\n```\n");
	assert_int_equal(count(rb, RB_COMMAND), 0);
	assert_int_equal(count(rb, RB_CODE), 5);
	runbook_free(rb);
	/* bad front matter: not YAML, not a mapping, never closed */
	rb = parse("---\ntitle: [unclosed\n---\n# Real title\n## A\n");
	assert_string_equal(rb->title, "Real title");
	assert_true(rb->nwarnings >= 1 && strstr(rb->warnings[0], "front matter"));
	runbook_free(rb);
	rb = parse("---\n- a\n- b\n---\n## A\n");
	assert_true(rb->nwarnings >= 1);
	runbook_free(rb);
	rb = parse("---\ntitle: x\n## A\n- [x] done already\n");
	assert_true(rb->nwarnings >= 1 && strstr(rb->warnings[0], "closing"));
	assert_true(nth(rb, RB_CHECK, 0)->checked);
	runbook_free(rb);
	/* escapes and control characters never reach the screen */
	rb = parse("# T\x1b[2J\n## A\nhello \x1b]0;owned\x07 there\n");
	for (size_t i = 0; i < rb->nitems; i++)
		assert_null(strchr(rb->items[i].text, '\x1b'));
	assert_null(strchr(rb->title, '\x1b'));
	runbook_free(rb);
	/* NUL bytes: not Markdown */
	assert_null(runbook_parse("# a\0b", 5, "t", "t.md", err, sizeof err));
	assert_non_null(strstr(err, "NUL"));
	/* huge: over the bound is refused with words; under it, the item cap holds */
	n = RUNBOOK_MAX_BYTES + 10;
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	assert_null(runbook_parse(big, n, "t", "big.md", err, sizeof err));
	assert_non_null(strstr(err, "at most"));
	n = 0;
	while (n + 8 < RUNBOOK_MAX_BYTES - 16) {
		memcpy(big + n, "- [ ] x\n", 8);
		n += 8;
	}
	big[n] = '\0';
	rb = runbook_parse(big, n, "t", "big.md", err, sizeof err);
	assert_non_null(rb);
	assert_int_equal(rb->nitems, RUNBOOK_MAX_ITEMS);
	assert_true(rb->nwarnings >= 1);
	runbook_free(rb);
	/* deep nesting */
	memset(big, '>', 20000);
	memcpy(big + 20000, " deep\n", 7);
	rb = parse(big);
	assert_true(rb->nwarnings >= 1 && strstr(rb->warnings[rb->nwarnings - 1], "nested deeper"));
	runbook_free(rb);
	n = 0;
	for (int i = 0; i < 3000; i++) {
		memcpy(big + n, "[*_", 3);
		n += 3;
	}
	memcpy(big + n, "x\n", 3);
	rb = parse(big);
	assert_int_equal(rb->nitems, 1);
	runbook_free(rb);
	free(big);
	/* an empty file still loads: one phase, nothing to do */
	rb = parse("");
	assert_int_equal(rb->nitems, 0);
	assert_string_equal(rb->title, "t");
	runbook_free(rb);
}

static void prompts_continuations_and_native_actions(void **state)
{
	struct runbook *rb = parse("# T\n## A\n```console\n$ kubectl get pods \\\n    -n x\nNAME READY\n"
	                           "pod-1 1/1\n$ echo two\ntwo\n```\n"
	                           "```warroom\n# comments are not actions\nrollback --strategy argocd\nscale green 3\n```\n"
	                           "| a | b |\n|---|---|\n| 1 | 2 |\n");
	char name[32];
	const char *rest;

	assert_int_equal(count(rb, RB_COMMAND), 2);
	assert_string_equal(nth(rb, RB_COMMAND, 0)->text, "kubectl get pods \\\n    -n x");
	assert_string_equal(nth(rb, RB_COMMAND, 1)->text, "echo two");
	assert_string_equal(nth(rb, RB_OUTPUT, 0)->text, "NAME READY\npod-1 1/1");
	assert_int_equal(count(rb, RB_ACTION), 2);
	runbook_action_split(nth(rb, RB_ACTION, 0), name, sizeof name, &rest);
	assert_string_equal(name, "rollback");
	assert_string_equal(rest, "--strategy argocd");
	/* tables are text rows */
	assert_string_equal(nth(rb, RB_TEXT, 1)->text, "1 | 2");
	runbook_free(rb);
}

/* The user's folders come after the shipped ones; a file of the same name wins. */
static void user_folders_from_the_config_join_the_shipped_ones(void **state)
{
	char dir[256], path[400], err[600], want[400];
	struct config cfg;
	struct runbook_lib *lib;
	FILE *f;

	testutil_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/mine", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/mine/rollback.md", dir);
	f = fopen(path, "w");
	fputs("# Our own rollback\n## Only step\n```sh\ntrue\n```\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/config.yaml", dir);
	f = fopen(path, "w");
	fputs("runbooks: { dir: ./shipped, paths: [mine] }\n", f);
	fclose(f);
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, true, err, sizeof err), 0);
	assert_int_equal(cfg.nrunbook_paths, 1);
	snprintf(want, sizeof want, "%s/mine", dir);
	assert_string_equal(cfg.runbook_paths[0], want);
	snprintf(cfg.runbook_dir, sizeof cfg.runbook_dir, "runbooks");
	lib = runbook_lib_load(&cfg);
	assert_string_equal(runbook_lib_find(lib, "rollback")->title, "Our own rollback");
	assert_non_null(runbook_lib_find(lib, "sev1-pipeline-down"));
	runbook_lib_free(lib);
	/* an unknown key is refused, with the file and line */
	f = fopen(path, "w");
	fputs("runbooks: { pahts: [mine] }\n", f);
	fclose(f);
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, true, err, sizeof err), -1);
	assert_non_null(strstr(err, "config.yaml:1: runbooks"));
	assert_non_null(strstr(err, "pahts"));
	testutil_rmtree(dir);
}

/* Alertmanager's runbook_url and labels reach the model: the console offers
 * the runbook the annotation names and passes the labels on. */
static void alerts_carry_their_runbook_url_and_labels(void **state)
{
	const char *json = "[{\"labels\":{\"alertname\":\"KubeProxyDown\",\"severity\":\"critical\","
	                   "\"pod\":\"x;touch /tmp/pwned\"},\"annotations\":{\"runbook_url\":"
	                   "\"https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubeproxydown\"},"
	                   "\"status\":{\"state\":\"active\"},\"startsAt\":\"2026-11-21T13:03:10Z\"}]";
	struct model_alerts out;
	char err[200], path[600];
	const char *dirs[] = { path, NULL };
	struct runbook_lib *lib;

	memset(&out, 0, sizeof out);
	assert_int_equal(alertmgr_parse_alerts(json, strlen(json), NULL, &out, err, sizeof err), 0);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.a[0].runbook_url,
	                    "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubeproxydown");
	assert_non_null(strstr(out.a[0].labels, "pod=x;touch /tmp/pwned\n"));
	assert_non_null(strstr(out.a[0].labels, "alertname=KubeProxyDown\n"));
	if (!testutil_fixture(path, sizeof path, "runbooks"))
		skip();
	/* the URL names no file of ours: the alert's name finds KubeProxyDown.md */
	lib = runbook_lib_load_dirs(dirs);
	assert_non_null(runbook_lib_for_alert(lib, out.a[0].name, out.a[0].runbook_url));
	assert_string_equal(runbook_lib_for_alert(lib, out.a[0].name, out.a[0].runbook_url)->name, "KubeProxyDown");
	runbook_lib_free(lib);
}

/* Where a command runs: runme's fence attributes choose the bastion, the
 * front matter makes it the default and {runner=local} brings one back; a
 * runner that is none is said in lint and runs here. */
static void fences_and_front_matter_choose_the_runner(void **state)
{
	struct runbook *rb = parse("# Checks\n\n## On the bastion\n\n"
	                           "```sh {name=disk runner=bastion}\ndf -h /\n```\n\n"
	                           "```bash {remote}\nuptime\n```\n\n"
	                           "```sh\nkubectl get pods\n```\n\n"
	                           "```sh {runner=\"bastion\"}\nhostname\n```\n\n"
	                           "```sh {runner=moon}\ndate\n```\n");

	assert_int_equal(count(rb, RB_COMMAND), 5);
	assert_string_equal(nth(rb, RB_COMMAND, 0)->text, "df -h /");
	assert_string_equal(nth(rb, RB_COMMAND, 0)->lang, "sh");
	assert_true(nth(rb, RB_COMMAND, 0)->remote);
	assert_true(nth(rb, RB_COMMAND, 1)->remote);
	assert_false(nth(rb, RB_COMMAND, 2)->remote);
	assert_true(nth(rb, RB_COMMAND, 3)->remote);
	assert_false(nth(rb, RB_COMMAND, 4)->remote);
	assert_int_equal(rb->nwarnings, 1);
	assert_non_null(strstr(rb->warnings[0], "runner=moon is not a runner"));
	runbook_free(rb);

	rb = parse("---\ntitle: On the jump host\nrunner: bastion\n---\n# T\n\n## S\n\n"
	           "```sh\nuptime\n```\n\n```console {runner=local}\n$ date\nTue\n```\n");
	assert_true(rb->remote);
	assert_string_equal(rb->title, "On the jump host");
	assert_true(nth(rb, RB_COMMAND, 0)->remote);
	assert_string_equal(nth(rb, RB_COMMAND, 1)->text, "date");
	assert_false(nth(rb, RB_COMMAND, 1)->remote);
	assert_int_equal(rb->nwarnings, 0);
	runbook_free(rb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_runbooks_load_clean_with_the_seeds_phases),
		cmocka_unit_test(real_world_runbooks_load_and_keep_their_commands),
		cmocka_unit_test(hostile_markdown_loads_or_is_refused_with_words),
		cmocka_unit_test(prompts_continuations_and_native_actions),
		cmocka_unit_test(user_folders_from_the_config_join_the_shipped_ones),
		cmocka_unit_test(alerts_carry_their_runbook_url_and_labels),
		cmocka_unit_test(fences_and_front_matter_choose_the_runner),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
