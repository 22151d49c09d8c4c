/* Markdown for text panels: headings, paragraphs, lists, code, links with
 * their URL, GFM tables aligned, HTML stripped to readable text, hostile
 * input bounded; and the runbook parser's share of it unchanged. */
#include "testutil.h"

#include "warroom/dashboard.h"
#include "warroom/markdown.h"

static struct md_doc md(const char *s)
{
	struct md_doc d;

	assert_int_equal(md_doc_parse(s, strlen(s), &d), 0);
	return d;
}

static const struct md_block *find(const struct md_doc *d, const char *text)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->b[i].text, text))
			return &d->b[i];
	fail_msg("no block \"%s\"", text);
	return NULL;
}

static void blocks_of_every_kind(void **state)
{
	struct md_doc d = md("# Pipeline\n\nRequests go **through** the `edge` first,\nthen the API.\n\n"
	                     "- one\n- two\n  - nested\n\n3. third\n4. fourth\n\n"
	                     "- [x] done\n- [ ] open\n\n"
	                     "```sh\nkubectl get pods\n\tindented\n```\n\n> quoted words\n\n---\n");
	const struct md_block *b;

	(void)state;
	b = find(&d, "Pipeline");
	assert_int_equal(b->style, MD_HEADING);
	assert_false(b->gap);
	b = find(&d, "Requests go through the `edge` first, then the API.");
	assert_int_equal(b->style, MD_TEXT);
	assert_true(b->gap);
	b = find(&d, "one");
	assert_string_equal(b->lead, "- ");
	assert_int_equal(b->indent, 0);
	b = find(&d, "two");
	assert_false(b->gap);                  /* a tight list: no empty rows */
	b = find(&d, "nested");
	assert_string_equal(b->lead, "- ");
	assert_int_equal(b->indent, 2);         /* under its parent's text */
	assert_false(b->gap);
	assert_string_equal(find(&d, "third")->lead, "3. ");
	assert_string_equal(find(&d, "fourth")->lead, "4. ");
	assert_string_equal(find(&d, "done")->lead, "[x] ");
	assert_string_equal(find(&d, "open")->lead, "[ ] ");
	b = find(&d, "kubectl get pods");
	assert_int_equal(b->style, MD_CODE);
	assert_int_equal(b->indent, 2);
	assert_int_equal(find(&d, "    indented")->style, MD_CODE);
	assert_int_equal(find(&d, "quoted words")->style, MD_QUOTE);
	assert_int_equal(d.b[d.n - 1].style, MD_RULE);
	md_doc_free(&d);
}

static void links_keep_their_url(void **state)
{
	struct md_doc d = md("See [the runbook](https://wiki.example/rb) or <https://grafana.example/d/x>, "
	                     "mail <ops@example.org>. ![chart](http://img/x.png)");

	(void)state;
	assert_int_equal(d.n, 1);
	assert_string_equal(d.b[0].text, "See the runbook (https://wiki.example/rb) or https://grafana.example/d/x, "
	                                 "mail ops@example.org. chart");   /* an image: its alt words */
	md_doc_free(&d);
}

static void tables_are_aligned(void **state)
{
	struct md_doc d = md("| Signal | SLO | Owner |\n|:--|--:|:-:|\n| P95 latency | 400 ms | api |\n"
	                     "| 5xx | 1 % | edge team |\n");

	(void)state;
	assert_int_equal(d.n, 4);
	assert_int_equal(d.b[0].style, MD_TABLE_HEAD);
	/* left, right and centred columns, as wide as their widest cell */
	assert_string_equal(d.b[0].text, "Signal      |    SLO |   Owner");
	assert_string_equal(d.b[1].text, "------------+--------+----------");
	assert_string_equal(d.b[2].text, "P95 latency | 400 ms |    api");
	assert_string_equal(d.b[3].text, "5xx         |    1 % | edge team");
	assert_int_equal(d.b[2].style, MD_TABLE);
	md_doc_free(&d);
}

static void html_is_readable_text(void **state)
{
	const char *h = "<style>p{color:red}</style><h2>On call</h2><p>Page the <b>API</b> team &amp; "
	                "the <a href=\"x\">edge</a>.<br>Then wait.</p><!-- hidden --><ul><li>first</li><li>second"
	                "</li></ul><script>alert(1)</script><table><tr><th>a</th><th>b</th></tr></table>&#65;&bogus;";
	struct md_doc d;

	(void)state;
	assert_int_equal(md_doc_html(h, strlen(h), &d), 0);
	assert_int_equal(find(&d, "On call")->style, MD_HEADING);
	find(&d, "Page the API team & the edge.");
	find(&d, "Then wait.");
	assert_string_equal(find(&d, "first")->lead, "- ");
	assert_string_equal(find(&d, "second")->lead, "- ");
	find(&d, "a | b");
	find(&d, "A&bogus;");
	for (size_t i = 0; i < d.n; i++) {
		assert_null(strstr(d.b[i].text, "alert"));
		assert_null(strstr(d.b[i].text, "color"));
		assert_null(strstr(d.b[i].text, "hidden"));
	}
	md_doc_free(&d);
}

static void hostile_markdown_is_bounded(void **state)
{
	size_t n = 200000;
	char *s = malloc(n + 1);
	struct md_doc d;

	(void)state;
	memset(s, '>', n);   /* quotes in quotes */
	s[n] = '\0';
	assert_int_equal(md_doc_parse(s, n, &d), 0);
	md_doc_free(&d);
	for (size_t i = 0; i < n; i++)
		s[i] = i % 3 == 2 ? '\n' : i % 3 ? ' ' : '-';   /* list in list */
	assert_int_equal(md_doc_parse(s, n, &d), 0);
	assert_true(d.n <= MD_MAX_BLOCKS);
	md_doc_free(&d);
	for (size_t i = 0; i < n; i++)
		s[i] = i % 2 ? '\n' : 'x';       /* many paragraphs */
	assert_int_equal(md_doc_parse(s, n, &d), 0);
	assert_int_equal(d.n, 1);           /* one paragraph: soft breaks */
	md_doc_free(&d);
	assert_int_equal(md_doc_html("<p><b", 5, &d), 0);   /* a tag left open */
	md_doc_free(&d);
	assert_int_equal(md_doc_parse("\x01\xff\x1b[2J", 6, &d), 0);
	for (size_t i = 0; i < d.n; i++)
		assert_null(strchr(d.b[i].text, '\x1b'));
	md_doc_free(&d);
	/* bytes no UTF-8 starts with are never taken for a character's start */
	assert_int_equal(md_doc_html("\xff\xb7\xb7 \xf8\x80\x80\x80 ok \xe2\x9c\x93", 15, &d), 0);
	assert_string_equal(d.b[0].text, "??? ???? ok \xe2\x9c\x93");
	md_doc_free(&d);
	free(s);
}

static void text_panels_in_both_modes(void **state)
{
	const char *json =
		"{\"title\":\"t\",\"panels\":["
		"{\"type\":\"text\",\"title\":\"M\",\"options\":{\"mode\":\"markdown\","
		"\"content\":\"# Head\\n**bold** and [a link](http://x)\"}},"
		"{\"type\":\"text\",\"title\":\"H\",\"options\":{\"mode\":\"html\","
		"\"content\":\"<h1>Head</h1><p>two <i>words</i></p>\"}},"
		"{\"type\":\"text\",\"title\":\"Old\",\"mode\":\"markdown\",\"content\":\"- a\\n- b\"}]}";
	char err[200];
	struct dashboard *d = dashboard_parse(json, strlen(json), err, sizeof err);
	char *t;

	(void)state;
	assert_non_null(d);
	t = md_doc_text(&d->p[0].md);
	assert_string_equal(t, "Head\n\nbold and a link (http://x)");
	free(t);
	assert_int_equal(d->p[1].md.b[0].style, MD_HEADING);
	t = md_doc_text(&d->p[1].md);
	assert_string_equal(t, "Head\n\ntwo words");
	free(t);
	t = md_doc_text(&d->p[2].md);
	assert_string_equal(t, "- a\n- b");
	free(t);
	dashboard_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(blocks_of_every_kind),
		cmocka_unit_test(links_keep_their_url),
		cmocka_unit_test(tables_are_aligned),
		cmocka_unit_test(html_is_readable_text),
		cmocka_unit_test(hostile_markdown_is_bounded),
		cmocka_unit_test(text_panels_in_both_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
