/* A dashboard's panels filled from Prometheus on the one poller: query
 * variables resolved in dependency order, then every panel's queries of the
 * round at once with a bounded number in flight. A panel's first round (and
 * any round after a change of dashboard, range or variables) asks for the
 * whole range; later rounds ask only for the points since the last. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "warroom/dashboard.h"
#include "warroom/loop.h"
#include "warroom/prom.h"
#include "warroom/source.h"
#include "warroom/text.h"

#define DEFAULT_IN_FLIGHT 16
#define MAX_KEEP_POINTS 4000

struct dash_job {
	struct dash_live *l;
	unsigned gen;
	size_t panel, target;
	bool full, instant;
	int64_t start_ms, end_ms, step_ms;
	int64_t sent_ms;
};

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

		if (len > 5 && !strcmp(e->d_name + len - 5, ".json") && e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
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

static void line_free(struct dash_line *ln)
{
	free(ln->v);
	free(ln->t);
	memset(ln, 0, sizeof *ln);
}

static void pdata_free(struct dash_live *l)
{
	if (l->d && l->pd)
		for (size_t i = 0; i < l->d->np; i++)
			for (size_t k = 0; k < l->pd[i].nline; k++)
				line_free(&l->pd[i].line[k]);
	free(l->pd);
	l->pd = NULL;
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

/* Loads file i in place of the dashboard shown. */
static int load(struct dash_live *l, size_t i)
{
	struct dashboard *d;

	if (i >= l->nfiles) {
		snprintf(l->error, sizeof l->error, "no dashboard number %zu", i + 1);
		return -1;
	}
	d = dashboard_load(l->files[i], l->error, sizeof l->error);
	if (!d)
		return -1;
	pdata_free(l);
	dashboard_free(l->d);
	l->d = d;
	l->cur = i;
	l->pd = calloc(d->np ? d->np : 1, sizeof *l->pd);
	if (!l->pd)
		abort();
	l->error[0] = '\0';
	apply_vars(l);
	l->gen++;
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
	l->gen++;
	l->need_vars = l->need_full = true;
	source_refresh(l->src);
	return 0;
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
	pdata_free(l);
	dashboard_free(l->d);
	free(l->jobs);
	free(l);
}

double dash_live_value(const struct dash_live *l, size_t panel, size_t line)
{
	const struct dash_line *ln;

	if (!l->d || panel >= l->d->np || line >= l->pd[panel].nline)
		return NAN;
	ln = &l->pd[panel].line[line];
	return dashboard_reduce(ln->v, ln->n, l->d->p[panel].calc);
}

/* ---- the round ---- */

static int64_t panel_scrape(const struct dash_live *l, const struct dash_panel *p, const struct dash_target *t)
{
	int64_t ms = dashboard_duration_ms(t->interval);

	if (ms <= 0)
		ms = dashboard_duration_ms(p->interval);
	return ms > 0 ? ms : l->scrape_ms;
}

static int panel_points(const struct dash_live *l, const struct dash_panel *p)
{
	/* braille: two points a column; below 100 columns every panel is stacked full width */
	int pts = (l->cols < 100 ? 24 : p->w) * l->cols / 24 * 2;

	if (pts < 20)
		pts = 20;
	if (p->max_points > 0 && pts > p->max_points)
		pts = p->max_points;
	return pts;
}

/* The legend: legendFormat's {{label}} from the series, or its labels. */
static void legend(const struct dash_target *t, const struct prom_series *s, char *buf, size_t len)
{
	const char *f = t->legend;
	size_t o = 0;

	if (!f[0] || !strcmp(f, "__auto")) {
		text_copy(buf, len, s->name[0] ? s->name : t->expr);
		return;
	}
	while (*f && o + 1 < len) {
		const char *e;

		if (f[0] == '{' && f[1] == '{' && (e = strstr(f, "}}"))) {
			char key[96];
			const char *v;
			size_t a = 2;

			while (f[a] == ' ')
				a++;
			snprintf(key, sizeof key, "%.*s", (int)(e - f - (long)a), f + a);
			for (size_t k = strlen(key); k && key[k - 1] == ' '; k--)
				key[k - 1] = '\0';
			v = prom_series_label(s, key);
			o += (size_t)snprintf(buf + o, len - o, "%s", v ? v : "");
			if (o >= len)
				o = len - 1;
			f = e + 2;
			continue;
		}
		buf[o++] = *f++;
	}
	buf[o] = '\0';
}

static struct dash_line *find_line(struct dash_pdata *pd, size_t target, const char *key)
{
	for (size_t i = 0; i < pd->nline; i++)
		if (pd->line[i].target == (int)target && !strcmp(pd->line[i].key, key))
			return &pd->line[i];
	return NULL;
}

static void drop_target_lines(struct dash_pdata *pd, size_t target)
{
	size_t o = 0;

	for (size_t i = 0; i < pd->nline; i++) {
		if (pd->line[i].target == (int)target)
			line_free(&pd->line[i]);
		else
			pd->line[o++] = pd->line[i];
	}
	for (size_t i = o; i < pd->nline; i++)
		memset(&pd->line[i], 0, sizeof pd->line[i]);
	pd->nline = o;
}

static void line_append(struct dash_line *ln, int64_t t, double v)
{
	if (ln->n && t <= ln->t[ln->n - 1])
		return;
	if (ln->n == ln->cap) {
		size_t cap = ln->cap ? ln->cap * 2 : 64;

		ln->v = realloc(ln->v, cap * sizeof *ln->v);
		ln->t = realloc(ln->t, cap * sizeof *ln->t);
		if (!ln->v || !ln->t)
			abort();
		ln->cap = cap;
	}
	ln->t[ln->n] = t;
	ln->v[ln->n++] = v;
}

/* Points older than the range go. */
static void line_trim(struct dash_line *ln, int64_t oldest)
{
	size_t cut = 0;

	while (cut < ln->n && (ln->t[cut] < oldest || ln->n - cut > MAX_KEEP_POINTS))
		cut++;
	if (!cut)
		return;
	memmove(ln->v, ln->v + cut, (ln->n - cut) * sizeof *ln->v);
	memmove(ln->t, ln->t + cut, (ln->n - cut) * sizeof *ln->t);
	ln->n -= cut;
}

static void start_jobs(struct dash_live *l);

static void round_finish(struct dash_live *l)
{
	char first[240] = "";
	bool any_ok = false, any = false;

	if (l->closing) {
		source_round_done(l->src, false, "stopped");
		return;
	}
	l->last_round_ms = loop_now_ms() - l->round_start_ms;
	for (size_t i = 0; l->d && i < l->d->np; i++) {
		if (!dashboard_drawable(&l->d->p[i]) || !l->d->p[i].nt)
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

static void job_done(struct dash_live *l)
{
	l->inflight--;
	if (l->closing) {
		if (l->inflight == 0 && l->next_job >= l->njobs)
			round_finish(l);
		return;
	}
	start_jobs(l);
}

static void on_matrix(const struct prom_matrix *m, void *arg)
{
	struct dash_job *j = arg;
	struct dash_live *l = j->l;
	struct dash_pdata *pd;
	const struct dash_target *t;

	if (l->closing || j->gen != l->gen || !l->d) {
		job_done(l);
		return;
	}
	pd = &l->pd[j->panel];
	t = &l->d->p[j->panel].t[j->target];
	if (m->elapsed_ms > l->slowest_ms)
		l->slowest_ms = m->elapsed_ms;
	if (!m->ok) {
		snprintf(pd->err, sizeof pd->err, "%s%s%s", t->ref, t->ref[0] ? ": " : "", m->err);
		job_done(l);
		return;
	}
	if (m->warnings[0])
		snprintf(pd->warn, sizeof pd->warn, "%s", m->warnings);
	if (j->full || j->instant)
		drop_target_lines(pd, j->target);
	for (size_t i = 0; i < m->ns; i++) {
		const struct prom_series *s = &m->s[i];
		struct dash_line *ln = find_line(pd, j->target, s->name);

		if (!ln) {
			if (pd->nline >= DASH_LINES) {
				pd->dropped++;
				continue;
			}
			/* in the panel's query order, whichever answered first */
			size_t at = pd->nline++;

			while (at > 0 && pd->line[at - 1].target > (int)j->target) {
				pd->line[at] = pd->line[at - 1];
				at--;
			}
			ln = &pd->line[at];
			memset(ln, 0, sizeof *ln);
			ln->target = (int)j->target;
			text_copy(ln->key, sizeof ln->key, s->name);
			legend(t, s, ln->name, sizeof ln->name);
		}
		for (size_t k = 0; k < s->n; k++)
			line_append(ln, s->t_ms[k], s->v[k]);
		if (!j->instant)   /* an instant answer is the value now, whatever its time */
			line_trim(ln, j->end_ms - l->range_ms);
	}
	pd->dropped += m->dropped;
	pd->updated_ms = loop_now_ms();
	pd->step_ms = j->step_ms;
	pd->end_ms = j->end_ms;
	if (j->full)
		pd->filled = true;
	job_done(l);
}

static void start_jobs(struct dash_live *l)
{
	while (l->inflight < l->max_in_flight && l->next_job < l->njobs) {
		struct dash_job *j = &l->jobs[l->next_job++];
		const struct dash_panel *p;

		if (j->gen != l->gen)
			continue;   /* of a dashboard or range no longer shown */
		p = &l->d->p[j->panel];
		const struct dash_target *t = &p->t[j->target];
		struct dash_env env = { l->range_ms, j->step_ms, panel_scrape(l, p, t) };
		char *expr = dashboard_expand(l->d, &env, t->expr);
		uint64_t id;

		j->sent_ms = loop_now_ms();
		l->inflight++;
		if (j->instant)
			id = prom_query_series(l->prom, expr, on_matrix, j);
		else
			id = prom_query_range(l->prom, expr, j->start_ms, j->end_ms, j->step_ms, on_matrix, j);
		free(expr);
		if (!id) {
			l->inflight--;
			snprintf(l->pd[j->panel].err, sizeof l->pd[j->panel].err, "the query could not be sent");
		}
	}
	if (l->inflight == 0 && l->next_job >= l->njobs)
		round_finish(l);
}

/* Every panel's queries for this round, then out with them. */
static void panel_phase(struct dash_live *l)
{
	int64_t now = loop_wall_ms();
	size_t n = 0;

	free(l->jobs);
	l->jobs = NULL;
	l->njobs = l->next_job = 0;
	for (size_t i = 0; i < l->d->np; i++)
		n += l->d->p[i].nt;
	l->jobs = calloc(n + 1, sizeof *l->jobs);
	if (!l->jobs)
		abort();
	for (size_t i = 0; i < l->d->np; i++) {
		const struct dash_panel *p = &l->d->p[i];
		struct dash_pdata *pd = &l->pd[i];
		bool instant_panel = p->type == DASH_TABLE;

		if (p->type == DASH_ROW || p->type == DASH_TEXT)
			continue;
		if (l->need_full)
			pd->filled = false;
		pd->err[0] = pd->warn[0] = '\0';
		for (size_t k = 0; k < p->nt; k++) {
			const struct dash_target *t = &p->t[k];
			struct dash_job *j;
			int64_t step = dashboard_step_ms(l->range_ms, panel_points(l, p), 0, panel_scrape(l, p, t));

			if (t->hide || !t->expr[0])
				continue;
			j = &l->jobs[l->njobs++];
			j->l = l;
			j->gen = l->gen;
			j->panel = i;
			j->target = k;
			j->instant = t->instant || instant_panel;
			j->step_ms = step;
			j->end_ms = now - now % step;   /* aligned: incremental points fall on the same grid */
			j->full = !pd->filled || pd->step_ms != step;
			j->start_ms = j->full ? j->end_ms - l->range_ms : pd->end_ms + step;
			if (!j->full && j->start_ms > j->end_ms)
				j->start_ms = j->end_ms;   /* no new step yet: the newest point again */
		}
	}
	if (l->round_gen == l->gen)
		l->need_full = false;
	start_jobs(l);
}

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
		round_finish(l);
		goto out;
	}
	if (vj->gen != l->gen || !l->d) {   /* asked for another dashboard or range: go on without it */
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
	if (!kept)
		abort();
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
		if (r == 1 && !dup)
			kept[nk++] = strdup(out);
	}
	if (!v->error[0])
		dashboard_var_options(v, kept, nk);
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

	if (!vals)
		abort();
	for (size_t i = 0; m->ok && i < m->ns; i++) {
		char buf[1024], num[40];
		const struct prom_series *s = &m->s[i];

		dashboard_format(s->n ? s->v[s->n - 1] : NAN, "none", -1, num, sizeof num);
		snprintf(buf, sizeof buf, "%s %s %lld", s->name, num, (long long)(s->n ? s->t_ms[s->n - 1] / 1000 : 0));
		vals[n++] = strdup(buf);
	}
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

/* The query variables one after the other (a later one may use an earlier). */
static void var_phase(struct dash_live *l)
{
	struct dashboard *d = l->d;

	while (l->var_at < d->nv) {
		struct dash_var *v = &d->v[d->order[l->var_at]];
		struct dash_varq_parsed q;
		struct dash_env env = { l->range_ms, l->scrape_ms, l->scrape_ms };
		char *expanded, err[200];
		struct var_job *vj;
		uint64_t id = 0;

		if (v->type == VAR_DATASOURCE) {
			char *one[] = { "prometheus" };

			dashboard_var_options(v, one, 1);
		}
		if (v->type != VAR_QUERY) {
			l->var_at++;
			continue;
		}
		count_refs_n = 0;
		dashboard_refs(v->query, count_refs, NULL);
		if (d->order_error[0] && count_refs_n) {   /* in or after a cycle: the JSON's values */
			l->var_at++;
			continue;
		}
		expanded = dashboard_expand(d, &env, v->query);
		if (dashboard_varq_parse(expanded, &q, err, sizeof err) != 0) {
			snprintf(v->error, sizeof v->error, "%s", err);
			free(expanded);
			l->var_at++;
			continue;
		}
		free(expanded);
		vj = calloc(1, sizeof *vj);
		if (!vj)
			abort();
		vj->l = l;
		vj->gen = l->gen;
		vj->var = (size_t)d->order[l->var_at];
		vj->regex = dashboard_expand(d, &env, v->regex);
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
			id = prom_label_values(l->prom, "__name__", NULL, var_strings, vj);
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
	if (l->round_gen == l->gen)
		l->need_vars = false;
	panel_phase(l);
}

static void round_start(struct source *src, void *arg)
{
	struct dash_live *l = arg;

	(void)src;
	l->round_start_ms = loop_now_ms();
	l->slowest_ms = 0;
	l->round_gen = l->gen;
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
	if (l->need_vars) {
		l->var_at = 0;
		var_phase(l);
	} else {
		panel_phase(l);
	}
}
