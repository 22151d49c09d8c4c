/* The HTTP tests' fixture: a small server driven by the same loop on
 * 127.0.0.1 (no threads), and a callback that records what arrived. */
#ifndef WARROOM_HTTP_FIXTURE_H
#define WARROOM_HTTP_FIXTURE_H

#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "warroom/http.h"
#include "warroom/loop.h"

/* ---- the in-loop test server ---- */

struct conn {
	struct srv *srv;
	struct conn *next;
	int fd;
	char in[65536];
	size_t inlen;
	char *out;
	size_t outlen, outoff;
	bool hang;
};

struct conn;
/* A test's own answers: true when it answered (or will) for this request. */
typedef bool (*srv_handler_fn)(struct conn *c, const char *method, const char *path, const char *body,
                               size_t blen, void *arg);

struct srv {
	struct loop *loop;
	srv_handler_fn handler;   /* asked first; NULL: the paths below */
	void *handler_arg;
	int lfd;
	int port;
	struct conn *conns;
	int accepted, answered;
	char last[65536];     /* the last complete request, raw */
	size_t lastlen;
	size_t big;           /* body size for /big and /bignolen */
};

static inline void conn_close(struct conn *c)
{
	struct srv *s = c->srv;
	for (struct conn **pp = &s->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	loop_fd_del(s->loop, c->fd);
	close(c->fd);
	free(c->out);
	free(c);
}

static inline void respond(struct conn *c, int status, const char *extra, const char *body,
                    size_t blen, bool with_length)
{
	char head[512];
	int n = snprintf(head, sizeof head,
	                 "HTTP/1.1 %d X\r\nConnection: close\r\n%s", status, extra ? extra : "");
	if (with_length)
		n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n", blen);
	n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
	c->outlen = (size_t)n + blen;
	c->out = malloc(c->outlen);
	assert_non_null(c->out);
	memcpy(c->out, head, (size_t)n);
	if (blen)
		memcpy(c->out + n, body, blen);
	c->srv->answered++;
	loop_fd_set_events(c->srv->loop, c->fd, POLLOUT);
}

static inline void handle(struct conn *c, const char *method, const char *path, const char *body, size_t blen)
{
	struct srv *s = c->srv;
	if (s->handler && s->handler(c, method, path, body, blen, s->handler_arg))
		return;
	if (strncmp(path, "/ok", 3) == 0) {
		respond(c, 200, "Content-Type: text/plain\r\n", "hello world", 11, true);
	} else if (strcmp(path, "/fail") == 0) {
		respond(c, 500, "Content-Type: text/plain\r\n", "boom", 4, true);
	} else if (strcmp(path, "/hang") == 0) {
		c->hang = true;
	} else if (strcmp(path, "/big") == 0 || strcmp(path, "/bignolen") == 0) {
		char *b = malloc(s->big);
		assert_non_null(b);
		memset(b, 'x', s->big);
		respond(c, 200, NULL, b, s->big, strcmp(path, "/big") == 0);
		free(b);
	} else if (strcmp(path, "/echo") == 0) {
		respond(c, 200, "Content-Type: application/octet-stream\r\n", body, blen, true);
	} else {
		respond(c, 404, NULL, "", 0, true);
	}
}

/* Waits for the whole request (headers and Content-Length body). */
static inline void try_parse(struct conn *c)
{
	if (c->inlen > 0 && (unsigned char)c->in[0] == 0x16) {
		/* a TLS ClientHello on this plain port */
		respond(c, 400, NULL, "", 0, true);
		return;
	}
	char *end = memmem(c->in, c->inlen, "\r\n\r\n", 4);
	if (!end)
		return;
	size_t hlen = (size_t)(end - c->in) + 4;
	size_t clen = 0;
	char *cl = memmem(c->in, hlen, "Content-Length: ", 16);
	if (cl)
		clen = strtoul(cl + 16, NULL, 10);
	if (c->inlen < hlen + clen)
		return;
	struct srv *s = c->srv;
	memcpy(s->last, c->in, c->inlen);
	s->lastlen = c->inlen;
	char method[16], path[8192];
	assert_int_equal(sscanf(c->in, "%15s %8191s", method, path), 2);
	handle(c, method, path, c->in + hlen, clen);
}

static inline void conn_cb(struct loop *loop, int fd, short revents, void *arg)
{
	struct conn *c = arg;
	if (revents & POLLOUT) {
		while (c->outoff < c->outlen) {
			ssize_t n = send(fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return;
			if (n <= 0) {
				conn_close(c);   /* the client went away (size limit) */
				return;
			}
			c->outoff += (size_t)n;
		}
		conn_close(c);
		return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		ssize_t n = read(fd, c->in + c->inlen, sizeof c->in - 1 - c->inlen);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			conn_close(c);
			return;
		}
		c->inlen += (size_t)n;
		if (!c->out && !c->hang)
			try_parse(c);
	}
}

static inline void accept_cb(struct loop *loop, int fd, short revents, void *arg)
{
	struct srv *s = arg;
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			return;
		struct conn *c = calloc(1, sizeof *c);
		assert_non_null(c);
		c->srv = s;
		c->fd = cfd;
		c->next = s->conns;
		s->conns = c;
		s->accepted++;
		loop_fd_add(loop, cfd, POLLIN, conn_cb, c);
	}
}

static inline int listen_loopback(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t al = sizeof a;
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static inline struct srv *srv_start(struct loop *loop)
{
	struct srv *s = calloc(1, sizeof *s);
	assert_non_null(s);
	s->loop = loop;
	s->lfd = listen_loopback(&s->port);
	assert_int_equal(listen(s->lfd, 128), 0);
	loop_fd_add(loop, s->lfd, POLLIN, accept_cb, s);
	return s;
}

static inline void srv_free(struct srv *s)
{
	while (s->conns)
		conn_close(s->conns);
	loop_fd_del(s->loop, s->lfd);
	close(s->lfd);
	free(s);
}

/* A port that was bound and closed again: nothing listens there. */
static inline int closed_port(void)
{
	int port;
	int fd = listen_loopback(&port);
	close(fd);
	return port;
}

/* ---- fixtures and a recording callback ---- */

struct fx {
	struct loop *loop;
	struct http *http;
	struct srv *srv;
	char url[256];
	pid_t tls_pid[2];     /* openssl s_server children of the TLS case */
	char tmp[256];
};

static inline int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	f->loop = loop_new();
	f->http = http_new(f->loop);
	f->srv = srv_start(f->loop);
	*state = f;
	return f->loop && f->http ? 0 : -1;
}

static inline int teardown(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 2; i++) {
		if (f->tls_pid[i] > 0) {
			kill(f->tls_pid[i], SIGTERM);
			waitpid(f->tls_pid[i], NULL, 0);
		}
	}
	if (f->tmp[0])
		testutil_rmtree(f->tmp);
	http_free(f->http);
	srv_free(f->srv);
	loop_free(f->loop);
	free(f);
	return 0;
}

static inline const char *url(struct fx *f, const char *path)
{
	snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d%s", f->srv->port, path);
	return f->url;
}

struct result {
	bool done;
	int calls;
	bool reentrant;
	enum http_err err;
	long status;
	char errmsg[1024];
	char *body;
	size_t len;
	char ctype[128];
	int64_t elapsed_ms;
};

static bool in_library_call;   /* set around http_request / http_cancel */

static inline void store_cb(const struct http_resp *resp, void *arg)
{
	struct result *r = arg;
	r->calls++;
	r->done = true;
	r->reentrant = r->reentrant || in_library_call;
	r->err = resp->err;
	r->status = resp->status;
	snprintf(r->errmsg, sizeof r->errmsg, "%s", resp->errmsg);
	free(r->body);
	r->body = malloc(resp->len + 1);
	memcpy(r->body, resp->body, resp->len + 1);
	r->len = resp->len;
	snprintf(r->ctype, sizeof r->ctype, "%s", resp->content_type ? resp->content_type : "");
	r->elapsed_ms = resp->elapsed_ms;
}

static inline uint64_t start(struct fx *f, const struct http_req *req, struct result *r)
{
	in_library_call = true;
	uint64_t id = http_request(f->http, req, store_cb, r);
	in_library_call = false;
	assert_int_equal(r->calls, 0);   /* never called back from inside */
	return id;
}

static inline void run(struct fx *f, struct result *r, int64_t limit_ms)
{
	assert_int_equal(loop_run_until(f->loop, (volatile bool *)&r->done, limit_ms), 0);
}


#endif
