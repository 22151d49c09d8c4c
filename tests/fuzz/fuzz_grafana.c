/* Grafana dashboards: the JSON read into panels, targets and variables,
 * then every target's expression and every variable's query expanded with
 * the variables as the dashboard selects them, each variable set to its
 * first option, and every variable query and regex read. */
#include "fuzz.h"
#include "warroom/dashboard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "", out[256] = "";
	struct dash_env env = { .range_ms = 3600000, .interval_ms = 15000, .scrape_ms = 15000 };
	struct dashboard *d = dashboard_parse((const char *)data, size, err, sizeof err);

	fuzz_check_err(err, sizeof err);
	if (!d)
		return 0;
	for (size_t i = 0; i < d->nv; i++) {
		struct dash_var *v = &d->v[i];
		struct dash_varq_parsed q;
		char *e;

		if (v->query && dashboard_varq_parse(v->query, &q, err, sizeof err) == 0)
			free(q.arg);
		fuzz_check_err(err, sizeof err);
		if (v->regex && v->nopt)
			(void)dashboard_var_regex(v->regex, v->opt[0], out, sizeof out, err, sizeof err);
		if (v->query && (e = dashboard_expand(d, &env, v->query)))
			free(e);
		if (v->nopt && v->opt[0])
			(void)dashboard_var_set(d, v->name, v->opt[0], err, sizeof err);
		(void)dashboard_var_set(d, v->name, "All", err, sizeof err);
		fuzz_check_err(err, sizeof err);
	}
	for (size_t i = 0; i < d->np; i++)
		for (size_t j = 0; j < d->p[i].nt; j++) {
			char *e = dashboard_expand(d, &env, d->p[i].t[j].expr);

			if (e)
				free(e);
		}
	dashboard_free(d);
	return 0;
}
