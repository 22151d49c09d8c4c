/* alertmgr — Alertmanager API v2: the firing alerts for the overview and the
 * headless status; every alert, group and silence of one or more
 * Alertmanagers for the alerts view (core/alerts/alertmgr_parse.c), the matchers
 * operators type (core/alerts/alertmgr_match.c), and the watcher that writes alert
 * changes to the timeline during an incident (core/alerts/alertmgr_watch.c).
 * Implemented in core/alerts/: the poller alertmgr.c, the answers
 * alertmgr_parse.c, matchers alertmgr_match.c, the timeline watcher
 * alertmgr_watch.c. */
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
/* The poller's source: state, age, error, backoff. */
struct source *alertmgr_source(struct alertmgr *am);
/* Routes every request: to each Alertmanager and to the Prometheus the rules
 * come from. connect_to holds a route per host:port, comma-separated. */
int alertmgr_set_connect_to(struct alertmgr *am, const char *connect_to);
/* As for the prom poller: stop before http_free, free after. */
void alertmgr_stop(struct alertmgr *am);
void alertmgr_free(struct alertmgr *am);

/* ---- every alert, its groups and silences (the alerts view) ----
 * Each parser merges one Alertmanager's answer into *am: src is its index
 * (0..MODEL_AM_SOURCES-1), alerts and silences already there (the other of
 * an HA pair) are matched by fingerprint and id and keep one entry. Text is
 * made valid UTF-8 on one line; cut values are marked. 0, or -1 with words. */
int alertmgr_parse_all(const char *json, size_t len, const struct config *cfg, unsigned src, struct model_am *am,
                       char *err, size_t errlen);
/* For the parsers of core/ (prom_rules.c): one alert object (an
 * Alertmanager or Prometheus one) into *a, false when it is not one; and a
 * parsed alert into the list (merged with the same fingerprint, or left out
 * when the list is full of more urgent ones: false). */
struct cJSON;
bool alertmgr_read_alert(const struct cJSON *al, const struct config *cfg, struct model_am_alert *a);
bool alertmgr_add_alert(struct model_am *am, const struct model_am_alert *a);
/* GET /api/v2/alerts/groups: the groups, and each alert's first group. */
int alertmgr_parse_groups(const char *json, size_t len, struct model_am *am, char *err, size_t errlen);
/* GET /api/v2/silences. */
int alertmgr_parse_silences(const char *json, size_t len, unsigned src, struct model_am *am,
                            char *err, size_t errlen);
/* The alerts firing first, then pending and unprocessed, then suppressed;
 * within each by severity (the policy's critical ones first), then the
 * oldest; silences active, pending, expired (the newest end first). */
void alertmgr_sort(struct model_am *am);
/* dst becomes src, touching only the entries in use (and dst's old ones
 * past src's counts, which go back to zero). */
void alertmgr_am_copy(struct model_am *dst, const struct model_am *src);
/* am as calloc left it, clearing only the entries in use. */
void alertmgr_am_clear(struct model_am *am);
/* The overview's summary from the full list: active alerts only. */
void alertmgr_summarize(const struct model_am *am, const struct config *cfg, struct model_alerts *out);
const char *alertmgr_state_name(enum model_am_state st);
const char *alertmgr_label(const struct model_am_alert *a, const char *name);   /* "" when absent */
const struct model_silence *alertmgr_find_silence(const struct model_am *am, const char *id);

/* ---- matchers, as Alertmanager and amtool write them ----
 * `alertname=~"High.*", severity!=info`: =, !=, =~, !~; values quoted (with
 * \" \\ \n escapes) or bare; braces optional; comma-separated. Regexes are
 * anchored as Alertmanager anchors them (POSIX extended syntax here). */
#define ALERTMGR_MATCHERS 16

struct alertmgr_matchers {
	struct model_am_matcher m[ALERTMGR_MATCHERS];
	size_t n;
	void *re[ALERTMGR_MATCHERS];   /* compiled regexes (regex_t), NULL for = and != */
};

int alertmgr_matchers_parse(const char *s, struct alertmgr_matchers *out, char *err, size_t errlen);
void alertmgr_matchers_free(struct alertmgr_matchers *ms);
/* Every matcher holds for the alert's labels (a missing label is ""). */
bool alertmgr_matchers_match(const struct alertmgr_matchers *ms, const struct model_am_alert *a);
/* Whether a matcher matches the empty string: Alertmanager refuses a
 * silence whose matchers all do. */
bool alertmgr_matcher_matches_empty(const struct alertmgr_matchers *ms, size_t i);
/* Matchers back as text, `name="value", ...`, values quoted and escaped. */
void alertmgr_matchers_format(const struct model_am_matcher *m, size_t n, char *buf, size_t len);
/* The matchers that pick this alert out: each of its labels (cut ones left
 * out), as equality matchers. */
size_t alertmgr_alert_matchers(const struct model_am_alert *a, struct model_am_matcher *out, size_t max);

/* "1h", "90m", "2h30m", "1d", "1w": seconds, or -1. */
long alertmgr_parse_duration(const char *s);

/* ---- the full poller ----
 * The same poller in full: every round asks each configured Alertmanager
 * (alertmanager.url and alertmanager.urls) for its alerts, groups and
 * silences, and Prometheus for its rules, and once all have answered fills
 * the full state and *out (the overview's summary, active alerts only). The
 * round is good when one Alertmanager answered; each one's failure is kept
 * in the state's error[]. Call before its source starts; 0 or -1 with words. */
int alertmgr_enable_full(struct alertmgr *am, char *err, size_t errlen);
/* The full state (NULL when not enabled); it lives as long as am. */
const struct model_am *alertmgr_full(const struct alertmgr *am);
/* The Alertmanagers the config names, url first, duplicates dropped. */
size_t alertmgr_config_urls(const struct config *cfg, const char **urls, size_t max);

/* ---- the watcher: alerts to the timeline during an incident ---- */
struct alertmgr_watch;
/* Follows m->am after every update: while an incident is open, an alert
 * that starts firing, resolves, or is silenced is written to the timeline
 * (the first round only learns what is there). */
struct alertmgr_watch *alertmgr_watch_install(struct model *m);
/* Removes it from m's watchers and frees it. */
void alertmgr_watch_free(struct alertmgr_watch *w, struct model *m);

#endif
