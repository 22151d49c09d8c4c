/* The runbook session's insides, shared by core/runbook_run.c (walking,
 * running) and core/runbook_env.c (what commands get in their environment).
 * Not an API: include/warroom/runbook.h is. */
#ifndef WARROOM_CORE_RUNBOOK_SESSION_H
#define WARROOM_CORE_RUNBOOK_SESSION_H

#include <cJSON.h>

#include "warroom/runbook.h"

struct proc;
struct proc_env;

struct runbook_session {
	struct loop *loop;
	const struct config *cfg;
	struct timeline *tl;
	struct model *m;
	struct runbook_lib *lib;
	struct runbook_store *store;
	char store_err[300];

	struct runbook *rb;
	int64_t run_id;
	struct runbook_item_state *st;
	size_t cursor;
	char alert[96];
	cJSON *vars;                /* fixed for the run: persisted at its start */

	struct proc *proc;
	size_t run_item;
	runbook_done_fn done;
	void *done_arg;
	char *out[RUNBOOK_OUT_LINES];
	size_t out_n, out_head;

	char offer_name[128], offer_alert[96], offer_labels[512];
	uint64_t native_run;
	size_t native_item;
	uint64_t gen;
};

/* core/runbook_env.c */
void runbook_env_labels(cJSON *vars, const char *labels);
void runbook_env_set(cJSON *o, const char *name, const char *value);
struct proc_env *runbook_env_command(struct runbook_session *s);

#endif
