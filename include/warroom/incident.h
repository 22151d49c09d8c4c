/* incident — an incident's life after it is declared: the response clock of
 * its SEV, its status (investigating, contained, recovered, resolved), its
 * roles (incident commander, scribe), the first response (ack), and the SEV
 * the live signals suggest. Everything is kept in the timeline database, so
 * a console killed mid-incident resumes it exactly.
 * Implemented in core/incident/: incident.c, incident_watch.c. */
#ifndef WARROOM_INCIDENT_H
#define WARROOM_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/model.h"
#include "warroom/timeline.h"

struct config;

enum incident_status {
	INCIDENT_INVESTIGATING, INCIDENT_CONTAINED, INCIDENT_RECOVERED, INCIDENT_RESOLVED, INCIDENT_STATUS_COUNT
};

enum incident_role { INCIDENT_COMMANDER, INCIDENT_SCRIBE };

const char *incident_status_name(enum incident_status st);
/* "contained", "mitigated" (= contained), "recovered", ...; -1 when unknown. */
int incident_status_parse(const char *s);
/* "ic", "commander", "incident-commander"; "scribe"; -1 when unknown. */
int incident_role_parse(const char *s);
const char *incident_role_name(enum incident_role role);

/* The response clock: the SEV's target (policy_sev_response_min) counted
 * from the declaration until the first response. */
struct incident_clock {
	int target_min;          /* 0: next business day, never overdue here */
	int64_t elapsed_s;       /* since it was opened; until the ack once acknowledged */
	int64_t left_s;          /* target minus elapsed; negative once passed */
	bool acked;
	bool overdue;            /* not acknowledged and the target has passed */
};
void incident_clock(const struct config *cfg, const struct timeline_incident *inc, int64_t now_wall_ms,
                    struct incident_clock *out);
/* "ack 5m: 3:12 left", "ack 5m: 1:04 OVERDUE", "acked in 0:43", "ack next business day". */
void incident_clock_text(const struct incident_clock *c, char *buf, size_t len);

/* Writes of the open incident (timeline_incident_ack and _set_role for the
 * others); 0 on success, -1 with timeline_errmsg(tl). */
/* Contained and recovered stamp their clock once (recovered stamps
 * contained too when it was skipped); resolved stamps nothing and does not
 * close: the resolve action does. */
int incident_set_status(struct timeline *tl, int64_t id, enum incident_status st, int64_t when_ms);
int incident_set_role(struct timeline *tl, int64_t id, enum incident_role role, const char *name);

/* The SEV the signals call for, per the runbook's table: no ready pod behind
 * the active slot, or no detections reaching TAK (every push failing, from
 * the push counters): SEV-1; an error ratio over 5 %, or TAK pushes failing
 * and queuing: SEV-2. When several apply, the higher SEV wins and says every
 * reason of its level. sev 0: none. The suggestion's since_wall_ms is left 0
 * (the watcher keeps it). Live values only: an alert's text is never read. */
void incident_suggest(const struct model *m, struct model_suggestion *out);
#define INCIDENT_ERROR_RATIO_SEV2 0.05
#define INCIDENT_TAK_ALL_FAIL 0.995   /* every push, give or take a straggler */
#define INCIDENT_TAK_FAILING 0.05     /* the TAKPushFailures rule's line */

/* What stays open when the incident is resolved, newest first: a silence
 * set with warroom that still hides its alerts (not expired, its end to
 * come), Argo CD auto-sync a rollback turned off and nobody re-enabled. The
 * text names actions as {NAME} (actions_text_expand). Returns how many. */
enum incident_followup_kind { INCIDENT_FOLLOWUP_SILENCE, INCIDENT_FOLLOWUP_AUTOSYNC };
struct incident_followup {
	enum incident_followup_kind kind;
	char text[240];
};
size_t incident_followups(struct timeline *tl, int64_t now_wall_ms, struct incident_followup *out, size_t max);

/* The incident watchers (core/incident/incident_watch.c): they follow the
 * model after every update, in the console and headless alike. They record
 * the service's outages as they begin and end and keep the SEV the signals
 * suggest (alerts are alertmgr_watch's). Install on m (its timeline
 * set, or NULL to record nothing); free after the model's last update. */
struct incident_watch;
struct incident_watch *incident_watch_install(struct model *m);
void incident_watch_free(struct incident_watch *w);

#endif
