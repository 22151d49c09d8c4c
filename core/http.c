/* http — libcurl multi on the loop: curl's sockets join the loop's poll set
 * through CURLMOPT_SOCKETFUNCTION, its timeouts become loop timers through
 * CURLMOPT_TIMERFUNCTION, and curl_multi_socket_action drives transfers. */
#include "warroom/http.h"
#include "warroom/loop.h"
#include "warroom/text.h"

#include "http_priv.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_DEFAULT_TIMEOUT_MS  10000L
#define HTTP_DEFAULT_CONNECT_MS  5000L
#define HTTP_DEFAULT_MAX_BYTES   ((size_t)16 << 20)
#define HTTP_SINK_ERROR_BYTES    ((size_t)64 << 10)   /* a stream's non-2xx body */

enum req_state { REQ_ACTIVE, REQ_DONE };

struct request {
	struct request *next, *prev;   /* active list, or done queue (FIFO) */
	enum req_state state;
	uint64_t id;
	CURL *easy;
	http_done_fn fn;
	void *arg;

	struct curl_slist *headers;
	struct curl_slist *connect_to;
	char *auth;                    /* the Authorization line; scrubbed on free */
	char where[256];               /* "host:port" for error texts */
	char via_host[64];             /* where CURLOPT_CONNECT_TO sent it ("127.0.0.1"), "" when direct */
	int via_port;
	long timeout_ms, connect_timeout_ms;
	int64_t started;

	char *buf;
	size_t len, cap, max_bytes;
	bool too_big;

	/* a line stream: its 2xx body goes to the sink (http_priv.h) */
	const struct http_sink *sink;
	void *sink_state;
	bool sink_written;             /* bytes wait for a drain */
	bool paused;                   /* the sink was full: go on after the drain */
	long idle_ms;

	enum http_err err;
	long status;
	char errmsg[1024];
	char curl_err[CURL_ERROR_SIZE];
};

struct http {
	struct loop *loop;
	CURLM *multi;
	uint64_t curl_timer;           /* loop timer standing for curl's timeout */
	uint64_t deliver_timer;        /* deferred delivery of cancellations */
	uint64_t next_id;
	size_t pending;
	struct request *active;
	struct request *done_head, *done_tail;
	int *fds;                      /* curl's sockets now in the loop */
	size_t nfds, capfds;
	int depth;                     /* > 0 while user callbacks run */
	bool free_requested;
	bool closing;                  /* inside curl_multi_cleanup */
};

static int curl_users;

/* ---- small lists ---- */

static void active_unlink(struct http *http, struct request *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		http->active = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->next = r->prev = NULL;
}

static void done_push(struct http *http, struct request *r)
{
	r->next = NULL;
	r->prev = http->done_tail;
	if (http->done_tail)
		http->done_tail->next = r;
	else
		http->done_head = r;
	http->done_tail = r;
}

static struct request *done_pop(struct http *http)
{
	struct request *r = http->done_head;
	if (!r)
		return NULL;
	http->done_head = r->next;
	if (!http->done_head)
		http->done_tail = NULL;
	r->next = r->prev = NULL;
	return r;
}

/* volatile so the wipe of a token is not optimised away */
static void wipe(char *s)
{
	for (volatile char *p = s; p && *p; p++)
		*p = 0;
}

static void request_free(struct request *r)
{
	if (r->easy)
		curl_easy_cleanup(r->easy);
	for (struct curl_slist *h = r->headers; h; h = h->next)
		if (strncmp(h->data, "Authorization:", 14) == 0)
			wipe(h->data);
	curl_slist_free_all(r->headers);
	curl_slist_free_all(r->connect_to);
	wipe(r->auth);
	free(r->auth);
	free(r->buf);
	if (r->sink)
		r->sink->free(r->sink_state);
	free(r);
}

/* ---- error texts ---- */

const char *http_err_str(enum http_err err)
{
	switch (err) {
	case HTTP_OK: return "ok";
	case HTTP_ETIMEOUT: return "timeout";
	case HTTP_ECONNECT: return "connection failed";
	case HTTP_ETLS: return "TLS error";
	case HTTP_EROUTE: return "the route failed";
	case HTTP_ETOOBIG: return "response too large";
	case HTTP_ECANCELLED: return "cancelled";
	case HTTP_EOTHER: return "error";
	}
	return "error";
}

static void size_words(char *out, size_t outlen, size_t n)
{
	if (n >= ((size_t)1 << 20) && n % ((size_t)1 << 20) == 0)
		snprintf(out, outlen, "%zu MiB", n >> 20);
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(out, outlen, "%zu KiB", n >> 10);
	else
		snprintf(out, outlen, "%zu bytes", n);
}

/* "host:port" of the URL, never its user, password, path or query. */
static void url_where(struct request *r, const char *url, const char *connect_to)
{
	snprintf(r->where, sizeof r->where, "the server");
	CURLU *u = curl_url();
	if (!u)
		return;
	char *host = NULL, *port = NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		char key[300];
		const char *route = NULL;

		/* "host:port:connect-host:connect-port[,...]": name where it really goes */
		snprintf(key, sizeof key, "%s:%s:", host, port);
		for (const char *p = connect_to; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ','))
			if (strncmp(p, key, strlen(key)) == 0)
				route = p + strlen(key);
		if (route) {
			size_t rl = strcspn(route, ","), hl = 0;

			snprintf(r->where, sizeof r->where, "%s:%s (via %.*s)", host, port, (int)rl, route);
			/* "connect-host:connect-port": the last colon parts them ([v6] keeps its own) */
			for (size_t i = 0; i < rl; i++)
				if (route[i] == ':')
					hl = i;
			if (hl && hl < sizeof r->via_host) {
				snprintf(r->via_host, sizeof r->via_host, "%.*s", (int)hl, route);
				r->via_port = atoi(route + hl + 1);
			}
		} else {
			snprintf(r->where, sizeof r->where, "%s:%s", host, port);
		}
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

static void secs_words(char *out, size_t outlen, long ms)
{
	snprintf(out, outlen, "%ld.%ld s", ms / 1000, (ms % 1000) / 100);
}

/* The TLS detail from curl's text, without OpenSSL's prefixes
 * ("SSL certificate problem: ", "OpenSSL/3.0: error:0A00010B:SSL routines::"). */
static void tls_words(struct request *r, CURLcode rc)
{
	const char *detail = r->curl_err[0] ? r->curl_err : curl_easy_strerror(rc);
	const char *pfx = "SSL certificate problem: ";
	if (strncmp(detail, pfx, strlen(pfx)) == 0) {
		snprintf(r->errmsg, sizeof r->errmsg, "TLS: certificate verify failed (%s) for %s",
		         detail + strlen(pfx), r->where);
		return;
	}
	char clean[CURL_ERROR_SIZE];
	const char *p = strstr(detail, "routines::");
	if (p)
		detail = p + strlen("routines::");
	else if ((p = strstr(detail, "OpenSSL/")) != NULL && (p = strchr(p, ' ')) != NULL)
		detail = p + 1;
	if (strncmp(detail, "SSL: ", 5) == 0)
		detail += 5;
	snprintf(clean, sizeof clean, "%s", detail);
	char *tail = strstr(clean, ", errno ");
	if (tail)
		*tail = 0;
	if (rc == CURLE_PEER_FAILED_VERIFICATION)
		snprintf(r->errmsg, sizeof r->errmsg, "TLS: certificate verify failed (%s) for %s",
		         clean, r->where);
	else
		snprintf(r->errmsg, sizeof r->errmsg, "TLS: handshake with %s failed (%s)", r->where,
		         clean);
}

static bool tls_text(const char *s)
{
	return strstr(s, "SSL") || strstr(s, "TLS") || strstr(s, "tls") || strstr(s, "alert");
}

static void classify(struct request *r, CURLcode rc)
{
	char t[64];
	r->errmsg[0] = 0;
	if (r->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		r->err = HTTP_ETOOBIG;
		size_words(t, sizeof t, r->max_bytes);
		snprintf(r->errmsg, sizeof r->errmsg, "response larger than %s from %s", t, r->where);
		return;
	}
	switch (rc) {
	case CURLE_OK:
		r->err = HTTP_OK;
		return;
	case CURLE_OPERATION_TIMEDOUT: {
		r->err = HTTP_ETIMEOUT;
		curl_off_t connected = 0;
		curl_easy_getinfo(r->easy, CURLINFO_CONNECT_TIME_T, &connected);
		if (connected != 0 && r->idle_ms && !r->timeout_ms) {
			secs_words(t, sizeof t, r->idle_ms);
			snprintf(r->errmsg, sizeof r->errmsg, "nothing from %s for %s", r->where, t);
		} else if (connected == 0 && (r->connect_timeout_ms < r->timeout_ms || !r->timeout_ms)) {
			secs_words(t, sizeof t, r->connect_timeout_ms);
			snprintf(r->errmsg, sizeof r->errmsg, "timed out after %s connecting to %s",
			         t, r->where);
		} else {
			secs_words(t, sizeof t, r->timeout_ms);
			snprintf(r->errmsg, sizeof r->errmsg, "timed out after %s waiting for %s",
			         t, r->where);
		}
		return;
	}
	case CURLE_COULDNT_CONNECT: {
		r->err = HTTP_ECONNECT;
		long oserr = 0;
		curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &oserr);
		if (oserr == ECONNREFUSED)
			snprintf(r->errmsg, sizeof r->errmsg, "connection refused by %s", r->where);
		else if (oserr == ENETUNREACH || oserr == EHOSTUNREACH)
			snprintf(r->errmsg, sizeof r->errmsg, "%s is unreachable (%s)", r->where,
			         strerror((int)oserr));
		else
			snprintf(r->errmsg, sizeof r->errmsg, "could not connect to %s%s%s", r->where,
			         oserr ? ": " : "", oserr ? strerror((int)oserr) : "");
		return;
	}
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		r->err = HTTP_ECONNECT;
		snprintf(r->errmsg, sizeof r->errmsg, "could not resolve the host of %s", r->where);
		return;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_USE_SSL_FAILED:
		r->err = HTTP_ETLS;
		tls_words(r, rc);
		return;
	case CURLE_PARTIAL_FILE:
		/* a chunked or sized answer that stopped before its end */
		r->err = HTTP_EOTHER;
		snprintf(r->errmsg, sizeof r->errmsg, "the answer from %s was cut off before its end", r->where);
		return;
	case CURLE_GOT_NOTHING:
		r->err = HTTP_EOTHER;
		snprintf(r->errmsg, sizeof r->errmsg, "%s closed the connection without answering",
		         r->where);
		return;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		if (tls_text(r->curl_err)) {
			/* a refused client certificate arrives as a TLS alert on read */
			r->err = HTTP_ETLS;
			tls_words(r, rc);
			return;
		}
		r->err = HTTP_EOTHER;
		snprintf(r->errmsg, sizeof r->errmsg, "connection to %s broke: %s", r->where,
		         r->curl_err[0] ? r->curl_err : curl_easy_strerror(rc));
		return;
	default:
		r->err = HTTP_EOTHER;
		snprintf(r->errmsg, sizeof r->errmsg, "%s: %s", r->where,
		         r->curl_err[0] ? r->curl_err : curl_easy_strerror(rc));
		return;
	}
}

/* ---- who made the route: its words come first ---- */

#define BLAMERS 4

static struct { http_blame_fn fn; void *arg; } blamers[BLAMERS];

void http_blame_add(http_blame_fn fn, void *arg)
{
	for (int i = 0; i < BLAMERS; i++)
		if (!blamers[i].fn) {
			blamers[i].fn = fn;
			blamers[i].arg = arg;
			return;
		}
}

void http_blame_del(http_blame_fn fn, void *arg)
{
	for (int i = 0; i < BLAMERS; i++)
		if (blamers[i].fn == fn && blamers[i].arg == arg)
			blamers[i].fn = NULL;
}

/* A request that went by a route and never got an answer: a TLS reset or a
 * timeout is the consequence, the route's own state the cause. */
static void blame_route(struct request *r)
{
	char words[sizeof r->errmsg];

	if (!r->via_host[0] || (r->err != HTTP_ETIMEOUT && r->err != HTTP_ECONNECT && r->err != HTTP_ETLS &&
	                        r->err != HTTP_EOTHER))
		return;
	for (int i = 0; i < BLAMERS; i++)
		if (blamers[i].fn && blamers[i].fn(r->via_host, r->via_port, words, sizeof words, blamers[i].arg)) {
			r->err = HTTP_EROUTE;
			snprintf(r->errmsg, sizeof r->errmsg, "%s", words);
			return;
		}
}

/* Belt and braces: no error text ever carries the token. */
static void scrub_token(struct request *r)
{
	if (!r->auth)
		return;
	const char *tok = r->auth + strlen("Authorization: Bearer ");
	if (!*tok)
		return;
	char *p;
	while ((p = strstr(r->errmsg, tok)) != NULL) {
		size_t tl = strlen(tok);
		memcpy(p, "***", 3);
		memmove(p + 3, p + tl, strlen(p + tl) + 1);
	}
}

/* ---- delivery: every user callback runs from here ---- */

static void http_destroy(struct http *http);

static void deliver_one(struct http *http, struct request *r)
{
	static const char empty[] = "";
	struct http_resp resp = {
		.err = r->err,
		.status = r->status,
		.errmsg = r->err == HTTP_OK ? empty : r->errmsg,
		.body = r->buf ? r->buf : empty,
		.len = r->len,
		.content_type = NULL,
		.elapsed_ms = loop_now_ms() - r->started,
	};
	char *ct = NULL;
	if (r->easy && r->err == HTTP_OK)
		curl_easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &ct);
	resp.content_type = ct;
	/* a stream's last lines before its end; none after a cancel */
	if (r->sink && r->err != HTTP_ECANCELLED && r->fn)
		r->sink->drain(r->sink_state, true);
	if (r->fn)
		r->fn(&resp, r->arg);
}

/* Lines of the streams still running go to their callbacks, which may
 * cancel any request or free the http: look again from the head each time. */
static void drain_streams(struct http *http)
{
	for (;;) {
		struct request *r = http->active;

		while (r && !(r->sink && r->sink_written))
			r = r->next;
		if (!r || http->free_requested)
			return;
		r->sink_written = false;
		if (r->fn)
			r->sink->drain(r->sink_state, false);
		if (r->state == REQ_ACTIVE && r->paused && !http->free_requested) {
			r->paused = false;
			curl_easy_pause(r->easy, CURLPAUSE_CONT);   /* may write again at once */
		}
	}
}

/* Runs queued callbacks; returns true when the http was freed meanwhile
 * (then the caller must not touch it). */
static bool deliver(struct http *http)
{
	struct request *r;
	http->depth++;
	drain_streams(http);
	while ((r = done_pop(http)) != NULL) {
		deliver_one(http, r);
		request_free(r);
	}
	http->depth--;
	if (http->depth == 0 && http->free_requested) {
		http_destroy(http);
		return true;
	}
	return false;
}

static void deliver_timer_cb(struct loop *loop, void *arg)
{
	struct http *http = arg;
	http->deliver_timer = 0;
	deliver(http);
}

static void finish(struct http *http, struct request *r)
{
	if (r->state != REQ_ACTIVE)
		return;
	active_unlink(http, r);
	r->state = REQ_DONE;
	http->pending--;
	done_push(http, r);
}

/* Collects finished transfers from curl into the done queue. */
static void harvest(struct http *http)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(http->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		char *priv = NULL;
		CURL *easy = m->easy_handle;
		CURLcode rc = m->data.result;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		struct request *r = (struct request *)(void *)priv;
		curl_multi_remove_handle(http->multi, easy);
		if (!r)
			continue;
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r->status);
		classify(r, rc);
		blame_route(r);
		if (r->err != HTTP_OK)
			r->status = r->err == HTTP_ETOOBIG ? r->status : 0;
		scrub_token(r);
		text_hide_url_passwords(r->errmsg);
		finish(http, r);
	}
}

/* ---- curl's callbacks into the loop ---- */

static void socket_action(struct http *http, curl_socket_t s, int ev)
{
	int running = 0;
	curl_multi_socket_action(http->multi, s, ev, &running);
	harvest(http);
	deliver(http);
}

static void curl_fd_cb(struct loop *loop, int fd, short revents, void *arg)
{
	int ev = 0;
	if (revents & (POLLIN | POLLHUP))
		ev |= CURL_CSELECT_IN;
	if (revents & POLLOUT)
		ev |= CURL_CSELECT_OUT;
	if (revents & (POLLERR | POLLNVAL))
		ev |= CURL_CSELECT_ERR;
	socket_action(arg, fd, ev);
}

static void curl_timer_cb(struct loop *loop, void *arg)
{
	struct http *http = arg;
	http->curl_timer = 0;
	socket_action(http, CURL_SOCKET_TIMEOUT, 0);
}

static bool fds_remember(struct http *http, int fd)
{
	for (size_t i = 0; i < http->nfds; i++)
		if (http->fds[i] == fd)
			return true;
	if (http->nfds == http->capfds) {
		size_t cap = http->capfds ? http->capfds * 2 : 16;
		int *f = realloc(http->fds, cap * sizeof *f);
		if (!f)
			return false;
		http->fds = f;
		http->capfds = cap;
	}
	http->fds[http->nfds++] = fd;
	return true;
}

static void fds_forget(struct http *http, int fd)
{
	for (size_t i = 0; i < http->nfds; i++) {
		if (http->fds[i] == fd) {
			http->fds[i] = http->fds[--http->nfds];
			return;
		}
	}
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct http *http = userp;
	if (what == CURL_POLL_REMOVE) {
		loop_fd_del(http->loop, s);
		fds_forget(http, s);
		return 0;
	}
	if (http->closing)
		return 0;
	short ev = 0;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		ev |= POLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		ev |= POLLOUT;
	if (!fds_remember(http, s))
		return -1;
	return loop_fd_add(http->loop, s, ev, curl_fd_cb, http) < 0 ? -1 : 0;
}

/* curl asks for one timeout at a time; it is a loop timer, never a direct
 * socket_action call from inside curl. */
static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct http *http = userp;
	if (http->closing)
		return 0;
	if (http->curl_timer) {
		loop_timer_cancel(http->loop, http->curl_timer);
		http->curl_timer = 0;
	}
	if (timeout_ms >= 0) {
		http->curl_timer = loop_timer_add(http->loop, timeout_ms, 0, curl_timer_cb, http);
		if (!http->curl_timer)
			return -1;
	}
	return 0;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *userp)
{
	struct request *r = userp;
	size_t n = size * nmemb;
	if (r->sink) {
		long status = 0;

		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status <= 299) {
			size_t took = r->sink->write(r->sink_state, data, n);

			if (took == HTTP_SINK_PAUSE)
				r->paused = true;
			else
				r->sink_written = true;
			return took;
		}
	}
	if (n > r->max_bytes - r->len) {
		r->too_big = true;
		return 0;    /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		while (cap < r->len + n + 1)
			cap *= 2;
		char *b = realloc(r->buf, cap);
		if (!b)
			return 0;
		r->buf = b;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, n);
	r->len += n;
	r->buf[r->len] = 0;
	return n;
}

/* ---- lifecycle ---- */

struct http *http_new(struct loop *loop)
{
	if (!loop)
		return NULL;
	if (curl_users == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NULL;
	struct http *http = calloc(1, sizeof *http);
	if (!http)
		goto fail;
	http->loop = loop;
	http->multi = curl_multi_init();
	if (!http->multi)
		goto fail;
	curl_multi_setopt(http->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(http->multi, CURLMOPT_SOCKETDATA, http);
	curl_multi_setopt(http->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(http->multi, CURLMOPT_TIMERDATA, http);
	curl_users++;
	return http;
fail:
	free(http);
	if (curl_users == 0)
		curl_global_cleanup();
	return NULL;
}

static void cancel_request(struct http *http, struct request *r)
{
	curl_multi_remove_handle(http->multi, r->easy);
	if (r->sink)
		r->sink->stop(r->sink_state);
	r->err = HTTP_ECANCELLED;
	r->status = 0;
	snprintf(r->errmsg, sizeof r->errmsg, "request to %s cancelled", r->where);
	finish(http, r);
}

static void http_destroy(struct http *http)
{
	if (http->curl_timer)
		loop_timer_cancel(http->loop, http->curl_timer);
	if (http->deliver_timer)
		loop_timer_cancel(http->loop, http->deliver_timer);
	/* Handles are gone already; cleanup closes cached connections. No new
	 * timer or socket may reach the loop from here on. */
	http->closing = true;
	curl_multi_cleanup(http->multi);
	for (size_t i = 0; i < http->nfds; i++)
		loop_fd_del(http->loop, http->fds[i]);
	free(http->fds);
	free(http);
	if (--curl_users == 0)
		curl_global_cleanup();
}

void http_free(struct http *http)
{
	if (!http)
		return;
	while (http->active)
		cancel_request(http, http->active);
	if (http->depth > 0) {
		/* Inside a callback: the outer delivery finishes the job. */
		http->free_requested = true;
		return;
	}
	http->free_requested = true;
	deliver(http);   /* frees http at depth 0 */
}

bool http_cancel(struct http *http, uint64_t id)
{
	for (struct request *r = http->active; r; r = r->next) {
		if (r->id != id)
			continue;
		cancel_request(http, r);
		/* Delivered from the loop, never from inside the caller's stack. */
		if (!http->deliver_timer)
			http->deliver_timer = loop_timer_add(http->loop, 0, 0, deliver_timer_cb, http);
		return true;
	}
	return false;
}

size_t http_pending(const struct http *http)
{
	return http->pending;
}

/* ---- starting a request ---- */

static struct curl_slist *slist_add(struct curl_slist **list, const char *s, bool *ok)
{
	struct curl_slist *n = curl_slist_append(*list, s);
	if (!n)
		*ok = false;
	else
		*list = n;
	return n;
}

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);
	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

static bool set_blob(CURL *easy, CURLoption opt, const char *pem, size_t len)
{
	struct curl_blob blob = {
		.data = (void *)(uintptr_t)pem,
		.len = len ? len : strlen(pem),
		.flags = CURL_BLOB_COPY,
	};
	return curl_easy_setopt(easy, opt, &blob) == CURLE_OK;
}

static bool setup(struct request *r, const struct http_req *req)
{
	CURL *e = r->easy;
	bool ok = true;
#define SET(opt, val) do { if (curl_easy_setopt(e, opt, val) != CURLE_OK) ok = false; } while (0)
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_PRIVATE, r);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	/* No proxy from the environment: the config has no proxy setting yet. */
	SET(CURLOPT_NOPROXY, "*");
	/* Compressed only where the bytes cross an SSH tunnel: on the near network
	 * a bastion has, the server's gzip costs more than the bytes it saves
	 * (Prometheus spends about three times the CPU on a small query). */
	if (req->connect_to && *req->connect_to)
		SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_TIMEOUT_MS, r->timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, r->connect_timeout_ms);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, r);
	if (!r->sink)
		SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max_bytes);
	if (r->idle_ms) {
		/* under one byte a second for that long: the other end is gone */
		SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
		SET(CURLOPT_LOW_SPEED_TIME, (r->idle_ms + 999) / 1000);
		SET(CURLOPT_TCP_KEEPALIVE, 1L);
	}
	SET(CURLOPT_ERRORBUFFER, r->curl_err);
	SET(CURLOPT_SSL_VERIFYPEER, req->insecure ? 0L : 1L);
	SET(CURLOPT_SSL_VERIFYHOST, req->insecure ? 0L : 2L);
	if (req->ca_file)
		SET(CURLOPT_CAINFO, req->ca_file);
	if (req->ca_pem && !set_blob(e, CURLOPT_CAINFO_BLOB, req->ca_pem, req->ca_pem_len))
		ok = false;
	if (req->cert_file)
		SET(CURLOPT_SSLCERT, req->cert_file);
	if (req->cert_pem && !set_blob(e, CURLOPT_SSLCERT_BLOB, req->cert_pem, req->cert_pem_len))
		ok = false;
	if (req->cert_file || req->cert_pem)
		SET(CURLOPT_SSLCERTTYPE, "PEM");
	if (req->key_file)
		SET(CURLOPT_SSLKEY, req->key_file);
	if (req->key_pem && !set_blob(e, CURLOPT_SSLKEY_BLOB, req->key_pem, req->key_pem_len))
		ok = false;
	if (req->key_file || req->key_pem)
		SET(CURLOPT_SSLKEYTYPE, "PEM");

	const char *method = req->method;
	if (req->body) {
		size_t blen = req->body_len ? req->body_len : strlen(req->body);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
		SET(CURLOPT_COPYPOSTFIELDS, req->body);
		if (method && strcmp(method, "POST") != 0)
			SET(CURLOPT_CUSTOMREQUEST, method);
	} else if (method && strcmp(method, "HEAD") == 0) {
		SET(CURLOPT_NOBODY, 1L);
	} else if (method && strcmp(method, "GET") != 0) {
		SET(CURLOPT_CUSTOMREQUEST, method);
	}

	for (const char *const *h = req->headers; h && *h; h++)
		slist_add(&r->headers, *h, &ok);
	if (req->body && req->content_type) {
		char *ct = join("Content-Type: ", req->content_type);
		if (ct)
			slist_add(&r->headers, ct, &ok);
		ok = ok && ct;
		free(ct);
	}
	if (req->bearer_token && *req->bearer_token) {
		r->auth = join("Authorization: Bearer ", req->bearer_token);
		if (r->auth)
			slist_add(&r->headers, r->auth, &ok);
		ok = ok && r->auth;
	}
	/* No "Expect: 100-continue" pause before larger bodies. */
	slist_add(&r->headers, "Expect:", &ok);
	SET(CURLOPT_HTTPHEADER, r->headers);

	if (req->connect_to && *req->connect_to) {
		/* one route per host:port, comma-separated: curl uses the one that matches */
		for (const char *p = req->connect_to; *p;) {
			size_t n = strcspn(p, ",");
			char *one = n ? strndup(p, n) : NULL;

			if (one)
				slist_add(&r->connect_to, one, &ok);
			ok = ok && (one || !n);
			free(one);
			p += n + (p[n] == ',');
		}
		SET(CURLOPT_CONNECT_TO, r->connect_to);
	}
#undef SET
	return ok;
}

static uint64_t start(struct http *http, const struct http_req *req, const struct http_sink *sink, void *state,
                      http_done_fn fn, void *arg)
{
	struct request *r = NULL;

	if (!http || !req || !req->url || http->free_requested || !(r = calloc(1, sizeof *r))) {
		if (sink)
			sink->free(state);
		return 0;
	}
	r->fn = fn;
	r->arg = arg;
	r->sink = sink;
	r->sink_state = state;
	/* a stream has no deadline of its own unless it was given one */
	r->timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : sink ? 0 : HTTP_DEFAULT_TIMEOUT_MS;
	r->connect_timeout_ms = req->connect_timeout_ms > 0 ? req->connect_timeout_ms
	                        : (r->timeout_ms && r->timeout_ms < HTTP_DEFAULT_CONNECT_MS ? r->timeout_ms
	                                                                                   : HTTP_DEFAULT_CONNECT_MS);
	r->max_bytes = req->max_bytes ? req->max_bytes : sink ? HTTP_SINK_ERROR_BYTES : HTTP_DEFAULT_MAX_BYTES;
	r->idle_ms = sink && req->idle_timeout_ms > 0 ? req->idle_timeout_ms : 0;
	r->started = loop_now_ms();
	url_where(r, req->url, req->connect_to);

	r->easy = curl_easy_init();
	if (!r->easy || !setup(r, req) || curl_multi_add_handle(http->multi, r->easy) != CURLM_OK) {
		request_free(r);
		return 0;
	}
	r->id = ++http->next_id;
	r->state = REQ_ACTIVE;
	r->next = http->active;
	if (http->active)
		http->active->prev = r;
	http->active = r;
	http->pending++;
	return r->id;
}

uint64_t http_request(struct http *http, const struct http_req *req, http_done_fn fn, void *arg)
{
	return start(http, req, NULL, NULL, fn, arg);
}

uint64_t http_request_sink(struct http *http, const struct http_req *req, const struct http_sink *sink, void *state,
                           http_done_fn fn, void *arg)
{
	return start(http, req, sink, state, fn, arg);
}

void http_forget(struct http *http, uint64_t id)
{
	for (struct request *r = http->active; r; r = r->next)
		if (r->id == id)
			r->fn = NULL;
	for (struct request *r = http->done_head; r; r = r->next)
		if (r->id == id)
			r->fn = NULL;
}
