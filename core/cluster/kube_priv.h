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
struct http *kube_http(const struct kube *k);

/* What a request to the API server holds while it starts: its URL and a
 * token read from its file (wiped when freed). */
struct kube_held {
	char *url;
	char *file_token;
};
/* The GET of path (query included) with k's credentials, TLS, route and
 * deadline; hr's strings point into held and k until kube_held_free. 0, or
 * -1 with words (a token file that cannot be read, a path that is no URL). */
int kube_http_req(struct kube *k, const char *path, struct http_req *hr, struct kube_held *held, char *err,
                  size_t errlen);
void kube_held_free(struct kube_held *h);
/* Whether a request may go now: no exec plugin, or its credential is fresh. */
bool kube_cred_ready(const struct kube *k);
/* The API server refused the exec plugin's credential: forget it, so the
 * next request runs the plugin again. False without an exec plugin. */
bool kube_cred_reject(struct kube *k);

/* ---- kube_resources.c ---- */

/* api/namespaces/ns/kind[/name][/sub][?labelSelector=...], each part
 * escaped; malloc'd, NULL out of memory. */
char *kube_res_path(const char *api, const char *ns, const char *kind, const char *name, const char *sub,
                    const char *selector);
/* kube_request on path, which it frees; 0 when path is NULL. */
uint64_t kube_send_path(struct kube *k, const char *method, char *path, const char *ctype, const char *body,
                        kube_done_fn fn, void *arg);

#endif
