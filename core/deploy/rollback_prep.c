/* rollback_prep — reads what the planner needs (one slot-model round, the
 * Argo CD application, and for an undo the preview of the revision restored,
 * read as the undo itself reads it: kube_rollout_undo_plan), then plans. */
#include "warroom/rollback.h"
#include "warroom/argocd.h"
#include "warroom/config.h"
#include "warroom/kube.h"
#include "warroom/loop.h"
#include "warroom/text.h"

#include <cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rollback_prep {
	struct rollback_ctx ctx;
	enum rollback_strategy requested;
	rollback_plan_fn fn;
	void *arg;
	struct slots_poller *poller;
	struct slots_state st;
	bool slots_done;
	char slots_err[256];
	uint64_t app_req;
	bool app_wanted, app_done, app_ok;
	struct argocd_app app;
	char app_err[256];
	uint64_t undo_req;
	bool undo_wanted, undo_done, undo_ok;
	long undo_rev;
	char undo_image[256];
	char undo_err[300];
	bool delivered;
};

static void prep_free(struct rollback_prep *pp)
{
	slots_poller_free(pp->poller);
	argocd_app_free(&pp->app);
	free(pp);
}

static void prep_maybe_done(struct rollback_prep *pp)
{
	if (!pp->slots_done || (pp->app_wanted && !pp->app_done) || (pp->undo_wanted && !pp->undo_done))
		return;
	const struct config *cfg = pp->ctx.cfg;
	struct rollback_input in = {
		.slots = &pp->st,
		.slots_error = pp->slots_err,
		.argocd_configured = pp->ctx.argocd != NULL,
		.app = pp->app_ok ? &pp->app : NULL,
		.argocd_error = pp->app_err,
		.undo_known = pp->undo_ok,
		.undo_to_revision = pp->undo_rev,
		.undo_image = pp->undo_image,
		.undo_error = pp->undo_err,
		.min_ready = cfg->kube.min_ready,
		.freeze_cfg = cfg,
		.now_wall_ms = loop_wall_ms(),
		.requested = pp->requested,
	};
	struct rollback_plan plan;
	rollback_plan_make(&in, &plan);
	pp->delivered = true;
	pp->fn(&plan, &pp->st, pp->arg);
	prep_free(pp);
}

static void undo_planned(const struct kube_undo_plan *plan, void *arg)
{
	struct rollback_prep *pp = arg;
	pp->undo_req = 0;
	pp->undo_done = true;
	if (!plan->ok) {
		snprintf(pp->undo_err, sizeof pp->undo_err, "%s", plan->error);
	} else {
		pp->undo_ok = true;
		pp->undo_rev = plan->to_revision;
		cJSON *ops = cJSON_Parse(plan->patch);
		const cJSON *tmpl = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ops, 0), "value");
		const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(tmpl, "spec"), "containers"), 0);
		const cJSON *img = cJSON_GetObjectItemCaseSensitive(c0, "image");
		text_copy(pp->undo_image, sizeof pp->undo_image, cJSON_IsString(img) ? img->valuestring : "");
		cJSON_Delete(ops);
	}
	prep_maybe_done(pp);
}

static void prep_slots(const struct slots_state *st, void *arg)
{
	struct rollback_prep *pp = arg;
	if (pp->slots_done)
		return;
	pp->slots_done = true;
	pp->st = *st;
	text_copy(pp->slots_err, sizeof pp->slots_err, st->updated_ms ? "" : st->last_error);
	if (!pp->slots_err[0] && !st->updated_ms)
		text_copy(pp->slots_err, sizeof pp->slots_err, "no answer from the API server");
	/* Undo preview: for a plain Deployment, or when asked for. */
	if (!pp->slots_err[0] && (pp->requested == ROLLBACK_UNDO || (pp->requested == ROLLBACK_AUTO && st->nslots == 1))) {
		int t = st->active >= 0 ? st->active : 0;
		if (st->nslots > 0 && st->slot[t].found) {
			pp->undo_wanted = true;
			pp->undo_req = kube_rollout_undo_plan(pp->ctx.kube, st->namespace_, st->slot[t].deployment,
			                                      undo_planned, pp);
		}
	}
	prep_maybe_done(pp);
}

static void prep_app(const struct argocd_result *res, void *arg)
{
	struct rollback_prep *pp = arg;
	pp->app_req = 0;
	pp->app_done = true;
	if (!res->ok)
		text_copy(pp->app_err, sizeof pp->app_err, res->error);
	else if (argocd_parse_app(res->body, res->len, &pp->app, pp->app_err, sizeof pp->app_err) == 0)
		pp->app_ok = true;
	prep_maybe_done(pp);
}

struct rollback_prep *rollback_prepare(const struct rollback_ctx *ctx, enum rollback_strategy requested,
                                       rollback_plan_fn fn, void *arg)
{
	struct rollback_prep *pp = calloc(1, sizeof *pp);
	if (!pp)
		return NULL;
	pp->ctx = *ctx;
	pp->requested = requested;
	pp->fn = fn;
	pp->arg = arg;
	pp->poller = slots_poller_new(ctx->loop, ctx->kube, ctx->cfg, prep_slots, pp);
	if (!pp->poller) {
		free(pp);
		return NULL;
	}
	if (ctx->argocd) {
		pp->app_wanted = true;
		pp->app_req = argocd_get(ctx->argocd, prep_app, pp);
		if (!pp->app_req) {
			pp->app_done = true;
			text_copy(pp->app_err, sizeof pp->app_err, "could not start the request to Argo CD");
		}
	}
	slots_poller_refresh(pp->poller);
	return pp;
}

void rollback_prepare_cancel(struct rollback_prep *pp)
{
	if (!pp || pp->delivered)
		return;
	if (pp->app_req)
		argocd_cancel(pp->ctx.argocd, pp->app_req);
	if (pp->undo_req)
		kube_cancel(pp->ctx.kube, pp->undo_req);
	prep_free(pp);
}

