/* The deployment model's watcher on the loop: at shutdown the live slot's
 * error and P99 queries are cancelled by http_free; their answers must not
 * run the model's watchers, which by then may look at slots already freed.
 * A restart reads the newest rollback of its own service back. */
#define _GNU_SOURCE   /* memmem, accept4 */
#include "http_fixture.h"

#include <math.h>

#include "warroom/config.h"
#include "warroom/deploy.h"
#include "warroom/model.h"
#include "warroom/prom.h"
#include "warroom/rollback.h"
#include "warroom/timeline.h"

static int queries;

/* Prometheus never answers: the queries are in flight when we shut down. */
static bool hang_all(struct conn *c, const char *method, const char *path, const char *body, size_t blen,
                     void *arg)
{
	(void)method;
	(void)arg;
	/* the active slot's own pair; the capacity queries are asked too */
	if (strncmp(path, "/api/v1/query", 13) == 0 &&
	    (strstr(path, "http_request") || (body && memmem(body, blen, "http_request", 12))))
		queries++;
	c->hang = true;
	return true;
}

static int runs;

static void count_runs(struct model *m, unsigned changed, void *arg)
{
	(void)m;
	(void)changed;
	(void)arg;
	runs++;
}

static void cancelled_fast_queries_run_no_watcher(void **state)
{
	struct fx *f = *state;
	static struct config cfg;
	static struct model m;
	static struct slots_state st;
	struct deploy_core *c;
	const struct deploy *d;
	struct prom *p;
	char err[300];
	int64_t end;

	config_defaults(&cfg);
	cfg.refresh_ms = 50;
	snprintf(cfg.prometheus.url, sizeof cfg.prometheus.url, "http://127.0.0.1:%d", f->srv->port);
	f->srv->handler = hang_all;
	p = prom_new(f->http, &cfg.prometheus, err, sizeof err);
	assert_non_null(p);
	model_init(&m, &cfg, NULL);
	c = deploy_install(&m, &(struct deploy_io){ .loop = f->loop, .prom = p });
	assert_non_null(c);
	d = deploy_of(&m);
	assert_non_null(d);
	/* green serves: its own pair is asked every refresh */
	slots_init(&st, &cfg);
	st.active = 1;
	m.slots = &st;
	end = loop_now_ms() + 5000;
	while (queries < 2 && loop_now_ms() < end)
		loop_run_once(f->loop, 50);
	assert_int_equal(queries, 2);   /* the error ratio and the P99 are asked */

	assert_int_equal(model_watch_add(&m, count_runs, NULL), 0);
	runs = 0;
	http_free(f->http);   /* as sources_close: the cancellations are delivered here */
	f->http = NULL;
	assert_int_equal(runs, 0);
	/* the cancelled pair is still what the next round judges: no measurement */
	assert_true(isnan(d->fast_errors));
	assert_true(isnan(d->fast_p99));

	deploy_core_free(c);
	prom_free(p);
	model_free(&m);
}

/* The plan a confirmed rollback records names the slots: a watcher begun
 * later learns the newest one of its own service, and no other's. */
static void the_newest_recorded_rollback_of_this_service_is_recalled(void **state)
{
	static struct config cfg;
	static struct model m;
	static struct rollback_plan plan;
	static struct slots_state st;
	struct deploy_core *c;
	const struct deploy *d;
	struct timeline *tl;
	char tmp[256], db[300], err[300], *pj;

	(void)state;
	testutil_tmpdir(tmp, sizeof tmp);
	snprintf(db, sizeof db, "%s/tl.db", tmp);
	tl = timeline_open(db, "alice", err, sizeof err);
	assert_non_null(tl);
	config_defaults(&cfg);

	/* an older rollback the other way, then this one, then another service's */
	plan.ok = true;
	plan.strategy = plan.requested = ROLLBACK_SELECTOR;
	snprintf(plan.ns, sizeof plan.ns, "%s", cfg.kube.namespace_);
	snprintf(plan.service, sizeof plan.service, "%s", cfg.kube.service);
	snprintf(plan.from_name, sizeof plan.from_name, "blue");
	snprintf(plan.to_name, sizeof plan.to_name, "green");
	pj = rollback_plan_json(&plan);
	assert_int_equal(timeline_log(tl, "rollback", "rollback selector blue -> green confirmed by alice", pj), 0);
	free(pj);
	snprintf(plan.from_name, sizeof plan.from_name, "green");
	snprintf(plan.to_name, sizeof plan.to_name, "blue");
	snprintf(plan.from_image, sizeof plan.from_image, "registry.example.com/detection-api:1.5.0");
	snprintf(plan.target_image, sizeof plan.target_image, "registry.example.com/detection-api:1.4.2");
	pj = rollback_plan_json(&plan);
	assert_int_equal(timeline_log(tl, "rollback", "rollback selector green -> blue confirmed by alice", pj), 0);
	free(pj);
	assert_int_equal(timeline_log(tl, "rollback", "traffic on blue, verified in 0.8 s", "{\"outcome\":0}"), 0);
	snprintf(plan.service, sizeof plan.service, "another-service");
	snprintf(plan.from_name, sizeof plan.from_name, "blue");
	snprintf(plan.to_name, sizeof plan.to_name, "green");
	pj = rollback_plan_json(&plan);
	assert_int_equal(timeline_log(tl, "rollback", "rollback selector blue -> green confirmed by bob", pj), 0);
	free(pj);
	assert_int_equal(timeline_flush(tl), 0);

	model_init(&m, &cfg, tl);
	c = deploy_install(&m, NULL);
	assert_non_null(c);
	d = deploy_of(&m);
	/* read once the slots are known */
	slots_init(&st, &cfg);
	st.updated_ms = 1;
	st.generation = 1;
	m.slots = &st;
	model_mark(&m, DIRTY_SLOTS);
	assert_true(d->rb.known);
	assert_string_equal(d->rb.from_slot, "green");
	assert_string_equal(d->rb.from_version, "1.5.0");
	assert_string_equal(d->rb.to_slot, "blue");
	assert_string_equal(d->rb.by, "alice");
	assert_true(d->rb.wall_ms > 0);
	deploy_core_free(c);
	model_free(&m);
	timeline_close(tl);
	testutil_rmtree(tmp);
}

/* Two consoles in one process (as here, and the CLI's watch beside a test's
 * model) each see their own window: installing one never hides the other. */
static void each_model_finds_its_own_watcher(void **state)
{
	static struct config cfg;
	static struct model a, b;
	struct deploy_core *ca, *cb;
	struct deploy *da;

	(void)state;
	config_defaults(&cfg);
	model_init(&a, &cfg, NULL);
	model_init(&b, &cfg, NULL);
	assert_null(deploy_of(&a));
	ca = deploy_install(&a, NULL);
	cb = deploy_install(&b, NULL);
	assert_non_null(ca);
	assert_non_null(cb);
	da = (struct deploy *)deploy_of(&a);
	assert_non_null(da);
	assert_non_null(deploy_of(&b));
	assert_ptr_not_equal(da, deploy_of(&b));
	da->stage = DEPLOY_MONITORING;
	assert_int_not_equal(deploy_of(&b)->stage, DEPLOY_MONITORING);
	deploy_core_free(cb);
	assert_null(deploy_of(&b));
	assert_ptr_equal(deploy_of(&a), da);
	deploy_core_free(ca);
	assert_null(deploy_of(&a));
	model_free(&a);
	model_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(cancelled_fast_queries_run_no_watcher, setup, teardown),
		cmocka_unit_test(the_newest_recorded_rollback_of_this_service_is_recalled),
		cmocka_unit_test(each_model_finds_its_own_watcher),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
