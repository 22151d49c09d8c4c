/* Kubernetes Events grouped as an operator reads them: by reason and
 * object, with their counts (an event's own count or series), first and
 * last seen and the latest message, warnings first, each tied to its slot
 * through the pod, ReplicaSet or Deployment it is about. Both forms of the
 * API are read: events.k8s.io/v1 (regarding, note, series, deprecatedCount,
 * deprecatedLastTimestamp) and core v1 (involvedObject, message, count,
 * lastTimestamp). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/json.h"
#include "warroom/logs.h"
#include "warroom/text.h"

static int64_t time_of(const cJSON *o, const char *key)
{
	const char *s = json_str(o, key);

	return s && *s ? text_parse_time(s) : 0;
}

/* The newest of the times an event may carry, in either form. */
static int64_t last_seen(const cJSON *ev)
{
	static const char *const keys[] = { "lastTimestamp", "deprecatedLastTimestamp", "eventTime",
	                                    "firstTimestamp", "deprecatedFirstTimestamp" };
	const cJSON *series = json_get(ev, "series");
	int64_t t = time_of(series, "lastObservedTime"), v;

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if ((v = time_of(ev, keys[i])) > t)
			t = v;
	if (!t)
		t = time_of(json_get(ev, "metadata"), "creationTimestamp");
	return t;
}

static int64_t first_seen(const cJSON *ev, int64_t last)
{
	int64_t t = time_of(ev, "firstTimestamp");

	if (!t)
		t = time_of(ev, "deprecatedFirstTimestamp");
	if (!t)
		t = time_of(ev, "eventTime");
	return t ? t : last;
}

static uint32_t count_of(const cJSON *ev)
{
	int c = json_int(json_get(ev, "series"), "count", 0);

	if (c <= 0)
		c = json_int(ev, "count", 0);
	if (c <= 0)
		c = json_int(ev, "deprecatedCount", 0);
	return c > 0 ? (uint32_t)c : 1;
}

static struct logs_event_group *group_for(struct logs_events *out, const char *reason, const char *kind,
                                          const char *name)
{
	for (size_t i = 0; i < out->n; i++) {
		struct logs_event_group *g = &out->g[i];

		if (strcmp(g->reason, reason) == 0 && strcmp(g->kind, kind) == 0 && strcmp(g->name, name) == 0)
			return g;
	}
	if (out->n == LOGS_EVENT_GROUPS) {
		out->left_out++;
		return NULL;
	}
	memset(&out->g[out->n], 0, sizeof out->g[0]);
	return &out->g[out->n++];
}

static void add_event(struct logs_events *out, const cJSON *ev, const struct config *cfg)
{
	const cJSON *obj = json_get(ev, "regarding");
	const char *reason = json_str(ev, "reason"), *msg = json_str(ev, "note"), *type = json_str(ev, "type");
	const char *kind, *name;
	struct logs_event_group *g;
	int64_t last = last_seen(ev), first = first_seen(ev, last);

	if (!cJSON_IsObject(obj))
		obj = json_get(ev, "involvedObject");
	if (!msg)
		msg = json_str(ev, "message");
	kind = json_str(obj, "kind");
	name = json_str(obj, "name");
	if (!reason || !name)
		return;
	out->events++;
	g = group_for(out, reason, kind ? kind : "", name);
	if (!g)
		return;
	if (!g->reason[0]) {
		text_copy(g->reason, sizeof g->reason, reason);
		text_copy(g->kind, sizeof g->kind, kind);
		text_copy(g->name, sizeof g->name, name);
		g->slot = logs_slot_of_name(cfg, name);
		g->first_ms = first;
	}
	g->warning = g->warning || (type && strcmp(type, "Warning") == 0);
	g->count += count_of(ev);
	if (first && (!g->first_ms || first < g->first_ms))
		g->first_ms = first;
	if (last >= g->last_ms) {
		g->last_ms = last;
		text_one_line(g->message, sizeof g->message, msg ? msg : "");
	}
}

static int by_warning_then_latest(const void *a, const void *b)
{
	const struct logs_event_group *x = a, *y = b;

	if (x->warning != y->warning)
		return x->warning ? -1 : 1;
	return x->last_ms > y->last_ms ? -1 : x->last_ms < y->last_ms;
}

int logs_parse_events(const char *json, size_t len, const struct config *cfg, struct logs_events *out, char *err,
                      size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	const cJSON *items = json_get(root, "items"), *ev;
	const char *api = json_str(root, "apiVersion");

	memset(out, 0, sizeof *out);
	if (!cJSON_IsArray(items)) {
		snprintf(err, errlen, "the API server's answer is not an EventList");
		cJSON_Delete(root);
		return -1;
	}
	text_copy(out->api, sizeof out->api, api ? api : "");
	cJSON_ArrayForEach(ev, items)
		add_event(out, ev, cfg);
	qsort(out->g, out->n, sizeof out->g[0], by_warning_then_latest);
	cJSON_Delete(root);
	return 0;
}

size_t logs_events_by_reason(const struct logs_events *ev, int slot, struct logs_reason *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < ev->n; i++) {
		const struct logs_event_group *g = &ev->g[i];
		size_t k;

		if ((slot >= 0 && g->slot != slot) || (slot == LOGS_NO_SLOT_OF && g->slot >= 0))
			continue;
		for (k = 0; k < n; k++)
			if (strcmp(out[k].reason, g->reason) == 0 && out[k].slot == g->slot && out[k].warning == g->warning)
				break;
		if (k == n) {
			if (n == max)
				continue;
			memset(&out[n], 0, sizeof out[n]);
			text_copy(out[n].reason, sizeof out[n].reason, g->reason);
			out[n].warning = g->warning;
			out[n].slot = g->slot;
			n++;
		}
		out[k].count += g->count;
		out[k].objects++;
		if (g->last_ms > out[k].last_ms)
			out[k].last_ms = g->last_ms;
	}
	/* the groups came warnings first, latest first: so do the reasons */
	return n;
}

size_t logs_events_recent_warnings(const struct logs_events *ev, int64_t now_ms, int64_t window_ms)
{
	size_t n = 0;

	for (size_t i = 0; i < ev->n; i++)
		n += ev->g[i].warning && ev->g[i].last_ms && now_ms - ev->g[i].last_ms <= window_ms;
	return n;
}

bool logs_events_summary(const struct logs_state *st, int64_t now_ms, char *buf, size_t len)
{
	struct logs_reason r[8];
	size_t n, used = 0, shown = 0;

	if (!st || !len || !logs_events_recent_warnings(&st->events, now_ms, LOGS_EVENTS_RECENT_MS))
		return false;
	n = logs_events_by_reason(&st->events, -1, r, 8);
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		if (!r[i].warning || now_ms - r[i].last_ms > LOGS_EVENTS_RECENT_MS)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s \xc3\x97%u%s%s", shown++ ? ", " : "", r[i].reason,
		                         r[i].count, r[i].slot >= 0 && (size_t)r[i].slot < st->nslots ? " " : "",
		                         r[i].slot >= 0 && (size_t)r[i].slot < st->nslots ? st->slot_names[r[i].slot] : "");
	}
	return shown > 0;
}
