/* Alertmanager API v2: firing alerts into the model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/alertmgr.h"
#include "warroom/config.h"
#include "warroom/http.h"
#include "warroom/loop.h"
#include "warroom/policy.h"
#include "warroom/text.h"

static const char *label(const cJSON *labels, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, name);

	return cJSON_IsString(v) ? v->valuestring : "";
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
	}
	cJSON_Delete(root);
	sort_alerts(cfg, tmp.a, tmp.n);
	tmp.updated_ms = out->updated_ms;
	*out = tmp;
	return 0;
}

struct alertmgr {
	struct loop *loop;
	const struct config *cfg;   /* which severities are critical */
	struct http *http;
	struct model_alerts *out;
	alertmgr_fn fn;
	void *arg;
	char url[600];
	char ca_file[512];
	char token[4096];
	bool insecure;
	long timeout_ms;
	uint64_t timer;
	bool busy, again, closing;
};

static void poll_start(struct alertmgr *am);

static void poll_done(const struct http_resp *r, void *arg)
{
	struct alertmgr *am = arg;
	char err[300] = "";
	bool ok = false;

	am->busy = false;
	if (am->closing)
		return;
	if (r->err != HTTP_OK)
		snprintf(err, sizeof err, "%s", r->errmsg);
	else if (r->status != 200)
		snprintf(err, sizeof err, "Alertmanager answered HTTP %ld", r->status);
	else
		ok = alertmgr_parse_alerts(r->body, r->len, am->cfg, am->out, err, sizeof err) == 0;
	if (ok)
		am->out->updated_ms = loop_now_ms();
	if (am->fn)
		am->fn(ok, err, am->arg);
	if (am->again) {
		am->again = false;
		poll_start(am);
	}
}

static void poll_start(struct alertmgr *am)
{
	struct http_req req = { 0 };

	if (am->closing)
		return;
	if (am->busy) {
		am->again = true;
		return;
	}
	req.url = am->url;
	req.bearer_token = am->token[0] ? am->token : NULL;
	req.timeout_ms = am->timeout_ms;
	req.max_bytes = 8u << 20;
	req.ca_file = am->ca_file[0] ? am->ca_file : NULL;
	req.insecure = am->insecure;
	am->busy = http_request(am->http, &req, poll_done, am) != 0;
}

static void on_timer(struct loop *loop, void *arg)
{
	poll_start(arg);
}

struct alertmgr *alertmgr_new(struct loop *loop, struct http *http, const struct config *cfg,
                              struct model_alerts *out, alertmgr_fn fn, void *arg, char *err, size_t errlen)
{
	struct alertmgr *am = calloc(1, sizeof *am);
	const struct config_endpoint *ep = &cfg->alertmanager;
	size_t n;

	if (!am) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	am->loop = loop;
	am->cfg = cfg;
	am->http = http;
	am->out = out;
	am->fn = fn;
	am->arg = arg;
	snprintf(am->url, sizeof am->url, "%s", ep->url);
	for (n = strlen(am->url); n && am->url[n - 1] == '/'; n--)
		am->url[n - 1] = '\0';
	snprintf(am->url + n, sizeof am->url - n, "/api/v2/alerts?active=true&silenced=false&inhibited=false");
	snprintf(am->ca_file, sizeof am->ca_file, "%s", ep->ca_file);
	am->insecure = ep->insecure;
	am->timeout_ms = ep->timeout_ms > 0 ? ep->timeout_ms : 5000;
	if ((ep->token_file[0] || ep->token_env[0]) && config_read_secret(ep, am->token, sizeof am->token) != 0) {
		snprintf(err, errlen, "alertmanager: cannot read its token (token_file or token_env)");
		free(am);
		return NULL;
	}
	return am;
}

void alertmgr_start(struct alertmgr *am, int refresh_ms)
{
	if (am->timer)
		loop_timer_cancel(am->loop, am->timer);
	am->timer = loop_timer_add(am->loop, 0, refresh_ms > 0 ? refresh_ms : 2000, on_timer, am);
}

void alertmgr_refresh(struct alertmgr *am)
{
	poll_start(am);
}

void alertmgr_stop(struct alertmgr *am)
{
	if (!am)
		return;
	am->closing = true;
	if (am->timer)
		loop_timer_cancel(am->loop, am->timer);
	am->timer = 0;
}

void alertmgr_free(struct alertmgr *am)
{
	if (!am)
		return;
	alertmgr_stop(am);
	memset(am->token, 0, sizeof am->token);
	free(am);
}
