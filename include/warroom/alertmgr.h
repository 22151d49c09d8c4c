/* alertmgr — Alertmanager API v2: the firing alerts, for the model and the
 * headless status. */
#ifndef WARROOM_ALERTMGR_H
#define WARROOM_ALERTMGR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/model.h"

struct config;
struct http;
struct loop;
struct source;

/* GET /api/v2/alerts answer into *out: critical first, then the oldest;
 * counts by severity over every alert. Which severities are critical is the
 * policy's (policy.h; cfg NULL: the defaults). Errors in words. */
int alertmgr_parse_alerts(const char *json, size_t len, const struct config *cfg, struct model_alerts *out,
                          char *err, size_t errlen);
/* startsAt ("2026-11-21T14:03:10.123Z", with or without fraction or offset)
 * as UTC ms; 0 when unreadable. */
int64_t alertmgr_parse_time(const char *s);

struct alertmgr;
typedef void (*alertmgr_fn)(bool ok, const char *err, void *arg);
/* Polls the active, unsilenced, uninhibited alerts every refresh into *out,
 * from cfg's alertmanager: endpoint; cfg must outlive the poller. */
struct alertmgr *alertmgr_new(struct loop *loop, struct http *http, const struct config *cfg,
                              struct model_alerts *out, alertmgr_fn fn, void *arg, char *err, size_t errlen);
void alertmgr_start(struct alertmgr *am, int refresh_ms);
void alertmgr_refresh(struct alertmgr *am);
/* The poller's source: state, age, error, backoff. */
struct source *alertmgr_source(struct alertmgr *am);
int alertmgr_set_connect_to(struct alertmgr *am, const char *connect_to);
/* As for the prom poller: stop before http_free, free after. */
void alertmgr_stop(struct alertmgr *am);
void alertmgr_free(struct alertmgr *am);

#endif
