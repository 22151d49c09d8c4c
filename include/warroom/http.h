/* http — asynchronous HTTP(S) on the loop through libcurl's multi interface
 * (socket and timer callbacks, no curl_multi_wait spin).
 * Implemented in core/http.c. */
#ifndef WARROOM_HTTP_H
#define WARROOM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct http;

enum http_err {
	HTTP_OK = 0,        /* a response arrived (any status) */
	HTTP_ETIMEOUT,      /* deadline passed */
	HTTP_ECONNECT,      /* refused, unreachable, DNS */
	HTTP_ETLS,          /* certificate or handshake */
	HTTP_ETOOBIG,       /* body over max_bytes */
	HTTP_ECANCELLED,    /* http_cancel() or http_free() */
	HTTP_EOTHER,
	HTTP_EROUTE,        /* the connect_to route failed (the bastion): errmsg is its owner's words */
};

struct http_req {
	const char *method;            /* NULL: GET (POST when body is set) */
	const char *url;
	const char *body;              /* copied; may contain NULs with body_len */
	size_t body_len;               /* 0: strlen(body) */
	const char *content_type;      /* for the body */
	const char *const *headers;    /* NULL-terminated "Name: value" list, copied */
	const char *bearer_token;      /* sent as Authorization; never logged */
	long timeout_ms;               /* whole request; 0: 10000 */
	long connect_timeout_ms;       /* 0: min(timeout, 5000) */
	size_t max_bytes;              /* 0: 16 MiB */
	/* TLS: verification is always on unless insecure. Files or PEM blobs. */
	const char *ca_file;
	const char *ca_pem;    size_t ca_pem_len;
	const char *cert_file;
	const char *cert_pem;  size_t cert_pem_len;
	const char *key_file;
	const char *key_pem;   size_t key_pem_len;
	bool insecure;
	/* "host:port:connect-host:connect-port", CURLOPT_CONNECT_TO (SSH tunnels);
	 * several, comma-separated, for requests that may go to several hosts */
	const char *connect_to;
	/* Line streams only (http_stream_start): no byte for this long ends the
	 * stream with HTTP_ETIMEOUT (a dead tunnel); curl judges the speed over
	 * its last 5 s, so it ends up to 5 s later; 0: never. */
	long idle_timeout_ms;
	size_t max_line;               /* streams: the longest line delivered whole; 0: 64 KiB */
	size_t max_buffer;             /* streams: bytes read ahead of the callbacks; 0: 1 MiB */
};

struct http_resp {
	enum http_err err;
	long status;                   /* HTTP status, 0 without a response */
	const char *errmsg;            /* words for the operator; "" when err == HTTP_OK */
	const char *body;              /* NUL-terminated; valid during the callback */
	size_t len;
	const char *content_type;      /* may be NULL */
	int64_t elapsed_ms;
};

typedef void (*http_done_fn)(const struct http_resp *resp, void *arg);

struct http *http_new(struct loop *loop);
/* Cancels every pending request (callbacks run with HTTP_ECANCELLED). */
void http_free(struct http *http);

/* Starts a request; the callback runs exactly once, from the loop, never from
 * inside http_request(). Returns an id (never 0), or 0 when it could not start
 * (then the callback does not run). */
uint64_t http_request(struct http *http, const struct http_req *req, http_done_fn fn, void *arg);
/* Cancels a pending request: its callback runs with HTTP_ECANCELLED. Returns
 * false when the id is unknown or already done. */
bool http_cancel(struct http *http, uint64_t id);
size_t http_pending(const struct http *http);
/* The request's callback will never run (it may still be in flight). */
void http_forget(struct http *http, uint64_t id);

const char *http_err_str(enum http_err err);

/* Whoever made a connect_to route (the bastion's tunnels, core/ssh/) says
 * why a request by it failed without an answer: fn is asked with the
 * address the request was sent to and answers true with words when the
 * route is the cause (the request then fails with HTTP_EROUTE and those
 * words, not the reset or timeout they caused), false when it is not its
 * route or the route is fine. For every HTTP engine of the process: the
 * routes are the process's own loopback ports. */
typedef bool (*http_blame_fn)(const char *host, int port, char *words, size_t len, void *arg);
void http_blame_add(http_blame_fn fn, void *arg);
void http_blame_del(http_blame_fn fn, void *arg);

/* ---- line streams (core/http_stream.c) ----
 * A long-lived answer (a followed pod log, a watch) read as it arrives and
 * handed on line by line, on the loop like any request. The transfer pauses
 * while max_buffer bytes wait for their callbacks, so a fast server never
 * grows memory; a line longer than max_line is handed on cut, and says so.
 * A non-2xx answer delivers no lines: its body (at most max_bytes, 64 KiB by
 * default) arrives with the end. timeout_ms 0 means no deadline for the
 * whole stream (the connect timeout still applies). */
struct http_line {
	const char *text;              /* without its line end ("\n", "\r\n"); NUL-terminated */
	size_t len;
	bool cut;                      /* longer than max_line: these are its first bytes */
	size_t cut_bytes;              /* what was left out of it */
	bool unterminated;             /* the stream ended inside this line (no line end) */
};

typedef void (*http_line_fn)(const struct http_line *line, void *arg);

/* Starts a stream: on_line runs for each line, from the loop, until on_end
 * runs once (HTTP_OK: the server ended the answer; an error: it broke off or
 * timed out). http_cancel ends it: on_line never runs after the call, on_end
 * later with HTTP_ECANCELLED. An id (never 0), or 0 when it could not start. */
uint64_t http_stream_start(struct http *http, const struct http_req *req, http_line_fn on_line, http_done_fn on_end,
                           void *arg);

/* The line assembler the streams use, on its own for tests: bytes in, lines
 * out, whatever the chunk boundaries. */
struct http_lines;
struct http_lines *http_lines_new(size_t max_line);
void http_lines_free(struct http_lines *l);
/* data is written to during the call (a line's end becomes its NUL for a
 * moment) and is as it was afterwards. */
void http_lines_feed(struct http_lines *l, char *data, size_t n, http_line_fn fn, void *arg);
/* The end of the bytes: a last line without its line end goes out, unterminated. */
void http_lines_end(struct http_lines *l, http_line_fn fn, void *arg);

#endif
