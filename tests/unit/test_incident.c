/* Incidents: the SEV the signals suggest (the runbook's table, the higher
 * SEV when ambiguous, nothing from an API that did not answer), the response
 * clock, and status, roles and first response surviving a reopen of the
 * database as a console killed mid-incident would find them. */
#include "testutil.h"

#include <math.h>

#include "warroom/config.h"
#include "warroom/incident.h"
#include "warroom/model.h"
#include "warroom/slots.h"
#include "warroom/timeline.h"

static struct config cfg;
static struct model m;
static struct slots_state st;

/* A healthy service: blue active 3/3, Prometheus and Alertmanager up. */
static void healthy(void)
{
	config_defaults(&cfg);
	memset(&m, 0, sizeof m);
	m.cfg = &cfg;
	for (int i = 0; i < MET_COUNT; i++)
		m.metrics.s[i].last = NAN;
	m.metrics.tak_failing.last = NAN;
	memset(&st, 0, sizeof st);
	st.nslots = 2;
	st.active = 0;
	snprintf(st.slot[0].name, sizeof st.slot[0].name, "blue");
	snprintf(st.slot[1].name, sizeof st.slot[1].name, "green");
	st.slot[0].ready = st.slot[0].desired = 3;
	st.endpoints_ready = 3;
	st.health = SLOTS_HEALTHY;
	st.updated_ms = 1000;
	m.slots = &st;
	m.src[SRC_PROM].state = SRC_UP;
	m.src[SRC_ALERTMGR].state = SRC_UP;
	m.metrics.s[MET_ERRORS].last = 0.001;
	m.metrics.s[MET_QUEUE].last = 0;
}

static void no_ready_pod(void)
{
	st.slot[0].ready = 0;
	st.slot[0].crashlooping = 3;
	st.endpoints_ready = 0;
	st.health = SLOTS_OUTAGE;
}

static void fire(const char *name, const char *summary)
{
	struct model_alert *a = &m.alerts.a[m.alerts.n++];

	snprintf(a->name, sizeof a->name, "%s", name);
	snprintf(a->severity, sizeof a->severity, "critical");
	snprintf(a->summary, sizeof a->summary, "%s", summary);
	m.alerts.total = m.alerts.n;
}

static void healthy_suggests_nothing(void **state)
{
	struct model_suggestion s;

	(void)state;
	healthy();
	incident_suggest(&m, &s);
	assert_int_equal(s.sev, 0);
	assert_string_equal(s.reason, "");
	/* 5 % exactly is not over 5 % */
	m.metrics.s[MET_ERRORS].last = 0.05;
	incident_suggest(&m, &s);
	assert_int_equal(s.sev, 0);
}

static void no_ready_pod_is_sev1_with_its_reason(void **state)
{
	struct model_suggestion s;

	(void)state;
	healthy();
	no_ready_pod();
	incident_suggest(&m, &s);
	assert_int_equal(s.sev, 1);
	assert_non_null(strstr(s.reason, "no ready pod behind the active slot blue"));
	assert_non_null(strstr(s.reason, "crash-looping"));
}

static void errors_over_5_percent_are_sev2(void **state)
{
	struct model_suggestion s;

	(void)state;
	healthy();
	m.metrics.s[MET_ERRORS].last = 0.081;
	incident_suggest(&m, &s);
	assert_int_equal(s.sev, 2);
	assert_non_null(strstr(s.reason, "error ratio 8.1 % is over 5 %"));
	/* a stale value from a Prometheus that stopped answering says nothing */
	m.src[SRC_PROM].state = SRC_DOWN;
	incident_suggest(&m, &s);
	assert_int_equal(s.sev, 0);
}

static void ambiguous_takes_the_higher_sev(void **state)
{
	struct model_suggestion s;

	(void)state;
	healthy();
	no_ready_pod();
	m.metrics.s[MET_ERRORS].last = 1.0;   /* no endpoint: every request a 503 */
	incident_suggest(&m, &s);
	assert_int_equal(s.sev, 1);
	assert_non_null(strstr(s.reason, "no ready pod"));
	assert_null(strstr(s.reason, "error ratio"));
}

static void tak_failing_and_queuing_is_sev2_none_reaching_is_sev1(void **state)
{
	struct model_suggestion s;

	(void)state;
	healthy();
	m.metrics.s[MET_QUEUE].last = 120;
	m.metrics.tak_failing.last = 0.125;
	incident_suggest(&m, &s);
	assert_int_equal(s.sev, 2);
	assert_non_null(strstr(s.reason, "TAK pushes failing and queuing: 12 % fail, 120 items"));
	/* two SEV-2 reasons: both said */
	m.metrics.s[MET_ERRORS].last = 0.2;
	incident_suggest(&m, &s);
	assert_int_equal(s.sev, 2);
	assert_non_null(strstr(s.reason, "error ratio"));
	assert_non_null(strstr(s.reason, "; TAK pushes failing"));
	/* every push fails: no detection reaches TAK */
	m.metrics.s[MET_ERRORS].last = 0;
	m.metrics.tak_failing.last = 1.0;
	incident_suggest(&m, &s);
	assert_int_equal(s.sev, 1);
	assert_non_null(strstr(s.reason, "no detections reaching TAK: every push fails, they queue offline"));
	/* a value that is no share (a query answering something else) is no evidence */
	m.metrics.tak_failing.last = 20.0;
	incident_suggest(&m, &s);
	assert_int_equal(s.sev, 0);
	m.metrics.tak_failing.last = 1.0;
	/* a Prometheus that stopped answering says nothing of TAK */
	m.src[SRC_PROM].state = SRC_DOWN;
	incident_suggest(&m, &s);
	assert_int_equal(s.sev, 0);
}

/* The outage's first seconds: every push fails at the last scrape while the
 * alert, on its 5-minute rate, still says a share. The counters decide. */
static void every_push_failing_is_sev1_whatever_the_alert_says(void **state)
{
	struct model_suggestion s;

	(void)state;
	healthy();
	m.metrics.s[MET_QUEUE].last = 15;
	m.metrics.tak_failing.last = 1.0;
	fire("TAKPushFailures", "6.2% of TAK pushes fail");
	incident_suggest(&m, &s);
	assert_int_equal(s.sev, 1);
	assert_non_null(strstr(s.reason, "every push fails"));
	/* and the other way round: pushes go through again while the alert, on
	 * its 5-minute rate, still says 100 %: nothing to suggest */
	snprintf(m.alerts.a[0].summary, sizeof m.alerts.a[0].summary, "%s", "100% of TAK pushes fail");
	m.metrics.tak_failing.last = 0;
	incident_suggest(&m, &s);
	assert_int_equal(s.sev, 0);
	/* no push counters (an older build): the firing alert and the queue, SEV-2 at most */
	m.metrics.tak_failing.last = NAN;
	incident_suggest(&m, &s);
	assert_int_equal(s.sev, 2);
	assert_non_null(strstr(s.reason, "TAKPushFailures firing"));
}

static void unanswered_api_is_no_evidence(void **state)
{
	struct model_suggestion s;

	(void)state;
	healthy();
	no_ready_pod();
	snprintf(st.last_error, sizeof st.last_error, "cannot reach the API server");
	incident_suggest(&m, &s);
	assert_int_equal(s.sev, 0);
}

static void response_clock_turns_overdue_until_acked(void **state)
{
	struct timeline_incident inc = { .sev = 1, .opened_ms = 1000000 };
	struct incident_clock c;
	char text[64];

	(void)state;
	config_defaults(&cfg);
	incident_clock(&cfg, &inc, 1000000 + 4 * 60000, &c);
	assert_int_equal(c.target_min, 5);
	assert_false(c.overdue);
	incident_clock_text(&c, text, sizeof text);
	assert_string_equal(text, "ack 5m: 1:00 left");
	incident_clock(&cfg, &inc, 1000000 + 6 * 60000 + 5000, &c);
	assert_true(c.overdue);
	incident_clock_text(&c, text, sizeof text);
	assert_string_equal(text, "ack 5m: 1:05 OVERDUE");
	/* acknowledged: the clock stopped at the ack, whatever time it is now */
	inc.acked_ms = 1000000 + 43000;
	incident_clock(&cfg, &inc, 1000000 + 60 * 60000, &c);
	assert_false(c.overdue);
	incident_clock_text(&c, text, sizeof text);
	assert_string_equal(text, "acked in 0:43");
	/* SEV-4: next business day, never overdue on this clock */
	inc.sev = 4;
	inc.acked_ms = 0;
	incident_clock(&cfg, &inc, 1000000 + 48 * 3600000LL, &c);
	assert_false(c.overdue);
	/* the config's targets win */
	cfg.policy.sev_response_min[2] = 30;
	inc.sev = 3;
	incident_clock(&cfg, &inc, 1000000 + 31 * 60000, &c);
	assert_true(c.overdue);
}

static void status_roles_and_ack_survive_a_reopen(void **state)
{
	char dir[256], path[400], err[256];
	struct timeline *tl;
	struct timeline_incident inc;
	int64_t id;

	(void)state;
	testutil_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/t.db", dir);
	tl = timeline_open(path, "alice", err, sizeof err);
	assert_non_null(tl);
	assert_int_equal(timeline_schema_version(), 6);
	id = timeline_incident_open(tl, "checkout errors", 2);
	assert_true(id > 0);
	assert_int_equal(timeline_incident_current(tl, &inc), 1);
	assert_string_equal(inc.status, "investigating");
	assert_string_equal(inc.commander, "alice");
	assert_int_equal(inc.acked_ms, 0);
	assert_int_equal(timeline_incident_ack(tl, id, inc.opened_ms + 42000), 0);
	assert_int_equal(timeline_incident_ack(tl, id, inc.opened_ms + 99000), 1);   /* the first ack stays */
	assert_int_equal(incident_set_status(tl, id, INCIDENT_RECOVERED, inc.opened_ms + 60000), 0);
	assert_int_equal(timeline_incident_set_role(tl, id, true, "carol"), 0);
	assert_int_equal(timeline_incident_set_role(tl, id, false, "bob"), 0);
	assert_int_equal(timeline_incident_set_sev(tl, id, 1), 0);
	timeline_close(tl);   /* as a SIGKILL would leave it: every write committed */

	tl = timeline_open(path, "dave", err, sizeof err);
	assert_non_null(tl);
	assert_int_equal(timeline_incident_current(tl, &inc), 1);
	assert_int_equal(inc.id, id);
	assert_int_equal(inc.sev, 1);
	assert_string_equal(inc.status, "recovered");
	assert_string_equal(inc.commander, "bob");
	assert_string_equal(inc.scribe, "carol");
	assert_int_equal(inc.acked_ms - inc.opened_ms, 42000);
	/* recovered without contained first: contained is stamped with it, in order */
	assert_int_equal(inc.recovered_ms - inc.opened_ms, 60000);
	assert_int_equal(inc.contained_ms, inc.recovered_ms);
	assert_int_equal(incident_status_parse("mitigated"), INCIDENT_CONTAINED);
	assert_int_equal(incident_status_parse("fixed"), -1);
	assert_int_equal(timeline_incident_close(tl, id), 0);
	/* closed: nothing more changes it */
	assert_int_equal(timeline_incident_ack(tl, id, 1), -1);
	assert_int_equal(incident_set_status(tl, id, INCIDENT_CONTAINED, 1), -1);
	assert_non_null(strstr(timeline_errmsg(tl), "closed"));
	assert_int_equal(timeline_incident_get(tl, 0, &inc), 1);
	assert_int_equal(inc.id, id);
	assert_true(inc.closed_ms > 0);
	timeline_close(tl);
	testutil_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(healthy_suggests_nothing),
		cmocka_unit_test(no_ready_pod_is_sev1_with_its_reason),
		cmocka_unit_test(errors_over_5_percent_are_sev2),
		cmocka_unit_test(ambiguous_takes_the_higher_sev),
		cmocka_unit_test(tak_failing_and_queuing_is_sev2_none_reaching_is_sev1),
		cmocka_unit_test(every_push_failing_is_sev1_whatever_the_alert_says),
		cmocka_unit_test(unanswered_api_is_no_evidence),
		cmocka_unit_test(response_clock_turns_overdue_until_acked),
		cmocka_unit_test(status_roles_and_ack_survive_a_reopen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
