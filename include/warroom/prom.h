/* prom — the Prometheus HTTP API (instant queries) and the golden-signals
 * poller that fills the model's metrics: request rate, error ratio, P95,
 * P99 and the offline queue, a round of parallel queries every refresh.
 * Every hostile answer (an HTTP error, a proxy's HTML page, garbage, a
 * Prometheus error, a value of the wrong type) becomes words. */
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

struct prom_poller;
/* fn after every round: ok false when Prometheus itself answered no query
 * (err says why). Each series keeps its own query's error. */
typedef void (*prom_round_fn)(bool ok, const char *err, void *arg);
struct prom_poller *prom_poller_new(struct loop *loop, struct prom *p, struct model_metrics *out,
                                    prom_round_fn fn, void *arg);
void prom_poller_start(struct prom_poller *pp, int refresh_ms);
void prom_poller_refresh(struct prom_poller *pp);
/* The poller's source: state, age, error, backoff. */
struct source *prom_poller_source(struct prom_poller *pp);
/* Stop before the HTTP engine is freed (its pending answers still arrive and
 * are dropped); free after it. */
void prom_poller_stop(struct prom_poller *pp);
void prom_poller_free(struct prom_poller *pp);

#endif
