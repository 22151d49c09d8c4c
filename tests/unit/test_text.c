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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(long_text_comes_out_whole),
		cmocka_unit_test(nothing_written_is_an_empty_string),
		cmocka_unit_test(reset_starts_a_new_text),
		cmocka_unit_test(out_of_memory_is_sticky_and_nothing_is_taken),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
