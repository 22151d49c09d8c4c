/* kube_undo — `kubectl rollout undo` on the request layer (and the Argo
 * plugin's undo of a Rollout, read the same way). One read path
 * serves both the undo itself and the rollback planner's preview: the
 * Deployment, then its ReplicaSets by the Deployment's matchLabels, then the
 * JSON patch that restores the previous revision (kube_undo_patch). The undo
 * (kube_rollout_undo) then sends the patch; the preview
 * (kube_rollout_undo_plan) only tells what it would do. Each is one
 * operation registered with kube.c, so kube_cancel and kube_free reach it;
 * the objects' paths are kube_resources.c's. */
#include "warroom/kube.h"
#include "warroom/loop.h"
#include "warroom/text.h"

#include "kube_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct undo {
	struct kube_op op;       /* first: the id kube_cancel knows it by */
	struct kube *k;
	uint64_t inner;          /* the request in flight */
	uint64_t timer;          /* pending error delivery */
	char ns[128], name[256];
	char *deploy;
	size_t dlen;
	bool send;               /* rollout undo: the patch is sent; else a preview */
	bool argo;               /* an Argo Rollout, not a Deployment */
	kube_done_fn fn;         /* rollout undo's */
	kube_undo_plan_fn plan_fn;   /* the preview's */
	void *arg;
	char err[600];
};

static void undo_free(struct undo *u)
{
	free(u->deploy);
	free(u);
}

/* kube_cancel or kube_free: what is in flight goes, no callback runs. */
static void undo_drop(struct kube_op *op)
{
	struct undo *u = (struct undo *)op;

	if (u->inner)
		kube_cancel(u->k, u->inner);
	if (u->timer)
		loop_timer_cancel(kube_loop(u->k), u->timer);
	undo_free(u);
}

static void finish(struct undo *u, const struct kube_result *res)
{
	kube_done_fn fn = u->fn;
	void *arg = u->arg;

	kube_op_remove(u->k, &u->op);
	undo_free(u);
	fn(res, arg);
}

/* The preview's end; plan must not point into u. */
static void planned(struct undo *u, const struct kube_undo_plan *plan)
{
	kube_undo_plan_fn fn = u->plan_fn;
	void *arg = u->arg;

	kube_op_remove(u->k, &u->op);
	undo_free(u);
	fn(plan, arg);
}

/* A read failed: the undo answers with the request's own result, the
 * preview with its words. */
static void read_failed(struct undo *u, const struct kube_result *res)
{
	if (u->send) {
		finish(u, res);
	} else {
		struct kube_undo_plan plan = { .ok = false, .error = res->error };

		planned(u, &plan);
	}
}

static void error_timer(struct loop *loop, void *arg)
{
	struct undo *u = arg;
	(void)loop;
	u->timer = 0;
	char err[sizeof u->err];
	text_copy(err, sizeof err, u->err);
	struct kube_result res = { .ok = false, .err = HTTP_OK, .body = "", .error = err };
	finish(u, &res);
}

static void patched(const struct kube_result *res, void *arg)
{
	struct undo *u = arg;
	u->inner = 0;
	finish(u, res);
}

static void got_rs(const struct kube_result *res, void *arg)
{
	struct undo *u = arg;
	u->inner = 0;
	if (!res->ok) {
		read_failed(u, res);
		return;
	}
	char *patch = NULL;
	long rev = 0;
	int rc = u->argo ? kube_argo_undo_patch(u->deploy, u->dlen, res->body, res->len, &patch, &rev, u->err,
	                                        sizeof u->err)
	                 : kube_undo_patch(u->deploy, u->dlen, res->body, res->len, &patch, &rev, u->err,
	                                   sizeof u->err);
	if (rc < 0) {
		if (u->send) {
			u->timer = loop_timer_add(kube_loop(u->k), 0, 0, error_timer, u);
		} else {
			char err[sizeof u->err];   /* u is gone when fn runs */
			text_copy(err, sizeof err, u->err);
			struct kube_undo_plan plan = { .ok = false, .error = err };

			planned(u, &plan);
		}
		return;
	}
	if (u->send) {
		char *path = u->argo ? kube_res_path("/apis/argoproj.io/v1alpha1", u->ns, "rollouts", u->name, NULL, NULL)
		                     : kube_res_path("/apis/apps/v1", u->ns, "deployments", u->name, NULL, NULL);

		u->inner = kube_send_path(u->k, "PATCH", path, "application/json-patch+json", patch, patched, u);
	} else {
		struct kube_undo_plan plan = { .ok = true, .error = "", .patch = patch, .to_revision = rev };

		planned(u, &plan);
	}
	free(patch);
}

static void got_deploy(const struct kube_result *res, void *arg)
{
	struct undo *u = arg;
	u->inner = 0;
	if (!res->ok) {
		read_failed(u, res);
		return;
	}
	u->deploy = malloc(res->len + 1);
	if (!u->deploy) {
		struct kube_result r2 = *res;
		r2.ok = false;
		r2.error = "out of memory";
		read_failed(u, &r2);
		return;
	}
	memcpy(u->deploy, res->body, res->len);
	u->deploy[res->len] = '\0';
	u->dlen = res->len;
	/* ReplicaSets by the Deployment's matchLabels; ownership is checked after. */
	char sel[1024];
	kube_deployment_selector(res->body, res->len, sel, sizeof sel);
	u->inner = kube_list_replicasets(u->k, u->ns, sel, got_rs, u);
}

static uint64_t start(struct kube *k, const char *ns, const char *deployment, bool send, bool argo,
                      kube_done_fn fn, kube_undo_plan_fn plan_fn, void *arg)
{
	struct undo *u = calloc(1, sizeof *u);
	if (!u)
		return 0;
	u->k = k;
	u->op.drop = undo_drop;
	text_copy(u->ns, sizeof u->ns, ns);
	text_copy(u->name, sizeof u->name, deployment);
	u->send = send;
	u->argo = argo;
	u->fn = fn;
	u->plan_fn = plan_fn;
	u->arg = arg;
	uint64_t id = kube_op_add(k, &u->op);
	u->inner = argo ? kube_get_rollout(k, ns, deployment, got_deploy, u)
	                : kube_get_deployment(k, ns, deployment, got_deploy, u);
	return id;
}

uint64_t kube_rollout_undo(struct kube *k, const char *ns, const char *deployment, kube_done_fn fn, void *arg)
{
	return start(k, ns, deployment, true, false, fn, NULL, arg);
}

uint64_t kube_rollout_undo_plan(struct kube *k, const char *ns, const char *deployment, kube_undo_plan_fn fn,
                                void *arg)
{
	return start(k, ns, deployment, false, false, NULL, fn, arg);
}

uint64_t kube_argo_undo(struct kube *k, const char *ns, const char *rollout, kube_done_fn fn, void *arg)
{
	return start(k, ns, rollout, true, true, fn, NULL, arg);
}

uint64_t kube_argo_undo_plan(struct kube *k, const char *ns, const char *rollout, kube_undo_plan_fn fn,
                             void *arg)
{
	return start(k, ns, rollout, false, true, NULL, fn, arg);
}
