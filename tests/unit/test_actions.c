/* The action table's preconditions and the local actions, on a real store. */
#include "testutil.h"

#include "warroom/actions.h"
#include "warroom/config.h"
#include "warroom/model.h"
#include "warroom/timeline.h"

struct fx {
	char dir[256];
	struct config cfg;
	struct timeline *tl;
	struct model m;
};

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
	model_init(&fx.m, &fx.cfg, fx.tl);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	model_free(&fx->m);
	timeline_close(fx->tl);
	testutil_rmtree(fx->dir);
	return 0;
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
	}
	assert_null(actions_get(ACTION_NONE));
	assert_null(actions_get(ACTION_COUNT));
	assert_null(actions_by_name("no-such-action"));
}

static void readonly_refuses_what_changes_the_cluster(void **state)
{
	struct fx *fx = *state;
	char why[256];

	assert_true(actions_allowed(ACTION_ROLLBACK, &fx->m, why, sizeof why));
	fx->m.readonly = true;
	assert_false(actions_allowed(ACTION_ROLLBACK, &fx->m, why, sizeof why));
	assert_non_null(strstr(why, "read-only"));
	assert_non_null(strstr(why, "rollback"));
	/* the operator's own record is not the cluster: notes still work */
	assert_true(actions_allowed(ACTION_NOTE, &fx->m, why, sizeof why));
	assert_int_equal(actions_note(&fx->m, "still writing", why, sizeof why), 0);
}

static void sev_needs_an_open_incident(void **state)
{
	struct fx *fx = *state;
	char err[256];

	assert_false(actions_allowed(ACTION_SEV, &fx->m, err, sizeof err));
	assert_non_null(strstr(err, "open incident"));
	assert_int_equal(actions_sev(&fx->m, 1, err, sizeof err), -1);
	assert_int_equal(actions_resolve(&fx->m, err, sizeof err), -1);

	assert_int_equal(actions_incident_open(&fx->m, "error spike", 2, err, sizeof err), 0);
	assert_true(fx->m.has_incident);
	assert_int_equal(fx->m.incident.sev, 2);
	assert_int_equal(actions_incident_open(&fx->m, "another", 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "already open"));

	assert_int_equal(actions_sev(&fx->m, 5, err, sizeof err), -1);
	assert_int_equal(actions_sev(&fx->m, 1, err, sizeof err), 0);
	assert_int_equal(fx->m.incident.sev, 1);
	assert_string_equal(fx->m.recent[0].kind, "sev");
	assert_non_null(strstr(fx->m.recent[0].summary, "SEV-2 -> SEV-1"));
	assert_int_equal(fx->m.recent[0].incident_id, fx->m.incident.id);

	assert_int_equal(actions_resolve(&fx->m, err, sizeof err), 0);
	assert_false(fx->m.has_incident);
	assert_non_null(strstr(fx->m.recent[0].summary, "resolved"));
}

static void notes_reach_the_model_newest_first(void **state)
{
	struct fx *fx = *state;
	char err[256], big[2000];

	assert_int_equal(actions_note(&fx->m, "   ", err, sizeof err), -1);
	assert_int_equal(actions_note(&fx->m, "first", err, sizeof err), 0);
	assert_int_equal(actions_note(&fx->m, "second", err, sizeof err), 0);
	assert_int_equal(fx->m.nrecent, 2);
	assert_string_equal(fx->m.recent[0].summary, "second");
	assert_string_equal(fx->m.recent[0].actor, "alice");
	/* a long note is kept whole */
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(actions_note(&fx->m, big, err, sizeof err), 0);
	assert_non_null(fx->m.recent[0].detail_json);
	assert_true(strlen(fx->m.recent[0].detail_json) > sizeof big - 1);
}

static void without_a_store_actions_say_why(void **state)
{
	struct config cfg;
	struct model m;
	char err[256];

	(void)state;
	config_defaults(&cfg);
	model_init(&m, &cfg, NULL);
	snprintf(m.tl_error, sizeof m.tl_error, "cannot open /nowhere/t.db");
	assert_int_equal(actions_note(&m, "x", err, sizeof err), -1);
	assert_non_null(strstr(err, "/nowhere/t.db"));
	model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_is_complete_and_names_are_unique),
		cmocka_unit_test_setup_teardown(readonly_refuses_what_changes_the_cluster, setup, teardown),
		cmocka_unit_test_setup_teardown(sev_needs_an_open_incident, setup, teardown),
		cmocka_unit_test_setup_teardown(notes_reach_the_model_newest_first, setup, teardown),
		cmocka_unit_test(without_a_store_actions_say_why),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
