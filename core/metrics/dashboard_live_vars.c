/* A dashboard's query variables resolved against Prometheus before its
 * panels: one after the other, since a later one may use an earlier one's
 * value. label_values, metrics, query_result, label_names and a series
 * selector, each through the variable's regex; a variable in or after a
 * cycle keeps the JSON's values, one that asks another datasource (Loki)
 * or is never refreshed keeps its own, one whose query waits for a
 * variable without values waits too.
 * The phase reports its end to the round's driver (dashboard_live.c)
 * through the callback it was started with; the panels come after it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dashboard_live_priv.h"
#include "warroom/prom.h"

static void var_phase(struct dash_live *l);

struct var_job {
	struct dash_live *l;
	unsigned gen;
	size_t var;
	char *filter;   /* metrics(re): the names' regex */
	char *regex;    /* the variable's regex, expanded */
};

static void var_values(struct var_job *vj, bool ok, const char *err, char *const *vals, size_t n)
{
	struct dash_live *l = vj->l;
	struct dash_var *v;
	char **kept;
	size_t nk = 0;

	l->inflight--;
	if (l->closing) {
		l->phase_done(l, true);
		goto out;
	}
	if (vj->gen != l->vgen || !l->d) {   /* asked for another dashboard, range or value: go on without it */
		l->var_at++;
		var_phase(l);
		goto out;
	}
	v = &l->d->v[vj->var];
	v->error[0] = '\0';
	if (!ok) {
		snprintf(v->error, sizeof v->error, "%s", err);
		goto next;
	}
	kept = calloc(n + 1, sizeof *kept);
	if (!kept) {
		snprintf(v->error, sizeof v->error, "out of memory for the variable's values");
		goto next;
	}
	for (size_t i = 0; i < n && nk < DASH_VAR_VALUES; i++) {
		char out[256], why[160];
		int r = 1;
		bool dup = false;

		if (vj->filter && vj->filter[0])
			r = dashboard_var_regex(vj->filter, vals[i], out, sizeof out, why, sizeof why);
		if (r == 1)
			r = dashboard_var_regex(vj->regex, vals[i], out, sizeof out, why, sizeof why);
		if (r < 0) {
			snprintf(v->error, sizeof v->error, "%s", why);
			break;
		}
		for (size_t k = 0; r == 1 && k < nk; k++)
			dup = dup || !strcmp(kept[k], out);
		if (r == 1 && !dup) {
			if (!(kept[nk] = strdup(out))) {
				snprintf(v->error, sizeof v->error, "out of memory for the variable's values");
				break;
			}
			nk++;
		}
	}
	if (!v->error[0]) {   /* a bad regex keeps the values there were */
		if (!nk)
			snprintf(v->error, sizeof v->error, "Prometheus has no values for it%s", n ? " that its regex keeps" : "");
		dashboard_var_options(v, kept, nk);
	}
	for (size_t i = 0; i < nk; i++)
		free(kept[i]);
	free(kept);
next:
	l->var_at++;
	var_phase(l);
out:
	free(vj->filter);
	free(vj->regex);
	free(vj);
}

static void var_strings(bool ok, const char *err, char *const *vals, size_t n, void *arg)
{
	var_values(arg, ok, err, vals, n);
}

/* query_result(q): each series as Grafana writes it, name{labels} value time. */
static void var_matrix(const struct prom_matrix *m, void *arg)
{
	char **vals = calloc(m->ns + 1, sizeof *vals);
	size_t n = 0;
	bool oom = !vals;

	for (size_t i = 0; !oom && m->ok && i < m->ns; i++) {
		char buf[1024], num[40];
		const struct prom_series *s = &m->s[i];

		dashboard_format(s->n ? s->v[s->n - 1] : NAN, "none", -1, num, sizeof num);
		snprintf(buf, sizeof buf, "%s %s %lld", s->name, num, (long long)(s->n ? s->t_ms[s->n - 1] / 1000 : 0));
		if (!(vals[n] = strdup(buf)))
			oom = true;
		else
			n++;
	}
	if (oom)
		var_values(arg, false, "out of memory for the variable's values", vals, 0);
	else
		var_values(arg, m->ok, m->err, vals, n);
	for (size_t i = 0; i < n; i++)
		free(vals[i]);
	free(vals);
}

static size_t count_refs_n;
static void count_refs(const char *name, size_t len, void *arg)
{
	(void)name, (void)len, (void)arg;
	count_refs_n++;
}

/* Whether variable v is asked of Prometheus this round. */
static bool resolved_here(const struct dashboard *d, const struct dash_var *v)
{
	if (v->type != VAR_QUERY || v->ds[0])
		return false;   /* another datasource's: its values are the dashboard's */
	if (v->refresh == 0 && v->nopt)
		return false;   /* never refreshed: the saved options stand, as in Grafana */
	count_refs_n = 0;
	dashboard_refs(v->query, count_refs, NULL);
	return !(d->order_error[0] && count_refs_n);   /* in or after a cycle: the JSON's values */
}

/* The query variables one after the other (a later one may use an earlier). */
static void var_phase(struct dash_live *l)
{
	struct dashboard *d = l->d;

	while (l->var_at < d->nv) {
		struct dash_var *v = &d->v[d->order[l->var_at]];
		struct dash_varq_parsed q;
		struct dash_env env = { .range_ms = l->range_ms, .interval_ms = l->scrape_ms, .scrape_ms = l->scrape_ms };
		struct dash_gaps gaps;
		char *expanded, err[200];
		struct var_job *vj;
		uint64_t id = 0;

		if (v->type == VAR_DATASOURCE && !strcasecmp(v->query, "prometheus")) {
			char *one[] = { "prometheus" };

			dashboard_var_options(v, one, 1);
		}
		if (!resolved_here(d, v)) {
			l->var_at++;
			continue;
		}
		expanded = dashboard_expand_in(d, &env, NULL, v->query, NULL, &gaps);
		if (!expanded)
			snprintf(err, sizeof err, "out of memory expanding the variable's query");
		if (expanded && gaps.pending) {
			snprintf(v->error, sizeof v->error, "waits for %s, which %s", gaps.first, gaps.why);
			free(expanded);
			l->var_at++;
			continue;
		}
		if (!expanded || dashboard_varq_parse(expanded, &q, err, sizeof err) != 0) {
			snprintf(v->error, sizeof v->error, "%s", err);
			free(expanded);
			l->var_at++;
			continue;
		}
		free(expanded);
		vj = calloc(1, sizeof *vj);
		if (vj)
			vj->regex = dashboard_expand_in(d, &env, NULL, v->regex, "regex", NULL);
		if (!vj || !vj->regex) {
			snprintf(v->error, sizeof v->error, "out of memory for the variable's query");
			free(vj);
			free(q.arg);
			l->var_at++;
			continue;
		}
		vj->l = l;
		vj->gen = l->vgen;
		vj->var = (size_t)d->order[l->var_at];
		l->inflight++;
		switch (q.kind) {
		case VARQ_LABEL_VALUES:
			id = prom_label_values(l->prom, q.label, NULL, var_strings, vj);
			break;
		case VARQ_SERIES_LABEL:
			id = prom_label_values(l->prom, q.label, q.arg, var_strings, vj);
			break;
		case VARQ_METRICS:
			vj->filter = strdup(q.arg);
			id = vj->filter ? prom_label_values(l->prom, "__name__", NULL, var_strings, vj) : 0;
			break;
		case VARQ_LABEL_NAMES:
			id = prom_label_names(l->prom, q.arg, var_strings, vj);
			break;
		case VARQ_SERIES:
			id = prom_series_list(l->prom, q.arg, var_strings, vj);
			break;
		case VARQ_QUERY_RESULT:
			id = prom_query_series(l->prom, q.arg, var_matrix, vj);
			break;
		default:
			break;
		}
		free(q.arg);
		if (id)
			return;   /* var_values goes on */
		l->inflight--;
		free(vj->regex);
		free(vj->filter);
		free(vj);
		if (q.kind != VARQ_LIST)
			snprintf(v->error, sizeof v->error, "the query could not be sent");
		l->var_at++;
	}
	if (l->round_vgen == l->vgen)
		l->need_vars = false;
	l->phase_done(l, false);
}

void dash_live_var_phase(struct dash_live *l, dash_live_phase_fn done)
{
	l->phase_done = done;
	l->var_at = 0;
	var_phase(l);
}
