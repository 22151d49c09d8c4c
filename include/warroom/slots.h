/* slots — the blue-green slots as the cluster shows them: which slot serves
 * traffic, how ready each slot is, which pods actually receive traffic, when
 * the Service's selector was last set and by whom, and loud warnings. Where a
 * deployment stands is the deployment model's (deploy.h), not a guess here.
 * Parsers take API JSON and fill a plain struct the views draw; a poller
 * refreshes it on the loop. Views never see JSON.
 * An Argo Rollout (kubernetes.rollout) is read as the same two slots: its
 * stable and canary (or active and preview) ReplicaSets, named by their
 * pod-template hash, with the Rollout itself in rollout (rollout.h).
 * Implemented in core/deploy/: the parsers slots.c, the poller slots_poll.c,
 * the watcher (list then watch) slots_watch.c, a Rollout's slots slots_rollout.c. */
#ifndef WARROOM_SLOTS_H
#define WARROOM_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/rollout.h"

struct config;
struct kube;
struct loop;
struct source;

#define SLOTS_MAX 2
#define SLOTS_MAX_PODS 64
#define SLOTS_MAX_ENDPOINTS 128
#define SLOTS_MAX_WARNINGS 16

enum slots_health {
	SLOTS_HEALTHY = 0,
	SLOTS_DEGRADED = 1,
	SLOTS_OUTAGE = 2,
	SLOTS_HEALTH_UNKNOWN = 3,    /* no data (API unreachable) */
};

enum slots_warn_kind {
	SLOTS_WARN_OUTAGE,           /* traffic goes to a slot with no ready pods */
	SLOTS_WARN_NO_SERVICE,
	SLOTS_WARN_BOTH_SLOTS,       /* selector lacks the slot label */
	SLOTS_WARN_UNKNOWN_SLOT,     /* selector names a slot not in the config */
	SLOTS_WARN_NO_DEPLOYMENT,
	SLOTS_WARN_STUCK,            /* ProgressDeadlineExceeded */
	SLOTS_WARN_CRASHLOOP,
	SLOTS_WARN_WRONG_SLOT_ENDPOINT,
	SLOTS_WARN_NOT_READY_ENDPOINT,
	SLOTS_WARN_PARTIAL,          /* active slot below its desired replicas */
	SLOTS_WARN_ROLLOUT,          /* the Rollout is aborted, degraded or stuck */
	SLOTS_WARN_ANALYSIS,         /* an AnalysisRun failed or came out inconclusive */
};

struct slots_warning {
	enum slots_warn_kind kind;
	bool critical;
	char text[240];
};

struct slots_slot {
	char name[32];               /* "blue"; a Rollout's: its pod-template hash */
	char role[16];               /* a Rollout's: stable, canary, active, preview, previous */
	char deployment[128];        /* "detection-api-blue" */
	bool found;                  /* the Deployment exists */
	/* Status counts; the API omits zeros, absent counts are 0. */
	int desired, replicas, ready, available, updated, unavailable;
	char image[256];             /* first container */
	char tag[128];               /* "1.5.0", or a short digest */
	long revision;               /* deployment.kubernetes.io/revision, 0 unknown */
	long generation, observed_generation;
	bool paused;
	bool progress_deadline_exceeded;
	bool rollout_complete;       /* as `kubectl rollout status` */
	char progress_message[200];
	int64_t progress_wall_ms;    /* Progressing condition lastUpdateTime */
	char match_labels[256];      /* spec.selector.matchLabels as "k=v,k=v" */
	/* From pods and endpoints. */
	int pods, pods_ready, restarts, crashlooping;
	int endpoints_ready;
	/* The API holds more of this slot's pods than were listed: pods and
	 * pods_ready come from the Deployment's status, restarts and crash
	 * loops from the listed ones. */
	bool pods_more;
	int pods_listed;
};

struct slots_pod {
	char name[128];
	int slot;                    /* index into slot[], -1: none of ours */
	bool ready;
	bool terminating;
	int restarts;
	char waiting[48];            /* CrashLoopBackOff, ImagePullBackOff, "" */
	char phase[16];              /* Running, Pending, ... */
	char ip[48];
	int64_t created_wall_ms;
	int64_t ready_changed_wall_ms;   /* its Ready condition's lastTransitionTime; 0 unknown */
};

struct slots_endpoint {
	char address[48];
	char pod[128];               /* targetRef name, "" when none */
	int slot;                    /* slot of that pod, -1 unknown */
	bool ready, serving, terminating;   /* ready: null means ready */
};

struct slots_state {
	/* What the config asks for. */
	char namespace_[128];
	char service[128];
	char slot_label[64];
	int nslots;                  /* 2 for blue-green, 1 for a plain Deployment */
	struct slots_slot slot[SLOTS_MAX];

	/* The service. */
	bool service_found;
	char service_rv[64];         /* metadata.resourceVersion, for patches */
	char selector[256];          /* "app=detection-api,slot=green" */
	char selector_slot[32];      /* value of the slot label, "" when absent */
	int active;                  /* slot index the selector picks, -1 none */
	bool both;                   /* blue-green but the selector has no slot label */
	/* The Service's managedFields: the manager that last set the selector
	 * (atomic: it owns all of it) and when. Its time is the last switch when
	 * that manager changed nothing else since. 0: the API did not say. */
	int64_t selector_set_wall_ms;
	char selector_manager[64];

	struct slots_pod pods[SLOTS_MAX_PODS];
	size_t npods;
	struct slots_endpoint endpoints[SLOTS_MAX_ENDPOINTS];
	size_t nendpoints;
	int endpoints_ready;

	struct slots_warning warnings[SLOTS_MAX_WARNINGS];
	size_t nwarnings;
	enum slots_health health;

	int64_t updated_ms;          /* monotonic time of the last complete refresh; 0 never */
	/* The watcher's (slots_watch.c): every watch open and heard from
	 * recently, so the state is the cluster's as of now, not updated_ms. */
	bool live;
	char watch_note[200];        /* why it is not live ("may not watch: polling"), "" live */
	int64_t changed_wall_ms;     /* UTC ms the change that made this state arrived; 0 unknown */
	int64_t active_seen_wall_ms; /* UTC ms this process saw the active slot change; 0 not seen */
	char last_error[256];        /* last failed refresh in words, "" after a good one */
	uint64_t generation;         /* bumps on every refresh, good or bad */

	/* kubernetes.rollout: the Rollout and its analysis (name "" otherwise) */
	struct rollout_state rollout;
};

/* Empty state for the config's namespace, service, slot label, slots and
 * deployments (one deployment = not blue-green). */
void slots_init(struct slots_state *st, const struct config *cfg);

/* Parsers: 0, or -1 with words in err when the JSON is not what was asked. */
int slots_parse_service(struct slots_state *st, const char *json, size_t len, char *err, size_t errlen);
/* One Deployment into one slot (keeps name and deployment name). */
int slots_parse_deployment(struct slots_slot *slot, const char *json, size_t len, char *err, size_t errlen);
/* A PodList; pods map to slots by the slot label (or all to the one slot). */
int slots_parse_pods(struct slots_state *st, const char *json, size_t len, char *err, size_t errlen);
/* One page of one slot's pods (listed with its slot label), added to those
 * already parsed, at most max of them; a non-empty metadata.continue, or more
 * items than fit, sets the slot's pods_more. */
int slots_add_slot_pods(struct slots_state *st, int slot, size_t max, const char *json, size_t len, char *err,
                        size_t errlen);
/* An EndpointSliceList (or one EndpointSlice): all slices merged. Parse the
 * pods first: endpoints map to slots through their targetRef pod. */
int slots_parse_endpointslices(struct slots_state *st, const char *json, size_t len, char *err, size_t errlen);

/* A slot's pods as a label selector: the service's selector (else the
 * Deployments' matchLabels) with the slot label set to this slot; malloc'd,
 * "" when there is nothing to select by, NULL out of memory. */
char *slots_pod_selector(const struct slots_state *st, int slot);

/* Active slot, per-slot pod and endpoint counts, warnings, health. */
void slots_derive(struct slots_state *st);

const char *slots_health_name(enum slots_health health); /* "healthy", "degraded", ... */
/* Index of a slot by name, -1 when not configured. */
int slots_index(const struct slots_state *st, const char *name);
/* The slot that does not serve traffic (blue-green with a known active), -1. */
int slots_standby(const struct slots_state *st);
/* Whether the endpoints hold only ready pods of slot idx (and at least one). */
bool slots_traffic_only_on(const struct slots_state *st, int idx);
/* Whether the standby rolled out after the active slot (its Progressing
 * condition is the newer) and is ready without traffic: a new version
 * waiting for its switch, as far as the Deployments alone can tell. */
bool slots_standby_newer(const struct slots_state *st);
/* The state as a JSON object (status --json); malloc'd. */
char *slots_to_json(const struct slots_state *st, int64_t now_ms);

/* A Rollout's slots (slots_rollout.c). After rollout_parse: the slot label
 * becomes the pod-template hash, slot 0 the stable (active) ReplicaSet's
 * hash, slot 1 the canary's (preview's), "" when there is none. */
void slots_rollout_setup(struct slots_state *st);
/* After slots_rollout_setup, what is read beside the Rollout: st->service
 * (the config's, else the active or stable Service the Rollout names) and
 * the other Service (blue-green's preview, a canary's canaryService) in
 * other, "" when it has none or it is st->service. */
void slots_rollout_services(struct slots_state *st, char *other, size_t len);
/* The Rollout's ReplicaSetList into the slots: counts, image, revision. A
 * blue-green Rollout without a preview shows the previous revision's set
 * while it still runs (scaleDownDelaySeconds). */
int slots_parse_replicasets(struct slots_state *st, const char *json, size_t len, char *err, size_t errlen);
/* After slots_derive: the Rollout's own warnings (aborted, degraded, stuck,
 * a failed analysis) and its canary's traffic share. */
void slots_rollout_derive(struct slots_state *st);

/* The poller: all requests of a round in parallel (pods after the service,
 * whose selector picks them), rounds never overlap, a failed round keeps the
 * previous data with its age and sets last_error. */
struct slots_poller;
typedef void (*slots_update_fn)(const struct slots_state *st, void *arg);
struct slots_poller *slots_poller_new(struct loop *loop, struct kube *kube, const struct config *cfg,
                                      slots_update_fn fn, void *arg);
/* A round now; when one is running, another right after it. */
void slots_poller_refresh(struct slots_poller *p);
/* The poller's source: state, age, error, backoff (struct source, source.h). */
struct source *slots_poller_source(struct slots_poller *p);
void slots_poller_free(struct slots_poller *p);

/* The watcher: the same state kept by watches (kube_watch.h) of the
 * Service, the Deployments, the EndpointSlices and each slot's pods by its
 * label selector (for kubernetes.rollout: the Rollout, its ReplicaSets and
 * pods, the AnalysisRuns and the Services' EndpointSlices instead), rebuilt
 * after each change the moment it arrives. Its
 * source's rounds only judge freshness: up while every watch is open or
 * polls (a credential that may not watch), live while each was heard from
 * within live_ms. fn as the poller's. */
struct slots_watcher;
struct slots_watcher *slots_watcher_new(struct loop *loop, struct kube *kube, const struct config *cfg,
                                        slots_update_fn fn, void *arg);
struct source *slots_watcher_source(struct slots_watcher *w);
/* Counters over all its watches: events, duplicates dropped, relists, resumes. */
struct slots_watch_counts {
	unsigned events, duplicates, bookmarks, relists, resumes, lists;
	int watches, open, polling;
};
void slots_watcher_counts(const struct slots_watcher *w, struct slots_watch_counts *out);
void slots_watcher_free(struct slots_watcher *w);

#endif
