/* slots_rollout — an Argo Rollout read as the two slots: its ReplicaSets by
 * pod-template hash (the label its Services select by), their counts and
 * versions, and what the Rollout itself warns of. The controller owns the
 * Services' selectors, so the slot the active (stable) Service selects is
 * the one traffic reaches, as for a Deployment pair. No I/O here. */
#include "warroom/slots.h"
#include "warroom/json.h"
#include "warroom/text.h"

#include <cJSON.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_slot(struct slots_slot *s, const char *hash, const char *role)
{
	memset(s, 0, sizeof *s);
	text_copy(s->name, sizeof s->name, hash);
	text_copy(s->role, sizeof s->role, hash && hash[0] ? role : "");
}

void slots_rollout_setup(struct slots_state *st)
{
	const struct rollout_state *ro = &st->rollout;
	text_copy(st->slot_label, sizeof st->slot_label, ROLLOUT_HASH_LABEL);
	st->nslots = 2;
	if (ro->canary) {
		set_slot(&st->slot[0], ro->stable_hash, "stable");
		bool other = ro->current_hash[0] && strcmp(ro->current_hash, ro->stable_hash) != 0;
		set_slot(&st->slot[1], other ? ro->current_hash : "", "canary");
	} else {
		const char *active = ro->active_hash[0] ? ro->active_hash : ro->stable_hash;
		set_slot(&st->slot[0], active, "active");
		bool other = ro->preview_hash[0] && strcmp(ro->preview_hash, active) != 0;
		set_slot(&st->slot[1], other ? ro->preview_hash : "", "preview");
	}
}

void slots_rollout_services(struct slots_state *st, char *other, size_t len)
{
	const struct rollout_state *ro = &st->rollout;
	const char *o = ro->canary ? ro->canary_service : ro->preview_service;

	if (!st->service[0])
		text_copy(st->service, sizeof st->service, ro->canary ? ro->stable_service : ro->active_service);
	text_copy(other, len, strcmp(o, st->service) != 0 ? o : "");
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

static void fill(struct slots_slot *s, const cJSON *rs)
{
	const cJSON *meta = json_get(rs, "metadata"), *spec = json_get(rs, "spec"), *status = json_get(rs, "status");
	s->found = true;
	text_copy(s->deployment, sizeof s->deployment, json_str(meta, "name"));
	s->desired = json_int(spec, "replicas", 1);
	s->replicas = json_int(status, "replicas", 0);
	s->ready = json_int(status, "readyReplicas", 0);
	s->available = json_int(status, "availableReplicas", 0);
	s->updated = s->replicas;
	s->generation = json_int(meta, "generation", 0);
	s->observed_generation = json_int(status, "observedGeneration", 0);
	const char *rev = json_str(json_get(meta, "annotations"), "rollout.argoproj.io/revision");
	s->revision = rev ? strtol(rev, NULL, 10) : 0;
	const cJSON *pod = json_get(json_get(spec, "template"), "spec");
	const cJSON *c0 = cJSON_GetArrayItem(json_get(pod, "containers"), 0);
	text_copy(s->image, sizeof s->image, json_str(c0, "image"));
	if (s->image[0])
		image_tag(s->image, s->tag, sizeof s->tag);
	s->progress_wall_ms = text_parse_time(json_str(meta, "creationTimestamp"));
	s->rollout_complete = s->ready >= s->desired && s->replicas <= s->desired;
	size_t n = 0;
	const cJSON *kv;
	cJSON_ArrayForEach(kv, json_get(json_get(spec, "selector"), "matchLabels"))
		if (cJSON_IsString(kv) && n < sizeof s->match_labels)
			n += (size_t)snprintf(s->match_labels + n, sizeof s->match_labels - n, "%s%s=%s",
			                      n ? "," : "", kv->string, kv->valuestring);
	if (n >= sizeof s->match_labels)
		s->match_labels[0] = '\0';
}

int slots_parse_replicasets(struct slots_state *st, const char *json, size_t len, char *err, size_t errlen)
{
	cJSON *root = json_parse_wire(json, len);
	const char *kind = json_str(root, "kind");
	if (!cJSON_IsObject(root) || (kind && strcmp(kind, "ReplicaSetList") != 0)) {
		text_errf(err, errlen, "expected a ReplicaSetList, got %s",
		          kind ? kind : "something that is not an object");
		cJSON_Delete(root);
		return -1;
	}
	const cJSON *rs, *previous = NULL;
	long prev_rev = 0;
	cJSON_ArrayForEach(rs, json_get(root, "items")) {
		const cJSON *meta = json_get(rs, "metadata");
		const char *hash = json_str(json_get(meta, "labels"), ROLLOUT_HASH_LABEL);
		if (!hash || !hash[0])
			continue;
		bool ours = false;
		for (int i = 0; i < st->nslots; i++)
			if (strcmp(st->slot[i].name, hash) == 0)
				fill(&st->slot[i], rs), ours = true;
		const char *rev = json_str(json_get(meta, "annotations"), "rollout.argoproj.io/revision");
		long r = rev ? strtol(rev, NULL, 10) : 0;
		if (!ours && json_int(json_get(rs, "status"), "replicas", 0) > 0 && r > prev_rev)
			previous = rs, prev_rev = r;
	}
	/* blue-green after a promotion: the set traffic left runs until its delay ends */
	if (!st->rollout.canary && !st->slot[1].name[0] && previous && prev_rev < st->slot[0].revision) {
		const char *hash = json_str(json_get(json_get(previous, "metadata"), "labels"), ROLLOUT_HASH_LABEL);
		set_slot(&st->slot[1], hash, "previous");
		fill(&st->slot[1], previous);
	}
	cJSON_Delete(root);
	return 0;
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

void slots_rollout_derive(struct slots_state *st)
{
	struct rollout_state *ro = &st->rollout;
	if (!ro->name[0])
		return;
	if (!ro->found) {
		warn(st, SLOTS_WARN_NO_DEPLOYMENT, true, "rollout %s not found in %s", ro->name, st->namespace_);
		if (st->health != SLOTS_OUTAGE)
			st->health = SLOTS_DEGRADED;
		return;
	}
	/* without traffic routing, a canary's share is its share of the ready pods */
	if (ro->canary && !ro->weight_reported) {
		int total = st->slot[0].ready + st->slot[1].ready;
		ro->weight = total > 0 && st->slot[1].name[0] ? st->slot[1].ready * 100 / total : 0;
	}
	if (ro->abort)
		warn(st, SLOTS_WARN_ROLLOUT, false, "rollout %s aborted%s%s", ro->name, ro->message[0] ? ": " : "",
		     ro->message);
	else if (ro->progress_deadline_exceeded)
		warn(st, SLOTS_WARN_ROLLOUT, false, "rollout %s stuck: ProgressDeadlineExceeded%s%s", ro->name,
		     ro->message[0] ? ": " : "", ro->message);
	else if (strcmp(ro->phase, "Degraded") == 0)
		warn(st, SLOTS_WARN_ROLLOUT, false, "rollout %s degraded%s%s", ro->name, ro->message[0] ? ": " : "",
		     ro->message);
	char why[200];
	rollout_failure_words(ro, why, sizeof why);
	if (why[0])
		warn(st, SLOTS_WARN_ANALYSIS, !ro->abort, "%s", why);
	if (st->health == SLOTS_HEALTHY && !ro->abort && why[0])
		st->health = SLOTS_DEGRADED;
}
