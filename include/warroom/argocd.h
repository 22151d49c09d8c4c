/* argocd — the Argo CD API for one application: its state (history, sync,
 * health, automated sync policy), rollback, turning auto-sync off and back
 * on (the previous automated settings are kept to restore them), and sync.
 * Errors {error, code, message} become words; the token never does.
 * Implemented in core/cluster/argocd.c. */
#ifndef WARROOM_ARGOCD_H
#define WARROOM_ARGOCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config_endpoint;
struct http;
struct argocd;

#define ARGOCD_MAX_HISTORY 16

struct argocd_history {
	int64_t id;
	char revision[64];
	char deployed_at[40];        /* RFC 3339 as the server wrote it */
	int64_t deployed_ms;         /* the same, UTC ms; 0 when absent or unreadable */
	char initiated_by[64];       /* initiatedBy.username, "automated" for the controller, "" */
	/* what the sync deployed, as its source's Helm parameters: "name=value"
	 * lines (the active slot, each slot's image tag and replicas) */
	char params[768];
};

/* A Helm parameter of a history entry ("service.activeSlot"); "" when absent. */
void argocd_history_param(const struct argocd_history *h, const char *name, char *out, size_t len);

struct argocd_app {
	char name[128];
	char sync_status[24];        /* Synced, OutOfSync, Unknown */
	char sync_revision[64];
	char health[24];             /* Healthy, Progressing, Degraded, ... */
	char operation_phase[24];    /* Running, Succeeded, Failed, Error, "" */
	char operation_message[200];
	char operation_revision[64];   /* what the last operation applied */
	bool automated;              /* present and enabled is not false */
	bool prune, self_heal;
	char *automated_json;        /* spec.syncPolicy.automated as sent, NULL when absent */
	struct argocd_history history[ARGOCD_MAX_HISTORY];   /* oldest first, the newest kept */
	size_t nhistory;
};

/* Parses an Application (JSON). 0, or -1 with words. Free with argocd_app_free. */
int argocd_parse_app(const char *json, size_t len, struct argocd_app *app, char *err, size_t errlen);
void argocd_app_free(struct argocd_app *app);
/* The entry a rollback goes back to: the one before the newest (as the CLI
 * does), NULL when the history is too short. */
const struct argocd_history *argocd_previous(const struct argocd_app *app);
/* The revision a rollback undoes: the newest history entry's (what the bad
 * deploy synced), else Git's target; "" when neither is known. */
const char *argocd_current_revision(const struct argocd_app *app);

/* Whether Git still deploys the bad revision: Argo CD's target revision for
 * the tracked branch (status.sync.revision) compared with bad (a full SHA or
 * a prefix of one). ARGOCD_GIT_UNKNOWN when either is missing or under 7
 * characters: nothing to compare, so nothing proves Git is fixed. */
enum argocd_git_state {
	ARGOCD_GIT_UNKNOWN = 0,
	ARGOCD_GIT_BAD,              /* the tracked branch still resolves to bad */
	ARGOCD_GIT_FIXED,            /* it resolves to another commit */
};
enum argocd_git_state argocd_git_state(const struct argocd_app *app, const char *bad);

/* Words for a failed answer: "FailedPrecondition: rollback cannot be ...". */
void argocd_error_words(long status, const char *body, size_t len, char *buf, size_t buflen);
/* The request bodies, for the calls below and for tests (malloc'd). */
char *argocd_rollback_body(int64_t id, bool dry_run);
/* automated_json NULL: turn auto-sync off; else restore those settings. */
char *argocd_autosync_body(const char *automated_json);

struct argocd_result {
	bool ok;
	long status;
	const char *body;            /* valid during the callback */
	size_t len;
	const char *error;           /* words, "" when ok */
	int64_t elapsed_ms;
};
typedef void (*argocd_done_fn)(const struct argocd_result *res, void *arg);

/* The endpoint's token is read now (token_file or token_env); NULL with words
 * when the URL is empty or the token cannot be read. */
struct argocd *argocd_new(struct http *http, const struct config_endpoint *ep, const char *app,
                          char *err, size_t errlen);
void argocd_free(struct argocd *ac);
/* Routes every later request (CURLOPT_CONNECT_TO, an SSH tunnel); NULL: direct. */
int argocd_set_connect_to(struct argocd *ac, const char *connect_to);
const char *argocd_app_name(const struct argocd *ac);

uint64_t argocd_get(struct argocd *ac, argocd_done_fn fn, void *arg);
uint64_t argocd_rollback(struct argocd *ac, int64_t id, bool dry_run, argocd_done_fn fn, void *arg);
/* PATCH {"patch": "<merge patch>", "patchType": "merge"} on the application. */
uint64_t argocd_set_autosync(struct argocd *ac, const char *automated_json, argocd_done_fn fn, void *arg);
bool argocd_cancel(struct argocd *ac, uint64_t id);

/* The application polled on the one source abstraction: fn after every
 * read with the application (NULL and words when the read failed). */
struct argocd_poller;
struct loop;
struct source;
typedef void (*argocd_poll_fn)(const struct argocd_app *app, const char *err, void *arg);
struct argocd_poller *argocd_poller_new(struct loop *loop, struct argocd *ac, argocd_poll_fn fn, void *arg);
struct source *argocd_poller_source(struct argocd_poller *pp);
/* Stops and cancels the read in flight: call before argocd_free. */
void argocd_poller_stop(struct argocd_poller *pp);
void argocd_poller_free(struct argocd_poller *pp);

#endif
