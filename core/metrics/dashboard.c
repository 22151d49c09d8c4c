/* Grafana dashboard JSON into panels, targets, field settings and variables:
 * the modern panels[] schema with rows (collapsed rows hold their children),
 * the old rows[].panels[] schema, and whatever a dashboard never seen holds
 * (a wrong type is read past with a warning, an unknown panel type is a
 * placeholder). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "warroom/dashboard.h"
#include "warroom/markdown.h"
#include "warroom/text.h"

#define DASH_FILE_MAX (32u << 20)   /* the biggest exports seen are a few MiB */
#define DASH_PANELS_MAX 2000
#define DASH_TARGETS_MAX 64
#define DASH_VARS_MAX 64

struct rd {
	struct dashboard *d;
	size_t cap;
	int next_y;                  /* old schema: the row's top */
	bool oom;                    /* an allocation failed: the whole read fails */
};

static const struct { const char *name; enum dash_type t; } types[] = {
	{ "timeseries", DASH_TIMESERIES }, { "graph", DASH_GRAPH }, { "stat", DASH_STAT },
	{ "singlestat", DASH_SINGLESTAT }, { "gauge", DASH_GAUGE }, { "bargauge", DASH_BARGAUGE },
	{ "table", DASH_TABLE }, { "table-old", DASH_TABLE }, { "text", DASH_TEXT }, { "row", DASH_ROW },
};

bool dashboard_drawable(const struct dash_panel *p)
{
	return p->type != DASH_ROW && p->type != DASH_OTHER;
}

static void warn(struct rd *r, const char *fmt, const char *a, const char *b)
{
	struct dashboard *d = r->d;

	if (d->nwarn >= sizeof d->warn / sizeof d->warn[0])
		return;
	snprintf(d->warn[d->nwarn++], sizeof d->warn[0], fmt, a, b);
}

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

/* An array member for cJSON_ArrayForEach, NULL when of another type. */
static const cJSON *arr(const cJSON *v)
{
	return cJSON_IsArray(v) ? v : NULL;
}

/* A string member, or dflt when missing or of another type. */
static const char *str(const cJSON *o, const char *k, const char *dflt)
{
	const cJSON *v = get(o, k);

	return cJSON_IsString(v) && v->valuestring ? v->valuestring : dflt;
}

static bool boolean(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);

	return cJSON_IsTrue(v) || (cJSON_IsNumber(v) && v->valuedouble != 0);
}

/* A number, also written as a string ("80"), or NaN. */
static double num(const cJSON *v)
{
	char *end;
	double x;

	if (cJSON_IsNumber(v))
		return v->valuedouble;
	if (cJSON_IsString(v) && v->valuestring[0]) {
		x = strtod(v->valuestring, &end);
		return *end ? NAN : x;
	}
	return NAN;
}

static int clampi(double v, int lo, int hi, int dflt)
{
	if (isnan(v))
		return dflt;
	return v < lo ? lo : v > hi ? hi : (int)v;
}

static char *dup(struct rd *r, const char *s)
{
	char *c = strdup(s ? s : "");

	if (!c)
		r->oom = true;
	return c;
}

static void read_thresholds(struct dash_field *f, const cJSON *th)
{
	const cJSON *steps = get(th, "steps"), *s;

	f->percentage = strcmp(str(th, "mode", ""), "percentage") == 0;
	cJSON_ArrayForEach(s, arr(steps)) {
		const cJSON *v = get(s, "value");

		if (f->nth >= DASH_THRESHOLDS || !cJSON_IsObject(s))
			break;
		f->th[f->nth].value = cJSON_IsNull(v) || !v ? -INFINITY : num(v);
		if (isnan(f->th[f->nth].value))
			continue;
		text_copy(f->th[f->nth].color, sizeof f->th[0].color, str(s, "color", ""));
		f->nth++;
	}
}

static void read_field(struct dash_field *f, const cJSON *def)
{
	const cJSON *dec = get(def, "decimals");

	text_copy(f->unit, sizeof f->unit, str(def, "unit", f->unit));
	if (cJSON_IsNumber(dec))
		f->decimals = clampi(dec->valuedouble, 0, 12, -1);
	if (!isnan(num(get(def, "min"))))
		f->min = num(get(def, "min"));
	if (!isnan(num(get(def, "max"))))
		f->max = num(get(def, "max"));
	if (get(def, "thresholds"))
		read_thresholds(f, get(def, "thresholds"));
}

static void read_overrides(struct dash_panel *p, const cJSON *list)
{
	const cJSON *o, *prop;

	cJSON_ArrayForEach(o, arr(list)) {
		const cJSON *m = get(o, "matcher");
		const char *id = str(m, "id", "");
		struct dash_override *ov;

		if (p->nov >= DASH_OVERRIDES)
			break;
		if (strcmp(id, "byName") != 0 && strcmp(id, "byRegexp") != 0)
			continue;
		ov = &p->ov[p->nov];
		memset(ov, 0, sizeof *ov);
		ov->decimals = -1;
		ov->regex = id[2] == 'R';
		text_copy(ov->match, sizeof ov->match, str(m, "options", ""));
		cJSON_ArrayForEach(prop, arr(get(o, "properties"))) {
			const char *pid = str(prop, "id", "");

			if (!strcmp(pid, "unit"))
				text_copy(ov->unit, sizeof ov->unit, str(prop, "value", ""));
			else if (!strcmp(pid, "decimals") && cJSON_IsNumber(get(prop, "value")))
				ov->decimals = clampi(get(prop, "value")->valuedouble, 0, 12, -1);
		}
		if (ov->match[0])
			p->nov++;
	}
}

static enum dash_calc calc_of(const char *s)
{
	static const struct { const char *n; enum dash_calc c; } calcs[] = {
		{ "lastNotNull", CALC_LAST_NOT_NULL }, { "last", CALC_LAST }, { "mean", CALC_MEAN },
		{ "max", CALC_MAX }, { "min", CALC_MIN }, { "sum", CALC_SUM },
		/* singlestat's valueName */
		{ "current", CALC_LAST_NOT_NULL }, { "avg", CALC_MEAN }, { "total", CALC_SUM },
	};

	for (size_t i = 0; i < sizeof calcs / sizeof calcs[0]; i++)
		if (!strcmp(s, calcs[i].n))
			return calcs[i].c;
	return CALC_LAST_NOT_NULL;
}

/* The old panels' settings: graph y axes, singlestat's format and "50,80". */
static void read_legacy_field(struct dash_panel *p, const cJSON *j)
{
	const cJSON *yaxes = get(j, "yaxes"), *colors = get(j, "colors");
	const char *th = str(j, "thresholds", NULL);

	if (cJSON_IsArray(yaxes))
		text_copy(p->field.unit, sizeof p->field.unit, str(cJSON_GetArrayItem(yaxes, 0), "format", ""));
	if (str(j, "format", NULL))
		text_copy(p->field.unit, sizeof p->field.unit, str(j, "format", ""));
	if (cJSON_IsNumber(get(j, "decimals")))
		p->field.decimals = clampi(get(j, "decimals")->valuedouble, 0, 12, -1);
	if (th && *th && p->field.nth == 0) {
		char buf[128], *save = NULL;
		int i = 0;

		text_copy(buf, sizeof buf, th);
		p->field.th[p->field.nth].value = -INFINITY;
		text_copy(p->field.th[p->field.nth++].color, sizeof p->field.th[0].color, "green");
		for (char *t = strtok_r(buf, ",", &save); t && p->field.nth < DASH_THRESHOLDS;
		     t = strtok_r(NULL, ",", &save), i++) {
			const cJSON *c = cJSON_IsArray(colors) ? cJSON_GetArrayItem(colors, i + 1) : NULL;

			p->field.th[p->field.nth].value = strtod(t, NULL);
			text_copy(p->field.th[p->field.nth++].color, sizeof p->field.th[0].color,
			          cJSON_IsString(c) ? c->valuestring : i ? "red" : "orange");
		}
	}
	if (str(j, "valueName", NULL))
		p->calc = calc_of(str(j, "valueName", ""));
}

static void read_targets(struct rd *r, struct dash_panel *p, const cJSON *targets)
{
	const cJSON *t;
	size_t n = 0;

	if (targets && !cJSON_IsArray(targets))
		warn(r, "panel \"%s\": targets is not a list%s", p->title, "");
	if (!cJSON_IsArray(targets))
		return;
	n = (size_t)cJSON_GetArraySize(targets);
	if (n > DASH_TARGETS_MAX) {
		warn(r, "panel \"%s\": only the first 64 queries are read%s", p->title, "");
		n = DASH_TARGETS_MAX;
	}
	p->t = calloc(n ? n : 1, sizeof *p->t);
	if (!p->t) {
		r->oom = true;
		return;
	}
	cJSON_ArrayForEach(t, targets) {
		struct dash_target *q;
		const cJSON *e = get(t, "expr"), *iv = get(t, "interval");

		if (p->nt >= n)
			break;
		if (!cJSON_IsObject(t))
			continue;
		q = &p->t[p->nt];
		if (!(q->expr = dup(r, cJSON_IsString(e) ? e->valuestring : "")))
			return;
		p->nt++;
		if (e && !cJSON_IsString(e))
			warn(r, "panel \"%s\": a query's expr is not text%s", p->title, "");
		text_copy(q->ref, sizeof q->ref, str(t, "refId", ""));
		if (!q->ref[0])
			snprintf(q->ref, sizeof q->ref, "%c", (char)('A' + (p->nt - 1) % 26));
		text_copy(q->legend, sizeof q->legend, str(t, "legendFormat", ""));
		text_copy(q->interval, sizeof q->interval, cJSON_IsString(iv) ? iv->valuestring : "");
		q->instant = boolean(t, "instant");
		q->hide = boolean(t, "hide");
	}
}

static struct dash_panel *add_panel(struct rd *r)
{
	struct dashboard *d = r->d;

	if (d->np >= DASH_PANELS_MAX)
		return NULL;
	if (d->np == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct dash_panel *np = realloc(d->p, cap * sizeof *np);

		if (!np) {
			r->oom = true;
			return NULL;
		}
		d->p = np;
		r->cap = cap;
	}
	memset(&d->p[d->np], 0, sizeof d->p[0]);
	return &d->p[d->np++];
}

static void read_panel(struct rd *r, const cJSON *j, int row, bool old_schema, int *ox, int row_h)
{
	struct dash_panel *p;
	const cJSON *gp = get(j, "gridPos"), *fc = get(j, "fieldConfig");
	const char *type = str(j, "type", "");

	if (!cJSON_IsObject(j))
		return;
	p = add_panel(r);
	if (!p) {
		if (r->d->np == DASH_PANELS_MAX)
			warn(r, "more than 2000 panels: the rest are not read%s%s", "", "");
		return;
	}
	p->row = row;
	p->field.decimals = -1;
	p->field.min = p->field.max = NAN;
	p->id = clampi(num(get(j, "id")), 0, 1 << 30, 0);
	text_copy(p->title, sizeof p->title, str(j, "title", ""));
	text_fix_utf8(p->title);
	text_copy(p->type_name, sizeof p->type_name, type[0] ? type : "(no type)");
	p->type = DASH_OTHER;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (!strcmp(type, types[i].name))
			p->type = types[i].t;
	if (old_schema) {
		int span = clampi(num(get(j, "span")), 1, 12, 12);

		p->w = span * 2;
		if (*ox + p->w > 24)
			*ox = 0, r->next_y += row_h;
		p->x = *ox;
		p->y = r->next_y;
		p->h = row_h;
		*ox += p->w;
	} else {
		p->x = clampi(num(get(gp, "x")), 0, 23, 0);
		p->w = clampi(num(get(gp, "w")), 1, 24, 12);
		p->y = clampi(num(get(gp, "y")), 0, 1 << 20, 0);
		p->h = clampi(num(get(gp, "h")), 1, 200, p->type == DASH_ROW ? 1 : 8);
		if (p->x + p->w > 24)
			p->w = 24 - p->x;
	}
	p->collapsed = boolean(j, "collapsed");
	p->max_points = clampi(num(get(j, "maxDataPoints")), 0, 100000, 0);
	text_copy(p->interval, sizeof p->interval, str(j, "interval", ""));
	read_targets(r, p, get(j, "targets"));
	read_field(&p->field, get(fc, "defaults"));
	read_overrides(p, get(fc, "overrides"));
	read_legacy_field(p, j);
	{
		const cJSON *calcs = get(get(get(j, "options"), "reduceOptions"), "calcs");
		const cJSON *c0 = cJSON_IsArray(calcs) ? cJSON_GetArrayItem(calcs, 0) : NULL;

		if (cJSON_IsString(c0))
			p->calc = calc_of(c0->valuestring);
	}
	if (p->type == DASH_TEXT) {
		const char *content = str(get(j, "options"), "content", str(j, "content", ""));
		const char *mode = str(get(j, "options"), "mode", str(j, "mode", "markdown"));

		/* laid out once; the view wraps it to the panel's width */
		if ((!strcasecmp(mode, "html") ? md_doc_html : md_doc_parse)(content, strlen(content), &p->md) != 0)
			r->oom = true;
	}
	if (p->type == DASH_OTHER)
		snprintf(p->note, sizeof p->note, "%s panels are not drawn in the terminal", p->type_name);
	else if (p->type != DASH_ROW && p->type != DASH_TEXT && p->nt == 0)
		snprintf(p->note, sizeof p->note, "no queries");
	else if (p->type == DASH_TABLE && p->nt && p->t[0].expr[0] == '\0')
		snprintf(p->note, sizeof p->note, "the query has no PromQL expression");
}

/* The modern schema: a collapsed row holds its children; an expanded row's
 * children are the panels after it. */
static void read_panels(struct rd *r, const cJSON *panels)
{
	const cJSON *j, *c;
	int row = -1, ox = 0;

	cJSON_ArrayForEach(j, panels) {
		bool is_row = cJSON_IsObject(j) && !strcmp(str(j, "type", ""), "row");

		if (is_row) {
			read_panel(r, j, -1, false, &ox, 0);
			row = (int)r->d->np - 1;
			cJSON_ArrayForEach(c, arr(get(j, "panels")))
				read_panel(r, c, row, false, &ox, 0);
			continue;
		}
		read_panel(r, j, row, false, &ox, 0);
	}
}

/* The old schema (schemaVersion <= 16): rows[].panels[] with span of 12. */
static void read_rows(struct rd *r, const cJSON *rows)
{
	const cJSON *row, *j;

	cJSON_ArrayForEach(row, rows) {
		const char *hs = str(row, "height", NULL);
		double px = hs ? strtod(hs, NULL) : num(get(row, "height"));
		int h = clampi(isnan(px) ? 250 : px / 30.0, 3, 60, 8), ox = 0, ri;
		struct dash_panel *rp;

		if (!cJSON_IsObject(row))
			continue;
		rp = add_panel(r);
		if (!rp)
			return;
		rp->type = DASH_ROW;
		rp->row = -1;
		rp->field.decimals = -1;
		rp->field.min = rp->field.max = NAN;
		text_copy(rp->type_name, sizeof rp->type_name, "row");
		text_copy(rp->title, sizeof rp->title, str(row, "title", ""));
		rp->collapsed = boolean(row, "collapse");
		rp->x = 0, rp->w = 24, rp->h = 1, rp->y = r->next_y++;
		ri = (int)r->d->np - 1;
		cJSON_ArrayForEach(j, arr(get(row, "panels")))
			read_panel(r, j, ri, true, &ox, h);
		r->next_y += h;
	}
}

static void add_value(struct rd *r, char **arr, size_t *n, const char *s)
{
	if (*n < DASH_VAR_VALUES && (arr[*n] = dup(r, s)))
		(*n)++;
}

static void read_var(struct rd *r, const cJSON *j)
{
	static const struct { const char *n; enum dash_var_type t; } vt[] = {
		{ "query", VAR_QUERY }, { "custom", VAR_CUSTOM }, { "constant", VAR_CONSTANT },
		{ "interval", VAR_INTERVAL }, { "textbox", VAR_TEXTBOX }, { "datasource", VAR_DATASOURCE },
		{ "adhoc", VAR_ADHOC },
	};
	struct dashboard *d = r->d;
	struct dash_var *v;
	const cJSON *q = get(j, "query"), *cur = get(j, "current"), *val, *o;
	const char *type = str(j, "type", "query"), *name = str(j, "name", "");

	if (!cJSON_IsObject(j) || !name[0] || d->nv >= DASH_VARS_MAX)
		return;
	v = &d->v[d->nv++];
	text_copy(v->name, sizeof v->name, name);
	text_copy(v->type_name, sizeof v->type_name, type);
	v->type = VAR_OTHER;
	for (size_t i = 0; i < sizeof vt / sizeof vt[0]; i++)
		if (!strcmp(type, vt[i].n))
			v->type = vt[i].t;
	if (cJSON_IsObject(q))   /* newer exports: {"query": "...", "refId": ...} */
		q = get(q, "query");
	v->query = dup(r, cJSON_IsString(q) ? q->valuestring : "");
	v->regex = dup(r, str(j, "regex", ""));
	v->multi = boolean(j, "multi");
	v->include_all = boolean(j, "includeAll");
	if (str(j, "allValue", NULL) && str(j, "allValue", "")[0])
		v->all_value = dup(r, str(j, "allValue", ""));
	cJSON_ArrayForEach(o, arr(get(j, "options"))) {
		const char *ov = str(o, "value", NULL);

		if (ov && strcmp(ov, "$__all") != 0)
			add_value(r, v->opt, &v->nopt, ov);
	}
	if (v->type == VAR_CUSTOM || v->type == VAR_INTERVAL) {
		char *list = dup(r, v->query), *save = NULL;

		for (size_t i = 0; i < v->nopt; i++)
			free(v->opt[i]);
		v->nopt = 0;
		for (char *t = list ? strtok_r(list, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
			char *colon;

			while (*t == ' ')
				t++;
			/* custom "text : value" pairs: the value counts */
			colon = v->type == VAR_CUSTOM ? strstr(t, " : ") : NULL;
			if (colon)
				t = colon + 3;
			for (size_t e = strlen(t); e && t[e - 1] == ' '; e--)
				t[e - 1] = '\0';
			if (*t)
				add_value(r, v->opt, &v->nopt, t);
		}
		free(list);
	}
	if (v->type == VAR_CONSTANT || v->type == VAR_TEXTBOX) {
		add_value(r, v->opt, &v->nopt, v->query);
	}
	val = get(cur, "value");
	if (cJSON_IsArray(val)) {
		cJSON_ArrayForEach(o, val)
			if (cJSON_IsString(o))
				add_value(r, v->cur, &v->ncur, o->valuestring);
	} else if (cJSON_IsString(val)) {
		add_value(r, v->cur, &v->ncur, val->valuestring);
	}
	for (size_t i = 0; i < v->ncur; i++)
		if (!strcmp(v->cur[i], "$__all") || (!strcmp(v->cur[i], "All") && v->include_all))
			v->cur_all = true;
	if (v->cur_all) {
		for (size_t i = 0; i < v->ncur; i++)
			free(v->cur[i]);
		v->ncur = 0;
	}
	if (!v->ncur && !v->cur_all && v->nopt)
		add_value(r, v->cur, &v->ncur, v->type == VAR_TEXTBOX || v->type == VAR_CONSTANT ? v->query : v->opt[0]);
	if (!v->ncur && !v->cur_all && v->include_all)
		v->cur_all = true;
}

struct dashboard *dashboard_parse(const char *json, size_t len, char *err, size_t errlen)
{
	cJSON *root = json ? cJSON_ParseWithLength(json, len) : NULL;
	const cJSON *db = root, *panels, *rows, *vars, *v;
	struct rd r = { 0 };

	if (!root) {
		snprintf(err, errlen, "not JSON%s", json && len ? " (or cut short)" : ": the file is empty");
		return NULL;
	}
	if (cJSON_IsObject(get(root, "dashboard")))
		db = get(root, "dashboard");
	if (!cJSON_IsObject(db)) {
		snprintf(err, errlen, "JSON but not a Grafana dashboard: the top is not an object");
		cJSON_Delete(root);
		return NULL;
	}
	panels = get(db, "panels");
	rows = get(db, "rows");
	if (!cJSON_IsArray(panels) && !cJSON_IsArray(rows) && !get(db, "title") && !get(db, "templating")) {
		snprintf(err, errlen, "JSON but not a Grafana dashboard: no panels, rows or title");
		cJSON_Delete(root);
		return NULL;
	}
	r.d = calloc(1, sizeof *r.d);
	if (!r.d) {
		snprintf(err, errlen, "out of memory reading the dashboard");
		cJSON_Delete(root);
		return NULL;
	}
	text_copy(r.d->title, sizeof r.d->title, str(db, "title", "(untitled dashboard)"));
	text_fix_utf8(r.d->title);
	text_copy(r.d->uid, sizeof r.d->uid, str(db, "uid", ""));
	text_copy(r.d->refresh, sizeof r.d->refresh, str(db, "refresh", ""));
	r.d->schema = clampi(num(get(db, "schemaVersion")), 0, 10000, 0);
	if (panels && !cJSON_IsArray(panels))
		warn(&r, "panels is %s, not a list: no panels read%s", cJSON_IsObject(panels) ? "an object" : "not a list",
		     "");
	if (cJSON_IsArray(rows) && cJSON_GetArraySize(rows) > 0)
		read_rows(&r, rows);
	if (cJSON_IsArray(panels))
		read_panels(&r, panels);
	vars = get(get(db, "templating"), "list");
	r.d->v = calloc(DASH_VARS_MAX, sizeof *r.d->v);
	r.d->order = calloc(DASH_VARS_MAX, sizeof *r.d->order);
	if (!r.d->v || !r.d->order)
		r.oom = true;
	cJSON_ArrayForEach(v, arr(r.oom ? NULL : vars))
		read_var(&r, v);
	cJSON_Delete(root);
	if (r.oom) {
		dashboard_free(r.d);
		snprintf(err, errlen, "out of memory reading the dashboard");
		return NULL;
	}
	dashboard_order_vars(r.d);
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
	for (size_t i = 0; i < d->np; i++) {
		for (size_t t = 0; t < d->p[i].nt; t++)
			free(d->p[i].t[t].expr);
		free(d->p[i].t);
		md_doc_free(&d->p[i].md);
	}
	for (size_t i = 0; i < d->nv; i++) {
		struct dash_var *v = &d->v[i];

		free(v->query);
		free(v->regex);
		free(v->all_value);
		for (size_t k = 0; k < v->nopt; k++)
			free(v->opt[k]);
		for (size_t k = 0; k < v->ncur; k++)
			free(v->cur[k]);
	}
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
		if (!strcasecmp(d->p[i].title, title_or_id) || (!*end && end != title_or_id && d->p[i].id == id))
			return i;
	return (size_t)-1;
}
