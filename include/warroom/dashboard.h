/* dashboard — Grafana dashboard JSON (exported or provisioned) read into
 * panels, targets, field settings and template variables; the variables'
 * syntax ($v, ${v}, ${v:format}, [[v]]) and built-ins expanded; units
 * formatted as Grafana formats them; reductions, thresholds and the range
 * step. No JSON type leaks out of here: views read these structs.
 *
 * Anything a dashboard holds that the console cannot draw is a placeholder
 * panel with words, never a load error; only input that is not a dashboard
 * at all (not JSON, not an object) fails to load.
 * Implemented in core/metrics/: reading dashboard.c (the schema) and
 * dashboard_json.c (a panel, a variable), repeats and the layout
 * dashboard_layout.c, variables dashboard_vars.c, their formats
 * dashboard_format.c, variable queries dashboard_varq.c, units
 * dashboard_units.c, the live rounds dashboard_live*.c. */
#ifndef WARROOM_DASHBOARD_H
#define WARROOM_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/markdown.h"

enum dash_type {
	DASH_TIMESERIES, DASH_GRAPH, DASH_STAT, DASH_SINGLESTAT, DASH_GAUGE, DASH_BARGAUGE,
	DASH_TABLE, DASH_TEXT, DASH_ROW, DASH_OTHER,
};

#define DASH_THRESHOLDS 10
#define DASH_OVERRIDES 8

struct dash_threshold {
	double value;            /* -Inf for the base step */
	char color[24];          /* as Grafana names it: "green", "red", "#EAB839" */
};

/* fieldConfig.defaults (and an override's properties). */
struct dash_field {
	char unit[32];           /* "" : none */
	int decimals;            /* -1: automatic */
	double min, max;         /* NaN: not set */
	bool percentage;         /* thresholds.mode "percentage" (of min..max) */
	struct dash_threshold th[DASH_THRESHOLDS];
	int nth;
};

/* A simple override: a series name (byName, or byRegexp) with unit and decimals. */
struct dash_override {
	char match[96];
	bool regex;
	char unit[32];
	int decimals;            /* -1: unchanged */
};

struct dash_target {
	char ref[48];            /* refId */
	char *expr;              /* as written, variables unexpanded; "" when none */
	char legend[128];        /* legendFormat */
	char interval[16];       /* the target's min step, "" when none */
	bool instant, hide;
	char ds[40];             /* the datasource it goes to when that is not Prometheus ("Loki",
	                          * "Expression"): never sent; "" for Prometheus */
};

enum dash_calc { CALC_LAST_NOT_NULL, CALC_LAST, CALC_MEAN, CALC_MAX, CALC_MIN, CALC_SUM };

/* A repeated copy's variable: the one value it stands for. */
struct dash_scope {
	char var[64];
	char val[128];
	bool pending;            /* the values are not known yet (resolved live): one copy stands for all */
};

struct dash_panel {
	int id;
	enum dash_type type;
	char type_name[32];      /* as the JSON says: "heatmap" */
	char title[128];         /* its variables expanded as Grafana shows them */
	char raw_title[128];     /* as written */
	int x, y, w, h;          /* gridPos on the 24-column grid (a repeated copy: its own) */
	int ly, lh;              /* laid out (dashboard_repeat, dashboard_toggle_row): grid line and
	                          * height with every closed row closed; lh 0: inside a closed row */
	int row;                 /* index of the row panel it belongs to, -1 */
	bool collapsed;          /* rows only: closed */
	int nchild;              /* rows only: the panels inside */
	struct dash_target *t;
	size_t nt;
	struct dash_field field;
	struct dash_override ov[DASH_OVERRIDES];
	int nov;
	enum dash_calc calc;
	char interval[16];       /* the panel's min interval ("30s"), "" */
	int max_points;          /* maxDataPoints, 0: not set */
	struct md_doc md;        /* text panels: the Markdown (or HTML) content laid out */
	char note[160];          /* why it is not drawn (placeholder, lint), "" */
	char ds[40];             /* a datasource other than Prometheus its queries go to ("Loki"):
	                          * the panel is a placeholder naming it; "" */
	char repeat[64];         /* the variable it is repeated over, "" */
	bool repeat_v;           /* repeatDirection "v": copies one under the other */
	int max_per_row;         /* horizontal repeats: copies a line at most */
	/* the panels shown (d->p) are copies of those read (d->tp): */
	int src;                 /* index in d->tp */
	struct dash_scope scope[2];   /* a repeated row's value, then a repeated panel's */
	int nscope;
};

enum dash_var_type {
	VAR_QUERY, VAR_CUSTOM, VAR_CONSTANT, VAR_INTERVAL, VAR_TEXTBOX, VAR_DATASOURCE, VAR_ADHOC, VAR_OTHER,
};

#define DASH_VAR_VALUES 64

struct dash_var {
	char name[64];
	enum dash_var_type type;
	char type_name[24];
	char *query;             /* query, custom list, constant, interval list; a datasource
	                          * variable: the plugin ("prometheus", "loki") */
	char *regex;             /* "" : none; "/re/flags" or "re" */
	bool multi, include_all;
	char *all_value;         /* NULL: all options joined */
	int hide;                /* 0 shown, 1 its label hidden, 2 hidden */
	int refresh;             /* query variables: 0 never (the saved options stand), 1 on load, 2 on range */
	int sort;                /* Grafana's option sort: 0 none, 1/2 alphabetical, 3/4 numerical,
	                          * 5/6 case-insensitive, 7/8 natural (odd ascending) */
	bool autoi;              /* interval variables: "auto" is offered */
	int auto_count;          /* auto: the range divided in so many steps */
	char auto_min[16];       /* auto: never under this */
	char ds[40];             /* query variables asking another datasource ("Loki"): not resolved here */
	/* options (resolved or from the JSON) and the selected values */
	char *opt[DASH_VAR_VALUES];
	char *otext[DASH_VAR_VALUES];   /* an option's text when it differs from its value, else NULL */
	size_t nopt;
	char *cur[DASH_VAR_VALUES];
	size_t ncur;
	bool cur_all;            /* "All" selected */
	bool cur_auto;           /* interval variables: "auto" selected */
	bool resolved;           /* a live resolution answered: its options, maybe none (then it is
	                          * empty, as in Grafana: matchers ask for series without the label) */
	char error[160];         /* the last resolution's failure, "" */
};

struct dashboard {
	char title[128];
	char uid[64];
	char file[256];          /* where it came from, for words */
	int schema;
	char refresh[16];
	struct dash_panel *tp;   /* the panels as read: rows, each row's panels after it */
	size_t ntp;
	struct dash_panel *p;    /* the panels shown: repeats made, in reading order (dashboard_repeat) */
	size_t np;
	struct dash_var *v;
	size_t nv;
	int *order;              /* variables in resolution order (dependencies first) */
	char order_error[200];   /* a cycle, in words; "" */
	char warn[8][160];       /* what was read past (wrong types), for lint */
	size_t nwarn;
};

/* Reads a dashboard, or NULL with words in err. Wrapped ones are taken
 * too: a Grafana API export ({"dashboard": {...}, "meta": ...}), a file
 * keyed by its name ({"name.json": {...}}) and a ConfigMap's data. */
struct dashboard *dashboard_parse(const char *json, size_t len, char *err, size_t errlen);
struct dashboard *dashboard_load(const char *path, char *err, size_t errlen);
void dashboard_free(struct dashboard *d);
/* Whether the console draws this panel (rows and placeholders do not: an
 * unknown type, or queries that go to another datasource than Prometheus). */
bool dashboard_drawable(const struct dash_panel *p);
/* The panel shown whose title (as shown or as written) or id is title_or_id:
 * its index in d->p, or (size_t)-1. */
size_t dashboard_find(const struct dashboard *d, const char *title_or_id);

/* ---- repeats, rows and the layout (dashboard_layout.c) ---- */

/* Makes the panels shown (d->p) from those read, as Grafana draws them
 * with the variables' values now: a repeated panel or row once per value
 * (each copy scoped to its value), titles expanded, rows open or closed
 * as they were, then the layout. 1 when the panels are others than before
 * (a count or a copy's value changed), 0 when only their titles may have,
 * -1 out of memory (the panels stay as they were). */
int dashboard_repeat(struct dashboard *d);
/* Opens or closes row i of d->p; the layout follows. */
void dashboard_toggle_row(struct dashboard *d, size_t i);
/* Whether panel i of d->p is inside a closed row. */
bool dashboard_hidden(const struct dashboard *d, size_t i);

/* ---- variables and interpolation (dashboard_vars.c) ---- */

/* What the built-ins expand to for one query. */
struct dash_env {
	int64_t range_ms;        /* the time range */
	int64_t interval_ms;     /* the step ($__interval) */
	int64_t scrape_ms;       /* the query's min step or the scrape interval */
	int64_t now_ms;          /* the range's end ($__from, $__to); 0: the clock */
	bool instant;            /* an instant query: $__auto is the range */
};

/* What an expansion met that Grafana would not have filled. */
struct dash_gaps {
	unsigned empty;          /* variables that came out as nothing (an empty matcher) */
	unsigned unknown;        /* $names no variable has, left as written */
	unsigned builtin;        /* $__names this console does not know, left as written */
	unsigned pending;        /* variables without values yet: a placeholder <name=All>, <name=?> */
	char first[96];          /* the first of them, as written: "$job", "$__timeFilter" */
	char var[64];            /* its variable, when it is one: "job" */
	char why[96];            /* and what it is: "has no value", "is no variable" */
};

/* expr with every variable and built-in expanded, malloc'd; NULL out of
 * memory. Unknown variables stay as written (Grafana does the same). */
char *dashboard_expand(const struct dashboard *d, const struct dash_env *env, const char *expr);
/* The same for panel p (its repeat's values; NULL none), in format fmt when
 * a reference names none (NULL: Prometheus' own escaping, "text" for
 * titles); gaps (NULL: not wanted) counts what was left unfilled. */
char *dashboard_expand_in(const struct dashboard *d, const struct dash_env *env, const struct dash_panel *p,
                          const char *expr, const char *fmt, struct dash_gaps *gaps);
/* The interval an "auto" interval variable stands for over range_ms: the
 * range in auto_count steps rounded as Grafana rounds, never under auto_min. */
int64_t dashboard_auto_interval_ms(const struct dash_var *v, int64_t range_ms);
/* Names of the variables expr refers to, for dependency order: calls fn per name. */
void dashboard_refs(const char *expr, void (*fn)(const char *name, size_t len, void *arg), void *arg);
/* The variable called name, NULL when the dashboard has none. */
struct dash_var *dashboard_var(struct dashboard *d, const char *name);
/* Orders the variables; on a cycle, order_error names it and the variables
 * of the cycle keep their JSON values. 0, or -1 on a cycle. */
int dashboard_order_vars(struct dashboard *d);
/* Sets a variable's selection: values separated by commas, or "All" / "$__all". */
int dashboard_var_set(struct dashboard *d, const char *name, const char *values, char *err, size_t errlen);
/* Replaces the options (after a live resolution), sorted as the variable
 * asks; a selection that is no longer there falls to the first option (or
 * All). */
void dashboard_var_options(struct dash_var *v, char *const *vals, size_t n);
/* Whether the variable's values are known: its options, a selection, or a
 * resolution that found none (a query variable not resolved yet has none of
 * these: it is a placeholder, never sent). */
bool dashboard_var_known(const struct dash_var *v);
/* A variable's regex ("/re/i", or "re"; JavaScript's \d \w \s (?: (?i:
 * taken) applied to one raw value: 1 kept (out: the first capture group, or
 * the value), 0 dropped, -1 bad regex (words in err). */
int dashboard_var_regex(const char *regex, const char *raw, char *out, size_t outlen, char *err, size_t errlen);
/* A query variable's query: the Prometheus API call it needs. */
enum dash_varq {
	VARQ_LABEL_VALUES, VARQ_SERIES_LABEL, VARQ_QUERY_RESULT, VARQ_METRICS, VARQ_LABEL_NAMES, VARQ_SERIES,
	VARQ_LIST, VARQ_BAD,
};
struct dash_varq_parsed {
	enum dash_varq kind;
	char label[128];
	char *arg;               /* metric / selector / query / regex, malloc'd ("" none) */
};
/* Parses label_values(label), label_values(metric, label), query_result(q),
 * metrics(re), label_names(); any other expression is a series selector
 * (Grafana lists its series, name{labels}, for the regex to pick from);
 * what is not one is VARQ_BAD with words. Free arg. */
int dashboard_varq_parse(const char *q, struct dash_varq_parsed *out, char *err, size_t errlen);

/* ---- numbers (dashboard_units.c) ---- */

/* A duration "15s", "1m", "2h", "1d", "500ms" in ms, -1 when not one. */
int64_t dashboard_duration_ms(const char *s);
/* A duration as Grafana writes it in a query: "30s", "2m", "1h", "1d". */
void dashboard_duration_str(int64_t ms, char *buf, size_t len);
/* The range query's step: the width in points across the range, never under
 * min_step or the scrape interval, never over 11,000 points. */
int64_t dashboard_step_ms(int64_t range_ms, int points, int64_t min_step_ms, int64_t scrape_ms);
/* max($__interval + scrape, 4 x scrape) */
int64_t dashboard_rate_interval_ms(int64_t interval_ms, int64_t scrape_ms);
/* A value in the unit, decimals -1 automatic: "12.5%", "1.50 KiB", "350 ms". */
void dashboard_format(double v, const char *unit, int decimals, char *buf, size_t len);
/* The reduction of a series (NaN values skipped, except by CALC_LAST). */
double dashboard_reduce(const double *v, size_t n, enum dash_calc calc);
/* Index of the threshold step v falls in (-1 none); percentage steps are
 * taken of lo..hi. */
int dashboard_threshold(const struct dash_field *f, double v, double lo, double hi);
/* What a threshold colour means: 0 fine, 1 warning, 2 critical, -1 other. */
int dashboard_color_level(const char *color);
/* The level of v by f's thresholds: percentage steps of min..max (unset: 0,
 * and 100, or 1 for percentunit). -1: no step, or a colour of no level. */
int dashboard_value_level(const struct dash_field *f, double v);

/* ---- live: a dashboard's panels filled from Prometheus (dashboard_live*.c) ---- */

struct loop;
struct prom;
struct source;

#define DASH_LINES 16            /* series kept a panel; more are counted */
#define DASH_FILES 32

struct dash_line {
	char name[128];          /* the legend */
	char key[256];           /* the series' labels: incremental answers join on it */
	int target;
	double *v;               /* values, oldest first (NaN, +Inf, -Inf as answered) */
	int64_t *t;              /* ms since the epoch */
	size_t n, cap;
};

struct dash_pdata {
	struct dash_line line[DASH_LINES];
	size_t nline;
	size_t dropped;          /* series past DASH_LINES */
	char err[240];           /* the last failure of one of its queries, in words, "" */
	char warn[200];          /* Prometheus' warnings for its queries */
	int64_t updated_ms;      /* monotonic, last answer without error; 0 never */
	int64_t step_ms;
	int64_t end_ms;          /* the newest time asked for */
	bool filled;             /* the whole range is in */
};

struct dash_live {
	struct loop *loop;
	struct prom *prom;
	struct source *src;
	char files[DASH_FILES][512];
	char names[DASH_FILES][128];  /* titles, for the picker */
	char uids[DASH_FILES][64];    /* Grafana's uid: the config may name a dashboard by it */
	size_t nfiles, cur;
	struct dashboard *d;     /* NULL when none loaded: see error */
	struct dash_pdata *pd;   /* one a panel of d->p */
	size_t npd;
	char error[300];
	char vars[512];          /* values set in the config, "name=value;name=a,b": applied on load */
	int64_t range_ms;
	int64_t scrape_ms;
	int max_in_flight;
	int cols;                /* the terminal's width: points a panel asks for */
	bool paused;
	/* the round in flight */
	unsigned gen;            /* bumped by a change of dashboard, range, variables or width */
	unsigned round_gen;      /* gen when the round in flight started */
	unsigned vgen;           /* the same, but the width: the variables' answers do not depend on it */
	unsigned round_vgen;
	bool need_vars, need_full, closing;
	int inflight, queued;
	size_t next_job, njobs;
	struct dash_job *jobs;
	size_t var_at;           /* position in d->order during the variables phase */
	void (*phase_done)(struct dash_live *l, bool stopped);   /* the phase in flight reports its end */
	int64_t round_start_ms, last_round_ms, slowest_ms;
	size_t queries, sent;     /* the last round's panel queries, and those sent (shared and idle ones are not) */
	void (*changed)(struct dash_live *l, void *arg);
	void *arg;
};

struct dash_live *dash_live_new(struct loop *loop, struct prom *prom, int64_t scrape_ms, int max_in_flight,
                                void (*changed)(struct dash_live *l, void *arg), void *arg);
/* Adds one dashboard file, or every *.json of a folder (sorted). Count added. */
int dash_live_add(struct dash_live *l, const char *path);
/* Loads file i of the list (its panels are filled at once on the next round).
 * 0, or -1 with l->error. */
int dash_live_select(struct dash_live *l, size_t i);
/* The file whose title, uid or file name is name; -1 none. */
int dash_live_find(const struct dash_live *l, const char *name);
void dash_live_set_range(struct dash_live *l, int64_t range_ms);
void dash_live_set_cols(struct dash_live *l, int cols);
void dash_live_pause(struct dash_live *l, bool paused);
/* Opens or closes row i of the dashboard shown; an opened row's panels are
 * asked for at once. */
void dash_live_toggle_row(struct dash_live *l, size_t i);
/* A variable chosen in the console: the variables after it resolve again. */
int dash_live_set_var(struct dash_live *l, const char *name, const char *values, char *err, size_t errlen);
struct source *dash_live_source(struct dash_live *l);
void dash_live_start(struct dash_live *l, int interval_ms);
/* Stop before the HTTP engine is freed, free after. */
void dash_live_stop(struct dash_live *l);
void dash_live_free(struct dash_live *l);
/* A panel's value for a stat, gauge or the overview: its first series reduced. */
double dash_live_value(const struct dash_live *l, size_t panel, size_t line);

#endif
