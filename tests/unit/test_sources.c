/* The sources the config names land in the registry in the model's order,
 * and the model's source states follow the registry: a live Alertmanager is
 * up, Argo CD without an application is down with the reason, Kubernetes and
 * Prometheus left out of the config say so; closing with rounds in flight is
 * clean. */
#define _GNU_SOURCE   /* memmem, accept4 */
#include "http_fixture.h"

#include "warroom/config.h"
#include "warroom/model.h"
#include "warroom/source.h"
#include "warroom/sources.h"

static bool alerts_handler(struct conn *c, const char *method, const char *path, const char *body, size_t blen,
                           void *arg)
{
	int *hits = arg;

	/* every round asks for the alerts, their groups and the silences */
	if (strncmp(path, "/am/api/v2/", 11) != 0)
		return false;
	if (strcmp(path, "/am/api/v2/alerts") == 0)
		(*hits)++;
	respond(c, 200, "Content-Type: application/json\r\n", "[]", 2, true);
	return true;
}

static void the_model_reads_the_registry(void **state)
{
	struct fx *f = *state;
	static struct config cfg;
	struct model m;
	struct sources s;
	char err[300];
	int hits = 0;

	config_defaults(&cfg);
	cfg.refresh_ms = 250;
	snprintf(cfg.alertmanager.url, sizeof cfg.alertmanager.url, "http://127.0.0.1:%d/am/", f->srv->port);
	snprintf(cfg.argocd.url, sizeof cfg.argocd.url, "https://127.0.0.1:1");
	f->srv->handler = alerts_handler;
	f->srv->handler_arg = &hits;
	model_init(&m, &cfg, NULL);
	assert_int_equal(m.src[SRC_ARGOCD].state, SRC_IDLE);
	assert_int_equal(sources_open(&s, f->loop, &cfg, err, sizeof err), 0);
	sources_attach(&s, &m);

	assert_int_equal(s.reg.n, SRC_COUNT);
	for (int i = 0; i < SRC_COUNT; i++)
		assert_string_equal(source_name(s.reg.src[i]), model_source_name((enum source_id)i));
	assert_int_equal(m.src[SRC_KUBE].state, SRC_UNCONFIGURED);
	assert_int_equal(m.src[SRC_PROM].state, SRC_UNCONFIGURED);
	assert_int_equal(m.src[SRC_ARGOCD].state, SRC_DOWN);
	assert_string_equal(m.src[SRC_ARGOCD].error, "no Argo CD application configured (argocd.application)");

	int64_t end = loop_now_ms() + 3000;
	while (hits < 2 && loop_now_ms() < end)
		loop_run_once(f->loop, 100);
	assert_true(hits >= 2);                       /* polled, at the interval */
	assert_int_equal(m.src[SRC_ALERTMGR].state, SRC_UP);
	assert_true(m.src[SRC_ALERTMGR].updated_ms > 0);
	struct source_status st;
	source_status(s.reg.src[SRC_ALERTMGR], &st);
	assert_true(m.src[SRC_ALERTMGR].updated_ms == st.updated_ms);
	assert_true(m.alerts.updated_ms > 0);
	assert_true(m.last_refresh_ms > 0);

	sources_refresh(&s);                          /* a round in flight at close */
	sources_close(&s);
	model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(the_model_reads_the_registry, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
