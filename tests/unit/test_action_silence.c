/* The silence and expire actions on the loop against a small Alertmanager:
 * the question shows what will be silenced, the POST carries the matchers,
 * the operator and the comment, the silence is read back, an Alertmanager
 * that cannot be reached is passed over for the next, and each run is
 * audited and in the timeline. */
#define _GNU_SOURCE   /* memmem, accept4 */
#include "http_fixture.h"

#include <cJSON.h>

#include "warroom/actions.h"
#include "warroom/config.h"
#include "warroom/incident.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

struct am {
	char posted[4096];
	bool expired;
	int deletes;
};

static bool handler(struct conn *c, const char *method, const char *path, const char *body, size_t blen, void *arg)
{
	struct am *am = arg;
	char ans[512];

	if (strcmp(method, "POST") == 0 && strcmp(path, "/api/v2/silences") == 0) {
		snprintf(am->posted, sizeof am->posted, "%.*s", (int)blen, body);
		snprintf(ans, sizeof ans, "{\"silenceID\":\"abc-1\"}");
	} else if (strcmp(method, "GET") == 0 && strcmp(path, "/api/v2/silence/abc-1") == 0) {
		snprintf(ans, sizeof ans, "{\"id\":\"abc-1\",\"status\":{\"state\":\"%s\"},\"createdBy\":\"alice\","
		         "\"comment\":\"rollback under way\",\"startsAt\":\"2026-11-21T14:00:00Z\","
		         "\"endsAt\":\"2026-11-21T15:00:00Z\",\"matchers\":[{\"name\":\"alertname\","
		         "\"value\":\"HighErrorRate\",\"isRegex\":false,\"isEqual\":true}]}", am->expired ? "expired" : "active");
	} else if (strcmp(method, "DELETE") == 0 && strcmp(path, "/api/v2/silence/abc-1") == 0) {
		am->expired = true;
		am->deletes++;
		ans[0] = '\0';
	} else if (strncmp(path, "/api/v2/silence/", 16) == 0) {
		respond(c, 404, "Content-Type: application/json\r\n", "\"silence not found\"", 19, true);
		return true;
	} else {
		return false;
	}
	respond(c, 200, "Content-Type: application/json\r\n", ans, strlen(ans), true);
	return true;
}

struct ui_state {
	struct actions *q;
	bool done, asked;
	char question[96];
	char lines[2048];
	struct action_result res;
};

static void ask(uint64_t run, const struct action_question *qn, void *arg)
{
	struct ui_state *u = arg;

	u->asked = true;
	snprintf(u->question, sizeof u->question, "%s", qn->question);
	u->lines[0] = '\0';
	for (size_t i = 0; i < qn->nlines; i++)
		snprintf(u->lines + strlen(u->lines), sizeof u->lines - strlen(u->lines), "%s\n", qn->lines[i].text);
	actions_answer(u->q, run, true, "y in the test");
}

static void done(const struct action_result *res, void *arg)
{
	struct ui_state *u = arg;

	u->res = *res;
	u->done = true;
}

static const struct action_result *go(struct fx *f, struct ui_state *u, enum action_id id, const char *text)
{
	struct action_ui ui = { .ask = ask, .done = done, .arg = u };
	struct action_args args = { .text = text };

	u->done = u->asked = false;
	assert_true(actions_run(u->q, id, &args, &ui) != 0);
	assert_int_equal(loop_run_until(f->loop, &u->done, 5000), 0);
	return &u->res;
}

static void silence_then_expire_with_the_first_alertmanager_down(void **state)
{
	struct fx *f = *state;
	static struct config cfg;
	struct am am = { 0 };
	struct ui_state u = { 0 };
	struct timeline *tl;
	struct timeline_event *evs;
	size_t n;
	char dir[256], path[400], err[256];
	const struct action_result *r;
	cJSON *posted;

	testutil_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/t.db", dir);
	tl = timeline_open(path, "alice", err, sizeof err);
	assert_non_null(tl);
	config_defaults(&cfg);
	snprintf(cfg.alertmanager.url, sizeof cfg.alertmanager.url, "http://127.0.0.1:1");   /* refused */
	snprintf(cfg.alertmanager_urls[0], sizeof cfg.alertmanager_urls[0], "http://127.0.0.1:%d", f->srv->port);
	cfg.nalertmanager_urls = 1;
	f->srv->handler = handler;
	f->srv->handler_arg = &am;
	{
		struct action_ctx ctx = { .loop = f->loop, .cfg = &cfg, .tl = tl, .actor = "alice", .via = "test" };

		u.q = actions_new(&ctx);
	}

	r = go(f, &u, ACTION_SILENCE, "{alertname=\"HighErrorRate\", env=~\"prod|lab\"} 2h rollback under way");
	assert_true(u.asked);
	assert_string_equal(u.question, "Create this silence for 2h?");
	assert_non_null(strstr(u.lines, "matchers: alertname=\"HighErrorRate\", env=~\"prod|lab\""));
	assert_non_null(strstr(u.lines, "comment: rollback under way"));
	assert_int_equal(r->outcome, ACTION_OK);
	assert_non_null(strstr(r->summary, "silence abc-1 active for 2h"));
	posted = cJSON_Parse(am.posted);
	assert_non_null(posted);
	assert_string_equal(cJSON_GetObjectItem(posted, "createdBy")->valuestring, "alice");
	assert_string_equal(cJSON_GetObjectItem(posted, "comment")->valuestring, "rollback under way");
	{
		const cJSON *m = cJSON_GetArrayItem(cJSON_GetObjectItem(posted, "matchers"), 1);
		int64_t s = text_parse_time(cJSON_GetObjectItem(posted, "startsAt")->valuestring);
		int64_t e = text_parse_time(cJSON_GetObjectItem(posted, "endsAt")->valuestring);

		assert_string_equal(cJSON_GetObjectItem(m, "name")->valuestring, "env");
		assert_string_equal(cJSON_GetObjectItem(m, "value")->valuestring, "prod|lab");
		assert_true(cJSON_IsTrue(cJSON_GetObjectItem(m, "isRegex")));
		assert_true(e - s == 2 * 3600 * 1000);
	}
	cJSON_Delete(posted);
	/* resolving the incident now would leave it hiding a recurrence: said */
	{
		struct incident_followup fu[4];

		assert_int_equal(incident_followups(tl, loop_wall_ms(), fu, 4), 1);
		assert_int_equal(fu[0].kind, INCIDENT_FOLLOWUP_SILENCE);
		assert_non_null(strstr(fu[0].text, "silence abc-1 on alertname=\"HighErrorRate\", env=~\"prod|lab\" until "));
		assert_int_equal(incident_followups(tl, loop_wall_ms() + 2 * 3600 * 1000 + 60000, fu, 4), 0);   /* over */
	}

	/* no comment: refused before anything is asked or sent */
	am.posted[0] = '\0';
	r = go(f, &u, ACTION_SILENCE, "{alertname=\"HighErrorRate\"} 1h");
	assert_false(u.asked);
	assert_int_equal(r->outcome, ACTION_REFUSED);
	assert_int_equal(r->exit_code, 2);
	assert_string_equal(am.posted, "");

	r = go(f, &u, ACTION_EXPIRE, "abc-1");
	assert_true(u.asked);
	assert_non_null(strstr(u.lines, "by alice: rollback under way"));
	assert_int_equal(r->outcome, ACTION_OK);
	assert_int_equal(am.deletes, 1);
	{
		struct incident_followup fu[4];

		assert_int_equal(incident_followups(tl, loop_wall_ms(), fu, 4), 0);   /* expired: nothing left open */
	}
	r = go(f, &u, ACTION_EXPIRE, "abc-1");
	assert_int_equal(r->outcome, ACTION_REFUSED);
	assert_non_null(strstr(r->summary, "already expired"));
	r = go(f, &u, ACTION_EXPIRE, "nope-2");
	assert_int_equal(r->outcome, ACTION_REFUSED);
	assert_non_null(strstr(r->summary, "no silence nope-2"));
	r = go(f, &u, ACTION_EXPIRE, "../../status");
	assert_int_equal(r->outcome, ACTION_REFUSED);
	assert_int_equal(am.deletes, 1);

	assert_int_equal(timeline_list(tl, -1, 0, 0, &evs, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(evs[0].kind, "silence");
	assert_non_null(strstr(evs[0].summary, "silence abc-1 expired by alice"));
	assert_non_null(strstr(evs[1].summary, "silence abc-1 for 2h by alice"));
	timeline_events_free(evs, n);
	{
		struct timeline_audit *a;

		assert_int_equal(timeline_audit_list(tl, 0, &a, &n), 0);
		assert_int_equal(n, 6);
		free(a);
	}
	actions_free(u.q);
	timeline_close(tl);
	testutil_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(silence_then_expire_with_the_first_alertmanager_down, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
