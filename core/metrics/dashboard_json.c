/* A Grafana panel and a template variable read out of their JSON: field
 * settings, thresholds, overrides, the old panels' settings, targets, where
 * the queries go (the datasource, a Mixed panel's per query), repeats; a
 * variable's type, options, selection, hide level, sort and auto interval.
 * A wrong type is read past with a warning; the schema's walk is
 * dashboard.c's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "dashboard_priv.h"
#include "warroom/markdown.h"
#include "warroom/text.h"

#define DASH_PANELS_MAX 2000
#define DASH_TARGETS_MAX 64
#define DASH_VARS_MAX 64

static const struct { const char *name; enum dash_type t; } types[] = {
	{ "timeseries", DASH_TIMESERIES }, { "graph", DASH_GRAPH }, { "stat", DASH_STAT },
	{ "singlestat", DASH_SINGLESTAT }, { "gauge", DASH_GAUGE }, { "bargauge", DASH_BARGAUGE },
	{ "table", DASH_TABLE }, { "table-old", DASH_TABLE }, { "text", DASH_TEXT }, { "row", DASH_ROW },
};

void dash_rd_warn(struct dash_rd *r, const char *fmt, const char *a, const char *b)
{
	struct dashboard *d = r->d;

	if (d->nwarn >= sizeof d->warn / sizeof d->warn[0])
		return;
	snprintf(d->warn[d->nwarn++], sizeof d->warn[0], fmt, a, b);
}

const cJSON *dash_json_get(const cJSON *o, const char *k)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

/* An array member for cJSON_ArrayForEach, NULL when of another type. */
static const cJSON *arr(const cJSON *v)
{
	return cJSON_IsArray(v) ? v : NULL;
}

/* A string member, or dflt when missing or of another type. */
const char *dash_json_str(const cJSON *o, const char *k, const char *dflt)
{
	const cJSON *v = dash_json_get(o, k);

	return cJSON_IsString(v) && v->valuestring ? v->valuestring : dflt;
}

static bool boolean(const cJSON *o, const char *k)
{
	const cJSON *v = dash_json_get(o, k);

	return cJSON_IsTrue(v) || (cJSON_IsNumber(v) && v->valuedouble != 0);
}

/* A number, also written as a string ("80"), or NaN. */
double dash_json_num(const cJSON *v)
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

int dash_json_clamp(double v, int lo, int hi, int dflt)
{
	if (isnan(v))
		return dflt;
	return v < lo ? lo : v > hi ? hi : (int)v;
}

/* A copy; NULL out of memory, and the whole read fails (r->oom). */
static char *dup(struct dash_rd *r, const char *s)
{
	char *c = strdup(s ? s : "");

	if (!c)
		r->oom = true;
	return c;
}

static void read_thresholds(struct dash_field *f, const cJSON *th)
{
	const cJSON *steps = dash_json_get(th, "steps"), *s;

	f->percentage = strcmp(dash_json_str(th, "mode", ""), "percentage") == 0;
	cJSON_ArrayForEach(s, arr(steps)) {
		const cJSON *v = dash_json_get(s, "value");

		if (f->nth >= DASH_THRESHOLDS || !cJSON_IsObject(s))
			break;
		f->th[f->nth].value = cJSON_IsNull(v) || !v ? -INFINITY : dash_json_num(v);
		if (isnan(f->th[f->nth].value))
			continue;
		text_copy(f->th[f->nth].color, sizeof f->th[0].color, dash_json_str(s, "color", ""));
		f->nth++;
	}
}

static void read_field(struct dash_field *f, const cJSON *def)
{
	const cJSON *dec = dash_json_get(def, "decimals");

	text_copy(f->unit, sizeof f->unit, dash_json_str(def, "unit", f->unit));
	if (cJSON_IsNumber(dec))
		f->decimals = dash_json_clamp(dec->valuedouble, 0, 12, -1);
	if (!isnan(dash_json_num(dash_json_get(def, "min"))))
		f->min = dash_json_num(dash_json_get(def, "min"));
	if (!isnan(dash_json_num(dash_json_get(def, "max"))))
		f->max = dash_json_num(dash_json_get(def, "max"));
	if (dash_json_get(def, "thresholds"))
		read_thresholds(f, dash_json_get(def, "thresholds"));
}

static void read_overrides(struct dash_panel *p, const cJSON *list)
{
	const cJSON *o, *prop;

	cJSON_ArrayForEach(o, arr(list)) {
		const cJSON *m = dash_json_get(o, "matcher");
		const char *id = dash_json_str(m, "id", "");
		struct dash_override *ov;

		if (p->nov >= DASH_OVERRIDES)
			break;
		if (strcmp(id, "byName") != 0 && strcmp(id, "byRegexp") != 0)
			continue;
		ov = &p->ov[p->nov];
		memset(ov, 0, sizeof *ov);
		ov->decimals = -1;
		ov->regex = id[2] == 'R';
		text_copy(ov->match, sizeof ov->match, dash_json_str(m, "options", ""));
		cJSON_ArrayForEach(prop, arr(dash_json_get(o, "properties"))) {
			const char *pid = dash_json_str(prop, "id", "");

			if (!strcmp(pid, "unit"))
				text_copy(ov->unit, sizeof ov->unit, dash_json_str(prop, "value", ""));
			else if (!strcmp(pid, "decimals") && cJSON_IsNumber(dash_json_get(prop, "value")))
				ov->decimals = dash_json_clamp(dash_json_get(prop, "value")->valuedouble, 0, 12, -1);
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
	const cJSON *yaxes = dash_json_get(j, "yaxes"), *colors = dash_json_get(j, "colors");
	const char *th = dash_json_str(j, "thresholds", NULL);

	if (cJSON_IsArray(yaxes))
		text_copy(p->field.unit, sizeof p->field.unit, dash_json_str(cJSON_GetArrayItem(yaxes, 0), "format", ""));
	if (dash_json_str(j, "format", NULL))
		text_copy(p->field.unit, sizeof p->field.unit, dash_json_str(j, "format", ""));
	if (cJSON_IsNumber(dash_json_get(j, "decimals")))
		p->field.decimals = dash_json_clamp(dash_json_get(j, "decimals")->valuedouble, 0, 12, -1);
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
	if (dash_json_str(j, "valueName", NULL))
		p->calc = calc_of(dash_json_str(j, "valueName", ""));
}

/* ---- where the queries go ---- */

/* A datasource plugin as this console names it: "" for Prometheus and
 * the servers that answer its API. */
static void plugin_name(const char *type, char *out, size_t len)
{
	static const char *const prom[] = {
		"prometheus", "victoriametrics-datasource", "victoriametrics-metrics-datasource",
		"grafana-amazonprometheus-datasource", "grafana-azureprometheus-datasource", "",
	};
	static const struct { const char *id, *name; } other[] = {
		{ "__expr__", "Expression" }, { "loki", "Loki" }, { "tempo", "Tempo" },
		{ "elasticsearch", "Elasticsearch" },
		{ "influxdb", "InfluxDB" }, { "graphite", "Graphite" }, { "jaeger", "Jaeger" }, { "zipkin", "Zipkin" },
		{ "mysql", "MySQL" }, { "postgres", "PostgreSQL" }, { "grafana-postgresql-datasource", "PostgreSQL" },
		{ "mssql", "SQL Server" }, { "cloudwatch", "CloudWatch" }, { "testdata", "TestData" },
		{ "grafana-testdata-datasource", "TestData" }, { "alertmanager", "Alertmanager" }, { "grafana", "Grafana" },
		{ "opentsdb", "OpenTSDB" }, { "grafana-pyroscope-datasource", "Pyroscope" },
		{ "victoriametrics-logs-datasource", "VictoriaLogs" },
	};

	out[0] = '\0';
	for (size_t i = 0; i < sizeof prom / sizeof prom[0]; i++)
		if (!strcasecmp(type, prom[i]))
			return;
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
		if (!strcasecmp(type, other[i].id)) {
			text_copy(out, len, other[i].name);
			return;
		}
	text_copy(out, len, type);
}

/* Whether word is in s, whatever the case. */
static bool has_word(const char *s, const char *word)
{
	for (size_t n = strlen(word); *s; s++)
		if (!strncasecmp(s, word, n))
			return true;
	return false;
}

/* A datasource named by a string: "$var", "${DS_X}", a Grafana special, or a
 * datasource's own name (the word of its kind in it, or Prometheus). */
static void datasource_name(const struct dash_rd *r, const char *s, char *out, size_t len)
{
	static const char *const kinds[] = {
		"loki", "tempo", "elasticsearch", "influxdb", "graphite", "jaeger", "zipkin", "mysql", "postgres",
		"cloudwatch", "testdata",
	};
	char name[64];

	out[0] = '\0';
	if (!strcmp(s, "-- Mixed --")) {
		text_copy(out, len, "-- Mixed --");
		return;
	}
	if (!strcmp(s, "-- Grafana --") || !strcmp(s, "-- Dashboard --")) {
		text_copy(out, len, s[3] == 'G' ? "Grafana" : "Dashboard");
		return;
	}
	if (s[0] == '$') {
		const char *n = s + 1 + (s[1] == '{');
		size_t nl = strcspn(n, ":}");

		snprintf(name, sizeof name, "%.*s", (int)nl, n);
		for (size_t i = 0; i < r->d->nv; i++)
			if (r->d->v[i].type == VAR_DATASOURCE && !strcmp(r->d->v[i].name, name)) {
				plugin_name(r->d->v[i].query, out, len);
				return;
			}
		for (size_t i = 0; i < r->nin; i++)
			if (!strcmp(r->in_name[i], name)) {
				plugin_name(r->in_plugin[i], out, len);
				return;
			}
		return;   /* a variable this dashboard does not define: the one Prometheus */
	}
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (has_word(s, kinds[i])) {
			plugin_name(kinds[i], out, len);
			return;
		}
}

/* A datasource reference (a name, "$var", {"type":..., "uid":...}, null)
 * as this console sees it: "" Prometheus, "-- Mixed --", or the name of
 * another ("Loki"). */
static void datasource(const struct dash_rd *r, const cJSON *ref, char *out, size_t len)
{
	const char *type, *uid;

	out[0] = '\0';
	if (cJSON_IsString(ref)) {
		datasource_name(r, ref->valuestring, out, len);
		return;
	}
	if (!cJSON_IsObject(ref))
		return;   /* null, absent: the default, taken to be the one Prometheus */
	type = dash_json_str(ref, "type", "");
	uid = dash_json_str(ref, "uid", "");
	if (!strcmp(uid, "-- Mixed --") || !strcmp(uid, "-- Grafana --") || !strcmp(uid, "-- Dashboard --"))
		datasource_name(r, uid, out, len);
	else if (!strcmp(type, "datasource") && !strcmp(uid, "grafana"))
		text_copy(out, len, "Grafana");
	else if (type[0] && strcmp(type, "datasource") != 0)
		plugin_name(type, out, len);
	else
		datasource_name(r, uid, out, len);
}

/* The panel's datasource, and each query's: a Mixed panel's queries each
 * name their own; an expression is never a query to send. A panel whose
 * every query goes elsewhere than Prometheus is a placeholder naming it. */
static void read_datasources(struct dash_rd *r, struct dash_panel *p, const cJSON *j)
{
	char pds[40], tds[40];
	bool mixed, all_other = p->nt > 0, same = true;
	const cJSON *t;
	size_t k = 0;

	datasource(r, dash_json_get(j, "datasource"), pds, sizeof pds);
	mixed = !strcmp(pds, "-- Mixed --");
	cJSON_ArrayForEach(t, arr(dash_json_get(j, "targets"))) {
		if (!cJSON_IsObject(t))
			continue;
		if (k >= p->nt)
			break;
		datasource(r, dash_json_get(t, "datasource"), tds, sizeof tds);
		if (!strcmp(tds, "Expression") || (mixed && strcmp(tds, "-- Mixed --") != 0))
			text_copy(p->t[k].ds, sizeof p->t[k].ds, tds);
		else if (!mixed)
			text_copy(p->t[k].ds, sizeof p->t[k].ds, pds);
		if (!p->t[k].ds[0])
			all_other = false;
		if (k && strcmp(p->t[k].ds, p->t[0].ds) != 0)
			same = false;
		k++;
	}
	if (p->type == DASH_ROW || p->type == DASH_TEXT)
		return;
	if (all_other)
		text_copy(p->ds, sizeof p->ds, same ? p->t[0].ds : "other datasources");
}

static void read_targets(struct dash_rd *r, struct dash_panel *p, const cJSON *targets)
{
	const cJSON *t;
	size_t n = 0;

	if (targets && !cJSON_IsArray(targets))
		dash_rd_warn(r, "panel \"%s\": targets is not a list%s", p->title, "");
	if (!cJSON_IsArray(targets))
		return;
	n = (size_t)cJSON_GetArraySize(targets);
	if (n > DASH_TARGETS_MAX) {
		dash_rd_warn(r, "panel \"%s\": only the first 64 queries are read%s", p->title, "");
		n = DASH_TARGETS_MAX;
	}
	p->t = calloc(n ? n : 1, sizeof *p->t);
	if (!p->t) {
		r->oom = true;
		return;
	}
	cJSON_ArrayForEach(t, targets) {
		struct dash_target *q;
		const cJSON *e = dash_json_get(t, "expr"), *iv = dash_json_get(t, "interval");

		if (p->nt >= n)
			break;
		if (!cJSON_IsObject(t))
			continue;
		q = &p->t[p->nt];
		if (!(q->expr = dup(r, cJSON_IsString(e) ? e->valuestring : "")))
			return;
		p->nt++;
		if (e && !cJSON_IsString(e))
			dash_rd_warn(r, "panel \"%s\": a query's expr is not text%s", p->title, "");
		text_copy(q->ref, sizeof q->ref, dash_json_str(t, "refId", ""));
		if (!q->ref[0])
			snprintf(q->ref, sizeof q->ref, "%c", (char)('A' + (p->nt - 1) % 26));
		text_copy(q->legend, sizeof q->legend, dash_json_str(t, "legendFormat", ""));
		text_copy(q->interval, sizeof q->interval, cJSON_IsString(iv) ? iv->valuestring : "");
		q->instant = boolean(t, "instant");
		q->hide = boolean(t, "hide");
	}
}

struct dash_panel *dash_rd_add_panel(struct dash_rd *r)
{
	struct dashboard *d = r->d;

	if (d->ntp >= DASH_PANELS_MAX) {
		if (d->ntp == DASH_PANELS_MAX)
			dash_rd_warn(r, "more than 2000 panels: the rest are not read%s%s", "", "");
		d->ntp += d->ntp == DASH_PANELS_MAX;   /* said once */
		return NULL;
	}
	if (d->ntp == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct dash_panel *np = realloc(d->tp, cap * sizeof *np);

		if (!np) {
			r->oom = true;
			return NULL;
		}
		d->tp = np;
		r->cap = cap;
	}
	memset(&d->tp[d->ntp], 0, sizeof d->tp[0]);
	d->tp[d->ntp].row = -1;
	d->tp[d->ntp].field.decimals = -1;
	d->tp[d->ntp].field.min = d->tp[d->ntp].field.max = NAN;
	return &d->tp[d->ntp++];
}

/* A panel's height in grid lines from the old schema's pixels ("250px"),
 * as Grafana converts it: 38 px a line, never under 90 px. */
static int old_height(const cJSON *h, int dflt)
{
	double px = cJSON_IsString(h) ? strtod(h->valuestring, NULL) : dash_json_num(h);

	if (!h || isnan(px) || px <= 0)
		return dflt;
	if (px < 90)
		px = 90;
	return dash_json_clamp(ceil(px / 38.0), 3, 200, dflt);
}

struct dash_panel *dash_rd_panel(struct dash_rd *r, const cJSON *j, int row, bool old, int *ox, int row_h)
{
	struct dash_panel *p;
	const cJSON *gp = dash_json_get(j, "gridPos"), *fc = dash_json_get(j, "fieldConfig");
	const char *type = dash_json_str(j, "type", ""), *dir = dash_json_str(j, "repeatDirection", "h");

	if (!cJSON_IsObject(j) || !(p = dash_rd_add_panel(r)))
		return NULL;
	p->row = row;
	p->id = dash_json_clamp(dash_json_num(dash_json_get(j, "id")), 0, 1 << 30, 0);
	text_copy(p->raw_title, sizeof p->raw_title, dash_json_str(j, "title", ""));
	text_fix_utf8(p->raw_title);
	text_copy(p->title, sizeof p->title, p->raw_title);
	text_copy(p->type_name, sizeof p->type_name, type[0] ? type : "(no type)");
	p->type = DASH_OTHER;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (!strcmp(type, types[i].name))
			p->type = types[i].t;
	if (old) {   /* the old schema: spans of 12 packed left to right, as Grafana converts them */
		int span = dash_json_clamp(dash_json_num(dash_json_get(j, "span")), 1, 12, 12);

		p->w = span * 2;
		p->h = old_height(dash_json_get(j, "height"), row_h);
		if (*ox + p->w > 24)
			*ox = 0, r->next_y += row_h;
		p->x = *ox;
		p->y = r->next_y;
		*ox += p->w;
	} else {
		p->x = dash_json_clamp(dash_json_num(dash_json_get(gp, "x")), 0, 23, 0);
		p->w = dash_json_clamp(dash_json_num(dash_json_get(gp, "w")), 1, 24, 12);
		p->y = dash_json_clamp(dash_json_num(dash_json_get(gp, "y")), 0, 1 << 20, 0);
		p->h = dash_json_clamp(dash_json_num(dash_json_get(gp, "h")), 1, 200, p->type == DASH_ROW ? 1 : 8);
		if (p->x + p->w > 24)
			p->w = 24 - p->x;
	}
	p->collapsed = boolean(j, "collapsed");
	text_copy(p->repeat, sizeof p->repeat, dash_json_str(j, "repeat", ""));
	p->repeat_v = dir[0] == 'v';
	p->max_per_row = dash_json_clamp(dash_json_num(dash_json_get(j, "maxPerRow")), 1, 24, 4);
	p->max_points = dash_json_clamp(dash_json_num(dash_json_get(j, "maxDataPoints")), 0, 100000, 0);
	text_copy(p->interval, sizeof p->interval, dash_json_str(j, "interval", ""));
	read_targets(r, p, dash_json_get(j, "targets"));
	read_datasources(r, p, j);
	read_field(&p->field, dash_json_get(fc, "defaults"));
	read_overrides(p, dash_json_get(fc, "overrides"));
	read_legacy_field(p, j);
	{
		const cJSON *calcs = dash_json_get(dash_json_get(dash_json_get(j, "options"), "reduceOptions"), "calcs");
		const cJSON *c0 = cJSON_IsArray(calcs) ? cJSON_GetArrayItem(calcs, 0) : NULL;

		if (cJSON_IsString(c0))
			p->calc = calc_of(c0->valuestring);
	}
	if (p->type == DASH_TEXT) {
		const cJSON *o = dash_json_get(j, "options");
		const char *content = dash_json_str(o, "content", dash_json_str(j, "content", ""));
		const char *mode = dash_json_str(o, "mode", dash_json_str(j, "mode", "markdown"));

		/* laid out once; the view wraps it to the panel's width */
		if ((!strcasecmp(mode, "html") ? md_doc_html : md_doc_parse)(content, strlen(content), &p->md) != 0)
			r->oom = true;
	}
	if (!strcmp(p->ds, "Dashboard"))
		snprintf(p->note, sizeof p->note, "its data is another panel's (-- Dashboard --): a placeholder");
	else if (!strcmp(p->ds, "Grafana"))
		snprintf(p->note, sizeof p->note, "its data comes from Grafana itself (-- Grafana --): a placeholder");
	else if (p->ds[0])
		snprintf(p->note, sizeof p->note, "its queries go to %s, not Prometheus: never sent, a placeholder", p->ds);
	else if (p->type == DASH_OTHER)
		snprintf(p->note, sizeof p->note, "%s panels are not drawn in the terminal", p->type_name);
	else if (p->type != DASH_ROW && p->type != DASH_TEXT && p->nt == 0)
		snprintf(p->note, sizeof p->note, "no queries");
	else if (p->type == DASH_TABLE && p->nt && p->t[0].expr[0] == '\0')
		snprintf(p->note, sizeof p->note, "the query has no PromQL expression");
	return p;
}

static void add_value(struct dash_rd *r, char **arr, size_t *n, const char *s)
{
	if (*n < DASH_VAR_VALUES && (arr[*n] = dup(r, s)))
		(*n)++;
}

/* A custom variable's "a,b" or "text : value, ..." list into its options. */
static void custom_options(struct dash_rd *r, struct dash_var *v)
{
	char *list = dup(r, v->query), *save = NULL;

	for (char *t = list ? strtok_r(list, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
		char *colon;

		while (*t == ' ')
			t++;
		colon = v->type == VAR_CUSTOM ? strstr(t, " : ") : NULL;
		if (colon)
			*colon = '\0';
		for (size_t e = strlen(t); e && t[e - 1] == ' '; e--)
			t[e - 1] = '\0';
		if (colon && v->nopt < DASH_VAR_VALUES && *t)
			v->otext[v->nopt] = dup(r, t);
		if (colon)
			t = colon + 3;
		while (*t == ' ')
			t++;
		for (size_t e = strlen(t); e && t[e - 1] == ' '; e--)
			t[e - 1] = '\0';
		if (*t && v->nopt < DASH_VAR_VALUES)
			add_value(r, v->opt, &v->nopt, t);
		else if (v->nopt < DASH_VAR_VALUES) {
			free(v->otext[v->nopt]);
			v->otext[v->nopt] = NULL;
		}
	}
	free(list);
}

/* The selection as saved: "$__all" is All, "$__auto_interval_x" an interval's
 * auto; a query or custom variable's "" is no selection (Grafana picks the
 * first option), a selection not among a custom variable's options too. */
static void read_current(struct dash_rd *r, struct dash_var *v, const cJSON *cur)
{
	const cJSON *val = dash_json_get(cur, "value"), *o;

	if (cJSON_IsArray(val)) {
		cJSON_ArrayForEach(o, val)
			if (cJSON_IsString(o))
				add_value(r, v->cur, &v->ncur, o->valuestring);
	} else if (cJSON_IsString(val)) {
		add_value(r, v->cur, &v->ncur, val->valuestring);
	}
	for (size_t i = 0; i < v->ncur; i++) {
		if (!strcmp(v->cur[i], "$__all") || (!strcmp(v->cur[i], "All") && v->include_all))
			v->cur_all = true;
		if (v->type == VAR_INTERVAL && (!strncmp(v->cur[i], "$__auto_interval", 16) || !strcmp(v->cur[i], "auto")))
			v->cur_auto = true;
	}
	if (v->cur_all || v->cur_auto || v->type == VAR_CONSTANT) {
		for (size_t i = 0; i < v->ncur; i++)
			free(v->cur[i]);
		v->ncur = 0;
	}
	if (v->type == VAR_QUERY || v->type == VAR_CUSTOM || v->type == VAR_INTERVAL) {
		size_t keep = 0;

		for (size_t i = 0; i < v->ncur; i++) {
			bool ok = v->cur[i][0] != '\0';

			for (size_t k = 0; ok && v->type != VAR_QUERY && k <= v->nopt; k++)
				if (k == v->nopt)
					ok = false;
				else if (!strcmp(v->opt[k], v->cur[i]))
					break;
			if (ok)
				v->cur[keep++] = v->cur[i];
			else
				free(v->cur[i]);
		}
		v->ncur = keep;
	}
	if (v->ncur || v->cur_all || v->cur_auto)
		return;
	if (v->type == VAR_TEXTBOX || v->type == VAR_CONSTANT || (v->type == VAR_DATASOURCE && !v->nopt))
		add_value(r, v->cur, &v->ncur, v->query);
	else if (v->include_all)
		v->cur_all = true;
	else if (v->type == VAR_INTERVAL && v->autoi)
		v->cur_auto = true;
	else if (v->nopt)
		add_value(r, v->cur, &v->ncur, v->opt[0]);
}

void dash_rd_var(struct dash_rd *r, const cJSON *j)
{
	static const struct { const char *n; enum dash_var_type t; } vt[] = {
		{ "query", VAR_QUERY }, { "custom", VAR_CUSTOM }, { "constant", VAR_CONSTANT },
		{ "interval", VAR_INTERVAL }, { "textbox", VAR_TEXTBOX }, { "datasource", VAR_DATASOURCE },
		{ "adhoc", VAR_ADHOC },
	};
	struct dashboard *d = r->d;
	struct dash_var *v;
	const cJSON *q = dash_json_get(j, "query"), *o;
	const char *type = dash_json_str(j, "type", "query"), *name = dash_json_str(j, "name", "");

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
		q = dash_json_get(q, "query");
	v->query = dup(r, cJSON_IsString(q) ? q->valuestring : "");
	v->regex = dup(r, dash_json_str(j, "regex", ""));
	if (r->oom)
		return;   /* the read fails: what was taken is freed with the dashboard */
	v->multi = boolean(j, "multi");
	v->include_all = boolean(j, "includeAll");
	if (dash_json_str(j, "allValue", NULL) && dash_json_str(j, "allValue", "")[0])
		v->all_value = dup(r, dash_json_str(j, "allValue", ""));
	v->hide = dash_json_clamp(dash_json_num(dash_json_get(j, "hide")), 0, 2, 0);
	v->refresh = dash_json_clamp(dash_json_num(dash_json_get(j, "refresh")), 0, 2, 1);
	v->sort = dash_json_clamp(dash_json_num(dash_json_get(j, "sort")), 0, 8, 0);
	v->autoi = boolean(j, "auto");
	v->auto_count = dash_json_clamp(dash_json_num(dash_json_get(j, "auto_count")), 1, 100000, 30);
	text_copy(v->auto_min, sizeof v->auto_min, dash_json_str(j, "auto_min", "10s"));
	if (v->type == VAR_QUERY)
		datasource(r, dash_json_get(j, "datasource"), v->ds, sizeof v->ds);
	if (!strcmp(v->ds, "-- Mixed --"))
		v->ds[0] = '\0';
	if (v->type == VAR_CUSTOM || v->type == VAR_INTERVAL) {
		custom_options(r, v);
	} else if (v->type == VAR_CONSTANT || v->type == VAR_TEXTBOX) {
		add_value(r, v->opt, &v->nopt, v->query);
	} else {
		cJSON_ArrayForEach(o, arr(dash_json_get(j, "options"))) {
			const char *ov = dash_json_str(o, "value", NULL), *ot = dash_json_str(o, "text", NULL);

			if (!ov || !strcmp(ov, "$__all") || v->nopt >= DASH_VAR_VALUES)
				continue;
			if (ot && strcmp(ot, ov) != 0)
				v->otext[v->nopt] = dup(r, ot);
			add_value(r, v->opt, &v->nopt, ov);
		}
	}
	read_current(r, v, dash_json_get(j, "current"));
}
