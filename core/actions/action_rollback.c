/* The rollback action: plan (reading the cluster and Argo CD on the loop),
 * propose the plan as the confirmation question, execute it, and answer
 * what the execution asks back — a plan that changed after a 409, or a
 * switch back when the traffic could not be proven. The same flow for the
 * console's R, `:rollback` and `warroom rollback`; it writes the runbook's
 * rollback log itself when it ends, so every front-end gets one. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/actions.h"
#include "warroom/config.h"
#include "warroom/deploy.h"
#include "warroom/export.h"
#include "warroom/loop.h"
#include "warroom/rollback.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

struct rb {
	struct rollback_ctx rctx;
	struct rollback_prep *prep;
	struct rollback_run *exec;
	struct rollback_plan plan;       /* what the operator confirmed */
	struct rollback_plan next;       /* a changed plan or the way back, while asked */
	int last_ready;
};

static struct rb *rb_of(struct action_run *run)
{
	return actions_run_state(run);
}

static void rb_free(struct action_run *run)
{
	struct rb *rb = rb_of(run);

	if (!rb)
		return;
	if (rb->prep)
		rollback_prepare_cancel(rb->prep);
	if (rb->exec)
		rollback_run_cancel(rb->exec);
	free(rb);
	actions_run_set_state(run, NULL);
}

/* The runbook's rollback log after a rollback that ran, whatever came of it;
 * a plan only (a dry run, a refusal, a no) leaves none. */
static void write_log(struct action_run *run, struct action_result *res)
{
	const struct action_ctx *c = actions_run_ctx(run);
	char path[1200], err[1400];

	if (actions_run_args(run)->dry_run || res->outcome == ACTION_REFUSED || res->outcome == ACTION_DECLINED)
		return;
	res->duration_ms = actions_run_elapsed_ms(run);
	if (export_rollback_log(c->tl, c->cfg, res, path, sizeof path, err, sizeof err) == 0) {
		actions_progress(run, AROLE_NORMAL, "rollback log: %s", path);
		return;
	}
	actions_progress(run, AROLE_WARN, "no rollback log: %s", err);
	if (c->tl)
		timeline_log(c->tl, "error", "no rollback log written", NULL);
}

/* Every end of a run goes here: the log, then the outcome. */
static void finish(struct action_run *run, struct action_result *res)
{
	write_log(run, res);
	rb_free(run);
	actions_finish(run, res);
}

static void finish_line(struct action_run *run, enum action_outcome outcome, enum action_exit exit_code,
                        const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void finish_line(struct action_run *run, enum action_outcome outcome, enum action_exit exit_code,
                        const char *fmt, ...)
{
	struct action_result *res = calloc(1, sizeof *res);
	va_list ap;

	if (!res) {
		rb_free(run);
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "out of memory");
		return;
	}
	res->outcome = outcome;
	res->exit_code = exit_code;
	va_start(ap, fmt);
	vsnprintf(res->summary, sizeof res->summary, fmt, ap);
	va_end(ap);
	finish(run, res);
	free(res);
}

/* The plan in lines: why (accent), the preflight, the warnings, and what
 * Argo CD's self-heal means for it. */
static void plan_lines(const struct rollback_plan *p, struct action_line *lines, size_t *n, size_t max)
{
#define ADD(r, ...) do { if (*n < max) { lines[*n].role = (r); \
	snprintf(lines[*n].text, sizeof lines[*n].text, __VA_ARGS__); (*n)++; } } while (0)
	ADD(AROLE_ACCENT, "%s", p->ok ? p->why : rollback_strategy_name(p->strategy));
	for (size_t i = 0; i < p->nlines; i++)
		ADD(AROLE_NORMAL, "%s", p->lines[i]);
	for (size_t i = 0; i < p->nwarnings; i++)
		ADD(AROLE_WARN, "%s", p->warnings[i]);
	if (!p->ok)
		ADD(AROLE_CRIT, "%s", p->refusal);
	else if (p->argocd_autosync && p->strategy != ROLLBACK_ARGOCD)
		ADD(AROLE_CRIT, "Argo CD self-heal will revert this patch: prefer :rollback argocd");
	else if (p->argocd_autosync)
		ADD(AROLE_STALE, "direct patch instead (self-heal reverts it): :rollback selector");
#undef ADD
}

/* How far back the timeline is read for the newest rollback. */
#define ROLLBACK_LOOK_BACK 400

static void tag_of(const char *image, char *out, size_t len)
{
	const char *slash = strrchr(image, '/');
	const char *colon = strrchr(slash ? slash : image, ':');

	text_copy(out, len, colon ? colon + 1 : "");
}

/* A target running the version the newest rollback left: the plan would put
 * the bad version back. Named in red, and its version must be typed. */
static void back_to_bad(struct action_run *run, const struct rollback_plan *p, struct action_question *q)
{
	const struct action_ctx *c = actions_run_ctx(run);
	struct timeline_event *evs = NULL;
	struct deploy_rollback rb;
	char tag[128], age[16];
	size_t n = 0;
	bool found;

	if (!c->tl || !p->to_name[0] || timeline_list(c->tl, -1, 0, ROLLBACK_LOOK_BACK, &evs, &n) != 0)
		return;
	found = deploy_recall_rollback(evs, n, p->ns, p->service, &rb);
	timeline_events_free(evs, n);
	tag_of(p->target_image, tag, sizeof tag);
	if (!found || strcmp(rb.from_slot, p->to_name) != 0 || strcmp(rb.from_version, tag) != 0 ||
	    strcmp(rb.to_slot, p->from_name) != 0)
		return;
	text_age(loop_wall_ms() - rb.wall_ms > 0 ? loop_wall_ms() - rb.wall_ms : 0, age, sizeof age);
	snprintf(q->typed_why, sizeof q->typed_why, "%s runs %s, rolled back %s ago%s%s", p->to_name, tag, age,
	         rb.reason[0] ? ": " : "", rb.reason);
	text_copy(q->typed, sizeof q->typed, tag);
	actions_question_line(q, AROLE_CRIT, "%s", q->typed_why);
	actions_question_line(q, AROLE_CRIT, "this puts the version rolled back from back into service: type %s to "
	                      "confirm", tag);
}

static void propose(struct action_run *run, const struct rollback_plan *p, bool again, action_answer_fn fn)
{
	struct action_question *q = calloc(1, sizeof *q);

	if (!q) {
		finish_line(run, ACTION_FAILED, EXIT_FAILED, "out of memory");
		return;
	}
	snprintf(q->title, sizeof q->title, "%sRollback: %s%s%s", again ? "Changed meanwhile: " : "",
	         rollback_strategy_name(p->strategy), p->to_name[0] ? " to " : "", p->to_name);
	snprintf(q->question, sizeof q->question, again ? "Run the new plan?" : "Run this rollback?");
	q->danger = true;
	q->operator_only = again;
	plan_lines(p, q->lines, &q->nlines, ACTION_LINES);
	back_to_bad(run, p, q);
	if (fn)
		actions_ask(run, q, fn);
	else
		actions_propose(run, q);
	free(q);
}

static enum action_exit refusal_code(const struct rollback_plan *p)
{
	return strncmp(p->refusal, "cannot read the cluster", 23) == 0 ? EXIT_UNREACHABLE : EXIT_REFUSED;
}

static void on_plan(const struct rollback_plan *p, const struct slots_state *st, void *arg)
{
	struct action_run *run = arg;
	struct rb *rb = rb_of(run);
	struct action_result *res;

	rb->prep = NULL;
	rb->plan = *p;
	if (p->ok && !actions_run_args(run)->dry_run) {
		propose(run, p, false, NULL);
		return;
	}
	res = calloc(1, sizeof *res);
	if (!res) {
		finish_line(run, ACTION_FAILED, EXIT_FAILED, "out of memory");
		return;
	}
	plan_lines(p, res->lines, &res->nlines, ACTION_LINES);
	if (!p->ok) {
		char summary[ROLLBACK_LINE + 32];

		snprintf(summary, sizeof summary, "rollback refused: %s", p->refusal);
		if (rb->rctx.tl)
			timeline_log(rb->rctx.tl, "rollback", summary, NULL);
		res->outcome = ACTION_REFUSED;
		res->exit_code = refusal_code(p);
		snprintf(res->title, sizeof res->title, "Rollback refused");
		text_copy(res->summary, sizeof res->summary, summary);
	} else {
		res->outcome = ACTION_OK;
		snprintf(res->title, sizeof res->title, "Rollback plan (dry run)");
		snprintf(res->summary, sizeof res->summary, "dry run: nothing changed");
	}
	finish(run, res);
	free(res);
}

static void rollback_prepare_action(struct action_run *run)
{
	const struct action_ctx *c = actions_run_ctx(run);
	const struct action_args *a = actions_run_args(run);
	enum rollback_strategy want = ROLLBACK_AUTO;
	struct rb *rb;

	if (c->cfg->kube.rollout[0]) {
		/* the Rollout's controller owns the Services' selectors: a switch by hand fights it */
		finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "rollout %s: its controller owns the Service's selector; "
		            "{abort} returns traffic to stable during an update, {undo} goes back after a promotion",
		            c->cfg->kube.rollout);
		return;
	}
	if (a->text && *a->text && rollback_strategy_parse(a->text, &want) != 0) {
		finish_line(run, ACTION_REFUSED, EXIT_REFUSED,
		            "unknown strategy \"%s\": auto, selector, scale-switch, undo, argocd", a->text);
		return;
	}
	if (!c->kube) {
		finish_line(run, ACTION_REFUSED, EXIT_UNREACHABLE, "rollback: %s",
		            c->kube_error && *c->kube_error ? c->kube_error : "no Kubernetes client");
		return;
	}
	rb = calloc(1, sizeof *rb);
	if (!rb) {
		finish_line(run, ACTION_FAILED, EXIT_FAILED, "out of memory");
		return;
	}
	rb->rctx = (struct rollback_ctx){
		.loop = c->loop, .kube = c->kube, .argocd = c->argocd, .tl = c->tl, .cfg = c->cfg,
	};
	rb->last_ready = -1;
	actions_run_set_state(run, rb);
	actions_progress(run, AROLE_ACCENT, "planning the rollback: reading the cluster%s",
	                 c->argocd ? " and Argo CD" : "");
	rb->prep = rollback_prepare(&rb->rctx, want, on_plan, run);
	if (!rb->prep) {
		finish_line(run, ACTION_FAILED, EXIT_FAILED, "could not start reading the cluster");
	}
}

static void on_step(const struct rollback_step *s, void *arg)
{
	struct action_run *run = arg;
	struct rb *rb = rb_of(run);

	switch (s->kind) {
	case ROLLBACK_STEP_PROGRESS:
		if (s->ready == rb->last_ready)
			return;   /* one line per change, not per poll */
		rb->last_ready = s->ready;
		actions_progress(run, AROLE_ACCENT, "%s  %d/%d ready  %.1f s", s->text, s->ready, s->total,
		                 (double)s->elapsed_ms / 1000.0);
		break;
	case ROLLBACK_STEP_CALL:
		actions_progress(run, s->ok ? AROLE_NORMAL : AROLE_CRIT, "%s", s->text);
		break;
	case ROLLBACK_STEP_REPLAN:
		actions_progress(run, AROLE_WARN, "%s", s->text);
		break;
	default:
		actions_progress(run, AROLE_ACCENT, "%s", s->text);
	}
}

static void execute(struct action_run *run, const struct rollback_plan *p);

static void on_replan_answer(struct action_run *run, bool yes)
{
	struct rb *rb = rb_of(run);

	if (!yes) {
		finish_line(run, ACTION_DECLINED, EXIT_FAILED,
		            "not executed: the plan changed; run the rollback again to see and confirm the new plan");
		return;
	}
	rb->plan = rb->next;
	execute(run, &rb->plan);
}

static void on_switch_back_answer(struct action_run *run, bool yes)
{
	struct rb *rb = rb_of(run);
	char to[32];

	if (!yes) {
		text_copy(to, sizeof to, rb->plan.to_name);
		finish_line(run, ACTION_FAILED, EXIT_FAILED, "traffic NOT verified on %s; to switch back: "
		            "warroom rollback --strategy selector", to);
		return;
	}
	rb->plan = rb->next;
	execute(run, &rb->plan);
}

static void on_done(const struct rollback_report *rep, void *arg)
{
	struct action_run *run = arg;
	struct rb *rb = rb_of(run);
	struct action_result *res = calloc(1, sizeof *res);
	struct action_question *q;

	rb->exec = NULL;
	if (!res) {
		finish_line(run, ACTION_FAILED, EXIT_FAILED, "out of memory");
		return;
	}
	text_copy(res->summary, sizeof res->summary, rep->summary);
	text_copy(res->followup, sizeof res->followup, rep->followup);
	switch (rep->outcome) {
	case ROLLBACK_VERIFIED:
	case ROLLBACK_NOTHING_DONE:
		res->outcome = ACTION_OK;
		if (rep->followup[0]) {
			snprintf(res->title, sizeof res->title, "Rollback verified");
			actions_result_line(res, AROLE_OK, "%s", rep->summary);
			actions_result_line(res, AROLE_WARN, "follow-up: %s", rep->followup);
		}
		break;
	case ROLLBACK_ASK_AGAIN:
		if (rep->replan.ok) {
			rb->next = rep->replan;
			free(res);
			propose(run, &rb->next, true, on_replan_answer);
			return;
		}
		res->outcome = ACTION_FAILED;
		res->exit_code = EXIT_FAILED;
		break;
	case ROLLBACK_VERIFY_FAILED:
		if (rep->can_switch_back && (q = calloc(1, sizeof *q))) {
			rollback_plan_switch_back(&rb->plan, NULL, &rb->next);
			rb->next.service_rv[0] = '\0';   /* the service moved on: switch back unconditionally */
			snprintf(q->title, sizeof q->title, "Traffic NOT verified");
			snprintf(q->question, sizeof q->question, "Switch back to %s?", rb->next.to_name);
			q->danger = true;
			q->operator_only = true;
			actions_question_line(q, AROLE_CRIT, "%s", rep->summary);
			if (rep->detail[0])
				actions_question_line(q, AROLE_NORMAL, "%s", rep->detail);
			actions_ask(run, q, on_switch_back_answer);
			free(q);
			free(res);
			return;
		}
		res->outcome = ACTION_FAILED;
		res->exit_code = EXIT_FAILED;
		snprintf(res->title, sizeof res->title, "Traffic NOT verified");
		actions_result_line(res, AROLE_CRIT, "%s", rep->summary);
		if (rep->detail[0])
			actions_result_line(res, AROLE_NORMAL, "%s", rep->detail);
		break;
	case ROLLBACK_CANCELLED:
		res->outcome = ACTION_CANCELLED;
		res->exit_code = EXIT_FAILED;
		break;
	default:
		res->outcome = ACTION_FAILED;
		res->exit_code = EXIT_FAILED;
		snprintf(res->title, sizeof res->title, "Rollback failed");
		actions_result_line(res, AROLE_CRIT, "%s", rep->summary);
		if (rep->detail[0])
			actions_result_line(res, AROLE_NORMAL, "%s", rep->detail);
	}
	finish(run, res);
	free(res);
}

static void execute(struct action_run *run, const struct rollback_plan *p)
{
	const struct action_ctx *c = actions_run_ctx(run);
	const char *how = actions_run_confirmation(run);
	struct rb *rb = rb_of(run);
	char who[160];
	const char *paren = strchr(how, '(');

	/* "alice (--yes)": who confirmed, and how */
	if (paren)
		snprintf(who, sizeof who, "%s %s", c->actor ? c->actor : "", paren);
	else
		snprintf(who, sizeof who, "%s", c->actor ? c->actor : "");
	rb->last_ready = -1;
	rb->exec = rollback_execute(&rb->rctx, p, who, loop_now_ms(), actions_run_args(run)->unattended, on_step,
	                            on_done, run);
	if (!rb->exec) {
		finish_line(run, ACTION_FAILED, EXIT_FAILED, "the rollback could not start");
		return;
	}
	actions_progress(run, AROLE_ACCENT, "rolling back: %s", rollback_strategy_name(p->strategy));
}

static void rollback_exec_action(struct action_run *run)
{
	execute(run, &rb_of(run)->plan);
}

const struct action_exec actions_exec_rollback = {
	.prepare = rollback_prepare_action,
	.exec = rollback_exec_action,
	.cancel = rb_free,
};
