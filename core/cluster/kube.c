/* kube — Kubernetes REST requests on struct http: credentials (static token,
 * token file re-read per request, client certificates, exec plugins with a
 * cached ExecCredential), TLS from the kubeconfig, and words for failures.
 * The bottom of core/cluster/'s Kubernetes files: the objects' paths
 * (kube_resources.c) and rollout undo (kube_undo.c) are built on
 * kube_request, and an operation made of several requests registers here
 * (kube_op_add) so that kube_cancel and kube_free reach it. */
#include "warroom/kube.h"
#include "warroom/endpoint.h"
#include "warroom/kubeconfig.h"
#include "warroom/loop.h"
#include "warroom/text.h"

#include "kube_priv.h"

#include <cJSON.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef WARROOM_VERSION
#define WARROOM_VERSION "dev"
#endif

struct kreq {
	struct kreq *next, *prev;
	struct kube *k;
	uint64_t id;
	char *method, *path, *ctype, *body;
	kube_done_fn fn;
	void *arg;
	uint64_t http_id;
	uint64_t timer;          /* pending error delivery */
	bool waiting_auth;
	bool auth_retried;
	bool dead;               /* cancelled while in http: free on its callback */
	char err[600];
};

struct kube {
	struct loop *loop;
	struct http *http;
	struct kubeconfig kc;
	long timeout_ms, exec_timeout_ms;
	uint64_t next_id;
	struct kreq *reqs;
	struct kube_op *ops;     /* requests made of several (kube_undo.c) */
	struct kubeconfig_cred cred;
	bool have_cred;
	struct kubeconfig_exec_run *run;
	unsigned exec_runs;
	/* For tls-server-name: URL host and CURLOPT_CONNECT_TO; malloc'd, so a
	 * long server name is never cut (url_base NULL: out of memory). */
	char *url_base;
	char *connect_to;
};

/* ---------- requests ---------- */

static void req_unlink(struct kreq *r)
{
	struct kube *k = r->k;
	if (!k)
		return;
	if (r->prev)
		r->prev->next = r->next;
	else if (k->reqs == r)
		k->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->next = r->prev = NULL;
}

static void req_free(struct kreq *r)
{
	free(r->method);
	free(r->path);
	free(r->ctype);
	free(r->body);
	free(r);
}

static void req_deliver(struct kreq *r, const struct kube_result *res)
{
	kube_done_fn fn = r->fn;
	void *arg = r->arg;
	req_unlink(r);
	req_free(r);
	fn(res, arg);   /* may free the kube */
}

static void req_error_timer(struct loop *loop, void *arg)
{
	struct kreq *r = arg;
	(void)loop;
	r->timer = 0;
	struct kube_result res = { .ok = false, .err = HTTP_EOTHER, .body = "", .error = r->err };
	char msg[sizeof r->err];
	text_copy(msg, sizeof msg, r->err);
	res.error = msg;
	req_deliver(r, &res);
}

static void req_fail_later(struct kreq *r, const char *words)
{
	text_copy(r->err, sizeof r->err, words);
	r->waiting_auth = false;
	r->timer = loop_timer_add(r->k->loop, 0, 0, req_error_timer, r);
}

static bool cred_fresh(const struct kube *k)
{
	if (!k->have_cred)
		return false;
	return k->cred.expires_wall_ms == 0 || loop_wall_ms() < k->cred.expires_wall_ms;
}

static void start_exec(struct kube *k);
static void http_done(const struct http_resp *resp, void *arg);

static void req_send(struct kreq *r, bool cred_ok)
{
	struct kube *k = r->k;
	if (k->kc.exec.set && !cred_ok && !cred_fresh(k)) {
		r->waiting_auth = true;
		start_exec(k);
		return;
	}
	r->waiting_auth = false;
	struct kube_held held;
	struct http_req hr;
	char err[512];
	if (kube_http_req(k, r->path, &hr, &held, err, sizeof err) != 0) {
		req_fail_later(r, err);
		return;
	}
	hr.method = r->method;
	hr.body = r->body;
	hr.content_type = r->ctype;
	r->http_id = http_request(k->http, &hr, http_done, r);
	kube_held_free(&held);
	if (!r->http_id)
		req_fail_later(r, "could not start the request to the API server");
}

static const char *const req_headers[] = { "Accept: application/json", "User-Agent: warroom/" WARROOM_VERSION, NULL };

int kube_http_req(struct kube *k, const char *path, struct http_req *hr, struct kube_held *held, char *err,
                  size_t errlen)
{
	const struct kubeconfig *kc = &k->kc;
	const char *token = NULL;

	memset(held, 0, sizeof *held);
	if (kc->exec.set && k->cred.token)
		token = k->cred.token;
	else if (kc->token)
		token = kc->token;
	else if (kc->token_file[0]) {
		held->file_token = kubeconfig_read_token_file(kc->token_file, err, errlen);
		if (!held->file_token)
			return -1;
		token = held->file_token;
	}
	held->url = k->url_base ? endpoint_join(k->url_base, path, NULL, err, errlen) : NULL;
	if (!k->url_base)
		text_copy(err, errlen, "out of memory");
	if (!held->url) {
		kube_held_free(held);
		return -1;
	}
	*hr = (struct http_req){
		.url = held->url,
		.headers = req_headers,
		.bearer_token = token,
		.timeout_ms = k->timeout_ms,
		.ca_file = kc->ca_file[0] ? kc->ca_file : NULL,
		.ca_pem = kc->ca_pem, .ca_pem_len = kc->ca_pem_len,
		.insecure = kc->insecure,
		.connect_to = k->connect_to,
	};
	if (kc->exec.set && k->cred.cert_pem) {
		hr->cert_pem = k->cred.cert_pem;
		hr->cert_pem_len = strlen(k->cred.cert_pem);
		hr->key_pem = k->cred.key_pem;
		hr->key_pem_len = strlen(k->cred.key_pem);
	} else {
		hr->cert_file = kc->cert_file[0] ? kc->cert_file : NULL;
		hr->cert_pem = kc->cert_pem;
		hr->cert_pem_len = kc->cert_pem_len;
		hr->key_file = kc->key_file[0] ? kc->key_file : NULL;
		hr->key_pem = kc->key_pem;
		hr->key_pem_len = kc->key_pem_len;
	}
	return 0;
}

void kube_held_free(struct kube_held *h)
{
	if (h->file_token) {
		memset(h->file_token, 0, strlen(h->file_token));
		free(h->file_token);
	}
	free(h->url);
	memset(h, 0, sizeof *h);
}

bool kube_cred_ready(const struct kube *k)
{
	return !k->kc.exec.set || cred_fresh(k);
}

bool kube_cred_reject(struct kube *k)
{
	if (!k->kc.exec.set)
		return false;
	kubeconfig_cred_free(&k->cred);
	k->have_cred = false;
	return true;
}

struct http *kube_http(const struct kube *k)
{
	return k->http;
}

static void http_done(const struct http_resp *resp, void *arg)
{
	struct kreq *r = arg;
	r->http_id = 0;
	if (r->dead) {
		req_free(r);
		return;
	}
	struct kube *k = r->k;
	/* A rejected exec credential: run the plugin again, once. */
	if (resp->err == HTTP_OK && resp->status == 401 && k->kc.exec.set && !r->auth_retried) {
		r->auth_retried = true;
		kubeconfig_cred_free(&k->cred);
		k->have_cred = false;
		req_send(r, false);
		return;
	}
	char words[700] = "";
	struct kube_result res = {
		.status = resp->status,
		.err = resp->err,
		.body = resp->body ? resp->body : "",
		.len = resp->body ? resp->len : 0,
		.elapsed_ms = resp->elapsed_ms,
		.error = words,
	};
	if (resp->err != HTTP_OK)
		kube_transport_words(k->kc.server, resp->err, resp->errmsg, k->timeout_ms, words, sizeof words);
	else if (resp->status < 200 || resp->status > 299)
		kube_status_words(resp->status, resp->body, resp->len, words, sizeof words);
	else
		res.ok = true;
	req_deliver(r, &res);
}

/* ---------- exec credentials ---------- */

static void exec_done(bool ok, struct kubeconfig_cred *cred, const char *err, void *arg)
{
	struct kube *k = arg;
	k->run = NULL;
	char words[700] = "";
	if (ok) {
		kubeconfig_cred_free(&k->cred);
		k->cred = *cred;
		memset(cred, 0, sizeof *cred);   /* ours now */
		k->have_cred = true;
	} else {
		snprintf(words, sizeof words, "authentication failed: %s", err);
	}
	/* Send what waited, with this credential even if it is already expired. */
	struct kreq *next;
	for (struct kreq *r = k->reqs; r; r = next) {
		next = r->next;
		if (!r->waiting_auth)
			continue;
		if (ok)
			req_send(r, true);
		else
			req_fail_later(r, words);
	}
}

static void start_exec(struct kube *k)
{
	if (k->run)
		return;
	char err[600];
	k->run = kubeconfig_exec_start(k->loop, &k->kc, k->exec_timeout_ms, exec_done, k, err, sizeof err);
	if (k->run) {
		k->exec_runs++;
		return;
	}
	char words[700];
	snprintf(words, sizeof words, "authentication failed: %s", err);
	for (struct kreq *r = k->reqs; r; r = r->next)
		if (r->waiting_auth)
			req_fail_later(r, words);
}

unsigned kube_exec_runs(const struct kube *k)
{
	return k->exec_runs;
}

/* ---------- lifecycle ---------- */

/* The URL requests go to and, with tls-server-name, where the connection is
 * routed. -1: out of memory. */
static int set_url_base(struct kube *k)
{
	free(k->url_base);
	free(k->connect_to);
	k->connect_to = NULL;
	k->url_base = strdup(k->kc.server);
	if (!k->url_base)
		return -1;
	if (!k->kc.tls_server_name[0])
		return 0;
	/* Verify the certificate against tls-server-name: address the URL to that
	 * name and route the connection to the real host. */
	const char *s = k->kc.server;
	const char *hp = strstr(s, "://");
	if (!hp)
		return 0;
	hp += 3;
	int hl, pl = 3;
	const char *port = "443";
	if (*hp == '[') {
		const char *e = strchr(hp, ']');
		if (!e)
			return 0;
		hl = (int)(e - hp + 1);
		if (e[1] == ':')
			port = e + 2, pl = (int)strcspn(port, "/");
	} else {
		hl = (int)strcspn(hp, ":/");
		if (hp[hl] == ':')
			port = hp + hl + 1, pl = (int)strcspn(port, "/");
	}
	free(k->url_base);
	k->url_base = text_dup_printf("%.*s%s:%.*s", (int)(hp - s), s, k->kc.tls_server_name, pl, port);
	k->connect_to = text_dup_printf("%s:%.*s:%.*s:%.*s", k->kc.tls_server_name, pl, port, hl, hp, pl, port);
	return k->url_base && k->connect_to ? 0 : -1;
}

struct kube *kube_new(struct loop *loop, struct http *http, struct kubeconfig *kc)
{
	struct kube *k = calloc(1, sizeof *k);
	if (!k)
		return NULL;
	k->loop = loop;
	k->http = http;
	k->kc = *kc;
	memset(kc, 0, sizeof *kc);
	k->timeout_ms = 10000;
	k->exec_timeout_ms = 30000;
	if (set_url_base(k) != 0) {
		kube_free(k);
		return NULL;
	}
	return k;
}

static void ops_free_all(struct kube *k);

void kube_free(struct kube *k)
{
	if (!k)
		return;
	ops_free_all(k);
	while (k->reqs) {
		struct kreq *r = k->reqs;
		req_unlink(r);
		if (r->http_id) {
			r->dead = true;
			r->k = NULL;
			http_cancel(k->http, r->http_id);   /* its callback frees it */
		} else {
			if (r->timer)
				loop_timer_cancel(k->loop, r->timer);
			req_free(r);
		}
	}
	kubeconfig_exec_cancel(k->run);
	kubeconfig_cred_free(&k->cred);
	kubeconfig_free(&k->kc);
	free(k->url_base);
	free(k->connect_to);
	free(k);
}

const char *kube_server(const struct kube *k) { return k->kc.server; }
const char *kube_context(const struct kube *k) { return k->kc.context; }
void kube_set_timeout(struct kube *k, long ms) { k->timeout_ms = ms > 0 ? ms : 10000; }
void kube_set_exec_timeout(struct kube *k, long ms) { k->exec_timeout_ms = ms > 0 ? ms : 30000; }

size_t kube_pending(const struct kube *k)
{
	size_t n = 0;
	for (const struct kreq *r = k->reqs; r; r = r->next)
		n++;
	return n;
}

uint64_t kube_request(struct kube *k, const char *method, const char *path,
                      const char *content_type, const char *body, kube_done_fn fn, void *arg)
{
	struct kreq *r = calloc(1, sizeof *r);
	if (!r)
		return 0;
	r->k = k;
	r->id = ++k->next_id;
	r->method = strdup(method ? method : "GET");
	r->path = strdup(path);
	r->ctype = content_type ? strdup(content_type) : NULL;
	r->body = body ? strdup(body) : NULL;
	if (!r->method || !r->path || (content_type && !r->ctype) || (body && !r->body)) {
		req_free(r);   /* out of memory: the caller says the request could not start */
		return 0;
	}
	r->fn = fn;
	r->arg = arg;
	r->next = k->reqs;
	if (k->reqs)
		k->reqs->prev = r;
	k->reqs = r;
	req_send(r, false);
	return r->id;
}

static bool op_cancel(struct kube *k, uint64_t id);

bool kube_cancel(struct kube *k, uint64_t id)
{
	if (op_cancel(k, id))
		return true;
	for (struct kreq *r = k->reqs; r; r = r->next) {
		if (r->id != id)
			continue;
		req_unlink(r);
		if (r->http_id) {
			r->dead = true;
			r->k = NULL;
			http_cancel(k->http, r->http_id);
		} else {
			if (r->timer)
				loop_timer_cancel(k->loop, r->timer);
			req_free(r);
		}
		return true;
	}
	return false;
}

/* ---------- requests made of several ---------- */

uint64_t kube_op_add(struct kube *k, struct kube_op *op)
{
	op->id = ++k->next_id;
	op->next = k->ops;
	k->ops = op;
	return op->id;
}

void kube_op_remove(struct kube *k, struct kube_op *op)
{
	for (struct kube_op **pp = &k->ops; *pp; pp = &(*pp)->next) {
		if (*pp == op) {
			*pp = op->next;
			return;
		}
	}
}

static bool op_cancel(struct kube *k, uint64_t id)
{
	for (struct kube_op *op = k->ops; op; op = op->next) {
		if (op->id == id) {
			kube_op_remove(k, op);
			op->drop(op);
			return true;
		}
	}
	return false;
}

static void ops_free_all(struct kube *k)
{
	while (k->ops) {
		struct kube_op *op = k->ops;
		k->ops = op->next;
		op->drop(op);
	}
}

struct loop *kube_loop(const struct kube *k)
{
	return k->loop;
}

int kube_set_connect_to(struct kube *k, const char *connect_to)
{
	if (!connect_to)
		return set_url_base(k);
	char *c = strdup(connect_to);
	if (!c)
		return -1;
	free(k->connect_to);
	k->connect_to = c;
	return 0;
}

int kube_url_host(const struct kube *k, char *host, size_t len, int *port)
{
	const char *hp = k->url_base ? strstr(k->url_base, "://") : NULL;
	size_t hl;

	if (!hp)
		return -1;
	hp += 3;
	*port = strncmp(k->url_base, "https", 5) == 0 ? 443 : 80;
	if (*hp == '[') {
		const char *e = strchr(hp, ']');

		if (!e || (size_t)(e - hp) >= len)
			return -1;
		snprintf(host, len, "%.*s", (int)(e - hp - 1), hp + 1);
		hp = e + 1;
	} else {
		hl = strcspn(hp, ":/");
		if (hl == 0 || hl >= len)
			return -1;
		snprintf(host, len, "%.*s", (int)hl, hp);
		hp += hl;
	}
	if (*hp == ':')
		*port = atoi(hp + 1);
	return 0;
}
