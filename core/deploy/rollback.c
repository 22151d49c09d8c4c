/* rollback — the planner: from the slot model, the Argo CD application and
 * the undo preview, pick the fastest safe strategy, state the preflight facts
 * and refuse in words when nothing safe exists. Pure: no I/O here. */
#include "warroom/rollback.h"
#include "warroom/argocd.h"
#include "warroom/config.h"
#include "warroom/text.h"

#include <cJSON.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *rollback_strategy_name(enum rollback_strategy s)
{
	switch (s) {
	case ROLLBACK_AUTO: return "auto";
	case ROLLBACK_SELECTOR: return "selector";
	case ROLLBACK_SCALE_SWITCH: return "scale-switch";
	case ROLLBACK_UNDO: return "undo";
	case ROLLBACK_ARGOCD: return "argocd";
	}
	return "?";
}

int rollback_strategy_parse(const char *name, enum rollback_strategy *out)
{
	static const enum rollback_strategy all[] = {
		ROLLBACK_AUTO, ROLLBACK_SELECTOR, ROLLBACK_SCALE_SWITCH, ROLLBACK_UNDO, ROLLBACK_ARGOCD,
	};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		if (name && strcmp(name, rollback_strategy_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	}
	return -1;
}

static void line(struct rollback_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(struct rollback_plan *p, const char *fmt, ...)
{
	if (p->nlines >= ROLLBACK_MAX_LINES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->lines[p->nlines++], ROLLBACK_LINE, fmt, ap);
	va_end(ap);
}

static void warning(struct rollback_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warning(struct rollback_plan *p, const char *fmt, ...)
{
	if (p->nwarnings >= sizeof p->warnings / sizeof p->warnings[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->warnings[p->nwarnings++], ROLLBACK_LINE, fmt, ap);
	va_end(ap);
}

static void refuse(struct rollback_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(struct rollback_plan *p, const char *fmt, ...)
{
	p->ok = false;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->refusal, sizeof p->refusal, fmt, ap);
	va_end(ap);
}

static void slot_fact(struct rollback_plan *p, const char *role, const struct slots_slot *s)
{
	line(p, "%-8s %s (%s): %d/%d ready, image %s, revision %ld", role, s->name, s->deployment,
	     s->ready, s->desired, s->image[0] ? s->image : "?", s->revision);
}

static void set_target(struct rollback_plan *p, const struct slots_state *st, int from, int to)
{
	p->from = from;
	p->to = to;
	text_copy(p->from_name, sizeof p->from_name, from >= 0 ? st->slot[from].name : "");
	text_copy(p->to_name, sizeof p->to_name, to >= 0 ? st->slot[to].name : "");
	if (from >= 0) {
		text_copy(p->from_image, sizeof p->from_image, st->slot[from].image);
		p->from_revision = st->slot[from].revision;
	}
	if (to >= 0) {
		const struct slots_slot *t = &st->slot[to];
		text_copy(p->target_deployment, sizeof p->target_deployment, t->deployment);
		p->target_ready = t->ready;
		p->target_desired = t->desired;
		text_copy(p->target_image, sizeof p->target_image, t->image);
		p->target_revision = t->revision;
	}
}

static void argocd_facts(struct rollback_plan *p, const struct rollback_input *in)
{
	p->argocd_configured = in->argocd_configured;
	if (!in->argocd_configured) {
		line(p, "Argo CD: not configured");
		return;
	}
	const struct argocd_app *app = in->app;
	if (!app) {
		line(p, "Argo CD: unreachable (%s)", in->argocd_error && *in->argocd_error ? in->argocd_error : "no answer");
		return;
	}
	p->argocd_known = true;
	p->argocd_autosync = app->automated;
	text_copy(p->argocd_automated_json, sizeof p->argocd_automated_json, app->automated_json);
	const struct argocd_history *prev = argocd_previous(app);
	if (prev) {
		p->argocd_to_id = prev->id;
		text_copy(p->argocd_to_revision, sizeof p->argocd_to_revision, prev->revision);
	}
	text_copy(p->argocd_bad_revision, sizeof p->argocd_bad_revision, argocd_current_revision(app));
	line(p, "Argo CD: %s %s/%s, auto-sync %s%s", app->name, app->sync_status[0] ? app->sync_status : "?",
	     app->health[0] ? app->health : "?", app->automated ? "ON" : "off",
	     app->automated && app->self_heal ? " with self-heal" : "");
}

static void plan_selector(struct rollback_plan *p, const struct slots_state *st, bool explicit_req)
{
	int a = st->active, s = slots_standby(st);
	const struct slots_slot *sb = &st->slot[s];
	p->strategy = ROLLBACK_SELECTOR;
	set_target(p, st, a, s);
	p->ok = true;
	snprintf(p->why, sizeof p->why, "%s: standby %s has %d/%d ready pods (needs %d): instant switch of the selector",
	         explicit_req ? "selector (asked for)" : "selector", sb->name, sb->ready, sb->desired, p->need_ready);
	line(p, "change: service %s selector %s=%s -> %s=%s (merge patch, resourceVersion %s)", st->service,
	     st->slot_label, st->slot[a].name, st->slot_label, sb->name, st->service_rv[0] ? st->service_rv : "?");
}

static void plan_scale_switch(struct rollback_plan *p, const struct slots_state *st, bool explicit_req)
{
	int a = st->active, s = slots_standby(st);
	const struct slots_slot *sb = &st->slot[s];
	p->strategy = ROLLBACK_SCALE_SWITCH;
	set_target(p, st, a, s);
	p->scale_to = st->slot[a].desired > p->need_ready ? st->slot[a].desired : p->need_ready;
	if (p->scale_to < 1)
		p->scale_to = 1;
	p->ok = true;
	snprintf(p->why, sizeof p->why, "%s: standby %s has %d ready pods (scaled to %d); scale it to %d, wait until "
	         "ready, then switch", explicit_req ? "scale-switch (asked for)" : "scale-switch", sb->name, sb->ready,
	         sb->desired, p->scale_to);
	line(p, "change: deployment %s replicas %d -> %d, then service %s selector %s=%s -> %s=%s", sb->deployment,
	     sb->desired, p->scale_to, st->service, st->slot_label, st->slot[a].name, st->slot_label, sb->name);
}

static void plan_undo(struct rollback_plan *p, const struct rollback_input *in, const struct slots_state *st)
{
	int t = st->active >= 0 ? st->active : 0;
	const struct slots_slot *sl = &st->slot[t];
	p->strategy = ROLLBACK_UNDO;
	set_target(p, st, t, t);
	if (!sl->found) {
		refuse(p, "deployment %s not found", sl->deployment);
		return;
	}
	if (!in->undo_known) {
		refuse(p, "rollout undo of %s: %s", sl->deployment,
		       in->undo_error && *in->undo_error ? in->undo_error : "its history could not be read");
		return;
	}
	p->ok = true;
	p->undo_to_revision = in->undo_to_revision;
	snprintf(p->why, sizeof p->why, "undo: %s is not blue-green; roll deployment %s back to revision %ld",
	         st->nslots == 2 ? "asked for, the service" : "the service", sl->deployment, in->undo_to_revision);
	line(p, "change: deployment %s revision %ld (%s) -> revision %ld (%s)", sl->deployment, sl->revision,
	     sl->image[0] ? sl->image : "?", in->undo_to_revision, in->undo_image && *in->undo_image ? in->undo_image : "?");
	if (sl->paused)
		refuse(p, "deployment %s is paused: resume it first (kubectl rollout resume)", sl->deployment);
}

static void plan_argocd(struct rollback_plan *p, const struct rollback_input *in, const struct slots_state *st)
{
	p->strategy = ROLLBACK_ARGOCD;
	int s = slots_standby(st);
	set_target(p, st, st->active, s);
	if (!in->argocd_configured) {
		refuse(p, "Argo CD is not configured (argocd.url and argocd.application)");
		return;
	}
	if (!in->app) {
		refuse(p, "Argo CD is unreachable: %s", in->argocd_error && *in->argocd_error ? in->argocd_error : "no answer");
		return;
	}
	const struct argocd_history *prev = argocd_previous(in->app);
	if (!prev) {
		refuse(p, "Argo CD application %s has no earlier history entry to roll back to", in->app->name);
		return;
	}
	p->ok = true;
	snprintf(p->why, sizeof p->why, "argocd: %s%sroll %s back to history %lld (%.12s)",
	         in->app->automated ? "auto-sync would revert a direct patch; " : "",
	         in->app->automated ? "turn auto-sync off, " : "", in->app->name, (long long)prev->id, prev->revision);
	if (in->app->automated)
		line(p, "change: Argo CD %s auto-sync ON -> off, then rollback to history %lld (revision %.12s)",
		     in->app->name, (long long)prev->id, prev->revision);
	else
		line(p, "change: Argo CD %s rollback to history %lld (revision %.12s)", in->app->name,
		     (long long)prev->id, prev->revision);
	if (in->app->automated)
		line(p, "follow-up: re-enable auto-sync on %s once Git is fixed, or the bad commit syncs again",
		     in->app->name);
}

void rollback_plan_make(const struct rollback_input *in, struct rollback_plan *p)
{
	memset(p, 0, sizeof *p);
	p->requested = in->requested;
	p->strategy = in->requested;
	p->from = p->to = -1;
	const struct slots_state *st = in->slots;
	if (st) {
		text_copy(p->ns, sizeof p->ns, st->namespace_);
		text_copy(p->service, sizeof p->service, st->service);
		text_copy(p->slot_label, sizeof p->slot_label, st->slot_label);
		text_copy(p->service_rv, sizeof p->service_rv, st->service_rv);
	}
	if (in->slots_error && *in->slots_error) {
		refuse(p, "cannot read the cluster: %s", in->slots_error);
		return;
	}
	if (!st || !st->service_found) {
		refuse(p, "service %s not found in namespace %s", st ? st->service : "?", st ? st->namespace_ : "?");
		return;
	}

	p->freeze = in->freeze_cfg && config_in_freeze(in->freeze_cfg, (time_t)(in->now_wall_ms / 1000), p->freeze_range,
	                                               sizeof p->freeze_range);
	line(p, "service: %s in %s, selector %s", st->service, st->namespace_, st->selector);
	bool bg = st->nslots == 2;
	if (bg && st->active >= 0) {
		slot_fact(p, "active", &st->slot[st->active]);
		slot_fact(p, "standby", &st->slot[1 - st->active]);
	} else {
		for (int i = 0; i < st->nslots; i++)
			slot_fact(p, "slot", &st->slot[i]);
	}
	argocd_facts(p, in);
	if (p->freeze)
		warning(p, "freeze period %s (UTC) is in effect: a rollback restores service, but record why", p->freeze_range);

	/* How many ready pods the target needs. */
	if (bg && st->active >= 0) {
		const struct slots_slot *a = &st->slot[st->active];
		p->need_ready = in->min_ready > 0 ? in->min_ready : (a->desired > 0 ? a->desired : 1);
	}

	enum rollback_strategy req = in->requested;
	bool autosync = in->app && in->app->automated;

	if (req == ROLLBACK_ARGOCD || (req == ROLLBACK_AUTO && autosync)) {
		plan_argocd(p, in, st);
		if (req == ROLLBACK_AUTO && p->ok)
			warning(p, "Argo CD self-heal would revert a direct selector patch within seconds; the direct patch "
			        "stays available with --strategy selector");
		if (p->ok || req == ROLLBACK_ARGOCD)
			goto done;
		/* auto with auto-sync on but no Argo CD rollback possible: refuse, say how to force. */
		char why[ROLLBACK_LINE];
		text_copy(why, sizeof why, p->refusal);
		refuse(p, "Argo CD auto-sync is on and its rollback is impossible (%s); --strategy selector patches "
		       "anyway, but self-heal will revert it", why);
		goto done;
	}
	if (req == ROLLBACK_UNDO || (req == ROLLBACK_AUTO && !bg)) {
		plan_undo(p, in, st);
		goto done;
	}
	if (!bg) {
		p->strategy = req;
		refuse(p, "%s needs two slots; the config names one deployment (use --strategy undo)",
		       rollback_strategy_name(req));
		goto done;
	}
	if (st->both) {
		p->strategy = req == ROLLBACK_AUTO ? ROLLBACK_SELECTOR : req;
		refuse(p, "the service selects both slots (its selector has no %s label): no single slot to go back to",
		       st->slot_label);
		goto done;
	}
	if (st->active < 0) {
		p->strategy = req == ROLLBACK_AUTO ? ROLLBACK_SELECTOR : req;
		refuse(p, "the service selects %s=%s, not a configured slot", st->slot_label, st->selector_slot);
		goto done;
	}
	const struct slots_slot *sb = &st->slot[1 - st->active];
	if (!sb->found) {
		p->strategy = req == ROLLBACK_AUTO ? ROLLBACK_SELECTOR : req;
		set_target(p, st, st->active, 1 - st->active);
		refuse(p, "standby deployment %s does not exist", sb->deployment);
		goto done;
	}
	if (req == ROLLBACK_SELECTOR || (req == ROLLBACK_AUTO && sb->ready >= p->need_ready)) {
		plan_selector(p, st, req == ROLLBACK_SELECTOR);
		if (sb->ready < p->need_ready) {
			if (sb->ready == 0)
				refuse(p, "standby %s has 0 ready pods: switching would cause an outage%s", sb->name,
				       sb->desired == 0 ? " (use --strategy scale-switch)" : "");
			else
				refuse(p, "standby %s has %d/%d ready pods, fewer than the %d needed (kubernetes.min_ready)",
				       sb->name, sb->ready, sb->desired, p->need_ready);
		}
		if (p->ok && autosync)
			warning(p, "Argo CD auto-sync with self-heal is ON: it will revert this selector patch within "
			        "seconds (use --strategy argocd, or turn auto-sync off first)");
		goto done;
	}
	if (req == ROLLBACK_SCALE_SWITCH || (req == ROLLBACK_AUTO && sb->desired == 0)) {
		plan_scale_switch(p, st, req == ROLLBACK_SCALE_SWITCH);
		if (sb->crashlooping)
			warning(p, "%d pod%s of %s crash-loop: scaling may not make it ready", sb->crashlooping,
			        sb->crashlooping == 1 ? "" : "s", sb->name);
		goto done;
	}
	/* auto, standby scaled up but not ready enough. */
	p->strategy = ROLLBACK_SELECTOR;
	set_target(p, st, st->active, 1 - st->active);
	refuse(p, "standby %s has %d/%d ready pods (needs %d) and is not scaled to 0: switching would not restore "
	       "service%s", sb->name, sb->ready, sb->desired, p->need_ready,
	       sb->crashlooping ? "; its pods crash-loop" : "; wait for it or set kubernetes.min_ready");
done:
	if (p->ok && (p->strategy == ROLLBACK_SELECTOR || p->strategy == ROLLBACK_SCALE_SWITCH) && !p->argocd_known &&
	    in->argocd_configured)
		warning(p, "Argo CD is unreachable: cannot tell whether self-heal will revert the patch (emergency "
		        "kubectl, the seeds' option C); reconcile Git afterwards");
}

char *rollback_plan_json(const struct rollback_plan *p)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "strategy", rollback_strategy_name(p->strategy));
	cJSON_AddStringToObject(root, "requested", rollback_strategy_name(p->requested));
	cJSON_AddBoolToObject(root, "ok", p->ok);
	cJSON_AddStringToObject(root, "why", p->why);
	if (!p->ok)
		cJSON_AddStringToObject(root, "refusal", p->refusal);
	cJSON_AddStringToObject(root, "namespace", p->ns);
	cJSON_AddStringToObject(root, "service", p->service);
	cJSON_AddStringToObject(root, "from", p->from_name);
	cJSON_AddStringToObject(root, "to", p->to_name);
	cJSON_AddStringToObject(root, "target_deployment", p->target_deployment);
	cJSON_AddNumberToObject(root, "target_ready", p->target_ready);
	cJSON_AddNumberToObject(root, "need_ready", p->need_ready);
	if (p->strategy == ROLLBACK_SCALE_SWITCH)
		cJSON_AddNumberToObject(root, "scale_to", p->scale_to);
	cJSON_AddStringToObject(root, "target_image", p->target_image);
	cJSON_AddNumberToObject(root, "target_revision", (double)p->target_revision);
	cJSON_AddStringToObject(root, "from_image", p->from_image);
	cJSON_AddNumberToObject(root, "from_revision", (double)p->from_revision);
	cJSON_AddStringToObject(root, "resource_version", p->service_rv);
	if (p->strategy == ROLLBACK_UNDO)
		cJSON_AddNumberToObject(root, "undo_to_revision", (double)p->undo_to_revision);
	if (p->argocd_known) {
		cJSON_AddBoolToObject(root, "argocd_autosync", p->argocd_autosync);
		cJSON_AddNumberToObject(root, "argocd_to_id", (double)p->argocd_to_id);
		/* the Git commit whose state the rollback restores: the rollback log's commit */
		cJSON_AddStringToObject(root, "argocd_to_revision", p->argocd_to_revision);
	}
	cJSON_AddBoolToObject(root, "freeze", p->freeze);
	cJSON *lines = cJSON_AddArrayToObject(root, "lines");
	for (size_t i = 0; i < p->nlines; i++)
		cJSON_AddItemToArray(lines, cJSON_CreateString(p->lines[i]));
	cJSON *warns = cJSON_AddArrayToObject(root, "warnings");
	for (size_t i = 0; i < p->nwarnings; i++)
		cJSON_AddItemToArray(warns, cJSON_CreateString(p->warnings[i]));
	char *s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return s;
}
