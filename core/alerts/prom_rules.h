/* prom_rules — private to core/alerts/: Prometheus' alerting rules (GET
 * /api/v1/rules), their health and state and the alerts still pending, read
 * by prom_rules.c for the full Alertmanager poller (alertmgr.c), which hands
 * them to the alerts view in struct model_am. */
#ifndef WARROOM_PROM_RULES_H
#define WARROOM_PROM_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "warroom/http.h"
#include "warroom/model.h"

struct config;
struct endpoint;

/* The answer into am: the alerting rules (in error first, then firing,
 * pending, the rest by group and name), rules_total and rules_in_error, and
 * each pending alert as an AM_PENDING alert. Firing ones are left to
 * Alertmanager. 0, or -1 with words (Prometheus' own when it refused). */
int prom_rules_parse(const char *json, size_t len, const struct config *cfg, struct model_am *am,
                     char *err, size_t errlen);
/* GET base/api/v1/rules?type=alert. The http id, or 0 with words. */
uint64_t prom_rules_get(const struct endpoint *ep, struct http *http, http_done_fn fn, void *arg,
                        char *err, size_t errlen);

#endif
