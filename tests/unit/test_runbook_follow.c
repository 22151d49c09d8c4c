/* The runbook offered is the most severe alert's (ServiceDown's SEV-1
 * runbook over an older HighErrorRate's SEV-2 one), and the walk sees what
 * was done with other keys: a rollback run with R, `:rollback` or `warroom
 * rollback` from another shell settles the runbook's rollback line with
 * that run's outcome. */
#include "testutil.h"

#include <sys/stat.h>

#include "warroom/actions.h"
#include "warroom/config.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/runbook.h"
#include "warroom/timeline.h"

struct fx {
	char dir[256], db[300];
	struct config cfg;
	struct loop *loop;
	struct timeline *tl;
	struct model m;
	struct runbook_session *s;
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	char rb[300], path[400], err[300];

	testutil_tmpdir(fx->dir, sizeof fx->dir);
	snprintf(fx->db, sizeof fx->db, "%s/timeline.db", fx->dir);
	snprintf(rb, sizeof rb, "%s/runbooks", fx->dir);
	assert_int_equal(mkdir(rb, 0700), 0);
	config_defaults(&fx->cfg);
	snprintf(fx->cfg.runbook_dir, sizeof fx->cfg.runbook_dir, "%s", rb);
	snprintf(path, sizeof path, "%s/down.md", rb);
	write_file(path, "---\nalerts: [ServiceDown]\nsev: 1\n---\n# Down\n## Assess\n- [ ] pods looked at\n"
	           "## Contain\n```warroom\nrollback\n```\n## Recover\n- [ ] traffic verified\n");
	snprintf(path, sizeof path, "%s/degraded.md", rb);
	write_file(path, "---\nalerts: [HighErrorRate]\nsev: SEV-2\n---\n# Degraded\n## Assess\n- [ ] signals\n");
	snprintf(path, sizeof path, "%s/cache.md", rb);
	write_file(path, "---\nalerts: [CacheLowHitRate]\n---\n# Cache\n## Assess\n- [ ] hit ratio\n");
	fx->loop = loop_new();
	fx->tl = timeline_open(fx->db, "tester", err, sizeof err);
	assert_non_null(fx->tl);
	model_init(&fx->m, &fx->cfg, fx->tl);
	fx->s = runbook_session_new(fx->loop, &fx->cfg, fx->tl, &fx->m, runbook_lib_load(&fx->cfg), actions_by_name);
	assert_non_null(fx->s);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	runbook_session_free(fx->s);
	model_free(&fx->m);
	timeline_close(fx->tl);
	loop_free(fx->loop);
	testutil_rmtree(fx->dir);
	free(fx);
	return 0;
}

/* Alerts as the poller lists them: critical first, then the oldest. */
static void fire(struct fx *fx, const char *name, const char *severity)
{
	struct model_alert *a = &fx->m.alerts.a[fx->m.alerts.n++];

	memset(a, 0, sizeof *a);
	snprintf(a->name, sizeof a->name, "%s", name);
	snprintf(a->severity, sizeof a->severity, "%s", severity);
	snprintf(a->labels, sizeof a->labels, "alertname=%s\n", name);
	fx->m.alerts.total = fx->m.alerts.n;
	model_mark(&fx->m, DIRTY_ALERTS);
}

static void the_most_severe_alerts_runbook_is_offered(void **state)
{
	struct fx *fx = *state;
	const char *alert = NULL;
	const char *dirs[] = { "runbooks", NULL };
	struct runbook_lib *lib = runbook_lib_load_dirs(dirs);
	struct model_alerts al = { 0 };
	size_t at = 99;

	/* a runbook without a SEV still is offered when it is the only one */
	fire(fx, "CacheLowHitRate", "warning");
	assert_string_equal(runbook_session_offer(fx->s, &alert), "cache");
	/* HighErrorRate fired first: its SEV-2 runbook before the SEV-less one */
	fire(fx, "HighErrorRate", "critical");
	assert_string_equal(runbook_session_offer(fx->s, &alert), "degraded");
	assert_string_equal(alert, "HighErrorRate");
	/* ServiceDown follows, listed after the older one: its SEV-1 runbook wins */
	fire(fx, "ServiceDown", "critical");
	assert_string_equal(runbook_session_offer(fx->s, &alert), "down");
	assert_string_equal(alert, "ServiceDown");
	assert_int_equal(runbook_lib_find(runbook_session_lib(fx->s), "down")->sev, 1);
	assert_int_equal(runbook_lib_find(runbook_session_lib(fx->s), "degraded")->sev, 2);
	assert_int_equal(runbook_lib_find(runbook_session_lib(fx->s), "cache")->sev, 0);

	/* the shipped runbooks say their SEV: ServiceDown's is sev1-pipeline-down */
	assert_non_null(lib);
	al.n = al.total = 2;
	snprintf(al.a[0].name, sizeof al.a[0].name, "HighErrorRate");
	snprintf(al.a[0].runbook_url, sizeof al.a[0].runbook_url, "https://runbooks.example.com/warroom/sev2-degraded.md");
	snprintf(al.a[1].name, sizeof al.a[1].name, "ServiceDown");
	assert_string_equal(runbook_lib_offer(lib, &al, &at)->name, "sev1-pipeline-down");
	assert_int_equal(at, 1);
	al.n = al.total = 1;
	assert_string_equal(runbook_lib_offer(lib, &al, &at)->name, "sev2-degraded");
	assert_int_equal(at, 0);
	runbook_lib_free(lib);
}

static size_t rollback_line(const struct runbook *rb)
{
	for (size_t i = 0; i < rb->nitems; i++)
		if (rb->items[i].kind == RB_ACTION && strcmp(rb->items[i].text, "rollback") == 0)
			return i;
	fail_msg("no rollback line");
	return 0;
}

/* An audit record as the action layer writes it, through a connection of
 * its own (the command line's, another shell) or the console's. */
static void audit(struct timeline *tl, const char *action, const char *via, const char *outcome, const char *args,
                  const char *summary)
{
	struct timeline_audit a = { .started_ms = 1000, .ended_ms = 4200 };
	char err[256];

	snprintf(a.actor, sizeof a.actor, "alice");
	snprintf(a.via, sizeof a.via, "%s", via);
	snprintf(a.action, sizeof a.action, "%s", action);
	snprintf(a.args, sizeof a.args, "%s", args);
	snprintf(a.outcome, sizeof a.outcome, "%s", outcome);
	snprintf(a.summary, sizeof a.summary, "%s", summary);
	assert_int_equal(timeline_audit_append(tl, &a, err, sizeof err), 0);
}

static bool logged(struct fx *fx, const char *text)
{
	struct timeline_event *evs;
	size_t n;
	bool found = false;

	assert_int_equal(timeline_list(fx->tl, -1, 0, 0, &evs, &n), 0);
	for (size_t i = 0; i < n; i++)
		found |= strstr(evs[i].summary, text) != NULL;
	timeline_events_free(evs, n);
	return found;
}

static void a_rollback_run_with_other_keys_settles_the_runbooks_line(void **state)
{
	struct fx *fx = *state;
	char err[300];
	const struct runbook *rb;
	size_t line;
	struct timeline *cli;

	/* a rollback before this walk began is not this walk's */
	audit(fx->tl, "rollback", "console", "ok", "{}", "rolled back to blue: traffic verified");
	assert_int_equal(runbook_session_start(fx->s, "down", err, sizeof err), 0);
	model_sync_timeline(&fx->m);
	rb = runbook_session_runbook(fx->s);
	line = rollback_line(rb);
	assert_int_equal(runbook_session_item(fx->s, line)->state, RBS_PENDING);

	/* a plan looked at, a question declined: nothing was done */
	audit(fx->tl, "rollback", "console", "ok", "{\"dry_run\":true}", "plan: selector to blue");
	audit(fx->tl, "rollback", "console", "declined", "{}", "rollback declined");
	audit(fx->tl, "note", "console", "ok", "{\"text\":\"rollback soon\"}", "note added");
	model_sync_timeline(&fx->m);
	assert_int_equal(runbook_session_item(fx->s, line)->state, RBS_PENDING);

	/* R that failed: the line stops with the action's own words */
	audit(fx->tl, "rollback", "console", "failed", "{}", "traffic not verified on blue after 30 s");
	model_sync_timeline(&fx->m);
	assert_int_equal(runbook_session_item(fx->s, line)->state, RBS_FAILED);
	assert_string_equal(runbook_session_item(fx->s, line)->reason, "traffic not verified on blue after 30 s");

	/* `warroom rollback` from another shell, through its own connection */
	cli = timeline_open(fx->db, "alice", err, sizeof err);
	assert_non_null(cli);
	audit(cli, "rollback", "cli", "ok", "{}", "rolled back to blue: traffic verified in 1.2 s");
	timeline_close(cli);
	model_sync_timeline(&fx->m);
	assert_int_equal(runbook_session_item(fx->s, line)->state, RBS_DONE);
	assert_int_equal(runbook_session_item(fx->s, line)->duration_ms, 3200);
	assert_string_equal(runbook_session_item(fx->s, line)->reason, "");
	assert_true(logged(fx, "step 2: warroom rollback: failed, run by alice from the console"));
	assert_true(logged(fx, "step 2: warroom rollback: ok, run by alice from the command line"));
	/* its step counts it done, and it stays done after a restart */
	{
		size_t done, all;

		runbook_session_step_progress(fx->s, rb->items[line].step, &done, &all);
		assert_int_equal(done, 1);
		assert_int_equal(all, 1);
	}
	runbook_session_free(fx->s);
	fx->s = runbook_session_new(fx->loop, &fx->cfg, fx->tl, &fx->m, runbook_lib_load(&fx->cfg), actions_by_name);
	assert_int_equal(runbook_session_resume(fx->s), 1);
	assert_int_equal(runbook_session_item(fx->s, rollback_line(runbook_session_runbook(fx->s)))->state, RBS_DONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(the_most_severe_alerts_runbook_is_offered, setup, teardown),
		cmocka_unit_test_setup_teardown(a_rollback_run_with_other_keys_settles_the_runbooks_line, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
