/* The deployment model from history: which switch the sources agree on, what
 * Argo CD's history, Prometheus' traffic by slot and the ReplicaSets say of
 * it, the baseline's range before it, a rule's past from its signal's
 * range, and the newest rollback from the timeline. Pure: the answers come
 * from core/deploy/deploy_rebuild.c and deploy_core.c. */
#include "warroom/deploy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "warroom/argocd.h"
#include "warroom/config.h"
#include "warroom/json.h"
#include "warroom/rollback.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

#include "deploy_priv.h"

#define AGREE_MS 5000

static bool answers(const struct deploy_evidence *ev, enum deploy_source s, const char *active)
{
	return ev->at[s] && (!ev->active[s][0] || strcmp(ev->active[s], active) == 0);
}

int64_t deploy_pick_switch(const struct deploy_evidence *ev, const char *active, enum deploy_source *src,
                           bool *bound)
{
	/* most trusted first */
	static const enum deploy_source exact[] = { DSRC_ARGOCD, DSRC_MANAGED_FIELDS, DSRC_PROM_TRAFFIC, DSRC_SEEN };
	int64_t when = 0;

	*src = DSRC_NONE;
	*bound = false;
	if (answers(ev, DSRC_MANAGED_FIELDS, active)) {
		/* the API server's own record of the selector's last write */
		when = ev->at[DSRC_MANAGED_FIELDS];
	} else {
		/* an older answer is an earlier switch to the same slot */
		for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
			if (answers(ev, exact[i], active) && ev->at[exact[i]] > when)
				when = ev->at[exact[i]];
	}
	for (size_t i = 0; when && i < sizeof exact / sizeof exact[0]; i++) {
		enum deploy_source s = exact[i];

		if (answers(ev, s, active) && llabs(ev->at[s] - when) <= AGREE_MS) {
			*src = s;
			return ev->at[s];
		}
	}
	if (answers(ev, DSRC_REPLICASET, active)) {
		*src = DSRC_REPLICASET;
		*bound = true;
		return ev->at[DSRC_REPLICASET];
	}
	return 0;
}

int64_t deploy_switch_before(const struct deploy_evidence *ev, const char *active, int64_t when)
{
	int64_t before = 0;

	/* what each source that agrees on this switch says came before it: a
	 * move the other way, however soon before */
	for (int s = DSRC_ARGOCD; s < DSRC_COUNT; s++)
		if (answers(ev, (enum deploy_source)s, active) && llabs(ev->at[s] - when) <= AGREE_MS &&
		    ev->before[s] > before && ev->before[s] <= when)
			before = ev->before[s];
	return before;
}

bool deploy_argocd_switch(const struct argocd_app *app, const char *param, const char *active, int64_t *at,
                          char *by, size_t bylen, int64_t *before)
{
	char slot[64], prev[64];
	size_t i;

	*at = *before = 0;
	if (bylen)
		by[0] = '\0';
	if (!app || !app->nhistory || !param || !*param)
		return false;
	argocd_history_param(&app->history[app->nhistory - 1], param, slot, sizeof slot);
	if (!slot[0] || strcmp(slot, active) != 0)
		return false;
	/* back to the entry that changed the slot to this one */
	for (i = app->nhistory - 1; i > 0; i--) {
		argocd_history_param(&app->history[i - 1], param, prev, sizeof prev);
		if (prev[0] && strcmp(prev, active) != 0)
			break;
	}
	if (i == 0)
		return false;   /* no earlier entry names another slot: the switch is older than the history */
	*at = app->history[i].deployed_ms;
	snprintf(by, bylen, "%s", app->history[i].initiated_by);
	/* the switch before: the entry that moved traffic to the slot it left */
	for (size_t j = i - 1; j > 0; j--) {
		char p[64];

		argocd_history_param(&app->history[j - 1], param, p, sizeof p);
		if (p[0] && strcmp(p, prev) != 0) {
			*before = app->history[j].deployed_ms;
			break;
		}
	}
	return *at != 0;
}

bool deploy_traffic_switch(const int64_t *t_ms, const double *active_rps, const double *other_rps, size_t n,
                           int64_t *at, int64_t *before, bool *always)
{
	int state = -1;              /* the last defined sample: 1 the active slot had the larger share */
	int64_t up = 0, prev = 0, last_move = 0;
	bool moved = false;

	*at = *before = 0;
	*always = false;
	for (size_t i = 0; i < n; i++) {
		double a = active_rps[i], o = isnan(other_rps[i]) ? 0 : other_rps[i];
		int now;

		if (isnan(a))
			a = 0;
		if (!(a + o > 0) || !isfinite(a + o))
			continue;
		now = a > o ? 1 : 0;
		if (state >= 0 && now != state) {
			moved = true;
			if (now) {
				prev = last_move;
				up = t_ms[i];
			}
			last_move = t_ms[i];
		}
		state = now;
	}
	if (state != 1)
		return false;
	if (!moved) {
		*always = true;
		return false;
	}
	*at = up;
	*before = prev;
	return true;
}

int deploy_parse_builds(struct deploy_evidence *ev, const struct slots_state *st, const char *json,
                        size_t len, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	const cJSON *it;

	if (!cJSON_IsObject(root) || !cJSON_IsArray(json_get(root, "items"))) {
		snprintf(err, errlen, "the ReplicaSet list is not a list");
		cJSON_Delete(root);
		return -1;
	}
	for (int i = 0; i < SLOTS_MAX; i++) {
		ev->build_slot[i][0] = '\0';
		ev->build_ms[i] = 0;
	}
	for (int i = 0; i < st->nslots && i < SLOTS_MAX; i++)
		text_copy(ev->build_slot[i], sizeof ev->build_slot[i], st->slot[i].name);
	cJSON_ArrayForEach(it, json_get(root, "items")) {
		const cJSON *meta = json_get(it, "metadata"), *ref;
		const char *rev = json_str(json_get(meta, "annotations"), "deployment.kubernetes.io/revision");

		cJSON_ArrayForEach(ref, json_get(meta, "ownerReferences")) {
			const char *owner = json_str(ref, "name");

			for (int i = 0; i < st->nslots && i < SLOTS_MAX; i++)
				if (owner && strcmp(owner, st->slot[i].deployment) == 0 && rev &&
				    strtol(rev, NULL, 10) == st->slot[i].revision)
					ev->build_ms[i] = text_parse_time(json_str(meta, "creationTimestamp"));
		}
	}
	cJSON_Delete(root);
	return 0;
}

static void clock_words(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

bool deploy_baseline_range(int64_t switch_ms, int64_t before_ms, int64_t rate_window_ms, int64_t span_ms,
                           int64_t *from, int64_t *to, char *note, size_t notelen)
{
	char at[16];

	*to = switch_ms - rate_window_ms;
	*from = *to - span_ms;
	if (before_ms && before_ms + rate_window_ms > *from)
		*from = before_ms + rate_window_ms;
	/* a few samples at least: less is noise, not a baseline */
	if (*to - *from < 10000) {
		clock_words(before_ms, at, sizeof at);
		snprintf(note, notelen, "no clean baseline: the switch before, at %s, is within %lld s of this one",
		         at, (long long)((switch_ms - before_ms) / 1000));
		return false;
	}
	note[0] = '\0';
	return true;
}

int64_t deploy_rate_window_ms(const char *expr, int64_t dflt)
{
	int64_t best = 0;

	for (const char *p = expr ? strchr(expr, '[') : NULL; p; p = strchr(p + 1, '[')) {
		int64_t total = 0;
		const char *q = p + 1;

		/* "1m30s", "5m", "500ms"; a subquery's range is the part before ':' */
		while (*q >= '0' && *q <= '9') {
			int64_t v = 0, unit;

			while (*q >= '0' && *q <= '9')
				v = v * 10 + (*q++ - '0');
			if (q[0] == 'm' && q[1] == 's')
				unit = 1, q += 2;
			else if (*q == 's')
				unit = 1000, q++;
			else if (*q == 'm')
				unit = 60000, q++;
			else if (*q == 'h')
				unit = 3600000, q++;
			else if (*q == 'd')
				unit = 86400000, q++;
			else
				break;
			total += v * unit;
		}
		if ((*q == ']' || *q == ':') && total > best)
			best = total;
	}
	return best ? best : dflt;
}

void deploy_set_baseline(struct deploy *d, enum metric_id id, double mean, int64_t from, int64_t to)
{
	if (id >= MET_COUNT)
		return;
	d->baseline[id] = isfinite(mean) ? mean : NAN;
	if (isfinite(mean))
		d->has_baseline = true;
	d->baseline_from_ms = from;
	d->baseline_to_ms = to;
}

/* ---- the newest rollback, from the timeline ---- */

static bool ours(const cJSON *j, const char *ns, const char *service)
{
	const char *n = json_str(j, "namespace"), *s = json_str(j, "service");

	return n && s && strcmp(n, ns) == 0 && strcmp(s, service) == 0;
}

static void tag_of(const char *image, char *out, size_t len)
{
	const char *slash = image ? strrchr(image, '/') : NULL;
	const char *colon = image ? strrchr(slash ? slash : image, ':') : NULL;

	text_copy(out, len, colon ? colon + 1 : "");
}

/* The rollback action's record: its last event carries {"outcome":N}, its
 * first the plan ({"strategy", "from", "to", ...}), both kind "rollback". */
static bool from_action(const struct timeline_event *ev, size_t n, size_t i, const char *ns,
                        const char *service, struct deploy_rollback *out)
{
	for (size_t k = i + 1; k < n; k++) {
		cJSON *j;
		bool ok;

		if (strcmp(ev[k].kind, "rollback") != 0 || !ev[k].detail_json)
			continue;
		j = cJSON_Parse(ev[k].detail_json);
		ok = cJSON_IsObject(j) && json_str(j, "strategy") && json_str(j, "to") && json_str(j, "from");
		if (ok && !ours(j, ns, service)) {
			cJSON_Delete(j);
			return false;
		}
		if (ok) {
			memset(out, 0, sizeof *out);
			text_copy(out->from_slot, sizeof out->from_slot, json_str(j, "from"));
			text_copy(out->to_slot, sizeof out->to_slot, json_str(j, "to"));
			tag_of(json_str(j, "from_image"), out->from_version, sizeof out->from_version);
			tag_of(json_str(j, "target_image"), out->to_version, sizeof out->to_version);
			out->from_revision = (long)json_ll(j, "from_revision", 0);
			text_copy(out->by, sizeof out->by, ev[k].actor);
			out->wall_ms = ev[i].ts_ms;
			/* an undo keeps its one slot: no standby to remember */
			out->known = out->from_slot[0] && strcmp(out->from_slot, out->to_slot) != 0;
			cJSON_Delete(j);
			return out->known;
		}
		cJSON_Delete(j);
	}
	return false;
}

/* The model's own record of a rollback: {"rolled_back": {...}}. */
static bool from_record(const struct timeline_event *e, const char *ns, const char *service,
                        struct deploy_rollback *out)
{
	cJSON *j = cJSON_Parse(e->detail_json);
	const cJSON *rb = cJSON_GetObjectItemCaseSensitive(j, "rolled_back");
	bool ok = cJSON_IsObject(rb) && ours(rb, ns, service);

	if (ok) {
		memset(out, 0, sizeof *out);
		out->known = true;
		text_copy(out->from_slot, sizeof out->from_slot, json_str(rb, "from_slot"));
		text_copy(out->from_version, sizeof out->from_version, json_str(rb, "from_version"));
		out->from_revision = (long)json_ll(rb, "from_revision", 0);
		text_copy(out->to_slot, sizeof out->to_slot, json_str(rb, "to_slot"));
		text_copy(out->to_version, sizeof out->to_version, json_str(rb, "to_version"));
		out->wall_ms = json_ll(rb, "at_ms", e->ts_ms);
		text_copy(out->by, sizeof out->by, json_str(rb, "by"));
		text_copy(out->reason, sizeof out->reason, json_str(rb, "reason"));
	}
	cJSON_Delete(j);
	return ok;
}

bool deploy_recall_rollback(const struct timeline_event *ev, size_t n, const char *ns, const char *service,
                            struct deploy_rollback *out)
{
	struct deploy_rollback mine, action;
	bool have_mine = false, have_action = false;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < n && !(have_mine && have_action); i++) {   /* newest first */
		cJSON *j;
		const cJSON *outcome;

		if (!ev[i].detail_json)
			continue;
		if (!have_mine && strcmp(ev[i].kind, "deploy") == 0 && from_record(&ev[i], ns, service, &mine)) {
			have_mine = true;
			continue;
		}
		if (have_action || strcmp(ev[i].kind, "rollback") != 0)
			continue;
		/* only a verified run moved traffic where it says */
		j = cJSON_Parse(ev[i].detail_json);
		outcome = cJSON_GetObjectItemCaseSensitive(j, "outcome");
		if (cJSON_IsNumber(outcome) && outcome->valueint == ROLLBACK_VERIFIED &&
		    from_action(ev, n, i, ns, service, &action))
			have_action = true;
		cJSON_Delete(j);
	}
	if (have_mine && have_action && llabs(mine.wall_ms - action.wall_ms) <= 10000 &&
	    strcmp(mine.to_slot, action.to_slot) == 0) {
		/* one rollback told twice: the operator who confirmed it, the breach that called for it */
		text_copy(mine.by, sizeof mine.by, action.by);
		*out = mine;
		return true;
	}
	if (have_mine && (!have_action || mine.wall_ms >= action.wall_ms)) {
		*out = mine;
		return true;
	}
	if (have_action) {
		*out = action;
		return true;
	}
	return false;
}

char *deploy_rollback_json(const struct deploy *d)
{
	cJSON *root = cJSON_CreateObject(), *rb = cJSON_AddObjectToObject(root, "rolled_back");
	char *out;

	cJSON_AddStringToObject(rb, "namespace", d->cfg->kube.namespace_);
	cJSON_AddStringToObject(rb, "service", d->cfg->kube.service);
	cJSON_AddStringToObject(rb, "from_slot", d->rb.from_slot);
	cJSON_AddStringToObject(rb, "from_version", d->rb.from_version);
	cJSON_AddNumberToObject(rb, "from_revision", (double)d->rb.from_revision);
	cJSON_AddStringToObject(rb, "to_slot", d->rb.to_slot);
	cJSON_AddStringToObject(rb, "to_version", d->rb.to_version);
	cJSON_AddNumberToObject(rb, "at_ms", (double)d->rb.wall_ms);
	cJSON_AddStringToObject(rb, "by", d->rb.by);
	cJSON_AddStringToObject(rb, "reason", d->rb.reason);
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}
