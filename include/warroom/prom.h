/* prom — the Prometheus HTTP API (instant queries) and the golden-signals
 * poller that fills the model's metrics: request rate, error ratio, P95,
 * P99 and the offline queue, a round of parallel queries every refresh. */
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

/* The value of a sample string: "1.5", "1e+00", "NaN", "+Inf", "-Inf". */
double prom_parse_number(const char *s);
/* One number from a query answer: a scalar, or a vector with one sample
 * (none: NaN, not an error). Errors in words: Prometheus' own errorType and
 * error, or what was wrong with the body. */
int prom_parse_value(const char *json, size_t len, double *out, char *err, size_t errlen);

struct prom *prom_new(struct http *http, const struct config_endpoint *ep, char *err, size_t errlen);
void prom_free(struct prom *p);
const char *prom_url(const struct prom *p);

typedef void (*prom_value_fn)(bool ok, double v, const char *err, void *arg);
/* Instant query (POST, form-encoded); fn runs once from the loop. */
uint64_t prom_query(struct prom *p, const char *expr, prom_value_fn fn, void *arg);

/* The query behind each golden signal. */
const char *prom_signal_query(enum metric_id id);

struct prom_poller;
/* fn after every round: ok false when no query got an answer (err says why). */
typedef void (*prom_round_fn)(bool ok, const char *err, void *arg);
struct prom_poller *prom_poller_new(struct loop *loop, struct prom *p, struct model_metrics *out,
                                    prom_round_fn fn, void *arg);
void prom_poller_start(struct prom_poller *pp, int refresh_ms);
void prom_poller_refresh(struct prom_poller *pp);
/* Stop before the HTTP engine is freed (its pending answers still arrive and
 * are dropped); free after it. */
void prom_poller_stop(struct prom_poller *pp);
void prom_poller_free(struct prom_poller *pp);

#endif
