/* Prometheus instant queries and their answers in words, the requests for
 * series and label values (one path for all; the series are read in
 * prom_series.c), and the golden-signals poller on the one source
 * abstraction. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "warroom/config.h"
#include "warroom/endpoint.h"
#include "warroom/http.h"
#include "warroom/loop.h"
#include "warroom/prom.h"
#include "warroom/source.h"
#include "warroom/text.h"

#include "prom_priv.h"

#define PROM_TIMEOUT_MS 5000
#define PROM_MAX_BYTES (4u << 20)

struct prom {
	struct http *http;
	struct endpoint ep;
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

/* The envelope of a parsed answer; *empty when a vector had no series. */
static int parse_envelope(const cJSON *root, double *out, bool *empty, char *err, size_t errlen)
{
	const cJSON *status, *data, *type, *result;

	*out = NAN;
	*empty = false;
	status = cJSON_GetObjectItemCaseSensitive(root, "status");
	if (!cJSON_IsString(status)) {
		snprintf(err, errlen, "Prometheus answer's status is %s, not a string (is this the Prometheus API?)",
		         prom_priv_json_kind(status));
		return -1;
	}
	if (strcmp(status->valuestring, "success") != 0) {
		const cJSON *et = cJSON_GetObjectItemCaseSensitive(root, "errorType");
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");

		snprintf(err, errlen, "Prometheus: %s: %s", cJSON_IsString(et) ? et->valuestring : status->valuestring,
		         cJSON_IsString(e) && e->valuestring[0] ? e->valuestring : "no reason given");
		return -1;
	}
	data = cJSON_GetObjectItemCaseSensitive(root, "data");
	if (!cJSON_IsObject(data)) {
		snprintf(err, errlen, "Prometheus answer's data is %s, not an object", prom_priv_json_kind(data));
		return -1;
	}
	type = cJSON_GetObjectItemCaseSensitive(data, "resultType");
	result = cJSON_GetObjectItemCaseSensitive(data, "result");
	if (!cJSON_IsString(type)) {
		snprintf(err, errlen, "Prometheus answer's resultType is %s, not a string", prom_priv_json_kind(type));
		return -1;
	}
	if (strcmp(type->valuestring, "scalar") == 0)
		return prom_priv_sample(result, "scalar", out, err, errlen);
	if (strcmp(type->valuestring, "vector") != 0) {
		snprintf(err, errlen, "Prometheus answered a %s where one number was expected", type->valuestring);
		return -1;
	}
	if (!cJSON_IsArray(result)) {
		snprintf(err, errlen, "Prometheus vector result is %s, not an array", prom_priv_json_kind(result));
		return -1;
	}
	const cJSON *first = cJSON_GetArrayItem(result, 0);
	if (!first) {
		*empty = true;   /* no series: no data, not an error */
		return 0;
	}
	if (!cJSON_IsObject(first)) {
		snprintf(err, errlen, "Prometheus vector sample is %s, not an object", prom_priv_json_kind(first));
		return -1;
	}
	return prom_priv_sample(cJSON_GetObjectItemCaseSensitive(first, "value"), "sample", out, err, errlen);
}

int prom_parse_value(const char *json, size_t len, double *out, char *err, size_t errlen)
{
	cJSON *root = json ? cJSON_ParseWithLength(json, len) : NULL;
	bool empty;
	int rc = -1;

	*out = NAN;
	if (!cJSON_IsObject(root))
		snprintf(err, errlen, "Prometheus answered with something that is not JSON");
	else
		rc = parse_envelope(root, out, &empty, err, errlen);
	cJSON_Delete(root);
	return rc;
}

void prom_parse_response(long status, const char *content_type, const char *body, size_t len,
                         struct prom_answer *a, char *err, size_t errlen)
{
	char words[100], code[32] = "";
	cJSON *root;

	memset(a, 0, sizeof *a);
	a->v = NAN;
	a->err = err;
	err[0] = '\0';
	if (!body)
		body = "", len = 0;
	if (status != 200)
		snprintf(code, sizeof code, " HTTP %ld", status);
	if (text_looks_html(content_type, body, len)) {
		text_html_title(body, len, words, sizeof words);
		snprintf(err, errlen, "Prometheus answered%s%s an HTML page (a proxy?), not JSON%s%s", code,
		         code[0] ? " with" : "", words[0] ? ": " : "", words);
		return;
	}
	root = cJSON_ParseWithLength(body, len);
	if (cJSON_IsObject(root) && cJSON_GetObjectItemCaseSensitive(root, "status")) {
		/* Prometheus' own envelope, also on 4xx and 5xx (bad_data is a 400) */
		a->answered = true;
		a->ok = parse_envelope(root, &a->v, &a->empty, err, errlen) == 0;
		cJSON_Delete(root);
		return;
	}
	cJSON_Delete(root);
	text_first_words(body, len, words, sizeof words);
	if (status != 200)
		snprintf(err, errlen, "Prometheus answered HTTP %ld%s%s", status, words[0] ? ": " : " with an empty body",
		         words);
	else if (!len)
		snprintf(err, errlen, "Prometheus answered an empty body, not JSON");
	else if (root)
		snprintf(err, errlen, "Prometheus answered JSON without a status (is this the Prometheus API?): %s", words);
	else
		snprintf(err, errlen, "Prometheus answered something that is not JSON: %s", words);
}

struct prom *prom_new(struct http *http, const struct config_endpoint *ep, char *err, size_t errlen)
{
	struct prom *p = calloc(1, sizeof *p);

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->http = http;
	if (endpoint_init(&p->ep, "Prometheus", ep, PROM_TIMEOUT_MS, PROM_MAX_BYTES, err, errlen) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

void prom_free(struct prom *p)
{
	if (!p)
		return;
	endpoint_free(&p->ep);
	free(p);
}

const char *prom_url(const struct prom *p)
{
	return p->ep.base;
}

int prom_set_connect_to(struct prom *p, const char *connect_to)
{
	return endpoint_set_connect_to(&p->ep, connect_to);
}

/* One request in flight: whichever answer it waits for. */
struct query {
	prom_value_fn fn;
	prom_matrix_fn mfn;
	prom_strings_fn sfn;
	void *arg;
};

/* The transport's failure in words, the same for every kind of request. */
static bool transport_failed(const struct http_resp *r, char *err, size_t errlen)
{
	if (r->err == HTTP_OK)
		return false;
	snprintf(err, errlen, "Prometheus: %s", r->errmsg && r->errmsg[0] ? r->errmsg : http_err_str(r->err));
	return true;
}

/* GET (get) or a query form (GET while short, POST when long) to path; the
 * query is freed when it could not start. */
static uint64_t request(struct prom *p, const char *path, const char *const *params, bool get, http_done_fn done,
                        struct query q)
{
	struct query *h = malloc(sizeof *h);
	char err[300];
	uint64_t id;

	if (!h)
		return 0;
	*h = q;
	id = get ? endpoint_get(&p->ep, p->http, path, params, done, h, err, sizeof err)
	         : endpoint_query(&p->ep, p->http, path, params, done, h, err, sizeof err);
	if (!id)
		free(h);
	return id;
}

static void query_done(const struct http_resp *r, void *arg)
{
	struct query *q = arg;
	char err[300] = "";
	struct prom_answer a;

	if (transport_failed(r, err, sizeof err)) {
		memset(&a, 0, sizeof a);
		a.v = NAN;
		a.err = err;
	} else {
		prom_parse_response(r->status, r->content_type, r->body, r->len, &a, err, sizeof err);
	}
	q->fn(&a, q->arg);
	free(q);
}

uint64_t prom_query(struct prom *p, const char *expr, prom_value_fn fn, void *arg)
{
	const char *params[] = { "query", expr, NULL };

	return request(p, "/api/v1/query", params, false, query_done, (struct query){ .fn = fn, .arg = arg });
}

/* ---- the golden-signals poller ---- */

struct prom_poller;
struct pslot {
	struct prom_poller *pp;
	int id;
};

#define NQ (MET_COUNT + PROM_EXTRA)

struct prom_poller {
	struct prom *prom;
	struct source *src;
	struct model_metrics *out;
	prom_round_fn fn;
	void *arg;
	int pending;              /* queries of the running round */
	int answered;             /* of them, answered by Prometheus itself */
	double v[NQ];
	char err[NQ][160];
	struct pslot slot[NQ];
	char *query[NQ];          /* signals: from a dashboard, NULL: the built-in query; then the extras' */
	struct model_series *extra_out[PROM_EXTRA];
	int nextra;
	bool closing;             /* stopped: answers still arrive, nothing is written */
};

static struct model_series *series_of(struct prom_poller *pp, int i)
{
	return i < MET_COUNT ? &pp->out->s[i] : pp->extra_out[i - MET_COUNT];
}

static void round_end(struct prom_poller *pp)
{
	char first[160] = "";

	if (pp->closing) {
		source_round_done(pp->src, false, "stopped");   /* dropped: the source is stopped */
		return;
	}
	for (int i = 0; i < MET_COUNT + pp->nextra; i++) {
		struct model_series *s = series_of(pp, i);

		model_series_push(s, pp->err[i][0] ? NAN : pp->v[i]);
		snprintf(s->error, sizeof s->error, "%s", pp->err[i]);
		if (pp->err[i][0] && !first[0])
			snprintf(first, sizeof first, "%s", pp->err[i]);
	}
	if (pp->answered)
		pp->out->updated_ms = loop_now_ms();
	source_round_done(pp->src, pp->answered > 0, first);
	if (pp->fn)
		pp->fn(pp->answered > 0, first, pp->arg);
}

static void value_done(const struct prom_answer *a, void *arg)
{
	struct pslot *sl = arg;
	struct prom_poller *pp = sl->pp;
	int id = sl->id;

	pp->v[id] = a->v;
	snprintf(pp->err[id], sizeof pp->err[id], "%s", a->ok ? "" : a->err);
	if (a->answered)
		pp->answered++;
	if (--pp->pending == 0)
		round_end(pp);
}

static void round_start(struct source *src, void *arg)
{
	struct prom_poller *pp = arg;

	(void)src;
	pp->answered = 0;
	pp->pending = MET_COUNT + pp->nextra + 1;   /* held until every query is out */
	for (int i = 0; i < MET_COUNT + pp->nextra; i++) {
		pp->slot[i].pp = pp;
		pp->slot[i].id = i;
		pp->err[i][0] = '\0';
		if (!prom_query(pp->prom, pp->query[i] ? pp->query[i] : i < MET_COUNT ? signal_query[i] : "", value_done,
		                &pp->slot[i])) {
			snprintf(pp->err[i], sizeof pp->err[i], "could not start the query");
			pp->v[i] = NAN;
			pp->pending--;
		}
	}
	if (--pp->pending == 0)
		round_end(pp);
}

struct prom_poller *prom_poller_new(struct loop *loop, struct prom *p, struct model_metrics *out,
                                    prom_round_fn fn, void *arg)
{
	struct prom_poller *pp = calloc(1, sizeof *pp);

	if (!pp)
		return NULL;
	pp->src = source_new(loop, "prom", round_start, pp);
	if (!pp->src) {
		free(pp);
		return NULL;
	}
	pp->prom = p;
	pp->out = out;
	pp->fn = fn;
	pp->arg = arg;
	return pp;
}

void prom_poller_set_query(struct prom_poller *pp, enum metric_id id, const char *expr)
{
	if (id >= MET_COUNT)
		return;
	free(pp->query[id]);
	pp->query[id] = expr && *expr ? strdup(expr) : NULL;
}

int prom_poller_add(struct prom_poller *pp, const char *expr, struct model_series *out)
{
	char *q;

	if (pp->nextra == PROM_EXTRA || !expr || !*expr || !(q = strdup(expr)))
		return -1;
	pp->query[MET_COUNT + pp->nextra] = q;
	pp->extra_out[pp->nextra] = out;
	return pp->nextra++;
}

void prom_poller_start(struct prom_poller *pp, int refresh_ms)
{
	source_start(pp->src, refresh_ms);
}

void prom_poller_refresh(struct prom_poller *pp)
{
	source_refresh(pp->src);
}

struct source *prom_poller_source(struct prom_poller *pp)
{
	return pp->src;
}

void prom_poller_stop(struct prom_poller *pp)
{
	if (!pp)
		return;
	pp->closing = true;
	source_stop(pp->src);
}

void prom_poller_free(struct prom_poller *pp)
{
	if (!pp)
		return;
	source_free(pp->src);
	for (int i = 0; i < NQ; i++)
		free(pp->query[i]);
	free(pp);
}

/* ---- series: range queries, instant vectors, label values (read in prom_series.c) ---- */

static void matrix_done(const struct http_resp *r, void *arg)
{
	struct query *q = arg;
	char err[300] = "";
	struct prom_matrix m;

	if (transport_failed(r, err, sizeof err)) {
		memset(&m, 0, sizeof m);
		m.err = err;
	} else {
		prom_parse_matrix(r->status, r->content_type, r->body, r->len, &m, err, sizeof err);
	}
	m.elapsed_ms = r->elapsed_ms;
	q->mfn(&m, q->arg);
	prom_matrix_free(&m);
	free(q);
}

uint64_t prom_query_range(struct prom *p, const char *expr, int64_t start_ms, int64_t end_ms, int64_t step_ms,
                          prom_matrix_fn fn, void *arg)
{
	char start[32], end[32], step[32];
	const char *params[] = { "query", expr, "start", start, "end", end, "step", step, NULL };

	snprintf(start, sizeof start, "%.3f", (double)start_ms / 1000.0);
	snprintf(end, sizeof end, "%.3f", (double)end_ms / 1000.0);
	snprintf(step, sizeof step, "%.3f", (double)(step_ms > 0 ? step_ms : 1000) / 1000.0);
	return request(p, "/api/v1/query_range", params, false, matrix_done, (struct query){ .mfn = fn, .arg = arg });
}

uint64_t prom_query_series(struct prom *p, const char *expr, prom_matrix_fn fn, void *arg)
{
	const char *params[] = { "query", expr, NULL };

	return request(p, "/api/v1/query", params, false, matrix_done, (struct query){ .mfn = fn, .arg = arg });
}

static void strings_done(const struct http_resp *r, void *arg)
{
	struct query *q = arg;
	char err[300] = "", **vals = NULL;
	size_t n = 0;
	bool answered, ok = false;
	cJSON *root = NULL;
	const cJSON *data, *it;

	if (!transport_failed(r, err, sizeof err) &&
	    (root = prom_priv_open_answer(r->status, r->content_type, r->body, r->len, &answered, NULL, 0, err,
	                                  sizeof err))) {
		data = cJSON_GetObjectItemCaseSensitive(root, "data");
		if (!cJSON_IsArray(data)) {
			snprintf(err, sizeof err, "Prometheus label values are %s, not a list", prom_priv_json_kind(data));
		} else {
			vals = calloc((size_t)cJSON_GetArraySize(data) + 1, sizeof *vals);
			if (!vals)
				abort();
			cJSON_ArrayForEach(it, data)
				if (cJSON_IsString(it))
					vals[n++] = it->valuestring;
			ok = true;
		}
	}
	q->sfn(ok, err, vals, n, q->arg);
	free(vals);
	cJSON_Delete(root);
	free(q);
}

uint64_t prom_label_values(struct prom *p, const char *label, const char *match, prom_strings_fn fn, void *arg)
{
	const char *params[] = { "match[]", match, NULL };
	char path[200];

	snprintf(path, sizeof path, "/api/v1/label/%s/values", label);
	return request(p, path, match && *match ? params : NULL, true, strings_done, (struct query){ .sfn = fn, .arg = arg });
}
