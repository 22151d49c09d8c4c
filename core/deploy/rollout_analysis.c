/* rollout_analysis — a Rollout's AnalysisRuns: each metric with its provider,
 * limits and newest measurements, the run's phase, and the words that name a
 * failed metric as a reason to abort. No I/O here. */
#include "warroom/rollout.h"
#include "warroom/json.h"
#include "warroom/text.h"

#include <cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void parse_metric_spec(struct rollout_metric *m, const cJSON *spec)
{
	text_copy(m->name, sizeof m->name, json_str(spec, "name"));
	m->failure_limit = json_int(spec, "failureLimit", 0);
	m->inconclusive_limit = json_int(spec, "inconclusiveLimit", 0);
	text_copy(m->success, sizeof m->success, json_str(spec, "successCondition"));
	const cJSON *prov = json_get(spec, "provider");
	if (cJSON_IsObject(prov) && prov->child) {
		text_copy(m->provider, sizeof m->provider, prov->child->string);
		const char *q = json_str(prov->child, "query");
		if (!q)
			q = json_str(prov->child, "url");
		text_copy(m->query, sizeof m->query, q);
	}
}

static void parse_measurements(struct rollout_metric *m, const cJSON *list)
{
	int total = cJSON_GetArraySize(list), i = 0;
	const cJSON *x;
	m->nm = 0;
	cJSON_ArrayForEach(x, list) {
		if (i++ < total - ROLLOUT_MAX_MEASUREMENTS)
			continue;
		struct rollout_measurement *r = &m->m[m->nm++];
		memset(r, 0, sizeof *r);
		const cJSON *v = json_get(x, "value");
		if (cJSON_IsString(v))
			text_copy(r->value, sizeof r->value, v->valuestring);
		else if (cJSON_IsNumber(v))
			snprintf(r->value, sizeof r->value, "%g", v->valuedouble);
		text_copy(r->phase, sizeof r->phase, json_str(x, "phase"));
		r->started_wall_ms = text_parse_time(json_str(x, "startedAt"));
	}
}

static struct rollout_metric *metric_named(struct rollout_analysis *a, const char *name)
{
	for (int i = 0; i < a->nmetrics; i++)
		if (name && strcmp(a->metric[i].name, name) == 0)
			return &a->metric[i];
	if (a->nmetrics >= ROLLOUT_MAX_METRICS)
		return NULL;
	struct rollout_metric *m = &a->metric[a->nmetrics++];
	memset(m, 0, sizeof *m);
	text_copy(m->name, sizeof m->name, name);
	return m;
}

static void parse_run(struct rollout_analysis *a, const cJSON *run)
{
	const cJSON *meta = json_get(run, "metadata"), *spec = json_get(run, "spec");
	const cJSON *status = json_get(run, "status");
	memset(a, 0, sizeof *a);
	text_copy(a->name, sizeof a->name, json_str(meta, "name"));
	const cJSON *labels = json_get(meta, "labels");
	text_copy(a->type, sizeof a->type, json_str(labels, "rollout-type"));
	text_copy(a->hash, sizeof a->hash, json_str(labels, ROLLOUT_HASH_LABEL));
	a->created_wall_ms = text_parse_time(json_str(meta, "creationTimestamp"));
	text_copy(a->phase, sizeof a->phase, json_str(status, "phase"));
	text_copy(a->message, sizeof a->message, json_str(status, "message"));
	if (!a->phase[0])
		text_copy(a->phase, sizeof a->phase, "Pending");
	const cJSON *x;
	cJSON_ArrayForEach(x, json_get(spec, "metrics")) {
		struct rollout_metric *m = metric_named(a, json_str(x, "name"));
		if (m)
			parse_metric_spec(m, x);
	}
	cJSON_ArrayForEach(x, json_get(status, "metricResults")) {
		struct rollout_metric *m = metric_named(a, json_str(x, "name"));
		if (!m)
			continue;
		text_copy(m->phase, sizeof m->phase, json_str(x, "phase"));
		m->count = json_int(x, "count", 0);
		m->successful = json_int(x, "successful", 0);
		m->failed = json_int(x, "failed", 0);
		m->inconclusive = json_int(x, "inconclusive", 0);
		m->errors = json_int(x, "error", 0);
		parse_measurements(m, json_get(x, "measurements"));
	}
}

static bool owned_by(const cJSON *run, const char *rollout)
{
	const cJSON *o;
	cJSON_ArrayForEach(o, json_get(json_get(run, "metadata"), "ownerReferences")) {
		const char *kind = json_str(o, "kind"), *name = json_str(o, "name");
		if (kind && name && strcmp(kind, "Rollout") == 0 && strcmp(name, rollout) == 0)
			return true;
	}
	return false;
}

int rollout_parse_analysisrun(struct rollout_analysis *a, const char *json, size_t len, char *err,
                              size_t errlen)
{
	cJSON *root = json_parse_wire(json, len);
	const char *kind = json_str(root, "kind");
	if (!cJSON_IsObject(root) || (kind && strcmp(kind, "AnalysisRun") != 0)) {
		text_errf(err, errlen, "expected an AnalysisRun, got %s", kind ? kind : "something that is not an object");
		cJSON_Delete(root);
		return -1;
	}
	parse_run(a, root);
	cJSON_Delete(root);
	return 0;
}

int rollout_parse_analysisruns(struct rollout_state *ro, const char *json, size_t len, char *err,
                               size_t errlen)
{
	cJSON *root = json_parse_wire(json, len);
	const char *kind = json_str(root, "kind");
	if (!cJSON_IsObject(root) || (kind && strcmp(kind, "AnalysisRunList") != 0)) {
		text_errf(err, errlen, "expected an AnalysisRunList, got %s",
		          kind ? kind : "something that is not an object");
		cJSON_Delete(root);
		return -1;
	}
	ro->nruns = 0;
	const cJSON *run;
	cJSON_ArrayForEach(run, json_get(root, "items")) {
		if (!owned_by(run, ro->name))
			continue;
		struct rollout_analysis a;
		parse_run(&a, run);
		/* newest first: insert by creation time, drop the oldest beyond the table */
		int at = 0;
		while (at < ro->nruns && ro->runs[at].created_wall_ms >= a.created_wall_ms)
			at++;
		if (at >= ROLLOUT_MAX_RUNS)
			continue;
		int last = ro->nruns < ROLLOUT_MAX_RUNS ? ro->nruns : ROLLOUT_MAX_RUNS - 1;
		memmove(&ro->runs[at + 1], &ro->runs[at], (size_t)(last - at) * sizeof ro->runs[0]);
		ro->runs[at] = a;
		if (ro->nruns < ROLLOUT_MAX_RUNS)
			ro->nruns++;
	}
	cJSON_Delete(root);
	return 0;
}

static bool bad_phase(const char *phase)
{
	return strcmp(phase, "Failed") == 0 || strcmp(phase, "Inconclusive") == 0 || strcmp(phase, "Error") == 0;
}

const struct rollout_analysis *rollout_failed_run(const struct rollout_state *ro, int *metric)
{
	for (int i = 0; i < ro->nruns; i++) {
		const struct rollout_analysis *a = &ro->runs[i];
		/* a run about an older version says nothing of this one */
		if (a->hash[0] && ro->current_hash[0] && strcmp(a->hash, ro->current_hash) != 0)
			continue;
		bool bad = bad_phase(a->phase);
		int which = -1;
		for (int m = 0; m < a->nmetrics && which < 0; m++) {
			const struct rollout_metric *x = &a->metric[m];
			if (bad_phase(x->phase) || (x->failed > x->failure_limit) ||
			    (x->inconclusive_limit >= 0 && x->inconclusive > x->inconclusive_limit && x->inconclusive))
				which = m;
		}
		if (bad || which >= 0) {
			if (metric)
				*metric = which < 0 && a->nmetrics ? 0 : which;
			return a;
		}
	}
	return NULL;
}

void rollout_failure_words(const struct rollout_state *ro, char *buf, size_t len)
{
	int m = -1;
	const struct rollout_analysis *a = rollout_failed_run(ro, &m);
	buf[0] = '\0';
	if (!a)
		return;
	const char *phase = a->phase;
	if (m < 0) {
		snprintf(buf, len, "analysis %s %s", a->name, phase);
		return;
	}
	const struct rollout_metric *x = &a->metric[m];
	const char *last = x->nm ? x->m[x->nm - 1].value : "";
	if (!bad_phase(phase))
		phase = x->phase[0] ? x->phase : "Failed";
	snprintf(buf, len, "analysis %s %s: %s%s%d failed of %d measured (limit %d)", x->name,
	         strcmp(phase, "Inconclusive") == 0 ? "inconclusive" : "failed", last, last[0] ? ", " : "",
	         x->failed, x->count, x->failure_limit);
}

static cJSON *run_json(const struct rollout_analysis *a)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", a->name);
	cJSON_AddStringToObject(o, "type", a->type);
	cJSON_AddStringToObject(o, "phase", a->phase);
	cJSON_AddStringToObject(o, "hash", a->hash);
	if (a->message[0])
		cJSON_AddStringToObject(o, "message", a->message);
	cJSON *ms = cJSON_AddArrayToObject(o, "metrics");
	for (int i = 0; i < a->nmetrics; i++) {
		const struct rollout_metric *m = &a->metric[i];
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "name", m->name);
		cJSON_AddStringToObject(x, "provider", m->provider);
		cJSON_AddStringToObject(x, "query", m->query);
		cJSON_AddStringToObject(x, "phase", m->phase);
		cJSON_AddNumberToObject(x, "failure_limit", m->failure_limit);
		cJSON_AddNumberToObject(x, "inconclusive_limit", m->inconclusive_limit);
		cJSON_AddNumberToObject(x, "count", m->count);
		cJSON_AddNumberToObject(x, "successful", m->successful);
		cJSON_AddNumberToObject(x, "failed", m->failed);
		cJSON_AddNumberToObject(x, "inconclusive", m->inconclusive);
		cJSON *mm = cJSON_AddArrayToObject(x, "measurements");
		for (int j = 0; j < m->nm; j++) {
			cJSON *y = cJSON_CreateObject();
			cJSON_AddStringToObject(y, "value", m->m[j].value);
			cJSON_AddStringToObject(y, "phase", m->m[j].phase);
			cJSON_AddNumberToObject(y, "started_ms", (double)m->m[j].started_wall_ms);
			cJSON_AddItemToArray(mm, y);
		}
		cJSON_AddItemToArray(ms, x);
	}
	return o;
}

cJSON *rollout_to_cjson(const struct rollout_state *ro, int64_t now_ms)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", ro->name);
	cJSON_AddBoolToObject(o, "found", ro->found);
	cJSON_AddStringToObject(o, "strategy", ro->canary ? "canary" : "blueGreen");
	cJSON_AddStringToObject(o, "phase", ro->phase);
	cJSON_AddStringToObject(o, "message", ro->message);
	cJSON_AddBoolToObject(o, "abort", ro->abort);
	cJSON_AddBoolToObject(o, "paused", ro->paused || ro->pause_reason[0]);
	cJSON_AddStringToObject(o, "pause_reason", ro->pause_reason);
	int left = rollout_pause_left_s(ro, now_ms);
	if (left > 0)
		cJSON_AddNumberToObject(o, "pause_left_s", left);
	cJSON_AddBoolToObject(o, "progress_deadline_exceeded", ro->progress_deadline_exceeded);
	cJSON_AddNumberToObject(o, "revision", (double)ro->revision);
	cJSON_AddStringToObject(o, "stable_hash", ro->stable_hash);
	cJSON_AddStringToObject(o, "current_hash", ro->current_hash);
	cJSON_AddBoolToObject(o, "promoted", rollout_promoted(ro));
	if (ro->canary) {
		cJSON_AddNumberToObject(o, "step", ro->current_step);
		cJSON_AddNumberToObject(o, "steps", ro->nsteps);
		cJSON *steps = cJSON_AddArrayToObject(o, "step_list");
		for (int i = 0; i < ro->nsteps; i++) {
			char w[48];
			rollout_step_words(ro, i, w, sizeof w);
			cJSON_AddItemToArray(steps, cJSON_CreateString(w));
		}
		cJSON_AddNumberToObject(o, "weight", ro->weight);
		cJSON_AddStringToObject(o, "weight_from", ro->weight_reported ? "traffic routing" : "replicas");
		if (ro->other_endpoints >= 0)
			cJSON_AddNumberToObject(o, "canary_service_endpoints", ro->other_endpoints);
	} else {
		cJSON_AddStringToObject(o, "active_service", ro->active_service);
		cJSON_AddStringToObject(o, "preview_service", ro->preview_service);
		cJSON_AddStringToObject(o, "active_hash", ro->active_hash);
		cJSON_AddStringToObject(o, "preview_hash", ro->preview_hash);
		cJSON_AddBoolToObject(o, "auto_promotion", ro->auto_promotion);
		if (ro->other_endpoints >= 0)
			cJSON_AddNumberToObject(o, "preview_endpoints", ro->other_endpoints);
		cJSON_AddNumberToObject(o, "scale_down_delay_s", ro->scale_down_delay_s);
	}
	cJSON *runs = cJSON_AddArrayToObject(o, "analysis");
	for (int i = 0; i < ro->nruns; i++)
		cJSON_AddItemToArray(runs, run_json(&ro->runs[i]));
	char why[200];
	rollout_failure_words(ro, why, sizeof why);
	if (why[0])
		cJSON_AddStringToObject(o, "analysis_failure", why);
	return o;
}
