/* The one cleaning of text from outside: an incident title, a note, an
 * image string or an alert annotation holding OSC 52 (a clipboard write),
 * CSI 2J (clear the screen) or U+009B (CSI in its C1 form) reaches no
 * terminal as a control; it shows as a mark, the text around it stays, and
 * cleaning clean text changes nothing. A JSON answer from a server is
 * cleaned as it is parsed. */
#include "testutil.h"

#include "warroom/json.h"
#include "warroom/text.h"

static char out[512];

static const char *clean(const char *s, unsigned flags)
{
	text_clean(out, sizeof out, s, strlen(s), flags);
	return out;
}

static bool has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F))
			return true;
	return false;
}

static void escape_sequences_are_one_mark(void **state)
{
	(void)state;
	/* OSC 52 with BEL, and with ST: the whole payload goes, base64 and all */
	assert_string_equal(clean("before\x1b]52;c;ZWNobyBwd25lZA==\x07" "after", 0), "before\u241bafter");
	assert_string_equal(clean("a\x1b]52;c;ZWNobw==\x1b\\b", 0), "a\u241bb");
	/* CSI 2J, a colour, a cursor move */
	assert_string_equal(clean("x\x1b[2Jy\x1b[1;31mz\x1b[10;1H", 0), "x\u241by\u241bz\u241b");
	/* C1 controls in their UTF-8 form: U+009B is CSI, U+009D OSC, U+0085 NEL */
	assert_string_equal(clean("t\xc2\x9b" "2Ju", 0), "t\u241bu");
	assert_string_equal(clean("t\xc2\x9d" "0;title\xc2\x9cu", 0), "t\u241bu");
	assert_string_equal(clean("t\xc2\x85u", 0), "t\u241bu");
	/* DCS, APC, ESC with one final byte, ESC with an intermediate */
	assert_string_equal(clean("a\x1bPq#0;2;0;0;0\x1b\\b\x1b_hidden\x1b\\c", 0), "a\u241bb\u241bc");
	assert_string_equal(clean("a\x1b" "cb\x1b(Bc", 0), "a\u241bb\u241bc");
	/* an OSC never ended costs the sequence, not the lines after it */
	assert_string_equal(clean("a\x1b]0;evil\nnext line", TEXT_CLEAN_LINES), "a\u241b\nnext line");
	/* a lone ESC at the end */
	assert_string_equal(clean("end\x1b", 0), "end\u241b");
}

static void other_controls_show_their_picture(void **state)
{
	(void)state;
	assert_string_equal(clean("bell\x07 bs\x08 del\x7f", 0), "bell\u2407 bs\u2408 del\u2421");
	/* a byte that is not UTF-8: a raw 0x9B (CSI to an 8-bit terminal), an
	 * overlong slash, a surrogate */
	assert_string_equal(clean("a\x9b" "2Jb", 0), "a?2Jb");
	assert_string_equal(clean("a\xc0\xaf" "b", 0), "a??b");
	assert_string_equal(clean("a\xed\xa0\x80z", 0), "a???z");
	/* what is text stays as it is */
	assert_string_equal(clean("naïve → 日本 ✓", 0), "naïve → 日本 ✓");
}

static void blanks_by_the_flags(void **state)
{
	(void)state;
	/* one line: each run of tabs and line ends is one space, none at the ends */
	assert_string_equal(clean("\n\tfirst\r\n\r\nsecond\t\tthird\n", 0), "first second third");
	assert_string_equal(clean("keep  two spaces", 0), "keep  two spaces");
	/* lines kept: CRLF and a lone CR are line ends, a tab a space */
	assert_string_equal(clean("a\r\nb\rc\td", TEXT_CLEAN_LINES), "a\nb\nc d");
	assert_string_equal(clean("a\tb\nc", TEXT_CLEAN_LINES | TEXT_CLEAN_TABS), "a\tb\nc");
}

static void cut_never_splits_a_character_or_a_mark(void **state)
{
	char small[6];
	size_t need;

	(void)state;
	need = text_clean(small, 5, "ab\x1b[2Jcd", 8, 0);
	assert_int_equal(need, strlen("ab\u241bcd"));
	assert_string_equal(small, "ab");   /* the mark does not fit whole: it is left out */
	need = text_clean(small, sizeof small, "abcé", 5, 0);
	assert_string_equal(small, "abcé");
	need = text_clean(small, 4, "abé", 4, 0);
	assert_string_equal(small, "ab");
	/* srclen bounds the source, a NUL ends it earlier */
	text_clean(out, sizeof out, "abcdef", 3, 0);
	assert_string_equal(out, "abc");
	assert_int_equal(text_clean(NULL, 0, "a\x1b[Kb", 5, 0), strlen("a\u241bb"));
}

static void clean_text_is_left_alone(void **state)
{
	static const char *const dirty[] = {
		"x\x1b]52;c;AAAA\x07y", "\xc2\x9b" "31m", "a\r\nb", "\x01\x02\x03", "\xff\xfe", "t\tab",
	};
	char once[256], twice[256], buf[16];
	char *dup;

	(void)state;
	for (size_t i = 0; i < sizeof dirty / sizeof dirty[0]; i++) {
		for (unsigned flags = 0; flags < 4; flags++) {
			text_clean(once, sizeof once, dirty[i], strlen(dirty[i]), flags);
			assert_true(text_is_clean(once, strlen(once), flags));
			text_clean(twice, sizeof twice, once, strlen(once), flags);
			assert_string_equal(once, twice);
		}
		assert_false(text_is_clean(dirty[i], strlen(dirty[i]), 0));
	}
	dup = text_clean_dup("title\x1b[2J", 9, 0);
	assert_string_equal(dup, "title\u241b");
	free(dup);
	snprintf(buf, sizeof buf, "a\x1b[2Jbcdefghij");
	text_clean_buf(buf, sizeof buf, 0);
	assert_string_equal(buf, "a\u241bbcdefghij");
	assert_false(has_control(buf));
}

/* What every parser of a server's answer starts from. */
static void json_from_a_server_is_clean_as_parsed(void **state)
{
	const char *body = "{\"metadata\":{\"name\":\"web\\u001b[2J\"},\"image\":\"repo/app:1.5.0\\u001b]52;c;ZWNobw==\\u0007\","
	                   "\"labels\":{\"team\\u009b\":\"a\\u009b31mb\"},\"description\":\"line one\\nline two\"}";
	cJSON *j = json_parse_wire(body, strlen(body));
	const cJSON *labels;

	(void)state;
	assert_non_null(j);
	assert_string_equal(json_str(json_get(j, "metadata"), "name"), "web\u241b");
	assert_string_equal(json_str(j, "image"), "repo/app:1.5.0\u241b");
	labels = json_get(j, "labels");
	assert_non_null(labels->child);
	assert_string_equal(labels->child->string, "team\u241b");
	assert_string_equal(labels->child->valuestring, "a\u241bb");
	assert_string_equal(json_str(j, "description"), "line one\nline two");
	cJSON_Delete(j);
	assert_null(json_parse_wire("not json", 8));
}

/* Error words from a body are one clean line. */
static void first_words_of_a_body_are_clean(void **state)
{
	char words[128];
	const char *body = "\x1b[2J\x1b]52;c;AAAA\x07oops:\tthe\n\nserver   broke";

	(void)state;
	text_first_words(body, strlen(body), words, sizeof words);
	assert_string_equal(words, "\u241b\u241boops: the server broke");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escape_sequences_are_one_mark),
		cmocka_unit_test(other_controls_show_their_picture),
		cmocka_unit_test(blanks_by_the_flags),
		cmocka_unit_test(cut_never_splits_a_character_or_a_mark),
		cmocka_unit_test(clean_text_is_left_alone),
		cmocka_unit_test(json_from_a_server_is_clean_as_parsed),
		cmocka_unit_test(first_words_of_a_body_are_clean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
