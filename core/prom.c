/* Prometheus instant queries, their answers in words, and the golden-signals
 * poller on the one source abstraction. */
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

/* What a JSON value is, for words: "a number", "an object". */
static const char *json_kind(const cJSON *v)
{
	if (!v)
		return "missing";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsObject(v))
		return "an object";
	return "unreadable";
}

/* A [time, "value"] pair's value; -1 with words when it is not one. */
static int sample_value(const cJSON *pair, const char *what, double *out, char *err, size_t errlen)
{
	const cJSON *v;

	if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2) {
		snprintf(err, errlen, "Prometheus %s is %s, not a [time, value] pair", what,
		         cJSON_IsArray(pair) ? "an array of another length" : json_kind(pair));
		return -1;
	}
	v = cJSON_GetArrayItem(pair, 1);
	if (!cJSON_IsString(v)) {
		snprintf(err, errlen, "Prometheus %s value is %s, not a string", what, json_kind(v));
		return -1;
	}
	*out = prom_parse_number(v->valuestring);
	if (isnan(*out) && strcasecmp(v->valuestring, "NaN") != 0) {
		snprintf(err, errlen, "Prometheus %s value \"%.40s\" is not a number", what, v->valuestring);
		return -1;
	}
	return 0;
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
		         json_kind(status));
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
		snprintf(err, errlen, "Prometheus answer's data is %s, not an object", json_kind(data));
		return -1;
	}
	type = cJSON_GetObjectItemCaseSensitive(data, "resultType");
	result = cJSON_GetObjectItemCaseSensitive(data, "result");
	if (!cJSON_IsString(type)) {
		snprintf(err, errlen, "Prometheus answer's resultType is %s, not a string", json_kind(type));
		return -1;
	}
	if (strcmp(type->valuestring, "scalar") == 0)
		return sample_value(result, "scalar", out, err, errlen);
	if (strcmp(type->valuestring, "vector") != 0) {
		snprintf(err, errlen, "Prometheus answered a %s where one number was expected", type->valuestring);
		return -1;
	}
	if (!cJSON_IsArray(result)) {
		snprintf(err, errlen, "Prometheus vector result is %s, not an array", json_kind(result));
		return -1;
	}
	const cJSON *first = cJSON_GetArrayItem(result, 0);
	if (!first) {
		*empty = true;   /* no series: no data, not an error */
		return 0;
	}
	if (!cJSON_IsObject(first)) {
		snprintf(err, errlen, "Prometheus vector sample is %s, not an object", json_kind(first));
		return -1;
	}
	return sample_value(cJSON_GetObjectItemCaseSensitive(first, "value"), "sample", out, err, errlen);
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

struct query {
	prom_value_fn fn;
	void *arg;
};

static void query_done(const struct http_resp *r, void *arg)
{
	struct query *q = arg;
	char err[300] = "";
	struct prom_answer a;

	if (r->err != HTTP_OK) {
		memset(&a, 0, sizeof a);
		a.v = NAN;
		a.err = err;
		snprintf(err, sizeof err, "Prometheus: %s", r->errmsg && r->errmsg[0] ? r->errmsg : http_err_str(r->err));
	} else {
		prom_parse_response(r->status, r->content_type, r->body, r->len, &a, err, sizeof err);
	}
	q->fn(&a, q->arg);
	free(q);
}

uint64_t prom_query(struct prom *p, const char *expr, prom_value_fn fn, void *arg)
{
	const char *params[] = { "query", expr, NULL };
	struct query *q = malloc(sizeof *q);
	char err[300];
	uint64_t id;

	if (!q)
		return 0;
	q->fn = fn;
	q->arg = arg;
	id = endpoint_query(&p->ep, p->http, "/api/v1/query", params, query_done, q, err, sizeof err);
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
	struct prom *prom;
	struct source *src;
	struct model_metrics *out;
	prom_round_fn fn;
	void *arg;
	int pending;              /* queries of the running round */
	int answered;             /* of them, answered by Prometheus itself */
	double v[MET_COUNT];
	char err[MET_COUNT][160];
	struct pslot slot[MET_COUNT];
	char *query[MET_COUNT];   /* from a dashboard; NULL: the built-in query */
	bool closing;             /* stopped: answers still arrive, nothing is written */
};

static void round_end(struct prom_poller *pp)
{
	char first[160] = "";

	if (pp->closing) {
		source_round_done(pp->src, false, "stopped");   /* dropped: the source is stopped */
		return;
	}
	for (int i = 0; i < MET_COUNT; i++) {
		struct model_series *s = &pp->out->s[i];

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
	pp->pending = MET_COUNT + 1;   /* held until every query is out */
	for (int i = 0; i < MET_COUNT; i++) {
		pp->slot[i].pp = pp;
		pp->slot[i].id = i;
		pp->err[i][0] = '\0';
		if (!prom_query(pp->prom, pp->query[i] ? pp->query[i] : signal_query[i], value_done, &pp->slot[i])) {
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
	for (int i = 0; i < MET_COUNT; i++)
		free(pp->query[i]);
	free(pp);
}

/* ---- series: range queries, instant vectors, label values ---- */

/* The answer's JSON when Prometheus says success (its warnings copied), or
 * NULL with words: the same words prom_parse_response has. */
static cJSON *open_answer(long status, const char *ctype, const char *body, size_t len, bool *answered,
                          char *warnings, size_t wlen, char *err, size_t errlen)
{
	struct prom_answer a;
	cJSON *root;
	const cJSON *st, *w, *it;

	*answered = false;
	if (warnings && wlen)
		warnings[0] = '\0';
	root = body && !text_looks_html(ctype, body, len) ? cJSON_ParseWithLength(body, len) : NULL;
	st = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "status") : NULL;
	if (!cJSON_IsString(st) || strcmp(st->valuestring, "success") != 0) {
		cJSON_Delete(root);
		/* not a success: the instant parser has the words for every case */
		prom_parse_response(status, ctype, body, len, &a, err, errlen);
		*answered = a.answered;
		if (!err[0])
			snprintf(err, errlen, "Prometheus answered no result");
		return NULL;
	}
	*answered = true;
	w = cJSON_GetObjectItemCaseSensitive(root, "warnings");
	cJSON_ArrayForEach(it, (cJSON_IsArray(w) ? w : NULL)) {
		size_t o = strlen(warnings);

		if (cJSON_IsString(it) && warnings && o + 3 < wlen)
			snprintf(warnings + o, wlen - o, "%s%s", o ? "; " : "", it->valuestring);
	}
	return root;
}

static char *sdup(const char *s)
{
	char *c = strdup(s ? s : "");

	if (!c)
		abort();
	return c;
}

/* {k="v", ...} and the label arrays of a series' metric object. */
static void series_labels(struct prom_series *s, const cJSON *metric)
{
	const cJSON *l;
	size_t n = 0, cap = 2, o = 0;
	char *name;

	cJSON_ArrayForEach(l, (cJSON_IsObject(metric) ? metric : NULL))
		n++;
	s->key = calloc(n + 1, sizeof *s->key);
	s->val = calloc(n + 1, sizeof *s->val);
	if (!s->key || !s->val)
		abort();
	cJSON_ArrayForEach(l, (cJSON_IsObject(metric) ? metric : NULL)) {
		const char *v = cJSON_IsString(l) ? l->valuestring : "";

		s->key[s->nlabels] = sdup(l->string);
		s->val[s->nlabels++] = sdup(v);
		cap += strlen(l->string) + strlen(v) + 6;
	}
	name = malloc(cap + 1);
	if (!name)
		abort();
	name[0] = '\0';
	if (s->nlabels) {
		const char *metric_name = prom_series_label(s, "__name__");
		bool first = true;

		o = (size_t)snprintf(name, cap, "%s{", metric_name ? metric_name : "");
		for (size_t i = 0; i < s->nlabels; i++) {
			if (!strcmp(s->key[i], "__name__"))
				continue;
			o += (size_t)snprintf(name + o, cap - o, "%s%s=\"%s\"", first ? "" : ", ", s->key[i], s->val[i]);
			first = false;
		}
		snprintf(name + o, cap - o, "}");
		if (first && metric_name)   /* no label but the name: the name alone */
			name[strlen(metric_name)] = '\0';
	}
	s->name = name;
}

/* Samples [[t, "v"], ...] into the series; -1 with words when one is not a pair. */
static int series_points(struct prom_series *s, const cJSON *values, bool single, char *err, size_t errlen)
{
	const cJSON *pair;
	size_t n = single ? 1 : (size_t)cJSON_GetArraySize(values);

	s->t_ms = calloc(n + 1, sizeof *s->t_ms);
	s->v = calloc(n + 1, sizeof *s->v);
	if (!s->t_ms || !s->v)
		abort();
	if (single) {
		if (sample_value(values, "sample", &s->v[0], err, errlen) != 0)
			return -1;
		s->t_ms[0] = (int64_t)llround(cJSON_GetArrayItem(values, 0)->valuedouble * 1000.0);
		s->n = 1;
		return 0;
	}
	cJSON_ArrayForEach(pair, values) {
		const cJSON *t;

		if (s->n >= n)
			break;
		if (sample_value(pair, "range sample", &s->v[s->n], err, errlen) != 0)
			return -1;
		t = cJSON_GetArrayItem(pair, 0);
		if (!cJSON_IsNumber(t)) {
			snprintf(err, errlen, "Prometheus sample time is %s, not a number", json_kind(t));
			return -1;
		}
		s->t_ms[s->n++] = (int64_t)llround(t->valuedouble * 1000.0);
	}
	return 0;
}

void prom_parse_matrix(long status, const char *content_type, const char *body, size_t len,
                       struct prom_matrix *m, char *err, size_t errlen)
{
	cJSON *root;
	const cJSON *data, *type, *result, *it;
	bool matrix;

	memset(m, 0, sizeof *m);
	m->err = err;
	err[0] = '\0';
	root = open_answer(status, content_type, body, len, &m->answered, m->warnings, sizeof m->warnings, err,
	                   errlen);
	if (!root)
		return;
	data = cJSON_GetObjectItemCaseSensitive(root, "data");
	type = cJSON_GetObjectItemCaseSensitive(data, "resultType");
	result = cJSON_GetObjectItemCaseSensitive(data, "result");
	if (!cJSON_IsObject(data) || !cJSON_IsString(type)) {
		snprintf(err, errlen, "Prometheus answer's data is %s, not an object with a resultType",
		         json_kind(data));
		goto out;
	}
	if (!strcmp(type->valuestring, "scalar")) {
		m->s = calloc(1, sizeof *m->s);
		if (!m->s)
			abort();
		m->ns = 1;
		series_labels(&m->s[0], NULL);
		if (series_points(&m->s[0], result, true, err, errlen) == 0)
			m->ok = true;
		goto out;
	}
	matrix = !strcmp(type->valuestring, "matrix");
	if (!matrix && strcmp(type->valuestring, "vector") != 0) {
		snprintf(err, errlen, "Prometheus answered a %.20s, which no panel draws", type->valuestring);
		goto out;
	}
	if (!cJSON_IsArray(result)) {
		snprintf(err, errlen, "Prometheus %s result is %s, not an array", type->valuestring, json_kind(result));
		goto out;
	}
	m->s = calloc(PROM_SERIES_MAX, sizeof *m->s);
	if (!m->s)
		abort();
	cJSON_ArrayForEach(it, result) {
		const cJSON *vals = cJSON_GetObjectItemCaseSensitive(it, matrix ? "values" : "value");

		if (m->ns >= PROM_SERIES_MAX) {
			m->dropped++;
			continue;
		}
		if (!cJSON_IsObject(it) || (matrix && !cJSON_IsArray(vals))) {
			snprintf(err, errlen, "Prometheus %s series is %s, not an object with samples", type->valuestring,
			         json_kind(it));
			goto out;
		}
		series_labels(&m->s[m->ns], cJSON_GetObjectItemCaseSensitive(it, "metric"));
		if (series_points(&m->s[m->ns++], vals, !matrix, err, errlen) != 0)
			goto out;
	}
	m->ok = true;
out:
	if (!m->ok && !err[0])
		snprintf(err, errlen, "Prometheus answer could not be read");
	cJSON_Delete(root);
}

void prom_matrix_free(struct prom_matrix *m)
{
	for (size_t i = 0; i < m->ns; i++) {
		struct prom_series *s = &m->s[i];

		for (size_t k = 0; k < s->nlabels; k++) {
			free(s->key[k]);
			free(s->val[k]);
		}
		free(s->key);
		free(s->val);
		free(s->name);
		free(s->t_ms);
		free(s->v);
	}
	free(m->s);
	m->s = NULL;
	m->ns = 0;
}

const char *prom_series_label(const struct prom_series *s, const char *key)
{
	for (size_t i = 0; i < s->nlabels; i++)
		if (!strcmp(s->key[i], key))
			return s->val[i];
	return NULL;
}

struct mquery {
	prom_matrix_fn fn;
	prom_strings_fn sfn;
	void *arg;
};

static void matrix_done(const struct http_resp *r, void *arg)
{
	struct mquery *q = arg;
	char err[300] = "";
	struct prom_matrix m;

	if (r->err != HTTP_OK) {
		memset(&m, 0, sizeof m);
		m.err = err;
		snprintf(err, sizeof err, "Prometheus: %s", r->errmsg && r->errmsg[0] ? r->errmsg : http_err_str(r->err));
	} else {
		prom_parse_matrix(r->status, r->content_type, r->body, r->len, &m, err, sizeof err);
	}
	m.elapsed_ms = r->elapsed_ms;
	q->fn(&m, q->arg);
	prom_matrix_free(&m);
	free(q);
}

static uint64_t start_matrix(struct prom *p, const char *path, const char *const *params, prom_matrix_fn fn,
                             void *arg)
{
	struct mquery *q = calloc(1, sizeof *q);
	char err[300];
	uint64_t id;

	if (!q)
		return 0;
	q->fn = fn;
	q->arg = arg;
	id = endpoint_query(&p->ep, p->http, path, params, matrix_done, q, err, sizeof err);
	if (!id)
		free(q);
	return id;
}

uint64_t prom_query_range(struct prom *p, const char *expr, int64_t start_ms, int64_t end_ms, int64_t step_ms,
                          prom_matrix_fn fn, void *arg)
{
	char start[32], end[32], step[32];
	const char *params[] = { "query", expr, "start", start, "end", end, "step", step, NULL };

	snprintf(start, sizeof start, "%.3f", (double)start_ms / 1000.0);
	snprintf(end, sizeof end, "%.3f", (double)end_ms / 1000.0);
	snprintf(step, sizeof step, "%.3f", (double)(step_ms > 0 ? step_ms : 1000) / 1000.0);
	return start_matrix(p, "/api/v1/query_range", params, fn, arg);
}

uint64_t prom_query_series(struct prom *p, const char *expr, prom_matrix_fn fn, void *arg)
{
	const char *params[] = { "query", expr, NULL };

	return start_matrix(p, "/api/v1/query", params, fn, arg);
}

static void strings_done(const struct http_resp *r, void *arg)
{
	struct mquery *q = arg;
	char err[300] = "", **vals = NULL;
	size_t n = 0;
	bool answered, ok = false;
	cJSON *root = NULL;
	const cJSON *data, *it;

	if (r->err != HTTP_OK) {
		snprintf(err, sizeof err, "Prometheus: %s", r->errmsg && r->errmsg[0] ? r->errmsg : http_err_str(r->err));
	} else if ((root = open_answer(r->status, r->content_type, r->body, r->len, &answered, NULL, 0, err,
	                               sizeof err))) {
		data = cJSON_GetObjectItemCaseSensitive(root, "data");
		if (!cJSON_IsArray(data)) {
			snprintf(err, sizeof err, "Prometheus label values are %s, not a list", json_kind(data));
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
	struct mquery *q = calloc(1, sizeof *q);
	char path[200], err[300];
	uint64_t id;

	if (!q)
		return 0;
	q->sfn = fn;
	q->arg = arg;
	snprintf(path, sizeof path, "/api/v1/label/%s/values", label);
	id = endpoint_get(&p->ep, p->http, path, match && *match ? params : NULL, strings_done, q, err, sizeof err);
	if (!id)
		free(q);
	return id;
}
