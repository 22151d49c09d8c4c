/* The deployment model in words and as JSON: what every front-end says of
 * it (the views, `status`, `watch`) comes from here, so they cannot differ. */
#include "warroom/deploy.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "warroom/config.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

#include "deploy_priv.h"

static const char *const stage_names[DEPLOY_STAGE_COUNT][2] = {
	[DEPLOY_UNKNOWN] = {"unknown", "No slot data yet"},
	[DEPLOY_STEADY] = {"steady", "Steady: standby slot at 0"},
	[DEPLOY_DEPLOYING] = {"deploying", "Deploying: the idle slot scales up"},
	[DEPLOY_READY] = {"ready", "New version ready: smoke test"},
	[DEPLOY_SWITCHED] = {"switched", "Traffic switched: endpoints settling"},
	[DEPLOY_MONITORING] = {"monitoring", "Monitoring window"},
	[DEPLOY_PASSED] = {"passed", "Window passed: scale the old slot to 0"},
	[DEPLOY_FINALIZED] = {"finalized", "Finalized: old slot at 0"},
	[DEPLOY_ROLLED_BACK] = {"rolled-back", "Rolled back"},
};

static const char *const source_names[DSRC_COUNT][2] = {
	[DSRC_NONE] = {"none", "time unknown"},
	[DSRC_ARGOCD] = {"argocd", "from Argo CD history"},
	[DSRC_MANAGED_FIELDS] = {"managed-fields", "from the Service's managedFields"},
	[DSRC_PROM_TRAFFIC] = {"prometheus-traffic", "from Prometheus traffic by slot"},
	[DSRC_SEEN] = {"seen", "seen as it happened"},
	[DSRC_REPLICASET] = {"replicaset", "after its ReplicaSet was made"},
};

static const char *const rule_names[DRULE_COUNT] = {
	[DRULE_ERRORS_BASELINE] = "errors-over-baseline",
	[DRULE_P95_SLO] = "p95-over-slo",
	[DRULE_QUEUE_GROWING] = "queue-growing",
	[DRULE_FAST_ERRORS] = "errors-sev2",
	[DRULE_FAST_P99] = "p99-twice-slo",
	[DRULE_NO_READY] = "no-ready-pod",
	[DRULE_ANALYSIS] = "analysis",
};

const char *deploy_stage_name(enum deploy_stage s)
{
	return s < DEPLOY_STAGE_COUNT ? stage_names[s][0] : "unknown";
}

const char *deploy_stage_title(enum deploy_stage s)
{
	return s < DEPLOY_STAGE_COUNT ? stage_names[s][1] : "unknown";
}

const char *deploy_source_name(enum deploy_source s)
{
	return s < DSRC_COUNT ? source_names[s][0] : "none";
}

const char *deploy_source_words(enum deploy_source s)
{
	return s < DSRC_COUNT ? source_names[s][1] : "time unknown";
}

const char *deploy_rule_name(enum deploy_rule r)
{
	return r < DRULE_COUNT ? rule_names[r] : "unknown";
}

static int sustain_s(const struct deploy *d, enum deploy_rule r)
{
	return r >= DRULE_FAST_ERRORS ? d->cfg->deploy.fast_sustain_s : d->cfg->deploy.sustain_s;
}

void deploy_rule_text(const struct deploy *d, enum deploy_rule r, char *buf, size_t len)
{
	const struct config *c = d->cfg;
	int s = sustain_s(d, r);

	switch (r) {
	case DRULE_ERRORS_BASELINE:
		snprintf(buf, len, "errors over baseline +%g %% for %d s", c->deploy.error_over_baseline * 100, s);
		break;
	case DRULE_P95_SLO:
		snprintf(buf, len, "P95 over %d ms SLO +%d %% for %d s", c->policy.p95_ms, c->deploy.p95_over_slo_pct, s);
		break;
	case DRULE_QUEUE_GROWING:
		snprintf(buf, len, "offline queue growing for %d s", s);
		break;
	case DRULE_FAST_ERRORS:
		snprintf(buf, len, "errors over %g %% (SEV-2) for %d s", c->deploy.fast_error_ratio * 100, s);
		break;
	case DRULE_FAST_P99:
		snprintf(buf, len, "P99 over %dx %d ms SLO for %d s", c->deploy.fast_p99_factor, c->policy.p99_ms, s);
		break;
	case DRULE_NO_READY:
		snprintf(buf, len, "no ready pod behind service for %d s", s);
		break;
	case DRULE_ANALYSIS:
		snprintf(buf, len, "the Rollout's analysis failed or inconclusive for %d s", s);
		break;
	default:
		snprintf(buf, len, "?");
	}
}

static void span_words(int64_t ms, char *buf, size_t len)
{
	long s = (long)((ms > 0 ? ms : 0) + 500) / 1000;

	if (s < 120)
		snprintf(buf, len, "%ld s", s);
	else if (s < 7200)
		snprintf(buf, len, "%ld min", s / 60);
	else
		snprintf(buf, len, "%ld h", s / 3600);
}

void deploy_reason_words(const struct deploy *d, enum deploy_rule r, int64_t now_ms, char *buf, size_t len)
{
	const struct deploy_rule_state *s = &d->rule[r];
	const struct config *c = d->cfg;
	char dur[24];

	span_words(s->since_wall_ms ? now_ms - s->since_wall_ms : 0, dur, sizeof dur);
	switch (r) {
	case DRULE_FAST_ERRORS:
		snprintf(buf, len, "errors %.1f %% > %g %% for %s", s->value * 100, s->limit * 100, dur);
		break;
	case DRULE_ERRORS_BASELINE:
		snprintf(buf, len, "errors %.1f %% > %.2f %% (baseline %.2f %% +%g %%) for %s", s->value * 100,
		         s->limit * 100, (isnan(d->baseline[MET_ERRORS]) ? 0 : d->baseline[MET_ERRORS]) * 100,
		         c->deploy.error_over_baseline * 100, dur);
		break;
	case DRULE_P95_SLO:
		snprintf(buf, len, "P95 %.0f ms > %.0f ms (SLO %d ms +%d %%) for %s", s->value * 1000, s->limit * 1000,
		         c->policy.p95_ms, c->deploy.p95_over_slo_pct, dur);
		break;
	case DRULE_FAST_P99:
		snprintf(buf, len, "P99 %.0f ms > %.0f ms (%dx its %d ms SLO) for %s", s->value * 1000, s->limit * 1000,
		         c->deploy.fast_p99_factor, c->policy.p99_ms, dur);
		break;
	case DRULE_QUEUE_GROWING:
		snprintf(buf, len, "offline queue %.0f items and growing (baseline %.0f) for %s", s->value, s->limit, dur);
		break;
	case DRULE_NO_READY:
		snprintf(buf, len, "no ready pod behind the service for %s", dur);
		break;
	case DRULE_ANALYSIS:
		snprintf(buf, len, "%s", d->analysis[0] ? d->analysis : "the Rollout's analysis failed");
		break;
	default:
		snprintf(buf, len, "?");
	}
}

static void clock_words(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

static void mmss(int64_t ms, char *buf, size_t len)
{
	long s = (long)((ms + 999) / 1000);

	snprintf(buf, len, "%ld:%02ld", s / 60, s % 60);
}

void deploy_stage_line(const struct deploy *d, int64_t now_ms, char *buf, size_t len)
{
	char at[16], left[16], total[16], ago[24];

	clock_words(d->switch_ms, at, sizeof at);
	mmss(d->window_left_ms, left, sizeof left);
	mmss(d->window_ms, total, sizeof total);
	span_words(now_ms - d->switch_ms - d->window_ms, ago, sizeof ago);
	switch (d->stage) {
	case DEPLOY_SWITCHED:
	case DEPLOY_MONITORING:
		if (d->switch_bound)
			snprintf(buf, len, "%s %s %s: at most %s left of %s; switched after %s, %s", d->stage ==
			         DEPLOY_MONITORING ? "MONITORING" : "SWITCHED", d->to_slot, d->to_version, left, total, at,
			         deploy_source_words(d->switch_source));
		else
			snprintf(buf, len, "%s %s %s: %s left of %s; switched %s %s", d->stage == DEPLOY_MONITORING ?
			         "MONITORING" : "SWITCHED", d->to_slot, d->to_version, left, total, at,
			         deploy_source_words(d->switch_source));
		break;
	case DEPLOY_PASSED:
		if (d->switch_ms)
			snprintf(buf, len, "PASSED %s %s: window ended %s ago; scale %s to 0", d->to_slot, d->to_version,
			         ago, d->from_slot);
		else
			snprintf(buf, len, "PASSED %s %s: %s still up; scale it to 0", d->to_slot, d->to_version, d->from_slot);
		break;
	case DEPLOY_FINALIZED:
		snprintf(buf, len, "FINALIZED %s %s, %s at 0", d->to_slot, d->to_version, d->from_slot);
		break;
	case DEPLOY_ROLLED_BACK:
		clock_words(d->rb.wall_ms, at, sizeof at);
		snprintf(buf, len, "ROLLED BACK to %s %s at %s%s%s%s", d->rb.to_slot, d->rb.to_version, at,
		         d->rb.by[0] ? " by " : "", d->rb.by, d->recovered ? "; recovered" : "; watching recovery");
		break;
	case DEPLOY_READY:
		snprintf(buf, len, "READY %s %s without traffic: smoke test", d->from_slot, d->from_version);
		break;
	case DEPLOY_DEPLOYING:
		if (d->blue_green)
			snprintf(buf, len, "DEPLOYING %s %s: scaling up", d->from_slot, d->from_version);
		else
			snprintf(buf, len, "DEPLOYING %s: rolling out", d->to_version);
		break;
	case DEPLOY_STEADY:
		if (d->blue_green && d->from_slot[0])
			snprintf(buf, len, "STEADY %s %s serves, %s at 0", d->to_slot, d->to_version, d->from_slot);
		else if (d->blue_green)
			snprintf(buf, len, "STEADY %s %s serves", d->to_slot, d->to_version);
		else
			snprintf(buf, len, "STEADY %s", d->to_version);
		break;
	default:
		snprintf(buf, len, "no slot data yet");
	}
}

const char *deploy_target_action(const struct deploy *d)
{
	return d && d->target.action[0] ? d->target.action : "rollback";
}

void deploy_banner(const struct deploy *d, const char *key, const char *dash, char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	if (!d)
		return;
	if (d->recommend && strcmp(d->target.action, "abort") == 0)
		snprintf(buf, len, "Abort recommended: %s %s %s aborts, traffic back to stable %s %s", d->reason, dash, key,
		         d->target.slot, d->target.version);
	else if (d->recommend && strcmp(d->target.action, "undo") == 0)
		snprintf(buf, len, "Undo recommended: %s %s %s undoes to %s %s", d->reason, dash, key, d->target.slot,
		         d->target.version);
	else if (d->recommend)
		snprintf(buf, len, "Rollback recommended: %s %s %s rolls back to %s %s%s", d->reason, dash, key,
		         d->target.slot, d->target.version, d->target.scale_up ? " (scaled up first)" : "");
	else if (d->breach)
		snprintf(buf, len, "Breach: %s %s %s", d->reason, dash, d->target.none);
}

void deploy_banner_short(const struct deploy *d, const char *key, char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	if (d && d->recommend && d->target.action[0])
		snprintf(buf, len, "%s: %s to %s", strcmp(d->target.action, "abort") == 0 ? "ABORT" : "UNDO", key,
		         d->target.slot);
	else if (d && d->recommend)
		snprintf(buf, len, "ROLLBACK: %s to %s", key, d->target.slot);
	else if (d && d->breach)
		snprintf(buf, len, "BREACH: no rollback target");
}

static void add_time(cJSON *o, const char *name, int64_t ms)
{
	char buf[32];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!ms) {
		cJSON_AddNullToObject(o, name);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(o, name, buf);
}

static void add_num(cJSON *o, const char *name, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, name, v);
	else
		cJSON_AddNullToObject(o, name);
}

char *deploy_to_json(const struct deploy *d, int64_t now_ms)
{
	static const char *const met[MET_COUNT] = {
		[MET_RPS] = "rps", [MET_ERRORS] = "errors", [MET_P95] = "p95", [MET_P99] = "p99", [MET_QUEUE] = "queue",
	};
	cJSON *root = cJSON_CreateObject(), *o, *a;
	char line[400];
	char *out;

	cJSON_AddStringToObject(root, "stage", deploy_stage_name(d->stage));
	cJSON_AddStringToObject(root, "title", deploy_stage_title(d->stage));
	deploy_stage_line(d, now_ms, line, sizeof line);
	cJSON_AddStringToObject(root, "line", line);
	cJSON_AddBoolToObject(root, "rebuilt", d->rebuilt);
	if (d->switch_ms) {
		o = cJSON_AddObjectToObject(root, "switch");
		add_time(o, "at", d->switch_ms);
		cJSON_AddNumberToObject(o, "at_ms", (double)d->switch_ms);
		cJSON_AddStringToObject(o, "source", deploy_source_name(d->switch_source));
		cJSON_AddStringToObject(o, "source_words", deploy_source_words(d->switch_source));
		cJSON_AddBoolToObject(o, "lower_bound", d->switch_bound);
		cJSON_AddStringToObject(o, "by", d->switch_by);
		cJSON_AddStringToObject(o, "from_slot", d->from_slot);
		cJSON_AddStringToObject(o, "from_version", d->from_version);
		cJSON_AddStringToObject(o, "to_slot", d->to_slot);
		cJSON_AddStringToObject(o, "to_version", d->to_version);
		cJSON_AddBoolToObject(o, "rollback", d->rollback_switch);
	} else {
		cJSON_AddNullToObject(root, "switch");
	}
	o = cJSON_AddObjectToObject(root, "window");
	cJSON_AddNumberToObject(o, "length_s", (double)(d->window_ms / 1000));
	cJSON_AddNumberToObject(o, "left_s", (double)((d->window_left_ms + 999) / 1000));
	o = cJSON_AddObjectToObject(root, "baseline");
	for (int i = 0; i < MET_COUNT; i++)
		add_num(o, met[i], d->baseline[i]);
	add_time(o, "from", d->baseline_from_ms);
	add_time(o, "to", d->baseline_to_ms);
	cJSON_AddStringToObject(o, "note", d->baseline_note);
	a = cJSON_AddArrayToObject(root, "rules");
	for (int r = 0; r < DRULE_COUNT; r++) {
		const struct deploy_rule_state *s = &d->rule[r];
		cJSON *x = cJSON_CreateObject();

		cJSON_AddStringToObject(x, "name", deploy_rule_name((enum deploy_rule)r));
		cJSON_AddBoolToObject(x, "holds", s->holds);
		cJSON_AddBoolToObject(x, "fired", s->fired);
		add_time(x, "since", s->since_wall_ms);
		add_num(x, "value", s->value);
		add_num(x, "limit", s->limit);
		cJSON_AddItemToArray(a, x);
	}
	if (d->recommend) {
		o = cJSON_AddObjectToObject(root, "recommendation");
		cJSON_AddStringToObject(o, "rule", deploy_rule_name(d->reason_rule));
		cJSON_AddStringToObject(o, "reason", d->reason);
		add_time(o, "since", d->recommend_ms);
		cJSON_AddStringToObject(o, "target_action", deploy_target_action(d));
		cJSON_AddStringToObject(o, "target_slot", d->target.slot);
		cJSON_AddStringToObject(o, "target_version", d->target.version);
		cJSON_AddBoolToObject(o, "scale_up", d->target.scale_up);
	} else {
		cJSON_AddNullToObject(root, "recommendation");
	}
	if (d->breach) {
		o = cJSON_AddObjectToObject(root, "breach");
		cJSON_AddStringToObject(o, "rule", deploy_rule_name(d->reason_rule));
		cJSON_AddStringToObject(o, "reason", d->reason);
		cJSON_AddStringToObject(o, "no_target", d->target.none);
	} else {
		cJSON_AddNullToObject(root, "breach");
	}
	if (d->ended[0]) {
		o = cJSON_AddObjectToObject(root, "ended");
		cJSON_AddStringToObject(o, "how", d->ended);
		add_time(o, "at", d->ended_ms);
	} else {
		cJSON_AddNullToObject(root, "ended");
	}
	if (d->rb.known) {
		o = cJSON_AddObjectToObject(root, "rolled_back");
		cJSON_AddStringToObject(o, "from_slot", d->rb.from_slot);
		cJSON_AddStringToObject(o, "from_version", d->rb.from_version);
		cJSON_AddStringToObject(o, "to_slot", d->rb.to_slot);
		cJSON_AddStringToObject(o, "to_version", d->rb.to_version);
		add_time(o, "at", d->rb.wall_ms);
		cJSON_AddStringToObject(o, "by", d->rb.by);
		cJSON_AddStringToObject(o, "reason", d->rb.reason);
		cJSON_AddBoolToObject(o, "current", d->stage == DEPLOY_ROLLED_BACK);
		cJSON_AddBoolToObject(o, "recovered", d->recovered);
	} else {
		cJSON_AddNullToObject(root, "rolled_back");
	}
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

/* ---- the seeds' pre-deployment checklist ---- */

static const char *const checklist[] = {
	"All unit tests passing (CI gate)",
	"All integration tests passing (CI gate)",
	"Trivy scan: no CRITICAL vulnerabilities",
	"Image signed with Cosign",
	"Image tag matches Git SHA",
	"ConfigMap changes reviewed (if any)",
	"Secret changes sealed and committed (if any)",
	"Monitoring dashboard accessible",
	"On-call engineer identified and notified",
};

const char *const *deploy_checklist(size_t *n)
{
	*n = sizeof checklist / sizeof checklist[0];
	return checklist;
}

size_t deploy_checklist_ticked(const struct timeline_event *ev, size_t n, bool *ticked, size_t nitems)
{
	size_t count = 0;

	memset(ticked, 0, nitems * sizeof *ticked);
	for (size_t i = 0; i < n; i++) {
		int item;

		/* a finished deployment starts the next list empty */
		if (strcmp(ev[i].kind, "deploy") == 0 && (strncmp(ev[i].summary, "Deployment finalized", 20) == 0 ||
		                                          strncmp(ev[i].summary, "Deployment rolled back", 22) == 0))
			break;
		if (strcmp(ev[i].kind, "checklist") != 0 || sscanf(ev[i].summary, "checklist %d/", &item) != 1)
			continue;
		if (item >= 1 && (size_t)item <= nitems && !ticked[item - 1]) {
			ticked[item - 1] = true;
			count++;
		}
	}
	return count;
}
