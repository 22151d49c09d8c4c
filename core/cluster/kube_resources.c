/* kube_resources — the API paths of the objects the console reads and
 * changes (Deployments, ReplicaSets, pods a page at a time, Services,
 * EndpointSlices, scale) and the patches it sends, on kube_request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "warroom/kube.h"
#include "warroom/endpoint.h"
#include "warroom/text.h"

#include "kube_priv.h"

/* "/<api>/namespaces/<ns>/<kind>[/<name>][/<sub>][?labelSelector=<sel>]",
 * malloc'd, every part percent-encoded: no name or selector is ever cut. */
char *kube_res_path(const char *api, const char *ns, const char *kind, const char *name, const char *sub,
                    const char *selector)
{
	char *ens = endpoint_escape(ns), *ename = name ? endpoint_escape(name) : NULL;
	char *esel = selector && *selector ? endpoint_escape(selector) : NULL;
	char *path = NULL;
	size_t len;

	if (ens && (!name || ename) && (!(selector && *selector) || esel)) {
		len = strlen(api) + strlen(ens) + strlen(kind) + (ename ? strlen(ename) : 0) + (sub ? strlen(sub) : 0) +
		      (esel ? strlen(esel) : 0) + 40;
		path = malloc(len);
		if (path)
			snprintf(path, len, "%s/namespaces/%s/%s%s%s%s%s%s%s", api, ens, kind, ename ? "/" : "",
			         ename ? ename : "", sub ? "/" : "", sub ? sub : "", esel ? "?labelSelector=" : "",
			         esel ? esel : "");
	}
	free(ens);
	free(ename);
	free(esel);
	return path;
}

uint64_t kube_send_path(struct kube *k, const char *method, char *path, const char *ctype, const char *body,
                        kube_done_fn fn, void *arg)
{
	uint64_t id = path ? kube_request(k, method, path, ctype, body, fn, arg) : 0;

	free(path);
	return id;
}

uint64_t kube_get_deployment(struct kube *k, const char *ns, const char *name, kube_done_fn fn, void *arg)
{
	return kube_send_path(k, "GET", kube_res_path("/apis/apps/v1", ns, "deployments", name, NULL, NULL), NULL, NULL, fn, arg);
}

uint64_t kube_list_replicasets(struct kube *k, const char *ns, const char *selector, kube_done_fn fn, void *arg)
{
	return kube_send_path(k, "GET", kube_res_path("/apis/apps/v1", ns, "replicasets", NULL, NULL, selector), NULL, NULL,
	                 fn, arg);
}

uint64_t kube_list_pods_page(struct kube *k, const char *ns, const char *selector, int limit, const char *cont,
                             kube_done_fn fn, void *arg)
{
	char *path = kube_res_path("/api/v1", ns, "pods", NULL, NULL, selector);
	char *econt = cont && *cont ? endpoint_escape(cont) : NULL;
	char *full = NULL;
	if (path && (!(cont && *cont) || econt)) {
		const char *sep = strchr(path, '?') ? "&" : "?";
		if (econt)
			full = text_dup_printf("%s%slimit=%d&continue=%s", path, sep, limit > 0 ? limit : 500, econt);
		else
			full = text_dup_printf("%s%slimit=%d", path, sep, limit > 0 ? limit : 500);
	}
	free(path);
	free(econt);
	return kube_send_path(k, "GET", full, NULL, NULL, fn, arg);
}

uint64_t kube_get_service(struct kube *k, const char *ns, const char *name, kube_done_fn fn, void *arg)
{
	return kube_send_path(k, "GET", kube_res_path("/api/v1", ns, "services", name, NULL, NULL), NULL, NULL, fn, arg);
}

uint64_t kube_list_endpointslices(struct kube *k, const char *ns, const char *service, kube_done_fn fn, void *arg)
{
	size_t len = strlen(service) + 32;
	char *sel = malloc(len);
	uint64_t id = 0;

	if (sel) {
		snprintf(sel, len, "kubernetes.io/service-name=%s", service);
		id = kube_send_path(k, "GET", kube_res_path("/apis/discovery.k8s.io/v1", ns, "endpointslices", NULL, NULL, sel),
		               NULL, NULL, fn, arg);
	}
	free(sel);
	return id;
}

uint64_t kube_patch_selector(struct kube *k, const char *ns, const char *service, const char *key,
                             const char *value, const char *resource_version, kube_done_fn fn, void *arg)
{
	char *path = kube_res_path("/api/v1", ns, "services", service, NULL, NULL);
	cJSON *root = cJSON_CreateObject();
	if (resource_version && *resource_version)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(root, "metadata"), "resourceVersion", resource_version);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(root, "spec"), "selector"),
	                        key, value);
	char *body = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	uint64_t id = body ? kube_send_path(k, "PATCH", path, "application/merge-patch+json", body, fn, arg) : 0;
	if (!body)
		free(path);
	free(body);
	return id;
}

uint64_t kube_patch_scale(struct kube *k, const char *ns, const char *deployment, int replicas,
                          kube_done_fn fn, void *arg)
{
	char body[64];
	snprintf(body, sizeof body, "{\"spec\":{\"replicas\":%d}}", replicas);
	return kube_send_path(k, "PATCH", kube_res_path("/apis/apps/v1", ns, "deployments", deployment, "scale", NULL),
	                 "application/merge-patch+json", body, fn, arg);
}

