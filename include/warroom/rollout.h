/* rollout — an Argo Rollout as the service's slots: the Rollout's strategy,
 * steps, weights, pauses and phase, its ReplicaSets as the two slots (stable
 * and canary, or active and preview, named by their pod-template hash), and
 * its AnalysisRuns with every metric's measurements. Parsers take the API's
 * JSON and fill plain structs the views draw; no I/O here.
 * Implemented in core/deploy/: the parsers rollout.c, the analysis
 * rollout_analysis.c, its words rollout_text.c, the poller's round
 * rollout_poll.c. */
#ifndef WARROOM_ROLLOUT_H
#define WARROOM_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;

#define ROLLOUT_MAX_STEPS 16
#define ROLLOUT_MAX_RUNS 4
#define ROLLOUT_MAX_METRICS 4
#define ROLLOUT_MAX_MEASUREMENTS 6
#define ROLLOUT_HASH_LABEL "rollouts-pod-template-hash"

enum rollout_step_kind { RSTEP_WEIGHT, RSTEP_PAUSE, RSTEP_ANALYSIS, RSTEP_OTHER };

struct rollout_step {
	enum rollout_step_kind kind;
	int weight;                  /* setWeight */
	int pause_s;                 /* pause.duration in seconds; -1: until promoted */
};

struct rollout_measurement {
	char value[32];              /* "0.083", "" when the provider gave none */
	char phase[16];              /* Successful, Failed, Inconclusive, Error, Running */
	int64_t started_wall_ms;
};

struct rollout_metric {
	char name[64];
	char provider[16];           /* prometheus, job, web, datadog, ... */
	char query[256];             /* the provider's query, "" none */
	char success[128];           /* successCondition */
	char phase[16];              /* the metric's result phase */
	int failure_limit;           /* failures allowed (0) */
	int inconclusive_limit;      /* (0) */
	int count, successful, failed, inconclusive, errors;
	/* the newest measurements, oldest first */
	struct rollout_measurement m[ROLLOUT_MAX_MEASUREMENTS];
	int nm;
};

struct rollout_analysis {
	char name[128];
	char type[24];               /* Background, PrePromotion, PostPromotion, Step ("" unknown) */
	char phase[16];              /* Pending, Running, Successful, Failed, Error, Inconclusive */
	char message[160];
	char hash[32];               /* the pod-template hash it judges */
	int64_t created_wall_ms;
	struct rollout_metric metric[ROLLOUT_MAX_METRICS];
	int nmetrics;
};

struct rollout_state {
	char name[128];              /* "" when no Rollout is configured */
	bool found;
	bool canary;                 /* the strategy: canary, else blue-green */
	char resource_version[64];
	long generation, observed_generation;
	long revision;               /* rollout.argoproj.io/revision */
	char phase[16];              /* Healthy, Progressing, Paused, Degraded ("" old controllers) */
	char message[200];
	bool abort;                  /* status.abort */
	int64_t aborted_wall_ms;
	bool paused;                 /* spec.paused (pause by hand) */
	bool controller_pause;
	char pause_reason[32];       /* BlueGreenPause, CanaryPauseStep, ... "" none */
	int64_t pause_start_wall_ms;
	bool progressing;            /* the Progressing condition is True */
	char progress_reason[48];
	bool progress_deadline_exceeded;
	bool available;
	char stable_hash[32], current_hash[32];
	/* blue-green */
	char active_service[128], preview_service[128];
	char active_hash[32], preview_hash[32];
	bool auto_promotion;         /* autoPromotionEnabled (true) */
	int scale_down_delay_s;      /* (30) */
	/* canary */
	char stable_service[128], canary_service[128];
	struct rollout_step steps[ROLLOUT_MAX_STEPS];
	int nsteps;
	int current_step;            /* status.currentStepIndex, -1 none */
	int weight;                  /* the canary's share of traffic, % */
	bool weight_reported;        /* status.canary.weights (traffic routing); else the replica ratio */
	int replicas;                /* spec.replicas */
	int ready_replicas, updated_replicas;
	char match_labels[256];      /* spec.selector.matchLabels "k=v,k=v" */
	/* the other Service (blue-green's preview, a canary's canaryService):
	 * its ready endpoints, -1 when it has none or was not read */
	int other_endpoints;
	/* the analysis runs of this Rollout, newest first */
	struct rollout_analysis runs[ROLLOUT_MAX_RUNS];
	int nruns;
};

/* One Rollout object: 0, or -1 with words. */
int rollout_parse(struct rollout_state *ro, const char *json, size_t len, char *err, size_t errlen);
/* The Rollout's AnalysisRunList (of the namespace): the runs owned by ro->name
 * (ownerReferences), newest first. */
int rollout_parse_analysisruns(struct rollout_state *ro, const char *json, size_t len, char *err,
                               size_t errlen);
/* The ready endpoints of an EndpointSliceList (the other Service's); -1
 * when it is not one. */
int rollout_count_endpoints(const char *json, size_t len);
/* One AnalysisRun object into a (the fixtures, the fuzzer). */
int rollout_parse_analysisrun(struct rollout_analysis *a, const char *json, size_t len, char *err,
                              size_t errlen);

/* The pause of the current step: its seconds left (-1: until promoted, 0: none). */
int rollout_pause_left_s(const struct rollout_state *ro, int64_t now_ms);
/* "step 2/4 (pause 5m)", "" for blue-green. */
void rollout_step_words(const struct rollout_state *ro, int step, char *buf, size_t len);
/* The newest run that failed or came out inconclusive, NULL none; *metric
 * the metric that did (its index). */
const struct rollout_analysis *rollout_failed_run(const struct rollout_state *ro, int *metric);
/* "analysis error-ratio failed: 0.21 (limit 0 failures)" */
void rollout_failure_words(const struct rollout_state *ro, char *buf, size_t len);
/* Whether the traffic has been promoted: blue-green with the active Service
 * on the current hash, or a canary at its last step (or full). */
bool rollout_promoted(const struct rollout_state *ro);
/* The Rollout for status --json (rollout_analysis.c): a cJSON object the
 * caller adds to its tree. */
struct cJSON *rollout_to_cjson(const struct rollout_state *ro, int64_t now_ms);

/* Words (rollout_text.c), one line each. "canary detection-api: Paused
 * (CanaryPauseStep), step 2/6 pause 8s (5 s left), canary weight 20 %". */
void rollout_summary_line(const struct rollout_state *ro, int64_t now_ms, char *buf, size_t len);
/* "steps: setWeight 20 [pause 8s] setWeight 50 ...", "" for blue-green. */
void rollout_steps_line(const struct rollout_state *ro, char *buf, size_t len);
/* "analysis Background of 7c9f: Inconclusive" */
void rollout_run_line(const struct rollout_analysis *a, char *buf, size_t len);
/* "error-ratio (prometheus) Inconclusive: 3 measured, ...; newest [0.08] Inconclusive" */
void rollout_metric_line(const struct rollout_metric *m, char *buf, size_t len);

#endif
