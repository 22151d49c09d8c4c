/* Prometheus instant queries and the golden-signals poller. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "warroom/config.h"
#include "warroom/http.h"
#include "warroom/kube.h"
#include "warroom/loop.h"
#include "warroom/prom.h"

#define PROM_TIMEOUT_MS 5000
#define PROM_MAX_BYTES (4u << 20)

struct prom {
	struct http *http;
	char url[512];
	char ca_file[512];
	char token[4096];
	bool insecure;
	long timeout_ms;
};

/* The seeds' verification queries, over one minute. */
static const char *const signal_query[MET_COUNT] = {
	[MET_RPS] = "sum(rate(http_requests_total[1m]))",
	[MET_ERRORS] = "sum(rate(http_requests_total{status=~\"5..\"}[1m])) / sum(rate(http_requests_total[1m]))",
	[MET_P95] = "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[1m])))",
	[MET_P99] = "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[1m])))",
	[MET_QUEUE] = "sum(offline_queue_depth)",
};

const char *prom_signal_query(enum metric_id id)
{
	return id < MET_COUNT ? signal_query[id] : "";
}

double prom_parse_number(const char *s)
{
	char *end;
	double v;

	if (!s)
		return NAN;
	if (strcasecmp(s, "NaN") == 0)
		return NAN;
	if (strcmp(s, "+Inf") == 0 || strcmp(s, "Inf") == 0)
		return INFINITY;
	if (strcmp(s, "-Inf") == 0)
		return -INFINITY;
	v = strtod(s, &end);
	return (end == s || *end) ? NAN : v;
}

static int sample_value(const cJSON *pair, double *out)
{
	const cJSON *v = cJSON_IsArray(pair) ? cJSON_GetArrayItem(pair, 1) : NULL;

	if (!cJSON_IsString(v))
		return -1;
	*out = prom_parse_number(v->valuestring);
	return 0;
}

int prom_parse_value(const char *json, size_t len, double *out, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	const cJSON *status, *data, *type, *result;
	int rc = -1;

	*out = NAN;
	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "Prometheus answered with something that is not JSON");
		goto out;
	}
	status = cJSON_GetObjectItemCaseSensitive(root, "status");
	if (!cJSON_IsString(status) || strcmp(status->valuestring, "success") != 0) {
		const cJSON *et = cJSON_GetObjectItemCaseSensitive(root, "errorType");
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");

		snprintf(err, errlen, "Prometheus: %s: %s", cJSON_IsString(et) ? et->valuestring : "error",
		         cJSON_IsString(e) ? e->valuestring : "no reason given");
		goto out;
	}
	data = cJSON_GetObjectItemCaseSensitive(root, "data");
	type = cJSON_GetObjectItemCaseSensitive(data, "resultType");
	result = cJSON_GetObjectItemCaseSensitive(data, "result");
	if (!cJSON_IsString(type) || !result) {
		snprintf(err, errlen, "Prometheus answer without data.resultType and data.result");
		goto out;
	}
	if (strcmp(type->valuestring, "scalar") == 0) {
		if (sample_value(result, out) == 0)
			rc = 0;
		else
			snprintf(err, errlen, "Prometheus scalar without a value");
	} else if (strcmp(type->valuestring, "vector") == 0 && cJSON_IsArray(result)) {
		const cJSON *first = cJSON_GetArrayItem(result, 0);

		rc = 0;   /* no series: no data, not an error */
		if (first && sample_value(cJSON_GetObjectItemCaseSensitive(first, "value"), out) != 0) {
			snprintf(err, errlen, "Prometheus sample without a value");
			rc = -1;
		}
	} else {
		snprintf(err, errlen, "Prometheus answered a %s where one number was expected", type->valuestring);
	}
out:
	cJSON_Delete(root);
	return rc;
}

struct prom *prom_new(struct http *http, const struct config_endpoint *ep, char *err, size_t errlen)
{
	struct prom *p = calloc(1, sizeof *p);

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->http = http;
	snprintf(p->url, sizeof p->url, "%s", ep->url);
	for (size_t n = strlen(p->url); n && p->url[n - 1] == '/'; n--)
		p->url[n - 1] = '\0';
	snprintf(p->ca_file, sizeof p->ca_file, "%s", ep->ca_file);
	p->insecure = ep->insecure;
	p->timeout_ms = ep->timeout_ms > 0 ? ep->timeout_ms : PROM_TIMEOUT_MS;
	if ((ep->token_file[0] || ep->token_env[0]) && config_read_secret(ep, p->token, sizeof p->token) != 0) {
		snprintf(err, errlen, "prometheus: cannot read its token (token_file or token_env)");
		free(p);
		return NULL;
	}
	return p;
}

void prom_free(struct prom *p)
{
	if (!p)
		return;
	memset(p->token, 0, sizeof p->token);
	free(p);
}

const char *prom_url(const struct prom *p)
{
	return p->url;
}

struct query {
	prom_value_fn fn;
	void *arg;
};

static void query_done(const struct http_resp *r, void *arg)
{
	struct query *q = arg;
	char err[300] = "";
	double v = NAN;
	bool ok = false;

	if (r->err != HTTP_OK)
		snprintf(err, sizeof err, "%s", r->errmsg);
	else if (r->status != 200 && !(r->status >= 400 && r->status < 600 && r->body && r->body[0] == '{'))
		snprintf(err, sizeof err, "Prometheus answered HTTP %ld", r->status);
	else
		ok = prom_parse_value(r->body, r->len, &v, err, sizeof err) == 0;
	q->fn(ok, v, err, q->arg);
	free(q);
}

uint64_t prom_query(struct prom *p, const char *expr, prom_value_fn fn, void *arg)
{
	char url[600], enc[2048], body[2100];
	struct query *q = malloc(sizeof *q);
	struct http_req req = { 0 };
	uint64_t id;

	if (!q)
		return 0;
	q->fn = fn;
	q->arg = arg;
	kube_urlencode(expr, enc, sizeof enc);
	snprintf(body, sizeof body, "query=%s", enc);
	snprintf(url, sizeof url, "%s/api/v1/query", p->url);
	req.method = "POST";
	req.url = url;
	req.body = body;
	req.content_type = "application/x-www-form-urlencoded";
	req.bearer_token = p->token[0] ? p->token : NULL;
	req.timeout_ms = p->timeout_ms;
	req.max_bytes = PROM_MAX_BYTES;
	req.ca_file = p->ca_file[0] ? p->ca_file : NULL;
	req.insecure = p->insecure;
	id = http_request(p->http, &req, query_done, q);
	if (!id)
		free(q);
	return id;
}

/* ---- the golden-signals poller ---- */

struct prom_poller;
struct pslot {
	struct prom_poller *pp;
	int id;
};

struct prom_poller {
	struct loop *loop;
	struct prom *prom;
	struct model_metrics *out;
	prom_round_fn fn;
	void *arg;
	uint64_t timer;
	int pending;              /* queries of the running round */
	bool again;               /* a refresh asked for while a round ran */
	int answered;
	double v[MET_COUNT];
	char err[MET_COUNT][160];
	struct pslot slot[MET_COUNT];
	bool closing;             /* stopped: answers still arrive, nothing new starts */
};

static void round_start(struct prom_poller *pp);

static void round_end(struct prom_poller *pp)
{
	char first[160] = "";

	if (pp->closing)
		return;
	for (int i = 0; i < MET_COUNT; i++) {
		struct model_series *s = &pp->out->s[i];

		model_series_push(s, pp->err[i][0] ? NAN : pp->v[i]);
		snprintf(s->error, sizeof s->error, "%s", pp->err[i]);
		if (pp->err[i][0] && !first[0])
			snprintf(first, sizeof first, "%s", pp->err[i]);
	}
	if (pp->answered)
		pp->out->updated_ms = loop_now_ms();
	if (pp->fn)
		pp->fn(pp->answered > 0, first, pp->arg);
	if (pp->again) {
		pp->again = false;
		round_start(pp);
	}
}

static void value_done(bool ok, double v, const char *err, void *arg)
{
	struct pslot *sl = arg;
	struct prom_poller *pp = sl->pp;
	int id = sl->id;

	pp->v[id] = v;
	snprintf(pp->err[id], sizeof pp->err[id], "%s", ok ? "" : err);
	/* a Prometheus error is still an answer: the server is up */
	if (ok || strncmp(err, "Prometheus", 10) == 0)
		pp->answered++;
	if (--pp->pending == 0)
		round_end(pp);
}

static void round_start(struct prom_poller *pp)
{
	if (pp->closing)
		return;
	if (pp->pending) {
		pp->again = true;
		return;
	}
	pp->answered = 0;
	pp->pending = MET_COUNT;
	for (int i = 0; i < MET_COUNT; i++) {
		pp->slot[i].pp = pp;
		pp->slot[i].id = i;
		if (!prom_query(pp->prom, signal_query[i], value_done, &pp->slot[i])) {
			snprintf(pp->err[i], sizeof pp->err[i], "could not start the query");
			pp->v[i] = NAN;
			if (--pp->pending == 0)
				round_end(pp);
		}
	}
}

static void on_timer(struct loop *loop, void *arg)
{
	round_start(arg);
}

struct prom_poller *prom_poller_new(struct loop *loop, struct prom *p, struct model_metrics *out,
                                    prom_round_fn fn, void *arg)
{
	struct prom_poller *pp = calloc(1, sizeof *pp);

	if (!pp)
		return NULL;
	pp->loop = loop;
	pp->prom = p;
	pp->out = out;
	pp->fn = fn;
	pp->arg = arg;
	return pp;
}

void prom_poller_start(struct prom_poller *pp, int refresh_ms)
{
	if (pp->timer)
		loop_timer_cancel(pp->loop, pp->timer);
	pp->timer = loop_timer_add(pp->loop, 0, refresh_ms > 0 ? refresh_ms : 2000, on_timer, pp);
}

void prom_poller_refresh(struct prom_poller *pp)
{
	round_start(pp);
}

void prom_poller_stop(struct prom_poller *pp)
{
	if (!pp)
		return;
	pp->closing = true;
	if (pp->timer)
		loop_timer_cancel(pp->loop, pp->timer);
	pp->timer = 0;
}

void prom_poller_free(struct prom_poller *pp)
{
	prom_poller_stop(pp);
	free(pp);
}
