/* Grafana dashboard JSON into panels and variables: what wraps a dashboard
 * taken off (an API export, a file keyed by its name, a ConfigMap's data),
 * the modern panels[] schema with rows (collapsed rows hold their
 * children; the others' are the panels below them, in grid order as
 * Grafana sorts them), the old rows[].panels[] schema converted as Grafana
 * converts it, then the repeats made. A panel and a variable are read by
 * dashboard_json.c; whatever a dashboard never seen holds is read past
 * with a warning or becomes a placeholder. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "dashboard_priv.h"
#include "warroom/markdown.h"
#include "warroom/text.h"

#define DASH_FILE_MAX (32u << 20)   /* the biggest exports seen are a few MiB */
#define DASH_VARS_MAX 64
#define WRAP_DEPTH 4                /* a ConfigMap in a List in ... */

bool dashboard_drawable(const struct dash_panel *p)
{
	return p->type != DASH_ROW && p->type != DASH_OTHER && !p->ds[0];
}

/* A member that is there and says something (not null, false or ""). */
static bool set(const cJSON *o, const char *k)
{
	const cJSON *v = dash_json_get(o, k);

	return v && !cJSON_IsNull(v) && !cJSON_IsFalse(v) && !(cJSON_IsString(v) && !v->valuestring[0]);
}

static bool is_row(const cJSON *j)
{
	return cJSON_IsObject(j) && !strcmp(dash_json_str(j, "type", ""), "row");
}

/* Panels of a list in grid order (top to bottom, then left to right), as
 * Grafana sorts them on load: whatever order the file has. */
struct ordered {
	const cJSON *j;
	int y, x;
	size_t at;
};

static int cmp_ordered(const void *pa, const void *pb)
{
	const struct ordered *a = pa, *b = pb;

	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	return a->at < b->at ? -1 : 1;
}

static struct ordered *in_grid_order(struct dash_rd *r, const cJSON *list, size_t *n)
{
	const cJSON *j;
	struct ordered *o = calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof *o);

	*n = 0;
	if (!o) {
		r->oom = true;
		return NULL;
	}
	cJSON_ArrayForEach(j, list) {
		const cJSON *gp = dash_json_get(j, "gridPos");

		/* copies a repeat saved in the file are made again from their panel */
		if (set(j, "repeatPanelId") || set(j, "repeatIteration"))
			continue;
		o[*n] = (struct ordered){ j, dash_json_clamp(dash_json_num(dash_json_get(gp, "y")), 0, 1 << 20, 0),
		                          dash_json_clamp(dash_json_num(dash_json_get(gp, "x")), 0, 23, 0), *n };
		(*n)++;
	}
	qsort(o, *n, sizeof *o, cmp_ordered);
	return o;
}

/* The modern schema: a collapsed row holds its children; an open row's
 * are the panels below it down to the next row. */
static void read_panels(struct dash_rd *r, const cJSON *panels)
{
	size_t n, nc;
	struct ordered *o = in_grid_order(r, panels, &n);
	int row = -1, ox = 0;

	for (size_t i = 0; i < n; i++) {
		struct dash_panel *p;

		if (!is_row(o[i].j)) {
			dash_rd_panel(r, o[i].j, row, false, &ox, 0);
			continue;
		}
		p = dash_rd_panel(r, o[i].j, -1, false, &ox, 0);
		if (!p)
			break;
		row = (int)(p - r->d->tp);
		{
			struct ordered *c = in_grid_order(r, dash_json_get(o[i].j, "panels"), &nc);

			for (size_t k = 0; c && k < nc; k++)
				if (!is_row(c[k].j))
					dash_rd_panel(r, c[k].j, row, false, &ox, 0);
			free(c);
		}
	}
	free(o);
}

/* The old schema (schemaVersion 16 and before): rows[].panels[] with spans
 * of 12 columns, converted as Grafana converts it: row panels only when a
 * row is collapsed, repeated or shows its title; a collapsed row holds its
 * panels and takes one line. */
static void read_rows(struct dash_rd *r, const cJSON *rows)
{
	const cJSON *row, *j;
	bool show_rows = false;

	cJSON_ArrayForEach(row, rows)
		if (cJSON_IsObject(row) && (cJSON_IsTrue(dash_json_get(row, "collapse")) ||
		                            cJSON_IsTrue(dash_json_get(row, "showTitle")) ||
		                            dash_json_str(row, "repeat", "")[0]))
			show_rows = true;
	cJSON_ArrayForEach(row, rows) {
		const cJSON *hv = dash_json_get(row, "height");
		double px = cJSON_IsString(hv) ? strtod(hv->valuestring, NULL) : dash_json_num(hv);
		int h, ox = 0, ri = -1, top, bottom;
		bool collapsed = cJSON_IsTrue(dash_json_get(row, "collapse"));

		if (!cJSON_IsObject(row) || set(row, "repeatIteration"))
			continue;
		if (!(px > 0))
			px = 250;
		h = dash_json_clamp((px < 90 ? 90 : px) / 38.0 + 0.999, 3, 200, 7);
		if (show_rows) {
			struct dash_panel *rp = dash_rd_add_panel(r);

			if (!rp)
				return;
			rp->type = DASH_ROW;
			text_copy(rp->type_name, sizeof rp->type_name, "row");
			text_copy(rp->raw_title, sizeof rp->raw_title, dash_json_str(row, "title", ""));
			text_fix_utf8(rp->raw_title);
			text_copy(rp->title, sizeof rp->title, rp->raw_title);
			text_copy(rp->repeat, sizeof rp->repeat, dash_json_str(row, "repeat", ""));
			rp->collapsed = collapsed;
			rp->x = 0, rp->w = 24, rp->h = 1, rp->y = r->next_y++;
			ri = (int)(rp - r->d->tp);
		}
		top = r->next_y;
		bottom = top + h;
		cJSON_ArrayForEach(j, dash_json_get(row, "panels")) {
			struct dash_panel *p = dash_rd_panel(r, j, ri, true, &ox, h);

			if (p && p->y + p->h > bottom)   /* a line more, or a panel of its own height */
				bottom = p->y + p->h;
		}
		r->next_y = collapsed && show_rows ? top : bottom;
	}
}

/* Where the dashboard is: the object itself, or what wraps it (an API
 * export's "dashboard", a file keyed by its name, a ConfigMap's data whose
 * value is the JSON as text, parsed into *owned). */
static const cJSON *unwrap(const cJSON *o, cJSON **owned, int depth)
{
	const cJSON *c, *data;

	if (!cJSON_IsObject(o) || depth > WRAP_DEPTH)
		return o;
	if (dash_json_get(o, "panels") || dash_json_get(o, "rows") || dash_json_get(o, "templating"))
		return o;
	if (cJSON_IsObject(dash_json_get(o, "dashboard")))
		return unwrap(dash_json_get(o, "dashboard"), owned, depth + 1);
	data = dash_json_get(o, "data");
	if (!strcmp(dash_json_str(o, "kind", ""), "ConfigMap") && cJSON_IsObject(data)) {
		cJSON_ArrayForEach(c, data)
			if (cJSON_IsString(c) && !*owned && (*owned = cJSON_Parse(c->valuestring)))
				return unwrap(*owned, owned, depth + 1);
	}
	if (!strcmp(dash_json_str(o, "kind", ""), "List") && cJSON_IsArray(dash_json_get(o, "items")))
		return unwrap(cJSON_GetArrayItem(dash_json_get(o, "items"), 0), owned, depth + 1);
	/* {"name.json": {...}}: the first member that is a dashboard */
	cJSON_ArrayForEach(c, o)
		if (cJSON_IsObject(c) && (dash_json_get(c, "panels") || dash_json_get(c, "rows") ||
		                          cJSON_IsObject(dash_json_get(c, "dashboard"))))
			return unwrap(c, owned, depth + 1);
	return o;
}

/* An export's __inputs: the datasources it names by ${DS_...}. */
static void read_inputs(struct dash_rd *r, const cJSON *list)
{
	const cJSON *in;

	cJSON_ArrayForEach(in, list) {
		if (r->nin >= DASH_INPUTS || strcmp(dash_json_str(in, "type", ""), "datasource") != 0)
			continue;
		text_copy(r->in_name[r->nin], sizeof r->in_name[0], dash_json_str(in, "name", ""));
		text_copy(r->in_plugin[r->nin++], sizeof r->in_plugin[0], dash_json_str(in, "pluginId", ""));
	}
}

struct dashboard *dashboard_parse(const char *json, size_t len, char *err, size_t errlen)
{
	cJSON *root = json ? cJSON_ParseWithLength(json, len) : NULL, *owned = NULL;
	const cJSON *db, *panels, *rows, *vars, *v;
	struct dash_rd r = { 0 };

	if (!root) {
		snprintf(err, errlen, "not JSON%s", json && len ? " (or cut short)" : ": the file is empty");
		return NULL;
	}
	db = unwrap(root, &owned, 0);
	if (!cJSON_IsObject(db)) {
		snprintf(err, errlen, "JSON but not a Grafana dashboard: the top is not an object");
		cJSON_Delete(owned);
		cJSON_Delete(root);
		return NULL;
	}
	panels = dash_json_get(db, "panels");
	rows = dash_json_get(db, "rows");
	if (!cJSON_IsArray(panels) && !cJSON_IsArray(rows) && !dash_json_get(db, "title") &&
	    !dash_json_get(db, "templating")) {
		snprintf(err, errlen, "JSON but not a Grafana dashboard: no panels, rows or title");
		cJSON_Delete(owned);
		cJSON_Delete(root);
		return NULL;
	}
	r.d = calloc(1, sizeof *r.d);
	if (!r.d) {
		snprintf(err, errlen, "out of memory reading the dashboard");
		cJSON_Delete(owned);
		cJSON_Delete(root);
		return NULL;
	}
	text_copy(r.d->title, sizeof r.d->title, dash_json_str(db, "title", "(untitled dashboard)"));
	text_fix_utf8(r.d->title);
	text_copy(r.d->uid, sizeof r.d->uid, dash_json_str(db, "uid", ""));
	text_copy(r.d->refresh, sizeof r.d->refresh, dash_json_str(db, "refresh", ""));
	r.d->schema = dash_json_clamp(dash_json_num(dash_json_get(db, "schemaVersion")), 0, 10000, 0);
	read_inputs(&r, dash_json_get(db, "__inputs"));
	read_inputs(&r, dash_json_get(root, "__inputs"));
	/* the variables first: the panels' datasources may name them */
	r.d->v = calloc(DASH_VARS_MAX, sizeof *r.d->v);
	r.d->order = calloc(DASH_VARS_MAX, sizeof *r.d->order);
	r.oom = !r.d->v || !r.d->order;
	vars = r.oom ? NULL : dash_json_get(dash_json_get(db, "templating"), "list");
	cJSON_ArrayForEach(v, vars)
		if (!r.oom)
			dash_rd_var(&r, v);
	if (panels && !cJSON_IsArray(panels))
		dash_rd_warn(&r, "panels is %s, not a list: no panels read%s",
		             cJSON_IsObject(panels) ? "an object" : "not a list", "");
	if (!r.oom && cJSON_IsArray(rows) && cJSON_GetArraySize(rows) > 0)
		read_rows(&r, rows);
	if (!r.oom && cJSON_IsArray(panels))
		read_panels(&r, panels);
	for (size_t i = 0; i < r.d->ntp; i++)
		if (r.d->tp[i].row >= 0)
			r.d->tp[r.d->tp[i].row].nchild++;
	cJSON_Delete(owned);
	cJSON_Delete(root);
	if (r.oom || (dashboard_order_vars(r.d), dashboard_repeat(r.d)) < 0) {
		dashboard_free(r.d);   /* no half-read dashboard */
		snprintf(err, errlen, "out of memory reading the dashboard");
		return NULL;
	}
	return r.d;
}

struct dashboard *dashboard_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	struct dashboard *d;
	char why[200];

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(DASH_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	n = fread(buf, 1, DASH_FILE_MAX + 1, f);
	fclose(f);
	if (n > DASH_FILE_MAX) {
		free(buf);
		snprintf(err, errlen, "%s: bigger than %u MiB: not a dashboard this console reads", path,
		         DASH_FILE_MAX >> 20);
		return NULL;
	}
	d = dashboard_parse(buf, n, why, sizeof why);
	free(buf);
	if (!d) {
		snprintf(err, errlen, "%s: %s", path, why);
		return NULL;
	}
	text_copy(d->file, sizeof d->file, path);
	return d;
}

void dashboard_free(struct dashboard *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->ntp; i++) {   /* the panels shown share these */
		for (size_t t = 0; t < d->tp[i].nt; t++)
			free(d->tp[i].t[t].expr);
		free(d->tp[i].t);
		md_doc_free(&d->tp[i].md);
	}
	for (size_t i = 0; i < d->nv; i++) {
		struct dash_var *v = &d->v[i];

		free(v->query);
		free(v->regex);
		free(v->all_value);
		for (size_t k = 0; k < v->nopt; k++)
			free(v->opt[k]);
		for (size_t k = 0; k < DASH_VAR_VALUES; k++)
			free(v->otext[k]);
		for (size_t k = 0; k < v->ncur; k++)
			free(v->cur[k]);
	}
	free(d->tp);
	free(d->p);
	free(d->v);
	free(d->order);
	free(d);
}

size_t dashboard_find(const struct dashboard *d, const char *title_or_id)
{
	char *end;
	long id = strtol(title_or_id, &end, 10);

	for (size_t i = 0; i < d->np; i++)
		if (!strcasecmp(d->p[i].title, title_or_id) || !strcasecmp(d->p[i].raw_title, title_or_id) ||
		    (!*end && end != title_or_id && d->p[i].id == id))
			return i;
	return (size_t)-1;
}
