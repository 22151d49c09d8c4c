/* The core watchers run on model updates alone, without a screen: an outage
 * beginning and ending reaches the timeline once each. */
#include "testutil.h"

#include "warroom/config.h"
#include "warroom/model.h"
#include "warroom/slots.h"
#include "warroom/timeline.h"
#include "warroom/incident.h"

static int64_t count_kind(struct timeline *tl, const char *kind, char *last, size_t len)
{
	struct timeline_event *evs;
	size_t n;
	int64_t c = 0;

	assert_int_equal(timeline_list(tl, -1, 0, 0, &evs, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(evs[i].kind, kind) == 0) {
			if (!c && last)
				snprintf(last, len, "%s", evs[i].summary);
			c++;
		}
	timeline_events_free(evs, n);
	return c;
}

static void update(struct model *m, struct slots_state *st, enum slots_health h, const char *err)
{
	st->health = h;
	st->generation++;
	st->updated_ms = 1000;
	snprintf(st->last_error, sizeof st->last_error, "%s", err ? err : "");
	m->slots = st;
	model_mark(m, DIRTY_SLOTS);
}

static void outages_begin_and_end_in_the_timeline(void **state)
{
	char dir[256], path[400], err[256], last[300];
	static struct config cfg;
	static struct model m;
	static struct slots_state st;
	struct timeline *tl;
	struct incident_watch *w;
	unsigned seen;

	(void)state;
	testutil_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/t.db", dir);
	config_defaults(&cfg);
	tl = timeline_open(path, "alice", err, sizeof err);
	assert_non_null(tl);
	model_init(&m, &cfg, tl);
	w = incident_watch_install(&m);
	assert_non_null(w);
	memset(&st, 0, sizeof st);
	st.nslots = 2;
	st.active = 0;
	snprintf(st.slot[0].name, sizeof st.slot[0].name, "blue");
	st.slot[0].ready = st.slot[0].desired = 3;

	update(&m, &st, SLOTS_HEALTHY, NULL);
	assert_int_equal(count_kind(tl, "slot", NULL, 0), 0);
	st.nwarnings = 1;
	st.warnings[0].critical = true;
	snprintf(st.warnings[0].text, sizeof st.warnings[0].text, "OUTAGE: the service selects blue, which has no ready pod");
	update(&m, &st, SLOTS_OUTAGE, NULL);
	assert_int_equal(count_kind(tl, "slot", last, sizeof last), 1);
	assert_non_null(strstr(last, "OUTAGE began: OUTAGE: the service selects blue"));
	/* the model's recent events follow: the views see it without a poll */
	assert_string_equal(m.recent[0].kind, "slot");
	/* the same round again, an unreachable API, another outage round: nothing new */
	model_mark(&m, DIRTY_SLOTS);
	update(&m, &st, SLOTS_HEALTH_UNKNOWN, "cannot reach the API server");
	update(&m, &st, SLOTS_OUTAGE, NULL);
	assert_int_equal(count_kind(tl, "slot", NULL, 0), 1);
	st.nwarnings = 0;
	update(&m, &st, SLOTS_HEALTHY, NULL);
	assert_int_equal(count_kind(tl, "slot", last, sizeof last), 2);
	assert_non_null(strstr(last, "OUTAGE ended after"));
	assert_non_null(strstr(last, "traffic on blue, 3/3 ready"));
	/* degraded is drawn, not recorded */
	update(&m, &st, SLOTS_DEGRADED, NULL);
	assert_int_equal(count_kind(tl, "slot", NULL, 0), 2);
	/* the views' dirty bits are kept for them */
	seen = m.dirty;
	assert_true(seen & DIRTY_SLOTS);
	model_free(&m);
	incident_watch_free(w);
	timeline_close(tl);
	testutil_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(outages_begin_and_end_in_the_timeline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
