/* cli_dashboard — `warroom dashboard show|lint|values FILE`: a Grafana
 * dashboard as the console reads it. show lists panels (repeats made, rows
 * open or closed), types, positions, datasources and the queries with
 * their variables expanded (a variable resolved only live is a visible
 * placeholder, <job=All>); lint (cli_dashboard_lint.c) says what would be
 * wrong and what is not drawn; values runs one refresh against the
 * configured Prometheus (variables resolved live) and prints each panel's
 * value and the time the refresh took against its slowest query. */
#include "cli_dashboard_priv.h"
#include "warroom/cli.h"
#include "warroom/config.h"
#include "warroom/dashboard.h"
#include "warroom/source.h"
#include "warroom/ssh.h"

#include <cJSON.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: warroom dashboard show FILE [--json]     panels, types, positions and resolved queries\n"
	"       warroom dashboard lint [FILE] [--live]   what would be wrong (exit 1) and what is not\n"
	"                                                drawn; --live asks Prometheus too; no FILE:\n"
	"                                                every dashboard of dashboards.path and\n"
	"                                                the overview strip's panels (exit 1: missing)\n"
	"       warroom dashboard values FILE [--json] [--range 1h] [--var NAME=VALUE]...\n"
	"                                                one refresh against Prometheus\n";

static const struct dash_env show_env = { .range_ms = 3600000, .interval_ms = 15000, .scrape_ms = 15000 };

/* The first round (every panel's whole range), beside the steady one. */
static int64_t full_round_ms = -1, full_slowest_ms = -1;
static size_t full_sent;

/* A variable's selection in words: "All", "a,b", "auto (2m)", or what it waits for. */
static void var_value(const struct dash_var *v, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	if (v->type == VAR_INTERVAL && v->cur_auto) {
		char iv[16];

		dashboard_duration_str(dashboard_auto_interval_ms(v, show_env.range_ms), iv, sizeof iv);
		snprintf(buf, len, "auto (%s over %s)", iv, "1h");
		return;
	}
	if (v->cur_all)
		o = (size_t)snprintf(buf, len, "All%s", v->all_value ? "" : dashboard_var_known(v) ? "" :
		                     " (its values from Prometheus, when live)");
	else if (!v->ncur && !dashboard_var_known(v))
		o = (size_t)snprintf(buf, len, "? (resolved from Prometheus, when live)");
	for (size_t k = 0; k < v->ncur && o + 1 < len; k++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", k ? "," : "", v->cur[k]);
}

/* Where a query goes: "Prometheus", or the other datasource's name. */
static const char *query_ds(const struct dash_panel *p, const struct dash_target *t)
{
	return t->ds[0] ? t->ds : p->ds[0] ? p->ds : "Prometheus";
}

static void print_json(const struct dashboard *d, const struct dash_live *l)
{
	cJSON *root = cJSON_CreateObject(), *panels = cJSON_AddArrayToObject(root, "panels");
	cJSON *vars = cJSON_AddArrayToObject(root, "variables");
	char *out, buf[400];

	cJSON_AddStringToObject(root, "title", d->title);
	cJSON_AddNumberToObject(root, "schemaVersion", d->schema);
	if (d->order_error[0])
		cJSON_AddStringToObject(root, "variables_error", d->order_error);
	for (size_t i = 0; i < d->nv; i++) {
		const struct dash_var *dv = &d->v[i];
		cJSON *v = cJSON_CreateObject(), *cur = cJSON_AddArrayToObject(v, "current");

		cJSON_AddStringToObject(v, "name", dv->name);
		cJSON_AddStringToObject(v, "type", dv->type_name);
		cJSON_AddBoolToObject(v, "all", dv->cur_all);
		cJSON_AddBoolToObject(v, "known", dashboard_var_known(dv));
		cJSON_AddNumberToObject(v, "hide", dv->hide);
		cJSON_AddNumberToObject(v, "options", (double)dv->nopt);
		var_value(dv, buf, sizeof buf);
		cJSON_AddStringToObject(v, "value", buf);
		for (size_t k = 0; k < dv->ncur; k++)
			cJSON_AddItemToArray(cur, cJSON_CreateString(dv->cur[k]));
		if (dv->ds[0])
			cJSON_AddStringToObject(v, "datasource", dv->ds);
		if (dv->error[0])
			cJSON_AddStringToObject(v, "error", dv->error);
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
		cJSON_AddStringToObject(o, "datasource", p->ds[0] ? p->ds : "Prometheus");
		if (p->type == DASH_ROW) {
			cJSON_AddBoolToObject(o, "collapsed", p->collapsed);
			cJSON_AddNumberToObject(o, "panels", p->nchild);
		}
		if (p->row >= 0) {
			cJSON_AddStringToObject(o, "row", d->p[p->row].title);
			cJSON_AddBoolToObject(o, "hidden", dashboard_hidden(d, i));
		}
		if (p->nscope) {
			cJSON *r = cJSON_AddObjectToObject(o, "repeat");

			cJSON_AddStringToObject(r, "variable", p->scope[p->nscope - 1].var);
			if (p->scope[p->nscope - 1].pending)
				cJSON_AddBoolToObject(r, "pending", true);
			else
				cJSON_AddStringToObject(r, "value", p->scope[p->nscope - 1].val);
		}
		if (p->field.unit[0])
			cJSON_AddStringToObject(o, "unit", p->field.unit);
		if (p->note[0])
			cJSON_AddStringToObject(o, "note", p->note);
		for (size_t k = 0; k < p->nt; k++) {
			cJSON *q = cJSON_CreateObject();
			struct dash_env env = show_env;
			char *e;

			env.instant = p->t[k].instant || p->type == DASH_TABLE;
			e = dashboard_expand_in(d, &env, p, p->t[k].expr, NULL, NULL);
			cJSON_AddStringToObject(q, "refId", p->t[k].ref);
			cJSON_AddStringToObject(q, "expr", e ? e : "(out of memory)");
			cJSON_AddStringToObject(q, "datasource", query_ds(p, &p->t[k]));
			cJSON_AddBoolToObject(q, "hide", p->t[k].hide);
			cJSON_AddBoolToObject(q, "instant", p->t[k].instant);
			free(e);
			cJSON_AddItemToArray(qs, q);
		}
		if (l && i < l->npd) {
			const struct dash_pdata *pd = &l->pd[i];

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
	char buf[400];

	printf("%s (schema %d, %zu panels, %zu variables)\n", d->title, d->schema, d->np, d->nv);
	for (size_t i = 0; i < d->nv; i++) {
		const struct dash_var *v = &d->v[i];

		var_value(v, buf, sizeof buf);
		printf("  $%s (%s%s) = %s%s%s\n", v->name, v->type_name, v->hide == 2 ? ", hidden" : "", buf,
		       v->error[0] ? "  ! " : "", v->error);
	}
	if (d->order_error[0])
		printf("  ! %s\n", d->order_error);
	for (size_t i = 0; i < d->np; i++) {
		const struct dash_panel *p = &d->p[i];
		const char *in = p->row >= 0 ? "  " : "";

		if (p->type == DASH_ROW)
			snprintf(buf, sizeof buf, "  (%s, %d panel%s)", p->collapsed ? "closed" : "open", p->nchild,
			         p->nchild == 1 ? "" : "s");
		else
			snprintf(buf, sizeof buf, "%s%s", p->note[0] ? "  -- " : "", p->note);
		printf("%s%-10s x=%-2d y=%-3d w=%-2d h=%-2d %s%s\n", in, p->type_name, p->x, p->y, p->w, p->h,
		       p->title[0] ? p->title : "(untitled)", buf);
		for (size_t k = 0; p->type != DASH_ROW && k < p->nt; k++) {
			struct dash_env env = show_env;
			char *e;

			env.instant = p->t[k].instant || p->type == DASH_TABLE;
			e = dashboard_expand_in(d, &env, p, p->t[k].expr, NULL, NULL);
			printf("%s    %s%s%s%s%s%s: %s\n", in, p->t[k].ref, p->t[k].hide ? " (hidden)" : "",
			       p->t[k].instant ? " (instant)" : "", strcmp(query_ds(p, &p->t[k]), "Prometheus") ? " (" : "",
			       strcmp(query_ds(p, &p->t[k]), "Prometheus") ? query_ds(p, &p->t[k]) : "",
			       strcmp(query_ds(p, &p->t[k]), "Prometheus") ? ", not sent)" : "", e ? e : "(out of memory)");
			free(e);
		}
		if (l && i < l->npd && dashboard_drawable(p) && p->nt) {
			const struct dash_pdata *pd = &l->pd[i];

			snprintf(buf, sizeof buf, "no data");
			if (pd->nline)
				dashboard_format(dash_live_value(l, i, 0), p->field.unit, p->field.decimals, buf, sizeof buf);
			printf("%s    = %s (%zu series)%s%s\n", in, buf, pd->nline, pd->err[0] ? "  ! " : "", pd->err);
		}
	}
	if (l) {
		printf("first refresh %lld ms, %zu of %zu queries sent, the slowest %lld ms\n", (long long)full_round_ms,
		       full_sent, l->queries, (long long)full_slowest_ms);
		printf("steady refresh %lld ms, %zu sent (the others had no new step), the slowest %lld ms\n",
		       (long long)l->last_round_ms, l->sent, (long long)l->slowest_ms);
	}
}

static int values(const char *file, bool json, int64_t range_ms, char **vars, int nvars, const struct config *cfg)
{
	struct dash_cli_live c;
	char err[400];
	int rc = dash_cli_live_open(&c, file, cfg, range_ms);

	if (rc != EXIT_OK)
		goto out;
	for (int i = 0; i < nvars; i++) {
		char *eq = strchr(vars[i], '=');

		if (!eq) {
			fprintf(stderr, "warroom dashboard: --var wants NAME=VALUE, got %s\n", vars[i]);
			rc = EXIT_USAGE;
			goto out;
		}
		*eq = '\0';
		if (dashboard_var_set(c.l->d, vars[i], eq + 1, err, sizeof err) != 0) {
			fprintf(stderr, "warroom dashboard: %s\n", err);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	rc = EXIT_UNREACHABLE;
	if (dash_cli_live_round(&c) != 0)
		goto out;
	full_round_ms = c.l->last_round_ms;
	full_slowest_ms = c.l->slowest_ms;
	full_sent = c.l->sent;
	/* a second round: the steady refresh (variables resolved, incremental ranges) */
	if (dash_cli_live_round(&c) != 0)
		goto out;
	cli_ssh_report("dashboard", c.ssh);
	if (json)
		print_json(c.l->d, c.l);
	else
		print_text(c.l->d, c.l);
	rc = source_state(dash_live_source(c.l)) == SRC_UP ? EXIT_OK : EXIT_FAILED;
out:
	dash_cli_live_close(&c);
	return rc;
}

int cli_dashboard(int argc, char **argv, const struct config *cfg)
{
	const char *verb = argc > 1 ? argv[1] : "", *file = NULL;
	bool json = false, live = false;
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
		else if (!strcmp(argv[i], "--live") && !strcmp(verb, "lint"))
			live = true;
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
		rc = dash_cli_lint_all(cfg, live);
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
	if (!strcmp(verb, "lint")) {
		rc = dash_cli_lint(file, live, cfg);
		goto out;
	}
	d = dashboard_load(file, err, sizeof err);
	if (!d) {
		fprintf(stderr, "warroom dashboard: %s\n", err);
		rc = EXIT_FAILED;
		goto out;
	}
	if (json)
		print_json(d, NULL);
	else
		print_text(d, NULL);
	rc = EXIT_OK;
	dashboard_free(d);
out:
	free(vars);
	return rc;
}
