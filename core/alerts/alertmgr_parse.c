/* Alertmanager API v2 in full: alerts with their labels, annotations and
 * state, groups and silences, merged over the Alertmanagers of an HA pair. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "warroom/alertmgr.h"
#include "warroom/policy.h"
#include "warroom/text.h"

static const char *str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

/* One line of valid UTF-8; true when it had to be cut. */
static bool put(char *dst, size_t len, const char *src)
{
	text_one_line(dst, len, src);
	text_fix_utf8(dst);
	return strlen(src) >= len;
}

/* 0 critical, 1 warning, 2 info, 3 another label, 4 none. */
static int alertmgr_severity_rank(const struct config *cfg, const char *sev)
{
	if (!sev || !*sev || strcmp(sev, "none") == 0)
		return 4;
	if (policy_severity_is_critical(cfg, sev))
		return 0;
	if (strcasecmp(sev, "warning") == 0 || strcasecmp(sev, "warn") == 0)
		return 1;
	if (strcasecmp(sev, "info") == 0)
		return 2;
	return 3;
}

const char *alertmgr_state_name(enum model_am_state st)
{
	switch (st) {
	case AM_ACTIVE: return "firing";
	case AM_PENDING: return "pending";
	case AM_UNPROCESSED: return "unprocessed";
	case AM_SUPPRESSED: return "suppressed";
	}
	return "?";
}

const char *alertmgr_label(const struct model_am_alert *a, const char *name)
{
	for (size_t i = 0; i < a->nlabels; i++)
		if (strcmp(a->labels[i].name, name) == 0)
			return a->labels[i].value;
	return "";
}

const struct model_silence *alertmgr_find_silence(const struct model_am *am, const char *id)
{
	for (size_t i = 0; am && i < am->nsilences; i++)
		if (strcmp(am->silences[i].id, id) == 0)
			return &am->silences[i];
	return NULL;
}

static int by_name(const void *x, const void *y)
{
	return strcmp(((const struct model_label *)x)->name, ((const struct model_label *)y)->name);
}

/* Alertmanager's own fingerprint is a hash of the label set; an answer
 * without one (a proxy, an old version) gets ours, over the sorted labels. */
static void fingerprint_of(struct model_am_alert *a)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < a->nlabels; i++) {
		for (const char *p = a->labels[i].name; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;
		for (const char *p = a->labels[i].value; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		h = (h ^ 0xfe) * 1099511628211ull;
	}
	snprintf(a->fingerprint, sizeof a->fingerprint, "~%016llx", (unsigned long long)h);
}

static void refs(const cJSON *arr, char (*out)[48], size_t max, size_t *n)
{
	const cJSON *v;

	*n = 0;
	cJSON_ArrayForEach(v, arr) {
		if (*n == max)
			break;
		if (cJSON_IsString(v) && v->valuestring[0])
			put(out[(*n)++], 48, v->valuestring);
	}
}

/* One alert object into a; false when it is not one. */
bool alertmgr_read_alert(const cJSON *al, const struct config *cfg, struct model_am_alert *a)
{
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(al, "labels");
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(al, "annotations");
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(al, "status");
	const cJSON *kv;
	const char *st, *summary;

	if (!cJSON_IsObject(al) || !cJSON_IsObject(labels))
		return false;
	memset(a, 0, sizeof *a);
	cJSON_ArrayForEach(kv, labels) {
		struct model_label *l;

		if (!cJSON_IsString(kv) || !kv->string || a->nlabels == MODEL_AM_LABELS)
			continue;
		l = &a->labels[a->nlabels++];
		l->cut = put(l->name, sizeof l->name, kv->string);
		l->cut |= put(l->value, sizeof l->value, kv->valuestring);
	}
	qsort(a->labels, a->nlabels, sizeof a->labels[0], by_name);
	cJSON_ArrayForEach(kv, ann) {
		struct model_annotation *n;

		if (!cJSON_IsString(kv) || !kv->string || a->nannotations == MODEL_AM_ANNOTATIONS)
			continue;
		n = &a->annotations[a->nannotations++];
		n->cut = put(n->name, sizeof n->name, kv->string);
		n->cut |= put(n->value, sizeof n->value, kv->valuestring);
	}
	put(a->name, sizeof a->name, alertmgr_label(a, "alertname"));
	if (!a->name[0])
		snprintf(a->name, sizeof a->name, "(no alertname)");
	put(a->severity, sizeof a->severity, alertmgr_label(a, "severity")[0] ? alertmgr_label(a, "severity") : "none");
	a->sev_rank = alertmgr_severity_rank(cfg, a->severity);
	put(a->fingerprint, sizeof a->fingerprint, str(al, "fingerprint"));
	if (!a->fingerprint[0])
		fingerprint_of(a);
	summary = str(ann, "summary")[0] ? str(ann, "summary") : str(ann, "description");
	put(a->summary, sizeof a->summary, summary);
	if (strncmp(str(al, "generatorURL"), "http", 4) == 0)
		put(a->generator_url, sizeof a->generator_url, str(al, "generatorURL"));
	if (strncmp(str(ann, "runbook_url"), "http", 4) == 0)
		put(a->runbook_url, sizeof a->runbook_url, str(ann, "runbook_url"));
	else if (strncmp(str(ann, "runbook"), "http", 4) == 0)
		put(a->runbook_url, sizeof a->runbook_url, str(ann, "runbook"));
	a->since_wall_ms = text_parse_time(str(al, "startsAt"));
	a->ends_wall_ms = text_parse_time(str(al, "endsAt"));
	st = str(status, "state");
	a->state = strcmp(st, "suppressed") == 0 ? AM_SUPPRESSED : strcmp(st, "unprocessed") == 0 ? AM_UNPROCESSED :
	           AM_ACTIVE;
	refs(cJSON_GetObjectItemCaseSensitive(status, "silencedBy"), a->silenced_by, MODEL_AM_REFS, &a->nsilenced);
	refs(cJSON_GetObjectItemCaseSensitive(status, "inhibitedBy"), a->inhibited_by, MODEL_AM_REFS,
	     &a->ninhibited);
	{
		const cJSON *v;

		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(status, "mutedBy")) {
			if (a->nmuted < MODEL_AM_REFS && cJSON_IsString(v) && v->valuestring[0])
				put(a->muted_by[a->nmuted++], sizeof a->muted_by[0], v->valuestring);
		}
	}
	return true;
}

static int rank_cmp(const struct model_am_alert *x, const struct model_am_alert *y)
{
	int sx = x->state == AM_UNPROCESSED ? AM_PENDING : (int)x->state;
	int sy = y->state == AM_UNPROCESSED ? AM_PENDING : (int)y->state;

	if (sx != sy)
		return sx - sy;
	if (x->sev_rank != y->sev_rank)
		return x->sev_rank - y->sev_rank;
	if (x->since_wall_ms != y->since_wall_ms)
		return x->since_wall_ms < y->since_wall_ms ? -1 : 1;
	if (strcmp(x->name, y->name) != 0)
		return strcmp(x->name, y->name);
	return strcmp(x->fingerprint, y->fingerprint);
}

static int alert_cmp(const void *x, const void *y)
{
	return rank_cmp(x, y);
}

static int silence_cmp(const void *x, const void *y)
{
	const struct model_silence *a = x, *b = y;

	if (a->state != b->state)
		return (int)a->state - (int)b->state;
	if (a->ends_wall_ms != b->ends_wall_ms)
		return a->ends_wall_ms > b->ends_wall_ms ? -1 : 1;
	return strcmp(a->id, b->id);
}

void alertmgr_sort(struct model_am *am)
{
	qsort(am->a, am->n, sizeof am->a[0], alert_cmp);
	qsort(am->silences, am->nsilences, sizeof am->silences[0], silence_cmp);
}

/* A place for a new alert: a free slot, or the least urgent one when the
 * list is full and the new one is more urgent (a flood of warnings must not
 * push a critical alert off the list). NULL: leave the new one out. */
static struct model_am_alert *slot_for(struct model_am *am, const struct model_am_alert *a)
{
	size_t worst = 0;

	if (am->n < MODEL_AM_ALERTS)
		return &am->a[am->n++];
	for (size_t i = 1; i < am->n; i++)
		if (rank_cmp(&am->a[i], &am->a[worst]) > 0)
			worst = i;
	return rank_cmp(a, &am->a[worst]) < 0 ? &am->a[worst] : NULL;
}

static struct model_am_alert *find_mut(struct model_am *am, const char *fp)
{
	for (size_t i = 0; i < am->n; i++)
		if (strcmp(am->a[i].fingerprint, fp) == 0)
			return &am->a[i];
	return NULL;
}

/* The same alert from the other of an HA pair: one entry, the union of what
 * suppresses it (gossip may lag on one side). */
static void merge(struct model_am_alert *have, const struct model_am_alert *a)
{
	for (size_t i = 0; i < a->nsilenced && have->nsilenced < MODEL_AM_REFS; i++) {
		bool seen = false;

		for (size_t j = 0; j < have->nsilenced; j++)
			seen |= strcmp(have->silenced_by[j], a->silenced_by[i]) == 0;
		if (!seen)
			memcpy(have->silenced_by[have->nsilenced++], a->silenced_by[i], sizeof a->silenced_by[i]);
	}
	for (size_t i = 0; i < a->ninhibited && have->ninhibited < MODEL_AM_REFS; i++) {
		bool seen = false;

		for (size_t j = 0; j < have->ninhibited; j++)
			seen |= strcmp(have->inhibited_by[j], a->inhibited_by[i]) == 0;
		if (!seen)
			memcpy(have->inhibited_by[have->ninhibited++], a->inhibited_by[i], sizeof a->inhibited_by[i]);
	}
	if (a->state == AM_SUPPRESSED)
		have->state = AM_SUPPRESSED;
	if (a->since_wall_ms && (!have->since_wall_ms || a->since_wall_ms < have->since_wall_ms))
		have->since_wall_ms = a->since_wall_ms;
	have->from |= a->from;
}

bool alertmgr_add_alert(struct model_am *am, const struct model_am_alert *a)
{
	struct model_am_alert *have = find_mut(am, a->fingerprint), *slot;

	if (have) {
		merge(have, a);
		return true;
	}
	am->total++;
	slot = slot_for(am, a);
	if (slot)
		*slot = *a;
	return slot != NULL;
}

int alertmgr_parse_all(const char *json, size_t len, const struct config *cfg, unsigned src, struct model_am *am,
                       char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	const cJSON *al;
	struct model_am_alert *a = malloc(sizeof *a);

	if (!a || !cJSON_IsArray(root)) {
		snprintf(err, errlen, a ? "Alertmanager answered with something that is not a list of alerts" :
		         "out of memory");
		cJSON_Delete(root);
		free(a);
		return -1;
	}
	cJSON_ArrayForEach(al, root) {
		if (!alertmgr_read_alert(al, cfg, a))
			continue;
		a->from = 1u << (src % MODEL_AM_SOURCES);
		alertmgr_add_alert(am, a);
	}
	cJSON_Delete(root);
	free(a);
	return 0;
}

static void group_labels(const cJSON *labels, char *out, size_t len)
{
	const cJSON *kv;
	char buf[512];
	size_t o = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(kv, labels) {
		char one[200];

		if (!cJSON_IsString(kv) || !kv->string)
			continue;
		snprintf(one, sizeof one, "%s%s=%s", o ? ", " : "", kv->string, kv->valuestring);
		if (o + strlen(one) + 1 > sizeof buf)
			break;
		memcpy(buf + o, one, strlen(one) + 1);
		o += strlen(one);
	}
	put(out, len, buf);
}

int alertmgr_parse_groups(const char *json, size_t len, struct model_am *am, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	const cJSON *g;

	if (!cJSON_IsArray(root)) {
		snprintf(err, errlen, "Alertmanager answered with something that is not a list of alert groups");
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(g, root) {
		char labels[160], receiver[64];
		struct model_am_group *grp = NULL;
		const cJSON *al;

		if (!cJSON_IsObject(g))
			continue;
		group_labels(cJSON_GetObjectItemCaseSensitive(g, "labels"), labels, sizeof labels);
		put(receiver, sizeof receiver, str(cJSON_GetObjectItemCaseSensitive(g, "receiver"), "name"));
		for (size_t i = 0; i < am->ngroups && !grp; i++)
			if (strcmp(am->groups[i].labels, labels) == 0 && strcmp(am->groups[i].receiver, receiver) == 0)
				grp = &am->groups[i];
		if (!grp && am->ngroups < MODEL_AM_GROUPS) {
			grp = &am->groups[am->ngroups++];
			memset(grp, 0, sizeof *grp);
			memcpy(grp->labels, labels, sizeof labels);
			memcpy(grp->receiver, receiver, sizeof receiver);
		} else if (grp) {
			continue;   /* the other of an HA pair: counted already */
		}
		cJSON_ArrayForEach(al, cJSON_GetObjectItemCaseSensitive(g, "alerts")) {
			struct model_am_alert *a = find_mut(am, str(al, "fingerprint"));
			const char *st = str(cJSON_GetObjectItemCaseSensitive(al, "status"), "state");

			if (!cJSON_IsObject(al))
				continue;
			if (grp) {
				grp->nalerts++;
				grp->nactive += strcmp(st, "active") == 0;
			}
			if (a && !a->group[0]) {
				memcpy(a->group, labels, sizeof a->group);
				memcpy(a->receiver, receiver, sizeof a->receiver);
			}
		}
	}
	cJSON_Delete(root);
	return 0;
}

static bool read_matcher(const cJSON *o, struct model_am_matcher *m)
{
	const cJSON *re = cJSON_GetObjectItemCaseSensitive(o, "isRegex");
	const cJSON *eq = cJSON_GetObjectItemCaseSensitive(o, "isEqual");

	if (!cJSON_IsObject(o) || !str(o, "name")[0])
		return false;
	put(m->name, sizeof m->name, str(o, "name"));
	put(m->value, sizeof m->value, str(o, "value"));
	m->is_regex = cJSON_IsTrue(re);
	m->is_equal = !cJSON_IsFalse(eq);   /* before 0.22 there was no isEqual: equal */
	return true;
}

int alertmgr_parse_silences(const char *json, size_t len, unsigned src, struct model_am *am,
                            char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	const cJSON *s;

	if (!cJSON_IsArray(root)) {
		snprintf(err, errlen, "Alertmanager answered with something that is not a list of silences");
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(s, root) {
		struct model_silence sil, *have = NULL;
		const char *st = str(cJSON_GetObjectItemCaseSensitive(s, "status"), "state");
		const cJSON *m;

		if (!cJSON_IsObject(s) || !str(s, "id")[0])
			continue;
		memset(&sil, 0, sizeof sil);
		put(sil.id, sizeof sil.id, str(s, "id"));
		sil.state = strcmp(st, "active") == 0 ? SIL_ACTIVE : strcmp(st, "pending") == 0 ? SIL_PENDING :
		            SIL_EXPIRED;
		cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(s, "matchers"))
			if (sil.nm < MODEL_AM_MATCHERS && read_matcher(m, &sil.m[sil.nm]))
				sil.nm++;
		put(sil.created_by, sizeof sil.created_by, str(s, "createdBy"));
		put(sil.comment, sizeof sil.comment, str(s, "comment"));
		sil.starts_wall_ms = text_parse_time(str(s, "startsAt"));
		sil.ends_wall_ms = text_parse_time(str(s, "endsAt"));
		sil.from = 1u << (src % MODEL_AM_SOURCES);
		for (size_t i = 0; i < am->nsilences && !have; i++)
			if (strcmp(am->silences[i].id, sil.id) == 0)
				have = &am->silences[i];
		if (have) {
			have->from |= sil.from;
			continue;
		}
		if (am->nsilences < MODEL_AM_SILENCES) {
			am->silences[am->nsilences++] = sil;
		} else if (sil.state != SIL_EXPIRED) {
			/* a full list keeps the live ones: an expired silence gives way */
			for (size_t i = 0; i < am->nsilences; i++)
				if (am->silences[i].state == SIL_EXPIRED) {
					am->silences[i] = sil;
					break;
				}
		}
	}
	cJSON_Delete(root);
	return 0;
}

/* Alertmanager lists an alert until it resolves: a silenced one it lists
 * is still firing. Counted once per name, as the overview names them. */
static void silenced_name(struct model_alerts *out, const char *name)
{
	size_t n = strlen(out->silenced_names), len = strlen(name);
	const char *p = out->silenced_names;

	while ((p = strstr(p, name))) {
		if ((p == out->silenced_names || p[-1] == ' ') && (p[len] == ',' || p[len] == '\0'))
			return;   /* this name already */
		p += len;
	}
	out->silenced++;
	if (n + len + 3 < sizeof out->silenced_names)
		snprintf(out->silenced_names + n, sizeof out->silenced_names - n, "%s%s", n ? ", " : "", name);
	else if (n + 4 < sizeof out->silenced_names && strcmp(out->silenced_names + n - 3, "...") != 0)
		snprintf(out->silenced_names + n, sizeof out->silenced_names - n, "...");
}

/* "name=value" lines, as the light parser writes them: a runbook's
 * ALERT_<NAME> comes from these. Whole labels only: a value cut to the
 * model's size would be a wrong one, so it is left out. */
static void summary_labels(char *buf, size_t len, const struct model_am_alert *a)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < a->nlabels; i++) {
		const struct model_label *l = &a->labels[i];
		int n;

		if (l->cut)
			continue;
		n = snprintf(buf + used, len - used, "%s=%s\n", l->name, l->value);
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0';
			continue;
		}
		used += (size_t)n;
	}
}

void alertmgr_summarize(const struct model_am *am, const struct config *cfg, struct model_alerts *out)
{
	int64_t updated = out->updated_ms;

	memset(out, 0, sizeof *out);
	out->updated_ms = updated;
	/* am is sorted: active first, critical first, then the oldest */
	for (size_t i = 0; i < am->n; i++) {
		const struct model_am_alert *a = &am->a[i];
		struct model_alert *o;

		if (a->state == AM_SUPPRESSED && a->nsilenced) {
			silenced_name(out, a->name);
			continue;
		}
		if (a->state != AM_ACTIVE)
			continue;
		out->total++;
		if (a->sev_rank == 0)
			out->critical++;
		else if (strcmp(a->severity, "warning") == 0)
			out->warning++;
		if (out->n == MODEL_ALERTS)
			continue;
		o = &out->a[out->n++];
		text_copy(o->name, sizeof o->name, a->name);
		text_copy(o->severity, sizeof o->severity, a->severity);
		text_copy(o->group, sizeof o->group, alertmgr_label(a, "group"));
		text_copy(o->summary, sizeof o->summary, a->summary);
		o->since_wall_ms = a->since_wall_ms;
		summary_labels(o->labels, sizeof o->labels, a);
	}
	(void)cfg;
}
