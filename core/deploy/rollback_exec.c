/* rollback_exec — reads what the planner needs, then executes a confirmed
 * plan on the loop: API calls one after the other, each reported and written
 * to the timeline; a 409 leads to reading and planning again; the result is
 * proven by polling the EndpointSlices until only ready pods of the target
 * slot receive traffic. */
#include "warroom/rollback.h"
#include "warroom/argocd.h"
#include "warroom/config.h"
#include "warroom/json.h"
#include "warroom/kube.h"
#include "warroom/loop.h"
#include "warroom/timeline.h"
#include "warroom/text.h"

#include <cJSON.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERIFY_POLL_MS 100
#define READY_POLL_MS 250
#define ARGO_POLL_MS 500
#define ARGO_SETTLE_MS 5000   /* after Argo CD's operation ends, the slices follow within this */

/* ---------- execute ---------- */

enum run_state {
	RS_IDLE, RS_SCALE, RS_WAIT_READY, RS_PATCH, RS_UNDO, RS_WAIT_ROLLOUT,
	RS_ARGO_OFF, RS_ARGO_ROLLBACK, RS_REPLAN, RS_VERIFY, RS_DONE,
};

struct rollback_run {
	struct rollback_ctx ctx;
	struct rollback_plan plan;
	char who[64];
	int64_t confirmed_ms;
	bool allow_replan;
	int replans;
	rollback_step_fn step;
	rollback_done_fn done;
	void *arg;
	enum run_state state;
	uint64_t kreq, areq, timer;
	struct rollback_prep *prep;
	struct slots_poller *poller;
	int64_t call_started_ms, wait_started_ms;
	int64_t verify_timeout_ms;
	long target_generation;
	bool switched, nothing_done;
	int last_ready;
	char followup[ROLLBACK_LINE];
	struct slots_state last;      /* last verification read */
	bool have_last;
	/* Argo CD: when its rollback operation finished, and how. */
	uint64_t argo_timer;
	bool argo_applied;
	int64_t argo_applied_ms;
	char argo_failed[300];
};

static void tlog(struct rollback_run *r, const char *summary, const char *detail)
{
	if (r->ctx.tl)
		timeline_log(r->ctx.tl, "rollback", summary, detail);
}

/* A step for the front-end, and for the timeline unless the run's end
 * (finish) writes the same words. */
static void say(struct rollback_run *r, enum rollback_step_kind kind, bool ok, long status, int64_t dur,
                const char *text, bool log)
{
	if (log && (kind == ROLLBACK_STEP_CALL || kind == ROLLBACK_STEP_INFO || kind == ROLLBACK_STEP_REPLAN)) {
		char detail[768];
		if (kind == ROLLBACK_STEP_CALL)
			snprintf(detail, sizeof detail, "{\"status\":%ld,\"duration_ms\":%lld,\"ok\":%s}", status,
			         (long long)dur, ok ? "true" : "false");
		else
			detail[0] = '\0';
		tlog(r, text, detail[0] ? detail : NULL);
	}
	if (!r->step)
		return;
	struct rollback_step st = {
		.kind = kind, .text = text, .status = status, .duration_ms = dur, .ok = ok,
		.ready = r->last_ready, .total = r->plan.scale_to ? r->plan.scale_to : r->plan.target_desired,
		.elapsed_ms = r->wait_started_ms ? loop_now_ms() - r->wait_started_ms : 0,
	};
	r->step(&st, r->arg);
}

static void emit(struct rollback_run *r, enum rollback_step_kind kind, bool ok, long status, int64_t dur,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void emit(struct rollback_run *r, enum rollback_step_kind kind, bool ok, long status, int64_t dur,
                 const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	say(r, kind, ok, status, dur, text, true);
}

static void run_free(struct rollback_run *r)
{
	if (r->timer)
		loop_timer_cancel(r->ctx.loop, r->timer);
	if (r->argo_timer)
		loop_timer_cancel(r->ctx.loop, r->argo_timer);
	if (r->kreq)
		kube_cancel(r->ctx.kube, r->kreq);
	if (r->areq && r->ctx.argocd)
		argocd_cancel(r->ctx.argocd, r->areq);
	rollback_prepare_cancel(r->prep);
	slots_poller_free(r->poller);
	free(r);
}

/* Ends the run: done() may free everything the caller owns, so we go first. */
static void finish(struct rollback_run *r, struct rollback_report *rep)
{
	r->state = RS_DONE;
	text_copy(rep->followup, sizeof rep->followup, r->followup);
	rollback_done_fn done = r->done;
	void *arg = r->arg;
	char detail[1400];
	snprintf(detail, sizeof detail, "{\"outcome\":%d,\"confirm_to_verified_ms\":%lld}", (int)rep->outcome,
	         (long long)rep->confirm_to_verified_ms);
	tlog(r, rep->summary, detail);
	/* The poller may be the one calling us: free it from a timer-free path. */
	struct slots_poller *poller = r->poller;
	r->poller = NULL;
	run_free(r);
	done(rep, arg);
	slots_poller_free(poller);
}

static void fail(struct rollback_run *r, enum rollback_outcome outcome, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct rollback_run *r, enum rollback_outcome outcome, const char *fmt, ...)
{
	struct rollback_report *rep = calloc(1, sizeof *rep);
	if (!rep)
		return;
	rep->outcome = outcome;
	rep->confirm_to_verified_ms = -1;
	rep->can_switch_back = r->switched;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rep->summary, sizeof rep->summary, fmt, ap);
	va_end(ap);
	finish(r, rep);
	free(rep);
}

static void start_verify(struct rollback_run *r);
static void do_patch(struct rollback_run *r);
static void replan(struct rollback_run *r);

/* ---- verification ---- */

static bool verified(const struct rollback_run *r, const struct slots_state *st)
{
	int to = r->plan.to;
	if (to < 0)
		to = st->active;
	if (to < 0 || !slots_traffic_only_on(st, to))
		return false;
	if (st->nslots == 2 && st->active != to)
		return false;
	return true;
}

static void describe_endpoints(const struct slots_state *st, int to, char *buf, size_t len)
{
	size_t n = 0;
	if (!st->service_found) {
		snprintf(buf, len, "service %s not found", st->service);
		return;
	}
	n += (size_t)snprintf(buf + n, len - n, "selector %s; ", st->selector);
	if (st->nendpoints == 0)
		snprintf(buf + n, len - n, "no endpoints at all");
	for (size_t i = 0; i < st->nendpoints && n < len; i++) {
		const struct slots_endpoint *e = &st->endpoints[i];
		const char *slot = e->slot >= 0 ? st->slot[e->slot].name : "unknown slot";
		n += (size_t)snprintf(buf + n, len - n, "%s%s (%s, %s, %s%s)", i ? "; " : "", e->address,
		                      e->pod[0] ? e->pod : "no pod", slot, e->ready ? "ready" : "NOT ready",
		                      e->slot != to ? ", WRONG SLOT" : "");
	}
}

static void verify_tick(struct loop *loop, void *arg)
{
	struct rollback_run *r = arg;
	(void)loop;
	r->timer = 0;
	slots_poller_refresh(r->poller);
}

static void verify_read(const struct slots_state *st, void *arg)
{
	struct rollback_run *r = arg;
	if (r->state != RS_VERIFY)
		return;
	int64_t now = loop_now_ms();
	if (st->updated_ms && !st->last_error[0]) {
		r->last = *st;
		r->have_last = true;
	}
	if (r->have_last && st->updated_ms && !st->last_error[0] && verified(r, st)) {
		int to = r->plan.to >= 0 ? r->plan.to : st->active;
		struct rollback_report *rep = calloc(1, sizeof *rep);
		if (!rep)
			return;
		rep->outcome = r->nothing_done ? ROLLBACK_NOTHING_DONE : ROLLBACK_VERIFIED;
		rep->confirm_to_verified_ms = now - r->confirmed_ms;
		rep->can_switch_back = r->switched;
		snprintf(rep->summary, sizeof rep->summary, "traffic on %s, verified in %.1f s%s", st->slot[to].name,
		         (double)rep->confirm_to_verified_ms / 1000.0,
		         r->nothing_done ? " (it was already switched by someone else; nothing changed)" : "");
		describe_endpoints(st, to, rep->detail, sizeof rep->detail);
		finish(r, rep);
		free(rep);
		return;
	}
	if (r->argo_failed[0] || (r->argo_applied && now - r->argo_applied_ms >= ARGO_SETTLE_MS)) {
		/* Argo CD is done, and the traffic is not where the plan said. */
		struct rollback_report *rep = calloc(1, sizeof *rep);
		if (!rep)
			return;
		rep->outcome = ROLLBACK_VERIFY_FAILED;
		rep->confirm_to_verified_ms = -1;
		if (r->argo_failed[0])
			snprintf(rep->summary, sizeof rep->summary, "NOT verified: the Argo CD rollback operation failed: %s",
			         r->argo_failed);
		else
			snprintf(rep->summary, sizeof rep->summary, "NOT verified: Argo CD applied revision %.12s, but traffic "
			         "is not only on %s: that revision does not select it. Auto-sync is off now, so a direct "
			         "switch sticks: warroom rollback --strategy selector", r->plan.argocd_to_revision,
			         r->plan.to_name);
		if (r->have_last)
			describe_endpoints(&r->last, r->plan.to, rep->detail, sizeof rep->detail);
		finish(r, rep);
		free(rep);
		return;
	}
	if (now - r->wait_started_ms >= r->verify_timeout_ms) {
		struct rollback_report *rep = calloc(1, sizeof *rep);
		if (!rep)
			return;
		int to = r->plan.to;
		rep->outcome = ROLLBACK_VERIFY_FAILED;
		rep->confirm_to_verified_ms = -1;
		rep->can_switch_back = r->switched;
		snprintf(rep->summary, sizeof rep->summary, "NOT verified: after %.0f s the endpoints do not hold only ready "
		         "pods of %s", (double)r->verify_timeout_ms / 1000.0, to >= 0 ? r->plan.to_name : "one slot");
		if (r->have_last)
			describe_endpoints(&r->last, to, rep->detail, sizeof rep->detail);
		else
			snprintf(rep->detail, sizeof rep->detail, "the API could not be read: %s", st->last_error);
		finish(r, rep);
		free(rep);
		return;
	}
	r->timer = loop_timer_add(r->ctx.loop, VERIFY_POLL_MS, 0, verify_tick, r);
}

static void start_verify(struct rollback_run *r)
{
	r->state = RS_VERIFY;
	r->wait_started_ms = loop_now_ms();
	emit(r, ROLLBACK_STEP_INFO, true, 0, 0, "verifying: waiting for the EndpointSlices to hold only ready pods of %s",
	     r->plan.to >= 0 ? r->plan.to_name : "one slot");
	slots_poller_refresh(r->poller);
}

/* ---- selector patch ---- */

static void patch_done(const struct kube_result *res, void *arg)
{
	struct rollback_run *r = arg;
	r->kreq = 0;
	int64_t dur = loop_now_ms() - r->call_started_ms;
	emit(r, ROLLBACK_STEP_CALL, res->ok, res->status, dur, "PATCH service %s selector %s=%s: %s (%lld ms)",
	     r->plan.service, r->plan.slot_label, r->plan.to_name, res->ok ? "ok" : res->error, (long long)dur);
	if (res->ok) {
		r->switched = true;
		start_verify(r);
	} else if (res->status == 409) {
		replan(r);
	} else {
		fail(r, ROLLBACK_FAILED, "selector patch failed: %s", res->error);
	}
}

static void do_patch(struct rollback_run *r)
{
	r->state = RS_PATCH;
	r->call_started_ms = loop_now_ms();
	r->kreq = kube_patch_selector(r->ctx.kube, r->plan.ns, r->plan.service, r->plan.slot_label, r->plan.to_name,
	                              r->plan.service_rv, patch_done, r);
	if (!r->kreq)
		fail(r, ROLLBACK_FAILED, "could not start the selector patch");
}

/* ---- waiting for a deployment (scale-switch, undo) ---- */

static void wait_tick(struct loop *loop, void *arg);

static void wait_read(const struct kube_result *res, void *arg)
{
	struct rollback_run *r = arg;
	r->kreq = 0;
	int64_t now = loop_now_ms();
	struct slots_slot s;
	memset(&s, 0, sizeof s);
	char err[256] = "";
	bool ok = res->ok && slots_parse_deployment(&s, res->body, res->len, err, sizeof err) == 0;
	if (ok) {
		bool ready;
		if (r->state == RS_WAIT_READY) {
			r->last_ready = s.ready;
			ready = s.ready >= r->plan.need_ready && s.ready >= 1;
			emit(r, ROLLBACK_STEP_PROGRESS, true, 0, 0, "%s: %d/%d ready", s.deployment[0] ? s.deployment :
			     r->plan.target_deployment, s.ready, r->plan.scale_to);
		} else {
			r->last_ready = s.updated < s.available ? s.updated : s.available;
			ready = s.observed_generation >= r->target_generation && s.rollout_complete;
			emit(r, ROLLBACK_STEP_PROGRESS, true, 0, 0, "%s: %d/%d updated and available", r->plan.target_deployment,
			     r->last_ready, s.desired);
		}
		if (s.progress_deadline_exceeded && !ready) {
			fail(r, ROLLBACK_FAILED, "%s stuck: ProgressDeadlineExceeded (%s)", r->plan.target_deployment,
			     s.progress_message);
			return;
		}
		if (ready) {
			int64_t waited = now - r->wait_started_ms;
			emit(r, ROLLBACK_STEP_INFO, true, 0, waited, "%s ready after %.1f s", r->plan.target_deployment,
			     (double)waited / 1000.0);
			r->wait_started_ms = 0;
			if (r->state == RS_WAIT_READY)
				do_patch(r);
			else
				start_verify(r);
			return;
		}
	}
	int64_t limit = r->ctx.ready_timeout_ms > 0 ? r->ctx.ready_timeout_ms : 300000;
	if (now - r->wait_started_ms >= limit) {
		fail(r, ROLLBACK_FAILED, "%s not ready after %.0f s (%d/%d)%s%s", r->plan.target_deployment,
		     (double)limit / 1000.0, r->last_ready, r->plan.scale_to ? r->plan.scale_to : r->plan.target_desired,
		     ok ? "" : ": ", ok ? "" : (res->ok ? err : res->error));
		return;
	}
	r->timer = loop_timer_add(r->ctx.loop, READY_POLL_MS, 0, wait_tick, r);
}

static void wait_tick(struct loop *loop, void *arg)
{
	struct rollback_run *r = arg;
	(void)loop;
	r->timer = 0;
	r->kreq = kube_get_deployment(r->ctx.kube, r->plan.ns, r->plan.target_deployment, wait_read, r);
}

static void start_wait(struct rollback_run *r, enum run_state st)
{
	r->state = st;
	r->wait_started_ms = loop_now_ms();
	wait_tick(r->ctx.loop, r);
}

static void scale_done(const struct kube_result *res, void *arg)
{
	struct rollback_run *r = arg;
	r->kreq = 0;
	int64_t dur = loop_now_ms() - r->call_started_ms;
	emit(r, ROLLBACK_STEP_CALL, res->ok, res->status, dur, "PATCH deployment %s scale replicas=%d: %s (%lld ms)",
	     r->plan.target_deployment, r->plan.scale_to, res->ok ? "ok" : res->error, (long long)dur);
	if (!res->ok) {
		fail(r, ROLLBACK_FAILED, "scaling %s failed: %s", r->plan.target_deployment, res->error);
		return;
	}
	start_wait(r, RS_WAIT_READY);
}

static void undo_done(const struct kube_result *res, void *arg)
{
	struct rollback_run *r = arg;
	r->kreq = 0;
	int64_t dur = loop_now_ms() - r->call_started_ms;
	emit(r, ROLLBACK_STEP_CALL, res->ok, res->status, dur, "rollout undo of deployment %s to revision %ld: %s (%lld ms)",
	     r->plan.target_deployment, r->plan.undo_to_revision, res->ok ? "ok" : res->error, (long long)dur);
	if (!res->ok) {
		fail(r, ROLLBACK_FAILED, "rollout undo failed: %s", res->error);
		return;
	}
	cJSON *dep = cJSON_ParseWithLength(res->body, res->len);
	r->target_generation = (long)json_ll(json_get(dep, "metadata"), "generation", 0);
	cJSON_Delete(dep);
	start_wait(r, RS_WAIT_ROLLOUT);
}

/* ---- Argo CD ---- */

static void argo_poll(struct loop *loop, void *arg);

static void argo_read(const struct argocd_result *res, void *arg)
{
	struct rollback_run *r = arg;
	r->areq = 0;
	if (r->state != RS_VERIFY)
		return;
	struct argocd_app app;
	char err[128];
	if (res->ok && argocd_parse_app(res->body, res->len, &app, err, sizeof err) == 0) {
		bool ours = app.operation_revision[0] && r->plan.argocd_to_revision[0] &&
		            strncmp(app.operation_revision, r->plan.argocd_to_revision, strlen(r->plan.argocd_to_revision)) == 0;
		if (ours && strcmp(app.operation_phase, "Succeeded") == 0 && !r->argo_applied) {
			r->argo_applied = true;
			r->argo_applied_ms = loop_now_ms();
			emit(r, ROLLBACK_STEP_INFO, true, 0, 0, "Argo CD applied revision %.12s (operation Succeeded)",
			     r->plan.argocd_to_revision);
		} else if (ours && (strcmp(app.operation_phase, "Failed") == 0 || strcmp(app.operation_phase, "Error") == 0)) {
			snprintf(r->argo_failed, sizeof r->argo_failed, "%s: %s", app.operation_phase, app.operation_message);
		}
		argocd_app_free(&app);
	}
	if (!r->argo_applied && !r->argo_failed[0])
		r->argo_timer = loop_timer_add(r->ctx.loop, ARGO_POLL_MS, 0, argo_poll, r);
}

static void argo_poll(struct loop *loop, void *arg)
{
	struct rollback_run *r = arg;
	(void)loop;
	r->argo_timer = 0;
	r->areq = argocd_get(r->ctx.argocd, argo_read, r);
}

static void argo_rollback_done(const struct argocd_result *res, void *arg)
{
	struct rollback_run *r = arg;
	r->areq = 0;
	int64_t dur = loop_now_ms() - r->call_started_ms;
	emit(r, ROLLBACK_STEP_CALL, res->ok, res->status, dur, "POST Argo CD rollback of %s to history %lld: %s (%lld ms)",
	     argocd_app_name(r->ctx.argocd), (long long)r->plan.argocd_to_id, res->ok ? "ok" : res->error, (long long)dur);
	if (!res->ok) {
		fail(r, ROLLBACK_FAILED, "Argo CD rollback failed: %s%s", res->error,
		     r->followup[0] ? " (auto-sync stays off: re-enable it when appropriate)" : "");
		return;
	}
	/* Argo CD applies the old revision itself; give it longer than a patch,
	 * and watch its operation so a revision that keeps traffic where it is
	 * is reported as soon as Argo CD is done. */
	r->verify_timeout_ms *= 4;
	start_verify(r);
	argo_poll(r->ctx.loop, r);
}

static void argo_rollback(struct rollback_run *r)
{
	r->state = RS_ARGO_ROLLBACK;
	r->call_started_ms = loop_now_ms();
	r->areq = argocd_rollback(r->ctx.argocd, r->plan.argocd_to_id, false, argo_rollback_done, r);
	if (!r->areq)
		fail(r, ROLLBACK_FAILED, "could not start the Argo CD rollback");
}

static void argo_off_done(const struct argocd_result *res, void *arg)
{
	struct rollback_run *r = arg;
	r->areq = 0;
	int64_t dur = loop_now_ms() - r->call_started_ms;
	emit(r, ROLLBACK_STEP_CALL, res->ok, res->status, dur, "PATCH Argo CD %s auto-sync off: %s (%lld ms)",
	     argocd_app_name(r->ctx.argocd), res->ok ? "ok" : res->error, (long long)dur);
	if (!res->ok) {
		fail(r, ROLLBACK_FAILED, "turning Argo CD auto-sync off failed: %s", res->error);
		return;
	}
	snprintf(r->followup, sizeof r->followup,
	         "re-enable auto-sync on %s once Git is fixed (moved off %.12s; previous settings: %s)",
	         argocd_app_name(r->ctx.argocd), r->plan.argocd_bad_revision[0] ? r->plan.argocd_bad_revision : "?",
	         r->plan.argocd_automated_json[0] ? r->plan.argocd_automated_json : "{}");
	if (r->ctx.tl) {
		char detail[800];
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "followup", "re-enable auto-sync once Git is fixed");
		cJSON_AddStringToObject(d, "application", argocd_app_name(r->ctx.argocd));
		cJSON_AddStringToObject(d, "automated", r->plan.argocd_automated_json);
		cJSON_AddStringToObject(d, "bad_revision", r->plan.argocd_bad_revision);
		char *s = cJSON_PrintUnformatted(d);
		text_copy(detail, sizeof detail, s);
		free(s);
		cJSON_Delete(d);
		char summary[ROLLBACK_LINE + 16];
		snprintf(summary, sizeof summary, "follow-up: %s", r->followup);
		timeline_log(r->ctx.tl, "action", summary, detail);
	}
	argo_rollback(r);
}

/* ---- re-plan after a 409 ---- */

static bool same_target(const struct rollback_plan *a, const struct rollback_plan *b)
{
	bool same_strategy = a->strategy == b->strategy ||
	                     (a->strategy == ROLLBACK_SCALE_SWITCH && b->strategy == ROLLBACK_SELECTOR);
	return same_strategy && strcmp(a->to_name, b->to_name) == 0 &&
	       strcmp(a->target_deployment, b->target_deployment) == 0;
}

static void run_plan(struct rollback_run *r);

static void replanned(const struct rollback_plan *plan, const struct slots_state *st, void *arg)
{
	struct rollback_run *r = arg;
	r->prep = NULL;
	if (st->nslots == 2 && st->service_found && r->plan.to >= 0 && st->active == r->plan.to) {
		emit(r, ROLLBACK_STEP_REPLAN, true, 0, 0, "re-read: the service already selects %s; nothing to change",
		     r->plan.to_name);
		r->nothing_done = true;
		start_verify(r);
		return;
	}
	if (r->allow_replan && r->replans == 0 && plan->ok && same_target(&r->plan, plan)) {
		r->replans++;
		emit(r, ROLLBACK_STEP_REPLAN, true, 0, 0, "re-planned on resourceVersion %s: same strategy (%s) and target "
		     "(%s); executing it", plan->service_rv, rollback_strategy_name(plan->strategy), plan->to_name);
		r->plan = *plan;
		run_plan(r);
		return;
	}
	struct rollback_report *rep = calloc(1, sizeof *rep);
	if (!rep)
		return;
	rep->outcome = ROLLBACK_ASK_AGAIN;
	rep->confirm_to_verified_ms = -1;
	rep->can_switch_back = r->switched;
	rep->replan = *plan;
	if (!plan->ok)
		snprintf(rep->summary, sizeof rep->summary, "the service changed meanwhile; the new plan is refused: %s",
		         plan->refusal);
	else
		snprintf(rep->summary, sizeof rep->summary, "the service changed meanwhile; new plan: %s to %s (confirm again)",
		         rollback_strategy_name(plan->strategy), plan->to_name);
	say(r, ROLLBACK_STEP_REPLAN, false, 0, 0, rep->summary, false);   /* finish writes it */
	finish(r, rep);
	free(rep);
}

static void replan(struct rollback_run *r)
{
	r->state = RS_REPLAN;
	emit(r, ROLLBACK_STEP_REPLAN, true, 409, 0, "409 Conflict: the service changed since resourceVersion %s; "
	     "reading it again and planning again", r->plan.service_rv);
	r->prep = rollback_prepare(&r->ctx, r->plan.requested, replanned, r);
	if (!r->prep)
		fail(r, ROLLBACK_FAILED, "could not read the cluster again after a 409");
}

/* ---- the plan, step by step ---- */

static void run_plan(struct rollback_run *r)
{
	switch (r->plan.strategy) {
	case ROLLBACK_SELECTOR:
		do_patch(r);
		return;
	case ROLLBACK_SCALE_SWITCH:
		if (r->plan.target_desired >= r->plan.scale_to) {
			start_wait(r, RS_WAIT_READY);
			return;
		}
		r->state = RS_SCALE;
		r->call_started_ms = loop_now_ms();
		r->kreq = kube_patch_scale(r->ctx.kube, r->plan.ns, r->plan.target_deployment, r->plan.scale_to, scale_done, r);
		if (!r->kreq)
			fail(r, ROLLBACK_FAILED, "could not start the scale patch");
		return;
	case ROLLBACK_UNDO:
		r->state = RS_UNDO;
		r->call_started_ms = loop_now_ms();
		r->kreq = kube_rollout_undo(r->ctx.kube, r->plan.ns, r->plan.target_deployment, undo_done, r);
		if (!r->kreq)
			fail(r, ROLLBACK_FAILED, "could not start the rollout undo");
		return;
	case ROLLBACK_ARGOCD:
		if (!r->ctx.argocd) {
			fail(r, ROLLBACK_FAILED, "Argo CD is not configured");
			return;
		}
		if (r->plan.argocd_autosync) {
			r->state = RS_ARGO_OFF;
			r->call_started_ms = loop_now_ms();
			r->areq = argocd_set_autosync(r->ctx.argocd, NULL, argo_off_done, r);
			if (!r->areq)
				fail(r, ROLLBACK_FAILED, "could not start the Argo CD request");
			return;
		}
		argo_rollback(r);
		return;
	default:
		fail(r, ROLLBACK_FAILED, "no strategy to execute");
	}
}

static void start_timer(struct loop *loop, void *arg)
{
	struct rollback_run *r = arg;
	(void)loop;
	r->timer = 0;
	if (!r->plan.ok) {
		fail(r, ROLLBACK_FAILED, "refused: %s", r->plan.refusal);
		return;
	}
	run_plan(r);
}

struct rollback_run *rollback_execute(const struct rollback_ctx *ctx, const struct rollback_plan *plan,
                                      const char *confirmed_by, int64_t confirmed_ms, bool allow_replan,
                                      rollback_step_fn step, rollback_done_fn done, void *arg)
{
	struct rollback_run *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->ctx = *ctx;
	r->plan = *plan;
	text_copy(r->who, sizeof r->who, confirmed_by);
	r->confirmed_ms = confirmed_ms ? confirmed_ms : loop_now_ms();
	r->allow_replan = allow_replan;
	r->step = step;
	r->done = done;
	r->arg = arg;
	r->verify_timeout_ms = ctx->verify_timeout_ms > 0 ? ctx->verify_timeout_ms : 30000;
	r->poller = slots_poller_new(ctx->loop, ctx->kube, ctx->cfg, verify_read, r);
	if (!r->poller) {
		free(r);
		return NULL;
	}
	char *pj = rollback_plan_json(plan);
	char summary[ROLLBACK_LINE + 128];
	snprintf(summary, sizeof summary, "rollback %s %s%s%s confirmed by %s", rollback_strategy_name(plan->strategy),
	         plan->from_name, plan->to_name[0] && strcmp(plan->from_name, plan->to_name) ? " -> " : "",
	         strcmp(plan->from_name, plan->to_name) ? plan->to_name : "", r->who[0] ? r->who : "?");
	tlog(r, summary, pj);
	free(pj);
	r->timer = loop_timer_add(ctx->loop, 0, 0, start_timer, r);
	return r;
}

void rollback_run_cancel(struct rollback_run *r)
{
	if (!r)
		return;
	run_free(r);
}

void rollback_plan_switch_back(const struct rollback_plan *executed, const struct slots_state *st,
                               struct rollback_plan *out)
{
	*out = *executed;
	out->requested = out->strategy = ROLLBACK_SELECTOR;
	int from = executed->to, to = executed->from;
	out->from = from;
	out->to = to;
	text_copy(out->from_name, sizeof out->from_name, executed->to_name);
	text_copy(out->to_name, sizeof out->to_name, executed->from_name);
	text_copy(out->service_rv, sizeof out->service_rv, st ? st->service_rv : "");
	if (st && to >= 0 && to < st->nslots) {
		text_copy(out->target_deployment, sizeof out->target_deployment, st->slot[to].deployment);
		out->target_ready = st->slot[to].ready;
	}
	out->ok = to >= 0;
	snprintf(out->why, sizeof out->why, "switch back: selector %s=%s -> %s=%s", out->slot_label, out->from_name,
	         out->slot_label, out->to_name);
	out->nlines = 0;
	out->nwarnings = 0;
}
