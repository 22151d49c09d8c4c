/* Alertmanager API v2: firing alerts into the model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/alertmgr.h"
#include "warroom/config.h"
#include "warroom/endpoint.h"
#include "warroom/http.h"
#include "warroom/loop.h"
#include "warroom/policy.h"
#include "warroom/source.h"
#include "warroom/text.h"

static const char *label(const cJSON *labels, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* "name=value" lines, whole labels only: a cut one would be a wrong value. */
static void labels_text(char *buf, size_t len, const cJSON *labels)
{
	const cJSON *l;
	size_t used = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(l, labels) {
		int n;

		if (!cJSON_IsString(l) || !l->string || strchr(l->valuestring, '\n'))
			continue;
		n = snprintf(buf + used, len - used, "%s=%s\n", l->string, l->valuestring);
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0';
			continue;
		}
		used += (size_t)n;
	}
}

static bool critical(const struct config *cfg, const char *sev)
{
	return policy_severity_is_critical(cfg, sev);
}

int64_t alertmgr_parse_time(const char *s)
{
	return text_parse_time(s);
}

static bool before(const struct config *cfg, const struct model_alert *x, const struct model_alert *y)
{
	bool cx = critical(cfg, x->severity), cy = critical(cfg, y->severity);

	if (cx != cy)
		return cx;
	return x->since_wall_ms < y->since_wall_ms;
}

/* Critical first, then the oldest. An insertion sort: the policy is the
 * comparison's context, which qsort has no room for, and n is small. */
static void sort_alerts(const struct config *cfg, struct model_alert *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct model_alert x = a[i];
		size_t j = i;

		for (; j > 0 && before(cfg, &x, &a[j - 1]); j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

int alertmgr_parse_alerts(const char *json, size_t len, const struct config *cfg, struct model_alerts *out,
                          char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	const cJSON *al;
	struct model_alerts tmp;

	if (!cJSON_IsArray(root)) {
		snprintf(err, errlen, "Alertmanager answered with something that is not a list of alerts");
		cJSON_Delete(root);
		return -1;
	}
	memset(&tmp, 0, sizeof tmp);
	cJSON_ArrayForEach(al, root) {
		const cJSON *labels = cJSON_GetObjectItemCaseSensitive(al, "labels");
		const cJSON *ann = cJSON_GetObjectItemCaseSensitive(al, "annotations");
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(al, "status"), "state");
		const cJSON *starts = cJSON_GetObjectItemCaseSensitive(al, "startsAt");
		const char *sev = label(labels, "severity");
		struct model_alert *a;

		if (cJSON_IsString(st) && strcmp(st->valuestring, "active") != 0)
			continue;   /* suppressed or unprocessed: not firing for the operator */
		tmp.total++;
		if (critical(cfg, sev))
			tmp.critical++;
		else if (strcmp(sev, "warning") == 0)
			tmp.warning++;
		if (tmp.n == MODEL_ALERTS) {
			/* keep the critical ones when there are too many to show */
			if (!critical(cfg, sev))
				continue;
			sort_alerts(cfg, tmp.a, tmp.n);
			if (critical(cfg, tmp.a[tmp.n - 1].severity))
				continue;
			tmp.n--;
		}
		a = &tmp.a[tmp.n++];
		snprintf(a->name, sizeof a->name, "%s", label(labels, "alertname"));
		snprintf(a->severity, sizeof a->severity, "%s", sev[0] ? sev : "none");
		snprintf(a->group, sizeof a->group, "%s", label(labels, "group"));
		snprintf(a->summary, sizeof a->summary, "%s", label(ann, "summary")[0] ? label(ann, "summary") :
		         label(ann, "description"));
		a->since_wall_ms = cJSON_IsString(starts) ? alertmgr_parse_time(starts->valuestring) : 0;
		snprintf(a->runbook_url, sizeof a->runbook_url, "%s", label(ann, "runbook_url"));
		labels_text(a->labels, sizeof a->labels, labels);
	}
	cJSON_Delete(root);
	sort_alerts(cfg, tmp.a, tmp.n);
	tmp.updated_ms = out->updated_ms;
	*out = tmp;
	return 0;
}

struct alertmgr {
	const struct config *cfg;   /* which severities are critical */
	struct http *http;
	struct source *src;
	struct endpoint ep;
	struct model_alerts *out;
	alertmgr_fn fn;
	void *arg;
	uint64_t id;              /* the request in flight */
	bool closing;
};

static const char *const alerts_query[] = {
	"active", "true", "silenced", "false", "inhibited", "false", NULL,
};

/* The start of an error body on one line (Alertmanager's are bare strings). */
static void body_words(char *buf, size_t len, const char *body)
{
	size_t o = 0;

	for (; body && *body && o + 4 < len && o < 80; body++)
		buf[o++] = (unsigned char)*body < 0x20 ? ' ' : *body;
	while (o && ((unsigned char)buf[o - 1] & 0xC0) == 0x80)
		o--;   /* no half UTF-8 sequence at the end */
	if (o && (unsigned char)buf[o - 1] >= 0xC0)
		o--;
	buf[o] = '\0';
}

static void poll_done(const struct http_resp *r, void *arg)
{
	struct alertmgr *am = arg;
	char err[300] = "", words[96];
	bool ok = false;

	am->id = 0;
	if (am->closing) {
		source_round_done(am->src, false, "stopped");   /* dropped: the source is stopped */
		return;
	}
	if (r->err != HTTP_OK) {
		snprintf(err, sizeof err, "Alertmanager: %s", r->errmsg);
	} else if (r->status != 200) {
		body_words(words, sizeof words, r->body);
		snprintf(err, sizeof err, "Alertmanager answered HTTP %ld%s%s", r->status, words[0] ? ": " : "", words);
	} else {
		ok = alertmgr_parse_alerts(r->body, r->len, am->cfg, am->out, err, sizeof err) == 0;
	}
	if (ok)
		am->out->updated_ms = loop_now_ms();
	source_round_done(am->src, ok, err);
	if (am->fn)
		am->fn(ok, err, am->arg);
}

static void poll_start(struct source *src, void *arg)
{
	struct alertmgr *am = arg;
	char err[300];

	am->id = endpoint_get(&am->ep, am->http, "/api/v2/alerts", alerts_query, poll_done, am, err, sizeof err);
	if (!am->id)
		source_round_done(src, false, err);
}

struct alertmgr *alertmgr_new(struct loop *loop, struct http *http, const struct config *cfg,
                              struct model_alerts *out, alertmgr_fn fn, void *arg, char *err, size_t errlen)
{
	struct alertmgr *am = calloc(1, sizeof *am);
	const struct config_endpoint *ep = &cfg->alertmanager;

	if (!am) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (endpoint_init(&am->ep, "Alertmanager", ep, 5000, 8u << 20, err, errlen) != 0) {
		free(am);
		return NULL;
	}
	am->src = source_new(loop, "alerts", poll_start, am);
	if (!am->src) {
		endpoint_free(&am->ep);
		free(am);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	am->cfg = cfg;
	am->http = http;
	am->out = out;
	am->fn = fn;
	am->arg = arg;
	return am;
}

void alertmgr_start(struct alertmgr *am, int refresh_ms)
{
	source_start(am->src, refresh_ms);
}

void alertmgr_refresh(struct alertmgr *am)
{
	source_refresh(am->src);
}

struct source *alertmgr_source(struct alertmgr *am)
{
	return am->src;
}

int alertmgr_set_connect_to(struct alertmgr *am, const char *connect_to)
{
	return endpoint_set_connect_to(&am->ep, connect_to);
}

void alertmgr_stop(struct alertmgr *am)
{
	if (!am)
		return;
	am->closing = true;
	source_stop(am->src);
}

void alertmgr_free(struct alertmgr *am)
{
	if (!am)
		return;
	if (am->id)
		http_forget(am->http, am->id);   /* its answer must not find us */
	source_free(am->src);
	endpoint_free(&am->ep);
	free(am);
}
