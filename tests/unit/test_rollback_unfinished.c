/* A rollback confirmed but never finished (the process was killed) is named
 * on the next start and recorded once; a finished one is not. */
#include "testutil.h"

#include "warroom/rollback.h"
#include "warroom/timeline.h"

static char dir[512];
static char db[700];

static int setup(void **state)
{
	testutil_tmpdir(dir, sizeof dir);
	snprintf(db, sizeof db, "%s/t.db", dir);
	return 0;
}

static int teardown(void **state)
{
	testutil_rmtree(dir);
	return 0;
}

static int64_t count_kind(struct timeline *tl, const char *needle)
{
	struct timeline_event *evs;
	size_t n;
	assert_int_equal(timeline_list(tl, -1, 0, 0, &evs, &n), 0);
	int64_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += strstr(evs[i].summary, needle) != NULL;
	timeline_events_free(evs, n);
	return c;
}

static void interrupted_rollback_is_reported_once(void **state)
{
	char err[256], words[640];
	struct timeline *tl = timeline_open(db, "alice", err, sizeof err);
	assert_non_null(tl);
	assert_int_equal(rollback_unfinished_check(tl, words, sizeof words), 0);
	assert_int_equal(timeline_log(tl, "rollback", "rollback selector green -> blue confirmed by alice",
	                              "{\"strategy\":\"selector\"}"), 0);
	assert_int_equal(timeline_log(tl, "rollback", "PATCH service detection-api-service: 200", NULL), 0);
	assert_int_equal(timeline_log(tl, "note", "looking at the graphs", NULL), 0);
	timeline_close(tl);

	/* The next start. */
	tl = timeline_open(db, "bob", err, sizeof err);
	assert_non_null(tl);
	assert_int_equal(rollback_unfinished_check(tl, words, sizeof words), 1);
	assert_non_null(strstr(words, "interrupted rollback"));
	assert_non_null(strstr(words, "green -> blue confirmed by alice"));
	assert_non_null(strstr(words, "never finished"));
	assert_int_equal(count_kind(tl, "interrupted rollback"), 1);
	/* Said once: a second start stays quiet. */
	assert_int_equal(rollback_unfinished_check(tl, words, sizeof words), 0);
	assert_string_equal(words, "");
	assert_int_equal(count_kind(tl, "interrupted rollback"), 1);
	timeline_close(tl);
}

static void finished_rollback_is_not_reported(void **state)
{
	char err[256], words[640];
	struct timeline *tl = timeline_open(db, "alice", err, sizeof err);
	assert_non_null(tl);
	assert_int_equal(timeline_log(tl, "rollback", "rollback selector green -> blue confirmed by alice", "{}"), 0);
	assert_int_equal(timeline_log(tl, "rollback", "traffic on blue, verified in 0.8 s",
	                              "{\"outcome\":0,\"confirm_to_verified_ms\":800}"), 0);
	assert_int_equal(rollback_unfinished_check(tl, words, sizeof words), 0);
	/* A newer one that was cut short is reported, the older finished one is not. */
	assert_int_equal(timeline_log(tl, "rollback", "rollback argocd 1.5.0 -> 1.4.2 confirmed by bob", "{}"), 0);
	assert_int_equal(rollback_unfinished_check(tl, words, sizeof words), 1);
	assert_non_null(strstr(words, "argocd 1.5.0 -> 1.4.2 confirmed by bob"));
	timeline_close(tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(interrupted_rollback_is_reported_once, setup, teardown),
		cmocka_unit_test_setup_teardown(finished_rollback_is_not_reported, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
