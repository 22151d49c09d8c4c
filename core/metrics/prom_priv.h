/* prom_priv — what the Prometheus client's own files share (core/metrics/prom*.c
 * only; the public API is include/warroom/prom.h). These are prom_parse.c's,
 * the bottom of them: the answers read, no request made. */
#ifndef WARROOM_PROM_PRIV_H
#define WARROOM_PROM_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

/* What a JSON value is, for words: "a number", "an object". */
const char *prom_priv_json_kind(const cJSON *v);
/* A [time, "value"] pair's value; -1 with words when it is not one. */
int prom_priv_sample(const cJSON *pair, const char *what, double *out, char *err, size_t errlen);
/* The answer's JSON when Prometheus says success (its warnings copied), or
 * NULL with words: the same words prom_parse_response has. */
cJSON *prom_priv_open_answer(long status, const char *ctype, const char *body, size_t len, bool *answered,
                             char *warnings, size_t wlen, char *err, size_t errlen);

#endif
