/* The key map as hints and the help read it: the keys in force after the
 * config's overrides, the views' number keys, core's {NAME} words, and the
 * one SEV-to-role mapping. */
#include "testutil.h"

#include "warroom/config.h"
#include "warroom/keymap.h"
#include "warroom/tui.h"
#include "warroom/views.h"

static struct config cfg;

static void map(const char *const *pairs, size_t n)
{
	size_t nviews;
	const struct view_ops *const *views = views_all(&nviews);
	char err[256];

	config_defaults(&cfg);
	for (size_t i = 0; i < n; i++) {
		snprintf(cfg.keys[i].action, sizeof cfg.keys[i].action, "%s", pairs[2 * i]);
		snprintf(cfg.keys[i].keys, sizeof cfg.keys[i].keys, "%s", pairs[2 * i + 1]);
	}
	cfg.nkeys = n;
	assert_int_equal(keymap_init(&cfg, views, nviews, err, sizeof err), 0);
}

static void hints_name_the_default_keys(void **state)
{
	char buf[64];

	(void)state;
	map(NULL, 0);
	assert_string_equal(keymap_key_for(ACTION_RUNBOOK), "b");
	assert_string_equal(keymap_key_for(ACTION_RUNBOOK_CHECK), "x");
	assert_string_equal(keymap_key_for(ACTION_TICK), "+");
	assert_string_equal(keymap_key_for(ACTION_RUNBOOK_CANCEL), "C-x");
	assert_string_equal(keymap_key_for(ACTION_ROLE), ":role");     /* no key: the command line */
	/* in the order the table writes them */
	assert_string_equal(keymap_keys(ACTION_QUIT_NOW, buf, sizeof buf), "Q, C-c");
	assert_string_equal(keymap_key_for(ACTION_PAGE_DOWN), "PgDn");
	assert_string_equal(keymap_view_key("runbook"), "6");
	assert_string_equal(keymap_view_key("alerts"), "5");
	assert_int_equal(keymap_lookup('\n'), ACTION_SELECT);           /* Enter, however it arrives */
	assert_int_equal(keymap_lookup(KEY_ENTER), ACTION_SELECT);
}

static void hints_follow_the_config(void **state)
{
	static const char *const pairs[] = {
		"runbook", "B", "runbook-tick", "K", "range", "L", "runbook-step", "x",   /* x taken from the tick */
		"note", "6",                                                             /* the runbook view's number */
	};
	char buf[64];

	(void)state;
	map(pairs, sizeof pairs / sizeof pairs[0] / 2);
	assert_string_equal(keymap_key_for(ACTION_RUNBOOK), "B");
	assert_string_equal(keymap_key_for(ACTION_RANGE), "L");
	assert_string_equal(keymap_key_for(ACTION_RUNBOOK_STEP), "x");
	assert_string_equal(keymap_key_for(ACTION_RUNBOOK_CHECK), "K");
	assert_int_equal(keymap_lookup('b'), ACTION_NONE);
	assert_int_equal(keymap_lookup('e'), ACTION_NONE);
	assert_int_equal(keymap_lookup('t'), ACTION_NONE);
	/* 6 is the note's now: the runbook view opens by name */
	assert_string_equal(keymap_view_key("runbook"), ":runbook");
	assert_int_equal(keymap_view('6'), -1);
	assert_int_equal(keymap_lookup('6'), ACTION_NOTE);
	assert_true(keymap_view('5') >= 0);
	keymap_expand("line 3 is a check: {runbook-tick} ticks it; {runbook} starts {alertname=\"X\"} {nope}", buf,
	              sizeof buf);
	assert_string_equal(buf, "line 3 is a check: K ticks it; B starts {alertname=\"X\"} {nope}");
}

static void a_key_left_to_no_action_is_hinted_as_its_command(void **state)
{
	static const char *const pairs[] = { "help", "R" };   /* R was the rollback's */
	struct keymap_entry e;
	bool seen = false;

	(void)state;
	map(pairs, 1);
	assert_string_equal(keymap_key_for(ACTION_ROLLBACK), ":rollback");
	for (size_t i = 0; keymap_entry(i, &e); i++)
		if (strcmp(e.name, "rollback") == 0 && !e.view) {
			assert_string_equal(e.keys, ":rollback");
			assert_string_equal(e.tags, "WC ");
			seen = true;
		}
	assert_true(seen);
}

static void core_words_name_commands_headless(void **state)
{
	char buf[160];

	(void)state;
	actions_text_expand("change its SEV with {sev}, or {runbook-tick}; {rollback", buf, sizeof buf, NULL, NULL);
	assert_string_equal(buf, "change its SEV with warroom sev, or :runbook-tick; {rollback");
	actions_text_expand("{rollback} to roll back", buf, 6, NULL, NULL);
	assert_string_equal(buf, "warro");   /* cut, never past the buffer */
}

static void every_place_colours_a_sev_alike(void **state)
{
	(void)state;
	assert_int_equal(tui_sev_role(1), ROLE_CRIT);
	assert_int_equal(tui_sev_role(2), ROLE_CRIT);
	assert_int_equal(tui_sev_role(3), ROLE_WARN);
	assert_int_equal(tui_sev_role(4), ROLE_NORMAL);
	assert_int_equal(tui_sev_role(0), ROLE_NORMAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hints_name_the_default_keys),
		cmocka_unit_test(hints_follow_the_config),
		cmocka_unit_test(a_key_left_to_no_action_is_hinted_as_its_command),
		cmocka_unit_test(core_words_name_commands_headless),
		cmocka_unit_test(every_place_colours_a_sev_alike),
	};

	return cmocka_run_group_tests_name("key map", tests, NULL, NULL);
}
