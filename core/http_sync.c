/* The blocking form of an HTTP request, for the headless CLI: it runs the
 * loop until its own request is done, and gives up cleanly when the loop is
 * stopped (Ctrl-C). */
#include "warroom/http.h"
#include "warroom/loop.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct sync_ctx {
	bool done;
	struct http_resp *out;
};

static char *dup_bytes(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		if (n)
			memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

static void sync_done(const struct http_resp *resp, void *arg)
{
	struct sync_ctx *c = arg;
	struct http_resp *o = c->out;
	*o = *resp;
	o->body = dup_bytes(resp->body ? resp->body : "", resp->body ? resp->len : 0);
	o->errmsg = dup_bytes(resp->errmsg ? resp->errmsg : "",
	                      resp->errmsg ? strlen(resp->errmsg) : 0);
	o->content_type = resp->content_type
	                  ? dup_bytes(resp->content_type, strlen(resp->content_type)) : NULL;
	if (!o->body || !o->errmsg)
		o->len = 0;
	c->done = true;
}

int http_request_sync(struct http *http, const struct http_req *req, struct http_resp *out)
{
	memset(out, 0, sizeof *out);
	struct sync_ctx c = { .done = false, .out = out };
	uint64_t id = http_request(http, req, sync_done, &c);
	if (!id) {
		out->err = HTTP_EOTHER;
		out->errmsg = dup_bytes("could not start the request", strlen("could not start the request"));
		out->body = dup_bytes("", 0);
		return -1;
	}
	struct loop *loop = http_loop(http);
	if (loop_run_until(loop, &c.done, -1) < 0 && !c.done) {
		/* The loop was stopped (SIGINT in the CLI): give the request up. */
		http_cancel(http, id);
		for (int i = 0; i < 100 && !c.done; i++)
			loop_run_once(loop, 10);
		if (!c.done) {
			/* Never call back into this stack frame later. */
			http_forget(http, id);
			out->err = HTTP_ECANCELLED;
			out->errmsg = dup_bytes("cancelled", strlen("cancelled"));
			out->body = dup_bytes("", 0);
		}
	}
	return c.done && out->err == HTTP_OK ? 0 : -1;
}

void http_resp_free(struct http_resp *resp)
{
	if (!resp)
		return;
	free((void *)(uintptr_t)resp->body);
	free((void *)(uintptr_t)resp->errmsg);
	free((void *)(uintptr_t)resp->content_type);
	memset(resp, 0, sizeof *resp);
}
