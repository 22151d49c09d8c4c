/* prom — requests to Prometheus' HTTP API: the endpoint, instant queries,
 * range queries and instant vectors, label values, one request path for
 * all with the transport's failure in words. The answers are read by
 * prom_parse.c and prom_series.c below; the golden-signals poller
 * (prom_poller.c) sends its queries through here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/config.h"
#include "warroom/endpoint.h"
#include "warroom/http.h"
#include "warroom/prom.h"
#include "warroom/text.h"

#include "prom_priv.h"

#define PROM_TIMEOUT_MS 5000
#define PROM_MAX_BYTES (4u << 20)

struct prom {
	struct http *http;
	struct endpoint ep;
};

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
	prom_body_fn bfn;
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

char *prom_series_text(const struct cJSON *metric, bool table)
{
	const cJSON *l, *name = cJSON_GetObjectItemCaseSensitive(metric, "__name__");
	struct text_buf b = { 0 };
	bool first = true;

	text_buf_printf(&b, "%s{", cJSON_IsString(name) ? name->valuestring : "");
	cJSON_ArrayForEach(l, metric) {
		if (!cJSON_IsString(l) || !strcmp(l->string, "__name__"))
			continue;
		text_buf_printf(&b, "%s%s=\"", first ? "" : table ? ", " : ",", l->string);
		for (const char *c = l->valuestring; *c; c++) {
			if (!table)
				text_buf_add(&b, c, 1);
			else if (*c == '\n')   /* quoted as PromQL quotes */
				text_buf_str(&b, "\\n");
			else if (*c == '"' || *c == '\\')
				text_buf_printf(&b, "\\%c", *c);
			else
				text_buf_add(&b, c, 1);
		}
		text_buf_str(&b, "\"");
		first = false;
	}
	text_buf_str(&b, "}");
	return text_buf_take(&b);
}

/* A list answer: strings (label values, label names), or series objects
 * (/api/v1/series) written as text. */
static void list_done(const struct http_resp *r, void *arg, bool series)
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
			snprintf(err, sizeof err, "Prometheus %s are %s, not a list", series ? "series" : "label values",
			         prom_priv_json_kind(data));
		} else {
			vals = calloc((size_t)cJSON_GetArraySize(data) + 1, sizeof *vals);
			ok = vals != NULL;
			cJSON_ArrayForEach(it, (ok ? data : NULL))
				if (!series && cJSON_IsString(it))
					vals[n++] = it->valuestring;
				else if (series && cJSON_IsObject(it) && !(vals[n++] = prom_series_text(it, false)))
					ok = false;
			if (!ok)
				snprintf(err, sizeof err, "out of memory reading Prometheus' %s",
				         series ? "series" : "label values");
		}
	}
	q->sfn(ok, err, vals, n, q->arg);
	for (size_t i = 0; series && i < n; i++)
		free(vals[i]);
	free(vals);
	cJSON_Delete(root);
	free(q);
}

static void strings_done(const struct http_resp *r, void *arg)
{
	list_done(r, arg, false);
}

static void series_done(const struct http_resp *r, void *arg)
{
	list_done(r, arg, true);
}

uint64_t prom_label_values(struct prom *p, const char *label, const char *match, prom_strings_fn fn, void *arg)
{
	const char *params[] = { "match[]", match, NULL };
	char path[200];

	snprintf(path, sizeof path, "/api/v1/label/%s/values", label);
	return request(p, path, match && *match ? params : NULL, true, strings_done, (struct query){ .sfn = fn, .arg = arg });
}

uint64_t prom_label_names(struct prom *p, const char *match, prom_strings_fn fn, void *arg)
{
	const char *params[] = { "match[]", match, NULL };

	return request(p, "/api/v1/labels", match && *match ? params : NULL, true, strings_done,
	               (struct query){ .sfn = fn, .arg = arg });
}

uint64_t prom_series_list(struct prom *p, const char *match, prom_strings_fn fn, void *arg)
{
	const char *params[] = { "match[]", match, NULL };

	return request(p, "/api/v1/series", params, false, series_done, (struct query){ .sfn = fn, .arg = arg });
}

/* ---- an answer as Prometheus wrote it ---- */

static void body_done(const struct http_resp *r, void *arg)
{
	struct query *q = arg;
	char err[300] = "";
	struct prom_body b = { 0 };
	bool answered = false;
	cJSON *root = NULL;

	if (!transport_failed(r, err, sizeof err)) {
		root = prom_priv_open_answer(r->status, r->content_type, r->body, r->len, &answered, NULL, 0, err,
		                             sizeof err);
		b.answered = answered || root;
		b.ok = root != NULL;
		/* Prometheus' own refusal is JSON too: handed over as it came */
		if (root || answered) {
			b.body = r->body;
			b.len = r->len;
		}
	}
	b.err = err;
	q->bfn(&b, q->arg);
	cJSON_Delete(root);
	free(q);
}

uint64_t prom_query_body(struct prom *p, const char *expr, prom_body_fn fn, void *arg)
{
	const char *params[] = { "query", expr, NULL };

	return request(p, "/api/v1/query", params, false, body_done, (struct query){ .bfn = fn, .arg = arg });
}
