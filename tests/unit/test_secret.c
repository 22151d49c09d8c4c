/* Redaction by value: a secret registered where it was read is taken out
 * of any text, bare, base64 (standard and URL-safe), percent-encoded or
 * JSON-escaped; a server echoing it in an error body, a runbook step
 * printing it, a note quoting it all lose it. A command as written keeps
 * its words, only known values leave it; patterns stay for what the console
 * cannot know. */
#include "testutil.h"

#include "warroom/json.h"
#include "warroom/secret.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

static int forget(void **state)
{
	(void)state;
	secret_forget_all();
	return 0;
}

static char *scrub(const char *s)
{
	static char *last;

	free(last);
	last = secret_scrub_dup(s);
	assert_non_null(last);
	return last;
}

static void a_value_goes_in_every_form(void **state)
{
	const char *tok = "tok-4f1c9a+/Zq==";

	(void)state;
	secret_register(tok, (size_t)-1);
	assert_string_equal(scrub("body: Authorization: Bearer tok-4f1c9a+/Zq== echoed"),
	                    "body: Authorization: Bearer [redacted] echoed");
	/* base64 of it (a Basic header, a Kubernetes Secret), URL-safe too */
	assert_string_equal(scrub("data: dG9rLTRmMWM5YSsvWnE9PQ=="), "data: [redacted]==");
	assert_string_equal(scrub("u: dG9rLTRmMWM5YSsvWnE9PQ"), "u: [redacted]");
	/* percent-encoded (a query string), either case */
	assert_string_equal(scrub("?t=tok-4f1c9a%2B%2FZq%3D%3D&x=1"), "?t=[redacted]&x=1");
	assert_string_equal(scrub("?t=tok-4f1c9a%2b%2fZq%3d%3d"), "?t=[redacted]");
	/* twice in one text, and nothing else touched */
	assert_string_equal(scrub("tok-4f1c9a+/Zq==tok-4f1c9a+/Zq== and tok-4f1c9"), "[redacted][redacted] and tok-4f1c9");
	assert_true(secret_found("xx tok-4f1c9a+/Zq==", 19));
	assert_false(secret_found("nothing here", 12));
}

static void short_values_only_as_words(void **state)
{
	(void)state;
	secret_register("abc", 3);            /* too short: would hide ordinary words */
	secret_register("pw42", 4);           /* short: only as a word of its own */
	assert_string_equal(scrub("abc pw42 spw42 pw42x"), "abc [redacted] spw42 pw42x");
	secret_register("  spaced-token-value \n", (size_t)-1);   /* a file's trailing newline */
	assert_string_equal(scrub("x=spaced-token-value;"), "x=[redacted];");
}

static void url_passwords_and_their_basic_pair(void **state)
{
	(void)state;
	secret_register_url("prometheus: https://alice:hunter2%40x@prom:9090/api and more");
	assert_string_equal(scrub("pw hunter2%40x and hunter2@x"), "pw [redacted] and [redacted]");
	/* a Basic header is base64 of "alice:hunter2@x" */
	assert_string_equal(scrub("Authorization: Basic YWxpY2U6aHVudGVyMkB4"), "Authorization: Basic [redacted]");
}

static void key_material_by_line(void **state)
{
	const char *pem = "-----BEGIN EC PRIVATE KEY-----\n"
	                  "MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5SFfFPJO5Fp0poAoGCCqGSM49\n"
	                  "AwEHoUQDQgAEjPsFqF8Wq5p0b1b3n0lS4D1wq3uYk2gNfX0e8JQvN6c=\n"
	                  "-----END EC PRIVATE KEY-----\n";

	(void)state;
	secret_register_pem(pem, strlen(pem));
	assert_string_equal(scrub("log: MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5SFfFPJO5Fp0poAoGCCqGSM49"), "log: [redacted]");
	assert_true(secret_count() > 2);
	/* the BEGIN line is no secret */
	assert_string_equal(scrub("-----BEGIN EC PRIVATE KEY-----"), "-----BEGIN EC PRIVATE KEY-----");
}

static void fixed_buffers_are_cut_at_a_character(void **state)
{
	char buf[32] = "ééé long-secret-value", small[12] = "é pw4242 é";

	(void)state;
	secret_register("long-secret-value", (size_t)-1);
	secret_register("pw4242", (size_t)-1);
	assert_true(secret_scrub_buf(buf, sizeof buf));
	assert_string_equal(buf, "ééé [redacted]");
	assert_false(secret_scrub_buf(buf, sizeof buf));
	/* the mark is longer than the value: the text is cut to fit, at a character */
	assert_true(secret_scrub_buf(small, sizeof small));
	assert_string_equal(small, "é [redacte");
}

/* What the timeline keeps: a note's pasted token by value and by pattern; a
 * runbook command as written, but for the values the console knows. */
static void timeline_redacts_and_scrubs(void **state)
{
	char *r;

	(void)state;
	secret_register("ArgoTok-9f8e7d6c5b4a", (size_t)-1);
	r = timeline_redact("bare ArgoTok-9f8e7d6c5b4a and password=guessme");
	assert_string_equal(r, "bare [redacted] and password=[redacted]");
	free(r);
	r = timeline_scrub("PWD=$(pwd); echo \"prom token: $PROM_TOKEN\" ArgoTok-9f8e7d6c5b4a");
	assert_string_equal(r, "PWD=$(pwd); echo \"prom token: $PROM_TOKEN\" [redacted]");
	free(r);
	/* and what the timeline keeps is clean text */
	r = timeline_redact("title\x1b]52;c;AAAA\x07 end");
	assert_string_equal(r, "title\u241b end");
	free(r);
}

/* A server that echoes the request's token in its error body: the parsed
 * answer has lost it before any parser copies a word. */
static void answers_lose_known_values_as_parsed(void **state)
{
	const char *body = "{\"error\":\"bad request from Authorization: Bearer ArgoTok-9f8e7d6c5b4a\","
	                   "\"echo\":\"QXJnb1Rvay05ZjhlN2Q2YzViNGE=\"}";
	cJSON *j;
	char words[128];

	(void)state;
	secret_register("ArgoTok-9f8e7d6c5b4a", (size_t)-1);
	j = json_parse_wire(body, strlen(body));
	assert_string_equal(json_str(j, "error"), "bad request from Authorization: Bearer [redacted]");
	assert_string_equal(json_str(j, "echo"), "[redacted]=");
	cJSON_Delete(j);
	text_first_words("401: token ArgoTok-9f8e7d6c5b4a refused", 39, words, sizeof words);
	assert_string_equal(words, "401: token [redacted] refused");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(a_value_goes_in_every_form, forget),
		cmocka_unit_test_teardown(short_values_only_as_words, forget),
		cmocka_unit_test_teardown(url_passwords_and_their_basic_pair, forget),
		cmocka_unit_test_teardown(key_material_by_line, forget),
		cmocka_unit_test_teardown(fixed_buffers_are_cut_at_a_character, forget),
		cmocka_unit_test_teardown(timeline_redacts_and_scrubs, forget),
		cmocka_unit_test_teardown(answers_lose_known_values_as_parsed, forget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
