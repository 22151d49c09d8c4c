/* What the deployment model asks the cluster and Prometheus: once the slots
 * are known, each slot's ReplicaSets (when its build went up) and the
 * request rate by slot over the last minutes (when traffic moved); once a
 * switch is known, the golden signals before it (the baseline) and the
 * live slot's signals since (how long a fast rule has held); every refresh,
 * the live slot's own error ratio and P99. Answers are kept here and handed
 * to the model on the next step: nothing here touches the model from an
 * answer, which may come while the sources close. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/config.h"
#include "warroom/deploy.h"
#include "warroom/kube.h"
#include "warroom/loop.h"
#include "warroom/prom.h"
#include "warroom/text.h"

#include "deploy_priv.h"

#define LOOK_BACK_MS (10 * 60 * 1000)   /* traffic history beyond the window */
#define BASE_SPAN_MS (5 * 60 * 1000)    /* the baseline's minutes */
#define HISTORY_MS (10 * 60 * 1000)     /* how far back a fast rule's past is read */
#define MAX_POINTS 900
#define YOUNG_MS (10 * 60 * 1000)       /* pods started this long before their switch are its own */

/* The rules a switch's history recalls, and the series each one reads. */
enum { H_FAST_E, H_FAST_P99, H_ERRORS, H_P95, H_QUEUE, H_COUNT };
static const enum deploy_rule hist_rule[H_COUNT] = {
	[H_FAST_E] = DRULE_FAST_ERRORS, [H_FAST_P99] = DRULE_FAST_P99, [H_ERRORS] = DRULE_ERRORS_BASELINE,
	[H_P95] = DRULE_P95_SLO, [H_QUEUE] = DRULE_QUEUE_GROWING,
};

enum { Q_TRAFFIC, Q_BASE0, Q_HIST0 = Q_BASE0 + MET_COUNT, Q_LIVE_E = Q_HIST0 + H_COUNT, Q_LIVE_P99, Q_COUNT };

struct reply {
	struct deploy_query *q;
	int which;
	uint64_t gen;                 /* the switch or round it was asked for */
};

struct deploy_query {
	struct deploy_io io;
	struct deploy *d;
	const struct model *m;
	void (*kick)(void *arg);
	void *kick_arg;
	uint64_t kick_timer, live_timer;
	int inflight;                 /* answers still to come */
	bool freed;                   /* freed while answers were in flight: the last one frees */

	/* builds */
	uint64_t rs_id;
	struct reply *rs_reply;
	bool rs_asked;
	long rs_revision[SLOTS_MAX];
	char *rs_body;
	size_t rs_len;
	char rs_error[160];

	/* traffic */
	char traffic_slot[32];
	bool traffic_asked;

	/* the switch's baseline and the rules' history */
	uint64_t gen;
	int64_t asked_switch;
	int pending;
	int64_t base_from, base_to;
	double base[MET_COUNT];
	int64_t *hist_t[H_COUNT];
	double *hist_v[H_COUNT];
	size_t hist_n[H_COUNT];
	bool hist_ready;

	/* the live slot, every refresh */
	char live_slot[32];
	int live_pending;
	bool live_answered;
	double live_e, live_p99;
	bool live_ready;
};

static void kick_fired(struct loop *loop, void *arg)
{
	struct deploy_query *q = arg;

	(void)loop;
	q->kick_timer = 0;
	if (q->kick)
		q->kick(q->kick_arg);
}

/* The model steps again on the loop, not inside an answer. */
static void kick_later(struct deploy_query *q)
{
	if (q->io.loop && !q->kick_timer && !q->freed)
		q->kick_timer = loop_timer_add(q->io.loop, 0, 0, kick_fired, q);
}

static struct reply *reply_new(struct deploy_query *q, int which)
{
	struct reply *r = malloc(sizeof *r);

	if (!r)
		return NULL;
	*r = (struct reply){ q, which, q->gen };
	q->inflight++;
	return r;
}

static void query_free_now(struct deploy_query *q)
{
	free(q->rs_body);
	for (int i = 0; i < H_COUNT; i++) {
		free(q->hist_t[i]);
		free(q->hist_v[i]);
	}
	free(q);
}

/* The reply's query, or NULL when it was freed meanwhile (then the last
 * reply frees it). */
static struct deploy_query *reply_done(struct reply *r)
{
	struct deploy_query *q = r->q;

	free(r);
	q->inflight--;
	if (q->freed) {
		if (!q->inflight)
			query_free_now(q);
		return NULL;
	}
	return q;
}

/* ---- the expressions ---- */

/* The live slot's own error ratio or P99 over r seconds; r 0: its pods'
 * whole record (their counters since they started), right after a switch to
 * them, where a rate needs two samples of every series first. */
static void fast_expr(const struct config *cfg, const char *slot, int r, bool p99, char *buf, size_t len)
{
	const char *l = cfg->kube.slot_label;

	if (!r && p99) {
		snprintf(buf, len, "histogram_quantile(0.99, sum by (le) "
		         "(http_request_duration_seconds_bucket{%s=\"%s\"}))", l, slot);
		return;
	}
	if (!r) {
		snprintf(buf, len, "(sum(http_requests_total{%s=\"%s\",status=~\"5..\"}) or vector(0)) / "
		         "sum(http_requests_total{%s=\"%s\"})", l, slot, l, slot);
		return;
	}

	/* no 5xx series at all is a ratio of 0, not a gap */
	if (p99)
		snprintf(buf, len, "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket"
		         "{%s=\"%s\"}[%ds])))", l, slot, r);
	else
		snprintf(buf, len, "(sum(rate(http_requests_total{%s=\"%s\",status=~\"5..\"}[%ds])) or vector(0)) / "
		         "sum(rate(http_requests_total{%s=\"%s\"}[%ds]))", l, slot, r, l, slot, r);
}

/* ---- builds: the ReplicaSets ---- */

static void got_rs(const struct kube_result *res, void *arg)
{
	struct reply *r = arg;
	struct deploy_query *q = reply_done(r);

	if (!q)
		return;
	q->rs_id = 0;
	q->rs_reply = NULL;
	if (!res->ok) {
		snprintf(q->rs_error, sizeof q->rs_error, "%s", res->error);
		q->d->ev.builds_done = true;
		if (res->status)
			kick_later(q);
		return;
	}
	free(q->rs_body);
	q->rs_body = malloc(res->len + 1);
	if (q->rs_body) {
		memcpy(q->rs_body, res->body, res->len);
		q->rs_body[res->len] = '\0';
		q->rs_len = res->len;
	}
	kick_later(q);
}

/* The app's own labels: a slot's matchLabels without the slot label. */
static void common_selector(const struct slots_state *st, char *buf, size_t len)
{
	char tmp[256], *save = NULL;
	size_t n = 0, kl = strlen(st->slot_label);

	buf[0] = '\0';
	for (int i = 0; i < st->nslots && !buf[0]; i++) {
		text_copy(tmp, sizeof tmp, st->slot[i].match_labels);
		for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save))
			if (!(strncmp(t, st->slot_label, kl) == 0 && t[kl] == '=') && n < len)
				n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", t);
	}
}

static void builds_step(struct deploy_query *q, const struct slots_state *st)
{
	bool changed = false;
	char sel[256], err[200];

	if (!q->io.kube) {
		q->d->ev.builds_done = true;
		return;
	}
	if (q->rs_body) {
		if (deploy_parse_builds(&q->d->ev, st, q->rs_body, q->rs_len, err, sizeof err) != 0)
			snprintf(q->rs_error, sizeof q->rs_error, "%s", err);
		free(q->rs_body);
		q->rs_body = NULL;
		q->d->ev.builds_done = true;
	}
	for (int i = 0; i < st->nslots && i < SLOTS_MAX; i++)
		changed |= st->slot[i].revision != q->rs_revision[i];
	if (q->rs_id || (q->rs_asked && !changed))
		return;
	for (int i = 0; i < st->nslots && i < SLOTS_MAX; i++)
		q->rs_revision[i] = st->slot[i].revision;
	common_selector(st, sel, sizeof sel);
	{
		struct reply *r = reply_new(q, 0);

		if (!r)
			return;
		q->rs_asked = true;
		q->rs_reply = r;
		q->rs_id = kube_list_replicasets(q->io.kube, st->namespace_, sel[0] ? sel : NULL, got_rs, r);
		if (!q->rs_id) {
			q->rs_reply = NULL;
			reply_done(r);
			q->d->ev.builds_done = true;
		}
	}
}

/* ---- traffic by slot ---- */

/* A range's series by one label into an array aligned on the range's steps. */
static void align(const struct prom_series *s, int64_t start, int64_t step, double *out, size_t n)
{
	for (size_t i = 0; i < s->n; i++) {
		int64_t k = (s->t_ms[i] - start + step / 2) / step;

		if (k >= 0 && (size_t)k < n && isfinite(s->v[i]))
			out[k] = (isnan(out[k]) ? 0 : out[k]) + s->v[i];
	}
}

struct traffic_ask {
	struct reply r;
	char slot[32];
	int64_t start, step;
	size_t n;
};

static void got_traffic(const struct prom_matrix *m, void *arg)
{
	struct traffic_ask *t = arg;
	struct deploy_query *q = t->r.q;
	const char *label;
	double *a = NULL, *o = NULL;
	int64_t *ts = NULL, at, before;
	bool always;

	q->inflight--;
	if (q->freed) {
		if (!q->inflight)
			query_free_now(q);
		free(t);
		return;
	}
	label = q->d->cfg->kube.slot_label;
	if (!m->ok) {
		snprintf(q->d->ev.traffic_error, sizeof q->d->ev.traffic_error, "%s", m->err ? m->err : "no answer");
		goto done;
	}
	a = malloc(t->n * sizeof *a);
	o = malloc(t->n * sizeof *o);
	ts = malloc(t->n * sizeof *ts);
	if (!a || !o || !ts)
		goto done;
	for (size_t i = 0; i < t->n; i++) {
		a[i] = o[i] = NAN;
		ts[i] = t->start + (int64_t)i * t->step;
	}
	for (size_t i = 0; i < m->ns; i++) {
		const char *v = prom_series_label(&m->s[i], label);

		if (v && *v)
			align(&m->s[i], t->start, t->step, strcmp(v, t->slot) == 0 ? a : o, t->n);
	}
	if (deploy_traffic_switch(ts, a, o, t->n, &at, &before, &always)) {
		q->d->ev.at[DSRC_PROM_TRAFFIC] = at;
		q->d->ev.before[DSRC_PROM_TRAFFIC] = before;
		text_copy(q->d->ev.active[DSRC_PROM_TRAFFIC], sizeof q->d->ev.active[0], t->slot);
	}
done:
	q->d->ev.traffic_done = true;
	free(a);
	free(o);
	free(ts);
	free(t);
	if (m->answered)
		kick_later(q);
}

static void traffic_step(struct deploy_query *q, const char *active, int64_t now)
{
	struct traffic_ask *t;
	char expr[256];
	int64_t span = q->d->window_ms + LOOK_BACK_MS;

	if (!q->io.prom) {
		q->d->ev.traffic_done = true;
		return;
	}
	if (!active[0] || (q->traffic_asked && strcmp(q->traffic_slot, active) == 0))
		return;
	t = calloc(1, sizeof *t);
	if (!t)
		return;
	text_copy(q->traffic_slot, sizeof q->traffic_slot, active);
	q->traffic_asked = true;
	text_copy(t->slot, sizeof t->slot, active);
	t->r = (struct reply){ q, Q_TRAFFIC, q->gen };
	t->step = span / MAX_POINTS > 1000 ? span / MAX_POINTS : 1000;
	t->start = (now - span) / t->step * t->step;
	t->n = (size_t)((now - t->start) / t->step) + 1;
	/* the last two scrapes of each slot: the moment the rate moved; a pod
	 * gone (its series stale) counts no more, where a range would keep its
	 * last rate for a minute */
	snprintf(expr, sizeof expr, "sum by (%s) (irate(http_requests_total[1m]) and http_requests_total)",
	         q->d->cfg->kube.slot_label);
	q->inflight++;
	if (!prom_query_range(q->io.prom, expr, t->start, t->start + (int64_t)(t->n - 1) * t->step, t->step,
	                      got_traffic, t)) {
		q->inflight--;
		free(t);
		q->d->ev.traffic_done = true;
	}
}

/* ---- the switch: baseline before it, the live slot's past since ---- */

static double mean_of(const struct prom_matrix *m)
{
	double sum = 0;
	size_t n = 0;

	for (size_t i = 0; i < m->ns; i++)
		for (size_t k = 0; k < m->s[i].n; k++)
			if (isfinite(m->s[i].v[k])) {
				sum += m->s[i].v[k];
				n++;
			}
	return n ? sum / (double)n : NAN;
}

static void got_switch(const struct prom_matrix *m, void *arg)
{
	struct reply *r = arg;
	int which = r->which;
	uint64_t gen = r->gen;
	struct deploy_query *q = reply_done(r);

	if (!q || gen != q->gen)
		return;
	if (which >= Q_BASE0 && which < Q_BASE0 + MET_COUNT) {
		q->base[which - Q_BASE0] = m->ok ? mean_of(m) : NAN;
	} else if (which >= Q_HIST0 && which < Q_HIST0 + H_COUNT) {
		int h = which - Q_HIST0;
		const struct prom_series *s = m->ok && m->ns ? &m->s[0] : NULL;

		free(q->hist_t[h]);
		free(q->hist_v[h]);
		q->hist_t[h] = NULL;
		q->hist_v[h] = NULL;
		q->hist_n[h] = 0;
		if (s && s->n && (q->hist_t[h] = malloc(s->n * sizeof *s->t_ms)) &&
		    (q->hist_v[h] = malloc(s->n * sizeof *s->v))) {
			memcpy(q->hist_t[h], s->t_ms, s->n * sizeof *s->t_ms);
			memcpy(q->hist_v[h], s->v, s->n * sizeof *s->v);
			q->hist_n[h] = s->n;
		}
	}
	if (--q->pending == 0) {
		q->hist_ready = true;
		if (m->answered)
			kick_later(q);
	}
}

static void ask_range(struct deploy_query *q, int which, const char *expr, int64_t from, int64_t to)
{
	int64_t step = (to - from) / MAX_POINTS > 1000 ? (to - from) / MAX_POINTS : 1000;
	struct reply *r = reply_new(q, which);

	if (!r)
		return;
	q->pending++;
	if (!prom_query_range(q->io.prom, expr, from, to, step, got_switch, r)) {
		q->pending--;
		reply_done(r);
	}
}

static void switch_step(struct deploy_query *q, const char *active, int64_t now)
{
	struct deploy *d = q->d;
	int64_t rw = deploy_rate_window_ms(prom_signal_query(MET_ERRORS), 60000);
	int64_t at = d->rollback_switch ? d->before_ms : d->switch_ms;
	int64_t before = d->rollback_switch ? 0 : d->before_ms, from, to;
	char expr[512];

	if (d->rb.known && !d->rollback_switch && d->rb.wall_ms < d->switch_ms - 5000 && d->rb.wall_ms > before)
		before = d->rb.wall_ms;   /* an earlier window ended in a rollback: no sample of it */
	q->gen++;
	q->asked_switch = d->switch_ms;
	q->hist_ready = false;
	q->pending = 0;
	for (int i = 0; i < MET_COUNT; i++)
		q->base[i] = NAN;
	d->baseline_asked = true;
	if (!at) {
		snprintf(d->baseline_note, sizeof d->baseline_note, "no baseline: when the %s began is unknown",
		         d->rollback_switch ? "deployment rolled back" : "deployment");
	} else if (deploy_baseline_range(at, before, rw, BASE_SPAN_MS, &from, &to, d->baseline_note,
	                                 sizeof d->baseline_note)) {
		q->base_from = from;
		q->base_to = to;
		for (int i = 0; i < MET_COUNT; i++)
			ask_range(q, Q_BASE0 + i, prom_signal_query((enum metric_id)i), from, to);
	}
	if (active[0]) {
		/* how long each rule held since the switch (ten minutes at most): from
		 * where a rate's range holds no sample of before it (the slot's smoke
		 * tests, an earlier run of the same slot) */
		int64_t fr = (int64_t)d->cfg->deploy.fast_range_s * 1000;
		int64_t start = now - HISTORY_MS > d->switch_ms ? now - HISTORY_MS : d->switch_ms;

		if (start + fr < now - 2000) {
			fast_expr(d->cfg, active, d->cfg->deploy.fast_range_s, false, expr, sizeof expr);
			ask_range(q, Q_HIST0 + H_FAST_E, expr, start + fr, now);
			fast_expr(d->cfg, active, d->cfg->deploy.fast_range_s, true, expr, sizeof expr);
			ask_range(q, Q_HIST0 + H_FAST_P99, expr, start + fr, now);
		}
		/* the service's signals over the window, as the seeds' criteria read them */
		if (start < now - 2000) {
			ask_range(q, Q_HIST0 + H_ERRORS, prom_signal_query(MET_ERRORS), start, now);
			ask_range(q, Q_HIST0 + H_P95, prom_signal_query(MET_P95), start, now);
			ask_range(q, Q_HIST0 + H_QUEUE, prom_signal_query(MET_QUEUE), start, now);
		}
	}
	if (!q->pending)
		q->hist_ready = true;
}

/* What the answers of the switch's queries give the model, once. */
static void switch_apply(struct deploy_query *q, int64_t now)
{
	struct deploy *d = q->d;
	bool any = false;

	/* the same switch, however its time was refined since (a source that agrees) */
	if (!q->hist_ready || llabs(q->asked_switch - d->switch_ms) > 5000)
		return;
	q->hist_ready = false;
	for (int i = 0; i < MET_COUNT; i++) {
		double v = q->base[i];

		/* no 5xx series in the baseline: a ratio of 0, when there was traffic */
		if (i == MET_ERRORS && isnan(v) && isfinite(q->base[MET_RPS]))
			v = 0;
		if (isfinite(v)) {
			deploy_set_baseline(d, (enum metric_id)i, v, q->base_from, q->base_to);
			any = true;
		}
	}
	if (!any && !d->baseline_note[0] && q->base_to)
		snprintf(d->baseline_note, sizeof d->baseline_note, "no baseline: Prometheus has no samples before the "
		         "switch");
	/* the baseline first: the seeds' criteria are drawn from it */
	for (int h = 0; h < H_COUNT; h++)
		deploy_rule_recall(d, hist_rule[h], q->hist_t[h], q->hist_v[h], q->hist_n[h], now);
}

/* ---- the live slot, every refresh ---- */

static void got_live(const struct prom_answer *a, void *arg)
{
	struct reply *r = arg;
	int which = r->which;
	struct deploy_query *q = reply_done(r);

	if (!q)
		return;
	if (which == Q_LIVE_E)
		q->live_e = a->ok ? a->v : NAN;
	else
		q->live_p99 = a->ok ? a->v : NAN;
	q->live_answered |= a->answered;
	if (--q->live_pending == 0) {
		/* a round cancelled at shutdown is no measurement, and steps nothing */
		q->live_ready = q->live_answered;
		if (q->live_ready)
			kick_later(q);
	}
}

/* Whether every pod of the slot started shortly before the switch (a
 * deployment's new pods), not long before it. */
static bool young_pods(const struct slots_state *st, int slot, int64_t switch_ms)
{
	size_t n = 0;

	for (size_t i = 0; i < st->npods; i++) {
		if (st->pods[i].slot != slot || st->pods[i].terminating)
			continue;
		if (!st->pods[i].created_wall_ms || st->pods[i].created_wall_ms < switch_ms - YOUNG_MS)
			return false;
		n++;
	}
	return n > 0;
}

static void live_tick(struct loop *loop, void *arg)
{
	struct deploy_query *q = arg;
	const struct slots_state *st = q->m->slots;
	char expr[512];
	int64_t since;
	int range;

	(void)loop;
	if (q->live_pending || !st || st->active < 0)
		return;
	text_copy(q->live_slot, sizeof q->live_slot, st->slot[st->active].name);
	q->live_e = q->live_p99 = NAN;
	q->live_answered = false;
	/* right after a switch to a slot whose pods are new, their whole record
	 * (a range would reach back to their smoke tests, or an earlier run of
	 * the slot, and need two samples of every series); an older slot's rates */
	range = q->d->cfg->deploy.fast_range_s;
	since = (loop_wall_ms() - q->d->switch_ms) / 1000 + 1;
	if (q->d->switch_ms && strcmp(q->d->to_slot, q->live_slot) == 0 && since < range &&
	    young_pods(st, st->active, q->d->switch_ms))
		range = 0;
	else if (q->d->switch_ms && strcmp(q->d->to_slot, q->live_slot) == 0 && since < range)
		range = since < 5 ? 5 : (int)since;
	for (int w = Q_LIVE_E; w <= Q_LIVE_P99; w++) {
		struct reply *r = reply_new(q, w);

		if (!r)
			continue;
		fast_expr(q->d->cfg, q->live_slot, range, w == Q_LIVE_P99, expr, sizeof expr);
		q->live_pending++;
		if (!prom_query(q->io.prom, expr, got_live, r)) {
			q->live_pending--;
			reply_done(r);
		}
	}
}

/* ---- the step ---- */

struct deploy_query *deploy_query_new(const struct deploy_io *io, struct deploy *d, const struct model *m,
                                      void (*kick)(void *arg), void *arg)
{
	struct deploy_query *q = calloc(1, sizeof *q);

	if (!q)
		return NULL;
	q->io = *io;
	q->d = d;
	q->m = m;
	q->kick = kick;
	q->kick_arg = arg;
	q->live_e = q->live_p99 = NAN;
	for (int i = 0; i < MET_COUNT; i++)
		q->base[i] = NAN;
	if (io->loop && io->prom) {
		int every = d->cfg->refresh_ms > 0 ? d->cfg->refresh_ms : 1000;

		q->live_timer = loop_timer_add(io->loop, 0, every, live_tick, q);
	}
	return q;
}

void deploy_query_step(struct deploy_query *q, int64_t now)
{
	const struct slots_state *st = q->m->slots;
	const char *active;
	struct deploy *d = q->d;

	if (!st || !st->updated_ms || st->last_error[0])
		return;
	active = st->active >= 0 ? st->slot[st->active].name : "";
	builds_step(q, st);
	traffic_step(q, active, now);
	if (q->live_ready) {
		q->live_ready = false;
		deploy_fast(d, q->live_slot, q->live_e, q->live_p99, now);
	}
	/* traffic moved: the new live slot is asked now, not at the next tick */
	if (q->io.prom && q->io.loop && active[0] && strcmp(active, q->live_slot) != 0 && !q->live_pending &&
	    strcmp(active, d->to_slot) == 0)
		live_tick(q->io.loop, q);
	if (q->io.prom && d->switch_ms && (!d->baseline_asked || q->asked_switch == 0 ||
	                                   llabs(q->asked_switch - d->switch_ms) > 5000))
		switch_step(q, active, now);
	else if (!q->io.prom && !d->baseline_asked && d->switch_ms) {
		d->baseline_asked = true;
		snprintf(d->baseline_note, sizeof d->baseline_note, "no baseline: Prometheus is not configured");
	}
	switch_apply(q, now);
}

bool deploy_query_settled(const struct deploy_query *q)
{
	const struct deploy *d = q->d;

	return d->ev.builds_done && d->ev.traffic_done && (!d->switch_ms || !q->io.prom ||
	                                                   (d->baseline_asked && q->pending == 0));
}

void deploy_query_stop(struct deploy_query *q)
{
	/* the cluster's client cancels without calling back: the reply is ours to free */
	if (q && q->rs_id && q->io.kube && kube_cancel(q->io.kube, q->rs_id)) {
		free(q->rs_reply);
		q->rs_reply = NULL;
		q->rs_id = 0;
		q->inflight--;
	}
	if (q)
		q->io.kube = NULL;   /* nothing more is asked of it */
}

void deploy_query_free(struct deploy_query *q)
{
	if (!q)
		return;
	if (q->kick_timer)
		loop_timer_cancel(q->io.loop, q->kick_timer);
	if (q->live_timer)
		loop_timer_cancel(q->io.loop, q->live_timer);
	q->kick_timer = q->live_timer = 0;
	deploy_query_stop(q);
	if (q->inflight) {
		q->freed = true;   /* Prometheus' answers are still to come: the last one frees */
		return;
	}
	query_free_now(q);
}
