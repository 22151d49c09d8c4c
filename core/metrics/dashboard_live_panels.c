/* dashboard_live_panels — the panel phase of a dashboard's round: every
 * panel's queries of the round at once with a bounded number in flight, a
 * query that several panels share sent once, a panel with no new step
 * asking nothing; the answers merged into the panels' lines (legends, the
 * range trimmed). A panel's first round (and any round after a change of
 * dashboard, range or variables) asks for the whole range; later rounds ask
 * only for the points since the last. It reports its end to the round's
 * driver (dashboard_live.c) through the callback it was started with. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard_live_priv.h"
#include "warroom/dashboard.h"
#include "warroom/loop.h"
#include "warroom/prom.h"
#include "warroom/text.h"

#define MAX_KEEP_POINTS 4000

enum job_kind {
	JOB_SEND,   /* asks Prometheus */
	JOB_SAME,   /* the same query as job `lead`: its answer */
	JOB_IDLE,   /* no new step yet: told whether job `lead` was answered */
};

struct dash_job {
	struct dash_live *l;
	unsigned gen;
	size_t panel, target, lead;
	enum job_kind kind;
	bool full, instant;
	int64_t start_ms, end_ms, step_ms;
	char *expr;   /* variables expanded */
};

static void line_free(struct dash_line *ln)
{
	free(ln->v);
	free(ln->t);
	memset(ln, 0, sizeof *ln);
}

void dash_live_pdata_free(struct dash_live *l)
{
	for (size_t i = 0; l->pd && i < l->npd; i++)
		for (size_t k = 0; k < l->pd[i].nline; k++)
			line_free(&l->pd[i].line[k]);
	free(l->pd);
	l->pd = NULL;
	l->npd = 0;
}

void dash_live_jobs_free(struct dash_live *l)
{
	for (size_t i = 0; i < l->njobs; i++)
		free(l->jobs[i].expr);
	free(l->jobs);
	l->jobs = NULL;
	l->njobs = l->next_job = 0;
}

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

/* 0, or -1 out of memory (the line keeps the points it had). */
static int line_append(struct dash_line *ln, int64_t t, double v)
{
	if (ln->n && t <= ln->t[ln->n - 1])
		return 0;
	if (ln->n == ln->cap) {
		size_t cap = ln->cap ? ln->cap * 2 : 64;
		double *nv = realloc(ln->v, cap * sizeof *nv);
		int64_t *nt = NULL;

		if (nv) {
			ln->v = nv;   /* bigger than cap says until t grows too: harmless */
			nt = realloc(ln->t, cap * sizeof *nt);
		}
		if (!nt)
			return -1;
		ln->t = nt;
		ln->cap = cap;
	}
	ln->t[ln->n] = t;
	ln->v[ln->n++] = v;
	return 0;
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

static void job_done(struct dash_live *l)
{
	l->inflight--;
	if (l->closing) {
		if (l->inflight == 0 && l->next_job >= l->njobs)
			l->phase_done(l, true);
		return;
	}
	start_jobs(l);
}

static void job_error(struct dash_live *l, const struct dash_job *j, const char *err)
{
	const struct dash_target *t = &l->d->p[j->panel].t[j->target];
	struct dash_pdata *pd = &l->pd[j->panel];

	snprintf(pd->err, sizeof pd->err, "%s%s%s", t->ref, t->ref[0] ? ": " : "", err);
}

/* One answer into the panel of job j (the job that asked, or one that
 * asked the same). */
static void apply(struct dash_live *l, const struct dash_job *j, const struct prom_matrix *m)
{
	struct dash_pdata *pd = &l->pd[j->panel];
	const struct dash_target *t = &l->d->p[j->panel].t[j->target];

	if (!m->ok) {
		job_error(l, j, m->err);
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
			if (line_append(ln, s->t_ms[k], s->v[k]) != 0) {
				job_error(l, j, "out of memory for the answer's points");
				return;
			}
		if (!j->instant)   /* an instant answer is the value now, whatever its time */
			line_trim(ln, j->end_ms - l->range_ms);
	}
	pd->dropped += m->dropped;
	pd->updated_ms = loop_now_ms();
	pd->step_ms = j->step_ms;
	pd->end_ms = j->end_ms;
	if (j->full)
		pd->filled = true;
}

/* The jobs that rode on job `lead`: the same query gets its answer; one
 * with no new step learns whether Prometheus answered (its data is then as
 * new as it can be). m NULL: the query was never sent. */
static void followers(struct dash_live *l, size_t lead, const struct prom_matrix *m)
{
	for (size_t i = 0; i < l->njobs; i++) {
		struct dash_job *o = &l->jobs[i];

		if (i == lead || o->lead != lead || o->kind == JOB_SEND || o->gen != l->gen)
			continue;
		if (!m)
			job_error(l, o, "the query could not be sent");
		else if (o->kind == JOB_SAME)
			apply(l, o, m);
		else if (m->answered)   /* its own error is the query's, not the source's */
			l->pd[o->panel].updated_ms = loop_now_ms();
		else
			job_error(l, o, m->err);
	}
}

static void on_matrix(const struct prom_matrix *m, void *arg)
{
	struct dash_job *j = arg;
	struct dash_live *l = j->l;

	if (l->closing || j->gen != l->gen || !l->d) {
		job_done(l);
		return;
	}
	if (m->elapsed_ms > l->slowest_ms)
		l->slowest_ms = m->elapsed_ms;
	apply(l, j, m);
	followers(l, (size_t)(j - l->jobs), m);
	job_done(l);
}

static void start_jobs(struct dash_live *l)
{
	while (l->inflight < l->max_in_flight && l->next_job < l->njobs) {
		size_t at = l->next_job++;
		struct dash_job *j = &l->jobs[at];
		uint64_t id;

		if (j->gen != l->gen || j->kind != JOB_SEND)
			continue;   /* of a dashboard or range no longer shown, or riding on another */
		l->inflight++;
		l->sent++;
		if (j->instant)
			id = prom_query_series(l->prom, j->expr, on_matrix, j);
		else
			id = prom_query_range(l->prom, j->expr, j->start_ms, j->end_ms, j->step_ms, on_matrix, j);
		if (!id) {
			l->inflight--;
			job_error(l, j, "the query could not be sent");
			followers(l, at, NULL);
		}
	}
	if (l->inflight == 0 && l->next_job >= l->njobs)
		l->phase_done(l, false);
}

static bool same_query(const struct dash_job *a, const struct dash_job *b)
{
	return a->instant == b->instant && !strcmp(a->expr, b->expr) &&
	       (a->instant || (a->start_ms == b->start_ms && a->end_ms == b->end_ms && a->step_ms == b->step_ms));
}

/* Who asks: a query that several panels share goes once; a panel with no
 * new step since its last answer asks nothing (on a one-hour range a step
 * is a minute, and a refresh every few seconds), and learns from the
 * round's first query whether the source still answers. With no query at
 * all in the round, the first such panel asks for its newest point again,
 * so that a source gone down is still seen. */
static void plan_jobs(struct dash_live *l)
{
	size_t first_send = l->njobs, first_idle = l->njobs;

	for (size_t i = 0; i < l->njobs; i++) {
		struct dash_job *j = &l->jobs[i];

		j->lead = i;
		if (j->kind == JOB_IDLE) {
			if (first_idle == l->njobs)
				first_idle = i;
			continue;
		}
		for (size_t k = 0; k < i; k++)
			if (l->jobs[k].kind == JOB_SEND && same_query(&l->jobs[k], j)) {
				j->kind = JOB_SAME;
				j->lead = k;
				break;
			}
		if (j->kind == JOB_SEND && first_send == l->njobs)
			first_send = i;
	}
	if (first_send == l->njobs && first_idle < l->njobs) {
		l->jobs[first_idle].kind = JOB_SEND;
		first_send = first_idle;
	}
	for (size_t i = 0; i < l->njobs; i++)
		if (l->jobs[i].kind == JOB_IDLE)
			l->jobs[i].lead = first_send;
}

/* Every panel's queries for this round, then out with them. */
void dash_live_panel_phase(struct dash_live *l, dash_live_phase_fn done)
{
	int64_t now = loop_wall_ms();
	size_t n = 0;

	l->phase_done = done;
	dash_live_jobs_free(l);
	l->sent = 0;
	for (size_t i = 0; i < l->d->np; i++)
		n += l->d->p[i].nt;
	l->jobs = calloc(n + 1, sizeof *l->jobs);
	if (!l->jobs || l->npd != l->d->np) {   /* the round ends at once, said on every panel */
		for (size_t i = 0; i < l->npd; i++)
			snprintf(l->pd[i].err, sizeof l->pd[i].err, "out of memory for this round's queries");
		done(l, false);
		return;
	}
	for (size_t i = 0; i < l->d->np; i++) {
		const struct dash_panel *p = &l->d->p[i];
		struct dash_pdata *pd = &l->pd[i];
		bool instant_panel = p->type == DASH_TABLE;

		/* rows, text, placeholders and the panels of a closed row ask nothing */
		if (p->type == DASH_TEXT || !dashboard_drawable(p) || dashboard_hidden(l->d, i))
			continue;
		if (l->need_full)
			pd->filled = false;
		pd->err[0] = pd->warn[0] = '\0';
		for (size_t k = 0; k < p->nt; k++) {
			const struct dash_target *t = &p->t[k];
			struct dash_job *j;
			int64_t scrape = panel_scrape(l, p, t);
			int64_t step = dashboard_step_ms(l->range_ms, panel_points(l, p), 0, scrape);
			struct dash_env env = { .range_ms = l->range_ms, .interval_ms = step, .scrape_ms = scrape,
			                        .now_ms = now, .instant = t->instant || instant_panel };
			struct dash_gaps gaps;
			char *expr;

			if (t->hide || !t->expr[0] || t->ds[0])
				continue;   /* hidden, empty, or for another datasource (an expression) */
			expr = dashboard_expand_in(l->d, &env, p, t->expr, NULL, &gaps);
			if (!expr) {   /* this query sits the round out */
				snprintf(pd->err, sizeof pd->err, "%s%sout of memory expanding the query", t->ref,
				         t->ref[0] ? ": " : "");
				continue;
			}
			if (gaps.pending) {   /* a placeholder matches nothing: said, not sent */
				const struct dash_var *v = dashboard_var(l->d, gaps.var);

				if (v && v->error[0])
					snprintf(pd->err, sizeof pd->err, "%s%s%s has no values: %s", t->ref, t->ref[0] ? ": " : "",
					         gaps.first, v->error);
				else
					snprintf(pd->err, sizeof pd->err, "%s%s%s %s", t->ref, t->ref[0] ? ": " : "", gaps.first,
					         gaps.why);
				free(expr);
				continue;
			}
			j = &l->jobs[l->njobs++];
			j->l = l;
			j->gen = l->gen;
			j->panel = i;
			j->target = k;
			j->instant = env.instant;
			j->step_ms = step;
			j->end_ms = now - now % step;   /* aligned: incremental points fall on the same grid */
			j->full = !pd->filled || pd->step_ms != step;
			j->start_ms = j->full ? j->end_ms - l->range_ms : pd->end_ms + step;
			j->kind = JOB_SEND;
			if (!j->full && !j->instant && j->start_ms > j->end_ms) {
				j->start_ms = j->end_ms;   /* no new step yet */
				j->kind = JOB_IDLE;
			}
			j->expr = expr;
		}
	}
	l->queries = l->njobs;
	plan_jobs(l);
	if (l->round_gen == l->gen)
		l->need_full = false;
	start_jobs(l);
}
