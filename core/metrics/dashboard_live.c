/* A dashboard's panels filled from Prometheus on the one poller: the list
 * of dashboard files, the one shown, its range, width and variables, and
 * the driver of each round: the query variables resolved in dependency
 * order (dashboard_live_vars.c), then every panel's queries
 * (dashboard_live_panels.c). Each phase reports its end back here through
 * a callback; this file alone ends the round. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dashboard_live_priv.h"
#include "warroom/dashboard.h"
#include "warroom/loop.h"
#include "warroom/prom.h"
#include "warroom/source.h"
#include "warroom/text.h"

/* Prometheus runs 20 queries at once unless told otherwise
 * (--query.max-concurrency): no more from one console */
#define DEFAULT_IN_FLIGHT 20

static void round_start(struct source *src, void *arg);

struct dash_live *dash_live_new(struct loop *loop, struct prom *prom, int64_t scrape_ms, int max_in_flight,
                                void (*changed)(struct dash_live *l, void *arg), void *arg)
{
	struct dash_live *l = calloc(1, sizeof *l);

	if (!l)
		return NULL;
	l->src = source_new(loop, "dashboard", round_start, l);
	if (!l->src) {
		free(l);
		return NULL;
	}
	l->loop = loop;
	l->prom = prom;
	l->scrape_ms = scrape_ms > 0 ? scrape_ms : 15000;
	l->max_in_flight = max_in_flight > 0 ? max_in_flight : DEFAULT_IN_FLIGHT;
	l->range_ms = 3600000;
	l->cols = 80;
	l->changed = changed;
	l->arg = arg;
	return l;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_file(struct dash_live *l, const char *path)
{
	struct dashboard *d;
	char err[300];

	if (l->nfiles >= DASH_FILES)
		return 0;
	for (size_t i = 0; i < l->nfiles; i++)
		if (!strcmp(l->files[i], path))
			return 0;
	d = dashboard_load(path, err, sizeof err);
	text_copy(l->files[l->nfiles], sizeof l->files[0], path);
	text_copy(l->names[l->nfiles], sizeof l->names[0], d ? d->title : strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	text_copy(l->uids[l->nfiles], sizeof l->uids[0], d ? d->uid : "");
	l->nfiles++;
	dashboard_free(d);
	return 1;
}

int dash_live_add(struct dash_live *l, const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	char *names[DASH_FILES];
	size_t n = 0;
	int added = 0;

	if (!dir)
		return add_file(l, path);
	while ((e = readdir(dir)) && n < DASH_FILES) {
		size_t len = strlen(e->d_name);

		if (len > 5 && !strcmp(e->d_name + len - 5, ".json") && e->d_name[0] != '.') {
			if (!(names[n] = strdup(e->d_name))) {
				snprintf(l->error, sizeof l->error, "%s: out of memory listing its dashboards", path);
				break;
			}
			n++;
		}
	}
	closedir(dir);
	qsort(names, n, sizeof names[0], cmp_str);
	for (size_t i = 0; i < n; i++) {
		char full[1024];

		if (names[i]) {
			snprintf(full, sizeof full, "%s/%s", path, names[i]);
			added += add_file(l, full);
		}
		free(names[i]);
	}
	return added;
}

int dash_live_find(const struct dash_live *l, const char *name)
{
	for (size_t i = 0; i < l->nfiles; i++) {
		const char *base = strrchr(l->files[i], '/');

		base = base ? base + 1 : l->files[i];
		if (!strcasecmp(l->names[i], name) || !strcmp(l->files[i], name) || !strcmp(base, name) ||
		    (l->uids[i][0] && !strcmp(l->uids[i], name)) ||
		    (!strncmp(base, name, strlen(name)) && !strcmp(base + strlen(name), ".json")))
			return (int)i;
	}
	return -1;
}

/* The config's values for the variables this dashboard has; a value it
 * refuses is said on the variable. */
static void apply_vars(struct dash_live *l)
{
	char buf[sizeof l->vars], *save = NULL;

	text_copy(buf, sizeof buf, l->vars);
	for (char *t = strtok_r(buf, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(t, '='), err[160];
		struct dash_var *v;

		while (*t == ' ')
			t++;
		if (!eq)
			continue;
		*eq = '\0';
		v = dashboard_var(l->d, t);
		if (v && dashboard_var_set(l->d, t, eq + 1, err, sizeof err) != 0)
			snprintf(v->error, sizeof v->error, "dashboards.variables: %s", err);
	}
}

/* The repeats made again with the variables' values now: when the panels
 * are others, their data starts again (none at all when memory runs out:
 * every round says so on the panels until it is there). */
static void repeats(struct dash_live *l)
{
	struct dash_pdata *pd;

	if (dashboard_repeat(l->d) <= 0)
		return;   /* the same panels, or out of memory: the same panels still */
	pd = calloc(l->d->np ? l->d->np : 1, sizeof *pd);
	dash_live_pdata_free(l);
	l->pd = pd;
	l->npd = pd ? l->d->np : 0;
	l->need_full = true;
}

/* Loads file i in place of the dashboard shown. */
static int load(struct dash_live *l, size_t i)
{
	struct dashboard *d;
	struct dash_pdata *pd;

	if (i >= l->nfiles) {
		snprintf(l->error, sizeof l->error, "no dashboard number %zu", i + 1);
		return -1;
	}
	d = dashboard_load(l->files[i], l->error, sizeof l->error);
	if (!d)
		return -1;
	pd = calloc(d->np ? d->np : 1, sizeof *pd);
	if (!pd) {
		snprintf(l->error, sizeof l->error, "%s: out of memory for its panels", l->files[i]);
		dashboard_free(d);
		return -1;
	}
	dash_live_pdata_free(l);
	dashboard_free(l->d);
	l->d = d;
	l->cur = i;
	l->pd = pd;
	l->npd = d->np;
	l->error[0] = '\0';
	apply_vars(l);
	repeats(l);   /* the config's values may make other copies */
	l->gen++;
	l->vgen++;
	l->need_vars = l->need_full = true;
	return 0;
}

int dash_live_select(struct dash_live *l, size_t i)
{
	if (load(l, i) != 0)
		return -1;
	if (source_running(l->src))
		source_refresh(l->src);   /* during a round: one more right after it */
	return 0;
}

void dash_live_set_range(struct dash_live *l, int64_t range_ms)
{
	if (range_ms <= 0 || range_ms == l->range_ms)
		return;
	l->range_ms = range_ms;
	l->gen++;
	l->vgen++;
	l->need_full = l->need_vars = true;
	if (!l->paused)
		source_refresh(l->src);
}

void dash_live_set_cols(struct dash_live *l, int cols)
{
	if (cols > 0 && cols != l->cols) {
		l->cols = cols;
		l->need_full = true;   /* the step follows the width */
		l->gen++;
		if (!l->paused && source_running(l->src))
			source_refresh(l->src);
	}
}

void dash_live_pause(struct dash_live *l, bool paused)
{
	l->paused = paused;
}

int dash_live_set_var(struct dash_live *l, const char *name, const char *values, char *err, size_t errlen)
{
	if (!l->d) {
		snprintf(err, errlen, "no dashboard is loaded");
		return -1;
	}
	if (dashboard_var_set(l->d, name, values, err, errlen) != 0)
		return -1;
	repeats(l);
	l->gen++;
	l->vgen++;
	l->need_vars = l->need_full = true;
	source_refresh(l->src);
	return 0;
}

void dash_live_toggle_row(struct dash_live *l, size_t i)
{
	if (!l->d || i >= l->d->np || l->d->p[i].type != DASH_ROW)
		return;
	dashboard_toggle_row(l->d, i);
	/* an opened row's panels are asked for at once (their whole range) */
	if (!l->d->p[i].collapsed && !l->paused && source_running(l->src))
		source_refresh(l->src);
}

struct source *dash_live_source(struct dash_live *l)
{
	return l->src;
}

void dash_live_start(struct dash_live *l, int interval_ms)
{
	source_start(l->src, interval_ms);
}

void dash_live_stop(struct dash_live *l)
{
	if (!l)
		return;
	l->closing = true;
	source_stop(l->src);
}

void dash_live_free(struct dash_live *l)
{
	if (!l)
		return;
	source_free(l->src);
	dash_live_pdata_free(l);
	dashboard_free(l->d);
	dash_live_jobs_free(l);
	free(l);
}

double dash_live_value(const struct dash_live *l, size_t panel, size_t line)
{
	const struct dash_line *ln;

	if (!l->d || panel >= l->npd || line >= l->pd[panel].nline)
		return NAN;
	ln = &l->pd[panel].line[line];
	return dashboard_reduce(ln->v, ln->n, l->d->p[panel].calc);
}

/* ---- the round: the variables, then the panels ---- */

/* The round is over (also when it was stopped): its outcome to the source
 * and the front-end. */
static void round_finish(struct dash_live *l)
{
	char first[240] = "";
	bool any_ok = false, any = false;

	if (l->closing) {
		source_round_done(l->src, false, "stopped");
		return;
	}
	l->last_round_ms = loop_now_ms() - l->round_start_ms;
	if (l->d && l->npd != l->d->np)
		snprintf(first, sizeof first, "out of memory for the panels' data");
	for (size_t i = 0; l->d && i < l->npd; i++) {
		if (!dashboard_drawable(&l->d->p[i]) || !l->d->p[i].nt || dashboard_hidden(l->d, i))
			continue;
		any = true;
		if (l->pd[i].err[0] && !first[0])
			snprintf(first, sizeof first, "%s: %s", l->d->p[i].title[0] ? l->d->p[i].title : "a panel",
			         l->pd[i].err);
		if (!l->pd[i].err[0])
			any_ok = true;
	}
	if (!l->d)
		snprintf(first, sizeof first, "%s", l->error[0] ? l->error : "no dashboard loaded");
	source_round_done(l->src, l->d && (any_ok || !any), first);
	if (l->changed)
		l->changed(l, l->arg);
}

static void panels_done(struct dash_live *l, bool stopped)
{
	(void)stopped;   /* a stopped round ends the same: round_finish says so */
	round_finish(l);
}

static void vars_done(struct dash_live *l, bool stopped)
{
	if (stopped) {
		round_finish(l);
		return;
	}
	repeats(l);   /* the values may make more copies, or fewer */
	dash_live_panel_phase(l, panels_done);
}

static void round_start(struct source *src, void *arg)
{
	struct dash_live *l = arg;

	(void)src;
	l->round_start_ms = loop_now_ms();
	l->slowest_ms = 0;
	l->round_gen = l->gen;
	l->round_vgen = l->vgen;
	if (!l->d && l->nfiles && !l->error[0])
		load(l, l->cur);
	if (!l->d || !l->prom || l->paused) {
		if (!l->prom)
			snprintf(l->error, sizeof l->error, "Prometheus is not configured (prometheus.url)");
		source_round_done(l->src, l->d && l->prom, l->d && l->prom ? "" : l->error[0] ? l->error :
		                  "no dashboard loaded");
		if (l->changed)
			l->changed(l, l->arg);
		return;
	}
	if (l->need_vars)
		dash_live_var_phase(l, vars_done);
	else
		dash_live_panel_phase(l, panels_done);
}
