/* dashboard_priv.h — what the dashboard reader's own files share
 * (core/metrics/dashboard*.c only; the public API is
 * include/warroom/dashboard.h). The growing string sits at the bottom, in
 * dashboard_format.c, beside the formats that fill it; the JSON readers of
 * panels and variables (dashboard_json.c) are below the schema's walk
 * (dashboard.c). */
#ifndef WARROOM_DASHBOARD_PRIV_H
#define WARROOM_DASHBOARD_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "warroom/dashboard.h"

/* A growing string (aborts when memory runs out: the file being read has
 * nothing sensible to show then). */
struct dash_sb {
	char *s;
	size_t n, cap;
};
void dash_sb_add(struct dash_sb *b, const char *s, size_t n);
void dash_sb_str(struct dash_sb *b, const char *s);

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
/* A datasource reference (a name, "$var", {"type":..., "uid":...}, null)
 * as this console sees it: "" Prometheus, "-- Mixed --", or the name of
 * another ("Loki"). */
void dash_rd_datasource(const struct dash_rd *r, const cJSON *ref, char *out, size_t len);

#endif
