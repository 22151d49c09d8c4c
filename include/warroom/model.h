/* model — everything the views draw. Sources write it, views read it; each
 * datum keeps its age so a view can mark it stale. No wire formats here.
 * Implemented in core/model.c. */
#ifndef WARROOM_MODEL_H
#define WARROOM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/dashboard.h"
#include "warroom/timeline.h"

struct config;
struct slots_state;
struct dash_live;
struct argocd_app;
struct deploy;
struct runbook_session;
struct logs;

enum source_id { SRC_KUBE, SRC_PROM, SRC_ALERTMGR, SRC_ARGOCD, SRC_BASTION, SRC_COUNT };

enum source_state {
	SRC_UNCONFIGURED = 0,  /* nothing in the config: the panel says so */
	SRC_IDLE,              /* configured, but nothing polls it yet */
	SRC_CONNECTING,        /* configured, no answer yet */
	SRC_UP,
	SRC_DOWN,              /* last poll failed: data, if any, is stale */
};

/* Room for a failure's words whole: the bastion's end in what to do about it. */
#define SOURCE_ERROR 640

struct source_status {
	enum source_state state;
	int64_t updated_ms;    /* monotonic time of the last good answer, 0: never */
	char error[SOURCE_ERROR];   /* last failure in words */
};

/* Which parts of the screen need drawing again. */
enum model_dirty {
	DIRTY_STATUS   = 1u << 0,
	DIRTY_SLOTS    = 1u << 1,
	DIRTY_METRICS  = 1u << 2,
	DIRTY_ALERTS   = 1u << 3,
	DIRTY_INCIDENT = 1u << 4,
	DIRTY_RUNBOOK  = 1u << 5,
	DIRTY_TIMELINE = 1u << 6,
	DIRTY_LOGS     = 1u << 7,   /* pod logs and Events (logs.h): at most every redraw interval */
	DIRTY_ALL      = 0xffffu,
};

/* Golden signals: the latest value of each and its recent history. */
enum metric_id { MET_RPS, MET_ERRORS, MET_P95, MET_P99, MET_QUEUE, MET_COUNT };
#define MODEL_SERIES 240

/* What the last poll of a series got: the front-ends say it in words, never
 * a bare "n/a". */
enum model_answer {
	MODEL_ANS_NONE = 0,          /* not asked yet */
	MODEL_ANS_VALUE,             /* a number (+Inf and -Inf too: shown as such) */
	MODEL_ANS_NAN,               /* Prometheus answered NaN */
	MODEL_ANS_EMPTY,             /* no series matched: no data */
	MODEL_ANS_ZERO,              /* an error ratio with no error series while requests are counted: 0 */
	MODEL_ANS_FAILED,            /* see error */
};

struct model_series {
	double v[MODEL_SERIES];      /* oldest first; NaN: no data at that poll */
	size_t n;
	double last;                 /* NaN when the last poll had no value */
	char error[160];             /* this query's last failure, "" when fine */
	enum model_answer answer;    /* what the last poll got */
	char query[160];             /* the query asked (cut, ending in "...", when longer), for the words */
};

struct model_metrics {
	struct model_series s[MET_COUNT];
	/* The share of TAK pushes that failed between the last two scrapes (NaN:
	 * no push, or not asked): every push failing shows at the next scrape,
	 * where an alert's 5-minute rate takes minutes to say so. */
	struct model_series tak_failing;
	int64_t updated_ms;          /* monotonic, last complete round */
};

/* The overview's strip: panels of a dashboard (the golden signals' by
 * default, or the config's list), each coloured by its own thresholds. */
#define MODEL_STRIP 8

struct model_strip_item {
	char label[64];
	char note[240];              /* a placeholder's words (no such panel), "" */
	int signal;                  /* the golden signal it is: its series, its SLO; -1: its own series */
	bool panel;                  /* field comes from a dashboard panel */
	struct dash_field field;     /* unit, decimals, min, max, thresholds */
	struct model_series s;       /* its values when signal is -1 */
};

struct model_strip {
	struct model_strip_item it[MODEL_STRIP];
	size_t n;                    /* 0: the golden signals, with the SLO's colours */
	bool configured;             /* the config's list: labels and units as the dashboard has them */
};

#define MODEL_ALERTS 64
#define MODEL_ALERT_LABELS 4096      /* "name=value" lines of every label an alert carries */

struct model_alert {
	char name[96];
	char severity[16];           /* critical, warning, ... */
	char group[48];              /* the rule's group label, or "" */
	char summary[200];
	int64_t since_wall_ms;       /* startsAt, UTC ms */
	char runbook_url[256];       /* the runbook_url annotation, "" when none */
	char labels[MODEL_ALERT_LABELS];   /* every label, "name=value" lines: a runbook's ALERT_<NAME> */
};

struct model_alerts {
	struct model_alert a[MODEL_ALERTS];   /* critical first, then oldest first */
	size_t n;                    /* shown */
	size_t total;                /* firing, maybe more than shown */
	int critical, warning;
	/* Silenced but still firing: a silence hides their notifications, not
	 * the fact that they recur. Distinct names, ", "-joined, cut to fit. */
	int silenced;
	char silenced_names[160];
	int64_t updated_ms;
};

void model_series_push(struct model_series *s, double v);

/* ---- Alertmanager in full, for the alerts view: every alert of every
 * configured Alertmanager (an HA pair de-duplicated by fingerprint), their
 * groups and silences, and Prometheus' alerting rules (pending alerts, rule
 * health). The poller owns it; model.am points at it once it runs. */
#define MODEL_AM_ALERTS 200
#define MODEL_AM_LABELS 24
#define MODEL_AM_ANNOTATIONS 8
#define MODEL_AM_REFS 4
#define MODEL_AM_GROUPS 64
#define MODEL_AM_SILENCES 64
#define MODEL_AM_MATCHERS 12
#define MODEL_AM_RULES 128
#define MODEL_AM_SOURCES 4

struct model_label {
	char name[64];
	char value[192];
	bool cut;                    /* longer than value: never used as a matcher */
};

struct model_annotation {
	char name[48];
	char value[1024];
	bool cut;
};

enum model_am_state {
	AM_ACTIVE = 0,               /* firing, reaches its receivers */
	AM_PENDING,                  /* Prometheus: the rule's `for` has not passed yet */
	AM_UNPROCESSED,              /* Alertmanager has not routed it yet */
	AM_SUPPRESSED,               /* silenced, inhibited or muted */
};

struct model_am_alert {
	char name[96];
	char severity[16];           /* "none" when unlabelled */
	int sev_rank;                /* 0 critical (policy), 1 warning, 2 info, 3 other, 4 none */
	char fingerprint[32];
	enum model_am_state state;
	char silenced_by[MODEL_AM_REFS][48];    /* silence ids */
	size_t nsilenced;
	char inhibited_by[MODEL_AM_REFS][48];   /* fingerprints of the inhibiting alerts */
	size_t ninhibited;
	char muted_by[MODEL_AM_REFS][64];       /* time intervals (0.28+) */
	size_t nmuted;
	char summary[200];
	char generator_url[512];
	char runbook_url[512];
	char group[160];             /* its first group's labels, "alertname=X, env=prod" */
	char receiver[64];           /* that group's receiver */
	int64_t since_wall_ms;       /* startsAt (pending: activeAt), UTC ms */
	int64_t ends_wall_ms;
	unsigned from;               /* bit i: reported by Alertmanager i (prom rules: 0) */
	struct model_label labels[MODEL_AM_LABELS];
	size_t nlabels;
	struct model_annotation annotations[MODEL_AM_ANNOTATIONS];
	size_t nannotations;
};

struct model_am_group {
	char labels[160];            /* the group-by labels */
	char receiver[64];
	int nalerts, nactive;
};

struct model_am_matcher {
	char name[64];
	char value[256];
	bool is_regex, is_equal;
};

enum model_silence_state { SIL_ACTIVE = 0, SIL_PENDING, SIL_EXPIRED };

struct model_silence {
	char id[48];
	enum model_silence_state state;
	struct model_am_matcher m[MODEL_AM_MATCHERS];
	size_t nm;
	char created_by[64];
	char comment[256];
	int64_t starts_wall_ms, ends_wall_ms;
	unsigned from;
};

struct model_rule {
	char name[96];
	char group[96];
	char state[12];              /* inactive, pending, firing */
	char health[12];             /* ok, err, unknown */
	char last_error[240];
	int pending, firing;         /* its alerts */
};

struct model_am {
	struct model_am_alert a[MODEL_AM_ALERTS];   /* sorted: see alertmgr_sort */
	size_t n;
	size_t total;                /* distinct alerts seen; more than n when some were left out */
	struct model_am_group groups[MODEL_AM_GROUPS];
	size_t ngroups;
	struct model_silence silences[MODEL_AM_SILENCES];   /* active first, then pending, expired */
	size_t nsilences;
	struct model_rule rules[MODEL_AM_RULES];     /* alerting rules; those in error first */
	size_t nrules;
	size_t rules_total, rules_in_error;
	bool rules_wanted;           /* Prometheus is configured */
	char rules_error[240];       /* the rules request's failure, "" when fine */
	char url[MODEL_AM_SOURCES][128];          /* each Alertmanager as configured (no query) */
	char error[MODEL_AM_SOURCES][240];        /* its last failure, "" when fine */
	size_t nsources;
	size_t answered;             /* Alertmanagers that answered the last round */
	uint64_t generation;         /* moves on every complete round */
	int64_t updated_ms;          /* monotonic */
};

#define MODEL_RECENT 500   /* the timeline view scrolls through these */

/* The timeline view's filter: the events of one kind or holding some words,
 * searched in the whole database (timeline_search), not only in recent. */
#define MODEL_FOUND 500
struct model_found {
	char kind[24];               /* "" any kind */
	char words[128];             /* "" no word */
	struct timeline_event *ev;   /* newest first, at most MODEL_FOUND; NULL when the filter is off */
	size_t n;
	bool more;                   /* more matched than are kept */
	char error[200];             /* the search's failure, "" when fine */
	uint64_t gen;                /* the timeline generation they reflect */
};

/* A SEV the live signals call for: sev 0 when they call for none. */
struct model_suggestion {
	int sev;
	char reason[240];            /* in words: "no ready pod behind the active slot blue" */
	int64_t since_wall_ms;       /* when this SEV was first suggested */
};

struct model;
/* A core watcher: runs after every model update with the parts that changed,
 * in the console and headless alike (no screen). It may write the timeline;
 * what that changes reaches the watchers in the next round. */
typedef void (*model_watch_fn)(struct model *m, unsigned changed, void *arg);
#define MODEL_WATCHERS 8

struct model {
	const struct config *cfg;
	struct timeline *tl;          /* NULL when the store could not be opened */
	char tl_error[256];
	bool readonly;

	struct source_status src[SRC_COUNT];
	int64_t bastion_rtt_ms;            /* the bastion's last round trip, -1: none */
	char bastion_cause[40];            /* why it carries nothing ("frozen"), "" while it does */
	const struct slots_state *slots;   /* NULL until the slot source runs */
	struct dash_live *dash;       /* the dashboards (dashboard.h), NULL without Prometheus */
	const struct argocd_app *app;      /* the Argo CD application as last read, NULL: none yet */
	/* Set by their owners while they live: each model its own, never a process's. */
	const struct deploy *deploy;             /* the deployment model (deploy.h), NULL: none */
	struct runbook_session *runbook;         /* the runbook walked (runbook.h), NULL: none */
	struct logs *logs;                       /* pod logs and Events by slot (logs.h), NULL: none */
	struct model_metrics metrics;
	struct model_strip strip;
	struct model_alerts alerts;

	bool has_incident;
	struct timeline_incident incident;

	struct timeline_event recent[MODEL_RECENT];  /* newest first */
	size_t nrecent;
	uint64_t recent_gen;          /* timeline generation they reflect */
	struct model_found found;     /* the timeline view's filter, searched again as the timeline moves */

	int64_t last_refresh_ms;      /* monotonic, any source */
	unsigned dirty;

	struct { model_watch_fn fn; void *arg; } watch[MODEL_WATCHERS];
	size_t nwatch;
	unsigned watch_pending;       /* changed since the watchers last ran */
	bool in_watch;

	const struct model_am *am;    /* NULL until the Alertmanager source runs */
	/* What the live signals say the SEV should be (core/incident/incident.c, kept by
	 * a core watcher); the operator applies it, nothing else does. */
	struct model_suggestion suggest;
};

void model_init(struct model *m, const struct config *cfg, struct timeline *tl);
void model_free(struct model *m);
/* Re-reads incident and recent events when the timeline changed (cheap when
 * it did not). Returns true when something changed. */
bool model_sync_timeline(struct model *m);
/* Sets the timeline filter (kind and words; both "" turn it off) and
 * searches the database now; model_sync_timeline searches again when the
 * timeline moves. Returns false when the search failed (found.error). */
bool model_timeline_filter(struct model *m, const char *kind, const char *words);
/* Marks parts changed: views repaint them, watchers see them. */
void model_mark(struct model *m, unsigned dirty);
/* 0, or -1 when MODEL_WATCHERS are taken. */
int model_watch_add(struct model *m, model_watch_fn fn, void *arg);
/* Its owner going before the model: the watcher with that arg runs no more. */
void model_watch_remove(struct model *m, void *arg);
/* A source's status as its poller keeps it (state, age, error), copied in. */
void model_source_status(struct model *m, enum source_id id, const struct source_status *st);
/* Seconds since a source last answered, -1 if never. */
int64_t model_source_age_s(const struct model *m, enum source_id id, int64_t now_ms);
const char *model_source_name(enum source_id id);

#endif
