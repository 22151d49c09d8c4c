/* The console's writes never wait on another process' write lock: while
 * another connection holds it, appends return at once and queue in order;
 * the flush writes them oldest first once the lock is free, and nothing is
 * lost, closing included. */
#include "testutil.h"

#include <time.h>

#include <sqlite3.h>

#include "warroom/timeline.h"

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void note(struct timeline *tl, const char *summary)
{
	struct timeline_event ev = { 0 };
	char err[256];

	snprintf(ev.kind, sizeof ev.kind, "note");
	snprintf(ev.summary, sizeof ev.summary, "%s", summary);
	if (timeline_append(tl, &ev, err, sizeof err) != 0)
		fail_msg("append: %s", err);
}

static sqlite3 *hold_lock(const char *path)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	return db;
}

static void busy_writes_queue_in_order_and_flush(void **state)
{
	char dir[256], path[400], err[256];
	struct timeline *tl;
	struct timeline_event *evs;
	struct timeline_audit a = { 0 }, *al;
	size_t n;
	sqlite3 *other;
	int64_t t0;

	(void)state;
	testutil_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/t.db", dir);
	tl = timeline_open(path, "alice", err, sizeof err);
	assert_non_null(tl);
	timeline_set_nonblocking(tl, true);
	note(tl, "first");
	assert_int_equal(timeline_pending(tl), 0);

	other = hold_lock(path);
	t0 = mono_ms();
	note(tl, "second");
	snprintf(a.action, sizeof a.action, "note");
	snprintf(a.outcome, sizeof a.outcome, "ok");
	snprintf(a.summary, sizeof a.summary, "queued audit");
	assert_int_equal(timeline_audit_append(tl, &a, err, sizeof err), 0);
	note(tl, "third");
	/* three writes behind another's lock: milliseconds, not the 5 s timeout */
	assert_true(mono_ms() - t0 < 100);
	assert_int_equal(timeline_pending(tl), 3);
	assert_int_equal(timeline_flush(tl), 3);   /* still locked: kept */

	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	/* a write made while others wait goes behind them */
	note(tl, "fourth");
	assert_int_equal(timeline_pending(tl), 4);
	assert_int_equal(timeline_flush(tl), 0);
	assert_int_equal(timeline_list(tl, -1, 0, 0, &evs, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(evs[0].summary, "fourth");
	assert_string_equal(evs[1].summary, "third");
	assert_string_equal(evs[2].summary, "second");
	assert_string_equal(evs[3].summary, "first");
	assert_true(evs[2].id < evs[1].id);
	timeline_events_free(evs, n);
	assert_int_equal(timeline_audit_list(tl, 0, &al, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(al[0].summary, "queued audit");
	free(al);

	/* closing with writes queued waits for the lock rather than losing them */
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	note(tl, "at exit");
	assert_int_equal(timeline_pending(tl), 1);
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	timeline_close(tl);
	sqlite3_close(other);
	tl = timeline_open(path, "alice", err, sizeof err);
	assert_non_null(tl);
	assert_int_equal(timeline_count(tl), 5);
	timeline_close(tl);
	testutil_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(busy_writes_queue_in_order_and_flush),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
