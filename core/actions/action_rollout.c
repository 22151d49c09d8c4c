/* The Argo Rollouts actions: abort, retry, promote, promote-full, undo and
 * hold, each sent as the kubectl plugin sends it. One flow for all:
 * read the Rollout (and Argo CD's sync policy) for the preflight, ask, send,
 * then watch the slots until the change shows, as the rollback's
 * verification does: an abort or an undo is done when the Service's
 * endpoints are back on the stable pods (and the canary's weight is 0),
 * the rest when the Rollout's status says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/actions.h"
#include "warroom/argocd.h"
#include "warroom/config.h"
#include "warroom/kube.h"
#include "warroom/loop.h"
#include "warroom/rollout.h"
#include "warroom/slots.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

#define VERIFY_MS 150000
#define VERIFY_EVERY_MS 1000

struct roa {
	enum action_id id;
	struct slots_state st;        /* as read for the preflight */
	struct slots_poller *poller;  /* the reads of the preflight, then of the verification */
	uint64_t areq, kreq, timer;
	bool verifying, argocd_asked, autosync, selfheal;
	char app[128];
	char body[160];
	bool status_patch;
	char stable[32], stable_tag[128];   /* where the traffic must be back (abort, undo) */
	char from[32];                      /* undo: the set traffic leaves */
	long to_revision;
	int step_before;
	int64_t sent_ms;
	char err[300];
};

static const char *verb(enum action_id id)
{
	switch (id) {
	case ACTION_ABORT: return "abort";
	case ACTION_RETRY: return "retry";
	case ACTION_PROMOTE: return "promote";
	case ACTION_PROMOTE_FULL: return "promote --full";
	case ACTION_UNDO: return "undo";
	default: return "pause";
	}
}

static void roa_free(struct action_run *run)
{
	struct roa *s = actions_run_state(run);
	const struct action_ctx *c = actions_run_ctx(run);
	if (!s)
		return;
	if (s->kreq && c->kube)
		kube_cancel(c->kube, s->kreq);
	if (s->areq && c->argocd)
		argocd_cancel(c->argocd, s->areq);
	if (s->timer)
		loop_timer_cancel(c->loop, s->timer);
	slots_poller_free(s->poller);
	free(s);
	actions_run_set_state(run, NULL);
}

static void finish(struct action_run *run, enum action_outcome o, enum action_exit code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#include <stdarg.h>

/* Ends the run, and writes what was done to the timeline when something was
 * sent; the poller may be the caller: it is freed after. */
static void finish(struct action_run *run, enum action_outcome o, enum action_exit code, const char *fmt, ...)
{
	struct roa *s = actions_run_state(run);
	const struct action_ctx *c = actions_run_ctx(run);
	struct action_result res = { .outcome = o, .exit_code = code };
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res.summary, sizeof res.summary, fmt, ap);
	va_end(ap);
	if (s && s->sent_ms && c->tl)
		timeline_log(c->tl, "action", res.summary, NULL);
	if (s && s->sent_ms && s->autosync && (s->id == ACTION_ABORT || s->id == ACTION_UNDO) && o == ACTION_OK) {
		snprintf(res.followup, sizeof res.followup, "Argo CD auto-sync is on for %s: %s", s->app,
		         s->id == ACTION_ABORT
		             ? "while the Rollout stays aborted the next image may not sync (argo-rollouts#3578); "
		               "revert Git, then retry or promote it"
		             : "Git still holds the undone version; revert it in Git or self-heal brings it back");
		actions_result_line(&res, AROLE_WARN, "follow-up: %s", res.followup);
	}
	struct slots_poller *p = s ? s->poller : NULL;
	if (s)
		s->poller = NULL;
	actions_finish(run, &res);   /* cancel() frees the state */
	slots_poller_free(p);
}

/* ---- preflight ---- */

static const struct slots_slot *slot_role(const struct slots_state *st, const char *role)
{
	for (int i = 0; i < st->nslots; i++)
		if (strcmp(st->slot[i].role, role) == 0)
			return &st->slot[i];
	return NULL;
}

/* Whether the action applies to the Rollout as it is; words when not. */
static bool applies(struct roa *s, char *why, size_t len)
{
	const struct rollout_state *ro = &s->st.rollout;
	bool promoted = rollout_promoted(ro);
	switch (s->id) {
	case ACTION_ABORT:
		if (ro->abort)
			return snprintf(why, len, "rollout %s is already aborted: retry or undo it", ro->name), false;
		if (promoted)
			return snprintf(why, len, "rollout %s has no update under way to abort (it is %s on %s); undo goes "
			                "back to the previous revision", ro->name, ro->phase, ro->stable_hash), false;
		return true;
	case ACTION_RETRY:
		if (!ro->abort)
			return snprintf(why, len, "rollout %s is not aborted: nothing to retry", ro->name), false;
		return true;
	case ACTION_PROMOTE:
	case ACTION_PROMOTE_FULL:
		if (ro->abort)
			return snprintf(why, len, "rollout %s is aborted: retry it first", ro->name), false;
		if (promoted && !ro->paused && !ro->pause_reason[0])
			return snprintf(why, len, "rollout %s is fully promoted: nothing to promote", ro->name), false;
		return true;
	case ACTION_HOLD:
		if (ro->paused)
			return snprintf(why, len, "rollout %s is already paused", ro->name), false;
		return true;
	default:
		return true;
	}
}

/* What goes out, as the plugin sends it. */
static void build_body(struct roa *s)
{
	const struct rollout_state *ro = &s->st.rollout;
	s->status_patch = true;
	switch (s->id) {
	case ACTION_ABORT: snprintf(s->body, sizeof s->body, "{\"status\":{\"abort\":true}}"); break;
	case ACTION_RETRY: snprintf(s->body, sizeof s->body, "{\"status\":{\"abort\":false}}"); break;
	case ACTION_PROMOTE_FULL: snprintf(s->body, sizeof s->body, "{\"status\":{\"promoteFull\":true}}"); break;
	case ACTION_PROMOTE:
		if (ro->paused && !ro->pause_reason[0]) {
			s->status_patch = false;
			snprintf(s->body, sizeof s->body, "{\"spec\":{\"paused\":false}}");
		} else if (ro->pause_reason[0] || !ro->canary) {
			snprintf(s->body, sizeof s->body, "{\"status\":{\"pauseConditions\":null}}");
		} else {
			snprintf(s->body, sizeof s->body, "{\"status\":{\"currentStepIndex\":%d}}", ro->current_step + 1);
		}
		break;
	case ACTION_HOLD:
		s->status_patch = false;
		snprintf(s->body, sizeof s->body, "{\"spec\":{\"paused\":true}}");
		break;
	default:
		s->body[0] = '\0';
	}
}

static void propose(struct action_run *run)
{
	struct roa *s = actions_run_state(run);
	const struct rollout_state *ro = &s->st.rollout;
	struct action_question q = { 0 };
	char line[400];
	snprintf(q.title, sizeof q.title, "%s rollout %.80s", verb(s->id), ro->name);
	snprintf(q.question, sizeof q.question, "%s %.60s?", s->id == ACTION_UNDO ? "Undo" : "Send it to", ro->name);
	q.danger = s->id == ACTION_ABORT || s->id == ACTION_UNDO || s->id == ACTION_PROMOTE_FULL;
	rollout_summary_line(ro, loop_wall_ms(), line, sizeof line);
	actions_question_line(&q, AROLE_NORMAL, "%s", line);
	for (int i = 0; i < s->st.nslots; i++) {
		const struct slots_slot *x = &s->st.slot[i];
		if (x->name[0])
			actions_question_line(&q, AROLE_NORMAL, "  %-8s %s %s, %d/%d ready, %d endpoints", x->role, x->name,
			                      x->tag[0] ? x->tag : "?", x->ready, x->desired, x->endpoints_ready);
	}
	rollout_failure_words(ro, line, sizeof line);
	if (line[0])
		actions_question_line(&q, AROLE_CRIT, "%s", line);
	if (s->id == ACTION_UNDO)
		actions_question_line(&q, AROLE_ACCENT, "sends: the pod template of revision %ld (JSON patch of "
		                      "/spec/template)%s%s", s->to_revision, s->stable_tag[0] ? ", image " : "",
		                      s->stable_tag);
	else
		actions_question_line(&q, AROLE_ACCENT, "sends: %s on the rollout%s", s->body,
		                      s->status_patch ? "'s status" : "");
	if (s->id == ACTION_ABORT)
		actions_question_line(&q, AROLE_NORMAL, "the canary (preview) scales down, traffic returns to %s %s",
		                      s->stable, s->stable_tag);
	if (!s->argocd_asked)
		;
	else if (s->autosync && s->id == ACTION_ABORT)
		actions_question_line(&q, AROLE_WARN, "Argo CD auto-sync is on for %s: the Rollout stays aborted until "
		                      "retried, and the next image may not sync (argo-rollouts#3578)", s->app);
	else if (s->selfheal && s->id == ACTION_UNDO)
		actions_question_line(&q, AROLE_WARN, "Argo CD self-heal is on for %s: it puts back the template Git "
		                      "holds unless Git is reverted", s->app);
	else if (s->autosync)
		actions_question_line(&q, AROLE_NORMAL, "Argo CD auto-sync is on for %s", s->app);
	actions_propose(run, &q);
}

static void got_app(const struct argocd_result *res, void *arg)
{
	struct action_run *run = arg;
	struct roa *s = actions_run_state(run);
	struct argocd_app app;
	char err[256];
	s->areq = 0;
	memset(&app, 0, sizeof app);
	if (res->ok && argocd_parse_app(res->body, res->len, &app, err, sizeof err) == 0) {
		s->argocd_asked = true;
		s->autosync = app.automated;
		s->selfheal = app.automated && app.self_heal;
		argocd_app_free(&app);
	}
	propose(run);
}

static void planned(const struct kube_undo_plan *plan, void *arg)
{
	struct action_run *run = arg;
	struct roa *s = actions_run_state(run);
	const struct action_ctx *c = actions_run_ctx(run);
	s->kreq = 0;
	if (!plan->ok) {
		finish(run, ACTION_REFUSED, EXIT_REFUSED, "undo of %s: %s", s->st.rollout.name, plan->error);
		return;
	}
	s->to_revision = plan->to_revision;
	if (c->argocd && (s->areq = argocd_get(c->argocd, got_app, run)))
		return;
	propose(run);
}

static void preflight_read(const struct slots_state *st, void *arg)
{
	struct action_run *run = arg;
	struct roa *s = actions_run_state(run);
	const struct action_ctx *c = actions_run_ctx(run);
	char why[300];
	if (st->last_error[0]) {
		finish(run, ACTION_FAILED, EXIT_UNREACHABLE, "cannot read rollout %s: %s", c->cfg->kube.rollout,
		       st->last_error);
		return;
	}
	s->st = *st;
	if (!st->rollout.found) {
		finish(run, ACTION_REFUSED, EXIT_REFUSED, "rollout %s not found in %s", st->rollout.name, st->namespace_);
		return;
	}
	if (!applies(s, why, sizeof why)) {
		finish(run, ACTION_REFUSED, EXIT_REFUSED, "%s", why);
		return;
	}
	build_body(s);
	const struct slots_slot *stable = &st->slot[0];
	const struct slots_slot *prev = slot_role(st, "previous");
	if (s->id == ACTION_UNDO && prev)
		stable = prev;
	text_copy(s->stable, sizeof s->stable, stable->name);
	text_copy(s->stable_tag, sizeof s->stable_tag, stable->tag);
	text_copy(s->from, sizeof s->from, st->slot[0].name);
	if (s->id == ACTION_UNDO && !prev)
		s->stable[0] = s->stable_tag[0] = '\0';   /* the previous set is at 0: known by its revision only */
	s->step_before = st->rollout.current_step;
	if (s->id == ACTION_UNDO) {
		s->kreq = kube_argo_undo_plan(c->kube, st->namespace_, st->rollout.name, planned, run);
		if (!s->kreq)
			finish(run, ACTION_FAILED, EXIT_FAILED, "cannot read rollout %s's history", st->rollout.name);
		return;
	}
	if (c->argocd && (s->areq = argocd_get(c->argocd, got_app, run)))
		return;
	propose(run);
}

static void prepare(struct action_run *run, enum action_id id)
{
	const struct action_ctx *c = actions_run_ctx(run);
	if (!c->cfg->kube.rollout[0]) {
		actions_finish_line(run, ACTION_REFUSED, EXIT_REFUSED, "no Argo Rollout is configured "
		                    "(kubernetes.rollout): %s acts on a Rollout", verb(id));
		return;
	}
	if (!c->kube) {
		actions_finish_line(run, ACTION_FAILED, EXIT_UNREACHABLE, "Kubernetes: %s",
		                    c->kube_error && *c->kube_error ? c->kube_error : "not configured");
		return;
	}
	struct roa *s = calloc(1, sizeof *s);
	if (!s) {
		actions_finish_line(run, ACTION_FAILED, EXIT_FAILED, "out of memory");
		return;
	}
	s->id = id;
	if (c->argocd)
		text_copy(s->app, sizeof s->app, argocd_app_name(c->argocd));
	actions_run_set_state(run, s);
	s->poller = slots_poller_new(c->loop, c->kube, c->cfg, preflight_read, run);
	if (!s->poller) {
		finish(run, ACTION_FAILED, EXIT_FAILED, "out of memory");
		return;
	}
	slots_poller_refresh(s->poller);
}

/* ---- sending and verifying ---- */

static int stable_index(const struct slots_state *st, const char *hash)
{
	for (int i = 0; i < st->nslots; i++)
		if (st->slot[i].name[0] && strcmp(st->slot[i].name, hash) == 0)
			return i;
	return -1;
}

/* Whether the change shows; words of where it stands in why. */
static bool verified(struct roa *s, const struct slots_state *st, char *why, size_t len)
{
	const struct rollout_state *ro = &st->rollout;
	int i;
	switch (s->id) {
	case ACTION_ABORT:
		i = stable_index(st, s->stable);
		snprintf(why, len, "traffic on %s: %d endpoints, canary weight %d %%", s->stable,
		         i >= 0 ? st->slot[i].endpoints_ready : 0, ro->weight);
		return ro->abort && i >= 0 && slots_traffic_only_on(st, i) && (!ro->canary || ro->weight == 0);
	case ACTION_UNDO:
		i = st->active;
		snprintf(why, len, "active %s %s, %s", i >= 0 ? st->slot[i].name : "-", i >= 0 ? st->slot[i].tag : "-",
		         ro->phase);
		return i >= 0 && strcmp(st->slot[i].name, s->from) != 0 &&
		       (!s->stable_tag[0] || strcmp(st->slot[i].tag, s->stable_tag) == 0) && slots_traffic_only_on(st, i) &&
		       rollout_promoted(ro);
	case ACTION_RETRY:
		snprintf(why, len, "%s", ro->phase);
		return !ro->abort;
	case ACTION_PROMOTE:
		snprintf(why, len, "step %d, %s", ro->current_step + 1, ro->phase);
		return ro->current_step != s->step_before || rollout_promoted(ro) ||
		       (!ro->pause_reason[0] && !ro->paused);
	case ACTION_PROMOTE_FULL:
		snprintf(why, len, "%s", ro->phase);
		return rollout_promoted(ro);
	default:
		snprintf(why, len, "%s", ro->phase);
		return ro->paused;
	}
}

static void verify_tick(struct loop *loop, void *arg)
{
	struct action_run *run = arg;
	struct roa *s = actions_run_state(run);
	(void)loop;
	s->timer = 0;
	slots_poller_refresh(s->poller);
}

static void verify_read(const struct slots_state *st, void *arg)
{
	struct action_run *run = arg;
	struct roa *s = actions_run_state(run);
	const struct action_ctx *c = actions_run_ctx(run);
	char why[300];
	int64_t took = loop_now_ms() - s->sent_ms;
	if (!st->last_error[0] && verified(s, st, why, sizeof why)) {
		finish(run, ACTION_OK, EXIT_OK, "%s of rollout %s verified in %.1f s: %s (by %s)", verb(s->id),
		       st->rollout.name, took / 1000.0, why, c->actor ? c->actor : "?");
		return;
	}
	if (st->last_error[0])
		snprintf(why, sizeof why, "%s", st->last_error);
	if (took > VERIFY_MS) {
		finish(run, ACTION_FAILED, EXIT_FAILED, "%s of rollout %s sent, not verified after %d s: %s", verb(s->id),
		       st->rollout.name, VERIFY_MS / 1000, why);
		return;
	}
	actions_progress(run, AROLE_NORMAL, "waiting: %s", why);
	s->timer = loop_timer_add(c->loop, VERIFY_EVERY_MS, 0, verify_tick, run);
}

static void sent(const struct kube_result *res, void *arg)
{
	struct action_run *run = arg;
	struct roa *s = actions_run_state(run);
	const struct action_ctx *c = actions_run_ctx(run);
	s->kreq = 0;
	if (!res->ok) {
		finish(run, ACTION_FAILED, res->status ? EXIT_FAILED : EXIT_UNREACHABLE, "%s of rollout %s failed: %s",
		       verb(s->id), s->st.rollout.name, res->error);
		return;
	}
	s->sent_ms = loop_now_ms();
	actions_progress(run, AROLE_OK, "%s sent to rollout %s; verifying", verb(s->id), s->st.rollout.name);
	slots_poller_free(s->poller);
	s->poller = slots_poller_new(c->loop, c->kube, c->cfg, verify_read, run);
	if (!s->poller) {
		finish(run, ACTION_FAILED, EXIT_FAILED, "%s sent; out of memory to verify it", verb(s->id));
		return;
	}
	slots_poller_refresh(s->poller);
}

static void exec_any(struct action_run *run)
{
	struct roa *s = actions_run_state(run);
	const struct action_ctx *c = actions_run_ctx(run);
	const char *ns = s->st.namespace_, *name = s->st.rollout.name;
	s->kreq = s->id == ACTION_UNDO ? kube_argo_undo(c->kube, ns, name, sent, run)
	                               : kube_argo_patch(c->kube, ns, name, s->status_patch, s->body, sent, run);
	if (!s->kreq)
		finish(run, ACTION_FAILED, EXIT_FAILED, "cannot send %s to rollout %s", verb(s->id), name);
}

#define ROLLOUT_ACTION(name, id) \
	static void name##_prepare(struct action_run *run) { prepare(run, id); } \
	const struct action_exec actions_exec_##name = { \
		.prepare = name##_prepare, .exec = exec_any, .cancel = roa_free, \
	};

ROLLOUT_ACTION(abort, ACTION_ABORT)
ROLLOUT_ACTION(retry, ACTION_RETRY)
ROLLOUT_ACTION(promote, ACTION_PROMOTE)
ROLLOUT_ACTION(promote_full, ACTION_PROMOTE_FULL)
ROLLOUT_ACTION(undo, ACTION_UNDO)
ROLLOUT_ACTION(hold, ACTION_HOLD)
