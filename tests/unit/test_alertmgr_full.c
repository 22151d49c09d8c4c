/* Every alert, group, silence and rule as the alerts view shows them:
 * recorded answers of real servers (read in place, skipped when absent),
 * an HA pair de-duplicated, hostile answers, and the alerts watcher. */
#include "testutil.h"

#include <cJSON.h>

#include "warroom/actions.h"
#include "warroom/alertmgr.h"
#include "warroom/config.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "alerts/prom_rules.h"
#include "warroom/timeline.h"


/* The alert with this fingerprint, NULL when there is none. */
static const struct model_am_alert *find_alert(const struct model_am *am, const char *fp)
{
	for (size_t i = 0; i < am->n; i++)
		if (strcmp(am->a[i].fingerprint, fp) == 0)
			return &am->a[i];
	return NULL;
}
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* /api/v2/alerts items are the groups' alerts (each once per group it is in) */
static char *flatten(const char *groups_json, size_t len)
{
	cJSON *groups = cJSON_ParseWithLength(groups_json, len), *all = cJSON_CreateArray(), *g;
	char *flat;

	cJSON_ArrayForEach(g, groups) {
		const cJSON *a;

		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(g, "alerts"))
			cJSON_AddItemToArray(all, cJSON_Duplicate(a, 1));
	}
	flat = cJSON_PrintUnformatted(all);
	cJSON_Delete(all);
	cJSON_Delete(groups);
	return flat;
}

static struct model_am *new_am(void)
{
	struct model_am *am = calloc(1, sizeof *am);

	assert_non_null(am);
	return am;
}

static void an_ha_pair_of_recorded_alertmanagers_is_one_list(void **state)
{
	char path[512], err[256];
	size_t len;
	char *json, *flat;
	struct model_am *am = new_am();
	const struct model_am_alert *a;
	struct model_alerts sum;

	(void)state;
	if (!testutil_fixture(path, sizeof path, "api/alertmanager-v2-alerts-groups.json")) {
		free(am);
		skip();
	}
	json = slurp(path, &len);
	flat = flatten(json, len);
	/* both of the pair answer the same: 24 items, 12 alerts, each from both */
	assert_int_equal(alertmgr_parse_all(flat, strlen(flat), NULL, 0, am, err, sizeof err), 0);
	assert_int_equal(alertmgr_parse_all(flat, strlen(flat), NULL, 1, am, err, sizeof err), 0);
	assert_int_equal(am->n, 12);
	assert_int_equal(am->total, 12);
	for (size_t i = 0; i < am->n; i++)
		assert_int_equal(am->a[i].from, 3);
	assert_int_equal(alertmgr_parse_groups(json, len, am, err, sizeof err), 0);
	assert_int_equal(am->ngroups, 10);
	alertmgr_sort(am);
	/* firing first, the suppressed last */
	assert_int_equal(am->a[0].state, AM_ACTIVE);
	assert_int_equal(am->a[am->n - 1].state, AM_SUPPRESSED);
	a = find_alert(am, "cc58f2ac8260fb97");
	assert_non_null(a);
	assert_string_equal(a->name, "Host_Down");
	assert_int_equal(a->state, AM_SUPPRESSED);
	assert_int_equal(a->nsilenced, 2);
	assert_string_equal(a->silenced_by[0], "9bd58938-25fd-41c5-aba3-9bc373074484");
	a = find_alert(am, "54c2f185e49cfccb");
	assert_non_null(a);
	assert_string_equal(alertmgr_label(a, "instance"), "web1");
	assert_string_equal(a->summary, "Example summary");
	assert_string_equal(a->generator_url, "http://localhost/prometheus");
	assert_string_equal(a->severity, "none");
	assert_true(a->group[0] != '\0');
	assert_true(a->since_wall_ms == alertmgr_parse_time("2026-03-11T12:48:38.413Z"));
	/* the overview's summary counts the firing ones only */
	memset(&sum, 0, sizeof sum);
	alertmgr_summarize(am, NULL, &sum);
	assert_int_equal(sum.total, 8);
	/* a silence hides Host_Down's notifications, not that it still fires */
	assert_true(sum.silenced >= 1);
	assert_non_null(strstr(sum.silenced_names, "Host_Down"));
	assert_int_equal(strstr(strstr(sum.silenced_names, "Host_Down") + 1, "Host_Down"), NULL);   /* named once */
	free(flat);
	free(json);
	free(am);
}

static void recorded_silences_and_what_they_silence(void **state)
{
	char path[512], err[256], text[600];
	size_t len;
	char *json;
	struct model_am *am = new_am();
	const struct model_silence *s;

	(void)state;
	if (!testutil_fixture(path, sizeof path, "api/alertmanager-v2-silences.json")) {
		free(am);
		skip();
	}
	json = slurp(path, &len);
	assert_int_equal(alertmgr_parse_silences(json, len, 0, am, err, sizeof err), 0);
	assert_int_equal(alertmgr_parse_silences(json, len, 1, am, err, sizeof err), 0);   /* the pair's */
	assert_true(am->nsilences >= 3);
	s = alertmgr_find_silence(am, "dcb3b5d0-9f10-4baa-977a-70073a1899bd");
	assert_non_null(s);
	assert_int_equal(s->from, 3);
	assert_int_equal(s->state, SIL_ACTIVE);
	assert_int_equal(s->nm, 2);
	assert_string_equal(s->created_by, "john@example.com");
	assert_string_equal(s->comment, "Silenced Host_Down alerts in the dev cluster");
	alertmgr_matchers_format(s->m, s->nm, text, sizeof text);
	assert_string_equal(text, "alertname=\"Host_Down\", cluster=\"dev\"");
	free(json);
	free(am);
}

static void rules_pending_alerts_and_a_rule_in_error(void **state)
{
	static const char broken[] =
		"{\"status\":\"success\",\"data\":{\"groups\":[{\"name\":\"slo\",\"rules\":["
		"{\"type\":\"alerting\",\"name\":\"HighErrorRate\",\"state\":\"pending\",\"health\":\"ok\","
		" \"alerts\":[{\"labels\":{\"alertname\":\"HighErrorRate\",\"severity\":\"critical\"},"
		"  \"annotations\":{\"summary\":\"5xx over 1%\"},\"state\":\"pending\","
		"  \"activeAt\":\"2026-11-21T14:03:10Z\",\"value\":\"8e-02\"}]},"
		"{\"type\":\"alerting\",\"name\":\"QueueStale\",\"state\":\"inactive\",\"health\":\"err\","
		" \"lastError\":\"many-to-many matching not allowed\",\"alerts\":[]},"
		"{\"type\":\"recording\",\"name\":\"job:rate5m\",\"health\":\"ok\"}]}]}}";
	static const char refused[] = "{\"status\":\"error\",\"errorType\":\"unavailable\",\"error\":\"not ready\"}";
	char path[512], err[256];
	struct model_am *am = new_am();
	size_t len;

	(void)state;
	assert_int_equal(prom_rules_parse(broken, strlen(broken), NULL, am, err, sizeof err), 0);
	assert_int_equal(am->rules_total, 2);            /* the recording rule is no alerting rule */
	assert_int_equal(am->rules_in_error, 1);
	assert_string_equal(am->rules[0].name, "QueueStale");   /* the rule in error first */
	assert_string_equal(am->rules[0].last_error, "many-to-many matching not allowed");
	assert_int_equal(am->rules[1].pending, 1);
	assert_int_equal(am->n, 1);
	assert_int_equal(am->a[0].state, AM_PENDING);
	assert_string_equal(am->a[0].name, "HighErrorRate");
	assert_int_equal(am->a[0].sev_rank, 0);
	assert_true(am->a[0].since_wall_ms == alertmgr_parse_time("2026-11-21T14:03:10Z"));
	assert_int_equal(prom_rules_parse(refused, strlen(refused), NULL, am, err, sizeof err), -1);
	assert_string_equal(err, "Prometheus rules: unavailable: not ready");
	assert_int_equal(prom_rules_parse("<html>", 6, NULL, am, err, sizeof err), -1);
	assert_non_null(strstr(err, "not JSON"));

	if (testutil_fixture(path, sizeof path, "api/prometheus-rules.json")) {
		char *json = slurp(path, &len);

		memset(am, 0, sizeof *am);
		assert_int_equal(prom_rules_parse(json, len, NULL, am, err, sizeof err), 0);
		assert_int_equal(am->rules_total, 1);
		assert_string_equal(am->rules[0].name, "HighRequestLatency");
		assert_string_equal(am->rules[0].health, "ok");
		assert_int_equal(am->rules[0].firing, 1);
		assert_int_equal(am->n, 0);   /* firing alerts are Alertmanager's to show */
		free(json);
	}
	free(am);
}

/* What the overview's summary keeps of each firing alert: every label whole,
 * as "name=value" lines, for a runbook's ALERT_<LABEL> variables. */
static void the_summary_keeps_every_label_of_an_alert(void **state)
{
	char err[256], longv[400], json[2000];
	struct model_am *am = new_am();
	struct model_alerts *sum = calloc(1, sizeof *sum);
	int n;

	(void)state;
	assert_non_null(sum);
	memset(longv, 'v', sizeof longv - 1);
	longv[sizeof longv - 1] = '\0';
	n = snprintf(json, sizeof json, "[{\"fingerprint\":\"f1\",\"status\":{\"state\":\"active\"},\"labels\":"
	             "{\"alertname\":\"ServiceDown\",\"severity\":\"critical\",\"job\":\"detection-api\","
	             "\"instance\":\"10.0.0.7:8080\",\"query\":\"a=b c\",\"team.name\":\"caf\u00e9 \\\"ops\\\"\","
	             "\"too_long\":\"%s\"}}]", longv);
	assert_true(n > 0 && (size_t)n < sizeof json);
	assert_int_equal(alertmgr_parse_all(json, (size_t)n, NULL, 0, am, err, sizeof err), 0);
	alertmgr_sort(am);
	alertmgr_summarize(am, NULL, sum);
	assert_int_equal(sum->n, 1);
	/* sorted by name, each value as it came; a value the model had to cut is left out, not passed cut */
	assert_string_equal(sum->a[0].labels, "alertname=ServiceDown\ninstance=10.0.0.7:8080\njob=detection-api\n"
	                    "query=a=b c\nseverity=critical\nteam.name=caf\u00e9 \"ops\"\n");
	free(sum);
	free(am);
}

static void hostile_answers_are_refused_or_tamed(void **state)
{
	char err[256];
	struct model_am *am = new_am();
	static char big[200 * 260 + 4096];
	char longv[3000];
	size_t used;

	(void)state;
	assert_int_equal(alertmgr_parse_all("not json", 8, NULL, 0, am, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a list of alerts"));
	assert_int_equal(alertmgr_parse_all("{\"a\":1}", 7, NULL, 0, am, err, sizeof err), -1);
	assert_int_equal(alertmgr_parse_groups("\"oops\"", 6, am, err, sizeof err), -1);
	assert_int_equal(alertmgr_parse_silences("null", 4, 0, am, err, sizeof err), -1);
	/* items of every wrong kind are passed over */
	static const char odd[] = "[1, \"x\", null, {\"labels\":7}, {\"labels\":{\"alertname\":5,\"a\":\"b\"},"
	                          "\"status\":[],\"annotations\":\"no\",\"startsAt\":12},"
	                          "{\"labels\":{\"alertname\":\"Esc\\u001b[2Jape\\nx\",\"severity\":\"warning\"},"
	                          "\"generatorURL\":\"javascript:alert(1)\"}]";
	assert_int_equal(alertmgr_parse_all(odd, strlen(odd), NULL, 0, am, err, sizeof err), 0);
	assert_int_equal(am->n, 2);
	for (size_t i = 0; i < am->n; i++) {
		assert_null(strchr(am->a[i].name, '\x1b'));
		assert_null(strchr(am->a[i].name, '\n'));
		assert_true(am->a[i].fingerprint[0] == '~');   /* none given: ours */
		assert_string_equal(am->a[i].generator_url, "");   /* only http(s) links are shown */
	}
	/* the same labels in another order are the same alert */
	memset(am, 0, sizeof *am);
	static const char two[] = "[{\"labels\":{\"a\":\"1\",\"b\":\"2\"}},{\"labels\":{\"b\":\"2\",\"a\":\"1\"}}]";
	assert_int_equal(alertmgr_parse_all(two, strlen(two), NULL, 0, am, err, sizeof err), 0);
	assert_int_equal(am->n, 1);
	/* a value too long is cut and marked: a silence never uses it */
	memset(am, 0, sizeof *am);
	memset(longv, 'v', sizeof longv - 1);
	longv[sizeof longv - 1] = '\0';
	used = (size_t)snprintf(big, sizeof big, "[{\"fingerprint\":\"f1\",\"labels\":{\"alertname\":\"Long\","
	                        "\"pod\":\"%s\"}}]", longv);
	assert_int_equal(alertmgr_parse_all(big, used, NULL, 0, am, err, sizeof err), 0);
	assert_true(am->a[0].labels[1].cut);
	{
		struct model_am_matcher mm[8];

		assert_int_equal(alertmgr_alert_matchers(&am->a[0], mm, 8), 1);
		assert_string_equal(mm[0].name, "alertname");
	}
	/* a flood of warnings does not push the one critical alert off the list */
	memset(am, 0, sizeof *am);
	used = (size_t)snprintf(big, sizeof big, "[");
	for (int i = 0; i < 250; i++)
		used += (size_t)snprintf(big + used, sizeof big - used, "{\"fingerprint\":\"w%d\",\"labels\":"
		                         "{\"alertname\":\"Noise\",\"i\":\"%d\",\"severity\":\"warning\"},"
		                         "\"status\":{\"state\":\"active\"}},", i, i);
	used += (size_t)snprintf(big + used, sizeof big - used, "{\"fingerprint\":\"c\",\"labels\":{\"alertname\":"
	                         "\"PodsDown\",\"severity\":\"critical\"},\"status\":{\"state\":\"active\"}}]");
	assert_int_equal(alertmgr_parse_all(big, used, NULL, 0, am, err, sizeof err), 0);
	assert_int_equal(am->total, 251);
	assert_int_equal(am->n, MODEL_AM_ALERTS);
	alertmgr_sort(am);
	assert_string_equal(am->a[0].name, "PodsDown");
	free(am);
}

static struct model_am_alert alert_with(const char *name, const char *sev, const char *env)
{
	struct model_am_alert a;

	memset(&a, 0, sizeof a);
	snprintf(a.labels[0].name, sizeof a.labels[0].name, "alertname");
	snprintf(a.labels[0].value, sizeof a.labels[0].value, "%s", name);
	snprintf(a.labels[1].name, sizeof a.labels[1].name, "env");
	snprintf(a.labels[1].value, sizeof a.labels[1].value, "%s", env);
	snprintf(a.labels[2].name, sizeof a.labels[2].name, "severity");
	snprintf(a.labels[2].value, sizeof a.labels[2].value, "%s", sev);
	a.nlabels = 3;
	return a;
}

static bool matches(const char *filter, const struct model_am_alert *a)
{
	struct alertmgr_matchers ms;
	char err[200];
	bool hit;

	assert_int_equal(alertmgr_matchers_parse(filter, &ms, err, sizeof err), 0);
	hit = alertmgr_matchers_match(&ms, a);
	alertmgr_matchers_free(&ms);
	return hit;
}

static void refused(const char *filter, const char *words)
{
	struct alertmgr_matchers ms;
	char err[200];

	assert_int_equal(alertmgr_matchers_parse(filter, &ms, err, sizeof err), -1);
	if (!strstr(err, words))
		fail_msg("%s: \"%s\" does not say \"%s\"", filter, err, words);
}

static void matchers_filter_as_alertmanager_does(void **state)
{
	struct model_am_alert high = alert_with("HighErrorRate", "critical", "prod");
	struct model_am_alert info = alert_with("DiskInfo", "info", "dev, eu");
	struct alertmgr_matchers ms;
	char err[200], text[300];

	(void)state;
	assert_true(matches("alertname=~\"High.*\"", &high));
	assert_false(matches("alertname=~\"High.*\"", &info));
	assert_false(matches("alertname=~\"High\"", &high));        /* anchored: the whole value */
	assert_true(matches("severity!=info", &high));
	assert_false(matches("severity!=info", &info));
	assert_true(matches("severity=info, env=\"dev, eu\"", &info));   /* a comma inside quotes */
	assert_true(matches("{alertname!~\"Disk.*\",env=prod}", &high));
	assert_false(matches("{alertname!~\"Disk.*\",env=prod}", &info));
	assert_true(matches("team=\"\"", &high));                    /* a missing label is empty */
	assert_false(matches("team=~\".+\"", &high));
	assert_true(matches("  ", &high));                           /* no matcher: every alert */
	assert_true(matches("env==prod", &high));
	refused("alertname", "expected =, !=, =~ or !~");
	refused("=x", "expected a label name");
	refused("a=\"open", "no closing quote");
	refused("a=~\"(\"", "not a regular expression");
	refused("{a=b", "not closed");
	refused("a=b}", "closing brace");
	refused("a=b c=d", "expected a comma");
	/* back to text, escaped, and parsed again to the same */
	assert_int_equal(alertmgr_matchers_parse("a=\"say \\\"hi\\\"\", b!~x.*", &ms, err, sizeof err), 0);
	assert_string_equal(ms.m[0].value, "say \"hi\"");
	alertmgr_matchers_format(ms.m, ms.n, text, sizeof text);
	assert_string_equal(text, "a=\"say \\\"hi\\\"\", b!~\"x.*\"");
	assert_true(alertmgr_matcher_matches_empty(&ms, 1));    /* !~x.* holds for "" */
	assert_false(alertmgr_matcher_matches_empty(&ms, 0));
	alertmgr_matchers_free(&ms);
}

static void silences_as_amtool_writes_them(void **state)
{
	struct alertmgr_matchers ms;
	char m[700], comment[400], err[300];
	long secs;

	(void)state;
	assert_int_equal(actions_silence_parse("{alertname=\"HighErrorRate\", env=prod} 2h30m rollback under way",
	                                        &ms, m, sizeof m, &secs, comment, sizeof comment, err, sizeof err), 0);
	assert_int_equal(ms.n, 2);
	assert_int_equal(secs, 2 * 3600 + 1800);
	assert_string_equal(comment, "rollback under way");
	assert_string_equal(m, "alertname=\"HighErrorRate\", env=\"prod\"");
	alertmgr_matchers_free(&ms);
	/* amtool's default: an hour */
	assert_int_equal(actions_silence_parse("alertname=Foo looking into it", &ms, m, sizeof m, &secs, comment,
	                                        sizeof comment, err, sizeof err), 0);
	assert_int_equal(secs, 3600);
	assert_string_equal(comment, "looking into it");
	alertmgr_matchers_free(&ms);
	/* a comment is required */
	assert_int_equal(actions_silence_parse("{alertname=Foo} 1h", &ms, m, sizeof m, &secs, comment, sizeof comment,
	                                        err, sizeof err), -1);
	assert_non_null(strstr(err, "needs a comment"));
	/* matchers that match every alert are refused, as Alertmanager refuses them */
	assert_int_equal(actions_silence_parse("{team=~\".*\"} 1h all of them", &ms, m, sizeof m, &secs, comment,
	                                        sizeof comment, err, sizeof err), -1);
	assert_non_null(strstr(err, "match every alert"));
	assert_int_equal(actions_silence_parse("", &ms, m, sizeof m, &secs, comment, sizeof comment, err, sizeof err),
	                 -1);
	assert_int_equal(alertmgr_parse_duration("1h"), 3600);
	assert_int_equal(alertmgr_parse_duration("90m"), 5400);
	assert_int_equal(alertmgr_parse_duration("1d"), 86400);
	assert_int_equal(alertmgr_parse_duration("1w"), 7 * 86400);
	assert_int_equal(alertmgr_parse_duration("0m"), -1);
	assert_int_equal(alertmgr_parse_duration("1x"), -1);
	assert_int_equal(alertmgr_parse_duration("h"), -1);
}

static void a_list_of_alertmanagers_in_the_config(void **state)
{
	char dir[256], path[400], err[400];
	static struct config cfg;
	const char *urls[MODEL_AM_SOURCES];
	FILE *f;

	(void)state;
	testutil_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/c.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("alertmanager:\n  urls: [http://am-0:9093/, http://am-1:9093]\n", f);
	fclose(f);
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, true, err, sizeof err), 0);
	assert_string_equal(cfg.alertmanager.url, "http://am-0:9093");   /* the first stands for url */
	assert_int_equal(alertmgr_config_urls(&cfg, urls, MODEL_AM_SOURCES), 2);   /* not twice */
	assert_string_equal(urls[1], "http://am-1:9093");
	/* today's single url keeps working, and the list adds to it */
	f = fopen(path, "w");
	fputs("alertmanager:\n  url: http://am-0:9093\n  urls: [http://am-1:9093]\n", f);
	fclose(f);
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, true, err, sizeof err), 0);
	assert_int_equal(alertmgr_config_urls(&cfg, urls, MODEL_AM_SOURCES), 2);
	assert_string_equal(urls[0], "http://am-0:9093");
	f = fopen(path, "w");
	fputs("alertmanager:\n  urls: [http://am-0:9093, ftp://x]\n", f);
	fclose(f);
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, true, err, sizeof err), -1);
	assert_non_null(strstr(err, "c.yaml:2: alertmanager.urls[1]: expected an http:// or https:// URL"));
	testutil_rmtree(dir);
}

/* ---- the watcher ---- */

static int64_t count_alert_events(struct timeline *tl, char *last, size_t len)
{
	struct timeline_event *evs;
	size_t n;
	int64_t c = 0;

	assert_int_equal(timeline_list(tl, -1, 0, 0, &evs, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(evs[i].kind, "alert") == 0) {
			if (!c && last)
				snprintf(last, len, "%s", evs[i].summary);
			c++;
		}
	timeline_events_free(evs, n);
	return c;
}

static void round_with(struct model *m, struct model_am *am, const struct model_am_alert *a, size_t n)
{
	am->n = n;
	for (size_t i = 0; i < n; i++)
		am->a[i] = a[i];
	am->total = n;
	am->answered = 1;
	am->generation++;
	model_mark(m, DIRTY_ALERTS);
}

static void alerts_reach_the_timeline_during_an_incident(void **state)
{
	char dir[256], path[400], err[256], last[300];
	static struct config cfg;
	static struct model m;
	struct model_am *am = new_am();
	struct model_am_alert a = alert_with("HighErrorRate", "critical", "prod");
	struct alertmgr_watch *w;
	struct timeline *tl;

	(void)state;
	testutil_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/t.db", dir);
	config_defaults(&cfg);
	tl = timeline_open(path, "alice", err, sizeof err);
	assert_non_null(tl);
	model_init(&m, &cfg, tl);
	m.am = am;
	w = alertmgr_watch_install(&m);
	assert_non_null(w);
	snprintf(a.name, sizeof a.name, "HighErrorRate");
	snprintf(a.severity, sizeof a.severity, "critical");
	snprintf(a.fingerprint, sizeof a.fingerprint, "875c4a4d98c8780d");
	a.since_wall_ms = 1;

	/* no incident: the alert fires and nothing is written */
	round_with(&m, am, NULL, 0);
	round_with(&m, am, &a, 1);
	assert_int_equal(count_alert_events(tl, NULL, 0), 0);
	round_with(&m, am, NULL, 0);
	assert_int_equal(timeline_incident_open(tl, "errors after the deploy", 2) > 0, 1);
	model_sync_timeline(&m);
	round_with(&m, am, &a, 1);
	assert_int_equal(count_alert_events(tl, last, sizeof last), 1);
	assert_string_equal(last, "HighErrorRate firing (critical)");
	/* the same again, and a round nobody answered: nothing new */
	round_with(&m, am, &a, 1);
	am->answered = 0;
	am->n = 0;
	am->generation++;
	model_mark(&m, DIRTY_ALERTS);
	assert_int_equal(count_alert_events(tl, NULL, 0), 1);
	/* silenced */
	a.state = AM_SUPPRESSED;
	a.nsilenced = 1;
	snprintf(a.silenced_by[0], sizeof a.silenced_by[0], "931a0c60-5de7-48bb-9254-3e733882a45a");
	am->nsilences = 1;
	snprintf(am->silences[0].id, sizeof am->silences[0].id, "931a0c60-5de7-48bb-9254-3e733882a45a");
	snprintf(am->silences[0].created_by, sizeof am->silences[0].created_by, "alice");
	snprintf(am->silences[0].comment, sizeof am->silences[0].comment, "rollback under way");
	round_with(&m, am, &a, 1);
	assert_int_equal(count_alert_events(tl, last, sizeof last), 2);
	assert_string_equal(last, "HighErrorRate silenced by 931a0c60 (alice: rollback under way)");
	/* firing again once the silence expired, then resolved */
	a.state = AM_ACTIVE;
	a.nsilenced = 0;
	round_with(&m, am, &a, 1);
	round_with(&m, am, NULL, 0);
	assert_int_equal(count_alert_events(tl, last, sizeof last), 4);
	assert_non_null(strstr(last, "HighErrorRate resolved after "));

	alertmgr_watch_free(w, &m);
	assert_int_equal(m.nwatch, 0);
	model_free(&m);
	timeline_close(tl);
	testutil_rmtree(dir);
	free(am);
}

static int64_t alert_event(struct timeline *tl, const char *text, int64_t *ts)
{
	struct timeline_event *evs;
	size_t n;
	int64_t c = 0;

	assert_int_equal(timeline_list(tl, -1, 0, 0, &evs, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(evs[i].kind, "alert") == 0 && strstr(evs[i].summary, text)) {
			c++;
			if (ts)
				*ts = evs[i].ts_ms;
		}
	timeline_events_free(evs, n);
	return c;
}

/* An alert that began before the incident was declared is part of its story
 * from the time it began: the postmortem's impact window starts there. Once:
 * a console restarted mid-incident, or a second one on the same database,
 * writes it no second time. */
static void an_alert_is_recorded_once_at_the_time_it_began(void **state)
{
	char dir[256], path[400], err[256];
	static struct config cfg;
	static struct model m, m2;
	struct model_am *am = new_am();
	struct model_am_alert a = alert_with("HighErrorRate", "critical", "prod");
	struct model_am_alert b = alert_with("ServiceDown", "critical", "prod");
	struct model_am_alert both[2];
	struct alertmgr_watch *w, *w2;
	struct timeline *tl, *tl2;
	int64_t began = loop_wall_ms() - 7 * 60000, ts = 0;

	(void)state;
	testutil_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/t.db", dir);
	config_defaults(&cfg);
	tl = timeline_open(path, "alice", err, sizeof err);
	assert_non_null(tl);
	model_init(&m, &cfg, tl);
	m.am = am;
	w = alertmgr_watch_install(&m);
	snprintf(a.name, sizeof a.name, "HighErrorRate");
	snprintf(a.severity, sizeof a.severity, "critical");
	snprintf(a.fingerprint, sizeof a.fingerprint, "875c4a4d98c8780d");
	a.since_wall_ms = began;
	round_with(&m, am, &a, 1);
	round_with(&m, am, &a, 1);
	assert_int_equal(count_alert_events(tl, NULL, 0), 0);   /* no incident yet */

	/* declared 7 minutes after it began: written at its start, not at the declaration */
	assert_true(timeline_incident_open(tl, "errors after the deploy", 2) > 0);
	model_sync_timeline(&m);
	assert_int_equal(alert_event(tl, "HighErrorRate firing (critical)", &ts), 1);
	assert_true(ts == began);
	{
		struct timeline_incident inc;

		assert_int_equal(timeline_incident_current(tl, &inc), 1);
		assert_true(ts < inc.opened_ms);
	}
	/* the next rounds say nothing new */
	round_with(&m, am, &a, 1);
	assert_int_equal(count_alert_events(tl, NULL, 0), 1);

	/* another console on the same database, started now: it writes neither
	 * the old alert again, nor the new one the first console writes too */
	tl2 = timeline_open(path, "bob", err, sizeof err);
	assert_non_null(tl2);
	model_init(&m2, &cfg, tl2);
	m2.am = am;
	w2 = alertmgr_watch_install(&m2);
	round_with(&m2, am, &a, 1);
	assert_int_equal(count_alert_events(tl, NULL, 0), 1);
	b.since_wall_ms = loop_wall_ms() - 3000;
	snprintf(b.name, sizeof b.name, "ServiceDown");
	snprintf(b.severity, sizeof b.severity, "critical");
	snprintf(b.fingerprint, sizeof b.fingerprint, "1d2e3f4a5b6c7d8e");
	both[0] = a;
	both[1] = b;
	round_with(&m, am, both, 2);
	round_with(&m2, am, both, 2);
	assert_int_equal(alert_event(tl, "ServiceDown firing (critical)", &ts), 1);
	assert_true(ts == b.since_wall_ms);
	/* resolved: once, now */
	round_with(&m2, am, &a, 1);
	round_with(&m, am, &a, 1);
	assert_int_equal(alert_event(tl, "ServiceDown resolved after", &ts), 1);
	assert_true(ts >= loop_wall_ms() - 5000);
	assert_int_equal(count_alert_events(tl, NULL, 0), 3);

	alertmgr_watch_free(w2, &m2);
	alertmgr_watch_free(w, &m);
	model_free(&m2);
	model_free(&m);
	timeline_close(tl2);
	timeline_close(tl);
	testutil_rmtree(dir);
	free(am);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_ha_pair_of_recorded_alertmanagers_is_one_list),
		cmocka_unit_test(recorded_silences_and_what_they_silence),
		cmocka_unit_test(rules_pending_alerts_and_a_rule_in_error),
		cmocka_unit_test(the_summary_keeps_every_label_of_an_alert),
		cmocka_unit_test(hostile_answers_are_refused_or_tamed),
		cmocka_unit_test(matchers_filter_as_alertmanager_does),
		cmocka_unit_test(silences_as_amtool_writes_them),
		cmocka_unit_test(alerts_reach_the_timeline_during_an_incident),
		cmocka_unit_test(an_alert_is_recorded_once_at_the_time_it_began),
		cmocka_unit_test(a_list_of_alertmanagers_in_the_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
