/* kube_util — the Kubernetes client's pure helpers: words for failures, query
 * the Scale subresource, and the JSON patch of `kubectl rollout
 * undo`. No I/O: the requests live in kube.c. */
#include "warroom/kube.h"
#include "warroom/text.h"
#include "warroom/json.h"

#include <cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- words ---------- */

static const char *status_phrase(long s)
{
	switch (s) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

void kube_status_words(long status, const char *body, size_t len, char *buf, size_t buflen)
{
	cJSON *root = body && len ? json_parse_wire(body, len) : NULL;
	const char *kind = json_str(root, "kind");
	const char *reason = NULL, *message = NULL;
	if (kind && strcmp(kind, "Status") == 0) {
		reason = json_str(root, "reason");
		message = json_str(root, "message");
		if (!status)
			status = json_int(root, "code", 0);
	}
	if (reason && !*reason)
		reason = NULL;
	if (message && !*message)
		message = NULL;
	if (status == 401 && (!message || (reason && strcmp(message, reason) == 0)))
		snprintf(buf, buflen, "Unauthorized: the API server rejected the credentials "
		         "(expired or revoked token, or wrong user)");
	else if (reason && message && strcmp(reason, message) != 0)
		snprintf(buf, buflen, "%s: %s", reason, message);
	else if (message)
		snprintf(buf, buflen, "HTTP %ld: %s", status, message);
	else if (reason)
		snprintf(buf, buflen, "%s (HTTP %ld)", reason, status);
	else if (*status_phrase(status))
		snprintf(buf, buflen, "HTTP %ld %s", status, status_phrase(status));
	else
		snprintf(buf, buflen, "HTTP %ld", status);
	cJSON_Delete(root);
}

void kube_transport_words(const char *server, enum http_err err, const char *errmsg,
                          long timeout_ms, char *buf, size_t buflen)
{
	const char *m = errmsg && *errmsg ? errmsg : http_err_str(err);
	switch (err) {
	case HTTP_ECONNECT:
		/* http says "connection refused by host:port"; the server URL is named already. */
		if (strncmp(m, "connection refused", 18) == 0)
			m = "connection refused";
		snprintf(buf, buflen, "cannot reach the API server at %s: %s", server, m);
		break;
	case HTTP_ETIMEOUT:
		if (errmsg && *errmsg)
			snprintf(buf, buflen, "no answer from the API server at %s: %s", server, errmsg);
		else
			snprintf(buf, buflen, "the API server at %s did not answer within %.1f s", server,
			         (double)timeout_ms / 1000.0);
		break;
	case HTTP_ETLS:
		snprintf(buf, buflen, "TLS with the API server at %s failed: %s", server, m);
		break;
	case HTTP_ETOOBIG:
		snprintf(buf, buflen, "the API server at %s sent a response over the size limit", server);
		break;
	case HTTP_ECANCELLED:
		snprintf(buf, buflen, "request to %s cancelled", server);
		break;
	case HTTP_EROUTE:
		/* the bastion it goes through is why: its words alone, first */
		snprintf(buf, buflen, "%s", m);
		break;
	default:
		snprintf(buf, buflen, "request to the API server at %s failed: %s", server, m);
		break;
	}
	text_hide_url_passwords(buf);   /* a server URL may carry user:password@ */
}

/* ---------- rollout undo (as kubectl) ---------- */

static const char *const undo_skip_annotations[] = {
	"kubectl.kubernetes.io/last-applied-configuration",
	"deployment.kubernetes.io/revision",
	"deployment.kubernetes.io/revision-history",
	"deployment.kubernetes.io/desired-replicas",
	"deployment.kubernetes.io/max-replicas",
	"deprecated.deployment.rollback.to",
	NULL,
};

static bool undo_skipped(const char *key)
{
	for (size_t i = 0; undo_skip_annotations[i]; i++)
		if (strcmp(key, undo_skip_annotations[i]) == 0)
			return true;
	return false;
}

static long revision_of(const cJSON *obj)
{
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "annotations");
	const char *rev = json_str(ann, "deployment.kubernetes.io/revision");
	return rev ? strtol(rev, NULL, 10) : -1;
}

static void drop_hash(cJSON *tmpl)
{
	cJSON *labels = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(tmpl, "metadata"), "labels");
	cJSON_DeleteItemFromObjectCaseSensitive(labels, "pod-template-hash");
}

int kube_undo_patch(const char *deploy_json, size_t dlen, const char *rs_list_json, size_t rlen,
                    char **patch, long *to_revision, char *err, size_t errlen)
{
	*patch = NULL;
	int rc = -1;
	cJSON *dep = cJSON_ParseWithLength(deploy_json, dlen);
	cJSON *rsl = cJSON_ParseWithLength(rs_list_json, rlen);
	cJSON *prev_tmpl = NULL, *cur_tmpl = NULL;
	if (!cJSON_IsObject(dep) || !cJSON_IsObject(rsl)) {
		text_copy(err, errlen, "rollout undo: unreadable Deployment or ReplicaSet list");
		goto out;
	}
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(dep, "metadata");
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(dep, "spec");
	const char *name = json_str(meta, "name");
	const char *uid = json_str(meta, "uid");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "paused"))) {
		snprintf(err, errlen, "deployment \"%s\" is paused: you cannot roll back a paused deployment; "
		         "resume it first (kubectl rollout resume) and try again", name ? name : "?");
		goto out;
	}
	/* As kubectl: the latest and the second-latest revision among its ReplicaSets. */
	const cJSON *latest = NULL, *previous = NULL;
	long latest_rev = 0, prev_rev = 0;
	const cJSON *rs;
	cJSON_ArrayForEach(rs, cJSON_GetObjectItemCaseSensitive(rsl, "items")) {
		const cJSON *owners = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rs, "metadata"),
		                                                       "ownerReferences");
		bool mine = !uid;
		const cJSON *o;
		cJSON_ArrayForEach(o, owners) {
			const char *ouid = json_str(o, "uid");
			if (uid && ouid && strcmp(ouid, uid) == 0 &&
			    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "controller")))
				mine = true;
		}
		long v = revision_of(rs);
		if (!mine || v < 0)
			continue;
		if (latest_rev < v) {
			prev_rev = latest_rev;
			previous = latest;
			latest_rev = v;
			latest = rs;
		} else if (prev_rev < v) {
			prev_rev = v;
			previous = rs;
		}
	}
	if (!previous) {
		snprintf(err, errlen, "no rollout history found for deployment \"%s\"", name ? name : "?");
		goto out;
	}
	prev_tmpl = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(previous, "spec"),
	                                                             "template"), true);
	cur_tmpl = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(spec, "template"), true);
	if (!prev_tmpl) {
		snprintf(err, errlen, "revision %ld of deployment \"%s\" has no pod template", prev_rev, name ? name : "?");
		goto out;
	}
	drop_hash(prev_tmpl);
	drop_hash(cur_tmpl);
	if (cur_tmpl && cJSON_Compare(prev_tmpl, cur_tmpl, true)) {
		snprintf(err, errlen, "skipped rollback: deployment \"%s\" already matches revision %ld",
		         name ? name : "?", prev_rev);
		goto out;
	}
	cJSON *ann = cJSON_CreateObject();
	const cJSON *a;
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(meta, "annotations"))
		if (undo_skipped(a->string) && cJSON_IsString(a))
			cJSON_AddStringToObject(ann, a->string, a->valuestring);
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(previous, "metadata"),
	                                                       "annotations"))
		if (!undo_skipped(a->string) && cJSON_IsString(a))
			cJSON_AddStringToObject(ann, a->string, a->valuestring);
	cJSON *ops = cJSON_CreateArray();
	cJSON *op1 = cJSON_CreateObject();
	cJSON_AddStringToObject(op1, "op", "replace");
	cJSON_AddStringToObject(op1, "path", "/spec/template");
	cJSON_AddItemToObject(op1, "value", prev_tmpl);
	prev_tmpl = NULL;
	cJSON_AddItemToArray(ops, op1);
	cJSON *op2 = cJSON_CreateObject();
	cJSON_AddStringToObject(op2, "op", "replace");
	cJSON_AddStringToObject(op2, "path", "/metadata/annotations");
	cJSON_AddItemToObject(op2, "value", ann);
	cJSON_AddItemToArray(ops, op2);
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
	cJSON_Delete(dep);
	cJSON_Delete(rsl);
	return rc;
}


void kube_deployment_selector(const char *json, size_t len, char *buf, size_t buflen)
{
	cJSON *dep = cJSON_ParseWithLength(json, len);
	const cJSON *ml = json_get(json_get(json_get(dep, "spec"), "selector"), "matchLabels");
	const cJSON *l;
	size_t n = 0;

	if (buflen)
		buf[0] = '\0';
	cJSON_ArrayForEach(l, ml)
		if (cJSON_IsString(l) && n < buflen)
			n += (size_t)snprintf(buf + n, buflen - n, "%s%s=%s", n ? "," : "", l->string, l->valuestring);
	cJSON_Delete(dep);
}
