/* `warroom dashboard lint [FILE] [--live]`: what a dashboard would show
 * wrong, and what the terminal does not draw. A problem makes a panel
 * wrong (exit 1): a query that would expand to an empty matcher or keep a
 * $variable or a built-in, a variable that cannot be resolved, a cycle, a
 * part of the file read past; with --live, a variable without values and
 * a query Prometheus refuses. A note is said and passes: a panel of another
 * datasource (a placeholder naming it), a panel type the terminal does
 * not draw, ad hoc filters. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_dashboard_priv.h"
#include "warroom/actions.h"
#include "warroom/config.h"
#include "warroom/dashboard.h"
#include "warroom/loop.h"
#include "warroom/sources.h"

struct lint {
	const char *file;
	const struct dashboard *d;
	const struct dash_live *l;   /* --live: the round's answers */
	int problems, notes;
};

static void say(struct lint *L, bool problem, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(struct lint *L, bool problem, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", L->file);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	*(problem ? &L->problems : &L->notes) += 1;
}

/* panel "Title" (type at x,y), where the file has it; a repeat's copy says its value. */
static void panel_name(const struct dashboard *d, const struct dash_panel *p, char *buf, size_t len)
{
	const struct dash_panel *t = &d->tp[p->src];
	int o = snprintf(buf, len, "panel \"%s\" (%s at %d,%d)", t->raw_title, p->type_name, t->x, t->y);

	for (int i = 0; i < p->nscope && o > 0 && (size_t)o < len; i++)
		o += snprintf(buf + o, len - (size_t)o, " [$%s=%s]", p->scope[i].var,
		              p->scope[i].pending ? "each value" : p->scope[i].val);
}

/* A variable Prometheus was asked for and has no values for. */
static bool none(const struct dash_var *v)
{
	return v->resolved && !v->nopt;
}

/* Why variable v cannot be resolved here (offline), or NULL when it can. */
static const char *unresolvable(const struct dashboard *d, const struct dash_var *v, char *buf, size_t len)
{
	struct dash_varq_parsed q;
	char err[200];

	if (v->type == VAR_ADHOC || v->type == VAR_OTHER) {
		snprintf(buf, len, "%s variables have no value here", v->type_name);
		return buf;
	}
	if (v->type != VAR_QUERY)
		return NULL;
	if (v->ds[0]) {
		snprintf(buf, len, "its values come from %s, not Prometheus", v->ds);
		return buf;
	}
	if (d->order_error[0] && strstr(d->order_error, v->name)) {
		snprintf(buf, len, "it is in a cycle of variables");
		return buf;
	}
	if (dashboard_varq_parse(v->query, &q, err, sizeof err) != 0) {
		snprintf(buf, len, "%s", err);
		return buf;
	}
	free(q.arg);
	return NULL;
}

static void lint_query(struct lint *L, const struct dash_panel *p, const struct dash_target *t, const char *who)
{
	static const struct dash_env env = { .range_ms = 3600000, .interval_ms = 15000, .scrape_ms = 15000 };
	struct dash_env e = env;
	struct dash_gaps g;
	char *x, why[200];
	const struct dash_var *v;

	e.instant = t->instant || p->type == DASH_TABLE;
	x = dashboard_expand_in(L->d, &e, p, t->expr, NULL, &g);
	if (!x) {
		say(L, true, "%s: query %s: out of memory expanding it", who, t->ref);
		return;
	}
	free(x);
	v = g.var[0] ? dashboard_var((struct dashboard *)L->d, g.var) : NULL;
	if (g.empty && !(v && L->l && none(v)))   /* a live none is said once, on its variable */
		say(L, true, "%s: query %s would expand to an empty matcher: %s %s", who, t->ref, g.first, g.why);
	else if (g.unknown)
		say(L, true, "%s: query %s keeps %s, which %s: Prometheus gets it as written", who, t->ref, g.first, g.why);
	else if (g.builtin)
		say(L, true, "%s: query %s keeps %s, which %s", who, t->ref, g.first, g.why);
	else if (g.pending && L->l)
		say(L, true, "%s: query %s: %s has no values%s%s", who, t->ref, g.first, v && v->error[0] ? ": " : "",
		    v && v->error[0] ? v->error : "");
	else if (g.pending && v && unresolvable(L->d, v, why, sizeof why))
		say(L, true, "%s: query %s: %s cannot be resolved here (%s): it would go without a value", who, t->ref,
		    g.first, why);
}

/* A query variable's own query, as its panels' are: what it keeps, or
 * makes empty, Prometheus gets. */
static void lint_var_query(struct lint *L, const struct dash_var *v)
{
	static const struct dash_env env = { .range_ms = 3600000, .interval_ms = 15000, .scrape_ms = 15000 };
	struct dash_gaps g;
	char *x = dashboard_expand_in(L->d, &env, NULL, v->query, NULL, &g);

	if (!x) {
		say(L, true, "variable %s: out of memory expanding its query", v->name);
		return;
	}
	free(x);
	if (g.empty)
		say(L, true, "variable %s: its query would expand to an empty matcher: %s %s", v->name, g.first, g.why);
	else if (g.unknown || g.builtin)
		say(L, true, "variable %s: its query keeps %s, which %s: Prometheus gets it as written", v->name, g.first,
		    g.why);
}

static void lint_panel(struct lint *L, size_t i)
{
	const struct dashboard *d = L->d;
	const struct dash_panel *p = &d->p[i];
	char who[300];
	bool other = p->ds[0] != '\0';

	panel_name(d, p, who, sizeof who);
	if (other)
		say(L, false, "%s: %s", who, p->note);
	else if (p->type == DASH_OTHER)
		say(L, false, "%s: %s panels are not drawn in the terminal: a placeholder listing its queries", who,
		    p->type_name);
	else if (p->note[0] && p->type != DASH_TEXT)
		say(L, false, "%s: %s", who, p->note);
	for (size_t k = 0; k < p->nt; k++) {
		const struct dash_target *t = &p->t[k];

		if (t->hide || other)
			continue;
		if (t->ds[0]) {   /* the panel is drawn without it */
			say(L, true, "%s: query %s goes to %s: not %s here, the panel is drawn without it", who, t->ref,
			    !strcmp(t->ds, "Expression") ? "a Grafana expression" : t->ds,
			    !strcmp(t->ds, "Expression") ? "computed" : "sent");
			continue;
		}
		if (t->expr[0])
			lint_query(L, p, t, who);
	}
	/* --live: what Prometheus said of the queries it was sent */
	if (L->l && i < L->l->npd && L->l->pd[i].err[0] && !strstr(L->l->pd[i].err, "has no value"))
		say(L, true, "%s: Prometheus refuses it: %s", who, L->l->pd[i].err);
}

static int lint_dashboard(const char *file, const struct dashboard *d, const struct dash_live *l)
{
	struct lint L = { file, d, l, 0, 0 };
	char why[200];
	bool *seen = calloc(d->ntp + 1, sizeof *seen);

	if (!seen) {
		fprintf(stderr, "warroom dashboard: %s: out of memory linting it\n", file);
		return EXIT_FAILED;
	}
	for (size_t i = 0; i < d->nwarn; i++)
		say(&L, true, "%s", d->warn[i]);
	if (d->order_error[0])
		say(&L, true, "%s", d->order_error);
	for (size_t i = 0; i < d->nv; i++) {
		const struct dash_var *v = &d->v[i];

		if (v->type == VAR_ADHOC)
			say(&L, false, "variable %s: ad hoc filters are not applied to the queries", v->name);
		else if (v->type == VAR_QUERY && v->ds[0])
			say(&L, false, "variable %s: asks %s: its values are not resolved here", v->name, v->ds);
		else if (unresolvable(d, v, why, sizeof why))
			say(&L, true, "variable %s: %s", v->name, why);
		else if (v->type == VAR_QUERY && (lint_var_query(&L, v), l && v->error[0]))
			/* none found is Grafana's empty value: series without the label, not an error */
			say(&L, !none(v), "variable %s: %s%s", v->name, v->error,
			    none(v) ? ": its matchers ask for series without the label" : "");
	}
	/* each panel of the file once: the first of a repeat's copies stands for them */
	for (size_t i = 0; i < d->np; i++) {
		if (d->p[i].type == DASH_ROW || seen[d->p[i].src])
			continue;
		seen[d->p[i].src] = true;
		lint_panel(&L, i);
	}
	free(seen);
	if (L.problems)
		printf("%s: %d problem%s would make panels wrong%s\n", file, L.problems, L.problems == 1 ? "" : "s",
		       l ? "" : " (--live asks Prometheus too)");
	else if (L.notes)
		printf("%s: no problem; %d note%s on what the terminal does not draw\n", file, L.notes,
		       L.notes == 1 ? "" : "s");
	else
		printf("%s: every panel is drawn\n", file);
	return L.problems ? EXIT_FAILED : EXIT_OK;
}

/* Every row opened: --live asks for every panel. Whether one was closed. */
static bool open_rows(struct dashboard *d)
{
	bool any = false;

	for (size_t i = 0; i < d->np; i++)
		if (d->p[i].type == DASH_ROW && d->p[i].collapsed)
			dashboard_toggle_row(d, i), any = true;
	return any;
}

int dash_cli_lint(const char *file, bool live, const struct config *cfg)
{
	char err[400];
	struct dashboard *d;
	struct dash_cli_live c;
	int rc;

	if (!live) {
		d = dashboard_load(file, err, sizeof err);
		if (!d) {
			fprintf(stderr, "warroom dashboard: %s\n", err);
			return EXIT_FAILED;
		}
		rc = lint_dashboard(file, d, NULL);
		dashboard_free(d);
		return rc;
	}
	rc = dash_cli_live_open(&c, file, cfg, 3600000);
	if (rc == EXIT_OK) {
		open_rows(c.l->d);
		if (dash_cli_live_round(&c) != 0 || (open_rows(c.l->d) && dash_cli_live_round(&c) != 0))
			rc = EXIT_UNREACHABLE;
		else
			rc = lint_dashboard(file, c.l->d, c.l);
	}
	dash_cli_live_close(&c);
	return rc;
}

int dash_cli_lint_all(const struct config *cfg, bool live)
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
		int one = dash_cli_lint(l->files[i], live, cfg);

		if (one != EXIT_OK && rc == EXIT_OK)
			rc = one;
	}
	at = dash_live_find(l, want);
	if (at < 0 || dash_live_select(l, (size_t)at) != 0) {
		/* unconfigured, the strip falls back on its built-in queries */
		printf("dashboards.overview: no dashboard \"%s\" in %s%s\n", want, path,
		       c->overview[0] || c->nstrip ? "" : "; the strip keeps its built-in queries");
		if (c->overview[0] || c->nstrip)
			rc = EXIT_FAILED;
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
