/* cli_dashboard — `warroom dashboard show|lint|values FILE`: a Grafana
 * dashboard as the console reads it. show lists panels, types, positions and
 * the queries with their variables expanded; lint says what will not be
 * drawn and why; values runs one refresh against the configured Prometheus
 * (variables resolved live) and prints each panel's value and the time the
 * refresh took against its slowest query. */
#include "warroom/cli.h"
#include "warroom/config.h"
#include "warroom/dashboard.h"
#include "warroom/http.h"
#include "warroom/loop.h"
#include "warroom/prom.h"
#include "warroom/ssh.h"
#include "warroom/source.h"
#include "warroom/sources.h"

#include <cJSON.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: warroom dashboard show FILE [--json]     panels, types, positions and resolved queries\n"
	"       warroom dashboard lint [FILE]            what will not be drawn, and why; no FILE:\n"
	"                                                every dashboard of dashboards.path and\n"
	"                                                the overview strip's panels (exit 1: missing)\n"
	"       warroom dashboard values FILE [--json] [--range 1h] [--var NAME=VALUE]...\n"
	"                                                one refresh against Prometheus\n";

static const struct dash_env show_env = { 3600000, 15000, 15000 };

/* The first round (every panel's whole range), beside the steady one. */
static int64_t full_round_ms = -1, full_slowest_ms = -1;
static size_t full_sent;

static void print_json(const struct dashboard *d, const struct dash_live *l)
{
	cJSON *root = cJSON_CreateObject(), *panels = cJSON_AddArrayToObject(root, "panels");
	cJSON *vars = cJSON_AddArrayToObject(root, "variables");
	char *out;

	cJSON_AddStringToObject(root, "title", d->title);
	cJSON_AddNumberToObject(root, "schemaVersion", d->schema);
	if (d->order_error[0])
		cJSON_AddStringToObject(root, "variables_error", d->order_error);
	for (size_t i = 0; i < d->nv; i++) {
		cJSON *v = cJSON_CreateObject(), *cur = cJSON_AddArrayToObject(v, "current");

		cJSON_AddStringToObject(v, "name", d->v[i].name);
		cJSON_AddStringToObject(v, "type", d->v[i].type_name);
		cJSON_AddBoolToObject(v, "all", d->v[i].cur_all);
		for (size_t k = 0; k < d->v[i].ncur; k++)
			cJSON_AddItemToArray(cur, cJSON_CreateString(d->v[i].cur[k]));
		if (d->v[i].error[0])
			cJSON_AddStringToObject(v, "error", d->v[i].error);
		cJSON_AddItemToArray(vars, v);
	}
	for (size_t i = 0; i < d->np; i++) {
		const struct dash_panel *p = &d->p[i];
		cJSON *o = cJSON_CreateObject(), *qs = cJSON_AddArrayToObject(o, "queries");

		cJSON_AddStringToObject(o, "title", p->title);
		cJSON_AddStringToObject(o, "type", p->type_name);
		cJSON_AddBoolToObject(o, "drawn", dashboard_drawable(p));
		cJSON_AddNumberToObject(o, "x", p->x);
		cJSON_AddNumberToObject(o, "y", p->y);
		cJSON_AddNumberToObject(o, "w", p->w);
		cJSON_AddNumberToObject(o, "h", p->h);
		if (p->row >= 0)
			cJSON_AddStringToObject(o, "row", d->p[p->row].title);
		if (p->field.unit[0])
			cJSON_AddStringToObject(o, "unit", p->field.unit);
		if (p->note[0])
			cJSON_AddStringToObject(o, "note", p->note);
		for (size_t k = 0; k < p->nt; k++) {
			cJSON *q = cJSON_CreateObject();
			char *e = dashboard_expand(d, &show_env, p->t[k].expr);

			cJSON_AddStringToObject(q, "refId", p->t[k].ref);
			cJSON_AddStringToObject(q, "expr", e ? e : "(out of memory)");
			cJSON_AddBoolToObject(q, "hide", p->t[k].hide);
			cJSON_AddBoolToObject(q, "instant", p->t[k].instant);
			free(e);
			cJSON_AddItemToArray(qs, q);
		}
		if (l) {
			const struct dash_pdata *pd = &l->pd[i];
			char buf[64];

			cJSON_AddNumberToObject(o, "series", (double)pd->nline);
			if (pd->nline) {
				double v = dash_live_value(l, i, 0);

				dashboard_format(v, p->field.unit, p->field.decimals, buf, sizeof buf);
				cJSON_AddStringToObject(o, "value", buf);
				if (isfinite(v))
					cJSON_AddNumberToObject(o, "raw", v);
				cJSON_AddNumberToObject(o, "points", (double)pd->line[0].n);
			}
			if (pd->err[0])
				cJSON_AddStringToObject(o, "error", pd->err);
			if (pd->warn[0])
				cJSON_AddStringToObject(o, "warnings", pd->warn);
		}
		cJSON_AddItemToArray(panels, o);
	}
	if (l) {
		cJSON_AddNumberToObject(root, "refresh_ms", (double)l->last_round_ms);
		cJSON_AddNumberToObject(root, "slowest_query_ms", (double)l->slowest_ms);
		cJSON_AddNumberToObject(root, "full_refresh_ms", (double)full_round_ms);
		cJSON_AddNumberToObject(root, "full_slowest_query_ms", (double)full_slowest_ms);
		/* what the rounds asked: a query several panels share goes once, and
		 * a steady round asks only for panels with a new step */
		cJSON_AddNumberToObject(root, "queries", (double)l->queries);
		cJSON_AddNumberToObject(root, "full_queries_sent", (double)full_sent);
		cJSON_AddNumberToObject(root, "queries_sent", (double)l->sent);
	}
	out = cJSON_Print(root);
	printf("%s\n", out);
	free(out);
	cJSON_Delete(root);
}

static void print_text(const struct dashboard *d, const struct dash_live *l)
{
	printf("%s (schema %d, %zu panels, %zu variables)\n", d->title, d->schema, d->np, d->nv);
	for (size_t i = 0; i < d->nv; i++) {
		const struct dash_var *v = &d->v[i];

		printf("  $%s (%s) = ", v->name, v->type_name);
		if (v->cur_all)
			printf("All");
		for (size_t k = 0; k < v->ncur; k++)
			printf("%s%s", k ? "," : "", v->cur[k]);
		printf("%s%s\n", v->error[0] ? "  ! " : "", v->error);
	}
	if (d->order_error[0])
		printf("  ! %s\n", d->order_error);
	for (size_t i = 0; i < d->np; i++) {
		const struct dash_panel *p = &d->p[i];

		printf("%s%-10s x=%-2d y=%-3d w=%-2d h=%-2d %s%s%s\n", p->row >= 0 ? "  " : "", p->type_name, p->x, p->y,
		       p->w, p->h, p->title[0] ? p->title : "(untitled)", p->note[0] ? "  -- " : "", p->note);
		for (size_t k = 0; k < p->nt; k++) {
			char *e = dashboard_expand(d, &show_env, p->t[k].expr);

			printf("%s    %s%s%s: %s\n", p->row >= 0 ? "  " : "", p->t[k].ref, p->t[k].hide ? " (hidden)" : "",
			       p->t[k].instant ? " (instant)" : "", e ? e : "(out of memory)");
			free(e);
		}
		if (l && dashboard_drawable(p) && p->nt) {
			const struct dash_pdata *pd = &l->pd[i];
			char buf[64] = "no data";

			if (pd->nline)
				dashboard_format(dash_live_value(l, i, 0), p->field.unit, p->field.decimals, buf, sizeof buf);
			printf("%s    = %s (%zu series)%s%s\n", p->row >= 0 ? "  " : "", buf, pd->nline,
			       pd->err[0] ? "  ! " : "", pd->err);
		}
	}
	if (l) {
		printf("first refresh %lld ms, %zu of %zu queries sent, the slowest %lld ms\n", (long long)full_round_ms,
		       full_sent, l->queries, (long long)full_slowest_ms);
		printf("steady refresh %lld ms, %zu sent (the others had no new step), the slowest %lld ms\n",
		       (long long)l->last_round_ms, l->sent, (long long)l->slowest_ms);
	}
}

static int lint(const struct dashboard *d)
{
	int n = 0;

	for (size_t i = 0; i < d->nwarn; i++, n++)
		printf("%s: %s\n", d->file, d->warn[i]);
	if (d->order_error[0])
		printf("%s: %s\n", d->file, d->order_error), n++;
	for (size_t i = 0; i < d->nv; i++) {
		struct dash_varq_parsed q;
		char err[200];

		if (d->v[i].type == VAR_QUERY && dashboard_varq_parse(d->v[i].query, &q, err, sizeof err) != 0)
			printf("%s: variable %s: %s\n", d->file, d->v[i].name, err), n++;
		else if (d->v[i].type == VAR_QUERY)
			free(q.arg);
		if (d->v[i].type == VAR_ADHOC || d->v[i].type == VAR_OTHER)
			printf("%s: variable %s: %s variables are not applied\n", d->file, d->v[i].name, d->v[i].type_name), n++;
	}
	for (size_t i = 0; i < d->np; i++) {
		const struct dash_panel *p = &d->p[i];

		if (p->type == DASH_ROW)
			continue;
		if (p->note[0] && p->type != DASH_TEXT)
			printf("%s: panel \"%s\" (%s at %d,%d): %s\n", d->file, p->title, p->type_name, p->x, p->y, p->note), n++;
	}
	if (!n)
		printf("%s: every panel is drawn\n", d->file);
	return EXIT_OK;
}

/* No FILE: every dashboard of dashboards.path, then the overview strip's
 * panels against its dashboard, each missing one with the config line that
 * names it. 1 when the strip names what is not there. */
static int lint_all(const struct config *cfg)
{
	const struct config_dashboards *c = &cfg->dash;
	const char *path = sources_dashboard_path(cfg);
	const char *want = sources_overview_dashboard(cfg);
	struct loop *loop = loop_new();
	struct dash_live *l = loop ? dash_live_new(loop, NULL, 0, 1, NULL, NULL) : NULL;
	int rc = EXIT_OK, at;

	if (!l) {
		fprintf(stderr, "warroom dashboard: out of memory\n");
		rc = EXIT_FAILED;
		goto out;
	}
	if (!dash_live_add(l, path)) {
		fprintf(stderr, "warroom dashboard: no dashboards in %s (dashboards.path)\n", path);
		rc = EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < l->nfiles; i++) {
		char err[400];
		struct dashboard *d = dashboard_load(l->files[i], err, sizeof err);

		if (!d) {   /* a read error names the file already */
			bool named = !strncmp(err, l->files[i], strlen(l->files[i]));

			printf("%s%s%s\n", named ? "" : l->files[i], named ? "" : ": ", err);
			continue;
		}
		lint(d);
		dashboard_free(d);
	}
	at = dash_live_find(l, want);
	if (at < 0 || dash_live_select(l, (size_t)at) != 0) {
		/* unconfigured, the strip falls back on its built-in queries */
		printf("dashboards.overview: no dashboard \"%s\" in %s%s\n", want, path,
		       c->overview[0] || c->nstrip ? "" : "; the strip keeps its built-in queries");
		rc = c->overview[0] || c->nstrip ? EXIT_FAILED : EXIT_OK;
		goto out;
	}
	for (size_t i = 0; i < c->nstrip; i++) {
		char why[200];
		size_t p;

		if (!sources_strip_panel(l->d, c->strip[i], &p, why, sizeof why)) {
			printf("%s: dashboards.overview: %s\n", c->strip_at[i], why);
			rc = EXIT_FAILED;
		}
	}
	if (!rc)
		printf("the overview's strip: %s of %s\n", c->nstrip ? "the panels named" : "the golden signals", l->d->title);
out:
	dash_live_free(l);
	loop_free(loop);
	return rc;
}

struct run {
	bool done;
};

static void changed(struct dash_live *l, void *arg)
{
	struct run *r = arg;

	(void)l;
	r->done = true;
}

static int values(const char *file, bool json, int64_t range_ms, char **vars, int nvars, const struct config *cfg)
{
	char err[400] = "";
	struct loop *loop = loop_new();
	struct http *http = loop ? http_new(loop) : NULL;
	struct prom *p = http && cfg->prometheus.url[0] ? prom_new(http, &cfg->prometheus, err, sizeof err) : NULL;
	struct run r = { false };
	struct ssh *ssh = NULL;
	char route[600];
	struct dash_live *l;

	if (p && (cli_ssh_route(loop, cfg, cfg->prometheus.via_bastion, cfg->prometheus.url, &ssh, route,
	                        sizeof route, err, sizeof err) != 0 ||
	          (route[0] && prom_set_connect_to(p, route) != 0))) {
		prom_free(p);
		p = NULL;
	}
	l = p ? dash_live_new(loop, p, cfg->dash.scrape_ms, cfg->dash.max_in_flight, changed, &r) : NULL;
	int rc = EXIT_UNREACHABLE;

	if (!cfg->prometheus.url[0])
		snprintf(err, sizeof err, "prometheus.url is not configured");
	if (!l) {
		fprintf(stderr, "warroom dashboard: %s\n", err[0] ? err : "cannot start");
		goto out;
	}
	dash_live_add(l, file);
	if (dash_live_select(l, 0) != 0) {
		fprintf(stderr, "warroom dashboard: %s\n", l->error);
		goto out;
	}
	l->range_ms = range_ms;
	l->cols = 120;
	for (int i = 0; i < nvars; i++) {
		char *eq = strchr(vars[i], '=');

		if (!eq) {
			fprintf(stderr, "warroom dashboard: --var wants NAME=VALUE, got %s\n", vars[i]);
			rc = EXIT_USAGE;
			goto out;
		}
		*eq = '\0';
		if (dashboard_var_set(l->d, vars[i], eq + 1, err, sizeof err) != 0) {
			fprintf(stderr, "warroom dashboard: %s\n", err);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	source_refresh(dash_live_source(l));
	if (loop_run_until(loop, &r.done, 60000) != 0) {
		fprintf(stderr, "warroom dashboard: the refresh did not finish within a minute\n");
		goto out;
	}
	full_round_ms = l->last_round_ms;
	full_slowest_ms = l->slowest_ms;
	full_sent = l->sent;
	/* a second round: the steady refresh (variables resolved, incremental ranges) */
	r.done = false;
	source_refresh(dash_live_source(l));
	if (loop_run_until(loop, &r.done, 60000) != 0) {
		fprintf(stderr, "warroom dashboard: the refresh did not finish within a minute\n");
		goto out;
	}
	cli_ssh_report("dashboard", ssh);
	if (json)
		print_json(l->d, l);
	else
		print_text(l->d, l);
	rc = source_state(dash_live_source(l)) == SRC_UP ? EXIT_OK : EXIT_FAILED;
out:
	dash_live_stop(l);
	http_free(http);
	ssh_free(ssh);
	dash_live_free(l);
	prom_free(p);
	loop_free(loop);
	return rc;
}

int cli_dashboard(int argc, char **argv, const struct config *cfg)
{
	const char *verb = argc > 1 ? argv[1] : "", *file = NULL;
	bool json = false;
	int64_t range = 3600000;
	char **vars = calloc((size_t)argc + 1, sizeof *vars);
	int nvars = 0, rc = EXIT_USAGE;
	struct dashboard *d;
	char err[400];

	if (!vars)
		return EXIT_FAILED;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--range") && i + 1 < argc)
			range = dashboard_duration_ms(argv[++i]);
		else if (!strcmp(argv[i], "--var") && i + 1 < argc)
			vars[nvars++] = argv[++i];
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else {
			fprintf(stderr, "warroom dashboard: unknown argument %s\n%s", argv[i], usage);
			goto out;
		}
	}
	if (!file && !strcmp(verb, "lint")) {
		rc = lint_all(cfg);
		goto out;
	}
	if (!file || (strcmp(verb, "show") && strcmp(verb, "lint") && strcmp(verb, "values"))) {
		fprintf(stderr, "%s", usage);
		goto out;
	}
	if (range <= 0) {
		fprintf(stderr, "warroom dashboard: --range wants a duration such as 15m or 6h\n");
		goto out;
	}
	if (!strcmp(verb, "values")) {
		rc = values(file, json, range, vars, nvars, cfg);
		goto out;
	}
	d = dashboard_load(file, err, sizeof err);
	if (!d) {
		fprintf(stderr, "warroom dashboard: %s\n", err);
		rc = EXIT_FAILED;
		goto out;
	}
	if (!strcmp(verb, "lint"))
		rc = lint(d);
	else if (json)
		print_json(d, NULL), rc = EXIT_OK;
	else
		print_text(d, NULL), rc = EXIT_OK;
	dashboard_free(d);
out:
	free(vars);
	return rc;
}
