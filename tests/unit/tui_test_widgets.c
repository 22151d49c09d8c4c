/* Widgets drawn on an in-memory screen and read back cell by cell. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "testutil.h"

#include <locale.h>
#include <math.h>

#include "warroom/actions.h"
#include "warroom/markdown.h"
#include "warroom/widgets.h"

/* Row y of the screen as UTF-8 text, trailing blanks dropped. */
static const char *row_text(int y)
{
	static char buf[1024];
	size_t used = 0;

	for (int x = 0; x < COLS; x++) {
		cchar_t cc;
		wchar_t wch[CCHARW_MAX + 1] = { 0 };
		attr_t a;
		short pair;
		char mb[16];

		mvwin_wch(stdscr, y, x, &cc);
		getcchar(&cc, wch, &a, &pair, NULL);
		if (wch[0] == 0)
			continue;   /* the right half of a wide character */
		for (int i = 0; wch[i]; i++) {
			int n = wctomb(mb, wch[i]);
			if (n > 0 && used + (size_t)n < sizeof buf) {
				memcpy(buf + used, mb, (size_t)n);
				used += (size_t)n;
			}
		}
	}
	while (used && buf[used - 1] == ' ')
		used--;
	buf[used] = '\0';
	return buf;
}

static int setup_utf8(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C.UTF-8");
	assert_int_equal(tui_init_headless(24, 80, true, 0), 0);
	return 0;
}

static int setup_ascii(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C");
	assert_int_equal(tui_init_headless(24, 80, false, 0), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	endwin();
	return 0;
}

static void sparkline_rises_in_eight_levels(void **state)
{
	double v[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };

	(void)state;
	erase();
	chart_spark(stdscr, 0, 0, 8, v, 8, 0, 7, ROLE_NORMAL);
	assert_string_equal(row_text(0), "▁▂▃▄▅▆▇█");
	/* newest on the right; a gap (NaN) is a blank */
	v[7] = NAN;
	erase();
	chart_spark(stdscr, 0, 0, 10, v, 8, 0, 7, ROLE_NORMAL);
	assert_string_equal(row_text(0), "  ▁▂▃▄▅▆▇");
}

static void braille_plot_fills_from_the_bottom(void **state)
{
	double v[4] = { 0, 1, 1, 0 };   /* two cells: left half low, right half full */

	(void)state;
	erase();
	chart_plot(stdscr, 0, 0, 2, 2, v, 4, 0, 1, ROLE_NORMAL);
	/* bottom row: the lowest dot everywhere, full cells where the value is 1 */
	assert_string_equal(row_text(1), "⣸⣇");
	assert_string_equal(row_text(0), "⢸⡇");
}

static void ascii_fallback_charts_and_gauge(void **state)
{
	double v[3] = { 0, 5, 10 };

	(void)state;
	erase();
	chart_spark(stdscr, 0, 0, 3, v, 3, 0, 10, ROLE_NORMAL);
	assert_string_equal(row_text(0), "_=@");
	gauge_draw(stdscr, 1, 0, 20, 50, 100, "cpu", ROLE_OK);
	assert_string_equal(row_text(1), "cpu [#####.....] 50%");
	erase();
	tui_box(stdscr, 0, 0, 3, 10, "x", ROLE_TITLE);
	assert_string_equal(row_text(0), "+ x -----+");
}

static void gauge_in_utf8_and_without_data(void **state)
{
	(void)state;
	erase();
	gauge_draw(stdscr, 0, 0, 20, 75, 100, "mem", ROLE_WARN);
	assert_string_equal(row_text(0), "mem [████████··] 75%");
	gauge_draw(stdscr, 1, 0, 20, NAN, 100, "mem", ROLE_WARN);
	assert_string_equal(row_text(1), "mem [··········] n/a");
}

static enum tui_role cell(const void *data, size_t row, size_t col, char *buf, size_t len)
{
	(void)data;
	if (col == 0)
		snprintf(buf, len, "row%zu", row);
	else
		snprintf(buf, len, "%zu", row * 10);
	return ROLE_NORMAL;
}

static void table_scrolls_to_keep_the_selection_visible(void **state)
{
	static const struct table_col cols[] = { { "NAME", 8, false }, { "VALUE", 6, true } };
	struct table t = { .cols = cols, .ncols = 2, .nrows = 50, .cell = cell, .show_selection = true };

	(void)state;
	erase();
	table_draw(stdscr, 0, 0, 6, 30, &t);           /* header + 5 rows */
	assert_true(strncmp(row_text(0), "NAME      VALUE", 15) == 0);
	assert_true(strstr(row_text(0), "1/50") != NULL);
	assert_string_equal(row_text(1), "row0          0");
	for (int i = 0; i < 7; i++)
		assert_true(table_move(&t, ACTION_DOWN, 5));
	erase();
	table_draw(stdscr, 0, 0, 6, 30, &t);
	assert_string_equal(row_text(5), "row7         70");   /* selected row, last shown */
	assert_string_equal(row_text(1), "row3         30");
	assert_true(table_move(&t, ACTION_BOTTOM, 5));
	assert_int_equal(t.selected, 49);
	assert_false(table_move(&t, ACTION_DOWN, 5));         /* nothing below the last */
	assert_true(table_move(&t, ACTION_PAGE_UP, 5));
	assert_int_equal(t.selected, 44);
	assert_true(table_move(&t, ACTION_TOP, 5));
	assert_int_equal(t.selected, 0);
}

static void dialogs_confirm_input_and_wrap(void **state)
{
	struct dialog d;

	(void)state;
	dialog_confirm(&d, "Rollback", "Run it?", true, NULL, &d);
	assert_ptr_equal(d.arg, &d);
	dialog_draw(stdscr, &d);                  /* all of it on screen: y is taken */
	assert_int_equal(dialog_key(&d, 'x'), DIALOG_OPEN);
	assert_int_equal(dialog_key(&d, 'n'), DIALOG_NO);
	assert_int_equal(dialog_key(&d, 'y'), DIALOG_YES);

	dialog_input(&d, "Note", "Note:", "", NULL, NULL);
	for (const char *p = "héllo"; *p; p++)
		dialog_key(&d, (unsigned char)*p);
	assert_string_equal(d.input, "héllo");
	dialog_key(&d, KEY_LEFT);
	dialog_key(&d, KEY_LEFT);
	dialog_key(&d, KEY_LEFT);
	dialog_key(&d, KEY_LEFT);                 /* before é */
	dialog_key(&d, KEY_RIGHT);                /* after é, a two-byte character */
	dialog_key(&d, KEY_BACKSPACE);            /* removes é whole */
	assert_string_equal(d.input, "hllo");
	dialog_key(&d, 21);                       /* C-u */
	assert_string_equal(d.input, "");
	assert_int_equal(dialog_key(&d, 27), DIALOG_NO);
	assert_int_equal(dialog_key(&d, '\r'), DIALOG_YES);

	/* a line wider than the screen wraps at spaces, nothing is lost */
	erase();
	dialog_info(&d, "Plan");
	dialog_add_line(&d, ROLE_NORMAL, "%s", "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu "
	                "nu xi omicron pi rho sigma tau upsilon phi chi psi omega END");
	resizeterm(12, 40);
	dialog_draw(stdscr, &d);
	{
		char all[2048] = "";

		for (int y = 0; y < LINES; y++) {
			strncat(all, row_text(y), sizeof all - strlen(all) - 2);
			strcat(all, "\n");
		}
		assert_non_null(strstr(all, "alpha beta"));
		assert_non_null(strstr(all, "omega END"));
	}
	resizeterm(24, 80);
}

static bool screen_has(const char *text)
{
	for (int y = 0; y < LINES; y++)
		if (strstr(row_text(y), text))
			return true;
	return false;
}

/* A confirm taller than the screen scrolls, says there is more, and takes y
 * only once its last line (the warning) has been shown. */
static void a_tall_confirm_scrolls_and_takes_y_only_once_all_was_seen(void **state)
{
	struct dialog d;

	(void)state;
	resizeterm(22, 80);
	dialog_confirm(&d, "Rollback: argocd to blue", "Run this rollback?", true, NULL, NULL);
	for (int i = 1; i <= 30; i++)
		dialog_add_line(&d, ROLE_NORMAL, "preflight line %d", i);
	dialog_add_line(&d, ROLE_CRIT, "LAST: Argo CD self-heal will revert this patch");
	erase();
	dialog_draw(stdscr, &d);
	assert_true(screen_has("preflight line 1"));
	assert_false(screen_has("LAST:"));
	assert_true(screen_has("more below"));
	assert_false(d.seen_all);
	assert_int_equal(dialog_key(&d, 'y'), DIALOG_OPEN);   /* refused: not seen yet */
	erase();
	dialog_draw(stdscr, &d);
	assert_true(screen_has("read to the end first"));
	/* a page down is not yet the end; G is */
	dialog_key(&d, ' ');
	erase();
	dialog_draw(stdscr, &d);
	assert_false(screen_has("preflight line 1 "));
	dialog_key(&d, 'G');
	erase();
	dialog_draw(stdscr, &d);
	assert_true(screen_has("LAST: Argo CD self-heal"));
	assert_true(d.seen_all);
	/* scrolling back up does not take the confirmation away again */
	dialog_key(&d, 'g');
	erase();
	dialog_draw(stdscr, &d);
	assert_true(screen_has("preflight line 1"));
	assert_int_equal(dialog_key(&d, 'y'), DIALOG_YES);
	resizeterm(24, 80);
}

static void statusbar_keeps_the_incident_when_narrow(void **state)
{
	struct statusbar sb = { .left = " prod · detection-api-service · detection-system", .incident = "SEV-1 INC-4 00:07:13",
	                        .conn = "kube ✓", .refreshed = "refreshed 1s ago", .clock = "14:03:27Z " };

	(void)state;
	resizeterm(24, 132);
	erase();
	statusbar_draw(stdscr, 0, 132, &sb);
	assert_non_null(strstr(row_text(0), "SEV-1 INC-4"));
	assert_non_null(strstr(row_text(0), "refreshed 1s ago"));
	/* at 80 columns the service's name stays whole; the refresh age goes */
	erase();
	statusbar_draw(stdscr, 0, 80, &sb);
	assert_non_null(strstr(row_text(0), "SEV-1 INC-4"));
	assert_non_null(strstr(row_text(0), "detection-api-service"));
	assert_null(strstr(row_text(0), "refreshed"));
	resizeterm(24, 80);
	erase();
	statusbar_draw(stdscr, 0, 40, &sb);
	assert_non_null(strstr(row_text(0), "SEV-1 INC-4"));
	assert_non_null(strstr(row_text(0), "14:03:27Z"));
	assert_null(strstr(row_text(0), "refreshed"));
}

static void key_specs_round_trip(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(tui_key_parse("C-r"), 18);
	assert_int_equal(tui_key_parse("F5"), KEY_F(5));
	assert_int_equal(tui_key_parse("PgDn"), KEY_NPAGE);
	assert_int_equal(tui_key_parse("R"), 'R');
	assert_int_equal(tui_key_parse("Bogus"), -1);
	assert_string_equal(tui_key_name(18, buf, sizeof buf), "C-r");
	assert_string_equal(tui_key_name(KEY_F(5), buf, sizeof buf), "F5");
	assert_string_equal(tui_key_name(' ', buf, sizeof buf), "Space");
}

static void wrap_keeps_words_and_characters_whole(void **state)
{
	const char *t = "traffic → green: 3 endpoints, 3 ready, all on it";

	(void)state;
	/* "traffic → " is 10 columns and 12 bytes: the row ends after the space */
	assert_int_equal(tui_wrap_next(t, 10, 0), 12);
	assert_int_equal(tui_wrap_next(t, 11, 0), 12);
	assert_int_equal(tui_wrap_next(t, 200, 0), strlen(t));
	/* a word wider than the row is cut between characters, never inside one */
	assert_int_equal(tui_wrap_next("ééééé", 3, 0), 6);
	assert_int_equal(tui_wrap_next("éééé", 10, 5), 4);
	assert_int_equal(tui_wrap_next("日本語", 3, 0), 3);   /* one wide character: 2 columns */
	assert_int_equal(tui_wrap_next("日本語", 1, 0), 3);   /* at least one, so callers progress */
	assert_int_equal(tui_wrap_rows(t, 20, 2), 3);
	erase();
	assert_int_equal(tui_wrap_put(stdscr, 0, 0, 5, 20, 2, ROLE_NORMAL, t), 3);
	assert_string_equal(row_text(0), "traffic → green: 3");
	assert_string_equal(row_text(1), "  endpoints, 3");
	assert_string_equal(row_text(2), "  ready, all on it");
	/* too few rows: the last one says there is more */
	erase();
	assert_int_equal(tui_wrap_put(stdscr, 0, 0, 2, 20, 2, ROLE_NORMAL, t), 2);
	assert_string_equal(row_text(1), "  endpoints, 3 …");
}

static void statusbar_shortens_before_it_cuts_where_we_are(void **state)
{
	struct statusbar sb = { .left = " lab · detection-api-service · detection-system",
	                        .incident = "SEV-1 INC-4 00:07:13 (ack 5m: 3:12 left)",
	                        .incident_short = "SEV-1 INC-4 00:07:13",
	                        .conn = "kube ✓ prom ✓ alerts ✓", .conn_short = "✓",
	                        .refreshed = "refreshed 1s ago", .clock = "14:03:27Z ", .clock_short = "14:03Z " };

	(void)state;
	resizeterm(24, 132);
	erase();
	/* 80x24: where we are whole, the incident's id and clock; the wall clock's seconds give way */
	statusbar_draw(stdscr, 0, 80, &sb);
	assert_non_null(strstr(row_text(0), " lab · detection-api-service · detection-system "));
	assert_non_null(strstr(row_text(0), "SEV-1 INC-4 00:07:13"));
	assert_non_null(strstr(row_text(0), "14:03Z"));
	/* a little wider: the seconds are back */
	erase();
	statusbar_draw(stdscr, 0, 88, &sb);
	assert_non_null(strstr(row_text(0), "SEV-1 INC-4 00:07:13"));
	assert_non_null(strstr(row_text(0), "14:03:27Z"));
	/* no incident: the connections' full form fits again */
	sb.incident = sb.incident_short = NULL;
	erase();
	statusbar_draw(stdscr, 0, 100, &sb);
	assert_non_null(strstr(row_text(0), "detection-system"));
	assert_non_null(strstr(row_text(0), "kube ✓ prom ✓ alerts ✓"));
	/* a source down stays in sight in the short form */
	sb.conn = "kube ✓ prom ✗ alerts ✓";
	sb.conn_short = "prom ✗";
	erase();
	statusbar_draw(stdscr, 0, 80, &sb);
	assert_non_null(strstr(row_text(0), "detection-system"));
	assert_non_null(strstr(row_text(0), "prom ✗"));
	/* a standing rollback recommendation and every server down: the sources
	 * that are down stay on the bar, where we are is cut for them */
	sb.alert = "ROLLBACK: R to blue";
	sb.conn = "kube ✗ prom ✗ alerts ✗ argocd ✗ bastion ✗ unreachable";
	sb.conn_short = "kube ✗ prom ✗ alerts ✗ argocd ✗ bastion ✗";
	sb.conn_role = ROLE_CRIT;
	erase();
	statusbar_draw(stdscr, 0, 110, &sb);
	assert_non_null(strstr(row_text(0), "kube ✗ prom ✗ alerts ✗ argocd ✗ bastion ✗"));
	assert_non_null(strstr(row_text(0), "ROLLBACK: R to blue"));
	assert_non_null(strstr(row_text(0), " lab · detection-api-service"));
	/* all up: nothing to keep in sight, where we are stays whole */
	sb.conn = "kube ✓ prom ✓ alerts ✓ argocd ✓ bastion ✓ 3ms";
	sb.conn_short = "✓";
	sb.conn_role = ROLE_BAR;
	erase();
	statusbar_draw(stdscr, 0, 80, &sb);
	assert_non_null(strstr(row_text(0), " lab · detection-api-service · detection-system "));
	assert_non_null(strstr(row_text(0), "ROLLBACK: R to blue"));
	resizeterm(24, 80);
}

static void markdown_wraps_under_its_lead(void **state)
{
	const char *t = "## Notes\n\n- restart the **edge** pods first, then the api\n\n| a | bb |\n|---|---|\n| 1 | 2 |\n";
	struct md_doc d;

	(void)state;
	assert_int_equal(md_doc_parse(t, strlen(t), &d), 0);
	assert_int_equal(tui_md_rows(&d, 20), 1 + 1 + 3 + 1 + 3);
	erase();
	assert_int_equal(tui_md_draw(stdscr, 0, 0, 24, 20, &d), 9);
	assert_string_equal(row_text(0), "Notes");
	assert_string_equal(row_text(1), "");
	assert_string_equal(row_text(2), "- restart the edge");
	assert_string_equal(row_text(3), "  pods first, then");   /* under the text, not the bullet */
	assert_string_equal(row_text(4), "  the api");
	assert_string_equal(row_text(6), "a | bb");
	assert_string_equal(row_text(7), "--+---");
	assert_string_equal(row_text(8), "1 | 2");
	/* a box too short: cut, the last row says there is more */
	erase();
	assert_int_equal(tui_md_draw(stdscr, 0, 0, 4, 20, &d), 4);
	assert_string_equal(row_text(3), "  pods first, then …");
	md_doc_free(&d);
}

static void count_update(struct dialog *d, void *arg)
{
	(void)arg;
	d->nlines = 0;
	dialog_add_line(d, ROLE_NORMAL, "$ kubectl -n %s get pvc %s", d->fields[1].value, d->fields[0].value);
}

/* A form: a field per value, Tab between them, the values offered by C-n,
 * the body redrawn from them after each key, Enter submits once all are filled. */
static void a_form_asks_each_value_and_offers_the_known_ones(void **state)
{
	struct dialog d;
	struct dialog_field *f;
	char all[4096] = "";

	(void)state;
	erase();
	dialog_form(&d, "Values for line 12", count_update, NULL, NULL);
	assert_non_null(dialog_add_field(&d, "<my-pvc>", ""));
	f = dialog_add_field(&d, "<my-namespace>", "");
	snprintf(f->offers[0], sizeof f->offers[0], "NAMESPACE=detection-system");
	snprintf(f->offers[1], sizeof f->offers[1], "ALERT_NAMESPACE=prod");
	f->noffers = 2;
	count_update(&d, NULL);
	for (const char *p = "data-0"; *p; p++)
		assert_int_equal(dialog_key(&d, (unsigned char)*p), DIALOG_OPEN);
	/* Enter with a field empty goes to it rather than submitting */
	assert_int_equal(dialog_key(&d, '\r'), DIALOG_OPEN);
	assert_int_equal(d.field, 1);
	assert_int_equal(dialog_key(&d, 14), DIALOG_OPEN);   /* C-n: the first value offered */
	assert_string_equal(d.fields[1].value, "detection-system");
	dialog_key(&d, 14);
	assert_string_equal(d.fields[1].value, "prod");
	assert_string_equal(d.lines[0], "$ kubectl -n prod get pvc data-0");
	dialog_draw(stdscr, &d);
	for (int y = 0; y < LINES; y++) {
		strncat(all, row_text(y), sizeof all - strlen(all) - 2);
		strcat(all, "\n");
	}
	assert_non_null(strstr(all, "$ kubectl -n prod get pvc data-0"));
	assert_non_null(strstr(all, "<my-pvc>       data-0"));
	/* what does not fit of the offers is counted, never cut */
	assert_non_null(strstr(all, "offered: NAMESPACE=detection-system (+1)"));
	assert_non_null(strstr(all, "Esc cancel"));
	dialog_key(&d, KEY_BTAB);
	assert_int_equal(d.field, 0);
	assert_int_equal(dialog_key(&d, '\r'), DIALOG_YES);   /* every field filled */
	assert_int_equal(dialog_key(&d, 27), DIALOG_NO);
}

/* Links drawn on screen are written again inside OSC 8 after the frame:
 * the cursor and attributes saved and restored around them. */
static void links_are_written_again_as_hyperlinks(void **state)
{
	size_t n;
	char *b;

	(void)state;
	tui_links_enable(1);
	tui_links_clear();
	tui_link_add(stdscr, 2, 3, "SOP[1]", 3, "https://wiki.example/sop", ROLE_NORMAL);
	tui_link_add(stdscr, 4, 0, "bad", 3, "javascript:alert(1)", ROLE_NORMAL);
	b = tui_links_take(&n);
	assert_non_null(b);
	assert_int_equal(strlen(b), n);
	assert_true(strncmp(b, "\0337", 2) == 0);
	assert_non_null(strstr(b, "\033]8;;https://wiki.example/sop\033\\SOP\033]8;;\033\\"));
	assert_null(strstr(b, "javascript"));   /* only http(s), mailto and file addresses are links */
	assert_true(n >= 2 && strcmp(b + n - 2, "\0338") == 0);
	free(b);
	assert_null(tui_links_take(&n));   /* nothing new since: nothing is written again */
	tui_links_enable(0);
	tui_link_add(stdscr, 2, 3, "SOP", 3, "https://wiki.example/sop", ROLE_NORMAL);
	assert_null(tui_links_take(&n));
	tui_links_clear();
}

int main(void)
{
	const struct CMUnitTest utf8[] = {
		cmocka_unit_test(sparkline_rises_in_eight_levels),
		cmocka_unit_test(braille_plot_fills_from_the_bottom),
		cmocka_unit_test(gauge_in_utf8_and_without_data),
		cmocka_unit_test(table_scrolls_to_keep_the_selection_visible),
		cmocka_unit_test(dialogs_confirm_input_and_wrap),
		cmocka_unit_test(a_form_asks_each_value_and_offers_the_known_ones),
		cmocka_unit_test(links_are_written_again_as_hyperlinks),
		cmocka_unit_test(a_tall_confirm_scrolls_and_takes_y_only_once_all_was_seen),
		cmocka_unit_test(statusbar_keeps_the_incident_when_narrow),
		cmocka_unit_test(key_specs_round_trip),
		cmocka_unit_test(wrap_keeps_words_and_characters_whole),
		cmocka_unit_test(markdown_wraps_under_its_lead),
		cmocka_unit_test(statusbar_shortens_before_it_cuts_where_we_are),
	};
	const struct CMUnitTest ascii[] = {
		cmocka_unit_test(ascii_fallback_charts_and_gauge),
	};
	int rc = cmocka_run_group_tests_name("widgets (UTF-8)", utf8, setup_utf8, teardown);

	return rc | cmocka_run_group_tests_name("widgets (ASCII)", ascii, setup_ascii, teardown);
}
