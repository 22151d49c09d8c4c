/* Line streams: lines whatever the chunk boundaries, a cut line said as cut,
 * lines handed on while the answer is still open, a stream broken off
 * mid-line, an error answer's body, cancelling from a line's callback, a
 * fast server against a small read-ahead buffer, and the idle deadline. */
#define _GNU_SOURCE   /* memmem, accept4 */
#include "http_fixture.h"

/* ---- the assembler alone ---- */

struct got {
	char lines[64][128];
	bool cut[64], unterminated[64];
	size_t cut_bytes[64];
	size_t n;
};

static void got_line(const struct http_line *l, void *arg)
{
	struct got *g = arg;

	assert_true(g->n < 64);
	assert_int_equal(strlen(l->text), l->len);
	snprintf(g->lines[g->n], sizeof g->lines[0], "%s", l->text);
	g->cut[g->n] = l->cut;
	g->cut_bytes[g->n] = l->cut_bytes;
	g->unterminated[g->n] = l->unterminated;
	g->n++;
}

static void feed_in_pieces(struct http_lines *l, const char *text, const size_t *cuts, size_t ncuts, struct got *g)
{
	size_t at = 0, len = strlen(text);

	for (size_t i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : len;
		char *piece = malloc(to - at + 1);

		memcpy(piece, text + at, to - at);
		http_lines_feed(l, piece, to - at, got_line, g);
		/* the bytes are as they were after the call */
		assert_memory_equal(piece, text + at, to - at);
		free(piece);
		at = to;
	}
	http_lines_end(l, got_line, g);
}

static void lines_are_the_same_at_every_chunk_boundary(void **state)
{
	static const char text[] = "2025-01-02T03:04:05.000000001Z first\r\n\nthird line\nlast, no end";

	(void)state;
	for (size_t a = 0; a <= sizeof text - 1; a++) {
		for (size_t b = a; b <= sizeof text - 1; b += 3) {
			size_t cuts[2] = { a, b };
			struct http_lines *l = http_lines_new(0);
			struct got g = { 0 };

			feed_in_pieces(l, text, cuts, 2, &g);
			assert_int_equal(g.n, 4);
			assert_string_equal(g.lines[0], "2025-01-02T03:04:05.000000001Z first");
			assert_string_equal(g.lines[1], "");
			assert_string_equal(g.lines[2], "third line");
			assert_string_equal(g.lines[3], "last, no end");
			assert_false(g.unterminated[2]);
			assert_true(g.unterminated[3]);
			assert_false(g.cut[0] || g.cut[1] || g.cut[2] || g.cut[3]);
			http_lines_free(l);
		}
	}
}

static void a_long_line_is_cut_and_says_so(void **state)
{
	char text[200];
	struct got g = { 0 };
	struct http_lines *l = http_lines_new(10);
	size_t cuts[3] = { 3, 12, 40 };

	(void)state;
	memset(text, 'x', 50);
	memcpy(text + 50, "\nshort\n", 8);
	feed_in_pieces(l, text, cuts, 3, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.lines[0], "xxxxxxxxxx");
	assert_true(g.cut[0]);
	assert_int_equal(g.cut_bytes[0], 40);
	assert_string_equal(g.lines[1], "short");
	assert_false(g.cut[1]);
	http_lines_free(l);
}

/* ---- streams against a server on the loop ---- */

struct feed {
	struct fx *f;
	struct conn *c;
	const char *const *chunks;   /* NULL-terminated; each is one HTTP chunk */
	size_t next;
	int every_ms;
	bool cut_mid;                /* close without the last chunk's end */
	bool hang;                   /* after the chunks, say nothing and keep the connection */
	const char *status;          /* "200 OK" by default */
	char *out;                   /* written when the socket takes it: the client runs on this loop too */
	size_t outlen, outoff;
	bool close_after;
};

static bool conn_alive(struct srv *s, struct conn *c)
{
	for (struct conn *x = s->conns; x; x = x->next)
		if (x == c)
			return true;
	return false;
}

static void put(struct feed *fd, const char *s, size_t n)
{
	fd->out = realloc(fd->out, fd->outlen + n);
	memcpy(fd->out + fd->outlen, s, n);
	fd->outlen += n;
}

/* What the socket takes now; true when everything went. */
static bool push(struct feed *fd)
{
	while (fd->outoff < fd->outlen) {
		ssize_t w = send(fd->c->fd, fd->out + fd->outoff, fd->outlen - fd->outoff, MSG_NOSIGNAL);

		if (w <= 0)
			return false;
		fd->outoff += (size_t)w;
	}
	fd->outoff = fd->outlen = 0;
	if (fd->close_after) {
		conn_close(fd->c);
		fd->c = NULL;
	}
	return true;
}

static void put_chunk(struct feed *fd, const char *data)
{
	char head[32];

	snprintf(head, sizeof head, "%zx\r\n", strlen(data));
	put(fd, head, strlen(head));
	put(fd, data, strlen(data));
	put(fd, "\r\n", 2);
}

static void feed_tick(struct loop *loop, void *arg)
{
	struct feed *fd = arg;

	if (!fd->c || !conn_alive(fd->f->srv, fd->c))
		return;
	if (!push(fd)) {
		loop_timer_add(loop, 1, 0, feed_tick, fd);
		return;
	}
	if (!fd->c)
		return;
	if (fd->chunks[fd->next]) {
		const char *chunk = fd->chunks[fd->next++];

		if (!fd->chunks[fd->next] && fd->cut_mid) {
			put(fd, "ff\r\n", 4);   /* announces more than it sends */
			put(fd, chunk, strlen(chunk));
			fd->close_after = true;
		} else {
			put_chunk(fd, chunk);
		}
		loop_timer_add(loop, fd->every_ms, 0, feed_tick, fd);
		return;
	}
	if (fd->hang)
		return;
	put(fd, "0\r\n\r\n", 5);
	fd->close_after = true;
	loop_timer_add(loop, 0, 0, feed_tick, fd);
}

static bool stream_handler(struct conn *c, const char *method, const char *path, const char *body, size_t blen,
                           void *arg)
{
	struct feed *fd = arg;
	char head[256];

	if (strncmp(path, "/stream", 7) != 0)
		return false;
	c->hang = true;   /* the fixture must not answer this one itself */
	fd->c = c;
	snprintf(head, sizeof head, "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n",
	         fd->status ? fd->status : "200 OK");
	put(fd, head, strlen(head));
	loop_timer_add(c->srv->loop, 0, 0, feed_tick, fd);
	return true;
}

struct sres {
	struct result end;
	char lines[64][128];
	bool unterminated[64];
	size_t n;
	size_t count;                /* every line, when there are too many to keep */
	bool before_end;             /* a line came while the answer was still open */
	uint64_t id;
	struct fx *f;
	size_t cancel_after;         /* cancel from the callback after this many lines (0: never) */
	char expect_prefix[16];
	bool in_order;
};

static void sres_line(const struct http_line *l, void *arg)
{
	struct sres *s = arg;

	assert_false(s->end.done);
	if (s->n < 64) {
		snprintf(s->lines[s->n], sizeof s->lines[0], "%.*s", (int)l->len, l->text);
		s->unterminated[s->n] = l->unterminated;
		s->n++;
	}
	if (s->expect_prefix[0]) {
		char want[32];

		snprintf(want, sizeof want, "%s%zu ", s->expect_prefix, s->count);
		s->in_order = s->in_order && strncmp(l->text, want, strlen(want)) == 0;
	}
	s->count++;
	if (s->f && s->f->srv->conns)
		s->before_end = true;
	if (s->cancel_after && s->count == s->cancel_after)
		assert_true(http_cancel(s->f->http, s->id));
}

static uint64_t stream(struct fx *f, struct sres *s, const struct http_req *req)
{
	s->f = f;
	in_library_call = true;
	s->id = http_stream_start(f->http, req, sres_line, store_cb, &s->end);
	in_library_call = false;
	assert_int_not_equal(s->id, 0);
	return s->id;
}

static void lines_arrive_while_the_answer_is_open(void **state)
{
	struct fx *f = *state;
	static const char *const chunks[] = { "one\ntw", "o\nthr", "ee\n", "four\n", NULL };
	struct feed fd = { .f = f, .chunks = chunks, .every_ms = 30 };
	struct sres s = { 0 };
	struct http_req req = { .url = url(f, "/stream") };

	f->srv->handler = stream_handler;
	f->srv->handler_arg = &fd;
	stream(f, &s, &req);
	run(f, &s.end, 5000);
	assert_int_equal(s.end.calls, 1);
	assert_false(s.end.reentrant);
	assert_int_equal(s.end.err, HTTP_OK);
	assert_int_equal(s.end.status, 200);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.lines[0], "one");
	assert_string_equal(s.lines[1], "two");
	assert_string_equal(s.lines[2], "three");
	assert_string_equal(s.lines[3], "four");
	assert_true(s.before_end);
	free(fd.out);
	free(s.end.body);
}

static void a_stream_broken_off_mid_line_says_so(void **state)
{
	struct fx *f = *state;
	static const char *const chunks[] = { "whole\n", "half a li", NULL };
	struct feed fd = { .f = f, .chunks = chunks, .every_ms = 10, .cut_mid = true };
	struct sres s = { 0 };
	struct http_req req = { .url = url(f, "/stream") };

	f->srv->handler = stream_handler;
	f->srv->handler_arg = &fd;
	stream(f, &s, &req);
	run(f, &s.end, 5000);
	assert_int_not_equal(s.end.err, HTTP_OK);
	assert_non_null(strstr(s.end.errmsg, "127.0.0.1"));
	assert_int_equal(s.n, 2);
	assert_string_equal(s.lines[0], "whole");
	assert_false(s.unterminated[0]);
	/* the part that came is handed on, marked as such: the reader drops or keeps it */
	assert_string_equal(s.lines[1], "half a li");
	assert_true(s.unterminated[1]);
	free(fd.out);
	free(s.end.body);
}

static void an_error_answer_gives_its_body_and_no_lines(void **state)
{
	struct fx *f = *state;
	static const char *const chunks[] = { "{\"kind\":\"Status\",\"code\":400,\"message\":\"previous terminated "
	                                      "container not found\"}\n", NULL };
	struct feed fd = { .f = f, .chunks = chunks, .every_ms = 1, .status = "400 Bad Request" };
	struct sres s = { 0 };
	struct http_req req = { .url = url(f, "/stream") };

	f->srv->handler = stream_handler;
	f->srv->handler_arg = &fd;
	stream(f, &s, &req);
	run(f, &s.end, 5000);
	assert_int_equal(s.end.err, HTTP_OK);
	assert_int_equal(s.end.status, 400);
	assert_int_equal(s.n, 0);
	assert_non_null(strstr(s.end.body, "previous terminated container not found"));
	free(fd.out);
	free(s.end.body);
}

static void cancel_from_a_line_stops_the_lines_at_once(void **state)
{
	struct fx *f = *state;
	static const char *const chunks[] = { "a\nb\nc\nd\ne\n", "f\n", NULL };
	struct feed fd = { .f = f, .chunks = chunks, .every_ms = 10, .hang = true };
	struct sres s = { .cancel_after = 2 };
	struct http_req req = { .url = url(f, "/stream") };

	f->srv->handler = stream_handler;
	f->srv->handler_arg = &fd;
	stream(f, &s, &req);
	run(f, &s.end, 5000);
	assert_int_equal(s.end.calls, 1);
	assert_int_equal(s.end.err, HTTP_ECANCELLED);
	assert_int_equal(s.count, 2);
	assert_int_equal(http_pending(f->http), 0);
	free(fd.out);
	free(s.end.body);
}

/* 40,000 numbered lines, about 1.6 MB, through a 16 KiB read-ahead buffer:
 * every line once, in order (the transfer waits for the callbacks). */
static void a_fast_server_and_a_small_buffer_lose_nothing(void **state)
{
	struct fx *f = *state;
	enum { LINES = 40000, PER = 2000 };
	char *chunks_text[LINES / PER];
	const char *chunks[LINES / PER + 1];
	struct feed fd = { .f = f, .chunks = chunks, .every_ms = 0 };
	struct sres s = { .in_order = true };
	struct http_req req = { .url = url(f, "/stream"), .max_buffer = 16 << 10 };

	for (size_t i = 0; i < LINES / PER; i++) {
		size_t n = 0;

		chunks_text[i] = malloc(PER * 48);
		for (size_t k = 0; k < PER; k++)
			n += (size_t)sprintf(chunks_text[i] + n, "line %zu of the fast stream, some words\n", i * PER + k);
		chunks[i] = chunks_text[i];
	}
	chunks[LINES / PER] = NULL;
	snprintf(s.expect_prefix, sizeof s.expect_prefix, "line ");
	f->srv->handler = stream_handler;
	f->srv->handler_arg = &fd;
	stream(f, &s, &req);
	run(f, &s.end, 20000);
	assert_int_equal(s.end.err, HTTP_OK);
	assert_int_equal(s.count, LINES);
	assert_true(s.in_order);
	for (size_t i = 0; i < LINES / PER; i++)
		free(chunks_text[i]);
	free(fd.out);
	free(s.end.body);
}

static void a_silent_stream_ends_at_its_idle_deadline_in_words(void **state)
{
	struct fx *f = *state;
	static const char *const chunks[] = { "hello\n", NULL };
	struct feed fd = { .f = f, .chunks = chunks, .every_ms = 1, .hang = true };
	struct sres s = { 0 };
	struct http_req req = { .url = url(f, "/stream"), .idle_timeout_ms = 1000 };

	f->srv->handler = stream_handler;
	f->srv->handler_arg = &fd;
	stream(f, &s, &req);
	run(f, &s.end, 15000);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.end.err, HTTP_ETIMEOUT);
	assert_non_null(strstr(s.end.errmsg, "nothing from 127.0.0.1"));
	/* curl judges the speed over its last five seconds */
	assert_true(s.end.elapsed_ms >= 900 && s.end.elapsed_ms < 12000);
	free(fd.out);
	free(s.end.body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_are_the_same_at_every_chunk_boundary),
		cmocka_unit_test(a_long_line_is_cut_and_says_so),
		cmocka_unit_test_setup_teardown(lines_arrive_while_the_answer_is_open, setup, teardown),
		cmocka_unit_test_setup_teardown(a_stream_broken_off_mid_line_says_so, setup, teardown),
		cmocka_unit_test_setup_teardown(an_error_answer_gives_its_body_and_no_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(cancel_from_a_line_stops_the_lines_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(a_fast_server_and_a_small_buffer_lose_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(a_silent_stream_ends_at_its_idle_deadline_in_words, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
