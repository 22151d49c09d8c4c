/* kube_priv — what core/cluster/kube.c (requests, credentials, rollout undo) and
 * core/cluster/kube_resources.c (the objects' paths and patches) share. */
#ifndef WARROOM_KUBE_PRIV_H
#define WARROOM_KUBE_PRIV_H

#include <stdint.h>

#include "warroom/kube.h"

/* api/namespaces/ns/kind[/name][/sub][?labelSelector=...], each part
 * escaped; malloc'd, NULL out of memory. */
char *kube_res_path(const char *api, const char *ns, const char *kind, const char *name, const char *sub,
                    const char *selector);
/* kube_request on path, which it frees; 0 when path is NULL. */
uint64_t kube_send_path(struct kube *k, const char *method, char *path, const char *ctype, const char *body,
                        kube_done_fn fn, void *arg);

#endif
