/* The action layer: the table, preconditions inside the one entry point, a
 * confirmation no caller can skip, asynchronous completion and one audit
 * record per run — on a real store and a real loop. */
#include "testutil.h"

#include "warroom/actions.h"
#include "warroom/config.h"
#include "warroom/loop.h"
#include "warroom/timeline.h"

struct fx {
	char dir[256];
	struct config cfg;
	struct loop *loop;
	struct timeline *tl;
	struct actions *q;
	/* what the front-end saw */
	bool done, asked;
	int answer;            /* -1: do not answer, 0 no, 1 yes */
	struct action_result res;
	struct action_question question;
};

static struct fx *F;

static void ask(uint64_t run, const struct action_question *q, void *arg)
{
	struct fx *fx = arg;

	fx->asked = true;
	fx->question = *q;
	if (fx->answer >= 0)
		actions_answer(fx->q, run, fx->answer == 1, "test");
}

static void done(const struct action_result *res, void *arg)
{
	struct fx *fx = arg;

	fx->res = *res;
	fx->done = true;
}

static struct action_ui ui_with_ask = { .ask = ask, .done = done };
static struct action_ui ui_without_ask = { .done = done };

static void make_queue(struct fx *fx, bool readonly, struct timeline *tl)
{
	struct action_ctx ctx = {
		.loop = fx->loop, .cfg = &fx->cfg, .tl = tl, .tl_error = "cannot open /nowhere/t.db",
		.kube_error = "no cluster in this test", .actor = "alice", .via = "test", .readonly = readonly,
	};

	actions_free(fx->q);
	fx->q = actions_new(&ctx);
	assert_non_null(fx->q);
	ui_with_ask.arg = ui_without_ask.arg = fx;
}

static int setup(void **state)
{
	static struct fx fx;
	char path[400], err[256];

	memset(&fx, 0, sizeof fx);
	testutil_tmpdir(fx.dir, sizeof fx.dir);
	config_defaults(&fx.cfg);
	snprintf(path, sizeof path, "%s/t.db", fx.dir);
	fx.tl = timeline_open(path, "alice", err, sizeof err);
	assert_non_null(fx.tl);
	fx.loop = loop_new();
	assert_non_null(fx.loop);
	fx.answer = -1;
	make_queue(&fx, false, fx.tl);
	F = &fx;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	actions_free(fx->q);
	fx->q = NULL;
	loop_free(fx->loop);
	timeline_close(fx->tl);
	testutil_rmtree(fx->dir);
	return 0;
}

/* Runs one action to its end on the loop. */
static const struct action_result *run(struct fx *fx, enum action_id id, const char *text, int sev,
                                       const struct action_ui *ui)
{
	struct action_args args = { .text = text, .sev = sev };

	fx->done = fx->asked = false;
	assert_true(actions_run(fx->q, id, &args, ui) != 0);
	/* never from inside the call: front-ends need not be re-entrant */
	assert_false(fx->done);
	assert_int_equal(loop_run_until(fx->loop, &fx->done, 2000), 0);
	return &fx->res;
}

static int64_t audit_count(struct fx *fx, struct timeline_audit *last)
{
	struct timeline_audit *a;
	size_t n;

	assert_int_equal(timeline_audit_list(fx->tl, 0, &a, &n), 0);
	if (n && last)
		*last = a[0];
	free(a);
	return (int64_t)n;
}

static void table_is_complete_and_names_are_unique(void **state)
{
	(void)state;
	assert_true(actions_count() >= 20);
	for (size_t i = 1; i <= actions_count(); i++) {
		const struct action *a = actions_get((enum action_id)i);

		assert_non_null(a);
		assert_int_equal(a->id, (enum action_id)i);
		assert_true(strlen(a->help) > 0);
		/* keyless only when `:name ARG` reaches it (view: its keys are the views') */
		assert_true(strlen(a->keys) > 0 || (a->flags & ACT_TAKES_ARG));
		assert_ptr_equal(actions_by_name(a->name), a);
		assert_non_null(a->exec);
		/* whatever changes something, or runs headless, has a handler */
		if (a->flags & (ACT_MUTATES | ACT_CONFIRM | ACT_CLI | ACT_NEEDS_INC))
			assert_non_null(a->exec->exec);
	}
	assert_null(actions_get(ACTION_NONE));
	assert_null(actions_get(ACTION_COUNT));
	assert_null(actions_by_name("no-such-action"));
}

static void readonly_refuses_inside_the_layer_and_audits_it(void **state)
{
	struct fx *fx = *state;
	struct timeline_audit last;
	const struct action_result *r;

	make_queue(fx, true, fx->tl);
	r = run(fx, ACTION_ROLLBACK, NULL, 0, &ui_with_ask);
	assert_int_equal(r->outcome, ACTION_REFUSED);
	assert_int_equal(r->exit_code, 2);
	assert_non_null(strstr(r->summary, "read-only"));
	/* refused before the handler: no question, and not "no cluster" */
	assert_false(fx->asked);
	assert_null(strstr(r->summary, "no cluster"));
	assert_int_equal(audit_count(fx, &last), 1);
	assert_string_equal(last.action, "rollback");
	assert_string_equal(last.outcome, "refused");
	assert_string_equal(last.actor, "alice");
	assert_string_equal(last.via, "test");
	/* a dry run changes nothing: read-only lets it plan (here it finds no cluster) */
	{
		struct action_args dry = { .dry_run = true };

		fx->done = false;
		assert_true(actions_run(fx->q, ACTION_ROLLBACK, &dry, &ui_with_ask) != 0);
		assert_int_equal(loop_run_until(fx->loop, &fx->done, 2000), 0);
		assert_null(strstr(fx->res.summary, "read-only"));
		assert_non_null(strstr(fx->res.summary, "no cluster"));
	}
	/* the operator's own record is not the cluster: notes still work */
	r = run(fx, ACTION_NOTE, "still writing", 0, &ui_with_ask);
	assert_int_equal(r->outcome, ACTION_OK);
}

static void a_confirmation_cannot_be_skipped(void **state)
{
	struct fx *fx = *state;
	struct timeline_audit last;
	struct timeline_incident inc;
	const struct action_result *r;

	assert_int_equal(run(fx, ACTION_INCIDENT, "error spike", 2, &ui_with_ask)->outcome, ACTION_OK);
	/* a front-end that cannot ask gets a refusal, not a silent yes */
	r = run(fx, ACTION_RESOLVE, NULL, 0, &ui_without_ask);
	assert_int_equal(r->outcome, ACTION_REFUSED);
	assert_non_null(strstr(r->summary, "confirmation"));
	assert_int_equal(timeline_incident_current(fx->tl, &inc), 1);
	/* no: nothing changes */
	fx->answer = 0;
	r = run(fx, ACTION_RESOLVE, NULL, 0, &ui_with_ask);
	assert_true(fx->asked);
	assert_non_null(strstr(fx->question.lines[0].text, "error spike"));
	assert_int_equal(r->outcome, ACTION_DECLINED);
	assert_int_equal(timeline_incident_current(fx->tl, &inc), 1);
	audit_count(fx, &last);
	assert_string_equal(last.outcome, "declined");
	assert_string_equal(last.confirmation, "no (test)");
	/* yes: resolved, and the audit says how it was confirmed */
	fx->answer = 1;
	r = run(fx, ACTION_RESOLVE, NULL, 0, &ui_with_ask);
	assert_int_equal(r->outcome, ACTION_OK);
	assert_int_equal(timeline_incident_current(fx->tl, &inc), 0);
	audit_count(fx, &last);
	assert_string_equal(last.outcome, "ok");
	assert_string_equal(last.confirmation, "yes (test)");
	assert_true(last.ended_ms >= last.started_ms);
}

static bool asked_line(const struct fx *fx, const char *text)
{
	for (size_t i = 0; i < fx->question.nlines; i++)
		if (strstr(fx->question.lines[i].text, text))
			return true;
	return false;
}

/* A silence set during the incident and auto-sync a rollback turned off
 * outlive it: the resolve question says so, until they are closed. */
static void resolving_names_what_stays_open(void **state)
{
	struct fx *fx = *state;
	char silence[300];

	assert_int_equal(run(fx, ACTION_INCIDENT, "error spike", 2, &ui_with_ask)->outcome, ACTION_OK);
	/* as the rollback and the silence action record them */
	timeline_log(fx->tl, "action", "follow-up: re-enable auto-sync on detection-api once Git is fixed (moved off "
	             "abc123; previous settings: {})", "{\"followup\":\"re-enable auto-sync once Git is fixed\","
	             "\"application\":\"detection-api\",\"automated\":\"{}\",\"bad_revision\":\"abc123\"}");
	snprintf(silence, sizeof silence, "{\"silence\":\"s-9\",\"matchers\":\"alertname=\\\"HighErrorRate\\\"\","
	         "\"until\":\"15:00 UTC\",\"until_ms\":%lld}", (long long)(loop_wall_ms() + 3600000));
	timeline_log(fx->tl, "silence", "silence s-9 for 1h by alice: alertname=\"HighErrorRate\" (rollback)", silence);
	fx->answer = 0;
	run(fx, ACTION_RESOLVE, NULL, 0, &ui_with_ask);
	assert_true(asked_line(fx, "still open: Argo CD auto-sync on detection-api is off since the rollback"));
	assert_true(asked_line(fx, "still open: silence s-9 on alertname=\"HighErrorRate\" until "));
	for (size_t i = 0; i < fx->question.nlines; i++)
		if (strstr(fx->question.lines[i].text, "still open"))
			assert_int_equal(fx->question.lines[i].role, AROLE_WARN);
	/* both closed: nothing more to say */
	timeline_log(fx->tl, "action", "follow-up closed: auto-sync re-enabled on detection-api with {}", NULL);
	timeline_log(fx->tl, "silence", "silence s-9 expired by alice: alertname=\"HighErrorRate\"",
	             "{\"silence\":\"s-9\",\"expired\":true}");
	run(fx, ACTION_RESOLVE, NULL, 0, &ui_with_ask);
	assert_true(fx->asked);
	assert_false(asked_line(fx, "still open"));
}

static void an_unanswered_question_waits_and_cancel_ends_it(void **state)
{
	struct fx *fx = *state;
	struct action_args none = { 0 };
	struct timeline_incident inc;
	uint64_t id;

	assert_int_equal(run(fx, ACTION_INCIDENT, "db down", 1, &ui_with_ask)->outcome, ACTION_OK);
	fx->answer = -1;
	fx->done = fx->asked = false;
	id = actions_run(fx->q, ACTION_RESOLVE, &none, &ui_with_ask);
	loop_run_until(fx->loop, &fx->done, 200);
	assert_true(fx->asked);
	assert_false(fx->done);
	assert_int_equal(actions_running(fx->q, ACTION_RESOLVE), id);
	actions_cancel(fx->q, id);
	assert_true(fx->done);
	assert_int_equal(fx->res.outcome, ACTION_CANCELLED);
	assert_int_equal(actions_running(fx->q, ACTION_RESOLVE), 0);
	/* a late answer to a finished run is ignored */
	actions_answer(fx->q, id, true, "late");
	loop_run_once(fx->loop, 10);
	assert_int_equal(timeline_incident_current(fx->tl, &inc), 1);
}

static void sev_needs_an_open_incident(void **state)
{
	struct fx *fx = *state;
	struct timeline_event *evs;
	struct timeline_incident inc;
	char why[256];
	size_t n;

	assert_false(actions_check(actions_ctx(fx->q), ACTION_SEV, why, sizeof why));
	assert_non_null(strstr(why, "open incident"));
	assert_int_equal(run(fx, ACTION_SEV, NULL, 1, &ui_with_ask)->outcome, ACTION_REFUSED);

	assert_int_equal(run(fx, ACTION_INCIDENT, "error spike", 2, &ui_with_ask)->outcome, ACTION_OK);
	assert_int_equal(timeline_incident_current(fx->tl, &inc), 1);
	assert_int_equal(inc.sev, 2);
	assert_int_equal(run(fx, ACTION_INCIDENT, "another", 1, &ui_with_ask)->outcome, ACTION_REFUSED);
	assert_non_null(strstr(fx->res.summary, "already open"));

	assert_int_equal(run(fx, ACTION_SEV, NULL, 5, &ui_with_ask)->outcome, ACTION_REFUSED);
	assert_int_equal(run(fx, ACTION_SEV, "no ready pod", 1, &ui_with_ask)->outcome, ACTION_OK);
	assert_int_equal(timeline_incident_current(fx->tl, &inc), 1);
	assert_int_equal(inc.sev, 1);
	assert_int_equal(timeline_list(fx->tl, -1, 0, 1, &evs, &n), 0);
	assert_string_equal(evs[0].kind, "sev");
	assert_non_null(strstr(evs[0].summary, "SEV-2 -> SEV-1: no ready pod"));
	assert_int_equal(evs[0].incident_id, inc.id);
	timeline_events_free(evs, n);
}

static void notes_are_kept_whole_and_audited_redacted(void **state)
{
	struct fx *fx = *state;
	struct timeline_event *evs;
	struct timeline_audit last;
	char big[2000];
	size_t n;

	assert_int_equal(run(fx, ACTION_NOTE, "   ", 0, &ui_with_ask)->outcome, ACTION_REFUSED);
	assert_int_equal(run(fx, ACTION_NOTE, "first", 0, &ui_with_ask)->outcome, ACTION_OK);
	assert_int_equal(run(fx, ACTION_NOTE, "curl -H 'Authorization: Bearer eyJsecret'", 0, &ui_with_ask)->outcome,
	                 ACTION_OK);
	audit_count(fx, &last);
	assert_string_equal(last.action, "note");
	assert_null(strstr(last.args, "eyJsecret"));
	assert_non_null(strstr(last.args, "redacted"));
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(run(fx, ACTION_NOTE, big, 0, &ui_with_ask)->outcome, ACTION_OK);
	assert_int_equal(timeline_list(fx->tl, -1, 0, 10, &evs, &n), 0);
	assert_int_equal(n, 3);
	assert_non_null(evs[0].detail_json);
	assert_true(strlen(evs[0].detail_json) > sizeof big - 1);
	assert_string_equal(evs[2].summary, "first");
	assert_string_equal(evs[2].actor, "alice");
	timeline_events_free(evs, n);
}

static void without_a_store_actions_say_why(void **state)
{
	struct fx *fx = *state;
	const struct action_result *r;

	make_queue(fx, false, NULL);
	r = run(fx, ACTION_NOTE, "x", 0, &ui_with_ask);
	assert_int_equal(r->outcome, ACTION_FAILED);
	assert_non_null(strstr(r->summary, "/nowhere/t.db"));
	r = run(fx, ACTION_SEV, NULL, 1, &ui_with_ask);
	assert_int_equal(r->outcome, ACTION_REFUSED);
	assert_non_null(strstr(r->summary, "/nowhere/t.db"));
}

static void rollback_without_a_cluster_says_why(void **state)
{
	struct fx *fx = *state;
	const struct action_result *r;

	r = run(fx, ACTION_ROLLBACK, "sideways", 0, &ui_with_ask);
	assert_int_equal(r->outcome, ACTION_REFUSED);
	assert_non_null(strstr(r->summary, "unknown strategy"));
	r = run(fx, ACTION_ROLLBACK, NULL, 0, &ui_with_ask);
	assert_int_equal(r->outcome, ACTION_REFUSED);
	assert_int_equal(r->exit_code, 3);
	assert_non_null(strstr(r->summary, "no cluster in this test"));
	assert_false(fx->asked);
	/* keys of the console only are refused headless */
	r = run(fx, ACTION_HELP, NULL, 0, &ui_with_ask);
	assert_int_equal(r->outcome, ACTION_REFUSED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_is_complete_and_names_are_unique),
		cmocka_unit_test_setup_teardown(readonly_refuses_inside_the_layer_and_audits_it, setup, teardown),
		cmocka_unit_test_setup_teardown(a_confirmation_cannot_be_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(resolving_names_what_stays_open, setup, teardown),
		cmocka_unit_test_setup_teardown(an_unanswered_question_waits_and_cancel_ends_it, setup, teardown),
		cmocka_unit_test_setup_teardown(sev_needs_an_open_incident, setup, teardown),
		cmocka_unit_test_setup_teardown(notes_are_kept_whole_and_audited_redacted, setup, teardown),
		cmocka_unit_test_setup_teardown(without_a_store_actions_say_why, setup, teardown),
		cmocka_unit_test_setup_teardown(rollback_without_a_cluster_says_why, setup, teardown),
	};
	(void)F;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
