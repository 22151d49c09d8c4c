/* slots — parse the API's Service, Deployments, Pods and EndpointSlices into
 * the blue-green model, and derive what the operator must see: where traffic
 * goes, the lifecycle phase, and warnings. No I/O here (see slots_poll.c). */
#include "warroom/slots.h"
#include "warroom/config.h"
#include "warroom/rollback.h"
#include "warroom/timeline.h"
#include "warroom/text.h"
#include "warroom/json.h"

#include <cJSON.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static cJSON *parse_kind(const char *json, size_t len, const char *kind1, const char *kind2,
                         char *err, size_t errlen)
{
	cJSON *root = json_parse_wire(json, len);
	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "expected a %s, got something that is not a JSON object", kind1);
		cJSON_Delete(root);
		return NULL;
	}
	const char *kind = json_str(root, "kind");
	if (kind && strcmp(kind, kind1) != 0 && !(kind2 && strcmp(kind, kind2) == 0)) {
		snprintf(err, errlen, "expected a %s, got a %s", kind1, kind);
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

void slots_init(struct slots_state *st, const struct config *cfg)
{
	memset(st, 0, sizeof *st);
	text_copy(st->namespace_, sizeof st->namespace_, cfg->kube.namespace_);
	text_copy(st->service, sizeof st->service, cfg->kube.service);
	text_copy(st->slot_label, sizeof st->slot_label, cfg->kube.slot_label[0] ? cfg->kube.slot_label : "slot");
	for (int i = 0; i < CONFIG_MAX_SLOTS && i < SLOTS_MAX; i++) {
		if (!cfg->kube.deployments[i][0])
			continue;
		struct slots_slot *s = &st->slot[st->nslots++];
		text_copy(s->name, sizeof s->name, cfg->kube.slots[i]);
		text_copy(s->deployment, sizeof s->deployment, cfg->kube.deployments[i]);
	}
	/* One deployment without a slot name: a plain (not blue-green) service. */
	if (st->nslots == 1 && !st->slot[0].name[0])
		text_copy(st->slot[0].name, sizeof st->slot[0].name, st->slot[0].deployment);
	st->active = -1;
	st->health = SLOTS_HEALTH_UNKNOWN;
}

int slots_index(const struct slots_state *st, const char *name)
{
	for (int i = 0; i < st->nslots; i++)
		if (name && strcmp(st->slot[i].name, name) == 0)
			return i;
	return -1;
}

int slots_standby(const struct slots_state *st)
{
	if (st->nslots != 2 || st->active < 0)
		return -1;
	return 1 - st->active;
}

static bool blue_green(const struct slots_state *st)
{
	return st->nslots == 2;
}

/* ---------- parsers ---------- */

int slots_parse_service(struct slots_state *st, const char *json, size_t len, char *err, size_t errlen)
{
	cJSON *root = parse_kind(json, len, "Service", NULL, err, errlen);
	if (!root)
		return -1;
	st->service_found = true;
	text_copy(st->service_rv, sizeof st->service_rv, json_str(json_get(root, "metadata"), "resourceVersion"));
	st->selector[0] = st->selector_slot[0] = '\0';
	size_t n = 0;
	const cJSON *kv;
	cJSON_ArrayForEach(kv, json_get(json_get(root, "spec"), "selector")) {
		if (!cJSON_IsString(kv))
			continue;
		if (n < sizeof st->selector)
			n += (size_t)snprintf(st->selector + n, sizeof st->selector - n, "%s%s=%s",
			                      n ? "," : "", kv->string, kv->valuestring);
		if (strcmp(kv->string, st->slot_label) == 0)
			text_copy(st->selector_slot, sizeof st->selector_slot, kv->valuestring);
	}
	cJSON_Delete(root);
	/* a cut selector would pick other pods: refuse it in words */
	if (n >= sizeof st->selector) {
		st->selector[0] = '\0';
		text_errf(err, errlen, "the service's selector is longer than %zu characters", sizeof st->selector - 1);
		return -1;
	}
	return 0;
}

static void image_tag(const char *image, char *tag, size_t len)
{
	const char *at = strchr(image, '@');
	if (at) {
		const char *colon = strchr(at, ':');
		snprintf(tag, len, "@%.12s", colon ? colon + 1 : at + 1);
		return;
	}
	const char *slash = strrchr(image, '/');
	const char *colon = strrchr(slash ? slash : image, ':');
	text_copy(tag, len, colon ? colon + 1 : "latest");
}

int slots_parse_deployment(struct slots_slot *s, const char *json, size_t len, char *err, size_t errlen)
{
	cJSON *root = parse_kind(json, len, "Deployment", NULL, err, errlen);
	if (!root)
		return -1;
	char name[32], dep[128];
	text_copy(name, sizeof name, s->name);
	text_copy(dep, sizeof dep, s->deployment);
	/* the pods may have been read first (verification reads both at once) */
	bool more = s->pods_more;
	int listed = s->pods_listed;
	memset(s, 0, sizeof *s);
	text_copy(s->name, sizeof s->name, name);
	text_copy(s->deployment, sizeof s->deployment, dep);
	s->pods_more = more;
	s->pods_listed = listed;
	s->found = true;

	const cJSON *meta = json_get(root, "metadata"), *spec = json_get(root, "spec"), *status = json_get(root, "status");
	s->desired = json_int(spec, "replicas", 1);   /* the API's default */
	s->paused = cJSON_IsTrue(json_get(spec, "paused"));
	s->replicas = json_int(status, "replicas", 0);
	s->ready = json_int(status, "readyReplicas", 0);
	s->available = json_int(status, "availableReplicas", 0);
	s->updated = json_int(status, "updatedReplicas", 0);
	s->unavailable = json_int(status, "unavailableReplicas", 0);
	s->generation = json_int(meta, "generation", 0);
	s->observed_generation = json_int(status, "observedGeneration", 0);
	const char *rev = json_str(json_get(meta, "annotations"), "deployment.kubernetes.io/revision");
	s->revision = rev ? strtol(rev, NULL, 10) : 0;

	const cJSON *c0 = cJSON_GetArrayItem(json_get(json_get(json_get(spec, "template"), "spec"), "containers"), 0);
	text_copy(s->image, sizeof s->image, json_str(c0, "image"));
	if (s->image[0])
		image_tag(s->image, s->tag, sizeof s->tag);

	size_t n = 0;
	const cJSON *kv;
	cJSON_ArrayForEach(kv, json_get(json_get(spec, "selector"), "matchLabels"))
		if (cJSON_IsString(kv) && n < sizeof s->match_labels)
			n += (size_t)snprintf(s->match_labels + n, sizeof s->match_labels - n, "%s%s=%s",
			                      n ? "," : "", kv->string, kv->valuestring);
	if (n >= sizeof s->match_labels) {
		cJSON_Delete(root);
		text_errf(err, errlen, "its selector is longer than %zu characters", sizeof s->match_labels - 1);
		s->match_labels[0] = '\0';
		return -1;
	}

	const cJSON *cond;
	cJSON_ArrayForEach(cond, json_get(status, "conditions")) {
		const char *type = json_str(cond, "type");
		if (!type || strcmp(type, "Progressing") != 0)
			continue;
		const char *reason = json_str(cond, "reason");
		s->progress_deadline_exceeded = reason && strcmp(reason, "ProgressDeadlineExceeded") == 0;
		text_copy(s->progress_message, sizeof s->progress_message, json_str(cond, "message"));
		s->progress_wall_ms = text_parse_time(json_str(cond, "lastUpdateTime"));
	}
	/* kubectl rollout status: done when observed, updated, old replicas gone, available. */
	s->rollout_complete = s->generation <= s->observed_generation && !s->progress_deadline_exceeded &&
	                      s->updated >= s->desired && s->replicas <= s->updated &&
	                      s->available >= s->updated;
	cJSON_Delete(root);
	return 0;
}

static const char *label_of(const cJSON *meta, const char *key)
{
	return json_str(json_get(meta, "labels"), key);
}

static void pod_waiting(const cJSON *statuses, const char *prefix, char *out, size_t len)
{
	const cJSON *cs;
	cJSON_ArrayForEach(cs, statuses) {
		const char *reason = json_str(json_get(json_get(cs, "state"), "waiting"), "reason");
		if (reason && *reason && !out[0]) {
			snprintf(out, len, "%s%s", prefix, reason);
			return;
		}
		const char *term = json_str(json_get(json_get(cs, "state"), "terminated"), "reason");
		if (term && *term && !out[0] && strcmp(term, "Completed") != 0) {
			snprintf(out, len, "%s%s", prefix, term);
			return;
		}
	}
}

/* Pods of a PodList into st->pods from npods on, at most max in all; -1:
 * not a PodList. *more: items left over, or the API has a next page. */
static int add_pods(struct slots_state *st, size_t max, const char *json, size_t len, bool *more, char *err,
                    size_t errlen)
{
	cJSON *root = parse_kind(json, len, "PodList", NULL, err, errlen);
	if (!root)
		return -1;
	const char *cont = json_str(json_get(root, "metadata"), "continue");
	*more = cont && *cont;
	if (max > SLOTS_MAX_PODS)
		max = SLOTS_MAX_PODS;
	const cJSON *pod;
	cJSON_ArrayForEach(pod, json_get(root, "items")) {
		if (st->npods >= max) {
			*more = true;
			break;
		}
		const cJSON *meta = json_get(pod, "metadata"), *status = json_get(pod, "status");
		struct slots_pod *p = &st->pods[st->npods];
		memset(p, 0, sizeof *p);
		text_copy(p->name, sizeof p->name, json_str(meta, "name"));
		if (blue_green(st))
			p->slot = slots_index(st, label_of(meta, st->slot_label));
		else
			p->slot = st->nslots == 1 ? 0 : -1;
		p->terminating = json_get(meta, "deletionTimestamp") && !cJSON_IsNull(json_get(meta, "deletionTimestamp"));
		p->created_wall_ms = text_parse_time(json_str(meta, "creationTimestamp"));
		text_copy(p->phase, sizeof p->phase, json_str(status, "phase"));
		text_copy(p->ip, sizeof p->ip, json_str(status, "podIP"));
		const cJSON *c;
		cJSON_ArrayForEach(c, json_get(status, "conditions")) {
			const char *type = json_str(c, "type"), *cs = json_str(c, "status");
			if (type && cs && strcmp(type, "Ready") == 0)
				p->ready = strcmp(cs, "True") == 0;
		}
		cJSON_ArrayForEach(c, json_get(status, "containerStatuses"))
			p->restarts += json_int(c, "restartCount", 0);
		pod_waiting(json_get(status, "initContainerStatuses"), "Init:", p->waiting, sizeof p->waiting);
		pod_waiting(json_get(status, "containerStatuses"), "", p->waiting, sizeof p->waiting);
		if (!p->waiting[0]) {
			const char *reason = json_str(status, "reason");   /* Evicted, ... */
			text_copy(p->waiting, sizeof p->waiting, reason);
		}
		st->npods++;
	}
	cJSON_Delete(root);
	return 0;
}

int slots_parse_pods(struct slots_state *st, const char *json, size_t len, char *err, size_t errlen)
{
	bool more;
	st->npods = 0;
	return add_pods(st, SLOTS_MAX_PODS, json, len, &more, err, errlen);
}

int slots_add_slot_pods(struct slots_state *st, int slot, size_t max, const char *json, size_t len, char *err,
                        size_t errlen)
{
	bool more = false;
	if (slot < 0 || slot >= st->nslots) {
		text_copy(err, errlen, "no such slot");
		return -1;
	}
	size_t before = st->npods;
	int rc = add_pods(st, before + max, json, len, &more, err, errlen);
	st->slot[slot].pods_more = rc == 0 && more;
	st->slot[slot].pods_listed = (int)(st->npods - before);
	return rc;
}

static int pod_slot(const struct slots_state *st, const char *name)
{
	for (size_t i = 0; i < st->npods; i++)
		if (strcmp(st->pods[i].name, name) == 0)
			return st->pods[i].slot;
	return -1;
}

static bool cond_true(const cJSON *conds, const char *key, bool if_null)
{
	const cJSON *it = json_get(conds, key);
	if (!it || cJSON_IsNull(it))
		return if_null;
	return cJSON_IsTrue(it);
}

static void add_slice(struct slots_state *st, const cJSON *slice)
{
	const cJSON *ep;
	cJSON_ArrayForEach(ep, json_get(slice, "endpoints")) {
		const cJSON *conds = json_get(ep, "conditions");
		const cJSON *ref = json_get(ep, "targetRef");
		const char *kind = json_str(ref, "kind");
		const char *pod = kind && strcmp(kind, "Pod") == 0 ? json_str(ref, "name") : NULL;
		const cJSON *addr;
		cJSON_ArrayForEach(addr, json_get(ep, "addresses")) {
			if (st->nendpoints >= SLOTS_MAX_ENDPOINTS || !cJSON_IsString(addr))
				return;
			struct slots_endpoint *e = &st->endpoints[st->nendpoints++];
			memset(e, 0, sizeof *e);
			text_copy(e->address, sizeof e->address, addr->valuestring);
			text_copy(e->pod, sizeof e->pod, pod);
			e->slot = pod ? pod_slot(st, pod) : -1;
			/* "ready: null means ready"; serving defaults to ready. */
			e->ready = cond_true(conds, "ready", true);
			e->serving = cond_true(conds, "serving", e->ready);
			e->terminating = cond_true(conds, "terminating", false);
		}
	}
}

int slots_parse_endpointslices(struct slots_state *st, const char *json, size_t len, char *err, size_t errlen)
{
	cJSON *root = parse_kind(json, len, "EndpointSliceList", "EndpointSlice", err, errlen);
	if (!root)
		return -1;
	st->nendpoints = 0;
	const char *kind = json_str(root, "kind");
	if (kind && strcmp(kind, "EndpointSlice") == 0) {
		add_slice(st, root);
	} else {
		const cJSON *slice;
		cJSON_ArrayForEach(slice, json_get(root, "items"))
			add_slice(st, slice);
	}
	cJSON_Delete(root);
	return 0;
}

/* ---------- derive ---------- */

const char *slots_phase_name(enum slots_phase phase)
{
	switch (phase) {
	case SLOTS_PHASE_STEADY: return "steady";
	case SLOTS_PHASE_DEPLOY_START: return "deploy start";
	case SLOTS_PHASE_SMOKE_TEST: return "smoke test";
	case SLOTS_PHASE_TRAFFIC_SWITCH: return "traffic switch";
	case SLOTS_PHASE_MONITOR: return "monitor";
	case SLOTS_PHASE_FINALIZE: return "finalize";
	default: return "unknown";
	}
}

const char *slots_health_name(enum slots_health health)
{
	switch (health) {
	case SLOTS_HEALTHY: return "healthy";
	case SLOTS_DEGRADED: return "degraded";
	case SLOTS_OUTAGE: return "outage";
	default: return "unknown";
	}
}

static void warn(struct slots_state *st, enum slots_warn_kind kind, bool critical, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void warn(struct slots_state *st, enum slots_warn_kind kind, bool critical, const char *fmt, ...)
{
	if (st->nwarnings >= SLOTS_MAX_WARNINGS)
		return;
	struct slots_warning *w = &st->warnings[st->nwarnings++];
	w->kind = kind;
	w->critical = critical;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->text, sizeof w->text, fmt, ap);
	va_end(ap);
}

bool slots_traffic_only_on(const struct slots_state *st, int idx)
{
	if (st->nendpoints == 0 || idx < 0)
		return false;
	for (size_t i = 0; i < st->nendpoints; i++) {
		const struct slots_endpoint *e = &st->endpoints[i];
		if (e->slot != idx || !e->ready)
			return false;
	}
	return true;
}

/* Endpoint problems, named: "2 endpoints of blue (standby): 10.0.0.4 (pod-a) ..." */
static void endpoint_warnings(struct slots_state *st)
{
	char wrong[200] = "", notready[200] = "";
	int nwrong = 0, nnot = 0;
	for (size_t i = 0; i < st->nendpoints; i++) {
		const struct slots_endpoint *e = &st->endpoints[i];
		bool wrong_slot = blue_green(st) && st->active >= 0 && e->slot != st->active;
		if (wrong_slot) {
			size_t l = strlen(wrong);
			if (l < sizeof wrong - 1)
				snprintf(wrong + l, sizeof wrong - l, "%s%s (%s)", nwrong ? ", " : "",
				         e->pod[0] ? e->pod : e->address,
				         e->slot >= 0 ? st->slot[e->slot].name : "no slot");
			nwrong++;
		}
		if (!e->ready) {
			size_t l = strlen(notready);
			if (l < sizeof notready - 1)
				snprintf(notready + l, sizeof notready - l, "%s%s", nnot ? ", " : "",
				         e->pod[0] ? e->pod : e->address);
			nnot++;
		}
	}
	if (nwrong)
		warn(st, SLOTS_WARN_WRONG_SLOT_ENDPOINT, true, "%d endpoint%s of the wrong slot receive%s traffic: %s",
		     nwrong, nwrong == 1 ? "" : "s", nwrong == 1 ? "s" : "", wrong);
	if (nnot)
		warn(st, SLOTS_WARN_NOT_READY_ENDPOINT, false, "%d endpoint%s not ready: %s",
		     nnot, nnot == 1 ? "" : "s", notready);
}

static void derive_phase(struct slots_state *st, int64_t now_ms, int64_t now_wall_ms)
{
	st->phase = SLOTS_PHASE_UNKNOWN;
	st->phase_note[0] = '\0';
	st->monitor_left_ms = 0;
	if (!st->service_found || st->active < 0)
		return;
	const struct slots_slot *a = &st->slot[st->active];
	if (!blue_green(st)) {
		st->phase = a->rollout_complete ? SLOTS_PHASE_STEADY : SLOTS_PHASE_DEPLOY_START;
		return;
	}
	const struct slots_slot *s = &st->slot[1 - st->active];
	int64_t since = st->selector_changed_ms ? now_ms - st->selector_changed_ms : -1;
	if (since >= 0 && since < SLOTS_MONITOR_MS) {
		if (!slots_traffic_only_on(st, st->active)) {
			st->phase = SLOTS_PHASE_TRAFFIC_SWITCH;
			snprintf(st->phase_note, sizeof st->phase_note, "%s -> %s, endpoints settling",
			         st->previous_slot[0] ? st->previous_slot : "?", a->name);
			return;
		}
		st->phase = SLOTS_PHASE_MONITOR;
		st->monitor_left_ms = SLOTS_MONITOR_MS - since;
		int64_t left = st->monitor_left_ms / 1000;
		snprintf(st->phase_note, sizeof st->phase_note, "%d:%02d left of %d:00",
		         (int)(left / 60), (int)(left % 60), SLOTS_MONITOR_MS / 60000);
		return;
	}
	if (s->found && s->desired == 0 && s->replicas == 0) {
		st->phase = SLOTS_PHASE_STEADY;
	} else if (s->found && s->desired == 0) {
		st->phase = SLOTS_PHASE_FINALIZE;
		snprintf(st->phase_note, sizeof st->phase_note, "%s scaling to 0 (%d left)", s->name, s->replicas);
	} else if (!s->found) {
		st->phase = SLOTS_PHASE_STEADY;
	} else if (!s->rollout_complete || s->ready < s->desired) {
		st->phase = SLOTS_PHASE_DEPLOY_START;
		snprintf(st->phase_note, sizeof st->phase_note, "%s %d/%d ready", s->name, s->ready, s->desired);
	} else if (since < 0 && a->progress_wall_ms > s->progress_wall_ms && now_wall_ms > 0 &&
	           now_wall_ms - a->progress_wall_ms < SLOTS_MONITOR_MS) {
		/* Switch not seen (we just started), but the active slot finished its
		 * rollout less than 5 min ago: the switch came after, so we are in the
		 * window, with at least this much of it left. */
		st->phase = SLOTS_PHASE_MONITOR;
		st->monitor_left_ms = SLOTS_MONITOR_MS - (now_wall_ms - a->progress_wall_ms);
		int64_t left = st->monitor_left_ms / 1000;
		snprintf(st->phase_note, sizeof st->phase_note, "at least %d:%02d left of %d:00 (switch not seen)",
		         (int)(left / 60), (int)(left % 60), SLOTS_MONITOR_MS / 60000);
	} else if (s->progress_wall_ms > a->progress_wall_ms && st->npods > 0 && s->pods_ready < s->desired) {
		/* The Deployment's status says ready, the pods say otherwise (gone or
		 * not ready): nothing to smoke-test yet, whatever the counters claim. */
		st->phase = SLOTS_PHASE_DEPLOY_START;
		snprintf(st->phase_note, sizeof st->phase_note, "%s %d/%d pods ready", s->name, s->pods_ready, s->desired);
	} else if (s->progress_wall_ms > a->progress_wall_ms) {
		/* The standby rolled out after the active one: a new version awaiting the switch. */
		st->phase = SLOTS_PHASE_SMOKE_TEST;
		snprintf(st->phase_note, sizeof st->phase_note, "%s ready, no traffic yet", s->name);
	} else {
		st->phase = SLOTS_PHASE_FINALIZE;
		snprintf(st->phase_note, sizeof st->phase_note, "%s (previous version) awaits scale-down", s->name);
	}
}

void slots_derive(struct slots_state *st, const struct slots_state *prev, int64_t now_ms, int64_t now_wall_ms)
{
	st->nwarnings = 0;
	st->active = -1;
	st->both = false;
	if (st->service_found) {
		if (!blue_green(st))
			st->active = st->nslots == 1 ? 0 : -1;
		else if (!st->selector_slot[0])
			st->both = true;
		else
			st->active = slots_index(st, st->selector_slot);
	}

	/* Selector changes are seen, not read: the API keeps no such history. */
	if (prev && prev->service_found && st->service_found) {
		if (strcmp(prev->selector_slot, st->selector_slot) != 0) {
			st->selector_changed_ms = now_ms;
			text_copy(st->previous_slot, sizeof st->previous_slot, prev->selector_slot);
		} else {
			st->selector_changed_ms = prev->selector_changed_ms;
			text_copy(st->previous_slot, sizeof st->previous_slot, prev->previous_slot);
		}
	}

	for (int i = 0; i < st->nslots; i++) {
		struct slots_slot *s = &st->slot[i];
		s->pods = s->pods_ready = s->restarts = s->crashlooping = s->endpoints_ready = 0;
	}
	for (size_t i = 0; i < st->npods; i++) {
		const struct slots_pod *p = &st->pods[i];
		if (p->slot < 0)
			continue;
		struct slots_slot *s = &st->slot[p->slot];
		s->pods++;
		s->pods_ready += p->ready && !p->terminating;
		s->restarts += p->restarts;
		if (strstr(p->waiting, "CrashLoopBackOff") || strstr(p->waiting, "ImagePullBackOff") ||
		    strstr(p->waiting, "ErrImagePull"))
			s->crashlooping++;
	}
	for (int i = 0; i < st->nslots; i++) {
		/* a cut list: the Deployment's status counts every pod of the slot */
		struct slots_slot *s = &st->slot[i];
		if (s->pods_more) {
			s->pods = s->replicas > s->pods ? s->replicas : s->pods;
			s->pods_ready = s->ready > s->pods_ready ? s->ready : s->pods_ready;
		}
	}
	st->endpoints_ready = 0;
	for (size_t i = 0; i < st->nendpoints; i++) {
		const struct slots_endpoint *e = &st->endpoints[i];
		st->endpoints_ready += e->ready;
		if (e->ready && e->slot >= 0)
			st->slot[e->slot].endpoints_ready++;
	}

	/* Warnings, loudest first. */
	if (!st->service_found) {
		warn(st, SLOTS_WARN_NO_SERVICE, true, "OUTAGE: service %s not found in %s", st->service, st->namespace_);
	} else if (blue_green(st) && st->both) {
		warn(st, SLOTS_WARN_BOTH_SLOTS, false, "both slots behind the service: its selector (%s) has no %s label",
		     st->selector, st->slot_label);
	} else if (blue_green(st) && st->active < 0) {
		warn(st, SLOTS_WARN_UNKNOWN_SLOT, true, "the service selects %s=%s, which is not a configured slot",
		     st->slot_label, st->selector_slot);
	}
	if (st->service_found && st->active >= 0) {
		const struct slots_slot *a = &st->slot[st->active];
		if (!a->found)
			warn(st, SLOTS_WARN_OUTAGE, true, "OUTAGE: the service selects %s but deployment %s does not exist",
			     a->name, a->deployment);
		else if (a->ready == 0 || (st->nendpoints > 0 && st->endpoints_ready == 0) ||
		         (a->pods > 0 && a->pods_ready == 0))
			warn(st, SLOTS_WARN_OUTAGE, true, "OUTAGE: the service selects %s, which has no ready pods (%d/%d)",
			     a->name, a->ready, a->desired);
		else if (a->ready < a->desired)
			warn(st, SLOTS_WARN_PARTIAL, false, "%s serves traffic with %d/%d pods ready", a->name, a->ready,
			     a->desired);
	} else if (st->service_found && st->both && st->endpoints_ready == 0) {
		warn(st, SLOTS_WARN_OUTAGE, true, "OUTAGE: no ready endpoints behind %s", st->service);
	}
	for (int i = 0; i < st->nslots; i++) {
		const struct slots_slot *s = &st->slot[i];
		if (!s->found && !(st->active == i))
			warn(st, SLOTS_WARN_NO_DEPLOYMENT, false, "deployment %s (%s) not found", s->deployment, s->name);
		if (s->progress_deadline_exceeded)
			warn(st, SLOTS_WARN_STUCK, i == st->active, "rollout of %s stuck: ProgressDeadlineExceeded%s%s",
			     s->deployment, s->progress_message[0] ? ": " : "", s->progress_message);
		if (s->crashlooping) {
			const char *why = "";
			for (size_t p = 0; p < st->npods && !*why; p++)
				if (st->pods[p].slot == i && st->pods[p].waiting[0])
					why = st->pods[p].waiting;
			warn(st, SLOTS_WARN_CRASHLOOP, i == st->active, "%d pod%s of %s crash-looping (%s)", s->crashlooping,
			     s->crashlooping == 1 ? "" : "s", s->name, why);
		}
	}
	endpoint_warnings(st);

	derive_phase(st, now_ms, now_wall_ms);

	st->health = SLOTS_HEALTHY;
	for (size_t i = 0; i < st->nwarnings; i++) {
		const struct slots_warning *w = &st->warnings[i];
		if (w->kind == SLOTS_WARN_OUTAGE || w->kind == SLOTS_WARN_NO_SERVICE)
			st->health = SLOTS_OUTAGE;
		else if (st->health == SLOTS_HEALTHY)
			st->health = SLOTS_DEGRADED;
	}
	/* Warnings about the standby alone do not degrade the service. */
	if (st->health == SLOTS_DEGRADED) {
		bool serving_issue = false;
		for (size_t i = 0; i < st->nwarnings; i++) {
			const struct slots_warning *w = &st->warnings[i];
			bool standby_only = (w->kind == SLOTS_WARN_CRASHLOOP || w->kind == SLOTS_WARN_STUCK ||
			                     w->kind == SLOTS_WARN_NO_DEPLOYMENT) && !w->critical;
			serving_issue |= !standby_only;
		}
		if (!serving_issue)
			st->health = SLOTS_HEALTHY;
	}
}

/* ---------- JSON ---------- */

char *slots_to_json(const struct slots_state *st, int64_t now_ms)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "namespace", st->namespace_);
	cJSON_AddStringToObject(root, "service", st->service);
	cJSON_AddStringToObject(root, "health", slots_health_name(st->health));
	cJSON_AddBoolToObject(root, "service_found", st->service_found);
	cJSON_AddStringToObject(root, "selector", st->selector);
	if (st->active >= 0)
		cJSON_AddStringToObject(root, "active", st->slot[st->active].name);
	else
		cJSON_AddNullToObject(root, "active");
	cJSON_AddBoolToObject(root, "both_slots", st->both);
	cJSON_AddStringToObject(root, "phase", slots_phase_name(st->phase));
	cJSON_AddStringToObject(root, "phase_note", st->phase_note);
	if (st->monitor_left_ms > 0)
		cJSON_AddNumberToObject(root, "monitor_left_s", (double)(st->monitor_left_ms / 1000));
	cJSON *slots = cJSON_AddArrayToObject(root, "slots");
	for (int i = 0; i < st->nslots; i++) {
		const struct slots_slot *s = &st->slot[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", s->name);
		cJSON_AddStringToObject(o, "deployment", s->deployment);
		cJSON_AddBoolToObject(o, "active", i == st->active);
		cJSON_AddBoolToObject(o, "found", s->found);
		cJSON_AddNumberToObject(o, "desired", s->desired);
		cJSON_AddNumberToObject(o, "ready", s->ready);
		cJSON_AddNumberToObject(o, "available", s->available);
		cJSON_AddNumberToObject(o, "updated", s->updated);
		cJSON_AddStringToObject(o, "image", s->image);
		cJSON_AddStringToObject(o, "tag", s->tag);
		cJSON_AddNumberToObject(o, "revision", (double)s->revision);
		cJSON_AddBoolToObject(o, "rollout_complete", s->rollout_complete);
		cJSON_AddBoolToObject(o, "progress_deadline_exceeded", s->progress_deadline_exceeded);
		cJSON_AddNumberToObject(o, "restarts", s->restarts);
		cJSON_AddNumberToObject(o, "endpoints_ready", s->endpoints_ready);
		cJSON_AddNumberToObject(o, "pods", s->pods);
		cJSON_AddNumberToObject(o, "pods_listed", s->pods_listed);
		cJSON_AddBoolToObject(o, "pods_more", s->pods_more);
		cJSON_AddItemToArray(slots, o);
	}
	cJSON *pods = cJSON_AddArrayToObject(root, "pods");
	for (size_t i = 0; i < st->npods; i++) {
		const struct slots_pod *p = &st->pods[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", p->name);
		cJSON_AddStringToObject(o, "slot", p->slot >= 0 ? st->slot[p->slot].name : "");
		cJSON_AddBoolToObject(o, "ready", p->ready);
		cJSON_AddNumberToObject(o, "restarts", p->restarts);
		cJSON_AddStringToObject(o, "waiting", p->waiting);
		cJSON_AddStringToObject(o, "phase", p->phase);
		cJSON_AddItemToArray(pods, o);
	}
	cJSON *eps = cJSON_AddArrayToObject(root, "endpoints");
	for (size_t i = 0; i < st->nendpoints; i++) {
		const struct slots_endpoint *e = &st->endpoints[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "address", e->address);
		cJSON_AddStringToObject(o, "pod", e->pod);
		cJSON_AddStringToObject(o, "slot", e->slot >= 0 ? st->slot[e->slot].name : "");
		cJSON_AddBoolToObject(o, "ready", e->ready);
		cJSON_AddItemToArray(eps, o);
	}
	cJSON *warns = cJSON_AddArrayToObject(root, "warnings");
	for (size_t i = 0; i < st->nwarnings; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "severity", st->warnings[i].critical ? "critical" : "warning");
		cJSON_AddStringToObject(o, "text", st->warnings[i].text);
		cJSON_AddItemToArray(warns, o);
	}
	if (st->updated_ms)
		cJSON_AddNumberToObject(root, "age_ms", (double)(now_ms - st->updated_ms));
	else
		cJSON_AddNullToObject(root, "age_ms");
	cJSON_AddStringToObject(root, "last_error", st->last_error);
	char *out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

/* ---- the phase after a rollback, from the timeline ---- */

/* The run's last event carries {"outcome":N,...}; its first one carries the
 * plan ({"strategy":...,"to":...}), written by rollback_exec.c. */
bool slots_last_rollback(const struct timeline_event *ev, size_t n, struct slots_rollback *out)
{
	bool have_final = false;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		const struct timeline_event *e = &ev[i];
		if (strcmp(e->kind, "rollback") != 0 || !e->detail_json)
			continue;
		cJSON *d = cJSON_Parse(e->detail_json);
		if (!cJSON_IsObject(d)) {
			cJSON_Delete(d);
			continue;
		}
		const cJSON *outcome = cJSON_GetObjectItemCaseSensitive(d, "outcome");
		if (!have_final) {
			/* only a verified run moved traffic where it says */
			if (cJSON_IsNumber(outcome) && outcome->valueint == ROLLBACK_VERIFIED) {
				have_final = true;
				out->wall_ms = e->ts_ms;
			}
		} else if (json_str(d, "strategy") && json_str(d, "to")) {
			text_copy(out->to, sizeof out->to, json_str(d, "to"));
			text_copy(out->from, sizeof out->from, json_str(d, "from"));
			text_copy(out->strategy, sizeof out->strategy, json_str(d, "strategy"));
			text_copy(out->by, sizeof out->by, e->actor);
			out->revision = (long)json_ll(d, "target_revision", 0);
			out->found = out->to[0] != '\0';
			cJSON_Delete(d);
			return out->found;
		}
		cJSON_Delete(d);
	}
	return false;
}

bool slots_rollback_phase(const struct slots_state *st, const struct slots_rollback *rb, int64_t now_wall_ms,
                          char *buf, size_t len)
{
	if (!rb->found || st->active < 0 || strcmp(st->slot[st->active].name, rb->to) != 0)
		return false;
	const struct slots_slot *a = &st->slot[st->active];
	/* a rollout of the active slot after the rollback is a new deployment
	 * (a minute of grace: rollout undo finishes just before it is verified) */
	if (a->progress_wall_ms > rb->wall_ms + 60000)
		return false;
	/* once the standby is back at 0 it is an ordinary steady state again */
	if (st->phase == SLOTS_PHASE_STEADY && now_wall_ms - rb->wall_ms >= SLOTS_MONITOR_MS)
		return false;
	time_t t = (time_t)(rb->wall_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	char rev[24] = "";
	if (rb->revision > 0)
		snprintf(rev, sizeof rev, " r%ld", rb->revision);
	snprintf(buf, len, "ROLLED BACK to %s%s at %02d:%02dZ by %s", rb->to, rev, tm.tm_hour, tm.tm_min,
	         rb->by[0] ? rb->by : "?");
	return true;
}
