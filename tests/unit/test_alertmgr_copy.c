/* The alerts state moves from the round's build to what the view reads
 * entry by entry in use: the result must be the whole state all the same,
 * with nothing of a longer previous round left behind. */
#include "testutil.h"

#include "warroom/alertmgr.h"
#include "warroom/model.h"

/* Every field set, n of each entry kind; the scalars differ with n. */
static void fill(struct model_am *am, size_t n, const char *tag)
{
	am->n = n;
	am->ngroups = n;
	am->nsilences = n;
	am->nrules = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(am->a[i].name, sizeof am->a[i].name, "%s-alert-%zu", tag, i);
		am->a[i].nlabels = 1;
		snprintf(am->a[i].labels[0].name, sizeof am->a[i].labels[0].name, "env");
		snprintf(am->groups[i].labels, sizeof am->groups[i].labels, "%s-group-%zu", tag, i);
		snprintf(am->silences[i].id, sizeof am->silences[i].id, "%s-sil-%zu", tag, i);
		snprintf(am->rules[i].name, sizeof am->rules[i].name, "%s-rule-%zu", tag, i);
	}
	am->total = n + 7;
	am->rules_total = n + 3;
	am->rules_in_error = n / 2 + 1;
	am->rules_wanted = n > 10;
	snprintf(am->rules_error, sizeof am->rules_error, "%s rules down", tag);
	snprintf(am->url[1], sizeof am->url[1], "http://%s:9093", tag);
	snprintf(am->error[1], sizeof am->error[1], "%s refused", tag);
	am->nsources = 1 + n % 3;
	am->answered = n % 2;
	am->generation = n * 3 + 1;
	am->updated_ms = (int64_t)n * 1000 + 5;
}

static void a_shorter_round_replaces_a_longer_one_whole(void **state)
{
	struct model_am *full = calloc(1, sizeof *full), *build = calloc(1, sizeof *build);

	(void)state;
	assert_non_null(full);
	assert_non_null(build);
	fill(full, 50, "old");
	fill(build, 3, "new");
	alertmgr_am_copy(full, build);
	/* byte for byte what copying the whole struct gives: every scalar field
	 * is carried, and the 47 alerts of the old round are gone */
	assert_memory_equal(full, build, sizeof *full);
	assert_int_equal(full->n, 3);
	assert_string_equal(full->a[2].name, "new-alert-2");
	assert_string_equal(full->a[3].name, "");
	assert_string_equal(full->silences[49].id, "");
	free(full);
	free(build);
}

static void a_longer_round_replaces_a_shorter_one_whole(void **state)
{
	struct model_am *full = calloc(1, sizeof *full), *build = calloc(1, sizeof *build);

	(void)state;
	assert_non_null(full);
	assert_non_null(build);
	fill(full, 2, "old");
	fill(build, MODEL_AM_GROUPS, "new");
	alertmgr_am_copy(full, build);
	assert_memory_equal(full, build, sizeof *full);
	free(full);
	free(build);
}

static void a_cleared_build_is_as_new(void **state)
{
	struct model_am *am = calloc(1, sizeof *am), *zero = calloc(1, sizeof *zero);

	(void)state;
	assert_non_null(am);
	assert_non_null(zero);
	fill(am, 21, "round");
	alertmgr_am_clear(am);
	assert_memory_equal(am, zero, sizeof *am);
	free(am);
	free(zero);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_shorter_round_replaces_a_longer_one_whole),
		cmocka_unit_test(a_longer_round_replaces_a_shorter_one_whole),
		cmocka_unit_test(a_cleared_build_is_as_new),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
