/* dashboard_priv.h — what the dashboard reader's own files share
 * (core/metrics/dashboard*.c only; the public API is
 * include/warroom/dashboard.h). The variable formats sit at the bottom
 * (dashboard_format.c), below the expansion (dashboard_vars.c); the JSON
 * readers of panels and variables (dashboard_json.c) are below the
 * schema's walk (dashboard.c). */
#ifndef WARROOM_DASHBOARD_PRIV_H
#define WARROOM_DASHBOARD_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "warroom/dashboard.h"
#include "warroom/text.h"

/* ---- dashboard_format.c ---- */

/* One variable's values in one of Grafana's formats (csv, distributed,
 * doublequote, glob, json, lucene, percentencode, pipe, raw, regex,
 * singlequote, sqlstring, text, queryparam; an unknown one is glob), or
 * NULL: Prometheus' own, regex-escaped and (a|b) when prom_regex (a
 * multi-value or All-able variable), else only backslashes and quotes
 * escaped. vals[n], texts[n] their texts for "text" (NULL: the values),
 * many when the value is a list (a multi-value variable, or All).
 * Appended to b. */
void dash_format_values(struct text_buf *b, const char *name, const char *fmt, char *const *vals,
                        char *const *texts, size_t n, bool many, bool prom_regex);

/* ---- dashboard_json.c: a panel and a variable out of their JSON ---- */

#define DASH_INPUTS 16

/* What reading one dashboard keeps while it walks the JSON. */
struct dash_rd {
	struct dashboard *d;
	size_t cap;                  /* of d->tp */
	int next_y;                  /* the old schema: the next row's top */
	/* __inputs of an export: "DS_PROMETHEUS" -> "prometheus" */
	char in_name[DASH_INPUTS][64], in_plugin[DASH_INPUTS][40];
	size_t nin;
	bool oom;                    /* an allocation failed: the whole read fails */
};

void dash_rd_warn(struct dash_rd *r, const char *fmt, const char *a, const char *b);
const cJSON *dash_json_get(const cJSON *o, const char *k);
const char *dash_json_str(const cJSON *o, const char *k, const char *dflt);
double dash_json_num(const cJSON *v);
int dash_json_clamp(double v, int lo, int hi, int dflt);
/* A new panel at the end of d->tp, zeroed (NULL past the cap, with a warning). */
struct dash_panel *dash_rd_add_panel(struct dash_rd *r);
/* Panel j into a new panel of d->tp: row its row's index (-1), the old
 * schema's span layout when old (ox the column, row_h the row's height in
 * grid lines); NULL when j is no object. */
struct dash_panel *dash_rd_panel(struct dash_rd *r, const cJSON *j, int row, bool old, int *ox, int row_h);
/* Variable j into d->v. */
void dash_rd_var(struct dash_rd *r, const cJSON *j);

#endif
