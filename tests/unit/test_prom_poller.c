/* The golden signals from a Prometheus stand-in on the loop, as the overview
 * and `warroom status` read them: NaN, +Inf and an empty answer each kept
 * apart with the query that gave it (never one bare "no value"), an error
 * ratio with no error series is 0 while requests are counted and no data
 * when they are not, and a Prometheus whose answers cannot be read is not
 * up, however promptly it answers. */
#define _GNU_SOURCE   /* memmem, accept4 */
#include "http_fixture.h"

#include <math.h>

#include <cJSON.h>

#include "warroom/config.h"
#include "warroom/model.h"
#include "warroom/prom.h"
#include "warroom/source.h"

/* The answer (a JSON body, status 200 unless it is Prometheus' error) of each
 * signal's query; NULL: an empty vector. */
struct stand_in {
	const char *rps, *errors, *p95, *p99, *queue;
	int status;
};

static const char *answer_for(const struct stand_in *s, const char *form)
{
	if (strstr(form, "0.95"))
		return s->p95;
	if (strstr(form, "0.99"))
		return s->p99;
	if (strstr(form, "offline_queue_depth"))
		return s->queue;
	if (strstr(form, "status"))
		return s->errors;
	return s->rps;
}

static bool handler(struct conn *c, const char *method, const char *path, const char *body, size_t blen, void *arg)
{
	const struct stand_in *s = arg;
	const char *form = strchr(path, '?') ? strchr(path, '?') + 1 : body;
	const char *a;
	char out[512];

	(void)method;
	(void)blen;
	if (strncmp(path, "/api/v1/query", 13) != 0)
		return false;
	a = answer_for(s, form ? form : "");
	if (!a)
		a = "[]";
	if (a[0] == '[')   /* a vector's result */
		snprintf(out, sizeof out, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":%s}}", a);
	else
		snprintf(out, sizeof out, "%s", a);
	respond(c, s->status ? s->status : 200, "Content-Type: application/json\r\n", out, strlen(out), true);
	return true;
}

struct round {
	bool done, ok;
	char err[300];
};

static void on_round(bool ok, const char *err, void *arg)
{
	struct round *r = arg;

	r->done = true;
	r->ok = ok;
	snprintf(r->err, sizeof r->err, "%s", err ? err : "");
}

/* One round of the poller against the stand-in; the metrics it left. */
static struct model_metrics *poll_once(struct fx *f, struct stand_in *s, struct round *r, enum source_state *st)
{
	struct model_metrics *mm = calloc(1, sizeof *mm);
	struct config_endpoint ep = { 0 };
	struct prom_poller *pp;
	struct prom *p;
	char err[300];
	int64_t until = loop_now_ms() + 5000;

	assert_non_null(mm);
	f->srv->handler = handler;
	f->srv->handler_arg = s;
	snprintf(ep.url, sizeof ep.url, "http://127.0.0.1:%d", f->srv->port);
	p = prom_new(f->http, &ep, err, sizeof err);
	assert_non_null(p);
	pp = prom_poller_new(f->loop, p, mm, on_round, r);
	assert_non_null(pp);
	memset(r, 0, sizeof *r);
	source_refresh(prom_poller_source(pp));
	while (!r->done && loop_now_ms() < until)
		loop_run_once(f->loop, 20);
	assert_true(r->done);
	*st = source_state(prom_poller_source(pp));
	prom_poller_stop(pp);
	prom_poller_free(pp);
	prom_free(p);
	return mm;
}

#define ONE(v) "[{\"metric\":{},\"value\":[1,\"" v "\"]}]"

static void nan_infinity_and_nothing_are_each_said_with_their_query(void **state)
{
	struct fx *f = *state;
	struct stand_in s = { .rps = ONE("20"), .errors = NULL, .p95 = ONE("NaN"), .p99 = ONE("+Inf"), .queue = NULL };
	struct round r;
	enum source_state st;
	struct model_metrics *mm = poll_once(f, &s, &r, &st);

	assert_true(r.ok);
	assert_int_equal(st, SRC_UP);   /* it answered, and every answer could be read */
	assert_int_equal(mm->s[MET_RPS].answer, MODEL_ANS_VALUE);
	assert_true(mm->s[MET_RPS].last == 20);
	/* no 5xx series yet while requests are counted: a ratio of 0, not a gap */
	assert_int_equal(mm->s[MET_ERRORS].answer, MODEL_ANS_ZERO);
	assert_true(mm->s[MET_ERRORS].last == 0);
	assert_int_equal(mm->s[MET_P95].answer, MODEL_ANS_NAN);
	assert_true(isnan(mm->s[MET_P95].last));
	assert_string_equal(mm->s[MET_P95].query, prom_signal_query(MET_P95));
	assert_int_equal(mm->s[MET_P99].answer, MODEL_ANS_VALUE);
	assert_true(isinf(mm->s[MET_P99].last) && mm->s[MET_P99].last > 0);
	assert_int_equal(mm->s[MET_QUEUE].answer, MODEL_ANS_EMPTY);
	assert_string_equal(mm->s[MET_QUEUE].query, "sum(offline_queue_depth)");
	assert_string_equal(mm->s[MET_QUEUE].error, "");
	free(mm);

	/* no request rate either: the ratio is not known, it is no data */
	s.rps = NULL;
	mm = poll_once(f, &s, &r, &st);
	assert_int_equal(mm->s[MET_RPS].answer, MODEL_ANS_EMPTY);
	assert_int_equal(mm->s[MET_ERRORS].answer, MODEL_ANS_EMPTY);
	assert_true(isnan(mm->s[MET_ERRORS].last));
	/* a request rate of NaN is no known rate either */
	free(mm);
	s.rps = ONE("NaN");
	mm = poll_once(f, &s, &r, &st);
	assert_int_equal(mm->s[MET_ERRORS].answer, MODEL_ANS_EMPTY);
	free(mm);
	s.rps = ONE("-Inf");
	mm = poll_once(f, &s, &r, &st);
	assert_int_equal(mm->s[MET_RPS].answer, MODEL_ANS_VALUE);
	assert_true(isinf(mm->s[MET_RPS].last) && mm->s[MET_RPS].last < 0);
	assert_int_equal(mm->s[MET_ERRORS].answer, MODEL_ANS_EMPTY);
	free(mm);
}

static void answers_nobody_can_read_leave_the_source_down(void **state)
{
	struct fx *f = *state;
	const char *bad_data = "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 5\"}";
	const char *number = "[{\"metric\":{},\"value\":[1,7]}]";
	struct stand_in s = { .rps = bad_data, .errors = bad_data, .p95 = bad_data, .p99 = bad_data,
	                      .queue = bad_data, .status = 400 };
	struct round r;
	enum source_state st;
	struct model_metrics *mm = poll_once(f, &s, &r, &st);

	/* Prometheus answered every query, but nothing it said can be used */
	assert_false(r.ok);
	assert_int_equal(st, SRC_DOWN);
	assert_non_null(strstr(r.err, "bad_data: parse error at char 5"));
	assert_int_equal(mm->s[MET_P95].answer, MODEL_ANS_FAILED);
	assert_int_equal(mm->updated_ms, 0);
	free(mm);

	/* values of the wrong JSON type */
	s = (struct stand_in){ .rps = number, .errors = number, .p95 = number, .p99 = number, .queue = number };
	mm = poll_once(f, &s, &r, &st);
	assert_false(r.ok);
	assert_int_equal(st, SRC_DOWN);
	assert_non_null(strstr(r.err, "value is a number, not a string"));
	free(mm);

	/* one query the server refuses among good ones: up, and that signal says why */
	s = (struct stand_in){ .rps = ONE("20"), .errors = ONE("0.01"), .p95 = number, .p99 = ONE("0.2"),
	                       .queue = ONE("0") };
	mm = poll_once(f, &s, &r, &st);
	assert_true(r.ok);
	assert_int_equal(st, SRC_UP);
	assert_int_equal(mm->s[MET_P95].answer, MODEL_ANS_FAILED);
	assert_non_null(strstr(mm->s[MET_P95].error, "not a string"));
	assert_int_equal(mm->s[MET_ERRORS].answer, MODEL_ANS_VALUE);
	free(mm);
}

/* A series named as the two readers expect it: a Grafana variable's value
 * as it is, and `warroom query`'s table as Prometheus quotes it, so a label
 * value holding a quote or a line end cannot end the name early. */
static void a_series_is_named_for_grafana_and_for_the_table(void **state)
{
	(void)state;
	cJSON *m = cJSON_Parse("{\"__name__\":\"up\",\"job\":\"api\",\"msg\":\"a\\\"b\\nc\"}");
	char *g = prom_series_text(m, false), *t = prom_series_text(m, true);

	assert_string_equal(g, "up{job=\"api\",msg=\"a\"b\nc\"}");
	assert_string_equal(t, "up{job=\"api\", msg=\"a\\\"b\\nc\"}");
	free(g);
	free(t);
	cJSON_Delete(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(nan_infinity_and_nothing_are_each_said_with_their_query, setup, teardown),
		cmocka_unit_test_setup_teardown(answers_nobody_can_read_leave_the_source_down, setup, teardown),
		cmocka_unit_test(a_series_is_named_for_grafana_and_for_the_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
