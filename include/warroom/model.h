/* model — everything the views draw. Sources write it, views read it; each
 * datum keeps its age so a view can mark it stale. No wire formats here. */
#ifndef WARROOM_MODEL_H
#define WARROOM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/timeline.h"

struct config;
struct slots_state;

enum source_id { SRC_KUBE, SRC_PROM, SRC_ALERTMGR, SRC_ARGOCD, SRC_COUNT };

enum source_state {
	SRC_UNCONFIGURED = 0,  /* nothing in the config: the panel says so */
	SRC_IDLE,              /* configured, but nothing polls it yet */
	SRC_CONNECTING,        /* configured, no answer yet */
	SRC_UP,
	SRC_DOWN,              /* last poll failed: data, if any, is stale */
};

struct source_status {
	enum source_state state;
	int64_t updated_ms;    /* monotonic time of the last good answer, 0: never */
	char error[256];       /* last failure in words */
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
	DIRTY_ALL      = 0xffffu,
};

/* Golden signals: the latest value of each and its recent history. */
enum metric_id { MET_RPS, MET_ERRORS, MET_P95, MET_P99, MET_QUEUE, MET_COUNT };
#define MODEL_SERIES 240

struct model_series {
	double v[MODEL_SERIES];      /* oldest first; NaN: no data at that poll */
	size_t n;
	double last;                 /* NaN when the last poll had no value */
	char error[160];             /* this query's last failure, "" when fine */
};

struct model_metrics {
	struct model_series s[MET_COUNT];
	int64_t updated_ms;          /* monotonic, last complete round */
};

#define MODEL_ALERTS 64

struct model_alert {
	char name[96];
	char severity[16];           /* critical, warning, ... */
	char group[48];              /* the rule's group label, or "" */
	char summary[200];
	int64_t since_wall_ms;       /* startsAt, UTC ms */
};

struct model_alerts {
	struct model_alert a[MODEL_ALERTS];   /* critical first, then oldest first */
	size_t n;                    /* shown */
	size_t total;                /* firing, maybe more than shown */
	int critical, warning;
	int64_t updated_ms;
};

void model_series_push(struct model_series *s, double v);

#define MODEL_RECENT 500   /* the timeline view scrolls through these */

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
	const struct slots_state *slots;   /* NULL until the slot source runs */
	struct model_metrics metrics;
	struct model_alerts alerts;

	bool has_incident;
	struct timeline_incident incident;

	struct timeline_event recent[MODEL_RECENT];  /* newest first */
	size_t nrecent;
	uint64_t recent_gen;          /* timeline generation they reflect */

	int64_t last_refresh_ms;      /* monotonic, any source */
	unsigned dirty;

	struct { model_watch_fn fn; void *arg; } watch[MODEL_WATCHERS];
	size_t nwatch;
	unsigned watch_pending;       /* changed since the watchers last ran */
	bool in_watch;

	/* What the live signals say the SEV should be (core/incident.c, kept by
	 * a core watcher); the operator applies it, nothing else does. */
	struct model_suggestion suggest;
};

void model_init(struct model *m, const struct config *cfg, struct timeline *tl);
void model_free(struct model *m);
/* Re-reads incident and recent events when the timeline changed (cheap when
 * it did not). Returns true when something changed. */
bool model_sync_timeline(struct model *m);
/* Marks parts changed: views repaint them, watchers see them. */
void model_mark(struct model *m, unsigned dirty);
/* 0, or -1 when MODEL_WATCHERS are taken. */
int model_watch_add(struct model *m, model_watch_fn fn, void *arg);
void model_source(struct model *m, enum source_id id, enum source_state st, const char *error);
/* A source's status as its poller keeps it (state, age, error), copied in. */
void model_source_status(struct model *m, enum source_id id, const struct source_status *st);
/* Seconds since a source last answered, -1 if never. */
int64_t model_source_age_s(const struct model *m, enum source_id id, int64_t now_ms);
const char *model_source_name(enum source_id id);

#endif
