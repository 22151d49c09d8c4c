/* cli_dashboard_priv.h — what `warroom dashboard`'s files share
 * (core/cli/cli_dashboard*.c only): one dashboard against the configured
 * Prometheus for a round or two (cli_dashboard_live.c, at the bottom), the
 * lint (cli_dashboard_lint.c) above it, show and values on top
 * (cli_dashboard.c). */
#ifndef WARROOM_CLI_DASHBOARD_PRIV_H
#define WARROOM_CLI_DASHBOARD_PRIV_H

#include <stdbool.h>
#include <stdint.h>

struct config;
struct dash_live;
struct http;
struct loop;
struct prom;
struct ssh;

struct dash_cli_live {
	struct loop *loop;
	struct http *http;
	struct prom *prom;
	struct ssh *ssh;
	struct dash_live *l;
	bool done;
};

/* Opens file against the configured Prometheus (through the bastion when
 * it is marked so) over range_ms: 0, or an exit code with words on stderr. */
int dash_cli_live_open(struct dash_cli_live *c, const char *file, const struct config *cfg, int64_t range_ms);
/* One round: the variables, then every panel shown. 0, or -1 when it did
 * not finish within a minute (said on stderr). */
int dash_cli_live_round(struct dash_cli_live *c);
void dash_cli_live_close(struct dash_cli_live *c);

/* `warroom dashboard lint FILE [--live]`: 0 clean or notes only, 1 when
 * something would make a panel wrong (cli_dashboard_lint.c). */
int dash_cli_lint(const char *file, bool live, const struct config *cfg);
/* No FILE: every dashboard of dashboards.path, then the overview strip. */
int dash_cli_lint_all(const struct config *cfg, bool live);

#endif
