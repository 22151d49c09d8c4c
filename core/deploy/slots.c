/* slots — parse the API's Service, Deployments, Pods and EndpointSlices into
 * the blue-green slots, and derive what the operator must see: where traffic
 * goes, and warnings. Where a deployment stands is the deployment model's
 * (core/deploy/deploy.c). No I/O here (see slots_poll.c). */
#include "warroom/slots.h"
#include "warroom/config.h"
#include "warroom/text.h"
#include "warroom/json.h"

#include <cJSON.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	if (cfg->kube.rollout[0]) {   /* the slots come from the Rollout (slots_rollout_setup) */
		text_copy(st->rollout.name, sizeof st->rollout.name, cfg->kube.rollout);
		memset(st->slot, 0, sizeof st->slot);
		st->nslots = 2;
	}
	st->active = -1;
	st->health = SLOTS_HEALTH_UNKNOWN;
}

/* A slot's pods: the service's selector (else the Deployments' matchLabels)
 * with the slot label set to this slot; malloc'd, "" when there is nothing to
 * select by, NULL when out of memory. */
char *slots_pod_selector(const struct slots_state *st, int slot)
{
	const char *src = st->service_found && st->selector[0] ? st->selector : NULL;
	for (int i = 0; i < st->nslots && !src; i++)
		if (st->slot[i].found && st->slot[i].match_labels[0])
			src = st->slot[i].match_labels;
	if (!src)
		return strdup("");
	bool bg = st->nslots == 2;
	size_t kl = strlen(st->slot_label);
	size_t cap = strlen(src) + kl + strlen(st->slot[slot].name) + 4;
	char *sel = malloc(cap), *buf = strdup(src);
	if (!sel || !buf) {
		free(sel);
		free(buf);
		return NULL;
	}
	size_t n = 0;
	char *save = NULL;
	sel[0] = '\0';
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (bg && strncmp(t, st->slot_label, kl) == 0 && t[kl] == '=')
			continue;
		n += (size_t)snprintf(sel + n, cap - n, "%s%s", n ? "," : "", t);
	}
	if (bg)
		snprintf(sel + n, cap - n, "%s%s=%s", n ? "," : "", st->slot_label, st->slot[slot].name);
	free(buf);
	return sel;
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

/* The managedFields entry that owns spec.selector: its manager, and its time
 * (when that manager last changed a field it owns; the selector is atomic). */
static void selector_manager(struct slots_state *st, const cJSON *mf)
{
	const cJSON *e;

	st->selector_set_wall_ms = 0;
	st->selector_manager[0] = '\0';
	cJSON_ArrayForEach(e, mf) {
		const cJSON *spec = json_get(json_get(e, "fieldsV1"), "f:spec");
		const char *sub = json_str(e, "subresource");

		if (!json_get(spec, "f:selector") || (sub && *sub))
			continue;
		st->selector_set_wall_ms = text_parse_time(json_str(e, "time"));
		text_copy(st->selector_manager, sizeof st->selector_manager, json_str(e, "manager"));
	}
}

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
	selector_manager(st, json_get(json_get(root, "metadata"), "managedFields"));
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
			if (type && cs && strcmp(type, "Ready") == 0) {
				p->ready = strcmp(cs, "True") == 0;
				p->ready_changed_wall_ms = text_parse_time(json_str(c, "lastTransitionTime"));
			}
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
		bool wrong_slot = blue_green(st) && st->active >= 0 && e->slot != st->active &&
		                  !(st->rollout.canary && e->slot >= 0);
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

bool slots_standby_newer(const struct slots_state *st)
{
	int sb = slots_standby(st);
	const struct slots_slot *a, *s;

	if (sb < 0)
		return false;
	a = &st->slot[st->active];
	s = &st->slot[sb];
	return s->found && s->desired > 0 && s->progress_wall_ms > a->progress_wall_ms;
}

void slots_derive(struct slots_state *st)
{
	st->nwarnings = 0;
	st->active = -1;
	st->both = false;
	if (st->service_found) {
		if (!blue_green(st))
			st->active = st->nslots == 1 ? 0 : -1;
		else if (!st->selector_slot[0] && st->rollout.canary)
			st->active = 0;   /* a canary without routing: the stable set, the canary beside it */
		else if (!st->selector_slot[0])
			st->both = true;
		else
			st->active = slots_index(st, st->selector_slot);
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
		if (!s->found && !(st->active == i) && s->name[0])
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
	cJSON_AddBoolToObject(root, "live", st->live);
	if (st->watch_note[0])
		cJSON_AddStringToObject(root, "watch_note", st->watch_note);
	if (st->active_seen_wall_ms)
		cJSON_AddNumberToObject(root, "active_seen_ms", (double)st->active_seen_wall_ms);
	if (st->selector_set_wall_ms) {
		cJSON_AddNumberToObject(root, "selector_set_ms", (double)st->selector_set_wall_ms);
		cJSON_AddStringToObject(root, "selector_manager", st->selector_manager);
	}
	cJSON *slots = cJSON_AddArrayToObject(root, "slots");
	for (int i = 0; i < st->nslots; i++) {
		const struct slots_slot *s = &st->slot[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", s->name);
		if (s->role[0])
			cJSON_AddStringToObject(o, "role", s->role);
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
	if (st->rollout.name[0])
		cJSON_AddItemToObject(root, "rollout", rollout_to_cjson(&st->rollout, now_ms));
	if (st->updated_ms)
		cJSON_AddNumberToObject(root, "age_ms", (double)(now_ms - st->updated_ms));
	else
		cJSON_AddNullToObject(root, "age_ms");
	cJSON_AddStringToObject(root, "last_error", st->last_error);
	char *out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}
