/* The timeline's filter goes to the database: an event far older than the
 * ones held in memory is found by a word or its beginning, several words
 * must all be there, a kind narrows it, what the operator types is never
 * FTS5 syntax, writes still waiting in memory are searched too, a database
 * from before the index gets one, and the model searches again as the
 * timeline moves. */
#include "testutil.h"

#include <sqlite3.h>

#include "warroom/config.h"
#include "warroom/model.h"
#include "warroom/timeline.h"

static char dir[256], path[400];

static int setup(void **state)
{
	(void)state;
	testutil_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/t.db", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	testutil_rmtree(dir);
	return 0;
}

static void add(struct timeline *tl, int64_t ts, const char *kind, const char *actor, const char *summary,
                const char *detail)
{
	struct timeline_event ev = { .ts_ms = ts, .detail_json = (char *)detail };
	char err[256];

	snprintf(ev.kind, sizeof ev.kind, "%s", kind);
	snprintf(ev.actor, sizeof ev.actor, "%s", actor);
	snprintf(ev.summary, sizeof ev.summary, "%s", summary);
	if (timeline_append(tl, &ev, err, sizeof err) != 0)
		fail_msg("append: %s", err);
}

static size_t find(struct timeline *tl, const char *kind, const char *words, struct timeline_event **evs, bool *more)
{
	size_t n = 0;

	if (timeline_search(tl, kind, words, 0, evs, &n, more) != 0)
		fail_msg("search \"%s\": %s", words ? words : "", timeline_errmsg(tl));
	return n;
}

/* A long incident: 3,000 events, the rollback near its start. */
static struct timeline *long_incident(void)
{
	char err[256], s[128];
	struct timeline *tl = timeline_open(path, "alice", err, sizeof err);

	assert_non_null(tl);
	add(tl, 1000, "note", "bob", "first look: checkout 503s on green", NULL);
	add(tl, 2000, "rollback", "alice", "rollback selector green -> blue confirmed by alice",
	    "{\"strategy\":\"selector\",\"argocd_to_revision\":\"4f1c2d3e\"}");
	add(tl, 3000, "alert", "alice", "HighErrorRate firing (critical): 8% of requests fail", NULL);
	for (int i = 0; i < 3000; i++) {
		snprintf(s, sizeof s, "routine %d: queue depth normal", i);
		add(tl, 10000 + i * 1000, i % 2 ? "note" : "deploy", "carol", s, NULL);
	}
	return tl;
}

static void an_old_event_is_found_by_its_words(void **state)
{
	struct timeline *tl = long_incident();
	struct timeline_event *evs;
	bool more;
	size_t n;

	(void)state;
	/* far older than the 500 the model holds */
	n = find(tl, NULL, "rollback", &evs, &more);
	assert_int_equal(n, 1);
	assert_false(more);
	assert_string_equal(evs[0].summary, "rollback selector green -> blue confirmed by alice");
	assert_non_null(strstr(evs[0].detail_json, "4f1c2d3e"));
	timeline_events_free(evs, n);
	/* the beginning of a word, any case; in the detail; the actor */
	n = find(tl, NULL, "ROLL", &evs, NULL);
	assert_int_equal(n, 1);
	timeline_events_free(evs, n);
	n = find(tl, NULL, "4f1c", &evs, NULL);
	assert_int_equal(n, 1);
	timeline_events_free(evs, n);
	n = find(tl, NULL, "bob", &evs, NULL);
	assert_int_equal(n, 1);
	assert_string_equal(evs[0].actor, "bob");
	timeline_events_free(evs, n);
	/* every word must be there, in any order */
	n = find(tl, NULL, "blue alice green", &evs, NULL);
	assert_int_equal(n, 1);
	timeline_events_free(evs, n);
	n = find(tl, NULL, "blue carol", &evs, NULL);
	assert_int_equal(n, 0);
	timeline_events_free(evs, n);
	/* a word inside another is not its beginning */
	n = find(tl, NULL, "ollback", &evs, NULL);
	assert_int_equal(n, 0);
	timeline_events_free(evs, n);
	/* many matches: the newest 500, newest first, and more said */
	n = find(tl, NULL, "routine", &evs, &more);
	assert_int_equal(n, 500);
	assert_true(more);
	assert_string_equal(evs[0].summary, "routine 2999: queue depth normal");
	for (size_t i = 1; i < n; i++)
		assert_true(evs[i - 1].ts_ms >= evs[i].ts_ms);
	timeline_events_free(evs, n);
	/* a kind, alone or with words */
	n = find(tl, "rollback", NULL, &evs, NULL);
	assert_int_equal(n, 1);
	timeline_events_free(evs, n);
	n = find(tl, "deploy", "routine 17", &evs, NULL);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(evs[i].kind, "deploy");
	assert_true(n >= 1);   /* "routine 170", "routine 1700" ... the even ones */
	timeline_events_free(evs, n);
	timeline_close(tl);
}

/* What the operator types is words, never the index's syntax. */
static void typed_text_is_never_syntax(void **state)
{
	struct timeline *tl = long_incident();
	const char *hostile[] = { "\"", "NOT rollback", "rollback OR routine", "* AND", "-", "summary:rollback",
	                          "\"); DROP TABLE events; --", "NEAR(a b)", "^rollback", "   ", "x\"y*", NULL };
	struct timeline_event *evs;
	size_t n;

	(void)state;
	for (int i = 0; hostile[i]; i++) {
		n = find(tl, NULL, hostile[i], &evs, NULL);
		timeline_events_free(evs, n);
	}
	/* "NOT rollback" is the words not and rollback: nothing holds both */
	n = find(tl, NULL, "NOT rollback", &evs, NULL);
	assert_int_equal(n, 0);
	timeline_events_free(evs, n);
	n = find(tl, NULL, "summary:rollback", &evs, NULL);   /* the words summary and rollback */
	assert_int_equal(n, 0);
	timeline_events_free(evs, n);
	assert_true(timeline_count(tl) == 3003);
	timeline_close(tl);
}

/* A write waiting for another process's lock is the newest: found too. */
static void a_write_waiting_in_memory_is_found(void **state)
{
	struct timeline *tl = long_incident();
	struct timeline_event *evs;
	sqlite3 *other;
	size_t n;

	(void)state;
	assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	timeline_set_nonblocking(tl, true);
	assert_int_equal(timeline_log(tl, "note", "canary pods look healthy", NULL), 0);
	assert_int_equal(timeline_pending(tl), 1);
	n = find(tl, NULL, "canary healthy", &evs, NULL);
	assert_int_equal(n, 1);
	assert_int_equal(evs[0].id, 0);
	timeline_events_free(evs, n);
	n = find(tl, "note", "canary", &evs, NULL);
	assert_int_equal(n, 1);
	timeline_events_free(evs, n);
	sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(other);
	assert_int_equal(timeline_flush(tl), 0);
	n = find(tl, NULL, "canary", &evs, NULL);
	assert_int_equal(n, 1);
	assert_true(evs[0].id > 0);   /* once written, from the index, and once */
	timeline_events_free(evs, n);
	timeline_close(tl);
}

/* A database written before the index existed gets one at its upgrade. */
static void an_older_database_is_indexed_when_upgraded(void **state)
{
	char err[256];
	struct timeline *tl = long_incident();
	struct timeline_event *evs;
	sqlite3 *db;
	size_t n;

	(void)state;
	timeline_close(tl);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TRIGGER events_fts_insert; DROP TRIGGER events_fts_delete;"
	                              "DROP TRIGGER events_fts_update; DROP TABLE events_fts; DROP INDEX events_kind_ts;"
	                              "DROP INDEX events_once;"
	                              "INSERT INTO events (incident_id, ts_ms, actor, kind, summary)"
	                              " VALUES (NULL, 500, 'dave', 'note', 'written by an older warroom');"
	                              "PRAGMA user_version = 5;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	tl = timeline_open(path, "alice", err, sizeof err);
	assert_non_null(tl);
	n = find(tl, NULL, "older", &evs, NULL);
	assert_int_equal(n, 1);
	timeline_events_free(evs, n);
	n = find(tl, NULL, "rollback", &evs, NULL);
	assert_int_equal(n, 1);
	timeline_events_free(evs, n);
	timeline_close(tl);
}

/* The timeline view's filter, in the model: searched when set, again when
 * the timeline moves, off with both empty. */
static void the_models_filter_follows_the_timeline(void **state)
{
	static struct config cfg;
	static struct model m;
	struct timeline *tl = long_incident();

	(void)state;
	config_defaults(&cfg);
	model_init(&m, &cfg, tl);
	assert_int_equal(m.nrecent, MODEL_RECENT);
	assert_true(model_timeline_filter(&m, "", "rollback blue"));
	assert_int_equal(m.found.n, 1);
	assert_string_equal(m.found.ev[0].kind, "rollback");
	assert_true(m.dirty & DIRTY_TIMELINE);
	timeline_log(tl, "rollback", "rollback selector blue -> green confirmed by bob", NULL);
	model_sync_timeline(&m);
	assert_int_equal(m.found.n, 2);
	assert_string_equal(m.found.ev[0].actor, "alice");   /* the actor the store writes with */
	assert_non_null(strstr(m.found.ev[0].summary, "blue -> green"));
	assert_true(model_timeline_filter(&m, "note", ""));
	assert_int_equal(m.found.n, 500);
	assert_true(m.found.more);
	assert_true(model_timeline_filter(&m, "", ""));
	assert_null(m.found.ev);
	assert_int_equal(m.found.n, 0);
	model_free(&m);
	timeline_close(tl);
}

/* Two consoles on one database see the same alert fire: whichever writes
 * second writes nothing, also when its write waited in memory. */
static void an_event_that_happens_once_is_recorded_once(void **state)
{
	char err[256];
	struct timeline *a = timeline_open(path, "alice", err, sizeof err), *b = timeline_open(path, "bob", err, sizeof err);
	const char *once = "{\"alert\":\"HighErrorRate\",\"once\":\"alert/875c4a4d/1700000000000/firing\"}";
	struct timeline_event ev = { 0 };
	sqlite3 *other;
	int64_t before;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_true(timeline_incident_open(a, "errors", 2) > 0);
	assert_int_equal(timeline_log(a, "alert", "HighErrorRate firing (critical)", once), 0);
	before = timeline_count(a);
	ev.ts_ms = 1700000000000;
	snprintf(ev.kind, sizeof ev.kind, "alert");
	snprintf(ev.summary, sizeof ev.summary, "HighErrorRate firing (critical)");
	ev.detail_json = (char *)once;
	{
		struct timeline_incident inc;

		assert_int_equal(timeline_incident_current(b, &inc), 1);
		ev.incident_id = inc.id;
	}
	assert_int_equal(timeline_append(b, &ev, err, sizeof err), 0);
	assert_int_equal(ev.id, 0);
	assert_int_equal(timeline_count(a), before);
	/* a write kept in memory while another holds the lock, flushed after the other's: still once */
	assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	timeline_set_nonblocking(b, true);
	assert_int_equal(timeline_log(b, "alert", "HighErrorRate resolved after 3m",
	                              "{\"once\":\"alert/875c4a4d/1700000000000/resolved\"}"), 0);
	assert_int_equal(timeline_pending(b), 1);
	sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(other);
	assert_int_equal(timeline_log(a, "alert", "HighErrorRate resolved after 3m",
	                              "{\"once\":\"alert/875c4a4d/1700000000000/resolved\"}"), 0);
	assert_int_equal(timeline_flush(b), 0);
	assert_int_equal(timeline_count(a), before + 1);
	/* without a key, two events are two */
	assert_int_equal(timeline_log(a, "note", "same words", NULL), 0);
	assert_int_equal(timeline_log(b, "note", "same words", NULL), 0);
	assert_int_equal(timeline_count(a), before + 3);
	timeline_close(b);
	timeline_close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(an_old_event_is_found_by_its_words, setup, teardown),
		cmocka_unit_test_setup_teardown(typed_text_is_never_syntax, setup, teardown),
		cmocka_unit_test_setup_teardown(a_write_waiting_in_memory_is_found, setup, teardown),
		cmocka_unit_test_setup_teardown(an_older_database_is_indexed_when_upgraded, setup, teardown),
		cmocka_unit_test_setup_teardown(the_models_filter_follows_the_timeline, setup, teardown),
		cmocka_unit_test_setup_teardown(an_event_that_happens_once_is_recorded_once, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
