/* deploy — the one deployment model: where a blue-green deployment stands
 * (the seeds' pipeline stages 5 to 10), when traffic switched and how that
 * is known, the monitoring window and its time left, the baseline before the
 * switch, every rollback rule's state, and the recommendation with its reason
 * and target. It is rebuilt from what the cluster, Argo CD and Prometheus
 * record (deploy_query.c), so it is the same whenever the console or
 * `warroom watch` starts; a core watcher (deploy_install) keeps it in step
 * and writes the timeline. The views, `status`, `watch` and the incident
 * read it through their model (deploy_of); nothing else guesses a stage.
 * Implemented in core/deploy/: the engine deploy.c, the history's helpers
 * deploy_history.c, its words deploy_text.c, capacity deploy_capacity.c, the
 * watcher deploy_core.c and its questions deploy_query.c. */
#ifndef WARROOM_DEPLOY_H
#define WARROOM_DEPLOY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/model.h"
#include "warroom/slots.h"

struct argocd_app;
struct config;
struct kube;
struct loop;
struct prom;
struct timeline_event;

enum deploy_stage {
	DEPLOY_UNKNOWN = 0,     /* no slot data yet, or not blue-green with a known slot */
	DEPLOY_STEADY,          /* standby at 0, no deployment under way */
	DEPLOY_DEPLOYING,       /* [5] the idle slot scales up with the new version */
	DEPLOY_READY,           /* [6] new version ready, no traffic: the smoke test */
	DEPLOY_SWITCHED,        /* [7,8] the selector moved, endpoints settling */
	DEPLOY_MONITORING,      /* [9] the monitoring window runs */
	DEPLOY_PASSED,          /* window over without a breach: scale the old slot to 0 */
	DEPLOY_FINALIZED,       /* [10a] old slot at 0 */
	DEPLOY_ROLLED_BACK,     /* [10b] traffic back on the old slot: the deployment ended */
	DEPLOY_STAGE_COUNT
};

/* Where the switch time comes from, most trusted first. */
enum deploy_source {
	DSRC_NONE = 0,
	DSRC_ARGOCD,            /* deployedAt of the sync that changed the active slot */
	DSRC_MANAGED_FIELDS,    /* the Service's managedFields: the selector's manager and time */
	DSRC_PROM_TRAFFIC,      /* Prometheus: the moment the request rate moved to the slot */
	DSRC_SEEN,              /* this process saw the selector change */
	DSRC_REPLICASET,        /* the active slot's ReplicaSet was made: the switch came after */
	DSRC_COUNT
};

/* The seeds' rollback criteria (sustained for deploy.sustain_s, judged in the
 * window) and the fast rules (deploy.fast_sustain_s, judged whatever the
 * stage: a breach that is already an incident). */
enum deploy_rule {
	DRULE_ERRORS_BASELINE,  /* error ratio above baseline by more than 10 % */
	DRULE_P95_SLO,          /* P95 above its SLO by more than 20 % */
	DRULE_QUEUE_GROWING,    /* the offline queue grows */
	DRULE_FAST_ERRORS,      /* the live slot's error ratio over the SEV-2 line (5 %) */
	DRULE_FAST_P99,         /* the live slot's P99 over twice its SLO */
	DRULE_NO_READY,         /* no ready pod behind the service */
	DRULE_ANALYSIS,         /* an Argo Rollout's AnalysisRun failed or came out inconclusive */
	DRULE_COUNT
};

struct deploy_rule_state {
	bool holds;             /* the condition holds at the last sample */
	int64_t since_wall_ms;  /* when it began to hold (from history too); 0 when it does not */
	int samples;            /* samples in a row it held */
	double value, limit;    /* last measured value and the line it is compared with */
	bool fired;             /* held long enough: a breach */
};

/* What the history sources answered: each one's time of the switch to the
 * active slot (0: no answer), who made it, and each slot's current build. */
struct deploy_evidence {
	int64_t at[DSRC_COUNT];
	char by[DSRC_COUNT][64];
	char active[DSRC_COUNT][32];     /* the slot each answer is about */
	/* the switch before that one, as each source knows it (the end of an
	 * earlier window: the baseline starts after it) */
	int64_t before[DSRC_COUNT];
	/* the current ReplicaSet's creation per slot, by slot name; 0 unknown */
	char build_slot[SLOTS_MAX][32];
	int64_t build_ms[SLOTS_MAX];
	/* each source that is asked has answered (or failed): the model is rebuilt */
	bool traffic_done, builds_done, argocd_done;
	char traffic_error[160];
};

/* The newest rollback of this service: from the timeline (a restart knows
 * it), or seen by the model itself. The version rolled back from is the bad
 * one: R aimed at it asks for the confirmation to be typed. */
struct deploy_rollback {
	bool known;
	char from_slot[32], from_version[128];   /* rolled back from */
	long from_revision;                      /* its rollout then; 0 unknown */
	char to_slot[32], to_version[128];       /* rolled back to */
	int64_t wall_ms;                         /* when traffic was back, UTC ms */
	char by[64];
	char reason[200];                        /* the breach that called for it, "" unknown */
};

/* Why a standing breach has no rollback to recommend, or the target. */
struct deploy_target {
	bool ok;
	char slot[32], version[128];
	bool scale_up;               /* the standby is at 0: scale it up, then switch */
	bool undo;                   /* one deployment: roll it back to its previous revision */
	char action[16];             /* the action that does it: "" the rollback; an Argo Rollout's abort, undo */
	char none[200];              /* !ok: "both slots run 1.5.0: nothing to roll back to" */
};

/* The verification matrix the watcher ran by itself: before the switch (the
 * standby, at the smoke test) and after it (the new slot, in the window). */
enum deploy_matrix_when { DMATRIX_BEFORE, DMATRIX_AFTER, DMATRIX_COUNT };

struct deploy_matrix {
	char slot[32];               /* "" never ran for this deployment */
	bool running, pass;
	char summary[240];           /* "verification of green: 7/7 passed in 1.2 s" */
	char failed[240];            /* the failed rows: "Smoke test 500, Error rate 8.1 %" */
	/* the switch it ran for (switch_ms); before: -1 while that switch is
	 * still to come (it ran at the smoke test) */
	int64_t switch_ms;
	bool at_switch;              /* before: the smoke test was missed, it ran at the switch */
};

/* The seeds' capacity planning thresholds: a warning per trigger. */
enum deploy_capacity {
	DCAP_QUEUE,             /* offline queue over 10,000 items */
	DCAP_RPS,               /* over 100 req/s */
	DCAP_DB,                /* database over 50 GB (its 50Gi PVC) */
	DCAP_CPU,               /* CPU over 70 % of requests (the HPA's line) */
	DCAP_MEMORY,            /* memory over 75 % of requests */
	DCAP_COUNT
};

struct deploy_capacity_state {
	double value, limit;    /* last judged (NaN: none) and the line */
	double sample;          /* the newest from Prometheus (db, cpu, memory) */
	int64_t sampled_ms;     /* when sample came; 0 never */
	int64_t judged_ms;      /* the sample the line was last compared with */
	bool over;              /* over the line for two samples in a row */
	int streak;             /* samples in a row on the other side of the line */
	bool crossed;           /* over changed at the last step */
};

#define DEPLOY_CAPACITY_MAX DCAP_COUNT

struct deploy {
	const struct config *cfg;
	enum deploy_stage stage;
	int64_t stage_since_ms;      /* UTC ms */
	bool blue_green;

	/* The switch to the active slot, as the sources agree on it. */
	int64_t switch_ms;           /* UTC ms; 0 none known */
	enum deploy_source switch_source;
	bool switch_bound;           /* only a lower bound (DSRC_REPLICASET): the window has at most this left */
	char switch_by[64];          /* the field manager, Argo CD's initiator, the operator */
	char from_slot[32], to_slot[32];
	char from_version[128], to_version[128];
	long to_revision;
	int64_t window_ms, window_left_ms;
	bool rollback_switch;        /* the switch is a rollback (to the older build) */
	int64_t before_ms;           /* the switch before it, as the sources agreeing on it say; 0 unknown */

	/* The baseline: Prometheus history over the minutes before the switch,
	 * ending at least the rate window before it. */
	double baseline[MET_COUNT];
	bool has_baseline;
	int64_t baseline_from_ms, baseline_to_ms;
	char baseline_note[200];     /* why there is none, or what it covers */
	bool baseline_asked;         /* the core asked for it for this switch */

	/* The live slot's own signals (NaN: not measured). */
	char fast_slot[32];
	double fast_errors, fast_p99;
	int64_t fast_ms;
	double last_queue;

	struct deploy_rule_state rule[DRULE_COUNT];
	char analysis[200];          /* an Argo Rollout's failed analysis, in words ("" none) */

	/* The recommendation: a fired rule and something to roll back to. */
	bool recommend;
	enum deploy_rule reason_rule;
	char reason[240];            /* "errors 7.8 % > 5 % for 9 s" */
	int64_t recommend_ms;        /* UTC ms */
	struct deploy_target target;
	/* How the last one ended: "acted on", "declined by alice", "breach cleared" */
	char ended[160];
	int64_t ended_ms;
	char ended_reason[240];      /* the reason it had then */
	/* declined: not raised again until its breach clears */
	bool declined;
	enum deploy_rule declined_rule;
	/* A breach stands with nothing to roll back to: target.none says why. */
	bool breach;

	/* After a rollback: the signals going back under the baseline. */
	struct deploy_rollback rb;
	bool recovered;
	int64_t recovered_ms;

	struct deploy_evidence ev;
	bool rebuilt;                /* every history source answered once (or failed) */

	struct deploy_matrix matrix[DMATRIX_COUNT];
	struct deploy_capacity_state cap[DCAP_COUNT];
	char capacity[DEPLOY_CAPACITY_MAX][160];   /* the warnings that stand, in enum order */
	size_t ncapacity;

	/* bookkeeping of the steps */
	int last_active;             /* slot index the selector picked last, -1 */
	char last_active_name[32];
	uint64_t slots_gen;
	int64_t seen_metrics_ms, seen_fast_ms;
	int64_t seen_switch_ms;      /* the switch the rules and baseline belong to */
};

/* What a step saw change. */
enum deploy_event {
	DEPLOY_EV_STAGE     = 1u << 0,
	DEPLOY_EV_RECOMMEND = 1u << 1,   /* a recommendation began */
	DEPLOY_EV_CAPACITY  = 1u << 2,   /* a capacity line was crossed: cap[].crossed */
	DEPLOY_EV_SWITCH    = 1u << 3,   /* a new switch: its baseline and history are due */
	DEPLOY_EV_RULE      = 1u << 4,   /* a rule began or stopped holding, or fired */
	DEPLOY_EV_ENDED     = 1u << 5,   /* the recommendation ended: ended says how */
	DEPLOY_EV_RECOVERED = 1u << 6,   /* after a rollback, the signals are under the baseline */
	DEPLOY_EV_BREACH    = 1u << 7,   /* a breach with nothing to roll back to began */
};

void deploy_init(struct deploy *d, const struct config *cfg);
/* One step: the slots (may be NULL), the golden signals (may be NULL), UTC
 * now. Returns deploy_event bits. Pure: no I/O, for tests. */
unsigned deploy_step(struct deploy *d, const struct slots_state *st, const struct model_metrics *mm,
                     int64_t now_ms);
/* The live slot's own error ratio and P99 (NaN: unknown), measured at now_ms. */
void deploy_fast(struct deploy *d, const char *slot, double errors, double p99, int64_t now_ms);
/* A recommendation the operator declined (the rollback's plan answered no,
 * or the incident resolved over it): it ends, recorded with who. */
void deploy_decline(struct deploy *d, const char *who, int64_t now_ms);
/* The action that carries the recommendation out, by its name in the action
 * table: "rollback", or an Argo Rollout's "abort" or "undo" (d may be NULL). */
const char *deploy_target_action(const struct deploy *d);

/* ---- history (deploy_history.c): pure helpers the rebuild feeds ---- */

/* The switch the evidence agrees on, named by the most trusted source that
 * agrees with it within a few seconds. The Service's managedFields date the
 * selector's last change when they answer (a sync that left the selector as
 * it was is no switch, one by hand after a sync is); else the newest answer;
 * ReplicaSet creation only when nothing else answered (a lower bound). */
int64_t deploy_pick_switch(const struct deploy_evidence *ev, const char *active, enum deploy_source *src,
                           bool *bound);
/* Argo CD's history: the deployedAt of the newest sync that changed the
 * active slot to `active` (the Helm parameter param names it), who started
 * it, and the switch before it. False when the history does not say (no such
 * parameter, or its newest entry names another slot: a change by hand since). */
bool deploy_argocd_switch(const struct argocd_app *app, const char *param, const char *active, int64_t *at,
                          char *by, size_t bylen, int64_t *before);
/* Prometheus' request rate by slot (times oldest first, one value per slot
 * and time, NaN gaps): the last moment `active` took the larger share, and
 * the move before it. False when it never did; *always when it had it for
 * the whole range (the switch is older than the range). */
bool deploy_traffic_switch(const int64_t *t_ms, const double *active_rps, const double *other_rps, size_t n,
                           int64_t *at, int64_t *before, bool *always);
/* A ReplicaSetList: the creation time of each slot's ReplicaSet carrying
 * its Deployment's revision, into ev->build_*. 0, or -1 with words. */
int deploy_parse_builds(struct deploy_evidence *ev, const struct slots_state *st, const char *json,
                        size_t len, char *err, size_t errlen);
/* The baseline's range: ending rate_window_ms before the switch, at most
 * span_ms long, beginning rate_window_ms after the end of an earlier window
 * (before_ms, 0 none). False, with words in note, when nothing clean is left. */
bool deploy_baseline_range(int64_t switch_ms, int64_t before_ms, int64_t rate_window_ms, int64_t span_ms,
                           int64_t *from, int64_t *to, char *note, size_t notelen);
/* The longest range selector of a PromQL expression ("[1m]") in ms; dflt when none. */
int64_t deploy_rate_window_ms(const char *expr, int64_t dflt);
/* A baseline value from history (NaN: none), and the range it covers. */
void deploy_set_baseline(struct deploy *d, enum metric_id id, double mean, int64_t from, int64_t to);
/* A fast rule's signal over time (oldest first): how long the live slot has
 * been over its line, as if the model had watched it. */
void deploy_rule_recall(struct deploy *d, enum deploy_rule r, const int64_t *t_ms, const double *v, size_t n,
                        int64_t now_ms);
/* The newest rollback of ns/service among timeline events (newest first):
 * the model's own record, or the rollback action's plan and verification. */
bool deploy_recall_rollback(const struct timeline_event *ev, size_t n, const char *ns, const char *service,
                            struct deploy_rollback *out);
/* The detail JSON the model records with a rollback it saw (malloc'd). */
char *deploy_rollback_json(const struct deploy *d);

/* ---- words (deploy_text.c) ---- */

const char *deploy_stage_name(enum deploy_stage s);     /* "monitoring", "rolled-back" */
const char *deploy_stage_title(enum deploy_stage s);    /* "Monitoring window" */
const char *deploy_source_words(enum deploy_source s);  /* "from Prometheus traffic by slot" */
const char *deploy_source_name(enum deploy_source s);   /* "prometheus-traffic" */
const char *deploy_rule_name(enum deploy_rule r);       /* "errors-sev2" */
/* The rule's line in words: "error ratio over 5.0 % for 2 s". */
void deploy_rule_text(const struct deploy *d, enum deploy_rule r, char *buf, size_t len);
/* Where the deployment stands in a line: "MONITORING green 1.5.0: 4:12 left
 * of 5:00, switched 11:02:41 from Argo CD history", "ROLLED BACK to blue
 * 1.4.2 at 11:05:12 by alice". */
void deploy_stage_line(const struct deploy *d, int64_t now_ms, char *buf, size_t len);
/* The recommendation, key the front-end's name of the rollback and dash its
 * dash: "Rollback recommended: errors 7.8 % > 5 % for 9 s — R rolls back to
 * blue 1.4.2"; a breach without a target: "Breach: ... — both slots run
 * 1.5.0: nothing to roll back to"; "" when neither stands. */
void deploy_banner(const struct deploy *d, const char *key, const char *dash, char *buf, size_t len);
/* Its short form for a status bar: "ROLLBACK: R to blue", "" when none. */
void deploy_banner_short(const struct deploy *d, const char *key, char *buf, size_t len);
/* The model as a JSON object (status --json, watch --json); malloc'd. */
char *deploy_to_json(const struct deploy *d, int64_t now_ms);

/* The seeds' pre-deployment checklist, in order; n gets its length. */
const char *const *deploy_checklist(size_t *n);
/* Which items are ticked for the next deployment, from the timeline's recent
 * events (newest first): "checklist" events since the last deployment ended.
 * ticked[i] for item i (0-based); returns how many are ticked. */
size_t deploy_checklist_ticked(const struct timeline_event *ev, size_t n, bool *ticked, size_t nitems);

/* ---- capacity (deploy_capacity.c) ---- */

/* A capacity signal Prometheus measured (NaN: the query failed or is empty);
 * the next step compares it with its line. */
void deploy_capacity_sample(struct deploy *d, enum deploy_capacity c, double v, int64_t now_ms);
/* The step's part for capacity: queue and req/s from the golden signals,
 * the others from their samples; sets DEPLOY_EV_CAPACITY on a crossing. */
void deploy_capacity_step(struct deploy *d, const struct model_metrics *mm, int64_t now_ms, unsigned *ev);
/* One warning in words: "CPU 120 % of requests (busiest pod), over 70 %: ...". */
void deploy_capacity_text(const struct deploy *d, enum deploy_capacity c, char *buf, size_t len);
const char *deploy_capacity_name(enum deploy_capacity c);   /* "cpu" */
/* A capacity query with {namespace} put in (malloc'd), NULL when it has none configured. */
char *deploy_capacity_query(const struct config *cfg, enum deploy_capacity c);

/* ---- the watcher (deploy_core.c, deploy_query.c) ---- */

/* Whether a step's stage change calls for that matrix, the slot it goes to
 * in slot: before, entering the smoke test (the standby), or at the switch
 * when the smoke test was not seen (the new slot); after, once the window
 * opens (the new slot). Once per switch. Pure, for tests. */
bool deploy_matrix_due(const struct deploy *d, const struct slots_state *st, unsigned ev,
                       enum deploy_matrix_when when, char *slot, size_t len);

/* The clients the watcher reads history with; any may be NULL (that source
 * is then not asked). */
struct deploy_io {
	struct loop *loop;
	struct prom *prom;
	struct kube *kube;
};

/* The watcher: rebuilds the model from history once the slots are known,
 * follows m, writes stage changes, the recommendation and how it ended to
 * the timeline, and the deployment log on finalize and on rollback. With a
 * loop and Prometheus it measures the live slot's own signals every
 * refresh. Free after the model's last update. */
struct deploy_core;
struct deploy_core *deploy_install(struct model *m, const struct deploy_io *io);
/* Cancels what it asked the cluster: before the sources close (the cluster's
 * client drops its requests without calling back). */
void deploy_core_stop(struct deploy_core *c);
/* After the sources closed (Prometheus' cancellations are delivered then). */
void deploy_core_free(struct deploy_core *c);
/* With the action layer the watcher runs the matrix itself (deploy_matrix_due)
 * through the check action, which records it; NULL: only on `c`. */
struct actions;
void deploy_core_set_actions(struct deploy_core *c, struct actions *q);
/* The model m's watcher keeps (views, status and watch read it), or NULL. */
const struct deploy *deploy_of(const struct model *m);

#endif
