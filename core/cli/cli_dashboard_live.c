/* One dashboard against the configured Prometheus from the shell, for
 * `dashboard values` and `dashboard lint --live`: the client (through the
 * bastion's tunnel when Prometheus is marked so), the dashboard's live
 * state, and a round run to its end on the loop. */
#include <stdio.h>
#include <string.h>

#include "cli_dashboard_priv.h"
#include "warroom/actions.h"
#include "warroom/cli.h"
#include "warroom/config.h"
#include "warroom/dashboard.h"
#include "warroom/http.h"
#include "warroom/loop.h"
#include "warroom/prom.h"
#include "warroom/source.h"
#include "warroom/ssh.h"

#define ROUND_MS 60000

static void changed(struct dash_live *l, void *arg)
{
	struct dash_cli_live *c = arg;

	(void)l;
	c->done = true;
}

int dash_cli_live_open(struct dash_cli_live *c, const char *file, const struct config *cfg, int64_t range_ms)
{
	char err[400] = "", route[600];

	memset(c, 0, sizeof *c);
	c->loop = loop_new();
	c->http = c->loop ? http_new(c->loop) : NULL;
	if (!cfg->prometheus.url[0]) {
		fprintf(stderr, "warroom dashboard: prometheus.url is not configured\n");
		return EXIT_UNREACHABLE;
	}
	c->prom = c->http ? prom_new(c->http, &cfg->prometheus, err, sizeof err) : NULL;
	if (c->prom && (cli_ssh_route(c->loop, cfg, cfg->prometheus.via_bastion, cfg->prometheus.url, &c->ssh, route,
	                              sizeof route, err, sizeof err) != 0 ||
	                (route[0] && prom_set_connect_to(c->prom, route) != 0))) {
		prom_free(c->prom);
		c->prom = NULL;
	}
	c->l = c->prom ? dash_live_new(c->loop, c->prom, cfg->dash.scrape_ms, cfg->dash.max_in_flight, changed, c)
	               : NULL;
	if (!c->l) {
		fprintf(stderr, "warroom dashboard: %s\n", err[0] ? err : "cannot start");
		return EXIT_UNREACHABLE;
	}
	dash_live_add(c->l, file);
	if (dash_live_select(c->l, 0) != 0) {
		fprintf(stderr, "warroom dashboard: %s\n", c->l->error);
		return EXIT_FAILED;
	}
	c->l->range_ms = range_ms;
	c->l->cols = 120;
	return EXIT_OK;
}

int dash_cli_live_round(struct dash_cli_live *c)
{
	c->done = false;
	source_refresh(dash_live_source(c->l));
	if (loop_run_until(c->loop, &c->done, ROUND_MS) != 0) {
		fprintf(stderr, "warroom dashboard: the refresh did not finish within a minute\n");
		return -1;
	}
	return 0;
}

void dash_cli_live_close(struct dash_cli_live *c)
{
	dash_live_stop(c->l);
	http_free(c->http);
	ssh_free(c->ssh);   /* after the requests that used its tunnel */
	dash_live_free(c->l);
	prom_free(c->prom);
	loop_free(c->loop);
	memset(c, 0, sizeof *c);
}
