/* http_priv — what the line streams (core/http_stream.c) ask of the request
 * engine (core/http.c): a request whose 2xx body goes to a sink instead of
 * a buffer. The engine calls the sink through these pointers only, so the
 * streams sit above it and it knows nothing of lines. */
#ifndef WARROOM_HTTP_PRIV_H
#define WARROOM_HTTP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/http.h"

struct http_sink {
	/* curl's write callback for a 2xx body: takes n bytes and returns n, or
	 * returns HTTP_SINK_PAUSE to be called with them again after a drain. */
	size_t (*write)(void *state, const char *data, size_t n);
	/* From the loop, never inside curl: hands what was written on. last:
	 * the answer ended (not cancelled), a partial line goes out too. */
	void (*drain)(void *state, bool last);
	/* Cancelled: no line may go out after this, even from a drain under way. */
	void (*stop)(void *state);
	void (*free)(void *state);
};

#define HTTP_SINK_PAUSE ((size_t)0x10000001)   /* CURL_WRITEFUNC_PAUSE */

/* http_request with a sink: state is freed with the request (sink->free).
 * timeout_ms 0 is no deadline here. 0 when it could not start (then state
 * is freed already). */
uint64_t http_request_sink(struct http *http, const struct http_req *req, const struct http_sink *sink, void *state,
                           http_done_fn fn, void *arg);

#endif
