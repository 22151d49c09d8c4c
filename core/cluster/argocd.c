/* argocd — one Argo CD application over the REST API (bearer token). */
#include "warroom/argocd.h"
#include "warroom/config.h"
#include "warroom/endpoint.h"
#include "warroom/http.h"
#include "warroom/loop.h"
#include "warroom/source.h"
#include "warroom/text.h"
#include "warroom/json.h"

#include <cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef WARROOM_VERSION
#define WARROOM_VERSION "dev"
#endif

struct areq {
	struct areq *next;
	struct argocd *ac;
	uint64_t id;
	argocd_done_fn fn;
	void *arg;
	bool dead;
};

struct argocd {
	struct http *http;
	struct endpoint ep;
	char app[128];
	struct areq *reqs;
};

/* ---------- parsing ---------- */

/* Who started the sync, and what it deployed: the Helm parameters of its
 * source (or of its first source, for multi-source applications). */
static void history_extra(const cJSON *h, struct argocd_history *e)
{
	const cJSON *by = json_get(h, "initiatedBy"), *src = json_get(h, "source"), *p;
	size_t n = 0;

	if (json_str(by, "username") && *json_str(by, "username"))
		text_copy(e->initiated_by, sizeof e->initiated_by, json_str(by, "username"));
	else if (cJSON_IsTrue(json_get(by, "automated")))
		text_copy(e->initiated_by, sizeof e->initiated_by, "automated");
	if (!src)
		src = cJSON_GetArrayItem(json_get(h, "sources"), 0);
	cJSON_ArrayForEach(p, json_get(json_get(src, "helm"), "parameters")) {
		const char *k = json_str(p, "name"), *v = json_str(p, "value");
		int w;

		if (!k || !v || strchr(k, '\n') || strchr(v, '\n'))
			continue;
		w = snprintf(e->params + n, sizeof e->params - n, "%s=%s\n", k, v);
		if (w < 0 || (size_t)w >= sizeof e->params - n) {
			e->params[n] = '\0';   /* a parameter cut would lie: leave it out */
			break;
		}
		n += (size_t)w;
	}
}

int argocd_parse_app(const char *json, size_t len, struct argocd_app *app, char *err, size_t errlen)
{
	memset(app, 0, sizeof *app);
	cJSON *root = json_parse_wire(json, len);
	if (!cJSON_IsObject(root)) {
		text_copy(err, errlen, "Argo CD answered with something that is not an Application");
		cJSON_Delete(root);
		return -1;
	}
	const cJSON *meta = json_get(root, "metadata"), *spec = json_get(root, "spec"), *status = json_get(root, "status");
	if (!cJSON_IsObject(spec) && !cJSON_IsObject(status)) {
		text_copy(err, errlen, "Argo CD answered with an object that has neither spec nor status");
		cJSON_Delete(root);
		return -1;
	}
	text_copy(app->name, sizeof app->name, json_str(meta, "name"));
	text_copy(app->sync_status, sizeof app->sync_status, json_str(json_get(status, "sync"), "status"));
	text_copy(app->sync_revision, sizeof app->sync_revision, json_str(json_get(status, "sync"), "revision"));
	text_copy(app->health, sizeof app->health, json_str(json_get(status, "health"), "status"));
	const cJSON *op = json_get(status, "operationState");
	text_copy(app->operation_phase, sizeof app->operation_phase, json_str(op, "phase"));
	text_copy(app->operation_message, sizeof app->operation_message, json_str(op, "message"));
	const char *oprev = json_str(json_get(op, "syncResult"), "revision");
	if (!oprev)
		oprev = json_str(json_get(json_get(op, "operation"), "sync"), "revision");
	text_copy(app->operation_revision, sizeof app->operation_revision, oprev);

	const cJSON *automated = json_get(json_get(spec, "syncPolicy"), "automated");
	if (cJSON_IsObject(automated)) {
		const cJSON *enabled = json_get(automated, "enabled");
		app->automated = !cJSON_IsFalse(enabled);
		app->prune = cJSON_IsTrue(json_get(automated, "prune"));
		app->self_heal = cJSON_IsTrue(json_get(automated, "selfHeal"));
		app->automated_json = cJSON_PrintUnformatted(automated);
	}

	const cJSON *hist = json_get(status, "history");
	int n = cJSON_GetArraySize(hist);
	int first = n > ARGOCD_MAX_HISTORY ? n - ARGOCD_MAX_HISTORY : 0;
	for (int i = first; i < n; i++) {
		const cJSON *h = cJSON_GetArrayItem(hist, i);
		struct argocd_history *e = &app->history[app->nhistory++];
		const cJSON *id = json_get(h, "id");
		e->id = cJSON_IsNumber(id) ? (int64_t)json_ll(h, "id", 0)
		      : cJSON_IsString(id) ? strtoll(id->valuestring, NULL, 10) : 0;
		const char *rev = json_str(h, "revision");
		if (!rev) {   /* multi-source apps keep revisions[] */
			const cJSON *revs = json_get(h, "revisions");
			const cJSON *r0 = cJSON_GetArrayItem(revs, 0);
			rev = cJSON_IsString(r0) ? r0->valuestring : NULL;
		}
		text_copy(e->revision, sizeof e->revision, rev);
		text_copy(e->deployed_at, sizeof e->deployed_at, json_str(h, "deployedAt"));
		e->deployed_ms = text_parse_time(e->deployed_at);
		history_extra(h, e);
	}
	cJSON_Delete(root);
	return 0;
}

void argocd_history_param(const struct argocd_history *h, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name);

	if (len)
		out[0] = '\0';
	for (const char *p = h->params; *p;) {
		const char *end = strchr(p, '\n');

		if (!end)
			break;
		if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
			snprintf(out, len, "%.*s", (int)(end - p - nl - 1), p + nl + 1);
			return;
		}
		p = end + 1;
	}
}

void argocd_app_free(struct argocd_app *app)
{
	if (!app)
		return;
	free(app->automated_json);
	app->automated_json = NULL;
}

const struct argocd_history *argocd_previous(const struct argocd_app *app)
{
	if (app->nhistory < 2)
		return NULL;
	/* History is in deploy order; the CLI rolls back to history[len-2]. */
	return &app->history[app->nhistory - 2];
}

const char *argocd_current_revision(const struct argocd_app *app)
{
	if (app->nhistory)
		return app->history[app->nhistory - 1].revision;
	return app->sync_revision;
}

/* Short SHAs (the console shows 7 or 12) match the full one they start;
 * under 7 characters nothing can be told apart. */
enum argocd_git_state argocd_git_state(const struct argocd_app *app, const char *bad)
{
	size_t lb = bad ? strlen(bad) : 0, lg = strlen(app->sync_revision), n = lb < lg ? lb : lg;

	if (n < 7)
		return ARGOCD_GIT_UNKNOWN;
	return strncasecmp(app->sync_revision, bad, n) == 0 ? ARGOCD_GIT_BAD : ARGOCD_GIT_FIXED;
}

static const char *grpc_code_name(int code)
{
	static const char *const names[] = {
		"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
		"AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
		"Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss",
		"Unauthenticated",
	};
	return code >= 0 && code < (int)(sizeof names / sizeof names[0]) ? names[code] : NULL;
}

void argocd_error_words(long status, const char *body, size_t len, char *buf, size_t buflen)
{
	cJSON *root = body && len ? json_parse_wire(body, len) : NULL;
	const char *msg = json_str(root, "message");
	if (!msg || !*msg)
		msg = json_str(root, "error");
	const cJSON *code = json_get(root, "code");
	const char *name = cJSON_IsNumber(code) ? grpc_code_name(json_int(root, "code", -1)) : NULL;
	if (msg && *msg && name)
		snprintf(buf, buflen, "%s: %s", name, msg);
	else if (msg && *msg)
		snprintf(buf, buflen, "HTTP %ld: %s", status, msg);
	else if (status == 401)
		snprintf(buf, buflen, "Unauthenticated: Argo CD rejected the token (HTTP 401)");
	else if (status == 403)
		snprintf(buf, buflen, "PermissionDenied: the Argo CD token may not do this (HTTP 403)");
	else if (status == 404)
		snprintf(buf, buflen, "NotFound: no such Argo CD application (HTTP 404)");
	else
		snprintf(buf, buflen, "HTTP %ld from Argo CD", status);
	cJSON_Delete(root);
}

char *argocd_rollback_body(int64_t id, bool dry_run)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "id", (double)id);
	cJSON_AddBoolToObject(root, "prune", false);
	cJSON_AddBoolToObject(root, "dryRun", dry_run);
	char *s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return s;
}

char *argocd_autosync_body(const char *automated_json)
{
	cJSON *patch = cJSON_CreateObject();
	cJSON *pol = cJSON_AddObjectToObject(cJSON_AddObjectToObject(patch, "spec"), "syncPolicy");
	cJSON *prev = automated_json ? cJSON_Parse(automated_json) : NULL;
	if (prev)
		cJSON_AddItemToObject(pol, "automated", prev);
	else if (automated_json)   /* unreadable settings: plain auto-sync with self-heal */
		cJSON_AddItemToObject(pol, "automated", cJSON_Parse("{\"prune\":false,\"selfHeal\":true}"));
	else
		cJSON_AddNullToObject(pol, "automated");
	char *ps = cJSON_PrintUnformatted(patch);
	cJSON_Delete(patch);
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "patch", ps ? ps : "{}");
	cJSON_AddStringToObject(root, "patchType", "merge");
	free(ps);
	char *s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return s;
}

/* ---------- requests ---------- */

struct argocd *argocd_new(struct http *http, const struct config_endpoint *ep, const char *app,
                          char *err, size_t errlen)
{
	if (!ep->url[0]) {
		text_copy(err, errlen, "Argo CD is not configured (argocd.url)");
		return NULL;
	}
	if (!app || !*app) {
		text_copy(err, errlen, "no Argo CD application configured (argocd.application)");
		return NULL;
	}
	struct argocd *ac = calloc(1, sizeof *ac);
	if (!ac) {
		text_copy(err, errlen, "out of memory");
		return NULL;
	}
	ac->http = http;
	text_copy(ac->app, sizeof ac->app, app);
	if (endpoint_init(&ac->ep, "Argo CD", ep, 10000, 0, err, errlen) != 0) {
		free(ac);
		return NULL;
	}
	return ac;
}

static void areq_unlink(struct areq *r)
{
	if (!r->ac)
		return;
	for (struct areq **pp = &r->ac->reqs; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	r->next = NULL;
}

void argocd_free(struct argocd *ac)
{
	if (!ac)
		return;
	while (ac->reqs) {
		struct areq *r = ac->reqs;
		ac->reqs = r->next;
		r->dead = true;
		r->ac = NULL;
		http_cancel(ac->http, r->id);   /* its callback frees it */
	}
	endpoint_free(&ac->ep);
	free(ac);
}

const char *argocd_app_name(const struct argocd *ac) { return ac->app; }

static void areq_done(const struct http_resp *resp, void *arg)
{
	struct areq *r = arg;
	if (r->dead) {
		free(r);
		return;
	}
	struct argocd *ac = r->ac;
	areq_unlink(r);
	char words[600] = "";
	struct argocd_result res = {
		.status = resp->status,
		.body = resp->body ? resp->body : "",
		.len = resp->body ? resp->len : 0,
		.error = words,
		.elapsed_ms = resp->elapsed_ms,
	};
	if (resp->err == HTTP_EROUTE)
		snprintf(words, sizeof words, "Argo CD: %s", resp->errmsg);   /* the bastion's words first */
	else if (resp->err == HTTP_ECONNECT)
		snprintf(words, sizeof words, "cannot reach Argo CD at %s: %s", ac->ep.base, resp->errmsg);
	else if (resp->err != HTTP_OK)
		snprintf(words, sizeof words, "Argo CD at %s: %s", ac->ep.base, resp->errmsg);
	else if (resp->status < 200 || resp->status > 299)
		argocd_error_words(resp->status, resp->body, resp->len, words, sizeof words);
	else
		res.ok = true;
	argocd_done_fn fn = r->fn;
	void *fa = r->arg;
	free(r);
	fn(&res, fa);
}

static uint64_t send(struct argocd *ac, const char *method, const char *suffix, const char *body,
                     argocd_done_fn fn, void *arg)
{
	struct areq *r = calloc(1, sizeof *r);
	if (!r)
		return 0;
	char *enc = endpoint_escape(ac->app), *path = NULL, err[300];
	size_t plen = (enc ? strlen(enc) : 0) + strlen(suffix) + 32;
	if (enc && (path = malloc(plen)))
		snprintf(path, plen, "/api/v1/applications/%s%s", enc, suffix);
	free(enc);
	if (!path) {
		free(r);
		return 0;
	}
	const char *headers[] = { "Accept: application/json", "User-Agent: warroom/" WARROOM_VERSION, NULL };
	r->ac = ac;
	r->fn = fn;
	r->arg = arg;
	r->id = endpoint_send(&ac->ep, ac->http, method, path, "application/json", body, headers, areq_done, r,
	                      err, sizeof err);
	free(path);
	if (!r->id) {
		free(r);
		return 0;
	}
	r->next = ac->reqs;
	ac->reqs = r;
	return r->id;
}

uint64_t argocd_get(struct argocd *ac, argocd_done_fn fn, void *arg)
{
	return send(ac, "GET", "", NULL, fn, arg);
}

uint64_t argocd_rollback(struct argocd *ac, int64_t id, bool dry_run, argocd_done_fn fn, void *arg)
{
	char *body = argocd_rollback_body(id, dry_run);
	uint64_t rid = send(ac, "POST", "/rollback", body, fn, arg);
	free(body);
	return rid;
}

uint64_t argocd_set_autosync(struct argocd *ac, const char *automated_json, argocd_done_fn fn, void *arg)
{
	char *body = argocd_autosync_body(automated_json);
	uint64_t id = send(ac, "PATCH", "", body, fn, arg);
	free(body);
	return id;
}

bool argocd_cancel(struct argocd *ac, uint64_t id)
{
	for (struct areq *r = ac->reqs; r; r = r->next) {
		if (r->id != id)
			continue;
		areq_unlink(r);
		r->dead = true;
		r->ac = NULL;
		http_cancel(ac->http, id);
		return true;
	}
	return false;
}

/* ---------- the application poller ---------- */

struct argocd_poller {
	struct argocd *ac;
	struct source *src;
	argocd_poll_fn fn;
	void *arg;
	struct argocd_app app;       /* the last good read */
	uint64_t id;
};

static void poller_read(const struct argocd_result *res, void *arg)
{
	struct argocd_poller *pp = arg;
	char err[300] = "";
	struct argocd_app app;
	bool ok = res->ok;

	pp->id = 0;
	if (ok && argocd_parse_app(res->body, res->len, &app, err, sizeof err) != 0) {
		ok = false;
		argocd_app_free(&app);
	} else if (ok) {
		argocd_app_free(&pp->app);
		pp->app = app;
	} else {
		text_copy(err, sizeof err, res->error);
	}
	source_round_done(pp->src, ok, err);
	if (pp->fn)
		pp->fn(ok ? &pp->app : NULL, ok ? "" : err, pp->arg);
}

static void poller_round(struct source *src, void *arg)
{
	struct argocd_poller *pp = arg;

	pp->id = argocd_get(pp->ac, poller_read, pp);
	if (!pp->id)
		source_round_done(src, false, "could not start the request to Argo CD");
}

struct argocd_poller *argocd_poller_new(struct loop *loop, struct argocd *ac, argocd_poll_fn fn, void *arg)
{
	struct argocd_poller *pp = calloc(1, sizeof *pp);
	if (!pp)
		return NULL;
	pp->src = source_new(loop, "argocd", poller_round, pp);
	if (!pp->src) {
		free(pp);
		return NULL;
	}
	pp->ac = ac;
	pp->fn = fn;
	pp->arg = arg;
	return pp;
}

struct source *argocd_poller_source(struct argocd_poller *pp) { return pp->src; }

void argocd_poller_stop(struct argocd_poller *pp)
{
	if (!pp)
		return;
	source_stop(pp->src);
	if (pp->id) {
		argocd_cancel(pp->ac, pp->id);   /* its callback does not run */
		source_round_done(pp->src, false, "stopped");   /* dropped: the source is stopped */
	}
	pp->id = 0;
}

void argocd_poller_free(struct argocd_poller *pp)
{
	if (!pp)
		return;
	argocd_poller_stop(pp);
	source_free(pp->src);
	argocd_app_free(&pp->app);
	free(pp);
}

int argocd_set_connect_to(struct argocd *ac, const char *connect_to)
{
	return endpoint_set_connect_to(&ac->ep, connect_to);
}
