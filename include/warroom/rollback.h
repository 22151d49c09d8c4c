/* rollback — picks the fastest safe way back and says why (a plan of human
 * lines with preflight facts and refusals), then executes it on the loop:
 * each step reported and written to the timeline, a 409 answered by reading
 * and planning again (never a blind retry), and the result proven by the
 * EndpointSlices: only ready pods of the target slot receive traffic.
 * Implemented in core/deploy/: the planner rollback.c and rollback_prep.c, the
 * executor rollback_exec.c, rollback_unfinished.c. */
#ifndef WARROOM_ROLLBACK_H
#define WARROOM_ROLLBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/slots.h"

struct argocd;
struct argocd_app;
struct config;
struct kube;
struct loop;
struct timeline;

enum rollback_strategy {
	ROLLBACK_AUTO = 0,       /* let the planner pick */
	ROLLBACK_SELECTOR,       /* switch the service to the ready standby slot */
	ROLLBACK_SCALE_SWITCH,   /* scale the standby up, wait until ready, switch */
	ROLLBACK_UNDO,           /* Deployment rollout undo (not blue-green) */
	ROLLBACK_ARGOCD,         /* auto-sync off, Argo CD rollback to the previous entry */
};

#define ROLLBACK_MAX_LINES 24
#define ROLLBACK_LINE 240

struct rollback_plan {
	enum rollback_strategy requested;
	enum rollback_strategy strategy;   /* what would run */
	bool ok;                           /* executable as planned */
	char why[ROLLBACK_LINE];           /* one line: why this strategy */
	char refusal[ROLLBACK_LINE];       /* why not, when !ok */

	char ns[128], service[128], slot_label[64];
	int from, to;                      /* slot indexes, -1 when none */
	char from_name[32], to_name[32];
	char target_deployment[128];
	int target_ready, target_desired, need_ready;
	int scale_to;                      /* scale-switch: replicas for the target */
	char target_image[256];
	long target_revision;
	char from_image[256];              /* what the rollback leaves: the version it rolls back from */
	long from_revision;
	char service_rv[64];               /* the selector patch carries it */

	long undo_to_revision;             /* undo: revision restored */

	bool argocd_configured, argocd_known, argocd_autosync;
	int64_t argocd_to_id;
	char argocd_to_revision[64];
	char argocd_bad_revision[64];      /* what the rollback undoes: Git must move off it */
	char argocd_automated_json[512];   /* restored by the follow-up */

	bool freeze;
	char freeze_range[32];

	char lines[ROLLBACK_MAX_LINES][ROLLBACK_LINE];   /* preflight, in order */
	size_t nlines;
	char warnings[8][ROLLBACK_LINE];
	size_t nwarnings;
};

/* Everything the planner decides from; no I/O. */
struct rollback_input {
	const struct slots_state *slots;
	const char *slots_error;           /* non-empty: the API could not be read */
	bool argocd_configured;
	const struct argocd_app *app;      /* NULL when unknown */
	const char *argocd_error;          /* why the app is unknown */
	bool undo_known;                   /* undo preview was computed */
	long undo_to_revision;
	const char *undo_image;
	const char *undo_error;            /* "no rollout history found ..." */
	int min_ready;                     /* 0: as many as the active slot wants */
	const struct config *freeze_cfg;   /* its freeze periods (config_in_freeze); NULL: none */
	int64_t now_wall_ms;
	enum rollback_strategy requested;
};

const char *rollback_strategy_name(enum rollback_strategy s);   /* "selector", ... */
/* "auto", "selector", "scale-switch", "undo", "argocd"; -1 when unknown. */
int rollback_strategy_parse(const char *name, enum rollback_strategy *out);

void rollback_plan_make(const struct rollback_input *in, struct rollback_plan *plan);
/* The plan as a JSON object (timeline detail, --json); malloc'd. */
char *rollback_plan_json(const struct rollback_plan *plan);

/* ---------- reading and executing (rollback_exec.c) ---------- */

struct rollback_ctx {
	struct loop *loop;
	struct kube *kube;
	struct argocd *argocd;             /* NULL when not configured */
	struct timeline *tl;               /* NULL: no timeline (tests) */
	const struct config *cfg;
	int64_t verify_timeout_ms;         /* 0: 30 s */
	int64_t ready_timeout_ms;          /* scale-switch and undo waits; 0: 300 s */
};

/* Reads the cluster (and Argo CD), then plans. fn runs once, from the loop;
 * st is the state the plan was made on. */
typedef void (*rollback_plan_fn)(const struct rollback_plan *plan, const struct slots_state *st, void *arg);
struct rollback_prep;
struct rollback_prep *rollback_prepare(const struct rollback_ctx *ctx, enum rollback_strategy requested,
                                       rollback_plan_fn fn, void *arg);
/* Before fn ran only. */
void rollback_prepare_cancel(struct rollback_prep *prep);

enum rollback_step_kind {
	ROLLBACK_STEP_INFO,
	ROLLBACK_STEP_CALL,       /* an API call and its result */
	ROLLBACK_STEP_PROGRESS,   /* waiting for pods: ready/total, elapsed */
	ROLLBACK_STEP_REPLAN,     /* 409: read again, planned again */
	ROLLBACK_STEP_VERIFY,     /* a verification poll that is not there yet */
};

struct rollback_step {
	enum rollback_step_kind kind;
	const char *text;         /* one line for the operator */
	long status;              /* CALL: HTTP status, 0 without answer */
	int64_t duration_ms;      /* CALL: how long it took */
	bool ok;
	int ready, total;         /* PROGRESS */
	int64_t elapsed_ms;       /* PROGRESS, VERIFY: since the wait began */
};

enum rollback_outcome {
	ROLLBACK_VERIFIED,        /* traffic proven on the target */
	ROLLBACK_NOTHING_DONE,    /* a re-plan found the target already serving (verified) */
	ROLLBACK_ASK_AGAIN,       /* a re-plan differs: the operator must confirm it */
	ROLLBACK_FAILED,          /* a step failed; nothing more was changed */
	ROLLBACK_VERIFY_FAILED,   /* changed, but traffic is not proven on the target */
	ROLLBACK_CANCELLED,
};

struct rollback_report {
	enum rollback_outcome outcome;
	char summary[ROLLBACK_LINE];       /* "traffic on blue, verified in 0.8 s" */
	char detail[1024];                 /* what is wrong, endpoint by endpoint */
	int64_t confirm_to_verified_ms;    /* -1 when not verified */
	bool can_switch_back;              /* the selector was changed: offer the way back */
	struct rollback_plan replan;       /* ASK_AGAIN: the new plan */
	char followup[ROLLBACK_LINE];      /* argocd: "re-enable auto-sync ..." */
};

typedef void (*rollback_step_fn)(const struct rollback_step *step, void *arg);
typedef void (*rollback_done_fn)(const struct rollback_report *rep, void *arg);

/* Executes a plan the operator confirmed at confirmed_ms (monotonic) as
 * confirmed_by. allow_replan: after a 409, run one re-plan without asking
 * when its strategy and target are unchanged (the CLI's --yes). step may be
 * NULL; done runs once, from the loop. */
struct rollback_run;
struct rollback_run *rollback_execute(const struct rollback_ctx *ctx, const struct rollback_plan *plan,
                                      const char *confirmed_by, int64_t confirmed_ms, bool allow_replan,
                                      rollback_step_fn step, rollback_done_fn done, void *arg);
/* Stops a run before its done callback ran (nothing further is changed). */
void rollback_run_cancel(struct rollback_run *run);
/* The selector plan that undoes an executed switch (from and to swapped). */
void rollback_plan_switch_back(const struct rollback_plan *executed, const struct slots_state *st,
                               struct rollback_plan *out);

/* On start: when the newest rollback in the timeline was confirmed but has no
 * outcome (the process died mid-run), fills words, records them once as a
 * rollback event with outcome "interrupted" and returns 1; 0 when none; -1
 * when the timeline could not be read or written. */
struct timeline;
int rollback_unfinished_check(struct timeline *tl, char *words, size_t len);

#endif
