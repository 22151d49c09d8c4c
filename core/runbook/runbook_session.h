/* The runbook session's insides, shared by core/runbook/runbook_run.c (walking,
 * running), core/runbook/runbook_progress.c (where the walk is) and
 * core/runbook/runbook_env.c (what commands get in their environment).
 * Not an API: include/warroom/runbook.h is. */
#ifndef WARROOM_CORE_RUNBOOK_SESSION_H
#define WARROOM_CORE_RUNBOOK_SESSION_H

#include <cJSON.h>

#include "warroom/model.h"   /* MODEL_ALERT_LABELS */
#include "warroom/runbook.h"

struct proc_env;
struct proc_result;
struct runbook_runner;
struct ssh;

struct runbook_session {
	struct loop *loop;
	const struct config *cfg;
	struct timeline *tl;
	struct model *m;
	struct runbook_lib *lib;
	runbook_action_fn action;   /* the native actions this build runs */
	struct runbook_store *store;
	char store_err[300];

	struct runbook *rb;
	int64_t run_id;
	struct runbook_item_state *st;
	size_t cursor;
	char alert[96];
	cJSON *vars;                /* fixed for the run and the values given: persisted */
	cJSON *secrets;             /* values of secret placeholders: in memory only */

	struct ssh *ssh;            /* the bastion, for {runner=bastion} commands; NULL: none */
	struct runbook_runner *runner;   /* the command running, here or on the bastion */
	size_t run_item;
	runbook_done_fn done;
	void *done_arg;
	char *out[RUNBOOK_OUT_LINES];
	size_t out_n, out_head;

	char offer_name[128], offer_alert[96], offer_labels[MODEL_ALERT_LABELS];
	uint64_t native_run;
	size_t native_item;
	int64_t audit_seen;         /* the newest audit record looked at (runbook_follow.c) */
};

/* core/runbook/runbook_record.c: the store, the timeline, the cursor, the
 * views told (below runbook_progress.c, runbook_values.c, runbook_choose.c,
 * runbook_native.c and runbook_run.c, which call down in that order) */
void runbook_session_log(struct runbook_session *s, const char *summary, cJSON *detail);
void runbook_session_persist(struct runbook_session *s, size_t i);
void runbook_session_changed(struct runbook_session *s);
cJSON *runbook_session_detail(struct runbook_session *s, size_t i);
/* The first line of an item's text, shortened, for summaries. */
void runbook_session_short(const struct runbook_item *it, char *out, size_t len);
void runbook_session_hash(const struct runbook_item *it, char *out, size_t len);

/* core/runbook/runbook_follow.c: actions run outside the runbook that settle
 * one of its warroom lines (R's rollback is its rollback line). */
struct runbook_followed {
	size_t item;
	enum runbook_state state;   /* done, failed, cancelled */
	int64_t duration_ms;
	char action[32], outcome[16], actor[64], via[32];
	char summary[256];          /* the action's own words */
};
/* From now on: what was recorded before is not the walk's. */
void runbook_follow_reset(struct runbook_session *s);
/* The lines settled by audit records new since the last call, the newest
 * record deciding each line; at most max. */
size_t runbook_follow_audit(struct runbook_session *s, struct runbook_followed *out, size_t max);

/* core/runbook/runbook_env.c */
void runbook_env_labels(cJSON *vars, const char *labels);
void runbook_env_set(cJSON *o, const char *name, const char *value);
struct proc_env *runbook_env_command(struct runbook_session *s);
/* The same variables as "NAME=value" entries for the bastion (no KUBECONFIG:
 * its path is ours), NULL-terminated; NULL: out of memory. */
char **runbook_env_remote(struct runbook_session *s);
void runbook_env_remote_free(char **env);   /* wipes the values */

/* core/runbook/runbook_runner.c: a command run where its item says */
typedef void (*runbook_runner_line_fn)(void *arg, const char *line);
typedef void (*runbook_runner_done_fn)(void *arg, const struct proc_result *res);
struct runbook_runner *runbook_runner_start(struct runbook_session *s, const struct runbook_item *it,
                                            const char *command, runbook_runner_line_fn on_line,
                                            runbook_runner_done_fn on_done, void *arg, char *err,
                                            size_t errlen);
/* Ends the command's group; on_done still runs, with cancelled set. */
void runbook_runner_cancel(struct runbook_runner *r);
/* Safe from its callbacks; a command still running is ended. */
void runbook_runner_free(struct runbook_runner *r);

#endif
