/* A dashboard filled live from a Prometheus stand-in on the loop: the first
 * round asks for the whole range, later rounds for the newest points only
 * (nothing while no new step has come), a change of range asks for the
 * whole of it again; the queries of a round go out together but never more
 * than the bound at once, and a query several panels share goes once; a
 * failing query is named on its panel and the rest still draw. */
#define _GNU_SOURCE   /* memmem, accept4 */
#include "http_fixture.h"

#include <math.h>

#include "warroom/config.h"
#include "warroom/dashboard.h"
#include "warroom/prom.h"
#include "warroom/source.h"

#define NPANELS 20

struct req {
	double start, end, step;
	char query[256];
};

struct stand_in {
	struct conn *pending[64];
	int npending, max_pending;
	struct req got[256];
	int ngot;
	bool fail_b;          /* the query of panel 2 (expr "b") fails */
	bool down;            /* every query answered 503 by something not Prometheus */
};

static double arg_of(const char *q, const char *name)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof key, "%s=", name);
	for (p = q; (p = strstr(p, key)); p++)
		if (p == q || p[-1] == '&' || p[-1] == '?')
			return strtod(p + strlen(key), NULL);
	return NAN;
}

static bool handler(struct conn *c, const char *method, const char *path, const char *body, size_t blen, void *arg)
{
	struct stand_in *s = arg;
	const char *q = strchr(path, '?') ? strchr(path, '?') + 1 : body;
	struct req *r;

	(void)method;
	(void)blen;
	if (strncmp(path, "/api/v1/query_range", 19) != 0)
		return false;
	r = &s->got[s->ngot++ % 256];
	r->start = arg_of(q, "start");
	r->end = arg_of(q, "end");
	r->step = arg_of(q, "step");
	snprintf(r->query, sizeof r->query, "%s", strstr(q, "query=") ? strstr(q, "query=") + 6 : "");
	s->pending[s->npending++] = c;
	if (s->npending > s->max_pending)
		s->max_pending = s->npending;
	return true;   /* answered later, all at once: the queries in flight pile up */
}

static void answer_all(struct stand_in *s)
{
	for (int i = 0; i < s->npending; i++) {
		struct conn *c = s->pending[i];
		char body[512];
		bool b = strstr(c->in, "query=b0&") || strstr(c->in, "query=b0 ");

		if (s->down) {
			respond(c, 503, "Content-Type: text/plain\r\n", "no healthy upstream", 19, true);
			continue;
		}
		if (s->fail_b && b) {
			const char *e = "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"query timed out\"}";

			respond(c, 422, "Content-Type: application/json\r\n", e, strlen(e), true);
			continue;
		}
		snprintf(body, sizeof body, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
		         "{\"metric\":{\"job\":\"x\"},\"values\":[[%.3f,\"1\"],[%.3f,\"NaN\"],[%.3f,\"+Inf\"]]}]}}",
		         s->got[0].end - 30, s->got[0].end - 15, s->got[0].end);
		respond(c, 200, "Content-Type: application/json\r\n", body, strlen(body), true);
	}
	s->npending = 0;
}

struct round {
	bool done;
};

static void changed(struct dash_live *l, void *arg)
{
	struct round *r = arg;

	(void)l;
	r->done = true;
}

/* Runs the loop until the round ends, answering what piled up each pass. */
static void run_round(struct fx *f, struct stand_in *s, struct round *r)
{
	int64_t until = loop_now_ms() + 5000;

	while (!r->done && loop_now_ms() < until) {
		loop_run_once(f->loop, 20);
		if (s->npending) {
			for (int i = 0; i < 5; i++)
				loop_run_once(f->loop, 5);   /* let whatever else would be sent arrive */
			answer_all(s);
		}
	}
	assert_true(r->done);
}

static void write_dashboard(const char *path)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fprintf(fp, "{\"title\":\"Twenty\",\"uid\":\"tw-20\",\"panels\":[");
	for (int i = 0; i < NPANELS; i++)
		fprintf(fp, "%s{\"type\":\"timeseries\",\"title\":\"p%d\",\"gridPos\":{\"x\":0,\"y\":%d,\"w\":24,\"h\":8},"
		        "\"targets\":[{\"refId\":\"A\",\"expr\":\"%s%d\"}]}", i ? "," : "", i, i * 8, i == 2 ? "b" : "a",
		        i == 2 ? 0 : i);
	/* below the others, as Grafana orders panels by their place */
	fprintf(fp, ",{\"type\":\"stat\",\"title\":\"env\",\"gridPos\":{\"x\":0,\"y\":%d,\"w\":24,\"h\":4},"
	        "\"targets\":[{\"expr\":\"c{env=\\\"$env\\\"}\"}]}],", NPANELS * 8);
	fprintf(fp, "\"templating\":{\"list\":[{\"name\":\"env\",\"type\":\"custom\",\"query\":\"prod,staging\","
	        "\"current\":{\"value\":\"prod\"}}]}}");
	fclose(fp);
}

static void a_dashboard_fills_at_once_then_advances(void **state)
{
	struct fx *f = *state;
	struct stand_in s = { 0 };
	struct round r = { false };
	struct config_endpoint ep = { 0 };
	struct prom *p;
	struct dash_live *l;
	char err[300], dir[256], file[300];

	testutil_tmpdir(dir, sizeof dir);
	snprintf(file, sizeof file, "%s/twenty.json", dir);
	write_dashboard(file);
	f->srv->handler = handler;
	f->srv->handler_arg = &s;
	snprintf(ep.url, sizeof ep.url, "http://127.0.0.1:%d", f->srv->port);
	p = prom_new(f->http, &ep, err, sizeof err);
	assert_non_null(p);
	l = dash_live_new(f->loop, p, 15000, 4, changed, &r);
	assert_int_equal(dash_live_add(l, dir), 1);
	assert_int_equal(dash_live_find(l, "Twenty"), 0);
	assert_int_equal(dash_live_find(l, "tw-20"), 0);          /* by Grafana's uid, as the config may name it */
	assert_int_equal(dash_live_find(l, "twenty"), 0);         /* the file's name */
	assert_int_equal(dash_live_find(l, "tw-2"), -1);
	assert_int_equal(dash_live_select(l, 0), 0);
	s.fail_b = true;
	/* values from the config: only for variables the dashboard has */
	snprintf(l->vars, sizeof l->vars, "nosuch=1; env=staging");
	assert_int_equal(dash_live_select(l, 0), 0);
	assert_string_equal(dashboard_var(l->d, "env")->cur[0], "staging");

	/* the first round: every panel's whole hour, at most 4 in flight */
	source_refresh(dash_live_source(l));
	run_round(f, &s, &r);
	assert_int_equal(s.ngot, NPANELS + 1);
	assert_int_equal(s.max_pending, 4);
	for (int i = 0; i < s.ngot; i++) {
		assert_true(fabs(s.got[i].end - s.got[i].start - 3600) < 1);
		assert_true(s.got[i].step >= 15);                     /* never under the scrape interval */
		assert_true((s.got[i].end - s.got[i].start) / s.got[i].step <= 11000);
	}
	{
		bool staging = false;

		for (int i = 0; i < s.ngot; i++)
			staging = staging || strstr(s.got[i].query, "staging");
		assert_true(staging);   /* the config's value reached the query */
	}
	/* values as answered, NaN and +Inf included; the failing panel named */
	assert_int_equal(l->pd[0].nline, 1);
	assert_int_equal(l->pd[0].line[0].n, 3);
	assert_true(isnan(l->pd[0].line[0].v[1]));
	assert_true(isinf(l->pd[0].line[0].v[2]));
	assert_string_equal(l->pd[0].line[0].name, "{job=\"x\"}");
	assert_non_null(strstr(l->pd[2].err, "execution: query timed out"));
	assert_string_equal(l->pd[3].err, "");
	assert_int_equal(source_state(dash_live_source(l)), SRC_UP);   /* the others answered */

	/* the next round, within the same step: nothing new to ask but the
	 * failed panel's whole range; the others learn that Prometheus answered */
	for (int i = 0; i <= NPANELS; i++)
		l->pd[i].updated_ms = i == 2 ? 0 : 1;
	s.ngot = 0;
	r.done = false;
	source_refresh(dash_live_source(l));
	run_round(f, &s, &r);
	assert_int_equal(s.ngot, 1);
	assert_true(!strncmp(s.got[0].query, "b0&", 3) && fabs(s.got[0].end - s.got[0].start - 3600) < 1);
	assert_int_equal(l->queries, NPANELS + 1);
	assert_int_equal(l->sent, 1);
	assert_true(l->pd[0].updated_ms > 1);       /* fresh: its data is as new as it can be */
	assert_string_equal(l->pd[0].err, "");       /* panel b's error is its query's, not the source's */
	assert_int_equal(l->pd[0].line[0].n, 3);
	assert_true(l->pd[2].updated_ms == 0);       /* it never answered: not "fresh" */

	/* a step later: every panel asks for its newest points only */
	for (int i = 0; i <= NPANELS; i++)
		if (l->pd[i].filled)
			l->pd[i].end_ms -= l->pd[i].step_ms;
	s.ngot = 0;
	s.max_pending = 0;
	r.done = false;
	source_refresh(dash_live_source(l));
	run_round(f, &s, &r);
	assert_int_equal(s.ngot, NPANELS + 1);
	for (int i = 0; i < s.ngot; i++) {
		if (!strncmp(s.got[i].query, "b0&", 3))   /* the failed panel asks for the whole range again */
			assert_true(fabs(s.got[i].end - s.got[i].start - 3600) < 1);
		else
			assert_true(s.got[i].end - s.got[i].start <= s.got[i].step + 0.001);
	}

	/* Prometheus gone (a proxy's 503): the panels with no new step say so too */
	s.down = true;
	s.ngot = 0;
	r.done = false;
	source_refresh(dash_live_source(l));
	run_round(f, &s, &r);
	assert_int_equal(s.ngot, 1);
	assert_true(l->pd[0].err[0] != '\0');
	assert_true(l->pd[NPANELS].err[0] != '\0');
	assert_int_equal(source_state(dash_live_source(l)), SRC_DOWN);
	s.down = false;

	/* a longer range: the whole of it at once */
	s.ngot = 0;
	r.done = false;
	dash_live_set_range(l, 6 * 3600000LL);
	run_round(f, &s, &r);
	assert_int_equal(s.ngot, NPANELS + 1);
	for (int i = 0; i < s.ngot; i++)
		assert_true(fabs(s.got[i].end - s.got[i].start - 6 * 3600) < 1);

	dash_live_stop(l);
	dash_live_free(l);
	prom_free(p);
	testutil_rmtree(dir);
}

/* Panels that ask the same query (a stat and a chart of one metric) share
 * one request; a round where no panel has a new step still asks one query,
 * so that a source gone down is seen. */
static void a_shared_query_goes_once(void **state)
{
	struct fx *f = *state;
	struct stand_in s = { 0 };
	struct round r = { false };
	struct config_endpoint ep = { 0 };
	struct prom *p;
	struct dash_live *l;
	char err[300], dir[256], file[300];
	FILE *fp;

	testutil_tmpdir(dir, sizeof dir);
	snprintf(file, sizeof file, "%s/shared.json", dir);
	fp = fopen(file, "w");
	assert_non_null(fp);
	fprintf(fp, "{\"title\":\"Shared\",\"panels\":["
	        "{\"type\":\"stat\",\"title\":\"rate\",\"targets\":[{\"expr\":\"x\"}]},"
	        "{\"type\":\"timeseries\",\"title\":\"rate over time\",\"targets\":[{\"expr\":\"x\",\"legendFormat\":\"{{job}}\"}]},"
	        "{\"type\":\"timeseries\",\"title\":\"other\",\"targets\":[{\"expr\":\"y\"}]}]}");
	fclose(fp);
	f->srv->handler = handler;
	f->srv->handler_arg = &s;
	snprintf(ep.url, sizeof ep.url, "http://127.0.0.1:%d", f->srv->port);
	p = prom_new(f->http, &ep, err, sizeof err);
	assert_non_null(p);
	l = dash_live_new(f->loop, p, 15000, 8, changed, &r);
	assert_int_equal(dash_live_add(l, file), 1);
	assert_int_equal(dash_live_select(l, 0), 0);

	source_refresh(dash_live_source(l));
	run_round(f, &s, &r);
	assert_int_equal(s.ngot, 2);
	assert_int_equal(l->queries, 3);
	assert_int_equal(l->sent, 2);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(l->pd[i].nline, 1);
		assert_int_equal(l->pd[i].line[0].n, 3);
		assert_true(l->pd[i].filled);
	}
	assert_string_equal(l->pd[1].line[0].name, "x");         /* each panel's own legend */
	assert_string_equal(l->pd[0].line[0].name, "{job=\"x\"}");

	l->pd[2].updated_ms = 1;
	s.ngot = 0;
	r.done = false;
	source_refresh(dash_live_source(l));
	run_round(f, &s, &r);
	assert_int_equal(s.ngot, 1);
	assert_int_equal(l->sent, 1);
	assert_true(l->pd[2].updated_ms > 1);
	assert_int_equal(source_state(dash_live_source(l)), SRC_UP);

	dash_live_stop(l);
	dash_live_free(l);
	prom_free(p);
	testutil_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_dashboard_fills_at_once_then_advances, setup, teardown),
		cmocka_unit_test_setup_teardown(a_shared_query_goes_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
