/* check: the verification matrix from a key or the `:` line, against a slot
 * (`:check green`; none: the slot a smoke test is for). Reads only; the
 * report goes back as the result's lines and into the timeline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/actions.h"
#include "warroom/deploy.h"
#include "warroom/timeline.h"
#include "warroom/matrix.h"

static void check_done(const struct matrix_report *rep, void *arg)
{
	struct action_run *run = arg;
	const struct action_ctx *c = actions_run_ctx(run);
	struct matrix *v = actions_run_state(run);
	struct action_result res = { 0 };
	int passed = 0;

	for (int i = 0; i < MATRIX_COUNT; i++) {
		const struct matrix_row *r = &rep->row[i];

		passed += r->pass;
		actions_result_line(&res, r->pass ? AROLE_OK : AROLE_CRIT, "%s %-16s %-30s %s (%lld ms)",
		                    r->pass ? "PASS" : "FAIL", r->check, r->measured, r->expected, (long long)r->took_ms);
	}
	if (rep->error[0])
		actions_result_line(&res, AROLE_CRIT, "%s", rep->error);
	res.outcome = rep->pass ? ACTION_OK : ACTION_FAILED;
	res.exit_code = rep->pass ? EXIT_OK : EXIT_FAILED;
	snprintf(res.title, sizeof res.title, "Verification of %s", rep->slot[0] ? rep->slot : "the slot");
	snprintf(res.summary, sizeof res.summary, "verification of %s: %d/%d passed in %.1f s%s",
	         rep->slot[0] ? rep->slot : "?", passed, MATRIX_COUNT, rep->took_ms / 1000.0,
	         rep->pass ? "" : " - FAILED");
	if (c->tl) {
		char *detail = matrix_report_json(rep);

		timeline_log(c->tl, "verify", res.summary, detail);
		free(detail);
	}
	actions_run_set_state(run, NULL);
	actions_finish(run, &res);
	matrix_free(v);   /* from its own delivery: nothing of it runs after this */
}

static void check_exec(struct action_run *run)
{
	const struct action_ctx *c = actions_run_ctx(run);
	const struct action_args *a = actions_run_args(run);
	struct matrix *v;

	if (!c->kube) {
		actions_finish_line(run, ACTION_FAILED, EXIT_UNREACHABLE, "the Kubernetes API is not reachable: %s",
		                    c->kube_error && *c->kube_error ? c->kube_error : "no kubeconfig");
		return;
	}
	v = matrix_start(c->loop, c->kube, c->ssh, c->cfg, a->text && *a->text ? a->text : NULL, check_done, run);
	if (!v) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "out of memory");
		return;
	}
	actions_run_set_state(run, v);
	actions_progress(run, AROLE_NORMAL, "verification matrix running");
}

static void check_cancel(struct action_run *run)
{
	matrix_free(actions_run_state(run));
	actions_run_set_state(run, NULL);
}

const struct action_exec actions_exec_check = { .exec = check_exec, .cancel = check_cancel };

/* tick: one item of the pre-deployment checklist, recorded with its ticker. */
static void tick_exec(struct action_run *run)
{
	const struct action_ctx *c = actions_run_ctx(run);
	const struct action_args *a = actions_run_args(run);
	size_t n;
	const char *const *items = deploy_checklist(&n);
	char *end;
	long item = a->text ? strtol(a->text, &end, 10) : 0;
	char summary[256];

	if (!a->text || end == a->text || item < 1 || (size_t)item > n) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "which item? 1 to %zu of the pre-deployment "
		                    "checklist", n);
		return;
	}
	if (!c->tl) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "timeline unavailable: %s",
		                    c->tl_error && *c->tl_error ? c->tl_error : "not opened");
		return;
	}
	snprintf(summary, sizeof summary, "checklist %ld/%zu ticked: %s", item, n, items[item - 1]);
	if (timeline_log(c->tl, "checklist", summary, NULL) != 0) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "%s", timeline_errmsg(c->tl));
		return;
	}
	actions_finish_line(run, ACTION_OK, EXIT_OK, "%s", summary);
}

const struct action_exec actions_exec_tick = { .exec = tick_exec };
