/* kube_priv — what core/cluster/'s Kubernetes files share: kube.c (requests,
 * credentials) at the bottom, kube_resources.c (the objects' paths and
 * patches) on it, and kube_undo.c (rollout undo and its preview) on both. */
#ifndef WARROOM_KUBE_PRIV_H
#define WARROOM_KUBE_PRIV_H

#include <stdint.h>

#include "warroom/kube.h"

/* ---- kube.c ---- */

/* An operation made of several requests (rollout undo): registered, it has
 * an id from the requests' sequence, and kube_cancel (by that id) and
 * kube_free drop it: unlinked first, then drop() cancels what it has in
 * flight and frees it; its callback does not run. */
struct kube_op {
	struct kube_op *next;
	uint64_t id;
	void (*drop)(struct kube_op *op);
};
/* Links op and gives it its id (returned). */
uint64_t kube_op_add(struct kube *k, struct kube_op *op);
/* Unlinks op when it is done (it delivers, then frees itself). */
void kube_op_remove(struct kube *k, struct kube_op *op);
struct loop *kube_loop(const struct kube *k);

/* ---- kube_resources.c ---- */

/* api/namespaces/ns/kind[/name][/sub][?labelSelector=...], each part
 * escaped; malloc'd, NULL out of memory. */
char *kube_res_path(const char *api, const char *ns, const char *kind, const char *name, const char *sub,
                    const char *selector);
/* kube_request on path, which it frees; 0 when path is NULL. */
uint64_t kube_send_path(struct kube *k, const char *method, char *path, const char *ctype, const char *body,
                        kube_done_fn fn, void *arg);

#endif
