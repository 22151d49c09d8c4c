/* The postmortem draft, field by field, as JSON and Markdown: times and
 * spans from the incident's clocks and its first alert, the SEV history,
 * actions with their signals, follow-ups, secrets redacted; files private.
 * And the rollback log record the runbook asks for. */
#include "testutil.h"

#include <math.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "warroom/actions.h"
#include "warroom/config.h"
#include "warroom/export.h"
#include "warroom/incident.h"
#include "warroom/timeline.h"

static char dir[256];
static struct config cfg;

static void event(struct timeline *tl, int64_t inc, int64_t ts, const char *kind, const char *summary,
                  const char *detail)
{
	struct timeline_event ev = { .incident_id = inc, .ts_ms = ts, .detail_json = (char *)detail };
	char err[256];

	snprintf(ev.kind, sizeof ev.kind, "%s", kind);
	snprintf(ev.summary, sizeof ev.summary, "%s", summary);
	if (timeline_append(tl, &ev, err, sizeof err) != 0)
		fail_msg("append: %s", err);
}

/* INC-1, SEV-2 then SEV-1; an alert fired a minute before the declaration;
 * contained after 2 min, recovered after 5, closed. */
static struct timeline *story(int64_t *opened)
{
	char path[400], err[256], sig[64];
	struct timeline *tl;
	struct timeline_incident inc;
	struct timeline_audit a = { 0 };
	int64_t id, t0;

	snprintf(path, sizeof path, "%s/t.db", dir);
	tl = timeline_open(path, "alice", err, sizeof err);
	assert_non_null(tl);
	id = timeline_incident_open(tl, "checkout errors after 1.5.0", 2);
	assert_int_equal(timeline_incident_current(tl, &inc), 1);
	t0 = inc.opened_ms;
	*opened = t0;
	event(tl, id, t0, "sev", "SEV-2 declared: checkout errors after 1.5.0", "{\"sev\":2,\"title\":\"x\"}");
	snprintf(sig, sizeof sig, "{\"alert\":\"HighErrorRate\",\"since_ms\":%lld}", (long long)(t0 - 60000));
	event(tl, id, t0 + 1000, "alert", "ALERT firing: HighErrorRate (critical): 8% of requests fail", sig);
	event(tl, id, t0 + 30000, "sev", "SEV-2 -> SEV-1: no ready pod", "{\"from\":2,\"sev\":1,\"reason\":\"no ready pod\"}");
	assert_int_equal(timeline_incident_set_sev(tl, id, 1), 0);
	event(tl, id, t0 + 90000, "note", "curl -H 'Authorization: Bearer s3cr3tvalue' showed 503", NULL);
	event(tl, id, t0 + 100000, "action", "follow-up: re-enable auto-sync on detection-api once Git is fixed", NULL);
	a.incident_id = id;
	a.started_ms = t0 + 60000;
	a.ended_ms = t0 + 61500;
	snprintf(a.actor, sizeof a.actor, "alice");
	snprintf(a.via, sizeof a.via, "console");
	snprintf(a.action, sizeof a.action, "rollback");
	snprintf(a.args, sizeof a.args, "{}");
	snprintf(a.confirmation, sizeof a.confirmation, "yes (y in the console)");
	snprintf(a.outcome, sizeof a.outcome, "ok");
	snprintf(a.summary, sizeof a.summary, "traffic on blue, verified in 0.4 s");
	snprintf(a.signals, sizeof a.signals, "{\"rps\":18.9,\"error_ratio\":0.081,\"p95_s\":0.212,\"queue\":0}");
	assert_int_equal(timeline_audit_append(tl, &a, err, sizeof err), 0);
	/* a refusal that names a key, as core writes it: the action's name */
	a.started_ms = a.ended_ms = t0 + 62000;
	snprintf(a.action, sizeof a.action, "incident");
	snprintf(a.confirmation, sizeof a.confirmation, "%s", "");
	snprintf(a.outcome, sizeof a.outcome, "refused");
	snprintf(a.summary, sizeof a.summary, "INC-1 is already open (SEV-2): change its SEV with {sev}, or resolve it");
	assert_int_equal(timeline_audit_append(tl, &a, err, sizeof err), 0);
	assert_int_equal(timeline_incident_ack(tl, id, t0 + 40000), 0);
	assert_int_equal(timeline_incident_set_role(tl, id, true, "carol"), 0);
	assert_int_equal(incident_set_status(tl, id, INCIDENT_CONTAINED, t0 + 120000), 0);
	assert_int_equal(incident_set_status(tl, id, INCIDENT_RECOVERED, t0 + 300000), 0);
	assert_int_equal(incident_set_status(tl, id, INCIDENT_RESOLVED, t0 + 310000), 0);
	assert_int_equal(timeline_incident_close(tl, id), 0);
	return tl;
}

static int setup(void **state)
{
	testutil_tmpdir(dir, sizeof dir);
	config_defaults(&cfg);
	snprintf(cfg.environment, sizeof cfg.environment, "prod");
	snprintf(cfg.kube.service, sizeof cfg.kube.service, "detection-api-service");
	snprintf(cfg.logs_dir, sizeof cfg.logs_dir, "%s/state/logs", dir);
	return 0;
}

static int teardown(void **state)
{
	testutil_rmtree(dir);
	return 0;
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(v))
		fail_msg("%s is not a number", k);
	return v->valuedouble;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsString(v))
		fail_msg("%s is not a string", k);
	return v->valuestring;
}

static void json_draft_field_by_field(void **state)
{
	int64_t t0, got = 0;
	struct timeline *tl = story(&t0);
	char err[256];
	char *text = export_incident(tl, &cfg, 0, EXPORT_JSON, &got, err, sizeof err);
	cJSON *doc, *inc, *d, *w, *h, *acts, *fu, *tlj;

	assert_non_null(text);
	assert_int_equal(got, 1);
	assert_null(strstr(text, "s3cr3tvalue"));
	doc = cJSON_Parse(text);
	assert_non_null(doc);
	inc = cJSON_GetObjectItem(doc, "incident");
	assert_string_equal(str(inc, "ref"), "INC-1");
	assert_string_equal(str(inc, "title"), "checkout errors after 1.5.0");
	assert_int_equal((int)num(inc, "sev"), 1);
	assert_string_equal(str(inc, "status"), "resolved");
	assert_string_equal(str(inc, "commander"), "alice");
	assert_string_equal(str(inc, "scribe"), "carol");
	assert_string_equal(str(inc, "environment"), "prod");
	assert_int_equal((int)num(inc, "respond_within_min"), 5);
	assert_true(cJSON_IsString(cJSON_GetObjectItem(inc, "closed")));

	d = cJSON_GetObjectItem(doc, "durations_s");
	assert_int_equal((int)num(d, "response"), 40);
	/* detection is the alert's start, a minute before the declaration */
	assert_int_equal((int)num(d, "detection_to_mitigation"), 180);
	assert_int_equal((int)num(d, "mitigation_to_recovery"), 180);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(d, "ongoing")));

	w = cJSON_GetObjectItem(doc, "impact_window");
	assert_int_equal((int)num(w, "duration_s"), 360);
	assert_non_null(strstr(str(w, "start_by"), "HighErrorRate"));

	h = cJSON_GetObjectItem(doc, "sev_history");
	assert_int_equal(cJSON_GetArraySize(h), 2);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(h, 0), "from")));
	assert_int_equal((int)num(cJSON_GetArrayItem(h, 0), "sev"), 2);
	assert_int_equal((int)num(cJSON_GetArrayItem(h, 1), "from"), 2);
	assert_int_equal((int)num(cJSON_GetArrayItem(h, 1), "sev"), 1);
	assert_string_equal(str(cJSON_GetArrayItem(h, 1), "reason"), "no ready pod");

	acts = cJSON_GetObjectItem(doc, "actions");
	assert_int_equal(cJSON_GetArraySize(acts), 2);
	assert_string_equal(str(cJSON_GetArrayItem(acts, 0), "action"), "rollback");
	/* the draft is read away from the console: a key is named as its command */
	assert_string_equal(str(cJSON_GetArrayItem(acts, 1), "summary"),
	                    "INC-1 is already open (SEV-2): change its SEV with warroom sev, or resolve it");
	assert_string_equal(str(cJSON_GetArrayItem(acts, 0), "outcome"), "ok");
	assert_int_equal((int)num(cJSON_GetArrayItem(acts, 0), "duration_ms"), 1500);
	assert_true(fabs(num(cJSON_GetObjectItem(cJSON_GetArrayItem(acts, 0), "signals"), "error_ratio") - 0.081) < 1e-9);

	fu = cJSON_GetObjectItem(doc, "follow_ups");
	assert_int_equal(cJSON_GetArraySize(fu), 1);
	assert_string_equal(str(cJSON_GetArrayItem(fu, 0), "text"),
	                    "re-enable auto-sync on detection-api once Git is fixed");

	/* every event, oldest first */
	tlj = cJSON_GetObjectItem(doc, "timeline");
	assert_int_equal(cJSON_GetArraySize(tlj), 5);
	assert_string_equal(str(cJSON_GetArrayItem(tlj, 0), "kind"), "sev");
	assert_string_equal(str(cJSON_GetArrayItem(tlj, 4), "kind"), "action");
	cJSON_Delete(doc);
	free(text);
	timeline_close(tl);
}

static void markdown_draft_says_the_same(void **state)
{
	int64_t t0;
	struct timeline *tl = story(&t0);
	char err[256], path[1200];
	char *md = export_incident(tl, &cfg, 1, EXPORT_MD, NULL, err, sizeof err);
	struct stat sb;

	assert_non_null(md);
	assert_non_null(strstr(md, "# Postmortem draft: INC-1 — checkout errors after 1.5.0"));
	assert_non_null(strstr(md, "**SEV-1** · status **resolved** · environment prod · service detection-api-service"));
	assert_non_null(strstr(md, "| Scribe | carol |"));
	assert_non_null(strstr(md, "| Detection to mitigation | 3m |"));
	assert_non_null(strstr(md, "| Mitigation to recovery | 3m |"));
	assert_non_null(strstr(md, "| SEV-2 → SEV-1 | alice | no ready pod |"));
	assert_non_null(strstr(md, "req/s 18.9, 5xx 8.1%, p95 212ms, queue 0"));
	assert_non_null(strstr(md, "- [ ] re-enable auto-sync on detection-api once Git is fixed"));
	assert_non_null(strstr(md, "[redacted]"));
	assert_null(strstr(md, "s3cr3tvalue"));
	free(md);

	/* unknown incident: words, no draft */
	assert_null(export_incident(tl, &cfg, 7, EXPORT_MD, NULL, err, sizeof err));
	assert_non_null(strstr(err, "no incident INC-7"));

	/* the console's files: 0600 in 0700 folders */
	assert_int_equal(export_incident_files(tl, &cfg, 0, path, sizeof path, err, sizeof err), 0);
	assert_non_null(strstr(path, "/postmortem/INC-1.md"));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(path, sizeof path, "%s/postmortem", cfg.logs_dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	snprintf(path, sizeof path, "%s/postmortem/INC-1.json", cfg.logs_dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	timeline_close(tl);
}

static cJSON *read_json(const char *path)
{
	char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;
	cJSON *o;

	assert_non_null(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	o = cJSON_Parse(buf);
	assert_non_null(o);
	return o;
}

/* Log lines pinned in the diagnose view are quoted whole, redacted, in a
 * fence no line of theirs can close. */
static void pinned_log_lines_are_quoted(void **state)
{
	char path[400], err[256];
	struct timeline *tl;
	int64_t id;
	char *md, *json;

	snprintf(path, sizeof path, "%s/p.db", dir);
	tl = timeline_open(path, "alice", err, sizeof err);
	assert_non_null(tl);
	id = timeline_incident_open(tl, "errors after 1.5.0", 2);
	event(tl, id, 1735830245000LL, "logs", "pinned 2 log lines: 2025-01-02T15:04:05.123Z green/7xk2q error",
	      "{\"pinned\":[\"2025-01-02T15:04:05.123Z green/7xk2q error unhandled exception ```KeyError```\","
	      "\"2025-01-02T15:04:05.200Z green/7xk2q retry with token=s3cr3tvalue\"]}");
	md = export_incident(tl, &cfg, id, EXPORT_MD, NULL, err, sizeof err);
	assert_non_null(md);
	assert_non_null(strstr(md, "## Log lines pinned"));
	assert_non_null(strstr(md, "pinned by alice:\n\n````\n2025-01-02T15:04:05.123Z green/7xk2q error unhandled "
	                           "exception ```KeyError```\n"));
	assert_non_null(strstr(md, "retry with token=[redacted]\n````\n"));
	assert_null(strstr(md, "s3cr3tvalue"));
	free(md);
	json = export_incident(tl, &cfg, id, EXPORT_JSON, NULL, err, sizeof err);
	{
		cJSON *doc = cJSON_Parse(json);
		const cJSON *pin = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "log_lines"), 0);

		assert_string_equal(str(pin, "at"), "2025-01-02T15:04:05Z");
		assert_string_equal(str(pin, "by"), "alice");
		assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(pin, "lines")), 2);
		cJSON_Delete(doc);
	}
	free(json);
	timeline_close(tl);
}

static void rollback_log_has_the_runbook_fields(void **state)
{
	char p[400], err[256], path[1200], buf[4096];
	struct timeline *tl;
	struct action_result res = { .id = ACTION_ROLLBACK, .outcome = ACTION_OK, .duration_ms = 2300 };
	FILE *f;
	size_t n;
	cJSON *o;
	struct stat sb;

	snprintf(p, sizeof p, "%s/r.db", dir);
	tl = timeline_open(p, "alice", err, sizeof err);
	assert_non_null(tl);
	snprintf(cfg.operator_name, sizeof cfg.operator_name, "alice");
	timeline_log(tl, "rollback", "rollback selector green -> blue confirmed by alice",
	             "{\"strategy\":\"selector\",\"from\":\"green\",\"to\":\"blue\","
	             "\"target_image\":\"registry/detection-api:1.4.2\"}");
	snprintf(res.summary, sizeof res.summary, "traffic on blue, verified in 0.4 s");
	assert_int_equal(export_rollback_log(tl, &cfg, &res, path, sizeof path, err, sizeof err), 0);
	assert_non_null(strstr(path, "/deployments/rollback_"));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	o = cJSON_Parse(buf);
	assert_non_null(o);
	assert_int_equal(strlen(str(o, "timestamp")), 20);   /* 2026-12-01T21:00:00Z */
	assert_string_equal(str(o, "environment"), "prod");
	assert_string_equal(str(o, "version"), "1.4.2");
	assert_string_equal(str(o, "operator"), "alice");
	assert_string_equal(str(o, "strategy"), "selector");
	assert_string_equal(str(o, "status"), "success");
	assert_string_equal(str(o, "verification"), "traffic on blue, verified in 0.4 s");
	/* a plan that names no revision at all: nothing to claim */
	assert_string_equal(str(o, "commit"), "");
	cJSON_Delete(o);
	timeline_log(tl, "rollback", "rollback argocd green -> blue confirmed by alice",
	             "{\"strategy\":\"argocd\",\"from\":\"green\",\"to\":\"blue\",\"target_revision\":7,"
	             "\"argocd_to_revision\":\"4f1c2d3e4f5a6b7c8d9e\",\"target_image\":\"registry/detection-api:1.4.2\"}");
	assert_int_equal(export_rollback_log(tl, &cfg, &res, path, sizeof path, err, sizeof err), 0);
	o = read_json(path);
	assert_string_equal(str(o, "commit"), "4f1c2d3e4f5a6b7c8d9e");
	cJSON_Delete(o);
	sleep(1);   /* the file's name is its second */
	/* no Argo CD: the target's rollout revision, as the deployment log says it */
	timeline_log(tl, "rollback", "rollback selector green -> blue confirmed by alice",
	             "{\"strategy\":\"selector\",\"from\":\"green\",\"to\":\"blue\",\"target_revision\":7}");
	assert_int_equal(export_rollback_log(tl, &cfg, &res, path, sizeof path, err, sizeof err), 0);
	o = read_json(path);
	assert_string_equal(str(o, "commit"), "r7");
	cJSON_Delete(o);
	timeline_close(tl);
}

/* A draft written from another shell, with no config (environment
 * "default", no service), names what the incident was declared in; drafts
 * and logs go beside the database in use, so two labs never share one. */
static void the_export_is_the_incidents_and_lies_beside_its_database(void **state)
{
	char a[400], b[400], err[256], path[1200];
	struct timeline *tl;
	struct stat sb;
	struct config bare;
	char *md;

	config_defaults(&bare);
	snprintf(a, sizeof a, "%s/lab-a/timeline.db", dir);
	snprintf(b, sizeof b, "%s/lab-b/timeline.db", dir);
	tl = timeline_open(a, "alice", err, sizeof err);
	assert_non_null(tl);
	assert_true(timeline_incident_open(tl, "pods down", 1) > 0);
	timeline_log(tl, "sev", "SEV-1 declared: pods down", "{\"sev\":1,\"title\":\"pods down\",\"environment\":"
	             "\"lab\",\"service\":\"detection-api-service\",\"namespace\":\"detection-system\"}");
	md = export_incident(tl, &bare, 0, EXPORT_MD, NULL, err, sizeof err);
	assert_non_null(md);
	assert_non_null(strstr(md, "environment lab · service detection-api-service"));
	assert_null(strstr(md, "default"));
	free(md);
	assert_int_equal(export_incident_files(tl, &bare, 0, path, sizeof path, err, sizeof err), 0);
	snprintf(a, sizeof a, "%s/lab-a/logs/postmortem/INC-1.md", dir);
	assert_string_equal(path, a);
	timeline_close(tl);
	tl = timeline_open(b, "bob", err, sizeof err);
	assert_non_null(tl);
	assert_true(timeline_incident_open(tl, "errors", 2) > 0);
	assert_int_equal(export_incident_files(tl, &bare, 0, path, sizeof path, err, sizeof err), 0);
	snprintf(b, sizeof b, "%s/lab-b/logs/postmortem/INC-1.md", dir);
	assert_string_equal(path, b);
	assert_int_equal(stat(a, &sb), 0);   /* the other lab's INC-1 is still its own */
	timeline_close(tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(json_draft_field_by_field, setup, teardown),
		cmocka_unit_test_setup_teardown(markdown_draft_says_the_same, setup, teardown),
		cmocka_unit_test_setup_teardown(rollback_log_has_the_runbook_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(the_export_is_the_incidents_and_lies_beside_its_database, setup, teardown),
		cmocka_unit_test_setup_teardown(pinned_log_lines_are_quoted, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
