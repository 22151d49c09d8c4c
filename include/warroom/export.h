/* export — the postmortem draft of an incident from the timeline database,
 * as Markdown or JSON: summary, SEV history, duration, detection to
 * mitigation and mitigation to recovery, the impact window, the timeline,
 * the actions and their outcomes with the golden signals when each ran, and
 * the follow-ups left open. And the deployment/rollback log the runbook asks
 * for after each rollback. Secrets are redacted on the way out; files are
 * 0600 in 0700 folders. Implemented in core/incident/export.c. */
#ifndef WARROOM_EXPORT_H
#define WARROOM_EXPORT_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct timeline;
struct action_result;
struct model;

enum export_format { EXPORT_MD, EXPORT_JSON };

/* The draft of incident id (0: the open one, else the newest) as text,
 * malloc'd (free()); NULL with words in err. *incident_id gets its id. */
char *export_incident(struct timeline *tl, const struct config *cfg, int64_t id, enum export_format fmt,
                      int64_t *incident_id, char *err, size_t errlen);

/* Writes text to path, 0600, creating folders 0700. 0, or -1 with words. */
int export_write_private(const char *path, const char *text, char *err, size_t errlen);

/* Where the drafts and logs go: the config's timeline: logs:, else a logs
 * folder beside the database in use (tl's, else the config's): each lab,
 * each --db keeps its own. */
void export_logs_dir(const struct timeline *tl, const struct config *cfg, char *buf, size_t len);

/* Both drafts into LOGS/postmortem/INC-N.{md,json}; the Markdown
 * path goes to md_path. 0, or -1 with words. */
int export_incident_files(struct timeline *tl, const struct config *cfg, int64_t id, char *md_path, size_t len,
                          char *err, size_t errlen);

/* After a rollback run (res): the runbook's log record (timestamp,
 * environment, version, commit, operator, strategy, status, verification,
 * ...) as LOGS/deployments/rollback_<stamp>.json. Reads the run's
 * details from the timeline. 0, or -1 with words; path gets the file. */
int export_rollback_log(struct timeline *tl, const struct config *cfg, const struct action_result *res,
                        char *path, size_t len, char *err, size_t errlen);

/* The model's golden signals now as a JSON object ({"rps":..,"error_ratio":..,
 * "p95_s":..,"p99_s":..,"queue":..}, the known ones); "" when none is known. */
void export_signals_json(const struct model *m, char *json, size_t len);

#endif
