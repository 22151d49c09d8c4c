/* rollout — an Argo Rollout object read into struct rollout_state: the
 * strategy with its steps, where the rollout stands (step, weight, pause,
 * phase, abort) and the hashes that name its ReplicaSets. No I/O here. */
#include "warroom/rollout.h"
#include "warroom/json.h"
#include "warroom/text.h"

#include <cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A pause's duration as the Rollout writes it ("30s", "5m", 90 as seconds),
 * in seconds; -1 when unreadable. */
static int duration_s(const cJSON *v)
{
	if (cJSON_IsNumber(v))
		return v->valuedouble < 0 || v->valuedouble > 1e7 ? -1 : (int)v->valuedouble;
	if (!cJSON_IsString(v))
		return -1;
	int64_t ms = text_duration_ms(v->valuestring, true);
	return ms < 0 || ms > (int64_t)1e10 ? -1 : (int)(ms / 1000);
}

/* An int that old controllers write as a string ("410"). */
static long long num_or_str(const cJSON *obj, const char *key)
{
	const cJSON *v = json_get(obj, key);
	if (cJSON_IsString(v))
		return strtoll(v->valuestring, NULL, 10);
	return json_ll(obj, key, 0);
}

static void parse_steps(struct rollout_state *ro, const cJSON *steps)
{
	const cJSON *s;
	cJSON_ArrayForEach(s, steps) {
		if (ro->nsteps >= ROLLOUT_MAX_STEPS)
			break;
		struct rollout_step *st = &ro->steps[ro->nsteps++];
		memset(st, 0, sizeof *st);
		const cJSON *pause = json_get(s, "pause");
		if (json_get(s, "setWeight")) {
			st->kind = RSTEP_WEIGHT;
			st->weight = json_int(s, "setWeight", 0);
		} else if (pause) {
			st->kind = RSTEP_PAUSE;
			st->pause_s = json_get(pause, "duration") ? duration_s(json_get(pause, "duration")) : -1;
		} else if (json_get(s, "analysis")) {
			st->kind = RSTEP_ANALYSIS;
		} else {
			st->kind = RSTEP_OTHER;
		}
	}
}

static void copy_labels(char *out, size_t len, const cJSON *labels)
{
	size_t n = 0;
	const cJSON *kv;
	out[0] = '\0';
	cJSON_ArrayForEach(kv, labels)
		if (cJSON_IsString(kv) && n < len)
			n += (size_t)snprintf(out + n, len - n, "%s%s=%s", n ? "," : "", kv->string, kv->valuestring);
	if (n >= len)
		out[0] = '\0';
}

/* The canary's share: the weights traffic routing reports, else the share
 * of the replicas it runs (what a Service without routing spreads). */
static void canary_weight(struct rollout_state *ro, const cJSON *status)
{
	const cJSON *w = json_get(json_get(json_get(status, "canary"), "weights"), "canary");
	if (w && json_get(w, "weight")) {
		ro->weight = json_int(w, "weight", 0);
		ro->weight_reported = true;
		return;
	}
	ro->weight = 0;
	if (ro->stable_hash[0] && ro->current_hash[0] && strcmp(ro->stable_hash, ro->current_hash) == 0)
		return;
	int total = num_or_str(status, "replicas") > 0 ? (int)num_or_str(status, "replicas") : 0;
	int canary = (int)num_or_str(status, "updatedReplicas");
	if (total > 0 && canary > 0)
		ro->weight = canary * 100 / total;
}

int rollout_parse(struct rollout_state *ro, const char *json, size_t len, char *err, size_t errlen)
{
	cJSON *root = json_parse_wire(json, len);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		text_errf(err, errlen, "expected a Rollout, got something that is not a JSON object");
		return -1;
	}
	const char *kind = json_str(root, "kind");
	if (kind && strcmp(kind, "Rollout") != 0) {
		text_errf(err, errlen, "expected a Rollout, got a %s", kind);
		cJSON_Delete(root);
		return -1;
	}
	char name[128];
	text_copy(name, sizeof name, ro->name);
	struct rollout_analysis runs[ROLLOUT_MAX_RUNS];
	int nruns = ro->nruns;
	memcpy(runs, ro->runs, sizeof runs);
	memset(ro, 0, sizeof *ro);
	memcpy(ro->runs, runs, sizeof runs);
	ro->nruns = nruns;
	const cJSON *meta = json_get(root, "metadata"), *spec = json_get(root, "spec");
	const cJSON *status = json_get(root, "status");
	text_copy(ro->name, sizeof ro->name, json_str(meta, "name") ? json_str(meta, "name") : name);
	ro->found = true;
	text_copy(ro->resource_version, sizeof ro->resource_version, json_str(meta, "resourceVersion"));
	ro->generation = (long)num_or_str(meta, "generation");
	ro->observed_generation = (long)num_or_str(status, "observedGeneration");
	const char *rev = json_str(json_get(meta, "annotations"), "rollout.argoproj.io/revision");
	ro->revision = rev ? strtol(rev, NULL, 10) : 0;
	ro->replicas = json_get(spec, "replicas") ? json_int(spec, "replicas", 1) : 1;
	ro->ready_replicas = (int)num_or_str(status, "readyReplicas");
	ro->updated_replicas = (int)num_or_str(status, "updatedReplicas");
	copy_labels(ro->match_labels, sizeof ro->match_labels, json_get(json_get(spec, "selector"), "matchLabels"));
	ro->paused = cJSON_IsTrue(json_get(spec, "paused"));

	const cJSON *strategy = json_get(spec, "strategy");
	const cJSON *bg = json_get(strategy, "blueGreen"), *can = json_get(strategy, "canary");
	ro->canary = can != NULL && bg == NULL;
	ro->current_step = -1;
	ro->other_endpoints = -1;
	if (ro->canary) {
		text_copy(ro->stable_service, sizeof ro->stable_service, json_str(can, "stableService"));
		text_copy(ro->canary_service, sizeof ro->canary_service, json_str(can, "canaryService"));
		parse_steps(ro, json_get(can, "steps"));
		if (json_get(status, "currentStepIndex"))
			ro->current_step = (int)num_or_str(status, "currentStepIndex");
		if (ro->current_step < -1 || ro->current_step > ro->nsteps)
			ro->current_step = -1;
	} else {
		text_copy(ro->active_service, sizeof ro->active_service, json_str(bg, "activeService"));
		text_copy(ro->preview_service, sizeof ro->preview_service, json_str(bg, "previewService"));
		const cJSON *ap = json_get(bg, "autoPromotionEnabled");
		ro->auto_promotion = !cJSON_IsFalse(ap);
		ro->scale_down_delay_s = json_get(bg, "scaleDownDelaySeconds") ? json_int(bg, "scaleDownDelaySeconds", 30)
		                                                                : 30;
		const cJSON *bgs = json_get(status, "blueGreen");
		text_copy(ro->active_hash, sizeof ro->active_hash, json_str(bgs, "activeSelector"));
		text_copy(ro->preview_hash, sizeof ro->preview_hash, json_str(bgs, "previewSelector"));
	}

	text_copy(ro->phase, sizeof ro->phase, json_str(status, "phase"));
	text_copy(ro->message, sizeof ro->message, json_str(status, "message"));
	ro->abort = cJSON_IsTrue(json_get(status, "abort"));
	ro->aborted_wall_ms = text_parse_time(json_str(status, "abortedAt"));
	ro->controller_pause = cJSON_IsTrue(json_get(status, "controllerPause"));
	const cJSON *pc = cJSON_GetArrayItem(json_get(status, "pauseConditions"), 0);
	if (pc) {
		text_copy(ro->pause_reason, sizeof ro->pause_reason, json_str(pc, "reason"));
		ro->pause_start_wall_ms = text_parse_time(json_str(pc, "startTime"));
	}
	text_copy(ro->stable_hash, sizeof ro->stable_hash, json_str(status, "stableRS"));
	text_copy(ro->current_hash, sizeof ro->current_hash, json_str(status, "currentPodHash"));
	if (!ro->canary && !ro->stable_hash[0])
		text_copy(ro->stable_hash, sizeof ro->stable_hash, ro->active_hash);
	if (ro->canary)
		canary_weight(ro, status);

	const cJSON *cond;
	cJSON_ArrayForEach(cond, json_get(status, "conditions")) {
		const char *type = json_str(cond, "type"), *cs = json_str(cond, "status");
		const char *reason = json_str(cond, "reason");
		if (!type || !cs)
			continue;
		if (strcmp(type, "Progressing") == 0) {
			ro->progressing = strcmp(cs, "True") == 0;
			text_copy(ro->progress_reason, sizeof ro->progress_reason, reason);
			ro->progress_deadline_exceeded = reason && strcmp(reason, "ProgressDeadlineExceeded") == 0;
			if (!ro->message[0] && json_str(cond, "message") && !ro->progressing)
				text_copy(ro->message, sizeof ro->message, json_str(cond, "message"));
		} else if (strcmp(type, "Available") == 0) {
			ro->available = strcmp(cs, "True") == 0;
		}
	}
	/* Controllers before status.phase: the phase from the conditions. */
	if (!ro->phase[0]) {
		if (ro->abort || ro->progress_deadline_exceeded)
			text_copy(ro->phase, sizeof ro->phase, "Degraded");
		else if (ro->pause_reason[0] || ro->paused)
			text_copy(ro->phase, sizeof ro->phase, "Paused");
		else if (ro->progressing && ro->progress_reason[0] &&
		         strcmp(ro->progress_reason, "NewReplicaSetAvailable") != 0)
			text_copy(ro->phase, sizeof ro->phase, "Progressing");
		else
			text_copy(ro->phase, sizeof ro->phase, "Healthy");
	}
	cJSON_Delete(root);
	return 0;
}

int rollout_count_endpoints(const char *json, size_t len)
{
	cJSON *root = json_parse_wire(json, len);
	const char *kind = json_str(root, "kind");
	int n = 0;
	if (!cJSON_IsObject(root) || (kind && strcmp(kind, "EndpointSliceList") != 0)) {
		cJSON_Delete(root);
		return -1;
	}
	const cJSON *slice, *ep;
	cJSON_ArrayForEach(slice, json_get(root, "items"))
		cJSON_ArrayForEach(ep, json_get(slice, "endpoints")) {
			const cJSON *ready = json_get(json_get(ep, "conditions"), "ready");
			n += !cJSON_IsFalse(ready);   /* null means ready */
		}
	cJSON_Delete(root);
	return n;
}

int rollout_pause_left_s(const struct rollout_state *ro, int64_t now_ms)
{
	if (!ro->pause_reason[0] && !ro->paused)
		return 0;
	if (ro->paused || !ro->canary || ro->current_step < 0 || ro->current_step >= ro->nsteps ||
	    strcmp(ro->pause_reason, "CanaryPauseStep") != 0)
		return -1;
	const struct rollout_step *s = &ro->steps[ro->current_step];
	if (s->kind != RSTEP_PAUSE || s->pause_s < 0)
		return -1;
	if (!ro->pause_start_wall_ms)
		return s->pause_s;
	int64_t left = (ro->pause_start_wall_ms + (int64_t)s->pause_s * 1000 - now_ms + 999) / 1000;
	return left < 0 ? 0 : (int)left;
}

static void dur_words(int s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "until promoted");
	else if (s >= 3600 && s % 3600 == 0)
		snprintf(buf, len, "%dh", s / 3600);
	else if (s >= 60 && s % 60 == 0)
		snprintf(buf, len, "%dm", s / 60);
	else
		snprintf(buf, len, "%ds", s);
}

void rollout_step_words(const struct rollout_state *ro, int step, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!ro->canary || step < 0 || step >= ro->nsteps)
		return;
	const struct rollout_step *s = &ro->steps[step];
	char d[24];
	switch (s->kind) {
	case RSTEP_WEIGHT: snprintf(buf, len, "setWeight %d", s->weight); break;
	case RSTEP_PAUSE: dur_words(s->pause_s, d, sizeof d); snprintf(buf, len, "pause %s", d); break;
	case RSTEP_ANALYSIS: snprintf(buf, len, "analysis"); break;
	default: snprintf(buf, len, "step"); break;
	}
}

bool rollout_promoted(const struct rollout_state *ro)
{
	if (!ro->found)
		return false;
	if (!ro->canary)
		return ro->active_hash[0] && ro->current_hash[0] && strcmp(ro->active_hash, ro->current_hash) == 0;
	return ro->current_hash[0] && strcmp(ro->stable_hash, ro->current_hash) == 0;
}
