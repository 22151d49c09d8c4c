/* kube_argo — Argo Rollouts on the request layer: the Rollout, its
 * AnalysisRuns, and the writes the kubectl plugin makes. A status change
 * (abort, retry, promote) is a merge patch on the status subresource, sent
 * to the object itself when the API has no such subresource (an old CRD);
 * pause is a patch of spec; undo restores the previous revision's template
 * (kube_undo.c reads it, kube_argo_undo_patch builds it). */
#include "warroom/kube.h"
#include "warroom/json.h"
#include "warroom/text.h"

#include "kube_priv.h"

#include <cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARGO_API "/apis/argoproj.io/v1alpha1"

uint64_t kube_get_rollout(struct kube *k, const char *ns, const char *name, kube_done_fn fn, void *arg)
{
	return kube_send_path(k, "GET", kube_res_path(ARGO_API, ns, "rollouts", name, NULL, NULL), NULL, NULL, fn,
	                      arg);
}

uint64_t kube_list_analysisruns(struct kube *k, const char *ns, kube_done_fn fn, void *arg)
{
	return kube_send_path(k, "GET", kube_res_path(ARGO_API, ns, "analysisruns", NULL, NULL, NULL), NULL, NULL,
	                      fn, arg);
}

struct argo_patch {
	struct kube_op op;       /* first: the id kube_cancel knows it by */
	struct kube *k;
	uint64_t inner;
	char ns[128], name[256];
	char *body;
	kube_done_fn fn;
	void *arg;
};

static void patch_free(struct argo_patch *p)
{
	free(p->body);
	free(p);
}

static void patch_drop(struct kube_op *op)
{
	struct argo_patch *p = (struct argo_patch *)op;
	if (p->inner)
		kube_cancel(p->k, p->inner);
	patch_free(p);
}

static void patch_done(const struct kube_result *res, void *arg)
{
	struct argo_patch *p = arg;
	kube_done_fn fn = p->fn;
	void *farg = p->arg;
	p->inner = 0;
	kube_op_remove(p->k, &p->op);
	patch_free(p);
	fn(res, farg);
}

static void status_done(const struct kube_result *res, void *arg)
{
	struct argo_patch *p = arg;
	p->inner = 0;
	/* no status subresource (404 on it, 405): the object itself, as the plugin does */
	if (!res->ok && (res->status == 404 || res->status == 405)) {
		p->inner = kube_send_path(p->k, "PATCH", kube_res_path(ARGO_API, p->ns, "rollouts", p->name, NULL, NULL),
		                          "application/merge-patch+json", p->body, patch_done, p);
		if (p->inner)
			return;
	}
	patch_done(res, p);
}

uint64_t kube_argo_patch(struct kube *k, const char *ns, const char *rollout, bool status, const char *body,
                         kube_done_fn fn, void *arg)
{
	if (!status)
		return kube_send_path(k, "PATCH", kube_res_path(ARGO_API, ns, "rollouts", rollout, NULL, NULL),
		                      "application/merge-patch+json", body, fn, arg);
	struct argo_patch *p = calloc(1, sizeof *p);
	if (!p)
		return 0;
	p->body = strdup(body);
	if (!p->body) {
		free(p);
		return 0;
	}
	p->k = k;
	p->op.drop = patch_drop;
	text_copy(p->ns, sizeof p->ns, ns);
	text_copy(p->name, sizeof p->name, rollout);
	p->fn = fn;
	p->arg = arg;
	uint64_t id = kube_op_add(k, &p->op);
	p->inner = kube_send_path(k, "PATCH", kube_res_path(ARGO_API, ns, "rollouts", rollout, "status", NULL),
	                          "application/merge-patch+json", body, status_done, p);
	if (!p->inner) {
		kube_op_remove(k, &p->op);
		patch_free(p);
		return 0;
	}
	return id;
}

static long argo_revision(const cJSON *obj)
{
	const cJSON *ann = json_get(json_get(obj, "metadata"), "annotations");
	const char *rev = json_str(ann, "rollout.argoproj.io/revision");
	return rev ? strtol(rev, NULL, 10) : -1;
}

static void drop_argo_hash(cJSON *tmpl)
{
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(tmpl, "metadata");
	cJSON *labels = cJSON_GetObjectItemCaseSensitive(meta, "labels");
	cJSON_DeleteItemFromObjectCaseSensitive(labels, "rollouts-pod-template-hash");
}

int kube_argo_undo_patch(const char *rollout_json, size_t len, const char *rs_list_json, size_t rlen,
                         char **patch, long *to_revision, char *err, size_t errlen)
{
	*patch = NULL;
	int rc = -1;
	cJSON *ro = cJSON_ParseWithLength(rollout_json, len);
	cJSON *rsl = cJSON_ParseWithLength(rs_list_json, rlen);
	cJSON *prev_tmpl = NULL, *cur_tmpl = NULL;
	if (!cJSON_IsObject(ro) || !cJSON_IsObject(rsl)) {
		text_copy(err, errlen, "undo: unreadable Rollout or ReplicaSet list");
		goto out;
	}
	const cJSON *meta = json_get(ro, "metadata");
	const char *name = json_str(meta, "name"), *uid = json_str(meta, "uid");
	long cur = argo_revision(ro);
	const cJSON *rs, *previous = NULL;
	long prev_rev = 0;
	cJSON_ArrayForEach(rs, json_get(rsl, "items")) {
		bool mine = !uid;
		const cJSON *o;
		cJSON_ArrayForEach(o, json_get(json_get(rs, "metadata"), "ownerReferences")) {
			const char *ouid = json_str(o, "uid");
			if (uid && ouid && strcmp(ouid, uid) == 0)
				mine = true;
		}
		long v = argo_revision(rs);
		/* the newest revision before the Rollout's own */
		if (mine && v > prev_rev && (cur < 0 || v < cur))
			previous = rs, prev_rev = v;
	}
	if (!previous) {
		snprintf(err, errlen, "no rollout history found for rollout \"%s\"", name ? name : "?");
		goto out;
	}
	prev_tmpl = cJSON_Duplicate(json_get(json_get(previous, "spec"), "template"), true);
	cur_tmpl = cJSON_Duplicate(json_get(json_get(ro, "spec"), "template"), true);
	if (!prev_tmpl) {
		snprintf(err, errlen, "revision %ld of rollout \"%s\" has no pod template", prev_rev, name ? name : "?");
		goto out;
	}
	drop_argo_hash(prev_tmpl);
	drop_argo_hash(cur_tmpl);
	if (cur_tmpl && cJSON_Compare(prev_tmpl, cur_tmpl, true)) {
		snprintf(err, errlen, "skipped undo: rollout \"%s\" already matches revision %ld", name ? name : "?",
		         prev_rev);
		goto out;
	}
	cJSON *ops = cJSON_CreateArray();
	cJSON *op1 = cJSON_CreateObject();
	cJSON_AddStringToObject(op1, "op", "replace");
	cJSON_AddStringToObject(op1, "path", "/spec/template");
	cJSON_AddItemToObject(op1, "value", prev_tmpl);
	prev_tmpl = NULL;
	cJSON_AddItemToArray(ops, op1);
	*patch = cJSON_PrintUnformatted(ops);
	cJSON_Delete(ops);
	if (to_revision)
		*to_revision = prev_rev;
	rc = *patch ? 0 : -1;
	if (rc < 0)
		text_copy(err, errlen, "out of memory");
out:
	cJSON_Delete(prev_tmpl);
	cJSON_Delete(cur_tmpl);
	cJSON_Delete(ro);
	cJSON_Delete(rsl);
	return rc;
}
