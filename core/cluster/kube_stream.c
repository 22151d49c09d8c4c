/* kube_stream — a long-lived GET of the API server read line by line (a
 * followed pod log; a watch): the credentials, TLS and route (the bastion's
 * tunnel) of every other request, an exec plugin's credential asked first
 * (through a small request of its own, which runs the plugin as any request
 * does) and asked again once when the server refuses it, and the end in the
 * same words as any request's. Registered as an operation of the client, so
 * kube_cancel and kube_free end it (its end callback does not run then). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/http.h"
#include "warroom/kube.h"
#include "warroom/loop.h"
#include "warroom/text.h"

#include "kube_priv.h"

struct kstream {
	struct kube_op op;       /* first: the client's list holds it by this */
	struct kube *k;
	char *path;
	long idle_ms;
	http_line_fn on_line;
	kube_done_fn on_end;
	void *arg;
	uint64_t http_id;
	uint64_t auth_req;       /* the request that brings a fresh exec credential */
	bool retried;
	uint64_t timer;          /* a failure to start, said from the loop */
	char err[600];
};

static void ks_free(struct kstream *ks)
{
	free(ks->path);
	free(ks);
}

static void end(struct kstream *ks, const struct kube_result *res)
{
	kube_done_fn fn = ks->on_end;
	void *arg = ks->arg;

	kube_op_remove(ks->k, &ks->op);
	ks_free(ks);
	fn(res, arg);
}

static void fail_now(struct loop *loop, void *arg)
{
	struct kstream *ks = arg;
	char words[sizeof ks->err];
	struct kube_result res = { .ok = false, .err = HTTP_EOTHER, .body = "", .error = words };

	ks->timer = 0;
	text_copy(words, sizeof words, ks->err);
	end(ks, &res);
}

/* Never from inside kube_stream(): the callback runs from the loop. */
static void fail(struct kstream *ks, const char *words)
{
	text_copy(ks->err, sizeof ks->err, words);
	ks->timer = loop_timer_add(kube_loop(ks->k), 0, 0, fail_now, ks);
}

static void send_stream(struct kstream *ks);

/* The API's version, asked only for the credential it needs: a plugin that
 * failed says so in its words; an answer of any kind means it ran. */
static void on_auth(const struct kube_result *res, void *arg)
{
	struct kstream *ks = arg;

	ks->auth_req = 0;
	if (!kube_cred_ready(ks->k) && res->err != HTTP_OK) {
		fail(ks, res->error);
		return;
	}
	if (!kube_cred_ready(ks->k) && strstr(res->error, "authentication failed")) {
		fail(ks, res->error);
		return;
	}
	send_stream(ks);
}

static void ask_credential(struct kstream *ks)
{
	ks->auth_req = kube_request(ks->k, "GET", "/version", NULL, NULL, on_auth, ks);
	if (!ks->auth_req)
		fail(ks, "could not start the request to the API server");
}

static void on_http_end(const struct http_resp *resp, void *arg)
{
	struct kstream *ks = arg;
	char words[700] = "";
	struct kube_result res = {
		.status = resp->status, .err = resp->err, .body = resp->body ? resp->body : "",
		.len = resp->body ? resp->len : 0, .elapsed_ms = resp->elapsed_ms, .error = words,
	};

	ks->http_id = 0;
	/* a refused exec credential: run the plugin again, once */
	if (resp->err == HTTP_OK && resp->status == 401 && !ks->retried && kube_cred_reject(ks->k)) {
		ks->retried = true;
		ask_credential(ks);
		return;
	}
	if (resp->err != HTTP_OK)
		kube_transport_words(kube_server(ks->k), resp->err, resp->errmsg, 0, words, sizeof words);
	else if (resp->status < 200 || resp->status > 299)
		kube_status_words(resp->status, resp->body, resp->len, words, sizeof words);
	else
		res.ok = true;
	end(ks, &res);
}

static void ks_line(const struct http_line *line, void *arg)
{
	struct kstream *ks = arg;

	ks->on_line(line, ks->arg);
}

static void send_stream(struct kstream *ks)
{
	struct kube_held held;
	struct http_req hr;
	char err[512];

	if (kube_http_req(ks->k, ks->path, &hr, &held, err, sizeof err) != 0) {
		fail(ks, err);
		return;
	}
	hr.timeout_ms = 0;   /* it lasts as long as the server keeps it open */
	hr.idle_timeout_ms = ks->idle_ms;
	/* lines are handed on in small batches: a flood never holds the loop long */
	hr.max_buffer = 128 << 10;
	ks->http_id = http_stream_start(kube_http(ks->k), &hr, ks_line, on_http_end, ks);
	kube_held_free(&held);
	if (!ks->http_id)
		fail(ks, "could not start the request to the API server");
}

static void drop(struct kube_op *op)
{
	struct kstream *ks = (struct kstream *)(void *)op;

	if (ks->http_id) {
		/* no line and no end after this */
		http_cancel(kube_http(ks->k), ks->http_id);
		http_forget(kube_http(ks->k), ks->http_id);
	}
	if (ks->timer)
		loop_timer_cancel(kube_loop(ks->k), ks->timer);
	if (ks->auth_req)
		kube_cancel(ks->k, ks->auth_req);   /* its callback does not run */
	ks_free(ks);
}

uint64_t kube_stream(struct kube *k, const char *path, long idle_ms, http_line_fn on_line, kube_done_fn on_end,
                     void *arg)
{
	struct kstream *ks = calloc(1, sizeof *ks);
	uint64_t id;

	if (!ks || !(ks->path = strdup(path))) {
		free(ks);
		return 0;
	}
	ks->k = k;
	ks->idle_ms = idle_ms;
	ks->on_line = on_line;
	ks->on_end = on_end;
	ks->arg = arg;
	ks->op.drop = drop;
	id = kube_op_add(k, &ks->op);
	if (kube_cred_ready(k))
		send_stream(ks);
	else
		ask_credential(ks);
	return id;
}
