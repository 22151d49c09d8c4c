/* Grafana dashboards: the JSON read into panels, targets and variables
 * (whatever wraps it, either schema, repeats made), then every target's
 * expression, title and variable query expanded with the variables as the
 * dashboard selects them (in the panel's repeat scope, and in every format
 * Grafana documents), each variable set to its first option and to All,
 * given options as if resolved, the repeats made again, every row opened
 * and closed, and every variable query and regex read. */
#include <stdio.h>

#include "fuzz.h"
#include "warroom/dashboard.h"

static const char *const formats[] = {
	"csv", "distributed", "doublequote", "glob", "json", "lucene", "percentencode", "pipe", "raw", "regex",
	"singlequote", "sqlstring", "text", "queryparam", "nosuch",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "", out[256] = "";
	struct dash_env env = { .range_ms = 3600000, .interval_ms = 15000, .scrape_ms = 15000, .now_ms = 1 };
	struct dashboard *d = dashboard_parse((const char *)data, size, err, sizeof err);
	char *opts[] = { "a.b", "c|d", "" };

	fuzz_check_err(err, sizeof err);
	if (!d)
		return 0;
	for (size_t i = 0; i < d->nv; i++) {
		struct dash_var *v = &d->v[i];
		struct dash_varq_parsed q;
		struct dash_gaps g;
		char *e, ref[96];

		if (v->query && dashboard_varq_parse(v->query, &q, err, sizeof err) == 0)
			free(q.arg);
		fuzz_check_err(err, sizeof err);
		if (v->regex && v->nopt)
			(void)dashboard_var_regex(v->regex, v->opt[0], out, sizeof out, err, sizeof err);
		if (v->query && (e = dashboard_expand_in(d, &env, NULL, v->query, NULL, &g)))
			free(e);
		for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
			snprintf(ref, sizeof ref, "${%s:%s}", v->name, formats[f]);
			if ((e = dashboard_expand_in(d, &env, NULL, ref, NULL, &g)))
				free(e);
		}
		(void)dashboard_auto_interval_ms(v, env.range_ms);
		if (v->nopt && v->opt[0])
			(void)dashboard_var_set(d, v->name, v->opt[0], err, sizeof err);
		(void)dashboard_var_set(d, v->name, "All", err, sizeof err);
		fuzz_check_err(err, sizeof err);
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < d->np; i++) {
			struct dash_gaps g;

			for (size_t j = 0; j < d->p[i].nt; j++) {
				char *e = dashboard_expand_in(d, &env, &d->p[i], d->p[i].t[j].expr, NULL, &g);

				if (e)
					free(e);
			}
			(void)dashboard_hidden(d, i);
		}
		for (size_t i = 0; i < d->np; i++)
			if (d->p[i].type == DASH_ROW)
				dashboard_toggle_row(d, i);
		/* as if every variable had been resolved: the repeats made again */
		for (size_t i = 0; i < d->nv; i++)
			if (d->v[i].type == VAR_QUERY)
				dashboard_var_options(&d->v[i], opts, 3);
		(void)dashboard_repeat(d);
	}
	dashboard_free(d);
	return 0;
}
