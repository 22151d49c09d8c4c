/* kube — the Kubernetes REST client: asynchronous requests on struct http
 * with the kubeconfig's TLS and credentials (exec plugins run on the loop,
 * their credential cached until it expires), and every failure turned into
 * words for the operator. Never a token in an error text.
 * Implemented in core/cluster/: requests and credentials kube.c, resource
 * paths kube_resources.c, rollout undo kube_undo.c, answers kube_util.c,
 * Argo Rollouts kube_argo.c. */
#ifndef WARROOM_KUBE_H
#define WARROOM_KUBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/http.h"

struct loop;
struct kubeconfig;
struct kube;

struct kube_result {
	bool ok;                /* a 2xx response */
	long status;            /* HTTP status, 0 without a response */
	enum http_err err;      /* transport outcome */
	const char *body;       /* NUL-terminated; valid during the callback */
	size_t len;
	const char *error;      /* words when !ok ("Forbidden: ..."), "" when ok */
	int64_t elapsed_ms;
};

typedef void (*kube_done_fn)(const struct kube_result *res, void *arg);

/* Takes over *kc (its contents are moved; kc is left zeroed). */
struct kube *kube_new(struct loop *loop, struct http *http, struct kubeconfig *kc);
/* Cancels everything pending; their callbacks do not run. */
void kube_free(struct kube *k);
/* Routes every later request (CURLOPT_CONNECT_TO, an SSH tunnel) instead of
 * the kubeconfig's own; NULL goes back to it. The URL keeps its host name
 * (tls-server-name included), so TLS verifies the real server. */
int kube_set_connect_to(struct kube *k, const char *connect_to);
/* The host name and port the API server's URL is addressed to. */
int kube_url_host(const struct kube *k, char *host, size_t len, int *port);

const char *kube_server(const struct kube *k);
const char *kube_context(const struct kube *k);
/* Per-request deadline (default 10000 ms). */
void kube_set_timeout(struct kube *k, long timeout_ms);
/* How long an exec plugin may run (default 30000 ms). */
void kube_set_exec_timeout(struct kube *k, long timeout_ms);

/* Any request; path starts with '/' (query included). The callback runs once,
 * from the loop, never inside the call. Returns an id (never 0). */
uint64_t kube_request(struct kube *k, const char *method, const char *path,
                      const char *content_type, const char *body, kube_done_fn fn, void *arg);
/* Cancels a pending request: its callback does not run. */
bool kube_cancel(struct kube *k, uint64_t id);

/* A long GET read line by line as it arrives (a followed pod log, a watch;
 * core/cluster/kube_stream.c): on_line for each line, then on_end once with
 * the outcome in words (ok: the server ended it). No deadline but idle_ms
 * (no byte for that long: a dead tunnel; 0 none). kube_cancel ends it: no
 * line and no end after the call. Returns an id (never 0 unless out of memory). */
uint64_t kube_stream(struct kube *k, const char *path, long idle_ms, http_line_fn on_line, kube_done_fn on_end,
                     void *arg);
size_t kube_pending(const struct kube *k);

/* How many times the exec plugin has run (its cache at work). */
unsigned kube_exec_runs(const struct kube *k);

/* Reads. selector: a label selector ("slot=blue", "slot in (blue,green)") or NULL. */
uint64_t kube_get_deployment(struct kube *k, const char *ns, const char *name, kube_done_fn fn, void *arg);
uint64_t kube_list_replicasets(struct kube *k, const char *ns, const char *selector, kube_done_fn fn, void *arg);
/* One page of pods: at most limit (the API's ?limit=), from a previous page's
 * metadata.continue when cont is set. The answer's metadata.continue is
 * non-empty while more pods match. */
uint64_t kube_list_pods_page(struct kube *k, const char *ns, const char *selector, int limit, const char *cont,
                             kube_done_fn fn, void *arg);
uint64_t kube_get_service(struct kube *k, const char *ns, const char *name, kube_done_fn fn, void *arg);
/* Every EndpointSlice of a service (kubernetes.io/service-name=svc). */
uint64_t kube_list_endpointslices(struct kube *k, const char *ns, const char *service, kube_done_fn fn, void *arg);

/* Writes. */
/* Merge-patch of spec.selector[key] = value; with resource_version set the API
 * server answers 409 Conflict when the service changed since it was read. */
uint64_t kube_patch_selector(struct kube *k, const char *ns, const char *service, const char *key,
                             const char *value, const char *resource_version, kube_done_fn fn, void *arg);
uint64_t kube_patch_scale(struct kube *k, const char *ns, const char *deployment, int replicas,
                          kube_done_fn fn, void *arg);
/* `kubectl rollout undo` (previous revision): reads the Deployment and its
 * ReplicaSets, then JSON-patches /spec/template and /metadata/annotations.
 * Refuses a paused Deployment and one without history. On success the body
 * is the patched Deployment. */
uint64_t kube_rollout_undo(struct kube *k, const char *ns, const char *deployment, kube_done_fn fn, void *arg);
/* What kube_rollout_undo would do, read the same way and sent nowhere (the
 * rollback planner's preview). The id cancels it (kube_cancel). fn gets the
 * patch and the revision it restores, or words: a read's failure, a paused
 * Deployment, no history. Valid during the call only. */
struct kube_undo_plan {
	bool ok;
	const char *error;       /* words when !ok, "" when ok */
	const char *patch;       /* ok: the JSON patch the undo would send */
	long to_revision;        /* ok: the revision it would restore */
};
typedef void (*kube_undo_plan_fn)(const struct kube_undo_plan *plan, void *arg);
uint64_t kube_rollout_undo_plan(struct kube *k, const char *ns, const char *deployment, kube_undo_plan_fn fn,
                                void *arg);

/* Argo Rollouts (core/cluster/kube_argo.c). */
uint64_t kube_get_rollout(struct kube *k, const char *ns, const char *name, kube_done_fn fn, void *arg);
/* Every AnalysisRun of the namespace (the Rollout's are told by their owner). */
uint64_t kube_list_analysisruns(struct kube *k, const char *ns, kube_done_fn fn, void *arg);
/* A merge patch of the Rollout: status (abort, retry, promote) on its status
 * subresource, then on the object when the API has none, as the plugin;
 * else (pause) on the object. */
uint64_t kube_argo_patch(struct kube *k, const char *ns, const char *rollout, bool status, const char *body,
                         kube_done_fn fn, void *arg);
/* The plugin's undo: the previous revision's pod template (its hash label
 * dropped) as a JSON patch of /spec/template; and its preview. */
uint64_t kube_argo_undo(struct kube *k, const char *ns, const char *rollout, kube_done_fn fn, void *arg);
uint64_t kube_argo_undo_plan(struct kube *k, const char *ns, const char *rollout, kube_undo_plan_fn fn,
                             void *arg);

/* Pure helpers (no I/O), for the above and for tests. */
/* Builds the undo JSON patch from a Deployment and its namespace's
 * ReplicaSetList. *patch is malloc'd; *to_revision is the revision restored.
 * -1 with words: paused, "no rollout history found", already at revision. */
int kube_undo_patch(const char *deploy_json, size_t dlen, const char *rs_list_json, size_t rlen,
                    char **patch, long *to_revision, char *err, size_t errlen);
/* The same for a Rollout (rollout.argoproj.io/revision, its hash label). */
int kube_argo_undo_patch(const char *rollout_json, size_t len, const char *rs_list_json, size_t rlen,
                         char **patch, long *to_revision, char *err, size_t errlen);
/* Words for a failed response: a Status object's reason and message
 * ("Forbidden: user x cannot patch ..."), else "HTTP 502 Bad Gateway". */
void kube_status_words(long status, const char *body, size_t len, char *buf, size_t buflen);
/* Words for a transport failure ("cannot reach the API server at
 * https://127.0.0.1:6443: connection refused"). */
void kube_transport_words(const char *server, enum http_err err, const char *errmsg,
                          long timeout_ms, char *buf, size_t buflen);
/* A Deployment's spec.selector.matchLabels as a label selector "k=v,k=v"
 * ("" when it has none). */
void kube_deployment_selector(const char *json, size_t len, char *buf, size_t buflen);

#endif
