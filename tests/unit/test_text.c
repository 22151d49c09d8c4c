/* The growing string every export, runbook and redaction is written into:
 * long text comes out whole, and out of memory is one flag checked at the
 * end, never half a text taken for the whole. */
#include "testutil.h"

#include <stdint.h>

#include "warroom/text.h"

static void long_text_comes_out_whole(void **state)
{
	struct text_buf b = { 0 };
	char *s;

	/* a postmortem of a long incident: thousands of rows, pieces of every size */
	for (int i = 0; i < 20000; i++)
		text_buf_printf(&b, "| %05d | %s |\n", i, i % 7 ? "note" : "rollback to blue verified");
	text_buf_str(&b, "end");
	text_buf_add(&b, "\n--", 1);
	assert_false(b.oom);
	assert_int_equal(b.n, strlen(b.s));
	s = text_buf_take(&b);
	assert_non_null(s);
	assert_memory_equal(s, "| 00000 | rollback to blue verified |\n| 00001 | note |\n", 47);
	assert_non_null(strstr(s, "| 19998 | note |\n| 19999 | rollback to blue verified |\nend\n"));
	assert_int_equal(s[strlen(s) - 1], '\n');
	assert_null(b.s);   /* taken: the buffer is empty and owns nothing */
	assert_int_equal(b.n, 0);
	free(s);
}

static void nothing_written_is_an_empty_string(void **state)
{
	struct text_buf b = { 0 };
	char *s;

	text_buf_str(&b, NULL);
	text_buf_add(&b, "ignored", 0);
	s = text_buf_take(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
}

static void reset_starts_a_new_text(void **state)
{
	struct text_buf b = { 0 };

	text_buf_str(&b, "kubectl rollout undo");
	text_buf_reset(&b);
	assert_int_equal(b.n, 0);
	assert_string_equal(b.s, "");
	text_buf_printf(&b, "%s=%d", "replicas", 3);
	assert_string_equal(b.s, "replicas=3");
	text_buf_free(&b);
	assert_null(b.s);
}

/* An append no memory can hold fails the text for good: what follows is
 * dropped and the taker gets NULL, so no caller can save a text with a
 * hole in it (a command cut short, an export missing rows). */
static void out_of_memory_is_sticky_and_nothing_is_taken(void **state)
{
	struct text_buf b = { 0 };

	text_buf_str(&b, "first rows of the export\n");
	text_buf_add(&b, "x", SIZE_MAX / 2);
	assert_true(b.oom);
	text_buf_str(&b, "later rows\n");
	text_buf_printf(&b, "%d more\n", 3);
	assert_true(b.oom);
	assert_null(strstr(b.s, "later"));
	assert_null(text_buf_take(&b));
	/* the buffer is empty and usable again */
	assert_false(b.oom);
	assert_null(b.s);
	text_buf_str(&b, "ok");
	assert_string_equal(b.s, "ok");
	text_buf_free(&b);
}

/* One reading of a duration for every place that takes one: a watch's
 * --window, a silence's length, logs --since, a panel's interval. */
static void durations_read_as_prometheus_writes_them(void **state)
{
	(void)state;
	assert_int_equal(text_duration_ms("90s", false), 90000);
	assert_int_equal(text_duration_ms("1h30m", false), 5400000);
	assert_int_equal(text_duration_ms("250ms", false), 250);
	assert_int_equal(text_duration_ms("1.5h", false), 5400000);
	assert_int_equal(text_duration_ms("2w", false), 14LL * 86400000);
	assert_int_equal(text_duration_ms("0s", false), 0);
	/* a plain number is seconds only where the caller says so */
	assert_int_equal(text_duration_ms("300", true), 300000);
	assert_int_equal(text_duration_ms("300", false), -1);
	assert_int_equal(text_duration_ms("5m30", true), -1);
	/* nothing else is a duration */
	assert_int_equal(text_duration_ms("", true), -1);
	assert_int_equal(text_duration_ms(NULL, true), -1);
	assert_int_equal(text_duration_ms("-5m", true), -1);
	assert_int_equal(text_duration_ms(" 5m", true), -1);
	assert_int_equal(text_duration_ms("5x", true), -1);
	assert_int_equal(text_duration_ms("h", true), -1);
	assert_int_equal(text_duration_ms("inf", true), -1);
	assert_int_equal(text_duration_ms("1e300s", true), -1);
	assert_int_equal(text_duration_ms("101y", true), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(long_text_comes_out_whole),
		cmocka_unit_test(nothing_written_is_an_empty_string),
		cmocka_unit_test(reset_starts_a_new_text),
		cmocka_unit_test(out_of_memory_is_sticky_and_nothing_is_taken),
		cmocka_unit_test(durations_read_as_prometheus_writes_them),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
