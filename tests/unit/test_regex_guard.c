/* Regexes from a server (a silence's matchers), a dashboard (a variable's
 * regex) or the operator's filter go through text_regex_check before
 * regcomp: glibc copies a repeated part once per repetition, so a few bytes
 * of nested repetitions would take the console's memory. */
#include "testutil.h"

#include "warroom/alertmgr.h"
#include "warroom/dashboard.h"
#include "warroom/text.h"

static void everyday_regexes_pass(void **state)
{
	static const char *const ok[] = {
		"High.*", "^(detection-api-(blue|green))$", "[a-z]+-[0-9]{1,3}", "(a|b|c)+", "x{2,}", "[]a]+",
		"[[:alpha:]_]+", "\\++", "a{0,1000}", "foo{", "((a+)b)+", "(?i)error", ".*(5xx|timeout).*",
	};
	char err[160];

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		err[0] = '\0';
		if (text_regex_check(ok[i], err, sizeof err) != 0)
			fail_msg("%s refused: %s", ok[i], err);
	}
}

static void regexes_that_explode_are_refused_in_words(void **state)
{
	char err[160], big[1200];

	assert_int_equal(text_regex_check("i++++++++++++++++++++++++gh.*", err, sizeof err), -1);
	assert_non_null(strstr(err, "nested repetition"));
	assert_int_equal(text_regex_check("a*{3}", err, sizeof err), -1);
	assert_int_equal(text_regex_check("(((((((((((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+",
	                                  err, sizeof err), -1);
	assert_non_null(strstr(err, "grow past"));
	assert_int_equal(text_regex_check("(a{1000}){1000}", err, sizeof err), -1);
	assert_int_equal(text_regex_check("a{1001}", err, sizeof err), -1);
	assert_non_null(strstr(err, "more than 1000 times"));
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(text_regex_check(big, err, sizeof err), -1);
	assert_non_null(strstr(err, "longer than"));
}

/* The fuzz pass's input: a silence filter that took 1.6 GB in regcomp is
 * refused in words before regcomp sees it. */
static void a_hostile_matcher_is_refused_not_compiled(void **state)
{
	struct alertmgr_matchers ms;
	char err[256] = "", out[64];
	char filter[200];

	snprintf(filter, sizeof filter, "alertname=~\"\bi%s\"", "++++++++++++++++++++++++++++++++++++++++++++++gh.*");
	memset(&ms, 0, sizeof ms);
	assert_int_equal(alertmgr_matchers_parse(filter, &ms, err, sizeof err), -1);
	assert_non_null(strstr(err, "alertname"));
	assert_non_null(strstr(err, "nested repetition"));
	alertmgr_matchers_free(&ms);
	/* a dashboard variable's regex the same way */
	assert_int_equal(dashboard_var_regex("/(x+)+++/", "xxxx", out, sizeof out, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot be used"));
	assert_int_equal(alertmgr_matchers_parse("alertname=~\"High.*\"", &ms, err, sizeof err), 0);
	alertmgr_matchers_free(&ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(everyday_regexes_pass),
		cmocka_unit_test(regexes_that_explode_are_refused_in_words),
		cmocka_unit_test(a_hostile_matcher_is_refused_not_compiled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
