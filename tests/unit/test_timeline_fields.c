/* An event's detail as fields for the screen: flat, in order, whole
 * characters only. */
#include "testutil.h"

#include "warroom/timeline.h"

static const struct timeline_field *find(const struct timeline_field *f, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (strcmp(f[i].key, key) == 0)
			return &f[i];
	fail_msg("no field %s", key);
	return NULL;
}

/* Every byte sequence is a whole UTF-8 character. */
static int utf8_whole(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; ) {
		int n = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 0;
		if (!n)
			return 0;
		for (int i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		p += n;
	}
	return 1;
}

static void plan_detail_becomes_fields_in_order(void **state)
{
	struct timeline_field f[32];
	const char *d = "{\"strategy\":\"selector\",\"ok\":true,\"to\":\"blue\",\"target_revision\":11,"
	                "\"need_ready\":2.5,\"argocd\":{\"to_id\":4,\"app\":null},\"lines\":[\"one\",\"two\"],"
	                "\"warnings\":[]}";
	int n;

	(void)state;
	n = timeline_detail_fields(d, f, 32);
	assert_int_equal(n, 10);
	assert_string_equal(f[0].key, "strategy");
	assert_string_equal(f[0].value, "selector");     /* strings unquoted */
	assert_string_equal(find(f, n, "ok")->value, "true");
	assert_string_equal(find(f, n, "to")->value, "blue");
	assert_string_equal(find(f, n, "target_revision")->value, "11");
	assert_string_equal(find(f, n, "need_ready")->value, "2.5");
	assert_string_equal(find(f, n, "argocd.to_id")->value, "4");
	assert_string_equal(find(f, n, "argocd.app")->value, "null");
	assert_string_equal(find(f, n, "lines[1]")->value, "two");
	assert_string_equal(find(f, n, "warnings")->value, "(none)");
}

static void more_fields_than_room_are_counted(void **state)
{
	struct timeline_field f[2];

	(void)state;
	assert_int_equal(timeline_detail_fields("{\"a\":1,\"b\":2,\"c\":3}", f, 2), 3);
	assert_string_equal(f[1].key, "b");
	assert_int_equal(timeline_detail_fields(NULL, f, 2), 0);
	assert_int_equal(timeline_detail_fields("", f, 2), 0);
	assert_int_equal(timeline_detail_fields("[1,2]", f, 2), -1);
	assert_int_equal(timeline_detail_fields("{\"a\":", f, 2), -1);
}

static void a_long_value_is_cut_between_characters_and_says_so(void **state)
{
	static struct timeline_field f[1];
	char d[4000];
	size_t n = 0;

	(void)state;
	n += (size_t)snprintf(d + n, sizeof d - n, "{\"text\":\"");
	while (n < 3000)
		n += (size_t)snprintf(d + n, sizeof d - n, "ü日");   /* 2 + 3 bytes: no cut lands on a boundary by luck */
	snprintf(d + n, sizeof d - n, "\"}");
	assert_int_equal(timeline_detail_fields(d, f, 1), 1);
	assert_true(strlen(f[0].value) < sizeof f[0].value);
	assert_true(strlen(f[0].value) > sizeof f[0].value - 8);
	assert_true(utf8_whole(f[0].value));
	assert_string_equal(f[0].value + strlen(f[0].value) - 3, "…");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plan_detail_becomes_fields_in_order),
		cmocka_unit_test(more_fields_than_room_are_counted),
		cmocka_unit_test(a_long_value_is_cut_between_characters_and_says_so),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
