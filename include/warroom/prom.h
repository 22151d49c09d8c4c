/* prom — the Prometheus HTTP API (instant queries) and the golden-signals
 * poller that fills the model's metrics: request rate, error ratio, P95,
 * P99 and the offline queue, a round of parallel queries every refresh.
 * Every hostile answer (an HTTP error, a proxy's HTML page, garbage, a
 * Prometheus error, a value of the wrong type) becomes words.
 * Implemented in core/metrics/: answers prom_parse.c and prom_series.c,
 * requests prom.c, the poller prom_poller.c. */
#ifndef WARROOM_PROM_H
#define WARROOM_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/model.h"

struct config_endpoint;
struct http;
struct loop;
struct prom;
struct source;

/* The value of a sample string: "1.5", "1e+00", "NaN", "+Inf", "-Inf". */
double prom_parse_number(const char *s);
/* One number from a query answer: a scalar, or a vector with one sample
 * (none: NaN, not an error). Errors in words: Prometheus' own errorType and
 * error, or what was wrong with the body ("Prometheus sample value is a
 * number, not a string"). */
int prom_parse_value(const char *json, size_t len, double *out, char *err, size_t errlen);

/* What one query got back. */
struct prom_answer {
	bool ok;              /* v holds the value (NaN: no data) */
	bool answered;        /* Prometheus itself answered (its own error counts) */
	bool empty;           /* ok, but no series */
	double v;
	const char *err;      /* words, "" when ok */
};
/* A whole HTTP answer (status, Content-Type, body) into *a, err its words:
 * "Prometheus answered HTTP 500: <first words of the body>", "Prometheus
 * answered an HTML page (a proxy?), not JSON", "Prometheus: bad_data: ...". */
void prom_parse_response(long status, const char *content_type, const char *body, size_t len,
                         struct prom_answer *a, char *err, size_t errlen);

struct prom *prom_new(struct http *http, const struct config_endpoint *ep, char *err, size_t errlen);
void prom_free(struct prom *p);
const char *prom_url(const struct prom *p);
/* Routes the client's requests (CURLOPT_CONNECT_TO), e.g. through a tunnel. */
int prom_set_connect_to(struct prom *p, const char *connect_to);

typedef void (*prom_value_fn)(const struct prom_answer *a, void *arg);
/* Instant query: GET while short, a POST form when long; fn runs once from
 * the loop. 0 when it could not start (fn does not run). */
uint64_t prom_query(struct prom *p, const char *expr, prom_value_fn fn, void *arg);

/* The query behind each golden signal. */
const char *prom_signal_query(enum metric_id id);
/* The failing share of TAK pushes over the last two samples of each pod's
 * counter (irate): the SEV suggestion's live TAK signal. */
#define PROM_TAK_FAILING_QUERY "sum(irate(tak_push_total{result=\"failure\"}[1m])) / sum(irate(tak_push_total[1m]))"
/* A signal's value as the console shows it: "18.9", "8.10%", "212ms",
 * "+Inf", and "no data" for NaN (the series' answer tells NaN apart). */
void prom_signal_format(enum metric_id id, double v, char *buf, size_t len);

struct prom_poller;
/* fn after every round: ok false when no answer could be read (err says
 * why: unreachable, or answers nobody can use, such as bad_data or values
 * of the wrong type). Each series keeps its own query, what its answer was
 * (a number, NaN, nothing matched) and its error. An error ratio that
 * matched nothing while the request rate is a number is 0. */
typedef void (*prom_round_fn)(bool ok, const char *err, void *arg);
struct prom_poller *prom_poller_new(struct loop *loop, struct prom *p, struct model_metrics *out,
                                    prom_round_fn fn, void *arg);
/* The query behind one signal, from a dashboard's panel (copied); NULL: the
 * built-in one again. */
void prom_poller_set_query(struct prom_poller *pp, enum metric_id id, const char *expr);
/* One more query each round, beside the signals: its values go to out (the
 * overview's strip panels that are no golden signal). Its index, or -1 when
 * PROM_EXTRA are there already or expr is empty. */
#define PROM_EXTRA (MODEL_STRIP + 1)   /* the strip's panels and the TAK push share */
int prom_poller_add(struct prom_poller *pp, const char *expr, struct model_series *out);
/* The poller's source: state, age, error, backoff. */
struct source *prom_poller_source(struct prom_poller *pp);
/* Stop before the HTTP engine is freed (its pending answers still arrive and
 * are dropped); free after it. */
void prom_poller_stop(struct prom_poller *pp);
void prom_poller_free(struct prom_poller *pp);

/* ---- series: range queries, instant vectors, label values ---- */

#define PROM_SERIES_MAX 64      /* series kept of one answer; more are counted, not kept */

struct prom_series {
	char *name;             /* {job="x", pod="y"} as Prometheus writes it, "" for a scalar */
	char **key, **val;      /* the labels, __name__ included */
	size_t nlabels;
	int64_t *t_ms;          /* sample times, oldest first */
	double *v;              /* values as the API gives them: NaN, +Inf and -Inf included */
	size_t n;
};

/* A query's answer as series: a matrix, a vector (one sample a series) or a
 * scalar. err is "" when ok; warnings are Prometheus' own, joined. */
struct prom_matrix {
	bool ok;
	bool answered;          /* Prometheus itself answered (its own error counts) */
	const char *err;
	char warnings[200];
	struct prom_series *s;
	size_t ns;
	size_t dropped;         /* series past PROM_SERIES_MAX */
	int64_t elapsed_ms;
};

/* A whole HTTP answer as series; frees nothing it did not allocate. */
void prom_parse_matrix(long status, const char *content_type, const char *body, size_t len,
                       struct prom_matrix *m, char *err, size_t errlen);
void prom_matrix_free(struct prom_matrix *m);
/* The label's value in a series, NULL when it has none. */
const char *prom_series_label(const struct prom_series *s, const char *key);

typedef void (*prom_matrix_fn)(const struct prom_matrix *m, void *arg);
/* /api/v1/query_range (a POST form when long). Times in ms since the epoch. */
uint64_t prom_query_range(struct prom *p, const char *expr, int64_t start_ms, int64_t end_ms, int64_t step_ms,
                          prom_matrix_fn fn, void *arg);
/* /api/v1/query answered as series (every one of a vector). */
uint64_t prom_query_series(struct prom *p, const char *expr, prom_matrix_fn fn, void *arg);

/* A list of strings (label values): ok, or err in words. */
typedef void (*prom_strings_fn)(bool ok, const char *err, char *const *vals, size_t n, void *arg);
/* /api/v1/label/LABEL/values, only of series matching match when not NULL/"". */
uint64_t prom_label_values(struct prom *p, const char *label, const char *match, prom_strings_fn fn, void *arg);
/* /api/v1/labels: the label names (of series matching match when not NULL/""). */
uint64_t prom_label_names(struct prom *p, const char *match, prom_strings_fn fn, void *arg);
/* /api/v1/series: the series matching match, each as Grafana lists them
 * for a variable, name{k="v",k2="v2"}. */
uint64_t prom_series_list(struct prom *p, const char *match, prom_strings_fn fn, void *arg);
/* A series' labels as text, name{k="v",k2="v2"}: as Grafana lists them
 * for a variable (values as they are), or with table as Prometheus' own
 * table shows them (", " between, values quoted as PromQL quotes them).
 * malloc'd; NULL out of memory. */
struct cJSON;
char *prom_series_text(const struct cJSON *metric, bool table);

/* An instant query's answer as Prometheus wrote it (for printing every
 * series, or the API's own JSON). */
struct prom_body {
	bool ok;                /* Prometheus said success */
	bool answered;          /* Prometheus itself answered (its refusal counts): body is its JSON */
	const char *body;       /* NULL when it did not answer */
	size_t len;
	const char *err;        /* words, "" when ok */
};
typedef void (*prom_body_fn)(const struct prom_body *b, void *arg);
uint64_t prom_query_body(struct prom *p, const char *expr, prom_body_fn fn, void *arg);

#endif
