/* HTTP on the loop, against a server driven by the same loop: responses,
 * errors in words, deadlines that do not stall timers, cancellation, size
 * limits, headers, concurrency. */
#define _GNU_SOURCE   /* memmem, accept4 */
#include "http_fixture.h"

/* ---- cases ---- */

static void test_200_with_body(void **state)
{
	struct fx *f = *state;
	struct result r = { 0 };
	struct http_req req = { .url = url(f, "/ok") };
	assert_int_not_equal(start(f, &req, &r), 0);
	assert_int_equal(http_pending(f->http), 1);
	run(f, &r, 3000);
	assert_int_equal(r.calls, 1);
	assert_false(r.reentrant);
	assert_int_equal(r.err, HTTP_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "hello world");
	assert_int_equal(r.len, 11);
	assert_string_equal(r.ctype, "text/plain");
	assert_string_equal(r.errmsg, "");
	assert_true(strstr(f->srv->last, "GET /ok HTTP/1.1") == f->srv->last);
	assert_int_equal(http_pending(f->http), 0);
	free(r.body);
}

static void test_500_is_a_response(void **state)
{
	struct fx *f = *state;
	struct result r = { 0 };
	struct http_req req = { .url = url(f, "/fail") };
	start(f, &req, &r);
	run(f, &r, 3000);
	assert_int_equal(r.err, HTTP_OK);
	assert_int_equal(r.status, 500);
	assert_string_equal(r.body, "boom");
	free(r.body);
}

static void test_connection_refused_in_words(void **state)
{
	struct fx *f = *state;
	int port = closed_port();
	char u[128], want[128];
	snprintf(u, sizeof u, "http://127.0.0.1:%d/api/v1/query", port);
	snprintf(want, sizeof want, "connection refused by 127.0.0.1:%d", port);
	struct result r = { 0 };
	struct http_req req = { .url = u };
	start(f, &req, &r);
	run(f, &r, 3000);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.err, HTTP_ECONNECT);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.errmsg, want);
	free(r.body);
}

/* The deadline: a server that accepts and never answers fails the request
 * at its timeout while an interval timer on the same loop keeps its beat. */
struct beat {
	int64_t at[64];
	int n;
};

static void beat_cb(struct loop *loop, void *arg)
{
	struct beat *b = arg;
	if (b->n < 64)
		b->at[b->n++] = loop_now_ms();
}

static void test_hung_server_times_out_while_timers_keep_firing(void **state)
{
	struct fx *f = *state;
	struct beat b = { { 0 }, 0 };
	int64_t t0 = loop_now_ms();
	uint64_t tick = loop_timer_add(f->loop, 100, 100, beat_cb, &b);
	struct result r = { 0 };
	struct http_req req = { .url = url(f, "/hang"), .timeout_ms = 300 };
	start(f, &req, &r);
	run(f, &r, 3000);
	int64_t took = loop_now_ms() - t0;
	/* a little longer so the beat is measured on both sides of the failure */
	volatile bool never = false;
	loop_run_until(f->loop, &never, 250);
	loop_timer_cancel(f->loop, tick);

	assert_int_equal(f->srv->accepted, 1);
	assert_int_equal(r.err, HTTP_ETIMEOUT);
	assert_true(took >= 280 && took <= 600);
	assert_true(r.elapsed_ms >= 280 && r.elapsed_ms <= 600);
	char want[128];
	snprintf(want, sizeof want, "timed out after 0.3 s waiting for 127.0.0.1:%d", f->srv->port);
	assert_string_equal(r.errmsg, want);

	assert_true(b.n >= 2);
	int64_t gap = b.at[0] - t0;
	for (int i = 1; i < b.n; i++)
		if (b.at[i] - b.at[i - 1] > gap)
			gap = b.at[i] - b.at[i - 1];
	print_message("deadline 300 ms: failed after %lld ms (elapsed_ms %lld); "
	              "%d ticks of 100 ms, largest gap %lld ms\n",
	              (long long)took, (long long)r.elapsed_ms, b.n, (long long)gap);
	assert_true(gap <= 150);
	free(r.body);
}

static void cancel_cb(struct loop *loop, void *arg)
{
	void **pair = arg;
	struct fx *f = pair[0];
	uint64_t *id = pair[1];
	struct result *r = pair[2];
	in_library_call = true;
	assert_true(http_cancel(f->http, *id));
	in_library_call = false;
	assert_int_equal(r->calls, 0);   /* deferred to the loop */
}

static void test_cancel_calls_back_once_from_the_loop(void **state)
{
	struct fx *f = *state;
	struct result r = { 0 };
	struct http_req req = { .url = url(f, "/hang"), .timeout_ms = 5000 };
	uint64_t id = start(f, &req, &r);
	assert_int_not_equal(id, 0);
	void *pair[3] = { f, &id, &r };
	loop_timer_add(f->loop, 50, 0, cancel_cb, pair);
	run(f, &r, 2000);
	assert_int_equal(r.err, HTTP_ECANCELLED);
	assert_true(r.elapsed_ms < 1000);
	assert_false(r.reentrant);
	assert_false(http_cancel(f->http, id));   /* already done */
	volatile bool never = false;
	loop_run_until(f->loop, &never, 100);
	assert_int_equal(r.calls, 1);
	assert_int_equal(http_pending(f->http), 0);

	/* cancelled before the loop ever ran it */
	struct result r2 = { 0 };
	uint64_t id2 = start(f, &req, &r2);
	in_library_call = true;
	assert_true(http_cancel(f->http, id2));
	in_library_call = false;
	assert_int_equal(r2.calls, 0);
	run(f, &r2, 1000);
	assert_int_equal(r2.calls, 1);
	assert_false(r2.reentrant);
	assert_int_equal(r2.err, HTTP_ECANCELLED);
	assert_false(http_cancel(f->http, 999999));
	free(r.body);
	free(r2.body);
}

static void test_body_over_max_bytes(void **state)
{
	struct fx *f = *state;
	f->srv->big = 1 << 20;
	/* announced by Content-Length, and streamed until close without one */
	const char *paths[] = { "/big", "/bignolen" };
	for (int i = 0; i < 2; i++) {
		struct result r = { 0 };
		struct http_req req = { .url = url(f, paths[i]), .max_bytes = 64 * 1024 };
		start(f, &req, &r);
		run(f, &r, 3000);
		assert_int_equal(r.err, HTTP_ETOOBIG);
		assert_non_null(strstr(r.errmsg, "response larger than 64 KiB"));
		assert_true(r.len <= 64 * 1024);
		free(r.body);
	}
}

/* A chunked answer that stops half way: said in words, not in curl's. */
static bool cut_handler(struct conn *c, const char *method, const char *path, const char *body, size_t blen,
                        void *arg)
{
	static const char half[] = "20\r\n{\"status\":\"success\",";

	(void)method; (void)path; (void)body; (void)blen; (void)arg;
	respond(c, 200, "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n", half, sizeof half - 1,
	        false);
	return true;
}

static void test_answer_cut_half_way_in_words(void **state)
{
	struct fx *f = *state;
	struct result r = { 0 };
	struct http_req req = { .url = url(f, "/cut") };

	f->srv->handler = cut_handler;
	start(f, &req, &r);
	run(f, &r, 3000);
	assert_int_equal(r.err, HTTP_EOTHER);
	assert_non_null(strstr(r.errmsg, "cut off before its end"));
	assert_non_null(strstr(r.errmsg, "127.0.0.1"));
	free(r.body);
}

static void test_exact_limit_passes(void **state)
{
	struct fx *f = *state;
	f->srv->big = 64 * 1024;
	struct result r = { 0 };
	struct http_req req = { .url = url(f, "/bignolen"), .max_bytes = 64 * 1024 };
	start(f, &req, &r);
	run(f, &r, 3000);
	assert_int_equal(r.err, HTTP_OK);
	assert_int_equal(r.len, 64 * 1024);
	assert_int_equal(r.body[r.len - 1], 'x');
	free(r.body);
}

static void test_post_body_and_headers_reach_the_server(void **state)
{
	struct fx *f = *state;
	const char *hdrs[] = { "X-Trace: abc-123", "Accept: application/json", NULL };
	struct result r = { 0 };
	struct http_req req = {
		.url = url(f, "/echo"),
		.body = "{\"spec\":{\"selector\":{\"slot\":\"blue\"}}}",
		.content_type = "application/merge-patch+json",
		.method = "PATCH",
		.headers = hdrs,
		.bearer_token = "tok-SECRET-123",
	};
	start(f, &req, &r);
	run(f, &r, 3000);
	assert_int_equal(r.status, 200);
	const char *seen = f->srv->last;
	assert_true(strncmp(seen, "PATCH /echo HTTP/1.1\r\n", 22) == 0);
	assert_non_null(strstr(seen, "\r\nAuthorization: Bearer tok-SECRET-123\r\n"));
	assert_non_null(strstr(seen, "\r\nContent-Type: application/merge-patch+json\r\n"));
	assert_non_null(strstr(seen, "\r\nX-Trace: abc-123\r\n"));
	assert_non_null(strstr(seen, "\r\nAccept: application/json\r\n"));
	assert_null(strstr(seen, "Expect:"));
	assert_null(strstr(seen, "Accept-Encoding:"));   /* direct: the server spends no CPU on gzip */
	assert_non_null(strstr(seen, "\r\n\r\n{\"spec\":{\"selector\":{\"slot\":\"blue\"}}}"));
	assert_string_equal(r.body, req.body);
	free(r.body);

	/* a body with NULs is sent whole; no method given means POST */
	static const char bin[] = { 'a', 0, 'b', 0, 'c' };
	struct result r2 = { 0 };
	struct http_req req2 = { .url = url(f, "/echo"), .body = bin, .body_len = sizeof bin };
	start(f, &req2, &r2);
	run(f, &r2, 3000);
	assert_true(strncmp(f->srv->last, "POST /echo HTTP/1.1\r\n", 21) == 0);
	assert_int_equal(r2.len, sizeof bin);
	assert_memory_equal(r2.body, bin, sizeof bin);
	free(r2.body);

	/* DELETE without a body */
	struct result r3 = { 0 };
	struct http_req req3 = { .url = url(f, "/ok"), .method = "DELETE" };
	start(f, &req3, &r3);
	run(f, &r3, 3000);
	assert_true(strncmp(f->srv->last, "DELETE /ok HTTP/1.1\r\n", 21) == 0);
	free(r3.body);
}

static void test_token_never_in_error_text(void **state)
{
	struct fx *f = *state;
	const char *tok = "tok-SECRET-123";
	char refused[128], tls[128], creds[128];
	int port = closed_port();
	snprintf(refused, sizeof refused, "http://127.0.0.1:%d/x", port);
	snprintf(tls, sizeof tls, "https://127.0.0.1:%d/ok", f->srv->port);
	snprintf(creds, sizeof creds, "http://admin:pw-SECRET-9@127.0.0.1:%d/x", port);
	f->srv->big = 4096;
	const char *urls[] = { refused, url(f, "/hang"), tls, creds, NULL };
	char big[128];
	snprintf(big, sizeof big, "http://127.0.0.1:%d/big", f->srv->port);
	urls[4] = big;
	for (int i = 0; i < 5; i++) {
		struct result r = { 0 };
		struct http_req req = { .url = urls[i], .bearer_token = tok, .timeout_ms = 200,
		                        .max_bytes = 1024 };
		start(f, &req, &r);
		run(f, &r, 3000);
		assert_int_not_equal(r.err, HTTP_OK);
		assert_true(r.errmsg[0] != 0);
		assert_null(strstr(r.errmsg, tok));
		assert_null(strstr(r.errmsg, "SECRET"));
		free(r.body);
	}
}

static void test_fifty_concurrent_requests(void **state)
{
	struct fx *f = *state;
	enum { N = 50 };
	struct result r[N];
	memset(r, 0, sizeof r);
	char urls[N][128];
	for (int i = 0; i < N; i++) {
		snprintf(urls[i], sizeof urls[i], "http://127.0.0.1:%d/ok?n=%d", f->srv->port, i);
		struct http_req req = { .url = urls[i] };
		assert_int_not_equal(start(f, &req, &r[i]), 0);
	}
	assert_int_equal(http_pending(f->http), N);
	int64_t t0 = loop_now_ms();
	while (http_pending(f->http) > 0 && loop_now_ms() - t0 < 5000)
		loop_run_once(f->loop, 100);
	for (int i = 0; i < N; i++) {
		assert_int_equal(r[i].calls, 1);
		assert_int_equal(r[i].err, HTTP_OK);
		assert_int_equal(r[i].status, 200);
		assert_string_equal(r[i].body, "hello world");
		free(r[i].body);
	}
	assert_int_equal(f->srv->answered, N);
	print_message("50 concurrent requests in %lld ms\n", (long long)(loop_now_ms() - t0));
}

static void test_free_cancels_pending(void **state)
{
	struct fx *f = *state;
	struct result a = { 0 }, b = { 0 };
	struct http_req req = { .url = url(f, "/hang"), .timeout_ms = 5000 };
	start(f, &req, &a);
	start(f, &req, &b);
	volatile bool never = false;
	loop_run_until(f->loop, &never, 50);   /* both connected and waiting */
	http_free(f->http);
	f->http = http_new(f->loop);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	assert_int_equal(a.err, HTTP_ECANCELLED);
	assert_int_equal(b.err, HTTP_ECANCELLED);
	/* the loop is clean: nothing fires for the freed requests */
	loop_run_until(f->loop, &never, 50);
	assert_int_equal(a.calls, 1);
	free(a.body);
	free(b.body);
}

/* A callback that frees its own http: the rest are cancelled, nothing breaks. */
struct freeing {
	struct http *http;
	int calls;
	int cancelled;
};

static void freeing_cb(const struct http_resp *resp, void *arg)
{
	struct freeing *fr = arg;
	fr->calls++;
	if (resp->err == HTTP_ECANCELLED)
		fr->cancelled++;
	if (fr->http) {
		struct http *h = fr->http;
		fr->http = NULL;
		http_free(h);
	}
}

static void test_free_from_inside_a_callback(void **state)
{
	struct fx *f = *state;
	struct freeing fr = { f->http, 0, 0 };
	struct http_req ok = { .url = url(f, "/ok") };
	char hang[128];
	snprintf(hang, sizeof hang, "http://127.0.0.1:%d/hang", f->srv->port);
	struct http_req slow = { .url = hang, .timeout_ms = 5000 };
	assert_int_not_equal(http_request(f->http, &ok, freeing_cb, &fr), 0);
	assert_int_not_equal(http_request(f->http, &slow, freeing_cb, &fr), 0);
	int64_t t0 = loop_now_ms();
	while (fr.calls < 2 && loop_now_ms() - t0 < 3000)
		loop_run_once(f->loop, 100);
	assert_int_equal(fr.calls, 2);
	assert_int_equal(fr.cancelled, 1);
	f->http = http_new(f->loop);
}

static void test_bad_requests_do_not_start(void **state)
{
	struct fx *f = *state;
	struct result r = { 0 };
	struct http_req none = { .url = NULL };
	assert_int_equal(http_request(f->http, &none, store_cb, &r), 0);
	struct http_req ftp = { .url = "ftp://127.0.0.1/x" };
	uint64_t id = http_request(f->http, &ftp, store_cb, &r);
	if (id) {   /* refused by the protocol list at transfer time */
		run(f, &r, 2000);
		assert_int_not_equal(r.err, HTTP_OK);
	}
	volatile bool never = false;
	loop_run_until(f->loop, &never, 20);
	assert_int_equal(r.calls, id ? 1 : 0);
	free(r.body);
}

static void test_connect_to_routes_elsewhere(void **state)
{
	struct fx *f = *state;
	char u[128], ct[128];
	snprintf(u, sizeof u, "http://prometheus.internal:9090/ok");
	snprintf(ct, sizeof ct, "prometheus.internal:9090:127.0.0.1:%d", f->srv->port);
	struct result r = { 0 };
	struct http_req req = { .url = u, .connect_to = ct };
	start(f, &req, &r);
	run(f, &r, 3000);
	assert_int_equal(r.err, HTTP_OK);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(f->srv->last, "\r\nHost: prometheus.internal:9090\r\n"));
	/* through a tunnel the answer may come compressed */
	assert_non_null(strstr(f->srv->last, "\r\nAccept-Encoding: "));
	free(r.body);
}

static void test_https_to_a_plain_port_is_a_tls_error(void **state)
{
	struct fx *f = *state;
	char u[128];
	snprintf(u, sizeof u, "https://127.0.0.1:%d/ok", f->srv->port);
	struct result r = { 0 };
	struct http_req req = { .url = u, .timeout_ms = 2000 };
	start(f, &req, &r);
	run(f, &r, 3000);
	assert_int_equal(r.err, HTTP_ETLS);
	assert_true(strncmp(r.errmsg, "TLS: ", 5) == 0);
	char where[64];
	snprintf(where, sizeof where, "127.0.0.1:%d", f->srv->port);
	assert_non_null(strstr(r.errmsg, where));
	print_message("https to a plain port: %s\n", r.errmsg);
	free(r.body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_200_with_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_500_is_a_response, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_refused_in_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hung_server_times_out_while_timers_keep_firing,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_calls_back_once_from_the_loop, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_body_over_max_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_cut_half_way_in_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exact_limit_passes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_post_body_and_headers_reach_the_server, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_token_never_in_error_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifty_concurrent_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_cancels_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_from_inside_a_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests_do_not_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_to_routes_elsewhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_https_to_a_plain_port_is_a_tls_error, setup,
		                                teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
