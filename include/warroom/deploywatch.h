/* deploywatch — the deployment window: where a blue-green deployment stands
 * (the seeds' pipeline stages 5 to 10), the signals before the traffic switch
 * as the baseline, and the rules that recommend a rollback while the window
 * runs. A core watcher (model_watch_add): the console and `warroom watch`
 * see the same stages, the same breach and write the same timeline.
 * Implemented in core/deploy/: deploywatch_core.c (the stages and rules),
 * deploywatch_capacity.c, deploywatch.c (the watcher on the model). */
#ifndef WARROOM_DEPLOYWATCH_H
#define WARROOM_DEPLOYWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/model.h"

struct config;
struct loop;
struct prom;
struct slots_state;

enum deploy_stage {
	DEPLOY_UNKNOWN = 0,     /* no slot data yet */
	DEPLOY_IDLE,            /* standby at 0 replicas */
	DEPLOY_SCALING,         /* [5] the idle slot scales up with the new version */
	DEPLOY_READY,           /* [6] new version ready, no traffic: smoke tests */
	DEPLOY_SWITCHED,        /* [7,8] the selector moved, endpoints settling */
	DEPLOY_MONITOR,         /* [9] the monitoring window runs */
	DEPLOY_PASSED,          /* window over without a breach: scale the old slot to 0 */
	DEPLOY_FINALIZED,       /* [10a] old slot at 0 */
	DEPLOY_ROLLED_BACK,     /* [10b] traffic back on the old slot */
	DEPLOY_STAGE_COUNT
};

/* The seeds' rollback criteria (sustained for deploy.sustain_s) and the fast
 * rules for a breach that is already an incident (deploy.fast_sustain_s). */
enum deploy_rule {
	DRULE_ERRORS_BASELINE,  /* error ratio above baseline by more than 10 % */
	DRULE_P95_SLO,          /* P95 above its SLO by more than 20 % */
	DRULE_QUEUE_GROWING,    /* the offline queue grows */
	DRULE_FAST_ERRORS,      /* error ratio over the SEV-2 line (5 %) */
	DRULE_FAST_P99,         /* P99 over twice its SLO */
	DRULE_NO_READY,         /* no ready pod behind the service */
	DRULE_COUNT
};

struct deploy_rule_state {
	bool holds;             /* the condition holds at the last sample */
	int64_t since_ms;       /* monotonic, when it began to hold; 0 when it does not */
	int samples;            /* samples in a row it held */
	double value, limit;    /* last measured value and the line it is compared with */
	bool fired;
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

/* The verification matrix the watcher ran by itself: before the switch (the
 * standby, at the smoke test) and after it (the new slot, in the window). */
enum deploy_matrix_when { DMATRIX_BEFORE, DMATRIX_AFTER, DMATRIX_COUNT };

struct deploy_matrix {
	char slot[32];               /* "" never ran for this deployment */
	bool running, pass;
	char summary[240];           /* "verification of green: 7/7 passed in 1.2 s" */
	char failed[240];            /* the failed rows: "Smoke test 500, Error rate 8.1 %" */
	/* the switch it ran for (deploywatch switch_ms); before: -1 while that
	 * switch is still to come (it ran at the smoke test) */
	int64_t switch_ms;
	bool at_switch;              /* before: the smoke test was missed, it ran at the switch */
};

struct deploywatch {
	const struct config *cfg;
	enum deploy_stage stage;
	int64_t stage_since_ms;
	int last_active;             /* slot index the selector picked last, -1 */
	char from_slot[32], to_slot[32];
	char from_version[128], to_version[128];
	long to_revision;
	int64_t switch_ms, switch_wall_ms;   /* 0: no switch seen */
	int64_t window_left_ms;

	/* Baseline: the mean of the samples before the switch. */
	double base_sum[MET_COUNT];
	int base_n[MET_COUNT];
	bool has_baseline;
	double baseline[MET_COUNT];
	double last_queue;

	/* The active slot's own error ratio and P99 (NaN: not measured): a new
	 * slot's ratio is its own from the first scrape, where the service-wide
	 * 1-minute ratio would still be diluted by the old slot's clean minute. */
	double fast_errors, fast_p99;
	int64_t fast_ms;

	struct deploy_rule_state rule[DRULE_COUNT];
	bool recommend;              /* rollback recommended */
	enum deploy_rule reason_rule;
	char reason[240];            /* "error ratio 8.1 % vs baseline 0.2 % for 9 s" */
	int64_t recommend_ms;        /* monotonic */

	struct deploy_matrix matrix[DMATRIX_COUNT];
	struct deploy_capacity_state cap[DCAP_COUNT];
	char capacity[DEPLOY_CAPACITY_MAX][160];   /* the warnings that stand, in enum order */
	size_t ncapacity;
	uint64_t slots_gen;
	int64_t seen_metrics_ms, seen_fast_ms;   /* the samples the rules counted last */
	/* Set before the first step: a switch that happened before the watch
	 * began (the old slot still up) opens a window now, without a baseline. */
	bool adopt;
	/* The newest rollback the timeline holds for this service (traffic sent
	 * from rb_from back to rb_to at rb_wall_ms, UTC): a watch that begins
	 * after it knows the standby holds what was rolled back. */
	char rb_from[32], rb_to[32];
	int64_t rb_wall_ms;          /* 0: none recorded */
};

/* A rollback recorded before the first step (see rb_from). */
void deploywatch_recorded_rollback(struct deploywatch *d, const char *from_slot, const char *to_slot,
                                   int64_t wall_ms);

/* What a step saw change. */
enum deploy_event {
	DEPLOY_EV_STAGE     = 1u << 0,
	DEPLOY_EV_RECOMMEND = 1u << 1,
	DEPLOY_EV_CAPACITY  = 1u << 2,   /* a capacity line was crossed: cap[].crossed */
};

void deploywatch_init(struct deploywatch *d, const struct config *cfg);
/* One step: the slots (may be NULL), the golden signals, monotonic and UTC
 * now. Returns deploy_event bits. Pure: no I/O, for tests. */
unsigned deploywatch_step(struct deploywatch *d, const struct slots_state *st, const struct model_metrics *mm,
                          int64_t now_ms);
/* The active slot's own signals (NaN: unknown). */
void deploywatch_fast(struct deploywatch *d, double errors, double p99, int64_t now_ms);

/* A capacity signal Prometheus measured (NaN: the query failed or is empty);
 * the next step compares it with its line. */
void deploywatch_capacity_sample(struct deploywatch *d, enum deploy_capacity c, double v, int64_t now_ms);
/* The step's part for capacity: queue and req/s from the golden signals,
 * the others from their samples; sets DEPLOY_EV_CAPACITY on a crossing. */
void deploywatch_capacity_step(struct deploywatch *d, const struct model_metrics *mm, int64_t now_ms,
                               unsigned *ev);
/* One warning in words: "CPU 120 % of requests (busiest pod), over 70 %: ...". */
void deploywatch_capacity_text(const struct deploywatch *d, enum deploy_capacity c, char *buf, size_t len);
const char *deploywatch_capacity_name(enum deploy_capacity c);   /* "cpu" */
/* A capacity query with {namespace} put in (malloc'd), NULL when it has none configured. */
char *deploywatch_capacity_query(const struct config *cfg, enum deploy_capacity c);

const char *deploywatch_stage_name(enum deploy_stage s);    /* "monitor" */
const char *deploywatch_stage_title(enum deploy_stage s);   /* "Monitoring window" */
const char *deploywatch_rule_name(enum deploy_rule r);
/* The rule's line in words: "error ratio over 5.0 % for 3 s". */
void deploywatch_rule_text(const struct deploywatch *d, enum deploy_rule r, char *buf, size_t len);
/* The banner: "Rollback recommended: ... - {rollback} to roll back" (the
 * front-end names the key), "" when none. */
void deploywatch_banner(const struct deploywatch *d, char *buf, size_t len);

/* The seeds' pre-deployment checklist, in order; n gets its length. */
const char *const *deploywatch_checklist(size_t *n);
/* Which items are ticked for the next deployment, from the timeline's recent
 * events (newest first): "checklist" events since the last deployment ended.
 * ticked[i] for item i (0-based); returns how many are ticked. */
size_t deploywatch_checklist_ticked(const struct timeline_event *ev, size_t n, bool *ticked, size_t nitems);

/* The watcher: follows m, writes stage changes and the recommendation to the
 * timeline, and the deployment log on finalize and on rollback. With a loop
 * and a Prometheus client it also measures the active slot's own signals
 * every refresh. Free after the model's last update. */
struct deploywatch_core;
struct deploywatch_core *deploywatch_install(struct model *m, struct loop *loop, struct prom *prom);
void deploywatch_core_free(struct deploywatch_core *c);
/* Whether a step's stage change calls for that matrix, the slot it goes to
 * in slot: before, entering the smoke test (the standby), or at the switch
 * when the smoke test was not seen (the new slot); after, once the window
 * opens (the new slot). Once per switch. Pure, for tests. */
bool deploywatch_matrix_due(const struct deploywatch *d, const struct slots_state *st, unsigned ev,
                            enum deploy_matrix_when when, char *slot, size_t len);
/* With the action layer the watcher runs the matrix itself (deploywatch_matrix_due)
 * through the check action, which records it; NULL: only on `c`. */
struct actions;
void deploywatch_core_set_actions(struct deploywatch_core *c, struct actions *q);
/* For a watch that begins after the switch: see struct deploywatch adopt. */
void deploywatch_core_adopt(struct deploywatch_core *c);
/* The state the installed watcher of m keeps (views read it), or NULL. */
const struct deploywatch *deploywatch_of(const struct model *m);

#endif
