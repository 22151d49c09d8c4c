/* The console's rollback flow: plan (reading the cluster and Argo CD without
 * blocking the keys), preflight in a confirm dialog, execution with its steps
 * on the message line, and the proof — or the offer to switch back. */
#include <stdio.h>
#include <string.h>

#include "warroom/app.h"
#include "warroom/config.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/rollback.h"
#include "warroom/sources.h"
#include "warroom/view.h"

static struct {
	struct sources *sources;
	struct model *model;
	const struct config *cfg;
	struct rollback_prep *prep;      /* planning in flight */
	struct rollback_run *run;        /* executing */
	struct rollback_plan plan;       /* what the dialog asks about */
	struct rollback_plan back;       /* the way back after a failed verification */
} R;

static void run_plan(const struct rollback_plan *p);

static void rollback_ctx(struct rollback_ctx *ctx)
{
	sources_rollback_ctx(R.sources, R.model->tl, ctx);
}

static void show_plan(const struct rollback_plan *p, bool again)
{
	struct dialog d;
	char title[96];

	R.plan = *p;
	app_message_clear();
	if (!p->ok) {
		dialog_info(&d, 0, "Rollback refused");
		for (size_t i = 0; i < p->nlines; i++)
			dialog_add_line(&d, ROLE_NORMAL, "%s", p->lines[i]);
		dialog_add_line(&d, ROLE_CRIT, "%s", p->refusal);
		app_show_dialog(&d);
		return;
	}
	snprintf(title, sizeof title, "%sRollback: %s%s%s", again ? "Changed meanwhile: " : "",
	         rollback_strategy_name(p->strategy), p->to_name[0] ? " to " : "", p->to_name);
	dialog_confirm(&d, APP_TAG_ROLLBACK, title, "Run this rollback?", true);
	dialog_add_line(&d, ROLE_ACCENT, "%s", p->why);
	for (size_t i = 0; i < p->nlines; i++)
		dialog_add_line(&d, ROLE_NORMAL, "%s", p->lines[i]);
	for (size_t i = 0; i < p->nwarnings; i++)
		dialog_add_line(&d, ROLE_WARN, "%s %s", tui_glyph(G_WARN), p->warnings[i]);
	if (p->argocd_autosync && p->strategy != ROLLBACK_ARGOCD)
		dialog_add_line(&d, ROLE_CRIT, "Argo CD self-heal will revert this patch: prefer :rollback argocd");
	else if (p->argocd_autosync)
		dialog_add_line(&d, ROLE_STALE, "direct patch instead (self-heal reverts it): :rollback selector");
	app_show_dialog(&d);
}

static void on_plan(const struct rollback_plan *p, const struct slots_state *st, void *arg)
{
	R.prep = NULL;
	show_plan(p, false);
}

static void on_step(const struct rollback_step *step, void *arg)
{
	switch (step->kind) {
	case ROLLBACK_STEP_PROGRESS:
		app_message(ROLE_ACCENT, "%s  %d/%d ready  %llds", step->text, step->ready, step->total,
		            (long long)(step->elapsed_ms / 1000));
		break;
	case ROLLBACK_STEP_CALL:
		app_message(step->ok ? ROLE_NORMAL : ROLE_CRIT, "%s", step->text);
		break;
	default:
		app_message(ROLE_ACCENT, "%s", step->text);
	}
}

static void on_done(const struct rollback_report *rep, void *arg)
{
	struct dialog d = { .kind = DIALOG_NONE };

	R.run = NULL;
	sources_refresh(R.sources);
	switch (rep->outcome) {
	case ROLLBACK_VERIFIED:
	case ROLLBACK_NOTHING_DONE:
		app_message(ROLE_OK, "%s", rep->summary);
		if (rep->followup[0]) {
			dialog_info(&d, 0, "Rollback verified");
			dialog_add_line(&d, ROLE_OK, "%s", rep->summary);
			dialog_add_line(&d, ROLE_WARN, "follow-up: %s", rep->followup);
		}
		break;
	case ROLLBACK_ASK_AGAIN:
		show_plan(&rep->replan, true);
		break;
	case ROLLBACK_VERIFY_FAILED:
		if (rep->can_switch_back && R.model->slots) {
			rollback_plan_switch_back(&R.plan, R.model->slots, &R.back);
			dialog_confirm(&d, APP_TAG_SWITCH_BACK, "Traffic NOT verified", "Switch back?", true);
		} else {
			dialog_info(&d, 0, "Traffic NOT verified");
		}
		dialog_add_line(&d, ROLE_CRIT, "%s", rep->summary);
		dialog_add_line(&d, ROLE_NORMAL, "%.150s", rep->detail);
		break;
	case ROLLBACK_CANCELLED:
		app_message(ROLE_WARN, "rollback cancelled: %s", rep->summary);
		break;
	default:
		dialog_info(&d, 0, "Rollback failed");
		dialog_add_line(&d, ROLE_CRIT, "%s", rep->summary);
		if (rep->detail[0])
			dialog_add_line(&d, ROLE_NORMAL, "%.150s", rep->detail);
		break;
	}
	if (d.kind != DIALOG_NONE)
		app_show_dialog(&d);
}

static void run_plan(const struct rollback_plan *p)
{
	struct rollback_ctx ctx;

	if (R.run) {
		app_message(ROLE_WARN, "a rollback is already running");
		return;
	}
	rollback_ctx(&ctx);
	R.run = rollback_execute(&ctx, p, R.cfg->operator_name, loop_now_ms(), false, on_step, on_done, NULL);
	if (!R.run)
		app_message(ROLE_CRIT, "rollback could not start");
	else
		app_message(ROLE_ACCENT, "rolling back: %s", rollback_strategy_name(p->strategy));
}

void app_rollback_start(const char *arg)
{
	enum rollback_strategy want = ROLLBACK_AUTO;
	struct rollback_ctx ctx;

	if (arg && rollback_strategy_parse(arg, &want) != 0) {
		app_message(ROLE_CRIT, "unknown strategy \"%s\": auto, selector, scale-switch, undo, argocd", arg);
		return;
	}
	if (!R.sources->kube) {
		app_message(ROLE_CRIT, "rollback: %s", R.sources->kube_error);
		return;
	}
	if (R.prep || R.run) {
		app_message(ROLE_WARN, "a rollback is already %s", R.run ? "running" : "being planned");
		return;
	}
	rollback_ctx(&ctx);
	R.prep = rollback_prepare(&ctx, want, on_plan, NULL);
	app_message(ROLE_ACCENT, "planning the rollback: reading the cluster%s", R.sources->argocd ? " and Argo CD" : "");
}


void app_rollback_bind(struct sources *s, struct model *m, const struct config *cfg)
{
	memset(&R, 0, sizeof R);
	R.sources = s;
	R.model = m;
	R.cfg = cfg;
}

void app_rollback_confirmed(int tag)
{
	run_plan(tag == APP_TAG_SWITCH_BACK ? &R.back : &R.plan);
}

void app_rollback_cancel(void)
{
	if (R.prep)
		rollback_prepare_cancel(R.prep);
	if (R.run)
		rollback_run_cancel(R.run);
	R.prep = NULL;
	R.run = NULL;
}
